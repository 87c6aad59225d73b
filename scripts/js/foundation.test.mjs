// Integration test of the foundation: a real two-node dev network on free loopback ports.
//
// On the `test` chain (the dev chain's roles, 2-second slots, 10-block sessions):
// 1. Alice (the chain's only aggregator, sudo) and Bob (a validator node, not yet an
//    aggregator) start; the chain finalizes block 3.
// 2. The polkadot.js check passes against Alice.
// 3. Bob's node makes session keys with `author_rotateKeysWithOwner`; sudo adds Bob as an
//    aggregator; at a session boundary Aura and GRANDPA authorities become {Alice, Bob} and
//    finality goes on with both voting.
// 4. Sudo removes Bob; at a session boundary the authorities are {Alice} again.
// 5. Removing Alice, the last aggregator, fails with `aggregators.TooFewAggregators`.
//
// usage: node foundation.test.mjs   (GRIDMASK_NODE overrides the node binary)

import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import {
  startNode, connect, waitFor, finalizedNumber, bestNumber, peerIdOf, workDir, tail, sendAndWait,
  errorName, repoRoot, rpcRaw, TEST_CHAIN,
} from './lib/node.mjs';

const SESSION_TIMEOUT = 2 * 60_000; // a change takes effect within two sessions (20 s each on the test chain)
const ALICE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000001';
const BOB_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000002';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
const step = (m) => console.log(`[${elapsed()}] ${m}`);

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

async function authorities(api) {
  const [aura, grandpa, validators, session] = await Promise.all([
    api.call.auraApi.authorities(),
    api.call.grandpaApi.grandpaAuthorities(),
    api.query.session.validators(),
    api.query.session.currentIndex(),
  ]);
  return {
    aura: aura.map((a) => a.toString()),
    grandpa: grandpa.map(([id]) => id.toString()),
    validators: validators.map((v) => v.toString()),
    session: session.toNumber(),
  };
}


/** POST a JSON-RPC call to 127.0.0.1:`port` with extra `headers`: { status, body }. */
function httpRpc(port, headers, method, params = []) {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method: 'POST', path: '/',
      headers: { 'Content-Type': 'application/json', ...headers },
    }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }));
  });
}

