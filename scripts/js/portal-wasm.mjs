// The owner's portal's verifier (portal/wasm, built by scripts/portal.sh), checked in Node as
// the page loads it: the wasm-bindgen `web` module, initialised from its bytes. It must open the
// committed test vector's sealed report (primitives/test-vectors/v2.json) to its plaintext, name
// altered bytes as tampered with, and refuse a wrong key, as the client does.
//
// Usage: node scripts/js/portal-wasm.mjs PKG_DIR
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = process.argv[2];
if (!pkg) throw new Error('usage: portal-wasm.mjs PKG_DIR');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasm = await import(pathToFileURL(join(pkg, 'gridmask_portal.js')).href);
wasm.initSync({ module: readFileSync(join(pkg, 'gridmask_portal_bg.wasm')) });

const v = JSON.parse(readFileSync(join(root, 'primitives/test-vectors/v2.json'), 'utf8'));
const hex = (s) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ''), 'hex'));
const { hpke } = v;
const genesis = v.genesis_hash;
const cycle = v.cycle;
const meter = BigInt(hpke.meter);
const sealed = hex(hpke.sealed);
const secret = wasm.deriveSecret(hex(hpke.ikm));

const plain = wasm.openReport(secret, genesis, meter, cycle, hpke.cid, sealed);
assert.equal(Buffer.from(plain, 'utf8').toString('hex'), hpke.plaintext, 'the plaintext of the vector');

const altered = sealed.slice();
altered[altered.length - 1] ^= 1;
assert.throws(
  () => wasm.openReport(secret, genesis, meter, cycle, hpke.cid, altered),
  /tampered with/,
  'altered bytes are named tampered with',
);
const otherKey = wasm.deriveSecret(hex('00'.repeat(32)));
assert.throws(
  () => wasm.openReport(otherKey, genesis, meter, cycle, hpke.cid, sealed),
  /does not open with this key/,
  'a wrong key is refused',
);
assert.throws(
  () => wasm.openReport(secret, genesis, meter + 1n, cycle, hpke.cid, sealed),
  /does not open with this key/,
  "another meter's report is refused",
);
// (value_a − mask_a) + (value_b − mask_b) mod 2^64, u64s crossing as BigInts.
assert.equal(wasm.recover(10n, 20n, 3n, 4n), 23n);
assert.equal(wasm.recover(0n, 0n, 1n, 0n), 2n ** 64n - 1n, 'wraps as the chain does');
console.log(`portal wasm ${wasm.version()}: opens the test vector's report, refuses altered bytes and a wrong key`);
