// The portal's map at national scale: opens `/?lang=en` against a service holding many plots
// (bench/generate.sql: 100,000) and reports what the first view costs and whether the map shows
// every match (the clusters' counts add up to the API's total). Reported, not asserted.
//
//   GWF_BASE_URL=http://127.0.0.1:18200 node bench/portal_scale.mjs
//
// Uses playwright-core from tests/browser/node_modules (npm ci --prefix tests/browser) and
// Debian's Chromium (GWF_CHROMIUM).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const BASE = (process.env.GWF_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');

const browser = await chromium.launch({
  executablePath: process.env.GWF_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader']
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const tiles = [];
page.on('response', async (r) => {
  if (/\/tiles\/plots\/\d+\/\d+\/\d+\.mvt/.test(r.url())) tiles.push(Number(r.headers()['content-length'] || (await r.body()).length));
});
const started = Date.now();
await page.goto(BASE + '/?lang=en');
await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 120000 });
const ready = Date.now() - started;
await page.waitForFunction(() => window.gwfMap.loaded() && window.gwfMap.areTilesLoaded(), null, { timeout: 120000 });
await page.waitForTimeout(500);
const shown = await page.evaluate(() => ({
  zoom: window.gwfMap.getZoom(),
  listed: document.querySelectorAll('#result-list .result').length,
  count: document.getElementById('result-count').textContent,
  clusters: [...document.querySelectorAll('.gwf-cluster')].reduce((a, b) => a + Number(b.dataset.count), 0),
  firstSearchMs: Math.round(window.gwfPortal.timings[0])
}));
const total = await (await fetch(BASE + '/plots?limit=1&count=exact&fields=reference', { headers: { Accept: 'application/json' } })).json();
console.log(JSON.stringify({
  readyMs: ready, ...shown, apiTotal: total.total,
  tiles: tiles.length, tileKB: Math.round(tiles.reduce((a, b) => a + b, 0) / 1024)
}, null, 2));
await browser.close();
