//! A native test chain, shared by the runtime's tests and the fuzz harness (`fuzz/`): a dev
//! genesis state, a started metering clock, regions of registered meters with their master
//! secrets, honest setups and readings computed as the KGC and the meters do, and helpers to
//! apply extrinsics through the runtime's full transaction-extension pipeline.
//!
//! `std` only; never part of the Wasm runtime.

use crate::{
	genesis_config_presets::get_preset, Address, Meters, Readings, Runtime, RuntimeCall,
	RuntimeGenesisConfig, RuntimeOrigin, SignedPayload, TxExtension, UncheckedExtrinsic,
};
use codec::Encode;
use frame_support::{
	dispatch::{GetDispatchInfo, PostDispatchInfo},
	traits::Hooks,
	BoundedVec,
};
use gridmask_primitives::{
	reading::{meter_readings, SignedReading},
	setup::{build_period, PeriodSetup},
	time::TimeParams,
	Bf1, MasterSecret, PeriodIndex, RegionId,
};
use pallet_readings::{PeriodOutcome, SetupEntry, BF1_BLOCKS_PER_CHUNK};
use sp_core::H256;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob};
use sp_runtime::{
	generic::Era,
	traits::{Applyable, Checkable},
	transaction_validity::TransactionValidityError,
	DispatchResultWithInfo,
};
use std::collections::BTreeMap;

/// A period boundary (a multiple of the dev chain's 60 s period).
pub const T0: u64 = 1_800_000_000_000;
/// The regions of [`TestChain`].
pub const REGIONS: [RegionId; 2] = [1, 2];
/// Meters per region of [`TestChain`]; meter ids are `region * 100 + i`.
pub const METERS_PER_REGION: usize = 5;

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

/// The genesis state of `preset` (e.g. `"development"`, `"local"`).
pub fn ext_for(preset: &str) -> sp_io::TestExternalities {
	let patch: serde_json::Value =
		serde_json::from_slice(&get_preset(&PresetId::from(preset)).expect("preset exists"))
			.expect("a preset is JSON");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serialises");
	merge(&mut config, patch);
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).expect("serialises"),
		)
		.expect("preset builds a genesis state");
	});
	ext
}

/// The dev chain's KGC (Bob).
pub fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(Bob.to_account_id())
}

/// Chain time without the timestamp inherent (which Aura would check against its slot).
pub fn set_now(t: u64) {
	pallet_timestamp::Now::<Runtime>::put(t);
}

/// A dev chain whose clock has started, with [`REGIONS`] of [`METERS_PER_REGION`] registered
/// meters each (owned by Alice).
pub struct TestChain {
	/// The metering clock.
	pub time: TimeParams,
	/// The genesis hash signed into readings.
	pub genesis: H256,
	/// Each region's meters' master secrets, by meter index.
	pub secrets: BTreeMap<RegionId, Vec<MasterSecret>>,
}

impl TestChain {
	/// Call inside `ext_for("development").execute_with`.
	pub fn start() -> Self {
		// Block 1 at T0; block 2 starts the metering clock at T0.
		frame_system::Pallet::<Runtime>::set_block_number(1);
		set_now(T0);
		frame_system::Pallet::<Runtime>::set_block_number(2);
		<Readings as Hooks<crate::BlockNumber>>::on_initialize(2);
		let time = pallet_readings::TimeConfig::<Runtime>::get().expect("clock configured");
		assert_eq!(time.genesis_start_ms, T0);
		let genesis = frame_system::BlockHash::<Runtime>::get(0);

		let mut secrets = BTreeMap::new();
		for region in REGIONS {
			Meters::create_region(kgc(), region, Default::default(), Default::default())
				.expect("the KGC creates a region");
			let ms: Vec<MasterSecret> = (0..METERS_PER_REGION as u8)
				.map(|i| MasterSecret([region as u8 * 16 + i; 32]))
				.collect();
			let regs = (0..METERS_PER_REGION as u64)
				.map(|i| pallet_meters::MeterRegistration {
					meter: Self::meter_id(region, i as usize),
					region,
					owner: Alice.to_account_id(),
					owner_key: gridmask_primitives::HpkePublicKey([7; 32]),
					prosumer: false,
				})
				.collect::<Vec<_>>();
			Meters::register_meters(kgc(), BoundedVec::truncate_from(regs))
				.expect("the KGC registers meters");
			secrets.insert(region, ms);
		}
		Self { time, genesis, secrets }
	}

