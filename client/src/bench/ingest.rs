//! `gridmask bench ingest`: how many readings a node finalizes per second, against balance
//! transfers (`transfer_keep_alive`) on the same fresh dev node in the same run.
//!
//! A reading carries no account, nonce or fee, so it should be cheaper than a transfer. The
//! benchmark:
//! 1. starts a fresh dev node (its own base path and ports);
//! 2. provisions `readings / 2` meters in one region and publishes the setups of the next
//!    periods (the KGC's ordinary path, `kgc provision` and `kgc setup`);
//! 3. funds `senders` accounts from the dev accounts and pre-signs the transfers (nonces in
//!    order, immortal);
//! 4. **transfers**: submits all of them at a saturating rate — as fast as the node accepts,
//!    keeping at most `max_pending` submitted but not yet included;
//! 5. pre-signs the readings of one period whose window has not opened, waits (measuring the
//!    node's idle CPU meanwhile) and, from the first best block inside the window, submits them
//!    until the window closes: to the collector as fast as it accepts them (its bounded queue
//!    answers `QueueFull` when full), or, on the old path, like the transfers;
//! 6. waits for finality and checks that the chain applied what it included (the period's
//!    share count, the senders' nonces).
//!
//! Per workload it reports: the items per block; the **sustained finalized throughput** — the
//! mean items per *saturated* block (a block after which submitted items were still waiting)
//! divided by the block time; submission→inclusion and submission→finality latencies (p50,
//! p99, max; inclusion is when the client saw the best block); and the node process's CPU
//! seconds (user + system, from `/proc`) per finalized item. What limited the blocks is shown
//! by their weight and length fill. The ratio readings/s ÷ transfers/s is printed last.
//!
//! Readings go the way meters send them by default: to the node's collector
//! (`gridmask_submitReadings`, in batches), which bundles them (`Readings::submit_bundle`); a
//! reading counts as included when a best block holds a bundle with its PRID. With
//! `--old-path` the same number of readings of the next period is sent the old way too, each as
//! its own transaction (`author_submitExtrinsic`), for comparison in the same run.
//!
//! A reading's CPU is compared with its bare crypto, measured in this process: one sr25519
//! verification and the BF1 membership test. The collector's own CPU per reading (its checks
//! and its bundles, from `gridmask_collectorStatus`) is reported apart.

use super::node::DevNode;
use crate::{
	chain::{self, account_of, keypair, runtime, Chain, ReadingCalls},
	kgc::{self, PeriodSelection},
	store::StoreDir,
};
use anyhow::{bail, Context, Result};
use futures::StreamExt;
use gridmask_primitives::{
	bloom::Bf1, reading::meter_readings, setup::build_period, ChannelKind, PeriodIndex, RegionId,
	SignedReading, BF1_DEFAULT_FP_EXP,
};
use rand::Rng;
use serde::Serialize;
use std::{
	collections::{BTreeMap, HashMap},
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, AtomicUsize, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};
use subxt::{
	config::DefaultExtrinsicParamsBuilder, rpcs::rpc_params, rpcs::RpcClient, utils::MultiAddress,
	SubstrateConfig,
};

/// The region the benchmark's meters are in.
pub(super) const REGION: RegionId = 1;
/// Amount of each benchmark transfer (the existential deposit; to an existing account).
const TRANSFER_AMOUNT: u128 = 1_000_000_000;
/// What each sender account is funded with (100 units).
const SENDER_FUNDS: u128 = 100_000_000_000_000;
/// Submissions in flight per RPC connection (the node buffers 64 per connection).
const IN_FLIGHT_PER_CONNECTION: usize = 32;

/// What to run.
#[derive(Clone, Debug)]
pub struct IngestOptions {
	/// The `gridmask-node` binary.
	pub node_bin: PathBuf,
	/// Readings to send (two per meter).
	pub readings: usize,
	/// Transfers to send.
	pub transfers: usize,
	/// Accounts the transfers are spread over.
	pub senders: usize,
	/// At most this many accepted items not yet included.
	pub max_pending: usize,
	/// RPC connections to submit over.
	pub connections: usize,
	/// Extra arguments for the node (e.g. `--pool-limit 20000`).
	pub node_args: Vec<String>,
	/// Where the node's base path, log and the KGC store go.
	pub work_dir: PathBuf,
	/// If not 0: after the readings, a flood run in the next period: as many valid readings
	/// again, each followed by this many invalid ones (see [`Flood`]).
	pub flood: usize,
	/// Also send the same number of readings of the next period as one transaction each.
	pub old_path: bool,
	/// Channels per reading (1 to 4): the region's shape is the first `channels` of
	/// [`ChannelKind::ALL`] (import; export; maximum demand; reactive energy).
	pub channels: usize,
}

/// How a workload's items reach the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
	/// Signed transfers, `author_submitExtrinsic`, each sender's nonces in order.
	Transfers,
	/// Readings as their own transactions, `author_submitExtrinsic`.
	ReadingTxs,
	/// Readings (`SignedReading` bytes) to the collector, `gridmask_submitReadings` in batches.
	Collected,
}

impl Mode {
	fn readings(self) -> bool {
		self != Self::Transfers
	}
}

/// Readings per `gridmask_submitReadings` call.
pub(super) const COLLECT_BATCH: usize = 64;

/// Latency percentiles, milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
	/// Median.
	pub p50_ms: f64,
	/// 99th percentile.
	pub p99_ms: f64,
	/// Maximum.
	pub max_ms: f64,
}

impl Latency {
	pub(super) fn of(mut v: Vec<f64>) -> Self {
		if v.is_empty() {
			return Self::default();
		}
		v.sort_by(|a, b| a.total_cmp(b));
		let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
		Self { p50_ms: at(0.50), p99_ms: at(0.99), max_ms: v[v.len() - 1] }
	}
}

/// One block that held items of a workload.
#[derive(Clone, Debug, Serialize)]
pub struct BlockFill {
	/// Block number.
	pub number: u64,
	/// Items of the workload in it.
	pub items: usize,
	/// All extrinsics in it (with the inherents).
	pub extrinsics: usize,
	/// Bytes of its extrinsics.
	pub bytes: usize,
	/// Submitted items still waiting after it (> 0: the block was saturated).
	pub waiting_after: usize,
	/// Normal-class weight used, percent of the class's maximum.
	pub weight_pct: f64,
	/// Bytes used, percent of the normal-class length limit.
	pub length_pct: f64,
	/// The node's time to build it (its log: "Prepared block for proposing at N (ms)"), ms.
	pub build_ms: Option<u64>,
	/// Why the node stopped adding transactions (its log: `end`), e.g. `HitBlockWeightLimit`.
	pub end: Option<String>,
}

