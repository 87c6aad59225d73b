//! `gridmask owner …`: a meter's owner checks a bill against the chain and answers it
//! (PROTOCOL §4 step 8).

use super::Context;
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use gridmask_client::{
	bill::{self, Verification},
	espi,
	output::{Output, Said, Verdict},
	store::{self, OwnerFile, StoreDir},
};
use serde::Serialize;
use std::{path::PathBuf, process::ExitCode};

/// Whose bill of which cycle.
#[derive(Args)]
pub struct OwnerKey {
	/// The owner's key file (default: <store>/owners/owner-<meter>.json).
	#[arg(long)]
	owner_file: Option<PathBuf>,
	/// The store holding demo owner files.
	#[arg(long, default_value = "gridmask-store")]
	store: PathBuf,
	/// The meter.
	#[arg(long)]
	meter: u64,
	/// The billing cycle.
	#[arg(long)]
	cycle: u32,
}

impl OwnerKey {
	fn load(&self) -> Result<OwnerFile> {
		let path = self
			.owner_file
			.clone()
			.unwrap_or_else(|| StoreDir::new(self.store.clone()).owner(self.meter));
		let f: OwnerFile = store::read_json(&path)?;
		if f.meter != self.meter {
			bail!("{} is the owner file of meter {}, not {}", path.display(), f.meter, self.meter);
		}
		Ok(f)
	}

	/// `out`, or bill-<meter>-<cycle>.html.
	fn page(&self, out: Option<PathBuf>) -> PathBuf {
		out.unwrap_or_else(|| PathBuf::from(format!("bill-{}-{}.html", self.meter, self.cycle)))
	}
}

#[derive(Subcommand)]
pub enum OwnerCommand {
	/// Find the meter's bill of the cycle, fetch it by CID, check the digest, decrypt it and
	/// verify every line against the chain; write its page. Exit status 0: verified; 2: not
	/// (each problem names its line).
	Bill {
		#[command(flatten)]
		owner: OwnerKey,
		/// Where to write the bill's HTML page (default: bill-<meter>-<cycle>.html).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Verify the latest bill as `owner bill` does and, only if every line verifies,
	/// acknowledge that version. Exit status 2 (nothing sent) if it does not verify.
	Ack {
		#[command(flatten)]
		owner: OwnerKey,
		/// The version to acknowledge: refused unless it is the latest (default: the latest,
		/// as verified).
		#[arg(long)]
		version: Option<u32>,
		/// Where to write the bill's HTML page (default: bill-<meter>-<cycle>.html).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Verify the latest bill as `owner bill` does and, only if every line verifies, write it
	/// in another format: a Green Button file (`espi`: a NAESB ESPI 4.0 Atom feed of the
	/// import and export readings, their costs and the cycle's summary) or the report's lines
	/// as JSON (`json`). Exit status 2 (nothing written) if it does not verify.
	Export {
		#[command(flatten)]
		owner: OwnerKey,
		/// The format.
		#[arg(long, value_enum, default_value_t = ExportFormat::Espi)]
		format: ExportFormat,
		/// Where to write it.
		#[arg(long)]
		out: PathBuf,
		/// ESPI: the ISO 4217 number of the currency of the costs (978 EUR, 840 USD; default
		/// 999, "no currency": the chain's own unit).
		#[arg(long, default_value_t = 999)]
		currency: u16,
	},
	/// Dispute the latest bill, with a reason (the KGC may answer with a superseding bill).
	Dispute {
		#[command(flatten)]
		owner: OwnerKey,
		#[arg(long)]
		reason: String,
		/// The version disputed: refused unless it is the latest (default: the latest).
		#[arg(long)]
		version: Option<u32>,
	},
}

/// What `owner export` can write.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
	/// Green Button: a NAESB REQ.21 ESPI 4.0 Atom feed.
	Espi,
	/// The verified report's lines, as JSON.
	Json,
}

/// What `owner export` did: the file written (none if the bill does not verify).
#[derive(Serialize)]
struct Exported {
	written: Option<String>,
	verification: Verification,
}

impl std::fmt::Display for Exported {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let v = &self.verification;
		match &self.written {
			Some(path) => writeln!(
				f,
				"meter {} cycle {}: bill v{} verified and written to {path}",
				v.meter, v.cycle, v.version
			),
			None => {
				writeln!(
					f,
					"meter {} cycle {}: bill v{} does not verify; nothing written",
					v.meter, v.cycle, v.version
				)?;
				v.problem_lines(f)
			},
		}
	}
}

