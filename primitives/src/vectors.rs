//! Test vectors (std): inputs and every intermediate of §3, as JSON.
//!
//! [`generate`] builds them, [`check`] recomputes everything a [`TestVectors`] states from its
//! inputs and verifies its signatures and HPKE ciphertext. The committed file is
//! `primitives/test-vectors/v2.json` (v2: readings of several channels, PROTOCOL.md §3a);
//! regenerate it with [`REGENERATE`]. Byte strings are lowercase
//! hex without `0x`; u64 values are decimal strings (JSON numbers lose precision above 2^53 in
//! JavaScript).

use alloc::{
	collections::BTreeMap,
	format,
	string::{String, ToString},
	vec::Vec,
};
use serde::{Deserialize, Serialize};
use sp_core::H256;

use crate::{
	bill,
	bloom::{Bf1, Bf1Params},
	channel::{self, ChannelKind, Shape},
	cid::RawCid,
	commitment::t_commitment_sorted,
	ggm,
	hashing::blake2b_256,
	mask,
	prid::{self, Prid, ReadingSignature},
	reading::ReadingPayload,
	seed::MasterSecret,
	tags,
	time::TimeParams,
	LeafIndex,
};

/// The command that regenerates the committed file (run from the repository root).
pub const REGENERATE: &str =
	"cargo run --release -p gridmask-primitives --example gen-vectors > primitives/test-vectors/v2.json";

mod dec {
	//! u64 as a decimal string.
	use alloc::string::{String, ToString};
	use serde::{Deserialize, Deserializer, Serializer};
	pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&v.to_string())
	}
	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
		String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
	}
}

mod decs {
	//! A list of u64, one per channel, as decimal strings.
	use alloc::{
		string::{String, ToString},
		vec::Vec,
	};
	use serde::{Deserialize, Deserializer, Serializer};
	pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
		s.collect_seq(v.iter().map(|x| x.to_string()))
	}
	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
		Vec::<String>::deserialize(d)?
			.iter()
			.map(|x| x.parse().map_err(serde::de::Error::custom))
			.collect()
	}
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestVectors {
	/// File format version (2).
	pub version: u32,
	/// How to regenerate this file.
	pub regenerate: String,
	/// Domain tags by name (ASCII).
	pub tags: BTreeMap<String, String>,
	/// Time parameters.
	pub time: TimeVector,
	/// Genesis hash signed into every reading.
	pub genesis_hash: String,
	/// Region of all meters.
	pub region: u32,
	/// The region's shape: channel names in order (every reading has one value per channel).
	pub shape: Vec<String>,
	/// Cycle.
	pub cycle: u32,
	/// BF1 false-positive exponent.
	pub fp_exp: u8,
	/// Per meter: seeds and the detailed periods.
	pub meters: Vec<MeterVector>,
	/// Per detailed period: the region's BF1, T, Z and aggregate.
	pub periods: Vec<PeriodVector>,
	/// CIDs of small inputs.
	pub cids: Vec<CidVector>,
	/// One sealed bill report.
	pub hpke: HpkeVector,
}

/// Time parameters (see [`TimeParams`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeVector {
	/// Start of period 0 (ms).
	#[serde(with = "dec")]
	pub genesis_start_ms: u64,
	/// Period length (ms).
	#[serde(with = "dec")]
	pub period_ms: u64,
	/// Periods per cycle.
	pub periods_per_cycle: u32,
	/// Reading window (ms).
	#[serde(with = "dec")]
	pub window_ms: u64,
}

/// One meter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterVector {
	/// Master secret.
	pub master: String,
	/// `s` (seed of PRIDs A).
	pub seed_prid_a: String,
	/// `s'`.
	pub seed_prid_b: String,
	/// `r` (seed of masks A).
	pub seed_mask_a: String,
	/// `r'`.
	pub seed_mask_b: String,
	/// The detailed periods.
	pub periods: Vec<MeterPeriodVector>,
}

