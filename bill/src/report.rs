//! The bill report (format [`REPORT_FORMAT`]): its lines, their arithmetic, the estimates of
//! periods without a complete reading, and the report made from its lines.

use alloc::{collections::BTreeSet, format, string::String, vec::Vec};
use gridmask_primitives::{ChannelKind, CycleIndex, MeterId, PeriodIndex, Prid, RegionId};
use serde::{Deserialize, Serialize};

use crate::page::render_html;

/// The report format this crate writes and reads (v4: the page reads like a bill; v3 reports are
/// refused by name).
pub const REPORT_FORMAT: &str = "gridmask-bill/v4";

/// What a line says about the meter's shares in its period.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
	/// Both shares are on chain: every channel's value is theirs, unmasked.
	Metered,
	/// Neither share is on chain: the period is billed at an estimate.
	Silent,
	/// One share of two: the consumption is unknown; the period is billed at an estimate.
	Partial,
}

/// The rule an estimate comes from (see the module docs), in the order they are tried.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
	/// The meter's mean over its metered periods of the bill in the same tariff band.
	Band,
	/// The meter's mean over all its metered periods of the bill.
	Cycle,
	/// The region's mean per complete reading in the period.
	Region,
	/// Nothing to estimate from: 0 Wh, for the utility to follow up.
	None,
}

/// The import a line without a complete reading is billed at.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Estimate {
	/// Estimated import, Wh.
	pub wh: u64,
	/// The rule it comes from.
	pub basis: Basis,
}

/// One period of a bill.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
	/// The period.
	pub period: PeriodIndex,
	/// Its start, ms since the Unix epoch.
	pub start_ms: u64,
	/// The region whose setup covered the meter in the period (its prices apply).
	pub region: RegionId,
	/// The meter's PRIDs of the period (`0x…`): share A, share B.
	pub prids: [String; 2],
	/// The channels every reading of the region carries, by name ([`ChannelKind::name`]), in
	/// the order of its shape: `import_wh` first.
	pub channels: Vec<String>,
	/// Per channel, the masks `H3(z, j)`, `H3(z', j)` of the two shares.
	pub masks: Vec<[u64; 2]>,
	/// What the chain holds at the PRIDs.
	pub status: LineStatus,
	/// Per channel, the metered value (in the channel's unit); empty unless metered.
	pub values: Vec<u64>,
	/// The import estimate the period is billed at (exactly when it is not metered).
	pub estimate: Option<Estimate>,
	/// The region's import price of the period, µ-units per kWh (`None`: not priced).
	pub price: Option<u64>,
	/// The region's export (feed-in) price of the period, µ-units per kWh (`None`: not
	/// priced).
	pub export_price: Option<u64>,
	/// Where the prices come from: `tariff v<N>` or `override`.
	pub price_source: Option<String>,
	/// What the line costs, µ-units: [`line_amount`] of its import billed and export; negative
	/// for a credit.
	pub amount: i64,
}

impl Line {
	/// The metered value of channel `kind` (0 if not metered or not in the region's shape).
	pub fn value(&self, kind: ChannelKind) -> u64 {
		self.channels
			.iter()
			.position(|c| c == kind.name())
			.and_then(|j| self.values.get(j))
			.copied()
			.unwrap_or(0)
	}

	/// Metered import, Wh (0 unless metered).
	pub fn import_wh(&self) -> u64 {
		self.value(ChannelKind::ImportWh)
	}

	/// Metered export, Wh (0 unless metered: an estimated period earns no credit).
	pub fn export_wh(&self) -> u64 {
		self.value(ChannelKind::ExportWh)
	}

	/// The import billed: the metered import, or the estimate.
	pub fn billed_wh(&self) -> u64 {
		self.estimate.map_or(self.import_wh(), |e| e.wh)
	}

	/// What the line must cost, from its import billed, its export and its prices.
	pub fn due(&self) -> i64 {
		line_amount(self.billed_wh(), self.price, self.export_wh(), self.export_price)
	}
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
	/// The regions of its lines, ascending (the chain records the same).
	pub regions: Vec<RegionId>,
	/// The cycle billed.
	pub cycle: CycleIndex,
	/// One line per covered period of the cycle, ascending.
	pub lines: Vec<Line>,
	/// Σ metered import, Wh.
	pub metered_wh: u64,
	/// Σ import estimates, Wh.
	pub estimated_wh: u64,
	/// Σ import billed (metered and estimated), Wh.
	pub total_wh: u64,
	/// Σ metered export, Wh (credited at the export prices).
	pub export_wh: u64,
	/// Σ amounts, µ-units; negative: the bill is a credit.
	pub total_amount: i64,
	/// The page rendered from all of the above ([`render_html`]).
	pub html: String,
}

/// The amount of `wh` at `price` µ-units per kWh, in µ-units, rounded half up.
pub fn amount(wh: u64, price: u64) -> u64 {
	((u128::from(wh) * u128::from(price) + 500) / 1000).min(u128::from(u64::MAX)) as u64
}

