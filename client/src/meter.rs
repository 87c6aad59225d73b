//! Simulated smart meters (PROTOCOL §4 step 3): each period, each meter splits its reading —
//! one value per channel of its region's shape: import, and export for a prosumer with panels
//! ([`crate::profile`]) — into two masked shares and sends them under its two one-time
//! pseudonyms, at independent uniformly random times inside the period's reading window, to
//! any live aggregator.

use crate::{
	chain::{self, runtime, Chain, ReadingError},
	output::{Output, Verdict},
	profile,
	store::{self, Credential},
};
use anyhow::{bail, Context, Result};
use gridmask_primitives::{
	reading::meter_readings, time::TimeParams, ChannelKind, MasterSecret, MeterId, PeriodIndex,
	Prid, RegionId, SignedReading,
};
use pallet_readings::ReadingRejection;
use rand::Rng;
use serde::Serialize;
use std::{
	collections::{BTreeMap, HashSet},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::Duration,
};
use subxt::utils::H256;
use tokio::sync::Mutex;

/// A `--silent`/`--drop-one` argument: `METER` (every period) or `METER:N` (its first N).
pub fn parse_silent(s: &str) -> Result<(u64, u32), String> {
	let (m, n) = match s.split_once(':') {
		Some((m, n)) => (m, n.parse::<u32>().map_err(|_| format!("bad period count in {s:?}"))?),
		None => (s, u32::MAX),
	};
	Ok((m.parse().map_err(|_| format!("bad meter id in {s:?}"))?, n))
}

/// Options of `meter run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
	/// Periods to report (from the first whose window is still ahead).
	pub periods: u32,
	/// Seed of the load profiles and the share randomness.
	pub seed: u64,
	/// Meters that stay silent: meter → number of leading periods (`u32::MAX` = the whole run).
	pub silent: BTreeMap<MeterId, u32>,
	/// Meters that send only their first share (testing lone shares): meter → number of
	/// leading periods.
	pub drop_one: BTreeMap<MeterId, u32>,
	/// Meters whose readings carry a broken signature (testing the aggregators' refusal):
	/// meter → number of leading periods.
	pub bad_signature: BTreeMap<MeterId, u32>,
	/// Report only from this period on (else: the first one ahead whose setup is complete on
	/// chain for every region of the meters).
	pub first_period: Option<PeriodIndex>,
	/// How shares reach the chain.
	pub via: Via,
	/// Testing: every share is sent to every endpoint, not only the first that takes it (a
	/// share in two aggregators' bundles).
	pub to_all: bool,
}

/// How a meter's shares reach the chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
	/// To the aggregators' collectors (`gridmask_submitReadings`), which bundle them: each of
	/// a meter's two shares to a different aggregator when two or more answer.
	#[default]
	Collector,
	/// Each share as its own transaction (`author_submitExtrinsic`), as a third-party meter
	/// or polkadot.js sends it.
	Transaction,
}

/// One share's fate.
#[derive(Clone, Debug, Serialize)]
pub struct ShareRecord {
	/// Meter.
	pub meter: MeterId,
	/// Region.
	pub region: RegionId,
	/// Period.
	pub period: PeriodIndex,
	/// The pseudonym (`0x…`).
	pub prid: String,
	/// `included` (seen on chain at a finalized block), `rejected: <reason>`, or `missing`.
	pub status: String,
}

/// What `meter run` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
	/// Periods reported.
	pub periods: Vec<PeriodIndex>,
	/// Shares sent.
	pub submitted: u64,
	/// Shares found in the finalized chain.
	pub included: u64,
	/// Shares refused, by reason.
	pub rejected: BTreeMap<String, u64>,
	/// Shares accepted by a node but not in the finalized chain after the window.
	pub missing: u64,
	/// Submissions retried on another endpoint, plus endpoints found down and skipped.
	pub failovers: u64,
	/// Accepted shares sent again because no best block held them a slot later (the node
	/// that accepted one may have stopped before passing it on).
	pub resent: u64,
	/// Every meter's true import (Wh) per period — for a consumer, its consumption — for
	/// checking aggregates in tests.
	pub consumption: Vec<(MeterId, RegionId, PeriodIndex, u64)>,
	/// Every prosumer's true export (Wh) per period.
	pub export: Vec<(MeterId, RegionId, PeriodIndex, u64)>,
	/// Every share.
	pub shares: Vec<ShareRecord>,
}

impl std::fmt::Display for RunReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"periods {:?}: {} shares sent, {} in the finalized chain, {} missing, {} failovers",
			self.periods, self.submitted, self.included, self.missing, self.failovers
		)?;
		for (why, n) in &self.rejected {
			writeln!(f, "  {n} rejected: {why}")?;
		}
		Ok(())
	}
}

/// Exit status 2 unless every share sent is in the finalized chain.
impl Output for RunReport {
	fn verdict(&self) -> Verdict {
		Verdict::done_if(self.all_included())
	}
}

impl RunReport {
	/// Whether every share sent is on chain.
	pub fn all_included(&self) -> bool {
		self.rejected.is_empty() && self.missing == 0
	}
}

