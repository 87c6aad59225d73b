//! Bills (PROTOCOL §4 steps 7–8): the KGC's monthly report per meter, and the owner's check of
//! it against the chain.
//!
//! **The report** (format `gridmask-bill/v1`) is JSON: the meter, its region and the cycle, one
//! line per period of the cycle that had a setup in the region, totals, and `html`, a
//! self-contained page (an SVG chart of consumption and price per period, a table of the
//! lines) rendered from the lines by [`render_html`]. A line states the meter's two PRIDs of
//! the period, its two masks `H3(z)`, `H3(z')`, the consumption they unmask, the region's price
//! (µ-units per kWh, from the chain) and the amount `round(Wh × price / 1000)` µ-units.
//!
//! **Sealing:** the JSON is HPKE-sealed to the owner's key registered on chain, with the `info`
//! that binds it to (chain, meter, cycle) (`gridmask_primitives::bill`), stored in the content
//! store under its raw CIDv1, and the CID and digest are posted on chain (`billing.post_bills`).
//!
//! **Verification** ([`verify`]) needs only the owner's key and the chain: the bill on chain, the
//! bytes the CID names, decryption, then per line: the shares at its PRIDs exist (or not, for a
//! silent period), the masks unmask them to the stated consumption, the price is the chain's,
//! the amount follows; every set-up period of the cycle has exactly one line; totals add up;
//! the page is the rendering of the lines. Each problem names its line.

use crate::{
	chain::{runtime, runtime_types as rt, Chain},
	content::ContentStore,
	progress,
	store::{KgcStore, OwnerFile, StoreDir},
};
use anyhow::{bail, Context, Result};
use gridmask_primitives::{
	bill::{self as pbill, bill_info, HpkePublicKey, HpkeSecretKey},
	cid::RawCid,
	mask::recover,
	time::TimeParams,
	CycleIndex, MasterSecret, MeterId, PeriodIndex, Prid, RegionId,
};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::{collections::BTreeMap, fmt::Write as _};
use subxt_signer::sr25519::Keypair;

use rt::bounded_collections::bounded_vec::BoundedVec;

/// The report format this client writes and reads.
pub const REPORT_FORMAT: &str = "gridmask-bill/v1";

/// What a line says about the meter's shares in its period.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
	/// Both shares are on chain: the consumption is theirs, unmasked.
	Metered,
	/// Neither share is on chain: nothing is charged.
	Silent,
	/// One share of two: the consumption is unknown; nothing is charged.
	Partial,
}

/// One period of a bill.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
	/// The period.
	pub period: PeriodIndex,
	/// Its start, ms since the Unix epoch.
	pub start_ms: u64,
	/// The meter's PRIDs of the period (`0x…`): share A, share B.
	pub prids: [String; 2],
	/// The masks `H3(z)`, `H3(z')` of the two shares.
	pub masks: [u64; 2],
	/// What the chain holds at the PRIDs.
	pub status: LineStatus,
	/// Consumption, Wh (0 unless metered).
	pub consumption_wh: u64,
	/// The region's price of the period, µ-units per kWh (`None`: not priced).
	pub price: Option<u64>,
	/// Where the price comes from: `tariff v<N>` or `override`.
	pub price_source: Option<String>,
	/// What the line costs, µ-units: [`amount`] of consumption and price.
	pub amount: u64,
}

/// A bill report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
	/// [`REPORT_FORMAT`].
	pub format: String,
	/// The chain (`0x…` genesis hash).
	pub genesis: String,
	/// The meter billed.
	pub meter: MeterId,
	/// Its region (whose prices apply).
	pub region: RegionId,
	/// The cycle billed.
	pub cycle: CycleIndex,
	/// One line per set-up period of the cycle, ascending.
	pub lines: Vec<Line>,
	/// Σ consumption, Wh.
	pub total_wh: u64,
	/// Σ amounts, µ-units.
	pub total_amount: u64,
	/// The page rendered from all of the above ([`render_html`]).
	pub html: String,
}

/// The amount of `wh` at `price` µ-units per kWh, in µ-units, rounded half up.
pub fn amount(wh: u64, price: u64) -> u64 {
	((u128::from(wh) * u128::from(price) + 500) / 1000).min(u128::from(u64::MAX)) as u64
}

