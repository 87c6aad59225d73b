//! A verified bill as a Green Button file: a NAESB REQ.21 ESPI 4.0 Atom feed, the format
//! utilities and owners exchange interval data and bills in (schemas in `client/espi/`). The
//! client's `owner export`, the gateway and the owner's portal write it with this code.
//!
//! | ESPI resource | from the bill |
//! |---|---|
//! | `UsagePoint` | the meter: electricity (`ServiceCategory` kind 0) |
//! | `LocalTimeParameters` | UTC (times in ESPI are seconds since 1970, UTC) |
//! | `MeterReading` + `ReadingType` | one per priced channel: import (`flowDirection` 1, forward) and, for a region with `export_wh`, export (19, reverse); Wh (`uom` 72, `kind` 12 energy, delta data), the period as `intervalLength`, the `currency` given |
//! | `IntervalBlock` of `IntervalReading`s | one reading per bill line: `value` the Wh billed (import: metered or the estimate; export: metered), `cost` what it costs in hundred-thousandths of the currency (export: a negative cost, the credit), `ReadingQuality` 0 for a metered value, 8 for an estimate (a value computed from historical data of the same measurement, the bill's estimate rule) |
//! | `UsageSummary` | the cycle: `billingPeriod`, `billLastPeriod` (the bill's total), the export credit as `costAdditionalLastPeriod` with its line item (`itemKind` 6), `overallConsumptionLastPeriod` (import billed, Wh) |
//!
//! Amounts on chain and in the bill are micro-units; ESPI costs are 10⁻⁵ units, so each is
//! rounded half away from zero to the nearest 10 micro-units. Only a bill that verified
//! against the chain is exported (`gridmask owner export`).

use alloc::{format, string::String, vec::Vec};
use core::fmt::Write;

use crate::{datetime::rfc3339, report::amount, Report};

/// ESPI's `uom` for watt-hours.
const UOM_WH: u16 = 72;
/// `flowDirection`: forward (delivered to the customer: import).
const FORWARD: u16 = 1;
/// `flowDirection`: reverse (received from the customer: export).
const REVERSE: u16 = 19;

/// Micro-units as ESPI's hundred-thousandths, rounded half away from zero.
pub fn cost(micro: i64) -> i64 {
	let (q, r) = (micro / 10, micro % 10);
	if r >= 5 {
		q + 1
	} else if r <= -5 {
		q - 1
	} else {
		q
	}
}

/// One channel's interval readings: `(start_s, value_wh, cost, estimated)`.
struct Channel {
	title: &'static str,
	flow: u16,
	readings: Vec<(u64, u64, i64, bool)>,
}

