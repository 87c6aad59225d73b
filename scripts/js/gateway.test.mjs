// Integration test of `gridmask gateway` (issue 22) on a real node of the `test` chain, with a
// VEN written here (plain `fetch` and an HTTP server: none of the gateway's code):
//
// 1. The KGC provisions 3 meters in region 1 with readings of import and export, one of them a
//    prosumer; the CC sets a flat tariff with a feed-in price; the KGC sets up two periods.
// 2. The gateway starts in front of the node, with one OAuth2 client from a clients file.
// 3. The VEN gets a token (`POST /auth/token`); a wrong secret gets OAuth2's `invalid_client`.
// 4. Refusals are OpenADR `problem` bodies: no token 401, an unknown program 404, a malformed
//    query 400.
// 5. It lists programs (one PRICING_TARIFF program per region, PRICE and EXPORT_PRICE) and
//    events (one per cycle, an interval per period with the tariff's prices, marked TARIFF),
//    and reads one of each by id.
// 6. It subscribes to the program (the gateway first checks its callback with an echo
//    challenge), the meters report a period, and when the chain prices it the VEN receives
//    a notification: the event whose interval for that period now carries the chain's price,
//    marked CHAIN. Deleting the subscription returns it.
// 7. Every OpenADR response (and the notification) validates against the OpenADR 3.0.1
//    document `client/openadr3/openadr3.yaml`, with ajv.
// 8. The metering endpoints give the region and the sealed period's aggregates as JSON.
//
// usage: node gateway.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { repoRoot, waitFor, withTestNode } from './lib/node.mjs';
import { gridmask, gridmaskJson, assert, stepper, startGateway } from './lib/client.mjs';

const step = stepper();
const SECRET = 'a-secret-of-the-test-ven-0123456789';

// The OpenADR 3.0.1 document's schemas, compiled once (draft-04: its boolean exclusiveMaximum;
// ajv reads OpenAPI's `nullable`).
const spec = YAML.parse(readFileSync(join(repoRoot, 'client/openadr3/openadr3.yaml'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ id: 'oadr.json', components: spec.components }, 'oadr');
const schema = (name) => ajv.getSchema(`oadr#/components/schemas/${name}`);
const arrayOf = (name) => ajv.compile({ type: 'array', items: { $ref: `oadr.json#/components/schemas/${name}` } });

/** `body` must validate against `validator` (a schema name or a compiled array schema). */
function valid(validator, body, what) {
  const v = typeof validator === 'string' ? schema(validator) : validator;
  assert(v(body), `${what} validates against openadr3.yaml: ${JSON.stringify(v.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  return body;
}

/** The VEN's webhook receiver: answers echo challenges, keeps notifications. */
function startVen() {
  const notifications = [];
  let challenges = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.searchParams.has('echo')) {
      challenges++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(url.searchParams.get('echo'));
      return;
    }
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      notifications.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/notify`, notifications, challenges: () => challenges, server,
  })));
}

