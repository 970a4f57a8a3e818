// The embeddable map (/embed), its kiosk mode and the plot and estate profile pages.

import { REPO, SHOTS, BASE, ORIGIN, assert, eq, isLocal, api, pixelStats, screenshot, newContext, watchPage, openPage, openEmbed, waitReady, renderedPlots, pointOnPlot, visibleText, test, demo } from './lib.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

test('overview: plots drawn in status colours, legend, outlines, nothing blank', async (browser, t) => {
  const { page } = await openEmbed(browser, t);
  const plots = await renderedPlots(page);
  const total = demo.facets.total.count;
  assert(plots.length >= Math.ceil(total * 0.9), `expected about ${total} plots drawn, got ${plots.length}`);
  const statuses = new Set(plots.map((p) => p.status));
  for (const s of ['available', 'reserved', 'under_negotiation', 'sold', 'planned']) {
    const want = demo.facets.status.find((r) => r.value === s)?.count || 0;
    if (want) assert(statuses.has(s), `no ${s} plot drawn`);
  }
  const outlines = await page.evaluate(() => ({
    municipalities: window.gwfMap.queryRenderedFeatures({ layers: ['municipalities-line'] }).length,
    estates: window.gwfMap.queryRenderedFeatures({ layers: ['estates-fill'] }).length,
  }));
  assert(outlines.municipalities > 0, 'no municipality outline drawn');
  assert(outlines.estates > 0, 'no estate outline drawn');
  const legend = await visibleText(page, '#legend');
  for (const s of ['Legende', 'verfügbar', 'reserviert', 'in Verhandlung', 'verkauft', 'in Planung']) {
    assert(legend.includes(s), `legend lacks "${s}": ${JSON.stringify(legend)}`);
  }
  const labels = await page.locator('.municipality-label').allInnerTexts();
  assert(labels.some((l) => /ludwigslust/i.test(l)), `municipality labels: ${JSON.stringify(labels)}`);
  const noScroll = await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth);
  assert(noScroll, 'the page scrolls');
  const { png } = await screenshot(page, 'embed-overview-de');
  const st = pixelStats(png);
  assert(st.distinct > 40, `screenshot looks blank (${st.distinct} colours)`);
  assert(st.green > 150, `too few green (available) pixels: ${st.green}`);
  assert(st.orange > 30, `too few orange (reserved) pixels: ${st.orange}`);
  assert(st.blue > 30, `too few blue (planned) pixels: ${st.blue}`);
  t.note = `${plots.length}/${total} plots drawn, ${st.distinct} colours, ${st.green} green px`;
});

test('click on a plot opens its popup with key facts and the profile link', async (browser, t) => {
  const { page } = await openEmbed(browser, t);
  // Zoom in a bit so plots are large enough to hit; then find an available one.
  await page.evaluate(() => window.gwfMap.jumpTo({ zoom: window.gwfMap.getZoom() + 1.5 }));
  await waitReady(page);
  const target = await pointOnPlot(page);
  assert(target, 'no clickable plot found on the map');
  await page.mouse.click(target.x, target.y);
  const popup = page.locator('.maplibregl-popup .plot-card');
  await popup.waitFor({ state: 'visible', timeout: 5000 });
  eq(await popup.locator('.plot-ref').innerText(), target.reference, 'reference in the popup');
  // First paint from the tile: reference, status and the facts it carries, before the record.
  const first = await popup.innerText();
  for (const label of ['Nutzungsart', 'Fläche', 'Preis']) assert(first.includes(label), `first paint lacks "${label}": ${first}`);
  // Title and place names come from GET /plots/{id} (tiles carry none).
  await page.locator('.maplibregl-popup .plot-card[data-names="ready"]').waitFor({ timeout: 5000 });
  const plot = await api(`/plots/${encodeURIComponent(target.reference)}`);
  const text = await popup.innerText();
  assert(text.includes(plot.municipality_name), `municipality "${plot.municipality_name}" missing in popup: ${text}`);
  if (plot.estate_name) assert(text.includes(plot.estate_name), `estate "${plot.estate_name}" missing in popup: ${text}`);
  assert(text.includes(plot.title_de), `German title "${plot.title_de}" missing in popup: ${text}`);
  for (const label of ['Nutzungsart', 'Fläche', 'Preis', 'Gemeinde']) assert(text.includes(label), `popup lacks "${label}": ${text}`);
  assert(/m²|ha/.test(text), 'popup shows no area');
  if (plot.price_on_request) assert(text.includes('Preis auf Anfrage'), 'price on request not shown');
  else assert(/\d,\d\d(–\d+,\d\d)?\s€\/m²/.test(text), `German price format missing: ${text}`);
  const link = popup.locator('a.profile-link');
  const href = await link.getAttribute('href');
  eq(new URL(href).pathname, `/plots/${target.reference}/profile`, 'profile link path');
  eq(new URL(href).searchParams.get('lang'), 'de', 'profile link language');
  eq(await link.getAttribute('target'), '_blank', 'profile link target');
  eq(await link.getAttribute('rel'), 'noopener', 'profile link rel');
  const selected = await page.evaluate((id) => window.gwfMap.getFeatureState({ source: 'plots', sourceLayer: 'plots', id }).selected, target.id);
  eq(selected, true, 'clicked plot highlighted');
  await page.waitForTimeout(300);
  await screenshot(page, 'embed-popup-de');
  // The link works (same origin: the profile page).
  const profile = await page.request.get(href);
  eq(profile.status(), 200, 'profile page status');
  t.note = `clicked ${target.reference} (${target.status})`;
});

