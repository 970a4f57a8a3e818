/*
 * "Alert me": saves the portal's current search (the filters in the page's URL and a drawn
 * area) as POST /saved-searches, the body of POST /plots/search, and tells the result: the
 * secret feed link at once, or "check your mail" when an address was given (double opt-in).
 * The form is rendered by the server in the page's language (results panel, #alert-form);
 * its field `website` is a trap for robots (off-screen, out of the tab order, aria-hidden).
 */
import { readUrl, searchBody } from './portal-state.js';

const form = document.getElementById('alert-form');
const en = document.documentElement.lang === 'en';
const TEXT = en ? {
  needConsent: 'Please agree to the storage of your address, or leave the address out.',
  saving: 'Saving…',
  pending: 'Almost done: please confirm with the link in the e-mail we have just sent. Until then nothing is mailed.',
  active: 'Saved. New matching plots appear in this feed (keep the link to yourself):',
  feed: 'Atom feed of this search',
  manage: 'Manage or end this alert',
  already: (n) => n === 1 ? '1 plot matches already; you will hear of new ones.' : n + ' plots match already; you will hear of new ones.',
  failed: 'Not saved: '
} : {
  needConsent: 'Bitte willigen Sie in die Speicherung Ihrer Adresse ein, oder lassen Sie die Adresse weg.',
  saving: 'Wird gespeichert …',
  pending: 'Fast geschafft: Bitte bestätigen Sie mit dem Link in der E-Mail, die wir eben gesendet haben. Bis dahin wird nichts verschickt.',
  active: 'Gespeichert. Neue passende Flächen erscheinen in diesem Feed (Link nicht weitergeben):',
  feed: 'Atom-Feed dieser Suche',
  manage: 'Suchauftrag verwalten oder beenden',
  already: (n) => n === 1 ? '1 Fläche passt schon; Sie erfahren von neuen.' : n + ' Flächen passen schon; Sie erfahren von neuen.',
  failed: 'Nicht gespeichert: '
};

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function say(status, parts) {
  status.replaceChildren(...parts.map((p) => {
    if (typeof p !== 'string') return p;
    const para = document.createElement('p');
    para.textContent = p;
    return para;
  }));
}

// The current search as saved: the filters and a drawn area, never paging or sort.
export function currentSearch(href) {
  const body = searchBody(readUrl(href), {});
  delete body.sort;
  return body;
}

if (form) {
  const status = document.getElementById('alert-status');
  const email = form.elements.email;
  const consent = form.elements.consent;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const address = email.value.trim();
    if (address && !consent.checked) {
      say(status, [TEXT.needConsent]);
      consent.focus();
      return;
    }
    const body = { search: currentSearch(window.location.href), language: en ? 'en' : 'de', website: form.elements.website.value };
    if (address) {
      body.email = address;
      body.consent = { accepted: true, version: form.dataset.consentVersion };
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    say(status, [TEXT.saving]);
    fetch('/saved-searches', {
      method: 'POST', credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body)
    }).then((r) => r.json().then((json) => ({ ok: r.ok, json: json }))).then(({ ok, json }) => {
      if (!ok) {
        const details = (json.errors || []).map((x) => x.detail).join('; ') || json.detail || '';
        say(status, [TEXT.failed + details]);
        return;
      }
      const feed = document.createElement('p');
      feed.append(link(json.feed_url, TEXT.feed), ' · ', link(json.manage_url, TEXT.manage));
      say(status, [json.state === 'pending' ? TEXT.pending : TEXT.active, feed, TEXT.already(json.matching_now)]);
      form.dataset.saved = json.state;
    }).catch((err) => say(status, [TEXT.failed + err.message])).finally(() => { button.disabled = false; });
  });
}
