//! Period setup (std, client side): for a region's meters and a cycle, each period's BF1, T and Z
//! (PROTOCOL.md §4.2), computed in parallel with rayon.
//!
//! Work is done in chunks of [`CHUNK_PERIODS`] periods: in parallel over meters, each meter expands
//! only the GGM subtrees of the chunk's leaves (≈2 PRG calls per leaf instead of 16) and derives
//! its two PRIDs and mask sum per period; then, in parallel over the chunk's periods, the PRIDs are
//! sorted, committed to (T), inserted into a fresh BF1, and the masks summed (Z). Memory stays at
//! one chunk (64 B per meter and period) however long the cycle.

use alloc::vec::Vec;
use core::ops::Range;
use rayon::prelude::*;

use crate::{
	bloom::{Bf1, Bf1Error},
	channel::{Values, MAX_CHANNELS},
	commitment::{t_commitment_sorted, TCommitment, TError},
	ggm::{self, GGM_LEAVES},
	mask::h3_channel,
	prid::{derive_prids_batch, Prid},
	seed::{CycleSeeds, MasterSecret},
	time::TimeParams,
	CycleIndex, LeafIndex, PeriodIndex, RegionId,
};

/// Periods processed per parallel chunk.
pub const CHUNK_PERIODS: u32 = 64;

/// What to set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetupParams {
	/// The region.
	pub region: RegionId,
	/// The cycle.
	pub cycle: CycleIndex,
	/// Periods per cycle (≤ 2^16).
	pub periods_per_cycle: u32,
	/// BF1 false-positive exponent (rate 2^-fp_exp), normally [`crate::BF1_DEFAULT_FP_EXP`].
	pub fp_exp: u8,
	/// Channels of the region's shape (1 to [`MAX_CHANNELS`]): one `Z` per channel.
	pub channels: u8,
}

/// The setup of one (region, period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodSetup {
	/// The region.
	pub region: RegionId,
	/// Global period index.
	pub period: PeriodIndex,
	/// Leaf of the period in its cycle.
	pub leaf: LeafIndex,
	/// Number of expected PRIDs (two per meter).
	pub entries: u32,
	/// The filter of the expected PRIDs.
	pub bf1: Bf1,
	/// The commitment to exactly the expected PRIDs.
	pub t: TCommitment,
	/// Per channel `j`: `Σ (H3(z, j) + H3(z', j))` over the meters.
	pub z: Values,
}

/// Why setup failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupError {
	/// `periods_per_cycle` is 0 or above 2^16, or the leaves are outside the cycle, or
	/// `channels` is 0 or above [`MAX_CHANNELS`].
	BadRange,
	/// A period index overflows u32.
	PeriodOverflow,
	/// Too many meters for one filter, or a bad fp exponent.
	Bf1(Bf1Error),
	/// Two expected PRIDs are equal (probability ~2^-250: a broken input, e.g. a repeated meter).
	T(TError),
}

/// The setup of every period of the cycle.
pub fn build_cycle(
	params: &SetupParams,
	meters: &[MasterSecret],
) -> Result<Vec<PeriodSetup>, SetupError> {
	build_periods(params, meters, 0..params.periods_per_cycle)
}