// A point (page coordinates) inside the estate's drawn outline, on no plot and under no control.
async function pointOnEstate(page, estateId) {
  return page.evaluate((id) => {
    const map = window.gwfMap;
    const canvas = map.getCanvas();
    const rect = canvas.getBoundingClientRect();
    const cx = rect.width / 2, cy = rect.height / 2;
    const points = [];
    for (let y = 10; y < rect.height - 10; y += 6) {
      for (let x = 10; x < rect.width - 10; x += 6) points.push([x, y, (x - cx) ** 2 + (y - cy) ** 2]);
    }
    points.sort((a, b) => a[2] - b[2]);
    for (const [x, y] of points) {
      const around = [[0, 0], [-5, 0], [5, 0], [0, -5], [0, 5]];
      const ok = around.every(([dx, dy]) => {
        const hits = map.queryRenderedFeatures([x + dx, y + dy], { layers: ['plots-fill', 'estates-fill'] });
        return hits.length && hits.every((h) => h.layer.id === 'estates-fill' && h.id === id);
      });
      if (!ok) continue;
      const px = rect.left + x, py = rect.top + y;
      if (document.elementFromPoint(px, py) !== canvas) continue;
      return { x: px, y: py };
    }
    return null;
  }, estateId);
}

// Zooms the map to an estate's outline (from /estates?f=geojson) and returns that feature.
async function zoomToEstate(page, name) {
  const estates = await api('/estates?f=geojson');
  const estate = estates.features.find((f) => f.properties.name === name);
  assert(estate, `no estate "${name}" in the demo data`);
  const coords = [];
  (function walk(c) { typeof c[0] === 'number' ? coords.push(c) : c.forEach(walk); })(estate.geometry.coordinates);
  const xs = coords.map((c) => c[0]), ys = coords.map((c) => c[1]);
  await page.evaluate((b) => window.gwfMap.fitBounds(b, { padding: { top: 40, bottom: 40, left: 420, right: 60 }, duration: 0 }),
    [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]]);
  await waitReady(page);
  return estate;
}

