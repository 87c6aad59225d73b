//! The invariants that connect the pallets (issue 17): what each pallet's `try_state` cannot see
//! on its own. The fuzz harness checks them after every block, with every pallet's own.
//!
//! - **Re-checks and faults**: a fault is `Checking` exactly when the readings pallet holds
//!   its complete resolution in the re-check queue, and `Collecting` exactly when it holds an
//!   incomplete one (`RecheckQueue` ⇔ `Rechecks` ⇔ `Faults::Checking`).
//! - **Faults and outcomes**: a fault awaiting or under check is a `Faulted` outcome; a
//!   resolved fault is a sealed one (with its aggregate, or withheld), a void fault a void one;
//!   every faulted outcome not yet pruned has a fault record.
//! - **Outcomes and prices**: a period sealed in any way (with an aggregate, withheld, void) has
//!   a price or an unpriced entry, with the same aggregate; a faulted one has neither.
//! - **Pruning and sealing**: `NextPrune` never passes `NextSeal` (checked by the readings
//!   pallet).

use crate::Runtime;
use pallet_faults::FaultStatus;
use pallet_readings::PeriodOutcome;
use sp_runtime::TryRuntimeError;

/// Every pallet's `try_state`, then the cross-pallet invariants.
pub fn all() -> Result<(), TryRuntimeError> {
	crate::Readings::do_try_state()?;
	crate::Meters::do_try_state()?;
	crate::Faults::do_try_state()?;
	crate::Pricing::do_try_state()?;
	crate::Billing::do_try_state()?;
	crate::Aggregators::do_try_state()?;
	cross_pallet()
}

/// The invariants of the module docs.
pub fn cross_pallet() -> Result<(), TryRuntimeError> {
	let queue = pallet_readings::RecheckQueue::<Runtime>::get();
	for (region, period, record) in pallet_faults::Faults::<Runtime>::iter() {
		let resolution = pallet_readings::Rechecks::<Runtime>::get(region, period);
		let outcome = pallet_readings::Outcomes::<Runtime>::get(region, period);
		let queued = queue.contains(&(region, period));
		match record.status {
			FaultStatus::Checking(_) => {
				ensure(
					resolution.is_some_and(|r| r.z_prime.is_some()) && queued,
					"a checking fault has no queued resolution",
				)?;
			},
			FaultStatus::Collecting(_) => {
				ensure(
					resolution.is_some_and(|r| r.z_prime.is_none()),
					"a collecting fault has no resolution being submitted",
				)?;
			},
			_ => ensure(resolution.is_none(), "a resolution of a fault not under check")?,
		}
		let pruned = period < pallet_readings::NextPrune::<Runtime>::get().period;
		match (&record.status, outcome) {
			(
				FaultStatus::Open
				| FaultStatus::Rejected
				| FaultStatus::Collecting(_)
				| FaultStatus::Checking(_),
				Some(PeriodOutcome::Faulted { .. }),
			) => {},
			(
				FaultStatus::Resolved { aggregate: Some(a), .. },
				Some(outcome @ PeriodOutcome::Sealed { .. }),
			) => ensure(
				Some(*a) == outcome.aggregate(),
				"a resolved fault's aggregate differs from the outcome's import aggregate",
			)?,
			(
				FaultStatus::Resolved { aggregate: None, .. },
				Some(PeriodOutcome::Withheld { .. }),
			) => {},
			(FaultStatus::Void, Some(PeriodOutcome::Void)) => {},
			_ if pruned => {},
			_ => return Err("a fault's status does not match its period's outcome".into()),
		}
	}
	for (region, period) in &queue {
		ensure(
			matches!(
				pallet_faults::Faults::<Runtime>::get(region, period).map(|f| f.status),
				Some(FaultStatus::Checking(_))
			),
			"a queued re-check of a fault that is not checking",
		)?;
	}
	for (region, period, outcome) in pallet_readings::Outcomes::<Runtime>::iter() {
		let price = pallet_pricing::Prices::<Runtime>::get(region, period);
		let unpriced = pallet_pricing::Unpriced::<Runtime>::get(region, period);
		match outcome {
			PeriodOutcome::Faulted { .. } => {
				ensure(price.is_none() && unpriced.is_none(), "a faulted period is priced")?;
				ensure(
					pallet_faults::Faults::<Runtime>::contains_key(region, period),
					"a faulted period has no fault record",
				)?;
			},
			sealed => {
				let aggregate = sealed.aggregate();
				match (price, unpriced) {
					(Some(p), None) => {
						ensure(p.aggregate == aggregate, "a price of another aggregate")?
					},
					(None, Some(a)) => ensure(a == aggregate, "unpriced with another aggregate")?,
					_ => return Err("a sealed period is neither priced nor unpriced".into()),
				}
			},
		}
	}
	Ok(())
}

fn ensure(ok: bool, what: &'static str) -> Result<(), TryRuntimeError> {
	if ok {
		Ok(())
	} else {
		Err(what.into())
	}
}
