//! The node connection: the subxt interface generated from `metadata/gridmask.scale` (crate
//! `gridmask-chain-api`), endpoint failover, signed (KGC/CC/owner) transactions, authorized
//! reading transactions, and errors decoded into names.

use anyhow::{anyhow, bail, Context, Result};
use gridmask_primitives::{
	time::TimeParams, ChannelKind, PeriodIndex, Prid, RegionId, SignedReading,
};
use std::time::Duration;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	error::{DispatchError, TransactionEventsError},
	rpcs::RpcClient,
	transactions::{Payload, TransactionInvalid, TransactionStatus, ValidationResult},
	utils::{AccountId32, MultiSignature, Static, H256},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;

/// The chain's interface, generated from the committed metadata (crate `gridmask-chain-api`).
pub use gridmask_chain_api::runtime;

pub use runtime::runtime_types;

/// A reading transaction, ready to submit.
pub type ReadingTx = subxt::transactions::SubmittableTransaction<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// A connected client. Every `at_*` read is against the latest finalized block unless said.
#[derive(Clone)]
pub struct Chain {
	/// The subxt client.
	pub api: OnlineClient<SubstrateConfig>,
	/// The raw JSON-RPC connection under it (for node-local methods: keystore, off-chain
	/// storage).
	pub rpc: RpcClient,
	/// The endpoint in use.
	pub url: String,
}

/// A node's admin RPC endpoint (`gridmask-node --admin-rpc-port`): its unsafe methods
/// (keystore, off-chain storage) and `chain_*`/`system_*`, on loopback only. Requests from
/// web pages are refused there; this client sends none.
pub struct Admin {
	/// The raw JSON-RPC connection.
	pub rpc: RpcClient,
	/// The endpoint.
	pub url: String,
}

impl Admin {
	/// Connects to the admin endpoint `url`.
	pub async fn connect(url: &str) -> Result<Self> {
		let rpc = RpcClient::from_insecure_url(url).await.with_context(|| {
			format!(
				"cannot reach the KGC node's admin RPC endpoint {url}: start the node with \
				 --admin-rpc-port (scripts/dev.sh serves it on 9933) and pass --kgc-admin"
			)
		})?;
		Ok(Self { rpc, url: url.to_string() })
	}

	/// Whether the node's keystore holds `public` (`0x…`) as `key_type`.
	pub async fn has_key(
		&self,
		public: &str,
		key_type: &str,
	) -> std::result::Result<bool, subxt::rpcs::Error> {
		self.rpc.request("author_hasKey", subxt::rpcs::rpc_params![public, key_type]).await
	}

	/// The genesis hash of the node's chain.
	pub async fn genesis(&self) -> Result<H256> {
		self.rpc
			.request("chain_getBlockHash", subxt::rpcs::rpc_params![0u32])
			.await
			.with_context(|| format!("{}: chain_getBlockHash", self.url))
	}
}

impl Chain {
	/// Connects to the first endpoint of `urls` that answers, in order.
	pub async fn connect(urls: &[String]) -> Result<Self> {
		let mut errors = Vec::new();
		for url in urls {
			let rpc = match RpcClient::from_insecure_url(url.as_str()).await {
				Ok(rpc) => rpc,
				Err(e) => {
					errors.push(format!("{url}: {e}"));
					continue;
				},
			};
			match OnlineClient::<SubstrateConfig>::from_rpc_client(rpc.clone()).await {
				Ok(api) => return Ok(Self { api, rpc, url: url.clone() }),
				Err(e) => errors.push(format!("{url}: {e}")),
			}
		}
		bail!("no node endpoint answered:\n  {}", errors.join("\n  "))
	}

	/// The genesis hash (what readings and bills are bound to).
	pub fn genesis(&self) -> H256 {
		self.api.genesis_hash()
	}

	/// A runtime constant (from the metadata of the finalized block).
	pub async fn constant<Addr: subxt::constants::Address>(
		&self,
		addr: Addr,
	) -> Result<Addr::Target> {
		Ok(self.api.at_current_block().await?.constants().entry(addr)?)
	}

	/// The readings clock and the chain time, at the *finalized* block (subxt's current block):
	/// a finalized time past a window's close means the window's blocks are final.
	pub async fn time(&self) -> Result<ChainTime> {
		let at = self.api.at_current_block().await?;
		let info = at.runtime_apis().call(runtime::runtime_apis().readings_api().time()).await?;
		let params = info.params.map(|p| p.0);
		Ok(ChainTime { params, now_ms: info.now_ms, block: at.block_number() })
	}

	/// Signs `call` with `signer`, submits it and waits until it is finalized and succeeded.
	/// A dispatch error comes back as `Pallet::Error: doc`. A nonce taken meanwhile by another
	/// sender of the same account (the KGC node's off-chain worker signs as the KGC) is retried
	/// with a fresh nonce.
	pub async fn sign_and_finalize<Call: Payload>(
		&self,
		call: &Call,
		signer: &Keypair,
	) -> Result<Events> {
		let call = self.encode(std::slice::from_ref(call)).await?.remove(0);
		self.sign_and_finalize_encoded(&call, signer).await
	}

