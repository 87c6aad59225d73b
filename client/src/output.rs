//! One output path for every command: what a command returns is a report that prints as text
//! (`Display`) or, with `--json`, as JSON (`Serialize`), on stdout.

use serde::Serialize;
use std::{fmt::Display, process::ExitCode};

/// How a command's result ends the program.
pub enum Verdict {
	/// Exit status 0.
	Done,
	/// The command ran but its result falls short (a bill that does not verify, a share not on
	/// chain, a meter not billed): exit status 2, after this note on stderr (if not empty).
	Short(String),
}

impl Verdict {
	/// `Done` if `ok`, else `Short` with no further note (the report says what fell short).
	pub fn done_if(ok: bool) -> Self {
		if ok {
			Self::Done
		} else {
			Self::Short(String::new())
		}
	}
}

/// A command's result.
pub trait Output: Serialize + Display {
	/// Whether the result falls short; by default it does not.
	fn verdict(&self) -> Verdict {
		Verdict::Done
	}
}

/// Prints `out` as JSON (`json`) or text, and returns the exit status it calls for.
pub fn emit<O: Output>(json: bool, out: &O) -> anyhow::Result<ExitCode> {
	if json {
		println!("{}", serde_json::to_string_pretty(out)?);
	} else {
		print!("{out}");
	}
	Ok(match out.verdict() {
		Verdict::Done => ExitCode::SUCCESS,
		Verdict::Short(note) => {
			if !note.is_empty() {
				eprintln!("{note}");
			}
			ExitCode::from(2)
		},
	})
}

/// A result that is only ever JSON-shaped data with one sentence of text: for small answers
/// (`{"region": 1, "period": 7, "void": true}` / "region 1 period 7: closed void").
#[derive(Serialize)]
pub struct Said<T: Serialize> {
	/// The JSON form.
	#[serde(flatten)]
	pub data: T,
	/// The text form (one line, no newline).
	#[serde(skip)]
	pub text: String,
}

impl<T: Serialize> Said<T> {
	/// `data` as JSON, `text` as text.
	pub fn new(data: T, text: impl Into<String>) -> Self {
		Self { data, text: text.into() }
	}
}

impl<T: Serialize> Display for Said<T> {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(f, "{}", self.text)
	}
}

impl<T: Serialize> Output for Said<T> {}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn said_prints_its_data_as_json_and_its_sentence_as_text() {
		let s = Said::new(serde_json::json!({ "region": 1, "void": true }), "region 1: void");
		assert_eq!(
			serde_json::to_value(&s).unwrap(),
			serde_json::json!({ "region": 1, "void": true })
		);
		assert_eq!(s.to_string(), "region 1: void\n");
	}
}
