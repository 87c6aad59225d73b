//! Tests of `pallet-readings`: every call and rejection through the real authorization path
//! (general transactions with `AuthorizeCall`), sealing (true aggregates from real meters, faults,
//! forgeries, many pairs, 10,000 shares), pruning, the committed test vectors and the runtime API.

use crate::{mock::*, traits::RegionRegistry, *};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	traits::Hooks,
	BoundedVec,
};
use gridmask_primitives::setup::PeriodSetup;
use gridmask_primitives::{
	t_commitment, Bf1, Bf1Params, MasterSecret, PeriodIndex, Prid, PridKey, ReadingPayload,
	ReadingSignature, SignedReading, TCommitment, Values,
};
use sp_core::H256;
use sp_runtime::{
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	DispatchError,
};

fn kgc() -> RuntimeOrigin {
	RuntimeOrigin::signed(KGC)
}

fn batch(entries: Vec<SetupEntry>) -> BoundedVec<SetupEntry, ConstU32<16>> {
	BoundedVec::truncate_from(entries)
}

use frame_support::{traits::ConstU32, weights::Weight};

fn rejected(r: ReadingRejection) -> Result<sp_runtime::DispatchResult, TransactionValidityError> {
	Err(r.into())
}

fn outcome(region: RegionId, period: PeriodIndex) -> Option<PeriodOutcome> {
	Outcomes::<Test>::get(region, period)
}

/// `Values` of a list.
fn vals(v: &[u64]) -> Values {
	Values::truncate_from(v.to_vec())
}

/// The outcome of a pair sealed with these per-channel aggregates and `count` shares.
fn sealed(aggregates: &[Option<u64>], count: u32) -> PeriodOutcome {
	PeriodOutcome::Sealed { aggregates: Aggregates::truncate_from(aggregates.to_vec()), count }
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Readings(e) = r.event { Some(e) } else { None })
		.collect()
}

mod api;
mod bundle;
mod channels;
mod chunks;
/// Submits both shares of each meter (except `absent`), returns Σ consumption submitted.
fn report(ms: &[MasterSecret], region: RegionId, period: PeriodIndex, absent: &[usize]) -> u64 {
	let mut total = 0u64;
	for (i, m) in ms.iter().enumerate() {
		if absent.contains(&i) {
			continue;
		}
		let consumption = 100 * (i as u64 + 1) + u64::from(region);
		for r in readings_of(m, region, period, consumption) {
			assert_eq!(submit(&r), Ok(Ok(())));
		}
		total += consumption;
	}
	total
}

/// Region 1's period 1 for `n` meters, its filter at 2^-`fp_exp`, published; in its window
/// every meter but those in `silent` sends both shares. Returns the setup, the Σ consumption
/// sent and the meters.
fn reported(n: usize, fp_exp: u8, silent: &[usize]) -> (PeriodSetup, u64, Vec<MasterSecret>) {
	let ms = meters(1, n);
	let s = period_setup(1, 1, &ms, fp_exp);
	publish(&s);
	advance_to(end_of(1) + 1_000);
	let c = report(&ms, 1, 1, silent);
	(s, c, ms)
}

/// Closes period 1's window and seals every pair.
fn close_and_seal() {
	advance_to(end_of(1) + WINDOW_MS);
	seal_all();
}

/// A reading of `value` in region 1, period 1, under a PRID that passes `bf1` but is not one of
/// the expected ones, signed with that PRID's key: a forgery that passes every check of the
/// authorization.
fn forged_reading(bf1: &Bf1, value: u64) -> SignedReading {
	let forger = (0u32..100_000)
		.map(|i| PridKey::from_leaf(&sp_io::hashing::blake2_256(&i.to_le_bytes())))
		.find(|k| bf1.contains(&k.prid()))
		.expect("a tiny filter lets many PRIDs through");
	let payload = ReadingPayload {
		genesis_hash: GENESIS,
		region: 1,
		period: 1,
		prid: forger.prid(),
		masked: vals(&[value]),
		timestamp_ms: end_of(1) + 10,
	};
	payload.sign(&forger).expect("signed with its own key")
}

mod clock;
mod pruning;
mod reading;
mod recheck;
mod sealing;
mod setup;
mod vectors;
