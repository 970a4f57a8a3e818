/*
 * The style of the offline basemap (GWF_BASEMAP_PMTILES, docs/basemap.md): roads, railways,
 * water, woods and places of an OpenMapTiles-schema archive, the schema Debian's tilemaker
 * writes with its bundled config. Muted, so the plots' status colours stay the strongest thing
 * on the map; roads in neutral tones and the motorway in pale yellow, a colour no status uses.
 *
 * No text and no icons: the style needs no glyphs or sprites, so the map loads nothing but the
 * archive from this origin (place and estate names are HTML labels on the pages).
 * Loaded by map.js only when the archive is configured.
 */

const ROADS = [
  // class values of the OpenMapTiles `transportation` layer; widths in px at z10 and z16.
  { id: 'minor', classes: ['minor', 'service', 'track'], minzoom: 12, fill: '#ffffff', casing: '#a39a8a', width: [0.6, 7] },
  { id: 'secondary', classes: ['secondary', 'tertiary'], minzoom: 9, fill: '#ffffff', casing: '#8a8070', width: [1.5, 10] },
  { id: 'primary', classes: ['primary', 'trunk'], minzoom: 7, fill: '#fff1bd', casing: '#8f7f55', width: [2, 12] },
  { id: 'motorway', classes: ['motorway'], minzoom: 5, fill: '#f4cf5c', casing: '#7a5a1e', width: [3, 14] }
];

const ATTRIBUTION_TEXT = '© OpenStreetMap contributors';

// A road's width over zoom; its casing is `extra` px wider.
function widths(w, extra) {
  return ['interpolate', ['exponential', 1.5], ['zoom'], 10, w[0] + extra, 16, w[1] + extra];
}

// `pmtilesUrl`: `pmtiles://` + the archive's absolute URL; `linked`: whether the attribution may
// link to the licence (not on a kiosk, which has no way back from another page).
export function offlineStyle(pmtilesUrl, linked) {
  const attribution = linked
    ? '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">' + ATTRIBUTION_TEXT + '</a>'
    : ATTRIBUTION_TEXT;
  const line = ['==', ['geometry-type'], 'LineString'];
  const layers = [
    { id: 'background', type: 'background', paint: { 'background-color': '#f2f0eb' } },
    { id: 'basemap-landcover-wood', type: 'fill', source: 'basemap', 'source-layer': 'landcover',
      filter: ['in', ['get', 'class'], ['literal', ['wood', 'forest']]], paint: { 'fill-color': '#dde6d0' } },
    { id: 'basemap-landuse', type: 'fill', source: 'basemap', 'source-layer': 'landuse',
      filter: ['in', ['get', 'class'], ['literal', ['residential', 'suburb', 'neighbourhood', 'commercial', 'industrial', 'retail']]],
      paint: { 'fill-color': '#e8e3da' } },
    { id: 'basemap-park', type: 'fill', source: 'basemap', 'source-layer': 'park', paint: { 'fill-color': '#dbe7cf' } },
    { id: 'basemap-water', type: 'fill', source: 'basemap', 'source-layer': 'water', paint: { 'fill-color': '#b7d4e6' } },
    { id: 'basemap-waterway', type: 'line', source: 'basemap', 'source-layer': 'waterway', filter: line,
      paint: { 'line-color': '#b7d4e6', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.8, 16, 5] } },
    { id: 'basemap-rail', type: 'line', source: 'basemap', 'source-layer': 'transportation', minzoom: 9,
      filter: ['all', line, ['==', ['get', 'class'], 'rail']],
      paint: { 'line-color': '#9b968c', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.8, 16, 2.5], 'line-dasharray': [3, 2] } }
  ];
  // All casings under all fills, so crossings join cleanly.
  ROADS.forEach((r) => {
    layers.push({ id: 'basemap-road-' + r.id + '-casing', type: 'line', source: 'basemap', 'source-layer': 'transportation',
      minzoom: r.minzoom, filter: ['all', line, ['in', ['get', 'class'], ['literal', r.classes]]],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': r.casing, 'line-width': widths(r.width, 2.5) } });
  });
  ROADS.forEach((r) => {
    layers.push({ id: 'basemap-road-' + r.id, type: 'line', source: 'basemap', 'source-layer': 'transportation',
      minzoom: r.minzoom, filter: ['all', line, ['in', ['get', 'class'], ['literal', r.classes]]],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': r.fill, 'line-width': widths(r.width, 0) } });
  });
  // Towns and villages as dots (their names would need glyphs; see above).
  layers.push({ id: 'basemap-place', type: 'circle', source: 'basemap', 'source-layer': 'place', maxzoom: 15,
    filter: ['in', ['get', 'class'], ['literal', ['city', 'town', 'village']]],
    paint: {
      'circle-radius': ['match', ['get', 'class'], 'city', 6, 'town', 4.5, 3],
      'circle-color': '#ffffff', 'circle-stroke-color': '#5e5a52', 'circle-stroke-width': 1.5
    } });
  return {
    version: 8,
    name: 'gewerbeflaechen-offline',
    sources: { basemap: { type: 'vector', url: pmtilesUrl, attribution: attribution } },
    layers: layers
  };
}
