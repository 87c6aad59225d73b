//! Collection of readings on an aggregator node (PROTOCOL.md §4: the data aggregators receive
//! the meters' readings, check them and put them into blocks).
//!
//! - **`gridmask_submitReadings`** (a safe RPC method on the main port): a meter sends a batch
//!   of readings — each the SCALE bytes of its `submit_reading` transaction, or of the
//!   `SignedReading` inside it — and gets one answer per reading at once: `Accepted`, or the
//!   name of the refusal. The checks are the runtime's own ([`pallet_readings::check_unsigned`]:
//!   window, setup, replay, filter, in that order) run natively against the best block's state,
//!   the queue counting as stored; then the PRID signatures, batch-verified in native code.
//!   Collector-only refusals: `QueueFull`, `WindowFull` (see below), `Malformed`,
//!   `NotCollecting` (this node holds no current aggregator's key).
//! - **Bundles**: on every new best block, and again [`BUNDLE_LEAD_MS`] before each slot
//!   starts (so that what arrived during a slot is in the next block, whoever authors it), the
//!   node turns what it has queued into `Readings::submit_bundle` transactions (at most
//!   [`pallet_readings::CollectionLimits`] shares each), signs them with its Aura key and
//!   submits them to its own pool, which gossips them. A bundle not included after [`RESUBMIT_AFTER_BLOCKS`] is submitted again;
//!   the readings of a bundle leave the collector when the chain's sequence number passes it
//!   (stored, or skipped by the chain and then the meter's to re-send).
//!
//! - **`gridmask_collectorStatus`**: what the collector holds and has done (readings received
//!   and accepted, bundles, and the CPU time its checks and bundles took).
//!
//! A reading that could only reach a block stamped after its window closes is refused
//! `WindowClosed` at once (the runtime would skip it for that reason), rather than accepted and
//! then lost. On a chain of several aggregators one of them may be down and its slot empty, so
//! a reading is accepted only if a slot *after* the next one it can be bundled for still
//! starts before the window closes. Likewise a reading that the window's remaining blocks
//! (less that one) cannot take is refused `WindowFull` (send it to another aggregator): the
//! collector accepts it only if the shares waiting for a block — its own queue and every
//! bundle in its pool, its own and the other collectors' (gossiped) — and it fit into those
//! blocks at 90% of [`CollectionLimits::block_shares`] each.
//!
//! Readings the node accepted are lost if it stops before bundling them: meters check that
//! their shares reached the chain and send them again (to another aggregator if this one is
//! down), as they do for transactions.

use std::{
	collections::{BTreeMap, HashMap, VecDeque},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::{SystemTime, UNIX_EPOCH},
};

use codec::{Decode, DecodeAll, DecodeLimit, Encode};
use futures::StreamExt;
use gridmask_primitives::{
	bundle::{bundle_signing_message, verify_batch},
	BundledShare, Moment, PeriodIndex, Prid, RegionId, SignedReading, TimeParams,
};
use gridmask_runtime::{opaque::Block, Runtime, RuntimeCall, UncheckedExtrinsic};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};

