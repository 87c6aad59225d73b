//! # Aggregators pallet
//!
//! The registry of gridmask's data aggregators — which **is** the chain's authority set.
//!
//! ## Overview
//!
//! In gridmask (PROTOCOL.md §1) every data aggregator (the paper's `DA_j`) is an authority node:
//! an Aura block author and a GRANDPA voter. Every aggregator re-executes every block and thereby
//! re-verifies every meter reading; GRANDPA finalizes with more than 2/3 of them, so four
//! aggregators tolerate one faulty one.
//!
//! This pallet keeps the set of aggregator accounts. An admin origin adds an aggregator together
//! with its session keys (Aura + GRANDPA) and the proof that the keys' owner is that account, and
//! removes aggregators again. The pallet is the runtime's [`pallet_session::SessionManager`], so
//! the validator set that `pallet-session` plans for the coming session is exactly the registered
//! aggregators. Changes follow `pallet-session`'s schedule: a change made during session `i` is
//! planned at the start of session `i + 1` and becomes the Aura/GRANDPA authority set at the start
//! of session `i + 2`.
//!
//! Sessions rotate through [`QuietSessions`]: every session period at the earliest, and only
//! when the runtime says the time is quiet ([`QuietTime`]), because `pallet-session` takes a
//! rotation block's whole weight.
//!
//! The set never shrinks below [`Config::MinAggregators`]: with fewer authorities the chain
//! could neither author nor finalize.
//!
//! The pallet also holds the aggregators' **slot duration** ([`SlotDuration`]): the time between
//! two Aura slots, chosen once in the chain's genesis (a test chain runs faster than a dev
//! chain, from the same runtime) and never changed afterwards. The runtime hands it to Aura
//! ([`SlotDurationMs`]) and half of it to `pallet-timestamp` as the minimum block interval
//! ([`HalfSlotDurationMs`]).
//!
//! ## Terminology
//!
//! - **Aggregator**: an account whose node authors and finalizes blocks; its session keys are
//!   registered in `pallet-session` (`NextKeys`).
//! - **Session keys**: the runtime's `SessionKeys` (one Aura sr25519 key, one GRANDPA ed25519
//!   key). A node generates them with the `author_rotateKeysWithOwner` RPC, which also returns the
//!   ownership proof this pallet needs.
//! - **Planned set**: the validator set handed to `pallet-session` for the session after next.
//! - **Slot**: Aura's unit of time; each slot one aggregator (round robin) may author a block.
//!
//! ## Calls
//!
//! - [`Pallet::add_aggregator`]: admin origin; registers an account and its session keys.
//! - [`Pallet::remove_aggregator`]: admin origin; removes an account and purges its keys.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use sessions::{QuietSessions, QuietTime};
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod sessions;
pub mod weights;

/// Log target of this pallet.
const LOG_TARGET: &str = "runtime::aggregators";

/// Benchmarks only: what the benchmarks need from the runtime beyond [`Config`].
///
/// `Keys` is the runtime's `pallet_session::Config::Keys`, a type made by
/// `sp_runtime::impl_opaque_keys!`. That macro gives it an inherent
/// `generate(owner, seed)`, which no trait exposes, so the runtime has to call it:
///
/// ```ignore
/// impl pallet_aggregators::BenchmarkHelper<AccountId, SessionKeys> for Helper {
/// 	fn generate_session_keys_and_proof(owner: AccountId) -> (SessionKeys, Vec<u8>) {
/// 		let generated = SessionKeys::generate(&owner.encode(), None);
/// 		(generated.keys, generated.proof.encode())
/// 	}
/// }
/// ```
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Keys> {
	/// Fresh session keys, registered to nobody, and the proof that `owner` holds them: what
	/// the node's `author_rotateKeysWithOwner(owner)` RPC returns, i.e. the keys generated in
	/// the keystore and the SCALE-encoded tuple of each key's proof of possession over
	/// `owner.encode()`. Each call must return different keys.
	fn generate_session_keys_and_proof(owner: AccountId) -> (Keys, alloc::vec::Vec<u8>);
}

/// The shortest slot duration a chain may have (ms). Below it, a block cannot travel to and be
/// imported by the next author within its slot.
pub const MIN_SLOT_DURATION_MS: u64 = 1_000;

/// The chain's slot duration ([`SlotDuration`]), as a `Get` for Aura's `SlotDuration` and
/// anything else timed in blocks.
pub struct SlotDurationMs<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for SlotDurationMs<T> {
	fn get() -> u64 {
		SlotDuration::<T>::get()
	}
}

