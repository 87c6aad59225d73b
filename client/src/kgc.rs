//! The key generation centre: provisioning meters (PROTOCOL §4 step 1) and publishing period
//! setups (step 2).

use crate::{
	chain::{account_of, runtime, runtime_types as rt, Chain},
	output::Output,
	progress,
	store::{
		self, write_secret_json, Credential, KgcMeter, KgcStore, OwnerFile, Secret32, StoreDir,
		FORMAT_VERSION,
	},
};
use anyhow::{bail, Context, Result};
use gridmask_primitives::{
	bill,
	setup::{build_periods, PeriodSetup, SetupParams},
	time::TimeParams,
	ChannelKind, MasterSecret, MeterId, PeriodIndex, RegionId, BF1_DEFAULT_FP_EXP,
};
use pallet_readings::BF1_BLOCKS_PER_CHUNK;
use rand::RngCore;
use serde::Serialize;
use std::collections::BTreeMap;
use subxt::utils::Static;
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

/// What `kgc provision` did.
#[derive(Debug, Serialize)]
pub struct ProvisionReport {
	/// Regions created (those that already existed are reused).
	pub regions_created: Vec<RegionId>,
	/// The shape set on the regions (channel names), if one was.
	pub shape: Option<Vec<String>>,
	/// Meters registered on chain.
	pub meters_registered: usize,
	/// Of those, prosumers.
	pub prosumers: usize,
	/// Registration transactions.
	pub batches: usize,
	/// Owner accounts endowed (`--fund-owners`).
	pub owners_funded: usize,
	/// Where the store is.
	pub store: String,
}

/// The meters `kgc provision` makes.
#[derive(Clone, Debug)]
pub struct Fleet {
	/// Regions (created if absent).
	pub regions: Vec<RegionId>,
	/// Meters per region.
	pub per_region: u32,
	/// The first meter id; the others follow.
	pub first_meter: MeterId,
	/// The regions' shape, set on every region of the list (`None`: leave existing regions
	/// as they are, new ones at `import_wh` alone — or `import_wh, export_wh` if there are
	/// prosumers).
	pub shape: Option<Vec<ChannelKind>>,
	/// Which of each region's meters are prosumers.
	pub prosumers: ProsumerShare,
}

/// The percentage of each region's meters that are prosumers (spread evenly over the ids):
/// one for every region, or one per region listed (the others have none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProsumerShare {
	/// Every region's, unless listed.
	pub all: u8,
	/// Per region listed.
	pub per_region: BTreeMap<RegionId, u8>,
}

impl ProsumerShare {
	/// The percentage of `region`'s meters.
	pub fn pct(&self, region: RegionId) -> u8 {
		self.per_region.get(&region).copied().unwrap_or(self.all).min(100)
	}

	fn any(&self) -> bool {
		self.all > 0 || self.per_region.values().any(|p| *p > 0)
	}
}

/// Parses `PCT` (every region) or `REGION:PCT,…` (those regions; the others none).
pub fn parse_prosumers(s: &str) -> Result<ProsumerShare, String> {
	let pct = |p: &str| match p.trim().parse::<u8>() {
		Ok(p) if p <= 100 => Ok(p),
		_ => Err(format!("bad percentage {p:?} in {s:?} (0 to 100)")),
	};
	if !s.contains(':') {
		return Ok(ProsumerShare { all: pct(s)?, per_region: BTreeMap::new() });
	}
	let mut per_region = BTreeMap::new();
	for item in s.split(',') {
		let (r, p) =
			item.split_once(':').ok_or_else(|| format!("expected REGION:PCT, got {item:?}"))?;
		let r = r.trim().parse().map_err(|_| format!("bad region {r:?} in {s:?}"))?;
		per_region.insert(r, pct(p)?);
	}
	Ok(ProsumerShare { all: 0, per_region })
}

impl Fleet {
	/// `per_region` consumers in each of `regions`, ids from `first_meter`, shapes untouched.
	pub fn consumers(regions: &[RegionId], per_region: u32, first_meter: MeterId) -> Self {
		let prosumers = ProsumerShare::default();
		Self { regions: regions.to_vec(), per_region, first_meter, shape: None, prosumers }
	}