use crate::metrics::CollectorMetrics;
use pallet_readings::{
	runtime_api::ReadingsApi, BundleGroup, BundleGroupsOf, CollectionLimits, CollectorKey,
	ReadingRejection, ReadingState, SetupInfo, StoredChunk,
};
use sc_client_api::{BlockchainEvents, StateBackend};
use sc_transaction_pool_api::{TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_consensus_aura::{sr25519::AuthorityId as AuraId, AuraApi};
use sp_core::{crypto::key_types::AURA, H256};
use sp_keystore::KeystorePtr;

use crate::service::FullClient;

/// Most readings in one `gridmask_submitReadings` call.
pub const MAX_BATCH: usize = 1_024;
/// Most readings the collector holds (queued or in a bundle not yet included): about 360 bytes
/// each (the reading in the queue and in the index by PRID, or its share in an encoded bundle),
/// 36 MB in all. At 2,222 readings/s that is 45 s of them.
pub const MAX_HELD: usize = 100_000;
/// How long before a slot starts the queue is bundled, so that the bundle is in the pools (this
/// node's, and by gossip the author's) when the slot's block is built.
pub const BUNDLE_LEAD_MS: u64 = 1_000;
/// A bundle holds at most 1/`BUNDLE_FRACTION` of the largest bundle that fits in a block
/// ([`CollectionLimits::max_shares`]), so that blocks pack full: the block builder adds a
/// bundle only if its whole weight fits, and a bundle is charged up front as if its batch
/// verification failed, then refunded, so a block holds more small bundles than the up-front
/// weights suggest (about 1 − 1/`BUNDLE_FRACTION` of the block's weight is used).
pub const BUNDLE_FRACTION: u32 = 8;
/// A bundle not included after this many blocks is submitted again (the pool may have dropped
/// it).
pub const RESUBMIT_AFTER_BLOCKS: u32 = 8;
/// A bundle not included after this many blocks is given up: its readings are bundled again
/// (from the chain's next sequence number; the pool has let it go by then, its longevity being
/// shorter).
pub const GIVE_UP_AFTER_BLOCKS: u32 = 80;

/// The answer to one reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
	/// Queued for a bundle (or already queued, the same reading).
	Accepted,
	/// Refused for the reason a block would refuse it.
	Refused(ReadingRejection),
	/// The collector holds [`MAX_HELD`] readings.
	QueueFull,
	/// The blocks left in the reading's window are taken by the readings this collector
	/// already holds.
	WindowFull,
	/// Neither a reading transaction nor a signed reading.
	Malformed,
	/// This node holds no current aggregator's key: send to another aggregator.
	NotCollecting,
}

impl Answer {
	/// The name the RPC answers with.
	pub fn name(self) -> &'static str {
		match self {
			Self::Accepted => "Accepted",
			Self::Refused(r) => r.name(),
			Self::QueueFull => "QueueFull",
			Self::WindowFull => "WindowFull",
			Self::Malformed => "Malformed",
			Self::NotCollecting => "NotCollecting",
		}
	}
}

/// The reading in `bytes`: a transaction calling `Readings::submit_reading` (the genesis hash is
/// this chain's), or a `SignedReading`.
pub fn decode_reading(bytes: &[u8], genesis: H256) -> Option<SignedReading> {
	if let Ok(xt) = UncheckedExtrinsic::decode_all_with_depth_limit(32, &mut &bytes[..]) {
		if let RuntimeCall::Readings(pallet_readings::Call::submit_reading {
			region,
			period,
			prid,
			masked,
			timestamp_ms,
			signature,
		}) = xt.function
		{
			return Some(
				BundledShare { prid, masked, timestamp_ms, signature }
					.reading(genesis, region, period),
			);
		}
		return None;
	}
	let mut reading = SignedReading::decode_all(&mut &bytes[..]).ok()?;
	reading.payload.genesis_hash = genesis;
	Some(reading)
}

/// A bundle submitted and not yet seen included.
struct InFlight {
	xt: sp_runtime::OpaqueExtrinsic,
	prids: Vec<Prid>,
	/// Block number when first submitted, and when last.
	first: u32,
	last: u32,
}

#[derive(Default)]
struct Held {
	/// Readings waiting for a bundle, oldest first.
	queue: VecDeque<SignedReading>,
	/// Every reading held, queued or in flight, by PRID.
	all: HashMap<Prid, SignedReading>,
	/// Bundles submitted, by sequence number (contiguous).
	in_flight: BTreeMap<u64, InFlight>,
	/// Shares in the bundles of the pool's ready set (every collector's), by transaction.
	pool: HashMap<H256, usize>,
	/// 90% of [`CollectionLimits::block_shares`], at the last best block.
	per_block: usize,
}

impl Held {
	/// Shares waiting for a block: queued here, or in a bundle in the pool.
	fn waiting(&self) -> usize {
		self.queue.len() + self.pool.values().sum::<usize>()
	}
}

