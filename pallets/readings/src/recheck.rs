//! Re-checking a faulted pair with a KGC resolution (PROTOCOL.md §4 step 6), and closing it void.
//!
//! A period faults when the set of stored PRIDs does not reproduce T: meters were silent or
//! sent one share of two, or a forged PRID slipped through BF1. The KGC, who can derive every
//! covered meter's PRIDs, names each PRID that explains the difference — *absent* (expected,
//! not stored), *lone* (stored, its meter's other share absent) or *forged* (stored, no meter's)
//! — and the corrected mask sum `Z'` (without the masks of absent and lone PRIDs). The chain
//! does not trust it: it re-hashes T over the stored PRIDs less the forged, plus the absent —
//! in PRID order, merging the sorted entries into the stored shares — with the same bounded,
//! resumable machinery as sealing. Only if that reproduces the published T does the pair
//! become sealed, with `aggregate = Σ value(stored − lone − forged) − Z'`: the true total of
//! the complete readings. If fewer than [`crate::MinRegionMeters`] meters sent both
//! shares, no aggregate is published ([`PeriodOutcome::Withheld`]).
//!
//! **Parts.** A resolution may be as large as the setup (a whole region silent: a backhaul
//! outage), so it arrives in parts of at most [`MAX_RESOLUTION_PART`] entries, at most
//! [`crate::Config::MaxResolutionParts`] of them, each continuing the previous one in PRID
//! order; the part carrying `Z'` completes it and queues the re-check. Part 0 starts over
//! (discarding an unfinished earlier submission).
//!
//! **Void.** When nothing else works, the KGC closes a faulted pair as void
//! ([`PeriodOutcome::Void`]): no aggregate.
//!
//! Re-checks run in `on_initialize` after sealing, from what sealing left of
//! [`crate::Config::MaxSealStepsPerBlock`], one queued pair at a time.

use crate::{traits::OnPeriodOutcome, *};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, weights::Weight};
use gridmask_primitives::{
	resolution::{check_entry, EntryError, Merge},
	Prid,
};

/// Most re-checks queued at once.
pub const MAX_QUEUED_RECHECKS: u32 = 64;

impl<T: Config> Pallet<T> {
	/// Adds part `part` of the resolution of faulted (region, period): `entries` strictly
	/// ascending by PRID and above every PRID of the earlier parts. `z_prime` completes the
	/// resolution and queues the re-check. Every check that can fail is done here, so a queued
	/// re-check only ends in a match or a mismatch.
	///
	/// ## Errors
	/// [`Error::NotFaulted`], [`Error::AlreadyPruned`], [`Error::RecheckPending`],
	/// [`Error::WrongPart`], [`Error::TooManyParts`], [`Error::TooManyPrids`],
	/// [`Error::PridsNotSorted`], [`Error::AbsentPridStored`], [`Error::PridNotStored`],
	/// [`Error::EmptyResolution`], [`Error::RecheckQueueFull`], [`Error::WrongShape`] (not
	/// one `Z'` per channel of the setup).
	pub fn add_resolution_part(
		region: RegionId,
		period: PeriodIndex,
		part: u32,
		entries: Vec<(Prid, EntryKind)>,
		z_prime: Option<Values>,
	) -> DispatchResult {
		ensure!(
			matches!(Outcomes::<T>::get(region, period), Some(PeriodOutcome::Faulted { .. })),
			Error::<T>::NotFaulted
		);
		ensure!(period >= NextPrune::<T>::get().period, Error::<T>::AlreadyPruned);
		let previous = Rechecks::<T>::get(region, period);
		ensure!(previous.as_ref().is_none_or(|r| r.z_prime.is_none()), Error::<T>::RecheckPending);
		if let Some(z) = &z_prime {
			let channels = Setups::<T>::get(region, period).map(|s| s.z.len());
			ensure!(channels == Some(z.len()), Error::<T>::WrongShape);
		}
		let mut res = match (part, previous) {
			// A fresh start discards whatever an earlier, unfinished submission left.
			(0, Some(old)) => {
				Self::discard_parts(region, period, old.parts);
				ResolutionProgress::default()
			},
			(0, None) => ResolutionProgress::default(),
			(_, Some(r)) if r.parts == part => r,
			_ => return Err(Error::<T>::WrongPart.into()),
		};
		ensure!(part < T::MaxResolutionParts::get(), Error::<T>::TooManyParts);
		let entries: ResolutionPart = entries.try_into().map_err(|_| Error::<T>::TooManyPrids)?;
		let key = (region, period);
		for (prid, kind) in entries.iter() {
			let share = Shares::<T>::get(key, prid);
			check_entry(res.last.as_ref(), prid, *kind, share.is_some()).map_err(|e| match e {
				EntryError::NotAscending => Error::<T>::PridsNotSorted,
				EntryError::AbsentPridStored => Error::<T>::AbsentPridStored,
				EntryError::PridNotStored => Error::<T>::PridNotStored,
			})?;
			res.last = Some(*prid);
			let counter = match kind {
				EntryKind::Absent => &mut res.absent,
				EntryKind::Lone => &mut res.lone,
				EntryKind::Forged => &mut res.forged,
			};
			*counter = counter.saturating_add(1);
			if let Some(share) = share {
				add_values(&mut res.excluded_sums, &share.masked);
			}
		}
		if !entries.is_empty() {
			RecheckParts::<T>::insert(key, res.parts, entries);
			res.parts = res.parts.saturating_add(1);
		}
		if let Some(z) = z_prime {
			ensure!(res.entries() > 0, Error::<T>::EmptyResolution);
			RecheckQueue::<T>::try_mutate(|q| q.try_push(key))
				.map_err(|_| Error::<T>::RecheckQueueFull)?;
			res.z_prime = Some(z);
			Self::deposit_event(Event::RecheckQueued {
				region,
				period,
				absent: res.absent,
				lone: res.lone,
				forged: res.forged,
			});
		}
		Rechecks::<T>::insert(region, period, res);
		Ok(())
	}

