//! Small text helpers shared by validation, import and rendering: slugs,
//! accent folding, French phone numbers and "did you mean" suggestions.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

pub const MAX_SLUG_LEN: usize = 80;

/// Month names, for dates residents read.
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// How many characters `outer` has before `suffix`, one of its own
/// suffixes (such as its `trim_start()`): only that part is counted, and
/// values can be long.
pub fn chars_before(outer: &str, suffix: &str) -> usize {
    outer[..outer.len() - suffix.len()].chars().count()
}

/// The lines of `text`, each with its line feed: `text.split_inclusive('\n')`,
/// with the line feeds found by `memchr`. A national check reads a million
/// short front-matter lines, two or three times each; the standard
/// library's search spent about 200 instructions on each.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut feeds = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        let end = match feeds.next() {
            Some(feed) => feed + 1,
            None if start < text.len() => text.len(),
            None => return None,
        };
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// How many decimals [`fixed_point`] writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    Units,
    Tenths,
}

/// `format!("{x:.1}")` or `format!("{x:.0}")` (with `mark` as the decimal
/// separator), written from an integer: formatting a float with a precision
/// cost 1 % of a national build, and the dashboard's figures write 300,000
/// distances. Near a tie, where multiplying by ten may round differently
/// from the exact decimal expansion, formatting decides.
pub fn fixed_point(x: f64, precision: Precision, mark: char) -> String {
    let scaled = match precision {
        Precision::Tenths => x * 10.0,
        Precision::Units => x,
    };
    let fraction = scaled - scaled.floor();
    if !(scaled.is_sign_positive() && scaled < 1e15) || (fraction - 0.5).abs() < 1e-6 {
        return fixed_point_by_formatting(x, precision, mark);
    }
    let rounded = scaled.round() as u64;
    match precision {
        // Pushed by hand: `format!` with three pieces costs more than the
        // float formatting this replaces.
        Precision::Tenths => {
            let mut written = (rounded / 10).to_string();
            written.push(mark);
            written.push(char::from(b'0' + (rounded % 10) as u8));
            written
        }
        Precision::Units => rounded.to_string(),
    }
}

/// [`fixed_point`], by formatting the float with a precision.
fn fixed_point_by_formatting(x: f64, precision: Precision, mark: char) -> String {
    let written = match precision {
        Precision::Tenths => format!("{x:.1}"),
        Precision::Units => format!("{x:.0}"),
    };
    match mark {
        '.' => written,
        _ => written.replace('.', mark.encode_utf8(&mut [0; 4])),
    }
}

/// « 3,2 km » below 10 km, « 13 km » above: distances as residents read them.
pub fn french_km(km: f64) -> String {
    let precision = if km < 10.0 { Precision::Tenths } else { Precision::Units };
    let mut written = fixed_point(km, precision, ',');
    written.push_str(" km");
    written
}

/// Lower case, accents removed, ligatures expanded: for comparisons that
/// should not care how a partner typed a word.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// What [`fold`] makes of one character: `fold(s)` is the concatenation of
/// `fold_char` over the characters of `s`, which lets a caller fold only as
/// much of a text as it needs.
///
/// This is NFD followed by dropping combining marks, one character at a
/// time. Whole-string NFD differs from per-character decomposition only by
/// the canonical reordering of characters of non-zero combining class, and
/// every such character is a combining mark, dropped here (the tests check
/// this for every `char`), so the characters kept come out in the same order.
#[inline]
pub fn fold_char(c: char, mut emit: impl FnMut(char)) {
    // Most of the text is ASCII, which NFD leaves alone.
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
        return;
    }
    decompose_canonical(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        match d {
            'œ' | 'Œ' => {
                emit('o');
                emit('e');
            }
            'æ' | 'Æ' => {
                emit('a');
                emit('e');
            }
            'ß' => {
                emit('s');
                emit('s');
            }
            '’' | '‘' => emit('\''),
            _ => d.to_lowercase().for_each(&mut emit),
        }
    });
}