fn hex32(b: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(b))
}

fn parse_prid(s: &str) -> Option<Prid> {
	crate::store::parse_hex32(s).ok().map(Prid)
}

/// What the chain says about one region's cycle: its set-up periods and their prices.
struct RegionCycle {
	/// Periods of the cycle with a setup: (period, settled outcome known).
	periods: Vec<(PeriodIndex, bool)>,
	/// Prices by period.
	prices: BTreeMap<PeriodIndex, rt::pallet_pricing::types::PriceRecord>,
}

fn price_source(p: &rt::pallet_pricing::types::PriceRecord) -> String {
	match p.source {
		rt::pallet_pricing::types::PriceSource::Tariff { version } => format!("tariff v{version}"),
		rt::pallet_pricing::types::PriceSource::Override => "override".into(),
	}
}

async fn region_cycle(
	chain: &Chain,
	time: &TimeParams,
	region: RegionId,
	cycle: CycleIndex,
) -> Result<RegionCycle> {
	let at = chain.api.at_current_block().await?;
	let first = cycle.checked_mul(time.periods_per_cycle).context("cycle out of range")?;
	let last = first + (time.periods_per_cycle - 1);
	let mut periods = Vec::new();
	for p in first..=last {
		let st = at
			.runtime_apis()
			.call(runtime::runtime_apis().readings_api().period_state(region, p))
			.await?;
		if st.setup.is_some() {
			use rt::pallet_readings::types::{PeriodOutcome as O, PeriodPhase as P};
			// Sealed, with an aggregate or without (withheld, void): priced either way.
			let settled =
				matches!(st.phase, P::Done(O::Sealed { .. } | O::Withheld { .. } | O::Void));
			periods.push((p, settled));
		}
	}
	let prices = at
		.runtime_apis()
		.call(runtime::runtime_apis().pricing_api().price_series(region, first, last))
		.await?
		.into_iter()
		.collect();
	Ok(RegionCycle { periods, prices })
}

/// The lines of one meter, from its master secret and the chain.
async fn lines_of(
	chain: &Chain,
	time: &TimeParams,
	secret: &MasterSecret,
	region: RegionId,
	rc: &RegionCycle,
	cycle: CycleIndex,
) -> Result<Vec<Line>> {
	let seeds = secret.cycle_seeds(cycle);
	let mut keys = Vec::new();
	let mut queries = Vec::new();
	for &(p, _) in &rc.periods {
		let k = seeds.period_keys(time.leaf_of(p));
		let (a, b) = k.prids();
		queries.push((region, p, a));
		queries.push((region, p, b));
		keys.push((p, [a, b], [k.mask_a, k.mask_b]));
	}
	let shares = chain.shares(&queries).await?;
	let mut lines = Vec::new();
	for (i, (p, prids, masks)) in keys.into_iter().enumerate() {
		let (sa, sb) = (&shares[2 * i], &shares[2 * i + 1]);
		let (status, consumption_wh) = match (sa, sb) {
			(Some(a), Some(b)) => {
				(LineStatus::Metered, recover(a.value, b.value, masks[0], masks[1]))
			},
			(None, None) => (LineStatus::Silent, 0),
			_ => (LineStatus::Partial, 0),
		};
		let price = rc.prices.get(&p);
		if status == LineStatus::Metered && price.is_none() {
			bail!(
				"period {p} of region {region} has no price yet (its fault is not resolved, or \
				 no tariff covers it: `gridmask cc price` can set one)"
			);
		}
		lines.push(Line {
			period: p,
			start_ms: time.period_start(p).unwrap_or_default(),
			prids: [hex32(&prids[0].0), hex32(&prids[1].0)],
			masks,
			status,
			consumption_wh,
			price: price.map(|r| r.price),
			price_source: price.map(price_source),
			amount: price.map_or(0, |r| amount(consumption_wh, r.price)),
		});
	}
	Ok(lines)
}

