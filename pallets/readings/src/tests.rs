//! Tests of `pallet-readings`: every call and rejection through the real authorization path
//! (general transactions with `AuthorizeCall`), sealing (true aggregates from real meters, faults,
//! forgeries, many pairs, 10,000 shares), pruning, the committed test vectors and the runtime API.

use crate::{mock::*, traits::RegionRegistry, *};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	traits::Hooks,
	BoundedVec,
};
use gridmask_primitives::setup::PeriodSetup;
use gridmask_primitives::{
	t_commitment, Bf1, Bf1Params, PeriodIndex, Prid, PridKey, ReadingPayload, ReadingSignature,
	SignedReading, TCommitment,
};
use sp_core::H256;
use sp_runtime::{
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	DispatchError,
};

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

fn batch(entries: Vec<SetupEntry>) -> BoundedVec<SetupEntry, ConstU32<16>> {
	BoundedVec::truncate_from(entries)
}

use frame_support::{traits::ConstU32, weights::Weight};

fn rejected(r: ReadingRejection) -> Result<sp_runtime::DispatchResult, TransactionValidityError> {
	Err(r.into())
}

fn outcome(region: RegionId, period: PeriodIndex) -> Option<PeriodOutcome> {
	Outcomes::<Test>::get(region, period)
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Readings(e) = r.event { Some(e) } else { None })
		.collect()
}

// ---------------------------------------------------------------- clock

#[test]
fn clock_starts_at_the_first_block_rounded_to_a_period() {
	let mut time = dev_time();
	time.genesis_start_ms = 0;
	ExtBuilder::default().time(Some(time)).now(START + 12_345).build_and_execute(|| {
		// Block 1 is being built: its timestamp is START + 12_345, but the clock is not started.
		assert_eq!(Readings::started_time(), None);
		assert_noop!(Readings::publish_setup(kgc(), batch(vec![])), Error::<Test>::NotStarted);
		let ms = meters(1, 3);
		let r = readings_of(&ms[0], 1, 0, 5);
		assert_eq!(validate(reading_call(&r[0])), Err(ReadingRejection::NotStarted.into()));
		assert_eq!(Readings::api_time().current_period, None);
		// Block 2's on_initialize sees block 1's timestamp.
		next_block();
		assert_eq!(Readings::started_time().unwrap().genesis_start_ms, START);
		System::assert_has_event(Event::ClockStarted { genesis_start_ms: START }.into());
		assert_eq!(Readings::api_time().current_period, Some(0));
	});
}

#[test]
fn without_time_config_nothing_starts() {
	ExtBuilder::default().time(None).build_and_execute(|| {
		next_block();
		assert_eq!(Readings::started_time(), None);
		assert_eq!(Readings::api_period_state(1, 1).phase, PeriodPhase::NotStarted);
	});
}

#[test]
#[should_panic(expected = "invalid genesis TimeParams")]
fn invalid_genesis_time_panics() {
	let mut time = dev_time();
	time.window_ms = time.period_ms + 1;
	ExtBuilder::default().time(Some(time)).build();
}

#[test]
fn genesis_sets_the_k_anonymity_floor_or_leaves_the_default() {
	use sp_runtime::BuildStorage;
	let floor = |min_region_meters| {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		crate::GenesisConfig::<Test> { min_region_meters, ..Default::default() }
			.assimilate_storage(&mut t)
			.unwrap();
		sp_io::TestExternalities::new(t).execute_with(MinRegionMeters::<Test>::get)
	};
	assert_eq!(floor(0), MIN_REGION_METERS);
	assert_eq!(floor(25), 25);
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build_and_execute(|| {
		<Readings as Hooks<u64>>::integrity_test();
	});
}

// ---------------------------------------------------------------- publish_setup

#[test]
fn publish_setup_works() {
	ExtBuilder::default().build_and_execute(|| {
		let a = period_setup(2, 3, &meters(2, 5), 30);
		let b = period_setup(1, 3, &meters(1, 5), 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&a), entry(&b)])));
		System::assert_has_event(
			Event::SetupPublished {
				region: 2,
				period: 3,
				expected: 10,
				chunks: 1,
				replaced: false,
			}
			.into(),
		);
		assert_eq!(PeriodRegions::<Test>::get(3).into_inner(), vec![1, 2]);
		let info = Setups::<Test>::get(1, 3).unwrap();
		assert_eq!(info.t, b.t);
		assert_eq!(info.z, b.z);
		assert_eq!(info.expected, 10);
		assert_eq!((info.chunks, info.chunks_present, info.generation), (1, 0, 0));
		assert!(!info.is_complete());
	});
}

#[test]
fn publish_setup_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		let s = period_setup(1, 3, &meters(1, 5), 30);
		let e = entry(&s);
		assert_noop!(
			Readings::publish_setup(RuntimeOrigin::signed(2), batch(vec![e])),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Readings::publish_setup(RuntimeOrigin::root(), batch(vec![e])),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![e, e])),
			Error::<Test>::DuplicateEntry
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { region: 9, ..e }])),
			Error::<Test>::UnknownRegion
		);
		// Region 3 has 2 active meters, fewer than MIN_REGION_METERS = 3.
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { region: 3, ..e }])),
			Error::<Test>::TooFewMeters
		);
		// Built for another epoch than the region's, or not for all its active meters.
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { epoch: e.epoch - 1, ..e }])),
			Error::<Test>::StaleEpoch
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { expected: 8, ..e }])),
			Error::<Test>::ExpectedMismatch
		);
		// The region's active meters change after the setup was built: it is stale.
		MockRegions::set(1, 6);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { expected: 12, ..e }])),
			Error::<Test>::StaleEpoch
		);
		MockRegions::set(1, 5);
		let e = SetupEntry { epoch: MockRegions::epoch(1), ..e };
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { bf1: Bf1Params { num_blocks: 1, k: 0 }, ..e }])
			),
			Error::<Test>::InvalidBf1Params
		);
		assert_noop!(
			Readings::publish_setup(
				kgc(),
				batch(vec![SetupEntry { bf1: Bf1Params { num_blocks: 4097, k: 22 }, ..e }])
			),
			Error::<Test>::Bf1TooLarge
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: u32::MAX, ..e }])),
			Error::<Test>::PeriodOutOfRange
		);
		// The batch is all or nothing: a bad second entry leaves the first unpublished.
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![e, SetupEntry { region: 9, ..e }])),
			Error::<Test>::UnknownRegion
		);
		// Window of period 0 opens at end_of(0): then period 0 is frozen, period 1 is not.
		advance_to(end_of(0));
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: 0, ..e }])),
			Error::<Test>::WindowOpened
		);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: 1, ..e }])));
		advance_to(end_of(0) + WINDOW_MS);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![SetupEntry { period: 0, ..e }])),
			Error::<Test>::PeriodClosed
		);
	});
}