	/// Whether the `k`-th meter of `region` is a prosumer: `floor(n · pct / 100)` of the
	/// region's `n` meters are, spread evenly.
	pub fn is_prosumer(&self, region: RegionId, k: u32) -> bool {
		let pct = u64::from(self.prosumers.pct(region));
		(u64::from(k) + 1) * pct / 100 > u64::from(k) * pct / 100
	}

	/// The shape to set on the regions, if any; an error if prosumers could not report export.
	fn shape_to_set(&self) -> Result<Option<Vec<ChannelKind>>> {
		let shape = match (&self.shape, self.prosumers.any()) {
			(Some(s), _) => Some(s.clone()),
			(None, false) => None,
			(None, true) => Some(vec![ChannelKind::ImportWh, ChannelKind::ExportWh]),
		};
		if let Some(s) = &shape {
			gridmask_primitives::channel::shape(s)
				.map_err(|e| anyhow::anyhow!("not a reading shape: {e:?}"))?;
			if self.prosumers.any() && !s.contains(&ChannelKind::ExportWh) {
				bail!("prosumers need an export_wh channel in the regions' shape");
			}
		}
		Ok(shape)
	}
}

/// Provisions `fleet`: master secrets into the KGC store, one credential per meter, demo owner
/// keys, the regions (and their shape), on-chain registration in batches (prosumers marked).
/// Refuses to overwrite an existing store.
pub async fn provision(
	chain: &Chain,
	kgc: &Keypair,
	dir: &StoreDir,
	fleet: &Fleet,
	batch: Option<u32>,
	fund_owners: u128,
) -> Result<ProvisionReport> {
	let (regions, per_region) = (&fleet.regions[..], fleet.per_region);
	let shape = fleet.shape_to_set()?;
	if dir.kgc().exists() {
		bail!(
			"{} exists: this store is already provisioned (use another --store)",
			dir.kgc().display()
		);
	}
	// kgc.json is sealed under the secrets key: make sure there is one before writing anything.
	dir.store_key()?;
	let max_batch = chain.constant(runtime::constants().meters().max_register_batch()).await?;
	let batch = batch.unwrap_or(max_batch).clamp(1, max_batch) as usize;
	let genesis = store::genesis_hex(chain.genesis().0);
	let regions_created = create_regions(chain, kgc, regions).await?;
	if let Some(shape) = &shape {
		set_shapes(chain, kgc, regions, shape).await?;
	}
	// Secrets and files before registration, so nothing registered is ever without its secret.
	let mut meters = Vec::new();
	let mut owners = Vec::new();
	let mut next = fleet.first_meter;
	for &region in regions {
		for k in 0..per_region {
			let prosumer = fleet.is_prosumer(region, k);
			let (meter, owner) = new_meter(dir, &genesis, next, region, prosumer)?;
			meters.push(meter);
			owners.push(owner);
			next = next.checked_add(1).context("meter id overflow")?;
		}
	}
	dir.save_kgc(&KgcStore { version: FORMAT_VERSION, genesis, meters })?;
	let batches = register(chain, kgc, regions, &owners, batch).await?;
	// Demo owners need funds for the fees of acknowledging or disputing their bills.
	if fund_owners > 0 {
		fund(chain, kgc, &owners, fund_owners).await?;
	}
	Ok(ProvisionReport {
		regions_created,
		shape: shape.map(|s| s.iter().map(|k| k.name().to_string()).collect()),
		meters_registered: owners.len(),
		prosumers: owners.iter().filter(|o| o.4).count(),
		owners_funded: if fund_owners > 0 { owners.len() } else { 0 },
		batches,
		store: dir.path.display().to_string(),
	})
}

/// A meter as registered on chain: (meter, region, owner account, owner's HPKE key, prosumer).
type Registration = (MeterId, RegionId, subxt::utils::AccountId32, bill::HpkePublicKey, bool);

/// Sets `shape` on each of `regions` (`meters.set_region_shape`) where it differs.
async fn set_shapes(
	chain: &Chain,
	kgc: &Keypair,
	regions: &[RegionId],
	shape: &[ChannelKind],
) -> Result<()> {
	let at = chain.api.at_current_block().await?;
	let mut calls = Vec::new();
	for &region in regions {
		let info = crate::chain::region_at(&at, region).await?;
		let now: Vec<ChannelKind> = info.shape.0.iter().map(crate::chain::channel_kind).collect();
		if now != shape {
			let kinds = shape.iter().map(|k| crate::chain::chain_channel_kind(*k)).collect();
			calls.push(runtime::tx().meters().set_region_shape(region, BoundedVec(kinds)));
		}
	}
	chain
		.sign_and_finalize_all(&calls, kgc, || {})
		.await
		.with_context(|| format!("setting the shape of regions {regions:?}"))?;
	Ok(())
}

