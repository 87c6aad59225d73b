//! The owner's check of a report against the chain: every problem named by its line (and
//! channel), worded the same wherever the check runs (the client, the gateway, the portal).

use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};
use gridmask_primitives::{
	time::TimeParams, ChannelKind, CycleIndex, MeterId, PeriodIndex, Prid, RegionId,
};

use crate::{
	chain::{channel_names, facts_of, unmask, ChainPeriod, Price},
	datetime::rfc3339,
	page::render_html,
	report::{
		estimates, is_genesis, parse_prid, regions_of, total_amount, Estimate, Line, Report,
		REPORT_FORMAT,
	},
};

/// The meter's PRIDs of each line, or the problem of the first line whose PRIDs are malformed.
pub fn line_prids(r: &Report) -> Result<BTreeMap<PeriodIndex, [Prid; 2]>, String> {
	let mut prids = BTreeMap::new();
	for l in &r.lines {
		match (parse_prid(&l.prids[0]), parse_prid(&l.prids[1])) {
			(Some(a), Some(b)) => {
				prids.insert(l.period, [a, b]);
			},
			_ => return Err(format!("line for period {}: malformed PRIDs", l.period)),
		}
	}
	Ok(prids)
}

/// What does not hold in the lines against the chain's `periods` (each covered period's
/// region, shares, prices and facts): the lines as the shares unmask are what estimates are
/// computed from.
pub fn lines_problems(
	r: &Report,
	time: &TimeParams,
	periods: &BTreeMap<PeriodIndex, ChainPeriod>,
) -> Vec<String> {
	let mut truth = r.lines.clone();
	for l in truth.iter_mut() {
		if let Some(c) = periods.get(&l.period) {
			(l.status, l.values) = unmask(&c.shares, &l.masks);
			l.region = c.region;
			l.channels = channel_names(&c.shape);
			l.start_ms = time.period_start(l.period).unwrap_or_default();
		}
	}
	let expected_estimates = estimates(&truth, facts_of(periods));
	let mut problems = Vec::new();
	for ((l, t), est) in r.lines.iter().zip(&truth).zip(expected_estimates) {
		if let Some(c) = periods.get(&l.period) {
			problems.extend(line_problems(l, t, est, c));
		}
	}
	problems
}

/// What does not hold in the report's header: its format, chain, meter, cycle and regions.
pub fn header_problems(
	r: &Report,
	genesis: [u8; 32],
	meter: MeterId,
	cycle: CycleIndex,
	billed_regions: &[RegionId],
) -> Vec<String> {
	let mut problems = Vec::new();
	if r.format != REPORT_FORMAT {
		problems.push(format!("header: format {:?}, expected {REPORT_FORMAT:?}", r.format));
	}
	if !is_genesis(&r.genesis, genesis) || r.meter != meter || r.cycle != cycle {
		problems.push(format!(
			"header: the report is for chain {} meter {} cycle {}, not this bill",
			r.genesis, r.meter, r.cycle
		));
	}
	if r.regions != billed_regions {
		problems.push(format!(
			"header: regions {:?} but the chain billed regions {billed_regions:?}",
			r.regions
		));
	}
	if r.regions != regions_of(&r.lines) {
		problems.push(format!(
			"header: regions {:?} but the lines are in {:?}",
			r.regions,
			regions_of(&r.lines)
		));
	}
	problems
}

/// Completeness: a line for exactly the periods a setup covered the meter in, once each.
pub fn completeness_problems(
	r: &Report,
	cover: &BTreeMap<PeriodIndex, Vec<RegionId>>,
	meter: MeterId,
	cycle: CycleIndex,
) -> Vec<String> {
	let mut problems = Vec::new();
	let mut seen = BTreeSet::new();
	for l in &r.lines {
		if !cover.contains_key(&l.period) {
			problems.push(format!(
				"line for period {}: no setup of cycle {cycle} covered meter {meter} then",
				l.period
			));
		}
		if !seen.insert(l.period) {
			problems.push(format!("line for period {}: appears more than once", l.period));
		}
	}
	for p in cover.keys() {
		if !seen.contains(p) {
			problems
				.push(format!("period {p}: a setup covered the meter but the bill has no line"));
		}
	}
	problems
}

