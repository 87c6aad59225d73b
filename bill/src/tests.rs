//! The bill's rules on small examples: amounts, estimates, regions, the page, the check.

use alloc::{collections::BTreeMap, string::String, vec, vec::Vec};
use gridmask_primitives::{ChannelKind, PeriodIndex, RegionId};

use crate::{
	amount,
	chain::{covering, unmask, ChainPeriod, RegionCycle, RegionPeriod, Span},
	check::{line_problems, total_problems},
	estimates, make_report,
	page::{other_channels_text, reading_text},
	pick_region, render_html,
	report::{hex32, mean, mean_per_meter},
	Basis, Estimate, Line, LineStatus, PeriodFacts, Report,
};

fn line(period: u32, wh: u64, price: u64) -> Line {
	Line {
		period,
		start_ms: 1_000 * u64::from(period),
		region: 1,
		prids: [hex32(&[1; 32]), hex32(&[2; 32])],
		channels: vec!["import_wh".into()],
		masks: vec![[3, 4]],
		status: LineStatus::Metered,
		values: vec![wh],
		estimate: None,
		price: Some(price),
		export_price: Some(0),
		price_source: Some("tariff v1".into()),
		amount: amount(wh, price) as i64,
	}
}

/// A prosumer's line: import and export at 200_000 and 80_000 µ/kWh.
fn prosumer_line(period: u32, import: u64, export: u64) -> Line {
	let mut l = line(period, import, 200_000);
	l.channels = vec!["import_wh".into(), "export_wh".into()];
	l.masks = vec![[3, 4], [5, 6]];
	l.values = vec![import, export];
	l.export_price = Some(80_000);
	l.amount = l.due();
	l
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
	let r = make_report("0x00".into(), 7, 2, vec![line(20, 500, 200_000), line(21, 250, 100)]);
	assert_eq!(r.total_wh, 750);
	assert_eq!(r.total_amount, 100_000 + 25);
	assert!(r.html.starts_with("<!DOCTYPE html>") && r.html.contains("<svg"));
	assert!(r.html.contains("<tr data-period=\"21\">"), "{}", r.html);
	// Reads like a bill: the total first, in the chain's currency, periods by their time.
	assert!(
		r.html.contains(
			"Total to pay</h2><p class=\"total\" data-amount=\"100025\">0.100025 GMT</p>"
		),
		"{}",
		r.html
	);
	assert!(r
		.html
		.contains("<time datetime=\"1970-01-01T00:00:21Z\">1970-01-01 00:00:21 UTC</time>"));
	assert!(r.html.contains("0.000100 GMT/kWh") && r.html.contains("0.250 kWh"));
	assert!(r.html.find("Total to pay") < r.html.find("<svg"), "the total comes before the chart");
	assert!(r.html.find("<details>") > r.html.find("<table>"), "PRIDs are in the details");
	// Deterministic, and sensitive to every line.
	assert_eq!(render_html(&r), r.html);
	let mut changed = r.clone();
	changed.lines[1].values[0] += 1;
	assert_ne!(render_html(&changed), r.html);
	// A JSON round trip keeps everything.
	let back: Report = serde_json::from_slice(&serde_json::to_vec(&r).unwrap()).unwrap();
	assert_eq!(back, r);
}

fn silent(period: u32, region: RegionId) -> Line {
	Line { status: LineStatus::Silent, values: Vec::new(), region, ..line(period, 0, 100) }
}

/// Bands: periods 0–1 of every day of 4 are band (1, 0), 2–3 band (1, 1); region 2 has no
/// tariff. Regional means: 40 Wh in region 1, 70 Wh in region 2.
fn facts(region: RegionId, p: PeriodIndex) -> PeriodFacts {
	PeriodFacts {
		band: (region == 1).then_some((1, (p % 4) / 2)),
		regional_mean: Some(if region == 1 { 40 } else { 70 }),
	}
}

