/*
 * What the map pages share: the embeddable map (/embed, embed.js) and the investor portal
 * (/, portal.js). A plain ES module, no build step, served from /assets like the pages.
 *
 * Vocabularies and status colours, MapLibre's control texts, number/area/price/date formats
 * per language, fetching from this origin (following `next` links), the basemap (the operator's
 * offline archive or an online style), the plain style, and geometry helpers.
 */

export const ORIGIN = window.location.origin;

export const STATUSES = ['available', 'reserved', 'under_negotiation', 'sold', 'planned'];
export const ZONINGS = ['GI', 'GE', 'GE-e', 'MI', 'MU', 'SO'];

// Okabe-Ito based: distinguishable with the common colour-vision deficiencies; "planned" is
// also drawn dashed and "sold" paler, so status never depends on colour alone.
export const STATUS_STYLE = {
  available: { fill: '#009E73', line: '#00654A' },
  reserved: { fill: '#E69F00', line: '#8F6300' },
  under_negotiation: { fill: '#CC79A7', line: '#7E3A64' },
  sold: { fill: '#A3A3A3', line: '#5E5E5E' },
  planned: { fill: '#0072B2', line: '#004C77' }
};

// A MapLibre expression choosing a status's colour (`fill` or `line`).
export function statusMatch(key, fallback) {
  const expr = ['match', ['get', 'status']];
  STATUSES.forEach((s) => { expr.push(s, STATUS_STYLE[s][key]); });
  expr.push(fallback);
  return expr;
}

// MapLibre's own control texts.
export const MAPLIBRE_LOCALE = {
  de: {
    'NavigationControl.ZoomIn': 'Vergrößern',
    'NavigationControl.ZoomOut': 'Verkleinern',
    'NavigationControl.ResetBearing': 'Nach Norden ausrichten',
    'FullscreenControl.Enter': 'Vollbild',
    'FullscreenControl.Exit': 'Vollbild beenden',
    'AttributionControl.ToggleAttribution': 'Quellenangaben ein-/ausblenden',
    'CooperativeGesturesHandler.WindowsHelpText': 'Strg + Mausrad zum Zoomen der Karte',
    'CooperativeGesturesHandler.MacHelpText': '⌘ + Mausrad zum Zoomen der Karte',
    'CooperativeGesturesHandler.MobileHelpText': 'Karte mit zwei Fingern bewegen',
    'Popup.Close': 'Schließen',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'Map.Title': 'Karte'
  },
  en: {
    'NavigationControl.ZoomIn': 'Zoom in',
    'NavigationControl.ZoomOut': 'Zoom out',
    'NavigationControl.ResetBearing': 'Reset bearing to north',
    'FullscreenControl.Enter': 'Enter fullscreen',
    'FullscreenControl.Exit': 'Exit fullscreen',
    'AttributionControl.ToggleAttribution': 'Toggle attribution',
    'CooperativeGesturesHandler.WindowsHelpText': 'Use Ctrl + scroll to zoom the map',
    'CooperativeGesturesHandler.MacHelpText': 'Use ⌘ + scroll to zoom the map',
    'CooperativeGesturesHandler.MobileHelpText': 'Use two fingers to move the map',
    'Popup.Close': 'Close popup',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'Map.Title': 'Map'
  }
};

// The page's settings from its JSON data block #gwf-config (the pages run no inline script).
export function readConfig() {
  const block = document.getElementById('gwf-config');
  try {
    return block ? JSON.parse(block.textContent) : {};
  } catch (e) {
    return {};
  }
}

// ---- formats: one set per language, the same on map, list, popups and (server-side) profiles

const LOCALES = { de: 'de-DE', en: 'en-GB' };

export function formats(lang) {
  const locale = LOCALES[lang] || LOCALES.de;
  const cache = {};
  function nf(digits) {
    if (!cache[digits]) cache[digits] = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return cache[digits];
  }
  const ok = (v) => v !== null && v !== undefined && v !== '' && isFinite(v);
  return {
    number(v, digits) { return ok(v) ? nf(digits || 0).format(Number(v)) : '–'; },
    // `12.500 m²` / `12,500 m²`; from one hectare on also in ha.
    area(m2) {
      if (!ok(m2)) return '–';
      const sqm = nf(0).format(Math.round(m2)) + '\u00a0m²';
      if (m2 < 10000) return sqm;
      return nf(2).format(m2 / 10000) + '\u00a0ha (' + sqm + ')';
    },
    // `12,50–18,00 €/m²` / `€12.50–18.00 per m²`.
    pricePerM2(min, max) {
      const f = nf(2);
      let range = f.format(min);
      if (ok(max) && Number(max) !== Number(min)) range += '–' + f.format(max);
      return lang === 'de' ? range + '\u00a0€/m²' : '€' + range + ' per m²';
    },
    // A total in whole euros: `250.000 €` / `€250,000`.
    euros(v) { return lang === 'de' ? nf(0).format(Math.round(v)) + '\u00a0€' : '€' + nf(0).format(Math.round(v)); },
    km(v) { return nf(1).format(v) + '\u00a0km'; },
    // `31.12.2026` / `31 Dec 2026` (English: unambiguous for British and American readers).
    date(iso) {
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
      if (!m) return iso || '';
      if (lang === 'de') return m[3] + '.' + m[2] + '.' + m[1];
      return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    }
  };
}

