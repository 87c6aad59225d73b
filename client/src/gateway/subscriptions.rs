//! OpenADR 3 subscriptions: a VEN asks to be called back (`callbackUrl`) when objects of a
//! program change; here, when a period of the program's region is priced on chain. The
//! notification is the OpenADR `notification` object: `objectType` `EVENT`, `operation` `PUT`,
//! `object` the event (region and cycle) holding the newly priced interval.
//!
//! Before a subscription is created the gateway checks its callback (OpenADR 3.0.1
//! Definitions, webhooks): a `GET` with a random `echo` query parameter that the receiver must
//! send back in a 200 answer, so that nobody can point the gateway's notifications at a
//! server that did not ask for them. Subscriptions are held in memory, like tokens: a VEN
//! subscribes again after the gateway restarts.

use crate::datetime::rfc3339;
use anyhow::{bail, Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{json, Value};
use std::{collections::BTreeMap, time::Duration};

/// Most subscriptions held (each is a callback the gateway makes on every priced period).
pub const MAX_SUBSCRIPTIONS: usize = 1_000;
/// How long a callback may take to answer.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);
/// The object types of OpenADR 3.0.1.
const OBJECT_TYPES: [&str; 6] = ["PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE"];
/// Operations: the Alliance's published document says `GET, POST, PUT, DELETE`, the copy in
/// the specification repository `READ, CREATE, UPDATE, DELETE`; both are taken.
const OPERATIONS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "READ", "CREATE", "UPDATE"];

/// A stored subscription: the object as the VEN sent it, completed with `id`, the dates and
/// `objectType`, and who owns it.
#[derive(Clone, Debug)]
pub struct Subscription {
	/// The OpenADR object.
	pub object: Value,
	/// The OAuth2 client that created it (only it sees and deletes it).
	pub owner: String,
}

impl Subscription {
	/// Its program id.
	pub fn program(&self) -> &str {
		self.object["programID"].as_str().unwrap_or_default()
	}

	/// `(callbackUrl, bearerToken)` of each of its object operations that covers events.
	pub fn event_callbacks(&self) -> Vec<(String, Option<String>)> {
		let ops = self.object["objectOperations"].as_array().cloned().unwrap_or_default();
		ops.iter()
			.filter(|op| op["objects"].as_array().is_some_and(|o| o.iter().any(|t| t == "EVENT")))
			.filter_map(|op| {
				let url = op["callbackUrl"].as_str()?.to_string();
				Some((url, op["bearerToken"].as_str().map(String::from)))
			})
			.collect()
	}
}

/// Checks a subscription a VEN posted; `Err` says what is wrong with it.
pub fn validate(body: &Value) -> std::result::Result<(), String> {
	let text = |k: &str| body[k].as_str().filter(|s| !s.is_empty() && s.len() <= 128);
	text("clientName").ok_or("clientName: a string of 1 to 128 characters is required")?;
	text("programID").ok_or("programID: an object id is required")?;
	let ops = body["objectOperations"]
		.as_array()
		.filter(|o| !o.is_empty())
		.ok_or("objectOperations: a non-empty array is required")?;
	for (i, op) in ops.iter().enumerate() {
		let strings = |k: &str, allowed: &[&str]| {
			op[k]
				.as_array()
				.filter(|a| !a.is_empty())
				.is_some_and(|a| a.iter().all(|v| v.as_str().is_some_and(|s| allowed.contains(&s))))
		};
		if !strings("objects", &OBJECT_TYPES) {
			return Err(format!("objectOperations[{i}].objects: one or more of {OBJECT_TYPES:?}"));
		}
		if !strings("operations", &OPERATIONS) {
			return Err(format!("objectOperations[{i}].operations: one or more of {OPERATIONS:?}"));
		}
		let url = op["callbackUrl"].as_str().unwrap_or_default();
		if !(url.starts_with("http://") || url.starts_with("https://")) {
			return Err(format!("objectOperations[{i}].callbackUrl: an http(s) URL is required"));
		}
		if url.starts_with("https://") {
			return Err(format!(
				"objectOperations[{i}].callbackUrl: this gateway calls back over http only \
				 (it has no TLS client); put the receiver behind an http endpoint it can reach"
			));
		}
		if !matches!(op.get("bearerToken"), None | Some(Value::Null) | Some(Value::String(_))) {
			return Err(format!("objectOperations[{i}].bearerToken: a string or null"));
		}
	}
	Ok(())
}

/// The subscriptions, by id.
#[derive(Default)]
pub struct Subscriptions {
	next: u64,
	by_id: BTreeMap<String, Subscription>,
}

impl Subscriptions {
	/// Stores a validated subscription of `owner`; the stored object.
	pub fn create(&mut self, mut object: Value, owner: &str, now_ms: u64) -> Result<Value> {
		if self.by_id.len() >= MAX_SUBSCRIPTIONS {
			bail!("the gateway holds {MAX_SUBSCRIPTIONS} subscriptions");
		}
		self.next += 1;
		let id = format!("sub{}", self.next);
		object["id"] = json!(id);
		object["objectType"] = json!("SUBSCRIPTION");
		object["createdDateTime"] = json!(rfc3339(now_ms));
		object["modificationDateTime"] = json!(rfc3339(now_ms));
		self.by_id.insert(id, Subscription { object: object.clone(), owner: owner.to_string() });
		Ok(object)
	}