/// Live counters, printed as they change.
#[derive(Default)]
struct Counters {
	submitted: AtomicU64,
	accepted: AtomicU64,
	rejected: AtomicU64,
	failovers: AtomicU64,
	/// Accepted shares sent again because no best block held them yet.
	resent: AtomicU64,
}

/// The endpoints a meter may use, in preference order; a failed one is skipped until the
/// others fail too.
pub struct Endpoints {
	urls: Vec<String>,
	/// Each endpoint's connection behind its own lock, so that however many shares wait for
	/// an endpoint, one connection attempt is made at a time (a herd of reconnections would
	/// exhaust the node's RPC connections).
	live: Vec<Mutex<Option<Live>>>,
	/// When each endpoint was last found down (it is not retried for [`RETRY_DOWN`]).
	down: std::sync::Mutex<Vec<Option<std::time::Instant>>>,
	/// Connections made so far (each one's generation).
	connections: AtomicU64,
	/// Each endpoint's current connection's generation (`NONE`: not connected), readable
	/// without waiting for a connection attempt.
	current: Vec<AtomicU64>,
	/// Times an endpoint was found down and the next one tried.
	skipped: AtomicU64,
}

/// A connection to one endpoint.
#[derive(Clone)]
struct Live {
	/// Which endpoint.
	i: usize,
	/// Which connection to it: a task that found an older one broken does not drop a newer
	/// one.
	generation: u64,
	chain: Chain,
}

/// How long an endpoint found down is skipped before it is tried again.
const RETRY_DOWN: Duration = Duration::from_secs(10);

impl Endpoints {
	/// Endpoints `urls`, in order of preference; connected on first use.
	pub fn new(urls: Vec<String>) -> Self {
		let live = urls.iter().map(|_| Mutex::new(None)).collect();
		let down = std::sync::Mutex::new(vec![None; urls.len()]);
		let current = urls.iter().map(|_| AtomicU64::new(NONE)).collect();
		Self {
			urls,
			live,
			down,
			connections: AtomicU64::new(0),
			current,
			skipped: AtomicU64::new(0),
		}
	}

	/// A connected endpoint, starting the search at `from` and going up.
	async fn get(&self, from: usize) -> Option<Live> {
		self.get_toward(from, Toward::Up).await
	}

	/// A connected endpoint, starting the search at `from` and going `toward`.
	async fn get_toward(&self, from: usize, toward: Toward) -> Option<Live> {
		for k in 0..self.urls.len() {
			let i = toward.step(from, k, self.urls.len());
			let mut slot = self.live[i].lock().await;
			if let Some(live) = &*slot {
				return Some(live.clone());
			}
			let recently_down =
				self.down.lock().unwrap()[i].is_some_and(|t| t.elapsed() < RETRY_DOWN);
			// The last resort is tried even if it was down recently.
			if !recently_down || k + 1 == self.urls.len() {
				if let Ok(chain) = Chain::connect(std::slice::from_ref(&self.urls[i])).await {
					let generation = self.connections.fetch_add(1, Ordering::Relaxed);
					let live = Live { i, generation, chain };
					*slot = Some(live.clone());
					self.current[i].store(generation, Ordering::SeqCst);
					self.down.lock().unwrap()[i] = None;
					return Some(live);
				}
				self.down.lock().unwrap()[i] = Some(std::time::Instant::now());
				self.skipped.fetch_add(1, Ordering::Relaxed);
			}
		}
		None
	}

	/// Forgets `broken` (its endpoint failed to answer), unless it was replaced meanwhile.
	async fn drop_endpoint(&self, broken: &Live) {
		let mut slot = self.live[broken.i].lock().await;
		if slot.as_ref().is_some_and(|l| l.generation == broken.generation) {
			*slot = None;
			self.current[broken.i].store(NONE, Ordering::SeqCst);
		}
	}

	/// Whether the connection `accepted` still stands (its node has answered since, and was
	/// not reconnected: a restarted collector has lost its queue).
	fn still_connected(&self, accepted: (usize, u64)) -> bool {
		self.current[accepted.0].load(Ordering::SeqCst) == accepted.1
	}

	/// Asks every connected endpoint for its health every `every` until aborted, dropping
	/// the connection of one that does not answer in time: how the meters notice that a
	/// collector holding their shares has stopped.
	fn spawn_watchdog(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
		tokio::spawn(async move {
			loop {
				tokio::time::sleep(every).await;
				for i in 0..self.urls.len() {
					let Some(live) = self.live[i].lock().await.clone() else { continue };
					let health = live
						.chain
						.rpc
						.request::<serde_json::Value>("system_health", subxt::rpcs::rpc_params![]);
					if !matches!(tokio::time::timeout(every, health).await, Ok(Ok(_))) {
						self.drop_endpoint(&live).await;
					}
				}
			}
		})
	}
}

/// Best blocks a share accepted by a collector that still answers may take before it is sent
/// again (`confirm`): the collector bundles what it accepts before the next slot, so two
/// blocks, and one to spare.
const RESEND_BLOCKS: u64 = 3;

/// No connection (`Endpoints::current`).
const NONE: u64 = u64::MAX;

