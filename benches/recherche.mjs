// Benchmark of the search page's engine (themes/default/static/js/recherche.js)
// on the index files of a built site, in Node on this machine:
//
//   node benches/recherche.mjs DOSSIER_PUBLIC
//
// It reads DOSSIER_PUBLIC/donnees/recherche/index.json and every département
// file, then reports the compressed size of what a first search transfers,
// the time to index, and the median and worst time of a set of searches
// (words, a typo, a commune, filters). A phone is several times slower.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const r = require('../themes/default/static/js/recherche.js');
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node benches/recherche.mjs DOSSIER_PUBLIC');
  process.exit(2);
}
const base = path.join(dir, 'donnees/recherche');
const read = (f) => fs.readFileSync(path.join(base, f));
const catalogueBytes = read('index.json');
const catalogue = JSON.parse(catalogueBytes);
const files = catalogue.departements.map(([code]) => [code, read(`${code.toLowerCase()}.json`)]);
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;

let t = performance.now();
const engine = r.createEngine(catalogue);
let places = 0;
for (const [code, bytes] of files) {
  const file = JSON.parse(bytes);
  places += file.lieux.length;
  engine.add(code, file);
}
const indexMs = performance.now() - t;

const communes = catalogue.communes;
const queries = [
  'q=mediatheque', 'q=mediatheqe', 'q=france+services', 'q=aide+demarches', 'q=impots',
  `commune=${encodeURIComponent(communes[Math.floor(communes.length / 2)][1])}`,
  `commune=${communes[0][2].split(' ')[0]}`, 'services=0&frais=0', 'q=numerique&samedi=1', 'ouvert=1',
];
const keys = ['q', 'commune', 'autour', 'ouvert', 'samedi', 'rdv', 'acces', ...catalogue.facettes.map((f) => f.cle)];
const now = new Date(2026, 10, 24, 10, 0);
const times = [];
for (let round = 0; round < 5; round++) {
  for (const q of queries) {
    const state = r.fromQuery(q, keys);
    t = performance.now();
    const plan = engine.plan(state, null);
    engine.search(state, plan, now);
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
const firstDep = files[0][1];
console.log(`lieux : ${places} ; départements : ${files.length}`);
console.log(`première recherche (catalogue + un département, gzip) : ${((gz(catalogueBytes) + gz(firstDep)) / 1024).toFixed(1)} Ko`);
console.log(`tous les départements (gzip) : ${(files.reduce((s, [, b]) => s + gz(b), 0) / 1024).toFixed(1)} Ko`);
console.log(`indexation : ${indexMs.toFixed(0)} ms`);
console.log(`recherche : médiane ${times[Math.floor(times.length / 2)].toFixed(1)} ms, pire ${times[times.length - 1].toFixed(1)} ms (${times.length} recherches)`);