/// The setup of the periods with leaves `leaves` of the cycle, in order.
pub fn build_periods(
	params: &SetupParams,
	meters: &[MasterSecret],
	leaves: Range<u32>,
) -> Result<Vec<PeriodSetup>, SetupError> {
	if params.periods_per_cycle == 0
		|| params.periods_per_cycle > GGM_LEAVES
		|| leaves.start > leaves.end
		|| leaves.end > params.periods_per_cycle
		|| params.channels == 0
		|| u32::from(params.channels) > MAX_CHANNELS
	{
		return Err(SetupError::BadRange);
	}
	let first_period =
		params.cycle.checked_mul(params.periods_per_cycle).ok_or(SetupError::PeriodOverflow)?;
	first_period.checked_add(params.periods_per_cycle - 1).ok_or(SetupError::PeriodOverflow)?;
	let entries = u32::try_from(meters.len())
		.ok()
		.and_then(|m| m.checked_mul(2))
		.ok_or(SetupError::Bf1(Bf1Error::TooManyEntries))?;
	// Fail early (and cheaply) on sizing.
	crate::bloom::Bf1Params::for_entries(entries, params.fp_exp).map_err(SetupError::Bf1)?;

	let seeds: Vec<CycleSeeds> = meters.par_iter().map(|m| m.cycle_seeds(params.cycle)).collect();
	let mut out = Vec::with_capacity(leaves.len());
	let mut start = leaves.start;
	while start < leaves.end {
		let end = leaves.end.min(start + CHUNK_PERIODS);
		let channels = usize::from(params.channels);
		let per_meter: Vec<Vec<(Prid, Prid, ChannelMasks)>> =
			seeds.par_iter().map(|s| meter_chunk(s, start, end, channels)).collect();
		let chunk: Result<Vec<PeriodSetup>, SetupError> = (start..end)
			.into_par_iter()
			.map(|leaf| {
				let j = (leaf - start) as usize;
				let mut prids = Vec::with_capacity(entries as usize);
				let mut z: ChannelMasks = [0; MAX_CHANNELS as usize];
				for meter in &per_meter {
					let (a, b, mask_sums) = &meter[j];
					prids.push(*a);
					prids.push(*b);
					for (z, m) in z.iter_mut().zip(mask_sums) {
						*z = z.wrapping_add(*m);
					}
				}
				prids.sort_unstable();
				let period = first_period + leaf;
				let t =
					t_commitment_sorted(params.region, period, &prids).map_err(SetupError::T)?;
				let mut bf1 = Bf1::for_entries(entries, params.fp_exp).map_err(SetupError::Bf1)?;
				for prid in &prids {
					bf1.insert(prid);
				}
				Ok(PeriodSetup {
					region: params.region,
					period,
					leaf: leaf as LeafIndex,
					entries,
					bf1,
					t,
					z: Values::truncate_from(z[..channels].to_vec()),
				})
			})
			.collect();
		out.extend(chunk?);
		start = end;
	}
	Ok(out)
}

/// The setup of one `period` of `region` (of `channels` channels) for `meters` on a chain with
/// time parameters `time`: [`build_periods`] over the period's cycle, restricted to its leaf.
pub fn build_period(
	time: &TimeParams,
	region: RegionId,
	period: PeriodIndex,
	meters: &[MasterSecret],
	fp_exp: u8,
	channels: u8,
) -> Result<PeriodSetup, SetupError> {
	let params = SetupParams {
		region,
		cycle: time.cycle_of(period),
		periods_per_cycle: time.periods_per_cycle,
		fp_exp,
		channels,
	};
	let leaf = u32::from(time.leaf_of(period));
	let mut built = build_periods(&params, meters, leaf..leaf + 1)?;
	Ok(built.remove(0))
}

/// Per channel, a sum of masks (unused channels 0): an array, so that setup allocates nothing
/// per meter and period.
type ChannelMasks = [u64; MAX_CHANNELS as usize];