/// The figures of one workload.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Workload {
	/// `readings` or `transfers`.
	pub name: String,
	/// Items prepared.
	pub items: usize,
	/// Accepted into the pool.
	pub accepted: usize,
	/// Refused by the pool, by reason.
	pub refused: BTreeMap<String, usize>,
	/// Not sent because the workload had to stop (the reading window closed).
	pub unsent: usize,
	/// Resubmissions after "pool full" answers.
	pub pool_full_retries: usize,
	/// Accepted by the pool but never included (the run stopped when they stalled).
	pub dropped: usize,
	/// Included in a best block.
	pub included: usize,
	/// Finalized (collected readings: stored by a finalized bundle).
	pub finalized: usize,
	/// Collected readings in finalized bundles that the chain skipped (`BundleApplied`): their
	/// block came after the window closed. Not counted as finalized.
	pub skipped_by_chain: usize,
	/// The blocks that held items.
	pub blocks: Vec<BlockFill>,
	/// Blocks after which items were still waiting.
	pub saturated_blocks: usize,
	/// Mean items per saturated block ÷ block time (all blocks if none was saturated).
	pub sustained_per_s: f64,
	/// Finalized items ÷ (last finalization − first submission).
	pub end_to_end_per_s: f64,
	/// Included items ÷ (last inclusion − first submission): how fast the chain took what was
	/// offered (the flood run's measure).
	pub included_per_s: f64,
	/// Submission → seen in a best block.
	pub inclusion: Latency,
	/// Submission → seen finalized.
	pub finality: Latency,
	/// Node CPU seconds (user + system) from the first submission to the last finalization.
	pub node_cpu_s: f64,
	/// Wall seconds of that interval.
	pub wall_s: f64,
	/// `node_cpu_s / finalized`, µs.
	pub node_cpu_us_per_item: f64,
	/// The same, after subtracting the node's idle CPU rate over the interval, µs.
	pub node_cpu_us_per_item_net: f64,
	/// Block-building time per item over the blocks that held items (from the node's log):
	/// the real cost of applying one item, against which its weight can be compared, µs.
	pub build_us_per_item: f64,
	/// Normal-class weight per item over those blocks, µs (the chain's charge).
	pub weight_us_per_item: f64,
	/// The bundles that carried the items (collected readings only).
	pub bundles: BundleFigures,
	/// Which items were included, by index.
	#[serde(skip)]
	pub included_items: Vec<bool>,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct IngestReport {
	/// CPUs of this machine (the node and the benchmark share them).
	pub cpus: usize,
	/// The chain's block time, ms.
	pub block_ms: u64,
	/// Meters provisioned (one region).
	pub meters: usize,
	/// Channels per reading.
	pub channels: usize,
	/// The period the readings were for.
	pub period: PeriodIndex,
	/// The node's idle CPU use (fraction of one core) measured while waiting for the window.
	pub idle_cpu: f64,
	/// Transfers first, then readings.
	pub transfers: Workload,
	/// The readings, through the collector (bundled).
	pub readings: Workload,
	/// The readings of the next period, each as its own transaction (`--old-path`).
	pub readings_tx: Option<Workload>,
	/// The bundles that carried the readings.
	pub bundles: BundleFigures,
	/// The collector's CPU (its checks and its bundles) per reading it accepted, µs.
	pub collector_cpu_us: f64,
	/// Bare crypto of one reading in this process: sr25519 verify + BF1 membership, µs.
	pub reading_crypto_us: f64,
	/// `readings.node_cpu_us_per_item_net / reading_crypto_us`.
	pub reading_cpu_over_crypto: f64,
	/// `readings.sustained_per_s / transfers.sustained_per_s`.
	pub ratio: f64,
	/// The flood run, if asked for.
	pub flood: Option<Flood>,
	/// Where the node log and the store are.
	pub work_dir: String,
}

/// The bundles that carried a workload's readings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BundleFigures {
	/// Bundles in best blocks.
	pub count: usize,
	/// Mean shares per bundle.
	pub mean_shares: f64,
	/// Most shares in one bundle.
	pub max_shares: usize,
}

/// Valid readings under a flood of invalid ones: the same number of valid readings as the
/// readings workload (the baseline, on the same node), and `ratio` invalid ones per valid one,
/// sent at the same time over other connections (as an attacker's would be): alternately a random PRID with a random signature (refused as
/// `NotInFilter`, before any signature check) and a valid reading of the period with its
/// value altered (`BadSignature`, the dearest refusal, or `DuplicatePrid` once the original
/// is in).
#[derive(Clone, Debug, Serialize)]
pub struct Flood {
	/// Invalid readings per valid one.
	pub ratio: usize,
	/// The period of the flood run.
	pub period: PeriodIndex,
	/// Valid readings sent.
	pub valid: usize,
	/// Invalid readings sent.
	pub invalid: usize,
	/// Items of the run that were included but are not one of the valid readings (must be 0).
	pub invalid_included: usize,
	/// The run (its `refused` are the invalid readings' refusals, by reason).
	pub run: Workload,
	/// Valid readings included per second under the flood ÷ without it (`included_per_s`).
	pub vs_baseline: f64,
}

/// Per pre-signed item: when it was submitted, seen included and seen finalized.
#[derive(Clone, Copy, Default)]
pub(super) struct Track {
	pub(super) submitted: Option<Instant>,
	pub(super) included: Option<Instant>,
	/// The block it was included in.
	pub(super) block: u64,
	pub(super) finalized: Option<Instant>,
}

/// A block seen by the watcher.
pub(super) struct Seen {
	pub(super) number: u64,
	pub(super) hash: String,
	pub(super) items: usize,
	pub(super) extrinsics: usize,
	pub(super) bytes: usize,
	pub(super) waiting_after: usize,
}

/// What the block watcher shares with the senders.
#[derive(Default)]
pub(super) struct Board {
	pub(super) by_hash: Mutex<HashMap<[u8; 32], usize>>,
	/// Collected readings by PRID (found in bundles).
	pub(super) by_prid: Mutex<HashMap<[u8; 32], usize>>,
	/// The pallet and call index of `Readings::submit_bundle`.
	pub(super) calls: Mutex<Option<ReadingCalls>>,
	/// Shares of each bundle seen in a best block.
	pub(super) bundle_sizes: Mutex<Vec<usize>>,
	pub(super) tracks: Mutex<Vec<Track>>,
	pub(super) blocks: Mutex<Vec<Seen>>,
	pub(super) accepted: AtomicUsize,
	pub(super) included: AtomicUsize,
	pub(super) finalized: AtomicUsize,
	/// Items submitted or queued to be and not included or refused (saturation marker).
	pub(super) outstanding: AtomicUsize,
	/// Accepted but never included: the pool dropped them (set when the run stalls).
	pub(super) dropped: AtomicUsize,
	pub(super) stop: AtomicBool,
}

