#!/usr/bin/env node
// Browser tests of the service's pages in the system's headless Chromium driven by playwright-core
// (no browser download). Every tests/browser/*.test.mjs file registers its tests (lib.mjs has the harness).
//
//   GWF_BASE_URL=http://127.0.0.1:8080 node tests/browser/run.mjs
//
// The server must run with the demo data (./scripts/demo.sh, or the one scripts/test.sh starts).
// Every test records every request the page makes and fails if one leaves the service's origin.
// Screenshots: <repo>/artifacts/screenshots/*.png.
//
// Environment:
//   GWF_BASE_URL         the service (required; e.g. http://127.0.0.1:8080)
//   GWF_CHROMIUM         Chromium binary (default /usr/bin/chromium)
//   GWF_BROWSER_ONLY     run only the tests whose name contains this text
//   GWF_BROWSER_TIMEOUT  per-test time limit in ms (default 60000)
//   GWF_STAFF_TOKEN      API token of a staff account, for the staff pages (monitoring.test.mjs)

import { readdirSync, existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, BASE, ORIGIN, SHOTS, TEST_TIMEOUT, ONLY, api, assert, isLocal, demo, registeredTests, HERE } from './lib.mjs';

// ---- runner -------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(`error: ${CHROMIUM} not found. Install it with: sudo apt-get install -y chromium (or set GWF_CHROMIUM)`);
    process.exit(2);
  }
  try {
    demo.facets = await api('/plots/facets');
  } catch (e) {
    console.error(`error: the service at ${BASE} does not answer (${e.message})`);
    process.exit(2);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  let passed = 0, failed = 0;
  for (const f of readdirSync(HERE).filter((n) => n.endsWith('.test.mjs')).sort()) await import(`./${f}`);
  const selected = registeredTests().filter((x) => !ONLY || x.name.includes(ONLY));
  console.log(`browser tests against ${BASE} (Chromium ${browser.version()}, ${selected.length} tests)`);
  for (const { name, fn } of selected) {
    const t = { requests: [], contexts: [], pageErrors: [], consoleErrors: [], note: '', allowForeign: () => false };
    const started = Date.now();
    let error = null;
    try {
      let timer;
      await Promise.race([
        fn(browser, t),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT} ms`)), TEST_TIMEOUT); }),
      ]).finally(() => clearTimeout(timer));
      const foreign = t.requests.filter((u) => !isLocal(u) && !t.allowForeign(u));
      assert(foreign.length === 0, `requests left ${ORIGIN}: ${[...new Set(foreign)].join(', ')}`);
      assert(t.pageErrors.length === 0, `JavaScript errors: ${t.pageErrors.join(' | ')}`);
      const consoleErrors = t.consoleErrors.filter((m) => !/basemap\.invalid|ERR_INTERNET_DISCONNECTED/.test(m));
      assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
    } catch (e) {
      error = e;
    }
    for (const c of t.contexts) await c.close().catch(() => {});
    const ms = Date.now() - started;
    if (error) {
      failed++;
      console.log(`not ok - ${name} (${ms} ms)\n    ${String(error.message || error).split('\n').join('\n    ')}`);
    } else {
      passed++;
      console.log(`ok - ${name} (${ms} ms)${t.note ? ` — ${t.note}` : ''}`);
    }
  }
  await browser.close();
  console.log(`screenshots: ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