test('estate: outline drawn under the plots, click shows its facts and plots, a plot opens its popup', async (browser, t) => {
  const { page } = await openEmbed(browser, t);
  const estate = await zoomToEstate(page, 'Gewerbegebiet Am Techentiner Weg');
  const id = Number(estate.id ?? estate.properties.id);
  const layers = await page.evaluate(() => window.gwfMap.getStyle().layers.map((l) => l.id));
  assert(layers.indexOf('estates-fill') < layers.indexOf('plots-fill'), `estate outline not under the plots: ${layers}`);
  const drawn = await page.evaluate((id) => window.gwfMap.queryRenderedFeatures({ layers: ['estates-line'] }).some((f) => f.id === id), id);
  assert(drawn, 'estate outline not drawn');
  const target = await pointOnEstate(page, id);
  assert(target, 'no free point inside the estate outline');
  await page.mouse.click(target.x, target.y);
  const panel = page.locator('#estate-panel');
  await panel.waitFor({ state: 'visible', timeout: 5000 });
  await page.locator('#estate-panel .estate-plot').first().waitFor({ timeout: 5000 });
  const text = await panel.innerText();
  const p = estate.properties;
  for (const want of [p.name, p.description_de.slice(0, 40), 'Bruttofläche', '142.000\u00a0m²', 'Nettobaufläche', 'Nutzungsarten', p.zoning_summary,
    'Bebauungsplan', 'rechtskräftig seit 14.06.2012', 'Autobahn', p.motorway_junction, 'Hafen', '77,5\u00a0km', 'Breitband', 'Glasfaser', 'Flächen']) {
    assert(text.includes(want), `estate panel lacks "${want}": ${text}`);
  }
  assert(!text.includes('(Gewerbegebiet)'), 'an estate\'s own facts are marked as borrowed');
  const detail = await api(`/estates/${id}`);
  const listed = await page.locator('#estate-panel .estate-plot').evaluateAll((els) => els.map((e) => e.dataset.reference));
  eq(listed.join(','), detail.plots.map((x) => x.reference).sort().join(','), 'plots listed in the panel');
  eq(await page.evaluate((id) => window.gwfMap.getFeatureState({ source: 'estates', id }).selected, id), true, 'estate highlighted');
  const profile = await panel.locator('a.profile-link').getAttribute('href');
  eq(new URL(profile).pathname, `/estates/${id}/profile`, 'estate profile link');
  eq((await page.request.get(profile)).status(), 200, 'estate profile status');
  eq(await panel.locator('a.bplan-link').getAttribute('href'), p.bplan_url, 'B-Plan link');
  await page.waitForTimeout(300);
  const shot = await screenshot(page, 'embed-estate-panel-de');
  assert(pixelStats(shot.png).distinct > 40, 'estate screenshot blank');

  // A plot of the list: the map goes there and opens its popup, with the location facts it
  // borrows from the estate marked as such.
  const first = listed[0];
  await page.locator(`#estate-panel .estate-plot[data-reference="${first}"]`).click();
  const popup = page.locator('.maplibregl-popup .plot-card');
  await popup.waitFor({ state: 'visible', timeout: 5000 });
  eq(await popup.locator('.plot-ref').innerText(), first, 'popup of the plot chosen in the list');
  await page.locator('.maplibregl-popup .plot-card[data-location="ready"]').waitFor({ timeout: 5000 });
  const plot = await api(`/plots/${first}`);
  const popupText = await popup.innerText();
  assert(popupText.includes('Hafen') && popupText.includes('77,5\u00a0km (Gewerbegebiet) · Hafen Wismar'),
    `popup lacks the estate's port distance, marked: ${popupText}`);
  if (plot.dist_motorway_km !== null) {
    const own = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(plot.dist_motorway_km);
    assert(popupText.includes(`${own}\u00a0km · ${p.motorway_junction}`), `own motorway distance not shown unmarked: ${popupText}`);
  }
  const selected = await page.evaluate((id) => window.gwfMap.getFeatureState({ source: 'plots', sourceLayer: 'plots', id }).selected, plot.id);
  eq(selected, true, 'plot chosen in the list highlighted');
  await page.waitForTimeout(600);
  const inView = await page.evaluate(() => {
    const box = document.querySelector('.maplibregl-popup').getBoundingClientRect();
    const area = window.gwfMap.getContainer().getBoundingClientRect();
    return box.top >= area.top && box.bottom <= area.bottom && box.left >= area.left && box.right <= area.right;
  });
  assert(inView, 'the popup with the location facts runs off the map');
  await screenshot(page, 'embed-estate-plot-popup-de');
  // The panel closes.
  await panel.locator('.panel-close').click();
  eq(await panel.isHidden(), true, 'panel closed');
  t.note = `${p.name}: ${listed.length} plots, popup of ${first}`;
});

test('estate panel in kiosk mode, English, without links', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&lang=en&kiosk_interval_ms=60000&kiosk_idle_ms=120000', { hasTouch: true, viewport: { width: 1280, height: 800 } });
  const estate = await zoomToEstate(page, 'Industrie- und Logistikpark Ludwigslust-Ost (A14)');
  const id = Number(estate.id ?? estate.properties.id);
  const target = await pointOnEstate(page, id);
  assert(target, 'no free point inside the estate outline');
  await page.touchscreen.tap(target.x, target.y);
  const panel = page.locator('#estate-panel');
  await panel.waitFor({ state: 'visible', timeout: 5000 });
  await page.locator('#estate-panel .estate-plot').first().waitFor({ timeout: 5000 });
  const text = await panel.innerText();
  for (const want of ['Business estate', estate.properties.description_en.slice(0, 40), 'Gross area', 'Motorway', 'Plots']) {
    assert(text.toLowerCase().includes(want.toLowerCase()), `kiosk estate panel lacks "${want}": ${text}`);
  }
  eq(await panel.locator('a').count(), 0, 'links in the kiosk panel');
  const sizes = await panel.locator('button').evaluateAll((els) => els.map((b) => b.getBoundingClientRect().height));
  assert(sizes.every((h) => h >= 48), `touch targets below 48 px: ${sizes}`);
  await screenshot(page, 'kiosk-estate-panel-en');
});

