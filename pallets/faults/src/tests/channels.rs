//! Tests: channels (PROTOCOL.md §3a): the worker's `Z'` has one mask sum per channel, each
//! without its own channel's masks of the absent and lone shares.

use super::*;
use gridmask_primitives::{mask::h3_channel, reading::meter_readings, SignedReading};
use sp_core::H256;

/// Channels of the region: `[import_wh, export_wh]`.
const CHANNELS: u8 = 2;
/// The meters of the setup, the silent one and the one that sent only share A.
const METERS: [MeterId; 5] = [1, 2, 3, 4, 5];
const SILENT: MeterId = 3;
const LONE: MeterId = 5;
/// The meters with both shares.
const COMPLETE: [MeterId; 3] = [1, 2, 4];

/// `meter`'s `[import, export]` readings, Wh: meter 2 is a consumer (export 0), the others
/// prosumers.
fn import_export(meter: MeterId) -> [u64; 2] {
	let export = if meter == 2 { 0 } else { 3 * meter + 11 };
	[1_000 * meter + 17, export]
}

/// `meter`'s two signed shares of [`PERIOD`], made as the meter makes them.
fn shares_of(meter: MeterId) -> [SignedReading; 2] {
	let k = keys(meter, PERIOD);
	let randoms = [0x9e37_79b9_7f4a_7c15u64.wrapping_mul(meter), u64::MAX - meter];
	let start = TIME_PARAMS.genesis_start_ms + u64::from(PERIOD) * TIME_PARAMS.period_ms;
	let [a, b] = meter_readings(
		&k,
		H256::repeat_byte(0x42),
		REGION,
		PERIOD,
		&import_export(meter),
		&randoms,
		[start + 10, start + 20],
	);
	assert!(a.verify() && b.verify());
	assert_eq!((a.payload.masked.len(), b.payload.masked.len()), (2, 2));
	[a, b]
}

/// `H3(z, j) + H3(z', j)` of `meter` (wrapping), from its leaves directly.
fn channel_mask_sum(meter: MeterId, j: u8) -> u64 {
	let k = keys(meter, PERIOD);
	h3_channel(&k.z_a, j).wrapping_add(h3_channel(&k.z_b, j))
}

#[test]
fn two_channel_resolution_removes_each_channels_masks() {
	let (_, z) = setup_of_channels(REGION, PERIOD, &METERS, CHANNELS);
	assert_eq!(z.len(), 2);
	// The setup's Z_j is every meter's channel-j mask sum (the channels' masks differ).
	for j in 0..CHANNELS {
		let sum = METERS.iter().map(|m| channel_mask_sum(*m, j)).fold(0, u64::wrapping_add);
		assert_eq!(z[usize::from(j)], sum, "Z_{j}");
	}
	assert_ne!(z[0], z[1]);

	// What is stored: both shares of the complete meters, share A of the lone one; nothing of
	// the silent one.
	let mut stored: Vec<(Prid, Values)> = Vec::new();
	for m in COMPLETE {
		for share in shares_of(m) {
			stored.push((share.payload.prid, share.payload.masked));
		}
	}
	let [lone_a, _] = shares_of(LONE);
	stored.push((lone_a.payload.prid, lone_a.payload.masked.clone()));

	let secrets: Vec<(MeterId, [u8; 32])> = METERS.iter().map(|m| (*m, secret(*m))).collect();
	let received = stored.iter().map(|(p, _)| *p);
	let r = ComputedResolution::compute(&TIME_PARAMS, PERIOD, &secrets, |_| true, &z, received);

	// The entries: the silent meter's two PRIDs and the lone meter's missing one are absent,
	// its received one lone; nothing forged.
	let (s_a, s_b) = keys(SILENT, PERIOD).prids();
	let (l_a, l_b) = keys(LONE, PERIOD).prids();
	let mut entries = vec![
		(s_a, Mark::Absent(SILENT)),
		(s_b, Mark::Absent(SILENT)),
		(l_a, Mark::Lone(LONE)),
		(l_b, Mark::Absent(LONE)),
	];
	entries.sort_by_key(|(p, _)| *p);
	assert_eq!(r.entries, entries);
	assert_eq!(r.lone(), vec![(LONE, l_a)]);
	assert!(r.forged().is_empty());

	// Z'_j = Z_j − both channel-j masks of the silent and of the lone meter.
	assert_eq!(r.z_prime.len(), 2);
	for j in 0..CHANNELS {
		let removed = channel_mask_sum(SILENT, j).wrapping_add(channel_mask_sum(LONE, j));
		assert_eq!(r.z_prime[usize::from(j)], z[usize::from(j)].wrapping_sub(removed), "Z'_{j}");
	}
	// … which is the setup's Z of the complete meters alone.
	assert_eq!(r.z_prime, setup_of_channels(REGION, PERIOD, &COMPLETE, CHANNELS).1);

	// Each channel unmasks: Σ stored values_j − the lone share's values_j − Z'_j is the total
	// of channel j of the complete meters.
	for j in 0..usize::from(CHANNELS) {
		let stored_sum = stored.iter().map(|(_, v)| v[j]).fold(0, u64::wrapping_add);
		let aggregate =
			stored_sum.wrapping_sub(lone_a.payload.masked[j]).wrapping_sub(r.z_prime[j]);
		let total: u64 = COMPLETE.iter().map(|m| import_export(*m)[j]).sum();
		assert_eq!(aggregate, total, "channel {j}");
	}
	assert_eq!(
		[0, 1].map(|j| COMPLETE.iter().map(|m| import_export(*m)[j]).sum::<u64>()),
		[1_017 + 2_017 + 4_017, 14 + 23]
	);

	// Channel 0 is the one-channel resolution's: H3(z, 0) = H3(z).
	let (_, z1) = setup_of(REGION, PERIOD, &METERS);
	assert_eq!(z1.to_vec(), vec![z[0]]);
	let received = stored.iter().map(|(p, _)| *p);
	let one = ComputedResolution::compute(&TIME_PARAMS, PERIOD, &secrets, |_| true, &z1, received);
	assert_eq!(one.entries, r.entries);
	assert_eq!(one.z_prime.to_vec(), vec![r.z_prime[0]]);
}

#[test]
fn a_resolution_of_two_channels_seals_each_channels_total() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Scenario {
			meters: METERS.to_vec(),
			silent: vec![SILENT],
			lone: vec![2],
			channels: CHANNELS,
			..Scenario::one_silent()
		};
		let (_, z) = s.install();
		assert_eq!(z.len(), 2);
		let z_prime = s.z_prime();
		assert_eq!(z_prime.len(), 2);
		assert_ok!(submit(&s, s.entries(), z_prime.clone()));
		let check = MockChecker::pending(REGION, PERIOD).expect("a check");
		assert_eq!(check.z_prime, Some(z_prime));
		// Both channels of the complete meters (1, 4, 5): meter 4 exports nothing, 1 and 5
		// export 10 × meter + 1.
		let totals =
			vec![consumption(1, PERIOD) + consumption(4, PERIOD) + consumption(5, PERIOD), 11 + 51];
		assert_eq!(s.true_aggregates(), totals);
		assert_eq!(MockChecker::aggregates(REGION, PERIOD, &check), totals);
		MockChecker::finish(REGION, PERIOD);
		// The fault's aggregate is the import's.
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(2, 2), (3, 2)], 3, 1, 0),
				aggregate: Some(totals[0]),
				contributors: 3,
				blame: Blame::Meters,
			})
		);
	});
}
