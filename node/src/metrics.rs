//! Prometheus metrics of the metering protocol, served with Substrate's own on the node's
//! Prometheus endpoint (`--prometheus-port`, 9615 by default, loopback unless
//! `--prometheus-external`): what an operator of a gridmask chain watches.
//!
//! | metric | kind | what it counts |
//! |---|---|---|
//! | `gridmask_collector_readings_total{answer}` | counter | readings this node's collector answered, by answer: `Accepted` or the refusal's name (`WindowClosed`, `BadSignature`, `QueueFull`, …) |
//! | `gridmask_collector_held_readings` | gauge | readings the collector holds (queued, or in bundles not yet included) |
//! | `gridmask_shares_stored_total` | counter | shares stored by finalized blocks (bundled or sent as transactions) |
//! | `gridmask_period_shares{region}` | gauge | shares of the region's latest period with an outcome (sealed or faulted) |
//! | `gridmask_periods_total{outcome}` | counter | periods `sealed`, `faulted` (a fault recorded) and `resolved` (a fault resolved) by finalized blocks |
//! | `gridmask_fault_resolution_seconds` | histogram | chain time from the close of a faulted period's window to the block that resolved its fault |
//! | `gridmask_setups_ahead{region}` | gauge | periods after the current one whose setup is published, i.e. that can open for readings |
//! | `gridmask_current_period` | gauge | the period containing the finalized head's time |
//!
//! The chain's figures follow finality (each finalized block once, in order, from the node's
//! start); the counters therefore start at 0 when the node starts, as Prometheus expects.

use std::{collections::BTreeMap, sync::Arc};

use codec::Decode;
use frame_support::storage::StoragePrefixedMap;
use futures::StreamExt;
use gridmask_primitives::{Moment, PeriodIndex, RegionId, TimeParams};
use gridmask_runtime::{Runtime, RuntimeEvent};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_core::{storage::StorageKey, H256};
use substrate_prometheus_endpoint::{
	register, Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, Opts,
	PrometheusError, Registry, U64,
};

use crate::{collector::Answer, service::FullClient};

/// Setups are searched this many periods ahead at most (two cycles of one-minute periods).
const MAX_SETUPS_AHEAD: PeriodIndex = 2 * 1440;

/// The collector's metrics.
#[derive(Clone)]
pub struct CollectorMetrics {
	readings: CounterVec<U64>,
	held: Gauge<U64>,
}

impl CollectorMetrics {
	/// Registers the collector's metrics with `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			readings: register(
				CounterVec::new(
					Opts::new(
						"gridmask_collector_readings_total",
						"Readings the collector answered, by answer (Accepted or the refusal)",
					),
					&["answer"],
				)?,
				registry,
			)?,
			held: register(
				Gauge::new(
					"gridmask_collector_held_readings",
					"Readings the collector holds: queued, or in bundles not yet included",
				)?,
				registry,
			)?,
		})
	}

	/// Counts the answers to one batch.
	pub fn answered(&self, answers: &[Answer]) {
		let mut by_name = BTreeMap::<&str, u64>::new();
		for a in answers {
			*by_name.entry(a.name()).or_default() += 1;
		}
		for (name, n) in by_name {
			self.readings.with_label_values(&[name]).inc_by(n);
		}
	}

	/// The number of readings held.
	pub fn held(&self, n: usize) {
		self.held.set(n as u64);
	}
}

/// The chain's metrics, from finalized blocks.
pub struct ChainMetrics {
	shares: Counter<U64>,
	period_shares: GaugeVec<U64>,
	periods: CounterVec<U64>,
	resolution: Histogram,
	setups_ahead: GaugeVec<U64>,
	current_period: Gauge<U64>,
}

impl ChainMetrics {
	/// Registers the chain's metrics with `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			shares: register(
				Counter::new(
					"gridmask_shares_stored_total",
					"Shares stored by finalized blocks (bundled or sent as transactions)",
				)?,
				registry,
			)?,
			period_shares: register(
				GaugeVec::new(
					Opts::new(
						"gridmask_period_shares",
						"Shares of the region's latest period with an outcome",
					),
					&["region"],
				)?,
				registry,
			)?,
			periods: register(
				CounterVec::new(
					Opts::new(
						"gridmask_periods_total",
						"Periods sealed, faulted and resolved by finalized blocks",
					),
					&["outcome"],
				)?,
				registry,
			)?,
			resolution: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"gridmask_fault_resolution_seconds",
						"Chain time from the close of a faulted period's window to its resolution",
					)
					.buckets(vec![6.0, 12.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0]),
				)?,
				registry,
			)?,
			setups_ahead: register(
				GaugeVec::new(
					Opts::new(
						"gridmask_setups_ahead",
						"Periods after the current one whose setup is published",
					),
					&["region"],
				)?,
				registry,
			)?,
			current_period: register(
				Gauge::new(
					"gridmask_current_period",
					"The period containing the finalized head's time",
				)?,
				registry,
			)?,
		})
	}
}

