//! Runtime-level tests: the genesis presets build a consistent state.

use crate::{
	genesis_config_presets::{get_preset, preset_names},
	AccountId, Aggregators, Meters, Runtime, RuntimeGenesisConfig, Session,
};
use frame_support::traits::Hooks;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring::{self, *};

/// RFC 7386 merge: what the node does with a preset (a patch) over the default config.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
			for (k, v) in p {
				merge(b.entry(k).or_insert(serde_json::Value::Null), v);
			}
		},
		(b, p) => *b = p,
	}
}

fn ext_for(preset: &str) -> sp_io::TestExternalities {
	let patch: serde_json::Value =
		serde_json::from_slice(&get_preset(&PresetId::from(preset)).expect("preset exists")).unwrap();
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, patch);
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).unwrap(),
		)
		.expect("preset builds a genesis state");
	});
	ext
}

fn accounts(keys: &[Sr25519Keyring]) -> Vec<AccountId> {
	let mut v: Vec<AccountId> = keys.iter().map(|k| k.to_account_id()).collect();
	v.sort();
	v
}

#[test]
fn presets_are_listed_and_aliases_resolve() {
	let names: Vec<String> =
		preset_names().iter().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned()).collect();
	assert_eq!(names, vec!["development", "local_testnet"]);
	assert_eq!(get_preset(&PresetId::from("dev")), get_preset(&PresetId::from("development")));
	assert_eq!(get_preset(&PresetId::from("local")), get_preset(&PresetId::from("local_testnet")));
	assert!(get_preset(&PresetId::from("mainnet")).is_none());
}

#[test]
fn dev_preset_has_alice_as_the_only_aggregator() {
	ext_for("development").execute_with(|| {
		assert_eq!(Aggregators::aggregators(), accounts(&[Alice]));
		assert_eq!(Session::validators(), accounts(&[Alice]));
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
		assert_eq!(pallet_meters::Kgc::<Runtime>::get(), Some(Bob.to_account_id()));
		assert_eq!(pallet_meters::Cc::<Runtime>::get(), Some(Charlie.to_account_id()));
		Aggregators::do_try_state().unwrap();
		assert_eq!(Meters::role_holder(pallet_meters::Role::Kgc), Some(Bob.to_account_id()));
	});
}

#[test]
fn local_preset_has_four_aggregators() {
	ext_for("local_testnet").execute_with(|| {
		assert_eq!(Aggregators::aggregators(), accounts(&[Alice, Bob, Charlie, Dave]));
		assert_eq!(Session::validators().len(), 4);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
		assert_eq!(pallet_meters::Kgc::<Runtime>::get(), Some(Eve.to_account_id()));
		assert_eq!(pallet_meters::Cc::<Runtime>::get(), Some(Ferdie.to_account_id()));
		Aggregators::do_try_state().unwrap();
	});
}

#[test]
fn integrity_tests_pass() {
	sp_io::TestExternalities::default().execute_with(|| {
		<crate::AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test();
		<Aggregators as Hooks<crate::BlockNumber>>::integrity_test();
	});
}

