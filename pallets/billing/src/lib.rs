//! # Billing pallet
//!
//! The chain's side of billing (PROTOCOL.md §4 steps 7–8): the KGC anchors each meter's bill
//! for a finished cycle, the meter's owner acknowledges or disputes it, and anyone can tell which
//! (region, cycle) has been billed.
//!
//! ## Overview
//!
//! - **Posting** ([`Pallet::post_bill`], [`Pallet::post_bills`], [`Config::KgcOrigin`]): for a
//!   (meter, cycle), the KGC's billing tool renders the report, encrypts it to the owner's key,
//!   stores it in the content store as **one raw block** and posts its CIDv1 and sha2-256
//!   digest. The pallet parses the CID with [`RawCid::parse`] (binary or `b…` base32 form; the
//!   parsed [`RawCid`] is stored, not the input bytes) and checks that the digest is the one
//!   inside the CID: for a raw CID the CID *is* the report's digest, so the chain can check it
//!   with no content-store logic. Only a finished cycle ([`Config::Clock`]) of a registered
//!   meter ([`Config::Meters`]; retired meters included: their last cycle is billed after
//!   they retire) is billed.
//! - **Versions**: a (meter, cycle) has one bill at a time, but keeps its history. The first
//!   bill is version 1; a further bill must say which version it supersedes (`supersede =
//!   Some(latest)`), that version becomes [`BillStatus::Superseded`] and the new one starts as
//!   [`BillStatus::Posted`]. At most [`Config::MaxVersions`] versions per (meter, cycle).
//! - **Owner's answer** ([`Pallet::acknowledge`], [`Pallet::dispute`], signed by the meter's
//!   owner): after checking the report against the chain (step 8), the owner accepts the
//!   version it checked or disputes it with a reason. The answer names the version: a bill
//!   superseded in the meantime is refused ([`Error::WrongVersion`]), so an answer never lands
//!   on a report its owner has not seen. The KGC answers a dispute with a superseding bill.
//! - **Regions of a bill**: each period of a bill is metered and priced in the region whose
//!   setup covered the meter in that period (a meter moved during the cycle has periods in
//!   several). The KGC names those regions ([`BillEntry::regions`]); the pallet accepts only
//!   regions the meter has been a member of ([`MeterRegistry::meter_info`]), and the
//!   owner's check recomputes them from the setups' membership epochs.
//! - **Billed cycles**: [`BilledCycles`] records each (region, cycle) with at least one bill,
//!   from its first bill on, with the cycle in which its latest bill was posted;
//!   [`Pallet::is_billed`] lets the pricing pallet refuse to change the price of a period whose
//!   cycle has been billed (the runtime maps period → cycle).
//! - **Dispute window and retention**: a (region, cycle) is *settled*
//!   ([`Pallet::is_settled`]) [`Config::DisputeCycles`] cycles after the cycle in which its
//!   latest bill was posted (or superseded). The readings pallet keeps the cycle's shares until
//!   then (within its own bounds), so every bill and every dispute of the window can be checked
//!   against the chain.
//!
//! ## Terminology
//!
//! - **KGC**: the key generation centre and bill provider (trusted), [`Config::KgcOrigin`].
//! - **Owner**: the account owning a meter, as [`Config::Meters`] says *now*.
//! - **Cycle**: a billing period of `periods_per_cycle` periods (PROTOCOL.md §2). **Finished**:
//!   below the current cycle.
//! - **Bill**: one version of the bill of a (meter, cycle), a [`BillRecord`]. The **latest
//!   bill** of a (meter, cycle) is the version [`LatestBill`] names.
//!
//! ## State machine of a bill
//!
//! | from | call (origin) | to | refused with |
//! |---|---|---|---|
//! | — | `post_bill(supersede = None)` (KGC) | `Posted` v1 | [`Error::BillExists`] if a bill exists |
//! | `Posted` | `acknowledge(v)` (owner) | `Acknowledged` | [`Error::WrongVersion`] unless v is the latest |
//! | `Posted` | `dispute(v, reason)` (owner) | `Disputed { reason }` | [`Error::WrongVersion`] unless v is the latest |
//! | `Acknowledged` | `acknowledge` / `dispute` | — | [`Error::AlreadyAcknowledged`] |
//! | `Disputed` | `acknowledge` / `dispute` | — | [`Error::AlreadyDisputed`] |
//! | any latest | `post_bill(supersede = Some(v))` (KGC) | `Superseded`, new `Posted` v+1 | [`Error::WrongVersion`] unless v is the latest |
//!
//! The owner answers once per version: acknowledging is final for the owner and a dispute
//! stands until the KGC supersedes the bill (or settles off-chain). The KGC may supersede any
//! latest bill, acknowledged ones included (a correction). Superseded versions never change.
//!
//! ## Design notes
//!
//! - **Each entry on its own**: [`Pallet::post_bills`] applies its entries in order, each in
//!   its own storage transaction; an entry the chain refuses changes nothing and is reported
//!   by [`Event::BillRefused`] with its error, and the others are posted. One bad entry (a
//!   meter whose bill was posted meanwhile, a stale `supersede`) never costs a whole batch.
//!   Entries are applied in order, so a batch may post a bill and then supersede it.
//! - **The regions of a bill** are stored in its record; a superseding version may correct
//!   them. [`BilledCycles`] holds exactly the (region, cycle) pairs of all stored versions
//!   (checked by `try_state`), so a region billed once stays locked for pricing even if a
//!   correction drops it.
//! - **Answers name a version**: an owner who checked version v while the KGC posted v+1 is
//!   refused ([`Error::WrongVersion`]) and checks v+1 first.
//! - **Meters that leave**: a retired meter's bills are posted, superseded and answered like
//!   any other (its last cycle ends after it retires); only unregistered meters are refused.
//! - **Storage**: [`Bills`] is keyed (meter, cycle, version) with concatenating hashers, so one
//!   meter's bills are one prefix ([`runtime_api::BillingApi::bills_of`]).
//!
//! ## Calls
//!
//! - [`Pallet::post_bill`]: KGC; one bill (first or superseding).
//! - [`Pallet::post_bills`]: KGC; a bounded batch of bills, each entry applied on its own.
//! - [`Pallet::acknowledge`]: the meter's owner; accept the latest bill.
//! - [`Pallet::dispute`]: the meter's owner; contest the latest bill.
//!
//! ## Runtime API
//!
//! [`runtime_api::BillingApi`]; the runtime implements it with [`Pallet::api_bills_of`] and
//! [`Pallet::api_bill`].
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

