//! The chain's prices as OpenADR 3.0.1 objects (the `program`, `event` and `interval` schemas
//! of the OpenADR Alliance's `openadr3.yaml`, kept in `client/openadr3/`).
//!
//! - **One program per region**: id `r<region>`, `programType` `PRICING_TARIFF`, targets
//!   `GROUP` = `r<region>`, payload descriptors `PRICE` (and `EXPORT_PRICE` where the region's
//!   readings carry `export_wh`), per kWh in the gateway's currency.
//! - **One event per region and billing cycle**: id `r<region>-c<cycle>`, for the previous,
//!   the current and the next cycle. Each period of the cycle is one interval (`id` = the
//!   period index, `intervalPeriod` its start and length) carrying `PRICE`, `EXPORT_PRICE`
//!   and `X_GRIDMASK_PRICE_STATUS`, which says where the price comes from:
//!   - `CHAIN`: the period is sealed and priced on chain (by its tariff version, with any
//!     demand surcharge, or by the control centre's override): what bills charge;
//!   - `TARIFF`: not priced yet; the band price of the tariff version in force for it (a
//!     demand tier may add to it once the period's aggregate is sealed);
//!   - `NONE`: not priced and no tariff covers it (no price payloads).
//!
//! Prices on chain are integers in micro-units per kWh; here they are decimal units per kWh
//! (`300000` → `0.3`).

use crate::{
	chain::{self, runtime_types as rt, AtBlock, Chain},
	datetime::{iso_duration, rfc3339},
};
use anyhow::Result;
use gridmask_primitives::{ChannelKind, CycleIndex, PeriodIndex, RegionId, TimeParams};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The payload type saying where an interval's price comes from (a private type: OpenADR 3
/// allows them).
pub const PRICE_STATUS: &str = "X_GRIDMASK_PRICE_STATUS";

/// A region as the gateway shows it.
#[derive(Clone, Debug)]
pub struct Region {
	/// Its id.
	pub id: RegionId,
	/// Its name.
	pub name: String,
	/// Its readings' channels.
	pub channels: Vec<ChannelKind>,
	/// Active meters.
	pub active_meters: u32,
	/// Of those, prosumers.
	pub active_prosumers: u32,
}

impl Region {
	/// Whether its meters measure export (and so it has an export price).
	pub fn exports(&self) -> bool {
		self.channels.contains(&ChannelKind::ExportWh)
	}
}

/// The finalized chain as the gateway reads it for one request.
pub struct Snapshot {
	/// The client at the finalized block.
	pub at: AtBlock,
	/// The started clock.
	pub time: TimeParams,
	/// The finalized block's time, ms.
	pub now_ms: u64,
	/// The period containing it.
	pub current: PeriodIndex,
	/// Every region, by id.
	pub regions: Vec<Region>,
}

impl Snapshot {
	/// Reads the finalized chain.
	pub async fn read(chain: &Chain) -> Result<Self> {
		let t = chain.time().await?;
		let time = t.started()?;
		let current = time.period_at(t.now_ms).unwrap_or(0);
		let at = chain.api.at_current_block().await?;
		let regions = chain::regions_at(&at)
			.await?
			.into_iter()
			.map(|(id, info)| Region {
				id,
				name: String::from_utf8_lossy(&info.name.0).into_owned(),
				channels: info.shape.0.iter().map(chain::channel_kind).collect(),
				active_meters: info.active_meters,
				active_prosumers: info.active_prosumers,
			})
			.collect();
		Ok(Self { at, time, now_ms: t.now_ms, current, regions })
	}

	/// The region of program id `r<region>`.
	pub fn program(&self, id: &str) -> Option<&Region> {
		let region: RegionId = id.strip_prefix('r')?.parse().ok()?;
		self.regions.iter().find(|r| r.id == region && format!("r{region}") == id)
	}

	/// The cycles that have events: the previous, the current and the next.
	pub fn event_cycles(&self) -> Vec<CycleIndex> {
		let c = self.time.cycle_of(self.current);
		(c.saturating_sub(1)..=c.saturating_add(1)).collect()
	}

	/// `(region, cycle)` of event id `r<region>-c<cycle>`, if it is one of the events.
	pub fn event(&self, id: &str) -> Option<(&Region, CycleIndex)> {
		let (program, cycle) = id.split_once("-c")?;
		let region = self.program(program)?;
		let cycle: CycleIndex = cycle.parse().ok()?;
		(format!("{program}-c{cycle}") == id && self.event_cycles().contains(&cycle))
			.then_some((region, cycle))
	}

	/// The periods of `cycle`.
	pub fn periods_of(&self, cycle: CycleIndex) -> std::ops::Range<PeriodIndex> {
		let ppc = self.time.periods_per_cycle.max(1);
		let first = cycle.saturating_mul(ppc);
		first..first.saturating_add(ppc)
	}
}

/// Micro-units per kWh as units per kWh.
fn per_kwh(micro: u64) -> Value {
	json!(micro as f64 / 1_000_000.0)
}

/// The `targets` of region `id`'s program and events.
fn targets(id: RegionId) -> Value {
	json!([{ "type": "GROUP", "values": [format!("r{id}")] }])
}

