// Photos in the portal's result list (web/assets/portal-photos.js, docs/media.md): each result
// shows its plot's cover from the search's own answer (`cover` of GET /plots) as a thumbnail
// with alt text and credit, lazily loaded into a box of fixed size (loading moves nothing), and
// plots without a photo keep an empty box of the same size; 0 axe-core WCAG A/AA violations.
// Needs the demo data (seed-demo draws covers of six published plots).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assert, eq, api, screenshot, newContext, openPage, test } from './lib.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Each result's reference, its photo box and where it sits.
function layout(page) {
  return page.locator('#result-list .result').evaluateAll((items) => items.map((li) => {
    const box = li.querySelector('.result-photo');
    const img = box && box.querySelector('img');
    const shown = img || box;
    const r = shown ? shown.getBoundingClientRect() : null;
    return {
      ref: li.dataset.ref,
      top: li.offsetTop,
      height: li.offsetHeight,
      photo: Boolean(img),
      box: r ? [Math.round(r.width), Math.round(r.height)] : null,
      loading: img ? img.getAttribute('loading') : null,
      alt: img ? img.getAttribute('alt') : null,
      src: img ? img.getAttribute('src') : null,
      credit: box && box.querySelector('figcaption') ? box.querySelector('figcaption').textContent : null,
    };
  }));
}

test('portal photos: result list thumbnails with alt text and credit, fixed boxes, lazy, without a photo too', async (browser, t) => {
  const answer = await api('/plots?limit=1000&fields=reference,cover');
  const covers = new Map(answer.items.map((p) => [p.reference, p.cover]));
  const withPhoto = [...covers.values()].filter(Boolean).length;
  assert(withPhoto > 0, 'the demo data has plots with a cover');
  assert(withPhoto < covers.size, 'and plots without');

  const context = await newContext(browser, t);
  const page = await openPage(context, t, '/?lang=en');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-gwf-state') === 'ready', null, { timeout: 20000 });
  const search = await page.evaluate(() => window.gwfPortal.lastSearch.url);
  assert(/fields=[^&]*cover/.test(decodeURIComponent(search)), `the portal asks for the cover: ${search}`);

  const before = await layout(page);
  assert(before.length > 0, 'results listed');
  for (const r of before) {
    const cover = covers.get(r.ref);
    eq(r.photo, Boolean(cover), `${r.ref}: a photo exactly when the plot has a cover`);
    eq(JSON.stringify(r.box), '[112,84]', `${r.ref}: the photo box has its fixed size`);
    if (!cover) continue;
    eq(r.loading, 'lazy', `${r.ref}: lazy loading`);
    eq(r.src, cover.thumb, `${r.ref}: the thumbnail`);
    assert(r.alt && r.alt.length > 3, `${r.ref}: alt text`);
    if (cover.caption_en) eq(r.alt, cover.caption_en, `${r.ref}: the English caption as alt text`);
    assert(r.credit && r.credit.includes(cover.credit), `${r.ref}: credit under the photo: ${r.credit}`);
  }

  // Bring the first photo into view and let every visible image load: nothing moves.
  const first = before.find((r) => r.photo);
  await page.locator(`#result-list .result[data-ref="${first.ref}"]`).scrollIntoViewIfNeeded();
  await page.waitForFunction((ref) => {
    const img = document.querySelector(`#result-list .result[data-ref="${ref}"] img`);
    return img && img.complete && img.naturalWidth > 0;
  }, first.ref, { timeout: 10000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#result-list img')]
    .filter((i) => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
    .every((i) => i.complete), null, { timeout: 10000 });
  const after = await layout(page);
  eq(JSON.stringify(after.map((r) => [r.ref, r.top, r.height, r.box])), JSON.stringify(before.map((r) => [r.ref, r.top, r.height, r.box])),
    'loading the photos moved no result');
  const natural = await page.locator(`#result-list .result[data-ref="${first.ref}"] img`).evaluate((i) => [i.naturalWidth, i.currentSrc]);
  assert(natural[0] >= 112, `a sharp enough size: ${natural}`);

  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(() => window.axe.run(document.getElementById('results'), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const found = axe.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert(found.length === 0, `axe-core on the result list:\n  ${found.join('\n  ')}`);
  await screenshot(page, 'portal-photos-en');

  // A plot without a photo: the empty box of the same size.
  const none = before.find((r) => !r.photo);
  await page.locator(`#result-list .result[data-ref="${none.ref}"]`).scrollIntoViewIfNeeded();
  await screenshot(page, 'portal-photos-none-en');

  // Narrow screens: a smaller fixed box.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.locator(`#result-list .result[data-ref="${first.ref}"]`).scrollIntoViewIfNeeded();
  const narrow = await page.locator(`#result-list .result[data-ref="${first.ref}"] img`).evaluate((i) => [i.offsetWidth, i.offsetHeight]);
  eq(JSON.stringify(narrow), '[80,60]', 'the photo box on a phone');
  await screenshot(page, 'portal-photos-phone');
  t.note = `${withPhoto} of ${covers.size} plots with a photo`;
});