use gridmask_primitives::CidError;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::traits::{CycleClock, MeterRegistry};
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who posts bills: the KGC (`pallet_meters::EnsureKgc`).
		type KgcOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The billing-cycle clock: only cycles below the current one are billed.
		type Clock: CycleClock;
		/// The meter registry: a meter's owner and the regions it has been in.
		type Meters: MeterRegistry<Self::AccountId>;
		/// Most versions of the bill of one (meter, cycle): the first and its replacements.
		#[pallet::constant]
		type MaxVersions: Get<u32>;
		/// Longest dispute reason, in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;
		/// Most bills in one `post_bills` call.
		#[pallet::constant]
		type MaxBillsPerCall: Get<u32>;
		/// A (region, cycle) is settled this many cycles after the cycle in which its latest
		/// bill was posted: the owners' window to dispute against the shares on chain.
		#[pallet::constant]
		type DisputeCycles: Get<CycleIndex>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Every version of every bill: (meter, cycle, version) → bill.
	#[pallet::storage]
	pub type Bills<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, MeterId>,
			NMapKey<Twox64Concat, CycleIndex>,
			NMapKey<Twox64Concat, BillVersion>,
		),
		BillRecordOf<T>,
		OptionQuery,
	>;

	/// The latest version of the bill of each billed (meter, cycle).
	#[pallet::storage]
	pub type LatestBill<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		MeterId,
		Twox64Concat,
		CycleIndex,
		BillVersion,
		OptionQuery,
	>;

	/// The (region, cycle) pairs with at least one bill, set by the first: the cycle in which
	/// the latest bill of the pair was posted (or superseded).
	#[pallet::storage]
	pub type BilledCycles<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RegionId,
		Twox64Concat,
		CycleIndex,
		CycleIndex,
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The first bill of (meter, cycle) was posted (version 1).
		BillPosted {
			meter: MeterId,
			cycle: CycleIndex,
			version: BillVersion,
			regions: BillRegions,
			cid: RawCid,
		},
		/// Version `superseded` of the bill of (meter, cycle) was replaced by `version`.
		BillSuperseded {
			meter: MeterId,
			cycle: CycleIndex,
			superseded: BillVersion,
			version: BillVersion,
			regions: BillRegions,
			cid: RawCid,
		},
		/// The owner accepted the bill.
		BillAcknowledged { meter: MeterId, cycle: CycleIndex, version: BillVersion },
		/// The owner contests the bill.
		BillDisputed {
			meter: MeterId,
			cycle: CycleIndex,
			version: BillVersion,
			reason: ReasonOf<T>,
		},
		/// An entry of `post_bills` was refused with `error` and changed nothing; the batch's
		/// other entries were applied.
		BillRefused { meter: MeterId, cycle: CycleIndex, error: DispatchError },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The cycle clock has not started: no cycle is finished.
		ClockNotStarted,
		/// The cycle is not finished (it is the current cycle or a later one).
		CycleNotFinished,
		/// No such meter.
		UnknownMeter,
		/// The CID is not a CID at all: empty, bad base32, bad varint, truncated, trailing
		/// bytes, or another multibase than `b`.
		MalformedCid,
		/// The CID is not a CIDv1 (e.g. a CIDv0 `Qm…`).
		CidNotV1,
		/// The CID's codec is not raw (0x55), e.g. dag-pb: the report is not one raw block.
		CidNotRaw,
		/// The CID's multihash is not a 32-byte sha2-256.
		CidNotSha256,
		/// The digest is not the one inside the CID.
		DigestMismatch,
		/// The (meter, cycle) has a bill already; a new one must supersede it.
		BillExists,
		/// `supersede` names a version, but the (meter, cycle) has no bill.
		NothingToSupersede,
		/// The version named (`supersede`, or the version answered) is not the latest version
		/// of the (meter, cycle)'s bill.
		WrongVersion,
		/// The superseding bill has the same CID as the bill it replaces.
		SameReport,
		/// The (meter, cycle) has [`Config::MaxVersions`] versions already.
		TooManyVersions,
		/// `post_bills` with no bill.
		EmptyBatch,
		/// The (meter, cycle) has no bill.
		NoBill,
		/// The signer does not own the meter.
		NotOwner,
		/// The latest bill is acknowledged already.
		AlreadyAcknowledged,
		/// The latest bill is disputed already.
		AlreadyDisputed,
		/// A dispute needs a reason.
		EmptyReason,
		/// The bill names no region.
		NoRegions,
		/// The bill's regions are not strictly ascending (unsorted, or one named twice).
		RegionsNotSorted,
		/// A region of the bill is not one the meter has been a member of.
		NotMemberOfRegion,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Post the bill of (`meter`, `cycle`): the report's CID (`cid`, binary or `b…` string
		/// form) and sha2-256 `digest`, and the `regions` its periods were metered in.
		/// `supersede` is `None` for the first bill and the latest version otherwise, which
		/// then becomes `Superseded`. Emits [`Event::BillPosted`] or [`Event::BillSuperseded`].
		///
		/// The dispatch origin must be [`Config::KgcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: not the KGC.
		/// - [`Error::MalformedCid`], [`Error::CidNotV1`], [`Error::CidNotRaw`],
		///   [`Error::CidNotSha256`]: `cid` is not a raw sha2-256 CIDv1.
		/// - [`Error::DigestMismatch`]: `digest` is not the digest inside `cid`.
		/// - [`Error::ClockNotStarted`], [`Error::CycleNotFinished`]: `cycle` is not finished.
		/// - [`Error::UnknownMeter`]: no such meter.
		/// - [`Error::NoRegions`], [`Error::RegionsNotSorted`]: `regions` is empty, unsorted or
		///   names a region twice.
		/// - [`Error::NotMemberOfRegion`]: the meter has not been a member of one of `regions`.
		/// - [`Error::BillExists`]: a bill exists and `supersede` is `None`.
		/// - [`Error::NothingToSupersede`]: `supersede` is set but there is no bill.
		/// - [`Error::WrongVersion`]: `supersede` is not the latest version.
		/// - [`Error::SameReport`]: the latest bill has this CID already.
		/// - [`Error::TooManyVersions`]: [`Config::MaxVersions`] reached.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::post_bill())]
		pub fn post_bill(
			origin: OriginFor<T>,
			meter: MeterId,
			cycle: CycleIndex,
			cid: CidInput,
			digest: [u8; 32],
			supersede: Option<BillVersion>,
			regions: BillRegions,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			let current = Self::current_cycle()?;
			Self::do_post(BillEntry { meter, cycle, cid, digest, supersede, regions }, current)
		}

		/// Post a batch of bills, in order: each entry is checked and applied as
		/// [`Pallet::post_bill`] would, after the entries before it, in its own storage
		/// transaction. A refused entry changes nothing and emits [`Event::BillRefused`] with
		/// its error; the call still succeeds.
		///
		/// The dispatch origin must be [`Config::KgcOrigin`].
		///
		/// ## Errors
		/// - `BadOrigin`: not the KGC.
		/// - [`Error::EmptyBatch`]: no entry.
		/// - [`Error::ClockNotStarted`].
		///
		/// Each entry's own refusal (any error of [`Pallet::post_bill`]) is reported by
		/// [`Event::BillRefused`], not as the call's error.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::post_bills(bills.len() as u32))]
		pub fn post_bills(
			origin: OriginFor<T>,
			bills: BoundedVec<BillEntry, T::MaxBillsPerCall>,
		) -> DispatchResult {
			T::KgcOrigin::ensure_origin(origin)?;
			ensure!(!bills.is_empty(), Error::<T>::EmptyBatch);
			let current = Self::current_cycle()?;
			for entry in bills {
				let (meter, cycle) = (entry.meter, entry.cycle);
				let result =
					frame_support::storage::with_storage_layer(|| Self::do_post(entry, current));
				if let Err(error) = result {
					Self::deposit_event(Event::BillRefused { meter, cycle, error });
				}
			}
			Ok(())
		}

		/// Accept `version` of the bill of (`meter`, `cycle`), which must be the latest:
		/// `Posted` → `Acknowledged`. Emits [`Event::BillAcknowledged`].
		///
		/// The dispatch origin must be signed by the meter's owner.
		///
		/// ## Errors
		/// - `BadOrigin`: not signed.
		/// - [`Error::UnknownMeter`]: no such meter.
		/// - [`Error::NotOwner`]: the signer does not own the meter.
		/// - [`Error::NoBill`]: the (meter, cycle) has no bill.
		/// - [`Error::WrongVersion`]: `version` is not the latest (it was superseded, or does
		///   not exist).
		/// - [`Error::AlreadyAcknowledged`], [`Error::AlreadyDisputed`]: the owner answered
		///   this version already.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::acknowledge())]
		pub fn acknowledge(
			origin: OriginFor<T>,
			meter: MeterId,
			cycle: CycleIndex,
			version: BillVersion,
		) -> DispatchResult {
			Self::answer(origin, meter, cycle, version, BillStatus::Acknowledged)?;
			Self::deposit_event(Event::BillAcknowledged { meter, cycle, version });
			Ok(())
		}

		/// Contest `version` of the bill of (`meter`, `cycle`), which must be the latest, for
		/// `reason` (UTF-8 free text): `Posted` → `Disputed`. Emits [`Event::BillDisputed`].
		/// The KGC answers with a superseding bill.
		///
		/// The dispatch origin must be signed by the meter's owner.
		///
		/// ## Errors
		/// - `BadOrigin`: not signed.
		/// - [`Error::EmptyReason`]: `reason` is empty.
		/// - [`Error::UnknownMeter`]: no such meter.
		/// - [`Error::NotOwner`]: the signer does not own the meter.
		/// - [`Error::NoBill`]: the (meter, cycle) has no bill.
		/// - [`Error::WrongVersion`]: `version` is not the latest.
		/// - [`Error::AlreadyAcknowledged`], [`Error::AlreadyDisputed`]: the owner answered
		///   this version already.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::dispute())]
		pub fn dispute(
			origin: OriginFor<T>,
			meter: MeterId,
			cycle: CycleIndex,
			version: BillVersion,
			reason: ReasonOf<T>,
		) -> DispatchResult {
			ensure!(!reason.is_empty(), Error::<T>::EmptyReason);
			let status = BillStatus::Disputed { reason: reason.clone() };
			Self::answer(origin, meter, cycle, version, status)?;
			Self::deposit_event(Event::BillDisputed { meter, cycle, version, reason });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether (`region`, `cycle`) has at least one bill. For the pricing pallet's rule
		/// that a billed period's price is final (the runtime maps the period to its cycle).
		pub fn is_billed(region: RegionId, cycle: CycleIndex) -> bool {
			BilledCycles::<T>::contains_key(region, cycle)
		}

		/// Whether (`region`, `cycle`) is billed and its dispute window is over: the current
		/// cycle is at least [`Config::DisputeCycles`] after the one in which its latest bill
		/// was posted. For the readings pallet's retention of shares.
		pub fn is_settled(region: RegionId, cycle: CycleIndex) -> bool {
			let Some(posted_in) = BilledCycles::<T>::get(region, cycle) else {
				return false;
			};
			T::Clock::current_cycle()
				.is_some_and(|now| now >= posted_in.saturating_add(T::DisputeCycles::get()))
		}

		/// The latest bill of (`meter`, `cycle`) and its version.
		pub fn latest_bill(
			meter: MeterId,
			cycle: CycleIndex,
		) -> Option<(BillVersion, BillRecordOf<T>)> {
			let version = LatestBill::<T>::get(meter, cycle)?;
			Bills::<T>::get((meter, cycle, version)).map(|record| (version, record))
		}

		/// The current cycle, or [`Error::ClockNotStarted`].
		fn current_cycle() -> Result<CycleIndex, DispatchError> {
			T::Clock::current_cycle().ok_or_else(|| Error::<T>::ClockNotStarted.into())
		}

		/// The named error of a CID the parser refuses.
		fn cid_error(e: CidError) -> Error<T> {
			match e {
				CidError::UnsupportedVersion(_) => Error::<T>::CidNotV1,
				CidError::UnsupportedCodec(_) => Error::<T>::CidNotRaw,
				CidError::UnsupportedHash(_) | CidError::BadDigestLength(_) => {
					Error::<T>::CidNotSha256
				},
				CidError::Empty
				| CidError::TooLong
				| CidError::UnsupportedMultibase
				| CidError::InvalidBase32
				| CidError::BadVarint
				| CidError::Truncated
				| CidError::TrailingBytes
				| CidError::TooLarge => Error::<T>::MalformedCid,
			}
		}

		/// Check and store one bill; `current` is the current cycle.
		fn do_post(entry: BillEntry, current: CycleIndex) -> DispatchResult {
			let BillEntry { meter, cycle, cid, digest, supersede, regions } = entry;
			let cid = RawCid::parse(&cid).map_err(Self::cid_error)?;
			ensure!(cid.digest() == &digest, Error::<T>::DigestMismatch);
			ensure!(cycle < current, Error::<T>::CycleNotFinished);
			let info = T::Meters::meter_info(meter).ok_or(Error::<T>::UnknownMeter)?;
			ensure!(!regions.is_empty(), Error::<T>::NoRegions);
			ensure!(regions.windows(2).all(|w| w[0] < w[1]), Error::<T>::RegionsNotSorted);
			ensure!(
				regions.iter().all(|r| info.regions.binary_search(r).is_ok()),
				Error::<T>::NotMemberOfRegion
			);
			let posted_at = frame_system::Pallet::<T>::block_number();
			let record = BillRecord {
				cid,
				digest,
				regions: regions.clone(),
				posted_at,
				status: BillStatus::Posted,
			};
			let mark_billed = || {
				for region in &regions {
					BilledCycles::<T>::insert(region, cycle, current);
				}
			};
			match (LatestBill::<T>::get(meter, cycle), supersede) {
				(None, None) => {
					let version: BillVersion = 1;
					Bills::<T>::insert((meter, cycle, version), record);
					LatestBill::<T>::insert(meter, cycle, version);
					mark_billed();
					Self::deposit_event(Event::BillPosted { meter, cycle, version, regions, cid });
				},
				(None, Some(_)) => return Err(Error::<T>::NothingToSupersede.into()),
				(Some(_), None) => return Err(Error::<T>::BillExists.into()),
				(Some(latest), Some(superseded)) => {
					ensure!(superseded == latest, Error::<T>::WrongVersion);
					let version = latest
						.checked_add(1)
						.filter(|v| *v <= T::MaxVersions::get())
						.ok_or(Error::<T>::TooManyVersions)?;
					// The latest version is always stored (an invariant try_state checks).
					let mut old =
						Bills::<T>::get((meter, cycle, latest)).ok_or(Error::<T>::NoBill)?;
					ensure!(old.cid != cid, Error::<T>::SameReport);
					old.status = BillStatus::Superseded;
					Bills::<T>::insert((meter, cycle, latest), old);
					Bills::<T>::insert((meter, cycle, version), record);
					LatestBill::<T>::insert(meter, cycle, version);
					mark_billed();
					Self::deposit_event(Event::BillSuperseded {
						meter,
						cycle,
						superseded,
						version,
						regions,
						cid,
					});
				},
			}
			Ok(())
		}

		/// The owner's answer: move `version`, the latest bill of (meter, cycle), from `Posted`
		/// to `status`.
		fn answer(
			origin: OriginFor<T>,
			meter: MeterId,
			cycle: CycleIndex,
			version: BillVersion,
			status: BillStatusOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = T::Meters::meter_info(meter).ok_or(Error::<T>::UnknownMeter)?;
			ensure!(who == info.owner, Error::<T>::NotOwner);
			let latest = LatestBill::<T>::get(meter, cycle).ok_or(Error::<T>::NoBill)?;
			ensure!(version == latest, Error::<T>::WrongVersion);
			Bills::<T>::try_mutate((meter, cycle, version), |record| -> DispatchResult {
				let record = record.as_mut().ok_or(Error::<T>::NoBill)?;
				match record.status {
					BillStatus::Posted => {
						record.status = status;
						Ok(())
					},
					BillStatus::Acknowledged => Err(Error::<T>::AlreadyAcknowledged.into()),
					BillStatus::Disputed { .. } => Err(Error::<T>::AlreadyDisputed.into()),
					// Never the latest version (try_state checks it).
					BillStatus::Superseded => Err(Error::<T>::NoBill.into()),
				}
			})
		}

		// ---- runtime API helpers ----

		/// [`runtime_api::BillingApi::bills_of`]: every bill of `meter`, sorted by cycle then
		/// version, at most [`MAX_API_BILLS`] (the newest).
		pub fn api_bills_of(meter: MeterId) -> Vec<(CycleIndex, BillVersion, BillRecordOf<T>)> {
			let mut bills: Vec<_> = Bills::<T>::iter_prefix((meter,))
				.map(|((cycle, version), record)| (cycle, version, record))
				.collect();
			bills.sort_unstable_by_key(|(cycle, version, _)| (*cycle, *version));
			let excess = bills.len().saturating_sub(MAX_API_BILLS as usize);
			bills.drain(..excess);
			bills
		}

		/// [`runtime_api::BillingApi::bill`]: the latest bill of (`meter`, `cycle`).
		pub fn api_bill(
			meter: MeterId,
			cycle: CycleIndex,
		) -> Option<(BillVersion, BillRecordOf<T>)> {
			Self::latest_bill(meter, cycle)
		}

		/// Invariants:
		/// - every stored bill is of a finished cycle (so the clock has started), was posted at
		///   or before the current block, and its digest is its CID's;
		/// - for each billed (meter, cycle) with latest version `v`: `1 ≤ v ≤ MaxVersions`,
		///   versions `1..=v` are all stored and no other, versions below `v` are
		///   `Superseded`, `v` is not;
		/// - every bill names at least one region, in strictly ascending order;
		/// - [`BilledCycles`] holds exactly the (region, cycle) pairs of the stored bills.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_set::BTreeSet;
			let now = frame_system::Pallet::<T>::block_number();
			let current = T::Clock::current_cycle();
			let mut count = 0usize;
			let mut pairs = BTreeSet::new();
			for ((meter, cycle, _version), record) in Bills::<T>::iter() {
				count += 1;
				let current = current.ok_or("bills exist but the cycle clock has not started")?;
				ensure!(cycle < current, "bill of an unfinished cycle");
				ensure!(record.posted_at <= now, "bill posted in the future");
				ensure!(record.cid.digest() == &record.digest, "bill digest differs from its CID");
				ensure!(
					LatestBill::<T>::contains_key(meter, cycle),
					"bill without a latest version"
				);
				ensure!(!record.regions.is_empty(), "bill without a region");
				ensure!(
					record.regions.windows(2).all(|w| w[0] < w[1]),
					"bill regions not strictly ascending"
				);
				pairs.extend(record.regions.iter().map(|r| (*r, cycle)));
			}
			let mut expected = 0usize;
			for (meter, cycle, latest) in LatestBill::<T>::iter() {
				ensure!(
					(1..=T::MaxVersions::get()).contains(&latest),
					"latest version out of range"
				);
				for version in 1..=latest {
					let record =
						Bills::<T>::get((meter, cycle, version)).ok_or("missing bill version")?;
					ensure!(
						(record.status == BillStatus::Superseded) == (version < latest),
						"only versions below the latest are superseded"
					);
				}
				expected += latest as usize;
			}
			// Every bill has a latest version and versions 1..=latest exist: equal counts mean
			// no version above the latest is stored.
			ensure!(count == expected, "bill version above the latest");
			let billed: BTreeSet<_> = BilledCycles::<T>::iter_keys().collect();
			ensure!(billed == pairs, "billed cycles differ from the bills' (region, cycle)");
			for (_, cycle, posted_in) in BilledCycles::<T>::iter() {
				ensure!(posted_in > cycle, "billed before the cycle finished");
				ensure!(current.is_some_and(|c| posted_in <= c), "billed in a future cycle");
			}
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxVersions::get() >= 1, "MaxVersions must be at least 1");
			assert!(T::MaxReasonLen::get() >= 1, "MaxReasonLen must be at least 1");
			assert!(T::MaxBillsPerCall::get() >= 1, "MaxBillsPerCall must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
