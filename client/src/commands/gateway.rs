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
	#[arg(long)]
	clients: PathBuf,
	/// Currency code of the prices (ISO 4217 where the chain's currency has one).
	#[arg(long, default_value = gridmask_primitives::currency::SYMBOL)]
	currency: String,
	/// The ISO 4217 number of the currency of Green Button costs (978 EUR, 840 USD; default
	/// 999, "no currency": the chain's own unit).
	#[arg(long, default_value_t = 999)]
	espi_currency: u16,
}

pub async fn run(ctx: &Context, args: GatewayArgs) -> Result<ExitCode> {
	let auth = Auth::load(&args.clients)?;
	let gateway = Gateway::new(gateway::Config {
		urls: ctx.urls.clone(),
		auth,
		currency: args.currency,
		content: ctx.content.clone(),
		espi_currency: args.espi_currency,
	});
	gateway::serve(gateway, args.listen, |addr| {
		// One line on stdout, for scripts that start it on port 0.
		println!("gateway listening on http://{addr}{}", gateway::OPENADR_BASE);
	})
	.await?;
	Ok(ExitCode::SUCCESS)
}
