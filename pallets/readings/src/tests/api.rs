//! Tests: runtime API.

use super::*;

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
		let p = a.payload.clone();
		assert_eq!(Readings::api_check_reading(a.clone()), Ok(()));
		let mut changed = a.clone();
		changed.payload.masked[0] += 1;
		assert_eq!(Readings::api_check_reading(changed), Err(ReadingRejection::BadSignature));
		// The chain's own genesis hash is what the signature must cover, whatever the payload
		// says: a wrong one in the payload changes nothing.
		let mut relabelled = a.clone();
		relabelled.payload.genesis_hash = sp_core::H256::repeat_byte(7);
		assert_eq!(Readings::api_check_reading(relabelled), Ok(()));
		assert_eq!(submit(&a), Ok(Ok(())));
		assert_eq!(Readings::api_check_reading(a), Err(ReadingRejection::DuplicatePrid));
		assert_eq!(
			Readings::api_share(1, 1, p.prid),
			Some(Share { masked: p.masked.clone(), timestamp_ms: p.timestamp_ms })
		);
		assert_eq!(Readings::api_share(1, 2, p.prid), None);
		assert_eq!(
			Readings::api_shares(ApiQueries::truncate_from(vec![
				(1, 1, p.prid),
				(1, 1, b.payload.prid)
			])),
			vec![Some(Share { masked: p.masked.clone(), timestamp_ms: p.timestamp_ms }), None]
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
		assert_eq!(st.accumulator, Accumulator { sums: p.masked.clone(), count: 1 });
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