/// What does not hold in line `l` against the chain's facts `c` of its period: `t` is the
/// line as the shares on chain unmask, `est` the estimate the rule gives.
pub fn line_problems(l: &Line, t: &Line, est: Option<Estimate>, c: &ChainPeriod) -> Vec<String> {
	let p = l.period;
	if l.region != c.region {
		return vec![format!(
			"line for period {p}: region {} but the setup that covered the meter is region {}'s",
			l.region, c.region
		)];
	}
	if l.channels != t.channels || l.masks.len() != t.channels.len() {
		return vec![format!(
			"line for period {p}: channels {:?} with masks for {} but region {}'s readings \
			 carry {:?}",
			l.channels,
			l.masks.len(),
			c.region,
			t.channels
		)];
	}
	if t.status != l.status {
		return vec![format!(
			"line for period {p}: says {:?} but the chain holds {} of its 2 shares",
			l.status,
			c.shares.iter().filter(|s| s.is_some()).count()
		)];
	}
	let mut problems = Vec::new();
	// The page shows the period by its start: it must be the chain's.
	if l.start_ms != t.start_ms {
		problems.push(format!(
			"line for period {p}: starts at {} but the chain's clock starts it at {}",
			rfc3339(l.start_ms),
			rfc3339(t.start_ms)
		));
	}
	let stated = |j: usize| l.values.get(j).map_or("no value".into(), |v| v.to_string());
	for (j, name) in t.channels.iter().enumerate() {
		if l.values.get(j) != t.values.get(j) {
			let unit = ChannelKind::from_name(name).map_or("", |k| k.unit());
			let truth = t.values.get(j).map_or("no value".into(), |v| format!("{v} {unit}"));
			problems.push(format!(
				"line for period {p}, channel {name}: states {} {unit} but its shares unmask to \
				 {truth}",
				stated(j)
			));
		}
	}
	if l.values.len() > t.values.len() {
		problems.push(format!(
			"line for period {p}: states {} values but its shares unmask to {}",
			l.values.len(),
			t.values.len()
		));
	}
	if l.estimate != est {
		let show = |e: Option<Estimate>| {
			e.map_or("none".to_string(), |e| format!("{} Wh ({:?})", e.wh, e.basis))
		};
		problems.push(format!(
			"line for period {p}: estimate {} but the rule gives {}",
			show(l.estimate),
			show(est)
		));
	}
	let chain_price = c.price.as_ref();
	let prices = |pr: Option<&Price>| (pr.map(|c| c.price), pr.map(|c| c.export_price));
	if prices(chain_price) != (l.price, l.export_price) {
		let (price, export) = prices(chain_price);
		problems.push(format!(
			"line for period {p}: prices {:?} (import), {:?} (export) but the chain's are \
			 {price:?}, {export:?}",
			l.price, l.export_price
		));
	} else if chain_price.map(|p| p.source.name()) != l.price_source {
		problems.push(format!(
			"line for period {p}: price source {:?} but the chain's is {:?}",
			l.price_source,
			chain_price.map(|p| p.source.name())
		));
	}
	let due = l.due();
	if l.amount != due {
		problems.push(format!(
			"line for period {p}: amount {} but {} Wh imported at {:?} µ/kWh less {} Wh \
			 exported at {:?} µ/kWh is {due}",
			l.amount,
			l.billed_wh(),
			l.price,
			l.export_wh(),
			l.export_price
		));
	}
	problems
}

/// What does not hold in the totals and the page.
pub fn total_problems(r: &Report) -> Vec<String> {
	let mut problems = Vec::new();
	let sums = [
		("metered import", r.metered_wh, r.lines.iter().map(Line::import_wh).sum::<u64>()),
		(
			"estimated import",
			r.estimated_wh,
			r.lines.iter().filter_map(|l| l.estimate).map(|e| e.wh).sum(),
		),
		("total import", r.total_wh, r.lines.iter().map(Line::billed_wh).sum()),
		("export", r.export_wh, r.lines.iter().map(Line::export_wh).sum()),
	];
	for (what, stated, sum) in sums {
		if stated != sum {
			problems.push(format!("totals: {stated} Wh {what} stated, the lines add up to {sum}"));
		}
	}
	let amt = total_amount(&r.lines);
	if amt != r.total_amount {
		problems
			.push(format!("totals: amount {} stated, the lines add up to {amt}", r.total_amount));
	}
	if r.html != render_html(r) {
		problems.push("page: the HTML is not the rendering of the lines".into());
	}
	problems
}
