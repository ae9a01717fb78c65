// (d) With JavaScript disabled, the whole directory is reachable by following
// links from the home page: a breadth-first crawl of the same-origin links
// under the sub-path. Every place of donnees/lieux.json and every page of
// sitemap.xml must be reached, and no internal link may be broken. The crawl
// also checks (e) on every page: lang="fr", exactly one h1, and a skip link to
// #contenu as first focusable element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  assertNoExternalRequest,
  assertNone,
  launchBrowser,
  newGuardedContext,
  places,
  readSiteFile,
  relPath,
  siteUrl,
} from './helpers/common.mjs';

const MAX_PAGES = 2000;
const WORKERS = 3;

let browser;
let context;
let crawl; // result of the crawl, set by the first test

before(async () => {
  browser = await launchBrowser();
  context = await newGuardedContext(browser, { javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
});

/** Facts read from a page, in the page (Playwright can evaluate with JS off). */
function readPage() {
  const focusable = [
    ...document.querySelectorAll(
      'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable=""], [contenteditable=true]',
    ),
  ].filter((el) => !el.disabled && el.getAttribute('tabindex') !== '-1');
  const first = focusable[0];
  return {
    lang: document.documentElement.getAttribute('lang'),
    h1: document.querySelectorAll('h1').length,
    title: document.title,
    firstFocusable: first ? { tag: first.tagName.toLowerCase(), href: first.getAttribute('href'), text: first.textContent.trim() } : null,
    ids: [...document.querySelectorAll('[id]')].map((el) => el.id),
    links: [...document.querySelectorAll('a[href], area[href]')].map((a) => ({
      href: a.href,
      raw: a.getAttribute('href'),
      text: (a.textContent || a.getAttribute('aria-label') || '').trim().slice(0, 60),
    })),
  };
}

const looksLikePage = (url) => {
  const p = new URL(url).pathname;
  return p.endsWith('/') || p.endsWith('.html') || !/\.[a-z0-9]+$/i.test(p.split('/').pop());
};

async function runCrawl() {
  const start = siteUrl('');
  const pages = new Map(); // url → { status, facts, redirectedTo }
  const resources = new Map(); // url → status (non-page links: CSV, JSON…)
  const referrers = new Map(); // url (no hash) → first page linking to it
  const fragments = []; // { target, id, from }
  const outsideSubPath = []; // same-origin links that escape the sub-path
  const failedSubresources = []; // CSS, images… answered >= 400
  const queue = [start];
  const seen = new Set([start]);
  let next = 0;
  let active = 0;
  let capped = false;

  context.on('response', (res) => {
    const type = res.request().resourceType();
    if (type !== 'document' && res.status() >= 400) {
      let from = '?';
      try {
        from = res.frame().url();
      } catch {
        // no frame
      }
      failedSubresources.push(`${res.status()} ${relPath(res.url())} (in ${relPath(from)})`);
    }
  });

  function discover(link, from) {
    let u;
    try {
      u = new URL(link.href);
    } catch {
      return;
    }
    if (u.origin !== BASE.origin) return; // mailto:, tel:, other sites: not followed
    const hash = u.hash.slice(1);
    u.hash = '';
    const target = u.href;
    if (hash) fragments.push({ target, id: decodeURIComponent(hash), from });
    if (!u.pathname.startsWith(BASE.pathname)) {
      outsideSubPath.push(`${link.raw} (in ${relPath(from)}, "${link.text}")`);
      return;
    }
    if (!referrers.has(target)) referrers.set(target, `${relPath(from)} ("${link.text}")`);
    if (seen.has(target)) return;
    seen.add(target);
    queue.push(target);
  }

  async function visit(page, url) {
    if (!looksLikePage(url)) {
      const res = await fetch(url, { method: 'GET', redirect: 'follow' });
      await res.arrayBuffer();
      resources.set(url, res.status);
      return;
    }
    if (pages.size >= MAX_PAGES) {
      capped = true;
      return;
    }
    const entry = { status: 0 };
    pages.set(url, entry);
    try {
      const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
      entry.status = response ? response.status() : 0;
      if (response && response.request().redirectedFrom()) entry.redirectedTo = relPath(response.url());
      entry.facts = await page.evaluate(readPage);
    } catch (err) {
      entry.error = err.message.split('\n')[0];
      return;
    }
    if (entry.status === 200) for (const link of entry.facts.links) discover(link, url);
    delete entry.facts.links;
  }

  async function worker() {
    const page = await context.newPage();
    try {
      for (;;) {
        if (next < queue.length) {
          const url = queue[next++];
          active++;
          try {
            await visit(page, url);
          } finally {
            active--;
          }
        } else if (active === 0) {
          return;
        } else {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    } finally {
      await page.close();
    }
  }

  await Promise.all(Array.from({ length: WORKERS }, worker));
  return { pages, resources, referrers, fragments, outsideSubPath, failedSubresources, capped };
}

function needCrawl() {
  assert.ok(crawl, 'the crawl did not run (see the first test)');
  return crawl;
}


test('harness: JavaScript is really disabled in the crawl context', async () => {
  const page = await context.newPage();
  try {
    await page.setContent('<!doctype html><html lang=fr><title>sans</title><script>document.title = "avec"</script></html>');
    assert.equal(await page.title(), 'sans');
  } finally {
    await page.close();
  }
});

test('crawl from the home page with JavaScript disabled', async (t) => {
  const started = Date.now();
  crawl = await runCrawl();
  t.diagnostic(
    `${crawl.pages.size} pages and ${crawl.resources.size} files reached in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const home = crawl.pages.get(siteUrl(''));
  assert.equal(home?.status, 200, `home page ${siteUrl('')}: ${home?.error ?? `status ${home?.status}`}`);
  assert.ok(!crawl.capped, `more than ${MAX_PAGES} pages: crawl stopped early`);
  assert.ok(crawl.pages.size > 1, 'the home page links to no other page');
});

test('every place of donnees/lieux.json is reached', () => {
  const { pages } = needCrawl();
  const missing = places()
    .map((p) => siteUrl(`lieux/${p.id}/`))
    .filter((url) => pages.get(url)?.status !== 200);
  assertNone(missing.map(relPath), 'place pages not reachable by links without JavaScript');
});

test('every page of sitemap.xml is under the base URL and reached', () => {
  const { pages } = needCrawl();
  const xml = readSiteFile('sitemap.xml');
  const decode = (s) =>
    s
      .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  const locs = [...xml.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => decode(m[1]).trim());
  assert.ok(locs.length > 0, 'sitemap.xml has no <loc>');
  const outside = locs.filter((l) => !l.startsWith(BASE.href));
  assertNone(outside, `sitemap URLs not under ${BASE.href}`);
  const unreached = locs.filter((l) => pages.get(l)?.status !== 200);
  assertNone(unreached.map(relPath), 'sitemap pages not reachable by links from the home page (JavaScript off)');
});

test('no internal link is broken (404 or other error)', () => {
  const { pages, resources, referrers } = needCrawl();
  const broken = [];
  for (const [url, e] of pages) {
    if (e.status !== 200) broken.push(`${relPath(url)}: ${e.error ?? `HTTP ${e.status}`}, linked from ${referrers.get(url) ?? '?'}`);
  }
  for (const [url, status] of resources) {
    if (status !== 200) broken.push(`${relPath(url)}: HTTP ${status}, linked from ${referrers.get(url) ?? '?'}`);
  }
  assertNone(broken, 'broken internal links');
});

test('no same-origin link escapes the sub-path', () => {
  const { outsideSubPath } = needCrawl();
  assertNone([...new Set(outsideSubPath)], `links outside ${BASE.pathname} (they break when the site is published in a sub-folder)`);
});

test('internal links point to final URLs (no redirect)', () => {
  const { pages, referrers } = needCrawl();
  const redirected = [...pages]
    .filter(([, e]) => e.redirectedTo)
    .map(([url, e]) => `${relPath(url)} → ${e.redirectedTo}, linked from ${referrers.get(url) ?? '?'}`);
  assertNone(redirected, 'links answered by a redirect (add the final slash)');
});

test('stylesheets and other subresources load', () => {
  const { failedSubresources } = needCrawl();
  assertNone([...new Set(failedSubresources)], 'subresources (CSS, images…) that failed');
});

test('every #fragment of an internal link exists on its page', () => {
  const { pages, fragments } = needCrawl();
  const missing = new Set();
  for (const f of fragments) {
    const target = pages.get(f.target);
    if (!target?.facts) continue; // broken page: reported by the broken-links test
    if (!target.facts.ids.includes(f.id)) missing.add(`${relPath(f.target)}#${f.id}, linked from ${relPath(f.from)}`);
  }
  assertNone([...missing], 'links to a missing id');
});

test('every page: lang="fr", exactly one h1, skip link to #contenu first', () => {
  const { pages } = needCrawl();
  const problems = [];
  for (const [url, e] of pages) {
    if (!e.facts) continue;
    const f = e.facts;
    const where = relPath(url) || '(accueil)';
    if (!/^fr(-[A-Z]{2})?$/.test(f.lang ?? '')) problems.push(`${where}: <html lang="${f.lang}">, expected "fr"`);
    if (f.h1 !== 1) problems.push(`${where}: ${f.h1} h1 elements, expected exactly 1`);
    if (!f.title.trim()) problems.push(`${where}: empty <title>`);
    if (!f.firstFocusable || f.firstFocusable.tag !== 'a' || f.firstFocusable.href !== '#contenu') {
      problems.push(`${where}: first focusable element is ${JSON.stringify(f.firstFocusable)}, expected the skip link <a href="#contenu">`);
    }
    if (!f.ids.includes('contenu')) problems.push(`${where}: no element with id="contenu" for the skip link`);
    const dup = f.ids.filter((id, i) => f.ids.indexOf(id) !== i);
    if (dup.length) problems.push(`${where}: duplicate ids ${[...new Set(dup)].join(', ')}`);
  }
  assertNone(problems, 'page structure problems');
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
