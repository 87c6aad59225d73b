//! Re-checking a faulted pair with a KGC resolution (PROTOCOL.md §4 step 6).
//!
//! A period faults when the set of stored PRIDs does not reproduce T: meters were silent, or a
//! forged PRID slipped through BF1. The KGC, who can derive every meter's PRIDs, names the absent
//! and the forged ones and the corrected mask sum `Z'`. The chain does not trust it: it re-hashes
//! T over `(stored − forged) ∪ absent` — in PRID order, merging the sorted absent list into the
//! stored shares and skipping the forged ones — with the same bounded, resumable machinery as
//! sealing. Only if that reproduces the published T does the pair become sealed, with
//! `aggregate = Σ value(stored − forged) − Z'`.
//!
//! Re-checks run in `on_initialize` after sealing, from what sealing left of
//! [`crate::Config::MaxSealStepsPerBlock`], one queued pair at a time.

use crate::{traits::OnPeriodOutcome, *};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, weights::Weight};
use gridmask_primitives::{Prid, TBuilder};

/// Most absent (and, separately, forged) PRIDs in one resolution.
pub const MAX_RECHECK_PRIDS: u32 = 4_096;
/// Most re-checks queued at once.
pub const MAX_QUEUED_RECHECKS: u32 = 64;

fn strictly_ascending(v: &[Prid]) -> bool {
	v.windows(2).all(|w| w[0].0 < w[1].0)
}

impl<T: Config> Pallet<T> {
	/// Queues the re-check of faulted (region, period) with a resolution. Every check that can
	/// fail is done here, so a queued re-check only ends in a match or a mismatch.
	///
	/// ## Errors
	/// [`Error::NotFaulted`], [`Error::AlreadyPruned`], [`Error::RecheckPending`],
	/// [`Error::RecheckQueueFull`], [`Error::TooManyPrids`], [`Error::PridsNotSorted`],
	/// [`Error::AbsentPridStored`], [`Error::ForgedPridNotStored`].
	pub fn start_recheck(
		region: RegionId,
		period: PeriodIndex,
		absent: Vec<Prid>,
		forged: Vec<Prid>,
		z_prime: u64,
	) -> DispatchResult {
		ensure!(
			matches!(Outcomes::<T>::get(region, period), Some(PeriodOutcome::Faulted { .. })),
			Error::<T>::NotFaulted
		);
		ensure!(period >= NextPrune::<T>::get().period, Error::<T>::AlreadyPruned);
		ensure!(!Rechecks::<T>::contains_key(region, period), Error::<T>::RecheckPending);
		let absent: BoundedVec<_, _> = absent.try_into().map_err(|_| Error::<T>::TooManyPrids)?;
		let forged: BoundedVec<_, _> = forged.try_into().map_err(|_| Error::<T>::TooManyPrids)?;
		ensure!(
			strictly_ascending(&absent) && strictly_ascending(&forged),
			Error::<T>::PridsNotSorted
		);
		let key = (region, period);
		for p in absent.iter() {
			ensure!(!Shares::<T>::contains_key(key, p), Error::<T>::AbsentPridStored);
		}
		let mut forged_sum = 0u64;
		for p in forged.iter() {
			let share = Shares::<T>::get(key, p).ok_or(Error::<T>::ForgedPridNotStored)?;
			forged_sum = forged_sum.wrapping_add(share.value);
		}
		RecheckQueue::<T>::try_mutate(|q| q.try_push(key))
			.map_err(|_| Error::<T>::RecheckQueueFull)?;
		Self::deposit_event(Event::RecheckQueued {
			region,
			period,
			absent: absent.len() as u32,
			forged: forged.len() as u32,
		});
		Rechecks::<T>::insert(region, period, Resolution { absent, forged, forged_sum, z_prime });
		Ok(())
	}

