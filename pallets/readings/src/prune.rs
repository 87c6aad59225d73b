//! Pruning: shares, filters and accumulators of periods old enough (and billed, or too old
//! to wait for billing any longer) are deleted in `on_idle`, within its weight.

use crate::traits::Retention;
use crate::*;
use frame_support::traits::Time;
use frame_support::{pallet_prelude::*, weights::WeightMeter};
use gridmask_primitives::{Moment, PeriodIndex, TimeParams};

impl<T: Config> Pallet<T> {
	/// Whether the shares and filter of `period` may be pruned at chain time `now`, as far
	/// as time goes: sealed, and more than `RetainCycles` cycles old. `Some(true)` if also
	/// more than `MaxRetainCycles` old (no need to wait for billing).
	pub(crate) fn prunable(time: &TimeParams, now: Moment, period: PeriodIndex) -> Option<bool> {
		let current = time.cycle_of(time.period_at(now)?);
		let cycle = time.cycle_of(period);
		(period < NextSeal::<T>::get().period
			&& cycle.saturating_add(T::RetainCycles::get()) < current)
			.then(|| cycle.saturating_add(T::MaxRetainCycles::get()) < current)
	}

	/// Prunes within `meter`'s weight and `MaxPruneStepsPerBlock` keys.
	pub(crate) fn prune(meter: &mut WeightMeter) {
		let base = T::WeightInfo::on_idle_prune(0);
		let per_key = T::WeightInfo::on_idle_prune(1).saturating_sub(base);
		if meter.try_consume(T::DbWeight::get().reads(2)).is_err() {
			return;
		}
		let Some(time) = Self::started_time() else {
			return;
		};
		let now = T::Clock::now();
		let mut keys_left = T::MaxPruneStepsPerBlock::get();
		let check = T::DbWeight::get().reads(1);
		while keys_left > 0 && meter.can_consume(base.saturating_add(per_key).saturating_add(check))
		{
			let mut pos = NextPrune::<T>::get();
			let Some(past_max) = Self::prunable(&time, now, pos.period) else {
				break;
			};
			meter.consume(base);
			let regions = PeriodRegions::<T>::get(pos.period);
			let region = regions.get(pos.next_region as usize).copied();
			// Between RetainCycles and MaxRetainCycles the region's cycle waits for its
			// bills and their dispute window (one pair at a time: the cursor stops here).
			if let Some(region) = region.filter(|_| !past_max && !pos.shares_done) {
				// The retention check reads one storage item (billing's record of the pair).
				meter.consume(check);
				if !T::Retention::settled(region, time.cycle_of(pos.period)) {
					break;
				}
			}
			let Some(region) = region else {
				PeriodRegions::<T>::remove(pos.period);
				NextPrune::<T>::put(PrunePosition {
					period: pos.period.saturating_add(1),
					next_region: 0,
					shares_done: false,
				});
				keys_left = keys_left.saturating_sub(1);
				continue;
			};
			let by_weight = meter
				.remaining()
				.ref_time()
				.checked_div(per_key.ref_time().max(1))
				.unwrap_or(0)
				.min(u64::from(u32::MAX)) as u32;
			let limit = keys_left.min(by_weight).max(1);
			let key = (region, pos.period);
			let result = if pos.shares_done {
				Bf1Chunks::<T>::clear_prefix(key, limit, None)
			} else {
				Shares::<T>::clear_prefix(key, limit, None)
			};
			meter.consume(per_key.saturating_mul(u64::from(result.loops.max(1))));
			keys_left = keys_left.saturating_sub(result.loops.max(1));
			if result.maybe_cursor.is_some() {
				// More keys under this prefix: next block (one call per prefix per block).
				NextPrune::<T>::put(pos);
				break;
			}
			if pos.shares_done {
				pos.next_region = pos.next_region.saturating_add(1);
				pos.shares_done = false;
				Self::deposit_event(Event::PeriodPruned { region, period: key.1 });
			} else {
				pos.shares_done = true;
			}
			NextPrune::<T>::put(pos);
		}
	}
}
