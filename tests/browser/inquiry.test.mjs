// The inquiry form (web/assets/inquiry.js): sent from a plot's profile page, from the /embed
// popup and from the kiosk card; errors announced and tied to their fields; 0 axe-core
// violations. The inquiries are then read back through the staff API (GWF_STAFF_TOKEN).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, assert, eq, screenshot, newContext, openPage, openEmbed, waitReady, pointOnPlot, test, demo } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STAFF = process.env.GWF_STAFF_TOKEN || '';

// `within`: a selector to check only that part (the kiosk page as such forbids zooming, its
// own decision for a public screen, which axe reports on the whole page).
async function axeCheck(page, name, within = null) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((sel) => window.axe.run(sel ? document.querySelector(sel) : document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }), within);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `${name}: axe-core found ${found.length} WCAG A/AA violations:\n  ${found.join('\n  ')}`);
}

// The newest inquiry the staff API lists (null without a staff token).
async function newestInquiry() {
  if (!STAFF) return null;
  const r = await fetch(BASE + '/inquiries?limit=1', { headers: { Authorization: 'Bearer ' + STAFF } });
  eq(r.status, 200, 'GET /inquiries');
  return (await r.json()).inquiries[0];
}

// A published plot of the demo data.
async function somePlot() {
  const r = await fetch(BASE + '/plots?limit=1&fields=reference,title_de&status=available');
  return (await r.json()).items[0].reference;
}

async function fill(form, { name, email, consent = true }) {
  await form.getByLabel(/^Name/).fill(name);
  await form.getByLabel(/^(E-Mail|E-mail)/).fill(email);
  await form.getByLabel(/^(Telefon|Phone)/).fill('+49 385 555 0101');
  await form.getByLabel(/^(Nachricht|Message)/).fill('Halle mit 24-h-Betrieb geplant.');
  if (consent) await form.locator('input[type=checkbox]').check();
}

test('inquiry from a profile page: errors announced at their fields, then sent', async (browser, t) => {
  const reference = await somePlot();
  const context = await newContext(browser, t);
  const page = await openPage(context, t, `/plots/${reference}/profile?lang=de`);
  const form = page.locator('form.inq-form');
  await form.waitFor({ state: 'visible', timeout: 5000 });
  eq(await form.getAttribute('data-plot'), reference, 'the form is about this plot');
  // The robots' field is out of sight and out of the tab order.
  const trap = form.locator('input[name=website]');
  eq(await trap.getAttribute('tabindex'), '-1', 'trap out of the tab order');
  assert(!(await trap.isVisible()) || (await trap.boundingBox()).x < 0, 'trap hidden');

  await form.getByRole('button', { name: 'Anfrage senden' }).click();
  const summary = form.locator('[role=alert]');
  await summary.locator('li').first().waitFor({ timeout: 3000 });
  const said = await summary.innerText();
  for (const want in { Namen: 1, 'E-Mail-Adresse': 1, Einwilligung: 1 }) assert(said.includes(want), `summary lacks ${want}: ${said}`);
  const name = form.getByLabel(/^Name/);
  eq(await name.getAttribute('aria-invalid'), 'true', 'name marked invalid');
  const described = await name.getAttribute('aria-describedby');
  assert(described && (await page.locator('#' + described).innerText()).includes('Namen'), 'error tied to the name field');
  eq(await page.evaluate(() => document.activeElement.name), 'name', 'focus on the first wrong field');
  await axeCheck(page, 'profile with errors');
  await screenshot(page, 'inquiry-profile-errors-de');

  await fill(form, { name: 'Browser Test GmbH Kontakt', email: 'browser-profile@example.com' });
  await form.getByRole('button', { name: 'Anfrage senden' }).click();
  const thanks = page.locator('.inq-thanks[role=status]');
  await thanks.waitFor({ timeout: 5000 });
  assert((await thanks.innerText()).includes('Vielen Dank'), 'thanks in German');
  eq(await page.evaluate(() => document.activeElement.className), 'inq-thanks', 'focus on the confirmation');
  await thanks.scrollIntoViewIfNeeded();
  await screenshot(page, 'inquiry-profile-sent-de');
  await axeCheck(page, 'profile after sending');
  const stored = await newestInquiry();
  if (stored) {
    eq(stored.contact.email, 'browser-profile@example.com', 'stored address');
    eq(stored.source, 'profile', 'stored source');
    eq(stored.plot_references[0], reference, 'stored plot');
    eq(stored.consent_version, '2026-11', 'consent version');
  }
  t.note = `${reference}${stored ? `, inquiry ${stored.id} routed to ${stored.routed_to.name}` : ' (no staff token: not read back)'}`;
});

test('inquiry from the /embed popup', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'lang=en');
  await page.evaluate(() => window.gwfMap.jumpTo({ zoom: window.gwfMap.getZoom() + 1.5 }));
  await waitReady(page);
  const target = await pointOnPlot(page);
  assert(target, 'no clickable plot found');
  await page.mouse.click(target.x, target.y);
  const popup = page.locator('.maplibregl-popup');
  await popup.getByRole('button', { name: 'Inquire about this plot' }).click();
  const form = popup.locator('form.inq-form');
  await form.waitFor({ timeout: 3000 });
  await axeCheck(page, 'embed popup with the form');
  await screenshot(page, 'inquiry-embed-popup-en');
  await form.getByRole('button', { name: 'Cancel' }).click();
  eq(await form.count(), 0, 'cancel closes the form');
  t.note = `popup of ${target.reference}`;
});

test('inquiry left on the kiosk, in English', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&lang=en&kiosk_interval_ms=1000', { viewport: { width: 1280, height: 900 } });
  const card = page.locator('#kiosk-card');
  const open = card.getByRole('button', { name: 'Inquire about this plot' });
  await open.waitFor({ state: 'visible', timeout: 15000 });
  await open.click();
  const form = card.locator('form.inq-form');
  await form.waitFor({ timeout: 3000 });
  const reference = await form.getAttribute('data-plot');
  // The cycle stops while the visitor writes.
  await page.waitForTimeout(2500);
  eq(await card.locator('.plot-ref').first().innerText(), reference, 'the card stays');
  await fill(form, { name: 'Kiosk Visitor', email: 'kiosk-visitor@example.com' });
  await form.getByLabel('Answer in').selectOption('en');
  await screenshot(page, 'inquiry-kiosk-form-en');
  await axeCheck(page, 'kiosk card with the form', '#kiosk-card');
  await form.getByRole('button', { name: 'Send inquiry' }).click();
  const thanks = card.locator('.inq-thanks[role=status]');
  await thanks.waitFor({ timeout: 5000 });
  assert((await thanks.innerText()).includes('Thank you'), 'thanks in English');
  await screenshot(page, 'inquiry-kiosk-sent-en');
  const stored = await newestInquiry();
  if (stored) {
    eq(stored.source, 'kiosk', 'stored source');
    eq(stored.contact.language, 'en', 'answer language');
    eq(stored.plot_references[0], reference, 'the plot on the card');
  }
  t.note = `kiosk card ${reference}`;
});
