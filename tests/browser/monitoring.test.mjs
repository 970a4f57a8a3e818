// The monitoring report page (/monitoring?f=html): on screen in German and English, and its print
// layout (the yearly report, printed to PDF). Staff only: the runner passes an API token in
// GWF_STAFF_TOKEN (scripts/test.sh gives the admin's of its test server).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHOTS, assert, eq, pixelStats, screenshot, newContext, openPage, test } from './lib.mjs';

const TOKEN = process.env.GWF_STAFF_TOKEN || '';

async function staffContext(browser, t, options = {}) {
  assert(TOKEN, 'set GWF_STAFF_TOKEN to an API token of a staff account (scripts/test.sh does)');
  return newContext(browser, t, { extraHTTPHeaders: { Authorization: `Bearer ${TOKEN}` }, ...options });
}

// Boxes of the elements matching `selector` that stick out of the page's width or overlap each other.
async function layoutProblems(page, selector) {
  return page.evaluate((sel) => {
    const width = document.documentElement.clientWidth;
    const boxes = [...document.querySelectorAll(sel)].map((el) => ({ el, r: el.getBoundingClientRect() }));
    const out = [];
    for (const { el, r } of boxes) if (r.right > width + 1 || r.left < -1) out.push(`${el.tagName}.${el.className} sticks out (${Math.round(r.left)}–${Math.round(r.right)} of ${width})`);
    return out;
  }, selector);
}

test('monitoring page: key figures, charts and tables on screen (de), no overflow', async (browser, t) => {
  const context = await staffContext(browser, t, { viewport: { width: 1100, height: 1400 } });
  const page = await openPage(context, t, '/monitoring?f=html');
  eq(await page.getAttribute('html', 'lang'), 'de', 'page language');
  const h1 = await page.locator('h1').innerText();
  assert(/^Flächenbilanz Städteverbund A14/.test(h1), `heading: ${h1}`);
  const figures = await page.locator('.summary .value').allInnerTexts();
  eq(figures.length, 5, 'key figures');
  assert(figures.slice(0, 4).every((f) => /^\d+(,\d)? ha$/.test(f)), `key figures: ${figures}`);
  const charts = await page.locator('svg.chart').count();
  eq(charts, 2, 'supply and take-up charts');
  const bars = await page.locator('svg.chart rect').count();
  assert(bars >= 6, `only ${bars} bars drawn`);
  const towns = await page.locator('table').first().locator('tbody tr td:first-child').allInnerTexts();
  for (const town of ['Grabow', 'Ludwigslust', 'Neustadt-Glewe']) assert(towns.includes(town), `table rows: ${towns}`);
  const definitions = await page.locator('.definitions').innerText();
  assert(/Angebot: veröffentlichte/.test(definitions), `German definitions on the German page: ${definitions.slice(0, 80)}`);
  const problems = await layoutProblems(page, 'main *');
  assert(problems.length === 0, problems.join('; '));
  const shot = await screenshot(page, 'monitoring-de');
  assert(pixelStats(shot.png).distinct > 20, 'the page looks blank');
  // The README's picture: the top of the page, half size.
  const readme = await page.screenshot({ clip: { x: 0, y: 0, width: 1100, height: 900 }, scale: 'css' });
  writeFileSync(join(SHOTS, 'monitoring-readme.png'), readme);
  t.note = `${bars} bars, ${towns.length} rows`;
});

test('monitoring page in English on a phone: readable, nothing wider than the screen', async (browser, t) => {
  const context = await staffContext(browser, t, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await openPage(context, t, '/monitoring?f=html&lang=en');
  eq(await page.getAttribute('html', 'lang'), 'en', 'page language');
  assert(/^Land balance/.test(await page.locator('h1').innerText()), 'English heading');
  await screenshot(page, 'monitoring-en-phone');
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(scroll <= 1, `the page scrolls sideways by ${scroll} px`);
  const definitions = await page.locator('.definitions').innerText();
  assert(/^Definitions/.test(definitions) && /Supply/.test(definitions), 'English definitions');
});

test('monitoring print layout: A4 pages without the language switch, charts whole', async (browser, t) => {
  const context = await staffContext(browser, t, { viewport: { width: 1100, height: 1400 } });
  const page = await openPage(context, t, '/monitoring?f=html');
  await page.emulateMedia({ media: 'print' });
  eq(await page.locator('.lang-switch').isVisible(), false, 'language switch printed');
  await screenshot(page, 'monitoring-print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, 'monitoring-print.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert(pages >= 1 && pages <= 3, `the report prints on ${pages} pages`);
  t.note = `printout ${pages} page(s)`;
});
