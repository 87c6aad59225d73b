//! Tests: clock.

use super::*;

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

#[test]
fn between_windows_is_the_time_after_a_window_closes_until_the_next_opens() {
	ExtBuilder::default().build_and_execute(|| {
		next_block();
		// The block being built comes BLOCK_MS after the parent's time, at the earliest.
		let at = |t: u64| {
			Timestamp::set_timestamp(t - BLOCK_MS);
			Readings::between_windows()
		};
		let end0 = end_of(0);
		assert!(at(end0 - 1), "period 0 runs, no window open");
		assert!(!at(end0), "period 0's window opens");
		assert!(!at(end0 + WINDOW_MS - 1), "its last instant");
		assert!(at(end0 + WINDOW_MS), "closed");
		assert!(at(end_of(1) - 1));
		assert!(!at(end_of(1)));
	});
}