/// Setups and filter chunks read from the chain: frozen once a period's window opened, so kept
/// until it closes.
#[derive(Default)]
struct Frozen {
	setups: HashMap<(RegionId, PeriodIndex), SetupInfo>,
	chunks: HashMap<(RegionId, PeriodIndex, u32), StoredChunk>,
}

/// What the collector did since the node started (`gridmask_collectorStatus`).
#[derive(Default)]
struct Stats {
	/// Readings received.
	received: AtomicU64,
	/// Readings accepted.
	accepted: AtomicU64,
	/// CPU time of the checks (this node's threads, ns).
	check_cpu_ns: AtomicU64,
	/// Bundles made.
	bundles: AtomicU64,
	/// Shares put into bundles.
	bundled: AtomicU64,
	/// CPU time of making bundles (grouping, encoding, hashing, signing; ns).
	bundle_cpu_ns: AtomicU64,
}

/// The CPU time of the calling thread (ns): what the collector's own work costs, apart from the
/// rest of the node.
fn thread_cpu_ns() -> u64 {
	let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
	// SAFETY: `clock_gettime` writes one `timespec` through the valid pointer given.
	let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
	if ok {
		(t.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec as u64)
	} else {
		0
	}
}

/// The collector's state, as `gridmask_collectorStatus` answers it.
#[derive(Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
	/// This node's aggregator key, if it collects.
	pub collector: Option<String>,
	/// Readings held (queued or in bundles not yet included).
	pub held: usize,
	/// Bundles submitted and not yet included.
	pub in_flight: usize,
	/// Readings received since the node started.
	pub received: u64,
	/// ... of which accepted.
	pub accepted: u64,
	/// CPU time of checking them, ns.
	pub check_cpu_ns: u64,
	/// Bundles made.
	pub bundles: u64,
	/// Shares put into bundles.
	pub bundled_shares: u64,
	/// CPU time of making the bundles, ns.
	pub bundle_cpu_ns: u64,
}

/// The collector of one node.
pub struct Collector {
	client: Arc<FullClient>,
	keystore: KeystorePtr,
	genesis: H256,
	/// This node's current aggregator key, if it has one.
	key: Mutex<Option<CollectorKey>>,
	held: Mutex<Held>,
	frozen: Mutex<Frozen>,
	stats: Stats,
	/// The chain's slot duration (ms).
	slot_ms: u64,
	/// The number of aggregators (Aura authorities) at the last best block.
	authorities: AtomicU64,
	/// Its Prometheus metrics, if the node serves them.
	metrics: Option<CollectorMetrics>,
}

/// The chain's state at one block, as [`ReadingState`], with the collector's held readings
/// counting as stored.
struct View<'a, S> {
	state: &'a S,
	collector: &'a Collector,
	/// The time parameters and the best block's timestamp: a setup is kept once the chain's own
	/// time is past its period's end (the window has opened: the KGC can no longer replace it).
	time: Option<TimeParams>,
	chain_now: Moment,
}

impl<S> View<'_, S> {
	fn frozen(&self, period: PeriodIndex) -> bool {
		self.time.and_then(|t| t.period_end(period)).is_some_and(|end| self.chain_now >= end)
	}
}

impl<S: StateBackend<sp_runtime::traits::BlakeTwo256>> View<'_, S> {
	fn read<T: Decode>(&self, key: &[u8]) -> Option<T> {
		let bytes = self.state.storage(key).ok().flatten()?;
		T::decode(&mut &bytes[..]).ok()
	}
}

