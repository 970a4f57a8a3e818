// Shortlists (web/assets/shortlist.js, docs/shortlists.md): plots collected in the /embed popup
// and on the kiosk card into the tray, shared as /s/{code}; the kiosk shows the QR code large
// with the short URL and a contact form whose inquiry names the shortlist; the kiosk's idle
// reset empties the tray; the shortlist page in German and English. 0 axe-core violations.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, assert, eq, screenshot, newContext, openPage, openEmbed, waitReady, pointOnPlot, renderedPlots, test } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STAFF = process.env.GWF_STAFF_TOKEN || '';

async function axeCheck(page, name, within = null) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((sel) => window.axe.run(sel ? document.querySelector(sel) : document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }), within);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `${name}: axe-core found ${found.length} WCAG A/AA violations:\n  ${found.join('\n  ')}`);
}

test('shortlist collected in the /embed popup, shared and opened as a page', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'lang=en');
  const tray = page.locator('.sl-tray');
  eq(await tray.isVisible(), false, 'no tray while nothing is collected');
  await page.evaluate(() => window.gwfMap.jumpTo({ zoom: window.gwfMap.getZoom() + 1.5 }));
  await waitReady(page);
  const collected = [];
  for (let i = 0; i < 2; i++) {
    // The first plot near the centre, then another one on screen.
    let target = null;
    if (i === 0) target = await pointOnPlot(page);
    else {
      for (const p of await renderedPlots(page)) {
        if (collected.indexOf(p.reference) >= 0) continue;
        target = await pointOnPlot(page, p.reference);
        if (target) break;
      }
    }
    assert(target, 'no clickable plot found');
    await page.mouse.click(target.x, target.y);
    const popup = page.locator('.maplibregl-popup');
    const add = popup.locator('.sl-toggle');
    await add.waitFor({ timeout: 3000 });
    const reference = await add.getAttribute('data-plot');
    if (collected.indexOf(reference) < 0) {
      eq(await add.getAttribute('aria-pressed'), 'false', 'not yet collected');
      await add.click();
      await page.waitForFunction((ref) => {
        const b = document.querySelector(`.maplibregl-popup .sl-toggle[data-plot="${ref}"]`);
        return b && b.getAttribute('aria-pressed') === 'true';
      }, reference, { timeout: 3000 }).catch(() => {});
      eq(await add.getAttribute('aria-pressed'), 'true', 'collected');
      collected.push(reference);
    }
    if (i === 0) {
      await axeCheck(page, 'embed popup with the shortlist button');
      await screenshot(page, 'shortlist-embed-popup-en');
    }
    await popup.locator('.maplibregl-popup-close-button').click();
  }
  eq(collected.length, 2, 'two plots collected');
  const toggle = tray.locator('.sl-tray-toggle');
  eq(await toggle.innerText(), `Shortlist (${collected.length})`, 'the tray counts');
  await toggle.click();
  eq(await tray.locator('.sl-list li').count(), collected.length, 'listed');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('gwf-shortlist')).map((i) => i.reference));
  eq(JSON.stringify(stored), JSON.stringify(collected), 'kept in localStorage, in order');
  await axeCheck(page, 'embed with the tray open');
  await tray.getByRole('button', { name: 'Share' }).click();
  const dialog = page.locator('dialog.sl-dialog');
  await dialog.waitFor({ state: 'visible', timeout: 5000 });
  const code = await dialog.getAttribute('data-code');
  assert(/^[0-9a-hjkmnp-tv-z]{12}$/.test(code), `a code: ${code}`);
  const qr = dialog.locator('img.sl-qr');
  await page.waitForFunction(() => { const i = document.querySelector('img.sl-qr'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 5000 });
  assert(await qr.isVisible(), 'QR code shown');
  await axeCheck(page, 'embed share dialog');
  await screenshot(page, 'shortlist-embed-shared-en');
  const href = await dialog.getByRole('link', { name: /Open shortlist/ }).getAttribute('href');
  assert(href.includes(`/s/${code}`), href);

  // The page: the plots compared, in English, not indexed; then in German.
  const context = page.context();
  const shortlistPage = await openPage(context, t, `/s/${code}?lang=en`);
  eq(await shortlistPage.locator('h1').innerText(), 'Shortlist', 'English page');
  eq(await shortlistPage.locator('meta[name=robots]').getAttribute('content'), 'noindex, nofollow', 'noindex');
  for (const reference of collected) {
    assert(await shortlistPage.locator(`table.compare a[href^="/plots/${reference}/profile"]`).count() === 1, `${reference} compared, with its profile link`);
  }
  await shortlistPage.waitForFunction(() => { const i = document.querySelector('img.shortlist-qr'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 5000 });
  await axeCheck(shortlistPage, 'shortlist page (en)');
  await screenshot(shortlistPage, 'shortlist-page-en');
  await shortlistPage.locator('.shortlist-share').scrollIntoViewIfNeeded();
  assert(await shortlistPage.locator('form.inq-form[data-shortlist]').count() === 1, 'the contact form for the shortlist');
  await screenshot(shortlistPage, 'shortlist-page-en-share');
  await shortlistPage.getByRole('link', { name: 'Deutsch' }).click();
  await shortlistPage.waitForLoadState('load');
  eq(await shortlistPage.locator('h1').innerText(), 'Merkliste', 'German page');
  await axeCheck(shortlistPage, 'shortlist page (de)');
  await shortlistPage.emulateMedia({ media: 'print' });
  await screenshot(shortlistPage, 'shortlist-page-de-print');
  // A profile page of the same site knows the collection (the same localStorage).
  const profile = await openPage(context, t, `/plots/${collected[0]}/profile?lang=en`);
  const onProfile = profile.locator('.sl-toggle');
  await onProfile.waitFor({ timeout: 5000 });
  eq(await onProfile.getAttribute('aria-pressed'), 'true', 'collected, as the profile shows');
  eq(await profile.locator('.sl-tray-toggle').innerText(), `Shortlist (${collected.length})`, 'the tray on the profile');
  await axeCheck(profile, 'profile with the shortlist button');
  await screenshot(profile, 'shortlist-profile-en');
  t.note = `${collected.join(', ')} → /s/${code}`;
});

