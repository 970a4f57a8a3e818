// The investor portal (/ for browsers), the compare page, accessibility (axe-core) of the public
// pages, and the portal's first-load size and filter-to-list latency (reported, not asserted;
// written to artifacts/portal-metrics.json).

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO, BASE, assert, eq, api, pixelStats, screenshot, newContext, openPage, test } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const METRICS = join(REPO, 'artifacts', 'portal-metrics.json');
const metrics = {};

function saveMetrics() {
  mkdirSync(join(REPO, 'artifacts'), { recursive: true });
  writeFileSync(METRICS, JSON.stringify(metrics, null, 2) + '\n');
}

async function openPortal(browser, t, query = 'lang=en', options = {}) {
  const context = await newContext(browser, t, options);
  const page = await openPage(context, t, '/?' + query);
  await waitPortal(page);
  return { context, page };
}

async function waitPortal(page) {
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  await page.waitForFunction(() => window.gwfMap && window.gwfMap.loaded(), null, { timeout: 20000 });
}

// Waits for the search after `action` and returns its result.
async function searchAfter(page, action) {
  const before = await page.evaluate(() => window.gwfPortal.searches);
  await action();
  await page.waitForFunction((n) => window.gwfPortal.searches > n, before, { timeout: 10000 });
  return page.evaluate(() => window.gwfPortal.lastSearch);
}

async function listedRefs(page) {
  return page.locator('#result-list .result').evaluateAll((items) => items.map((i) => i.dataset.ref));
}

// The references the map's plot tiles hold once it has drawn the latest search (the map
// draws every match from /tiles/plots; the fitted view holds them all on the demo data).
async function mapRefs(page) {
  await page.waitForFunction(() => window.gwfPortal.mapDrawn === window.gwfPortal.searches && window.gwfMap.loaded(), null, { timeout: 15000 });
  return page.evaluate(() => {
    const refs = window.gwfMap.querySourceFeatures('plots', { sourceLayer: 'plots' }).map((f) => f.properties.reference);
    return [...new Set(refs)];
  });
}

async function apiRefs(query) {
  const page = await api('/plots?' + query + '&limit=1000&fields=reference');
  return page.items.map((p) => p.reference);
}

async function axeCheck(page, name) {
  // Evaluated by the test driver: the pages' CSP (script-src 'self') rightly refuses inline script.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `${name}: axe-core found ${found.length} WCAG A/AA violations:\n  ${found.join('\n  ')}`);
  return result.passes.length;
}

test('portal: / is the search page for browsers, with list and map', async (browser, t) => {
  const { page } = await openPortal(browser, t);
  eq(await page.getAttribute('html', 'lang'), 'en', 'page language');
  const refs = await listedRefs(page);
  const all = await apiRefs('');
  eq(refs.join(','), all.join(','), 'list = GET /plots');
  eq((await mapRefs(page)).sort().join(','), [...all].sort().join(','), 'map = GET /plots');
  const count = await page.locator('#result-count').innerText();
  assert(count.startsWith(`${all.length} plots found`), `count: ${count}`);
  assert(/\d{1,3}(,\d{3})*[\s\u00a0]m²/.test(await page.locator('#result-list').innerText()), 'English m² format');
  const stand = await page.locator('#stand').innerText();
  assert(/Data (confirmed between|as of)/.test(stand), `Stand notice: ${stand}`);
  const { png } = await screenshot(page, 'portal-desktop-en');
  const st = pixelStats(png);
  assert(st.green > 100, `too few green (available) pixels on the map: ${st.green}`);
  t.note = `${refs.length} plots listed and drawn`;
});

