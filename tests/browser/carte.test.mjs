// The map page (carte/): Leaflet and leaflet.markercluster served by the site
// itself, places from donnees/lieux.geojson, the search page's filters read
// from the address, and the text list that stays the reference.
//
// The demo site built by scripts/browser-tests.sh uses the default tiles
// (IGN, on the internet): loading its map with JavaScript on would ask for
// tiles outside 127.0.0.1. So this file builds the demo a second time, in a
// temporary folder, with `carte.tuiles` pointing to a stub tile server that it
// starts on 127.0.0.1 (any /tuiles/{z}/{x}/{y}.png answers a 1×1 PNG, or 500
// when the test wants tiles to fail), and serves that build on 127.0.0.1.
// The no-JavaScript test uses the harness's own build.
//
//   (a) one marker or cluster count per place with coordinates
//   (b) a popup opens from the keyboard on a marker: name, working link
//   (c) filters from the address keep the places the search page finds (its
//       own engine, static/js/recherche.js, run here in Node) and no other
//   (d) failing tiles → a message; Leaflet missing → a message; no JS → the
//       no-JS message and the full list
//   (e) axe-core 0 violations at 360 and 1280 px; no horizontal scroll at 320
//   (f) transfer budget of the page without tiles ≤ 512 KB
//   (g) no request leaves 127.0.0.1
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import {
  AXE_PATH,
  HERE,
  assertNoExternalRequest,
  assertNone,
  ensureArtifactsDir,
  launchBrowser,
  newGuardedContext,
  places,
  readSiteFile,
  siteUrl,
} from './helpers/common.mjs';
import { startStaticServer } from './server.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const REPO = path.resolve(HERE, '..', '..');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BUDGET_BYTES = 512 * 1024;
// A valid 1×1 transparent PNG.
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

let browser;
let tmp; // temporary folder: source root and build of the second site
let siteDir; // build of the second site (…/site/sous-dossier)
let siteServer;
let siteBase; // http://127.0.0.1:P/sous-dossier/
let tileServer;
let tilePort;
let tileMode = 'ok'; // 'ok' | 'error'
let tileRequests = 0;
let geojson; // the second site's donnees/lieux.geojson
let catalogue; // its donnees/recherche/index.json

// ------------------------------------------------------------ setup

function annuaireBin() {
  if (process.env.ANNUAIRE_BIN) return path.resolve(REPO, process.env.ANNUAIRE_BIN);
  return path.resolve(REPO, process.env.CARGO_TARGET_DIR ?? 'target', 'debug', 'annuaire');
}

