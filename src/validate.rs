//! Validation: raw fields of a place → a [`Lieu`] and every problem found.
//!
//! The rules are the national standard's (required fields, patterns matched
//! against the whole value, closed vocabularies), plus what the site needs to
//! be right for residents: the commune exists and belongs to the site's
//! département, the postcode is one of the commune's, coordinates fall in the
//! département, phones can be dialled.
//!
//! Input fields carry positions, so that every message points at the exact
//! line and column of the partner's file.

use crate::diagnostics::{Diagnostic, Position};
use crate::frontmatter::{self, RawFrontMatter, RawValue};
use crate::load::ContentFile;
use crate::model::{FieldValue, Lieu, SourceFile};
use crate::schema::{self, Shape};
use crate::territories::{LatLon, Territories};
use crate::text;
use chrono::{Months, NaiveDate};
// Field names come from partners' files: a randomised hash (DoS-safe)
// that is several times faster than std's SipHash on short keys.
use ahash::AHashMap as HashMap;
use std::path::{Path, PathBuf};

/// What validation needs to know about the site.
pub struct Context<'a> {
    pub territories: &'a Territories,
    pub departements: &'a [String],
    /// "Today", from `SOURCE_DATE_EPOCH` or the clock: dates in the future and
    /// stale listings are judged against it.
    pub today: NaiveDate,
    pub stale_months: u32,
    /// The site's base path, when descriptions are wanted as HTML too (a
    /// build, not `check`): rendered in the same parse as their checks.
    pub descriptions_under: Option<&'a str>,
}

/// A field as read from a source (front matter or an imported row).
#[derive(Debug, Clone, PartialEq)]
pub struct InputField {
    pub key: String,
    pub key_position: Position,
    pub value: InputValue,
    pub value_position: Position,
    /// The value was written between quotes: its text starts one column later.
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    Null,
    Scalar(String),
    List(Vec<(InputValue, Position)>),
    /// Sub-fields (only `fermeture_temporaire` has any).
    Map(Vec<InputField>),
}

/// Keys of the legacy v0.1 schema, with the v1 field that replaced them.
const LEGACY_KEYS: &[(&str, &str)] = &[
    ("publics_accueillis", "publics_specifiquement_adresses"),
    ("conditions_acces", "frais_a_charge"),
    ("labels_nationaux", "dispositif_programmes_nationaux"),
    ("labels_autres", "autres_formations_labels"),
    ("accessibilite", "fiche_acces_libre"),
    ("modalites_accompagnement_", "modalites_accompagnement"),
];

/// Longest name accepted (`nom`, `commune`…), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest other single value, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Most items in one list field.
pub const MAX_LIST_ITEMS: usize = 50;
/// Names Windows reserves: a file named so cannot be checked out there.
const WINDOWS_DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Tolerance around the simplified département outlines.
const OUTLINE_TOLERANCE_KM: f64 = 3.0;

pub fn inputs_from_front_matter(fm: &RawFrontMatter, yaml_first_line: u32) -> Vec<InputField> {
    fn entry(e: &frontmatter::RawEntry, first_line: u32) -> InputField {
        InputField {
            key: e.key.clone(),
            key_position: e.key_position,
            value: convert(&e.value, first_line),
            value_position: e.value_position,
            quoted: e.quoted,
        }
    }
    fn convert(value: &RawValue, first_line: u32) -> InputValue {
        match value {
            RawValue::Null => InputValue::Null,
            RawValue::Scalar(s) => InputValue::Scalar(s.clone()),
            RawValue::Map(entries) => InputValue::Map(entries.iter().map(|e| entry(e, first_line)).collect()),
            RawValue::List(items) => InputValue::List(
                items
                    .iter()
                    .map(|i| {
                        (
                            convert(&i.value, first_line),
                            frontmatter::list_item_position(i, first_line),
                        )
                    })
                    .collect(),
            ),
        }
    }
    fm.entries.iter().map(|e| entry(e, yaml_first_line)).collect()
}

/// Where a place's data comes from: its file, and the id the file name gives it.
pub struct Origin<'a> {
    pub file: &'a Path,
    /// The id implied by the file name (`content/lieux/<id>.md`), if any.
    pub file_id: Option<&'a str>,
    /// Position used for problems that concern the whole place.
    pub start: Position,
    /// The Markdown body, which is `presentation_detail`.
    pub body: Option<&'a str>,
}

struct Validator<'a> {
    ctx: &'a Context<'a>,
    file: &'a Path,
    diagnostics: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn error(&mut self, at: Position, code: &'static str, message: String, hint: Option<String>) {
        let mut d = Diagnostic::error(self.file, at, code, message);
        d.hint = hint;
        self.diagnostics.push(d);
    }

    fn warning(&mut self, at: Position, code: &'static str, message: String, hint: Option<String>) {
        let mut d = Diagnostic::warning(self.file, at, code, message);
        d.hint = hint;
        self.diagnostics.push(d);
    }
}

