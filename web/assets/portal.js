/*
 * The investor portal (GET / for browsers): filters, result list and map side by side.
 *
 * The server renders the page in the reader's language (labels, form, meta); this module runs
 * the search: it reads the form (whose fields are named as `GET /plots` names its parameters),
 * asks GET /plots once per change (GeoJSON, simplified outlines) and draws the same answer as
 * the list and on the map, so the two always agree. The whole search lives in the URL
 * (filters, `sort`, `map=zoom/lat/lon`, `plot`, `compare`): a link reopens the same view, and
 * back/forward step through the searches.
 *
 * For tests: window.gwfMap (the MapLibre map), window.gwfPortal (state and timings), and
 * data-gwf-state="ready" on <html> once the first result is drawn.
 */
import {
  STATUSES, MAPLIBRE_LOCALE, readConfig, formats, el, fetchJSON, fetchCollection,
  loadBasemap, plainStyle, extentOf, addOutlineLayers, firstSymbolLayer, addClusterLayer, plotTilesUrl
} from './map.js';
import { plotViews, addResultLayers, points } from './portal-plot.js';
import { shareOnClick } from './shortlist.js';
import { formatArea, addAreaLayers, showArea, drawTool } from './portal-draw.js';
import { PHOTO_FIELD, resultPhoto } from './portal-photos.js';
import {
  SORTS, MAX_COMPARE, readUrl, urlOf as urlOfState, writeForm as writeFormOf, readForm as readFormOf, apiQuery, searchBody, tileQuery
} from './portal-state.js';

const CONFIG = readConfig();
const lang = CONFIG.lang === 'en' ? 'en' : 'de';
const fmt = formats(lang);
const STALE_DAYS = Number(CONFIG.staleAfterDays) || 365;

const { TEXT, fill, priceText, titleOf, profileUrl, facts, meta } = plotViews(lang, fmt, STALE_DAYS);


// ---- state <-> URL <-> form (portal-state.js) ---------------------------------------------

const form = document.getElementById('filters');
const sortSelect = document.getElementById('f-sort');

// The language switch keeps the whole search.
function updateLangSwitch() {
  const link = document.getElementById('lang-switch');
  if (!link) return;
  const other = lang === 'de' ? 'en' : 'de';
  link.href = urlOf(state).replace(/([?&])lang=\w+/, '$1lang=' + other);
}

function setUrl(push) {
  history[push ? 'pushState' : 'replaceState'](null, '', urlOf(state));
  updateLangSwitch();
}

const urlOf = (s) => urlOfState(s, lang);
const writeForm = (s) => writeFormOf(form, sortSelect, s);
const readForm = () => readFormOf(form);

let state = readUrl(window.location.href);

// ---- the search ------------------------------------------------------------------------------

const FIELDS = ['reference', 'title_de', 'title_en', 'status', 'zoning', 'area_m2', 'price_min_eur_m2', 'price_max_eur_m2',
  'price_on_request', 'municipality_name', 'estate_name', 'available_from', 'data_confirmed_on', 'data_age_days', 'rail_siding', 'demo', PHOTO_FIELD].join(',');

const app = window.gwfPortal = { ready: false, searches: 0, lastSearch: null, results: [], timings: [] };
let results = [];
let byRef = new Map();
let seq = 0;
let inFlight = null;
let inputAt = null;

