// The pure logic of the search page (themes/default/static/js/recherche.js):
// folding, typo tolerance, facets, URL state, distances, communes, "open now".
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const r = require("../../themes/default/static/js/recherche.js");

// ---------------------------------------------------------------- fixtures

const FACETTES = [
  { cle: "services", titre: "Services", valeurs: ["Aide aux démarches", "Ordinateurs", "Ateliers"] },
  { cle: "publics", titre: "Publics", valeurs: ["Jeunes", "Seniors"] },
  { cle: "prise_en_charge", titre: "Accompagnement adapté", valeurs: ["Surdité"] },
  { cle: "frais", titre: "Tarif", valeurs: ["Gratuit", "Payant"] },
  { cle: "accompagnement", titre: "Façon", valeurs: ["Individuel"] },
  // 40 values: masks above 2^31 must work (JavaScript bit operators are 32-bit).
  { cle: "dispositifs", titre: "Dispositifs", valeurs: Array.from({ length: 40 }, (_, i) => `D${i}`) },
];
const KEYS = FACETTES.map((f) => f.cle);
const COLONNES = ["id", "nom", "url", "code_insee", "adresse", "latitude", "longitude", "services", "publics", "prise_en_charge", "frais", "accompagnement", "dispositifs", "drapeaux", "texte", "horaires", "fermeture"];

const catalogue = {
  version: 1,
  colonnes: COLONNES,
  facettes: FACETTES,
  departements: [["64", "Pyrénées-Atlantiques", "/x/donnees/recherche/64.json"], ["40", "Landes", "/x/donnees/recherche/40.json"], ["2A", "Corse-du-Sud", "/x/donnees/recherche/2a.json"]],
  communes: [
    ["64102", "Bayonne", "64100", 43.4929, -1.4748, "64", "/x/communes/64102-bayonne/"],
    ["64024", "Anglet", "64600", 43.4853, -1.5184, "64", "/x/communes/64024-anglet/"],
    ["64445", "Pau", "64000", 43.2951, -0.3708, "64", "/x/communes/64445-pau/"],
    ["64477", "Saint-Étienne-de-Baïgorry", "64430", 43.1836, -1.3339, "64", "/x/communes/64477-saint-etienne-de-baigorry/"],
    ["64371", "Mauléon-Licharre", "64130", 43.2236, -0.8867, "64", "/x/communes/64371-mauleon-licharre/"],
    ["64178", "Charritte-de-Bas", "64130", 43.2333, -0.8167, "64", "/x/communes/64178-charritte-de-bas/"],
    ["64203", "L'Hôpital-Saint-Blaise", "64130", 43.25, -0.78, "64", "/x/communes/64203-l-hopital-saint-blaise/"],
    ["40312", "Tarnos", "40220", 43.5406, -1.4594, "40", "/x/communes/40312-tarnos/"],
    ["2A004", "Ajaccio", "20000 20090", 41.9192, 8.7386, "2A", "/x/communes/2a004-ajaccio/"],
    ["64999", "Sans-Point", "64999", null, null, "64", "/x/communes/64999-sans-point/"],
  ],
};

// Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off, as the generator writes it.
const SPLIT = {
  week: [[[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720]], []],
  exceptions: { "2026-12-25": [], "2027-01-01": [], "2026-11-11": [] },
  until: "2027-11-24",
};
const AFTERNOON = { week: [[[840, 1080]], [[840, 1080]], [[840, 1080]], [[840, 1080]], [[840, 1080]], [], []], exceptions: {}, until: "2027-11-24" };

// [id, nom, url, insee, adresse, lat, lon, services, publics, pec, frais, accompagnement, dispositifs, drapeaux, texte, horaires, fermeture]
const place = (id, nom, insee, lat, lon, masks, flags, texte, horaires = null, fermeture = null) =>
  [id, nom, `/x/lieux/${id}/`, insee, `1 rue ${id}`, lat, lon, ...masks, flags, texte, horaires, fermeture];
