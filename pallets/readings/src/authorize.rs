//! Authorizing a reading (PROTOCOL.md §4 step 3): the `#[pallet::authorize]` of
//! [`Pallet::submit_reading`], which does every check that can fail, cheapest first — the
//! window, the setup, replay, BF1 membership, the PRID's signature — so that a reading pays no
//! fee and a refused one costs the chain nothing but this check.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::Time;
use frame_support::{pallet_prelude::*, weights::Weight};
use gridmask_primitives::{
	Bf1Probe, Moment, PeriodIndex, Prid, ReadingPayload, ReadingSignature, RegionId, SignedReading,
};
use sp_runtime::transaction_validity::{
	TransactionSource, TransactionValidityWithRefund, ValidTransaction,
};

impl<T: Config> Call<T> {
	/// The [`Pallet::submit_reading`] call that carries `reading`. The payload's genesis hash
	/// stays behind: the chain checks the signature against its own.
	pub fn from_reading(reading: &SignedReading) -> Self {
		let p = reading.payload;
		Self::submit_reading {
			region: p.region,
			period: p.period,
			prid: p.prid,
			value: p.value,
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
		value: &u64,
		timestamp_ms: &Moment,
		signature: &ReadingSignature,
	) -> TransactionValidityWithRefund {
		let reading = SignedReading {
			payload: ReadingPayload {
				genesis_hash: Self::genesis_hash(),
				region: *region,
				period: *period,
				prid: *prid,
				value: *value,
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
		let time = Self::started_time().ok_or(ReadingRejection::NotStarted)?;
		let now = T::Clock::now();
		let end = time.period_end(period).ok_or(ReadingRejection::WindowClosed)?;
		if now < end {
			return Err(ReadingRejection::WindowNotOpen);
		}
		let close = end.saturating_add(time.window_ms);
		if now >= close {
			return Err(ReadingRejection::WindowClosed);
		}
		let setup = Setups::<T>::get(region, period).ok_or(ReadingRejection::NoSetup)?;
		if !setup.is_complete() {
			return Err(ReadingRejection::SetupIncomplete);
		}
		if Shares::<T>::contains_key((region, period), prid) {
			return Err(ReadingRejection::DuplicatePrid);
		}
		let probe: Bf1Probe = setup.bf1.probe(&prid);
		let (index, offset) =
			probe.chunk_position(BF1_BLOCKS_PER_CHUNK).ok_or(ReadingRejection::NotInFilter)?;
		let chunk = Bf1Chunks::<T>::get((region, period), index)
			.filter(|c| c.generation == setup.generation)
			.ok_or(ReadingRejection::SetupIncomplete)?;
		let block = chunk
			.bytes
			.get(offset..offset.saturating_add(gridmask_primitives::bloom::BF1_BLOCK_BYTES))
			.ok_or(ReadingRejection::NotInFilter)?;
		if !probe.matches(block) {
			return Err(ReadingRejection::NotInFilter);
		}
		let payload = ReadingPayload { genesis_hash: Self::genesis_hash(), ..reading.payload };
		if !sp_io::crypto::sr25519_verify(
			&reading.signature.into(),
			&payload.signing_message(),
			&prid.into(),
		) {
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
