// Photos (issue 19): a picture uploaded through the API with the staff token, its plot
// published, then seen where people look — the gallery on the profile page (credit shown, print
// keeps the cover) and the thumbnail in the /embed popup; 0 axe-core WCAG A/AA violations on the
// gallery. Needs GWF_STAFF_TOKEN (scripts/test.sh gives the admin's of its test server).

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { assert, eq, api, BASE, screenshot, newContext, openPage, openEmbed, waitReady, pointOnPlot, test } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STAFF = process.env.GWF_STAFF_TOKEN || '';

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

// A 640 × 480 PNG: sky over a field with a red marker, so it is easy to tell apart on screen.
function picture() {
  const [w, h] = [640, 480];
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const i = y * (w * 3 + 1) + 1 + x * 3;
      const marker = (x - 320) ** 2 + (y - 300) ** 2 < 60 ** 2;
      const [r, g, b] = marker ? [200, 30, 40] : y < 200 ? [120, 170, 230] : [90 + (x % 40), 140, 60];
      raw[i] = r; raw[i + 1] = g; raw[i + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function staff(method, path, { body, headers = {} } = {}) {
  const r = await fetch(BASE + path, { method, body, headers: { Authorization: 'Bearer ' + STAFF, ...headers } });
  const text = await r.text();
  return { status: r.status, etag: r.headers.get('etag'), json: text ? JSON.parse(text) : null };
}

async function axeCheck(page, name, within) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((sel) => window.axe.run(document.querySelector(sel), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }), within);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `${name}: axe-core found ${found.length} WCAG A/AA violations:\n  ${found.join('\n  ')}`);
}

test('photos: upload, publish, then the gallery on the profile and the thumbnail in the /embed popup', async (browser, t) => {
  assert(STAFF, 'set GWF_STAFF_TOKEN to an API token of a staff account (scripts/test.sh does)');
  // A published plot without photos of its own; taken back to draft for the upload.
  const list = await api('/plots?limit=100&status=available&fields=reference&sort=-area');
  let target = null;
  for (const p of list.items) {
    const media = await api(`/plots/${p.id}/media`);
    if (media.items.length === 0) { target = p; break; }
  }
  assert(target, 'a published plot without media');
  let plot = await staff('GET', `/plots/${target.id}`);
  const down = await staff('POST', `/plots/${target.id}/unpublish`, { headers: { 'If-Match': plot.etag } });
  eq(down.status, 200, 'unpublish');
  const query = new URLSearchParams({ kind: 'photo', cover: 'true', caption_de: 'Blick über die Fläche', caption_en: 'View across the plot', credit: 'Browser-Test', licence: 'CC0 1.0' });
  const up = await staff('POST', `/plots/${target.id}/media?${query}`, { body: picture(), headers: { 'Content-Type': 'application/octet-stream' } });
  eq(up.status, 201, `upload: ${JSON.stringify(up.json)}`);
  eq(up.json.content_type, 'image/png', 'sniffed type');
  // A draft's photo is not public yet.
  eq((await fetch(up.json.links.thumb)).status, 404, 'the draft\'s thumbnail is not public');
  plot = await staff('GET', `/plots/${target.id}`);
  eq((await staff('POST', `/plots/${target.id}/publish`, { headers: { 'If-Match': plot.etag } })).status, 200, 'publish');

  // The profile page: gallery with the picture loaded, caption and credit.
  const context = await newContext(browser, t);
  const page = await openPage(context, t, `/plots/${encodeURIComponent(target.reference)}/profile?lang=en`);
  const img = page.locator('.gallery-grid li.cover img');
  await img.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForFunction(() => { const i = document.querySelector('.gallery-grid li.cover img'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
  eq(await img.evaluate((i) => i.naturalWidth), 400, 'the 400 px size in the grid');
  eq(await img.getAttribute('alt'), 'View across the plot', 'English caption as alt text');
  const caption = await page.locator('.gallery-grid li.cover figcaption').innerText();
  assert(caption.includes('Browser-Test') && caption.includes('CC0 1.0'), `credit and licence shown: ${caption}`);
  await axeCheck(page, 'profile gallery', '.gallery');
  await page.locator('.gallery').scrollIntoViewIfNeeded();
  await screenshot(page, 'media-profile-gallery-en');
  await page.emulateMedia({ media: 'print' });
  eq(await img.isVisible(), true, 'the cover is printed');
  await page.emulateMedia({ media: 'screen' });

  // The /embed popup shows the cover as a thumbnail with its credit.
  const { page: map } = await openEmbed(browser, t);
  await map.evaluate(() => window.gwfMap.jumpTo({ zoom: window.gwfMap.getZoom() + 1.5 }));
  await waitReady(map);
  let at = await pointOnPlot(map, target.reference);
  if (!at) {
    const full = await api(`/plots/${target.id}`);
    const ring = full.geometry.coordinates[0][0];
    const lon = ring.reduce((s, c) => s + c[0], 0) / ring.length;
    const lat = ring.reduce((s, c) => s + c[1], 0) / ring.length;
    await map.evaluate(([x, y]) => window.gwfMap.jumpTo({ center: [x, y], zoom: 16 }), [lon, lat]);
    await waitReady(map);
    at = await pointOnPlot(map, target.reference);
  }
  assert(at, `plot ${target.reference} is clickable on the map`);
  await map.mouse.click(at.x, at.y);
  const photo = map.locator('.maplibregl-popup .plot-card .plot-photo img');
  await photo.waitFor({ state: 'visible', timeout: 10000 });
  await map.waitForFunction(() => { const i = document.querySelector('.plot-photo img'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
  eq(await photo.evaluate((i) => i.naturalWidth), 400, 'the 400 px size, sharp in a 320 px popup');
  const credit = await map.locator('.plot-photo figcaption').innerText();
  assert(credit.includes('Browser-Test'), `credit under the thumbnail: ${credit}`);
  await screenshot(map, 'media-embed-popup');
  t.note = `${target.reference}: gallery and popup show the upload`;
});
