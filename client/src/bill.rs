//! Bills (PROTOCOL §4 steps 7–8): the KGC's monthly report per meter, and the owner's check of
//! it against the chain.
//!
//! **The report** (format `gridmask-bill/v3`) is JSON: the meter, the cycle, the regions it was
//! metered in, one line per period of the cycle whose setup covered the meter, totals, and
//! `html`, a self-contained page (an SVG chart of import, export and prices per period, a table
//! of the lines) rendered from the lines by [`render_html`]. A line states its region, the
//! channels of the region's readings (PROTOCOL §3a: `import_wh`, then e.g. `export_wh`), the
//! meter's two PRIDs of the period, per channel the two masks `H3(z, j)`, `H3(z', j)` and the
//! value they unmask, the region's import and export (feed-in) prices (µ-units per kWh, from
//! the chain) and the amount
//!
//! `round(import Wh × price / 1000) − round(export Wh × export price / 1000)` µ-units,
//!
//! negative for a prosumer that exported more than it paid for: a line, and a bill, can be a
//! credit. Channels other than import and export (maximum demand, reactive energy) are shown,
//! not priced: no tariff of `pallet-pricing` prices them.
//!
//! **Which periods, which region.** A period is on the bill when a setup covered the meter:
//! the setup of some region the meter has been in, built for a membership epoch in which the
//! meter was active there (`Meter.memberships` on chain). A meter moved during the cycle has
//! periods in several regions, each priced in its own; a suspended or retired meter has no
//! line for the periods it was not expected in. Where two regions' setups covered the same
//! period (setups published ahead of a move), the line is in the one holding more of the
//! meter's shares, else the later membership ([`pick_region`]).
//!
//! **Estimates (validation, estimation, editing).** A period without a complete reading
//! (neither share, or one of two) is never billed at zero: it is billed at an estimate,
//! flagged as such on the line and the page, by the first rule that applies
//! ([`estimates`]):
//! 1. `band`: the mean of the meter's metered periods of this bill in the same tariff band
//!    (same region, same tariff version, same time-of-day band);
//! 2. `cycle`: the mean of all the meter's metered periods of this bill;
//! 3. `region`: the region's mean per complete reading in that period (its published aggregate
//!    over the meters that sent both shares);
//! 4. `none`: no basis (nothing metered, no published aggregate): 0 Wh, flagged for the
//!    utility to follow up (a field visit; the meter is suspended after repeated silence).
//!
//! Estimates are of import only: a period without a complete reading earns no export credit
//! (a credit is paid for export the chain confirms, never for an estimate of it).
//!
//! Means are rounded half up to whole Wh. Every input is on chain or in the verified lines, so
//! the owner recomputes each estimate and refuses a wrong one.
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
	mask::recover,
	time::TimeParams,
	ChannelKind, CycleIndex, MasterSecret, MeterId, PeriodIndex, Prid, RegionId,
};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::{
	collections::{BTreeMap, BTreeSet},
	fmt::Write as _,
};
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

/// The report format this client writes and reads.
pub const REPORT_FORMAT: &str = "gridmask-bill/v3";

/// What a line says about the meter's shares in its period.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
	/// Both shares are on chain: every channel's value is theirs, unmasked.
	Metered,
	/// Neither share is on chain: the period is billed at an estimate.
	Silent,
	/// One share of two: the consumption is unknown; the period is billed at an estimate.
	Partial,
}

/// The rule an estimate comes from (see the module docs), in the order they are tried.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
	/// The meter's mean over its metered periods of the bill in the same tariff band.
	Band,
	/// The meter's mean over all its metered periods of the bill.
	Cycle,
	/// The region's mean per complete reading in the period.
	Region,
	/// Nothing to estimate from: 0 Wh, for the utility to follow up.
	None,
}

/// The import a line without a complete reading is billed at.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Estimate {
	/// Estimated import, Wh.
	pub wh: u64,
	/// The rule it comes from.
	pub basis: Basis,
}