/// Makes a report from its lines: totals and page.
pub fn make_report(
	genesis: String,
	meter: MeterId,
	region: RegionId,
	cycle: CycleIndex,
	lines: Vec<Line>,
) -> Report {
	let mut r = Report {
		format: REPORT_FORMAT.into(),
		genesis,
		meter,
		region,
		cycle,
		total_wh: lines.iter().map(|l| l.consumption_wh).sum(),
		total_amount: lines.iter().map(|l| l.amount).sum(),
		lines,
		html: String::new(),
	};
	r.html = render_html(&r);
	r
}

/// Formats µ-units as currency units with 6 decimals.
fn money(micro: u64) -> String {
	format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000)
}

/// The report's page: self-contained HTML (no scripts, no external resources) with an SVG
/// chart (bars: consumption per period; line: price) and the table of lines. Deterministic:
/// the owner's tool re-renders it to check the page says what the lines say. `html` itself is
/// not read.
pub fn render_html(r: &Report) -> String {
	let (w, h, pad) = (720.0_f64, 240.0_f64, 40.0_f64);
	let n = r.lines.len().max(1) as f64;
	let max_wh = r.lines.iter().map(|l| l.consumption_wh).max().unwrap_or(0).max(1) as f64;
	let max_price = r.lines.iter().filter_map(|l| l.price).max().unwrap_or(0).max(1) as f64;
	let bw = (w - 2.0 * pad) / n;
	let mut svg = String::new();
	let _ = write!(
		svg,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
		 viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"consumption and price per period\">"
	);
	let _ = write!(
		svg,
		"<line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#444\"/>",
		y = h - pad,
		x2 = w - pad
	);
	let mut points = Vec::new();
	for (i, l) in r.lines.iter().enumerate() {
		let x = pad + i as f64 * bw;
		let bh = (h - 2.0 * pad) * l.consumption_wh as f64 / max_wh;
		let _ = write!(
			svg,
			"<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw2:.1}\" height=\"{bh:.1}\" \
			 fill=\"#4a90d9\"><title>period {} {} Wh</title></rect>",
			l.period,
			l.consumption_wh,
			y = h - pad - bh,
			bw2 = (bw * 0.8).max(1.0),
		);
		if let Some(p) = l.price {
			let py = h - pad - (h - 2.0 * pad) * p as f64 / max_price;
			points.push(format!("{:.1},{py:.1}", x + bw * 0.4));
		}
	}
	if !points.is_empty() {
		let _ = write!(
			svg,
			"<polyline points=\"{}\" fill=\"none\" stroke=\"#d9534f\" stroke-width=\"2\"/>",
			points.join(" ")
		);
	}
	let _ = write!(
		svg,
		"<text x=\"{pad}\" y=\"20\" font-size=\"12\">bars: Wh (max {max_wh}); line: price \
		 µ/kWh (max {max_price})</text></svg>"
	);

	let mut rows = String::new();
	for l in &r.lines {
		let _ = write!(
			rows,
			"<tr><td>{}</td><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td><td>{}</td>\
			 <td>{}</td></tr>",
			l.period,
			l.start_ms,
			l.status,
			l.consumption_wh,
			l.price.map_or("–".into(), |p| p.to_string()),
			l.price_source.as_deref().unwrap_or("–"),
			money(l.amount),
		);
	}
	format!(
		"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
		 <title>gridmask bill: meter {m}, cycle {c}</title>\
		 <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
		 td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body>\
		 <h1>Meter {m}: cycle {c}</h1>\
		 <p>Region {reg}. Chain {g}. Total {wh} Wh, {amt} (currency units).</p>{svg}\
		 <table><tr><th>period</th><th>start (ms)</th><th>status</th><th>Wh</th>\
		 <th>price µ/kWh</th><th>source</th><th>amount</th></tr>{rows}</table>\
		 <p>Every line can be checked against the chain: <code>gridmask owner bill</code>.</p>\
		 </body></html>",
		m = r.meter,
		c = r.cycle,
		reg = r.region,
		g = r.genesis,
		wh = r.total_wh,
		amt = money(r.total_amount),
	)
}

/// Meters whose chain data is fetched at once by `kgc bill`.
const CONCURRENCY: usize = 16;