test('estate profile page: outline with plots, facts and plot links', async (browser, t) => {
  const estates = await api('/estates');
  const estate = estates.find((e) => e.name === 'Gewerbegebiet Am Techentiner Weg');
  const context = await newContext(browser, t, { viewport: { width: 1000, height: 1300 } });
  const page = await openPage(context, t, `/estates/${estate.id}/profile?lang=de`);
  await page.waitForFunction(() => window.gwfProfileMap && window.gwfProfileMap.loaded(), null, { timeout: 15000 });
  const drawn = await page.evaluate(() => ({
    estate: window.gwfProfileMap.queryRenderedFeatures({ layers: ['estate-fill'] }).length,
    plots: new Set(window.gwfProfileMap.queryRenderedFeatures({ layers: ['fill'] }).map((f) => f.properties.reference)).size,
  }));
  assert(drawn.estate > 0, 'estate outline not drawn on the profile map');
  assert(drawn.plots > 0, 'no plots drawn on the profile map');
  const links = await page.locator('table.plot-list a').evaluateAll((els) => els.map((a) => a.getAttribute('href')));
  assert(links.length > 0 && links.every((h) => /^\/plots\/[A-Z0-9-]+\/profile\?lang=de$/.test(h)), `plot links: ${links}`);
  eq((await page.request.get(BASE + links[0])).status(), 200, 'a plot link works');
  await page.waitForTimeout(300);
  await screenshot(page, 'estate-profile-screen');
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert(pages >= 1 && pages <= 2, `printout has ${pages} pages`);
  t.note = `${drawn.plots} plots on the map, ${links.length} linked, printout ${pages} page(s)`;
});

test('status=sold shows only sold plots', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'status=sold');
  const plots = await renderedPlots(page);
  const want = demo.facets.status.find((r) => r.value === 'sold').count;
  assert(plots.length > 0, 'no sold plot drawn');
  assert(plots.every((p) => p.status === 'sold'), `other statuses drawn: ${[...new Set(plots.map((p) => p.status))]}`);
  eq(plots.length, want, 'number of sold plots drawn');
  const legend = await page.locator('#legend-items li[data-status]').allInnerTexts();
  eq(legend.length, 1, 'legend entries for status=sold');
  assert(legend[0].startsWith('verkauft'), `legend: ${legend}`);
  const { png } = await screenshot(page, 'embed-status-sold');
  const st = pixelStats(png);
  assert(st.green < 50, `green (available) pixels on a sold-only map: ${st.green}`);
  t.note = `${plots.length} sold plots`;
});

test('municipality and zoning filters pass through', async (browser, t) => {
  const muni = demo.facets.municipality.find((m) => m.name === 'Grabow') || demo.facets.municipality[0];
  const { page } = await openEmbed(browser, t, `municipality=${muni.value}&zoning=GI,GE`);
  const plots = await renderedPlots(page);
  assert(plots.length > 0, 'no plot drawn');
  // Outline tiles carry no place names (issue 20): the town's plots come from the API.
  const own = new Set((await api(`/plots?municipality=${encodeURIComponent(muni.value)}&fields=reference&geometry_form=none&limit=1000`)).items.map((p) => p.reference));
  const others = plots.filter((p) => !own.has(p.reference)).map((p) => p.reference);
  eq(others.length, 0, `plots of other towns: ${others}`);
  assert(plots.every((p) => p.zoning === 'GI' || p.zoning === 'GE'), `other zonings: ${[...new Set(plots.map((p) => p.zoning))]}`);
  const labels = await page.locator('.municipality-label').allInnerTexts();
  eq(labels.length, 1, 'one municipality label');
  await screenshot(page, 'embed-municipality-filter');
  t.note = `${muni.name}: ${plots.length} GI/GE plots`;
});