function search() {
  const my = ++seq;
  const started = inputAt !== null ? inputAt : performance.now();
  inputAt = null;
  if (inFlight) inFlight.abort();
  inFlight = typeof AbortController === 'function' ? new AbortController() : null;
  const countBox = document.getElementById('result-count');
  countBox.textContent = TEXT.loading;
  document.getElementById('results').setAttribute('aria-busy', 'true');
  updateDownloads();
  const extra = { f: 'geojson', geometry_form: 'simplified', limit: '1000', count: 'exact', fields: FIELDS };
  const url = state.area ? '/plots/search' : '/plots?' + apiQuery(state, extra);
  const options = inFlight ? { signal: inFlight.signal } : {};
  if (state.area) {
    options.method = 'POST';
    options.headers = { Accept: 'application/geo+json', 'Content-Type': 'application/json' };
    options.body = JSON.stringify(searchBody(state, extra));
  }
  return fetchJSON(url, options).then((fc) => {
    if (my !== seq) return;
    results = (fc.features || []).map((f) => Object.assign({ id: f.id, geometry: f.geometry }, f.properties));
    byRef = new Map(results.map((p) => [p.reference, p]));
    renderCount(fc.total, fc.next_cursor);
    renderList();
    renderStand();
    updateMap(fc);
    document.getElementById('results').removeAttribute('aria-busy');
    const ms = performance.now() - started;
    app.searches += 1;
    app.lastSearch = { url: url, body: options.body ? JSON.parse(options.body) : null, count: results.length, ms: ms };
    app.timings.push(ms);
    app.results = results.map((p) => p.reference);
    document.documentElement.setAttribute('data-search-seq', String(app.searches));
    if (state.plot && byRef.has(state.plot)) select(state.plot, { fly: !state.view, push: false });
    else if (state.plot) { state.plot = null; closeCard(); }
  }).catch((e) => {
    if (e && e.name === 'AbortError') return;
    console.error(e);
    document.getElementById('results').removeAttribute('aria-busy');
    countBox.textContent = fill(TEXT.error, { e: e.message });
  });
}

function renderCount(total, more) {
  const n = total ? total.value : results.length;
  const text = n === 0 ? TEXT.count[0] : n === 1 ? TEXT.count[1] : fill(TEXT.count.n, { n: fmt.number(n) + (total && total.relation === 'gte' ? '+' : '') });
  // The area of every match, from the count (exact up to its cap), not just of the listed page.
  const area = total && typeof total.area_m2 === 'number' ? total.area_m2
    : more ? null : results.reduce((a, p) => a + (Number(p.area_m2) || 0), 0);
  const parts = [text];
  if (n > 0 && area !== null) parts.push(fill(TEXT.countTotalArea, { a: fmt.area(area) }));
  if (more) parts.push(fill(TEXT.countMore, { n: fmt.number(results.length) }));
  document.getElementById('result-count').textContent = parts.join(' · ');
}

function renderList() {
  const list = document.getElementById('result-list');
  list.textContent = '';
  if (!results.length) {
    list.appendChild(el('li', { className: 'empty' }, [TEXT.noResults]));
    return;
  }
  const frag = document.createDocumentFragment();
  results.forEach((p) => {
    const compareId = 'cmp-' + p.id;
    const checked = state.compare.indexOf(p.reference) >= 0;
    const item = el('li', { className: 'result', 'data-ref': p.reference, 'data-id': String(p.id), 'data-status': p.status }, [
      resultPhoto(p, lang, titleOf(p)),
      el('h3', { className: 'result-title' }, [el('a', { href: profileUrl(p), text: titleOf(p) })]),
      meta(p),
      facts(p),
      el('div', { className: 'result-actions' }, [
        el('button', { type: 'button', className: 'show-on-map', 'data-ref': p.reference, 'aria-pressed': state.plot === p.reference ? 'true' : 'false' }, [TEXT.showOnMap]),
        el('span', { className: 'compare-toggle' }, [
          el('input', { type: 'checkbox', id: compareId, 'data-ref': p.reference, checked: checked }),
          el('label', { for: compareId }, [TEXT.compare, el('span', { className: 'visually-hidden', text: ': ' + titleOf(p) })])
        ])
      ])
    ]);
    frag.appendChild(item);
  });
  list.appendChild(frag);
  markSelected();
}

