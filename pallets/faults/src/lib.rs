//! # Faults pallet
//!
//! Faulted periods and their verified resolution (PROTOCOL.md §4 step 6), and the off-chain
//! worker with which the KGC's node computes resolutions.
//!
//! ## Overview
//!
//! When the readings pallet seals a (region, period) whose stored PRIDs do not reproduce the
//! setup's commitment T, the period is *faulted*: some meters were silent, or a forged PRID
//! slipped through BF1, so `Σ value − Z` would be wrong. Only the KGC, who holds every meter's
//! master secret, can tell which shares are missing and what their masks were.
//!
//! 1. **Record** ([`Pallet::on_faulted`], called by the runtime from the readings pallet's
//!    outcome hook): a [`FaultRecord`] with what sealing saw (expected and received share
//!    counts), status [`FaultStatus::Open`], and an entry in the bounded index [`OpenFaults`]
//!    that the off-chain worker walks. Event [`Event::FaultRecorded`].
//! 2. **Resolve** (off-chain worker of the KGC node, see below): derive the PRIDs of the
//!    meters the period's setup covered (active in the region in the setup's membership
//!    epoch, whatever their status now), find the *absent* ones (expected, not on chain)
//!    and the *forged* ones (on chain, not expected), compute `Z' = Z − Σ H3(mask)` over the
//!    absent shares (mod 2^64), and submit [`Pallet::submit_resolution`] signed by the KGC.
//! 3. **Verify** ([`Pallet::submit_resolution`]): the call checks the lists' shape and the
//!    meters, then hands the PRIDs to [`Config::Checker`] (the readings pallet), which re-hashes
//!    T over `(received − forged) ∪ absent` over as many blocks as it needs. Status
//!    [`FaultStatus::Checking`], event [`Event::ResolutionSubmitted`].
//! 4. **Conclude** ([`Pallet::on_check_done`], called by the runtime when the check ends): T
//!    matched → [`FaultStatus::Resolved`] with the corrected aggregate, each silent meter's
//!    fault counter rises ([`Config::Meters`], suspended at [`Config::SuspendAfter`] faults),
//!    events [`Event::FaultResolved`], [`Event::MeterFaulted`], [`Event::MeterSuspended`].
//!    Otherwise → [`FaultStatus::Rejected`], back in [`OpenFaults`], event
//!    [`Event::ResolutionRejected`]; the KGC may submit again.
//!
//! A wrong resolution cannot seal a period: a resolution from anyone but the KGC fails the
//! origin check; a missing or extra absent PRID, or a wrongly accused forged one, changes the set
//! and so T; an absent PRID that is on chain, or a forged one that is not, is refused by the
//! checker up front. What the chain cannot check is the attribution of an absent PRID to a meter
//! (PRIDs are unlinkable by design), so the fault counters trust the KGC, as the whole protocol
//! does for meter registration; and `Z'` is the KGC's word, as `Z` itself was.
//!
//! ## Terminology
//!
//! - **Fault**: a sealed (region, period) whose received PRIDs do not reproduce T.
//! - **Absent share**: an expected share with no reading on chain; listed as `(meter, PRID)`.
//! - **Forged share**: a share on chain whose PRID is no meter's (it passed BF1 by chance, or an
//!   attacker ground keys for it); excluded from the sum.
//! - **`Z'`**: the mask sum of the shares that did arrive: `Z − Σ H3(mask)` over the absent
//!   shares, each share's mask being `H3(z)` (share A) or `H3(z')` (share B).
//! - **Resolution**: `(absent, forged, Z')` for one fault, both lists strictly ascending by PRID
//!   (the order T hashes in).
//!
//! ## Off-chain worker (KGC node)
//!
//! The worker does something only on a node that holds the KGC's signing key and the meters'
//! master secrets; every other node returns at once (after one storage read when nothing is
//! open, or after looking for the key in its keystore). Nodes run off-chain workers by default
//! only when they author blocks: start a KGC node that does not with `--offchain-worker always`.
//!
//! - **Signing key**: an sr25519 key of type [`KEY_TYPE`] (`gmkg`) in the node's keystore whose
//!   account ([`crypto::KgcAuthId`], `MultiSigner` → `AccountId32`) is the KGC account
//!   ([`Config::Kgc`]). Insert it with `author_insertKey("gmkg", <suri>, <public key hex>)`, or
//!   `gridmask-node key insert --key-type gmkg --scheme sr25519`. Transactions are signed with
//!   the account's on-chain nonce, so the KGC's other tools should not send from the same
//!   account at the same moment (a clash drops one transaction; the worker retries after
//!   [`Config::ResendAfter`] blocks).
//! - **Master secrets**: one entry per region in the node's off-chain **persistent** storage,
//!   written over RPC with `offchain_localStorageSet("PERSISTENT", key, value)` (an unsafe RPC
//!   method: run the node with `--rpc-methods unsafe` on a local interface only):
//!   - key: `b"gridmask/kgc/secrets/" ++ region.to_le_bytes()` ([`offchain::secrets_key`]),
//!     e.g. region 1 → `0x677269646d61736b2f6b67632f736563726574732f01000000`;
//!   - value: SCALE of `Vec<(MeterId, [u8; 32])>` (meter id u64 LE, master secret), i.e.
//!     compact length, then 40 bytes per meter ([`offchain::RegionSecrets`]).
//!
//!   Meters listed but not covered by the period's setup are ignored; the worker never logs a
//!   secret. A meter moved to another region stays listed under its old region too (the
//!   client's `kgc push-secrets` merges), so faults of periods set up before the move resolve.
//! - **Per block**: for each fault in [`OpenFaults`] (at most [`Config::OcwFaultsPerBlock`]
//!   evaluated): check cheaply that it is still `Open` or `Rejected` and not recently sent, then
//!   read the region's secrets, derive `(PRID, PRID', H3(z), H3(z'))` of each covered meter for
//!   the period's cycle and leaf ([`traits::PeriodData::time`]), compare with
//!   [`traits::PeriodData::received_prids`], and send one signed `submit_resolution`.
//! - **Once per fault**: a record in local persistent storage under
//!   `b"gridmask/faults/sent/" ++ region LE ++ period LE` ([`offchain::sent_key`]), taken with a
//!   compare-and-set before signing, holds the block until which nothing is re-sent
//!   (`now + ResendAfter`) and the digest of what was sent. After that block, an `Open` fault
//!   (the transaction was dropped or failed) is sent again; a `Rejected` fault only if the new
//!   resolution differs from the one sent (e.g. after the operator corrected the secrets).
//!
//! ## Runtime glue
//!
//! - The readings pallet's `OnPeriodOutcome::on_faulted` calls [`Pallet::on_faulted`]; its
//!   `on_resolved(region, period, Option<aggregate>)` calls [`Pallet::on_check_done`] with
//!   `aggregate.ok_or(())` (and prices the period when `Some`). Add the returned weights.
//! - The runtime implements [`traits::KgcAccount`], [`traits::MeterDirectory`] (meters),
//!   [`traits::PeriodData`] and [`traits::FaultChecker`] (readings), and
//!   `frame_system::offchain::CreateSignedTransaction<Call<Runtime>>`.
//!
//! ## Calls
//!
//! - [`Pallet::submit_resolution`]: KGC; a resolution of an open or rejected fault.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

