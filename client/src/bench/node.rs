//! A fresh node for a benchmark (a dev node, or one of a local network): its own base path and free loopback ports, its log in a
//! file, its CPU time read from `/proc`, stopped (SIGINT, then SIGKILL) when dropped.

use anyhow::{bail, Context, Result};
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::Duration,
};

use crate::chain::Chain;

/// A running node started by this process.
pub struct DevNode {
	child: Child,
	/// Its WebSocket RPC endpoint.
	pub url: String,
	/// Its peer-to-peer listen address (without the peer id).
	pub p2p: String,
	/// Its log file.
	pub log: PathBuf,
}

/// The pool size the benchmark's node gets unless `extra` sets one: [`POOL_LIMIT`].
fn pool_limit(extra: &[String]) -> Vec<String> {
	if extra.iter().any(|a| a.starts_with("--pool-limit")) {
		return Vec::new();
	}
	vec!["--pool-limit".into(), POOL_LIMIT.to_string()]
}

/// Transactions the node's pool holds (`--pool-limit`; Substrate's default is 8,192). The pool
/// keeps each transaction until it is *finalized*, so with thousands of items per block and
/// finality two or three blocks behind, the default leaves too little room to keep blocks full:
/// the pool answers "immediately dropped" and every resubmission costs a full validation. The
/// dev and testnet scripts start aggregators with the same figure (a whole reading window).
pub const POOL_LIMIT: usize = 32_768;

/// Loopback ports for the benchmark's nodes come from below the kernel's ephemeral range
/// (32,768 and up on Linux): a port from `bind(:0)`, closed and handed to the node, can be taken
/// in between by any outgoing connection or another process's `bind(:0)`, and the node then
/// quietly serves RPC on another port. Within this range only a listener can hold one, which
/// the check sees; the start is random so that concurrent benchmarks take different ports.
const PORTS: std::ops::Range<u16> = 10_000..32_000;

fn free_port() -> Result<u16> {
	use std::sync::{
		atomic::{AtomicU32, Ordering},
		OnceLock,
	};
	static START: OnceLock<u32> = OnceLock::new();
	static TAKEN: AtomicU32 = AtomicU32::new(0);
	let span = u32::from(PORTS.end - PORTS.start);
	let start = *START.get_or_init(|| {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.subsec_nanos())
			.unwrap_or(0);
		(std::process::id() ^ nanos) % span
	});
	for _ in 0..span {
		let k = TAKEN.fetch_add(1, Ordering::Relaxed);
		let port = PORTS.start + ((start + k) % span) as u16;
		if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
			return Ok(port);
		}
	}
	bail!("no free loopback port in {PORTS:?}")
}

impl DevNode {
	/// Starts `bin --dev` with its base path under `dir` and waits until it has produced a
	/// block and answers RPC. `extra` is passed on (e.g. pool settings).
	pub async fn start(bin: &Path, dir: &Path, extra: &[String]) -> Result<(Self, Chain)> {
		let node = Self::spawn(bin, dir, &["--dev".to_string()], extra)?;
		node.ready(Duration::from_secs(60)).await
	}

	/// Starts `bin` with `chain_args` (the chain, the node's role and keys) and `extra`, its
	/// base path under `dir`, on free loopback ports; does not wait for it.
	pub fn spawn(bin: &Path, dir: &Path, chain_args: &[String], extra: &[String]) -> Result<Self> {
		std::fs::create_dir_all(dir)?;
		let (rpc, p2p) = (free_port()?, free_port()?);
		let log = dir.join("node.log");
		let out = std::fs::File::create(&log)?;
		let child = Command::new(bin)
			.args(chain_args)
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.arg("--base-path")
			.arg(dir.join("base"))
			.args(["--rpc-port", &rpc.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
			.args(["--rpc-max-connections", "200"])
			.args(pool_limit(extra))
			.args(extra)
			.stdin(Stdio::null())
			.stdout(out.try_clone()?)
			.stderr(out)
			.spawn()
			.with_context(|| format!("starting {}", bin.display()))?;
		Ok(Self {
			child,
			url: format!("ws://127.0.0.1:{rpc}"),
			p2p: format!("/ip4/127.0.0.1/tcp/{p2p}"),
			log,
		})
	}

	/// Waits until the node answers RPC and its best block is past genesis.
	pub async fn ready(mut self, within: Duration) -> Result<(Self, Chain)> {
		let deadline = tokio::time::Instant::now() + within;
		loop {
			if let Some(status) = self.child.try_wait()? {
				bail!("the node exited ({status}); see {}", self.log.display());
			}
			if let Ok(chain) = Chain::connect(std::slice::from_ref(&self.url)).await {
				if chain.time().await.map(|t| t.block >= 1).unwrap_or(false) {
					return Ok((self, chain));
				}
			}
			if tokio::time::Instant::now() > deadline {
				bail!(
					"the node produced no block within {} s; see {}",
					within.as_secs(),
					self.log.display()
				);
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Stops the node at once (SIGKILL), as a crash would: what it held in memory is lost.
	pub fn kill(&mut self) -> Result<()> {
		self.child.kill()?;
		self.child.wait()?;
		Ok(())
	}

	/// The process's CPU time so far (user + system, all threads), in seconds.
	pub fn cpu_seconds(&self) -> Result<f64> {
		let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
			.context("reading the node's /proc/<pid>/stat")?;
		// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
		let rest = stat.rsplit_once(')').context("malformed /proc stat")?.1;
		let f: Vec<&str> = rest.split_whitespace().collect();
		let ticks: u64 = f.get(11).context("utime")?.parse::<u64>()?
			+ f.get(12).context("stime")?.parse::<u64>()?;
		Ok(ticks as f64 / clock_ticks() as f64)
	}
}

fn clock_ticks() -> u64 {
	std::process::Command::new("getconf")
		.arg("CLK_TCK")
		.output()
		.ok()
		.and_then(|o| String::from_utf8(o.stdout).ok())
		.and_then(|s| s.trim().parse().ok())
		.unwrap_or(100)
}

impl Drop for DevNode {
	fn drop(&mut self) {
		if let Ok(Some(_)) = self.child.try_wait() {
			return;
		}
		let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
		for _ in 0..100 {
			if let Ok(Some(_)) = self.child.try_wait() {
				return;
			}
			std::thread::sleep(Duration::from_millis(100));
		}
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}