const LIEUX_64 = [
  place("media-baigorri", "Médiathèque Garazi", "64477", 43.18, -1.33, [0b011, 0b10, 0, 0b01, 0, 2 ** 35], 0, "mediatheque garazi saint etienne de baigorry 64430 bibliotheque", SPLIT),
  place("cyber-bayonne", "Cyberbase de Bayonne", "64102", 43.49, -1.475, [0b110, 0b01, 0, 0b10, 0, 1], 1 | 4, "cyberbase de bayonne 64100 ordinateurs internet", SPLIT),
  place("ccas-anglet", "CCAS d'Anglet", "64024", 43.4853, -1.5184, [0b001, 0b10, 1, 0b01, 1, 0], 2, "ccas anglet 64600 aide demarches administratives", AFTERNOON),
  place("centre-pau", "Zèbre centre social", "64445", 43.30, -0.37, [0b100, 0, 0, 0b11, 0, 2 ** 35 + 2], 0, "zebre centre social pau 64000 ateliers"),
  place("alpha-pau", "Alpha", "64445", null, null, [0b001, 0, 0, 0, 0, 0], 8, "alpha pau 64000 centra formation"),
  place("sans-point", "Lieu sans point", "64999", null, null, [0, 0, 0, 0b01, 0, 0], 0, "lieu sans point mediatheque", null, "Fermé temporairement jusqu'au 30 novembre 2026 inclus."),
];
const LIEUX_40 = [place("tarnos", "Espace de Tarnos", "40312", 43.54, -1.46, [0b001, 0, 0, 0b01, 0, 0], 0, "espace tarnos 40220 mediatheque")];

function engine() {
  const e = r.createEngine(catalogue);
  e.add("64", { version: 1, departement: "64", lieux: LIEUX_64 });
  e.add("40", { version: 1, departement: "40", lieux: LIEUX_40 });
  return e;
}
const TUESDAY_10H = new Date(2026, 10, 24, 10, 0); // 24 November 2026, a Tuesday
function run(e, qs, { now = TUESDAY_10H, position = null } = {}) {
  const s = r.fromQuery(qs, KEYS);
  const plan = e.plan(s, position);
  const res = e.search(s, plan, now);
  const ids = [...res.ids].map((p) => LIEUX_64.concat(LIEUX_40)[p][0]);
  return { plan, res, ids };
}

// ---------------------------------------------------------------- words

test("fold: accents, case, ligatures, apostrophes — like the generator's text::fold", () => {
  assert.equal(r.fold("Médiathèque ÉTÉ"), "mediatheque ete");
  assert.equal(r.fold("Œuvre d’Æsope"), "oeuvre d'aesope");
  assert.equal(r.fold("Saint-Étienne-de-Baïgorry"), "saint-etienne-de-baigorry");
  assert.equal(r.fold("Ça"), "ca");
  assert.deepEqual(r.words("  L'Hôpital-Saint-Blaise (64130) "), ["l", "hopital", "saint", "blaise", "64130"]);
});

test("query words: one-letter words and small words are dropped, unless nothing else is left", () => {
  assert.deepEqual(r.queryWords("Maison de la Vie"), ["maison", "vie"]);
  assert.deepEqual(r.queryWords("a des"), ["des"]);
  assert.deepEqual(r.queryWords("l'aide"), ["aide"]);
  assert.deepEqual(r.queryWords(""), []);
});

test("edit distance at most 1: substitution, insertion, deletion, transposition", () => {
  assert.ok(r.withinOne("mediatheqe", "mediatheque")); // deletion
  assert.ok(r.withinOne("mediathequee", "mediatheque")); // insertion
  assert.ok(r.withinOne("mediatheqie", "mediatheque")); // substitution
  assert.ok(r.withinOne("mediahteque", "mediatheque")); // transposition
  assert.ok(r.withinOne("abc", "abc"));
  assert.ok(!r.withinOne("mediatque", "mediatheque")); // two letters missing
  assert.ok(!r.withinOne("maison", "raisin"));
});

test("match levels: same word, prefix, typo only for words of 4 letters or more", () => {
  assert.equal(r.matchLevel("mediatheque", "mediatheque"), 3);
  assert.equal(r.matchLevel("media", "mediatheque"), 2);
  assert.equal(r.matchLevel("mediatheqe", "mediatheque"), 1);
  assert.equal(r.matchLevel("aida", "aide"), 1);
  assert.equal(r.matchLevel("pou", "pau"), 0, "no typo tolerance under 4 letters");
  assert.equal(r.matchLevel("mediaxxque", "mediatheques"), 0, "two typos");
  assert.equal(r.matchLevel("mediateque", "mediatheques"), 1, "the beginning of a long word, with one typo");
  assert.equal(r.matchLevel("cyber", "bayonne"), 0);
});

