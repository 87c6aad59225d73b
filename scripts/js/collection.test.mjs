// Integration test of the collection of readings (issue 20) on a two-aggregator chain
// (`test-pair`: Alice and Bob author and finalize; Eve is the KGC):
//
// 1. Alice and Bob start; the KGC provisions 6 meters in region 1 and publishes the setups.
// 2. `gridmask meter run` (its default: the aggregators' collectors) sends a period's shares to
//    both nodes' `gridmask_submitReadings`; every share is in the finalized chain, only in
//    `submitBundle` transactions (no `submitReading`), and each meter's two shares are in
//    bundles of two different aggregators. The period seals with the meters' total.
// 3. A period whose every share the meters send to both aggregators: both bundle it, the chain
//    stores each share once (the later copies are counted as duplicates in `BundleApplied`).
// 4. While the meters report a third period through Alice, the test builds a bundle itself,
//    signs it with Bob's aggregator key and submits it to Bob: its forged readings are skipped
//    one by one by both nodes (which finalize the same state) and the period seals with the
//    meters' true total.
// 5. Hostile bundles are refused by the pool with their codes: replayed (21), not an
//    aggregator's key (20), wrong signature (25), too far ahead (22), too many shares (24).
// 6. The collection RPC refuses malformed and oversized batches, and answers each bad reading
//    by name (Malformed, NoSetup, NotInFilter, WindowClosed, WindowNotOpen).
// 7. Alice's Prometheus endpoint shows the protocol's counters moving: readings answered by
//    name, shares stored, periods sealed, the shares of the last period, setups ahead.
// 8. A meter whose readings carry a broken signature (`meter run --bad-signature`, real PRIDs
//    of its own in the filter) is answered BadSignature for both shares, and counted so.
//
// usage: node collection.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex, hexToU8a, stringToU8a, compactAddLength, bnToU8a } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, workDir, tail, peerIdOf, followHeads, rpcRaw, waitFor, metrics } from './lib/node.mjs';
import { gridmask, gridmaskJson, assert, stepper } from './lib/client.mjs';

const step = stepper();
const CHAIN = 'test-pair';
const NODE_KEYS = ['alice', 'bob'].map((_, i) => (i + 1).toString(16).padStart(64, '0'));
const REGION = 1;

/** The finalized blocks' `readings` extrinsics and events since block `from`. */
async function finalizedReadings(api, from) {
  const fin = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  const bundles = [];
  const lone = [];
  const applied = [];
  for (let n = from; n <= fin; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const block = await api.rpc.chain.getBlock(hash);
    for (const xt of block.block.extrinsics) {
      if (xt.method.section !== 'readings') continue;
      if (xt.method.method === 'submitReading') lone.push(xt);
      if (xt.method.method === 'submitBundle') {
        const [collector, seq, groups] = xt.method.args;
        bundles.push({ block: n, collector: collector.toHex(), seq: seq.toNumber(), groups: groups.toJSON() });
      }
    }
    for (const { event } of await (await api.at(hash)).query.system.events()) {
      if (event.section === 'readings' && event.method === 'BundleApplied') applied.push({ block: n, ...fields(event) });
    }
  }
  return { bundles, lone, applied, fin };
}

/** The aggregate of (REGION, period) once sealed (fails if the period ends otherwise). */
async function sealedAggregate(api, period) {
  const outcome = await waitFor(`period ${period} to be sealed`, async () => {
    const st = await api.call.readingsApi.periodState(REGION, period);
    return st.phase.isDone ? st.phase.asDone : null;
  }, 120_000, api);
  assert(outcome.isSealed, `period ${period} sealed (${outcome.toString()})`);
  return outcome.asSealed.aggregates[0].unwrap().toBigInt();
}

/** A `BundleApplied` event's fields by name. */
function fields(event) {
  return Object.fromEntries(event.meta.fields.map((f, i) => [f.name.unwrap().toString(), event.data[i].toJSON()]));
}

