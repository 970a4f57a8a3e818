// The offline basemap (GWF_BASEMAP_PMTILES): roads, water and towns drawn from the archive the
// service serves itself, with every request to another host blocked (a trade-fair hall without
// internet) and none attempted; the ODbL attribution on screen. Runs only against a server
// started with the test archive (scripts/test.sh: tests/basemap/fixture.py builds it):
//
//   GWF_EXPECT_BASEMAP=1 GWF_BROWSER_ONLY='offline basemap' GWF_BASE_URL=… node tests/browser/run.mjs

import { assert, eq, isLocal, newContext, openPage, screenshot, waitReady, test } from './lib.mjs';

const ROAD_LAYERS = ['basemap-road-motorway', 'basemap-road-primary', 'basemap-road-secondary', 'basemap-road-minor'];
const ATTRIBUTION = '© OpenStreetMap contributors';

// A context whose requests to any other origin are refused before they leave, and recorded.
async function offlineContext(browser, t, options) {
  const context = await newContext(browser, t, options);
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url) || /^blob:/.test(url)) return route.continue();
    blocked.push(url);
    return route.abort('internetdisconnected');
  });
  return { context, blocked };
}

// What the map draws of the basemap right now, by layer kind.
function drawn(page, mapVar) {
  return page.evaluate(([name, roads]) => {
    const map = window[name];
    const layers = map.getStyle().layers.map((l) => l.id);
    const q = (ids) => map.queryRenderedFeatures({ layers: ids.filter((id) => layers.includes(id)) });
    return {
      roadClasses: [...new Set(q(roads).map((f) => f.properties.class))].sort(),
      ramps: q(['basemap-road-motorway']).filter((f) => f.properties.ramp === 1).length,
      water: q(['basemap-water']).length,
      places: q(['basemap-place']).map((f) => f.properties.class),
      attribution: (document.querySelector('.maplibregl-ctrl-attrib-inner') || {}).innerHTML || ''
    };
  }, [mapVar, ROAD_LAYERS]);
}

async function settle(page, mapVar) {
  await page.waitForFunction((name) => window[name] && window[name].loaded() && window[name].areTilesLoaded() && !window[name].isMoving(), mapVar, { timeout: 20000 });
}

function checkOffline(t, blocked) {
  eq(blocked.length, 0, `requests to other hosts attempted: ${blocked.join(', ')}`);
  const ranges = t.requests.filter((u) => new URL(u).pathname === '/basemap.pmtiles');
  assert(ranges.length > 0, 'the archive was not read from this origin');
}

if (process.env.GWF_EXPECT_BASEMAP === '1') {
  test('offline basemap: /embed draws roads, the motorway junction, water and the town offline, attributed', async (browser, t) => {
    const { context, blocked } = await offlineContext(browser, t);
    // Ludwigslust and the A 14 junction west of it (tests/basemap/fixture.py).
    const page = await openPage(context, t, '/embed?center=11.48,53.325&zoom=12.5&lang=en');
    await waitReady(page);
    await settle(page, 'gwfMap');
    const seen = await drawn(page, 'gwfMap');
    for (const cls of ['motorway', 'primary', 'secondary']) assert(seen.roadClasses.includes(cls), `no ${cls} drawn: ${seen.roadClasses}`);
    assert(seen.ramps > 0, 'the junction\'s slip road is not drawn');
    assert(seen.water > 0, 'the lake is not drawn');
    assert(seen.places.includes('town'), `the town is not marked: ${seen.places}`);
    assert(seen.attribution.includes(ATTRIBUTION) && seen.attribution.includes('openstreetmap.org/copyright'), `attribution: ${seen.attribution}`);
    assert(await page.locator('.maplibregl-ctrl-attrib-inner').isVisible(), 'the attribution is not on screen');
    // The plots stay on top of the basemap.
    const order = await page.evaluate(() => window.gwfMap.getStyle().layers.map((l) => l.id));
    assert(order.indexOf('plots-fill') > order.indexOf('basemap-road-motorway'), 'plots under the roads');
    await screenshot(page, 'basemap-embed');
    checkOffline(t, blocked);
    t.note = `roads ${seen.roadClasses.join('/')}, ${seen.water} water, places ${seen.places.join('/')}`;
  });

  test('offline basemap: kiosk shows it with a plain-text attribution (no way out of the kiosk)', async (browser, t) => {
    const { context, blocked } = await offlineContext(browser, t, { viewport: { width: 1280, height: 800 } });
    const page = await openPage(context, t, '/embed?kiosk=1&kiosk_interval_ms=600000&center=11.53,53.34&zoom=14');
    await waitReady(page);
    await settle(page, 'gwfMap');
    const seen = await drawn(page, 'gwfMap');
    assert(seen.roadClasses.length > 0, 'no roads on the kiosk');
    assert(seen.attribution.includes(ATTRIBUTION) && !seen.attribution.includes('<a'), `kiosk attribution: ${seen.attribution}`);
    assert(await page.locator('.maplibregl-ctrl-attrib-inner').isVisible(), 'the attribution is not on screen');
    await screenshot(page, 'basemap-kiosk');
    checkOffline(t, blocked);
  });

  test('offline basemap: the portal and a plot profile draw it too', async (browser, t) => {
    const { context, blocked } = await offlineContext(browser, t);
    const portal = await openPage(context, t, '/?lang=en&map=12.00/53.32000/11.48000');
    await portal.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
    await settle(portal, 'gwfMap');
    const onPortal = await drawn(portal, 'gwfMap');
    assert(onPortal.roadClasses.includes('motorway'), `portal roads: ${onPortal.roadClasses}`);
    assert(await portal.locator('.maplibregl-ctrl-attrib-inner').isVisible(), 'the attribution is not on screen (portal)');
    await screenshot(portal, 'basemap-portal');

    const profile = await openPage(context, t, '/plots/LWL-001/profile?lang=en');
    await settle(profile, 'gwfProfileMap');
    const onProfile = await drawn(profile, 'gwfProfileMap');
    assert(onProfile.roadClasses.length > 0, 'no road on the profile map');
    assert(onProfile.attribution.includes(ATTRIBUTION), `profile attribution: ${onProfile.attribution}`);
    const plotOnTop = await profile.evaluate(() => window.gwfProfileMap.queryRenderedFeatures({ layers: ['fill'] }).length);
    assert(plotOnTop > 0, 'the plot is not drawn on the profile map');
    await screenshot(profile, 'basemap-profile');
    checkOffline(t, blocked);
  });
}
