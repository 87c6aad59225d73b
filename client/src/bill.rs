//! Bills (PROTOCOL §4 steps 7–8): the KGC's monthly report per meter, and the owner's check of
//! it against the chain.
//!
//! The report, its arithmetic, its estimates, its page and the check of it against the chain
//! are `gridmask-bill`'s (the same code in the client, the gateway and the owner's portal);
//! this module reads the chain for them, seals and posts bills, and answers them.
//!
//! **Sealing:** the JSON is HPKE-sealed to the owner's key registered on chain, with the `info`
//! that binds it to (chain, meter, cycle) (`gridmask_primitives::bill`), stored in the content
//! store under its raw CIDv1, and the CID, digest and regions are posted on chain
//! (`billing.post_bills`).
//!
//! **Verification** ([`verify`]) needs only the owner's key and the chain: the bill on chain,
//! the bytes the CID names, decryption, then: exactly the covered periods have a line, each in
//! the region the rule above picks; its channels are the region's; the shares at its PRIDs
//! exist (or not), the masks unmask them to the stated value of every channel, each estimate
//! is the rule's, both prices are the chain's, the amount follows; the regions are the lines'
//! and the chain's; totals add up; the page is the rendering of the lines. Each problem names
//! its line, and its channel where one channel is wrong.

use crate::{
	chain::{runtime, runtime_types as rt, AtBlock, Chain},
	content::ContentStore,
	output::{Output, Verdict},
	progress,
	store::{BillKey, KgcStore, OwnerFile, StoreDir},
};
use anyhow::{bail, Context, Result};
use futures::{StreamExt, TryStreamExt};
use gridmask_primitives::{
	bill::{self as pbill, bill_info, HpkePublicKey},
	cid::RawCid,
	time::TimeParams,
	ChannelKind, CycleIndex, MasterSecret, MeterId, PeriodIndex, Prid, RegionId,
};
use serde::Serialize;
use std::collections::BTreeMap;
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

pub use gridmask_bill::{
	amount, estimates, line_amount, make_report, pick_region, render_html, Basis, Estimate, Line,
	LineStatus, PeriodFacts, Report, REPORT_FORMAT,
};
use gridmask_bill::{
	chain::{
		channel_names, covering, facts_of, span_regions, unmask, ChainPeriod, Masked, RegionCycle,
		Span,
	},
	facts::{
		check, cycle_periods, open_report, queries_of, share_queries, BillFacts, ChainFacts, Dec,
		PeriodFact, PriceFact, RegionFacts, ShareFact, SourceFact, TariffFact,
	},
	report::hex32,
};

/// What the chain says of `region` during `cycle`, at `at`: its shape, its set-up periods,
/// its tariffs and its prices (`gridmask_bill::facts`, as the portal reads them too).
async fn region_facts(
	at: &AtBlock,
	time: &TimeParams,
	region: RegionId,
	cycle: CycleIndex,
) -> Result<RegionFacts> {
	use rt::pallet_readings::types::{PeriodOutcome as O, PeriodPhase as P};
	let (first, last) = cycle_periods(time, cycle).map_err(anyhow::Error::msg)?;
	let shape = crate::chain::region_at(at, region).await?.shape.0;
	let shape = shape.iter().map(|k| crate::chain::channel_kind(k).name().to_string()).collect();
	let mut periods = Vec::new();
	for p in first..=last {
		let st = at
			.runtime_apis()
			.call(runtime::runtime_apis().readings_api().period_state(region, p))
			.await?;
		let Some(setup) = st.setup else { continue };
		let (outcome, aggregate, count) = match st.phase {
			P::Done(O::Sealed { aggregates, count }) => {
				(Some("Sealed"), aggregates.0.first().copied().flatten().map(Dec), count)
			},
			P::Done(O::Withheld { .. }) => (Some("Withheld"), None, 0),
			P::Done(O::Void) => (Some("Void"), None, 0),
			P::Done(_) => (Some("Faulted"), None, 0),
			_ => (None, None, 0),
		};
		periods.push(PeriodFact {
			period: p,
			epoch: setup.epoch,
			channels: setup.z.0.len() as u32,
			outcome: outcome.map(str::to_string),
			aggregate,
			count,
		});
	}
	let tariffs = Chain::tariffs_at(at, region)
		.await?
		.into_iter()
		.map(|(version, t)| TariffFact {
			version,
			effective_from: t.effective_from,
			day_periods: t.tariff.day_periods,
			day_offset: t.tariff.day_offset,
			band_starts: t.tariff.bands.0.iter().map(|(start, _)| *start).collect(),
		})
		.collect();
	let prices = Chain::price_series_at(at, region, first, last)
		.await?
		.into_iter()
		.map(|(period, r)| {
			use rt::pallet_pricing::types::PriceSource as S;
			let source = match r.source {
				S::Tariff { version } => SourceFact::Tariff(version),
				S::Override => SourceFact::Override,
			};
			PriceFact { period, price: Dec(r.price), export_price: Dec(r.export_price), source }
		})
		.collect();
	Ok(RegionFacts { region, shape, periods, tariffs, prices })
}