/** A general (v5, authorized) transaction of `call` with the runtime's extension values for an
 *  authorized call: immortal, nonce 0, tip 0. */
function generalTx(callU8a) {
  const body = u8aConcat(new Uint8Array([0x45, 0x00, 0x00, 0x00, 0x00]), callU8a);
  return u8aToHex(compactAddLength(body));
}

/** A `submitBundle` transaction of `groups` as `collector`, signed by `signer`, with `seq`. */
function bundleTx(api, genesis, collector, signer, seq, groups) {
  const unsigned = api.tx.readings.submitBundle(collector, seq, groups, new Uint8Array(64)).method.toU8a();
  // call = [pallet, call] ++ collector (32) ++ seq (8) ++ groups ++ signature (64)
  const groupsU8a = unsigned.slice(2 + 32 + 8, unsigned.length - 64);
  const message = u8aConcat(stringToU8a('gridmask/bundle/v1'), hexToU8a(genesis), hexToU8a(collector),
    bnToU8a(seq, { bitLength: 64, isLe: true }), blake2AsU8a(groupsU8a, 256));
  const signature = signer.sign(message);
  return generalTx(api.tx.readings.submitBundle(collector, seq, groups, signature).method.toU8a());
}

/** A share with a random PRID and signature (in no filter, signed by nobody). */
function randomShare(timestampMs) {
  const rnd = (n) => u8aToHex(globalThis.crypto.getRandomValues(new Uint8Array(n)));
  return { prid: rnd(32), masked: [1], timestampMs, signature: rnd(64) };
}

/** The SCALE bytes of a `SignedReading` (at most 63 values: a one-byte compact length). */
function signedReadingHex(genesis, region, period, share) {
  return u8aToHex(u8aConcat(hexToU8a(genesis), bnToU8a(region, { bitLength: 32, isLe: true }),
    bnToU8a(period, { bitLength: 32, isLe: true }), hexToU8a(share.prid),
    new Uint8Array([share.masked.length << 2]),
    ...share.masked.map((v) => bnToU8a(BigInt(v), { bitLength: 64, isLe: true })),
    bnToU8a(BigInt(share.timestampMs), { bitLength: 64, isLe: true }),
    hexToU8a(share.signature)));
}

/** `f()` must reject with a message containing `what`. */
async function refused(f, what, label) {
  try {
    await f();
  } catch (e) {
    assert(String(e.message ?? e).includes(what), `${label}: refused with ${what} (${e.message ?? e})`);
    return;
  }
  throw new Error(`assertion failed: ${label} was not refused`);
}