impl<S: StateBackend<sp_runtime::traits::BlakeTwo256>> ReadingState for View<'_, S> {
	fn setup(&mut self, region: RegionId, period: PeriodIndex) -> Option<SetupInfo> {
		let mut frozen = self.collector.frozen.lock().expect("not poisoned");
		if let Some(s) = frozen.setups.get(&(region, period)) {
			return Some(s.clone());
		}
		let setup: SetupInfo =
			self.read(&pallet_readings::Setups::<Runtime>::hashed_key_for(region, period))?;
		if self.frozen(period) && setup.is_complete() {
			frozen.setups.insert((region, period), setup.clone());
		}
		Some(setup)
	}

	fn is_stored(&mut self, region: RegionId, period: PeriodIndex, prid: &Prid) -> bool {
		self.collector.held.lock().expect("not poisoned").all.contains_key(prid)
			|| self
				.state
				.exists_storage(&pallet_readings::Shares::<Runtime>::hashed_key_for(
					(region, period),
					prid,
				))
				.unwrap_or(false)
	}

	fn chunk(&mut self, region: RegionId, period: PeriodIndex, index: u32) -> Option<StoredChunk> {
		let mut frozen = self.collector.frozen.lock().expect("not poisoned");
		if let Some(c) = frozen.chunks.get(&(region, period, index)) {
			return Some(c.clone());
		}
		let chunk: StoredChunk = self.read(
			&pallet_readings::Bf1Chunks::<Runtime>::hashed_key_for((region, period), index),
		)?;
		if self.frozen(period) {
			frozen.chunks.insert((region, period, index), chunk.clone());
		}
		Some(chunk)
	}
}

fn wall_clock_ms() -> Moment {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Moment).unwrap_or(0)
}

impl Collector {
	/// The collector of the node with `client` and `keystore`.
	pub fn new(
		client: Arc<FullClient>,
		keystore: KeystorePtr,
		metrics: Option<CollectorMetrics>,
	) -> Arc<Self> {
		let info = client.info();
		let slot_ms =
			AuraApi::<Block, AuraId>::slot_duration(&*client.runtime_api(), info.best_hash)
				.map(|d| d.as_millis())
				.unwrap_or(6_000)
				.max(1);
		let collector = Arc::new(Self {
			genesis: info.genesis_hash,
			client,
			keystore,
			key: Mutex::new(None),
			held: Mutex::new(Held::default()),
			frozen: Mutex::new(Frozen::default()),
			stats: Stats::default(),
			slot_ms,
			authorities: AtomicU64::new(1),
			metrics,
		});
		collector.refresh_key(info.best_hash);
		// The room per block from the start (updated on every best block), so that the first
		// readings are not refused `WindowFull` for want of it.
		if let Ok(limits) = collector.client.runtime_api().collection_limits(info.best_hash) {
			collector.held.lock().expect("not poisoned").per_block = Self::room_per_block(&limits);
		}
		collector
	}

	/// This node's key among the Aura authorities at `at` (their number is kept too).
	fn refresh_key(&self, at: H256) -> Option<CollectorKey> {
		let authorities: Vec<AuraId> =
			AuraApi::<Block, AuraId>::authorities(&*self.client.runtime_api(), at)
				.unwrap_or_default();
		let mine = sp_keystore::Keystore::sr25519_public_keys(&*self.keystore, AURA);
		let key = mine.into_iter().find(|k| {
			authorities.iter().any(|a| {
				let raw: &sp_core::sr25519::Public = a.as_ref();
				raw == k
			})
		});
		*self.key.lock().expect("not poisoned") = key;
		self.authorities.store(authorities.len() as u64, Ordering::Relaxed);
		key
	}

	/// The best block's timestamp.
	fn chain_now<S: StateBackend<sp_runtime::traits::BlakeTwo256>>(state: &S) -> Moment {
		let key = pallet_timestamp::Now::<Runtime>::hashed_key();
		state
			.storage(&key)
			.ok()
			.flatten()
			.and_then(|b| Moment::decode(&mut &b[..]).ok())
			.unwrap_or(0)
	}

	/// The chain's time parameters once its clock has started.
	fn time<S: StateBackend<sp_runtime::traits::BlakeTwo256>>(state: &S) -> Option<TimeParams> {
		let bytes = state.storage(&pallet_readings::TimeConfig::<Runtime>::hashed_key()).ok()??;
		TimeParams::decode(&mut &bytes[..]).ok().and_then(TimeParams::started)
	}

