//! Benchmarks (frame-benchmarking v2) of every call, the authorization of `submit_reading`, and
//! the sealing and pruning hooks. Readings are signed with the keystore host functions
//! (`sr25519_generate` / `sr25519_sign`, which use the `substrate` context like meters do) and
//! their filters built in the runtime with `gridmask_primitives::Bf1`.

use super::*;
use crate::{
	traits::{Collectors, RegionRegistry},
	Pallet as Readings,
};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::{Authorize, Get, Hooks, UnfilteredDispatchable},
	weights::WeightMeter,
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use gridmask_primitives::{Bf1Params, ReadingPayload, SignedReading, TCommitment};
use sp_core::{crypto::KeyTypeId, H256};
use sp_runtime::traits::Zero;

const START: Moment = 1_800_000_000_000;
const KEY_TYPE: KeyTypeId = KeyTypeId(*b"gmrd");

fn time() -> TimeParams {
	TimeParams {
		genesis_start_ms: START,
		period_ms: 60_000,
		periods_per_cycle: 10,
		window_ms: 30_000,
	}
}

/// A started clock at `now`, and the KGC origin.
fn start<T: Config>(now: Moment) -> T::RuntimeOrigin {
	TimeConfig::<T>::put(time());
	NextSeal::<T>::put(SealPosition::default());
	T::BenchmarkHelper::set_time(now);
	frame_system::BlockHash::<T>::insert(BlockNumberFor::<T>::zero(), H256::repeat_byte(0x5a));
	T::KgcOrigin::try_successful_origin().expect("the runtime has a KGC")
}

fn end_of(p: PeriodIndex) -> Moment {
	time().period_end(p).unwrap()
}

/// `n` values of the most channels a shape has (the worst case: the longest share, the
/// longest signed message), `v` each.
fn values(v: u64, n: usize) -> Values {
	Values::truncate_from(vec![v; n])
}

/// The most channels.
const MAX: usize = gridmask_primitives::MAX_CHANNELS as usize;

/// A setup entry for `region`'s current active meters and epoch.
fn entry<T: Config>(region: RegionId, period: PeriodIndex, num_blocks: u32) -> SetupEntry {
	SetupEntry {
		region,
		period,
		bf1: Bf1Params { num_blocks, k: 22 },
		t: TCommitment([1; 32]),
		z: values(7, T::Regions::channel_contributors(region).len()),
		expected: 2 * T::Regions::active_meters(region),
		epoch: T::Regions::epoch(region),
	}
}

/// A complete setup of (region, period) whose filter (of the largest allowed size) holds a
/// fresh keystore key; returns the reading call signed by it.
fn ready_reading<T: Config>(region: RegionId, period: PeriodIndex) -> Call<T> {
	let public = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
	let prid = Prid(public.0);
	// The largest filter; only the chunk holding the PRID's block is stored (that is all the
	// authorization reads), so no multi-MiB filter is built in the runtime.
	let params = Bf1Params { num_blocks: T::MaxBf1Blocks::get(), k: 22 };
	Setups::<T>::insert(
		region,
		period,
		SetupInfo {
			bf1: params,
			t: TCommitment([1; 32]),
			z: values(0, MAX),
			contributors: Contributors::truncate_from(vec![1; MAX]),
			expected: 2,
			epoch: T::Regions::epoch(region),
			chunks: chunk_count(&params),
			chunks_present: chunk_count(&params),
			generation: 0,
		},
	);
	let probe = params.probe(&prid);
	let (index, offset) = probe.chunk_position(BF1_BLOCKS_PER_CHUNK).unwrap();
	let mut bytes = vec![0u8; chunk_len(&params, index).unwrap() as usize];
	for (b, m) in bytes[offset..offset + 64].iter_mut().zip(probe.mask.iter()) {
		*b |= m;
	}
	Bf1Chunks::<T>::insert(
		(region, period),
		index,
		StoredChunk { generation: 0, bytes: BoundedVec::truncate_from(bytes) },
	);
	let payload = ReadingPayload {
		genesis_hash: Readings::<T>::genesis_hash(),
		region,
		period,
		prid,
		masked: values(12_345, MAX),
		timestamp_ms: end_of(period) + 1,
	};
	let sig = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, &payload.signing_message())
		.expect("key in keystore");
	Call::<T>::from_reading(&SignedReading { payload, signature: ReadingSignature(sig.0) })
}

