//! gridmask bills without IO: the report the KGC seals for each meter and cycle (PROTOCOL §4
//! step 7), and the owner's check of it against the chain (step 8). The client (`kgc bill`,
//! `owner bill`), the gateway and the owner's portal in the browser (portal/wasm) all use this
//! one crate, so a bill is made, rendered and checked by the same code wherever it is.
//!
//! **The report** (format [`REPORT_FORMAT`]) is JSON: the meter, the cycle, the regions it was
//! metered in, one line per period of the cycle whose setup covered the meter, totals, and
//! `html`, a self-contained page (an SVG chart of import, export and prices per period, a table
//! of the lines) rendered from the lines by [`render_html`]. A line states its region, the
//! channels of the region's readings (PROTOCOL §3a: `import_wh`, then e.g. `export_wh`), the
//! meter's two PRIDs of the period, per channel the two masks `H3(z, j)`, `H3(z', j)` and the
//! value they unmask, the region's import and export (feed-in) prices (µ-units per kWh, from
//! the chain) and the amount
//!
//! `round(import Wh × price / 1000) − round(export Wh × export price / 1000)` µ-units,
//!
//! negative for a prosumer that exported more than it paid for: a line, and a bill, can be a
//! credit. Channels other than import and export (maximum demand, reactive energy) are shown,
//! not priced: no tariff of `pallet-pricing` prices them.
//!
//! **Which periods, which region.** A period is on the bill when a setup covered the meter:
//! the setup of some region the meter has been in, built for a membership epoch in which the
//! meter was active there (`Meter.memberships` on chain). A meter moved during the cycle has
//! periods in several regions, each priced in its own; a suspended or retired meter has no
//! line for the periods it was not expected in. Where two regions' setups covered the same
//! period (setups published ahead of a move), the line is in the one holding more of the
//! meter's shares, else the later membership ([`pick_region`]).
//!
//! **Estimates (validation, estimation, editing).** A period without a complete reading
//! (neither share, or one of two) is never billed at zero: it is billed at an estimate,
//! flagged as such on the line and the page, by the first rule that applies
//! ([`estimates`]):
//! 1. `band`: the mean of the meter's metered periods of this bill in the same tariff band
//!    (same region, same tariff version, same time-of-day band);
//! 2. `cycle`: the mean of all the meter's metered periods of this bill;
//! 3. `region`: the region's mean per complete reading in that period (its published aggregate
//!    over the meters that sent both shares);
//! 4. `none`: no basis (nothing metered, no published aggregate): 0 Wh, flagged for the
//!    utility to follow up (a field visit; the meter is suspended after repeated silence).
//!
//! Estimates are of import only: a period without a complete reading earns no export credit
//! (a credit is paid for export the chain confirms, never for an estimate of it).
//!
//! Means are rounded half up to whole Wh. Every input is on chain or in the verified lines, so
//! the owner recomputes each estimate and refuses a wrong one.
//!
//! **Where things are:** [`report`] (lines, amounts, estimates, totals), [`page`] (the HTML),
//! [`chain`] (what the chain says, as plain data: spans, a region's cycle, the shares at a
//! line's PRIDs), [`check`] (the problems of a report against it), [`facts`] (everything the
//! check reads from the chain, as one JSON-able value, and the check over it), [`datetime`].

extern crate alloc;

pub mod chain;
pub mod check;
pub mod datetime;
pub mod espi;
pub mod facts;
pub mod page;
pub mod report;

#[cfg(test)]
mod tests;

pub use page::render_html;
pub use report::{
	amount, estimates, line_amount, make_report, pick_region, Basis, Estimate, Line, LineStatus,
	PeriodFacts, Report, REPORT_FORMAT,
};
