// Runs the integration tests (scripts/js/*.test.mjs), several at once: each test starts its own
// nodes on free loopback ports with its own temp dirs, so independent tests share nothing but
// the machine. Every line a test prints is passed on with the test's name in front (and kept
// in <log dir>/<name>.log); at the end, each test's time and a summary.
//
// usage: node run-tests.mjs [--jobs N] [TEST …]
//   TEST: a name (`readings`) or a path (`scripts/js/readings.test.mjs`); default: all.
//   --jobs: tests run at once (default $GRIDMASK_TEST_JOBS, else 3: on this 2-core machine
//           the tests wait for the chain's clock most of the time, so three at once keep the
//           cores busy without the nodes missing their slots; measured in the README).
// Exit status 0 only if every test passed.

import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

// The longest first; the rest so that three lanes end together and the two tests that load
// the machine most (bench, aggregators: four nodes) never overlap. With the times of a CI run
// (cycle 420 s; demo 250 s; readings 100 s, bench 120 s, collection 180 s, aggregators 160 s,
// gateway 145 s, foundation 100 s, network 90 s) the lanes are cycle + network, demo +
// aggregators + foundation, readings + bench + collection + gateway. A test not listed runs last.
const ORDER = ['cycle', 'demo', 'readings', 'bench', 'collection', 'aggregators', 'gateway', 'foundation', 'network'];

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { jobs: { type: 'string', default: process.env.GRIDMASK_TEST_JOBS ?? '3' } },
});
const jobs = Math.max(1, Number(opts.jobs) || 1);

const nameOf = (file) => basename(file).replace(/\.test\.mjs$/, '');
const all = readdirSync(here).filter((f) => f.endsWith('.test.mjs')).map((f) => join(here, f));
let tests;
if (positionals.length) {
  tests = positionals.map((t) => {
    const file = t.endsWith('.mjs') ? resolve(t) : join(here, `${t}.test.mjs`);
    if (!all.includes(file)) {
      console.error(`no such test: ${t} (tests: ${all.map(nameOf).join(', ')})`);
      process.exit(2);
    }
    return file;
  });
} else {
  const rank = (f) => { const i = ORDER.indexOf(nameOf(f)); return i < 0 ? ORDER.length : i; };
  tests = all.sort((a, b) => rank(a) - rank(b));
}

const logDir = mkdtempSync(join(tmpdir(), 'gridmask-tests-'));
const t0 = Date.now();
const secs = (ms) => (ms / 1000).toFixed(0);
const stamp = () => `[${secs(Date.now() - t0).padStart(4)}s]`;
const width = Math.max(...tests.map((f) => nameOf(f).length));
console.log(`${stamp()} ${tests.length} integration tests, ${jobs} at a time; logs in ${logDir}`);

/** Runs one test; resolves with { name, ok, seconds, log }. */
function run(file) {
  const name = nameOf(file);
  const log = join(logDir, `${name}.log`);
  const out = createWriteStream(log);
  const started = Date.now();
  console.log(`${stamp()} start ${name}`);
  return new Promise((res) => {
    // Each test its own slot of loopback ports (lib/node.mjs freePort).
    const env = { ...process.env, GRIDMASK_PORT_SLOT: String(tests.indexOf(file)) };
    const p = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const prefix = `${name.padEnd(width)} |`;
    for (const stream of [p.stdout, p.stderr]) {
      let partial = '';
      stream.on('data', (d) => {
        out.write(d);
        const lines = (partial + d).split('\n');
        partial = lines.pop();
        for (const l of lines) console.log(`${prefix} ${l}`);
      });
      stream.on('end', () => { if (partial) console.log(`${prefix} ${partial}`); });
    }
    p.on('exit', (code, signal) => {
      out.end();
      const seconds = (Date.now() - started) / 1000;
      const ok = code === 0;
      console.log(`${stamp()} ${ok ? 'PASS' : 'FAIL'} ${name} in ${seconds.toFixed(0)} s${ok ? '' : ` (exit ${code ?? signal})`}`);
      res({ name, ok, seconds, log });
    });
  });
}

const queue = [...tests];
const results = [];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  while (queue.length) results.push(await run(queue.shift()));
}));

const wall = (Date.now() - t0) / 1000;
const serial = results.reduce((a, r) => a + r.seconds, 0);
console.log(`\nintegration tests (${jobs} at a time):`);
for (const r of results.sort((a, b) => b.seconds - a.seconds)) {
  console.log(`  ${r.ok ? 'pass' : 'FAIL'}  ${r.name.padEnd(width)}  ${r.seconds.toFixed(0).padStart(5)} s   ${r.log}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`  wall ${wall.toFixed(0)} s (the tests' own times add up to ${serial.toFixed(0)} s); `
  + `${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