/// Which bills `kgc bill` makes.
#[derive(Clone, Debug, Default)]
pub struct BillOptions {
	/// Only these meters (default: every meter of the store).
	pub meters: Vec<MeterId>,
	/// Replace each meter's latest bill of the cycle (default: skip meters already billed).
	pub supersede: bool,
	/// For tests of the owner's check: misstate the consumption of this period by this many
	/// Wh (the line's amount and the totals follow, so only the line is wrong).
	pub misstate: Option<(PeriodIndex, i64)>,
}

/// What `kgc bill` did.
#[derive(Debug, Default, Serialize)]
pub struct BillReport {
	/// The cycle.
	pub cycle: CycleIndex,
	/// Bills posted now: (meter, version posted, CID).
	pub billed: Vec<(MeterId, u32, String)>,
	/// Meters skipped because they already have a bill of the cycle.
	pub already_billed: usize,
	/// Meters not billed, and why (each on its own: the others are billed).
	pub failed: Vec<BillFailure>,
	/// `post_bills` transactions.
	pub transactions: usize,
	/// Seconds spent making, sealing and storing reports.
	pub make_secs: f64,
	/// Seconds spent posting.
	pub post_secs: f64,
}

/// A meter `kgc bill` could not bill.
#[derive(Debug, Clone, Serialize)]
pub struct BillFailure {
	/// The meter.
	pub meter: MeterId,
	/// Why, readable.
	pub reason: String,
}

/// A meter to bill: its store entry, the version its bill supersedes, its region, its owner's key.
struct ToBill<'a> {
	meter: &'a crate::store::KgcMeter,
	supersede: Option<u32>,
	region: RegionId,
	owner_key: HpkePublicKey,
}