/// A deterministic `urn:uuid:` for `(meter, cycle, what)` of the chain `genesis`.
fn urn(genesis: &str, meter: u64, cycle: u32, what: &str) -> String {
	use sha2::{Digest, Sha256};
	let h = Sha256::digest(format!("gridmask-espi/{genesis}/{meter}/{cycle}/{what}"));
	let mut b = [0u8; 16];
	b.copy_from_slice(&h[..16]);
	// RFC 4122 version 8 (custom) and variant bits.
	b[6] = (b[6] & 0x0f) | 0x80;
	b[8] = (b[8] & 0x3f) | 0x80;
	let x = hex::encode(b);
	format!("urn:uuid:{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

fn esc(s: &str) -> String {
	s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The ESPI feed of the verified `report`; periods are `period_ms` long, costs in the
/// ISO 4217 currency numbered `currency`; `now_ms` stamps it.
pub fn feed(report: &Report, period_ms: u64, currency: u16, now_ms: u64) -> String {
	let f = Feed::new(report, period_ms, now_ms);
	let (meter, base) = (report.meter, &f.base);
	let mut x = f.head();
	let related = [
		format!("{base}/MeterReading"),
		format!("{base}/UsageSummary"),
		"/espi/1_1/resource/LocalTimeParameters/1".into(),
	];
	f.entry(
		&mut x,
		"usage-point",
		base,
		&format!("/espi/1_1/resource/Subscription/{meter}/UsagePoint"),
		&related,
		&format!("meter {meter}"),
		"      <espi:UsagePoint>\n        <espi:ServiceCategory>\n          <espi:kind>0</espi:kind>\n        \
		 </espi:ServiceCategory>\n        <espi:status>1</espi:status>\n      </espi:UsagePoint>\n",
	);
	f.entry(
		&mut x,
		"local-time",
		"/espi/1_1/resource/LocalTimeParameters/1",
		"/espi/1_1/resource/LocalTimeParameters",
		&[],
		"UTC",
		"      <espi:LocalTimeParameters>\n        <espi:dstEndRule>00000000</espi:dstEndRule>\n        \
		 <espi:dstOffset>0</espi:dstOffset>\n        <espi:dstStartRule>00000000</espi:dstStartRule>\n        \
		 <espi:tzOffset>0</espi:tzOffset>\n      </espi:LocalTimeParameters>\n",
	);
	let channels = channels(report);
	for (i, ch) in channels.iter().enumerate() {
		f.channel(&mut x, i + 1, ch, currency);
	}
	f.entry(
		&mut x,
		"usage-summary",
		&format!("{base}/UsageSummary/1"),
		&format!("{base}/UsageSummary"),
		&[],
		&format!("bill of cycle {}", report.cycle),
		&f.summary(&channels, currency),
	);
	x.push_str("</feed>\n");
	x
}

/// The report's channels as ESPI readings: import, and export where the bill has any.
fn channels(report: &Report) -> Vec<Channel> {
	let mut channels = vec![Channel {
		title: "Energy imported (delivered), Wh per period",
		flow: FORWARD,
		readings: report
			.lines
			.iter()
			.map(|l| {
				let charge = l.price.map_or(0, |p| amount(l.billed_wh(), p));
				(l.start_ms / 1000, l.billed_wh(), cost(charge as i64), l.estimate.is_some())
			})
			.collect(),
	}];
	if exports(report) {
		channels.push(Channel {
			title: "Energy exported (received), Wh per period",
			flow: REVERSE,
			readings: report
				.lines
				.iter()
				.map(|l| {
					let credit = l.export_price.map_or(0, |p| amount(l.export_wh(), p));
					(l.start_ms / 1000, l.export_wh(), -cost(credit as i64), false)
				})
				.collect(),
		});
	}
	channels
}

/// Whether the bill's region(s) have an export channel.
fn exports(report: &Report) -> bool {
	report.lines.iter().any(|l| l.channels.iter().any(|c| c == "export_wh"))
}

/// What every part of one feed shares.
struct Feed<'a> {
	report: &'a Report,
	period_s: u64,
	/// `now_ms`, whole seconds, RFC 3339.
	at: String,
	now_ms: u64,
	/// The usage point's path.
	base: String,
	/// The cycle's first period's start and its last period's end, seconds.
	first: u64,
	end: u64,
}

impl<'a> Feed<'a> {
	fn new(report: &'a Report, period_ms: u64, now_ms: u64) -> Self {
		let period_s = period_ms / 1000;
		let first = report.lines.first().map_or(0, |l| l.start_ms / 1000);
		Self {
			report,
			period_s,
			at: rfc3339(now_ms - now_ms % 1000),
			now_ms,
			base: format!("/espi/1_1/resource/Subscription/{}/UsagePoint/1", report.meter),
			first,
			end: report.lines.last().map_or(first, |l| l.start_ms / 1000 + period_s),
		}
	}

	/// A stable id of one of the feed's parts.
	fn id(&self, what: &str) -> String {
		urn(&self.report.genesis, self.report.meter, self.report.cycle, what)
	}

	/// The XML declaration and the feed's own elements.
	fn head(&self) -> String {
		let (meter, cycle, at) = (self.report.meter, self.report.cycle, &self.at);
		format!(
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- gridmask bill of meter {meter}, cycle {cycle}, \
			 verified against chain {}: Green Button (NAESB REQ.21 ESPI 4.0) -->\n<feed \
			 xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n  \
			 <id>{}</id>\n  <title>gridmask bill: meter {meter}, cycle {cycle}</title>\n  \
			 <updated>{at}</updated>\n  <link rel=\"self\" href=\"/espi/1_1/resource/Subscription/{meter}/UsagePoint\"/>\n",
			self.report.genesis,
			self.id("feed")
		)
	}

	/// One Atom entry holding `content`.
	#[allow(clippy::too_many_arguments)]
	fn entry(
		&self,
		x: &mut String,
		what: &str,
		path: &str,
		up: &str,
		related: &[String],
		title: &str,
		content: &str,
	) {
		let _ = write!(
			x,
			"  <entry>\n    <id>{}</id>\n    <link rel=\"self\" href=\"{path}\"/>\n    <link rel=\"up\" href=\"{up}\"/>\n",
			self.id(what)
		);
		for r in related {
			let _ = writeln!(x, "    <link rel=\"related\" href=\"{r}\"/>");
		}
		let at = &self.at;
		let _ = write!(
			x,
			"    <title>{}</title>\n    <content>\n{content}    </content>\n    <published>{at}</published>\n    <updated>{at}</updated>\n  </entry>\n",
			esc(title)
		);
	}

	/// Channel `n`'s MeterReading, ReadingType and IntervalBlock entries.
	fn channel(&self, x: &mut String, n: usize, ch: &Channel, currency: u16) {
		let (base, meter, cycle) = (&self.base, self.report.meter, self.report.cycle);
		let reading = format!("{base}/MeterReading/{n}");
		let reading_type = format!("/espi/1_1/resource/ReadingType/{meter}-{n}");
		self.entry(
			x,
			&format!("meter-reading-{n}"),
			&reading,
			&format!("{base}/MeterReading"),
			&[format!("{reading}/IntervalBlock"), reading_type.clone()],
			ch.title,
			"      <espi:MeterReading/>\n",
		);
		let mut rt = String::from("      <espi:ReadingType>\n");
		for (tag, v) in [
			("accumulationBehaviour", 4u64),
			("commodity", 1),
			("currency", u64::from(currency)),
			("dataQualifier", 12),
			("flowDirection", u64::from(ch.flow)),
			("intervalLength", self.period_s),
			("kind", 12),
			("phase", 0),
			("powerOfTenMultiplier", 0),
			("timeAttribute", 0),
			("uom", u64::from(UOM_WH)),
		] {
			let _ = writeln!(rt, "        <espi:{tag}>{v}</espi:{tag}>");
		}
		rt.push_str("      </espi:ReadingType>\n");
		let rt_path = "/espi/1_1/resource/ReadingType";
		self.entry(x, &format!("reading-type-{n}"), &reading_type, rt_path, &[], ch.title, &rt);
		let (first, period_s) = (self.first, self.period_s);
		let mut block = format!(
			"      <espi:IntervalBlock>\n        <espi:interval>\n          <espi:duration>{}</espi:duration>\n          \
			 <espi:start>{first}</espi:start>\n        </espi:interval>\n",
			self.end - first
		);
		for (start, value, c, estimated) in &ch.readings {
			let quality = if *estimated { 8 } else { 0 };
			let _ = write!(
				block,
				"        <espi:IntervalReading>\n          <espi:cost>{c}</espi:cost>\n          \
				 <espi:ReadingQuality>\n            <espi:quality>{quality}</espi:quality>\n          \
				 </espi:ReadingQuality>\n          <espi:timePeriod>\n            \
				 <espi:duration>{period_s}</espi:duration>\n            <espi:start>{start}</espi:start>\n          \
				 </espi:timePeriod>\n          <espi:value>{value}</espi:value>\n        </espi:IntervalReading>\n"
			);
		}
		block.push_str("      </espi:IntervalBlock>\n");
		self.entry(
			x,
			&format!("interval-block-{n}"),
			&format!("{reading}/IntervalBlock/1"),
			&format!("{reading}/IntervalBlock"),
			&[],
			&format!("{}, cycle {cycle}", ch.title),
			&block,
		);
	}

	/// The UsageSummary: the bill's total; the export credit itemised.
	fn summary(&self, channels: &[Channel], currency: u16) -> String {
		let (report, first, end) = (self.report, self.first, self.end);
		let credit: i64 = channels.get(1).map_or(0, |c| c.readings.iter().map(|r| r.2).sum());
		let mut summary = format!(
			"      <espi:UsageSummary>\n        <espi:billingPeriod>\n          <espi:duration>{}</espi:duration>\n          \
			 <espi:start>{first}</espi:start>\n        </espi:billingPeriod>\n        <espi:billLastPeriod>{}</espi:billLastPeriod>\n",
			end - first,
			cost(report.total_amount)
		);
		if exports(report) {
			let _ = write!(
				summary,
				"        <espi:costAdditionalLastPeriod>{credit}</espi:costAdditionalLastPeriod>\n        \
				 <espi:costAdditionalDetailLastPeriod>\n          <espi:amount>{credit}</espi:amount>\n          \
				 <espi:note>export credit: {} Wh at the feed-in prices</espi:note>\n          <espi:measurement>\n            \
				 <espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>\n            <espi:uom>{UOM_WH}</espi:uom>\n            \
				 <espi:value>{}</espi:value>\n          </espi:measurement>\n          <espi:itemKind>6</espi:itemKind>\n          \
				 <espi:itemPeriod>\n            <espi:duration>{}</espi:duration>\n            <espi:start>{first}</espi:start>\n          \
				 </espi:itemPeriod>\n        </espi:costAdditionalDetailLastPeriod>\n",
				report.export_wh,
				report.export_wh,
				end - first
			);
		}
		let mixed = report.lines.iter().any(|l| l.estimate.is_some());
		let _ = write!(
			summary,
			"        <espi:currency>{currency}</espi:currency>\n        <espi:overallConsumptionLastPeriod>\n          \
			 <espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>\n          <espi:timeStamp>{end}</espi:timeStamp>\n          \
			 <espi:uom>{UOM_WH}</espi:uom>\n          <espi:value>{}</espi:value>\n        </espi:overallConsumptionLastPeriod>\n        \
			 <espi:qualityOfReading>{}</espi:qualityOfReading>\n        <espi:statusTimeStamp>{}</espi:statusTimeStamp>\n        \
			 <espi:commodity>1</espi:commodity>\n      </espi:UsageSummary>\n",
			report.total_wh,
			if mixed { 13 } else { 0 },
			self.now_ms / 1000
		);
		summary
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn costs_round_half_away_from_zero() {
		assert_eq!(
			(cost(0), cost(4), cost(5), cost(15), cost(-5), cost(-14)),
			(0, 0, 1, 2, -1, -1)
		);
	}

	#[test]
	fn ids_are_stable_uuids() {
		let a = urn("0x01", 1000, 3, "feed");
		assert_eq!(a, urn("0x01", 1000, 3, "feed"));
		assert_ne!(a, urn("0x01", 1000, 4, "feed"));
		assert_eq!(a.len(), "urn:uuid:".len() + 36);
		assert_eq!(&a[9 + 14..9 + 15], "8", "version 8");
	}
}
