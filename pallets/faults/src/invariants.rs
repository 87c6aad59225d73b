//! The pallet's invariants, checked by `try_state` (and by the tests after every scenario).

use crate::{
	pallet::{Config, Faults, OpenFaults, Pallet},
	FaultStatus,
};
use frame_support::{ensure, traits::Get};

impl<T: Config> Pallet<T> {
	/// Invariants:
	/// - every [`OpenFaults`] entry is a recorded fault that awaits a resolution, listed once;
	/// - what a resolution named is consistent: meters ascending, at most two shares each,
	///   counts within the parts submitted.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let open = OpenFaults::<T>::get();
		for (i, (region, period)) in open.iter().enumerate() {
			ensure!(!open[..i].contains(&(*region, *period)), "fault indexed twice");
			let record = Faults::<T>::get(region, period).ok_or("indexed fault missing")?;
			ensure!(record.status.awaits_resolution(), "indexed fault not awaiting");
		}
		for (_, _, record) in Faults::<T>::iter() {
			let named = match &record.status {
				FaultStatus::Collecting(n) | FaultStatus::Checking(n) => n,
				FaultStatus::Resolved { named, .. } => named,
				FaultStatus::Open | FaultStatus::Rejected | FaultStatus::Void => continue,
			};
			ensure!(named.meters.windows(2).all(|w| w[0].0 < w[1].0), "named meters not ascending");
			ensure!(
				named.meters.iter().all(|(_, n)| (1..=2).contains(n)),
				"a meter named for no or more than two shares"
			);
			let shares: u32 = named.meters.iter().map(|(_, n)| u32::from(*n)).sum();
			ensure!(
				named.overflow || shares == named.absent + named.lone,
				"named shares differ from the absent and lone counts"
			);
			ensure!(
				u64::from(named.absent + named.lone + named.forged)
					<= u64::from(named.parts) * u64::from(T::MaxEntriesPerPart::get()),
				"more entries than the parts hold"
			);
		}
		Ok(())
	}
}
