//! Dispatch of the command line to the node service and the standard sub-commands.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use gridmask_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"gridmask node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/gridmask/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			"test" => Box::new(chain_spec::test_chain_spec()?),
			"test-local" => Box::new(chain_spec::test_local_chain_spec()?),
			"test-pair" => Box::new(chain_spec::test_pair_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// The main RPC endpoints serve the safe methods only: Substrate's default (`auto`) would
/// serve the unsafe ones on localhost, where any web page the operator opens can reach them
/// (`--dev` allows every origin, and a browser's WebSocket ignores CORS anyway). Unsafe
/// methods belong on the admin port (`--admin-rpc-port`, [`crate::admin_rpc`]). An operator
/// who insists (`--rpc-methods unsafe`) gets them, but never together with permissive CORS.
fn safe_public_rpc(config: &mut sc_service::Configuration) -> sc_cli::Result<()> {
	use sc_service::config::RpcMethods;
	if matches!(config.rpc.methods, RpcMethods::Auto) {
		config.rpc.methods = RpcMethods::Safe;
	}
	for endpoint in config.rpc.addr.iter_mut().flatten() {
		match endpoint.rpc_methods {
			RpcMethods::Auto => endpoint.rpc_methods = RpcMethods::Safe,
			RpcMethods::Unsafe if endpoint.cors.is_none() => {
				return Err(sc_cli::Error::Input(format!(
					"refusing to serve unsafe RPC methods on {} to every web origin (--rpc-cors \
					 all, which --dev implies): use --admin-rpc-port for the unsafe methods, or \
					 give --rpc-cors a list of origins",
					endpoint.listen_addr
				)));
			},
			RpcMethods::Safe | RpcMethods::Unsafe => {},
		}
	}
	Ok(())
}

/// Parse the command line and run it.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		#[allow(deprecated)]
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::BenchmarkCmd;
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<
						sp_runtime::traits::HashingFor<Block>,
						gridmask_primitives::host::gridmask_crypto::HostFunctions,
					>(Some(
						config.chain_spec,
					)),
				BenchmarkCmd::Machine(cmd) => {
					cmd.run(&config, frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE.clone())
				},
				// The cost of one read and one write in this chain's own database (ParityDB) on
				// this machine, for `runtime/src/weights/db.rs` (`scripts/weights.sh storage`).
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_trie_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_trie_cache)
				},
				_ => Err("this benchmark sub-command is not supported by gridmask-node".into()),
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let admin_port = cli.admin.admin_rpc_port;
			let secrets_key = cli.kgc.kgc_secrets_key_file.clone();
			runner.run_node_until_exit(|mut config| async move {
				safe_public_rpc(&mut config)?;
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<
							sc_network::NetworkWorker<
								Block,
								<Block as sp_runtime::traits::Block>::Hash,
							>,
						>(config, admin_port, secrets_key)
						.map_err(sc_cli::Error::Service)
					},
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config,
							admin_port,
							secrets_key,
						)
						.map_err(sc_cli::Error::Service)
					},
				}
			})
		},
	}
}
