//! A verified bill as a Green Button file: a NAESB REQ.21 ESPI 4.0 Atom feed, the format
//! utilities and owners exchange interval data and bills in (schemas in `client/espi/`).
//!
//! | ESPI resource | from the bill |
//! |---|---|
//! | `UsagePoint` | the meter: electricity (`ServiceCategory` kind 0) |
//! | `LocalTimeParameters` | UTC (times in ESPI are seconds since 1970, UTC) |
//! | `MeterReading` + `ReadingType` | one per priced channel: import (`flowDirection` 1, forward) and, for a region with `export_wh`, export (19, reverse); Wh (`uom` 72, `kind` 12 energy, delta data), the period as `intervalLength`, the `currency` given |
//! | `IntervalBlock` of `IntervalReading`s | one reading per bill line: `value` the Wh billed (import: metered or the estimate; export: metered), `cost` what it costs in hundred-thousandths of the currency (export: a negative cost, the credit), `ReadingQuality` 0 for a metered value, 8 for an estimate (a value computed from historical data of the same measurement, the bill's estimate rule) |
//! | `UsageSummary` | the cycle: `billingPeriod`, `billLastPeriod` (the bill's total), the export credit as `costAdditionalLastPeriod` with its line item (`itemKind` 6), `overallConsumptionLastPeriod` (import billed, Wh) |
//!
//! Amounts on chain and in the bill are micro-units; ESPI costs are 10⁻⁵ units, so each is
//! rounded half away from zero to the nearest 10 micro-units. Only a bill that verified
//! against the chain is exported (`gridmask owner export`).

use crate::{bill::Report, chain::Chain};
use anyhow::Result;

pub use gridmask_bill::espi::{cost, feed};

/// What a verified bill can be exported as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
	/// Green Button: a NAESB REQ.21 ESPI 4.0 Atom feed.
	Espi,
	/// The verified report's lines, as JSON.
	Json,
}

impl Format {
	/// Its media type.
	pub fn media_type(self) -> &'static str {
		match self {
			Self::Espi => "application/atom+xml",
			Self::Json => "application/json",
		}
	}
}

/// The verified `report` in `format`, stamped with the chain's time (ESPI costs in the
/// ISO 4217 currency numbered `currency`).
pub async fn export(
	chain: &Chain,
	report: &Report,
	format: Format,
	currency: u16,
) -> Result<Vec<u8>> {
	Ok(match format {
		Format::Espi => {
			let time = chain.time().await?;
			feed(report, time.started()?.period_ms, currency, time.now_ms).into_bytes()
		},
		Format::Json => serde_json::to_vec_pretty(&report.lines)?,
	})
}
