//! A fault's resolution (PROTOCOL.md §4 step 6): what the KGC says of each PRID of a faulted
//! (region, period), and the rules the chain re-checks it by.
//!
//! The chain's re-check ([`Merge`]) walks the period's stored shares and the resolution's
//! entries in PRID order: T is re-hashed over every stored share but the forged ones, plus the
//! absent PRIDs; the aggregate counts only the complete readings (neither lone nor forged).
//! These rules live here once: the readings pallet applies them a budget of PRIDs per block,
//! and the faults pallet's tests apply them to a whole period at once.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::iter::Peekable;
use scale_info::TypeInfo;

use crate::Prid;

/// What a resolution says of one PRID.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum EntryKind {
	/// Expected, no share on chain: hashed into T; its mask is not in `Z'`.
	Absent,
	/// A share on chain whose meter's other share is absent: hashed into T (it is expected),
	/// its value left out of the sum and its mask out of `Z'`, so the aggregate is the true
	/// sum of the complete readings.
	Lone,
	/// A share on chain under a PRID no meter owns (it passed BF1): not hashed, value left
	/// out of the sum.
	Forged,
}

/// Why an entry cannot stand, whatever the rest of the resolution says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EntryError {
	/// An entry's PRID is not above the one before it.
	NotAscending,
	/// An absent PRID has a share on chain.
	AbsentPridStored,
	/// A lone or forged PRID has no share on chain.
	PridNotStored,
}

/// Checks an entry against the one before it (`last`) and against whether a share is stored
/// under its PRID. Every resolution entry passes this when it is submitted, so the re-check
/// only ever merges entries that agree with storage.
pub fn check_entry(
	last: Option<&Prid>,
	prid: &Prid,
	kind: EntryKind,
	stored: bool,
) -> Result<(), EntryError> {
	if last.is_some_and(|l| l >= prid) {
		return Err(EntryError::NotAscending);
	}
	match kind {
		EntryKind::Absent if stored => Err(EntryError::AbsentPridStored),
		EntryKind::Lone | EntryKind::Forged if !stored => Err(EntryError::PridNotStored),
		_ => Ok(()),
	}
}

/// One PRID of a [`Merge`]: a stored share, an entry, or both.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Merged<X> {
	/// The PRID.
	pub prid: Prid,
	/// A share is stored under it.
	pub stored: bool,
	/// The resolution's entry for it, with what the caller attached to the entry.
	pub entry: Option<(EntryKind, X)>,
}

impl<X> Merged<X> {
	/// Whether T commits to this PRID: a stored share unless forged, or an absent PRID.
	pub fn in_t(&self) -> bool {
		match (self.stored, self.entry.as_ref().map(|(k, _)| *k)) {
			(true, None | Some(EntryKind::Lone)) => true,
			(false, Some(EntryKind::Absent)) => true,
			_ => false,
		}
	}

	/// Whether the share under this PRID is one of a complete reading's, counted in the
	/// aggregate.
	pub fn in_sum(&self) -> bool {
		self.stored && self.entry.is_none()
	}
}

/// The PRID-ordered union of a period's stored shares (ascending PRIDs) and a resolution's
/// entries (ascending PRIDs, each with a value `X` the caller carries along, e.g. its part).
///
/// It reads one item ahead on each side, and never more, so a caller that reads the entries'
/// parts lazily reads at most one part beyond what it has merged.
pub struct Merge<S: Iterator<Item = Prid>, E: Iterator<Item = (Prid, EntryKind, X)>, X> {
	shares: Peekable<S>,
	entries: Peekable<E>,
}

impl<S, E, X> Merge<S, E, X>
where
	S: Iterator<Item = Prid>,
	E: Iterator<Item = (Prid, EntryKind, X)>,
{
	/// Merges `shares` and `entries`.
	pub fn new(shares: S, entries: E) -> Self {
		Self { shares: shares.peekable(), entries: entries.peekable() }
	}
}

impl<S, E, X> Iterator for Merge<S, E, X>
where
	S: Iterator<Item = Prid>,
	E: Iterator<Item = (Prid, EntryKind, X)>,
{
	type Item = Merged<X>;

	fn next(&mut self) -> Option<Merged<X>> {
		let share = self.shares.peek().copied();
		let entry = self.entries.peek().map(|(p, _, _)| *p);
		let (stored, listed) = match (share, entry) {
			(None, None) => return None,
			(Some(s), Some(e)) => (s <= e, e <= s),
			(Some(_), None) => (true, false),
			(None, Some(_)) => (false, true),
		};
		let prid = if stored { self.shares.next() } else { None };
		let entry = if listed { self.entries.next() } else { None };
		let prid = prid.or(entry.as_ref().map(|(p, _, _)| *p))?;
		Some(Merged { prid, stored, entry: entry.map(|(_, k, x)| (k, x)) })
	}
}

/// T's PRIDs for a whole period at once: the stored shares (ascending) and the resolution's
/// entries (ascending) merged, forged shares left out and absent PRIDs added.
pub fn resolved_prids(
	shares: impl IntoIterator<Item = Prid>,
	entries: impl IntoIterator<Item = (Prid, EntryKind)>,
) -> impl Iterator<Item = Prid> {
	let entries = entries.into_iter().map(|(p, k)| (p, k, ()));
	Merge::new(shares.into_iter(), entries).filter(Merged::in_t).map(|m| m.prid)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;
	use EntryKind::*;

	fn p(b: u8) -> Prid {
		Prid([b; 32])
	}

	#[test]
	fn t_keeps_stored_shares_but_forged_and_adds_absent_prids() {
		let shares = [p(1), p(3), p(5), p(7)];
		let entries = [(p(2), Absent), (p(3), Lone), (p(5), Forged), (p(9), Absent)];
		let t: Vec<Prid> = resolved_prids(shares, entries).collect();
		assert_eq!(t, [p(1), p(2), p(3), p(7), p(9)]);

		let merged: Vec<_> =
			Merge::new(shares.into_iter(), entries.map(|(p, k)| (p, k, ())).into_iter()).collect();
		let summed: Vec<Prid> = merged.iter().filter(|m| m.in_sum()).map(|m| m.prid).collect();
		assert_eq!(summed, [p(1), p(7)], "lone and forged shares are not summed");
		assert_eq!(merged.len(), 6, "a listed share is one item");
	}

	#[test]
	fn entries_that_disagree_with_storage_are_refused() {
		assert_eq!(check_entry(None, &p(1), Absent, true), Err(EntryError::AbsentPridStored));
		assert_eq!(check_entry(None, &p(1), Lone, false), Err(EntryError::PridNotStored));
		assert_eq!(check_entry(None, &p(1), Forged, false), Err(EntryError::PridNotStored));
		assert_eq!(check_entry(Some(&p(1)), &p(1), Absent, false), Err(EntryError::NotAscending));
		assert_eq!(check_entry(Some(&p(2)), &p(1), Absent, false), Err(EntryError::NotAscending));
		assert_eq!(check_entry(Some(&p(1)), &p(2), Absent, false), Ok(()));
		assert_eq!(check_entry(None, &p(2), Lone, true), Ok(()));
		assert_eq!(check_entry(None, &p(2), Forged, true), Ok(()));
	}

	#[test]
	fn an_entry_that_disagrees_with_storage_is_never_hashed() {
		// Refused at submission; the merge still leaves them out rather than trust them.
		let t: Vec<Prid> = resolved_prids([p(1)], [(p(1), Absent), (p(2), Lone)]).collect();
		assert!(t.is_empty());
	}
}
