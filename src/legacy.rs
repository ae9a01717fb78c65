//! The legacy v0.1 schema of lieux de médiation numérique, mapped to v1.
//!
//! A legacy value maps to a v1 value only where the meaning is the same
//! (see `data/reference/evolutions-v0.1-vers-v1.md`). Values with no v1
//! equivalent are kept: in `autres_formations_labels` when they are labels,
//! otherwise as a note that import writes in a comment of the place file.

/// Field renamed without change of meaning.
pub const RENAMED_FIELDS: &[(&str, &str)] = &[
    ("courriel", "courriels"),
    ("labels_autres", "autres_formations_labels"),
    ("accessibilite", "fiche_acces_libre"),
];

/// Fields that only exist in v0.1 and are dropped from the v1 record, kept as a note.
pub const DROPPED_FIELDS: &[&str] = &["cle_ban"];

/// Where a legacy value goes in v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The same meaning exists: (v1 field, v1 value).
    Value(&'static str, &'static str),
    /// A label with no v1 value: kept in `autres_formations_labels` under this name.
    OtherLabel(&'static str),
    /// No v1 equivalent: kept as a note in the file's comments.
    Note,
}

pub const SERVICES: &[(&str, Target)] = &[
    (
        "Devenir autonome dans les démarches administratives",
        Target::Value("services", "Aide aux démarches administratives"),
    ),
    (
        "Réaliser des démarches administratives avec un accompagnement",
        Target::Value("services", "Aide aux démarches administratives"),
    ),
    (
        "Accompagner les démarches de santé",
        Target::Value("services", "Aide aux démarches administratives"),
    ),
    (
        "Prendre en main un smartphone ou une tablette",
        Target::Value("services", "Maîtrise des outils numériques du quotidien"),
    ),
    (
        "Prendre en main un ordinateur",
        Target::Value("services", "Maîtrise des outils numériques du quotidien"),
    ),
    (
        "Utiliser le numérique au quotidien",
        Target::Value("services", "Maîtrise des outils numériques du quotidien"),
    ),
    (
        "Approfondir ma culture numérique",
        Target::Value("services", "Compréhension du monde numérique"),
    ),
    (
        "Promouvoir la citoyenneté numérique",
        Target::Value("services", "Compréhension du monde numérique"),
    ),
    (
        "Favoriser mon insertion professionnelle",
        Target::Value("services", "Insertion professionnelle via le numérique"),
    ),
    (
        "Créer et développer mon entreprise",
        Target::Value("services", "Insertion professionnelle via le numérique"),
    ),
    (
        "Accéder à une connexion internet",
        Target::Value("services", "Accès internet et matériel informatique"),
    ),
    (
        "Accéder à du matériel",
        Target::Value("services", "Accès internet et matériel informatique"),
    ),
    (
        "S'équiper en matériel informatique",
        Target::Value("services", "Acquisition de matériel informatique à prix solidaire"),
    ),
    (
        "Créer avec le numérique",
        Target::Value("services", "Loisirs et créations numériques"),
    ),
    (
        "Soutenir la parentalité et l'éducation avec le numérique",
        Target::Value("services", "Parentalité et éducation avec le numérique"),
    ),
];

pub const PUBLICS: &[(&str, Target)] = &[
    (
        "Seniors (+ 65 ans)",
        Target::Value("publics_specifiquement_adresses", "Seniors"),
    ),
    (
        "Familles/enfants",
        Target::Value("publics_specifiquement_adresses", "Familles et/ou enfants"),
    ),
    (
        "Jeunes (16-26 ans)",
        Target::Value("publics_specifiquement_adresses", "Jeunes"),
    ),
    (
        "Uniquement femmes",
        Target::Value("publics_specifiquement_adresses", "Femmes"),
    ),
    // Every place welcomes adults: v1 has no value for "all adults".
    ("Adultes", Target::Note),
    (
        "Déficience visuelle",
        Target::Value("prise_en_charge_specifique", "Déficience visuelle"),
    ),
    ("Surdité", Target::Value("prise_en_charge_specifique", "Surdité")),
    (
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        Target::Value("prise_en_charge_specifique", "Handicaps mentaux"),
    ),
    (
        "Personnes en situation d'illettrisme",
        Target::Value("prise_en_charge_specifique", "Illettrisme"),
    ),
    // v1 splits foreign languages into English and others; the legacy value says neither.
    ("Public langues étrangères", Target::Note),
    // Psychiatric disabilities are not mental deficiencies: no same-meaning v1 value.
    (
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales",
        Target::Note,
    ),
];