/// Runs the benchmark; `say` gets progress lines.
pub async fn run(opts: &IngestOptions, say: impl Fn(&str)) -> Result<IngestReport> {
	if opts.readings < 2 || opts.transfers == 0 || opts.senders == 0 || opts.connections == 0 {
		bail!("--readings must be at least 2, --transfers, --senders and --connections at least 1");
	}
	if !(1..=ChannelKind::ALL.len()).contains(&opts.channels) {
		bail!("--channels must be 1 to {}", ChannelKind::ALL.len());
	}
	std::fs::create_dir_all(&opts.work_dir)?;
	let (node, chain) = DevNode::start(&opts.node_bin, &opts.work_dir, &opts.node_args).await?;
	say(&format!("dev node at {} (log {})", node.url, node.log.display()));
	let block_ms = 2 * chain.constant(runtime::constants().timestamp().minimum_period()).await?;
	let limits = Limits::of(&chain).await?;

	// The KGC's ordinary path: meters, then setups of the next periods.
	let kgc_key = keypair("//Bob")?;
	// A throwaway store: its kgc.json is sealed under a key nobody keeps.
	let store = StoreDir::with_secrets_key(opts.work_dir.join("store"), rand::random());
	let meters = opts.readings.div_ceil(2).max(3);
	let t = Instant::now();
	let mut fleet = kgc::Fleet::consumers(&[REGION], meters as u32, 1);
	if opts.channels > 1 {
		fleet.shape = Some(ChannelKind::ALL[..opts.channels].to_vec());
	}
	kgc::provision(&chain, &kgc_key, &store, &fleet, None, 0).await?;
	let setup = kgc::setup(&chain, &kgc_key, &store, PeriodSelection::Next(4)).await?;
	say(&format!(
		"{meters} meters provisioned ({} channel(s) per reading), setups of periods {:?} published ({:.0} s)",
		opts.channels,
		setup.periods,
		t.elapsed().as_secs_f64()
	));

	// Senders funded from Alice; transfers pre-signed.
	let alice = keypair("//Alice")?;
	let senders: Vec<_> = (0..opts.senders)
		.map(|i| keypair(&format!("//Alice//bench//{i}")))
		.collect::<Result<_>>()?;
	fund_senders(&chain, &alice, &senders, &say).await?;
	let transfers = signed_transfers(&chain, &senders, opts.transfers).await?;
	say(&format!("{} senders funded, {} transfers signed", senders.len(), transfers.len()));

	let conns = connect_many(&node.url, opts.connections).await?;
	let bench =
		Bench { chain: &chain, node: &node, conns: &conns, limits: &limits, opts, block_ms };
	let transfer_report = workload(&bench, "transfers", &transfers, None, Mode::Transfers).await?;
	drop(transfers);
	say(&format!(
		"transfers: {} finalized, {:.0}/s sustained",
		transfer_report.finalized, transfer_report.sustained_per_s
	));

	let (period, end, signed) =
		period_readings(&chain, &kgc_key, &store, &setup.periods, opts.readings, 3_000).await?;
	let readings: Vec<Vec<u8>> = signed.iter().map(codec::Encode::encode).collect();
	let time = chain.time().await?.started()?;
	let kgc_store = store.load_kgc()?;
	let crypto_us = reading_crypto_us(&kgc_store, &signed, &time, period)?;
	say(&format!(
		"{} readings of period {period} signed; waiting for its window (chain time {} s before it)",
		readings.len(),
		(end.saturating_sub(chain.time().await?.now_ms)) / 1000
	));

	let idle_cpu = idle_cpu_until(&chain, &node, end).await?;
	let collector0 = collector_status(&chain).await?;
	let mut reading_report = workload(&bench, "readings", &readings, None, Mode::Collected).await?;
	let collector1 = collector_status(&chain).await?;
	count_skipped(&chain, period, &mut reading_report).await?;
	check_applied(&chain, period, &senders, &transfer_report, &reading_report).await?;
	let collector_cpu_us = (collector1.cpu_ns() - collector0.cpu_ns()) as f64
		/ 1e3 / (collector1.accepted - collector0.accepted).max(1) as f64;
	say(&format!(
		"readings via the collector: {} finalized, {:.0}/s sustained",
		reading_report.finalized, reading_report.sustained_per_s
	));

	let (readings_tx, last_end) = if opts.old_path {
		let (w, end_tx) = old_path(&bench, &kgc_key, &store, &setup.periods, end, &say).await?;
		(Some(w), end_tx)
	} else {
		(None, end)
	};

	let flood = if opts.flood > 0 {
		let f = flood(&bench, &kgc_key, &store, &setup.periods, last_end, &reading_report).await?;
		say(&format!(
			"flood: {} valid + {} invalid readings; valid included {:.0}/s = {:.2} × baseline",
			f.valid, f.invalid, f.run.included_per_s, f.vs_baseline
		));
		Some(f)
	} else {
		None
	};

	let mut transfers = transfer_report;
	let mut readings = reading_report;
	let mut readings_tx = readings_tx;
	for w in [Some(&mut transfers), Some(&mut readings), readings_tx.as_mut()].into_iter().flatten()
	{
		let net_cpu = (w.node_cpu_s - idle_cpu * w.wall_s).max(0.0);
		w.node_cpu_us_per_item_net = net_cpu * 1e6 / w.finalized.max(1) as f64;
	}
	let bundles = readings.bundles.clone();
	let ratio = readings.sustained_per_s / transfers.sustained_per_s.max(1e-9);
	Ok(IngestReport {
		cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
		block_ms,
		meters,
		channels: opts.channels,
		period,
		idle_cpu,
		reading_cpu_over_crypto: readings.node_cpu_us_per_item_net / crypto_us.max(1e-9),
		reading_crypto_us: crypto_us,
		ratio,
		flood,
		transfers,
		readings,
		readings_tx,
		bundles,
		collector_cpu_us,
		work_dir: opts.work_dir.display().to_string(),
	})
}

