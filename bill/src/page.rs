//! The report's page: self-contained HTML rendered from the lines, meant to read like a bill —
//! the total first, amounts and prices in the chain's currency, periods by their date and time,
//! a chart with axes and a legend, what each kind of reading means, and the values only a
//! checker needs (the chain's hash, PRIDs, price sources) in a details section.
//!
//! Deterministic, so that the owner's tool re-renders it and refuses a page that says
//! something the lines do not: times are written in UTC, each in a `<time datetime>` element
//! that a viewer (the owner's portal) may show in the owner's own time zone. No scripts, no
//! external resources; readable at a phone's width.

use alloc::{
	format,
	string::{String, ToString},
	vec::Vec,
};
use core::fmt::Write as _;
use gridmask_primitives::{currency::SYMBOL, ChannelKind};

use crate::{
	datetime::rfc3339,
	report::{Basis, Line, LineStatus, Report},
};

/// µ-units (millionths of the chain's currency) with the currency's symbol, all 6 decimals: a
/// bill states amounts exactly (a leading `-` for a credit).
pub fn money(micro: i64) -> String {
	let sign = if micro < 0 { "-" } else { "" };
	let m = micro.unsigned_abs();
	format!("{sign}{}.{:06} {SYMBOL}", m / 1_000_000, m % 1_000_000)
}

/// A price in µ-units per kWh, as the page writes it.
pub fn price_text(micro_per_kwh: Option<u64>) -> String {
	micro_per_kwh
		.map_or("–".into(), |p| format!("{}.{:06} {SYMBOL}/kWh", p / 1_000_000, p % 1_000_000))
}

/// Wh as kWh with 3 decimals (exact).
pub fn kwh(wh: u64) -> String {
	format!("{} kWh", kwh_number(wh))
}

/// Wh as a number of kWh with 3 decimals.
fn kwh_number(wh: u64) -> String {
	format!("{}.{:03}", wh / 1000, wh % 1000)
}

/// A time as the page writes it: `<time datetime="2026-12-01T10:12:00Z">2026-12-01 10:12
/// UTC</time>`, with seconds where `seconds` (a bill of periods shorter than a minute).
pub fn time_html(ms: u64, seconds: bool) -> String {
	let t = rfc3339(ms);
	let shown = format!("{} {} UTC", &t[..10], clock(&t, seconds));
	format!("<time datetime=\"{t}\">{shown}</time>")
}

/// `HH:MM` (or `HH:MM:SS`) of an RFC 3339 time.
fn clock(t: &str, seconds: bool) -> &str {
	&t[11..if seconds { 19 } else { 16 }]
}

/// Whether the page must show seconds to tell the periods apart: some period does not start
/// on a whole minute.
fn needs_seconds(r: &Report) -> bool {
	r.lines.iter().any(|l| l.start_ms % 60_000 != 0)
}

/// How the page names a line's reading.
pub fn reading_text(l: &Line) -> String {
	match l.estimate {
		None => "Metered".into(),
		Some(e) => {
			let why = if l.status == LineStatus::Partial {
				"one of the meter's two shares missing"
			} else {
				"no reading received"
			};
			let basis = match e.basis {
				Basis::Band => "your average in the same tariff band",
				Basis::Cycle => "your average over this bill",
				Basis::Region => "your region's average",
				Basis::None => "nothing to estimate from: 0 kWh, the utility will follow up",
			};
			let exports = l.channels.iter().any(|c| c == ChannelKind::ExportWh.name());
			let credit = if exports { "; no export credit" } else { "" };
			format!("Estimated: {why} ({basis}{credit})")
		},
	}
}

/// The channels of a line other than import and export, as the page shows them (`–`: none).
pub fn other_channels_text(l: &Line) -> String {
	let shown: Vec<String> = l
		.channels
		.iter()
		.zip(&l.values)
		.filter_map(|(name, v)| {
			let k = ChannelKind::from_name(name)?;
			(!matches!(k, ChannelKind::ImportWh | ChannelKind::ExportWh))
				.then(|| format!("{} {v} {}", channel_label(k), k.unit()))
		})
		.collect();
	if shown.is_empty() {
		"–".into()
	} else {
		shown.join("; ")
	}
}

/// A channel's name in words.
pub fn channel_label(k: ChannelKind) -> &'static str {
	match k {
		ChannelKind::ImportWh => "import",
		ChannelKind::ExportWh => "export",
		ChannelKind::MaxDemandW => "maximum demand",
		ChannelKind::ReactiveVarh => "reactive energy",
	}
}

/// `v` or a dash.
pub fn or_dash(v: Option<u64>) -> String {
	v.map_or("–".into(), |v| v.to_string())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;line-height:1.4}\
