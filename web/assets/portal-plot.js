/*
 * How the portal shows a plot in the result list and the plot card, in the page's language:
 * the texts, price and indicative total, key facts and the line of badges; and the map layers
 * of the results (a GeoJSON source `results` with feature ids, and `result-points`). Used by portal.js.
 */
import { el, statusMatch, STATUS_STYLE, labelPoint } from './map.js';

const TEXTS = {
  de: {
    status: { available: 'verfügbar', reserved: 'reserviert', under_negotiation: 'in Verhandlung', sold: 'verkauft', planned: 'in Planung' },
    count: { 0: 'Keine Fläche gefunden', 1: '1 Fläche gefunden', n: '{n} Flächen gefunden' },
    cluster: '{n} Flächen, {a} – hineinzoomen',
    countTotalArea: 'zusammen {a}',
    countMore: 'die ersten {n} werden gezeigt',
    loading: 'Suche läuft …',
    error: 'Die Suche ist fehlgeschlagen: {e}',
    noResults: 'Keine Fläche passt zu dieser Suche. Lockern Sie einen Filter oder setzen Sie die Filter zurück.',
    area: 'Fläche', zoning: 'Nutzungsart', price: 'Preis', availableFrom: 'verfügbar ab', total: 'Gesamtpreis ca.',
    priceOnRequest: 'Preis auf Anfrage', priceUnknown: 'keine Angabe',
    profile: 'Exposé', showOnMap: 'Auf der Karte zeigen', compare: 'Vergleichen',
    compareLink: '{n} Flächen vergleichen', compareOne: 'Eine weitere Fläche zum Vergleich wählen', compareMax: 'Höchstens vier Flächen',
    stand: 'Stand der Daten: bestätigt zwischen {a} und {b}', standOne: 'Stand der Daten: {a}',
    stale: '{n} davon älter als {d} Tage', staleBadge: 'Daten älter als {d} Tage', standItem: 'Stand {d}',
    close: 'Schließen', demo: 'Demo', railSiding: 'Gleisanschluss', selected: 'ausgewählt',
    mapAreaOn: 'Kartenausschnitt'
  },
  en: {
    status: { available: 'available', reserved: 'reserved', under_negotiation: 'under negotiation', sold: 'sold', planned: 'planned' },
    count: { 0: 'No plot found', 1: '1 plot found', n: '{n} plots found' },
    cluster: '{n} plots, {a} – zoom in',
    countTotalArea: '{a} in all',
    countMore: 'showing the first {n}',
    loading: 'Searching …',
    error: 'The search failed: {e}',
    noResults: 'No plot matches this search. Relax a filter or reset the filters.',
    area: 'Area', zoning: 'Zoning', price: 'Price', availableFrom: 'available from', total: 'Total approx.',
    priceOnRequest: 'Price on request', priceUnknown: 'not stated',
    profile: 'Plot profile', showOnMap: 'Show on map', compare: 'Compare',
    compareLink: 'Compare {n} plots', compareOne: 'Choose one more plot to compare', compareMax: 'Four plots at most',
    stand: 'Data confirmed between {a} and {b}', standOne: 'Data as of {a}',
    stale: '{n} of them older than {d} days', staleBadge: 'data older than {d} days', standItem: 'as of {d}',
    close: 'Close', demo: 'Demo', railSiding: 'rail siding', selected: 'selected',
    mapAreaOn: 'map area'
  }
};

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(values[k]));
}

