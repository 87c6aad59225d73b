// A real IPFS node for the tests: js-ipfs 0.66.1 (pinned in scripts/ipfs; scripts/setup.sh
// installs it in $GRIDMASK_IPFS_DIR, default ~/.cache/gridmask/ipfs, outside the work tree),
// serving the Kubo-compatible HTTP RPC API on loopback, offline (no swarm, no gateway, no
// bootstrap peers), with a fresh repository in the test's work dir.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tail } from './node.mjs';

const ipfsDir = process.env.GRIDMASK_IPFS_DIR ?? join(process.env.HOME, '.cache/gridmask/ipfs');
const cli = join(ipfsDir, 'node_modules/ipfs/src/cli.js');

// Every address but the API's is empty: an offline node on loopback, nothing listening for peers.
const CONFIG = {
  Addresses: { API: '/ip4/127.0.0.1/tcp/0', Gateway: '', RPC: '', Swarm: [], Delegates: [] },
  Bootstrap: [],
  Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
};

/** Starts an IPFS node under `dir`; resolves to `{ api, log, stop() }` once its API answers. */
export async function startIpfs(dir) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run scripts/setup.sh`);
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, IPFS_PATH: join(dir, 'repo') };
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const log = join(dir, 'ipfs.log');
  const out = openSync(log, 'a');
  await new Promise((resolve, reject) => {
    const init = spawn(process.execPath, [cli, 'init', '--empty-repo', config], { env, stdio: ['ignore', out, out] });
    init.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ipfs init failed (${code}): ${tail(log)}`))));
  });
  const proc = spawn(process.execPath, [cli, 'daemon', '--offline', '--enable-preload=false'],
    { env, stdio: ['ignore', out, out] });
  let exited = null;
  proc.on('exit', (code) => { exited = code ?? 'signal'; });
  // A test that fails exits without stopping it: never leave the daemon behind.
  process.on('exit', () => { if (exited === null) proc.kill('SIGKILL'); });
  const stop = async () => {
    if (exited !== null) return;
    proc.kill('SIGTERM');
    await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
    if (exited === null) proc.kill('SIGKILL');
  };
  // The daemon writes its API's multiaddr to $IPFS_PATH/api once it listens.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`the IPFS daemon exited (${exited}): ${tail(log)}`);
    const apiFile = join(env.IPFS_PATH, 'api');
    if (existsSync(apiFile)) {
      const port = /\/tcp\/(\d+)/.exec(readFileSync(apiFile, 'utf8'))?.[1];
      const api = `http://127.0.0.1:${port}`;
      const version = await fetch(`${api}/api/v0/version`, { method: 'POST' }).then((r) => (r.ok ? r.json() : null), () => null);
      if (version) return { api, version: version.Version, log, stop };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the IPFS daemon's API did not answer in 60 s: ${tail(log)}`);
}

/** Fetches block `cid` through the node's `cat`. */
export async function ipfsCat(api, cid) {
  const res = await fetch(`${api}/api/v0/cat?arg=${cid}`, { method: 'POST' });
  if (!res.ok) throw new Error(`ipfs cat ${cid}: HTTP ${res.status}: ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}
