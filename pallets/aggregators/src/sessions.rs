//! When sessions rotate: every `Period` blocks at the earliest, and only at a quiet time.
//!
//! `pallet-session` charges the block in which a session rotates its whole weight
//! (`max_block`), so that block takes no transaction. With `PeriodicSessions` the rotation
//! falls wherever the block count says — on a metering chain, inside a reading window as often
//! as not, where it costs the window one block of readings. [`QuietSessions`] waits instead
//! for a time the runtime calls quiet ([`QuietTime`]; gridmask: between reading windows).

use core::marker::PhantomData;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

use crate::{Config, LastRotation};

/// Whether now is a good time for a block that takes no transactions.
pub trait QuietTime {
	/// `true`: a session may rotate in the block being built.
	fn is_quiet() -> bool;
}

/// Always quiet: rotations fall every `Period` blocks, as with `PeriodicSessions`.
impl QuietTime for () {
	fn is_quiet() -> bool {
		true
	}
}

/// `pallet_session::ShouldEndSession`: a session ends in the first quiet block at least
/// `Period` blocks after the last rotation ([`LastRotation`]).
pub struct QuietSessions<T, Period, Quiet>(PhantomData<(T, Period, Quiet)>);

impl<T, Period, Quiet> pallet_session::ShouldEndSession<BlockNumberFor<T>>
	for QuietSessions<T, Period, Quiet>
where
	T: Config,
	Period: Get<BlockNumberFor<T>>,
	Quiet: QuietTime,
{
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		now >= LastRotation::<T>::get().saturating_add(Period::get()) && Quiet::is_quiet()
	}
}