main{max-width:60rem;margin:0 auto;padding:1rem}h1{margin:.2em 0}h2{font-size:1.15rem;margin:1.4em 0 .4em}\
.total{font-size:2rem;font-weight:700;margin:.2em 0}.credit{color:#2e7d32}\
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dt{font-weight:600}dd{margin:0}\
figure{margin:0}svg{max-width:100%;height:auto}.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}\
.sw{display:inline-block;width:1em;height:1em;vertical-align:-.15em;margin-right:.3em;border:1px solid #666}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}\
th{background:#f3f3f3}td.l,th.l{text-align:left}tr.est td{background:#fff8e1}small{color:#555}\
code{word-break:break-all;font-size:.85em}details{margin-top:1.5em}.nw{white-space:nowrap}.rd{min-width:14em}";

/// The report's page: the total, a summary, a chart (bars up: import per period, estimated ones
/// hatched; bars down: export; lines: import price, export price dashed; labelled axes and a
/// legend), the table of lines, what each kind of reading means, and the values a checker
/// needs in a details section. `html` itself is not read.
pub fn render_html(r: &Report) -> String {
	let m = r.meter;
	let c = r.cycle;
	let n = r.lines.len();
	let estimated = r.lines.iter().filter(|l| l.estimate.is_some()).count();
	let secs = needs_seconds(r);
	let span = match (r.lines.first(), r.lines.last()) {
		(Some(a), Some(b)) if n > 1 => format!(
			"{n} periods, the first starting {}, the last {}",
			time_html(a.start_ms, secs),
			time_html(b.start_ms, secs)
		),
		(Some(a), _) => format!("1 period, starting {}", time_html(a.start_ms, secs)),
		_ => "no periods".into(),
	};
	let (heading, class) = if r.total_amount < 0 {
		("Total: a credit to you", "total credit")
	} else {
		("Total to pay", "total")
	};
	let regions: Vec<String> = r.regions.iter().map(|x| x.to_string()).collect();
	let mut rows = String::new();
	let mut details = String::new();
	for l in &r.lines {
		let export = match l.channels.iter().any(|c| c == ChannelKind::ExportWh.name()) {
			true => kwh(l.export_wh()),
			false => "–".into(),
		};
		let class = if l.estimate.is_some() { " class=\"est\"" } else { "" };
		let _ = write!(
			rows,
			"<tr{class} data-period=\"{p}\"><td class=\"l nw\">{t}<br><small>period {p}</small></td>\
			 <td class=\"l rd\">{reading}</td><td class=\"nw\">{import}</td><td class=\"nw\">{export}</td>\
			 <td class=\"l\">{other}</td><td class=\"nw\">{price}</td><td class=\"nw\">{export_price}</td>\
			 <td class=\"nw\">{amount}</td></tr>",
			p = l.period,
			t = time_html(l.start_ms, secs),
			reading = reading_text(l),
			import = kwh(l.billed_wh()),
			other = other_channels_text(l),
			price = price_text(l.price),
			export_price = price_text(l.export_price),
			amount = money(l.amount),
		);
		let _ = write!(
			details,
			"<tr><td>{}</td><td>{}</td><td class=\"l\"><code>{}</code></td>\
			 <td class=\"l\"><code>{}</code></td><td class=\"l\">{}</td></tr>",
			l.period,
			l.region,
			l.prids[0],
			l.prids[1],
			l.price_source.as_deref().unwrap_or("–"),
		);
	}
	format!(
		"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
		 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
		 <title>Electricity bill: meter {m}, cycle {c}</title><style>{STYLE}</style></head><body><main>\
		 <header><h1>Electricity bill</h1><p>Meter <strong>{m}</strong>, billing cycle \
		 <strong>{c}</strong>: {span}.</p></header>\
		 <section aria-labelledby=\"total-h\"><h2 id=\"total-h\">{heading}</h2>\
		 <p class=\"{class}\" data-amount=\"{amount_raw}\">{amount}</p>\
		 <dl class=\"summary\"><dt>Imported</dt><dd>{total} ({metered} metered, {est_wh} \
		 estimated)</dd><dt>Exported</dt><dd>{export}</dd><dt>Periods</dt><dd>{n}: {met} \
		 metered, {estimated} estimated</dd><dt>Region</dt><dd>{regions}</dd></dl></section>\
		 <section aria-labelledby=\"chart-h\"><h2 id=\"chart-h\">Energy and prices per period</h2>\
		 {chart}</section>\
		 <section aria-labelledby=\"lines-h\"><h2 id=\"lines-h\">Lines</h2>\
		 <div class=\"scroll\" role=\"region\" aria-labelledby=\"lines-h\" tabindex=\"0\"><table>\
		 <thead><tr><th class=\"l\" scope=\"col\">Period starts</th><th class=\"l\" scope=\"col\">\
		 Reading</th><th scope=\"col\">Import</th><th scope=\"col\">Export</th><th class=\"l\" \
		 scope=\"col\">Other channels</th><th scope=\"col\">Import price</th><th scope=\"col\">\
		 Export price</th><th scope=\"col\">Amount</th></tr></thead><tbody>{rows}</tbody></table>\
		 </div></section>\
		 <section aria-labelledby=\"meaning-h\"><h2 id=\"meaning-h\">What the readings mean</h2><dl>\
		 <dt>Metered</dt><dd>Both of the meter's shares of the period are on the chain: the \
		 values are the meter's own, unmasked.</dd>\
		 <dt>Estimated: no reading received</dt><dd>Neither share reached the chain. The period \
		 is billed at an estimate of import, never at zero: your average in the same tariff \
		 band, else over this bill, else your region's average.</dd>\
		 <dt>Estimated: one share missing</dt><dd>Only one of the two shares reached the chain, \
		 so the reading cannot be unmasked; it is estimated the same way.</dd>\
		 <dt>Export credit</dt><dd>Only for exports the chain confirms: an estimated period earns \
		 none.</dd><dt>A price of –</dt><dd>No tariff was in effect for the period: it is \
		 stated, and charges nothing.</dd></dl></section>\
		 <details><summary>Details for checking this bill</summary>\
		 <p>Chain (genesis hash): <code>{g}</code>. Each line's two PRIDs are the one-time names \
		 the meter's shares were sent under; the prices come from the region's tariff version or \
		 an override, as stated.</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">\
		 Period</th><th scope=\"col\">Region</th><th class=\"l\" scope=\"col\">PRID A</th>\
		 <th class=\"l\" scope=\"col\">PRID B</th><th class=\"l\" scope=\"col\">Prices from</th>\
		 </tr></thead><tbody>{details}</tbody></table></div></details>\
		 <p>Every line can be checked against the chain with your own key: \
		 <code>gridmask owner bill</code>, or the owner's portal.</p></main></body></html>",
		amount_raw = r.total_amount,
		amount = money(r.total_amount),
		total = kwh(r.total_wh),
		metered = kwh(r.metered_wh),
		est_wh = kwh(r.estimated_wh),
		export = kwh(r.export_wh),
		met = n - estimated,
		regions = regions.join(", "),
		chart = chart(r),
		g = r.genesis,
	)
}

/// The chart: an SVG with a left axis in kWh (import up, export down), a right axis in the
/// currency per kWh, the first and last periods' times under it, and an HTML legend.
fn chart(r: &Report) -> String {
	let (w, h) = (720.0_f64, 300.0_f64);
	let (left, right, top, bottom) = (60.0_f64, 70.0_f64, 22.0_f64, 40.0_f64);
	let n = r.lines.len().max(1) as f64;
	let max_up = r.lines.iter().map(Line::billed_wh).max().unwrap_or(0);
	let max_down = r.lines.iter().map(Line::export_wh).max().unwrap_or(0);
	let prices = r.lines.iter().flat_map(|l| [l.price, l.export_price]).flatten();
	let max_price = prices.max().unwrap_or(0).max(1);
	// One Wh scale for both directions; the axis splits the plot in their proportion.
	let span = max_up.saturating_add(max_down).max(1) as f64;
	let plot = h - top - bottom;
	let axis = if max_down == 0 { top + plot } else { top + plot * max_up as f64 / span };
	let bw = (w - left - right) / n;
	let mut svg = String::new();
	let _ = write!(
		svg,
		"<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
		 viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-cap\"><defs><pattern \
		 id=\"est\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
		 patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ddd\"/><line \
		 x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999\" stroke-width=\"3\"/></pattern></defs>"
	);
	// Axes: energy on the left (0 at the split), prices on the right (0 at the bottom).
	let x_end = w - right;
	let y_end = top + plot;
	let _ = write!(
		svg,
		"<g font-size=\"11\" fill=\"#333\"><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" \
		 y2=\"{y_end}\" stroke=\"#444\"/><line x1=\"{x_end}\" y1=\"{top}\" x2=\"{x_end}\" \
		 y2=\"{y_end}\" stroke=\"#444\"/><line x1=\"{left}\" y1=\"{axis:.1}\" x2=\"{x_end}\" \
		 y2=\"{axis:.1}\" stroke=\"#444\"/>\
		 <text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{up}</text>\
		 <text x=\"{lx}\" y=\"{ay:.1}\" text-anchor=\"end\">0</text>\
		 <text x=\"{left}\" y=\"10\" text-anchor=\"middle\">kWh</text>\
		 <text x=\"{x_end}\" y=\"10\" text-anchor=\"middle\">{SYMBOL}/kWh</text>",
		lx = left - 4.0,
		ty = top + 10.0,
		ay = axis + 4.0,
		up = kwh_number(max_up),
	);
	if max_down > 0 {
		let _ = write!(
			svg,
			"<text x=\"{lx}\" y=\"{y_end}\" text-anchor=\"end\">-{down}</text>",
			lx = left - 4.0,
			down = kwh_number(max_down),
		);
	}
	let _ = write!(
		svg,
		"<text x=\"{rx}\" y=\"{ty:.1}\">{p}</text><text x=\"{rx}\" y=\"{y_end}\">0</text>",
		rx = x_end + 4.0,
		ty = top + 10.0,
		p = format!("{}.{:06}", max_price / 1_000_000, max_price % 1_000_000),
	);
	if let (Some(a), Some(b)) = (r.lines.first(), r.lines.last()) {
		let secs = needs_seconds(r);
		let t = |ms: u64| {
			let s = rfc3339(ms);
			format!("{} {}", &s[5..10], clock(&s, secs))
		};
		let _ = write!(
			svg,
			"<text x=\"{left}\" y=\"{ly}\">{first} UTC</text><text x=\"{x_end}\" y=\"{ly}\" \
			 text-anchor=\"end\">{last} UTC</text>",
			ly = y_end + 16.0,
			first = t(a.start_ms),
			last = t(b.start_ms),
		);
	}
	svg.push_str("</g>");
	// One bar of a period: `y` its top, `height` its length, `title` what a hover shows.
	let bar_width = (bw * 0.8).max(1.0);
	let bar = |svg: &mut String, x: f64, y: f64, height: f64, fill: &str, title: String| {
		let _ = write!(
			svg,
			"<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" height=\"{height:.1}\" \
			 fill=\"{fill}\"><title>{title}</title></rect>"
		);
	};
	let (mut import_points, mut export_points) = (Vec::new(), Vec::new());
	let py = |p: u64| y_end - plot * p as f64 / max_price as f64;
	for (i, l) in r.lines.iter().enumerate() {
		let x = left + i as f64 * bw;
		let up = plot * l.billed_wh() as f64 / span;
		let (fill, what) =
			if l.estimate.is_some() { ("url(#est)", "estimated") } else { ("#4a90d9", "metered") };
		let title = format!("period {} import {} Wh {what}", l.period, l.billed_wh());
		bar(&mut svg, x, axis - up, up, fill, title);
		if l.export_wh() > 0 {
			let down = plot * l.export_wh() as f64 / span;
			let title = format!("period {} export {} Wh", l.period, l.export_wh());
			bar(&mut svg, x, axis, down, "#5cb85c", title);
		}
		if let Some(p) = l.price {
			import_points.push(format!("{:.1},{:.1}", x + bw * 0.4, py(p)));
		}
		if let Some(p) = l.export_price.filter(|_| l.channels.len() > 1) {
			export_points.push(format!("{:.1},{:.1}", x + bw * 0.4, py(p)));
		}
	}
	for (points, style) in [
		(import_points, "stroke=\"#d9534f\""),
		(export_points, "stroke=\"#2e7d32\" stroke-dasharray=\"4 3\""),
	] {
		if !points.is_empty() {
			let _ = write!(
				svg,
				"<polyline points=\"{}\" fill=\"none\" {style} stroke-width=\"2\"/>",
				points.join(" ")
			);
		}
	}
	let swatch = |style: &str| {
		format!("<svg class=\"sw\" viewBox=\"0 0 10 10\" aria-hidden=\"true\">{style}</svg>")
	};
	let _ = write!(
		svg,
		"</svg><figcaption id=\"chart-cap\">Each bar is one period: import up, export down \
		 (left axis); the lines are the prices (right axis).<ul class=\"legend\">\
		 <li>{}import, metered</li><li>{}import, estimated</li><li>{}export</li>\
		 <li>{}import price</li><li>{}export price</li></ul></figcaption></figure>",
		swatch("<rect width=\"10\" height=\"10\" fill=\"#4a90d9\"/>"),
		swatch("<rect width=\"10\" height=\"10\" fill=\"url(#est)\"/><rect width=\"10\" height=\"10\" fill=\"#ccc\" opacity=\".6\"/>"),
		swatch("<rect width=\"10\" height=\"10\" fill=\"#5cb85c\"/>"),
		swatch("<line x1=\"0\" y1=\"5\" x2=\"10\" y2=\"5\" stroke=\"#d9534f\" stroke-width=\"2\"/>"),
		swatch("<line x1=\"0\" y1=\"5\" x2=\"10\" y2=\"5\" stroke=\"#2e7d32\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>"),
	);
	svg
}
