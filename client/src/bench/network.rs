//! `gridmask bench network`: finalized readings/s on the 4-aggregator local network, with the
//! meters spread over all four collectors and one aggregator stopped mid-window.
//!
//! The benchmark:
//! 1. starts the `local` chain's four aggregators (Alice, Bob, Charlie, Dave) on this machine
//!    (or `test-local`'s, the same chain on the integration tests' time scale),
//!    each with its own base path and free loopback ports, Alice's node the others' bootnode;
//! 2. provisions `readings / 2` meters in one region and publishes the setups of the next
//!    periods (the KGC's ordinary path, with these chains' KGC key, Eve's);
//! 3. pre-signs the readings of one period whose window has not opened and, from the first
//!    best block inside the window, sends them at `--rate` readings/s (by default, all within
//!    the first half of the window; `--rate 0`: as fast as the collectors take them) as
//!    meters do: meter `m`'s two shares to
//!    collectors `m` and `m + 1` (mod 4), so no collector holds both shares of one reading;
//!    a collector that does not answer, or answers `QueueFull`, `WindowFull` or
//!    `NotCollecting`, passes the batch on to the next one;
//! 4. **stops Dave's node** (SIGKILL, as a crash) 40% into the window (`--stop-after`), while
//!    the meters are still sending:
//!    whatever it held in memory is gone. The meters whose shares it had accepted and no
//!    best block holds yet send them again to the next collector at once (a share that was
//!    already in one of Dave's bundles gossiped to the others is then included twice, and the
//!    chain skips the second as a duplicate);
//! 5. waits for finality and counts what the chain stored for the period: every accepted
//!    reading must be there (`lost` is 0, or the command fails).
//!
//! It reports the sustained finalized throughput — the readings of the *saturated* blocks (a
//! block after which accepted readings were still waiting) over the time those blocks span by
//! their timestamps, Dave's empty slots included — and the stored readings over the whole
//! window, latencies, and the four nodes' CPU per stored reading.

use super::{
	ingest::{
		best_now_ms, connect_many, period_count, period_readings, short, wait_for_finality, watch,
		Board, Latency, Track, COLLECT_BATCH, REGION,
	},
	node::DevNode,
};
use crate::{
	chain::{keypair, runtime, Chain, ReadingCalls},
	kgc::{self, PeriodSelection},
	store::StoreDir,
};
use anyhow::{bail, Context, Result};
use futures::StreamExt;
use gridmask_primitives::{PeriodIndex, SignedReading};
use serde::Serialize;
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicBool, AtomicUsize, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};
use subxt::rpcs::{rpc_params, RpcClient};

/// The four-aggregator chains' aggregators (`local`, `test-local`).
const AGGREGATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];
/// The aggregator stopped mid-window (not Alice: the benchmark watches the chain through her
/// node).
const STOPPED: usize = 3;
/// RPC connections to each collector.
const CONNECTIONS_PER_NODE: usize = 2;
/// Batches sent and not yet answered, at most.
const IN_FLIGHT: usize = 64;

/// What to run.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
	/// The `gridmask-node` binary.
	pub node_bin: PathBuf,
	/// The four-aggregator chain: `local`, or `test-local` (the same on the test time scale).
	pub chain: String,
	/// Readings to send (two per meter).
	pub readings: usize,
	/// When to stop Dave's node, ms after the window opened (`None`: not at all; by default
	/// 40% into the window, while the meters are still sending).
	pub stop_after_ms: Option<Option<u64>>,
	/// Readings sent per second from the window's opening (`Some(None)`: as fast as the
	/// collectors take them; by default all within the first half of the window: on a chain
	/// of several aggregators a collector keeps the last slot of the window spare).
	pub rate: Option<Option<f64>>,
	/// Extra arguments for every node.
	pub node_args: Vec<String>,
	/// Where the nodes' base paths, logs and the KGC store go.
	pub work_dir: PathBuf,
}

/// One block that held readings of the run.
#[derive(Clone, Debug, Serialize)]
pub struct NetBlock {
	/// Block number.
	pub number: u64,
	/// Its timestamp, ms after the window opened.
	pub at_ms: i64,
	/// Readings of the run first seen in it.
	pub readings: usize,
	/// Accepted readings still waiting after it (> 0: the block was saturated).
	pub waiting_after: usize,
}

