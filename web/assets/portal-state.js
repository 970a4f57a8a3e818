/*
 * The portal's search state (`{ filters, sort, view, plot, compare, area }`) and its three forms:
 * the page's URL (shareable, back/forward), the filter form, and the API's requests (GET /plots
 * query, POST /plots/search body for a drawn area, the tiles' query). The DOM it touches: the
 * form it is given and the notes that say which filters are set.
 */
import { parseArea, formatArea, areaPolygon, areaExtent } from './portal-draw.js';

// The form's fields, named as GET /plots names its parameters.
export const FILTERS = ['q', 'municipality', 'estate', 'area_min', 'area_max', 'zoning', 'status', 'available_by', 'max_price',
  'servicing', 'max_dist_motorway_km', 'min_broadband_mbit', 'rail_siding', 'heavy_vehicle_access', 'grw_area', 'price_on_request', 'bbox'];
export const SORTS = ['reference', '-area', 'area', 'price', '-price', '-updated'];
export const MAX_COMPARE = 4;

export function readUrl(href) {
  const p = new URL(href).searchParams;
  const filters = new URLSearchParams();
  FILTERS.forEach((name) => {
    const v = p.get(name);
    if (v !== null && v.trim() !== '') filters.set(name, v.trim());
  });
  const sort = SORTS.indexOf(p.get('sort')) >= 0 ? p.get('sort') : 'reference';
  let view = null;
  const m = /^(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(p.get('map') || '');
  if (m && +m[1] <= 22 && Math.abs(+m[2]) <= 85 && Math.abs(+m[3]) <= 180) view = { zoom: +m[1], center: [+m[3], +m[2]] };
  const compare = (p.get('compare') || '').split(',').map((s) => s.trim()).filter(Boolean).slice(0, MAX_COMPARE);
  return { filters, sort, view, plot: p.get('plot') || null, compare, area: parseArea(p.get('area')) };
}

export function urlOf(s, lang) {
  const q = new URLSearchParams();
  q.set('lang', lang);
  s.filters.forEach((v, k) => q.set(k, v));
  if (s.sort !== 'reference') q.set('sort', s.sort);
  if (s.area) q.set('area', formatArea(s.area));
  if (s.view) q.set('map', s.view.zoom.toFixed(2) + '/' + s.view.center[1].toFixed(5) + '/' + s.view.center[0].toFixed(5));
  if (s.plot) q.set('plot', s.plot);
  if (s.compare.length) q.set('compare', s.compare.join(','));
  return '/?' + q.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
}

export function writeForm(form, sortSelect, s) {
  Array.from(form.elements).forEach((input) => {
    if (!input.name || FILTERS.indexOf(input.name) < 0) return;
    const v = s.filters.get(input.name) || '';
    if (input.type === 'checkbox') {
      input.checked = input.name === 'zoning' || input.name === 'status' ? v.split(',').indexOf(input.value) >= 0 : v === input.value;
    } else if (input.tagName === 'SELECT') {
      // An option the list does not have yet (estates load later) is kept for when it does.
      input.dataset.wanted = v;
      input.value = v;
    } else {
      input.value = v;
    }
  });
  sortSelect.value = s.sort;
  // Filters that are set open the "more filters" box, so nothing set is hidden.
  const more = document.getElementById('more-filters');
  if (Array.from(more.querySelectorAll('[name]')).some((i) => s.filters.has(i.name))) more.open = true;
  document.getElementById('bbox-note').hidden = !s.filters.has('bbox');
  document.getElementById('area-note').hidden = !s.area;
}

export function readForm(form) {
  const filters = new URLSearchParams();
  const lists = {};
  Array.from(form.elements).forEach((input) => {
    if (!input.name || FILTERS.indexOf(input.name) < 0) return;
    if (input.type === 'checkbox') {
      if (!input.checked) return;
      if (input.name === 'zoning' || input.name === 'status') (lists[input.name] = lists[input.name] || []).push(input.value);
      else filters.set(input.name, input.value);
      return;
    }
    const v = String(input.value || '').trim();
    if (v !== '') filters.set(input.name, v);
  });
  Object.keys(lists).forEach((k) => filters.set(k, lists[k].join(',')));
  return filters;
}

export function apiQuery(s, extra) {
  const q = new URLSearchParams(s.filters);
  if (s.sort !== 'reference') q.set('sort', s.sort);
  Object.keys(extra || {}).forEach((k) => q.set(k, extra[k]));
  return q.toString().replace(/%2C/g, ',');
}

// The drawn-area search (POST /plots/search) takes the same parameters in a JSON body, typed;
// without an area it is the body of a saved search's filters (portal-alerts.js).
const NUMBERS = ['area_min', 'area_max', 'min_broadband_mbit', 'max_dist_motorway_km', 'limit'];
const BOOLEANS = ['rail_siding', 'heavy_vehicle_access', 'grw_area', 'price_on_request'];

export function searchBody(s, extra) {
  const body = s.area ? { geometry: areaPolygon(s.area), relation: 'intersects' } : {};
  new URLSearchParams(apiQuery(s, extra)).forEach((v, k) => {
    body[k] = NUMBERS.indexOf(k) >= 0 && v !== '' && isFinite(v) ? Number(v) : BOOLEANS.indexOf(k) >= 0 ? v === 'true' : v;
  });
  return body;
}

// The map draws every match from the tiles (the list is a page of them): the same filters as
// the list's GET /plots; a drawn area narrows the tiles to its extent (the list to the area).
export function tileQuery(s) {
  const q = new URLSearchParams(s.filters);
  if (s.area && !q.has('bbox')) q.set('bbox', areaExtent(s.area).join(','));
  return q.toString().replace(/%2C/g, ',');
}