	/// Creates `region` with `shape` and `n` meters (owned by Alice), those at `prosumers`
	/// (indices) registered as prosumers.
	pub fn add_region(
		&mut self,
		region: RegionId,
		n: usize,
		shape: &[gridmask_primitives::ChannelKind],
		prosumers: &[usize],
	) {
		Meters::create_region(kgc(), region, Default::default(), Default::default())
			.expect("the KGC creates a region");
		Meters::set_region_shape(kgc(), region, BoundedVec::truncate_from(shape.to_vec()))
			.expect("the KGC sets a region's shape");
		let ms: Vec<MasterSecret> =
			(0..n as u8).map(|i| MasterSecret([region as u8 * 16 + i; 32])).collect();
		let regs = (0..n)
			.map(|i| pallet_meters::MeterRegistration {
				meter: Self::meter_id(region, i),
				region,
				owner: Alice.to_account_id(),
				owner_key: gridmask_primitives::HpkePublicKey([7; 32]),
				prosumer: prosumers.contains(&i),
			})
			.collect::<Vec<_>>();
		Meters::register_meters(kgc(), BoundedVec::truncate_from(regs))
			.expect("the KGC registers meters");
		self.secrets.insert(region, ms);
	}

	/// The id of meter `i` of `region`.
	pub fn meter_id(region: RegionId, i: usize) -> u64 {
		u64::from(region) * 100 + i as u64
	}

	/// The honest setup of (region, period), computed as the KGC does: one `Z` per channel
	/// of the region's shape.
	pub fn setup(&self, region: RegionId, period: PeriodIndex) -> PeriodSetup {
		let secrets = &self.secrets[&region];
		let channels = Meters::channel_contributors(region).len() as u8;
		build_period(
			&self.time,
			region,
			period,
			secrets,
			gridmask_primitives::BF1_DEFAULT_FP_EXP,
			channels,
		)
		.expect("an honest setup builds")
	}

	/// The KGC publishes `s` (with `bf1` as the filter), before the period's window opens.
	pub fn publish(&self, s: &PeriodSetup, bf1: &Bf1) {
		let entry = SetupEntry {
			region: s.region,
			period: s.period,
			bf1: bf1.params(),
			t: s.t,
			z: s.z.clone(),
			expected: s.entries,
			epoch: Meters::region_epoch(s.region),
		};
		Readings::publish_setup(kgc(), BoundedVec::truncate_from(vec![entry]))
			.expect("the KGC publishes a setup");
		let chunks = (0..bf1.chunk_count(BF1_BLOCKS_PER_CHUNK))
			.map(|i| {
				let chunk = bf1.chunk(i, BF1_BLOCKS_PER_CHUNK).expect("chunk in range");
				(i, chunk.to_vec().try_into().expect("a chunk fits its bound"))
			})
			.collect::<Vec<_>>();
		Readings::publish_bf1_chunks(kgc(), s.region, s.period, BoundedVec::truncate_from(chunks))
			.expect("the KGC publishes the filter");
	}

	/// When the window of `period` opens (the period's end).
	pub fn window_open(&self, period: PeriodIndex) -> u64 {
		self.time.period_end(period).expect("period in range")
	}

	/// Meter `i` of a one-channel `region` reports `consumption` for `period` (both shares).
	pub fn readings(
		&self,
		region: RegionId,
		i: usize,
		period: PeriodIndex,
		consumption: u64,
	) -> [SignedReading; 2] {
		self.channel_readings(region, i, period, &[consumption])
	}

