//! What the chain says that a bill is checked against, as plain data: a meter's membership
//! spans, each region's cycle (shape, set-up periods, prices), and the shares at a line's
//! PRIDs. The client reads them over RPC, the portal with polkadot.js; both hand them here.

use alloc::{
	collections::BTreeMap,
	format,
	string::{String, ToString},
	vec::Vec,
};
use gridmask_primitives::{mask::recover, ChannelKind, PeriodIndex, RegionId};
use serde::{Deserialize, Serialize};

use crate::report::{LineStatus, PeriodFacts};

/// A meter's membership span (`pallet-meters`' `Membership`): active in `region` from
/// membership epoch `from` until `until` (exclusive; `None`: still open).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
	/// The region.
	pub region: RegionId,
	/// The region's epoch the span opened in.
	pub from: u32,
	/// The epoch it closed in, if it did.
	pub until: Option<u32>,
}

/// Where a period's prices come from (`pallet-pricing`'s `PriceSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
	/// A version of the region's tariff.
	Tariff {
		/// The version.
		version: u32,
	},
	/// Set by the control centre for the period.
	Override,
}

impl PriceSource {
	/// As a line states it: `tariff v<N>` or `override`.
	pub fn name(&self) -> String {
		match self {
			Self::Tariff { version } => format!("tariff v{version}"),
			Self::Override => "override".into(),
		}
	}
}

/// A period's prices (`pallet-pricing`'s `PriceRecord`), µ-units per kWh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
	/// Import.
	pub price: u64,
	/// Export (feed-in).
	pub export_price: u64,
	/// Where they come from.
	pub source: PriceSource,
}

/// One set-up period of a region's cycle.
pub struct RegionPeriod {
	/// The membership epoch its setup was built for: it covered the meters active then.
	pub epoch: u32,
	/// Sealed, withheld or void: its price is final.
	pub settled: bool,
	/// The number of channels its setup was built for (its `Z` per channel).
	pub channels: usize,
	/// What estimates use.
	pub facts: PeriodFacts,
}

/// What the chain says about one region's cycle: its shape, its set-up periods and their
/// prices.
pub struct RegionCycle {
	pub shape: Vec<ChannelKind>,
	pub periods: BTreeMap<PeriodIndex, RegionPeriod>,
	pub prices: BTreeMap<PeriodIndex, Price>,
}

impl RegionCycle {
	/// The channels of period `p`'s readings: the region's shape, if the period's setup was
	/// built for it (a shape changed since is an error: the chain keeps only the current one).
	pub fn shape_of(&self, region: RegionId, p: PeriodIndex) -> Result<Vec<ChannelKind>, String> {
		let channels = self.periods.get(&p).map_or(self.shape.len(), |rp| rp.channels);
		if channels != self.shape.len() {
			return Err(format!(
				"region {region}'s shape changed after the setup of period {p} ({channels} \
				 channels then, {} now): its channels cannot be named",
				self.shape.len()
			));
		}
		Ok(self.shape.clone())
	}
}

/// The regions a meter's spans name, each once, in first-seen order.
pub fn span_regions(spans: &[Span]) -> Vec<RegionId> {
	let mut out = Vec::new();
	for s in spans {
		if !out.contains(&s.region) {
			out.push(s.region);
		}
	}
	out
}

/// For each period of the cycle that some setup covered the meter in: the regions of those
/// setups (usually one), in membership order. A setup covers the meter when it was built for
/// an epoch of its region in which one of the meter's spans there was open.
pub fn covering(
	spans: &[Span],
	cache: &BTreeMap<RegionId, RegionCycle>,
) -> BTreeMap<PeriodIndex, Vec<RegionId>> {
	let mut out: BTreeMap<PeriodIndex, Vec<RegionId>> = BTreeMap::new();
	for s in spans {
		let Some(rc) = cache.get(&s.region) else { continue };
		for (p, rp) in &rc.periods {
			if s.from <= rp.epoch && s.until.is_none_or(|u| rp.epoch < u) {
				// A region's spans never overlap, so a region covers a period through one
				// span; the list keeps membership order for the tie rule.
				let regions = out.entry(*p).or_default();
				regions.retain(|r| *r != s.region);
				regions.push(s.region);
			}
		}
	}
	out
}

/// The masked values of a share, one per channel.
pub type Masked = Vec<u64>;

/// The chain side of one covered period of a meter, given its PRIDs: the region picked, its
/// channels, the shares there, and that region's prices and facts.
pub struct ChainPeriod {
	pub region: RegionId,
	pub shape: Vec<ChannelKind>,
	pub shares: [Option<Masked>; 2],
	pub price: Option<Price>,
	pub facts: PeriodFacts,
}

/// What the shares say: status and, if both are there, each channel's value under its
/// `masks` (as many values as both shares and the masks have channels).
pub fn unmask(shares: &[Option<Masked>; 2], masks: &[[u64; 2]]) -> (LineStatus, Vec<u64>) {
	match shares {
		[Some(a), Some(b)] => (
			LineStatus::Metered,
			a.iter().zip(b).zip(masks).map(|((a, b), m)| recover(*a, *b, m[0], m[1])).collect(),
		),
		[None, None] => (LineStatus::Silent, Vec::new()),
		_ => (LineStatus::Partial, Vec::new()),
	}
}

/// The names of `shape`'s channels, as lines state them.
pub fn channel_names(shape: &[ChannelKind]) -> Vec<String> {
	shape.iter().map(|k| k.name().to_string()).collect()
}

/// The facts of each (region, period) of `periods`, for [`estimates`].
pub fn facts_of(
	periods: &BTreeMap<PeriodIndex, ChainPeriod>,
) -> impl Fn(RegionId, PeriodIndex) -> PeriodFacts + '_ {
	move |region, p| {
		periods.get(&p).filter(|c| c.region == region).map(|c| c.facts).unwrap_or_default()
	}
}
