/*
 * Photos on the embeddable map (docs/media.md): the plot's cover photo (else its first photo)
 * above the facts of the /embed popup and the kiosk card, with its credit. It reads the `media`
 * of GET /plots/{id}: the popup fetches that plot anyway (embed.js `addLocation`); the kiosk card
 * fetches it for the plot it shows. Images come from this origin (/media/...), as the CSP wants.
 */
import { el, fetchJSON } from './map.js';

/** The photo to show: the cover, else the first image in gallery order. */
export function coverOf(plot) {
  const photos = ((plot && plot.media) || []).filter((m) => m.links && m.links.thumb);
  return photos.find((m) => m.cover) || photos[0] || null;
}

/** Puts the photo at the top of `card` (once); `size` is 'thumb' or 'small' (400 px: the popup and the kiosk, sharp at their widths). */
export function addPhoto(card, plot, lang, size) {
  const m = coverOf(plot);
  if (!card || !m || card.querySelector('.plot-photo')) return false;
  const caption = lang === 'en' ? m.caption_en || m.caption_de : m.caption_de || m.caption_en;
  const alt = caption || (lang === 'en' ? 'Photo of plot ' : 'Foto der Fläche ') + plot.reference;
  const img = el('img', { src: size === 'small' ? m.links.small : m.links.thumb, alt: alt });
  const credit = m.credit ? '© ' + m.credit + (m.licence ? ' (' + m.licence + ')' : '') : null;
  const figure = el('figure', { className: 'plot-photo' }, [img, credit && el('figcaption', { text: credit })]);
  card.insertBefore(figure, card.firstChild);
  card.setAttribute('data-photo', 'ready');
  return true;
}

/** The kiosk card's photo: fetched for the plot shown, dropped if another plot is shown by then. */
export function addKioskPhoto(card, plotId, reference, lang) {
  return fetchJSON('/plots/' + encodeURIComponent(plotId)).then((plot) => {
    if (card.hidden || document.documentElement.getAttribute('data-kiosk-ref') !== reference) return;
    addPhoto(card, plot, lang, 'small');
  }).catch((e) => { console.warn('plot photo unavailable', e); });
}