/// Reads the finalized chain's state at one block.
struct At<'a> {
	client: &'a FullClient,
	hash: H256,
}

impl At<'_> {
	fn read<T: Decode>(&self, key: Vec<u8>) -> Option<T> {
		let data = self.client.storage(self.hash, &StorageKey(key)).ok()??;
		T::decode(&mut &data.0[..]).ok()
	}

	fn has(&self, key: Vec<u8>) -> bool {
		matches!(self.client.storage_hash(self.hash, &StorageKey(key)), Ok(Some(_)))
	}

	fn now(&self) -> Moment {
		self.read(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec()).unwrap_or(0)
	}

	fn time(&self) -> Option<TimeParams> {
		self.read::<TimeParams>(pallet_readings::TimeConfig::<Runtime>::hashed_key().to_vec())
			.and_then(TimeParams::started)
	}

	fn events(&self) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
		// `System::Events` (the storage item is private to frame-system; its key is not).
		let key =
			[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
		self.read(key).unwrap_or_default()
	}

	/// Every registered region (`Meters::Regions` keys: `Twox64Concat` of the id).
	fn regions(&self) -> Vec<RegionId> {
		let prefix = pallet_meters::Regions::<Runtime>::final_prefix().to_vec();
		let Ok(keys) = self.client.storage_keys(self.hash, Some(&StorageKey(prefix.clone())), None)
		else {
			return Vec::new();
		};
		keys.filter_map(|k| RegionId::decode(&mut k.0.get(prefix.len() + 8..)?).ok()).collect()
	}

	fn has_setup(&self, region: RegionId, period: PeriodIndex) -> bool {
		self.has(pallet_readings::Setups::<Runtime>::hashed_key_for(region, period))
	}

	/// The number of consecutive periods after `current` whose setup is published: doubling,
	/// then bisecting, so that a region costs ~2·log2(ahead) reads (the KGC publishes setups
	/// as contiguous ranges).
	fn setups_ahead(&self, region: RegionId, current: PeriodIndex) -> PeriodIndex {
		let present =
			|k: PeriodIndex| current.checked_add(k).is_some_and(|p| self.has_setup(region, p));
		if !present(1) {
			return 0;
		}
		// Invariant: `present(lo)`, and `hi` is absent or past the cap.
		let (mut lo, mut hi) = (1, 2);
		while hi <= MAX_SETUPS_AHEAD && present(hi) {
			(lo, hi) = (hi, hi * 2);
		}
		let hi = hi.min(MAX_SETUPS_AHEAD + 1);
		let (mut lo, mut hi) = (lo, hi);
		while hi - lo > 1 {
			let mid = lo + (hi - lo) / 2;
			if present(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		lo
	}
}

impl ChainMetrics {
	/// Counts what one finalized block did.
	fn on_finalized(&self, at: &At) {
		for record in at.events() {
			match record.event {
				RuntimeEvent::Readings(pallet_readings::Event::ShareStored { .. }) => {
					self.shares.inc()
				},
				RuntimeEvent::Readings(pallet_readings::Event::BundleApplied {
					stored, ..
				}) => self.shares.inc_by(stored.into()),
				RuntimeEvent::Readings(pallet_readings::Event::PeriodSealed {
					region,
					count,
					..
				}) => {
					self.periods.with_label_values(&["sealed"]).inc();
					self.period_shares.with_label_values(&[&region.to_string()]).set(count.into());
				},
				RuntimeEvent::Readings(pallet_readings::Event::AggregationFault {
					region,
					received,
					..
				}) => {
					self.periods.with_label_values(&["faulted"]).inc();
					self.period_shares
						.with_label_values(&[&region.to_string()])
						.set(received.into());
				},
				RuntimeEvent::Faults(pallet_faults::Event::FaultResolved { period, .. }) => {
					self.periods.with_label_values(&["resolved"]).inc();
					let close = at.time().and_then(|t| {
						t.period_end(period).map(|end| end.saturating_add(t.window_ms))
					});
					if let Some(close) = close {
						self.resolution.observe(at.now().saturating_sub(close) as f64 / 1000.0);
					}
				},
				_ => {},
			}
		}
	}

	/// The gauges of the finalized head.
	fn on_head(&self, at: &At) {
		let Some(current) = at.time().and_then(|t| t.period_at(at.now())) else { return };
		self.current_period.set(current.into());
		for region in at.regions() {
			let ahead = at.setups_ahead(region, current);
			self.setups_ahead.with_label_values(&[&region.to_string()]).set(ahead.into());
		}
	}
}

/// Follows the finalized chain for [`ChainMetrics`] until the node stops.
pub async fn follow_finalized(client: Arc<FullClient>, metrics: ChainMetrics) {
	let mut finalized = client.finality_notification_stream();
	while let Some(n) = finalized.next().await {
		// `tree_route` lists the blocks finalized with this one, oldest first.
		for hash in n.tree_route.iter().copied().chain([n.hash]) {
			metrics.on_finalized(&At { client: &client, hash });
		}
		metrics.on_head(&At { client: &client, hash: n.hash });
	}
}
