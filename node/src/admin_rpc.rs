//! The admin RPC endpoint: the node's *unsafe* methods, on a port of their own.
//!
//! The methods that reach a node's secrets — the keystore (`author_insertKey`,
//! `author_rotateKeys`, `author_hasKey`, …) and its off-chain storage
//! (`offchain_localStorageGet/Set/Clear`, where the KGC node keeps every meter's master secret)
//! — must never be reachable from a web page. Substrate's RPC server cannot promise that on
//! its main port: its CORS setting only decides which *response headers* it sends, a
//! browser's WebSocket is not subject to CORS at all, and `--dev` allows every origin. So
//! gridmask serves them here instead, and only here:
//!
//! - bound to `127.0.0.1` (never another interface: use an SSH tunnel to administer a remote
//!   node);
//! - every request carrying an `Origin` header is refused with `403` before it is read —
//!   browsers send one on every cross-origin request and on every WebSocket handshake, the
//!   operator's tools (`gridmask`, `curl`, the subxt and polkadot.js clients in Node.js) do
//!   not;
//! - only loopback `Host` names are accepted (no DNS rebinding);
//! - no CORS headers at all.
//!
//! The main RPC port serves the safe methods only ([`crate::command`] forces `--rpc-methods
//! safe` unless the operator asks for unsafe methods explicitly, and refuses that combined
//! with permissive CORS). The admin port is off unless `--admin-rpc-port` is given.

use std::{
	future::Future,
	net::{Ipv4Addr, SocketAddr},
	pin::Pin,
	sync::Arc,
	task::{Context, Poll},
};

use jsonrpsee::{
	server::{HttpBody, HttpRequest, HttpResponse, ServerHandle},
	RpcModule,
};
use sc_rpc_api::DenyUnsafe;

/// The admin endpoint's command-line option.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminRpcParams {
	/// Serve the unsafe RPC methods (keystore, off-chain storage) on this port of 127.0.0.1
	/// only, refusing any request a browser makes (any request with an `Origin` header). Off
	/// by default. The main RPC port (`--rpc-port`) never serves them unless
	/// `--rpc-methods unsafe` is given explicitly.
	#[arg(long, value_name = "PORT")]
	pub admin_rpc_port: Option<u16>,
}

/// What the refusal of a browser's request says.
pub const BROWSER_REFUSED: &str =
	"gridmask admin RPC: requests from web pages (with an Origin header) are refused\n";

/// Starts the admin endpoint on `127.0.0.1:port` with `methods`. Fails at once if the port
/// cannot be bound, so that a node never runs believing it has an admin port it has not.
pub fn start(
	port: u16,
	methods: RpcModule<()>,
	tokio: &tokio::runtime::Handle,
) -> Result<(ServerHandle, SocketAddr), Box<dyn std::error::Error + Send + Sync>> {
	let addr = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port);
	let listener = std::net::TcpListener::bind(addr)
		.map_err(|e| format!("cannot bind the admin RPC port {addr}: {e}"))?;
	listener.set_nonblocking(true)?;
	let local = listener.local_addr()?;
	let hosts = [
		format!("localhost:{}", local.port()),
		format!("127.0.0.1:{}", local.port()),
		format!("[::1]:{}", local.port()),
	];
	let middleware = tower::ServiceBuilder::new()
		.layer(jsonrpsee::server::middleware::http::HostFilterLayer::new(hosts)?)
		.layer(RefuseBrowsersLayer);
	let _guard = tokio.enter();
	let server = jsonrpsee::server::Server::builder()
		.set_http_middleware(middleware)
		.build_from_tcp(listener)?;
	let handle = server.start(methods);
	log::info!(target: "rpc", "admin RPC (unsafe methods, no browsers) on {local}");
	Ok((handle, local))
}

/// Refuses requests with an `Origin` header; marks the others as allowed to call unsafe
/// methods (the `DenyUnsafe` extension Substrate's RPC methods look for).
#[derive(Clone, Copy, Debug)]
pub struct RefuseBrowsersLayer;

impl<S> tower::Layer<S> for RefuseBrowsersLayer {
	type Service = RefuseBrowsers<S>;
	fn layer(&self, inner: S) -> Self::Service {
		RefuseBrowsers { inner }
	}
}

/// See [`RefuseBrowsersLayer`].
#[derive(Clone, Debug)]
pub struct RefuseBrowsers<S> {
	inner: S,
}

impl<S, B> tower::Service<HttpRequest<B>> for RefuseBrowsers<S>
where
	S: tower::Service<HttpRequest<B>, Response = HttpResponse>,
	S::Future: Send + 'static,
	S::Error: 'static,
{
	type Response = HttpResponse;
	type Error = S::Error;
	type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

	fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
		self.inner.poll_ready(cx)
	}

	fn call(&mut self, mut request: HttpRequest<B>) -> Self::Future {
		if request.headers().contains_key(http::header::ORIGIN) {
			log::debug!(target: "rpc", "admin RPC: refused a request with an Origin header");
			let refusal = http::Response::builder()
				.status(http::StatusCode::FORBIDDEN)
				.header(http::header::CONTENT_TYPE, "text/plain")
				.body(HttpBody::from(BROWSER_REFUSED))
				.expect("a static response is well formed; qed");
			return Box::pin(async move { Ok(refusal) });
		}
		request.extensions_mut().insert(DenyUnsafe::No);
		Box::pin(self.inner.call(request))
	}
}

/// The admin endpoint's methods: keystore and off-chain storage (the unsafe ones an operator
/// needs), `chain_*` so that a tool can check which chain it is talking to, and `system_*`
/// (the node's roles, peers).
pub fn methods<C, P, S>(
	client: Arc<C>,
	pool: Arc<P>,
	keystore: sp_keystore::KeystorePtr,
	offchain_storage: Option<S>,
	executor: sc_rpc::SubscriptionTaskExecutor,
	system: (
		sc_rpc::system::SystemInfo,
		sc_utils::mpsc::TracingUnboundedSender<
			sc_rpc::system::Request<gridmask_runtime::opaque::Block>,
		>,
	),
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: sp_api::ProvideRuntimeApi<gridmask_runtime::opaque::Block>
		+ sc_client_api::BlockchainEvents<gridmask_runtime::opaque::Block>
		+ sp_blockchain::HeaderBackend<gridmask_runtime::opaque::Block>
		+ sc_client_api::BlockBackend<gridmask_runtime::opaque::Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: sp_session::SessionKeys<gridmask_runtime::opaque::Block>,
	P: sc_transaction_pool_api::TransactionPool<Block = gridmask_runtime::opaque::Block> + 'static,
	P::Hash: Unpin,
	S: sp_core::offchain::OffchainStorage + 'static,
{
	use sc_rpc::{
		author::AuthorApiServer, chain::ChainApiServer, offchain::OffchainApiServer,
		system::SystemApiServer,
	};
	let mut module = RpcModule::new(());
	module.merge(sc_rpc::system::System::new(system.0, system.1).into_rpc())?;
	module.merge(
		sc_rpc::author::Author::new(client.clone(), pool, keystore, executor.clone()).into_rpc(),
	)?;
	module.merge(sc_rpc::chain::new_full(client, executor).into_rpc())?;
	if let Some(storage) = offchain_storage {
		module.merge(sc_rpc::offchain::Offchain::new(storage).into_rpc())?;
	}
	Ok(module)
}
