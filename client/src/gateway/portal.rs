//! The owner's portal and the reports it reads, served without a token:
//!
//! - `/portal/` — the static web app (`scripts/portal.sh` builds it into
//!   `$GRIDMASK_PORTAL_DIR/site`): the files are read once at start into a map, so a request
//!   never touches the file system and no path can leave the directory. `/portal/config.json`
//!   tells the page which node to read and the chain's currency. A Content-Security-Policy
//!   lets the page connect only to this gateway and the configured nodes: what the page says
//!   ("nothing is sent anywhere but reads from a node and the content store") is a browser rule.
//! - `/content/{cid}` — a report's bytes as the content store holds them, **unchecked**: the
//!   page checks them against the CID itself, so that it can name tampering as the CLI does.
//!   They are ciphertext named on chain, so any origin may read them (the page also works from
//!   a file), and never cached (a replaced block must be seen at once).

use anyhow::{Context, Result};
use gridmask_primitives::cid::{RawCid, MAX_REPORT_BYTES};
use http_body_util::Full;
use hyper::{body::Bytes, header, Response, StatusCode};
use serde_json::json;
use std::{collections::BTreeMap, path::Path};

use super::{problem, Reply};
use crate::content::ContentStore;

/// The portal's files and settings.
pub struct Portal {
	files: BTreeMap<String, (&'static str, Bytes)>,
	csp: String,
}

/// A file's content type by its extension (only what the site holds).
fn content_type(name: &str) -> Option<&'static str> {
	let ext = name.rsplit_once('.').map(|(_, e)| e)?;
	Some(match ext {
		"html" => "text/html; charset=utf-8",
		"js" => "text/javascript; charset=utf-8",
		"css" => "text/css; charset=utf-8",
		"json" => "application/json",
		"txt" => "text/plain; charset=utf-8",
		"png" => "image/png",
		"svg" => "image/svg+xml",
		_ => return None,
	})
}

impl Portal {
	/// The site in `dir` (its regular files of known types, not its subdirectories); `node` is
	/// the node the page reads by default, `nodes` every node it may connect to, `ipfs` the IPFS
	/// HTTP gateway it fetches reports from, if not from this gateway.
	pub fn load(dir: &Path, node: &str, nodes: &[String], ipfs: Option<&str>) -> Result<Self> {
		let mut files = BTreeMap::new();
		let entries = std::fs::read_dir(dir).with_context(|| {
			format!("the portal is not built in {} (run scripts/portal.sh)", dir.display())
		})?;
		for entry in entries {
			let entry = entry?;
			let name = entry.file_name().to_string_lossy().into_owned();
			let Some(kind) = content_type(&name) else { continue };
			if entry.file_type()?.is_file() {
				let bytes = std::fs::read(entry.path())
					.with_context(|| format!("reading {}", entry.path().display()))?;
				files.insert(name, (kind, Bytes::from(bytes)));
			}
		}
		if !files.contains_key("index.html") {
			anyhow::bail!("{} has no index.html (run scripts/portal.sh)", dir.display());
		}
		// Prices and bills count in µ-units of the chain's currency: 6 decimals.
		let mut config = json!({
			"node": node,
			"symbol": gridmask_primitives::currency::SYMBOL,
			"decimals": 6,
		});
		let mut connect = nodes.to_vec();
		if let Some(ipfs) = ipfs {
			config["ipfs"] = json!(ipfs);
			connect.push(ipfs.trim_end_matches('/').to_string());
		}
		files.insert(
			"config.json".into(),
			("application/json", Bytes::from(config.to_string().into_bytes())),
		);
		// `wasm-unsafe-eval`: the page's verifier and polkadot.js's crypto are WebAssembly. The
		// bill page is shown in a shadow root with its stylesheet attached from script, so
		// neither inline styles nor frames are needed.
		let csp = format!(
			"default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src \
			 'self' data:; connect-src 'self' {}; base-uri 'none'; form-action 'none'; \
			 frame-ancestors 'none'",
			connect.join(" ")
		);
		Ok(Self { files, csp })
	}

