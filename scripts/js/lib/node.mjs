// Start and stop gridmask-node processes for tests: free loopback ports, logs to files,
// readiness by RPC, and clean shutdown; waits driven by the chain's heads.
//
// The tests run on the `test` (one aggregator) and `test-local` (four) chains: the dev and
// local chains' roles on the test time scale (2-second slots, 20-second periods, 15-second
// windows, 6-period cycles, 10-block sessions), so that every scenario takes minutes.

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { get as httpGet } from 'node:http';
import { mkdtempSync, openSync, writeFileSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');

/** The node binary: $GRIDMASK_NODE, else the release build in $CARGO_TARGET_DIR. */
export function nodeBinary() {
  if (process.env.GRIDMASK_NODE) return process.env.GRIDMASK_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/gridmask/target');
  return join(target, 'release/gridmask-node');
}

/**
 * The KGC secrets key of the nodes this process starts (`gridmask kgc new-secrets-key`
 * format, mode 0600): $GRIDMASK_KGC_SECRETS_KEY, else a new one made on first use and put
 * there, so that every `gridmask` run by this process or its children seals with it. (A
 * process that starts no node leaves the client its default, the one `scripts/dev.sh` uses.)
 */
export function secretsKeyFile() {
  if (process.env.GRIDMASK_KGC_SECRETS_KEY) return process.env.GRIDMASK_KGC_SECRETS_KEY;
  const file = join(mkdtempSync(join(tmpdir(), 'gridmask-kgc-key-')), 'kgc-secrets.key');
  writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  process.env.GRIDMASK_KGC_SECRETS_KEY = file;
  return file;
}

// Ports come from below the kernel's ephemeral range (32768 and up here), so that no outgoing
// connection and no other process's `listen(0)` takes one between our check and the node's bind:
// a port from `listen(0)`, closed and handed to a node, was once taken in that gap by another
// test's node, and the node's RPC silently moved to another port. The test runner gives each test
// its own slot of ports (GRIDMASK_PORT_SLOT); a test run alone takes a random one.
const PORTS_FROM = 10_000;
const PORTS_PER_SLOT = 2_000;
const SLOTS = 11; // 10_000 + 11 * 2_000 = 32_000, below the ephemeral range
const slot = Number(process.env.GRIDMASK_PORT_SLOT ?? Math.floor(Math.random() * SLOTS)) % SLOTS;
let nextPort = PORTS_FROM + slot * PORTS_PER_SLOT;

function canListen(port) {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** A TCP port on 127.0.0.1 that nobody listens on right now, from this test's slot. */
export async function freePort() {
  const end = PORTS_FROM + (slot + 1) * PORTS_PER_SLOT;
  while (nextPort < end) {
    const port = nextPort++;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port left in slot ${slot} (${end - PORTS_PER_SLOT}..${end})`);
}

/** The libp2p peer id of a node key (hex, 32 bytes) as the node computes it. */
export function peerIdOf(nodeKeyHex, workDir) {
  const file = join(workDir, `node-key-${nodeKeyHex.slice(-4)}`);
  writeFileSync(file, nodeKeyHex);
  return execFileSync(nodeBinary(), ['key', 'inspect-node-key', '--file', file]).toString().trim();
}

/** The chain of the single-aggregator tests, and of the four-aggregator ones. */
export const TEST_CHAIN = 'test';
export const TEST_LOCAL_CHAIN = 'test-local';

/**
 * Start a node. `opts`: { name, chain, key ('alice'...), nodeKey, bootnodes: [], extra: [] }.
 * Returns { name, proc, rpcPort, p2pPort, promPort, adminPort, log, ws, admin, stop() }: `ws`
 * serves the safe RPC methods, `admin` (the node's `--admin-rpc-port`, loopback, no browsers)
 * the unsafe ones (keystore, off-chain storage).
 */
export async function startNode(opts, workDir) {
  const [p2pPort, rpcPort, promPort, adminPort] =
    [await freePort(), await freePort(), await freePort(), await freePort()];
  const log = join(workDir, `${opts.name}.log`);
  const args = [
    '--chain', opts.chain,
    '--base-path', join(workDir, opts.name),
    '--name', opts.name,
    '--validator',
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--rpc-port', String(rpcPort),
    '--admin-rpc-port', String(adminPort),
    '--kgc-secrets-key-file', secretsKeyFile(),
    '--prometheus-port', String(promPort),
    '--no-mdns',
    '--no-telemetry',
    ...(opts.key ? [`--${opts.key}`] : []),
    ...(opts.nodeKey ? ['--node-key', opts.nodeKey] : []),
    ...(opts.bootnodes ?? []).flatMap((b) => ['--bootnodes', b]),
    ...(opts.extra ?? []),
  ];
  const node = {
    name: opts.name, proc: null, p2pPort, rpcPort, promPort, adminPort, log,
    ws: `ws://127.0.0.1:${rpcPort}`,
    admin: `ws://127.0.0.1:${adminPort}`,
    exited: null,
    async stop() {
      const proc = node.proc;
      if (node.exited) return;
      proc.kill('SIGINT');
      const done = await Promise.race([
        new Promise((r) => proc.once('exit', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 15_000)),
      ]);
      if (!done) proc.kill('SIGKILL');
    },
    /** Start the stopped node again: same data, keys and ports. */
    restart() {
      if (!node.exited) throw new Error(`${node.name} is running`);
      launch();
    },
  };
  const launch = () => {
    const fd = openSync(log, 'a');
    const proc = spawn(nodeBinary(), args, { stdio: ['ignore', fd, fd] });
    node.proc = proc;
    node.exited = null;
    proc.once('exit', (code, signal) => { node.exited = { code, signal }; });
  };
  launch();
  return node;
}

/** A JSON-RPC call on `url` (e.g. a node's `admin` endpoint) without polkadot.js's API. */
export async function rpcRaw(url, method, params = []) {
  const provider = new WsProvider(url);
  try {
    await provider.isReady;
    return await provider.send(method, params);
  } finally {
    await provider.disconnect();
  }
}

/** Connect polkadot.js to a node, retrying while it starts. */
/**
 * The node's Prometheus metrics (`/metrics` on its `--prometheus-port`): a Map from the sample's
 * name with its labels (`gridmask_periods_total{outcome="sealed"}`) to its value. The `chain`
 * label Substrate adds to every metric is left out, the others keep their order.
 */
export async function metrics(node) {
  const samples = new Map();
  for (const line of (await scrape(node)).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const [, name, labels = ''] = /^([^{\s]+)(?:\{(.*)\})?$/.exec(line.slice(0, at));
    const kept = labels.split(/,(?=[a-zA-Z_]+=")/).filter((l) => l && !l.startsWith('chain='));
    samples.set(kept.length ? `${name}{${kept.join(',')}}` : name, Number(line.slice(at + 1)));
  }
  return samples;
}

/**
 * The text of a node's `/metrics`, each time on a new connection: Node's `fetch` keeps
 * connections alive, and reusing one the node's Prometheus server has just closed fails with
 * ECONNRESET (seen in CI). Asked up to 3 times.
 */
async function scrape(node) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise((res, rej) => {
        const req = httpGet({ host: '127.0.0.1', port: node.promPort, path: '/metrics', agent: false }, (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (d) => { body += d; });
          r.on('end', () => (r.statusCode === 200 ? res(body) : rej(new Error(`/metrics of ${node.name}: HTTP ${r.statusCode}`))));
          r.on('error', rej);
        });
        req.on('error', rej);
        req.setTimeout(10_000, () => req.destroy(new Error(`/metrics of ${node.name}: no answer in 10 s`)));
      });
    } catch (e) {
      if (attempt >= 3 || /HTTP \d+/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function connect(node, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.exited) throw new Error(`${node.name} exited (${JSON.stringify(node.exited)}); see ${node.log}`);
    try {
      const provider = new WsProvider(node.ws, false);
      await provider.connect();
      await provider.isReadyOrError;
      return await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`cannot connect to ${node.name} at ${node.ws}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Resolve with the first truthy value of `predicate()`, checked now and again at every new
 * best block of `api` (the chain's state changes only with blocks); with no `api`, every 500 ms
 * (for predicates about processes, not chain state). Rejects after `timeoutMs`.
 */
export async function waitFor(what, predicate, timeoutMs, api = null) {
  const deadline = Date.now() + timeoutMs;
  let wake = null;
  let unsub = null;
  if (api) {
    unsub = await api.rpc.chain.subscribeNewHeads(() => wake?.());
  }
  try {
    for (;;) {
      const v = await predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      // A new head, or (for a head missed while the predicate ran) a slot at most.
      await new Promise((r) => {
        wake = r;
        setTimeout(r, Math.min(left, api ? 2_000 : 500));
      });
      wake = null;
    }
  } finally {
    unsub?.();
  }
}

/**
 * Follows a node's best and finalized heads (subscriptions, no polling): `best`, `fin` (block
 * numbers), `bestTime` (the best block's timestamp, ms: the chain's clock), `onHead(fn)` (called
 * with this object at every change), `until(what, predicate, timeoutMs)` (resolves at the first
 * head at which `predicate(this)` holds) and `stop()`.
 */
export async function followHeads(api) {
  const listeners = new Set();
  const f = {
    best: 0, fin: 0, bestTime: 0,
    onHead(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    until(what, predicate, timeoutMs) {
      return new Promise((res, rej) => {
        if (predicate(f)) { res(f); return; }
        let off = null;
        const timer = setTimeout(() => {
          off();
          rej(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (best #${f.best}, finalized #${f.fin})`));
        }, timeoutMs);
        off = f.onHead(() => {
          if (predicate(f)) { clearTimeout(timer); off(); res(f); }
        });
      });
    },
    stop() { unsubs.forEach((u) => u()); listeners.clear(); },
  };
  const fire = () => listeners.forEach((fn) => fn(f));
  const unsubs = [
    await api.rpc.chain.subscribeNewHeads(async (h) => {
      const n = h.number.toNumber();
      try {
        const t = (await api.query.timestamp.now.at(h.hash)).toNumber();
        if (n >= f.best) { f.best = n; f.bestTime = t; }
      } catch { return; /* a head pruned or a node going down: the next one comes */ }
      fire();
    }),
    await api.rpc.chain.subscribeFinalizedHeads((h) => {
      f.fin = Math.max(f.fin, h.number.toNumber());
      fire();
    }),
  ];
  return f;
}