#[test]
fn estimates_follow_the_rules_in_order() {
	let at = |wh: u64, basis| Some(Estimate { wh, basis });
	// Own band first: band 0 has 100 and 201 (mean 150.5 → 151), band 1 has 10.
	let lines = vec![
		line(0, 100, 1),
		line(1, 201, 1),
		line(2, 10, 1),
		silent(4, 1),
		silent(6, 1),
		Line { status: LineStatus::Partial, ..silent(7, 1) },
	];
	assert_eq!(
		estimates(&lines, facts),
		vec![None, None, None, at(151, Basis::Band), at(10, Basis::Band), at(10, Basis::Band)]
	);
	// No metered period in the band: the meter's mean over the bill (100, 201 → 151).
	let lines = vec![line(0, 100, 1), line(1, 201, 1), silent(2, 1)];
	assert_eq!(estimates(&lines, facts)[2], at(151, Basis::Cycle));
	// A region without a tariff has no band: the meter's mean again, from any region.
	let lines = vec![line(0, 100, 1), silent(1, 2)];
	assert_eq!(estimates(&lines, facts)[1], at(100, Basis::Cycle));
	// Nothing metered: the region's mean of the period; without one, no basis.
	let lines = vec![silent(0, 1), silent(1, 2)];
	assert_eq!(estimates(&lines, facts), vec![at(40, Basis::Region), at(70, Basis::Region)]);
	let none = |_: RegionId, _: PeriodIndex| PeriodFacts::default();
	assert_eq!(estimates(&lines, none), vec![at(0, Basis::None), at(0, Basis::None)]);
	// A metered line in another region's band does not count for this one's band.
	let lines = vec![Line { region: 3, ..line(0, 500, 1) }, line(1, 7, 1), silent(4, 1)];
	let same_band =
		|_: RegionId, _: PeriodIndex| PeriodFacts { band: Some((1, 0)), regional_mean: None };
	assert_eq!(estimates(&lines, same_band)[2], at(7, Basis::Band));
}

#[test]
fn an_estimated_line_is_billed_and_shown_as_estimated() {
	let mut est = silent(21, 1);
	est.estimate = Some(Estimate { wh: 300, basis: Basis::Cycle });
	est.amount = est.due();
	let r = make_report("0x00".into(), 7, 2, vec![line(20, 500, 100), est]);
	assert_eq!((r.metered_wh, r.estimated_wh, r.total_wh), (500, 300, 800));
	assert_eq!(r.total_amount, (amount(500, 100) + amount(300, 100)) as i64);
	assert!(
		r.html.contains("Estimated: no reading received (your average over this bill)"),
		"{}",
		r.html
	);
	assert!(r.html.contains("url(#est)"));
}

#[test]
fn the_region_with_more_shares_then_the_later_membership_wins() {
	assert_eq!(pick_region(&[(1, 0)]), 1);
	assert_eq!(pick_region(&[(1, 2), (2, 0)]), 1);
	assert_eq!(pick_region(&[(1, 1), (2, 2)]), 2);
	assert_eq!(pick_region(&[(1, 0), (2, 0)]), 2);
	assert_eq!(pick_region(&[(2, 1), (1, 1)]), 1);
}

#[test]
fn means_round_half_up() {
	assert_eq!(mean([1u64, 2].into_iter()), Some(2));
	assert_eq!(mean([1u64, 1, 2].into_iter()), Some(1));
	assert_eq!(mean(std::iter::empty()), None);
	assert_eq!(mean([u64::MAX, u64::MAX].into_iter()), Some(u64::MAX));
	assert_eq!(mean_per_meter(7, 2), Some(4));
	assert_eq!(mean_per_meter(7, 0), None);
}

#[test]
fn periods_are_billed_where_a_setup_covered_the_meter() {
	let span = |region, from, until| Span { region, from, until };
	let rc = |periods: &[(PeriodIndex, u32)]| RegionCycle {
		periods: periods
			.iter()
			.map(|(p, epoch)| {
				let facts = Default::default();
				(*p, RegionPeriod { epoch: *epoch, settled: true, channels: 1, facts })
			})
			.collect(),
		shape: vec![ChannelKind::ImportWh],
		prices: BTreeMap::new(),
	};
	// In region 1 for its epochs 1 and 2, then in region 2 from its epoch 5.
	let spans = [span(1, 1, Some(3)), span(2, 5, None)];
	let mut cache = BTreeMap::new();
	// Region 1's setups: periods 10, 11 built for epoch 2 (covered), 12 for epoch 3 (after
	// the move: not), 9 for epoch 0 (before it joined: not).
	cache.insert(1, rc(&[(9, 0), (10, 2), (11, 2), (12, 3)]));
	// Region 2's: 11 built for epoch 5 (a setup published after the move for a period whose
	// region-1 setup was published before it: both cover it), 12 and 13 covered, 10 not.
	cache.insert(2, rc(&[(10, 4), (11, 5), (12, 5), (13, 6)]));
	let cover = covering(&spans, &cache);
	let expected: BTreeMap<PeriodIndex, Vec<RegionId>> =
		[(10, vec![1]), (11, vec![1, 2]), (12, vec![2]), (13, vec![2])].into_iter().collect();
	assert_eq!(cover, expected);
	// A region the meter was never in covers nothing; nor does an unknown region.
	cache.insert(3, rc(&[(10, 1)]));
	assert_eq!(covering(&spans, &cache), expected);
	assert!(covering(&[span(4, 0, None)], &cache).is_empty());
}