pub(crate) fn unix_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.expect("clock after 1970")
		.as_millis() as u64
}

async fn sleep_until_ms(t: u64) {
	let now = unix_ms();
	if t > now {
		tokio::time::sleep(Duration::from_millis(t - now)).await;
	}
}

/// Two submission times, uniform and independent in `[lo, hi)`, at least `(hi − lo)/8` apart
/// (so a meter's two shares are never sent back to back and cannot be linked by timing).
pub fn submission_times<R: Rng>(rng: &mut R, lo: u64, hi: u64) -> [u64; 2] {
	let gap = (hi - lo) / 8;
	loop {
		let a = rng.gen_range(lo..hi);
		let b = rng.gen_range(lo..hi);
		if a.abs_diff(b) >= gap {
			return [a, b];
		}
	}
}

/// Runs `creds` for `opts.periods` periods.
pub async fn run(
	endpoints: Arc<Endpoints>,
	creds: Vec<Credential>,
	opts: RunOptions,
	live: bool,
) -> Result<RunReport> {
	let chain = endpoints.get(0).await.context("no endpoint answers")?.chain;
	let genesis = chain.genesis();
	for c in &creds {
		store::same_chain(&format!("meter {}'s credential", c.meter), &c.genesis, genesis.0)?;
	}
	let time = chain.time().await?.started()?;
	let shapes = region_shapes(&chain, &creds).await?;
	let slot = chain.constant(runtime::constants().readings().min_block_time_ms()).await?;
	// Submit after the first block of the window, and early enough that the share is still
	// included inside the window if the next two authors are down (two missed slots: 2 of
	// 4 aggregators stopped), so the including block's time falls inside the window.
	let (head, tail) = (slot + 1_000, 3 * slot + 1_000);
	if time.window_ms <= head + tail {
		bail!("the window ({} ms) is too short for {slot} ms blocks", time.window_ms);
	}
	let first = match opts.first_period {
		Some(p) => p,
		None => first_ahead(&chain, &time, &creds, head).await?,
	};
	let periods: Vec<PeriodIndex> = (first..first + opts.periods).collect();
	let counters = Arc::new(Counters::default());
	let report = Arc::new(Mutex::new(RunReport { periods: periods.clone(), ..Default::default() }));
	let printer = live.then(|| spawn_printer(counters.clone()));
	let inclusions = Arc::new(Inclusions::default());
	let follower = inclusions.clone().spawn(endpoints.clone());
	let watchdog = endpoints.clone().spawn_watchdog(Duration::from_millis(slot));

	let mut checks = Vec::new();
	for (k, &period) in periods.iter().enumerate() {
		let open = time.period_end(period).context("period out of range")?;
		let (lo, hi) = (open + head, open + time.window_ms - tail);
		let plan = PeriodPlan::new(&opts, &creds, &shapes, &time, genesis, k, period, (lo, hi));
		let mut tasks = Vec::new();
		let mut sent: Vec<(MeterId, Prid)> = Vec::new();
		for (meter, i, candidates, at) in plan.shares {
			let share = Share {
				meter,
				candidates,
				at,
				resend_until: open + time.window_ms - slot,
				// Share A and share B start at neighbouring endpoints and fail over in
				// opposite directions: two different aggregators whenever two answer.
				route: Route {
					first: (2 * meter as usize + i) % endpoints.urls.len(),
					toward: if i == 0 { Toward::Down } else { Toward::Up },
					via: opts.via,
					to_all: opts.to_all,
				},
			};
			sent.push((meter, share.candidates[0].payload.prid));
			let (endpoints, inclusions, counters, report) =
				(endpoints.clone(), inclusions.clone(), counters.clone(), report.clone());
			tasks.push(tokio::spawn(async move {
				sleep_until_ms(share.at).await;
				// Boxed: the sending state (RPC futures, several KB) is allocated only once the
				// share's time has come, so that a period's waiting shares stay small.
				Box::pin(share.deliver(&endpoints, &inclusions, &counters, &report, slot)).await
			}));
		}
		let flows = plan.flows;
		// The finalized chain is checked in the background, so that a finality stall (with
		// blocks still being built) never delays the next periods' sends past their windows.
		let (endpoints, report) = (endpoints.clone(), report.clone());
		let close = open + time.window_ms;
		checks.push(tokio::spawn(async move {
			let delivered = futures::future::join_all(tasks).await;
			// Where each share was accepted (the region that took it).
			let accepted: Vec<_> = delivered
				.into_iter()
				.zip(&sent)
				.filter_map(|(t, (meter, prid))| match t {
					Ok(Some(region)) => Some((*meter, region, *prid)),
					_ => None,
				})
				.collect();
			let found = shares_on_finalized_chain(&endpoints, period, close, &accepted).await?;
			let mut rep = report.lock().await;
			rep.note_period(period, &flows, &accepted, &found, sent.len());
			anyhow::Ok(())
		}));
	}
	for check in checks {
		check.await.context("a period's check panicked")??;
	}
	follower.abort();
	watchdog.abort();
	if let Some(p) = printer {
		p.abort();
		eprintln!();
	}
	let mut rep = report.lock().await.clone();
	rep.failovers =
		counters.failovers.load(Ordering::Relaxed) + endpoints.skipped.load(Ordering::Relaxed);
	rep.resent = counters.resent.load(Ordering::Relaxed);
	Ok(rep)
}

