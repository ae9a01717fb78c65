//! Opening hours (`horaires`) written in the OpenStreetMap `opening_hours` syntax.
//!
//! Parsing and evaluation are delegated to the `opening-hours` crate; this module adds what the
//! directory needs on top of it: French error messages for contributors, a "typical week" table
//! for the place page, and an open/closed status that honours French public holidays (`PH`).
//!
//! All times are naive local times (the directory covers a single French department), and sun
//! events such as `sunrise` use the crate's fixed approximations (7:00 / 19:00).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Weekday};
use opening_hours::localization::Country;
use opening_hours::{Context, ContextHolidays, OpeningHours, RuleKind};

/// Longest accepted `horaires` value, in characters; real values are far shorter, and the bound
/// keeps parsing and evaluation cheap whatever a contributor pastes.
pub const MAX_LEN: usize = 1000;

/// How far ahead `status_at` looks for the next opening or closing.
const STATUS_HORIZON_DAYS: i64 = 8;

/// Upper bound for `Hours::intervals`, so a bogus argument cannot make a build crawl.
const MAX_INTERVAL_DAYS: u32 = 366;

/// A well-formed example shown in every hint.
const EXAMPLE: &str = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00";

const MINUTES_PER_DAY: u16 = 24 * 60;

// The parser's error type lives in `opening-hours-syntax`, which is not a direct dependency:
// reach it through the `FromStr` impl instead of adding one.
type SyntaxError = <OpeningHours as FromStr>::Err;

/// French national public holidays as shipped by the crate.
static FR_HOLIDAYS: LazyLock<ContextHolidays> = LazyLock::new(|| Country::FR.holidays());

/// The national ones plus Good Friday and 26 December, for every year the
/// national calendar covers.
static ALSACE_MOSELLE_HOLIDAYS: LazyLock<ContextHolidays> = LazyLock::new(|| {
    let national = &*FR_HOLIDAYS;
    let mut public = national.get_public().clone();
    let years: std::collections::BTreeSet<i32> = national.get_public().iter().map(|d| d.year()).collect();
    for year in years {
        if let Some(friday) = easter_sunday(year).and_then(|d| d.checked_sub_days(Days::new(2))) {
            public.insert(friday);
        }
        if let Some(st_stephen) = NaiveDate::from_ymd_opt(year, 12, 26) {
            public.insert(st_stephen);
        }
    }
    ContextHolidays::new(
        std::sync::Arc::new(public),
        std::sync::Arc::new(national.get_school().clone()),
    )
});

/// Which public holidays apply where a place is: `PH` rules and "open
/// now" depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HolidayCalendar {
    #[default]
    France,
    /// Moselle, Bas-Rhin and Haut-Rhin keep two more public holidays under
    /// their local law: Good Friday and 26 December.
    AlsaceMoselle,
}

impl HolidayCalendar {
    pub fn of_departement(code: &str) -> HolidayCalendar {
        match code {
            "57" | "67" | "68" => HolidayCalendar::AlsaceMoselle,
            _ => HolidayCalendar::France,
        }
    }

    fn holidays(self) -> &'static ContextHolidays {
        match self {
            HolidayCalendar::France => &FR_HOLIDAYS,
            HolidayCalendar::AlsaceMoselle => &ALSACE_MOSELLE_HOLIDAYS,
        }
    }

    pub fn is_public_holiday(self, date: NaiveDate) -> bool {
        self.holidays().get_public().contains(date)
    }

    /// The public holidays from `from` (included) for `days` days, in
    /// order: asked of the calendar holiday by holiday, instead of day by
    /// day (a year of days for each distinct opening-hours text).
    pub fn public_holidays(self, from: NaiveDate, days: u32) -> Vec<NaiveDate> {
        let Some(end) = from.checked_add_days(Days::new(u64::from(days))) else {
            return Vec::new();
        };
        let calendar = self.holidays().get_public();
        let mut found = Vec::new();
        let mut next = if calendar.contains(from) {
            Some(from)
        } else {
            calendar.first_after(from)
        };
        while let Some(date) = next.filter(|&d| d < end) {
            found.push(date);
            next = calendar.first_after(date);
        }
        found
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous
/// algorithm published by Meeus).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

const DAY_NAMES: [&str; 7] = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];
const DAY_SHORT: [&str; 7] = ["Lun.", "Mar.", "Mer.", "Jeu.", "Ven.", "Sam.", "Dim."];

/// Validated opening hours, keeping the contributor's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hours {
    text: String,
    /// Evaluated with the public holidays of `calendar`, for everything users see.
    with_holidays: OpeningHours,
    /// Evaluated as if no day were a public holiday, to tell what `PH` rules change.
    without_holidays: OpeningHours,
    calendar: HolidayCalendar,
}

/// Why a `horaires` value was rejected, in plain French.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HoursError {
    /// What is wrong, e.g. "horaires illisibles : « Lu-Ve 9h-12h » n'est pas au format OpenStreetMap".
    pub message: String,
    /// How to fix it, usually with an example or a corrected proposal in the expected form.
    pub hint: String,
    /// 0-based character offset in the text given to [`parse`], when the parser reports one.
    pub offset: Option<usize>,
}

impl fmt::Display for HoursError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. {}", self.message, self.hint)
    }
}

impl std::error::Error for HoursError {}

/// The typical week of a place, ready for a template.
#[derive(serde::Serialize, Clone, Debug, PartialEq)]
pub struct WeeklyTable {
    /// Monday to Sunday.
    pub days: Vec<DayRow>,
    /// Open round the clock every day of the typical week.
    pub always_open: bool,
    /// Closed on French public holidays that would otherwise be open days.
    pub closed_on_public_holidays: bool,
    /// Contributor comments and notes (hours to be confirmed, special hours on public holidays).
    pub comment: Option<String>,
}

/// One day of the typical week.
#[derive(serde::Serialize, Clone, Debug, PartialEq)]
pub struct DayRow {
    /// "Lundi" to "Dimanche".
    pub day: &'static str,
    /// "Lun." to "Dim.".
    pub day_short: &'static str,
    pub slots: Vec<Slot>,
    /// No opening slot that day.
    pub closed: bool,
}

/// An opening slot. When `close` is earlier than `open`, the slot ends the next day.
#[derive(serde::Serialize, Clone, Debug, PartialEq)]
pub struct Slot {
    /// "09:00".
    pub open: String,
    /// "12:00"; "24:00" for the end of the day.
    pub close: String,
    /// "9 h – 12 h", "14 h 30 – 18 h 30", "22 h – minuit", "24 h/24".
    pub label: String,
}

/// Whether a place is open at an instant, with a French sentence for humans.
#[derive(serde::Serialize, Clone, Debug, PartialEq)]
pub struct OpenStatus {
    pub open: bool,
    /// "Ouvert · ferme à 12 h", "Fermé · ouvre lundi à 9 h", "Ouvert 24 h/24", "Fermé"…
    pub label: String,
}

/// Opening slots for the browser (see [`Hours::browser_schedule`]).
#[derive(serde::Serialize, Clone, Debug, PartialEq, Default)]
pub struct BrowserSchedule {
    /// Monday first; each slot `[start, end)` in minutes since midnight.
    pub week: Vec<Vec<[u16; 2]>>,
    /// `YYYY-MM-DD` → that day's slots, where they differ from the usual week.
    pub exceptions: std::collections::BTreeMap<String, Vec<[u16; 2]>>,
    /// First date not covered by `exceptions`.
    pub until: String,
}

impl BrowserSchedule {
    /// The same schedule, closed every day from `from` to `to` (inclusive)
    /// that it covers from `start` (a temporary closure: a browser must not
    /// say "open" then).
    pub fn closed_between(&self, from: NaiveDate, to: NaiveDate, start: NaiveDate) -> BrowserSchedule {
        let mut closed = self.clone();
        let until = NaiveDate::parse_from_str(&self.until, "%Y-%m-%d").unwrap_or(start);
        for date in from.max(start).iter_days().take_while(|d| *d <= to && *d < until) {
            closed
                .exceptions
                .insert(date.format("%Y-%m-%d").to_string(), Vec::new());
        }
        closed
    }
}

/// The days of the week as OpenStreetMap writes them, Monday first.
const WEEKDAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Whether hours only name weekdays, times and public holidays (« Mo-Fr
/// 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off »): then weeks only
/// differ around public holidays.
fn is_weekly(text: &str) -> bool {
    const OTHER_WORDS: [&str; 4] = ["PH", "off", "closed", "open"];
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() || matches!(c, ':' | '-' | ',' | ';' | ' ') {
            rest = &rest[1..];
        } else if let Some(word) = WEEKDAYS.iter().chain(&OTHER_WORDS).find(|w| rest.starts_with(**w)) {
            rest = &rest[word.len()..];
        } else {
            return false;
        }
    }
    true
}

/// Parse and validate a `horaires` value in OpenStreetMap `opening_hours` syntax.
///
/// Surrounding whitespace is ignored. Never panics.
pub fn parse(text: &str) -> Result<Hours, HoursError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(HoursError {
            message: "horaires vides".to_string(),
            hint: format!("Indiquer les horaires au format OpenStreetMap, par exemple « {EXAMPLE} »."),
            offset: None,
        });
    }
    let leading_chars = text[..text.len() - text.trim_start().len()].chars().count();
    let len = trimmed.chars().count();
    if len > MAX_LEN {
        return Err(HoursError {
            message: format!("horaires trop longs : {len} caractères (au plus {MAX_LEN})"),
            hint: format!(
                "Ne garder que les horaires, par exemple « {EXAMPLE} », et mettre les précisions dans la description."
            ),
            offset: Some(leading_chars + MAX_LEN),
        });
    }
    match guarded(|| trimmed.parse::<OpeningHours>()) {
        Some(Ok(parsed)) => Ok(Hours::evaluated(trimmed.to_string(), parsed, HolidayCalendar::France)),
        Some(Err(err)) => {
            let mut error = translate_error(trimmed, &err);
            error.offset = error.offset.map(|offset| offset + leading_chars);
            Err(error)
        }
        None => Err(HoursError {
            message: format!(
                "horaires illisibles : « {} » n'a pas pu être analysé",
                excerpt(trimmed, 80)
            ),
            hint: format!("Réécrire les horaires au format OpenStreetMap, par exemple « {EXAMPLE} »."),
            offset: None,
        }),
    }
}

