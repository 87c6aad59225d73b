//! # Faults pallet
//!
//! Faulted periods and their verified resolution (PROTOCOL.md §4 step 6), and the off-chain
//! worker with which the KGC's node computes resolutions.
//!
//! ## Overview
//!
//! When the readings pallet seals a (region, period) whose stored PRIDs do not reproduce the
//! setup's commitment T, the period is *faulted*: some meters were silent or sent one share of
//! two, or a forged PRID slipped through BF1, so `Σ value − Z` would be wrong. Only the KGC,
//! who holds every meter's master secret, can tell which shares are missing and what their
//! masks were.
//!
//! 1. **Record** ([`Pallet::on_faulted`], called by the runtime from the readings pallet's
//!    outcome hook): a [`FaultRecord`] with what sealing saw (expected and received share
//!    counts), status [`FaultStatus::Open`], and an entry in the bounded index [`OpenFaults`]
//!    that the off-chain worker walks. Event [`Event::FaultRecorded`].
//! 2. **Resolve** (off-chain worker of the KGC node, see below): derive the PRIDs of the
//!    meters the period's setup covered (active in the region in the setup's membership
//!    epoch, whatever their status now), mark each PRID that explains the fault — *absent*
//!    (expected, not on chain), *lone* (on chain, its meter's other share absent), *forged*
//!    (on chain, no meter's) — compute `Z' = Z − Σ H3(mask)` over the absent and lone PRIDs
//!    (mod 2^64), and submit [`Pallet::submit_resolution`] signed by the KGC, in parts of at
//!    most [`Config::MaxEntriesPerPart`] entries (a whole region may be silent).
//! 3. **Verify** ([`Pallet::submit_resolution`]): each part's entries are checked (ascending,
//!    named meters covered by the setup, at most two shares per meter) and handed to
//!    [`Config::Checker`] (the readings pallet), which checks them against the stored shares;
//!    the part carrying `Z'` completes the resolution, status [`FaultStatus::Checking`], event
//!    [`Event::ResolutionSubmitted`], and the checker re-hashes T over the received PRIDs less
//!    the forged, plus the absent, over as many blocks as it needs.
//! 4. **Conclude** ([`Pallet::on_check_done`], called by the runtime when the check ends): T
//!    matched → [`FaultStatus::Resolved`]: the period is sealed with the total of the
//!    complete readings, or without an aggregate if fewer than `MinRegionMeters` meters sent
//!    both shares. **Blame** (G6): if at least [`Config::BlameQuorum`] of the covered meters
//!    sent both shares, the chain demonstrably took the period's readings and each named
//!    meter's fault counter rises ([`Config::Meters`], suspended at [`Config::SuspendAfter`]
//!    faults; events [`Event::MeterFaulted`], [`Event::MeterSuspended`]); otherwise it is a
//!    chain fault ([`Blame::Chain`], [`Event::ChainFault`]) and nobody is blamed. Otherwise
//!    (T differs) → [`FaultStatus::Rejected`], back in [`OpenFaults`]; the KGC may submit
//!    again. The period's outcomes are the checker's events (the readings pallet's
//!    `FaultResolved`, `ResolutionRejected`, `PeriodVoided`); this pallet's are about blame.
//! 5. **Void** ([`Pallet::void_period`], KGC): when nothing else works, the KGC closes the
//!    period without an aggregate; it is priced without one and billed like any other.
//!
//! A wrong resolution cannot seal a period: a resolution from anyone but the KGC fails the
//! origin check; a missing or extra absent PRID, a wrongly accused forged one or a lone one
//! named forged changes the set and so T; an absent PRID that is on chain, or a lone or forged
//! one that is not, is refused by the checker up front, and only meters the setup covered can
//! be named. What the chain cannot check is the attribution of a PRID to a meter (PRIDs are
//! unlinkable by design), nor that a lone share is lone rather than complete, so the fault
//! counters and the split between the aggregate and the excluded values trust the KGC, as the
//! whole protocol does for meter registration; `Z'` is the KGC's word, as `Z` itself was.
//!
//! ## Terminology
//!
//! - **Fault**: a sealed (region, period) whose received PRIDs do not reproduce T.
//! - **Absent share**: an expected share with no reading on chain, entry `(PRID, Absent(meter))`.
//! - **Lone share**: a stored share whose meter's other share is absent, `(PRID, Lone(meter))`:
//!   in T, but its value is left out of the sum and its mask out of `Z'`.
//! - **Forged share**: a share on chain whose PRID is no meter's (it passed BF1 by chance, or an
//!   attacker ground keys for it), `(PRID, Forged)`: not in T, left out of the sum.
//! - **`Z'`**: the mask sum of the complete readings: `Z − Σ H3(mask)` over the absent and lone
//!   PRIDs, each share's mask being `H3(z)` (share A) or `H3(z')` (share B).
//! - **Resolution**: the entries of one fault, strictly ascending by PRID (the order T hashes
//!   in) across its parts, and `Z'`.

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
//!   method: the node serves it only on its admin port, `--admin-rpc-port`, loopback, no
//!   browsers):
//!   - key: `b"gridmask/kgc/secrets/" ++ region.to_le_bytes()` ([`offchain::secrets_key`]),
//!     e.g. region 1 → `0x677269646d61736b2f6b67632f736563726574732f01000000`;
//!   - value: the SCALE of `Vec<(MeterId, [u8; 32])>` (meter id u64 LE, master secret:
//!     compact length, then 40 bytes per meter, [`offchain::RegionSecrets`]), **sealed**
//!     (`gridmask_primitives::secrets`: ChaCha20-Poly1305 under a key derived from the
//!     operator's secrets key, the storage key as associated data). The node holds the
//!     secrets key in memory only, as an ed25519 key of type `gmsk` loaded at start from
//!     `--kgc-secrets-key-file`; without it the worker cannot open the secrets
//!     ([`offchain::OffchainError::NoSecretsKey`]).
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
mod invariants;
#[cfg(test)]
mod mock;
pub mod offchain;
mod outcome;
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
		/// Most entries in one part of a resolution; at most what the checker takes per part.
		#[pallet::constant]
		type MaxEntriesPerPart: Get<u32>;
		/// Most distinct meters a fault record lists (and can blame); a resolution naming more
		/// (an outage) blames nobody.
		#[pallet::constant]
		type MaxNamed: Get<u32>;
		/// The share of the meters a setup covered that must have sent both shares for the
		/// named meters to be blamed: below it the chain, not the meters, is taken to have
		/// failed (G6).
		#[pallet::constant]
		type BlameQuorum: Get<sp_runtime::Perbill>;
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

	/// Faults waiting for a resolution (status `Open`, `Collecting` or `Rejected`), oldest
	/// first: the off-chain worker's work list.
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
		/// A part of a resolution was accepted (`complete`: it was the last; the checker is
		/// verifying the whole).
		ResolutionPart {
			region: RegionId,
			period: PeriodIndex,
			part: u32,
			entries: u32,
			complete: bool,
		},
		/// The whole resolution: the checker is verifying it.
		ResolutionSubmitted {
			region: RegionId,
			period: PeriodIndex,
			absent: u32,
			lone: u32,
			forged: u32,
			meters: Vec<MeterId>,
		},
		/// The resolution reproduced T: the period is sealed with `aggregate` (Wh; `None`:
		/// fewer than `MinRegionMeters` complete readings); `blame` says whether the named
		/// meters' counters rose.
		FaultResolved {
			region: RegionId,
			period: PeriodIndex,
			aggregate: Option<u64>,
			contributors: u32,
			meters: Vec<MeterId>,
			blame: Blame,
		},
		/// A resolved fault found `meter` silent (or one share short); its counter is now
		/// `faults`.
		MeterFaulted { meter: MeterId, faults: u32 },
		/// `meter` reached [`Config::SuspendAfter`] faults and was suspended.
		MeterSuspended { meter: MeterId },
		/// A resolved fault is the chain's: too few of the covered meters reported for the
		/// missing ones to be blamed.
		ChainFault { region: RegionId, period: PeriodIndex, contributors: u32, covered: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No fault is recorded for this (region, period).
		UnknownFault,
		/// The fault is being checked, resolved or void: it takes no resolution now.
		NotAwaitingResolution,
		/// The resolution has no entry (a fault always has some).
		EmptyResolution,
		/// The entries are not strictly ascending by PRID (or one is listed twice).
		EntriesNotSorted,
		/// The part is not the next one of the resolution being collected (part 0 starts
		/// over).
		WrongPart,
		/// An absent share names a meter the period's setup did not cover (not active in the
		/// region in the setup's membership epoch).
		NotCovered,
		/// A meter is named for more than two shares (it has two per period).
		TooManySharesForMeter,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Resolve the fault of (`region`, `period`), in parts: part `part` of the resolution,
		/// `entries` strictly ascending by PRID and continuing the parts before, each PRID
		/// marked absent (with its meter), lone (stored, its meter's other share absent) or
		/// forged. `z_prime` (per channel, the mask sum without the absent and lone PRIDs'
		/// masks) completes the resolution: the fault goes to `Checking` and
		/// [`Config::Checker`] verifies it against T; the outcome arrives through [`Pallet::on_check_done`]. Part 0 starts
		/// over, discarding an unfinished submission.
		///
		/// The dispatch origin must be [`Config::KgcOrigin`] (the KGC, normally its node's
		/// off-chain worker).
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the KGC.
		/// - [`Error::UnknownFault`]: no fault recorded for the pair.
		/// - [`Error::NotAwaitingResolution`]: the fault is `Checking`, `Resolved` or `Void`.
		/// - [`Error::WrongPart`]: `part` is not the next part.
		/// - [`Error::EntriesNotSorted`]: the entries are not strictly ascending by PRID.
		/// - [`Error::NotCovered`]: a named meter was not covered by the period's setup.
		/// - [`Error::TooManySharesForMeter`]: a meter is named for more than two shares.
		/// - [`Error::EmptyResolution`]: the resolution completes with no entry.
		/// - Any error of [`traits::FaultChecker::add_part`] (e.g. the pair's shares were
		///   pruned, an absent PRID is on chain, a lone or forged one is not, or the checker
		///   is busy).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_resolution(entries.len() as u32))]
		pub fn submit_resolution(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
			part: u32,
			entries: PartOf<T>,
			z_prime: Option<gridmask_primitives::Values>,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let mut record = Faults::<T>::get(region, period).ok_or(Error::<T>::UnknownFault)?;
			ensure!(record.status.awaits_resolution(), Error::<T>::NotAwaitingResolution);
			let mut named = match (&record.status, part) {
				(_, 0) => NamedOf::<T>::default(),
				(FaultStatus::Collecting(n), p) if n.parts == p => n.clone(),
				_ => return Err(Error::<T>::WrongPart.into()),
			};
			ensure!(entries.windows(2).all(|w| w[0].0 < w[1].0), Error::<T>::EntriesNotSorted);
			// Only meters the setup covered can be absent or lone (a fault of no other meter).
			let (_, epoch) = T::Periods::setup(region, period).ok_or(Error::<T>::UnknownFault)?;
			for (_, mark) in entries.iter() {
				match mark {
					Mark::Absent(_) => named.absent = named.absent.saturating_add(1),
					Mark::Lone(_) => named.lone = named.lone.saturating_add(1),
					Mark::Forged => named.forged = named.forged.saturating_add(1),
				}
				if let Some(meter) = mark.meter() {
					ensure!(T::Meters::was_active_in(meter, region, epoch), Error::<T>::NotCovered);
					named.note(meter).map_err(|()| Error::<T>::TooManySharesForMeter)?;
				}
			}
			let complete = z_prime.is_some();
			ensure!(
				!complete || named.absent + named.lone + named.forged > 0,
				Error::<T>::EmptyResolution
			);
			let n = entries.len() as u32;
			T::Checker::add_part(region, period, part, entries.into_inner(), z_prime)?;
			if n > 0 {
				named.parts = named.parts.saturating_add(1);
			}
			Self::deposit_event(Event::ResolutionPart {
				region,
				period,
				part,
				entries: n,
				complete,
			});
			if complete {
				Self::deposit_event(Event::ResolutionSubmitted {
					region,
					period,
					absent: named.absent,
					lone: named.lone,
					forged: named.forged,
					meters: named.meter_ids(),
				});
				record.status = FaultStatus::Checking(named);
				OpenFaults::<T>::mutate(|open| open.retain(|k| *k != (region, period)));
			} else {
				record.status = FaultStatus::Collecting(named);
			}
			Faults::<T>::insert(region, period, record);
			Ok(())
		}

		/// Close the fault of (`region`, `period`) as void: no aggregate is published and the
		/// period is priced without one. For when no resolution can be made (the meters'
		/// secrets are lost, the shares were pruned); nobody is blamed.
		///
		/// The dispatch origin must be [`Config::KgcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: the origin is not the KGC.
		/// - [`Error::UnknownFault`]: no fault recorded for the pair.
		/// - [`Error::NotAwaitingResolution`]: the fault is `Checking`, `Resolved` or `Void`.
		/// - Any error of [`traits::FaultChecker::void`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::void_period())]
		pub fn void_period(
			origin: OriginFor<T>,
			region: RegionId,
			period: PeriodIndex,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let mut record = Faults::<T>::get(region, period).ok_or(Error::<T>::UnknownFault)?;
			ensure!(record.status.awaits_resolution(), Error::<T>::NotAwaitingResolution);
			T::Checker::void(region, period)?;
			record.status = FaultStatus::Void;
			Faults::<T>::insert(region, period, record);
			// The period's outcome, and its event, are the checker's (the readings pallet's
			// `PeriodVoided`).
			OpenFaults::<T>::mutate(|open| open.retain(|k| *k != (region, period)));
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
			assert!(T::MaxEntriesPerPart::get() >= 2, "MaxEntriesPerPart must be at least 2");
			assert!(T::MaxNamed::get() >= 1, "MaxNamed must be at least 1");
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