	/// `owner`'s subscription `id`.
	pub fn get(&self, id: &str, owner: &str) -> Option<&Subscription> {
		self.by_id.get(id).filter(|s| s.owner == owner)
	}

	/// Removes `owner`'s subscription `id`; the removed object.
	pub fn delete(&mut self, id: &str, owner: &str) -> Option<Value> {
		self.get(id, owner)?;
		self.by_id.remove(id).map(|s| s.object)
	}

	/// `owner`'s subscriptions, in creation order.
	pub fn of(&self, owner: &str) -> Vec<&Subscription> {
		let mut subs: Vec<_> = self.by_id.values().filter(|s| s.owner == owner).collect();
		subs.sort_by_key(|s| s.object["id"].as_str().and_then(|i| i[3..].parse::<u64>().ok()));
		subs
	}

	/// Every subscription (for notifications).
	pub fn all(&self) -> Vec<Subscription> {
		self.by_id.values().cloned().collect()
	}
}

/// An HTTP request to a VEN's callback: the status and (at most 64 KiB of) the body.
async fn call(
	method: hyper::Method,
	url: &str,
	bearer: Option<&str>,
	body: Option<&Value>,
) -> Result<(u16, Vec<u8>)> {
	use hyper_util::{client::legacy::Client, rt::TokioExecutor};
	let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
	let mut req = hyper::Request::builder().method(method).uri(url);
	if let Some(token) = bearer {
		req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
	}
	let payload = match body {
		Some(v) => {
			req = req.header(hyper::header::CONTENT_TYPE, "application/json");
			serde_json::to_vec(v)?
		},
		None => Vec::new(),
	};
	let req = req.body(Full::new(Bytes::from(payload))).context("bad callback URL")?;
	let resp = tokio::time::timeout(CALLBACK_TIMEOUT, client.request(req))
		.await
		.with_context(|| format!("{url}: no answer in {} s", CALLBACK_TIMEOUT.as_secs()))?
		.with_context(|| format!("{url}: unreachable"))?;
	let status = resp.status().as_u16();
	let bytes = http_body_util::Limited::new(resp.into_body(), 64 * 1024)
		.collect()
		.await
		.map_err(|e| anyhow::anyhow!("{url}: reading the answer: {e}"))?
		.to_bytes();
	Ok((status, bytes.to_vec()))
}

/// The echo challenge: `GET callbackUrl?echo=<random>` must answer 200 with the value.
pub async fn challenge(url: &str) -> Result<()> {
	let echo = hex::encode(rand::random::<[u8; 16]>());
	let sep = if url.contains('?') { '&' } else { '?' };
	let (status, body) = call(hyper::Method::GET, &format!("{url}{sep}echo={echo}"), None, None)
		.await
		.context("the callback's echo challenge failed")?;
	let answer = String::from_utf8_lossy(&body);
	let answer = answer.trim().trim_matches('"');
	if status != 200 || answer != echo {
		bail!("the callback did not echo the challenge (HTTP {status}, {:.80})", answer);
	}
	Ok(())
}

/// Posts `notification` to a callback.
pub async fn notify(url: &str, bearer: Option<&str>, notification: &Value) -> Result<()> {
	let (status, _) = call(hyper::Method::POST, url, bearer, Some(notification)).await?;
	if !(200..300).contains(&status) {
		bail!("{url}: HTTP {status}");
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn subscription(callback: &str) -> Value {
		json!({
			"clientName": "ven", "programID": "r1",
			"objectOperations": [{ "objects": ["EVENT"], "operations": ["PUT", "POST"], "callbackUrl": callback }],
		})
	}

	#[test]
	fn subscriptions_are_validated_and_kept_per_client() {
		assert!(validate(&subscription("http://127.0.0.1:9/cb")).is_ok());
		assert!(validate(&subscription("ftp://x")).unwrap_err().contains("callbackUrl"));
		let mut bad = subscription("http://127.0.0.1:9/cb");
		bad["objectOperations"][0]["objects"] = json!(["BILL"]);
		assert!(validate(&bad).unwrap_err().contains("objects"));
		assert!(validate(&json!({ "programID": "r1" })).unwrap_err().contains("clientName"));

		let mut subs = Subscriptions::default();
		let made = subs.create(subscription("http://127.0.0.1:9/cb"), "ven-1", 0).unwrap();
		let id = made["id"].as_str().unwrap();
		assert_eq!(made["objectType"], "SUBSCRIPTION");
		assert!(subs.get(id, "ven-2").is_none(), "another client does not see it");
		assert_eq!(subs.of("ven-1").len(), 1);
		assert_eq!(
			subs.get(id, "ven-1").unwrap().event_callbacks(),
			vec![("http://127.0.0.1:9/cb".to_string(), None)]
		);
		assert!(subs.delete(id, "ven-2").is_none());
		assert_eq!(subs.delete(id, "ven-1").unwrap()["id"], id);
		assert!(subs.of("ven-1").is_empty());
	}
}