/// Creates those of `regions` that do not exist yet (provisioning may add meters to a region);
/// returns them.
async fn create_regions(
	chain: &Chain,
	kgc: &Keypair,
	regions: &[RegionId],
) -> Result<Vec<RegionId>> {
	let mut created = Vec::new();
	let at = chain.api.at_current_block().await?;
	for &region in regions {
		let storage = runtime::storage().meters().regions();
		if at.storage().try_fetch(storage, (region,)).await?.is_none() {
			created.push(region);
		}
	}
	let calls: Vec<_> = created
		.iter()
		.map(|region| {
			let name = format!("region-{region}").into_bytes();
			runtime::tx().meters().create_region(*region, BoundedVec(name), BoundedVec(vec![]))
		})
		.collect();
	chain
		.sign_and_finalize_all(&calls, kgc, || {})
		.await
		.with_context(|| format!("creating regions {created:?}"))?;
	Ok(created)
}

/// A new meter `meter` in `region`: its master secret, its credential file, a demo owner (an
/// account and an HPKE key pair, in the owner file).
fn new_meter(
	dir: &StoreDir,
	genesis: &str,
	meter: MeterId,
	region: RegionId,
	prosumer: bool,
) -> Result<(KgcMeter, Registration)> {
	let master = MasterSecret::generate();
	let mut account_seed = [0u8; 32];
	rand::rngs::OsRng.fill_bytes(&mut account_seed);
	// A fresh key is of small order with negligible probability; never register one.
	let (hpke_sk, hpke_pk) = loop {
		let (sk, pk) = bill::generate_keypair();
		if pk.is_acceptable() {
			break (sk, pk);
		}
	};
	let owner = Keypair::from_secret_key(account_seed).context("owner key")?;
	write_secret_json(
		&dir.credential(meter),
		&Credential {
			version: FORMAT_VERSION,
			genesis: genesis.to_string(),
			meter,
			region,
			previous_regions: Vec::new(),
			master_secret: Secret32(master.0),
			prosumer,
		},
	)?;
	write_secret_json(
		&dir.owner(meter),
		&OwnerFile {
			version: FORMAT_VERSION,
			meter,
			account_seed: Secret32(account_seed),
			hpke_secret: Secret32(hpke_sk.0),
		},
	)?;
	Ok((
		KgcMeter { meter, region, master_secret: Secret32(master.0) },
		(meter, region, account_of(&owner), hpke_pk, prosumer),
	))
}

/// Registers `owners`' meters in batches of at most `batch`, each of one region's meters;
/// returns the number of transactions.
async fn register(
	chain: &Chain,
	kgc: &Keypair,
	regions: &[RegionId],
	owners: &[Registration],
	batch: usize,
) -> Result<usize> {
	let bar = progress::bar(owners.len() as u64, "registering meters");
	let mut calls = Vec::new();
	let mut sizes = Vec::new();
	for &region in regions {
		let mine: Vec<_> = owners.iter().filter(|o| o.1 == region).collect();
		for chunk in mine.chunks(batch) {
			let regs = chunk
				.iter()
				.map(|(meter, region, owner, key, prosumer)| {
					rt::pallet_meters::types::MeterRegistration {
						meter: *meter,
						region: *region,
						owner: owner.clone(),
						owner_key: Static(key.clone()),
						prosumer: *prosumer,
					}
				})
				.collect();
			sizes.push(chunk.len());
			calls.push(runtime::tx().meters().register_meters(BoundedVec(regs)));
		}
	}
	let mut k = 0;
	chain
		.sign_and_finalize_all(&calls, kgc, || {
			bar.inc(sizes[k] as u64);
			k += 1;
		})
		.await
		.context("registering meters")?;
	bar.finish_and_clear();
	Ok(calls.len())
}