test('portal: filter by size and zoning → list and map agree with GET /plots', async (browser, t) => {
  const { page } = await openPortal(browser, t);
  await searchAfter(page, () => page.fill('#f-area-min', '5000').then(() => page.press('#f-area-min', 'Enter')));
  await searchAfter(page, () => page.check('#f-zoning-GI'));
  const last = await searchAfter(page, () => page.check('#f-zoning-GE'));
  const want = await apiRefs('area_min=5000&zoning=GI,GE');
  assert(want.length > 0, 'the demo data has GI/GE plots of 5,000 m² or more');
  eq((await listedRefs(page)).join(','), want.join(','), 'list = GET /plots?area_min=5000&zoning=GI,GE');
  eq((await mapRefs(page)).sort().join(','), [...want].sort().join(','), 'map = the same plots');
  const url = new URL(page.url());
  eq(url.searchParams.get('zoning'), 'GI,GE', 'zoning in the URL');
  eq(url.searchParams.get('area_min'), '5000', 'area_min in the URL');
  // Sorting: largest first, as the API sorts.
  await searchAfter(page, () => page.selectOption('#f-sort', '-area'));
  eq((await listedRefs(page)).join(','), (await apiRefs('area_min=5000&zoning=GI,GE&sort=-area')).join(','), 'sorted by area');
  // The CSV links carry the same search.
  const csv = new URL(await page.getAttribute('#csv-plain', 'href'), BASE);
  eq(csv.searchParams.get('zoning'), 'GI,GE', 'CSV link filter');
  eq(csv.searchParams.get('f'), 'csv-excel-en', 'English readers get the English Excel CSV first');
  const body = await page.request.get(csv.href).then((r) => r.body());
  assert(body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf, 'CSV starts with a UTF-8 BOM');
  // Latency from the input event to the rendered list, over a few filter changes.
  const timings = [];
  for (const z of ['MI', 'SO', 'GE-e', 'MI', 'SO', 'GE-e']) {
    const s = await searchAfter(page, () => page.click(`#f-zoning-${z}`));
    timings.push(s.ms);
  }
  timings.sort((a, b) => a - b);
  metrics.filterToListMs = { median: Math.round(timings[timings.length >> 1]), max: Math.round(timings[timings.length - 1]), samples: timings.length };
  saveMetrics();
  await screenshot(page, 'portal-filtered-en');
  t.note = `${want.length} plots; filter → list ${metrics.filterToListMs.median} ms median (first ${Math.round(last.ms)} ms)`;
});

test('portal: a shared link reopens the same view; back and forward work', async (browser, t) => {
  const plots = await apiRefs('zoning=GE&sort=-area');
  const ref = plots[0];
  const { page } = await openPortal(browser, t, `lang=de&zoning=GE&sort=-area&map=14.00/53.33000/11.50000&plot=${encodeURIComponent(ref)}`);
  eq(await page.isChecked('#f-zoning-GE'), true, 'zoning from the link');
  eq(await page.inputValue('#f-sort'), '-area', 'sort from the link');
  eq((await listedRefs(page)).join(','), plots.join(','), 'list from the link');
  const zoom = await page.evaluate(() => window.gwfMap.getZoom());
  assert(Math.abs(zoom - 14) < 0.01, `zoom from the link: ${zoom}`);
  await page.locator('#plot-card').waitFor({ state: 'visible' });
  assert((await page.locator('#plot-card').innerText()).includes(ref), 'the selected plot is shown');
  eq(await page.locator(`.result[data-ref="${ref}"]`).getAttribute('class'), 'result selected', 'selected in the list');
  // A new filter, then back: the previous search returns.
  await searchAfter(page, () => page.check('#f-zoning-GI'));
  eq(new URL(page.url()).searchParams.get('zoning'), 'GI,GE', 'new filter in the URL');
  await searchAfter(page, () => page.goBack());
  eq(await page.isChecked('#f-zoning-GI'), false, 'back: GI unchecked again');
  eq((await listedRefs(page)).join(','), plots.join(','), 'back: the list of the link');
  await searchAfter(page, () => page.goForward());
  eq(await page.isChecked('#f-zoning-GI'), true, 'forward: GI checked');
  await screenshot(page, 'portal-shared-link-de');
  t.note = `link to ${ref} reopened`;
});

test('portal: search this map area narrows the list to the map', async (browser, t) => {
  const { page } = await openPortal(browser, t);
  const refs = await listedRefs(page);
  const all = refs.length;
  // Zoom to the first plot's neighbourhood.
  const feature = await api(`/plots/${encodeURIComponent(refs[0])}?f=geojson`);
  const ring = feature.geometry.coordinates.flat(Infinity);
  const lon = ring.filter((_, i) => i % 2 === 0), lat = ring.filter((_, i) => i % 2 === 1);
  const centre = [(Math.min(...lon) + Math.max(...lon)) / 2, (Math.min(...lat) + Math.max(...lat)) / 2];
  await page.evaluate((c) => window.gwfMap.jumpTo({ center: c, zoom: 15 }), centre);
  const s = await searchAfter(page, () => page.click('#search-area'));
  const bbox = new URL(page.url()).searchParams.get('bbox');
  assert(bbox && bbox.split(',').length === 4, `bbox in the URL: ${bbox}`);
  eq((await listedRefs(page)).join(','), (await apiRefs('bbox=' + bbox)).join(','), 'list = GET /plots?bbox=');
  assert(s.count > 0 && s.count < all, `fewer plots in the map area (${s.count} of ${all})`);
  assert((await listedRefs(page)).includes(refs[0]), 'the plot in the middle is listed');
  await page.locator('#bbox-note').waitFor({ state: 'visible' });
  await searchAfter(page, () => page.click('#clear-bbox'));
  eq((await listedRefs(page)).length, all, 'everywhere again');
  t.note = `${s.count} of ${all} plots in the map area`;
});

