//! Files the client keeps: the KGC store, meter credentials and demo owner keys. All are JSON,
//! written with mode 0600 (they hold secrets), atomically (write, then rename).
//!
//! ```text
//! <store>/kgc.json                the KGC store: chain, regions, every meter's master secret,
//!                                 sealed under the KGC secrets key
//! <store>/meters/meter-<id>.json  one meter's credential (what is burnt into the device)
//! <store>/owners/owner-<id>.json  the demo owner of meter <id>: account seed + HPKE secret key
//! ```
//!
//! `kgc.json` holds every household's master secret, so it is **sealed** (format version 2):
//! `{"version":2,"genesis":"0x…","sealed":"0x…"}`, where `sealed` is
//! `gridmask_primitives::secrets::seal` under `store_key(seed)` of the KGC secrets key file
//! (the one the KGC node opens its copy of the secrets with), associated data
//! `"gridmask/kgc-store/v2" ‖ genesis`, of the JSON
//! `{"version":1,"genesis":"0x…","meters":[{"meter":1000,"region":1,"master_secret":"0x…"}…]}`.
//! A plain version-1 `kgc.json` (from an older client) is read once and sealed in place.
//! Credentials and owner files stay plain (mode 0600): each is one meter's or one owner's own
//! secret, which in a deployment lives on that device, not beside the KGC's.
//! A credential is `{"version":1,"genesis":"0x…","meter":1000,"region":1,"master_secret":"0x…"}`.
//! An owner file is `{"version":1,"meter":1000,"account_seed":"0x…","hpke_secret":"0x…"}`.
//! A bill key (`gridmask owner bill-key`) is the part of it that opens the owner's bills and
//! cannot answer them: `{"version":1,"meter":1000,"hpke_secret":"0x…"}`. An owner file read as
//! a bill key gives the same; it is what an owner hands to a gateway that serves them their
//! bills.

use anyhow::{bail, Context, Result};
use gridmask_primitives::{MasterSecret, MeterId, RegionId};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};

/// The format version of every file here.
pub const FORMAT_VERSION: u32 = 1;

/// A 32-byte secret as `0x…` hex in JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret32(pub [u8; 32]);

impl std::fmt::Debug for Secret32 {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("Secret32(…)")
	}
}

impl Serialize for Secret32 {
	fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(self.0)))
	}
}

impl<'de> Deserialize<'de> for Secret32 {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let s = String::deserialize(d)?;
		parse_hex32(&s).map(Secret32).map_err(serde::de::Error::custom)
	}
}

/// Parses `0x` + 64 hex digits.
pub fn parse_hex32(s: &str) -> Result<[u8; 32]> {
	let h = s.strip_prefix("0x").unwrap_or(s);
	let v = hex::decode(h).with_context(|| format!("not hex: {s:?}"))?;
	v.try_into().map_err(|v: Vec<u8>| anyhow::anyhow!("expected 32 bytes, got {}", v.len()))
}

/// One meter in the KGC store.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KgcMeter {
	/// Billing id (BID).
	pub meter: MeterId,
	/// Its region.
	pub region: RegionId,
	/// Its master secret (PROTOCOL §3.1).
	pub master_secret: Secret32,
}

impl KgcMeter {
	/// The master secret.
	pub fn secret(&self) -> MasterSecret {
		MasterSecret(self.master_secret.0)
	}
}

/// The KGC's store.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KgcStore {
	/// Format version.
	pub version: u32,
	/// The chain these meters are registered on (`0x…`).
	pub genesis: String,
	/// Every meter, in registration order.
	pub meters: Vec<KgcMeter>,
}

/// A meter's credential file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Credential {
	/// Format version.
	pub version: u32,
	/// The chain (`0x…`).
	pub genesis: String,
	/// Billing id.
	pub meter: MeterId,
	/// Region.
	pub region: RegionId,
	/// Regions the meter was moved from, most recent first: a setup published before a move
	/// may still cover it there for a few periods.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub previous_regions: Vec<RegionId>,
	/// Master secret.
	pub master_secret: Secret32,
	/// Whether the meter's household has panels and can export (as registered on chain).
	#[serde(default, skip_serializing_if = "std::ops::Not::not")]
	pub prosumer: bool,
}

