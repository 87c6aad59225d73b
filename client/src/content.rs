//! The content store of encrypted bill reports, addressed by CIDv1 (raw codec, sha2-256).
//!
//! - **Embedded** (default): a directory of blocks, `<dir>/blocks/<cid>` (the CID's base32
//!   string), written atomically. Share it between the KGC and owners (or copy blocks around).
//! - **Kubo** (`--ipfs-api URL`): any node speaking the Kubo HTTP RPC API. `add` with
//!   `cid-version=1`, `raw-leaves=true` and a 1 MiB chunker stores a report (≤ 1 MiB) as one
//!   raw block, so Kubo's CID is exactly [`RawCid::of`] the bytes — the CID on chain does not
//!   depend on the store. `cid-base=base32` asks for it in the chain's spelling (js-ipfs
//!   otherwise answers in base58). `cat` fetches it. The integration tests run the bill round
//!   trip against a real node of this API (js-ipfs, `scripts/js/lib/ipfs.mjs`); the unit tests
//!   here use a mock for the error cases.
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
					"{}/api/v0/add?cid-version=1&raw-leaves=true&chunker=size-1048576&pin=true&\
					 cid-base=base32",
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
		let bytes = self.get_raw(cid).await?;
		if let Some(problem) = gridmask_bill::facts::block_problem(cid, &bytes) {
			bail!(problem);
		}
		Ok(bytes)
	}

	/// Fetches the block `cid` as the store returns it, unchecked (at most
	/// `MAX_REPORT_BYTES` and a little more are read from a Kubo API): for readers that check
	/// it themselves (the bill check, the portal through the gateway's `/content/{cid}`).
	pub async fn get_raw(&self, cid: &RawCid) -> Result<Vec<u8>> {
		Ok(match self {
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
		})
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
	// A report is at most MAX_REPORT_BYTES; Kubo's other answers are small JSON. Never read
	// more than that from the API, whatever it sends.
	let limit = MAX_REPORT_BYTES + 64 * 1024;
	let bytes = http_body_util::Limited::new(resp.into_body(), limit)
		.collect()
		.await
		.map_err(|e| anyhow::anyhow!("{url}: reading the IPFS answer: {e} (limit {limit} bytes)"))?
		.to_bytes();
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
		let dir = crate::test_dir::TempDir::new();
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

	/// A minimal Kubo RPC API: `add` (checks the options that make the CID a raw CIDv1) and
	/// `cat`, one request per connection. `honest: false` answers `add` with another CID, as a
	/// node with default options (CIDv0, dag-pb) would.
	async fn mock_kubo(honest: bool) -> String {
		use std::collections::HashMap;
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		tokio::spawn(async move {
			let mut blocks: HashMap<String, Vec<u8>> = HashMap::new();
			loop {
				let (mut sock, _) = listener.accept().await.unwrap();
				let mut buf = Vec::new();
				let (head_end, len) = loop {
					let mut chunk = [0u8; 4096];
					let n = sock.read(&mut chunk).await.unwrap();
					buf.extend_from_slice(&chunk[..n]);
					if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
						let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
						let len = head
							.lines()
							.find_map(|l| l.strip_prefix("content-length: "))
							.map_or(0, |v| v.trim().parse::<usize>().unwrap());
						break (i + 4, len);
					}
				};
				while buf.len() < head_end + len {
					let mut chunk = [0u8; 4096];
					let n = sock.read(&mut chunk).await.unwrap();
					buf.extend_from_slice(&chunk[..n]);
				}
				let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
				let target = head.split_whitespace().nth(1).unwrap().to_string();
				let body = &buf[head_end..head_end + len];
				let (status, answer) = if target.starts_with("/api/v0/add?") {
					assert!(target.contains("cid-version=1") && target.contains("raw-leaves=true"));
					// The file part: after its headers, up to the closing boundary.
					let start = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
					let end = body.windows(4).rposition(|w| w == b"\r\n--").unwrap();
					let file = body[start..end].to_vec();
					let cid = if honest {
						RawCid::of(&file).unwrap().to_string()
					} else {
						"QmNotARawCid".to_string()
					};
					blocks.insert(cid.clone(), file);
					("200 OK", format!("{{\"Name\":\"report\",\"Hash\":\"{cid}\"}}").into_bytes())
				} else if let Some(cid) = target.strip_prefix("/api/v0/cat?arg=") {
					match blocks.get(cid) {
						Some(b) => ("200 OK", b.clone()),
						None => ("500 Internal Server Error", b"block not found".to_vec()),
					}
				} else {
					("404 Not Found", Vec::new())
				};
				let mut resp = format!(
					"HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
					answer.len()
				)
				.into_bytes();
				resp.extend_from_slice(&answer);
				sock.write_all(&resp).await.unwrap();
				sock.shutdown().await.ok();
			}
		});
		format!("http://{addr}")
	}

	#[tokio::test]
	async fn kubo_store_gives_the_same_cid_as_the_directory() {
		let kubo = ContentStore::Kubo(mock_kubo(true).await);
		let bytes = vec![0xa5u8; 70_000];
		let cid = kubo.put(&bytes).await.unwrap();
		assert_eq!(cid, RawCid::of(&bytes).unwrap());
		assert_eq!(kubo.get(&cid).await.unwrap(), bytes);
		let err = kubo.get(&RawCid::of(b"absent").unwrap()).await.unwrap_err();
		assert!(format!("{err:#}").contains("block not found"), "{err:#}");
	}

	#[tokio::test]
	async fn a_node_that_does_not_store_raw_blocks_is_refused() {
		let kubo = ContentStore::Kubo(mock_kubo(false).await);
		let err = kubo.put(b"report").await.unwrap_err().to_string();
		assert!(err.contains("does not honour cid-version=1"), "{err}");
	}

	/// An API that answers without end is read up to the limit, not into memory whole.
	#[tokio::test]
	async fn an_endless_ipfs_answer_is_cut_off_at_the_limit() {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
		let counter = sent.clone();
		tokio::spawn(async move {
			let (mut sock, _) = listener.accept().await.unwrap();
			let mut head = [0u8; 4096];
			let _ = sock.read(&mut head).await;
			let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").await;
			let chunk = vec![b'x'; 64 * 1024];
			while sock.write_all(&chunk).await.is_ok() {
				counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
			}
		});
		let kubo = ContentStore::Kubo(format!("http://{addr}"));
		let err = format!("{:#}", kubo.get(&RawCid::of(b"r").unwrap()).await.unwrap_err());
		assert!(err.contains("limit"), "{err}");
		// What the server got out before the client stopped reading: about the limit (plus
		// what the sockets buffer), not unbounded.
		let out = sent.load(std::sync::atomic::Ordering::Relaxed);
		assert!(out < MAX_REPORT_BYTES + 64 * 1024 + 16 * 1024 * 1024, "{out}");
	}

	#[tokio::test]
	async fn an_unreachable_ipfs_api_is_named() {
		let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
		let kubo = ContentStore::Kubo(format!("http://127.0.0.1:{port}"));
		let err = format!("{:#}", kubo.put(b"x").await.unwrap_err());
		assert!(err.contains("IPFS API unreachable"), "{err}");
	}
}
