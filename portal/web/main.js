// The gridmask portal: a static page (index.html, portal.js, portal.css) that works from the
// gateway or from a file. It talks to one node (polkadot.js over a WebSocket) and fetches bill
// reports by CID from a content store; nothing else. Bundled by scripts/js/build-portal.mjs,
// which inlines the verifier's wasm (portal/wasm) and resolves the two `gridmask-portal-wasm`
// imports below to it.
//
// Where things come from:
//   node     ?node=ws://…, else config.json next to the page ({"node", "symbol", "decimals"}), else
//            ws://127.0.0.1:9944
//   content  ?content=<base URL>, else the page's origin: GET <base>/content/<cid> (a gridmask
//            gateway); or ?ipfs=<base URL> (or config.json's "ipfs"): GET <base>/ipfs/<cid>?format=raw
//            from an IPFS HTTP gateway (the trustless gateway's raw block)

import { ApiPromise, WsProvider } from '@polkadot/api';
import * as wasm from 'gridmask-portal-wasm';
import wasmBytes from 'gridmask-portal-wasm/bytes';
import { byId } from './dom.js';
import { messageOf } from './format.js';
import { readStatus } from './chain.js';
import { renderStatus, LAST } from './operator.js';
import { setupOwner } from './owner.js';

const DEFAULT_NODE = 'ws://127.0.0.1:9944';

/** The page's settings: the query string over config.json over the defaults. */
async function loadConfig() {
  const query = new URLSearchParams(location.search);
  let file = {};
  // A page opened from a file cannot fetch its neighbours; only a served page has a config.json.
  if (location.protocol !== 'file:') {
    try {
      const r = await fetch('config.json', { cache: 'no-store' });
      if (r.ok) file = await r.json();
    } catch { /* no config.json: the defaults */ }
  }
  const origin = location.origin && location.origin !== 'null' ? location.origin : null;
  return {
    node: query.get('node') || file.node || DEFAULT_NODE,
    content: query.get('content') || origin,
    ipfs: query.get('ipfs') || (typeof file.ipfs === 'string' ? file.ipfs : null),
    symbol: typeof file.symbol === 'string' ? file.symbol : null,
    decimals: Number.isInteger(file.decimals) ? file.decimals : null,
  };
}

/** Tabs that follow the ARIA pattern: arrows, Home and End move between them. */
function setupTabs(onShow) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const show = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      byId(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    history.replaceState(null, '', `${location.search}#${tab.id.replace(/^tab-/, '')}`);
    onShow(tab.id);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => show(tab, false));
    tab.addEventListener('keydown', (e) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      show(tabs[(to + tabs.length) % tabs.length], true);
    });
  });
  const initial = tabs.find((t) => `#${t.id.replace(/^tab-/, '')}` === location.hash);
  if (initial) show(initial, false);
}

function connection(state, text) {
  const p = byId('connection');
  p.dataset.state = state;
  p.textContent = text;
}

async function main() {
  wasm.initSync({ module: wasmBytes });
  const config = await loadConfig();
  byId('about').textContent += ` Verifier ${wasm.version()}.`;

  const provider = new WsProvider(config.node);
  provider.on('error', () => connection('error', `Cannot reach the node at ${config.node}; retrying…`));
  provider.on('disconnected', () => connection('error', `Lost the node at ${config.node}; reconnecting…`));
  const api = ApiPromise.create({ provider, noInitWarn: true });
  let chainName = '';
  provider.on('connected', () => connection('connecting', `Connected to ${config.node}; reading the chain…`));

  // Prices and amounts are in µ-units of the chain's currency (pallet-pricing), so 6 places;
  // config.json may name another symbol or number of places.
  let currency = { symbol: config.symbol ?? 'GMT', decimals: config.decimals ?? 6 };
  const ctx = { api, wasm, config, currency: () => currency };

  let chainShown = true;
  let lastHead = null;
  let reading = false;
  let again = false;
  // One read at a time; heads that arrive meanwhile collapse into one more read of the newest.
  const refresh = async () => {
    if (!chainShown || !lastHead) return;
    if (reading) { again = true; return; }
    reading = true;
    try {
      do {
        again = false;
        const head = lastHead;
        const a = await api;
        const st = await readStatus(await a.at(head.hash), { block: head.number.toNumber(), endpoint: config.node, last: LAST });
        renderStatus(st, currency);
        connection('ok', `${chainName}: finalized block #${st.finalized_block} (${config.node})`);
      } while (again && chainShown);
    } catch (e) {
      connection('error', `Reading the chain failed: ${messageOf(e)}`);
    } finally {
      reading = false;
    }
  };

  setupTabs((id) => {
    chainShown = id === 'tab-chain';
    if (chainShown) refresh();
  });
  setupOwner(ctx);

  const a = await api;
  chainName = (await a.rpc.system.chain()).toString();
  if (!config.symbol && a.registry.chainTokens.length) currency = { ...currency, symbol: a.registry.chainTokens[0] };
  const maxReason = a.consts.billing?.maxReasonLen;
  if (maxReason) byId('reason').maxLength = maxReason.toNumber();
  await a.rpc.chain.subscribeFinalizedHeads((header) => {
    lastHead = header;
    if (!chainShown) connection('ok', `${chainName}: finalized block #${header.number.toNumber()} (${config.node})`);
    refresh();
  });
}

main().catch((e) => connection('error', `The page failed to start: ${messageOf(e)}`));