/// A membership span as the chain keeps it.
fn span_of(s: &rt::pallet_meters::types::Membership) -> Span {
	Span { region: s.region, from: s.from, until: s.until }
}

/// The meter's spans at `at` (`None`: not registered).
async fn spans_at(at: &AtBlock, meter: MeterId) -> Result<Option<Vec<Span>>> {
	Ok(match at.storage().try_fetch(runtime::storage().meters().meters(), (meter,)).await? {
		Some(v) => Some(v.decode()?.memberships.0.iter().map(span_of).collect()),
		None => None,
	})
}

/// Fetches the cycles of the regions not in `cache` yet.
async fn fetch_regions(
	chain: &Chain,
	time: &TimeParams,
	cycle: CycleIndex,
	regions: &[RegionId],
	cache: &mut BTreeMap<RegionId, RegionCycle>,
) -> Result<()> {
	let at = chain.api.at_current_block().await?;
	for r in regions {
		if !cache.contains_key(r) {
			let rc =
				region_facts(&at, time, *r, cycle).await?.cycle().map_err(anyhow::Error::msg)?;
			cache.insert(*r, rc);
		}
	}
	Ok(())
}

/// Reads the meter's shares of each covered period in every covering region, and picks each
/// period's region ([`pick_region`]).
async fn chain_periods(
	chain: &Chain,
	cover: &BTreeMap<PeriodIndex, Vec<RegionId>>,
	prids: &BTreeMap<PeriodIndex, [Prid; 2]>,
	cache: &BTreeMap<RegionId, RegionCycle>,
) -> Result<BTreeMap<PeriodIndex, ChainPeriod>> {
	let queries = queries_of(cover, prids);
	let shares = chain.shares(&queries).await?;
	let found: BTreeMap<(RegionId, PeriodIndex, Prid), Masked> =
		queries.iter().zip(shares).filter_map(|(q, s)| s.map(|s| (*q, s.masked.0))).collect();
	gridmask_bill::facts::chain_periods(cover, prids, cache, &found).map_err(anyhow::Error::msg)
}

/// The lines of one meter, from its master secret and the chain.
fn lines_of(
	time: &TimeParams,
	secret: &MasterSecret,
	cycle: CycleIndex,
	periods: &BTreeMap<PeriodIndex, ChainPeriod>,
) -> Result<Vec<Line>> {
	let seeds = secret.cycle_seeds(cycle);
	let mut lines = Vec::new();
	for (p, c) in periods {
		let k = seeds.period_keys(time.leaf_of(*p));
		let (a, b) = k.prids();
		let (ma, mb) = k.masks(c.shape.len());
		let masks: Vec<[u64; 2]> = ma.iter().zip(mb.iter()).map(|(a, b)| [*a, *b]).collect();
		let (status, values) = unmask(&c.shares, &masks);
		lines.push(Line {
			period: *p,
			start_ms: time.period_start(*p).unwrap_or_default(),
			region: c.region,
			prids: [hex32(&a.0), hex32(&b.0)],
			channels: channel_names(&c.shape),
			masks,
			status,
			values,
			estimate: None,
			price: c.price.as_ref().map(|r| r.price),
			export_price: c.price.as_ref().map(|r| r.export_price),
			price_source: c.price.as_ref().map(|p| p.source.name()),
			amount: 0,
		});
	}
	let est = estimates(&lines, facts_of(periods));
	for (l, e) in lines.iter_mut().zip(est) {
		l.estimate = e;
		// A metered period must be priced; an estimated one without a price (no tariff in
		// effect yet) is stated and charges nothing, as the verifier expects.
		if l.price.is_none() && l.status == LineStatus::Metered {
			bail!(
				"period {} of region {} has no price yet (no tariff covers it: `gridmask cc \
				 price` can set one)",
				l.period,
				l.region
			);
		}
		l.amount = l.due();
	}
	Ok(lines)
}