	/// Checks `batch` and queues what passes: one answer per item, in order.
	pub fn submit(&self, batch: &[Vec<u8>]) -> Vec<Answer> {
		let cpu0 = thread_cpu_ns();
		let answers = self.check_and_queue(batch);
		let accepted = answers.iter().filter(|a| **a == Answer::Accepted).count();
		self.stats.received.fetch_add(batch.len() as u64, Ordering::Relaxed);
		self.stats.accepted.fetch_add(accepted as u64, Ordering::Relaxed);
		self.stats.check_cpu_ns.fetch_add(thread_cpu_ns().saturating_sub(cpu0), Ordering::Relaxed);
		if let Some(m) = &self.metrics {
			m.answered(&answers);
			m.held(self.held.lock().expect("not poisoned").all.len());
		}
		answers
	}

	fn check_and_queue(&self, batch: &[Vec<u8>]) -> Vec<Answer> {
		let mut answers = vec![Answer::NotCollecting; batch.len()];
		if self.key.lock().expect("not poisoned").is_none() {
			return answers;
		}
		let best = self.client.info().best_hash;
		let Ok(state) = self.client.state_at(best) else {
			return answers;
		};
		let time = Self::time(&state);
		let chain_now = Self::chain_now(&state);
		// Chain time as the next block will have it: the best block's, or this node's clock
		// if later.
		let now = chain_now.max(wall_clock_ms());
		let mut view = View { state: &state, collector: self, time, chain_now };
		// Cheap checks first, one by one; the signatures of those that pass, in one batch.
		let mut candidates: Vec<(usize, SignedReading, Moment)> = Vec::new();
		for (i, bytes) in batch.iter().enumerate() {
			let Some(reading) = decode_reading(bytes, self.genesis) else {
				answers[i] = Answer::Malformed;
				continue;
			};
			let held =
				self.held.lock().expect("not poisoned").all.get(&reading.payload.prid).cloned();
			if held.as_ref() == Some(&reading) {
				answers[i] = Answer::Accepted;
				continue;
			}
			let p = &reading.payload;
			match pallet_readings::check_unsigned(
				&mut view,
				time,
				now,
				p.region,
				p.period,
				&p.prid,
				p.masked.len(),
			) {
				Ok(close) if self.blocks_left(now, close) <= self.spare_slots() => {
					answers[i] = Answer::Refused(ReadingRejection::WindowClosed)
				},
				Ok(close) => candidates.push((i, reading, close)),
				Err(r) => answers[i] = Answer::Refused(r),
			}
		}
		let readings: Vec<SignedReading> = candidates.iter().map(|(_, r, _)| r.clone()).collect();
		let all_verify = verify_batch(&readings);
		let spare = self.spare_slots();
		let mut held = self.held.lock().expect("not poisoned");
		let (per_block, mut waiting) = (held.per_block, held.waiting());
		for (i, reading, close) in candidates {
			let blocks_left = self.blocks_left(now, close).saturating_sub(spare);
			answers[i] = if !all_verify && !reading.verify() {
				Answer::Refused(ReadingRejection::BadSignature)
			} else if let Some(other) = held.all.get(&reading.payload.prid) {
				// Queued meanwhile by a concurrent call.
				if *other == reading {
					Answer::Accepted
				} else {
					Answer::Refused(ReadingRejection::DuplicatePrid)
				}
			} else if held.all.len() >= MAX_HELD {
				Answer::QueueFull
			} else if waiting >= blocks_left.saturating_mul(per_block) {
				Answer::WindowFull
			} else {
				waiting += 1;
				held.all.insert(reading.payload.prid, reading.clone());
				held.queue.push_back(reading);
				Answer::Accepted
			};
		}
		answers
	}

	/// The start of the first slot whose block can hold a reading accepted at `now`: the first
	/// whose bundling time ([`BUNDLE_LEAD_MS`] before it) is still to come.
	fn next_bundled_slot(&self, now: Moment) -> Moment {
		(now.saturating_add(BUNDLE_LEAD_MS) / self.slot_ms).saturating_add(1) * self.slot_ms
	}

	/// What the collector counts on a block to take: 90% of `block_shares`.
	fn room_per_block(limits: &CollectionLimits) -> usize {
		(limits.block_shares / 10 * 9) as usize
	}

