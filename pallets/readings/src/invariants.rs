//! The pallet's invariants, checked by `try_state` (and by the tests after every scenario).

use crate::*;
use frame_support::{pallet_prelude::*, traits::Time};

impl<T: Config> Pallet<T> {
	/// Invariants (try-runtime, and after every mock test):
	/// - the sealing cursor is the pair [`NextSeal`] points at, its window has closed, and
	///   it has hashed no more PRIDs than are stored;
	/// - for each unsealed (region, period) in the queue (sampled: at most 64 pairs), the
	///   accumulator count equals the number of stored shares, and the setup's
	///   `chunks_present` equals the number of chunks of its generation (≤ `chunks`);
	/// - sealed pairs have an outcome; `PeriodRegions` lists are sorted;
	/// - `NextPrune` is not past `NextSeal` (only sealed periods are pruned);
	/// - re-checks: [`RecheckQueue`] holds exactly the pairs whose resolution is complete,
	///   each once, each faulted; [`Rechecking`] is the queue's head; a resolution has
	///   exactly its parts `0..parts`, with as many entries as it counts, ascending.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::try_state_rechecks()?;
		ensure!(
			NextPrune::<T>::get().period <= NextSeal::<T>::get().period,
			"pruning ahead of sealing"
		);
		let pos = NextSeal::<T>::get();
		if let Some(c) = Sealing::<T>::get() {
			ensure!(c.period == pos.period, "sealing cursor is not at NextSeal's period");
			let regions = PeriodRegions::<T>::get(pos.period);
			ensure!(
				regions.get(pos.next_region as usize) == Some(&c.region),
				"sealing cursor is not at NextSeal's region"
			);
			ensure!(
				c.builder.count() <= Accumulators::<T>::get(c.region, c.period).count,
				"sealing hashed more PRIDs than stored"
			);
			if let Some(time) = Self::started_time() {
				ensure!(
					time.is_sealed(c.period, T::Clock::now()),
					"sealing a period whose window is open"
				);
			}
		}
		let mut sampled = 0u32;
		for (period, regions) in PeriodRegions::<T>::iter() {
			ensure!(regions.windows(2).all(|w| w[0] < w[1]), "PeriodRegions not sorted");
			for (i, region) in regions.iter().enumerate() {
				let sealed =
					period < pos.period || (period == pos.period && (i as u32) < pos.next_region);
				ensure!(
					!sealed
						|| Outcomes::<T>::contains_key(region, period)
						|| period < NextPrune::<T>::get().period,
					"a sealed pair has no outcome"
				);
				if sealed || sampled >= 64 {
					continue;
				}
				sampled += 1;
				let stored = Shares::<T>::iter_key_prefix((*region, period)).count() as u32;
				ensure!(
					Accumulators::<T>::get(region, period).count == stored,
					"accumulator count differs from stored shares"
				);
				let setup = Setups::<T>::get(region, period)
					.ok_or(sp_runtime::TryRuntimeError::Other("queued pair without setup"))?;
				let chunks = Bf1Chunks::<T>::iter_prefix_values((*region, period))
					.filter(|c| c.generation == setup.generation)
					.count() as u32;
				ensure!(
					chunks == setup.chunks_present && chunks <= setup.chunks,
					"chunk count differs from setup"
				);
			}
		}
		Ok(())
	}

	/// The re-check invariants of [`Self::do_try_state`].
	fn try_state_rechecks() -> Result<(), sp_runtime::TryRuntimeError> {
		let queue = RecheckQueue::<T>::get();
		for (i, (region, period)) in queue.iter().enumerate() {
			ensure!(!queue[..i].contains(&(*region, *period)), "re-check queued twice");
			let res = Rechecks::<T>::get(region, period).ok_or("queued re-check unknown")?;
			ensure!(res.z_prime.is_some(), "incomplete resolution queued");
		}
		if let Some(c) = Rechecking::<T>::get() {
			ensure!(queue.first() == Some(&c.hashing.key()), "re-check not the head");
		}
		for (region, period, res) in Rechecks::<T>::iter() {
			ensure!(
				res.z_prime.is_none() || queue.contains(&(region, period)),
				"complete resolution not queued"
			);
			ensure!(
				matches!(Outcomes::<T>::get(region, period), Some(PeriodOutcome::Faulted { .. })),
				"resolution of a pair that is not faulted"
			);
			let key = (region, period);
			let (mut entries, mut last): (u32, Option<Prid>) = (0, None);
			for part in 0..res.parts {
				let p = RecheckParts::<T>::get(key, part).ok_or("resolution part missing")?;
				for (prid, _) in p.iter() {
					ensure!(last.is_none_or(|l| l.0 < prid.0), "resolution not ascending");
					last = Some(*prid);
				}
				entries = entries.saturating_add(p.len() as u32);
			}
			ensure!(entries == res.entries(), "resolution entry count differs");
			ensure!(last == res.last, "resolution's last PRID differs");
			ensure!(
				RecheckParts::<T>::iter_key_prefix(key).count() as u32 == res.parts,
				"resolution has stray parts"
			);
		}
		for (key, _) in RecheckParts::<T>::iter_keys() {
			ensure!(Rechecks::<T>::contains_key(key.0, key.1), "parts without a resolution");
		}
		Ok(())
	}
}
