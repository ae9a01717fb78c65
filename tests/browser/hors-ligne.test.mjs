// Offline: a visited page reloads without a connection; an unvisited page
// shows the French offline page, which lists the pages saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoExternalRequest, launchBrowser, newGuardedContext, places, siteUrl, BASE } from './helpers/common.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('visit, go offline, reload: the page is still there; an unvisited page gives the offline page', async () => {
  const context = await newGuardedContext(browser, { viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  const all = places();
  const visited = all[0];
  const unvisited = all[all.length - 1];
  await page.goto(siteUrl(''));
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(new URL(scope).pathname, BASE.pathname, 'the worker is scoped to the site base path');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.goto(siteUrl(`lieux/${visited.id}/`));
  assert.equal(await page.locator('h1').textContent(), visited.nom);

  await context.setOffline(true);
  await page.reload();
  assert.equal(await page.locator('h1').textContent(), visited.nom, 'a visited page reads offline');
  assert.ok(await page.locator('link[rel=stylesheet]').count(), 'with its styles');
  const background = await page.evaluate(() => getComputedStyle(document.querySelector('.entete')).backgroundColor);
  assert.notEqual(background, 'rgba(0, 0, 0, 0)', 'the stylesheet came from the cache');

  await page.goto(siteUrl(`lieux/${unvisited.id}/`));
  assert.equal(await page.locator('h1').textContent(), 'Vous êtes hors ligne');
  const saved = page.locator('#pages-enregistrees a');
  await saved.first().waitFor();
  const hrefs = await saved.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes(new URL(siteUrl(`lieux/${visited.id}/`)).pathname), `saved pages: ${hrefs.join(', ')}`);
  assert.match(await page.locator('#etat-enregistrees').textContent(), /pages? enregistrées? sur cet appareil/);
  await context.close();
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