// `fmt` is map.js's formats(lang); `staleDays` is GWF_STALE_AFTER_DAYS.
export function plotViews(lang, fmt, staleDays) {
  const TEXT = TEXTS[lang];
  const STALE_DAYS = staleDays;

  function priceText(p) {
    if (p.price_on_request) return TEXT.priceOnRequest;
    if (p.price_min_eur_m2 === null || p.price_min_eur_m2 === undefined) return TEXT.priceUnknown;
    return fmt.pricePerM2(Number(p.price_min_eur_m2), p.price_max_eur_m2 === null ? null : Number(p.price_max_eur_m2));
  }

  // Area × price per m², rounded to thousands: an indication, as the profile shows it.
  function totalText(p) {
    if (p.price_on_request || p.price_min_eur_m2 === null || p.price_min_eur_m2 === undefined || !p.area_m2) return null;
    const round = (v) => Math.round(v / 1000) * 1000;
    const lo = round(p.area_m2 * Number(p.price_min_eur_m2));
    const hiPrice = p.price_max_eur_m2 !== null && p.price_max_eur_m2 !== undefined && Number(p.price_max_eur_m2) > Number(p.price_min_eur_m2) ? Number(p.price_max_eur_m2) : Number(p.price_min_eur_m2);
    const hi = round(p.area_m2 * hiPrice);
    return lo === hi ? fmt.euros(lo) : fmt.euros(lo) + ' – ' + fmt.euros(hi);
  }

  function titleOf(p) {
    return (lang === 'en' ? p.title_en || p.title_de : p.title_de || p.title_en) || p.reference;
  }

  function profileUrl(p) {
    return '/plots/' + encodeURIComponent(p.reference) + '/profile?lang=' + lang;
  }

  function badge(status) {
    return el('span', { className: 'badge status-' + status, text: TEXT.status[status] || status });
  }

  function facts(p) {
    const dl = el('dl', { className: 'result-facts' });
    const rows = [[TEXT.area, fmt.area(p.area_m2)], [TEXT.zoning, p.zoning], [TEXT.price, priceText(p)]];
    const total = totalText(p);
    if (total) rows.push([TEXT.total, total]);
    if (p.available_from) rows.push([TEXT.availableFrom, fmt.date(p.available_from)]);
    rows.forEach((r) => dl.appendChild(el('div', {}, [el('dt', { text: r[0] }), el('dd', { text: r[1] })])));
    return dl;
  }

  function meta(p) {
    const bits = [p.reference, p.municipality_name, p.estate_name].filter(Boolean).join(' · ');
    const line = el('p', { className: 'result-meta' }, [badge(p.status), ' ', bits]);
    if (p.rail_siding) line.appendChild(el('span', { className: 'tag', text: TEXT.railSiding }));
    if (p.demo) line.appendChild(el('span', { className: 'tag', text: TEXT.demo }));
    if (Number(p.data_age_days) > STALE_DAYS) line.appendChild(el('span', { className: 'tag tag-stale', text: fill(TEXT.staleBadge, { d: STALE_DAYS }) }));
    return line;
  }

  return { TEXT, fill, priceText, totalText, titleOf, profileUrl, badge, facts, meta };
}

// ---- the results on the map -------------------------------------------------------------------

// The outlines come from the plot tiles (source `plots`, layer `plots`, from zoom 10; clusters
// below), so the map shows every match however many there are; the dots (source
// `result-points`) mark the listed page's plots, so a small plot stays findable zoomed out and a
// highlighted result is visible even among the clusters.
export function addResultLayers(map, before) {
  const selected = ['boolean', ['feature-state', 'selected'], false];
  const hover = ['boolean', ['feature-state', 'hover'], false];
  const tiles = { source: 'plots', 'source-layer': 'plots' };
  map.addLayer(Object.assign({ id: 'plots-fill', type: 'fill',
    paint: {
      'fill-color': statusMatch('fill', '#888888'),
      'fill-opacity': ['case', selected, 0.9, hover, 0.85, ['==', ['get', 'status'], 'sold'], 0.45, 0.7]
    } }, tiles), before);
  map.addLayer(Object.assign({ id: 'plots-line', type: 'line', filter: ['!=', ['get', 'status'], 'planned'],
    paint: { 'line-color': statusMatch('line', '#444444'), 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.8, 16, 2] } }, tiles), before);
  map.addLayer(Object.assign({ id: 'plots-line-planned', type: 'line', filter: ['==', ['get', 'status'], 'planned'],
    paint: { 'line-color': STATUS_STYLE.planned.line, 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 1, 16, 2.5], 'line-dasharray': [2, 1.5] } }, tiles), before);
  map.addLayer(Object.assign({ id: 'plots-highlight-halo', type: 'line',
    paint: { 'line-color': '#ffffff', 'line-width': 7, 'line-opacity': ['case', selected, 1, hover, 0.9, 0] } }, tiles), before);
  map.addLayer(Object.assign({ id: 'plots-highlight', type: 'line',
    paint: { 'line-color': '#1a1a1a', 'line-width': ['case', selected, 3.5, 2.5], 'line-opacity': ['case', selected, 1, hover, 1, 0] } }, tiles), before);
  // Among the clusters (zoom < 10) only the highlighted result's dot.
  const shown = ['step', ['zoom'], ['case', selected, 1, hover, 1, 0], 10, 1];
  map.addLayer({ id: 'plots-dot', type: 'circle', source: 'result-points', maxzoom: 12.5,
    paint: {
      'circle-radius': ['case', selected, 7, hover, 7, 5], 'circle-color': statusMatch('fill', '#888888'),
      'circle-stroke-color': ['case', selected, '#1a1a1a', hover, '#1a1a1a', '#ffffff'], 'circle-stroke-width': ['case', selected, 2.5, hover, 2.5, 1.5],
      'circle-opacity': shown, 'circle-stroke-opacity': shown
    } });
}

export function points(fc) {
  return {
    type: 'FeatureCollection',
    features: (fc.features || []).filter((f) => f.geometry).map((f) => ({
      type: 'Feature', id: f.id, properties: { id: f.id, status: f.properties.status, reference: f.properties.reference },
      geometry: { type: 'Point', coordinates: labelPoint(f.geometry) || [0, 0] }
    }))
  };
}