	/// Like [`Self::sign_and_finalize`] for many calls of one signer, pipelined: up to
	/// [`PIPELINE`] transactions are in the pool at once, with consecutive nonces from the
	/// node's `system_accountNextIndex` (which counts the pool), instead of one per
	/// finalization. `done` is called after each finalized call. Stops at the first failure.
	pub async fn sign_and_finalize_all<Call: Payload>(
		&self,
		calls: &[Call],
		signer: &Keypair,
		mut done: impl FnMut(),
	) -> Result<Vec<Events>> {
		let encoded = self.encode(calls).await?;
		self.sign_and_finalize_all_encoded(&encoded, signer, &mut done).await
	}

	/// `calls` encoded against the node's metadata (read once), each checked against the
	/// generated interface's hash of it (as subxt does before signing).
	async fn encode<Call: Payload>(&self, calls: &[Call]) -> Result<Vec<EncodedCall>> {
		let at = self.api.at_current_block().await?;
		let tx = at.tx();
		let mut out = Vec::with_capacity(calls.len());
		for call in calls {
			tx.validate(call).with_context(|| {
				format!(
					"{}::{} does not match the node's runtime",
					call.pallet_name(),
					call.call_name()
				)
			})?;
			let data = tx.call_data(call)?;
			// The call data is the pallet's and the call's index, then the fields.
			out.push(subxt::transactions::StaticPayload::new(
				call.pallet_name(),
				call.call_name(),
				EncodedFields(data[2..].to_vec()),
			));
		}
		Ok(out)
	}

	async fn sign_and_finalize_encoded(
		&self,
		call: &EncodedCall,
		signer: &Keypair,
	) -> Result<Events> {
		let mut attempt = 0;
		loop {
			let mut nonce = None;
			let progress = self.submit(call, signer, &mut nonce).await?;
			match finalized(progress).await {
				Err(e) if attempt < NONCE_RETRIES && is_nonce_clash(&e) => {
					attempt += 1;
				},
				other => return other,
			}
		}
	}

	async fn sign_and_finalize_all_encoded(
		&self,
		calls: &[EncodedCall],
		signer: &Keypair,
		done: &mut dyn FnMut(),
	) -> Result<Vec<Events>> {
		let mut out = Vec::with_capacity(calls.len());
		for window in calls.chunks(PIPELINE) {
			let mut nonce = None;
			let mut watching = Vec::with_capacity(window.len());
			for call in window {
				watching.push(self.submit(call, signer, &mut nonce).await?);
			}
			let results = futures::future::join_all(watching.into_iter().map(finalized)).await;
			for (k, (result, call)) in results.into_iter().zip(window).enumerate() {
				let n = out.len() + k + 1;
				let events = match result {
					Err(e) if is_nonce_clash(&e) => {
						self.sign_and_finalize_encoded(call, signer).await
					},
					other => other,
				};
				out.push(events.with_context(|| format!("transaction {n} of {}", calls.len()))?);
				done();
			}
		}
		Ok(out)
	}

	/// Submits `call` with nonce `*nonce` (or the node's next one for the signer, counting its
	/// pool), mortal for 64 blocks; advances `*nonce`. Retries with a fresh nonce if another
	/// sender took it.
	async fn submit(
		&self,
		call: &EncodedCall,
		signer: &Keypair,
		nonce: &mut Option<u64>,
	) -> Result<Progress> {
		let mut attempt = 0;
		loop {
			let n = match *nonce {
				Some(n) => n,
				None => self
					.rpc
					.request(
						"system_accountNextIndex",
						subxt::rpcs::rpc_params![account_of(signer).to_string()],
					)
					.await
					.context("reading the signer's next nonce")?,
			};
			let params =
				DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().mortal(64).nonce(n).build();
			let at = self.api.at_current_block().await?;
			match at.tx().sign_and_submit_then_watch(call, signer, params).await {
				Ok(progress) => {
					*nonce = Some(n + 1);
					return Ok(progress);
				},
				Err(e) => match PoolAnswer::of_submission(&e) {
					PoolAnswer::NonceClash if attempt < NONCE_RETRIES => {
						attempt += 1;
						*nonce = None;
						tokio::time::sleep(Duration::from_millis(500)).await;
					},
					answer => bail!("submission refused: {}", answer.explain(&e.to_string())),
				},
			}
		}
	}

	/// The shares stored at `(region, period, prid)` (`None` where there is none), at the
	/// finalized block.
	pub async fn shares(
		&self,
		queries: &[(RegionId, PeriodIndex, Prid)],
	) -> Result<Vec<Option<runtime_types::pallet_readings::types::Share>>> {
		Self::shares_at(&self.api.at_current_block().await?, queries).await
	}

