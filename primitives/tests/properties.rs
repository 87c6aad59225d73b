//! Property tests of PROTOCOL.md §3's algebra: unmasking, the aggregate identity (per channel,
//! §3a), BF1 and T.

use codec::Encode;
use gridmask_primitives::{
	aggregate,
	mask::{h3_channels, mask_values, recover_values},
	mask_reading, mask_sum,
	reading::meter_readings,
	recover,
	setup::{build_periods, SetupParams},
	t_commitment, Bf1, BundledShare, MasterSecret, Prid, BF1_DEFAULT_FP_EXP,
};
use proptest::prelude::*;

fn prid_strategy() -> impl Strategy<Value = Prid> {
	any::<[u8; 32]>().prop_map(Prid)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

	#[test]
	fn unmasking_recovers_the_reading(c in any::<u64>(), r in any::<u64>(), ma in any::<u64>(), mb in any::<u64>()) {
		let (va, vb) = mask_reading(c, r, ma, mb);
		prop_assert_eq!(recover(va, vb, ma, mb), c);
	}

	/// Real meters (GGM, H3), arbitrary consumptions and random shares: Σ values − Z = Σ c.
	#[test]
	fn shares_minus_z_is_total_consumption(
		meters in prop::collection::vec((any::<[u8; 32]>(), any::<u64>(), any::<u64>()), 0..12),
		cycle in any::<u32>(),
		leaf in any::<u16>(),
	) {
		let mut values = Vec::new();
		let mut masks = Vec::new();
		let mut total = 0u64;
		for (master, c, r) in &meters {
			// Masks only: skip the scalar multiplications of the PRIDs.
			let leaves = MasterSecret(*master).cycle_seeds(cycle).leaves(leaf);
			let (ma, mb) = (gridmask_primitives::h3(&leaves.z_a), gridmask_primitives::h3(&leaves.z_b));
			let (va, vb) = mask_reading(*c, *r, ma, mb);
			values.extend([va, vb]);
			masks.extend([ma, mb]);
			total = total.wrapping_add(*c);
		}
		prop_assert_eq!(aggregate(mask_sum(values), mask_sum(masks)), total);
	}

	/// Per channel: each channel's pair of shares unmasks to that channel's reading, with the
	/// masks derived per channel from the same leaves.
	#[test]
	fn every_channel_unmasks_on_its_own(
		master in any::<[u8; 32]>(),
		leaf in any::<u16>(),
		readings in prop::collection::vec(any::<u64>(), 1..=4),
		seed in any::<u64>(),
	) {
		let keys = MasterSecret(master).cycle_seeds(0).leaves(leaf);
		let randoms: Vec<u64> = (0..readings.len() as u64).map(|j| seed.rotate_left(j as u32 * 7) ^ j).collect();
		let (ma, mb) = (h3_channels(&keys.z_a, readings.len()), h3_channels(&keys.z_b, readings.len()));
		let (va, vb) = mask_values(&readings, &randoms, &ma, &mb);
		prop_assert_eq!(recover_values(&va, &vb, &ma, &mb), readings.clone());
		for j in 0..readings.len() {
			prop_assert_eq!(recover(va[j], vb[j], ma[j], mb[j]), readings[j]);
		}
	}

	/// Real meters, 1 to 4 channels, arbitrary readings: for every channel j,
	/// Σ values_j − Z_j = Σ readings_j, with Z_j from the setup builder.
	#[test]
	fn shares_minus_z_is_the_total_of_every_channel(
		meters in prop::collection::vec((any::<u8>(), prop::collection::vec(any::<u64>(), 4), any::<u64>()), 1..6),
		channels in 1usize..=4,
		leaf in 0u32..8,
	) {
		let mut masters: Vec<MasterSecret> = meters.iter().map(|(i, _, _)| MasterSecret([*i; 32])).collect();
		masters.sort_by_key(|m| m.0);
		masters.dedup_by_key(|m| m.0);
		let params = SetupParams { region: 1, cycle: 0, periods_per_cycle: 8, fp_exp: 20, channels: channels as u8 };
		let setup = build_periods(&params, &masters, leaf..leaf + 1).unwrap().remove(0);
		let mut sums = vec![0u64; channels];
		let mut totals = vec![0u64; channels];
		for (m, master) in masters.iter().enumerate() {
			let (_, readings, seed) = &meters[m.min(meters.len() - 1)];
			let readings = &readings[..channels];
			let randoms = vec![*seed; channels];
			let keys = master.cycle_seeds(0).leaves(leaf as u16);
			let (ma, mb) = (h3_channels(&keys.z_a, channels), h3_channels(&keys.z_b, channels));
			let (va, vb) = mask_values(readings, &randoms, &ma, &mb);
			for j in 0..channels {
				sums[j] = sums[j].wrapping_add(va[j]).wrapping_add(vb[j]);
				totals[j] = totals[j].wrapping_add(readings[j]);
			}
		}
		prop_assert_eq!(setup.z.len(), channels);
		for j in 0..channels {
			prop_assert_eq!(aggregate(sums[j], setup.z[j]), totals[j]);
		}
	}

	/// A prosumer's share and a consumer's share of the same region have the same encoded
	/// length (as a reading and as a bundled share): size never tells them apart.
	#[test]
	fn a_prosumers_share_is_as_long_as_a_consumers(
		import in any::<u64>(),
		export in 1u64..,
		r in any::<[u64; 2]>(),
		leaf in any::<u16>(),
	) {
		let keys = MasterSecret([3; 32]).cycle_seeds(0).period_keys(leaf);
		let genesis = sp_core::H256::repeat_byte(1);
		let prosumer = meter_readings(&keys, genesis, 1, 2, &[import, export], &r, [5, 6]);
		let consumer = meter_readings(&keys, genesis, 1, 2, &[import, 0], &r, [5, 6]);
		for (p, c) in prosumer.iter().zip(&consumer) {
			prop_assert_eq!(p.encode().len(), c.encode().len());
			prop_assert_eq!(BundledShare::of(p).encode().len(), BundledShare::of(c).encode().len());
			prop_assert_eq!(p.payload.signing_message().len(), c.payload.signing_message().len());
		}
	}

	#[test]
	fn bf1_has_no_false_negatives(
		prids in prop::collection::vec(prid_strategy(), 0..300),
		fp_exp in 1u8..=40,
	) {
		let mut f = Bf1::for_entries(prids.len() as u32, fp_exp).unwrap();
		for p in &prids {
			f.insert(p);
		}
		for p in &prids {
			prop_assert!(f.contains(p));
		}
	}

	#[test]
	fn t_is_exact_and_order_independent(
		set in prop::collection::btree_set(prid_strategy(), 1..60),
		extra in prid_strategy(),
		pick in any::<prop::sample::Index>(),
		region in any::<u32>(),
		period in any::<u32>(),
		shuffle_seed in any::<u64>(),
	) {
		let sorted: Vec<Prid> = set.iter().copied().collect();
		let t = t_commitment(region, period, sorted.clone()).unwrap();

		// Any arrival order.
		let mut shuffled = sorted.clone();
		let mut s = shuffle_seed | 1;
		for i in (1..shuffled.len()).rev() {
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			shuffled.swap(i, (s % (i as u64 + 1)) as usize);
		}
		prop_assert_eq!(t_commitment(region, period, shuffled).unwrap(), t);

		let i = pick.index(sorted.len());
		// One missing.
		let mut missing = sorted.clone();
		missing.remove(i);
		prop_assert_ne!(t_commitment(region, period, missing).unwrap(), t);
		if !set.contains(&extra) {
			// One added.
			let mut added = sorted.clone();
			added.push(extra);
			prop_assert_ne!(t_commitment(region, period, added).unwrap(), t);
			// One substituted.
			let mut substituted = sorted.clone();
			substituted[i] = extra;
			prop_assert_ne!(t_commitment(region, period, substituted).unwrap(), t);
		}
		// Another (region, period).
		prop_assert_ne!(t_commitment(region.wrapping_add(1), period, sorted.clone()).unwrap(), t);
		prop_assert_ne!(t_commitment(region, period.wrapping_add(1), sorted).unwrap(), t);
	}
}

/// The same over real PRIDs of real meters (fewer cases: each PRID is a scalar multiplication).
#[test]
fn t_and_bf1_over_real_meter_prids() {
	let meters: Vec<MasterSecret> = (0..20u8).map(|i| MasterSecret([i; 32])).collect();
	let prids: Vec<Prid> = meters
		.iter()
		.flat_map(|m| {
			let (a, b) = m.cycle_seeds(5).period_keys(17).prids();
			[a, b]
		})
		.collect();
	let t = t_commitment(1, 5 * 1440 + 17, prids.iter().rev().copied()).unwrap();
	assert_eq!(t, t_commitment(1, 5 * 1440 + 17, prids.clone()).unwrap());
	let other = MasterSecret([99; 32]).cycle_seeds(5).period_keys(17).prids().0;
	let mut substituted = prids.clone();
	substituted[3] = other;
	assert_ne!(t, t_commitment(1, 5 * 1440 + 17, substituted).unwrap());
	let mut f = Bf1::for_entries(prids.len() as u32, BF1_DEFAULT_FP_EXP).unwrap();
	prids.iter().for_each(|p| f.insert(p));
	assert!(prids.iter().all(|p| f.contains(p)));
	assert!(!f.contains(&other));
}
