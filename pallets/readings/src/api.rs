//! The helpers behind [`crate::runtime_api::ReadingsApi`]: each bounded by its arguments.

use crate::traits::Retention;
use crate::*;
use alloc::vec::Vec;
use frame_support::traits::{Get, Time};
use gridmask_primitives::{PeriodIndex, Prid, RegionId, SignedReading};

impl<T: Config> Pallet<T> {
	/// [`runtime_api::ReadingsApi::time`].
	pub fn api_time() -> TimeInfo {
		let params = TimeConfig::<T>::get();
		let now_ms = T::Clock::now();
		let started = params.and_then(TimeParams::started);
		let current_period = started.and_then(|t| t.period_at(now_ms));
		let open_window = started.zip(current_period).and_then(|(t, p)| {
			let period = p.checked_sub(1)?;
			let opened_at_ms = t.period_end(period)?;
			let closes_at_ms = opened_at_ms.checked_add(t.window_ms)?;
			t.window_open(period, now_ms).then_some(OpenWindow {
				period,
				opened_at_ms,
				closes_at_ms,
			})
		});
		TimeInfo {
			params,
			now_ms,
			current_period,
			current_cycle: started.zip(current_period).map(|(t, p)| t.cycle_of(p)),
			current_leaf: started.zip(current_period).map(|(t, p)| t.leaf_of(p)),
			open_window,
		}
	}

	/// [`runtime_api::ReadingsApi::period_state`].
	pub fn api_period_state(region: RegionId, period: PeriodIndex) -> PeriodState {
		let setup = Setups::<T>::get(region, period);
		let now = T::Clock::now();
		let phase = if let Some(outcome) = Outcomes::<T>::get(region, period) {
			PeriodPhase::Done(outcome)
		} else if let Some(c) =
			Sealing::<T>::get().filter(|c| c.region == region && c.period == period)
		{
			PeriodPhase::Sealing { hashed: c.builder.count() }
		} else {
			match Self::started_time() {
				None => PeriodPhase::NotStarted,
				Some(t) => match t.period_end(period) {
					Some(end) if now < end => PeriodPhase::Upcoming { opens_at_ms: end },
					Some(end) if now < end.saturating_add(t.window_ms) => {
						PeriodPhase::Open { closes_at_ms: end.saturating_add(t.window_ms) }
					},
					_ => PeriodPhase::Closed,
				},
			}
		};
		let pruned = period < NextPrune::<T>::get().period;
		PeriodState {
			setup_complete: setup.as_ref().is_some_and(|s| s.is_complete()),
			setup,
			accumulator: Accumulators::<T>::get(region, period),
			phase,
			pruned,
		}
	}

	/// [`runtime_api::ReadingsApi::share`].
	pub fn api_share(region: RegionId, period: PeriodIndex, prid: Prid) -> Option<Share> {
		Shares::<T>::get((region, period), prid)
	}

	/// [`runtime_api::ReadingsApi::shares`]: one answer per query (at most
	/// [`MAX_API_ITEMS`], the bound of [`ApiQueries`]).
	pub fn api_shares(queries: ApiQueries) -> Vec<Option<Share>> {
		queries.into_iter().map(|(r, p, prid)| Shares::<T>::get((r, p), prid)).collect()
	}

	/// [`runtime_api::ReadingsApi::aggregate_series`]: the outcomes of `region` for
	/// periods `from..=to` (at most [`MAX_API_ITEMS`] periods scanned from `from`).
	pub fn api_aggregate_series(
		region: RegionId,
		from: PeriodIndex,
		to: PeriodIndex,
	) -> Vec<(PeriodIndex, PeriodOutcome)> {
		let last = to.min(from.saturating_add(MAX_API_ITEMS - 1));
		(from..=last).filter_map(|p| Outcomes::<T>::get(region, p).map(|o| (p, o))).collect()
	}

