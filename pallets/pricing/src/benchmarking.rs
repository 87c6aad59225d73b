//! Benchmarks (frame-benchmarking v2) of both calls and of the sealing hook, each in its worst
//! case: tariffs with the most bands and tiers, a region that has a tariff already (the
//! monotonicity check reads its head), an override of a period that had no price (reads and
//! clears the unpriced entry), and a sealing whose tariff search goes down to version 1.
//!
//! The CC origin is [`Config::CcOrigin`]'s successful origin; the region comes from
//! [`RegionRegistry::benchmark_region`].

use super::*;
use crate::traits::{CurrentPeriod, RegionRegistry};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, traits::EnsureOrigin, BoundedVec};

/// The period the sealing benchmarks seal; version `i` takes effect at `i * STEP`.
const STEP: PeriodIndex = 10;
const AGGREGATE: u64 = 1_000_000;

fn cc<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::CcOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// The first period a new tariff may start at.
fn next_period<T: Config>() -> PeriodIndex {
	T::Clock::current_period().map_or(0, |p| p.saturating_add(1))
}

/// A valid tariff with `b` (≥ 1) bands and `t` tiers.
fn tariff<T: Config>(b: u32, t: u32) -> TariffOf<T> {
	let b = b.max(1);
	let bands: Vec<(u32, Price)> = (0..b).map(|i| (i, 100_000 + u64::from(i))).collect();
	let tiers: Vec<(u64, Price)> =
		(0..t).map(|i| (u64::from(i) * 100_000, 10_000 * u64::from(i))).collect();
	Tariff {
		day_periods: b,
		day_offset: b - 1,
		bands: BoundedVec::truncate_from(bands),
		tiers: BoundedVec::truncate_from(tiers),
	}
}

/// The largest tariff the runtime allows.
fn largest<T: Config>() -> TariffOf<T> {
	tariff::<T>(T::MaxBands::get(), T::MaxTiers::get())
}

/// `v` versions of `region`'s tariff, version `i` effective from `i * STEP`, written directly.
fn versions<T: Config>(region: RegionId, v: u32) {
	for version in 1..=v {
		let effective_from = version * STEP;
		Tariffs::<T>::insert(
			region,
			version,
			TariffRecord { effective_from, tariff: largest::<T>(), export: largest::<T>() },
		);
		LatestTariff::<T>::insert(region, TariffHead { version, effective_from });
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// An import and an export tariff of `b` bands and `t` tiers between them (the weight's
	/// arguments are the sums), for a region that has a version already.
	#[benchmark]
	fn set_tariff(
		b: Linear<2, { 2 * T::MaxBands::get() }>,
		t: Linear<0, { 2 * T::MaxTiers::get() }>,
	) -> Result<(), BenchmarkError> {
		let origin = cc::<T>()?;
		let region = T::Regions::benchmark_region();
		let from = next_period::<T>();
		let expected = if T::MaxTariffVersions::get() >= 2 {
			Tariffs::<T>::insert(
				region,
				1,
				TariffRecord {
					effective_from: from,
					tariff: largest::<T>(),
					export: largest::<T>(),
				},
			);
			LatestTariff::<T>::insert(region, TariffHead { version: 1, effective_from: from });
			2
		} else {
			1
		};
		let (import_bands, import_tiers) =
			((b - 1).min(T::MaxBands::get()), t.min(T::MaxTiers::get()));
		let new = tariff::<T>(import_bands, import_tiers);
		let export = tariff::<T>(b - import_bands, t - import_tiers);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, region, from, new.clone(), export.clone());

		assert_eq!(LatestTariff::<T>::get(region).map(|h| h.version), Some(expected));
		let record = Tariffs::<T>::get(region, expected);
		assert_eq!(record.map(|r| (r.tariff, r.export)), Some((new, export)));
		Ok(())
	}

	/// Override of a sealed period that had no price.
	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let origin = cc::<T>()?;
		let region = T::Regions::benchmark_region();
		Pallet::<T>::on_period_sealed(region, 0, Some(AGGREGATE));

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, region, 0, 42, 7);

		assert_eq!(Pallet::<T>::price_of(region, 0), Some(42));
		assert_eq!(Prices::<T>::get(region, 0).map(|r| r.export_price), Some(7));
		assert!(!Unpriced::<T>::contains_key(region, 0));
		Ok(())
	}

	/// Sealing of period `STEP` in a region with `v` versions of the largest tariff: only
	/// version 1 is in effect, so the search reads the head and binary-searches down to 1
	/// (`v = 0`: no tariff, the period is recorded unpriced).
	#[benchmark]
	fn on_period_sealed(v: Linear<0, { T::MaxTariffVersions::get() }>) {
		let region = T::Regions::benchmark_region();
		versions::<T>(region, v);

		#[block]
		{
			Pallet::<T>::on_period_sealed(region, STEP, Some(AGGREGATE));
		}

		if v == 0 {
			assert!(Unpriced::<T>::contains_key(region, STEP));
		} else {
			assert_eq!(
				Prices::<T>::get(region, STEP).map(|r| r.source),
				Some(PriceSource::Tariff { version: 1 })
			);
		}
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