/// One period of a bill.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
	/// The period.
	pub period: PeriodIndex,
	/// Its start, ms since the Unix epoch.
	pub start_ms: u64,
	/// The region whose setup covered the meter in the period (its prices apply).
	pub region: RegionId,
	/// The meter's PRIDs of the period (`0x…`): share A, share B.
	pub prids: [String; 2],
	/// The channels every reading of the region carries, by name ([`ChannelKind::name`]), in
	/// the order of its shape: `import_wh` first.
	pub channels: Vec<String>,
	/// Per channel, the masks `H3(z, j)`, `H3(z', j)` of the two shares.
	pub masks: Vec<[u64; 2]>,
	/// What the chain holds at the PRIDs.
	pub status: LineStatus,
	/// Per channel, the metered value (in the channel's unit); empty unless metered.
	pub values: Vec<u64>,
	/// The import estimate the period is billed at (exactly when it is not metered).
	pub estimate: Option<Estimate>,
	/// The region's import price of the period, µ-units per kWh (`None`: not priced).
	pub price: Option<u64>,
	/// The region's export (feed-in) price of the period, µ-units per kWh (`None`: not
	/// priced).
	pub export_price: Option<u64>,
	/// Where the prices come from: `tariff v<N>` or `override`.
	pub price_source: Option<String>,
	/// What the line costs, µ-units: [`line_amount`] of its import billed and export; negative
	/// for a credit.
	pub amount: i64,
}

impl Line {
	/// The metered value of channel `kind` (0 if not metered or not in the region's shape).
	pub fn value(&self, kind: ChannelKind) -> u64 {
		self.channels
			.iter()
			.position(|c| c == kind.name())
			.and_then(|j| self.values.get(j))
			.copied()
			.unwrap_or(0)
	}

	/// Metered import, Wh (0 unless metered).
	pub fn import_wh(&self) -> u64 {
		self.value(ChannelKind::ImportWh)
	}

	/// Metered export, Wh (0 unless metered: an estimated period earns no credit).
	pub fn export_wh(&self) -> u64 {
		self.value(ChannelKind::ExportWh)
	}

	/// The import billed: the metered import, or the estimate.
	pub fn billed_wh(&self) -> u64 {
		self.estimate.map_or(self.import_wh(), |e| e.wh)
	}

	/// What the line must cost, from its import billed, its export and its prices.
	pub fn due(&self) -> i64 {
		line_amount(self.billed_wh(), self.price, self.export_wh(), self.export_price)
	}
}

/// A bill report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
	/// [`REPORT_FORMAT`].
	pub format: String,
	/// The chain (`0x…` genesis hash).
	pub genesis: String,
	/// The meter billed.
	pub meter: MeterId,
	/// The regions of its lines, ascending (the chain records the same).
	pub regions: Vec<RegionId>,
	/// The cycle billed.
	pub cycle: CycleIndex,
	/// One line per covered period of the cycle, ascending.
	pub lines: Vec<Line>,
	/// Σ metered import, Wh.
	pub metered_wh: u64,
	/// Σ import estimates, Wh.
	pub estimated_wh: u64,
	/// Σ import billed (metered and estimated), Wh.
	pub total_wh: u64,
	/// Σ metered export, Wh (credited at the export prices).
	pub export_wh: u64,
	/// Σ amounts, µ-units; negative: the bill is a credit.
	pub total_amount: i64,
	/// The page rendered from all of the above ([`render_html`]).
	pub html: String,
}

/// The amount of `wh` at `price` µ-units per kWh, in µ-units, rounded half up.
pub fn amount(wh: u64, price: u64) -> u64 {
	((u128::from(wh) * u128::from(price) + 500) / 1000).min(u128::from(u64::MAX)) as u64
}

/// The amount of a line: `import` Wh at `price` less `export` Wh at `export_price` (each
/// [`amount`]; no price: nothing), µ-units.
pub fn line_amount(import: u64, price: Option<u64>, export: u64, export_price: Option<u64>) -> i64 {
	let charge = i128::from(price.map_or(0, |p| amount(import, p)));
	let credit = i128::from(export_price.map_or(0, |p| amount(export, p)));
	(charge - credit).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// The mean of `values` rounded half up, or `None` for none.
fn mean(values: impl Iterator<Item = u64>) -> Option<u64> {
	let (sum, n) = values.fold((0u128, 0u128), |(s, n), v| (s + u128::from(v), n + 1));
	(n > 0).then(|| ((sum + n / 2) / n) as u64)
}

/// What the chain says of one (region, period) that estimates use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodFacts {
	/// The period's time-of-day band: (tariff version in effect, index of its band), if the
	/// region has a tariff in effect.
	pub band: Option<(u32, u32)>,
	/// The region's import per complete reading of the period, Wh, rounded half up: its
	/// published import aggregate over `count / 2` meters (`None`: no aggregate published).
	pub regional_mean: Option<u64>,
}