	/// The slots that start before `close` from the first a reading accepted at `now` can be
	/// bundled for.
	fn blocks_left(&self, now: Moment, close: Moment) -> usize {
		close.saturating_sub(self.next_bundled_slot(now)).div_ceil(self.slot_ms) as usize
	}

	/// Slots of the window not counted on: one if there are several aggregators (the slot's
	/// may be down), none if this node is the only one.
	fn spare_slots(&self) -> usize {
		usize::from(self.authorities.load(Ordering::Relaxed) > 1)
	}

	/// How long until the next bundling time ([`BUNDLE_LEAD_MS`] before a slot starts).
	fn until_next_bundling(&self, now: Moment) -> std::time::Duration {
		let at = self.next_bundled_slot(now).saturating_sub(BUNDLE_LEAD_MS);
		std::time::Duration::from_millis(at.saturating_sub(now).max(1))
	}

	/// What the collector holds and has done.
	pub fn status(&self) -> Status {
		let (held, in_flight) = {
			let held = self.held.lock().expect("not poisoned");
			(held.all.len(), held.in_flight.len())
		};
		let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
		Status {
			collector: self
				.key
				.lock()
				.expect("not poisoned")
				.map(|k| format!("0x{}", hex::encode(k.0))),
			held,
			in_flight,
			received: load(&self.stats.received),
			accepted: load(&self.stats.accepted),
			check_cpu_ns: load(&self.stats.check_cpu_ns),
			bundles: load(&self.stats.bundles),
			bundled_shares: load(&self.stats.bundled),
			bundle_cpu_ns: load(&self.stats.bundle_cpu_ns),
		}
	}

	/// On a new best block: forget included bundles, re-submit stale ones, bundle the queue.
	async fn on_best_block<P>(&self, hash: H256, number: u32, pool: &P)
	where
		P: TransactionPool<Block = Block, Hash = H256>,
	{
		let Some(key) = self.refresh_key(hash) else {
			return;
		};
		let Ok(state) = self.client.state_at(hash) else {
			return;
		};
		let next: u64 = state
			.storage(&pallet_readings::BundleSeqs::<Runtime>::hashed_key_for(key))
			.ok()
			.flatten()
			.and_then(|b| u64::decode(&mut &b[..]).ok())
			.unwrap_or(0);
		let limits = match self.client.runtime_api().collection_limits(hash) {
			Ok(l) => l,
			Err(e) => {
				log::warn!(target: "collector", "no collection limits at {hash}: {e}");
				return;
			},
		};
		let now = Self::chain_now(&state).max(wall_clock_ms());
		let time = Self::time(&state);
		self.forget_closed(time, now);
		let mut to_submit = Vec::new();
		{
			let mut held = self.held.lock().expect("not poisoned");
			let held = &mut *held;
			// Included (or given up by the chain's order): their readings are on chain now, or
			// skipped there, and no longer this node's.
			while let Some(entry) = held.in_flight.first_entry() {
				if *entry.key() >= next {
					break;
				}
				for prid in entry.remove().prids {
					held.all.remove(&prid);
				}
			}
			held.per_block = Self::room_per_block(&limits);
			let stuck = held
				.in_flight
				.first_key_value()
				.is_some_and(|(_, f)| number.saturating_sub(f.first) > GIVE_UP_AFTER_BLOCKS);
			if stuck {
				log::warn!(target: "collector", "bundles from {next} not included: bundling their readings again");
				let in_flight = core::mem::take(&mut held.in_flight);
				for f in in_flight.into_values().rev() {
					for prid in f.prids.iter().rev() {
						if let Some(r) = held.all.get(prid).cloned() {
							held.queue.push_front(r);
						}
					}
				}
			}
			for f in held.in_flight.values_mut() {
				if number.saturating_sub(f.last) >= RESUBMIT_AFTER_BLOCKS {
					f.last = number;
					to_submit.push(f.xt.clone());
				}
			}
			let mut seq = held.in_flight.last_key_value().map_or(next, |(s, _)| s + 1);
			while !held.queue.is_empty() && held.in_flight.len() <= limits.max_ahead as usize {
				let cpu0 = thread_cpu_ns();
				let Some((xt, prids)) = self.bundle(&mut held.queue, key, seq, &limits, time, now)
				else {
					break;
				};
				self.stats.bundles.fetch_add(1, Ordering::Relaxed);
				self.stats.bundled.fetch_add(prids.len() as u64, Ordering::Relaxed);
				self.stats
					.bundle_cpu_ns
					.fetch_add(thread_cpu_ns().saturating_sub(cpu0), Ordering::Relaxed);
				held.in_flight
					.insert(seq, InFlight { xt: xt.clone(), prids, first: number, last: number });
				to_submit.push(xt);
				seq += 1;
			}
			if let Some(m) = &self.metrics {
				m.held(held.all.len());
			}
		}
		for xt in to_submit {
			if let Err(e) = pool.submit_one(hash, TransactionSource::Local, xt).await {
				log::debug!(target: "collector", "bundle not submitted: {e}");
			}
		}
		// What waits in the pool now, the bundles just submitted included.
		let known = self.held.lock().expect("not poisoned").pool.clone();
		let in_pool = Self::pool_shares(pool, known);
		self.held.lock().expect("not poisoned").pool = in_pool;
	}

