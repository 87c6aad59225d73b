// The quick variant of `gridmask bench network` (issue 20), so that it cannot rot: the four
// aggregators of the `test-local` chain (the `local` chain on the test time scale), meters
// spread over all four collectors, Dave's node killed 40% into the window while the meters are
// still sending, its meters re-sending what no block holds yet. The command itself fails if an
// accepted reading was not stored; the test checks the report (no speed is asserted: the
// figures of a full run are in BENCHMARKS.md).
//
// usage: node network.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { gridmask, assert, stepper } from './lib/client.mjs';
import { TEST_LOCAL_CHAIN } from './lib/node.mjs';

const step = stepper();
const N = 2000;

step(`gridmask bench network: ${N} readings over the 4 aggregators of ${TEST_LOCAL_CHAIN}, Dave killed mid-window`);
const { stdout, stderr } = await gridmask(['--json', 'bench', 'network', '--readings', String(N),
  '--chain', TEST_LOCAL_CHAIN]);
const r = JSON.parse(stdout);
try {
  assert(r.readings === N && r.meters === N / 2, 'the run describes its meters and readings');
  assert(r.stopped && r.stopped.node === 'dave' && r.stopped.after_ms > 0, 'Dave was stopped inside the window');
  for (const name of ['alice', 'bob', 'charlie', 'dave']) {
    assert(r.accepted_by[name] > 0, `${name}'s collector accepted readings: ${JSON.stringify(r.accepted_by)}`);
  }
  assert(r.accepted >= N / 2, `most readings were accepted: ${r.accepted} (refused ${JSON.stringify(r.refused)})`);
  assert(r.lost === 0 && r.stored === r.accepted, `every accepted reading stored: ${r.stored} of ${r.accepted}`);
  assert(Object.keys(r.refused).every((why) => /WindowClosed|DuplicatePrid/.test(why)),
    `refused only as too late, or (a re-send) as already stored: ${JSON.stringify(r.refused)}`);
  assert(r.blocks.length > 0 && r.blocks.every((b) => b.readings > 0), 'blocks that held readings');
  assert(r.window_per_s > 0 && r.nodes_cpu_us_per_reading > 0, 'the throughput over the window and the CPU per reading');
  assert(r.inclusion.p50_ms > 0 && r.finality.p99_ms >= r.inclusion.p50_ms, 'latencies');
} catch (e) {
  console.error(stderr);
  console.error(JSON.stringify(r, null, 1));
  throw e;
}
step(`${r.stored} readings stored, ${r.stopped.resent} of Dave's sent again; ${r.window_per_s.toFixed(0)}/s over the window`);
step('network test passed');