impl Credential {
	/// The meter's region, then the ones it was moved from.
	pub fn regions(&self) -> impl Iterator<Item = RegionId> + '_ {
		core::iter::once(self.region).chain(self.previous_regions.iter().copied())
	}
}

/// A demo owner's keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OwnerFile {
	/// Format version.
	pub version: u32,
	/// The meter owned.
	pub meter: MeterId,
	/// Seed of the owner's sr25519 account.
	pub account_seed: Secret32,
	/// The owner's HPKE (X25519) secret key.
	pub hpke_secret: Secret32,
}

impl OwnerFile {
	/// What opens this owner's bills (without the account key that answers them).
	pub fn bill_key(&self) -> BillKey {
		BillKey { version: self.version, meter: self.meter, hpke_secret: self.hpke_secret.clone() }
	}
}

/// What opens an owner's bill reports and nothing more: no account key, so whoever holds it
/// can read and verify the bills but cannot acknowledge or dispute them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BillKey {
	/// Format version.
	pub version: u32,
	/// The meter owned.
	pub meter: MeterId,
	/// The owner's HPKE (X25519) secret key.
	pub hpke_secret: Secret32,
}

/// The paths of a store directory, and the KGC secrets key that seals its `kgc.json`.
#[derive(Clone)]
pub struct StoreDir {
	/// The directory.
	pub path: PathBuf,
	/// The seed of the KGC secrets key (needed for `kgc.json` only).
	secrets_key: Option<[u8; 32]>,
}

impl std::fmt::Debug for StoreDir {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("StoreDir").field("path", &self.path).finish_non_exhaustive()
	}
}

/// Associated data of the sealed `kgc.json`, before the genesis hash.
const KGC_STORE_AAD: &[u8] = b"gridmask/kgc-store/v2";
/// The file format version of a sealed `kgc.json`.
const SEALED_KGC_VERSION: u32 = 2;

/// A sealed `kgc.json`.
#[derive(Serialize, Deserialize)]
struct SealedKgcStore {
	version: u32,
	genesis: String,
	sealed: String,
}

impl StoreDir {
	/// The store at `path`, without the secrets key (enough for credentials and owners).
	pub fn new(path: impl Into<PathBuf>) -> Self {
		Self { path: path.into(), secrets_key: None }
	}

	/// The store at `path` whose `kgc.json` is sealed under the secrets key `seed`.
	pub fn with_secrets_key(path: impl Into<PathBuf>, seed: [u8; 32]) -> Self {
		Self { path: path.into(), secrets_key: Some(seed) }
	}

	/// `<dir>/kgc.json`.
	pub fn kgc(&self) -> PathBuf {
		self.path.join("kgc.json")
	}
	/// `<dir>/meters`.
	pub fn meters(&self) -> PathBuf {
		self.path.join("meters")
	}
	/// `<dir>/meters/meter-<id>.json`.
	pub fn credential(&self, meter: MeterId) -> PathBuf {
		self.meters().join(format!("meter-{meter}.json"))
	}
	/// `<dir>/owners/owner-<id>.json`.
	pub fn owner(&self, meter: MeterId) -> PathBuf {
		self.path.join("owners").join(format!("owner-{meter}.json"))
	}

	/// The key `kgc.json` is sealed under (an error if this store was opened without the
	/// secrets key).
	pub fn store_key(&self) -> Result<[u8; 32]> {
		let seed = self.secrets_key.with_context(|| {
			format!("{} is sealed: the KGC secrets key is needed", self.kgc().display())
		})?;
		Ok(gridmask_primitives::secrets::store_key(&seed))
	}

