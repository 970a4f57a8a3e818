/*
 * Embeddable map of the commercial plots (GET /embed) and its kiosk mode (/embed?kiosk=1).
 *
 * Plain browser JavaScript, no build step. Everything is loaded from this page's own origin:
 * MapLibre GL JS (/assets/maplibre-gl.js, vendored), the plots as vector tiles
 * (/tiles/plots/{z}/{x}/{y}.mvt via /tiles/plots.json), the outlines of municipalities and
 * estates as GeoJSON. The style has no glyphs and no sprite (no text symbol layers: labels,
 * legend, popups and the kiosk card are HTML), so nothing is requested from another host --
 * unless the operator configured an online basemap (`basemapStyle` in the page's JSON block
 * #gwf-config: no inline script, so the page's CSP forbids them all), which is
 * then drawn underneath; if it cannot be loaded, the plain background is used.
 *
 * URL parameters: see web/README.md. For tests the page exposes window.gwfMap (the MapLibre
 * map) and window.gwfApp (state), and sets data-gwf-state="ready" on <html> once the plots are
 * drawn.
 */
import {
  ORIGIN, STATUSES, ZONINGS, STATUS_STYLE, statusMatch, MAPLIBRE_LOCALE, readConfig, el, fetchJSON, fetchCollection,
  loadBasemap as loadStyle, plainStyle, extentOf, labelPoint, usableBounds, addOutlineLayers, addClusterLayer
} from './map.js';
import { inquiryButton } from './inquiry.js';
import { shortlistButton, mountTray } from './shortlist.js';
import { addPhoto, addKioskPhoto } from './embed-media.js';

