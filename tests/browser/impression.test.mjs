// (g) Print stylesheet of the place pages: with media "print" emulated, the
// name, address, phone number (when there is one), opening hours and update
// date are visible; the header navigation, the breadcrumbs and the site
// footer are hidden. A PDF of one place page is left in artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import {
  assertNoExternalRequest,
  assertNone,
  ensureArtifactsDir,
  launchBrowser,
  newGuardedContext,
  openPage,
  places,
  templatePages,
} from './helpers/common.mjs';

const MAX_PLACES = 12; // place pages checked, spread over donnees/lieux.json

let browser;
let page;

before(async () => {
  browser = await launchBrowser();
  // About the width of an A4 page at 96 dpi.
  const context = await newGuardedContext(browser, { viewport: { width: 794, height: 1123 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

/** What is printed of a place page, read in the page with media print. */
function printedFacts(place) {
  const shown = (el) => !!el && el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && el.getClientRects().length > 0;
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const digits = (s) => String(s ?? '').replace(/\D/g, '');
  const main = document.querySelector('main');
  const visibleText = main ? norm(main.innerText).toLowerCase() : ''; // innerText skips what is not rendered
  const problems = [];
  if (!main) return ['no <main>'];

  if (!shown(main.querySelector('h1'))) problems.push('the h1 (name of the place) is hidden');
  const street = norm(place.adresse).toLowerCase();
  if (street && !visibleText.includes(street)) problems.push(`the address "${street}" is not printed`);
  if (place.code_postal && !visibleText.includes(String(place.code_postal))) problems.push(`the postcode ${place.code_postal} is not printed`);

  if (place.telephone) {
    const want = digits(place.telephone).slice(-9);
    const tels = [...main.querySelectorAll('a[href^="tel:"]')];
    if (!tels.some((a) => shown(a) && digits(a.getAttribute('href')).endsWith(want))) {
      problems.push(`the phone number ${place.telephone} is not printed (${tels.length} tel: link(s) in main)`);
    }
  }

  const heading = [...main.querySelectorAll('h2, h3, h4')].find((h) => /horaires/i.test(h.textContent));
  if (!heading) {
    problems.push('no "Horaires" heading on the page');
  } else if (!shown(heading)) {
    problems.push('the "Horaires" heading is not printed');
  } else {
    const section = heading.closest('section, div') ?? heading.parentElement;
    const text = norm(section.innerText);
    if (text.length <= norm(heading.innerText).length + 2) problems.push(`the hours section prints nothing but its heading: "${text}"`);
  }

  if (place.date_maj) {
    const time = main.querySelector(`time[datetime="${place.date_maj}"]`);
    if (!shown(time)) problems.push(`the update date time[datetime="${place.date_maj}"] is not printed`);
  } else if (!visibleText.includes('mise à jour')) {
    problems.push('no printed "mise à jour" date');
  }

  const describe = (el) =>
    el.tagName.toLowerCase() +
    (el.classList.length ? '.' + [...el.classList].join('.') : '') +
    (el.getAttribute('aria-label') ? `[aria-label="${el.getAttribute('aria-label')}"]` : '');
  for (const el of document.querySelectorAll('nav, body > footer, body > header nav')) {
    if (!el.closest('main') && shown(el)) problems.push(`${describe(el)} is printed: hide it in the print stylesheet`);
  }
  return [...new Set(problems)];
}

test('harness: print media is emulated', async () => {
  await page.setContent('<!doctype html><html lang=fr><head><style>@media print{.x{display:none}}</style></head><body><p class=x>x</p></body></html>');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.x').isVisible(), false);
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await page.locator('.x').isVisible(), true);
});

test('print: place pages keep what a resident needs and drop the navigation', async (t) => {
  const all = [...places()].sort((a, b) => a.id.localeCompare(b.id));
  const chosen = new Map();
  const template = templatePages().find((x) => x.name === 'lieu').place;
  chosen.set(template.id, template);
  const step = Math.max(1, Math.floor(all.length / MAX_PLACES));
  for (let i = 0; i < all.length && chosen.size < MAX_PLACES; i += step) chosen.set(all[i].id, all[i]);
  for (const place of chosen.values()) {
    await t.test(`lieux/${place.id}/`, async () => {
      await page.emulateMedia({ media: 'print' });
      try {
        await openPage(page, { path: `lieux/${place.id}/`, status: 200 });
        const problems = await page.evaluate(printedFacts, place);
        assertNone(problems, `print of lieux/${place.id}/`);
      } finally {
        await page.emulateMedia({ media: 'screen' });
      }
    });
  }
});

test('print: PDF of a place page (artifact)', async (t) => {
  const p = templatePages().find((x) => x.name === 'lieu');
  await openPage(page, p);
  // Earlier tests leave "screen" emulated, which page.pdf() would honour.
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: false, preferCSSPageSize: true });
  const file = path.join(ensureArtifactsDir(), 'impression-lieu.pdf');
  fs.writeFileSync(file, pdf);
  const pageCount = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  t.diagnostic(`${path.relative(process.cwd(), file)}: ${pageCount} A4 page(s)`);
  assert.ok(pdf.length > 1000, 'the PDF is empty');
  assert.equal(pageCount, 1, 'a place page prints on one A4 page');
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
