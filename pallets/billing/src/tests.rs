//! Unit tests of the billing pallet: every call, every refusal, the state machine, history,
//! `is_billed`, the runtime-API helpers and the invariants. CIDs are real: computed with
//! `RawCid::of` over the report bytes.

use crate::{
	mock::*, weights::WeightInfo, BillEntry, BillRecord, BillRegions, BillStatus, BilledCycles,
	Bills, CidInput, Error, Event, LatestBill, RawCid, MAX_API_BILLS,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::Hooks, BoundedVec};
use gridmask_primitives::{CycleIndex, MeterId, RegionId};
use sp_runtime::{DispatchError, DispatchResult};

/// A finished cycle (the mock's current cycle is 5).
const C: CycleIndex = 3;

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

/// The bytes of a (pretend encrypted) report.
fn report(n: u32) -> Vec<u8> {
	format!("report {n}").into_bytes()
}

/// The CID of report `n`.
fn cid(n: u32) -> RawCid {
	RawCid::of(&report(n)).unwrap()
}

/// Binary form of a CID as call input.
fn bin(c: RawCid) -> CidInput {
	BoundedVec::try_from(c.to_bytes().to_vec()).unwrap()
}

/// `b…` string form of a CID as call input.
fn text(c: RawCid) -> CidInput {
	BoundedVec::try_from(c.to_string_bytes().to_vec()).unwrap()
}

fn input(bytes: &[u8]) -> CidInput {
	BoundedVec::try_from(bytes.to_vec()).unwrap()
}

fn regions(r: &[RegionId]) -> BillRegions {
	BoundedVec::try_from(r.to_vec()).unwrap()
}

/// The region the mock registers `meter` in: [`R2`] for meter 3, else [`R1`].
fn home(meter: MeterId) -> BillRegions {
	regions(&[if meter == 3 { R2 } else { R1 }])
}

fn entry(meter: MeterId, cycle: CycleIndex, n: u32, supersede: Option<u32>) -> BillEntry {
	let regions = home(meter);
	BillEntry { meter, cycle, cid: bin(cid(n)), digest: *cid(n).digest(), supersede, regions }
}

/// The KGC posts report `n` as the bill of (meter, cycle), in the meter's home region.
fn post(meter: MeterId, cycle: CycleIndex, n: u32, supersede: Option<u32>) -> DispatchResult {
	post_in(meter, cycle, n, supersede, &home(meter))
}

/// The KGC posts report `n` as the bill of (meter, cycle) in `regions`.
fn post_in(
	meter: MeterId,
	cycle: CycleIndex,
	n: u32,
	supersede: Option<u32>,
	regions: &BillRegions,
) -> DispatchResult {
	let (c, d) = (bin(cid(n)), *cid(n).digest());
	Billing::post_bill(kgc(), meter, cycle, c, d, supersede, regions.clone())
}

fn batch(v: Vec<BillEntry>) -> BoundedVec<BillEntry, frame_support::traits::ConstU32<MAX_BATCH>> {
	BoundedVec::try_from(v).unwrap()
}

fn reason(s: &str) -> BoundedVec<u8, frame_support::traits::ConstU32<MAX_REASON>> {
	BoundedVec::try_from(s.as_bytes().to_vec()).unwrap()
}

fn status(meter: MeterId, cycle: CycleIndex, version: u32) -> BillStatus<crate::ReasonOf<Test>> {
	Bills::<Test>::get((meter, cycle, version)).expect("bill stored").status
}

// -- post_bill

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

// -- post_bills

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

// -- acknowledge / dispute

#[test]
fn acknowledge_works_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1));
		System::assert_last_event(
			Event::BillAcknowledged { meter: 1, cycle: C, version: 1 }.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Acknowledged);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::AlreadyAcknowledged
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("too high")),
			Error::<Test>::AlreadyAcknowledged
		);
	});
}

#[test]
fn acknowledge_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		// Not the owner (another meter's owner, the KGC), unsigned.
		for who in [OWNER2, KGC] {
			assert_noop!(
				Billing::acknowledge(RuntimeOrigin::signed(who), 1, C, 1),
				Error::<Test>::NotOwner
			);
		}
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::root(), 1, C, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::none(), 1, C, 1),
			DispatchError::BadOrigin
		);
		// No bill for this cycle, or for this meter.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C + 1, 1),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER2), 2, C, 1),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 99, C, 1),
			Error::<Test>::UnknownMeter
		);
		// A version that does not exist is not the latest.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 2),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 0),
			Error::<Test>::WrongVersion
		);
		MockMeters::remove(1);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::UnknownMeter
		);
	});
}

