// Integration test of aggregator faults (issue 8) on the 4-aggregator local network:
//
// 1. Alice, Bob, Charlie and Dave (the `test-local` preset's aggregators; Eve is the KGC) start
//    on free loopback ports (2 s slots, 20 s periods, 15 s windows); finality runs.
// 2. The KGC provisions 8 meters in 2 regions and publishes the setups; `gridmask meter run`
//    reports 4 periods with the endpoints [Bob, Charlie, Alice, Dave] in that order of
//    preference, so every meter starts on Bob.
// 3. Bob stops: blocks and finality go on (3 of 4 ≥ 2/3 + 1), meters fail over.
// 4. Charlie stops too: finality stalls (2 of 4 < 2/3) while blocks, and readings, go on.
// 5. Both restart with the same data and ports: finality catches up with the head.
// 6. The run's every share is included, and each included share is in the finalized chain
//    (checked again here with polkadot.js at the finalized head); every period of the run is
//    sealed with the meters' true total.
// Reports the finality lag (best − finalized) in each phase and the recovery time. Every phase
// begins and ends on the chain's own events (its best block's time against the reading
// windows, blocks built, finality), never after a fixed sleep.
//
// usage: node aggregators.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  startNode, connect, waitFor, workDir, tail, peerIdOf, followHeads, TEST_LOCAL_CHAIN,
} from './lib/node.mjs';
import { gridmaskJson, clientBinary, assert, stepper } from './lib/client.mjs';

const step = stepper();
const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const NODE_KEYS = NAMES.map((_, i) => (i + 1).toString(16).padStart(64, '0'));
const PERIODS = 4;

/** Samples (best, finalized) at every head `heads` sees, labelled with the current phase. */
function sampler(heads) {
  const samples = [];
  let phase = 'all up';
  const t0 = Date.now();
  const take = () => samples.push({ t: (Date.now() - t0) / 1000, phase, best: heads.best, fin: heads.fin });
  take();
  const off = heads.onHead(take);
  return {
    samples,
    // A phase starts with a sample of where the chain stands.
    set phase(p) { phase = p; take(); },
    stop() { off(); },
    last() { return samples[samples.length - 1]; },
    lag(p) {
      const s = samples.filter((x) => x.phase === p);
      if (!s.length) return null;
      const lags = s.map((x) => x.best - x.fin);
      return {
        seconds: Math.round(s[s.length - 1].t - s[0].t),
        blocks: s[s.length - 1].best - s[0].best,
        finalized: s[s.length - 1].fin - s[0].fin,
        lag_max: Math.max(...lags),
        lag_mean: Number((lags.reduce((a, b) => a + b, 0) / lags.length).toFixed(1)),
      };
    },
  };
}

