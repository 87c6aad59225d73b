//! `gridmask cc …`: the control centre's tariffs and explicit prices (PROTOCOL §4 step 5).

use super::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use gridmask_client::cc::{self, TariffSpec};
use std::process::ExitCode;

/// The CC's account.
#[derive(Args)]
pub struct CcKey {
	/// The CC account's secret URI (dev chain: Charlie).
	#[arg(long, env = "GRIDMASK_CC_SURI", default_value = "//Charlie")]
	cc_suri: String,
}

#[derive(Subcommand)]
pub enum CcCommand {
	/// Tariffs: `set` a new version, `show` every version.
	#[command(subcommand)]
	Tariff(TariffCommand),
	/// Publish explicit prices (micro-units per kWh) for a sealed, not yet billed period,
	/// overriding the tariff.
	Price {
		#[command(flatten)]
		key: CcKey,
		#[arg(long)]
		region: u32,
		#[arg(long)]
		period: u32,
		/// The import price.
		#[arg(long)]
		price: u64,
		/// The export (feed-in) price (default: the period's current one).
		#[arg(long)]
		export_price: Option<u64>,
	},
}

#[derive(Subcommand)]
pub enum TariffCommand {
	/// Add a tariff version for a region, effective from a future period. Prices are
	/// micro-units of the currency per kWh. Example (time-of-use with a peak tier):
	/// `--day-periods 48 --band 0:150000 --band 14:250000 --band 40:150000 --tier 5000:50000`.
	/// The export (feed-in) tariff has the same form (`--export-flat`, or `--export-band` on
	/// the same day pattern, `--export-tier` keyed on the import aggregate); without one,
	/// exported energy earns nothing.
	Set {
		#[command(flatten)]
		key: CcKey,
		#[arg(long)]
		region: u32,
		/// The first period priced (default: the first starting ≥ 30 s from now).
		#[arg(long)]
		from_period: Option<u32>,
		/// A flat price: one band over a one-period day.
		#[arg(long, conflicts_with_all = ["band", "day_periods", "day_offset"])]
		flat: Option<u64>,
		/// Periods per day of the time-of-use pattern.
		#[arg(long, default_value_t = 1)]
		day_periods: u32,
		/// The period-of-day of period 0.
		#[arg(long, default_value_t = 0)]
		day_offset: u32,
		/// A price band `FIRST_PERIOD_OF_DAY:PRICE` (repeatable; the first starts at 0).
		#[arg(long, value_parser = cc::parse_pair::<u32, u64>)]
		band: Vec<(u32, u64)>,
		/// A demand tier `AGGREGATE_WH:SURCHARGE` (repeatable; thresholds increasing).
		#[arg(long, value_parser = cc::parse_pair::<u64, u64>)]
		tier: Vec<(u64, u64)>,
		/// A flat feed-in price for exported energy.
		#[arg(long, conflicts_with = "export_band")]
		export_flat: Option<u64>,
		/// A feed-in band `FIRST_PERIOD_OF_DAY:PRICE` on the import's day pattern
		/// (repeatable; the first starts at 0).
		#[arg(long, value_parser = cc::parse_pair::<u32, u64>)]
		export_band: Vec<(u32, u64)>,
		/// A feed-in tier `IMPORT_AGGREGATE_WH:SURCHARGE` (repeatable; thresholds increasing).
		#[arg(long, value_parser = cc::parse_pair::<u64, u64>)]
		export_tier: Vec<(u64, u64)>,
	},
	/// Every tariff version of a region.
	Show {
		#[arg(long)]
		region: u32,
	},
}

pub async fn run(ctx: &Context, command: CcCommand) -> Result<ExitCode> {
	let chain = ctx.chain().await?;
	match command {
		CcCommand::Tariff(TariffCommand::Set {
			key,
			region,
			from_period,
			flat,
			day_periods,
			day_offset,
			band,
			tier,
			export_flat,
			export_band,
			export_tier,
		}) => {
			let import = match flat {
				Some(price) => TariffSpec { tiers: tier, ..TariffSpec::flat(price) },
				None => TariffSpec { day_periods, day_offset, bands: band, tiers: tier },
			};
			let export = match (export_flat, export_band.is_empty()) {
				(Some(price), _) => TariffSpec { tiers: export_tier, ..TariffSpec::flat(price) },
				(None, false) => TariffSpec {
					day_periods: import.day_periods,
					day_offset: import.day_offset,
					bands: export_band,
					tiers: export_tier,
				},
				(None, true) => TariffSpec { tiers: export_tier, ..TariffSpec::flat(0) },
			};
			let spec = cc::VersionSpec { import, export };
			let signer = gridmask_client::chain::keypair(&key.cc_suri)?;
			ctx.emit(&cc::set_tariff(&chain, &signer, region, from_period, &spec).await?)
		},
		CcCommand::Tariff(TariffCommand::Show { region }) => {
			ctx.emit(&cc::tariffs(&chain, region).await?)
		},
		CcCommand::Price { key, region, period, price, export_price } => {
			let signer = gridmask_client::chain::keypair(&key.cc_suri)?;
			ctx.emit(&cc::set_price(&chain, &signer, region, period, price, export_price).await?)
		},
	}
}
