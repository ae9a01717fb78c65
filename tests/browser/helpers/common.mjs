// Shared helpers of the browser tests (not a test file: node --test only runs
// *.test.mjs). The site is built and served by scripts/browser-tests.sh, which
// passes two variables:
//   ANNUAIRE_BASE_URL  http://127.0.0.1:PORT/sous-dossier/  (ends with /)
//   ANNUAIRE_SITE_DIR  the folder the site was built into (…/site/sous-dossier)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ARTIFACTS_DIR = path.join(HERE, 'artifacts');
export const AXE_PATH = require.resolve('axe-core');

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with "bash scripts/browser-tests.sh" from the repository root`);
  }
  return value;
}

export const BASE_URL = requiredEnv('ANNUAIRE_BASE_URL');
export const SITE_DIR = requiredEnv('ANNUAIRE_SITE_DIR');
export const BASE = new URL(BASE_URL);
assert.equal(BASE.hostname, '127.0.0.1', 'the tests only ever talk to 127.0.0.1');
assert.ok(BASE.pathname.endsWith('/'), 'ANNUAIRE_BASE_URL must end with /');

/** Absolute URL of a site path given relative to the base ('' = home). */
export function siteUrl(rel = '') {
  assert.ok(!rel.startsWith('/'), `site paths are relative to the base URL: ${rel}`);
  return new URL(rel, BASE).href;
}

/** Path of a URL relative to the base ('' for the home page), for messages. */
export function relPath(url) {
  const u = new URL(url);
  return u.pathname.startsWith(BASE.pathname) ? u.pathname.slice(BASE.pathname.length) + u.search : u.pathname + u.search;
}

// ---------------------------------------------------------------- the site

export function readSiteFile(rel) {
  return fs.readFileSync(path.join(SITE_DIR, rel), 'utf8');
}

/** Places from the built site's open data (donnees/lieux.json). */
export function places() {
  const list = JSON.parse(readSiteFile('donnees/lieux.json'));
  assert.ok(Array.isArray(list) && list.length > 0, 'donnees/lieux.json lists no place');
  for (const p of list) assert.ok(typeof p.id === 'string' && p.id, `place without id in lieux.json: ${JSON.stringify(p).slice(0, 200)}`);
  return list;
}

function dirs(rel) {
  const full = path.join(SITE_DIR, rel);
  assert.ok(fs.existsSync(full), `the built site has no ${rel}/ folder`);
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

let cachedPages;

/**
 * One page of every template, as { name, path, status } where path is
 * relative to the base URL and status the expected HTTP status.
 */
export function templatePages() {
  if (cachedPages) return cachedPages;
  const lieux = places();
  // A place with a phone number if there is one (the print test checks it).
  const place = [...lieux].sort((a, b) => a.id.localeCompare(b.id)).find((p) => p.telephone) ?? lieux[0];

  const communes = dirs('communes');
  const withPlacesCodes = new Set(lieux.map((p) => String(p.code_insee ?? '')));
  const communeWith =
    communes.find((c) => c.startsWith('64102-')) ?? communes.find((c) => withPlacesCodes.has(c.split('-')[0]));
  assert.ok(communeWith, 'no commune page of a commune that has places');
  const communeWithout =
    (communes.includes('64001-aast') && !withPlacesCodes.has('64001') ? '64001-aast' : undefined) ??
    communes.find((c) => !withPlacesCodes.has(c.split('-')[0]));
  assert.ok(communeWithout, 'no commune page of a commune without places');

  const communeHtml = readSiteFile(`communes/${communeWith}/index.html`);
  const epci = communeHtml.match(/\/intercommunalites\/([^/"'\s>#?]+)\//)?.[1];
  assert.ok(epci, `communes/${communeWith}/ links to no intercommunalites/<siren>/ page`);

  const departements = dirs('departements');
  const departement = departements.includes('64') ? '64' : departements[0];
  assert.ok(departement, 'no departements/<code>/ page');

  const services = dirs('services');
  const service = services.includes('aide-aux-demarches-administratives') ? 'aide-aux-demarches-administratives' : services[0];
  assert.ok(service, 'no services/<slug>/ page');

  cachedPages = [
    { name: 'accueil', path: '', status: 200 },
    { name: 'lieux', path: 'lieux/', status: 200 },
    { name: 'lieu', path: `lieux/${place.id}/`, status: 200, place },
    { name: 'commune-avec-lieux', path: `communes/${communeWith}/`, status: 200 },
    { name: 'commune-sans-lieu', path: `communes/${communeWithout}/`, status: 200 },
    { name: 'intercommunalite', path: `intercommunalites/${epci}/`, status: 200 },
    { name: 'departement', path: `departements/${departement}/`, status: 200 },
    { name: 'service', path: `services/${service}/`, status: 200 },
    { name: 'page-libre', path: 'a-propos/', status: 200 },
    { name: '404', path: 'cette-page-n-existe-pas/', status: 404 },
    { name: 'recherche', path: 'recherche/', status: 200 },
    { name: 'carte', path: 'carte/', status: 200 },
    { name: 'orientation-besoin', path: 'orientation/', status: 200 },
    { name: 'orientation-territoire', path: 'orientation/demarches/', status: 200 },
    { name: 'orientation-resultats', path: `orientation/demarches/${epci}/`, status: 200 },
    { name: 'hors-ligne', path: 'hors-ligne/', status: 200 },
    { name: 'integrer', path: 'integrer/', status: 200 },
    { name: 'integrer-commune-avec-lieux', path: `integrer/communes/${communeWith}/`, status: 200 },
    { name: 'integrer-commune-sans-lieu', path: `integrer/communes/${communeWithout}/`, status: 200 },
    { name: 'integrer-recherche', path: 'integrer/recherche/', status: 200 },
    { name: 'integrer-carte', path: 'integrer/carte/', status: 200 },
    { name: 'tableau-de-bord', path: 'tableau-de-bord/', status: 200 },
    { name: 'tableau-de-bord-communes', path: 'tableau-de-bord/communes/', status: 200 },
    { name: 'contribuer', path: 'contribuer/', status: 200 },
  ];
  return cachedPages;
}

// ---------------------------------------------------------------- browser

export const CHROMIUM_PATH = process.env.ANNUAIRE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/**
 * Launches Debian's Chromium (never a Playwright-downloaded browser).
 * playwright-core refuses a --user-data-dir flag in launch() args; instead it
 * creates a fresh empty profile with mkdtemp in os.tmpdir() for every launch
 * (and deletes it on close). scripts/browser-tests.sh points TMPDIR to its own
 * temporary folder, removed on exit.
 */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Every request that tried to leave 127.0.0.1 (blocked), in this process. */
export const externalRequests = [];

function isLocal(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  return (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:') && u.hostname === '127.0.0.1';
}

/**
 * A new browser context that aborts every request not to 127.0.0.1 and
 * records it in externalRequests. Options are Playwright context options.
 */
export async function newGuardedContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  await context.route('**/*', (route) => {
    const request = route.request();
    if (isLocal(request.url())) return route.continue();
    let from = '?';
    try {
      from = request.frame().url();
    } catch {
      // requests of service workers have no frame
    }
    externalRequests.push({ url: request.url(), from });
    return route.abort('blockedbyclient');
  });
  context.on('page', (page) => {
    page.on('websocket', (ws) => {
      if (!isLocal(ws.url())) externalRequests.push({ url: ws.url(), from: page.url() });
    });
  });
  return context;
}

/** The last test of every file: no request tried to leave 127.0.0.1. */
export function assertNoExternalRequest() {
  assert.deepEqual(
    externalRequests,
    [],
    `requests to other hosts than 127.0.0.1 were attempted (and blocked):\n${externalRequests
      .map((r) => `  ${r.url}  (from ${r.from})`)
      .join('\n')}`,
  );
}

/**
 * Opens a site page, checks the HTTP status and waits for it to be loaded.
 * Failing responses of subresources (CSS, images…) are collected too.
 */
export async function openPage(page, p, { waitUntil = 'load' } = {}) {
  const failed = [];
  const onResponse = (res) => {
    if (res.status() >= 400 && res.request().resourceType() !== 'document') failed.push(`${res.status()} ${res.url()}`);
  };
  page.on('response', onResponse);
  try {
    const response = await page.goto(siteUrl(p.path), { waitUntil });
    assert.ok(response, `no response for ${siteUrl(p.path)}`);
    assert.equal(response.status(), p.status, `HTTP status of ${siteUrl(p.path)}`);
    assert.deepEqual(failed, [], `subresources of ${siteUrl(p.path)} failed to load`);
  } finally {
    page.off('response', onResponse);
  }
}

export function ensureArtifactsDir(sub = '') {
  const dir = path.join(ARTIFACTS_DIR, sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fails with one line per problem (no diff noise) if `problems` is not empty. */
export function assertNone(problems, header, max = 40) {
  if (problems.length === 0) return;
  const more = problems.length > max ? `\n  … and ${problems.length - max} more` : '';
  assert.fail(`${header} (${problems.length}):\n  ${problems.slice(0, max).join('\n  ')}${more}`);
}