async function main() {
  const dir = workDir('gridmask-aggregators');
  const spec = TEST_LOCAL_CHAIN;
  const boot = `/ip4/127.0.0.1/tcp/%PORT%/p2p/${peerIdOf(NODE_KEYS[0], dir)}`;
  const nodes = {};
  let ok = false;
  let meterRun = null;
  try {
    step('4 aggregators start from the local chain spec');
    nodes.alice = await startNode({ name: 'alice', chain: spec, key: 'alice', nodeKey: NODE_KEYS[0] }, dir);
    const bootnode = boot.replace('%PORT%', nodes.alice.p2pPort);
    for (const [i, name] of NAMES.entries()) {
      if (name === 'alice') continue;
      nodes[name] = await startNode({ name, chain: spec, key: name, nodeKey: NODE_KEYS[i], bootnodes: [bootnode] }, dir);
    }
    const api = await connect(nodes.alice);
    const heads = await followHeads(api);
    await heads.until('finality past block 3 with 4 voters', (h) => h.fin >= 3, 120_000);
    const mon = sampler(heads);

    step('the KGC (Eve) provisions 8 meters in 2 regions and publishes the setups');
    const store = join(dir, 'store');
    const kgc = ['--url', nodes.alice.ws, 'kgc'];
    const prov = await gridmaskJson([...kgc, 'provision', '--kgc-suri', '//Eve', '--store', store,
      '--regions', '1,2', '--meters-per-region', '4', '--no-push', '--fund-owners', '0']);
    assert(prov.provision.meters_registered === 8, `8 meters registered (${JSON.stringify(prov.provision)})`);
    const setup = await gridmaskJson([...kgc, 'setup', '--kgc-suri', '//Eve', '--store', store, '--next', String(PERIODS + 2)]);
    const clock = (await api.call.readingsApi.time()).toJSON();
    const periodMs = clock.params.periodMs;
    const windowMs = clock.params.windowMs;
    const slotMs = api.consts.aura.slotDuration.toNumber();
    // The first set-up period whose window opens at least 4 slots after the best block (time
    // for the meters to start).
    const first = setup.periods.find((p) => clock.params.genesisStartMs + (p + 1) * periodMs > heads.bestTime + 4 * slotMs);
    assert(first !== undefined && setup.periods.includes(first + PERIODS - 1), `periods ${first}.. set up (${setup.periods})`);
    const windowOpen = (p) => clock.params.genesisStartMs + (p + 1) * periodMs;
    const windowClose = (p) => windowOpen(p) + windowMs;
    /** Until the chain's clock (its best block's time) reaches `ms`. */
    const untilChainTime = (what, ms) => heads.until(what, (h) => h.bestTime >= ms, 5 * 60_000);
    /** Until `n` more blocks are built on the best chain. */
    const untilBlocks = (what, n) => {
      const from = heads.best;
      return heads.until(what, (h) => h.best >= from + n, 5 * 60_000);
    };

    step(`meter run: periods ${first}..${first + PERIODS - 1}, endpoints Bob, Charlie, Alice, Dave`);
    const urls = ['bob', 'charlie', 'alice', 'dave'].map((n) => nodes[n].ws).join(',');
    meterRun = runMeters(['--url', urls, '--json', 'meter', 'run', '--credentials', join(store, 'meters'),
      '--periods', String(PERIODS), '--first-period', String(first)]);

    // Bob goes down shortly before the first window opens, so meters starting on him fail over.
    await untilChainTime('two slots before the first window', windowOpen(first) - 2 * slotMs);
    step('Bob stops: blocks and finality go on with 3 of 4');
    mon.phase = '1 down';
    await nodes.bob.stop();
    await untilChainTime('the first window to close', windowClose(first) + slotMs);
    const one = mon.lag('1 down');
    // About 10 slots pass; 3 is a floor a loaded machine still clears.
    assert(one.blocks >= 3 && one.finalized >= 3, `blocks and finality go on: ${JSON.stringify(one)}`);

    step('Charlie stops too: finality stalls, blocks go on');
    mon.phase = '2 down (settling)';
    await nodes.charlie.stop();
    // Votes already cast land (a round needs 3 of 4 to complete): two more blocks, at least
    // four slots with two of four authors.
    await untilBlocks('two blocks after Charlie stopped', 2);
    mon.phase = '2 down';
    // The stall covers the second period's window, and at least four blocks.
    await untilChainTime('the second window to close', windowClose(first + 1) + slotMs);
    await untilBlocks('four blocks with two authors', Math.max(0, 4 - mon.lag('2 down').blocks));
    const two = mon.lag('2 down');
    assert(two.finalized === 0, `finality stalls: ${JSON.stringify(two)}`);
    // Two of four authors: about one block per two slots, fewer if a slot is missed.
    assert(two.blocks >= 2, `blocks go on: ${JSON.stringify(two)}`);

    step('Bob and Charlie restart: finality catches up');
    const head = mon.last().best;
    mon.phase = 'recovery';
    const restartedAt = Date.now();
    nodes.bob.restart();
    nodes.charlie.restart();
    await heads.until(`finality past block ${head}`, (h) => h.fin >= head, 180_000);
    const recovery_s = (Date.now() - restartedAt) / 1000;
    mon.phase = 'after recovery';

    step('the meter run ends: every share included, every included share finalized');
    const run = await meterRun.done;
    writeFileSync(join(dir, 'meter-run.json'), run.stdout);
    writeFileSync(join(dir, 'meter-run.err'), run.stderr);
    let report;
    try { report = JSON.parse(run.stdout); } catch {
      throw new Error(`meter run (exit ${run.code}) printed no report: ${run.stderr.slice(-2000)}`);
    }
    const total = 8 * 2 * PERIODS;
    const lost = report.shares.filter((x) => x.status !== 'included');
    assert(report.submitted === total && report.included === total && report.missing === 0,
      `all ${total} shares included (${report.submitted}/${report.included}, missing ${report.missing}, `
      + `rejected ${JSON.stringify(report.rejected)}): ${JSON.stringify(lost)}`);
    assert(run.code === 0, `meter run succeeded: ${run.stderr.slice(-2000)}`);
    assert(report.failovers > 0, `meters failed over (${report.failovers})`);
    const finHash = await api.rpc.chain.getFinalizedHead();
    const at = await api.at(finHash);
    for (const s of report.shares) {
      const share = await at.query.readings.shares([s.region, s.period], s.prid);
      assert(share.isSome, `share ${s.prid} of meter ${s.meter} (period ${s.period}) is in the finalized chain`);
    }

    step('every period of the run is sealed with the meters\' true total');
    for (let p = first; p < first + PERIODS; p++) {
      for (const region of [1, 2]) {
        const truth = report.consumption.filter(([, r, q]) => r === region && q === p)
          .reduce((a, [, , , c]) => a + BigInt(c), 0n);
        const outcome = await waitFor(`the outcome of (${region}, ${p})`, async () => {
          const o = await api.query.readings.outcomes(region, p);
          return o.isSome ? o.unwrap() : null;
        }, 120_000, api);
        assert(outcome.isSealed && outcome.asSealed.aggregates[0].unwrap().toBigInt() === truth,
          `(${region}, ${p}) sealed with ${truth} Wh: ${outcome.toString()}`);
      }
    }
    mon.stop();
    heads.stop();
    const figures = {
      phases: Object.fromEntries(['all up', '1 down', '2 down', 'recovery', 'after recovery']
        .map((p) => [p, mon.lag(p)])),
      recovery_s,
      failovers: report.failovers,
      resent: report.resent,
      shares: total,
    };
    console.log(`figures ${JSON.stringify(figures)}`);
    await api.disconnect();
    ok = true;
  } finally {
    meterRun?.kill();
    for (const n of Object.values(nodes)) await n.stop();
    if (!ok) {
      for (const n of Object.values(nodes)) console.error(`--- ${n.name} log (${n.log})\n${tail(n.log, 25)}`);
      console.error(`work dir kept: ${dir}`);
    }
  }
}

/** `gridmask args` in the background: { done: Promise<{code, stdout, stderr}>, kill() }. */
function runMeters(args) {
  const proc = spawn(clientBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((res) => proc.once('exit', (code) => res({ code, stdout, stderr })));
  return { done, kill: () => proc.exitCode === null && proc.kill('SIGKILL') };
}

main().then(() => { console.log('aggregators test passed'); process.exit(0); },
  (e) => { console.error(`aggregators test FAILED: ${e.stack ?? e}`); process.exit(1); });