/// The stop of one aggregator.
#[derive(Clone, Debug, Serialize)]
pub struct StopFigures {
	/// The node stopped.
	pub node: String,
	/// When, ms after the window opened.
	pub after_ms: u64,
	/// Readings it had accepted that no best block held yet: sent again by their meters.
	pub resent: usize,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkReport {
	/// CPUs of this machine (four nodes and the benchmark share them).
	pub cpus: usize,
	/// The chain's block time, ms.
	pub block_ms: u64,
	/// The reading window, ms.
	pub window_ms: u64,
	/// Meters provisioned (one region).
	pub meters: usize,
	/// The period the readings were for.
	pub period: PeriodIndex,
	/// Readings sent.
	pub readings: usize,
	/// Readings accepted by a collector, by collector (a re-sent reading counts where it was
	/// accepted first).
	pub accepted_by: BTreeMap<String, usize>,
	/// Readings accepted by some collector.
	pub accepted: usize,
	/// Refusals, by answer (a re-sent reading refused `DuplicatePrid` was already included).
	pub refused: BTreeMap<String, usize>,
	/// The stop, if there was one.
	pub stopped: Option<StopFigures>,
	/// Shares the chain stores for the period.
	pub stored: usize,
	/// Accepted readings the chain does not store (must be 0).
	pub lost: usize,
	/// Readings each live collector still held at the end (accepted, in no block).
	pub still_held: BTreeMap<String, u64>,
	/// Accepted readings no best block held, by the collector that accepted them last.
	pub never_included: BTreeMap<String, usize>,
	/// The blocks that held readings.
	pub blocks: Vec<NetBlock>,
	/// Readings sent per second (`None`: as fast as the collectors took them).
	pub rate: Option<f64>,
	/// When the last batch was answered, ms after the window opened.
	pub sent_ms: u64,
	/// Readings of the saturated blocks (all blocks, if none was) ÷ the time they span (by
	/// timestamps, from one slot before the first).
	pub sustained_per_s: f64,
	/// Stored readings ÷ the reading window.
	pub window_per_s: f64,
	/// How long a collector took to answer a batch of readings.
	pub answer: Latency,
	/// Send → seen in a best block (first acceptance; Alice's view).
	pub inclusion: Latency,
	/// Send → seen finalized.
	pub finality: Latency,
	/// The four nodes' CPU seconds from the window's opening to the last finalization (Dave's
	/// until it stopped).
	pub nodes_cpu_s: f64,
	/// `nodes_cpu_s` per stored reading, µs: every node imports every reading.
	pub nodes_cpu_us_per_reading: f64,
	/// Where the logs and the store are.
	pub work_dir: String,
}

/// The collectors and what the meters know of them.
struct Net {
	conns: Vec<Vec<RpcClient>>,
	/// Collectors known down (their node was stopped).
	down: Vec<AtomicBool>,
	/// The collector that accepted each reading (last acceptance).
	accepted_by: Mutex<Vec<Option<usize>>>,
	/// Per collector: readings it accepted first.
	first_accepted: Vec<AtomicUsize>,
	refused: Mutex<BTreeMap<String, usize>>,
	/// How long each `gridmask_submitReadings` call took to answer, ms.
	answer_ms: Mutex<Vec<f64>>,
	hexes: Vec<String>,
}

impl Net {
	fn next_up(&self, c: usize) -> usize {
		(1..=AGGREGATORS.len())
			.map(|k| (c + k) % AGGREGATORS.len())
			.find(|&n| !self.down[n].load(Ordering::SeqCst))
			.unwrap_or(c)
	}
}

/// Runs the benchmark; `say` gets progress lines.
pub async fn run(opts: &NetworkOptions, say: impl Fn(&str)) -> Result<NetworkReport> {
	if opts.readings < 8 {
		bail!("--readings must be at least 8 (two meters for each of four collectors)");
	}
	std::fs::create_dir_all(&opts.work_dir)?;
	let mut nodes = start_network(opts).await?;
	let chain = Chain::connect(std::slice::from_ref(&nodes[0].url)).await?;
	say(&format!(
		"4 aggregators up: {} (logs under {})",
		nodes.iter().map(|n| n.url.as_str()).collect::<Vec<_>>().join(", "),
		opts.work_dir.display()
	));
	let block_ms = 2 * chain.constant(runtime::constants().timestamp().minimum_period()).await?;
	let w = Workload::prepare(opts, &chain, &nodes, &say).await?;
	while best_now_ms(&chain).await? < w.open {
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	let t0 = Instant::now();
	let cpu0: Vec<f64> = nodes.iter().map(DevNode::cpu_seconds).collect::<Result<_>>()?;
	let rate = opts
		.rate
		.unwrap_or(Some(w.readings as f64 * 1e3 / (w.window_ms as f64 * 0.5)))
		.filter(|r| *r > 0.0);
	let stop_after_ms = opts.stop_after_ms.unwrap_or(Some(w.window_ms * 2 / 5));
	let (sent_ms, stopped) = futures::join!(
		send_all(&w, rate, t0),
		stop_one(&mut nodes[STOPPED], &w, stop_after_ms, t0, &say)
	);
	let (stopped, stopped_cpu) = stopped?;
	wait_for_finality(&w.board, &w.watcher, block_ms).await?;
	w.watcher.abort();

	let mut nodes_cpu_s = 0.0;
	for (k, node) in nodes.iter().enumerate() {
		let now = match (k, stopped_cpu) {
			(STOPPED, Some(cpu)) => cpu,
			_ => node.cpu_seconds()?,
		};
		nodes_cpu_s += now - cpu0[k];
	}
	let still_held = still_held(&w.net, &nodes).await?;
	let stored = period_count(&chain, w.period).await?;
	let blocks = block_times(&chain, &w.board, w.open).await?;
	let tracks = w.board.tracks.lock().unwrap().clone();
	let accepted_by = w.net.accepted_by.lock().unwrap().clone();
	let ms = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
		(Some(a), Some(b)) => Some(b.saturating_duration_since(a).as_secs_f64() * 1e3),
		_ => None,
	};
	let latency = |f: fn(&Track) -> Option<Instant>| {
		Latency::of(tracks.iter().filter_map(|t| ms(t.submitted, f(t))).collect())
	};
	let accepted = accepted_by.iter().filter(|a| a.is_some()).count();
	let refused = w.net.refused.lock().unwrap().clone();
	let answer = Latency::of(w.net.answer_ms.lock().unwrap().clone());
	Ok(NetworkReport {
		cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
		block_ms,
		window_ms: w.window_ms,
		meters: w.meters,
		period: w.period,
		readings: w.readings,
		accepted_by: AGGREGATORS
			.iter()
			.zip(&w.net.first_accepted)
			.map(|(a, k)| (a.to_string(), k.load(Ordering::SeqCst)))
			.collect(),
		accepted,
		refused,
		stopped,
		stored,
		lost: accepted.saturating_sub(stored),
		still_held,
		never_included: never_included(&tracks, &accepted_by),
		sustained_per_s: sustained_per_s(&blocks, block_ms),
		blocks,
		rate,
		sent_ms,
		window_per_s: stored as f64 * 1e3 / w.window_ms.max(1) as f64,
		answer,
		inclusion: latency(|t| t.included),
		finality: latency(|t| t.finalized),
		nodes_cpu_s,
		nodes_cpu_us_per_reading: nodes_cpu_s * 1e6 / stored.max(1) as f64,
		work_dir: opts.work_dir.display().to_string(),
	})
}

/// One period's readings, signed and ready to send, and what tracks them.
struct Workload {
	meters: usize,
	readings: usize,
	period: PeriodIndex,
	/// When the period's window opens (chain time, ms).
	open: u64,
	window_ms: u64,
	net: Arc<Net>,
	board: Arc<Board>,
	/// Follows Alice's best and finalized blocks into `board`.
	watcher: tokio::task::JoinHandle<Result<()>>,
}

impl Workload {
	/// Provisions the meters with the chains' KGC key (Eve's), publishes the next periods'
	/// setups, signs one period's readings and connects to every collector.
	async fn prepare(
		opts: &NetworkOptions,
		chain: &Chain,
		nodes: &[DevNode],
		say: &impl Fn(&str),
	) -> Result<Self> {
		let kgc_key = keypair("//Eve")?;
		let store = StoreDir::with_secrets_key(opts.work_dir.join("store"), rand::random());
		let meters = opts.readings.div_ceil(2);
		let t = Instant::now();
		let fleet = kgc::Fleet::consumers(&[REGION], meters as u32, 1);
		kgc::provision(chain, &kgc_key, &store, &fleet, None, 0).await?;
		let setup = kgc::setup(chain, &kgc_key, &store, PeriodSelection::Next(3)).await?;
		say(&format!(
			"{meters} meters provisioned, setups of periods {:?} published ({:.0} s)",
			setup.periods,
			t.elapsed().as_secs_f64()
		));
		let (period, open, signed) =
			period_readings(chain, &kgc_key, &store, &setup.periods, opts.readings, 3_000).await?;
		let time = chain.time().await?.started()?;
		let mut conns = Vec::new();
		for node in nodes {
			conns.push(connect_many(&node.url, CONNECTIONS_PER_NODE).await?);
		}
		let readings = signed.len();
		let net = Arc::new(Net {
			conns,
			down: (0..AGGREGATORS.len()).map(|_| AtomicBool::new(false)).collect(),
			accepted_by: Mutex::new(vec![None; readings]),
			first_accepted: (0..AGGREGATORS.len()).map(|_| AtomicUsize::new(0)).collect(),
			refused: Mutex::default(),
			answer_ms: Mutex::default(),
			hexes: signed
				.iter()
				.map(|r| format!("0x{}", hex::encode(codec::Encode::encode(r))))
				.collect(),
		});
		let board = Arc::new(Board::default());
		prepare_board(&board, chain, &signed).await?;
		let watcher_chain = Chain::connect(std::slice::from_ref(&nodes[0].url)).await?;
		let watcher = tokio::spawn(watch(watcher_chain, board.clone()));
		say(&format!(
			"{readings} readings of period {period} signed; waiting for its window (chain time {} s \
			 before it)",
			open.saturating_sub(chain.time().await?.now_ms) / 1000
		));
		Ok(Self { meters, readings, period, open, window_ms: time.window_ms, net, board, watcher })
	}
}

/// Sends every reading, as meters do: meter m's shares (readings 2m and 2m + 1) to collectors
/// m and m + 1, in batches at the pace asked for (reading i at `i / rate` s after `t0`), at
/// most `IN_FLIGHT` batches at a time. Answers when the last batch was answered, ms after `t0`.
async fn send_all(w: &Workload, rate: Option<f64>, t0: Instant) -> u64 {
	let mut batches: Vec<(usize, Vec<usize>)> = Vec::new();
	for c in 0..AGGREGATORS.len() {
		let mine: Vec<usize> =
			(0..w.readings).filter(|i| (i / 2 + i % 2) % AGGREGATORS.len() == c).collect();
		batches.extend(mine.chunks(COLLECT_BATCH).map(|b| (c, b.to_vec())));
	}
	batches.sort_by_key(|(_, b)| b[0]);
	futures::stream::iter(batches)
		.map(|(c, batch)| {
			let at = Duration::from_secs_f64(batch[0] as f64 / rate.unwrap_or(f64::INFINITY));
			async move {
				tokio::time::sleep(at.saturating_sub(t0.elapsed())).await;
				deliver(&w.net, &w.board, batch, c, false).await
			}
		})
		.buffer_unordered(IN_FLIGHT)
		.collect::<Vec<bool>>()
		.await;
	t0.elapsed().as_millis() as u64
}

/// Kills `node` (the `STOPPED` aggregator's) `after` ms after `t0`; its meters notice (the
/// connection is gone) and send what no block holds yet to the next collector (acceptances
/// still on their way are sent again where they arrive: `deliver`). Answers the stop's figures
/// and the node's CPU seconds when it was killed.
async fn stop_one(
	node: &mut DevNode,
	w: &Workload,
	after: Option<u64>,
	t0: Instant,
	say: &impl Fn(&str),
) -> Result<(Option<StopFigures>, Option<f64>)> {
	let Some(after) = after else { return Ok((None, None)) };
	tokio::time::sleep(Duration::from_millis(after).saturating_sub(t0.elapsed())).await;
	let cpu = node.cpu_seconds()?;
	node.kill()?;
	let after_ms = t0.elapsed().as_millis() as u64;
	say(&format!("{} stopped {after_ms} ms into the window", AGGREGATORS[STOPPED]));
	let pending: Vec<usize> = {
		let by = w.net.accepted_by.lock().unwrap();
		w.net.down[STOPPED].store(true, Ordering::SeqCst);
		let tracks = w.board.tracks.lock().unwrap();
		(0..w.readings)
			.filter(|&i| by[i] == Some(STOPPED) && tracks[i].included.is_none())
			.collect()
	};
	let resent = pending.len();
	futures::stream::iter(pending.chunks(COLLECT_BATCH).map(<[usize]>::to_vec))
		.map(|batch| deliver(&w.net, &w.board, batch, w.net.next_up(STOPPED), true))
		.buffer_unordered(AGGREGATORS.len())
		.collect::<Vec<bool>>()
		.await;
	let figures = StopFigures { node: AGGREGATORS[STOPPED].to_string(), after_ms, resent };
	Ok((Some(figures), Some(cpu)))
}

/// What each live collector still holds: readings it accepted and no block took.
async fn still_held(net: &Net, nodes: &[DevNode]) -> Result<BTreeMap<String, u64>> {
	let mut held = BTreeMap::new();
	for (k, node) in nodes.iter().enumerate() {
		if net.down[k].load(Ordering::SeqCst) {
			continue;
		}
		let status: serde_json::Value = net.conns[k][0]
			.request("gridmask_collectorStatus", rpc_params![])
			.await
			.with_context(|| format!("gridmask_collectorStatus of {}", node.url))?;
		held.insert(AGGREGATORS[k].to_string(), status["held"].as_u64().unwrap_or(0));
	}
	Ok(held)
}

/// Accepted readings no best block held, by the collector that accepted them last.
fn never_included(tracks: &[Track], accepted_by: &[Option<usize>]) -> BTreeMap<String, usize> {
	let mut never = BTreeMap::new();
	for (t, by) in tracks.iter().zip(accepted_by) {
		if let (None, Some(c)) = (t.included, by) {
			*never.entry(AGGREGATORS[*c].to_string()).or_insert(0) += 1;
		}
	}
	never
}

/// Readings of the saturated blocks (all blocks, if none was: the chain kept up with the
/// pace) ÷ the time they span by their timestamps, from one slot before the first.
fn sustained_per_s(blocks: &[NetBlock], block_ms: u64) -> f64 {
	let saturated: Vec<&NetBlock> = match blocks.iter().filter(|b| b.waiting_after > 0).count() {
		0 => blocks.iter().collect(),
		_ => blocks.iter().filter(|b| b.waiting_after > 0).collect(),
	};
	match (saturated.first(), saturated.last()) {
		(Some(first), Some(last)) => {
			let span_ms = (last.at_ms - first.at_ms) as f64 + block_ms as f64;
			saturated.iter().map(|b| b.readings).sum::<usize>() as f64 * 1e3 / span_ms
		},
		_ => 0.0,
	}
}

/// The chain's raw spec, and its four aggregators started on it (Alice the others' bootnode),
/// each past its first block.
async fn start_network(opts: &NetworkOptions) -> Result<Vec<DevNode>> {
	let spec = opts.work_dir.join("chain-spec.json");
	let out = std::process::Command::new(&opts.node_bin)
		.args(["build-spec", "--chain", &opts.chain, "--raw", "--disable-default-bootnode"])
		.stderr(std::process::Stdio::null())
		.output()
		.with_context(|| format!("running {} build-spec", opts.node_bin.display()))?;
	if !out.status.success() {
		bail!("{} build-spec --chain {} failed", opts.node_bin.display(), opts.chain);
	}
	std::fs::write(&spec, &out.stdout)?;
	let node_key = |k: usize| format!("{:064x}", k + 1);
	let boot_id = peer_id(&opts.node_bin, &opts.work_dir, &node_key(0))?;
	let mut spawned = Vec::new();
	for (k, name) in AGGREGATORS.iter().enumerate() {
		let mut args: Vec<String> = [
			"--chain",
			&spec.display().to_string(),
			"--name",
			name,
			&format!("--{name}"),
			"--validator",
			"--node-key",
			&node_key(k),
		]
		.map(str::to_string)
		.to_vec();
		if k > 0 {
			let boot: &DevNode = &spawned[0];
			args.extend(["--bootnodes".to_string(), format!("{}/p2p/{boot_id}", boot.p2p)]);
		}
		spawned.push(DevNode::spawn(
			&opts.node_bin,
			&opts.work_dir.join(name),
			&args,
			&opts.node_args,
		)?);
	}
	let mut nodes = Vec::new();
	for node in spawned {
		nodes.push(node.ready(Duration::from_secs(120)).await?.0);
	}
	Ok(nodes)
}

/// The peer id of the node key `key` (hex).
fn peer_id(bin: &Path, dir: &Path, key: &str) -> Result<String> {
	let file = dir.join("boot.key");
	std::fs::write(&file, key)?;
	let out = std::process::Command::new(bin)
		.args(["key", "inspect-node-key", "--file"])
		.arg(&file)
		.stderr(std::process::Stdio::null())
		.output()?;
	let id = String::from_utf8(out.stdout)?.trim().to_string();
	if !out.status.success() || id.is_empty() {
		bail!("{} key inspect-node-key failed", bin.display());
	}
	Ok(id)
}

/// The board's readings by PRID, the bundle call to look for, one track per reading.
async fn prepare_board(board: &Board, chain: &Chain, signed: &[SignedReading]) -> Result<()> {
	*board.by_prid.lock().unwrap() =
		signed.iter().enumerate().map(|(i, r)| (r.payload.prid.0, i)).collect();
	*board.calls.lock().unwrap() = Some(ReadingCalls::of(chain).await?);
	*board.tracks.lock().unwrap() = vec![Track::default(); signed.len()];
	Ok(())
}

/// Sends `batch` (reading indices) to collector `c`, passing on to the next collector what
/// it cannot take now; `false` once the window has closed (every later reading would be
/// refused too). `again`: the readings are being sent a second time.
async fn deliver(net: &Net, board: &Board, batch: Vec<usize>, mut c: usize, again: bool) -> bool {
	let mut todo = batch;
	let mut passes = 0usize;
	while !todo.is_empty() {
		if board.stop.load(Ordering::SeqCst) {
			return false;
		}
		if net.down[c].load(Ordering::SeqCst) {
			c = net.next_up(c);
		}
		if !again {
			let now = Instant::now();
			let mut tracks = board.tracks.lock().unwrap();
			for &i in &todo {
				tracks[i].submitted.get_or_insert(now);
			}
		}
		let params: Vec<&str> = todo.iter().map(|&i| net.hexes[i].as_str()).collect();
		let rpc = &net.conns[c][todo[0] % net.conns[c].len()];
		let asked = Instant::now();
		let answered =
			rpc.request::<Vec<String>>("gridmask_submitReadings", rpc_params![params]).await;
		net.answer_ms.lock().unwrap().push(asked.elapsed().as_secs_f64() * 1e3);
		let answers = match answered {
			Ok(a) if a.len() == todo.len() => a,
			// Down, or unwell: the next collector.
			_ => {
				c = net.next_up(c);
				passes += 1;
				if passes % AGGREGATORS.len() == 0 {
					tokio::time::sleep(Duration::from_millis(100)).await;
				}
				continue;
			},
		};
		let mut elsewhere = Vec::new();
		for (&i, answer) in todo.iter().zip(&answers) {
			match answer.as_str() {
				"Accepted" => {
					// Under the lock the stop takes to mark the collector down: an acceptance
					// from a collector that is down by now is the meter's to send again, here
					// or by the stop (whichever comes second), never both or neither.
					let mut by = net.accepted_by.lock().unwrap();
					if net.down[c].load(Ordering::SeqCst) {
						elsewhere.push(i);
					}
					let first = by[i].replace(c).is_none();
					drop(by);
					if first {
						net.first_accepted[c].fetch_add(1, Ordering::SeqCst);
						board.accepted.fetch_add(1, Ordering::SeqCst);
						// Waiting until a block holds it (the watcher counts it down).
						board.outstanding.fetch_add(1, Ordering::SeqCst);
					}
				},
				"QueueFull" | "WindowFull" | "NotCollecting" => elsewhere.push(i),
				other => {
					if other == pallet_readings::ReadingRejection::WindowClosed.name() {
						board.stop.store(true, Ordering::SeqCst);
					}
					*net.refused.lock().unwrap().entry(short(other)).or_default() += 1;
				},
			}
		}
		if !elsewhere.is_empty() {
			c = net.next_up(c);
			passes += 1;
			if passes % AGGREGATORS.len() == 0 {
				tokio::time::sleep(Duration::from_millis(50)).await;
			}
		}
		todo = elsewhere;
	}
	true
}

/// The blocks that held readings of the run, with their timestamps relative to `open`.
async fn block_times(chain: &Chain, board: &Board, open: u64) -> Result<Vec<NetBlock>> {
	let seen: Vec<(u64, String, usize, usize)> = board
		.blocks
		.lock()
		.unwrap()
		.iter()
		.filter(|b| b.items > 0)
		.map(|b| (b.number, b.hash.clone(), b.items, b.waiting_after))
		.collect();
	let mut out = Vec::with_capacity(seen.len());
	for (number, hash, readings, waiting_after) in seen {
		let h: subxt::utils::H256 = hash.parse().context("block hash")?;
		let at = chain
			.api
			.at_block(h)
			.await?
			.storage()
			.try_fetch(runtime::storage().timestamp().now(), ())
			.await?
			.map(|v| v.decode())
			.transpose()?
			.unwrap_or(0);
		out.push(NetBlock { number, at_ms: at as i64 - open as i64, readings, waiting_after });
	}
	Ok(out)
}

/// The report as a table.
impl std::fmt::Display for NetworkReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"4 aggregators on {} CPUs; {} meters, {} readings of period {} (window {} s, blocks {} s)",
			self.cpus,
			self.meters,
			self.readings,
			self.period,
			self.window_ms / 1000,
			self.block_ms / 1000
		)?;
		match self.rate {
			Some(r) => write!(f, "sent at {r:.0} readings/s from the window's opening")?,
			None => write!(f, "sent as fast as the collectors took them")?,
		}
		writeln!(f, "; the last answered {:.1} s into the window", self.sent_ms as f64 / 1e3)?;
		let by: Vec<String> = self.accepted_by.iter().map(|(k, v)| format!("{k} {v}")).collect();
		writeln!(f, "accepted {} ({})", self.accepted, by.join(", "))?;
		if !self.refused.is_empty() {
			let r: Vec<String> = self.refused.iter().map(|(k, v)| format!("{k} {v}")).collect();
			writeln!(f, "refused: {}", r.join(", "))?;
		}
		match &self.stopped {
			Some(s) => writeln!(
				f,
				"{} stopped {:.1} s into the window; {} of its readings sent again",
				s.node,
				s.after_ms as f64 / 1e3,
				s.resent
			)?,
			None => writeln!(f, "no aggregator stopped")?,
		}
		writeln!(f, "{:>8} {:>9} {:>9} {:>8}", "block", "at (s)", "readings", "waiting")?;
		for b in &self.blocks {
			writeln!(
				f,
				"{:>8} {:>9.1} {:>9} {:>8}",
				b.number,
				b.at_ms as f64 / 1e3,
				b.readings,
				b.waiting_after
			)?;
		}
		writeln!(
			f,
			"a collector's answer to a batch of {COLLECT_BATCH}: p50 {:.0} ms, p99 {:.0} ms",
			self.answer.p50_ms, self.answer.p99_ms
		)?;
		writeln!(
			f,
			"inclusion p50 {:.0} ms, p99 {:.0} ms; finality p50 {:.0} ms, p99 {:.0} ms",
			self.inclusion.p50_ms,
			self.inclusion.p99_ms,
			self.finality.p50_ms,
			self.finality.p99_ms
		)?;
		writeln!(
			f,
			"nodes' CPU {:.1} s = {:.0} µs per stored reading (4 nodes)",
			self.nodes_cpu_s, self.nodes_cpu_us_per_reading
		)?;
		writeln!(f, "stored {} of {} accepted: {} lost", self.stored, self.accepted, self.lost)?;
		if !self.never_included.is_empty() {
			let h: Vec<String> =
				self.never_included.iter().map(|(k, v)| format!("{k} {v}")).collect();
			writeln!(f, "accepted and in no block, by collector: {}", h.join(", "))?;
		}
		if self.still_held.values().any(|h| *h > 0) {
			let h: Vec<String> = self.still_held.iter().map(|(k, v)| format!("{k} {v}")).collect();
			writeln!(f, "still held by the collectors: {}", h.join(", "))?;
		}
		write!(
			f,
			"finalized readings/s: {:.0} sustained (saturated blocks), {:.0} over the whole window",
			self.sustained_per_s, self.window_per_s
		)
	}
}

impl crate::output::Output for NetworkReport {}