#[test]
fn a_prosumer_line_nets_export_at_the_feed_in_price_and_a_bill_can_be_a_credit() {
	// Midday: 100 Wh in, 1,500 Wh out; evening: 700 Wh in, nothing out.
	let noon = prosumer_line(10, 100, 1_500);
	let evening = prosumer_line(11, 700, 0);
	assert_eq!((noon.import_wh(), noon.export_wh()), (100, 1_500));
	assert_eq!(noon.amount, 20_000 - 120_000);
	assert_eq!(evening.amount, 140_000);
	let r = make_report("0x00".into(), 7, 2, vec![noon.clone(), evening.clone()]);
	assert_eq!((r.total_wh, r.export_wh, r.total_amount), (800, 1_500, 40_000));
	let r = make_report("0x00".into(), 7, 2, vec![noon.clone()]);
	assert_eq!(r.total_amount, -100_000);
	assert!(r.html.contains("Total: a credit to you</h2><p class=\"total credit\" data-amount=\"-100000\">-0.100000 GMT</p>"), "{}", r.html);
	assert!(r.html.contains("export 1500 Wh</title>"), "the chart shows the export");
	assert_eq!(total_problems(&r), Vec::<String>::new());
	// A consumer's line in an import-only region shows no export column value.
	let consumer = make_report("0x00".into(), 8, 2, vec![line(10, 100, 200_000)]);
	assert!(
		consumer.html.contains("<td class=\"nw\">0.100 kWh</td><td class=\"nw\">–</td>"),
		"{}",
		consumer.html
	);
	// An estimated period of a prosumer earns no credit.
	let mut silent = prosumer_line(12, 0, 0);
	(silent.status, silent.values) = (LineStatus::Silent, Vec::new());
	silent.estimate = Some(Estimate { wh: 400, basis: Basis::Cycle });
	assert_eq!(silent.due(), 80_000);
	assert_eq!(
		reading_text(&silent),
		"Estimated: no reading received (your average over this bill; no export credit)"
	);
	// Other channels are shown, not priced.
	let mut four = prosumer_line(13, 100, 50);
	four.channels.extend(["max_demand_w".into(), "reactive_varh".into()]);
	four.values.extend([400, 33]);
	assert_eq!(four.due(), prosumer_line(13, 100, 50).due());
	assert_eq!(other_channels_text(&four), "maximum demand 400 W; reactive energy 33 varh");
}

#[test]
fn a_misstated_channel_is_named_with_its_line() {
	let shape = vec![ChannelKind::ImportWh, ChannelKind::ExportWh];
	let c = ChainPeriod {
		region: 1,
		shape: shape.clone(),
		shares: [Some(vec![1, 2]), Some(vec![3, 4])],
		price: None,
		facts: Default::default(),
	};
	let truth = prosumer_line(10, 100, 1_500);
	let mut stated = truth.clone();
	stated.values[1] += 100;
	stated.amount = stated.due();
	let problems = line_problems(&stated, &truth, None, &c);
	assert!(
		problems[0].starts_with(
			"line for period 10, channel export_wh: states 1600 Wh but \
		                         its shares unmask to 1500 Wh"
		),
		"{problems:?}"
	);
	// A line whose channels are not the region's is refused as a whole.
	let mut wrong = truth.clone();
	wrong.channels.truncate(1);
	let c = ChainPeriod {
		region: 1,
		shape,
		shares: [None, None],
		price: None,
		facts: Default::default(),
	};
	let problems = line_problems(&wrong, &truth, None, &c);
	assert_eq!(problems.len(), 1);
	assert!(problems[0].contains("channels [\"import_wh\"] with masks for 2"), "{problems:?}");
	// A line dated other than the chain's clock dates its period.
	let mut early = truth.clone();
	early.start_ms += 60_000;
	let c = ChainPeriod {
		region: 1,
		shape: vec![ChannelKind::ImportWh, ChannelKind::ExportWh],
		shares: [Some(vec![1, 2]), Some(vec![3, 4])],
		price: None,
		facts: Default::default(),
	};
	let dated = |l: &Line| {
		line_problems(l, &truth, None, &c).into_iter().filter(|p| p.contains("starts at")).count()
	};
	assert_eq!((dated(&early), dated(&truth)), (1, 0));
}