#[test]
fn too_many_regions_in_one_period() {
	let regions: Vec<(RegionId, u32)> = (1..=9).map(|r| (r, 5)).collect();
	ExtBuilder::default().regions(regions).build_and_execute(|| {
		let e = |r| entry(&period_setup(r, 3, &meters(r, 3), 30));
		let entries: Vec<SetupEntry> = (1..=8).map(e).collect();
		assert_ok!(Readings::publish_setup(kgc(), batch(entries)));
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![e(9)])),
			Error::<Test>::TooManyRegions
		);
		// Replacing one of the eight is fine.
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![e(8)])));
	});
}

#[test]
fn kgc_may_replace_a_future_setup_but_not_an_open_or_sealed_one() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let old = period_setup(1, 1, &ms[..4], 30);
		publish(&old);
		assert!(Setups::<Test>::get(1, 1).unwrap().is_complete());
		// A meter was added: replace.
		let new = period_setup(1, 1, &ms, 30);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&new)])));
		System::assert_last_event(
			Event::SetupPublished { region: 1, period: 1, expected: 10, chunks: 1, replaced: true }
				.into(),
		);
		let info = Setups::<Test>::get(1, 1).unwrap();
		assert_eq!((info.generation, info.chunks_present), (1, 0));
		assert_eq!(PeriodRegions::<Test>::get(1).into_inner(), vec![1]);
		// The old generation's chunk does not count and is not used.
		advance_to(end_of(1));
		let r = readings_of(&ms[0], 1, 1, 7);
		assert_eq!(submit(&r[0]), rejected(ReadingRejection::SetupIncomplete));
		assert_noop!(
			Readings::publish_bf1_chunks(kgc(), 1, 1, BoundedVec::truncate_from(chunks_of(&new))),
			Error::<Test>::WindowOpened
		);
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![entry(&new)])),
			Error::<Test>::WindowOpened
		);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert!(outcome(1, 1).is_some());
		assert_noop!(
			Readings::publish_setup(kgc(), batch(vec![entry(&new)])),
			Error::<Test>::PeriodClosed
		);
	});
}

// ---------------------------------------------------------------- publish_bf1_chunks

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

// ---------------------------------------------------------------- submit_reading

#[test]
fn a_reading_is_authorized_stored_and_accumulated() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let [a, b] = readings_of(&ms[0], 1, 1, 1_234);
		let valid = validate(reading_call(&a)).unwrap();
		assert_eq!(valid.priority, 1 << 40);
		assert_eq!(valid.provides, vec![("gridmask-reading", a.payload.prid).encode()]);
		assert!(valid.requires.is_empty());
		// 29 s left in the window at 6 s blocks: 5 blocks, plus one.
		assert_eq!(valid.longevity, 6);
		assert_eq!(apply(reading_call(&a)), Ok(Ok(())));
		System::assert_last_event(
			Event::ShareStored { region: 1, period: 1, prid: a.payload.prid }.into(),
		);
		assert_eq!(submit(&b), Ok(Ok(())));
		assert_eq!(
			Shares::<Test>::get((1, 1), a.payload.prid),
			Some(Share { value: a.payload.value, timestamp_ms: a.payload.timestamp_ms })
		);
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.count, 2);
		assert_eq!(acc.sum, a.payload.value.wrapping_add(b.payload.value));
		// The filter was only read.
		assert_eq!(Setups::<Test>::get(1, 1).unwrap().chunks_present, 1);
	});
}

#[test]
fn submit_reading_is_free_and_charges_the_authorization() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 3);
		let r = readings_of(&ms[0], 1, 1, 1);
		let info = general(reading_call(&r[0])).get_dispatch_info();
		// `Pays::Yes` charges signed senders only; a general transaction has no payer (the
		// runtime test `a_signed_reading_pays_and_fails` checks both with real fees).
		assert_eq!(info.pays_fee, Pays::Yes);
		assert_eq!(info.call_weight, <() as WeightInfo>::submit_reading());
		assert_eq!(info.extension_weight, <() as WeightInfo>::authorize_submit_reading());
	});
}

#[test]
fn submit_reading_requires_authorization() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let r = readings_of(&ms[0], 1, 1, 5)[0];
		let p = r.payload;
		let call = |origin| {
			Readings::submit_reading(
				origin,
				p.region,
				p.period,
				p.prid,
				p.value,
				p.timestamp_ms,
				r.signature,
			)
		};
		assert_noop!(call(RuntimeOrigin::signed(KGC)), DispatchError::BadOrigin);
		assert_noop!(call(RuntimeOrigin::none()), DispatchError::BadOrigin);
		assert_noop!(call(RuntimeOrigin::root()), DispatchError::BadOrigin);
		// A signed transaction is not authorized by AuthorizeCall (its origin is kept) and fails.
		let tx = UncheckedExtrinsic::new_signed(
			reading_call(&r),
			42,
			sp_runtime::testing::UintAuthorityId(42),
			(frame_system::AuthorizeCall::<Test>::new(),),
		);
		let info = tx.get_dispatch_info();
		let checked = sp_runtime::traits::Checkable::check(
			tx,
			&frame_system::ChainContext::<Test>::default(),
		)
		.unwrap();
		let result = sp_runtime::traits::Applyable::apply::<Test>(checked, &info, 100).unwrap();
		assert_eq!(result.unwrap_err().error, DispatchError::BadOrigin);
		let authorized: RuntimeOrigin = frame_system::RawOrigin::Authorized.into();
		assert_ok!(call(authorized.clone()));
		// Defence in depth: the dispatch itself refuses a second share under the PRID.
		assert_noop!(call(authorized), Error::<Test>::DuplicatePrid);
	});
}

#[test]
fn window_rejections() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		let [a, _] = readings_of(&ms[0], 1, 1, 5);
		// During period 1 (before its end): too early.
		advance_to(end_of(0) + 1_000);
		assert_eq!(submit(&a), rejected(ReadingRejection::WindowNotOpen));
		advance_to(end_of(1) - 1);
		assert_eq!(submit(&a), rejected(ReadingRejection::WindowNotOpen));
		// At the close: too late.
		advance_to(end_of(1) + WINDOW_MS);
		assert_eq!(submit(&a), rejected(ReadingRejection::WindowClosed));
		// Period u32::MAX has no end.
		let mut far = a;
		far.payload.period = u32::MAX;
		assert_eq!(submit(&far), rejected(ReadingRejection::WindowClosed));
	});
}

