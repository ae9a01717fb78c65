// `annuaire serve` in Chromium: the page a partner is looking at follows
// their saves. It reloads after a successful rebuild (the script long-polls
// /__annuaire/etat), shows the content errors of a failed one as text
// without reloading, and reloads again once the file is fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { HERE, launchBrowser, newGuardedContext } from './helpers/common.mjs';

const REPO = path.resolve(HERE, '..', '..');
const PLACE = 'cyberbase-bayonne';

let browser;
let context;
let server;
let dir;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(what, condition, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annuaire-serve-'));
  fs.copyFileSync(path.join(REPO, 'annuaire.yaml'), path.join(dir, 'annuaire.yaml'));
  fs.cpSync(path.join(REPO, 'content'), path.join(dir, 'content'), { recursive: true });
  const port = await freePort();
  const bin = process.env.ANNUAIRE_BIN || path.join(process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, 'target'), 'debug', 'annuaire');
  server = spawn(bin, ['serve', '--port', String(port), '--root', dir], { stdio: 'ignore' });
  server.base = `http://127.0.0.1:${port}/`;
  await waitFor('the first build', async () => {
    try {
      return (await fetch(server.base)).status === 200;
    } catch {
      return false;
    }
  });
  browser = await launchBrowser();
  context = await newGuardedContext(browser, { viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Waits until serve's version has not changed for 1.5 s: after a save,
 *  the dashboard follows once the files are quiet, and the page reloads
 *  for it too. */
async function settled() {
  let last = null;
  let since = Date.now();
  await waitFor('serve to settle', async () => {
    const { version } = await (await fetch(`${server.base}__annuaire/etat`)).json();
    if (version !== last) {
      last = version;
      since = Date.now();
    }
    return Date.now() - since >= 1500;
  });
}

test('a saved place reloads the page; an error is shown as text, then fixed', async () => {
  const file = path.join(dir, 'content', 'lieux', `${PLACE}.md`);
  const original = fs.readFileSync(file, 'utf8');
  const withName = (name) => original.replace(/^nom: .*$/m, `nom: "${name}"`);
  assert.notEqual(withName('x'), original, 'the place file has a name line');

  const page = await context.newPage();
  await page.goto(`${server.base}lieux/${PLACE}/`);
  // A mark in the page's memory: gone once the page is reloaded.
  await settled();
  const mark = () => page.evaluate(() => { window.__marque = true; });
  const marked = () => page.evaluate(() => window.__marque === true);
  await mark();
  const title = () => page.locator('h1').first().textContent();
  // The script is waiting for news before anything is saved.
  await waitFor('the long poll', () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/__annuaire/etat'))));

  fs.writeFileSync(file, withName('Cyberbase renommée'));
  await waitFor('the reload with the new name', async () => (await title().catch(() => '')) === 'Cyberbase renommée', 20_000);
  assert.equal(await marked(), false, 'the page was reloaded');
  await settled();
  await mark();

  // An invalid file: the page stays, with the error as text.
  fs.writeFileSync(file, withName('Cyberbase renommée').replace(/^code_postal: .*$/m, 'code_postal: "6410"'));
  const alert = page.locator('.erreurs-construction[role=alert]');
  await alert.waitFor({ timeout: 20_000 });
  const text = await alert.textContent();
  assert.match(text, /version précédente/);
  assert.match(text, new RegExp(`${PLACE}\\.md:\\d+:\\d+`), text);
  assert.equal(await marked(), true, 'no reload on an error');
  assert.equal(await title(), 'Cyberbase renommée', 'the previous version stays on screen');

  // Fixed: the panel goes and the page reloads with the content.
  fs.writeFileSync(file, withName('Cyberbase de nouveau'));
  await waitFor('the reload after the fix', async () => (await title().catch(() => '')) === 'Cyberbase de nouveau', 20_000);
  assert.equal(await alert.count(), 0, 'no error panel after the fix');
  assert.equal(await marked(), false, 'reloaded');
  await page.close();
});