/// Endows each owner account with `amount` plancks from the KGC account.
async fn fund(chain: &Chain, kgc: &Keypair, owners: &[Registration], amount: u128) -> Result<()> {
	let calls: Vec<_> = owners
		.iter()
		.map(|o| {
			let to = subxt::utils::MultiAddress::Id(o.2.clone());
			runtime::tx().balances().transfer_keep_alive(to, amount)
		})
		.collect();
	let bar = progress::bar(calls.len() as u64, "funding owners");
	chain
		.sign_and_finalize_all(&calls, kgc, || bar.inc(1))
		.await
		.context("funding the demo owners")?;
	bar.finish_and_clear();
	Ok(())
}

/// What `kgc setup` did.
#[derive(Debug, Default, Serialize)]
pub struct SetupReport {
	/// The periods set up.
	pub periods: Vec<PeriodIndex>,
	/// (region, period) pairs published now.
	pub published: usize,
	/// Pairs that were already complete on chain (a resumed run).
	pub already_complete: usize,
	/// Setup transactions (entries and filter chunks).
	pub transactions: usize,
	/// Seconds spent computing setups.
	pub compute_secs: f64,
}

impl std::fmt::Display for SetupReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		writeln!(
			f,
			"periods {:?}: published {} setups ({} already complete) in {} transactions; \
			 computed in {:.2} s",
			self.periods,
			self.published,
			self.already_complete,
			self.transactions,
			self.compute_secs
		)
	}
}

impl Output for SetupReport {}

/// Which periods to set up.
#[derive(Clone, Copy, Debug)]
pub enum PeriodSelection {
	/// The next `n` periods whose window has not opened (with a margin for the submissions).
	Next(u32),
	/// Every period of cycle `c` whose window has not opened.
	Cycle(u32),
}

/// Computes and publishes the setups (BF1, T, Z) of the selected periods for every region of
/// the store; skips pairs already complete on chain, so an interrupted run can be resumed.
pub async fn setup(
	chain: &Chain,
	kgc: &Keypair,
	dir: &StoreDir,
	which: PeriodSelection,
) -> Result<SetupReport> {
	let store = dir.load_kgc()?;
	// The meters each setup covers: those active in the region on chain now, in its current
	// membership epoch (the chain refuses a setup built for another epoch or count). Read
	// before the clock, so that the margin below is not eaten by these reads.
	let at = chain.api.at_current_block().await?;
	let by_region = active_sets(&at, &store).await?;
	let clock = chain.time().await?;
	let time = clock.started()?;
	let now = clock.next_blocks_ms();
	// A setup must be complete before the window opens; leave time for its transactions: two
	// rounds of inclusion and finality, about 10 blocks (a minute at 6-second blocks).
	let slot = chain.constant(runtime::constants().readings().min_block_time_ms()).await?;
	let margin_ms = 10 * slot;
	let periods: Vec<PeriodIndex> = match which {
		PeriodSelection::Next(n) => {
			let current = time.period_at(now).context("chain time before the clock")?;
			(current..).filter(|p| open_after(&time, *p, now, margin_ms)).take(n as usize).collect()
		},
		PeriodSelection::Cycle(c) => {
			let first = c.checked_mul(time.periods_per_cycle).context("cycle out of range")?;
			(first..first + time.periods_per_cycle)
				.filter(|p| open_after(&time, *p, now, margin_ms))
				.collect()
		},
	};
	if periods.is_empty() {
		bail!("every selected period's window has opened or is about to (chain time {now} ms)");
	}
	let mut report = SetupReport { periods: periods.clone(), ..Default::default() };

	// Which pairs still need publishing: not complete, or built for an older epoch (a meter
	// joined, left, moved, was suspended or reinstated since: replace it).
	let mut todo: Vec<(RegionId, PeriodIndex)> = Vec::new();
	for (&region, set) in &by_region {
		for &p in &periods {
			let st = at
				.runtime_apis()
				.call(runtime::runtime_apis().readings_api().period_state(region, p))
				.await?;
			if st.setup_complete && st.setup.is_some_and(|s| s.epoch == set.epoch) {
				report.already_complete += 1;
			} else {
				todo.push((region, p));
			}
		}
	}
	let started = std::time::Instant::now();
	let setups = compute_setups(&time, &by_region, &todo)?;
	report.compute_secs = started.elapsed().as_secs_f64();
	report.transactions = publish_setups(chain, kgc, &setups, &by_region).await?;
	report.published = setups.len();
	Ok(report)
}

