// The profile page's map context (coordinates, access, scale bar, locator inset; the printed
// map keeps the whole outline in frame) and phone-sized screens on /embed: a popup stays on
// screen with its close button in reach, the kiosk card leaves most of the map in view.

import { assert, eq, api, screenshot, newContext, openPage, openEmbed, waitReady, pointOnPlot, test } from './lib.mjs';

async function openProfile(browser, t, path, options = {}) {
  const context = await newContext(browser, t, options);
  const page = await openPage(context, t, path);
  await page.waitForFunction(() => window.gwfProfileMap && window.gwfProfileMap.loaded(), null, { timeout: 20000 });
  await page.locator('#map .locator .mark').waitFor({ state: 'attached', timeout: 10000 });
  return page;
}

// Whether the map's view holds the outline's extent.
const outlineInView = (page) => page.evaluate(() => {
  const map = window.gwfProfileMap;
  const [[w, s], [e, n]] = window.gwfProfileLocator.bounds;
  const v = map.getBounds();
  return v.getWest() <= w && v.getSouth() <= s && v.getEast() >= e && v.getNorth() >= n;
});

test('profile map: coordinates, access, scale bar and locator; the print keeps the outline in frame', async (browser, t) => {
  const plots = await api('/plots?limit=1&sort=-area&fields=reference,estate_name,municipality_name');
  const plot = plots.items[0];
  const path = `/plots/${encodeURIComponent(plot.reference)}/profile`;
  const page = await openProfile(browser, t, path + '?lang=en');
  const caption = await page.locator('#map-caption').innerText();
  assert(/Coordinates \(WGS 84\): \d{2}\.\d{4}° N, \d{1,2}\.\d{4}° E/.test(caption), `English coordinates: ${caption}`);
  assert(caption.includes(plot.municipality_name), `access names the municipality: ${caption}`);
  if (plot.estate_name) assert(caption.includes(plot.estate_name), `access names the estate: ${caption}`);
  const href = await page.getAttribute('#map-caption a', 'href');
  assert(/^geo:\d+\.\d+,\d+\.\d+$/.test(href), `geo: link ${href}`);
  const scale = await page.locator('#map .scale-text').innerText();
  assert(/^\d+ (m|km)$/.test(scale), `scale bar: ${scale}`);
  const width = await page.locator('#map .scale-line').evaluate((n) => n.getBoundingClientRect().width);
  assert(width > 20 && width <= 121, `scale bar length ${width}`);
  eq(await page.locator('#map .locator path').count() > 0, true, 'the locator draws the municipalities');
  eq(await page.locator('#map .locator path.own').count(), 1, 'the plot\'s municipality is marked');
  await screenshot(page, 'profile-map-en');

  // Print: the map takes the printed proportions and fits the outline before the picture.
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  eq(await outlineInView(page), true, 'the whole outline is in the printed map');
  const size = await page.locator('#map').evaluate((n) => [n.clientWidth, n.clientHeight]);
  eq(size.join('x'), '680x272', 'the printed map box (180 × 72 mm)');
  assert((await page.getAttribute('#map .map-print', 'src')).startsWith('data:image/png'), 'a picture of the map for the print');
  await page.emulateMedia({ media: 'print' });
  await screenshot(page, 'profile-print-en');
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));

  // German number format; a phone-sized printout source still prints the whole outline.
  const de = await openProfile(browser, t, path + '?lang=de', { viewport: { width: 375, height: 740 } });
  const deCaption = await de.locator('#map-caption').innerText();
  assert(/Koordinaten \(WGS 84\): \d{2},\d{4}° N, \d{1,2},\d{4}° O/.test(deCaption), `German coordinates: ${deCaption}`);
  await screenshot(de, 'profile-map-phone-de');
  await de.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  eq(await outlineInView(de), true, 'printed from a phone: the whole outline in frame');
  t.note = caption;
});

test('phone: an /embed popup stays on screen with its close button in reach', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'lang=en', { viewport: { width: 360, height: 640 }, hasTouch: true });
  // Close to the largest plot, so a finger finds it.
  const largest = (await api('/plots?limit=1&sort=-area&geometry_form=centroid&f=geojson')).features[0];
  await page.evaluate((c) => window.gwfMap.jumpTo({ center: c, zoom: 15 }), largest.geometry.coordinates);
  await waitReady(page);
  const target = await pointOnPlot(page, largest.properties.reference);
  assert(target, 'no plot to tap');
  await page.mouse.click(target.x, target.y);
  const popup = page.locator('.maplibregl-popup');
  await popup.waitFor({ state: 'visible', timeout: 5000 });
  // The map may still pan to fit the popup: measure once it has come to rest.
  await page.waitForFunction(() => !window.gwfMap.isMoving(), null, { timeout: 5000 });
  await page.waitForTimeout(300);
  let box = await popup.boundingBox();
  assert(box.x >= 0 && box.y >= 0 && box.x + box.width <= 360 && box.y + box.height <= 640, `popup off screen: ${JSON.stringify(box)}`);
  // Scrolled to the end of a long card, the close button is still on screen and works.
  await page.locator('.maplibregl-popup-content').evaluate((n) => { n.scrollTop = n.scrollHeight; });
  await page.waitForTimeout(100);
  box = await popup.boundingBox();
  const close = page.locator('.maplibregl-popup-close-button');
  const c = await close.boundingBox();
  assert(c && c.y >= box.y && c.y + c.height <= 640 && c.x + c.width <= 360, `close button out of reach: ${JSON.stringify(c)}`);
  assert(c.width >= 40 && c.height >= 40, `close button too small to tap: ${c.width}x${c.height}`);
  await screenshot(page, 'embed-popup-phone-en');
  await close.click();
  await popup.waitFor({ state: 'detached', timeout: 5000 });
});

test('phone: the kiosk card leaves most of the map in view', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&kiosk_interval_ms=4000&kiosk_idle_ms=60000&lang=en', { hasTouch: true, viewport: { width: 360, height: 640 } });
  await page.waitForFunction(() => window.gwfApp.highlighted !== null, null, { timeout: 15000 });
  await page.waitForTimeout(1800);
  const card = await page.locator('#kiosk-card').boundingBox();
  assert(card.height <= 640 * 0.42, `the card covers too much: ${card.height}px of 640`);
  assert(card.y + card.height <= 640 && card.x >= 0 && card.x + card.width <= 360, `card off screen: ${JSON.stringify(card)}`);
  await screenshot(page, 'kiosk-phone-en');
  t.note = `card ${Math.round(card.height)} px of 640`;
});