// ---- DOM -------------------------------------------------------------------------------------

export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach((k) => {
    const v = attrs[k];
    if (v === null || v === undefined || v === false) return;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v === true ? '' : v);
  });
  (children || []).forEach((c) => { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return node;
}

// ---- data ------------------------------------------------------------------------------------

export function fetchJSON(path, options) {
  const url = /^https?:/.test(path) ? path : ORIGIN + path;
  return fetch(url, Object.assign({ headers: { Accept: 'application/json, application/geo+json' }, credentials: 'same-origin' }, options || {}))
    .then((r) => {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
}

// A FeatureCollection, following `next` links (the API pages large collections).
export function fetchCollection(path, options) {
  let features = [];
  let first = null;
  function page(url, n) {
    return fetchJSON(url, options).then((fc) => {
      if (!first) first = fc;
      features = features.concat(fc.features || []);
      const next = (fc.links || []).filter((l) => l.rel === 'next')[0];
      if (next && n < 50) {
        const href = new URL(next.href, ORIGIN);
        if (href.origin === ORIGIN) return page(href.pathname + href.search, n + 1);
      }
      return Object.assign({}, first, { type: 'FeatureCollection', features: features, links: undefined });
    });
  }
  return page(path, 0);
}

// The basemap style: the operator's offline archive if the page names one (a meta element the
// server adds to every page; the archive is on this origin, and nothing else is asked for),
// else an online style if configured and reachable (5 s); otherwise null.
export function loadBasemap(url) {
  const offline = document.querySelector('meta[name="gwf-basemap-pmtiles"]');
  if (offline && offline.content.charAt(0) === '/') return loadOfflineBasemap(offline.content);
  if (!url || typeof url !== 'string') return Promise.resolve(null);
  const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = setTimeout(() => { if (ctrl) ctrl.abort(); }, 5000);
  return fetch(url, { signal: ctrl ? ctrl.signal : undefined, credentials: 'omit' })
    .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then((style) => { clearTimeout(timer); return style && style.version === 8 ? style : null; })
    .catch((e) => { clearTimeout(timer); console.warn('basemap unavailable, using the plain background', e); return null; });
}

// The `pmtiles` reader (web/assets/pmtiles.js, a classic script) and the bundled style
// (basemap.js) load only on pages that draw the offline basemap.
let pmtilesProtocol = null;
function loadOfflineBasemap(path) {
  if (!window.maplibregl) return Promise.resolve(null);
  const reader = window.pmtiles ? Promise.resolve() : new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('./pmtiles.js', import.meta.url).href;
    script.onload = resolve;
    script.onerror = () => reject(new Error('pmtiles.js did not load'));
    document.head.appendChild(script);
  });
  return Promise.all([reader, import('./basemap.js')])
    .then((r) => {
      if (!pmtilesProtocol) {
        pmtilesProtocol = new window.pmtiles.Protocol();
        window.maplibregl.addProtocol('pmtiles', pmtilesProtocol.tile);
      }
      // A kiosk has no way back from the licence page: its attribution is text only.
      const kiosk = new URLSearchParams(window.location.search).get('kiosk') === '1';
      return r[1].offlineStyle('pmtiles://' + ORIGIN + path, !kiosk);
    })
    .catch((e) => { console.warn('offline basemap unavailable, using the plain background', e); return null; });
}

export function plainStyle() {
  return {
    version: 8,
    name: 'gewerbeflaechen-plain',
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f2f0eb' } }]
  };
}

// ---- geometry --------------------------------------------------------------------------------

export function eachPosition(geometry, fn) {
  if (!geometry) return;
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Point': fn(c); break;
    case 'MultiPoint': case 'LineString': c.forEach(fn); break;
    case 'Polygon': case 'MultiLineString': c.forEach((r) => { r.forEach(fn); }); break;
    case 'MultiPolygon': c.forEach((p) => { p.forEach((r) => { r.forEach(fn); }); }); break;
    case 'GeometryCollection': geometry.geometries.forEach((g) => { eachPosition(g, fn); }); break;
    default: break;
  }
}

export function extentOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  features.forEach((f) => {
    eachPosition(f.geometry, (p) => {
      if (p[0] < b[0]) b[0] = p[0];
      if (p[1] < b[1]) b[1] = p[1];
      if (p[0] > b[2]) b[2] = p[0];
      if (p[1] > b[3]) b[3] = p[1];
    });
  });
  return isFinite(b[0]) ? b : null;
}