/// Bills `cycle` (PROTOCOL §4 step 7): per meter, derive its PRIDs and masks, fetch its shares,
/// price every period from the chain, render and seal the report to the owner, store it, and
/// post the CIDs in batches. Resumable: meters billed already are skipped. A meter that cannot
/// be billed (unregistered, an owner key no bill can be sealed to, a region with an unsettled
/// period, an entry the chain refuses) is reported in [`BillReport::failed`] and the others
/// are billed.
pub async fn issue(
	chain: &Chain,
	kgc: &Keypair,
	dir: &StoreDir,
	content: &ContentStore,
	cycle: CycleIndex,
	opts: &BillOptions,
) -> Result<BillReport> {
	let store: KgcStore = dir.load_kgc()?;
	let genesis = chain.genesis();
	if store.genesis != format!("{genesis:?}") {
		bail!("the store is for chain {} but the node runs {genesis:?}", store.genesis);
	}
	let t = chain.time().await?;
	let time = t.started()?;
	let current = time.period_at(t.now_ms).context("chain time before the clock")?;
	if time.cycle_of(current) <= cycle {
		bail!(
			"cycle {cycle} is not finished (the chain is in period {current}, cycle {})",
			time.cycle_of(current)
		);
	}
	let mut report = BillReport { cycle, ..Default::default() };
	let started = std::time::Instant::now();
	let at = chain.api.at_current_block().await?;
	let selected: Vec<_> = store
		.meters
		.iter()
		.filter(|m| opts.meters.is_empty() || opts.meters.contains(&m.meter))
		.collect();
	if selected.is_empty() {
		bail!("no meter of the store selected");
	}
	// What the chain says of each meter (concurrent queries: latency, not work, dominates).
	use futures::{StreamExt, TryStreamExt};
	let fetched: Vec<_> = futures::stream::iter(selected)
		.map(|m| {
			let at = at.clone();
			async move {
				let billed = at
					.runtime_apis()
					.call(runtime::runtime_apis().billing_api().bill(m.meter, cycle))
					.await?;
				let info = match at
					.storage()
					.try_fetch(runtime::storage().meters().meters(), (m.meter,))
					.await?
				{
					Some(v) => Some(v.decode()?),
					None => None,
				};
				anyhow::Ok((m, billed, info))
			}
		})
		.buffered(CONCURRENCY)
		.try_collect()
		.await?;
	let fail = |meter: MeterId, reason: String| BillFailure { meter, reason };
	let mut todo = Vec::new();
	let mut regions: BTreeMap<RegionId, std::result::Result<RegionCycle, String>> = BTreeMap::new();
	for (m, billed, info) in fetched {
		let Some(info) = info else {
			report.failed.push(fail(m.meter, "not registered on chain".into()));
			continue;
		};
		let supersede = match (&billed, opts.supersede) {
			(Some(_), false) => {
				report.already_billed += 1;
				continue;
			},
			(Some((v, _)), true) => Some(*v),
			(None, _) => None,
		};
		let owner_key = HpkePublicKey(info.owner_key.0);
		if !owner_key.is_acceptable() {
			report.failed.push(fail(
				m.meter,
				"the owner's key on chain is an X25519 point of small order: no bill can be \
				 sealed to it (set a new one with meters.set_owner_key)"
					.into(),
			));
			continue;
		}
		// A superseding bill keeps the region of the first (the chain records it).
		let region = billed.as_ref().map_or(info.region, |(_, r)| r.region);
		if !regions.contains_key(&region) {
			let rc = region_cycle(chain, &time, region, cycle).await?;
			let settled = match rc.periods.iter().find(|(_, settled)| !settled) {
				Some((p, _)) => Err(format!(
					"period {p} of region {region} is not sealed (pending, or faulted and not \
					 resolved): bill cycle {cycle} once every period is settled"
				)),
				None => Ok(rc),
			};
			regions.insert(region, settled);
		}
		if let Err(e) = &regions[&region] {
			report.failed.push(fail(m.meter, e.clone()));
			continue;
		}
		todo.push(ToBill { meter: m, supersede, region, owner_key });
	}

	let bar = progress::bar(todo.len() as u64, "making bills");
	let regions = &regions;
	let made: Vec<_> = futures::stream::iter(todo)
		.map(|b| {
			let bar = &bar;
			async move {
				let m = b.meter;
				let rc = regions[&b.region].as_ref().expect("only settled regions are billed");
				let made = async {
					let mut lines =
						lines_of(chain, &time, &m.secret(), b.region, rc, cycle).await?;
					if let Some((p, delta)) = opts.misstate {
						if let Some(l) = lines.iter_mut().find(|l| l.period == p) {
							l.consumption_wh = l.consumption_wh.saturating_add_signed(delta);
							l.amount = l.price.map_or(0, |pr| amount(l.consumption_wh, pr));
						}
					}
					let r = make_report(format!("{genesis:?}"), m.meter, b.region, cycle, lines);
					let json = serde_json::to_vec(&r)?;
					let sealed = pbill::seal_bill(
						&b.owner_key,
						&bill_info(&sp_core::H256(genesis.0), &m.meter, cycle),
						&json,
					)
					.map_err(|e| anyhow::anyhow!("sealing the report: {e:?}"))?;
					content.put(&sealed.bytes).await
				}
				.await;
				bar.inc(1);
				(m.meter, b.supersede, made)
			}
		})
		.buffered(CONCURRENCY)
		.collect()
		.await;
	let mut entries = Vec::new();
	let mut posted = BTreeMap::new();
	for (meter, supersede, made) in made {
		match made {
			Ok(cid) => {
				entries.push(rt::pallet_billing::types::BillEntry {
					meter,
					cycle,
					cid: BoundedVec(cid.to_bytes().to_vec()),
					digest: *cid.digest(),
					supersede,
				});
				posted.insert(meter, (supersede.map_or(1, |v| v + 1), cid.to_string()));
			},
			Err(e) => report.failed.push(fail(meter, format!("{e:#}"))),
		}
	}
	bar.finish_and_clear();
	report.make_secs = started.elapsed().as_secs_f64();

	let started = std::time::Instant::now();
	let max = chain.constant(runtime::constants().billing().max_bills_per_call()).await? as usize;
	let calls: Vec<_> = entries
		.chunks(max)
		.map(|c| runtime::tx().billing().post_bills(BoundedVec(c.to_vec())))
		.collect();
	let bar = progress::bar(calls.len() as u64, "posting bills");
	let events =
		chain.sign_and_finalize_all(&calls, kgc, || bar.inc(1)).await.context("posting bills")?;
	bar.finish_and_clear();
	// Entries the chain refused changed nothing; the batch's others are posted.
	let metadata = chain.api.at_current_block().await?.metadata();
	for e in events.iter().flat_map(|ev| ev.find::<runtime::billing::events::BillRefused>()) {
		let e = e?;
		posted.remove(&e.meter);
		let why = crate::chain::explain_event_dispatch(&metadata, &e.error);
		report.failed.push(fail(e.meter, format!("the chain refused the bill: {why}")));
	}
	report.transactions = calls.len();
	report.post_secs = started.elapsed().as_secs_f64();
	report.billed = posted.into_iter().map(|(meter, (v, cid))| (meter, v, cid)).collect();
	report.failed.sort_by_key(|f| f.meter);
	Ok(report)
}

