//! Tests: post_bill: a bill and its refusals.

use super::*;

#[test]
fn post_bill_stores_the_parsed_cid() {
	ExtBuilder::default().build_and_execute(|| {
		System::set_block_number(7);
		assert_ok!(post(1, C, 1, None));
		System::assert_last_event(
			Event::BillPosted { meter: 1, cycle: C, version: 1, regions: home(1), cid: cid(1) }
				.into(),
		);
		assert_eq!(
			Bills::<Test>::get((1, C, 1)),
			Some(BillRecord {
				cid: cid(1),
				digest: *cid(1).digest(),
				regions: home(1),
				posted_at: 7,
				status: BillStatus::Posted,
			})
		);
		assert_eq!(LatestBill::<Test>::get(1, C), Some(1));
		assert!(BilledCycles::<Test>::contains_key(R1, C));
		// The digest is the sha2-256 of the report itself.
		assert_eq!(cid(1).digest(), RawCid::of(b"report 1").unwrap().digest());
	});
}

#[test]
fn post_bill_accepts_the_string_form() {
	ExtBuilder::default().build_and_execute(|| {
		let c = cid(2);
		assert_eq!(text(c).len(), 59);
		assert_eq!(text(c)[..7], *b"bafkrei");
		assert_ok!(Billing::post_bill(kgc(), 1, C, text(c), *c.digest(), None, home(1)));
		// The same record as from the binary form: the parsed CID, not the input bytes.
		assert_eq!(Bills::<Test>::get((1, C, 1)).unwrap().cid, c);
		assert_eq!(Billing::latest_bill(1, C).unwrap().1.cid.to_bytes(), c.to_bytes());
	});
}

#[test]
fn post_bill_requires_the_kgc() {
	ExtBuilder::default().build_and_execute(|| {
		let c = cid(1);
		for origin in [RuntimeOrigin::signed(OWNER1), RuntimeOrigin::root(), RuntimeOrigin::none()]
		{
			assert_noop!(
				Billing::post_bill(origin, 1, C, bin(c), *c.digest(), None, home(1)),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn post_bill_refuses_unfinished_cycles() {
	ExtBuilder::default().build_and_execute(|| {
		// Current cycle 5: 5 is running, 6 is in the future.
		assert_noop!(post(1, 5, 1, None), Error::<Test>::CycleNotFinished);
		assert_noop!(post(1, 6, 1, None), Error::<Test>::CycleNotFinished);
		assert_noop!(post(1, CycleIndex::MAX, 1, None), Error::<Test>::CycleNotFinished);
		assert_ok!(post(1, 4, 1, None));
		assert_ok!(post(1, 0, 1, None));
		// In cycle 0 nothing is finished.
		CurrentCycle::set(Some(0));
		assert_noop!(post(2, 0, 1, None), Error::<Test>::CycleNotFinished);
		// Back to cycle 5 for the invariants check (bills of cycles 0 and 4 exist).
		CurrentCycle::set(Some(5));
	});
}

#[test]
fn post_bill_refuses_before_the_clock_starts() {
	ExtBuilder::default().build_and_execute(|| {
		CurrentCycle::set(None);
		assert_noop!(post(1, 0, 1, None), Error::<Test>::ClockNotStarted);
		assert_noop!(
			Billing::post_bills(kgc(), batch(vec![entry(1, 0, 1, None)])),
			Error::<Test>::ClockNotStarted
		);
	});
}

#[test]
fn post_bill_refuses_unregistered_meters() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(post(99, C, 1, None), Error::<Test>::UnknownMeter);
		MockMeters::remove(2);
		assert_noop!(post(2, C, 1, None), Error::<Test>::UnknownMeter);
	});
}

#[test]
fn a_retired_meters_last_bill_is_posted_answered_and_superseded() {
	// The registry reports a retired meter (its last cycle ends after it retires).
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("late")));
		assert_ok!(post(1, C, 2, Some(1)));
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 2));
		assert_eq!(status(1, C, 2), BillStatus::Acknowledged);
	});
}