// A label point: the area centroid of the largest outer ring (outlines here are compact).
export function labelPoint(geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  let best = null;
  polys.forEach((poly) => {
    const ring = poly[0];
    let a = 0, cx = 0, cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      a += f; cx += (ring[j][0] + ring[i][0]) * f; cy += (ring[j][1] + ring[i][1]) * f;
    }
    if (a !== 0 && (!best || Math.abs(a) > best.a)) best = { a: Math.abs(a), p: [cx / (3 * a), cy / (3 * a)] };
  });
  return best ? best.p : null;
}

// The TileJSON says [-180,-85,180,85] when nothing matches.
export function usableBounds(b) {
  return Array.isArray(b) && b.length === 4 && b.every(isFinite) && b[2] - b[0] < 20 && b[3] - b[1] < 20 ? b : null;
}

// Outline layers of municipalities and estates (sources `municipalities`, `estates`), under
// the plots; `filters` narrow them ({ muni, estate } MapLibre filters, or true).
export function addOutlineLayers(map, filters, onBasemap, before) {
  map.addLayer({ id: 'municipalities-fill', type: 'fill', source: 'municipalities', filter: filters.muni,
    // Over a basemap only a veil, so its streets and places stay readable.
    paint: { 'fill-color': '#ffffff', 'fill-opacity': onBasemap ? 0.15 : 0.6 } }, before);
  map.addLayer({ id: 'municipalities-line', type: 'line', source: 'municipalities', filter: filters.muni,
    paint: { 'line-color': '#77736b', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1, 14, 2.5], 'line-dasharray': [4, 2] } }, before);
  map.addLayer({ id: 'estates-fill', type: 'fill', source: 'estates', filter: filters.estate,
    paint: { 'fill-color': '#e4dccb', 'fill-opacity': onBasemap ? 0.5 : 0.75 } }, before);
  const estateSelected = ['boolean', ['feature-state', 'selected'], false];
  map.addLayer({ id: 'estates-line', type: 'line', source: 'estates', filter: filters.estate,
    paint: {
      'line-color': ['case', estateSelected, '#4a3f2c', '#8d8068'],
      // A zoom curve must be the outermost expression; the selection chooses its values.
      'line-width': ['interpolate', ['linear'], ['zoom'], 10, ['case', estateSelected, 2.5, 0.8], 16, ['case', estateSelected, 4, 2]]
    } }, before);
}

// The first symbol layer of a basemap style (plots go under its labels), if any.
export function firstSymbolLayer(map) {
  const first = map.getStyle().layers.filter((l) => l.type === 'symbol')[0];
  return first ? first.id : undefined;
}

// Up to zoom 9 the plot tiles (source `plots`) hold clusters (layer `clusters`: `count`,
// `area_m2` in m²) instead of outlines: a circle per cluster, its count as an HTML button above
// it (no glyphs needed), and a click on either zooms in by two levels around it.
// `describe(count, areaM2)` gives the button's `{ label, text }` in the page's language.
export function addClusterLayer(map, describe) {
  map.addLayer({ id: 'clusters', type: 'circle', source: 'plots', 'source-layer': 'clusters',
    paint: {
      'circle-color': '#374151', 'circle-opacity': 0.85, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2,
      'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 10, 10, 13, 100, 18, 1000, 25]
    } });
  const zoomIn = (lngLat) => map.easeTo({ center: lngLat, zoom: Math.min(map.getZoom() + 2, 16) });
  const markers = {};
  const clear = () => Object.keys(markers).forEach((key) => { markers[key].remove(); delete markers[key]; });
  const update = () => {
    const seen = {};
    map.querySourceFeatures('plots', { sourceLayer: 'clusters' }).forEach((f) => {
      const at = f.geometry.coordinates;
      const count = Number(f.properties.count);
      // The count is part of the key: new filters (the portal's) give the same place a new count.
      const key = at[0].toFixed(5) + ',' + at[1].toFixed(5) + ',' + count;
      if (seen[key]) return;
      seen[key] = true;
      if (markers[key]) return;
      const d = describe(count, Number(f.properties.area_m2));
      const button = el('button', { type: 'button', className: 'gwf-cluster', 'data-count': String(count), 'aria-label': d.label, text: d.text });
      button.addEventListener('click', (e) => { e.stopPropagation(); zoomIn(at); });
      markers[key] = new maplibregl.Marker({ element: button }).setLngLat(at).addTo(map);
    });
    Object.keys(markers).forEach((key) => { if (!seen[key]) { markers[key].remove(); delete markers[key]; } });
  };
  map.on('idle', update);
  // Counts of one zoom (or of other filters) are wrong at the next; the circles stay until the
  // new tiles are in.
  map.on('zoomstart', clear);
  map.on('click', 'clusters', (e) => zoomIn(e.features[0].geometry.coordinates));
  map.on('mouseenter', 'clusters', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'clusters', () => { map.getCanvas().style.cursor = ''; });
  return { clear: clear };
}

// The URL template of the plot tiles for a `GET /plots` query string (filters only), on this
// page's origin.
export function plotTilesUrl(query) {
  return ORIGIN + '/tiles/plots/{z}/{x}/{y}.mvt' + (query ? '?' + query : '');
}