/// Whether `text` is valid hours, as [`parse`] would say. Plain weekly
/// hours are known valid without parsing them (see [`is_plain`]); others
/// go through [`parse_shared`], so that enrichment finds them parsed.
pub fn check(text: &str) -> Result<(), HoursError> {
    if is_plain(text) {
        return Ok(());
    }
    parse_shared(text).map(|_| ())
}

/// Whether `text` is in the plain subset that nearly every place uses:
/// rules `Mo-Fr 09:00-12:00,14:00-17:30` joined by `; `, and a final
/// `PH off`. Days and times run forward, within a day. Such text is valid
/// hours (a test compares with the parser on generated texts): `check`
/// answers at once, where parsing takes about 40 µs, a quarter of checking
/// a département. Anything else is parsed.
fn is_plain(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LEN {
        return false;
    }
    let rules = text.strip_suffix("; PH off").unwrap_or(text);
    rules.split("; ").all(|rule| {
        rule.split_once(' ')
            .is_some_and(|(days, times)| plain_days(days) && plain_times(times))
    })
}

/// `Mo`, `Mo-Fr`, `Tu,Th`, `Mo-We,Fr`…, each day after the last.
fn plain_days(days: &str) -> bool {
    let day = |d: &str| WEEKDAYS.iter().position(|x| *x == d);
    let mut last: Option<usize> = None;
    days.split(',').all(|item| {
        let (first, end) = match item.split_once('-') {
            Some((a, b)) => (day(a), day(b)),
            None => (day(item), day(item)),
        };
        match (first, end) {
            (Some(a), Some(b)) if a <= b && last.is_none_or(|l| l < a) => {
                last = Some(b);
                true
            }
            _ => false,
        }
    })
}

/// `09:00-12:00`, `09:00-12:00,14:00-17:30`…: two-digit times, each span
/// forward and after the last, ending by 24:00.
fn plain_times(times: &str) -> bool {
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let mut last = 0;
    times.split(',').all(|span| {
        let Some((start, end)) = span.split_once('-') else {
            return false;
        };
        match (minutes(start), minutes(end)) {
            (Some(a), Some(b)) if last <= a && a < b => {
                last = b;
                true
            }
            _ => false,
        }
    })
}

/// [`parse`], remembered for the most recent texts: validation checks
/// every place's hours, then enrichment computes them, and a network's
/// places often share the same text (the function is pure, so a
/// remembered answer is the answer).
pub fn parse_shared(text: &str) -> Result<std::sync::Arc<Hours>, HoursError> {
    type Answers = std::collections::HashMap<String, Result<std::sync::Arc<Hours>, HoursError>>;
    // Enough for the national site (the 50,000-place benchmark has 4,903
    // distinct texts): when validation's answers are forgotten before
    // enrichment asks again, every text is parsed twice. Still bounded, for
    // a long `serve` session.
    const REMEMBERED: usize = 32_768;
    static ANSWERS: std::sync::LazyLock<std::sync::Mutex<Answers>> = std::sync::LazyLock::new(Default::default);
    let answers = || ANSWERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(answer) = answers().get(text).cloned() {
        return answer;
    }
    let answer = parse(text).map(std::sync::Arc::new);
    let mut answers = answers();
    if answers.len() >= REMEMBERED {
        answers.clear();
    }
    answers.insert(text.to_string(), answer.clone());
    answer
}

impl FromStr for Hours {
    type Err = HoursError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text)
    }
}

impl Hours {
    /// The same hours where `calendar`'s public holidays apply ([`parse`]
    /// gives the national ones).
    pub fn with_calendar(&self, calendar: HolidayCalendar) -> Hours {
        Hours::evaluated(self.text.clone(), self.without_holidays.clone(), calendar)
    }

    /// `parsed` evaluated with and without `calendar`'s public holidays.
    fn evaluated(text: String, parsed: OpeningHours, calendar: HolidayCalendar) -> Hours {
        Hours {
            text,
            with_holidays: parsed
                .clone()
                .with_context(Context::default().with_holidays(calendar.holidays().clone())),
            without_holidays: parsed,
            calendar,
        }
    }

    /// The text as written by the contributor (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The typical week: the schedule of the first week (Monday to Sunday), from the one containing
    /// `reference` onwards, with no public holiday from the Sunday before to the Monday after.
    /// Passing a fixed `reference` keeps builds reproducible; seasonal rules are shown as of that week.
    pub fn weekly_table(&self, reference: NaiveDate) -> WeeklyTable {
        let monday = reference_monday(reference, self.calendar);
        guarded(|| self.build_table(monday, reference)).unwrap_or_else(|| WeeklyTable {
            days: (0..7).map(|i| day_row(i, Vec::new())).collect(),
            always_open: false,
            closed_on_public_holidays: false,
            comment: Some("Horaires impossibles à détailler : se reporter au texte d'origine".to_string()),
        })
    }

    /// State at an instant (local time), with the public holidays of its calendar applied. "Unknown" periods
    /// count as closed and are labelled "Horaires à confirmer".
    pub fn status_at(&self, at: NaiveDateTime) -> OpenStatus {
        guarded(|| self.compute_status(at)).unwrap_or_else(|| OpenStatus {
            open: false,
            label: "Horaires à confirmer".to_string(),
        })
    }

    /// Opening intervals (local time, half-open `[start, end)`) from `from` at midnight for `days`
    /// days (at most 366), with the public holidays of its calendar applied. Intervals crossing midnight are
    /// kept whole; an interval still open at the end of the window is cut there.
    pub fn intervals(&self, from: NaiveDate, days: u32) -> Vec<(NaiveDateTime, NaiveDateTime)> {
        let start = from.and_time(NaiveTime::MIN);
        let Some(end) = start.checked_add_days(Days::new(u64::from(days.min(MAX_INTERVAL_DAYS)))) else {
            return Vec::new();
        };
        guarded(|| {
            let mut result: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
            for range in self.with_holidays.iter_range(start, end) {
                if range.kind != RuleKind::Open {
                    continue;
                }
                // Ranges are also split where the comment changes; users only care about open/closed.
                match result.last_mut() {
                    Some(last) if last.1 == range.range.start => last.1 = range.range.end,
                    _ => result.push((range.range.start, range.range.end)),
                }
            }
            result
        })
        .unwrap_or_default()
    }

    /// What a browser needs to tell "open now" without a server, for `days`
    /// days from `from`: the usual slots of each weekday (the most frequent
    /// ones), and the dates whose slots differ (public holidays, seasons).
    /// Slots are minutes since midnight, end excluded.
    pub fn browser_schedule(&self, from: NaiveDate, days: u32) -> BrowserSchedule {
        self.browser_schedule_from_days(from, days, is_weekly(&self.text))
    }

    /// `weekly`: the hours only name weekdays, times and public holidays,
    /// so a day away from public holidays is the same as the last such day
    /// of its weekday: only the first week and the days around holidays
    /// are evaluated (a year of days per distinct text was most of a
    /// département's build).
    fn browser_schedule_from_days(&self, from: NaiveDate, days: u32, weekly: bool) -> BrowserSchedule {
        let days = days.min(MAX_INTERVAL_DAYS);
        // Each day's slots as an index into `distinct`: a year has only a
        // few different days, so days are copied and counted as numbers.
        let mut distinct: Vec<Vec<[u16; 2]>> = Vec::new();
        let mut by_date: Vec<(NaiveDate, usize)> = Vec::with_capacity(days as usize);
        // Public holidays (and the day after, for overnight slots) may
        // differ from their weekday: those days are evaluated.
        let mut near_holiday = vec![false; days as usize];
        let day_before = from.pred_opt().unwrap_or(from);
        for holiday in self.calendar.public_holidays(day_before, days + 1) {
            let offset = (holiday - from).num_days();
            for day in [offset, offset + 1] {
                if let Some(near) = usize::try_from(day).ok().and_then(|d| near_holiday.get_mut(d)) {
                    *near = true;
                }
            }
        }
        // For weekly hours, the slots of the last day of each weekday away
        // from holidays: every such day of that weekday has the same.
        let mut usual_by_weekday: [Option<usize>; 7] = [None; 7];
        let mut next_date = Some(from);
        for &near in &near_holiday {
            let Some(date) = next_date else {
                break;
            };
            next_date = date.succ_opt();
            let weekday = date.weekday().num_days_from_monday() as usize;
            if weekly
                && !near
                && let Some(slots) = usual_by_weekday[weekday]
            {
                by_date.push((date, slots));
                continue;
            }
            let slots: Vec<[u16; 2]> = guarded(|| {
                let mut spans: Vec<(u16, u16)> = Vec::new();
                for range in self.with_holidays.schedule_at(date) {
                    if range.kind == RuleKind::Open {
                        let span = (
                            range.range.start.mins_from_midnight(),
                            range.range.end.mins_from_midnight(),
                        );
                        if span.0 < span.1 {
                            push_merged(&mut spans, span);
                        }
                    }
                }
                spans
            })
            .unwrap_or_default()
            .into_iter()
            .map(|(a, b)| [a, b.min(MINUTES_PER_DAY)])
            .collect();
            let index = distinct.iter().position(|s| *s == slots).unwrap_or_else(|| {
                distinct.push(slots);
                distinct.len() - 1
            });
            if !near {
                usual_by_weekday[weekday] = Some(index);
            }
            by_date.push((date, index));
        }
        let weekday = |d: NaiveDate| d.weekday().num_days_from_monday() as usize;
        // How often each kind of day falls on each weekday, in the order met.
        let mut counts: [Vec<(usize, usize)>; 7] = Default::default();
        for &(date, slots) in &by_date {
            let counts = &mut counts[weekday(date)];
            match counts.iter_mut().find(|(s, _)| *s == slots) {
                Some((_, n)) => *n += 1,
                None => counts.push((slots, 1)),
            }
        }
        // Most frequent; on a tie, the first met, for a stable result.
        let usual: [Option<usize>; 7] = counts.map(|counts| {
            counts
                .iter()
                .fold(None::<(usize, usize)>, |best, &(s, n)| match best {
                    Some((_, bn)) if bn >= n => best,
                    _ => Some((s, n)),
                })
                .map(|(s, _)| s)
        });
        let week = usual
            .iter()
            .map(|u| u.map(|s| distinct[s].clone()).unwrap_or_default())
            .collect();
        let exceptions = by_date
            .iter()
            .filter(|&&(d, slots)| usual[weekday(d)] != Some(slots))
            .map(|&(d, slots)| (d.format("%Y-%m-%d").to_string(), distinct[slots].clone()))
            .collect();
        let until = from.checked_add_days(Days::new(u64::from(days))).unwrap_or(from);
        BrowserSchedule {
            week,
            exceptions,
            until: until.format("%Y-%m-%d").to_string(),
        }
    }

