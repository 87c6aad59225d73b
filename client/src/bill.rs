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
	chain::{runtime, runtime_types as rt, Chain},
	content::ContentStore,
	output::{Output, Verdict},
	progress,
	store::{BillKey, KgcStore, OwnerFile, StoreDir},
};
use anyhow::{bail, Context, Result};
use futures::{StreamExt, TryStreamExt};
use gridmask_primitives::{
	bill::{self as pbill, bill_info, HpkePublicKey, HpkeSecretKey},
	cid::RawCid,
	time::TimeParams,
	ChannelKind, CycleIndex, MasterSecret, MeterId, PeriodIndex, Prid, RegionId,
};
use serde::Serialize;
use sha2::Digest;
use std::collections::BTreeMap;
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

pub use gridmask_bill::{
	amount, estimates, line_amount, make_report, pick_region, render_html, Basis, Estimate, Line,
	LineStatus, PeriodFacts, Report, REPORT_FORMAT,
};
use gridmask_bill::{
	chain::{
		channel_names, covering, facts_of, span_regions, unmask, ChainPeriod, Masked, Price,
		PriceSource, RegionCycle, RegionPeriod, Span,
	},
	check::{completeness_problems, header_problems, line_prids, lines_problems, total_problems},
	report::{hex32, mean_per_meter},
};

/// A period's prices as the chain records them.
fn price_of(p: &rt::pallet_pricing::types::PriceRecord) -> Price {
	let source = match p.source {
		rt::pallet_pricing::types::PriceSource::Tariff { version } => {
			PriceSource::Tariff { version }
		},
		rt::pallet_pricing::types::PriceSource::Override => PriceSource::Override,
	};
	Price { price: p.price, export_price: p.export_price, source }
}

async fn region_cycle(
	chain: &Chain,
	time: &TimeParams,
	region: RegionId,
	cycle: CycleIndex,
) -> Result<RegionCycle> {
	use rt::pallet_readings::types::{PeriodOutcome as O, PeriodPhase as P};
	let at = chain.api.at_current_block().await?;
	let first = cycle.checked_mul(time.periods_per_cycle).context("cycle out of range")?;
	let last = first + (time.periods_per_cycle - 1);
	let tariffs = Chain::tariffs_at(&at, region).await?;
	let shape = crate::chain::region_at(&at, region).await?.shape.0;
	let shape = shape.iter().map(crate::chain::channel_kind).collect();
	let mut periods = BTreeMap::new();
	for p in first..=last {
		let st = at
			.runtime_apis()
			.call(runtime::runtime_apis().readings_api().period_state(region, p))
			.await?;
		let Some(setup) = st.setup else { continue };
		// Sealed, with an aggregate or without (withheld, void): priced either way.
		let settled = matches!(st.phase, P::Done(O::Sealed { .. } | O::Withheld { .. } | O::Void));
		let regional_mean = match st.phase {
			P::Done(O::Sealed { aggregates, count }) => {
				aggregates.0.first().copied().flatten().and_then(|a| mean_per_meter(a, count / 2))
			},
			_ => None,
		};
		// The tariff in effect: the latest version whose first period is not after `p`
		// (versions' first periods never decrease).
		let band = tariffs.iter().rev().find(|(_, t)| t.effective_from <= p).map(|(v, t)| {
			let t = &t.tariff;
			let pod = pallet_pricing::types::period_of_day(t.day_periods, t.day_offset, p);
			let index = t.bands.0.partition_point(|(start, _)| *start <= pod).saturating_sub(1);
			(*v, index as u32)
		});
		periods.insert(
			p,
			RegionPeriod {
				epoch: setup.epoch,
				settled,
				channels: setup.z.0.len(),
				facts: PeriodFacts { band, regional_mean },
			},
		);
	}
	let prices = Chain::price_series_at(&at, region, first, last).await?;
	let prices = prices.iter().map(|(p, r)| (*p, price_of(r))).collect();
	Ok(RegionCycle { shape, periods, prices })
}

