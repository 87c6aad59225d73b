//! Fuzz harnesses for gridmask (`cargo fuzz`; the targets are in `fuzz_targets/`).
//!
//! The runtime targets run the real runtime natively (`gridmask-runtime` with `std`), in the
//! style of SRLabs' substrate-runtime-fuzzer: a prepared chain state is restored for every
//! input, blocks are built with `frame_executive` (an Aura pre-digest and the timestamp
//! inherent first, then the fuzzer's transactions, each validated as the pool would before
//! the block builder applies it), and after every block the invariants below are checked.
//!
//! The prepared state ([`Prepared`]): the `development` genesis, the metering clock started,
//! regions 1 and 2 with five registered meters each, the honest setups of periods 1 and 2
//! published, chain time inside the reading window of period 1. The harness knows every
//! meter's secrets, so it can send honest readings, readings mutated after signing, and
//! readings re-signed with the meter's real key over altered fields.
//!
//! Invariants (a panic is a finding):
//! - no panic in validation, dispatch or the block hooks (an inherent the pool refuses is
//!   never applied);
//! - what validation accepts, the block builder can apply;
//! - every pallet's `do_try_state` holds, and the total issuance equals the sum of balances;
//! - a reading re-signed over another genesis hash, or with another number of values than
//!   its region has channels, is never accepted by the pool, and every stored share is under
//!   a PRID of an honest reading for its (region, period) with one value per channel;
//! - a period sealed with all its shares has the meters' true total as its aggregate.

use arbitrary::{Arbitrary, Unstructured};
use codec::{DecodeLimit, Encode};
use frame_support::storage::{with_transaction, TransactionOutcome};
use gridmask_primitives::{reading::SignedReading, seed::PeriodKeys, PeriodIndex, RegionId};
use gridmask_runtime::{
	testing::{self, TestChain, METERS_PER_REGION, REGIONS},
	AccountId, Executive, Runtime, RuntimeCall, UncheckedExtrinsic,
};
use sp_core::{H256, U256};
use sp_runtime::{
	generic::{Digest, DigestItem},
	traits::Header as _,
	transaction_validity::{TransactionSource, TransactionValidity, TransactionValidityError},
	StateVersion,
};
use std::{collections::BTreeMap, sync::OnceLock};

/// The periods whose honest setups are in the prepared state.
pub const PERIODS: [PeriodIndex; 2] = [1, 2];
/// SCALE nesting limit for decoding fuzzed calls (the runtime's `MAX_EXTRINSIC_DEPTH`).
const MAX_DEPTH: u32 = 256;
/// Blocks and transactions per input: bounded so that one input stays fast.
const MAX_BLOCKS: usize = 8;
const MAX_TXS: usize = 24;

/// One honest reading and what the harness knows of it.
pub struct Honest {
	/// The reading as the meter sends it.
	pub reading: SignedReading,
	/// The meter's key pair for this period (to re-sign altered payloads).
	pub keys: PeriodKeys,
	/// Share A (`false`) or B (`true`).
	pub share_b: bool,
	/// The meter's true consumption.
	pub consumption: u64,
}

/// The prepared chain state and the honest readings of periods 1 and 2.
pub struct Prepared {
	snapshot: (Vec<(Vec<u8>, (Vec<u8>, i32))>, H256),
	/// Every meter's two readings of each of [`PERIODS`], both regions.
	pub honest: Vec<Honest>,
	/// The honest T of each (region, period), to tell whether the KGC replaced a setup.
	pub setups: BTreeMap<(RegionId, PeriodIndex), gridmask_primitives::TCommitment>,
	/// The genesis hash signed into readings.
	pub genesis: H256,
	/// Chain time of the prepared state.
	pub now: u64,
	/// The block the prepared state ends (the next one is `number + 1`).
	pub number: u32,
}

/// The prepared state, built once per process.
pub fn prepared() -> &'static Prepared {
	static PREPARED: OnceLock<Prepared> = OnceLock::new();
	PREPARED.get_or_init(Prepared::build)
}

