//! `annuaire import`: places from the national standard (v1 CSV or JSON) or
//! its legacy v0.1, into one `content/lieux/<id>.md` per place.
//!
//! Every row goes through the same validation as a partner's file. What
//! validation rejects in an optional field is removed from the place and
//! kept in a comment of its file, and reported: nothing is dropped silently.
//! A row that still fails (a required field missing or wrong) is skipped,
//! with the reason.

use crate::diagnostics::{Diagnostic, Position};
use crate::error::Error;
use crate::legacy::{self, Target};
use crate::load::PLACES_DIR;
use crate::model::Lieu;
use crate::schema::{self, Shape};
use crate::territories::Territories;
use crate::text;
use crate::validate::{self, Context, InputField, InputValue, Origin};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    V1Csv,
    V1Json,
    LegacyCsv,
    LegacyJson,
}

impl SourceFormat {
    pub fn label_fr(self) -> &'static str {
        match self {
            SourceFormat::V1Csv => "CSV au standard national v1",
            SourceFormat::V1Json => "JSON au standard national v1",
            SourceFormat::LegacyCsv => "CSV à l'ancien standard v0.1",
            SourceFormat::LegacyJson => "JSON à l'ancien standard v0.1",
        }
    }

    fn is_legacy(self) -> bool {
        matches!(self, SourceFormat::LegacyCsv | SourceFormat::LegacyJson)
    }

    fn is_json(self) -> bool {
        matches!(self, SourceFormat::V1Json | SourceFormat::LegacyJson)
    }
}

/// A value as the source file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceValue {
    Text(String),
    List(Vec<String>),
}

/// One place of the source file.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// CSV line, or JSON element number (1-based).
    pub number: usize,
    pub fields: Vec<(String, SourceValue)>,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub root: PathBuf,
    pub input: PathBuf,
    /// Keep only the places of these départements; empty: the site's.
    pub departements: Vec<String>,
    pub dry_run: bool,
    pub force: bool,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// The file in `content/` is newer than the imported row: left as it is.
    KeptLocalEdit,
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub format: Option<SourceFormat>,
    pub rows: usize,
    /// (row label, file written, outcome), in id order.
    pub written: Vec<(String, PathBuf, Outcome)>,
    /// (row label, reason).
    pub skipped: Vec<(String, String)>,
    /// Rows outside the requested départements.
    pub filtered_out: usize,
    /// (row label, file, what needs a human look).
    pub review: Vec<(String, PathBuf, String)>,
}