	/// Reads the KGC store, opening it with the secrets key. A plain (version 1) store is
	/// sealed in place first.
	pub fn load_kgc(&self) -> Result<KgcStore> {
		use gridmask_primitives::secrets;
		let path = self.kgc();
		let raw: serde_json::Value = read_json(&path)?;
		let version = raw.get("version").and_then(|v| v.as_u64());
		let store: KgcStore = match version {
			Some(v) if v == u64::from(SEALED_KGC_VERSION) => {
				let file: SealedKgcStore = serde_json::from_value(raw)
					.with_context(|| format!("{} is not a sealed KGC store", path.display()))?;
				let sealed = hex::decode(file.sealed.trim_start_matches("0x"))
					.with_context(|| format!("{}: `sealed` is not hex", path.display()))?;
				let aad = [KGC_STORE_AAD, file.genesis.as_bytes()].concat();
				let plain =
					secrets::open(&self.store_key()?, &aad, &sealed).with_context(|| {
						format!(
							"{} does not open with this KGC secrets key (another key, or altered)",
							path.display()
						)
					})?;
				serde_json::from_slice(&plain)
					.with_context(|| format!("{}: the sealed store is corrupt", path.display()))?
			},
			Some(v) if v == u64::from(FORMAT_VERSION) => {
				let store: KgcStore = serde_json::from_value(raw)
					.with_context(|| format!("{} is not a KGC store", path.display()))?;
				self.save_kgc(&store)?;
				eprintln!("note: {} was plain; it is now sealed", path.display());
				store
			},
			_ => bail!(
				"{}: format version {version:?} (this client reads {FORMAT_VERSION} and \
				 {SEALED_KGC_VERSION})",
				path.display()
			),
		};
		if store.version != FORMAT_VERSION {
			bail!("{}: inner format version {}", path.display(), store.version);
		}
		Ok(store)
	}

	/// Writes the KGC store, sealed under the secrets key (mode 0600, atomically).
	pub fn save_kgc(&self, store: &KgcStore) -> Result<()> {
		use gridmask_primitives::secrets;
		let plain = serde_json::to_vec(store)?;
		let aad = [KGC_STORE_AAD, store.genesis.as_bytes()].concat();
		let sealed = secrets::seal(&self.store_key()?, rand::random(), &aad, &plain);
		let file = SealedKgcStore {
			version: SEALED_KGC_VERSION,
			genesis: store.genesis.clone(),
			sealed: format!("0x{}", hex::encode(sealed)),
		};
		write_secret_json(&self.kgc(), &file)
	}
}

/// Writes `value` as pretty JSON to `path` with mode 0600, atomically ([`write_private`]).
pub fn write_secret_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
	let mut bytes = serde_json::to_vec_pretty(value)?;
	bytes.push(b'\n');
	write_private(path, &bytes)
}

/// Writes `bytes` to `path`, readable by the user only (0600), atomically: through a new
/// temporary file beside it, created exclusively (`O_CREAT|O_EXCL`: a file or symlink
/// already at that name is never opened, so the bytes cannot land in someone else's file or
/// keep its mode), then renamed over `path` (which replaces a symlink at `path` instead of
/// following it). The directory is made 0700 if this creates it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
	let dir = match path.parent() {
		Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
		_ => PathBuf::from("."),
	};
	if !dir.exists() {
		std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
		std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok();
	}
	let name = path.file_name().with_context(|| format!("{} names no file", path.display()))?;
	let tmp = dir.join(format!(".{}.{:016x}.tmp", name.to_string_lossy(), rand::random::<u64>()));
	let mut f = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(&tmp)
		.with_context(|| format!("creating {}", tmp.display()))?;
	let written = f.write_all(bytes).and_then(|()| f.sync_all());
	drop(f);
	if let Err(e) = written.map_err(anyhow::Error::from).and_then(|()| {
		std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
	}) {
		std::fs::remove_file(&tmp).ok();
		return Err(e);
	}
	Ok(())
}