	/// The shares stored under `queries` at `at` (paged: the API takes at most
	/// `MAX_API_ITEMS` per call).
	pub(crate) async fn shares_at(
		at: &AtBlock,
		queries: &[(RegionId, PeriodIndex, Prid)],
	) -> Result<Vec<Option<runtime_types::pallet_readings::types::Share>>> {
		let mut out = Vec::with_capacity(queries.len());
		for page in queries.chunks(pallet_readings::MAX_API_ITEMS as usize) {
			let q = runtime_types::bounded_collections::bounded_vec::BoundedVec(
				page.iter().map(|(r, p, prid)| (*r, *p, Static(*prid))).collect(),
			);
			out.extend(
				at.runtime_apis().call(runtime::runtime_apis().readings_api().shares(q)).await?,
			);
		}
		Ok(out)
	}

	/// Every tariff version of `region`, oldest first, at `at` (paged: the API returns at
	/// most `MAX_API_TARIFFS` per call).
	pub async fn tariffs_at(
		at: &AtBlock,
		region: RegionId,
	) -> Result<Vec<(u32, runtime_types::pallet_pricing::types::TariffRecord)>> {
		let page = pallet_pricing::MAX_API_TARIFFS;
		let mut all = Vec::new();
		loop {
			let from = all.len() as u32 + 1;
			let got = at
				.runtime_apis()
				.call(runtime::runtime_apis().pricing_api().tariffs(region, from, page))
				.await?;
			let done = (got.len() as u32) < page;
			all.extend(got);
			if done {
				return Ok(all);
			}
		}
	}

	/// The price records of `region` for periods `first..=last` at `at` (paged: the API
	/// covers at most `MAX_API_PERIODS` periods per call).
	pub async fn price_series_at(
		at: &AtBlock,
		region: RegionId,
		first: PeriodIndex,
		last: PeriodIndex,
	) -> Result<Vec<(PeriodIndex, runtime_types::pallet_pricing::types::PriceRecord)>> {
		let mut out = Vec::new();
		let mut from = first;
		while from <= last {
			let to = last.min(from.saturating_add(pallet_pricing::MAX_API_PERIODS - 1));
			out.extend(
				at.runtime_apis()
					.call(runtime::runtime_apis().pricing_api().price_series(region, from, to))
					.await?,
			);
			match to.checked_add(1) {
				Some(next) => from = next,
				None => break,
			}
		}
		Ok(out)
	}

	/// The client of the node's best block (subxt's own current block is the finalized one).
	pub(crate) async fn at_best(&self) -> Result<AtBlock> {
		let hash: subxt::utils::H256 =
			self.rpc.request("chain_getBlockHash", subxt::rpcs::rpc_params![]).await?;
		Ok(self.api.at_block(hash).await?)
	}

	/// Sends readings to the node's collector (`gridmask_submitReadings`, at most 1,024 per
	/// call): one answer per reading, `"Accepted"` or the name of the refusal (a
	/// `ReadingRejection`'s, or the collector's own `QueueFull`, `WindowFull`, `Malformed`,
	/// `NotCollecting`).
	pub async fn collect(&self, readings: &[SignedReading]) -> Result<Vec<String>> {
		use codec::Encode;
		let batch: Vec<String> =
			readings.iter().map(|r| format!("0x{}", hex::encode(r.encode()))).collect();
		let answers: Vec<String> = self
			.rpc
			.request("gridmask_submitReadings", subxt::rpcs::rpc_params![batch])
			.await
			.with_context(|| format!("{}: gridmask_submitReadings", self.url))?;
		if answers.len() != readings.len() {
			bail!("{}: {} answers to {} readings", self.url, answers.len(), readings.len());
		}
		Ok(answers)
	}

	/// Builds the general (unsigned, authorized) transaction of one reading: extension
	/// format v5, no signature, immortal, nonce 0, no tip — the meter has no account.
	pub async fn reading_tx(&self, r: &SignedReading) -> Result<ReadingTx> {
		reading_tx_at(&self.api.at_current_block().await?, r)
	}

	/// Asks the runtime why reading `r` is invalid (a dry-run validation at the node's *best*
	/// block, which is what its pool validates against), since an RPC error carries at most a
	/// bare code. `None`: no structured answer (the node did not answer, or finds the
	/// transaction valid now).
	pub async fn why_invalid(&self, r: &SignedReading) -> Option<ReadingError> {
		let tx = reading_tx_at(&self.at_best().await.ok()?, r).ok()?;
		match tx.validate().await {
			Ok(ValidationResult::Invalid(TransactionInvalid::Custom(code))) => {
				Some(match pallet_readings::ReadingRejection::try_from(code) {
					Ok(r) => ReadingError::Rejected(r),
					Err(code) => ReadingError::Other(anyhow!("rejected with unknown code {code}")),
				})
			},
			Ok(ValidationResult::Invalid(other)) => {
				Some(ReadingError::Other(anyhow!("invalid transaction: {other:?}")))
			},
			_ => None,
		}
	}
}

