// What a profile's map (profile.js, window.gwfProfileMap) needs besides the outline: a scale
// bar and a locator inset (the region's municipality outlines, the place marked), both plain
// HTML/SVG over the map so they print as they are; and a print that keeps the whole outline in
// frame: before printing, the map takes the printed map's proportions (180 × 72 mm, A4 minus
// margins), fits the outline and is pictured (the WebGL canvas itself prints blank).
(function () {
  'use strict';
  var box = document.getElementById('map');
  var source = document.getElementById('plot-geometry') || document.getElementById('profile-geometry');
  var data = source ? JSON.parse(source.textContent) : null;
  if (!box || !data) return;
  var lang = document.documentElement.lang === 'en' ? 'en' : 'de';

  // ---- the place: its outline's extent and centre (EPSG:4326) ---------------------------------
  var b = [Infinity, Infinity, -Infinity, -Infinity];
  function walk(c) {
    if (typeof c[0] === 'number') {
      b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])];
    } else c.forEach(walk);
  }
  (data.type === 'FeatureCollection' ? data.features.map(function (f) { return f.geometry; }) : [data])
    .forEach(function (g) { if (g && g.coordinates) walk(g.coordinates); });
  if (!isFinite(b[0])) return;
  var bounds = [[b[0], b[1]], [b[2], b[3]]];
  var centre = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];

  function el(tag, attrs, ns) {
    var node = ns ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // ---- scale bar --------------------------------------------------------------------------------
  var scale = el('div', { class: 'scale-bar', 'aria-hidden': 'true' });
  var scaleLine = el('span', { class: 'scale-line' });
  var scaleText = el('span', { class: 'scale-text' });
  scale.appendChild(scaleLine);
  scale.appendChild(scaleText);
  box.appendChild(scale);

  // Metres per CSS pixel at the map's centre (web mercator, 512-pixel tiles as MapLibre draws).
  function updateScale(map) {
    var lat = map.getCenter().lat * Math.PI / 180;
    var mpp = 2 * Math.PI * 6378137 * Math.cos(lat) / (512 * Math.pow(2, map.getZoom()));
    var max = 120 * mpp;
    var step = Math.pow(10, Math.floor(Math.log10(max)));
    var nice = [5, 2, 1].map(function (f) { return f * step; }).filter(function (v) { return v <= max; })[0] || step;
    scaleLine.style.width = Math.round(nice / mpp) + 'px';
    scaleText.textContent = nice >= 1000 ? (nice / 1000) + ' km' : nice + ' m';
  }

  // ---- locator inset: the municipalities, the place marked --------------------------------------
  var SIZE = 132;
  function locator(collection) {
    var lb = [Infinity, Infinity, -Infinity, -Infinity];
    var walkInset = function (c) {
      if (typeof c[0] === 'number') lb = [Math.min(lb[0], c[0]), Math.min(lb[1], c[1]), Math.max(lb[2], c[0]), Math.max(lb[3], c[1])];
      else c.forEach(walkInset);
    };
    var feats = collection.features.filter(function (f) { return f.geometry; });
    feats.forEach(function (f) { walkInset(f.geometry.coordinates); });
    walkInset(centre);
    if (!isFinite(lb[0])) return;
    var k = Math.cos((lb[1] + lb[3]) / 2 * Math.PI / 180);
    var w = (lb[2] - lb[0]) * k, h = lb[3] - lb[1];
    var s = (SIZE - 12) / Math.max(w, h, 1e-6);
    var ox = (SIZE - w * s) / 2, oy = (SIZE - h * s) / 2;
    var xy = function (p) { return [ox + (p[0] - lb[0]) * k * s, oy + (lb[3] - p[1]) * s]; };
    var svg = el('svg', { class: 'locator', viewBox: '0 0 ' + SIZE + ' ' + SIZE, width: SIZE, height: SIZE, 'aria-hidden': 'true' }, true);
    var here = (document.querySelector('.map-caption .access') || {}).textContent || '';
    feats.forEach(function (f) {
      var polys = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : [];
      var d = polys.map(function (poly) {
        return poly.map(function (ring) { return 'M' + ring.map(function (p) { return xy(p).map(function (v) { return v.toFixed(1); }).join(','); }).join('L') + 'Z'; }).join('');
      }).join('');
      var name = (f.properties || {}).name || '';
      var own = name && here.indexOf(name) >= 0;
      svg.appendChild(el('path', { d: d, class: own ? 'own' : '' }, true));
    });
    var c = xy(centre);
    svg.appendChild(el('circle', { cx: c[0].toFixed(1), cy: c[1].toFixed(1), r: 7, class: 'halo' }, true));
    svg.appendChild(el('circle', { cx: c[0].toFixed(1), cy: c[1].toFixed(1), r: 4, class: 'mark' }, true));
    box.appendChild(svg);
    // The outline beside the inset, not under it.
    withMap(function (map) { map.fitBounds(bounds, { padding: framePadding(), duration: 0 }); });
  }

  // Room for the inset on the right and the scale bar at the bottom.
  function framePadding() {
    var inset = box.querySelector('.locator');
    var right = inset ? inset.getBoundingClientRect().width + 16 : 24;
    var side = Math.min(right, box.clientWidth / 3);
    return { top: 20, bottom: 36, left: Math.min(24, side), right: side };
  }

  function fetchAll(url, features, n) {
    return fetch(url, { headers: { Accept: 'application/geo+json' }, credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (fc) {
        features = features.concat(fc.features || []);
        var next = (fc.links || []).filter(function (l) { return l.rel === 'next'; })[0];
        if (next && n < 10) {
          var href = new URL(next.href, window.location.origin);
          if (href.origin === window.location.origin) return fetchAll(href.pathname + href.search, features, n + 1);
        }
        return { type: 'FeatureCollection', features: features };
      });
  }
  fetchAll('/municipalities?f=geojson', [], 0).then(locator).catch(function (e) { console.warn('locator unavailable', e); });

  // ---- the map: scale, and the print -------------------------------------------------------------
  function withMap(fn) {
    if (window.gwfProfileMap) fn(window.gwfProfileMap);
    else window.addEventListener('load', function () { if (window.gwfProfileMap) fn(window.gwfProfileMap); });
  }

  withMap(function (map) {
    map.on('render', function () { updateScale(map); });
    updateScale(map);
    var saved = null;
    var picture = function () {
      var img = box.querySelector('.map-print');
      if (!img) {
        img = el('img', { class: 'map-print', alt: '' });
        box.appendChild(img);
      }
      img.src = map.getCanvas().toDataURL('image/png');
    };
    // 180 × 72 mm at 96 CSS pixels per inch: the printed map's box (profile.css, @media print).
    window.addEventListener('beforeprint', function () {
      saved = { width: box.style.width, height: box.style.height };
      box.style.width = '680px';
      box.style.height = '272px';
      map.resize();
      map.fitBounds(bounds, { padding: framePadding(), duration: 0, maxZoom: 17 });
      map.redraw();
      updateScale(map);
      picture();
    });
    window.addEventListener('afterprint', function () {
      if (!saved) return;
      box.style.width = saved.width;
      box.style.height = saved.height;
      saved = null;
      map.resize();
      map.fitBounds(bounds, { padding: framePadding(), duration: 0 });
    });
  });
  window.gwfProfileLocator = { bounds: bounds, centre: centre, lang: lang };
})();
