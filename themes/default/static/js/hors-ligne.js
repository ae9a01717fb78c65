// Registers the service worker (offline reading of visited pages), and on
// the offline page lists the pages saved on this device.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.getAttribute("data-base");
  if (!base || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(base + "sw.js", { scope: base }).catch(function () {});

  var list = document.getElementById("pages-enregistrees");
  if (!list || !window.caches) return;
  var status = document.getElementById("etat-enregistrees");
  caches.keys().then(function (keys) {
    var names = keys.filter(function (k) { return k.indexOf("annuaire-") === 0; });
    return Promise.all(names.map(function (n) { return caches.open(n).then(function (c) { return c.keys().then(function (reqs) { return { cache: c, reqs: reqs }; }); }); }));
  }).then(function (groups) {
    var pages = [];
    groups.forEach(function (g) {
      g.reqs.forEach(function (r) {
        var path = new URL(r.url).pathname;
        if (path.slice(-1) === "/" && path !== base + "hors-ligne/") pages.push({ cache: g.cache, request: r, path: path });
      });
    });
    pages.sort(function (a, b) { return a.path < b.path ? -1 : 1; });
    return Promise.all(pages.slice(0, 200).map(function (p) {
      return p.cache.match(p.request).then(function (response) { return response.text(); }).then(function (html) {
        var title = new DOMParser().parseFromString(html, "text/html").title || p.path;
        return { path: p.path, title: title };
      });
    }));
  }).then(function (pages) {
    pages.forEach(function (p) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = p.path;
      link.textContent = p.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    if (status) status.textContent = pages.length
      ? pages.length + (pages.length > 1 ? " pages enregistrées sur cet appareil :" : " page enregistrée sur cet appareil :")
      : "Aucune page n'est encore enregistrée sur cet appareil.";
  }).catch(function () {});
})();