use sp_runtime::KeyTypeId;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::faults";

/// Key type of the KGC's off-chain signing key in a node's keystore.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"gmkg");

/// The KGC's off-chain signing crypto: sr25519 keys of type [`KEY_TYPE`].
pub mod crypto {
	use super::KEY_TYPE;
	use sp_application_crypto::{app_crypto, sr25519};
	use sp_runtime::{traits::Verify, MultiSignature, MultiSigner};

	app_crypto!(sr25519, KEY_TYPE);

	/// The KGC's off-chain public key (application-specific sr25519).
	pub type AuthorityId = Public;

	/// [`frame_system::offchain::AppCrypto`] of the KGC key: use it as
	/// [`crate::Config::AuthorityId`].
	pub struct KgcAuthId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for KgcAuthId {
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}

	/// For runtimes whose signer is a bare sr25519 key.
	impl
		frame_system::offchain::AppCrypto<
			<sp_core::sr25519::Signature as Verify>::Signer,
			sp_core::sr25519::Signature,
		> for KgcAuthId
	{
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::traits::{FaultChecker, KgcAccount, MeterDirectory, PeriodData};
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::{
		offchain::{AppCrypto, CreateSignedTransaction},
		pallet_prelude::*,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: CreateSignedTransaction<Call<Self>> + frame_system::Config {
		/// The off-chain worker's signing crypto ([`crypto::KgcAuthId`]).
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;
		/// Who may submit resolutions: the KGC (`pallet_meters::EnsureKgc<Runtime>`).
		type KgcOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The KGC account (`pallet_meters::Kgc`): the off-chain worker signs only with its key.
		type Kgc: KgcAccount<Self::AccountId>;
		/// The meter registry (`pallet-meters`).
		type Meters: MeterDirectory;
		/// Periods' setups and received shares, as the off-chain worker reads them
		/// (`pallet-readings`).
		type Periods: PeriodData;
		/// The verifier of resolutions (`pallet-readings`' re-check).
		type Checker: FaultChecker;
		/// A meter is suspended when its fault counter reaches this many resolved faults
		/// (0: never).
		#[pallet::constant]
		type SuspendAfter: Get<u32>;
		/// Most absent PRIDs in one resolution (two per silent meter); at most what the checker
		/// takes.
		#[pallet::constant]
		type MaxAbsent: Get<u32>;
		/// Most forged PRIDs in one resolution; at most what the checker takes.
		#[pallet::constant]
		type MaxForged: Get<u32>;
		/// Most faults in the [`OpenFaults`] index; when it is full the oldest entry is dropped
		/// from the index (its record stays, and the KGC can still resolve it).
		#[pallet::constant]
		type MaxOpenFaults: Get<u32>;
		/// Off-chain worker: blocks after sending a resolution before it sends another for the
		/// same fault (if the fault is still open: the transaction was dropped or failed).
		#[pallet::constant]
		type ResendAfter: Get<BlockNumberFor<Self>>;
		/// Off-chain worker: most faults it evaluates (derives PRIDs for) per block.
		#[pallet::constant]
		type OcwFaultsPerBlock: Get<u32>;
		/// Weights of this pallet's call and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Faulted (region, period)s: what sealing saw and the state of their resolution.
	#[pallet::storage]
	pub type Faults<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		PeriodIndex,
		FaultRecordOf<T>,
		OptionQuery,
	>;

	/// Faults waiting for a resolution (status `Open` or `Rejected`), oldest first: the
	/// off-chain worker's work list.
	#[pallet::storage]
	pub type OpenFaults<T: Config> =
		StorageValue<_, BoundedVec<(RegionId, PeriodIndex), T::MaxOpenFaults>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Sealing found (region, period) faulted: `expected` shares were committed to,
		/// `received` arrived.
		FaultRecorded { region: RegionId, period: PeriodIndex, expected: u32, received: u32 },
		/// The open-fault index was full: this (oldest) fault left it. Its record stays open.
		OpenFaultEvicted { region: RegionId, period: PeriodIndex },
		/// The KGC submitted a resolution; the checker is verifying it.
		ResolutionSubmitted {
			region: RegionId,
			period: PeriodIndex,
			absent: u32,
			forged: u32,
			absent_meters: Vec<MeterId>,
			z_prime: u64,
		},
		/// The resolution reproduced T: the period is sealed with `aggregate` (Wh);
		/// `absent_meters` were silent, `forged` shares were excluded.
		FaultResolved {
			region: RegionId,
			period: PeriodIndex,
			aggregate: u64,
			absent_meters: Vec<MeterId>,
			forged: u32,
		},
		/// A resolved fault found `meter` silent; its counter is now `faults`.
		MeterFaulted { meter: MeterId, faults: u32 },
		/// `meter` reached [`Config::SuspendAfter`] faults and was suspended.
		MeterSuspended { meter: MeterId },
		/// The resolution did not reproduce T; the fault waits for another one.
		ResolutionRejected { region: RegionId, period: PeriodIndex },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No fault is recorded for this (region, period).
		UnknownFault,
		/// The fault is being checked or is resolved: it takes no resolution now.
		NotAwaitingResolution,
		/// The resolution lists no absent and no forged PRID (a fault always has some).
		EmptyResolution,
		/// The absent shares are not strictly ascending by PRID (or one is listed twice).
		AbsentNotSorted,
		/// The forged PRIDs are not strictly ascending (or one is listed twice).
		ForgedNotSorted,
		/// A PRID is listed both absent and forged.
		AbsentAndForged,
		/// An absent share names a meter the period's setup did not cover (not active in the
		/// region in the setup's membership epoch).
		NotCovered,
		/// A meter is named for more than two absent shares (it has two per period).
		TooManySharesForMeter,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Resolve the fault of (`region`, `period`): the expected shares that are `absent`
		/// (meter and PRID, strictly ascending by PRID), the received PRIDs that are `forged`
		/// (strictly ascending), and `z_prime`, the mask sum without the absent shares. The
		/// fault goes to `Checking`; [`Config::Checker`] verifies the resolution against T and
		/// the outcome arrives through [`Pallet::on_check_done`].
		///
		/// The dispatch origin must be [`Config::KgcOrigin`] (the KGC, normally its node's
		/// off-chain worker).
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the KGC.
		/// - [`Error::UnknownFault`]: no fault recorded for the pair.
		/// - [`Error::NotAwaitingResolution`]: the fault is `Checking` or `Resolved`.
		/// - [`Error::EmptyResolution`]: both lists are empty.
		/// - [`Error::AbsentNotSorted`], [`Error::ForgedNotSorted`]: a list is not strictly
		///   ascending by PRID.
		/// - [`Error::AbsentAndForged`]: the lists share a PRID.
		/// - [`Error::TooManySharesForMeter`]: a meter is named more than twice.
		/// - [`Error::NotCovered`]: a named meter was not covered by the period's setup.
		/// - Any error of [`traits::FaultChecker::start_check`] (e.g. the pair's shares were
		///   pruned, an absent PRID is on chain, a forged one is not, or the checker is busy).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_resolution(
			absent.len() as u32,
			forged.len() as u32,
		))]
		pub fn submit_resolution(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
			absent: AbsentOf<T>,
			forged: ForgedOf<T>,
			z_prime: u64,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let mut record = Faults::<T>::get(region, period).ok_or(Error::<T>::UnknownFault)?;
			ensure!(record.status.awaits_resolution(), Error::<T>::NotAwaitingResolution);
			ensure!(!absent.is_empty() || !forged.is_empty(), Error::<T>::EmptyResolution);
			ensure!(absent.windows(2).all(|w| w[0].1 < w[1].1), Error::<T>::AbsentNotSorted);
			ensure!(forged.windows(2).all(|w| w[0] < w[1]), Error::<T>::ForgedNotSorted);
			let absent_prids: Vec<Prid> = absent.iter().map(|(_, prid)| *prid).collect();
			ensure!(sorted_disjoint(&absent_prids, &forged), Error::<T>::AbsentAndForged);
			let mut meters: Vec<MeterId> = absent.iter().map(|(meter, _)| *meter).collect();
			meters.sort_unstable();
			// Sorted: a meter named three times or more has equal ids two positions apart.
			ensure!(meters.windows(3).all(|w| w[0] != w[2]), Error::<T>::TooManySharesForMeter);
			meters.dedup();
			// Only meters the setup covered can be absent (a fault of no other meter).
			let (_, epoch) = T::Periods::setup(region, period).ok_or(Error::<T>::UnknownFault)?;
			ensure!(
				meters.iter().all(|m| T::Meters::was_active_in(*m, region, epoch)),
				Error::<T>::NotCovered
			);
			T::Checker::start_check(region, period, absent_prids, forged.to_vec(), z_prime)?;

			let (n_absent, n_forged) = (absent.len() as u32, forged.len() as u32);
			// At most one distinct meter per absent share, so this never truncates.
			let absent_meters = BoundedVec::truncate_from(meters.clone());
			record.status =
				FaultStatus::Checking { absent_meters, absent: n_absent, forged: n_forged };
			Faults::<T>::insert(region, period, record);
			OpenFaults::<T>::mutate(|open| open.retain(|k| *k != (region, period)));
			Self::deposit_event(Event::ResolutionSubmitted {
				region,
				period,
				absent: n_absent,
				forged: n_forged,
				absent_meters: meters,
				z_prime,
			});
			Ok(())
		}
	}

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

		/// The checker finished the resolution of (`region`, `period`): `Ok(aggregate)` (T
		/// matched; the period is sealed with `aggregate`) or `Err(())`. Resolved: the silent
		/// meters' fault counters rise (suspension at [`Config::SuspendAfter`]). Rejected: the
		/// fault is open to another resolution. Returns the weight used.
		///
		/// Called by the runtime from the readings pallet's outcome hook when a re-check ends.
		/// Infallible; ignored (with a log) unless the fault is `Checking`.
		pub fn on_check_done(
			region: RegionId,
			period: PeriodIndex,
			result: Result<u64, ()>,
		) -> Weight {
			let Some(mut record) = Faults::<T>::get(region, period) else {
				log::warn!(target: LOG_TARGET, "check of unknown fault {region}/{period}");
				return T::DbWeight::get().reads(1);
			};
			let FaultStatus::Checking { absent_meters, forged, .. } = record.status else {
				log::warn!(target: LOG_TARGET, "check of fault {region}/{period} not checking");
				return T::DbWeight::get().reads(1);
			};
			match result {
				Ok(aggregate) => {
					let m = absent_meters.len() as u32;
					let meters = absent_meters.to_vec();
					record.status = FaultStatus::Resolved { absent_meters, forged, aggregate };
					Faults::<T>::insert(region, period, record);
					Self::deposit_event(Event::FaultResolved {
						region,
						period,
						aggregate,
						absent_meters: meters.clone(),
						forged,
					});
					let suspend_after = T::SuspendAfter::get();
					for meter in meters {
						let Some(note) = T::Meters::note_fault(meter, suspend_after) else {
							log::warn!(target: LOG_TARGET, "silent meter {meter} is gone");
							continue;
						};
						Self::deposit_event(Event::MeterFaulted { meter, faults: note.faults });
						if note.suspended {
							Self::deposit_event(Event::MeterSuspended { meter });
						}
					}
					T::WeightInfo::on_check_done_resolved(m)
				},
				Err(()) => {
					record.status = FaultStatus::Rejected;
					Faults::<T>::insert(region, period, record);
					Self::deposit_event(Event::ResolutionRejected { region, period });
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

		/// Invariants:
		/// - every [`OpenFaults`] entry is a recorded fault that awaits a resolution, listed once;
		/// - `Checking` and `Resolved` records list strictly ascending absent meters, at most two
		///   absent shares per meter and within the bounds.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let open = OpenFaults::<T>::get();
			for (i, (region, period)) in open.iter().enumerate() {
				ensure!(!open[..i].contains(&(*region, *period)), "fault indexed twice");
				let record = Faults::<T>::get(region, period).ok_or("indexed fault missing")?;
				ensure!(record.status.awaits_resolution(), "indexed fault not awaiting");
			}
			for (_, _, record) in Faults::<T>::iter() {
				match record.status {
					FaultStatus::Checking { absent_meters, absent, forged } => {
						ensure!(
							absent_meters.windows(2).all(|w| w[0] < w[1]),
							"absent meters not ascending"
						);
						let m = absent_meters.len() as u32;
						ensure!(m <= absent && absent <= 2 * m, "absent shares per meter");
						ensure!(absent <= T::MaxAbsent::get(), "too many absent shares");
						ensure!(forged <= T::MaxForged::get(), "too many forged shares");
						ensure!(absent + forged > 0, "empty resolution");
					},
					FaultStatus::Resolved { absent_meters, forged, .. } => {
						ensure!(
							absent_meters.windows(2).all(|w| w[0] < w[1]),
							"absent meters not ascending"
						);
						ensure!(forged <= T::MaxForged::get(), "too many forged shares");
					},
					FaultStatus::Open | FaultStatus::Rejected => {},
				}
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Resolve open faults on the KGC's node; see the crate docs. Does nothing on a node
		/// without the KGC's key or the meters' secrets.
		fn offchain_worker(now: BlockNumberFor<T>) {
			match Self::offchain_resolve(now) {
				Ok(0) => {},
				Ok(sent) => log::debug!(target: LOG_TARGET, "sent {sent} fault resolution(s)"),
				Err(e) => log::debug!(target: LOG_TARGET, "off-chain worker idle: {e:?}"),
			}
		}

		fn integrity_test() {
			assert!(T::MaxAbsent::get() >= 2, "MaxAbsent must allow one silent meter (2)");
			assert!(T::MaxOpenFaults::get() >= 1, "MaxOpenFaults must be at least 1");
			assert!(T::OcwFaultsPerBlock::get() >= 1, "OcwFaultsPerBlock must be at least 1");
			assert!(
				T::ResendAfter::get() > BlockNumberFor::<T>::from(0u32),
				"ResendAfter must be at least 1 block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

/// Whether two strictly ascending lists have no element in common (one merge pass).
fn sorted_disjoint(a: &[gridmask_primitives::Prid], b: &[gridmask_primitives::Prid]) -> bool {
	let (mut i, mut j) = (0, 0);
	while i < a.len() && j < b.len() {
		match a[i].cmp(&b[j]) {
			core::cmp::Ordering::Less => i += 1,
			core::cmp::Ordering::Greater => j += 1,
			core::cmp::Ordering::Equal => return false,
		}
	}
	true
}
