//! `gridmask bench …`: figures measured on this machine.

use super::Context;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use gridmask_client::bench;
use std::{path::PathBuf, process::ExitCode};

#[derive(Subcommand)]
pub enum BenchCommand {
	/// What one period costs a meter (key derivation, masking, two signatures), against one
	/// sr25519 signature measured in the same process, for readings of 1, 2 and 4 channels.
	/// Needs no chain.
	Meter {
		/// Periods to measure.
		#[arg(long, default_value_t = 2000)]
		periods: u32,
	},
	/// Finalized readings/s against finalized balance transfers/s on one fresh dev node that
	/// this command starts (ignores --url): latencies, node CPU per item, block fill; the
	/// ratio readings/transfers last. See BENCHMARKS.md.
	Ingest {
		/// The node binary (default: gridmask-node beside this program).
		#[arg(long, env = "GRIDMASK_NODE")]
		node: Option<PathBuf>,
		/// Readings to send (two per meter; all for one period's window).
		#[arg(long, default_value_t = 16_000)]
		readings: usize,
		/// Transfers to send.
		#[arg(long, default_value_t = 16_000)]
		transfers: usize,
		/// Accounts the transfers come from (funded by Alice first). Many accounts with short
		/// nonce chains, as real traffic has: the node's pool drops long chains of one sender.
		#[arg(long, default_value_t = 512)]
		senders: usize,
		/// At most this many transactions accepted and not yet included (a block's worth or two;
		/// beyond it the node only spends CPU validating what no block can take yet). Items
		/// accepted and not yet finalized are also kept below 90% of the node's pool (32,768).
		/// Readings sent to the collector are bounded by its queue instead (`QueueFull`).
		#[arg(long, default_value_t = 4_000)]
		max_pending: usize,
		/// RPC connections to submit over.
		#[arg(long, default_value_t = 4)]
		connections: usize,
		/// Work directory for the node's base path, its log and the KGC store (default: a
		/// new directory under the system's temp dir, removed afterwards unless --keep).
		#[arg(long)]
		dir: Option<PathBuf>,
		/// Keep the work directory.
		#[arg(long)]
		keep: bool,
		/// An extra argument for the node (repeat), e.g. --node-arg=--pool-limit=20000.
		#[arg(long = "node-arg", allow_hyphen_values = true)]
		node_args: Vec<String>,
		/// Then a flood run in the next period: as many valid readings again, each followed by
		/// this many invalid ones; reports valid readings included per second against the
		/// readings run (0: no flood run).
		#[arg(long, default_value_t = 0)]
		flood: usize,
		/// Also send as many readings of the next period the old way, each as its own
		/// transaction, and compare.
		#[arg(long)]
		old_path: bool,
		/// Channels per reading: the region's shape is import, export, maximum demand,
		/// reactive energy, in that order, up to this many.
		#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
		channels: u8,
	},
	/// Finalized readings/s on the `local` chain's four aggregators, which this command starts
	/// on this machine (ignores --url): meters spread over all four collectors, Dave's node
	/// stopped (killed) mid-window and its meters' unincluded readings sent elsewhere; fails
	/// if an accepted reading is not stored. See BENCHMARKS.md.
	Network {
		/// The node binary (default: gridmask-node beside this program).
		#[arg(long, env = "GRIDMASK_NODE")]
		node: Option<PathBuf>,
		/// Readings to send (two per meter; all for one period's window).
		#[arg(long, default_value_t = 40_000)]
		readings: usize,
		/// The four-aggregator chain: `local`, or `test-local` (its test time scale).
		#[arg(long, default_value = "local", value_parser = ["local", "test-local"])]
		chain: String,
		/// Seconds after the window opens to stop Dave's node (default: 40% of the window).
		#[arg(long)]
		stop_after: Option<f64>,
		/// Stop no aggregator.
		#[arg(long, conflicts_with = "stop_after")]
		no_stop: bool,
		/// Readings sent per second from the window's opening (default: all within the first
		/// half of the window; 0: as fast as the collectors take them).
		#[arg(long)]
		rate: Option<f64>,
		/// Work directory for the nodes' base paths, their logs and the KGC store (default: a
		/// new directory under the system's temp dir, removed afterwards unless --keep).
		#[arg(long)]
		dir: Option<PathBuf>,
		/// Keep the work directory.
		#[arg(long)]
		keep: bool,
		/// An extra argument for every node (repeat).
		#[arg(long = "node-arg", allow_hyphen_values = true)]
		node_args: Vec<String>,
	},
}

/// The node binary given, or `gridmask-node` beside this program.
fn node_binary(node: Option<PathBuf>) -> Result<PathBuf> {
	match node {
		Some(n) => Ok(n),
		None => std::env::current_exe()?
			.parent()
			.map(|d| d.join("gridmask-node"))
			.ok_or_else(|| anyhow!("no --node given")),
	}
}

/// The work directory given, or a new one under the temp dir (`true`: remove it afterwards).
fn work_dir(dir: Option<PathBuf>, keep: bool, name: &str) -> (PathBuf, bool) {
	match dir {
		Some(d) => (d, false),
		None => (std::env::temp_dir().join(format!("{name}-{}", std::process::id())), !keep),
	}
}

pub async fn run(ctx: &Context, command: BenchCommand) -> Result<ExitCode> {
	match command {
		BenchCommand::Meter { periods } => ctx.emit(&bench::meter_costs(periods)),
		BenchCommand::Ingest {
			node,
			readings,
			transfers,
			senders,
			max_pending,
			connections,
			dir,
			keep,
			node_args,
			flood,
			old_path,
			channels,
		} => {
			let node_bin = node_binary(node)?;
			let (work_dir, temporary) = work_dir(dir, keep, "gridmask-bench-ingest");
			let opts = bench::ingest::IngestOptions {
				node_bin,
				readings,
				transfers,
				senders,
				max_pending,
				connections,
				node_args,
				work_dir: work_dir.clone(),
				flood,
				old_path,
				channels: usize::from(channels),
			};
			let result = bench::ingest::run(&opts, |line| eprintln!("{line}")).await;
			if temporary && result.is_ok() {
				let _ = std::fs::remove_dir_all(&work_dir);
			}
			ctx.emit(&result?)
		},
		BenchCommand::Network {
			node,
			readings,
			chain,
			stop_after,
			no_stop,
			rate,
			dir,
			keep,
			node_args,
		} => {
			let node_bin = node_binary(node)?;
			let (work_dir, temporary) = work_dir(dir, keep, "gridmask-bench-network");
			let opts = bench::network::NetworkOptions {
				node_bin,
				chain,
				readings,
				stop_after_ms: match (no_stop, stop_after) {
					(true, _) => Some(None),
					(false, Some(s)) => Some(Some((s * 1e3) as u64)),
					(false, None) => None,
				},
				rate: rate.map(|r| (r > 0.0).then_some(r)),
				node_args,
				work_dir: work_dir.clone(),
			};
			let report = bench::network::run(&opts, |line| eprintln!("{line}")).await?;
			if temporary {
				let _ = std::fs::remove_dir_all(&work_dir);
			}
			let code = ctx.emit(&report)?;
			if report.lost > 0 {
				eprintln!("error: {} accepted readings were not stored", report.lost);
				return Ok(ExitCode::FAILURE);
			}
			Ok(code)
		},
	}
}