#[test]
fn the_last_millisecond_of_the_window_is_accepted() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		let [a, b] = readings_of(&ms[0], 1, 1, 5);
		advance_to(end_of(1));
		assert_eq!(submit(&a), Ok(Ok(())));
		advance_to(end_of(1) + WINDOW_MS - 1);
		let valid = validate(reading_call(&b)).unwrap();
		assert_eq!(valid.longevity, 2);
		assert_eq!(submit(&b), Ok(Ok(())));
	});
}

#[test]
fn setup_rejections() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 150);
		let s = period_setup(1, 1, &ms, 30);
		let [a, _] = readings_of(&ms[0], 1, 1, 5);
		advance_to(end_of(0) + 1_000);
		assert_ok!(Readings::publish_setup(kgc(), batch(vec![entry(&s)])));
		// Only two of three chunks.
		let chunks = chunks_of(&s);
		assert_ok!(Readings::publish_bf1_chunks(
			kgc(),
			1,
			1,
			BoundedVec::truncate_from(chunks[..2].to_vec())
		));
		advance_to(end_of(1) + 1_000);
		assert_eq!(submit(&a), rejected(ReadingRejection::SetupIncomplete));
		// No setup for region 2.
		let [c, _] = readings_of(&meters(2, 5)[0], 2, 1, 5);
		assert_eq!(submit(&c), rejected(ReadingRejection::NoSetup));
	});
}

#[test]
fn replay_across_blocks_and_in_the_same_block() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let [a, b] = readings_of(&ms[0], 1, 1, 5);
		// Both copies pass the pool check against the pre-block state...
		assert!(validate(reading_call(&a)).is_ok());
		assert!(validate(reading_call(&a)).is_ok());
		// ...but applying re-runs the authorization against the block's state so far.
		assert_eq!(apply(reading_call(&a)), Ok(Ok(())));
		assert_eq!(apply(reading_call(&a)), rejected(ReadingRejection::DuplicatePrid));
		// Across blocks.
		next_block();
		assert_eq!(submit(&a), rejected(ReadingRejection::DuplicatePrid));
		// A re-signed copy with another value under the same PRID is a replay too.
		let key = ms[0].cycle_seeds(0).period_keys(1).key_a;
		let mut other = a.payload;
		other.value += 1;
		let resigned =
			SignedReading { payload: other, signature: key.sign(&other.signing_message()) };
		assert_eq!(submit(&resigned), rejected(ReadingRejection::DuplicatePrid));
		assert_eq!(submit(&b), Ok(Ok(())));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 2);
	});
}

#[test]
fn prid_of_another_region_or_period_is_not_in_the_filter() {
	ExtBuilder::default().build_and_execute(|| {
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		publish(&period_setup(1, 2, &m1, 30));
		advance_to(end_of(1) + 1_000);
		// A region-2 meter's reading, correctly signed, sent for region 1.
		let key = m2[0].cycle_seeds(0).period_keys(1).key_a;
		let [r2, _] = readings_of(&m2[0], 2, 1, 5);
		let mut p = r2.payload;
		p.region = 1;
		let wrong_region = SignedReading { payload: p, signature: key.sign(&p.signing_message()) };
		assert_eq!(submit(&wrong_region), rejected(ReadingRejection::NotInFilter));
		// Period 2's PRID of a region-1 meter, sent for period 1 (window open).
		let key = m1[0].cycle_seeds(0).period_keys(2).key_a;
		let p = ReadingPayload {
			genesis_hash: GENESIS,
			region: 1,
			period: 1,
			prid: key.prid(),
			value: 3,
			timestamp_ms: end_of(1) + 500,
		};
		let wrong_period = SignedReading { payload: p, signature: key.sign(&p.signing_message()) };
		assert_eq!(submit(&wrong_period), rejected(ReadingRejection::NotInFilter));
		// A random key.
		let stranger = PridKey::from_leaf(&[7u8; 32]);
		let p = ReadingPayload { prid: stranger.prid(), ..p };
		let s = SignedReading { payload: p, signature: stranger.sign(&p.signing_message()) };
		assert_eq!(submit(&s), rejected(ReadingRejection::NotInFilter));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 0);
	});
}

#[test]
fn signature_rejections() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let [a, _] = readings_of(&ms[0], 1, 1, 5);
		let key = ms[0].cycle_seeds(0).period_keys(1).key_a;
		let mut bad = a;
		bad.signature = ReadingSignature([0u8; 64]);
		assert_eq!(submit(&bad), rejected(ReadingRejection::BadSignature));
		let mut tampered = a;
		tampered.payload.value += 1;
		assert_eq!(submit(&tampered), rejected(ReadingRejection::BadSignature));
		let mut tampered = a;
		tampered.payload.timestamp_ms += 1;
		assert_eq!(submit(&tampered), rejected(ReadingRejection::BadSignature));
		// Signed for another chain.
		let other_chain = ReadingPayload { genesis_hash: H256::repeat_byte(1), ..a.payload };
		let s = SignedReading {
			payload: a.payload,
			signature: key.sign(&other_chain.signing_message()),
		};
		assert_eq!(submit(&s), rejected(ReadingRejection::BadSignature));
		// Another meter's signature.
		let [other, _] = readings_of(&ms[1], 1, 1, 5);
		let s = SignedReading { payload: a.payload, signature: other.signature };
		assert_eq!(submit(&s), rejected(ReadingRejection::BadSignature));
		assert_eq!(submit(&a), Ok(Ok(())));
	});
}

#[test]
fn rejection_codes_round_trip() {
	for (i, r) in ReadingRejection::ALL.iter().enumerate() {
		assert_eq!(r.code() as usize, i + 1);
		assert_eq!(ReadingRejection::try_from(r.code()), Ok(*r));
		let e: TransactionValidityError = (*r).into();
		assert_eq!(e, TransactionValidityError::Invalid(InvalidTransaction::Custom(r.code())));
		assert_eq!(ReadingRejection::from_validity_error(&e), Some(*r));
		assert_eq!(format!("{r:?}"), r.name());
	}
	assert_eq!(ReadingRejection::try_from(0), Err(0));
	assert_eq!(ReadingRejection::try_from(12), Err(12));
	assert_eq!(ReadingRejection::from_validity_error(&InvalidTransaction::Call.into()), None);
}

// ---------------------------------------------------------------- sealing

/// Submits both shares of each meter (except `absent`), returns Σ consumption submitted.
fn report(
	ms: &[gridmask_primitives::MasterSecret],
	region: RegionId,
	period: PeriodIndex,
	absent: &[usize],
) -> u64 {
	let mut total = 0u64;
	for (i, m) in ms.iter().enumerate() {
		if absent.contains(&i) {
			continue;
		}
		let consumption = 100 * (i as u64 + 1) + u64::from(region);
		for r in readings_of(m, region, period, consumption) {
			assert_eq!(submit(&r), Ok(Ok(())));
		}
		total += consumption;
	}
	total
}

