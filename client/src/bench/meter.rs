//! `gridmask bench meter`: what one period costs a meter (PROTOCOL §4 step 3), measured in this
//! process, with one sr25519 signature as the baseline (a meter signs two per period), for a
//! reading of 1, 2 and 4 channels (PROTOCOL §3a) in the same run.

use gridmask_primitives::{
	reading::meter_readings, seed::MasterSecret, time::TimeParams, PeriodIndex,
};
use serde::Serialize;
use std::{hint::black_box, time::Instant};

/// The figures for each number of channels, in one run.
#[derive(Debug, Serialize)]
pub struct MeterCosts {
	/// One entry per number of channels: 1, 2, 4.
	pub by_channels: Vec<MeterCost>,
}

impl std::fmt::Display for MeterCosts {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let base = self.by_channels.first().map_or(1.0, |c| c.period_us);
		for c in &self.by_channels {
			write!(f, "{c}")?;
			writeln!(
				f,
				"  {} channel(s): {:.2} × the one-channel period",
				c.channels,
				c.period_us / base
			)?;
		}
		Ok(())
	}
}

impl crate::output::Output for MeterCosts {}

/// Measures `periods` periods for 1, 2 and 4 channels.
pub fn meter_costs(periods: u32) -> MeterCosts {
	MeterCosts { by_channels: [1, 2, 4].into_iter().map(|n| meter_cost(periods, n)).collect() }
}

/// The figures, µs per item.
#[derive(Debug, Serialize)]
pub struct MeterCost {
	/// Channels per reading.
	pub channels: usize,
	/// Periods measured.
	pub periods: u32,
	/// Deriving a period's keys and masks (two GGM paths per PRF, PRID keys, H3).
	pub derive_us: f64,
	/// Split, mask and sign both shares (given the keys).
	pub readings_us: f64,
	/// The whole period: derive + readings.
	pub period_us: f64,
	/// Baseline: one sr25519 signature of a reading payload.
	pub sign_us: f64,
	/// One signature check, as every aggregator does per share (for comparison).
	pub verify_us: f64,
	/// `period_us / sign_us`.
	pub period_over_sign: f64,
}

impl std::fmt::Display for MeterCost {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"meter cost per period, {} channel(s), over {} periods: {:.1} µs (derive keys {:.1} µs \
			 + split, mask and sign two shares {:.1} µs) = {:.2} × one sr25519 signature ({:.1} \
			 µs); one signature check {:.1} µs",
			self.channels,
			self.periods,
			self.period_us,
			self.derive_us,
			self.readings_us,
			self.period_over_sign,
			self.sign_us,
			self.verify_us
		)
	}
}

impl crate::output::Output for MeterCost {}

/// Measures `periods` consecutive periods of one meter whose readings have `channels`
/// channels.
pub fn meter_cost(periods: u32, channels: usize) -> MeterCost {
	let time = TimeParams {
		genesis_start_ms: 1_700_000_000_000,
		period_ms: 1_800_000,
		periods_per_cycle: 1440,
		window_ms: 600_000,
	};
	let secret = MasterSecret([7; 32]);
	let genesis = sp_core::H256::repeat_byte(1);
	let ps: Vec<PeriodIndex> = (0..periods).collect();

	let t = Instant::now();
	let keys: Vec<_> = ps
		.iter()
		.map(|&p| black_box(secret.cycle_seeds(time.cycle_of(p)).period_keys(time.leaf_of(p))))
		.collect();
	let derive = t.elapsed().as_secs_f64();

	let (values, randoms) = (vec![1234u64; channels], vec![99u64; channels]);
	let t = Instant::now();
	let readings: Vec<_> = ps
		.iter()
		.zip(&keys)
		.map(|(&p, k)| {
			let end = time.period_end(p).unwrap();
			black_box(meter_readings(k, genesis, 1, p, &values, &randoms, [end; 2]))
		})
		.collect();
	let sign_both = t.elapsed().as_secs_f64();

	let msgs: Vec<_> = readings.iter().map(|r| r[0].payload.signing_message()).collect();
	let t = Instant::now();
	for (k, m) in keys.iter().zip(&msgs) {
		black_box(k.key_a.sign(m));
	}
	let sign = t.elapsed().as_secs_f64();

	let t = Instant::now();
	for r in &readings {
		assert!(black_box(r[0].verify()));
	}
	let verify = t.elapsed().as_secs_f64();

	let per = |s: f64| s * 1e6 / f64::from(periods.max(1));
	MeterCost {
		channels,
		periods,
		derive_us: per(derive),
		readings_us: per(sign_both),
		period_us: per(derive + sign_both),
		sign_us: per(sign),
		verify_us: per(verify),
		period_over_sign: (derive + sign_both) / sign,
	}
}
