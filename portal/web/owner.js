// The owner's view ("My bill"): the key file is read on this device (never sent), the bill is
// fetched by its CID, opened and checked by the wasm (the client's own code) against facts read
// at one finalized block, and may be acknowledged or disputed, signed in the page.

import { Keyring } from '@polkadot/keyring';
import { hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { h, byId } from './dom.js';
import { kwh, money, price, localTime, parseLossless, messageOf } from './format.js';
import { billsOf, readBill, readFacts, readShares } from './chain.js';

const STATUS_WORDS = {
  Posted: 'posted, not answered yet',
  Acknowledged: 'acknowledged',
  Disputed: 'disputed',
  Superseded: 'replaced by a newer version',
};
const SHORT_STATUS = { Posted: 'to answer', Acknowledged: 'acknowledged', Disputed: 'disputed', Superseded: 'replaced' };

/** Where the report `cid` is fetched from: an IPFS HTTP gateway's raw block if one is set, else
 * the gridmask gateway's `/content/{cid}`; the bytes are checked against the CID either way. */
function reportUrl(config, cid) {
  const trim = (u) => u.replace(/\/$/, '');
  if (config.ipfs) return `${trim(config.ipfs)}/ipfs/${cid}?format=raw`;
  return config.content ? `${trim(config.content)}/content/${cid}` : null;
}

/** Wires the owner's view. `ctx`: { api (a promise of the ApiPromise), wasm, config, currency() }. */
export function setupOwner(ctx) {
  const state = { key: null, checked: null, busy: false };
  const keyInput = byId('key-file');
  const cycleSelect = byId('cycle');
  const checkButton = byId('check');

  const refreshButtons = () => {
    checkButton.disabled = state.busy || !state.key || cycleSelect.value === '';
  };

  keyInput.addEventListener('change', () => {
    const file = keyInput.files?.[0];
    resetResult();
    state.key = null;
    setCycles([], 'Choose your key file first');
    refreshButtons();
    if (!file) { keyStatus(''); return; }
    const reader = new FileReader();
    reader.onerror = () => keyStatus(`The file could not be read: ${messageOf(reader.error)}`, true);
    reader.onload = () => loadKey(String(reader.result));
    reader.readAsText(file);
  });

  cycleSelect.addEventListener('change', () => { resetResult(); refreshButtons(); });
  checkButton.addEventListener('click', () => check());
  byId('acknowledge').addEventListener('click', () => answer('acknowledge'));
  byId('dispute').addEventListener('click', () => answer('dispute'));

  function keyStatus(text, bad = false) {
    const p = byId('key-status');
    p.textContent = text;
    p.classList.toggle('bad', bad);
  }

  async function loadKey(text) {
    let key;
    try {
      key = JSON.parse(ctx.wasm.parseKeyFile(text));
    } catch (e) {
      keyStatus(`This is not a key file the page can use: ${messageOf(e)}`, true);
      return;
    }
    state.key = key;
    keyStatus(`Key of meter ${key.meter}${key.account_seed ? '' : ' (it opens bills but cannot answer them)'}. Looking for its bills…`);
    await loadCycles();
  }

  function setCycles(bills, empty) {
    const keep = cycleSelect.value;
    cycleSelect.replaceChildren();
    if (!bills.length) {
      cycleSelect.append(h('option', { value: '' }, empty));
      cycleSelect.disabled = true;
      return;
    }
    for (const b of [...bills].reverse()) {
      cycleSelect.append(h('option', { value: b.cycle, 'data-version': b.version, 'data-status': b.status },
        `Cycle ${b.cycle} (version ${b.version}, ${SHORT_STATUS[b.status] ?? b.status})`));
    }
    cycleSelect.disabled = false;
    if (bills.some((b) => String(b.cycle) === keep)) cycleSelect.value = keep;
  }

  async function loadCycles() {
    const key = state.key;
    try {
      const api = await ctx.api;
      const at = await api.at(await api.rpc.chain.getFinalizedHead());
      const bills = await billsOf(at, key.meter);
      if (state.key !== key) return;
      setCycles(bills, `No bill for meter ${key.meter} on chain yet`);
      keyStatus(`Key of meter ${key.meter}${key.account_seed ? '' : ' (it opens bills but cannot answer them)'}: ` +
        (bills.length ? `${bills.length} bill${bills.length > 1 ? 's' : ''} on chain.` : 'no bill on chain yet.'));
    } catch (e) {
      keyStatus(`The bills of meter ${key.meter} could not be read from the chain: ${messageOf(e)}`, true);
    }
    refreshButtons();
  }

  function resetResult() {
    state.checked = null;
    setVerdict('idle', '');
    byId('bill-facts').hidden = true;
    byId('problems-section').hidden = true;
    byId('problems').replaceChildren();
    byId('lines-section').hidden = true;
    byId('lines').tBodies[0].replaceChildren();
    byId('page-section').hidden = true;
    byId('bill-page').replaceChildren();
    byId('download').hidden = true;
    byId('answer-section').hidden = true;
    setAnswer('idle', '');
  }

  function setVerdict(stateName, text) {
    const v = byId('verdict');
    v.dataset.state = stateName;
    v.textContent = text;
  }

  /** The check (client/src/bill.rs `verify`): every problem ends it as "not verified". */
  async function check() {
    const key = state.key;
    const cycle = Number(cycleSelect.value);
    resetResult();
    state.busy = true;
    refreshButtons();
    setVerdict('checking', `Checking the bill of meter ${key.meter} for cycle ${cycle} against the chain…`);
    try {
      const api = await ctx.api;
      // Every read of the check at one finalized block.
      const hash = await api.rpc.chain.getFinalizedHead();
      const at = await api.at(hash);
      const bill = await readBill(at, key.meter, cycle);
      if (!bill) throw new Error(`meter ${key.meter} has no bill for cycle ${cycle} on chain`);
      showBill(key, cycle, bill);
      const outcome = await openAndCheck(api, at, key, cycle, bill);
      state.checked = { meter: key.meter, cycle, version: bill.version, status: bill.status, ...outcome };
      showOutcome(outcome);
    } catch (e) {
      setVerdict('error', `The check could not be done: ${messageOf(e)}`);
    } finally {
      state.busy = false;
      refreshButtons();
    }
  }

  /** Fetch, open, gather the facts, check. Returns { problems, lines, report }. */
  async function openAndCheck(api, at, key, cycle, bill) {
    const url = reportUrl(ctx.config, bill.cid);
    if (!url) {
      return { problems: ['report: no content store to fetch it from (open the page with ?content=<gateway URL> or ?ipfs=<IPFS gateway URL>)'] };
    }
    let bytes;
    try {
      const r = await fetch(url, { cache: 'no-store' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      bytes = new Uint8Array(await r.arrayBuffer());
    } catch (e) {
      return { problems: [`report: ${bill.cid} could not be fetched from ${url} (${messageOf(e)})`] };
    }
    let report;
    try {
      report = ctx.wasm.openBill(key.hpke_secret, api.genesisHash.toHex(), key.meter, cycle, JSON.stringify(bill), bytes);
    } catch (e) {
      // The CLI's problem text: tampered with, wrong digest, not this bill, not a report.
      return { problems: [messageOf(e)] };
    }
    const facts = await readFacts(api, at, key.meter, cycle, bill);
    const queries = JSON.parse(ctx.wasm.shareQueries(report, JSON.stringify(facts)));
    facts.shares = await readShares(at, queries);
    const result = JSON.parse(ctx.wasm.checkBill(report, JSON.stringify(facts)));
    // The Green Button file is stamped with the chain's time, not the viewer's clock.
    const nowMs = (await at.call.readingsApi.time()).nowMs.toString();
    return { problems: result.problems, lines: result.lines, report, periodMs: String(facts.time.period_ms), nowMs };
  }

  function showBill(key, cycle, bill) {
    const dl = byId('bill-facts');
    dl.replaceChildren(
      h('dt', null, 'Meter'), h('dd', null, key.meter),
      h('dt', null, 'Billing cycle'), h('dd', null, String(cycle)),
      h('dt', null, 'Bill'), h('dd', { id: 'bill-status' }, `version ${bill.version}, ${STATUS_WORDS[bill.status] ?? bill.status}`),
      h('dt', null, 'Report'), h('dd', null, h('code', null, bill.cid)));
    dl.dataset.version = String(bill.version);
    dl.dataset.status = bill.status;
    dl.hidden = false;
  }

  function showOutcome({ problems, lines, report, periodMs, nowMs }) {
    const ok = problems.length === 0;
    const shown = report ? parseLossless(report) : null;
    if (shown) {
      const dl = byId('bill-facts');
      dl.append(
        h('dt', null, shown.total_amount < 0 ? 'Credit' : 'Total to pay'),
        h('dd', { class: 'total', 'data-amount': shown.total_amount }, money(shown.total_amount, ctx.currency())));
    }
    setVerdict(ok ? 'verified' : 'not-verified', ok
      ? 'Verified: every line of this bill matches the chain.'
      : `Not verified: ${problems.length === 1 ? 'one thing does' : `${problems.length} things do`} not match the chain.`);
    byId('problems').replaceChildren(...problems.map((p) => h('li', null, p)));
    byId('problems-section').hidden = ok;
    if (shown && lines) showLines(shown, lines);
    if (report) showPage(report, ok, periodMs, nowMs);
    showAnswer(ok);
  }

  function showLines(shown, lines) {
    const currency = ctx.currency();
    const byPeriod = new Map(lines.map((l) => [l.period, l.problems]));
    // Seconds only for periods shorter than a minute (as the bill page writes them).
    const seconds = shown.lines.some((l) => Number(l.start_ms) % 60_000 !== 0);
    const rows = shown.lines.map((l, i) => {
      const problems = byPeriod.get(l.period) ?? [];
      const value = (name) => {
        const j = (l.channels ?? []).indexOf(name);
        return l.status === 'metered' && j >= 0 && j < l.values.length ? l.values[j] : null;
      };
      const reading = l.status === 'metered' ? 'metered'
        : `estimated (${l.status === 'partial' ? 'one share of two' : 'no reading'}; by ${l.estimate?.basis ?? '?'})`;
      const imported = l.estimate ? l.estimate.wh : value('import_wh');
      return h('tr', {
        'data-line': i, 'data-period': l.period, 'data-verified': problems.length === 0 ? 'true' : 'false',
        class: problems.length ? 'bad' : null,
      },
      h('th', { scope: 'row', class: 'n' }, String(l.period)),
      h('td', { class: 't' }, localTime(l.start_ms, { seconds })),
      h('td', { class: 'n' }, String(l.region)),
      h('td', { class: 'l' }, reading),
      h('td', { class: 'n' }, imported === null ? '–' : kwh(imported)),
      h('td', { class: 'n' }, (l.channels ?? []).includes('export_wh') ? kwh(value('export_wh') ?? 0) : '–'),
      h('td', { class: 'n' }, price(l.price, currency)),
      h('td', { class: 'n' }, money(l.amount, currency)),
      h('td', { class: 'txt' }, problems.length ? h('ul', { class: 'line-problems' }, ...problems.map((p) => h('li', null, p))) : 'matches the chain'));
    });
    byId('lines').tBodies[0].replaceChildren(...rows);
    byId('lines-section').hidden = false;
  }

  /**
   * The bill page, rendered by the wasm from the report (the same code as the client): shown
   * inline in a shadow root, its own stylesheet adopted (an inline <style> is refused by the
   * page's CSP), its times rewritten to the viewer's time zone.
   */
  function showPage(report, ok, periodMs, nowMs) {
    let html;
    try {
      html = ctx.wasm.renderReport(report);
    } catch (e) {
      byId('page-note').textContent = `The bill page cannot be shown: ${messageOf(e)}`;
      byId('page-section').hidden = false;
      return;
    }
    // The stylesheet is taken out before parsing: Chromium applies the page's CSP to a parsed
    // <style> even in a DOMParser document, and reports it.
    let css = '';
    const body = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, text) => { css += `${text}\n`; return ''; });
    const doc = new DOMParser().parseFromString(body, 'text/html');
    doc.querySelectorAll('style, script, link, meta, title').forEach((el) => el.remove());
    for (const t of doc.querySelectorAll('time[datetime]')) {
      const when = Date.parse(t.getAttribute('datetime'));
      if (Number.isNaN(when)) continue;
      t.title = t.textContent;
      t.textContent = localTime(when, { seconds: /\d:\d\d:\d\d/.test(t.textContent) });
    }
    const host = h('div', { class: 'bill-page' });
    const root = host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    // The page's `body` rules apply to the shadow root's host instead.
    sheet.replaceSync(css.replace(/(^|[},])\s*body\s*\{/g, '$1:host{'));
    root.adoptedStyleSheets = [sheet];
    root.append(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
    byId('bill-page').replaceChildren(host);
    byId('page-note').textContent = ok
      ? 'Times are shown in your time zone.'
      : 'This bill did not verify: the page below is what the report states, not what the chain confirms.';
    const download = byId('download');
    download.hidden = true;
    if (ok) {
      try {
        // 999: no ISO 4217 currency, the chain's own unit (as `owner export` without --currency).
        const xml = ctx.wasm.greenButton(report, BigInt(periodMs), 999, BigInt(nowMs));
        const link = h('a', { download: `bill-${state.key.meter}-${state.checked?.cycle ?? byId('cycle').value}.xml` },
          'Download this bill as a Green Button file');
        link.href = URL.createObjectURL(new Blob([xml], { type: 'application/atom+xml' }));
        download.replaceChildren(link);
        download.hidden = false;
      } catch (e) {
        download.replaceChildren(`The Green Button file cannot be made: ${messageOf(e)}`);
        download.hidden = false;
      }
    }
    byId('page-section').hidden = false;
  }

  function showAnswer(ok) {
    const c = state.checked;
    if (!state.key?.account_seed || !c) return;
    byId('answer-section').hidden = false;
    // Only a posted version takes an answer (the chain refuses the others).
    const open = c.status === 'Posted';
    byId('acknowledge').disabled = !ok || !open;
    byId('dispute').disabled = !open;
    byId('reason').disabled = !open;
    if (!open) {
      byId('answer-hint').textContent = c.status === 'Acknowledged'
        ? `You have acknowledged version ${c.version} of this bill: it is final for you.`
        : c.status === 'Disputed'
          ? `You have disputed version ${c.version} of this bill; your utility answers with a corrected version.`
          : `Version ${c.version} of this bill is ${STATUS_WORDS[c.status] ?? c.status}: it takes no answer.`;
      return;
    }
    byId('answer-hint').textContent = ok
      ? `You can acknowledge version ${c.version} of this bill, or dispute it with a reason. Your answer is signed here with your key file's account key.`
      : `This bill did not verify, so it cannot be acknowledged here. You can dispute version ${c.version} with a reason.`;
  }

  function setAnswer(stateName, text, error) {
    const p = byId('answer');
    p.dataset.state = stateName;
    if (error) p.dataset.error = error; else delete p.dataset.error;
    p.textContent = text;
  }

  /** Acknowledge or dispute the version checked (client/src/bill.rs `answer`). */
  async function answer(kind) {
    const c = state.checked;
    const key = state.key;
    if (!c || !key?.account_seed) return;
    const reason = byId('reason').value.trim();
    if (kind === 'dispute' && !reason) {
      setAnswer('idle', 'Please write why you dispute the bill first.');
      byId('reason').focus();
      return;
    }
    const maxBytes = byId('reason').maxLength;
    if (kind === 'dispute' && maxBytes > 0 && new TextEncoder().encode(reason).length > maxBytes) {
      setAnswer('idle', `Please shorten the reason: the chain keeps at most ${maxBytes} bytes of it.`);
      byId('reason').focus();
      return;
    }
    const buttons = [byId('acknowledge'), byId('dispute')];
    buttons.forEach((b) => { b.disabled = true; });
    const what = kind === 'acknowledge' ? 'acknowledgement' : 'dispute';
    setAnswer('sending', `Sending your ${what} of bill version ${c.version}…`);
    try {
      const api = await ctx.api;
      await cryptoWaitReady();
      const pair = new Keyring({ type: 'sr25519' }).addFromSeed(hexToU8a(key.account_seed));
      const tx = kind === 'acknowledge'
        ? api.tx.billing.acknowledge(c.meter, c.cycle, c.version)
        : api.tx.billing.dispute(c.meter, c.cycle, c.version, reason);
      await new Promise((resolve, reject) => {
        let unsub = null;
        const stop = () => { if (unsub) unsub(); else setTimeout(() => unsub?.(), 0); };
        tx.signAndSend(pair, ({ status, dispatchError }) => {
          if (dispatchError) {
            stop();
            const failure = new Error(dispatchText(api, dispatchError));
            failure.errorName = dispatchName(api, dispatchError);
            reject(failure);
          } else if (status.isInBlock) {
            setAnswer('in-block', `Your ${what} is in block ${status.asInBlock.toHex().slice(0, 10)}…; waiting for it to be final.`);
          } else if (status.isFinalized) {
            stop();
            resolve();
          } else if (status.isInvalid || status.isDropped || status.isUsurped) {
            stop();
            reject(new Error(`the node did not take the transaction (${status.type.toLowerCase()})`));
          }
        }).then((u) => { unsub = u; }, reject);
      });
      setAnswer('finalized', kind === 'acknowledge'
        ? `Done: your acknowledgement of bill version ${c.version} is final on the chain.`
        : `Done: your dispute of bill version ${c.version} is final on the chain; your utility will answer it.`);
      await loadCycles();
    } catch (e) {
      setAnswer('failed', `Your ${what} was not recorded: ${messageOf(e)}`, e.errorName ?? 'failed');
      buttons.forEach((b) => { b.disabled = false; });
      byId('acknowledge').disabled = !(state.checked && state.checked.problems?.length === 0);
      return;
    }
    // Answered: this version takes no other answer.
    state.checked = { ...c, status: kind === 'acknowledge' ? 'Acknowledged' : 'Disputed' };
    byId('bill-status').textContent = `version ${c.version}, ${STATUS_WORDS[state.checked.status]}`;
    byId('bill-facts').dataset.status = state.checked.status;
    showAnswer(c.problems.length === 0);
  }
}

/** A dispatch error as `pallet.Error` (`billing.WrongVersion`). */
function dispatchName(api, err) {
  if (err.isModule) {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  }
  return err.type;
}

/** What the chain's refusals of an answer mean for the owner (others: the error's own docs). */
const PLAIN = {
  'billing.WrongVersion': 'a newer version of this bill was posted after you checked it. Check the bill again, then answer the new version.',
  'billing.AlreadyAcknowledged': 'this version of the bill is acknowledged already.',
  'billing.AlreadyDisputed': 'this version of the bill is disputed already.',
  'billing.NotOwner': 'the account of this key file does not own the meter.',
  'billing.NoBill': 'the chain holds no bill for this meter and cycle.',
  'billing.EmptyReason': 'a dispute needs a reason.',
};

/** A dispatch error in plain words, with its name (`billing.WrongVersion`). */
function dispatchText(api, err) {
  if (err.isModule) {
    const m = api.registry.findMetaError(err.asModule);
    const name = `${m.section}.${m.name}`;
    const words = PLAIN[name] ?? (m.docs.join(' ').trim() || 'the chain refused it');
    return `${words} (${name})`;
  }
  return `the chain refused it (${err.type})`;
}
