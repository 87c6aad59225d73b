//! T, the set commitment of a (region, period) (PROTOCOL.md §3).
//!
//! `T = BLAKE2b-256("gridmask/t-commit/v1" || region || period || PRID_1 || ... || PRID_n)` with
//! `region` and `period` as u32 LE and the PRIDs as 32 raw bytes each, sorted ascending bytewise,
//! no duplicates, no count (every entry has the same width, so the preimage parses uniquely).
//! Sorting makes T independent of arrival order; the runtime feeds the PRIDs it stored (e.g. from
//! a map keyed by the PRID with an identity hasher, which iterates in exactly this order) through
//! a [`TBuilder`] without allocating.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{prid::Prid, tags, PeriodIndex, RegionId};

/// A 32-byte T commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct TCommitment(pub [u8; 32]);

/// Why a T commitment could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum TError {
	/// PRIDs were not pushed in strictly ascending order (or one was pushed twice).
	NotAscending,
	/// The same PRID appears twice.
	Duplicate,
}

/// Streaming computation of T over PRIDs pushed in ascending order. Its whole state is
/// SCALE-encodable (and `MaxEncodedLen`: a storable [`Blake2b256`](crate::blake2b::Blake2b256)
/// state), so the runtime can hash a bounded number of PRIDs per block and resume in a later
/// block when it seals a large (region, period) (PROTOCOL.md §4 step 4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct TBuilder {
	state: crate::blake2b::Blake2b256,
	last: Option<Prid>,
	count: u32,
}

impl TBuilder {
	/// Starts the commitment of `(region, period)`.
	pub fn new(region: RegionId, period: PeriodIndex) -> Self {
		let mut state = crate::blake2b::Blake2b256::new();
		state.update(tags::T_COMMIT);
		state.update(&region.to_le_bytes());
		state.update(&period.to_le_bytes());
		Self { state, last: None, count: 0 }
	}

	/// Adds the next PRID, which must be greater than the previous one.
	pub fn push(&mut self, prid: &Prid) -> Result<(), TError> {
		if let Some(last) = &self.last {
			if prid == last {
				return Err(TError::Duplicate);
			}
			if prid < last {
				return Err(TError::NotAscending);
			}
		}
		self.state.update(&prid.0);
		self.last = Some(*prid);
		self.count = self.count.saturating_add(1);
		Ok(())
	}

	/// PRIDs pushed so far.
	pub fn count(&self) -> u32 {
		self.count
	}

	/// The last PRID pushed (the resume point).
	pub fn last(&self) -> Option<&Prid> {
		self.last.as_ref()
	}

	/// T of the PRIDs pushed so far (the builder is unchanged).
	pub fn finish(&self) -> TCommitment {
		TCommitment(self.state.finalize())
	}
}

/// T over PRIDs that are already sorted ascending (errors otherwise).
pub fn t_commitment_sorted(
	region: RegionId,
	period: PeriodIndex,
	prids: &[Prid],
) -> Result<TCommitment, TError> {
	let mut builder = TBuilder::new(region, period);
	for prid in prids {
		builder.push(prid)?;
	}
	Ok(builder.finish())
}

/// T over PRIDs in any order (sorts a copy); a duplicate is an error, since T commits to a set.
pub fn t_commitment(
	region: RegionId,
	period: PeriodIndex,
	prids: impl IntoIterator<Item = Prid>,
) -> Result<TCommitment, TError> {
	let mut sorted: alloc::vec::Vec<Prid> = prids.into_iter().collect();
	sorted.sort_unstable();
	t_commitment_sorted(region, period, &sorted)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn p(b: u8) -> Prid {
		Prid([b; 32])
	}

	#[test]
	fn preimage_layout() {
		let t = t_commitment(3, 9, [p(2), p(1)]).unwrap();
		let mut pre = b"gridmask/t-commit/v1".to_vec();
		pre.extend_from_slice(&3u32.to_le_bytes());
		pre.extend_from_slice(&9u32.to_le_bytes());
		pre.extend_from_slice(&[1u8; 32]);
		pre.extend_from_slice(&[2u8; 32]);
		assert_eq!(t.0, sp_io::hashing::blake2_256(&pre));
	}

	#[test]
	fn order_and_duplicates() {
		assert_eq!(t_commitment(0, 0, [p(1), p(1)]), Err(TError::Duplicate));
		assert_eq!(t_commitment_sorted(0, 0, &[p(2), p(1)]), Err(TError::NotAscending));
		assert_ne!(t_commitment(0, 0, [p(1)]), t_commitment(0, 1, [p(1)]));
		assert_ne!(t_commitment(0, 0, [p(1)]), t_commitment(1, 0, [p(1)]));
		let mut b = TBuilder::new(0, 0);
		b.push(&p(1)).unwrap();
		b.push(&p(3)).unwrap();
		assert_eq!(b.count(), 2);
		assert_eq!(b.finish(), t_commitment(0, 0, [p(3), p(1)]).unwrap());
	}

	#[test]
	fn resumable_builder_matches_one_shot() {
		use codec::{Decode, Encode};
		let prids: alloc::vec::Vec<Prid> = (0..700u32)
			.map(|i| Prid(crate::hashing::blake2b_256(b"t-test", &[&i.to_le_bytes()])))
			.collect();
		let mut sorted = prids.clone();
		sorted.sort_unstable();
		for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 100, 699, 700] {
			let expected = t_commitment(9, 77, prids[..n].iter().copied()).unwrap();
			let mut part = prids[..n].to_vec();
			part.sort_unstable();
			// Resume (encode, decode) every `step` PRIDs.
			for step in [1usize, 3, 64] {
				let mut b = TBuilder::new(9, 77);
				for chunk in part.chunks(step) {
					let mut resumed = TBuilder::decode(&mut &b.encode()[..]).unwrap();
					assert_eq!(resumed, b);
					for p in chunk {
						resumed.push(p).unwrap();
					}
					b = resumed;
				}
				assert_eq!(b.count() as usize, n);
				assert_eq!(b.finish(), expected, "n={n} step={step}");
				assert_eq!(b.last(), part.last());
			}
		}
		let mut b = TBuilder::new(0, 0);
		b.push(&p(2)).unwrap();
		assert_eq!(b.push(&p(2)), Err(TError::Duplicate));
		assert_eq!(b.push(&p(1)), Err(TError::NotAscending));
		assert!(TBuilder::max_encoded_len() < 256);
	}
}
