/*
 * Photos in the portal's result list (docs/media.md): each result shows its plot's cover — the
 * `cover` that GET /plots and POST /plots/search give every item (the cover photo, else the first
 * public image; `null` without one) — as a thumbnail with alt text and credit. The box has a fixed
 * size whether or not a photo comes, so lazily loaded images never move the list; a plot without
 * a photo keeps an empty box, so the results stay aligned.
 */
import { el } from './map.js';

/** The member of the search's `fields` this module needs. */
export const PHOTO_FIELD = 'cover';

const TEXT = {
  de: { photoOf: 'Foto der Fläche ', none: 'kein Foto' },
  en: { photoOf: 'Photo of plot ', none: 'no photo' }
};

/** The thumbnail of one result: a <figure> (image and credit), or an empty box. */
export function resultPhoto(plot, lang, title) {
  const text = TEXT[lang] || TEXT.de;
  const c = plot && plot.cover;
  if (!c || !c.thumb) {
    return el('div', { className: 'result-photo none', 'aria-hidden': 'true' }, [el('span', { text: text.none })]);
  }
  const caption = lang === 'en' ? c.caption_en || c.caption_de : c.caption_de || c.caption_en;
  // The thumb is 160 px wide at most: the 400 px size for screens of higher density.
  const img = el('img', {
    src: c.thumb,
    srcset: c.thumb + ' 160w, ' + c.small + ' 400w',
    sizes: '112px',
    width: '112',
    height: '84',
    loading: 'lazy',
    decoding: 'async',
    alt: caption || text.photoOf + title
  });
  const credit = c.credit ? '© ' + c.credit + (c.licence ? ' (' + c.licence + ')' : '') : null;
  return el('figure', { className: 'result-photo' }, [img, credit && el('figcaption', { text: credit })]);
}
