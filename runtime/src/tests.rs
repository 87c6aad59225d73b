//! Runtime-level tests: the genesis presets build a consistent state.

use crate::{
	genesis_config_presets::{get_preset, preset_names},
	testing::ext_for,
	AccountId, Aggregators, Meters, Runtime, Session,
};
use frame_support::traits::Hooks;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring::{self, *};

fn accounts(keys: &[Sr25519Keyring]) -> Vec<AccountId> {
	let mut v: Vec<AccountId> = keys.iter().map(|k| k.to_account_id()).collect();
	v.sort();
	v
}

#[test]
fn presets_are_listed_and_aliases_resolve() {
	let names: Vec<String> =
		preset_names().iter().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned()).collect();
	assert_eq!(names, vec!["development", "local_testnet", "test", "test-local", "test-pair"]);
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

/// The test chains: the dev and local chains' roles on a faster clock, chosen in genesis (one
/// runtime): Aura, the timestamp pallet and the readings' block time all follow it.
#[test]
fn test_presets_run_the_same_roles_on_the_test_time_scale() {
	use crate::time::{SLOT_DURATION, TEST_MILLI_SECS_PER_BLOCK};
	use frame_support::traits::Get;
	let clock = |preset: &str| {
		ext_for(preset).execute_with(|| {
			Aggregators::do_try_state().unwrap();
			(
				Aggregators::aggregators(),
				pallet_meters::Kgc::<Runtime>::get(),
				pallet_aura::Pallet::<Runtime>::slot_duration(),
				<Runtime as pallet_timestamp::Config>::MinimumPeriod::get(),
				<Runtime as pallet_readings::Config>::MinBlockTimeMs::get(),
				pallet_readings::TimeConfig::<Runtime>::get()
					.map(|t| (t.period_ms, t.window_ms, t.periods_per_cycle)),
			)
		})
	};
	let dev = clock("development");
	let test = clock("test");
	let local = clock("local_testnet");
	let test_local = clock("test-local");
	assert_eq!((&dev.0, &dev.1), (&test.0, &test.1), "test has the dev chain's roles");
	assert_eq!(
		(&local.0, &local.1),
		(&test_local.0, &test_local.1),
		"test-local has local's roles"
	);
	assert_eq!((dev.2, dev.3, dev.4), (SLOT_DURATION, SLOT_DURATION / 2, SLOT_DURATION));
	assert_eq!(dev.5, Some((60_000, 30_000, 10)));
	assert_eq!(local.2, SLOT_DURATION);
	for t in [&test, &test_local] {
		let slot = TEST_MILLI_SECS_PER_BLOCK;
		assert_eq!((t.2, t.3, t.4), (slot, slot / 2, slot));
		assert_eq!(t.5, Some((20_000, 15_000, 6)));
	}
	// A chain whose genesis names no slot duration runs at the dev chain's.
	sp_io::TestExternalities::default().execute_with(|| {
		assert_eq!(pallet_aura::Pallet::<Runtime>::slot_duration(), SLOT_DURATION);
	});
}

/// Every preset is a demo chain with a k-anonymity floor of 3; a chain spec that names none
/// gets the production floor (G4).
#[test]
fn presets_use_the_demo_floor_and_other_chains_the_production_one() {
	use crate::configs::PRODUCTION_MIN_REGION_METERS;
	for preset in ["development", "local_testnet", "test", "test-local"] {
		ext_for(preset).execute_with(|| {
			assert_eq!(pallet_readings::MinRegionMeters::<Runtime>::get(), 3, "{preset}");
		});
	}
	sp_io::TestExternalities::default().execute_with(|| {
		assert_eq!(
			pallet_readings::MinRegionMeters::<Runtime>::get(),
			PRODUCTION_MIN_REGION_METERS
		);
	});
	assert!(PRODUCTION_MIN_REGION_METERS >= 10);
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
/// The client's interface is generated from `client/metadata/gridmask.scale`; it must be this
/// runtime's metadata (v16). `scripts/metadata.sh` (`GRIDMASK_BLESS=1`) rewrites the file.
#[test]
fn committed_client_metadata_is_current() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../client/metadata/gridmask.scale");
	// Constants such as Aura's slot duration are read from storage (the chain's genesis
	// chooses them): the committed file carries the defaults, which are the dev chain's.
	let current = sp_io::TestExternalities::default()
		.execute_with(|| Runtime::metadata_at_version(16))
		.expect("the runtime serves metadata v16");
	let current: &[u8] = &current;
	if std::env::var_os("GRIDMASK_BLESS").is_some() {
		std::fs::write(path, current).expect("write the metadata file");
	}
	let committed = std::fs::read(path).unwrap_or_default();
	assert!(
		committed == current,
		"client/metadata/gridmask.scale is stale ({} bytes; the runtime's is {}): run scripts/metadata.sh",
		committed.len(),
		current.len()
	);
}