#[test]
fn ten_meters_in_two_regions_seal_to_the_true_consumption() {
	ExtBuilder::default().build_and_execute(|| {
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		advance_to(end_of(1) + 1_000);
		let c1 = report(&m1, 1, 1, &[]);
		let c2 = report(&m2, 2, 1, &[]);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Open { closes_at_ms: end_of(1) + WINDOW_MS }
		);
		advance_to(end_of(1) + WINDOW_MS);
		// The block at the close does not seal yet (on_initialize saw the previous time).
		assert_eq!(outcome(1, 1), None);
		assert_eq!(Readings::api_period_state(1, 1).phase, PeriodPhase::Closed);
		next_block();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c1, count: 10 }));
		assert_eq!(outcome(2, 1), Some(PeriodOutcome::Sealed { aggregate: c2, count: 10 }));
		System::assert_has_event(
			Event::PeriodSealed { region: 1, period: 1, aggregate: c1, count: 10 }.into(),
		);
		System::assert_has_event(
			Event::PeriodSealed { region: 2, period: 1, aggregate: c2, count: 10 }.into(),
		);
		assert_eq!(
			Readings::api_period_state(2, 1).phase,
			PeriodPhase::Done(PeriodOutcome::Sealed { aggregate: c2, count: 10 })
		);
		// The outcome hook heard each pair once, in sealing order.
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Sealed(c1)), (2, 1, Heard::Sealed(c2))]
		);
		// A period without setup is never in the queue.
		assert_eq!(outcome(1, 0), None);
		assert_eq!(NextSeal::<Test>::get(), SealPosition { period: 2, next_region: 0 });
	});
}

#[test]
fn an_absent_meter_faults_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[3]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
		System::assert_has_event(
			Event::AggregationFault { region: 1, period: 1, expected: 10, received: 8 }.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Faulted { expected: 10, received: 8 })]
		);
	});
}

#[test]
fn a_setup_without_readings_faults() {
	ExtBuilder::default().build_and_execute(|| {
		publish(&period_setup(1, 1, &meters(1, 5), 30));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 0 }));
	});
}

/// A key whose PRID passes `bf1` but is not one of the expected ones.
fn forge(bf1: &Bf1) -> PridKey {
	(0u32..100_000)
		.map(|i| PridKey::from_leaf(&sp_io::hashing::blake2_256(&i.to_le_bytes())))
		.find(|k| bf1.contains(&k.prid()))
		.expect("a tiny filter lets many PRIDs through")
}

#[test]
fn a_forged_prid_through_a_tiny_filter_is_caught_by_t() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		// fp rate 2^-1: 2 bits per entry, k = 1, one block.
		let s = period_setup(1, 1, &ms, 1);
		assert_eq!(s.bf1.params(), Bf1Params { num_blocks: 1, k: 1 });
		publish(&s);
		let forger = forge(&s.bf1);
		advance_to(end_of(1) + 1_000);
		let c = report(&ms, 1, 1, &[]);
		let p = ReadingPayload {
			genesis_hash: GENESIS,
			region: 1,
			period: 1,
			prid: forger.prid(),
			value: 1_000_000,
			timestamp_ms: end_of(1) + 10,
		};
		// The forgery passes every check of the authorization...
		let forged = SignedReading { payload: p, signature: forger.sign(&p.signing_message()) };
		assert_eq!(submit(&forged), Ok(Ok(())));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 11);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// ...but T does not match: no aggregate (which would have been off by the forged value).
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 11 }));
		let _ = c;
	});
}

#[test]
fn a_forgery_replacing_an_absent_share_is_caught_with_equal_counts() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 1);
		publish(&s);
		let forger = forge(&s.bf1);
		advance_to(end_of(1) + 1_000);
		report(&ms[..4], 1, 1, &[]);
		let [a, _] = readings_of(&ms[4], 1, 1, 9);
		assert_eq!(submit(&a), Ok(Ok(())));
		let p = ReadingPayload { prid: forger.prid(), ..a.payload };
		let forged = SignedReading { payload: p, signature: forger.sign(&p.signing_message()) };
		assert_eq!(submit(&forged), Ok(Ok(())));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 10 }));
	});
}

#[test]
fn many_pairs_closing_together_are_sealed_in_order_over_several_blocks() {
	let regions: Vec<(RegionId, u32)> = (1..=8).map(|r| (r, 3)).collect();
	ExtBuilder::default().regions(regions).build_and_execute(|| {
		SealSteps::set(5);
		let mut totals = vec![];
		for region in 1..=8 {
			let ms = meters(region, 3);
			publish(&period_setup(region, 1, &ms, 30));
			totals.push(ms);
		}
		advance_to(end_of(1) + 1_000);
		let sums: Vec<u64> =
			totals.iter().zip(1..=8).map(|(ms, region)| report(ms, region, 1, &[])).collect();
		advance_to(end_of(1) + WINDOW_MS);
		// Each pair costs 6 PRIDs + 2 steps; 5 steps per block; 8 pairs plus period skips.
		let mut sealed_order = vec![];
		let mut blocks = 0;
		while sealed_order.len() < 8 {
			next_block();
			blocks += 1;
			for e in events() {
				if let Event::PeriodSealed { region, aggregate, count, .. } = e {
					assert_eq!(count, 6);
					assert_eq!(aggregate, sums[region as usize - 1]);
					sealed_order.push(region);
				}
			}
			Readings::do_try_state().unwrap();
			assert!(blocks < 100);
		}
		assert_eq!(sealed_order, (1..=8).collect::<Vec<_>>());
		assert!(blocks >= 8 * 8 / 5, "took {blocks} blocks");
		for region in 1..=8 {
			assert!(matches!(outcome(region, 1), Some(PeriodOutcome::Sealed { .. })));
		}
	});
}

/// 10,000 shares under random PRIDs stored in (1, 1) with a setup committing to them; returns
/// the expected aggregate.
fn ten_thousand_shares() -> u64 {
	let prids: Vec<Prid> =
		(0u32..10_000).map(|i| Prid(sp_io::hashing::blake2_256(&i.to_le_bytes()))).collect();
	let t: TCommitment = t_commitment(1, 1, prids.iter().copied()).unwrap();
	let z = 0xdead_beef_u64;
	MockRegions::set(1, 5_000);
	assert_ok!(Readings::publish_setup(
		kgc(),
		batch(vec![SetupEntry {
			region: 1,
			period: 1,
			bf1: Bf1Params { num_blocks: 1, k: 1 },
			t,
			z,
			expected: 10_000,
			epoch: MockRegions::epoch(1),
		}])
	));
	advance_to(end_of(1) + 1_000);
	let mut sum = 0u64;
	for (i, prid) in prids.iter().enumerate() {
		let value = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
		Shares::<Test>::insert((1, 1), prid, Share { value, timestamp_ms: 0 });
		sum = sum.wrapping_add(value);
	}
	Accumulators::<Test>::insert(1, 1, Accumulator { sum, count: 10_000 });
	advance_to(end_of(1) + WINDOW_MS);
	sum.wrapping_sub(z)
}

