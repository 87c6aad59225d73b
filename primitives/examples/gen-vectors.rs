//! Prints the test vectors as JSON. From the repository root:
//! `cargo run --release -p gridmask-primitives --example gen-vectors > primitives/test-vectors/v2.json`

fn main() {
	let vectors = gridmask_primitives::vectors::generate();
	// The generated vectors must pass their own check before they are written anywhere.
	if let Err(e) = gridmask_primitives::vectors::check(&vectors) {
		eprintln!("generated vectors fail their check: {e}");
		std::process::exit(1);
	}
	match serde_json::to_string_pretty(&vectors) {
		Ok(json) => println!("{json}"),
		Err(e) => {
			eprintln!("{e}");
			std::process::exit(1);
		},
	}
}