	/// [`runtime_api::ReadingsApi::collection_limits`].
	pub fn api_collection_limits() -> CollectionLimits {
		CollectionLimits {
			max_shares: Self::bundle_capacity(),
			max_groups: T::MaxBundleGroups::get(),
			max_ahead: T::MaxBundlesAhead::get(),
			block_shares: Self::block_shares(),
		}
	}

	/// [`CollectionLimits::block_shares`]: whole bundles of `bundle_capacity` shares (one
	/// group, refunded to their real verification) that fit into the normal class's weight,
	/// the rest of it filled at the same rate per share.
	pub fn block_shares() -> u32 {
		use frame_support::dispatch::DispatchClass;
		let weights = <T as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let room = normal.max_total.unwrap_or(weights.max_block).ref_time();
		let n = Self::bundle_capacity().max(1);
		let per_bundle = T::WeightInfo::submit_bundle(n, 1)
			.saturating_add(T::WeightInfo::authorize_submit_bundle(n))
			.saturating_add(normal.base_extrinsic)
			.ref_time()
			.max(1);
		let shares = u128::from(room) * u128::from(n) / u128::from(per_bundle);
		shares.min(u128::from(u32::MAX)) as u32
	}

	/// Most shares in a bundle that fits into one block: at most `MaxBundleShares`, with its
	/// weight (all groups used) within 90% of a normal transaction's maximum and its length
	/// within 90% of a block's normal length.
	pub fn bundle_capacity() -> u32 {
		use frame_support::dispatch::DispatchClass;
		let weights = <T as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let max_weight = normal.max_extrinsic.unwrap_or(weights.max_block);
		let max_weight = max_weight.saturating_sub(max_weight / 10);
		let max_length =
			*<T as frame_system::Config>::BlockLength::get().max.get(DispatchClass::Normal);
		let max_length = (max_length.saturating_sub(max_length / 10) as usize)
			/ gridmask_primitives::bundled_share_bytes(gridmask_primitives::MAX_CHANNELS as usize);
		let groups = T::MaxBundleGroups::get();
		let fits = |n: u32| {
			T::WeightInfo::submit_bundle(n, groups)
				.saturating_add(T::WeightInfo::verify_one_by_one(n))
				.saturating_add(T::WeightInfo::authorize_submit_bundle(n))
				.all_lte(max_weight)
		};
		// The weight grows with n: the largest n that fits, by bisection.
		let (mut lo, mut hi) = (0u32, T::MaxBundleShares::get().min(max_length as u32));
		while lo < hi {
			let mid = lo + (hi - lo).div_ceil(2);
			if fits(mid) {
				lo = mid;
			} else {
				hi = mid - 1;
			}
		}
		lo
	}

	/// [`runtime_api::ReadingsApi::retention`].
	pub fn api_retention() -> RetentionInfo {
		let pos = NextPrune::<T>::get();
		let waiting_for = Self::started_time().and_then(|time| {
			let past_max = Self::prunable(&time, T::Clock::now(), pos.period)?;
			let region = *PeriodRegions::<T>::get(pos.period).get(pos.next_region as usize)?;
			let cycle = time.cycle_of(pos.period);
			(!past_max && !pos.shares_done && !T::Retention::settled(region, cycle)).then(|| {
				RetentionWait {
					region,
					cycle,
					pruned_anyway_in_cycle: cycle
						.saturating_add(T::MaxRetainCycles::get())
						.saturating_add(1),
				}
			})
		});
		RetentionInfo {
			kept_from_period: pos.period,
			min_cycles: T::RetainCycles::get(),
			max_cycles: T::MaxRetainCycles::get(),
			waiting_for,
		}
	}

	/// [`runtime_api::ReadingsApi::check_reading`].
	pub fn api_check_reading(reading: SignedReading) -> Result<(), ReadingRejection> {
		Self::check_reading(&reading).map(|_| ())
	}
}
