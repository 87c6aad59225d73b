//! The `gridmask` command line: global options, one module a role, each owning its options
//! and a `run(ctx, …)` that returns an [`Output`] printed by one [`emit`].

mod bench;
mod cc;
mod gateway;
mod kgc;
mod meter;
mod owner;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use gridmask_client::{
	chain::Chain,
	content::ContentStore,
	output::{emit, Output},
	status,
};
use std::{path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(
	name = "gridmask",
	version,
	about = "Privacy-preserving smart-meter metering on a gridmask chain"
)]
pub struct Cli {
	/// Node endpoints (WebSocket JSON-RPC), in order of preference; meters fail over to the next.
	#[arg(
		long = "url",
		global = true,
		env = "GRIDMASK_URL",
		value_delimiter = ',',
		default_value = "ws://127.0.0.1:9944"
	)]
	urls: Vec<String>,
	/// Print data as JSON (on stdout).
	#[arg(long, global = true)]
	json: bool,
	/// The embedded content store of bill reports: a directory of blocks by CID.
	#[arg(long, global = true, env = "GRIDMASK_CONTENT", default_value = "gridmask-content")]
	content_store: PathBuf,
	/// Use an IPFS node's Kubo HTTP RPC API (e.g. http://127.0.0.1:5001) as the content store
	/// instead; the CIDs are the same.
	#[arg(long, global = true, env = "GRIDMASK_IPFS_API")]
	ipfs_api: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Key generation centre: provision meters, publish period setups, bill cycles.
	#[command(subcommand)]
	Kgc(kgc::KgcCommand),
	/// Simulated smart meters.
	#[command(subcommand)]
	Meter(meter::MeterCommand),
	/// Control centre: tariffs and explicit prices.
	#[command(subcommand)]
	Cc(cc::CcCommand),
	/// A meter's owner: check a bill against the chain, acknowledge or dispute it.
	#[command(subcommand)]
	Owner(owner::OwnerCommand),
	/// An HTTP server of the chain's prices (OpenADR 3.0.1 VTN, read subset with
	/// subscriptions) and metering data (JSON), in front of the nodes of --url.
	Gateway(gateway::GatewayArgs),
	/// Figures measured on this machine (`ingest` starts its own dev node).
	#[command(subcommand)]
	Bench(bench::BenchCommand),
	/// The chain's clock, regions, and recent period outcomes.
	Status {
		/// How many past periods to show per region.
		#[arg(long, default_value_t = 5)]
		last: u32,
	},
}

/// What every command may use: the endpoints, the content store and the output form.
pub struct Context {
	/// Node endpoints, in order of preference.
	pub urls: Vec<String>,
	/// The content store of bill reports.
	pub content: ContentStore,
	/// Print JSON instead of text.
	pub json: bool,
}

impl Context {
	/// A connection to the first endpoint that answers.
	pub async fn chain(&self) -> Result<Chain> {
		Chain::connect(&self.urls).await
	}

	/// Prints `out` as the command's result.
	pub fn emit<O: Output>(&self, out: &O) -> Result<ExitCode> {
		emit(self.json, out)
	}
}

impl Cli {
	/// Runs the command; the exit status is 0, or 2 where the result falls short.
	pub async fn run(self) -> Result<ExitCode> {
		if self.urls.is_empty() {
			bail!("no --url given");
		}
		let content = match self.ipfs_api {
			Some(url) => ContentStore::Kubo(url),
			None => ContentStore::Dir(self.content_store),
		};
		let ctx = Context { urls: self.urls, content, json: self.json };
		match self.command {
			Command::Kgc(c) => kgc::run(&ctx, c).await,
			Command::Meter(c) => meter::run(&ctx, c).await,
			Command::Cc(c) => cc::run(&ctx, c).await,
			Command::Owner(c) => owner::run(&ctx, c).await,
			Command::Bench(c) => bench::run(&ctx, c).await,
			Command::Gateway(a) => gateway::run(&ctx, a).await,
			Command::Status { last } => ctx.emit(&status::status(&ctx.chain().await?, last).await?),
		}
	}
}