/// The client of one block (what transactions are built against).
pub type AtBlock = subxt::client::ClientAtBlock<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// [`Chain::reading_tx`] against a given block's client, without RPC (for many readings).
pub fn reading_tx_at(at: &AtBlock, r: &SignedReading) -> Result<ReadingTx> {
	let call = runtime::tx().readings().submit_reading(
		r.payload.region,
		r.payload.period,
		Static(r.payload.prid),
		runtime_types::bounded_collections::bounded_vec::BoundedVec(r.payload.masked.to_vec()),
		r.payload.timestamp_ms,
		Static(r.signature),
	);
	let params =
		DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().immortal().nonce(0).build();
	// No `VerifySignature` extension exists in the runtime, so the account and signature
	// given here are never encoded: the result is a bare-preamble general transaction.
	let tx = at.tx().create_v5_signable_offline(&call, params)?.sign_with_account_and_signature(
		&AccountId32([0; 32]),
		&MultiSignature::Sr25519([0; 64]),
	)?;
	Ok(tx)
}

/// The number of a header as the node's JSON-RPC gives it (`chain_subscribeNewHeads` and the
/// like: hex with `0x`).
pub fn header_number(header: &serde_json::Value) -> Result<u64> {
	let s = header["number"].as_str().context("a header without a number")?;
	Ok(u64::from_str_radix(s.trim_start_matches("0x"), 16)?)
}

/// Where the readings pallet's two reading calls sit in the runtime's call enum: what a block
/// body is scanned for, without decoding every extrinsic against the metadata.
#[derive(Clone, Copy, Debug)]
pub struct ReadingCalls {
	pallet: u8,
	reading: u8,
	bundle: u8,
}

impl ReadingCalls {
	/// The indices of `Readings::submit_reading` and `Readings::submit_bundle` in the
	/// finalized block's metadata.
	pub async fn of(chain: &Chain) -> Result<Self> {
		let metadata = chain.api.at_current_block().await?.metadata();
		let pallet = metadata.pallet_by_name("Readings").context("no Readings pallet")?;
		let index = |name: &str| {
			pallet
				.call_variant_by_name(name)
				.map(|c| c.index)
				.with_context(|| format!("no {name} call"))
		};
		Ok(Self {
			pallet: pallet.call_index(),
			reading: index("submit_reading")?,
			bundle: index("submit_bundle")?,
		})
	}

	/// The call of `raw` if it is an authorized general transaction (version 5, extension
	/// version 0, immortal, nonce 0, tip 0: the only form the runtime takes for readings and
	/// bundles) of the readings pallet: its call index and its arguments.
	fn authorized_call<'a>(&self, raw: &'a [u8]) -> Option<(u8, &'a [u8])> {
		use codec::{Compact, Decode};
		let input = &mut &raw[..];
		let _length = Compact::<u32>::decode(input).ok()?;
		let header = <[u8; 7]>::decode(input).ok()?;
		match header {
			[0x45, 0, 0, 0, 0, pallet, call] if pallet == self.pallet => Some((call, *input)),
			_ => None,
		}
	}

	/// The PRIDs of the shares in `raw` if it is a `submit_bundle` transaction.
	pub fn bundle_prids(&self, raw: &[u8]) -> Option<Vec<Prid>> {
		use codec::Decode;
		let (call, args) = self.authorized_call(raw)?;
		if call != self.bundle {
			return None;
		}
		let input = &mut &args[..];
		let _collector = <[u8; 32]>::decode(input).ok()?;
		let _seq = u64::decode(input).ok()?;
		type Group = (RegionId, PeriodIndex, Vec<gridmask_primitives::BundledShare>);
		let groups = Vec::<Group>::decode(input).ok()?;
		Some(groups.iter().flat_map(|(_, _, shares)| shares.iter().map(|s| s.prid)).collect())
	}

	/// The PRIDs of the shares `raw` carries: one for a `submit_reading` transaction, every
	/// share's for a `submit_bundle`, none for anything else.
	pub fn prids(&self, raw: &[u8]) -> Vec<Prid> {
		use codec::Decode;
		match self.authorized_call(raw) {
			Some((call, args)) if call == self.reading => {
				<(RegionId, PeriodIndex, Prid)>::decode(&mut &args[..])
					.map(|(_, _, prid)| vec![prid])
					.unwrap_or_default()
			},
			Some((call, _)) if call == self.bundle => self.bundle_prids(raw).unwrap_or_default(),
			_ => Vec::new(),
		}
	}
}

