//! The validated place, field for field as the national standard names them.

use chrono::NaiveDate;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lieu {
    pub id: String,
    pub pivot: String,
    pub nom: String,
    pub commune: String,
    pub code_postal: String,
    pub code_insee: Option<String>,
    pub adresse: String,
    pub complement_adresse: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub typologie: Vec<String>,
    /// Normalised to the schema's form, `+33…`.
    pub telephone: Option<String>,
    pub courriels: Vec<String>,
    pub site_web: Vec<String>,
    pub horaires: Option<String>,
    pub presentation_resume: Option<String>,
    /// The Markdown body of the file.
    pub presentation_detail: Option<String>,
    pub source: Option<String>,
    pub itinerance: Vec<String>,
    pub structure_parente: Option<String>,
    pub date_maj: NaiveDate,
    pub services: Vec<String>,
    pub publics_specifiquement_adresses: Vec<String>,
    pub prise_en_charge_specifique: Vec<String>,
    pub frais_a_charge: Vec<String>,
    pub dispositif_programmes_nationaux: Vec<String>,
    pub formations_labels: Vec<String>,
    pub autres_formations_labels: Vec<String>,
    pub modalites_acces: Vec<String>,
    pub modalites_accompagnement: Vec<String>,
    pub fiche_acces_libre: Option<String>,
    pub prise_rdv: Option<String>,
    /// Not in the national standard: written in the front matter only, never
    /// exported (exports list the schema's fields by name).
    pub fermeture_temporaire: Option<Fermeture>,
}

/// `fermeture_temporaire`, this site's extension of the national schema: the
/// place is closed from `du` to `au`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fermeture {
    pub du: NaiveDate,
    pub au: NaiveDate,
    pub message: Option<String>,
}

/// Where a place came from, for messages and the "Modifier cette fiche" link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    /// Path from the site root, `/`-separated.
    pub path: PathBuf,
    /// File line of the first Markdown line.
    pub body_first_line: u32,
}

/// A value of a field, as validation produced it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Date(NaiveDate),
    Closure(Fermeture),
}

impl Lieu {
    /// The values of a list field, by its schema name.
    pub fn list(&self, field: &str) -> Option<&[String]> {
        Some(match field {
            "typologie" => &self.typologie,
            "courriels" => &self.courriels,
            "site_web" => &self.site_web,
            "services" => &self.services,
            "publics_specifiquement_adresses" => &self.publics_specifiquement_adresses,
            "prise_en_charge_specifique" => &self.prise_en_charge_specifique,
            "frais_a_charge" => &self.frais_a_charge,
            "itinerance" => &self.itinerance,
            "modalites_acces" => &self.modalites_acces,
            "modalites_accompagnement" => &self.modalites_accompagnement,
            "dispositif_programmes_nationaux" => &self.dispositif_programmes_nationaux,
            "formations_labels" => &self.formations_labels,
            "autres_formations_labels" => &self.autres_formations_labels,
            _ => return None,
        })
    }

    /// The value of a schema field in the national CSV's form: lists joined
    /// with `|`, numbers as written by Rust's shortest round-trip form.
    pub fn export_value(&self, field: &str) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let num = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
        match field {
            "id" => self.id.clone(),
            "pivot" => self.pivot.clone(),
            "nom" => self.nom.clone(),
            "commune" => self.commune.clone(),
            "code_postal" => self.code_postal.clone(),
            "code_insee" => opt(&self.code_insee),
            "adresse" => self.adresse.clone(),
            "complement_adresse" => opt(&self.complement_adresse),
            "latitude" => num(self.latitude),
            "longitude" => num(self.longitude),
            "telephone" => opt(&self.telephone),
            "horaires" => opt(&self.horaires),
            "presentation_resume" => opt(&self.presentation_resume),
            "presentation_detail" => opt(&self.presentation_detail),
            "source" => opt(&self.source),
            "structure_parente" => opt(&self.structure_parente),
            "date_maj" => self.date_maj.format("%Y-%m-%d").to_string(),
            "formations_labels" => self
                .formations_labels
                .iter()
                .map(|l| {
                    if l == crate::schema::ETAPES_NUMERIQUES_VOCABULARY {
                        crate::schema::ETAPES_NUMERIQUES_SCHEMA.to_string()
                    } else {
                        l.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("|"),
            "fiche_acces_libre" => opt(&self.fiche_acces_libre),
            "prise_rdv" => opt(&self.prise_rdv),
            list => self.list(list).map(|v| v.join("|")).unwrap_or_default(),
        }
    }

    /// Builds a place from validated fields. Returns `None` when a required
    /// field is missing: validation has then reported it.
    pub fn from_fields(mut get: impl FnMut(&str) -> Option<FieldValue>) -> Option<Lieu> {
        let mut text = |name: &str| match get(name) {
            Some(FieldValue::Text(s)) => Some(s),
            _ => None,
        };
        let id = text("id")?;
        let pivot = text("pivot")?;
        let nom = text("nom")?;
        let commune = text("commune")?;
        let code_postal = text("code_postal")?;
        let adresse = text("adresse")?;
        let code_insee = text("code_insee");
        let complement_adresse = text("complement_adresse");
        let telephone = text("telephone");
        let horaires = text("horaires");
        let presentation_resume = text("presentation_resume");
        let presentation_detail = text("presentation_detail");
        let source = text("source");
        let structure_parente = text("structure_parente");
        let fiche_acces_libre = text("fiche_acces_libre");
        let prise_rdv = text("prise_rdv");
        let mut list = |name: &str| match get(name) {
            Some(FieldValue::List(v)) => v,
            _ => Vec::new(),
        };
        let typologie = list("typologie");
        let courriels = list("courriels");
        let site_web = list("site_web");
        let itinerance = list("itinerance");
        let services = list("services");
        let publics_specifiquement_adresses = list("publics_specifiquement_adresses");
        let prise_en_charge_specifique = list("prise_en_charge_specifique");
        let frais_a_charge = list("frais_a_charge");
        let dispositif_programmes_nationaux = list("dispositif_programmes_nationaux");
        let formations_labels = list("formations_labels");
        let autres_formations_labels = list("autres_formations_labels");
        let modalites_acces = list("modalites_acces");
        let modalites_accompagnement = list("modalites_accompagnement");
        let mut number = |name: &str| match get(name) {
            Some(FieldValue::Number(n)) => Some(n),
            _ => None,
        };
        let latitude = number("latitude");
        let longitude = number("longitude");
        let date_maj = match get("date_maj") {
            Some(FieldValue::Date(d)) => d,
            _ => return None,
        };
        let fermeture_temporaire = match get(crate::fermeture::KEY) {
            Some(FieldValue::Closure(f)) => Some(f),
            _ => None,
        };
        Some(Lieu {
            id,
            pivot,
            nom,
            commune,
            code_postal,
            code_insee,
            adresse,
            complement_adresse,
            latitude,
            longitude,
            typologie,
            telephone,
            courriels,
            site_web,
            horaires,
            presentation_resume,
            presentation_detail,
            source,
            itinerance,
            structure_parente,
            date_maj,
            services,
            publics_specifiquement_adresses,
            prise_en_charge_specifique,
            frais_a_charge,
            dispositif_programmes_nationaux,
            formations_labels,
            autres_formations_labels,
            modalites_acces,
            modalites_accompagnement,
            fiche_acces_libre,
            prise_rdv,
            fermeture_temporaire,
        })
    }
}
