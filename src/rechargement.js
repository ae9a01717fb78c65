// Live reload for `annuaire serve` only (never in a published build).
// Polls the build state; reloads after a successful rebuild, and shows the
// content errors of a failed one on the page, as text.
(function () {
  "use strict";
  var url = "/__annuaire/etat";
  var known = null;
  var panel = null;

  function show(errors) {
    if (!errors.length) {
      if (panel) { panel.remove(); panel = null; }
      return;
    }
    if (!panel) {
      panel = document.createElement("section");
      panel.setAttribute("role", "alert");
      panel.className = "erreurs-construction";
      document.body.insertBefore(panel, document.body.firstChild);
    }
    panel.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "La dernière modification contient des erreurs : le site affiché est la version précédente.";
    panel.appendChild(title);
    var list = document.createElement("ul");
    errors.forEach(function (e) {
      var item = document.createElement("li");
      item.textContent = e;
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  function poll() {
    fetch(url, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (known !== null && state.version !== known) { location.reload(); return; }
        known = state.version;
        show(state.erreurs || []);
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
