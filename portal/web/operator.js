// The operator's view ("Chain"): the clock, every region's recent periods (table and chart),
// faults, bills per cycle and retention; what `gridmask status` shows, re-read at every
// finalized block. Rows carry the machine values as data attributes (the test compares them
// with `gridmask status --json`); the visible text is formatted.

import { h, s, byId } from './dom.js';
import { kwh, price, localTime, localClock } from './format.js';
import { periodStart } from './chain.js';

/** The periods shown per region, as `gridmask status --last 40`. */
export const LAST = 40;

// One section per region, kept across renders so that a reader's scroll position stays.
const regionSections = new Map();

function fact(dl, term, value, attrs) {
  dl.append(h('dt', null, term), h('dd', attrs, value));
}

function renderClock(st) {
  const dl = byId('clock-facts');
  dl.replaceChildren();
  dl.dataset.block = String(st.finalized_block);
  fact(dl, 'Finalized block', `#${st.finalized_block}`);
  fact(dl, 'Chain time', localTime(st.now_ms, { seconds: true }));
  if (st.current_period === null) {
    fact(dl, 'Period', 'The readings clock has not started yet.');
    return;
  }
  dl.dataset.period = String(st.current_period);
  dl.dataset.cycle = String(st.current_cycle);
  const t = { genesis_start_ms: st.genesis_start_ms, period_ms: st.period_ms };
  fact(dl, 'Period', `${st.current_period}, since ${localTime(periodStart(t, st.current_period), { seconds: true })}`,
    { id: 'current-period' });
  fact(dl, 'Billing cycle', `${st.current_cycle} (${st.periods_per_cycle} periods of ${duration(st.period_ms)})`,
    { id: 'current-cycle' });
}