	/// The PRIDs of every share stored for (region, period), in storage order; `None` once the
	/// period's shares are pruned (the fault-resolution worker's view of a period).
	pub fn received_prids(region: RegionId, period: PeriodIndex) -> Option<Vec<Prid>> {
		if period < NextPrune::<T>::get().period {
			return None;
		}
		Some(Shares::<T>::iter_key_prefix((region, period)).collect())
	}

	/// Closes faulted (region, period) as void: no aggregate, and whatever part of a resolution
	/// was submitted is discarded. For when nothing else works (e.g. the meters' secrets are
	/// lost).
	///
	/// ## Errors
	/// [`Error::NotFaulted`], [`Error::RecheckPending`] (a complete resolution is queued: its
	/// re-check ends first).
	pub fn void_period(region: RegionId, period: PeriodIndex) -> DispatchResult {
		ensure!(
			matches!(Outcomes::<T>::get(region, period), Some(PeriodOutcome::Faulted { .. })),
			Error::<T>::NotFaulted
		);
		if let Some(r) = Rechecks::<T>::get(region, period) {
			ensure!(r.z_prime.is_none(), Error::<T>::RecheckPending);
			Self::discard_parts(region, period, r.parts);
			Rechecks::<T>::remove(region, period);
		}
		Outcomes::<T>::insert(region, period, PeriodOutcome::Void);
		Self::deposit_event(Event::PeriodVoided { region, period });
		Ok(())
	}

	/// Removes the stored parts `0..parts` of (region, period)'s resolution.
	fn discard_parts(region: RegionId, period: PeriodIndex, parts: u32) {
		for i in 0..parts {
			RecheckParts::<T>::remove((region, period), i);
		}
	}

	/// Advances the queued re-checks by at most `budget` steps.
	///
	/// A block reads at most the parts its merge reaches: the cursor's part (decoded again to
	/// skip what earlier blocks hashed), the parts it consumes and one looked ahead into; each
	/// is charged as a full part.
	pub(crate) fn recheck(budget: u32) -> HashingWork {
		let mut work = HashingWork::default();
		while work.used() < budget {
			let mut cursor = match Rechecking::<T>::get() {
				Some(c) => c,
				None => {
					let Some(&(region, period)) = RecheckQueue::<T>::get().first() else {
						break;
					};
					work.steps = work.steps.saturating_add(1);
					RecheckCursor { hashing: HashCursor::new(region, period), part: 0 }
				},
			};
			let key = cursor.hashing.key();
			let Some(res) = Rechecks::<T>::get(key.0, key.1).filter(|r| r.z_prime.is_some()) else {
				// Cannot happen (queued pairs have a complete resolution); drop the entry.
				Self::pop_recheck(key.0, key.1);
				continue;
			};
			let allowed = budget - work.used();
			let (n, exhausted, loads) = Self::merge(&mut cursor, &res, allowed);
			work.hashed = work.hashed.saturating_add(n);
			work.reported = work
				.reported
				.saturating_add(T::WeightInfo::recheck_load_part().saturating_mul(loads.into()));
			if !exhausted {
				Rechecking::<T>::put(cursor);
				break;
			}
			work.reported = work.reported.saturating_add(Self::finish_recheck(&cursor, &res));
			work.steps = work.steps.saturating_add(1);
		}
		work
	}

