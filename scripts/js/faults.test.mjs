// Integration test of pricing and fault repair (issue 5) on a real node of the `test` chain with the real
// off-chain worker, driven by the `gridmask` client:
//
// 1. A dev node (Alice, an authority, so its off-chain worker runs) starts. The KGC (Bob)
//    provisions 4 meters in region 1; `kgc provision` pushes their master secrets into the
//    node's PERSISTENT off-chain storage and Bob's key into its keystore as `gmkg`.
// 2. The CC (Charlie) sets a flat tariff (`cc tariff set`); a non-CC account is refused by name.
// 3. The KGC publishes the setups; meter 1002 is silent for two periods while the others report.
// 4. Both periods fault (3 of 4 meters' shares); the worker derives the PRIDs, finds the
//    absent ones, computes Z' and submits a signed resolution; the runtime re-hashes T and seals
//    each period with Σ consumption of the meters that reported.
// 5. Each period is priced from the tariff; meter 1002's fault count is the number of
//    resolutions naming it (the two periods, and any later set-up period already resolved), still Active.
// 6. The CC overrides one price (`cc price`); the price series shows the override.
//
// usage: node faults.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { join } from 'node:path';
import { startNode, connect, waitFor, finalizedNumber, workDir, tail, TEST_CHAIN } from './lib/node.mjs';
import { gridmask, gridmaskJson, assert, stepper } from './lib/client.mjs';

const step = stepper();
const PRICE = 200000n;
const SILENT = 1002;

