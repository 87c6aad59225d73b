//! The owner's check as one function of plain data: [`ChainFacts`] is everything the check
//! reads from the chain, in the form both readers produce (the client over subxt, the portal
//! over polkadot.js, as JSON); [`open_report`] and [`check`] are the check itself. The page and
//! the CLI therefore cannot disagree about a bill: they differ only in how they fetch.
//!
//! The check reads in two rounds: the bill, the clock, the meter's spans and its regions'
//! cycles, then the shares at the report's PRIDs ([`share_queries`]).
//!
//! In JSON every u64 that can exceed 2^53 (meter ids, masked values, aggregates, prices) is a
//! decimal string ([`Dec`]): JavaScript numbers would round them.

use alloc::{
	collections::BTreeMap,
	format,
	string::{String, ToString},
	vec::Vec,
};
use gridmask_primitives::{
	bill::{self as pbill, bill_info, HpkeSecretKey},
	cid::{RawCid, MAX_REPORT_BYTES},
	time::{period_of_day, TimeParams},
	ChannelKind, CycleIndex, MeterId, PeriodIndex, Prid, RegionId,
};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::{
	chain::{
		covering, span_regions, ChainPeriod, Masked, Price, PriceSource, RegionCycle, RegionPeriod,
		Span,
	},
	check::{completeness_problems, header_problems, line_prids, lines_problems, total_problems},
	report::{hex32, mean_per_meter, parse_hex32, pick_region, PeriodFacts, Report, REPORT_FORMAT},
};

/// A u64 that travels in JSON as a decimal string (and is read from a string or a number).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dec(pub u64);

impl Serialize for Dec {
	fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.collect_str(&self.0)
	}
}

impl<'de> Deserialize<'de> for Dec {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		struct V;
		impl serde::de::Visitor<'_> for V {
			type Value = Dec;
			fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
				f.write_str("a u64 as a decimal string")
			}
			fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
				Ok(Dec(v))
			}
			fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
				v.parse().map(Dec).map_err(|_| E::custom(format!("{v:?} is not a u64")))
			}
		}
		d.deserialize_any(V)
	}
}

/// The bill on chain (`BillingApi_bill`): its latest version and record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillFacts {
	/// The version.
	pub version: u32,
	/// The report's CID (CIDv1, raw, sha2-256).
	pub cid: String,
	/// The report's sha2-256 digest, `0x…`.
	pub digest: String,
	/// The regions billed.
	pub regions: Vec<RegionId>,
	/// Its status (`Posted`, `Acknowledged`, `Disputed`, …), for display.
	pub status: String,
}

/// The chain's clock (`ReadingsApi_time`'s parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeFacts {
	/// When period 0 starts, ms (0: the clock has not started).
	pub genesis_start_ms: u64,
	/// A period's length, ms.
	pub period_ms: u64,
	/// Periods per cycle.
	pub periods_per_cycle: u32,
	/// The reading window, ms.
	pub window_ms: u64,
}

impl From<TimeParams> for TimeFacts {
	fn from(t: TimeParams) -> Self {
		Self {
			genesis_start_ms: t.genesis_start_ms,
			period_ms: t.period_ms,
			periods_per_cycle: t.periods_per_cycle,
			window_ms: t.window_ms,
		}
	}
}

impl TimeFacts {
	/// The parameters, once the clock has started and they are valid.
	pub fn params(&self) -> Result<TimeParams, String> {
		let t = TimeParams {
			genesis_start_ms: self.genesis_start_ms,
			period_ms: self.period_ms,
			periods_per_cycle: self.periods_per_cycle,
			window_ms: self.window_ms,
		};
		t.validate().map_err(|e| format!("the chain's time parameters are invalid: {e:?}"))?;
		t.started().ok_or_else(|| "the chain's clock has not started".to_string())
	}
}

/// One period of a region's cycle that has a setup (`ReadingsApi_period_state`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFact {
	/// The period.
	pub period: PeriodIndex,
	/// The membership epoch its setup was built for.
	pub epoch: u32,
	/// The channels its setup was built for (its `Z` per channel).
	pub channels: u32,
	/// The outcome's name once the period is done (`Sealed`, `Withheld`, `Void`, `Faulted`,
	/// …), else `None`.
	pub outcome: Option<String>,
	/// Sealed: the region's import total (`None`: withheld).
	pub aggregate: Option<Dec>,
	/// Sealed: the shares received.
	pub count: u32,
}