	/// `GET /portal/{name}` (`""`: the index).
	pub fn file(&self, name: &str) -> Reply {
		let name = if name.is_empty() { "index.html" } else { name };
		let Some((kind, bytes)) = self.files.get(name) else {
			return problem(StatusCode::NOT_FOUND, format!("the portal has no {name}"));
		};
		Response::builder()
			.header(header::CONTENT_TYPE, *kind)
			.header(header::CONTENT_SECURITY_POLICY, &self.csp)
			.header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
			.header(header::REFERRER_POLICY, "no-referrer")
			.header(header::CACHE_CONTROL, "no-cache")
			.body(Full::new(bytes.clone()))
			.expect("a valid response")
	}
}

/// `GET /portal`: the index is at `/portal/` (its relative links need the slash).
pub fn to_index() -> Reply {
	Response::builder()
		.status(StatusCode::PERMANENT_REDIRECT)
		.header(header::LOCATION, "/portal/")
		.body(Full::new(Bytes::new()))
		.expect("a valid response")
}

/// `GET /content/{cid}`: the block's bytes as the store holds them (see the module's doc).
pub async fn content(store: &ContentStore, cid: &str) -> Reply {
	let Ok(cid) = RawCid::parse(cid.as_bytes()) else {
		return problem(StatusCode::BAD_REQUEST, format!("{cid:?} is not a raw sha2-256 CIDv1"));
	};
	let mut reply = match store.get_raw(&cid).await {
		Ok(bytes) if bytes.len() <= MAX_REPORT_BYTES => Response::builder()
			.header(header::CONTENT_TYPE, "application/vnd.ipld.raw")
			.body(Full::new(Bytes::from(bytes)))
			.expect("a valid response"),
		Ok(bytes) => problem(
			StatusCode::BAD_GATEWAY,
			format!("the content store returned {} bytes for {cid}: not a report", bytes.len()),
		),
		Err(e) => problem(StatusCode::NOT_FOUND, format!("{e:#}")),
	};
	let headers = reply.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
	headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
	reply
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_site_is_read_once_and_served_with_its_policy() {
		let dir = std::env::temp_dir().join(format!("gridmask-portal-test-{}", std::process::id()));
		std::fs::create_dir_all(dir.join("sub")).unwrap();
		std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
		std::fs::write(dir.join("portal.js"), "1").unwrap();
		std::fs::write(dir.join("notes.bin"), "not served").unwrap();
		std::fs::write(dir.join("sub/secret.txt"), "not served").unwrap();
		let nodes = ["ws://127.0.0.1:9944".to_string(), "ws://10.0.0.2:9944".to_string()];
		let p = Portal::load(&dir, &nodes[0], &nodes, None).unwrap();
		let ipfs = Portal::load(&dir, &nodes[0], &nodes, Some("http://127.0.0.1:8080/")).unwrap();
		std::fs::remove_dir_all(&dir).unwrap();
		// An IPFS HTTP gateway is named to the page and allowed to it.
		let config: serde_json::Value =
			serde_json::from_slice(&ipfs.files["config.json"].1).unwrap();
		assert_eq!(config["ipfs"], "http://127.0.0.1:8080/");
		assert!(ipfs.csp.contains("ws://10.0.0.2:9944 http://127.0.0.1:8080;"), "{}", ipfs.csp);
		// Read at start: the files are gone from disk and still served.
		let index = p.file("");
		assert_eq!(index.status(), StatusCode::OK);
		assert_eq!(index.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
		let csp = index.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
		assert!(
			csp.contains("connect-src 'self' ws://127.0.0.1:9944 ws://10.0.0.2:9944;"),
			"{csp}"
		);
		assert!(csp.starts_with("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
		assert_eq!(
			p.file("portal.js").headers()[header::CONTENT_TYPE],
			"text/javascript; charset=utf-8"
		);
		for absent in ["notes.bin", "sub", "secret.txt", "../index.html"] {
			assert_eq!(p.file(absent).status(), StatusCode::NOT_FOUND, "{absent}");
		}
		let config = p.files["config.json"].1.clone();
		let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
		assert_eq!(
			config,
			json!({ "node": "ws://127.0.0.1:9944", "symbol": "GMT", "decimals": 6 })
		);
		// No site, no portal.
		let err = Portal::load(&dir, &nodes[0], &nodes, None).err().unwrap();
		assert!(format!("{err:#}").contains("run scripts/portal.sh"), "{err:#}");
	}
}
