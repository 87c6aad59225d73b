//! Tests: test vectors.

use super::*;

#[test]
fn committed_test_vectors_seal_to_their_aggregates() {
	use gridmask_primitives::vectors::TestVectors;
	let v: TestVectors =
		serde_json::from_str(include_str!("../../../../primitives/test-vectors/v1.json")).unwrap();
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
						z: pv.z,
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
					for (prid, value, ts, sig) in [
						(&mp.prid_a, mp.value_a, mp.timestamp_a, &mp.signature_a),
						(&mp.prid_b, mp.value_b, mp.timestamp_b, &mp.signature_b),
					] {
						let r = SignedReading {
							payload: ReadingPayload {
								genesis_hash: GENESIS,
								region: v.region,
								period: pv.period,
								prid: Prid(arr32(prid)),
								value,
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
				assert_eq!(
					outcome(v.region, pv.period),
					Some(PeriodOutcome::Sealed { aggregate: pv.aggregate, count })
				);
				assert_eq!(Accumulators::<Test>::get(v.region, pv.period).sum, pv.sum_of_values);
			}
		});
}

fn hex(b: impl AsRef<[u8]>) -> String {
	b.as_ref().iter().map(|x| format!("{x:02x}")).collect()
}
