//! `gridmask-node`: the gridmask aggregator node (Aura authoring, GRANDPA finality, ParityDB,
//! off-chain workers, JSON-RPC, Prometheus).
#![warn(missing_docs)]

mod admin_rpc;
mod chain_spec;
mod cli;
mod collector;
mod command;
mod kgc;
mod metrics;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
