// Integration test of the whole client (issue 6) on a fresh node of the `test` chain (the dev
// chain's roles on the test time scale: 20-second periods, 6-period cycles):
//
// 1. scripts/demo.sh --quick (10 meters in 2 regions, 3 prosumers in region 1 and 1 in
//    region 2, one cycle, 2 meters silent for 2 periods), with the first endpoint of every
//    command down, so every command and every meter fails over to the live node. Every
//    aggregate (import, and export where published) equals the meters' totals, region 2 never
//    publishes an export aggregate, every period is priced, the faults are resolved by the
//    off-chain worker, every owner (prosumers too) verifies their bill, and a disputed bill is
//    answered by a superseding one that verifies.
// 2. Every owner exports their verified bill as a Green Button file (`owner export --format
//    espi`): it validates against the ESPI 4.0 schema (`xmllint --schema client/espi/espi.xsd`),
//    and its readings' values and costs are the bill's lines (`--format json`), import and export.
// 3. `gridmask gateway`, given one owner's bill key (`owner bill-key`: no account key), serves
//    that owner's token the same Green Button file and lines; no token 401, a VEN's token 403,
//    a cycle without a bill 404, the owner's token at the OpenADR API 403; once that owner's
//    bill is superseded by a misstated one, 422 naming the line.
// 4. `owner bill` refuses, naming what is wrong:
//    - a report tampered with in the content store;
//    - a bill whose CID on chain is another meter's report (posted with polkadot.js as the KGC);
//    - a bill with one misstated line (the KGC's `--misstate`), naming that line only;
//    - a prosumer's bill with one misstated export value, naming that line and channel.
// 5. The portal (portal/web, served by `gridmask gateway` without clients at /portal/) in
//    headless Chromium (Debian's, through playwright-core): the operator view shows the sealed
//    periods with `gridmask status`'s aggregates and prices; the owner view, given an owner's
//    key file, checks the bill in the page (the wasm verifier) and says "verified", and for the
//    tampered report, the wrong CID and the misstated line shows exactly the CLI's problems;
//    an acknowledgement signed in the page lands on chain. Screenshots of both views, desktop
//    and phone, go to $GRIDMASK_TEST_OUT (default ~/.cache/gridmask/test-output)/portal.
//
// usage: node demo.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Keyring } from '@polkadot/keyring';
import { waitFor, freePort, sendAndWait, errorName, repoRoot, withTestNode } from './lib/node.mjs';
import { gridmask, gridmaskJson, assert, stepper, startGateway } from './lib/client.mjs';
import { printSummary } from './lib/demo.mjs';
import { openBrowser, newPage, unexpectedRequests } from './lib/portal.mjs';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';

const step = stepper();

