//! `gridmask bench …`: figures measured on this machine.

use super::Context;
use anyhow::{anyhow, Result};
use clap::Subcommand;
use gridmask_client::bench;
use std::{path::PathBuf, process::ExitCode};

#[derive(Subcommand)]
pub enum BenchCommand {
	/// What one period costs a meter (key derivation, masking, two signatures), against one
	/// sr25519 signature measured in the same process. Needs no chain.
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
	},
}

pub async fn run(ctx: &Context, command: BenchCommand) -> Result<ExitCode> {
	match command {
		BenchCommand::Meter { periods } => ctx.emit(&bench::meter_cost(periods)),
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
		} => {
			let node_bin = match node {
				Some(n) => n,
				None => std::env::current_exe()?
					.parent()
					.map(|d| d.join("gridmask-node"))
					.ok_or_else(|| anyhow!("no --node given"))?,
			};
			let (work_dir, temporary) = match dir {
				Some(d) => (d, false),
				None => (
					std::env::temp_dir()
						.join(format!("gridmask-bench-ingest-{}", std::process::id())),
					!keep,
				),
			};
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
			};
			let result = bench::ingest::run(&opts, |line| eprintln!("{line}")).await;
			if temporary && result.is_ok() {
				let _ = std::fs::remove_dir_all(&work_dir);
			}
			ctx.emit(&result?)
		},
	}
}