/// The estimate of every line that is not metered (`None` for metered lines), by the rules of
/// the module docs, from the metered lines' import and the chain's `facts`.
pub fn estimates(
	lines: &[Line],
	facts: impl Fn(RegionId, PeriodIndex) -> PeriodFacts,
) -> Vec<Option<Estimate>> {
	let metered: Vec<(&Line, PeriodFacts)> = lines
		.iter()
		.filter(|l| l.status == LineStatus::Metered)
		.map(|l| (l, facts(l.region, l.period)))
		.collect();
	lines
		.iter()
		.map(|l| {
			if l.status == LineStatus::Metered {
				return None;
			}
			let own = facts(l.region, l.period);
			let band = own.band.and_then(|band| {
				mean(
					metered
						.iter()
						.filter(|(m, f)| m.region == l.region && f.band == Some(band))
						.map(|(m, _)| m.import_wh()),
				)
			});
			let estimate = match band {
				Some(wh) => Estimate { wh, basis: Basis::Band },
				None => match mean(metered.iter().map(|(m, _)| m.import_wh())) {
					Some(wh) => Estimate { wh, basis: Basis::Cycle },
					None => match own.regional_mean {
						Some(wh) => Estimate { wh, basis: Basis::Region },
						None => Estimate { wh: 0, basis: Basis::None },
					},
				},
			};
			Some(estimate)
		})
		.collect()
}

/// Which of the regions whose setups covered a period the line belongs to: the one holding
/// more of the meter's shares of the period, then the later membership. `candidates` are
/// (region, shares present) in membership order; never empty.
pub fn pick_region(candidates: &[(RegionId, usize)]) -> RegionId {
	candidates
		.iter()
		.enumerate()
		.max_by_key(|(i, (_, present))| (*present, *i))
		.map(|(_, (region, _))| *region)
		.unwrap_or_default()
}

fn hex32(b: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(b))
}

fn parse_prid(s: &str) -> Option<Prid> {
	crate::store::parse_hex32(s).ok().map(Prid)
}

/// One set-up period of a region's cycle.
struct RegionPeriod {
	/// The membership epoch its setup was built for: it covered the meters active then.
	epoch: u32,
	/// Sealed, withheld or void: its price is final.
	settled: bool,
	/// The number of channels its setup was built for (its `Z` per channel).
	channels: usize,
	/// What estimates use.
	facts: PeriodFacts,
}

/// What the chain says about one region's cycle: its shape, its set-up periods and their
/// prices.
struct RegionCycle {
	shape: Vec<ChannelKind>,
	periods: BTreeMap<PeriodIndex, RegionPeriod>,
	prices: BTreeMap<PeriodIndex, rt::pallet_pricing::types::PriceRecord>,
}

impl RegionCycle {
	/// The channels of period `p`'s readings: the region's shape, if the period's setup was
	/// built for it (a shape changed since is an error: the chain keeps only the current one).
	fn shape_of(&self, region: RegionId, p: PeriodIndex) -> Result<Vec<ChannelKind>> {
		let channels = self.periods.get(&p).map_or(self.shape.len(), |rp| rp.channels);
		if channels != self.shape.len() {
			bail!(
				"region {region}'s shape changed after the setup of period {p} ({channels} \
				 channels then, {} now): its channels cannot be named",
				self.shape.len()
			);
		}
		Ok(self.shape.clone())
	}
}

fn price_source(p: &rt::pallet_pricing::types::PriceRecord) -> String {
	match p.source {
		rt::pallet_pricing::types::PriceSource::Tariff { version } => format!("tariff v{version}"),
		rt::pallet_pricing::types::PriceSource::Override => "override".into(),
	}
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
	let prices = Chain::price_series_at(&at, region, first, last).await?.into_iter().collect();
	Ok(RegionCycle { shape, periods, prices })
}

/// `aggregate / meters` rounded half up (`None` for no meter).
fn mean_per_meter(aggregate: u64, meters: u32) -> Option<u64> {
	let n = u128::from(meters);
	(n > 0).then(|| ((u128::from(aggregate) + n / 2) / n) as u64)
}

/// A meter's membership span as the chain keeps it.
type Span = rt::pallet_meters::types::Membership;

/// The meter's spans on chain (`None`: not registered).
async fn spans_of(chain: &Chain, meter: MeterId) -> Result<Option<Vec<Span>>> {
	let at = chain.api.at_current_block().await?;
	Ok(match at.storage().try_fetch(runtime::storage().meters().meters(), (meter,)).await? {
		Some(v) => Some(v.decode()?.memberships.0),
		None => None,
	})
}

