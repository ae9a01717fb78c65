//! A fast reader for the plain front matter that nearly every place file
//! uses: `key: value` lines at the margin, and lists of `- item` lines.
//!
//! serde-saphyr takes about 100 µs per place file, the largest single cost
//! of validating a national directory (50,000 files). This reader handles
//! a strict subset of YAML in a few microseconds and gives *exactly* what
//! the full parser gives, positions included; on anything outside the
//! subset (indented maps, multi-line or flow values, escapes, anchors,
//! tags, comments after a value, null words…) it answers `None` and the
//! caller hands the text to serde-saphyr, which also produces the error
//! messages. The tests compare both readers on generated inputs.

use super::{RawEntry, RawItem, RawValue};
use crate::diagnostics::Position;

/// Above this size, or this many values, the full parser (and its budget)
/// decides: the limits it enforces must not be bypassed.
const MAX_BYTES: usize = 64 * 1024;
const MAX_VALUES: usize = 1_000;

/// The entries of `yaml`, or `None` when it is not in the simple subset.
/// `shift` is added to line numbers (the YAML's first line in the file, minus one).
pub fn parse(yaml: &str, shift: u32) -> Option<Vec<RawEntry>> {
    if yaml.len() > MAX_BYTES || !all_allowed(yaml) {
        return None;
    }
    let mut entries: Vec<RawEntry> = Vec::new();
    let mut values = 0usize;
    // The list being read: its entry, and the indentation of its dashes.
    let mut list: Option<(usize, usize)> = None;
    // An entry whose value is still empty: a list may follow.
    let mut pending_empty: Option<usize> = None;
    // `yaml.split('\n')` but for a last empty line, which is skipped anyway.
    let lines = crate::text::split_lines(yaml).map(|l| l.strip_suffix('\n').unwrap_or(l));
    for (index, line) in lines.enumerate() {
        let line_no = index as u32 + 1;
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        values += 1;
        if values > MAX_VALUES {
            return None;
        }
        if let Some(item) = rest.strip_prefix('-') {
            // A list item: only right after an empty `key:`, or within a list,
            // at the same indentation as the list's first dash.
            let owner = match (list, pending_empty) {
                (Some((owner, dash)), _) if dash == indent => owner,
                // A list at the margin is positioned differently by the full parser.
                (None, Some(owner)) if indent > 0 => {
                    let entry = &mut entries[owner];
                    entry.value = RawValue::List(Vec::new());
                    entry.value_position = Position::new(line_no + shift, indent as u32 + 1);
                    list = Some((owner, indent));
                    pending_empty = None;
                    owner
                }
                _ => return None,
            };
            let text = item.strip_prefix(' ')?;
            let leading = text.len() - text.trim_start_matches(' ').len();
            let column = indent + 2 + leading + 1;
            let (value, _quoted) = scalar(&text[leading..])?;
            let RawValue::List(items) = &mut entries[owner].value else {
                return None;
            };
            items.push(RawItem {
                value,
                line: line_no,
                column: column as u32,
            });
            continue;
        }
        if indent != 0 {
            return None;
        }
        // A new entry ends any list and any empty value.
        list = None;
        pending_empty = None;
        let (key, after) = split_key(rest)?;
        let key_position = Position::new(line_no + shift, 1);
        if after.is_empty() {
            // `key:` alone: null, unless list items follow. The full parser
            // puts a null value at the colon.
            pending_empty = Some(entries.len());
            entries.push(RawEntry {
                key: key.to_string(),
                key_position,
                value: RawValue::Null,
                value_position: Position::new(line_no + shift, key.len() as u32 + 1),
                quoted: false,
            });
            continue;
        }
        let text = after.strip_prefix(' ')?;
        let leading = text.len() - text.trim_start_matches(' ').len();
        if leading == text.len() {
            // Spaces after the colon and nothing else: rare, left to the full parser.
            return None;
        }
        let (value, quoted) = scalar(&text[leading..])?;
        entries.push(RawEntry {
            key: key.to_string(),
            key_position,
            value,
            value_position: Position::new(line_no + shift, (key.len() + 2 + leading + 1) as u32),
            quoted,
        });
    }
    // An empty document (comments only) is not a map: the full parser says so.
    (!entries.is_empty()).then_some(entries)
}

