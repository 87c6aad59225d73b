// Formatting and parsing without losing u64s: the chain's and the report's u64s (masked shares,
// masks) exceed 2^53, so they stay decimal strings or BigInts here and are never Numbers.

/** `1234` Wh as `1.234 kWh` (exact: BigInt arithmetic on the decimal string). */
export function kwh(wh) {
  if (wh === null || wh === undefined || wh === '') return '–';
  const v = BigInt(wh);
  const sign = v < 0n ? '-' : '';
  const a = v < 0n ? -v : v;
  return `${sign}${a / 1000n}.${String(a % 1000n).padStart(3, '0')} kWh`;
}

/** Micro-units as the bill page writes money: `0.003200 GMT` (`decimals` places of µ-units). */
export function money(micro, currency) {
  if (micro === null || micro === undefined || micro === '') return '–';
  const v = BigInt(micro);
  const sign = v < 0n ? '-' : '';
  const a = v < 0n ? -v : v;
  const unit = 10n ** BigInt(currency.decimals);
  const frac = currency.decimals > 0 ? `.${String(a % unit).padStart(currency.decimals, '0')}` : '';
  return `${sign}${a / unit}${frac} ${currency.symbol}`;
}

/** A price in µ-units per kWh: `0.200000 GMT/kWh`. */
export function price(micro, currency) {
  return micro === null || micro === undefined || micro === '' ? '–' : `${money(micro, currency)}/kWh`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** A chain time (ms since the Unix epoch) in the viewer's time zone. */
export function localTime(ms, { seconds = false } = {}) {
  return (seconds ? dateTimeSeconds : dateTime).format(new Date(Number(ms)));
}

/** Hours and minutes only (chart axes). */
export function localClock(ms) {
  return timeOnly.format(new Date(Number(ms)));
}

/**
 * `JSON.parse` that keeps every integer literal of 16 digits or more (beyond what a Number
 * holds exactly) as its decimal string: the report's masks are random u64s. For display only;
 * the wasm is always handed the original text.
 */
export function parseLossless(text) {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += text[i + 1] ?? ''; i += 2; continue; }
      if (c === '"') inString = false;
      i++;
    } else if (c === '"') {
      inString = true; out += c; i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      const lit = text.slice(i, j);
      out += /^-?\d{16,}$/.test(lit) ? `"${lit}"` : lit;
      i = j;
    } else {
      out += c; i++;
    }
  }
  return JSON.parse(out);
}

/** The message of anything thrown (wasm-bindgen's JsError is an Error). */
export function messageOf(e) {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : String(e);
}
