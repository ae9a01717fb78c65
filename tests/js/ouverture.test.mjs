// The "open now" logic of the default theme, at fixed instants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { status } = require("../../themes/default/static/js/ouverture.js");

// Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off — as the generator writes it.
const split = {
  week: [[[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720], [840, 1020]], [[540, 720]], []],
  exceptions: { "2026-12-25": [], "2027-01-01": [] },
  until: "2027-11-24",
};
const at = (y, m, d, h, min) => new Date(y, m - 1, d, h, min);

test("open in the morning: closes at noon", () => {
  assert.deepEqual(status(split, at(2026, 11, 24, 10, 0)), { open: true, label: "Ouvert · ferme à 12 h" });
});

test("closed at lunch: opens at 2 pm", () => {
  assert.deepEqual(status(split, at(2026, 11, 24, 12, 30)), { open: false, label: "Fermé · ouvre à 14 h" });
});

test("Friday evening: opens tomorrow (Saturday)", () => {
  assert.deepEqual(status(split, at(2026, 11, 27, 18, 0)), { open: false, label: "Fermé · ouvre demain à 9 h" });
});

test("Saturday afternoon: opens Monday", () => {
  assert.deepEqual(status(split, at(2026, 11, 28, 13, 0)), { open: false, label: "Fermé · ouvre lundi à 9 h" });
});

test("public holiday (Christmas, a Friday): closed, opens Saturday", () => {
  assert.deepEqual(status(split, at(2026, 12, 25, 10, 0)), { open: false, label: "Fermé · ouvre demain à 9 h" });
});

test("the day before a holiday: opens on the day after", () => {
  assert.deepEqual(status(split, at(2026, 12, 31, 18, 0)), { open: false, label: "Fermé · ouvre samedi à 9 h" });
});

test("24/7", () => {
  const always = { week: Array(7).fill([[0, 1440]]), exceptions: {}, until: "2027-01-01" };
  assert.deepEqual(status(always, at(2026, 11, 24, 3, 0)), { open: true, label: "Ouvert 24 h/24" });
});

test("overnight slot closes the next day", () => {
  const night = { week: [[[1320, 1440]], [[0, 120], [1320, 1440]], [[0, 120]], [], [], [], []], exceptions: {}, until: "2027-01-01" };
  assert.deepEqual(status(night, at(2026, 11, 23, 23, 0)), { open: true, label: "Ouvert · ferme demain à 2 h" });
});

test("half hours and no opening within a week", () => {
  const halves = { week: [[[870, 1110]], [], [], [], [], [], []], exceptions: {}, until: "2027-01-01" };
  assert.deepEqual(status(halves, at(2026, 11, 23, 15, 0)), { open: true, label: "Ouvert · ferme à 18 h 30" });
  const never = { week: [[], [], [], [], [], [], []], exceptions: {}, until: "2027-01-01" };
  assert.deepEqual(status(never, at(2026, 11, 23, 15, 0)), { open: false, label: "Fermé" });
});