/// The owner's check of a bill.
#[derive(Debug, Serialize)]
pub struct Verification {
	/// Meter.
	pub meter: MeterId,
	/// Cycle.
	pub cycle: CycleIndex,
	/// The bill version checked (the latest).
	pub version: u32,
	/// Its CID.
	pub cid: String,
	/// Its status on chain.
	pub status: String,
	/// Lines in the report.
	pub lines: usize,
	/// Σ Wh stated.
	pub total_wh: u64,
	/// Σ µ-units stated.
	pub total_amount: u64,
	/// What does not hold, each naming its line; empty: verified.
	pub problems: Vec<String>,
	/// Where the page was written (only when the report could be opened).
	pub html: Option<String>,
}

impl Verification {
	/// Every check passed.
	pub fn verified(&self) -> bool {
		self.problems.is_empty()
	}
}

/// Finds, fetches, opens and checks the bill of (meter, cycle) against the chain (PROTOCOL §4
/// step 8); writes its page to `out` if it could be opened. Errors only when the check cannot
/// even start (no bill, node unreachable); everything a report gets wrong is a problem.
pub async fn verify(
	chain: &Chain,
	owner: &OwnerFile,
	content: &ContentStore,
	cycle: CycleIndex,
	out: &std::path::Path,
) -> Result<Verification> {
	let meter = owner.meter;
	let genesis = chain.genesis();
	let at = chain.api.at_current_block().await?;
	let (version, record) = at
		.runtime_apis()
		.call(runtime::runtime_apis().billing_api().bill(meter, cycle))
		.await?
		.with_context(|| format!("meter {meter} has no bill for cycle {cycle} on chain"))?;
	let cid = RawCid(record.cid.0);
	let mut v = Verification {
		meter,
		cycle,
		version,
		cid: cid.to_string(),
		status: format!("{:?}", record.status)
			.split(['(', ' ', '{'])
			.next()
			.unwrap_or_default()
			.to_string(),
		lines: 0,
		total_wh: 0,
		total_amount: 0,
		problems: Vec::new(),
		html: None,
	};
	let bytes = match content.get(&cid).await {
		Ok(b) => b,
		Err(e) => {
			v.problems.push(format!("report: {e:#}"));
			return Ok(v);
		},
	};
	let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
	if digest != record.digest {
		v.problems.push(format!(
			"report: its sha2-256 digest {} is not the one on chain {}",
			hex32(&digest),
			hex32(&record.digest)
		));
		return Ok(v);
	}
	let plain = match pbill::open_bill(
		&HpkeSecretKey(owner.hpke_secret.0),
		&bill_info(&sp_core::H256(genesis.0), &meter, cycle),
		&cid,
		&bytes,
	) {
		Ok(p) => p,
		Err(e) => {
			v.problems.push(format!(
				"report {cid}: cannot be opened as meter {meter}'s bill of cycle {cycle} with \
				 the owner's key ({e:?}): it is not this bill"
			));
			return Ok(v);
		},
	};
	let report: Report = match serde_json::from_slice(&plain) {
		Ok(r) => r,
		Err(e) => {
			v.problems.push(format!("report: not a {REPORT_FORMAT} document: {e}"));
			return Ok(v);
		},
	};
	v.lines = report.lines.len();
	v.total_wh = report.total_wh;
	v.total_amount = report.total_amount;
	std::fs::write(out, &report.html).with_context(|| format!("writing {}", out.display()))?;
	v.html = Some(out.display().to_string());
	v.problems = check_report(chain, &report, genesis, meter, cycle, record.region).await?;
	Ok(v)
}