/// Validates one place. All problems are returned; the place is returned
/// when there is no error.
pub fn validate_place(inputs: &[InputField], origin: Origin<'_>, ctx: &Context<'_>) -> (Option<Lieu>, Vec<Diagnostic>) {
    let schema = schema::schema();
    let mut v = Validator {
        ctx,
        file: origin.file,
        diagnostics: Vec::new(),
    };

    // Duplicates and unknown keys first: they change how the rest reads.
    let mut first_seen: HashMap<&str, Position> = HashMap::with_capacity(inputs.len());
    let mut fields: HashMap<&str, &InputField> = HashMap::with_capacity(inputs.len());
    let mut closure: Option<&InputField> = None;
    for input in inputs {
        if let Some(first) = first_seen.get(input.key.as_str()) {
            v.error(
                input.key_position,
                "cle-en-double",
                format!(
                    "le champ « {} » est écrit deux fois (lignes {} et {})",
                    input.key, first.line, input.key_position.line
                ),
                Some("gardez une seule ligne pour ce champ et supprimez l'autre".to_string()),
            );
            continue;
        }
        first_seen.insert(&input.key, input.key_position);
        if input.key == "presentation_detail" {
            v.error(
                input.key_position,
                "champ-inconnu",
                "« presentation_detail » ne s'écrit pas dans l'en-tête".to_string(),
                Some("écrivez la présentation détaillée sous la seconde ligne « --- », en texte libre".to_string()),
            );
            continue;
        }
        if input.key == crate::fermeture::KEY {
            closure = Some(input);
            continue;
        }
        if schema.field(&input.key).is_none() {
            let hint = LEGACY_KEYS
                .iter()
                .find(|(old, _)| *old == input.key)
                .map(|(old, new)| format!("« {old} » vient de l'ancien schéma v0.1 : utilisez « {new} »"))
                .or_else(|| {
                    text::suggest(&input.key, schema.field_names().filter(|n| *n != "presentation_detail"))
                        .map(|s| format!("vouliez-vous dire « {s} » ?"))
                })
                .unwrap_or_else(|| {
                    "les champs permis sont ceux du standard national ; voir la page « Contribuer »".to_string()
                });
            v.error(
                input.key_position,
                "champ-inconnu",
                format!("champ inconnu « {} »", input.key),
                Some(hint),
            );
            continue;
        }
        fields.insert(&input.key, input);
    }

    let mut values: HashMap<&'static str, FieldValue> = HashMap::with_capacity(schema.fields.len() + 1);
    for field in &schema.fields {
        if field.name == "presentation_detail" {
            if let Some(body) = origin.body.map(str::trim).filter(|b| !b.is_empty()) {
                values.insert(field.name.as_str(), FieldValue::Text(body.to_string()));
            }
            continue;
        }
        let Some(input) = fields.get(field.name.as_str()) else {
            if field.name == "id"
                && let Some(id) = origin.file_id
            {
                values.insert("id", FieldValue::Text(id.to_string()));
                continue;
            }
            if field.required {
                v.error(
                    origin.start,
                    "champ-obligatoire",
                    format!(
                        "le champ obligatoire « {} » ({}) manque",
                        field.name,
                        field.title.to_lowercase()
                    ),
                    Some(format!(
                        "ajoutez une ligne « {}: … » dans l'en-tête, par exemple « {}: {} »",
                        field.name,
                        field.name,
                        example_of(field)
                    )),
                );
            }
            continue;
        };
        if let Some(value) = check_field(&mut v, field, input) {
            values.insert(field.name.as_str(), value);
        } else if field.required
            && !v
                .diagnostics
                .iter()
                .any(|d| d.position == input.value_position && d.is_error())
        {
            v.error(
                input.value_position,
                "champ-obligatoire",
                format!("le champ obligatoire « {} » est vide", field.name),
                Some(format!("par exemple « {}: {} »", field.name, example_of(field))),
            );
        }
    }

    check_id(&mut v, &values, &fields, &origin);
    check_territory(&mut v, &mut values, &fields, origin.start);
    check_dates(&mut v, &values, &fields);
    if let Some(input) = closure {
        let (fermeture, problems) = crate::fermeture::check(v.file, input, v.ctx.today);
        v.diagnostics.extend(problems);
        if let Some(f) = fermeture {
            values.insert(crate::fermeture::KEY, FieldValue::Closure(f));
        }
    }

    let has_error = v.diagnostics.iter().any(Diagnostic::is_error);
    let lieu = if has_error {
        None
    } else {
        Lieu::from_fields(|name| values.remove(name))
    };
    (lieu, v.diagnostics)
}

fn example_of(field: &schema::Field) -> String {
    match field.name.as_str() {
        "date_maj" => "2026-01-15".to_string(),
        "pivot" => "12345678900012".to_string(),
        _ if field.example.is_empty() => "…".to_string(),
        _ => field.example.clone(),
    }
}

/// Converts and checks one field according to its shape and constraints.
fn check_field(v: &mut Validator<'_>, field: &schema::Field, input: &InputField) -> Option<FieldValue> {
    let name = field.name.as_str();
    match (&input.value, field.shape) {
        (InputValue::Null, _) => None,
        (InputValue::Map(_), _) => {
            v.error(
                input.value_position,
                "forme",
                format!("« {name} » contient des sous-champs, ce qui n'est pas permis"),
                Some(format!("écrivez « {name}: valeur » sur une seule ligne")),
            );
            None
        }
        (InputValue::List(_), Shape::Text | Shape::Number | Shape::Date) => {
            v.error(
                input.value_position,
                "forme",
                format!("« {name} » attend une seule valeur, pas une liste"),
                Some(format!("écrivez « {name}: valeur » sur une seule ligne, sans tiret")),
            );
            None
        }
        (InputValue::Scalar(s), Shape::List) => {
            let items = [(InputValue::Scalar(s.clone()), input.value_position)];
            check_list(v, field, &items)
        }
        (InputValue::List(items), Shape::List) => check_list(v, field, items),
        (InputValue::Scalar(s), Shape::Text) => {
            // Where the trimmed text starts, for messages that point inside it.
            let leading = text::chars_before(s, s.trim_start()) as u32;
            let mut content_at = input.value_position;
            content_at.column += u32::from(input.quoted) + leading;
            check_text(v, field, s.trim(), input.value_position, content_at)
        }
        (InputValue::Scalar(s), Shape::Number) => {
            let s = s.trim();
            match s.parse::<f64>() {
                Ok(n) if n.is_finite() => {
                    let (lo, hi) = if name == "latitude" {
                        (-90.0, 90.0)
                    } else {
                        (-180.0, 180.0)
                    };
                    if (lo..=hi).contains(&n) {
                        Some(FieldValue::Number(n))
                    } else {
                        v.error(
                            input.value_position,
                            "format",
                            format!("{name} « {s} » est hors des limites ({lo} à {hi})"),
                            Some("copiez les coordonnées GPS depuis adresse.data.gouv.fr".to_string()),
                        );
                        None
                    }
                }
                _ => {
                    let hint = if s.contains(',') {
                        format!(
                            "utilisez un point comme séparateur décimal : « {} »",
                            s.replace(',', ".")
                        )
                    } else {
                        "écrivez un nombre décimal, par exemple 43.29513".to_string()
                    };
                    v.error(
                        input.value_position,
                        "format",
                        format!("{name} « {s} » n'est pas un nombre"),
                        Some(hint),
                    );
                    None
                }
            }
        }
        (InputValue::Scalar(s), Shape::Date) => {
            let s = s.trim();
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if s.len() == 10 => Some(FieldValue::Date(d)),
                _ => {
                    v.error(
                        input.value_position,
                        "format",
                        format!("{name} « {s} » n'est pas une date au format AAAA-MM-JJ"),
                        Some("par exemple 2026-03-15 pour le 15 mars 2026".to_string()),
                    );
                    None
                }
            }
        }
    }
}

