//! `gridmask`: every off-chain role of gridmask against a node over JSON-RPC.
//!
//! - `kgc provision` / `kgc setup` — the key generation centre (PROTOCOL §4 steps 1–2);
//! - `kgc push-secrets` — the KGC node's worker gets the meters' secrets and the KGC key (step 6);
//! - `meter run` — simulated meters (step 3);
//! - `cc tariff set|show`, `cc price` — the control centre's prices (step 5);
//! - `kgc bill` — encrypted bill reports in the content store, CIDs on chain (step 7);
//! - `owner bill` / `owner ack` / `owner dispute` — an owner checks a bill against the chain
//!   and answers it (step 8);
//! - `status` — the chain's clock, regions and period outcomes.
//!
//! Errors are printed as sentences naming the pallet error or the reading rejection, never as
//! raw bytes. Commands that output data accept `--json`.

mod bench;
mod bill;
mod cc;
mod chain;
mod content;
mod kgc;
mod meter;
mod profile;
mod progress;
mod status;
mod store;
#[cfg(test)]
mod test_dir;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use std::{collections::BTreeMap, path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Parser)]
#[command(
	name = "gridmask",
	version,
	about = "Privacy-preserving smart-meter metering on a gridmask chain"
)]
struct Cli {
	/// Node endpoints (WebSocket JSON-RPC), in order of preference; meters fail over to the next.
	#[arg(
		long = "url",
		global = true,
		env = "GRIDMASK_URL",
		value_delimiter = ',',
		default_value = "ws://127.0.0.1:9944"
	)]
	urls: Vec<String>,
	/// Print data as JSON (on stdout).
	#[arg(long, global = true)]
	json: bool,
	/// The embedded content store of bill reports: a directory of blocks by CID.
	#[arg(long, global = true, env = "GRIDMASK_CONTENT", default_value = "gridmask-content")]
	content_store: PathBuf,
	/// Use an IPFS node's Kubo HTTP RPC API (e.g. http://127.0.0.1:5001) as the content store
	/// instead; the CIDs are the same.
	#[arg(long, global = true, env = "GRIDMASK_IPFS_API")]
	ipfs_api: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Key generation centre: provision meters, publish period setups.
	#[command(subcommand)]
	Kgc(KgcCommand),
	/// Simulated smart meters.
	#[command(subcommand)]
	Meter(MeterCommand),
	/// Control centre: tariffs and explicit prices.
	#[command(subcommand)]
	Cc(CcCommand),
	/// A meter's owner: check a bill against the chain, acknowledge or dispute it.
	#[command(subcommand)]
	Owner(OwnerCommand),
	/// Measurements that need no chain.
	#[command(subcommand)]
	Bench(BenchCommand),
	/// The chain's clock, regions, and recent period outcomes.
	Status {
		/// How many past periods to show per region.
		#[arg(long, default_value_t = 5)]
		last: u32,
	},
}

#[derive(Args)]
struct KgcKey {
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
	fn dir(&self) -> Result<store::StoreDir> {
		let seed = kgc::read_secrets_key(&self.secrets_key.path()?)?;
		Ok(store::StoreDir::with_secrets_key(self.store.clone(), seed))
	}
}

#[derive(Subcommand)]
enum KgcCommand {
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
		#[command(flatten)]
		push: PushTarget,
		/// Do not push the secrets to the KGC node (do it later with `kgc push-secrets`).
		#[arg(long)]
		no_push: bool,
		/// Endow each demo owner account with this many units (10^12 planck) from the KGC
		/// account, so that owners can pay the fees of `owner ack|dispute`; 0: none.
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
		/// Testing the owners' check: misstate period P's consumption by DELTA Wh.
		#[arg(long, hide = true, value_parser = cc::parse_pair::<u32, i64>)]
		misstate: Option<(u32, i64)>,
	},
	/// Give the KGC node's mask-recomputation worker every meter's master secret (its
	/// off-chain storage) and the KGC signing key (its keystore, key type `gmkg`). Uses unsafe
	/// RPC methods: the KGC node must be the KGC's own.
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

