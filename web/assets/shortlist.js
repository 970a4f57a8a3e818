/*
 * The shortlist tray (docs/shortlists.md): a visitor collects plots on /embed, a profile page
 * or the kiosk ("Merken"), sees them in a small tray (count, list, remove) and shares them:
 * POST /shortlists makes a short link /s/{code}, shown with its QR code (large on the kiosk,
 * so the visitor takes it along on their phone) and, on the kiosk, an optional contact form
 * whose inquiry names the shortlist. Plain ES module, nothing from another host.
 *
 * - `shortlistButton(plot, lang, title)`: a toggle button "Merken / Add to shortlist" (`title`:
 *   text, or a function read on click);
 * - `mountTray({ lang, kiosk, container, placement })`: the tray, fixed at the page's corner
 *   (`placement`: a class, `sl-top-right` on /embed where the legend holds the bottom left),
 *   or inside `container` (the kiosk's header); returns `{ setLang, reset }` (the kiosk's idle reset calls `reset` so the next visitor starts
 *   empty);
 * - `shareOnClick(button, references, lang)`: the portal's "Share as shortlist";
 * - elements `[data-shortlist-button][data-plot]` get a button, and the page a tray, when this
 *   module loads (profile pages).
 *
 * The collection lives in localStorage (the kiosk's under its own key), at most 12 plots.
 */

import { mountInquiryForm } from './inquiry.js';

const MAX = 12;

const TEXT = {
  de: {
    add: 'Merken',
    added: 'Gemerkt',
    full: 'Merkliste voll (12)',
    tray: 'Merkliste',
    empty: 'Noch keine Fläche gemerkt. Tippen Sie bei einer Fläche auf „Merken“.',
    remove: 'Entfernen',
    share: 'Teilen',
    shareKiosk: 'Aufs Handy (QR-Code)',
    clear: 'Alle entfernen',
    making: 'Wird erstellt …',
    failed: 'Die Merkliste konnte nicht erstellt werden. Bitte versuchen Sie es später erneut.',
    tooMany: 'Zu viele Merklisten von diesem Anschluss. Bitte versuchen Sie es in einer Minute erneut.',
    gone: 'Eine Fläche ist nicht mehr verfügbar und wurde entfernt. Bitte erneut teilen.',
    dialog: 'Ihre Merkliste',
    scan: 'Scannen Sie den Code mit Ihrem Handy, um die Merkliste mitzunehmen:',
    link: 'Link zu Ihrer Merkliste:',
    open: 'Merkliste öffnen',
    copy: 'Link kopieren',
    copied: 'Kopiert',
    qrAlt: 'QR-Code des Links zu Ihrer Merkliste',
    contact: 'Kontakt aufnehmen (optional)',
    close: 'Schließen'
  },
  en: {
    add: 'Add to shortlist',
    added: 'On shortlist',
    full: 'Shortlist full (12)',
    tray: 'Shortlist',
    empty: 'No plots yet. Tap "Add to shortlist" on a plot.',
    remove: 'Remove',
    share: 'Share',
    shareKiosk: 'To my phone (QR code)',
    clear: 'Remove all',
    making: 'Making …',
    failed: 'The shortlist could not be made. Please try again later.',
    tooMany: 'Too many shortlists from this connection. Please try again in a minute.',
    gone: 'A plot is no longer available and was removed. Please share again.',
    dialog: 'Your shortlist',
    scan: 'Scan the code with your phone to take the shortlist along:',
    link: 'Link to your shortlist:',
    open: 'Open shortlist',
    copy: 'Copy link',
    copied: 'Copied',
    qrAlt: 'QR code of the link to your shortlist',
    contact: 'Get in touch (optional)',
    close: 'Close'
  }
};

const kioskMode = new URLSearchParams(window.location.search).get('kiosk') === '1';
const KEY = kioskMode ? 'gwf-shortlist-kiosk' : 'gwf-shortlist';
const CHANGED = 'gwf:shortlist-change';

function make(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children || []) node.append(c);
  return node;
}

function ensureStyles() {
  if (document.querySelector('link[data-shortlist-css]')) return;
  document.head.append(make('link', { rel: 'stylesheet', href: '/assets/shortlist.css', 'data-shortlist-css': true }));
}

