//! Tests: submit_reading.

use super::*;

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
			Some(Share { masked: a.payload.masked.clone(), timestamp_ms: a.payload.timestamp_ms })
		);
		let acc = Accumulators::<Test>::get(1, 1);
		assert_eq!(acc.count, 2);
		assert_eq!(acc.sums, vals(&[a.payload.masked[0].wrapping_add(b.payload.masked[0])]));
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
		let [r, _] = readings_of(&ms[0], 1, 1, 5);
		let p = r.payload.clone();
		let call = |origin| {
			Readings::submit_reading(
				origin,
				p.region,
				p.period,
				p.prid,
				p.masked.clone(),
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
		let mut far = a.clone();
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
		let mut other = a.payload.clone();
		other.masked[0] += 1;
		let signature = key.sign(&other.signing_message());
		let resigned = SignedReading { payload: other, signature };
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
		let mut p = r2.payload.clone();
		p.region = 1;
		let signature = key.sign(&p.signing_message());
		let wrong_region = SignedReading { payload: p, signature };
		assert_eq!(submit(&wrong_region), rejected(ReadingRejection::NotInFilter));
		// Period 2's PRID of a region-1 meter, sent for period 1 (window open).
		let key = m1[0].cycle_seeds(0).period_keys(2).key_a;
		let p = ReadingPayload {
			genesis_hash: GENESIS,
			region: 1,
			period: 1,
			prid: key.prid(),
			masked: vals(&[3]),
			timestamp_ms: end_of(1) + 500,
		};
		let signature = key.sign(&p.signing_message());
		let wrong_period = SignedReading { payload: p.clone(), signature };
		assert_eq!(submit(&wrong_period), rejected(ReadingRejection::NotInFilter));
		// A random key.
		let stranger = PridKey::from_leaf(&[7u8; 32]);
		let p = ReadingPayload { prid: stranger.prid(), ..p };
		let signature = stranger.sign(&p.signing_message());
		let s = SignedReading { payload: p, signature };
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
		let mut bad = a.clone();
		bad.signature = ReadingSignature([0u8; 64]);
		assert_eq!(submit(&bad), rejected(ReadingRejection::BadSignature));
		let mut tampered = a.clone();
		tampered.payload.masked[0] += 1;
		assert_eq!(submit(&tampered), rejected(ReadingRejection::BadSignature));
		let mut tampered = a.clone();
		tampered.payload.timestamp_ms += 1;
		assert_eq!(submit(&tampered), rejected(ReadingRejection::BadSignature));
		// Signed for another chain.
		let other_chain =
			ReadingPayload { genesis_hash: H256::repeat_byte(1), ..a.payload.clone() };
		let s = SignedReading {
			payload: a.payload.clone(),
			signature: key.sign(&other_chain.signing_message()),
		};
		assert_eq!(submit(&s), rejected(ReadingRejection::BadSignature));
		// Another meter's signature.
		let [other, _] = readings_of(&ms[1], 1, 1, 5);
		let s = SignedReading { payload: a.payload.clone(), signature: other.signature };
		assert_eq!(submit(&s), rejected(ReadingRejection::BadSignature));
		assert_eq!(submit(&a), Ok(Ok(())));
	});
}

#[test]
fn rejection_codes_round_trip() {
	// Codes 1 to 12, each once; `ALL` is in check order (the shape is checked right after the
	// setup, though its code came last).
	let mut codes: Vec<u8> = ReadingRejection::ALL.iter().map(|r| r.code()).collect();
	assert_eq!(codes[5], ReadingRejection::WrongShape.code());
	codes.sort_unstable();
	assert_eq!(codes, (1..=12).collect::<Vec<u8>>());
	for r in ReadingRejection::ALL.iter() {
		assert_eq!(ReadingRejection::try_from(r.code()), Ok(*r));
		let e: TransactionValidityError = (*r).into();
		assert_eq!(e, TransactionValidityError::Invalid(InvalidTransaction::Custom(r.code())));
		assert_eq!(ReadingRejection::from_validity_error(&e), Some(*r));
		assert_eq!(format!("{r:?}"), r.name());
	}
	assert_eq!(ReadingRejection::try_from(0), Err(0));
	assert_eq!(ReadingRejection::try_from(13), Err(13));
	assert_eq!(ReadingRejection::from_validity_error(&InvalidTransaction::Call.into()), None);
}
