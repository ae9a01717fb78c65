// The map page: Leaflet (vendored in static/vendor/) draws the places of
// donnees/lieux.geojson on raster tiles, grouped by leaflet.markercluster.
// The same filters as the search page are read from the address
// (?q=…&commune=…&services=0…), so that « Voir ces lieux sur la carte »
// shows the same places. The list under the map stays the reference: the map
// adds nothing that is not written there.
// Place data is only ever put into the page with textContent, never as HTML.
(function () {
  "use strict";

  var zone = document.getElementById("carte");
  if (!zone) return;
  var message = document.getElementById("carte-message");

  // ------------------------------------------------------------ helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function plural(n, one, many) {
    return n > 1 ? many : one;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + " : " + response.status);
      return response.json();
    });
  }

  // A live region before the map, for what happens after the page loaded
  // (tiles unavailable, data not loaded). Created empty so that it is
  // announced when its text changes.
  // The template may hold it already (<p id="carte-etat" role="status" hidden>).
  var etat = document.getElementById("carte-etat");
  if (!etat) {
    etat = el("p", "carte-alerte");
    etat.id = "carte-etat";
    etat.setAttribute("role", "status");
    etat.hidden = true;
    zone.parentNode.insertBefore(etat, zone);
  }

  function say(text) {
    etat.textContent = text;
    etat.hidden = false;
  }

  function listLink(text) {
    var a = el("a", null, text);
    a.href = "#titre-liste";
    return a;
  }

  // ------------------------------------------------------------ no Leaflet

  var modern = !!(window.fetch && window.Promise && window.URL && window.URLSearchParams);
  if (!window.L || typeof window.L.map !== "function" || !modern) {
    if (message) {
      message.textContent = modern
        ? "La bibliothèque qui dessine la carte n'a pas pu être chargée. Tous les lieux sont dans la liste ci-dessous : "
        : "Ce navigateur ne peut pas afficher la carte. Tous les lieux sont dans la liste ci-dessous : ";
      message.appendChild(listLink("aller à la liste des lieux"));
      message.appendChild(document.createTextNode("."));
    }
    if (!etat.textContent) etat.hidden = true;
    return;
  }
  var L = window.L;

  // Cluster colours: MarkerCluster.Default.css sits next to MarkerCluster.css.
  // Added here only if the page does not link it already.
  (function () {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    var cluster = null;
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href") || "";
      if (/MarkerCluster\.Default\.css$/.test(href)) return;
      if (/MarkerCluster\.css$/.test(href)) cluster = links[i];
    }
    if (!cluster) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = cluster.href.replace(/MarkerCluster\.css$/, "MarkerCluster.Default.css");
    cluster.parentNode.insertBefore(link, cluster.nextSibling);
  })();

  // ------------------------------------------------------------ the map

  var geojsonUrl = zone.getAttribute("data-geojson") || "";
  var tiles = zone.getAttribute("data-tuiles") || "";
  var attribution = zone.getAttribute("data-attribution") || "";
  var zoomMax = parseInt(zone.getAttribute("data-zoom-max"), 10);
  if (!(zoomMax > 0 && zoomMax <= 22)) zoomMax = 18;
  var limites = null;
  try {
    var b = JSON.parse(zone.getAttribute("data-limites") || "null");
    if (b && b.length === 4 && b.every(function (x) { return typeof x === "number" && isFinite(x); })) {
      // [west, south, east, north] → Leaflet's [[south, west], [north, east]].
      limites = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    }
  } catch (e) {
    limites = null;
  }
  // The site's base: the GeoJSON is <base>donnees/lieux.geojson.
  var base = geojsonUrl.replace(/donnees\/lieux\.geojson(?=$|[?#])/, "");
  var catalogueUrl = geojsonUrl.replace(/lieux\.geojson(?=$|[?#])/, "recherche/index.json");

  zone.textContent = "";
  var map = L.map(zone, {
    zoomControl: false,
    attributionControl: false,
    maxZoom: zoomMax,
    keyboard: true,
  });
  map.getContainer().setAttribute(
    "aria-label",
    "Carte des lieux. Touches fléchées : déplacer la carte ; + et − : zoomer ; Tab : passer d'un lieu ou d'un groupe de lieux à l'autre, Entrée pour l'ouvrir."
  );
  L.control.zoom({ position: "topleft", zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  // The attribution comes from the site's configuration: shown as text.
  var attributionText = document.createElement("span");
  attributionText.textContent = attribution;
  var credits = L.control
    .attribution({ prefix: '<a href="https://leafletjs.com/" hreflang="en">Leaflet</a>' })
    .addAttribution(attributionText.innerHTML)
    .addTo(map);
  // Leaflet's CSS tells its links from the text by colour only (WCAG 1.4.1):
  // underline them (CSSOM, allowed by a strict style-src).
  Array.prototype.forEach.call(credits.getContainer().querySelectorAll("a"), function (a) {
    a.style.textDecoration = "underline";
  });

  if (limites) map.fitBounds(limites);
  else map.setView([46.6, 2.4], 6); // metropolitan France

  // Tiles: if several fail, say that the background is unavailable.
  var tileErrors = 0;
  var tileLoads = 0;
  var tilesReported = false;
  function tilesUnavailable() {
    if (tilesReported) return;
    tilesReported = true;
    say(
      "Le fond de carte n'est pas disponible pour le moment : les lieux restent placés sur la carte, et la liste sous la carte contient tous les lieux."
    );
  }
  if (tiles) {
    var layer = L.tileLayer(tiles, { maxZoom: zoomMax });
    layer.on("tileerror", function () {
      tileErrors += 1;
      if (tileErrors >= 3) tilesUnavailable();
    });
    layer.on("tileload", function () {
      tileLoads += 1;
    });
    layer.on("load", function () {
      if (tileErrors > 0 && tileLoads === 0) tilesUnavailable();
    });
    layer.addTo(map);
  } else {
    tilesUnavailable();
  }

  // ------------------------------------------------------------ popups

  function popupContent(p) {
    var box = el("div", "carte-popup");
    var name = el("p", "carte-popup-nom");
    var strong = document.createElement("strong");
    if (p.url) {
      var a = el("a", null, p.nom);
      a.href = p.url;
      strong.appendChild(a);
    } else {
      strong.textContent = p.nom;
    }
    name.appendChild(strong);
    box.appendChild(name);
    if (p.adresse || p.commune) {
      box.appendChild(el("p", "carte-popup-adresse", [p.adresse, p.commune].filter(Boolean).join(", ")));
    }
    if (p.services && p.services.length) {
      box.appendChild(el("p", "carte-popup-services", p.services.join(" · ")));
    }
    return box;
  }

  // A popup opened from the keyboard takes the focus to its link, and Escape
  // (or closing it) gives the focus back to the marker.
  var openedFrom = null;
  function onPopupOpen(e) {
    var container = e.popup.getElement();
    if (!container) return;
    var close = container.querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", "Fermer");
      close.setAttribute("title", "Fermer");
    }
    var icon = e.target.getElement ? e.target.getElement() : null;
    openedFrom = icon || null;
    if (icon && document.activeElement === icon) {
      var link = container.querySelector(".carte-popup-nom a");
      if (link) link.focus({ preventScroll: true });
    }
  }
  function onPopupClose(e) {
    var container = e.popup.getElement();
    if (openedFrom && container && container.contains(document.activeElement) && document.body.contains(openedFrom)) {
      openedFrom.focus({ preventScroll: true });
    }
    openedFrom = null;
  }
  map.getContainer().addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && map.getContainer().querySelector(".leaflet-popup")) {
      var from = openedFrom;
      map.closePopup();
      if (from && document.body.contains(from)) from.focus({ preventScroll: true });
    }
  });

  // ------------------------------------------------------------ filters
  // The search page's own engine (recherche.js: words with typo tolerance,
  // commune or postcode, facets, "open now"…) decides which places match, on
  // the per-département search index, so that the map shows exactly the
  // places the search page lists. recherche.js is only loaded when the
  // address has a filter.

  var params = new URLSearchParams(window.location.search);
  // The search form's field names (recherche.html): texts, boxes that are
  // off with "0", and facets whose values are indexes (so "0" is a value).
  var TEXTS = ["q", "commune"];
  var BOXES = ["autour", "ouvert", "samedi", "rdv", "acces"];
  var FACETS = ["services", "publics", "prise_en_charge", "frais", "accompagnement", "dispositifs"];
  var active = false;
  params.forEach(function (value, key) {
    value = value.trim();
    if (!value) return;
    if (TEXTS.indexOf(key) >= 0 || FACETS.indexOf(key) >= 0 || (BOXES.indexOf(key) >= 0 && value !== "0")) active = true;
  });

  // recherche.js exports its functions as a CommonJS module when `module`
  // exists (for its Node tests) and runs its page code otherwise; its page
  // code does nothing without the search form. It may also publish them as
  // window.AnnuaireRecherche.
  function loadSearchApi() {
    if (window.AnnuaireRecherche && window.AnnuaireRecherche.createEngine) {
      return Promise.resolve(window.AnnuaireRecherche);
    }
    return new Promise(function (resolve, reject) {
      if (Object.prototype.hasOwnProperty.call(window, "module")) {
        reject(new Error("window.module is already taken"));
        return;
      }
      var shim = { exports: {} };
      window.module = shim;
      var script = document.createElement("script");
      script.src = base + "static/js/recherche.js";
      function done() {
        try {
          delete window.module;
        } catch (e) {
          window.module = undefined;
        }
      }
      script.onload = function () {
        done();
        var api = shim.exports && shim.exports.createEngine ? shim.exports : window.AnnuaireRecherche;
        if (api && api.createEngine) resolve(api);
        else reject(new Error("recherche.js gave no engine"));
      };
      script.onerror = function () {
        done();
        reject(new Error("recherche.js did not load"));
      };
      document.head.appendChild(script);
    });
  }

  // Resolves to null (no filter) or { paths: {url path: true}, total,
  // origin, labels: [text], problems: [text] }.
  function runSearch() {
    if (!active) return Promise.resolve(null);
    return Promise.all([loadSearchApi(), getJson(catalogueUrl)]).then(function (loaded) {
      var api = loaded[0];
      var catalogue = loaded[1];
      var keys = catalogue.facettes.map(function (f) { return f.cle; });
      var state = api.fromQuery(window.location.search, keys);
      var engine = api.createEngine(catalogue);
      var plan = engine.plan(state, null);
      var files = (catalogue.departements || []).filter(function (d) {
        return plan.departements.indexOf(d[0]) >= 0;
      });
      return Promise.all(
        files.map(function (d) {
          return getJson(d[2]).then(function (file) { return [d[0], file]; });
        })
      ).then(function (loadedFiles) {
        loadedFiles.forEach(function (f) { engine.add(f[0], f[1]); });
        var now = new Date();
        var result = engine.search(state, plan, now);
        var paths = {};
        var order = [];
        Array.prototype.forEach.call(result.ids, function (p) {
          var path = new URL(engine.card(p, now, null).url, window.location.href).pathname;
          paths[path] = true;
          order.push(path);
        });
        var labels = [];
        var problems = [];
        if (plan.words.length) labels.push("« " + state.q.trim() + " »");
        if (plan.commune) labels.push("autour de " + plan.commune.commune[1]);
        if (plan.unknownCommune) problems.push("aucune commune ne s'appelle « " + plan.unknownCommune + " »");
        if (state.autour && !plan.commune) problems.push("« Autour de moi » n'est pas repris sur la carte");
        [["ouvert", "ouvert maintenant"], ["samedi", "ouvert le samedi"], ["rdv", "rendez-vous en ligne"], ["acces", "accessibilité renseignée"]].forEach(function (f) {
          if (state[f[0]]) labels.push(f[1]);
        });
        catalogue.facettes.forEach(function (f) {
          var chosen = (state.f[f.cle] || [])
            .map(function (i) { return f.valeurs[i]; })
            .filter(function (v) { return v !== undefined; });
          if (chosen.length) labels.push(f.titre + " : " + chosen.join(" ou "));
        });
        return {
          paths: paths,
          order: order,
          total: result.total,
          origin: plan.origin && plan.commune ? plan.origin : null,
          labels: labels,
          problems: problems,
        };
      });
    });
  }

  function urlPath(url) {
    try {
      return new URL(url, window.location.href).pathname;
    } catch (e) {
      return "";
    }
  }

  function showFilterSummary(shown, search) {
    var box = document.getElementById("carte-filtres");
    if (!box) return;
    box.textContent = "";
    var total = search.total;
    var sentence =
      total === 0
        ? "Aucun lieu ne correspond à votre recherche"
        : total + " " + plural(total, "lieu correspond", "lieux correspondent") + " à votre recherche";
    if (search.labels.length) sentence += " (" + search.labels.join(" ; ") + ")";
    sentence += ". ";
    if (total > 0 && shown !== total) {
      sentence +=
        shown === 0
          ? "Aucun n'a de position précise : ils ne sont que dans la liste. "
          : shown + " " + plural(shown, "a une position et est sur la carte", "ont une position et sont sur la carte") + ". ";
    }
    if (search.problems.length) {
      var p = search.problems.join(" ; ");
      sentence += p.charAt(0).toUpperCase() + p.slice(1) + ". ";
    }
    box.appendChild(document.createTextNode(sentence));
    var list = el("a", null, "Voir ces lieux dans la liste de recherche");
    list.href = base + "recherche/" + window.location.search;
    box.appendChild(list);
    box.appendChild(document.createTextNode(" · "));
    var all = el("a", null, "Voir tous les lieux sur la carte");
    all.href = base + "carte/";
    box.appendChild(all);
    box.hidden = false;
  }

  function showFilterFailure() {
    var box = document.getElementById("carte-filtres");
    if (!box) return;
    box.textContent =
      "Les filtres de votre recherche n'ont pas pu être appliqués sur la carte : elle montre tous les lieux. ";
    var list = el("a", null, "Voir votre recherche dans la liste");
    list.href = base + "recherche/" + window.location.search;
    box.appendChild(list);
    box.hidden = false;
  }

  // ------------------------------------------------------------ markers

  var clustered = typeof L.markerClusterGroup === "function";
  var group = clustered
    ? L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 50,
        spiderfyOnMaxZoom: true,
        iconCreateFunction: function (cluster) {
          var n = cluster.getChildCount();
          var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
          // The count is a number: no place data in this HTML.
          return L.divIcon({
            html:
              '<div data-nombre="' + n + '"><span>' + n +
              '<span class="visuellement-cache"> lieux, Entrée pour zoomer</span></span></div>',
            className: "marker-cluster marker-cluster-" + size,
            iconSize: L.point(40, 40),
          });
        },
      })
    : L.featureGroup();

  // Puts the markers on the map. With a search, only the places it found,
  // and the view first fits them (without animation, so that clusters are
  // drawn once): around the commune asked for, its nearest places.
  function addPlaces(features, search) {
    var markers = [];
    var byPath = {};
    features.forEach(function (f) {
      var g = f && f.geometry;
      var p = (f && f.properties) || {};
      if (!g || g.type !== "Point" || !g.coordinates || g.coordinates.length < 2) return;
      var lon = Number(g.coordinates[0]);
      var lat = Number(g.coordinates[1]);
      if (!isFinite(lat) || !isFinite(lon)) return;
      var path = urlPath(p.url);
      if (search && !search.paths[path]) return;
      var name = String(p.nom || "Lieu sans nom");
      var marker = L.marker([lat, lon], { title: name, alt: name, keyboard: true, riseOnHover: true });
      marker.bindPopup(function () { return popupContent(p); }, popupOptions());
      marker.on("popupopen", onPopupOpen);
      marker.on("popupclose", onPopupClose);
      markers.push(marker);
      byPath[path] = marker;
    });
    if (search && markers.length) {
      var points;
      if (search.origin) {
        // The commune and its nearest places (the search lists them by distance).
        points = [L.latLng(search.origin.lat, search.origin.lon)];
        search.order.forEach(function (path) {
          if (byPath[path] && points.length < 6) points.push(byPath[path].getLatLng());
        });
      } else {
        points = markers.map(function (m) { return m.getLatLng(); });
      }
      map.fitBounds(L.latLngBounds(points), { maxZoom: Math.min(zoomMax, 14), padding: [24, 24], animate: false });
    } else if (search && search.origin) {
      map.setView([search.origin.lat, search.origin.lon], Math.min(zoomMax, 12), { animate: false });
    }
    if (clustered) group.addLayers(markers);
    else markers.forEach(function (m) { group.addLayer(m); });
    group.addTo(map);
    return markers.length;
  }

  // Popups stay clear of the zoom buttons (top left) and fit small screens.
  function popupOptions() {
    var width = map.getSize().x;
    return {
      maxWidth: Math.max(160, Math.min(280, width - 72)),
      autoPanPaddingTopLeft: L.point(12, 84),
      autoPanPaddingBottomRight: L.point(12, 12),
    };
  }

  var features = getJson(geojsonUrl).then(function (data) {
    return (data && data.features) || [];
  });
  var searching = runSearch().then(
    function (search) { return { search: search }; },
    function () { return { search: null, failed: true }; }
  );

  Promise.all([features, searching]).then(
    function (results) {
      var search = results[1].search;
      var shown = addPlaces(results[0], search);
      if (search) showFilterSummary(shown, search);
      else if (results[1].failed) showFilterFailure();
      zone.setAttribute("data-lieux", String(shown));
      zone.setAttribute("data-prete", "1");
    },
    function () {
      say("Les lieux n'ont pas pu être chargés sur la carte. La liste sous la carte contient tous les lieux.");
      zone.setAttribute("data-prete", "erreur");
    }
  );
})();