/// The readings protocol (PROTOCOL.md §4 steps 1–4) through the real runtime: KGC calls as
/// signed dispatches, meter readings as general transactions through the runtime's full
/// `TxExtension` pipeline, sealing by the real hooks.
mod readings {
	use super::*;
	use crate::{testing::*, Readings, RuntimeOrigin, UncheckedExtrinsic};
	use frame_support::{dispatch::GetDispatchInfo, BoundedVec};
	use gridmask_primitives::{
		reading::{ReadingPayload, SignedReading},
		Bf1, Bf1Params, PridKey, RegionId,
	};
	use pallet_readings::PeriodOutcome;
	use sp_core::H256;
	use sp_runtime::{
		traits::{Applyable, Checkable},
		transaction_validity::TransactionValidityError,
	};
	use std::collections::BTreeMap;

	/// Applies `r` as a general (unsigned, authorized) transaction with the runtime's full
	/// extension pipeline, and checks that it paid no fee.
	fn submit(r: &SignedReading) -> Result<(), TransactionValidityError> {
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		apply(general_tx(reading_call(r)))?.expect("an authorized reading dispatches");
		assert_eq!(pallet_balances::TotalIssuance::<Runtime>::get(), issuance, "no fee");
		Ok(())
	}

	fn consumption(region: RegionId, i: usize) -> u64 {
		250 + 37 * i as u64 + u64::from(region)
	}

	#[test]
	fn every_meter_reports_and_each_region_seals_its_sum() {
		ext_for("development").execute_with(|| {
			let chain = TestChain::start();
			let period = 1;
			// The CC (Charlie) prices region 1 from period 1 on: a day of two bands (night
			// cheaper) plus a surcharge above 1 kWh of regional demand. Region 2 has no tariff.
			let tariff = pallet_pricing::Tariff {
				day_periods: 1_440,
				day_offset: 0,
				bands: BoundedVec::truncate_from(vec![(0, 200_000), (360, 300_000)]),
				tiers: BoundedVec::truncate_from(vec![(1_000, 50_000)]),
			};
			crate::Pricing::set_tariff(
				RuntimeOrigin::signed(Charlie.to_account_id()),
				1,
				period,
				tariff,
				pallet_pricing::Tariff::flat(70_000),
			)
			.unwrap();
			for region in REGIONS {
				let s = chain.setup(region, period);
				chain.publish(&s, &s.bf1);
			}
			frame_system::Pallet::<Runtime>::set_block_number(3);
			set_now(chain.window_open(period) + 6_000);
			let mut expected = BTreeMap::new();
			for region in REGIONS {
				for i in 0..METERS_PER_REGION {
					let c = consumption(region, i);
					*expected.entry(region).or_insert(0u64) += c;
					for r in chain.readings(region, i, period, c) {
						submit(&r).expect("an honest reading is valid");
					}
				}
			}
			let outcomes = chain.seal(period);
			for (region, total) in &expected {
				assert_eq!(outcomes[region], sealed(&[Some(*total)], 10), "region {region}");
			}
			// Sealing priced region 1 from its tariff (period 1 of the day: the night band;
			// 1.3 kWh of demand: the surcharge), and left region 2 unpriced.
			assert!(expected[&1] >= 1_000);
			assert_eq!(
				pallet_pricing::Prices::<Runtime>::get(1, period),
				Some(pallet_pricing::PriceRecord {
					price: 250_000,
					export_price: 70_000,
					aggregate: Some(expected[&1]),
					source: pallet_pricing::PriceSource::Tariff { version: 1 },
				})
			);
			assert_eq!(pallet_pricing::Prices::<Runtime>::get(2, period), None);
			assert_eq!(
				pallet_pricing::Unpriced::<Runtime>::get(2, period),
				Some(Some(expected[&2]))
			);
		});
	}

