// The search page (recherche.js) in Chromium, on the demo site and on a
// small fixture site with opening hours built here:
// (a) words without accents, (b) commune and postcode with distances,
// (c) every filter against counts computed from donnees/lieux.json,
// (d) the URL keeps the state (reload, back button), (e) "open now" at a
// fixed clock (a Tuesday, a public holiday), (f) hostile text stays text,
// (g) "Autour de moi" granted and denied, (h) axe-core and reflow with
// results shown, (i) weight of the index, and a failed download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import {
  AXE_PATH,
  HERE,
  assertNoExternalRequest,
  assertNone,
  launchBrowser,
  newGuardedContext,
  places,
  readSiteFile,
  siteUrl,
} from './helpers/common.mjs';
import { startStaticServer } from './server.mjs';

const REPO = path.resolve(HERE, '..', '..');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let browser;
let context;
let page;

before(async () => {
  browser = await launchBrowser();
  context = await newGuardedContext(browser, { viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------- helpers

const fold = (s) => String(s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const catalogue = () => JSON.parse(readSiteFile('donnees/recherche/index.json'));

/** Values of a multi-valued field of lieux.json ("a|b" or an array). */
function list(value) {
  if (Array.isArray(value)) return value;
  return String(value ?? '').split('|').filter(Boolean);
}

const FIELDS = {
  services: ['services'],
  publics: ['publics_specifiquement_adresses'],
  prise_en_charge: ['prise_en_charge_specifique'],
  frais: ['frais_a_charge'],
  accompagnement: ['modalites_accompagnement'],
  dispositifs: ['dispositif_programmes_nationaux', 'formations_labels'],
};
const FLAG_TESTS = {
  rdv: (p) => !!p.prise_rdv || list(p.modalites_acces).includes('Prendre un RDV en ligne'),
  acces: (p) => !!p.fiche_acces_libre,
  // No hours in the demo data: nothing is open on Saturday, or now.
  samedi: (p) => assert.ok(!p.horaires, 'the demo has hours now: update this test') || false,
  ouvert: (p) => assert.ok(!p.horaires, 'the demo has hours now: update this test') || false,
};
const hasValue = (p, key, value) => FIELDS[key].some((f) => list(p[f]).includes(value));

/** Waits until recherche.js has shown the state `qs` (after `before` renders). */
async function settled(p, qs, before = -1) {
  await p.waitForFunction(
    ([q, n]) => {
      const f = document.getElementById('formulaire-recherche');
      return f && f.getAttribute('data-recherche') === q && Number(f.getAttribute('data-rendus')) > n;
    },
    [qs, before],
  );
}
async function renders(p) {
  return p.evaluate(() => Number(document.getElementById('formulaire-recherche').getAttribute('data-rendus') || 0));
}
/** Does `action` and waits for the state `qs` to be shown. */
async function after_(p, qs, action) {
  const n = await renders(p);
  await action();
  await settled(p, qs, n);
}

async function openSearch(p, qs = '', base = siteUrl('')) {
  await p.goto(new URL('recherche/' + (qs ? '?' + qs : ''), base).href);
  await p.waitForSelector('#formulaire-recherche:not([hidden])');
  await settled(p, qs);
}

/** What the page shows; with all: true, after clicking "Voir plus" until all are shown. */
async function shown(p, { all = false } = {}) {
  if (all) {
    for (let i = 0; i < 100; i++) {
      const more = p.getByRole('button', { name: 'Voir plus de résultats' });
      if (!(await more.isVisible())) break;
      await more.click();
    }
  }
  return p.evaluate(() => {
    const text = (el) => (el && !el.hidden ? el.textContent : '');
    const resume = document.getElementById('resume-resultats').textContent;
    const m = resume.match(/(\d[\d\s\u202f\u00a0]*) lieux? trouvés?/);
    const more = [...document.querySelectorAll('#zone-resultats button')].find((b) => b.textContent === 'Voir plus de résultats');
    return {
      zoneHidden: document.getElementById('zone-resultats').hidden,
      more: !!more && more.getClientRects().length > 0 && getComputedStyle(more).visibility !== 'hidden',
      resume,
      total: m ? Number(m[1].replace(/\D/g, '')) : 0,
      items: [...document.querySelectorAll('#resultats > li')].map((li) => ({
        nom: li.querySelector('[data-champ=lien]').textContent,
        href: li.querySelector('[data-champ=lien]').getAttribute('href'),
        adresse: text(li.querySelector('[data-champ=adresse]')),
        distance: text(li.querySelector('[data-champ=distance]')),
        etat: text(li.querySelector('[data-champ=etat]')),
        services: text(li.querySelector('[data-champ=services]')),
        fermeture: text(li.querySelector('[data-champ=fermeture]')),
        verifier: text(li.querySelector('[data-champ=verifier]')),
      })),
    };
  });
}

/** Count shown next to a box, '' if none; and whether its line is hidden. */
async function countOf(p, name) {
  return p.evaluate((n) => {
    const span = document.querySelector(`[data-compte="${n}"]`);
    const li = span.closest('li');
    return { text: span.textContent, hidden: li.hidden || getComputedStyle(li).display === 'none' };
  }, name);
}

const idOf = (href) => href.replace(/\/$/, '').split('/').pop();
const km = (text) => Number(text.replace(/^à /, '').replace(' km', '').replace(',', '.'));

function haversine(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(a));
}

/** Demo places with a point (their own, or their commune's from the catalogue). */
function placesWithPoints() {
  const communes = new Map(catalogue().communes.map((c) => [c[0], c]));
  return places().map((p) => {
    const c = communes.get(String(p.code_insee));
    return { ...p, lat: p.latitude ?? c?.[3], lon: p.longitude ?? c?.[4] };
  });
}

// ---------------------------------------------------------------- (a) words

test('(a) the form shows, the no-JS note hides; "mediatheque" without accent finds the médiathèques', async () => {
  await openSearch(page);
  const facts = await page.evaluate(() => ({
    sansJs: [...document.querySelectorAll('.sans-js')].map((e) => e.hidden || getComputedStyle(e).display === 'none'),
    zoneHidden: document.getElementById('zone-resultats').hidden,
  }));
  assert.ok(facts.sansJs.length > 0 && facts.sansJs.every(Boolean), 'the .sans-js notes are hidden');
  assert.ok(facts.zoneHidden, 'no results before any search');

  const expected = places().filter((p) => fold(p.nom).includes('mediatheque'));
  const garazi = expected.find((p) => /garazi/i.test(p.nom));
  assert.ok(garazi, 'the demo has a "Mediatheque Garazi…" place');
  await after_(page, 'q=mediatheque', () => page.fill('#q', 'mediatheque'));
  let r = await shown(page);
  assert.equal(r.zoneHidden, false);
  const ids = r.items.map((i) => idOf(i.href));
  for (const p of expected) assert.ok(ids.includes(p.id), `"${p.nom}" found by "mediatheque"`);
  assert.ok(r.items.some((i) => i.nom === garazi.nom && i.href.endsWith(`lieux/${garazi.id}/`)));
  assert.equal(r.total, r.items.length);
  assert.match(r.resume, /^\d+ lieux? trouvés?/);

  // With a typo and with accents, the same places.
  await after_(page, 'q=m%C3%A9diath%C3%A8qe', () => page.fill('#q', 'médiathèqe'));
  r = await shown(page);
  assert.deepEqual(r.items.map((i) => idOf(i.href)).sort(), ids.slice().sort(), 'one typo is tolerated');

  // Each card: link, address with the commune, services.
  const card = r.items.find((i) => i.nom === garazi.nom);
  assert.ok(card.adresse.includes(garazi.commune), `address with commune: ${card.adresse}`);
  assert.equal(card.services, list(garazi.services).sort((a, b) => catalogue().facettes[0].valeurs.indexOf(a) - catalogue().facettes[0].valeurs.indexOf(b)).join(' · '));
  assert.equal(card.distance, '', 'no distance without a point');

  // Nothing found: the advice.
  await after_(page, 'q=zzzzqqq', () => page.fill('#q', 'zzzzqqq'));
  r = await shown(page);
  assert.equal(r.items.length, 0);
  assert.equal(r.resume, 'Aucun lieu ne correspond : retirez un filtre ou élargissez la recherche.');
});

// ---------------------------------------------------------------- (b) commune

test('(b) a commune or its postcode: its places first, then around, with distances', async () => {
  const cat = catalogue();
  const bayonne = cat.communes.find((c) => c[1] === 'Bayonne');
  assert.ok(bayonne, 'Bayonne in the catalogue');
  const all = placesWithPoints()
    .map((p) => ({ ...p, d: haversine(bayonne[3], bayonne[4], p.lat, p.lon) }))
    .sort((a, b) => a.d - b.d);
  const own = all.filter((p) => String(p.code_insee) === bayonne[0]);
  assert.ok(own.length > 1, 'the demo has several places in Bayonne');
  const label = (d) => (d < 10 ? `à ${d.toFixed(1).replace('.', ',')} km` : `à ${Math.round(d)} km`);

  for (const [field, value, qs] of [
    ['#commune', 'Bayonne', 'commune=Bayonne'],
    ['#commune', '64100', 'commune=64100'],
    ['#commune', 'bayonne ', 'commune=bayonne+'],
    ['#q', 'Bayonne', 'q=Bayonne'],
    ['#q', '64100', 'q=64100'],
  ]) {
    await openSearch(page);
    await after_(page, qs, () => page.fill(field, value));
    const r = await shown(page, { all: true });
    assert.equal(r.total, all.length, `${value}: every place, nearest first`);
    assert.match(r.resume, /du plus proche au plus loin de Bayonne/);
    assert.deepEqual(r.items.map((i) => i.distance), all.map((p) => label(p.d)), `${value}: distances in order`);
    const first = r.items.slice(0, own.length).map((i) => idOf(i.href)).sort();
    if (own.at(-1).d < all[own.length]?.d) {
      assert.deepEqual(first, own.map((p) => p.id).sort(), `${value}: Bayonne's places first`);
    }
    for (let i = 1; i < r.items.length; i++) assert.ok(km(r.items[i - 1].distance) <= km(r.items[i].distance));
  }

  // A postcode of several communes: the first by name, and the page says so.
  const byCp = new Map();
  for (const c of cat.communes) for (const cp of c[2].split(' ')) byCp.set(cp, [...(byCp.get(cp) ?? []), c[1]]);
  const [cp, names] = [...byCp].find(([, n]) => n.length > 2);
  names.sort((a, b) => a.localeCompare(b, 'fr'));
  await openSearch(page);
  await after_(page, `commune=${cp}`, () => page.fill('#commune', cp));
  const r = await shown(page);
  assert.ok(r.resume.includes(`Le code postal ${cp} couvre ${names.length} communes`), r.resume);
  assert.ok(r.resume.includes(`autour de ${names[0]}, la première par ordre alphabétique`), r.resume);

  // An unknown commune.
  await after_(page, 'commune=Atlantide', () => page.fill('#commune', 'Atlantide'));
  const u = await shown(page);
  assert.equal(u.items.length, 0);
  assert.match(u.resume, /Aucune commune ne correspond à « Atlantide »/);
});

// ---------------------------------------------------------------- (c) facets

test('(c) every filter: results = count shown = count from lieux.json', async (t) => {
  const cat = catalogue();
  const lieux = places();
  await openSearch(page);
  await page.click('details.filtres summary');
  const checks = [];
  for (const f of cat.facettes) f.valeurs.forEach((v, i) => checks.push({ name: `${f.cle}-${i}`, box: `#f-${f.cle}-${i}`, qs: `${f.cle}=${i}`, expected: lieux.filter((p) => hasValue(p, f.cle, v)).length }));
  for (const flag of ['ouvert', 'samedi', 'rdv', 'acces']) checks.push({ name: flag, box: `#f-${flag}`, qs: `${flag}=1`, expected: lieux.filter(FLAG_TESTS[flag]).length });
  let tried = 0;
  for (const c of checks) {
    await t.test(c.name, async () => {
      const count = await countOf(page, c.name);
      assert.equal(count.text, String(c.expected), `count shown for ${c.name}`);
      if (c.expected === 0) {
        assert.ok(count.hidden, `${c.name}: a value without any place is hidden`);
        return;
      }
      assert.ok(!count.hidden, `${c.name} is shown`);
      tried++;
      await after_(page, c.qs, () => page.check(c.box));
      const first = await shown(page);
      assert.equal(first.items.length, Math.min(50, c.expected), 'at most 50 at first');
      assert.equal(first.more, c.expected > 50, '"Voir plus de résultats" only when there are more');
      if (c.expected > 50) {
        await page.getByRole('button', { name: 'Voir plus de résultats' }).click();
        const focused = await page.evaluate(() => [...document.querySelectorAll('#resultats > li a')].indexOf(document.activeElement));
        assert.equal(focused, 50, 'the focus goes to the first new result');
      }
      const r = await shown(page, { all: true });
      assert.equal(r.more, false, 'no "Voir plus" once all are shown');
      assert.equal(r.total, c.expected, `${c.name}: total in the summary`);
      assert.equal(r.items.length, c.expected, `${c.name}: results listed`);
      await after_(page, '', () => page.uncheck(c.box));
    });
  }
  assert.ok(tried >= 5, `only ${tried} filters had places`);

  // OR within a facet, AND across facets: two services and a tarif for
  // which "one of the services" and "both services" give different results.
  const services = cat.facettes.find((f) => f.cle === 'services');
  const frais = cat.facettes.find((f) => f.cle === 'frais');
  const withAll = (pred) => lieux.filter(pred).length;
  let combo;
  for (let i = 0; i < services.valeurs.length && !combo; i++) {
    for (let j = i + 1; j < services.valeurs.length && !combo; j++) {
      for (let k = 0; k < frais.valeurs.length && !combo; k++) {
        const [a, b, f] = [services.valeurs[i], services.valeurs[j], frais.valeurs[k]];
        const any = withAll((p) => (hasValue(p, 'services', a) || hasValue(p, 'services', b)) && hasValue(p, 'frais', f));
        const both = withAll((p) => hasValue(p, 'services', a) && hasValue(p, 'services', b) && hasValue(p, 'frais', f));
        const onlyA = withAll((p) => hasValue(p, 'services', a) && hasValue(p, 'frais', f));
        if (any > both && any > onlyA && both > 0) combo = { i, j, k, expected: any };
      }
    }
  }
  assert.ok(combo, 'the demo data allows an OR/AND check');
  const { i, j, k, expected } = combo;
  await after_(page, `services=${i}`, () => page.check(`#f-services-${i}`));
  await after_(page, `services=${i}&services=${j}`, () => page.check(`#f-services-${j}`));
  // Before adding the tarif: its count is the number of results we are about to get.
  assert.equal((await countOf(page, `frais-${k}`)).text, String(expected));
  await after_(page, `services=${i}&services=${j}&frais=${k}`, () => page.check(`#f-frais-${k}`));
  const r = await shown(page, { all: true });
  assert.equal(r.items.length, expected);
  assert.ok(expected > 0 && expected < lieux.length, `a meaningful combination (${expected})`);
});

// ---------------------------------------------------------------- (d) URL

test('(d) the URL keeps the state: reload gives the same results; back restores the previous ones', async () => {
  await openSearch(page);
  await after_(page, 'q=numerique', () => page.fill('#q', 'numerique'));
  const step1 = await shown(page);
  await page.click('details.filtres summary');
  await after_(page, 'q=numerique&services=1', () => page.check('#f-services-1'));
  const step2 = await shown(page);
  await after_(page, 'q=numerique&services=1&frais=0', () => page.check('#f-frais-0'));
  const step3 = await shown(page);
  assert.notDeepEqual(step1.items, step2.items, 'the filter changed the results');
  assert.notDeepEqual(step2.items, step3.items, 'the second filter changed the results');

  const state = () =>
    page.evaluate(() => ({
      search: location.search,
      q: document.getElementById('q').value,
      checked: [...document.querySelectorAll('#formulaire-recherche input[type=checkbox]:checked')].map((b) => b.id),
      carte: document.getElementById('voir-carte').getAttribute('href'),
      // A plain GET of the form, empty fields left out.
      form: new URLSearchParams([...new FormData(document.getElementById('formulaire-recherche'))].filter(([, v]) => v !== '')).toString(),
    }));
  const s3 = await state();
  assert.equal(s3.search, '?q=numerique&services=1&frais=0');
  assert.equal(s3.form, 'q=numerique&services=1&frais=0', 'the same names and order as the form');
  assert.ok(s3.carte.endsWith('carte/?q=numerique&services=1&frais=0'), s3.carte);
  assert.ok(s3.carte.startsWith(new URL(siteUrl('')).pathname), 'the map link stays under the base path');

  await page.reload();
  await page.waitForSelector('#formulaire-recherche:not([hidden])');
  await settled(page, 'q=numerique&services=1&frais=0');
  assert.deepEqual(await state(), s3, 'same form after reload');
  assert.deepEqual(await shown(page), step3, 'same results after reload');

  await after_(page, 'q=numerique&services=1', () => page.goBack());
  assert.deepEqual(await shown(page), step2, 'back: the previous results');
  assert.deepEqual((await state()).checked, ['f-services-1']);
  await after_(page, 'q=numerique', () => page.goBack());
  assert.deepEqual(await shown(page), step1);
  assert.equal((await state()).q, 'numerique');
  await after_(page, 'q=numerique&services=1', () => page.goForward());
  assert.deepEqual(await shown(page), step2, 'forward again');

  // Submitting with the button: intercepted, same URL scheme, no reload.
  await page.evaluate(() => (window.__memeDocument = true));
  await page.fill('#q', 'aide');
  await after_(page, 'q=aide&services=1', () => page.getByRole('button', { name: 'Chercher', exact: true }).click());
  assert.equal(await page.evaluate(() => window.__memeDocument), true, 'the submit did not reload the page');
  assert.equal(await page.evaluate(() => location.search), '?q=aide&services=1');
});

// ---------------------------------------------------------------- fixture with hours

let fixture; // { server, base, dir }

async function fixtureSite() {
  if (fixture) return fixture;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annuaire-recherche-'));
  const root = path.join(dir, 'www');
  fs.mkdirSync(path.join(dir, 'content', 'lieux'), { recursive: true });
  fs.mkdirSync(root);
  fs.writeFileSync(
    path.join(dir, 'annuaire.yaml'),
    `titre: "Annuaire de test des horaires"
editeur: "Test"
url_de_base: "https://test.example.org/"
departements: ["64"]
contact:
  nom: "Test"
  courriel: "test@example.org"
couleurs:
  principale: "#1d4f91"
  accent: "#b34700"
accessibilite: "partiellement conforme"
`,
  );
  const lieu = (id, fields, body = '') =>
    fs.writeFileSync(path.join(dir, 'content', 'lieux', `${id}.md`), `---\nid: ${id}\npivot: "00000000000000"\n${fields}services:\n  - Aide aux démarches administratives\ndate_maj: 2023-11-02\n---\n${body}\n`);
  lieu('maison-semaine', 'nom: Maison de semaine\nadresse: 1 place de la Mairie\ncode_postal: "64100"\ncommune: Bayonne\ncode_insee: "64102"\nlatitude: 43.4929\nlongitude: -1.4748\nhoraires: "Mo-Fr 09:00-12:00,14:00-17:00; PH off"\n');
  lieu('permanence-mardi', 'nom: Permanence du mardi\nadresse: 2 rue du Marché\ncode_postal: "64000"\ncommune: Pau\ncode_insee: "64445"\nlatitude: 43.2951\nlongitude: -0.3708\nhoraires: "Tu 14:00-18:00"\n');
  // Closed for works around the Tuesday of test (e).
  lieu('atelier-en-travaux', 'nom: Atelier en travaux\nadresse: 3 rue des Écoles\ncode_postal: "64000"\ncommune: Pau\ncode_insee: "64445"\nhoraires: "Mo-Fr 09:00-12:00; PH off"\nfermeture_temporaire:\n  du: 2024-01-01\n  au: 2024-03-10\n');
  lieu(
    'lieu-hostile',
    'nom: "</script><script>window.__xss=1</script>"\nadresse: "<img src=x onerror=\\"window.__xss=1\\">"\ncode_postal: "64600"\ncommune: Anglet\ncode_insee: "64024"\nhoraires: "Mo-Su 00:00-24:00"\n',
    '<script>window.__xss=1</script>',
  );
  // The theme of the working tree (as the demo build uses), not the copy
  // embedded in the binary at its last compilation.
  fs.cpSync(path.join(REPO, 'themes', 'default'), path.join(dir, 'themes', 'default'), { recursive: true });
  const { server, port } = await startStaticServer(root, 0);
  const base = `http://127.0.0.1:${port}/x/`;
  const bin = process.env.ANNUAIRE_BIN || path.join(process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, 'target'), 'debug', 'annuaire');
  // 2024-01-01: the schedule written for the browser covers 2024 (holidays included).
  const build = spawnSync(bin, ['build', '--root', dir, '--output', path.join(root, 'x'), '--base-url', base], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '1704067200' },
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `fixture build failed:\n${build.stdout}\n${build.stderr}`);
  fixture = { server, base, dir };
  return fixture;
}

after(() => {
  if (fixture) {
    fixture.server.close();
    fs.rmSync(fixture.dir, { recursive: true, force: true });
  }
});

/** A page whose clock is fixed (local time, Europe/Paris) at y-m-d h:min. */
async function pageAt(y, m, d, h, min) {
  const p = await context.newPage();
  await p.addInitScript(
    ([args]) => {
      const Real = Date;
      const fixed = new Real(...args).getTime();
      class Fixed extends Real {
        constructor(...a) {
          if (a.length === 0) super(fixed);
          else super(...a);
        }
        static now() {
          return fixed;
        }
      }
      window.Date = Fixed;
    },
    [[y, m - 1, d, h, min]],
  );
  return p;
}

// ---------------------------------------------------------------- (e) open now

test('(e) "Ouvert maintenant" at a fixed clock: a Tuesday at 10:00, a public holiday', async () => {
  const { base } = await fixtureSite();
  const byName = (r) => Object.fromEntries(r.items.map((i) => [i.nom, i.etat]));
  const HOSTILE = '</script><script>window.__xss=1</script>';

  // Tuesday 5 March 2024, 10:00.
  let p = await pageAt(2024, 3, 5, 10, 0);
  await openSearch(p, '', base);
  assert.equal(await p.evaluate(() => new Date().getDay()), 2, 'the clock is fixed on a Tuesday');
  assert.equal((await countOf(p, 'ouvert')).text, '2');
  await after_(p, '', () => p.getByRole('button', { name: 'Chercher', exact: true }).click());
  const all = await shown(p);
  const works = all.items.find((i) => i.nom === 'Atelier en travaux');
  assert.deepEqual(byName({ items: all.items.filter((i) => i !== works) }), {
    'Maison de semaine': 'Ouvert · ferme à 12 h',
    'Permanence du mardi': 'Fermé · ouvre à 14 h',
    [HOSTILE]: 'Ouvert 24 h/24',
  });
  // A temporary closure: closed though its usual hours say open, and said so.
  assert.match(works.etat, /^Fermé · ouvre /, works.etat);
  assert.equal(works.fermeture, "Fermé temporairement jusqu'au 10 mars 2024 inclus.");
  assert.equal(works.verifier, '');
  assert.ok(all.items.filter((i) => i !== works).every((i) => i.fermeture === ''), 'no closure elsewhere');
  await p.click('details.filtres summary');
  await after_(p, 'ouvert=1', () => p.check('#f-ouvert'));
  let r = await shown(p);
  assert.deepEqual(r.items.map((i) => i.nom).sort(), ['Maison de semaine', HOSTILE].sort());
  assert.equal(r.total, 2);
  const etat = await p.evaluate(() => document.querySelector('#resultats [data-champ=etat]').className);
  assert.match(etat, /\bouvert\b/, 'a class for the open state');
  // Saturday: only the 24/7 place.
  assert.equal((await countOf(p, 'samedi')).text, '1');
  await p.close();

  // Wednesday 1 May 2024 (Fête du travail), 10:00, straight from a URL.
  p = await pageAt(2024, 5, 1, 10, 0);
  await openSearch(p, 'ouvert=1', base);
  r = await shown(p);
  assert.deepEqual(r.items.map((i) => i.nom), [HOSTILE], 'closed on the public holiday');
  assert.equal(r.resume, '1 lieu trouvé.');
  await p.click('details.filtres summary');
  await after_(p, '', () => p.uncheck('#f-ouvert'));
  r = await shown(p);
  assert.equal(byName(r)['Maison de semaine'], 'Fermé · ouvre demain à 9 h');
  await p.close();
});

// ---------------------------------------------------------------- (f) hostile text

test('(f) hostile query and hostile place name are shown as text, never run', async () => {
  const { base } = await fixtureSite();
  const HOSTILE = '</script><script>window.__xss=1</script>';
  const IMG = '<img src=x onerror="window.__xss=1">';
  const p = await context.newPage();
  await openSearch(p, '', base);
  await after_(p, 'q=script', () => p.fill('#q', 'script'));
  const r = await shown(p);
  assert.equal(r.items.length, 1);
  assert.equal(r.items[0].nom, HOSTILE, 'the name, as text');
  assert.ok(r.items[0].adresse.startsWith(IMG), `the address, as text: ${r.items[0].adresse}`);

  const qs = new URLSearchParams({ q: IMG, commune: IMG }).toString();
  await after_(p, qs, async () => {
    await p.fill('#q', IMG);
    await p.fill('#commune', IMG);
  });
  const h = await shown(p);
  assert.ok(h.resume.includes(`« ${IMG} »`), h.resume);
  // From the URL too.
  await openSearch(p, qs, base);
  assert.equal(await p.inputValue('#q'), IMG);
  const facts = await p.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll('main img').length,
    scripts: document.querySelectorAll('main script').length,
  }));
  assert.deepEqual(facts, { xss: undefined, imgs: 0, scripts: 0 });
  await p.close();
});

