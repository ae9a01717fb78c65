//! `annuaire diff`: what a change does to the places, field by field, so
//! that a reviewer sees « Médiathèque X : horaires changés de … à … »
//! without reading YAML.
//!
//! Pure functions: two lists of place files in, a [`PlaceDiff`] out, then
//! three renderings (plain text, Markdown for job summaries, JSON). Reading
//! the files at a git reference is [`crate::git`]'s job.

use crate::load::ContentFile;
use crate::schema;
use crate::validate::{self, Context};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A field's value, as compared and shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

impl Value {
    fn joined(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::List(l) => l.join(", "),
        }
    }
}

/// One place file at one side of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// `content/lieux/<id>.md`, the key places are matched by.
    pub path: String,
    /// Field name → validated value (a valid file only); absent and empty
    /// fields are left out.
    pub fields: BTreeMap<String, Value>,
    /// Field name → value as written in the file: what a file with errors
    /// is compared on, on both sides, so that a phone normalised on one side
    /// and raw on the other never shows as a change.
    pub raw: BTreeMap<String, Value>,
    /// The errors `annuaire check` reports for this file (messages with their
    /// line). A file with errors is compared on the values as written.
    pub errors: Vec<String>,
}

impl Snapshot {
    fn text(&self, field: &str) -> Option<&str> {
        let fields = if self.errors.is_empty() {
            &self.fields
        } else {
            &self.raw
        };
        match fields.get(field) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    fn id(&self) -> String {
        std::path::Path::new(&self.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn place(&self) -> PlaceRef {
        PlaceRef {
            id: self.id(),
            path: self.path.clone(),
            nom: self.text("nom").map(str::to_string).unwrap_or_else(|| self.id()),
            commune: self.text("commune").map(str::to_string),
            errors: self.errors.clone(),
        }
    }
}

/// A file that could not be read as text (too big, not UTF-8): compared as
/// an opaque file whose problem is named.
pub fn unreadable_snapshot(path: &str, problem: &str) -> Snapshot {
    Snapshot {
        path: path.to_string(),
        fields: BTreeMap::new(),
        raw: BTreeMap::new(),
        errors: vec![problem.to_string()],
    }
}

/// Reads one place file the way `check` does. Two valid versions are
/// compared on their validated values (a phone written `05 59…` or
/// `+33 5 59…` is the same phone); when either has errors, both are compared
/// on the values as written, so that a partner's broken file is still shown
/// field by field.
pub fn snapshot(file: &ContentFile, ctx: &Context<'_>) -> Snapshot {
    let path = file.path.to_string_lossy().replace('\\', "/");
    let (place, diagnostics) = validate::validate_place_file(file, ctx);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("ligne {} : {}", d.position.line, d.message))
        .collect();
    let mut fields = BTreeMap::new();
    match place {
        Some(place) if errors.is_empty() => {
            for name in schema::schema().field_names() {
                if name == "id" {
                    continue;
                }
                if let Some(list) = place.lieu.list(name) {
                    if !list.is_empty() {
                        fields.insert(name.to_string(), Value::List(list.to_vec()));
                    }
                    continue;
                }
                let text = place.lieu.export_value(name);
                if !text.is_empty() {
                    fields.insert(name.to_string(), Value::Text(text));
                }
            }
        }
        _ => {}
    }
    let raw = raw_fields(&file.text, &file.path);
    Snapshot {
        path,
        fields,
        raw,
        errors,
    }
}

/// The front matter's values as typed, and the body; or, when even the
/// front matter cannot be read, the whole file as one value.
fn raw_fields(text: &str, path: &std::path::Path) -> BTreeMap<String, Value> {
    use crate::frontmatter::{self, RawValue};
    let mut fields = BTreeMap::new();
    let parsed = frontmatter::split(text).ok().and_then(|split| {
        frontmatter::parse(split.yaml, split.yaml_first_line, path)
            .ok()
            .map(|fm| (fm, split.body))
    });
    let Some((fm, body)) = parsed else {
        fields.insert(WHOLE_FILE.to_string(), Value::Text(text.trim().to_string()));
        return fields;
    };
    for entry in fm.entries {
        if entry.key == "id" {
            continue;
        }
        let value = match entry.value {
            RawValue::Scalar(s) => Value::Text(s.trim().to_string()),
            RawValue::List(items) => Value::List(
                items
                    .into_iter()
                    .filter_map(|item| match item.value {
                        RawValue::Scalar(s) => Some(s.trim().to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            RawValue::Null | RawValue::Map(_) => continue,
        };
        if value != Value::Text(String::new()) && value != Value::List(Vec::new()) {
            fields.insert(entry.key, value);
        }
    }
    let body = body.trim();
    if !body.is_empty() {
        fields.insert("presentation_detail".to_string(), Value::Text(body.to_string()));
    }
    fields
}

/// Pseudo-field for a file whose front matter cannot be read.
const WHOLE_FILE: &str = "contenu";

/// A place, as lists of added and removed places show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceRef {
    pub id: String,
    pub path: String,
    pub nom: String,
    pub commune: Option<String>,
    /// Errors of this version of the file (empty when valid).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    /// French name of the field, for people.
    pub label: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// For lists: items that appear, and items that go.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceChange {
    #[serde(flatten)]
    pub place: PlaceRef,
    /// Errors of the version at the reference.
    pub errors_before: Vec<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceDiff {
    /// The git reference compared with the working tree.
    pub base: String,
    pub added: Vec<PlaceRef>,
    pub changed: Vec<PlaceChange>,
    pub removed: Vec<PlaceRef>,
}

impl PlaceDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares the places before (at the reference) and after (working tree),
/// matched by file path. Output is sorted by path.
pub fn compare(base: &str, before: &[Snapshot], after: &[Snapshot]) -> PlaceDiff {
    let before: BTreeMap<&str, &Snapshot> = before.iter().map(|s| (s.path.as_str(), s)).collect();
    let after: BTreeMap<&str, &Snapshot> = after.iter().map(|s| (s.path.as_str(), s)).collect();
    let mut diff = PlaceDiff {
        base: base.to_string(),
        added: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    for (path, new) in &after {
        match before.get(path) {
            None => diff.added.push(new.place()),
            Some(old) => {
                let changes = field_changes(old, new);
                // A file that gets fixed or broken without a value change
                // still matters to the reviewer.
                if !changes.is_empty() || old.errors.is_empty() != new.errors.is_empty() {
                    diff.changed.push(PlaceChange {
                        place: new.place(),
                        errors_before: old.errors.clone(),
                        changes,
                    });
                }
            }
        }
    }
    for (path, old) in &before {
        if !after.contains_key(path) {
            diff.removed.push(old.place());
        }
    }
    diff
}

fn field_changes(old: &Snapshot, new: &Snapshot) -> Vec<FieldChange> {
    let (old_fields, new_fields) = if old.errors.is_empty() && new.errors.is_empty() {
        (&old.fields, &new.fields)
    } else {
        (&old.raw, &new.raw)
    };
    // Schema order first (the order of the form partners fill), then
    // unknown keys of broken files, alphabetically.
    let mut names: Vec<String> = schema::schema()
        .field_names()
        .map(str::to_string)
        .chain(std::iter::once(WHOLE_FILE.to_string()))
        .collect();
    let mut others: Vec<&String> = old_fields
        .keys()
        .chain(new_fields.keys())
        .filter(|k| !names.contains(k))
        .collect();
    others.sort();
    others.dedup();
    names.extend(others.into_iter().cloned());
    let mut changes = Vec::new();
    for name in names {
        let before = old_fields.get(&name);
        let after = new_fields.get(&name);
        if before == after {
            continue;
        }
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        if let (Some(Value::List(b)), Some(Value::List(a))) = (before, after) {
            added = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            removed = b.iter().filter(|x| !a.contains(x)).cloned().collect();
        }
        changes.push(FieldChange {
            label: label(&name).0.to_string(),
            field: name,
            before: before.cloned(),
            after: after.cloned(),
            added,
            removed,
        });
    }
    changes
}

/// French name of a field and the ending its participle takes (« horaires
/// changés », « adresse changée »).
fn label(field: &str) -> (&str, &'static str) {
    const LABELS: &[(&str, &str, &str)] = &[
        ("pivot", "SIRET ou RNA", ""),
        ("nom", "nom", ""),
        ("commune", "commune", "e"),
        ("code_postal", "code postal", ""),
        ("code_insee", "code INSEE", ""),
        ("adresse", "adresse", "e"),
        ("complement_adresse", "complément d'adresse", ""),
        ("latitude", "latitude", "e"),
        ("longitude", "longitude", "e"),
        ("typologie", "typologie", "e"),
        ("telephone", "téléphone", ""),
        ("courriels", "courriels", "s"),
        ("site_web", "site web", ""),
        ("horaires", "horaires", "s"),
        ("presentation_resume", "présentation résumée", "e"),
        ("presentation_detail", "présentation détaillée", "e"),
        ("source", "source", "e"),
        ("itinerance", "itinérance", "e"),
        ("structure_parente", "structure parente", "e"),
        ("date_maj", "date de mise à jour", "e"),
        ("services", "services", "s"),
        (
            "publics_specifiquement_adresses",
            "publics spécifiquement adressés",
            "s",
        ),
        ("prise_en_charge_specifique", "prise en charge spécifique", "e"),
        ("frais_a_charge", "frais à charge", "s"),
        (
            "dispositif_programmes_nationaux",
            "dispositifs et programmes nationaux",
            "s",
        ),
        ("formations_labels", "formations et labels", "s"),
        ("autres_formations_labels", "autres formations et labels", "s"),
        ("modalites_acces", "modalités d'accès", "es"),
        ("modalites_accompagnement", "modalités d'accompagnement", "es"),
        ("fiche_acces_libre", "fiche Accès libre", "e"),
        ("prise_rdv", "prise de rendez-vous", "e"),
        (WHOLE_FILE, "contenu du fichier", ""),
    ];
    LABELS
        .iter()
        .find(|(name, _, _)| *name == field)
        .map(|(_, label, ending)| (*label, *ending))
        .unwrap_or((field, ""))
}

/// Longest value shown in text and Markdown; JSON keeps everything.
const SHOWN_CHARS: usize = 160;

/// One line, at most [`SHOWN_CHARS`] characters: a summary must not be
/// flooded by a long presentation.
fn shown(value: &str) -> String {
    let one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= SHOWN_CHARS {
        one_line
    } else {
        let cut: String = one_line.chars().take(SHOWN_CHARS).collect();
        format!("{}…", cut.trim_end())
    }
}

fn quoted_list(items: &[String], esc: &dyn Fn(&str) -> String) -> String {
    items
        .iter()
        .map(|i| format!("« {} »", esc(&shown(i))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentence a reviewer reads, e.g. « horaires changés de « a » à « b » ».
/// `esc` escapes values for the output format.
pub fn sentence(change: &FieldChange, esc: &dyn Fn(&str) -> String) -> String {
    let (label, ending) = label(&change.field);
    let q = |v: &Value| format!("« {} »", esc(&shown(&v.joined())));
    match (&change.before, &change.after) {
        (None, Some(after)) => format!("{label} ajouté{ending} : {}", q(after)),
        (Some(before), None) => format!("{label} retiré{ending} (c'était {})", q(before)),
        (Some(Value::List(_)), Some(Value::List(_))) => {
            let mut parts = Vec::new();
            if !change.added.is_empty() {
                parts.push(format!("ajouté {}", quoted_list(&change.added, esc)));
            }
            if !change.removed.is_empty() {
                parts.push(format!("retiré {}", quoted_list(&change.removed, esc)));
            }
            if parts.is_empty() {
                parts.push("ordre changé".to_string());
            }
            format!("{label} : {}", parts.join(" ; "))
        }
        (Some(before), Some(after)) => {
            format!("{label} changé{ending} de {} à {}", q(before), q(after))
        }
        (None, None) => format!("{label} inchangé{ending}"),
    }
}

fn plural(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n > 1 { plural } else { singular })
}

fn counts(diff: &PlaceDiff) -> String {
    format!(
        "{}, {}, {}",
        plural(diff.added.len(), "lieu ajouté", "lieux ajoutés"),
        plural(diff.changed.len(), "lieu modifié", "lieux modifiés"),
        plural(diff.removed.len(), "lieu retiré", "lieux retirés")
    )
}

fn errors_note(errors: &[String]) -> String {
    format!(
        "{} : lancez « annuaire check » pour le détail",
        plural(errors.len(), "erreur", "erreurs")
    )
}

fn place_title(p: &PlaceRef, esc: &dyn Fn(&str) -> String) -> String {
    match &p.commune {
        Some(c) => format!("{}, {}", esc(&shown(&p.nom)), esc(&shown(c))),
        None => esc(&shown(&p.nom)),
    }
}

/// Plain text, for a terminal.
pub fn render_text(diff: &PlaceDiff) -> String {
    let id = |s: &str| s.to_string();
    let mut out = String::new();
    if diff.is_empty() {
        let _ = writeln!(out, "Aucun lieu ajouté, modifié ou retiré par rapport à {}.", diff.base);
        return out;
    }
    let _ = writeln!(out, "Par rapport à {} : {}.", diff.base, counts(diff));
    if !diff.added.is_empty() {
        let _ = writeln!(out, "\nAjoutés :");
        for p in &diff.added {
            let _ = writeln!(out, "+ {} ({})", place_title(p, &id), p.path);
            if !p.errors.is_empty() {
                let _ = writeln!(out, "    ! {}", errors_note(&p.errors));
            }
        }
    }
    if !diff.changed.is_empty() {
        let _ = writeln!(out, "\nModifiés :");
        for c in &diff.changed {
            let _ = writeln!(out, "~ {} ({})", place_title(&c.place, &id), c.place.path);
            for change in &c.changes {
                let _ = writeln!(out, "    {} : {}", shown(&c.place.nom), sentence(change, &id));
            }
            if let Some(note) = validity_note(c) {
                let _ = writeln!(out, "    ! {note}");
            }
        }
    }
    if !diff.removed.is_empty() {
        let _ = writeln!(out, "\nRetirés :");
        for p in &diff.removed {
            let _ = writeln!(out, "- {} ({})", place_title(p, &id), p.path);
        }
    }
    out
}

fn validity_note(c: &PlaceChange) -> Option<String> {
    match (c.errors_before.is_empty(), c.place.errors.is_empty()) {
        (true, true) => None,
        (true, false) => Some(format!("la fiche a maintenant {}", errors_note(&c.place.errors))),
        (false, true) => Some("la fiche était invalide, elle est maintenant correcte".to_string()),
        (false, false) => Some(format!("la fiche reste invalide, {}", errors_note(&c.place.errors))),
    }
}

/// Escapes text for inline Markdown (GitHub job summaries, GitLab notes):
/// place names and values are partners' text and must not become links,
/// emphasis, tables or HTML.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '~' | '!' | '{' | '}' | '+' | '-' | '.' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown, for a pull request's job summary or a merge request note.
pub fn render_markdown(diff: &PlaceDiff) -> String {
    let esc = |s: &str| escape_markdown(s);
    let mut out = String::new();
    let _ = writeln!(out, "## Lieux modifiés par cette proposition\n");
    if diff.is_empty() {
        let _ = writeln!(
            out,
            "Aucun lieu ajouté, modifié ou retiré par rapport à {}.",
            esc(&diff.base)
        );
        return out;
    }
    let _ = writeln!(out, "Par rapport à {} : {}.", esc(&diff.base), counts(diff));
    if !diff.added.is_empty() {
        let _ = writeln!(out, "\n### Ajoutés ({})\n", diff.added.len());
        for p in &diff.added {
            let _ = writeln!(out, "- **{}** ({})", place_title(p, &esc), esc(&p.path));
            if !p.errors.is_empty() {
                let _ = writeln!(out, "  - ⚠️ {}", errors_note(&p.errors));
            }
        }
    }
    if !diff.changed.is_empty() {
        let _ = writeln!(out, "\n### Modifiés ({})\n", diff.changed.len());
        for c in &diff.changed {
            let _ = writeln!(out, "- **{}** ({})", place_title(&c.place, &esc), esc(&c.place.path));
            for change in &c.changes {
                let _ = writeln!(out, "  - {}", sentence(change, &esc));
            }
            if let Some(note) = validity_note(c) {
                let _ = writeln!(out, "  - ⚠️ {note}");
            }
        }
    }
    if !diff.removed.is_empty() {
        let _ = writeln!(out, "\n### Retirés ({})\n", diff.removed.len());
        for p in &diff.removed {
            let _ = writeln!(out, "- **{}** ({})", place_title(p, &esc), esc(&p.path));
        }
    }
    out
}

/// JSON, for tools: full values, no shortening.
pub fn render_json(diff: &PlaceDiff) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        #[serde(flatten)]
        diff: &'a PlaceDiff,
        summary: String,
    }
    #[derive(Serialize)]
    struct ChangeWithSentence<'a> {
        #[serde(flatten)]
        change: &'a FieldChange,
        sentence: String,
    }
    let plain = |s: &str| s.to_string();
    let changed: Vec<serde_json::Value> = diff
        .changed
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["changes"] = serde_json::to_value(
                c.changes
                    .iter()
                    .map(|change| ChangeWithSentence {
                        change,
                        sentence: sentence(change, &plain),
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default();
            v
        })
        .collect();
    let mut report = serde_json::to_value(Report {
        diff,
        summary: counts(diff),
    })
    .unwrap_or_default();
    report["changed"] = serde_json::Value::Array(changed);
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territories::Territories;
    use chrono::NaiveDate;
    use std::path::PathBuf;

    fn ctx_parts() -> (Vec<String>, NaiveDate) {
        (vec!["64".to_string()], NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
    }

    fn place(id: &str, extra: &str) -> ContentFile {
        ContentFile {
            path: PathBuf::from(format!("content/lieux/{id}.md")),
            text: format!(
                "---\npivot: \"21640445100012\"\nnom: Médiathèque {id}\nadresse: Place Laborde\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\nlatitude: 43.2951\nlongitude: -0.3708\ndate_maj: 2026-10-01\n{extra}---\nUn texte.\n"
            ),
        }
    }

    fn snap(file: &ContentFile) -> Snapshot {
        let (departements, today) = ctx_parts();
        let ctx = Context {
            territories: Territories::embedded(),
            departements: &departements,
            today,
            stale_months: 12,
            descriptions_under: None,
        };
        snapshot(file, &ctx)
    }

    fn plain(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn added_changed_and_removed_places_are_found_by_path() {
        let before = [
            snap(&place("a", "horaires: \"Mo-Fr 09:00-12:00\"\n")),
            snap(&place("b", "")),
        ];
        let after = [
            snap(&place("a", "horaires: \"Tu-Sa 10:00-18:00\"\n")),
            snap(&place("c", "")),
        ];
        let diff = compare("main", &before, &after);
        assert_eq!(diff.added.len(), 1);
        assert_eq!(diff.added[0].id, "c");
        assert_eq!(diff.removed[0].nom, "Médiathèque b");
        assert_eq!(diff.changed.len(), 1);
        let change = &diff.changed[0].changes[0];
        assert_eq!(change.field, "horaires");
        assert_eq!(
            sentence(change, &plain),
            "horaires changés de « Mo-Fr 09:00-12:00 » à « Tu-Sa 10:00-18:00 »"
        );
    }

    #[test]
    fn validated_values_hide_mere_rewriting() {
        // The same phone written two ways is no change.
        let before = [snap(&place("a", "telephone: 05 59 27 15 72\n"))];
        let after = [snap(&place("a", "telephone: \"+33559271572\"\n"))];
        assert!(compare("main", &before, &after).is_empty());
    }

    #[test]
    fn list_changes_name_items_added_and_removed() {
        let before = [snap(&place(
            "a",
            "services:\n  - Aide aux démarches administratives\n  - Accès internet et matériel informatique\n",
        ))];
        let after = [snap(&place(
            "a",
            "services:\n  - Aide aux démarches administratives\n  - Maîtrise des outils numériques du quotidien\n",
        ))];
        let diff = compare("main", &before, &after);
        let change = &diff.changed[0].changes[0];
        assert_eq!(
            sentence(change, &plain),
            "services : ajouté « Maîtrise des outils numériques du quotidien » ; retiré « Accès internet et matériel informatique »"
        );
        let added = [snap(&place("a", "courriels: [a@exemple.fr]\n"))];
        let diff = compare("main", &after, &added);
        let sentences: Vec<String> = diff.changed[0].changes.iter().map(|c| sentence(c, &plain)).collect();
        assert_eq!(
            sentences,
            [
                "courriels ajoutés : « a@exemple.fr »",
                "services retirés (c'était « Aide aux démarches administratives, Maîtrise des outils numériques du quotidien »)"
            ]
        );
    }

    #[test]
    fn an_invalid_file_is_compared_on_its_values_as_written() {
        let before = [snap(&place("a", "telephone: 05 59 27 15 72\n"))];
        let broken = snap(&place("a", "telephone: 05 59\nservices:\n  - Aide aux demarches\n"));
        assert!(!broken.errors.is_empty());
        let diff = compare("main", &before, std::slice::from_ref(&broken));
        let c = &diff.changed[0];
        let fields: Vec<&str> = c.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["telephone", "services"]);
        // Both sides as written, not « +33559271572 » against « 05 59 ».
        assert_eq!(
            sentence(&c.changes[0], &plain),
            "téléphone changé de « 05 59 27 15 72 » à « 05 59 »"
        );
        assert_eq!(
            validity_note(c).unwrap(),
            format!(
                "la fiche a maintenant {} erreurs : lancez « annuaire check » pour le détail",
                broken.errors.len()
            )
        );
        // Not even YAML: the whole file is the value.
        let garbage = ContentFile {
            path: PathBuf::from("content/lieux/a.md"),
            text: "pas d'en-tête".to_string(),
        };
        let diff = compare("main", &before, &[snap(&garbage)]);
        let whole = diff.changed[0].changes.iter().find(|c| c.field == WHOLE_FILE).unwrap();
        assert_eq!(whole.after, Some(Value::Text("pas d'en-tête".into())));
        assert_eq!(diff.changed[0].place.nom, "a", "no name: the id stands for it");
    }

    #[test]
    fn fixing_a_file_without_changing_values_is_still_reported() {
        let mut broken = snap(&place("a", ""));
        broken.errors.push("ligne 1 : exemple".into());
        let fixed = snap(&place("a", ""));
        let diff = compare("main", &[broken], &[fixed]);
        assert_eq!(diff.changed.len(), 1);
        assert!(diff.changed[0].changes.is_empty());
        assert_eq!(
            validity_note(&diff.changed[0]).unwrap(),
            "la fiche était invalide, elle est maintenant correcte"
        );
    }

    #[test]
    fn long_values_are_shortened_on_one_line() {
        let long = format!("{}\n\nsuite", "mot ".repeat(100));
        let s = shown(&long);
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().count(), SHOWN_CHARS);
        assert!(!s.contains('\n'));
    }

    #[test]
    fn markdown_escapes_partner_text() {
        assert_eq!(
            escape_markdown("[x](https://a.b) *y* <img> | `z`"),
            "\\[x\\]\\(https://a\\.b\\) \\*y\\* &lt;img&gt; \\| \\`z\\`"
        );
        let before = [snap(&place("a", ""))];
        let mut after = snap(&place("a", ""));
        after.fields.insert("nom".into(), Value::Text("<script>**X**".into()));
        after.raw.insert("nom".into(), Value::Text("<script>**X**".into()));
        let md = render_markdown(&compare("main", &before, &[after]));
        assert!(md.contains("**&lt;script&gt;\\*\\*X\\*\\*, Pau**"), "{md}");
        assert!(!md.contains("<script>"), "{md}");
    }

    #[test]
    fn empty_diff_says_so() {
        let diff = compare("origin/main", &[], &[]);
        assert_eq!(
            render_text(&diff),
            "Aucun lieu ajouté, modifié ou retiré par rapport à origin/main.\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&diff)).unwrap();
        assert_eq!(json["added"], serde_json::json!([]));
        assert_eq!(json["base"], "origin/main");
    }
}
