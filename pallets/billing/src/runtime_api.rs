//! The billing runtime API: what the owner's tool, the KGC's tool and polkadot.js
//! (`api.call.billingApi.*`, metadata v15) read. The runtime implements every function with the
//! matching `Pallet::api_*` helper:
//!
//! ```ignore
//! impl pallet_billing::runtime_api::BillingApi<Block, BlockNumber, pallet_billing::ReasonOf<Runtime>>
//!     for Runtime
//! {
//!     fn bills_of(meter: MeterId) -> Vec<(CycleIndex, u32, pallet_billing::BillRecordOf<Runtime>)> {
//!         Billing::api_bills_of(meter)
//!     }
//!     fn bill(meter: MeterId, cycle: CycleIndex) -> Option<(u32, pallet_billing::BillRecordOf<Runtime>)> {
//!         Billing::api_bill(meter, cycle)
//!     }
//! }
//! ```
//!
//! `BlockNumber` is the runtime's block number and `Reason` the stored dispute reason
//! ([`crate::ReasonOf`], a `BoundedVec<u8, MaxReasonLen>`, encoded as a `Vec<u8>`).

use crate::types::{BillRecord, BillVersion};
use alloc::vec::Vec;
use codec::Codec;
use gridmask_primitives::{CycleIndex, MeterId};

sp_api::decl_runtime_apis! {
	/// Bills: every version of a meter's bills, and the latest bill of a (meter, cycle).
	pub trait BillingApi<BlockNumber, Reason> where BlockNumber: Codec, Reason: Codec {
		/// Every bill of `meter` (all cycles, all versions, superseded ones included), sorted by
		/// cycle then version; at most `MAX_API_BILLS` (1024), the newest.
		fn bills_of(meter: MeterId) -> Vec<(CycleIndex, BillVersion, BillRecord<BlockNumber, Reason>)>;
		/// The latest version of the bill of (`meter`, `cycle`), with its version number.
		fn bill(meter: MeterId, cycle: CycleIndex) -> Option<(BillVersion, BillRecord<BlockNumber, Reason>)>;
	}
}