test("full text: no accent, a typo, a prefix; every word must match", () => {
  const e = engine();
  assert.deepEqual(new Set(run(e, "q=m%C3%A9diath%C3%A8que").ids), new Set(["media-baigorri", "sans-point", "tarnos"]));
  assert.deepEqual(run(e, "q=m%C3%A9diath%C3%A8que").ids, run(e, "q=mediatheque").ids);
  assert.deepEqual(new Set(run(e, "q=mediatheqe").ids), new Set(["media-baigorri", "sans-point", "tarnos"]));
  assert.deepEqual(run(e, "q=cyber").ids, ["cyber-bayonne"]);
  assert.deepEqual(run(e, "q=MEDIATHEQUE+garazi").ids, ["media-baigorri"]);
  assert.deepEqual(run(e, "q=mediatheque+introuvable").ids, []);
  assert.deepEqual(run(e, "q=xyz").res.total, 0);
});

test("ranking: exact and prefix matches before typo matches, then by name", () => {
  const e = engine();
  // "centre" is a word of "Zèbre centre social"; "centra" (one letter off) of "Alpha".
  assert.deepEqual(run(e, "q=centre").ids, ["centre-pau", "alpha-pau"]);
  // Same level: by name (accent-free): Espace de Tarnos, Lieu sans point, Médiathèque Garazi.
  assert.deepEqual(run(e, "q=mediatheque").ids, ["tarnos", "sans-point", "media-baigorri"]);
});

// ---------------------------------------------------------------- facets

test("facets: OR within a facet, AND across facets, flags", () => {
  const e = engine();
  assert.deepEqual(new Set(run(e, "services=1").ids), new Set(["media-baigorri", "cyber-bayonne"]));
  assert.deepEqual(new Set(run(e, "services=1&services=2").ids), new Set(["media-baigorri", "cyber-bayonne", "centre-pau"]));
  assert.deepEqual(new Set(run(e, "services=1&services=2&frais=1").ids), new Set(["cyber-bayonne", "centre-pau"]));
  assert.deepEqual(run(e, "services=1&services=2&frais=1&publics=0").ids, ["cyber-bayonne"]);
  assert.deepEqual(run(e, "rdv=1").ids, ["cyber-bayonne"]);
  assert.deepEqual(run(e, "samedi=1").ids, ["cyber-bayonne"]);
  assert.deepEqual(run(e, "acces=1").ids, ["ccas-anglet"]);
  // Bits above 31: value 35 of "dispositifs".
  assert.deepEqual(new Set(run(e, "dispositifs=35").ids), new Set(["media-baigorri", "centre-pau"]));
  assert.deepEqual(run(e, "dispositifs=1").ids, ["centre-pau"]);
  assert.deepEqual(run(e, "dispositifs=35&dispositifs=0").ids.length, 3);
});

test("facet counts: the number of results if that box were added", () => {
  const e = engine();
  const countsOf = (qs) => run(e, qs).res.counts;
  // Nothing checked: counts are the places having each value.
  let c = countsOf("");
  assert.deepEqual(c.services, [4, 2, 2]);
  assert.deepEqual(c.frais, [5, 2]);
  assert.deepEqual(c.publics, [1, 2]);
  assert.equal(c.dispositifs[35], 2);
  assert.equal(c.dispositifs[39], 0);
  assert.deepEqual([c.rdv[0], c.samedi[0], c.acces[0]], [1, 1, 1]);
  // Every count equals the total of the search with that box added.
  for (const qs of ["", "services=1", "services=1&frais=1", "q=mediatheque&frais=0", "publics=1&services=0&services=2", "dispositifs=35&rdv=1"]) {
    const counts = countsOf(qs);
    const state = r.fromQuery(qs, KEYS);
    for (const f of FACETTES) {
      counts[f.cle].forEach((n, v) => {
        const s = structuredClone(state);
        s.f[f.cle] = [...new Set([...(s.f[f.cle] || []), v])];
        const expected = run(e, r.toQuery(s, KEYS)).res.total;
        const checked = (state.f[f.cle] || []).includes(v);
        if (!checked) assert.equal(n, expected, `${qs} + ${f.cle}=${v}`);
        else assert.ok(n <= run(e, qs).res.total, `${qs}: checked ${f.cle}=${v}`);
      });
    }
    for (const flag of ["ouvert", "samedi", "rdv", "acces"]) {
      const expected = run(e, r.toQuery({ ...state, [flag]: true }, KEYS)).res.total;
      assert.equal(counts[flag][0], expected, `${qs} + ${flag}`);
    }
  }
  // A checked value shows how many results have it; an unchecked one of the
  // same facet, how many there would be with it too (OR).
  c = countsOf("services=1&services=2");
  assert.deepEqual(c.services, [6, 2, 2]);
});

// ---------------------------------------------------------------- URL