/// A tariff version of a region (`PricingApi_tariffs`): what a period's band depends on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffFact {
	/// The version.
	pub version: u32,
	/// Its first period.
	pub effective_from: PeriodIndex,
	/// Periods per day.
	pub day_periods: u32,
	/// Offset of period 0 into its day.
	pub day_offset: u32,
	/// Each band's first period of the day, ascending.
	pub band_starts: Vec<u32>,
}

/// Where a period's prices come from, as the facts state it: `{"tariff": v}` or `"override"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFact {
	/// Tariff version.
	Tariff(u32),
	/// Set by the control centre.
	Override,
}

/// A period's price record (`PricingApi_price_series`), µ-units per kWh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceFact {
	/// The period.
	pub period: PeriodIndex,
	/// Import.
	pub price: Dec,
	/// Export.
	pub export_price: Dec,
	/// Source.
	pub source: SourceFact,
}

/// What the chain says of one region during the cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionFacts {
	/// The region.
	pub region: RegionId,
	/// Its channels (the `ChannelKind` variant names, or their report names).
	pub shape: Vec<String>,
	/// The cycle's periods that have a setup.
	pub periods: Vec<PeriodFact>,
	/// Every tariff version, oldest first.
	pub tariffs: Vec<TariffFact>,
	/// The cycle's price records.
	pub prices: Vec<PriceFact>,
}

/// A channel kind by its variant name (`ImportWh`, as polkadot.js names it) or its report
/// name (`import_wh`).
pub fn channel_kind(name: &str) -> Result<ChannelKind, String> {
	ChannelKind::ALL
		.into_iter()
		.find(|k| k.name() == name || variant_name(*k) == name)
		.ok_or_else(|| format!("unknown channel kind {name:?}"))
}

fn variant_name(k: ChannelKind) -> &'static str {
	match k {
		ChannelKind::ImportWh => "ImportWh",
		ChannelKind::ExportWh => "ExportWh",
		ChannelKind::MaxDemandW => "MaxDemandW",
		ChannelKind::ReactiveVarh => "ReactiveVarh",
	}
}

impl RegionFacts {
	/// The region's cycle as the check uses it: for each set-up period whether it is settled,
	/// the regional mean and the tariff band estimates use, and its prices.
	pub fn cycle(&self) -> Result<RegionCycle, String> {
		let shape = self.shape.iter().map(|n| channel_kind(n)).collect::<Result<_, _>>()?;
		let mut periods = BTreeMap::new();
		for f in &self.periods {
			let p = f.period;
			// Sealed, with an aggregate or without (withheld, void): priced either way.
			let outcome = f.outcome.as_deref();
			let settled = matches!(outcome, Some("Sealed" | "Withheld" | "Void"));
			let regional_mean = match outcome {
				Some("Sealed") => f.aggregate.and_then(|a| mean_per_meter(a.0, f.count / 2)),
				_ => None,
			};
			// The tariff in effect: the latest version whose first period is not after `p`
			// (versions' first periods never decrease).
			let band = self.tariffs.iter().rev().find(|t| t.effective_from <= p).map(|t| {
				let pod = period_of_day(t.day_periods, t.day_offset, p);
				let index = t.band_starts.partition_point(|start| *start <= pod).saturating_sub(1);
				(t.version, index as u32)
			});
			let rp = RegionPeriod {
				epoch: f.epoch,
				settled,
				channels: f.channels as usize,
				facts: PeriodFacts { band, regional_mean },
			};
			periods.insert(p, rp);
		}
		let prices = self
			.prices
			.iter()
			.map(|r| {
				let source = match r.source {
					SourceFact::Tariff(version) => PriceSource::Tariff { version },
					SourceFact::Override => PriceSource::Override,
				};
				(r.period, Price { price: r.price.0, export_price: r.export_price.0, source })
			})
			.collect();
		Ok(RegionCycle { shape, periods, prices })
	}
}