/// The one-transaction path, in the period after the collected one (whose window ends at
/// `end`): the same number of readings, each its own transaction. Answers its figures and the
/// end of its window.
async fn old_path(
	bench: &Bench<'_>,
	kgc_key: &subxt_signer::sr25519::Keypair,
	store: &StoreDir,
	set_up: &[PeriodIndex],
	end: u64,
	say: &impl Fn(&str),
) -> Result<(Workload, u64)> {
	let chain = bench.chain;
	let ahead = end.saturating_sub(chain.time().await?.now_ms) + 3_000;
	let (period, end_tx, signed) =
		period_readings(chain, kgc_key, store, set_up, bench.opts.readings, ahead).await?;
	let txs = reading_txs(chain, &signed).await?;
	while best_now_ms(chain).await? < end_tx {
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	let w = workload(bench, "readings-tx", &txs, None, Mode::ReadingTxs).await?;
	check_shares(chain, period, &w).await?;
	say(&format!(
		"readings as transactions (period {period}): {} finalized, {:.0}/s sustained",
		w.finalized, w.sustained_per_s
	));
	Ok((w, end_tx))
}

/// `n` transfers from `senders`, pre-signed, nonces interleaved across the senders so that
/// the pool sees each sender's nonces in order.
async fn signed_transfers(
	chain: &Chain,
	senders: &[subxt_signer::sr25519::Keypair],
	n: usize,
) -> Result<Vec<Vec<u8>>> {
	let dest = MultiAddress::Id(account_of(&keypair("//Ferdie")?));
	let at = chain.api.at_current_block().await?;
	let mut transfers = Vec::with_capacity(n);
	for nonce in 0.. {
		for s in senders {
			if transfers.len() == n {
				return Ok(transfers);
			}
			let call = runtime::tx().balances().transfer_keep_alive(dest.clone(), TRANSFER_AMOUNT);
			let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
				.immortal()
				.nonce(nonce)
				.build();
			let tx = at.tx().create_signable_offline(&call, params)?.sign(s)?;
			transfers.push(tx.into_encoded());
		}
	}
	unreachable!("the loop returns once n transfers are signed")
}

/// Waits until the best block's time reaches `end` (readings are submitted from the first
/// best block inside their window); returns the node's CPU use meanwhile (cores), its idle
/// load.
async fn idle_cpu_until(chain: &Chain, node: &DevNode, end: u64) -> Result<f64> {
	let (t, cpu0) = (Instant::now(), node.cpu_seconds()?);
	while best_now_ms(chain).await? < end {
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	Ok((node.cpu_seconds()? - cpu0) / t.elapsed().as_secs_f64().max(1e-3))
}

/// The chain applied what it included: the period's share count is the readings finalized,
/// the senders' nonces sum to the transfers finalized.
async fn check_applied(
	chain: &Chain,
	period: PeriodIndex,
	senders: &[subxt_signer::sr25519::Keypair],
	transfers: &Workload,
	readings: &Workload,
) -> Result<()> {
	check_shares(chain, period, readings).await?;
	let mut nonces = 0u64;
	for s in senders {
		nonces += chain
			.rpc
			.request::<u64>("system_accountNextIndex", rpc_params![account_of(s).to_string()])
			.await?;
	}
	if nonces as usize != transfers.finalized {
		bail!(
			"the senders' nonces sum to {nonces} but {} transfers were finalized",
			transfers.finalized
		);
	}
	Ok(())
}

/// What `gridmask_collectorStatus` says (the fields the benchmark uses).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CollectorStatus {
	accepted: u64,
	check_cpu_ns: u64,
	bundle_cpu_ns: u64,
}

impl CollectorStatus {
	fn cpu_ns(&self) -> u64 {
		self.check_cpu_ns + self.bundle_cpu_ns
	}
}

async fn collector_status(chain: &Chain) -> Result<CollectorStatus> {
	chain
		.rpc
		.request("gridmask_collectorStatus", rpc_params![])
		.await
		.context("gridmask_collectorStatus")
}

/// A collected reading counts as finalized when a finalized block holds a bundle with it; the
/// chain may still have skipped it there (its block came after the window closed). Those are
/// taken out of the finalized figures (and the figures per finalized reading scaled to match).
async fn count_skipped(chain: &Chain, period: PeriodIndex, w: &mut Workload) -> Result<()> {
	let stored = period_count(chain, period).await?;
	if stored >= w.finalized || stored == 0 {
		return Ok(());
	}
	let scale = w.finalized as f64 / stored as f64;
	w.skipped_by_chain = w.finalized - stored;
	w.finalized = stored;
	w.node_cpu_us_per_item *= scale;
	w.node_cpu_us_per_item_net *= scale;
	w.end_to_end_per_s /= scale;
	Ok(())
}

/// The shares the chain stores for (the benchmark's region, `period`).
pub(super) async fn period_count(chain: &Chain, period: PeriodIndex) -> Result<usize> {
	let state = chain
		.api
		.at_current_block()
		.await?
		.runtime_apis()
		.call(runtime::runtime_apis().readings_api().period_state(REGION, period))
		.await?;
	Ok(state.accumulator.count as usize)
}

/// The period's share count is the readings finalized.
async fn check_shares(chain: &Chain, period: PeriodIndex, readings: &Workload) -> Result<()> {
	let stored = period_count(chain, period).await?;
	if stored != readings.finalized {
		bail!(
			"the chain counts {stored} shares for period {period} but {} readings were finalized",
			readings.finalized
		);
	}
	Ok(())
}

/// Meter readings of the first set-up period whose window opens more than `ahead_ms` after
/// the chain's time (a new setup is published if none is left), one value per channel of the
/// region's shape on chain: (period, window start, readings).
pub(super) async fn period_readings(
	chain: &Chain,
	kgc_key: &subxt_signer::sr25519::Keypair,
	store: &StoreDir,
	set_up: &[PeriodIndex],
	n: usize,
	ahead_ms: u64,
) -> Result<(PeriodIndex, u64, Vec<SignedReading>)> {
	let time = chain.time().await?.started()?;
	let mut periods = set_up.to_vec();
	let now = chain.time().await?.now_ms;
	let period = loop {
		if let Some(&p) =
			periods.iter().find(|&&p| time.period_end(p).is_some_and(|e| e > now + ahead_ms))
		{
			break p;
		}
		periods = kgc::setup(chain, kgc_key, store, PeriodSelection::Next(1)).await?.periods;
	};
	let end = time.period_end(period).context("period end")?;
	let kgc_store = store.load_kgc()?;
	let genesis = chain.genesis();
	let at = chain.api.at_current_block().await?;
	let channels = chain::region_at(&at, REGION).await?.shape.0.len();
	let mut rng = rand::thread_rng();
	let mut signed: Vec<SignedReading> = Vec::with_capacity(n);
	for m in &kgc_store.meters {
		let keys = m.secret().cycle_seeds(time.cycle_of(period)).period_keys(time.leaf_of(period));
		let pair = meter_readings(
			&keys,
			sp_core::H256(genesis.0),
			m.region,
			period,
			&(0..channels).map(|_| rng.gen_range(50..2_000)).collect::<Vec<u64>>(),
			&(0..channels).map(|_| rng.gen()).collect::<Vec<u64>>(),
			[end; 2],
		);
		signed.extend(pair);
	}
	signed.truncate(n);
	Ok((period, end, signed))
}

/// The general transaction of each reading (the path of readings sent one by one).
async fn reading_txs(chain: &Chain, signed: &[SignedReading]) -> Result<Vec<Vec<u8>>> {
	let at = chain.api.at_current_block().await?;
	signed.iter().map(|r| chain::reading_tx_at(&at, r).map(|t| t.into_encoded())).collect()
}

/// What every workload of one run shares: the node, the connections to it, the chain's
/// limits, the options.
#[derive(Clone, Copy)]
struct Bench<'a> {
	chain: &'a Chain,
	node: &'a DevNode,
	conns: &'a [RpcClient],
	limits: &'a Limits,
	opts: &'a IngestOptions,
	block_ms: u64,
}

