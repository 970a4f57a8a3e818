// The portal's "draw an area": drawing with the mouse (clicks, double-click), the list equals
// POST /plots/search with the same polygon (the search API's drawn-area form), the area is in
// the shared URL and restored from it, Escape cancels, the keyboard way (map centre), clearing.
// Also: the map draws the plots from the vector tiles (clusters when zoomed out).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, assert, eq, screenshot, newContext, openPage, test } from './lib.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function waitPortal(page) {
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  await page.waitForFunction(() => window.gwfMap && window.gwfMap.loaded(), null, { timeout: 20000 });
}

async function openPortal(browser, t, query = 'lang=en') {
  const context = await newContext(browser, t);
  const page = await openPage(context, t, '/?' + query);
  await waitPortal(page);
  return page;
}

async function searchAfter(page, action) {
  const before = await page.evaluate(() => window.gwfPortal.searches);
  await action();
  await page.waitForFunction((n) => window.gwfPortal.searches > n, before, { timeout: 10000 });
  return page.evaluate(() => window.gwfPortal.lastSearch);
}

const listedRefs = (page) => page.locator('#result-list .result').evaluateAll((items) => items.map((i) => i.dataset.ref));

// The same search through the API: POST /plots/search with the polygon.
async function searchApi(geometry) {
  const r = await fetch(BASE + '/plots/search', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ geometry, relation: 'intersects', limit: 1000, fields: 'reference' })
  });
  assert(r.ok, `POST /plots/search: HTTP ${r.status}`);
  return (await r.json()).items.map((p) => p.reference);
}