impl Chain {
	/// The raw extrinsics of block `number` of the node's best chain, and the block's hash.
	pub async fn best_chain_block(&self, number: u64) -> Result<(String, Vec<Vec<u8>>)> {
		use subxt::rpcs::rpc_params;
		let hash: String = self.rpc.request("chain_getBlockHash", rpc_params![number]).await?;
		let block: serde_json::Value =
			self.rpc.request("chain_getBlock", rpc_params![&hash]).await?;
		let xts = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
		let raw = xts
			.iter()
			.map(|x| hex::decode(x.as_str().unwrap_or("").trim_start_matches("0x")))
			.collect::<Result<_, _>>()
			.with_context(|| format!("{}: block {number} is not hex", self.url))?;
		Ok((hash, raw))
	}
}

/// Resubmissions after a nonce clash.
const NONCE_RETRIES: u32 = 3;

/// What a node's transaction pool answered to a submission. A refused submission carries the
/// author API's JSON-RPC error code (sc-rpc-api's `author` codes) and, for an invalid
/// transaction, the runtime's reason in the error's data (`Custom error: N` for our codes);
/// [`PoolAnswer::of_rpc`] reads those. A transaction that leaves the pool later is reported by
/// the watch stream with a message only ([`PoolAnswer::of_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolAnswer {
	/// Refused with one of the readings' codes.
	Rejected(pallet_readings::ReadingRejection),
	/// This very transaction is in the pool already, or banned for a while after the pool saw
	/// it: a copy is on its way.
	Known,
	/// Another transaction of the same account took the nonce (outdated, or a replacement of
	/// too low a priority).
	NonceClash,
	/// The pool is full: try again later.
	PoolFull,
	/// Anything else.
	Other,
}

/// The author API's error codes (sc-rpc-api `author::error`: base 1000).
mod author_code {
	pub const INVALID_TX: i32 = 1010;
	pub const TEMPORARILY_BANNED: i32 = 1012;
	pub const ALREADY_IMPORTED: i32 = 1013;
	pub const TOO_LOW_PRIORITY: i32 = 1014;
	pub const IMMEDIATELY_DROPPED: i32 = 1016;
}

impl PoolAnswer {
	/// Reads the author API's answer to a refused submission by its code.
	pub fn of_rpc(e: &subxt::rpcs::Error) -> Self {
		let subxt::rpcs::Error::User(u) = e else {
			return Self::Other;
		};
		let data = u.data.as_ref().and_then(|d| serde_json::from_str::<String>(d.get()).ok());
		match u.code {
			author_code::INVALID_TX => match data.as_deref().map(Self::invalid_reason) {
				Some(answer) => answer,
				None => Self::Other,
			},
			author_code::TEMPORARILY_BANNED | author_code::ALREADY_IMPORTED => Self::Known,
			author_code::TOO_LOW_PRIORITY => Self::NonceClash,
			author_code::IMMEDIATELY_DROPPED => Self::PoolFull,
			_ => Self::Other,
		}
	}

	/// Reads a submission subxt refused: by the RPC error's code where the node answered with
	/// one, else by its message.
	pub fn of_submission(e: &subxt::error::ExtrinsicError) -> Self {
		use subxt::error::{BackendError, ExtrinsicError, RpcError};
		match e {
			ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(
				RpcError::ClientError(rpc),
			)) => Self::of_rpc(rpc),
			other => Self::of_status(&other.to_string()),
		}
	}

	/// An invalid transaction's reason, as sp-runtime words it (`InvalidTransaction`'s fixed
	/// phrases) and `Custom error: N` for a pallet's code.
	fn invalid_reason(reason: &str) -> Self {
		let code = reason.strip_prefix("Custom error: ").and_then(|n| n.trim().parse::<u8>().ok());
		match code {
			Some(c) => pallet_readings::ReadingRejection::try_from(c)
				.map(Self::Rejected)
				.unwrap_or(Self::Other),
			None if reason == "Transaction is outdated" => Self::NonceClash,
			None => Self::Other,
		}
	}

	/// Reads a transaction status' message (the watch stream's `invalid` and `dropped` events,
	/// legacy or `transactionWatch_v1`, carry no code).
	pub fn of_status(message: &str) -> Self {
		let m = message.to_ascii_lowercase();
		let has = |phrases: &[&str]| phrases.iter().any(|p| m.contains(p));
		let custom = m.find("custom error: ").map(|at| &m[at + "custom error: ".len()..]);
		let code = custom.and_then(|c| c.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
		if let Some(r) = code.and_then(|c: u8| pallet_readings::ReadingRejection::try_from(c).ok())
		{
			return Self::Rejected(r);
		}
		if has(&["already imported", "temporarily banned"]) {
			Self::Known
		} else if has(&[
			"immediately dropped",
			"pool is full",
			"because of the limit",
			"too low priority",
		]) {
			Self::PoolFull
		} else if has(&[
			"outdated",
			"stale",
			"priority is too low",
			"priority of the transaction is too low",
		]) {
			Self::NonceClash
		} else {
			Self::Other
		}
	}

	/// `message`, with our rejection code named.
	pub fn explain(self, message: &str) -> String {
		match self {
			Self::Rejected(r) => format!("{message} = {}: {}", r.name(), r.description()),
			_ => message.to_string(),
		}
	}
}