fn check_text(
    v: &mut Validator<'_>,
    field: &schema::Field,
    s: &str,
    at: Position,
    content_at: Position,
) -> Option<FieldValue> {
    let name = field.name.as_str();
    if s.is_empty() {
        return None;
    }
    // Beyond the standard's own limits, bounds that no real value reaches
    // keep hostile files from bloating every page that lists the place.
    let max_length = field.max_length.or(match field.name.as_str() {
        "nom" | "commune" | "structure_parente" | "source" => Some(MAX_NAME_CHARS),
        _ => Some(MAX_TEXT_CHARS),
    });
    if let Some(max) = max_length {
        let len = s.chars().count();
        if len > max {
            v.error(
                at,
                "longueur",
                format!("« {name} » fait {len} caractères, le maximum est {max}"),
                Some("raccourcissez ce texte ; les détails vont dans la présentation, sous l'en-tête".to_string()),
            );
            return None;
        }
    }
    let value = match name {
        "telephone" => {
            match text::normalize_phone(s) {
                Some(n) => n,
                None => {
                    v.error(
                    at,
                    "telephone",
                    format!("le numéro de téléphone « {s} » n'est pas reconnu"),
                    Some("écrivez les 10 chiffres, par exemple 05 59 12 34 56, ou la forme internationale +33559123456".to_string()),
                );
                    return None;
                }
            }
        }
        "fiche_acces_libre" | "prise_rdv" => {
            if !text::is_web_url(s) {
                v.error(
                    at,
                    "adresse-web",
                    format!("« {name} » doit être une adresse web complète, pas « {s} »"),
                    Some("copiez l'adresse depuis la barre du navigateur ; elle commence par https://".to_string()),
                );
                return None;
            }
            if name == "fiche_acces_libre" && !s.starts_with("https://acceslibre.beta.gouv.fr/") {
                v.warning(
                    at,
                    "acceslibre",
                    "la fiche Accès libre devrait être une adresse de acceslibre.beta.gouv.fr".to_string(),
                    Some("cherchez votre établissement sur https://acceslibre.beta.gouv.fr/ et copiez l'adresse de sa fiche".to_string()),
                );
            }
            s.to_string()
        }
        "horaires" => match crate::hours::check(s) {
            Ok(_) => s.to_string(),
            Err(e) => {
                let mut pos = at;
                if let Some(offset) = e.offset {
                    pos = content_at;
                    pos.column += offset as u32;
                }
                v.error(pos, "horaires", e.message, Some(e.hint));
                return None;
            }
        },
        _ => s.to_string(),
    };
    if let Some(pattern) = &field.pattern
        && !pattern.is_match(&value)
    {
        let expected = match name {
            "pivot" => {
                "un SIRET de 14 chiffres (ou un RNA) ; cherchez-le sur annuaire-entreprises.data.gouv.fr".to_string()
            }
            "code_postal" => "5 chiffres, par exemple 64000".to_string(),
            "code_insee" => "le code INSEE de la commune sur 5 caractères, par exemple 64445 pour Pau".to_string(),
            _ => format!("la forme attendue, par exemple « {} »", field.example),
        };
        v.error(
            at,
            "format",
            format!("{name} « {value} » n'a pas la forme attendue"),
            Some(format!("écrivez {expected}")),
        );
        return None;
    }
    Some(FieldValue::Text(value))
}

