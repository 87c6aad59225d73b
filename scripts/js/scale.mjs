// Scale run of the client on a fresh dev node: provision N meters in R regions, set up one
// whole billing cycle that lies ahead, run every meter through it, bill it and verify one bill;
// prints the figures as JSON (wall times and the client's peak memory per step, readings sent
// and finalized).
//
// usage: node scale.mjs [--meters 1000] [--regions 1] [--dir DIR] [--no-bill] [--ahead CYCLES]
//                       [--period-s S --window-s W --periods-per-cycle P]
//                       [--channels import_wh,export_wh,…] [--prosumers PCT]
//
// --channels sets the regions' reading shape (`kgc provision --channels`), --prosumers registers
// that share of each region's meters as prosumers (their PV exports at midday); the tariff then
// has an export (feed-in) price too.
// The dev chain's periods (60 s, a 30-s window, 10 per cycle) fit a few thousand meters: all of
// a period's shares must reach the chain inside one window. The time options run the same dev
// chain from a spec with other time parameters (e.g. 120 / 100 / 3 for 10,000 meters).
// --no-bill stops once the cycle is sealed (e.g. 100,000 meters through one period:
// --regions 2 --period-s 150 --window-s 100 --periods-per-cycle 1 --ahead 2; a region holds at
// most 65,536 meters, `Readings::SetupTooLarge`). The node's peak memory (VmHWM) is reported too.

import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startNode, connect, waitFor, finalizedNumber, workDir, tail, nodeBinary } from './lib/node.mjs';
import { clientBinary, run, stepper } from './lib/client.mjs';

const { values: a } = parseArgs({ options: {
  meters: { type: 'string', default: '1000' },
  regions: { type: 'string', default: '1' },
  dir: { type: 'string' },
  'period-s': { type: 'string' },
  'window-s': { type: 'string' },
  'periods-per-cycle': { type: 'string' },
  'no-bill': { type: 'boolean', default: false },
  ahead: { type: 'string', default: '1' },
  channels: { type: 'string' },
  prosumers: { type: 'string', default: '0' },
} });
const log = stepper();
const dir = a.dir ?? workDir('gridmask-scale');
mkdirSync(dir, { recursive: true });

/** Runs the client under /usr/bin/time -v; resolves with { code, stdout, stderr, secs, maxRssKb }. */
async function timed(args) {
  const t0 = Date.now();
  const r = await run('/usr/bin/time', ['-v', clientBinary(), ...args]);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { ...r, secs: (Date.now() - t0) / 1000, maxRssKb: rss ? Number(rss[1]) : null };
}

/** The node process's peak resident memory (VmHWM), MB. */
function nodePeakRssMb(n) {
  try {
    const status = readFileSync(`/proc/${n.proc.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    return kb ? Math.round(Number(kb[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The dev chain spec with other reading-time parameters (only those given). */
function chainSpec() {
  const time = { periodMs: a['period-s'] && Number(a['period-s']) * 1000,
    windowMs: a['window-s'] && Number(a['window-s']) * 1000,
    periodsPerCycle: a['periods-per-cycle'] && Number(a['periods-per-cycle']) };
  if (!Object.values(time).some((v) => v)) return 'dev';
  const spec = JSON.parse(execFileSync(nodeBinary(), ['build-spec', '--chain', 'dev'],
    { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString());
  const g = spec.genesis.runtimeGenesis;
  const readings = (g.patch ?? g.config).readings;
  for (const [k, v] of Object.entries(time)) if (v) readings[k] = v;
  const file = join(dir, 'chain-spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

// An aggregator's pool must hold a whole window of shares (scripts/common.sh).
const node = await startNode({ name: 'alice', chain: chainSpec(), key: 'alice',
  nodeKey: '0000000000000000000000000000000000000000000000000000000000000001',
  extra: ['--pool-limit', process.env.GRIDMASK_POOL_LIMIT ?? '32768'] }, dir);
const regions = Number(a.regions);
if (!(regions >= 1) || Number(a.meters) % regions !== 0) {
  console.error(`--meters ${a.meters} does not split into --regions ${a.regions} equal regions`);
  process.exit(2);
}
const figures = { meters: Number(a.meters), regions, channels: a.channels ?? 'import_wh', prosumers_pct: Number(a.prosumers) };
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
  await step('provision', ['kgc', 'provision', '--store', store, '--regions', Array.from({ length: regions }, (_, i) => i + 1).join(','),
    '--meters-per-region', String(Number(a.meters) / regions), '--fund-owners', '0', '--kgc-admin', node.admin,
    ...(a.channels ? ['--channels', a.channels] : []), '--prosumers', a.prosumers]);
  for (let r = 1; r <= regions; r++) {
    await step(`tariff_${r}`, ['cc', 'tariff', 'set', '--region', String(r), '--flat', '200000', '--export-flat', '80000']);
  }

  // A cycle whose first window is still far enough ahead to publish its setups: the next, or
  // `--ahead` cycles on (short cycles of many meters: their setup takes longer than one).
  const clock = JSON.parse((await timed([...url, '--json', 'status', '--last', '0'])).stdout);
  const ppc = clock.periods_per_cycle;
  const cycle = clock.current_cycle + Number(a.ahead);
  figures.time = { period_ms: clock.period_ms, periods_per_cycle: ppc, cycle };
  const s = await step('setup', ['kgc', 'setup', '--store', store, '--cycle', String(cycle)]);
  if (s.periods.length !== ppc) throw new Error(`cycle ${cycle}: only ${s.periods.length} of ${ppc} periods set up`);
  figures.setup.periods = s.periods.length;
  figures.setup.compute_secs = s.compute_secs;
  figures.setup.transactions = s.transactions;

  const first = cycle * ppc;
  const run = await step('meters', ['meter', 'run', '--credentials', join(store, 'meters'),
    '--first-period', String(first), '--periods', String(ppc)]);
  figures.meters.periods = ppc;
  figures.meters.submitted = run.submitted;
  figures.meters.included = run.included;
  figures.meters.rejected = run.rejected;
  figures.meters.missing = run.missing;

  log(`waiting for cycle ${cycle} to be sealed`);
  await waitFor(`cycle ${cycle} sealed`, async () => {
    // Every period from the cycle's first to the current one (sealing may take periods).
    const now = JSON.parse((await timed([...url, '--json', 'status', '--last', '0'])).stdout);
    const last = String(Math.max(ppc + 2, now.current_period - first + 1));
    const st = JSON.parse((await timed([...url, '--json', 'status', '--last', last])).stdout);
    const sealed = (region) => {
      const ours = region.periods.filter((p) => p.period >= first && p.period < first + ppc);
      return ours.length === ppc && ours.every((p) => p.aggregate !== null);
    };
    return st.current_cycle > cycle && st.regions.length === regions && st.regions.every(sealed);
  }, 2 * clock.period_ms + 300_000);
  figures.node_peak_rss_mb = nodePeakRssMb(node);
  if (!a['no-bill']) {
    const bill = await step('bill', ['kgc', 'bill', '--store', store, '--cycle', String(cycle)]);
    figures.bill.billed = bill.billed.length;
    figures.bill.make_secs = bill.make_secs;
    figures.bill.post_secs = bill.post_secs;
    figures.bill.transactions = bill.transactions;
    await step('owner_verify_one', ['owner', 'bill', '--store', store, '--meter', '1000', '--cycle', String(cycle),
      '--out', join(dir, `bill-1000-${cycle}.html`)]);
  }
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