/** The collected plots: [{ reference, title }], oldest first. */
export function items() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(list) ? list.filter((i) => i && typeof i.reference === 'string').slice(0, MAX) : [];
  } catch (e) {
    return [];
  }
}

function save(list) {
  try { localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX))); } catch (e) { /* private mode: the tray forgets */ }
  document.dispatchEvent(new CustomEvent(CHANGED));
}

function has(reference) { return items().some((i) => i.reference === reference); }

function toggle(reference, title) {
  const list = items();
  const at = list.findIndex((i) => i.reference === reference);
  if (at >= 0) list.splice(at, 1);
  else if (list.length < MAX) list.push({ reference, title: title || reference });
  save(list);
}

/** A toggle button for one plot; it follows the tray (removed there, it reads "add" again). */
export function shortlistButton(plot, lang, title) {
  ensureStyles();
  const t = TEXT[lang === 'en' ? 'en' : 'de'];
  const button = make('button', { type: 'button', className: 'sl-toggle', 'data-plot': plot });
  let attached = false;
  function render() {
    // Popups and kiosk cards are rebuilt often: a button no longer on the page stops listening.
    if (button.isConnected) attached = true;
    else if (attached) { document.removeEventListener(CHANGED, render); return; }
    const on = has(plot);
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.textContent = on ? '★ ' + t.added : (items().length >= MAX ? t.full : '☆ ' + t.add);
    button.disabled = !on && items().length >= MAX;
  }
  // `title` may be a function: a card whose title arrives after the button was made.
  button.addEventListener('click', () => { toggle(plot, typeof title === 'function' ? title() : title); render(); });
  document.addEventListener(CHANGED, render);
  render();
  return button;
}

async function create(references) {
  const response = await fetch('/shortlists', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ plots: references })
  });
  if (response.status === 201) return { shortlist: await response.json() };
  if (response.status === 422) {
    const problem = await response.json().catch(() => ({}));
    const gone = (problem.errors || []).map((e) => Number((e.pointer || '').split('/')[2])).filter((i) => i >= 0);
    return { gone };
  }
  return { status: response.status };
}

/**
 * `button` makes a shortlist of `references()` and opens its page (the portal's compare
 * selection); on failure it shows its `data-failed` text.
 */
export function shareOnClick(button, references, lang) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const result = await create(references());
      if (result.shortlist) {
        window.location.href = '/s/' + result.shortlist.code + '?lang=' + lang;
        return;
      }
    } catch (e) { /* told below */ }
    button.textContent = button.dataset.failed;
    button.disabled = false;
  });
}