test('lang=en: English legend, popup and profile link', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'lang=en');
  eq(await page.evaluate(() => document.documentElement.lang), 'en', '<html lang>');
  const legend = await visibleText(page, '#legend');
  for (const s of ['Legend', 'available', 'reserved', 'under negotiation', 'sold', 'planned']) {
    assert(legend.includes(s), `legend lacks "${s}": ${JSON.stringify(legend)}`);
  }
  assert(!legend.includes('verfügbar'), 'German legend text in lang=en');
  await page.evaluate(() => window.gwfMap.jumpTo({ zoom: window.gwfMap.getZoom() + 1.5 }));
  await waitReady(page);
  const target = await pointOnPlot(page);
  assert(target, 'no clickable plot');
  await page.mouse.click(target.x, target.y);
  const popup = page.locator('.maplibregl-popup .plot-card');
  await popup.waitFor({ state: 'visible', timeout: 5000 });
  await page.locator('.maplibregl-popup .plot-card[data-names="ready"]').waitFor({ timeout: 5000 });
  const text = await popup.innerText();
  const plot = await api(`/plots/${encodeURIComponent(target.reference)}`);
  assert(text.includes(plot.title_en), `English title "${plot.title_en}" missing: ${text}`);
  for (const label of ['Zoning', 'Area', 'Price', 'Municipality', 'Open plot profile']) assert(text.includes(label), `popup lacks "${label}": ${text}`);
  if (plot.price_on_request) assert(text.includes('Price on request'), 'price on request');
  else assert(/€\d+\.\d\d(–\d+\.\d\d)? per m²/.test(text), `English price format missing: ${text}`);
  const href = await popup.locator('a.profile-link').getAttribute('href');
  eq(new URL(href).searchParams.get('lang'), 'en', 'profile link language');
  await page.waitForTimeout(300);
  await screenshot(page, 'embed-popup-en');
  t.note = `popup of ${target.reference} in English`;
});

test('price on request is shown as such', async (browser, t) => {
  const list = await api('/plots?fields=reference,price_on_request&geometry_form=none&limit=1000');
  const items = list.items.filter((p) => p.price_on_request);
  if (!items.length) {
    t.note = 'no plot with price on request in the data: nothing to check';
    return;
  }
  const ref = items[0].reference;
  const { page } = await openEmbed(browser, t, '');
  const target = await (async () => {
    const plot = await api(`/plots/${encodeURIComponent(ref)}?f=geojson`);
    const coords = [];
    (function walk(c) { typeof c[0] === 'number' ? coords.push(c) : c.forEach(walk); })(plot.geometry.coordinates);
    const xs = coords.map((c) => c[0]), ys = coords.map((c) => c[1]);
    await page.evaluate((b) => window.gwfMap.fitBounds(b, { padding: 200, duration: 0, maxZoom: 17 }), [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]]);
    await waitReady(page);
    return pointOnPlot(page, ref);
  })();
  assert(target, `plot ${ref} not clickable`);
  await page.mouse.click(target.x, target.y);
  const popup = page.locator('.maplibregl-popup .plot-card');
  await popup.waitFor({ state: 'visible', timeout: 5000 });
  const text = await popup.innerText();
  assert(text.includes('Preis auf Anfrage'), `"Preis auf Anfrage" missing: ${text}`);
  t.note = ref;
});