test('portal: list and map highlight each other; a map click selects the plot', async (browser, t) => {
  const { page } = await openPortal(browser, t);
  const first = page.locator('#result-list .result').first();
  const id = Number(await first.getAttribute('data-id'));
  await first.hover();
  const hover = await page.evaluate((i) => window.gwfMap.getFeatureState({ source: 'plots', sourceLayer: 'plots', id: i }).hover, id);
  eq(hover, true, 'hovering the list highlights the plot on the map');
  await first.locator('.show-on-map').click();
  await page.waitForFunction((i) => window.gwfMap.getFeatureState({ source: 'plots', sourceLayer: 'plots', id: i }).selected === true, id);
  await page.waitForTimeout(900);
  // Click the map where the selected plot is drawn: the same plot stays selected, card shown.
  const point = await page.evaluate((i) => {
    const map = window.gwfMap;
    const rect = map.getCanvas().getBoundingClientRect();
    for (let y = 10; y < rect.height; y += 6) {
      for (let x = 10; x < rect.width; x += 6) {
        const f = map.queryRenderedFeatures([x, y], { layers: ['plots-fill'] })[0];
        const el = document.elementFromPoint(rect.left + x, rect.top + y);
        if (f && f.id === i && el === map.getCanvas()) return { x: rect.left + x, y: rect.top + y };
      }
    }
    return null;
  }, id);
  assert(point, 'the selected plot is visible on the map');
  await page.mouse.click(point.x, point.y);
  await page.locator('#plot-card').waitFor({ state: 'visible' });
  const ref = await first.getAttribute('data-ref');
  assert((await page.locator('#plot-card').innerText()).includes(ref), 'card shows the plot');
  eq(new URL(page.url()).searchParams.get('plot'), ref, 'selected plot in the URL');
  await screenshot(page, 'portal-selected-en');
});

test('portal: a map click on a plot beyond the listed page: card from the tile, then title and places', async (browser, t) => {
  // The list shows every other plot (its answer is cut in half here), the map all of them.
  const context = await newContext(browser, t);
  const listed = new Set();
  await context.route((url) => url.pathname === '/plots' && url.searchParams.get('f') === 'geojson', async (route) => {
    const response = await route.fetch();
    const fc = await response.json();
    fc.features = fc.features.filter((f, i) => i % 2 === 0);
    fc.features.forEach((f) => listed.add(f.id));
    await route.fulfill({ response, json: fc });
  });
  const page = await openPage(context, t, '/?lang=en');
  await waitPortal(page);
  await page.waitForTimeout(900);
  const hit = await page.evaluate((ids) => {
    const map = window.gwfMap;
    const rect = map.getCanvas().getBoundingClientRect();
    for (let y = 10; y < rect.height; y += 6) {
      for (let x = 10; x < rect.width; x += 6) {
        // What the portal's click handler sees first (a listed plot's dot lies over outlines).
        const f = map.queryRenderedFeatures([x, y], { layers: ['plots-fill', 'plots-dot'] })[0];
        const el = document.elementFromPoint(rect.left + x, rect.top + y);
        if (f && f.layer.id === 'plots-fill' && ids.indexOf(f.id) < 0 && el === map.getCanvas()) return { x: rect.left + x, y: rect.top + y, id: f.id, reference: f.properties.reference, tileTitle: f.properties.title_en };
      }
    }
    return null;
  }, [...listed]);
  assert(hit, 'an unlisted plot is drawn on the map');
  eq(hit.tileTitle, undefined, 'tiles carry no titles');
  await page.mouse.click(hit.x, hit.y);
  await page.locator('#plot-card').waitFor({ state: 'visible' });
  const plot = await api(`/plots/${hit.id}`);
  const wanted = [plot.title_en || plot.title_de, plot.municipality_name].filter(Boolean);
  await page.waitForFunction((w) => w.every((s) => document.getElementById('plot-card').innerText.includes(s)), wanted, { timeout: 5000 });
  const card = await page.locator('#plot-card').innerText();
  assert(card.includes(hit.reference), `card shows the reference: ${card}`);
  if (plot.estate_name) assert(card.includes(plot.estate_name), `card shows the estate "${plot.estate_name}": ${card}`);
  await screenshot(page, 'portal-unlisted-plot-en');
  t.note = `${hit.reference}: ${wanted.join(' · ')}`;
});

