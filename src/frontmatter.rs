//! Splitting a content file into YAML front matter and Markdown body, and
//! reading the front matter into spanned raw values.
//!
//! The front matter is read into [`RawEntry`]s rather than straight into the
//! place model: validation then sees every key (known or not) with its
//! position, and can report all problems of a file at once. Scalars are kept
//! as the exact text the partner typed, so `code_postal: 01000` keeps its
//! zero and `telephone: +33559…` keeps its plus sign.

use crate::diagnostics::{Diagnostic, Position};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;

mod simple;

/// A content file cut in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitFile<'a> {
    pub yaml: &'a str,
    /// Line (1-based) of the first YAML line in the file.
    pub yaml_first_line: u32,
    pub body: &'a str,
    /// Line (1-based) of the first body line in the file.
    pub body_first_line: u32,
}

/// Cuts `---\n<yaml>\n---\n<markdown>`. A BOM is accepted.
pub fn split(text: &str) -> Result<SplitFile<'_>, (Position, String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = crate::text::split_lines(text);
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((
            Position::new(1, 1),
            "le fichier doit commencer par une ligne « --- » (début de l'en-tête YAML)".to_string(),
            "la première ligne du fichier doit être exactement « --- », suivie des champs du lieu, puis d'une autre ligne « --- »"
                .to_string(),
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut line_no = 1u32;
    for line in lines {
        line_no += 1;
        if line.trim_end() == "---" {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + line.len()..];
            return Ok(SplitFile {
                yaml,
                yaml_first_line: 2,
                body,
                body_first_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err((
        Position::new(line_no.max(1), 1),
        "l'en-tête YAML n'est jamais fermé".to_string(),
        "ajoutez une ligne « --- » après le dernier champ, avant la description".to_string(),
    ))
}

/// A scalar or list value as written, with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Null,
    Scalar(String),
    /// A list; each item carries its own position.
    List(Vec<RawItem>),
    /// A nested mapping (the site configuration has some; a place file never).
    Map(Vec<RawEntry>),
}

/// One item of a list, where it was written (line counted from the
/// first YAML line; see [`list_item_position`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RawItem {
    pub value: RawValue,
    pub line: u32,
    pub column: u32,
}

/// A `key: value` line of the front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    pub key: String,
    pub key_position: Position,
    pub value: RawValue,
    pub value_position: Position,
    /// The scalar was written between quotes: its text starts one column later.
    pub quoted: bool,
}

/// The front matter of a file, in the order written.
#[derive(Debug, Clone, Default)]
pub struct RawFrontMatter {
    pub entries: Vec<RawEntry>,
}

impl RawFrontMatter {
    pub fn get(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Limits that bound parsing time and memory on hostile input.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 16;
    budget.max_anchors = 0;
    budget.max_aliases = 0;
    budget.max_nodes = 20_000;
    budget.max_total_scalar_bytes = 1024 * 1024;
    serde_saphyr::options! {
        // We detect duplicates ourselves, to name both lines.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        // `oui`/`yes`/`on` must stay text.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        budget: Some(budget),
    }
}

/// Reads YAML front matter. `first_line` is the file line of the YAML's first line.
pub fn parse(yaml: &str, first_line: u32, file: &Path) -> Result<RawFrontMatter, Diagnostic> {
    if yaml.trim().is_empty() {
        return Ok(RawFrontMatter::default());
    }
    if let Some(d) = check_tabs_and_quotes(yaml, first_line, file) {
        return Err(d);
    }
    if let Some(entries) = simple::parse(yaml, first_line - 1) {
        return Ok(RawFrontMatter { entries });
    }
    full_parse(yaml, first_line, file)
}

/// Reads front matter with serde-saphyr: any YAML, and its errors.
fn full_parse(yaml: &str, first_line: u32, file: &Path) -> Result<RawFrontMatter, Diagnostic> {
    let doc = match parse_document(yaml) {
        Ok(doc) => doc,
        Err(err) => return Err(yaml_error(&err, yaml, first_line, file)),
    };
    Ok(RawFrontMatter {
        entries: raw_entries(doc.0, yaml, first_line - 1),
    })
}

type SpannedPairs = Vec<(Spanned<String>, Spanned<ParsedValue>)>;

fn raw_entries(pairs: SpannedPairs, yaml: &str, shift: u32) -> Vec<RawEntry> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            let quoted = v
                .referenced
                .span()
                .byte_offset()
                .and_then(|o| yaml.as_bytes().get(o as usize))
                .is_some_and(|b| matches!(b, b'"' | b'\''));
            let value = match v.value {
                ParsedValue::Map(pairs) => RawValue::Map(raw_entries(pairs, yaml, shift)),
                other => restore_scalars(other, yaml),
            };
            RawEntry {
                key: k.value,
                key_position: position(&k.referenced, shift),
                value,
                value_position: position(&v.referenced, shift),
                quoted,
            }
        })
        .collect()
}