/// What the meters send for one period: each share of every meter not kept silent (share
/// index, the share for each of the meter's regions, when to send it), and the meters' true
/// consumption.
struct PeriodPlan {
	shares: Vec<(MeterId, usize, Vec<SignedReading>, u64)>,
	flows: Vec<Flows>,
}

/// What a meter measured in a period: its import, and its export if it is a prosumer.
struct Flows {
	meter: MeterId,
	region: RegionId,
	import: u64,
	export: Option<u64>,
}

/// One value per channel of `shape` for a period of `period_ms` with these flows: import and
/// export as measured; the others as a meter derives them (the period's mean import power as
/// its maximum demand, a third of the import as reactive energy).
fn channel_values(shape: &[ChannelKind], import: u64, export: u64, period_ms: u64) -> Vec<u64> {
	shape
		.iter()
		.map(|k| match k {
			ChannelKind::ImportWh => import,
			ChannelKind::ExportWh => export,
			ChannelKind::MaxDemandW => import.saturating_mul(3_600_000) / period_ms.max(1),
			ChannelKind::ReactiveVarh => import / 3,
		})
		.collect()
}

impl PeriodPlan {
	/// Period `period`, the `k`-th of the run, its shares sent at random times in `send_in`,
	/// one value per channel of each region's shape (`channels`).
	#[allow(clippy::too_many_arguments)]
	fn new(
		opts: &RunOptions,
		creds: &[Credential],
		shapes: &BTreeMap<RegionId, Vec<ChannelKind>>,
		time: &TimeParams,
		genesis: H256,
		k: usize,
		period: PeriodIndex,
		(lo, hi): (u64, u64),
	) -> Self {
		let start = time.period_start(period).expect("period in range");
		let mut plan = PeriodPlan { shares: Vec::new(), flows: Vec::new() };
		for c in creds {
			if opts.silent.get(&c.meter).is_some_and(|n| (k as u32) < *n) {
				continue;
			}
			let consumption =
				profile::consumption(opts.seed, c.meter, period, start, time.period_ms);
			let generation = match c.prosumer {
				true => profile::generation(opts.seed, c.meter, period, start, time.period_ms),
				false => 0,
			};
			let (import, export) = profile::flows(consumption, generation);
			let mut rng = rand::rngs::OsRng;
			let times = submission_times(&mut rng, lo, hi);
			// The meter's region, then the ones it was moved from: a setup published before
			// the move may still cover it there (the first region whose filter holds its
			// PRID takes the share). The masked values are the same for every region.
			let randoms: Vec<u64> =
				(0..gridmask_primitives::MAX_CHANNELS).map(|_| rng.gen()).collect();
			let candidates: Vec<[SignedReading; 2]> = c
				.regions()
				.map(|region| {
					let c = Credential { region, ..c.clone() };
					// Every channel of the region's shape: a consumer exports 0.
					let shape = shapes.get(&region).map_or(&[ChannelKind::ImportWh][..], |s| s);
					let values = channel_values(shape, import, export, time.period_ms);
					readings_of(time, &c, genesis, period, &values, &randoms[..values.len()], times)
				})
				.collect();
			plan.flows.push(Flows {
				meter: c.meter,
				region: c.region,
				import,
				export: c.prosumer.then_some(export),
			});
			let drop_one = opts.drop_one.get(&c.meter).is_some_and(|n| (k as u32) < *n);
			let bad_signature = opts.bad_signature.get(&c.meter).is_some_and(|n| (k as u32) < *n);
			for (i, at) in times.into_iter().enumerate() {
				if drop_one && i == 1 {
					// Testing: the second share is never sent (a lone share on chain).
					continue;
				}
				let mut mine: Vec<SignedReading> =
					candidates.iter().map(|c| c[i].clone()).collect();
				if bad_signature {
					// Testing: one bit of R flipped (the last byte holds schnorrkel's marker).
					mine.iter_mut().for_each(|r| r.signature.0[0] ^= 1);
				}
				plan.shares.push((c.meter, i, mine, at));
			}
		}
		plan
	}
}

impl RunReport {
	/// Adds what became of `period`'s `sent` shares: `accepted` (meter, region that took the
	/// share, PRID), each `found` in the finalized chain or not, and the meters' true import
	/// and export (in the region that took their shares, their own if none was taken).
	fn note_period(
		&mut self,
		period: PeriodIndex,
		flows: &[Flows],
		accepted: &[(MeterId, RegionId, Prid)],
		found: &[bool],
		sent: usize,
	) {
		for f in flows {
			let region = accepted.iter().find(|a| a.0 == f.meter).map_or(f.region, |a| a.1);
			self.consumption.push((f.meter, region, period, f.import));
			if let Some(export) = f.export {
				self.export.push((f.meter, region, period, export));
			}
		}
		self.submitted += sent as u64;
		for (&(meter, region, prid), &present) in accepted.iter().zip(found) {
			let status = if present {
				self.included += 1;
				"included"
			} else {
				self.missing += 1;
				"missing"
			};
			self.shares.push(ShareRecord {
				meter,
				region,
				period,
				prid: format!("{:?}", H256(prid.0)),
				status: status.into(),
			});
		}
	}
}