pub const CONDITIONS: &[(&str, Target)] = &[
    (
        "Gratuit : Je peux accéder gratuitement au lieu et à ses services",
        Target::Value("frais_a_charge", "Gratuit"),
    ),
    (
        "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, convention avec un organisme social...)",
        Target::Value("frais_a_charge", "Gratuit sous condition"),
    ),
    (
        "Payant : L'accès au lieu et/ou à ses services est payant",
        Target::Value("frais_a_charge", "Payant"),
    ),
    (
        "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu",
        Target::OtherLabel("Pass numérique (APTIC)"),
    ),
    (
        "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
        Target::Note,
    ),
];

pub const LABELS: &[(&str, Target)] = &[
    (
        "France Services",
        Target::Value("dispositif_programmes_nationaux", "France Services"),
    ),
    (
        "CNFS",
        Target::Value("dispositif_programmes_nationaux", "Conseillers numériques"),
    ),
    (
        "Aidants Connect",
        Target::Value("dispositif_programmes_nationaux", "Aidants Connect"),
    ),
    (
        "Grandes écoles du numérique",
        Target::Value("dispositif_programmes_nationaux", "Grande école du numérique"),
    ),
    (
        "Point relais CAF",
        Target::Value("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
    ),
    (
        "Point numérique CAF",
        Target::Value("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
    ),
    (
        "Fabriques de Territoire",
        Target::Value("formations_labels", "Fabriques de Territoire"),
    ),
    ("APTIC", Target::OtherLabel("APTIC")),
    ("Relais pôle emploi", Target::OtherLabel("Relais pôle emploi")),
    ("French Tech", Target::OtherLabel("French Tech")),
    ("Campus connecté", Target::OtherLabel("Campus connecté")),
];

pub const ACCOMPANIMENT: &[(&str, Target)] = &[
    (
        "Seul : j'ai accès à du matériel et une connexion",
        Target::Value("modalites_accompagnement", "En autonomie"),
    ),
    (
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
        Target::Value("modalites_accompagnement", "Accompagnement individuel"),
    ),
    (
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
        Target::Value("modalites_accompagnement", "Dans un atelier collectif"),
    ),
    // Doing the procedure for the person is not accompanying them: kept as a note.
    (
        "A ma place : une personne habilitée fait les démarches à ma place",
        Target::Note,
    ),
];

/// The mapping table of a legacy list field, if it has one.
pub fn table(field: &str) -> Option<&'static [(&'static str, Target)]> {
    match field {
        "services" => Some(SERVICES),
        "publics_accueillis" => Some(PUBLICS),
        "conditions_acces" => Some(CONDITIONS),
        "labels_nationaux" => Some(LABELS),
        "modalites_accompagnement" => Some(ACCOMPANIMENT),
        _ => None,
    }
}

/// Maps one legacy value. `None` when the value is not in the legacy vocabulary either.
pub fn map_value(field: &str, value: &str) -> Option<Target> {
    let table = table(field)?;
    let folded = crate::text::fold(value.trim());
    table
        .iter()
        .find(|(legacy, _)| crate::text::fold(legacy) == folded)
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    /// Every v1 value in the tables is in the v1 vocabulary, and every legacy
    /// value of the v0.1 schema's patterns has a mapping.
    #[test]
    fn tables_are_complete_and_point_to_real_values() {
        for field in [
            "services",
            "publics_accueillis",
            "conditions_acces",
            "labels_nationaux",
            "modalites_accompagnement",
        ] {
            for (_, target) in table(field).unwrap() {
                if let Target::Value(v1_field, v1_value) = target {
                    let vocabulary = schema::vocabulary(v1_field).unwrap();
                    assert!(vocabulary.contains(v1_value), "{v1_field}: {v1_value}");
                }
            }
        }
        let legacy: serde_json::Value = serde_json::from_str(include_str!(
            "../data/reference/schema-lieux-mediation-numerique-v0.1.1.json"
        ))
        .unwrap();
        for f in legacy["fields"].as_array().unwrap() {
            let name = f["name"].as_str().unwrap();
            let Some(pattern) = f["constraints"]["pattern"].as_str() else {
                continue;
            };
            let Some(table) = table(name) else { continue };
            let inner = pattern.split_once(";)(").unwrap().1.rsplit_once("))+$").unwrap().0;
            for value in inner.split('|') {
                let value = value
                    .replace("\\(", "(")
                    .replace("\\)", ")")
                    .replace("\\+", "+")
                    .replace("\\.", ".");
                assert!(
                    table.iter().any(|(l, _)| *l == value),
                    "{name}: « {value} » has no mapping"
                );
            }
        }
    }

    #[test]
    fn mapping_ignores_case_and_accents() {
        assert_eq!(
            map_value("labels_nationaux", "cnfs"),
            Some(Target::Value(
                "dispositif_programmes_nationaux",
                "Conseillers numériques"
            ))
        );
        assert_eq!(map_value("publics_accueillis", "Adultes"), Some(Target::Note));
        assert_eq!(map_value("services", "Cuisine"), None);
    }
}
