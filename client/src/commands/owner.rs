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

/// Whose keys.
#[derive(Args)]
pub struct OwnerFileArgs {
	/// The owner's key file (default: <store>/owners/owner-<meter>.json).
	#[arg(long)]
	owner_file: Option<PathBuf>,
	/// The store holding demo owner files.
	#[arg(long, default_value = "gridmask-store")]
	store: PathBuf,
	/// The meter.
	#[arg(long)]
	meter: u64,
}

impl OwnerFileArgs {
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
}

/// Whose bill of which cycle.
#[derive(Args)]
pub struct OwnerKey {
	#[command(flatten)]
	file: OwnerFileArgs,
	/// The billing cycle.
	#[arg(long)]
	cycle: u32,
}

impl OwnerKey {
	fn load(&self) -> Result<OwnerFile> {
		self.file.load()
	}

	fn meter(&self) -> u64 {
		self.file.meter
	}

	/// `out`, or bill-<meter>-<cycle>.html.
	fn page(&self, out: Option<PathBuf>) -> PathBuf {
		out.unwrap_or_else(|| PathBuf::from(format!("bill-{}-{}.html", self.meter(), self.cycle)))
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
		#[arg(long, value_enum, default_value_t = espi::Format::Espi)]
		format: espi::Format,
		/// Where to write it.
		#[arg(long)]
		out: PathBuf,
		/// ESPI: the ISO 4217 number of the currency of the costs (978 EUR, 840 USD; default
		/// 999, "no currency": the chain's own unit).
		#[arg(long, default_value_t = 999)]
		currency: u16,
	},
	/// Write the owner's bill key: what opens and verifies their bills, without the account key
	/// that answers them. Give it to a gateway that serves the owner their Green Button files
	/// (`gridmask gateway --clients`, a client's `bill_key`): it can read the bills, never
	/// acknowledge or dispute one.
	BillKey {
		#[command(flatten)]
		owner: OwnerFileArgs,
		/// Where to write it (mode 0600).
		#[arg(long)]
		out: PathBuf,
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

/// What `owner export` did: the file written (none if the bill does not verify).
#[derive(Serialize)]
struct Exported {
	written: Option<String>,
	verification: Verification,
}

impl std::fmt::Display for Exported {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let done = self.written.as_ref().map(|path| format!("written to {path}"));
		self.verification.then(f, done.as_deref(), "nothing written")
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
		let done = self.acknowledged.map(|_| "acknowledged");
		let nothing = "nothing acknowledged (dispute it with `owner dispute`)";
		self.verification.then(f, done, nothing)
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
				&owner.load()?.bill_key(),
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
			let page = owner.page(out);
			let v = bill::verify(&chain, &file.bill_key(), &ctx.content, owner.cycle, Some(&page))
				.await?;
			if let Some(asked) = version.filter(|asked| *asked != v.version) {
				bail!(
					"meter {} cycle {}: version {asked} is not the latest bill (v{} is): nothing \
					 acknowledged",
					owner.meter(),
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
			let key = owner.load()?.bill_key();
			let v = bill::verify(&chain, &key, &ctx.content, owner.cycle, None).await?;
			let written = match &v.report {
				Some(report) => {
					store::write_private(
						&out,
						&espi::export(&chain, report, format, currency).await?,
					)?;
					Some(out.display().to_string())
				},
				None => None,
			};
			ctx.emit(&Exported { written, verification: v })
		},
		OwnerCommand::BillKey { owner, out } => {
			store::write_secret_json(&out, &owner.load()?.bill_key())?;
			ctx.emit(&Said::new(
				serde_json::json!({ "bill_key": out.display().to_string(), "meter": owner.meter }),
				format!("meter {}: bill key written to {}", owner.meter, out.display()),
			))
		},
		OwnerCommand::Dispute { owner, reason, version } => {
			let chain = ctx.chain().await?;
			let version = match version {
				Some(v) => v,
				None => bill::latest_version(&chain, owner.meter(), owner.cycle).await?,
			};
			let answer = bill::Answer::Dispute { version, reason };
			let version = bill::answer(&chain, &owner.load()?, owner.cycle, answer).await?;
			ctx.emit(&Said::new(
				serde_json::json!({ "disputed": version }),
				format!("meter {} cycle {}: bill v{version} disputed", owner.meter(), owner.cycle),
			))
		},
	}
}
