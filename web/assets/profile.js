// The map of a plot profile page (/plots/{key}/profile). The plot's outline comes in the page as
// a JSON data block (#plot-geometry); nothing else is loaded.
(function () {
  var source = document.getElementById('plot-geometry');
  var geometry = source ? JSON.parse(source.textContent) : null;
  if (!geometry || !window.maplibregl) return;
  var coords = [];
  (geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates]).forEach(function (p) {
    p[0].forEach(function (c) { coords.push(c); });
  });
  var xs = coords.map(function (c) { return c[0]; });
  var ys = coords.map(function (c) { return c[1]; });
  var map = new maplibregl.Map({
    container: 'map', interactive: false, attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    style: { version: 8, sources: { plot: { type: 'geojson', data: geometry } },
      layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } },
        { id: 'fill', type: 'fill', source: 'plot', paint: { 'fill-color': '#2e7d32', 'fill-opacity': 0.35 } },
        { id: 'line', type: 'line', source: 'plot', paint: { 'line-color': '#1b5e20', 'line-width': 2 } }] },
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
