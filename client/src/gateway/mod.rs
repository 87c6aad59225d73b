//! `gridmask gateway`: the chain's prices and metering data over HTTP, for the devices and
//! people around a metering chain that do not read SCALE.
//!
//! - **OpenADR 3.0.1 VTN, a read subset**, under `/openadr3/3.0.1` ([`openadr`]): `GET
//!   /programs`, `/programs/{id}`, `/events`, `/events/{id}`; subscriptions with webhooks when
//!   a subscribed program's period is priced ([`subscriptions`]); OAuth2 client-credentials
//!   tokens at `POST /auth/token` ([`auth`]). Errors are OpenADR `problem` objects.
//! - **Metering JSON** under `/metering`: the clock, the regions, and per region its periods'
//!   outcomes, aggregates per channel and prices.
//! - **An owner's verified bills** under `/greenbutton/bills/{cycle}`: the Green Button (ESPI
//!   4.0) file of their bill of that cycle, exactly what `gridmask owner export` writes, or
//!   with `?format=json` its lines. The gateway fetches the report, opens it with the owner's
//!   bill key and verifies every line against the chain first; a bill that does not verify is
//!   not served (422, naming its problems).
//!
//! Every endpoint but the token's needs a bearer token (`read_all`; creating and deleting
//! subscriptions `write_subscriptions`; an owner's bills `read_bills`, whose client is that
//! owner). The gateway is read-only towards the chain: it signs nothing, and the only keys it
//! holds are the bill keys of the owners it serves, which open their bills and cannot answer
//! them. It reads the chain through the first node of `--url` that answers and moves on to
//! the next when that one fails.

pub mod auth;
pub mod openadr;
pub mod portal;
pub mod subscriptions;

use anyhow::{Context, Result};
use auth::{Auth, Grant};
use gridmask_primitives::{CycleIndex, PeriodIndex, RegionId};
use http_body_util::{BodyExt, Full};
use hyper::{body::Bytes, header, Method, Request, Response, StatusCode};
use openadr::{Prices, Snapshot};
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, BTreeSet, HashMap},
	net::SocketAddr,
	sync::Arc,
	time::Duration,
};
use subscriptions::Subscriptions;
use tokio::sync::Mutex;

use crate::{
	bill,
	chain::{runtime_types as rt, Chain},
	content::ContentStore,
	datetime::rfc3339,
	espi,
};

/// Where the OpenADR API lives (the `servers` URL of `openadr3.yaml`).
pub const OPENADR_BASE: &str = "/openadr3/3.0.1";
/// Largest request body read (a token form or a subscription).
const MAX_BODY: usize = 64 * 1024;
/// Most items one list request returns (OpenADR's `limit` maximum).
const MAX_LIMIT: usize = 50;
/// Most periods one metering request covers.
const MAX_PERIODS: u32 = 1_024;
/// How often subscribed programs are checked for newly priced periods.
const NOTIFY_EVERY: Duration = Duration::from_secs(2);

/// What the gateway serves.
pub struct Config {
	/// Node endpoints, in order of preference.
	pub urls: Vec<String>,
	/// The OAuth2 clients.
	pub auth: Auth,
	/// The currency code prices are given in (OpenADR payload descriptors).
	pub currency: String,
	/// Where bill reports are fetched from.
	pub content: ContentStore,
	/// The ISO 4217 number of the currency of ESPI costs.
	pub espi_currency: u16,
	/// The owner's portal, if it is served (`/portal/`, [`portal`]).
	pub portal: Option<portal::Portal>,
}

/// The gateway's state.
pub struct Gateway {
	config: Config,
	chain: Mutex<Option<Chain>>,
	subscriptions: Mutex<Subscriptions>,
}

type Reply = Response<Full<Bytes>>;

/// A JSON answer.
fn json_reply(status: StatusCode, body: &Value) -> Reply {
	Response::builder()
		.status(status)
		.header(header::CONTENT_TYPE, "application/json")
		.body(Full::new(Bytes::from(serde_json::to_vec(body).unwrap_or_default())))
		.expect("a valid response")
}

/// An OpenADR `problem` answer (the document's error object, served as `application/json`).
fn problem(status: StatusCode, detail: impl Into<String>) -> Reply {
	let mut reply = json_reply(
		status,
		&json!({
			"type": "about:blank",
			"title": status.canonical_reason().unwrap_or("Error"),
			"status": status.as_u16(),
			"detail": detail.into(),
		}),
	);
	if status == StatusCode::UNAUTHORIZED {
		reply
			.headers_mut()
			.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
	}
	reply
}

