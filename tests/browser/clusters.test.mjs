// Low zooms of /embed: clusters with counts instead of outlines; a click zooms in.

import { assert, eq, api, pixelStats, screenshot, openEmbed, renderedPlots, visibleText, test } from './lib.mjs';

// Up to this zoom the tiles hold clusters (db::tiles::CLUSTER_MAX_ZOOM).
const CLUSTER_MAX_ZOOM = 9;

async function settle(page) {
  await page.waitForFunction(() => window.gwfMap.loaded() && window.gwfMap.areTilesLoaded() && !window.gwfMap.isMoving(), null, { timeout: 20000 });
  // Markers follow the map's `idle` event.
  await page.waitForTimeout(300);
}

test('clusters: counts at low zoom, legend explains them, a click zooms in to the plots', async (browser, t) => {
  const { page } = await openEmbed(browser, t);
  const total = (await api('/plots/facets')).total.count;
  const center = await page.evaluate(() => window.gwfMap.getCenter().toArray());
  await page.evaluate((c) => window.gwfMap.jumpTo({ center: c, zoom: 7 }), center);
  await settle(page);

  eq(await renderedPlots(page).then((p) => p.length), 0, 'no outlines at zoom 7');
  const buttons = page.locator('.gwf-cluster');
  const counts = (await buttons.evaluateAll((els) => els.map((e) => Number(e.dataset.count))));
  assert(counts.length > 0, 'no cluster drawn');
  eq(counts.reduce((a, b) => a + b, 0), total, 'the clusters in view count every published plot once');
  const label = await buttons.first().getAttribute('aria-label');
  assert(/Fläche/.test(label) && /m²|ha/.test(label), `cluster label: ${label}`);
  const legend = await visibleText(page, '#legend');
  assert(legend.includes('Flächen in der Nähe'), `legend lacks the cluster entry: ${JSON.stringify(legend)}`);
  const shot = await screenshot(page, 'embed-clusters-z7');
  assert(pixelStats(shot.png).distinct > 40, 'cluster screenshot looks blank');

  // Click the largest cluster: two zoom levels in, until the outlines show.
  let zoom = 7;
  while (zoom <= CLUSTER_MAX_ZOOM) {
    const all = await page.locator('.gwf-cluster').all();
    let biggest = all[0];
    let most = -1;
    for (const b of all) {
      const n = Number(await b.getAttribute('data-count'));
      if (n > most) { most = n; biggest = b; }
    }
    await biggest.click();
    await settle(page);
    const now = await page.evaluate(() => window.gwfMap.getZoom());
    assert(Math.abs(now - (zoom + 2)) < 0.01, `zoom after the click: ${now}, expected ${zoom + 2}`);
    zoom = now;
  }
  const plots = await renderedPlots(page);
  assert(plots.length > 0, `no outlines at zoom ${zoom} after zooming in on a cluster`);
  eq(await page.locator('.gwf-cluster').count(), 0, 'no cluster counts among the outlines');
  await screenshot(page, 'embed-clusters-zoomed-in');
  t.note = `${counts.length} clusters of ${total} plots at z7; ${plots.length} outlines at z${zoom}`;
});