/// The amount of a line: `import` Wh at `price` less `export` Wh at `export_price` (each
/// [`amount`]; no price: nothing), µ-units.
pub fn line_amount(import: u64, price: Option<u64>, export: u64, export_price: Option<u64>) -> i64 {
	let charge = i128::from(price.map_or(0, |p| amount(import, p)));
	let credit = i128::from(export_price.map_or(0, |p| amount(export, p)));
	(charge - credit).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// The mean of `values` rounded half up, or `None` for none.
pub fn mean(values: impl Iterator<Item = u64>) -> Option<u64> {
	let (sum, n) = values.fold((0u128, 0u128), |(s, n), v| (s + u128::from(v), n + 1));
	(n > 0).then(|| ((sum + n / 2) / n) as u64)
}

/// What the chain says of one (region, period) that estimates use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodFacts {
	/// The period's time-of-day band: (tariff version in effect, index of its band), if the
	/// region has a tariff in effect.
	pub band: Option<(u32, u32)>,
	/// The region's import per complete reading of the period, Wh, rounded half up: its
	/// published import aggregate over `count / 2` meters (`None`: no aggregate published).
	pub regional_mean: Option<u64>,
}

/// The estimate of every line that is not metered (`None` for metered lines), by the rules of
/// the module docs, from the metered lines' import and the chain's `facts`.
pub fn estimates(
	lines: &[Line],
	facts: impl Fn(RegionId, PeriodIndex) -> PeriodFacts,
) -> Vec<Option<Estimate>> {
	let metered: Vec<(&Line, PeriodFacts)> = lines
		.iter()
		.filter(|l| l.status == LineStatus::Metered)
		.map(|l| (l, facts(l.region, l.period)))
		.collect();
	lines
		.iter()
		.map(|l| {
			if l.status == LineStatus::Metered {
				return None;
			}
			let own = facts(l.region, l.period);
			let band = own.band.and_then(|band| {
				mean(
					metered
						.iter()
						.filter(|(m, f)| m.region == l.region && f.band == Some(band))
						.map(|(m, _)| m.import_wh()),
				)
			});
			let estimate = match band {
				Some(wh) => Estimate { wh, basis: Basis::Band },
				None => match mean(metered.iter().map(|(m, _)| m.import_wh())) {
					Some(wh) => Estimate { wh, basis: Basis::Cycle },
					None => match own.regional_mean {
						Some(wh) => Estimate { wh, basis: Basis::Region },
						None => Estimate { wh: 0, basis: Basis::None },
					},
				},
			};
			Some(estimate)
		})
		.collect()
}

/// Which of the regions whose setups covered a period the line belongs to: the one holding
/// more of the meter's shares of the period, then the later membership. `candidates` are
/// (region, shares present) in membership order; never empty.
pub fn pick_region(candidates: &[(RegionId, usize)]) -> RegionId {
	candidates
		.iter()
		.enumerate()
		.max_by_key(|(i, (_, present))| (*present, *i))
		.map(|(_, (region, _))| *region)
		.unwrap_or_default()
}

/// `aggregate / meters` rounded half up (`None` for no meter).
pub fn mean_per_meter(aggregate: u64, meters: u32) -> Option<u64> {
	let n = u128::from(meters);
	(n > 0).then(|| ((u128::from(aggregate) + n / 2) / n) as u64)
}

/// The regions of `lines`, ascending, each once.
pub fn regions_of(lines: &[Line]) -> Vec<RegionId> {
	lines.iter().map(|l| l.region).collect::<BTreeSet<_>>().into_iter().collect()
}

/// Makes a report from its lines: regions, totals and page.
pub fn make_report(genesis: String, meter: MeterId, cycle: CycleIndex, lines: Vec<Line>) -> Report {
	let mut r = Report {
		format: REPORT_FORMAT.into(),
		genesis,
		meter,
		regions: regions_of(&lines),
		cycle,
		metered_wh: lines.iter().map(Line::import_wh).sum(),
		estimated_wh: lines.iter().filter_map(|l| l.estimate).map(|e| e.wh).sum(),
		total_wh: lines.iter().map(Line::billed_wh).sum(),
		export_wh: lines.iter().map(Line::export_wh).sum(),
		total_amount: total_amount(&lines),
		lines,
		html: String::new(),
	};
	r.html = render_html(&r);
	r
}

/// Σ of the lines' amounts, µ-units (saturating).
pub fn total_amount(lines: &[Line]) -> i64 {
	lines.iter().fold(0i64, |t, l| t.saturating_add(l.amount))
}

/// `0x…` hex of 32 bytes, as reports write PRIDs and hashes.
pub fn hex32(b: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(b))
}

/// 32 bytes from `0x…` hex (the `0x` optional), or `None`.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
	hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()?.try_into().ok()
}

/// A PRID as a line states it.
pub fn parse_prid(s: &str) -> Option<Prid> {
	parse_hex32(s).map(Prid)
}

/// Whether `written` (`0x…`) is the hash `genesis`, compared as bytes (the case of its hex
/// digits does not matter).
pub fn is_genesis(written: &str, genesis: [u8; 32]) -> bool {
	parse_hex32(written) == Some(genesis)
}