/// Whether every character of `text` is [`allowed_char`], read as bytes.
/// In UTF-8, each refused character is a byte below 0x20 (but the line
/// feed) or 0x7F, or starts with 0xC2, 0xE2 or 0xEF (always lead bytes):
/// blocks of 64 bytes are first screened for those, without a branch per
/// byte, and only the few suspicious blocks are read closely.
fn all_allowed(text: &str) -> bool {
    const BLOCK: usize = 64;
    let bytes = text.as_bytes();
    let next = |i: usize| bytes.get(i).copied();
    let refused_at = |i: usize| match bytes[i] {
        b'\n' => false,
        b if b < 0x20 || b == 0x7F => true,
        // C1 controls, U+0080 to U+009F.
        0xC2 => matches!(next(i + 1), Some(0x80..=0x9F)),
        // U+2028 and U+2029.
        0xE2 => next(i + 1) == Some(0x80) && matches!(next(i + 2), Some(0xA8 | 0xA9)),
        // U+FEFF, U+FFFE and U+FFFF.
        0xEF => matches!(
            (next(i + 1), next(i + 2)),
            (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
        ),
        _ => false,
    };
    (0..bytes.len()).step_by(BLOCK).all(|start| {
        let end = (start + BLOCK).min(bytes.len());
        let suspicious = bytes[start..end].iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\n')) | (b == 0x7F) | (b == 0xC2) | (b == 0xE2) | (b == 0xEF)
        });
        !suspicious || !(start..end).any(refused_at)
    })
}

/// Characters the subset accepts anywhere: control characters (but the
/// line feed), byte-order marks, non-characters and Unicode line separators
/// are the full parser's business. The specification [`all_allowed`]
/// follows, byte by byte (tested against it).
#[cfg(test)]
fn allowed_char(c: char) -> bool {
    c == '\n' || !(c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'))
}

/// `key:` followed by nothing or a space: the key (ASCII letters, digits
/// and `_`, starting with a letter or `_`) and what follows the colon.
fn split_key(line: &str) -> Option<(&str, &str)> {
    // As bytes: the first byte of a character outside ASCII ends the key
    // too, at a character boundary.
    let end = line.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))?;
    let (key, rest) = line.split_at(end);
    let first = *key.as_bytes().first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') || is_special_word(key) {
        return None;
    }
    let after = rest.strip_prefix(':')?;
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    Some((key, after))
}

/// Words YAML may read as null, booleans or numbers rather than text.
fn is_special_word(word: &str) -> bool {
    // Compared in place: every key of every file is asked.
    [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ]
    .iter()
    .any(|special| word.eq_ignore_ascii_case(special))
}

