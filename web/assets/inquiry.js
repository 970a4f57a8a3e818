/*
 * The inquiry form (POST /inquiries, docs/inquiries.md): on a plot's profile page, in the
 * /embed popup and on the kiosk card. Plain ES module, no build step, nothing from another
 * host.
 *
 * - `mountInquiryForm(container, { plot, shortlist, lang, source })` puts the form into
 *   `container`: about one plot (a reference), or about a shortlist's plots (its code);
 * - `inquiryButton(plot, lang, source)` is a button that opens the form in its place (popups
 *   and the kiosk card stay small until someone wants to write);
 * - every element `[data-inquiry-form]` with `data-plot` or `data-shortlist` on the page gets
 *   a form when this module loads (`data-lang`: de|en, `data-source`: profile|embed|kiosk|
 *   shortlist).
 *
 * Accessible: every field has a <label>; errors are listed in a summary announced by screen
 * readers (role=alert) and tied to their fields (aria-invalid, aria-describedby); success is
 * announced (role=status) and focused. The field `website` is a trap for robots: hidden from
 * people and from assistive technology; a form that fills it is answered like any other and
 * dropped by the server.
 */

/** Version of the consent text below; stored with each inquiry. Change it with the text. */
export const CONSENT_VERSION = '2026-11';

const TEXT = {
  de: {
    open: 'Anfrage zu dieser Fläche',
    heading: 'Anfrage senden',
    headingShortlist: 'Anfrage zu dieser Merkliste',
    intro: 'Die Wirtschaftsförderung der Gemeinde meldet sich bei Ihnen.',
    name: 'Name',
    company: 'Firma (optional)',
    email: 'E-Mail',
    phone: 'Telefon (optional)',
    message: 'Nachricht (optional)',
    language: 'Antwort auf',
    de: 'Deutsch',
    en: 'Englisch',
    consent: 'Ich willige ein, dass meine Angaben zur Bearbeitung dieser Anfrage gespeichert und an die zuständige Wirtschaftsförderung weitergegeben werden. Sie werden nach Ablauf der Aufbewahrungsfrist gelöscht; ich kann die Einwilligung jederzeit widerrufen.',
    required: '(Pflichtfeld)',
    send: 'Anfrage senden',
    sending: 'Wird gesendet …',
    cancel: 'Abbrechen',
    errorsTitle: 'Bitte prüfen Sie Ihre Angaben:',
    needName: 'Bitte geben Sie Ihren Namen an.',
    needEmail: 'Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de an.',
    needConsent: 'Ohne Ihre Einwilligung können wir die Anfrage nicht bearbeiten.',
    badPhone: 'Die Telefonnummer darf nur Ziffern, Leerzeichen und + - / ( ) enthalten.',
    tooMany: 'Zu viele Anfragen von diesem Anschluss. Bitte versuchen Sie es in einer Minute erneut.',
    failed: 'Die Anfrage konnte nicht gesendet werden. Bitte versuchen Sie es später erneut.',
    thanks: 'Vielen Dank! Ihre Anfrage ist eingegangen. Die zuständige Wirtschaftsförderung meldet sich bei Ihnen.'
  },
  en: {
    open: 'Inquire about this plot',
    heading: 'Send an inquiry',
    headingShortlist: 'Inquire about this shortlist',
    intro: "The municipality's economic development office will contact you.",
    name: 'Name',
    company: 'Company (optional)',
    email: 'E-mail',
    phone: 'Phone (optional)',
    message: 'Message (optional)',
    language: 'Answer in',
    de: 'German',
    en: 'English',
    consent: 'I agree that my details are stored to handle this inquiry and passed on to the economic development office responsible. They are deleted when the retention period ends; I can withdraw my consent at any time.',
    required: '(required)',
    send: 'Send inquiry',
    sending: 'Sending …',
    cancel: 'Cancel',
    errorsTitle: 'Please check your details:',
    needName: 'Please give your name.',
    needEmail: 'Please give an e-mail address like name@example.com.',
    needConsent: 'We cannot handle the inquiry without your consent.',
    badPhone: 'The phone number may hold digits, spaces and + - / ( ) only.',
    tooMany: 'Too many inquiries from this connection. Please try again in a minute.',
    failed: 'The inquiry could not be sent. Please try again later.',
    thanks: 'Thank you! We have received your inquiry. The economic development office responsible will contact you.'
  }
};

