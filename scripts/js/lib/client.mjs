// Running the `gridmask` client from the integration tests, and their small helpers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The client binary: $GRIDMASK_CLIENT, or the release build in $CARGO_TARGET_DIR. */
export const clientBinary = () =>
  process.env.GRIDMASK_CLIENT ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/gridmask/target'), 'release/gridmask');

/** Runs `command args…` to its end; resolves with { code, stdout, stderr }. */
export function run(command, args) {
  return new Promise((res, rej) => {
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', rej);
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

/** Runs `gridmask args…`; resolves with { code, stdout, stderr } (rejects on a non-zero exit
 *  unless `allowFail`). */
export async function gridmask(args, { allowFail = false } = {}) {
  const r = await run(clientBinary(), args);
  if (r.code !== 0 && !allowFail) {
    throw new Error(`gridmask ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  }
  return r;
}

/** `gridmask --json args…` parsed. */
export async function gridmaskJson(args) {
  const { stdout } = await gridmask(['--json', ...args]);
  return JSON.parse(stdout);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** A logger (to `out`) that prefixes the seconds since it was made. */
export function stepper(out = console.log) {
  const t0 = Date.now();
  return (m) => out(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);
}

/**
 * Starts `gridmask …args` (a gateway, `--listen 127.0.0.1:0`); resolves with { base, origin,
 * proc, stderr } once it listens: `base` is its OpenADR base URL, `origin` its root.
 */
export function startGateway(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(clientBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('exit', (code) => reject(new Error(`the gateway exited (${code}): ${stderr}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve({ base: m[1], origin: new URL(m[1]).origin, proc, stderr: () => stderr });
    });
    process.on('exit', () => proc.kill('SIGKILL'));
  });
}