/// Meters whose chain data is fetched at once by `kgc bill`.
const CONCURRENCY: usize = 16;

/// Which bills `kgc bill` makes.
#[derive(Clone, Debug, Default)]
pub struct BillOptions {
	/// Only these meters (default: every meter of the store).
	pub meters: Vec<MeterId>,
	/// Replace each meter's latest bill of the cycle (default: skip meters already billed).
	pub supersede: bool,
	/// For tests of the owner's check: misstate one metered value (the line's amount and the
	/// totals follow, so only the line is wrong).
	pub misstate: Option<Misstatement>,
}

/// A metered value a test bill misstates: period, channel, by how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misstatement {
	/// The period.
	pub period: PeriodIndex,
	/// The channel.
	pub channel: ChannelKind,
	/// Added to the value (saturating).
	pub delta: i64,
}

/// Parses `PERIOD:DELTA[:CHANNEL]` (the channel by name, default `import_wh`).
pub fn parse_misstatement(s: &str) -> Result<Misstatement, String> {
	let mut parts = s.split(':');
	let (Some(p), Some(d)) = (parts.next(), parts.next()) else {
		return Err(format!("expected PERIOD:DELTA[:CHANNEL], got {s:?}"));
	};
	let channel = match parts.next() {
		None => ChannelKind::ImportWh,
		Some(c) => ChannelKind::from_name(c.trim())
			.ok_or_else(|| format!("unknown channel {c:?} in {s:?}"))?,
	};
	if parts.next().is_some() {
		return Err(format!("expected PERIOD:DELTA[:CHANNEL], got {s:?}"));
	}
	Ok(Misstatement {
		period: p.trim().parse().map_err(|_| format!("bad period {p:?} in {s:?}"))?,
		delta: d.trim().parse().map_err(|_| format!("bad delta {d:?} in {s:?}"))?,
		channel,
	})
}

/// What `kgc bill` did.
#[derive(Debug, Default, Serialize)]
pub struct BillReport {
	/// The cycle.
	pub cycle: CycleIndex,
	/// Bills posted now: (meter, version posted, CID).
	pub billed: Vec<(MeterId, u32, String)>,
	/// Meters skipped because they already have a bill of the cycle.
	pub already_billed: usize,
	/// Meters skipped because no setup of the cycle covered them (registered after it, or
	/// suspended or retired for all of it): they have nothing to bill.
	pub not_covered: Vec<MeterId>,
	/// Meters not billed, and why (each on its own: the others are billed).
	pub failed: Vec<BillFailure>,
	/// `post_bills` transactions.
	pub transactions: usize,
	/// Seconds spent making, sealing and storing reports.
	pub make_secs: f64,
	/// Seconds spent posting.
	pub post_secs: f64,
}

impl std::fmt::Display for BillReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"cycle {}: {} bills posted in {} transactions ({} meters already billed, {} not \
			 covered by any setup of the cycle); made in {:.2} s, posted in {:.2} s",
			self.cycle,
			self.billed.len(),
			self.transactions,
			self.already_billed,
			self.not_covered.len(),
			self.make_secs,
			self.post_secs
		)?;
		for b in &self.failed {
			writeln!(f, "  meter {} NOT BILLED: {}", b.meter, b.reason)?;
		}
		Ok(())
	}
}

impl Output for BillReport {
	fn verdict(&self) -> Verdict {
		if self.failed.is_empty() {
			return Verdict::Done;
		}
		Verdict::Short(format!(
			"{} meter(s) not billed (the others were): run `kgc bill` again once fixed",
			self.failed.len()
		))
	}
}