#[test]
fn ten_thousand_shares_are_sealed_across_blocks_as_in_one_shot() {
	let one_shot = ExtBuilder::default().build().execute_with(|| {
		SealSteps::set(100_000);
		let aggregate = ten_thousand_shares();
		assert_eq!(seal_all(), 1);
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate, count: 10_000 }));
		outcome(1, 1)
	});
	ExtBuilder::default().build_and_execute(|| {
		SealSteps::set(2_000);
		let aggregate = ten_thousand_shares();
		next_block();
		// After the first block: sealing is under way, resumable from the last PRID hashed.
		let cursor = Sealing::<Test>::get().expect("sealing in progress");
		assert_eq!((cursor.region, cursor.period), (1, 1));
		assert!(cursor.builder.count() > 0 && cursor.builder.count() < 10_000);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Sealing { hashed: cursor.builder.count() }
		);
		let blocks = 1 + seal_all();
		assert!(blocks >= 5, "10,000 shares at 2,000 steps per block took {blocks} blocks");
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate, count: 10_000 }));
		assert_eq!(outcome(1, 1), one_shot);
	});
}

#[test]
fn sealing_catches_up_after_a_long_gap() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		publish(&period_setup(1, 5, &ms, 30));
		advance_to(end_of(1) + 1_000);
		let c = report(&ms, 1, 1, &[]);
		// The chain stalls for 1,000 periods.
		block_at(end_of(1000));
		SealSteps::set(50);
		let blocks = seal_all();
		assert!(blocks >= 1000 / 50);
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 10 }));
		assert_eq!(outcome(1, 5), Some(PeriodOutcome::Faulted { expected: 10, received: 0 }));
	});
}

// ---------------------------------------------------------------- pruning

#[test]
fn pruning_removes_old_shares_and_chunks_in_bounded_steps() {
	ExtBuilder::default().build_and_execute(|| {
		PruneSteps::set(3);
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		publish(&period_setup(1, 12, &m1, 30));
		advance_to(end_of(1) + 1_000);
		let c1 = report(&m1, 1, 1, &[]);
		report(&m2, 2, 1, &[]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// Cycle 1 (periods 10..19): period 1 (cycle 0) is retained (RetainCycles = 1).
		advance_to(START + 19 * PERIOD_MS + 5_000);
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		// Cycle 2 starts at period 20: cycle 0 may go.
		advance_to(START + 20 * PERIOD_MS);
		// One block's budget is 3 keys.
		let left = Shares::<Test>::iter_prefix((1, 1)).count()
			+ Shares::<Test>::iter_prefix((2, 1)).count();
		assert!(left > 0 && left < 20, "{left} shares left");
		for _ in 0..20 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 0);
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((2, 1)).count(), 0);
		// Outcomes, accumulators and setups stay; period 12 (cycle 1) is untouched.
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c1, count: 10 }));
		assert_eq!(Accumulators::<Test>::get(1, 1).count, 10);
		assert!(Setups::<Test>::get(1, 1).is_some());
		assert_eq!(Bf1Chunks::<Test>::iter_prefix((1, 12)).count(), 1);
		assert!(Readings::api_period_state(1, 1).pruned);
		assert!(!Readings::api_period_state(1, 12).pruned);
		assert!(NextPrune::<Test>::get().period >= 2);
		assert!(NextPrune::<Test>::get().period <= 10);
		assert!(!PeriodRegions::<Test>::contains_key(1));
	});
}

#[test]
fn pruning_waits_for_billing_up_to_max_retain_cycles() {
	ExtBuilder::default().build_and_execute(|| {
		AllSettled::set(false);
		let (m1, m2) = (meters(1, 5), meters(2, 5));
		publish(&period_setup(1, 1, &m1, 30));
		publish(&period_setup(2, 1, &m2, 30));
		advance_to(end_of(1) + 1_000);
		report(&m1, 1, 1, &[]);
		report(&m2, 2, 1, &[]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		// Cycle 2: past RetainCycles (1), but region 1's cycle 0 is not billed yet.
		advance_to(START + 20 * PERIOD_MS);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		let wait = Readings::api_retention().waiting_for;
		assert_eq!(
			wait,
			Some(RetentionWait { region: 1, cycle: 0, pruned_anyway_in_cycle: 4 }),
			"status says what pruning waits for"
		);
		// Region 1's cycle 0 settles: its shares go; region 2's wait (the cursor stops there).
		Settled::set(vec![(1, 0)]);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		assert_eq!(Readings::api_retention().waiting_for.map(|w| w.region), Some(2));
		// Past MaxRetainCycles (3): cycle 4 prunes cycle 0 whether it is billed or not.
		advance_to(START + 39 * PERIOD_MS);
		next_block();
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 10);
		advance_to(START + 40 * PERIOD_MS);
		for _ in 0..5 {
			next_block();
		}
		assert_eq!(Shares::<Test>::iter_prefix((2, 1)).count(), 0);
		assert_eq!(Readings::api_retention().waiting_for, None);
		assert!(Readings::api_retention().kept_from_period >= 2);
	});
}

#[test]
fn pruning_respects_the_weight_left() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[]);
		advance_to(START + 19 * PERIOD_MS);
		// Jump into cycle 2 in a block with no idle weight: nothing is pruned.
		let n = System::block_number() + 1;
		System::set_block_number(n);
		Readings::on_initialize(n);
		Timestamp::set_timestamp(START + 20 * PERIOD_MS);
		assert_eq!(Readings::on_idle(n, Weight::zero()), Weight::zero());
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 10);
		let used = Readings::on_idle(n, Weight::MAX);
		assert!(used.ref_time() > 0);
		assert_eq!(Shares::<Test>::iter_prefix((1, 1)).count(), 0);
	});
}

// ---------------------------------------------------------------- test vectors