fn position(loc: &serde_saphyr::Location, shift: u32) -> Position {
    Position::new(loc.line() as u32 + shift, loc.column() as u32)
}

/// Shifts the positions inside lists to file lines.
pub fn list_item_position(item: &RawItem, first_line: u32) -> Position {
    Position::new(item.line + first_line - 1, item.column)
}

/// Numbers and booleans are read back from the source text, exactly as typed.
fn restore_scalars(value: ParsedValue, source: &str) -> RawValue {
    match value {
        ParsedValue::Null => RawValue::Null,
        ParsedValue::Str(s) => RawValue::Scalar(s),
        ParsedValue::Typed(fallback, span) => RawValue::Scalar(
            span.and_then(|(start, len)| source.get(start..start + len))
                .map(str::to_string)
                .unwrap_or(fallback),
        ),
        ParsedValue::Seq(items) => RawValue::List(
            items
                .into_iter()
                .map(|item| RawItem {
                    value: restore_scalars(item.value, source),
                    line: item.referenced.line() as u32,
                    column: item.referenced.column() as u32,
                })
                .collect(),
        ),
        // Nested maps inside lists are never valid anywhere: kept empty, to be reported.
        ParsedValue::Map(_) => RawValue::Map(Vec::new()),
    }
}

/// Tabs in indentation and typographic quotes around values are common
/// mistakes when partners copy from a word processor; YAML's own errors about
/// them are cryptic, so we catch them first.
fn check_tabs_and_quotes(yaml: &str, first_line: u32, file: &Path) -> Option<Diagnostic> {
    // A tab, or the first byte in UTF-8 of each of these quotes (0xE2 or
    // 0xC2): most front matter has none, and is spared reading line by line.
    memchr::memchr3(b'\t', 0xE2, 0xC2, yaml.as_bytes())?;
    // `yaml.lines()`, with the faster line search.
    let lines = crate::text::split_lines(yaml).map(|l| {
        let l = l.strip_suffix('\n').unwrap_or(l);
        l.strip_suffix('\r').unwrap_or(l)
    });
    for (i, line) in lines.enumerate() {
        let line_no = first_line + i as u32;
        let indent = line.bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if let Some(col) = line.as_bytes()[..indent].iter().position(|&b| b == b'\t') {
            return Some(
                Diagnostic::error(
                    file,
                    Position::new(line_no, col as u32 + 1),
                    "yaml-tabulation",
                    "une tabulation sert d'indentation, ce que le YAML interdit",
                )
                .with_hint("remplacez la tabulation par des espaces (deux espaces par niveau)"),
            );
        }
        if memchr::memchr2(0xE2, 0xC2, line.as_bytes()).is_none() {
            continue;
        }
        if let Some((offset, value)) = value_start(line)
            && matches!(value.chars().next(), Some('“' | '”' | '‘' | '’' | '«'))
        {
            return Some(
                Diagnostic::error(
                    file,
                    Position::new(line_no, line[..offset].chars().count() as u32 + 1),
                    "yaml-guillemets",
                    "la valeur commence par un guillemet typographique",
                )
                .with_hint("utilisez des guillemets droits \" ou retirez-les : nom: \"Médiathèque\""),
            );
        }
    }
    None
}

/// Byte offset and text of the value after `key:` or `- `.
fn value_start(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let rest = match trimmed.strip_prefix("- ") {
        Some(rest) => rest,
        None => {
            let colon = trimmed.find(": ")?;
            if trimmed[..colon].contains(['"', '\'', '#']) {
                return None;
            }
            &trimmed[colon + 2..]
        }
    };
    let value = rest.trim_start();
    Some((line.len() - value.len(), value))
}