/// The setups of the `todo` pairs, computed (rayon, all cores) per region over the contiguous
/// leaves of each cycle.
fn compute_setups(
	time: &TimeParams,
	by_region: &std::collections::BTreeMap<RegionId, ActiveSet>,
	todo: &[(RegionId, PeriodIndex)],
) -> Result<Vec<PeriodSetup>> {
	let mut setups: Vec<PeriodSetup> = Vec::new();
	for (&region, set) in by_region {
		let mine: Vec<PeriodIndex> = todo.iter().filter(|t| t.0 == region).map(|t| t.1).collect();
		let mut cycles: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
		for p in mine {
			cycles.entry(time.cycle_of(p)).or_default().push(u32::from(time.leaf_of(p)));
		}
		for (cycle, leaves) in cycles {
			let params = SetupParams {
				region,
				cycle,
				periods_per_cycle: time.periods_per_cycle,
				fp_exp: BF1_DEFAULT_FP_EXP,
				channels: set.channels,
			};
			let (lo, hi) = (*leaves.iter().min().unwrap(), *leaves.iter().max().unwrap());
			let built = build_periods(&params, &set.secrets, lo..hi + 1)
				.map_err(|e| anyhow::anyhow!("setup of region {region} cycle {cycle}: {e:?}"))?;
			setups.extend(built.into_iter().filter(|s| leaves.contains(&u32::from(s.leaf))));
		}
	}
	Ok(setups)
}

/// Publishes `setups`: their entries in batches, then each filter in chunk batches. Returns
/// the number of transactions.
async fn publish_setups(
	chain: &Chain,
	kgc: &Keypair,
	setups: &[PeriodSetup],
	by_region: &std::collections::BTreeMap<RegionId, ActiveSet>,
) -> Result<usize> {
	let max_setup =
		chain.constant(runtime::constants().readings().max_setup_batch()).await? as usize;
	let max_chunks =
		chain.constant(runtime::constants().readings().max_chunks_per_call()).await? as usize;
	let entry_calls: Vec<_> = setups
		.chunks(max_setup)
		.map(|batch| {
			let entries = batch
				.iter()
				.map(|s| rt::pallet_readings::types::SetupEntry {
					region: s.region,
					period: s.period,
					bf1: Static(s.bf1.params()),
					t: Static(s.t),
					z: BoundedVec(s.z.to_vec()),
					expected: s.entries,
					epoch: by_region[&s.region].epoch,
				})
				.collect();
			runtime::tx().readings().publish_setup(BoundedVec(entries))
		})
		.collect();
	let mut chunk_calls = Vec::new();
	for s in setups {
		let all: Vec<u32> = (0..s.bf1.chunk_count(BF1_BLOCKS_PER_CHUNK)).collect();
		for ids in all.chunks(max_chunks) {
			let chunk = |i: u32| s.bf1.chunk(i, BF1_BLOCKS_PER_CHUNK).expect("i < count").to_vec();
			let chunks = ids.iter().map(|&i| (i, BoundedVec(chunk(i)))).collect();
			let call =
				runtime::tx().readings().publish_bf1_chunks(s.region, s.period, BoundedVec(chunks));
			chunk_calls.push(call);
		}
	}
	let bar = progress::bar((entry_calls.len() + chunk_calls.len()) as u64, "publishing setups");
	chain
		.sign_and_finalize_all(&entry_calls, kgc, || bar.inc(1))
		.await
		.context("publishing setup entries")?;
	chain
		.sign_and_finalize_all(&chunk_calls, kgc, || bar.inc(1))
		.await
		.context("publishing the filters")?;
	bar.finish_and_clear();
	Ok(entry_calls.len() + chunk_calls.len())
}

/// The meters a region's setups cover now: its active meters on chain, their secrets from the
/// store, and the region's membership epoch.
struct ActiveSet {
	epoch: u32,
	/// Channels of the region's shape: one `Z` each.
	channels: u8,
	secrets: Vec<MasterSecret>,
}