#[derive(Subcommand)]
enum BenchCommand {
	/// What one period costs a meter (key derivation, masking, two signatures), against one
	/// sr25519 signature measured in the same process.
	Meter {
		/// Periods to measure.
		#[arg(long, default_value_t = 2000)]
		periods: u32,
	},
	/// Finalized readings/s against finalized balance transfers/s on one fresh dev node that
	/// this command starts (ignores --url): latencies, node CPU per item, block fill; the
	/// ratio readings/transfers last. See BENCHMARKS.md.
	Ingest {
		/// The node binary (default: gridmask-node beside this program).
		#[arg(long, env = "GRIDMASK_NODE")]
		node: Option<PathBuf>,
		/// Readings to send (two per meter; all for one period's window).
		#[arg(long, default_value_t = 16_000)]
		readings: usize,
		/// Transfers to send.
		#[arg(long, default_value_t = 16_000)]
		transfers: usize,
		/// Accounts the transfers come from (funded by Alice first). Many accounts with short
		/// nonce chains, as real traffic has: the node's pool drops long chains of one sender.
		#[arg(long, default_value_t = 512)]
		senders: usize,
		/// At most this many items accepted and not yet included (a block's worth or two;
		/// beyond it the node only spends CPU validating what no block can take yet). Items
		/// accepted and not yet finalized are also kept below 90% of the node's pool (32,768).
		#[arg(long, default_value_t = 4_000)]
		max_pending: usize,
		/// RPC connections to submit over.
		#[arg(long, default_value_t = 4)]
		connections: usize,
		/// Work directory for the node's base path, its log and the KGC store (default: a
		/// new directory under the system's temp dir, removed afterwards unless --keep).
		#[arg(long)]
		dir: Option<PathBuf>,
		/// Keep the work directory.
		#[arg(long)]
		keep: bool,
		/// An extra argument for the node (repeat), e.g. --node-arg=--pool-limit=20000.
		#[arg(long = "node-arg", allow_hyphen_values = true)]
		node_args: Vec<String>,
		/// Then a flood run in the next period: as many valid readings again, each followed by
		/// this many invalid ones; reports valid readings included per second against the
		/// readings run (0: no flood run).
		#[arg(long, default_value_t = 0)]
		flood: usize,
	},
}

#[derive(Args)]
struct OwnerKey {
	/// The owner's key file (default: <store>/owners/owner-<meter>.json).
	#[arg(long)]
	owner_file: Option<PathBuf>,
	/// The store holding demo owner files.
	#[arg(long, default_value = "gridmask-store")]
	store: PathBuf,
	/// The meter.
	#[arg(long)]
	meter: u64,
	/// The billing cycle.
	#[arg(long)]
	cycle: u32,
}

impl OwnerKey {
	fn load(&self) -> Result<store::OwnerFile> {
		let path = self
			.owner_file
			.clone()
			.unwrap_or_else(|| store::StoreDir::new(self.store.clone()).owner(self.meter));
		let f: store::OwnerFile = store::read_json(&path)?;
		if f.meter != self.meter {
			bail!("{} is the owner file of meter {}, not {}", path.display(), f.meter, self.meter);
		}
		Ok(f)
	}
}

