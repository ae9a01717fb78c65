// "Ouvert · ferme à 12 h" on a place page, computed in the browser from the
// schedule the generator wrote in data-horaires: the usual week, plus the
// dates of the coming year that differ (public holidays, seasons).
// Without JavaScript the weekly table says the same, less directly.
(function () {
  "use strict";
  var DAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
  var FULL_DAY = 1440;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function isoDate(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  // 540 → "9 h", 870 → "14 h 30", 1440 → "minuit".
  function time(minutes) {
    if (minutes >= FULL_DAY) return "minuit";
    var h = Math.floor(minutes / 60);
    var m = minutes % 60;
    return m ? h + " h " + pad(m) : h + " h";
  }

  function addDays(d, n) {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  }

  function slotsOn(data, date) {
    var key = isoDate(date);
    if (key < data.until && Object.prototype.hasOwnProperty.call(data.exceptions, key)) {
      return data.exceptions[key];
    }
    return data.week[(date.getDay() + 6) % 7] || [];
  }

  // Where an open period that reaches midnight really ends: [day offset, minute],
  // or null when it never closes within a week.
  function closing(data, now, end) {
    var day = 0;
    while (end >= FULL_DAY) {
      day += 1;
      if (day > 7) return null;
      var next = slotsOn(data, addDays(now, day));
      if (!next.length || next[0][0] !== 0) return [day, 0];
      end = next[0][1];
    }
    return [day, end];
  }

  function dayWord(offset, date) {
    if (offset === 1) return "demain";
    return DAYS[date.getDay()];
  }

  function status(data, now) {
    var minutes = now.getHours() * 60 + now.getMinutes();
    var today = slotsOn(data, now);
    for (var i = 0; i < today.length; i++) {
      if (today[i][0] <= minutes && minutes < today[i][1]) {
        var end = closing(data, now, today[i][1]);
        if (end === null) return { open: true, label: "Ouvert 24 h/24" };
        if (end[0] === 0) return { open: true, label: "Ouvert · ferme à " + time(end[1]) };
        if (end[0] === 1 && end[1] === 0) return { open: true, label: "Ouvert · ferme à minuit" };
        return { open: true, label: "Ouvert · ferme " + dayWord(end[0], addDays(now, end[0])) + " à " + time(end[1]) };
      }
    }
    for (var j = 0; j < today.length; j++) {
      if (today[j][0] > minutes) return { open: false, label: "Fermé · ouvre à " + time(today[j][0]) };
    }
    for (var offset = 1; offset <= 7; offset++) {
      var date = addDays(now, offset);
      var slots = slotsOn(data, date);
      if (slots.length) {
        return { open: false, label: "Fermé · ouvre " + dayWord(offset, date) + " à " + time(slots[0][0]) };
      }
    }
    return { open: false, label: "Fermé" };
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { status: status };
    return;
  }
  var element = document.getElementById("etat-ouverture");
  if (!element) return;
  try {
    var result = status(JSON.parse(element.getAttribute("data-horaires")), new Date());
    element.textContent = result.label;
    element.className += result.open ? " ouvert" : " ferme";
    element.hidden = false;
  } catch (e) {
    // A broken schedule leaves the weekly table alone, which is still right.
  }
})();