test('portal: compare two plots on a printable page, German and English', async (browser, t) => {
  const { page } = await openPortal(browser, t, 'lang=de');
  const items = page.locator('#result-list .result');
  const a = await items.nth(0).getAttribute('data-ref');
  const b = await items.nth(1).getAttribute('data-ref');
  await items.nth(0).locator('.compare-toggle input').check();
  await items.nth(1).locator('.compare-toggle input').check();
  eq(new URL(page.url()).searchParams.get('compare'), `${a},${b}`, 'compare selection in the URL');
  await page.click('#compare-link');
  await page.waitForURL(/\/compare\?/);
  const heads = await page.locator('table.compare thead th').allInnerTexts();
  eq(heads.length, 2, 'two plots side by side');
  assert(heads[0].includes(a) && heads[1].includes(b), `columns: ${heads}`);
  const text = await page.locator('table.compare').innerText();
  for (const label of ['Fläche', 'Preis', 'Gesamtpreis', '24-Stunden-Betrieb', 'GRW-Fördergebiet', 'Autobahn']) assert(text.includes(label), `row ${label}`);
  assert(/\d\.\d{3} m²/.test(text), 'German m² format');
  await screenshot(page, 'compare-de');
  await page.emulateMedia({ media: 'print' });
  await screenshot(page, 'compare-de-print');
  await page.emulateMedia({ media: 'screen' });
  await page.click('.lang-switch a[hreflang=en]');
  await page.waitForURL(/lang=en/);
  assert((await page.locator('table.compare').innerText()).includes('Total price'), 'English compare page');
  assert(/\d,\d{3} m²/.test(await page.locator('table.compare').innerText()), 'English m² format');
  t.note = `${a} vs ${b}`;
});

test('portal: language by Accept-Language and by the switch, which keeps the search', async (browser, t) => {
  const context = await newContext(browser, t, { locale: 'de-DE' });
  const page = await openPage(context, t, '/?zoning=GE');
  await waitPortal(page);
  eq(await page.getAttribute('html', 'lang'), 'de', 'German from Accept-Language');
  assert((await page.locator('#result-count').innerText()).includes('Flächen gefunden'), 'German count');
  assert(/\d{1,3}(\.\d{3})*[\s\u00a0]m²/.test(await page.locator('#result-list').innerText()), 'German m² format');
  await page.click('#lang-switch');
  await page.waitForURL(/lang=en/);
  await waitPortal(page);
  eq(await page.getAttribute('html', 'lang'), 'en', 'English after the switch');
  eq(await page.isChecked('#f-zoning-GE'), true, 'the search survives the switch');
  assert((await page.locator('#result-count').innerText()).includes('plots found'), 'English count');
  await screenshot(page, 'portal-switched-en');
});

test('portal: keyboard only — filter, open a result, close it', async (browser, t) => {
  const { page } = await openPortal(browser, t);
  // From the top of the page: the skip link, then the search field.
  await page.keyboard.press('Tab');
  eq(await page.evaluate(() => document.activeElement.className), 'skip-link', 'first stop: skip link');
  await page.keyboard.press('Tab');
  eq(await page.evaluate(() => document.activeElement.id), 'lang-switch', 'then the language switch');
  await page.keyboard.press('Tab');
  eq(await page.evaluate(() => document.activeElement.id), 'f-q', 'then the search words');
  // To the GI checkbox and tick it with the space bar.
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement.id)) !== 'f-zoning-GI'; i++) await page.keyboard.press('Tab');
  eq(await page.evaluate(() => document.activeElement.id), 'f-zoning-GI', 'reached the GI checkbox');
  await searchAfter(page, () => page.keyboard.press('Space'));
  eq((await listedRefs(page)).join(','), (await apiRefs('zoning=GI')).join(','), 'GI plots listed');
  // On to the first result's "show on map".
  for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement.classList.contains('show-on-map'))); i++) await page.keyboard.press('Tab');
  assert(await page.evaluate(() => document.activeElement.classList.contains('show-on-map')), 'reached a result by Tab');
  const focused = await page.evaluate(() => document.activeElement.dataset.ref);
  await page.keyboard.press('Enter');
  await page.locator('#plot-card').waitFor({ state: 'visible' });
  assert((await page.locator('#plot-card').innerText()).includes(focused), 'Enter shows the plot');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert(ring !== 'none', 'the focus is visible');
  await screenshot(page, 'portal-keyboard-en');
  await page.keyboard.press('Escape');
  await page.locator('#plot-card').waitFor({ state: 'hidden' });
  eq(await page.evaluate(() => document.activeElement.dataset.ref), focused, 'focus returns to the result');
});

