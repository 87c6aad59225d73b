//! [`Canonical`]: the runtime's transaction extensions accept only one encoding of an
//! authorized transaction (a meter's reading).
//!
//! A reading's PRID signature covers the call, not the transaction's extension bytes, and a
//! general transaction has no signer who could cover them. Without this wrapper any relay
//! could re-wrap a meter's reading with a 4-block mortal era (or a tip or a nonce): every copy
//! has the same pool tag and priority, so whichever copy a node sees first wins, and a mortal
//! one that expires unincluded under load leaves the honest meter faulted. With it, an
//! authorized transaction must be immortal, with tip 0 and nonce 0 — the only form, hence
//! the only bytes, a relay can forward. Signed transactions are untouched.
//!
//! The wrapper keeps the wrapped extension's identifier, encoding and metadata, so wallets
//! and clients (polkadot.js, subxt) build transactions exactly as before.

use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::{dispatch::DispatchInfo, pallet_prelude::TransactionSource};
use frame_system::RawOrigin;
use pallet_readings::ReadingRejection;
use scale_info::TypeInfo;
use sp_runtime::{
	generic::Era,
	traits::{
		DispatchInfoOf, Implication, PostDispatchInfoOf, TransactionExtension, ValidateResult,
	},
	transaction_validity::{TransactionValidity, TransactionValidityError},
	DispatchResult, Weight,
};

use crate::{Runtime, RuntimeCall, RuntimeOrigin};

/// An extension whose value on an authorized transaction must be its default.
pub trait CanonicalValue {
	/// Whether the value is the one an authorized transaction must carry.
	fn is_canonical(&self) -> bool;
	/// The refusal otherwise.
	const REFUSAL: ReadingRejection;
}

impl CanonicalValue for frame_system::CheckEra<Runtime> {
	fn is_canonical(&self) -> bool {
		self.0 == Era::Immortal
	}
	const REFUSAL: ReadingRejection = ReadingRejection::MortalEra;
}

impl CanonicalValue for frame_system::CheckNonce<Runtime> {
	fn is_canonical(&self) -> bool {
		self.0 == 0
	}
	const REFUSAL: ReadingRejection = ReadingRejection::Nonce;
}

impl CanonicalValue for pallet_transaction_payment::ChargeTransactionPayment<Runtime> {
	fn is_canonical(&self) -> bool {
		self.tip() == 0
	}
	const REFUSAL: ReadingRejection = ReadingRejection::Tip;
}

/// `E`, except that a transaction whose origin a `#[pallet::authorize]` call set must carry
/// `E`'s canonical value ([`CanonicalValue`]); otherwise it is invalid with `E::REFUSAL`'s
/// `InvalidTransaction::Custom` code.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(E))]
pub struct Canonical<E>(pub E);

impl<E: core::fmt::Debug> core::fmt::Debug for Canonical<E> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		self.0.fmt(f)
	}
}

impl<E> From<E> for Canonical<E> {
	fn from(e: E) -> Self {
		Self(e)
	}
}

fn is_authorized(origin: &RuntimeOrigin) -> bool {
	use frame_support::traits::OriginTrait;
	matches!(origin.as_system_ref(), Some(RawOrigin::Authorized))
}

impl<E> TransactionExtension<RuntimeCall> for Canonical<E>
where
	E: TransactionExtension<RuntimeCall> + CanonicalValue + TypeInfo + 'static,
{
	const IDENTIFIER: &'static str = E::IDENTIFIER;
	type Implicit = E::Implicit;
	type Val = E::Val;
	type Pre = E::Pre;

	fn implicit(&self) -> Result<Self::Implicit, TransactionValidityError> {
		self.0.implicit()
	}

	fn metadata() -> alloc::vec::Vec<sp_runtime::traits::TransactionExtensionMetadata> {
		E::metadata()
	}

	fn weight(&self, call: &RuntimeCall) -> Weight {
		self.0.weight(call)
	}

	fn validate(
		&self,
		origin: RuntimeOrigin,
		call: &RuntimeCall,
		info: &DispatchInfo,
		len: usize,
		self_implicit: Self::Implicit,
		inherited_implication: &impl Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, RuntimeCall> {
		if is_authorized(&origin) && !self.0.is_canonical() {
			return Err(E::REFUSAL.into());
		}
		self.0.validate(origin, call, info, len, self_implicit, inherited_implication, source)
	}

	fn prepare(
		self,
		val: Self::Val,
		origin: &RuntimeOrigin,
		call: &RuntimeCall,
		info: &DispatchInfo,
		len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		self.0.prepare(val, origin, call, info, len)
	}

	fn post_dispatch_details(
		pre: Self::Pre,
		info: &DispatchInfoOf<RuntimeCall>,
		post_info: &PostDispatchInfoOf<RuntimeCall>,
		len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		E::post_dispatch_details(pre, info, post_info, len, result)
	}

	fn post_dispatch(
		pre: Self::Pre,
		info: &DispatchInfoOf<RuntimeCall>,
		post_info: &mut PostDispatchInfoOf<RuntimeCall>,
		len: usize,
		result: &DispatchResult,
	) -> Result<(), TransactionValidityError> {
		E::post_dispatch(pre, info, post_info, len, result)
	}

	fn bare_validate(
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
	) -> TransactionValidity {
		E::bare_validate(call, info, len)
	}

	fn bare_validate_and_prepare(
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
	) -> Result<(), TransactionValidityError> {
		E::bare_validate_and_prepare(call, info, len)
	}

	fn bare_post_dispatch(
		info: &DispatchInfoOf<RuntimeCall>,
		post_info: &mut PostDispatchInfoOf<RuntimeCall>,
		len: usize,
		result: &DispatchResult,
	) -> Result<(), TransactionValidityError> {
		E::bare_post_dispatch(info, post_info, len, result)
	}
}
