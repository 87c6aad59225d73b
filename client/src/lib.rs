//! The library behind the `gridmask` command: every off-chain role of gridmask against a node
//! over JSON-RPC. Each module is one role or one facility; the command line (`src/main.rs`,
//! `src/commands/`) only parses options, calls these and prints what they return.
//!
//! | module | role (PROTOCOL §4 step) |
//! |---|---|
//! | [`kgc`] | the key generation centre: provisioning (1), period setups (2), secrets for its node (6) |
//! | [`meter`] | simulated smart meters (3) |
//! | [`cc`] | the control centre's tariffs and prices (5) |
//! | [`bill`] | bills: issued by the KGC (7), checked and answered by owners (8) |
//! | [`espi`] | a verified bill as a Green Button (ESPI 4.0) file |
//! | [`status`] | the chain's clock, regions and period outcomes |
//! | [`bench`] | figures measured on this machine |
//! | [`chain`] | the node connection: generated interface, failover, transactions, errors |
//! | [`content`] | the content store of bill reports (a directory or an IPFS node) |
//! | [`datetime`] | RFC 3339 times and ISO 8601 durations |
//! | [`gateway`] | the chain's prices and metering data over HTTP (OpenADR 3, JSON), and owners' verified bills (Green Button) |
//! | [`store`] | the KGC's, meters' and owners' files |
//! | [`output`] | one output path: a report as text or JSON |
//!
//! Errors are sentences naming the pallet error or the reading rejection, never raw bytes.

pub mod bench;
pub mod bill;
pub mod cc;
pub mod chain;
pub mod content;
pub use gridmask_bill::datetime;
pub mod espi;
pub mod gateway;
pub mod kgc;
pub mod meter;
pub mod output;
pub mod profile;
pub mod progress;
pub mod status;
pub mod store;
#[cfg(test)]
mod test_dir;