async function main() {
  const dir = workDir('gridmask-faults');
  const node = await startNode({
    name: 'alice', chain: TEST_CHAIN, key: 'alice',
    nodeKey: '0000000000000000000000000000000000000000000000000000000000000001',
  }, dir);
  let ok = false;
  try {
    const api = await connect(node);
    await waitFor('block 2 (the readings clock starts)', async () => (await finalizedNumber(api)) >= 2, 60_000, api);
    const url = ['--url', node.ws];
    const store = join(dir, 'store');

    // Four meters: with one silent, three complete readings remain, as many as an aggregate
    // needs to be published (MinRegionMeters).
    step('kgc provision: 4 meters in region 1, secrets and key pushed to the node');
    const prov = await gridmaskJson([...url, 'kgc', 'provision', '--store', store,
      '--regions', '1', '--meters-per-region', '4']);
    assert(prov.provision.meters_registered === 4, `4 meters registered (${JSON.stringify(prov)})`);
    assert(JSON.stringify(prov.pushed.regions) === '[[1,4]]', `region 1's 4 secrets pushed (${JSON.stringify(prov.pushed)})`);
    assert(prov.pushed.node_roles.includes('Authority'), 'the node is an authority (its worker runs)');
    const keyType = '0x' + Buffer.from('gmkg').toString('hex');
    const secretsKey = '0x' + Buffer.concat([Buffer.from('gridmask/kgc/secrets/'), Buffer.from([1, 0, 0, 0])]).toString('hex');
    const held = await api.rpc.offchain.localStorageGet('PERSISTENT', secretsKey);
    assert(held.isSome, 'the node holds region 1\'s secrets in PERSISTENT off-chain storage');
    assert((await api.rpc.author.hasKey(prov.pushed.key, 'gmkg')).isTrue, `the keystore holds ${prov.pushed.key} as ${keyType}`);

    step('a non-CC account cannot set a tariff; the CC can');
    const refused = await gridmask([...url, 'cc', 'tariff', 'set', '--cc-suri', '//Dave', '--region', '1',
      '--flat', '1'], { allowFail: true });
    assert(refused.code !== 0 && /BadOrigin/.test(refused.stderr), `refused by name: ${refused.stderr}`);
    const tariff = await gridmaskJson([...url, 'cc', 'tariff', 'set', '--region', '1', '--flat', String(PRICE)]);
    assert(tariff.version === 1, `tariff v1 (${JSON.stringify(tariff)})`);
    const shown = await gridmaskJson([...url, 'cc', 'tariff', 'show', '--region', '1']);
    assert(shown.length === 1 && shown[0].tariff.bands[0][1] === Number(PRICE), `tariff show: ${JSON.stringify(shown)}`);

    step('kgc setup: the next four periods');
    const setup = await gridmaskJson([...url, 'kgc', 'setup', '--store', store, '--next', '4']);
    const first = Math.max(setup.periods[0], tariff.effective_from);
    const periods = [first, first + 1];
    assert(periods.every((p) => setup.periods.includes(p)), `periods ${periods} set up (${setup.periods})`);

    step(`meter run: periods ${periods}, meter ${SILENT} silent in both`);
    const run = await gridmask([...url, '--json', 'meter', 'run', '--credentials', join(store, 'meters'),
      '--periods', '2', '--first-period', String(first), '--silent', `${SILENT}:2`], { allowFail: true });
    const report = JSON.parse(run.stdout);
    assert(run.code === 0, `meter run succeeded: ${run.stderr} ${JSON.stringify(report)}`);
    assert(report.submitted === 12 && report.included === 12, `12 shares included (${report.submitted}/${report.included})`);

    for (const p of periods) {
      step(`period ${p}: faulted, then resolved by the worker`);
      const fault = await waitFor(`the fault of period ${p}`, async () => {
        const f = await api.query.faults.faults(1, p);
        return f.isSome ? f.unwrap() : null;
      }, 150_000, api);
      assert(fault.expected.toNumber() === 8 && fault.received.toNumber() === 6,
        `sealing saw 6 of 8 shares (${fault.toString()})`);
      const resolved = await waitFor(`the resolution of period ${p}`, async () => {
        const f = (await api.query.faults.faults(1, p)).unwrap();
        return f.status.isResolved ? f.status.asResolved : null;
      }, 120_000, api);
      assert(resolved.named.meters.map(([m]) => m.toNumber()).join() === String(SILENT), `meter ${SILENT} found silent`);
      assert(resolved.blame.isMeters, `the rest of the region reported: meter ${SILENT} is blamed (${resolved.toString()})`);
      const expected = report.consumption.filter(([, , q]) => q === p).reduce((a, [, , , c]) => a + BigInt(c), 0n);
      const st = await api.call.readingsApi.periodState(1, p);
      assert(st.phase.isDone && st.phase.asDone.isSealed, `period ${p} sealed (${st.phase.toString()})`);
      const sealed = st.phase.asDone.asSealed;
      assert(sealed.aggregate.toBigInt() === expected, `aggregate ${sealed.aggregate} = Σ of the reporters ${expected}`);
      assert(sealed.count.toNumber() === 6, 'count 6');
      const [[, price]] = await api.call.pricingApi.priceSeries(1, p, p);
      assert(price.price.toBigInt() === PRICE && price.source.isTariff, `priced ${price.price} by the tariff`);
    }
    // The setups cover more periods than the meters report (so the tariff's first period is
    // among them); those later periods fault and resolve too, with every meter absent: a
    // chain fault that blames nobody. So count, at one block, the resolutions blaming the
    // meter: its fault count must equal them, and the two periods under test must be among
    // them.
    const at = await api.at(await api.rpc.chain.getBlockHash());
    const named = [];
    for (const p of setup.periods) {
      const f = await at.query.faults.faults(1, p);
      const r = f.isSome && f.unwrap().status.isResolved ? f.unwrap().status.asResolved : null;
      if (r && r.blame.isMeters && r.named.meters.some(([m]) => m.toNumber() === SILENT)) named.push(p);
    }
    const meter = (await at.query.meters.meters(SILENT)).unwrap();
    assert(periods.every((p) => named.includes(p)), `periods ${periods} name meter ${SILENT} (${named})`);
    assert(meter.faults.toNumber() === named.length && meter.status.isActive,
      `meter ${SILENT}: ${named.length} faults (periods ${named}), active (${meter.toString()})`);

    step('the CC overrides a price');
    const over = await gridmaskJson([...url, 'cc', 'price', '--region', '1', '--period', String(periods[1]), '--price', '333']);
    assert(over.price === 333 && over.replaced === Number(PRICE), `override replaced the tariff price (${JSON.stringify(over)})`);
    const [[, overridden]] = await api.call.pricingApi.priceSeries(1, periods[1], periods[1]);
    assert(overridden.source.isOverride && overridden.price.toNumber() === 333, 'the series shows the override');

    ok = true;
    step('faults test passed');
    await api.disconnect();
  } finally {
    await node.stop();
    if (!ok) console.error(`--- ${node.log}\n${tail(node.log)}`);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
