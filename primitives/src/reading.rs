//! The signed reading payload (PROTOCOL.md §3, §3a).
//!
//! The signed message is the SCALE encoding of the tuple
//! `(b"gridmask/reading/v2", genesis_hash, region, period, prid, masked, timestamp_ms)`:
//! the tag as 19 raw bytes (a fixed-size array: no length prefix), the genesis hash as 32 raw
//! bytes, `region` and `period` as u32 LE, the PRID as 32 raw bytes, `masked` (the masked
//! values, one per channel) as a SCALE vector (compact length, one byte for up to 63 channels,
//! then each value as u64 LE) and `timestamp_ms` as u64 LE: [`signing_message_len`]`(n)` =
//! 100 + 8n bytes for `n` channels (108 for one). The genesis hash binds a reading to one
//! chain, `(region, period)` to one filter and window; one signature covers every channel of
//! the share. (v1 signed a single `value` u64 in place of `masked`.)
//!
//! The field is `masked`, not `values`: polkadot.js decodes a struct as a `Map`, whose
//! `values()` method would hide a field of that name.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use alloc::vec::Vec;

use crate::{
	channel::Values,
	prid::{self, Prid, ReadingSignature},
	tags, Moment, PeriodIndex, RegionId,
};

/// Length of [`ReadingPayload::signing_message`] for `channels` channels (≤
/// [`crate::channel::MAX_CHANNELS`]).
pub const fn signing_message_len(channels: usize) -> usize {
	19 + 32 + 4 + 4 + 32 + 1 + 8 * channels + 8
}

/// One share of one meter's reading of one period, as signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct ReadingPayload {
	/// Hash of the chain's genesis block.
	pub genesis_hash: H256,
	/// The meter's region.
	pub region: RegionId,
	/// Global period index.
	pub period: PeriodIndex,
	/// The one-time public key this share is sent (and signed) under.
	pub prid: Prid,
	/// The masked shares, one per channel of the region's shape: `c'_j + H3(z, j)` (or
	/// `c''_j + H3(z', j)`).
	pub masked: Values,
	/// When the meter took the reading (ms).
	pub timestamp_ms: Moment,
}

impl ReadingPayload {
	/// The bytes that are signed.
	pub fn signing_message(&self) -> Vec<u8> {
		(
			tags::READING,
			&self.genesis_hash,
			self.region,
			self.period,
			&self.prid,
			&self.masked,
			self.timestamp_ms,
		)
			.encode()
	}

	/// Signs with `key`, which must be the key of `self.prid`.
	#[cfg(feature = "std")]
	pub fn sign(self, key: &prid::PridKey) -> Result<SignedReading, ReadingError> {
		if key.prid() != self.prid {
			return Err(ReadingError::WrongKey);
		}
		let signature = key.sign(&self.signing_message());
		Ok(SignedReading { payload: self, signature })
	}
}

/// A payload and its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct SignedReading {
	/// What was signed.
	pub payload: ReadingPayload,
	/// sr25519 signature by `payload.prid` with the `substrate` context.
	pub signature: ReadingSignature,
}

impl SignedReading {
	/// Verifies the signature (schnorrkel, in-process; the runtime should call
	/// `sp_io::crypto::sr25519_verify(&sig.into(), &payload.signing_message(), &prid.into())`).
	pub fn verify(&self) -> bool {
		prid::verify(&self.payload.prid, &self.payload.signing_message(), &self.signature)
	}
}

/// Why a reading could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadingError {
	/// The signing key is not the key of the payload's PRID.
	WrongKey,
}

