//! Progress bars for long operations (on stderr; hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps labelled `what`.
pub fn bar(len: u64, what: &str) -> ProgressBar {
	let b = ProgressBar::new(len);
	b.set_style(
		ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
			.expect("a valid template")
			.progress_chars("=> "),
	);
	b.set_message(what.to_string());
	b
}