fn yaml_error(err: &serde_saphyr::Error, yaml: &str, first_line: u32, file: &Path) -> Diagnostic {
    let (line, column) = match err.location() {
        Some(loc) if loc.line() > 0 => (loc.line() as u32 + first_line - 1, loc.column().max(1) as u32),
        _ => (first_line, 1),
    };
    let raw = err.without_snippet().to_string();
    let (message, hint) = match err.without_snippet() {
        serde_saphyr::Error::Budget { breach, .. } => french_budget_message(breach),
        _ => french_yaml_message(&raw, yaml),
    };
    Diagnostic::error(file, Position::new(line, column), "yaml", message).with_hint(hint)
}

fn french_budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> (String, String) {
    use serde_saphyr::budget::BudgetBreach;
    match breach {
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => (
            "l'en-tête utilise des ancres ou des alias YAML (& et *), qui ne sont pas permis".to_string(),
            "écrivez chaque valeur en toutes lettres, sans & ni *".to_string(),
        ),
        BudgetBreach::Depth { .. } => (
            "l'en-tête est imbriqué trop profondément".to_string(),
            "une fiche n'a que des champs simples et des listes d'un seul niveau".to_string(),
        ),
        _ => (
            "l'en-tête est trop grand".to_string(),
            "une fiche tient en une trentaine de lignes d'en-tête".to_string(),
        ),
    }
}

/// serde-saphyr speaks English; partners read French. We translate the
/// families of errors they meet and keep the original text for the rest.
fn french_yaml_message(raw: &str, _yaml: &str) -> (String, String) {
    let lower = raw.to_lowercase();
    let plain = raw.lines().next().unwrap_or(raw).trim();
    if lower.contains("budget") || lower.contains("alias") || lower.contains("anchor") {
        return (
            "l'en-tête utilise des ancres ou alias YAML (& et *), ou il est trop imbriqué".to_string(),
            "écrivez chaque valeur en toutes lettres, sans & ni *".to_string(),
        );
    }
    if lower.contains("expected a map") || lower.contains("expected map") || lower.contains("invalid type") {
        return (
            "l'en-tête doit être une liste de champs « nom: valeur »".to_string(),
            "chaque ligne de l'en-tête commence par un nom de champ suivi de deux-points, par exemple « nom: Médiathèque »"
                .to_string(),
        );
    }
    if lower.contains("mapping values are not allowed") || lower.contains("mapping value") {
        return (
            "deux-points inattendus dans une valeur".to_string(),
            "mettez la valeur entre guillemets droits si elle contient « : », par exemple horaires: \"Mo-Fr 09:00-12:00\""
                .to_string(),
        );
    }
    if lower.contains("did not find expected") || lower.contains("indent") {
        return (
            format!("YAML mal formé : {plain}"),
            "vérifiez l'indentation (des espaces, alignés) et que chaque élément de liste commence par « - »"
                .to_string(),
        );
    }
    (
        format!("YAML illisible : {plain}"),
        "comparez avec un fichier qui fonctionne, ou créez-en un avec « annuaire new lieu »".to_string(),
    )
}

// ---- serde plumbing -------------------------------------------------------

struct Document(SpannedPairs);

/// What the deserializer saw. Typed scalars keep their byte span so that
/// their source text can be restored.
#[derive(Debug)]
enum ParsedValue {
    Null,
    Str(String),
    Typed(String, Option<(usize, usize)>),
    Seq(Vec<Spanned<ParsedValue>>),
    Map(SpannedPairs),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<ParsedValue>>()?;
                    entries.push((key, value));
                }
                Ok(Document(entries))
            }
        }
        d.deserialize_map(DocumentVisitor)
    }
}