fn check_list(v: &mut Validator<'_>, field: &schema::Field, items: &[(InputValue, Position)]) -> Option<FieldValue> {
    let name = field.name.as_str();
    if items.len() > MAX_LIST_ITEMS {
        v.error(
            items[MAX_LIST_ITEMS].1,
            "longueur",
            format!("« {name} » a {} éléments, le maximum est {MAX_LIST_ITEMS}", items.len()),
            Some("gardez les valeurs principales".to_string()),
        );
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for (item, at) in items {
        let s = match item {
            InputValue::Scalar(s) => s.trim(),
            InputValue::Null => continue,
            _ => {
                v.error(
                    *at,
                    "forme",
                    format!("un élément de « {name} » n'est pas une simple valeur"),
                    None,
                );
                continue;
            }
        };
        if s.is_empty() {
            continue;
        }
        let value = match check_list_item(v, field, s, *at) {
            Some(value) => value,
            None => continue,
        };
        // Lists are sets in the standard: repeated values are dropped.
        if !out.contains(&value) {
            out.push(value);
        }
    }
    (!out.is_empty()).then_some(FieldValue::List(out))
}

fn check_list_item(v: &mut Validator<'_>, field: &schema::Field, s: &str, at: Position) -> Option<String> {
    let name = field.name.as_str();
    if let Some(vocabulary) = field.vocabulary {
        if name == "formations_labels" && s == schema::ETAPES_NUMERIQUES_SCHEMA {
            return Some(schema::ETAPES_NUMERIQUES_VOCABULARY.to_string());
        }
        if vocabulary.contains(s) {
            return Some(s.to_string());
        }
        let suggestion = text::suggest(s, vocabulary.values.iter().map(|x| x.value.as_str())).or_else(|| {
            text::suggest(s, vocabulary.values.iter().map(|x| x.label.as_str())).and_then(|label| {
                vocabulary
                    .values
                    .iter()
                    .find(|x| x.label == label)
                    .map(|x| x.value.as_str())
            })
        });
        let hint = match suggestion {
            Some(sug) => format!("vouliez-vous dire « {sug} » ? Les valeurs doivent être écrites exactement ainsi"),
            None if vocabulary.values.len() <= 12 => format!(
                "valeurs permises : {}",
                vocabulary
                    .values
                    .iter()
                    .map(|x| format!("« {} »", x.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "la liste des valeurs permises est sur la page « Contribuer » du site".to_string(),
        };
        v.error(
            at,
            "vocabulaire",
            format!("« {s} » n'est pas une valeur permise pour « {name} »"),
            Some(hint),
        );
        return None;
    }
    match name {
        "courriels" if !text::is_plausible_email(s) => {
            v.error(
                at,
                "courriel",
                format!("l'adresse de courriel « {s} » n'est pas valide"),
                Some("une adresse s'écrit nom@domaine.fr, sans espace".to_string()),
            );
            None
        }
        "site_web" if !text::is_web_url(s) => {
            let hint = if s.starts_with("www.") {
                format!("ajoutez https:// au début : « https://{s} »")
            } else {
                "copiez l'adresse depuis la barre du navigateur ; elle commence par https://".to_string()
            };
            v.error(
                at,
                "adresse-web",
                format!("« {s} » n'est pas une adresse web complète"),
                Some(hint),
            );
            None
        }
        _ => Some(s.to_string()),
    }
}

fn position_of(fields: &HashMap<&str, &InputField>, name: &str, fallback: Position) -> Position {
    fields.get(name).map(|f| f.value_position).unwrap_or(fallback)
}

fn check_id(
    v: &mut Validator<'_>,
    values: &HashMap<&'static str, FieldValue>,
    fields: &HashMap<&str, &InputField>,
    origin: &Origin<'_>,
) {
    let Some(FieldValue::Text(id)) = values.get("id") else {
        return;
    };
    let at = position_of(fields, "id", origin.start);
    if WINDOWS_DEVICE_NAMES.contains(&id.as_str()) {
        v.error(
            at,
            "identifiant",
            format!("l'identifiant « {id} » est un nom réservé par Windows : le fichier ne pourrait pas y être ouvert"),
            Some(format!(
                "ajoutez un mot, par exemple « {id}-{} »",
                text::slugify(&id_hint(values))
            )),
        );
        return;
    }
    if !text::is_valid_slug(id) {
        v.error(
            at,
            "identifiant",
            format!("l'identifiant « {id} » n'est pas valide"),
            Some(format!(
                "utilisez seulement des minuscules sans accent, des chiffres et des tirets (80 caractères au plus), par exemple « {} »",
                text::slugify(id)
            )),
        );
        return;
    }
    if let Some(file_id) = origin.file_id
        && file_id != id
    {
        v.error(
            at,
            "identifiant",
            format!("l'identifiant « {id} » ne correspond pas au nom du fichier « {file_id}.md »"),
            Some(format!(
                "renommez le fichier en « {id}.md » ou écrivez « id: {file_id} »"
            )),
        );
    }
}

/// A word to lengthen a reserved id with: the commune, or "lieu".
fn id_hint(values: &HashMap<&'static str, FieldValue>) -> String {
    match values.get("commune") {
        Some(FieldValue::Text(c)) => c.clone(),
        _ => "lieu".to_string(),
    }
}

/// Resolves the commune and checks postcode and coordinates against the reference.
fn check_territory(
    v: &mut Validator<'_>,
    values: &mut HashMap<&'static str, FieldValue>,
    fields: &HashMap<&str, &InputField>,
    start: Position,
) {
    let territories = v.ctx.territories;
    let text_of = |values: &HashMap<&'static str, FieldValue>, name: &str| match values.get(name) {
        Some(FieldValue::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let postcode = text_of(values, "code_postal");
    let commune_name = text_of(values, "commune");
    let code = match text_of(values, "code_insee") {
        Some(code) => {
            if territories.commune(&code).is_none() {
                v.error(
                    position_of(fields, "code_insee", start),
                    "code-insee",
                    format!("le code INSEE « {code} » n'existe pas dans le référentiel des communes 2026"),
                    Some("cherchez le code de votre commune sur https://www.insee.fr/fr/recherche/recherche-geographique (ce n'est pas le code postal)".to_string()),
                );
                return;
            }
            code
        }
        None => {
            // The standard leaves code_insee optional; we need it to place the
            // listing on a commune page, so we infer it when unambiguous.
            let (Some(postcode), Some(name)) = (&postcode, &commune_name) else {
                return;
            };
            let key = text::commune_key(name);
            let candidates: Vec<_> = territories.communes_with_postcode(postcode).collect();
            // Exact name first; then a unique name containing the other
            // (merged communes: « La Rochette » is now « Valgelon-La Rochette »);
            // then the postcode's only commune.
            let containing: Vec<_> = candidates
                .iter()
                .filter(|c| {
                    let k = text::commune_key(&c.nom);
                    k.contains(&key) || key.contains(&k)
                })
                .collect();
            let found = candidates
                .iter()
                .find(|c| text::commune_key(&c.nom) == key)
                .or(if containing.len() == 1 {
                    Some(containing[0])
                } else {
                    None
                })
                .or(if candidates.len() == 1 {
                    candidates.first()
                } else {
                    None
                });
            match found {
                Some(c) => {
                    values.insert("code_insee", FieldValue::Text(c.code_insee.clone()));
                    c.code_insee.clone()
                }
                None => {
                    let listing = candidates
                        .iter()
                        .map(|c| format!("{} ({})", c.nom, c.code_insee))
                        .collect::<Vec<_>>()
                        .join(", ");
                    v.error(
                        position_of(fields, "commune", start),
                        "code-insee",
                        format!("impossible de trouver la commune « {name} » pour le code postal {postcode}"),
                        Some(if listing.is_empty() {
                            "ajoutez « code_insee: » avec le code INSEE de la commune".to_string()
                        } else {
                            format!("ajoutez « code_insee: » ; communes de ce code postal : {listing}")
                        }),
                    );
                    return;
                }
            }
        }
    };
    let Some(commune) = territories.commune(&code) else {
        return;
    };
    if !v.ctx.departements.contains(&commune.departement) {
        let list = v.ctx.departements.join(", ");
        v.error(
            position_of(fields, "code_insee", position_of(fields, "commune", start)),
            "hors-departement",
            format!(
                "{} ({}) est dans le département {}, pas dans celui de ce site ({list})",
                commune.nom, code, commune.departement
            ),
            Some("vérifiez le code INSEE ; ce lieu relève peut-être de l'annuaire d'un autre département".to_string()),
        );
    }
    if let Some(postcode) = &postcode
        && !commune.codes_postaux.contains(postcode)
    {
        v.error(
            position_of(fields, "code_postal", start),
            "code-postal",
            format!("le code postal {postcode} n'est pas celui de {} ({code})", commune.nom),
            Some(format!(
                "codes postaux de {} : {}",
                commune.nom,
                commune.codes_postaux.join(", ")
            )),
        );
    }
    if let Some(name) = &commune_name
        && text::commune_key(name) != text::commune_key(&commune.nom)
    {
        v.warning(
            position_of(fields, "commune", start),
            "commune",
            format!(
                "la commune s'écrit « {} » pour le code INSEE {code}, pas « {name} »",
                commune.nom
            ),
            Some(format!("écrivez « commune: {} »", commune.nom)),
        );
    }
    let lat = match values.get("latitude") {
        Some(FieldValue::Number(n)) => Some(*n),
        _ => None,
    };
    let lon = match values.get("longitude") {
        Some(FieldValue::Number(n)) => Some(*n),
        _ => None,
    };
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            let point = LatLon { lat, lon };
            if territories.contains_point(&commune.departement, point, OUTLINE_TOLERANCE_KM) == Some(false) {
                let hint = if territories.contains_point(&commune.departement, LatLon { lat: lon, lon: lat }, OUTLINE_TOLERANCE_KM) == Some(true) {
                    "latitude et longitude semblent inversées".to_string()
                } else {
                    "copiez les coordonnées depuis adresse.data.gouv.fr ; la latitude vaut environ 43 dans les Pyrénées-Atlantiques, la longitude est négative à l'ouest de Greenwich".to_string()
                };
                v.error(
                    position_of(fields, "latitude", start),
                    "coordonnees",
                    format!("les coordonnées {lat}, {lon} sont en dehors du département {}", commune.departement),
                    Some(hint),
                );
            } else if let Some(centre) = commune.point
                && centre.distance_km(point) > 25.0
            {
                v.warning(
                    position_of(fields, "latitude", start),
                    "coordonnees",
                    format!("les coordonnées sont à {:.0} km de {}", centre.distance_km(point), commune.nom),
                    Some("vérifiez l'adresse et les coordonnées".to_string()),
                );
            }
        }
        (Some(_), None) | (None, Some(_)) => v.error(
            position_of(fields, "latitude", position_of(fields, "longitude", start)),
            "coordonnees",
            "latitude et longitude vont ensemble : il en manque une".to_string(),
            Some("renseignez les deux, ou aucune".to_string()),
        ),
        (None, None) => v.warning(
            start,
            "coordonnees",
            "le lieu n'a pas de coordonnées : il n'apparaîtra pas sur la carte et les distances seront comptées depuis le centre de la commune".to_string(),
            Some("ajoutez latitude et longitude, copiées depuis adresse.data.gouv.fr".to_string()),
        ),
    }
}

fn check_dates(v: &mut Validator<'_>, values: &HashMap<&'static str, FieldValue>, fields: &HashMap<&str, &InputField>) {
    let Some(FieldValue::Date(date)) = values.get("date_maj") else {
        return;
    };
    let at = position_of(fields, "date_maj", Position::new(1, 1));
    if *date > v.ctx.today {
        v.error(
            at,
            "date",
            format!("la date de mise à jour {date} est dans le futur"),
            Some("indiquez la date du jour où vous avez vérifié ces informations".to_string()),
        );
    } else if let Some(limit) = v.ctx.today.checked_sub_months(Months::new(v.ctx.stale_months))
        && *date <= limit
    {
        v.warning(
            at,
            "fraicheur",
            format!(
                "la fiche n'a pas été mise à jour depuis le {} (plus de {} mois)",
                date.format("%d/%m/%Y"),
                v.ctx.stale_months
            ),
            Some("vérifiez les informations auprès du lieu, puis changez date_maj".to_string()),
        );
    }
}

/// A validated place with where it came from.
#[derive(Debug, Clone)]
pub struct ValidPlace {
    pub lieu: Lieu,
    pub source: SourceFile,
    /// `presentation_detail` as HTML, if the context asked for it.
    pub description_html: Option<String>,
}

/// Splits, parses and validates one place file.
pub fn validate_place_file(file: &ContentFile, ctx: &Context<'_>) -> (Option<ValidPlace>, Vec<Diagnostic>) {
    let split = match frontmatter::split(&file.text) {
        Ok(s) => s,
        Err((at, message, hint)) => {
            return (
                None,
                vec![Diagnostic::error(&file.path, at, "en-tete", message).with_hint(hint)],
            );
        }
    };
    let fm = match frontmatter::parse(split.yaml, split.yaml_first_line, &file.path) {
        Ok(fm) => fm,
        Err(d) => return (None, vec![d]),
    };
    let inputs = inputs_from_front_matter(&fm, split.yaml_first_line);
    let origin = Origin {
        file: &file.path,
        file_id: Some(file.stem()),
        start: Position::new(1, 1),
        body: Some(split.body),
    };
    let (lieu, mut diagnostics) = validate_place(&inputs, origin, ctx);
    // The description is the body trimmed (see `validate_place`): that is
    // what is checked and rendered, positions counted in the file.
    let description = split.body.trim();
    let start = split.body.len() - split.body.trim_start().len();
    let (problems, description_html) = crate::markdown::lint_and_render(
        split.body,
        start..start + description.len(),
        split.body_first_line,
        &file.path,
        ctx.descriptions_under
            .filter(|_| lieu.is_some() && !description.is_empty())
            .map(|base_path| crate::markdown::Rendering {
                heading_base: crate::markdown::DESCRIPTION_HEADING,
                base_path,
            }),
    );
    diagnostics.extend(problems);
    let place = lieu.map(|lieu| ValidPlace {
        lieu,
        source: SourceFile {
            path: file.path.clone(),
            body_first_line: split.body_first_line,
        },
        description_html,
    });
    (place, diagnostics)
}

/// Validates every place file, then what only shows across files: two files
/// claiming the same id, even after case folding and Unicode normalisation.
pub fn validate_places(files: &[ContentFile], ctx: &Context<'_>) -> (Vec<ValidPlace>, Vec<Diagnostic>) {
    use rayon::prelude::*;
    let checked: Vec<(Option<ValidPlace>, Vec<Diagnostic>)> =
        files.par_iter().map(|file| validate_place_file(file, ctx)).collect();
    // Sized up front: growing a vector of 50,000 places one doubling at a
    // time copies them all again, on one core.
    let mut places = Vec::with_capacity(checked.len());
    let mut diagnostics = Vec::new();
    for (place, diags) in checked {
        diagnostics.extend(diags);
        places.extend(place);
    }
    let keys: Vec<String> = places.par_iter().map(|place| text::fold(&place.lieu.id)).collect();
    let mut seen: HashMap<&str, &Path> = HashMap::with_capacity(places.len());
    for (place, key) in places.iter().zip(&keys) {
        if let Some(first) = seen.get(key.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    &place.source.path,
                    Position::new(1, 1),
                    "identifiant-en-double",
                    format!(
                        "l'identifiant « {} » est déjà celui de {}",
                        place.lieu.id,
                        first.display()
                    ),
                )
                .with_hint("chaque lieu a son propre identifiant : renommez l'un des deux fichiers"),
            );
        } else {
            seen.insert(key, &place.source.path);
        }
    }
    (places, diagnostics)
}

/// A free page (`content/pages/*.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub slug: String,
    pub titre: String,
    pub description: Option<String>,
    pub body: String,
    pub body_first_line: u32,
    pub ordre: i64,
    pub path: PathBuf,
    /// `modele: contribuer` adds generated content (see [`crate::contribuer`]).
    pub modele: Option<String>,
}