// ---------------------------------------------------------------- (g) position

test('(g) "Autour de moi": granted position sorts by distance; refused gives the French advice', async () => {
  const here = { latitude: 43.3, longitude: -0.37 }; // Pau
  const granted = await newGuardedContext(browser, { geolocation: here, permissions: ['geolocation'] });
  const p = await granted.newPage();
  await openSearch(p);
  await p.fill('#commune', 'Bayonne');
  await after_(p, 'autour=1', () => p.click('#autour-de-moi'));
  const r = await shown(p, { all: true });
  assert.equal(await p.inputValue('#commune'), '', 'the commune gives way to the position');
  assert.match(r.resume, /du plus proche au plus loin de vous/);
  const expected = placesWithPoints()
    .map((x) => ({ ...x, d: haversine(here.latitude, here.longitude, x.lat, x.lon) }))
    .sort((a, b) => a.d - b.d);
  assert.equal(r.items.length, expected.length);
  assert.equal(idOf(r.items[0].href), expected[0].id, 'the nearest first');
  for (let i = 1; i < r.items.length; i++) assert.ok(km(r.items[i - 1].distance) <= km(r.items[i].distance), 'by distance');
  assert.match(await p.textContent('#etat-position'), /Position trouvée/);
  // Reloading asks for the position again (it is not written in the URL).
  await p.reload();
  await settled(p, 'autour=1');
  assert.equal(idOf((await shown(p)).items[0].href), expected[0].id);
  assert.ok(!p.url().includes('43.3'), 'the position is not in the URL');
  await granted.close();

  // Not granted: headless Chromium refuses (there is no prompt to answer).
  const refused = await newGuardedContext(browser, { geolocation: here, permissions: [] });
  const q = await refused.newPage();
  await openSearch(q);
  await after_(q, '', () => q.click('#autour-de-moi'));
  const message = await q.textContent('#etat-position');
  assert.equal(message, "Vous n'avez pas autorisé l'accès à votre position. Tapez plutôt le nom de votre commune ou son code postal.");
  assert.equal(new URL(q.url()).search, '', 'no "autour" left in the URL');
  assert.equal((await shown(q)).zoneHidden, false);
  // Position unavailable (no signal): another reason, the same advice.
  await q.addInitScript(() => {
    navigator.geolocation.getCurrentPosition = (ok, ko) => setTimeout(() => ko({ code: 2, message: 'unavailable' }), 10);
  });
  await q.reload();
  await settled(q, '');
  await after_(q, '', () => q.click('#autour-de-moi'));
  assert.equal(await q.textContent('#etat-position'), "Votre position n'a pas pu être trouvée. Tapez plutôt le nom de votre commune ou son code postal.");
  await refused.close();
});

