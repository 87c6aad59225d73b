//! `gridmask`: every off-chain role of gridmask against a node over JSON-RPC. The command line
//! lives in [`commands`] (one module a role, each owning its options); what the commands do is
//! the `gridmask_client` library.

mod commands;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
	let cli = commands::Cli::parse();
	match cli.run().await {
		Ok(code) => code,
		Err(e) => {
			eprintln!("error: {e:#}");
			ExitCode::FAILURE
		},
	}
}