test('portal: phone viewport — form, map, list stacked; the card fits', async (browser, t) => {
  const { page } = await openPortal(browser, t, 'lang=en', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const box = async (sel) => page.locator(sel).boundingBox();
  const form = await box('#filters'), map = await box('#map-panel'), list = await box('#results');
  assert(form.y < map.y && map.y < list.y, `stacked form ${form.y} < map ${map.y} < list ${list.y}`);
  assert(map.width <= 390 && map.height > 250, `map ${map.width}×${map.height}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(wide <= 390, `no sideways scrolling (${wide} px)`);
  await screenshot(page, 'portal-phone-top');
  await page.locator('#result-list .result .show-on-map').first().click();
  await page.locator('#plot-card').waitFor({ state: 'visible' });
  await page.locator('#map-panel').scrollIntoViewIfNeeded();
  const card = await box('#plot-card'), panel = await box('#map-panel');
  assert(card.x >= panel.x && card.x + card.width <= panel.x + panel.width + 0.5, 'card within the map horizontally');
  assert(card.y >= panel.y && card.y + card.height <= panel.y + panel.height + 0.5, 'card within the map vertically');
  const close = await box('#plot-card .card-close');
  assert(close.width >= 44 && close.height >= 44, 'close button is a 44 px touch target');
  await page.waitForTimeout(800);
  await screenshot(page, 'portal-phone-card');
});

test('portal: first-load bytes besides the map library (reported)', async (browser, t) => {
  const context = await newContext(browser, t);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const sizes = new Map();
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, { url: e.response.url, type: e.type, encoding: (e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '') }));
  cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
  await page.goto(BASE + '/?lang=en', { waitUntil: 'load' });
  await waitPortal(page);
  await page.waitForTimeout(300);
  let mapLib = 0, rest = 0, data = 0;
  const parts = [];
  for (const [id, n] of sizes) {
    const r = urls.get(id);
    if (!r) continue;
    const path = new URL(r.url, BASE).pathname;
    if (/maplibre-gl(\.[0-9a-f]{16})?\.(js|css)$/.test(path)) mapLib += n;
    else if (['Document', 'Script', 'Stylesheet'].includes(r.type)) { rest += n; parts.push(`${path} ${n}${r.encoding ? ' ' + r.encoding : ''}`); }
    else data += n;
  }
  metrics.firstLoad = { pageBytes: rest, mapLibraryBytes: mapLib, dataBytes: data, parts };
  saveMetrics();
  t.note = `HTML/JS/CSS ${Math.round(rest / 1024)} kB (target < 300 kB) + map library ${Math.round(mapLib / 1024)} kB + data ${Math.round(data / 1024)} kB`;
  assert(rest > 0, 'measured something');
});

test('axe-core: 0 WCAG 2.1 A/AA violations on the portal, a profile, the compare page and /embed', async (browser, t) => {
  const context = await newContext(browser, t);
  const passes = [];
  const { page } = await openPortal(browser, t);
  passes.push(await axeCheck(page, 'portal'));
  const refs = (await api('/plots?limit=2&fields=reference')).items.map((p) => p.reference);
  const profile = await openPage(context, t, `/plots/${encodeURIComponent(refs[0])}/profile?lang=en`);
  await profile.waitForTimeout(500);
  passes.push(await axeCheck(profile, 'profile'));
  const compare = await openPage(context, t, `/compare?plots=${refs.join(',')}&lang=de`);
  passes.push(await axeCheck(compare, 'compare'));
  const embed = await openPage(context, t, '/embed');
  await embed.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  passes.push(await axeCheck(embed, 'embed'));
  t.note = `0 violations; ${passes.join('/')} rules passed`;
});