	#[test]
	fn a_silent_meter_faults_its_region_only() {
		ext_for("development").execute_with(|| {
			let chain = TestChain::start();
			let period = 1;
			for region in REGIONS {
				let s = chain.setup(region, period);
				chain.publish(&s, &s.bf1);
			}
			frame_system::Pallet::<Runtime>::set_block_number(3);
			set_now(chain.window_open(period) + 6_000);
			let mut sum2 = 0;
			for region in REGIONS {
				for i in 0..METERS_PER_REGION {
					if region == 1 && i == 3 {
						continue; // meter 103 stays silent
					}
					let c = consumption(region, i);
					if region == 2 {
						sum2 += c;
					}
					for r in chain.readings(region, i, period, c) {
						submit(&r).unwrap();
					}
				}
			}
			let outcomes = chain.seal(period);
			assert_eq!(outcomes[&1], PeriodOutcome::Faulted { expected: 10, received: 8 });
			assert_eq!(outcomes[&2], sealed(&[Some(sum2)], 10));
		});
	}

	/// BF1 is only a cheap first filter: with a deliberately tiny filter (one block, every bit
	/// set) a PRID that no meter owns is admitted, and T catches it at sealing — even when the
	/// count of shares matches (the forger takes a silent meter's place).
	#[test]
	fn a_forged_prid_passing_a_tiny_filter_is_caught_by_t() {
		ext_for("development").execute_with(|| {
			let chain = TestChain::start();
			let period = 1;
			let tiny = Bf1::from_parts(Bf1Params { num_blocks: 1, k: 22 }, vec![0xff; 64]).unwrap();
			let s1 = chain.setup(1, period);
			chain.publish(&s1, &tiny);
			let s2 = chain.setup(2, period);
			chain.publish(&s2, &s2.bf1);

			frame_system::Pallet::<Runtime>::set_block_number(3);
			let open = chain.window_open(period);
			set_now(open + 6_000);
			for region in REGIONS {
				for i in 0..METERS_PER_REGION {
					if region == 1 && i == 0 {
						continue; // meter 100 is silent; the forger sends two shares instead
					}
					for r in chain.readings(region, i, period, consumption(region, i)) {
						submit(&r).unwrap();
					}
				}
			}
			let forged = |seed: u8, value: u64| {
				let key = PridKey::from_leaf(&[seed; 32]);
				let payload = ReadingPayload {
					genesis_hash: chain.genesis,
					region: 1,
					period,
					prid: key.prid(),
					masked: gridmask_primitives::Values::truncate_from(vec![value]),
					timestamp_ms: open + 2_000,
				};
				let signature = key.sign(&payload.signing_message());
				SignedReading { payload, signature }
			};
			// Region 2's real filter stops the same forger at authorization.
			let mut stray = forged(0x99, 1);
			stray.payload.region = 2;
			stray.signature =
				PridKey::from_leaf(&[0x99; 32]).sign(&stray.payload.signing_message());
			assert_eq!(submit(&stray), Err(pallet_readings::ReadingRejection::NotInFilter.into()));
			// Region 1's tiny filter admits both forged shares.
			submit(&forged(0x99, 1_000_000)).expect("the tiny filter admits any PRID");
			submit(&forged(0x98, 2_000_000)).expect("the tiny filter admits any PRID");

			let outcomes = chain.seal(period);
			assert_eq!(outcomes[&1], PeriodOutcome::Faulted { expected: 10, received: 10 });
			assert!(matches!(outcomes[&2], PeriodOutcome::Sealed { count: 10, .. }));
		});
	}

	/// The operator's secrets key of the KGC node in the worker tests (`--kgc-secrets-key-file`).
	const SECRETS_SEED: [u8; 32] = [0x42; 32];

	/// A development chain's externalities with what the KGC node's fault-resolution worker needs: the
	/// KGC's (Bob's) key under the faults key type and the operator's secrets key in its
	/// keystore, off-chain storage, and a transaction pool whose transactions the returned
	/// function takes.
	fn worker_ext() -> (sp_io::TestExternalities, impl Fn() -> Vec<Vec<u8>>) {
		use sp_core::offchain::{
			testing::{TestOffchainExt, TestTransactionPoolExt},
			OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
		};
		use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};