impl Prepared {
	fn build() -> Self {
		let mut ext = testing::ext_for("development");
		let (honest, setups, genesis, now, number) = ext.execute_with(|| {
			let chain = TestChain::start();
			let mut honest = Vec::new();
			let mut setups = BTreeMap::new();
			for period in PERIODS {
				for region in REGIONS {
					let s = chain.setup(region, period);
					chain.publish(&s, &s.bf1);
					setups.insert((region, period), s.t);
					for i in 0..METERS_PER_REGION {
						let consumption = 100 + 7 * i as u64 + u64::from(period);
						let keys = chain.secrets[&region][i]
							.cycle_seeds(chain.time.cycle_of(period))
							.period_keys(chain.time.leaf_of(period));
						for (k, reading) in
							chain.readings(region, i, period, consumption).into_iter().enumerate()
						{
							honest.push(Honest {
								reading,
								keys: keys.clone(),
								share_b: k == 1,
								consumption,
							});
						}
					}
				}
			}
			// Inside period 1's window, on a slot boundary, between blocks.
			let now = chain.window_open(1) + 6_000;
			testing::set_now(now);
			let number = frame_system::Pallet::<Runtime>::block_number();
			// Between blocks, as after `finalize_block`.
			frame_system::Pallet::<Runtime>::reset_events();
			(honest, setups, chain.genesis, now, number)
		});
		ext.commit_all().expect("no open transactions");
		Self { snapshot: ext.into_raw_snapshot(), honest, setups, genesis, now, number }
	}

	/// A fresh copy of the prepared state.
	pub fn ext(&self) -> sp_io::TestExternalities {
		let (raw, root) = self.snapshot.clone();
		sp_io::TestExternalities::from_raw_snapshot(raw, root, StateVersion::V1)
	}

	/// The honest reading `index` (modulo their number).
	pub fn honest(&self, index: u8) -> &Honest {
		&self.honest[usize::from(index) % self.honest.len()]
	}
}

/// What the fuzzer may do to an honest reading.
#[derive(Debug, Clone)]
pub enum Mutation {
	/// Sent as is (a replay if sent before).
	None,
	/// A field changed after signing.
	Region(RegionId),
	Period(PeriodIndex),
	Value(u64),
	Timestamp(u64),
	PridByte {
		at: u8,
		xor: u8,
	},
	SignatureByte {
		at: u8,
		xor: u8,
	},
	/// Another reading's signature or PRID.
	SignatureOf(u8),
	PridOf(u8),
	/// Re-signed with the meter's real key over altered fields (a lying or confused meter).
	Resigned {
		genesis_xor: u8,
		/// A value more than the region's channels (a share of the wrong shape).
		extra: Option<u64>,
		region: Option<RegionId>,
		period: Option<PeriodIndex>,
		value: Option<u64>,
	},
}

impl Mutation {
	/// The reading `h` with this mutation, and whether it must never be accepted although
	/// validly signed: over another chain's genesis hash, or of the wrong shape.
	pub fn apply(&self, p: &Prepared, h: &Honest) -> (SignedReading, bool) {
		let mut r = h.reading.clone();
		match self {
			Self::None => {},
			Self::Region(x) => r.payload.region = *x,
			Self::Period(x) => r.payload.period = *x,
			Self::Value(x) => r.payload.masked[0] = *x,
			Self::Timestamp(x) => r.payload.timestamp_ms = *x,
			Self::PridByte { at, xor } => r.payload.prid.0[usize::from(*at) % 32] ^= xor,
			Self::SignatureByte { at, xor } => r.signature.0[usize::from(*at) % 64] ^= xor,
			Self::SignatureOf(i) => r.signature = p.honest(*i).reading.signature,
			Self::PridOf(i) => r.payload.prid = p.honest(*i).reading.payload.prid,
			Self::Resigned { genesis_xor, extra, region, period, value } => {
				let mut payload = r.payload;
				payload.genesis_hash.0[0] ^= genesis_xor;
				payload.region = region.unwrap_or(payload.region);
				payload.period = period.unwrap_or(payload.period);
				payload.masked[0] = value.unwrap_or(payload.masked[0]);
				if let Some(x) = extra {
					// At most MAX_CHANNELS values: a share of the most channels stays as it is.
					let _ = payload.masked.try_push(*x);
				}
				let key = if h.share_b { &h.keys.key_b } else { &h.keys.key_a };
				r = payload.sign(key).expect("the key of this PRID");
				let wrong_shape = r.payload.masked.len() != h.reading.payload.masked.len();
				return (r, *genesis_xor != 0 || wrong_shape);
			},
		}
		(r, false)
	}
}

