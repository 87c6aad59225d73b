// The full gridmask cycle, driven only by the `gridmask` client against a node (PROTOCOL §4):
// provision meters (secrets pushed to the KGC node), prosumers among them (readings of two
// channels, import and export), tariffs with feed-in prices, period setups, meters reporting
// with some silent, faults resolved by the KGC node's off-chain worker, bills, and every owner
// checking their bill against the chain; then one acknowledgement, one dispute answered by a
// superseding bill. Used by scripts/demo.sh and scripts/js/demo.test.mjs.
//
// Prosumers: 60% of region 1's meters; exactly one in the last region, which therefore never
// publishes an export aggregate (k-anonymity per channel: fewer possible contributors than the
// chain's MinRegionMeters) while its prosumer's bill still verifies.

import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { gridmask, gridmaskJson, assert } from './client.mjs';


/**
 * Runs the demo. `opts`: { urls: [ws…] (failover order), kgcAdmin (the KGC node's admin
 * endpoint), dir, meters, regions, cycles,
 * silent (meters silent), silentPeriods, log }. Returns the summary.
 */
export async function demo(opts) {
  const { dir, log } = opts;
  const url = ['--url', opts.urls.join(',')];
  const store = join(dir, 'store');
  const content = ['--content-store', join(dir, 'content')];
  const perRegion = Math.ceil(opts.meters / opts.regions);
  const regions = Array.from({ length: opts.regions }, (_, i) => i + 1);
  const timing = {};
  const t = () => Date.now();

  // 60% prosumers; in the last region (of several) exactly one.
  const prosumerPct = (r) => (r === regions.length && r > 1 ? Math.ceil(100 / perRegion) : 60);
  const prosumers = regions.map((r) => `${r}:${prosumerPct(r)}`).join(',');
  log(`provision: ${perRegion * opts.regions} meters in regions ${regions} (prosumers ${prosumers} %); secrets to the KGC node`);
  let t0 = t();
  const prov = await gridmaskJson([...url, 'kgc', 'provision', '--store', store,
    '--regions', regions.join(','), '--meters-per-region', String(perRegion),
    '--prosumers', prosumers, '--kgc-admin', opts.kgcAdmin]);
  timing.provision_s = (t() - t0) / 1000;
  const meters = Array.from({ length: prov.provision.meters_registered }, (_, i) => 1000 + i);
  const prosumerMeters = meters.filter((m) =>
    JSON.parse(readFileSync(join(store, 'meters', `meter-${m}.json`), 'utf8')).prosumer === true);
  assert(prosumerMeters.length === prov.provision.prosumers, `prosumers ${prosumerMeters} registered`);
  // Silent: the second meter of each region in turn.
  const silent = Array.from({ length: opts.silent }, (_, k) => 1000 + (k % opts.regions) * perRegion + 1 + Math.floor(k / opts.regions));

  log('tariffs: region 1 flat; the others time-of-use with a demand tier; export (feed-in) flat');
  const tariffs = [];
  for (const r of regions) {
    const args = r === 1
      ? ['--flat', '200000', '--export-flat', '80000']
      : ['--day-periods', '4', '--band', '0:150000', '--band', '2:250000', '--tier', `${1000 * perRegion}:50000`,
        '--export-flat', '60000'];
    tariffs.push(await gridmaskJson([...url, 'cc', 'tariff', 'set', '--region', String(r), ...args]));
  }
  const from = Math.max(...tariffs.map((x) => x.effective_from));

  // The cycles: those whose periods from `from` on can still be set up.
  let status = await gridmaskJson([...url, 'status', '--last', '0']);
  const perCycle = await periodsPerCycle(url);
  const firstCycle = Math.floor(from / perCycle);
  const cycles = Array.from({ length: opts.cycles }, (_, i) => firstCycle + i);
  log(`setup: cycles ${cycles} (chain in period ${status.current_period})`);
  t0 = t();
  const setupPeriods = [];
  for (const c of [...cycles]) {
    const r = await gridmask([...url, '--json', 'kgc', 'setup', '--store', store, '--cycle', String(c)], { allowFail: true });
    // `from` may be its cycle's last period, whose window can open before the setup lands:
    // then the first cycle has nothing left to set up, and the demo takes the next one instead.
    if (r.code !== 0 && c === firstCycle && /window has opened or is about to/.test(r.stderr)) {
      cycles.shift();
      cycles.push(c + opts.cycles);
      const s = await gridmaskJson([...url, 'kgc', 'setup', '--store', store, '--cycle', String(c + opts.cycles)]);
      setupPeriods.push(...s.periods);
      continue;
    }
    assert(r.code === 0, `kgc setup --cycle ${c}: ${r.stderr}`);
    setupPeriods.push(...JSON.parse(r.stdout).periods);
  }
  timing.setup_s = (t() - t0) / 1000;
  // Meters start with the current period (its window opens at its end); periods set up and
  // gone by then fault with every meter absent, and the worker resolves them.
  const now = (await gridmaskJson([...url, 'status', '--last', '0'])).current_period;
  const first = Math.max(from, Math.min(...setupPeriods), now);
  const last = (cycles[cycles.length - 1] + 1) * perCycle - 1;
  assert(setupPeriods.includes(first), `period ${first} is set up (${setupPeriods})`);

  log(`meters: periods ${first}..${last}; silent for ${opts.silentPeriods} periods: ${silent}`);
  t0 = t();
  const run = await gridmask([...url, '--json', 'meter', 'run', '--credentials', join(store, 'meters'),
    '--first-period', String(first), '--periods', String(last - first + 1),
    ...silent.flatMap((m) => ['--silent', `${m}:${opts.silentPeriods}`])], { allowFail: true });
  const readings = JSON.parse(run.stdout);
  assert(run.code === 0, `every share is in the finalized chain: ${run.stderr} ${JSON.stringify({ ...readings, shares: undefined, consumption: undefined })}`);
  timing.meters_s = (t() - t0) / 1000;

  log('waiting until every period is sealed (faults resolved by the off-chain worker)');
  const lastN = String(last - first + 3);
  // Each check reads the finalized chain's period outcomes; a new one can come with each
  // finalized block, so check about once a block (a tenth of a period).
  const periodMs = status.period_ms;
  for (;;) {
    status = await gridmaskJson([...url, 'status', '--last', lastN]);
    const pending = status.regions.flatMap((r) => r.periods
      .filter((p) => p.period >= first && p.period <= last && p.aggregate === null)
      .map((p) => `${r.region}/${p.period}: ${p.outcome}${p.fault ? ` fault ${p.fault}` : ''}`));
    if (pending.length === 0) break;
    if (t() - t0 > (last - first + 8) * (periodMs + 10_000)) throw new Error(`periods not sealed: ${pending}`);
    await new Promise((r) => setTimeout(r, periodMs / 10));
  }

  // Aggregates against the meters' own import and export.
  const sums = (rows) => {
    const m = new Map();
    for (const [, region, period, wh] of rows) {
      const k = `${region}/${period}`;
      m.set(k, (m.get(k) ?? 0n) + BigInt(wh));
    }
    return m;
  };
  const truth = sums(readings.consumption);
  const exportTruth = sums(readings.export);
  const periods = [];
  for (const r of status.regions) {
    for (const p of r.periods.filter((x) => x.period >= first && x.period <= last)) {
      const k = `${r.region}/${p.period}`;
      const expected = truth.get(k) ?? 0n;
      assert(BigInt(p.aggregate) === expected, `region ${r.region} period ${p.period}: aggregate ${p.aggregate} = Σ ${expected}`);
      assert(p.price !== null, `region ${r.region} period ${p.period} is priced`);
      const exported = p.aggregates[1];
      if (exported !== null) {
        assert(BigInt(exported) === (exportTruth.get(k) ?? 0n), `region ${r.region} period ${p.period}: export ${exported} = Σ ${exportTruth.get(k)}`);
      }
      if (prosumerPct(r.region) * perRegion < 300) {
        assert(exported === null, `region ${r.region} (fewer prosumers than the floor) publishes no export aggregate (${exported})`);
      }
      periods.push({ region: r.region, period: p.period, aggregate: p.aggregate, export: exported, price: p.price, fault: p.fault });
    }
  }
  const faults = periods.filter((p) => p.fault);

  const bills = [];
  const billDir = join(dir, 'bills');
  mkdirSync(billDir, { recursive: true });
  for (const c of cycles) {
    log(`bill cycle ${c}`);
    t0 = t();
    const b = await gridmaskJson([...url, ...content, 'kgc', 'bill', '--store', store, '--cycle', String(c)]);
    timing[`bill_cycle_${c}_s`] = (t() - t0) / 1000;
    assert(b.billed.length === meters.length, `${meters.length} bills posted (${b.billed.length})`);
    log(`owners verify their bills of cycle ${c}`);
    t0 = t();
    for (const m of meters) {
      const v = await gridmask([...url, ...content, '--json', 'owner', 'bill', '--store', store,
        '--meter', String(m), '--cycle', String(c), '--out', join(billDir, `bill-${m}-${c}.html`)], { allowFail: true });
      const res = JSON.parse(v.stdout);
      bills.push({ meter: m, cycle: c, verified: v.code === 0 && res.problems.length === 0, problems: res.problems,
        total_wh: res.total_wh, export_wh: res.export_wh, total_amount: res.total_amount, cid: res.cid,
        prosumer: prosumerMeters.includes(m) });
    }
    timing[`verify_cycle_${c}_s`] = (t() - t0) / 1000;
  }

  const c = cycles[0];
  log(`owner of ${meters[0]} acknowledges; owner of ${meters[1]} disputes, the KGC answers with a superseding bill`);
  // `owner ack` verifies the bill again before it acknowledges the version it verified.
  await gridmask([...url, ...content, 'owner', 'ack', '--store', store, '--meter', String(meters[0]), '--cycle', String(c),
    '--out', join(billDir, `bill-${meters[0]}-${c}-ack.html`)]);
  await gridmask([...url, 'owner', 'dispute', '--store', store, '--meter', String(meters[1]), '--cycle', String(c),
    '--reason', 'please re-check period tariffs']);
  const superseded = await gridmaskJson([...url, ...content, 'kgc', 'bill', '--store', store, '--cycle', String(c),
    '--meter', String(meters[1]), '--supersede']);
  const reverified = await gridmask([...url, ...content, '--json', 'owner', 'bill', '--store', store,
    '--meter', String(meters[1]), '--cycle', String(c), '--out', join(billDir, `bill-${meters[1]}-${c}-v2.html`)], { allowFail: true });
  status = await gridmaskJson([...url, 'status', '--last', '0']);

  return {
    meters: meters.length,
    regions: regions.length,
    cycles,
    periods: { first, last },
    silent,
    prosumers: prosumerMeters,
    readings: { submitted: readings.submitted, included: readings.included, failovers: readings.failovers },
    aggregates: periods,
    faults_resolved: faults.length,
    bills_verified: bills.filter((b) => b.verified).length,
    bills_total: bills.length,
    bills,
    dispute: { superseded: superseded.billed, reverified: reverified.code === 0, version: JSON.parse(reverified.stdout).version },
    bill_status: status.bills,
    timing,
  };
}

