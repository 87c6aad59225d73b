//! Criterion benchmarks of the protocol's costs. Figures: `primitives/BENCHMARKS.md`.
//!
//! `cargo bench -p gridmask-primitives` (the full-cycle setup is timed separately by
//! `cargo run --release -p gridmask-primitives --example setup-cycle`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gridmask_primitives::{
	bill,
	commitment::{t_commitment, t_commitment_sorted},
	prid::{self, PridKey},
	reading::{meter_readings, ReadingPayload},
	setup::{build_periods, SetupParams},
	Bf1, MasterSecret, Prid, Values, BF1_DEFAULT_FP_EXP,
};
use sp_core::H256;
use std::hint::black_box;

fn leaf(i: u64) -> [u8; 32] {
	gridmask_primitives::hashing::blake2b_256(b"bench", &[&i.to_le_bytes()])
}

fn prids(n: u64) -> Vec<Prid> {
	(0..n).map(|i| Prid(leaf(i))).collect()
}

fn keys_and_signatures(c: &mut Criterion) {
	let t = leaf(1);
	c.bench_function("prid derivation (H2 + x·B)", |b| {
		b.iter(|| PridKey::from_leaf(black_box(&t)).prid())
	});
	let key = PridKey::from_leaf(&t);
	let payload = ReadingPayload {
		genesis_hash: H256::repeat_byte(1),
		region: 1,
		period: 2,
		prid: key.prid(),
		masked: Values::truncate_from(vec![3]),
		timestamp_ms: 4,
	};
	let msg = payload.signing_message();
	c.bench_function("sign (sr25519, substrate context)", |b| b.iter(|| key.sign(black_box(&msg))));
	let sig = key.sign(&msg);
	c.bench_function("verify (schnorrkel)", |b| {
		b.iter(|| prid::verify(&payload.prid, black_box(&msg), &sig))
	});
	c.bench_function("verify (sp_io::crypto::sr25519_verify, native)", |b| {
		let (s, p) = (sig.into(), payload.prid.into());
		b.iter(|| sp_io::crypto::sr25519_verify(&s, black_box(&msg), &p))
	});
}

fn meter_period(c: &mut Criterion) {
	let seeds = MasterSecret([7; 32]).cycle_seeds(3);
	let mut k = 0u16;
	// The same work for one, two and four channels: the cost of a channel is its masks.
	for channels in [1usize, 2, 4] {
		let name = format!(
			"meter per-period cost, {channels} channel(s) (4 GGM leaves, 2 PRIDs, {} masks, 2 signatures)",
			2 * channels
		);
		let readings = vec![1234u64; channels];
		let randoms = vec![99u64; channels];
		c.bench_function(&name, |b| {
			b.iter(|| {
				k = (k + 1) % 1440;
				let keys = seeds.period_keys(k);
				meter_readings(
					&keys,
					H256::repeat_byte(1),
					1,
					u32::from(k),
					&readings,
					&randoms,
					[5, 6],
				)
			})
		});
	}
}

fn bf1(c: &mut Criterion) {
	let members = prids(20_000);
	let mut filter = Bf1::for_entries(20_000, BF1_DEFAULT_FP_EXP).unwrap();
	let mut g = c.benchmark_group("bf1 (20,000 entries, 2^-30)");
	g.bench_function("insert", |b| {
		let mut i = 0usize;
		b.iter(|| {
			filter.insert(&members[i % members.len()]);
			i += 1;
		})
	});
	members.iter().for_each(|p| filter.insert(p));
	let outsider = Prid(leaf(1 << 40));
	g.bench_function("check (member)", |b| b.iter(|| filter.contains(black_box(&members[17]))));
	g.bench_function("check (non-member)", |b| b.iter(|| filter.contains(black_box(&outsider))));
	g.finish();
}

fn t_commitment_bench(c: &mut Criterion) {
	let mut sorted = prids(20_000);
	sorted.sort_unstable();
	let unsorted = prids(20_000);
	let mut g = c.benchmark_group("T over 20,000 PRIDs");
	g.throughput(Throughput::Elements(20_000));
	g.bench_function("sorted input (runtime path)", |b| {
		b.iter(|| t_commitment_sorted(1, 2, black_box(&sorted)).unwrap())
	});
	g.bench_function("unsorted input (sort + hash)", |b| {
		b.iter_batched(
			|| unsorted.clone(),
			|v| t_commitment(1, 2, v).unwrap(),
			BatchSize::LargeInput,
		)
	});
	g.finish();
}

fn setup(c: &mut Criterion) {
	let meters: Vec<MasterSecret> =
		(0..1000u32).map(|i| MasterSecret(leaf(u64::from(i)))).collect();
	let params = SetupParams {
		region: 1,
		cycle: 0,
		periods_per_cycle: 1440,
		fp_exp: BF1_DEFAULT_FP_EXP,
		channels: 1,
	};
	let mut g = c.benchmark_group("period setup, 1,000 meters");
	g.sample_size(10);
	g.throughput(Throughput::Elements(64));
	g.bench_function("64 periods (one chunk; ×22.5 for a 1,440-period cycle)", |b| {
		b.iter(|| build_periods(&params, &meters, 0..64).unwrap())
	});
	g.finish();
}

fn hpke(c: &mut Criterion) {
	let (sk, pk) = bill::generate_keypair();
	let info = bill::bill_info(&H256::repeat_byte(1), &1u64, 1);
	let report = vec![42u8; 100_000];
	let sealed = bill::seal(&pk, &info, &[], &report).unwrap();
	let mut g = c.benchmark_group("HPKE 100 KB report");
	g.throughput(Throughput::Bytes(100_000));
	g.bench_function("seal", |b| {
		b.iter(|| bill::seal(&pk, &info, &[], black_box(&report)).unwrap())
	});
	g.bench_function("open", |b| {
		b.iter(|| bill::open(&sk, &info, &[], black_box(&sealed)).unwrap())
	});
	g.bench_function("CID (sha2-256)", |b| {
		b.iter(|| gridmask_primitives::RawCid::of(black_box(&sealed)).unwrap())
	});
	g.finish();
}

criterion_group!(benches, keys_and_signatures, meter_period, bf1, t_commitment_bench, setup, hpke);
criterion_main!(benches);