async function main() {
  await cryptoWaitReady();
  const dir = workDir('gridmask-collection');
  const nodes = {};
  let ok = false;
  try {
    step('Alice and Bob start from the two-aggregator chain spec');
    nodes.alice = await startNode({ name: 'alice', chain: CHAIN, key: 'alice', nodeKey: NODE_KEYS[0] }, dir);
    const boot = `/ip4/127.0.0.1/tcp/${nodes.alice.p2pPort}/p2p/${peerIdOf(NODE_KEYS[0], dir)}`;
    nodes.bob = await startNode({ name: 'bob', chain: CHAIN, key: 'bob', nodeKey: NODE_KEYS[1], bootnodes: [boot] }, dir);
    const api = await connect(nodes.alice);
    const apiBob = await connect(nodes.bob);
    const heads = await followHeads(api);
    await heads.until('finality past block 3 with 2 voters', (h) => h.fin >= 3, 120_000);
    const genesis = api.genesisHash.toHex();
    const keyring = new Keyring({ type: 'sr25519' });
    const [alice, bob, eve] = ['//Alice', '//Bob', '//Eve'].map((s) => keyring.addFromUri(s));
    const aura = (await api.query.aura.authorities()).map((a) => a.toHex());
    assert(aura.includes(u8aToHex(alice.publicKey)) && aura.includes(u8aToHex(bob.publicKey)),
      `Alice and Bob are the Aura authorities (${aura})`);

    step('the KGC (Eve) provisions 6 meters in region 1 and publishes the setups');
    const store = join(dir, 'store');
    const kgc = ['--url', nodes.alice.ws, 'kgc'];
    const prov = await gridmaskJson([...kgc, 'provision', '--kgc-suri', '//Eve', '--store', store,
      '--regions', String(REGION), '--meters-per-region', '6', '--no-push', '--fund-owners', '0']);
    assert(prov.provision.meters_registered === 6, `6 meters registered (${JSON.stringify(prov.provision)})`);
    const setup = await gridmaskJson([...kgc, 'setup', '--kgc-suri', '//Eve', '--store', store, '--next', '8']);
    const meters = ['meter', 'run', '--credentials', join(store, 'meters'), '--periods', '1'];
    const both = `${nodes.alice.ws},${nodes.bob.ws}`;
    const start = heads.fin;

    step('meter run via the collectors of Alice and Bob');
    const runA = await gridmaskJson(['--url', both, ...meters]);
    const pA = runA.periods[0];
    assert(runA.submitted === 12 && runA.included === 12, `12 shares in the finalized chain (${runA.submitted}/${runA.included})`);
    const seenA = await finalizedReadings(api, start);
    assert(seenA.lone.length === 0, `no reading was sent as its own transaction (${seenA.lone.length})`);
    const collectorOf = new Map();
    for (const b of seenA.bundles) {
      for (const g of b.groups) for (const s of g.shares) collectorOf.set(s.prid, b.collector);
    }
    const byMeter = new Map();
    for (const s of runA.shares) byMeter.set(s.meter, [...(byMeter.get(s.meter) ?? []), s.prid]);
    for (const [meter, prids] of byMeter) {
      assert(prids.length === 2 && prids.every((p) => collectorOf.has(p)), `meter ${meter}: both shares in bundles`);
      assert(collectorOf.get(prids[0]) !== collectorOf.get(prids[1]),
        `meter ${meter}: its shares were bundled by two different aggregators`);
    }
    const total = (run) => run.consumption.reduce((a, [, , , c]) => a + BigInt(c), 0n);
    assert(await sealedAggregate(api, pA) === total(runA), `period ${pA} sealed with the meters' total`);
    const before = await metrics(nodes.alice);

    step('meter run sending every share to both aggregators: each share is stored once');
    const runB = await gridmaskJson(['--url', both, ...meters, '--send-to-all']);
    const pB = runB.periods[0];
    assert(runB.included === 12, `12 shares in the finalized chain (${runB.included})`);
    const acc = (await api.query.readings.accumulators(REGION, pB)).toJSON();
    assert(acc.count === 12, `the accumulator counts each share once (${JSON.stringify(acc)})`);
    const seenB = await finalizedReadings(api, seenA.fin + 1);
    const dups = seenB.applied.reduce((a, e) => a + e.skipped.duplicate, 0);
    const stored = seenB.applied.reduce((a, e) => a + e.stored, 0);
    assert(stored === 12 && dups >= 1, `12 stored, ${dups} copies skipped as duplicates (${JSON.stringify(seenB.applied)})`);
    assert(await sealedAggregate(api, pB) === total(runB), `period ${pB} sealed with the meters' total`);

    step('a bundle the test signs with Bob\'s key, holding forged readings, is skipped reading by reading');
    const clock = (await api.call.readingsApi.time()).toJSON();
    const open = (p) => clock.params.genesisStartMs + (p + 1) * clock.params.periodMs;
    // The next set-up period whose window opens far enough ahead for the meters to start.
    const pC = setup.periods.find((p) => p > pB && open(p) >= heads.bestTime + 8_000);
    assert(pC !== undefined, `a set-up period ahead (${setup.periods})`);
    const runC = gridmaskJson(['--url', nodes.alice.ws, ...meters, '--first-period', String(pC)]);
    await heads.until(`period ${pC}'s window`, (h) => h.bestTime >= open(pC) + 2_000, 120_000);
    const bobKey = u8aToHex(bob.publicKey);
    const seq = (await api.query.readings.bundleSeqs(bobKey)).toNumber();
    const storedShare = seenA.bundles[0].groups[0].shares[0];
    const groups = [
      { region: REGION, period: pC, shares: [randomShare(open(pC) + 1), randomShare(open(pC) + 2)] },
      // A real share of an earlier period, its window closed.
      { region: REGION, period: pA, shares: [storedShare] },
    ];
    const hostile = bundleTx(api, genesis, bobKey, bob, seq, groups);
    await rpcRaw(nodes.bob.ws, 'author_submitExtrinsic', [hostile]);

    step('the collection RPC answers each bad reading by name (in the same window)');
    const collect = (batch) => rpcRaw(nodes.alice.ws, 'gridmask_submitReadings', [batch]);
    const answers = await collect([
      '0x1234',
      signedReadingHex(genesis, 7, pC, randomShare(1)),
      signedReadingHex(genesis, REGION, pA, storedShare),
      signedReadingHex(genesis, REGION, pC, randomShare(1)),
      signedReadingHex(genesis, REGION, pC + 2, randomShare(1)),
    ]);
    assert(answers[0] === 'Malformed' && answers[1] === 'NoSetup' && answers[2] === 'WindowClosed' &&
      ['NotInFilter', 'BadSignature'].includes(answers[3]) && answers[4] === 'WindowNotOpen',
    `each bad reading answered by name (${answers})`);
    await refused(() => rpcRaw(nodes.alice.ws, 'gridmask_submitReadings', ['0x00']), 'Malformed', 'a batch that is not an array');
    await refused(() => collect(Array.from({ length: 1_025 }, () => '0x00')), 'BatchTooLarge', 'a batch of 1,025');

    step('Alice\'s /metrics: the protocol\'s counters moved');
    const m = await waitFor('the counters of the finalized chain', async () => {
      const now = await metrics(nodes.alice);
      return now.get('gridmask_periods_total{outcome="sealed"}') > (before.get('gridmask_periods_total{outcome="sealed"}') ?? 0) ? now : null;
    }, 60_000, api);
    const moved = (name) => (m.get(name) ?? 0) - (before.get(name) ?? 0);
    assert(moved('gridmask_collector_readings_total{answer="Accepted"}') >= 6,
      `Alice's collector counted the readings it accepted (+${moved('gridmask_collector_readings_total{answer="Accepted"}')})`);
    for (const refusal of ['Malformed', 'NoSetup', 'WindowClosed', 'WindowNotOpen']) {
      assert(moved(`gridmask_collector_readings_total{answer="${refusal}"}`) >= 1, `a refusal counted by name: ${refusal}`);
    }
    assert(moved('gridmask_shares_stored_total') >= 12, `shares stored counted (+${moved('gridmask_shares_stored_total')})`);
    // The latest period with an outcome may be one the meters skipped (faulted, 0 shares).
    assert([0, 12].includes(m.get(`gridmask_period_shares{region="${REGION}"}`)),
      `the shares of region ${REGION}'s latest period (${m.get(`gridmask_period_shares{region="${REGION}"}`)})`);
    assert(m.has(`gridmask_setups_ahead{region="${REGION}"}`) && m.get('gridmask_current_period') >= pB,
      `setups ahead (${m.get(`gridmask_setups_ahead{region="${REGION}"}`)}) and the current period (${m.get('gridmask_current_period')})`);
    assert(m.has('gridmask_collector_held_readings'), 'the collector\'s held readings');

    const applied = await waitFor('the test\'s bundle in a finalized block', async () => {
      const seen = await finalizedReadings(api, seenB.fin + 1);
      return seen.applied.find((x) => x.collector === bobKey && x.seq === seq);
    }, 120_000, api);
    assert(applied.stored === 0 && applied.skipped.notInFilter + applied.skipped.badSignature === 2 && applied.skipped.window === 1,
      `every forged reading skipped, by reason (${JSON.stringify(applied)})`);
    const finHash = await api.rpc.chain.getFinalizedHead();
    const rootAlice = (await api.rpc.chain.getHeader(finHash)).stateRoot.toHex();
    const rootBob = (await apiBob.rpc.chain.getHeader(finHash)).stateRoot.toHex();
    assert(rootAlice === rootBob, 'Alice and Bob imported the bundle to the same state');
    const runCDone = await runC;
    assert(runCDone.included === 12, `the meters' 12 shares of period ${pC} are in (${runCDone.included})`);
    assert(await sealedAggregate(api, pC) === total(runCDone), `period ${pC} sealed with the meters' total`);

    step('hostile bundles are refused by the pool, by code');
    const one = [{ region: REGION, period: pC, shares: [randomShare(open(pC) + 3)] }];
    const submit = (tx) => rpcRaw(nodes.bob.ws, 'author_submitExtrinsic', [tx]);
    // The very bytes again: the pool remembers them (banned); other contents under the used
    // sequence number: the runtime refuses them (StaleBundle).
    await refused(() => submit(hostile), 'temporarily banned', 'the included bundle replayed');
    await refused(() => submit(bundleTx(api, genesis, bobKey, bob, seq, one)), 'Custom error: 21',
      'a bundle under a used sequence number');
    await refused(() => submit(bundleTx(api, genesis, u8aToHex(eve.publicKey), eve, 0, one)),
      'Custom error: 20', 'a bundle of a key that is no aggregator\'s');
    await refused(() => submit(bundleTx(api, genesis, bobKey, eve, seq + 1, one)),
      'Custom error: 25', 'a bundle naming Bob signed by Eve');
    await refused(() => submit(bundleTx(api, genesis, bobKey, bob, seq + 50, one)),
      'Custom error: 22', 'a bundle far ahead of Bob\'s sequence');
    const many = Array.from({ length: 16_385 }, (_, i) => randomShare(i));
    await refused(() => submit(bundleTx(api, genesis, bobKey, bob, seq + 1, [
      { region: REGION, period: pC, shares: many.slice(0, 8_000) },
      { region: REGION, period: pC + 1, shares: many.slice(8_000) },
    ])), 'Custom error: 24', 'a bundle of 16,385 shares');

    step('a meter whose readings carry a broken signature is refused BadSignature by the collector');
    const meterId = runA.shares[0].meter;
    const broken = await gridmask(['--url', nodes.alice.ws, '--json', 'meter', 'run', '--credentials',
      join(store, 'meters', `meter-${meterId}.json`), '--periods', '1', '--bad-signature', String(meterId)], { allowFail: true });
    const brokenRun = JSON.parse(broken.stdout);
    assert(broken.code !== 0 && brokenRun.included === 0 && brokenRun.rejected.BadSignature === 2,
      `both shares refused BadSignature, none included (exit ${broken.code}: ${JSON.stringify(brokenRun.rejected)})`);
    const counted = (await metrics(nodes.alice)).get('gridmask_collector_readings_total{answer="BadSignature"}');
    assert(counted >= 2, `Alice's /metrics counts them by name (${counted})`);

    ok = true;
    await api.disconnect();
    await apiBob.disconnect();
  } finally {
    for (const n of Object.values(nodes)) await n.stop();
    if (!ok) for (const n of Object.values(nodes)) console.error(`--- ${n.log}\n${tail(n.log)}`);
  }
}

main().then(() => { console.log('collection test passed'); process.exit(0); },
  (e) => { console.error(`collection test FAILED: ${e.stack ?? e}`); process.exit(1); });
