//! Tests: test vectors.

use super::*;

#[test]
fn committed_test_vectors_seal_to_their_aggregates() {
	// Every meter of the vectors' region registered as a prosumer (only meter 1 exports):
	// every summed channel has 3 possible contributors, `MinRegionMeters`; the maximum none.
	let published = seal_vectors(vec![3, 0, 3]);
	assert_eq!(published, [true, true, false, true]);
}

#[test]
fn committed_test_vectors_withhold_export_of_a_single_prosumer() {
	// Only meter 1 registered as a prosumer: 1 < `MinRegionMeters` possible exporters, so the
	// export total (which would be meter 1's own) is withheld, the other sums published.
	let published = seal_vectors(vec![1, 0, 3]);
	assert_eq!(published, [true, false, false, true]);
}

/// Publishes the committed v2 vectors' setups (4 channels) in a region whose channels after
/// import have `contributors`, sends every share from the file, seals each period and checks
/// every channel: its aggregate is the vector's where published (`None` where withheld), and
/// in any case the accumulated sums are the vector's `sum_of_values` (so `Σ − Z` is its
/// aggregate). Returns, per channel, whether it was published.
fn seal_vectors(contributors: Vec<u32>) -> [bool; 4] {
	use gridmask_primitives::{vectors::TestVectors, ChannelKind};
	let v: TestVectors =
		serde_json::from_str(include_str!("../../../../primitives/test-vectors/v2.json")).unwrap();
	let shape: Vec<ChannelKind> =
		v.shape.iter().map(|n| ChannelKind::from_name(n).expect("a known channel")).collect();
	assert_eq!(
		shape,
		[
			ChannelKind::ImportWh,
			ChannelKind::ExportWh,
			ChannelKind::MaxDemandW,
			ChannelKind::ReactiveVarh
		]
	);
	assert_eq!(v.meters.len(), MIN_REGION_METERS as usize);
	let min = MIN_REGION_METERS;
	let mut published = [false; 4];
	let time = TimeParams {
		genesis_start_ms: v.time.genesis_start_ms,
		period_ms: v.time.period_ms,
		periods_per_cycle: v.time.periods_per_cycle,
		window_ms: v.time.window_ms,
	};
	assert_eq!(hex(GENESIS.0), v.genesis_hash);
	ExtBuilder::default()
		.time(Some(time))
		.now(time.genesis_start_ms + 1_000)
		.regions(vec![(v.region, v.meters.len() as u32)])
		.build_and_execute(|| {
			MockRegions::set_channels(v.region, contributors.clone());
			let all = MockRegions::channel_contributors(v.region);
			assert_eq!(all.len(), shape.len());
			for (j, kind) in shape.iter().enumerate() {
				published[j] = kind.summed() && all[j] >= min;
			}
			let unhex = |s: &str| -> Vec<u8> {
				(0..s.len())
					.step_by(2)
					.map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
					.collect()
			};
			let arr32 = |s: &str| -> [u8; 32] { unhex(s).try_into().unwrap() };
			// Publish every detailed period's setup from the file (before cycle 2 starts).
			for pv in &v.periods {
				let bf1 = Bf1Params { num_blocks: pv.bf1_num_blocks, k: pv.bf1_k };
				assert_ok!(Readings::publish_setup(
					kgc(),
					batch(vec![SetupEntry {
						region: v.region,
						period: pv.period,
						bf1,
						t: TCommitment(arr32(&pv.t)),
						z: vals(&pv.z),
						expected: pv.sorted_prids.len() as u32,
						epoch: MockRegions::epoch(v.region),
					}])
				));
				let bytes = unhex(&pv.bf1_bytes);
				let chunks: Vec<(u32, Bf1Chunk)> = bytes
					.chunks(BF1_CHUNK_BYTES as usize)
					.enumerate()
					.map(|(i, c)| (i as u32, BoundedVec::truncate_from(c.to_vec())))
					.collect();
				assert_ok!(Readings::publish_bf1_chunks(
					kgc(),
					v.region,
					pv.period,
					BoundedVec::truncate_from(chunks)
				));
			}
			for (i, pv) in v.periods.iter().enumerate() {
				let end = time.period_end(pv.period).unwrap();
				block_at(end + 200_000);
				for m in &v.meters {
					let mp = &m.periods[i];
					assert_eq!(mp.period, pv.period);
					for (prid, values, ts, sig) in [
						(&mp.prid_a, &mp.values_a, mp.timestamp_a, &mp.signature_a),
						(&mp.prid_b, &mp.values_b, mp.timestamp_b, &mp.signature_b),
					] {
						assert_eq!(values.len(), 4);
						let r = SignedReading {
							payload: ReadingPayload {
								genesis_hash: GENESIS,
								region: v.region,
								period: pv.period,
								prid: Prid(arr32(prid)),
								masked: vals(values),
								timestamp_ms: ts,
							},
							signature: ReadingSignature(unhex(sig).try_into().unwrap()),
						};
						assert_eq!(submit(&r), Ok(Ok(())));
					}
				}
				block_at(end + time.window_ms);
				seal_all();
				let count = 2 * v.meters.len() as u32;
				// The vector's aggregate per channel is the meters' total.
				for (j, a) in pv.aggregate.iter().enumerate() {
					let total =
						v.meters.iter().fold(0u64, |t, m| t.wrapping_add(m.periods[i].readings[j]));
					assert_eq!(*a, total, "channel {j}");
				}
				let expected: Vec<Option<u64>> = pv
					.aggregate
					.iter()
					.enumerate()
					.map(|(j, a)| published[j].then_some(*a))
					.collect();
				assert_eq!(outcome(v.region, pv.period), Some(sealed(&expected, count)));
				System::assert_has_event(
					Event::PeriodSealed {
						region: v.region,
						period: pv.period,
						aggregates: expected,
						count,
					}
					.into(),
				);
				let acc = Accumulators::<Test>::get(v.region, pv.period);
				assert_eq!(acc.sums.to_vec(), pv.sum_of_values);
				assert_eq!(acc.count, count);
				// A withheld channel's total is still `Σ values − Z`: what each owner unmasks.
				for j in 0..4 {
					assert_eq!(acc.sums[j].wrapping_sub(pv.z[j]), pv.aggregate[j]);
				}
			}
		});
	published
}

fn hex(b: impl AsRef<[u8]>) -> String {
	b.as_ref().iter().map(|x| format!("{x:02x}")).collect()
}