#[test]
fn committed_test_vectors_seal_to_their_aggregates() {
	use gridmask_primitives::vectors::TestVectors;
	let v: TestVectors =
		serde_json::from_str(include_str!("../../../primitives/test-vectors/v1.json")).unwrap();
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

// ---------------------------------------------------------------- runtime API

#[test]
fn runtime_api_helpers() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let t = Readings::api_time();
		assert_eq!(t.params, Some(dev_time()));
		assert_eq!(t.now_ms, START + 1_000);
		assert_eq!(
			(t.current_period, t.current_cycle, t.current_leaf),
			(Some(0), Some(0), Some(0))
		);
		assert_eq!(t.open_window, None);
		assert_eq!(
			Readings::api_period_state(1, 1).phase,
			PeriodPhase::Upcoming { opens_at_ms: end_of(1) }
		);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		let st = Readings::api_period_state(1, 1);
		assert!(st.setup_complete);
		assert_eq!(st.setup.unwrap().t, s.t);
		advance_to(end_of(1) + 1_000);
		let t = Readings::api_time();
		assert_eq!(
			(t.current_period, t.current_cycle, t.current_leaf),
			(Some(2), Some(0), Some(2))
		);
		assert_eq!(
			t.open_window,
			Some(OpenWindow {
				period: 1,
				opened_at_ms: end_of(1),
				closes_at_ms: end_of(1) + WINDOW_MS
			})
		);
		let [a, b] = readings_of(&ms[0], 1, 1, 42);
		let p = a.payload;
		assert_eq!(
			Readings::api_check_reading(1, 1, p.prid, p.value, p.timestamp_ms, a.signature),
			Ok(())
		);
		assert_eq!(
			Readings::api_check_reading(1, 1, p.prid, p.value + 1, p.timestamp_ms, a.signature),
			Err(ReadingRejection::BadSignature)
		);
		assert_eq!(submit(&a), Ok(Ok(())));
		assert_eq!(
			Readings::api_check_reading(1, 1, p.prid, p.value, p.timestamp_ms, a.signature),
			Err(ReadingRejection::DuplicatePrid)
		);
		assert_eq!(
			Readings::api_share(1, 1, p.prid),
			Some(Share { value: p.value, timestamp_ms: p.timestamp_ms })
		);
		assert_eq!(Readings::api_share(1, 2, p.prid), None);
		assert_eq!(
			Readings::api_shares(ApiQueries::truncate_from(vec![
				(1, 1, p.prid),
				(1, 1, b.payload.prid)
			])),
			vec![Some(Share { value: p.value, timestamp_ms: p.timestamp_ms }), None]
		);
		// The argument is bounded at decoding: one query too many is refused before any read.
		let query: (RegionId, PeriodIndex, Prid) = (1, 1, p.prid);
		let queries = |n: u32| vec![query; n as usize].encode();
		assert_eq!(
			ApiQueries::decode(&mut &queries(MAX_API_ITEMS)[..]).map(|q| q.len()),
			Ok(MAX_API_ITEMS as usize)
		);
		assert!(ApiQueries::decode(&mut &queries(MAX_API_ITEMS + 1)[..]).is_err());
		let st = Readings::api_period_state(1, 1);
		assert_eq!(st.accumulator, Accumulator { sum: p.value, count: 1 });
		assert_eq!(st.phase, PeriodPhase::Open { closes_at_ms: end_of(1) + WINDOW_MS });
		assert_eq!(submit(&b), Ok(Ok(())));
		report(&ms[1..], 1, 1, &[]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		let series = Readings::api_aggregate_series(1, 0, 100);
		assert_eq!(series.len(), 1);
		assert_eq!(series[0].0, 1);
		assert!(matches!(series[0].1, PeriodOutcome::Sealed { count: 10, .. }));
		assert!(Readings::api_aggregate_series(1, 2, 100).is_empty());
		assert!(Readings::api_aggregate_series(1, 5, 1).is_empty());
	});
}

#[test]
fn genesis_config_json_is_camel_case() {
	let json = serde_json::to_value(GenesisConfig::<Test>::with_time(dev_time())).unwrap();
	assert_eq!(
		json,
		serde_json::json!({
			"genesisStartMs": START,
			"periodMs": PERIOD_MS,
			"periodsPerCycle": PERIODS_PER_CYCLE,
			"windowMs": WINDOW_MS,
			"minRegionMeters": 0,
		})
	);
	let back: GenesisConfig<Test> = serde_json::from_value(serde_json::json!({
		"genesisStartMs": 0, "periodMs": 60000, "periodsPerCycle": 10, "windowMs": 30000
	}))
	.unwrap();
	assert_eq!((back.genesis_start_ms, back.period_ms, back.window_ms), (0, 60_000, 30_000));
	// A chain spec written before the k-anonymity floor was configurable gets the default.
	assert_eq!(back.min_region_meters, 0);
}

#[test]
fn sealing_weight_is_reported() {
	ExtBuilder::default().build_and_execute(|| {
		publish(&period_setup(1, 1, &meters(1, 5), 30));
		advance_to(end_of(1) + WINDOW_MS);
		let idle = Readings::on_initialize(System::block_number() + 1);
		assert!(idle.ref_time() > <() as WeightInfo>::on_initialize_idle().ref_time());
		assert!(outcome(1, 1).is_some());
	});
}

// ---------------------------------------------------------------- re-checking resolved faults

/// Meter `i`'s PRIDs and mask sum for `period` (what only the KGC can compute).
fn kgc_view(m: &gridmask_primitives::MasterSecret, period: PeriodIndex) -> ([Prid; 2], u64) {
	let time = dev_time();
	let keys = m.cycle_seeds(time.cycle_of(period)).period_keys(time.leaf_of(period));
	let (a, b) = keys.prids();
	([a, b], keys.mask_sum())
}

/// The PRIDs of silent meters `ms` in `period` and the sum of their masks (what the KGC
/// names absent and takes out of Z).
fn silent_view<'a>(
	ms: impl IntoIterator<Item = &'a gridmask_primitives::MasterSecret>,
	period: PeriodIndex,
) -> (Vec<Prid>, u64) {
	let mut absent = vec![];
	let mut masks = 0u64;
	for m in ms {
		let (p, k) = kgc_view(m, period);
		absent.extend(p);
		masks = masks.wrapping_add(k);
	}
	(absent, masks)
}

/// The entries of a resolution naming these PRIDs, ascending.
fn entries(absent: &[Prid], lone: &[Prid], forged: &[Prid]) -> Vec<(Prid, EntryKind)> {
	let mut v: Vec<(Prid, EntryKind)> = absent
		.iter()
		.map(|p| (*p, EntryKind::Absent))
		.chain(lone.iter().map(|p| (*p, EntryKind::Lone)))
		.chain(forged.iter().map(|p| (*p, EntryKind::Forged)))
		.collect();
	v.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
	v
}

/// The KGC resolves (1, 1) in one part.
fn resolve(
	absent: &[Prid],
	lone: &[Prid],
	forged: &[Prid],
	z_prime: u64,
) -> sp_runtime::DispatchResult {
	Readings::add_resolution_part(1, 1, 0, entries(absent, lone, forged), Some(z_prime))
}

