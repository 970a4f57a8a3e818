// The map of a profile page: a plot (/plots/{key}/profile; its outline in the JSON data block
// #plot-geometry) or an estate (/estates/{id}/profile; #profile-geometry, a FeatureCollection of
// the estate's outline and its plots with their status). Nothing else is loaded, unless the
// offline basemap is configured: then it is drawn under them (map.js's loadBasemap, imported
// from beside this script, which stays a classic script so every page that loads it works).
(function () {
  var source = document.getElementById('plot-geometry') || document.getElementById('profile-geometry');
  var data = source ? JSON.parse(source.textContent) : null;
  if (!data || !window.maplibregl) return;
  // Without an offline basemap the page needs nothing more (no online style on profiles).
  if (!document.querySelector('meta[name="gwf-basemap-pmtiles"]')) {
    draw(data, null);
  } else {
    import(new URL('./map.js', document.currentScript.src).href)
      .then(function (m) { return m.loadBasemap(null); })
      .catch(function () { return null; })
      .then(function (basemap) { draw(data, basemap); });
  }

  function draw(data, basemap) {
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
    var style = basemap || { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } }] };
    style.sources.plot = { type: 'geojson', data: collection };
    style.layers = style.layers.concat([
      { id: 'estate-fill', type: 'fill', source: 'plot', filter: isEstate, paint: { 'fill-color': '#e4dccb', 'fill-opacity': basemap ? 0.5 : 0.8 } },
      { id: 'estate-line', type: 'line', source: 'plot', filter: isEstate, paint: { 'line-color': '#8d8068', 'line-width': 2 } },
      { id: 'fill', type: 'fill', source: 'plot', filter: isPlot, paint: { 'fill-color': plotFill, 'fill-opacity': 0.45 } },
      { id: 'line', type: 'line', source: 'plot', filter: isPlot, paint: { 'line-color': '#1b5e20', 'line-width': 1.5 } }]);
    var map = new maplibregl.Map({
      container: 'map', interactive: false,
      // The basemap's sources (ODbL) are written out beside it; the plain map has none to name.
      attributionControl: basemap ? { compact: false } : false,
      canvasContextAttributes: { preserveDrawingBuffer: true },
      style: style,
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
  }
})();
