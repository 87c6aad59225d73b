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
		#[arg(long, value_parser = meter::parse_silent)]
		silent: Vec<(u64, u32)>,
		/// Testing: meters that send only one of their two shares, METER or METER:N as for
		/// --silent (a lone share on chain). Repeatable.
		#[arg(long, hide = true, value_parser = meter::parse_silent)]
		drop_one: Vec<(u64, u32)>,
		/// Testing: meters whose readings carry a broken signature, METER or METER:N as for
		/// --silent (the aggregators refuse them `BadSignature`). Repeatable.
		#[arg(long, hide = true, value_parser = meter::parse_silent)]
		bad_signature: Vec<(u64, u32)>,
		/// How shares reach the chain: to the aggregators' collectors (bundled), or each as
		/// its own transaction.
		#[arg(long, value_enum, default_value_t = meter::Via::Collector)]
		via: meter::Via,
		/// Testing: send every share to every endpoint (a share in several bundles).
		#[arg(long, hide = true)]
		send_to_all: bool,
	},
}

pub async fn run(ctx: &Context, command: MeterCommand) -> Result<ExitCode> {
	match command {
		MeterCommand::Run {
			credentials,
			periods,
			first_period,
			seed,
			silent,
			drop_one,
			bad_signature,
			via,
			send_to_all,
		} => {
			let creds = store::load_credentials(&credentials)?;
			let endpoints = Arc::new(meter::Endpoints::new(ctx.urls.clone()));
			let opts = meter::RunOptions {
				periods,
				seed,
				silent: silent.into_iter().collect(),
				drop_one: drop_one.into_iter().collect(),
				bad_signature: bad_signature.into_iter().collect(),
				first_period,
				via,
				to_all: send_to_all,
			};
			// Live counters only when the output is text.
			let r = meter::run(endpoints, creds, opts, !ctx.json).await?;
			ctx.emit(&r)
		},
	}
}
