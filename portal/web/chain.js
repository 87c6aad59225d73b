// What the page reads from the chain, with polkadot.js, always at one finalized block (`at`,
// from `api.at(hash)`): the operator's status (the reads and the words of the client's
// `gridmask status`, client/src/status.rs) and the facts of an owner's check (the contract of
// docs/plans/portal.md §6, the reads of client/src/bill.rs). No DOM here, so that Node can run it
// against a node and compare with the client. Every u64 that may exceed 2^53 is kept as a
// decimal string; u32s and chain times in ms (far below 2^53) are Numbers.

/** Runtime API limits (pallet-readings MAX_API_ITEMS, pallet-pricing MAX_API_PERIODS / _TARIFFS). */
export const MAX_API_ITEMS = 1024;
export const MAX_API_PERIODS = 1024;
export const MAX_API_TARIFFS = 64;

const CHANNELS = {
  ImportWh: ['import_wh', 'Wh'],
  ExportWh: ['export_wh', 'Wh'],
  MaxDemandW: ['max_demand_w', 'W'],
  ReactiveVarh: ['reactive_varh', 'varh'],
};

/** A channel kind's name and unit as the client writes them (`import_wh`, `Wh`). */
export function channelOf(kind) {
  const [name, unit] = CHANNELS[kind] ?? [kind, ''];
  return { name, unit };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The CID string (`b…`, CIDv1 raw sha2-256, base32) of a report whose digest the chain records
 * (`RawCid` is stored as the bare digest): what the content store names the bytes by.
 */
export function cidOfDigest(digest) {
  const bytes = [0x01, 0x55, 0x12, 0x20, ...digest];
  let out = 'b';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/** The chain's clock parameters (`readingsApi.time().params`) as plain Numbers, or null. */
function timeParams(info) {
  if (info.params.isNone) return null;
  const p = info.params.unwrap();
  return {
    genesis_start_ms: p.genesisStartMs.toNumber(),
    period_ms: p.periodMs.toNumber(),
    periods_per_cycle: p.periodsPerCycle.toNumber(),
    window_ms: p.windowMs.toNumber(),
  };
}

/** The period at chain time `now` (`TimeParams::started` + `period_at`), or null. */
export function periodAt(time, now) {
  if (!time || time.genesis_start_ms === 0 || now < time.genesis_start_ms || time.period_ms === 0) return null;
  return Math.floor((now - time.genesis_start_ms) / time.period_ms);
}

/** Start of period `p`, ms. */
export function periodStart(time, p) {
  return time.genesis_start_ms + p * time.period_ms;
}

// ---------------------------------------------------------------------------------------------
// The operator's status (client/src/status.rs).

/** `1234 Wh` for one channel; `import_wh 1234 Wh, export_wh withheld` for several. */
function sealedText(aggregates, channels) {
  const value = (a, unit) => (a === null ? 'withheld' : `${a} ${unit}`);
  if (aggregates.length === 1) return value(aggregates[0], 'Wh');
  return aggregates
    .map((a, j) => (j < channels.length ? `${channels[j].name} ${value(a, channels[j].unit)}` : null))
    .filter((s) => s !== null)
    .join(', ');
}

/** A fault's state in words (status.rs `fault_text`). */
function faultText(status) {
  switch (status.type) {
    case 'Open': return 'open';
    case 'Checking': return 'checking';
    case 'Collecting': return `resolution arriving (${status.asCollecting.parts.toNumber()} parts)`;
    case 'Resolved': {
      const { named, blame } = status.asResolved;
      const meters = named.meters.map((m) => m[0].toString()).join(', ');
      const why = blame.isMeters ? 'meters blamed' : 'chain fault, nobody blamed';
      return `resolved (named: [${meters}]${named.overflow.isTrue ? ' and more' : ''}, lone shares: ` +
        `${named.lone.toNumber()}, forged shares: ${named.forged.toNumber()}; ${why})`;
    }
    case 'Rejected': return 'rejected';
    case 'Void': return 'void';
    default: return status.type.toLowerCase();
  }
}

/** `tariff v<N>` or `override`. */
function sourceName(source) {
  return source.isTariff ? `tariff v${source.asTariff.version.toNumber()}` : 'override';
}

/** The price records of `region` for `first..=last`, paged: a Map period → record. */
async function priceSeries(at, region, first, last) {
  const out = new Map();
  for (let from = first; from <= last; from += MAX_API_PERIODS) {
    const to = Math.min(last, from + MAX_API_PERIODS - 1);
    for (const [p, r] of await at.call.pricingApi.priceSeries(region, from, to)) out.set(p.toNumber(), r);
  }
  return out;
}

/** Period `p`'s status (status.rs `period_status`); null for a period without a setup that is not done. */
function periodStatus(p, st, channels, priceRecord, fault) {
  let aggregates = [];
  let outcome;
  const phase = st.phase;
  const done = phase.isDone ? phase.asDone : null;
  if (done?.isSealed) {
    aggregates = done.asSealed.aggregates.map((a) => (a.isSome ? a.unwrap().toString() : null));
    outcome = `sealed ${sealedText(aggregates, channels)} (${done.asSealed.count.toNumber()} shares)`;
  } else if (done?.isFaulted) {
    outcome = `faulted (${done.asFaulted.received.toNumber()}/${done.asFaulted.expected.toNumber()} shares)`;
  } else if (done?.isWithheld) {
    outcome = `sealed, aggregate withheld (only ${Math.floor(done.asWithheld.count.toNumber() / 2)} complete readings)`;
  } else if (done?.isVoid) {
    outcome = 'void (closed by the KGC, no aggregate)';
  } else if (st.setup.isNone) {
    return null;
  } else if (phase.isUpcoming) {
    outcome = `upcoming (setup ${st.setupComplete.isTrue ? 'complete' : 'partial'})`;
  } else if (phase.isOpen) {
    outcome = `open (${st.accumulator.count.toNumber()} shares)`;
  } else if (phase.isClosed || phase.isSealing) {
    outcome = 'sealing';
  } else {
    outcome = 'not started';
  }
  const price = priceRecord
    ? [priceRecord.price.toString(), priceRecord.exportPrice.toString(), sourceName(priceRecord.source)]
    : null;
  return {
    period: p,
    outcome,
    aggregate: aggregates.length ? aggregates[0] : null,
    aggregates,
    price,
    fault: fault.isSome ? faultText(fault.unwrap().status) : null,
  };
}

/**
 * The status as `gridmask status --json --last <last>` writes it (the same field names; u64
 * aggregates and prices as decimal strings), read at the finalized block `at` (number `block`).
 */
export async function readStatus(at, { block, endpoint, last = 40 }) {
  const info = await at.call.readingsApi.time();
  const time = timeParams(info);
  const nowMs = info.nowMs.toNumber();
  const current = periodAt(time, nowMs);
  const regionEntries = (await at.query.meters.regions.entries())
    .map(([k, v]) => [k.args[0].toNumber(), v.unwrap()])
    .sort((a, b) => a[0] - b[0]);
  const regions = await Promise.all(regionEntries.map(async ([region, r]) => {
    const channels = r.shape.map((k) => channelOf(k.type));
    const periods = [];
    if (current !== null) {
      const first = Math.max(0, current - last);
      const ps = [];
      for (let p = first; p <= current; p++) ps.push(p);
      const [states, prices, faults] = await Promise.all([
        Promise.all(ps.map((p) => at.call.readingsApi.periodState(region, p))),
        priceSeries(at, region, first, current),
        at.query.faults.faults.multi(ps.map((p) => [region, p])),
      ]);
      ps.forEach((p, i) => {
        const s = periodStatus(p, states[i], channels, prices.get(p), faults[i]);
        if (s) periods.push(s);
      });
    }
    return {
      region,
      name: new TextDecoder().decode(r.name.toU8a(true)),
      channels: channels.map((c) => c.name),
      active_meters: r.activeMeters.toNumber(),
      active_prosumers: r.activeProsumers.toNumber(),
      periods,
    };
  }));
  const r = await at.call.readingsApi.retention();
  const w = r.waitingFor.isSome ? r.waitingFor.unwrap() : null;
  return {
    endpoint,
    finalized_block: block,
    now_ms: nowMs,
    current_period: current,
    current_cycle: current !== null ? Math.floor(current / Math.max(1, time.periods_per_cycle)) : null,
    periods_per_cycle: time ? time.periods_per_cycle : null,
    period_ms: time ? time.period_ms : null,
    genesis_start_ms: time ? time.genesis_start_ms : null,
    regions,
    bills: await cycleBills(at),
    retention: {
      kept_from_period: r.keptFromPeriod.toNumber(),
      min_cycles: r.minCycles.toNumber(),
      max_cycles: r.maxCycles.toNumber(),
      waiting_for: w ? [w.region.toNumber(), w.cycle.toNumber(), w.prunedAnywayInCycle.toNumber()] : null,
    },
  };
}

/** Every cycle's bills by their latest version's state (status.rs `cycle_bills`). */
async function cycleBills(at) {
  const latest = await at.query.billing.latestBill.entries();
  // An OptionQuery map: every value is Some.
  const keys = latest.map(([k, v]) => [k.args[0], k.args[1].toNumber(), v.unwrap().toNumber()]);
  const records = keys.length ? await at.query.billing.bills.multi(keys) : [];
  const bills = new Map();
  keys.forEach(([, cycle, version], i) => {
    if (!bills.has(cycle)) bills.set(cycle, { cycle, posted: 0, acknowledged: 0, disputed: 0, corrected: 0 });
    const c = bills.get(cycle);
    if (version > 1) c.corrected += 1;
    const status = records[i].isSome ? records[i].unwrap().status : null;
    if (status?.isAcknowledged) c.acknowledged += 1;
    else if (status?.isDisputed) c.disputed += 1;
    else c.posted += 1;
  });
  return [...bills.values()].sort((a, b) => a.cycle - b.cycle);
}

// ---------------------------------------------------------------------------------------------
// The owner's check (client/src/bill.rs `verify`, `check_report`), as the facts of §6.

/** The meter's bills on chain: per cycle, the latest version and its status (ascending cycles). */
export async function billsOf(at, meter) {
  const latest = new Map();
  for (const [cycle, version, record] of await at.call.billingApi.billsOf(meter)) {
    const c = cycle.toNumber();
    const v = version.toNumber();
    if (!latest.has(c) || latest.get(c).version < v) latest.set(c, { cycle: c, version: v, status: record.status.type });
  }
  return [...latest.values()].sort((a, b) => a.cycle - b.cycle);
}

/** The latest bill of (meter, cycle) as the facts state it, or null if there is none. */
export async function readBill(at, meter, cycle) {
  const bill = await at.call.billingApi.bill(meter, cycle);
  if (bill.isNone) return null;
  const [version, record] = bill.unwrap();
  return {
    version: version.toNumber(),
    cid: cidOfDigest(record.cid.toU8a()),
    digest: record.digest.toHex(),
    regions: record.regions.map((r) => r.toNumber()),
    status: record.status.type,
  };
}

/** Every tariff version of `region`, oldest first, paged (`pricingApi.tariffs`). */
async function tariffs(at, region) {
  const all = [];
  for (let from = 1; ; ) {
    const got = await at.call.pricingApi.tariffs(region, from, MAX_API_TARIFFS);
    for (const [v, t] of got) {
      all.push({
        version: v.toNumber(),
        effective_from: t.effectiveFrom.toNumber(),
        day_periods: t.tariff.dayPeriods.toNumber(),
        day_offset: t.tariff.dayOffset.toNumber(),
        band_starts: t.tariff.bands.map((b) => b[0].toNumber()),
      });
    }
    if (got.length < MAX_API_TARIFFS) return all;
    from = all[all.length - 1].version + 1;
  }
}

/** One region's side of a cycle: shape, set-up periods, tariffs, prices. */
async function regionFacts(at, region, first, last) {
  const info = await at.query.meters.regions(region);
  if (info.isNone) throw new Error(`region ${region} is not on chain`);
  const ps = [];
  for (let p = first; p <= last; p++) ps.push(p);
  const [states, tariffList, prices] = await Promise.all([
    Promise.all(ps.map((p) => at.call.readingsApi.periodState(region, p))),
    tariffs(at, region),
    priceSeries(at, region, first, last),
  ]);
  const periods = [];
  ps.forEach((p, i) => {
    const st = states[i];
    if (st.setup.isNone) return;
    const setup = st.setup.unwrap();
    const done = st.phase.isDone ? st.phase.asDone : null;
    const sealed = done?.isSealed ? done.asSealed : null;
    const first = sealed && sealed.aggregates.length ? sealed.aggregates[0] : null;
    periods.push({
      period: p,
      epoch: setup.epoch.toNumber(),
      channels: setup.z.length,
      outcome: done ? done.type : null,
      aggregate: first && first.isSome ? first.unwrap().toString() : null,
      count: sealed ? sealed.count.toNumber() : 0,
    });
  });
  return {
    region,
    shape: info.unwrap().shape.map((k) => k.type),
    periods,
    tariffs: tariffList,
    prices: [...prices].map(([p, r]) => ({
      period: p,
      price: r.price.toString(),
      export_price: r.exportPrice.toString(),
      source: r.source.isTariff ? { tariff: r.source.asTariff.version.toNumber() } : 'override',
    })),
  };
}

/**
 * The facts of the check of `bill` (from {@link readBill}) of (meter, cycle), without the
 * shares: everything the wasm's `shareQueries` and `checkBill` need but the shares.
 */
export async function readFacts(api, at, meter, cycle, bill) {
  const time = timeParams(await at.call.readingsApi.time());
  if (!time || time.genesis_start_ms === 0) {
    throw new Error("the chain's readings clock has not started (it starts at block 2)");
  }
  const m = await at.query.meters.meters(meter);
  const spans = m.isNone ? null : m.unwrap().memberships.map((s) => ({
    region: s.region.toNumber(),
    from: s.from.toNumber(),
    until: s.until.isSome ? s.until.unwrap().toNumber() : null,
  }));
  // The regions of the spans, each once, in first-seen order (gridmask_bill `span_regions`).
  const regionIds = [];
  for (const s of spans ?? []) if (!regionIds.includes(s.region)) regionIds.push(s.region);
  const first = cycle * time.periods_per_cycle;
  const last = first + time.periods_per_cycle - 1;
  const regions = await Promise.all(regionIds.map((r) => regionFacts(at, r, first, last)));
  return {
    genesis: api.genesisHash.toHex(),
    meter: String(meter),
    cycle,
    bill,
    time,
    spans,
    regions,
  };
}

/** The shares at `queries` (`[{region, period, prid}]`, from the wasm), in order, paged. */
export async function readShares(at, queries) {
  const out = [];
  for (let i = 0; i < queries.length; i += MAX_API_ITEMS) {
    const page = queries.slice(i, i + MAX_API_ITEMS);
    const got = await at.call.readingsApi.shares(page.map((q) => [q.region, q.period, q.prid]));
    page.forEach((q, j) => {
      const s = got[j];
      out.push({
        region: q.region,
        period: q.period,
        prid: q.prid,
        masked: s && s.isSome ? s.unwrap().masked.map((v) => v.toString()) : null,
      });
    });
  }
  return out;
}
