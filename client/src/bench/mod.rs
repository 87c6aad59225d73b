//! `gridmask bench …`: figures measured against this machine.
//!
//! - [`meter`]: what one period costs a meter, against one sr25519 signature;
//! - [`ingest`]: finalized readings/s against finalized balance transfers/s on the same fresh
//!   dev node, with latencies and the node's CPU per item;
//! - [`network`]: finalized readings/s on the 4-aggregator local network, one aggregator
//!   stopped mid-window, and that no accepted reading is lost.

pub mod ingest;
pub mod meter;
pub mod network;
mod node;

pub use meter::{meter_cost, meter_costs};
