// Every page of the built site passes html-validate with 0 errors, with no
// inline script or style (so that a strict Content-Security-Policy holds).
//
// Preset "html-validate:recommended", less rules about how the minifier
// writes valid HTML5: unquoted attribute values (attr-quotes), a lower-case
// doctype (doctype-style), an unambiguous "&" left raw in text
// (no-raw-characters), default `type` attributes dropped from <input> and
// <button> (no-implicit-input-type, no-implicit-button-type); and titles
// longer than 70 characters, which hold the site's name after the page's
// (long-title).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { SITE_DIR } from './helpers/common.mjs';

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    'attr-quotes': 'off',
    'doctype-style': 'off',
    'no-raw-characters': 'off',
    'long-title': 'off',
    'no-implicit-input-type': 'off',
    'no-implicit-button-type': 'off',
    'no-inline-style': 'error',
    'script-element': 'error',
  },
});

function htmlFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(full));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out.sort();
}

test('harness: the validator reports real errors', async () => {
  const report = await validator.validateString('<!doctype html><html lang="fr"><head><title>x</title></head><body><p><div>x</p><p style="color:red">y</p></body></html>');
  assert.ok(report.errorCount >= 2, 'a broken page must fail');
});

test('every page of the site is valid HTML, without inline style or script', async () => {
  const files = htmlFiles(SITE_DIR);
  assert.ok(files.length > 100, `only ${files.length} pages found`);
  const problems = [];
  for (const file of files) {
    const html = fs.readFileSync(file, 'utf8');
    const report = await validator.validateString(html, file);
    for (const result of report.results) {
      for (const m of result.messages) problems.push(`${path.relative(SITE_DIR, file)}:${m.line}:${m.column} ${m.ruleId}: ${m.message}`);
    }
    if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) problems.push(`${path.relative(SITE_DIR, file)}: inline script`);
  }
  assert.deepEqual(problems.slice(0, 40), [], `${problems.length} problems`);
});
