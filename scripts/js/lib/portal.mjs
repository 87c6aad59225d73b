// Driving the portal (portal/web, built into $GRIDMASK_PORTAL_DIR/site) in headless Chromium
// with playwright-core, which downloads no browser: the system's Chromium (Debian's package,
// installed by scripts/setup.sh) or $GRIDMASK_CHROMIUM.
//
//   const browser = await openBrowser();
//   const page = await newPage(browser, { phone: true });
//   await page.goto(url);
//   …  page.requests (every URL asked for), page.assertNoCspErrors()
//   await browser.close();

import { chromium } from 'playwright-core';

/** The Chromium binary: $GRIDMASK_CHROMIUM, else Debian's. */
export const chromiumPath = () => process.env.GRIDMASK_CHROMIUM ?? '/usr/bin/chromium';

/** A headless Chromium that talks to nothing on its own (no updates, sync or QUIC probes). */
export function openBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps',
    ],
  });
}

/** The viewports of the screenshots: a desktop, and a phone (390 × 844 CSS px at 2×). */
export const DESKTOP = { viewport: { width: 1280, height: 900 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * A page in a fresh context (desktop, or a phone with `{ phone: true }`; other `opts` go to
 * `newContext`, e.g. `timezoneId`). `page.requests` records every URL the page asks for, in
 * order (WebSocket URLs included); `page.consoleErrors` every console error and uncaught
 * exception; `page.cspErrors` every Content-Security-Policy violation ("Refused to …"), which
 * `page.assertNoCspErrors()` throws.
 */
export async function newPage(browser, { phone = false, ...opts } = {}) {
  const context = await browser.newContext({ ...(phone ? PHONE : DESKTOP), timezoneId: 'Europe/Berlin', ...opts });
  const page = await context.newPage();
  page.requests = [];
  page.consoleErrors = [];
  page.cspErrors = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('websocket', (ws) => page.requests.push(ws.url()));
  page.on('console', (m) => {
    const text = m.text();
    if (/Refused to|Content Security Policy|CSP/.test(text)) page.cspErrors.push(text);
    if (m.type() === 'error') page.consoleErrors.push(text);
  });
  page.on('pageerror', (e) => page.consoleErrors.push(`uncaught: ${e.message}`));
  page.assertNoCspErrors = () => {
    if (page.cspErrors.length) throw new Error(`the page broke its Content-Security-Policy:\n  ${page.cspErrors.join('\n  ')}`);
  };
  return page;
}

/**
 * The URLs `page` asked for that are neither below one of `allowed` (origins or URL prefixes)
 * nor `data:`/`blob:` URLs: what the portal must never fetch.
 */
export function unexpectedRequests(page, allowed) {
  return page.requests.filter((u) => !/^(data|blob):/.test(u) && !allowed.some((a) => u.startsWith(a)));
}
