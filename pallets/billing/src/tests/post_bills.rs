//! Tests: post_bills: batches.

use super::*;

#[test]
fn post_bills_posts_every_entry_in_order() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Billing::post_bills(
			kgc(),
			batch(vec![
				entry(1, C, 1, None),
				entry(2, C, 2, None),
				entry(3, C, 3, None),
				// Entries apply in order: the fourth replaces the first.
				entry(1, C, 4, Some(1)),
			])
		));
		let events: Vec<_> = System::events().into_iter().map(|r| r.event).collect();
		assert_eq!(
			events,
			vec![
				Event::BillPosted { meter: 1, cycle: C, version: 1, regions: home(1), cid: cid(1) }
					.into(),
				Event::BillPosted { meter: 2, cycle: C, version: 1, regions: home(2), cid: cid(2) }
					.into(),
				Event::BillPosted { meter: 3, cycle: C, version: 1, regions: home(3), cid: cid(3) }
					.into(),
				Event::BillSuperseded {
					meter: 1,
					cycle: C,
					superseded: 1,
					version: 2,
					regions: home(1),
					cid: cid(4)
				}
				.into(),
			] as Vec<RuntimeEvent>
		);
		assert_eq!(LatestBill::<Test>::get(1, C), Some(2));
		assert!(Billing::is_billed(R1, C) && Billing::is_billed(R2, C));
	});
}

#[test]
fn post_bills_refuses_entries_one_by_one() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(3, C, 3, None));
		// A bad entry is refused with its error and changes nothing; the others are posted.
		let good = || vec![entry(1, C, 1, None), entry(2, C, 2, None)];
		let cases: Vec<(BillEntry, Error<Test>)> = vec![
			(entry(3, C, 9, None), Error::<Test>::BillExists),
			(entry(3, C, 9, Some(2)), Error::<Test>::WrongVersion),
			(entry(2, 5, 9, None), Error::<Test>::CycleNotFinished),
			(entry(99, C, 9, None), Error::<Test>::UnknownMeter),
			(
				BillEntry { regions: home(3), ..entry(2, C + 1, 9, None) },
				Error::<Test>::NotMemberOfRegion,
			),
			(
				BillEntry { digest: *cid(8).digest(), ..entry(2, C + 1, 9, None) },
				Error::<Test>::DigestMismatch,
			),
			(
				BillEntry { cid: input(&cid(9).to_bytes()[..30]), ..entry(2, C + 1, 9, None) },
				Error::<Test>::MalformedCid,
			),
			// A duplicate inside the batch.
			(entry(1, C, 9, None), Error::<Test>::BillExists),
		];
		for (bad, error) in cases {
			let (meter, cycle) = (bad.meter, bad.cycle);
			let mut v = good();
			v.insert(1, bad);
			let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
			frame_support::storage::with_storage_layer(|| -> DispatchResult {
				System::reset_events();
				assert_ok!(Billing::post_bills(kgc(), batch(v)));
				let events: Vec<_> = System::events().into_iter().map(|r| r.event).collect();
				assert_eq!(events.len(), 3, "{events:?}");
				assert_eq!(
					events[1],
					Event::BillRefused { meter, cycle, error: error.into() }.into(),
					"the bad entry is reported with its error"
				);
				assert!(LatestBill::<Test>::contains_key(1, C), "the entry before it is posted");
				assert!(LatestBill::<Test>::contains_key(2, C), "the entry after it is posted");
				Billing::do_try_state().expect("invariants hold");
				// Undo the batch for the next case.
				Err(DispatchError::Other("rollback"))
			})
			.unwrap_err();
			assert_eq!(before, sp_io::storage::root(sp_runtime::StateVersion::V1));
		}
		assert_noop!(Billing::post_bills(kgc(), batch(vec![])), Error::<Test>::EmptyBatch);
		assert_noop!(
			Billing::post_bills(RuntimeOrigin::signed(OWNER1), batch(good())),
			DispatchError::BadOrigin
		);
		assert!(!LatestBill::<Test>::contains_key(1, C));
		assert!(!LatestBill::<Test>::contains_key(2, C));
	});
}

#[test]
fn post_bills_is_bounded() {
	let full: Vec<_> = (1..=MAX_BATCH as u64).map(|m| entry(m, C, m as u32, None)).collect();
	let too_many: Vec<_> = (0..=MAX_BATCH as u64).map(|m| entry(m, C, m as u32, None)).collect();
	assert!(BoundedVec::<_, frame_support::traits::ConstU32<MAX_BATCH>>::try_from(
		too_many.clone()
	)
	.is_err());
	// A call carrying more entries does not even decode.
	let encode = |v: &Vec<BillEntry>| [&[1u8][..], &v.encode()[..]].concat();
	assert!(crate::Call::<Test>::decode(&mut &encode(&too_many)[..]).is_err());
	let call = crate::Call::<Test>::decode(&mut &encode(&full)[..]).unwrap();
	assert!(matches!(call, crate::Call::post_bills { ref bills } if bills.len() == 4));
	// The weight grows with the batch.
	assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::post_bills(MAX_BATCH));
	assert!(<() as WeightInfo>::post_bills(2).all_gt(<() as WeightInfo>::post_bills(1)));
	// Up to the bound it is accepted.
	ExtBuilder::default().build_and_execute(|| {
		MockMeters::set(4, R1, 104);
		assert_ok!(Billing::post_bills(kgc(), batch(full)));
		assert_eq!(LatestBill::<Test>::iter().count(), MAX_BATCH as usize);
	});
}