async function periodsPerCycle(url) {
  return (await gridmaskJson([...url, 'status', '--last', '0'])).periods_per_cycle;
}

/** Prints the summary as a short table. */
export function printSummary(s, log = console.log) {
  log(`meters ${s.meters} in ${s.regions} regions; cycles ${s.cycles}; periods ${s.periods.first}..${s.periods.last}`);
  log(`readings: ${s.readings.included}/${s.readings.submitted} shares in the finalized chain (${s.readings.failovers} failovers)`);
  log('region  period  import Wh  export Wh  price, export price µ/kWh (source)  fault');
  for (const p of s.aggregates) {
    const exported = p.export === null ? 'withheld' : String(p.export);
    log(`${String(p.region).padStart(6)}  ${String(p.period).padStart(6)}  ${String(p.aggregate).padStart(9)}  ${exported.padStart(9)}  ${`${p.price[0]}, ${p.price[1]} (${p.price[2]})`.padEnd(35)}  ${p.fault ?? ''}`);
  }
  log(`prosumers: ${s.prosumers}`);
  for (const b of s.bills.filter((x) => x.prosumer)) {
    log(`  meter ${b.meter} cycle ${b.cycle}: import ${b.total_wh} Wh, export ${b.export_wh} Wh, amount ${b.total_amount} µ${b.total_amount < 0 ? ' (a credit)' : ''}`);
  }
  log(`faults resolved by the off-chain worker: ${s.faults_resolved} (silent meters ${s.silent})`);
  log(`bills verified by their owners: ${s.bills_verified}/${s.bills_total}`);
  for (const b of s.bills.filter((x) => !x.verified)) log(`  NOT verified: meter ${b.meter} cycle ${b.cycle}: ${b.problems.join('; ')}`);
  log(`dispute answered: bill v${s.dispute.version} ${s.dispute.reverified ? 'verified' : 'NOT verified'}`);
  for (const b of s.bill_status) {
    log(`bills of cycle ${b.cycle}: ${b.posted} posted, ${b.acknowledged} acknowledged, ${b.disputed} disputed, ${b.corrected} corrected`);
  }
  log(`timing (s): ${JSON.stringify(s.timing)}`);
}