/// One share of a meter, signed for each region whose setup may cover it.
struct Share {
	meter: MeterId,
	/// The same share for the meter's region, then the regions it was moved from.
	candidates: Vec<SignedReading>,
	/// When to send it (unix ms).
	at: u64,
	/// Until when an accepted share no best block holds is sent again.
	resend_until: u64,
	/// Where it goes.
	route: Route,
}

/// Where a share goes: the endpoint tried first, which way it fails over, and how.
#[derive(Clone, Copy)]
struct Route {
	first: usize,
	toward: Toward,
	via: Via,
	to_all: bool,
}

/// Which way a share fails over through the endpoints (in a ring). A meter's share A starts at
/// endpoint 2m and goes down, share B starts at 2m + 1 and goes up: the two meet at one
/// endpoint only after passing over all the others, so they reach two different aggregators
/// whenever two answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Toward {
	Up,
	Down,
}

impl Toward {
	/// The endpoint `k` steps from `from` this way, of `n`.
	fn step(self, from: usize, k: usize, n: usize) -> usize {
		match self {
			Self::Up => (from + k) % n,
			Self::Down => (from % n + n - k % n) % n,
		}
	}
}

impl Share {
	/// Sends the share (its time has come) to the first region that takes it, and confirms it
	/// is in a best block. Returns the region that took it; a refusal is recorded in `report`.
	async fn deliver(
		self,
		endpoints: &Endpoints,
		inclusions: &Inclusions,
		counters: &Counters,
		report: &Mutex<RunReport>,
		slot: u64,
	) -> Option<RegionId> {
		let mut result = Err(String::new());
		for r in &self.candidates {
			result = match send(endpoints, r, counters, self.route).await {
				Ok(by) => {
					let until = self.resend_until;
					confirm(endpoints, inclusions, r, by, counters, slot, until, self.route)
						.await
						.map(|()| r.payload.region)
				},
				Err(reason) => Err(reason),
			};
			let elsewhere = [ReadingRejection::NotInFilter, ReadingRejection::NoSetup];
			match &result {
				Err(reason) if elsewhere.iter().any(|e| e.name() == reason) => {},
				_ => break,
			}
		}
		if let Err(reason) = &result {
			let r = &self.candidates[0];
			let mut rep = report.lock().await;
			*rep.rejected.entry(reason.clone()).or_default() += 1;
			rep.shares.push(ShareRecord {
				meter: self.meter,
				region: r.payload.region,
				period: r.payload.period,
				prid: format!("{:?}", H256(r.payload.prid.0)),
				status: format!("rejected: {reason}"),
			});
		}
		result.ok()
	}
}

/// The first period whose window is ahead (by at least `head` ms) and whose setup is complete
/// on chain for every region of `creds`.
async fn first_ahead(
	chain: &Chain,
	time: &TimeParams,
	creds: &[Credential],
	head: u64,
) -> Result<PeriodIndex> {
	let now = unix_ms();
	let current = time.period_at(now).context("chain time before the clock")?;
	let ahead = (current.saturating_sub(1)..)
		.find(|p| time.period_end(*p).is_some_and(|end| end + head > now))
		.expect("a later period exists");
	let regions: std::collections::BTreeSet<RegionId> = creds.iter().map(|c| c.region).collect();
	// A period ahead without a setup would only collect `NoSetup` refusals.
	let search = ahead..ahead.saturating_add(2 * time.periods_per_cycle);
	let first = first_set_up(chain, &regions, search.clone()).await?.with_context(|| {
		format!(
			"no period from {} to {} has a complete setup on chain for region(s) {regions:?}; \
			 publish them first (`gridmask kgc setup`)",
			search.start,
			search.end - 1
		)
	})?;
	// On stderr also with --json (stdout holds the report).
	eprintln!(
		"starting with period {first}: the first period whose window is ahead and whose setup is \
		 complete on chain{}",
		if first > ahead {
			format!(" (periods {ahead}..{} are not set up)", first - 1)
		} else {
			String::new()
		}
	);
	Ok(first)
}

/// The first period of `periods` whose setup is complete (at the finalized block) for every
/// one of `regions`.
async fn first_set_up(
	chain: &Chain,
	regions: &std::collections::BTreeSet<RegionId>,
	periods: std::ops::Range<PeriodIndex>,
) -> Result<Option<PeriodIndex>> {
	let at = chain.api.at_current_block().await?;
	for p in periods {
		let mut complete = true;
		for &region in regions {
			let st = at
				.runtime_apis()
				.call(runtime::runtime_apis().readings_api().period_state(region, p))
				.await?;
			if !st.setup_complete {
				complete = false;
				break;
			}
		}
		if complete {
			return Ok(Some(p));
		}
	}
	Ok(None)
}