/// A transaction the pool let go of before it was finalized.
#[derive(Debug)]
pub struct NotIncluded {
	/// The pool's answer.
	pub answer: PoolAnswer,
	/// The status' message.
	pub message: String,
}

impl std::fmt::Display for NotIncluded {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "transaction not included: {}", self.answer.explain(&self.message))
	}
}

impl std::error::Error for NotIncluded {}

/// Whether a transaction failed because another one of the same account took its nonce.
fn is_nonce_clash(e: &anyhow::Error) -> bool {
	e.downcast_ref::<NotIncluded>().is_some_and(|n| n.answer == PoolAnswer::NonceClash)
}

/// Transactions of one signer in the pool at once ([`Chain::sign_and_finalize_all`]).
pub const PIPELINE: usize = 64;

/// The events of a finalized transaction.
pub type Events = subxt::extrinsics::ExtrinsicEvents<SubstrateConfig>;

/// A call encoded against the node's metadata. Every signed submission goes through this one
/// type, so that subxt's signing, submission and watching code is compiled once for the
/// client rather than once for each kind of call.
type EncodedCall = subxt::transactions::StaticPayload<EncodedFields>;

/// A call's fields, already SCALE-encoded.
struct EncodedFields(Vec<u8>);

impl subxt::ext::scale_encode::EncodeAsFields for EncodedFields {
	fn encode_as_fields_to<R: subxt::ext::scale_type_resolver::TypeResolver>(
		&self,
		_fields: &mut dyn subxt::ext::scale_encode::FieldIter<'_, R::TypeId>,
		_types: &R,
		out: &mut Vec<u8>,
	) -> Result<(), subxt::ext::scale_encode::Error> {
		out.extend_from_slice(&self.0);
		Ok(())
	}
}

type Progress = subxt::transactions::TransactionProgress<
	SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
>;

/// Follows a submitted transaction until it is finalized and succeeded.
async fn finalized(mut progress: Progress) -> Result<Events> {
	while let Some(status) = futures::StreamExt::next(&mut progress).await {
		match status? {
			TransactionStatus::InFinalizedBlock(b) => {
				// Right after a finalization the node can still answer that it has no header
				// for the block (seen under load): ask again before giving up.
				for attempt in 1.. {
					match b.wait_for_success().await {
						Err(e)
							if attempt < 10
								&& e.to_string().contains("cannot find the block header") =>
						{
							tokio::time::sleep(std::time::Duration::from_millis(500)).await
						},
						r => return r.map_err(|e| anyhow!(explain_events(e))),
					}
				}
			},
			TransactionStatus::Invalid { message }
			| TransactionStatus::Dropped { message }
			| TransactionStatus::Error { message } => {
				return Err(NotIncluded { answer: PoolAnswer::of_status(&message), message }.into())
			},
			_ => {},
		}
	}
	bail!("the node stopped reporting on the transaction")
}

/// The chain's clock as seen by the client.
#[derive(Clone, Copy, Debug)]
pub struct ChainTime {
	/// The time parameters (`None`: the chain has no readings clock yet).
	pub params: Option<TimeParams>,
	/// The timestamp of the finalized block.
	pub now_ms: u64,
	/// The finalized block number.
	pub block: u64,
}

impl ChainTime {
	/// The time the next blocks will carry, as well as the client can tell: the later of the
	/// finalized timestamp (which lags by a finality round or two, and by however long the
	/// chain stalled) and this machine's clock. What must land in a future period is planned
	/// from this, so that a stalled or slow chain does not make the plan stale on arrival.
	pub fn next_blocks_ms(&self) -> u64 {
		self.now_ms.max(crate::meter::unix_ms())
	}

	/// The started clock, or an error saying it has not started.
	pub fn started(&self) -> Result<TimeParams> {
		match self.params {
			Some(p) if p.is_started() => Ok(p),
			_ => bail!("the chain's readings clock has not started (it starts at block 2)"),
		}
	}
}

/// Why a reading was not included.
#[derive(Debug)]
pub enum ReadingError {
	/// Authorization refused it.
	Rejected(pallet_readings::ReadingRejection),
	/// Anything else (connection, node).
	Other(anyhow::Error),
}

impl std::fmt::Display for ReadingError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Rejected(r) => write!(f, "rejected: {} ({})", r.name(), r.description()),
			Self::Other(e) => write!(f, "{e:#}"),
		}
	}
}

impl std::error::Error for ReadingError {}

fn explain_events(e: TransactionEventsError) -> String {
	match e {
		TransactionEventsError::ExtrinsicFailed(d) => explain_dispatch(&d),
		other => other.to_string(),
	}
}