test('kiosk: cycles through available plots, stops on touch, resumes when idle', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&kiosk_interval_ms=1500&kiosk_idle_ms=4000', { hasTouch: true, viewport: { width: 1280, height: 800 } });
  // Touch targets and kiosk chrome.
  const sizes = await page.evaluate(() => [...document.querySelectorAll('#kiosk-header button, .maplibregl-ctrl button, #legend summary')]
    .filter((b) => b.offsetParent !== null)
    .map((b) => ({ text: b.textContent || b.title, w: b.getBoundingClientRect().width, h: b.getBoundingClientRect().height })));
  assert(sizes.length >= 3, `kiosk buttons: ${JSON.stringify(sizes)}`);
  for (const s of sizes) assert(s.w >= 48 && s.h >= 48, `touch target smaller than 48 px: ${JSON.stringify(s)}`);
  const chrome = await page.evaluate(() => {
    const ev = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
    document.getElementById('map').dispatchEvent(ev);
    return {
      contextMenuBlocked: ev.defaultPrevented,
      userSelect: getComputedStyle(document.body).userSelect,
      scrolls: document.documentElement.scrollHeight > window.innerHeight || document.documentElement.scrollWidth > window.innerWidth,
    };
  });
  eq(chrome.contextMenuBlocked, true, 'context menu blocked');
  eq(chrome.userSelect, 'none', 'text selection off');
  eq(chrome.scrolls, false, 'page scrolls');

  const available = new Set((await api('/plots?status=available&fields=reference&geometry_form=none&limit=1000')).items.map((p) => p.reference));
  const seen = [];
  const deadline = Date.now() + 12000;
  while (Date.now() < deadline && new Set(seen).size < 3) {
    const ref = await page.evaluate(() => window.gwfApp.highlighted);
    if (ref && seen[seen.length - 1] !== ref) seen.push(ref);
    await page.waitForTimeout(200);
  }
  assert(new Set(seen).size >= 2, `the highlighted plot did not change: ${JSON.stringify(seen)}`);
  if (available.size) for (const r of seen) assert(available.has(r), `highlighted ${r} is not an available plot`);
  // One look at the page (the cycle moves on every 1.5 s): card, state and drawn highlight agree.
  const now = await page.evaluate(() => {
    const ref = window.gwfApp.highlighted;
    const card = document.getElementById('kiosk-card');
    const f = window.gwfMap.querySourceFeatures('plots', { sourceLayer: 'plots', filter: ['==', ['get', 'reference'], ref] })[0];
    return {
      ref,
      cardVisible: !card.hidden && card.offsetHeight > 0,
      cardRef: card.querySelector('.plot-ref')?.textContent,
      cardText: card.innerText,
      selected: f ? window.gwfMap.getFeatureState({ source: 'plots', sourceLayer: 'plots', id: f.id }).selected : 'not found',
    };
  });
  assert(now.cardVisible, 'info card not visible while cycling');
  eq(now.cardRef, now.ref, 'card shows the highlighted plot');
  assert(now.cardText.includes('verfügbar'), `card lacks the status: ${now.cardText}`);
  eq(now.selected, true, 'highlighted plot drawn selected');
  await page.waitForTimeout(1300); // let the camera settle for the picture
  const shot = await screenshot(page, 'kiosk-cycling');
  assert(pixelStats(shot.png).distinct > 40, 'kiosk screenshot blank');

  // A touch stops the cycle.
  await page.touchscreen.tap(300, 400);
  await page.waitForTimeout(200);
  eq(await page.evaluate(() => window.gwfApp.kioskState), 'interaction', 'state after a touch');
  eq(await page.evaluate(() => window.gwfApp.highlighted), null, 'highlight after a touch');
  await page.waitForTimeout(2500); // more than one interval, less than the idle time
  eq(await page.evaluate(() => window.gwfApp.highlighted), null, 'cycle resumed before the idle time');
  // After the idle time: overview, then the cycle again.
  await page.waitForFunction(() => window.gwfApp.kioskState === 'overview' || window.gwfApp.kioskState === 'cycling', null, { timeout: 15000 })
    .catch(async (e) => { throw new Error(`no overview after the idle time (state ${await page.evaluate(() => window.gwfApp.kioskState)}): ${e.message}`); });
  await page.waitForFunction(() => window.gwfApp.highlighted !== null, null, { timeout: 15000 })
    .catch(async (e) => { throw new Error(`cycle did not resume (state ${await page.evaluate(() => window.gwfApp.kioskState)}): ${e.message}`); });

  // Language switch on the kiosk.
  await page.locator('#kiosk-lang').tap();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert((await visibleText(page, '#legend')).includes('available'), 'legend not English after switching');
  assert((await visibleText(page, '#kiosk-header')).includes('Overview'), 'header not English after switching');
  t.note = `highlighted in turn: ${seen.join(' → ')}`;
});

test('kiosk portrait screen (1080x1920 scaled) looks right', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&kiosk_interval_ms=4000&kiosk_idle_ms=60000&lang=en', { hasTouch: true, viewport: { width: 540, height: 960 } });
  await page.waitForFunction(() => window.gwfApp.highlighted !== null, null, { timeout: 15000 });
  await page.waitForTimeout(2200); // the camera move takes 40 % of the interval
  const ref = await page.evaluate(() => window.gwfApp.highlighted);
  const target = await pointOnPlot(page, ref);
  assert(target, `highlighted plot ${ref} not in view (or covered by the card or legend)`);
  const box = await page.locator('#kiosk-card').boundingBox();
  assert(box && box.y + box.height <= 960 && box.x >= 0 && box.x + box.width <= 540, `card off screen: ${JSON.stringify(box)}`);
  const { png } = await screenshot(page, 'kiosk-portrait-en');
  assert(pixelStats(png).distinct > 40, 'blank');
});