/// One meter in one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterPeriodVector {
	/// Leaf index.
	pub leaf: LeafIndex,
	/// Global period index.
	pub period: u32,
	/// GGM nodes from `s` (root) to `t` (leaf), 17 of them.
	pub ggm_path_prid_a: Vec<String>,
	/// `t = f_s(k)`.
	pub t_a: String,
	/// `t' = f_{s'}(k)`.
	pub t_b: String,
	/// `z = f_r(k)`.
	pub z_a: String,
	/// `z' = f_{r'}(k)`.
	pub z_b: String,
	/// `x = H2(t)` (scalar, LE).
	pub x_a: String,
	/// `x' = H2(t')`.
	pub x_b: String,
	/// schnorrkel nonce seed of the key of `t`.
	pub nonce_a: String,
	/// schnorrkel nonce seed of the key of `t'`.
	pub nonce_b: String,
	/// `PRID = x·B`.
	pub prid_a: String,
	/// `PRID' = x'·B`.
	pub prid_b: String,
	/// `H3(z, j)` per channel `j` (`H3(z, 0) = H3(z)`).
	#[serde(with = "decs")]
	pub masks_a: Vec<u64>,
	/// `H3(z', j)` per channel.
	#[serde(with = "decs")]
	pub masks_b: Vec<u64>,
	/// The reading `c_j` per channel (import and export in Wh, …).
	#[serde(with = "decs")]
	pub readings: Vec<u64>,
	/// `c'_j` (the random share) per channel.
	#[serde(with = "decs")]
	pub shares_a: Vec<u64>,
	/// `c''_j = c_j - c'_j`.
	#[serde(with = "decs")]
	pub shares_b: Vec<u64>,
	/// `v'_j = c'_j + H3(z, j)`.
	#[serde(with = "decs")]
	pub values_a: Vec<u64>,
	/// `v''_j = c''_j + H3(z', j)`.
	#[serde(with = "decs")]
	pub values_b: Vec<u64>,
	/// Timestamp of share A (ms).
	#[serde(with = "dec")]
	pub timestamp_a: u64,
	/// Timestamp of share B (ms).
	#[serde(with = "dec")]
	pub timestamp_b: u64,
	/// Signed message of share A (100 + 8 bytes per channel).
	pub message_a: String,
	/// Signed message of share B.
	pub message_b: String,
	/// A signature of `message_a` by `PRID` (randomized: verify, don't compare).
	pub signature_a: String,
	/// A signature of `message_b` by `PRID'`.
	pub signature_b: String,
	/// BF1 block and bit positions of `PRID`.
	pub bf1_a: ProbeVector,
	/// BF1 block and bit positions of `PRID'`.
	pub bf1_b: ProbeVector,
}

/// Where a PRID sits in BF1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeVector {
	/// Block index.
	pub block: u32,
	/// The k bit positions within the block.
	pub positions: Vec<u16>,
}

/// One (region, period).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodVector {
	/// Leaf index.
	pub leaf: LeafIndex,
	/// Global period index.
	pub period: u32,
	/// The expected PRIDs, sorted.
	pub sorted_prids: Vec<String>,
	/// The T preimage.
	pub t_preimage: String,
	/// T.
	pub t: String,
	/// `Z_j` per channel.
	#[serde(with = "decs")]
	pub z: Vec<u64>,
	/// Σ of all values sent, per channel.
	#[serde(with = "decs")]
	pub sum_of_values: Vec<u64>,
	/// `Σ values − Z` = Σ readings, per channel.
	#[serde(with = "decs")]
	pub aggregate: Vec<u64>,
	/// BF1 block count.
	pub bf1_num_blocks: u32,
	/// BF1 bits per element.
	pub bf1_k: u8,
	/// BF1 bytes.
	pub bf1_bytes: String,
}

/// A CID.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CidVector {
	/// The block.
	pub data: String,
	/// String form.
	pub cid: String,
	/// Binary form.
	pub binary: String,
}

