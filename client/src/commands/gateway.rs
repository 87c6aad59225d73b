//! `gridmask gateway`: the chain's prices (OpenADR 3), metering data (JSON) and owners'
//! verified bills (Green Button) over HTTP.

use super::Context;
use anyhow::Result;
use clap::Args;
use gridmask_client::gateway::{self, auth::Auth, Gateway};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

#[derive(Args)]
pub struct GatewayArgs {
	/// Address to listen on (port 0: any free port; the address is printed once listening).
	#[arg(long, default_value = "127.0.0.1:8081")]
	listen: SocketAddr,
	/// The OAuth2 clients (JSON: `{"clients": [{"client_id", "client_secret", "scopes",
	/// "bill_key"}]}`; scopes `read_all`, `write_subscriptions`, and `read_bills` for an
	/// owner's client, with the path of their bill key from `gridmask owner bill-key`).
	/// Without clients only the portal and the reports it reads are served.
	#[arg(long)]
	clients: Option<PathBuf>,
	/// Currency code of the prices (ISO 4217 where the chain's currency has one).
	#[arg(long, default_value = gridmask_primitives::currency::SYMBOL)]
	currency: String,
	/// The ISO 4217 number of the currency of Green Button costs (978 EUR, 840 USD; default
	/// 999, "no currency": the chain's own unit).
	#[arg(long, default_value_t = 999)]
	espi_currency: u16,
	/// The owner's portal to serve under `/portal/` (the site `scripts/portal.sh` builds;
	/// default `$GRIDMASK_PORTAL_DIR/site`, else `~/.cache/gridmask/portal/site`, if built).
	#[arg(long)]
	portal: Option<PathBuf>,
	/// The node the portal's page reads (WebSocket; default the first `--url`). The page may
	/// connect to it and to every `--url`, nothing else.
	#[arg(long)]
	portal_node: Option<String>,
	/// An IPFS HTTP gateway the portal's page fetches reports from (`GET
	/// <url>/ipfs/<cid>?format=raw`) instead of this gateway's `/content/{cid}`; the page may
	/// connect to it.
	#[arg(long)]
	portal_ipfs_gateway: Option<String>,
}

/// The portal's site directory: `--portal`, else the default build's if it exists.
fn portal_dir(given: Option<PathBuf>) -> Option<PathBuf> {
	if given.is_some() {
		return given;
	}
	let base = match std::env::var_os("GRIDMASK_PORTAL_DIR") {
		Some(d) => PathBuf::from(d),
		None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/gridmask/portal"),
	};
	Some(base.join("site")).filter(|d| d.join("index.html").is_file())
}

pub async fn run(ctx: &Context, args: GatewayArgs) -> Result<ExitCode> {
	let auth = match &args.clients {
		Some(path) => Auth::load(path)?,
		None => Auth::none(),
	};
	let portal = match portal_dir(args.portal) {
		Some(dir) => {
			let mut nodes = ctx.urls.clone();
			let node = args.portal_node.unwrap_or_else(|| nodes[0].clone());
			if !nodes.contains(&node) {
				nodes.push(node.clone());
			}
			let ipfs = args.portal_ipfs_gateway.as_deref();
			Some(gateway::portal::Portal::load(&dir, &node, &nodes, ipfs)?)
		},
		None => None,
	};
	let gateway = Gateway::new(gateway::Config {
		urls: ctx.urls.clone(),
		auth,
		currency: args.currency,
		content: ctx.content.clone(),
		espi_currency: args.espi_currency,
		portal,
	});
	gateway::serve(gateway, args.listen, |addr| {
		// One line on stdout, for scripts that start it on port 0.
		println!("gateway listening on http://{addr}{}", gateway::OPENADR_BASE);
	})
	.await?;
	Ok(ExitCode::SUCCESS)
}