		let mut ext = ext_for("development");
		let (offchain, _offchain_state) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		let keystore = MemoryKeystore::new();
		keystore.sr25519_generate_new(pallet_faults::KEY_TYPE, Some("//Bob")).unwrap();
		let secrets_type =
			sp_core::crypto::KeyTypeId(gridmask_primitives::secrets::SECRETS_KEY_TYPE);
		keystore
			.ed25519_generate_new(
				secrets_type,
				Some(&format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&SECRETS_SEED))),
			)
			.unwrap();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		(ext, move || std::mem::take(&mut pool_state.write().transactions))
	}

	/// The KGC node's worker gets `region`'s master secrets in its persistent off-chain
	/// storage, sealed under the operator's secrets key (as `kgc push-secrets` leaves them).
	fn give_worker_secrets(chain: &TestChain, region: RegionId) {
		let secrets: Vec<(u64, [u8; 32])> = chain.secrets[&region]
			.iter()
			.enumerate()
			.map(|(i, m)| (TestChain::meter_id(region, i), m.0))
			.collect();
		let key = pallet_faults::offchain::secrets_key(region);
		let sealed = gridmask_primitives::secrets::seal(
			&gridmask_primitives::secrets::seal_key_of_seed(&SECRETS_SEED),
			[1; 12],
			&key,
			&codec::Encode::encode(&secrets),
		);
		sp_io::offchain::local_storage_set(
			sp_core::offchain::StorageKind::PERSISTENT,
			&key,
			&sealed,
		);
	}

	/// Runs the KGC node's fault-resolution worker `rounds` times from block `n`, each time including
	/// what it sent in the next block (whose hook runs the re-checks); returns the block after.
	fn run_kgc_worker(drain_pool: &impl Fn() -> Vec<Vec<u8>>, mut n: u32, rounds: usize) -> u32 {
		use codec::Decode;
		for _ in 0..rounds {
			// Signed transactions are mortal: the birth block's hash must be known (as on a
			// real chain; blocks here are not built by `initialize_block`).
			for b in 1..=n {
				frame_system::BlockHash::<Runtime>::insert(b, H256::repeat_byte(b as u8));
			}
			// A node runs the worker on a throw-away state (its nonce bump is not kept).
			sp_io::storage::start_transaction();
			<crate::Faults as Hooks<crate::BlockNumber>>::offchain_worker(n);
			sp_io::storage::rollback_transaction();
			// Include what it sent (the KGC's nonce advances between the two).
			for tx in drain_pool() {
				let xt = UncheckedExtrinsic::decode(&mut &tx[..]).unwrap();
				let info = xt.get_dispatch_info();
				let len = codec::Encode::encoded_size(&xt);
				let checked =
					Checkable::check(xt, &frame_system::ChainContext::<Runtime>::default())
						.expect("signed by the KGC key");
				checked.apply::<Runtime>(&info, len).unwrap().unwrap();
			}
			n += 1;
			frame_system::Pallet::<Runtime>::set_block_number(n);
			<Readings as Hooks<crate::BlockNumber>>::on_initialize(n);
		}
		n
	}

	/// PROTOCOL §4 steps 5–6 through the runtime: meter 103 is silent in periods 1 and 2, both
	/// fault; the KGC node's real off-chain worker (keystore key, secrets in off-chain storage)
	/// signs one resolution per fault; applied through the full extension pipeline, each is
	/// re-checked against T, the periods are sealed with the reporters' sum and priced from the
	/// tariff, and the meter's fault count is 2.
	#[test]
	fn silent_meter_faults_are_resolved_by_the_kgc_worker_and_priced() {
		let (mut ext, drain_pool) = worker_ext();
		ext.execute_with(|| {
			let chain = TestChain::start();
			let tariff = pallet_pricing::Tariff {
				day_periods: 1_440,
				day_offset: 0,
				bands: BoundedVec::truncate_from(vec![(0, 200_000)]),
				tiers: BoundedVec::truncate_from(vec![]),
			};
			crate::Pricing::set_tariff(
				RuntimeOrigin::signed(Charlie.to_account_id()),
				1,
				1,
				tariff,
				pallet_pricing::Tariff::flat(0),
			)
			.unwrap();
			for period in [1, 2] {
				for region in REGIONS {
					let s = chain.setup(region, period);
					chain.publish(&s, &s.bf1);
				}
			}
			// Both periods: everyone reports except meter 103 (region 1, index 3).
			let mut sums = BTreeMap::new();
			let mut n = 3;
			for period in [1, 2] {
				frame_system::Pallet::<Runtime>::set_block_number(n);
				set_now(chain.window_open(period) + 6_000);
				for region in REGIONS {
					for i in 0..METERS_PER_REGION {
						if region == 1 && i == 3 {
							continue;
						}
						let c = consumption(region, i) + u64::from(period);
						*sums.entry((region, period)).or_insert(0u64) += c;
						for r in chain.readings(region, i, period, c) {
							submit(&r).unwrap();
						}
					}
				}
				n += 1;
			}
			// Seal both periods.
			n = chain.run_blocks_while(2, n, || {
				pallet_readings::Outcomes::<Runtime>::get(2, 2).is_none()
			});
			for period in [1, 2] {
				assert!(matches!(
					pallet_readings::Outcomes::<Runtime>::get(1, period),
					Some(PeriodOutcome::Faulted { expected: 10, received: 8 })
				));
				assert!(pallet_faults::Faults::<Runtime>::get(1, period).is_some());
				assert!(matches!(
					pallet_readings::Outcomes::<Runtime>::get(2, period),
					Some(PeriodOutcome::Sealed { .. })
				));
			}

			give_worker_secrets(&chain, 1);
			run_kgc_worker(&drain_pool, n, 3);
			for period in [1, 2] {
				assert_eq!(
					pallet_readings::Outcomes::<Runtime>::get(1, period),
					Some(crate::testing::sealed(&[Some(sums[&(1, period)])], 8)),
					"period {period}"
				);
				assert!(matches!(
					pallet_faults::Faults::<Runtime>::get(1, period).map(|f| f.status),
					Some(pallet_faults::FaultStatus::Resolved { .. })
				));
				assert_eq!(
					pallet_pricing::Prices::<Runtime>::get(1, period).map(|p| p.price),
					Some(200_000)
				);
			}
			let meter = pallet_meters::Meters::<Runtime>::get(103).unwrap();
			assert_eq!(meter.faults, 2);
			assert_eq!(meter.status, pallet_meters::MeterStatus::Active, "below SuspendAfter");
			// Faults, re-checks, outcomes and prices agree with each other.
			crate::invariants::all().expect("the pallets' invariants hold together");
			// They can fail: a resolved period whose fault looks open again, or unpriced.
			pallet_faults::Faults::<Runtime>::mutate(1, 1, |f| {
				f.as_mut().unwrap().status = pallet_faults::FaultStatus::Open
			});
			assert!(crate::invariants::cross_pallet().is_err());
			pallet_faults::Faults::<Runtime>::mutate(1, 1, |f| {
				f.as_mut().unwrap().status = pallet_faults::FaultStatus::Void
			});
			assert!(crate::invariants::cross_pallet().is_err());
		});
	}

	/// Issue 21: a region of 10 meters with import and export channels, 4 of them prosumers
	/// exporting at midday. Period 1: everyone reports; both channels' aggregates are the
	/// meters' totals and export is priced at the feed-in price. Period 2: a prosumer is
	/// silent; the fault-resolution worker's resolution carries Z' per channel and the chain seals both
	/// channels at the reporting meters' totals. Each meter's shares unmask per channel to its
	/// readings, and its bill's net is Σ (import · p_import − export · p_export): a credit
	/// for a prosumer. (4 prosumers, not 3: after a fault the export aggregate is published
	/// only if `MinRegionMeters` prosumers certainly contributed, counting every missing
	/// meter as one; 4 − 1 = 3.)
	#[test]
	fn prosumers_are_metered_and_priced_per_channel_and_a_fault_resolves_per_channel() {
		use gridmask_primitives::{mask::recover_values, ChannelKind::*};
		const R: RegionId = 3;
		const PROSUMERS: [usize; 3] = [1, 4, 7];
		const SILENT: usize = 8;
		let (mut ext, drain_pool) = worker_ext();
		ext.execute_with(|| {
			// After a fault the chain counts every missing meter as a possible prosumer (it
			// knows how many readings are missing, not whose), so with the floor at 3 the
			// export of 3 prosumers would be withheld in the silent meter's period. A floor of
			// 2 lets this test check the export aggregate that the fault resolution unmasks.
			pallet_readings::MinRegionMeters::<Runtime>::put(2);
			let mut chain = TestChain::start();
			chain.add_region(R, 10, &[ImportWh, ExportWh], &PROSUMERS);
			assert_eq!(pallet_meters::Regions::<Runtime>::get(R).unwrap().active_prosumers, 3);
			let flat = |p| pallet_pricing::Tariff::flat(p);
			crate::Pricing::set_tariff(
				RuntimeOrigin::signed(Charlie.to_account_id()),
				R,
				1,
				flat(200_000),
				flat(80_000),
			)
			.unwrap();
			for period in [1, 2] {
				let s = chain.setup(R, period);
				assert_eq!(s.z.len(), 2, "one Z per channel");
				chain.publish(&s, &s.bf1);
			}
			// Midday: a prosumer imports nothing and exports; a consumer exports nothing.
			let reading = |i: usize, period: u32| -> [u64; 2] {
				match PROSUMERS.contains(&i) {
					true => [0, 1_000 + 150 * i as u64 + u64::from(period)],
					false => [300 + 11 * i as u64 + u64::from(period), 0],
				}
			};
			let silent = |i: usize, period: u32| period == 2 && i == SILENT;
			let mut totals: BTreeMap<u32, [u64; 2]> = BTreeMap::new();
			let mut n = 3;
			for period in [1, 2] {
				frame_system::Pallet::<Runtime>::set_block_number(n);
				set_now(chain.window_open(period) + 6_000);
				for i in (0..10).filter(|i| !silent(*i, period)) {
					let r = reading(i, period);
					let t = totals.entry(period).or_default();
					(t[0], t[1]) = (t[0] + r[0], t[1] + r[1]);
					for share in chain.channel_readings(R, i, period, &r) {
						submit(&share).expect("an honest two-channel reading is valid");
					}
				}
				n += 1;
			}
			n = chain.run_blocks_while(2, n, || {
				pallet_readings::Outcomes::<Runtime>::get(R, 2).is_none()
			});
			let [import, export] = totals[&1];
			assert!(import > 0 && export > 0);
			assert_eq!(
				pallet_readings::Outcomes::<Runtime>::get(R, 1),
				Some(sealed(&[Some(import), Some(export)], 20))
			);
			assert_eq!(
				pallet_pricing::Prices::<Runtime>::get(R, 1),
				Some(pallet_pricing::PriceRecord {
					price: 200_000,
					export_price: 80_000,
					aggregate: Some(import),
					source: pallet_pricing::PriceSource::Tariff { version: 1 },
				})
			);
			assert_eq!(
				pallet_readings::Outcomes::<Runtime>::get(R, 2),
				Some(PeriodOutcome::Faulted { expected: 20, received: 18 })
			);

			give_worker_secrets(&chain, R);
			run_kgc_worker(&drain_pool, n, 3);
			let [import, export] = totals[&2];
			assert_eq!(
				pallet_readings::Outcomes::<Runtime>::get(R, 2),
				Some(sealed(&[Some(import), Some(export)], 18)),
				"both channels sealed at the reporting meters' totals"
			);
			assert!(matches!(
				pallet_faults::Faults::<Runtime>::get(R, 2).map(|f| f.status),
				Some(pallet_faults::FaultStatus::Resolved { .. })
			));
			let prices = pallet_pricing::Prices::<Runtime>::get(R, 2).unwrap();
			assert_eq!((prices.price, prices.export_price), (200_000, 80_000));

			// Each meter unmasks its own shares per channel; its net over the two periods.
			let amount = |wh: u64, price: u64| ((i128::from(wh) * i128::from(price)) + 500) / 1000;
			for i in 0..10 {
				let mut net = 0i128;
				for period in [1, 2] {
					let keys = chain.secrets[&R][i]
						.cycle_seeds(chain.time.cycle_of(period))
						.period_keys(chain.time.leaf_of(period));
					let (a, b) = keys.prids();
					let shares =
						[a, b].map(|p| pallet_readings::Shares::<Runtime>::get((R, period), p));
					if silent(i, period) {
						assert_eq!(shares, [None, None]);
						continue;
					}
					let [Some(sa), Some(sb)] = shares else { panic!("both shares stored") };
					let (ma, mb) = keys.masks(2);
					let got = recover_values(&sa.masked, &sb.masked, &ma, &mb);
					assert_eq!(got, reading(i, period).to_vec(), "meter {i} period {period}");
					let p = pallet_pricing::Prices::<Runtime>::get(R, period).unwrap();
					net += amount(got[0], p.price) - amount(got[1], p.export_price);
				}
				let expected: i128 = [1u32, 2]
					.iter()
					.filter(|p| !silent(i, **p))
					.map(|p| {
						let [imp, exp] = reading(i, *p);
						amount(imp, 200_000) - amount(exp, 80_000)
					})
					.sum();
				assert_eq!(net, expected, "meter {i}");
				assert_eq!(net < 0, PROSUMERS.contains(&i), "a prosumer's bill is a credit");
			}
			crate::invariants::all().expect("the pallets' invariants hold together");
		});
	}
}