/// Path segments the generator uses itself: a page cannot take them.
pub const RESERVED_SLUGS: &[&str] = &[
    "lieux",
    "communes",
    "intercommunalites",
    "departements",
    "services",
    "donnees",
    "static",
    "recherche",
    "carte",
    "orientation",
    "tableau-de-bord",
    "integrer",
    "hors-ligne",
    "theme",
];

pub fn validate_page_file(file: &ContentFile) -> (Option<Page>, Vec<Diagnostic>) {
    let err = |at: Position, code: &'static str, message: String, hint: &str| {
        (
            None,
            vec![Diagnostic::error(&file.path, at, code, message).with_hint(hint)],
        )
    };
    let split = match frontmatter::split(&file.text) {
        Ok(s) => s,
        Err((at, message, hint)) => return err(at, "en-tete", message, &hint),
    };
    let fm = match frontmatter::parse(split.yaml, split.yaml_first_line, &file.path) {
        Ok(fm) => fm,
        Err(d) => return (None, vec![d]),
    };
    let slug = file.stem().to_string();
    if !text::is_valid_slug(&slug) || RESERVED_SLUGS.contains(&slug.as_str()) {
        return err(
            Position::new(1, 1),
            "identifiant",
            format!("le nom de fichier « {slug} » ne peut pas servir d'adresse de page"),
            "utilisez des minuscules sans accent, des chiffres et des tirets, et un nom qui n'est pas déjà pris par le site (lieux, communes…)",
        );
    }
    let mut diagnostics = Vec::new();
    let mut titre = None;
    let mut description = None;
    let mut ordre = 100;
    let mut modele = None;
    for e in &fm.entries {
        let value = match &e.value {
            RawValue::Scalar(s) => s.trim().to_string(),
            _ => {
                diagnostics.push(Diagnostic::error(
                    &file.path,
                    e.value_position,
                    "forme",
                    format!("« {} » attend une seule valeur", e.key),
                ));
                continue;
            }
        };
        match e.key.as_str() {
            "titre" => titre = Some(value),
            "description" => description = Some(value),
            "ordre" => match value.parse() {
                Ok(n) => ordre = n,
                Err(_) => diagnostics.push(
                    Diagnostic::error(
                        &file.path,
                        e.value_position,
                        "format",
                        format!("ordre « {value} » n'est pas un nombre entier"),
                    )
                    .with_hint("l'ordre range les pages dans le pied de page : 1, 2, 3…"),
                ),
            },
            "modele" if value == crate::contribuer::TEMPLATE => modele = Some(value),
            "modele" => diagnostics.push(
                Diagnostic::error(
                    &file.path,
                    e.value_position,
                    "format",
                    format!("modele « {value} » n'existe pas"),
                )
                .with_hint(format!(
                    "« modele: {} » ajoute la liste des champs d'une fiche et de leurs valeurs ; sans « modele », la page n'affiche que son texte",
                    crate::contribuer::TEMPLATE
                )),
            ),
            other => diagnostics.push(
                Diagnostic::error(
                    &file.path,
                    e.key_position,
                    "champ-inconnu",
                    format!("champ inconnu « {other} »"),
                )
                .with_hint("une page accepte titre, description, ordre et modele"),
            ),
        }
    }
    let Some(titre) = titre.filter(|t| !t.is_empty()) else {
        diagnostics.push(
            Diagnostic::error(
                &file.path,
                Position::new(1, 1),
                "champ-obligatoire",
                "la page n'a pas de titre",
            )
            .with_hint("ajoutez « titre: … » dans l'en-tête"),
        );
        return (None, diagnostics);
    };
    diagnostics.extend(crate::markdown::lint(split.body, split.body_first_line, &file.path));
    let page = Page {
        slug,
        titre,
        description,
        body: split.body.to_string(),
        body_first_line: split.body_first_line,
        ordre,
        path: file.path.clone(),
        modele,
    };
    let has_error = diagnostics.iter().any(Diagnostic::is_error);
    (if has_error { None } else { Some(page) }, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "id: mediatheque-pau\npivot: \"21640445100012\"\nnom: Médiathèque André-Labarrère\nadresse: Place Marguerite Laborde\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\nlatitude: 43.2951\nlongitude: -0.3708\ntelephone: 05 59 27 15 72\nservices:\n  - Aide aux démarches administratives\n  - Accès internet et matériel informatique\nhoraires: Tu-Sa 10:00-18:00; PH off\ndate_maj: 2026-09-01\n";

    fn run(yaml: &str, file_id: Option<&str>) -> (Option<Lieu>, Vec<Diagnostic>) {
        let fm = frontmatter::parse(yaml, 2, Path::new("lieux/x.md")).unwrap();
        let inputs = inputs_from_front_matter(&fm, 2);
        let departements = vec!["64".to_string()];
        let ctx = Context {
            territories: Territories::embedded(),
            departements: &departements,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            stale_months: 12,
            descriptions_under: None,
        };
        let origin = Origin {
            file: Path::new("lieux/x.md"),
            file_id,
            start: Position::new(1, 1),
            body: None,
        };
        validate_place(&inputs, origin, &ctx)
    }

    /// A build gets each description's HTML from validation, rendered from
    /// the same text as `presentation_detail`; `check` gets none.
    #[test]
    fn a_build_gets_the_description_rendered_with_its_checks() {
        let text = format!("---\n{VALID}---\n\n    Indentée : *texte* <b>x</b>\n\n[lien](/lieux/y/)\n\n");
        let file = ContentFile {
            path: "lieux/mediatheque-pau.md".into(),
            text,
        };
        let departements = vec!["64".to_string()];
        let ctx = |descriptions_under| Context {
            territories: Territories::embedded(),
            departements: &departements,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            stale_months: 12,
            descriptions_under,
        };
        let (built, warnings) = validate_place_file(&file, &ctx(Some("/annuaire/")));
        let (checked, check_warnings) = validate_place_file(&file, &ctx(None));
        assert_eq!(warnings, check_warnings);
        // The text is read as it is shown, trimmed: a paragraph, not an
        // indented code block. Positions are the file's.
        let html: Vec<Position> = warnings
            .iter()
            .filter(|w| w.code == "html")
            .map(|w| w.position)
            .collect();
        assert_eq!(html, [Position::new(19, 24)], "{warnings:#?}");
        let built = built.unwrap();
        let detail = built.lieu.presentation_detail.as_deref().unwrap();
        assert!(detail.starts_with("Indentée"));
        let rendered = crate::markdown::render(detail, crate::markdown::DESCRIPTION_HEADING, "/annuaire/");
        assert_eq!(built.description_html.as_deref(), Some(rendered.as_str()));
        assert!(rendered.contains("href=\"/annuaire/lieux/y/\""), "{rendered}");
        assert_eq!(checked.unwrap().description_html, None);
    }

    #[test]
    fn a_valid_place_passes_and_is_normalised() {
        let (lieu, diags) = run(VALID, Some("mediatheque-pau"));
        assert!(diags.is_empty(), "{diags:#?}");
        let lieu = lieu.unwrap();
        assert_eq!(lieu.telephone.as_deref(), Some("+33559271572"));
        assert_eq!(lieu.services.len(), 2);
        assert_eq!(lieu.code_postal, "64000");
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let yaml = VALID
            .replace("commune: Pau\n", "commune: Pau\nvile: Pau\n")
            .replace(
                "  - Accès internet et matériel informatique",
                "  - Acces internet et materiel informatique",
            )
            .replace("05 59 27 15 72", "05 59")
            .replace("code_postal: \"64000\"", "code_postal: \"64100\"");
        let (lieu, diags) = run(&yaml, Some("mediatheque-pau"));
        assert!(lieu.is_none());
        let summary: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.position.line, d.position.column))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("champ-inconnu", 8, 1),
                ("telephone", 12, 12),
                ("vocabulaire", 15, 5),
                ("code-postal", 6, 14),
            ],
            "{diags:#?}"
        );
        assert!(
            diags[2]
                .hint
                .as_deref()
                .unwrap()
                .contains("Accès internet et matériel informatique")
        );
    }

    #[test]
    fn missing_required_fields_and_wrong_departement() {
        let yaml = "nom: A\ncode_insee: \"40192\"\ncommune: Mont-de-Marsan\ncode_postal: \"40000\"\n";
        let (_, diags) = run(yaml, Some("a"));
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes.iter().filter(|c| **c == "champ-obligatoire").count(),
            3,
            "{diags:#?}"
        );
        assert!(codes.contains(&"hors-departement"));
    }

    #[test]
    fn code_insee_is_inferred_from_postcode_and_name() {
        let yaml = VALID.replace("code_insee: \"64445\"\n", "");
        let (lieu, diags) = run(&yaml, None);
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(lieu.unwrap().code_insee.as_deref(), Some("64445"));
    }

    #[test]
    fn stale_listing_is_a_warning_and_future_date_an_error() {
        let (lieu, diags) = run(&VALID.replace("2026-09-01", "2025-01-10"), None);
        assert!(lieu.is_some());
        assert_eq!(diags[0].code, "fraicheur");
        let (lieu, diags) = run(&VALID.replace("2026-09-01", "2027-01-10"), None);
        assert!(lieu.is_none());
        assert_eq!(diags[0].code, "date");
    }

    #[test]
    fn coordinates_outside_the_departement_are_errors() {
        let (_, diags) = run(&VALID.replace("43.2951", "44.8378"), None);
        assert_eq!(diags[0].code, "coordonnees", "{diags:#?}");
        let (_, diags) = run(
            &VALID.replace(
                "latitude: 43.2951\nlongitude: -0.3708",
                "latitude: -0.3708\nlongitude: 43.2951",
            ),
            None,
        );
        assert!(diags[0].hint.as_deref().unwrap().contains("inversées"), "{diags:#?}");
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let (_, diags) = run(&format!("{VALID}nom: Autre\n"), None);
        assert_eq!(diags[0].code, "cle-en-double");
        assert!(diags[0].message.contains("lignes 4 et 17"), "{}", diags[0].message);
    }

    #[test]
    fn hostile_ids_and_sizes_are_refused() {
        for id in ["../x", "a/b", "/etc/passwd", "con", "Lieu", "a--b", "x\u{0}y"] {
            let yaml = VALID.replace("id: mediatheque-pau", &format!("id: \"{}\"", id.replace('\0', "\\0")));
            let (lieu, diags) = run(&yaml, None);
            assert!(lieu.is_none(), "{id}");
            assert!(diags.iter().any(|d| d.code == "identifiant"), "{id}: {diags:#?}");
        }
        let long_name = VALID.replace("nom: Médiathèque André-Labarrère", &format!("nom: {}", "A".repeat(201)));
        assert_eq!(run(&long_name, None).1[0].code, "longueur");
        let many = format!("{VALID}courriels:\n{}", "  - a@b.fr\n".repeat(51));
        assert_eq!(run(&many, None).1[0].code, "longueur");
    }

    #[test]
    fn two_files_with_one_id_are_both_named() {
        let departements = vec!["64".to_string()];
        let ctx = Context {
            territories: Territories::embedded(),
            departements: &departements,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            stale_months: 12,
            descriptions_under: None,
        };
        let text = format!("---\n{}---\n", VALID.replace("id: mediatheque-pau\n", ""));
        let files = [
            ContentFile {
                path: PathBuf::from("content/lieux/a/mediatheque-pau.md"),
                text: text.clone(),
            },
            ContentFile {
                path: PathBuf::from("content/lieux/b/mediatheque-pau.md"),
                text,
            },
        ];
        let (_, diags) = validate_places(&files, &ctx);
        let collision: Vec<_> = diags.iter().filter(|d| d.code == "identifiant-en-double").collect();
        assert_eq!(collision.len(), 1, "{diags:#?}");
        assert_eq!(collision[0].file, PathBuf::from("content/lieux/b/mediatheque-pau.md"));
        assert!(collision[0].message.contains("content/lieux/a/mediatheque-pau.md"));
    }

    #[test]
    fn id_must_match_file_name() {
        let (_, diags) = run(VALID, Some("autre"));
        assert_eq!(diags[0].code, "identifiant");
    }
}