test("URL state round trip, with the form's names", () => {
  const s = r.fromQuery("q=m%C3%A9diath%C3%A8que+de+Pau&commune=64100&ouvert=1&rdv=1&services=2&services=0&frais=1&autour=1", KEYS);
  assert.equal(s.q, "médiathèque de Pau");
  assert.equal(s.commune, "64100");
  assert.deepEqual([s.ouvert, s.samedi, s.rdv, s.acces, s.autour], [true, false, true, false, true]);
  assert.deepEqual(s.f, { services: [0, 2], frais: [1] });
  const qs = r.toQuery(s, KEYS);
  assert.equal(qs, "q=m%C3%A9diath%C3%A8que+de+Pau&commune=64100&ouvert=1&rdv=1&services=0&services=2&frais=1&autour=1");
  assert.deepEqual(r.fromQuery(qs, KEYS), s);
  assert.equal(r.toQuery(r.emptyState(), KEYS), "");
  assert.ok(r.isEmpty(r.fromQuery("?q=&commune=", KEYS)), "a plain GET of the empty form is the empty state");
  // Junk is ignored.
  assert.deepEqual(r.fromQuery("services=x&services=-1&services=99&services=&services=1&services=1&inconnu=3", KEYS).f, { services: [1] });
  // Hostile text goes through unchanged (it is only ever shown as text).
  const hostile = '<img src=x onerror="window.__xss=1">';
  assert.equal(r.fromQuery(r.toQuery({ ...r.emptyState(), q: hostile }, KEYS), KEYS).q, hostile);
});

// ---------------------------------------------------------------- distances, communes

test("distances: haversine and French formatting like the generator", () => {
  const d = r.distanceKm(43.2951, -0.3708, 43.4929, -1.4748);
  assert.ok(Math.abs(d - 91.6) < 2, String(d));
  assert.equal(r.distanceKm(43, -1, 43, -1), 0);
  assert.equal(r.formatKm(3.24), "3,2 km");
  assert.equal(r.formatKm(0.04), "0,0 km");
  assert.equal(r.formatKm(12.6), "13 km");
  assert.equal(r.formatKm(131.2), "131 km");
});

test("communes: name without accents or hyphens, 'St', postcode, several communes per postcode", () => {
  const e = engine();
  assert.equal(e.resolveCommune("bayonne").commune[0], "64102");
  assert.equal(e.resolveCommune("  BAYONNE ").commune[0], "64102");
  assert.equal(e.resolveCommune("saint etienne de baigorry").commune[0], "64477");
  assert.equal(e.resolveCommune("St-Étienne-de-Baïgorry").commune[0], "64477");
  assert.equal(e.resolveCommune("lhopital saint blaise").commune[0], "64203");
  assert.equal(e.resolveCommune("64100").commune[0], "64102");
  assert.equal(e.resolveCommune("20090").commune[0], "2A004", "second postcode of a commune");
  const several = e.resolveCommune("64130");
  assert.equal(several.commune[1], "Charritte-de-Bas", "the first by name");
  assert.deepEqual(several.candidates, ["Charritte-de-Bas", "L'Hôpital-Saint-Blaise", "Mauléon-Licharre"]);
  assert.equal(several.postcode, "64130");
  assert.equal(e.resolveCommune("64130 Mauléon").commune[0], "64371", "postcode and beginning of a name");
  assert.equal(e.resolveCommune("Bayone").commune[0], "64102", "one typo");
  assert.equal(e.resolveCommune("Bayon").commune[0], "64102", "beginning of a name");
  assert.equal(e.resolveCommune("Paris"), null);
  assert.equal(e.resolveCommune("75001"), null);
  assert.equal(e.resolveCommune(""), null);
});

test("commune search: places of the commune first, then around, by distance; a null point uses the commune's", () => {
  const e = engine();
  const { plan, res, ids } = run(e, "commune=Bayonne");
  assert.equal(plan.commune.commune[1], "Bayonne");
  assert.deepEqual(ids.slice(0, 3), ["cyber-bayonne", "ccas-anglet", "tarnos"]);
  assert.ok(res.distances, "sorted by distance");
  const km = (id) => res.distances[LIEUX_64.concat(LIEUX_40).findIndex((l) => l[0] === id)];
  assert.ok(km("cyber-bayonne") < 1);
  for (let i = 1; i < res.ids.length; i++) assert.ok(res.distances[res.ids[i - 1]] <= res.distances[res.ids[i]]);
  // "Alpha" has no coordinates: it is placed at Pau's point.
  assert.ok(Math.abs(km("alpha-pau") - r.distanceKm(43.4929, -1.4748, 43.2951, -0.3708)) < 0.01);
  // The whole query may be a commune or a postcode.
  assert.deepEqual(run(e, "q=bayonne").ids.slice(0, 2), ["cyber-bayonne", "ccas-anglet"]);
  assert.deepEqual(run(e, "q=64100").ids.slice(0, 2), ["cyber-bayonne", "ccas-anglet"]);
  assert.equal(run(e, "q=64100").plan.words.length, 0);
  // Words and a commune together.
  assert.deepEqual(run(e, "q=mediatheque&commune=64100").ids, ["tarnos", "media-baigorri", "sans-point"]);
  // Unknown commune: nothing, and the plan says why.
  const unknown = run(e, "commune=Atlantide");
  assert.equal(unknown.plan.unknownCommune, "Atlantide");
  assert.equal(unknown.res.total, 0);
});

