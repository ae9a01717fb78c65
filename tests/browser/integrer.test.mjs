// integrer/: an embedded view in a host page of another origin, with the
// exact <iframe> code and host script the builder page gives. The frame
// takes the height of its content, messages from elsewhere are ignored,
// links leave the frame for a new tab, and the builder composes the code
// for the chosen commune.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  BASE,
  assertNoExternalRequest,
  launchBrowser,
  newGuardedContext,
  openPage,
} from './helpers/common.mjs';

// The host page: another origin (another port) on loopback, served by a
// real server of this test rather than faked with page.route(). A fulfilled
// response has no IP address, so Chromium does not count the page as
// loopback, and its Local Network Access checks block the frame's navigation
// to the directory on 127.0.0.1 (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS,
// the frame shows chrome-error://chromewebdata/). The fake only worked when
// the service worker that the builder page registers was already active and
// fetched the view itself, which under load it sometimes was not yet.
let hostBody = '';
let hostServer;
let HOST;

let browser;
let context;

before(async () => {
  hostServer = http.createServer((req, res) => {
    if (new URL(req.url, 'http://127.0.0.1').pathname !== '/hote/') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Not found\n');
    }
    const body = `<!doctype html><html lang="fr"><title>Département</title><body><h1>Page du département</h1>${hostBody}</body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    hostServer.once('error', reject);
    hostServer.listen(0, '127.0.0.1', resolve);
  });
  HOST = `http://127.0.0.1:${hostServer.address().port}/hote/`;
  assert.notEqual(new URL(HOST).origin, BASE.origin, 'the host page is of another origin');
  browser = await launchBrowser();
  context = await newGuardedContext(browser, { viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  // Chromium may keep connections alive: close them, or close() waits.
  hostServer?.closeAllConnections();
  await new Promise((resolve) => (hostServer ? hostServer.close(resolve) : resolve()));
});

/** The code blocks of the builder page, as a person copies them. */
async function builderCode(page) {
  await openPage(page, { path: 'integrer/', status: 200 });
  return page.$$eval('pre.code code', (nodes) => nodes.map((n) => n.textContent));
}

async function hostPage(body) {
  hostBody = body;
  const page = await context.newPage();
  const response = await page.goto(HOST);
  assert.equal(response?.status(), 200, `HTTP status of the host page ${HOST}`);
  return page;
}

/** Calls `probe` every 50 ms until it gives something truthy, which it
 * returns; after `ms`, fails with what `failure()` says. */
async function pollUntil(probe, ms, failure) {
  for (const deadline = Date.now() + ms; ; ) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(await failure());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the frame takes the height of its content, and only from the directory', async () => {
  const builder = await context.newPage();
  const blocks = await builderCode(builder);
  const iframe = blocks.find((b) => b.startsWith('<iframe ') && b.includes('/integrer/communes/'));
  const script = blocks.find((b) => b.startsWith('<script>'));
  assert.ok(iframe && script, `code blocks: ${blocks.join('\n---\n')}`);
  assert.match(script, new RegExp(`e\\.origin !== "${BASE.origin.replace(/\./g, '\\.')}"`));
  await builder.close();

  // A frame of another origin that claims to be the directory, marked too.
  const impostor = `<iframe data-annuaire title="Autre" height="120" srcdoc="<script>parent.postMessage({annuaire:'hauteur',hauteur:3},'*')</script>"></iframe>`;
  const page = await hostPage(script + iframe + impostor);
  const frameElement = page.locator('iframe[src*="/integrer/communes/"]');
  await assert.doesNotReject(frameElement.waitFor());
  assert.ok((await frameElement.getAttribute('title')).length > 10, 'the frame has a title');
  // The frame starts as about:blank (8 px high): measure it once the view is in it.
  // Its frame is asked for again until it shows the view: the first one
  // may be replaced when the view, from another origin, comes in.
  let current = null;
  const frame = await pollUntil(
    async () => {
      current = await (await frameElement.elementHandle()).contentFrame();
      return current && /\/integrer\/communes\//.test(current.url()) ? current : null;
    },
    20_000,
    async () => `the frame never showed the view: ${current && current.url()}`,
  );
  await frame.waitForLoadState('load');
  // The content may still settle after `load` (the frame then sends its
  // height again): compare the frame's height with its content's as they are.
  const contentOf = () => frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  const heightOf = () => frameElement.evaluate((f) => f.style.height);
  let contentHeight;
  await pollUntil(
    async () => {
      contentHeight = await contentOf();
      return (await heightOf()) === `${contentHeight}px`;
    },
    10_000,
    async () => `the frame's height is « ${await heightOf()} », its content ${contentHeight}px`,
  );
  assert.notEqual(contentHeight, 700, 'the height changed from the suggested one');
  const box = await frameElement.boundingBox();
  assert.ok(Math.abs(box.height - contentHeight) <= 1, `frame ${box.height}px, content ${contentHeight}px`);
  // The impostor's message was ignored.
  const impostorHeight = await page.locator('iframe[srcdoc]').evaluate((f) => f.style.height);
  assert.equal(impostorHeight, '', 'a message from another origin changed a frame');

  // A link of the frame opens a new tab; the host page stays.
  const link = frame.locator('main a[href*="/lieux/"]').first();
  const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await popup.waitForLoadState('domcontentloaded');
  assert.match(popup.url(), /\/lieux\//);
  assert.match(frame.url(), /\/integrer\/communes\//, 'the frame did not navigate');
  assert.equal(page.url(), HOST);
  assert.equal(await frame.locator('#integre-onglet').isVisible(), true, 'the frame says links open a new tab');
  await popup.close();
  await page.close();
});

test('the builder composes the code for the chosen commune', async () => {
  const page = await context.newPage();
  await openPage(page, { path: 'integrer/', status: 200 });
  assert.equal(await page.locator('#integrer-generateur').isVisible(), true, 'the builder shows with JavaScript');
  await page.selectOption('#integrer-vue', 'commune');
  const value = await page.$eval('#integrer-commune option:nth-child(2)', (o) => o.value);
  const label = await page.$eval('#integrer-commune option:nth-child(2)', (o) => o.textContent.replace(/ \(.*\)$/, ''));
  await page.selectOption('#integrer-commune', value);
  const code = await page.inputValue('#integrer-code');
  assert.ok(code.startsWith(`<iframe src="${new URL(`integrer/communes/${value}/`, BASE).href}"`), code);
  assert.ok(code.includes(`title="Lieux d'aide au numérique à ${label} – `), code);
  assert.equal(await page.getAttribute('#integrer-apercu', 'href'), new URL(`integrer/communes/${value}/`, BASE).href);
  // A title written by hand is kept, escaped.
  await page.fill('#integrer-titre', 'Aide "numérique" <ici>');
  assert.ok((await page.inputValue('#integrer-code')).includes('title="Aide &quot;numérique&quot; &lt;ici&gt;"'));
  await page.selectOption('#integrer-vue', 'carte');
  assert.equal(await page.locator('#integrer-champ-commune').isVisible(), false);
  assert.ok((await page.inputValue('#integrer-code')).includes('/integrer/carte/'));
  await page.close();
});

test('no request left 127.0.0.1', () => {
  assertNoExternalRequest();
});