/// A meter `kgc bill` could not bill.
#[derive(Debug, Clone, Serialize)]
pub struct BillFailure {
	/// The meter.
	pub meter: MeterId,
	/// Why, readable.
	pub reason: String,
}

/// A meter to bill: its store entry, the version its bill supersedes, the regions covering
/// each of its periods, its owner's key.
struct ToBill<'a> {
	meter: &'a crate::store::KgcMeter,
	supersede: Option<u32>,
	cover: BTreeMap<PeriodIndex, Vec<RegionId>>,
	owner_key: HpkePublicKey,
}

/// Bills `cycle` (PROTOCOL §4 step 7): per meter, find the periods a setup covered it in and
/// their regions, derive its PRIDs and masks, fetch its shares, estimate the periods without a
/// complete reading, price every period from the chain, render and seal the report to the
/// owner, store it, and post the CIDs and regions in batches. Resumable: meters billed already
/// are skipped, and so are meters no setup of the cycle covered. A meter that cannot be billed
/// (unregistered, an owner key no bill can be sealed to, a covered period not settled, an
/// entry the chain refuses) is reported in [`BillReport::failed`] and the others are billed.
pub async fn issue(
	chain: &Chain,
	kgc: &Keypair,
	dir: &StoreDir,
	content: &ContentStore,
	cycle: CycleIndex,
	opts: &BillOptions,
) -> Result<BillReport> {
	let store: KgcStore = dir.load_kgc()?;
	let genesis = chain.genesis();
	crate::store::same_chain("the store", &store.genesis, genesis.0)?;
	let time = finished_cycle(chain, cycle).await?;
	let mut report = BillReport { cycle, ..Default::default() };
	let started = std::time::Instant::now();
	let selected: Vec<_> = store
		.meters
		.iter()
		.filter(|m| opts.meters.is_empty() || opts.meters.contains(&m.meter))
		.collect();
	if selected.is_empty() {
		bail!("no meter of the store selected");
	}
	let mut cache = BTreeMap::new();
	let todo = billable(chain, &time, cycle, selected, opts, &mut cache, &mut report).await?;

	let bar = progress::bar(todo.len() as u64, "making bills");
	let (cache, bar_ref) = (&cache, &bar);
	let made: Vec<_> = futures::stream::iter(todo)
		.map(|b| async move {
			let made = make_bill(chain, &time, cycle, &b, cache, content, opts.misstate).await;
			bar_ref.inc(1);
			(b.meter.meter, b.supersede, made)
		})
		.buffered(CONCURRENCY)
		.collect()
		.await;
	let mut entries = Vec::new();
	let mut posted = BTreeMap::new();
	for (meter, supersede, made) in made {
		match made {
			Ok((cid, regions)) => {
				entries.push(rt::pallet_billing::types::BillEntry {
					meter,
					cycle,
					cid: BoundedVec(cid.to_bytes().to_vec()),
					digest: *cid.digest(),
					supersede,
					regions: BoundedVec(regions),
				});
				posted.insert(meter, (supersede.map_or(1, |v| v + 1), cid.to_string()));
			},
			Err(e) => report.failed.push(BillFailure { meter, reason: format!("{e:#}") }),
		}
	}
	bar.finish_and_clear();
	report.make_secs = started.elapsed().as_secs_f64();

	let started = std::time::Instant::now();
	post(chain, kgc, &entries, &mut posted, &mut report).await?;
	report.post_secs = started.elapsed().as_secs_f64();
	report.billed = posted.into_iter().map(|(meter, (v, cid))| (meter, v, cid)).collect();
	report.failed.sort_by_key(|f| f.meter);
	Ok(report)
}

/// The chain's time parameters, if `cycle` is over.
async fn finished_cycle(chain: &Chain, cycle: CycleIndex) -> Result<TimeParams> {
	let t = chain.time().await?;
	let time = t.started()?;
	let current = time.period_at(t.now_ms).context("chain time before the clock")?;
	if time.cycle_of(current) <= cycle {
		bail!(
			"cycle {cycle} is not finished (the chain is in period {current}, cycle {})",
			time.cycle_of(current)
		);
	}
	Ok(time)
}

