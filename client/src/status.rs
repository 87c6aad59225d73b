//! `gridmask status`: the chain's clock, regions, and recent period outcomes.

use crate::chain::{self, runtime, runtime_types as rt, AtBlock, Chain};
use anyhow::Result;
use gridmask_primitives::{ChannelKind, PeriodIndex, RegionId, TimeParams};
use serde::Serialize;

/// One region's state.
#[derive(Debug, Serialize)]
pub struct RegionStatus {
	/// Id.
	pub region: RegionId,
	/// Name.
	pub name: String,
	/// The channels every reading carries, in order (`import_wh`, `export_wh`, …).
	pub channels: Vec<String>,
	/// Active meters.
	pub active_meters: u32,
	/// Of those, the registered prosumers (who alone can export).
	pub active_prosumers: u32,
	/// The latest periods with a setup, ascending.
	pub periods: Vec<PeriodStatus>,
}

/// One (region, period).
#[derive(Debug, Serialize)]
pub struct PeriodStatus {
	/// The period.
	pub period: PeriodIndex,
	/// `sealed <aggregate> Wh (<count> shares)` (each channel's, named, for several),
	/// `faulted (<received>/<expected> shares)`, or the phase (`upcoming (setup complete)`,
	/// `open (<n> shares)`, `sealing`).
	pub outcome: String,
	/// The sealed import aggregate, Wh.
	pub aggregate: Option<u64>,
	/// The sealed aggregate of each channel (`None`: withheld), in the region's order.
	pub aggregates: Vec<Option<u64>>,
	/// The import price and the export (feed-in) price, µ-units per kWh, and where they come
	/// from (`tariff v<N>`, `override`).
	pub price: Option<(u64, u64, String)>,
	/// The fault's state if the period faulted: `open`, `checking`, `resolved (silent: …)`,
	/// `rejected`.
	pub fault: Option<String>,
}

/// Bills of one cycle (their latest versions).
#[derive(Debug, Default, Serialize)]
pub struct CycleBills {
	/// The cycle.
	pub cycle: u32,
	/// Bills posted and not answered.
	pub posted: u32,
	/// Acknowledged by the owner.
	pub acknowledged: u32,
	/// Disputed by the owner.
	pub disputed: u32,
	/// Bills that were superseded at least once (latest version > 1).
	pub corrected: u32,
}

/// How long the chain keeps shares, and what pruning waits for.
#[derive(Debug, Serialize)]
pub struct Retention {
	/// Shares of periods before this one are gone (all regions).
	pub kept_from_period: PeriodIndex,
	/// Shares are kept at least this many cycles after their own ...
	pub min_cycles: u32,
	/// ... and, while their cycle is not billed and its dispute window not over, at most this
	/// many.
	pub max_cycles: u32,
	/// `(region, cycle, pruned_anyway_in_cycle)`: pruning waits for this region's bills of
	/// this cycle (and their dispute window); from the third cycle on it prunes regardless.
	pub waiting_for: Option<(RegionId, u32, u32)>,
}

/// The whole status.
#[derive(Debug, Serialize)]
pub struct Status {
	/// Endpoint.
	pub endpoint: String,
	/// Finalized block.
	pub finalized_block: u64,
	/// Chain time (finalized), ms.
	pub now_ms: u64,
	/// Current period and cycle.
	pub current_period: Option<PeriodIndex>,
	/// Current cycle.
	pub current_cycle: Option<u32>,
	/// Periods per cycle (from the chain's clock).
	pub periods_per_cycle: Option<u32>,
	/// Period length, ms.
	pub period_ms: Option<u64>,
	/// Regions.
	pub regions: Vec<RegionStatus>,
	/// Bills per cycle.
	pub bills: Vec<CycleBills>,
	/// Retention of shares.
	pub retention: Retention,
}

