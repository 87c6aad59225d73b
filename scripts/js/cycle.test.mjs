// Integration test of pricing, fault repair and a whole billing cycle under faults (issues 5
// and 17) on a real node of the `test` chain with the real off-chain worker, driven by the
// `gridmask` client:
//
// 1. The KGC provisions 10 meters in regions 1 and 2 (5 each); `kgc provision` pushes their
//    master secrets into the node's PERSISTENT off-chain storage and the KGC's key into its
//    keystore as `gmkg`. A non-CC account's tariff is refused by name; the CC sets a
//    time-of-use tariff (two bands a "day" of 6 periods) in both regions. Setups are published
//    from the next period to the end of cycle A, the first whole cycle at least 4 periods
//    later.
// 2. Meters report every period, except:
//    - S (region 2) is silent throughout: each period faults and the worker's resolution
//      blames it (the rest of the region reported); after 5 it is suspended, and `kgc setup`
//      then rebuilds region 2's upcoming setups without it;
//    - L (region 1) sends only one share in A's first period: a lone share, kept in T and left
//      out of the aggregate;
//    - M (region 1) is moved to region 2 in A's third period (`kgc move`, `kgc setup`,
//      `kgc push-secrets`) and reports in region 2 from then on (falling back to region 1 for
//      a period whose region-1 setup was published before the move).
// 3. Every period of both regions settles, and every published aggregate is the true total of
//    the complete readings (both shares on chain). Each fault before A saw 8 of 10 shares and
//    its resolution names exactly S; S's fault count is the number of resolutions blaming it.
//    A sealed period is priced by the tariff; the CC overrides one (`cc price`). The node's
//    /metrics counts the faults recorded and resolved, and how long resolutions took.
// 4. `kgc bill --cycle A` bills every meter; every owner's `owner bill` verifies. L's partial
//    line and S's silent lines are billed at estimates; M's bill names both regions and both
//    are locked for overrides; S has no line for the periods after it was left out. The
//    reports go through a real IPFS node (js-ipfs, Kubo's HTTP RPC API, `--ipfs-api`): each
//    CID it gives is the raw CIDv1 computed here from the bytes it returns, and an owner's
//    bill verifies just as well from a directory store holding those bytes under that name.
//
// usage: node cycle.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIpfs, ipfsCat } from './lib/ipfs.mjs';
import { waitFor, rpcRaw, withTestNode, metrics } from './lib/node.mjs';
import { gridmask, gridmaskJson, assert, stepper } from './lib/client.mjs';

const step = stepper();

/** The raw CIDv1 (sha2-256) of `bytes`, base32: what the client and the chain name a report by. */
function rawCid(bytes) {
  const cid = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), createHash('sha256').update(bytes).digest()]);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = 'b';
  for (const byte of cid) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

