//! What the readings pallet's outcomes do to a fault: sealing found a period faulted
//! ([`Pallet::on_faulted`]), or a re-check of a resolution ended ([`Pallet::on_check_done`]).

use crate::{
	pallet::{Config, Event, Faults, OpenFaults, Pallet},
	traits::{CheckOutcome, MeterDirectory},
	weights::WeightInfo,
	Blame, FaultRecord, FaultStatus, LOG_TARGET,
};
use frame_support::{pallet_prelude::*, traits::Get};
use gridmask_primitives::{PeriodIndex, RegionId};

impl<T: Config> Pallet<T> {
	/// Record that sealing found (`region`, `period`) faulted with `expected` shares
	/// committed to and `received` on chain: status `Open`, indexed for the off-chain worker
	/// (evicting the oldest indexed fault if the index is full). Returns the weight used.
	///
	/// Called by the runtime from the readings pallet's outcome hook, once per faulted pair.
	/// Infallible; a repeated call for a recorded pair changes nothing.
	pub fn on_faulted(
		region: RegionId,
		period: PeriodIndex,
		expected: u32,
		received: u32,
	) -> Weight {
		if Faults::<T>::contains_key(region, period) {
			log::warn!(
				target: LOG_TARGET,
				"fault of region {region} period {period} recorded already",
			);
			return T::DbWeight::get().reads(1);
		}
		Faults::<T>::insert(
			region,
			period,
			FaultRecord { expected, received, status: FaultStatus::Open },
		);
		Self::deposit_event(Event::FaultRecorded { region, period, expected, received });
		Self::index_open(region, period);
		T::WeightInfo::on_faulted()
	}

	/// The checker finished the resolution of (`region`, `period`). Resolved: the period
	/// is sealed; if at least [`Config::BlameQuorum`] of the meters its setup covered sent
	/// both shares (and the named meters fit the record), the named meters' fault counters
	/// rise (suspension at [`Config::SuspendAfter`]); otherwise it is the chain's fault and
	/// nobody's counter rises. Mismatch: the fault is open to another resolution. Returns
	/// the weight used.
	///
	/// Called by the runtime from the readings pallet's outcome hook when a re-check ends.
	/// Infallible; ignored (with a log) unless the fault is `Checking`.
	pub fn on_check_done(region: RegionId, period: PeriodIndex, outcome: CheckOutcome) -> Weight {
		let Some(mut record) = Faults::<T>::get(region, period) else {
			log::warn!(target: LOG_TARGET, "check of unknown fault {region}/{period}");
			return T::DbWeight::get().reads(1);
		};
		let FaultStatus::Checking(named) = record.status.clone() else {
			log::warn!(target: LOG_TARGET, "check of fault {region}/{period} not checking");
			return T::DbWeight::get().reads(1);
		};
		match outcome {
			CheckOutcome::Resolved { aggregate, contributors } => {
				let covered = record.expected / 2;
				let quorum = T::BlameQuorum::get().mul_ceil(covered);
				let blame = if contributors >= quorum && !named.overflow {
					Blame::Meters
				} else {
					Blame::Chain
				};
				let meters = named.meter_ids();
				let m = meters.len() as u32;
				record.status = FaultStatus::Resolved { named, aggregate, contributors, blame };
				Faults::<T>::insert(region, period, record);
				Self::deposit_event(Event::FaultResolved {
					region,
					period,
					aggregate,
					contributors,
					meters: meters.clone(),
					blame,
				});
				if blame == Blame::Chain {
					Self::deposit_event(Event::ChainFault {
						region,
						period,
						contributors,
						covered,
					});
					return T::WeightInfo::on_check_done_resolved(0);
				}
				let suspend_after = T::SuspendAfter::get();
				for meter in meters {
					let Some(note) = T::Meters::note_fault(meter, suspend_after) else {
						log::warn!(target: LOG_TARGET, "named meter {meter} is gone");
						continue;
					};
					Self::deposit_event(Event::MeterFaulted { meter, faults: note.faults });
					if note.suspended {
						Self::deposit_event(Event::MeterSuspended { meter });
					}
				}
				T::WeightInfo::on_check_done_resolved(m)
			},
			CheckOutcome::Mismatch => {
				record.status = FaultStatus::Rejected;
				Faults::<T>::insert(region, period, record);
				Self::index_open(region, period);
				T::WeightInfo::on_check_done_rejected()
			},
		}
	}

	/// Append (`region`, `period`) to [`OpenFaults`], evicting the oldest entry if full.
	fn index_open(region: RegionId, period: PeriodIndex) {
		let key = (region, period);
		let evicted = OpenFaults::<T>::mutate(|open| {
			if open.contains(&key) {
				return None;
			}
			let evicted =
				if open.is_full() && !open.is_empty() { Some(open.remove(0)) } else { None };
			// Room was made above (a zero-capacity index is refused by integrity_test).
			let _ = open.try_push(key);
			evicted
		});
		if let Some((region, period)) = evicted {
			Self::deposit_event(Event::OpenFaultEvicted { region, period });
		}
	}
}
