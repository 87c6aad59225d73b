//! Sealing (PROTOCOL.md §4 step 5): once a period's window has closed, each of its regions'
//! stored PRIDs are hashed into T, in PRID order, a bounded number per block; a matching T
//! seals the pair with its aggregate, a differing one faults it.

use crate::*;
use frame_support::storage::KeyPrefixIterator;
use frame_support::weights::Weight;
use gridmask_primitives::{Moment, Prid, TimeParams};

impl<T: Config> Pallet<T> {
	/// Seals with a budget of `budget` steps at chain time `now` (the parent block's
	/// timestamp).
	pub(crate) fn seal(time: &TimeParams, now: Moment, budget: u32) -> HashingWork {
		let mut work = HashingWork::default();
		while work.used() < budget {
			let Some(mut cursor) = Sealing::<T>::get() else {
				let pos = NextSeal::<T>::get();
				if !time.is_sealed(pos.period, now) {
					break;
				}
				work.steps = work.steps.saturating_add(1);
				match PeriodRegions::<T>::get(pos.period).get(pos.next_region as usize) {
					Some(region) => Sealing::<T>::put(HashCursor::new(*region, pos.period)),
					None => NextSeal::<T>::put(SealPosition {
						period: pos.period.saturating_add(1),
						next_region: 0,
					}),
				}
				continue;
			};
			let allowed = budget - work.used();
			let mut shares = Self::unhashed_shares(&cursor);
			let mut n = 0u32;
			let mut exhausted = false;
			while n < allowed {
				let Some(prid) = shares.next() else {
					exhausted = true;
					break;
				};
				// Keys come in ascending order, each once: push cannot fail.
				if cursor.builder.push(&prid).is_err() {
					log::error!(target: LOG_TARGET, "PRIDs out of order");
				}
				n += 1;
			}
			work.hashed = work.hashed.saturating_add(n);
			if !exhausted {
				Sealing::<T>::put(cursor);
				break;
			}
			work.reported = work.reported.saturating_add(Self::finish_pair(&cursor));
			Sealing::<T>::kill();
			NextSeal::<T>::mutate(|p| p.next_region = p.next_region.saturating_add(1));
			work.steps = work.steps.saturating_add(1);
		}
		work
	}

	/// The stored PRIDs of `cursor`'s pair it has not hashed yet, ascending: the shares above
	/// the last PRID hashed (storage iterates a pair's shares in PRID order: the map's second
	/// key is `Identity`-hashed).
	pub(crate) fn unhashed_shares(cursor: &HashCursor) -> KeyPrefixIterator<Prid> {
		let key = cursor.key();
		match cursor.builder.last() {
			Some(last) => {
				Shares::<T>::iter_key_prefix_from(key, Shares::<T>::hashed_key_for(key, last))
			},
			None => Shares::<T>::iter_key_prefix(key),
		}
	}

	/// Compares T and records the outcome of a fully hashed pair; tells
	/// [`Config::OnOutcome`] and returns the weight it used.
	fn finish_pair(cursor: &HashCursor) -> Weight {
		let (region, period) = (cursor.region, cursor.period);
		let acc = Accumulators::<T>::get(region, period);
		let Some(setup) = Setups::<T>::get(region, period) else {
			return Weight::zero();
		};
		if cursor.builder.count() != acc.count {
			log::error!(target: LOG_TARGET, "accumulator count differs from stored shares");
		}
		let outcome = if cursor.builder.finish() == setup.t {
			// T matched: every expected meter sent, so each channel has exactly the
			// contributors the setup counted.
			let min = MinRegionMeters::<T>::get();
			let aggregates = channel_aggregates(&acc.sums, &[], &setup.z, |j| {
				setup.contributors.get(j).is_some_and(|c| *c >= min)
			});
			Self::deposit_event(Event::PeriodSealed {
				region,
				period,
				aggregates: aggregates.to_vec(),
				count: acc.count,
			});
			PeriodOutcome::Sealed { aggregates, count: acc.count }
		} else {
			Self::deposit_event(Event::AggregationFault {
				region,
				period,
				expected: setup.expected,
				received: acc.count,
			});
			PeriodOutcome::Faulted { expected: setup.expected, received: acc.count }
		};
		Outcomes::<T>::insert(region, period, outcome.clone());
		match outcome {
			PeriodOutcome::Sealed { .. } => {
				<T::OnOutcome as crate::traits::OnPeriodOutcome>::on_sealed(
					region,
					period,
					outcome.aggregate(),
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