/// Inputs the node must refuse before anything is included (the rest of the catalogue is in the
/// pallets' tests and `scripts/js/badinput.test.mjs`).
mod bad_input {
	use super::*;
	use crate::{testing::*, RuntimeCall, UncheckedExtrinsic};
	use codec::{Compact, Decode, Encode};
	use frame_support::traits::{Get, PalletInfoAccess};
	use sp_runtime::DispatchError;

	/// A reading sent as a *signed* transaction is never authorized: it is included, fails with
	/// `BadOrigin`, stores nothing, and its sender pays the fee (so it cannot fill blocks for
	/// free); the meter's own general transaction is then stored, for free.
	#[test]
	fn a_signed_reading_pays_and_fails() {
		ext_for("development").execute_with(|| {
			let r = TestChain::start().one_reading_in_its_window();
			let dave = Dave.to_account_id();
			let free = || frame_system::Account::<Runtime>::get(&dave).data.free;
			let before = free();
			let result = apply(signed_tx(Dave, reading_call(&r), 0)).expect("included");
			assert_eq!(result.map_err(|e| e.error), Err(DispatchError::BadOrigin));
			assert!(free() < before, "the signer paid a fee");
			assert_eq!(pallet_readings::Shares::<Runtime>::iter().count(), 0);

			let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
			apply(general_tx(reading_call(&r))).expect("authorized").expect("dispatches");
			assert_eq!(pallet_balances::TotalIssuance::<Runtime>::get(), issuance, "no fee");
			assert_eq!(pallet_readings::Shares::<Runtime>::iter().count(), 1);
		});
	}