/// The `selected` meters that can be billed for `cycle` now, with the periods and regions
/// that covered them; the others are counted or reported in `report`. Fills `cache` with the
/// regions' cycles.
async fn billable<'a>(
	chain: &Chain,
	time: &TimeParams,
	cycle: CycleIndex,
	selected: Vec<&'a crate::store::KgcMeter>,
	opts: &BillOptions,
	cache: &mut BTreeMap<RegionId, RegionCycle>,
	report: &mut BillReport,
) -> Result<Vec<ToBill<'a>>> {
	let at = chain.api.at_current_block().await?;
	// What the chain says of each meter (concurrent queries: latency, not work, dominates).
	let fetched: Vec<_> = futures::stream::iter(selected)
		.map(|m| {
			let at = at.clone();
			async move {
				let billed = at
					.runtime_apis()
					.call(runtime::runtime_apis().billing_api().bill(m.meter, cycle))
					.await?;
				let info = match at
					.storage()
					.try_fetch(runtime::storage().meters().meters(), (m.meter,))
					.await?
				{
					Some(v) => Some(v.decode()?),
					None => None,
				};
				anyhow::Ok((m, billed, info))
			}
		})
		.buffered(CONCURRENCY)
		.try_collect()
		.await?;
	let mut todo = Vec::new();
	for (m, billed, info) in fetched {
		let fail = |reason: String| BillFailure { meter: m.meter, reason };
		let Some(info) = info else {
			report.failed.push(fail("not registered on chain".into()));
			continue;
		};
		let supersede = match (&billed, opts.supersede) {
			(Some(_), false) => {
				report.already_billed += 1;
				continue;
			},
			(Some((v, _)), true) => Some(*v),
			(None, _) => None,
		};
		let owner_key = info.owner_key.0;
		if !owner_key.is_acceptable() {
			report.failed.push(fail(
				"the owner's key on chain is an X25519 point of small order: no bill can be \
				 sealed to it (set a new one with meters.set_owner_key)"
					.into(),
			));
			continue;
		}
		let spans: Vec<Span> = info.memberships.0.iter().map(span_of).collect();
		fetch_regions(chain, time, cycle, &span_regions(&spans), cache).await?;
		let cover = covering(&spans, cache);
		if cover.is_empty() {
			report.not_covered.push(m.meter);
			continue;
		}
		let unsettled = cover
			.iter()
			.flat_map(|(p, rs)| rs.iter().map(move |r| (*p, *r)))
			.find(|(p, r)| !cache[r].periods[p].settled);
		if let Some((p, r)) = unsettled {
			report.failed.push(fail(format!(
				"period {p} of region {r} is not sealed (pending, or faulted and not resolved): \
				 bill cycle {cycle} once every period is settled"
			)));
			continue;
		}
		todo.push(ToBill { meter: m, supersede, cover, owner_key });
	}
	Ok(todo)
}

/// Makes one meter's bill: its lines from its shares and the chain's prices, the report sealed
/// to its owner and stored. Returns the CID and the regions billed.
async fn make_bill(
	chain: &Chain,
	time: &TimeParams,
	cycle: CycleIndex,
	b: &ToBill<'_>,
	cache: &BTreeMap<RegionId, RegionCycle>,
	content: &ContentStore,
	misstate: Option<Misstatement>,
) -> Result<(RawCid, Vec<RegionId>)> {
	let m = b.meter;
	let genesis = chain.genesis();
	let secret = m.secret();
	let seeds = secret.cycle_seeds(cycle);
	let prids: BTreeMap<PeriodIndex, [Prid; 2]> = b
		.cover
		.keys()
		.map(|p| {
			let (share_a, share_b) = seeds.period_keys(time.leaf_of(*p)).prids();
			(*p, [share_a, share_b])
		})
		.collect();
	let periods = chain_periods(chain, &b.cover, &prids, cache).await?;
	let mut lines = lines_of(time, &secret, cycle, &periods)?;
	if let Some(m) = misstate {
		let line = lines.iter_mut().find(|l| l.period == m.period);
		if let Some(l) = line {
			let j = l.channels.iter().position(|c| c == m.channel.name());
			if let Some(v) = j.and_then(|j| l.values.get_mut(j)) {
				*v = v.saturating_add_signed(m.delta);
				l.amount = l.due();
			}
		}
	}
	let r = make_report(crate::store::genesis_hex(genesis.0), m.meter, cycle, lines);
	let json = serde_json::to_vec(&r)?;
	let info = bill_info(&sp_core::H256(genesis.0), &m.meter, cycle);
	let sealed = pbill::seal_bill(&b.owner_key, &info, &json)
		.map_err(|e| anyhow::anyhow!("sealing the report: {e:?}"))?;
	Ok((content.put(&sealed.bytes).await?, r.regions))
}