/// The share at one PRID of one region's period (`ReadingsApi_shares`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareFact {
	/// The region.
	pub region: RegionId,
	/// The period.
	pub period: PeriodIndex,
	/// The PRID, `0x…`.
	pub prid: String,
	/// Its masked value per channel; `None`: no share there.
	pub masked: Option<Vec<Dec>>,
}

/// Everything the owner's check reads from the chain for one bill, at one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFacts {
	/// The chain's genesis hash, `0x…`.
	pub genesis: String,
	/// The meter.
	pub meter: Dec,
	/// The cycle.
	pub cycle: CycleIndex,
	/// The bill on chain.
	pub bill: BillFacts,
	/// The clock.
	pub time: TimeFacts,
	/// The meter's membership spans (`None`: the meter is not registered).
	pub spans: Option<Vec<Span>>,
	/// Each region of the spans, during the cycle.
	pub regions: Vec<RegionFacts>,
	/// The shares at the report's PRIDs ([`share_queries`]); empty in the first round.
	#[serde(default)]
	pub shares: Vec<ShareFact>,
}

impl ChainFacts {
	/// The regions' cycles.
	pub fn region_cycles(&self) -> Result<BTreeMap<RegionId, RegionCycle>, String> {
		self.regions.iter().map(|r| Ok((r.region, r.cycle()?))).collect()
	}

	/// The regions whose facts the check needs: those of the spans.
	pub fn regions_to_read(&self) -> Vec<RegionId> {
		self.spans.as_deref().map(span_regions).unwrap_or_default()
	}
}

/// The first and last period of `cycle`.
pub fn cycle_periods(
	time: &TimeParams,
	cycle: CycleIndex,
) -> Result<(PeriodIndex, PeriodIndex), String> {
	let first = cycle.checked_mul(time.periods_per_cycle).ok_or("cycle out of range")?;
	Ok((first, first + (time.periods_per_cycle - 1)))
}

/// The shares to read: each covered period's two PRIDs in every region covering it.
pub fn queries_of(
	cover: &BTreeMap<PeriodIndex, Vec<RegionId>>,
	prids: &BTreeMap<PeriodIndex, [Prid; 2]>,
) -> Vec<(RegionId, PeriodIndex, Prid)> {
	let mut queries = Vec::new();
	for (p, regions) in cover {
		let Some([a, b]) = prids.get(p) else { continue };
		for r in regions {
			queries.push((*r, *p, *a));
			queries.push((*r, *p, *b));
		}
	}
	queries
}

/// The chain side of each covered period given the shares `found` at its PRIDs: the region
/// picked ([`pick_region`]), its channels, its shares, prices and facts.
pub fn chain_periods(
	cover: &BTreeMap<PeriodIndex, Vec<RegionId>>,
	prids: &BTreeMap<PeriodIndex, [Prid; 2]>,
	cache: &BTreeMap<RegionId, RegionCycle>,
	found: &BTreeMap<(RegionId, PeriodIndex, Prid), Masked>,
) -> Result<BTreeMap<PeriodIndex, ChainPeriod>, String> {
	let mut out = BTreeMap::new();
	for (p, regions) in cover {
		let Some([a, b]) = prids.get(p) else { continue };
		let at = |r: RegionId| [found.get(&(r, *p, *a)).cloned(), found.get(&(r, *p, *b)).cloned()];
		let candidates: Vec<(RegionId, usize)> =
			regions.iter().map(|r| (*r, at(*r).iter().filter(|s| s.is_some()).count())).collect();
		let region = pick_region(&candidates);
		let rc = &cache[&region];
		let period = ChainPeriod {
			region,
			shape: rc.shape_of(region, *p)?,
			shares: at(region),
			price: rc.prices.get(p).cloned(),
			facts: rc.periods.get(p).map(|rp| rp.facts).unwrap_or_default(),
		};
		out.insert(*p, period);
	}
	Ok(out)
}

/// The shares the check reads for `report` (none if the meter is not registered or a line's
/// PRIDs are malformed: the check reports that).
pub fn share_queries(
	report: &Report,
	facts: &ChainFacts,
) -> Result<Vec<(RegionId, PeriodIndex, Prid)>, String> {
	let (Some(spans), Ok(prids)) = (&facts.spans, line_prids(report)) else {
		return Ok(Vec::new());
	};
	Ok(queries_of(&covering(spans, &facts.region_cycles()?), &prids))
}

