// The quick variant of `gridmask bench ingest` (issue 7), so that the benchmark cannot rot: it
// starts its own fresh node (of the `test` chain: the dev chain on the test time scale), sends a few hundred transfers and readings (through the
// node's collector, bundled) and must report figures for both workloads; then as many readings of the next period each as its own transaction
// (`--old-path`); then the flood run (issue 8): as many valid readings again, each
// followed by 10 invalid ones, every invalid one refused by name and none included. It asserts that the benchmark ran and measured, never a speed
// (the figures of a full run are in BENCHMARKS.md).
//
// usage: node bench.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { gridmask, assert, stepper } from './lib/client.mjs';
import { TEST_CHAIN } from './lib/node.mjs';

const step = stepper();
const N = 300;

step(`gridmask bench ingest: ${N} transfers, then ${N} readings, on a fresh node of the test chain`);
const { stdout, stderr } = await gridmask(['--json', 'bench', 'ingest', '--readings', String(N),
  '--transfers', String(N), '--senders', '8', '--flood', '10', '--old-path', `--node-arg=--chain=${TEST_CHAIN}`]);
const r = JSON.parse(stdout);
try {
  assert(r.block_ms > 0 && r.meters >= N / 2, 'the run describes its node and meters');
  for (const w of [r.transfers, r.readings, r.readings_tx]) {
    assert(w.items === N, `${w.name}: ${N} items prepared`);
    assert(w.finalized > 0 && w.finalized === w.included, `${w.name}: every included item finalized`);
    assert(w.blocks.length > 0 && w.blocks.every((b) => b.weight_pct > 0), `${w.name}: block fills with weights`);
    assert(w.sustained_per_s > 0, `${w.name}: a throughput`);
    assert(w.inclusion.p50_ms > 0 && w.finality.p99_ms >= w.inclusion.p50_ms, `${w.name}: latencies`);
    assert(w.node_cpu_s > 0 && w.node_cpu_us_per_item > 0, `${w.name}: node CPU per item`);
    assert(w.blocks.every((b) => b.build_ms !== null && b.end), `${w.name}: build time and end reason of every block (node log)`);
    assert(w.weight_us_per_item > 0, `${w.name}: weight per item`);
  }
  // Nothing refused: the readings are sent inside their window, the transfers are funded.
  assert(r.transfers.finalized === N, 'every transfer finalized');
  assert(r.readings.finalized + r.readings.unsent === N, 'every reading sent was finalized');
  assert(r.readings_tx.finalized + r.readings_tx.unsent === N, 'every reading sent as a transaction was finalized');
  assert(r.bundles.count > 0 && r.bundles.max_shares > 0 && r.readings.bundles.count === r.bundles.count,
    `the readings came in bundles: ${JSON.stringify(r.bundles)}`);
  assert(r.collector_cpu_us > 0, 'the collector\'s CPU per reading');
  assert(r.reading_crypto_us > 0 && r.ratio > 0, 'the crypto baseline and the ratio');
  const f = r.flood;
  assert(f && f.valid === N && f.invalid === 10 * N, `flood: ${N} valid and ${10 * N} invalid readings`);
  const refused = Object.entries(f.run.refused);
  assert(refused.reduce((a, [, n]) => a + n, 0) === f.invalid,
    `every invalid reading refused: ${JSON.stringify(f.run.refused)}`);
  assert(refused.every(([why]) => /NotInFilter|BadSignature|DuplicatePrid/.test(why)),
    `refused by name: ${JSON.stringify(f.run.refused)}`);
  assert(f.invalid_included === 0, 'no invalid reading included');
  assert(f.run.finalized + f.run.unsent === N, 'every valid reading sent under the flood was finalized');
  assert(f.vs_baseline > 0, 'valid throughput under the flood against the baseline');
} catch (e) {
  console.error(stderr);
  console.error(JSON.stringify(r, null, 1));
  throw e;
}
step(`ratio ${r.ratio.toFixed(2)}; reading CPU ${r.reading_cpu_over_crypto.toFixed(1)} × its crypto; `
  + `valid readings under 10× invalid: ${r.flood.vs_baseline.toFixed(2)} × baseline`);
step('bench test passed');