// ---------------------------------------------------------------- (h) accessibility

test('(h) axe-core with results and filters shown, at 360 and 1280 px; no horizontal scroll at 320 px', async (t) => {
  const axeContext = await newGuardedContext(browser, { bypassCSP: true });
  const p = await axeContext.newPage();
  for (const width of [360, 1280]) {
    for (const qs of ['q=numerique', 'commune=Bayonne&services=1']) {
      await t.test(`${width} px, ?${qs}`, async () => {
        await p.setViewportSize({ width, height: 800 });
        await openSearch(p, qs);
        await p.evaluate(() => (document.querySelector('details.filtres').open = true));
        await p.addScriptTag({ path: AXE_PATH });
        const violations = await p.evaluate(async (tags) => {
          // eslint-disable-next-line no-undef
          const res = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
          return res.violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
        }, TAGS);
        assertNone(violations, `axe violations on recherche/?${qs} at ${width} px`);
      });
    }
  }
  await t.test('320 px', async () => {
    await p.setViewportSize({ width: 320, height: 800 });
    await openSearch(p, 'q=aide&commune=Saint-Jean-Pied-de-Port');
    await p.evaluate(() => (document.querySelector('details.filtres').open = true));
    await p.getByRole('button', { name: 'Voir plus de résultats' }).click().catch(() => {});
    const m = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(m.scroll <= m.client, `horizontal scroll at 320 px: ${m.scroll} > ${m.client}`);
  });
  await axeContext.close();
});

