// Shared harness of the browser tests: the browser settings, page helpers and the test registry.
// Every `*.test.mjs` file in this folder registers its tests with `test(name, fn)`; run.mjs runs them.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const SHOTS = join(REPO, 'artifacts', 'screenshots');
export const CHROMIUM = process.env.GWF_CHROMIUM || '/usr/bin/chromium';
export const TEST_TIMEOUT = Number(process.env.GWF_BROWSER_TIMEOUT || 60000);
export const ONLY = process.env.GWF_BROWSER_ONLY || '';

if (!process.env.GWF_BASE_URL) {
  console.error('error: set GWF_BASE_URL, e.g. GWF_BASE_URL=http://127.0.0.1:8080 node tests/browser/run.mjs');
  process.exit(2);
}
export const BASE = process.env.GWF_BASE_URL.replace(/\/+$/, '');
export const ORIGIN = new URL(BASE).origin;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  // WebGL through SwiftShader (software); newer Chromium versions want this said explicitly.
  '--enable-unsafe-swiftshader',
];

// ---- small helpers -------------------------------------------------------------------------

export class AssertionError extends Error {}
export function assert(cond, message) {
  if (!cond) throw new AssertionError(message);
}
export function eq(actual, expected, message) {
  if (actual !== expected) throw new AssertionError(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// Does this URL stay on the service? data: never leaves the page; blob: URLs carry their origin.
export function isLocal(url) {
  if (/^(data|about):/i.test(url)) return true;
  try {
    return new URL(url).origin === ORIGIN;
  } catch {
    return false;
  }
}

export async function api(path) {
  const r = await fetch(BASE + path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return r.json();
}

// Minimal PNG decoder (8-bit RGB/RGBA, not interlaced: what Chromium writes) -> {width, height, rgba}.
export function decodePng(buf) {
  assert(buf.readUInt32BE(0) === 0x89504e47, 'not a PNG');
  let pos = 8;
  let width = 0, height = 0, colorType = 0, depth = 0, interlace = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  assert(depth === 8 && (colorType === 2 || colorType === 6) && interlace === 0, `unsupported PNG (depth ${depth}, colour type ${colorType})`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp];
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1];
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2];
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

// Pixel statistics of a screenshot: distinct colours (quantised) and how many pixels look like
// each status colour drawn over the light background.
export function pixelStats(png) {
  const { rgba } = png;
  const colours = new Set();
  const counts = { green: 0, orange: 0, purple: 0, blue: 0, dark: 0 };
  for (let i = 0; i < rgba.length; i += 4) {
    const r = rgba[i], g = rgba[i + 1], b = rgba[i + 2];
    colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
    if (g > r + 50 && g > b + 15) counts.green++;
    if (r > 180 && g > 110 && g < 200 && b < 110 && r > g + 30) counts.orange++;
    if (r > 150 && b > 120 && g < r - 40 && g < b - 10) counts.purple++;
    if (b > r + 60 && b > g + 20) counts.blue++;
    if (r < 60 && g < 60 && b < 60) counts.dark++;
  }
  return { distinct: colours.size, ...counts, total: rgba.length / 4 };
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  const buf = await page.screenshot({ path: file });
  return { file, png: decodePng(buf) };
}

// ---- page helpers ----------------------------------------------------------------------------

// A fresh browser context whose every request is recorded.
export async function newContext(browser, t, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, ...options });
  context.on('request', (req) => t.requests.push(req.url()));
  t.contexts.push(context);
  return context;
}

// JavaScript errors, console errors and failed responses of a page fail its test. A browser asks
// for /favicon.ico by itself on pages without an icon link; that 404 is not the page's doing.
export function watchPage(page, t) {
  page.on('pageerror', (e) => t.pageErrors.push(String(e)));
  page.on('console', (m) => {
    // The URL of a failed load is reported by the 'response' handler below.
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) t.consoleErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') t.consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
  });
}

export async function openPage(context, t, path) {
  const page = await context.newPage();
  watchPage(page, t);
  const resp = await page.goto(BASE + path, { waitUntil: 'load' });
  eq(resp.status(), 200, `GET ${path}`);
  return page;
}

export async function openEmbed(browser, t, query = '', contextOptions = {}) {
  const context = await newContext(browser, t, contextOptions);
  const page = await openPage(context, t, '/embed' + (query ? '?' + query : ''));
  await waitReady(page);
  return { context, page };
}

export async function waitReady(page) {
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  await page.waitForFunction(() => window.gwfMap.loaded() && window.gwfMap.areTilesLoaded(), null, { timeout: 20000 });
}

// Plots drawn on the map right now: one entry per plot id.
export async function renderedPlots(page) {
  return page.evaluate(() => {
    const seen = new Map();
    for (const f of window.gwfMap.queryRenderedFeatures({ layers: ['plots-fill'] })) {
      if (!seen.has(f.id)) seen.set(f.id, { id: f.id, ...f.properties });
    }
    return [...seen.values()];
  });
}

// A point (page coordinates) well inside a drawn plot and not covered by the legend or a
// control, found by sampling the map; and the plot there.
export async function pointOnPlot(page, wantReference) {
  return page.evaluate((want) => {
    const map = window.gwfMap;
    const canvas = map.getCanvas();
    const rect = canvas.getBoundingClientRect();
    const at = (x, y) => map.queryRenderedFeatures([x, y], { layers: ['plots-fill'] })[0];
    // Candidate points nearest the centre first; the first one well inside a plot wins.
    const cx = rect.width / 2, cy = rect.height / 2;
    const points = [];
    for (let y = 10; y < rect.height - 10; y += 5) {
      for (let x = 10; x < rect.width - 10; x += 5) points.push([x, y, (x - cx) ** 2 + (y - cy) ** 2]);
    }
    points.sort((a, b) => a[2] - b[2]);
    for (const [x, y] of points) {
      const f = at(x, y);
      if (!f || (want && f.properties.reference !== want)) continue;
      const around = [[-4, 0], [4, 0], [0, -4], [0, 4]].map(([dx, dy]) => at(x + dx, y + dy));
      if (!around.every((g) => g && g.id === f.id)) continue;
      const px = rect.left + x, py = rect.top + y;
      if (document.elementFromPoint(px, py) !== canvas) continue;
      return { x: px, y: py, reference: f.properties.reference, id: f.id, status: f.properties.status };
    }
    return null;
  }, wantReference || null);
}

export async function visibleText(page, selector) {
  return page.locator(selector).innerText();
}

// ---- the tests ----------------------------------------------------------------------------------

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

// Read once by the runner before the tests start.
export const demo = { facets: null };

export function registeredTests() {
  return tests;
}