/// PROTOCOL §4 steps 1–4 in the real runtime: 10 meters in 2 regions, setups published by the
/// KGC, two shares per meter sent as real general transactions with the runtime's full
/// transaction-extension pipeline (AuthorizeCall first; nonce and fee checks must let an
/// account-less transaction through, for free), then sealing: each region's aggregate equals
/// the sum of its meters' true consumption.
#[test]
fn readings_flow_through_the_runtime() {
	use crate::{Readings, TxExtension, UncheckedExtrinsic};
	use frame_support::{dispatch::GetDispatchInfo, BoundedVec};
	use gridmask_primitives::{
		reading::meter_readings,
		setup::{build_periods, SetupParams},
		MasterSecret,
	};
	use pallet_readings::{PeriodOutcome, SetupEntry, BF1_BLOCKS_PER_CHUNK};
	use sp_runtime::{
		generic::Era,
		traits::{Applyable, Checkable},
	};

	let kgc = || crate::RuntimeOrigin::signed(Bob.to_account_id());
	// Chain time without the timestamp inherent (which Aura would check against its slot).
	let set_now = |t: u64| pallet_timestamp::Now::<Runtime>::put(t);
	let t0: u64 = 1_800_000_000_000; // a period boundary (multiple of 60 s)
	ext_for("development").execute_with(|| {
		// Block 1 at t0; block 2 starts the metering clock at t0.
		frame_system::Pallet::<Runtime>::set_block_number(1);
		set_now(t0);
		frame_system::Pallet::<Runtime>::set_block_number(2);
		<Readings as Hooks<crate::BlockNumber>>::on_initialize(2);
		let time = pallet_readings::TimeConfig::<Runtime>::get().expect("clock configured");
		assert_eq!(time.genesis_start_ms, t0);
		let genesis = frame_system::BlockHash::<Runtime>::get(0);

		// Step 1: two regions of five meters each (the runtime's minimum is 3).
		let mut secrets = Vec::new();
		for region in [1u32, 2] {
			crate::Meters::create_region(kgc(), region, Default::default(), Default::default())
				.unwrap();
			let ms: Vec<MasterSecret> =
				(0..5u8).map(|i| MasterSecret([region as u8 * 16 + i; 32])).collect();
			let regs = (0..5u64)
				.map(|i| pallet_meters::MeterRegistration {
					meter: u64::from(region) * 100 + i,
					region,
					owner: Alice.to_account_id(),
					owner_key: gridmask_primitives::HpkePublicKey([7; 32]),
				})
				.collect::<Vec<_>>();
			crate::Meters::register_meters(kgc(), BoundedVec::truncate_from(regs)).unwrap();
			secrets.push((region, ms));
		}

		// Step 2: setup of period 1 for both regions (before its window opens).
		let period = 1;
		for (region, ms) in &secrets {
			let params = SetupParams {
				region: *region,
				cycle: time.cycle_of(period),
				periods_per_cycle: time.periods_per_cycle,
				fp_exp: gridmask_primitives::BF1_DEFAULT_FP_EXP,
			};
			let leaf = u32::from(time.leaf_of(period));
			let s = build_periods(&params, ms, leaf..leaf + 1).unwrap().remove(0);
			let entry = SetupEntry {
				region: s.region,
				period: s.period,
				bf1: s.bf1.params(),
				t: s.t,
				z: s.z,
				expected: s.entries,
			};
			Readings::publish_setup(kgc(), BoundedVec::truncate_from(vec![entry])).unwrap();
			let chunks = (0..s.bf1.chunk_count(BF1_BLOCKS_PER_CHUNK))
				.map(|i| {
					let c = s.bf1.chunk(i, BF1_BLOCKS_PER_CHUNK).unwrap().to_vec();
					(i, c.try_into().unwrap())
				})
				.collect::<Vec<_>>();
			Readings::publish_bf1_chunks(kgc(), *region, period, BoundedVec::truncate_from(chunks))
				.unwrap();
		}

		// Step 3: in period 1's window, every meter sends its two shares.
		let window_open = time.period_end(period).unwrap();
		frame_system::Pallet::<Runtime>::set_block_number(3);
		set_now(window_open + 6_000);
		let mut expected = std::collections::BTreeMap::new();
		for (region, ms) in &secrets {
			for (i, m) in ms.iter().enumerate() {
				let consumption = 250 + 37 * i as u64 + u64::from(*region);
				*expected.entry(*region).or_insert(0u64) += consumption;
				let keys = m.cycle_seeds(time.cycle_of(period)).period_keys(time.leaf_of(period));
				let shares = meter_readings(
					&keys,
					genesis,
					*region,
					period,
					consumption,
					0x5eed ^ consumption,
					[window_open + 1_000, window_open + 4_000],
				);
				for r in shares {
					let call = crate::RuntimeCall::Readings(pallet_readings::Call::submit_reading {
						region: r.payload.region,
						period: r.payload.period,
						prid: r.payload.prid,
						value: r.payload.value,
						timestamp_ms: r.payload.timestamp_ms,
						signature: r.signature,
					});
					let ext: TxExtension = (
						frame_system::AuthorizeCall::new(),
						frame_system::CheckNonZeroSender::new(),
						frame_system::CheckSpecVersion::new(),
						frame_system::CheckTxVersion::new(),
						frame_system::CheckGenesis::new(),
						frame_system::CheckEra::from(Era::Immortal),
						frame_system::CheckNonce::from(0),
						frame_system::CheckWeight::new(),
						pallet_transaction_payment::ChargeTransactionPayment::from(0),
						frame_system::WeightReclaim::new(),
					);
					let xt = UncheckedExtrinsic::new_transaction(call, ext);
					let info = xt.get_dispatch_info();
					let len = codec::Encode::encoded_size(&xt);
					let checked =
						Checkable::check(xt, &frame_system::ChainContext::<Runtime>::default())
							.expect("no signature to check");
					let fees_before = pallet_balances::TotalIssuance::<Runtime>::get();
					checked
						.apply::<Runtime>(&info, len)
						.expect("the reading is valid")
						.expect("the reading dispatches");
					assert_eq!(pallet_balances::TotalIssuance::<Runtime>::get(), fees_before);
				}
			}
		}

		// Step 4: after the window closes, sealing publishes Σ consumption per region.
		let mut n = 4;
		let mut now = window_open + time.window_ms;
		while [1u32, 2].iter().any(|r| pallet_readings::Outcomes::<Runtime>::get(r, period).is_none()) {
			assert!(n < 20, "sealing did not finish");
			frame_system::Pallet::<Runtime>::set_block_number(n);
			<Readings as Hooks<crate::BlockNumber>>::on_initialize(n);
			set_now(now);
			now += 6_000;
			n += 1;
		}
		for (region, total) in expected {
			assert_eq!(
				pallet_readings::Outcomes::<Runtime>::get(region, period),
				Some(PeriodOutcome::Sealed { aggregate: total, count: 10 }),
				"region {region}"
			);
		}
	});
}