/// Reads the status, with the last `last` periods per region.
pub async fn status(chain: &Chain, last: u32) -> Result<Status> {
	let time = chain.time().await?;
	let at = chain.api.at_current_block().await?;
	let current = time.params.and_then(TimeParams::started).and_then(|p| p.period_at(time.now_ms));
	let mut regions = Vec::new();
	for (region, info) in chain::regions_at(&at).await? {
		let channels: Vec<ChannelKind> = info.shape.0.iter().map(chain::channel_kind).collect();
		let mut periods = Vec::new();
		if let Some(cur) = current {
			for p in cur.saturating_sub(last)..=cur {
				periods.extend(period_status(&at, region, p, &channels).await?);
			}
		}
		regions.push(RegionStatus {
			region,
			name: String::from_utf8_lossy(&info.name.0).into_owned(),
			channels: channels.iter().map(|k| k.name().to_string()).collect(),
			active_meters: info.active_meters,
			active_prosumers: info.active_prosumers,
			periods,
		});
	}
	let r = at.runtime_apis().call(runtime::runtime_apis().readings_api().retention()).await?;
	let retention = Retention {
		kept_from_period: r.kept_from_period,
		min_cycles: r.min_cycles,
		max_cycles: r.max_cycles,
		waiting_for: r.waiting_for.map(|w| (w.region, w.cycle, w.pruned_anyway_in_cycle)),
	};
	Ok(Status {
		endpoint: chain.url.clone(),
		finalized_block: time.block,
		now_ms: time.now_ms,
		current_period: current,
		current_cycle: current.zip(time.params).map(|(p, t)| t.cycle_of(p)),
		periods_per_cycle: time.params.map(|t| t.periods_per_cycle),
		period_ms: time.params.map(|t| t.period_ms),
		regions,
		bills: cycle_bills(&at).await?,
		retention,
	})
}

/// Period `p` of `region` (whose channels are `channels`): its outcome, price and fault;
/// `None` for a period without a setup that is not done.
async fn period_status(
	at: &AtBlock,
	region: RegionId,
	p: PeriodIndex,
	channels: &[ChannelKind],
) -> Result<Option<PeriodStatus>> {
	let st = at
		.runtime_apis()
		.call(runtime::runtime_apis().readings_api().period_state(region, p))
		.await?;
	use rt::pallet_readings::types::{PeriodOutcome as O, PeriodPhase as P};
	let mut aggregates = Vec::new();
	let outcome = match st.phase {
		P::Done(O::Sealed { aggregates: a, count }) => {
			aggregates = a.0;
			format!("sealed {} ({count} shares)", sealed_text(&aggregates, channels))
		},
		P::Done(O::Faulted { expected, received }) => {
			format!("faulted ({received}/{expected} shares)")
		},
		P::Done(O::Withheld { count }) => {
			format!("sealed, aggregate withheld (only {} complete readings)", count / 2)
		},
		P::Done(O::Void) => "void (closed by the KGC, no aggregate)".into(),
		_ if st.setup.is_none() => return Ok(None),
		P::Upcoming { .. } => {
			format!("upcoming (setup {})", if st.setup_complete { "complete" } else { "partial" })
		},
		P::Open { .. } => format!("open ({} shares)", st.accumulator.count),
		P::Closed | P::Sealing { .. } => "sealing".into(),
		P::NotStarted => "not started".into(),
	};
	let price = at
		.runtime_apis()
		.call(runtime::runtime_apis().pricing_api().price_series(region, p, p))
		.await?
		.into_iter()
		.next()
		.map(|(_, r)| {
			let source = match r.source {
				rt::pallet_pricing::types::PriceSource::Tariff { version } => {
					format!("tariff v{version}")
				},
				rt::pallet_pricing::types::PriceSource::Override => "override".into(),
			};
			(r.price, r.export_price, source)
		});
	let fault = at
		.storage()
		.try_fetch(runtime::storage().faults().faults(), (region, p))
		.await?
		.map(|f| f.decode())
		.transpose()?
		.map(|f| fault_text(f.status));
	let aggregate = aggregates.first().copied().flatten();
	Ok(Some(PeriodStatus { period: p, outcome, aggregate, aggregates, price, fault }))
}

/// `1234 Wh` for one channel; `import_wh 1234 Wh, export_wh withheld` for several.
fn sealed_text(aggregates: &[Option<u64>], channels: &[ChannelKind]) -> String {
	let value = |a: &Option<u64>, unit: &str| match a {
		Some(v) => format!("{v} {unit}"),
		None => "withheld".to_string(),
	};
	if aggregates.len() == 1 {
		return value(&aggregates[0], "Wh");
	}
	let named = aggregates
		.iter()
		.zip(channels)
		.map(|(a, k)| format!("{} {}", k.name(), value(a, k.unit())));
	named.collect::<Vec<_>>().join(", ")
}