	/// The shares of every bundle in `pool`'s ready set, by transaction (those in `known`
	/// are not decoded again).
	fn pool_shares<P>(pool: &P, known: HashMap<H256, usize>) -> HashMap<H256, usize>
	where
		P: TransactionPool<Block = Block, Hash = H256>,
	{
		use sc_transaction_pool_api::InPoolTransaction;
		pool.ready()
			.filter_map(|tx| {
				let hash = *tx.hash();
				if let Some(n) = known.get(&hash) {
					return Some((hash, *n));
				}
				let xt = UncheckedExtrinsic::decode(&mut &tx.data().encode()[..]).ok()?;
				match xt.function {
					RuntimeCall::Readings(pallet_readings::Call::submit_bundle {
						groups, ..
					}) => Some((hash, pallet_readings::bundle_shares(&groups) as usize)),
					_ => None,
				}
			})
			.collect()
	}

	/// Forget readings whose window has closed, and the frozen setups of their periods.
	fn forget_closed(&self, time: Option<TimeParams>, now: Moment) {
		let Some(time) = time else { return };
		let closed = |period: PeriodIndex| {
			time.period_end(period).is_none_or(|end| now >= end.saturating_add(time.window_ms))
		};
		let mut held = self.held.lock().expect("not poisoned");
		let held = &mut *held;
		held.queue.retain(|r| !closed(r.payload.period));
		let in_flight: std::collections::HashSet<Prid> =
			held.in_flight.values().flat_map(|f| f.prids.iter().copied()).collect();
		let queued: std::collections::HashSet<Prid> =
			held.queue.iter().map(|r| r.payload.prid).collect();
		held.all.retain(|prid, _| queued.contains(prid) || in_flight.contains(prid));
		let mut frozen = self.frozen.lock().expect("not poisoned");
		frozen.setups.retain(|(_, p), _| !closed(*p));
		frozen.chunks.retain(|(_, p, _), _| !closed(*p));
	}