/// A meter's two signed shares of `period`, one value per channel of its region.
pub fn readings_of(
	time: &TimeParams,
	c: &Credential,
	genesis: H256,
	period: PeriodIndex,
	values: &[u64],
	randoms: &[u64],
	times: [u64; 2],
) -> [SignedReading; 2] {
	let keys = MasterSecret(c.master_secret.0)
		.cycle_seeds(time.cycle_of(period))
		.period_keys(time.leaf_of(period));
	meter_readings(&keys, sp_core::H256(genesis.0), c.region, period, values, randoms, times)
}

/// The shape (channels) of every region the meters may send to (their regions and the ones
/// they were moved from), as on chain.
async fn region_shapes(
	chain: &Chain,
	creds: &[Credential],
) -> Result<BTreeMap<RegionId, Vec<ChannelKind>>> {
	let at = chain.api.at_current_block().await?;
	let mut out = BTreeMap::new();
	for region in creds.iter().flat_map(|c| c.regions()) {
		if out.contains_key(&region) {
			continue;
		}
		let info = chain::region_at(&at, region).await?;
		out.insert(region, info.shape.0.iter().map(chain::channel_kind).collect());
	}
	Ok(out)
}

/// Which of the accepted shares a best block holds. The meters of one `meter run` share it,
/// as meters behind one head-end system would: it follows one endpoint's best blocks and reads
/// the PRIDs of the readings and bundles in each, so that its cost is one block fetch a slot
/// however many shares wait (a runtime query per share per slot would be 33,000 a second for
/// 100,000 meters, and the node would spend its slots answering them).
#[derive(Default)]
struct Inclusions {
	waiting: std::sync::Mutex<HashSet<Prid>>,
	held: std::sync::Mutex<HashSet<Prid>>,
	/// The best block number last seen.
	best: AtomicU64,
}

impl Inclusions {
	fn wait_for(&self, prid: Prid) {
		self.waiting.lock().unwrap().insert(prid);
	}

	fn best(&self) -> u64 {
		self.best.load(Ordering::SeqCst)
	}

	/// Whether a best block was seen holding `prid` (then it is forgotten).
	fn held(&self, prid: &Prid) -> bool {
		self.held.lock().unwrap().remove(prid)
	}

	fn forget(&self, prid: &Prid) {
		self.waiting.lock().unwrap().remove(prid);
		self.held.lock().unwrap().remove(prid);
	}

	/// Marks the waiting shares among `prids` as held.
	fn seen(&self, prids: impl IntoIterator<Item = Prid>) {
		let (mut waiting, mut held) = (self.waiting.lock().unwrap(), self.held.lock().unwrap());
		for prid in prids {
			if waiting.remove(&prid) {
				held.insert(prid);
			}
		}
	}

