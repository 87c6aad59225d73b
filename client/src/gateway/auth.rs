//! OAuth2 client credentials (RFC 6749 §4.4) as OpenADR 3 requires them: a VEN posts its
//! `client_id` and `client_secret` to `POST /auth/token` and gets a bearer token that every
//! other request carries (`Authorization: Bearer …`).
//!
//! The clients are configured in a JSON file (`--clients`), each with the scopes it may hold:
//!
//! ```json
//! { "clients": [
//!   { "client_id": "ven-1", "client_secret": "…", "scopes": ["read_all", "write_subscriptions"] },
//!   { "client_id": "home-1000", "client_secret": "…", "scopes": ["read_bills"],
//!     "bill_key": "bill-key-1000.json" }
//! ] }
//! ```
//!
//! `read_all` and `write_subscriptions` are OpenADR's scopes. `read_bills` is gridmask's own:
//! its client is one owner, whose bill key (`gridmask owner bill-key`: the key that opens their
//! bills, not the account key that answers them; a path relative to the clients file, mode
//! 0600) the gateway loads at start, and it may read that owner's verified bills only.
//!
//! Tokens are random (256 bits), held in memory only and valid for [`TOKEN_SECS`]; a restarted
//! gateway forgets them and its clients fetch new ones, as OAuth2 clients do on a 401.

use crate::store::{self, BillKey};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Mutex,
	time::{Duration, Instant},
};

/// How long a token is valid.
pub const TOKEN_SECS: u64 = 3_600;
/// The scopes this gateway grants: OpenADR 3.0.1's to read and to keep subscriptions, and
/// gridmask's own to read one owner's verified bills.
pub const SCOPES: [&str; 3] = ["read_all", "write_subscriptions", READ_BILLS];
/// The scope of an owner's client: their own verified bills.
pub const READ_BILLS: &str = "read_bills";
/// Most tokens held at once (a client that fetches a token per request cannot grow the map
/// without bound: the oldest are dropped).
const MAX_TOKENS: usize = 10_000;

/// One configured client.
#[derive(Clone, Debug, Deserialize)]
pub struct Client {
	/// Its id.
	pub client_id: String,
	/// Its secret.
	pub client_secret: String,
	/// The scopes it may be granted.
	pub scopes: Vec<String>,
	/// An owner's client: their bill key file (required with `read_bills`, refused without).
	#[serde(default)]
	pub bill_key: Option<PathBuf>,
}

#[derive(Deserialize)]
struct ClientsFile {
	clients: Vec<Client>,
}

/// Why a token request is refused: OAuth2's `error` codes (the `authError` of the OpenADR
/// document).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
	/// A required field is missing.
	InvalidRequest,
	/// No such client, or a wrong secret.
	InvalidClient,
	/// A scope the client may not have.
	InvalidScope,
	/// Not `client_credentials`.
	UnsupportedGrantType,
}

impl TokenError {
	/// The `error` code.
	pub fn code(self) -> &'static str {
		match self {
			Self::InvalidRequest => "invalid_request",
			Self::InvalidClient => "invalid_client",
			Self::InvalidScope => "invalid_scope",
			Self::UnsupportedGrantType => "unsupported_grant_type",
		}
	}

	/// What to tell the client.
	pub fn description(self) -> &'static str {
		match self {
			Self::InvalidRequest => "grant_type, client_id and client_secret are required",
			Self::InvalidClient => "unknown client or wrong secret",
			Self::InvalidScope => "a requested scope is not granted to this client",
			Self::UnsupportedGrantType => "only the client_credentials grant is supported",
		}
	}
}

/// A granted token.
#[derive(Clone, Debug)]
pub struct Grant {
	/// The client it was issued to.
	pub client_id: String,
	/// Its scopes.
	pub scopes: Vec<String>,
	expires: Instant,
}

/// The clients and the tokens issued to them.
pub struct Auth {
	clients: HashMap<String, Client>,
	/// The bill keys of the owners' clients, by client id.
	bill_keys: HashMap<String, BillKey>,
	tokens: Mutex<HashMap<String, Grant>>,
}

/// SHA-256, so that secrets are compared in time independent of where they differ.
fn digest(s: &str) -> [u8; 32] {
	Sha256::digest(s.as_bytes()).into()
}