/** A WebSocket handshake with 127.0.0.1:`port` with extra `headers`: the HTTP status (101: open). */
function wsHandshake(port, headers) {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/',
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers,
      },
    });
    req.on('upgrade', (_res, socket) => { socket.destroy(); resolve(101); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

/** Send `call` through sudo, return the inner dispatch result as null (ok) or an error name. */
async function sudo(api, signer, call) {
  const { events, dispatchError } = await sendAndWait(api, api.tx.sudo.sudo(call), signer);
  if (dispatchError) throw new Error(`sudo itself failed: ${errorName(api, dispatchError)}`);
  const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert(sudid, 'a Sudid event');
  const result = sudid.event.data[0];
  return result.isOk ? null : errorName(api, result.asErr);
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const dir = workDir('gridmask-foundation');
  const nodes = [];
  let ok = false;
  try {
    step(`work dir ${dir}`);
    const aliceNode = await startNode(
      { name: 'alice', chain: TEST_CHAIN, key: 'alice', nodeKey: ALICE_NODE_KEY, extra: ['--force-authoring'] },
      dir,
    );
    nodes.push(aliceNode);
    const bootnode = `/ip4/127.0.0.1/tcp/${aliceNode.p2pPort}/p2p/${peerIdOf(ALICE_NODE_KEY, dir)}`;
    const bobNode = await startNode({ name: 'bob', chain: TEST_CHAIN, key: 'bob', nodeKey: BOB_NODE_KEY, bootnodes: [bootnode] }, dir);
    nodes.push(bobNode);
    step(`alice rpc ${aliceNode.rpcPort} p2p ${aliceNode.p2pPort}; bob rpc ${bobNode.rpcPort} p2p ${bobNode.p2pPort}`);

    const api = await connect(aliceNode);
    const bobApi = await connect(bobNode);
    await waitFor('finalized block >= 3', async () => (await finalizedNumber(api)) >= 3, 120_000, api);
    step(`finalized #${await finalizedNumber(api)}`);
    await waitFor('bob to sync', async () => (await bestNumber(bobApi)) >= 3, 60_000, bobApi);

    // -- the polkadot.js check
    const check = spawnSync(process.execPath, [join(repoRoot, 'scripts/js/check.mjs'), aliceNode.ws, '--quiet'], {
      encoding: 'utf8', timeout: 120_000,
    });
    process.stdout.write(check.stdout);
    process.stderr.write(check.stderr);
    assert(check.status === 0, `polkadot.js check exit status ${check.status}`);
    step('polkadot.js check passed');

    const before = await authorities(api);
    assert(JSON.stringify(before.validators) === JSON.stringify([alice.address]), `validators are [Alice]: ${before.validators}`);
    assert(before.aura.length === 1 && before.grandpa.length === 1, 'one Aura and one GRANDPA authority');

    // -- add Bob with keys his node generated for his account
    // polkadot.js 16 does not know this RPC yet: call it raw. The owner is the SCALE-encoded
    // account (32 bytes), as `pallet-session` checks it. It is unsafe: only Bob's admin
    // endpoint serves it.
    const owner = [u8aToHex(bob.publicKey)];
    const refused = await rpcRaw(bobNode.ws, 'author_rotateKeysWithOwner', owner).then(() => null, (e) => e.message);
    assert(refused && /unsafe/i.test(refused), `the public RPC port refuses an unsafe method (${refused})`);
    const { keys, proof } = await rpcRaw(bobNode.admin, 'author_rotateKeysWithOwner', owner);

    // -- a web page cannot reach the unsafe methods: the admin endpoint refuses any request
    // with an Origin header (browsers send one on every cross-origin request and WebSocket
    // handshake), the public port serves only safe methods whoever asks
    const evil = { Origin: 'http://evil.example' };
    const get = ['offchain_localStorageGet', ['PERSISTENT', '0x00']];
    const viaPage = await httpRpc(bobNode.adminPort, evil, ...get);
    assert(viaPage.status === 403 && /Origin/.test(viaPage.body), `admin port, HTTP with an Origin: 403 (${viaPage.status} ${viaPage.body})`);
    assert(await wsHandshake(bobNode.adminPort, evil) === 403, 'admin port, WebSocket handshake with an Origin: 403');
    assert(await wsHandshake(bobNode.adminPort, {}) === 101, 'admin port, WebSocket handshake without an Origin: open');
    const direct = await httpRpc(bobNode.adminPort, {}, ...get);
    assert(direct.status === 200 && JSON.parse(direct.body).result === null, `admin port, no Origin: served (${direct.body})`);
    const publicPort = await httpRpc(bobNode.rpcPort, evil, ...get);
    assert(/unsafe/i.test(JSON.parse(publicPort.body).error?.message ?? ''), `public port: unsafe method refused (${publicPort.body})`);
    step('unsafe methods: refused on the public port and to web pages on the admin port');
    assert(keys && proof, 'rotateKeysWithOwner returned keys and a proof');
    const keysType = api.tx.aggregators.addAggregator.meta.args[1].type.toString();
    const sessionKeys = api.createType(keysType, keys);
    step(`bob's new session keys: aura ${sessionKeys.aura.toString()} grandpa ${sessionKeys.grandpa.toString()}`);
    assert((await sudo(api, alice, api.tx.aggregators.addAggregator(bob.address, sessionKeys, proof))) === null,
      'addAggregator(bob) succeeds');
    const addedAt = (await authorities(api)).session;
    step(`bob added during session ${addedAt}`);
    assert(JSON.stringify((await api.query.aggregators.aggregators()).map(String).sort()) ===
      JSON.stringify([alice.address, bob.address].sort()), 'registry holds Alice and Bob');

    const after = await waitFor('Bob in the Aura and GRANDPA authority sets', async () => {
      const a = await authorities(api);
      return a.aura.length === 2 && a.grandpa.length === 2 &&
        a.aura.includes(sessionKeys.aura.toString()) && a.grandpa.includes(sessionKeys.grandpa.toString()) ? a : null;
    }, SESSION_TIMEOUT, api);
    step(`authorities changed at session ${after.session}: aura ${after.aura.length}, grandpa ${after.grandpa.length}`);
    assert(after.session > addedAt && after.session <= addedAt + 2, 'the change took effect at a session boundary, within two sessions');

    // Finality goes on with two voters (both must vote: > 2/3 of 2).
    const fin = await finalizedNumber(api);
    await waitFor('finality with two authorities', async () => (await finalizedNumber(api)) >= fin + 3, 90_000, api);
    const bobAuthored = await waitFor('a block authored by Bob', async () => {
      const h = await api.rpc.chain.getHeader();
      const author = await api.derive.chain.getHeader(h.hash);
      return author?.author?.toString() === bob.address ? h.number.toNumber() : null;
    }, 90_000, api);
    step(`finalized #${await finalizedNumber(api)} with two voters; Bob authored #${bobAuthored}`);

    // -- remove Bob again
    assert((await sudo(api, alice, api.tx.aggregators.removeAggregator(bob.address))) === null, 'removeAggregator(bob) succeeds');
    const removedAt = (await authorities(api)).session;
    const back = await waitFor('authorities back to Alice alone', async () => {
      const a = await authorities(api);
      return a.aura.length === 1 && a.grandpa.length === 1 && a.validators.length === 1 ? a : null;
    }, SESSION_TIMEOUT, api);
    step(`bob removed during session ${removedAt}; authorities back to one at session ${back.session}`);
    const fin2 = await finalizedNumber(api);
    await waitFor('finality with Alice alone', async () => (await finalizedNumber(api)) >= fin2 + 2, 90_000, api);

    // -- the minimum
    const err = await sudo(api, alice, api.tx.aggregators.removeAggregator(alice.address));
    assert(err === 'aggregators.TooFewAggregators', `removing the last aggregator fails with TooFewAggregators (got ${err})`);
    step(`removing the last aggregator refused: ${err}`);
    assert(JSON.stringify((await api.query.aggregators.aggregators()).map(String)) === JSON.stringify([alice.address]),
      'registry unchanged');

    await api.disconnect();
    await bobApi.disconnect();
    ok = true;
  } catch (e) {
    console.error(`FAILED: ${e.message}`);
    for (const n of nodes) console.error(`--- last lines of ${n.log}\n${tail(n.log)}`);
  } finally {
    for (const n of nodes) await n.stop();
  }
  step(ok ? 'foundation integration test: OK' : 'foundation integration test: FAILED');
  process.exit(ok ? 0 : 1);
}

main();