withTestNode('gridmask-demo-test', async ({ node, api, dir }) => {
  const dead = `ws://127.0.0.1:${await freePort()}`;

  step(`scripts/demo.sh --quick with the first endpoint (${dead}) down`);
  const s = await new Promise((res, rej) => {
    const p = spawn('bash', [join(repoRoot, 'scripts/demo.sh'), '--quick', '--json', '--url', `${dead},${node.ws}`, '--kgc-admin', node.admin, '--dir', dir],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', rej);
    p.on('exit', (code) => {
      try {
        const summary = JSON.parse(out);
        if (code !== 0) rej(new Error(`demo.sh exited ${code}: ${JSON.stringify(summary)}`));
        else res(summary);
      } catch (e) {
        rej(new Error(`demo.sh exited ${code} without a summary: ${out}`));
      }
    });
  });
  printSummary(s, step);
  assert(s.readings.included === s.readings.submitted && s.readings.submitted > 0, 'every share included');
  assert(s.readings.failovers >= 1, `the meters failed over (${s.readings.failovers})`);
  assert(s.faults_resolved >= 2, `the silent meters' faults were resolved (${s.faults_resolved})`);
  assert(s.bills_total === 10 && s.bills_verified === 10, `every owner verified their bill (${s.bills_verified}/${s.bills_total})`);
  assert(s.dispute.reverified && s.dispute.version === 2, 'the disputed bill was superseded by v2, which verifies');
  const silentBill = s.bills.find((b) => b.meter === s.silent[0]);
  assert(silentBill.verified, 'a silent meter\'s bill verifies too');
  assert(s.prosumers.length === 4 && s.bills.filter((b) => b.prosumer && b.verified).length === 4,
    `the 4 prosumers' bills verify (${JSON.stringify(s.prosumers)})`);
  assert(s.aggregates.every((p) => p.region !== 2 || p.export === null), 'region 2 (one prosumer) publishes no export aggregate');

  const url = ['--url', node.ws];
  const store = join(dir, 'store');
  const contentDir = join(dir, 'content');
  const content = ['--content-store', contentDir];
  const cycle = s.cycles[0];

  step('every owner exports their verified bill as Green Button (ESPI 4.0); it validates and states the lines');
  const espiDir = join(repoRoot, 'client/espi');
  // xmllint against the ESPI 4.0 schema, offline; throws on an invalid file.
  const validEspi = (xml) => execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(espiDir, 'espi.xsd'), xml],
    { env: { ...process.env, XML_CATALOG_FILES: join(espiDir, 'catalog.xml') }, stdio: ['ignore', 'ignore', 'pipe'] });
  // A cost in micro-units as ESPI's hundred-thousandths (half away from zero).
  const cost = (micro) => Math.sign(micro) * Math.round(Math.abs(micro) / 10);
  const amount = (wh, price) => Math.floor((wh * price + 500) / 1000);
  for (const b of s.bills) {
    const base = [...url, ...content, '--json', 'owner', 'export', '--store', store, '--meter', String(b.meter),
      '--cycle', String(cycle)];
    const xml = join(dir, `espi-${b.meter}.xml`);
    const lines = join(dir, `lines-${b.meter}.json`);
    await gridmask([...base, '--format', 'espi', '--currency', '978', '--out', xml]);
    await gridmask([...base, '--format', 'json', '--out', lines]);
    validEspi(xml);
    const feed = readFileSync(xml, 'utf8');
    const bill = JSON.parse(readFileSync(lines, 'utf8'));
    // Each IntervalBlock's readings: [cost, quality, start, value].
    const blocks = [...feed.matchAll(/<espi:IntervalBlock>([\s\S]*?)<\/espi:IntervalBlock>/g)].map((m) =>
      [...m[1].matchAll(/<espi:cost>(-?\d+)<\/espi:cost>[\s\S]*?<espi:quality>(\d+)<\/espi:quality>[\s\S]*?<espi:start>(\d+)<\/espi:start>[\s\S]*?<espi:value>(\d+)<\/espi:value>/g)]
        .map((r) => r.slice(1).map(Number)));
    const exports = bill.some((l) => l.channels.includes('export_wh'));
    assert(blocks.length === (exports ? 2 : 1) && /<espi:flowDirection>1<\/espi:flowDirection>/.test(feed) &&
      exports === /<espi:flowDirection>19<\/espi:flowDirection>/.test(feed), `meter ${b.meter}: an import block${exports ? ' and an export block' : ''}`);
    const value = (l, ch) => (l.status === 'metered' ? l.values[l.channels.indexOf(ch)] ?? 0 : 0);
    bill.forEach((l, i) => {
      const billed = l.estimate ? l.estimate.wh : value(l, 'import_wh');
      const [c, q, start, v] = blocks[0][i];
      assert(v === billed && c === cost(amount(billed, l.price ?? 0)) && start === l.start_ms / 1000 && q === (l.estimate ? 8 : 0),
        `meter ${b.meter} period ${l.period}: ESPI import ${v} Wh costing ${c} (quality ${q}) = the line's ${billed} Wh at ${l.price}`);
      if (exports) {
        const [ec, , , ev] = blocks[1][i];
        const exported = value(l, 'export_wh');
        assert(ev === exported && ec === -cost(amount(exported, l.export_price ?? 0)),
          `meter ${b.meter} period ${l.period}: ESPI export ${ev} Wh credited ${ec} = the line's ${exported} Wh at ${l.export_price}`);
      }
    });
    const total = bill.reduce((a, l) => a + l.amount, 0);
    assert(feed.includes(`<espi:billLastPeriod>${cost(total)}</espi:billLastPeriod>`), `meter ${b.meter}: the summary's total is the bill's ${total}`);
  }

  step('the gateway serves an owner (by their bill key) their verified Green Button file, and no one else');
  const home = 1005;
  const billKey = join(dir, `bill-key-${home}.json`);
  await gridmaskJson(['owner', 'bill-key', '--store', store, '--meter', String(home), '--out', billKey]);
  const keyFile = JSON.parse(readFileSync(billKey, 'utf8'));
  assert(keyFile.meter === home && /^0x[0-9a-f]{64}$/.test(keyFile.hpke_secret) && !('account_seed' in keyFile),
    `the bill key opens bills and holds no account key (${Object.keys(keyFile)})`);
  const clients = join(dir, 'clients.json');
  const secrets = { [`home-${home}`]: 'a-secret-of-household-1005-0123', 'ven-1': 'a-secret-of-a-thermostat-01234' };
  writeFileSync(clients, JSON.stringify({ clients: [
    { client_id: `home-${home}`, client_secret: secrets[`home-${home}`], scopes: ['read_bills'], bill_key: billKey },
    { client_id: 'ven-1', client_secret: secrets['ven-1'], scopes: ['read_all'] },
  ] }));
  const gw = await startGateway([...url, ...content, 'gateway', '--listen', '127.0.0.1:0', '--clients', clients,
    '--espi-currency', '978']);
  const tokenOf = async (id) => (await (await fetch(`${gw.base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secrets[id] }),
  })).json()).access_token;
  const homeToken = await tokenOf(`home-${home}`);
  const venToken = await tokenOf('ven-1');
  const served = (token, path) => fetch(`${gw.origin}/greenbutton/bills/${path}`,
    { headers: token ? { authorization: `Bearer ${token}` } : {} });
  let r = await served(homeToken, cycle);
  assert(r.status === 200 && r.headers.get('content-type') === 'application/atom+xml', `the owner's bill: HTTP ${r.status}`);
  const feed = await r.text();
  const servedXml = join(dir, `espi-${home}-gateway.xml`);
  writeFileSync(servedXml, feed);
  validEspi(servedXml);
  // The same file as `owner export` wrote, but for the times it was made at.
  const unstamped = (x) => x.replace(/<(updated|published|espi:statusTimeStamp)>[^<]*<\/\1>/g, '');
  assert(unstamped(feed) === unstamped(readFileSync(join(dir, `espi-${home}.xml`), 'utf8')),
    'the gateway serves what owner export wrote');
  r = await served(homeToken, `${cycle}?format=json`);
  assert(r.status === 200 && JSON.stringify(await r.json()) === JSON.stringify(JSON.parse(readFileSync(join(dir, `lines-${home}.json`), 'utf8'))),
    'its lines as JSON are the exported ones');
  const statuses = {
    'no token': (await served(null, cycle)).status,
    'a VEN\'s token': (await served(venToken, cycle)).status,
    'a cycle without a bill': (await served(homeToken, cycle + 1000)).status,
    'the owner\'s token at the OpenADR programs': (await fetch(`${gw.base}/programs`, { headers: { authorization: `Bearer ${homeToken}` } })).status,
  };
  assert(JSON.stringify(Object.values(statuses)) === '[401,403,404,403]', `refusals: ${JSON.stringify(statuses)}`);

  step('the portal: the operator view shows the sealed periods as gridmask status does');
  const site = join(process.env.GRIDMASK_PORTAL_DIR ?? join(homedir(), '.cache/gridmask/portal'), 'site');
  // No --clients: only the portal and the reports it reads are served.
  const portalGw = await startGateway([...url, ...content, 'gateway', '--listen', '127.0.0.1:0', '--portal', site]);
  const shots = join(process.env.GRIDMASK_TEST_OUT ?? join(homedir(), '.cache/gridmask/test-output'), 'portal');
  mkdirSync(shots, { recursive: true });
  const browser = await openBrowser();
  const portalUrl = `${portalGw.origin}/portal/?node=${encodeURIComponent(node.ws)}`;
  const portal = new Portal(await newPage(browser), portalUrl, store, cycle);
  await portal.operatorMatches(await gridmaskJson([...url, 'status', '--last', '40']));
  await portal.page.screenshot({ path: join(shots, 'operator-desktop.png'), fullPage: true });

  // A bill with metered lines (and nobody's answer yet: 1000 and 1001 answered in demo.sh).
  const good = s.bills.find((b) => b.meter >= 1006 && b.verified && !s.silent.includes(b.meter)).meter;
  step(`the portal: owner ${good}'s bill verifies in the page, as it does with the CLI`);
  let seen = await portal.check(good);
  assert(seen.state === 'verified' && seen.problems.length === 0, `the page verifies ${good}'s bill: ${JSON.stringify(seen)}`);
  const cliGood = await ownerBillOf(good);
  assert(seen.lines.length === cliGood.lines && seen.lines.every((l) => l.verified),
    `every one of its ${cliGood.lines} lines is verified in the page (${JSON.stringify(seen.lines)})`);
  await portal.page.screenshot({ path: join(shots, 'owner-desktop.png'), fullPage: true });
  {
    const phone = new Portal(await newPage(browser, { phone: true }), portalUrl, store, cycle);
    await phone.operatorMatches(null);
    await phone.page.screenshot({ path: join(shots, 'operator-phone.png'), fullPage: true });
    assert((await phone.check(good)).state === 'verified', 'the page verifies it at a phone\'s width too');
    await phone.page.screenshot({ path: join(shots, 'owner-phone.png'), fullPage: true });
    await phone.page.context().close();
  }
  // Before the steps below: the test chain prunes the cycle's shares minutes after its bills'
  // dispute window, and a bill is acknowledged only once it verifies.
  step(`the portal: owner ${good} acknowledges their bill in the page; it lands on chain`);
  const version = (await api.call.billingApi.bill(good, cycle)).unwrap()[0].toNumber();
  await portal.acknowledge(good);
  const record = (await api.query.billing.bills(good, cycle, version)).unwrap();
  assert(record.status.isAcknowledged, `bill v${version} of ${good} is acknowledged on chain (${record.status.type})`);

  async function ownerBillOf(meter) {
    const r = await gridmask([...url, ...content, '--json', 'owner', 'bill', '--store', store,
      '--meter', String(meter), '--cycle', String(cycle), '--out', join(dir, `check-${meter}.html`)], { allowFail: true });
    return { code: r.code, ...JSON.parse(r.stdout) };
  }

  step('a tampered report is refused');
  const victim = s.bills.find((b) => b.meter === 1002);
  const block = join(contentDir, 'blocks', victim.cid);
  const original = readFileSync(block);
  const tampered = Buffer.from(original);
  tampered[tampered.length - 1] ^= 1;
  writeFileSync(block, tampered);
  let v = await ownerBillOf(1002);
  assert(v.code === 2 && v.problems.length === 1 && /tampered/.test(v.problems[0]), `tampered: ${JSON.stringify(v.problems)}`);
  await portal.sameProblems(1002, v.problems, 'the tampered report');
  writeFileSync(block, original);
  assert((await ownerBillOf(1002)).code === 0, 'the restored report verifies');

  step('a bill whose CID is another meter\'s report is refused');
  const other = s.bills.find((b) => b.meter === 1004);
  const otherBytes = readFileSync(join(contentDir, 'blocks', other.cid));
  const digest = '0x' + createHash('sha256').update(otherBytes).digest('hex');
  const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  const regions = (await api.call.billingApi.bill(1003, cycle)).unwrap()[1].regions;
  const posted = await sendAndWait(api,
    api.tx.billing.postBill(1003, cycle, '0x' + Buffer.from(other.cid).toString('hex'), digest, 1, regions), bob);
  assert(!posted.dispatchError, `the KGC posted it (${posted.dispatchError && errorName(api, posted.dispatchError)})`);
  await waitFor('the wrong bill to be finalized', async () => {
    const b = await api.call.billingApi.bill(1003, cycle);
    const fin = await api.rpc.chain.getFinalizedHead();
    const atFin = await (await api.at(fin)).call.billingApi.bill(1003, cycle);
    return b.isSome && atFin.isSome && atFin.unwrap()[0].toNumber() === 2;
  }, 60_000, api);
  v = await ownerBillOf(1003);
  assert(v.code === 2 && v.problems.length === 1 && /cannot be opened as meter 1003's bill/.test(v.problems[0]),
    `wrong CID: ${JSON.stringify(v.problems)}`);
  await portal.sameProblems(1003, v.problems, 'another meter\'s report');

  step('a bill with one misstated line is refused, naming the line');
  const metered = s.aggregates.find((p) => p.region === 2).period;
  const wrong = await gridmaskJson([...url, ...content, 'kgc', 'bill', '--store', store, '--cycle', String(cycle),
    '--meter', '1005', '--supersede', '--misstate', `${metered}:100`]);
  assert(wrong.billed.length === 1 && wrong.billed[0][1] === 2, `v2 posted (${JSON.stringify(wrong)})`);
  v = await ownerBillOf(1005);
  assert(v.code === 2, `the misstated bill fails (${v.code})`);
  assert(v.problems.length === 1 && v.problems[0].startsWith(`line for period ${metered}, channel import_wh: states`),
    `exactly the misstated line is named: ${JSON.stringify(v.problems)}`);
  seen = await portal.sameProblems(1005, v.problems, 'the misstated line');
  assert(seen.lines.filter((l) => !l.verified).map((l) => l.period).join() === String(metered),
    `the page marks only line ${metered} as not verified (${JSON.stringify(seen.lines)})`);

  step('the gateway no longer serves that owner their bill: it does not verify');
  r = await served(homeToken, cycle);
  const refusal = await r.json();
  assert(r.status === 422 && refusal.detail.includes(`line for period ${metered}, channel import_wh: states`),
    `HTTP ${r.status}: ${JSON.stringify(refusal)}`);
  gw.proc.kill();

  step('a prosumer\'s bill with one misstated export value is refused, naming the line and channel');
  const prosumer = s.prosumers.find((m) => m < 1005 && !s.silent.includes(m));
  const sunny = s.aggregates.find((p) => p.region === 1).period;
  const wrongExport = await gridmaskJson([...url, ...content, 'kgc', 'bill', '--store', store, '--cycle', String(cycle),
    '--meter', String(prosumer), '--supersede', '--misstate', `${sunny}:100:export_wh`]);
  assert(wrongExport.billed.length === 1, `posted (${JSON.stringify(wrongExport)})`);
  v = await ownerBillOf(prosumer);
  assert(v.code === 2 && v.problems.length === 1
    && v.problems[0].startsWith(`line for period ${sunny}, channel export_wh: states`),
    `exactly the misstated export is named: ${JSON.stringify(v.problems)}`);

  step('status shows bills and faults');
  // Far enough back to reach the faulted periods however long the steps above took.
  const st = await gridmaskJson([...url, 'status', '--last', '40']);
  assert(st.bills.some((b) => b.cycle === cycle && b.acknowledged === 2 && b.corrected >= 3), `bills in status: ${JSON.stringify(st.bills)}`);
  assert(st.regions.some((r) => r.periods.some((p) => p.fault && p.fault.startsWith('resolved'))), 'a resolved fault in status');

  const strays = unexpectedRequests(portal.page, [portalGw.origin, node.ws]);
  assert(strays.length === 0, `the page asked nothing of anyone but the gateway and the node: ${strays}`);
  portal.page.assertNoCspErrors();
  await browser.close();
  portalGw.proc.kill();

  step('demo test passed');
});

/** The portal in one page: its views, driven as a user would (labels, roles, keys). */
class Portal {
  constructor(page, url, store, cycle) {
    Object.assign(this, { page, url, store, cycle });
  }

  /** The operator view: every sealed period of `status` (`gridmask status --json`; null: just
   * wait for it) is shown with its import aggregate and prices. */
  async operatorMatches(status) {
    const { page } = this;
    await page.goto(this.url);
    await page.getByRole('tab', { name: 'Chain' }).click();
    await page.locator('tr[data-region][data-period][data-aggregate]').first().waitFor({ timeout: 60_000 });
    if (!status) return;
    let compared = 0;
    for (const r of status.regions) {
      for (const p of r.periods.filter((p) => p.outcome.startsWith('sealed'))) {
        const row = page.locator(`tr[data-region="${r.region}"][data-period="${p.period}"]`);
        await row.waitFor({ timeout: 60_000 });
        const [agg, price, exp] = await Promise.all(['data-aggregate', 'data-price', 'data-export-price']
          .map((a) => row.getAttribute(a)));
        const want = [p.aggregate === null ? '' : String(p.aggregate), p.price ? String(p.price[0]) : '', p.price ? String(p.price[1]) : ''];
        assert(JSON.stringify([agg ?? '', price ?? '', exp ?? '']) === JSON.stringify(want),
          `region ${r.region} period ${p.period}: the page shows ${[agg, price, exp]}, status ${want}`);
        compared += 1;
      }
    }
    assert(compared > 0, 'status has sealed periods to compare');
    console.log(`  the operator view shows ${compared} sealed periods as status does`);
  }

  /** The owner view: loads `meter`'s key file, checks the bill of the cycle; the verdict, the
   * problems and each line's state as the page shows them. */
  async check(meter) {
    const { page } = this;
    await page.goto(this.url);
    await page.getByRole('tab', { name: 'My bill' }).click();
    await page.getByLabel('Your key file').setInputFiles(join(this.store, 'owners', `owner-${meter}.json`));
    const select = page.getByLabel('Billing cycle');
    await select.locator(`option[value="${this.cycle}"]`).waitFor({ state: 'attached', timeout: 30_000 });
    await select.selectOption(String(this.cycle));
    // The keyboard reaches the button: focus it by tabbing from the cycle, press Enter.
    await select.focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert(focused === 'Check my bill', `Tab from the cycle reaches "Check my bill" (${focused})`);
    await page.keyboard.press('Enter');
    const verdict = page.locator('#verdict[data-state="verified"], #verdict[data-state="not-verified"]');
    await verdict.waitFor({ timeout: 60_000 });
    const state = await verdict.getAttribute('data-state');
    const problems = await page.locator('#problems li').allTextContents();
    const lines = await page.locator('tr[data-line]').evaluateAll((rows) => rows.map((r) => ({
      period: Number(r.dataset.period), verified: r.dataset.verified === 'true' })));
    return { state, problems: problems.map((p) => p.trim()), lines };
  }

  /** The page's check of `meter` fails with exactly the CLI's `problems`. */
  async sameProblems(meter, problems, what) {
    const seen = await this.check(meter);
    assert(seen.state === 'not-verified' && JSON.stringify(seen.problems) === JSON.stringify(problems),
      `${what}: the page says ${JSON.stringify(seen.problems)}, the CLI ${JSON.stringify(problems)}`);
    return seen;
  }

  /** Acknowledges `meter`'s bill from the page (after checking it) and waits until final. */
  async acknowledge(meter) {
    assert((await this.check(meter)).state === 'verified', `${meter}'s bill verifies before it is acknowledged`);
    await this.page.getByRole('button', { name: 'Acknowledge' }).click();
    const answer = this.page.locator('#answer[data-state="finalized"], #answer[data-state="failed"]');
    await answer.waitFor({ timeout: 90_000 });
    const state = await answer.getAttribute('data-state');
    assert(state === 'finalized', `the acknowledgement: ${state} (${await answer.textContent()})`);
  }
}