/// Why the bytes the content store returned are not report `cid` (the client's and the page's
/// words), if they are not.
pub fn block_problem(cid: &RawCid, bytes: &[u8]) -> Option<String> {
	(bytes.len() > MAX_REPORT_BYTES || RawCid::of(bytes).ok().as_ref() != Some(cid)).then(|| {
		format!("the content store returned bytes that are not report {cid} (tampered with)")
	})
}

/// Opens the bytes fetched for the bill of (meter, cycle) with the owner's HPKE secret: their
/// CID, their digest on chain, decryption and the report's JSON. `Err` is the problem, worded
/// as `owner bill` words it.
pub fn open_report(
	secret: &[u8; 32],
	genesis: [u8; 32],
	meter: MeterId,
	cycle: CycleIndex,
	bill: &BillFacts,
	bytes: &[u8],
) -> Result<Report, String> {
	let cid = RawCid::parse(bill.cid.as_bytes()).map_err(|_| {
		format!("report: the chain's CID {:?} is not a raw sha2-256 CIDv1", bill.cid)
	})?;
	if let Some(problem) = block_problem(&cid, bytes) {
		return Err(format!("report: {problem}"));
	}
	let digest: [u8; 32] = sha2::Sha256::digest(bytes).into();
	let on_chain = parse_hex32(&bill.digest).ok_or_else(|| {
		format!("report: the chain's digest {:?} is not 32 bytes of hex", bill.digest)
	})?;
	if digest != on_chain {
		return Err(format!(
			"report: its sha2-256 digest {} is not the one on chain {}",
			hex32(&digest),
			hex32(&on_chain)
		));
	}
	let info = bill_info(&sp_core::H256(genesis), &meter, cycle);
	let plain = pbill::open_bill(&HpkeSecretKey(*secret), &info, &cid, bytes).map_err(|e| {
		format!(
			"report {cid}: cannot be opened as meter {meter}'s bill of cycle {cycle} with the \
			 owner's key ({e:?}): it is not this bill"
		)
	})?;
	serde_json::from_slice(&plain)
		.map_err(|e| format!("report: not a {REPORT_FORMAT} document: {e}"))
}

/// Every check of an opened report against the chain's `facts`: the problems, each naming its
/// line (empty: verified). `Err` when the facts themselves do not make sense (the clock has not
/// started, a region's shape changed under its setups): then nothing can be checked.
pub fn check(r: &Report, facts: &ChainFacts) -> Result<Vec<String>, String> {
	let genesis = parse_hex32(&facts.genesis).ok_or("the genesis hash is not 32 bytes of hex")?;
	let (meter, cycle) = (facts.meter.0, facts.cycle);
	let mut problems = header_problems(r, genesis, meter, cycle, &facts.bill.regions);
	let time = facts.time.params()?;
	let Some(spans) = &facts.spans else {
		problems.push(format!("meter {meter} is not registered on chain"));
		return Ok(problems);
	};
	let cache = facts.region_cycles()?;
	let cover = covering(spans, &cache);
	problems.extend(completeness_problems(r, &cover, meter, cycle));
	let prids = match line_prids(r) {
		Ok(prids) => prids,
		Err(problem) => {
			problems.push(problem);
			return Ok(problems);
		},
	};
	let mut found = BTreeMap::new();
	for s in &facts.shares {
		let prid = parse_hex32(&s.prid)
			.ok_or_else(|| format!("share query PRID {:?} is not hex", s.prid))?;
		if let Some(m) = &s.masked {
			found.insert((s.region, s.period, Prid(prid)), m.iter().map(|d| d.0).collect());
		}
	}
	let periods = chain_periods(&cover, &prids, &cache, &found)?;
	problems.extend(lines_problems(r, &time, &periods));
	problems.extend(total_problems(r));
	Ok(problems)
}

/// The problems naming line `period` (they start `line for period <p>:`).
pub fn problems_of_line(problems: &[String], period: PeriodIndex) -> Vec<String> {
	let prefix = format!("line for period {period}");
	let names = |p: &str| p.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with([':', ',']));
	problems.iter().filter(|p| names(p)).cloned().collect()
}
