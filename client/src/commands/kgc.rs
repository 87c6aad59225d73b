//! `gridmask kgc …`: the key generation centre (PROTOCOL §4 steps 1, 2, 6 and 7).

use super::Context;
use anyhow::Result;
use clap::{Args, Subcommand};
use gridmask_client::{
	bill,
	chain::{self, Admin},
	kgc::{self, ProvisionReport, PushReport},
	output::{Output, Said},
	store::StoreDir,
};
use gridmask_primitives::{currency::UNIT, ChannelKind};
use serde::Serialize;
use std::{path::PathBuf, process::ExitCode};

/// The KGC's account and store.
#[derive(Args)]
pub struct KgcKey {
	/// The KGC account's secret URI (dev chain: Bob).
	#[arg(long, env = "GRIDMASK_KGC_SURI", default_value = "//Bob")]
	kgc_suri: String,
	/// The KGC store directory (kgc.json, meters/, owners/).
	#[arg(long, default_value = "gridmask-store")]
	store: PathBuf,
	#[command(flatten)]
	secrets_key: SecretsKeyFile,
}

impl KgcKey {
	/// The store, with the secrets key its `kgc.json` is sealed under.
	fn dir(&self) -> Result<StoreDir> {
		let seed = kgc::read_secrets_key(&self.secrets_key.path()?)?;
		Ok(StoreDir::with_secrets_key(self.store.clone(), seed))
	}

	fn signer(&self) -> Result<subxt_signer::sr25519::Keypair> {
		chain::keypair(&self.kgc_suri)
	}
}

/// The KGC node to push secrets to.
#[derive(Args)]
pub struct PushTarget {
	/// The KGC node's admin RPC endpoint (the node's `--admin-rpc-port`: unsafe methods on
	/// loopback only; `scripts/dev.sh` serves it on 9933). Reach a remote KGC node through an
	/// SSH tunnel, never over the network.
	#[arg(long, env = "GRIDMASK_KGC_ADMIN", default_value = "ws://127.0.0.1:9933")]
	kgc_admin: String,
}

#[derive(Args)]
pub struct SecretsKeyFile {
	/// The operator's KGC secrets key file, the one the KGC node was started with
	/// (`--kgc-secrets-key-file`): the master secrets are sealed under it, on the node and in
	/// the store's kgc.json (default ~/.local/share/gridmask/kgc-secrets.key).
	#[arg(long, env = "GRIDMASK_KGC_SECRETS_KEY")]
	kgc_secrets_key: Option<PathBuf>,
}

impl SecretsKeyFile {
	fn path(&self) -> Result<PathBuf> {
		match &self.kgc_secrets_key {
			Some(p) => Ok(p.clone()),
			None => kgc::default_secrets_key_path(),
		}
	}
}

