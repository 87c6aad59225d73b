//! Time (PROTOCOL.md §2): periods, cycles, GGM leaf indices and the reading window.
//!
//! Everything is computed from the chain's timestamp (milliseconds), never from a node's clock.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{CycleIndex, LeafIndex, Moment, PeriodIndex, GGM_LEAVES};

/// Why a [`TimeParams`] is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum TimeError {
	/// `period_ms` is zero.
	ZeroPeriod,
	/// `periods_per_cycle` is zero or exceeds the 2^16 leaves of the depth-16 GGM tree.
	BadCycleLength,
	/// The reading window must be non-empty and no longer than a period, so that the windows of
	/// consecutive periods never overlap.
	BadWindow,
}

/// The chain's time parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct TimeParams {
	/// Timestamp (ms) at which period 0 starts.
	pub genesis_start_ms: Moment,
	/// Length of a period (paper: 30 min).
	pub period_ms: Moment,
	/// Periods per billing cycle (paper: 1440); at most 2^16, the GGM tree's leaves.
	pub periods_per_cycle: u32,
	/// How long after the end of period p its readings are accepted (paper: 5 min).
	pub window_ms: Moment,
}

impl TimeParams {
	/// Whether the clock has started: the chain sets `genesis_start_ms` in its first block with
	/// a timestamp (a chain spec leaves it 0, since nobody knows when the chain will start).
	pub fn is_started(&self) -> bool {
		self.genesis_start_ms != 0
	}

	/// These parameters, if the clock has started.
	pub fn started(self) -> Option<Self> {
		self.is_started().then_some(self)
	}

	/// Checks the invariants the other functions rely on.
	pub fn validate(&self) -> Result<(), TimeError> {
		if self.period_ms == 0 {
			return Err(TimeError::ZeroPeriod);
		}
		if self.periods_per_cycle == 0 || self.periods_per_cycle > GGM_LEAVES {
			return Err(TimeError::BadCycleLength);
		}
		if self.window_ms == 0 || self.window_ms > self.period_ms {
			return Err(TimeError::BadWindow);
		}
		Ok(())
	}

	/// The period containing `now`: `(now - genesis_start) / period_ms`; `None` before genesis or
	/// past the u32 range.
	pub fn period_at(&self, now: Moment) -> Option<PeriodIndex> {
		let since = now.checked_sub(self.genesis_start_ms)?;
		PeriodIndex::try_from(since.checked_div(self.period_ms)?).ok()
	}

	/// Start (ms) of period `p`.
	pub fn period_start(&self, p: PeriodIndex) -> Option<Moment> {
		self.genesis_start_ms.checked_add(Moment::from(p).checked_mul(self.period_ms)?)
	}

	/// End (ms, exclusive) of period `p`: readings for `p` are accepted from here.
	pub fn period_end(&self, p: PeriodIndex) -> Option<Moment> {
		self.period_start(p.checked_add(1)?)
	}

	/// Whether readings for `p` are accepted at chain time `now`: `end(p) <= now < end(p) + window`.
	pub fn window_open(&self, p: PeriodIndex, now: Moment) -> bool {
		match self.period_end(p) {
			Some(end) => now >= end && now - end < self.window_ms,
			None => false,
		}
	}

	/// Whether `p` is sealed at chain time `now` (its window has closed).
	pub fn is_sealed(&self, p: PeriodIndex, now: Moment) -> bool {
		match self.period_end(p).and_then(|end| end.checked_add(self.window_ms)) {
			Some(close) => now >= close,
			None => false,
		}
	}

	/// Cycle of period `p`: `p / periods_per_cycle`.
	pub fn cycle_of(&self, p: PeriodIndex) -> CycleIndex {
		p / self.periods_per_cycle.max(1)
	}

	/// GGM leaf of period `p` in its cycle: `p % periods_per_cycle` (< 2^16 once validated).
	pub fn leaf_of(&self, p: PeriodIndex) -> LeafIndex {
		(p % self.periods_per_cycle.max(1)) as LeafIndex
	}

	/// Global period index of leaf `k` of cycle `c`.
	pub fn period_of(&self, c: CycleIndex, k: LeafIndex) -> Option<PeriodIndex> {
		c.checked_mul(self.periods_per_cycle)?.checked_add(PeriodIndex::from(k))
	}
}

/// The period-of-day of global period `period` in a day of `day_periods` periods that starts
/// `day_offset` periods into period 0's day: `(period + day_offset) % day_periods`, in 64 bits
/// so that nothing overflows; 0 if `day_periods` is 0. Tariff bands are by period of day; the
/// chain prices by it and a bill's estimates group by it.
pub fn period_of_day(day_periods: u32, day_offset: u32, period: PeriodIndex) -> u32 {
	(u64::from(period) + u64::from(day_offset))
		.checked_rem(u64::from(day_periods))
		.map_or(0, |pod| pod as u32)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn params() -> TimeParams {
		TimeParams {
			genesis_start_ms: 1_000,
			period_ms: 60_000,
			periods_per_cycle: 1440,
			window_ms: 5_000,
		}
	}

	#[test]
	fn periods_cycles_leaves() {
		let t = params();
		assert_eq!(t.validate(), Ok(()));
		assert_eq!(t.period_at(999), None);
		assert_eq!(t.period_at(1_000), Some(0));
		assert_eq!(t.period_at(61_000), Some(1));
		assert_eq!(t.cycle_of(1439), 0);
		assert_eq!(t.cycle_of(1440), 1);
		assert_eq!(t.leaf_of(1441), 1);
		assert_eq!(t.period_of(1, 1), Some(1441));
		assert_eq!(t.period_end(0), Some(61_000));
	}

	#[test]
	fn window() {
		let t = params();
		assert!(!t.window_open(0, 60_999));
		assert!(t.window_open(0, 61_000));
		assert!(t.window_open(0, 65_999));
		assert!(!t.window_open(0, 66_000));
		assert!(!t.is_sealed(0, 65_999));
		assert!(t.is_sealed(0, 66_000));
	}

	#[test]
	fn invalid() {
		let mut t = params();
		t.periods_per_cycle = GGM_LEAVES + 1;
		assert_eq!(t.validate(), Err(TimeError::BadCycleLength));
		t = params();
		t.window_ms = t.period_ms + 1;
		assert_eq!(t.validate(), Err(TimeError::BadWindow));
		t.period_ms = 0;
		assert_eq!(t.validate(), Err(TimeError::ZeroPeriod));
	}
}