/// Runs blocks until no re-check is left.
fn finish_rechecks() {
	for _ in 0..200 {
		if RecheckQueue::<Test>::get().is_empty() {
			return;
		}
		next_block();
	}
	panic!("re-checks do not finish");
}

/// Meter 3 of 5 is silent in period 1: the period faults. Returns (setup, Σ consumption sent).
fn faulted_by_a_silent_meter() -> (PeriodSetup, u64, Vec<gridmask_primitives::MasterSecret>) {
	let ms = meters(1, 5);
	let s = period_setup(1, 1, &ms, 30);
	publish(&s);
	advance_to(end_of(1) + 1_000);
	let c = report(&ms, 1, 1, &[3]);
	advance_to(end_of(1) + WINDOW_MS);
	seal_all();
	assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
	RecordOutcomes::take();
	(s, c, ms)
}

#[test]
fn a_correct_resolution_seals_the_faulted_period_with_the_reporters_sum() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let z_prime = s.z.wrapping_sub(masks);
		assert_ok!(resolve(&prids, &[], &[], z_prime));
		System::assert_last_event(
			Event::RecheckQueued { region: 1, period: 1, absent: 2, lone: 0, forged: 0 }.into(),
		);
		next_block();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 8 }));
		System::assert_has_event(
			Event::FaultResolved { region: 1, period: 1, aggregate: Some(c), count: 8 }.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Resolved(RecheckResult::Sealed { aggregate: c, contributors: 4 }))]
		);
		assert!(RecheckQueue::<Test>::get().is_empty());
		assert_eq!(Rechecks::<Test>::get(1, 1), None);
		assert_eq!(RecheckParts::<Test>::iter().count(), 0, "parts cleaned up");
		// Sealed now: nothing more to re-check.
		assert_noop!(resolve(&prids, &[], &[], z_prime), Error::<Test>::NotFaulted);
	});
}

#[test]
fn a_lone_share_is_kept_in_t_and_left_out_of_the_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		advance_to(end_of(1) + 1_000);
		// Meter 2 sends only its first share (one dropped transaction).
		let c = report(&ms, 1, 1, &[2]);
		let [first, _] = readings_of(&ms[2], 1, 1, 777);
		assert_eq!(submit(&first), Ok(Ok(())));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 9 }));
		let (prids, masks) = kgc_view(&ms[2], 1);
		let (stored, missing) = if prids[0] == first.payload.prid {
			(prids[0], prids[1])
		} else {
			(prids[1], prids[0])
		};
		// The v1 resolution (the missing share absent, the other kept in the sum) matches T but
		// would publish the true sum plus that meter's random split: it is not what the KGC
		// sends; the lone entry leaves the stored share out of the sum and both masks out of Z'.
		assert_ok!(resolve(&[missing], &[stored], &[], s.z.wrapping_sub(masks)));
		System::assert_last_event(
			Event::RecheckQueued { region: 1, period: 1, absent: 1, lone: 1, forged: 0 }.into(),
		);
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 8 }));
	});
}

#[test]
fn lone_and_absent_names_are_checked_against_the_stored_shares() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, _, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let (reporter, _) = kgc_view(&ms[0], 1);
		assert_noop!(
			resolve(&[prids[0]], &[prids[1]], &[], s.z.wrapping_sub(masks)),
			Error::<Test>::PridNotStored
		);
		assert_noop!(
			resolve(&[prids[0], prids[1], reporter[0]], &[], &[], 0),
			Error::<Test>::AbsentPridStored
		);
	});
}

#[test]
fn too_few_complete_readings_publish_no_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		// 5 meters, 3 silent: 2 complete readings < MIN_REGION_METERS (3).
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[0, 2, 4]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		RecordOutcomes::take();
		let (absent, masks) = silent_view([&ms[0], &ms[2], &ms[4]], 1);
		assert_ok!(resolve(&absent, &[], &[], s.z.wrapping_sub(masks)));
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Withheld { count: 4 }));
		System::assert_has_event(
			Event::FaultResolved { region: 1, period: 1, aggregate: None, count: 4 }.into(),
		);
		assert_eq!(
			RecordOutcomes::take(),
			vec![(1, 1, Heard::Resolved(RecheckResult::Withheld { contributors: 2 }))]
		);
	});
}

#[test]
fn a_whole_region_silent_is_resolved_in_parts() {
	ExtBuilder::default().build_and_execute(|| {
		// An outage: no meter of 40 reports. The resolution names all 80 PRIDs in 4 parts.
		let ms = meters(1, 40);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 80, received: 0 }));
		let (absent, masks) = silent_view(&ms, 1);
		let all = entries(&absent, &[], &[]);
		let parts: Vec<_> = all.chunks(20).map(|c| c.to_vec()).collect();
		// Parts must come in order; part 0 starts over.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 1, parts[1].clone(), None),
			Error::<Test>::WrongPart
		);
		assert_ok!(Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None));
		assert_ok!(Readings::add_resolution_part(1, 1, 1, parts[1].clone(), None));
		// A part must continue above the ones before.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 2, parts[0].clone(), None),
			Error::<Test>::PridsNotSorted
		);
		Readings::do_try_state().expect("a resolution in parts is consistent");
		// Starting over discards the first submission's parts.
		assert_ok!(Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None));
		assert_eq!(RecheckParts::<Test>::iter().count(), 1);
		for (i, part) in parts.iter().enumerate().skip(1) {
			let z = (i == 3).then(|| s.z.wrapping_sub(masks));
			assert_ok!(Readings::add_resolution_part(1, 1, i as u32, part.clone(), z));
		}
		// Complete: no part may be added, and it cannot be voided while queued.
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, parts[0].clone(), None),
			Error::<Test>::RecheckPending
		);
		assert_noop!(Readings::void_period(1, 1), Error::<Test>::RecheckPending);
		SealSteps::set(7);
		finish_rechecks();
		// Nobody reported: T matched, but no aggregate from zero meters.
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Withheld { count: 0 }));
		assert_eq!(RecheckParts::<Test>::iter().count(), 0);
	});
}

#[test]
fn resolution_parts_are_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 40);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		let absent: Vec<Prid> = ms.iter().flat_map(|m| kgc_view(m, 1).0).collect();
		let all = entries(&absent, &[], &[]);
		for i in 0..4 {
			assert_ok!(Readings::add_resolution_part(1, 1, i, vec![all[i as usize]], None));
		}
		assert_noop!(
			Readings::add_resolution_part(1, 1, 4, vec![all[4]], None),
			Error::<Test>::TooManyParts
		);
		// A setup expecting more shares than 4 parts can name is refused.
		assert_eq!(Readings::max_resolution_entries(), 4 * MAX_RESOLUTION_PART);
	});
}

