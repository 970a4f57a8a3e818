// The map of a profile page: a plot (/plots/{key}/profile; its outline in the JSON data block
// #plot-geometry) or an estate (/estates/{id}/profile; #profile-geometry, a FeatureCollection of
// the estate's outline and its plots with their status). Nothing else is loaded.
(function () {
  var source = document.getElementById('plot-geometry') || document.getElementById('profile-geometry');
  var data = source ? JSON.parse(source.textContent) : null;
  if (!data || !window.maplibregl) return;
  // One shape for both: features with a kind (a plot's page has one plot).
  var collection = data.type === 'FeatureCollection' ? data
    : { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: data, properties: { kind: 'plot' } }] };
  collection.features = collection.features.filter(function (f) { return f.geometry; });
  var coords = [];
  collection.features.forEach(function (f) {
    var g = f.geometry;
    (g.type === 'MultiPolygon' ? g.coordinates : [g.coordinates]).forEach(function (p) {
      p[0].forEach(function (c) { coords.push(c); });
    });
  });
  if (!coords.length) return;
  var xs = coords.map(function (c) { return c[0]; });
  var ys = coords.map(function (c) { return c[1]; });
  var isPlot = ['==', ['get', 'kind'], 'plot'];
  var isEstate = ['==', ['get', 'kind'], 'estate'];
  // The embed's status colours (Okabe-Ito); a plot's own page keeps its green.
  var plotFill = data.type === 'FeatureCollection'
    ? ['match', ['get', 'status'], 'available', '#009E73', 'reserved', '#E69F00', 'under_negotiation', '#CC79A7',
      'sold', '#A3A3A3', 'planned', '#0072B2', '#888888']
    : '#2e7d32';
  var map = new maplibregl.Map({
    container: 'map', interactive: false, attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    style: { version: 8, sources: { plot: { type: 'geojson', data: collection } },
      layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } },
        { id: 'estate-fill', type: 'fill', source: 'plot', filter: isEstate, paint: { 'fill-color': '#e4dccb', 'fill-opacity': 0.8 } },
        { id: 'estate-line', type: 'line', source: 'plot', filter: isEstate, paint: { 'line-color': '#8d8068', 'line-width': 2 } },
        { id: 'fill', type: 'fill', source: 'plot', filter: isPlot, paint: { 'fill-color': plotFill, 'fill-opacity': 0.45 } },
        { id: 'line', type: 'line', source: 'plot', filter: isPlot, paint: { 'line-color': '#1b5e20', 'line-width': 1.5 } }] },
    bounds: [[Math.min.apply(null, xs), Math.min.apply(null, ys)], [Math.max.apply(null, xs), Math.max.apply(null, ys)]],
    fitBoundsOptions: { padding: 40 }
  });
  window.gwfProfileMap = map;
  // Browsers print a WebGL canvas blank; print a still image of it instead.
  window.addEventListener('beforeprint', function () {
    var img = document.createElement('img');
    img.className = 'map-print';
    img.alt = '';
    img.src = map.getCanvas().toDataURL('image/png');
    document.getElementById('map').appendChild(img);
  });
  window.addEventListener('afterprint', function () {
    document.querySelectorAll('.map-print').forEach(function (el) { el.remove(); });
  });
})();