let counter = 0;

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
  if (document.querySelector('link[data-inquiry-css]')) return;
  document.head.append(make('link', { rel: 'stylesheet', href: '/assets/inquiry.css', 'data-inquiry-css': true }));
}

// Which field a server problem's pointer names.
const POINTERS = {
  '/contact/name': 'name',
  '/contact/company': 'company',
  '/contact/email': 'email',
  '/contact/phone': 'phone',
  '/contact/language': 'language',
  '/message': 'message',
  '/consent/accepted': 'consent'
};

/**
 * Puts the inquiry form about `plot` (a reference) into `container`. `onClose` (optional)
 * adds a cancel button.
 */
export function mountInquiryForm(container, { plot, shortlist, lang, source, onClose }) {
  ensureStyles();
  const t = TEXT[lang === 'en' ? 'en' : 'de'];
  const id = 'inq' + (++counter);
  const fields = {};
  const errorOf = {};

  function field(name, label, input, required) {
    input.id = id + '-' + name;
    input.name = name;
    if (required) input.setAttribute('aria-required', 'true');
    const error = make('p', { className: 'inq-error', id: id + '-' + name + '-error', hidden: true });
    fields[name] = input;
    errorOf[name] = error;
    return make('div', { className: 'inq-field' }, [
      make('label', { for: input.id }, [label, required ? make('span', { className: 'inq-req', text: ' ' + t.required }) : '']),
      input,
      error
    ]);
  }

  const heading = make('h2', { className: 'inq-heading', id: id + '-heading', text: shortlist ? t.headingShortlist : t.heading });
  const summary = make('div', { className: 'inq-summary', role: 'alert', id: id + '-summary' });
  const language = make('select', {}, [
    make('option', { value: 'de', text: t.de }),
    make('option', { value: 'en', text: t.en })
  ]);
  language.value = lang === 'en' ? 'en' : 'de';
  const consent = make('input', { type: 'checkbox', id: id + '-consent', name: 'consent' });
  consent.setAttribute('aria-required', 'true');
  const consentError = make('p', { className: 'inq-error', id: id + '-consent-error', hidden: true });
  fields.consent = consent;
  errorOf.consent = consentError;
  // The trap: off-screen, out of the tab order and hidden from assistive technology.
  const trap = make('div', { className: 'inq-trap', 'aria-hidden': 'true' }, [
    make('label', { for: id + '-website', text: 'Website' }),
    make('input', { type: 'text', id: id + '-website', name: 'website', tabindex: '-1', autocomplete: 'off' })
  ]);
  const send = make('button', { type: 'submit', className: 'inq-send', text: t.send });
  const buttons = make('div', { className: 'inq-buttons' }, [send]);
  if (onClose) {
    const cancel = make('button', { type: 'button', className: 'inq-cancel', text: t.cancel });
    cancel.addEventListener('click', onClose);
    buttons.append(cancel);
  }
  const form = make('form', { className: 'inq-form', novalidate: true, 'aria-labelledby': heading.id, 'data-plot': plot || null, 'data-shortlist': shortlist || null }, [
    heading,
    make('p', { className: 'inq-intro', text: t.intro }),
    summary,
    field('name', t.name, make('input', { type: 'text', autocomplete: 'name', maxlength: '200' }), true),
    field('company', t.company, make('input', { type: 'text', autocomplete: 'organization', maxlength: '200' }), false),
    field('email', t.email, make('input', { type: 'email', autocomplete: 'email', maxlength: '254' }), true),
    field('phone', t.phone, make('input', { type: 'tel', autocomplete: 'tel', maxlength: '40' }), false),
    field('message', t.message, make('textarea', { rows: '3', maxlength: '5000' }), false),
    field('language', t.language, language, false),
    make('div', { className: 'inq-field inq-consent' }, [
      consent,
      make('label', { for: consent.id, text: t.consent + ' ' + t.required }),
      consentError
    ]),
    trap,
    buttons
  ]);

  function clearErrors() {
    summary.textContent = '';
    for (const name of Object.keys(fields)) {
      fields[name].removeAttribute('aria-invalid');
      fields[name].removeAttribute('aria-describedby');
      errorOf[name].hidden = true;
      errorOf[name].textContent = '';
    }
  }

  // `errors`: [name or null, message]. Shown at the field and in the announced summary.
  function showErrors(errors) {
    clearErrors();
    const list = make('ul');
    let first = null;
    for (const [name, message] of errors) {
      list.append(make('li', { text: message }));
      if (name && fields[name]) {
        fields[name].setAttribute('aria-invalid', 'true');
        fields[name].setAttribute('aria-describedby', errorOf[name].id);
        errorOf[name].textContent = message;
        errorOf[name].hidden = false;
        first = first || fields[name];
      }
    }
    summary.append(make('p', { className: 'inq-summary-title', text: t.errorsTitle }), list);
    if (first) first.focus();
  }

  function check() {
    const errors = [];
    if (!fields.name.value.trim()) errors.push(['name', t.needName]);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(fields.email.value.trim())) errors.push(['email', t.needEmail]);
    const phone = fields.phone.value.trim();
    if (phone && !/^[0-9 +\-/()]+$/.test(phone)) errors.push(['phone', t.badPhone]);
    if (!consent.checked) errors.push(['consent', t.needConsent]);
    return errors;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const errors = check();
    if (errors.length) { showErrors(errors); return; }
    clearErrors();
    send.disabled = true;
    send.textContent = t.sending;
    const value = (name) => fields[name].value.trim() || null;
    const body = {
      ...(shortlist ? { shortlist } : { plots: [plot] }),
      message: value('message'),
      contact: {
        name: value('name'),
        company: value('company'),
        email: value('email'),
        phone: value('phone'),
        language: fields.language.value
      },
      consent: { accepted: true, version: CONSENT_VERSION },
      source: source || 'profile',
      website: form.elements.website.value
    };
    try {
      const response = await fetch('/inquiries', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'de' },
        body: JSON.stringify(body)
      });
      if (response.status === 202) {
        const done = make('p', { className: 'inq-thanks', role: 'status', tabindex: '-1', text: t.thanks });
        form.replaceWith(done);
        done.focus();
        return;
      }
      if (response.status === 422) {
        const problem = await response.json();
        showErrors((problem.errors || []).map((e) => [POINTERS[e.pointer] || null, e.detail]));
      } else {
        showErrors([[null, response.status === 429 ? t.tooMany : t.failed]]);
      }
    } catch (e) {
      showErrors([[null, t.failed]]);
    }
    send.disabled = false;
    send.textContent = t.send;
  });

  container.append(form);
  return form;
}

/** A button that opens the inquiry form in its own place. */
export function inquiryButton(plot, lang, source) {
  ensureStyles();
  const t = TEXT[lang === 'en' ? 'en' : 'de'];
  const holder = make('div', { className: 'inq-holder' });
  const button = make('button', { type: 'button', className: 'inq-open', 'aria-expanded': 'false', text: t.open });
  button.addEventListener('click', () => {
    button.hidden = true;
    button.setAttribute('aria-expanded', 'true');
    const form = mountInquiryForm(holder, {
      plot, lang, source,
      onClose: () => { form.remove(); button.hidden = false; button.setAttribute('aria-expanded', 'false'); button.focus(); }
    });
    form.querySelector('input').focus();
  });
  holder.append(button);
  return holder;
}

for (const node of document.querySelectorAll('[data-inquiry-form]')) {
  if (!node.dataset.plot && !node.dataset.shortlist) continue;
  mountInquiryForm(node, { plot: node.dataset.plot, shortlist: node.dataset.shortlist, lang: node.dataset.lang, source: node.dataset.source });
}
