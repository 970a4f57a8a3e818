// Estate photos (issue 19, docs/media.md): the gallery on an estate's profile page — the demo
// data's drawn aerial sketch of an estate (seed-demo), credit shown, the print keeping the
// cover — and 0 axe-core WCAG A/AA violations on it; an estate without media has no gallery.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert, eq, api, screenshot, newContext, openPage, test } from './lib.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

test('estate photos: gallery on the estate profile, credit, print keeps the cover', async (browser, t) => {
  const estates = await api('/estates');
  const list = Array.isArray(estates) ? estates : estates.items;
  const details = await Promise.all(list.map((e) => api(`/estates/${e.id}`)));
  const withMedia = details.find((e) => e.media.length > 0);
  const without = details.find((e) => e.media.length === 0);
  assert(withMedia, 'seed-demo gives an estate a picture');
  const cover = withMedia.media.find((m) => m.cover) || withMedia.media[0];

  const context = await newContext(browser, t);
  const page = await openPage(context, t, `/estates/${withMedia.id}/profile?lang=en`);
  const img = page.locator('.gallery-grid li.cover img');
  await img.waitFor({ state: 'visible', timeout: 10000 });
  await page.waitForFunction(() => { const i = document.querySelector('.gallery-grid li.cover img'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
  eq(await img.evaluate((i) => i.naturalWidth), 400, 'the 400 px size in the grid');
  eq(await img.getAttribute('alt'), cover.caption_en, 'English caption as alt text');
  const caption = await page.locator('.gallery-grid li.cover figcaption').innerText();
  assert(caption.includes(cover.credit) && caption.includes(cover.licence), `credit and licence shown: ${caption}`);
  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(() => window.axe.run(document.querySelector('.gallery'), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  eq(axe.violations.map((v) => v.id).join(','), '', 'axe-core on the estate gallery');
  await page.locator('.gallery').scrollIntoViewIfNeeded();
  await screenshot(page, 'estate-profile-gallery-en');
  await page.emulateMedia({ media: 'print' });
  eq(await img.isVisible(), true, 'the cover is printed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'estate-profile-print');
  await page.emulateMedia({ media: 'screen' });

  if (without) {
    const plain = await openPage(context, t, `/estates/${without.id}/profile?lang=en`);
    eq(await plain.locator('.gallery').count(), 0, 'no gallery without media');
  }
  t.note = `${withMedia.name}: ${withMedia.media.length} item(s)`;
});