test("départements loaded: those near the point, all for free text", () => {
  const e = engine();
  assert.deepEqual(run(e, "commune=Bayonne").plan.departements, ["64", "40"]);
  assert.deepEqual(run(e, "commune=Ajaccio").plan.departements, ["2A"]);
  assert.deepEqual(run(e, "q=mediatheque").plan.departements, ["64", "40", "2A"]);
  assert.deepEqual(run(e, "commune=Sans-Point").plan.departements, ["64"], "a commune without point: its département");
  // Around a position in Corsica: the Landes place is not a candidate.
  assert.deepEqual(run(e, "autour=1", { position: { lat: 41.92, lon: 8.74 } }).ids, []);
  const around = run(e, "autour=1", { position: { lat: 43.54, lon: -1.46 } });
  assert.equal(around.ids[0], "tarnos");
  assert.ok(around.res.distances);
});

// ---------------------------------------------------------------- open now

test("open now: status labels at fixed instants, holiday exception", () => {
  assert.deepEqual(r.status(SPLIT, TUESDAY_10H), { open: true, label: "Ouvert · ferme à 12 h" });
  assert.deepEqual(r.status(SPLIT, new Date(2026, 10, 24, 12, 30)), { open: false, label: "Fermé · ouvre à 14 h" });
  // 11 November 2026 (a Wednesday, public holiday): closed, opens Thursday.
  assert.deepEqual(r.status(SPLIT, new Date(2026, 10, 11, 10, 0)), { open: false, label: "Fermé · ouvre demain à 9 h" });
  assert.deepEqual(r.status(SPLIT, new Date(2026, 11, 31, 18, 0)), { open: false, label: "Fermé · ouvre samedi à 9 h" });
  assert.equal(r.isOpen(SPLIT, TUESDAY_10H, "2026-11-24"), true);
  assert.equal(r.isOpen(SPLIT, new Date(2026, 10, 11, 10, 0), "2026-11-11"), false);
  assert.equal(r.isOpen(null, TUESDAY_10H, "2026-11-24"), false);
  // Past "until", exceptions no longer apply.
  assert.equal(r.isOpen({ ...SPLIT, until: "2026-11-01" }, new Date(2026, 10, 11, 10, 0), "2026-11-11"), true);
});

test("open now filter: Tuesday 10:00, Tuesday 15:00, a public holiday, Sunday", () => {
  const e = engine();
  const open = (now) => new Set(run(e, "ouvert=1", { now }).ids);
  assert.deepEqual(open(TUESDAY_10H), new Set(["media-baigorri", "cyber-bayonne"]));
  assert.deepEqual(open(new Date(2026, 10, 24, 15, 0)), new Set(["media-baigorri", "cyber-bayonne", "ccas-anglet"]));
  assert.deepEqual(open(new Date(2026, 10, 11, 15, 0)), new Set(["ccas-anglet"]), "11 November: the split schedule is closed");
  assert.deepEqual(open(new Date(2026, 10, 22, 10, 0)), new Set());
  assert.equal(run(e, "", { now: TUESDAY_10H }).res.counts.ouvert[0], 2);
  const card = e.card(1, TUESDAY_10H, null);
  assert.deepEqual(card, {
    nom: "Cyberbase de Bayonne",
    url: "/x/lieux/cyber-bayonne/",
    adresse: "1 rue cyber-bayonne, Bayonne",
    distance: "",
    etat: "Ouvert · ferme à 12 h",
    ouvert: true,
    services: "Ordinateurs · Ateliers",
    fermeture: "",
    verifier: false,
  });
  assert.equal(e.card(3, TUESDAY_10H, null).etat, "", "no hours, no label");
  assert.equal(e.card(4, TUESDAY_10H, null).verifier, true, "flag 8: a stale listing");
  assert.equal(e.card(5, TUESDAY_10H, null).fermeture, "Fermé temporairement jusqu'au 30 novembre 2026 inclus.");
});