/// A bundle of `n` shares spread over `g` groups (regions 0.., period 1), each share a fresh
/// keystore key's, in the largest filter of its region (only the chunks holding the PRIDs are
/// stored), signed by a fresh collector key made an aggregator's.
fn ready_bundle<T: Config>(n: u32, g: u32) -> Call<T> {
	use alloc::collections::BTreeMap;
	use codec::Encode;
	let params = Bf1Params { num_blocks: T::MaxBf1Blocks::get(), k: 22 };
	let genesis = Readings::<T>::genesis_hash();
	let mut groups: Vec<BundleGroup<T::MaxBundleShares>> = (0..g)
		.map(|region| {
			Setups::<T>::insert(
				region,
				1,
				SetupInfo {
					bf1: params,
					t: TCommitment([1; 32]),
					z: values(0, MAX),
					contributors: Contributors::truncate_from(vec![n; MAX]),
					expected: 2 * n,
					epoch: 0,
					chunks: chunk_count(&params),
					chunks_present: chunk_count(&params),
					generation: 0,
				},
			);
			BundleGroup { region, period: 1, shares: BoundedVec::new() }
		})
		.collect();
	let mut chunks: BTreeMap<(RegionId, u32), Vec<u8>> = BTreeMap::new();
	for i in 0..n {
		let group = &mut groups[(i % g) as usize];
		let public = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
		let prid = Prid(public.0);
		let probe = params.probe(&prid);
		let (index, offset) = probe.chunk_position(BF1_BLOCKS_PER_CHUNK).unwrap();
		let bytes = chunks
			.entry((group.region, index))
			.or_insert_with(|| vec![0u8; chunk_len(&params, index).unwrap() as usize]);
		for (b, m) in bytes[offset..offset + 64].iter_mut().zip(probe.mask.iter()) {
			*b |= m;
		}
		let payload = ReadingPayload {
			genesis_hash: genesis,
			region: group.region,
			period: 1,
			prid,
			masked: values(u64::from(i), MAX),
			timestamp_ms: end_of(1) + 1,
		};
		let sig = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, &payload.signing_message())
			.expect("key in keystore");
		let share = gridmask_primitives::BundledShare::of(&SignedReading {
			payload,
			signature: ReadingSignature(sig.0),
		});
		group.shares.try_push(share).expect("n ≤ MaxBundleShares");
	}
	for ((region, index), bytes) in chunks {
		Bf1Chunks::<T>::insert(
			(region, 1),
			index,
			StoredChunk { generation: 0, bytes: BoundedVec::truncate_from(bytes) },
		);
	}
	let collector = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
	T::Collectors::add_collector(collector);
	let groups: BundleGroupsOf<T> = BoundedVec::truncate_from(groups);
	let contents = sp_io::hashing::blake2_256(&groups.encode());
	let message =
		gridmask_primitives::bundle::bundle_signing_message(&genesis, &collector.0, 0, &contents);
	let signature =
		sp_io::crypto::sr25519_sign(KEY_TYPE, &collector, &message).expect("key in keystore");
	Call::<T>::submit_bundle { collector, seq: 0, groups, signature }
}

