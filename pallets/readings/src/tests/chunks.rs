//! Tests: publish_bf1_chunks.

use super::*;

#[test]
fn chunks_arrive_over_several_calls() {
	ExtBuilder::default().build_and_execute(|| {
		// 150 meters → 300 PRIDs → 48 blocks → 3 chunks.
		let s = period_setup(1, 2, &meters(1, 150), 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&s)])));
		let chunks = chunks_of(&s);
		assert_eq!(chunks.len(), 3);
		assert_ok!(Readings::publish_bf1_chunks(
			kgc(),
			1,
			2,
			BoundedVec::truncate_from(vec![chunks[0].clone(), chunks[0].clone()])
		));
		System::assert_last_event(
			Event::Bf1ChunksPublished {
				region: 1,
				period: 2,
				chunks_present: 1,
				chunks: 3,
				complete: false,
			}
			.into(),
		);
		assert_ok!(Readings::publish_bf1_chunks(
			kgc(),
			1,
			2,
			BoundedVec::truncate_from(chunks[1..].to_vec())
		));
		System::assert_last_event(
			Event::Bf1ChunksPublished {
				region: 1,
				period: 2,
				chunks_present: 3,
				chunks: 3,
				complete: true,
			}
			.into(),
		);
		// Re-sending does not count twice.
		assert_ok!(Readings::publish_bf1_chunks(
			kgc(),
			1,
			2,
			BoundedVec::truncate_from(chunks[2..].to_vec())
		));
		assert_eq!(Setups::<Test>::get(1, 2).unwrap().chunks_present, 3);
	});
}

#[test]
fn publish_bf1_chunks_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let s = period_setup(1, 2, &meters(1, 150), 30);
		let chunks = chunks_of(&s);
		let one = |c: (u32, Bf1Chunk)| BoundedVec::truncate_from(vec![c]);
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 2, one(chunks[0].clone())),
			Error::<Test>::NoSetup
		);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&s)])));
		assert_noop!(
			Readings::publish_bf1_chunks(RuntimeOrigin::signed(5), 1, 2, one(chunks[0].clone())),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 2, one((3, chunks[0].1.clone()))),
			Error::<Test>::ChunkIndexOutOfRange
		);
		// The last chunk is 16 blocks long: a full chunk there is the wrong length.
		assert_eq!(chunks[2].1.len(), 16 * 64);
		let short: Bf1Chunk = BoundedVec::truncate_from(vec![0u8; 64]);
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 2, one((0, short))),
			Error::<Test>::BadChunkLength
		);
		advance_to(end_of(2));
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 2, one(chunks[0].clone())),
			Error::<Test>::WindowOpened
		);
		advance_to(end_of(2) + WINDOW_MS);
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 2, one(chunks[0].clone())),
			Error::<Test>::PeriodClosed
		);
	});
}

#[test]
fn last_chunk_is_shorter() {
	assert_eq!(chunk_len(&Bf1Params { num_blocks: 17, k: 1 }, 0), Some(1024));
	assert_eq!(chunk_len(&Bf1Params { num_blocks: 17, k: 1 }, 1), Some(64));
	assert_eq!(chunk_len(&Bf1Params { num_blocks: 17, k: 1 }, 2), None);
	assert_eq!(chunk_count(&Bf1Params { num_blocks: 17, k: 1 }), 2);
	assert_eq!(chunk_count(&Bf1Params { num_blocks: 16, k: 1 }), 1);
}
