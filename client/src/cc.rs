//! The control centre: tariffs and explicit prices (PROTOCOL §4 step 5).
//!
//! A tariff prices a sealed period from its period-of-day and the regional aggregate
//! (`pallet-pricing`'s `Tariff`): `price = band(period-of-day) + surcharge(highest tier ≤
//! aggregate)`, in micro-units of the currency per kWh. On the command line a band is
//! `FIRST_PERIOD_OF_DAY:PRICE` and a tier `AGGREGATE_WH:SURCHARGE`; `--flat PRICE` is one band
//! over a one-period day. Each version also has an export (feed-in) tariff of the same form
//! (`--export-flat`, `--export-band`, `--export-tier`; its tiers key on the import aggregate
//! too); without one, exported energy earns nothing (a flat 0).

use crate::chain::{runtime, runtime_types as rt, Chain};
use crate::output::Output;
use anyhow::{bail, Context, Result};
use gridmask_primitives::{PeriodIndex, RegionId, TimeParams};
use serde::Serialize;
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

/// A tariff as given on the command line (validated by the chain, which names what is wrong).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TariffSpec {
	/// Periods per "day" of the time-of-use pattern.
	pub day_periods: u32,
	/// The period-of-day of period 0.
	pub day_offset: u32,
	/// `(first period-of-day, price per kWh)`.
	pub bands: Vec<(u32, u64)>,
	/// `(aggregate threshold Wh, surcharge per kWh)`.
	pub tiers: Vec<(u64, u64)>,
}

impl TariffSpec {
	/// The flat tariff `price` per kWh.
	pub fn flat(price: u64) -> Self {
		Self { day_periods: 1, day_offset: 0, bands: vec![(0, price)], tiers: vec![] }
	}

	fn to_chain(&self) -> rt::pallet_pricing::types::Tariff {
		rt::pallet_pricing::types::Tariff {
			day_periods: self.day_periods,
			day_offset: self.day_offset,
			bands: BoundedVec(self.bands.clone()),
			tiers: BoundedVec(self.tiers.clone()),
		}
	}

	fn from_chain(t: &rt::pallet_pricing::types::Tariff) -> Self {
		Self {
			day_periods: t.day_periods,
			day_offset: t.day_offset,
			bands: t.bands.0.clone(),
			tiers: t.tiers.0.clone(),
		}
	}
}

/// Parses `A:B` into two numbers (a band or a tier).
pub fn parse_pair<A: std::str::FromStr, B: std::str::FromStr>(s: &str) -> Result<(A, B), String> {
	let (a, b) = s.split_once(':').ok_or_else(|| format!("expected A:B, got {s:?}"))?;
	Ok((
		a.trim().parse().map_err(|_| format!("bad number {a:?} in {s:?}"))?,
		b.trim().parse().map_err(|_| format!("bad number {b:?} in {s:?}"))?,
	))
}

/// A tariff version: what import costs and what export earns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionSpec {
	/// The import tariff.
	pub import: TariffSpec,
	/// The export (feed-in) tariff.
	pub export: TariffSpec,
}

/// What `cc tariff set` did.
#[derive(Debug, Serialize)]
pub struct TariffSet {
	/// Region.
	pub region: RegionId,
	/// The new version.
	pub version: u32,
	/// The first period it prices.
	pub effective_from: PeriodIndex,
}

impl std::fmt::Display for TariffSet {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"region {} tariff v{} prices periods from {} on",
			self.region, self.version, self.effective_from
		)
	}
}

impl Output for TariffSet {}

/// Sets a new tariff version of `region` from period `from` (default: the first period that
/// starts at least 30 s from now, so that the transaction lands before it).
pub async fn set_tariff(
	chain: &Chain,
	cc: &Keypair,
	region: RegionId,
	from: Option<PeriodIndex>,
	spec: &VersionSpec,
) -> Result<TariffSet> {
	let effective_from = match from {
		Some(p) => p,
		None => {
			let t = chain.time().await?;
			let params = t.started()?;
			params.period_at(t.next_blocks_ms() + 30_000).context("chain time before the clock")?
				+ 1
		},
	};
	let call = runtime::tx().pricing().set_tariff(
		region,
		effective_from,
		spec.import.to_chain(),
		spec.export.to_chain(),
	);
	let events = chain
		.sign_and_finalize(&call, cc)
		.await
		.with_context(|| format!("setting the tariff of region {region}"))?;
	let ev = events
		.find_first::<runtime::pricing::events::TariffSet>()
		.context("no TariffSet event")??;
	Ok(TariffSet { region, version: ev.version, effective_from: ev.effective_from })
}

/// One tariff version as shown.
#[derive(Debug, Serialize)]
pub struct TariffVersion {
	/// Version.
	pub version: u32,
	/// First period priced.
	pub effective_from: PeriodIndex,
	/// Whether it is the one in effect for the current period.
	pub current: bool,
	/// The import tariff.
	pub tariff: TariffSpec,
	/// The export (feed-in) tariff.
	pub export: TariffSpec,
}

