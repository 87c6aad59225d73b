// The gridmask demo (scripts/demo.sh): the full cycle on a fresh dev chain, driven by the
// `gridmask` client; prints a summary. Starts its own dev node unless --url is given.
//
// usage: node demo.mjs [--quick] [--url ws://…[,ws://…]] [--kgc-admin ws://…] [--meters N] [--regions R]
//                      [--cycles C] [--silent K] [--silent-periods P] [--dir DIR] [--json]
//   default: 50 meters in 2 regions, 2 cycles, 2 meters silent for 2 periods;
//   --quick: 10 meters, 1 cycle.

import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { startNode, connect, waitFor, finalizedNumber, workDir, tail } from './lib/node.mjs';
import { demo, printSummary } from './lib/demo.mjs';
import { stepper } from './lib/client.mjs';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    url: { type: 'string' },
    'kgc-admin': { type: 'string' },
    meters: { type: 'string' },
    regions: { type: 'string', default: '2' },
    cycles: { type: 'string' },
    silent: { type: 'string', default: '2' },
    'silent-periods': { type: 'string', default: '2' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

// With --json the summary is stdout's only content; progress goes to stderr.
const log = stepper(a.json ? console.error : console.log);
const dir = a.dir ?? workDir('gridmask-demo');
mkdirSync(dir, { recursive: true });
let node = null;
let ok = false;
try {
  let urls;
  // The KGC node's admin endpoint (its --admin-rpc-port): scripts/dev.sh serves it on 9933.
  let kgcAdmin = a['kgc-admin'] ?? 'ws://127.0.0.1:9933';
  if (a.url) {
    urls = a.url.split(',');
  } else {
    log(`starting a fresh dev node (work dir ${dir})`);
    node = await startNode({ name: 'alice', chain: 'dev', key: 'alice',
      nodeKey: '0000000000000000000000000000000000000000000000000000000000000001' }, dir);
    urls = [node.ws];
    kgcAdmin = node.admin;
    const api = await connect(node);
    await waitFor('block 2 (the readings clock starts)', async () => (await finalizedNumber(api)) >= 2, 60_000);
    await api.disconnect();
  }
  const summary = await demo({
    urls, kgcAdmin, dir, log,
    meters: Number(a.meters ?? (a.quick ? 10 : 50)),
    regions: Number(a.regions),
    cycles: Number(a.cycles ?? (a.quick ? 1 : 2)),
    silent: Number(a.silent),
    silentPeriods: Number(a['silent-periods']),
  });
  if (a.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
  ok = summary.bills_verified === summary.bills_total && summary.dispute.reverified;
  log(ok ? 'demo complete' : 'demo finished with unverified bills');
} catch (e) {
  console.error(e);
} finally {
  if (node) {
    await node.stop();
    if (!ok) console.error(`--- ${node.log}\n${tail(node.log)}`);
  }
}
process.exit(ok ? 0 : 1);