	/// Merges at most `allowed` PRIDs of `cursor`'s pair into its T: the stored shares and the
	/// resolution's entries in PRID order, by the rules of [`Merge`] (lone shares and absent
	/// PRIDs hashed, forged shares not). Returns `(PRIDs merged, whether the merge is complete,
	/// resolution parts read)`.
	fn merge(
		cursor: &mut RecheckCursor,
		res: &ResolutionProgress,
		allowed: u32,
	) -> (u32, bool, u32) {
		let key = cursor.hashing.key();
		let resume_after: Option<[u8; 32]> = cursor.hashing.builder.last().map(|l| l.0);
		// Entries not merged yet: from the cursor's part on, those above the last PRID hashed
		// (a forged PRID is never hashed, but it equals a stored share's, which is consumed
		// with it, so `last` never stops short of one). Parts are read lazily, as the merge
		// reaches them, and counted.
		let loads = core::cell::Cell::new(0u32);
		let entries = (cursor.part..res.parts)
			.flat_map(|i| {
				loads.set(loads.get().saturating_add(1));
				Self::resolution_part(key, i)
					.map(|p| p.into_iter().map(move |(p, k)| (p, k, i)).collect::<Vec<_>>())
					.unwrap_or_default()
			})
			.filter(|(p, _, _)| resume_after.is_none_or(|l| p.0 > l));
		let mut merge = Merge::new(Self::unhashed_shares(&cursor.hashing), entries);
		let mut n = 0u32;
		let mut exhausted = false;
		while n < allowed {
			let Some(merged) = merge.next() else {
				exhausted = true;
				break;
			};
			n += 1;
			if let Some((_, part)) = merged.entry {
				cursor.part = part;
			}
			if merged.in_t() && cursor.hashing.builder.push(&merged.prid).is_err() {
				log::error!(target: LOG_TARGET, "re-check PRIDs out of order");
			}
		}
		drop(merge);
		(n, exhausted, loads.get())
	}

	/// Part `part` of the resolution of `key` (at most [`MAX_RESOLUTION_PART`] entries): one
	/// read, charged by the caller at [`WeightInfo::recheck_load_part`].
	pub(crate) fn resolution_part(
		key: (RegionId, PeriodIndex),
		part: u32,
	) -> Option<ResolutionPart> {
		RecheckParts::<T>::get(key, part)
	}

	fn pop_recheck(region: RegionId, period: PeriodIndex) {
		Rechecking::<T>::kill();
		if let Some(r) = Rechecks::<T>::take(region, period) {
			Self::discard_parts(region, period, r.parts);
		}
		RecheckQueue::<T>::mutate(|q| q.retain(|k| *k != (region, period)));
	}

	/// Compares the re-hashed T with the setup's, records the result and cleans up.
	fn finish_recheck(cursor: &RecheckCursor, res: &ResolutionProgress) -> Weight {
		let (region, period) = cursor.hashing.key();
		Self::pop_recheck(region, period);
		let clean_up = T::DbWeight::get().writes(u64::from(res.parts).saturating_add(3));
		let Some(setup) = Setups::<T>::get(region, period) else {
			return clean_up;
		};
		let result = if cursor.hashing.builder.finish() != setup.t {
			Self::deposit_event(Event::ResolutionRejected { region, period });
			RecheckResult::Mismatch
		} else {
			let acc = Accumulators::<T>::get(region, period);
			let count = acc.count.saturating_sub(res.lone).saturating_sub(res.forged);
			let contributors = count / 2;
			let min = MinRegionMeters::<T>::get();
			if contributors >= min {
				// A channel of few possible contributors (export: the prosumers) is published
				// only if enough of them are certainly among the complete readings: each
				// missing meter may have been one of them.
				let missing = (setup.expected / 2).saturating_sub(contributors);
				let z_prime = res.z_prime.clone().unwrap_or_default();
				let aggregates = channel_aggregates(&acc.sums, &res.excluded_sums, &z_prime, |j| {
					setup.contributors.get(j).is_some_and(|c| c.saturating_sub(missing) >= min)
				});
				Outcomes::<T>::insert(
					region,
					period,
					PeriodOutcome::Sealed { aggregates: aggregates.clone(), count },
				);
				Self::deposit_event(Event::FaultResolved {
					region,
					period,
					aggregates: aggregates.to_vec(),
					count,
				});
				RecheckResult::Sealed { aggregates, contributors }
			} else {
				Outcomes::<T>::insert(region, period, PeriodOutcome::Withheld { count });
				Self::deposit_event(Event::FaultResolved {
					region,
					period,
					aggregates: Vec::new(),
					count,
				});
				RecheckResult::Withheld { contributors }
			}
		};
		clean_up
			.saturating_add(<T::OnOutcome as OnPeriodOutcome>::on_resolved(region, period, result))
	}
}