	/// One bundle from the front of `queue`: at most `limits.max_shares / BUNDLE_FRACTION`
	/// shares in at most
	/// `limits.max_groups` groups, readings of closed windows dropped. `None` if nothing is
	/// left or signing failed.
	fn bundle(
		&self,
		queue: &mut VecDeque<SignedReading>,
		key: CollectorKey,
		seq: u64,
		limits: &CollectionLimits,
		time: Option<TimeParams>,
		now: Moment,
	) -> Option<(sp_runtime::OpaqueExtrinsic, Vec<Prid>)> {
		let mut groups: BTreeMap<(RegionId, PeriodIndex), Vec<BundledShare>> = BTreeMap::new();
		let mut prids = Vec::new();
		let max_shares = limits.max_shares.div_ceil(BUNDLE_FRACTION).max(1) as usize;
		while let Some(r) = queue.front() {
			let group = (r.payload.region, r.payload.period);
			if prids.len() >= max_shares
				|| (!groups.contains_key(&group) && groups.len() >= limits.max_groups as usize)
			{
				break;
			}
			let r = queue.pop_front().expect("front exists");
			if pallet_readings::check_window(time, now, r.payload.period).is_err() {
				continue;
			}
			groups.entry(group).or_default().push(BundledShare::of(&r));
			prids.push(r.payload.prid);
		}
		if prids.is_empty() {
			return None;
		}
		let groups: BundleGroupsOf<Runtime> = groups
			.into_iter()
			.map(|((region, period), shares)| BundleGroup {
				region,
				period,
				shares: shares.try_into().expect("at most max_shares ≤ MaxBundleShares"),
			})
			.collect::<Vec<_>>()
			.try_into()
			.expect("at most max_groups = MaxBundleGroups");
		let contents = sp_io::hashing::blake2_256(&groups.encode());
		let message = bundle_signing_message(&self.genesis, &key.0, seq, &contents);
		let signature =
			match sp_keystore::Keystore::sr25519_sign(&*self.keystore, AURA, &key, &message) {
				Ok(Some(s)) => s,
				other => {
					log::warn!(target: "collector", "cannot sign a bundle with {key}: {other:?}");
					return None;
				},
			};
		let call = RuntimeCall::Readings(pallet_readings::Call::submit_bundle {
			collector: key,
			seq,
			groups,
			signature,
		});
		let xt = UncheckedExtrinsic::new_transaction(
			call,
			gridmask_runtime::tx_extension(sp_runtime::generic::Era::Immortal, 0, 0),
		);
		let opaque = sp_runtime::OpaqueExtrinsic::decode(&mut &xt.encode()[..]).ok()?;
		Some((opaque, prids))
	}
}

/// Bundles on every new best block, for as long as the node runs.
pub async fn run_bundler<P>(collector: Arc<Collector>, pool: Arc<P>)
where
	P: TransactionPool<Block = Block, Hash = H256> + 'static,
{
	let mut imports = collector.client.import_notification_stream();
	loop {
		let tick = tokio::time::sleep(collector.until_next_bundling(wall_clock_ms()));
		tokio::select! {
			n = imports.next() => match n {
				Some(n) if n.is_new_best => {
					collector.on_best_block(n.hash, n.header.number, &*pool).await
				},
				Some(_) => {},
				None => return,
			},
			() = tick => {
				let info = collector.client.info();
				collector.on_best_block(info.best_hash, info.best_number, &*pool).await;
			},
		}
	}
}

/// The RPC method `gridmask_submitReadings(readings: [hex bytes]) -> [answer names]`.
pub fn rpc(collector: Arc<Collector>) -> RpcModule<Arc<Collector>> {
	let mut module = RpcModule::new(collector);
	module
		.register_blocking_method("gridmask_submitReadings", |params, collector, _| {
			let batch: Vec<sp_core::Bytes> = params.one().map_err(|e| {
				ErrorObjectOwned::owned(
					-32602,
					format!("Malformed: expected one array of hex-encoded readings ({e})"),
					None::<()>,
				)
			})?;
			if batch.len() > MAX_BATCH {
				return Err(ErrorObjectOwned::owned(
					-32602,
					format!("BatchTooLarge: at most {MAX_BATCH} readings per call"),
					None::<()>,
				));
			}
			let batch: Vec<Vec<u8>> = batch.into_iter().map(|b| b.0).collect();
			Ok::<_, ErrorObjectOwned>(
				collector.submit(&batch).into_iter().map(|a| a.name()).collect::<Vec<_>>(),
			)
		})
		.expect("the method name is registered once");
	module
		.register_method("gridmask_collectorStatus", |_, collector, _| {
			Ok::<_, ErrorObjectOwned>(collector.status())
		})
		.expect("the method name is registered once");
	module
}