fn prid(i: u32) -> Prid {
	Prid(sp_io::hashing::blake2_256(&i.to_le_bytes()))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `n` new setups, each of its own region and period (every region and period index read
	/// once), each period's region list one short of full (the longest to decode and insert
	/// into).
	#[benchmark]
	fn publish_setup(n: Linear<1, { T::MaxSetupBatch::get() }>) -> Result<(), BenchmarkError> {
		let origin = start::<T>(START + 1);
		let others: Vec<RegionId> = (0..T::MaxRegionsPerPeriod::get() - 1).collect();
		let entries: Vec<SetupEntry> = (0..n)
			.map(|i| {
				let region = T::Regions::benchmark_region(i, MinRegionMeters::<T>::get());
				PeriodRegions::<T>::insert(100 + i, BoundedVec::truncate_from(others.clone()));
				entry::<T>(region, 100 + i, T::MaxBf1Blocks::get())
			})
			.collect();
		let last = entries.last().map(|e| (e.region, e.period)).ok_or("n ≥ 1")?;
		let setups = BoundedVec::try_from(entries).map_err(|_| "batch bound")?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, setups);

		assert!(Setups::<T>::contains_key(last.0, last.1));
		assert!(PeriodRegions::<T>::get(last.1).is_full());
		Ok(())
	}

	#[benchmark]
	fn publish_bf1_chunks(
		c: Linear<1, { T::MaxChunksPerCall::get() }>,
	) -> Result<(), BenchmarkError> {
		let origin = start::<T>(START + 1);
		let region = T::Regions::benchmark_region(0, MinRegionMeters::<T>::get());
		let num_blocks = (c * BF1_BLOCKS_PER_CHUNK).min(T::MaxBf1Blocks::get());
		Readings::<T>::publish_setup(
			origin.clone(),
			BoundedVec::truncate_from(vec![entry::<T>(region, 100, num_blocks)]),
		)?;
		let chunks: Vec<(u32, Bf1Chunk)> = (0..c)
			.map(|i| {
				let len = chunk_len(&Bf1Params { num_blocks, k: 22 }, i).unwrap_or(0);
				(i, BoundedVec::truncate_from(vec![0xffu8; len as usize]))
			})
			.collect();
		let chunks = BoundedVec::try_from(chunks).map_err(|_| "chunk bound")?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, region, 100, chunks);

		Ok(())
	}

	#[benchmark]
	fn submit_reading() -> Result<(), BenchmarkError> {
		start::<T>(end_of(1) + 1);
		let call = ready_reading::<T>(1, 1);
		let Call::<T>::submit_reading { prid, .. } = call.clone() else { unreachable!() };

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into())?;
		}

		assert!(Shares::<T>::contains_key((1, 1), prid));
		Ok(())
	}

	#[benchmark]
	fn authorize_submit_reading() -> Result<(), BenchmarkError> {
		start::<T>(end_of(1) + 1);
		let call = ready_reading::<T>(1, 1);

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("call must be authorized")?
				.map_err(|_| "authorization failed")?;
		}

		Ok(())
	}

	/// A bundle of `n` shares in `g` groups, every share stored.
	#[benchmark]
	fn submit_bundle(
		n: Linear<1, { T::MaxBundleShares::get().min(1_000) }>,
		g: Linear<1, { T::MaxBundleGroups::get().min(16) }>,
	) -> Result<(), BenchmarkError> {
		start::<T>(end_of(1) + 1);
		let call = ready_bundle::<T>(n, g);

		#[block]
		{
			call.dispatch_bypass_filter(RawOrigin::Authorized.into())?;
		}

		let stored: u32 = (0..g).map(|r| Accumulators::<T>::get(r, 1).count).sum();
		assert_eq!(stored, n);
		Ok(())
	}

	/// Verifying `n` shares' signatures one by one, as a bundle does when a group's batch
	/// verification fails.
	#[benchmark]
	fn verify_one_by_one(
		n: Linear<1, { T::MaxBundleShares::get().min(1_000) }>,
	) -> Result<(), BenchmarkError> {
		start::<T>(end_of(1) + 1);
		let Call::<T>::submit_bundle { groups, .. } = ready_bundle::<T>(n, 1) else {
			return Err("ready_bundle makes a bundle".into());
		};
		let genesis = Readings::<T>::genesis_hash();
		let readings: Vec<SignedReading> =
			groups[0].shares.iter().map(|s| s.reading(genesis, 0, 1)).collect();
		let valid;

		#[block]
		{
			valid =
				readings.iter().filter(|r| Readings::<T>::signature_verifies(genesis, r)).count();
		}

		assert_eq!(valid, n as usize);
		Ok(())
	}

	/// The authorization of a bundle of `n` shares (the contents' hash grows with `n`).
	#[benchmark]
	fn authorize_submit_bundle(
		n: Linear<1, { T::MaxBundleShares::get().min(1_000) }>,
	) -> Result<(), BenchmarkError> {
		start::<T>(end_of(1) + 1);
		let call = ready_bundle::<T>(n, 1);

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("call must be authorized")?
				.map_err(|_| "authorization failed")?;
		}

		Ok(())
	}

	#[benchmark]
	fn on_initialize_idle() {
		start::<T>(START + 1);

		#[block]
		{
			Readings::<T>::on_initialize(1u32.into());
		}
	}

	/// `s` PRIDs of one pair hashed and the pair finished; `p` pairs started in all.
	#[benchmark]
	fn on_initialize_seal(
		s: Linear<0, { T::MaxSealStepsPerBlock::get() / 2 }>,
		p: Linear<1, { T::MaxRegionsPerPeriod::get().min(T::MaxSealStepsPerBlock::get() / 8) }>,
	) {
		start::<T>(START + 1);
		let regions: Vec<RegionId> = (0..p).collect();
		for r in &regions {
			Setups::<T>::insert(r, 1, {
				let mut i = SetupInfo {
					bf1: Bf1Params { num_blocks: 1, k: 1 },
					t: TCommitment([0; 32]),
					z: values(0, MAX),
					contributors: Contributors::truncate_from(vec![0; MAX]),
					expected: 0,
					epoch: 0,
					chunks: 1,
					chunks_present: 1,
					generation: 0,
				};
				i.expected = s;
				i
			});
		}
		PeriodRegions::<T>::insert(1, BoundedVec::truncate_from(regions));
		for i in 0..s {
			Shares::<T>::insert((0, 1), prid(i), Share { masked: values(1, MAX), timestamp_ms: 0 });
		}
		Accumulators::<T>::insert(0, 1, Accumulator { sums: values(u64::from(s), MAX), count: s });
		// The windows of periods 0 and 1 have closed.
		NextSeal::<T>::put(SealPosition { period: 1, next_region: 0 });
		T::BenchmarkHelper::set_time(end_of(1) + 30_000);

		#[block]
		{
			Readings::<T>::on_initialize(1u32.into());
		}

		assert!(Outcomes::<T>::contains_key(0, 1));
	}

	/// Pruning one (region, period) holding `k` shares.
	#[benchmark]
	fn on_idle_prune(k: Linear<0, { T::MaxPruneStepsPerBlock::get() }>) {
		start::<T>(START + 1);
		PeriodRegions::<T>::insert(1, BoundedVec::truncate_from(vec![0]));
		for i in 0..k {
			Shares::<T>::insert((0, 1), prid(i), Share { masked: values(1, MAX), timestamp_ms: 0 });
		}
		NextSeal::<T>::put(SealPosition { period: 1_000, next_region: 0 });
		NextPrune::<T>::put(PrunePosition { period: 1, next_region: 0, shares_done: false });
		// Far in the future: period 1 is MaxRetainCycles + 2 cycles old (no retention check;
		// `prune` charges that read separately).
		let cycles = T::MaxRetainCycles::get() + 2;
		T::BenchmarkHelper::set_time(START + u64::from(cycles) * 10 * 60_000);
		let mut meter = WeightMeter::new();

		#[block]
		{
			Readings::<T>::prune(&mut meter);
		}

		assert_eq!(Shares::<T>::iter_key_prefix((0, 1)).count(), 0);
	}

	/// Reading one full part of a resolution (what a re-check pays for each part it reaches).
	#[benchmark]
	fn recheck_load_part() {
		let entries: Vec<(Prid, EntryKind)> =
			(0..MAX_RESOLUTION_PART).map(|i| (prid(i), EntryKind::Absent)).collect();
		RecheckParts::<T>::insert((0, 1), 0, ResolutionPart::truncate_from(entries));
		let part;

		#[block]
		{
			part = Readings::<T>::resolution_part((0, 1), 0);
		}

		assert_eq!(part.map(|p| p.len() as u32), Some(MAX_RESOLUTION_PART));
	}

	impl_benchmark_test_suite!(
		Readings,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
