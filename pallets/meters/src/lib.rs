//! # Meters pallet
//!
//! Regions, meters and their owners, and the two privileged roles of gridmask (PROTOCOL.md §1).
//!
//! ## Overview
//!
//! This first part holds the **role accounts**: the key generation centre / bill provider
//! (**KGC**), which registers meters and publishes period setups and bills, and the control
//! centre (**CC**), which sets tariffs. Each is one account, set at genesis and changeable by
//! [`Config::RoleAdminOrigin`] (root). Other pallets check these roles through the
//! [`EnsureKgc`] and [`EnsureCc`] origins.
//!
//! Regions and meters follow in this pallet (issue "readings").
//!
//! ## Terminology
//!
//! - **KGC**: the trusted key generation centre and bill provider of the paper (KGCBP).
//! - **CC**: the semi-honest control centre that sets dynamic prices.
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(test)]
mod tests;
pub mod weights;

use frame_support::traits::EnsureOrigin;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may change the role accounts (root).
		type RoleAdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// A privileged role.
	#[derive(
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
	)]
	pub enum Role {
		/// Key generation centre and bill provider.
		Kgc,
		/// Control centre.
		Cc,
	}

	/// The KGC account.
	#[pallet::storage]
	pub type Kgc<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

	/// The CC account.
	#[pallet::storage]
	pub type Cc<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

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
	}

	impl<T: Config> Pallet<T> {
		/// The account holding `role`, if any.
		pub fn role_holder(role: Role) -> Option<T::AccountId> {
			match role {
				Role::Kgc => Kgc::<T>::get(),
				Role::Cc => Cc::<T>::get(),
			}
		}
	}
}

/// Origin check: a signed origin whose account holds `ROLE`; yields that account.
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
