//! Bundles (PROTOCOL.md §4, collection): an aggregator's node collects meters' readings, checks
//! them, and puts many into one transaction that it signs with its own key.
//!
//! A bundle holds groups, one per (region, period), each a list of [`BundledShare`]s: a
//! reading without the fields its group already says (region, period) and without the genesis
//! hash (the chain's own). Every share keeps the meter's PRID signature, so the chain checks each
//! one exactly as it checks a reading sent alone; the aggregator's signature only says which
//! aggregator sent the bundle, in which order ([`bundle_signing_message`]), so that a bundle
//! cannot be replayed or sent in another aggregator's name.
//!
//! The signed message is the SCALE encoding of
//! `(b"gridmask/bundle/v1", genesis_hash, collector, seq, contents_hash)`: the tag as 18 raw
//! bytes, the genesis hash and the collector's sr25519 public key as 32 raw bytes each, `seq` as
//! u64 LE, and `contents_hash = BLAKE2b-256(SCALE(groups))`: always [`BUNDLE_MESSAGE_LEN`] = 122
//! bytes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{
	channel::Values,
	prid::{Prid, ReadingSignature},
	reading::{ReadingPayload, SignedReading},
	tags, Moment, PeriodIndex, RegionId,
};

/// Length of [`bundle_signing_message`].
pub const BUNDLE_MESSAGE_LEN: usize = 18 + 32 + 32 + 8 + 32;

/// Bytes of one [`BundledShare`] of `channels` channels in a bundle: what a reading costs in
/// block space (121 bytes for one channel, 8 more per further channel).
pub const fn bundled_share_bytes(channels: usize) -> usize {
	32 + 1 + 8 * channels + 8 + 64
}

/// One meter's share in a bundle: a [`SignedReading`] without its region and period (the
/// group's) and its genesis hash (the chain's).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct BundledShare {
	/// The share's one-time public key.
	pub prid: Prid,
	/// The masked values, one per channel.
	pub masked: Values,
	/// When the meter took the reading (ms).
	pub timestamp_ms: Moment,
	/// The meter's signature over the reading's payload.
	pub signature: ReadingSignature,
}

impl BundledShare {
	/// The share of `reading`.
	pub fn of(reading: &SignedReading) -> Self {
		let p = &reading.payload;
		Self {
			prid: p.prid,
			masked: p.masked.clone(),
			timestamp_ms: p.timestamp_ms,
			signature: reading.signature,
		}
	}

	/// The reading this share is, in a group of (`region`, `period`) on the chain of
	/// `genesis_hash`.
	pub fn reading(
		&self,
		genesis_hash: H256,
		region: RegionId,
		period: PeriodIndex,
	) -> SignedReading {
		SignedReading {
			payload: ReadingPayload {
				genesis_hash,
				region,
				period,
				prid: self.prid,
				masked: self.masked.clone(),
				timestamp_ms: self.timestamp_ms,
			},
			signature: self.signature,
		}
	}
}

/// The message a collector signs over a bundle: see the module docs.
pub fn bundle_signing_message(
	genesis_hash: &H256,
	collector: &[u8; 32],
	seq: u64,
	contents_hash: &[u8; 32],
) -> [u8; BUNDLE_MESSAGE_LEN] {
	let mut out = [0u8; BUNDLE_MESSAGE_LEN];
	let encoded = (tags::BUNDLE, genesis_hash, collector, seq, contents_hash).encode();
	// The tuple's encoding has a fixed length (a test pins it).
	out.copy_from_slice(&encoded);
	out
}

/// Verifies many readings' signatures at once (schnorrkel's batch verification: about half
/// the time per signature of one-by-one verification for large batches). `true` only if every
/// signature verifies; on `false` the caller verifies one by one to find which do not.
#[cfg(feature = "std")]
pub fn verify_batch(readings: &[SignedReading]) -> bool {
	use schnorrkel::{signing_context, PublicKey, Signature};
	let context = signing_context(crate::prid::SIGNING_CONTEXT);
	let mut transcripts = Vec::with_capacity(readings.len());
	let mut signatures = Vec::with_capacity(readings.len());
	let mut publics = Vec::with_capacity(readings.len());
	for r in readings {
		let (Ok(public), Ok(signature)) =
			(PublicKey::from_bytes(&r.payload.prid.0), Signature::from_bytes(&r.signature.0))
		else {
			return false;
		};
		transcripts.push(context.bytes(&r.payload.signing_message()));
		signatures.push(signature);
		publics.push(public);
	}
	schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::prid::PridKey;

	#[test]
	fn message_layout() {
		let m = bundle_signing_message(&H256::repeat_byte(0x11), &[0x22; 32], 7, &[0x33; 32]);
		assert_eq!(&m[..18], b"gridmask/bundle/v1");
		assert_eq!(&m[18..50], &[0x11; 32]);
		assert_eq!(&m[50..82], &[0x22; 32]);
		assert_eq!(&m[82..90], &7u64.to_le_bytes());
		assert_eq!(&m[90..122], &[0x33; 32]);
	}

	#[test]
	fn a_share_is_its_reading_without_region_period_and_genesis() {
		let key = PridKey::from_leaf(&[5u8; 32]);
		let payload = ReadingPayload {
			genesis_hash: H256::repeat_byte(1),
			region: 3,
			period: 9,
			prid: key.prid(),
			masked: Values::truncate_from(vec![42, 0]),
			timestamp_ms: 1_000,
		};
		let reading = payload.sign(&key).unwrap();
		let share = BundledShare::of(&reading);
		assert_eq!(share.encode().len(), bundled_share_bytes(2));
		assert_eq!(share.reading(H256::repeat_byte(1), 3, 9), reading);
		assert!(share.reading(H256::repeat_byte(1), 3, 9).verify());
		assert!(!share.reading(H256::repeat_byte(1), 4, 9).verify());
	}

	#[test]
	fn batch_verification_fails_if_any_signature_does() {
		let readings: Vec<SignedReading> = (0..8u8)
			.map(|i| {
				let key = PridKey::from_leaf(&[i; 32]);
				ReadingPayload {
					genesis_hash: H256::repeat_byte(1),
					region: 1,
					period: 2,
					prid: key.prid(),
					masked: Values::truncate_from(vec![u64::from(i)]),
					timestamp_ms: 3,
				}
				.sign(&key)
				.unwrap()
			})
			.collect();
		assert!(verify_batch(&readings));
		assert!(verify_batch(&[]));
		let mut bad = readings.clone();
		bad[5].payload.masked[0] += 1;
		assert!(!verify_batch(&bad));
		let mut bad = readings;
		bad[0].signature.0[3] ^= 1;
		assert!(!verify_batch(&bad));
	}
}