#[test]
fn post_bill_refuses_malformed_cids() {
	ExtBuilder::default().build_and_execute(|| {
		let c = cid(1);
		let d = *c.digest();
		let refuse = |cid: CidInput, e: Error<Test>| {
			assert_noop!(Billing::post_bill(kgc(), 1, C, cid, d, None, home(1)), e);
		};
		let with = |i: usize, b: u8| {
			let mut v = c.to_bytes().to_vec();
			v[i] = b;
			input(&v)
		};
		// CIDv0: base58 string and binary multihash.
		refuse(input(b"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"), Error::<Test>::CidNotV1);
		refuse(input(&[&[0x12, 0x20][..], &d[..]].concat()), Error::<Test>::CidNotV1);
		refuse(with(0, 2), Error::<Test>::CidNotV1);
		// Wrong codec: dag-pb (a chunked file's root) and dag-cbor.
		refuse(with(1, 0x70), Error::<Test>::CidNotRaw);
		refuse(with(1, 0x71), Error::<Test>::CidNotRaw);
		// Wrong hash or digest length.
		refuse(with(2, 0x13), Error::<Test>::CidNotSha256);
		refuse(with(3, 0x21), Error::<Test>::CidNotSha256);
		// Truncated: binary and string.
		refuse(input(&c.to_bytes()[..35]), Error::<Test>::MalformedCid);
		refuse(input(&c.to_string_bytes()[..58]), Error::<Test>::MalformedCid);
		refuse(input(&c.to_bytes()[..3]), Error::<Test>::MalformedCid);
		// Empty, trailing bytes, other multibases, bad base32.
		refuse(input(&[]), Error::<Test>::MalformedCid);
		refuse(input(&[&c.to_bytes()[..], &[0]].concat()), Error::<Test>::MalformedCid);
		refuse(input(c.to_string().to_uppercase().as_bytes()), Error::<Test>::MalformedCid);
		refuse(input(format!("z{}", &c.to_string()[1..]).as_bytes()), Error::<Test>::MalformedCid);
		refuse(input(format!("{}1", &c.to_string()[..58]).as_bytes()), Error::<Test>::MalformedCid);
		assert!(!LatestBill::<Test>::contains_key(1, C));
	});
}

#[test]
fn post_bill_refuses_a_digest_that_contradicts_the_cid() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Billing::post_bill(kgc(), 1, C, bin(cid(1)), *cid(2).digest(), None, home(1)),
			Error::<Test>::DigestMismatch
		);
		let mut d = *cid(1).digest();
		d[31] ^= 1;
		assert_noop!(
			Billing::post_bill(kgc(), 1, C, text(cid(1)), d, None, home(1)),
			Error::<Test>::DigestMismatch
		);
	});
}

#[test]
fn a_second_bill_must_supersede() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_noop!(post(1, C, 2, None), Error::<Test>::BillExists);
		assert_noop!(post(1, C, 1, None), Error::<Test>::BillExists);
		// Other meters and cycles are independent.
		assert_ok!(post(2, C, 1, None));
		assert_ok!(post(1, C + 1, 1, None));
	});
}

#[test]
fn supersede_must_name_the_latest_version() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(post(1, C, 1, Some(1)), Error::<Test>::NothingToSupersede);
		assert_ok!(post(1, C, 1, None));
		assert_noop!(post(1, C, 2, Some(0)), Error::<Test>::WrongVersion);
		assert_noop!(post(1, C, 2, Some(2)), Error::<Test>::WrongVersion);
		assert_ok!(post(1, C, 2, Some(1)));
		// Version 1 is no longer the latest.
		assert_noop!(post(1, C, 3, Some(1)), Error::<Test>::WrongVersion);
		// The same report again is no correction.
		assert_noop!(post(1, C, 2, Some(2)), Error::<Test>::SameReport);
	});
}