/// The regions a meter's spans name, each once, in first-seen order.
fn span_regions(spans: &[Span]) -> Vec<RegionId> {
	let mut out = Vec::new();
	for s in spans {
		if !out.contains(&s.region) {
			out.push(s.region);
		}
	}
	out
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

/// For each period of the cycle that some setup covered the meter in: the regions of those
/// setups (usually one), in membership order. A setup covers the meter when it was built for
/// an epoch of its region in which one of the meter's spans there was open.
fn covering(
	spans: &[Span],
	cache: &BTreeMap<RegionId, RegionCycle>,
) -> BTreeMap<PeriodIndex, Vec<RegionId>> {
	let mut out: BTreeMap<PeriodIndex, Vec<RegionId>> = BTreeMap::new();
	for s in spans {
		let Some(rc) = cache.get(&s.region) else { continue };
		for (p, rp) in &rc.periods {
			if s.from <= rp.epoch && s.until.is_none_or(|u| rp.epoch < u) {
				// A region's spans never overlap, so a region covers a period through one
				// span; the list keeps membership order for the tie rule.
				let regions = out.entry(*p).or_default();
				regions.retain(|r| *r != s.region);
				regions.push(s.region);
			}
		}
	}
	out
}

/// The masked values of a share, one per channel.
type Masked = Vec<u64>;

/// The chain side of one covered period of a meter, given its PRIDs: the region picked, its
/// channels, the shares there, and that region's prices and facts.
struct ChainPeriod {
	region: RegionId,
	shape: Vec<ChannelKind>,
	shares: [Option<Masked>; 2],
	price: Option<rt::pallet_pricing::types::PriceRecord>,
	facts: PeriodFacts,
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
				shape: rc.shape_of(region, *p)?,
				shares: at(region),
				price: rc.prices.get(p).cloned(),
				facts: rc.periods.get(p).map(|rp| rp.facts).unwrap_or_default(),
			},
		);
	}
	Ok(out)
}

/// What the shares say: status and, if both are there, each channel's value under its
/// `masks` (as many values as both shares and the masks have channels).
fn unmask(shares: &[Option<Masked>; 2], masks: &[[u64; 2]]) -> (LineStatus, Vec<u64>) {
	match shares {
		[Some(a), Some(b)] => (
			LineStatus::Metered,
			a.iter().zip(b).zip(masks).map(|((a, b), m)| recover(*a, *b, m[0], m[1])).collect(),
		),
		[None, None] => (LineStatus::Silent, Vec::new()),
		_ => (LineStatus::Partial, Vec::new()),
	}
}

/// The names of `shape`'s channels, as lines state them.
fn channel_names(shape: &[ChannelKind]) -> Vec<String> {
	shape.iter().map(|k| k.name().to_string()).collect()
}

/// The facts of each (region, period) of `periods`, for [`estimates`].
fn facts_of(
	periods: &BTreeMap<PeriodIndex, ChainPeriod>,
) -> impl Fn(RegionId, PeriodIndex) -> PeriodFacts + '_ {
	move |region, p| {
		periods.get(&p).filter(|c| c.region == region).map(|c| c.facts).unwrap_or_default()
	}
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
			price_source: c.price.as_ref().map(price_source),
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

/// The regions of `lines`, ascending, each once.
fn regions_of(lines: &[Line]) -> Vec<RegionId> {
	lines.iter().map(|l| l.region).collect::<BTreeSet<_>>().into_iter().collect()
}

/// Makes a report from its lines: regions, totals and page.
pub fn make_report(genesis: String, meter: MeterId, cycle: CycleIndex, lines: Vec<Line>) -> Report {
	let mut r = Report {
		format: REPORT_FORMAT.into(),
		genesis,
		meter,
		regions: regions_of(&lines),
		cycle,
		metered_wh: lines.iter().map(Line::import_wh).sum(),
		estimated_wh: lines.iter().filter_map(|l| l.estimate).map(|e| e.wh).sum(),
		total_wh: lines.iter().map(Line::billed_wh).sum(),
		export_wh: lines.iter().map(Line::export_wh).sum(),
		total_amount: total_amount(&lines),
		lines,
		html: String::new(),
	};
	r.html = render_html(&r);
	r
}