/// Half the slot duration: `pallet-timestamp`'s `MinimumPeriod` (Aura authors at most one block
/// per slot, so consecutive blocks are at least a slot apart; half of it is the usual margin).
pub struct HalfSlotDurationMs<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for HalfSlotDurationMs<T> {
	fn get() -> u64 {
		SlotDuration::<T>::get() / 2
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{pallet_prelude::*, traits::BuildGenesisConfig};
	use frame_system::{pallet_prelude::*, RawOrigin};
	use sp_staking::SessionIndex;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config
		+ pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
	{
		/// Who may add and remove aggregators (root on the dev chain).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The least number of aggregators; removals below it are refused.
		#[pallet::constant]
		type MinAggregators: Get<u32>;

		/// The most aggregators the set may hold (bounds storage and the session's work).
		#[pallet::constant]
		type MaxAggregators: Get<u32>;

		/// The slot duration (ms) of a chain whose genesis names none.
		type DefaultSlotDuration: Get<u64>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Benchmarks only: generates valid session keys and their ownership proof.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::BenchmarkHelper<
			Self::AccountId,
			<Self as pallet_session::Config>::Keys,
		>;
	}

	/// The registered aggregators, sorted by account, no duplicates.
	#[pallet::storage]
	pub type Aggregators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxAggregators>, ValueQuery>;

	/// Set when the registry changed since the last set was handed to `pallet-session`.
	#[pallet::storage]
	pub type PendingChange<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// The block in which the last session rotated ([`QuietSessions`]).
	#[pallet::storage]
	pub type LastRotation<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The Aura slot duration (ms): set in genesis, constant for the chain's life (Aura maps
	/// timestamps to slots with it, so changing it would move every later slot).
	///
	/// Whitelisted in benchmarks: the timestamp inherent reads it in every block.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type SlotDuration<T: Config> = StorageValue<_, u64, ValueQuery, T::DefaultSlotDuration>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The genesis aggregators. Their session keys go into `pallet-session`'s genesis.
		pub aggregators: Vec<T::AccountId>,
		/// The slot duration (ms, even, at least [`MIN_SLOT_DURATION_MS`]); 0:
		/// [`Config::DefaultSlotDuration`].
		pub slot_duration_ms: u64,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.slot_duration_ms != 0 {
				assert!(
					self.slot_duration_ms >= MIN_SLOT_DURATION_MS && self.slot_duration_ms % 2 == 0,
					"the genesis slot duration must be even and at least {MIN_SLOT_DURATION_MS} ms"
				);
				SlotDuration::<T>::put(self.slot_duration_ms);
			}
			// An empty list (the `Default` config) leaves the registry empty; `pallet-session`
			// then starts from its own genesis keys. A real chain names its aggregators.
			if self.aggregators.is_empty() {
				return;
			}
			let mut set = self.aggregators.clone();
			set.sort();
			set.dedup();
			assert_eq!(set.len(), self.aggregators.len(), "duplicate genesis aggregator");
			assert!(
				set.len() as u32 >= T::MinAggregators::get(),
				"fewer genesis aggregators than MinAggregators"
			);
			let set: BoundedVec<_, _> =
				set.try_into().expect("more genesis aggregators than MaxAggregators");
			Aggregators::<T>::put(set);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An aggregator was registered; it authors from the session after next.
		AggregatorAdded { who: T::AccountId },
		/// An aggregator was removed; it stops authoring from the session after next.
		AggregatorRemoved { who: T::AccountId },
		/// The registry was handed to `pallet-session` as the validator set of `session`.
		NewSetPlanned { session: SessionIndex, aggregators: Vec<T::AccountId> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an aggregator.
		AlreadyAggregator,
		/// The account is not an aggregator.
		NotAggregator,
		/// Removing would leave fewer than `MinAggregators` aggregators.
		TooFewAggregators,
		/// Adding would exceed `MaxAggregators`.
		TooManyAggregators,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinAggregators::get() >= 1, "MinAggregators must be at least 1");
			assert!(
				T::MinAggregators::get() <= T::MaxAggregators::get(),
				"MinAggregators must not exceed MaxAggregators"
			);
			let slot = T::DefaultSlotDuration::get();
			assert!(
				slot >= MIN_SLOT_DURATION_MS && slot % 2 == 0,
				"DefaultSlotDuration must be even and at least {MIN_SLOT_DURATION_MS} ms"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register `who` as an aggregator with its session `keys`.
		///
		/// `proof` proves that the holder of `keys` agreed to act for `who`: it is the
		/// `proof` returned by the node's `author_rotateKeysWithOwner(who)` RPC (each session key
		/// signs the SCALE-encoded account). The keys are registered in `pallet-session` on
		/// behalf of `who`; `who` must exist (hold a balance). The account authors from the
		/// session after next.
		///
		/// The dispatch origin must be [`Config::AdminOrigin`].
		///
		/// ## Errors
		/// - [`Error::AlreadyAggregator`]: `who` is already registered.
		/// - [`Error::TooManyAggregators`]: the set is full.
		/// - `pallet_session::Error::InvalidProof`: `proof` does not match `keys` and `who`.
		/// - `pallet_session::Error::DuplicatedKey`: a key is registered to another account.
		/// - `pallet_session::Error::NoAccount`: `who` does not exist.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::add_aggregator())]
		pub fn add_aggregator(
			origin: OriginFor<T>,
			who: T::AccountId,
			keys: T::Keys,
			proof: Vec<u8>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut set = Aggregators::<T>::get();
			let pos = match set.binary_search(&who) {
				Ok(_) => return Err(Error::<T>::AlreadyAggregator.into()),
				Err(pos) => pos,
			};
			set.try_insert(pos, who.clone()).map_err(|_| Error::<T>::TooManyAggregators)?;
			// pallet-session checks the proof and key uniqueness, and keeps its bookkeeping
			// (key owners, consumer reference) as if `who` had called `set_keys` itself.
			pallet_session::Pallet::<T>::set_keys(
				RawOrigin::Signed(who.clone()).into(),
				keys,
				proof,
			)?;
			Aggregators::<T>::put(set);
			PendingChange::<T>::put(true);
			Self::deposit_event(Event::AggregatorAdded { who });
			Ok(())
		}

		/// Remove `who` from the aggregators and purge its session keys.
		///
		/// `who` stays an authority until the end of the next session (the set for it is
		/// already planned).
		///
		/// The dispatch origin must be [`Config::AdminOrigin`].
		///
		/// ## Errors
		/// - [`Error::NotAggregator`]: `who` is not registered.
		/// - [`Error::TooFewAggregators`]: removing would leave fewer than `MinAggregators`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::remove_aggregator())]
		pub fn remove_aggregator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut set = Aggregators::<T>::get();
			let pos = set.binary_search(&who).map_err(|_| Error::<T>::NotAggregator)?;
			ensure!(set.len() as u32 > T::MinAggregators::get(), Error::<T>::TooFewAggregators);
			set.remove(pos);
			// Keys of a planned-but-removed validator are not needed any more: the queued set
			// keeps its own copy, and the next plan leaves `who` out.
			if pallet_session::NextKeys::<T>::contains_key(&who) {
				pallet_session::Pallet::<T>::purge_keys(RawOrigin::Signed(who.clone()).into())?;
			}
			Aggregators::<T>::put(set);
			PendingChange::<T>::put(true);
			Self::deposit_event(Event::AggregatorRemoved { who });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The registered aggregators, sorted.
		pub fn aggregators() -> Vec<T::AccountId> {
			Aggregators::<T>::get().into_inner()
		}

		/// Whether `who` is a registered aggregator.
		pub fn is_aggregator(who: &T::AccountId) -> bool {
			Aggregators::<T>::get().binary_search(who).is_ok()
		}

		/// Invariants: sorted without duplicates, at least `MinAggregators`, every aggregator
		/// has session keys for the next plan, and the slot duration is usable.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let slot = SlotDuration::<T>::get();
			ensure!(slot >= MIN_SLOT_DURATION_MS && slot % 2 == 0, "unusable slot duration");
			let set = Aggregators::<T>::get();
			ensure!(set.windows(2).all(|w| w[0] < w[1]), "aggregators not sorted or duplicated");
			ensure!(set.len() as u32 >= T::MinAggregators::get(), "fewer than MinAggregators");
			ensure!(
				set.iter().all(|a| pallet_session::NextKeys::<T>::contains_key(a)),
				"an aggregator has no session keys"
			);
			Ok(())
		}
	}

	impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
		fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
			LastRotation::<T>::put(frame_system::Pallet::<T>::block_number());
			// `None` keeps the current set and tells pallet-session nothing changed.
			if !PendingChange::<T>::take() {
				return None;
			}
			let aggregators = Self::aggregators();
			log::info!(
				target: LOG_TARGET,
				"planning {} aggregators for session {}",
				aggregators.len(),
				new_index
			);
			Self::deposit_event(Event::NewSetPlanned {
				session: new_index,
				aggregators: aggregators.clone(),
			});
			Some(aggregators)
		}

		fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
			let aggregators = Self::aggregators();
			(!aggregators.is_empty()).then_some(aggregators)
		}

		fn end_session(_end_index: SessionIndex) {}

		fn start_session(_start_index: SessionIndex) {}
	}
}
