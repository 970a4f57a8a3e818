// "Alert me" on the portal (web/assets/portal-alerts.js): saves the current search — its
// filters and a drawn area — as POST /saved-searches and shows the secret feed link; an
// address without consent is refused at the consent box; 0 axe-core violations.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert, eq, screenshot, newContext, openPage, test } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function axeCheck(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document.querySelector('#alert-box'), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `${name}: axe-core found ${found.length} WCAG A/AA violations:\n  ${found.join('\n  ')}`);
}

async function openPortal(browser, t, query) {
  const context = await newContext(browser, t);
  const page = await openPage(context, t, '/?' + query);
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  return page;
}

// Clicks "save" and returns the body the page sent and the answer's JSON.
async function save(page, buttonName) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/saved-searches') && r.method() === 'POST', { timeout: 5000 }),
    page.getByRole('button', { name: buttonName }).click(),
  ]);
  const response = await request.response();
  return { sent: JSON.parse(request.postData()), status: response.status(), answer: await response.json() };
}

test('alerts: the portal saves its search and shows the feed link (German)', async (browser, t) => {
  const page = await openPortal(browser, t, 'lang=de&zoning=GE,GI&area_min=5000&sort=-area');
  const box = page.locator('#alert-box');
  await box.locator('summary').click();
  const form = page.locator('#alert-form');
  await form.waitFor({ state: 'visible' });
  const trap = form.locator('input[name=website]');
  eq(await trap.getAttribute('tabindex'), '-1', 'trap out of the tab order');
  await axeCheck(page, 'alert form open');
  const { sent, status, answer } = await save(page, 'Suche speichern');
  eq(status, 201, 'saved');
  eq(sent.search.zoning, 'GE,GI', 'the filters of the page');
  eq(sent.search.area_min, 5000, 'numbers typed as the search body types them');
  assert(!('sort' in sent.search) && !('geometry' in sent.search), `only filters: ${JSON.stringify(sent.search)}`);
  eq(sent.language, 'de', 'language of the page');
  const status_ = page.locator('#alert-status');
  await status_.locator('a').first().waitFor({ timeout: 5000 });
  const said = await status_.innerText();
  assert(said.includes('Gespeichert') && said.includes('Atom-Feed'), `status: ${said}`);
  eq(await status_.locator('a').first().getAttribute('href'), answer.feed_url, 'the feed link');
  const feed = await fetch(answer.feed_url);
  eq(feed.status, 200, 'the feed answers');
  assert((await feed.text()).includes('<feed'), 'an Atom feed');
  await axeCheck(page, 'alert saved');
  await box.scrollIntoViewIfNeeded();
  await screenshot(page, 'alerts-portal-saved-de');
  // Clean up: the demo database keeps no test subscription.
  eq((await fetch(answer.manage_url, { method: 'DELETE' })).status, 204, 'deleted again');
});

test('alerts: a drawn area is saved with the search; an address needs consent (English)', async (browser, t) => {
  const area = '11.40,53.25,11.70,53.25,11.70,53.40,11.40,53.40';
  const page = await openPortal(browser, t, `lang=en&status=available&area=${area}`);
  await page.locator('#alert-box summary').click();
  const form = page.locator('#alert-form');
  await form.getByLabel('E-mail address (optional)').fill('browser-alert@example.com');
  await form.getByRole('button', { name: 'Save this search' }).click();
  const status_ = page.locator('#alert-status');
  await page.waitForFunction(() => document.getElementById('alert-status').innerText.includes('agree'), null, { timeout: 3000 });
  eq(await page.evaluate(() => document.activeElement.id), 'alert-consent', 'focus on the consent box');
  await form.getByLabel(/I agree/).check();
  const { sent, status, answer } = await save(page, 'Save this search');
  eq(sent.search.geometry.type, 'Polygon', 'the drawn area goes along');
  eq(sent.consent.accepted, true, 'consent sent');
  assert(/^\d{4}-\d{2}$/.test(sent.consent.version), 'consent version');
  const said = await (async () => {
    await page.waitForFunction(() => !document.getElementById('alert-status').innerText.includes('Saving'), null, { timeout: 5000 });
    return status_.innerText();
  })();
  if (status === 201) {
    // A server with mail: pending until the address is confirmed.
    eq(answer.state, 'pending', 'pending');
    assert(said.includes('confirm'), `status: ${said}`);
    await fetch(answer.manage_url, { method: 'DELETE' });
  } else {
    // A server without mail says so, and the page shows the server's words.
    eq(status, 422, 'refused without mail');
    // The 422 is this test's expectation, not a fault of the page.
    t.consoleErrors.splice(0, t.consoleErrors.length, ...t.consoleErrors.filter((e) => !e.includes('/saved-searches')));
    assert(said.includes('Not saved') && said.includes('no e-mail'), `status: ${said}`);
  }
  await page.locator('#alert-box').scrollIntoViewIfNeeded();
  await screenshot(page, 'alerts-portal-address-en');
  // Without the address the same search is saved as a feed, area and all.
  await form.getByLabel('E-mail address (optional)').fill('');
  const feedOnly = await save(page, 'Save this search');
  eq(feedOnly.status, 201, 'feed only');
  const shown = await (await fetch(feedOnly.answer.manage_url, { headers: { Accept: 'application/json' } })).json();
  eq(shown.has_area, true, 'the area is part of the saved search');
  eq(shown.search.status, 'available', 'the filters too');
  await fetch(feedOnly.answer.manage_url, { method: 'DELETE' });
});

