// (b) Reflow, WCAG 1.4.10: no horizontal scroll at 320 CSS px.
// (c) Resize text, WCAG 1.4.4: text at 200 % (root font-size 200 %) on a
//     1280 px screen and at 640 px (a 1280 px screen zoomed to 200 %): no
//     horizontal scroll and no text clipped by an overflow:hidden box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoExternalRequest,
  assertNone,
  launchBrowser,
  newGuardedContext,
  openPage,
  templatePages,
} from './helpers/common.mjs';

let browser;
let page;

before(async () => {
  browser = await launchBrowser();
  const context = await newGuardedContext(browser, { bypassCSP: true, viewport: { width: 320, height: 800 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

/** Horizontal overflow of the document, with the elements that stick out. */
function measureOverflow() {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const short = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  const describe = (el) => {
    const parent = el.parentElement;
    return (parent && parent !== document.body ? short(parent) + ' > ' : '') + short(el);
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + 1 || r.left < -1) {
      // Report the outermost elements only.
      if (offenders.some((o) => o.el.contains(el))) continue;
      const cs = getComputedStyle(el);
      // Positioned off-screen on purpose (skip link before focus, visually hidden text).
      if ((cs.position === 'absolute' || cs.position === 'fixed') && (r.bottom <= 0 || r.width <= 1)) continue;
      offenders.push({ el, text: `${describe(el)} (left ${Math.round(r.left)}, right ${Math.round(r.right)}, width ${Math.round(r.width)}): "${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80)}"` });
    }
  }
  return { scrollWidth: doc.scrollWidth, clientWidth: width, offenders: offenders.slice(0, 12).map((o) => o.text) };
}

/** Elements whose text is cut by overflow hidden/clip or an ellipsis. */
function findClippedText() {
  const clipped = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  for (const el of document.querySelectorAll('body, body *')) {
    // A slippy map clips its content on purpose; WCAG 1.4.10 exempts maps,
    // and every place of the map is also listed as text on the page.
    if (el.closest('.leaflet-container')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const text = (el.textContent || '').trim();
    if (!text) continue;
    const r = el.getBoundingClientRect();
    // Visually hidden on purpose (screen-reader only text).
    if (r.width <= 1 || r.height <= 1 || cs.clip === 'rect(0px, 0px, 0px, 0px)' || cs.clipPath === 'inset(50%)') continue;
    const hides = (v) => v === 'hidden' || v === 'clip';
    const reasons = [];
    if (hides(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) reasons.push(`overflow-x ${cs.overflowX}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    if (hides(cs.overflowY) && el.scrollHeight > el.clientHeight + 1) reasons.push(`overflow-y ${cs.overflowY}: scrollHeight ${el.scrollHeight} > clientHeight ${el.clientHeight}`);
    if (cs.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) reasons.push('text-overflow: ellipsis cuts the text');
    if (reasons.length) clipped.push(`${describe(el)}: ${reasons.join('; ')}: "${text.replace(/\s+/g, ' ').slice(0, 80)}"`);
  }
  return clipped.slice(0, 15);
}

async function assertNoHorizontalScroll(where) {
  const m = await page.evaluate(measureOverflow);
  if (m.scrollWidth > m.clientWidth) {
    assert.fail(
      `horizontal scroll on ${where}: scrollWidth ${m.scrollWidth} > clientWidth ${m.clientWidth}; elements sticking out:\n  ${m.offenders.join('\n  ')}`,
    );
  }
}

test('harness: overflow and clipping are detected', async () => {
  await page.setViewportSize({ width: 320, height: 800 });
  await page.setContent('<!doctype html><html lang=fr><body><div style="width:500px">large</div><p style="width:50px;overflow:hidden;white-space:nowrap">un texte coupé</p></body></html>');
  const m = await page.evaluate(measureOverflow);
  assert.ok(m.scrollWidth > m.clientWidth, `expected an overflow, got ${JSON.stringify(m)}`);
  const clipped = await page.evaluate(findClippedText);
  assert.ok(clipped.some((c) => c.includes('un texte coupé')), `expected clipped text, got ${JSON.stringify(clipped)}`);
});

test('reflow: no horizontal scroll at 320×800 (WCAG 1.4.10)', async (t) => {
  await page.setViewportSize({ width: 320, height: 800 });
  for (const p of templatePages()) {
    await t.test(`${p.name}: /${p.path}`, async () => {
      await openPage(page, p);
      await assertNoHorizontalScroll(`/${p.path} at 320 px`);
    });
  }
});

for (const width of [1280, 640]) {
  test(`text at 200 % at ${width}×800: no horizontal scroll, no clipped text (WCAG 1.4.4)`, async (t) => {
    await page.setViewportSize({ width, height: 800 });
    for (const p of templatePages()) {
      await t.test(`${p.name}: /${p.path}`, async () => {
        await openPage(page, p);
        const before = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
        await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
        const after = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
        // Text sized in px would not follow the user's text size setting.
        assert.ok(after >= before * 1.95, `body text did not grow with the root font size (${before}px → ${after}px): use rem/em, not px`);
        await assertNoHorizontalScroll(`/${p.path} at ${width} px with text at 200 %`);
        const clipped = await page.evaluate(findClippedText);
        assertNone(clipped, `text clipped on /${p.path} at ${width} px with text at 200 %`);
      });
    }
  });
}

test('no request left 127.0.0.1', () => assertNoExternalRequest());