impl<'de> Deserialize<'de> for ParsedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = ParsedValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_str<E>(self, v: &str) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Str(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_i128<E>(self, v: i128) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_u128<E>(self, v: u128) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Typed(v.to_string(), None))
            }
            fn visit_unit<E>(self) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Null)
            }
            fn visit_none<E>(self) -> Result<ParsedValue, E> {
                Ok(ParsedValue::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<ParsedValue, D2::Error> {
                ParsedValue::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ParsedValue, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<ParsedValue>>()? {
                    items.push(item);
                }
                Ok(ParsedValue::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParsedValue, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    pairs.push((key, map.next_value::<Spanned<ParsedValue>>()?));
                }
                Ok(ParsedValue::Map(pairs))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

/// Attaches byte spans to typed scalars once the wrapper `Spanned` is known.
impl ParsedValue {
    fn with_span(self, loc: &serde_saphyr::Location) -> Self {
        match self {
            ParsedValue::Typed(s, None) => {
                let span = loc.span();
                let range = span
                    .byte_offset()
                    .zip(span.byte_len())
                    .map(|(o, l)| (o as usize, l as usize));
                ParsedValue::Typed(s, range)
            }
            ParsedValue::Seq(items) => ParsedValue::Seq(
                items
                    .into_iter()
                    .map(|i| Spanned {
                        value: i.value.with_span(&i.referenced),
                        referenced: i.referenced,
                        defined: i.defined,
                    })
                    .collect(),
            ),
            ParsedValue::Map(pairs) => ParsedValue::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let value = v.value.with_span(&v.referenced);
                        (
                            k,
                            Spanned {
                                value,
                                referenced: v.referenced,
                                defined: v.defined,
                            },
                        )
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

impl Document {
    fn attach_spans(self) -> Self {
        Document(
            self.0
                .into_iter()
                .map(|(k, v)| {
                    let value = v.value.with_span(&v.referenced);
                    (
                        k,
                        Spanned {
                            value,
                            referenced: v.referenced,
                            defined: v.defined,
                        },
                    )
                })
                .collect(),
        )
    }
}

/// Parses and restores spans in one call (kept separate from `parse` for tests).
fn parse_document(yaml: &str) -> Result<Document, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<Document>(yaml, options()).map(Document::attach_spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(yaml: &str) -> Vec<RawEntry> {
        parse(yaml, 2, Path::new("f.md")).unwrap().entries
    }

    #[test]
    fn split_finds_front_matter_and_body_lines() {
        let s = split("---\nnom: A\n---\nTexte\n").unwrap();
        assert_eq!(s.yaml, "nom: A\n");
        assert_eq!(s.body, "Texte\n");
        assert_eq!(s.body_first_line, 4);
        assert!(split("nom: A\n").is_err());
        assert!(split("---\nnom: A\n").is_err());
        assert!(split("\u{feff}---\nnom: A\n---\n").is_ok());
    }

    #[test]
    fn scalars_keep_their_exact_text() {
        let e = entries(
            "code_postal: 01000\ntelephone: +33559805884\nhoraires: 14:30\nitinerance: yes\nlatitude: 43.370\n",
        );
        let texts: Vec<_> = e
            .iter()
            .map(|e| match &e.value {
                RawValue::Scalar(s) => s.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["01000", "+33559805884", "14:30", "yes", "43.370"]);
    }

    #[test]
    fn positions_are_file_lines() {
        let e = entries("nom: A\nservices:\n  - Un\n  - 12\n");
        assert_eq!(e[0].key_position, Position::new(2, 1));
        assert_eq!(e[0].value_position, Position::new(2, 6));
        let RawValue::List(items) = &e[1].value else { panic!() };
        assert_eq!(list_item_position(&items[1], 2), Position::new(5, 5));
        assert_eq!(items[1].value, RawValue::Scalar("12".into()));
    }

    #[test]
    fn duplicates_are_kept_for_validation() {
        let e = entries("nom: A\nnom: B\n");
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn aliases_are_rejected() {
        let err = parse("a: &x foo\nb: *x\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!(err.code, "yaml");
    }

    #[test]
    fn tabs_and_curly_quotes_are_explained() {
        let err = parse("services:\n\t- Un\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!((err.code, err.position), ("yaml-tabulation", Position::new(3, 1)));
        let err = parse("nom: “Médiathèque”\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!((err.code, err.position), ("yaml-guillemets", Position::new(2, 6)));
        // Columns count characters, not bytes, before the quote.
        let err = parse("services:\n  -   ‘Un’\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!((err.code, err.position), ("yaml-guillemets", Position::new(3, 7)));
        let err = parse("nom: A\nclé: « valeur »\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!((err.code, err.position), ("yaml-guillemets", Position::new(3, 6)));
        // A quote inside the value, or a key-like text within quotes, is not this mistake.
        assert!(check_tabs_and_quotes("nom: Médiathèque “Centre”\n", 2, Path::new("f.md")).is_none());
        assert!(check_tabs_and_quotes("\"a: b\": ’x’\n", 2, Path::new("f.md")).is_none());
    }

    #[test]
    fn broken_yaml_has_a_position() {
        let err = parse("nom: A\nservices: [un\n", 2, Path::new("f.md")).unwrap_err();
        assert_eq!(err.code, "yaml");
        assert!(err.position.line >= 3, "{err:?}");
    }
}