/// The query string's parameters (a repeated name keeps every value).
fn query(req: &Request<hyper::body::Incoming>) -> Vec<(String, String)> {
	form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes()).into_owned().collect()
}

/// OpenADR's list parameters, checked.
#[derive(Debug)]
struct ListQuery {
	program: Option<String>,
	target_type: Option<String>,
	target_values: Vec<String>,
	client_name: Option<String>,
	skip: usize,
	limit: usize,
}

impl ListQuery {
	/// The parameters of `q` (the names `allowed` and the paging ones); `Err` names the bad one.
	fn parse(q: &[(String, String)], allowed: &[&str]) -> std::result::Result<Self, String> {
		let mut out = Self {
			program: None,
			target_type: None,
			target_values: Vec::new(),
			client_name: None,
			skip: 0,
			limit: MAX_LIMIT,
		};
		for (k, v) in q {
			let number = || {
				v.parse::<usize>().map_err(|_| format!("{k}: a non-negative integer, not {v:?}"))
			};
			match k.as_str() {
				"skip" => out.skip = number()?,
				"limit" => {
					out.limit = number()?;
					if out.limit > MAX_LIMIT {
						return Err(format!("limit: at most {MAX_LIMIT}"));
					}
				},
				_ if !allowed.contains(&k.as_str()) => {
					return Err(format!("unknown query parameter {k:?}"))
				},
				"programID" => {
					if !is_object_id(v) {
						return Err(format!("programID: an object id, not {v:?}"));
					}
					out.program = Some(v.clone())
				},
				"targetType" => out.target_type = Some(v.clone()),
				"targetValues" => out.target_values.push(v.clone()),
				"clientName" => out.client_name = Some(v.clone()),
				_ => {},
			}
		}
		if out.target_type.is_none() && !out.target_values.is_empty() {
			return Err("targetValues needs targetType".into());
		}
		Ok(out)
	}

	/// The page of `items` it asks for.
	fn page(&self, items: Vec<Value>) -> Value {
		Value::Array(items.into_iter().skip(self.skip).take(self.limit).collect())
	}
}