#[derive(Subcommand)]
pub enum KgcCommand {
	/// Create regions, generate meters (master secrets, credentials, demo owners) and register
	/// them on chain in batches.
	Provision {
		#[command(flatten)]
		key: KgcKey,
		/// Region ids (created if absent).
		#[arg(long, value_delimiter = ',', default_value = "1")]
		regions: Vec<u32>,
		/// Meters per region.
		#[arg(long, default_value_t = 10)]
		meters_per_region: u32,
		/// The first meter id (billing id).
		#[arg(long, default_value_t = 1000)]
		first_meter: u64,
		/// Meters per registration transaction (default: the runtime's maximum).
		#[arg(long)]
		batch: Option<u32>,
		/// The regions' channels, comma-separated, `import_wh` first (`import_wh`, `export_wh`,
		/// `max_demand_w`, `reactive_varh`): set on every listed region. Default: unchanged
		/// (`import_wh` for a new region), or `import_wh,export_wh` with --prosumers.
		#[arg(long, value_parser = parse_channels)]
		channels: Option<ChannelList>,
		/// Percent of each region's meters that are prosumers (have panels and export),
		/// spread evenly over the meter ids: `PCT` for every region, or `REGION:PCT,…` (the
		/// regions not listed have none).
		#[arg(long, default_value = "0", value_parser = kgc::parse_prosumers)]
		prosumers: kgc::ProsumerShare,
		#[command(flatten)]
		push: PushTarget,
		/// Do not push the secrets to the KGC node (do it later with `kgc push-secrets`).
		#[arg(long)]
		no_push: bool,
		/// Endow each demo owner account with this many GMT from the KGC account, so that
		/// owners can pay the fees of `owner ack|dispute`; 0: none.
		#[arg(long, default_value_t = 1)]
		fund_owners: u64,
	},
	/// Bill a finished cycle: per meter, a report of every period (consumption from its
	/// unmasked shares, the chain's prices), HPKE-sealed to the owner, stored in the content
	/// store under its CID; CIDs and digests posted on chain in batches. Meters already billed
	/// for the cycle are skipped (resumable) unless --supersede. A meter that cannot be billed
	/// is reported and skipped, the others are billed; exit status 2 if any was not.
	Bill {
		#[command(flatten)]
		key: KgcKey,
		#[arg(long)]
		cycle: u32,
		/// Only these meters (repeatable; default: every meter of the store).
		#[arg(long)]
		meter: Vec<u64>,
		/// Replace each selected meter's latest bill (e.g. to answer a dispute).
		#[arg(long)]
		supersede: bool,
		/// Testing the owners' check: misstate period P's metered value of CHANNEL (default
		/// `import_wh`) by DELTA: `P:DELTA[:CHANNEL]`.
		#[arg(long, hide = true, value_parser = bill::parse_misstatement)]
		misstate: Option<bill::Misstatement>,
	},
	/// Give the KGC node's fault-resolution worker every meter's master secret (its off-chain
	/// storage) and the KGC signing key (its keystore, key type `gmkg`). Uses unsafe RPC
	/// methods: the KGC node must be the KGC's own.
	PushSecrets {
		#[command(flatten)]
		key: KgcKey,
		#[command(flatten)]
		push: PushTarget,
	},
	/// Make a new KGC secrets key (32 random bytes, hex, mode 0600): start the KGC node with
	/// `--kgc-secrets-key-file <it>` and give it to `kgc provision|push-secrets`. Keep it off
	/// the KGC node's disk (another volume, a secrets manager): with the node's disk alone the
	/// master secrets stay sealed. Never overwrites a file.
	NewSecretsKey {
		/// Where to write it (default ~/.local/share/gridmask/kgc-secrets.key).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Compute and publish the setups (BF1, T, Z) of upcoming periods for every region where a
	/// meter of the store is active, covering exactly the region's active meters on chain (its
	/// membership epoch); resumable (pairs complete on chain for the current epoch are
	/// skipped; older ones whose window has not opened are replaced).
	Setup {
		#[command(flatten)]
		key: KgcKey,
		/// The next N periods whose window is still ahead.
		#[arg(long, conflicts_with = "cycle")]
		next: Option<u32>,
		/// Every period of this cycle whose window is still ahead.
		#[arg(long)]
		cycle: Option<u32>,
	},
	/// Close a faulted period void when no resolution can be made (the meters' secrets are
	/// lost, its shares pruned): no aggregate is published, the period is priced by the
	/// tariff's band and billed; nobody is blamed.
	Void {
		#[command(flatten)]
		key: KgcKey,
		/// The region.
		#[arg(long)]
		region: u32,
		/// The faulted period.
		#[arg(long)]
		period: u32,
	},
	/// Move a meter to another region: on chain, in the store and in its credential (which
	/// keeps the old region: setups published before the move may still cover it there). Run
	/// `kgc setup` afterwards: it rebuilds both regions' upcoming setups.
	Move {
		#[command(flatten)]
		key: KgcKey,
		/// The meter.
		#[arg(long)]
		meter: u64,
		/// Its new region.
		#[arg(long)]
		to: u32,
	},
}

/// What `kgc provision` did, and what it pushed to the KGC node.
#[derive(Serialize)]
struct Provisioned {
	provision: ProvisionReport,
	pushed: Option<PushReport>,
}

impl std::fmt::Display for Provisioned {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let r = &self.provision;
		writeln!(
			f,
			"registered {} meters ({} prosumers) in {} transactions; regions created {:?}; store {}",
			r.meters_registered, r.prosumers, r.batches, r.regions_created, r.store
		)?;
		if let Some(shape) = &r.shape {
			writeln!(f, "regions' channels: {}", shape.join(", "))?;
		}
		match &self.pushed {
			Some(p) => write!(f, "{p}"),
			None => Ok(()),
		}
	}
}