#[test]
fn unmasking_recovers_every_channel() {
	use gridmask_primitives::mask::mask;
	let masks = [[11u64, 22], [33, 44]];
	let (a, b) = ([mask(60, 11), mask(0, 33)], [mask(40, 22), mask(7, 44)]);
	let shares = [Some(a.to_vec()), Some(b.to_vec())];
	assert_eq!(unmask(&shares, &masks), (LineStatus::Metered, vec![100, 7]));
	assert_eq!(unmask(&[None, Some(b.to_vec())], &masks).0, LineStatus::Partial);
	assert_eq!(unmask(&[None, None], &masks), (LineStatus::Silent, vec![]));
}

mod facts {
	use super::*;
	use crate::facts::{
		check, open_report, problems_of_line, share_queries, BillFacts, ChainFacts, Dec,
		PeriodFact, RegionFacts, ShareFact, TariffFact,
	};
	use gridmask_primitives::{bill as pbill, mask::mask};

	/// One meter in region 1 from epoch 0; cycle 0 of 4 periods of 1 s from t = 1,000 s; periods
	/// 0–2 set up, 0 and 1 sealed; a tariff of two bands per day of 4 periods.
	fn facts() -> ChainFacts {
		let sealed = |period, aggregate| PeriodFact {
			period,
			epoch: 0,
			channels: 1,
			outcome: Some("Sealed".into()),
			aggregate: Some(Dec(aggregate)),
			count: 4,
		};
		ChainFacts {
			genesis: hex32(&[7; 32]),
			meter: Dec(u64::MAX - 1),
			cycle: 0,
			bill: BillFacts {
				version: 1,
				cid: String::new(),
				digest: hex32(&[0; 32]),
				regions: vec![1],
				status: "Posted".into(),
			},
			time: crate::facts::TimeFacts {
				genesis_start_ms: 1_000_000,
				period_ms: 1_000,
				periods_per_cycle: 4,
				window_ms: 500,
			},
			spans: Some(vec![Span { region: 1, from: 0, until: None }]),
			regions: vec![RegionFacts {
				region: 1,
				shape: vec!["ImportWh".into()],
				periods: vec![
					sealed(0, 300),
					sealed(1, 101),
					PeriodFact { outcome: None, aggregate: None, count: 0, ..sealed(2, 0) },
				],
				tariffs: vec![TariffFact {
					version: 1,
					effective_from: 0,
					day_periods: 4,
					day_offset: 0,
					band_starts: vec![0, 2],
				}],
				prices: Vec::new(),
			}],
			shares: Vec::new(),
		}
	}

	#[test]
	fn big_numbers_travel_as_decimal_strings() {
		let f = facts();
		let json = serde_json::to_string(&f).unwrap();
		assert!(json.contains("\"meter\":\"18446744073709551614\""), "{json}");
		assert_eq!(serde_json::from_str::<ChainFacts>(&json).unwrap(), f);
		// A number is read too, but never a float or a negative.
		let d: Dec = serde_json::from_str("12").unwrap();
		assert_eq!(d, Dec(12));
		assert!(serde_json::from_str::<Dec>("\"-1\"").is_err());
		assert!(serde_json::from_str::<Dec>("1.5").is_err());
	}

	#[test]
	fn a_regions_cycle_is_read_from_its_facts() {
		let rc = facts().regions[0].cycle().unwrap();
		assert_eq!(rc.shape, vec![ChannelKind::ImportWh]);
		let p = |p: PeriodIndex| &rc.periods[&p];
		assert!(p(0).settled && p(1).settled && !p(2).settled);
		// 4 shares: 2 meters; 101 / 2 rounds half up.
		assert_eq!(p(1).facts.regional_mean, Some(51));
		assert_eq!((p(0).facts.band, p(2).facts.band), (Some((1, 0)), Some((1, 1))));
		let mut bad = facts().regions[0].clone();
		bad.shape = vec!["Watts".into()];
		assert_eq!(bad.cycle().err(), Some("unknown channel kind \"Watts\"".into()));
	}

