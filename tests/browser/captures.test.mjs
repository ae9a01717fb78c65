// (f) Full-page screenshots of one page of every template on a small phone
// (360×800), for a human look: tests/browser/artifacts/360/<template>.png and
// <template>-premier-ecran.png, the first screen only (git-ignored). Fails if a page does not load or a screenshot is empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertNoExternalRequest,
  ensureArtifactsDir,
  launchBrowser,
  newGuardedContext,
  openPage,
  templatePages,
} from './helpers/common.mjs';

let browser;
let page;

before(async () => {
  browser = await launchBrowser();
  const context = await newGuardedContext(browser, { viewport: { width: 360, height: 800 }, deviceScaleFactor: 1 });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

test('screenshots at 360×800 (tests/browser/artifacts/360/)', async (t) => {
  const dir = ensureArtifactsDir('360');
  for (const p of templatePages()) {
    await t.test(`${p.name}: /${p.path}`, async () => {
      await openPage(page, p);
      // The whole page, and the first screen only (what a phone shows on arrival).
      const file = path.join(dir, `${p.name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      const first = path.join(dir, `${p.name}-premier-ecran.png`);
      await page.screenshot({ path: first, fullPage: false, animations: 'disabled' });
      for (const f of [file, first]) {
        const size = fs.statSync(f).size;
        assert.ok(size > 2000, `${f} is only ${size} bytes`);
      }
    });
  }
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
