/*
 * "Draw an area" on the portal map: a small drawing mode on MapLibre (no plugin).
 *
 * Click the corners; double-click, Enter or the "Finish" button closes the polygon (three
 * corners at least); Backspace takes back the last corner; Escape cancels. Without a mouse:
 * move the map with the arrow keys and press Space (or "Add the map centre") to add the
 * centre as a corner. The finished area is searched with POST /plots/search (`geometry`), the
 * search API's drawn-area form, and kept in the portal's URL as `area=lon,lat,lon,lat,…`
 * (EPSG:4326, five decimals ≈ 1 m).
 */

// The server bounds drawn areas too (GWF geometry limits); a hand-drawn area needs few corners.
export const MAX_CORNERS = 100;

const round = (v) => Math.round(v * 1e5) / 1e5;

// `lon,lat,lon,lat,…` -> [[lon, lat], …] (an open ring), or null if it is not a usable area.
export function parseArea(text) {
  if (!text) return null;
  const n = text.split(',').map(Number);
  if (n.length < 6 || n.length % 2 || n.length > 2 * MAX_CORNERS || !n.every(isFinite)) return null;
  const ring = [];
  for (let i = 0; i < n.length; i += 2) {
    if (Math.abs(n[i]) > 180 || Math.abs(n[i + 1]) > 90) return null;
    ring.push([n[i], n[i + 1]]);
  }
  return ring;
}

export function formatArea(ring) {
  return ring.map((p) => round(p[0]) + ',' + round(p[1])).join(',');
}

// The GeoJSON Polygon of an open ring (closed here; counter-clockwise outer ring as RFC 7946 asks).
export function areaPolygon(ring) {
  let twice = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) twice += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  const ccw = twice < 0 ? ring.slice() : ring.slice().reverse();
  const closed = ccw.map((p) => [round(p[0]), round(p[1])]);
  closed.push(closed[0].slice());
  return { type: 'Polygon', coordinates: [closed] };
}

export function areaExtent(ring) {
  const lon = ring.map((p) => p[0]), lat = ring.map((p) => p[1]);
  return [Math.min(...lon), Math.min(...lat), Math.max(...lon), Math.max(...lat)];
}

const EMPTY = { type: 'FeatureCollection', features: [] };

// Sources and layers for the drawn area (finished: `drawn-area`) and the one being drawn (`draw-sketch`).
export function addAreaLayers(map) {
  map.addSource('drawn-area', { type: 'geojson', data: EMPTY });
  map.addSource('draw-sketch', { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'drawn-area-fill', type: 'fill', source: 'drawn-area', paint: { 'fill-color': '#1d4ed8', 'fill-opacity': 0.06 } });
  map.addLayer({ id: 'drawn-area-line', type: 'line', source: 'drawn-area', paint: { 'line-color': '#1d4ed8', 'line-width': 2.5, 'line-dasharray': [3, 2] } });
  map.addLayer({ id: 'draw-sketch-line', type: 'line', source: 'draw-sketch', filter: ['==', ['geometry-type'], 'LineString'],
    paint: { 'line-color': '#1d4ed8', 'line-width': 2.5 } });
  map.addLayer({ id: 'draw-sketch-corners', type: 'circle', source: 'draw-sketch', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': '#1d4ed8', 'circle-stroke-width': 2.5 } });
}

export function showArea(map, ring) {
  const source = map.getSource('drawn-area');
  if (source) source.setData(ring ? { type: 'Feature', properties: {}, geometry: areaPolygon(ring) } : EMPTY);
}

/*
 * The drawing mode. `ui` holds the page's elements: `start` (the "Draw an area" button), `bar`
 * (the hint and buttons shown while drawing), `hint`, `addCentre`, `finish`, `cancel`.
 * `onDone(ring)` gets the finished open ring.
 */
export function drawTool(map, ui, onDone) {
  let corners = null;
  let pointer = null;

  const sketch = () => {
    const features = (corners || []).map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
    const line = (corners || []).concat(pointer && corners && corners.length ? [pointer] : []);
    if (line.length >= 2) {
      if (line.length >= 3) line.push(line[0]);
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: line } });
    }
    map.getSource('draw-sketch').setData({ type: 'FeatureCollection', features: features });
    ui.finish.disabled = !corners || corners.length < 3;
  };

  const add = (lngLat) => {
    if (!corners || corners.length >= MAX_CORNERS) return;
    const p = [lngLat.lng, lngLat.lat];
    // The two clicks of a double-click would add one corner twice.
    const last = corners[corners.length - 1];
    if (last) {
      const a = map.project(last), b = map.project(p);
      if (Math.hypot(a.x - b.x, a.y - b.y) < 4) return;
    }
    corners.push(p);
    sketch();
  };

  const stop = () => {
    corners = null;
    pointer = null;
    map.getSource('draw-sketch').setData(EMPTY);
    map.getCanvas().style.cursor = '';
    map.doubleClickZoom.enable();
    ui.bar.hidden = true;
    ui.start.hidden = false;
    ui.start.setAttribute('aria-pressed', 'false');
    map.getContainer().classList.remove('drawing');
  };

  const finish = () => {
    if (!corners || corners.length < 3) return;
    const ring = corners.slice();
    stop();
    ui.start.focus();
    onDone(ring);
  };

  const cancel = () => {
    if (!corners) return;
    stop();
    ui.start.focus();
  };

  const begin = () => {
    corners = [];
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = 'crosshair';
    map.getContainer().classList.add('drawing');
    ui.start.hidden = true;
    ui.bar.hidden = false;
    sketch();
    ui.hint.focus();
  };

  ui.start.addEventListener('click', begin);
  ui.finish.addEventListener('click', finish);
  ui.cancel.addEventListener('click', cancel);
  ui.addCentre.addEventListener('click', () => add(map.getCenter()));
  map.on('click', (e) => { if (corners) add(e.lngLat); });
  map.on('dblclick', (e) => { if (corners) { e.preventDefault(); add(e.lngLat); finish(); } });
  map.on('mousemove', (e) => { if (corners) { pointer = [e.lngLat.lng, e.lngLat.lat]; sketch(); } });
  document.addEventListener('keydown', (e) => {
    if (!corners) return;
    if (e.key === 'Escape') { e.preventDefault(); e.stopImmediatePropagation(); cancel(); }
    else if (e.key === 'Enter' && !/^(BUTTON|A)$/.test(e.target.tagName)) { e.preventDefault(); finish(); }
    else if (e.key === 'Backspace' && !/^(INPUT|TEXTAREA)$/.test(e.target.tagName)) { e.preventDefault(); corners.pop(); sketch(); }
    else if (e.key === ' ' && e.target === map.getCanvas()) { e.preventDefault(); add(map.getCenter()); }
  }, true);

  return { drawing: () => !!corners, cancel: cancel };
}