/// Our verdict on list values matches the national schema's own patterns,
/// matched against the whole `|`-joined value.
#[cfg(test)]
mod parity {
    use super::tests_support::run_field;
    use crate::schema;

    #[test]
    fn vocabulary_fields_agree_with_the_schema_patterns() {
        let s = schema::schema();
        for field in s
            .fields
            .iter()
            .filter(|f| f.vocabulary.is_some() && f.name != "typologie")
        {
            let pattern = field.pattern.as_ref().expect("closed lists have a pattern");
            let vocabulary = field.vocabulary.unwrap();
            for v in &vocabulary.values {
                let ours = run_field(&field.name, &v.value);
                let theirs = pattern.is_match(&v.value);
                // Documented difference: both spellings of « Étapes numériques (La Poste) » are accepted.
                if v.value != schema::ETAPES_NUMERIQUES_VOCABULARY {
                    assert_eq!(ours, theirs, "{}: « {} »", field.name, v.value);
                }
                assert!(ours, "{}: « {} »", field.name, v.value);
            }
            for wrong in ["Autre chose", "gratuit", "Seniors ", "Jeunes|Femmes"] {
                let ours = run_field(&field.name, wrong);
                let theirs = pattern.is_match(wrong);
                if wrong == "Seniors " {
                    // We trim spaces around values, the schema does not.
                    assert!(!theirs);
                    continue;
                }
                if wrong.contains('|') {
                    // A YAML item never holds a `|` list; the schema's verdict is on the whole value.
                    continue;
                }
                assert_eq!(ours, theirs, "{}: « {wrong} »", field.name);
            }
        }
    }

