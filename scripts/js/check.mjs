// polkadot.js check of a gridmask node: connects, prints the chain and metadata version,
// enumerates every pallet's storage, events, calls, errors and constants and every runtime API,
// instantiates each of their types, reads the storage (plain values fully, maps a few entries)
// and calls the argument-free runtime APIs. Exits non-zero on anything it cannot decode.
//
// usage: node check.mjs [ws://127.0.0.1:9944] [--quiet]

import { ApiPromise, WsProvider } from '@polkadot/api';
import { stringCamelCase } from '@polkadot/util';

const url = process.argv.find((a) => a.startsWith('ws')) ?? process.env.GRIDMASK_WS ?? 'ws://127.0.0.1:9944';
const quiet = process.argv.includes('--quiet');
const MAP_SAMPLE = 3;
// Argument-free runtime APIs that only make sense inside block production.
const NOT_CALLABLE = new Set(['BlockBuilder.finalize_block']);

const failures = [];
const fail = (what, err) => {
  failures.push(`${what}: ${err?.message ?? err}`);
  console.error(`FAIL ${what}: ${err?.message ?? err}`);
};
const say = (...a) => { if (!quiet) console.log(...a); };

// Instantiating a type (its default value) proves polkadot.js can decode it from metadata alone.
function checkType(api, what, typeId) {
  try {
    const name = api.registry.createLookupType(typeId);
    api.registry.createType(name);
  } catch (e) {
    fail(`${what} (type ${typeId})`, e);
  }
}

async function main() {
  const provider = new WsProvider(url, 1000, {}, 30_000);
  const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });

  const [chain, nodeName, nodeVersion, header, finalized] = await Promise.all([
    api.rpc.system.chain(),
    api.rpc.system.name(),
    api.rpc.system.version(),
    api.rpc.chain.getHeader(),
    api.rpc.chain.getFinalizedHead(),
  ]);
  const finalizedHeader = await api.rpc.chain.getHeader(finalized);
  const metaVersion = api.runtimeMetadata.version;
  console.log(`chain: ${chain} (${nodeName} ${nodeVersion})`);
  console.log(`runtime: ${api.runtimeVersion.specName} v${api.runtimeVersion.specVersion}`);
  console.log(`metadata version: ${metaVersion}`);
  console.log(`best #${header.number.toNumber()}, finalized #${finalizedHeader.number.toNumber()}`);
  if (metaVersion < 15) fail('metadata', `version ${metaVersion} < 15: runtime APIs are not described`);

  const meta = api.runtimeMetadata.asLatest;
  let counts = { storage: 0, events: 0, calls: 0, errors: 0, constants: 0, reads: 0, apis: 0, apiCalls: 0 };

  for (const pallet of meta.pallets) {
    const name = pallet.name.toString();
    const section = stringCamelCase(name);
    const storage = pallet.storage.isSome ? pallet.storage.unwrap().items : [];
    const events = pallet.events.isSome ? api.registry.lookup.getSiType(pallet.events.unwrap().type).def.asVariant.variants : [];
    const calls = pallet.calls.isSome ? api.registry.lookup.getSiType(pallet.calls.unwrap().type).def.asVariant.variants : [];
    const errors = pallet.errors.isSome ? api.registry.lookup.getSiType(pallet.errors.unwrap().type).def.asVariant.variants : [];
    say(`pallet ${name}: ${storage.length} storage, ${events.length} events, ${calls.length} calls, ${errors.length} errors, ${pallet.constants.length} constants`);

    for (const ev of events) {
      counts.events++;
      ev.fields.forEach((f) => checkType(api, `event ${name}.${ev.name} field ${f.name}`, f.type));
    }
    for (const call of calls) {
      counts.calls++;
      const m = stringCamelCase(call.name);
      if (!api.tx[section]?.[m]) fail(`call ${name}.${call.name}`, 'not exposed by api.tx');
      call.fields.forEach((f) => checkType(api, `call ${name}.${call.name} arg ${f.name}`, f.type));
    }
    counts.errors += errors.length;
    for (const c of pallet.constants) {
      counts.constants++;
      try {
        const m = stringCamelCase(c.name);
        const v = api.consts[section][m];
        if (v === undefined) throw new Error('not exposed by api.consts');
        v.toJSON();
      } catch (e) { fail(`constant ${name}.${c.name}`, e); }
    }
    for (const item of storage) {
      counts.storage++;
      const m = stringCamelCase(item.name);
      const q = api.query[section]?.[m];
      if (!q) { fail(`storage ${name}.${item.name}`, 'not exposed by api.query'); continue; }
      try {
        if (item.type.isPlain) {
          const v = await q();
          v.toJSON();
          counts.reads++;
          say(`  ${name}.${item.name} = ${JSON.stringify(v.toHuman()).slice(0, 160)}`);
        } else {
          const entries = await q.entriesPaged({ args: [], pageSize: MAP_SAMPLE });
          for (const [k, v] of entries) { k.args.map((a) => a.toJSON()); v.toJSON(); counts.reads++; }
          say(`  ${name}.${item.name}: ${entries.length} entries sampled`);
        }
      } catch (e) { fail(`storage ${name}.${item.name}`, e); }
    }
  }

  // Runtime APIs, described by metadata v15+: every method's types, then the argument-free calls.
  for (const rtApi of meta.apis ?? []) {
    counts.apis++;
    const section = stringCamelCase(rtApi.name);
    say(`runtime api ${rtApi.name}: ${rtApi.methods.map((m) => m.name.toString()).join(', ')}`);
    for (const method of rtApi.methods) {
      const m = stringCamelCase(method.name);
      method.inputs.forEach((i) => checkType(api, `api ${rtApi.name}.${method.name} input ${i.name}`, i.type));
      checkType(api, `api ${rtApi.name}.${method.name} output`, method.output);
      const fn = api.call[section]?.[m];
      if (!fn) { fail(`api ${rtApi.name}.${method.name}`, 'not exposed by api.call'); continue; }
      if (method.inputs.length === 0 && !NOT_CALLABLE.has(`${rtApi.name}.${method.name}`)) {
        try {
          const out = await fn();
          out.toJSON();
          counts.apiCalls++;
          say(`  ${rtApi.name}.${method.name}() = ${JSON.stringify(out.toHuman()).slice(0, 160)}`);
        } catch (e) {
          fail(`api ${rtApi.name}.${method.name}()`, e);
        }
      }
    }
  }

  console.log(`checked ${meta.pallets.length} pallets: ${counts.storage} storage items (${counts.reads} values read), ` +
    `${counts.events} events, ${counts.calls} calls, ${counts.errors} errors, ${counts.constants} constants; ` +
    `${counts.apis} runtime APIs (${counts.apiCalls} called)`);
  await api.disconnect();
  if (failures.length) {
    console.error(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log('polkadot.js check: OK');
}

main().catch((e) => {
  console.error(`polkadot.js check failed: ${e?.message ?? e}`);
  process.exit(1);
});
