//! The signed reading payload (PROTOCOL.md §3).
//!
//! The signed message is the SCALE encoding of the tuple
//! `(b"gridmask/reading/v1", genesis_hash, region, period, prid, value, timestamp_ms)`:
//! the tag as 19 raw bytes (a fixed-size array: no length prefix), the genesis hash as 32 raw
//! bytes, `region` and `period` as u32 LE, the PRID as 32 raw bytes, `value` and `timestamp_ms`
//! as u64 LE: always [`SIGNING_MESSAGE_LEN`] = 107 bytes. The genesis hash binds a reading to one
//! chain, `(region, period)` to one filter and window.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{
	prid::{self, Prid, ReadingSignature},
	tags, Moment, PeriodIndex, RegionId,
};

/// Length of [`ReadingPayload::signing_message`].
pub const SIGNING_MESSAGE_LEN: usize = 19 + 32 + 4 + 4 + 32 + 8 + 8;

/// One share of one meter's reading of one period, as signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
	/// The masked share `c' + H3(z)` (or `c'' + H3(z')`).
	pub value: u64,
	/// When the meter took the reading (ms).
	pub timestamp_ms: Moment,
}

impl ReadingPayload {
	/// The bytes that are signed.
	pub fn signing_message(&self) -> [u8; SIGNING_MESSAGE_LEN] {
		let mut out = [0u8; SIGNING_MESSAGE_LEN];
		let encoded = (
			tags::READING,
			&self.genesis_hash,
			self.region,
			self.period,
			&self.prid,
			self.value,
			self.timestamp_ms,
		)
			.encode();
		// The tuple's encoding has a fixed length (a test pins it).
		out.copy_from_slice(&encoded);
		out
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A meter's whole work for one period: split `consumption` (with `random` as `c'`), mask both
/// shares and sign each under its own PRID. Returns the readings for PRID and PRID'.
#[cfg(feature = "std")]
#[allow(clippy::too_many_arguments)]
pub fn meter_readings(
	keys: &crate::seed::PeriodKeys,
	genesis_hash: H256,
	region: RegionId,
	period: PeriodIndex,
	consumption: u64,
	random: u64,
	timestamps_ms: [Moment; 2],
) -> [SignedReading; 2] {
	let (value_a, value_b) =
		crate::mask::mask_reading(consumption, random, keys.mask_a, keys.mask_b);
	let make = |key: &prid::PridKey, value, timestamp_ms| {
		let payload =
			ReadingPayload { genesis_hash, region, period, prid: key.prid(), value, timestamp_ms };
		let signature = key.sign(&payload.signing_message());
		SignedReading { payload, signature }
	};
	[make(&keys.key_a, value_a, timestamps_ms[0]), make(&keys.key_b, value_b, timestamps_ms[1])]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::prid::PridKey;

	fn payload(key: &PridKey) -> ReadingPayload {
		ReadingPayload {
			genesis_hash: H256::repeat_byte(0x11),
			region: 7,
			period: 1441,
			prid: key.prid(),
			value: 123_456,
			timestamp_ms: 1_700_000_000_000,
		}
	}

	#[test]
	fn message_layout() {
		let key = PridKey::from_leaf(&[1u8; 32]);
		let p = payload(&key);
		let m = p.signing_message();
		assert_eq!(&m[..19], b"gridmask/reading/v1");
		assert_eq!(&m[19..51], &[0x11; 32]);
		assert_eq!(&m[51..55], &7u32.to_le_bytes());
		assert_eq!(&m[55..59], &1441u32.to_le_bytes());
		assert_eq!(&m[59..91], &p.prid.0);
		assert_eq!(&m[91..99], &123_456u64.to_le_bytes());
		assert_eq!(&m[99..107], &1_700_000_000_000u64.to_le_bytes());
	}

	#[test]
	fn tampering_fails() {
		let key = PridKey::from_leaf(&[2u8; 32]);
		let signed = payload(&key).sign(&key).unwrap();
		assert!(signed.verify());
		let tamper = |f: &dyn Fn(&mut ReadingPayload)| {
			let mut t = signed;
			f(&mut t.payload);
			t
		};
		let cases = [
			tamper(&|p| p.value += 1),
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
