//! Rebuilds the generated interface when the committed metadata changes: subxt's macro reads
//! the file but does not tell cargo about it, so a regenerated `gridmask.scale` alone would
//! leave the old interface compiled.

fn main() {
	println!("cargo:rerun-if-changed=../metadata/gridmask.scale");
}
