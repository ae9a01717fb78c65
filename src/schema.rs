//! The national data standard of lieux de médiation numérique, v1.0.2.
//!
//! The schema and the closed vocabularies are embedded from `data/reference/`
//! so that the binary is self-contained. Field names, order, required flags
//! and patterns come from the schema itself, never from a copy in code.

use regex::Regex;
use serde::Deserialize;
// Looked up for every field of every place.
use ahash::AHashMap as HashMap;
use std::sync::OnceLock;

const SCHEMA_JSON: &str = include_str!("../data/reference/schema-lieux-mediation-numerique-v1.0.2.json");
const VOCABULARIES_JSON: &str = include_str!("../data/reference/vocabulaires.json");

/// How a field is written in our front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One value.
    Text,
    /// A YAML list; `|`-joined in the national CSV.
    List,
    /// A decimal number (latitude, longitude).
    Number,
    /// `YYYY-MM-DD`.
    Date,
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub title: String,
    pub description: String,
    pub example: String,
    pub required: bool,
    pub max_length: Option<usize>,
    pub shape: Shape,
    /// The schema's pattern, anchored to match the whole value.
    pub pattern: Option<Regex>,
    /// The closed list this field draws from, if any.
    pub vocabulary: Option<&'static Vocabulary>,
}

#[derive(Debug)]
pub struct Vocabulary {
    pub field: &'static str,
    pub values: Vec<VocabularyValue>,
}

#[derive(Debug, Clone)]
pub struct VocabularyValue {
    pub value: String,
    /// French label shown to residents; equals `value` except for typologie codes.
    pub label: String,
}

impl Vocabulary {
    pub fn contains(&self, value: &str) -> bool {
        self.values.iter().any(|v| v.value == value)
    }

    pub fn label(&self, value: &str) -> Option<&str> {
        self.values.iter().find(|v| v.value == value).map(|v| v.label.as_str())
    }
}

pub struct Schema {
    /// In the schema's order, which is also the CSV header order.
    pub fields: Vec<Field>,
    by_name: HashMap<String, usize>,
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.by_name.get(name).map(|&i| &self.fields[i])
    }

    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }
}

/// Fields the schema types as strings but whose values are `|`-separated lists.
const LIST_FIELDS: &[&str] = &[
    "typologie",
    "courriels",
    "site_web",
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
];

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| load_schema(SCHEMA_JSON).expect("embedded schema is valid"))
}

pub fn vocabularies() -> &'static [Vocabulary] {
    static VOCABULARIES: OnceLock<Vec<Vocabulary>> = OnceLock::new();
    VOCABULARIES.get_or_init(|| load_vocabularies(VOCABULARIES_JSON).expect("embedded vocabularies are valid"))
}

pub fn vocabulary(field: &str) -> Option<&'static Vocabulary> {
    vocabularies().iter().find(|v| v.field == field)
}

#[derive(Deserialize)]
struct RawSchema {
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawField {
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    example: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    constraints: RawConstraints,
}

#[derive(Deserialize, Default)]
struct RawConstraints {
    #[serde(default)]
    required: bool,
    pattern: Option<String>,
    #[serde(rename = "maxLength")]
    max_length: Option<usize>,
}

fn load_schema(json: &str) -> Result<Schema, String> {
    let raw: RawSchema = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut fields = Vec::with_capacity(raw.fields.len());
    for f in raw.fields {
        let shape = match f.kind.as_str() {
            "number" => Shape::Number,
            "date" => Shape::Date,
            _ if LIST_FIELDS.contains(&f.name.as_str()) => Shape::List,
            _ => Shape::Text,
        };
        // Table Schema patterns match the whole value.
        let pattern = match &f.constraints.pattern {
            Some(p) => Some(Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("{}: {e}", f.name))?),
            None => None,
        };
        let vocabulary = vocabulary(&f.name);
        fields.push(Field {
            title: f.title,
            description: f.description,
            example: f.example,
            required: f.constraints.required,
            max_length: f.constraints.max_length,
            shape,
            pattern,
            vocabulary,
            name: f.name,
        });
    }
    let by_name = fields.iter().enumerate().map(|(i, f)| (f.name.clone(), i)).collect();
    Ok(Schema { fields, by_name })
}

fn load_vocabularies(json: &str) -> Result<Vec<Vocabulary>, String> {
    let raw: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (key, value) in raw {
        let Some(items) = value.as_array() else { continue };
        let field: &'static str = Box::leak(key.into_boxed_str());
        let values = items
            .iter()
            .filter_map(|item| match item {
                serde_json::Value::String(s) => Some(VocabularyValue {
                    value: s.clone(),
                    label: s.clone(),
                }),
                serde_json::Value::Object(o) => {
                    let value = o.get("value")?.as_str()?.to_string();
                    let label = o.get("label").and_then(|l| l.as_str()).unwrap_or(&value).to_string();
                    Some(VocabularyValue { value, label })
                }
                _ => None,
            })
            .collect();
        out.push(Vocabulary { field, values });
    }
    Ok(out)
}

/// The standard's pattern for `formations_labels` spells this value without
/// the space that its own JavaScript library and vocabulary use. We accept
/// both on input and write the schema's spelling in the national export, so
/// that the CSV passes the schema's own constraints.
pub const ETAPES_NUMERIQUES_VOCABULARY: &str = "Étapes numériques (La Poste)";
pub const ETAPES_NUMERIQUES_SCHEMA: &str = "Étapes numériques(La Poste)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_32_fields_in_order() {
        let s = schema();
        assert_eq!(s.fields.len(), 32);
        assert_eq!(s.fields[0].name, "id");
        assert_eq!(s.fields[31].name, "prise_rdv");
        assert!(s.field("nom").unwrap().required);
        assert_eq!(s.field("presentation_resume").unwrap().max_length, Some(280));
        assert_eq!(s.field("services").unwrap().shape, Shape::List);
        assert_eq!(s.field("latitude").unwrap().shape, Shape::Number);
        assert_eq!(s.field("date_maj").unwrap().shape, Shape::Date);
    }

    #[test]
    fn patterns_match_whole_values() {
        let s = schema();
        let cp = s.field("code_postal").unwrap().pattern.as_ref().unwrap();
        assert!(cp.is_match("64000"));
        assert!(!cp.is_match("640000"));
        let services = s.field("services").unwrap().pattern.as_ref().unwrap();
        assert!(services.is_match("Aide aux démarches administratives|Loisirs et créations numériques"));
        assert!(!services.is_match("Aide aux démarches administratives|Autre"));
    }

    #[test]
    fn vocabularies_cover_closed_fields() {
        assert_eq!(vocabulary("typologie").unwrap().values.len(), 92);
        assert_eq!(vocabulary("services").unwrap().values.len(), 9);
        assert_eq!(
            vocabulary("typologie").unwrap().label("BIB"),
            Some("Bibliothèque / Médiathèque")
        );
        let labels = schema().field("formations_labels").unwrap().pattern.as_ref().unwrap();
        assert!(labels.is_match(ETAPES_NUMERIQUES_SCHEMA));
        assert!(!labels.is_match(ETAPES_NUMERIQUES_VOCABULARY));
    }
}