/** The tray; `{ setLang, reset }`. */
export function mountTray({ lang, kiosk, container, placement }) {
  ensureStyles();
  let t = TEXT[lang === 'en' ? 'en' : 'de'];
  let currentLang = lang;
  const classes = ['sl-tray', kiosk ? 'sl-kiosk' : '', container ? 'sl-inline' : '', placement || ''];
  const tray = make('section', { className: classes.join(' ').trim(), 'aria-labelledby': 'sl-tray-toggle' });
  const toggleButton = make('button', { type: 'button', id: 'sl-tray-toggle', className: 'sl-tray-toggle', 'aria-expanded': 'false', 'aria-controls': 'sl-tray-panel' });
  const panel = make('div', { id: 'sl-tray-panel', className: 'sl-tray-panel', hidden: true });
  const status = make('p', { className: 'sl-status', role: 'status' });
  tray.append(toggleButton, panel);
  const dialog = make('dialog', { className: 'sl-dialog' + (kiosk ? ' sl-kiosk' : ''), 'aria-labelledby': 'sl-dialog-title' });
  if (container) container.prepend(tray);
  else document.body.append(tray);
  document.body.append(dialog);

  function render() {
    const list = items();
    toggleButton.textContent = t.tray + ' (' + list.length + ')';
    // Out of the way until something is collected (the kiosk's header keeps its layout).
    tray.hidden = list.length === 0 && panel.hidden;
    panel.textContent = '';
    if (!list.length) {
      panel.append(make('p', { className: 'sl-empty', text: t.empty }));
      return;
    }
    const ul = make('ul', { className: 'sl-list' });
    for (const item of list) {
      const remove = make('button', { type: 'button', className: 'sl-remove', 'aria-label': t.remove + ': ' + item.reference, text: '×' });
      remove.addEventListener('click', () => toggle(item.reference));
      ul.append(make('li', {}, [make('span', { className: 'sl-ref', text: item.reference }), ' ', make('span', { text: item.title }), remove]));
    }
    const share = make('button', { type: 'button', className: 'sl-share', text: kiosk ? t.shareKiosk : t.share });
    share.addEventListener('click', () => shareNow(share));
    const clear = make('button', { type: 'button', className: 'sl-clear', text: t.clear });
    clear.addEventListener('click', () => save([]));
    panel.append(ul, make('div', { className: 'sl-buttons' }, [share, clear]), status);
  }

  async function shareNow(button) {
    const list = items();
    button.disabled = true;
    button.textContent = t.making;
    status.textContent = '';
    try {
      const result = await create(list.map((i) => i.reference));
      if (result.shortlist) {
        showDialog(result.shortlist);
      } else if (result.gone && result.gone.length) {
        save(list.filter((_, i) => result.gone.indexOf(i) < 0));
        status.textContent = t.gone;
      } else {
        status.textContent = result.status === 429 ? t.tooMany : t.failed;
      }
    } catch (e) {
      status.textContent = t.failed;
    }
    button.disabled = false;
    button.textContent = kiosk ? t.shareKiosk : t.share;
  }

  function showDialog(shortlist) {
    dialog.textContent = '';
    const pageUrl = shortlist.url + '?lang=' + currentLang;
    const shown = shortlist.url.replace(/^https?:\/\//, '');
    const close = make('button', { type: 'button', className: 'sl-close', text: t.close });
    close.addEventListener('click', () => dialog.close());
    const qr = make('img', { className: 'sl-qr', src: '/s/' + shortlist.code + '/qr.svg', alt: t.qrAlt, width: kiosk ? '320' : '200', height: kiosk ? '320' : '200' });
    const parts = [
      make('h2', { id: 'sl-dialog-title', text: t.dialog + ' (' + shortlist.plots.length + ')' }),
      make('p', { text: kiosk ? t.scan : t.link }),
      qr,
      make('p', { className: 'sl-url', 'data-shortlist-url': shortlist.url, text: shown })
    ];
    if (!kiosk) {
      const copy = make('button', { type: 'button', className: 'sl-copy', text: t.copy });
      copy.addEventListener('click', () => {
        navigator.clipboard.writeText(shortlist.url).then(() => { copy.textContent = t.copied; }, () => {});
      });
      parts.push(make('p', { className: 'sl-buttons' }, [
        make('a', { className: 'sl-open', href: pageUrl, target: '_blank', rel: 'noopener', text: t.open + ' ↗' }), copy
      ]));
    } else {
      const holder = make('div', { className: 'sl-contact' });
      const opener = make('button', { type: 'button', className: 'sl-contact-open', 'aria-expanded': 'false', text: t.contact });
      opener.addEventListener('click', () => {
        opener.hidden = true;
        opener.setAttribute('aria-expanded', 'true');
        const form = mountInquiryForm(holder, { shortlist: shortlist.code, lang: currentLang, source: 'kiosk' });
        form.querySelector('input').focus();
      });
      holder.append(opener);
      parts.push(holder);
    }
    parts.push(make('p', { className: 'sl-buttons' }, [close]));
    dialog.append(...parts);
    dialog.setAttribute('data-code', shortlist.code);
    if (!dialog.open) dialog.showModal();
    close.focus();
  }

  toggleButton.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggleButton.setAttribute('aria-expanded', panel.hidden ? 'false' : 'true');
    render();
  });
  document.addEventListener(CHANGED, render);
  render();
  return {
    setLang(newLang) { currentLang = newLang; t = TEXT[newLang === 'en' ? 'en' : 'de']; render(); },
    reset() {
      if (dialog.open) dialog.close();
      dialog.textContent = '';
      panel.hidden = true;
      toggleButton.setAttribute('aria-expanded', 'false');
      save([]);
    }
  };
}

const marked = document.querySelectorAll('[data-shortlist-button][data-plot]');
for (const node of marked) {
  node.append(shortlistButton(node.dataset.plot, node.dataset.lang, node.dataset.title));
}
if (marked.length) mountTray({ lang: marked[0].dataset.lang, kiosk: false });