// Page coordinates of fractions of the map canvas.
async function mapPoint(page, fx, fy) {
  const box = await page.locator('#map canvas').boundingBox();
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

test('portal draw: draw an area → list = POST /plots/search with that polygon; the link restores it', async (browser, t) => {
  const page = await openPortal(browser, t);
  const all = (await listedRefs(page)).length;
  await page.click('#draw-area');
  await page.locator('#draw-bar').waitFor({ state: 'visible' });
  eq(await page.evaluate(() => document.activeElement.id), 'draw-hint', 'focus moves to the drawing hint');
  const corners = [[0.3, 0.3], [0.62, 0.28], [0.66, 0.7], [0.34, 0.72]];
  for (const [fx, fy] of corners.slice(0, -1)) {
    const p = await mapPoint(page, fx, fy);
    await page.mouse.click(p.x, p.y);
  }
  await screenshot(page, 'portal-draw-sketch-en');
  const last = await mapPoint(page, ...corners[3]);
  const s = await searchAfter(page, () => page.mouse.dblclick(last.x, last.y));
  eq(s.url, '/plots/search', 'the drawn area is searched by POST /plots/search');
  const ring = s.body.geometry.coordinates[0];
  eq(ring.length, 5, 'four corners (the double-click adds none twice), closed');
  const area = new URL(page.url()).searchParams.get('area');
  assert(area && area.split(',').length === 8, `area in the URL: ${area}`);
  const want = await searchApi(s.body.geometry);
  const listed = await listedRefs(page);
  eq(listed.join(','), want.join(','), 'list = POST /plots/search with the same polygon');
  assert(listed.length > 0 && listed.length < all, `the area holds some plots: ${listed.length} of ${all}`);
  await page.locator('#area-note').waitFor({ state: 'visible' });
  eq(await page.isHidden('#draw-bar'), true, 'drawing ended');
  const shown = await page.evaluate(() => window.gwfMap.getSource('drawn-area').serialize().data.geometry.coordinates[0].length);
  eq(shown, 5, 'the area is drawn on the map');
  await page.waitForTimeout(300);
  await screenshot(page, 'portal-draw-area-en');

  // The shared link: a new page with the same URL shows the same area and list.
  const again = await openPortal(browser, t, new URL(page.url()).search.slice(1));
  eq((await listedRefs(again)).join(','), want.join(','), 'the link restores the list');
  const restored = await again.evaluate(() => window.gwfPortal.lastSearch.body.geometry);
  eq(JSON.stringify(restored), JSON.stringify(s.body.geometry), 'the link restores the polygon');
  await again.locator('#area-note').waitFor({ state: 'visible' });
  await screenshot(again, 'portal-draw-restored-en');

  // Clear: everywhere again; back brings the area back.
  await searchAfter(again, () => again.click('#clear-area'));
  eq((await listedRefs(again)).length, all, 'cleared: all plots');
  eq(new URL(again.url()).searchParams.get('area'), null, 'no area in the URL');
  await searchAfter(again, () => again.goBack());
  eq((await listedRefs(again)).join(','), want.join(','), 'back: the area again');
  t.note = `${listed.length} of ${all} plots in the drawn area`;
});

test('portal draw: Escape cancels; without a mouse the map centre adds corners', async (browser, t) => {
  const page = await openPortal(browser, t);
  const url = page.url();
  const searches = await page.evaluate(() => window.gwfPortal.searches);
  await page.click('#draw-area');
  for (const [fx, fy] of [[0.3, 0.3], [0.6, 0.3]]) {
    const p = await mapPoint(page, fx, fy);
    await page.mouse.click(p.x, p.y);
  }
  // The drawing bar keeps the page at 0 WCAG 2.1 A/AA violations (axe-core, as portal.test.mjs).
  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  eq(axe.violations.map((v) => v.id).join(','), '', 'axe-core while drawing');
  await page.keyboard.press('Escape');
  eq(await page.isHidden('#draw-bar'), true, 'Escape ends the drawing');
  eq(await page.evaluate(() => document.activeElement.id), 'draw-area', 'focus back on "Draw an area"');
  eq(page.url(), url, 'nothing searched');
  eq(await page.evaluate(() => window.gwfPortal.searches), searches, 'no search');

  // Keyboard: open, move the map, add its centre three times, finish.
  await page.focus('#draw-area');
  await page.keyboard.press('Enter');
  const centre = await page.evaluate(() => window.gwfMap.getCenter().toArray());
  const d = 0.01;
  for (const [dx, dy] of [[-d, -d], [d, -d], [0, d]]) {
    await page.evaluate((c) => window.gwfMap.jumpTo({ center: c }), [centre[0] + dx, centre[1] + dy]);
    await page.focus('#draw-add-centre');
    await page.keyboard.press('Enter');
  }
  eq(await page.isDisabled('#draw-finish'), false, 'three corners: Finish is enabled');
  await page.focus('#draw-finish');
  const s = await searchAfter(page, () => page.keyboard.press('Enter'));
  eq(s.body.geometry.coordinates[0].length, 4, 'a triangle');
  eq((await listedRefs(page)).join(','), (await searchApi(s.body.geometry)).join(','), 'list = POST /plots/search');
  // "Reset filters" means everywhere: the area goes too.
  const reset = await searchAfter(page, () => page.click('#reset-filters'));
  eq(reset.url.startsWith('/plots?'), true, 'a plain GET /plots again');
  eq(new URL(page.url()).searchParams.get('area'), null, 'no area in the URL after reset');
  eq(await page.isHidden('#area-note'), true, 'the area note is gone');
});

test('portal map: plots come from the vector tiles, clusters when zoomed out', async (browser, t) => {
  const page = await openPortal(browser, t);
  const tiles = t.requests.filter((u) => /\/tiles\/plots\/\d+\/\d+\/\d+\.mvt/.test(u));
  assert(tiles.length > 0, 'the map loads /tiles/plots');
  eq(t.requests.some((u) => /\/plots\?.*geometry_form=simplified/.test(u) && /limit=1000/.test(u)), true, 'the list is the search API page');
  await page.evaluate(() => window.gwfMap.jumpTo({ zoom: 8 }));
  await page.waitForFunction(() => window.gwfMap.loaded() && document.querySelectorAll('.gwf-cluster').length > 0, null, { timeout: 15000 });
  const counted = await page.locator('.gwf-cluster').evaluateAll((b) => b.reduce((a, x) => a + Number(x.dataset.count), 0));
  const all = (await listedRefs(page)).length;
  eq(counted, all, 'the clusters count every match');
  // A filter changes the clusters' counts in place (same zoom): the map's tiles follow the list's query.
  const gi = await searchAfter(page, () => page.check('#f-zoning-GI'));
  await page.waitForFunction((n) => window.gwfPortal.mapDrawn === window.gwfPortal.searches && window.gwfMap.loaded()
    && [...document.querySelectorAll('.gwf-cluster')].reduce((a, x) => a + Number(x.dataset.count), 0) === n, gi.count, { timeout: 15000 });
  await page.uncheck('#f-zoning-GI');
  await page.waitForFunction((n) => [...document.querySelectorAll('.gwf-cluster')].reduce((a, x) => a + Number(x.dataset.count), 0) === n, all, { timeout: 15000 });
  // Hovering a result still highlights it among the clusters (its dot).
  const first = page.locator('#result-list .result').first();
  const id = Number(await first.getAttribute('data-id'));
  await first.hover();
  eq(await page.evaluate((i) => window.gwfMap.getFeatureState({ source: 'result-points', id: i }).hover, id), true, 'hover state on the dot');
  await screenshot(page, 'portal-clusters-en');
  t.note = `${tiles.length} tiles; ${counted} plots in clusters at zoom 8`;
});
