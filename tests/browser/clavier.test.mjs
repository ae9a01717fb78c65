// (e) Keyboard and structure on one page of every template: lang="fr",
// exactly one h1, the skip link is the first element reached with Tab, it
// shows on focus, goes to #contenu, and every element reached with Tab has a
// visible focus indicator (outline or box-shadow, outline contrast >= 3:1
// with the background around it: WCAG 2.4.7, 1.4.11, 2.4.11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoExternalRequest,
  launchBrowser,
  newGuardedContext,
  assertNone,
  openPage,
  templatePages,
} from './helpers/common.mjs';

const MAX_TABS = 40; // elements checked per page, from the top
const VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 1280, height: 800 },
];

let browser;
let page;

before(async () => {
  browser = await launchBrowser();
  const context = await newGuardedContext(browser, { viewport: VIEWPORTS[1] });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

/** Describes the focused element and its focus indicator, in the page. */
function focusInfo() {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const again = el.hasAttribute('data-test-focus-vu');
  el.setAttribute('data-test-focus-vu', '');
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  // Background behind the outline: first opaque background up from the parent.
  let bg = { r: 255, g: 255, b: 255, a: 1 };
  let bgFrom = 'default white';
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c && c.a > 0.5) {
      bg = c;
      bgFrom = n.tagName.toLowerCase() + (n.className ? '.' + String(n.className).split(' ').join('.') : '');
      break;
    }
  }
  const cs = getComputedStyle(el);
  const outlineColor = parse(cs.outlineColor);
  const hasOutline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const contrast =
    hasOutline && outlineColor ? (Math.max(lum(outlineColor), lum(bg)) + 0.05) / (Math.min(lum(outlineColor), lum(bg)) + 0.05) : null;
  const r = el.getBoundingClientRect();
  let desc = el.tagName.toLowerCase();
  if (el.id) desc += `#${el.id}`;
  if (el.classList.length) desc += '.' + [...el.classList].join('.');
  return {
    again,
    desc,
    href: el.getAttribute('href'),
    text: (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50),
    outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
    hasOutline,
    boxShadow: cs.boxShadow !== 'none',
    contrast,
    bg: `${bgFrom} rgb(${bg.r}, ${bg.g}, ${bg.b})`,
    rect: { top: r.top, left: r.left, bottom: r.bottom, right: r.right, width: r.width, height: r.height },
    viewport: { width: innerWidth, height: innerHeight },
  };
}

/** Problems of the focus indicator of the focused element (empty if fine). */
function focusProblems(info) {
  if (!info) return ['nothing focused'];
  const out = [];
  if (!info.hasOutline && !info.boxShadow) out.push(`no focus indicator (outline: ${info.outline}, no box-shadow)`);
  if (info.hasOutline && info.contrast !== null && info.contrast < 3) {
    out.push(`focus outline contrast ${info.contrast.toFixed(2)}:1 < 3:1 (outline ${info.outline} on ${info.bg})`);
  }
  return out;
}

test('harness: an element without focus indicator is detected', async () => {
  await page.setContent('<!doctype html><html lang=fr><body><a href="#a" style="outline:none">a</a><a href="#b" style="outline:2px solid #fff">b</a></body></html>');
  await page.keyboard.press('Tab');
  assert.match(focusProblems(await page.evaluate(focusInfo)).join(), /no focus indicator/);
  await page.keyboard.press('Tab');
  assert.match(focusProblems(await page.evaluate(focusInfo)).join(), /contrast 1\.00:1/);
});

for (const viewport of VIEWPORTS) {
  test(`structure and skip link at ${viewport.width}×${viewport.height}`, async (t) => {
    await page.setViewportSize(viewport);
    for (const p of templatePages()) {
      await t.test(`${p.name}: /${p.path}`, async () => {
        await openPage(page, p);
        const facts = await page.evaluate(() => ({
          lang: document.documentElement.getAttribute('lang'),
          h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
          contenu: !!document.getElementById('contenu'),
        }));
        assert.equal(facts.lang, 'fr', '<html lang>');
        assert.equal(facts.h1.length, 1, `exactly one h1, found: ${JSON.stringify(facts.h1)}`);
        assert.ok(facts.contenu, 'an element with id="contenu" (target of the skip link)');

        // First Tab: the skip link, visible, with a focus indicator.
        await page.keyboard.press('Tab');
        const skip = await page.evaluate(focusInfo);
        assert.ok(skip, 'Tab focused nothing');
        assert.equal(skip.href, '#contenu', `first element reached with Tab should be the skip link to #contenu, got ${skip.desc} "${skip.text}" href=${skip.href}`);
        const onScreen =
          skip.rect.width > 1 && skip.rect.height > 1 && skip.rect.top >= 0 && skip.rect.left >= 0 &&
          skip.rect.bottom <= skip.viewport.height && skip.rect.right <= skip.viewport.width;
        assert.ok(onScreen, `the focused skip link must be visible on screen: ${JSON.stringify(skip.rect)}`);
        assert.ok(skip.hasOutline && parseFloat(skip.outline.split(' ')[1]) > 0, `the focused skip link has no outline (${skip.outline})`);
        assertNone(focusProblems(skip), 'focus indicator of the skip link');

        // Enter: focus and scroll go to #contenu.
        await page.keyboard.press('Enter');
        const after = await page.evaluate(() => ({ hash: location.hash, active: document.activeElement?.id }));
        assert.equal(after.hash, '#contenu', 'Enter on the skip link goes to #contenu');
        assert.equal(after.active, 'contenu', 'Enter on the skip link moves the focus to #contenu (it needs tabindex="-1")');
      });
    }
  });

  test(`visible focus on the first ${MAX_TABS} elements reached with Tab at ${viewport.width}×${viewport.height}`, async (t) => {
    await page.setViewportSize(viewport);
    for (const p of templatePages()) {
      await t.test(`${p.name}: /${p.path}`, async () => {
        await openPage(page, p);
        const problems = [];
        for (let i = 0; i < MAX_TABS; i++) {
          await page.keyboard.press('Tab');
          const info = await page.evaluate(focusInfo);
          if (!info || info.again) break; // end of the page, or wrapped around
          for (const pb of focusProblems(info)) problems.push(`${info.desc} "${info.text}" (href ${info.href}): ${pb}`);
        }
        assertNone(problems, `focus indicator problems on /${p.path}`);
      });
    }
  });
}

test('no request left 127.0.0.1', () => assertNoExternalRequest());