impl ImportReport {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.written.iter().filter(|(_, _, o)| *o == outcome).count()
    }

    /// Whether at least one valid place came out of the file.
    pub fn imported_anything(&self) -> bool {
        !self.written.is_empty()
    }

    /// The French report printed at the end of an import.
    pub fn render(&self, dry_run: bool) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        if let Some(format) = self.format {
            let _ = writeln!(out, "Format reconnu : {}.", format.label_fr());
        }
        let verb = if dry_run { " (rien n'est écrit)" } else { "" };
        let _ = writeln!(
            out,
            "{} ligne{} lue{} : {} fiche{} valide{}{verb} ({} nouvelle{}, {} mise{} à jour, {} inchangée{}), {} conservée{} car modifiée{} depuis, {} ignorée{}, {} hors des départements demandés.",
            self.rows,
            plural(self.rows),
            plural(self.rows),
            self.written.len() - self.count(Outcome::KeptLocalEdit),
            plural(self.written.len() - self.count(Outcome::KeptLocalEdit)),
            plural(self.written.len() - self.count(Outcome::KeptLocalEdit)),
            self.count(Outcome::Created),
            plural(self.count(Outcome::Created)),
            self.count(Outcome::Updated),
            plural(self.count(Outcome::Updated)),
            self.count(Outcome::Unchanged),
            plural(self.count(Outcome::Unchanged)),
            self.count(Outcome::KeptLocalEdit),
            plural(self.count(Outcome::KeptLocalEdit)),
            plural(self.count(Outcome::KeptLocalEdit)),
            self.skipped.len(),
            plural(self.skipped.len()),
            self.filtered_out,
        );
        for (label, file, outcome) in &self.written {
            if *outcome == Outcome::KeptLocalEdit {
                let _ = writeln!(
                    out,
                    "  conservée : {label} → {} est plus récente que la source (--force pour la remplacer)",
                    file.display()
                );
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "Lignes ignorées :");
            for (label, reason) in &self.skipped {
                let _ = writeln!(out, "  {label} : {reason}");
            }
        }
        if !self.review.is_empty() {
            let _ = writeln!(out, "À vérifier par une personne :");
            for (label, file, what) in &self.review {
                let _ = writeln!(out, "  {label} → {} : {what}", file.display());
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// Columns whose presence marks the legacy v0.1 schema.
const LEGACY_MARKERS: &[&str] = &[
    "publics_accueillis",
    "conditions_acces",
    "labels_nationaux",
    "labels_autres",
    "courriel",
    "cle_ban",
    "accessibilite",
];
/// Columns that only v1 has.
const V1_MARKERS: &[&str] = &[
    "courriels",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "modalites_acces",
    "itinerance",
];

/// Reads and recognises a source file.
pub fn read_source(path: &Path) -> Result<(SourceFormat, Vec<SourceRow>), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::io(
            path,
            std::io::Error::other("le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8 et recommencez"),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let is_json = text.trim_start().starts_with('[');
    let rows = if is_json {
        read_json(text, path)?
    } else {
        read_csv(text, path)?
    };
    let keys: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.fields.iter().map(|(k, _)| k.as_str()))
        .collect();
    if !keys.contains(&"nom") {
        return Err(Error::io(
            path,
            std::io::Error::other(
                "format non reconnu : aucune colonne « nom » ; attendu un CSV ou un JSON au standard national",
            ),
        ));
    }
    let legacy = keys.iter().any(|k| LEGACY_MARKERS.contains(k)) && !keys.iter().any(|k| V1_MARKERS.contains(k));
    let format = match (is_json, legacy) {
        (false, false) => SourceFormat::V1Csv,
        (true, false) => SourceFormat::V1Json,
        (false, true) => SourceFormat::LegacyCsv,
        (true, true) => SourceFormat::LegacyJson,
    };
    Ok((format, rows))
}

fn read_csv(text: &str, path: &Path) -> Result<Vec<SourceRow>, Error> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::io(path, std::io::Error::other(format!("en-tête CSV illisible : {e}"))))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::io(path, std::io::Error::other(format!("CSV illisible : {e}"))))?;
        let number = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let fields = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), SourceValue::Text(v.to_string())))
            .collect();
        rows.push(SourceRow { number, fields });
    }
    Ok(rows)
}

fn read_json(text: &str, path: &Path) -> Result<Vec<SourceRow>, Error> {
    let items: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text).map_err(|e| {
        Error::io(
            path,
            std::io::Error::other(format!(
                "JSON illisible ligne {} colonne {} : attendu un tableau d'objets",
                e.line(),
                e.column()
            )),
        )
    })?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, object)| SourceRow {
            number: i + 1,
            fields: object
                .into_iter()
                .filter_map(|(k, v)| json_value(v).map(|v| (k, v)))
                .collect(),
        })
        .collect())
}

fn json_value(v: serde_json::Value) -> Option<SourceValue> {
    use serde_json::Value;
    match v {
        Value::Null => None,
        Value::String(s) => Some(SourceValue::Text(s)),
        Value::Number(n) => Some(SourceValue::Text(n.to_string())),
        Value::Bool(b) => Some(SourceValue::Text(b.to_string())),
        Value::Array(items) => Some(SourceValue::List(
            items
                .into_iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .collect(),
        )),
        Value::Object(_) => Some(SourceValue::Text(v.to_string())),
    }
}

/// A row turned into v1 fields, with what import had to set aside.
struct PreparedRow {
    number: usize,
    /// v1 field → value, in the schema's terms.
    fields: BTreeMap<String, SourceValue>,
    /// Kept in the file's comments and reported.
    notes: Vec<String>,
    /// Reported, not written (normalisations worth a look).
    review: Vec<String>,
    original_id: Option<String>,
}