/// Region `r`'s program.
pub fn program(s: &Snapshot, r: &Region, currency: &str) -> Value {
	let mut descriptors = vec![json!({
		"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "PRICE", "units": "KWH", "currency": currency,
	})];
	if r.exports() {
		descriptors.push(json!({
			"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "EXPORT_PRICE", "units": "KWH",
			"currency": currency,
		}));
	}
	descriptors
		.push(json!({ "objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": PRICE_STATUS }));
	json!({
		"id": format!("r{}", r.id),
		"objectType": "PROGRAM",
		"programName": format!("gridmask region {} prices", r.id),
		"programLongName": format!("{}: dynamic prices per period, sealed on the gridmask chain", r.name),
		"programType": "PRICING_TARIFF",
		"intervalPeriod": {
			"start": rfc3339(s.time.period_start(0).unwrap_or(0)),
			"duration": iso_duration(s.time.period_ms),
		},
		"payloadDescriptors": descriptors,
		"targets": targets(r.id),
	})
}

/// What prices a region's periods: its price records (sealed periods) and tariff versions.
pub struct Prices {
	/// Price records by period.
	pub priced: BTreeMap<PeriodIndex, rt::pallet_pricing::types::PriceRecord>,
	/// Tariff versions, oldest first.
	pub tariffs: Vec<(u32, rt::pallet_pricing::types::TariffRecord)>,
}

impl Prices {
	/// The prices of `region` for `periods`.
	pub async fn read(
		s: &Snapshot,
		region: RegionId,
		periods: std::ops::Range<PeriodIndex>,
	) -> Result<Self> {
		let priced = if periods.is_empty() {
			BTreeMap::new()
		} else {
			Chain::price_series_at(&s.at, region, periods.start, periods.end - 1)
				.await?
				.into_iter()
				.collect()
		};
		Ok(Self { priced, tariffs: Chain::tariffs_at(&s.at, region).await? })
	}

	/// The tariff version in force for `period` (versions take effect in order).
	fn tariff(&self, period: PeriodIndex) -> Option<&rt::pallet_pricing::types::TariffRecord> {
		self.tariffs.iter().rev().map(|(_, t)| t).find(|t| t.effective_from <= period)
	}

	/// `(import, export, status)` of `period`: priced on chain, the tariff's band prices, or none.
	pub fn of(&self, period: PeriodIndex) -> (Option<u64>, Option<u64>, &'static str) {
		use pallet_pricing::types::{band_price, period_of_day};
		if let Some(p) = self.priced.get(&period) {
			return (Some(p.price), Some(p.export_price), "CHAIN");
		}
		match self.tariff(period) {
			Some(t) => {
				let band = |t: &rt::pallet_pricing::types::Tariff| {
					band_price(&t.bands.0, period_of_day(t.day_periods, t.day_offset, period))
				};
				(Some(band(&t.tariff)), Some(band(&t.export)), "TARIFF")
			},
			None => (None, None, "NONE"),
		}
	}
}

/// Region `r`'s event for `cycle`, its intervals priced by `prices`.
pub fn event(s: &Snapshot, r: &Region, cycle: CycleIndex, prices: &Prices) -> Value {
	let periods = s.periods_of(cycle);
	let duration = iso_duration(s.time.period_ms);
	let intervals: Vec<Value> = periods
		.clone()
		.map(|p| {
			let (import, export, status) = prices.of(p);
			let mut payloads = Vec::new();
			if let Some(price) = import {
				payloads.push(json!({ "type": "PRICE", "values": [per_kwh(price)] }));
			}
			if let Some(price) = export.filter(|_| r.exports()) {
				payloads.push(json!({ "type": "EXPORT_PRICE", "values": [per_kwh(price)] }));
			}
			payloads.push(json!({ "type": PRICE_STATUS, "values": [status] }));
			json!({
				"id": p,
				"intervalPeriod": {
					"start": rfc3339(s.time.period_start(p).unwrap_or(0)),
					"duration": duration,
				},
				"payloads": payloads,
			})
		})
		.collect();
	json!({
		"id": format!("r{}-c{cycle}", r.id),
		"objectType": "EVENT",
		"programID": format!("r{}", r.id),
		"eventName": format!("region {} prices, cycle {cycle}", r.id),
		"intervalPeriod": {
			"start": rfc3339(s.time.period_start(periods.start).unwrap_or(0)),
			"duration": duration,
		},
		"targets": targets(r.id),
		"intervals": intervals,
	})
}

/// Whether an object's `targets` match a `targetType`/`targetValues` query (no type: all do;
/// several values: any of them).
pub fn targets_match(object: &Value, target_type: Option<&str>, values: &[String]) -> bool {
	let Some(kind) = target_type else { return values.is_empty() };
	object["targets"].as_array().is_some_and(|ts| {
		ts.iter().any(|t| {
			t["type"] == kind
				&& (values.is_empty()
					|| t["values"]
						.as_array()
						.is_some_and(|vs| vs.iter().any(|v| values.iter().any(|q| v == q))))
		})
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn targets_match_by_type_and_any_value() {
		let program = json!({ "targets": [{ "type": "GROUP", "values": ["r1"] }] });
		assert!(targets_match(&program, None, &[]));
		assert!(targets_match(&program, Some("GROUP"), &[]));
		assert!(targets_match(&program, Some("GROUP"), &["r2".into(), "r1".into()]));
		assert!(!targets_match(&program, Some("GROUP"), &["r2".into()]));
		assert!(!targets_match(&program, Some("VEN_NAME"), &["r1".into()]));
	}
}
