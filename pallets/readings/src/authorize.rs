//! Authorizing a reading (PROTOCOL.md §4 step 3): the `#[pallet::authorize]` of
//! [`Pallet::submit_reading`], which does every check that can fail, cheapest first — the
//! window, the setup, the shape, replay, BF1 membership, the PRID's signature — so that a reading pays no
//! fee and a refused one costs the chain nothing but this check.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::Time;
use frame_support::{pallet_prelude::*, weights::Weight};
use gridmask_primitives::{
	Bf1Probe, Moment, PeriodIndex, Prid, ReadingPayload, ReadingSignature, RegionId, SignedReading,
	TimeParams, Values,
};
use sp_runtime::transaction_validity::{
	TransactionSource, TransactionValidityWithRefund, ValidTransaction,
};

impl<T: Config> Call<T> {
	/// The [`Pallet::submit_reading`] call that carries `reading`. The payload's genesis hash
	/// stays behind: the chain checks the signature against its own.
	pub fn from_reading(reading: &SignedReading) -> Self {
		let p = &reading.payload;
		Self::submit_reading {
			region: p.region,
			period: p.period,
			prid: p.prid,
			masked: p.masked.clone(),
			timestamp_ms: p.timestamp_ms,
			signature: reading.signature,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// `#[pallet::authorize]` of [`Pallet::submit_reading`].
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn authorize_submit_reading(
		_source: TransactionSource,
		region: &RegionId,
		period: &PeriodIndex,
		prid: &Prid,
		masked: &Values,
		timestamp_ms: &Moment,
		signature: &ReadingSignature,
	) -> TransactionValidityWithRefund {
		let reading = SignedReading {
			payload: ReadingPayload {
				genesis_hash: Self::genesis_hash(),
				region: *region,
				period: *period,
				prid: *prid,
				masked: masked.clone(),
				timestamp_ms: *timestamp_ms,
			},
			signature: *signature,
		};
		let valid = Self::check_reading(&reading)?;
		Ok((valid, Weight::zero()))
	}

	/// The authorization of a reading: every check, cheapest first (see
	/// [`ReadingRejection`]); on success the pool validity: `provides = [prid]` (tag
	/// prefix `gridmask-reading`), longevity until the window closes, priority
	/// [`Config::ReadingPriority`]. The signature must cover this chain's genesis hash,
	/// whatever `reading.payload.genesis_hash` says (a transaction does not carry it).
	pub fn check_reading(reading: &SignedReading) -> Result<ValidTransaction, ReadingRejection> {
		let ReadingPayload { region, period, prid, .. } = reading.payload;
		let now = T::Clock::now();
		let close = check_unsigned(
			&mut ChainState::<T>::default(),
			Self::started_time(),
			now,
			region,
			period,
			&prid,
			reading.payload.masked.len(),
		)?;
		if !Self::signature_verifies(Self::genesis_hash(), reading) {
			return Err(ReadingRejection::BadSignature);
		}
		let blocks_left = (close - now).div_ceil(T::MinBlockTimeMs::get().max(1));
		Ok(ValidTransaction {
			priority: T::ReadingPriority::get(),
			requires: Vec::new(),
			// What `ValidTransaction::with_tag_prefix(..).and_provides(prid)` produces.
			provides: alloc::vec![(READING_TAG_PREFIX, prid).encode()],
			longevity: blocks_left.saturating_add(1),
			propagate: true,
		})
	}
}

impl<T: Config> Pallet<T> {
	/// The reading's PRID signature verifies over its payload with `genesis_hash` (the
	/// chain's), whatever the payload says (`sr25519_verify` host function: native code).
	pub(crate) fn signature_verifies(genesis_hash: sp_core::H256, reading: &SignedReading) -> bool {
		let payload = ReadingPayload { genesis_hash, ..reading.payload.clone() };
		sp_io::crypto::sr25519_verify(
			&reading.signature.into(),
			&payload.signing_message(),
			&payload.prid.into(),
		)
	}
}

/// What the checks of a reading read: the chain's storage in the runtime ([`ChainState`]), a
/// block's state in an aggregator node's collector.
pub trait ReadingState {
	/// The setup of (region, period).
	fn setup(&mut self, region: RegionId, period: PeriodIndex) -> Option<SetupInfo>;
	/// Whether a share under `prid` is stored for (region, period) (or, in a collector,
	/// queued).
	fn is_stored(&mut self, region: RegionId, period: PeriodIndex, prid: &Prid) -> bool;
	/// Chunk `index` of (region, period)'s filter.
	fn chunk(&mut self, region: RegionId, period: PeriodIndex, index: u32) -> Option<StoredChunk>;
}

/// [`ReadingState`] of the runtime: this pallet's storage.
pub struct ChainState<T>(core::marker::PhantomData<T>);

impl<T> Default for ChainState<T> {
	fn default() -> Self {
		Self(Default::default())
	}
}

impl<T: Config> ReadingState for ChainState<T> {
	fn setup(&mut self, region: RegionId, period: PeriodIndex) -> Option<SetupInfo> {
		Setups::<T>::get(region, period)
	}
	fn is_stored(&mut self, region: RegionId, period: PeriodIndex, prid: &Prid) -> bool {
		Shares::<T>::contains_key((region, period), prid)
	}
	fn chunk(&mut self, region: RegionId, period: PeriodIndex, index: u32) -> Option<StoredChunk> {
		Bf1Chunks::<T>::get((region, period), index)
	}
}

/// The window check: the clock has started (`time` is `Some`) and `now` is in the reading
/// window of `period`. Returns when the window closes.
pub fn check_window(
	time: Option<TimeParams>,
	now: Moment,
	period: PeriodIndex,
) -> Result<Moment, ReadingRejection> {
	let time = time.ok_or(ReadingRejection::NotStarted)?;
	let end = time.period_end(period).ok_or(ReadingRejection::WindowClosed)?;
	if now < end {
		return Err(ReadingRejection::WindowNotOpen);
	}
	let close = end.saturating_add(time.window_ms);
	if now >= close {
		return Err(ReadingRejection::WindowClosed);
	}
	Ok(close)
}

/// The setup check: present and complete.
pub fn check_setup(setup: Option<SetupInfo>) -> Result<SetupInfo, ReadingRejection> {
	let setup = setup.ok_or(ReadingRejection::NoSetup)?;
	if !setup.is_complete() {
		return Err(ReadingRejection::SetupIncomplete);
	}
	Ok(setup)
}

/// The filter check: `prid` ∈ the setup's BF1, reading the one chunk that holds its block.
pub fn check_in_filter(
	setup: &SetupInfo,
	prid: &Prid,
	chunk: impl FnOnce(u32) -> Option<StoredChunk>,
) -> Result<(), ReadingRejection> {
	let probe: Bf1Probe = setup.bf1.probe(prid);
	let (index, offset) =
		probe.chunk_position(BF1_BLOCKS_PER_CHUNK).ok_or(ReadingRejection::NotInFilter)?;
	let chunk = chunk(index)
		.filter(|c| c.generation == setup.generation)
		.ok_or(ReadingRejection::SetupIncomplete)?;
	let block = chunk
		.bytes
		.get(offset..offset.saturating_add(gridmask_primitives::bloom::BF1_BLOCK_BYTES))
		.ok_or(ReadingRejection::NotInFilter)?;
	if !probe.matches(block) {
		return Err(ReadingRejection::NotInFilter);
	}
	Ok(())
}

/// Every check of a reading but its signature, in the order of [`ReadingRejection`]: window,
/// setup, shape (`channels` values, one per channel of the setup), replay, filter. Returns when the window closes. The runtime's authorization and an
/// aggregator node's collector both run exactly this; each then verifies the signature its own
/// way (host function, native batch).
pub fn check_unsigned<S: ReadingState>(
	state: &mut S,
	time: Option<TimeParams>,
	now: Moment,
	region: RegionId,
	period: PeriodIndex,
	prid: &Prid,
	channels: usize,
) -> Result<Moment, ReadingRejection> {
	let close = check_window(time, now, period)?;
	let setup = check_setup(state.setup(region, period))?;
	if setup.z.len() != channels {
		return Err(ReadingRejection::WrongShape);
	}
	if state.is_stored(region, period, prid) {
		return Err(ReadingRejection::DuplicatePrid);
	}
	check_in_filter(&setup, prid, |index| state.chunk(region, period, index))?;
	Ok(close)
}