test('shortlist on the kiosk: QR code shown large, contact form, emptied by the idle reset', async (browser, t) => {
  const { page } = await openEmbed(browser, t, 'kiosk=1&lang=en&kiosk_interval_ms=2500&kiosk_idle_ms=6000', { viewport: { width: 1280, height: 900 } });
  const tray = page.locator('.sl-tray.sl-kiosk');
  eq(await tray.isVisible(), false, 'the header as before until something is collected');
  const card = page.locator('#kiosk-card');
  const add = card.locator('.sl-toggle');
  await add.waitFor({ state: 'visible', timeout: 15000 });
  // The touch stops the tour, so the card stays on the plot collected.
  await add.click();
  const reference = JSON.parse(await page.evaluate(() => localStorage.getItem('gwf-shortlist-kiosk')))[0].reference;
  eq(await card.locator('.sl-toggle').getAttribute('data-plot'), reference, 'the card stays');
  eq(await card.locator('.sl-toggle').getAttribute('aria-pressed'), 'true', 'collected from the card');
  const toggle = tray.locator('.sl-tray-toggle');
  await toggle.waitFor({ state: 'visible', timeout: 3000 });
  eq(await toggle.innerText(), 'Shortlist (1)', 'the tray counts');
  await toggle.click();
  await axeCheck(page, 'kiosk tray open', '#kiosk-header');
  await tray.getByRole('button', { name: 'To my phone (QR code)' }).click();
  const dialog = page.locator('dialog.sl-dialog');
  await dialog.waitFor({ state: 'visible', timeout: 5000 });
  const code = await dialog.getAttribute('data-code');
  await page.waitForFunction(() => { const i = document.querySelector('img.sl-qr'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 5000 });
  const box = await dialog.locator('img.sl-qr').boundingBox();
  assert(box.width >= 300, `QR code large enough for a phone: ${box.width}px`);
  const url = await dialog.locator('.sl-url').innerText();
  assert(url.endsWith(`/s/${code}`), `the short URL as text: ${url}`);
  await axeCheck(page, 'kiosk QR dialog', 'dialog.sl-dialog');
  await screenshot(page, 'shortlist-kiosk-qr-en');

  await dialog.getByRole('button', { name: 'Get in touch (optional)' }).click();
  const form = dialog.locator('form.inq-form');
  await form.waitFor({ timeout: 3000 });
  eq(await form.getAttribute('data-shortlist'), code, 'the form is about the shortlist');
  await form.getByLabel(/^Name/).fill('Kiosk Shortlist Visitor');
  await form.getByLabel(/^E-mail/).fill('kiosk-shortlist@example.com');
  await form.locator('input[type=checkbox]').check();
  await axeCheck(page, 'kiosk contact form for the shortlist', 'dialog.sl-dialog');
  await form.getByRole('button', { name: 'Send inquiry' }).click();
  const thanks = dialog.locator('.inq-thanks[role=status]');
  await thanks.waitFor({ timeout: 5000 });
  await screenshot(page, 'shortlist-kiosk-inquiry-sent-en');
  if (STAFF) {
    const r = await fetch(BASE + '/inquiries?limit=1', { headers: { Authorization: 'Bearer ' + STAFF } });
    const stored = (await r.json()).inquiries[0];
    eq(stored.shortlist, code, 'the inquiry names the shortlist');
    eq(stored.source, 'kiosk', 'stored source');
    eq(stored.plot_references[0], reference, 'about the collected plot');
  }

  // Nobody touches the screen: the next visitor starts empty.
  await page.waitForFunction(() => !document.querySelector('dialog.sl-dialog').open, null, { timeout: 12000 });
  await page.waitForFunction(() => document.querySelector('.sl-tray').hidden, null, { timeout: 5000 });
  eq(await page.evaluate(() => localStorage.getItem('gwf-shortlist-kiosk')), '[]', 'storage emptied');
  await screenshot(page, 'shortlist-kiosk-after-idle-reset');
  t.note = `${reference} → /s/${code}${STAFF ? ', inquiry read back' : ''}`;
});

test("shortlist from the portal's compare selection", async (browser, t) => {
  const context = await newContext(browser, t);
  const page = await openPage(context, t, '/?lang=en');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  const items = page.locator('#result-list .result');
  const refs = [];
  for (let i = 0; i < 3; i++) {
    refs.push(await items.nth(i).getAttribute('data-ref'));
    await items.nth(i).locator('.compare-toggle input').check();
  }
  await page.getByRole('button', { name: 'Share as shortlist' }).click();
  await page.waitForURL(/\/s\/[0-9a-z]{12}\?lang=en$/, { timeout: 10000 });
  eq(await page.locator('h1').innerText(), 'Shortlist', 'the shortlist page');
  const shown = await page.locator('table.compare thead th .ref').allInnerTexts();
  eq(JSON.stringify(shown), JSON.stringify(refs), 'the selection, in order');
  t.note = `${refs.join(', ')} → ${new URL(page.url()).pathname}`;
});