/// `(PRID, PRID', [H3(z, j) + H3(z', j)]_j)` of one meter for leaves `start..end` (within
/// `0..2^16`) and the first `channels` channels.
fn meter_chunk(
	seeds: &CycleSeeds,
	start: u32,
	end: u32,
	channels: usize,
) -> Vec<(Prid, Prid, ChannelMasks)> {
	let n = (end - start) as usize;
	// Leaves arrive in order, so pushing keeps index j = k - start. The caller checked
	// end ≤ periods_per_cycle ≤ 2^16, so eval_range cannot fail.
	let mut t_leaves = Vec::with_capacity(2 * n);
	let _ = ggm::eval_range(&seeds.prid_a, start, end, |_, t| t_leaves.push(*t));
	let _ = ggm::eval_range(&seeds.prid_b, start, end, |_, t| t_leaves.push(*t));
	let mut masks: Vec<ChannelMasks> = Vec::with_capacity(n);
	let _ = ggm::eval_range(&seeds.mask_a, start, end, |_, z| {
		let mut m = [0; MAX_CHANNELS as usize];
		for (c, m) in m.iter_mut().enumerate().take(channels) {
			*m = h3_channel(z, c as u8);
		}
		masks.push(m);
	});
	let mut j = 0;
	let _ = ggm::eval_range(&seeds.mask_b, start, end, |_, z| {
		for (c, m) in masks[j].iter_mut().enumerate().take(channels) {
			*m = m.wrapping_add(h3_channel(z, c as u8));
		}
		j += 1;
	});
	let prids = derive_prids_batch(&t_leaves);
	(0..n).map(|j| (prids[j], prids[n + j], masks[j])).collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{commitment::t_commitment, mask::mask_sum};

	#[test]
	fn one_period_is_its_cycles_setup_at_its_leaf() {
		let meters: Vec<MasterSecret> = (0..3u8).map(|i| MasterSecret([i; 32])).collect();
		let time = TimeParams {
			genesis_start_ms: 0,
			period_ms: 60_000,
			periods_per_cycle: 10,
			window_ms: 30_000,
		};
		// Period 23: cycle 2, leaf 3.
		let one = build_period(&time, 7, 23, &meters, 30, 2).unwrap();
		let params =
			SetupParams { region: 7, cycle: 2, periods_per_cycle: 10, fp_exp: 30, channels: 2 };
		let cycle = build_cycle(&params, &meters).unwrap();
		assert_eq!((one.period, one.leaf), (23, 3));
		assert_eq!(one, cycle[3]);
	}

	#[test]
	fn matches_per_meter_derivation() {
		let meters: Vec<MasterSecret> = (0..5u8).map(|i| MasterSecret([i; 32])).collect();
		let params =
			SetupParams { region: 4, cycle: 3, periods_per_cycle: 150, fp_exp: 30, channels: 3 };
		let setups = build_cycle(&params, &meters).unwrap();
		assert_eq!(setups.len(), 150);
		for s in [&setups[0], &setups[63], &setups[64], &setups[149]] {
			let keys: Vec<_> =
				meters.iter().map(|m| m.cycle_seeds(3).period_keys(s.leaf)).collect();
			let prids = keys.iter().flat_map(|k| [k.prids().0, k.prids().1]);
			assert_eq!(s.period, 3 * 150 + u32::from(s.leaf));
			assert_eq!(s.t, t_commitment(4, s.period, prids.clone()).unwrap());
			assert_eq!(s.z[0], mask_sum(keys.iter().flat_map(|k| [k.mask_a, k.mask_b])));
			for j in 0..3 {
				assert_eq!(s.z[j], mask_sum(keys.iter().map(|k| k.mask_sums(3)[j])));
			}
			assert_eq!(s.z.len(), 3);
			assert_eq!(s.entries, 10);
			assert!(prids.clone().all(|p| s.bf1.contains(&p)));
		}
		let part = build_periods(&params, &meters, 60..70).unwrap();
		assert_eq!(&part[..], &setups[60..70]);
		assert_eq!(build_periods(&params, &meters, 0..151), Err(SetupError::BadRange));
		let dup = [MasterSecret([1; 32]), MasterSecret([1; 32])];
		assert_eq!(build_periods(&params, &dup, 0..1), Err(SetupError::T(TError::Duplicate)));
		for channels in [0, 5] {
			let bad = SetupParams { channels, ..params };
			assert_eq!(build_periods(&bad, &meters, 0..1), Err(SetupError::BadRange));
		}
		let overflow = SetupParams { cycle: u32::MAX, ..params };
		assert_eq!(build_cycle(&overflow, &meters), Err(SetupError::PeriodOverflow));
	}
}