    #[test]
    fn text_fields_agree_with_the_schema_patterns() {
        let s = schema::schema();
        for (field, values) in [
            (
                "pivot",
                &["43493312300029", "W643000123", "12345678", "1234 5678 9012 34", "abc"][..],
            ),
            ("code_postal", &["64000", "6400", "640000", "2A000"][..]),
            ("code_insee", &["64445", "2A004", "20004", "6444"][..]),
            (
                "telephone",
                &["+33559271572", "+262262123456", "+3355927", "0559271572x"][..],
            ),
        ] {
            let pattern = s.field(field).unwrap().pattern.as_ref().unwrap();
            for value in values {
                assert_eq!(run_field(field, value), pattern.is_match(value), "{field}: « {value} »");
            }
        }
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;

    /// Validates one field alone; true when it raised no error.
    pub fn run_field(name: &str, value: &str) -> bool {
        let field = schema::schema().field(name).unwrap();
        let mut v = Validator {
            ctx: &Context {
                territories: Territories::embedded(),
                departements: &[],
                today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                stale_months: 12,
                descriptions_under: None,
            },
            file: Path::new("f.md"),
            diagnostics: Vec::new(),
        };
        let input = InputField {
            key: name.into(),
            key_position: Position::new(1, 1),
            value: InputValue::Scalar(value.into()),
            value_position: Position::new(1, 1),
            quoted: false,
        };
        check_field(&mut v, field, &input);
        !v.diagnostics.iter().any(Diagnostic::is_error)
    }
}