/// Region `region` as registered at `at` (its aggregators, shape, counts, epoch); an error
/// naming it if it is not registered.
pub async fn region_at(
	at: &AtBlock,
	region: RegionId,
) -> Result<runtime_types::pallet_meters::types::Region<subxt::utils::AccountId32>> {
	Ok(at
		.storage()
		.try_fetch(runtime::storage().meters().regions(), (region,))
		.await?
		.with_context(|| format!("region {region} is not registered"))?
		.decode()?)
}

/// Every region registered at `at`, by id.
pub async fn regions_at(
	at: &AtBlock,
) -> Result<Vec<(RegionId, runtime_types::pallet_meters::types::Region<subxt::utils::AccountId32>)>>
{
	let mut regions = Vec::new();
	let mut iter = at.storage().entry(runtime::storage().meters().regions())?.iter(()).await?;
	while let Some(kv) = futures::StreamExt::next(&mut iter).await {
		let kv = kv?;
		let (id,) = kv.key()?.decode()?;
		regions.push((id, kv.value().decode()?));
	}
	regions.sort_by_key(|(id, _)| *id);
	Ok(regions)
}

/// A channel kind as the chain's metadata describes it, as the protocol's type.
pub fn channel_kind(k: &runtime_types::gridmask_primitives::channel::ChannelKind) -> ChannelKind {
	use runtime_types::gridmask_primitives::channel::ChannelKind as K;
	match k {
		K::ImportWh => ChannelKind::ImportWh,
		K::ExportWh => ChannelKind::ExportWh,
		K::MaxDemandW => ChannelKind::MaxDemandW,
		K::ReactiveVarh => ChannelKind::ReactiveVarh,
	}
}

/// A channel kind as the chain's metadata describes it.
pub fn chain_channel_kind(
	k: ChannelKind,
) -> runtime_types::gridmask_primitives::channel::ChannelKind {
	use runtime_types::gridmask_primitives::channel::ChannelKind as K;
	match k {
		ChannelKind::ImportWh => K::ImportWh,
		ChannelKind::ExportWh => K::ExportWh,
		ChannelKind::MaxDemandW => K::MaxDemandW,
		ChannelKind::ReactiveVarh => K::ReactiveVarh,
	}
}

/// `Pallet::Error: first doc line` for a module error, the error's text otherwise.
pub fn explain_dispatch(d: &DispatchError) -> String {
	if let DispatchError::Module(m) = d {
		if let Ok(details) = m.details() {
			let doc = details.variant.docs.first().map(|s| s.trim()).unwrap_or("");
			let name = format!("{}::{}", details.pallet.name(), details.variant.name);
			return if doc.is_empty() { name } else { format!("{name}: {doc}") };
		}
	}
	match d {
		DispatchError::BadOrigin => {
			"BadOrigin: the signing account does not hold the role this call needs".into()
		},
		other => other.to_string(),
	}
}

/// [`explain_dispatch`] of a `DispatchError` that arrived inside an event (e.g.
/// `billing.BillRefused`), decoded with the chain's metadata.
pub fn explain_event_dispatch(
	metadata: &subxt::metadata::Metadata,
	e: &runtime_types::sp_runtime::DispatchError,
) -> String {
	use runtime_types::sp_runtime::DispatchError as D;
	match e {
		D::Module(m) => {
			let Some(pallet) = metadata.pallet_by_error_index(m.index) else {
				return format!("{e:?}");
			};
			match pallet.error_variant_by_index(m.error[0]) {
				Some(v) => {
					let name = format!("{}::{}", pallet.name(), v.name);
					match v.docs.first().map(|d| d.trim()).filter(|d| !d.is_empty()) {
						Some(doc) => format!("{name}: {doc}"),
						None => name,
					}
				},
				None => format!("{e:?}"),
			}
		},
		D::BadOrigin => explain_dispatch(&DispatchError::BadOrigin),
		other => format!("{other:?}"),
	}
}

/// Parses a secret URI (`//Bob`, a mnemonic, `0x…` seed) into an sr25519 key pair.
pub fn keypair(suri: &str) -> Result<Keypair> {
	let uri: subxt_signer::SecretUri = suri.parse().context("bad secret URI")?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}