/// One transaction of a fuzzed block.
#[derive(Debug)]
pub enum Tx {
	/// An honest reading, possibly mutated, as a general (account-less) transaction.
	Reading { index: u8, mutation: Mutation },
	/// A call decoded from bytes, signed by one of the dev accounts (Alice is sudo, Bob the
	/// KGC, Charlie the CC; Dave, Eve and Ferdie hold no role).
	Signed { signer: u8, call: Vec<u8> },
	/// A call decoded from bytes, as a general transaction.
	General { call: Vec<u8> },
	/// A call decoded from bytes, as a bare extrinsic (what an inherent looks like).
	Bare { call: Vec<u8> },
	/// Whole extrinsic bytes, as a peer or an RPC client could send.
	Raw(Vec<u8>),
}

/// One fuzzed block: how many slots after the previous one, and its transactions.
#[derive(Debug)]
pub struct Block {
	pub skip_slots: u8,
	pub txs: Vec<Tx>,
}

fn decode_call(bytes: &[u8]) -> Option<RuntimeCall> {
	RuntimeCall::decode_all_with_depth_limit(MAX_DEPTH, &mut &bytes[..]).ok()
}

fn keyring(i: u8) -> sp_keyring::Sr25519Keyring {
	use sp_keyring::Sr25519Keyring::*;
	[Alice, Bob, Charlie, Dave, Eve, Ferdie][usize::from(i) % 6]
}

/// The pool's validation of `xt`, on the state between blocks, rolled back.
pub fn validate(xt: &UncheckedExtrinsic) -> TransactionValidity {
	let parent = frame_system::Pallet::<Runtime>::parent_hash();
	with_transaction(|| {
		let r = Executive::validate_transaction(TransactionSource::External, xt.clone(), parent);
		TransactionOutcome::Rollback(Ok::<_, sp_runtime::DispatchError>(r))
	})
	.expect("rollback cannot fail")
}

/// The runtime's fuzzing state: the chain and the record the invariants need.
pub struct Harness<'a> {
	p: &'a Prepared,
	now: u64,
	number: u32,
	/// Signed transactions per account in the block being prepared (their nonces follow).
	pending: BTreeMap<AccountId, u32>,
}

impl<'a> Harness<'a> {
	/// Call inside `p.ext().execute_with`.
	pub fn new(p: &'a Prepared) -> Self {
		Self { p, now: p.now, number: p.number, pending: BTreeMap::new() }
	}

	/// Turns `tx` into what the block builder would get, if the pool accepts it.
	fn prepare(&mut self, tx: &Tx) -> Option<UncheckedExtrinsic> {
		let xt = match tx {
			Tx::Reading { index, mutation } => {
				let (r, forbidden) = mutation.apply(self.p, self.p.honest(*index));
				let xt = testing::general_tx(testing::reading_call(&r));
				let v = validate(&xt);
				if forbidden {
					assert!(
						v.is_err(),
						"a reading signed over another genesis, or of the wrong shape, was accepted"
					);
				}
				return v.ok().map(|_| xt);
			},
			Tx::General { call } => testing::general_tx(decode_call(call)?),
			Tx::Bare { call } => UncheckedExtrinsic::new_bare(decode_call(call)?),
			Tx::Raw(bytes) => {
				UncheckedExtrinsic::decode_all_with_depth_limit(MAX_DEPTH, &mut &bytes[..]).ok()?
			},
			Tx::Signed { signer: s, call } => {
				let key = keyring(*s);
				let who = key.to_account_id();
				let pending = self.pending.entry(who.clone()).or_default();
				let nonce = frame_system::Pallet::<Runtime>::account_nonce(&who) + *pending;
				*pending += 1;
				testing::signed_tx(key, decode_call(call)?, nonce)
			},
		};
		validate(&xt).ok().map(|_| xt)
	}

