//! `gridmask status`: the chain's clock, regions, and recent period outcomes.

use crate::chain::{runtime, runtime_types as rt, Chain};
use anyhow::Result;
use gridmask_primitives::{PeriodIndex, RegionId};
use serde::Serialize;

/// One region's state.
#[derive(Debug, Serialize)]
pub struct RegionStatus {
	/// Id.
	pub region: RegionId,
	/// Name.
	pub name: String,
	/// Active meters.
	pub active_meters: u32,
	/// The latest periods: (period, outcome) with outcome `sealed <aggregate> Wh (<count>
	/// shares)`, `faulted (<received>/<expected> shares)`, or the phase.
	pub periods: Vec<(PeriodIndex, String)>,
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
	/// Regions.
	pub regions: Vec<RegionStatus>,
}

/// Reads the status, with the last `last` periods per region.
pub async fn status(chain: &Chain, last: u32) -> Result<Status> {
	let time = chain.time().await?;
	let at = chain.api.at_current_block().await?;
	let current =
		time.params.filter(|p| p.genesis_start_ms != 0).and_then(|p| p.period_at(time.now_ms));
	let mut regions = Vec::new();
	let mut iter = at.storage().entry(runtime::storage().meters().regions())?.iter(()).await?;
	while let Some(kv) = futures::StreamExt::next(&mut iter).await {
		let kv = kv?;
		let (region,) = kv.key()?.decode()?;
		let info = kv.value().decode()?;
		let mut periods = Vec::new();
		if let Some(cur) = current {
			let from = cur.saturating_sub(last);
			for p in from..=cur {
				let st = at
					.runtime_apis()
					.call(runtime::runtime_apis().readings_api().period_state(region, p))
					.await?;
				use rt::pallet_readings::types::{PeriodOutcome as O, PeriodPhase as P};
				let text = match st.phase {
					P::Done(O::Sealed { aggregate, count }) => {
						format!("sealed {aggregate} Wh ({count} shares)")
					},
					P::Done(O::Faulted { expected, received }) => {
						format!("faulted ({received}/{expected} shares)")
					},
					_ if st.setup.is_none() => continue,
					P::Upcoming { .. } => format!(
						"upcoming (setup {})",
						if st.setup_complete { "complete" } else { "partial" }
					),
					P::Open { .. } => format!("open ({} shares)", st.accumulator.count),
					P::Closed | P::Sealing { .. } => "sealing".into(),
					P::NotStarted => "not started".into(),
				};
				periods.push((p, text));
			}
		}
		regions.push(RegionStatus {
			region,
			name: String::from_utf8_lossy(&info.name.0).into_owned(),
			active_meters: info.active_meters,
			periods,
		});
	}
	regions.sort_by_key(|r| r.region);
	Ok(Status {
		endpoint: chain.url.clone(),
		finalized_block: time.block,
		now_ms: time.now_ms,
		current_period: current,
		current_cycle: current.zip(time.params).map(|(p, t)| t.cycle_of(p)),
		regions,
	})
}

/// The status as a table.
pub fn print(s: &Status) {
	println!(
		"endpoint {}  finalized #{}  chain time {} ms",
		s.endpoint, s.finalized_block, s.now_ms
	);
	match (s.current_period, s.current_cycle) {
		(Some(p), Some(c)) => println!("period {p} (cycle {c})"),
		_ => println!("the readings clock has not started"),
	}
	for r in &s.regions {
		println!("region {} {:?}: {} active meters", r.region, r.name, r.active_meters);
		for (p, text) in &r.periods {
			println!("  period {p:>8}  {text}");
		}
	}
}
