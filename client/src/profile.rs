//! Synthetic residential load profiles for simulated meters, in **Wh per period** (the unit of
//! every reading value in gridmask).
//!
//! The mean power of a household at local time `t` (UTC is used as local time) is
//!
//! ```text
//! P(t) = base · scale · daily(t) · (1 + noise) + burst
//! ```
//!
//! - `base` 250 W; `scale` ∈ [0.6, 1.6) fixed per meter (household size);
//! - `daily(t)`: night 0.6 (00–06 h), morning peak 1.8 (06–09 h; 08–11 h at weekends), day 1.0
//!   (1.3 at weekends), evening peak 2.6 (17–22 h), late 1.2 (22–24 h);
//! - `noise`: uniform in ±15 %, independent per period;
//! - `burst`: with probability 8 % per period an appliance (kettle, oven, washer) adds 1.5–3 kW
//!   for 10–60 % of the period.
//!
//! Everything is drawn from a SplitMix64 stream keyed by (seed, meter, period), so a run is
//! reproducible from `--seed` and meters differ from each other.
//!
//! **Prosumers** (rooftop photovoltaics) also generate. The mean PV power at local time `t` is
//!
//! ```text
//! G(t) = peak · sin(π · (h − sunrise) / daylight) · season · cloud      (0 outside daylight)
//! ```
//!
//! - `peak` ∈ [3, 8) kW per meter (array size);
//! - `daylight` = 12 + 4 · cos(2π · (day − 172) / 365) hours centred on 12:00 (8 h at the
//!   winter solstice, 16 h in midsummer: about 50° north), `sunrise` = 12 − daylight / 2;
//! - `season` = 0.3 + 0.7 · (daylight − 8) / 8: a low winter sun gives less;
//! - `cloud` ∈ [0.25, 1) per day and region-wide (drawn from (seed, day) alone: a cloudy day
//!   is cloudy for every panel).
//!
//! A period's meter reads the net of the two, per direction: `import = max(c − g, 0)`,
//! `export = max(g − c, 0)` ([`flows`]), as a net-metering meter's registers do per interval.

use gridmask_primitives::{MeterId, Moment, PeriodIndex};

const DAY_MS: u64 = 86_400_000;

/// SplitMix64: tiny, well mixed, and enough for load simulation.
struct Mix(u64);

impl Mix {
	fn new(parts: &[u64]) -> Self {
		let mut m = Mix(0x6772_6964_6d61_736b); // "gridmask"
		for p in parts {
			m.0 ^= *p;
			m.next();
		}
		m
	}
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}
	/// Uniform in [0, 1).
	fn unit(&mut self) -> f64 {
		(self.next() >> 11) as f64 / (1u64 << 53) as f64
	}
}

/// The daily shape at `t_ms` (Unix ms): a multiple of the household's base load.
pub fn daily_factor(t_ms: Moment) -> f64 {
	let hour = (t_ms % DAY_MS) as f64 / 3_600_000.0;
	// 1970-01-01 was a Thursday: day 0 → Thursday, days 2 and 3 → Saturday and Sunday.
	let weekend = matches!((t_ms / DAY_MS) % 7, 2 | 3);
	let (morning, day) = if weekend { ((8.0, 11.0), 1.3) } else { ((6.0, 9.0), 1.0) };
	match hour {
		h if h < 6.0 => 0.6,
		h if h >= morning.0 && h < morning.1 => 1.8,
		h if h < 17.0 => day,
		h if h < 22.0 => 2.6,
		_ => 1.2,
	}
}

/// The consumption (Wh) of `meter` in `period`, which lasts `[start_ms, start_ms + period_ms)`.
pub fn consumption(
	seed: u64,
	meter: MeterId,
	period: PeriodIndex,
	start_ms: Moment,
	period_ms: u64,
) -> u64 {
	let scale = 0.6 + Mix::new(&[seed, meter]).unit();
	let mut r = Mix::new(&[seed, meter, u64::from(period)]);
	let noise = (r.unit() - 0.5) * 0.3;
	let mid = start_ms + period_ms / 2;
	let mut watts = 250.0 * scale * daily_factor(mid) * (1.0 + noise);
	if r.unit() < 0.08 {
		let power = 1_500.0 + 1_500.0 * r.unit();
		let share = 0.1 + 0.5 * r.unit();
		watts += power * share;
	}
	let hours = period_ms as f64 / 3_600_000.0;
	(watts * hours).round() as u64
}