/// Posts `entries` in batches; the chain's refusals move their meters from `posted` to
/// `report.failed` (the batch's other entries are posted).
async fn post(
	chain: &Chain,
	kgc: &Keypair,
	entries: &[rt::pallet_billing::types::BillEntry],
	posted: &mut BTreeMap<MeterId, (u32, String)>,
	report: &mut BillReport,
) -> Result<()> {
	let max = chain.constant(runtime::constants().billing().max_bills_per_call()).await? as usize;
	let calls: Vec<_> = entries
		.chunks(max)
		.map(|c| runtime::tx().billing().post_bills(BoundedVec(c.to_vec())))
		.collect();
	let bar = progress::bar(calls.len() as u64, "posting bills");
	let events =
		chain.sign_and_finalize_all(&calls, kgc, || bar.inc(1)).await.context("posting bills")?;
	bar.finish_and_clear();
	let metadata = chain.api.at_current_block().await?.metadata();
	for e in events.iter().flat_map(|ev| ev.find::<runtime::billing::events::BillRefused>()) {
		let e = e?;
		posted.remove(&e.meter);
		let why = crate::chain::explain_event_dispatch(&metadata, &e.error);
		report.failed.push(BillFailure {
			meter: e.meter,
			reason: format!("the chain refused the bill: {why}"),
		});
	}
	report.transactions = calls.len();
	Ok(())
}

/// The owner's check of a bill.
#[derive(Debug, Serialize)]
pub struct Verification {
	/// Meter.
	pub meter: MeterId,
	/// Cycle.
	pub cycle: CycleIndex,
	/// The bill version checked (the latest).
	pub version: u32,
	/// Its CID.
	pub cid: String,
	/// Its status on chain.
	pub status: String,
	/// Lines in the report.
	pub lines: usize,
	/// The regions the chain billed.
	pub regions: Vec<RegionId>,
	/// Lines billed at an estimate.
	pub estimated_lines: usize,
	/// Σ estimates stated, Wh.
	pub estimated_wh: u64,
	/// Σ import billed stated (metered and estimated), Wh.
	pub total_wh: u64,
	/// Σ export stated, Wh.
	pub export_wh: u64,
	/// Σ µ-units stated (negative: a credit).
	pub total_amount: i64,
	/// What does not hold, each naming its line; empty: verified.
	pub problems: Vec<String>,
	/// Where the page was written (only when the report could be opened).
	pub html: Option<String>,
	/// The report, once every line of it verified (for exports: `owner export`).
	#[serde(skip)]
	pub report: Option<Report>,
}

impl Verification {
	/// Every check passed.
	pub fn verified(&self) -> bool {
		self.problems.is_empty()
	}
}

impl Verification {
	/// The problems, one line each.
	pub fn problem_lines(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		for p in &self.problems {
			writeln!(f, "  NOT VERIFIED: {p}")?;
		}
		Ok(())
	}

	/// What was done with this bill because it verified (`done`, e.g. "acknowledged"), or
	/// that it does not verify, `nothing` was done, and why.
	pub fn then(
		&self,
		f: &mut std::fmt::Formatter<'_>,
		done: Option<&str>,
		nothing: &str,
	) -> std::fmt::Result {
		let (meter, cycle, version) = (self.meter, self.cycle, self.version);
		match done {
			Some(done) => {
				writeln!(f, "meter {meter} cycle {cycle}: bill v{version} verified and {done}")
			},
			None => {
				writeln!(
					f,
					"meter {meter} cycle {cycle}: bill v{version} does not verify; {nothing}"
				)?;
				self.problem_lines(f)
			},
		}
	}
}