withTestNode('gridmask-cycle', async ({ node, api, dir }) => {
  const url = ['--url', node.ws];
  const store = join(dir, 'store');
  const ipfs = await startIpfs(join(dir, 'ipfs'));
  const content = ['--ipfs-api', ipfs.api];
  const now = async () => (await api.call.readingsApi.time()).currentPeriod.unwrap().toNumber();

  step('kgc provision: 5 meters in each of regions 1 and 2');
  const prov = await gridmaskJson([...url, 'kgc', 'provision', '--store', store,
    '--regions', '1,2', '--meters-per-region', '5', '--kgc-admin', node.admin]);
  assert(prov.provision.meters_registered === 10, `10 meters registered (${JSON.stringify(prov.provision)})`);
  assert(JSON.stringify(prov.pushed.regions) === '[[1,5],[2,5]]', `both regions' 5 secrets pushed (${JSON.stringify(prov.pushed)})`);
  assert(prov.pushed.node_roles.includes('Authority'), 'the node is an authority (its worker runs)');
  const secretsKey = (r) => '0x' + Buffer.concat([Buffer.from('gridmask/kgc/secrets/'), Buffer.from([r, 0, 0, 0])]).toString('hex');
  // kgc.json is sealed; the meters' credentials (each meter's own file) say who is where.
  const sealedStore = readFileSync(join(store, 'kgc.json'), 'utf8');
  const kgc = {
    meters: readdirSync(join(store, 'meters')).map((f) => JSON.parse(readFileSync(join(store, 'meters', f), 'utf8'))),
  };
  assert(kgc.meters.length === 10 && JSON.parse(sealedStore).version === 2
    && kgc.meters.every((m) => !sealedStore.includes(m.master_secret.replace(/^0x/, ''))),
    'the KGC store (kgc.json) is sealed: no master secret appears in it');
  for (const r of [1, 2]) {
    const held = await rpcRaw(node.admin, 'offchain_localStorageGet', ['PERSISTENT', secretsKey(r)]);
    assert(held, `the node holds region ${r}'s secrets in PERSISTENT off-chain storage`);
    const plain = kgc.meters.filter((m) => m.region === r).map((m) => m.master_secret.replace(/^0x/, ''));
    assert(plain.length === 5 && plain.every((s) => s.length === 64 && !held.includes(s)),
      `region ${r}'s secrets are sealed: no master secret appears in what the node stores`);
  }
  assert(await rpcRaw(node.admin, 'author_hasKey', [prov.pushed.key, 'gmkg']), `the keystore holds ${prov.pushed.key} as gmkg`);
  assert(await rpcRaw(node.admin, 'author_hasKey', [prov.pushed.secrets_key, 'gmsk']), 'the node holds the secrets key');
  const keystoreFiles = readdirSync(join(dir, 'alice', 'chains'), { recursive: true }).map(String);
  assert(keystoreFiles.some((f) => /keystore\/676d6b67/.test(f)) && !keystoreFiles.some((f) => /676d736b/.test(f)),
    `the gmkg key is in the keystore directory, the secrets key (gmsk) is not: memory only (${keystoreFiles.filter((f) => f.includes('keystore/'))})`);
  const regions = [...new Set(kgc.meters.map((m) => m.region))].sort((a, b) => a - b);
  assert(regions.length === 2, `two regions (${regions})`);
  const [R1, R2] = regions;
  const inRegion = (r) => kgc.meters.filter((m) => m.region === r).map((m) => m.meter).sort((a, b) => a - b);
  const [L, M] = inRegion(R1);
  const [S] = inRegion(R2);
  const meters = kgc.meters.map((m) => m.meter);
  step(`lone L = ${L}, moved M = ${M} (region ${R1} → ${R2}), silent S = ${S} (region ${R2})`);

  const ppc = (await api.call.readingsApi.time()).params.unwrap().periodsPerCycle.toNumber();
  step('a non-CC account cannot set a tariff; the CC sets a time-of-use tariff in both regions');
  const refused = await gridmask([...url, 'cc', 'tariff', 'set', '--cc-suri', '//Dave', '--region', String(R1),
    '--flat', '1'], { allowFail: true });
  assert(refused.code !== 0 && /BadOrigin/.test(refused.stderr), `refused by name: ${refused.stderr}`);
  const from = (await now()) + 2;
  for (const r of regions) {
    const t = await gridmaskJson([...url, 'cc', 'tariff', 'set', '--region', String(r), '--from-period', String(from),
      '--day-periods', String(ppc), '--band', '0:100000', '--band', `${ppc / 2}:300000`]);
    assert(t.version === 1 && t.effective_from === from, `tariff v1 from ${from} (${JSON.stringify(t)})`);
  }
  const shown = await gridmaskJson([...url, 'cc', 'tariff', 'show', '--region', String(R1)]);
  assert(shown.length === 1 && JSON.stringify(shown[0].tariff.bands) === `[[0,100000],[${ppc / 2},300000]]`,
    `tariff show: ${JSON.stringify(shown)}`);
  // `kgc setup` publishes periods whose window opens more than 20 s ahead; a setup run can
  // fail with `StaleEpoch` when a meter is suspended meanwhile (its region's active set
  // changed): then it is run again.
  let A = null;
  const setup = async (cycle) => {
    for (let attempt = 1; ; attempt++) {
      const r = await gridmask([...url, '--json', 'kgc', 'setup', '--store', store, '--cycle', String(cycle)],
        { allowFail: true });
      if (r.code === 0) return JSON.parse(r.stdout);
      if (cycle === A && /window has opened or is about to/.test(r.stderr)) return { periods: [] };
      assert(attempt < 3 && /StaleEpoch/.test(r.stderr), `kgc setup --cycle ${cycle}: ${r.stderr}`);
    }
  };
  // The first cycle with a period ahead: the meters start with it, S silent from then on.
  const c1 = Math.floor(((await now()) + 1) / ppc);
  const firstSetUp = (await setup(c1)).periods;
  const s0 = Math.max(Math.min(...firstSetUp), (await now()) + 1);
  // Cycle A, billed: at least 4 periods after S falls silent (its fifth silence, in A's
  // first period, is resolved while A has periods left to leave it out of), and priced by
  // the tariff.
  A = Math.ceil((Math.max(s0, from) + 4) / ppc);
  const a0 = A * ppc;
  const last = a0 + ppc - 1;

  step(`meter run: periods ${s0}..${last}; S silent, L lone in ${a0}, M in region ${R1} until ${a0 + 2}`);
  const run = (args) => gridmask([...url, '--json', 'meter', 'run', ...args], { allowFail: true })
    .then((r) => ({ ...r, report: JSON.parse(r.stdout || '{}') }));
  const all = join(store, 'meters');
  const credM = join(all, `meter-${M}.json`);
  const runs = [
    run(['--credentials', all, '--first-period', String(s0), '--periods', String(a0 - s0),
      '--silent', String(S), '--silent', String(M)]),
    run(['--credentials', all, '--first-period', String(a0), '--periods', String(ppc),
      '--silent', String(S), '--silent', String(M), '--drop-one', `${L}:1`]),
    run(['--credentials', credM, '--first-period', String(s0), '--periods', String(a0 + 3 - s0)]),
  ];
  step(`kgc setup: every period up to the end of cycle ${A} (${a0}..${last})`);
  for (let c = c1 + 1; c <= A; c++) await setup(c);

  step(`period ${a0 + 2}: move M to region ${R2}, rebuild the upcoming setups, push the secrets`);
  await waitFor(`period ${a0 + 2}`, async () => (await now()) >= a0 + 2, 600_000, api);
  const moved = await gridmaskJson([...url, 'kgc', 'move', '--store', store, '--meter', String(M), '--to', String(R2)]);
  assert(moved.from === R1 && moved.to === R2, `moved (${JSON.stringify(moved)})`);
  await setup(A);
  await gridmaskJson([...url, 'kgc', 'push-secrets', '--store', store, '--kgc-admin', node.admin]);
  runs.push(run(['--credentials', credM, '--first-period', String(a0 + 3), '--periods', String(ppc - 3)]));

  step(`S is suspended after 5 blamed faults; its region's upcoming setups leave it out`);
  await waitFor(`meter ${S} suspended`, async () =>
    (await api.query.meters.meters(S)).unwrap().status.isSuspended, 300_000, api);
  if ((await now()) + 2 <= last) {
    const rebuilt = await setup(A);
    step(`rebuilt: ${JSON.stringify(rebuilt.periods)}`);
  }

  const results = await Promise.all(runs);
  for (const r of results) {
    assert(r.code === 0, `meter run succeeded: ${r.stderr} ${JSON.stringify(r.report.rejected)} missing ${r.report.missing}`);
  }

  // The truth: a reading is complete when both its shares are on chain (in one region).
  const consumption = new Map();
  const included = new Map();
  for (const { report } of results) {
    for (const [m, , p, c] of report.consumption) consumption.set(`${m}/${p}`, BigInt(c));
    for (const s of report.shares.filter((x) => x.status === 'included')) {
      const k = `${s.meter}/${s.period}`;
      included.set(k, [...(included.get(k) ?? []), s.region]);
    }
  }
  const complete = new Map(); // `${region}/${period}` → [meters]
  for (const [k, rs] of included) {
    if (rs.length === 2) {
      assert(rs[0] === rs[1], `both shares of ${k} in one region (${rs})`);
      const [m, p] = k.split('/');
      const key = `${rs[0]}/${p}`;
      complete.set(key, [...(complete.get(key) ?? []), Number(m)]);
    }
  }
  const completeOf = (m, p) => (included.get(`${m}/${p}`) ?? []).length === 2;

  step('every period settles; every aggregate is the true total of the complete readings');
  for (const r of regions) {
    for (let p = s0; p <= last; p++) {
      const st = await waitFor(`region ${r} period ${p} settled`, async () => {
        const s = await api.call.readingsApi.periodState(r, p);
        return s.phase.isDone && !s.phase.asDone.isFaulted ? s : null;
      }, 240_000, api);
      const outcome = st.phase.asDone;
      const who = complete.get(`${r}/${p}`) ?? [];
      const truth = who.reduce((a, m) => a + consumption.get(`${m}/${p}`), 0n);
      if (outcome.isSealed) {
        const aggregate = outcome.asSealed.aggregates[0].unwrap().toBigInt();
        assert(aggregate === truth, `region ${r} period ${p}: aggregate ${aggregate} = Σ of ${who} = ${truth}`);
        assert(outcome.asSealed.count.toNumber() === 2 * who.length, `region ${r} period ${p}: count ${outcome.asSealed.count}`);
      } else {
        assert(outcome.isWithheld && who.length < 3, `region ${r} period ${p}: ${outcome.toString()} with ${who.length} complete`);
      }
    }
  }
  const lone = (await api.query.faults.faults(R1, a0)).unwrap().status;
  assert(lone.isResolved && lone.asResolved.named.lone.toNumber() === 1
    && lone.asResolved.named.meters.some(([m]) => m.toNumber() === L), `L's lone share named (${lone.toString()})`);
  const namesS = [];
  for (let p = a0; p <= last; p++) {
    const f = await api.query.faults.faults(R2, p);
    if (f.isSome && f.unwrap().status.asResolved.named.meters.some(([m]) => m.toNumber() === S)) namesS.push(p);
  }
  // S's fault count is the number of resolutions blaming it (from its first silence on); a
  // period where nobody reported (before the meters started) blames nobody.
  const at = await api.at(await api.rpc.chain.getBlockHash());
  const blamed = [];
  for (let p = Math.min(...firstSetUp); p <= last; p++) {
    const f = await at.query.faults.faults(R2, p);
    assert(f.isSome || p < s0 || p >= a0, `region ${R2} period ${p}: S's silence faulted it`);
    if (f.isNone) continue;
    const fault = f.unwrap();
    const resolved = fault.status.asResolved;
    if (p >= s0 && p < a0) {
      assert(fault.expected.toNumber() === 10 && fault.received.toNumber() === 8,
        `region ${R2} period ${p}: sealing saw 8 of 10 shares (${fault.toString()})`);
      assert(resolved.named.meters.map(([m]) => m.toNumber()).join() === String(S), `period ${p}: S found silent`);
    }
    if (p < s0) assert(resolved.blame.isChain, `period ${p}, before the meters started: a chain fault`);
    if (resolved.blame.isMeters && resolved.named.meters.some(([m]) => m.toNumber() === S)) blamed.push(p);
  }
  const sMeter = (await at.query.meters.meters(S)).unwrap();
  assert(sMeter.status.isSuspended && sMeter.faults.toNumber() === blamed.length && blamed.length >= 5,
    `S suspended, ${sMeter.faults} faults = the ${blamed.length} resolutions blaming it (${blamed})`);
  assert(namesS.length >= 1 && namesS.length < ppc, `S expected in ${namesS} of cycle ${A}, then left out`);
  // The metrics follow finality; the faults above were read at the best block.
  const m = await waitFor('the resolutions in /metrics', async () => {
    const now = await metrics(node);
    return now.get('gridmask_periods_total{outcome="resolved"}') >= blamed.length ? now : null;
  }, 60_000, api);
  const resolved = m.get('gridmask_periods_total{outcome="resolved"}');
  assert(resolved >= blamed.length && m.get('gridmask_periods_total{outcome="faulted"}') >= resolved,
    `/metrics: ${resolved} faults resolved of ${m.get('gridmask_periods_total{outcome="faulted"}')} recorded`);
  assert(m.get('gridmask_fault_resolution_seconds_count') === resolved && m.get('gridmask_fault_resolution_seconds_sum') > 0,
    `/metrics: resolution latency observed for each (${m.get('gridmask_fault_resolution_seconds_sum')} s in all)`);
  const priced = a0 - 1;
  const [[, price]] = await api.call.pricingApi.priceSeries(R2, priced, priced);
  assert(price.price.toNumber() === 300000 && price.source.isTariff, `period ${priced} priced ${price.price} by the tariff's band`);

  step(`the CC overrides the price of period ${priced}, sealed and not billed`);
  const over = await gridmaskJson([...url, 'cc', 'price', '--region', String(R2), '--period', String(priced), '--price', '333']);
  assert(over.price === 333 && over.export_price === 0 && over.replaced[0] === 300000 && over.replaced[1] === 0,
    `override replaced the tariff price, kept the export price (${JSON.stringify(over)})`);
  const [[, overridden]] = await api.call.pricingApi.priceSeries(R2, priced, priced);
  assert(overridden.source.isOverride && overridden.price.toNumber() === 333, 'the series shows the override');

  step(`kgc bill --cycle ${A}`);
  await waitFor(`cycle ${A} over`, async () => (await now()) >= last + 1, 120_000, api);
  const billed = await gridmaskJson([...url, ...content, 'kgc', 'bill', '--store', store, '--cycle', String(A)]);
  assert(billed.failed.length === 0 && billed.billed.length === meters.length,
    `every meter billed (${JSON.stringify(billed.failed)}, ${billed.billed.length})`);

  step('every owner verifies their bill');
  for (const m of meters) {
    const out = join(dir, `bill-${m}.html`);
    const r = await gridmask([...url, ...content, '--json', 'owner', 'bill', '--store', store,
      '--meter', String(m), '--cycle', String(A), '--out', out], { allowFail: true });
    const v = JSON.parse(r.stdout);
    assert(r.code === 0 && v.problems.length === 0, `meter ${m}'s bill verifies: ${JSON.stringify(v.problems)}`);
    const page = readFileSync(out, 'utf8');
    if (m === S) {
      assert(v.lines === namesS.length && v.estimated_lines === v.lines,
        `S: ${v.lines} lines, all estimated, for the ${namesS.length} periods it was expected in`);
    } else {
      // Every covered period of cycle A: estimated exactly when the reading is incomplete.
      const incomplete = [...Array(ppc).keys()].filter((i) => !completeOf(m, a0 + i)).length;
      assert(v.lines === ppc && v.estimated_lines === incomplete,
        `meter ${m}: ${v.lines} lines, ${v.estimated_lines} estimated (${incomplete} incomplete readings)`);
    }
    if (m === L) {
      assert(!completeOf(L, a0) && /Estimated: one of the meter's two shares missing \(your average in the same tariff band\)/.test(page),
        'L\'s lone period is billed at its own band mean');
    }
    if (m === M) {
      assert(JSON.stringify(v.regions) === JSON.stringify([R1, R2]), `M billed in both regions (${v.regions})`);
    }
  }
  for (const r of regions) {
    assert((await api.query.billing.billedCycles(r, A)).isSome, `region ${r}'s cycle ${A} is billed (overrides locked)`);
  }

  step(`the reports in IPFS (js-ipfs ${ipfs.version}) are named as the directory store names them`);
  const blocks = join(dir, 'content', 'blocks');
  mkdirSync(blocks, { recursive: true });
  for (const [m, , cid] of billed.billed) {
    const bytes = await ipfsCat(ipfs.api, cid);
    assert(rawCid(bytes) === cid, `meter ${m}: IPFS's block ${cid} is the raw CIDv1 of its bytes (${rawCid(bytes)})`);
    writeFileSync(join(blocks, cid), bytes);
  }
  const fromDir = await gridmask([...url, '--content-store', join(dir, 'content'), '--json', 'owner', 'bill',
    '--store', store, '--meter', String(meters[0]), '--cycle', String(A)], { allowFail: true });
  assert(fromDir.code === 0 && JSON.parse(fromDir.stdout).problems.length === 0,
    `meter ${meters[0]}'s bill verifies from a directory store too: ${fromDir.stderr}`);
  await ipfs.stop();

  step('cycle test passed');
});