function startTileServer() {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      tileRequests += 1;
      const ok = /^\/tuiles\/\d+\/\d+\/\d+\.png$/.test(new URL(req.url, 'http://127.0.0.1').pathname);
      if (!ok) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return res.end('not a tile\n');
      }
      if (tileMode === 'error') {
        res.writeHead(500, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
        return res.end('tile server down\n');
      }
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': PNG_1X1.length, 'Cache-Control': 'no-store' });
      return res.end(PNG_1X1);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The demo's annuaire.yaml with its `carte:` block replaced by the stub's. */
function configWithStubTiles(port) {
  const original = fs.readFileSync(path.join(REPO, 'annuaire.yaml'), 'utf8');
  const withoutMap = original.replace(/^carte:[^\n]*\n(?:(?:[ \t][^\n]*)?\n)*/m, '');
  return (
    withoutMap.trimEnd() +
    `\ncarte:\n  tuiles: "http://127.0.0.1:${port}/tuiles/{z}/{x}/{y}.png"\n  attribution: "© Essai – tuiles de test"\n`
  );
}

before(async () => {
  tileServer = await startTileServer();
  tilePort = tileServer.address().port;

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'annuaire-carte-'));
  const root = path.join(tmp, 'source');
  fs.mkdirSync(root);
  for (const dir of ['content', 'static', 'themes']) {
    if (fs.existsSync(path.join(REPO, dir))) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  }
  fs.writeFileSync(path.join(root, 'annuaire.yaml'), configWithStubTiles(tilePort));

  fs.mkdirSync(path.join(tmp, 'site'));
  const started = await startStaticServer(path.join(tmp, 'site'));
  siteServer = started.server;
  siteBase = `http://127.0.0.1:${started.port}/sous-dossier/`;
  siteDir = path.join(tmp, 'site', 'sous-dossier');
  try {
    await run(annuaireBin(), ['build', '--root', root, '--output', siteDir, '--base-url', siteBase], {
      env: { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? '1704067200' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new Error(`annuaire build with the stub tiles failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
  const html = fs.readFileSync(path.join(siteDir, 'carte', 'index.html'), 'utf8');
  assert.ok(html.includes(`http://127.0.0.1:${tilePort}/tuiles/`), 'the map page does not use the stub tile server');
  geojson = JSON.parse(fs.readFileSync(path.join(siteDir, 'donnees', 'lieux.geojson'), 'utf8'));
  catalogue = JSON.parse(fs.readFileSync(path.join(siteDir, 'donnees', 'recherche', 'index.json'), 'utf8'));

  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (siteServer ? siteServer.close(r) : r()));
  await new Promise((r) => (tileServer ? tileServer.close(r) : r()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ------------------------------------------------------------ helpers

const mapUrl = (search = '') => new URL(`carte/${search}`, siteBase).href;

function located(features = geojson.features) {
  return features.filter(
    (f) =>
      f.geometry?.type === 'Point' &&
      Number.isFinite(f.geometry.coordinates?.[0]) &&
      Number.isFinite(f.geometry.coordinates?.[1]),
  );
}

/** A new page in a guarded context; the caller closes the context. */
async function newPage(options = {}) {
  const context = await newGuardedContext(browser, { viewport: { width: 1280, height: 800 }, bypassCSP: true, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, errors };
}

/** Opens the map and waits for carte.js to have placed the markers. */
async function openMap(page, search = '') {
  const response = await page.goto(mapUrl(search), { waitUntil: 'load' });
  assert.equal(response?.status(), 200, `HTTP status of ${mapUrl(search)}`);
  await page.waitForSelector('#carte[data-prete]', { timeout: 15_000 });
  assert.equal(await page.getAttribute('#carte', 'data-prete'), '1', 'carte.js could not load the places');
}

const SINGLE = '#carte .leaflet-marker-pane .leaflet-marker-icon:not(.marker-cluster)';

/** Waits for the end of zoom and cluster animations. */
async function settle(page) {
  await page.waitForTimeout(300);
  await page.waitForFunction(() => !document.querySelector('#carte .leaflet-cluster-anim, #carte .leaflet-zoom-anim'));
}

/** Zooms in with the keyboard (Enter on a cluster) until a single marker shows. */
async function zoomToSingleMarker(page) {
  for (let i = 0; i < 12 && (await page.locator(SINGLE).count()) === 0; i += 1) {
    await page.locator('#carte .marker-cluster').first().focus();
    await page.keyboard.press('Enter');
    await settle(page);
  }
  assert.ok((await page.locator(SINGLE).count()) > 0, 'no single marker after zooming in');
  return page.locator(SINGLE).first();
}

/** A services value index that keeps some places of the map, not all. */
function reducingServiceIndex() {
  const all = located();
  const services = facet('services');
  const counts = services.valeurs.map((v) => all.filter((f) => (f.properties.services ?? []).includes(v)).length);
  const i = counts.findIndex((n) => n > 0 && n < all.length);
  assert.ok(i >= 0, 'no services value keeps some but not all places: the demo cannot show a reduction');
  return { index: i, value: services.valeurs[i], expected: counts[i] };
}

/** Markers on the map: single markers + the counts shown by clusters. */
async function markerTotal(page) {
  return page.evaluate(() => {
    const singles = document.querySelectorAll('#carte .leaflet-marker-pane .leaflet-marker-icon:not(.marker-cluster)').length;
    const clusters = [...document.querySelectorAll('#carte .leaflet-marker-pane .marker-cluster [data-nombre]')];
    const inClusters = clusters.reduce((sum, el) => sum + Number(el.getAttribute('data-nombre')), 0);
    return { singles, clusters: clusters.length, inClusters, total: singles + inClusters };
  });
}

async function runAxe(page) {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.flatMap((v) =>
      v.nodes.map((n) => `[${v.impact}] ${v.id}: ${v.help} — ${n.target.join(' ')} ${n.html.slice(0, 200)}`),
    );
  }, TAGS);
}

/** The catalogue's facet `cle` ({ cle, titre, valeurs }). */
function facet(cle) {
  const f = catalogue.facettes.find((x) => x.cle === cle);
  assert.ok(f, `no facet ${cle} in donnees/recherche/index.json`);
  return f;
}

// ------------------------------------------------------------ tests

test('harness: the stub tile server answers tiles and 500 on demand', async () => {
  const tile = await fetch(`http://127.0.0.1:${tilePort}/tuiles/8/127/93.png`);
  assert.equal(tile.status, 200);
  assert.equal(tile.headers.get('content-type'), 'image/png');
  tileMode = 'error';
  try {
    assert.equal((await fetch(`http://127.0.0.1:${tilePort}/tuiles/8/127/93.png`)).status, 500);
  } finally {
    tileMode = 'ok';
  }
  assert.ok(located().length > 1, 'the demo GeoJSON needs at least two places with coordinates');
});

test('(a) one marker or cluster count per place with coordinates', async () => {
  const { context, page, errors } = await newPage();
  try {
    const before = tileRequests;
    await openMap(page);
    const expected = located().length;
    const got = await markerTotal(page);
    assert.equal(got.total, expected, `markers on the map ${JSON.stringify(got)} ≠ ${expected} places with coordinates in lieux.geojson`);
    assert.equal(await page.getAttribute('#carte', 'data-lieux'), String(expected));
    await page.waitForFunction(() => document.querySelectorAll('#carte .leaflet-tile-loaded').length > 0);
    assert.ok(tileRequests > before, 'no tile was asked from the stub tile server');
    // The no-JS message is gone; no filter sentence without filters; no alert.
    assert.equal(await page.locator('#carte-message').count(), 0, 'the no-JS message is still in the map');
    assert.equal(await page.locator('#carte-filtres').isHidden(), true, '#carte-filtres shown without any filter');
    assert.equal(await page.locator('#carte-etat').isHidden(), true, 'a status message is shown while tiles load');
    const label = await page.getAttribute('#carte', 'aria-label');
    assert.match(label ?? '', /^Carte des lieux/, 'the map container has no French aria-label');
    // Every marker has the place's name for screen readers.
    const names = await page.$$eval('#carte .leaflet-marker-icon:not(.marker-cluster)', (els) =>
      els.map((e) => ({ alt: e.getAttribute('alt'), title: e.getAttribute('title'), tab: e.getAttribute('tabindex') })),
    );
    const known = new Set(located().map((f) => f.properties.nom));
    for (const n of names) {
      assert.ok(known.has(n.alt) && n.title === n.alt, `marker without the place's name: ${JSON.stringify(n)}`);
      assert.equal(n.tab, '0', 'markers must be reachable with Tab');
    }
    // Vendored files only: the libraries come from the site itself.
    const scripts = await page.$$eval('script[src]', (els) => els.map((e) => e.src));
    for (const s of scripts) assert.ok(s.startsWith(siteBase), `script from elsewhere: ${s}`);
    await page.screenshot({ path: path.join(ensureArtifactsDir('carte'), 'carte-1280.png') });
    assert.deepEqual(errors, [], 'JavaScript errors on the map page');
  } finally {
    await context.close();
  }
});

test('(b) a popup opens from the keyboard with the name and a working link', async () => {
  const { context, page, errors } = await newPage();
  try {
    await openMap(page);
    const marker = await zoomToSingleMarker(page);
    const name = await marker.getAttribute('alt');
    const feature = located().find((f) => f.properties.nom === name);
    assert.ok(feature, `marker ${name} is not a place of lieux.geojson`);

    await marker.focus();
    await page.keyboard.press('Enter');
    const popup = page.locator('#carte .leaflet-popup');
    await popup.waitFor({ state: 'visible' });
    const link = popup.locator('.carte-popup-nom a');
    assert.equal((await link.textContent())?.trim(), name, 'the popup does not show the place name');
    assert.equal(await link.getAttribute('href'), feature.properties.url, 'the popup link is not the place page');
    assert.equal(await link.evaluate((a) => a === document.activeElement), true, 'the popup link has no focus');
    const text = await popup.textContent();
    assert.ok(text.includes(feature.properties.commune), 'the popup does not show the commune');
    for (const s of feature.properties.services ?? []) assert.ok(text.includes(s), `the popup does not show the service ${s}`);
    assert.equal(await popup.locator('.leaflet-popup-close-button').getAttribute('aria-label'), 'Fermer');

    // Escape closes it and gives the focus back to the marker.
    await page.keyboard.press('Escape');
    await popup.waitFor({ state: 'detached' });
    assert.equal(await marker.evaluate((m) => m === document.activeElement), true, 'focus not back on the marker');

    // Enter again, then follow the link: the place's page.
    await page.keyboard.press('Enter');
    await popup.waitFor({ state: 'visible' });
    const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(response?.status(), 200, `the popup link ${feature.properties.url} is broken`);
    assert.equal(page.url(), feature.properties.url);
    assert.equal((await page.locator('h1').textContent())?.trim(), name);
    assert.deepEqual(errors, [], 'JavaScript errors on the map page');
  } finally {
    await context.close();
  }
});

test('(c) filters from the address: the places the search page finds', async (t) => {
  const all = located();
  // Independent counts from the open data, for the plainest filters.
  const { index: si, value: service, expected: servicesExpected } = reducingServiceIndex();
  const col = Object.fromEntries(catalogue.colonnes.map((c, i) => [c, i]));
  const entries = catalogue.departements.flatMap((d) => JSON.parse(readSiteFileOf(d[2])).lieux);
  const saturday = new Set(entries.filter((e) => Math.floor(e[col.drapeaux] / 4) % 2 === 1).map((e) => e[col.id]));
  const samediExpected = all.filter((f) => saturday.has(f.id)).length;
  // A facet that only the search index has (not the GeoJSON), with a value
  // that keeps some places but not all.
  const locatedIds = new Set(all.map((f) => f.id));
  let indexOnly = null;
  for (const cle of ['accompagnement', 'prise_en_charge', 'dispositifs']) {
    const f = catalogue.facettes.find((x) => x.cle === cle);
    for (let i = 0; f && !indexOnly && i < f.valeurs.length; i += 1) {
      const n = entries.filter((e) => locatedIds.has(e[col.id]) && Math.floor(e[col[cle]] / 2 ** i) % 2 === 1).length;
      if (n > 0 && n < all.length) indexOnly = { search: `?${cle}=${i}`, plain: n };
    }
  }
  // A word of a place's name, with one letter swapped (typo tolerance).
  const word = all
    .flatMap((f) => f.properties.nom.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().split(/[^a-z0-9]+/))
    .find((w) => w.length >= 7);
  assert.ok(word, 'no place name has a word of 7 letters or more');
  const typo = word.slice(0, 2) + word[3] + word[2] + word.slice(4);
  const anglet = all.find((f) => f.properties.commune === 'Anglet') ?? all[0];

  const cases = [
    { search: `?services=${si}`, plain: servicesExpected },
    { search: '?samedi=1', plain: samediExpected, mayKeepNone: true },
    ...(indexOnly ? [indexOnly] : []),
    {
      search: `?services=${si}&samedi=1`,
      plain: all.filter((f) => saturday.has(f.id) && (f.properties.services ?? []).includes(service)).length,
      mayKeepNone: true,
    },
    { search: `?q=${encodeURIComponent(word)}` },
    { search: `?q=${encodeURIComponent(typo)}` },
    { search: `?q=${encodeURIComponent(word)}&services=${si}` },
    { search: `?commune=${encodeURIComponent(anglet.properties.commune.toUpperCase())}`, commune: anglet.properties.commune },
    { search: '?commune=Zzyzx-sur-Rien', unknown: true },
  ];

  const { context, page, errors } = await newPage();
  try {
    for (const c of cases) {
      await t.test(c.search, async () => {
        const want = searchPageResults(c.search);
        if (c.plain !== undefined) assert.equal(want.onMap, c.plain, `${c.search}: the search engine and the open data disagree`);
        if (!c.commune && !c.unknown && !c.mayKeepNone) assert.ok(want.onMap > 0, `${c.search} keeps no place: nothing to see`);
        if (!c.commune && !c.unknown) assert.ok(want.onMap < all.length, `${c.search} keeps every place: no reduction to see`);
        await openMap(page, c.search);
        assert.equal(await page.getAttribute('#carte', 'data-lieux'), String(want.onMap), `${c.search}: places put on the map`);
        const got = await markerTotal(page);
        if (c.commune) {
          // Around a commune every place stays, the view shows the nearest ones.
          assert.equal(want.commune, c.commune);
          assert.ok(got.total > 0, `${c.search}: no marker in view around ${c.commune}`);
        } else {
          assert.equal(got.total, want.onMap, `${c.search}: ${got.total} markers, the search page finds ${want.onMap} places with coordinates`);
        }
        const box = page.locator('#carte-filtres');
        assert.equal(await box.isVisible(), true, '#carte-filtres stays hidden with a filter');
        const text = (await box.textContent()) ?? '';
        if (want.total === 0) assert.match(text, /Aucun lieu/);
        else assert.ok(text.includes(`${want.total} lieu`), `#carte-filtres does not give the count ${want.total}: ${text}`);
        if (c.commune) assert.ok(text.includes(`autour de ${c.commune}`), text);
        if (c.unknown) assert.match(text, /aucune commune/i);
        assert.ok(!/n'ont pas pu être appliqués/.test(text), `the filters were not applied: ${text}`);
        const list = box.locator('a', { hasText: 'liste' });
        assert.equal(await list.getAttribute('href'), `${new URL(siteBase).pathname}recherche/${c.search}`);
      });
    }
    assert.deepEqual(errors, [], 'JavaScript errors on the map page');
  } finally {
    await context.close();
  }
});

/**
 * What the search page finds for a query string, with its own engine
 * (static/js/recherche.js of the built site, run in Node): the total and
 * how many of those places have coordinates in lieux.geojson.
 */
function searchPageResults(search) {
  const api = require(path.join(siteDir, 'static', 'js', 'recherche.js'));
  const keys = catalogue.facettes.map((f) => f.cle);
  const state = api.fromQuery(search, keys);
  const engine = api.createEngine(catalogue);
  const plan = engine.plan(state, null);
  for (const d of catalogue.departements) {
    if (plan.departements.includes(d[0])) engine.add(d[0], JSON.parse(readSiteFileOf(d[2])));
  }
  const now = new Date();
  const result = engine.search(state, plan, now);
  const paths = new Set([...result.ids].map((p) => new URL(engine.card(p, now, null).url, siteBase).pathname));
  const onMap = located().filter((f) => paths.has(new URL(f.properties.url).pathname)).length;
  return { total: result.total, onMap, commune: plan.commune?.commune[1] ?? null };
}

/** Reads a file of the second site from its absolute path on the site. */
function readSiteFileOf(urlPath) {
  const rel = urlPath.startsWith('http') ? new URL(urlPath).pathname : urlPath;
  const inside = rel.slice(new URL(siteBase).pathname.length);
  return fs.readFileSync(path.join(siteDir, inside), 'utf8');
}

test('(d) tiles failing: the page says the background map is unavailable', async () => {
  const { context, page } = await newPage();
  tileMode = 'error';
  try {
    await openMap(page);
    const status = page.locator('#carte-etat[role="status"]');
    await status.waitFor({ state: 'visible' });
    const text = (await status.textContent()) ?? '';
    assert.match(text, /fond de carte n'est pas disponible/);
    assert.match(text, /liste/);
    // The markers are still there.
    assert.equal((await markerTotal(page)).total, located().length);
    // axe too: without tile images under the controls, it can compute the
    // contrast of the attribution and the cluster counts.
    assertNone(await runAxe(page), 'axe violations on carte/ without tiles');
    await page.screenshot({ path: path.join(ensureArtifactsDir('carte'), 'carte-sans-tuiles.png') });
  } finally {
    tileMode = 'ok';
    await context.close();
  }
});

test('(d) Leaflet not loaded: the message points to the list', async () => {
  const { context, page } = await newPage();
  try {
    await page.route('**/vendor/leaflet/leaflet.js', (route) => route.abort('failed'));
    await page.goto(mapUrl(), { waitUntil: 'load' });
    const message = page.locator('#carte-message');
    await page.waitForFunction(() => /pas pu être chargée/.test(document.getElementById('carte-message')?.textContent ?? ''));
    assert.equal(await message.isVisible(), true);
    assert.equal(await message.locator('a').getAttribute('href'), '#titre-liste');
    assert.equal(await page.locator('#titre-liste').count(), 1);
  } finally {
    await context.close();
  }
});

test('(d) search files not loaded: every place, and the page says the filters were not applied', async () => {
  const { context, page } = await newPage();
  try {
    await page.route('**/donnees/recherche/index.json', (route) => route.abort('failed'));
    await openMap(page, `?services=${reducingServiceIndex().index}`);
    assert.equal(await page.getAttribute('#carte', 'data-lieux'), String(located().length));
    const box = page.locator('#carte-filtres');
    assert.equal(await box.isVisible(), true);
    assert.match((await box.textContent()) ?? '', /n'ont pas pu être appliqués/);
  } finally {
    await context.close();
  }
});

test('(d) JavaScript off: the no-JS message and every place in the list', async () => {
  const context = await newGuardedContext(browser, { javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const response = await page.goto(siteUrl('carte/'), { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    const message = page.locator('#carte-message');
    assert.equal(await message.isVisible(), true, 'the no-JS message is not shown');
    assert.match((await message.textContent()) ?? '', /JavaScript/);
    const hrefs = new Set(await page.$$eval('a[href]', (as) => as.map((a) => new URL(a.href).pathname)));
    const base = new URL(siteUrl('')).pathname;
    const missing = places()
      .filter((p) => !hrefs.has(`${base}lieux/${p.id}/`))
      .map((p) => `${p.id} (${p.nom})`);
    assertNone(missing, 'places of donnees/lieux.json not linked from carte/ without JavaScript');
    assert.match(readSiteFile('carte/index.html'), /id="?carte-message/);
  } finally {
    await context.close();
  }
});

for (const width of [360, 1280]) {
  test(`(e) axe-core ${TAGS.join(' ')}: 0 violations at ${width} px, popup open`, async () => {
    const { context, page } = await newPage({ viewport: { width, height: 800 } });
    try {
      await openMap(page, `?services=${reducingServiceIndex().index}`);
      await page.waitForFunction(() => document.querySelectorAll('#carte .leaflet-tile-loaded').length > 0);
      let violations = await runAxe(page);
      assertNone(violations, `axe violations on carte/ with a filter at ${width} px`);
      // Again with a popup open.
      await (await zoomToSingleMarker(page)).focus();
      await page.keyboard.press('Enter');
      await page.locator('#carte .leaflet-popup').waitFor({ state: 'visible' });
      violations = await runAxe(page);
      assertNone(violations, `axe violations on carte/ with a popup open at ${width} px`);
      if (width === 360) await page.screenshot({ path: path.join(ensureArtifactsDir('carte'), 'carte-360-popup.png') });
    } finally {
      await context.close();
    }
  });
}

test('(e) no horizontal scroll at 320 px', async () => {
  const { context, page } = await newPage({ viewport: { width: 320, height: 640 } });
  try {
    await openMap(page);
    const sizes = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    assert.ok(sizes.scroll <= sizes.client, `horizontal scroll at 320 px: ${sizes.scroll} > ${sizes.client}`);
  } finally {
    await context.close();
  }
});

test('(f) the map page weighs at most 512 KB without tiles', async (t) => {
  const { context, page } = await newPage();
  const sizes = [];
  const pending = [];
  page.on('response', (res) => {
    const url = res.url();
    if (url.startsWith(`http://127.0.0.1:${tilePort}/`)) return; // tiles
    pending.push(
      res
        .body()
        .then((b) => sizes.push({ url, bytes: b.length }))
        .catch(() => sizes.push({ url, bytes: Number(res.headers()['content-length'] ?? 0) })),
    );
  });
  try {
    await openMap(page);
    await page.waitForLoadState('networkidle');
    await Promise.all(pending);
    const total = sizes.reduce((s, r) => s + r.bytes, 0);
    const kinds = sizes.map((r) => r.url);
    for (const part of ['carte/', 'leaflet.js', 'leaflet.css', 'leaflet.markercluster.js', 'carte.js', 'lieux.geojson']) {
      assert.ok(kinds.some((u) => u.includes(part)), `no response for ${part}: ${kinds.join(', ')}`);
    }
    const detail = sizes
      .sort((a, b) => b.bytes - a.bytes)
      .map((r) => `${(r.bytes / 1024).toFixed(1)} KB ${r.url}`)
      .join('\n  ');
    assert.ok(total <= BUDGET_BYTES, `the map page loads ${(total / 1024).toFixed(1)} KB (budget 512 KB):\n  ${detail}`);
    t.diagnostic(`map page without tiles: ${(total / 1024).toFixed(1)} KB in ${sizes.length} responses`);
  } finally {
    await context.close();
  }
});

test('(g) no request left 127.0.0.1', () => assertNoExternalRequest());