impl std::fmt::Display for Verification {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"meter {} cycle {}: bill v{} {} ({}), regions {:?}, {} lines ({} estimated, {} Wh), \
			 import {} Wh, export {} Wh, amount {} µ",
			self.meter,
			self.cycle,
			self.version,
			self.cid,
			self.status,
			self.regions,
			self.lines,
			self.estimated_lines,
			self.estimated_wh,
			self.total_wh,
			self.export_wh,
			self.total_amount
		)?;
		self.problem_lines(f)?;
		if self.verified() {
			writeln!(f, "  verified against the chain")?;
		}
		if let Some(h) = &self.html {
			writeln!(f, "  page: {h}")?;
		}
		Ok(())
	}
}

/// Exit status 2 unless every line verifies.
impl Output for Verification {
	fn verdict(&self) -> Verdict {
		Verdict::done_if(self.verified())
	}
}

/// Finds, fetches, opens and checks the bill of (meter, cycle) against the chain (PROTOCOL §4
/// step 8); writes its page to `out` if it could be opened. Errors only when the check cannot
/// even start (no bill, node unreachable); everything a report gets wrong is a problem.
pub async fn verify(
	chain: &Chain,
	owner: &BillKey,
	content: &ContentStore,
	cycle: CycleIndex,
	out: Option<&std::path::Path>,
) -> Result<Verification> {
	let meter = owner.meter;
	let genesis = chain.genesis();
	let at = chain.api.at_current_block().await?;
	let (version, record) = at
		.runtime_apis()
		.call(runtime::runtime_apis().billing_api().bill(meter, cycle))
		.await?
		.with_context(|| format!("meter {meter} has no bill for cycle {cycle} on chain"))?;
	let bill = BillFacts {
		version,
		cid: record.cid.0.to_string(),
		digest: hex32(&record.digest),
		regions: record.regions.0.clone(),
		status: format!("{:?}", record.status)
			.split(['(', ' ', '{'])
			.next()
			.unwrap_or_default()
			.to_string(),
	};
	let mut v = Verification {
		meter,
		cycle,
		version,
		cid: bill.cid.clone(),
		status: bill.status.clone(),
		lines: 0,
		regions: bill.regions.clone(),
		estimated_lines: 0,
		estimated_wh: 0,
		total_wh: 0,
		export_wh: 0,
		total_amount: 0,
		problems: Vec::new(),
		html: None,
		report: None,
	};
	// The bytes unchecked: `open_report` checks them against the CID, as the portal does.
	let opened = match content.get_raw(&record.cid.0).await {
		Ok(bytes) => open_report(&owner.hpke_secret.0, genesis.0, meter, cycle, &bill, &bytes),
		Err(e) => Err(format!("report: {e:#}")),
	};
	let report = match opened {
		Ok(r) => r,
		Err(problem) => {
			v.problems.push(problem);
			return Ok(v);
		},
	};
	v.lines = report.lines.len();
	v.estimated_lines = report.lines.iter().filter(|l| l.estimate.is_some()).count();
	v.estimated_wh = report.estimated_wh;
	v.total_wh = report.total_wh;
	v.export_wh = report.export_wh;
	v.total_amount = report.total_amount;
	let facts = chain_facts(&at, genesis.0, meter, cycle, bill).await?;
	v.problems = check_report(&at, &report, facts).await?;
	// The page is the KGC's: it reaches the owner's disk (private to them) only once every
	// line of it has been checked.
	if v.problems.is_empty() {
		if let Some(out) = out {
			crate::store::write_private(out, report.html.as_bytes())?;
			v.html = Some(out.display().to_string());
		}
		v.report = Some(report);
	}
	Ok(v)
}