	/// A relay cannot re-wrap a meter's reading in other extension bytes: an authorized
	/// transaction with a mortal era, a tip or a nonce is refused with a named code, and only
	/// the canonical form (immortal, tip 0, nonce 0) is stored. Signed transactions keep all
	/// three.
	#[test]
	fn a_reading_rewrapped_in_other_extension_bytes_is_refused() {
		use pallet_readings::ReadingRejection;
		use sp_runtime::generic::Era;
		ext_for("development").execute_with(|| {
			let r = TestChain::start().one_reading_in_its_window();
			let rewrapped = |f: &dyn Fn(&mut crate::TxExtension)| {
				let mut ext = tx_extension(0);
				f(&mut ext);
				UncheckedExtrinsic::new_transaction(reading_call(&r), ext)
			};
			let mortal =
				rewrapped(&|e| e.5 = frame_system::CheckEra::from(Era::mortal(4, 0)).into());
			let tipped = rewrapped(&|e| {
				e.8 = pallet_transaction_payment::ChargeTransactionPayment::from(1).into()
			});
			let nonced = rewrapped(&|e| e.6 = frame_system::CheckNonce::from(7).into());
			for (xt, why) in [
				(mortal, ReadingRejection::MortalEra),
				(tipped, ReadingRejection::Tip),
				(nonced, ReadingRejection::Nonce),
			] {
				assert_eq!(apply(xt).err(), Some(why.into()), "{why:?}");
			}
			assert_eq!(pallet_readings::Shares::<Runtime>::iter().count(), 0);
			apply(general_tx(reading_call(&r))).expect("canonical").expect("dispatches");
			assert_eq!(pallet_readings::Shares::<Runtime>::iter().count(), 1);

			// A wallet's transfer: mortal, with a tip and its nonce.
			let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: Bob.to_account_id().into(),
				value: crate::UNIT,
			});
			let mut ext = tx_extension(0);
			ext.5 = frame_system::CheckEra::from(Era::mortal(64, 0)).into();
			ext.8 = pallet_transaction_payment::ChargeTransactionPayment::from(5).into();
			let payload = crate::SignedPayload::new(transfer.clone(), ext.clone()).unwrap();
			let sig = payload.using_encoded(|m| Dave.sign(m));
			let xt = UncheckedExtrinsic::new_signed(
				transfer,
				sp_runtime::MultiAddress::Id(Dave.to_account_id()),
				sig.into(),
				ext,
			);
			apply(xt).expect("a signed transaction may be mortal and tip").expect("dispatches");
		});
	}

	/// Remarks are filtered for every origin but root: included, charged, `CallFiltered`.
	#[test]
	fn remarks_are_filtered_but_paid_for() {
		ext_for("development").execute_with(|| {
			let _chain = TestChain::start();
			let dave = Dave.to_account_id();
			let free = || frame_system::Account::<Runtime>::get(&dave).data.free;
			let before = free();
			let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![7; 1024] });
			let result = apply(signed_tx(Dave, remark, 0)).expect("included");
			assert_eq!(
				result.map_err(|e| e.error),
				Err(frame_system::Error::<Runtime>::CallFiltered.into())
			);
			let paid = before - free();
			assert!(paid >= 1024 * crate::configs::TransactionByteFee::get(), "paid {paid}");
		});
	}

	/// What filling one block costs a spammer: the normal class's whole length (3.75 MiB) in
	/// transactions of the largest size, at the fee the runtime computes. Printed for the
	/// README ("Running an aggregator"), and at least 30 GMT.
	#[test]
	fn one_full_block_costs_dozens_of_units() {
		use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
		ext_for("development").execute_with(|| {
			let _chain = TestChain::start();
			let max_len = *<Runtime as frame_system::Config>::BlockLength::get()
				.max
				.get(DispatchClass::Normal);
			// One remark of the whole normal length (a transaction's bytes may fill it).
			let remark = RuntimeCall::System(frame_system::Call::remark {
				remark: vec![0; max_len as usize - 200],
			});
			let xt = signed_tx(Dave, remark, 0);
			let len = xt.encoded_size() as u32;
			let info = xt.get_dispatch_info();
			let fee = pallet_transaction_payment::Pallet::<Runtime>::compute_fee(len, &info, 0);
			println!(
				"filling one block ({len} bytes, the normal class's length) costs {}.{:06} GMT",
				fee / crate::UNIT,
				fee % crate::UNIT / crate::MICRO_UNIT
			);
			assert!(fee >= 30 * crate::UNIT, "{fee}");
		});
	}

	/// Malformed SCALE bytes never decode into an extrinsic (the pool answers "could not
	/// decode" without running anything), whatever their length.
	#[test]
	fn malformed_extrinsic_bytes_do_not_decode() {
		ext_for("development").execute_with(|| {
			let chain = TestChain::start();
			let [r, _] = chain.readings(1, 0, 1, 300);
			let good = general_tx(reading_call(&r)).encode();
			assert!(UncheckedExtrinsic::decode(&mut &good[..]).is_ok());
			// Truncated at every length, and with a byte too many.
			for n in 0..good.len() {
				assert!(
					UncheckedExtrinsic::decode(&mut &good[..n]).is_err(),
					"{n} of {} bytes",
					good.len()
				);
			}
			let mut long = good.clone();
			long.push(0);
			assert!(<UncheckedExtrinsic as codec::DecodeAll>::decode_all(&mut &long[..]).is_err());
			// An unknown pallet and an unknown call of a known pallet.
			for call in
				[vec![0xfe, 0], vec![<crate::Readings as PalletInfoAccess>::index() as u8, 0xfe]]
			{
				assert!(RuntimeCall::decode(&mut &call[..]).is_err(), "{call:?}");
			}
			// A length prefix far beyond the bytes that follow.
			let mut bomb = Compact(u32::MAX).encode();
			bomb.extend_from_slice(&[4, 0x55]);
			assert!(UncheckedExtrinsic::decode(&mut &bomb[..]).is_err());
		});
	}

	/// A batch one item over its bound does not decode: bounded calls are refused before
	/// validation, so no oversized batch ever reaches a pallet.
	#[test]
	fn an_oversized_batch_does_not_decode() {
		ext_for("development").execute_with(|| {
			let max = <Runtime as pallet_meters::Config>::MaxRegisterBatch::get();
			let reg = pallet_meters::MeterRegistration {
				meter: 1u64,
				region: 1,
				owner: Alice.to_account_id(),
				prosumer: false,
				owner_key: gridmask_primitives::HpkePublicKey([7; 32]),
			};
			let encode = |n: u32| {
				let mut call = vec![<Meters as PalletInfoAccess>::index() as u8, 3];
				call.extend((0..n).map(|_| reg.clone()).collect::<Vec<_>>().encode());
				call
			};
			assert!(matches!(
				RuntimeCall::decode(&mut &encode(max)[..]),
				Ok(RuntimeCall::Meters(pallet_meters::Call::register_meters { .. }))
			));
			assert!(RuntimeCall::decode(&mut &encode(max + 1)[..]).is_err());
		});
	}
}
