//! Domain tags: `gridmask/<use>/v<n>`, one per use of a hash (PROTOCOL.md §3).
//!
//! `<use>` never contains `/`, so no tag is a prefix of another tag followed by data: two different
//! uses can never hash the same byte string. A change of any construction bumps its version.

/// Seed `s` of a cycle (PRIDs of share A).
pub const SEED_PRID_A: &[u8] = b"gridmask/seed-prid-a/v1";
/// Seed `s'` of a cycle (PRIDs of share B).
pub const SEED_PRID_B: &[u8] = b"gridmask/seed-prid-b/v1";
/// Seed `r` of a cycle (masks of share A).
pub const SEED_MASK_A: &[u8] = b"gridmask/seed-mask-a/v1";
/// Seed `r'` of a cycle (masks of share B).
pub const SEED_MASK_B: &[u8] = b"gridmask/seed-mask-b/v1";
/// The GGM length-doubling PRG `G`.
pub const GGM: &[u8] = b"gridmask/ggm/v1";
/// `H2`: leaf `t` to the PRID secret scalar.
pub const H2: &[u8] = b"gridmask/h2/v1";
/// Leaf `t` to the schnorrkel signing nonce seed of the PRID key.
pub const PRID_NONCE: &[u8] = b"gridmask/prid-nonce/v1";
/// `H3`: mask leaf `z` to a u64 mask.
pub const H3: &[u8] = b"gridmask/h3/v1";
/// `H3(z, j)` for channels `j ≥ 1` (channel 0 uses [`H3`]).
pub const H3_CHANNEL: &[u8] = b"gridmask/h3-channel/v1";
/// First field of the signed reading payload. v2: one value per channel (PROTOCOL.md §3a)
/// where v1 had one value.
pub const READING: &[u8; 19] = b"gridmask/reading/v2";
/// BF1: PRID to (block, bit positions).
pub const BF1: &[u8] = b"gridmask/bf1/v1";
/// T: the set commitment over a (region, period)'s sorted PRIDs.
pub const T_COMMIT: &[u8] = b"gridmask/t-commit/v1";
/// First field of the HPKE `info` of a bill report.
pub const BILL: &[u8; 16] = b"gridmask/bill/v1";

/// First field of the message an aggregator signs over a bundle of readings.
pub const BUNDLE: &[u8; 18] = b"gridmask/bundle/v1";

/// Every tag, for the uniqueness test and the test vectors.
pub const ALL: [(&str, &[u8]); 14] = [
	("seed_prid_a", SEED_PRID_A),
	("seed_prid_b", SEED_PRID_B),
	("seed_mask_a", SEED_MASK_A),
	("seed_mask_b", SEED_MASK_B),
	("ggm", GGM),
	("h2", H2),
	("prid_nonce", PRID_NONCE),
	("h3", H3),
	("h3_channel", H3_CHANNEL),
	("reading", READING),
	("bf1", BF1),
	("t_commit", T_COMMIT),
	("bill", BILL),
	("bundle", BUNDLE),
];

#[cfg(test)]
mod tests {
	#[test]
	fn tags_are_distinct_and_prefix_free() {
		for (i, (_, a)) in super::ALL.iter().enumerate() {
			let s = core::str::from_utf8(a).unwrap();
			let (inner, version) =
				s.strip_prefix("gridmask/").and_then(|r| r.rsplit_once("/v")).unwrap();
			assert!(version.parse::<u8>().is_ok(), "{s}");
			assert!(!inner.is_empty() && !inner.contains('/'), "{s}");
			for (j, (_, b)) in super::ALL.iter().enumerate() {
				if i != j {
					assert!(!b.starts_with(a), "{s} is a prefix of another tag");
				}
			}
		}
	}
}