/// The active set of every region where a meter of the store is active on chain now. Errors if
/// a region has an active meter whose secret the store lacks (no setup could cover it).
async fn active_sets(
	at: &crate::chain::AtBlock,
	store: &KgcStore,
) -> Result<std::collections::BTreeMap<RegionId, ActiveSet>> {
	use std::collections::{BTreeMap, HashMap};
	// One paged walk over the registry: a query per meter would be 100,000 round trips for
	// 100,000 meters.
	let mut status = HashMap::new();
	let mut iter = at.storage().entry(runtime::storage().meters().meters())?.iter(()).await?;
	while let Some(kv) = futures::StreamExt::next(&mut iter).await {
		let kv = kv?;
		let (meter,) = kv.key()?.decode()?;
		let info = kv.value().decode()?;
		status.insert(meter, info);
	}
	let mut sets: BTreeMap<RegionId, ActiveSet> = BTreeMap::new();
	for m in &store.meters {
		let Some(info) = status.get(&m.meter) else { continue };
		if matches!(info.status, rt::pallet_meters::types::MeterStatus::Active) {
			sets.entry(info.region)
				.or_insert_with(|| ActiveSet { epoch: 0, channels: 1, secrets: Vec::new() })
				.secrets
				.push(m.secret());
		}
	}
	for (&region, set) in sets.iter_mut() {
		let info = crate::chain::region_at(at, region).await?;
		if set.secrets.len() as u32 != info.active_meters {
			bail!(
				"region {region} has {} active meters on chain but this store holds the secrets of \
				 {}: a setup must cover every active meter of the region",
				info.active_meters,
				set.secrets.len()
			);
		}
		set.epoch = info.epoch;
		set.channels = info.shape.0.len() as u8;
	}
	Ok(sets)
}

fn open_after(time: &TimeParams, p: PeriodIndex, now: u64, margin_ms: u64) -> bool {
	time.period_end(p).is_some_and(|end| end > now + margin_ms)
}

/// Closes `region`'s `period` void (`faults.void_period`): sealed with no aggregate, for a
/// period that cannot be repaired.
pub async fn void_period(
	chain: &Chain,
	kgc: &Keypair,
	region: RegionId,
	period: PeriodIndex,
) -> Result<()> {
	chain
		.sign_and_finalize(&runtime::tx().faults().void_period(region, period), kgc)
		.await
		.with_context(|| format!("closing region {region} period {period} void"))?;
	Ok(())
}

/// Moves `meter` to region `to` on chain (`meters.move_meter`), then in the store and in its
/// credential, which keeps the old region as a fallback for setups published before the move.
/// Returns the old region.
pub async fn move_meter(
	chain: &Chain,
	kgc: &Keypair,
	dir: &StoreDir,
	meter: MeterId,
	to: RegionId,
) -> Result<RegionId> {
	let mut store = dir.load_kgc()?;
	let entry = store
		.meters
		.iter_mut()
		.find(|m| m.meter == meter)
		.with_context(|| format!("meter {meter} is not in this store"))?;
	let from = entry.region;
	chain
		.sign_and_finalize(&runtime::tx().meters().move_meter(meter, to), kgc)
		.await
		.with_context(|| format!("moving meter {meter} to region {to}"))?;
	entry.region = to;
	dir.save_kgc(&store)?;
	let path = dir.credential(meter);
	let mut credential: Credential = crate::store::read_json(&path)?;
	credential.previous_regions.retain(|r| *r != to);
	credential.previous_regions.insert(0, credential.region);
	credential.region = to;
	write_secret_json(&path, &credential)?;
	Ok(from)
}

/// `~/.local/share/gridmask/kgc-secrets.key` (`$XDG_DATA_HOME` if set).
pub fn default_secrets_key_path() -> Result<std::path::PathBuf> {
	let base = match std::env::var_os("XDG_DATA_HOME") {
		Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
		_ => std::path::PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
			.join(".local/share"),
	};
	Ok(base.join("gridmask/kgc-secrets.key"))
}

/// Writes a new secrets key to `path` (never over an existing file); its public key.
pub fn new_secrets_key(path: &std::path::Path) -> Result<String> {
	use std::{io::Write, os::unix::fs::OpenOptionsExt};
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
	}
	let seed: [u8; 32] = rand::random();
	let mut f = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(path)
		.with_context(|| {
			format!("creating {} (an existing key is never replaced)", path.display())
		})?;
	writeln!(f, "{}", hex::encode(seed))?;
	f.sync_all()?;
	Ok(format!("0x{}", hex::encode(gridmask_primitives::secrets::secrets_public_of_seed(&seed))))
}

