//! The contribution guide: every field of a place file, its meaning and its
//! allowed values, generated from the embedded schema and vocabularies so
//! that the page « Contribuer » never drifts from what `check` accepts.
//!
//! A free page asks for it with `modele: contribuer` in its front matter:
//! its Markdown comes first, then the theme's `contribuer.html` lists the
//! fields.

use crate::schema::{self, Shape};
use crate::validate::Page;
use serde::Serialize;

/// Front matter value of `modele` that adds the field guide to a page.
pub const TEMPLATE: &str = "contribuer";

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct FieldDoc {
    pub nom: String,
    pub titre: String,
    pub description: String,
    pub obligatoire: bool,
    /// How to write it in the front matter, in French.
    pub forme: String,
    pub exemple: Option<String>,
    /// The closed list, if any: value as written, and label when it differs.
    pub valeurs: Vec<ValueDoc>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ValueDoc {
    pub valeur: String,
    pub libelle: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Guide {
    pub champs: Vec<FieldDoc>,
    /// Fields of this site beyond the national standard.
    pub extensions: Vec<FieldDoc>,
}

/// Sentences of the schema's descriptions about its CSV form (values
/// separated by `|`) would mislead someone writing a YAML list.
fn description_for_yaml(description: &str) -> String {
    description
        .split_inclusive(". ")
        .filter(|sentence| !sentence.contains('|'))
        .collect::<String>()
        .trim()
        .to_string()
}

fn shape_text(field: &schema::Field) -> String {
    let mut text = match (field.shape, field.vocabulary.is_some()) {
        (Shape::List, true) => {
            "liste : une valeur par ligne, précédée de « - », choisie exactement parmi les valeurs permises".to_string()
        }
        (Shape::List, false) => "liste : une valeur par ligne, précédée de « - »".to_string(),
        (Shape::Number, _) => "nombre décimal, avec un point (43.2951)".to_string(),
        (Shape::Date, _) => "date au format AAAA-MM-JJ".to_string(),
        (Shape::Text, _) => "texte sur une ligne".to_string(),
    };
    if let Some(max) = field.max_length {
        text.push_str(&format!(", {max} caractères au plus"));
    }
    text
}

pub fn guide() -> Guide {
    let champs = schema::schema()
        .fields
        .iter()
        .map(|f| {
            let (forme, description) = match f.name.as_str() {
                "presentation_detail" => (
                    "texte libre en Markdown, sous la seconde ligne « --- » de la fiche (pas dans l'en-tête)"
                        .to_string(),
                    description_for_yaml(&f.description),
                ),
                "id" => (
                    "minuscules sans accent, chiffres et tirets ; égal au nom du fichier, qu'il remplace s'il manque"
                        .to_string(),
                    description_for_yaml(&f.description),
                ),
                "telephone" => (
                    "numéro à 10 chiffres (05 59 12 34 56) ou au format international (+33559123456)".to_string(),
                    "Ce champ contient un numéro de téléphone du lieu.".to_string(),
                ),
                _ => (shape_text(f), description_for_yaml(&f.description)),
            };
            FieldDoc {
                nom: f.name.clone(),
                titre: f.title.clone(),
                description,
                obligatoire: f.required,
                forme,
                exemple: (!f.example.is_empty() && f.vocabulary.is_none() && !f.example.contains('|'))
                    .then(|| f.example.clone()),
                valeurs: f
                    .vocabulary
                    .map(|v| {
                        v.values
                            .iter()
                            .map(|x| ValueDoc {
                                valeur: x.value.clone(),
                                libelle: (x.label != x.value).then(|| x.label.clone()),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let extensions = vec![FieldDoc {
        nom: crate::fermeture::KEY.into(),
        titre: "Fermeture temporaire".into(),
        description: "Propre à cet annuaire, hors du standard national (absent des données ouvertes). Pendant la fermeture, un bandeau l'annonce sur la page du lieu et dans les listes ; avant, la page du lieu l'annonce."
            .into(),
        obligatoire: false,
        forme: format!(
            "trois lignes en retrait de deux espaces : « du » (premier jour fermé, AAAA-MM-JJ), « au » (dernier jour fermé) et « message » (facultatif, {} caractères au plus)",
            crate::fermeture::MAX_MESSAGE_CHARS
        ),
        exemple: None,
        valeurs: Vec::new(),
    }];
    Guide { champs, extensions }
}

/// The template of a free page, and what it adds to the page's context.
pub fn extend_page(page: &Page, context: &mut tera::Context) -> &'static str {
    if page.modele.as_deref() == Some(TEMPLATE) {
        context.insert("guide", &guide());
        "contribuer.html"
    } else {
        "page.html"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_every_allowed_value_is_documented() {
        let g = guide();
        let s = schema::schema();
        assert_eq!(g.champs.len(), s.fields.len());
        for (doc, field) in g.champs.iter().zip(&s.fields) {
            assert_eq!(doc.nom, field.name);
            assert!(!doc.description.is_empty(), "{}", doc.nom);
            assert!(!doc.description.contains('|'), "{}: {}", doc.nom, doc.description);
            if let Some(v) = field.vocabulary {
                let values: Vec<&str> = doc.valeurs.iter().map(|x| x.valeur.as_str()).collect();
                let expected: Vec<&str> = v.values.iter().map(|x| x.value.as_str()).collect();
                assert_eq!(values, expected, "{}", doc.nom);
            }
        }
        let services = g.champs.iter().find(|f| f.nom == "services").unwrap();
        assert!(services.forme.starts_with("liste"));
        let typologie = g.champs.iter().find(|f| f.nom == "typologie").unwrap();
        assert_eq!(
            typologie
                .valeurs
                .iter()
                .find(|v| v.valeur == "BIB")
                .unwrap()
                .libelle
                .as_deref(),
            Some("Bibliothèque / Médiathèque")
        );
        assert!(g.champs.iter().find(|f| f.nom == "nom").unwrap().obligatoire);
        assert_eq!(g.extensions[0].nom, "fermeture_temporaire");
    }

    #[test]
    fn csv_sentences_are_left_out() {
        assert_eq!(
            description_for_yaml(
                "Ce champ indique le tarif. Sélectionner des valeurs séparées par un `|` : A, B. Voir aussi."
            ),
            "Ce champ indique le tarif. Voir aussi."
        );
    }
}