function renderStand() {
  const box = document.getElementById('stand');
  const dates = results.map((p) => p.data_confirmed_on).filter(Boolean).sort();
  if (!dates.length) { box.textContent = ''; return; }
  const a = fmt.date(dates[0]), b = fmt.date(dates[dates.length - 1]);
  let text = a === b ? fill(TEXT.standOne, { a: a }) : fill(TEXT.stand, { a: a, b: b });
  const stale = results.filter((p) => Number(p.data_age_days) > STALE_DAYS).length;
  if (stale) text += ' (' + fill(TEXT.stale, { n: stale, d: STALE_DAYS }) + ')';
  box.textContent = text;
  document.getElementById('demo-note').hidden = !results.some((p) => p.demo);
}

function updateDownloads() {
  const q = apiQuery(state);
  document.getElementById('csv-excel').href = '/plots?' + (q ? q + '&' : '') + 'f=csv-excel';
  document.getElementById('csv-plain').href = '/plots?' + (q ? q + '&' : '') + 'f=csv-excel-en';
}

// ---- compare ---------------------------------------------------------------------------------

function renderCompare() {
  const bar = document.getElementById('compare-bar');
  const link = document.getElementById('compare-link');
  bar.hidden = state.compare.length === 0;
  document.getElementById('compare-share').hidden = state.compare.length === 0;
  if (state.compare.length >= 2) {
    link.textContent = fill(TEXT.compareLink, { n: state.compare.length });
    link.href = '/compare?plots=' + state.compare.map(encodeURIComponent).join(',') + '&lang=' + lang;
    link.removeAttribute('aria-disabled');
  } else {
    link.textContent = TEXT.compareOne;
    link.removeAttribute('href');
    link.setAttribute('aria-disabled', 'true');
  }
  document.querySelectorAll('.compare-toggle input').forEach((box) => {
    const on = state.compare.indexOf(box.dataset.ref) >= 0;
    box.checked = on;
    box.disabled = !on && state.compare.length >= MAX_COMPARE;
    box.title = box.disabled ? TEXT.compareMax : '';
  });
}

function toggleCompare(ref, on) {
  const list = state.compare.filter((r) => r !== ref);
  if (on && list.length < MAX_COMPARE) list.push(ref);
  state.compare = list;
  setUrl(false);
  renderCompare();
}

// ---- the map ---------------------------------------------------------------------------------

let map = null;
let mapReady = null;
let hovered = null;
let selectedId = null;
let fittedOnce = false;
let draw = null;
let tilesShown = null;

// A plot's state on both its outline (tiles) and its dot (the listed page).
function plotState(id, value) {
  map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: id }, value);
  map.setFeatureState({ source: 'result-points', id: id }, value);
}

function setHover(id) {
  if (!map || !map.getSource('plots')) return;
  if (hovered !== null) plotState(hovered, { hover: false });
  hovered = id;
  if (id !== null) plotState(id, { hover: true });
  document.querySelectorAll('.result.hover').forEach((n) => n.classList.remove('hover'));
  if (id !== null) {
    const item = document.querySelector('.result[data-id="' + id + '"]');
    if (item) item.classList.add('hover');
  }
}

function setSelectedFeature(id) {
  if (!map || !map.getSource('plots')) return;
  if (selectedId !== null) plotState(selectedId, { selected: false });
  selectedId = id;
  if (id !== null) plotState(id, { selected: true });
}

function updateMap(fc) {
  if (!mapReady) return;
  mapReady.then(() => {
    setSelectedFeature(null);
    setHover(null);
    const tiles = plotTilesUrl(tileQuery(state));
    if (tiles !== tilesShown) { tilesShown = tiles; map.getSource('plots').setTiles([tiles]); }
    map.getSource('result-points').setData(points(fc));
    if (!fittedOnce && !state.view) {
      const ext = extentOf(fc.features || []);
      if (ext) map.fitBounds([[ext[0], ext[1]], [ext[2], ext[3]]], { padding: 40, maxZoom: 15, duration: 0 });
    }
    fittedOnce = true;
    if (state.plot && byRef.has(state.plot)) setSelectedFeature(byRef.get(state.plot).id);
    const searched = app.searches;
    map.once('idle', () => {
      app.mapDrawn = searched;
      if (!app.ready) {
        app.ready = true;
        document.documentElement.setAttribute('data-gwf-state', 'ready');
      }
    });
    map.triggerRepaint();
  });
}

