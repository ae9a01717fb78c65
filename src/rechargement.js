// Live reload for `annuaire serve` only (never in a published build).
// Waits for news of the build; reloads after a successful rebuild, and shows the
// content errors of a failed one on the page, as text.
(function () {
  "use strict";
  var url = "/__annuaire/etat";
  var known = null;
  var numero = null;
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

  // Asks for the state after the one it knows: the server answers as soon
  // as a build ends (or after a while, unchanged, and the page asks again).
  function poll() {
    var ask = numero === null ? url : url + "?apres=" + numero;
    fetch(ask, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (known !== null && state.version !== known) { location.reload(); return; }
        var news = state.numero !== numero;
        known = state.version;
        numero = state.numero;
        show(state.erreurs || []);
        setTimeout(poll, news ? 0 : 1000);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