/// The PV energy (Wh) the panels of prosumer `meter` generate in `period`, which lasts
/// `[start_ms, start_ms + period_ms)` (see the module docs).
pub fn generation(
	seed: u64,
	meter: MeterId,
	period: PeriodIndex,
	start_ms: Moment,
	period_ms: u64,
) -> u64 {
	let _ = period;
	let peak = 3_000.0 + 5_000.0 * Mix::new(&[seed, meter, 0x7076]).unit();
	let mid = start_ms + period_ms / 2;
	let day = mid / DAY_MS;
	let hour = (mid % DAY_MS) as f64 / 3_600_000.0;
	// Days since 1970-01-01, modulo the tropical year: the day of the year, without drift.
	let day_of_year = day as f64 % 365.2422;
	let daylight = 12.0 + 4.0 * (2.0 * std::f64::consts::PI * (day_of_year - 172.0) / 365.0).cos();
	let sunrise = 12.0 - daylight / 2.0;
	if hour <= sunrise || hour >= sunrise + daylight {
		return 0;
	}
	let sun = (std::f64::consts::PI * (hour - sunrise) / daylight).sin();
	let season = 0.3 + 0.7 * (daylight - 8.0) / 8.0;
	let cloud = 0.25 + 0.75 * Mix::new(&[seed, day, 0x636c]).unit();
	let hours = period_ms as f64 / 3_600_000.0;
	(peak * sun * season * cloud * hours).round() as u64
}

/// `(import, export)` Wh of a period in which a household consumed `consumption` Wh and its
/// panels generated `generation` Wh: what flowed from the grid, and what into it.
pub fn flows(consumption: u64, generation: u64) -> (u64, u64) {
	(consumption.saturating_sub(generation), generation.saturating_sub(consumption))
}

#[cfg(test)]
mod tests {
	use super::*;

	const HOUR: u64 = 3_600_000;
	/// Monday 2026-11-23 00:00 UTC.
	const MONDAY: u64 = 1_795_392_000_000;

	#[test]
	fn reproducible_and_meter_specific() {
		let a = consumption(1, 7, 100, MONDAY, 15 * 60_000);
		assert_eq!(a, consumption(1, 7, 100, MONDAY, 15 * 60_000));
		let others: Vec<u64> =
			(8..20).map(|m| consumption(1, m, 100, MONDAY, 15 * 60_000)).collect();
		assert!(others.iter().any(|&b| b != a));
		assert_ne!(consumption(2, 7, 100, MONDAY, 15 * 60_000), a, "the seed matters");
	}

	#[test]
	fn evening_peak_exceeds_night_and_weekend_mornings_shift() {
		assert_eq!((MONDAY / DAY_MS) % 7, 4, "fixture is a Monday");
		assert!(daily_factor(MONDAY + 19 * HOUR) > 2.0 * daily_factor(MONDAY + 3 * HOUR));
		assert_eq!(daily_factor(MONDAY + 7 * HOUR), 1.8);
		let saturday = MONDAY - 2 * DAY_MS;
		assert_eq!(daily_factor(saturday + 7 * HOUR), 1.3, "a late weekend morning");
		assert_eq!(daily_factor(saturday + 9 * HOUR), 1.8);
		// Over a day, 15-minute readings average near the model's mean (≈ 1.4 × 250 W × scale).
		let total: u64 =
			(0..96).map(|k| consumption(3, 1, k, MONDAY + k as u64 * 900_000, 900_000)).sum();
		assert!((3_000..20_000).contains(&total), "{total} Wh/day");
	}

	#[test]
	fn panels_generate_by_day_more_in_summer_and_prosumers_export_at_midday() {
		let quarter = 900_000;
		let at = |day_ms: u64, h: u64| generation(5, 9, 0, day_ms + h * HOUR, quarter);
		// Midnight and 05:00 in November: dark.
		assert_eq!((at(MONDAY, 0), at(MONDAY, 5)), (0, 0));
		let midsummer = MONDAY - 155 * DAY_MS; // 2026-06-21
		let summer_day: u64 =
			(0..96).map(|k| generation(5, 9, k, midsummer + k as u64 * quarter, quarter)).sum();
		let winter_day: u64 = (0..96)
			.map(|k| generation(5, 9, k, MONDAY + 28 * DAY_MS + k as u64 * quarter, quarter))
			.sum();
		assert!(summer_day > 3 * winter_day, "summer {summer_day} Wh, winter {winter_day} Wh");
		assert!(at(midsummer, 12) > at(midsummer, 8), "noon beats morning");
		assert_eq!(generation(5, 9, 0, midsummer + 12 * HOUR, quarter), at(midsummer, 12));
		// Flows: a household at midday in summer exports what it does not use.
		let (import, export) = flows(100, at(midsummer, 12));
		assert_eq!(import, 0);
		assert!(export > 0);
		assert_eq!(flows(500, 200), (300, 0));
		assert_eq!(flows(200, 500), (0, 300));
	}
}