function renderLegend() {
  const box = document.getElementById('map-legend');
  box.textContent = '';
  STATUSES.forEach((s) => {
    box.appendChild(el('span', { className: 'legend-item' }, [el('span', { className: 'swatch swatch-' + s }), TEXT.status[s]]));
  });
}

function startMap(municipalities, estates, basemap) {
  const options = {
    container: 'map',
    style: basemap || plainStyle(),
    locale: MAPLIBRE_LOCALE[lang],
    // Over a basemap its sources (ODbL: © OpenStreetMap contributors) stay written out.
    attributionControl: { compact: !basemap },
    maxZoom: 19,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    fadeDuration: 0
  };
  if (state.view) { options.center = state.view.center; options.zoom = state.view.zoom; } else {
    const ext = extentOf(municipalities.features) || [11.40, 53.25, 11.65, 53.42];
    options.bounds = [[ext[0], ext[1]], [ext[2], ext[3]]];
    options.fitBoundsOptions = { padding: 20 };
  }
  try {
    map = new maplibregl.Map(options);
  } catch (e) {
    console.error(e);
    return;
  }
  window.gwfMap = map;
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');
  mapReady = new Promise((resolve) => {
    map.on('load', () => {
      map.addSource('municipalities', { type: 'geojson', data: municipalities });
      map.addSource('estates', { type: 'geojson', data: estates });
      // Overzoom beyond 16: a z16 tile (≈ 600 m here) at 4096 units is finer than 20 cm.
      tilesShown = plotTilesUrl(tileQuery(state));
      map.addSource('plots', { type: 'vector', tiles: [tilesShown], minzoom: 0, maxzoom: 16 });
      map.addSource('result-points', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'id' });
      const before = firstSymbolLayer(map);
      addOutlineLayers(map, { muni: true, estate: true }, !!basemap, before);
      addClusterLayer(map, (count, area) => ({ label: fill(TEXT.cluster, { n: fmt.number(count), a: fmt.area(area) }), text: fmt.number(count) }));
      addResultLayers(map, before);
      addAreaLayers(map);
      showArea(map, state.area);
      draw = drawTool(map, {
        start: document.getElementById('draw-area'), bar: document.getElementById('draw-bar'), hint: document.getElementById('draw-hint'),
        addCentre: document.getElementById('draw-add-centre'), finish: document.getElementById('draw-finish'), cancel: document.getElementById('draw-cancel')
      }, setArea);
      bindMap();
      resolve();
    });
  });
  // The map's canvas gets a name of its own (MapLibre's "Map" says little).
  map.getCanvas().setAttribute('aria-label', document.getElementById('map').getAttribute('aria-label'));
}

function bindMap() {
  const layers = ['plots-fill', 'plots-dot'];
  map.on('mousemove', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: layers })[0];
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
    const id = hit ? hit.id : null;
    if (id !== hovered) setHover(id === undefined ? null : id);
  });
  map.on('mouseout', () => setHover(null));
  map.on('click', (e) => {
    if (draw && draw.drawing()) return;
    const hit = map.queryRenderedFeatures(e.point, { layers: layers })[0];
    if (!hit || !hit.properties.reference) return;
    // A plot beyond the listed page: its card from the tile's properties at once, then what
    // tiles do not carry (title, place names: docs/api.md, "Vector tiles") from its record.
    const ref = hit.properties.reference;
    if (!byRef.has(ref)) {
      byRef.set(ref, fromTile(hit));
      completeFromRecord(byRef.get(ref));
    }
    select(ref, { fly: false, push: true, scroll: true });
  });
  map.on('moveend', () => {
    state.view = { zoom: map.getZoom(), center: [map.getCenter().lng, map.getCenter().lat] };
    setUrl(false);
  });
}