/** `20 s`, `30 min`, `1 h` … */
function duration(ms) {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** The aggregate of channel `name` in period `p` (a decimal string), or null. */
function channelAggregate(r, p, name) {
  const j = r.channels.indexOf(name);
  return j >= 0 && j < p.aggregates.length ? p.aggregates[j] : null;
}

function periodRow(r, p, st, currency) {
  const t = { genesis_start_ms: st.genesis_start_ms, period_ms: st.period_ms };
  const imported = channelAggregate(r, p, 'import_wh');
  const exported = channelAggregate(r, p, 'export_wh');
  const sealed = p.outcome.startsWith('sealed');
  const energy = (v, has) => (v !== null ? kwh(v) : sealed && has ? 'withheld' : '–');
  return h('tr', {
    'data-region': r.region,
    'data-period': p.period,
    'data-outcome': p.outcome,
    'data-aggregate': p.aggregate ?? null,
    'data-aggregates': JSON.stringify(p.aggregates),
    'data-price': p.price ? p.price[0] : null,
    'data-export-price': p.price ? p.price[1] : null,
    'data-price-source': p.price ? p.price[2] : null,
    'data-fault': p.fault ?? null,
  },
  h('th', { scope: 'row', class: 'n' }, String(p.period)),
  h('td', { class: 't' }, localTime(periodStart(t, p.period), { seconds: st.period_ms < 60_000 })),
  h('td', { class: 'l' }, outcomeText(p.outcome)),
  h('td', { class: 'n' }, energy(imported, r.channels.includes('import_wh'))),
  h('td', { class: 'n' }, r.channels.includes('export_wh') ? energy(exported, true) : '–'),
  h('td', { class: 'n' }, p.price ? price(p.price[0], currency) : '–'),
  h('td', { class: 'n' }, p.price ? price(p.price[1], currency) : '–'),
  h('td', { class: 't' }, p.price ? p.price[2] : '–'),
  // The fault's state in a word; its whole story is in the list of faults below the regions.
  h('td', { class: 'l', title: p.fault ?? null }, p.fault ? p.fault.split(' (')[0] : ''));
}

/** The outcome in fewer words: the totals have their own columns. */
function outcomeText(outcome) {
  const sealed = /^sealed .*\((\d+) shares\)$/.exec(outcome);
  return sealed ? `sealed, ${sealed[1]} shares` : outcome;
}

const W = 720;
const H = 260;
const M = { left: 92, right: 112, top: 14, bottom: 40 };

/** Bars of the regional import per period (kWh) and the import price as a line (right axis). */
function chart(r, st, currency) {
  const periods = [...r.periods].sort((a, b) => a.period - b.period);
  const t = { genesis_start_ms: st.genesis_start_ms, period_ms: st.period_ms };
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const base = M.top + plotH;
  const n = Math.max(periods.length, 1);
  const slot = plotW / n;
  const imports = periods.map((p) => channelAggregate(r, p, 'import_wh'));
  const maxWh = imports.reduce((m, v) => (v !== null && BigInt(v) > m ? BigInt(v) : m), 0n);
  const prices = periods.map((p) => (p.price ? BigInt(p.price[0]) : null));
  const maxPrice = prices.reduce((m, v) => (v !== null && v > m ? v : m), 0n);
  // Ratios in Numbers are fine for drawing (not for amounts).
  const y = (v, max) => base - (max > 0n ? (Number(v) / Number(max)) * plotH : 0);
  const title = `Region ${r.region}: imported energy and import price per period`;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title,
    preserveAspectRatio: 'xMinYMin meet',
  }, s('title', null, title));
  const axes = s('g', { class: 'axes' },
    s('line', { x1: M.left, y1: M.top, x2: M.left, y2: base }),
    s('line', { x1: W - M.right, y1: M.top, x2: W - M.right, y2: base }),
    s('line', { x1: M.left, y1: base, x2: W - M.right, y2: base }));
  const labels = s('g', { class: 'labels' },
    s('text', { x: M.left - 6, y: M.top + 4, 'text-anchor': 'end' }, kwh(maxWh)),
    s('text', { x: M.left - 6, y: base + 4, 'text-anchor': 'end' }, '0'),
    s('text', { x: W - M.right + 6, y: M.top + 4 }, price(maxPrice, currency).replace(/ \S+\/kWh$/, '')),
    s('text', { x: W - M.right + 6, y: M.top + 18 }, `${currency.symbol}/kWh`),
    s('text', { x: W - M.right + 6, y: base + 4 }, '0'));
  if (periods.length) {
    const first = periods[0].period;
    const last = periods[periods.length - 1].period;
    labels.append(
      s('text', { x: M.left, y: base + 16 }, `period ${first}`),
      s('text', { x: M.left, y: base + 30 }, localClock(periodStart(t, first))),
      s('text', { x: W - M.right, y: base + 16, 'text-anchor': 'end' }, `period ${last}`),
      s('text', { x: W - M.right, y: base + 30, 'text-anchor': 'end' }, localClock(periodStart(t, last))));
  }
  const bars = s('g', { class: 'bars' });
  const points = [];
  periods.forEach((p, i) => {
    const x = M.left + i * slot;
    const v = imports[i];
    const text = `period ${p.period}: ${v !== null ? kwh(v) : p.outcome}` +
      (p.price ? `, ${price(p.price[0], currency)}` : '');
    if (v !== null) {
      const top = y(BigInt(v), maxWh);
      bars.append(s('rect', {
        class: 'bar', x: (x + slot * 0.15).toFixed(1), y: top.toFixed(1),
        width: (slot * 0.7).toFixed(1), height: Math.max(base - top, 0).toFixed(1),
      }, s('title', null, text)));
    } else {
      // A period without a published aggregate: a short mark on the axis.
      bars.append(s('rect', {
        class: 'bar none', x: (x + slot * 0.15).toFixed(1), y: (base - 3).toFixed(1),
        width: (slot * 0.7).toFixed(1), height: 3,
      }, s('title', null, text)));
    }
    if (prices[i] !== null) points.push(`${(x + slot / 2).toFixed(1)},${y(prices[i], maxPrice).toFixed(1)}`);
  });
  svg.append(axes, bars, labels);
  if (points.length) {
    svg.append(s('polyline', { class: 'price-line', points: points.join(' ') }));
    for (const pt of points) {
      const [cx, cy] = pt.split(',');
      svg.append(s('circle', { class: 'price-dot', cx, cy, r: 2.5 }));
    }
  }
  const legend = h('ul', { class: 'legend' },
    h('li', null, h('span', { class: 'swatch bar', 'aria-hidden': 'true' }), 'energy imported in the region (left axis)'),
    h('li', null, h('span', { class: 'swatch none', 'aria-hidden': 'true' }), 'no published total'),
    h('li', null, h('span', { class: 'swatch price-line', 'aria-hidden': 'true' }), 'import price (right axis)'));
  return h('figure', { class: 'chart' }, svg, h('figcaption', null, legend));
}

