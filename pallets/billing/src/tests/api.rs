//! Tests: the runtime API helpers.

use super::*;

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