// ---- selection: list item, map feature and the plot card -----------------------------------

function markSelected() {
  document.querySelectorAll('.result').forEach((item) => {
    const on = item.dataset.ref === state.plot;
    item.classList.toggle('selected', on);
    const button = item.querySelector('.show-on-map');
    if (button) button.setAttribute('aria-pressed', on ? 'true' : 'false');
  });
}

function closeCard() {
  document.getElementById('plot-card').hidden = true;
  setSelectedFeature(null);
}

function showCard(p) {
  const card = document.getElementById('plot-card');
  card.textContent = '';
  card.appendChild(el('button', { type: 'button', className: 'card-close', 'aria-label': TEXT.close, title: TEXT.close, text: '×' }));
  card.appendChild(el('h3', {}, [el('a', { href: profileUrl(p), text: titleOf(p) })]));
  card.appendChild(meta(p));
  card.appendChild(facts(p));
  card.appendChild(el('a', { className: 'card-profile', href: profileUrl(p) }, [TEXT.profile + ' →']));
  card.setAttribute('aria-label', titleOf(p));
  card.hidden = false;
}

function select(ref, opts) {
  const p = byRef.get(ref);
  if (!p) return;
  state.plot = ref;
  markSelected();
  showCard(p);
  if (opts.push) setUrl(true);
  if (mapReady) {
    mapReady.then(() => {
      setSelectedFeature(p.id);
      if (opts.fly && p.geometry) {
        const ext = extentOf([p]);
        const wide = map.getContainer().clientWidth > 600;
        const pad = { top: 40, bottom: wide ? 40 : Math.min(220, map.getContainer().clientHeight / 2), left: wide ? 360 : 30, right: 40 };
        map.fitBounds([[ext[0], ext[1]], [ext[2], ext[3]]], { padding: pad, maxZoom: 16, duration: 600 });
      }
    });
  }
  if (opts.scroll) {
    const item = document.querySelector('.result[data-ref="' + CSS.escape(ref) + '"]');
    if (item) item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }
}

// ---- events ----------------------------------------------------------------------------------

let typing = null;

// `force`: search even if filters and sort are as before (the drawn area was cleared).
function commit(force) {
  clearTimeout(typing);
  const filters = readForm();
  const sort = SORTS.indexOf(sortSelect.value) >= 0 ? sortSelect.value : 'reference';
  if (!force && filters.toString() === state.filters.toString() && sort === state.sort) return;
  state.filters = filters;
  state.sort = sort;
  state.plot = null;
  closeCard();
  document.getElementById('bbox-note').hidden = !filters.has('bbox');
  setUrl(true);
  search();
}