	/// Follows the best blocks of the first endpoint that answers until aborted, from the
	/// next one on (failing over, and reading the blocks it missed meanwhile).
	fn spawn(self: Arc<Self>, endpoints: Arc<Endpoints>) -> tokio::task::JoinHandle<()> {
		tokio::spawn(async move {
			let mut last = None;
			loop {
				if let Some(live) = endpoints.get(0).await {
					if self.follow(&live.chain, &mut last).await.is_err() {
						endpoints.drop_endpoint(&live).await;
					}
				}
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
		})
	}

	async fn follow(&self, chain: &Chain, last: &mut Option<u64>) -> Result<()> {
		use subxt::rpcs::rpc_params;
		let calls = chain::ReadingCalls::of(chain).await?;
		let mut heads = chain
			.rpc
			.subscribe::<serde_json::Value>(
				"chain_subscribeNewHeads",
				rpc_params![],
				"chain_unsubscribeNewHeads",
			)
			.await?;
		while let Some(head) = futures::StreamExt::next(&mut heads).await {
			let n = chain::header_number(&head?)?;
			// After a re-org to a shorter chain, from the new head.
			for k in last.map_or(n, |l| (l + 1).min(n))..=n {
				let (_, xts) = chain.best_chain_block(k).await?;
				self.seen(xts.iter().flat_map(|raw| calls.prids(raw)));
			}
			*last = Some(n);
			self.best.store(n, Ordering::SeqCst);
		}
		bail!("{}: the best-head subscription ended", chain.url)
	}
}

/// After the connection `by` accepted `r`: until a best block holds it, up to `until` (one
/// slot before the window closes), sends it again — every slot if it went as a transaction (a
/// pool may drop it); through the collectors at once if the node that accepted it stops
/// answering or was restarted (its queue is gone), and otherwise after `RESEND_BLOCKS` best
/// blocks without it, then after twice as many each time (a collector that accepts and drops
/// while answering costs a few blocks; an honest one with a deep queue is not flooded). A copy
/// still in some pool is answered "already imported", and one already stored `DuplicatePrid`,
/// both fine.
#[allow(clippy::too_many_arguments)]
async fn confirm(
	endpoints: &Endpoints,
	inclusions: &Inclusions,
	r: &SignedReading,
	mut by: (usize, u64),
	counters: &Counters,
	slot: u64,
	until: u64,
	route: Route,
) -> Result<(), String> {
	let key = r.payload.prid;
	inclusions.wait_for(key);
	// Counted from the first best block seen after the acceptance.
	let (mut gap, mut resend_at) = (RESEND_BLOCKS, None);
	let result = async {
		while unix_ms() + slot < until {
			tokio::time::sleep(Duration::from_millis(slot)).await;
			if inclusions.held(&key) {
				return Ok(());
			}
			let best = inclusions.best();
			if route.via == Via::Collector && endpoints.still_connected(by) {
				if best < *resend_at.get_or_insert(best + gap) {
					continue;
				}
				gap *= 2;
			}
			resend_at = Some(best + gap);
			counters.resent.fetch_add(1, Ordering::Relaxed);
			match send_once(endpoints, r, counters, route).await {
				// Not a new acceptance: the live count stays one per share.
				Ok(now_by) => {
					by = now_by;
					counters.accepted.fetch_sub(1, Ordering::Relaxed);
				},
				Err(reason) if reason == ReadingRejection::DuplicatePrid.name() => return Ok(()),
				Err(reason) if reason == ReadingRejection::WindowClosed.name() => {
					return Err(reason)
				},
				// Anything else may be a node still catching up; the share was accepted once,
				// so keep trying until `until` (the finality check has the last word).
				Err(_) => _ = counters.rejected.fetch_sub(1, Ordering::Relaxed),
			}
		}
		Ok(())
	}
	.await;
	inclusions.forget(&key);
	result
}

/// Sends one share for the first time (`send_once`, counted as submitted).
async fn send(
	endpoints: &Endpoints,
	r: &SignedReading,
	counters: &Counters,
	route: Route,
) -> Result<(usize, u64), String> {
	counters.submitted.fetch_add(1, Ordering::Relaxed);
	send_once(endpoints, r, counters, route).await
}

/// What one endpoint said to a share.
enum Sent {
	/// Accepted (queued by its collector, or in its pool).
	Accepted,
	/// Refused for this reason.
	Refused(ReadingRejection),
	/// Refused with a reason the chain does not have (the collector's: `Malformed`).
	Other(String),
	/// Try another endpoint: its collector cannot take the share now (`NotCollecting`,
	/// `QueueFull`, `WindowFull`); the connection is fine.
	Busy,
	/// Try another endpoint: this one did not answer (its connection is dropped).
	Failed,
}

/// Sends `r` to `chain` once, `via` its collector or as a transaction.
async fn send_to(chain: &Chain, r: &SignedReading, via: Via) -> Sent {
	match via {
		Via::Collector => match chain.collect(std::slice::from_ref(r)).await {
			Ok(answers) => match answers.first().map(String::as_str) {
				Some("Accepted") => Sent::Accepted,
				Some("NotCollecting" | "QueueFull" | "WindowFull") => Sent::Busy,
				None => Sent::Failed,
				Some(name) => match ReadingRejection::ALL.into_iter().find(|x| x.name() == name) {
					Some(rejection) => Sent::Refused(rejection),
					None => Sent::Other(name.to_string()),
				},
			},
			Err(_) => Sent::Failed,
		},
		Via::Transaction => {
			let Ok(tx) = chain.reading_tx(r).await else {
				return Sent::Failed;
			};
			match tx.submit().await {
				Ok(_) => Sent::Accepted,
				// Already known to this node (e.g. gossiped before a failover): in a pool.
				Err(e) if chain::PoolAnswer::of_submission(&e) == chain::PoolAnswer::Known => {
					Sent::Accepted
				},
				Err(_) => match chain.why_invalid(r).await {
					Some(ReadingError::Rejected(rejection)) => Sent::Refused(rejection),
					Some(other) => Sent::Other(other.to_string()),
					// No structured answer: the endpoint is unwell.
					None => Sent::Failed,
				},
			}
		},
	}
}

/// One submission of `r`, failing over between endpoints from `route.first` on, `route.toward`. A node that
/// answers `WindowNotOpen` has not yet imported the window's first block (it may be catching up
/// after a restart): it is asked again after 2 s, and after two such answers the next endpoint
/// is.
/// Answers the connection (endpoint, generation) that accepted it.
async fn send_once(
	endpoints: &Endpoints,
	r: &SignedReading,
	counters: &Counters,
	route: Route,
) -> Result<(usize, u64), String> {
	let mut from = route.first;
	let mut not_open = 0;
	let mut last = "no endpoint accepted the share".to_string();
	for _attempt in 0..(2 * endpoints.urls.len() + 6) {
		let Some(live) = endpoints.get_toward(from, route.toward).await else {
			tokio::time::sleep(Duration::from_secs(1)).await;
			continue;
		};
		let i = live.i;
		match send_to(&live.chain, r, route.via).await {
			Sent::Accepted => {
				counters.accepted.fetch_add(1, Ordering::Relaxed);
				if route.to_all {
					for j in (0..endpoints.urls.len()).filter(|j| *j != i) {
						if let Some(other) = endpoints.get(j).await {
							if other.i != i {
								send_to(&other.chain, r, route.via).await;
							}
						}
					}
				}
				return Ok((i, live.generation));
			},
			Sent::Refused(ReadingRejection::WindowNotOpen) => {
				last = ReadingRejection::WindowNotOpen.name().to_string();
				not_open += 1;
				tokio::time::sleep(Duration::from_secs(2)).await;
				if not_open % 2 == 0 {
					counters.failovers.fetch_add(1, Ordering::Relaxed);
					from = route.toward.step(i, 1, endpoints.urls.len());
				}
			},
			Sent::Refused(rejection) => {
				counters.rejected.fetch_add(1, Ordering::Relaxed);
				return Err(rejection.name().to_string());
			},
			Sent::Other(reason) => {
				counters.rejected.fetch_add(1, Ordering::Relaxed);
				return Err(reason);
			},
			sent @ (Sent::Busy | Sent::Failed) => {
				if matches!(sent, Sent::Failed) {
					endpoints.drop_endpoint(&live).await;
				}
				counters.failovers.fetch_add(1, Ordering::Relaxed);
				from = route.toward.step(i, 1, endpoints.urls.len());
				tokio::time::sleep(Duration::from_millis(200)).await;
			},
		}
	}
	counters.rejected.fetch_add(1, Ordering::Relaxed);
	Err(last)
}

/// Waits until the finalized chain's time is past `t_ms` (plus one block, for the last
/// includable block to be finalized).
/// How long a meter waits for its window's blocks to be finalized (finality may stall while
/// fewer than 2/3 of the aggregators are up; blocks, and so readings, go on meanwhile).
const FINALITY_TIMEOUT: Duration = Duration::from_secs(900);

/// Whether each (meter, region, prid) has a share in the finalized chain once the chain's
/// finalized time is past `close` (the window's end), via the runtime API; an endpoint that
/// fails meanwhile is dropped and the next one asked.
async fn shares_on_finalized_chain(
	endpoints: &Endpoints,
	period: PeriodIndex,
	close: u64,
	q: &[(MeterId, RegionId, Prid)],
) -> Result<Vec<bool>> {
	sleep_until_ms(close).await;
	let queries: Vec<_> = q.iter().map(|(_, region, prid)| (*region, period, *prid)).collect();
	let deadline = tokio::time::Instant::now() + FINALITY_TIMEOUT;
	loop {
		let Some(live) = endpoints.get(0).await else {
			if tokio::time::Instant::now() >= deadline {
				bail!("no endpoint answers");
			}
			tokio::time::sleep(Duration::from_secs(2)).await;
			continue;
		};
		let attempt = async {
			if live.chain.time().await?.now_ms < close {
				return Ok(None);
			}
			let found = live.chain.shares(&queries).await?;
			anyhow::Ok(Some(found.into_iter().map(|s| s.is_some()).collect()))
		};
		match attempt.await {
			Ok(Some(found)) => return Ok(found),
			Ok(None) => {},
			Err(_) => endpoints.drop_endpoint(&live).await,
		}
		if tokio::time::Instant::now() >= deadline {
			bail!("the blocks of period {period}'s window were not finalized within {FINALITY_TIMEOUT:?}");
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

fn spawn_printer(c: Arc<Counters>) -> tokio::task::JoinHandle<()> {
	tokio::spawn(async move {
		loop {
			eprint!(
				"\rshares sent {}  accepted {}  rejected {}  failovers {}   ",
				c.submitted.load(Ordering::Relaxed),
				c.accepted.load(Ordering::Relaxed),
				c.rejected.load(Ordering::Relaxed),
				c.failovers.load(Ordering::Relaxed)
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_meters_two_shares_reach_two_aggregators_while_two_answer() {
		// The endpoint a share ends at, failing over past the `down` ones from where it starts.
		let lands = |first: usize, toward: Toward, n: usize, down: u32| {
			(0..n).map(|k| toward.step(first, k, n)).find(|i| down & (1 << i) == 0).unwrap()
		};
		for n in 2..=6usize {
			for down in 0u32..(1 << n) {
				if (n as u32) - down.count_ones() < 2 {
					continue;
				}
				for meter in 0..2 * n {
					let a = lands((2 * meter) % n, Toward::Down, n, down);
					let b = lands((2 * meter + 1) % n, Toward::Up, n, down);
					assert_ne!(a, b, "{n} endpoints, down {down:b}, meter {meter}");
				}
			}
		}
		// Going the same way, they would meet.
		assert_eq!(lands(0, Toward::Up, 3, 0b001), lands(1, Toward::Up, 3, 0b001));
	}

	#[test]
	fn silent_meters_are_parsed_with_or_without_a_period_count() {
		assert_eq!(parse_silent("1003"), Ok((1003, u32::MAX)));
		assert_eq!(parse_silent("1003:2"), Ok((1003, 2)));
		assert!(parse_silent("x:2").unwrap_err().contains("bad meter id"));
		assert!(parse_silent("7:y").unwrap_err().contains("bad period count"));
	}

	#[test]
	fn submission_times_are_inside_and_apart() {
		let mut rng = rand::thread_rng();
		for _ in 0..1000 {
			let [a, b] = submission_times(&mut rng, 1_000, 9_000);
			assert!((1_000..9_000).contains(&a) && (1_000..9_000).contains(&b));
			assert!(a.abs_diff(b) >= 1_000);
		}
	}
}