#[test]
fn a_faulted_period_can_be_closed_void() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, _, ms) = faulted_by_a_silent_meter();
		let (prids, _) = kgc_view(&ms[3], 1);
		// An unfinished resolution is discarded.
		assert_ok!(Readings::add_resolution_part(1, 1, 0, entries(&prids, &[], &[]), None));
		assert_ok!(Readings::void_period(1, 1));
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Void));
		System::assert_last_event(Event::PeriodVoided { region: 1, period: 1 }.into());
		assert_eq!(Rechecks::<Test>::get(1, 1), None);
		assert_eq!(RecheckParts::<Test>::iter().count(), 0);
		assert_noop!(Readings::void_period(1, 1), Error::<Test>::NotFaulted);
		assert_noop!(resolve(&prids, &[], &[], 0), Error::<Test>::NotFaulted);
	});
}

#[test]
fn a_resolution_missing_a_prid_is_rejected_and_may_be_corrected() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let z_prime = s.z.wrapping_sub(masks);
		// Only one of the two absent PRIDs: T differs.
		assert_ok!(resolve(&[prids[0]], &[], &[], z_prime));
		next_block();
		System::assert_has_event(Event::ResolutionRejected { region: 1, period: 1 }.into());
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 8 }));
		assert_eq!(RecordOutcomes::take(), vec![(1, 1, Heard::Resolved(RecheckResult::Mismatch))]);
		// An extra PRID (another meter's, which did report) is refused before queueing.
		let (other, _) = kgc_view(&ms[0], 1);
		let mut extra = prids.to_vec();
		extra.push(other[0]);
		assert_noop!(resolve(&extra, &[], &[], z_prime), Error::<Test>::AbsentPridStored);
		// The right one then seals.
		assert_ok!(resolve(&prids, &[], &[], z_prime));
		next_block();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 8 }));
	});
}

#[test]
fn a_forgery_is_excluded_from_the_resolved_aggregate() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		let s = period_setup(1, 1, &ms, 1);
		publish(&s);
		let forger = forge(&s.bf1);
		advance_to(end_of(1) + 1_000);
		let c = report(&ms, 1, 1, &[2]);
		let p = ReadingPayload {
			genesis_hash: GENESIS,
			region: 1,
			period: 1,
			prid: forger.prid(),
			value: 1_000_000,
			timestamp_ms: end_of(1) + 10,
		};
		let forged = SignedReading { payload: p, signature: forger.sign(&p.signing_message()) };
		assert_eq!(submit(&forged), Ok(Ok(())));
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Faulted { expected: 10, received: 9 }));
		let (prids, masks) = kgc_view(&ms[2], 1);
		// Without naming the forgery, T cannot match.
		assert_ok!(resolve(&prids, &[], &[], s.z.wrapping_sub(masks)));
		next_block();
		System::assert_has_event(Event::ResolutionRejected { region: 1, period: 1 }.into());
		assert_ok!(resolve(&prids, &[], &[forger.prid()], s.z.wrapping_sub(masks)));
		next_block();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 8 }));
	});
}

#[test]
fn a_recheck_is_charged_for_the_resolution_parts_it_reads() {
	ExtBuilder::default().build_and_execute(|| {
		let (s, c, ms) = faulted_by_a_silent_meter();
		let (prids, masks) = kgc_view(&ms[3], 1);
		let mut first = entries(&prids, &[], &[]);
		let second = first.split_off(1);
		assert_ok!(Readings::add_resolution_part(1, 1, 0, first, None));
		assert_ok!(Readings::add_resolution_part(1, 1, 1, second, Some(s.z.wrapping_sub(masks))));
		let part = <() as WeightInfo>::recheck_load_part();
		// 10 PRIDs to merge, 3 steps a block: a block that does not finish the re-check adds
		// nothing but the parts it read, at least the cursor's (read again when resuming).
		for _ in 0..2 {
			let (hashed, _, reads) = Readings::recheck(3);
			assert!(hashed > 0 && Rechecking::<Test>::get().is_some());
			assert!(reads == part || reads == part.saturating_mul(2), "{reads:?}");
		}
		finish_rechecks();
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 8 }));
	});
}

#[test]
fn a_recheck_resumes_across_blocks_with_the_same_result() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 40);
		let s = period_setup(1, 1, &ms, 30);
		publish(&s);
		advance_to(end_of(1) + 1_000);
		let c = report(&ms, 1, 1, &[0, 17, 39]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		let (absent, masks) = silent_view([&ms[0], &ms[17], &ms[39]], 1);
		SealSteps::set(7);
		assert_ok!(resolve(&absent, &[], &[], s.z.wrapping_sub(masks)));
		let mut blocks = 0;
		while Rechecks::<Test>::get(1, 1).is_some() {
			next_block();
			blocks += 1;
			assert!(blocks < 100);
		}
		assert!(blocks >= 80 / 7, "{blocks} blocks");
		assert_eq!(outcome(1, 1), Some(PeriodOutcome::Sealed { aggregate: c, count: 74 }));
	});
}

#[test]
fn recheck_requests_are_validated_before_queueing() {
	ExtBuilder::default().build_and_execute(|| {
		let ms = meters(1, 5);
		publish(&period_setup(1, 1, &ms, 30));
		// Not sealed yet.
		assert_noop!(resolve(&[], &[], &[], 0), Error::<Test>::NotFaulted);
		advance_to(end_of(1) + 1_000);
		report(&ms, 1, 1, &[3]);
		advance_to(end_of(1) + WINDOW_MS);
		seal_all();
		let (prids, _) = kgc_view(&ms[3], 1);
		let mut desc = entries(&prids, &[], &[]);
		desc.reverse();
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, desc, Some(0)),
			Error::<Test>::PridsNotSorted
		);
		assert_noop!(resolve(&[prids[0], prids[0]], &[], &[], 0), Error::<Test>::PridsNotSorted);
		assert_noop!(resolve(&[], &[], &[prids[0]], 0), Error::<Test>::PridNotStored);
		let too_many = vec![(prids[0], EntryKind::Absent); MAX_RESOLUTION_PART as usize + 1];
		assert_noop!(
			Readings::add_resolution_part(1, 1, 0, too_many, Some(0)),
			Error::<Test>::TooManyPrids
		);
		assert_noop!(resolve(&[], &[], &[], 0), Error::<Test>::EmptyResolution);
		assert_ok!(resolve(&[prids[0]], &[], &[], 0));
		assert_noop!(resolve(&[prids[1]], &[], &[], 0), Error::<Test>::RecheckPending);
	});
}
