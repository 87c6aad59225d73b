//! The committed test vectors (`primitives/test-vectors/v2.json`) hold for this crate, and their
//! signatures verify the way the runtime verifies them.

use gridmask_primitives::{vectors::TestVectors, Prid, ReadingPayload, ReadingSignature, Values};
use sp_core::{sr25519, Pair as _, H256};

const FILE: &str = include_str!("../test-vectors/v2.json");

fn load() -> TestVectors {
	serde_json::from_str(FILE).expect("v2.json parses")
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
	hex::decode(s).unwrap().try_into().unwrap()
}

#[test]
fn committed_vectors_check() {
	let v = load();
	if let Err(e) = gridmask_primitives::vectors::check(&v) {
		panic!("{e}\nregenerate with: {}", gridmask_primitives::vectors::REGENERATE);
	}
}

#[test]
fn vector_signatures_verify_in_the_runtime_and_fail_when_tampered() {
	let v = load();
	let genesis = H256(arr::<32>(&v.genesis_hash));
	let mut checked = 0;
	sp_io::TestExternalities::default().execute_with(|| {
		for p in v.meters.iter().flat_map(|m| &m.periods) {
			for (prid, values, ts, sig) in [
				(&p.prid_a, &p.values_a, p.timestamp_a, &p.signature_a),
				(&p.prid_b, &p.values_b, p.timestamp_b, &p.signature_b),
			] {
				let values = Values::truncate_from(values.clone());
				let payload = ReadingPayload {
					genesis_hash: genesis,
					region: v.region,
					period: p.period,
					prid: Prid(arr(prid)),
					masked: values,
					timestamp_ms: ts,
				};
				let sig: sr25519::Signature = ReadingSignature(arr(sig)).into();
				let public: sr25519::Public = payload.prid.into();
				let ok = |q: &ReadingPayload| {
					let in_runtime =
						sp_io::crypto::sr25519_verify(&sig, &q.signing_message(), &public);
					assert_eq!(
						in_runtime,
						sr25519::Pair::verify(&sig, q.signing_message(), &public)
					);
					in_runtime
				};
				assert!(ok(&payload));
				for j in 0..payload.masked.len() {
					let mut values = payload.masked.clone();
					values[j] = values[j].wrapping_add(1);
					assert!(!ok(&ReadingPayload { masked: values, ..payload.clone() }));
				}
				let fewer = Values::truncate_from(payload.masked[1..].to_vec());
				assert!(!ok(&ReadingPayload { masked: fewer, ..payload.clone() }));
				let p2 = payload.clone();
				assert!(!ok(&ReadingPayload { genesis_hash: H256::repeat_byte(0), ..p2.clone() }));
				assert!(!ok(&ReadingPayload { period: p.period + 1, ..p2.clone() }));
				assert!(!ok(&ReadingPayload { region: v.region + 1, ..p2.clone() }));
				assert!(!ok(&ReadingPayload { timestamp_ms: ts + 1, ..p2 }));
				checked += 1;
			}
		}
	});
	assert_eq!(checked, 2 * v.meters.len() * v.meters[0].periods.len());
}