	/// Meter `i` of `region` reports one value per channel for `period` (both shares).
	pub fn channel_readings(
		&self,
		region: RegionId,
		i: usize,
		period: PeriodIndex,
		values: &[u64],
	) -> [SignedReading; 2] {
		let open = self.window_open(period);
		let keys = self.secrets[&region][i]
			.cycle_seeds(self.time.cycle_of(period))
			.period_keys(self.time.leaf_of(period));
		let randoms: Vec<u64> = values.iter().map(|v| 0x5eed ^ v).collect();
		meter_readings(
			&keys,
			self.genesis,
			region,
			period,
			values,
			&randoms,
			[open + 1_000, open + 4_000],
		)
	}

	/// Region 1's period 1 published and its window open (6 s in), with meter 0's first share
	/// of 300 Wh, not yet submitted: the starting point of the tests of one reading.
	pub fn one_reading_in_its_window(&self) -> SignedReading {
		let s = self.setup(1, 1);
		self.publish(&s, &s.bf1);
		set_now(self.window_open(1) + 6_000);
		let [first, _] = self.readings(1, 0, 1, 300);
		first
	}

	/// Runs the hooks of the blocks after the window of `period` until every region's
	/// outcome is known.
	pub fn seal(&self, period: PeriodIndex) -> BTreeMap<RegionId, PeriodOutcome> {
		self.run_blocks_while(period, 4, || {
			REGIONS.iter().any(|r| pallet_readings::Outcomes::<Runtime>::get(r, period).is_none())
		});
		REGIONS
			.iter()
			.map(|r| (*r, pallet_readings::Outcomes::<Runtime>::get(r, period).expect("sealed")))
			.collect()
	}

	/// Runs the hooks of blocks `n`, `n + 1`, … (a block every 6 s from the end of `period`'s
	/// window) while `pending` holds, e.g. until a region's outcome for `period` is known;
	/// returns the next block number.
	pub fn run_blocks_while(
		&self,
		period: PeriodIndex,
		mut n: u32,
		pending: impl Fn() -> bool,
	) -> u32 {
		let mut now = self.window_open(period) + self.time.window_ms;
		let last = n + 36;
		while pending() {
			assert!(n < last, "sealing did not finish");
			frame_system::Pallet::<Runtime>::set_block_number(n);
			<Readings as Hooks<crate::BlockNumber>>::on_initialize(n);
			set_now(now);
			now += 6_000;
			n += 1;
		}
		n
	}
}

/// The runtime's transaction extensions, immortal, with `nonce` and no tip.
pub fn tx_extension(nonce: u32) -> TxExtension {
	crate::tx_extension(Era::Immortal, nonce, 0)
}

/// The `submit_reading` call of `r`.
pub fn reading_call(r: &SignedReading) -> RuntimeCall {
	RuntimeCall::Readings(pallet_readings::Call::from_reading(r))
}

/// `call` as a general (account-less) transaction, as a meter sends a reading.
pub fn general_tx(call: RuntimeCall) -> UncheckedExtrinsic {
	UncheckedExtrinsic::new_transaction(call, tx_extension(0))
}

/// `call` signed by the dev key `key` with `nonce`, as a wallet sends it.
pub fn signed_tx(key: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	let ext = tx_extension(nonce);
	let payload = SignedPayload::new(call.clone(), ext.clone()).expect("implicit data is known");
	let signature = payload.using_encoded(|m| key.sign(m));
	UncheckedExtrinsic::new_signed(call, Address::Id(key.to_account_id()), signature.into(), ext)
}

/// Checks and applies `xt` as a block builder does (after the pool's validation): the outer
/// error is a refusal (the extrinsic cannot be included), the inner one a failed dispatch.
pub fn apply(
	xt: UncheckedExtrinsic,
) -> Result<DispatchResultWithInfo<PostDispatchInfo>, TransactionValidityError> {
	let info = xt.get_dispatch_info();
	let len = xt.encoded_size();
	let checked = Checkable::check(xt, &frame_system::ChainContext::<Runtime>::default())?;
	checked.apply::<Runtime>(&info, len)
}

/// The outcome of a period sealed with these per-channel aggregates and `count` shares.
pub fn sealed(aggregates: &[Option<u64>], count: u32) -> pallet_readings::PeriodOutcome {
	pallet_readings::PeriodOutcome::Sealed {
		aggregates: pallet_readings::Aggregates::truncate_from(aggregates.to_vec()),
		count,
	}
}
