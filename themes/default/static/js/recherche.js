// Search page: words, commune or postcode, "Autour de moi" and filters, all
// computed in the browser from the index of src/search.rs. Without
// JavaScript the form stays hidden and "Parcourir la liste" is the way in.
//
// Which département files are loaded: with a point (a commune, or the
// resident's position), those with a commune within NEAR_KM of it (plus the
// commune's own); otherwise (words, filters only) all of them. A
// one-département site loads its file at once, for the filter counts.
(function () {
  "use strict";
  var NEAR_KM = 60, PAGE = 50, MAX_WORDS = 8, B30 = 1073741824;

  // ------------------------------------------------------------ words
  var MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var SPLIT = /[^0-9a-z\u00c0-\u024f\u0370-\u1fff\u2c00-\ud7ff\uf900-\uffef]+/;
  var STOP = { de: 1, du: 1, des: 1, la: 1, le: 1, les: 1, et: 1, au: 1, aux: 1, en: 1, un: 1, une: 1, pour: 1, sur: 1 };

  // "Œuvre Médiathèque" → "oeuvre mediatheque", like text::fold of the generator.
  function fold(s) {
    s = String(s == null ? "" : s);
    if (s.normalize) s = s.normalize("NFD");
    return s.replace(MARKS, "").toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss").replace(/[’‘]/g, "'");
  }
  function words(s) { return fold(s).split(SPLIT).filter(Boolean); }

  // Words of a query: the index drops one-letter words; small words go
  // unless there is nothing else.
  function queryWords(q) {
    var all = words(q).filter(function (w) { return w.length > 1; }).slice(0, MAX_WORDS);
    var kept = all.filter(function (w) { return !STOP[w]; });
    return kept.length ? kept : all;
  }

  // Optimal string alignment distance of a and b[0, lb) is at most 1.
  function withinOne(a, b, lb) {
    var la = a.length, i = 0;
    if (lb === undefined) lb = b.length;
    if (la - lb > 1 || lb - la > 1) return false;
    while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    if (i === la && i === lb) return true;
    function same(x, y) {
      if (la - x !== lb - y) return false;
      for (; x < la; x++, y++) if (a.charCodeAt(x) !== b.charCodeAt(y)) return false;
      return true;
    }
    if (la === lb) return same(i + 1, i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && same(i + 2, i + 2));
    return la > lb ? same(i + 1, i) : same(i, i + 1);
  }

  // 3 same word, 2 prefix, 1 one typo (words of 4+ letters; beginning of a
  // word for 6+ letters), 0 no match.
  function matchLevel(q, w) {
    if (w.lastIndexOf(q, 0) === 0) return q.length === w.length ? 3 : 2;
    if (q.length < 4) return 0;
    if (withinOne(q, w)) return 1;
    if (q.length >= 6) {
      for (var k = q.length - 1; k <= q.length + 1 && k < w.length; k++) if (withinOne(q, w, k)) return 1;
    }
    return 0;
  }

  // Commune names without accents, hyphens, apostrophes: "St-Jean-de-Luz" = "saintjeandeluz".
  function communeKey(s) {
    return words(s).map(function (w) { return w === "st" ? "saint" : w === "ste" ? "sainte" : w; }).join("");
  }

  // ------------------------------------------------------------ distances
  function distanceKm(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, a = Math.sin((lat2 - lat1) * r / 2), b = Math.sin((lon2 - lon1) * r / 2);
    var h = a * a + Math.cos(lat1 * r) * Math.cos(lat2 * r) * b * b;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  // Like the generator: "3,2 km", "13 km".
  function formatKm(km) { return km < 10 ? km.toFixed(1).replace(".", ",") + " km" : Math.round(km) + " km"; }

  // ------------------------------------------------------------ hours (as ouverture.js)
  var DAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
  var FULL_DAY = 1440;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDate(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function time(m) { return m >= FULL_DAY ? "minuit" : (m % 60 ? Math.floor(m / 60) + " h " + pad(m % 60) : m / 60 + " h"); }
  function addDays(d, n) { return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n); }
  function slotsOn(data, date, key) {
    key = key || isoDate(date);
    if (key < data.until && Object.prototype.hasOwnProperty.call(data.exceptions, key)) return data.exceptions[key];
    return data.week[(date.getDay() + 6) % 7] || [];
  }
  function closing(data, now, end) {
    var day = 0;
    while (end >= FULL_DAY) {
      if (++day > 7) return null;
      var next = slotsOn(data, addDays(now, day));
      if (!next.length || next[0][0] !== 0) return [day, 0];
      end = next[0][1];
    }
    return [day, end];
  }
  function dayWord(offset, date) { return offset === 1 ? "demain" : DAYS[date.getDay()]; }
  function status(data, now) {
    var minutes = now.getHours() * 60 + now.getMinutes(), today = slotsOn(data, now), i;
    for (i = 0; i < today.length; i++) {
      if (today[i][0] <= minutes && minutes < today[i][1]) {
        var end = closing(data, now, today[i][1]);
        if (end === null) return { open: true, label: "Ouvert 24 h/24" };
        if (end[0] === 0) return { open: true, label: "Ouvert · ferme à " + time(end[1]) };
        if (end[0] === 1 && end[1] === 0) return { open: true, label: "Ouvert · ferme à minuit" };
        return { open: true, label: "Ouvert · ferme " + dayWord(end[0], addDays(now, end[0])) + " à " + time(end[1]) };
      }
    }
    for (i = 0; i < today.length; i++) {
      if (today[i][0] > minutes) return { open: false, label: "Fermé · ouvre à " + time(today[i][0]) };
    }
    for (var offset = 1; offset <= 7; offset++) {
      var date = addDays(now, offset), slots = slotsOn(data, date);
      if (slots.length) return { open: false, label: "Fermé · ouvre " + dayWord(offset, date) + " à " + time(slots[0][0]) };
    }
    return { open: false, label: "Fermé" };
  }
  // Same answer as status(data, now).open; key = isoDate(now), computed once per search.
  function isOpen(data, now, key) {
    if (!data) return false;
    var m = now.getHours() * 60 + now.getMinutes(), s = slotsOn(data, now, key);
    for (var i = 0; i < s.length; i++) if (s[i][0] <= m && m < s[i][1]) return true;
    return false;
  }

  // ------------------------------------------------------------ URL state
  var FLAGS = [["ouvert", 0], ["samedi", 4], ["rdv", 1], ["acces", 2]];

  function emptyState() { return { q: "", commune: "", autour: false, ouvert: false, samedi: false, rdv: false, acces: false, f: {} }; }
  function isEmpty(s) { return !toQuery(s, Object.keys(s.f)); }

  // ?q=…&commune=…&ouvert=1&services=1&services=4&autour=1 — the names of the form fields.
  function fromQuery(search, keys) {
    var p = new URLSearchParams(search), s = emptyState();
    s.q = p.get("q") || "";
    s.commune = p.get("commune") || "";
    s.autour = !!p.get("autour") && p.get("autour") !== "0";
    FLAGS.forEach(function (f) { s[f[0]] = !!p.get(f[0]) && p.get(f[0]) !== "0"; });
    keys.forEach(function (k) {
      var v = p.getAll(k).map(function (x) { return x === "" ? NaN : Number(x); }).filter(function (x, i, a) { return x >= 0 && x < 53 && x % 1 === 0 && a.indexOf(x) === i; });
      if (v.length) s.f[k] = v.sort(function (a, b) { return a - b; });
    });
    return s;
  }
  function toQuery(s, keys) {
    var p = new URLSearchParams();
    if (s.q.trim()) p.append("q", s.q);
    if (s.commune.trim()) p.append("commune", s.commune);
    FLAGS.forEach(function (f) { if (s[f[0]]) p.append(f[0], "1"); });
    keys.forEach(function (k) { (s.f[k] || []).forEach(function (v) { p.append(k, String(v)); }); });
    if (s.autour) p.append("autour", "1");
    return p.toString();
  }

  // ------------------------------------------------------------ the engine
  // createEngine(catalogue), then add(code, file) for each département file.
  // Places are kept in columns (typed arrays) and each département gets a
  // word index (sorted vocabulary, postings as place numbers): a prefix is a
  // binary search, and a search allocates nothing in proportion to places.
  function createEngine(catalogue) {
    var cols = catalogue.colonnes || [], C = {};
    ["nom", "url", "code_insee", "adresse", "latitude", "longitude", "drapeaux", "texte", "horaires", "fermeture"].forEach(function (name, i) {
      C[name] = cols.indexOf(name) >= 0 ? cols.indexOf(name) : [1, 2, 3, 4, 5, 6, 13, 14, 15, 16][i];
    });
    var communes = catalogue.communes, byCode = {}, byKey = {}, byPostcode = {}, keys = [];
    communes.forEach(function (c, i) {
      byCode[c[0]] = c;
      var k = (keys[i] = communeKey(c[1]));
      (byKey[k] = byKey[k] || []).push(i);
      String(c[2] || "").split(" ").forEach(function (cp) { if (cp) (byPostcode[cp] = byPostcode[cp] || []).push(i); });
    });
    var deps = catalogue.departements.map(function (d) { return d[0]; });
    var groups = FLAGS.map(function (f) { return { key: f[0], bit: f[1], size: 1 }; }).concat(catalogue.facettes.map(function (f, i) {
      return { key: f.cle, col: cols.indexOf(f.cle) >= 0 ? cols.indexOf(f.cle) : 7 + i, size: f.valeurs.length, values: f.valeurs };
    }));
    var rows = [], names = [], parts = [], n = 0;
    var dept, lat, lon, flags, rank, hits, fuzz, seen, results, dist, open, openKey;

    function indexText(d, start, end) {
      var map = new Map(), list = [], tw = [], tp = [], p, i, k;
      for (p = start; p < end; p++) {
        var ws = String(rows[p][C.texte] || "").split(" ");
        for (i = 0; i < ws.length; i++) {
          if (!ws[i]) continue;
          k = map.get(ws[i]);
          if (k === undefined) { k = list.length; map.set(ws[i], k); list.push(ws[i]); }
          tw.push(k); tp.push(p);
        }
      }
      var order = list.map(function (w, i) { return i; }).sort(function (a, b) { return list[a] < list[b] ? -1 : 1; });
      var pos = new Int32Array(list.length), off = new Int32Array(list.length + 1), post = new Int32Array(tw.length);
      order.forEach(function (id, i) { pos[id] = i; });
      for (i = 0; i < tw.length; i++) off[pos[tw[i]] + 1]++;
      for (i = 0; i < list.length; i++) off[i + 1] += off[i];
      var ends = off.slice(0, list.length);
      for (i = 0; i < tw.length; i++) {
        k = pos[tw[i]];
        if (ends[k] === off[k] || post[ends[k] - 1] !== tp[i]) post[ends[k]++] = tp[i];
      }
      return { dept: d, words: order.map(function (id) { return list[id]; }), off: off, ends: ends, post: post };
    }

    function add(code, file) {
      var d = deps.indexOf(code), start = rows.length, p;
      file.lieux.forEach(function (r) { rows.push(r); names.push(fold(r[C.nom])); });
      parts.push(indexText(d, start, rows.length));
      var old = dept;
      n = rows.length;
      dept = new Int32Array(n); lat = new Float64Array(n); lon = new Float64Array(n); flags = new Int32Array(n);
      hits = new Uint8Array(n); fuzz = new Uint8Array(n); seen = new Uint8Array(n);
      results = new Int32Array(n); dist = new Float64Array(n); open = new Uint8Array(n); openKey = "";
      if (old) dept.set(old);
      dept.fill(d, start);
      groups.forEach(function (g) { if (g.col !== undefined) { g.mlo = new Int32Array(n); g.mhi = new Int32Array(n); } });
      for (p = 0; p < n; p++) {
        var r = rows[p], c = byCode[r[C.code_insee]];
        lat[p] = r[C.latitude] != null ? r[C.latitude] : c && c[3] != null ? c[3] : NaN;
        lon[p] = r[C.longitude] != null ? r[C.longitude] : c && c[4] != null ? c[4] : NaN;
        flags[p] = r[C.drapeaux] | 0;
        groups.forEach(function (g) {
          if (g.col === undefined) return;
          var m = r[g.col] || 0;
          g.mlo[p] = m % B30; g.mhi[p] = Math.floor(m / B30);
        });
      }
      rank = new Int32Array(n);
      rows.map(function (r, i) { return i; })
        .sort(function (a, b) { return names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b; })
        .forEach(function (p, i) { rank[p] = i; });
    }

    // A commune from a name or a postcode: {commune, candidates: [names], postcode}, or null.
    function resolveCommune(input) {
      var t = String(input || "").trim(), cp = (t.match(/\b\d{5}\b/) || [])[0], k = communeKey(cp ? t.replace(cp, " ") : t), list;
      var find = function (test) { return keys.map(function (x, i) { return test(x) ? i : -1; }).filter(function (i) { return i >= 0; }); };
      if (cp) {
        list = byPostcode[cp] || [];
        var named = list.filter(function (i) { return keys[i].lastIndexOf(k, 0) === 0; });
        if (named.length) list = named;
      } else if (k) {
        list = byKey[k] || [];
        if (!list.length && k.length >= 3) list = find(function (x) { return x.lastIndexOf(k, 0) === 0; });
        if (!list.length && k.length >= 4) list = find(function (x) { return withinOne(k, x); });
      }
      if (!list || !list.length) return null;
      list = list.slice().sort(function (a, b) { return communes[a][1].localeCompare(communes[b][1], "fr") || a - b; });
      return { commune: communes[list[0]], candidates: list.map(function (i) { return communes[i][1]; }), postcode: cp || null };
    }

    function departementsNear(la, lo) {
      var found = {}, best = Infinity, nearest = null;
      communes.forEach(function (c) {
        if (c[3] == null) return;
        var d = distanceKm(la, lo, c[3], c[4]);
        if (d <= NEAR_KM) found[c[5]] = true;
        if (d < best) { best = d; nearest = c[5]; }
      });
      if (nearest) found[nearest] = true;
      return deps.filter(function (d) { return found[d]; });
    }

    // What a state asks for: {words, origin, commune, unknownCommune, departements}.
    // A whole query that is a commune name or a postcode is taken as the commune.
    function plan(s, position) {
      var t = s.q.trim(), input = s.commune.trim(), q = s.q;
      if (!input && !s.autour && t && (/^\d{5}$/.test(t) || byKey[communeKey(t)])) { input = t; q = ""; }
      var r = { words: queryWords(q), origin: null, commune: null, unknownCommune: null, departements: deps.slice() };
      if (s.autour && position) {
        r.origin = position;
      } else if (input) {
        var c = (r.commune = resolveCommune(input));
        if (!c) { r.unknownCommune = input; r.departements = []; return r; }
        if (c.commune[3] != null) r.origin = { lat: c.commune[3], lon: c.commune[4] };
        else r.departements = [c.commune[5]];
      }
      if (r.origin) {
        r.departements = departementsNear(r.origin.lat, r.origin.lon);
        if (r.commune && r.departements.indexOf(r.commune.commune[5]) < 0) r.departements.push(r.commune.commune[5]);
      }
      return r;
    }

    // hits[p]: query words found in place p; fuzz[p]: how many only with a typo.
    function textMatch(ws, want) {
      hits.fill(0); fuzz.fill(0); seen.fill(0);
      parts.forEach(function (t) {
        if (!want[t.dept]) return;
        var list = t.words;
        function mark(i, k, f) {
          for (var j = t.off[i]; j < t.ends[i]; j++) {
            var p = t.post[j];
            if (seen[p] !== k + 1) { seen[p] = k + 1; hits[p]++; fuzz[p] += f; }
          }
        }
        ws.forEach(function (w, k) {
          var a = 0, b = list.length, i;
          while (a < b) { i = (a + b) >> 1; if (list[i] < w) a = i + 1; else b = i; }
          for (i = a; i < list.length && list[i].lastIndexOf(w, 0) === 0; i++) mark(i, k, 0);
          if (w.length >= 4) for (i = 0; i < list.length; i++) if (matchLevel(w, list[i]) === 1) mark(i, k, 1);
        });
      });
    }

    function flagOn(g, p) { return g.bit ? (flags[p] & g.bit) !== 0 : open[p] === 1; }
    function passes(g, p) { return g.col === undefined ? flagOn(g, p) : ((g.mlo[p] & g.lo) | (g.mhi[p] & g.hi)) !== 0; }
    function bits(m, base, into) { while (m) { var b = m & -m; into[base + 31 - Math.clz32(b)]++; m ^= b; } }
    function tally(g, p, into) {
      if (g.col === undefined) { if (flagOn(g, p)) into[0]++; }
      else { bits(g.mlo[p], 0, into); bits(g.mhi[p], 30, into); }
    }

    // Results of a state: {total, ids (sorted), distances (km by place number, or null),
    // counts: {key: [results if that box were added, per value]}}.
    function search(s, pl, now) {
      var R = 0, ws = n ? pl.words : [], nw = ws.length, want = {}, p, g, i, G = groups.length, gr, failed, nf;
      pl.departements.forEach(function (d) { want[deps.indexOf(d)] = true; });
      var key = isoDate(now), minute = key + " " + now.getHours() * 60 + now.getMinutes();
      if (n && openKey !== minute) {
        for (p = 0; p < n; p++) open[p] = isOpen(rows[p][C.horaires], now, key) ? 1 : 0;
        openKey = minute;
      }
      groups.forEach(function (g) {
        var sel = g.col === undefined ? (s[g.key] ? [0] : []) : s.f[g.key] || [];
        g.checked = {}; g.lo = 0; g.hi = 0; g.active = sel.length > 0;
        sel.forEach(function (v) { g.checked[v] = true; if (v < 30) g.lo |= 1 << v; else g.hi |= 1 << (v - 30); });
        g.inRes = new Int32Array(g.size); g.near = new Int32Array(g.size);
      });
      if (nw) textMatch(ws, want);
      for (p = 0; p < n; p++) {
        if (!want[dept[p]] || (nw && hits[p] !== nw)) continue;
        nf = 0;
        for (g = 0; g < G && nf < 2; g++) { gr = groups[g]; if (gr.active && !passes(gr, p)) { nf++; failed = gr; } }
        if (nf === 0) {
          results[R++] = p;
          for (g = 0; g < G; g++) tally(groups[g], p, groups[g].inRes);
        } else if (nf === 1) tally(failed, p, failed.near);
      }
      var ids = n ? results.subarray(0, R) : new Int32Array(0), o = pl.origin, code = pl.commune && pl.commune.commune[0];
      for (i = 0; i < R; i++) {
        p = ids[i];
        dist[p] = o ? (isNaN(lat[p]) ? Infinity : distanceKm(o.lat, o.lon, lat[p], lon[p])) :
          code ? (rows[p][C.code_insee] === code ? 0 : 1) : nw ? fuzz[p] : 0;
      }
      ids.sort(function (a, b) { return dist[a] - dist[b] || rank[a] - rank[b]; });
      var counts = {};
      groups.forEach(function (g) {
        counts[g.key] = Array.prototype.map.call(g.inRes, function (c, v) { return g.checked[v] ? c : (g.active ? R : c) + g.near[v]; });
      });
      return { total: R, ids: ids, distances: o ? dist : null, counts: counts };
    }

    // What a result card shows.
    function card(p, now, distances) {
      var r = rows[p], c = byCode[r[C.code_insee]], h = r[C.horaires], st = h ? status(h, now) : null;
      var g = groups[FLAGS.length], has = new Int32Array(g.size);
      tally(g, p, has);
      return {
        nom: r[C.nom], url: r[C.url],
        adresse: [r[C.adresse], c && c[1]].filter(Boolean).join(", "),
        distance: distances && isFinite(distances[p]) ? "à " + formatKm(distances[p]) : "",
        etat: st ? st.label : "", ouvert: st ? st.open : null,
        services: g.values.filter(function (v, i) { return has[i]; }).join(" · "),
        // A temporary closure, as the build words it; and whether the listing is stale.
        fermeture: r[C.fermeture] || "", verifier: (flags[p] & 8) !== 0,
      };
    }

    return { add: add, plan: plan, search: search, card: card, resolveCommune: resolveCommune, departementsNear: departementsNear, departements: deps };
  }

  var api = {
    fold: fold, words: words, queryWords: queryWords, withinOne: withinOne, matchLevel: matchLevel, communeKey: communeKey,
    distanceKm: distanceKm, formatKm: formatKm, status: status, isOpen: isOpen,
    fromQuery: fromQuery, toQuery: toQuery, emptyState: emptyState, isEmpty: isEmpty, createEngine: createEngine,
  };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
    return;
  }
  if (typeof document !== "undefined") init();

  // ------------------------------------------------------------ the page
  function init() {
    var form = document.getElementById("formulaire-recherche");
    if (!form || typeof fetch !== "function" || !window.URLSearchParams || !history.pushState || !window.Promise) return;
    var $ = function (id) { return document.getElementById(id); };
    var zone = $("zone-resultats"), resume = $("resume-resultats"), list = $("resultats"), carte = $("voir-carte");
    var etat = $("etat-position"), model = $("modele-resultat"), titre = $("titre-resultats"), el = form.elements;
    var carteBase = carte ? carte.getAttribute("href").split("?")[0] : "";
    var keys = [], boxes = form.querySelectorAll("input[type=checkbox]");
    Array.prototype.forEach.call(boxes, function (b) { if (!FLAGS.some(function (f) { return f[0] === b.name; }) && keys.indexOf(b.name) < 0) keys.push(b.name); });
    var state = fromQuery(location.search, keys), engine = null, cataloguePromise = null, files = {};
    var position = null, shown = !isEmpty(state), generation = 0, timer = 0, current = null, renders = 0;
    var more = document.createElement("button");
    more.type = "button"; more.className = "bouton bouton-secondaire"; more.textContent = "Voir plus de résultats";
    if (titre) titre.setAttribute("tabindex", "-1");

    form.hidden = false;
    Array.prototype.forEach.call(document.querySelectorAll(".sans-js"), function (e) { e.hidden = true; });

    function getJSON(url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    function loadCatalogue() {
      if (!cataloguePromise) {
        cataloguePromise = getJSON(form.getAttribute("data-catalogue")).then(function (c) { engine = createEngine(c); engine.urls = c.departements; return engine; });
        cataloguePromise.catch(function () { cataloguePromise = null; });
      }
      return cataloguePromise;
    }
    function loadDepartements(codes) {
      return Promise.all(codes.map(function (code) {
        if (!files[code]) {
          var d = engine.urls.filter(function (x) { return x[0] === code; })[0];
          files[code] = getJSON(d[2]).then(function (file) { engine.add(code, file); });
          files[code].catch(function () { delete files[code]; });
        }
        return files[code];
      }));
    }

    function readForm() {
      var s = emptyState();
      s.q = el.q.value; s.commune = el.commune.value; s.autour = state.autour;
      Array.prototype.forEach.call(boxes, function (b) {
        if (!b.checked) return;
        if (keys.indexOf(b.name) < 0) s[b.name] = true;
        else (s.f[b.name] = s.f[b.name] || []).push(Number(b.value));
      });
      return s;
    }
    function writeForm(s) {
      el.q.value = s.q; el.commune.value = s.commune;
      Array.prototype.forEach.call(boxes, function (b) {
        b.checked = keys.indexOf(b.name) < 0 ? !!s[b.name] : (s.f[b.name] || []).indexOf(Number(b.value)) >= 0;
      });
    }
    // The URL follows the form. Typing replaces the history entry it made
    // (mode "saisie"); a submit or a filter adds one ("ajout").
    function commit(mode) {
      var qs = toQuery(state, keys), url = location.pathname + (qs ? "?" + qs : ""), typing = mode === "saisie";
      if (carte) carte.href = carteBase + (qs ? "?" + qs : "");
      if (mode === "ajout" || typing) {
        if (typing && history.state && history.state.saisie) return history.replaceState({ saisie: true }, "", url);
        if (url !== location.pathname + location.search) return history.pushState({ saisie: typing }, "", url);
      }
      history.replaceState({ saisie: false }, "", url);
    }

    function say(text) { zone.hidden = false; resume.textContent = text; }
    function fail() {
      list.textContent = ""; if (more.parentNode) more.parentNode.removeChild(more); form.setAttribute("data-recherche", "erreur"); form.setAttribute("data-rendus", ++renders);
      say("Les données de la recherche n'ont pas pu être chargées. Vérifiez votre connexion puis réessayez, ou utilisez « Parcourir la liste » plus bas.");
    }

    function locate() {
      if (!navigator.geolocation) return located(null);
      etat.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        located({ lat: pos.coords.latitude, lon: pos.coords.longitude });
      }, function (err) { located(null, err); }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 300000 });
    }
    function located(pos, err) {
      position = pos;
      if (pos) {
        etat.textContent = "Position trouvée : les lieux sont classés du plus proche au plus loin.";
      } else {
        state.autour = false;
        etat.textContent = (err && err.code === 1 ? "Vous n'avez pas autorisé l'accès à votre position." : "Votre position n'a pas pu être trouvée.") +
          " Tapez plutôt le nom de votre commune ou son code postal.";
        commit("remplace");
      }
      run();
    }

    // Searches the current state; a slow network gets a word after 0.4 s.
    function run(focus) {
      var gen = ++generation, s = state, done = false;
      if (s.autour && !position) return locate();
      setTimeout(function () { if (!done && gen === generation && shown) say("Chargement des lieux…"); }, 400);
      loadCatalogue().then(function (e) {
        var pl = e.plan(s, s.autour ? position : null);
        var codes = !shown && isEmpty(s) && e.departements.length > 1 ? [] : pl.departements;
        return loadDepartements(codes).then(function () { if (gen === generation) render(e, s, pl, focus); });
      }).catch(function () { if (gen === generation) fail(); }).then(function () { done = true; });
    }

    function render(e, s, pl, focus) {
      var now = new Date(), res = e.search(s, pl, now);
      showCounts(res.counts, s);
      // For tests and curious readers: the state now shown.
      form.setAttribute("data-recherche", toQuery(s, keys));
      form.setAttribute("data-rendus", ++renders);
      if (!shown) return;
      zone.hidden = false;
      var c = pl.commune, n = res.total, text;
      if (pl.unknownCommune) {
        text = "Aucune commune ne correspond à « " + pl.unknownCommune + " ». Vérifiez l'orthographe ou tapez le code postal.";
      } else {
        text = n === 0 ? "Aucun lieu ne correspond : retirez un filtre ou élargissez la recherche." :
          n.toLocaleString("fr-FR") + (n > 1 ? " lieux trouvés" : " lieu trouvé");
        if (n && pl.origin) text += c ? ", du plus proche au plus loin de " + c.commune[1] + "." : ", du plus proche au plus loin de vous.";
        else if (n) text += ".";
        if (c && c.candidates.length > 1) {
          text = (c.postcode ? "Le code postal " + c.postcode + " couvre " : "Il y a ") + c.candidates.length + " communes (" +
            c.candidates.slice(0, 5).join(", ") + (c.candidates.length > 5 ? "…" : "") + ") : recherche autour de " + c.commune[1] +
            ", la première par ordre alphabétique. " + text;
        }
      }
      resume.textContent = text;
      current = { e: e, res: res, now: now, shown: 0 };
      list.textContent = "";
      page();
      if (focus && titre) titre.focus();
    }
    function page() {
      var frag = document.createDocumentFragment(), ids = current.res.ids, start = current.shown, end = Math.min(ids.length, start + PAGE), first = null;
      for (var i = start; i < end; i++) {
        var d = current.e.card(ids[i], current.now, current.res.distances), li = model.content.firstElementChild.cloneNode(true);
        var a = li.querySelector("[data-champ=lien]");
        a.href = d.url; a.textContent = d.nom;
        first = first || a;
        ["adresse", "distance", "etat", "services", "fermeture"].forEach(function (k) {
          var f = li.querySelector("[data-champ=" + k + "]");
          if (!f) return;
          f.textContent = d[k]; f.hidden = !d[k];
        });
        // Its words are the theme's: only shown or not.
        var stale = li.querySelector("[data-champ=verifier]");
        if (stale) stale.hidden = !d.verifier;
        if (d.ouvert !== null) li.querySelector("[data-champ=etat]").className += d.ouvert ? " ouvert" : " ferme";
        frag.appendChild(li);
      }
      list.appendChild(frag);
      current.shown = end;
      // In the page only when useful (".bouton" has a display that beats [hidden]).
      if (end < ids.length) list.parentNode.insertBefore(more, list.nextSibling);
      else if (more.parentNode) more.parentNode.removeChild(more);
      return first;
    }
    function showCounts(counts, s) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-compte]"), function (span) {
        var k = span.getAttribute("data-compte"), dash = k.lastIndexOf("-");
        var key = dash < 0 ? k : k.slice(0, dash), v = dash < 0 ? 0 : Number(k.slice(dash + 1)), c = counts[key] && counts[key][v];
        if (c === undefined) return;
        span.textContent = String(c);
        var li = span.closest("li"), box = li && li.querySelector("input");
        // The theme's ".cases li { display: flex }" beats [hidden]: hide it inline too.
        if (li) { li.hidden = c === 0 && !(box && box.checked); li.style.display = li.hidden ? "none" : ""; }
      });
      Array.prototype.forEach.call(form.querySelectorAll("fieldset"), function (fs) {
        fs.hidden = !fs.querySelector("li:not([hidden])");
      });
    }

    form.addEventListener("input", function (ev) {
      if (ev.target !== el.q && ev.target !== el.commune) return;
      if (ev.target === el.commune && state.autour) { state.autour = false; position = null; etat.textContent = ""; }
      clearTimeout(timer);
      timer = setTimeout(function () { state = readForm(); shown = shown || !isEmpty(state); commit("saisie"); run(); }, 150);
    });
    form.addEventListener("change", function (ev) {
      if (ev.target.type !== "checkbox") return;
      clearTimeout(timer); state = readForm(); shown = true; commit("ajout"); run();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer); state = readForm(); shown = true; commit("ajout"); run(true);
    });
    $("autour-de-moi").addEventListener("click", function () {
      clearTimeout(timer);
      el.commune.value = ""; state = readForm(); state.autour = true; position = null; shown = true; commit("ajout"); run(true);
    });
    more.addEventListener("click", function () { var a = page(); if (a) a.focus(); });
    window.addEventListener("popstate", function () {
      clearTimeout(timer);
      state = fromQuery(location.search, keys); writeForm(state);
      if (!state.autour) etat.textContent = "";
      shown = shown || !isEmpty(state); run();
    });

    writeForm(state);
    history.replaceState({ saisie: false }, "", location.href);
    if (carte) carte.href = carteBase + location.search;
    run();
  }
})();