(function () {
  'use strict';

  var CONFIG = readConfig();
  var params = new URLSearchParams(window.location.search);

  // ---- vocabularies, colours, texts -------------------------------------------------------

  var TEXT = {
    de: {
      locale: 'de-DE',
      pageTitle: 'Gewerbeflächen – Karte',
      mapLabel: 'Karte der Gewerbeflächen',
      title: 'Gewerbeflächen',
      legend: 'Legende',
      status: { available: 'verfügbar', reserved: 'reserviert', under_negotiation: 'in Verhandlung', sold: 'verkauft', planned: 'in Planung' },
      zoning: { GI: 'Industriegebiet', GE: 'Gewerbegebiet', 'GE-e': 'eingeschränktes Gewerbegebiet', MI: 'Mischgebiet', MU: 'Urbanes Gebiet', SO: 'Sondergebiet' },
      municipalityOutline: 'Gemeinde',
      estateOutline: 'Gewerbe-/Industriegebiet',
      clusterLegend: 'Flächen in der Nähe (Anzahl; Klick zoomt hinein)',
      clusterLabel: function (n, area) { return n + (n === 1 ? ' Fläche, ' : ' Flächen, ') + area + ' – hineinzoomen'; },
      fStatus: 'Status',
      fZoning: 'Nutzungsart',
      fArea: 'Fläche',
      fPrice: 'Preis',
      fMunicipality: 'Gemeinde',
      fEstate: 'Gebiet',
      fStand: 'Stand',
      priceOnRequest: 'Preis auf Anfrage',
      priceUnknown: 'keine Angabe',
      perM2: '€/m²',
      openProfile: 'Exposé öffnen',
      newTab: '(öffnet in neuem Tab)',
      overview: 'Übersicht',
      otherLang: 'English',
      otherLangCode: 'en',
      kioskHint: 'Tippen Sie auf eine Fläche für Details',
      kioskOf: 'Fläche {i} von {n}',
      availableCount: '{n} verfügbare Flächen',
      noPlots: 'Für diese Auswahl gibt es keine Flächen.',
      loadError: 'Die Karte konnte nicht geladen werden. Neuer Versuch in wenigen Sekunden …',
      webglError: 'Dieser Browser kann die Karte nicht darstellen (WebGL ist nicht verfügbar).',
      badParam: 'Ungültige Angabe ignoriert: {p}',
      close: 'Schließen',
      estate: 'Gewerbegebiet',
      grossArea: 'Bruttofläche',
      netArea: 'Nettobaufläche',
      zoningSummary: 'Nutzungsarten',
      bplan: 'Bebauungsplan',
      bplanLegal: 'rechtskräftig seit {d}',
      bplanOpen: 'Planunterlagen',
      motorway: 'Autobahn',
      railStation: 'Bahnhof',
      port: 'Hafen',
      airport: 'Flughafen',
      broadband: 'Breitband',
      fibre: 'Glasfaser',
      yes: 'ja',
      no: 'nein',
      location: 'Lage',
      plots: 'Flächen',
      noPlots: 'Keine Flächen in dieser Auswahl.',
      // After a value a plot shows from its estate (it states none of its own).
      fromEstate: '(Gewerbegebiet)',
      fromEstateTitle: 'Angabe des Gewerbegebiets',
      openEstateProfile: 'Gebietsexposé öffnen'
    },
    en: {
      locale: 'en-GB',
      pageTitle: 'Commercial land – map',
      mapLabel: 'Map of commercial plots',
      title: 'Commercial land',
      legend: 'Legend',
      status: { available: 'available', reserved: 'reserved', under_negotiation: 'under negotiation', sold: 'sold', planned: 'planned' },
      zoning: { GI: 'industrial area', GE: 'commercial area', 'GE-e': 'restricted commercial area', MI: 'mixed area', MU: 'urban area', SO: 'special area' },
      municipalityOutline: 'Municipality',
      estateOutline: 'Business / industrial estate',
      clusterLegend: 'Plots nearby (number; click to zoom in)',
      clusterLabel: function (n, area) { return n + (n === 1 ? ' plot, ' : ' plots, ') + area + ' – zoom in'; },
      fStatus: 'Status',
      fZoning: 'Zoning',
      fArea: 'Area',
      fPrice: 'Price',
      fMunicipality: 'Municipality',
      fEstate: 'Estate',
      fStand: 'Data as of',
      priceOnRequest: 'Price on request',
      priceUnknown: 'not stated',
      perM2: 'per m²',
      openProfile: 'Open plot profile',
      newTab: '(opens in a new tab)',
      overview: 'Overview',
      otherLang: 'Deutsch',
      otherLangCode: 'de',
      kioskHint: 'Tap a plot for details',
      kioskOf: 'Plot {i} of {n}',
      availableCount: '{n} plots available',
      noPlots: 'No plots match this selection.',
      loadError: 'The map could not be loaded. Trying again in a few seconds …',
      webglError: 'This browser cannot display the map (WebGL is not available).',
      badParam: 'Invalid value ignored: {p}',
      close: 'Close',
      estate: 'Business estate',
      grossArea: 'Gross area',
      netArea: 'Net building land',
      zoningSummary: 'Zoning',
      bplan: 'Land-use plan',
      bplanLegal: 'in force since {d}',
      bplanOpen: 'Plan documents',
      motorway: 'Motorway',
      railStation: 'Railway station',
      port: 'Port',
      airport: 'Airport',
      broadband: 'Broadband',
      fibre: 'Fibre',
      yes: 'yes',
      no: 'no',
      location: 'Location',
      plots: 'Plots',
      noPlots: 'No plots in this selection.',
      fromEstate: '(estate)',
      fromEstateTitle: 'Stated for the estate',
      openEstateProfile: 'Open estate profile'
    }
  };

  var lang = params.get('lang') === 'en' ? 'en' : 'de';
  function t(key) { return TEXT[lang][key]; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }

  // ---- URL parameters ---------------------------------------------------------------------

  var notices = [];

  function intParam(value, min, max) {
    if (value === null || !/^-?\d+$/.test(value.trim())) return null;
    var n = parseInt(value, 10);
    return n >= min && n <= max ? n : null;
  }

  function numbers(value, count) {
    if (value === null) return null;
    var parts = value.split(',').map(function (s) { return s.trim(); });
    if (parts.length !== count) return null;
    var out = parts.map(Number);
    return out.every(function (n, i) { return parts[i] !== '' && isFinite(n); }) ? out : null;
  }

  // Filters passed through to the tiles and the search API. Invalid values are dropped (and
  // named in a notice) rather than failing the whole map.
  function readFilters() {
    var out = new URLSearchParams();
    var lists = {
      municipality: function (v) { return /^[1-9]\d{0,17}$/.test(v); },
      estate: function (v) { return /^[1-9]\d{0,17}$/.test(v); },
      status: function (v) { return STATUSES.indexOf(v) >= 0; },
      zoning: function (v) { return ZONINGS.indexOf(v) >= 0; }
    };
    Object.keys(lists).forEach(function (name) {
      var raw = params.get(name);
      if (raw === null || raw.trim() === '') return;
      var good = [];
      raw.split(',').forEach(function (v) {
        v = v.trim();
        if (v === '') return;
        if (lists[name](v)) { if (good.indexOf(v) < 0) good.push(v); } else notices.push(name + '=' + v);
      });
      if (good.length) out.set(name, good.join(','));
    });
    ['area_min', 'area_max'].forEach(function (name) {
      var raw = params.get(name);
      if (raw === null || raw.trim() === '') return;
      var a = Number(raw);
      if (isFinite(a) && a >= 0) out.set(name, String(a)); else notices.push(name + '=' + raw);
    });
    if (out.has('area_min') && out.has('area_max') && Number(out.get('area_min')) > Number(out.get('area_max'))) {
      notices.push('area_max=' + out.get('area_max'));
      out.delete('area_max');
    }
    return out;
  }

  var filters = readFilters();
  var filterList = function (name) { return filters.has(name) ? filters.get(name).split(',') : []; };
  var isKiosk = params.get('kiosk') === '1';

  function readView() {
    var center = numbers(params.get('center'), 2);
    var zoom = params.get('zoom') !== null ? Number(params.get('zoom')) : NaN;
    if (center && Math.abs(center[0]) <= 180 && Math.abs(center[1]) <= 85) {
      return { center: center, zoom: isFinite(zoom) && zoom >= 0 && zoom <= 22 ? zoom : 14 };
    }
    if (params.get('center') !== null) notices.push('center=' + params.get('center'));
    var bbox = numbers(params.get('bbox'), 4);
    if (bbox && bbox[0] < bbox[2] && bbox[1] < bbox[3] && Math.abs(bbox[0]) <= 180 && Math.abs(bbox[2]) <= 180 &&
        Math.abs(bbox[1]) <= 85.06 && Math.abs(bbox[3]) <= 85.06) {
      return { bounds: bbox };
    }
    if (params.get('bbox') !== null) notices.push('bbox=' + params.get('bbox'));
    return null;
  }

  var requestedView = readView();

  function positiveMs(name, fallback) {
    var n = intParam(params.get(name), 200, 24 * 3600 * 1000);
    return n === null ? fallback : n;
  }
  var KIOSK_INTERVAL_MS = positiveMs('kiosk_interval_ms', 8000);
  var KIOSK_IDLE_MS = positiveMs('kiosk_idle_ms', 60000);

  // ---- formatting ------------------------------------------------------------------------

  function nf(digits) {
    return new Intl.NumberFormat(t('locale'), { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function formatArea(m2) {
    if (m2 === null || m2 === undefined || !isFinite(m2)) return '–';
    var sqm = nf(0).format(Math.round(m2)) + '\u00a0m²';
    if (m2 < 10000) return sqm;
    return nf(2).format(m2 / 10000) + '\u00a0ha (' + sqm + ')';
  }

  function formatPrice(p) {
    if (p.price_on_request) return t('priceOnRequest');
    if (p.price_min === null || !isFinite(p.price_min)) return t('priceUnknown');
    var f = nf(2);
    var range = f.format(p.price_min);
    if (p.price_max !== null && isFinite(p.price_max) && p.price_max !== p.price_min) range += '–' + f.format(p.price_max);
    return lang === 'de' ? range + '\u00a0€/m²' : '€' + range + ' per m²';
  }

  function formatZoning(z) {
    var name = t('zoning')[z];
    return name ? z + ' – ' + name : (z || '–');
  }

  function num(v) {
    if (v === null || v === undefined || v === '') return null;
    var n = typeof v === 'number' ? v : parseFloat(v);
    return isFinite(n) ? n : null;
  }

  // One shape for plots from vector tiles (price_min_eur, numbers) and from the search API
  // (price_min_eur_m2, decimal strings).
  function normalizePlot(props, id) {
    var por = props.price_on_request;
    return {
      id: props.id !== undefined ? Number(props.id) : id,
      reference: props.reference || '',
      title_de: props.title_de || '',
      title_en: props.title_en || '',
      status: props.status || '',
      zoning: props.zoning || '',
      area_m2: num(props.area_m2),
      price_min: num(props.price_min_eur !== undefined ? props.price_min_eur : props.price_min_eur_m2),
      price_max: num(props.price_max_eur !== undefined ? props.price_max_eur : props.price_max_eur_m2),
      price_on_request: por === true || por === 'true' || por === 1,
      municipality_name: props.municipality_name || '',
      estate_name: props.estate_name || ''
    };
  }

  function plotTitle(p) {
    return (lang === 'en' ? p.title_en || p.title_de : p.title_de || p.title_en) || p.reference;
  }

  function profileUrl(p) {
    return ORIGIN + '/plots/' + encodeURIComponent(p.reference) + '/profile?lang=' + lang;
  }

  // ---- DOM helpers -------------------------------------------------------------------------

  function statusBadge(status) {
    return el('span', { className: 'badge status-' + status, text: t('status')[status] || status });
  }

  // The place names at the end of a card's key facts (once: a card built from the search API
  // has them already).
  function addPlaceFacts(facts, p) {
    [[t('fMunicipality'), p.municipality_name, 'municipality'], [t('fEstate'), p.estate_name, 'estate']].forEach(function (r) {
      if (!r[1] || facts.querySelector('dd[data-fact="' + r[2] + '"]')) return;
      facts.appendChild(el('dt', { text: r[0] }));
      facts.appendChild(el('dd', { text: r[1], 'data-fact': r[2] }));
    });
  }

  // Key facts as a <dl>; used by the popup and the kiosk card.
  function plotCard(p, opts) {
    var facts = el('dl', { className: 'facts' });
    var rows = [
      [t('fZoning'), formatZoning(p.zoning)],
      [t('fArea'), formatArea(p.area_m2)],
      [t('fPrice'), formatPrice(p)]
    ];
    rows.forEach(function (r) {
      if (!r[1]) return;
      facts.appendChild(el('dt', { text: r[0] }));
      facts.appendChild(el('dd', { text: r[1] }));
    });
    addPlaceFacts(facts, p);
    var head = el('div', { className: 'plot-head' }, [
      el('span', { className: 'plot-ref', text: p.reference }), statusBadge(p.status)
    ]);
    var children = [head, el('h2', { className: 'plot-title', text: plotTitle(p) }), facts];
    if (opts && opts.link) {
      children.push(el('a', {
        className: 'profile-link', href: profileUrl(p), target: '_blank', rel: 'noopener',
        title: t('openProfile') + ' ' + t('newTab')
      }, [t('openProfile') + ' ↗']));
    }
    // Side by side, so the card grows by no more than the inquiry button did alone.
    children.push(el('div', { className: 'card-actions' }, [
      // The title as it is when clicked: a popup's fills in after its plot arrives.
      shortlistButton(p.reference, lang, function () { return plotTitle(p); }),
      inquiryButton(p.reference, lang, isKiosk ? 'kiosk' : 'embed')
    ]));
    return el('div', { className: 'plot-card', 'data-reference': p.reference }, children);
  }

  // ---- location facts and estates ----------------------------------------------------------

  // Estates as /estates?f=geojson lists them (published ones only for the public), by id.
  var estateById = {};
  // The estate whose panel is open: { id, plots } (plots null while loading).
  var currentEstate = null;

  function formatKm(v) { return nf(1).format(v) + '\u00a0km'; }

  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return iso || '';
    return lang === 'de' ? m[3] + '.' + m[2] + '.' + m[1] : iso;
  }

  function present(v) { return v !== null && v !== undefined && v !== ''; }

  // The location-facts rule (domain::place::location_for_plot, which the profile pages apply):
  // a plot shows its estate's value for each location fact it leaves empty, marked as the
  // estate's; its own value wins. The named junction, station, port and airport are always the
  // estate's (plots name none). Without `plot`, an estate's own facts, none marked.
  // Rows: [label, text, fromEstate, suffix].
  function locationRows(plot, estate) {
    var rows = [];
    function pick(key) {
      if (plot && present(plot[key])) return { value: plot[key], fromEstate: false };
      if (estate && present(estate[key])) return { value: estate[key], fromEstate: !!plot };
      return null;
    }
    var b = pick('broadband_mbit');
    if (b) rows.push([t('broadband'), b.value + '\u00a0Mbit/s', b.fromEstate, '']);
    var f = pick('fibre');
    if (f) rows.push([t('fibre'), f.value ? t('yes') : t('no'), f.fromEstate, '']);
    [['motorway', 'dist_motorway_km', 'motorway_junction'], ['railStation', 'dist_rail_station_km', 'rail_station'],
      ['port', 'dist_port_km', 'port'], ['airport', 'dist_airport_km', 'airport']].forEach(function (d) {
      var dist = pick(d[1]);
      var name = estate && present(estate[d[2]]) ? estate[d[2]] : '';
      if (!dist && !name) return;
      if (dist) rows.push([t(d[0]), formatKm(Number(dist.value)), dist.fromEstate, name ? ' · ' + name : '']);
      else rows.push([t(d[0]), name, false, '']);
    });
    return rows;
  }

  function factList(rows, className) {
    var dl = el('dl', { className: 'facts' + (className ? ' ' + className : '') });
    rows.forEach(function (r) {
      var dd = el('dd', {}, [r[1]]);
      if (r[2]) dd.appendChild(el('span', { className: 'inherited', title: t('fromEstateTitle'), text: ' ' + t('fromEstate') }));
      if (r[3]) dd.appendChild(document.createTextNode(r[3]));
      dl.appendChild(el('dt', { text: r[0] }));
      dl.appendChild(dd);
    });
    return dl;
  }

  // Once the plot's record has arrived: its title and place names (vector tiles carry neither:
  // docs/api.md, "Vector tiles"), and its location facts under its key facts. `p` is the plot the
  // card was made of; it takes the names too, so the card's buttons see them.
  function addLocation(card, p) {
    var plotId = p.id;
    if (plotId === null || plotId === undefined) return Promise.resolve();
    return fetchJSON('/plots/' + encodeURIComponent(plotId)).then(function (plot) {
      ['title_de', 'title_en', 'municipality_name', 'estate_name'].forEach(function (key) {
        if (!p[key] && plot[key]) p[key] = plot[key];
      });
      var heading = card.querySelector('.plot-title');
      if (heading) heading.textContent = plotTitle(p);
      var facts = card.querySelector('dl.facts');
      if (facts) addPlaceFacts(facts, p);
      card.setAttribute('data-names', 'ready');
      if (addPhoto(card, plot, lang, 'small')) keepPopupInView();
      var estate = present(plot.estate_id) ? estateById[plot.estate_id] || null : null;
      var rows = locationRows(plot, estate);
      // "Stand": the date the data was last confirmed, so an investor sees how current it is.
      if (present(plot.data_confirmed_on)) rows.push([t('fStand'), formatDate(plot.data_confirmed_on), false, '']);
      if (!rows.length) return;
      var list = factList(rows, 'location-facts');
      var link = card.querySelector('.profile-link');
      card.insertBefore(list, link);
      card.setAttribute('data-location', 'ready');
      keepPopupInView();
    }).catch(function (e) { console.warn('plot details unavailable', e); });
  }

  // A popup taller than the room left below (or above) its point runs off the map: move the map
  // so it is in view, its top first.
  function keepPopupInView() {
    if (!popup || !popup.getElement()) return;
    var box = popup.getElement().getBoundingClientRect();
    var area = map.getContainer().getBoundingClientRect();
    var dy = 0, dx = 0;
    if (box.bottom > area.bottom - 8) dy = box.bottom - area.bottom + 8;
    if (box.top - dy < area.top + 8) dy = box.top - area.top - 8;
    if (box.right > area.right - 8) dx = box.right - area.right + 8;
    if (box.left - dx < area.left + 8) dx = box.left - area.left - 8;
    if (dx || dy) map.panBy([dx, dy], { duration: 300 });
  }

  function estateText(e, key) {
    return (lang === 'en' ? e[key + '_en'] || e[key + '_de'] : e[key + '_de'] || e[key + '_en']) || '';
  }

  function matchesFilters(p) {
    var statuses = filterList('status'), zonings = filterList('zoning');
    var area = present(p.area_stated_m2) ? p.area_stated_m2 : p.area_computed_m2;
    if (statuses.length && statuses.indexOf(p.status) < 0) return false;
    if (zonings.length && zonings.indexOf(p.zoning) < 0) return false;
    if (filters.has('area_min') && area < Number(filters.get('area_min'))) return false;
    if (filters.has('area_max') && area > Number(filters.get('area_max'))) return false;
    return true;
  }

  function estatePanelContent(e) {
    var rows = [];
    if (present(e.gross_area_m2)) rows.push([t('grossArea'), formatArea(e.gross_area_m2), false, '']);
    if (present(e.net_area_m2)) rows.push([t('netArea'), formatArea(e.net_area_m2), false, '']);
    if (present(e.zoning_summary)) rows.push([t('zoningSummary'), e.zoning_summary, false, '']);
    if (present(e.bplan_name) || present(e.bplan_number)) {
      var plan = e.bplan_name || e.bplan_number;
      if (present(e.bplan_legal_date)) plan += ', ' + fill(t('bplanLegal'), { d: formatDate(e.bplan_legal_date) });
      rows.push([t('bplan'), plan, false, '']);
    }
    rows = rows.concat(locationRows(null, e));
    var children = [
      el('button', { type: 'button', className: 'panel-close', 'aria-label': t('close'), title: t('close'), text: '×' }),
      el('p', { className: 'panel-kind', text: t('estate') }),
      el('h2', { className: 'panel-title', text: e.name })
    ];
    var description = estateText(e, 'description');
    if (description) children.push(el('p', { className: 'estate-description', text: description }));
    if (rows.length) children.push(factList(rows, 'estate-facts'));
    // Links leave the map: not on a kiosk (it has no way back).
    if (!isKiosk && present(e.bplan_url) && /^https?:\/\//i.test(e.bplan_url)) {
      children.push(el('a', { className: 'bplan-link', href: e.bplan_url, target: '_blank', rel: 'noopener' }, [t('bplanOpen') + ' ↗']));
    }
    var plots = currentEstate.plots;
    children.push(el('h3', { className: 'panel-subtitle', text: t('plots') + (plots ? ' (' + plots.length + ')' : '') }));
    if (plots && !plots.length) children.push(el('p', { className: 'panel-empty', text: t('noPlots') }));
    if (plots && plots.length) {
      children.push(el('ul', { className: 'estate-plots' }, plots.map(function (p) {
        var area = present(p.area_stated_m2) ? p.area_stated_m2 : p.area_computed_m2;
        var title = (lang === 'en' ? p.title_en || p.title_de : p.title_de) || p.reference;
        return el('li', {}, [el('button', { type: 'button', className: 'estate-plot', 'data-reference': p.reference }, [
          el('span', { className: 'plot-ref', text: p.reference }),
          statusBadge(p.status),
          el('span', { className: 'estate-plot-title', text: title }),
          el('span', { className: 'estate-plot-area', text: formatArea(area) })
        ])]);
      })));
    }
    if (!isKiosk) {
      children.push(el('a', {
        className: 'profile-link', href: ORIGIN + '/estates/' + e.id + '/profile?lang=' + lang, target: '_blank', rel: 'noopener',
        title: t('openEstateProfile') + ' ' + t('newTab')
      }, [t('openEstateProfile') + ' ↗']));
    }
    return children;
  }

  function renderEstatePanel() {
    var panel = document.getElementById('estate-panel');
    if (!currentEstate || !estateById[currentEstate.id]) { panel.hidden = true; return; }
    var e = estateById[currentEstate.id];
    panel.textContent = '';
    estatePanelContent(e).forEach(function (c) { panel.appendChild(c); });
    panel.setAttribute('aria-label', e.name);
    panel.setAttribute('data-estate-id', String(e.id));
    panel.hidden = false;
  }

  function setEstateSelected(id) {
    if (!map || !map.getSource('estates')) return;
    if (currentEstate) map.setFeatureState({ source: 'estates', id: currentEstate.id }, { selected: false });
    if (id !== null) map.setFeatureState({ source: 'estates', id: id }, { selected: true });
  }

  function closeEstate() {
    setEstateSelected(null);
    currentEstate = null;
    app.estate = null;
    renderEstatePanel();
  }

  // The estate's facts and its plots (those the map's filters show) in the side panel.
  function openEstate(id) {
    if (!estateById[id]) return;
    setEstateSelected(id);
    currentEstate = { id: id, plots: null };
    app.estate = id;
    renderEstatePanel();
    fetchJSON('/estates/' + id).then(function (detail) {
      if (!currentEstate || currentEstate.id !== id) return;
      currentEstate.plots = (detail.plots || []).filter(matchesFilters);
      currentEstate.plots.sort(function (a, b) { return a.reference < b.reference ? -1 : 1; });
      renderEstatePanel();
    }).catch(function (err) {
      console.warn('estate plots unavailable', err);
      if (currentEstate && currentEstate.id === id) { currentEstate.plots = []; renderEstatePanel(); }
    });
  }

  // A plot chosen in the estate's list: fly there and open its popup.
  function showPlot(reference) {
    return fetchJSON('/plots/' + encodeURIComponent(reference) + '?f=geojson').then(function (feat) {
      var ext = extentOf([feat]);
      var at = labelPoint(feat.geometry) || (ext && [(ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2]);
      if (!ext || !at) return;
      var p = normalizePlot(feat.properties || {}, feat.id);
      var pad = padding();
      var panel = document.getElementById('estate-panel');
      var w = map.getContainer().clientWidth;
      // Keep the plot clear of the panel where there is room beside it.
      if (!panel.hidden && w > 700) pad.left += Math.min(panel.offsetWidth, w / 2);
      var opened = false;
      function open() { if (!opened) { opened = true; openPopup(p, at); } }
      map.once('moveend', open);
      setTimeout(open, 1500);
      map.fitBounds([[ext[0], ext[1]], [ext[2], ext[3]]], { padding: pad, maxZoom: 17, duration: 700 });
    }).catch(function (e) { console.warn('plot unavailable', e); });
  }

  function bindEstatePanel() {
    var panel = document.getElementById('estate-panel');
    panel.addEventListener('click', function (ev) {
      if (ev.target.closest('.panel-close')) { closeEstate(); return; }
      var item = ev.target.closest('.estate-plot');
      if (item) showPlot(item.getAttribute('data-reference'));
    });
  }

  function showNotice(text, sticky) {
    var box = document.getElementById('notice');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(showNotice.timer);
    if (!sticky) showNotice.timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  function hideNotice() { document.getElementById('notice').hidden = true; }

  // ---- data --------------------------------------------------------------------------------

  function filterQuery(extra) {
    var q = new URLSearchParams(filters);
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    var s = q.toString();
    return s ? '?' + s : '';
  }

  // An online basemap style, if configured and reachable (5 s); otherwise null.
  function loadBasemap() { return loadStyle(CONFIG.basemapStyle); }

  // ---- map style ---------------------------------------------------------------------------

  var featureId = ['coalesce', ['get', 'id'], ['id']];

  function outlineFilters() {
    var munis = filterList('municipality').map(Number);
    var estates = filterList('estate').map(Number);
    var muniFilter = munis.length ? ['in', featureId, ['literal', munis]] : true;
    var estateFilter = estates.length ? ['in', featureId, ['literal', estates]]
      : munis.length ? ['in', ['get', 'municipality_id'], ['literal', munis]] : true;
    return { muni: muniFilter, estate: estateFilter };
  }

  function addOverlay(map, tilejson, municipalities, estates, onBasemap) {
    var f = outlineFilters();
    map.addSource('municipalities', { type: 'geojson', data: municipalities });
    map.addSource('estates', { type: 'geojson', data: estates });
    var source = {
      type: 'vector',
      // On this page's origin whatever host or scheme the server saw behind a proxy (an http://
      // template on an https:// page would be blocked as mixed content). Not via new URL(): it
      // would escape the {z}/{x}/{y} placeholders.
      tiles: tilejson.tiles.map(function (u) {
        var path = u.replace(/^https?:\/\/[^/]+/i, '');
        return ORIGIN + (path.charAt(0) === '/' ? '' : '/') + path;
      }),
      minzoom: tilejson.minzoom || 0,
      // Overzoom beyond 16: a z16 tile (≈ 600 m here) at 4096 units is finer than 20 cm.
      maxzoom: Math.min(typeof tilejson.maxzoom === 'number' ? tilejson.maxzoom : 16, 16),
      attribution: tilejson.attribution || undefined
    };
    map.addSource('plots', source);
    // Under a basemap's labels (its first symbol layer), if it has any.
    var firstSymbol = map.getStyle().layers.filter(function (l) { return l.type === 'symbol'; })[0];
    var before = firstSymbol ? firstSymbol.id : undefined;

    addOutlineLayers(map, f, onBasemap, before);
    map.addLayer({ id: 'plots-fill', type: 'fill', source: 'plots', 'source-layer': 'plots',
      paint: {
        'fill-color': statusMatch('fill', '#888888'),
        'fill-opacity': ['case',
          ['boolean', ['feature-state', 'selected'], false], 0.9,
          ['boolean', ['feature-state', 'hover'], false], 0.85,
          ['==', ['get', 'status'], 'sold'], 0.45, 0.7]
      } }, before);
    map.addLayer({ id: 'plots-line', type: 'line', source: 'plots', 'source-layer': 'plots',
      filter: ['!=', ['get', 'status'], 'planned'],
      paint: { 'line-color': statusMatch('line', '#444444'), 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.8, 16, 2] } }, before);
    map.addLayer({ id: 'plots-line-planned', type: 'line', source: 'plots', 'source-layer': 'plots',
      filter: ['==', ['get', 'status'], 'planned'],
      paint: { 'line-color': STATUS_STYLE.planned.line, 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 1, 16, 2.5], 'line-dasharray': [2, 1.5] } }, before);
    var selected = ['boolean', ['feature-state', 'selected'], false];
    map.addLayer({ id: 'plots-highlight-halo', type: 'line', source: 'plots', 'source-layer': 'plots',
      paint: { 'line-color': '#ffffff', 'line-width': isKiosk ? 10 : 7, 'line-opacity': ['case', selected, 1, 0] } }, before);
    map.addLayer({ id: 'plots-highlight', type: 'line', source: 'plots', 'source-layer': 'plots',
      paint: { 'line-color': '#1a1a1a', 'line-width': isKiosk ? 5 : 3.5, 'line-opacity': ['case', selected, 1, 0] } }, before);
  }

  function addClusters(map) {
    addClusterLayer(map, function (count, area) {
      return { label: t('clusterLabel')(count, formatArea(area)), text: nf(0).format(count) };
    });
  }

  // HTML labels for the municipalities (always) and estates (from zoom 13); no glyphs needed.
  function addLabels(map, municipalities, estates) {
    var f = outlineFilters();
    var munis = filterList('municipality').map(Number);
    var estateIds = filterList('estate').map(Number);
    var idOf = function (feat) { return Number(feat.properties && feat.properties.id !== undefined ? feat.properties.id : feat.id); };
    municipalities.features.forEach(function (feat) {
      if (f.muni !== true && munis.indexOf(idOf(feat)) < 0) return;
      // Below the town's estates (where its plots are, so in view when the map fits the plots);
      // the outline's centre for a town without estates.
      var own = estates.features.filter(function (e) { return Number((e.properties || {}).municipality_id) === idOf(feat); });
      var ext = own.length ? extentOf(own) : null;
      var p = ext ? [(ext[0] + ext[2]) / 2, ext[1]] : labelPoint(feat.geometry);
      if (!p) return;
      var node = el('div', { className: 'map-label municipality-label', 'aria-hidden': 'true', text: feat.properties.name });
      new maplibregl.Marker({ element: node, anchor: ext ? 'top' : 'center', offset: ext ? [0, 6] : [0, 0] }).setLngLat(p).addTo(map);
    });
    estates.features.forEach(function (feat) {
      var props = feat.properties || {};
      if (estateIds.length ? estateIds.indexOf(idOf(feat)) < 0 : munis.length && munis.indexOf(Number(props.municipality_id)) < 0) return;
      var ext = extentOf([feat]);
      if (!ext) return;
      // Above the estate's outline, so the label does not cover its plots.
      var node = el('div', { className: 'map-label estate-label', 'aria-hidden': 'true', text: props.name });
      new maplibregl.Marker({ element: node, anchor: 'bottom', offset: [0, -4] })
        .setLngLat([(ext[0] + ext[2]) / 2, ext[3]]).addTo(map);
    });
    var app = document.getElementById('app');
    function onZoom() {
      var z = map.getZoom();
      app.classList.toggle('show-estate-labels', z >= 13);
      app.classList.toggle('hide-municipality-labels', z >= 14.5);
    }
    map.on('zoom', onZoom);
    onZoom();
  }

  // ---- legend -------------------------------------------------------------------------------

  var facetCounts = null;

  function renderLegend() {
    var list = document.getElementById('legend-items');
    document.getElementById('legend-title').textContent = t('legend');
    list.textContent = '';
    var shown = filterList('status');
    STATUSES.forEach(function (s) {
      if (shown.length && shown.indexOf(s) < 0) return;
      var count = facetCounts && facetCounts[s] !== undefined ? facetCounts[s] : null;
      var label = t('status')[s] + (count !== null ? ' (' + count + ')' : '');
      list.appendChild(el('li', { 'data-status': s }, [
        el('span', { className: 'swatch swatch-' + s, 'aria-hidden': 'true' }),
        el('span', { className: 'legend-label', text: label })
      ]));
    });
    list.appendChild(el('li', { className: 'legend-cluster' }, [
      el('span', { className: 'swatch swatch-cluster', 'aria-hidden': 'true', text: '12' }), el('span', { text: t('clusterLegend') })
    ]));
    list.appendChild(el('li', { className: 'legend-outline' }, [
      el('span', { className: 'swatch swatch-estate', 'aria-hidden': 'true' }), el('span', { text: t('estateOutline') })
    ]));
    list.appendChild(el('li', { className: 'legend-outline' }, [
      el('span', { className: 'swatch swatch-municipality', 'aria-hidden': 'true' }), el('span', { text: t('municipalityOutline') })
    ]));
  }

  function loadFacets() {
    return fetchJSON('/plots/facets' + filterQuery()).then(function (f) {
      facetCounts = {};
      (f.status || []).forEach(function (row) { facetCounts[row.value] = row.count; });
      STATUSES.forEach(function (s) { if (facetCounts[s] === undefined) facetCounts[s] = 0; });
      renderLegend();
    }).catch(function (e) { console.warn('facets unavailable', e); });
  }

  // ---- state shared with tests -------------------------------------------------------------

  var app = {
    lang: function () { return lang; },
    filters: filters.toString(),
    kiosk: isKiosk,
    ready: false,
    highlighted: null, // reference of the plot highlighted by the kiosk cycle
    estate: null,      // id of the estate whose panel is open
    kioskState: null   // 'overview' | 'cycling' | 'interaction'
  };
  window.gwfApp = app;

  // ---- the map ------------------------------------------------------------------------------

  var map = null;
  var popup = null;
  var hoveredId = null;
  var selectedId = null;
  var homeView = null;

  function setSelected(id) {
    if (!map || !map.getSource('plots')) return;
    if (selectedId !== null) map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: selectedId }, { selected: false });
    selectedId = id;
    if (id !== null) map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: id }, { selected: true });
  }

  function padding() {
    var w = map ? map.getContainer().clientWidth : window.innerWidth;
    var base = w < 500 ? 20 : isKiosk ? 80 : 40;
    return { top: base, bottom: base, left: base, right: base };
  }

  function goHome(animate) {
    if (!map || !homeView) return;
    if (homeView.bounds) {
      map.fitBounds(homeView.bounds, { padding: padding(), maxZoom: 16, duration: animate ? 1500 : 0 });
    } else {
      map[animate ? 'flyTo' : 'jumpTo']({ center: homeView.center, zoom: homeView.zoom });
    }
  }

  function openPopup(plot, lngLat) {
    if (popup) popup.remove();
    popup = new maplibregl.Popup({ closeButton: true, closeOnClick: true, maxWidth: isKiosk ? '460px' : '320px', className: 'gwf-popup', focusAfterOpen: !isKiosk })
      .setLngLat(lngLat)
      .setDOMContent(plotCard(plot, { link: !isKiosk }))
      .addTo(map);
    popup.on('close', function () { setSelected(null); });
    setSelected(plot.id);
    addLocation(popup.getElement().querySelector('.plot-card'), plot);
  }

  function bindInteraction() {
    map.on('click', function (e) {
      if (map.queryRenderedFeatures(e.point, { layers: ['clusters'] }).length) return; // addClusters zooms
      var hits = map.queryRenderedFeatures(e.point, { layers: ['plots-fill'] });
      if (hits.length) {
        openPopup(normalizePlot(hits[0].properties, hits[0].id), e.lngLat);
        return;
      }
      // Beside the plots, inside an estate's outline: the estate.
      var estates = map.queryRenderedFeatures(e.point, { layers: ['estates-fill'] });
      if (estates.length) openEstate(Number(estates[0].id));
    });
    map.on('mousemove', 'estates-fill', function () { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'estates-fill', function () { map.getCanvas().style.cursor = ''; });
    bindEstatePanel();
    map.on('mousemove', 'plots-fill', function (e) {
      map.getCanvas().style.cursor = 'pointer';
      var id = e.features && e.features[0] ? e.features[0].id : null;
      if (id === hoveredId) return;
      if (hoveredId !== null) map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: hoveredId }, { hover: false });
      hoveredId = id;
      if (id !== null && id !== undefined) map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: id }, { hover: true });
    });
    map.on('mouseleave', 'plots-fill', function () {
      map.getCanvas().style.cursor = '';
      if (hoveredId !== null) map.setFeatureState({ source: 'plots', sourceLayer: 'plots', id: hoveredId }, { hover: false });
      hoveredId = null;
    });
  }

  function applyStaticTexts() {
    document.documentElement.lang = lang;
    document.title = t('pageTitle');
    document.getElementById('map').setAttribute('aria-label', t('mapLabel'));
    renderLegend();
  }

  function init(attempt) {
    applyStaticTexts();
    var tilesUrl = '/tiles/plots.json' + filterQuery();
    return Promise.all([
      fetchJSON(tilesUrl),
      fetchCollection('/municipalities?f=geojson'),
      fetchCollection('/estates?f=geojson'),
      loadBasemap()
    ]).then(function (r) {
      hideNotice();
      start(r[0], r[1], r[2], r[3]);
    }).catch(function (e) {
      console.error(e);
      showNotice(t('loadError'), true);
      // The server may be restarting (or the kiosk's network briefly gone): keep trying.
      setTimeout(function () { init(attempt + 1); }, Math.min(30000, 3000 * (attempt + 1)));
    });
  }

  function start(tilejson, municipalities, estates, basemap) {
    var f = outlineFilters();
    estates.features.forEach(function (feat) {
      var props = feat.properties || {};
      var id = Number(props.id !== undefined ? props.id : feat.id);
      props.id = id;
      estateById[id] = props;
    });
    var munis = filterList('municipality').map(Number);
    var selectionBounds = usableBounds(tilejson.bounds);
    if (!selectionBounds) {
      // Nothing matches: show the chosen municipalities (or all) instead of the whole world.
      var feats = municipalities.features.filter(function (feat) {
        return f.muni === true || munis.indexOf(Number(feat.properties.id !== undefined ? feat.properties.id : feat.id)) >= 0;
      });
      selectionBounds = extentOf(feats.length ? feats : municipalities.features) || [11.40, 53.25, 11.65, 53.42];
      showNotice(t('noPlots'), false);
    }
    homeView = requestedView || { bounds: selectionBounds };

    var options = {
      container: 'map',
      style: basemap || plainStyle(),
      locale: MAPLIBRE_LOCALE[lang],
      // On a kiosk the sources are written out: no small (i) button to tap; over a basemap
      // always (ODbL: © OpenStreetMap contributors on screen whenever it is drawn).
      attributionControl: { compact: !isKiosk && !basemap },
      maxZoom: 19,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      // In an iframe on a town's website, plain scrolling scrolls the page, Ctrl+wheel zooms.
      cooperativeGestures: !isKiosk && window.self !== window.top,
      fadeDuration: 0
    };
    if (homeView.bounds) {
      options.bounds = homeView.bounds;
      options.fitBoundsOptions = { padding: padding(), maxZoom: 16 };
    } else {
      options.center = homeView.center;
      options.zoom = homeView.zoom;
    }

    try {
      map = new maplibregl.Map(options);
    } catch (e) {
      console.error(e);
      showNotice(t('webglError'), true);
      return;
    }
    window.gwfMap = map;
    map.touchZoomRotate.disableRotation();
    map.keyboard.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    if (!isKiosk && document.fullscreenEnabled) map.addControl(new maplibregl.FullscreenControl(), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');

    map.on('error', function (e) {
      var msg = e && e.error && e.error.message ? e.error.message : '';
      if (/webgl/i.test(msg)) showNotice(t('webglError'), true);
      console.warn('map error', msg || e);
    });

    map.on('load', function () {
      addOverlay(map, tilejson, municipalities, estates, !!basemap);
      addClusters(map);
      addLabels(map, municipalities, estates);
      bindInteraction();
      map.once('idle', function () {
        app.ready = true;
        document.documentElement.setAttribute('data-gwf-state', 'ready');
        if (isKiosk) kiosk.start();
      });
    });
    loadFacets();
  }

  // ---- kiosk mode ---------------------------------------------------------------------------

  var kiosk = (function () {
    var plots = [];
    var index = -1;
    var cycleTimer = null;
    var idleTimer = null;
    var listLoadedAt = 0;
    var card = document.getElementById('kiosk-card');

    function statusesToCycle() {
      var wanted = filterList('status');
      return !wanted.length || wanted.indexOf('available') >= 0 ? ['available'] : wanted;
    }

    function loadList() {
      var fields = 'reference,title_de,title_en,status,zoning,area_m2,price_min_eur_m2,price_max_eur_m2,price_on_request,municipality_name,estate_name';
      // Stale plots (data older than GWF_STALE_AFTER_DAYS) stay off the tour: `fresh=true`.
      var q = filterQuery({ status: statusesToCycle().join(','), fresh: 'true', f: 'geojson', geometry_form: 'simplified', fields: fields, limit: '1000', sort: 'reference' });
      return fetchCollection('/plots' + q).then(function (fc) {
        plots = fc.features.filter(function (feat) { return feat.geometry; }).map(function (feat) {
          var p = normalizePlot(feat.properties || {}, feat.id);
          p.bounds = extentOf([feat]);
          return p;
        });
        listLoadedAt = Date.now();
      }).catch(function (e) { console.warn('kiosk list unavailable', e); });
    }

    function hideCard() {
      card.hidden = true;
      card.textContent = '';
      app.highlighted = null;
      document.documentElement.removeAttribute('data-kiosk-ref');
    }

    function showCard(p) {
      card.textContent = '';
      card.appendChild(plotCard(p, { link: false }));
      card.appendChild(el('p', { className: 'kiosk-counter', text: fill(t('kioskOf'), { i: index + 1, n: plots.length }) }));
      card.style.borderLeftColor = STATUS_STYLE[p.status] ? STATUS_STYLE[p.status].fill : '';
      card.hidden = false;
      app.highlighted = p.reference;
      document.documentElement.setAttribute('data-kiosk-ref', p.reference);
      // Landscape screens only: in portrait the card lies over the map, and a photo arriving
      // after the camera has framed the plot would cover it.
      if (window.innerWidth > window.innerHeight) addKioskPhoto(card, p.id, p.reference, lang);
    }

    function next() {
      if (!plots.length) return;
      index = (index + 1) % plots.length;
      var p = plots[index];
      if (popup) popup.remove();
      setSelected(p.id);
      showCard(p);
      if (p.bounds) {
        var pad = padding();
        // Keep the plot clear of the card (bottom on portrait screens, right on landscape).
        var landscape = map.getContainer().clientWidth > map.getContainer().clientHeight;
        if (landscape) pad.right += Math.min(card.offsetWidth, map.getContainer().clientWidth / 2);
        else {
          pad.bottom += Math.min(card.offsetHeight, map.getContainer().clientHeight / 2);
          pad.top += Math.min(document.getElementById('legend').offsetHeight, map.getContainer().clientHeight / 4);
        }
        // Never more padding than the map has room for (fitBounds would refuse to move).
        var w = map.getContainer().clientWidth, h = map.getContainer().clientHeight;
        var sx = Math.min(1, (w * 0.8) / (pad.left + pad.right)), sy = Math.min(1, (h * 0.8) / (pad.top + pad.bottom));
        pad = { left: pad.left * sx, right: pad.right * sx, top: pad.top * sy, bottom: pad.bottom * sy };
        map.fitBounds([[p.bounds[0], p.bounds[1]], [p.bounds[2], p.bounds[3]]],
          { padding: pad, maxZoom: 16.5, duration: Math.min(2500, Math.round(KIOSK_INTERVAL_MS * 0.4)), essential: true });
      }
    }

    function cycle() {
      clearTimeout(cycleTimer);
      app.kioskState = 'cycling';
      next();
      cycleTimer = setTimeout(cycle, KIOSK_INTERVAL_MS);
    }

    // Overview, then the first highlighted plot after one interval.
    function overview() {
      clearTimeout(cycleTimer);
      if (popup) popup.remove();
      closeEstate();
      setSelected(null);
      hideCard();
      index = -1;
      app.kioskState = 'overview';
      goHome(true);
      var reload = Date.now() - listLoadedAt > 5 * 60 * 1000 ? loadList() : Promise.resolve();
      reload.then(function () {
        if (app.kioskState === 'overview') cycleTimer = setTimeout(cycle, KIOSK_INTERVAL_MS);
      });
    }

    // Nobody touched the screen for a while: the next visitor starts with an empty shortlist.
    function idleReset() {
      tray.reset();
      overview();
    }

    function interacted(e) {
      clearTimeout(cycleTimer);
      clearTimeout(idleTimer);
      idleTimer = setTimeout(idleReset, KIOSK_IDLE_MS);
      if (app.kioskState === 'interaction') return;
      app.kioskState = 'interaction';
      // A touch on the card keeps it (to read it); anywhere else the cycle's highlight goes.
      var onCard = e && e.target && card.contains(e.target);
      if (!onCard) {
        setSelected(null);
        hideCard();
      }
    }

    function setLanguage(newLang) {
      lang = newLang;
      applyStaticTexts();
      tray.setLang(lang);
      renderKioskTexts();
      if (popup) popup.remove();
      var current = index >= 0 && !card.hidden ? plots[index] : null;
      if (current) showCard(current);
      renderEstatePanel();
      var url = new URL(window.location.href);
      url.searchParams.set('lang', lang);
      window.history.replaceState(null, '', url.href);
    }

    function renderKioskTexts() {
      var title = document.getElementById('kiosk-title');
      title.textContent = (app.regionName ? app.regionName + ' · ' : '') + t('title');
      var hint = document.getElementById('kiosk-hint');
      if (hint) hint.textContent = t('kioskHint');
      document.getElementById('kiosk-overview').textContent = t('overview');
      var langBtn = document.getElementById('kiosk-lang');
      langBtn.textContent = t('otherLang');
      langBtn.setAttribute('lang', t('otherLangCode'));
    }

    function setup() {
      document.documentElement.classList.add('kiosk');
      var viewport = document.querySelector('meta[name=viewport]');
      if (viewport) viewport.setAttribute('content', 'width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no');
      document.getElementById('kiosk-header').hidden = false;
      var header = document.getElementById('kiosk-header');
      header.insertBefore(el('p', { id: 'kiosk-hint', className: 'kiosk-hint' }), header.querySelector('.kiosk-buttons'));
      ['contextmenu', 'selectstart', 'dragstart'].forEach(function (type) {
        document.addEventListener(type, function (e) { e.preventDefault(); });
      });
      ['pointerdown', 'touchstart', 'wheel', 'keydown'].forEach(function (type) {
        document.addEventListener(type, interacted, { capture: true, passive: true });
      });
      document.getElementById('kiosk-overview').addEventListener('click', function () {
        clearTimeout(idleTimer);
        overview();
      });
      document.getElementById('kiosk-lang').addEventListener('click', function () {
        setLanguage(lang === 'de' ? 'en' : 'de');
      });
      renderKioskTexts();
      fetchJSON('/regions').then(function (regions) {
        var list = Array.isArray(regions) ? regions : regions.items || regions.regions || [];
        if (list.length === 1 && list[0].name) { app.regionName = list[0].name; renderKioskTexts(); }
      }).catch(function () { /* the title stays generic */ });
    }

    return {
      setup: setup,
      start: function () {
        app.kioskState = 'overview';
        loadList().then(function () { if (app.kioskState === 'overview') cycleTimer = setTimeout(cycle, KIOSK_INTERVAL_MS); });
      }
    };
  })();

  // The kiosk's tray sits in its header; on /embed at the top right (the legend holds the
  // bottom left, an estate's panel the top left).
  var tray = mountTray({
    lang: lang,
    kiosk: isKiosk,
    container: isKiosk ? document.querySelector('#kiosk-header .kiosk-buttons') : null,
    placement: isKiosk ? null : 'sl-top-right'
  });
  if (isKiosk) kiosk.setup();
  // Small embeds: the legend starts folded (one tap opens it), so it does not hide the map.
  else if (window.innerWidth < 520 || window.innerHeight < 420) document.getElementById('legend').open = false;
  notices.forEach(function (n) { console.warn('ignored parameter', n); });
  if (notices.length) setTimeout(function () { showNotice(fill(t('badParam'), { p: notices.join(', ') }), false); }, 0);
  init(0);
})();