/// A sealed bill report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpkeVector {
	/// RFC 9180 `DeriveKeyPair` input of the owner's key.
	pub ikm: String,
	/// The owner's public key.
	pub public_key: String,
	/// Meter id used in `info` (SCALE u64).
	#[serde(with = "dec")]
	pub meter: u64,
	/// `info` = `bill_info(genesis_hash, meter, cycle)`.
	pub info: String,
	/// The report.
	pub plaintext: String,
	/// `enc || ciphertext` (randomized: open, don't compare).
	pub sealed: String,
	/// CID of `sealed`.
	pub cid: String,
}

const GENESIS: [u8; 32] = [0x5a; 32];
const REGION: u32 = 7;
const CYCLE: u32 = 2;
const LEAVES: [LeafIndex; 3] = [0, 1, 1439];
const FP_EXP: u8 = 30;
const HPKE_METER: u64 = 1001;

fn time() -> TimeParams {
	TimeParams {
		genesis_start_ms: 1_700_000_000_000,
		period_ms: 1_800_000,
		periods_per_cycle: 1440,
		window_ms: 300_000,
	}
}

fn masters() -> Vec<MasterSecret> {
	(0u8..3).map(|i| MasterSecret(blake2b_256(b"gridmask-test-vectors/master", &[&[i]]))).collect()
}

/// The region's shape: every channel kind, so that `H3(z, j)` is covered for every `j`.
fn shape() -> Shape {
	channel::shape(&ChannelKind::ALL).expect("a valid shape; qed")
}

/// Readings and random shares of meter `m` at `leaf`, per channel (deterministic, the random
/// shares spread over all of u64). Meter 1 is a prosumer: it exports and imports nothing at
/// leaf 1 (midday); the others export nothing.
fn reading_inputs(m: usize, leaf: LeafIndex) -> (Vec<u64>, Vec<u64>) {
	let base = 250 * (m as u64 + 1) + u64::from(leaf);
	let (import, export) = match (m, leaf) {
		(1, 1) => (0, 1_800),
		(1, _) => (base, 300),
		_ => (base, 0),
	};
	let readings = [import, export, 4 * base, base / 3];
	let randoms = (0..readings.len())
		.map(|j| {
			let h = blake2b_256(
				b"gridmask-test-vectors/share",
				&[&(m as u64).to_le_bytes(), &leaf.to_le_bytes(), &[j as u8]],
			);
			u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
		})
		.collect();
	(readings.to_vec(), randoms)
}

fn hex(b: impl AsRef<[u8]>) -> String {
	::hex::encode(b)
}

fn probe_vector(params: &Bf1Params, prid: &Prid) -> ProbeVector {
	let (block, positions) = params.positions(prid);
	ProbeVector { block, positions: positions[..usize::from(params.k)].to_vec() }
}