    fn build_table(&self, monday: NaiveDate, reference: NaiveDate) -> WeeklyTable {
        // Eight days: the following Monday tells whether Sunday's last slot runs past midnight.
        let mut days: Vec<Vec<(u16, u16)>> = Vec::with_capacity(8);
        let mut comments: Vec<String> = Vec::new();
        let mut unknown_notes: Vec<String> = Vec::new();
        for i in 0..8u64 {
            let Some(date) = monday.checked_add_days(Days::new(i)) else {
                days.push(Vec::new());
                continue;
            };
            let mut slots: Vec<(u16, u16)> = Vec::new();
            let mut unknown: Vec<(u16, u16)> = Vec::new();
            for range in self.with_holidays.schedule_at(date) {
                let span = (
                    range.range.start.mins_from_midnight(),
                    range.range.end.mins_from_midnight(),
                );
                match range.kind {
                    RuleKind::Open => push_merged(&mut slots, span),
                    RuleKind::Unknown => push_merged(&mut unknown, span),
                    RuleKind::Closed => {}
                }
                if i < 7 && !range.comment.trim().is_empty() {
                    push_unique(&mut comments, range.comment.trim().to_string());
                }
            }
            if i < 7 && !unknown.is_empty() {
                let spans: Vec<String> = unknown.iter().map(|&(start, end)| span_label(start, end)).collect();
                unknown_notes.push(format!(
                    "{} ({})",
                    DAY_NAMES[i as usize].to_lowercase(),
                    spans.join(", ")
                ));
            }
            days.push(slots);
        }

        // Join a slot ending at midnight with the next day's slot starting at midnight, so that
        // "Fr 22:00-02:00" reads "22 h – 2 h" on Friday instead of being split across two rows.
        let mut sunday_spills_into_monday = false;
        for i in 0..7 {
            let (Some(&(start, end)), Some(&(next_start, next_end))) = (days[i].last(), days[i + 1].first()) else {
                continue;
            };
            if end == MINUTES_PER_DAY && start > 0 && next_start == 0 && next_end < MINUTES_PER_DAY {
                if let Some(last) = days[i].last_mut() {
                    last.1 = MINUTES_PER_DAY + next_end;
                }
                days[i + 1].remove(0);
                sunday_spills_into_monday = i == 6;
            }
        }
        // Monday's early slot is then last Sunday's night, already shown on Sunday.
        if sunday_spills_into_monday
            && let (Some(&(start, end)), Some(&(_, sunday_end))) = (days[0].first(), days[6].last())
            && start == 0
            && end + MINUTES_PER_DAY == sunday_end
        {
            days[0].remove(0);
        }

        let rows: Vec<DayRow> = days
            .into_iter()
            .take(7)
            .enumerate()
            .map(|(i, spans)| day_row(i, spans))
            .collect();
        let always_open = rows
            .iter()
            .all(|row| row.slots.len() == 1 && row.slots[0].open == "00:00" && row.slots[0].close == "24:00");

        let (closed_on_public_holidays, special_on_public_holidays) = self.public_holiday_effect(reference);
        let mut notes = comments;
        if !unknown_notes.is_empty() {
            notes.push(format!("Horaires à confirmer : {}", unknown_notes.join(", ")));
        }
        if special_on_public_holidays {
            notes.push("Horaires différents les jours fériés".to_string());
        }
        WeeklyTable {
            days: rows,
            always_open,
            closed_on_public_holidays,
            comment: if notes.is_empty() {
                None
            } else {
                Some(notes.join(" · "))
            },
        }
    }

    /// Compares the year of public holidays following `reference` with and without holidays:
    /// returns (closed on every holiday that would be an open day, different hours on some).
    fn public_holiday_effect(&self, reference: NaiveDate) -> (bool, bool) {
        let mut closed_somewhere = false;
        let mut open_differently = false;
        for date in self.calendar.public_holidays(reference, 366) {
            let usual = open_spans(&self.without_holidays, date);
            let actual = open_spans(&self.with_holidays, date);
            // Only openings matter: a `PH off "comment"` on a Sunday changes nothing for visitors.
            if usual == actual {
                continue;
            }
            if actual.is_empty() {
                closed_somewhere = true;
            } else {
                open_differently = true;
            }
        }
        (closed_somewhere && !open_differently, open_differently)
    }

    fn compute_status(&self, at: NaiveDateTime) -> OpenStatus {
        let closed = |label: String| OpenStatus { open: false, label };
        let Some(horizon) = at.checked_add_signed(TimeDelta::days(STATUS_HORIZON_DAYS)) else {
            return closed("Fermé".to_string());
        };
        let mut ranges = self.with_holidays.iter_range(at, horizon).peekable();
        let Some(current) = ranges.next() else {
            return closed("Fermé".to_string());
        };
        let comment = current.comment.trim().to_string();
        match current.kind {
            RuleKind::Open => {
                let mut end = current.range.end;
                while let Some(range) = ranges.next_if(|range| range.kind == RuleKind::Open) {
                    end = range.range.end;
                }
                let head = if comment.is_empty() {
                    "Ouvert".to_string()
                } else {
                    format!("Ouvert ({})", excerpt(&comment, 60))
                };
                let label = if end >= horizon {
                    "Ouvert 24 h/24".to_string()
                } else {
                    format!("{head} · ferme {}", when(at, end, true))
                };
                OpenStatus { open: true, label }
            }
            RuleKind::Closed | RuleKind::Unknown => {
                let head = if current.kind == RuleKind::Unknown {
                    if comment.is_empty() {
                        "Horaires à confirmer".to_string()
                    } else {
                        format!("Horaires à confirmer ({})", excerpt(&comment, 60))
                    }
                } else if self.closed_for_holiday(at.date()) {
                    "Fermé (jour férié)".to_string()
                } else {
                    "Fermé".to_string()
                };
                match ranges.find(|range| range.kind == RuleKind::Open) {
                    Some(next) => closed(format!("{head} · ouvre {}", when(at, next.range.start, false))),
                    None => closed(head),
                }
            }
        }
    }

    /// A public holiday that cancels openings of this day.
    fn closed_for_holiday(&self, date: NaiveDate) -> bool {
        self.calendar.is_public_holiday(date)
            && !open_spans(&self.without_holidays, date).is_empty()
            && open_spans(&self.with_holidays, date).is_empty()
    }
}

/// Open periods of a day, in minutes since midnight.
fn open_spans(hours: &OpeningHours, date: NaiveDate) -> Vec<(u16, u16)> {
    let mut spans = Vec::new();
    for range in hours.schedule_at(date) {
        if range.kind == RuleKind::Open {
            push_merged(
                &mut spans,
                (
                    range.range.start.mins_from_midnight(),
                    range.range.end.mins_from_midnight(),
                ),
            );
        }
    }
    spans
}

/// Runs evaluation code from the crate, which asserts internal invariants: a bug there must not
/// take the whole site build down.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// Monday of the first week, from the one containing `reference`, with no public holiday from the
/// Sunday before to the Monday after (overnight slots spill over both edges).
fn reference_monday(reference: NaiveDate, calendar: HolidayCalendar) -> NaiveDate {
    let back = u64::from(reference.weekday().num_days_from_monday());
    let first = reference.checked_sub_days(Days::new(back)).unwrap_or(reference);
    (0..60u64)
        .filter_map(|week| first.checked_add_days(Days::new(7 * week)))
        .find(|monday| {
            monday
                .checked_sub_days(Days::new(1))
                .is_some_and(|sunday| sunday.iter_days().take(9).all(|date| !calendar.is_public_holiday(date)))
        })
        .unwrap_or(first)
}

fn push_merged(spans: &mut Vec<(u16, u16)>, span: (u16, u16)) {
    match spans.last_mut() {
        Some(last) if last.1 == span.0 => last.1 = span.1,
        _ => spans.push(span),
    }
}

fn push_unique(items: &mut Vec<String>, item: String) {
    if !items.contains(&item) {
        items.push(item);
    }
}

fn day_row(index: usize, spans: Vec<(u16, u16)>) -> DayRow {
    let slots: Vec<Slot> = spans
        .into_iter()
        .map(|(open, close)| Slot {
            open: clock(open),
            close: if close == MINUTES_PER_DAY {
                "24:00".to_string()
            } else {
                clock(close % MINUTES_PER_DAY)
            },
            label: span_label(open, close),
        })
        .collect();
    DayRow {
        day: DAY_NAMES[index],
        day_short: DAY_SHORT[index],
        closed: slots.is_empty(),
        slots,
    }
}