/// Every check of an opened report against the chain; the problems found, each naming its line.
async fn check_report(
	chain: &Chain,
	r: &Report,
	genesis: subxt::utils::H256,
	meter: MeterId,
	cycle: CycleIndex,
	region: RegionId,
) -> Result<Vec<String>> {
	let mut problems = Vec::new();
	if r.format != REPORT_FORMAT {
		problems.push(format!("header: format {:?}, expected {REPORT_FORMAT:?}", r.format));
	}
	if r.genesis != format!("{genesis:?}") || r.meter != meter || r.cycle != cycle {
		problems.push(format!(
			"header: the report is for chain {} meter {} cycle {}, not this bill",
			r.genesis, r.meter, r.cycle
		));
	}
	if r.region != region {
		problems.push(format!("header: region {} but the chain billed region {region}", r.region));
	}
	let time = chain.time().await?.started()?;
	let rc = region_cycle(chain, &time, region, cycle).await?;

	// Completeness: exactly the set-up periods, once each, ascending.
	let stated: Vec<PeriodIndex> = r.lines.iter().map(|l| l.period).collect();
	let expected: Vec<PeriodIndex> = rc.periods.iter().map(|(p, _)| *p).collect();
	for p in &expected {
		if !stated.contains(p) {
			problems.push(format!("period {p}: set up on chain but missing from the bill"));
		}
	}
	let mut seen = std::collections::BTreeSet::new();
	for p in &stated {
		if !expected.contains(p) {
			problems.push(format!("line for period {p}: not a set-up period of cycle {cycle}"));
		}
		if !seen.insert(*p) {
			problems.push(format!("line for period {p}: appears more than once"));
		}
	}

	// Lines against the chain.
	let mut queries = Vec::new();
	for l in &r.lines {
		match (parse_prid(&l.prids[0]), parse_prid(&l.prids[1])) {
			(Some(a), Some(b)) => {
				queries.push((region, l.period, a));
				queries.push((region, l.period, b));
			},
			_ => {
				problems.push(format!("line for period {}: malformed PRIDs", l.period));
				return Ok(problems);
			},
		}
	}
	let shares = chain.shares(&queries).await?;
	for (i, l) in r.lines.iter().enumerate() {
		let p = l.period;
		let (sa, sb) = (&shares[2 * i], &shares[2 * i + 1]);
		let on_chain = match (sa, sb) {
			(Some(_), Some(_)) => LineStatus::Metered,
			(None, None) => LineStatus::Silent,
			_ => LineStatus::Partial,
		};
		if on_chain != l.status {
			problems.push(format!(
				"line for period {p}: says {:?} but the chain holds {} of its 2 shares",
				l.status,
				[sa, sb].iter().filter(|s| s.is_some()).count()
			));
			continue;
		}
		let wh = match (sa, sb) {
			(Some(a), Some(b)) => recover(a.value, b.value, l.masks[0], l.masks[1]),
			_ => 0,
		};
		if wh != l.consumption_wh {
			problems.push(format!(
				"line for period {p}: states {} Wh but its shares unmask to {wh} Wh",
				l.consumption_wh
			));
		}
		let chain_price = rc.prices.get(&p);
		if chain_price.map(|c| c.price) != l.price {
			problems.push(format!(
				"line for period {p}: price {:?} but the chain's is {:?}",
				l.price,
				chain_price.map(|c| c.price)
			));
		} else if chain_price.map(price_source) != l.price_source {
			problems.push(format!(
				"line for period {p}: price source {:?} but the chain's is {:?}",
				l.price_source,
				chain_price.map(price_source)
			));
		}
		let due = l.price.map_or(0, |pr| amount(l.consumption_wh, pr));
		if l.status != LineStatus::Metered && l.amount != 0 {
			problems.push(format!("line for period {p}: charges {} for no reading", l.amount));
		} else if l.amount != due {
			problems.push(format!(
				"line for period {p}: amount {} but {} Wh at {:?} µ/kWh is {due}",
				l.amount, l.consumption_wh, l.price
			));
		}
	}

	// Totals and page.
	let wh: u64 = r.lines.iter().map(|l| l.consumption_wh).sum();
	let amt: u64 = r.lines.iter().map(|l| l.amount).sum();
	if wh != r.total_wh {
		problems.push(format!("totals: {} Wh stated, the lines add up to {wh}", r.total_wh));
	}
	if amt != r.total_amount {
		problems
			.push(format!("totals: amount {} stated, the lines add up to {amt}", r.total_amount));
	}
	if r.html != render_html(r) {
		problems.push("page: the HTML is not the rendering of the lines".into());
	}
	Ok(problems)
}