fn split_list(value: &SourceValue, separator: char) -> Vec<String> {
    match value {
        SourceValue::List(items) => items
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        SourceValue::Text(s) => s
            .split(separator)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn prepare_row(row: &SourceRow, format: SourceFormat) -> PreparedRow {
    let schema = schema::schema();
    let separator = if format.is_legacy() { ';' } else { '|' };
    let mut prepared = PreparedRow {
        number: row.number,
        fields: BTreeMap::new(),
        notes: Vec::new(),
        review: Vec::new(),
        original_id: None,
    };
    let add_to_list = |fields: &mut BTreeMap<String, SourceValue>, field: &str, value: String| {
        let entry = fields
            .entry(field.to_string())
            .or_insert_with(|| SourceValue::List(Vec::new()));
        if let SourceValue::List(items) = entry
            && !items.contains(&value)
        {
            items.push(value);
        }
    };
    for (key, value) in &row.fields {
        let is_empty = match value {
            SourceValue::Text(s) => s.trim().is_empty(),
            SourceValue::List(items) => items.iter().all(|s| s.trim().is_empty()),
        };
        if is_empty {
            continue;
        }
        if key == "id" {
            if let SourceValue::Text(s) = value {
                prepared.original_id = Some(s.trim().to_string());
            }
            continue;
        }
        if format.is_legacy() {
            if legacy::DROPPED_FIELDS.contains(&key.as_str()) {
                prepared.notes.push(format!(
                    "{key} (ancien standard, sans équivalent v1) : {}",
                    display(value)
                ));
                continue;
            }
            if legacy::table(key).is_some() {
                for item in split_list(value, separator) {
                    match legacy::map_value(key, &item) {
                        Some(Target::Value(field, v1)) => add_to_list(&mut prepared.fields, field, v1.to_string()),
                        Some(Target::OtherLabel(label)) => {
                            add_to_list(&mut prepared.fields, "autres_formations_labels", label.to_string());
                            prepared.review.push(format!(
                                "{key} « {item} » sans équivalent v1 : gardé dans autres_formations_labels"
                            ));
                        }
                        Some(Target::Note) | None => {
                            let why = if legacy::map_value(key, &item).is_some() {
                                "sans équivalent v1"
                            } else {
                                "valeur inconnue"
                            };
                            prepared.notes.push(format!("{key} ({why}) : {item}"));
                        }
                    }
                }
                continue;
            }
            if let Some((_, v1)) = legacy::RENAMED_FIELDS.iter().find(|(old, _)| old == key) {
                if schema.field(v1).is_some_and(|f| f.shape == Shape::List) {
                    for item in split_list(value, separator) {
                        add_to_list(&mut prepared.fields, v1, item);
                    }
                } else {
                    prepared.fields.insert(v1.to_string(), value.clone());
                }
                continue;
            }
        }
        match schema.field(key) {
            Some(field) if field.shape == Shape::List => {
                let items = split_list(value, separator);
                for item in items {
                    add_to_list(&mut prepared.fields, key, item);
                }
            }
            Some(_) => {
                let text = match value {
                    SourceValue::Text(s) => s.replace("\r\n", "\n"),
                    SourceValue::List(items) => items.join(" | "),
                };
                prepared.fields.insert(key.clone(), SourceValue::Text(text));
            }
            None => prepared
                .notes
                .push(format!("colonne inconnue « {key} » : {}", display(value))),
        }
    }
    repair_lists(&mut prepared);
    shorten_summary(&mut prepared);
    prepared
}

fn display(value: &SourceValue) -> String {
    match value {
        SourceValue::Text(s) => s.clone(),
        SourceValue::List(items) => items.join(" | "),
    }
}

/// List values validation would reject are corrected when the intent is
/// certain (accents or case in a vocabulary value, a web address without
/// `https://`), and otherwise set aside in a note.
fn repair_lists(prepared: &mut PreparedRow) {
    let schema = schema::schema();
    let mut notes = Vec::new();
    let mut review = Vec::new();
    for (name, value) in prepared.fields.iter_mut() {
        let SourceValue::List(items) = value else { continue };
        let Some(field) = schema.field(name) else { continue };
        let mut kept = Vec::new();
        for item in items.drain(..) {
            let repaired = if let Some(vocabulary) = field.vocabulary {
                if vocabulary.contains(&item)
                    || (name == "formations_labels" && item == schema::ETAPES_NUMERIQUES_SCHEMA)
                {
                    Some(item.clone())
                } else {
                    let folded = text::fold(&item);
                    let found = vocabulary
                        .values
                        .iter()
                        .find(|v| text::fold(&v.value) == folded)
                        .map(|v| v.value.clone());
                    if let Some(found) = &found {
                        review.push(format!("{name} « {item} » corrigé en « {found} »"));
                    }
                    found
                }
            } else if name == "site_web" && !text::is_web_url(&item) && item.starts_with("www.") {
                let fixed = format!("https://{item}");
                text::is_web_url(&fixed).then(|| {
                    review.push(format!("site_web « {item} » complété en « {fixed} »"));
                    fixed
                })
            } else if name == "site_web" && !text::is_web_url(&item) {
                None
            } else if name == "courriels" && !text::is_plausible_email(&item) {
                // Stray punctuation around an address is a copy-paste accident.
                let trimmed =
                    item.trim_matches(|c: char| c.is_whitespace() || matches!(c, ':' | ';' | ',' | '<' | '>' | '"'));
                (trimmed != item && text::is_plausible_email(trimmed)).then(|| {
                    review.push(format!("courriel « {item} » corrigé en « {trimmed} »"));
                    trimmed.to_string()
                })
            } else {
                Some(item.clone())
            };
            match repaired {
                Some(v) if !kept.contains(&v) => kept.push(v),
                Some(_) => {}
                None => notes.push(format!("{name} (valeur non reconnue) : {item}")),
            }
        }
        *items = kept;
    }
    prepared
        .fields
        .retain(|_, v| !matches!(v, SourceValue::List(items) if items.is_empty()));
    prepared.notes.extend(notes);
    prepared.review.extend(review);
}

/// v0.1 allowed 500 characters of summary, v1 allows 280: the full text moves
/// to the detailed presentation and the summary is cut at a word.
fn shorten_summary(prepared: &mut PreparedRow) {
    let max = schema::schema()
        .field("presentation_resume")
        .and_then(|f| f.max_length)
        .unwrap_or(280);
    let Some(SourceValue::Text(summary)) = prepared.fields.get("presentation_resume").cloned() else {
        return;
    };
    if summary.chars().count() <= max {
        return;
    }
    let cut: String = summary.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(cut);
    let short = format!("{}…", cut.trim_end());
    let detail = match prepared.fields.get("presentation_detail") {
        Some(SourceValue::Text(d)) if d.contains(summary.trim()) => d.clone(),
        Some(SourceValue::Text(d)) => format!("{}\n\n{}", summary.trim(), d),
        _ => summary.trim().to_string(),
    };
    prepared
        .fields
        .insert("presentation_resume".into(), SourceValue::Text(short));
    prepared
        .fields
        .insert("presentation_detail".into(), SourceValue::Text(detail));
    prepared.review.push(format!(
        "presentation_resume de plus de {max} caractères : raccourci, texte complet dans la présentation"
    ));
}

/// The département of a row, from its INSEE code or else its postcode.
fn row_departement(fields: &BTreeMap<String, SourceValue>, territories: &Territories) -> Option<String> {
    let text = |k: &str| match fields.get(k) {
        Some(SourceValue::Text(s)) => Some(s.trim().to_string()),
        _ => None,
    };
    if let Some(code) = text("code_insee")
        && let Some(c) = territories.commune(&code)
    {
        return Some(c.departement.clone());
    }
    let postcode = text("code_postal")?;
    let mut deps: Vec<String> = territories
        .communes_with_postcode(&postcode)
        .map(|c| c.departement.clone())
        .collect();
    deps.sort();
    deps.dedup();
    (deps.len() == 1).then(|| deps.remove(0))
}

fn row_label(format: SourceFormat, number: usize, nom: Option<&str>) -> String {
    let place = if format.is_json() {
        format!("élément {number}")
    } else {
        format!("ligne {number}")
    };
    match nom {
        Some(n) => format!("{place} (« {n} »)"),
        None => place,
    }
}

/// Runs the import. Files are written unless `dry_run`.
pub fn import(options: &ImportOptions, site_departements: &[String]) -> Result<ImportReport, Error> {
    let (format, rows) = read_source(&options.input)?;
    let territories = Territories::embedded();
    let departements: Vec<String> = if options.departements.is_empty() {
        site_departements.to_vec()
    } else {
        options.departements.clone()
    };
    let ctx = Context {
        territories,
        departements: &departements,
        today: options.today,
        stale_months: 12,
        descriptions_under: None,
    };
    let mut report = ImportReport {
        format: Some(format),
        rows: rows.len(),
        ..Default::default()
    };

    let mut prepared: Vec<PreparedRow> = Vec::new();
    for row in &rows {
        let p = prepare_row(row, format);
        let nom = match p.fields.get("nom") {
            Some(SourceValue::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        match row_departement(&p.fields, territories) {
            Some(d) if !departements.contains(&d) => {
                report.filtered_out += 1;
                continue;
            }
            None if !options.departements.is_empty() => {
                report.skipped.push((
                    row_label(format, p.number, nom),
                    "département introuvable (ni code INSEE ni code postal reconnus)".into(),
                ));
                continue;
            }
            _ => prepared.push(p),
        }
    }

    let ids = assign_ids(&prepared);
    let dir = options.root.join(PLACES_DIR);
    let mut results: Vec<ImportedRow> = Vec::new();
    for (p, id) in prepared.iter().zip(ids) {
        let nom = match p.fields.get("nom") {
            Some(SourceValue::Text(s)) => Some(s.clone()),
            _ => None,
        };
        let label = row_label(format, p.number, nom.as_deref());
        match validate_row(p, &id, &ctx) {
            Ok((lieu, notes, review)) => results.push(ImportedRow {
                label,
                lieu,
                notes,
                review,
                original_id: p.original_id.clone(),
            }),
            Err(reason) => report.skipped.push((label, reason)),
        }
    }
    results.sort_by(|a, b| a.lieu.id.cmp(&b.lieu.id));
    for ImportedRow {
        label,
        lieu,
        notes,
        review,
        original_id,
    } in results
    {
        let rel = PathBuf::from(format!("{PLACES_DIR}/{}.md", lieu.id));
        let path = dir.join(format!("{}.md", lieu.id));
        let source = Provenance {
            file: options.input.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            format,
            original_id: original_id.as_deref().filter(|o| *o != lieu.id),
        };
        let content = place_file(&lieu, &notes, &source);
        let outcome = decide(&path, &content, lieu.date_maj, options.force);
        if !options.dry_run && matches!(outcome, Outcome::Created | Outcome::Updated) {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
        }
        for note in notes {
            report
                .review
                .push((label.clone(), rel.clone(), format!("gardé en commentaire : {note}")));
        }
        for r in review {
            report.review.push((label.clone(), rel.clone(), r));
        }
        report.written.push((label, rel, outcome));
    }
    Ok(report)
}

/// A row that passed validation, with what the report says of it.
struct ImportedRow {
    label: String,
    lieu: Lieu,
    /// Kept in comments of the file and reported.
    notes: Vec<String>,
    /// Reported only.
    review: Vec<String>,
    original_id: Option<String>,
}

/// Readable, unique ids from name and commune. Rows sharing a name and a
/// commune are numbered in the order of their original ids, so that a
/// re-import gives each place the same id.
fn assign_ids(rows: &[PreparedRow]) -> Vec<String> {
    let text = |p: &PreparedRow, k: &str| match p.fields.get(k) {
        Some(SourceValue::Text(s)) => s.clone(),
        _ => String::new(),
    };
    let bases: Vec<String> = rows
        .iter()
        .map(|p| {
            let base = text::slugify(&format!("{} {}", text(p, "nom"), text(p, "commune")));
            // Leave room for a "-NN" suffix within the 80-character limit.
            let mut base = text::slugify(&base.chars().take(text::MAX_SLUG_LEN - 4).collect::<String>());
            if base.is_empty() {
                base = "lieu".into();
            }
            base
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        bases[a]
            .cmp(&bases[b])
            .then_with(|| natural_key(rows[a].original_id.as_deref()).cmp(&natural_key(rows[b].original_id.as_deref())))
            .then(a.cmp(&b))
    });
    let mut ids = vec![String::new(); rows.len()];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in order {
        let n = seen.entry(bases[i].clone()).or_insert(0);
        *n += 1;
        ids[i] = if *n == 1 {
            bases[i].clone()
        } else {
            format!("{}-{}", bases[i], n)
        };
    }
    ids
}

/// Sorts `fibre-64-9` before `fibre-64-10`.
fn natural_key(id: Option<&str>) -> Vec<(String, u64)> {
    let Some(id) = id else { return Vec::new() };
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in id.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((std::mem::take(&mut text), digits.parse().unwrap_or(u64::MAX)));
                digits.clear();
            }
            text.push(c);
        }
    }
    out.push((text, digits.parse().unwrap_or(0)));
    out
}

/// Validates a prepared row, removing rejected optional values (kept as
/// notes) until it passes or a required field fails.
fn validate_row(p: &PreparedRow, id: &str, ctx: &Context<'_>) -> Result<(Lieu, Vec<String>, Vec<String>), String> {
    let schema = schema::schema();
    let mut fields = p.fields.clone();
    let mut notes = p.notes.clone();
    let mut review = p.review.clone();
    for _ in 0..8 {
        let names: Vec<String> = fields
            .keys()
            .filter(|k| k.as_str() != "presentation_detail")
            .cloned()
            .collect();
        let inputs: Vec<InputField> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let at = Position::new(p.number as u32, i as u32 + 1);
                let value = match &fields[name] {
                    SourceValue::Text(s) => InputValue::Scalar(s.clone()),
                    SourceValue::List(items) => {
                        InputValue::List(items.iter().map(|s| (InputValue::Scalar(s.clone()), at)).collect())
                    }
                };
                InputField {
                    key: name.clone(),
                    key_position: at,
                    value,
                    value_position: at,
                    quoted: false,
                }
            })
            .collect();
        let body = match fields.get("presentation_detail") {
            Some(SourceValue::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        let origin = Origin {
            file: Path::new(""),
            file_id: Some(id),
            start: Position::new(p.number as u32, 0),
            body,
        };
        let mut inputs = inputs;
        inputs.push(InputField {
            key: "id".into(),
            key_position: Position::new(p.number as u32, 0),
            value: InputValue::Scalar(id.to_string()),
            value_position: Position::new(p.number as u32, 0),
            quoted: false,
        });
        let (lieu, diagnostics) = validate::validate_place(&inputs, origin, ctx);
        let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
        if let Some(lieu) = lieu {
            for d in diagnostics.iter().filter(|d| d.code == "coordonnees" && !d.is_error()) {
                review.push(d.message.clone());
            }
            if text_of(&fields, "code_insee").is_none() && lieu.code_insee.is_some() {
                review.push(format!(
                    "code INSEE déduit du code postal et de la commune : {}",
                    lieu.code_insee.as_deref().unwrap_or("")
                ));
            }
            return Ok((lieu, notes, review));
        }
        // Remove what failed, if it may be removed.
        let mut removed_any = false;
        let mut blocking = Vec::new();
        for d in &errors {
            let field = (d.position.column as usize)
                .checked_sub(1)
                .and_then(|i| names.get(i))
                .cloned();
            match field {
                Some(name) if !schema.field(&name).is_some_and(|f| f.required) && fields.contains_key(&name) => {
                    let value = display(&fields[&name]);
                    if (name == "latitude" || name == "longitude") && d.code == "coordonnees" {
                        let pair = [text_of(&fields, "latitude"), text_of(&fields, "longitude")]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(", ");
                        fields.remove("latitude");
                        fields.remove("longitude");
                        notes.push(format!("coordonnées retirées ({}) : {pair}", d.message));
                    } else {
                        fields.remove(&name);
                        notes.push(format!("{name} retiré ({}) : {value}", d.message));
                    }
                    removed_any = true;
                }
                _ => blocking.push(d.message.clone()),
            }
        }
        if !removed_any || !blocking.is_empty() {
            let mut reasons: Vec<String> = errors.iter().map(|d| d.message.clone()).collect();
            reasons.dedup();
            return Err(reasons.join(" ; "));
        }
    }
    Err("trop d'erreurs".into())
}

fn text_of(fields: &BTreeMap<String, SourceValue>, key: &str) -> Option<String> {
    match fields.get(key) {
        Some(SourceValue::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn decide(path: &Path, content: &str, date: NaiveDate, force: bool) -> Outcome {
    let Ok(existing) = std::fs::read_to_string(path) else {
        return Outcome::Created;
    };
    if existing == content {
        return Outcome::Unchanged;
    }
    if force {
        return Outcome::Updated;
    }
    match existing_date(&existing) {
        // The source is newer than what the partner last saved: it wins.
        Some(d) if d < date => Outcome::Updated,
        // Same date but different content, a newer date, or unreadable:
        // the partner's file is kept.
        _ => Outcome::KeptLocalEdit,
    }
}

fn existing_date(text: &str) -> Option<NaiveDate> {
    let split = crate::frontmatter::split(text).ok()?;
    let fm = crate::frontmatter::parse(split.yaml, split.yaml_first_line, Path::new("")).ok()?;
    match &fm.get("date_maj")?.value {
        crate::frontmatter::RawValue::Scalar(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// Field order of written files: identity, address, contact, offer, meta.
pub const FILE_ORDER: &[&str] = &[
    "id",
    "nom",
    "pivot",
    "typologie",
    "structure_parente",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "itinerance",
    "modalites_acces",
    "modalites_accompagnement",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "fiche_acces_libre",
    "prise_rdv",
    "source",
    "date_maj",
];

/// Where an imported place came from, written as a comment of its file.
pub struct Provenance<'a> {
    pub file: &'a str,
    pub format: SourceFormat,
    pub original_id: Option<&'a str>,
}

/// A place file in our format: front matter in a fixed order, every string
/// double-quoted, notes as comments, then the Markdown presentation.
pub fn place_file(lieu: &Lieu, notes: &[String], source: &Provenance<'_>) -> String {
    let mut out = String::from("---\n");
    out.push_str(&format!(
        "# Importé par « annuaire import » depuis {} ({}).\n",
        source.file,
        source.format.label_fr()
    ));
    if let Some(original) = source.original_id {
        out.push_str(&format!("# Identifiant d'origine : {original}\n"));
    }
    for note in notes {
        for (i, line) in note.lines().enumerate() {
            out.push_str(if i == 0 { "# À vérifier : " } else { "#   " });
            out.push_str(line);
            out.push('\n');
        }
    }
    let schema = schema::schema();
    for name in FILE_ORDER {
        let Some(field) = schema.field(name) else { continue };
        match field.shape {
            Shape::List => {
                let value = lieu.export_value(name);
                if value.is_empty() {
                    continue;
                }
                out.push_str(name);
                out.push_str(":\n");
                for item in lieu.list(name).unwrap_or(&[]) {
                    out.push_str("  - ");
                    out.push_str(&yaml_string(item));
                    out.push('\n');
                }
            }
            Shape::Number | Shape::Date => {
                let value = lieu.export_value(name);
                if !value.is_empty() {
                    out.push_str(&format!("{name}: {value}\n"));
                }
            }
            Shape::Text => {
                let value = lieu.export_value(name);
                if !value.is_empty() {
                    out.push_str(&format!("{name}: {}\n", yaml_string(&value)));
                }
            }
        }
    }
    out.push_str("---\n");
    if let Some(detail) = &lieu.presentation_detail {
        out.push_str(detail.trim());
        out.push('\n');
    }
    out
}

/// A YAML double-quoted scalar.
pub fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_original_ids() {
        let mut ids = vec!["fibre-64-10", "fibre-64-9", "fibre-64-100"];
        ids.sort_by_key(|i| natural_key(Some(i)));
        assert_eq!(ids, ["fibre-64-9", "fibre-64-10", "fibre-64-100"]);
    }

    #[test]
    fn yaml_strings_round_trip_through_the_front_matter_parser() {
        for s in [
            "simple",
            "avec \"guillemets\" et \\",
            "ligne 1\nligne 2",
            "01000",
            "yes",
            "14:30",
            "# pas un commentaire",
            "- pas une liste",
        ] {
            let yaml = format!("v: {}\n", yaml_string(s));
            let fm = crate::frontmatter::parse(&yaml, 2, Path::new("t.md")).unwrap();
            assert_eq!(
                fm.entries[0].value,
                crate::frontmatter::RawValue::Scalar(s.to_string()),
                "{s}"
            );
        }
    }
}