/// "09:00" from minutes since midnight.
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "9 h", "14 h 30"; midnight reads "0 h" as an opening time and "minuit" as a closing time.
fn french_time(hour: u32, minute: u32, closing: bool) -> String {
    match (hour % 24, minute) {
        (0, 0) if closing => "minuit".to_string(),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// "9 h – 12 h", "22 h – 2 h", "24 h/24" for a whole day.
fn span_label(open: u16, close: u16) -> String {
    if open == 0 && close == MINUTES_PER_DAY {
        return "24 h/24".to_string();
    }
    let open = french_time(u32::from(open / 60), u32::from(open % 60), false);
    let close = french_time(u32::from(close / 60), u32::from(close % 60), true);
    format!("{open} – {close}")
}

/// "à 14 h", "demain à 9 h", "lundi à 9 h", "lundi 20 juillet à 9 h", seen from `now`.
fn when(now: NaiveDateTime, instant: NaiveDateTime, closing: bool) -> String {
    // Closing at 00:00 is "minuit" of the day before, not a time on the next day.
    let date = if closing && instant.time() == NaiveTime::MIN {
        instant.date().pred_opt().unwrap_or(instant.date())
    } else {
        instant.date()
    };
    let time = french_time(instant.hour(), instant.minute(), closing);
    let days_ahead = (date - now.date()).num_days();
    match days_ahead {
        ..=0 => format!("à {time}"),
        // A night slot closing in the small hours is still "tonight" for visitors.
        1 if closing && instant.hour() < 6 => format!("à {time}"),
        1 => format!("demain à {time}"),
        2..=6 => format!("{} à {time}", DAY_NAMES[weekday_index(date.weekday())].to_lowercase()),
        _ => {
            let day = if date.day() == 1 {
                "1er".to_string()
            } else {
                date.day().to_string()
            };
            let month = crate::text::MONTHS[date.month0() as usize];
            format!(
                "{} {day} {month} à {time}",
                DAY_NAMES[weekday_index(date.weekday())].to_lowercase()
            )
        }
    }
}

fn weekday_index(weekday: Weekday) -> usize {
    weekday.num_days_from_monday() as usize
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

// --- Error translation -------------------------------------------------------------------------

fn translate_error(text: &str, err: &SyntaxError) -> HoursError {
    let quoted = excerpt(text, 80);
    match err {
        SyntaxError::Syntax(pest_error) => {
            // pest's location enum is not nameable without a direct dependency; its Debug form
            // ("Pos(6)" or "Span((6, 9))") carries the byte offset.
            let offset = first_number(&format!("{:?}", pest_error.location)).and_then(|byte| char_offset(text, byte));
            let length = text.chars().count();
            let place = match offset {
                // At 0 the whole text is already quoted.
                Some(0) => String::new(),
                Some(at) if at < length => {
                    let rest: String = text.chars().skip(at).collect();
                    format!(" (problème à partir de « {} »)", excerpt(&rest, 20))
                }
                Some(_) => " (le texte semble incomplet)".to_string(),
                None => String::new(),
            };
            HoursError {
                message: format!("horaires illisibles : « {quoted} » n'est pas au format OpenStreetMap{place}"),
                hint: hint_for(text, offset == Some(length)),
                offset,
            }
        }
        SyntaxError::InvalidExtendedTime { hour, minutes } => HoursError {
            message: format!("horaires illisibles : l'heure {hour:02}:{minutes:02} n'existe pas"),
            hint: format!(
                "Les heures vont de 00:00 à 24:00 (jusqu'à 48:00 pour une fermeture après minuit), par exemple « {EXAMPLE} »."
            ),
            offset: None,
        },
        SyntaxError::Overflow { value, expected_bounds } => HoursError {
            message: format!(
                "horaires illisibles : le nombre {value} est hors limites (attendu entre {} et {})",
                expected_bounds.start(),
                expected_bounds.end()
            ),
            hint: format!("Vérifier les dates et numéros de semaine, par exemple « {EXAMPLE} »."),
            offset: None,
        },
        SyntaxError::InvertedYearRange { .. } | SyntaxError::InvertedWeekRange { .. } => {
            let what = if matches!(err, SyntaxError::InvertedYearRange { .. }) {
                "d'années"
            } else {
                "de semaines"
            };
            // The crate's message ends with the corrected range between quotes.
            let display = err.to_string();
            let fixed = display.split('\'').nth(1).map(str::to_string);
            HoursError {
                message: format!("horaires illisibles : une plage {what} est à l'envers dans « {quoted} »"),
                hint: match fixed {
                    Some(fixed) => format!("Écrire la plage dans l'ordre croissant : « {fixed} »."),
                    None => "Écrire la plage dans l'ordre croissant.".to_string(),
                },
                offset: None,
            }
        }
        SyntaxError::Unsupported(feature) => {
            let feature = match *feature {
                "point in time" => "une heure seule, sans heure de fin",
                "Easter followed by a day number" => "« easter » suivi d'un numéro de jour",
                _ => "une construction non prise en charge",
            };
            HoursError {
                message: format!("horaires non pris en charge : « {quoted} » contient {feature}"),
                hint: format!("Donner chaque plage avec son début et sa fin, par exemple « {EXAMPLE} »."),
                offset: None,
            }
        }
        _ => HoursError {
            message: format!("horaires illisibles : « {quoted} » n'a pas pu être analysé"),
            hint: format!("Réécrire les horaires au format OpenStreetMap, par exemple « {EXAMPLE} »."),
            offset: None,
        },
    }
}

fn first_number(text: &str) -> Option<usize> {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn char_offset(text: &str, byte: usize) -> Option<usize> {
    if byte >= text.len() {
        return Some(text.chars().count());
    }
    text.get(..byte).map(|head| head.chars().count())
}

/// Cues for the usual mistakes, then a corrected proposal when one can be derived, else an example.
fn hint_for(text: &str, incomplete: bool) -> String {
    let tokens = tokenize(text);
    let folded = fold(text);
    let compact = folded.replace(' ', "");
    // "24h/24" would otherwise also trigger the "9h" cue.
    let round_the_clock = compact.contains("24h/24") || compact.contains("24/24") || compact.contains("7j/7");
    let mut cues: Vec<&str> = Vec::new();
    if incomplete {
        cues.push("Chaque plage horaire a un début et une fin : 09:00-12:00.");
    }
    if tokens.iter().any(|t| matches!(t, Token::Day { french: true, .. })) {
        cues.push(
            "Les jours s'écrivent en abrégé anglais : Mo (lundi), Tu (mardi), We (mercredi), Th (jeudi), \
             Fr (vendredi), Sa (samedi), Su (dimanche).",
        );
    }
    if !round_the_clock && tokens.iter().any(|t| matches!(t, Token::Time { french: true, .. })) {
        cues.push("Les heures s'écrivent avec deux chiffres et deux-points : 09:00-12:00 et non 9h-12h.");
    }
    if tokens.iter().any(|t| matches!(t, Token::Dash { french: true })) {
        cues.push("Le début et la fin d'une plage se séparent par un tiret : 09:00-12:00.");
    }
    if text.contains(['–', '—', '−', '‑']) {
        cues.push("Utiliser le tiret simple « - ».");
    }
    if tokens.iter().any(|t| matches!(t, Token::Word(w) if w == "off")) && folded.contains("ferm") {
        cues.push("Un jour fermé s'écrit « off », par exemple « Su off ».");
    }
    if round_the_clock {
        cues.push("Ouvert en permanence s'écrit « 24/7 ».");
    }
    if text.contains(['«', '»', '“', '”']) || folded.contains("rendez") || folded.contains("rdv") {
        cues.push("Une précision libre se met entre guillemets droits : Mo 14:00-17:00 \"sur rendez-vous\".");
    }
    if cues.is_empty() {
        cues.push(
            "Format attendu : les jours en abrégé anglais (Mo, Tu, We, Th, Fr, Sa, Su), puis les plages \
             horaires ; les règles se séparent par « ; ».",
        );
    }
    let ending = match suggest(text, &tokens, &folded) {
        Some(suggestion) => format!("Proposition : « {suggestion} »."),
        None => format!("Exemple : « {EXAMPLE} »."),
    };
    format!("{} {ending}", cues.join(" "))
}

/// Lowercase without French accents, for matching contributors' words.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect()
}

/// Pieces of a contributor's text, as far as a correction needs to understand it.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Day { code: &'static str, french: bool },
    Time { hhmm: String, french: bool },
    Number(u32),
    Dash { french: bool },
    Comma,
    Semicolon,
    Word(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let (token, next) = read_time(&chars, &number, i);
            i = next;
            tokens.push(token);
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match word_token(&word) {
                Some(Token::Day { code, french }) => {
                    // "lun." is an abbreviation, not punctuation.
                    if chars.get(i) == Some(&'.') {
                        i += 1;
                    }
                    tokens.push(Token::Day { code, french });
                }
                Some(token) => tokens.push(token),
                None => {}
            }
        } else {
            i += 1;
            match c {
                '-' => tokens.push(Token::Dash { french: false }),
                // Typographic dashes get their own cue.
                '–' | '—' | '−' | '‑' => tokens.push(Token::Dash { french: false }),
                ',' => tokens.push(Token::Comma),
                ';' => tokens.push(Token::Semicolon),
                '/' if matches!(tokens.last(), Some(Token::Time { .. })) => tokens.push(Token::Comma),
                // Apostrophes ("jusqu'à") and colons after day names ("lundi : 9h") carry nothing.
                c if c.is_whitespace() || matches!(c, ':' | '\'' | '’' | '.') => {}
                c => tokens.push(Token::Word(c.to_string())),
            }
        }
    }
    // "9-12h": a bare hour next to a time range bound is a time too.
    for k in 0..tokens.len() {
        if let Token::Number(hour) = tokens[k] {
            let near_time = |j: Option<usize>| {
                j.and_then(|j| tokens.get(j))
                    .is_some_and(|t| matches!(t, Token::Time { .. }))
            };
            let before_dash = matches!(tokens.get(k + 1), Some(Token::Dash { .. })) && near_time(Some(k + 2));
            let after_dash = k >= 1 && matches!(tokens[k - 1], Token::Dash { .. }) && near_time(k.checked_sub(2));
            if hour <= 24 && (before_dash || after_dash) {
                tokens[k] = Token::Time {
                    hhmm: format!("{hour:02}:00"),
                    french: true,
                };
            }
        }
    }
    tokens
}

/// Reads what follows a number: "9h", "9 h 30", "9h00" or "9:00"; otherwise it stays a number.
fn read_time(chars: &[char], number: &str, mut i: usize) -> (Token, usize) {
    let skip_spaces = |mut j: usize| {
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        j
    };
    let two_digits = |j: usize| -> Option<String> {
        let digits: String = chars.get(j..j + 2)?.iter().collect();
        let after_is_digit = chars.get(j + 2).is_some_and(char::is_ascii_digit);
        (digits.chars().all(|c| c.is_ascii_digit()) && !after_is_digit).then_some(digits)
    };
    let Ok(hour) = number.parse::<u32>() else {
        return (Token::Word(number.to_string()), i);
    };
    if number.len() > 2 || hour > 48 {
        return (Token::Number(hour), i);
    }
    let j = skip_spaces(i);
    let is_h = chars.get(j).is_some_and(|c| matches!(c, 'h' | 'H'));
    let h_is_a_word = chars.get(j + 1).is_some_and(|c| c.is_alphabetic());
    if is_h && !h_is_a_word {
        i = j + 1;
        let k = skip_spaces(i);
        let minutes = match two_digits(k) {
            Some(minutes) => {
                i = k + 2;
                minutes
            }
            None => "00".to_string(),
        };
        return (
            Token::Time {
                hhmm: format!("{hour:02}:{minutes}"),
                french: true,
            },
            i,
        );
    }
    if chars.get(i) == Some(&':')
        && let Some(minutes) = two_digits(i + 1)
    {
        return (
            Token::Time {
                hhmm: format!("{hour:02}:{minutes}"),
                french: false,
            },
            i + 3,
        );
    }
    (Token::Number(hour), i)
}

fn word_token(word: &str) -> Option<Token> {
    let folded = fold(word);
    let day = |code| Some(Token::Day { code, french: true });
    let english = |code| Some(Token::Day { code, french: false });
    match folded.trim_end_matches('s') {
        "lu" | "lun" | "lundi" => day("Mo"),
        "ma" | "mar" | "mardi" => day("Tu"),
        "me" | "mer" | "mercredi" => day("We"),
        "je" | "jeu" | "jeudi" => day("Th"),
        "ve" | "ven" | "vendredi" => day("Fr"),
        "sam" | "samedi" => day("Sa"),
        "di" | "dim" | "dimanche" => day("Su"),
        "mo" if word == "Mo" => english("Mo"),
        "tu" if word == "Tu" => english("Tu"),
        "we" if word == "We" => english("We"),
        "th" if word == "Th" => english("Th"),
        "fr" if word == "Fr" => english("Fr"),
        "sa" => english("Sa"),
        "su" if word == "Su" => english("Su"),
        "ph" | "ferie" | "jf" => english("PH"),
        "a" | "au" | "jusqu" | "jusqua" => Some(Token::Dash { french: true }),
        "et" => Some(Token::Comma),
        "de" | "du" | "d" | "le" | "l" | "jour" | "tou" | "horaire" | "ouvert" => None,
        "ferme" | "fermee" | "fermeture" | "off" | "closed" => Some(Token::Word("off".to_string())),
        "midi" => Some(Token::Time {
            hhmm: "12:00".to_string(),
            french: true,
        }),
        _ => Some(Token::Word(word.to_string())),
    }
}

/// A corrected text, offered only when the crate accepts it.
fn suggest(text: &str, tokens: &[Token], folded: &str) -> Option<String> {
    let compact: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    let leftover = ["24h/24", "24/24", "7j/7", "7/7", "et", ",", "-"]
        .iter()
        .fold(compact.clone(), |rest, piece| rest.replace(piece, ""));
    if (compact.contains("24h/24") || compact.contains("24/24")) && leftover.is_empty() {
        return Some("24/7".to_string());
    }

    let mut out = String::new();
    let mut previous: Option<&Token> = None;
    for (k, token) in tokens.iter().enumerate() {
        let next = tokens.get(k + 1);
        let piece = match token {
            Token::Day { code, .. } => code.to_string(),
            Token::Time { hhmm, .. } => hhmm.clone(),
            Token::Number(n) => n.to_string(),
            Token::Dash { .. } => "-".to_string(),
            Token::Semicolon => "; ".to_string(),
            Token::Comma => match (previous, next) {
                (Some(Token::Day { .. }), Some(Token::Time { .. })) => " ".to_string(),
                (Some(Token::Time { .. }), Some(Token::Day { .. })) => "; ".to_string(),
                (Some(Token::Word(w)), Some(Token::Day { .. })) if w == "off" => "; ".to_string(),
                _ => ",".to_string(),
            },
            Token::Word(w) => w.clone(),
        };
        let separator = match (previous, token) {
            (None, _) => "",
            (Some(Token::Dash { .. } | Token::Comma | Token::Semicolon), _) => "",
            (_, Token::Dash { .. } | Token::Comma | Token::Semicolon) => "",
            (Some(Token::Day { .. }), Token::Day { .. }) => ",",
            (Some(Token::Time { .. }), Token::Time { .. }) => ",",
            (Some(Token::Time { .. }), Token::Day { .. }) => "; ",
            (Some(Token::Word(w)), Token::Day { .. }) if w == "off" => "; ",
            _ => " ",
        };
        out.push_str(separator);
        out.push_str(&piece);
        previous = Some(token);
    }
    let candidate = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let candidate = candidate
        .trim_matches(|c: char| c == ';' || c == ',' || c == '-' || c == ' ')
        .to_string();
    if candidate.is_empty() || candidate == text.trim() {
        return None;
    }
    guarded(|| candidate.parse::<OpeningHours>().is_ok())
        .unwrap_or(false)
        .then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_gives_the_answer_of_parse_every_time() {
        let texts = [
            "Mo-Fr 09:00-12:00",
            "Lu-Ve 9h-12h",
            "",
            "Mo-Fr 09:00-12:00; PH off",
            "Mo 25:00-26:00",
        ];
        for _ in 0..3 {
            for text in texts {
                assert_eq!(check(text), parse(text).map(|_| ()), "{text:?}");
            }
        }
    }

    /// Plain hours are answered without parsing: every such text must be
    /// one the parser accepts.
    #[test]
    fn plain_hours_are_valid_hours() {
        let plain = [
            "Mo-Fr 09:00-12:00",
            "Mo-Fr 09:00-12:00,14:00-17:30; PH off",
            "Tu,Th 09:00-12:00; Sa 10:00-12:00; PH off",
            "Mo-We,Fr 08:30-12:00,12:00-24:00",
            "Su 00:00-24:00",
            "  Mo 09:00-12:00  ",
        ];
        for text in plain {
            assert!(is_plain(text), "{text:?}");
            assert!(parse(text).is_ok(), "{text:?}");
        }
        // Valid or not, these are the parser's business.
        let other = [
            "24/7",
            "PH off",
            "Mo-Fr 22:00-02:00",
            "Sa-Mo 09:00-12:00",
            "Fr,Mo 09:00-12:00",
            "Mo-Fr 9:00-12:00",
            "Mo-Fr 09:00-12:00;PH off",
            "PH off; Mo-Fr 09:00-12:00",
            "Mo-Fr 12:00-09:00",
            "Mo-Fr 09:00-12:00,11:00-14:00",
            "Mo 25:00-26:00",
            "Mo 09:60-10:00",
            "Mo 09:00-24:30",
            "Lu-Ve 9h-12h",
            "Mo-Fr 09:00-12:00 \"sur rendez-vous\"",
            "",
        ];
        for text in other {
            assert!(!is_plain(text), "{text:?}");
        }
        let long = ["Mo 09:00-10:00"; 80].join("; ");
        assert!(
            !is_plain(&long) && check(&long).is_err(),
            "too long: the parser says why"
        );
    }

    /// Every day range, with one or two spans from a grid of times: the
    /// plain ones (most of them) parse.
    #[test]
    fn every_plain_day_range_and_span_parses() {
        let times = ["00:00", "08:30", "12:00", "13:45", "23:59", "24:00"];
        let mut plain = 0;
        for (a, first) in WEEKDAYS.iter().enumerate() {
            for (b, last) in WEEKDAYS.iter().enumerate().skip(a) {
                let days = if a == b {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                };
                for (i, start) in times.iter().enumerate() {
                    for end in &times[i..] {
                        for suffix in ["", ",23:59-24:00", "; PH off"] {
                            let text = format!("{days} {start}-{end}{suffix}");
                            if is_plain(&text) {
                                plain += 1;
                                assert!(parse(&text).is_ok(), "{text:?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(plain > 1000, "{plain} plain texts");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        /// Texts assembled from the pieces of plain hours, and from pieces
        /// just outside them: whenever one is plain, the parser accepts it.
        #[test]
        fn whatever_is_plain_the_parser_accepts(
            rules in proptest::collection::vec(
                (
                    // Day indices, 7 being no day at all.
                    proptest::collection::vec((0usize..8, proptest::option::of(0usize..8)), 1..3),
                    // Spans as (start, length) in minutes: some past
                    // 24:00, some backwards or overlapping once listed.
                    proptest::collection::vec((0u32..1500, 0u32..700), 1..4),
                ),
                1..4,
            ),
            holidays in proptest::bool::ANY,
        ) {
            let day = |i: usize| WEEKDAYS.get(i).copied().unwrap_or("Xx");
            let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            let rules: Vec<String> = rules
                .iter()
                .map(|(days, spans)| {
                    let days: Vec<String> = days
                        .iter()
                        .map(|&(a, b)| match b {
                            Some(b) => format!("{}-{}", day(a), day(b)),
                            None => day(a).to_string(),
                        })
                        .collect();
                    let spans: Vec<String> = spans
                        .iter()
                        .map(|&(start, length)| format!("{}-{}", hhmm(start), hhmm(start + length)))
                        .collect();
                    format!("{} {}", days.join(","), spans.join(","))
                })
                .collect();
            let mut text = rules.join("; ");
            if holidays {
                text.push_str("; PH off");
            }
            if is_plain(&text) {
                proptest::prop_assert!(parse(&text).is_ok(), "{:?}", text);
            }
        }
    }

    #[test]
    fn weekly_hours_are_recognised_and_give_the_same_year() {
        let weekly = [
            "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
            "Mo,We,Fr 08:30-12:30",
            "Tu-Sa 10:00-18:00; Th off",
            "Mo-Su 22:00-02:00",
            "Mo-Fr 09:00-17:00; We closed",
            "Mo-Fr 09:00-17:00; PH off",
            "Mo-Sa 22:00-02:00; PH off",
            "Mo-Fr 09:00-12:00; PH 10:00-11:00",
        ];
        let not_weekly = [
            "24/7",
            "Mo-Fr 09:00-17:00; SH off",
            "Jan-Jun Mo 10:00-12:00",
            "Mo[1] 09:00-12:00",
            "Mo-Fr 09:00-17:00 \"sur rendez-vous\"",
            "week 1-20 Tu 10:00-12:00",
            "Sa 10:00+",
        ];
        for text in weekly {
            assert!(is_weekly(text), "{text}");
        }
        for text in not_weekly {
            assert!(!is_weekly(text), "{text}");
        }
        // Starting in a week of public holidays (1 and 8 May, Christmas),
        // or the day after one (the night of a holiday spills over it).
        for (y, m, d) in [
            (2026, 4, 27),
            (2026, 12, 21),
            (2027, 2, 26),
            (2026, 5, 2),
            (2026, 12, 26),
        ] {
            let from = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            for text in weekly {
                let h = parse(text).unwrap();
                assert_eq!(
                    h.browser_schedule_from_days(from, 366, true),
                    h.browser_schedule_from_days(from, 366, false),
                    "{text} from {from}"
                );
            }
        }
    }

    #[test]
    fn public_holidays_are_those_found_day_by_day() {
        for calendar in [HolidayCalendar::France, HolidayCalendar::AlsaceMoselle] {
            let mut from = NaiveDate::from_ymd_opt(2024, 12, 20).unwrap();
            while from.year() < 2029 {
                for days in [0, 1, 7, 366, 400] {
                    let day_by_day: Vec<NaiveDate> = from
                        .iter_days()
                        .take(days as usize)
                        .filter(|&d| calendar.is_public_holiday(d))
                        .collect();
                    assert_eq!(
                        calendar.public_holidays(from, days),
                        day_by_day,
                        "{calendar:?} {from} {days}"
                    );
                }
                from = from + Days::new(5);
            }
        }
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert_eq!(
            HolidayCalendar::AlsaceMoselle.public_holidays(christmas, 2),
            [christmas, christmas.succ_opt().unwrap()]
        );
    }

    #[test]
    fn browser_schedule_has_the_usual_week_and_holiday_exceptions() {
        let h = parse("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off").unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let s = h.browser_schedule(from, 366);
        assert_eq!(s.week[0], vec![[540, 720], [840, 1020]]);
        assert_eq!(s.week[5], vec![[540, 720]]);
        assert!(s.week[6].is_empty());
        // Christmas 2026 is a Friday, 14 July 2027 a Wednesday: closed.
        assert_eq!(s.exceptions.get("2026-12-25"), Some(&vec![]));
        assert_eq!(s.exceptions.get("2027-07-14"), Some(&vec![]));
        assert!(!s.exceptions.contains_key("2026-12-24"));
        assert_eq!(s.until, "2027-11-24");
        let always = parse("24/7").unwrap().browser_schedule(from, 14);
        assert!(always.week.iter().all(|d| d == &vec![[0, 1440]]));
        assert!(always.exceptions.is_empty());
    }

    #[test]
    fn easter_falls_on_its_known_dates_and_the_day_before_every_national_easter_monday() {
        for (year, month, day) in [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2038, 4, 25)] {
            assert_eq!(easter_sunday(year), Some(date(year, month, day)), "{year}");
        }
        let national = FR_HOLIDAYS.get_public();
        let years: std::collections::BTreeSet<i32> = national.iter().map(|d| d.year()).collect();
        assert!(years.len() > 10, "the national calendar covers {} years", years.len());
        for year in years {
            let monday = easter_sunday(year).and_then(|d| d.succ_opt()).unwrap();
            assert!(national.contains(monday), "Easter Monday {monday}");
        }
    }

    #[test]
    fn alsace_moselle_adds_good_friday_and_st_stephens_day_only() {
        let (good_friday, st_stephen) = (date(2027, 3, 26), date(2026, 12, 26));
        for day in [good_friday, st_stephen] {
            assert!(HolidayCalendar::AlsaceMoselle.is_public_holiday(day), "{day}");
            assert!(!HolidayCalendar::France.is_public_holiday(day), "{day}");
        }
        let from = date(2026, 1, 1);
        for day in from.iter_days().take(3 * 366) {
            if HolidayCalendar::France.is_public_holiday(day) {
                assert!(HolidayCalendar::AlsaceMoselle.is_public_holiday(day), "{day}");
            }
        }
        assert_eq!(HolidayCalendar::of_departement("67"), HolidayCalendar::AlsaceMoselle);
        assert_eq!(HolidayCalendar::of_departement("57"), HolidayCalendar::AlsaceMoselle);
        assert_eq!(HolidayCalendar::of_departement("68"), HolidayCalendar::AlsaceMoselle);
        assert_eq!(HolidayCalendar::of_departement("54"), HolidayCalendar::France);
    }

    /// A place of Strasbourg closed on public holidays is closed on Good
    /// Friday, on its page, its "open now" and in the browser's schedule;
    /// the same hours in Nancy are not.
    #[test]
    fn hours_follow_the_public_holidays_of_their_calendar() {
        let national = parse("Mo-Sa 09:00-12:00; PH off").unwrap();
        let local = national.with_calendar(HolidayCalendar::AlsaceMoselle);
        let good_friday_morning = at(2027, 3, 26, 10, 0);
        assert!(national.status_at(good_friday_morning).open);
        let status = local.status_at(good_friday_morning);
        assert!(!status.open);
        assert!(status.label.starts_with("Fermé (jour férié)"), "{}", status.label);
        assert!(local.status_at(at(2027, 3, 25, 10, 0)).open, "the Thursday before");

        let from = date(2026, 11, 23);
        let schedule = local.browser_schedule(from, 366);
        assert_eq!(schedule.exceptions.get("2027-03-26"), Some(&vec![]));
        assert_eq!(schedule.exceptions.get("2026-12-26"), Some(&vec![]));
        let national_schedule = national.browser_schedule(from, 366);
        assert!(!national_schedule.exceptions.contains_key("2027-03-26"));
        assert!(!national_schedule.exceptions.contains_key("2026-12-26"));
        assert_eq!(
            local.browser_schedule_from_days(from, 366, true),
            local.browser_schedule_from_days(from, 366, false),
            "the weekly shortcut knows the local holidays"
        );
        assert!(local.weekly_table(from).closed_on_public_holidays);
        assert_eq!(local.with_calendar(HolidayCalendar::France), national);
    }

    #[test]
    fn a_closure_closes_only_the_days_the_schedule_covers() {
        let from = date(2026, 11, 23);
        let schedule = parse("Mo-Fr 09:00-12:00; PH off").unwrap().browser_schedule(from, 30);
        let closed = schedule.closed_between(date(2026, 11, 1), date(2027, 2, 1), from);
        let days: Vec<&String> = closed
            .exceptions
            .keys()
            .filter(|d| !schedule.exceptions.contains_key(*d))
            .collect();
        assert_eq!(
            days.first().map(|d| d.as_str()),
            Some("2026-11-23"),
            "not before the schedule starts"
        );
        assert_eq!(
            days.last().map(|d| d.as_str()),
            Some("2026-12-22"),
            "not after it ends ({})",
            schedule.until
        );
        assert!(closed.exceptions.values().all(Vec::is_empty));
        assert_eq!(closed.week, schedule.week);
        let one_day = schedule.closed_between(date(2026, 11, 25), date(2026, 11, 25), from);
        assert_eq!(one_day.exceptions.len(), schedule.exceptions.len() + 1);
        assert_eq!(
            schedule.closed_between(date(2026, 11, 1), date(2026, 11, 20), from),
            schedule,
            "over before"
        );
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        date(y, m, d).and_hms_opt(h, min, 0).expect("valid test time")
    }

    fn hours(text: &str) -> Hours {
        parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn labels(row: &DayRow) -> Vec<&str> {
        row.slots.iter().map(|slot| slot.label.as_str()).collect()
    }

    // 2026-01-05 is a Monday; no public holiday between 2026-01-04 and 2026-01-12.
    const REF: (i32, u32, u32) = (2026, 1, 5);

    fn reference() -> NaiveDate {
        date(REF.0, REF.1, REF.2)
    }

    #[test]
    fn weekly_table_with_split_days() {
        let table = hours("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00").weekly_table(reference());
        assert_eq!(table.days.len(), 7);
        let monday = &table.days[0];
        assert_eq!((monday.day, monday.day_short), ("Lundi", "Lun."));
        assert_eq!(labels(monday), ["9 h – 12 h", "14 h – 18 h 30"]);
        assert_eq!(monday.slots[1].open, "14:00");
        assert_eq!(monday.slots[1].close, "18:30");
        assert!(!monday.closed);
        assert_eq!(labels(&table.days[4]), ["9 h – 12 h", "14 h – 18 h 30"]);
        assert_eq!(labels(&table.days[5]), ["8 h 30 – 12 h"]);
        assert_eq!(table.days[6].day, "Dimanche");
        assert!(table.days[6].closed);
        assert!(table.days[6].slots.is_empty());
        assert!(!table.always_open);
        assert!(!table.closed_on_public_holidays);
        assert_eq!(table.comment, None);
    }

    #[test]
    fn weekly_table_with_different_days() {
        let table = hours("Tu,Th 14:00-17:00; We 09:00-12:00,13:30-17:00").weekly_table(reference());
        assert!(table.days[0].closed);
        assert_eq!(labels(&table.days[1]), ["14 h – 17 h"]);
        assert_eq!(labels(&table.days[2]), ["9 h – 12 h", "13 h 30 – 17 h"]);
        assert_eq!(labels(&table.days[3]), ["14 h – 17 h"]);
        assert!(table.days[4].closed && table.days[5].closed && table.days[6].closed);
    }

    #[test]
    fn weekly_table_skips_weeks_with_public_holidays() {
        // 2026-07-14 (Tuesday) is Bastille Day: that week must not be the typical one.
        let h = hours("Mo-Fr 09:00-17:00; PH off");
        let table = h.weekly_table(date(2026, 7, 14));
        assert_eq!(labels(&table.days[1]), ["9 h – 17 h"]);
        assert!(table.closed_on_public_holidays);
        assert_eq!(
            reference_monday(date(2026, 7, 14), HolidayCalendar::France),
            date(2026, 7, 20)
        );
        assert_eq!(
            reference_monday(date(2026, 1, 7), HolidayCalendar::France),
            date(2026, 1, 5)
        );
        // Christmas and New Year's Day are both Fridays in 2026/2027.
        assert_eq!(
            reference_monday(date(2026, 12, 23), HolidayCalendar::France),
            date(2027, 1, 4)
        );
    }

    #[test]
    fn weekly_table_is_reproducible() {
        let h = hours("Mo-Fr 09:00-12:00; PH off");
        assert_eq!(h.weekly_table(reference()), h.weekly_table(reference()));
    }

    #[test]
    fn always_open() {
        let h = hours("24/7");
        let table = h.weekly_table(reference());
        assert!(table.always_open);
        assert!(!table.closed_on_public_holidays);
        for row in &table.days {
            assert_eq!(labels(row), ["24 h/24"]);
            assert_eq!(
                (row.slots[0].open.as_str(), row.slots[0].close.as_str()),
                ("00:00", "24:00")
            );
        }
        let status = h.status_at(at(2026, 7, 14, 3, 0));
        assert!(status.open);
        assert_eq!(status.label, "Ouvert 24 h/24");
        let intervals = h.intervals(date(2026, 1, 5), 3);
        assert_eq!(intervals, [(at(2026, 1, 5, 0, 0), at(2026, 1, 8, 0, 0))]);
    }

    #[test]
    fn always_open_except_public_holidays() {
        let h = hours("24/7; PH off");
        let table = h.weekly_table(reference());
        assert!(table.always_open);
        assert!(table.closed_on_public_holidays);
        let status = h.status_at(at(2026, 7, 13, 10, 0));
        assert!(status.open);
        assert_eq!(status.label, "Ouvert · ferme à minuit");
        let status = h.status_at(at(2026, 7, 14, 10, 0));
        assert!(!status.open);
        assert_eq!(status.label, "Fermé (jour férié) · ouvre demain à 0 h");
    }

    #[test]
    fn public_holiday_closes() {
        let h = hours("Mo-Fr 09:00-17:00; PH off");
        let bastille_day = h.status_at(at(2026, 7, 14, 10, 0));
        assert!(!bastille_day.open);
        assert_eq!(bastille_day.label, "Fermé (jour férié) · ouvre demain à 9 h");
        // Christmas 2026 is a Friday: next opening is Monday.
        let christmas = h.status_at(at(2026, 12, 25, 11, 0));
        assert!(!christmas.open);
        assert_eq!(christmas.label, "Fermé (jour férié) · ouvre lundi à 9 h");
        // The day before Bastille Day, after closing: skip the holiday.
        let monday_evening = h.status_at(at(2026, 7, 13, 18, 0));
        assert_eq!(monday_evening.label, "Fermé · ouvre mercredi à 9 h");
        // A normal Tuesday.
        let tuesday = h.status_at(at(2026, 7, 21, 10, 0));
        assert!(tuesday.open);
        assert_eq!(tuesday.label, "Ouvert · ferme à 17 h");
    }

    #[test]
    fn public_holidays_ignored_without_ph_rule() {
        let h = hours("Mo-Fr 09:00-17:00");
        assert!(h.status_at(at(2026, 7, 14, 10, 0)).open);
        assert!(!h.weekly_table(reference()).closed_on_public_holidays);
    }

    #[test]
    fn special_hours_on_public_holidays() {
        let h = hours("Mo-Fr 09:00-17:00; PH 10:00-12:00");
        let table = h.weekly_table(reference());
        assert!(!table.closed_on_public_holidays);
        assert_eq!(table.comment.as_deref(), Some("Horaires différents les jours fériés"));
        assert_eq!(h.status_at(at(2026, 7, 14, 10, 30)).label, "Ouvert · ferme à 12 h");
    }

    #[test]
    fn status_labels_at_fixed_instants() {
        let h = hours("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00");
        // 2026-01-09 is a Friday.
        let cases = [
            (at(2026, 1, 9, 10, 0), true, "Ouvert · ferme à 12 h"),
            (at(2026, 1, 9, 12, 0), false, "Fermé · ouvre à 14 h"),
            (at(2026, 1, 9, 13, 59), false, "Fermé · ouvre à 14 h"),
            (at(2026, 1, 9, 14, 0), true, "Ouvert · ferme à 18 h 30"),
            (at(2026, 1, 9, 18, 30), false, "Fermé · ouvre demain à 8 h 30"),
            (at(2026, 1, 10, 11, 0), true, "Ouvert · ferme à 12 h"),
            (at(2026, 1, 10, 12, 0), false, "Fermé · ouvre lundi à 9 h"),
            (at(2026, 1, 11, 15, 0), false, "Fermé · ouvre demain à 9 h"),
            (at(2026, 1, 12, 7, 0), false, "Fermé · ouvre à 9 h"),
        ];
        for (instant, open, label) in cases {
            let status = h.status_at(instant);
            assert_eq!((status.open, status.label.as_str()), (open, label), "at {instant}");
        }
    }

    #[test]
    fn friday_evening_opens_monday() {
        let h = hours("Mo-Fr 09:00-17:00");
        let status = h.status_at(at(2026, 1, 9, 18, 0));
        assert_eq!(
            status,
            OpenStatus {
                open: false,
                label: "Fermé · ouvre lundi à 9 h".to_string()
            }
        );
    }

    #[test]
    fn next_opening_a_week_later_names_the_date() {
        let h = hours("Mo 09:00-12:00");
        // Monday 2026-01-05 after closing: next opening is Monday 12 January.
        assert_eq!(
            h.status_at(at(2026, 1, 5, 13, 0)).label,
            "Fermé · ouvre lundi 12 janvier à 9 h"
        );
        assert_eq!(h.status_at(at(2026, 1, 6, 13, 0)).label, "Fermé · ouvre lundi à 9 h");
    }

    #[test]
    fn closed_when_nothing_within_horizon() {
        let h = hours("Jan 01 10:00-12:00");
        let status = h.status_at(at(2026, 3, 3, 10, 0));
        assert_eq!(
            status,
            OpenStatus {
                open: false,
                label: "Fermé".to_string()
            }
        );
        let h = hours("off");
        assert_eq!(h.status_at(at(2026, 3, 3, 10, 0)).label, "Fermé");
        assert!(h.weekly_table(reference()).days.iter().all(|row| row.closed));
        assert!(h.intervals(reference(), 14).is_empty());
    }

    #[test]
    fn off_days() {
        let h = hours("Mo-Sa 10:00-18:00; We off");
        let table = h.weekly_table(reference());
        assert!(table.days[2].closed);
        assert_eq!(labels(&table.days[1]), ["10 h – 18 h"]);
        assert_eq!(labels(&table.days[3]), ["10 h – 18 h"]);
        // Tuesday 2026-01-06 evening: Wednesday is off.
        assert_eq!(h.status_at(at(2026, 1, 6, 19, 0)).label, "Fermé · ouvre jeudi à 10 h");
    }

    #[test]
    fn ranges_crossing_midnight() {
        let h = hours("Fr,Sa 22:00-02:00");
        let table = h.weekly_table(reference());
        assert_eq!(labels(&table.days[4]), ["22 h – 2 h"]);
        assert_eq!(table.days[4].slots[0].open, "22:00");
        assert_eq!(table.days[4].slots[0].close, "02:00");
        assert_eq!(labels(&table.days[5]), ["22 h – 2 h"]);
        assert!(table.days[6].closed, "Sunday's early hours belong to Saturday's row");
        // Friday 2026-01-09 at 23:00.
        assert_eq!(h.status_at(at(2026, 1, 9, 23, 0)).label, "Ouvert · ferme à 2 h");
        assert_eq!(h.status_at(at(2026, 1, 10, 1, 0)).label, "Ouvert · ferme à 2 h");
        assert_eq!(h.status_at(at(2026, 1, 10, 3, 0)).label, "Fermé · ouvre à 22 h");
        let intervals = h.intervals(date(2026, 1, 9), 2);
        assert_eq!(
            intervals,
            [
                (at(2026, 1, 9, 22, 0), at(2026, 1, 10, 2, 0)),
                (at(2026, 1, 10, 22, 0), at(2026, 1, 11, 0, 0))
            ]
        );
    }

    #[test]
    fn sunday_night_wraps_to_monday() {
        let table = hours("Su 20:00-01:00").weekly_table(reference());
        assert!(table.days[0].closed, "{:?}", table.days[0]);
        assert_eq!(labels(&table.days[6]), ["20 h – 1 h"]);
        let table = hours("Mo-Su 22:00-02:00").weekly_table(reference());
        for row in &table.days {
            assert_eq!(labels(row), ["22 h – 2 h"], "{}", row.day);
        }
    }

    #[test]
    fn midnight_labels() {
        let table = hours("Mo 18:00-24:00; Tu 00:00-24:00; We 00:00-06:00").weekly_table(reference());
        assert_eq!(labels(&table.days[0]), ["18 h – minuit"]);
        assert_eq!(table.days[0].slots[0].close, "24:00");
        assert_eq!(labels(&table.days[1]), ["24 h/24"]);
        assert_eq!(labels(&table.days[2]), ["0 h – 6 h"]);
        assert!(!table.always_open);
    }

    #[test]
    fn closing_on_another_day() {
        // Extended times (up to 48:00) run into the next day.
        let h = hours("Mo 08:00-44:00");
        assert_eq!(h.status_at(at(2026, 1, 5, 9, 0)).label, "Ouvert · ferme demain à 20 h");
        assert_eq!(h.status_at(at(2026, 1, 6, 9, 0)).label, "Ouvert · ferme à 20 h");
        assert_eq!(h.status_at(at(2026, 1, 6, 21, 0)).label, "Fermé · ouvre lundi à 8 h");
    }

    #[test]
    fn unknown_is_closed_with_a_note() {
        let h = hours("Mo-Fr 09:00-12:00; Sa 10:00-12:00 unknown \"sur rendez-vous\"");
        let table = h.weekly_table(reference());
        assert!(table.days[5].closed);
        assert_eq!(
            table.comment.as_deref(),
            Some("sur rendez-vous · Horaires à confirmer : samedi (10 h – 12 h)")
        );
        // Saturday 2026-01-10.
        let status = h.status_at(at(2026, 1, 10, 11, 0));
        assert!(!status.open);
        assert_eq!(
            status.label,
            "Horaires à confirmer (sur rendez-vous) · ouvre lundi à 9 h"
        );
        assert!(h.intervals(date(2026, 1, 10), 1).is_empty());
    }

    #[test]
    fn comments_are_kept() {
        let h = hours("Mo 14:00-17:00 \"sur rendez-vous\"; We 09:00-12:00");
        let table = h.weekly_table(reference());
        assert_eq!(table.comment.as_deref(), Some("sur rendez-vous"));
        assert_eq!(
            h.status_at(at(2026, 1, 5, 15, 0)).label,
            "Ouvert (sur rendez-vous) · ferme à 17 h"
        );
        assert_eq!(h.status_at(at(2026, 1, 7, 10, 0)).label, "Ouvert · ferme à 12 h");
    }

    #[test]
    fn intervals_apply_public_holidays() {
        let h = hours("Mo-Fr 09:00-12:00,14:00-17:00; PH off");
        let intervals = h.intervals(date(2026, 7, 13), 3);
        assert_eq!(
            intervals,
            [
                (at(2026, 7, 13, 9, 0), at(2026, 7, 13, 12, 0)),
                (at(2026, 7, 13, 14, 0), at(2026, 7, 13, 17, 0)),
                (at(2026, 7, 15, 9, 0), at(2026, 7, 15, 12, 0)),
                (at(2026, 7, 15, 14, 0), at(2026, 7, 15, 17, 0)),
            ]
        );
        assert!(h.intervals(date(2026, 7, 13), 0).is_empty());
        let capped = h.intervals(date(2026, 1, 5), u32::MAX);
        assert_eq!(capped, h.intervals(date(2026, 1, 5), 366));
        let last = capped.last().expect("a year has openings").1;
        assert!(last > at(2026, 12, 31, 0, 0) && last < at(2027, 1, 6, 0, 0), "{last}");
        // 2026-01-01 (Thursday) is a public holiday: the first opening of 2026 is on Friday.
        assert_eq!(h.intervals(date(2026, 1, 1), 1), []);
        assert_eq!(h.intervals(date(2026, 1, 1), 2)[0].0, at(2026, 1, 2, 9, 0));
    }

    #[test]
    fn text_is_trimmed_original() {
        let h = hours("  Mo-Fr 09:00-12:00 ");
        assert_eq!(h.text(), "Mo-Fr 09:00-12:00");
        let h: Hours = "PH off; Mo 10:00-11:00".parse().expect("valid");
        assert_eq!(h.text(), "PH off; Mo 10:00-11:00");
    }

    #[test]
    fn empty_and_too_long() {
        for blank in ["", "   ", "\n\t"] {
            let err = parse(blank).expect_err("blank must be rejected");
            assert_eq!(err.message, "horaires vides");
            assert!(err.hint.contains(EXAMPLE));
        }
        let long = "Mo 09:00-10:00; ".repeat(70);
        let err = parse(&long).expect_err("too long");
        assert!(err.message.starts_with("horaires trop longs"), "{}", err.message);
    }

    #[test]
    fn french_error_for_french_input() {
        let err = parse("Lu-Ve 9h-12h").expect_err("French days are invalid");
        assert_eq!(
            err.message,
            "horaires illisibles : « Lu-Ve 9h-12h » n'est pas au format OpenStreetMap"
        );
        assert_eq!(err.offset, Some(0));
        assert!(err.hint.contains("Mo (lundi)"), "{}", err.hint);
        assert!(err.hint.contains("09:00-12:00 et non 9h-12h"), "{}", err.hint);
        assert!(
            err.hint.ends_with("Proposition : « Mo-Fr 09:00-12:00 »."),
            "{}",
            err.hint
        );
    }

    #[test]
    fn round_the_clock_hint() {
        let err = parse("24h/24").expect_err("not OSM");
        assert_eq!(
            err.hint,
            "Ouvert en permanence s'écrit « 24/7 ». Proposition : « 24/7 »."
        );
    }

    #[test]
    fn error_offsets_point_at_the_problem() {
        let err = parse("Mo-Fr 9h-12h").expect_err("9h is invalid");
        assert_eq!(err.offset, Some(6));
        assert!(
            err.message.contains("(problème à partir de « 9h-12h »)"),
            "{}",
            err.message
        );
        assert!(
            !err.hint.contains("Mo (lundi)"),
            "no French day names here: {}",
            err.hint
        );
        assert!(err.hint.contains("Proposition : « Mo-Fr 09:00-12:00 »"), "{}", err.hint);
        // Offsets count characters, not bytes, and include leading whitespace.
        let err = parse("  Mo-Fr 09:00–12:00").expect_err("en dash is invalid");
        assert_eq!(err.offset, Some(13));
        assert!(err.hint.contains("tiret simple"), "{}", err.hint);
        let err = parse("Mo-Fr 09:00-").expect_err("incomplete");
        assert!(
            err.message.contains("incomplet") || err.message.contains("problème"),
            "{}",
            err.message
        );
    }

    #[test]
    fn suggestions_for_common_french_forms() {
        let cases = [
            (
                "du lundi au vendredi de 9h à 12h et de 14h à 18h",
                "Mo-Fr 09:00-12:00,14:00-18:00",
            ),
            ("Lundi : 9h30-12h", "Mo 09:30-12:00"),
            ("lun.-ven. 9h-12h / 14h-17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
            ("Mardi 9-12h", "Tu 09:00-12:00"),
            ("Lu-Ve 9h-12h, Sa 9h-12h", "Mo-Fr 09:00-12:00; Sa 09:00-12:00"),
            ("Mo-Fr 9 h 30 - 17 h", "Mo-Fr 09:30-17:00"),
            ("Lu-Ve 9h-17h ; jours fériés fermé", "Mo-Fr 09:00-17:00; PH off"),
            ("24h/24 7j/7", "24/7"),
            ("24 h/24", "24/7"),
            ("mercredi et jeudi 14h-16h", "We,Th 14:00-16:00"),
        ];
        for (input, expected) in cases {
            let err = parse(input).expect_err(input);
            assert!(
                err.hint.ends_with(&format!("Proposition : « {expected} ».")),
                "{input:?} → {}",
                err.hint
            );
            assert!(parse(expected).is_ok(), "{expected:?} must be valid");
        }
    }

    #[test]
    fn no_suggestion_when_unsure() {
        let err = parse("sur rendez-vous uniquement").expect_err("free text");
        assert!(err.hint.ends_with(&format!("Exemple : « {EXAMPLE} ».")), "{}", err.hint);
        assert!(err.hint.contains("guillemets droits"), "{}", err.hint);
        let err = parse("n'importe quoi").expect_err("free text");
        assert!(err.hint.starts_with("Format attendu"), "{}", err.hint);
    }

    #[test]
    fn specific_parser_errors_are_french() {
        let err = parse("2025-2020 Mo 10:00-12:00").expect_err("inverted years");
        assert!(err.message.contains("plage d'années est à l'envers"), "{}", err.message);
        assert_eq!(err.hint, "Écrire la plage dans l'ordre croissant : « 2020-2025 ».");
        let err = parse("Mo-Fr 09:00-49:00").expect_err("hour out of range");
        assert!(err.message.starts_with("horaires illisibles"), "{}", err.message);
        let err = parse("Mo 12:00").expect_err("a time without its end");
        assert!(err.message.ends_with("(le texte semble incomplet)"), "{}", err.message);
        assert_eq!(err.offset, Some(8));
        assert!(
            err.hint.starts_with("Chaque plage horaire a un début et une fin"),
            "{}",
            err.hint
        );
        for input in [
            "Lu-Ve 9h-12h",
            "2025-2020",
            "Mo 12:00",
            "Mo-Fr 25:00-26:00",
            "week 10-05",
        ] {
            let err = parse(input).expect_err(input);
            for english in ["expected", "unsupported", "Inverted", "error"] {
                assert!(
                    !err.message.contains(english) && !err.hint.contains(english),
                    "{input:?}: {err}"
                );
            }
        }
    }

    #[test]
    fn error_display() {
        let err = parse("").expect_err("empty");
        assert_eq!(err.to_string(), format!("horaires vides. {}", err.hint));
    }

    #[test]
    fn weird_inputs_never_panic() {
        let long_letters = "a".repeat(MAX_LEN + 1);
        let long_digits = "9".repeat(MAX_LEN);
        let parentheses = "(".repeat(500);
        let weird = [
            "\u{0}",
            "\"",
            "\"\"",
            ";",
            ";;;;",
            "Mo-Fr 09:00-12:00;;",
            "𝔐𝔬-𝔉𝔯",
            "🙂 9h-12h",
            "Mo-Fr 9h-12h🙂",
            "é",
            "Mo 00:00-48:00",
            "Mo 23:59-00:00",
            "Mo 12:00-12:00",
            "Mo 18:00-09:00",
            "sunrise-sunset",
            "(sunrise+01:00)-(sunset-01:00)",
            "Mo-Fr 09:00+",
            "week 01-53/2 Mo 10:00-11:00",
            "easter +2 days 10:00-12:00",
            "1900 Mo 10:00-12:00",
            "9999 Dec 31 10:00-12:00",
            "Jan-Dec",
            "PH",
            "SH off",
            "Mo[1,-1] 10:00-12:00",
            "24/7 unknown",
            "24/7; Mo 10:00-12:00 off \"\"",
            "99999999999999999999999999h",
            "lundi lundi lundi 9 h h h 30 :: -- ,,",
            "de à et au",
            long_letters.as_str(),
            long_digits.as_str(),
            parentheses.as_str(),
        ];
        let instants = [
            at(2026, 7, 14, 10, 0),
            at(1900, 1, 1, 0, 0),
            NaiveDate::MIN.and_time(NaiveTime::MIN),
            NaiveDate::MAX.and_hms_opt(23, 59, 0).expect("valid"),
            at(9999, 12, 31, 23, 0),
        ];
        for input in weird {
            match parse(input) {
                Ok(h) => {
                    for instant in instants {
                        let _ = h.status_at(instant);
                        let _ = h.weekly_table(instant.date());
                        let _ = h.intervals(instant.date(), 9);
                    }
                }
                Err(err) => {
                    assert!(!err.message.is_empty() && !err.hint.is_empty(), "{input:?}");
                    if let Some(offset) = err.offset {
                        assert!(offset <= input.chars().count(), "{input:?}: offset {offset}");
                    }
                }
            }
        }
    }

    #[test]
    fn serializes_for_templates() {
        let table = hours("Mo 09:00-12:00").weekly_table(reference());
        let json = serde_json::to_value(&table).expect("serializable");
        assert_eq!(json["days"][0]["day"], "Lundi");
        assert_eq!(json["days"][0]["slots"][0]["label"], "9 h – 12 h");
        assert_eq!(json["days"][1]["closed"], true);
        assert_eq!(json["always_open"], false);
        let status = serde_json::to_value(hours("24/7").status_at(at(2026, 1, 5, 0, 0))).expect("serializable");
        assert_eq!(status["open"], true);
    }
}
