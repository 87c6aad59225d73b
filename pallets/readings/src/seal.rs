//! Sealing (PROTOCOL.md §4 step 5): once a period's window has closed, each of its regions'
//! stored PRIDs are hashed into T, in PRID order, a bounded number per block; a matching T
//! seals the pair with its aggregate, a differing one faults it.

use crate::*;
use frame_support::weights::Weight;
use gridmask_primitives::{Moment, TBuilder, TimeParams};

impl<T: Config> Pallet<T> {
	/// Seals with a budget of `budget` steps at chain time `now` (the parent block's
	/// timestamp). Returns `(PRIDs hashed, other steps, weight of the outcome hooks)`.
	pub(crate) fn seal(time: &TimeParams, now: Moment, budget: u32) -> (u32, u32, Weight) {
		let (mut hashed, mut other, mut hooks) = (0u32, 0u32, Weight::zero());
		loop {
			let used = hashed.saturating_add(other);
			if used >= budget {
				break;
			}
			if let Some(mut cursor) = Sealing::<T>::get() {
				let key = (cursor.region, cursor.period);
				let mut iter = match cursor.builder.last() {
					Some(last) => Shares::<T>::iter_key_prefix_from(
						key,
						Shares::<T>::hashed_key_for(key, last),
					),
					None => Shares::<T>::iter_key_prefix(key),
				};
				let allowed = budget - used;
				let mut n = 0u32;
				let mut exhausted = false;
				while n < allowed {
					match iter.next() {
						Some(prid) => {
							// Keys come in ascending order, each once: push cannot fail.
							if cursor.builder.push(&prid).is_err() {
								log::error!(target: LOG_TARGET, "PRIDs out of order");
							}
							n += 1;
						},
						None => {
							exhausted = true;
							break;
						},
					}
				}
				hashed = hashed.saturating_add(n);
				if !exhausted {
					Sealing::<T>::put(cursor);
					break;
				}
				hooks = hooks.saturating_add(Self::finish_pair(&cursor));
				Sealing::<T>::kill();
				NextSeal::<T>::mutate(|p| p.next_region = p.next_region.saturating_add(1));
				other = other.saturating_add(1);
			} else {
				let pos = NextSeal::<T>::get();
				if !time.is_sealed(pos.period, now) {
					break;
				}
				other = other.saturating_add(1);
				let regions = PeriodRegions::<T>::get(pos.period);
				match regions.get(pos.next_region as usize) {
					Some(region) => Sealing::<T>::put(SealCursor {
						region: *region,
						period: pos.period,
						builder: TBuilder::new(*region, pos.period),
					}),
					None => NextSeal::<T>::put(SealPosition {
						period: pos.period.saturating_add(1),
						next_region: 0,
					}),
				}
			}
		}
		(hashed, other, hooks)
	}

	/// Compares T and records the outcome of a fully hashed pair; tells
	/// [`Config::OnOutcome`] and returns the weight it used.
	fn finish_pair(cursor: &SealCursor) -> Weight {
		let (region, period) = (cursor.region, cursor.period);
		let acc = Accumulators::<T>::get(region, period);
		let Some(setup) = Setups::<T>::get(region, period) else {
			return Weight::zero();
		};
		if cursor.builder.count() != acc.count {
			log::error!(target: LOG_TARGET, "accumulator count differs from stored shares");
		}
		let outcome = if cursor.builder.finish() == setup.t {
			let aggregate = gridmask_primitives::aggregate(acc.sum, setup.z);
			Self::deposit_event(Event::PeriodSealed {
				region,
				period,
				aggregate,
				count: acc.count,
			});
			PeriodOutcome::Sealed { aggregate, count: acc.count }
		} else {
			Self::deposit_event(Event::AggregationFault {
				region,
				period,
				expected: setup.expected,
				received: acc.count,
			});
			PeriodOutcome::Faulted { expected: setup.expected, received: acc.count }
		};
		Outcomes::<T>::insert(region, period, outcome);
		match outcome {
			PeriodOutcome::Sealed { aggregate, .. } => {
				<T::OnOutcome as crate::traits::OnPeriodOutcome>::on_sealed(
					region, period, aggregate,
				)
			},
			PeriodOutcome::Faulted { expected, received } => {
				<T::OnOutcome as crate::traits::OnPeriodOutcome>::on_faulted(
					region, period, expected, received,
				)
			},
			// Sealing itself only seals or faults (a matching T has every expected share).
			PeriodOutcome::Withheld { .. } | PeriodOutcome::Void => Weight::zero(),
		}
	}
}