withTestNode('gridmask-gateway', async ({ node, api, dir }) => {
  const url = ['--url', node.ws];
  const store = join(dir, 'store');

  step('kgc provision: 3 meters in region 1, import and export, one prosumer; a flat tariff with a feed-in price');
  await gridmaskJson([...url, 'kgc', 'provision', '--store', store, '--regions', '1', '--meters-per-region', '3',
    '--channels', 'import_wh,export_wh', '--prosumers', '34', '--no-push']);
  const tariff = await gridmaskJson([...url, 'cc', 'tariff', 'set', '--region', '1', '--flat', '200000', '--export-flat', '80000']);
  const setup = await gridmaskJson([...url, 'kgc', 'setup', '--store', store, '--next', '4']);
  // The first set-up period the tariff prices (it takes effect a few periods ahead).
  const period = setup.periods.find((p) => p >= tariff.effective_from);
  assert(period !== undefined, `a set-up period from the tariff's ${tariff.effective_from} on (${setup.periods})`);

  step('the gateway starts with one OAuth2 client');
  const clients = join(dir, 'clients.json');
  writeFileSync(clients, JSON.stringify({ clients: [
    { client_id: 'ven-1', client_secret: SECRET, scopes: ['read_all', 'write_subscriptions'] },
  ] }));
  const gw = await startGateway([...url, 'gateway', '--listen', '127.0.0.1:0', '--clients', clients, '--currency', 'EUR']);
  const ven = await startVen();
  try {
    step('POST /auth/token: a token for the right secret, invalid_client for a wrong one');
    const tokenFor = (secret) => fetch(`${gw.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ven-1', client_secret: secret }),
    });
    const bad = await tokenFor('wrong-secret-0123456789');
    assert(bad.status === 400, `a wrong secret: HTTP ${bad.status}`);
    assert(valid('authError', await bad.json(), 'authError').error === 'invalid_client', 'invalid_client');
    const tokenRes = await tokenFor(SECRET);
    assert(tokenRes.status === 200, `token: HTTP ${tokenRes.status}`);
    const token = valid('clientCredentialResponse', await tokenRes.json(), 'the token response');
    assert(token.token_type === 'Bearer', 'a bearer token');
    const get = async (path, { auth = true } = {}) => {
      const res = await fetch(`${gw.base}${path}`, { headers: auth ? { authorization: `Bearer ${token.access_token}` } : {} });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
    };

    step('refusals are problems: 401 without a token, 404 for an unknown program, 400 for a malformed query');
    for (const [path, opts, status] of [
      ['/programs', { auth: false }, 401],
      ['/programs/r99', {}, 404],
      ['/events?limit=many', {}, 400],
      ['/events?programID=not%20an%20id', {}, 400],
    ]) {
      const r = await get(path, opts);
      assert(r.status === status && r.type === 'application/json', `${path}: HTTP ${r.status} (${r.type}), expected ${status}`);
      valid('problem', r.body, `the ${status} of ${path}`);
      assert(r.body.status === status && r.body.detail, `${path}: problem ${JSON.stringify(r.body)}`);
    }

    step('programs and events');
    const programs = valid(arrayOf('program'), (await get('/programs')).body, 'GET /programs');
    assert(programs.length === 1 && programs[0].id === 'r1' && programs[0].programType === 'PRICING_TARIFF',
      `one pricing program for region 1 (${JSON.stringify(programs)})`);
    const types = programs[0].payloadDescriptors.map((d) => d.payloadType);
    assert(types.includes('PRICE') && types.includes('EXPORT_PRICE') &&
      programs[0].payloadDescriptors[0].currency === 'EUR', `PRICE and EXPORT_PRICE in EUR (${types})`);
    valid('program', (await get('/programs/r1')).body, 'GET /programs/r1');
    const filtered = (await get('/programs?targetType=GROUP&targetValues=r2')).body;
    assert(Array.isArray(filtered) && filtered.length === 0, 'a target filter of another group lists nothing');
    const events = valid(arrayOf('event'), (await get('/events?programID=r1')).body, 'GET /events');
    const ppc = (await api.call.readingsApi.time()).toJSON().params.periodsPerCycle;
    const cycleOf = (p) => Math.floor(p / ppc);
    const event = events.find((e) => e.id === `r1-c${cycleOf(period)}`);
    assert(event, `an event for period ${period}'s cycle (${events.map((e) => e.id)})`);
    const interval = (e, p) => e.intervals.find((i) => i.id === p);
    const payload = (i, type) => i.payloads.find((x) => x.type === type)?.values[0];
    const ahead = interval(event, period);
    assert(payload(ahead, 'PRICE') === 0.2 && payload(ahead, 'EXPORT_PRICE') === 0.08 &&
      payload(ahead, 'X_GRIDMASK_PRICE_STATUS') === 'TARIFF',
    `period ${period} ahead: the tariff's prices (${JSON.stringify(ahead)})`);
    valid('event', (await get(`/events/${event.id}`)).body, `GET /events/${event.id}`);
    const paged = (await get('/events?programID=r1&skip=1&limit=1')).body;
    assert(paged.length === 1 && paged[0].id === events[1].id, 'skip and limit page the events');

    step('subscribe (the callback answers the echo challenge)');
    const auth = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
    const subRes = await fetch(`${gw.base}/subscriptions`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ clientName: 'test-ven', programID: 'r1', objectOperations: [
        { objects: ['EVENT'], operations: ['CREATE', 'UPDATE'], callbackUrl: ven.url, bearerToken: 'ven-secret' },
      ] }),
    });
    assert(subRes.status === 201, `subscription created: HTTP ${subRes.status} ${await subRes.clone().text()}`);
    const sub = valid('subscription', await subRes.json(), 'the created subscription');
    assert(ven.challenges() === 1, 'the gateway challenged the callback once');
    valid(arrayOf('subscription'), (await get('/subscriptions')).body, 'GET /subscriptions');
    valid('subscription', (await get(`/subscriptions/${sub.id}`)).body, `GET /subscriptions/${sub.id}`);
    const noProgram = await fetch(`${gw.base}/subscriptions`, { method: 'POST', headers: auth,
      body: JSON.stringify({ clientName: 'x', programID: 'r7', objectOperations: [{ objects: ['EVENT'], operations: ['UPDATE'], callbackUrl: ven.url }] }) });
    assert(noProgram.status === 404, `a subscription to an unknown program: HTTP ${noProgram.status}`);

    step(`the meters report period ${period}; the VEN is notified when the chain prices it`);
    const run = await gridmaskJson([...url, 'meter', 'run', '--credentials', join(store, 'meters'), '--periods', '1',
      '--first-period', String(period)]);
    assert(run.included === 6, `6 shares included (${run.included})`);
    const note = await waitFor(`a notification of period ${period}`, async () =>
      ven.notifications.find((n) => {
        const i = interval(n.body.object, period);
        return i && payload(i, 'X_GRIDMASK_PRICE_STATUS') === 'CHAIN';
      }), 120_000, api);
    valid('notification', note.body, 'the notification');
    assert(note.auth === 'Bearer ven-secret', `the notification carries the subscription's bearer token (${note.auth})`);
    const [[, price]] = (await api.call.pricingApi.priceSeries(1, period, period)).map(([p, r]) => [p, r.toJSON()]);
    const priced = interval(note.body.object, period);
    assert(payload(priced, 'PRICE') === price.price / 1e6 && payload(priced, 'EXPORT_PRICE') === price.exportPrice / 1e6,
      `the notified prices are the chain's (${JSON.stringify(priced)}, ${JSON.stringify(price)})`);

    step('DELETE the subscription: 200 with the deleted subscription');
    const del = await fetch(`${gw.base}/subscriptions/${sub.id}`, { method: 'DELETE', headers: auth });
    assert(del.status === 200 && (await del.json()).id === sub.id, `deleted: HTTP ${del.status}`);
    assert((await get(`/subscriptions/${sub.id}`)).status === 404, 'then it is gone');

    step('metering JSON: the region and its sealed period');
    const metering = async (path) => (await fetch(`${gw.base.replace('/openadr3/3.0.1', '')}/metering${path}`,
      { headers: { authorization: `Bearer ${token.access_token}` } })).json();
    const regions = await metering('/regions');
    assert(regions.length === 1 && regions[0].channels.join() === 'import_wh,export_wh' && regions[0].active_meters === 3,
      `region 1 (${JSON.stringify(regions)})`);
    const periods = await metering(`/regions/1/periods?from=${period}&to=${period}`);
    const expected = run.consumption.reduce((a, [, , , c]) => a + BigInt(c), 0n);
    assert(periods[0].outcome === 'sealed' && BigInt(periods[0].aggregates.import_wh) === expected &&
      periods[0].price_status === 'CHAIN', `period ${period} sealed with the meters' total (${JSON.stringify(periods[0])})`);
    step('gateway test passed');
  } finally {
    ven.server.close();
    gw.proc.kill('SIGTERM');
  }
});
