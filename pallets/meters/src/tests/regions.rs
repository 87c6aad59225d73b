//! Tests: regions.

use super::*;

#[test]
fn create_region_works() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		System::assert_last_event(Event::RegionCreated { region: R1 }.into());
		let r = Regions::<Test>::get(R1).unwrap();
		assert_eq!(r.name.to_vec(), b"north".to_vec());
		assert_eq!(r.aggregators.to_vec(), vec![10, 11]);
		assert_eq!(r.active_meters, 0);
		assert_eq!(r.shape.to_vec(), vec![ChannelKind::ImportWh]);
		assert!(Meters::region_exists(R1));
		assert!(!Meters::region_exists(R2));
	});
}

#[test]
fn create_region_errors() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		assert_noop!(
			Meters::create_region(kgc(), R1, Default::default(), Default::default()),
			Error::<Test>::RegionExists
		);
		assert_noop!(
			Meters::create_region(
				RuntimeOrigin::signed(CC),
				R2,
				Default::default(),
				Default::default()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Meters::create_region(
				RuntimeOrigin::root(),
				R2,
				Default::default(),
				Default::default()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn set_region_aggregators_works_and_errors() {
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		assert_ok!(Meters::set_region_aggregators(kgc(), R1, BoundedVec::truncate_from(vec![12])));
		System::assert_last_event(
			Event::RegionAggregatorsSet { region: R1, aggregators: vec![12] }.into(),
		);
		assert_eq!(Regions::<Test>::get(R1).unwrap().aggregators.to_vec(), vec![12]);
		assert_noop!(
			Meters::set_region_aggregators(kgc(), R2, Default::default()),
			Error::<Test>::UnknownRegion
		);
		assert_noop!(
			Meters::set_region_aggregators(RuntimeOrigin::signed(1), R1, Default::default()),
			DispatchError::BadOrigin
		);
	});
}
