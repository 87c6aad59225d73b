//! Transactions made inside the runtime by off-chain workers: the KGC node's fault-resolution
//! worker (`pallet-faults`) signs `submit_resolution` with the KGC key from its keystore.

use codec::Encode;
use sp_runtime::{generic::Era, traits::Verify, SaturatedConversion};

use crate::{
	configs::BlockHashCount, AccountId, Nonce, Runtime, RuntimeCall, Signature, SignedPayload,
	System, UncheckedExtrinsic,
};

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		S: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: <Signature as Verify>::Signer,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		// Mortal for about half the block-hash window, starting at the parent block.
		let period = BlockHashCount::get().checked_next_power_of_two().map_or(2, |c| c / 2) as u64;
		let current = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let tx_ext = crate::tx_extension(Era::mortal(period, current), nonce, 0);
		let payload = SignedPayload::new(call, tx_ext).ok()?;
		let signature = payload.using_encoded(|bytes| S::sign(bytes, public))?;
		let (call, tx_ext, _) = payload.deconstruct();
		Some(UncheckedExtrinsic::new_signed(call, account.into(), signature, tx_ext))
	}
}