/// The chain's facts about `meter`'s bill of `cycle` at `at`, without the shares (the first
/// round of the check).
pub async fn chain_facts(
	at: &AtBlock,
	genesis: [u8; 32],
	meter: MeterId,
	cycle: CycleIndex,
	bill: BillFacts,
) -> Result<ChainFacts> {
	let info = at.runtime_apis().call(runtime::runtime_apis().readings_api().time()).await?;
	let time = info.params.map(|p| p.0).context("the chain's clock has not started")?;
	let spans = spans_at(at, meter).await?;
	let mut regions = Vec::new();
	for r in spans.as_deref().map(span_regions).unwrap_or_default() {
		regions.push(region_facts(at, &time, r, cycle).await?);
	}
	Ok(ChainFacts {
		genesis: hex32(&genesis),
		meter: Dec(meter),
		cycle,
		bill,
		time: time.into(),
		spans,
		regions,
		shares: Vec::new(),
	})
}

/// Every check of an opened report against the chain (`gridmask_bill::facts::check`, after
/// reading the shares at its PRIDs); the problems found, each naming its line.
async fn check_report(at: &AtBlock, r: &Report, mut facts: ChainFacts) -> Result<Vec<String>> {
	let queries = share_queries(r, &facts).map_err(anyhow::Error::msg)?;
	let shares = Chain::shares_at(at, &queries).await?;
	facts.shares = queries
		.iter()
		.zip(shares)
		.map(|((region, period, prid), s)| ShareFact {
			region: *region,
			period: *period,
			prid: hex32(&prid.0),
			masked: s.map(|s| s.masked.0.into_iter().map(Dec).collect()),
		})
		.collect();
	check(r, &facts).map_err(anyhow::Error::msg)
}

/// The owner's answer to a bill: each names the version it answers, which the chain refuses
/// (`WrongVersion`) unless it is still the latest.
#[derive(Clone, Debug)]
pub enum Answer {
	/// Accept this version.
	Acknowledge(u32),
	/// Contest this version for a reason.
	Dispute {
		/// The version.
		version: u32,
		/// Why (UTF-8).
		reason: String,
	},
}

/// The latest version of the bill of (meter, cycle) on chain.
pub async fn latest_version(chain: &Chain, meter: MeterId, cycle: CycleIndex) -> Result<u32> {
	posted_version(chain, meter, cycle)
		.await?
		.with_context(|| format!("meter {meter} has no bill for cycle {cycle} on chain"))
}

/// The latest version of the bill of (meter, cycle) on chain, if one was posted.
pub async fn posted_version(
	chain: &Chain,
	meter: MeterId,
	cycle: CycleIndex,
) -> Result<Option<u32>> {
	let at = chain.api.at_current_block().await?;
	let apis = at.runtime_apis();
	let bill = apis.call(runtime::runtime_apis().billing_api().bill(meter, cycle)).await?;
	Ok(bill.map(|(version, _)| version))
}

/// Sends the owner's answer; returns the version the chain recorded it for.
pub async fn answer(
	chain: &Chain,
	owner: &OwnerFile,
	cycle: CycleIndex,
	answer: Answer,
) -> Result<u32> {
	let signer = Keypair::from_secret_key(owner.account_seed.0).context("owner key")?;
	let events = match answer {
		Answer::Dispute { version, reason } => {
			let call = runtime::tx().billing().dispute(
				owner.meter,
				cycle,
				version,
				BoundedVec(reason.into_bytes()),
			);
			chain.sign_and_finalize(&call, &signer).await?
		},
		Answer::Acknowledge(version) => {
			let call = runtime::tx().billing().acknowledge(owner.meter, cycle, version);
			chain.sign_and_finalize(&call, &signer).await?
		},
	};
	if let Some(e) = events.find_first::<runtime::billing::events::BillDisputed>() {
		return Ok(e?.version);
	}
	let e = events
		.find_first::<runtime::billing::events::BillAcknowledged>()
		.context("no BillAcknowledged event")??;
	Ok(e.version)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn misstatements_parse_with_an_optional_channel() {
		let m = |period, delta, channel| Misstatement { period, delta, channel };
		assert_eq!(parse_misstatement("12:100"), Ok(m(12, 100, ChannelKind::ImportWh)));
		assert_eq!(parse_misstatement("12:-5:export_wh"), Ok(m(12, -5, ChannelKind::ExportWh)));
		assert!(parse_misstatement("12:1:watts").unwrap_err().contains("unknown channel"));
		assert!(parse_misstatement("12").is_err());
	}
}
