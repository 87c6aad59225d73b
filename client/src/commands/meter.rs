//! `gridmask meter …`: simulated smart meters (PROTOCOL §4 step 3).

use super::Context;
use anyhow::Result;
use clap::Subcommand;
use gridmask_client::{meter, store};
use std::{path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Subcommand)]
pub enum MeterCommand {
	/// Run meters from credential files: two masked shares per period each, at random times
	/// inside the window. Exit status 0 only if every share sent is in the finalized chain.
	Run {
		/// A credential file, or a directory of meter-*.json.
		#[arg(long)]
		credentials: PathBuf,
		/// Number of periods to report.
		#[arg(long, default_value_t = 1)]
		periods: u32,
		/// Start with this period (default: the first whose window is ahead and whose setup is
		/// complete on chain).
		#[arg(long)]
		first_period: Option<u32>,
		/// Seed of the load profiles.
		#[arg(long, default_value_t = 1)]
		seed: u64,
		/// Silent meters: METER (the whole run) or METER:N (its first N periods). Repeatable.
		#[arg(long, value_parser = parse_silent)]
		silent: Vec<(u64, u32)>,
		/// Testing: meters that send only one of their two shares, METER or METER:N as for
		/// --silent (a lone share on chain). Repeatable.
		#[arg(long, hide = true, value_parser = parse_silent)]
		drop_one: Vec<(u64, u32)>,
	},
}

/// `METER` (every period) or `METER:N` (the first N).
fn parse_silent(s: &str) -> Result<(u64, u32), String> {
	let (m, n) = match s.split_once(':') {
		Some((m, n)) => (m, n.parse::<u32>().map_err(|_| format!("bad period count in {s:?}"))?),
		None => (s, u32::MAX),
	};
	Ok((m.parse().map_err(|_| format!("bad meter id in {s:?}"))?, n))
}

pub async fn run(ctx: &Context, command: MeterCommand) -> Result<ExitCode> {
	match command {
		MeterCommand::Run { credentials, periods, first_period, seed, silent, drop_one } => {
			let creds = store::load_credentials(&credentials)?;
			let endpoints = Arc::new(meter::Endpoints::new(ctx.urls.clone()));
			let opts = meter::RunOptions {
				periods,
				seed,
				silent: silent.into_iter().collect(),
				drop_one: drop_one.into_iter().collect(),
				first_period,
			};
			// Live counters only when the output is text.
			let r = meter::run(endpoints, creds, opts, !ctx.json).await?;
			ctx.emit(&r)
		},
	}
}

#[cfg(test)]
mod tests {
	use super::parse_silent;

	#[test]
	fn silent_meters_are_parsed_with_or_without_a_period_count() {
		assert_eq!(parse_silent("1003"), Ok((1003, u32::MAX)));
		assert_eq!(parse_silent("1003:2"), Ok((1003, 2)));
		assert!(parse_silent("x:2").unwrap_err().contains("bad meter id"));
		assert!(parse_silent("7:y").unwrap_err().contains("bad period count"));
	}
}
