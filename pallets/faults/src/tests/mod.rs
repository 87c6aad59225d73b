//! Unit tests of the faults pallet: recording, every check and refusal of `submit_resolution`,
//! the outcome of checks (with a checker that really re-hashes T), suspension, the invariants,
//! and the off-chain worker end to end on real meters' secrets: the transaction it puts in the
//! pool is decoded, checked against values computed independently with `gridmask-primitives`,
//! and dispatched.

use crate::{
	mock::*,
	offchain::{
		back_off_until, claim_send, secrets_key, sent_key, ComputedResolution, OffchainError,
		SentResolution, MAX_BACKOFF_SHIFT, NEXT_KEY, SECRETS_PREFIX, SENT_PREFIX,
	},
	traits::CheckOutcome,
	weights::WeightInfo,
	Blame, Error, Event, FaultRecord, FaultStatus, Faults as FaultStore, Mark, Named, NamedOf,
	OpenFaults, PartOf,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, traits::Hooks, BoundedVec};
use gridmask_primitives::{MeterId, PeriodIndex, Prid, RegionId, Values};
use sp_core::offchain::StorageKind;
use sp_runtime::{
	generic::Preamble,
	traits::{Dispatchable, Verify},
	DispatchError, DispatchResult,
};

fn kgc_origin() -> RuntimeOrigin {
	RuntimeOrigin::signed(kgc())
}

fn part(v: Vec<(Prid, Mark)>) -> PartOf<Test> {
	BoundedVec::try_from(v).expect("within MaxEntriesPerPart")
}

fn status(region: RegionId, period: PeriodIndex) -> Option<crate::FaultStatusOf<Test>> {
	FaultStore::<Test>::get(region, period).map(|r| r.status)
}

fn open() -> Vec<(RegionId, PeriodIndex)> {
	OpenFaults::<Test>::get().into_inner()
}

/// Submit a complete one-part resolution of `s`.
fn submit(s: &Scenario, entries: Vec<(Prid, Mark)>, z_prime: Values) -> DispatchResult {
	Faults::submit_resolution(kgc_origin(), s.region, s.period, 0, part(entries), Some(z_prime))
}

/// Submit the correct resolution of `s`.
fn submit_correct(s: &Scenario) -> DispatchResult {
	submit(s, s.entries(), s.z_prime())
}

/// The entries of absent `(meter, PRID)`s and forged PRIDs, ascending.
fn marks(absent: Vec<(MeterId, Prid)>, forged: Vec<Prid>) -> Vec<(Prid, Mark)> {
	let mut v: Vec<(Prid, Mark)> = absent
		.into_iter()
		.map(|(m, p)| (p, Mark::Absent(m)))
		.chain(forged.into_iter().map(|p| (p, Mark::Forged)))
		.collect();
	v.sort_by_key(|(p, _)| *p);
	v
}

/// What a resolution names: `meters` each for `shares`, and the counts.
fn named(meters: &[(MeterId, u8)], absent: u32, lone: u32, forged: u32) -> NamedOf<Test> {
	Named {
		parts: 1,
		meters: BoundedVec::truncate_from(meters.to_vec()),
		overflow: false,
		absent,
		lone,
		forged,
	}
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Faults(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// An honest share's PRID of `meter` in `s`'s period (share A).
fn honest_prid(s: &Scenario, meter: MeterId) -> Prid {
	keys(meter, s.period).prids().0
}

mod channels;
mod check;
mod faulted;
mod invariants;
mod resolution;
mod worker;
