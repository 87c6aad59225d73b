// Bundles the portal (portal/web) into a static site with esbuild: $GRIDMASK_PORTAL_DIR/site/
// (default ~/.cache/gridmask/portal/site) gets index.html, portal.js, portal.css and
// portal.js.LEGAL.txt (the bundled packages' license comments).
//
// One IIFE script, not modules, and the verifier's wasm (built by scripts/portal.sh into
// $GRIDMASK_PORTAL_DIR/pkg) inlined as bytes and initialised with `initSync`: Chromium refuses
// module scripts and fetches of .wasm from file://, and the page must also work opened as a
// file.
//
// License guard: the build fails if any @substrate/connect file is bundled (GPL-3.0-only, in the
// lock as a dependency of @polkadot/rpc-provider); the page imports only ApiPromise and
// WsProvider, which do not pull it in.
//
// usage: node scripts/js/build-portal.mjs

import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const web = join(root, 'portal/web');
const portalDir = process.env.GRIDMASK_PORTAL_DIR ?? join(process.env.HOME, '.cache/gridmask/portal');
const pkg = join(portalDir, 'pkg');
const site = join(portalDir, 'site');
const wasmJs = join(pkg, 'gridmask_portal.js');
const wasmBin = join(pkg, 'gridmask_portal_bg.wasm');

for (const f of [wasmJs, wasmBin]) {
  if (!existsSync(f)) {
    console.error(`build-portal: ${f} is missing: build the verifier first (scripts/portal.sh)`);
    process.exit(1);
  }
}

// `gridmask-portal-wasm` is the wasm-bindgen module, `gridmask-portal-wasm/bytes` the .wasm
// itself (loaded as a Uint8Array by the binary loader); both live outside the work tree.
const wasmPkg = {
  name: 'gridmask-portal-wasm',
  setup(build) {
    build.onResolve({ filter: /^gridmask-portal-wasm$/ }, () => ({ path: wasmJs }));
    build.onResolve({ filter: /^gridmask-portal-wasm\/bytes$/ }, () => ({ path: wasmBin }));
  },
};

rmSync(site, { recursive: true, force: true });
mkdirSync(site, { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(web, 'main.js')],
  outfile: join(site, 'portal.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  loader: { '.wasm': 'binary' },
  legalComments: 'linked',
  metafile: true,
  nodePaths: [join(here, 'node_modules')],
  plugins: [wasmPkg],
  // wasm-bindgen's default init resolves the .wasm against import.meta.url; the page never
  // calls it (initSync with the inlined bytes), so the empty import.meta of an IIFE is harmless.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});

const gpl = Object.keys(result.metafile.inputs).filter((p) => p.includes('@substrate/connect'));
if (gpl.length) {
  console.error(`build-portal: the bundle includes GPL code (@substrate/connect):\n  ${gpl.join('\n  ')}\n` +
    'import only ApiPromise and WsProvider from @polkadot/api');
  rmSync(site, { recursive: true, force: true });
  process.exit(1);
}

await esbuild.build({
  entryPoints: [join(web, 'portal.css')],
  outfile: join(site, 'portal.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(web, 'index.html'), join(site, 'index.html'));

// Sizes, and what makes up the script (by package, largest first).
const size = (f) => {
  const raw = statSync(f).size;
  return `${raw} bytes, ${gzipSync(readFileSync(f), { level: 9 }).length} gzip -9`;
};
const byPackage = new Map();
for (const [path, { bytesInOutput }] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('portal.js'))].inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  const name = m ? m[1] : path.includes('gridmask_portal') ? 'the verifier (wasm + bindings)' : 'portal/web';
  byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
}
const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, b]) => `${n} ${b}`).join(', ');
console.log(`portal site: ${site}`);
console.log(`  portal.js  ${size(join(site, 'portal.js'))} (largest: ${top})`);
console.log(`  portal.css ${size(join(site, 'portal.css'))}`);
console.log(`  index.html ${size(join(site, 'index.html'))}`);
