// Weight budgets on the demo, as residents on a weak connection receive it:
// a place page is at most 14 KB of gzipped HTML (one network round trip)
// and 100 KB in all on first load, with no request to another host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { assertNoExternalRequest, launchBrowser, newGuardedContext, places, siteUrl } from './helpers/common.mjs';

const HTML_BUDGET = 14 * 1024;
const PAGE_BUDGET = 100 * 1024;

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Loads a page in a fresh context (empty cache) and returns its responses' gzipped sizes. */
async function firstLoad(path) {
  const context = await newGuardedContext(browser, { viewport: { width: 360, height: 800 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const pending = [];
  page.on('response', (response) => {
    pending.push(
      response.body().then(
        (body) => ({ url: response.url(), type: response.request().resourceType(), gzip: zlib.gzipSync(body, { level: 9 }).length }),
        () => ({ url: response.url(), type: response.request().resourceType(), gzip: 0 }),
      ),
    );
  });
  await page.goto(siteUrl(path), { waitUntil: 'networkidle' });
  const responses = await Promise.all(pending);
  await context.close();
  return responses;
}

test('every place page: HTML ≤ 14 KB gzip, first load ≤ 100 KB gzip', async (t) => {
  const all = places();
  let heaviest = { path: '', html: 0, total: 0 };
  for (const place of all) {
    const path = `lieux/${place.id}/`;
    const responses = await firstLoad(path);
    const html = responses.filter((r) => r.type === 'document').reduce((s, r) => s + r.gzip, 0);
    const total = responses.reduce((s, r) => s + r.gzip, 0);
    assert.ok(html > 0, `${path}: no HTML measured`);
    assert.ok(html <= HTML_BUDGET, `${path}: HTML is ${html} bytes gzipped, budget ${HTML_BUDGET}`);
    assert.ok(total <= PAGE_BUDGET, `${path}: first load is ${total} bytes gzipped, budget ${PAGE_BUDGET}`);
    if (total > heaviest.total) heaviest = { path, html, total };
  }
  t.diagnostic(`heaviest place page: ${heaviest.path}, HTML ${heaviest.html} B, total ${heaviest.total} B (gzip)`);
});

test('a place page loads no map or search script', async () => {
  const responses = await firstLoad(`lieux/${places()[0].id}/`);
  const scripts = responses.filter((r) => r.type === 'script').map((r) => new URL(r.url).pathname.split('/').pop());
  for (const s of scripts) assert.ok(['hors-ligne.js', 'ouverture.js'].includes(s), `unexpected script ${s} on a place page`);
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