	/// Advances the queued re-checks by at most `budget` steps. Returns
	/// `(PRIDs hashed, other steps, weight of the outcome hooks)`.
	pub(crate) fn recheck(budget: u32) -> (u32, u32, Weight) {
		let (mut hashed, mut other, mut hooks) = (0u32, 0u32, Weight::zero());
		while hashed.saturating_add(other) < budget {
			let mut cursor = match Rechecking::<T>::get() {
				Some(c) => c,
				None => {
					let Some(&(region, period)) = RecheckQueue::<T>::get().first() else {
						break;
					};
					other = other.saturating_add(1);
					RecheckCursor { region, period, builder: TBuilder::new(region, period) }
				},
			};
			let (region, period) = (cursor.region, cursor.period);
			let Some(res) = Rechecks::<T>::get(region, period) else {
				// Cannot happen (queued pairs have a resolution); drop the entry.
				Self::pop_recheck(region, period);
				continue;
			};
			let key = (region, period);
			let mut shares = match cursor.builder.last() {
				Some(last) => {
					Shares::<T>::iter_key_prefix_from(key, Shares::<T>::hashed_key_for(key, last))
				},
				None => Shares::<T>::iter_key_prefix(key),
			}
			.peekable();
			// Absent PRIDs not merged yet: those above the last one hashed.
			let resume_after: Option<[u8; 32]> = cursor.builder.last().map(|l| l.0);
			let mut absent =
				res.absent.iter().filter(|p| resume_after.is_none_or(|l| p.0 > l)).peekable();
			let allowed = budget.saturating_sub(hashed.saturating_add(other));
			let mut n = 0u32;
			let mut exhausted = false;
			while n < allowed {
				let next = match (shares.peek(), absent.peek()) {
					(None, None) => {
						exhausted = true;
						break;
					},
					(Some(s), Some(a)) if a.0 < s.0 => *absent.next().expect("peeked"),
					(Some(_), _) => shares.next().expect("peeked"),
					(None, Some(_)) => *absent.next().expect("peeked"),
				};
				n += 1;
				if res.forged.binary_search_by(|f| f.0.cmp(&next.0)).is_ok() {
					continue;
				}
				if cursor.builder.push(&next).is_err() {
					log::error!(target: LOG_TARGET, "re-check PRIDs out of order");
				}
			}
			hashed = hashed.saturating_add(n);
			if !exhausted {
				Rechecking::<T>::put(cursor);
				break;
			}
			hooks = hooks.saturating_add(Self::finish_recheck(&cursor, &res));
			other = other.saturating_add(1);
		}
		(hashed, other, hooks)
	}

	fn pop_recheck(region: RegionId, period: PeriodIndex) {
		Rechecking::<T>::kill();
		Rechecks::<T>::remove(region, period);
		RecheckQueue::<T>::mutate(|q| q.retain(|k| *k != (region, period)));
	}

	/// Compares the re-hashed T with the setup's and records the result.
	fn finish_recheck(cursor: &RecheckCursor, res: &Resolution) -> Weight {
		let (region, period) = (cursor.region, cursor.period);
		Self::pop_recheck(region, period);
		let Some(setup) = Setups::<T>::get(region, period) else {
			return Weight::zero();
		};
		if cursor.builder.finish() != setup.t {
			Self::deposit_event(Event::ResolutionRejected { region, period });
			return <T::OnOutcome as OnPeriodOutcome>::on_resolved(region, period, None);
		}
		let acc = Accumulators::<T>::get(region, period);
		let aggregate = acc.sum.wrapping_sub(res.forged_sum).wrapping_sub(res.z_prime);
		let count = acc.count.saturating_sub(res.forged.len() as u32);
		Outcomes::<T>::insert(region, period, PeriodOutcome::Sealed { aggregate, count });
		Self::deposit_event(Event::FaultResolved { region, period, aggregate, count });
		<T::OnOutcome as OnPeriodOutcome>::on_resolved(region, period, Some(aggregate))
	}
}
