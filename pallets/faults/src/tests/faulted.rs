//! Tests: on_faulted.

use super::*;

#[test]
fn on_faulted_records_an_open_fault() {
	ExtBuilder::default().build_and_execute(|| {
		let w = Faults::on_faulted(REGION, PERIOD, 8, 6);
		assert_eq!(w, <() as WeightInfo>::on_faulted());
		assert_eq!(
			FaultStore::<Test>::get(REGION, PERIOD),
			Some(FaultRecord { expected: 8, received: 6, status: FaultStatus::Open })
		);
		assert_eq!(open(), vec![(REGION, PERIOD)]);
		System::assert_last_event(
			Event::FaultRecorded { region: REGION, period: PERIOD, expected: 8, received: 6 }
				.into(),
		);
	});
}

#[test]
fn on_faulted_twice_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		Faults::on_faulted(REGION, PERIOD, 8, 6);
		Faults::on_faulted(REGION, PERIOD, 10, 1);
		assert_eq!(
			FaultStore::<Test>::get(REGION, PERIOD),
			Some(FaultRecord { expected: 8, received: 6, status: FaultStatus::Open })
		);
		assert_eq!(open(), vec![(REGION, PERIOD)]);
		assert_eq!(events().len(), 1);
	});
}

#[test]
fn a_full_open_index_evicts_the_oldest_fault() {
	ExtBuilder::default().build_and_execute(|| {
		for p in 0..MAX_OPEN {
			Faults::on_faulted(REGION, p, 2, 1);
		}
		assert_eq!(open().len(), MAX_OPEN as usize);
		Faults::on_faulted(OTHER_REGION, 99, 2, 0);
		System::assert_last_event(Event::OpenFaultEvicted { region: REGION, period: 0 }.into());
		let expected: Vec<_> =
			(1..MAX_OPEN).map(|p| (REGION, p)).chain([(OTHER_REGION, 99)]).collect();
		assert_eq!(open(), expected);
		// The evicted fault's record stays open: the KGC can still resolve it.
		assert_eq!(status(REGION, 0), Some(FaultStatus::Open));
	});
}