#[test]
fn dispute_works_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("period 7")));
		System::assert_last_event(
			Event::BillDisputed { meter: 1, cycle: C, version: 1, reason: reason("period 7") }
				.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Disputed { reason: reason("period 7") });
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("again")),
			Error::<Test>::AlreadyDisputed
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::AlreadyDisputed
		);
	});
}

#[test]
fn dispute_refusals() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("")),
			Error::<Test>::EmptyReason
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER2), 1, C, 1, reason("not mine")),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::root(), 1, C, 1, reason("x")),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C - 1, 1, reason("x")),
			Error::<Test>::NoBill
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 99, C, 1, reason("x")),
			Error::<Test>::UnknownMeter
		);
		// The reason is bounded by its type.
		assert!(BoundedVec::<u8, frame_support::traits::ConstU32<MAX_REASON>>::try_from(vec![
			b'x';
			MAX_REASON as usize + 1
		])
		.is_err());
	});
}

#[test]
fn a_dispute_is_answered_by_a_superseding_bill() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("period 7")));
		// The owner may not dispute twice, but the KGC answers with version 2.
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
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Posted);
		// An answer to the superseded version is refused: the owner has not seen version 2.
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 1, reason("again")),
			Error::<Test>::WrongVersion
		);
		assert_noop!(
			Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 3),
			Error::<Test>::WrongVersion
		);
		// The owner answers the new version.
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 2));
		System::assert_last_event(
			Event::BillAcknowledged { meter: 1, cycle: C, version: 2 }.into(),
		);
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Acknowledged);
	});
}

#[test]
fn an_acknowledged_bill_can_be_corrected() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(post(1, C, 1, None));
		assert_ok!(Billing::acknowledge(RuntimeOrigin::signed(OWNER1), 1, C, 1));
		assert_ok!(post(1, C, 2, Some(1)));
		assert_eq!(status(1, C, 1), BillStatus::Superseded);
		assert_eq!(status(1, C, 2), BillStatus::Posted);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, C, 2, reason("why?")));
	});
}

// -- is_billed

#[test]
fn is_billed_is_set_by_the_first_bill_of_a_region() {
	ExtBuilder::default().build_and_execute(|| {
		assert!(!Billing::is_billed(R1, C));
		assert_ok!(post(1, C, 1, None));
		assert!(Billing::is_billed(R1, C));
		assert!(!Billing::is_billed(R1, C - 1));
		assert!(!Billing::is_billed(R1, C + 1));
		assert!(!Billing::is_billed(R2, C));
		// Further bills of the region and cycle change nothing.
		assert_ok!(post(2, C, 2, None));
		assert_ok!(post(1, C, 3, Some(1)));
		assert!(Billing::is_billed(R1, C));
		assert_eq!(BilledCycles::<Test>::iter().count(), 1);
		// A refused bill does not mark the cycle.
		assert_noop!(post(3, 5, 1, None), Error::<Test>::CycleNotFinished);
		assert!(!Billing::is_billed(R2, 5));
	});
}

#[test]
fn a_cycle_is_settled_dispute_cycles_after_its_latest_bill() {
	ExtBuilder::default().build_and_execute(|| {
		// Cycle C billed in cycle 5 (the current one); DisputeCycles = 2.
		assert!(!Billing::is_settled(R1, C));
		assert_ok!(post(1, C, 1, None));
		assert_eq!(BilledCycles::<Test>::get(R1, C), Some(5));
		CurrentCycle::set(Some(6));
		assert!(!Billing::is_settled(R1, C));
		// A superseding bill in cycle 6 opens a new window.
		assert_ok!(post(1, C, 2, Some(1)));
		assert_eq!(BilledCycles::<Test>::get(R1, C), Some(6));
		CurrentCycle::set(Some(7));
		assert!(!Billing::is_settled(R1, C));
		CurrentCycle::set(Some(8));
		assert!(Billing::is_settled(R1, C));
		// Another region's cycle is not billed, so not settled.
		assert!(!Billing::is_settled(R2, C));
	});
}

// -- runtime API helpers

