//! The content store of encrypted bill reports, addressed by CIDv1 (raw codec, sha2-256).
//!
//! - **Embedded** (default): a directory of blocks, `<dir>/blocks/<cid>` (the CID's base32
//!   string), written atomically. Share it between the KGC and owners (or copy blocks around).
//! - **Kubo** (`--ipfs-api URL`): any node speaking the Kubo HTTP RPC API. `add` with
//!   `cid-version=1`, `raw-leaves=true` and a 1 MiB chunker stores a report (≤ 1 MiB) as one
//!   raw block, so Kubo's CID is exactly [`RawCid::of`] the bytes — the CID on chain does not
//!   depend on the store. `cat` fetches it.
//!
//! Either way, what comes back is checked against the CID before anyone uses it.

use anyhow::{bail, Context, Result};
use gridmask_primitives::cid::{RawCid, MAX_REPORT_BYTES};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::{io::Write, path::PathBuf};

/// Where reports are stored.
#[derive(Clone, Debug)]
pub enum ContentStore {
	/// A directory of blocks.
	Dir(PathBuf),
	/// A Kubo HTTP RPC API endpoint (`http://127.0.0.1:5001`).
	Kubo(String),
}

impl ContentStore {
	/// Stores `bytes`; returns their CID (the store's answer is checked against it).
	pub async fn put(&self, bytes: &[u8]) -> Result<RawCid> {
		let cid = RawCid::of(bytes)
			.map_err(|e| anyhow::anyhow!("{} bytes cannot be one raw block: {e:?}", bytes.len()))?;
		match self {
			Self::Dir(dir) => {
				let blocks = dir.join("blocks");
				std::fs::create_dir_all(&blocks)
					.with_context(|| format!("creating {}", blocks.display()))?;
				let path = blocks.join(cid.to_string());
				if !path.exists() {
					let tmp = blocks.join(format!(".{cid}.tmp"));
					let mut f = std::fs::File::create(&tmp)
						.with_context(|| format!("writing {}", tmp.display()))?;
					f.write_all(bytes)?;
					f.sync_all()?;
					std::fs::rename(&tmp, &path)?;
				}
			},
			Self::Kubo(api) => {
				let boundary = "gridmask-report-boundary-7d1f0c";
				let mut body = Vec::with_capacity(bytes.len() + 256);
				write!(
					body,
					"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
					 filename=\"report\"\r\nContent-Type: application/octet-stream\r\n\r\n"
				)?;
				body.extend_from_slice(bytes);
				write!(body, "\r\n--{boundary}--\r\n")?;
				let url = format!(
					"{}/api/v0/add?cid-version=1&raw-leaves=true&chunker=size-1048576&pin=true",
					api.trim_end_matches('/')
				);
				let answer =
					post(&url, Some((format!("multipart/form-data; boundary={boundary}"), body)))
						.await?;
				#[derive(serde::Deserialize)]
				struct Added {
					#[serde(rename = "Hash")]
					hash: String,
				}
				let added: Added = serde_json::from_slice(&answer).with_context(|| {
					format!("Kubo's add answered {:?}", String::from_utf8_lossy(&answer))
				})?;
				if added.hash != cid.to_string() {
					bail!(
						"the IPFS node stored the report as {} instead of {cid}: it does not \
						 honour cid-version=1 with raw leaves",
						added.hash
					);
				}
			},
		}
		Ok(cid)
	}

	/// Fetches the block `cid`; errors if it is absent or its bytes are not the ones `cid`
	/// names.
	pub async fn get(&self, cid: &RawCid) -> Result<Vec<u8>> {
		let bytes = match self {
			Self::Dir(dir) => {
				let path = dir.join("blocks").join(cid.to_string());
				std::fs::read(&path).with_context(|| {
					format!("report {cid} is not in the content store ({})", path.display())
				})?
			},
			Self::Kubo(api) => {
				let url = format!("{}/api/v0/cat?arg={cid}", api.trim_end_matches('/'));
				post(&url, None).await.with_context(|| format!("fetching report {cid}"))?
			},
		};
		if bytes.len() > MAX_REPORT_BYTES || RawCid::of(&bytes).ok().as_ref() != Some(cid) {
			bail!("the content store returned bytes that are not report {cid} (tampered with)");
		}
		Ok(bytes)
	}
}

/// An HTTP POST (Kubo's RPC API takes POST only); the body of a 2xx answer.
async fn post(url: &str, body: Option<(String, Vec<u8>)>) -> Result<Vec<u8>> {
	use hyper_util::{client::legacy::Client, rt::TokioExecutor};
	let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
	let mut req = hyper::Request::post(url);
	let payload = match body {
		Some((content_type, bytes)) => {
			req = req.header(hyper::header::CONTENT_TYPE, content_type);
			bytes
		},
		None => Vec::new(),
	};
	let req = req.body(Full::new(Bytes::from(payload))).context("bad IPFS API URL")?;
	let resp = tokio::time::timeout(std::time::Duration::from_secs(60), client.request(req))
		.await
		.with_context(|| format!("{url}: no answer in 60 s"))?
		.with_context(|| format!("{url}: IPFS API unreachable"))?;
	let status = resp.status();
	let bytes = resp.into_body().collect().await.context("reading the IPFS answer")?.to_bytes();
	if !status.is_success() {
		bail!("{url}: HTTP {status}: {}", String::from_utf8_lossy(&bytes).trim());
	}
	Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn directory_store_round_trips_and_detects_tampering() {
		let dir = tempfile::tempdir().unwrap();
		let store = ContentStore::Dir(dir.path().to_path_buf());
		let cid = store.put(b"sealed report").await.unwrap();
		assert_eq!(cid, RawCid::of(b"sealed report").unwrap());
		assert_eq!(store.get(&cid).await.unwrap(), b"sealed report");
		// Storing again is idempotent.
		assert_eq!(store.put(b"sealed report").await.unwrap(), cid);

		std::fs::write(dir.path().join("blocks").join(cid.to_string()), b"sealed reporT").unwrap();
		let err = store.get(&cid).await.unwrap_err().to_string();
		assert!(err.contains("tampered"), "{err}");

		let absent = RawCid::of(b"other").unwrap();
		let err = store.get(&absent).await.unwrap_err().to_string();
		assert!(err.contains("not in the content store"), "{err}");
	}
}