#[derive(Subcommand)]
enum OwnerCommand {
	/// Find the meter's bill of the cycle, fetch it by CID, check the digest, decrypt it and
	/// verify every line against the chain; write its page. Exit status 0: verified; 2: not
	/// (each problem names its line).
	Bill {
		#[command(flatten)]
		owner: OwnerKey,
		/// Where to write the bill's HTML page (default: bill-<meter>-<cycle>.html).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Verify the latest bill as `owner bill` does and, only if every line verifies,
	/// acknowledge that version. Exit status 2 (nothing sent) if it does not verify.
	Ack {
		#[command(flatten)]
		owner: OwnerKey,
		/// The version to acknowledge: refused unless it is the latest (default: the latest,
		/// as verified).
		#[arg(long)]
		version: Option<u32>,
		/// Where to write the bill's HTML page (default: bill-<meter>-<cycle>.html).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Dispute the latest bill, with a reason (the KGC may answer with a superseding bill).
	Dispute {
		#[command(flatten)]
		owner: OwnerKey,
		#[arg(long)]
		reason: String,
		/// The version disputed: refused unless it is the latest (default: the latest).
		#[arg(long)]
		version: Option<u32>,
	},
}

#[derive(Args)]
struct PushTarget {
	/// The KGC node's admin RPC endpoint (the node's `--admin-rpc-port`: unsafe methods on
	/// loopback only; `scripts/dev.sh` serves it on 9933). Reach a remote KGC node through an
	/// SSH tunnel, never over the network.
	#[arg(long, env = "GRIDMASK_KGC_ADMIN", default_value = "ws://127.0.0.1:9933")]
	kgc_admin: String,
}

#[derive(Args)]
struct SecretsKeyFile {
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

#[derive(Args)]
struct CcKey {
	/// The CC account's secret URI (dev chain: Charlie).
	#[arg(long, env = "GRIDMASK_CC_SURI", default_value = "//Charlie")]
	cc_suri: String,
}

#[derive(Subcommand)]
enum CcCommand {
	/// Tariffs: `set` a new version, `show` every version.
	#[command(subcommand)]
	Tariff(TariffCommand),
	/// Publish an explicit price (micro-units per kWh) for a sealed, not yet billed period,
	/// overriding the tariff.
	Price {
		#[command(flatten)]
		key: CcKey,
		#[arg(long)]
		region: u32,
		#[arg(long)]
		period: u32,
		#[arg(long)]
		price: u64,
	},
}

#[derive(Subcommand)]
enum TariffCommand {
	/// Add a tariff version for a region, effective from a future period. Prices are
	/// micro-units of the currency per kWh. Example (time-of-use with a peak tier):
	/// `--day-periods 48 --band 0:150000 --band 14:250000 --band 40:150000 --tier 5000:50000`.
	Set {
		#[command(flatten)]
		key: CcKey,
		#[arg(long)]
		region: u32,
		/// The first period priced (default: the first starting ≥ 30 s from now).
		#[arg(long)]
		from_period: Option<u32>,
		/// A flat price: one band over a one-period day.
		#[arg(long, conflicts_with_all = ["band", "day_periods", "day_offset"])]
		flat: Option<u64>,
		/// Periods per day of the time-of-use pattern.
		#[arg(long, default_value_t = 1)]
		day_periods: u32,
		/// The period-of-day of period 0.
		#[arg(long, default_value_t = 0)]
		day_offset: u32,
		/// A price band `FIRST_PERIOD_OF_DAY:PRICE` (repeatable; the first starts at 0).
		#[arg(long, value_parser = cc::parse_pair::<u32, u64>)]
		band: Vec<(u32, u64)>,
		/// A demand tier `AGGREGATE_WH:SURCHARGE` (repeatable; thresholds increasing).
		#[arg(long, value_parser = cc::parse_pair::<u64, u64>)]
		tier: Vec<(u64, u64)>,
	},
	/// Every tariff version of a region.
	Show {
		#[arg(long)]
		region: u32,
	},
}

#[derive(Subcommand)]
enum MeterCommand {
	/// Run meters from credential files: two masked shares per period each, at random times
	/// inside the window. Exit status 0 only if every share sent is in the finalized chain.
	Run {
		/// A credential file, or a directory of meter-*.json.
		#[arg(long)]
		credentials: PathBuf,
		/// Number of periods to report.
		#[arg(long, default_value_t = 1)]
		periods: u32,
		/// Start with this period (default: the first whose window is ahead and whose setup is
		/// complete on chain).
		#[arg(long)]
		first_period: Option<u32>,
		/// Seed of the load profiles.
		#[arg(long, default_value_t = 1)]
		seed: u64,
		/// Silent meters: METER (the whole run) or METER:N (its first N periods). Repeatable.
		#[arg(long, value_parser = parse_silent)]
		silent: Vec<(u64, u32)>,
		/// Testing: meters that send only one of their two shares, METER or METER:N as for
		/// --silent (a lone share on chain). Repeatable.
		#[arg(long, hide = true, value_parser = parse_silent)]
		drop_one: Vec<(u64, u32)>,
	},
}

fn parse_silent(s: &str) -> Result<(u64, u32), String> {
	let (m, n) = match s.split_once(':') {
		Some((m, n)) => (m, n.parse::<u32>().map_err(|_| format!("bad period count in {s:?}"))?),
		None => (s, u32::MAX),
	};
	Ok((m.parse().map_err(|_| format!("bad meter id in {s:?}"))?, n))
}

/// The KGC node's admin endpoint (`--kgc-admin`).
async fn push_node(push: PushTarget) -> Result<chain::Admin> {
	chain::Admin::connect(&push.kgc_admin).await
}

fn print_push(p: &kgc::PushReport) {
	for (region, n) in &p.regions {
		println!("KGC node {}: region {region} secrets of {n} meters", p.node);
	}
	println!("KGC node {}: gmkg key {} (node roles {:?})", p.node, p.key, p.node_roles);
	println!(
		"KGC node {}: secrets sealed under the secrets key {} it holds",
		p.node, p.secrets_key
	);
	if !p.node_roles.iter().any(|r| r == "Authority") {
		println!(
			"note: the node is not an authority; its off-chain worker runs only with \
			 --offchain-worker always"
		);
	}
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
	println!("{}", serde_json::to_string_pretty(v)?);
	Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
	if cli.urls.is_empty() {
		bail!("no --url given");
	}
	let content = match &cli.ipfs_api {
		Some(url) => content::ContentStore::Kubo(url.clone()),
		None => content::ContentStore::Dir(cli.content_store.clone()),
	};
	match cli.command {
		Command::Kgc(KgcCommand::Provision {
			key,
			regions,
			meters_per_region,
			first_meter,
			batch,
			push,
			no_push,
			fund_owners,
		}) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.kgc_suri)?;
			let dir = key.dir()?;
			let r = kgc::provision(
				&chain,
				&signer,
				&dir,
				&regions,
				meters_per_region,
				first_meter,
				batch,
				u128::from(fund_owners) * 1_000_000_000_000,
			)
			.await?;
			let pushed = if no_push {
				None
			} else {
				let node = push_node(push).await?;
				Some(kgc::push_secrets(&node, &key.secrets_key.path()?, &key.kgc_suri, &dir).await?)
			};
			if cli.json {
				print_json(&serde_json::json!({ "provision": r, "pushed": pushed }))?;
			} else {
				println!(
					"registered {} meters in {} transactions; regions created {:?}; store {}",
					r.meters_registered, r.batches, r.regions_created, r.store
				);
				if let Some(p) = &pushed {
					print_push(p);
				}
			}
		},
		Command::Kgc(KgcCommand::Bill { key, cycle, meter, supersede, misstate }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.kgc_suri)?;
			let opts = bill::BillOptions { meters: meter, supersede, misstate };
			let r = bill::issue(&chain, &signer, &key.dir()?, &content, cycle, &opts).await?;
			if cli.json {
				print_json(&r)?;
			} else {
				println!(
					"cycle {}: {} bills posted in {} transactions ({} meters already billed, {} \
					 not covered by any setup of the cycle); made in {:.2} s, posted in {:.2} s",
					r.cycle,
					r.billed.len(),
					r.transactions,
					r.already_billed,
					r.not_covered.len(),
					r.make_secs,
					r.post_secs
				);
				for f in &r.failed {
					println!("  meter {} NOT BILLED: {}", f.meter, f.reason);
				}
			}
			if !r.failed.is_empty() {
				eprintln!(
					"{} meter(s) not billed (the others were): run `kgc bill` again once fixed",
					r.failed.len()
				);
				return Ok(ExitCode::from(2));
			}
		},
		Command::Owner(OwnerCommand::Bill { owner, out }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let file = owner.load()?;
			let out = out.unwrap_or_else(|| {
				PathBuf::from(format!("bill-{}-{}.html", owner.meter, owner.cycle))
			});
			let v = bill::verify(&chain, &file, &content, owner.cycle, &out).await?;
			if cli.json {
				print_json(&v)?;
			} else {
				println!(
					"meter {} cycle {}: bill v{} {} ({}), regions {:?}, {} lines ({} estimated, {} \
					 Wh), {} Wh, amount {} µ",
					v.meter,
					v.cycle,
					v.version,
					v.cid,
					v.status,
					v.regions,
					v.lines,
					v.estimated_lines,
					v.estimated_wh,
					v.total_wh,
					v.total_amount
				);
				for p in &v.problems {
					println!("  NOT VERIFIED: {p}");
				}
				if v.verified() {
					println!("  verified against the chain");
				}
				if let Some(h) = &v.html {
					println!("  page: {h}");
				}
			}
			if !v.verified() {
				return Ok(ExitCode::from(2));
			}
		},
		Command::Owner(OwnerCommand::Ack { owner, version, out }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let file = owner.load()?;
			let out = out.unwrap_or_else(|| {
				PathBuf::from(format!("bill-{}-{}.html", owner.meter, owner.cycle))
			});
			let v = bill::verify(&chain, &file, &content, owner.cycle, &out).await?;
			if let Some(asked) = version.filter(|asked| *asked != v.version) {
				bail!(
					"meter {} cycle {}: version {asked} is not the latest bill (v{} is): nothing \
					 acknowledged",
					owner.meter,
					owner.cycle,
					v.version
				);
			}
			if !v.verified() {
				if cli.json {
					print_json(&serde_json::json!({ "acknowledged": null, "verification": v }))?;
				} else {
					println!(
						"meter {} cycle {}: bill v{} does not verify; nothing acknowledged \
						 (dispute it with `owner dispute`)",
						owner.meter, owner.cycle, v.version
					);
					for p in &v.problems {
						println!("  NOT VERIFIED: {p}");
					}
				}
				return Ok(ExitCode::from(2));
			}
			let version =
				bill::answer(&chain, &file, owner.cycle, bill::Answer::Acknowledge(v.version))
					.await?;
			if cli.json {
				print_json(&serde_json::json!({ "acknowledged": version, "verification": v }))?;
			} else {
				println!(
					"meter {} cycle {}: bill v{version} verified and acknowledged",
					owner.meter, owner.cycle
				);
			}
		},
		Command::Owner(OwnerCommand::Dispute { owner, reason, version }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let version = match version {
				Some(v) => v,
				None => bill::latest_version(&chain, owner.meter, owner.cycle).await?,
			};
			let version = bill::answer(
				&chain,
				&owner.load()?,
				owner.cycle,
				bill::Answer::Dispute { version, reason },
			)
			.await?;
			if cli.json {
				print_json(&serde_json::json!({ "disputed": version }))?;
			} else {
				println!("meter {} cycle {}: bill v{version} disputed", owner.meter, owner.cycle);
			}
		},
		Command::Kgc(KgcCommand::NewSecretsKey { out }) => {
			let path = match out {
				Some(p) => p,
				None => kgc::default_secrets_key_path()?,
			};
			let public = kgc::new_secrets_key(&path)?;
			if cli.json {
				print_json(&serde_json::json!({ "path": path, "public": public }))?;
			} else {
				println!("KGC secrets key written to {} (public key {public})", path.display());
			}
		},
		Command::Kgc(KgcCommand::PushSecrets { key, push }) => {
			let node = push_node(push).await?;
			let p = kgc::push_secrets(&node, &key.secrets_key.path()?, &key.kgc_suri, &key.dir()?)
				.await?;
			if cli.json {
				print_json(&p)?;
			} else {
				print_push(&p);
			}
		},
		Command::Cc(CcCommand::Tariff(TariffCommand::Set {
			key,
			region,
			from_period,
			flat,
			day_periods,
			day_offset,
			band,
			tier,
		})) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.cc_suri)?;
			let spec = match flat {
				Some(price) => cc::TariffSpec { tiers: tier, ..cc::TariffSpec::flat(price) },
				None => cc::TariffSpec { day_periods, day_offset, bands: band, tiers: tier },
			};
			let r = cc::set_tariff(&chain, &signer, region, from_period, &spec).await?;
			if cli.json {
				print_json(&r)?;
			} else {
				println!(
					"region {} tariff v{} prices periods from {} on",
					r.region, r.version, r.effective_from
				);
			}
		},
		Command::Cc(CcCommand::Tariff(TariffCommand::Show { region })) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let v = cc::tariffs(&chain, region).await?;
			if cli.json {
				print_json(&v)?;
			} else {
				cc::print_tariffs(region, &v);
			}
		},
		Command::Cc(CcCommand::Price { key, region, period, price }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.cc_suri)?;
			let r = cc::set_price(&chain, &signer, region, period, price).await?;
			if cli.json {
				print_json(&r)?;
			} else {
				println!(
					"region {} period {} priced {} µ/kWh (replacing {})",
					r.region,
					r.period,
					r.price,
					r.replaced.map_or("no price".into(), |p| p.to_string())
				);
			}
		},
		Command::Kgc(KgcCommand::Setup { key, next, cycle }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.kgc_suri)?;
			let which = match (next, cycle) {
				(_, Some(c)) => kgc::PeriodSelection::Cycle(c),
				(n, None) => kgc::PeriodSelection::Next(n.unwrap_or(1)),
			};
			let r = kgc::setup(&chain, &signer, &key.dir()?, which).await?;
			if cli.json {
				print_json(&r)?;
			} else {
				println!(
                    "periods {:?}: published {} setups ({} already complete) in {} transactions; computed in {:.2} s",
                    r.periods, r.published, r.already_complete, r.transactions, r.compute_secs
                );
			}
		},
		Command::Kgc(KgcCommand::Void { key, region, period }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.kgc_suri)?;
			chain
				.sign_and_finalize(
					&chain::runtime::tx().faults().void_period(region, period),
					&signer,
				)
				.await
				.with_context(|| format!("closing region {region} period {period} void"))?;
			if cli.json {
				print_json(
					&serde_json::json!({ "region": region, "period": period, "void": true }),
				)?;
			} else {
				println!("region {region} period {period}: closed void (no aggregate)");
			}
		},
		Command::Kgc(KgcCommand::Move { key, meter, to }) => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let signer = chain::keypair(&key.kgc_suri)?;
			let from = kgc::move_meter(&chain, &signer, &key.dir()?, meter, to).await?;
			if cli.json {
				print_json(&serde_json::json!({ "meter": meter, "from": from, "to": to }))?;
			} else {
				println!(
					"meter {meter} moved from region {from} to region {to}; run `kgc setup` to \
					 rebuild both regions' upcoming setups"
				);
			}
		},
		Command::Meter(MeterCommand::Run {
			credentials,
			periods,
			first_period,
			seed,
			silent,
			drop_one,
		}) => {
			let creds = store::load_credentials(&credentials)?;
			let endpoints = Arc::new(meter::Endpoints::new(cli.urls.clone()));
			let opts = meter::RunOptions {
				periods,
				seed,
				silent: silent.into_iter().collect::<BTreeMap<_, _>>(),
				drop_one: drop_one.into_iter().collect::<BTreeMap<_, _>>(),
				first_period,
			};
			let live = !cli.json;
			let r = meter::run(endpoints, creds, opts, live).await?;
			if cli.json {
				print_json(&r)?;
			} else {
				println!(
                    "periods {:?}: {} shares sent, {} in the finalized chain, {} missing, {} failovers",
                    r.periods, r.submitted, r.included, r.missing, r.failovers
                );
				for (why, n) in &r.rejected {
					println!("  {n} rejected: {why}");
				}
			}
			if !r.all_included() {
				return Ok(ExitCode::from(2));
			}
		},
		Command::Bench(BenchCommand::Meter { periods }) => {
			let c = bench::meter_cost(periods);
			if cli.json {
				print_json(&c)?;
			} else {
				println!(
					"meter cost per period over {} periods: {:.1} µs (derive keys {:.1} µs + split, \
					 mask and sign two shares {:.1} µs) = {:.2} × one sr25519 signature ({:.1} µs); \
					 one signature check {:.1} µs",
					c.periods,
					c.period_us,
					c.derive_us,
					c.readings_us,
					c.period_over_sign,
					c.sign_us,
					c.verify_us
				);
			}
			return Ok(ExitCode::SUCCESS);
		},
		Command::Bench(BenchCommand::Ingest {
			node,
			readings,
			transfers,
			senders,
			max_pending,
			connections,
			dir,
			keep,
			node_args,
			flood,
		}) => {
			let node_bin = match node {
				Some(n) => n,
				None => std::env::current_exe()?
					.parent()
					.map(|d| d.join("gridmask-node"))
					.ok_or_else(|| anyhow::anyhow!("no --node given"))?,
			};
			let (work_dir, temporary) = match dir {
				Some(d) => (d, false),
				None => (
					std::env::temp_dir()
						.join(format!("gridmask-bench-ingest-{}", std::process::id())),
					!keep,
				),
			};
			let opts = bench::ingest::IngestOptions {
				node_bin,
				readings,
				transfers,
				senders,
				max_pending,
				connections,
				node_args,
				work_dir: work_dir.clone(),
				flood,
			};
			let result = bench::ingest::run(&opts, |line| eprintln!("{line}")).await;
			if temporary && result.is_ok() {
				let _ = std::fs::remove_dir_all(&work_dir);
			}
			let r = result?;
			if cli.json {
				print_json(&r)?;
			} else {
				bench::ingest::print(&r);
			}
			return Ok(ExitCode::SUCCESS);
		},
		Command::Status { last } => {
			let chain = chain::Chain::connect(&cli.urls).await?;
			let s = status::status(&chain, last).await?;
			if cli.json {
				print_json(&s)?;
			} else {
				status::print(&s);
			}
		},
	}
	Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(cli).await {
		Ok(code) => code,
		Err(e) => {
			eprintln!("error: {e:#}");
			ExitCode::FAILURE
		},
	}
}
