//! # Meters pallet
//!
//! Regions, meters and their owners, and the two privileged roles of gridmask (PROTOCOL.md §1,
//! §4 step 1).
//!
//! ## Overview
//!
//! - **Roles**: the key generation centre / bill provider (**KGC**) registers regions and meters
//!   and later publishes period setups and bills; the control centre (**CC**) sets tariffs. Each
//!   is one account, set at genesis and changeable by [`Config::RoleAdminOrigin`] (root). Other
//!   pallets check them through the [`EnsureKgc`] and [`EnsureCc`] origins.
//! - **Regions**: an id, a name and the aggregators that serve its meters (clients route
//!   readings to them). The region's number of *active* meters is kept up to date: the readings
//!   pallet refuses period setups for regions below a minimum (k-anonymity of aggregates).
//! - **Membership epochs**: each region counts the changes of its active set (its *epoch*),
//!   and each meter keeps the spans of epochs during which it was active where
//!   ([`Meter::memberships`]). A period setup names the epoch it was built for, so "the meters
//!   the setup covered" is a fact on chain ([`Pallet::was_active_in`]): a fault's resolution
//!   may only name those, and a bill prices each period in the region whose setup covered the
//!   meter, however the meter moved, was suspended or retired afterwards.
//! - **Meters**: the billing id (the paper's BID, [`MeterId`]), region, owner account, the
//!   owner's HPKE public key for encrypted bills, a status and a fault counter. Meter secrets
//!   never touch the chain, and the billing id never appears in a reading.
//!
//! ## Terminology
//!
//! - **KGC**: the trusted key generation centre and bill provider of the paper (KGCBP).
//! - **CC**: the semi-honest control centre that sets dynamic prices.
//! - **Active / Suspended / Retired**: an active meter is expected to report every period; a
//!   suspended one (by the KGC, or after too many faults) is not, until reinstated; a retired
//!   one is gone for good (its id is never reused).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use frame_support::traits::EnsureOrigin;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may change the role accounts (root).
		type RoleAdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Longest region name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Most aggregators serving one region.
		#[pallet::constant]
		type MaxRegionAggregators: Get<u32>;
		/// Most meters registered by one `register_meters` call.
		#[pallet::constant]
		type MaxRegisterBatch: Get<u32>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The KGC account.
	#[pallet::storage]
	pub type Kgc<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

	/// The CC account.
	#[pallet::storage]
	pub type Cc<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

	/// Regions by id.
	#[pallet::storage]
	pub type Regions<T: Config> = StorageMap<_, Twox64Concat, RegionId, RegionOf<T>, OptionQuery>;

	/// Meters by billing id.
	#[pallet::storage]
	pub type Meters<T: Config> = StorageMap<_, Twox64Concat, MeterId, MeterOf<T>, OptionQuery>;

	/// The meters of each region (any status but retired), for iteration by the KGC's tools
	/// and off-chain worker.
	#[pallet::storage]
	pub type MetersByRegion<T: Config> =
		StorageDoubleMap<_, Twox64Concat, RegionId, Twox64Concat, MeterId, (), OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The KGC account.
		pub kgc: Option<T::AccountId>,
		/// The CC account.
		pub cc: Option<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(kgc) = &self.kgc {
				Kgc::<T>::put(kgc);
			}
			if let Some(cc) = &self.cc {
				Cc::<T>::put(cc);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The account holding `role` changed.
		RoleAssigned { role: Role, who: T::AccountId },
		/// A region was created.
		RegionCreated { region: RegionId },
		/// The aggregators serving a region changed.
		RegionAggregatorsSet { region: RegionId, aggregators: Vec<T::AccountId> },
		/// Meters were registered (all active).
		MetersRegistered { region: RegionId, meters: Vec<MeterId> },
		/// A meter moved to another region.
		MeterMoved { meter: MeterId, from: RegionId, to: RegionId },
		/// A meter was suspended: it is not expected to report.
		MeterSuspended { meter: MeterId },
		/// A suspended meter is active again.
		MeterReinstated { meter: MeterId },
		/// A meter was retired for good.
		MeterRetired { meter: MeterId },
		/// The owner's key for encrypted bills changed.
		OwnerKeySet { meter: MeterId, key: HpkePublicKey },
		/// A region's reading shape changed.
		RegionShapeSet { region: RegionId, shape: Vec<ChannelKind> },
		/// A meter was registered as a prosumer (or no longer is).
		ProsumerSet { meter: MeterId, prosumer: bool },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A region with this id exists already.
		RegionExists,
		/// No region with this id.
		UnknownRegion,
		/// A meter with this id exists (or existed: retired ids are not reused).
		MeterExists,
		/// No meter with this id.
		UnknownMeter,
		/// The meter is retired; nothing can change it.
		MeterRetired,
		/// The meter is suspended already.
		AlreadySuspended,
		/// The meter is not suspended.
		NotSuspended,
		/// The meter is in that region already.
		SameRegion,
		/// The batch is empty.
		EmptyBatch,
		/// The batch names a meter twice.
		DuplicateInBatch,
		/// A meter registered in one batch must all go to one region.
		MixedRegions,
		/// A region's meter counter would overflow.
		TooManyMeters,
		/// The owner's HPKE key is an X25519 point of small order (all-zero included): no bill
		/// could be sealed to it.
		InvalidOwnerKey,
		/// Not a reading shape: empty, not starting with `import_wh`, or a kind repeated.
		BadShape,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Give `role` to `who`, replacing the previous holder.
		///
		/// The dispatch origin must be [`Config::RoleAdminOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the role admin.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_role())]
		pub fn set_role(origin: OriginFor<T>, role: Role, who: T::AccountId) -> DispatchResult {
			T::RoleAdminOrigin::ensure_origin(origin)?;
			match role {
				Role::Kgc => Kgc::<T>::put(&who),
				Role::Cc => Cc::<T>::put(&who),
			}
			Self::deposit_event(Event::RoleAssigned { role, who });
			Ok(())
		}

		/// Create region `region` named `name`, served by `aggregators`. Its shape is
		/// `import_wh` alone until [`Pallet::set_region_shape`] changes it.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::RegionExists`]: the id is taken.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::create_region())]
		pub fn create_region(
			origin: OriginFor<T>,
			region: RegionId,
			name: BoundedVec<u8, T::MaxNameLen>,
			aggregators: BoundedVec<T::AccountId, T::MaxRegionAggregators>,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			ensure!(!Regions::<T>::contains_key(region), Error::<T>::RegionExists);
			Regions::<T>::insert(
				region,
				Region {
					name,
					aggregators,
					shape: gridmask_primitives::channel::energy_only(),
					active_meters: 0,
					active_prosumers: 0,
					epoch: 0,
				},
			);
			Self::deposit_event(Event::RegionCreated { region });
			Ok(())
		}

		/// Set the aggregators that serve `region` (clients send its readings to them).
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownRegion`]
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_region_aggregators())]
		pub fn set_region_aggregators(
			origin: OriginFor<T>,
			region: RegionId,
			aggregators: BoundedVec<T::AccountId, T::MaxRegionAggregators>,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			Regions::<T>::try_mutate(region, |r| -> DispatchResult {
				let r = r.as_mut().ok_or(Error::<T>::UnknownRegion)?;
				r.aggregators = aggregators.clone();
				Ok(())
			})?;
			Self::deposit_event(Event::RegionAggregatorsSet {
				region,
				aggregators: aggregators.into_inner(),
			});
			Ok(())
		}

		/// Register a batch of new meters, all in one region, all active. All or nothing.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::EmptyBatch`], [`Error::MixedRegions`], [`Error::DuplicateInBatch`]
		/// - [`Error::InvalidOwnerKey`]: an owner key is of small order.
		/// - [`Error::UnknownRegion`]
		/// - [`Error::MeterExists`]: an id is (or was) in use.
		/// - [`Error::TooManyMeters`]: the region's counter would overflow.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_meters(meters.len() as u32))]
		pub fn register_meters(
			origin: OriginFor<T>,
			meters: BoundedVec<MeterRegistration<T::AccountId>, T::MaxRegisterBatch>,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let region = meters.first().ok_or(Error::<T>::EmptyBatch)?.region;
			ensure!(meters.iter().all(|m| m.region == region), Error::<T>::MixedRegions);
			let mut ids: Vec<MeterId> = meters.iter().map(|m| m.meter).collect();
			ids.sort_unstable();
			ensure!(ids.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateInBatch);
			ensure!(
				meters.iter().all(|m| m.owner_key.is_acceptable()),
				Error::<T>::InvalidOwnerKey
			);
			ensure!(ids.iter().all(|id| !Meters::<T>::contains_key(id)), Error::<T>::MeterExists);
			let epoch = Regions::<T>::try_mutate(region, |r| -> Result<_, DispatchError> {
				let r = r.as_mut().ok_or(Error::<T>::UnknownRegion)?;
				r.active_meters = r
					.active_meters
					.checked_add(meters.len() as u32)
					.ok_or(Error::<T>::TooManyMeters)?;
				// Cannot overflow: there are no more prosumers than meters.
				r.active_prosumers = r
					.active_prosumers
					.saturating_add(meters.iter().filter(|m| m.prosumer).count() as u32);
				r.epoch = r.epoch.saturating_add(1);
				Ok(r.epoch)
			})?;
			let span = Membership { region, from: epoch, until: None };
			let mut registered = Vec::with_capacity(meters.len());
			for m in meters {
				Meters::<T>::insert(
					m.meter,
					Meter {
						region,
						owner: m.owner,
						owner_key: m.owner_key,
						status: MeterStatus::Active,
						faults: 0,
						prosumer: m.prosumer,
						memberships: BoundedVec::truncate_from(alloc::vec![span]),
					},
				);
				MetersByRegion::<T>::insert(region, m.meter, ());
				registered.push(m.meter);
			}
			Self::deposit_event(Event::MetersRegistered { region, meters: registered });
			Ok(())
		}

		/// Move `meter` to region `to`. Its status stays as it is.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`], [`Error::UnknownRegion`],
		///   [`Error::SameRegion`], [`Error::TooManyMeters`]
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::move_meter())]
		pub fn move_meter(origin: OriginFor<T>, meter: MeterId, to: RegionId) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let mut m = Self::live_meter(meter)?;
			let from = m.region;
			ensure!(from != to, Error::<T>::SameRegion);
			ensure!(Regions::<T>::contains_key(to), Error::<T>::UnknownRegion);
			if m.status == MeterStatus::Active {
				Self::deactivate(&mut m)?;
				m.region = to;
				Self::activate(&mut m)?;
			}
			MetersByRegion::<T>::remove(from, meter);
			MetersByRegion::<T>::insert(to, meter, ());
			m.region = to;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::MeterMoved { meter, from, to });
			Ok(())
		}

		/// Suspend `meter`: it is no longer expected to report (and no longer counted active).
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`], [`Error::AlreadySuspended`]
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::suspend_meter())]
		pub fn suspend_meter(origin: OriginFor<T>, meter: MeterId) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			Self::do_suspend(meter)
		}

		/// Reinstate a suspended `meter` and reset its fault counter.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`], [`Error::NotSuspended`],
		///   [`Error::TooManyMeters`]
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::reinstate_meter())]
		pub fn reinstate_meter(origin: OriginFor<T>, meter: MeterId) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let mut m = Self::live_meter(meter)?;
			ensure!(m.status == MeterStatus::Suspended, Error::<T>::NotSuspended);
			Self::activate(&mut m)?;
			m.status = MeterStatus::Active;
			m.faults = 0;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::MeterReinstated { meter });
			Ok(())
		}

		/// Retire `meter` for good. The record stays (bills refer to it); the id is not reused.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`]
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::retire_meter())]
		pub fn retire_meter(origin: OriginFor<T>, meter: MeterId) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let mut m = Self::live_meter(meter)?;
			if m.status == MeterStatus::Active {
				Self::deactivate(&mut m)?;
			}
			MetersByRegion::<T>::remove(m.region, meter);
			m.status = MeterStatus::Retired;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::MeterRetired { meter });
			Ok(())
		}

		/// Set the owner's HPKE public key of `meter` (future bills are encrypted to it).
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`]
		/// - [`Error::InvalidOwnerKey`]: the key is of small order.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_owner_key())]
		pub fn set_owner_key(
			origin: OriginFor<T>,
			meter: MeterId,
			key: HpkePublicKey,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			ensure!(key.is_acceptable(), Error::<T>::InvalidOwnerKey);
			let mut m = Self::live_meter(meter)?;
			m.owner_key = key;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::OwnerKeySet { meter, key });
			Ok(())
		}

		/// Set the channels every reading of `region` carries (PROTOCOL.md §3a): `import_wh`
		/// first, each kind at most once, at most [`MAX_CHANNELS`]. The region's epoch
		/// advances, so setups must be built again for the new shape.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownRegion`]
		/// - [`Error::BadShape`]: empty, not starting with `import_wh`, or a kind repeated.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_region_shape())]
		pub fn set_region_shape(
			origin: OriginFor<T>,
			region: RegionId,
			shape: Shape,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let shape =
				gridmask_primitives::channel::shape(&shape).map_err(|_| Error::<T>::BadShape)?;
			Regions::<T>::try_mutate(region, |r| -> DispatchResult {
				let r = r.as_mut().ok_or(Error::<T>::UnknownRegion)?;
				r.shape = shape.clone();
				r.epoch = r.epoch.saturating_add(1);
				Ok(())
			})?;
			Self::deposit_event(Event::RegionShapeSet { region, shape: shape.into_inner() });
			Ok(())
		}

		/// Register whether `meter` can export (is a prosumer). If the meter is active, its
		/// region's prosumer count and epoch change with it.
		///
		/// The dispatch origin must be the KGC.
		///
		/// ## Errors
		/// - [`Error::UnknownMeter`], [`Error::MeterRetired`]
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_prosumer())]
		pub fn set_prosumer(
			origin: OriginFor<T>,
			meter: MeterId,
			prosumer: bool,
		) -> DispatchResult {
			EnsureKgc::<T>::ensure_origin(origin)?;
			let mut m = Self::live_meter(meter)?;
			if m.prosumer == prosumer {
				return Ok(());
			}
			if m.status == MeterStatus::Active {
				// Out of the active set as it was, back in as it is: counts and epoch follow.
				Self::deactivate(&mut m)?;
				m.prosumer = prosumer;
				Self::activate(&mut m)?;
			}
			m.prosumer = prosumer;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::ProsumerSet { meter, prosumer });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The account holding `role`, if any.
		pub fn role_holder(role: Role) -> Option<T::AccountId> {
			match role {
				Role::Kgc => Kgc::<T>::get(),
				Role::Cc => Cc::<T>::get(),
			}
		}

		/// `meter`'s owner and the regions of its membership spans (ascending, each once),
		/// whatever its status: what a bill names.
		pub fn owner_and_regions(meter: MeterId) -> Option<(T::AccountId, Vec<RegionId>)> {
			let m = Meters::<T>::get(meter)?;
			let mut regions: Vec<RegionId> = m.memberships.iter().map(|s| s.region).collect();
			regions.sort_unstable();
			regions.dedup();
			Some((m.owner, regions))
		}

		/// Whether `region` exists.
		pub fn region_exists(region: RegionId) -> bool {
			Regions::<T>::contains_key(region)
		}

		/// The number of active meters of `region` (0 for an unknown region).
		pub fn active_meters(region: RegionId) -> u32 {
			Regions::<T>::get(region).map_or(0, |r| r.active_meters)
		}

		/// The reading shape of `region` (`None` for an unknown region).
		pub fn region_shape(region: RegionId) -> Option<Shape> {
			Regions::<T>::get(region).map(|r| r.shape)
		}

		/// Per channel of `region`'s shape, how many of its active meters can contribute to
		/// the channel's published aggregate: all of them, only the prosumers for a
		/// prosumers-only channel (export), none for a channel whose sum is not published (a
		/// maximum). Empty for an unknown region.
		pub fn channel_contributors(region: RegionId) -> Vec<u32> {
			Regions::<T>::get(region).map_or_else(Vec::new, |r| {
				r.shape
					.iter()
					.map(|k| match (k.summed(), k.prosumers_only()) {
						(false, _) => 0,
						(true, true) => r.active_prosumers,
						(true, false) => r.active_meters,
					})
					.collect()
			})
		}

		/// The meter, unless unknown or retired.
		fn live_meter(meter: MeterId) -> Result<MeterOf<T>, DispatchError> {
			let m = Meters::<T>::get(meter).ok_or(Error::<T>::UnknownMeter)?;
			ensure!(m.status != MeterStatus::Retired, Error::<T>::MeterRetired);
			Ok(m)
		}

		/// The epoch of `region`'s active set (0 for an unknown region).
		pub fn region_epoch(region: RegionId) -> MembershipEpoch {
			Regions::<T>::get(region).map_or(0, |r| r.epoch)
		}

		/// Whether `meter` was active in `region` in the region's `epoch`: whether a setup of
		/// `region` built for `epoch` covered it. `false` for an unknown meter, and for spans
		/// older than the [`MAX_MEMBERSHIPS`] the meter keeps.
		pub fn was_active_in(meter: MeterId, region: RegionId, epoch: MembershipEpoch) -> bool {
			Meters::<T>::get(meter)
				.is_some_and(|m| m.memberships.iter().any(|s| s.covers(region, epoch)))
		}

		/// Count one active meter (a prosumer if `prosumer`) more or less in `region`, advance
		/// its epoch; returns the new epoch.
		fn change_active(
			region: RegionId,
			up: bool,
			prosumer: bool,
		) -> Result<MembershipEpoch, DispatchError> {
			Regions::<T>::try_mutate(region, |r| {
				let r = r.as_mut().ok_or(Error::<T>::UnknownRegion)?;
				let step = u32::from(prosumer);
				if up {
					r.active_meters =
						r.active_meters.checked_add(1).ok_or(Error::<T>::TooManyMeters)?;
					r.active_prosumers = r.active_prosumers.saturating_add(step);
				} else {
					// An active meter is always counted: a zero here is a broken invariant,
					// which try_state reports; saturate rather than fail the call.
					r.active_meters = r.active_meters.saturating_sub(1);
					r.active_prosumers = r.active_prosumers.saturating_sub(step);
				}
				// 2^32 changes of one region's active set do not happen; saturate.
				r.epoch = r.epoch.saturating_add(1);
				Ok(r.epoch)
			})
		}

		/// The meter `m` becomes active in its region: counted, the region's epoch advances,
		/// and a membership span opens (the oldest span is dropped if the list is full).
		fn activate(m: &mut MeterOf<T>) -> DispatchResult {
			let epoch = Self::change_active(m.region, true, m.prosumer)?;
			if m.memberships.is_full() {
				m.memberships.remove(0);
			}
			let span = Membership { region: m.region, from: epoch, until: None };
			m.memberships.try_push(span).map_err(|_| Error::<T>::TooManyMeters)?;
			Ok(())
		}

		/// The active meter `m` stops being active in its region: uncounted, the region's
		/// epoch advances, and its open membership span closes.
		fn deactivate(m: &mut MeterOf<T>) -> DispatchResult {
			let epoch = Self::change_active(m.region, false, m.prosumer)?;
			if let Some(span) = m.memberships.last_mut().filter(|s| s.until.is_none()) {
				span.until = Some(epoch);
			}
			Ok(())
		}

		/// A resolved fault found `meter` silent: its fault counter rises and, once it reaches
		/// `suspend_after` (0: never) while the meter is active, the meter is suspended.
		/// Returns `(faults, suspended now)`; `None` (nothing changed) if the meter is unknown
		/// or retired.
		pub fn note_fault(meter: MeterId, suspend_after: u32) -> Option<(u32, bool)> {
			let mut m = Self::live_meter(meter).ok()?;
			m.faults = m.faults.saturating_add(1);
			let faults = m.faults;
			let suspend =
				suspend_after > 0 && faults >= suspend_after && m.status == MeterStatus::Active;
			Meters::<T>::insert(meter, m);
			Some((faults, suspend && Self::do_suspend(meter).is_ok()))
		}

		/// Suspend an active meter (the KGC's call, or the fault threshold).
		pub fn do_suspend(meter: MeterId) -> DispatchResult {
			let mut m = Self::live_meter(meter)?;
			ensure!(m.status != MeterStatus::Suspended, Error::<T>::AlreadySuspended);
			Self::deactivate(&mut m)?;
			m.status = MeterStatus::Suspended;
			Meters::<T>::insert(meter, m);
			Self::deposit_event(Event::MeterSuspended { meter });
			Ok(())
		}

		/// Invariants: every region's active count equals its active meters, and its prosumer
		/// count its active prosumers; every region's shape is a shape;
		/// `MetersByRegion` indexes exactly the non-retired meters; a meter's membership spans
		/// are well formed, and exactly the active ones end with a span open in their region
		/// from an epoch not after the region's.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			for (region, r) in Regions::<T>::iter() {
				let (mut active, mut prosumers) = (0u32, 0u32);
				for (meter, ()) in MetersByRegion::<T>::iter_prefix(region) {
					let m = Meters::<T>::get(meter).ok_or("indexed meter missing")?;
					ensure!(m.region == region, "meter indexed under another region");
					ensure!(m.status != MeterStatus::Retired, "retired meter indexed");
					if m.status == MeterStatus::Active {
						active += 1;
						prosumers += u32::from(m.prosumer);
					}
				}
				ensure!(active == r.active_meters, "active meter count out of date");
				ensure!(prosumers == r.active_prosumers, "active prosumer count out of date");
				ensure!(
					gridmask_primitives::channel::shape(&r.shape).is_ok(),
					"a region's shape is not a shape"
				);
			}
			for (meter, m) in Meters::<T>::iter() {
				ensure!(
					(m.status == MeterStatus::Retired)
						!= MetersByRegion::<T>::contains_key(m.region, meter),
					"meter index out of date"
				);
				let spans = &m.memberships;
				ensure!(
					spans.iter().all(|s| s.until.is_none_or(|u| s.from < u)),
					"empty or reversed membership span"
				);
				ensure!(
					spans.iter().rev().skip(1).all(|s| s.until.is_some()),
					"membership span open before the last"
				);
				let open = spans.last().filter(|s| s.until.is_none());
				ensure!(
					(m.status == MeterStatus::Active) == open.is_some(),
					"an active meter without an open span, or an inactive one with one"
				);
				if let Some(span) = open {
					ensure!(span.region == m.region, "open span in another region");
					ensure!(span.from <= Self::region_epoch(m.region), "span from a future epoch");
				}
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxRegisterBatch::get() >= 1, "MaxRegisterBatch must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

/// Origin check: a signed origin whose account holds the KGC (`KGC = true`) or CC role;
/// yields that account.
pub struct EnsureRole<T, const KGC: bool>(core::marker::PhantomData<T>);

/// The KGC's signed origin.
pub type EnsureKgc<T> = EnsureRole<T, true>;
/// The CC's signed origin.
pub type EnsureCc<T> = EnsureRole<T, false>;

impl<T: Config, const KGC: bool> EnsureOrigin<T::RuntimeOrigin> for EnsureRole<T, KGC> {
	type Success = T::AccountId;

	fn try_origin(o: T::RuntimeOrigin) -> Result<Self::Success, T::RuntimeOrigin> {
		let role = if KGC { Role::Kgc } else { Role::Cc };
		match (o.clone().into(), Pallet::<T>::role_holder(role)) {
			(Ok(frame_system::RawOrigin::Signed(who)), Some(holder)) if who == holder => Ok(who),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<T::RuntimeOrigin, ()> {
		let role = if KGC { Role::Kgc } else { Role::Cc };
		Pallet::<T>::role_holder(role)
			.map(|who| frame_system::RawOrigin::Signed(who).into())
			.ok_or(())
	}
}