/// A value on one line: a double- or single-quoted text without escapes,
/// or a plain text that YAML reads as itself. Returns it and whether it was
/// quoted.
fn scalar(text: &str) -> Option<(RawValue, bool)> {
    let trimmed = text.trim_end_matches(' ');
    let first = trimmed.chars().next()?;
    if first == '"' || first == '\'' {
        let inner = trimmed.strip_prefix(first)?.strip_suffix(first)?;
        // The same quote inside, or an escape in double quotes: the full
        // parser's business. All ASCII, so searched as bytes.
        let found = if first == '"' {
            memchr::memchr2(b'"', b'\\', inner.as_bytes())
        } else {
            memchr::memchr(b'\'', inner.as_bytes())
        };
        if found.is_some() {
            return None;
        }
        return Some((RawValue::Scalar(inner.to_string()), true));
    }
    // Plain text: it must not start with a YAML indicator, hold a comment
    // or a `key: value` pair, or be one of the words YAML reads as null.
    let negative_number = first == '-' && trimmed[1..].starts_with(|c: char| c.is_ascii_digit());
    if !(first.is_alphanumeric() || first == '+' || first == '(' || negative_number) {
        return None;
    }
    // `: ` or a final `:` (a mapping), ` #` (a comment): searched as bytes,
    // which the standard library's substring search is much slower at.
    let bytes = trimmed.as_bytes();
    let indicator = memchr::memchr2_iter(b':', b'#', bytes).any(|i| match bytes[i] {
        b':' => bytes.get(i + 1).is_none_or(|&b| b == b' '),
        _ => i > 0 && bytes[i - 1] == b' ',
    });
    if indicator {
        return None;
    }
    if matches!(trimmed, "null" | "Null" | "NULL") {
        return None;
    }
    Some((RawValue::Scalar(trimmed.to_string()), false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    #[test]
    fn the_byte_scan_refuses_exactly_the_refused_characters() {
        let chars = (0..0x3400u32)
            .chain(0xfe00..=0x1_0100)
            .chain([0x1f600, 0xe_0001, 0x10_fffd, 0x10_ffff])
            .filter_map(char::from_u32);
        for c in chars {
            let alone = c.to_string();
            let within = format!("nom: a{c}b");
            assert_eq!(all_allowed(&alone), allowed_char(c), "{:#x}", c as u32);
            assert_eq!(all_allowed(&within), allowed_char(c), "{:#x}", c as u32);
            // Across the boundary of two blocks of 64 bytes, and at the end.
            for before in 61..=64 {
                let across = format!("{}{c}{}", "a".repeat(before), "b".repeat(70));
                assert_eq!(all_allowed(&across), allowed_char(c), "{:#x} after {before}", c as u32);
                let last = format!("{}{c}", "a".repeat(before));
                assert_eq!(all_allowed(&last), allowed_char(c), "{:#x} at the end", c as u32);
            }
        }
    }

    /// Whenever the fast reader answers, the full parser agrees exactly.
    fn agrees(yaml: &str) -> bool {
        let Some(fast) = parse(yaml, 1) else {
            return false;
        };
        match super::super::full_parse(yaml, 2, Path::new("f.md")) {
            Ok(full) => assert_eq!(fast, full.entries, "YAML: {yaml:?}"),
            Err(e) => panic!("the fast reader accepted what serde-saphyr rejects: {yaml:?}: {e:?}"),
        }
        true
    }

    #[test]
    fn plain_files_are_read_like_serde_saphyr_reads_them() {
        let taken = [
            "nom: A\n",
            "nom: \"A b\"\nx: 'c d'\n",
            "nom:   A b   \n",
            "nom:\n",
            "nom:\nx: 1\n",
            "services:\n  - Un\n  - \"Deux\"\n",
            "services:\n    -   Un\n",
            "# c\nnom: A\n\n# d\nx: 2\n",
            "services:\n  # c\n  - Un\n\n  - Deux\n",
            "nom: Médiathèque é\nx: \"é\"\nz: 'ü'\n",
            "code_postal: 01000\ntelephone: +33559805884\nhoraires: Mo-Fr 09:00-12:00\nlatitude: 43.370\n",
            "nom: Le \"Lab\" d'Orthez\n",
            "nom: A#b\nx: a:b\n",
            "nom: \"\"\n",
            "a: True\nb: 1e3\nc: 0x1F\nlongitude: -1.398461\n",
            "nom: A\nnom: B\n",
            "_x: A\n",
        ];
        for yaml in taken {
            assert!(agrees(yaml), "not taken by the fast reader: {yaml:?}");
        }
    }

    #[test]
    fn anything_else_goes_to_the_full_parser() {
        let left = [
            "nom: A # c\n",
            "nom: ~\n",
            "nom: null\n",
            "services: []\n",
            "services:\n  -\n  - A\n",
            "nom: A\n  suite\n",
            "nom: \"a\\tb\"\n",
            "nom: 'l''a'\n",
            "nom: |\n  a\n",
            "nom: &a x\n",
            "contact:\n  nom: A\n",
            "nom: A\r\n",
            "services:\n  - A\n    - B\n",
            "services:\n  - A\n - B\n",
            "nom: a: b\n",
            "# rien\n",
            "nom:x\n",
            "null: A\n",
            "nom:  \n",
            "- A\n",
            "services:\n- Un\n- Deux\nnom: A\n",
        ];
        for yaml in left {
            assert!(parse(yaml, 1).is_none(), "taken by the fast reader: {yaml:?}");
        }
    }

    #[test]
    fn every_place_file_of_the_demo_site_takes_the_fast_path() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/lieux");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let split = super::super::split(&text).unwrap();
            assert!(agrees(split.yaml), "{:?}", split.yaml);
            count += 1;
        }
        assert!(count > 50);
    }

    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["nom", "services", "x_1", "true", "Null", "_k", "1a", "é"]);
        let sep = prop::sample::select(vec![":", ": ", ":  ", ":x", " :", ":\t"]);
        let fragment = prop::sample::select(vec![
            "A", "b c", "é", "12", "01", "+33", "(0)", "-1.5", "\"", "'", "#", " #", ": ", ":", "-", "- ", "[", "]",
            "{", ",", "\\", "~", "null", "&", "*", "|", ">", "!", "%", "@", "`", " ", "  ", "\u{a0}", "\u{2028}", "\r",
            "’",
        ]);
        let value = prop::collection::vec(fragment, 0..5).prop_map(|v| v.concat());
        let indent = prop::sample::select(vec!["", " ", "  ", "    "]);
        prop_oneof![
            (key, sep, value.clone()).prop_map(|(k, s, v)| format!("{k}{s}{v}")),
            (indent.clone(), value.clone()).prop_map(|(i, v)| format!("{i}- {v}")),
            (indent.clone(), value.clone()).prop_map(|(i, v)| format!("{i}-{v}")),
            (indent.clone(), value).prop_map(|(i, v)| format!("{i}{v}")),
            indent.prop_map(|i| format!("{i}# commentaire")),
            Just(String::new()),
        ]
    }

    /// Blocks close to real place files (`key: value`, or `key:` and a
    /// list), with now and then a tricky piece.
    fn plausible_block() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["nom", "services", "adresse", "latitude", "horaires"]);
        let fragment = prop::sample::select(vec![
            "Médiathèque",
            "de",
            "Pau",
            "12",
            "-0.37",
            "43.3",
            "+33 5",
            "Mo-Fr 09:00-12:00",
            "l'",
            "Médiathèque",
            "de",
            "Pau",
            "12",
            "-0.37",
            "43.3",
            "+33 5",
            "Mo-Fr 09:00-12:00",
            "l'",
            "é",
            "Œ",
            "\"",
            "'",
            " ",
            "#",
            " #",
            ": ",
            "a:b",
            "[x]",
            "null",
            "\\",
        ]);
        let text = prop::collection::vec(fragment, 1..4).prop_map(|v| v.join(" "));
        let quote = prop::sample::select(vec!["", "", "\"", "'"]);
        let value = (quote, text).prop_map(|(q, t)| format!("{q}{t}{q}"));
        let indent = prop::sample::select(vec!["  ", "  ", "  ", "  ", "    ", " ", ""]);
        let item = (prop::sample::select(vec!["", "", "", " ", "    "]), value.clone())
            .prop_map(|(extra, v)| format!("{extra}- {v}"));
        prop_oneof![
            3 => (key.clone(), value).prop_map(|(k, v)| format!("{k}: {v}")),
            1 => key.clone().prop_map(|k| format!("{k}:")),
            3 => (key, indent, prop::collection::vec(item, 1..4))
                .prop_map(|(k, i, items)| format!("{k}:\n{i}{}", items.join(&format!("\n{i}")))),
            1 => Just("# commentaire".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn generated_front_matter_is_read_like_serde_saphyr_reads_it(
            lines in prop::collection::vec(line(), 1..8)
        ) {
            agrees(&(lines.join("\n") + "\n"));
        }

        #[test]
        fn plausible_front_matter_is_read_like_serde_saphyr_reads_it(
            lines in prop::collection::vec(plausible_block(), 1..10)
        ) {
            agrees(&(lines.join("\n") + "\n"));
        }
    }

    /// The generated inputs do exercise the fast reader, not only the fallback.
    #[test]
    fn plausible_inputs_often_take_the_fast_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = prop::collection::vec(plausible_block(), 1..10);
        let taken = (0..1000)
            .filter(|_| {
                let lines = strategy.new_tree(&mut runner).unwrap().current();
                parse(&(lines.join("\n") + "\n"), 1).is_some()
            })
            .count();
        assert!(taken > 100, "{taken} of 1000");
    }
}