/// The owner's answer to a bill: each names the version it answers, which the chain refuses
/// (`WrongVersion`) unless it is still the latest.
#[derive(Clone, Debug)]
pub enum Answer {
	/// Accept this version.
	Acknowledge(u32),
	/// Contest this version for a reason.
	Dispute {
		/// The version.
		version: u32,
		/// Why (UTF-8).
		reason: String,
	},
}

/// The latest version of the bill of (meter, cycle) on chain.
pub async fn latest_version(chain: &Chain, meter: MeterId, cycle: CycleIndex) -> Result<u32> {
	let at = chain.api.at_current_block().await?;
	let (version, _) = at
		.runtime_apis()
		.call(runtime::runtime_apis().billing_api().bill(meter, cycle))
		.await?
		.with_context(|| format!("meter {meter} has no bill for cycle {cycle} on chain"))?;
	Ok(version)
}

/// Sends the owner's answer; returns the version the chain recorded it for.
pub async fn answer(
	chain: &Chain,
	owner: &OwnerFile,
	cycle: CycleIndex,
	answer: Answer,
) -> Result<u32> {
	let signer = Keypair::from_secret_key(owner.account_seed.0).context("owner key")?;
	let events = match answer {
		Answer::Dispute { version, reason } => {
			let call = runtime::tx().billing().dispute(
				owner.meter,
				cycle,
				version,
				BoundedVec(reason.into_bytes()),
			);
			chain.sign_and_finalize(&call, &signer).await?
		},
		Answer::Acknowledge(version) => {
			let call = runtime::tx().billing().acknowledge(owner.meter, cycle, version);
			chain.sign_and_finalize(&call, &signer).await?
		},
	};
	if let Some(e) = events.find_first::<runtime::billing::events::BillDisputed>() {
		return Ok(e?.version);
	}
	let e = events
		.find_first::<runtime::billing::events::BillAcknowledged>()
		.context("no BillAcknowledged event")??;
	Ok(e.version)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn line(period: u32, wh: u64, price: u64) -> Line {
		Line {
			period,
			start_ms: 1_000 * u64::from(period),
			prids: [hex32(&[1; 32]), hex32(&[2; 32])],
			masks: [3, 4],
			status: LineStatus::Metered,
			consumption_wh: wh,
			price: Some(price),
			price_source: Some("tariff v1".into()),
			amount: amount(wh, price),
		}
	}

	#[test]
	fn amounts_round_half_up() {
		assert_eq!(amount(1000, 200_000), 200_000);
		assert_eq!(amount(1, 1_500), 2);
		assert_eq!(amount(1, 1_499), 1);
		assert_eq!(amount(u64::MAX, u64::MAX), u64::MAX);
	}

	#[test]
	fn report_totals_and_page_follow_the_lines() {
		let r =
			make_report("0x00".into(), 7, 1, 2, vec![line(20, 500, 200_000), line(21, 250, 100)]);
		assert_eq!(r.total_wh, 750);
		assert_eq!(r.total_amount, 100_000 + 25);
		assert!(r.html.starts_with("<!DOCTYPE html>") && r.html.contains("<svg"));
		assert!(r.html.contains("<td>21</td>"));
		// Deterministic, and sensitive to every line.
		assert_eq!(render_html(&r), r.html);
		let mut changed = r.clone();
		changed.lines[1].consumption_wh += 1;
		assert_ne!(render_html(&changed), r.html);
		// A JSON round trip keeps everything.
		let back: Report = serde_json::from_slice(&serde_json::to_vec(&r).unwrap()).unwrap();
		assert_eq!(back, r);
	}
}