/// Builds the vectors (the deterministic part; signatures and the HPKE ciphertext are fresh).
pub fn generate() -> TestVectors {
	let time = time();
	let genesis = H256(GENESIS);
	let masters = masters();
	let bf1_params = Bf1Params::for_entries(2 * masters.len() as u32, FP_EXP).expect("small; qed");
	let channels = shape().len();
	let mut meters = Vec::new();
	for (m, master) in masters.iter().enumerate() {
		let seeds = master.cycle_seeds(CYCLE);
		let mut periods = Vec::new();
		for leaf in LEAVES {
			let period = time.period_of(CYCLE, leaf).expect("small; qed");
			let leaves = seeds.leaves(leaf);
			let keys = leaves.keys();
			let (readings, randoms) = reading_inputs(m, leaf);
			let (shares_a, shares_b): (Vec<u64>, Vec<u64>) =
				readings.iter().zip(&randoms).map(|(c, r)| mask::split(*c, *r)).unzip();
			let (masks_a, masks_b) = keys.masks(channels);
			let (values_a, values_b) = mask::mask_values(&readings, &randoms, &masks_a, &masks_b);
			let end = time.period_end(period).expect("small; qed");
			let (timestamp_a, timestamp_b) = (end + 1_000 + m as u64, end + 120_000 + m as u64);
			let payload = |prid, values, timestamp_ms| ReadingPayload {
				genesis_hash: genesis,
				region: REGION,
				period,
				prid,
				masked: values,
				timestamp_ms,
			};
			let (prid_a, prid_b) = keys.prids();
			let message_a = payload(prid_a, values_a.clone(), timestamp_a).signing_message();
			let message_b = payload(prid_b, values_b.clone(), timestamp_b).signing_message();
			periods.push(MeterPeriodVector {
				leaf,
				period,
				ggm_path_prid_a: ggm::eval_path(&seeds.prid_a, leaf).iter().map(hex).collect(),
				t_a: hex(leaves.t_a),
				t_b: hex(leaves.t_b),
				z_a: hex(leaves.z_a),
				z_b: hex(leaves.z_b),
				x_a: hex(prid::h2(&leaves.t_a)),
				x_b: hex(prid::h2(&leaves.t_b)),
				nonce_a: hex(prid::prid_nonce(&leaves.t_a)),
				nonce_b: hex(prid::prid_nonce(&leaves.t_b)),
				prid_a: hex(prid_a.0),
				prid_b: hex(prid_b.0),
				masks_a: masks_a.to_vec(),
				masks_b: masks_b.to_vec(),
				readings,
				shares_a,
				shares_b,
				values_a: values_a.to_vec(),
				values_b: values_b.to_vec(),
				timestamp_a,
				timestamp_b,
				message_a: hex(&message_a),
				message_b: hex(&message_b),
				signature_a: hex(keys.key_a.sign(&message_a).0),
				signature_b: hex(keys.key_b.sign(&message_b).0),
				bf1_a: probe_vector(&bf1_params, &prid_a),
				bf1_b: probe_vector(&bf1_params, &prid_b),
			});
		}
		meters.push(MeterVector {
			master: hex(master.0),
			seed_prid_a: hex(seeds.prid_a),
			seed_prid_b: hex(seeds.prid_b),
			seed_mask_a: hex(seeds.mask_a),
			seed_mask_b: hex(seeds.mask_b),
			periods,
		});
	}

	let mut periods = Vec::new();
	for (i, leaf) in LEAVES.iter().enumerate() {
		let rows: Vec<&MeterPeriodVector> = meters.iter().map(|m| &m.periods[i]).collect();
		let period = rows[0].period;
		let mut prids: Vec<Prid> = rows
			.iter()
			.flat_map(|r| [&r.prid_a, &r.prid_b])
			.map(|h| Prid(::hex::decode(h).expect("ours; qed").try_into().expect("32 bytes; qed")))
			.collect();
		prids.sort_unstable();
		let mut preimage = tags::T_COMMIT.to_vec();
		preimage.extend_from_slice(&REGION.to_le_bytes());
		preimage.extend_from_slice(&period.to_le_bytes());
		prids.iter().for_each(|p| preimage.extend_from_slice(&p.0));
		let mut bf1 = Bf1::new(bf1_params).expect("valid; qed");
		prids.iter().for_each(|p| bf1.insert(p));
		let per_channel = |of: &dyn Fn(&MeterPeriodVector, usize) -> [u64; 2]| -> Vec<u64> {
			(0..channels).map(|j| mask::mask_sum(rows.iter().flat_map(|r| of(r, j)))).collect()
		};
		let z = per_channel(&|r, j| [r.masks_a[j], r.masks_b[j]]);
		let sum_of_values = per_channel(&|r, j| [r.values_a[j], r.values_b[j]]);
		let aggregate =
			sum_of_values.iter().zip(&z).map(|(s, z)| mask::aggregate(*s, *z)).collect();
		periods.push(PeriodVector {
			leaf: *leaf,
			period,
			sorted_prids: prids.iter().map(|p| hex(p.0)).collect(),
			t_preimage: hex(&preimage),
			t: hex(t_commitment_sorted(REGION, period, &prids).expect("distinct; qed").0),
			z,
			sum_of_values,
			aggregate,
			bf1_num_blocks: bf1_params.num_blocks,
			bf1_k: bf1_params.k,
			bf1_bytes: hex(bf1.as_bytes()),
		});
	}

	let cids = [&b""[..], b"gridmask", &(0u8..=255).collect::<Vec<u8>>()]
		.iter()
		.map(|data| {
			let cid = RawCid::of(data).expect("small; qed");
			CidVector { data: hex(data), cid: cid.to_string(), binary: hex(cid.to_bytes()) }
		})
		.collect();

	let ikm = blake2b_256(b"gridmask-test-vectors/hpke-ikm", &[]);
	let (_, public_key) = bill::derive_keypair(&ikm);
	let info = bill::bill_info(&genesis, &HPKE_METER, CYCLE);
	let plaintext = br#"{"meter":1001,"cycle":2,"total_wh":1234}"#;
	let sealed = bill::seal_bill(&public_key, &info, plaintext).expect("fits; qed");
	let hpke = HpkeVector {
		ikm: hex(ikm),
		public_key: hex(public_key.0),
		meter: HPKE_METER,
		info: hex(&info),
		plaintext: hex(plaintext),
		sealed: hex(&sealed.bytes),
		cid: sealed.cid.to_string(),
	};

	TestVectors {
		version: 2,
		regenerate: REGENERATE.to_string(),
		tags: tags::ALL
			.iter()
			.map(|(name, tag)| (name.to_string(), String::from_utf8_lossy(tag).into_owned()))
			.collect(),
		time: TimeVector {
			genesis_start_ms: time.genesis_start_ms,
			period_ms: time.period_ms,
			periods_per_cycle: time.periods_per_cycle,
			window_ms: time.window_ms,
		},
		genesis_hash: hex(GENESIS),
		region: REGION,
		shape: shape().iter().map(|k| k.name().to_string()).collect(),
		cycle: CYCLE,
		fp_exp: FP_EXP,
		meters,
		periods,
		cids,
		hpke,
	}
}