/// Every tariff version of `region` (oldest first), the current one marked.
pub async fn tariffs(chain: &Chain, region: RegionId) -> Result<Tariffs> {
	let t = chain.time().await?;
	let at = chain.api.at_current_block().await?;
	let api = runtime::runtime_apis().pricing_api();
	let all = Chain::tariffs_at(&at, region).await?;
	let current = match t.params.and_then(TimeParams::started).and_then(|p| p.period_at(t.now_ms)) {
		Some(p) => at.runtime_apis().call(api.tariff_at(region, p)).await?.map(|(v, _)| v),
		None => None,
	};
	let versions = all
		.into_iter()
		.map(|(version, rec)| TariffVersion {
			version,
			effective_from: rec.effective_from,
			current: current == Some(version),
			tariff: TariffSpec::from_chain(&rec.tariff),
			export: TariffSpec::from_chain(&rec.export),
		})
		.collect();
	Ok(Tariffs { region, versions })
}

/// A region's tariff versions (`cc tariff show`); JSON: the list of versions.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Tariffs {
	/// The region.
	#[serde(skip)]
	pub region: RegionId,
	/// Every version, oldest first.
	pub versions: Vec<TariffVersion>,
}

/// The versions as text.
impl std::fmt::Display for Tariffs {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let (region, versions) = (self.region, &self.versions);
		if versions.is_empty() {
			writeln!(f, "region {region} has no tariff: its sealed periods stay unpriced")?;
		}
		for v in versions {
			writeln!(
				f,
				"region {region} tariff v{} from period {}{}",
				v.version,
				v.effective_from,
				if v.current { " (current)" } else { "" },
			)?;
			for (what, t) in [("import", &v.tariff), ("export", &v.export)] {
				writeln!(
					f,
					"  {what}: day of {} periods (offset {})",
					t.day_periods, t.day_offset
				)?;
				for (start, price) in &t.bands {
					writeln!(f, "    band  from period-of-day {start:>5}: {price} µ/kWh")?;
				}
				for (wh, surcharge) in &t.tiers {
					writeln!(f, "    tier  import aggregate ≥ {wh} Wh: +{surcharge} µ/kWh")?;
				}
			}
		}
		Ok(())
	}
}

impl Output for Tariffs {}

/// What `cc price` did.
#[derive(Debug, Serialize)]
pub struct PriceSet {
	/// Region.
	pub region: RegionId,
	/// Period.
	pub period: PeriodIndex,
	/// The import price published.
	pub price: u64,
	/// The export price published.
	pub export_price: u64,
	/// The import and export prices it replaced (the tariff's or an earlier override), if any.
	pub replaced: Option<(u64, u64)>,
}

impl std::fmt::Display for PriceSet {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"region {} period {} priced {} µ/kWh import, {} µ/kWh export (replacing {})",
			self.region,
			self.period,
			self.price,
			self.export_price,
			self.replaced.map_or("no price".into(), |(p, e)| format!("{p} and {e}"))
		)
	}
}

impl Output for PriceSet {}

/// Publishes explicit prices for a sealed, unbilled period: `price` per kWh imported, and
/// `export_price` per kWh exported (`None`: the period's current export price, 0 if it has
/// none).
pub async fn set_price(
	chain: &Chain,
	cc: &Keypair,
	region: RegionId,
	period: PeriodIndex,
	price: u64,
	export_price: Option<u64>,
) -> Result<PriceSet> {
	let export_price = match export_price {
		Some(p) => p,
		None => {
			let at = chain.api.at_current_block().await?;
			let series = Chain::price_series_at(&at, region, period, period).await?;
			series.first().map_or(0, |(_, r)| r.export_price)
		},
	};
	let call = runtime::tx().pricing().set_price(region, period, price, export_price);
	let events = chain
		.sign_and_finalize(&call, cc)
		.await
		.with_context(|| format!("setting the price of region {region} period {period}"))?;
	let Some(ev) = events.find_first::<runtime::pricing::events::PriceOverridden>() else {
		bail!("no PriceOverridden event");
	};
	let ev = ev?;
	Ok(PriceSet {
		region,
		period,
		price: ev.price,
		export_price: ev.export_price,
		replaced: ev.replaced.map(|r| (r.price, r.export_price)),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pairs_parse_and_name_what_is_wrong() {
		assert_eq!(parse_pair::<u32, u64>("12:250000"), Ok((12, 250_000)));
		assert!(parse_pair::<u32, u64>("12").unwrap_err().contains("expected A:B"));
		assert!(parse_pair::<u32, u64>("x:1").unwrap_err().contains("\"x\""));
		assert_eq!(TariffSpec::flat(7).bands, vec![(0, 7)]);
	}
}