	/// Builds one block: Aura pre-digest, timestamp inherent, the transactions the pool
	/// accepted (each applied as the block builder does), finalization; then the invariants.
	pub fn block(&mut self, b: &Block) {
		self.pending.clear();
		let accepted: Vec<UncheckedExtrinsic> =
			b.txs.iter().take(MAX_TXS).filter_map(|tx| self.prepare(tx)).collect();

		self.now += 6_000 * (1 + u64::from(b.skip_slots % 32));
		self.number += 1;
		let slot = sp_consensus_aura::Slot::from(self.now / 6_000);
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(sp_consensus_aura::AURA_ENGINE_ID, slot.encode())],
		};
		let parent = frame_system::Pallet::<Runtime>::block_hash(self.number - 1);
		let header = gridmask_runtime::Header::new(
			self.number,
			Default::default(),
			Default::default(),
			parent,
			digest,
		);
		Executive::initialize_block(&header);
		let inherent =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now: self.now,
			}));
		Executive::apply_extrinsic(inherent)
			.expect("the timestamp inherent applies")
			.expect("the timestamp inherent dispatches");
		for xt in accepted {
			// A refusal here is the block builder skipping a transaction that became invalid
			// (e.g. a replay of one earlier in the block): allowed, never a panic.
			let _ = Executive::apply_extrinsic(xt);
		}
		let header = Executive::finalize_block();
		// What the next block's parent hash is: the header's hash, as the node records it.
		frame_system::BlockHash::<Runtime>::insert(self.number, header.hash());
		self.check();
	}

	/// The invariants of the module docs.
	pub fn check(&self) {
		// Every pallet's try_state and the invariants that connect them.
		gridmask_runtime::invariants::all().expect("runtime invariants");

		let total: U256 = frame_system::Account::<Runtime>::iter_values()
			.map(|a| U256::from(a.data.free) + U256::from(a.data.reserved))
			.fold(U256::zero(), |a, b| a + b);
		assert_eq!(
			total,
			U256::from(pallet_balances::TotalIssuance::<Runtime>::get()),
			"total issuance is the sum of balances"
		);

		let honest: BTreeMap<(RegionId, PeriodIndex, [u8; 32]), &Honest> = self
			.p
			.honest
			.iter()
			.map(|h| {
				((h.reading.payload.region, h.reading.payload.period, h.reading.payload.prid.0), h)
			})
			.collect();
		for ((region, period), prid, share) in pallet_readings::Shares::<Runtime>::iter() {
			if self.p.setups.contains_key(&(region, period)) && self.honest_setup(region, period) {
				assert!(
					honest.contains_key(&(region, period, prid.0)),
					"a share under a PRID no meter holds is stored in ({region}, {period})"
				);
			}
			let channels =
				pallet_readings::Setups::<Runtime>::get(region, period).map(|s| s.z.len());
			assert_eq!(
				Some(share.masked.len()),
				channels,
				"a share of the wrong shape is stored in ({region}, {period})"
			);
		}
		for (region, period) in self.p.setups.keys() {
			if !self.honest_setup(*region, *period) {
				continue;
			}
			if let Some(outcome @ pallet_readings::PeriodOutcome::Sealed { count, .. }) =
				pallet_readings::Outcomes::<Runtime>::get(region, period)
			{
				let aggregate = outcome.aggregate().expect("import is always published");
				if count as usize == 2 * METERS_PER_REGION {
					let truth: u64 = self
						.p
						.honest
						.iter()
						.filter(|h| {
							h.reading.payload.region == *region
								&& h.reading.payload.period == *period
								&& !h.share_b
						})
						.map(|h| h.consumption)
						.sum();
					assert_eq!(aggregate, truth, "the aggregate of ({region}, {period})");
				}
			}
		}
	}

	/// Whether (region, period) still has the honest setup (the KGC may replace a future one).
	fn honest_setup(&self, region: RegionId, period: PeriodIndex) -> bool {
		pallet_readings::Setups::<Runtime>::get(region, period)
			.is_some_and(|s| Some(&s.t) == self.p.setups.get(&(region, period)))
	}
}

/// Runs `blocks` (at most [`MAX_BLOCKS`]) from the prepared state.
pub fn run_blocks(blocks: &[Block]) {
	let p = prepared();
	p.ext().execute_with(|| {
		let mut h = Harness::new(p);
		for b in blocks.iter().take(MAX_BLOCKS) {
			h.block(b);
		}
	});
}