#[test]
fn api_helpers() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Billing::api_bills_of(1), vec![]);
		assert_eq!(Billing::api_bill(1, C), None);
		assert_ok!(post(1, 4, 1, None));
		assert_ok!(post(1, 0, 2, None));
		assert_ok!(post(1, 4, 3, Some(1)));
		assert_ok!(post(2, 4, 4, None));
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(OWNER1), 1, 4, 2, reason("r")));
		let bills = Billing::api_bills_of(1);
		let summary: Vec<_> =
			bills.iter().map(|(c, v, r)| (*c, *v, r.cid, r.status.clone())).collect();
		assert_eq!(
			summary,
			vec![
				(0, 1, cid(2), BillStatus::Posted),
				(4, 1, cid(1), BillStatus::Superseded),
				(4, 2, cid(3), BillStatus::Disputed { reason: reason("r") }),
			]
		);
		let (version, record) = Billing::api_bill(1, 4).unwrap();
		assert_eq!((version, record.cid, record.regions), (2, cid(3), home(1)));
		assert_eq!(Billing::api_bill(1, 0).map(|(v, r)| (v, r.cid)), Some((1, cid(2))));
		assert_eq!(Billing::api_bill(1, 1), None);
		assert_eq!(Billing::api_bills_of(2).len(), 1);
		assert_eq!(Billing::api_bills_of(3), vec![]);
	});
}

#[test]
fn api_bills_of_returns_the_newest_bills() {
	ExtBuilder::default().build_and_execute(|| {
		let n = MAX_API_BILLS + 5;
		CurrentCycle::set(Some(n));
		for cycle in 0..n {
			assert_ok!(post(1, cycle, cycle, None));
		}
		let bills = Billing::api_bills_of(1);
		assert_eq!(bills.len(), MAX_API_BILLS as usize);
		assert_eq!(bills.first().map(|b| (b.0, b.1)), Some((5, 1)));
		assert_eq!(bills.last().map(|b| (b.0, b.2.cid)), Some((n - 1, cid(n - 1))));
		assert!(bills.windows(2).all(|w| w[0].0 < w[1].0));
	});
}

// -- invariants, hooks

#[test]
fn try_state_detects_broken_invariants() {
	let broken = |corrupt: fn()| {
		ExtBuilder::default().build().execute_with(|| {
			assert_ok!(post(1, C, 1, None));
			assert_ok!(post(1, C, 2, Some(1)));
			assert_ok!(post(3, C, 3, None));
			assert_ok!(Billing::do_try_state());
			corrupt();
			assert!(Billing::do_try_state().is_err());
		})
	};
	// A bill without its latest-version entry.
	broken(|| LatestBill::<Test>::remove(3, C));
	// The latest version points past the stored ones, or is 0.
	broken(|| LatestBill::<Test>::insert(1, C, 3));
	broken(|| LatestBill::<Test>::insert(1, C, 0));
	// A version above the latest.
	broken(|| LatestBill::<Test>::insert(1, C, 1));
	// A missing old version.
	broken(|| Bills::<Test>::remove((1, C, 1)));
	// An old version not superseded, or the latest superseded.
	broken(|| {
		Bills::<Test>::mutate((1, C, 1), |r| r.as_mut().unwrap().status = BillStatus::Posted)
	});
	broken(|| {
		Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().status = BillStatus::Superseded)
	});
	// A digest that differs from the CID.
	broken(|| Bills::<Test>::mutate((3, C, 1), |r| r.as_mut().unwrap().digest = [0; 32]));
	// A bill without a region, or with regions out of order.
	broken(|| Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().regions = regions(&[])));
	broken(|| {
		Bills::<Test>::mutate((1, C, 2), |r| r.as_mut().unwrap().regions = regions(&[R2, R1]))
	});
	// A region of a bill not marked billed.
	broken(|| {
		Bills::<Test>::mutate((1, C, 1), |r| r.as_mut().unwrap().regions = regions(&[R1, 30]))
	});
	// Billed cycles missing or extra.
	broken(|| BilledCycles::<Test>::remove(R2, C));
	broken(|| BilledCycles::<Test>::insert(R2, C + 1, 5));
	broken(|| BilledCycles::<Test>::mutate(R1, C, |p| *p = Some(C)));
	// A bill of an unfinished cycle, a bill from the future, a stopped clock.
	broken(|| CurrentCycle::set(Some(C)));
	broken(|| CurrentCycle::set(None));
	broken(|| System::set_block_number(0));
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build().execute_with(|| {
		<Billing as Hooks<u64>>::integrity_test();
	});
}
