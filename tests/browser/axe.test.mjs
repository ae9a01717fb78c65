// (a) axe-core: no WCAG 2.0/2.1 level A and AA violation on one page of every
// template, on a small phone (360×800) and on a desktop screen (1280×800).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AXE_PATH,
  assertNoExternalRequest,
  launchBrowser,
  newGuardedContext,
  openPage,
  templatePages,
} from './helpers/common.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 1280, height: 800 },
];

let browser;
let page;

before(async () => {
  browser = await launchBrowser();
  // bypassCSP: a Content-Security-Policy of the site must not stop axe.
  const context = await newGuardedContext(browser, { bypassCSP: true });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

async function runAxe() {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      tags: v.tags.filter((t) => t.startsWith('wcag')),
      nodes: v.nodes.map((n) => ({
        target: n.target.join(' '),
        html: n.html.length > 300 ? n.html.slice(0, 300) + '…' : n.html,
        summary: n.failureSummary,
      })),
    }));
  }, TAGS);
}

function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 10)
        .map((n) => `    - ${n.target}\n      ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`)
        .join('\n');
      const more = v.nodes.length > 10 ? `\n    … and ${v.nodes.length - 10} more elements` : '';
      return `  [${v.impact}] ${v.id} (${v.tags.join(', ')}): ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
}

test('harness: axe-core is injected and reports a known violation', async () => {
  await page.setViewportSize(VIEWPORTS[0]);
  await page.setContent('<!doctype html><html><head><title>t</title></head><body><main><button></button></main></body></html>');
  const violations = await runAxe();
  const ids = violations.map((v) => v.id);
  assert.ok(ids.includes('button-name'), `expected button-name and html-has-lang, got ${ids.join(', ')}`);
  assert.ok(ids.includes('html-has-lang'), `expected button-name and html-has-lang, got ${ids.join(', ')}`);
});

for (const viewport of VIEWPORTS) {
  test(`axe-core ${TAGS.join(' ')}: 0 violations at ${viewport.width}×${viewport.height}`, async (t) => {
    await page.setViewportSize(viewport);
    for (const p of templatePages()) {
      await t.test(`${p.name}: /${p.path}`, async () => {
        await openPage(page, p);
        const violations = await runAxe();
        if (violations.length > 0) {
          assert.fail(
            `${violations.length} axe violation(s) on /${p.path} at ${viewport.width}×${viewport.height}:\n${formatViolations(violations)}`,
          );
        }
      });
    }
  });
}

test('no request left 127.0.0.1', () => assertNoExternalRequest());
