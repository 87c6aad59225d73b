//! Channels (PROTOCOL.md §3a): the quantities one reading carries.
//!
//! A region declares a **shape**: an ordered list of [`ChannelKind`]s, `import_wh` first, each
//! kind at most once, at most [`MAX_CHANNELS`]. Every meter of the region sends one value per
//! channel in every share ([`Values`]), so a share's size never tells a prosumer from a
//! consumer (a consumer sends export 0). Each channel is split and masked on its own, with a mask
//! derived per channel from the share's mask leaf ([`crate::mask::h3_channel`]).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{bounded::BoundedVec, ConstU32};

/// Most channels a region's shape can have.
pub const MAX_CHANNELS: u32 = 4;

/// One value per channel of the region's shape, in the shape's order.
pub type Values = BoundedVec<u64, ConstU32<MAX_CHANNELS>>;

/// A region's reading shape: its channels in order.
pub type Shape = BoundedVec<ChannelKind, ConstU32<MAX_CHANNELS>>;

/// Per channel, a published aggregate or `None` where it is withheld (k-anonymity per channel,
/// or a channel whose sum is not published).
pub type Aggregates = BoundedVec<Option<u64>, ConstU32<MAX_CHANNELS>>;

/// `sums += values`, channel by channel (mod 2^64); `sums` grows to the length of `values`.
pub fn add_values(sums: &mut Values, values: &[u64]) {
	for (j, v) in values.iter().enumerate() {
		match sums.get_mut(j) {
			Some(s) => *s = s.wrapping_add(*v),
			// `values` is at most MAX_CHANNELS long, so this never drops anything.
			None => {
				let _ = sums.try_push(*v);
			},
		}
	}
}

/// Per channel `j` of `z`: the aggregate `sums_j − excluded_j − z_j` (mod 2^64) where
/// `published(j)`, `None` where not. A missing sum or exclusion counts as 0.
pub fn channel_aggregates(
	sums: &[u64],
	excluded: &[u64],
	z: &[u64],
	published: impl Fn(usize) -> bool,
) -> Aggregates {
	let at = |v: &[u64], j: usize| v.get(j).copied().unwrap_or(0);
	let aggregates = (0..z.len()).map(|j| {
		published(j).then(|| at(sums, j).wrapping_sub(at(excluded, j)).wrapping_sub(z[j]))
	});
	Aggregates::truncate_from(aggregates.collect())
}

/// What a channel measures in one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub enum ChannelKind {
	/// Energy taken from the grid (Wh): ESPI flowDirection 1 (forward).
	ImportWh,
	/// Energy fed into the grid (Wh): ESPI flowDirection 19 (reverse).
	ExportWh,
	/// The highest average power over the period (W).
	MaxDemandW,
	/// Reactive energy (varh).
	ReactiveVarh,
}

impl ChannelKind {
	/// Every kind, in declaration order.
	pub const ALL: [ChannelKind; 4] =
		[Self::ImportWh, Self::ExportWh, Self::MaxDemandW, Self::ReactiveVarh];

	/// The name used on the command line and in reports.
	pub fn name(self) -> &'static str {
		match self {
			Self::ImportWh => "import_wh",
			Self::ExportWh => "export_wh",
			Self::MaxDemandW => "max_demand_w",
			Self::ReactiveVarh => "reactive_varh",
		}
	}

	/// The kind called `name` ([`Self::name`]).
	pub fn from_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|k| k.name() == name)
	}

	/// The unit of a value.
	pub fn unit(self) -> &'static str {
		match self {
			Self::ImportWh | Self::ExportWh => "Wh",
			Self::MaxDemandW => "W",
			Self::ReactiveVarh => "varh",
		}
	}

	/// Whether the regional sum is meaningful, so that sealing publishes `Σ values − Z` for it.
	/// A maximum is not summed: its aggregate is withheld, and each owner still unmasks their
	/// own value.
	pub fn summed(self) -> bool {
		!matches!(self, Self::MaxDemandW)
	}

	/// Whether only some meters (the region's registered prosumers) can send a non-zero value:
	/// its aggregate needs at least `MinRegionMeters` of them (k-anonymity per channel).
	pub fn prosumers_only(self) -> bool {
		matches!(self, Self::ExportWh)
	}
}

/// Why a list of channels is not a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeError {
	/// No channels, or more than [`MAX_CHANNELS`].
	BadLength,
	/// The first channel is not `import_wh` (every bill prices it).
	ImportNotFirst,
	/// A kind appears twice.
	Repeated,
}

/// Checks that `channels` is a shape and bounds it.
pub fn shape(channels: &[ChannelKind]) -> Result<Shape, ShapeError> {
	if channels.is_empty() {
		return Err(ShapeError::BadLength);
	}
	if channels[0] != ChannelKind::ImportWh {
		return Err(ShapeError::ImportNotFirst);
	}
	for (i, k) in channels.iter().enumerate() {
		if channels[..i].contains(k) {
			return Err(ShapeError::Repeated);
		}
	}
	Shape::try_from(channels.to_vec()).map_err(|_| ShapeError::BadLength)
}

/// The shape of a region of consumers only: `import_wh`.
pub fn energy_only() -> Shape {
	Shape::truncate_from([ChannelKind::ImportWh].to_vec())
}

/// The shape of a region with prosumers: `import_wh, export_wh`.
pub fn import_export() -> Shape {
	Shape::truncate_from([ChannelKind::ImportWh, ChannelKind::ExportWh].to_vec())
}

/// Parses a comma-separated list of channel names into a shape.
#[cfg(feature = "std")]
pub fn parse_shape(list: &str) -> Result<Shape, String> {
	let kinds = list
		.split(',')
		.map(|s| {
			let s = s.trim();
			ChannelKind::from_name(s).ok_or_else(|| {
				let known: Vec<_> = ChannelKind::ALL.iter().map(|k| k.name()).collect();
				format!("unknown channel {s:?} (known: {})", known.join(", "))
			})
		})
		.collect::<Result<Vec<_>, _>>()?;
	shape(&kinds).map_err(|e| match e {
		ShapeError::BadLength => format!("a shape has 1 to {MAX_CHANNELS} channels"),
		ShapeError::ImportNotFirst => "the first channel must be import_wh".into(),
		ShapeError::Repeated => "a channel appears twice".into(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use ChannelKind::*;

	#[test]
	fn shapes_start_with_import_and_repeat_nothing() {
		assert_eq!(shape(&[ImportWh, ExportWh]).unwrap(), import_export());
		assert_eq!(shape(&[]), Err(ShapeError::BadLength));
		assert_eq!(shape(&[ExportWh, ImportWh]), Err(ShapeError::ImportNotFirst));
		assert_eq!(shape(&[ImportWh, ExportWh, ExportWh]), Err(ShapeError::Repeated));
		assert_eq!(shape(&ChannelKind::ALL).unwrap().len(), 4);
		assert_eq!(parse_shape("import_wh, export_wh").unwrap(), import_export());
		assert!(parse_shape("import_wh,watts").unwrap_err().contains("unknown channel"));
		for k in ChannelKind::ALL {
			assert_eq!(ChannelKind::from_name(k.name()), Some(k));
		}
	}
}