/// The seed in a secrets key file (`gridmask_primitives::secrets::read_key_file`).
pub fn read_secrets_key(path: &std::path::Path) -> Result<[u8; 32]> {
	gridmask_primitives::secrets::read_key_file(path).map_err(|e| {
		if path.exists() {
			anyhow::anyhow!(e)
		} else {
			anyhow::anyhow!("{e} (make one with `gridmask kgc new-secrets-key`)")
		}
	})
}

/// What `kgc push-secrets` did.
#[derive(Debug, Serialize)]
pub struct PushReport {
	/// The KGC node written to.
	pub node: String,
	/// (region, meters whose secret the node now holds for it).
	pub regions: Vec<(RegionId, usize)>,
	/// The `gmkg` public key inserted (`0x…`): the KGC account's.
	pub key: String,
	/// The secrets key's public key (`0x…`), which the node holds in memory as `gmsk`.
	pub secrets_key: String,
	/// The node's roles (`Authority`, `Full`): its off-chain worker runs by default only on an
	/// authority.
	pub node_roles: Vec<String>,
}

impl std::fmt::Display for PushReport {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		for (region, n) in &self.regions {
			writeln!(f, "KGC node {}: region {region} secrets of {n} meters", self.node)?;
		}
		writeln!(
			f,
			"KGC node {}: gmkg key {} (node roles {:?})",
			self.node, self.key, self.node_roles
		)?;
		writeln!(
			f,
			"KGC node {}: secrets sealed under the secrets key {} it holds",
			self.node, self.secrets_key
		)?;
		if !self.node_roles.iter().any(|r| r == "Authority") {
			writeln!(
				f,
				"note: the node is not an authority; its off-chain worker runs only with \
				 --offchain-worker always"
			)?;
		}
		Ok(())
	}
}

impl Output for PushReport {}