/// The flood run (see [`Flood`]) in the first set-up period after `after_ms`.
async fn flood(
	bench: &Bench<'_>,
	kgc_key: &subxt_signer::sr25519::Keypair,
	store: &StoreDir,
	set_up: &[PeriodIndex],
	after_ms: u64,
	baseline: &Workload,
) -> Result<Flood> {
	let Bench { chain, conns, opts, .. } = *bench;
	let ahead = after_ms.saturating_sub(chain.time().await?.now_ms) + 3_000;
	let (period, end, signed) =
		period_readings(chain, kgc_key, store, set_up, opts.readings, ahead).await?;
	let valid = reading_txs(chain, &signed).await?;
	let at = chain.api.at_current_block().await?;
	let mut rng = rand::thread_rng();
	let mut items = Vec::with_capacity(valid.len() * (opts.flood + 1));
	let mut invalid = 0;
	for (k, (r, tx)) in signed.iter().zip(&valid).enumerate() {
		items.push(tx.clone());
		for j in 0..opts.flood {
			let mut bad = r.clone();
			if (k + j) % 2 == 0 {
				rng.fill(&mut bad.payload.prid.0[..]);
				rng.fill(&mut bad.signature.0[..]);
			} else {
				bad = signed[(k + j) % signed.len()].clone();
				bad.payload.masked[0] ^= 1 + j as u64;
			}
			items.push(chain::reading_tx_at(&at, &bad)?.into_encoded());
			invalid += 1;
		}
	}
	while best_now_ms(chain).await? < end {
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	// Meters and the attacker do not share connections: valid readings go over half of the
	// connections, invalid ones over the other half (lane `l` uses connection `l % conns`).
	let lanes = conns.len() * IN_FLIGHT_PER_CONNECTION;
	let honest_conn = |l: usize| conns.len() < 2 || l % conns.len() < conns.len() / 2;
	let (valid_lanes, flood_lanes): (Vec<usize>, Vec<usize>) =
		(0..lanes).partition(|&l| honest_conn(l));
	let mut plan = vec![Vec::new(); lanes];
	let (mut v, mut f) = (0, 0);
	for i in 0..items.len() {
		if i % (opts.flood + 1) == 0 || flood_lanes.is_empty() {
			plan[valid_lanes[v % valid_lanes.len()]].push(i);
			v += 1;
		} else {
			plan[flood_lanes[f % flood_lanes.len()]].push(i);
			f += 1;
		}
	}
	let run = workload(bench, "flood", &items, Some(plan), Mode::ReadingTxs).await?;
	// Every (opts.flood + 1)-th item is a valid one.
	let invalid_included = run
		.included_items
		.iter()
		.enumerate()
		.filter(|(i, &inc)| inc && i % (opts.flood + 1) != 0)
		.count();
	Ok(Flood {
		ratio: opts.flood,
		period,
		valid: valid.len(),
		invalid,
		invalid_included,
		vs_baseline: run.included_per_s / baseline.included_per_s.max(1e-9),
		run,
	})
}

/// Funds every sender holding less than half of [`SENDER_FUNDS`] from `from`, in rounds: a
/// round that fails (the node may lose track of a block header under load) is followed by one
/// that funds only the senders still short, so a retry never funds anyone twice.
async fn fund_senders(
	chain: &Chain,
	from: &subxt_signer::sr25519::Keypair,
	senders: &[subxt_signer::sr25519::Keypair],
	say: &impl Fn(&str),
) -> Result<()> {
	const ROUNDS: usize = 3;
	for round in 1..=ROUNDS {
		let at = chain.api.at_current_block().await?;
		let mut short = Vec::new();
		for s in senders {
			let free = at
				.storage()
				.try_fetch(runtime::storage().system().account(), (account_of(s),))
				.await?
				.map(|a| a.decode().map(|a| a.data.free))
				.transpose()?
				.unwrap_or(0);
			if free < SENDER_FUNDS / 2 {
				short.push(account_of(s));
			}
		}
		if short.is_empty() {
			return Ok(());
		}
		let fund: Vec<_> = short
			.into_iter()
			.map(|a| {
				runtime::tx().balances().transfer_keep_alive(MultiAddress::Id(a), SENDER_FUNDS)
			})
			.collect();
		match chain.sign_and_finalize_all(&fund, from, || {}).await {
			Ok(_) => {},
			Err(e) if round < ROUNDS => {
				say(&format!("funding round {round} failed ({e:#}); retrying"))
			},
			Err(e) => return Err(e.context("funding the senders")),
		}
	}
	Ok(())
}

/// The chain's block limits for the normal class.
struct Limits {
	max_normal_weight: u64,
	max_normal_length: u64,
}

impl Limits {
	async fn of(chain: &Chain) -> Result<Self> {
		let w = chain.constant(runtime::constants().system().block_weights()).await?;
		let l = chain.constant(runtime::constants().system().block_length()).await?;
		Ok(Self {
			max_normal_weight: w
				.per_class
				.normal
				.max_total
				.map(|m| m.ref_time)
				.unwrap_or(w.max_block.ref_time),
			max_normal_length: u64::from(l.max.normal),
		})
	}
}

/// The chain time at the best block (what the pool validates readings against).
pub(super) async fn best_now_ms(chain: &Chain) -> Result<u64> {
	let at = chain.at_best().await?;
	Ok(at.runtime_apis().call(runtime::runtime_apis().readings_api().time()).await?.now_ms)
}

pub(super) async fn connect_many(url: &str, n: usize) -> Result<Vec<RpcClient>> {
	let mut out = Vec::with_capacity(n);
	for _ in 0..n {
		out.push(RpcClient::from_insecure_url(url).await?);
	}
	Ok(out)
}

/// Submits `items` at a saturating rate while a watcher follows the best and finalized
/// blocks, then waits until every accepted item is finalized (or cannot be any more).
async fn workload(
	bench: &Bench<'_>,
	name: &str,
	items: &[Vec<u8>],
	plan: Option<Vec<Vec<usize>>>,
	mode: Mode,
) -> Result<Workload> {
	let Bench { chain, node, conns, limits, opts, block_ms } = *bench;
	let board = Arc::new(Board::default());
	{
		if mode == Mode::Collected {
			let mut by_prid = board.by_prid.lock().unwrap();
			for (i, bytes) in items.iter().enumerate() {
				let r = <SignedReading as codec::Decode>::decode(&mut &bytes[..])?;
				by_prid.insert(r.payload.prid.0, i);
			}
			*board.calls.lock().unwrap() = Some(ReadingCalls::of(chain).await?);
		} else {
			let mut by_hash = board.by_hash.lock().unwrap();
			for (i, bytes) in items.iter().enumerate() {
				by_hash.insert(tx_hash(bytes), i);
			}
		}
		*board.tracks.lock().unwrap() = vec![Track::default(); items.len()];
	}
	board.outstanding.store(items.len(), Ordering::SeqCst);
	// Its own connection, so that the senders' traffic does not delay it.
	let watcher_chain = Chain::connect(std::slice::from_ref(&node.url)).await?;
	let watcher = tokio::spawn(watch(watcher_chain, board.clone()));
	// Wait until the watcher has seen a head, so no inclusion is missed.
	while board.blocks.lock().unwrap().is_empty() && !watcher.is_finished() {
		tokio::time::sleep(Duration::from_millis(50)).await;
	}

	let (cpu0, t0) = (node.cpu_seconds()?, Instant::now());
	// Items are sent in lanes, each in order, all lanes at once. A transfer lane is one sender:
	// its next nonce goes only after the previous one was accepted: the pool keeps only a few
	// out-of-order ("future") transactions and silently evicts the rest, after which every
	// later nonce of that sender is stuck (seen with 64 senders × 250 nonces). Readings need
	// no order.
	// Lane `l` sends `plan[l]` (default: items l, l + lanes, …) over connection `l % conns`.
	let plan = plan.unwrap_or_else(|| {
		let lanes = match mode {
			Mode::Transfers => opts.senders,
			Mode::ReadingTxs => conns.len() * IN_FLIGHT_PER_CONNECTION,
			// Each lane sends batches: a few lanes per connection keep the node busy.
			Mode::Collected => conns.len() * 2,
		};
		let lanes = lanes.clamp(1, items.len().max(1));
		(0..lanes).map(|l| (l..items.len()).step_by(lanes).collect()).collect()
	});
	let stalled = tokio::spawn(stall_watch(board.clone(), block_ms));
	let sent = send_lanes(items, &plan, conns, &board, opts, mode).await;
	stalled.abort();
	let dropped = board.dropped.load(Ordering::SeqCst);
	wait_for_finality(&board, &watcher, block_ms).await?;
	let tracks = board.tracks.lock().unwrap().clone();
	let last_final = tracks.iter().filter_map(|t| t.finalized).max().unwrap_or_else(Instant::now);
	let cpu = node.cpu_seconds()? - cpu0;
	watcher.abort();

	let mut report = Workload {
		name: name.into(),
		items: items.len(),
		accepted: board.accepted.load(Ordering::SeqCst),
		refused: sent.refused,
		unsent: sent.unsent,
		pool_full_retries: sent.retries,
		dropped,
		node_cpu_s: cpu,
		wall_s: last_final.saturating_duration_since(t0).as_secs_f64(),
		..Default::default()
	};
	report.add_latencies(&tracks, last_final);
	report.add_block_fills(&board, chain, node, limits, block_ms).await?;
	let sizes = board.bundle_sizes.lock().unwrap().clone();
	report.bundles = BundleFigures {
		count: sizes.len(),
		mean_shares: sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64,
		max_shares: sizes.iter().copied().max().unwrap_or(0),
	};
	Ok(report)
}

/// What sending a workload's items came to, besides what the board tracks.
struct Sent {
	/// Refused by the pool, by reason.
	refused: BTreeMap<String, usize>,
	/// Resubmissions after "pool full" answers.
	retries: usize,
	/// Not sent because the run had to stop.
	unsent: usize,
}

/// Sends every lane of `plan` at once, each in order, lane `l` over connection `l % conns`.
async fn send_lanes(
	items: &[Vec<u8>],
	plan: &[Vec<usize>],
	conns: &[RpcClient],
	board: &Arc<Board>,
	opts: &IngestOptions,
	mode: Mode,
) -> Sent {
	let readings = mode.readings();
	let refused: Arc<Mutex<BTreeMap<String, usize>>> = Default::default();
	let retries = Arc::new(AtomicUsize::new(0));
	let unsent = Arc::new(AtomicUsize::new(0));
	let hexes: Vec<String> = items.iter().map(|b| format!("0x{}", hex::encode(b))).collect();
	futures::stream::iter(plan.iter().enumerate())
		.map(|(lane, mine)| {
			let (board, refused, retries, unsent, hexes) =
				(board.clone(), refused.clone(), retries.clone(), unsent.clone(), &hexes);
			let rpc = conns[lane % conns.len()].clone();
			async move {
				if mode == Mode::Collected {
					for (b, batch) in mine.chunks(COLLECT_BATCH).enumerate() {
						if !collect(&rpc, hexes, batch, &board, &refused, &retries, &unsent).await {
							// The run stopped: the later batches are not sent.
							let rest = mine.len().saturating_sub((b + 1) * COLLECT_BATCH);
							unsent.fetch_add(rest, Ordering::SeqCst);
							board.outstanding.fetch_sub(rest, Ordering::SeqCst);
							break;
						}
					}
					return;
				}
				for (k, &i) in mine.iter().enumerate() {
					let sent = submit(
						&rpc, &hexes[i], i, &board, &refused, &retries, &unsent, opts, readings,
					)
					.await;
					if !sent {
						// The rest of a transfer lane would be out of order; a stopped run
						// sends nothing more.
						let rest = mine.len() - k - 1;
						if rest > 0 && (board.stop.load(Ordering::SeqCst) || !readings) {
							unsent.fetch_add(rest, Ordering::SeqCst);
							board.outstanding.fetch_sub(rest, Ordering::SeqCst);
							break;
						}
					}
				}
			}
		})
		.buffer_unordered(plan.len().max(1))
		.collect::<Vec<()>>()
		.await;
	let refused = refused.lock().unwrap().clone();
	Sent { refused, retries: retries.load(Ordering::SeqCst), unsent: unsent.load(Ordering::SeqCst) }
}

/// Waits until everything accepted is finalized. A reading left in the pool when its window
/// closes is dropped: stop waiting 10 blocks after the last finalization that brought news (a
/// slow finality round on a loaded machine can take several).
pub(super) async fn wait_for_finality(
	board: &Board,
	watcher: &tokio::task::JoinHandle<Result<()>>,
	block_ms: u64,
) -> Result<()> {
	let mut last_progress = (board.finalized.load(Ordering::SeqCst), Instant::now());
	loop {
		let f = board.finalized.load(Ordering::SeqCst);
		if f >= board.accepted.load(Ordering::SeqCst) {
			return Ok(());
		}
		if f != last_progress.0 {
			last_progress = (f, Instant::now());
		} else if last_progress.1.elapsed() > Duration::from_millis(10 * block_ms) {
			return Ok(());
		}
		if watcher.is_finished() {
			bail!("the block watcher stopped");
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

impl Workload {
	/// Inclusion and finality counts, latencies and rates from the items' tracks.
	fn add_latencies(&mut self, tracks: &[Track], last_final: Instant) {
		self.included = tracks.iter().filter(|t| t.included.is_some()).count();
		self.included_items = tracks.iter().map(|t| t.included.is_some()).collect();
		self.finalized = tracks.iter().filter(|t| t.finalized.is_some()).count();
		self.node_cpu_us_per_item = self.node_cpu_s * 1e6 / self.finalized.max(1) as f64;
		let ms = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
			(Some(a), Some(b)) => Some(b.saturating_duration_since(a).as_secs_f64() * 1e3),
			_ => None,
		};
		self.inclusion =
			Latency::of(tracks.iter().filter_map(|t| ms(t.submitted, t.included)).collect());
		self.finality =
			Latency::of(tracks.iter().filter_map(|t| ms(t.submitted, t.finalized)).collect());
		let first_submit = tracks.iter().filter_map(|t| t.submitted).min();
		if let Some(a) = first_submit {
			let span = last_final.saturating_duration_since(a).as_secs_f64();
			self.end_to_end_per_s = if span > 0.0 { self.finalized as f64 / span } else { 0.0 };
		}
		let last_included = tracks.iter().filter_map(|t| t.included).max();
		if let (Some(a), Some(b)) = (first_submit, last_included) {
			let span = b.saturating_duration_since(a).as_secs_f64();
			self.included_per_s = if span > 0.0 { self.included as f64 / span } else { 0.0 };
		}
	}

	/// The fill of every block that took items, with the weight the chain recorded for it and
	/// how long the node took to build it (its log), and the rates derived from them.
	async fn add_block_fills(
		&mut self,
		board: &Board,
		chain: &Chain,
		node: &DevNode,
		limits: &Limits,
		block_ms: u64,
	) -> Result<()> {
		let seen: Vec<(u64, String, usize, usize, usize, usize)> = board
			.blocks
			.lock()
			.unwrap()
			.iter()
			.filter(|b| b.items > 0)
			.map(|b| (b.number, b.hash.clone(), b.items, b.extrinsics, b.bytes, b.waiting_after))
			.collect();
		let built = built_blocks(&node.log);
		let mut weight_ps = 0u64;
		for (number, hash, items, extrinsics, bytes, waiting_after) in seen {
			let h: subxt::utils::H256 = hash.parse().context("block hash")?;
			let weight = chain
				.api
				.at_block(h)
				.await?
				.storage()
				.try_fetch(runtime::storage().system().block_weight(), ())
				.await?
				.map(|w| w.decode().map(|w| w.normal.ref_time))
				.transpose()?
				.unwrap_or(0);
			self.blocks.push(BlockFill {
				number,
				items,
				extrinsics,
				bytes,
				waiting_after,
				weight_pct: 100.0 * weight as f64 / limits.max_normal_weight.max(1) as f64,
				length_pct: 100.0 * bytes as f64 / limits.max_normal_length.max(1) as f64,
				build_ms: built.get(&number).map(|b| b.0),
				end: built.get(&number).map(|b| b.1.clone()),
			});
			weight_ps += weight;
		}
		let items_in_blocks: usize = self.blocks.iter().map(|b| b.items).sum();
		let build_ms: u64 = self.blocks.iter().filter_map(|b| b.build_ms).sum();
		if items_in_blocks > 0 {
			self.build_us_per_item = build_ms as f64 * 1e3 / items_in_blocks as f64;
			self.weight_us_per_item = weight_ps as f64 / 1e6 / items_in_blocks as f64;
		}
		let saturated: Vec<&BlockFill> =
			self.blocks.iter().filter(|b| b.waiting_after > 0).collect();
		self.saturated_blocks = saturated.len();
		let basis: Vec<&BlockFill> =
			if saturated.is_empty() { self.blocks.iter().collect() } else { saturated };
		if !basis.is_empty() {
			let mean = basis.iter().map(|b| b.items).sum::<usize>() as f64 / basis.len() as f64;
			self.sustained_per_s = mean * 1000.0 / block_ms as f64;
		}
		Ok(())
	}
}

/// The blocks this node built, from its log: number → (milliseconds, end reason). The line is
/// sc-basic-authorship's "🎁 Prepared block for proposing at N (T ms) hash: …; end: R; …".
fn built_blocks(log: &std::path::Path) -> HashMap<u64, (u64, String)> {
	let text = std::fs::read_to_string(log).unwrap_or_default();
	let mut out = HashMap::new();
	for line in text.lines() {
		let Some(rest) = line.split_once("Prepared block for proposing at ").map(|x| x.1) else {
			continue;
		};
		let mut it = rest.splitn(2, " (");
		let (Some(n), Some(tail)) = (it.next(), it.next()) else { continue };
		let Some(ms) = tail.split_once(" ms)").map(|x| x.0) else { continue };
		let end = tail
			.split_once("end: ")
			.map(|x| x.1.split(';').next().unwrap_or("").trim().to_string())
			.unwrap_or_default();
		if let (Ok(n), Ok(ms)) = (n.trim().parse::<u64>(), ms.trim().parse::<u64>()) {
			out.insert(n, (ms, end));
		}
	}
	out
}

/// Submits one item, retrying while the pool is full; `false` if it was not accepted (refused,
/// or the run was stopped). Waits first while `max_pending` items are accepted but not included.
#[allow(clippy::too_many_arguments)]
async fn submit(
	rpc: &RpcClient,
	hex: &str,
	i: usize,
	board: &Board,
	refused: &Mutex<BTreeMap<String, usize>>,
	retries: &AtomicUsize,
	unsent: &AtomicUsize,
	opts: &IngestOptions,
	readings: bool,
) -> bool {
	// At most `max_pending` waiting for a block, and the pool (which keeps an item until it is
	// finalized, not just included) never full: a full pool answers "immediately dropped" and
	// every resubmission costs the node a full validation.
	let pool_room = super::node::POOL_LIMIT * 9 / 10;
	while {
		let accepted = board.accepted.load(Ordering::SeqCst);
		accepted.saturating_sub(board.included.load(Ordering::SeqCst)) >= opts.max_pending
			|| accepted.saturating_sub(board.finalized.load(Ordering::SeqCst)) >= pool_room
	} {
		if board.stop.load(Ordering::SeqCst) {
			break;
		}
		tokio::time::sleep(Duration::from_millis(5)).await;
	}
	loop {
		if board.stop.load(Ordering::SeqCst) {
			unsent.fetch_add(1, Ordering::SeqCst);
			board.outstanding.fetch_sub(1, Ordering::SeqCst);
			return false;
		}
		board.tracks.lock().unwrap()[i].submitted = Some(Instant::now());
		match rpc.request::<String>("author_submitExtrinsic", rpc_params![hex]).await {
			Ok(_) => {
				board.accepted.fetch_add(1, Ordering::SeqCst);
				return true;
			},
			Err(e) => {
				// The reason (e.g. "Custom error: 3") is in the JSON-RPC error's data.
				let msg = match &e {
					subxt::rpcs::Error::User(u) => format!(
						"{} ({}) {}",
						u.message,
						u.code,
						u.data.as_ref().map_or("", |d| d.get())
					),
					other => other.to_string(),
				};
				let answer = chain::PoolAnswer::of_rpc(&e);
				if answer == chain::PoolAnswer::PoolFull {
					retries.fetch_add(1, Ordering::SeqCst);
					tokio::time::sleep(Duration::from_millis(50)).await;
					continue;
				}
				let reason = answer.explain(&msg);
				// Every later reading would be refused the same way.
				let closed =
					chain::PoolAnswer::Rejected(pallet_readings::ReadingRejection::WindowClosed);
				if readings && answer == closed {
					board.stop.store(true, Ordering::SeqCst);
				}
				*refused.lock().unwrap().entry(short(&reason)).or_default() += 1;
				board.outstanding.fetch_sub(1, Ordering::SeqCst);
				return false;
			},
		}
	}
}

/// Sends one batch of readings to the collector (`gridmask_submitReadings`), sending again
/// those it answers `QueueFull`; `false` if the run stopped (the window closed: every later
/// reading would be refused too). `max_pending` does not apply: the collector's own bounded
/// queue is the back-pressure a meter meets (`QueueFull`), as in the field, where a whole
/// period's readings arrive within its window.
async fn collect(
	rpc: &RpcClient,
	hexes: &[String],
	batch: &[usize],
	board: &Board,
	refused: &Mutex<BTreeMap<String, usize>>,
	retries: &AtomicUsize,
	unsent: &AtomicUsize,
) -> bool {
	let mut todo: Vec<usize> = batch.to_vec();
	let give_up = |n: usize| {
		board.outstanding.fetch_sub(n, Ordering::SeqCst);
	};
	while !todo.is_empty() {
		if board.stop.load(Ordering::SeqCst) {
			unsent.fetch_add(todo.len(), Ordering::SeqCst);
			give_up(todo.len());
			return false;
		}
		{
			let now = Instant::now();
			let mut tracks = board.tracks.lock().unwrap();
			for &i in &todo {
				tracks[i].submitted.get_or_insert(now);
			}
		}
		let params: Vec<&str> = todo.iter().map(|&i| hexes[i].as_str()).collect();
		let answers = match rpc
			.request::<Vec<String>>("gridmask_submitReadings", rpc_params![params])
			.await
		{
			Ok(a) if a.len() == todo.len() => a,
			other => {
				let why = match other {
					Ok(a) => format!("{} answers to {} readings", a.len(), todo.len()),
					Err(e) => e.to_string(),
				};
				*refused.lock().unwrap().entry(short(&why)).or_default() += todo.len();
				give_up(todo.len());
				return false;
			},
		};
		let mut again = Vec::new();
		for (&i, answer) in todo.iter().zip(&answers) {
			match answer.as_str() {
				"Accepted" => _ = board.accepted.fetch_add(1, Ordering::SeqCst),
				"QueueFull" => again.push(i),
				other => {
					if other == pallet_readings::ReadingRejection::WindowClosed.name() {
						board.stop.store(true, Ordering::SeqCst);
					}
					*refused.lock().unwrap().entry(other.to_string()).or_default() += 1;
					give_up(1);
				},
			}
		}
		if !again.is_empty() {
			retries.fetch_add(again.len(), Ordering::SeqCst);
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
		todo = again;
	}
	true
}

/// The pallet and call index of `Readings::submit_bundle` in the node's metadata.
/// Stops the run when accepted items stop being included for 10 blocks (the pool dropped them:
/// nothing else would ever end the wait), counting them as dropped.
async fn stall_watch(board: Arc<Board>, block_ms: u64) {
	let mut last = (usize::MAX, Instant::now());
	loop {
		tokio::time::sleep(Duration::from_millis(200)).await;
		let included = board.included.load(Ordering::SeqCst);
		let pending = board.accepted.load(Ordering::SeqCst).saturating_sub(included);
		if included != last.0 || pending == 0 {
			last = (included, Instant::now());
		} else if last.1.elapsed() > Duration::from_millis(10 * block_ms) {
			board.dropped.store(pending, Ordering::SeqCst);
			board.stop.store(true, Ordering::SeqCst);
			return;
		}
	}
}

/// The first line of a reason, for grouping.
pub(super) fn short(reason: &str) -> String {
	reason.lines().next().unwrap_or(reason).chars().take(160).collect()
}

/// Follows best heads (inclusion) and finalized heads (finality) and stamps the tracks.
pub(super) async fn watch(chain: Chain, board: Arc<Board>) -> Result<()> {
	type Header = serde_json::Value;
	let rpc = &chain.rpc;
	let mut best = rpc
		.subscribe::<Header>("chain_subscribeNewHeads", rpc_params![], "chain_unsubscribeNewHeads")
		.await?;
	let mut fin = rpc
		.subscribe::<Header>(
			"chain_subscribeFinalizedHeads",
			rpc_params![],
			"chain_unsubscribeFinalizedHeads",
		)
		.await?;
	let mut last_best: Option<u64> = None;
	let mut last_final: u64 = 0;
	loop {
		tokio::select! {
			h = best.next() => {
				let Some(h) = h else { bail!("best-head subscription ended") };
				let n = chain::header_number(&h?)?;
				let now = Instant::now();
				let from = last_best.map(|b| b + 1).unwrap_or(n);
				for k in from..=n {
					let (hash, xts) = chain.best_chain_block(k).await?;
					let mut items = 0;
					let mut bytes = 0;
					{
						let by_hash = board.by_hash.lock().unwrap();
						let by_prid = board.by_prid.lock().unwrap();
						let calls = *board.calls.lock().unwrap();
						let mut tracks = board.tracks.lock().unwrap();
						for raw in &xts {
							bytes += raw.len();
							let mut found: Vec<usize> = by_hash.get(&tx_hash(raw)).copied().into_iter().collect();
							if let Some(prids) = calls.and_then(|c| c.bundle_prids(raw)) {
								board.bundle_sizes.lock().unwrap().push(prids.len());
								found.extend(prids.iter().filter_map(|p| by_prid.get(&p.0).copied()));
							}
							for i in found {
								if tracks[i].included.is_none() {
									tracks[i].included = Some(now);
									tracks[i].block = k;
									items += 1;
								}
							}
						}
					}
					board.included.fetch_add(items, Ordering::SeqCst);
					let waiting_after = board.outstanding.fetch_sub(items, Ordering::SeqCst) - items;
					board.blocks.lock().unwrap().push(Seen {
						number: k,
						hash,
						items,
						extrinsics: xts.len(),
						bytes,
						waiting_after,
					});
				}
				last_best = Some(n.max(last_best.unwrap_or(0)));
			}
			h = fin.next() => {
				let Some(h) = h else { bail!("finalized-head subscription ended") };
				let n = chain::header_number(&h?)?;
				if n <= last_final {
					continue;
				}
				last_final = n;
				let now = Instant::now();
				let mut tracks = board.tracks.lock().unwrap();
				let mut newly = 0;
				for t in tracks.iter_mut() {
					if t.finalized.is_none() && t.included.is_some() && t.block <= n {
						t.finalized = Some(now);
						newly += 1;
					}
				}
				board.finalized.fetch_add(newly, Ordering::SeqCst);
			}
		}
	}
}

/// Bare crypto of one reading, µs: sr25519 verification plus the BF1 membership test, over
/// (up to 2,000 of) the signed readings, against the period's filter rebuilt here.
pub(super) fn reading_crypto_us(
	store: &crate::store::KgcStore,
	signed: &[SignedReading],
	time: &gridmask_primitives::time::TimeParams,
	period: PeriodIndex,
) -> Result<f64> {
	let secrets: Vec<_> = store.meters.iter().map(|m| m.secret()).collect();
	let channels = signed.first().map_or(1, |r| r.payload.masked.len()) as u8;
	let setup = build_period(time, REGION, period, &secrets, BF1_DEFAULT_FP_EXP, channels)
		.map_err(|e| anyhow::anyhow!("rebuilding the filter: {e:?}"))?;
	let bf1: &Bf1 = &setup.bf1;
	let sample = &signed[..signed.len().min(2_000)];
	let t = Instant::now();
	for r in sample {
		let ok = std::hint::black_box(r.verify()) && bf1.contains(&r.payload.prid);
		if !ok {
			bail!("a benchmark reading does not verify against its own filter");
		}
	}
	Ok(t.elapsed().as_secs_f64() * 1e6 / sample.len().max(1) as f64)
}

/// The report as a table, the ratio last.
impl std::fmt::Display for IngestReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let r = self;
		writeln!(
			f,
			"fresh dev node, {} CPUs shared with this benchmark; block time {} ms; {} meters in one \
			 region, {} channel(s) per reading, readings for period {}; node idle CPU {:.1}% of a \
			 core",
			r.cpus,
			r.block_ms,
			r.meters,
			r.channels,
			r.period,
			r.idle_cpu * 100.0
		)?;
		writeln!(
			f,
			"{:<10} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
			"workload",
			"items",
			"refused",
			"final",
			"blocks",
			"satur.",
			"per s",
			"incl p50",
			"incl p99",
			"fin p50",
			"fin p99",
			"cpu µs"
		)?;
		let all: Vec<&Workload> = [Some(&r.transfers), Some(&r.readings), r.readings_tx.as_ref()]
			.into_iter()
			.flatten()
			.collect();
		for w in &all {
			writeln!(
				f,
				"{:<10} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9.0} {:>7.0}ms {:>7.0}ms {:>7.0}ms {:>7.0}ms \
				 {:>9.0}",
				w.name,
				w.items,
				w.refused.values().sum::<usize>() + w.unsent,
				w.finalized,
				w.blocks.len(),
				w.saturated_blocks,
				w.sustained_per_s,
				w.inclusion.p50_ms,
				w.inclusion.p99_ms,
				w.finality.p50_ms,
				w.finality.p99_ms,
				w.node_cpu_us_per_item_net
			)?;
		}
		for w in &all {
			w.write_details(f)?;
		}
		writeln!(
			f,
			"bundles: {} in best blocks, {:.0} shares each on average, {} at most",
			r.bundles.count, r.bundles.mean_shares, r.bundles.max_shares
		)?;
		writeln!(
			f,
			"reading: node CPU {:.0} µs = {:.2} × its bare crypto ({:.1} µs: sr25519 verify + BF1 \
			 test, in this process); of it the collector's checks and bundles {:.0} µs",
			r.readings.node_cpu_us_per_item_net,
			r.reading_cpu_over_crypto,
			r.reading_crypto_us,
			r.collector_cpu_us
		)?;
		if let Some(tx) = &r.readings_tx {
			writeln!(
				f,
				"readings bundled ÷ as one transaction each (sustained, finalized): {:.0} / {:.0} = \
				 {:.2}",
				r.readings.sustained_per_s,
				tx.sustained_per_s,
				r.readings.sustained_per_s / tx.sustained_per_s.max(1e-9)
			)?;
		}
		if let Some(fl) = &r.flood {
			fl.write(r.readings.included_per_s, f)?;
		}
		writeln!(
			f,
			"ratio readings/s ÷ transfers/s (sustained, finalized): {:.0} / {:.0} = {:.2}",
			r.readings.sustained_per_s, r.transfers.sustained_per_s, r.ratio
		)?;
		Ok(())
	}
}

impl Workload {
	/// Its blocks, refusals and CPU, under the summary table.
	fn write_details(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"{} blocks (items, weight %, length %, waiting after, build ms, end):",
			self.name
		)?;
		for b in &self.blocks {
			writeln!(
				f,
				"  #{:<6} {:>6} {:>6.1}% {:>6.1}% {:>7} {:>6} {}",
				b.number,
				b.items,
				b.weight_pct,
				b.length_pct,
				b.waiting_after,
				b.build_ms.map_or("?".into(), |m| m.to_string()),
				b.end.as_deref().unwrap_or("?")
			)?;
		}
		writeln!(
			f,
			"  per item: weight {:.0} µs, block building {:.0} µs (weight ÷ real {:.2})",
			self.weight_us_per_item,
			self.build_us_per_item,
			self.weight_us_per_item / self.build_us_per_item.max(1e-9)
		)?;
		for (reason, n) in &self.refused {
			writeln!(f, "  refused {n}: {reason}")?;
		}
		if self.unsent > 0 {
			writeln!(f, "  not sent after the window closed: {}", self.unsent)?;
		}
		if self.dropped > 0 {
			writeln!(f, "  accepted by the pool but never included (dropped): {}", self.dropped)?;
		}
		if self.skipped_by_chain > 0 {
			writeln!(
				f,
				"  in finalized bundles but skipped by the chain (their block came after the window closed): {}",
				self.skipped_by_chain
			)?;
		}
		if self.pool_full_retries > 0 {
			writeln!(f, "  resubmissions after a full pool: {}", self.pool_full_retries)?;
		}
		writeln!(
			f,
			"  node CPU {:.2} s over {:.1} s: {:.0} µs per finalized item ({:.0} µs after idle)",
			self.node_cpu_s, self.wall_s, self.node_cpu_us_per_item, self.node_cpu_us_per_item_net
		)?;
		Ok(())
	}
}

impl Flood {
	/// Its lines of the report; `baseline_per_s`: valid readings included per second without
	/// the flood.
	fn write(&self, baseline_per_s: f64, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"flood (period {}): {} valid readings, each followed by {} invalid ({} in all):",
			self.period, self.valid, self.ratio, self.invalid
		)?;
		for (reason, n) in &self.run.refused {
			writeln!(f, "  refused {n}: {reason}")?;
		}
		writeln!(
			f,
			"  valid included {} of {}, finalized {}; invalid included {}; node CPU {:.2} s over \
			 {:.1} s",
			self.run.included,
			self.valid,
			self.run.finalized,
			self.invalid_included,
			self.run.node_cpu_s,
			self.run.wall_s
		)?;
		writeln!(
			f,
			"  valid readings included per second: {:.0} under the flood ÷ {:.0} without = {:.2}",
			self.run.included_per_s, baseline_per_s, self.vs_baseline
		)?;
		Ok(())
	}
}

impl crate::output::Output for IngestReport {}

/// A transaction's hash as the node computes it (BLAKE2b-256 of its encoding).
fn tx_hash(bytes: &[u8]) -> [u8; 32] {
	gridmask_primitives::hashing::blake2b_256(b"", &[bytes])
}