#[test]
fn superseding_keeps_history_up_to_max_versions() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		System::set_block_number(2);
		assert_ok!(post(1, C, 2, Some(1)));
		System::assert_last_event(
			Event::BillSuperseded {
				meter: 1,
				cycle: C,
				superseded: 1,
				version: 2,
				regions: home(1),
				cid: cid(2),
			}
			.into(),
		);
		assert_ok!(post(1, C, 3, Some(2)));
		assert_eq!(MAX_VERSIONS, 3);
		assert_noop!(post(1, C, 4, Some(3)), Error::<Test>::TooManyVersions);
		assert_eq!(LatestBill::<Test>::get(1, C), Some(3));
		for (version, n, status) in [
			(1, 1, BillStatus::Superseded),
			(2, 2, BillStatus::Superseded),
			(3, 3, BillStatus::Posted),
		] {
			let r = Bills::<Test>::get((1, C, version)).unwrap();
			assert_eq!((r.cid, r.digest, r.status), (cid(n), *cid(n).digest(), status));
		}
		// Each version keeps the block that posted it.
		assert_eq!(Bills::<Test>::get((1, C, 1)).unwrap().posted_at, 1);
		assert_eq!(Bills::<Test>::get((1, C, 2)).unwrap().posted_at, 2);
		assert_eq!(Billing::latest_bill(1, C).map(|(v, r)| (v, r.cid)), Some((3, cid(3))));
	});
}

#[test]
fn a_moved_meter_is_billed_in_every_region_it_was_in() {
	ExtBuilder::default().build_and_execute(|| {
		// Meter 1 moved from R1 to R2 during cycle C: its bill names both, and both regions'
		// cycle is billed (their prices are final).
		MockMeters::move_to(1, R2);
		assert_ok!(post_in(1, C, 1, None, &regions(&[R1, R2])));
		System::assert_last_event(
			Event::BillPosted {
				meter: 1,
				cycle: C,
				version: 1,
				regions: regions(&[R1, R2]),
				cid: cid(1),
			}
			.into(),
		);
		assert!(Billing::is_billed(R1, C) && Billing::is_billed(R2, C));
		// A correction may name other regions; a region billed once stays billed.
		assert_ok!(post_in(1, C, 2, Some(1), &regions(&[R2])));
		assert_eq!(Bills::<Test>::get((1, C, 2)).unwrap().regions, regions(&[R2]));
		assert!(Billing::is_billed(R1, C));
		// Its next cycle is billed in the new region only.
		assert_ok!(post_in(1, C + 1, 1, None, &regions(&[R2])));
		assert!(Billing::is_billed(R2, C + 1) && !Billing::is_billed(R1, C + 1));
	});
}

#[test]
fn a_bill_names_only_regions_its_meter_was_in() {
	ExtBuilder::default().build_and_execute(|| {
		MockMeters::move_to(1, R2);
		for (named, error) in [
			(regions(&[]), Error::<Test>::NoRegions),
			(regions(&[R2, R1]), Error::<Test>::RegionsNotSorted),
			(regions(&[R1, R1]), Error::<Test>::RegionsNotSorted),
			(regions(&[R1, 99]), Error::<Test>::NotMemberOfRegion),
		] {
			assert_noop!(post_in(1, C, 1, None, &named), error);
		}
		// Meter 2 never left R1.
		assert_noop!(post_in(2, C, 1, None, &regions(&[R2])), Error::<Test>::NotMemberOfRegion);
		assert_noop!(post_in(2, C, 1, None, &regions(&[R1, R2])), Error::<Test>::NotMemberOfRegion);
		assert!(!Billing::is_billed(R2, C));
	});
}

#[test]
fn the_current_owner_answers() {
	// The owner is the one the registry names now (e.g. after a change of tenant).
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		MockMeters::set(1, R1, 7);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::NotOwner
		);
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(7), 1, C, 1));
	});
}