/// `^[a-z0-9]+(-[a-z0-9]+)*$`, at most 80 characters, cut on a word boundary.
pub fn slugify(s: &str) -> String {
    let folded = fold(s);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..=MAX_SLUG_LEN]
            .rfind('-')
            .filter(|&i| i > 0)
            .unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

/// A comparison key for commune names: `BOURG SAINT MAURICE`,
/// `Bourg-St-Maurice` and `Bourg-Saint-Maurice` share one.
pub fn commune_key(name: &str) -> String {
    slugify(name)
        .split('-')
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            "s" => "sur",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("-")
}

pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_LEN
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// French overseas prefixes: the first digits after the trunk 0 select the
/// country code the national schema expects.
const OVERSEAS: &[(&str, &str)] = &[
    ("590", "+590"),
    ("690", "+590"),
    ("594", "+594"),
    ("694", "+594"),
    ("262", "+262"),
    ("692", "+262"),
    ("693", "+262"),
    ("596", "+596"),
    ("696", "+596"),
    ("269", "+269"),
    ("639", "+269"),
];

const COUNTRY_CODES: &[&str] = &[
    "+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
];

/// Accepts the usual French ways of writing a phone number (`05 59 80 58 84`,
/// `05.59.80.58.84`, `+33 5 59 80 58 84`, `0033559805884`) and returns the
/// national schema's form (`+33559805884`), or `None` if it is not a number.
pub fn normalize_phone(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let mut compact = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => compact.push(c),
            '+' if i == 0 => compact.push(c),
            ' ' | '.' | '-' | '\u{a0}' | '\u{202f}' | '/' => {}
            // "(0)" as in +33 (0)5 59…
            '(' | ')' => {}
            _ => return None,
        }
    }
    let compact = compact.replace("+33(0)", "+33");
    let compact = if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else {
        compact
    };
    if let Some(rest) = compact.strip_prefix('+') {
        let code = COUNTRY_CODES.iter().find(|c| rest.starts_with(&c[1..]))?;
        let mut national = &rest[code.len() - 1..];
        // "+33 0 5…": a trunk zero left by mistake.
        if national.len() == 10 && national.starts_with('0') {
            national = &national[1..];
        }
        return ((6..=9).contains(&national.len()) && national.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{code}{national}"));
    }
    if compact.len() == 10 && compact.starts_with('0') && !compact.starts_with("00") {
        let national = &compact[1..];
        let code = OVERSEAS
            .iter()
            .find(|(p, _)| national.starts_with(p))
            .map(|(_, c)| *c)
            .unwrap_or("+33");
        return Some(format!("{code}{national}"));
    }
    None
}

/// `+33559805884` → `05 59 80 58 84`, the way residents read and dial it.
pub fn display_phone(normalized: &str) -> String {
    let national = COUNTRY_CODES
        .iter()
        .find_map(|c| normalized.strip_prefix(c).map(|rest| (*c, rest)));
    match national {
        Some((code, rest))
            if rest.len() == 9 && code != "+687" && code != "+689" && code != "+508" && code != "+681" =>
        {
            let digits = format!("0{rest}");
            digits
                .as_bytes()
                .chunks(2)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect::<Vec<_>>()
                // No-break spaces: a number cut across two lines is misread.
                .join("\u{a0}")
        }
        _ => normalized.to_string(),
    }
}

/// The closest candidate to a mistyped value, if it is close enough to be a
/// plausible typo. Comparison ignores case and accents.
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(input);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        let c = fold(candidate);
        if c == folded {
            return Some(candidate);
        }
        let mut score = strsim::jaro_winkler(&folded, &c);
        if c.starts_with(&folded) || folded.starts_with(&c) {
            score = score.max(0.9);
        }
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.filter(|(_, s)| *s >= 0.82).map(|(c, _)| c)
}

pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.starts_with('.')
        && domain.contains('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
        && !domain.contains('@')
}

pub fn is_web_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            host.contains('.') && !s.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        }
        None => false,
    }
}

/// Percent-encodes a URI component (RFC 3986 unreserved characters kept),
/// for `mailto:` subjects and bodies.
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            // Every place page encodes two of these: a `format!` per byte
            // was 1 % of a national build.
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xF)] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    /// The integer shortcut writes what formatting with a precision writes,
    /// ties included (0.25 is exact in binary and rounds to even; 0.35 is
    /// just below its decimal and rounds down).
    fn fixed_point_writes_what_formatting_writes() {
        let mut values: Vec<f64> = vec![
            0.05,
            0.15,
            0.25,
            0.35,
            0.45,
            2.5,
            9.95,
            9.949_999,
            10.5,
            11.5,
            12.5,
            1e16,
            0.0,
            -0.0,
            -1.25,
            f64::NAN,
            f64::INFINITY,
        ];
        // Deterministic pseudo-random distances, and every tie of a grid.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x % 3_000_000) as f64 / 10_000.0);
        }
        values.extend((0..4000).map(|i| f64::from(i) * 0.05));
        for x in values {
            for precision in [Precision::Tenths, Precision::Units] {
                for mark in ['.', ','] {
                    assert_eq!(
                        fixed_point(x, precision, mark),
                        fixed_point_by_formatting(x, precision, mark),
                        "{x} {precision:?} {mark}"
                    );
                }
            }
        }
        assert_eq!(fixed_point(0.25, Precision::Tenths, '.'), "0.2");
        assert_eq!(french_km(3.25), "3,2 km");
        assert_eq!(french_km(13.5), "14 km");
    }

    #[test]
    fn split_lines_cuts_as_split_inclusive_does() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\n\nb\n",
            "\n\né\n« x »",
            "---\nnom: A\n---\n",
        ] {
            let ours: Vec<&str> = split_lines(text).collect();
            let std: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn chars_before_a_suffix_counts_characters_not_bytes() {
        // A no-break space (2 bytes), a thin space (3 bytes), a space.
        let s = "\u{a0}\u{2009} Écrans ouverts";
        assert_eq!(chars_before(s, s.trim_start()), 3);
        assert_eq!(chars_before("clé: « valeur »", "« valeur »"), 5);
        assert_eq!(chars_before("abc", "abc"), 0);
    }
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::canonical_combining_class;

    /// The former `fold`, whole-string NFD: the reference for the fast one.
    fn fold_by_nfd(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.nfd() {
            if is_combining_mark(c) {
                continue;
            }
            match c {
                'œ' | 'Œ' => out.push_str("oe"),
                'æ' | 'Æ' => out.push_str("ae"),
                'ß' => out.push_str("ss"),
                '’' | '‘' => out.push('\''),
                _ => out.extend(c.to_lowercase()),
            }
        }
        out
    }

    /// Canonical reordering only moves characters of non-zero combining
    /// class; if all of them are dropped, folding character by character
    /// keeps the same characters in the same order as folding the NFD string.
    #[test]
    fn every_reorderable_character_is_dropped() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if canonical_combining_class(c) != 0 {
                assert!(
                    is_combining_mark(c),
                    "U+{:04X} has a combining class but is kept",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn folding_each_character_matches_nfd() {
        let mut buffer = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.encode_utf8(&mut buffer);
            assert_eq!(fold(s), fold_by_nfd(s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn folding_text_matches_nfd() {
        for s in [
            "Médiathèque d'Oloron-Sainte-Marie — Œuvre, cœur, Æsir, Straße, l’été ‘ici’",
            "e\u{301}\u{327}\u{300} a\u{316}\u{301}\u{328} ÅÉÎÕÜ ǅ ﬁ Ⅻ İstanbul ΣΑΣ ᾼ 한국어 ｆｕｌｌ",
            "q\u{307}\u{323} \u{1E0B}\u{323} \u{1E0D}\u{307} \u{0F73}\u{0F71} \u{0344}",
        ] {
            assert_eq!(fold(s), fold_by_nfd(s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn folding_any_text_matches_nfd(s in "\\PC{0,40}", marks in "[\u{300}-\u{36F}\u{591}-\u{5C7}\u{1AB0}-\u{1AFF}a-zA-Zéœ’ ]{0,40}") {
            prop_assert_eq!(fold(&s), fold_by_nfd(&s));
            prop_assert_eq!(fold(&marks), fold_by_nfd(&marks));
            let mixed: String = s.chars().zip(marks.chars()).flat_map(|(a, b)| [a, b]).collect();
            prop_assert_eq!(fold(&mixed), fold_by_nfd(&mixed));
        }
    }

    #[test]
    fn slugs_are_ascii_and_bounded() {
        assert_eq!(
            slugify("Médiathèque d'Oloron-Sainte-Marie"),
            "mediatheque-d-oloron-sainte-marie"
        );
        assert_eq!(slugify("  Œuvre -- Sociale !! "), "oeuvre-sociale");
        assert_eq!(slugify("../etc/passwd"), "etc-passwd");
        let long = slugify(&"mot ".repeat(40));
        assert!(long.len() <= 80 && is_valid_slug(&long), "{long}");
        assert!(is_valid_slug("fibre-64-1"));
        assert!(!is_valid_slug("Fibre"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug("../x"));
    }

    #[test]
    fn phones_in_usual_forms_are_normalized() {
        for input in [
            "05 59 80 58 84",
            "05.59.80.58.84",
            "0559805884",
            "+33 5 59 80 58 84",
            "+33559805884",
            "0033559805884",
            "+33 (0)5 59 80 58 84",
        ] {
            assert_eq!(normalize_phone(input).as_deref(), Some("+33559805884"), "{input}");
        }
        assert_eq!(normalize_phone("0262 12 34").as_deref(), None);
        assert_eq!(normalize_phone("02 62 12 34 56").as_deref(), Some("+262262123456"));
        assert_eq!(normalize_phone("05 59"), None);
        assert_eq!(normalize_phone("appelez-nous"), None);
        assert_eq!(display_phone("+33559805884"), "05\u{a0}59\u{a0}80\u{a0}58\u{a0}84");
    }

    #[test]
    fn suggestions_catch_typos_and_accents() {
        let services = ["Aide aux démarches administratives", "Loisirs et créations numériques"];
        assert_eq!(
            suggest("aide aux demarches administratives", services),
            Some(services[0])
        );
        assert_eq!(suggest("Aide aux démarche administrative", services), Some(services[0]));
        assert_eq!(suggest("cuisine", services), None);
    }

    #[test]
    fn commune_keys_ignore_punctuation_case_and_abbreviations() {
        assert_eq!(commune_key("BOURG SAINT MAURICE"), commune_key("Bourg-Saint-Maurice"));
        assert_eq!(commune_key("St Jean de Luz"), commune_key("Saint-Jean-de-Luz"));
        assert_eq!(
            commune_key("Saint Pierre d'Albigny"),
            commune_key("Saint-Pierre-d'Albigny")
        );
        assert_ne!(commune_key("Pau"), commune_key("Bayonne"));
    }

    #[test]
    fn emails_and_urls() {
        assert!(is_plausible_email("contact@mairie.fr"));
        assert!(!is_plausible_email("contact@mairie"));
        assert!(!is_plausible_email("contact mairie.fr"));
        assert!(is_web_url("https://www.exemple.fr/page"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("www.exemple.fr"));
    }

    #[test]
    fn percent_encoding_is_reversible_by_browsers() {
        assert_eq!(
            percent_encode("Fiche « a » & b\n"),
            "Fiche%20%C2%AB%20a%20%C2%BB%20%26%20b%0A"
        );
    }
}