function bindForm() {
  form.addEventListener('submit', (e) => { e.preventDefault(); inputAt = performance.now(); commit(); });
  form.addEventListener('change', (e) => {
    if (e.target.name === 'municipality') narrowEstates();
    inputAt = performance.now();
    commit();
  });
  sortSelect.addEventListener('change', () => { inputAt = performance.now(); commit(); });
  // Typing waits for a pause.
  form.addEventListener('input', (e) => {
    if (e.target.type === 'checkbox' || e.target.tagName === 'SELECT') return;
    clearTimeout(typing);
    const at = performance.now();
    typing = setTimeout(() => { inputAt = at; commit(); }, 400);
  });
  document.getElementById('reset-filters').addEventListener('click', () => {
    form.reset();
    Array.from(form.elements).forEach((i) => { if (i.type === 'hidden' && i.name === 'bbox') i.value = ''; });
    sortSelect.value = 'reference';
    narrowEstates();
    // Reset means everywhere: the drawn area goes too.
    const hadArea = !!state.area;
    state.area = null;
    document.getElementById('area-note').hidden = true;
    if (mapReady) mapReady.then(() => showArea(map, null));
    commit(hadArea);
  });
  document.getElementById('search-area').addEventListener('click', () => {
    if (!map) return;
    const b = map.getBounds();
    const r = (v) => Math.round(v * 1e5) / 1e5;
    document.getElementById('f-bbox').value = [r(b.getWest()), r(b.getSouth()), r(b.getEast()), r(b.getNorth())].join(',');
    inputAt = performance.now();
    commit();
  });
  document.getElementById('clear-area').addEventListener('click', () => { setArea(null); document.getElementById('draw-area').focus(); });
  ['csv-excel', 'csv-plain'].forEach((id) => document.getElementById(id).addEventListener('click', downloadArea));
  document.getElementById('clear-bbox').addEventListener('click', () => {
    document.getElementById('f-bbox').value = '';
    commit();
  });
  const list = document.getElementById('result-list');
  list.addEventListener('click', (e) => {
    const button = e.target.closest('.show-on-map');
    if (button) select(button.dataset.ref, { fly: true, push: true });
  });
  list.addEventListener('change', (e) => {
    if (e.target.closest('.compare-toggle')) { e.stopPropagation(); toggleCompare(e.target.dataset.ref, e.target.checked); }
  });
  list.addEventListener('mouseover', (e) => {
    const item = e.target.closest('.result');
    setHoverFromList(item);
  });
  list.addEventListener('focusin', (e) => setHoverFromList(e.target.closest('.result')));
  list.addEventListener('mouseleave', () => setHover(null));
  document.getElementById('plot-card').addEventListener('click', (e) => {
    if (e.target.closest('.card-close')) {
      const ref = state.plot;
      state.plot = null;
      markSelected();
      closeCard();
      setUrl(true);
      const button = document.querySelector('.show-on-map[data-ref="' + CSS.escape(ref || '') + '"]');
      if (button) button.focus();
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !document.getElementById('plot-card').hidden) document.querySelector('#plot-card .card-close').click();
  });
  shareOnClick(document.getElementById('compare-share'), () => state.compare, lang);
  document.getElementById('compare-clear').addEventListener('click', () => { state.compare = []; setUrl(false); renderCompare(); });
  window.addEventListener('popstate', () => {
    const next = readUrl(window.location.href);
    const areaOf = (s) => (s.area ? formatArea(s.area) : '');
    const again = next.filters.toString() !== state.filters.toString() || next.sort !== state.sort || areaOf(next) !== areaOf(state);
    state = next;
    writeForm(state);
    narrowEstates();
    renderCompare();
    updateLangSwitch();
    if (map && state.view) map.jumpTo({ center: state.view.center, zoom: state.view.zoom });
    if (mapReady) mapReady.then(() => showArea(map, state.area));
    if (again) search();
    else if (state.plot) select(state.plot, { fly: false, push: false });
    else { markSelected(); closeCard(); }
  });
}

// A drawn area (an open ring, or null) replaces the previous one; each is a history step.
function setArea(ring) {
  state.area = ring;
  state.plot = null;
  closeCard();
  document.getElementById('area-note').hidden = !ring;
  if (mapReady) mapReady.then(() => showArea(map, ring));
  setUrl(true);
  inputAt = performance.now();
  search();
}

// A GET link cannot carry a drawn area: its CSV comes from POST /plots/search, saved as a file.
function downloadArea(e) {
  if (!state.area) return;
  e.preventDefault();
  const f = new URL(e.currentTarget.href, window.location.href).searchParams.get('f');
  fetch('/plots/search', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'text/csv' },
    body: JSON.stringify(searchBody(state, { f: f }))
  }).then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.blob(); }).then((blob) => {
    const a = el('a', { href: URL.createObjectURL(blob), download: 'plots.csv' });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }).catch((err) => console.error(err));
}