function regionSection(r) {
  let sec = regionSections.get(r.region);
  if (!sec) {
    const hid = `region-${r.region}-h`;
    const tbody = h('tbody');
    const figure = h('div', { class: 'chart-box' });
    sec = {
      el: h('section', { class: 'region', 'data-region': r.region, 'aria-labelledby': hid },
        h('h3', { id: hid }),
        h('p', { class: 'hint' }),
        figure,
        h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': `Region ${r.region}, recent periods` },
          h('table', { class: 'periods' },
            h('caption', { class: 'visually-hidden' }, `Region ${r.region}: recent periods, newest first`),
            h('thead', null, h('tr', null,
              ...['Period', 'Starts', 'Outcome', 'Imported', 'Exported', 'Price', 'Export price', 'Price from', 'Fault']
                .map((c) => h('th', { scope: 'col' }, c)))),
            tbody))),
      tbody,
      figure,
    };
    regionSections.set(r.region, sec);
  }
  return sec;
}

/** Shows `st` (from chain.js `readStatus`). */
export function renderStatus(st, currency) {
  renderClock(st);
  const container = byId('regions');
  const seen = new Set();
  const faults = [];
  for (const r of st.regions) {
    seen.add(r.region);
    const sec = regionSection(r);
    sec.el.querySelector('h3').textContent = `Region ${r.region}: ${r.name}`;
    sec.el.querySelector('p.hint').textContent =
      `${r.active_meters} active meters, ${r.active_prosumers} of them also feed in; readings carry ${r.channels.join(', ')}.`;
    sec.figure.replaceChildren(chart(r, st, currency));
    const rows = [...r.periods].sort((a, b) => b.period - a.period).map((p) => periodRow(r, p, st, currency));
    sec.tbody.replaceChildren(...rows);
    if (!sec.el.isConnected) container.append(sec.el);
    for (const p of r.periods) if (p.fault) faults.push([r.region, p.period, p.fault]);
  }
  for (const [id, sec] of regionSections) {
    if (!seen.has(id)) { sec.el.remove(); regionSections.delete(id); }
  }
  if (!st.regions.length) container.replaceChildren(h('p', null, 'No region on chain yet.'));
  else for (const el of [...container.children]) if (!el.classList.contains('region')) el.remove();

  byId('faults-none').hidden = faults.length > 0;
  byId('faults-list').replaceChildren(...faults.map(([region, period, fault]) =>
    h('li', { 'data-region': region, 'data-period': period, 'data-fault': fault },
      `Region ${region}, period ${period}: ${fault}`)));

  const table = byId('bills-table');
  table.hidden = st.bills.length === 0;
  byId('bills-none').hidden = st.bills.length > 0;
  table.tBodies[0].replaceChildren(...st.bills.map((b) => h('tr', {
    'data-cycle': b.cycle, 'data-posted': b.posted, 'data-acknowledged': b.acknowledged,
    'data-disputed': b.disputed, 'data-corrected': b.corrected,
  },
  h('th', { scope: 'row', class: 'n' }, String(b.cycle)),
  h('td', { class: 'n' }, String(b.posted)),
  h('td', { class: 'n' }, String(b.acknowledged)),
  h('td', { class: 'n' }, String(b.disputed)),
  h('td', { class: 'n' }, String(b.corrected)))));

  const rt = st.retention;
  let text = `Readings of periods from ${rt.kept_from_period} on are kept: at least ${rt.min_cycles} cycles after ` +
    `their own, and at most ${rt.max_cycles} while their bills are not answered.`;
  if (rt.waiting_for) {
    const [region, cycle, anyway] = rt.waiting_for;
    text += ` Pruning waits for the bills of region ${region}, cycle ${cycle}; from cycle ${anyway} on they are pruned anyway.`;
  }
  byId('retention-text').textContent = text;
}
