//! OAuth2 client credentials (RFC 6749 §4.4) as OpenADR 3 requires them: a VEN posts its
//! `client_id` and `client_secret` to `POST /auth/token` and gets a bearer token that every
//! other request carries (`Authorization: Bearer …`).
//!
//! The clients are configured in a JSON file (`--clients`), each with the scopes it may hold:
//!
//! ```json
//! { "clients": [
//!   { "client_id": "ven-1", "client_secret": "…", "scopes": ["read_all", "write_subscriptions"] }
//! ] }
//! ```
//!
//! Tokens are random (256 bits), held in memory only and valid for [`TOKEN_SECS`]; a restarted
//! gateway forgets them and its clients fetch new ones, as OAuth2 clients do on a 401.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::{
	collections::HashMap,
	path::Path,
	sync::Mutex,
	time::{Duration, Instant},
};

/// How long a token is valid.
pub const TOKEN_SECS: u64 = 3_600;
/// The scopes of OpenADR 3.0.1 this gateway grants: it reads, and keeps subscriptions.
pub const SCOPES: [&str; 2] = ["read_all", "write_subscriptions"];
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
	tokens: Mutex<HashMap<String, Grant>>,
}

/// SHA-256, so that secrets are compared in time independent of where they differ.
fn digest(s: &str) -> [u8; 32] {
	Sha256::digest(s.as_bytes()).into()
}

impl Auth {
	/// The clients of `path`.
	pub fn load(path: &Path) -> Result<Self> {
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading the clients file {}", path.display()))?;
		let file: ClientsFile = serde_json::from_str(&text)
			.with_context(|| format!("{}: not a clients file", path.display()))?;
		Self::new(file.clients)
	}

	/// These clients.
	pub fn new(clients: Vec<Client>) -> Result<Self> {
		let mut map = HashMap::new();
		for c in clients {
			if c.client_id.is_empty() || c.client_secret.len() < 16 {
				bail!("client {:?}: an id and a secret of at least 16 characters", c.client_id);
			}
			if let Some(s) = c.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
				bail!("client {}: unknown scope {s} (known: {})", c.client_id, SCOPES.join(", "));
			}
			if map.insert(c.client_id.clone(), c.clone()).is_some() {
				bail!("client {} is listed twice", c.client_id);
			}
		}
		Ok(Self { clients: map, tokens: Mutex::new(HashMap::new()) })
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
		};
		assert!(Auth::new(vec![client("short", "read_all")]).is_err());
		assert!(Auth::new(vec![client("0123456789abcdef", "write_events")]).is_err());
	}
}