/// Reads a JSON file, naming the file in errors.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
	let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
	serde_json::from_slice(&bytes)
		.with_context(|| format!("{} is not a valid file of its kind", path.display()))
}

/// A genesis hash as the files write it: `0x` and 64 lowercase hex digits.
pub fn genesis_hex(genesis: [u8; 32]) -> String {
	format!("0x{}", hex::encode(genesis))
}

/// Whether a file's `genesis` (`0x…`) is the hash `genesis` (compared as bytes, so the case of
/// its hex digits does not matter): the bill check's own comparison.
pub use gridmask_bill::report::is_genesis;

/// `Err` unless `what` (a file, whose `genesis` is `written`) is of the chain the node runs.
pub fn same_chain(what: &str, written: &str, node: [u8; 32]) -> Result<()> {
	if !is_genesis(written, node) {
		bail!("{what} is for chain {written}, but the node runs {}", genesis_hex(node));
	}
	Ok(())
}

/// Reads a JSON file that holds a secret, refusing it (as ssh refuses a key) if others than
/// its owner may read it.
pub fn read_private_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
	let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
	let mode = meta.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		bail!("{} is readable by others (mode {mode:o}): chmod 600 it", path.display());
	}
	read_json(path)
}

/// Reads credentials: a single file, or every `meter-*.json` of a directory (sorted by meter).
pub fn load_credentials(path: &Path) -> Result<Vec<Credential>> {
	let files = if path.is_dir() {
		let mut v: Vec<PathBuf> = std::fs::read_dir(path)
			.with_context(|| format!("reading {}", path.display()))?
			.filter_map(|e| e.ok().map(|e| e.path()))
			.filter(|p| {
				p.file_name()
					.and_then(|n| n.to_str())
					.is_some_and(|n| n.starts_with("meter-") && n.ends_with(".json"))
			})
			.collect();
		v.sort();
		v
	} else {
		vec![path.to_path_buf()]
	};
	let mut creds = files
		.iter()
		.map(|f| {
			let c: Credential = read_json(f)?;
			if c.version != FORMAT_VERSION {
				bail!(
					"{}: format version {} (this client reads {FORMAT_VERSION})",
					f.display(),
					c.version
				);
			}
			Ok(c)
		})
		.collect::<Result<Vec<_>>>()?;
	if creds.is_empty() {
		bail!("no meter credentials (meter-*.json) in {}", path.display());
	}
	creds.sort_by_key(|c| c.meter);
	Ok(creds)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_files_genesis_is_compared_as_bytes() {
		let g = [0xab; 32];
		let written = genesis_hex(g);
		assert_eq!(written.len(), 66);
		assert!(
			is_genesis(&written, g) && is_genesis(&written.to_uppercase().replace("0X", "0x"), g)
		);
		assert!(
			!is_genesis(&written, [0xac; 32]) && !is_genesis("0xab", g) && !is_genesis("nope", g)
		);
		let err = same_chain("the store", "0x00", g).unwrap_err().to_string();
		assert!(err.contains("the store is for chain 0x00, but the node runs 0xabab"), "{err}");
	}

	/// `kgc.json` is sealed: no master secret appears in the file, it opens only with its
	/// key, and a plain (version 1) store is sealed in place when read.
	#[test]
	fn the_kgc_store_is_sealed() {
		let dir = crate::test_dir::TempDir::new();
		let store = StoreDir::with_secrets_key(dir.path(), [7; 32]);
		let kgc = KgcStore {
			version: FORMAT_VERSION,
			genesis: "0xab".into(),
			meters: vec![KgcMeter { meter: 1, region: 2, master_secret: Secret32([0x5a; 32]) }],
		};
		store.save_kgc(&kgc).unwrap();
		let text = std::fs::read_to_string(store.kgc()).unwrap();
		assert!(!text.contains(&"5a".repeat(32)), "no plain master secret: {text}");
		assert!(text.contains("\"version\": 2"), "{text}");
		assert_eq!(store.load_kgc().unwrap().meters[0].master_secret, Secret32([0x5a; 32]));
		let wrong = StoreDir::with_secrets_key(dir.path(), [8; 32]);
		assert!(format!("{:#}", wrong.load_kgc().unwrap_err()).contains("does not open"));
		let keyless = StoreDir::new(dir.path());
		assert!(format!("{:#}", keyless.load_kgc().unwrap_err()).contains("secrets key"));
		// An older client's plain store: read, and sealed in place.
		write_secret_json(&store.kgc(), &kgc).unwrap();
		assert_eq!(store.load_kgc().unwrap().meters.len(), 1);
		let text = std::fs::read_to_string(store.kgc()).unwrap();
		assert!(!text.contains(&"5a".repeat(32)) && text.contains("sealed"), "{text}");
	}

	#[test]
	fn secrets_are_written_private_and_read_back() {
		let dir = crate::test_dir::TempDir::new();
		let store = StoreDir::new(dir.path());
		let c = Credential {
			version: 1,
			genesis: "0x00".into(),
			meter: 7,
			region: 2,
			previous_regions: vec![1],
			master_secret: Secret32([9; 32]),
			prosumer: true,
		};
		write_secret_json(&store.credential(7), &c).unwrap();
		let mode = std::fs::metadata(store.credential(7)).unwrap().permissions().mode();
		assert_eq!(mode & 0o777, 0o600);
		let back = load_credentials(&store.meters()).unwrap();
		assert_eq!(back.len(), 1);
		assert_eq!(back[0].master_secret, Secret32([9; 32]));
		assert_eq!(back[0].regions().collect::<Vec<_>>(), vec![2, 1]);
		assert!(back[0].prosumer);
		assert!(!format!("{:?}", back[0]).contains("09"), "Debug never prints a secret");
	}

	/// A symlink where the file or an old-style temporary file goes is replaced or ignored,
	/// never followed: the secret does not land in the link's target.
	#[test]
	fn secrets_never_follow_a_symlink() {
		use std::os::unix::fs::symlink;
		let dir = crate::test_dir::TempDir::new();
		let target = dir.path().join("attacker-readable");
		let path = dir.path().join("kgc.json");
		symlink(&target, &path).unwrap();
		symlink(&target, dir.path().join("kgc.json.tmp")).unwrap();
		write_secret_json(&path, &Secret32([9; 32])).unwrap();
		assert!(!target.exists(), "nothing was written through a symlink");
		let meta = std::fs::symlink_metadata(&path).unwrap();
		assert!(meta.file_type().is_file(), "the link itself was replaced by the file");
		assert_eq!(meta.permissions().mode() & 0o777, 0o600);
		// A file already at the final path, world-readable: replaced, private.
		let page = dir.path().join("bill.html");
		std::fs::write(&page, b"old").unwrap();
		std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o644)).unwrap();
		write_private(&page, b"new").unwrap();
		assert_eq!(std::fs::read(&page).unwrap(), b"new");
		assert_eq!(std::fs::metadata(&page).unwrap().permissions().mode() & 0o777, 0o600);
		// No temporary file is left behind.
		let left: Vec<_> = std::fs::read_dir(dir.path())
			.unwrap()
			.filter_map(|e| e.ok())
			.filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
			.map(|e| e.file_name())
			.collect();
		assert_eq!(left, vec![std::ffi::OsString::from("kgc.json.tmp")], "only the planted link");
	}

	#[test]
	fn bad_files_are_named() {
		let dir = crate::test_dir::TempDir::new();
		let p = dir.path().join("meter-1.json");
		std::fs::write(&p, b"{\"version\":1}").unwrap();
		let e = load_credentials(dir.path()).unwrap_err();
		assert!(format!("{e:#}").contains("meter-1.json"), "{e:#}");
		assert!(parse_hex32("0x12").is_err());
	}
}
