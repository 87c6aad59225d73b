//! Tests: channels and prosumers.

use super::*;

fn shape(kinds: &[ChannelKind]) -> Shape {
	Shape::truncate_from(kinds.to_vec())
}

#[test]
fn set_region_shape_works_and_errors() {
	use ChannelKind::*;
	ExtBuilder::default().build_and_execute(|| {
		setup();
		let epoch = Meters::region_epoch(R1);
		assert_ok!(Meters::set_region_shape(kgc(), R1, shape(&[ImportWh, ExportWh])));
		System::assert_last_event(
			Event::RegionShapeSet { region: R1, shape: vec![ImportWh, ExportWh] }.into(),
		);
		assert_eq!(Meters::region_shape(R1), Some(shape(&[ImportWh, ExportWh])));
		assert_eq!(Meters::region_epoch(R1), epoch + 1, "setups must be rebuilt");
		assert_eq!(Meters::channel_contributors(R1), vec![3, 0]);
		for bad in [&[][..], &[ExportWh, ImportWh], &[ImportWh, MaxDemandW, MaxDemandW]] {
			assert_noop!(Meters::set_region_shape(kgc(), R1, shape(bad)), Error::<Test>::BadShape);
		}
		assert_noop!(
			Meters::set_region_shape(kgc(), 9, shape(&[ImportWh])),
			Error::<Test>::UnknownRegion
		);
		assert_noop!(
			Meters::set_region_shape(RuntimeOrigin::signed(CC), R1, shape(&[ImportWh])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn prosumers_are_counted_per_region_as_they_come_and_go() {
	use ChannelKind::*;
	ExtBuilder::default().build_and_execute(|| {
		create(R1);
		create(R2);
		assert_ok!(Meters::set_region_shape(kgc(), R1, shape(&[ImportWh, ExportWh])));
		assert_ok!(Meters::register_meters(
			kgc(),
			batch(vec![reg(1, R1), prosumer(2, R1), prosumer(3, R1)])
		));
		let prosumers = |r| Regions::<Test>::get(r).unwrap().active_prosumers;
		assert_eq!(prosumers(R1), 2);
		assert_eq!(Meters::channel_contributors(R1), vec![3, 2]);
		// Becoming a prosumer changes the active set's epoch (setups say how many can export).
		let epoch = Meters::region_epoch(R1);
		assert_ok!(Meters::set_prosumer(kgc(), 1, true));
		System::assert_last_event(Event::ProsumerSet { meter: 1, prosumer: true }.into());
		assert_eq!((prosumers(R1), Meters::region_epoch(R1) > epoch), (3, true));
		assert_ok!(Meters::suspend_meter(kgc(), 2));
		assert_eq!(prosumers(R1), 2);
		// A suspended meter's flag changes without touching the counts.
		assert_ok!(Meters::set_prosumer(kgc(), 2, false));
		assert_eq!(prosumers(R1), 2);
		assert_ok!(Meters::reinstate_meter(kgc(), 2));
		assert_eq!(prosumers(R1), 2);
		assert_ok!(Meters::move_meter(kgc(), 3, R2));
		assert_eq!((prosumers(R1), prosumers(R2)), (1, 1));
		assert_ok!(Meters::retire_meter(kgc(), 3));
		assert_eq!(prosumers(R2), 0);
		assert_noop!(Meters::set_prosumer(kgc(), 3, false), Error::<Test>::MeterRetired);
		assert_noop!(Meters::set_prosumer(kgc(), 99, true), Error::<Test>::UnknownMeter);
		assert!(Meters::do_try_state().is_ok());
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_prosumers = 0);
		assert!(Meters::do_try_state().is_err());
		Regions::<Test>::mutate(R1, |r| r.as_mut().unwrap().active_prosumers = 1);
	});
}

#[test]
fn try_state_detects_a_stale_index() {
	ExtBuilder::default().build().execute_with(|| {
		setup();
		MetersByRegion::<Test>::remove(R1, 2);
		assert!(Meters::do_try_state().is_err());
	});
}
