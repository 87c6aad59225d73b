// The quick variant of `gridmask bench ingest` (issue 7), so that the benchmark cannot rot: it
// starts its own fresh dev node, sends a few hundred transfers and readings and must report
// figures for both workloads. It asserts that the benchmark ran and measured, never a speed
// (the figures of a full run are in BENCHMARKS.md).
//
// usage: node bench.test.mjs   (GRIDMASK_NODE / GRIDMASK_CLIENT override the binaries)

import { gridmask, assert, stepper } from './lib/client.mjs';

const step = stepper();
const N = 300;

step(`gridmask bench ingest: ${N} transfers, then ${N} readings, on a fresh dev node`);
const { stdout, stderr } = await gridmask(['--json', 'bench', 'ingest', '--readings', String(N),
  '--transfers', String(N), '--senders', '8']);
const r = JSON.parse(stdout);
try {
  assert(r.block_ms > 0 && r.meters >= N / 2, 'the run describes its node and meters');
  for (const w of [r.transfers, r.readings]) {
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
  assert(r.reading_crypto_us > 0 && r.ratio > 0, 'the crypto baseline and the ratio');
} catch (e) {
  console.error(stderr);
  console.error(JSON.stringify(r, null, 1));
  throw e;
}
step(`ratio ${r.ratio.toFixed(2)}; reading CPU ${r.reading_cpu_over_crypto.toFixed(1)} × its crypto`);
step('bench test passed');
