//! The owner's portal's verifier: `gridmask-primitives` compiled to wasm with wasm-bindgen, so
//! that the page opens and checks a bill report with the protocol's own code, not a JavaScript
//! re-implementation.
//!
//! Built by `scripts/portal.sh` for `wasm32-unknown-unknown` (profile `portal`, its own target
//! dir); the workspace's tests run it natively. It needs no RNG and no `std` in the primitives
//! (their `bill-open` feature): opening a report is deterministic.
//!
//! Byte strings cross as hex (`0x` optional), u64s as JavaScript `BigInt`s.

use gridmask_bill::{
	facts::{self, BillFacts, ChainFacts},
	report::hex32,
};
use gridmask_primitives::{
	bill::{self, BillError, HpkeSecretKey},
	cid::RawCid,
	mask,
};
use sp_core::H256;
use wasm_bindgen::prelude::*;

/// Why a report cannot be opened, worded as the client words it.
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
	/// A hex argument is malformed.
	BadHex(&'static str),
	/// The CID is not a gridmask report's (CIDv1, raw, sha2-256).
	BadCid,
	/// The bytes are not what the CID names.
	Tampered,
	/// Wrong key, wrong chain/meter/cycle, or altered bytes.
	CannotOpen,
}

impl core::fmt::Display for OpenError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::BadHex(what) => write!(f, "{what} is not hex"),
			Self::BadCid => f.write_str("not a raw sha2-256 CIDv1"),
			Self::Tampered => f.write_str("the report's bytes are not what its CID names (tampered with)"),
			Self::CannotOpen => f.write_str(
				"the report does not open with this key (a wrong key, or a report sealed for another meter, cycle or chain)",
			),
		}
	}
}

fn unhex<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], OpenError> {
	let bytes =
		hex::decode(s.trim().trim_start_matches("0x")).map_err(|_| OpenError::BadHex(what))?;
	bytes.try_into().map_err(|_| OpenError::BadHex(what))
}

/// The HPKE `info` a report of `meter`'s `cycle` on the chain of `genesis` is sealed under.
pub fn report_info(genesis: &str, meter: u64, cycle: u32) -> Result<Vec<u8>, OpenError> {
	let genesis = H256::from(unhex::<32>(genesis, "the genesis hash")?);
	Ok(bill::bill_info(&genesis, &meter, cycle))
}

/// Opens a fetched report: checks that `sealed` is what `cid` names, then opens it with the
/// owner's HPKE secret under `info` (from [`report_info`]).
pub fn open(secret: &str, info: &[u8], cid: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
	let sk = HpkeSecretKey(unhex::<32>(secret, "the key's hpke_secret")?);
	let cid = RawCid::parse(cid.trim().as_bytes()).map_err(|_| OpenError::BadCid)?;
	if RawCid::of(sealed).ok() != Some(cid) {
		return Err(OpenError::Tampered);
	}
	// The CID is checked above, to name tampering apart from a wrong key.
	bill::open(&sk, info, &[], sealed).map_err(|_: BillError| OpenError::CannotOpen)
}

/// [`report_info`] then [`open`]: the report's plaintext (JSON) as a string.
#[wasm_bindgen(js_name = openReport)]
pub fn open_report(
	secret: &str,
	genesis: &str,
	meter: u64,
	cycle: u32,
	cid: &str,
	sealed: &[u8],
) -> Result<String, JsError> {
	let info = report_info(genesis, meter, cycle).map_err(|e| JsError::new(&e.to_string()))?;
	let plain = open(secret, &info, cid, sealed).map_err(|e| JsError::new(&e.to_string()))?;
	String::from_utf8(plain).map_err(|_| JsError::new("the report is not UTF-8 text"))
}

/// A share pair's value: `(value_a + value_b) − H3` of both masks (mod 2^64), as the chain's
/// shares at a reading's two PRIDs unmask with the masks the report states.
#[wasm_bindgen]
pub fn recover(value_a: u64, value_b: u64, mask_a: u64, mask_b: u64) -> u64 {
	mask::recover(value_a, value_b, mask_a, mask_b)
}