/// A meter's whole work for one period: split each channel's reading `readings[j]` (with
/// `randoms[j]` as `c'_j`), mask both shares per channel and sign each share under its own
/// PRID. Returns the readings for PRID and PRID'. `randoms` has the length of `readings`, at
/// most [`crate::channel::MAX_CHANNELS`].
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub fn meter_readings(
	keys: &crate::seed::PeriodKeys,
	genesis_hash: H256,
	region: RegionId,
	period: PeriodIndex,
	readings: &[u64],
	randoms: &[u64],
	timestamps_ms: [Moment; 2],
) -> [SignedReading; 2] {
	let (masks_a, masks_b) = keys.masks(readings.len());
	let (values_a, values_b) = crate::mask::mask_values(readings, randoms, &masks_a, &masks_b);
	let make = |key: &prid::PridKey, values, timestamp_ms| {
		let payload = ReadingPayload {
			genesis_hash,
			region,
			period,
			prid: key.prid(),
			masked: values,
			timestamp_ms,
		};
		let signature = key.sign(&payload.signing_message());
		SignedReading { payload, signature }
	};
	[make(&keys.key_a, values_a, timestamps_ms[0]), make(&keys.key_b, values_b, timestamps_ms[1])]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{channel::MAX_CHANNELS, prid::PridKey};

	fn payload(key: &PridKey) -> ReadingPayload {
		ReadingPayload {
			genesis_hash: H256::repeat_byte(0x11),
			region: 7,
			period: 1441,
			prid: key.prid(),
			masked: Values::truncate_from(vec![123_456, 7]),
			timestamp_ms: 1_700_000_000_000,
		}
	}

	#[test]
	fn message_layout() {
		let key = PridKey::from_leaf(&[1u8; 32]);
		let p = payload(&key);
		let m = p.signing_message();
		assert_eq!(m.len(), signing_message_len(2));
		assert_eq!(&m[..19], b"gridmask/reading/v2");
		assert_eq!(&m[19..51], &[0x11; 32]);
		assert_eq!(&m[51..55], &7u32.to_le_bytes());
		assert_eq!(&m[55..59], &1441u32.to_le_bytes());
		assert_eq!(&m[59..91], &p.prid.0);
		assert_eq!(m[91], 2 << 2, "compact length 2");
		assert_eq!(&m[92..100], &123_456u64.to_le_bytes());
		assert_eq!(&m[100..108], &7u64.to_le_bytes());
		assert_eq!(&m[108..116], &1_700_000_000_000u64.to_le_bytes());
		for n in 1..=MAX_CHANNELS as usize {
			let p = ReadingPayload { masked: Values::truncate_from(vec![0; n]), ..payload(&key) };
			assert_eq!(p.signing_message().len(), signing_message_len(n));
		}
	}

	#[test]
	fn tampering_fails() {
		let key = PridKey::from_leaf(&[2u8; 32]);
		let signed = payload(&key).sign(&key).unwrap();
		assert!(signed.verify());
		let tamper = |f: &dyn Fn(&mut ReadingPayload)| {
			let mut t = signed.clone();
			f(&mut t.payload);
			t
		};
		let cases = [
			tamper(&|p| p.masked[0] += 1),
			tamper(&|p| p.masked[1] += 1),
			tamper(&|p| p.masked = Values::truncate_from(vec![p.masked[0]])),
			tamper(&|p| p.genesis_hash = H256::repeat_byte(0x12)),
			tamper(&|p| p.period += 1),
			tamper(&|p| p.region += 1),
			tamper(&|p| p.timestamp_ms += 1),
			tamper(&|p| p.prid = PridKey::from_leaf(&[3u8; 32]).prid()),
		];
		sp_io::TestExternalities::default().execute_with(|| {
			let ok = |s: &SignedReading| {
				sp_io::crypto::sr25519_verify(
					&s.signature.into(),
					&s.payload.signing_message(),
					&s.payload.prid.into(),
				)
			};
			assert!(ok(&signed));
			for case in &cases {
				assert!(!case.verify());
				assert!(!ok(case));
			}
		});
		assert_eq!(
			payload(&key).sign(&PridKey::from_leaf(&[4u8; 32])),
			Err(ReadingError::WrongKey)
		);
	}
}