/// Gives the KGC node what its fault-resolution worker needs (PROTOCOL §4 step 6): every
/// region's master secrets into its PERSISTENT off-chain storage (merged with what it holds:
/// meters of other stores are kept, this store's replace theirs), and the KGC's signing key
/// into its keystore as key type `gmkg`. Both are unsafe RPC methods, served only on the KGC
/// node's admin endpoint (loopback, no browsers): the KGC node must be the KGC's own.
///
/// Each region's entry is sealed (`gridmask_primitives::secrets`) under the key derived from
/// the operator's secrets key file, which the node must hold too (started with
/// `--kgc-secrets-key-file` and the same file): the node's disk alone does not give them.
pub async fn push_secrets(
	node: &crate::chain::Admin,
	secrets_key_file: &std::path::Path,
	kgc_suri: &str,
	dir: &StoreDir,
) -> Result<PushReport> {
	use codec::{Decode, Encode};
	use gridmask_primitives::secrets;
	use pallet_faults::offchain::{secrets_key, RegionSecrets};
	use subxt::rpcs::rpc_params;

	let seed = read_secrets_key(secrets_key_file)?;
	let seal_key = secrets::seal_key_of_seed(&seed);
	let secrets_public = format!("0x{}", hex::encode(secrets::secrets_public_of_seed(&seed)));
	let secrets_type = String::from_utf8_lossy(&secrets::SECRETS_KEY_TYPE).into_owned();

	let store = dir.load_kgc()?;
	store::same_chain("the store", &store.genesis, node.genesis().await?.0)?;
	let unsafe_hint = |e: subxt::rpcs::Error, method: &str| {
		anyhow::anyhow!(
			"the KGC node refused {method}: {e} (is {} the node's admin endpoint, \
			 --admin-rpc-port?)",
			node.url
		)
	};
	let mut by_region: std::collections::BTreeMap<RegionId, RegionSecrets> = Default::default();
	for m in &store.meters {
		by_region.entry(m.region).or_default().push((m.meter, m.master_secret.0));
	}
	let mut regions = Vec::new();
	for (region, mine) in by_region {
		let key = format!("0x{}", hex::encode(secrets_key(region)));
		let held: Option<String> = node
			.rpc
			.request("offchain_localStorageGet", rpc_params!["PERSISTENT", &key])
			.await
			.map_err(|e| unsafe_hint(e, "offchain_localStorageGet"))?;
		let storage_key = secrets_key(region);
		let mut merged: std::collections::BTreeMap<MeterId, [u8; 32]> = match held {
			Some(h) => {
				let sealed = hex::decode(h.trim_start_matches("0x")).context("node's answer")?;
				let plain = secrets::open(&seal_key, &storage_key, &sealed).with_context(|| {
					format!(
						"the node's secrets of region {region} do not open with the secrets key \
						 {}: sealed under another key (or not sealed: written by an older \
						 gridmask); clear them with offchain_localStorageClear and push again",
						secrets_key_file.display()
					)
				})?;
				RegionSecrets::decode(&mut &plain[..])
					.with_context(|| format!("the node's secrets of region {region} are corrupt"))?
					.into_iter()
					.collect()
			},
			None => Default::default(),
		};
		merged.extend(mine);
		let value: RegionSecrets = merged.into_iter().collect();
		let count = value.len();
		let sealed = secrets::seal(&seal_key, rand::random(), &storage_key, &value.encode());
		let () = node
			.rpc
			.request(
				"offchain_localStorageSet",
				rpc_params!["PERSISTENT", &key, format!("0x{}", hex::encode(sealed))],
			)
			.await
			.map_err(|e| unsafe_hint(e, "offchain_localStorageSet"))?;
		regions.push((region, count));
	}

	let public = format!("0x{}", hex::encode(crate::chain::keypair(kgc_suri)?.public_key().0));
	let key_type = String::from_utf8_lossy(&pallet_faults::KEY_TYPE.0).into_owned();
	let () = node
		.rpc
		.request("author_insertKey", rpc_params![&key_type, kgc_suri, &public])
		.await
		.map_err(|e| unsafe_hint(e, "author_insertKey"))?;
	if !node.has_key(&public, &key_type).await.map_err(|e| unsafe_hint(e, "author_hasKey"))? {
		bail!("the KGC node accepted the {key_type} key but does not hold it");
	}
	if !node
		.has_key(&secrets_public, &secrets_type)
		.await
		.map_err(|e| unsafe_hint(e, "author_hasKey"))?
	{
		bail!(
			"the secrets were pushed, sealed, but the KGC node does not hold the secrets key \
			 {secrets_public} that opens them: restart it with --kgc-secrets-key-file {}",
			secrets_key_file.display()
		);
	}
	let node_roles: Vec<String> = node.rpc.request("system_nodeRoles", rpc_params![]).await?;
	Ok(PushReport {
		node: node.url.clone(),
		regions,
		key: public,
		secrets_key: secrets_public,
		node_roles,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn prosumers_are_spread_evenly_and_need_an_export_channel() {
		let share = |all| ProsumerShare { all, per_region: BTreeMap::new() };
		let fleet = |pct| Fleet { prosumers: share(pct), ..Fleet::consumers(&[1], 10, 1) };
		let count = |f: &Fleet| (0..10).filter(|k| f.is_prosumer(1, *k)).count();
		assert_eq!([0, 10, 30, 35, 100].map(|p| count(&fleet(p))), [0, 1, 3, 3, 10]);
		let which = (0..10).filter(|k| fleet(30).is_prosumer(1, *k)).collect::<Vec<_>>();
		assert_eq!(which, [3, 6, 9]);
		// Per region: the regions listed, the others none.
		let listed = parse_prosumers("1:60, 2:20").unwrap();
		assert_eq!((listed.pct(1), listed.pct(2), listed.pct(3)), (60, 20, 0));
		assert_eq!(parse_prosumers("30"), Ok(share(30)));
		assert!(parse_prosumers("101").unwrap_err().contains("0 to 100"));
		assert!(parse_prosumers("1:20,x").unwrap_err().contains("REGION:PCT"));
		let five = Fleet { prosumers: listed, ..Fleet::consumers(&[1, 2], 5, 1) };
		let count = |r| (0..5).filter(|k| five.is_prosumer(r, *k)).count();
		assert_eq!((count(1), count(2)), (3, 1));
		use ChannelKind::*;
		assert_eq!(fleet(0).shape_to_set().unwrap(), None);
		assert_eq!(five.shape_to_set().unwrap(), Some(vec![ImportWh, ExportWh]));
		assert_eq!(fleet(30).shape_to_set().unwrap(), Some(vec![ImportWh, ExportWh]));
		let only_import = Fleet { shape: Some(vec![ImportWh]), ..fleet(30) };
		assert!(only_import.shape_to_set().unwrap_err().to_string().contains("export_wh"));
		let bad = Fleet { shape: Some(vec![ExportWh]), ..fleet(0) };
		assert!(bad.shape_to_set().is_err());
	}
}