test('network cut: the map still shows plots and outlines; no request leaves the origin', async (browser, t) => {
  const context = await newContext(browser, t);
  const aborted = [];
  await context.route('**', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    aborted.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await openPage(context, t, '/embed?lang=en');
  await waitReady(page);
  const plots = await renderedPlots(page);
  assert(plots.length > 0, 'no plot drawn offline');
  eq(aborted.length, 0, `requests to other hosts: ${aborted.join(', ')}`);
  await screenshot(page, 'embed-offline-en');
  t.note = `${plots.length} plots, ${t.requests.length} requests, all to ${ORIGIN}`;
});

test('configured online basemap unreachable: falls back to the plain map', async (browser, t) => {
  const context = await newContext(browser, t);
  const foreign = [];
  await context.route('**', async (route) => {
    const url = route.request().url();
    if (!isLocal(url)) {
      foreign.push(url);
      return route.abort('internetdisconnected');
    }
    if (new URL(url).pathname === '/embed') {
      // Pretend the operator configured a basemap on another host (the hall's Wi-Fi is down).
      const resp = await route.fetch();
      let body = await resp.text();
      const marker = /<script id="gwf-config" type="application\/json">[^<]*<\/script>/;
      assert(marker.test(body), 'the gwf-config block is missing from /embed');
      body = body.replace(marker, '<script id="gwf-config" type="application/json">{"basemapStyle": "https://basemap.invalid/style.json"}</script>');
      // Without the server's CSP, whose connect-src would stop the request before the network
      // (the operator's CSP must allow the basemap host: that is the server's job).
      const headers = { ...resp.headers() };
      delete headers['content-security-policy'];
      delete headers['content-length'];
      return route.fulfill({ response: resp, body, headers });
    }
    return route.continue();
  });
  t.allowForeign = (url) => url.startsWith('https://basemap.invalid/');
  const page = await openPage(context, t, '/embed');
  await waitReady(page);
  const plots = await renderedPlots(page);
  assert(plots.length > 0, 'no plot drawn with an unreachable basemap');
  eq(foreign.length, 1, `foreign requests: ${foreign.join(', ')}`);
  eq(foreign[0], 'https://basemap.invalid/style.json', 'the only foreign request');
  eq(await page.evaluate(() => window.gwfMap.getStyle().name), 'gewerbeflaechen-plain', 'style in use');
  t.note = 'plain background after the basemap failed';
});

test('configured online basemap: drawn under the plots', async (browser, t) => {
  const context = await newContext(browser, t);
  const foreign = [];
  const STYLE = 'https://basemap.example/style.json';
  await context.route('**', async (route) => {
    const url = route.request().url();
    if (url === STYLE) {
      foreign.push(url);
      // A stand-in for an operator's basemap: a coloured background only.
      return route.fulfill({
        contentType: 'application/json',
        headers: { 'access-control-allow-origin': '*' },
        body: JSON.stringify({ version: 8, name: 'test-basemap', sources: {}, layers: [{ id: 'land', type: 'background', paint: { 'background-color': '#dfe9f5' } }] }),
      });
    }
    if (!isLocal(url)) {
      foreign.push(url);
      return route.abort('internetdisconnected');
    }
    if (new URL(url).pathname === '/embed') {
      const resp = await route.fetch();
      const body = (await resp.text()).replace(/<script id="gwf-config" type="application\/json">[^<]*<\/script>/,
        `<script id="gwf-config" type="application/json">{"basemapStyle": "${STYLE}"}</script>`);
      const headers = { ...resp.headers() };
      delete headers['content-security-policy']; // the server's CSP would name the basemap's origin
      delete headers['content-length'];
      return route.fulfill({ response: resp, body, headers });
    }
    return route.continue();
  });
  t.allowForeign = (url) => url === STYLE;
  const page = await openPage(context, t, '/embed');
  await waitReady(page);
  eq(await page.evaluate(() => window.gwfMap.getStyle().name), 'test-basemap', 'style in use');
  const layers = await page.evaluate(() => window.gwfMap.getStyle().layers.map((l) => l.id));
  eq(layers[0], 'land', 'basemap layer at the bottom');
  assert(layers.indexOf('plots-fill') > 0, `plot layers missing: ${layers}`);
  const plots = await renderedPlots(page);
  assert(plots.length > 0, 'no plot drawn over the basemap');
  eq(foreign.join(','), STYLE, 'requests to other hosts');
  await screenshot(page, 'embed-basemap');
});

test('invalid parameters are ignored with a notice, not a broken map', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'status=sold,bogus&area_min=abc');
  const plots = await renderedPlots(page);
  assert(plots.length > 0 && plots.every((p) => p.status === 'sold'), 'valid part of the filter not applied');
  const notice = await visibleText(page, '#notice');
  assert(notice.includes('status=bogus') && notice.includes('area_min=abc'), `notice: ${notice}`);
});