fn unhex<const N: usize>(what: &str, s: &str) -> Result<[u8; N], String> {
	::hex::decode(s)
		.map_err(|e| format!("{what}: {e}"))?
		.try_into()
		.map_err(|_| format!("{what}: not {N} bytes"))
}

fn ensure(ok: bool, what: impl core::fmt::Display) -> Result<(), String> {
	if ok {
		Ok(())
	} else {
		Err(format!("mismatch: {what}"))
	}
}

/// Checks `v` against this crate: every stated value is recomputed from the inputs (the masters,
/// the consumptions and shares, the timestamps, the HPKE ikm), every signature verifies under its
/// PRID, and the sealed report opens to the plaintext. The generation of the deterministic part
/// must also reproduce `v` exactly (except signatures and the sealed report).
pub fn check(v: &TestVectors) -> Result<(), String> {
	let fresh = generate();
	let strip = |v: &TestVectors| {
		let mut v = v.clone();
		v.meters.iter_mut().flat_map(|m| m.periods.iter_mut()).for_each(|p| {
			p.signature_a.clear();
			p.signature_b.clear();
		});
		v.hpke.sealed.clear();
		v.hpke.cid.clear();
		v
	};
	ensure(
		strip(&fresh) == strip(v),
		"deterministic content differs from `generate()`; regenerate the file?",
	)?;

	// Independent of `generate`: recompute each value from the file's own inputs.
	let genesis = H256(unhex::<32>("genesis_hash", &v.genesis_hash)?);
	let time = TimeParams {
		genesis_start_ms: v.time.genesis_start_ms,
		period_ms: v.time.period_ms,
		periods_per_cycle: v.time.periods_per_cycle,
		window_ms: v.time.window_ms,
	};
	time.validate().map_err(|e| format!("time: {e:?}"))?;
	let bf1_params = Bf1Params::for_entries(2 * v.meters.len() as u32, v.fp_exp)
		.map_err(|e| format!("{e:?}"))?;
	for (name, tag) in tags::ALL {
		ensure(v.tags.get(name).map(|t| t.as_bytes()) == Some(tag), name)?;
	}
	let kinds = v
		.shape
		.iter()
		.map(|n| ChannelKind::from_name(n).ok_or_else(|| format!("unknown channel {n}")))
		.collect::<Result<Vec<_>, _>>()?;
	let channels = channel::shape(&kinds).map_err(|e| format!("shape: {e:?}"))?.len();
	for (m, meter) in v.meters.iter().enumerate() {
		let seeds = MasterSecret(unhex::<32>("master", &meter.master)?).cycle_seeds(v.cycle);
		ensure(hex(seeds.prid_a) == meter.seed_prid_a, format!("meter {m} s"))?;
		ensure(hex(seeds.prid_b) == meter.seed_prid_b, format!("meter {m} s'"))?;
		ensure(hex(seeds.mask_a) == meter.seed_mask_a, format!("meter {m} r"))?;
		ensure(hex(seeds.mask_b) == meter.seed_mask_b, format!("meter {m} r'"))?;
		for p in &meter.periods {
			let at = |what: &str| format!("meter {m} leaf {} {what}", p.leaf);
			ensure(time.period_of(v.cycle, p.leaf) == Some(p.period), at("period"))?;
			let path: Vec<String> = ggm::eval_path(&seeds.prid_a, p.leaf).iter().map(hex).collect();
			ensure(path == p.ggm_path_prid_a, at("ggm path"))?;
			let leaves = seeds.leaves(p.leaf);
			ensure(hex(leaves.t_a) == p.t_a && hex(leaves.t_b) == p.t_b, at("t"))?;
			ensure(hex(leaves.z_a) == p.z_a && hex(leaves.z_b) == p.z_b, at("z"))?;
			ensure(
				hex(prid::h2(&leaves.t_a)) == p.x_a && hex(prid::h2(&leaves.t_b)) == p.x_b,
				at("x"),
			)?;
			ensure(
				hex(prid::prid_nonce(&leaves.t_a)) == p.nonce_a
					&& hex(prid::prid_nonce(&leaves.t_b)) == p.nonce_b,
				at("nonce"),
			)?;
			let keys = leaves.keys();
			let (prid_a, prid_b) = keys.prids();
			ensure(hex(prid_a.0) == p.prid_a && hex(prid_b.0) == p.prid_b, at("prid"))?;
			let (masks_a, masks_b) = keys.masks(channels);
			ensure(
				masks_a[..] == p.masks_a[..] && masks_b[..] == p.masks_b[..],
				at("masks per channel"),
			)?;
			ensure(keys.mask_a == p.masks_a[0] && keys.mask_b == p.masks_b[0], at("mask"))?;
			ensure(p.readings.len() == channels, at("one reading per channel"))?;
			for j in 0..channels {
				ensure(
					mask::split(p.readings[j], p.shares_a[j]) == (p.shares_a[j], p.shares_b[j]),
					at(&format!("split of channel {j}")),
				)?;
			}
			let (values_a, values_b) =
				mask::mask_values(&p.readings, &p.shares_a, &p.masks_a, &p.masks_b);
			ensure(values_a[..] == p.values_a[..] && values_b[..] == p.values_b[..], at("values"))?;
			ensure(
				mask::recover_values(&p.values_a, &p.values_b, &p.masks_a, &p.masks_b)
					== p.readings,
				at("recover"),
			)?;
			for (prid, values, ts, msg, sig, probe, share) in [
				(prid_a, values_a, p.timestamp_a, &p.message_a, &p.signature_a, &p.bf1_a, "A"),
				(prid_b, values_b, p.timestamp_b, &p.message_b, &p.signature_b, &p.bf1_b, "B"),
			] {
				let payload = ReadingPayload {
					genesis_hash: genesis,
					region: v.region,
					period: p.period,
					prid,
					masked: values,
					timestamp_ms: ts,
				};
				ensure(hex(payload.signing_message()) == *msg, at(&format!("message {share}")))?;
				let sig = ReadingSignature(unhex::<64>("signature", sig)?);
				ensure(
					prid::verify(&prid, &payload.signing_message(), &sig),
					at(&format!("signature {share}")),
				)?;
				ensure(
					probe_vector(&bf1_params, &prid) == *probe,
					at(&format!("bf1 probe {share}")),
				)?;
			}
		}
	}
	for (i, pv) in v.periods.iter().enumerate() {
		let at = |what: &str| format!("period {} {what}", pv.period);
		let rows: Vec<&MeterPeriodVector> = v
			.meters
			.iter()
			.map(|m| m.periods.get(i).ok_or_else(|| at("missing row")))
			.collect::<Result<_, _>>()?;
		let mut prids = Vec::new();
		for r in &rows {
			prids.push(Prid(unhex::<32>("prid", &r.prid_a)?));
			prids.push(Prid(unhex::<32>("prid", &r.prid_b)?));
		}
		prids.sort_unstable();
		ensure(
			prids.iter().map(|p| hex(p.0)).collect::<Vec<_>>() == pv.sorted_prids,
			at("sorted prids"),
		)?;
		let t = t_commitment_sorted(v.region, pv.period, &prids).map_err(|e| format!("{e:?}"))?;
		ensure(hex(t.0) == pv.t, at("t"))?;
		let preimage = ::hex::decode(&pv.t_preimage).map_err(|e| e.to_string())?;
		ensure(
			blake2b_simd::Params::new().hash_length(32).hash(&preimage).as_bytes() == t.0,
			at("t preimage"),
		)?;
		ensure(pv.z.len() == channels && pv.aggregate.len() == channels, at("channels"))?;
		for j in 0..channels {
			let at = |what: &str| at(&format!("channel {j} {what}"));
			let z = mask::mask_sum(rows.iter().flat_map(|r| [r.masks_a[j], r.masks_b[j]]));
			ensure(z == pv.z[j], at("z"))?;
			let sum = mask::mask_sum(rows.iter().flat_map(|r| [r.values_a[j], r.values_b[j]]));
			ensure(sum == pv.sum_of_values[j], at("sum of values"))?;
			let total = mask::mask_sum(rows.iter().map(|r| r.readings[j]));
			ensure(
				mask::aggregate(sum, z) == pv.aggregate[j] && pv.aggregate[j] == total,
				at("aggregate"),
			)?;
		}
		let mut bf1 = Bf1::new(bf1_params).map_err(|e| format!("{e:?}"))?;
		prids.iter().for_each(|p| bf1.insert(p));
		ensure(
			pv.bf1_num_blocks == bf1_params.num_blocks
				&& pv.bf1_k == bf1_params.k
				&& hex(bf1.as_bytes()) == pv.bf1_bytes,
			at("bf1"),
		)?;
	}
	for c in &v.cids {
		let data = ::hex::decode(&c.data).map_err(|e| e.to_string())?;
		let cid = RawCid::of(&data).map_err(|e| format!("{e:?}"))?;
		ensure(
			cid.to_string() == c.cid && hex(cid.to_bytes()) == c.binary,
			format!("cid of {}", c.data),
		)?;
		ensure(RawCid::parse(c.cid.as_bytes()) == Ok(cid), format!("parse {}", c.cid))?;
	}
	let h = &v.hpke;
	let (sk, pk) = bill::derive_keypair(&::hex::decode(&h.ikm).map_err(|e| e.to_string())?);
	ensure(hex(pk.0) == h.public_key, "hpke public key")?;
	ensure(hex(bill::bill_info(&genesis, &h.meter, v.cycle)) == h.info, "hpke info")?;
	let sealed = ::hex::decode(&h.sealed).map_err(|e| e.to_string())?;
	let cid: RawCid = h.cid.parse().map_err(|e| format!("hpke cid: {e:?}"))?;
	let opened =
		bill::open_bill(&sk, &::hex::decode(&h.info).map_err(|e| e.to_string())?, &cid, &sealed)
			.map_err(|e| format!("hpke open: {e:?}"))?;
	ensure(hex(opened) == h.plaintext, "hpke plaintext")?;
	Ok(())
}