// On a phone the filters start folded (unless the link sets some), so the map is in view.
function bindFilterToggle() {
  const toggle = document.getElementById('filters-toggle');
  const body = document.getElementById('filter-body');
  const fold = (folded) => {
    body.classList.toggle('folded', folded);
    toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
  };
  const phone = window.matchMedia('(max-width: 820px)').matches;
  const set = Array.from(state.filters.keys()).some((k) => k !== 'q' && k !== 'bbox');
  fold(phone && !set);
  toggle.addEventListener('click', () => fold(!body.classList.contains('folded')));
}

function setHoverFromList(item) {
  const id = item ? Number(item.dataset.id) : null;
  if (id !== hovered) setHover(id);
}

// ---- places for the selects ------------------------------------------------------------------

let estateList = [];

function fillSelect(select, items) {
  const wanted = select.dataset.wanted || select.value;
  while (select.options.length > 1) select.remove(1);
  items.forEach((i) => select.appendChild(el('option', { value: String(i.id), text: i.name })));
  select.value = items.some((i) => String(i.id) === wanted) ? wanted : '';
}

function narrowEstates() {
  const muni = document.getElementById('f-municipality').value;
  const shown = estateList.filter((e) => !muni || String(e.municipality_id) === muni);
  fillSelect(document.getElementById('f-estate'), shown);
}

function places(municipalities, estates) {
  const props = (f) => Object.assign({ id: f.id }, f.properties || {});
  const munis = municipalities.features.map(props).sort((a, b) => a.name.localeCompare(b.name, lang));
  estateList = estates.features.map(props).sort((a, b) => a.name.localeCompare(b.name, lang));
  fillSelect(document.getElementById('f-municipality'), munis);
  narrowEstates();
}

// ---- start -----------------------------------------------------------------------------------

function start() {
  writeForm(state);
  bindForm();
  bindFilterToggle();
  renderLegend();
  renderCompare();
  updateDownloads();
  updateLangSwitch();
  const emptyFc = { type: 'FeatureCollection', features: [] };
  // The list does not wait for the map.
  const first = search();
  Promise.all([
    fetchCollection('/municipalities?f=geojson').catch(() => emptyFc),
    fetchCollection('/estates?f=geojson').catch(() => emptyFc),
    loadBasemap(CONFIG.basemapStyle)
  ]).then((r) => {
    places(r[0], r[1]);
    writeForm(state);
    if (window.maplibregl) startMap(r[0], r[1], r[2]);
    first.then(() => {
      if (results.length || state.view) updateMap({ type: 'FeatureCollection', features: results.map(asFeature) });
      else if (mapReady) mapReady.then(() => map.once('idle', () => { app.ready = true; document.documentElement.setAttribute('data-gwf-state', 'ready'); }));
    });
  });
  fetchJSON('/regions').then((regions) => {
    const list = Array.isArray(regions) ? regions : regions.items || [];
    if (list.length === 1 && list[0].name) document.getElementById('region-name').textContent = list[0].name;
  }).catch(() => { /* the tagline stays generic */ });
}

// The list's members that a card made from a tile lacks, from GET /plots/{id}; the card is
// drawn again if it still shows this plot.
function completeFromRecord(p) {
  return fetchJSON('/plots/' + encodeURIComponent(p.id)).then((plot) => {
    FIELDS.split(',').forEach((key) => { if (p[key] === undefined && plot[key] !== undefined) p[key] = plot[key]; });
    if (state.plot === p.reference && byRef.get(p.reference) === p) showCard(p);
  }).catch((e) => console.warn('plot record unavailable', e));
}

function fromTile(f) {
  const t = f.properties;
  return Object.assign({}, t, { id: f.id, price_min_eur_m2: t.price_min_eur, price_max_eur_m2: t.price_max_eur, geometry: null });
}

function asFeature(p) {
  const props = Object.assign({}, p);
  delete props.geometry;
  return { type: 'Feature', id: p.id, geometry: p.geometry, properties: props };
}

start();