/// The page of an opened report (its JSON), rendered by the same code as the client's
/// (`gridmask_bill::render_html`): what the owner sees is what the check compares.
#[wasm_bindgen(js_name = renderReport)]
pub fn render_report(report: &str) -> Result<String, JsError> {
	let report: gridmask_bill::Report = serde_json::from_str(report)
		.map_err(|e| JsError::new(&format!("the report is not a gridmask bill report: {e}")))?;
	Ok(gridmask_bill::render_html(&report))
}

/// RFC 9180 `DeriveKeyPair(ikm)`'s secret, hex: an owner's key from their own secret bytes (the
/// test vectors' keys are made so).
#[wasm_bindgen(js_name = deriveSecret)]
pub fn derive_secret(ikm: &[u8]) -> String {
	hex::encode(bill::derive_keypair(ikm).0 .0)
}

fn js(e: impl core::fmt::Display) -> JsError {
	JsError::new(&e.to_string())
}

fn report_of(json: &str) -> Result<gridmask_bill::Report, JsError> {
	serde_json::from_str(json)
		.map_err(|e| js(format!("the report is not a gridmask bill report: {e}")))
}

fn facts_of(json: &str) -> Result<ChainFacts, JsError> {
	serde_json::from_str(json).map_err(|e| js(format!("the chain facts are malformed: {e}")))
}

/// An owner's key file (`owners/owner-<meter>.json`, or the `bill-key` one without an
/// account), read as the client reads it.
#[derive(serde::Deserialize)]
struct KeyFile {
	meter: u64,
	hpke_secret: String,
	#[serde(default)]
	account_seed: Option<String>,
}

/// Parses an owner's key file: `{"meter": "<decimal>", "hpke_secret": "0x…", "account_seed":
/// "0x…" | null}` (the meter as a string: JavaScript numbers cannot hold every u64).
#[wasm_bindgen(js_name = parseKeyFile)]
pub fn parse_key_file(text: &str) -> Result<String, JsError> {
	let k: KeyFile = serde_json::from_str(text).map_err(|e| {
		js(format!("this is not a gridmask owner key file (owners/owner-<meter>.json): {e}"))
	})?;
	let secret = unhex::<32>(&k.hpke_secret, "the key's hpke_secret").map_err(js)?;
	let seed = match &k.account_seed {
		Some(s) => Some(unhex::<32>(s, "the key's account_seed").map_err(js)?),
		None => None,
	};
	Ok(serde_json::json!({
		"meter": k.meter.to_string(),
		"hpke_secret": format!("0x{}", hex::encode(secret)),
		"account_seed": seed.map(|s| format!("0x{}", hex::encode(s))),
	})
	.to_string())
}

/// Opens the bytes fetched for a bill (unchecked: this checks them) with the owner's key: the
/// CID, the digest on chain, decryption, the JSON. Returns the report's JSON; throws the
/// problem as `gridmask owner bill` words it. `bill` is the facts' `bill` (JSON).
#[wasm_bindgen(js_name = openBill)]
pub fn open_bill(
	secret: &str,
	genesis: &str,
	meter: &str,
	cycle: u32,
	bill: &str,
	bytes: &[u8],
) -> Result<String, JsError> {
	let secret = unhex::<32>(secret, "the key's hpke_secret").map_err(js)?;
	let genesis = unhex::<32>(genesis, "the genesis hash").map_err(js)?;
	let meter: u64 =
		meter.trim().parse().map_err(|_| js(format!("meter {meter:?} is not a u64")))?;
	let bill: BillFacts =
		serde_json::from_str(bill).map_err(|e| js(format!("the bill record is malformed: {e}")))?;
	let report = facts::open_report(&secret, genesis, meter, cycle, &bill, bytes).map_err(js)?;
	serde_json::to_string(&report).map_err(js)
}