export async function finalizedNumber(api) {
  const h = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(h)).number.toNumber();
}

export async function bestNumber(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/** A temporary working directory for one test run (kept for inspection when it fails). */
export function workDir(prefix) {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** The last `n` lines of a log, for failure reports. */
export function tail(file, n = 30) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
}

/** Sign and send `tx`, resolve with { events, blockHash } once in a block; reject on invalidity. */
export function sendAndWait(api, tx, signer) {
  return new Promise((res, rej) => {
    let unsub;
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInBlock) {
        unsub?.();
        res({ events, blockHash: status.asInBlock, dispatchError });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsub?.();
        rej(new Error(`transaction ${status.type}`));
      }
    }).then((u) => { unsub = u; }).catch(rej);
  });
}

/** A dispatch error as `pallet.Error` text. */
export function errorName(api, dispatchError) {
  if (dispatchError.isModule) {
    const m = api.registry.findMetaError(dispatchError.asModule);
    return `${m.section}.${m.name}`;
  }
  return dispatchError.type;
}

/**
 * Runs `body({ node, api, dir })` against one fresh node of the test chain (Alice, its only
 * authority) once the readings clock has started (block 2), then exits the process: 0 if the
 * body returned, 1 (after the node's log tail) if it threw.
 */
export function withTestNode(prefix, body) {
  const run = async () => {
    const dir = workDir(prefix);
    const node = await startNode({
      name: 'alice', chain: TEST_CHAIN, key: 'alice',
      nodeKey: '0000000000000000000000000000000000000000000000000000000000000001',
    }, dir);
    let ok = false;
    try {
      const api = await connect(node);
      await waitFor('block 2 (the readings clock starts)', async () => (await finalizedNumber(api)) >= 2, 60_000, api);
      await body({ node, api, dir });
      ok = true;
      await api.disconnect();
    } finally {
      await node.stop();
      if (!ok) console.error(`--- ${node.log}\n${tail(node.log)}`);
    }
  };
  run().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