/// Validates one reading-shaped input against the prepared state (the `submit_reading` target).
pub fn check_reading_input(input: &ReadingInput) {
	let p = prepared();
	p.ext().execute_with(|| {
		let mut h = Harness::new(p);
		h.now += input.clock_ms % 120_000;
		testing::set_now(h.now);
		let xt = match &input.kind {
			ReadingKind::Mutated { index, mutation } => {
				let (r, forbidden) = mutation.apply(p, p.honest(*index));
				let xt = testing::general_tx(testing::reading_call(&r));
				let v = validate(&xt);
				if forbidden {
					assert!(
						v.is_err(),
						"a reading signed over another genesis, or of the wrong shape, was accepted"
					);
				}
				if v.is_ok() {
					let honest = p.honest.iter().any(|x| {
						x.reading.payload.prid == r.payload.prid
							&& x.reading.payload.region == r.payload.region
							&& x.reading.payload.period == r.payload.period
					});
					assert!(honest, "a reading under a PRID no meter holds was accepted");
				}
				xt
			},
			ReadingKind::Raw(bytes) => {
				let Ok(xt) =
					UncheckedExtrinsic::decode_all_with_depth_limit(MAX_DEPTH, &mut &bytes[..])
				else {
					return;
				};
				if let Ok(valid) = validate(&xt) {
					// Nothing but an honest reading can pass the pool without a signature.
					let ok = matches!(
						&xt.function,
						RuntimeCall::Readings(pallet_readings::Call::submit_reading { prid, .. })
							if p.honest.iter().any(|x| x.reading.payload.prid == *prid)
					);
					assert!(ok, "the pool accepted {:?} ({valid:?})", xt.function);
				}
				xt
			},
		};
		// What the pool accepted, the block builder can apply, once.
		if validate(&xt).is_ok() {
			let r = testing::apply(xt.clone()).expect("valid in the pool, so applicable");
			assert!(r.is_ok(), "an authorized reading dispatches: {r:?}");
			assert!(
				matches!(validate(&xt), Err(TransactionValidityError::Invalid(_))),
				"a stored reading cannot be sent again"
			);
		}
	});
}

/// The input of the `submit_reading` target.
#[derive(Debug)]
pub struct ReadingInput {
	/// Added to the chain time of the prepared state (modulo two minutes).
	pub clock_ms: u64,
	pub kind: ReadingKind,
}

/// An extrinsic as bytes, or an honest reading mutated.
#[derive(Debug)]
pub enum ReadingKind {
	Raw(Vec<u8>),
	Mutated { index: u8, mutation: Mutation },
}

// `Arbitrary` by hand, not by `derive`: the node's wasmtime depends on `arbitrary` too, and a
// feature only this crate enabled would make `cargo test --workspace` and the node build compile
// wasmtime, and everything above it, twice.

impl<'a> Arbitrary<'a> for Mutation {
	fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(match u.int_in_range(0u8..=9)? {
			0 => Self::None,
			1 => Self::Region(u.arbitrary()?),
			2 => Self::Period(u.arbitrary()?),
			3 => Self::Value(u.arbitrary()?),
			4 => Self::Timestamp(u.arbitrary()?),
			5 => Self::PridByte { at: u.arbitrary()?, xor: u.arbitrary()? },
			6 => Self::SignatureByte { at: u.arbitrary()?, xor: u.arbitrary()? },
			7 => Self::SignatureOf(u.arbitrary()?),
			8 => Self::PridOf(u.arbitrary()?),
			_ => Self::Resigned {
				genesis_xor: u.arbitrary()?,
				extra: u.arbitrary()?,
				region: u.arbitrary()?,
				period: u.arbitrary()?,
				value: u.arbitrary()?,
			},
		})
	}
}

impl<'a> Arbitrary<'a> for Tx {
	fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(match u.int_in_range(0u8..=4)? {
			0 => Self::Reading { index: u.arbitrary()?, mutation: u.arbitrary()? },
			1 => Self::Signed { signer: u.arbitrary()?, call: u.arbitrary()? },
			2 => Self::General { call: u.arbitrary()? },
			3 => Self::Bare { call: u.arbitrary()? },
			_ => Self::Raw(u.arbitrary()?),
		})
	}
}