/// A fault's state in words.
fn fault_text(status: rt::pallet_faults::types::FaultStatus) -> String {
	use rt::pallet_faults::types::{Blame, FaultStatus as F};
	match status {
		F::Open => "open".to_string(),
		F::Checking(_) => "checking".into(),
		F::Collecting(n) => format!("resolution arriving ({} parts)", n.parts),
		F::Resolved { named, blame, .. } => {
			let meters: Vec<u64> = named.meters.0.iter().map(|m| m.0).collect();
			let blame = match blame {
				Blame::Meters => "meters blamed",
				Blame::Chain => "chain fault, nobody blamed",
			};
			format!(
				"resolved (named: {meters:?}{}, lone shares: {}, forged shares: {}; {blame})",
				if named.overflow { " and more" } else { "" },
				named.lone,
				named.forged
			)
		},
		F::Rejected => "rejected".into(),
		F::Void => "void".into(),
	}
}

/// Every cycle's bills by their latest version's state.
async fn cycle_bills(at: &AtBlock) -> Result<Vec<CycleBills>> {
	let mut bills: std::collections::BTreeMap<u32, CycleBills> = Default::default();
	let mut iter = at.storage().entry(runtime::storage().billing().latest_bill())?.iter(()).await?;
	while let Some(kv) = futures::StreamExt::next(&mut iter).await {
		let kv = kv?;
		let (meter, cycle) = kv.key()?.decode()?;
		let version = kv.value().decode()?;
		let c = bills.entry(cycle).or_insert_with(|| CycleBills { cycle, ..Default::default() });
		if version > 1 {
			c.corrected += 1;
		}
		let rec = at
			.storage()
			.try_fetch(runtime::storage().billing().bills(), (meter, cycle, version))
			.await?;
		use rt::pallet_billing::types::BillStatus as B;
		match rec.map(|r| r.decode()).transpose()?.map(|r| r.status) {
			Some(B::Acknowledged) => c.acknowledged += 1,
			Some(B::Disputed { .. }) => c.disputed += 1,
			_ => c.posted += 1,
		}
	}
	Ok(bills.into_values().collect())
}

/// The status as a table.
impl std::fmt::Display for Status {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let s = self;
		writeln!(
			f,
			"endpoint {}  finalized #{}  chain time {} ms",
			s.endpoint, s.finalized_block, s.now_ms
		)?;
		match (s.current_period, s.current_cycle) {
			(Some(p), Some(c)) => writeln!(f, "period {p} (cycle {c})")?,
			_ => writeln!(f, "the readings clock has not started")?,
		}
		for r in &s.regions {
			writeln!(
				f,
				"region {} {:?}: {} active meters ({} prosumers), channels {}",
				r.region,
				r.name,
				r.active_meters,
				r.active_prosumers,
				r.channels.join(", ")
			)?;
			for p in &r.periods {
				let price = p.price.as_ref().map_or(String::new(), |(v, x, s)| {
					format!("  {v} µ/kWh, export {x} µ/kWh ({s})")
				});
				let fault = p.fault.as_ref().map_or(String::new(), |f| format!("  fault {f}"));
				writeln!(f, "  period {:>8}  {}{price}{fault}", p.period, p.outcome)?;
			}
		}
		for b in &s.bills {
			writeln!(
				f,
				"bills of cycle {}: {} posted, {} acknowledged, {} disputed ({} corrected)",
				b.cycle, b.posted, b.acknowledged, b.disputed, b.corrected
			)?;
		}
		let r = &s.retention;
		writeln!(
			f,
			"shares kept from period {} (at least {} cycles after their own, at most {} while not \
			 billed and disputable)",
			r.kept_from_period, r.min_cycles, r.max_cycles
		)?;
		if let Some((region, cycle, anyway)) = r.waiting_for {
			writeln!(
				f,
				"  pruning waits for the bills of region {region} cycle {cycle} and their dispute \
				 window; WARNING: pruned in cycle {anyway} whether billed or not"
			)?;
		}
		Ok(())
	}
}

impl crate::output::Output for Status {}