impl Output for Provisioned {}

/// A region's shape as one option value. An alias, because clap's derive reads a literal
/// `Option<Vec<_>>` as an option given many times and would hand the parser's whole list to
/// a field of one channel (a panic at the first use of `--channels`).
type ChannelList = Vec<ChannelKind>;

/// Parses a comma-separated list of channel names (a region's shape).
fn parse_channels(list: &str) -> Result<Vec<ChannelKind>, String> {
	gridmask_primitives::channel::parse_shape(list).map(|s| s.into_inner())
}

/// Pushes the store's secrets and the KGC key to the KGC node behind `push`.
async fn push(key: &KgcKey, push: &PushTarget, dir: &StoreDir) -> Result<PushReport> {
	let node = Admin::connect(&push.kgc_admin).await?;
	kgc::push_secrets(&node, &key.secrets_key.path()?, &key.kgc_suri, dir).await
}

pub async fn run(ctx: &Context, command: KgcCommand) -> Result<ExitCode> {
	match command {
		KgcCommand::Provision {
			key,
			regions,
			meters_per_region,
			first_meter,
			batch,
			channels,
			prosumers,
			push: target,
			no_push,
			fund_owners,
		} => {
			let chain = ctx.chain().await?;
			let dir = key.dir()?;
			let fleet = kgc::Fleet {
				regions,
				per_region: meters_per_region,
				first_meter,
				shape: channels,
				prosumers,
			};
			let provision = kgc::provision(
				&chain,
				&key.signer()?,
				&dir,
				&fleet,
				batch,
				u128::from(fund_owners) * UNIT,
			)
			.await?;
			let pushed = if no_push { None } else { Some(push(&key, &target, &dir).await?) };
			ctx.emit(&Provisioned { provision, pushed })
		},
		KgcCommand::Bill { key, cycle, meter, supersede, misstate } => {
			let chain = ctx.chain().await?;
			let opts = bill::BillOptions { meters: meter, supersede, misstate };
			let r = bill::issue(&chain, &key.signer()?, &key.dir()?, &ctx.content, cycle, &opts)
				.await?;
			ctx.emit(&r)
		},
		KgcCommand::PushSecrets { key, push: target } => {
			ctx.emit(&push(&key, &target, &key.dir()?).await?)
		},
		KgcCommand::NewSecretsKey { out } => {
			let path = match out {
				Some(p) => p,
				None => kgc::default_secrets_key_path()?,
			};
			let public = kgc::new_secrets_key(&path)?;
			let text =
				format!("KGC secrets key written to {} (public key {public})", path.display());
			ctx.emit(&Said::new(serde_json::json!({ "path": path, "public": public }), text))
		},
		KgcCommand::Setup { key, next, cycle } => {
			let chain = ctx.chain().await?;
			let which = match (next, cycle) {
				(_, Some(c)) => kgc::PeriodSelection::Cycle(c),
				(n, None) => kgc::PeriodSelection::Next(n.unwrap_or(1)),
			};
			ctx.emit(&kgc::setup(&chain, &key.signer()?, &key.dir()?, which).await?)
		},
		KgcCommand::Void { key, region, period } => {
			kgc::void_period(&ctx.chain().await?, &key.signer()?, region, period).await?;
			ctx.emit(&Said::new(
				serde_json::json!({ "region": region, "period": period, "void": true }),
				format!("region {region} period {period}: closed void (no aggregate)"),
			))
		},
		KgcCommand::Move { key, meter, to } => {
			let chain = ctx.chain().await?;
			let from = kgc::move_meter(&chain, &key.signer()?, &key.dir()?, meter, to).await?;
			ctx.emit(&Said::new(
				serde_json::json!({ "meter": meter, "from": from, "to": to }),
				format!(
					"meter {meter} moved from region {from} to region {to}; run `kgc setup` to \
					 rebuild both regions' upcoming setups"
				),
			))
		},
	}
}