/// OpenADR's `objectID`: 1 to 128 of `[a-zA-Z0-9_-]`.
fn is_object_id(s: &str) -> bool {
	(1..=128).contains(&s.len())
		&& s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Gateway {
	/// A gateway of `config`.
	pub fn new(config: Config) -> Arc<Self> {
		Arc::new(Self {
			config,
			chain: Mutex::new(None),
			subscriptions: Mutex::new(Subscriptions::default()),
		})
	}

	/// The finalized chain, through the current node or, if it fails, the first that answers.
	async fn snapshot(&self) -> Result<Snapshot> {
		let c = self.connected().await?;
		match Snapshot::read(&c).await {
			Ok(s) => Ok(s),
			Err(e) => {
				log(&format!("{}: {e:#}; trying the nodes again", c.url));
				Snapshot::read(&self.reconnect().await?).await
			},
		}
	}

	/// The node in use, or the first of `--url` that answers.
	async fn connected(&self) -> Result<Chain> {
		let mut chain = self.chain.lock().await;
		if let Some(c) = chain.as_ref() {
			return Ok(c.clone());
		}
		let c = Chain::connect(&self.config.urls).await?;
		*chain = Some(c.clone());
		Ok(c)
	}

	/// Drops the node in use for the first of `--url` that answers.
	async fn reconnect(&self) -> Result<Chain> {
		self.chain.lock().await.take();
		self.connected().await
	}

	/// Answers one request.
	pub async fn handle(self: Arc<Self>, req: Request<hyper::body::Incoming>) -> Reply {
		let path = req.uri().path().trim_end_matches('/').to_string();
		let route: Vec<&str> = path.split('/').skip(1).collect();
		let method = req.method().clone();
		if method == Method::POST && path == format!("{OPENADR_BASE}/auth/token") {
			return self.token(req).await;
		}
		// The portal and the reports it reads need no token (see [`portal`]).
		if let Some(reply) = self.public(&method, req.uri().path()).await {
			return reply;
		}
		let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
		let Some(grant) = self.config.auth.check(authorization) else {
			return problem(
				StatusCode::UNAUTHORIZED,
				"a bearer token is required (POST /openadr3/3.0.1/auth/token)",
			);
		};
		let openadr: Vec<&str> = OPENADR_BASE.split('/').skip(1).collect();
		let result = match route.as_slice() {
			[a, b, rest @ ..] if [*a, *b] == openadr[..] => {
				self.openadr(&method, rest, req, &grant).await
			},
			["metering", ..] | ["greenbutton", ..] if method != Method::GET => Ok(problem(
				StatusCode::METHOD_NOT_ALLOWED,
				format!("{method} is not served here: read-only"),
			)),
			["metering", rest @ ..] => match require(&grant, "read_all") {
				Ok(()) => self.metering(rest, &req).await,
				Err(reply) => Ok(reply),
			},
			["greenbutton", "bills", cycle] => match require(&grant, auth::READ_BILLS) {
				Ok(()) => self.bill(&grant, cycle, &req).await,
				Err(reply) => Ok(reply),
			},
			_ => Ok(problem(StatusCode::NOT_FOUND, format!("no such resource: {path}"))),
		};
		result.unwrap_or_else(|e| {
			log(&format!("{method} {path}: {e:#}"));
			problem(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
		})
	}

	/// `/portal/…` and `/content/{cid}` (GET only), or `None` for the other routes.
	async fn public(&self, method: &Method, path: &str) -> Option<Reply> {
		let route: Vec<&str> = path.split('/').skip(1).collect();
		let reply = match route.as_slice() {
			["portal"] | ["portal", ..] | ["content", _] if method != Method::GET => problem(
				StatusCode::METHOD_NOT_ALLOWED,
				format!("{method} is not served here: read-only"),
			),
			["portal"] => portal::to_index(),
			["portal", name] => match &self.config.portal {
				Some(p) => p.file(name),
				None => problem(
					StatusCode::NOT_FOUND,
					"this gateway serves no portal (gridmask gateway --portal DIR; scripts/portal.sh \
					 builds it)",
				),
			},
			["content", cid] => portal::content(&self.config.content, cid).await,
			_ => return None,
		};
		Some(reply)
	}

	/// `POST /auth/token`: a form of `grant_type`, `client_id`, `client_secret`, `scope`.
	async fn token(&self, req: Request<hyper::body::Incoming>) -> Reply {
		let body = match read_body(req).await {
			Ok(b) => b,
			Err(reply) => return reply,
		};
		let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
		match self.config.auth.issue(&form) {
			Ok((token, scopes)) => json_reply(
				StatusCode::OK,
				&json!({
					"access_token": token,
					"token_type": "Bearer",
					"expires_in": auth::TOKEN_SECS,
					"scope": scopes.join(" "),
				}),
			),
			Err(e) => json_reply(
				StatusCode::BAD_REQUEST,
				&json!({ "error": e.code(), "error_description": e.description() }),
			),
		}
	}

	async fn openadr(
		&self,
		method: &Method,
		route: &[&str],
		req: Request<hyper::body::Incoming>,
		grant: &Grant,
	) -> Result<Reply> {
		let need = if *method == Method::GET { "read_all" } else { "write_subscriptions" };
		if let Err(reply) = require(grant, need) {
			return Ok(reply);
		}
		let q = query(&req);
		let list = |allowed: &[&str]| ListQuery::parse(&q, allowed);
		Ok(match (method.clone(), route) {
			(Method::GET, ["programs"]) => match list(&["targetType", "targetValues"]) {
				Ok(l) => {
					let s = self.snapshot().await?;
					let programs = s
						.regions
						.iter()
						.map(|r| openadr::program(&s, r, &self.config.currency))
						.filter(|p| {
							openadr::targets_match(p, l.target_type.as_deref(), &l.target_values)
						})
						.collect();
					json_reply(StatusCode::OK, &l.page(programs))
				},
				Err(e) => problem(StatusCode::BAD_REQUEST, e),
			},
			(Method::GET, ["programs", id]) => {
				let s = self.snapshot().await?;
				match s.program(id) {
					Some(r) => {
						json_reply(StatusCode::OK, &openadr::program(&s, r, &self.config.currency))
					},
					None => problem(StatusCode::NOT_FOUND, format!("no program {id:?}")),
				}
			},
			(Method::GET, ["events"]) => match list(&["programID", "targetType", "targetValues"]) {
				Ok(l) => {
					let s = self.snapshot().await?;
					let mut events = Vec::new();
					for r in &s.regions {
						if l.program.as_ref().is_some_and(|p| *p != format!("r{}", r.id)) {
							continue;
						}
						let cycles = s.event_cycles();
						let (first, last) = (cycles[0], cycles[cycles.len() - 1]);
						let span = s.periods_of(first).start..s.periods_of(last).end;
						let prices = Prices::read(&s, r.id, span).await?;
						for c in cycles {
							events.push(openadr::event(&s, r, c, &prices));
						}
					}
					events.retain(|e| {
						openadr::targets_match(e, l.target_type.as_deref(), &l.target_values)
					});
					json_reply(StatusCode::OK, &l.page(events))
				},
				Err(e) => problem(StatusCode::BAD_REQUEST, e),
			},
			(Method::GET, ["events", id]) => {
				let s = self.snapshot().await?;
				match s.event(id) {
					Some((r, cycle)) => {
						let prices = Prices::read(&s, r.id, s.periods_of(cycle)).await?;
						json_reply(StatusCode::OK, &openadr::event(&s, r, cycle, &prices))
					},
					None => problem(StatusCode::NOT_FOUND, format!("no event {id:?}")),
				}
			},
			(Method::GET, ["subscriptions"]) => {
				match list(&["programID", "clientName", "targetType", "targetValues", "objects"]) {
					Ok(l) => {
						let subs = self.subscriptions.lock().await;
						let items = subs
							.of(&grant.client_id)
							.into_iter()
							.filter(|s| l.program.as_ref().is_none_or(|p| s.program() == p))
							.filter(|s| {
								l.client_name
									.as_ref()
									.is_none_or(|n| s.object["clientName"] == n.as_str())
							})
							.map(|s| s.object.clone())
							.collect();
						json_reply(StatusCode::OK, &l.page(items))
					},
					Err(e) => problem(StatusCode::BAD_REQUEST, e),
				}
			},
			(Method::POST, ["subscriptions"]) => self.subscribe(req, grant).await?,
			(Method::GET, ["subscriptions", id]) => {
				match self.subscriptions.lock().await.get(id, &grant.client_id) {
					Some(s) => json_reply(StatusCode::OK, &s.object),
					None => problem(StatusCode::NOT_FOUND, format!("no subscription {id:?}")),
				}
			},
			(Method::DELETE, ["subscriptions", id]) => {
				match self.subscriptions.lock().await.delete(id, &grant.client_id) {
					Some(object) => json_reply(StatusCode::OK, &object),
					None => problem(StatusCode::NOT_FOUND, format!("no subscription {id:?}")),
				}
			},
			(_, ["programs" | "events", ..] | ["subscriptions", ..]) => problem(
				StatusCode::METHOD_NOT_ALLOWED,
				format!("{method} is not served here: this VTN is read-only but for subscriptions"),
			),
			_ => problem(StatusCode::NOT_FOUND, format!("no such resource: /{}", route.join("/"))),
		})
	}

	/// `POST /subscriptions`: validated, its program checked, its callback challenged.
	async fn subscribe(&self, req: Request<hyper::body::Incoming>, grant: &Grant) -> Result<Reply> {
		let body = match read_body(req).await {
			Ok(b) => b,
			Err(reply) => return Ok(reply),
		};
		let object: Value = match serde_json::from_slice(&body) {
			Ok(v @ Value::Object(_)) => v,
			_ => return Ok(problem(StatusCode::BAD_REQUEST, "the body is not a JSON object")),
		};
		if let Err(e) = subscriptions::validate(&object) {
			return Ok(problem(StatusCode::BAD_REQUEST, e));
		}
		let s = self.snapshot().await?;
		let program = object["programID"].as_str().unwrap_or_default();
		if s.program(program).is_none() {
			return Ok(problem(StatusCode::NOT_FOUND, format!("no program {program:?}")));
		}
		let callbacks: Vec<&str> = object["objectOperations"]
			.as_array()
			.into_iter()
			.flatten()
			.filter_map(|op| op["callbackUrl"].as_str())
			.collect();
		for url in callbacks {
			if let Err(e) = subscriptions::challenge(url).await {
				return Ok(problem(StatusCode::BAD_REQUEST, format!("{e:#}")));
			}
		}
		let made = self.subscriptions.lock().await.create(object, &grant.client_id, s.now_ms);
		Ok(match made {
			Ok(object) => json_reply(StatusCode::CREATED, &object),
			Err(e) => problem(StatusCode::CONFLICT, format!("{e:#}")),
		})
	}

	/// `GET /greenbutton/bills/{cycle}[?format=espi|json]`: the token's owner's bill of that
	/// cycle, verified against the chain, as Green Button or its lines as JSON.
	async fn bill(
		&self,
		grant: &Grant,
		cycle: &str,
		req: &Request<hyper::body::Incoming>,
	) -> Result<Reply> {
		let Some(key) = self.config.auth.bill_key(&grant.client_id) else {
			return Ok(problem(StatusCode::FORBIDDEN, "this client is no owner's"));
		};
		let Ok(cycle) = cycle.parse::<CycleIndex>() else {
			return Ok(problem(StatusCode::BAD_REQUEST, format!("{cycle:?} is not a cycle index")));
		};
		let format = match query(req).as_slice() {
			[] => espi::Format::Espi,
			[(k, v)] if k == "format" && v == "espi" => espi::Format::Espi,
			[(k, v)] if k == "format" && v == "json" => espi::Format::Json,
			_ => {
				return Ok(problem(
					StatusCode::BAD_REQUEST,
					"the one parameter is format=espi|json",
				))
			},
		};
		let meter = key.meter;
		let mut chain = self.connected().await?;
		let posted = match bill::posted_version(&chain, meter, cycle).await {
			Ok(posted) => posted,
			Err(e) => {
				log(&format!("{}: {e:#}; trying the nodes again", chain.url));
				chain = self.reconnect().await?;
				bill::posted_version(&chain, meter, cycle).await?
			},
		};
		if posted.is_none() {
			return Ok(problem(
				StatusCode::NOT_FOUND,
				format!("meter {meter} has no bill for cycle {cycle}"),
			));
		}
		let v = bill::verify(&chain, key, &self.config.content, cycle, None).await?;
		let Some(report) = &v.report else {
			return Ok(problem(
				StatusCode::UNPROCESSABLE_ENTITY,
				format!(
					"meter {meter}'s bill v{} of cycle {cycle} does not verify against the chain, \
					 so it is not served: {}",
					v.version,
					v.problems.join("; ")
				),
			));
		};
		let bytes = espi::export(&chain, report, format, self.config.espi_currency).await?;
		Ok(Response::builder()
			.status(StatusCode::OK)
			.header(header::CONTENT_TYPE, format.media_type())
			.header(header::CACHE_CONTROL, "no-store")
			.body(Full::new(Bytes::from(bytes)))
			.expect("a valid response"))
	}

	/// `GET /metering/…`.
	async fn metering(
		&self,
		route: &[&str],
		req: &Request<hyper::body::Incoming>,
	) -> Result<Reply> {
		let s = self.snapshot().await?;
		Ok(match route {
			["time"] => json_reply(
				StatusCode::OK,
				&json!({
					"now": rfc3339(s.now_ms),
					"current_period": s.current,
					"current_cycle": s.time.cycle_of(s.current),
					"period_ms": s.time.period_ms,
					"window_ms": s.time.window_ms,
					"periods_per_cycle": s.time.periods_per_cycle,
					"genesis_start": rfc3339(s.time.genesis_start_ms),
				}),
			),
			["regions"] => json_reply(
				StatusCode::OK,
				&Value::Array(s.regions.iter().map(region_json).collect()),
			),
			["regions", id] => match id.parse::<RegionId>().ok().and_then(|id| region(&s, id)) {
				Some(r) => json_reply(StatusCode::OK, &region_json(r)),
				None => problem(StatusCode::NOT_FOUND, format!("no region {id:?}")),
			},
			["regions", id, "periods"] => {
				let Some(r) = id.parse::<RegionId>().ok().and_then(|id| region(&s, id)) else {
					return Ok(problem(StatusCode::NOT_FOUND, format!("no region {id:?}")));
				};
				let q: BTreeMap<String, String> = query(req).into_iter().collect();
				let bound = |k: &str, default: PeriodIndex| match q.get(k) {
					None => Ok(default),
					Some(v) => v.parse::<PeriodIndex>().map_err(|_| format!("{k}: a period index")),
				};
				let range = bound("to", s.current).and_then(|to| {
					let from = bound("from", to.saturating_sub(9))?;
					if from > to || to - from >= MAX_PERIODS {
						return Err(format!("from..=to: at most {MAX_PERIODS} periods, from ≤ to"));
					}
					Ok((from, to))
				});
				match range {
					Ok((from, to)) => {
						json_reply(StatusCode::OK, &periods_json(&s, r, from, to).await?)
					},
					Err(e) => problem(StatusCode::BAD_REQUEST, e),
				}
			},
			_ => problem(
				StatusCode::NOT_FOUND,
				format!("no such resource: /metering/{}", route.join("/")),
			),
		})
	}

	/// Notifies subscribers of newly priced periods, until the process ends.
	pub async fn notify_priced(self: Arc<Self>) {
		// Per region with subscribers: the last period known priced.
		let mut seen: HashMap<RegionId, PeriodIndex> = HashMap::new();
		loop {
			tokio::time::sleep(NOTIFY_EVERY).await;
			let subs = self.subscriptions.lock().await.all();
			if subs.is_empty() {
				continue;
			}
			let s = match self.snapshot().await {
				Ok(s) => s,
				Err(e) => {
					log(&format!("notifications wait for a node: {e:#}"));
					continue;
				},
			};
			for r in &s.regions {
				let program = format!("r{}", r.id);
				let ours: Vec<_> = subs.iter().filter(|x| x.program() == program).collect();
				if ours.is_empty() {
					seen.remove(&r.id);
					continue;
				}
				// From the last seen (or one cycle back, the first time) to the current period.
				let from = seen
					.get(&r.id)
					.map_or(s.current.saturating_sub(s.time.periods_per_cycle), |p| {
						p.saturating_add(1)
					});
				let prices = match Prices::read(&s, r.id, from..s.current.saturating_add(1)).await {
					Ok(p) => p,
					Err(e) => {
						log(&format!("prices of region {}: {e:#}", r.id));
						continue;
					},
				};
				let latest = prices.priced.keys().next_back().copied();
				if !seen.contains_key(&r.id) {
					// The first look: what is priced already is not news.
					seen.insert(r.id, latest.unwrap_or(from.saturating_sub(1)));
					continue;
				}
				let Some(latest) = latest else { continue };
				seen.insert(r.id, latest);
				// One notification per event (cycle) that changed, its prices read once.
				let cycles: BTreeSet<CycleIndex> =
					prices.priced.keys().map(|p| s.time.cycle_of(*p)).collect();
				for cycle in cycles {
					let cycle_prices = match Prices::read(&s, r.id, s.periods_of(cycle)).await {
						Ok(p) => p,
						Err(_) => continue,
					};
					let notification = json!({
						"objectType": "EVENT",
						"operation": "PUT",
						"object": openadr::event(&s, r, cycle, &cycle_prices),
						"targets": [{ "type": "GROUP", "values": [program.clone()] }],
					});
					for sub in &ours {
						for (url, bearer) in sub.event_callbacks() {
							if let Err(e) =
								subscriptions::notify(&url, bearer.as_deref(), &notification).await
							{
								log(&format!("notifying {url} of cycle {cycle}: {e:#}"));
							}
						}
					}
				}
			}
		}
	}
}

/// `Err` (403) unless the token holds `scope`.
fn require(grant: &Grant, scope: &str) -> std::result::Result<(), Reply> {
	if grant.scopes.iter().any(|g| g == scope) {
		Ok(())
	} else {
		Err(problem(StatusCode::FORBIDDEN, format!("this token lacks the {scope} scope")))
	}
}

/// Region `id` of the snapshot.
fn region(s: &Snapshot, id: RegionId) -> Option<&openadr::Region> {
	s.regions.iter().find(|r| r.id == id)
}

fn region_json(r: &openadr::Region) -> Value {
	json!({
		"region": r.id,
		"name": r.name,
		"channels": r.channels.iter().map(|c| c.name()).collect::<Vec<_>>(),
		"active_meters": r.active_meters,
		"active_prosumers": r.active_prosumers,
		"program": format!("r{}", r.id),
	})
}

/// Region `r`'s periods `from..=to`: outcome, aggregates per channel, prices.
async fn periods_json(
	s: &Snapshot,
	r: &openadr::Region,
	from: PeriodIndex,
	to: PeriodIndex,
) -> Result<Value> {
	use crate::chain::runtime;
	use rt::pallet_readings::types::PeriodOutcome as O;
	let outcomes: BTreeMap<PeriodIndex, O> =
		s.at.runtime_apis()
			.call(runtime::runtime_apis().readings_api().aggregate_series(r.id, from, to))
			.await?
			.into_iter()
			.collect();
	let prices = Prices::read(s, r.id, from..to.saturating_add(1)).await?;
	let channels = |values: &[Option<u64>]| -> Value {
		r.channels.iter().zip(values).map(|(c, v)| (c.name().to_string(), json!(v))).collect()
	};
	let periods = (from..=to).map(|p| {
		let mut o = match outcomes.get(&p) {
			Some(O::Sealed { aggregates, count }) => {
				json!({ "outcome": "sealed", "aggregates": channels(&aggregates.0), "shares": count })
			},
			Some(O::Faulted { expected, received }) => {
				json!({ "outcome": "faulted", "expected": expected, "shares": received })
			},
			Some(O::Withheld { count }) => json!({ "outcome": "withheld", "shares": count }),
			Some(O::Void) => json!({ "outcome": "void" }),
			None if p >= s.current => json!({ "outcome": "upcoming" }),
			None => json!({ "outcome": "open" }),
		};
		let (import, export, status) = prices.of(p);
		o["period"] = json!(p);
		o["start"] = json!(rfc3339(s.time.period_start(p).unwrap_or(0)));
		o["price_per_kwh_micro"] = json!(import);
		o["export_price_per_kwh_micro"] = json!(export.filter(|_| r.exports()));
		o["price_status"] = json!(status);
		o
	});
	Ok(Value::Array(periods.collect()))
}

/// The body of a request, at most [`MAX_BODY`] bytes.
async fn read_body(req: Request<hyper::body::Incoming>) -> std::result::Result<Bytes, Reply> {
	http_body_util::Limited::new(req.into_body(), MAX_BODY)
		.collect()
		.await
		.map(|b| b.to_bytes())
		.map_err(|_| {
			problem(StatusCode::PAYLOAD_TOO_LARGE, format!("a body of at most {MAX_BODY} bytes"))
		})
}

fn log(line: &str) {
	eprintln!("gateway: {line}");
}

/// Serves the gateway on `listen` until the process ends; `ready` is told the bound address.
pub async fn serve(
	gateway: Arc<Gateway>,
	listen: SocketAddr,
	ready: impl FnOnce(SocketAddr),
) -> Result<()> {
	let listener = tokio::net::TcpListener::bind(listen)
		.await
		.with_context(|| format!("cannot listen on {listen}"))?;
	ready(listener.local_addr()?);
	tokio::spawn(gateway.clone().notify_priced());
	loop {
		let (stream, _) = match listener.accept().await {
			Ok(conn) => conn,
			Err(e) => {
				log(&format!("accept: {e}"));
				continue;
			},
		};
		let gateway = gateway.clone();
		tokio::spawn(async move {
			let service = hyper::service::service_fn(move |req| {
				let gateway = gateway.clone();
				async move { Ok::<_, std::convert::Infallible>(gateway.handle(req).await) }
			});
			let io = hyper_util::rt::TokioIo::new(stream);
			if let Err(e) =
				hyper::server::conn::http1::Builder::new().serve_connection(io, service).await
			{
				log(&format!("connection: {e}"));
			}
		});
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn list_queries_are_checked() {
		let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
			pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
		};
		let l = ListQuery::parse(
			&q(&[
				("programID", "r1"),
				("targetType", "GROUP"),
				("targetValues", "r1"),
				("skip", "2"),
			]),
			&["programID", "targetType", "targetValues"],
		)
		.unwrap();
		assert_eq!((l.program.as_deref(), l.skip, l.limit), (Some("r1"), 2, MAX_LIMIT));
		let err = |pairs: &[(&str, &str)]| {
			ListQuery::parse(&q(pairs), &["programID", "targetType", "targetValues"]).unwrap_err()
		};
		assert!(err(&[("limit", "51")]).contains("at most 50"));
		assert!(err(&[("skip", "-1")]).contains("non-negative"));
		assert!(err(&[("programID", "r 1")]).contains("object id"));
		assert!(err(&[("targetValues", "r1")]).contains("needs targetType"));
		assert!(err(&[("color", "red")]).contains("unknown query parameter"));
	}
}
