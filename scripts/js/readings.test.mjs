// Integration test of the readings path (issue 4) on a real node of the `test` chain, driven by the `gridmask`
// client (readings built and signed with `gridmask-primitives`):
//
// 1. A dev node starts; the KGC (Bob) provisions 3 meters in region 1 and publishes the setups
//    of the next two periods (`gridmask kgc provision` / `kgc setup`).
// 2. `gridmask meter run --via transaction` (no --first-period) starts with the first period
//    whose setup is complete on chain and says so; it sends each meter's two masked shares of
//    that period as authorized general transactions (no signature, no account) inside the
//    period's window (the path of third-party meters; the collectors' is `collection.test.mjs`);
//    the client reports every share in the finalized chain.
// 3. polkadot.js finds each reading extrinsic in a finalized block — unsigned, carrying only
//    the PRID, the masked value, the timestamp and the PRID's signature — and reads each share
//    back through `ReadingsApi.share`.
// 4. After the window the period is sealed; its aggregate equals Σ of the meters' consumption
//    (which only the meters' own report reveals).
// 5. Replaying a share over RPC is refused with `DuplicatePrid` (or `WindowClosed`), by name.
// 6. The node's /metrics counts the shares stored and the period sealed.
// 7. The polkadot.js check passes with the readings in state.
//
// usage: node readings.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor, repoRoot, withTestNode, metrics } from './lib/node.mjs';
import { gridmask, assert, stepper } from './lib/client.mjs';

const step = stepper();

withTestNode('gridmask-readings', async ({ node, api, dir }) => {
  const url = ['--url', node.ws];
  const store = join(dir, 'store');

  step('kgc provision: 3 meters in region 1');
  const prov = JSON.parse((await gridmask([...url, '--json', 'kgc', 'provision', '--store', store,
    '--regions', '1', '--meters-per-region', '3', '--no-push'])).stdout).provision;
  assert(prov.meters_registered === 3, `3 meters registered (${JSON.stringify(prov)})`);
  const region = (await api.query.meters.regions(1)).unwrap();
  assert(region.activeMeters.toNumber() === 3, 'region 1 has 3 active meters on chain');

  step('kgc setup: the next two periods');
  const setup = JSON.parse((await gridmask([...url, '--json', 'kgc', 'setup', '--store', store, '--next', '2'])).stdout);
  assert(setup.published === 2, `2 setups published (${JSON.stringify(setup)})`);
  const period = setup.periods[0];

  // No --first-period: the run must start with the first period whose setup is complete on
  // chain (the setup skipped the periods whose window opens too soon), never earlier.
  step(`meter run: from the first set-up period (${period})`);
  const run = await gridmask([...url, '--json', 'meter', 'run', '--credentials', join(store, 'meters'),
    '--periods', '1', '--via', 'transaction'], { allowFail: true });
  const report = JSON.parse(run.stdout);
  assert(run.code === 0, `meter run succeeded: ${run.stderr} ${JSON.stringify(report)}`);
  assert(report.periods.length === 1 && report.periods[0] === period,
    `the run reported period ${period}, the first set up (${report.periods})`);
  assert(run.stderr.includes(`starting with period ${period}:`), `the run says where it starts: ${run.stderr}`);
  assert(report.submitted === 6 && report.included === 6, `6 shares included (${report.submitted}/${report.included})`);

  step('each reading is an unsigned extrinsic in a finalized block; each share reads back');
  const finalized = await api.rpc.chain.getFinalizedHead();
  const lastN = (await api.rpc.chain.getHeader(finalized)).number.toNumber();
  const found = new Map();
  for (let n = lastN; n > 2 && found.size < 6; n--) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const block = await api.rpc.chain.getBlock(hash);
    for (const xt of block.block.extrinsics) {
      if (xt.method.section === 'readings' && xt.method.method === 'submitReading') {
        assert(!xt.isSigned, 'a reading carries no signature of an account');
        const prid = xt.method.args[2].toHex();
        found.set(prid, { block: n, value: xt.method.args[3][0].toBigInt() });
      }
    }
  }
  assert(found.size === 6, `6 reading extrinsics in finalized blocks (found ${found.size})`);
  for (const s of report.shares) {
    assert(found.has(s.prid), `share ${s.prid} is in a finalized block`);
    const share = await api.call.readingsApi.share(s.region, s.period, s.prid);
    assert(share.isSome, `ReadingsApi.share returns ${s.prid}`);
    assert(share.unwrap().masked[0].toBigInt() === found.get(s.prid).value, 'the stored value is the submitted one');
  }

  step('sealing: the aggregate is the sum of the consumption');
  const expected = report.consumption.reduce((a, [, , , c]) => a + BigInt(c), 0n);
  const outcome = await waitFor('the period to be sealed', async () => {
    const st = await api.call.readingsApi.periodState(1, period);
    return st.phase.isDone ? st.phase.asDone : null;
  }, 120_000, api);
  assert(outcome.isSealed, `period ${period} sealed (${outcome.toString()})`);
  const aggregate = outcome.asSealed.aggregates[0].unwrap().toBigInt();
  assert(aggregate === expected, `aggregate ${aggregate} = Σ ${expected}`);
  assert(outcome.asSealed.count.toNumber() === 6, 'count 6');

  step('replaying a share is refused with a named reason');
  const replay = await gridmask([...url, '--json', 'meter', 'run', '--credentials', join(store, 'meters', 'meter-1000.json'),
    '--periods', '1', '--first-period', String(period)], { allowFail: true });
  assert(replay.code === 2, `the replay run fails with exit status 2 (${replay.code}: ${replay.stderr})`);
  const rejected = Object.keys(JSON.parse(replay.stdout).rejected);
  assert(rejected.every((r) => ['DuplicatePrid', 'WindowClosed'].includes(r)) && rejected.length > 0,
    `rejected by name: ${rejected}`);

  step('status (of the finalized chain) shows the sealed period');
  let status;
  await waitFor('the sealed period in `gridmask status`', async () => {
    status = JSON.parse((await gridmask([...url, '--json', 'status'])).stdout);
    const r1 = status.regions.find((r) => r.region === 1);
    return r1?.periods.some((x) => x.period === period && x.outcome === `sealed ${expected} Wh (6 shares)`);
  }, 60_000, api).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(status)}`); });

  step('the node\'s /metrics counts the readings and the sealed period');
  const m = await waitFor('the sealed period in /metrics', async () => {
    const now = await metrics(node);
    return now.get('gridmask_periods_total{outcome="sealed"}') >= 1 ? now : null;
  }, 60_000, api);
  assert(m.get('gridmask_shares_stored_total') === 6, `6 shares stored (${m.get('gridmask_shares_stored_total')})`);
  // The latest period with an outcome: the one sealed, or already the next (set up, no readings: faulted).
  assert([6, 0].includes(m.get('gridmask_period_shares{region="1"}')),
    `the shares of region 1's latest period (${m.get('gridmask_period_shares{region="1"}')})`);

  step('polkadot.js check with readings in state');
  await api.disconnect();
  const check = spawn('node', [join(repoRoot, 'scripts/js/check.mjs'), node.ws], { stdio: 'inherit' });
  const code = await new Promise((r) => check.on('exit', r));
  assert(code === 0, 'the polkadot.js check passes');
  step('readings test passed');
});