// ---------------------------------------------------------------- (i) weight, failures

test('(i) budget: catalogue + département file < 150 KB gzip', () => {
  const files = ['donnees/recherche/index.json', ...catalogue().departements.map((d) => new URL(d[2], siteUrl('')).pathname.slice(new URL(siteUrl('')).pathname.length))];
  let total = 0;
  for (const f of files) total += zlib.gzipSync(Buffer.from(readSiteFile(f))).length;
  assert.ok(total < 150 * 1024, `${files.join(' + ')}: ${(total / 1024).toFixed(1)} KB gzip`);
  const js = zlib.gzipSync(fs.readFileSync(path.join(REPO, 'themes/default/static/js/recherche.js'))).length;
  assert.ok(js < 15 * 1024, `recherche.js: ${(js / 1024).toFixed(1)} KB gzip`);
});

test('a failed download: a French message, and "Parcourir la liste" still works', async () => {
  // The site's service worker would answer before page.route sees the request.
  const blocked = await newGuardedContext(browser, { serviceWorkers: 'block' });
  const p = await blocked.newPage();
  await p.route('**/donnees/recherche/*.json', (route) => route.fulfill({ status: 500, body: 'erreur' }));
  await p.goto(siteUrl('recherche/?q=aide'));
  await settled(p, 'erreur');
  const r = await shown(p);
  assert.equal(r.zoneHidden, false);
  assert.match(r.resume, /n'ont pas pu être chargées.*Parcourir la liste/);
  const links = await p.$$eval('#parcourir a', (as) => as.filter((a) => a.offsetParent !== null).map((a) => a.href));
  assert.ok(links.length > 5, 'the list of services and communes is there');
  // Once the network is back, the next search works.
  await p.unroute('**/donnees/recherche/*.json');
  await after_(p, 'q=aide+', () => p.fill('#q', 'aide '));
  assert.ok((await shown(p)).total > 0);
  await blocked.close();
});

test('without JavaScript the form stays hidden and the note shows', async () => {
  const noJs = await newGuardedContext(browser, { javaScriptEnabled: false });
  const p = await noJs.newPage();
  await p.goto(siteUrl('recherche/'));
  assert.equal(await p.isVisible('#formulaire-recherche'), false);
  assert.equal(await p.isVisible('.sans-js'), true);
  await noJs.close();
});

test('no request left 127.0.0.1', () => assertNoExternalRequest());