/// Formats µ-units as currency units with 6 decimals (a leading `-` for a credit).
fn money(micro: i64) -> String {
	let sign = if micro < 0 { "-" } else { "" };
	let m = micro.unsigned_abs();
	format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

/// Σ of the lines' amounts, µ-units (saturating).
fn total_amount(lines: &[Line]) -> i64 {
	lines.iter().fold(0i64, |t, l| t.saturating_add(l.amount))
}

/// How the page names a line's reading.
fn reading_text(l: &Line) -> String {
	match l.estimate {
		None => "metered".into(),
		Some(e) => {
			let why =
				if l.status == LineStatus::Partial { "one share of two" } else { "no reading" };
			let basis = match e.basis {
				Basis::Band => "own mean, same tariff band",
				Basis::Cycle => "own mean, this bill",
				Basis::Region => "region's mean",
				Basis::None => "no basis: 0 Wh, to be followed up",
			};
			let exports = l.channels.iter().any(|c| c == ChannelKind::ExportWh.name());
			let credit = if exports { "; no export credit" } else { "" };
			format!("ESTIMATED ({why}; {basis}{credit})")
		},
	}
}

/// The channels of a line other than import and export, as the page shows them (`–`: none).
fn other_channels_text(l: &Line) -> String {
	let shown: Vec<String> = l
		.channels
		.iter()
		.zip(&l.values)
		.filter_map(|(name, v)| {
			let k = ChannelKind::from_name(name)?;
			(!matches!(k, ChannelKind::ImportWh | ChannelKind::ExportWh))
				.then(|| format!("{name} {v} {}", k.unit()))
		})
		.collect();
	if shown.is_empty() {
		"–".into()
	} else {
		shown.join("; ")
	}
}

fn or_dash(v: Option<u64>) -> String {
	v.map_or("–".into(), |v| v.to_string())
}

/// The report's page: self-contained HTML (no scripts, no external resources) with an SVG
/// chart (bars up: import per period, estimated ones hatched grey; bars down: export; lines:
/// import price, export price dashed) and the table of lines. Deterministic: the owner's tool
/// re-renders it to check the page says what the lines say. `html` itself is not read.
pub fn render_html(r: &Report) -> String {
	let (w, h, pad) = (720.0_f64, 260.0_f64, 40.0_f64);
	let n = r.lines.len().max(1) as f64;
	let max_up = r.lines.iter().map(Line::billed_wh).max().unwrap_or(0);
	let max_down = r.lines.iter().map(Line::export_wh).max().unwrap_or(0);
	let prices = r.lines.iter().flat_map(|l| [l.price, l.export_price]).flatten();
	let max_price = prices.max().unwrap_or(0).max(1) as f64;
	// One Wh scale for both directions; the axis splits the plot in their proportion.
	let span = max_up.saturating_add(max_down).max(1) as f64;
	let plot = h - 2.0 * pad;
	let axis = if max_down == 0 { h - pad } else { pad + plot * max_up as f64 / span };
	let bw = (w - 2.0 * pad) / n;
	let mut svg = String::new();
	let _ = write!(
		svg,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
		 viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"import, export and prices per \
		 period\"><defs><pattern id=\"est\" width=\"6\" height=\"6\" \
		 patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" \
		 height=\"6\" fill=\"#ddd\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999\" \
		 stroke-width=\"3\"/></pattern></defs>"
	);
	let _ = write!(
		svg,
		"<line x1=\"{pad}\" y1=\"{axis:.1}\" x2=\"{x2}\" y2=\"{axis:.1}\" stroke=\"#444\"/>",
		x2 = w - pad
	);
	// One bar of a period: `y` its top, `height` its length, `title` what a hover shows.
	let bar_width = (bw * 0.8).max(1.0);
	let bar = |svg: &mut String, x: f64, y: f64, height: f64, fill: &str, title: String| {
		let _ = write!(
			svg,
			"<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" height=\"{height:.1}\" \
			 fill=\"{fill}\"><title>{title}</title></rect>"
		);
	};
	let (mut import_points, mut export_points) = (Vec::new(), Vec::new());
	for (i, l) in r.lines.iter().enumerate() {
		let x = pad + i as f64 * bw;
		let up = plot * l.billed_wh() as f64 / span;
		let (fill, what) =
			if l.estimate.is_some() { ("url(#est)", "estimated") } else { ("#4a90d9", "metered") };
		let title = format!("period {} import {} Wh {what}", l.period, l.billed_wh());
		bar(&mut svg, x, axis - up, up, fill, title);
		if l.export_wh() > 0 {
			let down = plot * l.export_wh() as f64 / span;
			let title = format!("period {} export {} Wh", l.period, l.export_wh());
			bar(&mut svg, x, axis, down, "#5cb85c", title);
		}
		let py = |p: u64| h - pad - plot * p as f64 / max_price;
		if let Some(p) = l.price {
			import_points.push(format!("{:.1},{:.1}", x + bw * 0.4, py(p)));
		}
		if let Some(p) = l.export_price.filter(|_| l.channels.len() > 1) {
			export_points.push(format!("{:.1},{:.1}", x + bw * 0.4, py(p)));
		}
	}
	for (points, style) in [
		(import_points, "stroke=\"#d9534f\""),
		(export_points, "stroke=\"#2e7d32\" stroke-dasharray=\"4 3\""),
	] {
		if !points.is_empty() {
			let _ = write!(
				svg,
				"<polyline points=\"{}\" fill=\"none\" {style} stroke-width=\"2\"/>",
				points.join(" ")
			);
		}
	}
	let _ = write!(
		svg,
		"<text x=\"{pad}\" y=\"20\" font-size=\"12\">bars up: import Wh (hatched: estimated); \
		 bars down: export Wh (max {max_up} up, {max_down} down); lines: import price, export \
		 price dashed, µ/kWh (max {max_price})</text></svg>"
	);

	let mut rows = String::new();
	for l in &r.lines {
		let export = match l.channels.iter().any(|c| c == ChannelKind::ExportWh.name()) {
			true => l.export_wh().to_string(),
			false => "–".into(),
		};
		let _ = write!(
			rows,
			"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{export}</td>\
			 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
			l.period,
			l.start_ms,
			l.region,
			reading_text(l),
			l.billed_wh(),
			other_channels_text(l),
			or_dash(l.price),
			or_dash(l.export_price),
			l.price_source.as_deref().unwrap_or("–"),
			money(l.amount),
		);
	}
	let regions: Vec<String> = r.regions.iter().map(|x| x.to_string()).collect();
	let credit = if r.total_amount < 0 { " (a credit)" } else { "" };
	format!(
		"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
		 <title>gridmask bill: meter {m}, cycle {c}</title>\
		 <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
		 td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body>\
		 <h1>Meter {m}: cycle {c}</h1>\
		 <p>Region {reg}. Chain {g}. Import {wh} Wh ({mwh} Wh metered, {ewh} Wh estimated), \
		 export {xwh} Wh; total {amt} (currency units){credit}.</p>{svg}\
		 <table><tr><th>period</th><th>start (ms)</th><th>region</th><th>reading</th>\
		 <th>import Wh</th><th>export Wh</th><th>other channels</th><th>price µ/kWh</th>\
		 <th>export price µ/kWh</th><th>source</th><th>amount</th></tr>{rows}</table>\
		 <p>Every line can be checked against the chain: <code>gridmask owner bill</code>.</p>\
		 </body></html>",
		m = r.meter,
		c = r.cycle,
		reg = regions.join(", "),
		g = r.genesis,
		wh = r.total_wh,
		mwh = r.metered_wh,
		ewh = r.estimated_wh,
		xwh = r.export_wh,
		amt = money(r.total_amount),
	)
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
		let spans = info.memberships.0;
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
	let mut problems = header_problems(r, genesis, meter, cycle, billed_regions);
	let time = chain.time().await?.started()?;
	let Some(spans) = spans_of(chain, meter).await? else {
		problems.push(format!("meter {meter} is not registered on chain"));
		return Ok(problems);
	};
	let mut cache = BTreeMap::new();
	fetch_regions(chain, &time, cycle, &span_regions(&spans), &mut cache).await?;
	let cover = covering(&spans, &cache);
	problems.extend(completeness_problems(r, &cover, meter, cycle));

	// Lines against the chain.
	let mut prids = BTreeMap::new();
	for l in &r.lines {
		match (parse_prid(&l.prids[0]), parse_prid(&l.prids[1])) {
			(Some(a), Some(b)) => {
				prids.insert(l.period, [a, b]);
			},
			_ => {
				problems.push(format!("line for period {}: malformed PRIDs", l.period));
				return Ok(problems);
			},
		}
	}
	let periods = chain_periods(chain, &cover, &prids, &cache).await?;
	// The lines as the chain has them: what estimates are computed from.
	let mut truth = r.lines.clone();
	for l in truth.iter_mut() {
		if let Some(c) = periods.get(&l.period) {
			(l.status, l.values) = unmask(&c.shares, &l.masks);
			l.region = c.region;
			l.channels = channel_names(&c.shape);
			l.start_ms = time.period_start(l.period).unwrap_or_default();
		}
	}
	let expected_estimates = estimates(&truth, facts_of(&periods));
	for ((l, t), est) in r.lines.iter().zip(&truth).zip(expected_estimates) {
		if let Some(c) = periods.get(&l.period) {
			problems.extend(line_problems(l, t, est, c));
		}
	}
	problems.extend(total_problems(r));
	Ok(problems)
}

/// What does not hold in the report's header: its format, chain, meter, cycle and regions.
fn header_problems(
	r: &Report,
	genesis: subxt::utils::H256,
	meter: MeterId,
	cycle: CycleIndex,
	billed_regions: &[RegionId],
) -> Vec<String> {
	let mut problems = Vec::new();
	if r.format != REPORT_FORMAT {
		problems.push(format!("header: format {:?}, expected {REPORT_FORMAT:?}", r.format));
	}
	if !crate::store::is_genesis(&r.genesis, genesis.0) || r.meter != meter || r.cycle != cycle {
		problems.push(format!(
			"header: the report is for chain {} meter {} cycle {}, not this bill",
			r.genesis, r.meter, r.cycle
		));
	}
	if r.regions != billed_regions {
		problems.push(format!(
			"header: regions {:?} but the chain billed regions {billed_regions:?}",
			r.regions
		));
	}
	if r.regions != regions_of(&r.lines) {
		problems.push(format!(
			"header: regions {:?} but the lines are in {:?}",
			r.regions,
			regions_of(&r.lines)
		));
	}
	problems
}

/// Completeness: a line for exactly the periods a setup covered the meter in, once each.
fn completeness_problems(
	r: &Report,
	cover: &BTreeMap<PeriodIndex, Vec<RegionId>>,
	meter: MeterId,
	cycle: CycleIndex,
) -> Vec<String> {
	let mut problems = Vec::new();
	let mut seen = BTreeSet::new();
	for l in &r.lines {
		if !cover.contains_key(&l.period) {
			problems.push(format!(
				"line for period {}: no setup of cycle {cycle} covered meter {meter} then",
				l.period
			));
		}
		if !seen.insert(l.period) {
			problems.push(format!("line for period {}: appears more than once", l.period));
		}
	}
	for p in cover.keys() {
		if !seen.contains(p) {
			problems
				.push(format!("period {p}: a setup covered the meter but the bill has no line"));
		}
	}
	problems
}

/// What does not hold in line `l` against the chain's facts `c` of its period: `t` is the
/// line as the shares on chain unmask, `est` the estimate the rule gives.
fn line_problems(l: &Line, t: &Line, est: Option<Estimate>, c: &ChainPeriod) -> Vec<String> {
	let p = l.period;
	if l.region != c.region {
		return vec![format!(
			"line for period {p}: region {} but the setup that covered the meter is region {}'s",
			l.region, c.region
		)];
	}
	if l.channels != t.channels || l.masks.len() != t.channels.len() {
		return vec![format!(
			"line for period {p}: channels {:?} with masks for {} but region {}'s readings \
			 carry {:?}",
			l.channels,
			l.masks.len(),
			c.region,
			t.channels
		)];
	}
	if t.status != l.status {
		return vec![format!(
			"line for period {p}: says {:?} but the chain holds {} of its 2 shares",
			l.status,
			c.shares.iter().filter(|s| s.is_some()).count()
		)];
	}
	let mut problems = Vec::new();
	// The page shows the period by its start: it must be the chain's.
	if l.start_ms != t.start_ms {
		problems.push(format!(
			"line for period {p}: starts at {} but the chain's clock starts it at {}",
			crate::datetime::rfc3339(l.start_ms),
			crate::datetime::rfc3339(t.start_ms)
		));
	}
	let stated = |j: usize| l.values.get(j).map_or("no value".into(), |v| v.to_string());
	for (j, name) in t.channels.iter().enumerate() {
		if l.values.get(j) != t.values.get(j) {
			let unit = ChannelKind::from_name(name).map_or("", |k| k.unit());
			let truth = t.values.get(j).map_or("no value".into(), |v| format!("{v} {unit}"));
			problems.push(format!(
				"line for period {p}, channel {name}: states {} {unit} but its shares unmask to \
				 {truth}",
				stated(j)
			));
		}
	}
	if l.values.len() > t.values.len() {
		problems.push(format!(
			"line for period {p}: states {} values but its shares unmask to {}",
			l.values.len(),
			t.values.len()
		));
	}
	if l.estimate != est {
		let show = |e: Option<Estimate>| {
			e.map_or("none".to_string(), |e| format!("{} Wh ({:?})", e.wh, e.basis))
		};
		problems.push(format!(
			"line for period {p}: estimate {} but the rule gives {}",
			show(l.estimate),
			show(est)
		));
	}
	let chain_price = c.price.as_ref();
	let prices = |pr: Option<&rt::pallet_pricing::types::PriceRecord>| {
		(pr.map(|c| c.price), pr.map(|c| c.export_price))
	};
	if prices(chain_price) != (l.price, l.export_price) {
		let (price, export) = prices(chain_price);
		problems.push(format!(
			"line for period {p}: prices {:?} (import), {:?} (export) but the chain's are \
			 {price:?}, {export:?}",
			l.price, l.export_price
		));
	} else if chain_price.map(price_source) != l.price_source {
		problems.push(format!(
			"line for period {p}: price source {:?} but the chain's is {:?}",
			l.price_source,
			chain_price.map(price_source)
		));
	}
	let due = l.due();
	if l.amount != due {
		problems.push(format!(
			"line for period {p}: amount {} but {} Wh imported at {:?} µ/kWh less {} Wh \
			 exported at {:?} µ/kWh is {due}",
			l.amount,
			l.billed_wh(),
			l.price,
			l.export_wh(),
			l.export_price
		));
	}
	problems
}

/// What does not hold in the totals and the page.
fn total_problems(r: &Report) -> Vec<String> {
	let mut problems = Vec::new();
	let sums = [
		("metered import", r.metered_wh, r.lines.iter().map(Line::import_wh).sum::<u64>()),
		(
			"estimated import",
			r.estimated_wh,
			r.lines.iter().filter_map(|l| l.estimate).map(|e| e.wh).sum(),
		),
		("total import", r.total_wh, r.lines.iter().map(Line::billed_wh).sum()),
		("export", r.export_wh, r.lines.iter().map(Line::export_wh).sum()),
	];
	for (what, stated, sum) in sums {
		if stated != sum {
			problems.push(format!("totals: {stated} Wh {what} stated, the lines add up to {sum}"));
		}
	}
	let amt = total_amount(&r.lines);
	if amt != r.total_amount {
		problems
			.push(format!("totals: amount {} stated, the lines add up to {amt}", r.total_amount));
	}
	if r.html != render_html(r) {
		problems.push("page: the HTML is not the rendering of the lines".into());
	}
	problems
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
		assert!(r.html.contains("<td>21</td>"));
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
		assert!(r.html.contains("ESTIMATED (no reading; own mean, this bill)"), "{}", r.html);
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
		assert!(r.html.contains("total -0.100000 (currency units) (a credit)"), "{}", r.html);
		assert!(r.html.contains("export 1500 Wh</title>"), "the chart shows the export");
		assert_eq!(total_problems(&r), Vec::<String>::new());
		// A consumer's line in an import-only region shows no export column value.
		let consumer = make_report("0x00".into(), 8, 2, vec![line(10, 100, 200_000)]);
		assert!(consumer.html.contains("<td>100</td><td>–</td>"), "{}", consumer.html);
		// An estimated period of a prosumer earns no credit.
		let mut silent = prosumer_line(12, 0, 0);
		(silent.status, silent.values) = (LineStatus::Silent, Vec::new());
		silent.estimate = Some(Estimate { wh: 400, basis: Basis::Cycle });
		assert_eq!(silent.due(), 80_000);
		assert_eq!(
			reading_text(&silent),
			"ESTIMATED (no reading; own mean, this bill; no export credit)"
		);
		// Other channels are shown, not priced.
		let mut four = prosumer_line(13, 100, 50);
		four.channels.extend(["max_demand_w".into(), "reactive_varh".into()]);
		four.values.extend([400, 33]);
		assert_eq!(four.due(), prosumer_line(13, 100, 50).due());
		assert_eq!(other_channels_text(&four), "max_demand_w 400 W; reactive_varh 33 varh");
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
