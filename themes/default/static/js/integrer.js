// Embeddable views (integrer/): inside an <iframe>, tells the host page the
// height of the content, so that its small script can size the frame (no
// scroll bar inside the page), and opens links in a new tab. On the builder page, composes the <iframe>
// code for the chosen view and commune. Nothing else: no cookie, no
// request to any other site.
(function () {
  "use strict";

  // ------------------------------------------------------------ in a frame
  if (window.parent !== window) {
    var last = 0;
    var send = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      // Only a height is sent: nothing private, so any host may read it.
      window.parent.postMessage({ annuaire: "hauteur", hauteur: height }, "*");
    };
    if ("ResizeObserver" in window) new ResizeObserver(send).observe(document.documentElement);
    // Links to other pages open in a new tab: the host page stays.
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[href]");
      if (!a) return;
      var url = new URL(a.href, location.href);
      if (url.origin === location.origin && url.pathname === location.pathname && url.search === location.search && url.hash) return;
      a.target = "_blank";
      a.rel = "noopener";
    }, true);
    var note = document.getElementById("integre-onglet");
    if (note) note.hidden = false;
    window.addEventListener("load", send);
    document.addEventListener("toggle", send, true);
    send();
  }

  // ------------------------------------------------------------ builder
  var form = document.getElementById("integrer-generateur");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var view = $("integrer-vue"), commune = $("integrer-commune"), title = $("integrer-titre");
  var code = $("integrer-code"), preview = $("integrer-apercu"), status = $("integrer-etat");
  var titleTouched = false;

  var escapeAttribute = function (s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  };

  var update = function () {
    var option = view.options[view.selectedIndex];
    var isCommune = view.value === "commune";
    $("integrer-champ-commune").hidden = !isCommune;
    var url = option.getAttribute("data-url");
    var defaultTitle = option.getAttribute("data-titre");
    if (isCommune) {
      var chosen = commune.options[commune.selectedIndex];
      url += commune.value + "/";
      defaultTitle = defaultTitle.replace("{commune}", chosen.textContent.replace(/ \(.*\)$/, ""));
    }
    if (!titleTouched) title.value = defaultTitle;
    code.value = '<iframe src="' + escapeAttribute(url) + '" title="' + escapeAttribute(title.value) +
      '" width="100%" height="' + option.getAttribute("data-hauteur") +
      '" style="border:0" loading="lazy" data-annuaire></iframe>';
    preview.href = url;
    status.textContent = "";
  };

  view.addEventListener("change", update);
  commune.addEventListener("change", update);
  title.addEventListener("input", function () { titleTouched = title.value !== ""; update(); });
  $("integrer-copier").addEventListener("click", function () {
    code.select();
    var done = function () { status.textContent = "Code copié."; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.value).then(done, function () { status.textContent = "Sélectionnez le code et copiez-le (Ctrl+C)."; });
    } else {
      status.textContent = "Le code est sélectionné : copiez-le (Ctrl+C).";
    }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.hidden = false;
  update();
})();