/// A membership span as the chain keeps it.
fn span_of(s: &rt::pallet_meters::types::Membership) -> Span {
	Span { region: s.region, from: s.from, until: s.until }
}

/// The meter's spans on chain (`None`: not registered).
async fn spans_of(chain: &Chain, meter: MeterId) -> Result<Option<Vec<Span>>> {
	let at = chain.api.at_current_block().await?;
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
	for r in regions {
		if !cache.contains_key(r) {
			let rc = region_cycle(chain, time, *r, cycle).await?;
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
	let mut queries = Vec::new();
	for (p, regions) in cover {
		let Some([a, b]) = prids.get(p) else { continue };
		for r in regions {
			queries.push((*r, *p, *a));
			queries.push((*r, *p, *b));
		}
	}
	let shares = chain.shares(&queries).await?;
	let found: BTreeMap<(RegionId, PeriodIndex, Prid), Masked> =
		queries.iter().zip(shares).filter_map(|(q, s)| s.map(|s| (*q, s.masked.0))).collect();
	let mut out = BTreeMap::new();
	for (p, regions) in cover {
		let Some([a, b]) = prids.get(p) else { continue };
		let at = |r: RegionId| [found.get(&(r, *p, *a)).cloned(), found.get(&(r, *p, *b)).cloned()];
		let candidates: Vec<(RegionId, usize)> =
			regions.iter().map(|r| (*r, at(*r).iter().filter(|s| s.is_some()).count())).collect();
		let region = pick_region(&candidates);
		let rc = &cache[&region];
		out.insert(
			*p,
			ChainPeriod {
				region,
				shape: rc.shape_of(region, *p).map_err(anyhow::Error::msg)?,
				shares: at(region),
				price: rc.prices.get(p).cloned(),
				facts: rc.periods.get(p).map(|rp| rp.facts).unwrap_or_default(),
			},
		);
	}
	Ok(out)
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
	let cid = record.cid.0;
	let mut v = Verification {
		meter,
		cycle,
		version,
		cid: cid.to_string(),
		status: format!("{:?}", record.status)
			.split(['(', ' ', '{'])
			.next()
			.unwrap_or_default()
			.to_string(),
		lines: 0,
		regions: record.regions.0.clone(),
		estimated_lines: 0,
		estimated_wh: 0,
		total_wh: 0,
		export_wh: 0,
		total_amount: 0,
		problems: Vec::new(),
		html: None,
		report: None,
	};
	let bytes = match content.get(&cid).await {
		Ok(b) => b,
		Err(e) => {
			v.problems.push(format!("report: {e:#}"));
			return Ok(v);
		},
	};
	let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
	if digest != record.digest {
		v.problems.push(format!(
			"report: its sha2-256 digest {} is not the one on chain {}",
			hex32(&digest),
			hex32(&record.digest)
		));
		return Ok(v);
	}
	let plain = match pbill::open_bill(
		&HpkeSecretKey(owner.hpke_secret.0),
		&bill_info(&sp_core::H256(genesis.0), &meter, cycle),
		&cid,
		&bytes,
	) {
		Ok(p) => p,
		Err(e) => {
			v.problems.push(format!(
				"report {cid}: cannot be opened as meter {meter}'s bill of cycle {cycle} with \
				 the owner's key ({e:?}): it is not this bill"
			));
			return Ok(v);
		},
	};
	let report: Report = match serde_json::from_slice(&plain) {
		Ok(r) => r,
		Err(e) => {
			v.problems.push(format!("report: not a {REPORT_FORMAT} document: {e}"));
			return Ok(v);
		},
	};
	v.lines = report.lines.len();
	v.estimated_lines = report.lines.iter().filter(|l| l.estimate.is_some()).count();
	v.estimated_wh = report.estimated_wh;
	v.total_wh = report.total_wh;
	v.export_wh = report.export_wh;
	v.total_amount = report.total_amount;
	v.problems = check_report(chain, &report, genesis, meter, cycle, &record.regions.0).await?;
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

/// Every check of an opened report against the chain; the problems found, each naming its line.
async fn check_report(
	chain: &Chain,
	r: &Report,
	genesis: subxt::utils::H256,
	meter: MeterId,
	cycle: CycleIndex,
	billed_regions: &[RegionId],
) -> Result<Vec<String>> {
	let mut problems = header_problems(r, genesis.0, meter, cycle, billed_regions);
	let time = chain.time().await?.started()?;
	let Some(spans) = spans_of(chain, meter).await? else {
		problems.push(format!("meter {meter} is not registered on chain"));
		return Ok(problems);
	};
	let mut cache = BTreeMap::new();
	fetch_regions(chain, &time, cycle, &span_regions(&spans), &mut cache).await?;
	let cover = covering(&spans, &cache);
	problems.extend(completeness_problems(r, &cover, meter, cycle));
	let prids = match line_prids(r) {
		Ok(prids) => prids,
		Err(problem) => {
			problems.push(problem);
			return Ok(problems);
		},
	};
	let periods = chain_periods(chain, &cover, &prids, &cache).await?;
	problems.extend(lines_problems(r, &time, &periods));
	problems.extend(total_problems(r));
	Ok(problems)
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
	use gridmask_bill::{
		check::line_problems,
		page::{other_channels_text, reading_text},
		report::mean,
	};

	fn line(period: u32, wh: u64, price: u64) -> Line {
		Line {
			period,
			start_ms: 1_000 * u64::from(period),
			region: 1,
			prids: [hex32(&[1; 32]), hex32(&[2; 32])],
			channels: vec!["import_wh".into()],
			masks: vec![[3, 4]],
			status: LineStatus::Metered,
			values: vec![wh],
			estimate: None,
			price: Some(price),
			export_price: Some(0),
			price_source: Some("tariff v1".into()),
			amount: amount(wh, price) as i64,
		}
	}

	/// A prosumer's line: import and export at 200_000 and 80_000 µ/kWh.
	fn prosumer_line(period: u32, import: u64, export: u64) -> Line {
		let mut l = line(period, import, 200_000);
		l.channels = vec!["import_wh".into(), "export_wh".into()];
		l.masks = vec![[3, 4], [5, 6]];
		l.values = vec![import, export];
		l.export_price = Some(80_000);
		l.amount = l.due();
		l
	}

	#[test]
	fn amounts_round_half_up() {
		assert_eq!(amount(1000, 200_000), 200_000);
		assert_eq!(amount(1, 1_500), 2);
		assert_eq!(amount(1, 1_499), 1);
		assert_eq!(amount(u64::MAX, u64::MAX), u64::MAX);
	}

	#[test]
	fn report_totals_and_page_follow_the_lines() {
		let r = make_report("0x00".into(), 7, 2, vec![line(20, 500, 200_000), line(21, 250, 100)]);
		assert_eq!(r.total_wh, 750);
		assert_eq!(r.total_amount, 100_000 + 25);
		assert!(r.html.starts_with("<!DOCTYPE html>") && r.html.contains("<svg"));
		assert!(r.html.contains("<tr data-period=\"21\">"), "{}", r.html);
		// Reads like a bill: the total first, in the chain's currency, periods by their time.
		assert!(
			r.html.contains(
				"Total to pay</h2><p class=\"total\" data-amount=\"100025\">0.100025 GMT</p>"
			),
			"{}",
			r.html
		);
		assert!(r
			.html
			.contains("<time datetime=\"1970-01-01T00:00:21Z\">1970-01-01 00:00:21 UTC</time>"));
		assert!(r.html.contains("0.000100 GMT/kWh") && r.html.contains("0.250 kWh"));
		assert!(
			r.html.find("Total to pay") < r.html.find("<svg"),
			"the total comes before the chart"
		);
		assert!(r.html.find("<details>") > r.html.find("<table>"), "PRIDs are in the details");
		// Deterministic, and sensitive to every line.
		assert_eq!(render_html(&r), r.html);
		let mut changed = r.clone();
		changed.lines[1].values[0] += 1;
		assert_ne!(render_html(&changed), r.html);
		// A JSON round trip keeps everything.
		let back: Report = serde_json::from_slice(&serde_json::to_vec(&r).unwrap()).unwrap();
		assert_eq!(back, r);
	}

	fn silent(period: u32, region: RegionId) -> Line {
		Line { status: LineStatus::Silent, values: Vec::new(), region, ..line(period, 0, 100) }
	}

	/// Bands: periods 0–1 of every day of 4 are band (1, 0), 2–3 band (1, 1); region 2 has no
	/// tariff. Regional means: 40 Wh in region 1, 70 Wh in region 2.
	fn facts(region: RegionId, p: PeriodIndex) -> PeriodFacts {
		PeriodFacts {
			band: (region == 1).then_some((1, (p % 4) / 2)),
			regional_mean: Some(if region == 1 { 40 } else { 70 }),
		}
	}

	#[test]
	fn estimates_follow_the_rules_in_order() {
		let at = |wh: u64, basis| Some(Estimate { wh, basis });
		// Own band first: band 0 has 100 and 201 (mean 150.5 → 151), band 1 has 10.
		let lines = vec![
			line(0, 100, 1),
			line(1, 201, 1),
			line(2, 10, 1),
			silent(4, 1),
			silent(6, 1),
			Line { status: LineStatus::Partial, ..silent(7, 1) },
		];
		assert_eq!(
			estimates(&lines, facts),
			vec![None, None, None, at(151, Basis::Band), at(10, Basis::Band), at(10, Basis::Band)]
		);
		// No metered period in the band: the meter's mean over the bill (100, 201 → 151).
		let lines = vec![line(0, 100, 1), line(1, 201, 1), silent(2, 1)];
		assert_eq!(estimates(&lines, facts)[2], at(151, Basis::Cycle));
		// A region without a tariff has no band: the meter's mean again, from any region.
		let lines = vec![line(0, 100, 1), silent(1, 2)];
		assert_eq!(estimates(&lines, facts)[1], at(100, Basis::Cycle));
		// Nothing metered: the region's mean of the period; without one, no basis.
		let lines = vec![silent(0, 1), silent(1, 2)];
		assert_eq!(estimates(&lines, facts), vec![at(40, Basis::Region), at(70, Basis::Region)]);
		let none = |_: RegionId, _: PeriodIndex| PeriodFacts::default();
		assert_eq!(estimates(&lines, none), vec![at(0, Basis::None), at(0, Basis::None)]);
		// A metered line in another region's band does not count for this one's band.
		let lines = vec![Line { region: 3, ..line(0, 500, 1) }, line(1, 7, 1), silent(4, 1)];
		let same_band =
			|_: RegionId, _: PeriodIndex| PeriodFacts { band: Some((1, 0)), regional_mean: None };
		assert_eq!(estimates(&lines, same_band)[2], at(7, Basis::Band));
	}

	#[test]
	fn an_estimated_line_is_billed_and_shown_as_estimated() {
		let mut est = silent(21, 1);
		est.estimate = Some(Estimate { wh: 300, basis: Basis::Cycle });
		est.amount = est.due();
		let r = make_report("0x00".into(), 7, 2, vec![line(20, 500, 100), est]);
		assert_eq!((r.metered_wh, r.estimated_wh, r.total_wh), (500, 300, 800));
		assert_eq!(r.total_amount, (amount(500, 100) + amount(300, 100)) as i64);
		assert!(
			r.html.contains("Estimated: no reading received (your average over this bill)"),
			"{}",
			r.html
		);
		assert!(r.html.contains("url(#est)"));
	}

	#[test]
	fn the_region_with_more_shares_then_the_later_membership_wins() {
		assert_eq!(pick_region(&[(1, 0)]), 1);
		assert_eq!(pick_region(&[(1, 2), (2, 0)]), 1);
		assert_eq!(pick_region(&[(1, 1), (2, 2)]), 2);
		assert_eq!(pick_region(&[(1, 0), (2, 0)]), 2);
		assert_eq!(pick_region(&[(2, 1), (1, 1)]), 1);
	}

	#[test]
	fn means_round_half_up() {
		assert_eq!(mean([1u64, 2].into_iter()), Some(2));
		assert_eq!(mean([1u64, 1, 2].into_iter()), Some(1));
		assert_eq!(mean(std::iter::empty()), None);
		assert_eq!(mean([u64::MAX, u64::MAX].into_iter()), Some(u64::MAX));
		assert_eq!(mean_per_meter(7, 2), Some(4));
		assert_eq!(mean_per_meter(7, 0), None);
	}

	#[test]
	fn periods_are_billed_where_a_setup_covered_the_meter() {
		let span = |region, from, until| Span { region, from, until };
		let rc = |periods: &[(PeriodIndex, u32)]| RegionCycle {
			periods: periods
				.iter()
				.map(|(p, epoch)| {
					let facts = Default::default();
					(*p, RegionPeriod { epoch: *epoch, settled: true, channels: 1, facts })
				})
				.collect(),
			shape: vec![ChannelKind::ImportWh],
			prices: BTreeMap::new(),
		};
		// In region 1 for its epochs 1 and 2, then in region 2 from its epoch 5.
		let spans = [span(1, 1, Some(3)), span(2, 5, None)];
		let mut cache = BTreeMap::new();
		// Region 1's setups: periods 10, 11 built for epoch 2 (covered), 12 for epoch 3 (after
		// the move: not), 9 for epoch 0 (before it joined: not).
		cache.insert(1, rc(&[(9, 0), (10, 2), (11, 2), (12, 3)]));
		// Region 2's: 11 built for epoch 5 (a setup published after the move for a period whose
		// region-1 setup was published before it: both cover it), 12 and 13 covered, 10 not.
		cache.insert(2, rc(&[(10, 4), (11, 5), (12, 5), (13, 6)]));
		let cover = covering(&spans, &cache);
		let expected: BTreeMap<PeriodIndex, Vec<RegionId>> =
			[(10, vec![1]), (11, vec![1, 2]), (12, vec![2]), (13, vec![2])].into_iter().collect();
		assert_eq!(cover, expected);
		// A region the meter was never in covers nothing; nor does an unknown region.
		cache.insert(3, rc(&[(10, 1)]));
		assert_eq!(covering(&spans, &cache), expected);
		assert!(covering(&[span(4, 0, None)], &cache).is_empty());
	}

	#[test]
	fn a_prosumer_line_nets_export_at_the_feed_in_price_and_a_bill_can_be_a_credit() {
		// Midday: 100 Wh in, 1,500 Wh out; evening: 700 Wh in, nothing out.
		let noon = prosumer_line(10, 100, 1_500);
		let evening = prosumer_line(11, 700, 0);
		assert_eq!((noon.import_wh(), noon.export_wh()), (100, 1_500));
		assert_eq!(noon.amount, 20_000 - 120_000);
		assert_eq!(evening.amount, 140_000);
		let r = make_report("0x00".into(), 7, 2, vec![noon.clone(), evening.clone()]);
		assert_eq!((r.total_wh, r.export_wh, r.total_amount), (800, 1_500, 40_000));
		let r = make_report("0x00".into(), 7, 2, vec![noon.clone()]);
		assert_eq!(r.total_amount, -100_000);
		assert!(r.html.contains("Total: a credit to you</h2><p class=\"total credit\" data-amount=\"-100000\">-0.100000 GMT</p>"), "{}", r.html);
		assert!(r.html.contains("export 1500 Wh</title>"), "the chart shows the export");
		assert_eq!(total_problems(&r), Vec::<String>::new());
		// A consumer's line in an import-only region shows no export column value.
		let consumer = make_report("0x00".into(), 8, 2, vec![line(10, 100, 200_000)]);
		assert!(
			consumer.html.contains("<td class=\"nw\">0.100 kWh</td><td class=\"nw\">–</td>"),
			"{}",
			consumer.html
		);
		// An estimated period of a prosumer earns no credit.
		let mut silent = prosumer_line(12, 0, 0);
		(silent.status, silent.values) = (LineStatus::Silent, Vec::new());
		silent.estimate = Some(Estimate { wh: 400, basis: Basis::Cycle });
		assert_eq!(silent.due(), 80_000);
		assert_eq!(
			reading_text(&silent),
			"Estimated: no reading received (your average over this bill; no export credit)"
		);
		// Other channels are shown, not priced.
		let mut four = prosumer_line(13, 100, 50);
		four.channels.extend(["max_demand_w".into(), "reactive_varh".into()]);
		four.values.extend([400, 33]);
		assert_eq!(four.due(), prosumer_line(13, 100, 50).due());
		assert_eq!(other_channels_text(&four), "maximum demand 400 W; reactive energy 33 varh");
	}

	#[test]
	fn a_misstated_channel_is_named_with_its_line() {
		let shape = vec![ChannelKind::ImportWh, ChannelKind::ExportWh];
		let c = ChainPeriod {
			region: 1,
			shape: shape.clone(),
			shares: [Some(vec![1, 2]), Some(vec![3, 4])],
			price: None,
			facts: Default::default(),
		};
		let truth = prosumer_line(10, 100, 1_500);
		let mut stated = truth.clone();
		stated.values[1] += 100;
		stated.amount = stated.due();
		let problems = line_problems(&stated, &truth, None, &c);
		assert!(
			problems[0].starts_with(
				"line for period 10, channel export_wh: states 1600 Wh but \
			                         its shares unmask to 1500 Wh"
			),
			"{problems:?}"
		);
		// A line whose channels are not the region's is refused as a whole.
		let mut wrong = truth.clone();
		wrong.channels.truncate(1);
		let c = ChainPeriod {
			region: 1,
			shape,
			shares: [None, None],
			price: None,
			facts: Default::default(),
		};
		let problems = line_problems(&wrong, &truth, None, &c);
		assert_eq!(problems.len(), 1);
		assert!(problems[0].contains("channels [\"import_wh\"] with masks for 2"), "{problems:?}");
		// A line dated other than the chain's clock dates its period.
		let mut early = truth.clone();
		early.start_ms += 60_000;
		let c = ChainPeriod {
			region: 1,
			shape: vec![ChannelKind::ImportWh, ChannelKind::ExportWh],
			shares: [Some(vec![1, 2]), Some(vec![3, 4])],
			price: None,
			facts: Default::default(),
		};
		let dated = |l: &Line| {
			line_problems(l, &truth, None, &c)
				.into_iter()
				.filter(|p| p.contains("starts at"))
				.count()
		};
		assert_eq!((dated(&early), dated(&truth)), (1, 0));
	}

	#[test]
	fn unmasking_recovers_every_channel() {
		use gridmask_primitives::mask::mask;
		let masks = [[11u64, 22], [33, 44]];
		let (a, b) = ([mask(60, 11), mask(0, 33)], [mask(40, 22), mask(7, 44)]);
		let shares = [Some(a.to_vec()), Some(b.to_vec())];
		assert_eq!(unmask(&shares, &masks), (LineStatus::Metered, vec![100, 7]));
		assert_eq!(unmask(&[None, Some(b.to_vec())], &masks).0, LineStatus::Partial);
		assert_eq!(unmask(&[None, None], &masks), (LineStatus::Silent, vec![]));
	}

	#[test]
	fn misstatements_parse_with_an_optional_channel() {
		let m = |period, delta, channel| Misstatement { period, delta, channel };
		assert_eq!(parse_misstatement("12:100"), Ok(m(12, 100, ChannelKind::ImportWh)));
		assert_eq!(parse_misstatement("12:-5:export_wh"), Ok(m(12, -5, ChannelKind::ExportWh)));
		assert!(parse_misstatement("12:1:watts").unwrap_err().contains("unknown channel"));
		assert!(parse_misstatement("12").is_err());
	}
}
