//! `annuaire new lieu "Nom"`: a commented template a partner fills in.

use crate::error::Error;
use crate::load::PLACES_DIR;
use crate::text::slugify;
use std::path::{Path, PathBuf};

pub fn place_template(id: &str, nom: &str, today: chrono::NaiveDate) -> String {
    let nom_yaml = yaml_quote(nom);
    format!(
        r#"---
# Fiche d'un lieu de médiation numérique.
# Les noms des champs sont ceux du standard national (schéma v1.0.2).
# Une ligne qui commence par # est un commentaire : elle est ignorée.
# Vérifiez la fiche avec : annuaire check

id: {id}
nom: {nom_yaml}
# SIRET de la structure (14 chiffres), à trouver sur annuaire-entreprises.data.gouv.fr
pivot: "00000000000000"

# Adresse
adresse: "1 rue de l'Exemple"
code_postal: "64000"
commune: Pau
# Code INSEE de la commune (ce n'est pas le code postal)
code_insee: "64445"
# Coordonnées GPS, à copier depuis adresse.data.gouv.fr
latitude: 43.2951
longitude: -0.3708

# Contact (supprimez les lignes que vous ne renseignez pas)
telephone: "05 59 00 00 00"
courriels:
  - contact@exemple.fr
site_web:
  - https://www.exemple.fr/

# Horaires au format OpenStreetMap, par exemple :
# Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off
horaires: "Mo-Fr 09:00-12:00,14:00-17:00; PH off"

# Une phrase de présentation (280 caractères au plus)
presentation_resume: "Nous aidons chacun à faire ses démarches en ligne et à utiliser son téléphone ou son ordinateur."

# Services : choisissez parmi
#   Aide aux démarches administratives
#   Maîtrise des outils numériques du quotidien
#   Insertion professionnelle via le numérique
#   Utilisation sécurisée du numérique
#   Parentalité et éducation avec le numérique
#   Loisirs et créations numériques
#   Compréhension du monde numérique
#   Accès internet et matériel informatique
#   Acquisition de matériel informatique à prix solidaire
services:
  - Aide aux démarches administratives

# Frais : Gratuit, Gratuit sous condition, Payant
frais_a_charge:
  - Gratuit

# Comment venir : Se présenter, Téléphoner, Contacter par mail,
# Prendre un RDV en ligne, Envoyer un mail avec une fiche de prescription
modalites_acces:
  - Se présenter
  - Téléphoner

# Accompagnement : En autonomie, Accompagnement individuel,
# Dans un atelier collectif, À distance
modalites_accompagnement:
  - Accompagnement individuel

# Date de la dernière vérification de cette fiche (année-mois-jour)
date_maj: {today}

# Fermeture temporaire (travaux, congés) : retirez les # des quatre lignes.
# Un bandeau l'annonce aux habitants du premier au dernier jour inclus.
# fermeture_temporaire:
#   du: {closed_from}
#   au: {closed_to}
#   message: Fermé pour travaux ; la permanence a lieu à la mairie.
---
Décrivez ici le lieu en quelques phrases : ce qu'on y trouve, comment se passe
un premier rendez-vous, s'il faut apporter quelque chose.
"#,
        today = today.format("%Y-%m-%d"),
        // An example that, uncommented, is valid and still to come.
        closed_from = (today + chrono::Days::new(30)).format("%Y-%m-%d"),
        closed_to = (today + chrono::Days::new(44)).format("%Y-%m-%d"),
    )
}

fn yaml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes `content/lieux/<id>.md`; never overwrites.
pub fn new_place(root: &Path, nom: &str, today: chrono::NaiveDate) -> Result<PathBuf, Error> {
    let id = slugify(nom);
    if id.is_empty() {
        return Err(Error::Internal(format!(
            "impossible de tirer un identifiant du nom « {nom} »"
        )));
    }
    let dir = root.join(PLACES_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("{id}.md"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    std::io::Write::write_all(&mut file, place_template(&id, nom, today).as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