/// The SS58 form of an account.
pub fn account_of(k: &Keypair) -> AccountId32 {
	k.public_key().to_account_id()
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_readings::ReadingRejection;

	/// An extrinsic as the chain stores it: compact length, then `body`.
	fn extrinsic(body: &[u8]) -> Vec<u8> {
		use codec::{Compact, Encode};
		let mut raw = Compact(body.len() as u32).encode();
		raw.extend_from_slice(body);
		raw
	}

	#[test]
	fn readings_and_bundles_are_found_in_block_bodies() {
		use codec::Encode;
		use gridmask_primitives::{BundledShare, ReadingSignature};
		let calls = ReadingCalls { pallet: 9, reading: 0, bundle: 3 };
		let prid = |b: u8| Prid([b; 32]);
		// Authorized general transaction: version 5, extension version 0, immortal, nonce 0,
		// tip 0; then pallet and call.
		let authorized = |call: u8, args: Vec<u8>| {
			let mut body = vec![0x45, 0, 0, 0, 0, 9, call];
			body.extend(args);
			extrinsic(&body)
		};
		let reading =
			authorized(0, (7u32, 42u32, prid(1), vec![1234u64, 0], 5u64, [0u8; 64]).encode());
		assert_eq!(calls.prids(&reading), vec![prid(1)]);
		assert_eq!(calls.bundle_prids(&reading), None);

		let share = |b: u8| BundledShare {
			prid: prid(b),
			masked: gridmask_primitives::Values::truncate_from(vec![1, 0]),
			timestamp_ms: 2,
			signature: ReadingSignature([0; 64]),
		};
		let groups = vec![(7u32, 42u32, vec![share(2), share(3)]), (8u32, 42u32, vec![share(4)])];
		let bundle = authorized(3, ([0u8; 32], 5u64, groups, [0u8; 64]).encode());
		assert_eq!(calls.prids(&bundle), vec![prid(2), prid(3), prid(4)]);
		assert_eq!(calls.bundle_prids(&bundle).map(|p| p.len()), Some(3));

		// Another pallet's call, a mortal era, a signed transaction, garbage: nothing.
		let mut other = reading.clone();
		other[6] = 10;
		let mut mortal = reading.clone();
		mortal[3] = 1;
		let signed = extrinsic(&[0x84, 0, 1, 2, 3]);
		for raw in [other, mortal, signed, vec![], vec![0xff; 3]] {
			assert!(calls.prids(&raw).is_empty(), "{raw:?}");
		}
	}

	#[test]
	fn pool_answers_are_read_from_the_author_apis_codes() {
		let rpc = |code: i32, data: Option<&str>| {
			subxt::rpcs::Error::User(subxt::rpcs::UserError {
				code,
				message: "as the node words it".into(),
				data: data.map(|d| serde_json::value::to_raw_value(d).unwrap()),
			})
		};
		let cases = [
			(
				rpc(1010, Some("Custom error: 6")),
				PoolAnswer::Rejected(ReadingRejection::DuplicatePrid),
			),
			(rpc(1010, Some("Custom error: 200")), PoolAnswer::Other),
			(rpc(1010, Some("Transaction is outdated")), PoolAnswer::NonceClash),
			(rpc(1010, Some("Transaction has a bad signature")), PoolAnswer::Other),
			(rpc(1010, None), PoolAnswer::Other),
			(rpc(1012, None), PoolAnswer::Known),
			(rpc(1013, Some("0x00")), PoolAnswer::Known),
			(rpc(1014, Some("The transaction has too low priority")), PoolAnswer::NonceClash),
			(rpc(1016, Some("because of the limit")), PoolAnswer::PoolFull),
			// Not the author API's: whatever the text says.
			(rpc(-32000, Some("Custom error: 6")), PoolAnswer::Other),
			(subxt::rpcs::Error::Client("Custom error: 6".into()), PoolAnswer::Other),
		];
		for (error, answer) in cases {
			assert_eq!(PoolAnswer::of_rpc(&error), answer, "{error:?}");
		}
	}

	#[test]
	fn pool_answers_are_read_from_the_watch_streams_messages() {
		let cases = [
			(
				"Invalid Transaction: Custom error: 6",
				PoolAnswer::Rejected(ReadingRejection::DuplicatePrid),
			),
			("Transaction Already Imported", PoolAnswer::Known),
			("Transaction is temporarily banned", PoolAnswer::Known),
			(
				"Immediately Dropped: The transaction couldn't enter the pool because of the limit",
				PoolAnswer::PoolFull,
			),
			("Invalid Transaction: Transaction is outdated", PoolAnswer::NonceClash),
			("Priority is too low: (0 vs 0)", PoolAnswer::NonceClash),
			// The same answers as `transactionWatch_v1` (sc-rpc-spec-v2) words them.
			(
				"The priority of the transaction is too low (pool 9315 > current 9315)",
				PoolAnswer::NonceClash,
			),
			("The transaction could not enter the pool because of the limit", PoolAnswer::PoolFull),
			("Transaction is already imported", PoolAnswer::Known),
			("Invalid Transaction: Custom error: 200", PoolAnswer::Other),
			("connection reset", PoolAnswer::Other),
		];
		for (message, answer) in cases {
			assert_eq!(PoolAnswer::of_status(message), answer, "{message}");
		}
		assert!(PoolAnswer::of_status("Custom error: 3")
			.explain("Custom error: 3")
			.ends_with("WindowClosed: the reading window of this period has closed"));
	}
}