test('small iframe on a town website', async (browser, t) => {
  const context = await newContext(browser, t, { viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  watchPage(page, t);
  // A page of the service's origin that embeds the map like a town's website would.
  await page.route(BASE + '/__iframe_host__', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><meta charset="utf-8"><body style="font-family:sans-serif;margin:20px"><h1>Stadt Grabow – Gewerbe</h1><p>Unsere freien Flächen:</p>
      <iframe src="/embed?municipality=${demo.facets.municipality.find((m) => m.name === 'Grabow')?.value || ''}&lang=de" width="420" height="320" style="border:0" loading="lazy" title="Gewerbeflächen"></iframe></body>`,
  }));
  await page.goto(BASE + '/__iframe_host__');
  const frame = page.frameLocator('iframe');
  await frame.locator('html[data-gwf-state="ready"]').waitFor({ timeout: 20000 });
  const f = page.frames().find((fr) => fr.url().includes('/embed'));
  await f.waitForFunction(() => window.gwfMap.loaded() && window.gwfMap.areTilesLoaded(), null, { timeout: 20000 });
  const count = await f.evaluate(() => window.gwfMap.queryRenderedFeatures({ layers: ['plots-fill'] }).length);
  assert(count > 0, 'no plots in the iframe');
  await screenshot(page, 'embed-iframe-small');
});

test('profile page: exposé layout and a printout of at most two pages', async (browser, t) => {
  const context = await newContext(browser, t, { viewport: { width: 1000, height: 1300 } });
  const page = await openPage(context, t, '/plots/LWL-001/profile?lang=de');
  await page.locator('.profile').waitFor();
  const css = await page.evaluate(() => [...document.styleSheets].some((s) => /\/assets\/profile(\.[0-9a-f]{16})?\.css$/.test(s.href || '') && s.cssRules.length > 5));
  assert(css, 'profile.css not applied');
  await page.waitForFunction(() => !window.gwfProfileMap || window.gwfProfileMap.loaded(), null, { timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(500);
  await screenshot(page, 'profile-screen');
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, 'profile-print.png'), fullPage: true });
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  mkdirSync(join(REPO, 'artifacts'), { recursive: true });
  writeFileSync(join(REPO, 'artifacts', 'profile-LWL-001.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert(pages >= 1 && pages <= 2, `printout has ${pages} pages`);
  t.note = `printout: ${pages} page(s)`;
});

test('profile page: the printout keeps the map', async (browser, t) => {
  const context = await newContext(browser, t, { viewport: { width: 1000, height: 1300 } });
  const page = await openPage(context, t, '/plots/LWL-001/profile?lang=de');
  await page.waitForFunction(() => window.gwfProfileMap && window.gwfProfileMap.loaded(), null, { timeout: 15000 });
  // Printing lays the page out anew, and a WebGL canvas resized on the way is printed empty
  // unless its drawing buffer is preserved (MapLibre 5: canvasContextAttributes).
  const attrs = await page.evaluate(() => {
    const c = window.gwfProfileMap.getCanvas();
    const gl = c.getContext('webgl2') || c.getContext('webgl');
    return gl.getContextAttributes();
  });
  assert(attrs.preserveDrawingBuffer === true,
    'the profile map does not preserve its drawing buffer, so it prints empty: create it with ' +
    '`canvasContextAttributes: { preserveDrawingBuffer: true }` (MapLibre 5 ignores a top-level preserveDrawingBuffer)');
});
