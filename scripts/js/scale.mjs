// Scale run of the client on a fresh dev node: provision N meters in one region, set up the
// rest of cycle 0 and all of cycle 1, run every meter through cycle 0, bill cycle 0; prints the
// figures as JSON (wall times, readings offered and included per second, peak client memory).
//
// usage: node scale.mjs [--meters 1000] [--dir DIR]

import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startNode, connect, waitFor, finalizedNumber, workDir, tail } from './lib/node.mjs';
import { clientBinary, stepper } from './lib/client.mjs';

const { values: a } = parseArgs({ options: { meters: { type: 'string', default: '1000' }, dir: { type: 'string' } } });
const log = stepper();
const dir = a.dir ?? workDir('gridmask-scale');
mkdirSync(dir, { recursive: true });

/** Runs the client under /usr/bin/time -v; resolves with { code, stdout, stderr, secs, maxRssKb }. */
function timed(args) {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const p = spawn('/usr/bin/time', ['-v', clientBinary(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', rej);
    p.on('exit', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      res({ code, stdout, stderr, secs: (Date.now() - t0) / 1000, maxRssKb: rss ? Number(rss[1]) : null });
    });
  });
}

const node = await startNode({ name: 'alice', chain: 'dev', key: 'alice',
  nodeKey: '0000000000000000000000000000000000000000000000000000000000000001' }, dir);
const figures = { meters: Number(a.meters) };
let ok = false;
try {
  const api = await connect(node);
  await waitFor('block 2', async () => (await finalizedNumber(api)) >= 2, 60_000);
  const url = ['--url', node.ws, '--content-store', join(dir, 'content')];
  const store = join(dir, 'store');
  const step = async (name, args) => {
    log(name);
    const r = await timed([...url, '--json', ...args]);
    if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.stderr}\n${r.stdout}`);
    figures[name] = { secs: r.secs, max_rss_mb: r.maxRssKb && Math.round(r.maxRssKb / 1024) };
    return JSON.parse(r.stdout);
  };
  await step('provision', ['kgc', 'provision', '--store', store, '--regions', '1',
    '--meters-per-region', a.meters, '--fund-owners', '0']);
  await step('tariff', ['cc', 'tariff', 'set', '--region', '1', '--flat', '200000', '--from-period', '3']);
  const s0 = await step('setup_cycle0', ['kgc', 'setup', '--store', store, '--cycle', '0']);
  figures.setup_cycle0.periods = s0.periods.length;
  figures.setup_cycle0.compute_secs = s0.compute_secs;
  const s1 = await step('setup_cycle1', ['kgc', 'setup', '--store', store, '--cycle', '1']);
  figures.setup_cycle1.periods = s1.periods.length;
  figures.setup_cycle1.compute_secs = s1.compute_secs;
  figures.setup_cycle1.transactions = s1.transactions;

  const status = JSON.parse((await timed([...url, '--json', 'status', '--last', '0'])).stdout);
  const first = Math.max(s0.periods[0], status.current_period, 3);
  const last = status.periods_per_cycle - 1;
  const run = await step('meters', ['meter', 'run', '--credentials', join(store, 'meters'),
    '--first-period', String(first), '--periods', String(last - first + 1)]);
  figures.meters.periods = last - first + 1;
  figures.meters.submitted = run.submitted;
  figures.meters.included = run.included;
  figures.meters.rejected = run.rejected;
  figures.meters.missing = run.missing;

  log('waiting for the cycle to be sealed');
  await waitFor('cycle 0 sealed', async () => {
    const st = JSON.parse((await timed([...url, '--json', 'status', '--last', '12'])).stdout);
    return st.current_cycle >= 1 && st.regions[0].periods.filter((p) => p.period >= first && p.period <= last).every((p) => p.aggregate !== null);
  }, 300_000);
  const bill = await step('bill_cycle0', ['kgc', 'bill', '--store', store, '--cycle', '0']);
  figures.bill_cycle0.billed = bill.billed.length;
  figures.bill_cycle0.make_secs = bill.make_secs;
  figures.bill_cycle0.post_secs = bill.post_secs;
  figures.bill_cycle0.transactions = bill.transactions;
  await step('owner_verify_one', ['owner', 'bill', '--store', store, '--meter', '1000', '--cycle', '0',
    '--out', join(dir, 'bill-1000-0.html')]);
  ok = true;
  await api.disconnect();
} catch (e) {
  console.error(e);
} finally {
  await node.stop();
  if (!ok) console.error(`--- ${node.log}\n${tail(node.log)}`);
}
console.log(JSON.stringify(figures, null, 2));
process.exit(ok ? 0 : 1);