/// Exit status 2 if nothing was written.
impl Output for Exported {
	fn verdict(&self) -> Verdict {
		Verdict::done_if(self.written.is_some())
	}
}

/// What `owner ack` did: the version acknowledged (none if the bill does not verify).
#[derive(Serialize)]
struct Acknowledged {
	acknowledged: Option<u32>,
	verification: Verification,
}

impl std::fmt::Display for Acknowledged {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let v = &self.verification;
		match self.acknowledged {
			Some(version) => writeln!(
				f,
				"meter {} cycle {}: bill v{version} verified and acknowledged",
				v.meter, v.cycle
			),
			None => {
				writeln!(
					f,
					"meter {} cycle {}: bill v{} does not verify; nothing acknowledged (dispute \
					 it with `owner dispute`)",
					v.meter, v.cycle, v.version
				)?;
				v.problem_lines(f)
			},
		}
	}
}

/// Exit status 2 if nothing was acknowledged.
impl Output for Acknowledged {
	fn verdict(&self) -> Verdict {
		Verdict::done_if(self.acknowledged.is_some())
	}
}

pub async fn run(ctx: &Context, command: OwnerCommand) -> Result<ExitCode> {
	match command {
		OwnerCommand::Bill { owner, out } => {
			let chain = ctx.chain().await?;
			let v = bill::verify(
				&chain,
				&owner.load()?,
				&ctx.content,
				owner.cycle,
				Some(&owner.page(out)),
			)
			.await?;
			ctx.emit(&v)
		},
		OwnerCommand::Ack { owner, version, out } => {
			let chain = ctx.chain().await?;
			let file = owner.load()?;
			let v = bill::verify(&chain, &file, &ctx.content, owner.cycle, Some(&owner.page(out)))
				.await?;
			if let Some(asked) = version.filter(|asked| *asked != v.version) {
				bail!(
					"meter {} cycle {}: version {asked} is not the latest bill (v{} is): nothing \
					 acknowledged",
					owner.meter,
					owner.cycle,
					v.version
				);
			}
			let acknowledged = if v.verified() {
				let answer = bill::Answer::Acknowledge(v.version);
				Some(bill::answer(&chain, &file, owner.cycle, answer).await?)
			} else {
				None
			};
			ctx.emit(&Acknowledged { acknowledged, verification: v })
		},
		OwnerCommand::Export { owner, format, out, currency } => {
			let chain = ctx.chain().await?;
			let v = bill::verify(&chain, &owner.load()?, &ctx.content, owner.cycle, None).await?;
			let written = match &v.report {
				Some(report) => {
					let bytes = match format {
						ExportFormat::Espi => {
							let time = chain.time().await?;
							let period_ms = time.started()?.period_ms;
							espi::feed(report, period_ms, currency, time.now_ms).into_bytes()
						},
						ExportFormat::Json => serde_json::to_vec_pretty(&report.lines)?,
					};
					store::write_private(&out, &bytes)?;
					Some(out.display().to_string())
				},
				None => None,
			};
			ctx.emit(&Exported { written, verification: v })
		},
		OwnerCommand::Dispute { owner, reason, version } => {
			let chain = ctx.chain().await?;
			let version = match version {
				Some(v) => v,
				None => bill::latest_version(&chain, owner.meter, owner.cycle).await?,
			};
			let answer = bill::Answer::Dispute { version, reason };
			let version = bill::answer(&chain, &owner.load()?, owner.cycle, answer).await?;
			ctx.emit(&Said::new(
				serde_json::json!({ "disputed": version }),
				format!("meter {} cycle {}: bill v{version} disputed", owner.meter, owner.cycle),
			))
		},
	}
}