impl<'a> Arbitrary<'a> for Block {
	fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(Self { skip_slots: u.arbitrary()?, txs: u.arbitrary()? })
	}

	fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(Self { skip_slots: u.arbitrary()?, txs: Vec::arbitrary_take_rest(u)? })
	}
}

impl<'a> Arbitrary<'a> for ReadingKind {
	fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(if u.arbitrary::<bool>()? {
			Self::Raw(u.arbitrary()?)
		} else {
			Self::Mutated { index: u.arbitrary()?, mutation: u.arbitrary()? }
		})
	}
}

impl<'a> Arbitrary<'a> for ReadingInput {
	fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
		Ok(Self { clock_ms: u.arbitrary()?, kind: u.arbitrary()? })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The harness itself: an honest run seals both regions' period 1 with the true totals,
	/// and a forged or replayed reading changes nothing.
	#[test]
	fn honest_run_seals_and_forgeries_are_refused() {
		let p = prepared();
		let period1: Vec<Tx> = (0..p.honest.len() as u8)
			.filter(|i| p.honest(*i).reading.payload.period == 1)
			.map(|i| Tx::Reading { index: i, mutation: Mutation::None })
			.collect();
		let forged = vec![
			Tx::Reading { index: 0, mutation: Mutation::None },
			Tx::Reading { index: 1, mutation: Mutation::Value(5) },
			Tx::Reading {
				index: 2,
				mutation: Mutation::Resigned {
					genesis_xor: 1,
					extra: None,
					region: None,
					period: None,
					value: None,
				},
			},
			// Validly signed by the meter, but one value more than the region has channels.
			Tx::Reading {
				index: 3,
				mutation: Mutation::Resigned {
					genesis_xor: 0,
					extra: Some(7),
					region: None,
					period: None,
					value: None,
				},
			},
		];
		p.ext().execute_with(|| {
			let mut h = Harness::new(p);
			h.block(&Block { skip_slots: 0, txs: period1 });
			let stored = pallet_readings::Shares::<Runtime>::iter().count();
			assert_eq!(stored, 2 * METERS_PER_REGION * REGIONS.len());
			h.block(&Block { skip_slots: 0, txs: forged });
			assert_eq!(pallet_readings::Shares::<Runtime>::iter().count(), stored);
			for _ in 0..6 {
				h.block(&Block { skip_slots: 2, txs: vec![] });
			}
			for region in REGIONS {
				assert!(
					matches!(
						pallet_readings::Outcomes::<Runtime>::get(region, 1),
						Some(pallet_readings::PeriodOutcome::Sealed { count: 10, .. })
					),
					"region {region} sealed"
				);
			}
		});
	}

	/// Signed calls go through signature, nonce and fee checks and dispatch with their role:
	/// the KGC's (Bob) two calls in one block both apply, the same call by Dave is included
	/// and fails (`BadOrigin`), and garbage call bytes are dropped before the pool.
	#[test]
	fn signed_calls_dispatch_with_their_signers_role() {
		let p = prepared();
		let create = |region: u32| {
			RuntimeCall::Meters(pallet_meters::Call::create_region {
				region,
				name: Default::default(),
				aggregators: Default::default(),
			})
			.encode()
		};
		p.ext().execute_with(|| {
			let mut h = Harness::new(p);
			let dave = sp_keyring::Sr25519Keyring::Dave.to_account_id();
			h.block(&Block {
				skip_slots: 0,
				txs: vec![
					Tx::Signed { signer: 1, call: create(7) },
					Tx::Signed { signer: 1, call: create(8) },
					Tx::Signed { signer: 3, call: create(9) },
					Tx::Signed { signer: 1, call: vec![0xff, 0x00, 0x01] },
				],
			});
			assert!(pallet_meters::Regions::<Runtime>::contains_key(7));
			assert!(pallet_meters::Regions::<Runtime>::contains_key(8));
			assert!(!pallet_meters::Regions::<Runtime>::contains_key(9));
			assert_eq!(
				frame_system::Pallet::<Runtime>::account_nonce(&dave),
				1,
				"Dave's call was included"
			);
		});
	}
}