	/// A verified report of `facts()` for meter `u64::MAX - 1`: period 0 metered at 120 Wh,
	/// 1 and 2 silent (estimated), and the shares on chain.
	fn report_and_facts() -> (Report, ChainFacts) {
		let mut f = facts();
		let mut metered = line(0, 120, 0);
		(metered.price, metered.export_price, metered.price_source, metered.amount) =
			(None, None, None, 0);
		metered.start_ms = 1_000_000;
		let mut lines = vec![metered];
		for p in [1, 2] {
			let mut l = silent(p, 1);
			l.prids = [hex32(&[p as u8 * 2 + 1; 32]), hex32(&[p as u8 * 2 + 2; 32])];
			(l.price, l.export_price, l.price_source) = (None, None, None);
			l.start_ms = 1_000_000 + 1_000 * u64::from(p);
			// Period 1 shares period 0's band; period 2 is in the other one.
			let basis = if p == 1 { Basis::Band } else { Basis::Cycle };
			l.estimate = Some(Estimate { wh: 120, basis });
			lines.push(l);
		}
		let mut r = make_report(f.genesis.clone(), u64::MAX - 1, 0, lines);
		let queries = share_queries(&r, &f).unwrap();
		assert_eq!(queries.len(), 6, "two PRIDs of three periods in one region");
		f.shares = queries
			.iter()
			.map(|(region, period, prid)| {
				let masked = (*period == 0).then(|| {
					let v = if prid.0 == [1; 32] { mask(70, 3) } else { mask(50, 4) };
					vec![Dec(v)]
				});
				ShareFact { region: *region, period: *period, prid: hex32(&prid.0), masked }
			})
			.collect();
		r.html = render_html(&r);
		(r, f)
	}

	#[test]
	fn the_check_over_facts_verifies_a_good_report_and_names_a_misstated_line() {
		let (r, f) = report_and_facts();
		assert_eq!(check(&r, &f), Ok(vec![]));
		let mut wrong = r.clone();
		wrong.lines[0].values[0] += 1;
		let problems = check(&wrong, &f).unwrap();
		assert!(problems[0].starts_with("line for period 0, channel import_wh: states 121 Wh"));
		assert_eq!(
			problems_of_line(&problems, 0).len(),
			problems.iter().filter(|p| p.starts_with("line for period 0")).count()
		);
		assert!(problems_of_line(&problems, 1).is_empty());
		// An unregistered meter, a clock not started.
		let mut gone = f.clone();
		gone.spans = None;
		assert_eq!(
			check(&r, &gone).unwrap(),
			vec![format!("meter {} is not registered on chain", u64::MAX - 1)]
		);
		let mut stopped = f.clone();
		stopped.time.genesis_start_ms = 0;
		assert_eq!(check(&r, &stopped), Err("the chain's clock has not started".into()));
	}

	#[test]
	fn a_report_opens_only_as_the_bill_on_chain() {
		let (r, f) = report_and_facts();
		let (sk, pk) = pbill::derive_keypair(b"the owner's key material, 32+ bytes long");
		let info = pbill::bill_info(&sp_core::H256([7; 32]), &(u64::MAX - 1), 0);
		let sealed = pbill::seal_bill(&pk, &info, &serde_json::to_vec(&r).unwrap()).unwrap();
		let bill = BillFacts {
			cid: sealed.cid.to_string(),
			digest: hex32(sealed.cid.digest()),
			..f.bill.clone()
		};
		let open = |bill: &BillFacts, bytes: &[u8]| {
			open_report(&sk.0, [7; 32], u64::MAX - 1, 0, bill, bytes)
		};
		assert_eq!(open(&bill, &sealed.bytes), Ok(r));
		let mut altered = sealed.bytes.clone();
		altered[0] ^= 1;
		assert_eq!(
			open(&bill, &altered),
			Err(format!(
				"report: the content store returned bytes that are not report {} (tampered with)",
				sealed.cid
			))
		);
		let mut wrong_digest = bill.clone();
		wrong_digest.digest = hex32(&[9; 32]);
		assert!(open(&wrong_digest, &sealed.bytes)
			.unwrap_err()
			.contains("is not the one on chain"));
		let other_cycle = open_report(&sk.0, [7; 32], u64::MAX - 1, 1, &bill, &sealed.bytes);
		assert!(other_cycle.unwrap_err().contains("cannot be opened as meter"));
	}
}