/// The shares the check reads for `report` given the first round of `facts` (no shares):
/// `[{"region", "period", "prid"}]`, in the order `ReadingsApi_shares` should be asked.
#[wasm_bindgen(js_name = shareQueries)]
pub fn share_queries(report: &str, facts: &str) -> Result<String, JsError> {
	let queries = facts::share_queries(&report_of(report)?, &facts_of(facts)?).map_err(js)?;
	let out: Vec<_> = queries
		.iter()
		.map(|(region, period, prid)| {
			serde_json::json!({ "region": region, "period": period, "prid": hex32(&prid.0) })
		})
		.collect();
	Ok(serde_json::Value::Array(out).to_string())
}

/// The check of `report` against the chain's `facts` (with the shares):
/// `{"problems": [...], "lines": [{"period", "problems": [...]}]}`; `problems` is exactly what
/// `gridmask owner bill` lists (empty: verified).
#[wasm_bindgen(js_name = checkBill)]
pub fn check_bill(report: &str, facts: &str) -> Result<String, JsError> {
	let report = report_of(report)?;
	let problems = facts::check(&report, &facts_of(facts)?).map_err(js)?;
	let lines: Vec<_> = report
		.lines
		.iter()
		.map(|l| {
			let of_line = facts::problems_of_line(&problems, l.period);
			serde_json::json!({ "period": l.period, "problems": of_line })
		})
		.collect();
	Ok(serde_json::json!({ "problems": problems, "lines": lines }).to_string())
}

/// The Green Button (ESPI 4.0) file of a verified report, as `gridmask owner export --format
/// espi` writes it: periods of `period_ms`, costs in the ISO 4217 currency numbered `currency`
/// (999: none, the chain's own unit), stamped `now_ms` (the chain's time).
#[wasm_bindgen(js_name = greenButton)]
pub fn green_button(
	report: &str,
	period_ms: u64,
	currency: u16,
	now_ms: u64,
) -> Result<String, JsError> {
	Ok(gridmask_bill::espi::feed(&report_of(report)?, period_ms, currency, now_ms))
}

/// The version of this build (the workspace's), for the page's footer.
#[wasm_bindgen]
pub fn version() -> String {
	env!("CARGO_PKG_VERSION").into()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The committed test vectors' sealed report, opened as the page opens it.
	#[test]
	fn opens_the_committed_vector_and_refuses_altered_bytes() {
		let v: serde_json::Value =
			serde_json::from_str(include_str!("../../../primitives/test-vectors/v2.json")).unwrap();
		let h = &v["hpke"];
		let s = |k: &str| h[k].as_str().unwrap().to_string();
		let info = hex::decode(s("info")).unwrap();
		let sealed = hex::decode(s("sealed")).unwrap();
		let (sk, _) = bill::derive_keypair(&hex::decode(s("ikm")).unwrap());
		let secret = hex::encode(sk.0);
		let plain = open(&secret, &info, &s("cid"), &sealed).unwrap();
		assert_eq!(hex::encode(&plain), s("plaintext"));

		let mut altered = sealed.clone();
		*altered.last_mut().unwrap() ^= 1;
		assert_eq!(open(&secret, &info, &s("cid"), &altered), Err(OpenError::Tampered));
		let other = RawCid::of(&altered).unwrap().to_string();
		assert_eq!(open(&secret, &info, &other, &altered), Err(OpenError::CannotOpen));
		assert_eq!(open(&secret, b"another info", &s("cid"), &sealed), Err(OpenError::CannotOpen));
		assert_eq!(
			open("zz", &info, &s("cid"), &sealed),
			Err(OpenError::BadHex("the key's hpke_secret"))
		);
		assert_eq!(open(&secret, &info, "bafy", &sealed), Err(OpenError::BadCid));
	}

	#[test]
	fn a_report_renders_as_the_client_renders_it() {
		let report = gridmask_bill::make_report(format!("0x{}", "5a".repeat(32)), 1001, 2, vec![]);
		let json = serde_json::to_string(&report).unwrap();
		assert_eq!(render_report(&json).unwrap(), report.html);
	}

	#[test]
	fn the_info_is_the_primitives() {
		let genesis = format!("0x{}", "5a".repeat(32));
		let info = report_info(&genesis, 1001, 2).unwrap();
		assert_eq!(info, bill::bill_info(&H256::from([0x5a; 32]), &1001u64, 2));
		assert!(report_info("0x12", 1, 2).is_err());
	}
}