impl Auth {
	/// No clients: every token request and every bearer token is refused.
	pub fn none() -> Self {
		Self {
			clients: HashMap::new(),
			bill_keys: HashMap::new(),
			tokens: Mutex::new(HashMap::new()),
		}
	}

	/// The clients of `path` (bill keys relative to its directory).
	pub fn load(path: &Path) -> Result<Self> {
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading the clients file {}", path.display()))?;
		let mut file: ClientsFile = serde_json::from_str(&text)
			.with_context(|| format!("{}: not a clients file", path.display()))?;
		let dir = path.parent().unwrap_or(Path::new("."));
		for c in &mut file.clients {
			c.bill_key = c.bill_key.take().map(|k| dir.join(k));
		}
		Self::new(file.clients)
	}

	/// These clients.
	pub fn new(clients: Vec<Client>) -> Result<Self> {
		let mut map = HashMap::new();
		let mut bill_keys = HashMap::new();
		for c in clients {
			if c.client_id.is_empty() || c.client_secret.len() < 16 {
				bail!("client {:?}: an id and a secret of at least 16 characters", c.client_id);
			}
			if let Some(s) = c.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
				bail!("client {}: unknown scope {s} (known: {})", c.client_id, SCOPES.join(", "));
			}
			match (&c.bill_key, c.scopes.iter().any(|s| s == READ_BILLS)) {
				(Some(path), true) => {
					let key: BillKey = store::read_private_json(path)
						.with_context(|| format!("client {}: its bill key", c.client_id))?;
					bill_keys.insert(c.client_id.clone(), key);
				},
				(None, false) => {},
				(None, true) => bail!("client {}: {READ_BILLS} needs a bill_key", c.client_id),
				(Some(_), false) => {
					bail!("client {}: a bill_key is only for a client of {READ_BILLS}", c.client_id)
				},
			}
			if map.insert(c.client_id.clone(), c.clone()).is_some() {
				bail!("client {} is listed twice", c.client_id);
			}
		}
		Ok(Self { clients: map, bill_keys, tokens: Mutex::new(HashMap::new()) })
	}

	/// The bill key of an owner's client.
	pub fn bill_key(&self, client_id: &str) -> Option<&BillKey> {
		self.bill_keys.get(client_id)
	}

	/// Issues a token for the form fields of a token request; `(token, scopes)`.
	pub fn issue(
		&self,
		form: &HashMap<String, String>,
	) -> std::result::Result<(String, Vec<String>), TokenError> {
		let field = |k: &str| form.get(k).filter(|v| !v.is_empty());
		let grant_type = field("grant_type").ok_or(TokenError::InvalidRequest)?;
		if grant_type != "client_credentials" {
			return Err(TokenError::UnsupportedGrantType);
		}
		let (id, secret) =
			field("client_id").zip(field("client_secret")).ok_or(TokenError::InvalidRequest)?;
		let client = self.clients.get(id).ok_or(TokenError::InvalidClient)?;
		if digest(&client.client_secret) != digest(secret) {
			return Err(TokenError::InvalidClient);
		}
		let scopes: Vec<String> = match form.get("scope").map(|s| s.trim()) {
			None | Some("") => client.scopes.clone(),
			Some(asked) => {
				let asked: Vec<String> = asked.split_whitespace().map(String::from).collect();
				if asked.iter().any(|s| !client.scopes.contains(s)) {
					return Err(TokenError::InvalidScope);
				}
				asked
			},
		};
		let token = hex::encode(rand::random::<[u8; 32]>());
		let grant = Grant {
			client_id: client.client_id.clone(),
			scopes: scopes.clone(),
			expires: Instant::now() + Duration::from_secs(TOKEN_SECS),
		};
		let mut tokens = self.tokens.lock().expect("not poisoned");
		let now = Instant::now();
		tokens.retain(|_, g| g.expires > now);
		if tokens.len() >= MAX_TOKENS {
			let oldest = tokens.iter().min_by_key(|(_, g)| g.expires).map(|(t, _)| t.clone());
			oldest.map(|t| tokens.remove(&t));
		}
		tokens.insert(token.clone(), grant);
		Ok((token, scopes))
	}

	/// The grant of a request's `Authorization` header value, if it holds a live token.
	pub fn check(&self, authorization: Option<&str>) -> Option<Grant> {
		let token = authorization?.strip_prefix("Bearer ")?.trim();
		let tokens = self.tokens.lock().expect("not poisoned");
		tokens.get(token).filter(|g| g.expires > Instant::now()).cloned()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn auth() -> Auth {
		Auth::new(vec![Client {
			client_id: "ven-1".into(),
			client_secret: "0123456789abcdef".into(),
			scopes: vec!["read_all".into()],
			bill_key: None,
		}])
		.unwrap()
	}

	fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
		pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
	}

	#[test]
	fn a_client_gets_a_token_that_then_authorizes() {
		let a = auth();
		let (token, scopes) = a
			.issue(&form(&[
				("grant_type", "client_credentials"),
				("client_id", "ven-1"),
				("client_secret", "0123456789abcdef"),
			]))
			.unwrap();
		assert_eq!(scopes, vec!["read_all"]);
		let grant = a.check(Some(&format!("Bearer {token}"))).unwrap();
		assert_eq!(grant.client_id, "ven-1");
		assert!(a.check(Some("Bearer nope")).is_none());
		assert!(a.check(Some(&token)).is_none(), "the Bearer scheme is required");
		assert!(a.check(None).is_none());
	}

	#[test]
	fn bad_token_requests_get_their_oauth_error() {
		let a = auth();
		let ok = [("client_id", "ven-1"), ("client_secret", "0123456789abcdef")];
		let with = |extra: &[(&str, &str)]| {
			let mut f = form(&ok);
			f.extend(form(extra));
			a.issue(&f).unwrap_err()
		};
		assert_eq!(with(&[]), TokenError::InvalidRequest);
		assert_eq!(with(&[("grant_type", "password")]), TokenError::UnsupportedGrantType);
		assert_eq!(
			with(&[("grant_type", "client_credentials"), ("client_secret", "0123456789abcdeX")]),
			TokenError::InvalidClient
		);
		assert_eq!(
			with(&[("grant_type", "client_credentials"), ("scope", "write_subscriptions")]),
			TokenError::InvalidScope
		);
	}

	#[test]
	fn a_weak_or_unknown_client_configuration_is_refused() {
		let client = |secret: &str, scope: &str| Client {
			client_id: "c".into(),
			client_secret: secret.into(),
			scopes: vec![scope.into()],
			bill_key: None,
		};
		assert!(Auth::new(vec![client("short", "read_all")]).is_err());
		assert!(Auth::new(vec![client("0123456789abcdef", "write_events")]).is_err());
	}

	#[test]
	fn an_owner_client_holds_its_bill_key_and_only_a_private_one() {
		use std::os::unix::fs::PermissionsExt;
		let dir = crate::test_dir::TempDir::new();
		let key = BillKey { version: 1, meter: 1000, hpke_secret: store::Secret32([7; 32]) };
		store::write_secret_json(&dir.path().join("bill-key.json"), &key).unwrap();
		let clients = |scopes: &str, bill_key: Option<&str>| {
			let entry = serde_json::json!({
				"client_id": "home-1000",
				"client_secret": "0123456789abcdef",
				"scopes": [scopes],
				"bill_key": bill_key,
			});
			let path = dir.path().join("clients.json");
			std::fs::write(&path, serde_json::json!({ "clients": [entry] }).to_string()).unwrap();
			Auth::load(&path)
		};
		// Relative to the clients file.
		let a = clients(READ_BILLS, Some("bill-key.json")).unwrap();
		assert_eq!(a.bill_key("home-1000").map(|k| k.meter), Some(1000));
		assert!(a.bill_key("ven-1").is_none());
		let err = |r: Result<Auth>| format!("{:#}", r.err().expect("refused"));
		assert!(err(clients(READ_BILLS, None)).contains("needs a bill_key"));
		assert!(err(clients("read_all", Some("bill-key.json"))).contains("only for a client"));
		let path = dir.path().join("bill-key.json");
		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
		assert!(err(clients(READ_BILLS, Some("bill-key.json"))).contains("readable by others"));
	}
}
