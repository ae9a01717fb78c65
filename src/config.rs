//! The site configuration, `annuaire.yaml` at the site root.
//!
//! Keys are in French: the département's team edits this file.

use crate::diagnostics::{Diagnostic, Position};
use serde::Deserialize;
use std::path::Path;

pub const CONFIG_FILE: &str = "annuaire.yaml";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title, e.g. « Lieux de médiation numérique des Pyrénées-Atlantiques ».
    pub titre: String,
    /// Short name of the publisher, e.g. « Département des Pyrénées-Atlantiques ».
    pub editeur: String,
    /// Absolute URL where the site is published, e.g. `https://www.le64.fr/annuaire/`.
    pub url_de_base: String,
    /// Codes of the département(s) the directory covers.
    pub departements: Vec<String>,
    #[serde(default = "default_theme")]
    pub theme: String,
    pub contact: Contact,
    /// URL template of the web editor of a place file; `{chemin}` is replaced
    /// by the file's path from the site root, e.g.
    /// `https://github.com/org/annuaire/edit/main/{chemin}`.
    #[serde(default)]
    pub lien_modification: Option<String>,
    #[serde(default)]
    pub couleurs: Colours,
    /// Path of the logo, relative to the site's `static/` folder.
    #[serde(default)]
    pub logo: Option<String>,
    /// Text alternative of the logo; empty when the logo is decorative.
    #[serde(default)]
    pub logo_alt: Option<String>,
    /// RGAA compliance status shown on every page: « totalement conforme »,
    /// « partiellement conforme » or « non conforme ».
    #[serde(default = "default_accessibility")]
    pub accessibilite: String,
    /// How many nearest places a commune without a place lists.
    #[serde(default = "default_nearest")]
    pub lieux_proches: usize,
    /// Months after which a listing is reported as stale.
    #[serde(default = "default_stale_months")]
    pub fraicheur_mois: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub nom: String,
    pub courriel: String,
    #[serde(default)]
    pub telephone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Colours {
    /// Header background and links; must reach 4.5:1 against white.
    #[serde(default = "default_primary")]
    pub principale: String,
    /// Highlights (focus ring, badges); must reach 3:1 against white.
    #[serde(default = "default_accent")]
    pub accent: String,
}

impl Default for Colours {
    fn default() -> Self {
        Colours {
            principale: default_primary(),
            accent: default_accent(),
        }
    }
}

fn default_theme() -> String {
    "default".to_string()
}
fn default_primary() -> String {
    "#1d4f91".to_string()
}
fn default_accent() -> String {
    "#b34700".to_string()
}
fn default_accessibility() -> String {
    "partiellement conforme".to_string()
}
fn default_nearest() -> usize {
    5
}
fn default_stale_months() -> u32 {
    12
}

impl Config {
    /// The path part of the base URL, always starting and ending with `/`.
    pub fn base_path(&self) -> String {
        base_path_of(&self.url_de_base)
    }

    /// The base URL with a trailing slash.
    pub fn base_url(&self) -> String {
        let mut url = self.url_de_base.trim().to_string();
        if !url.ends_with('/') {
            url.push('/');
        }
        url
    }
}

pub fn base_path_of(url: &str) -> String {
    let url = url.trim();
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path = match after_scheme.find('/') {
        Some(i) if url.contains("://") => &after_scheme[i..],
        None if url.contains("://") => "/",
        _ => after_scheme,
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let mut p = String::from("/");
    p.push_str(path.trim_matches('/'));
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// Reads and checks the configuration. Every problem is reported.
pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<Diagnostic>> {
    let config: Config = serde_saphyr::from_str(text).map_err(|e| {
        let position = e
            .location()
            .map(|l| Position::new(l.line() as u32, l.column() as u32))
            .unwrap_or(Position::new(1, 1));
        let message = e.without_snippet().to_string();
        let first = message.lines().next().unwrap_or("").to_string();
        vec![
            Diagnostic::error(file, position, "configuration", format!("configuration illisible : {first}"))
                .with_hint("les clés permises sont : titre, editeur, url_de_base, departements, theme, contact (nom, courriel, telephone), lien_modification, couleurs (principale, accent), logo, logo_alt, accessibilite, lieux_proches, fraicheur_mois"),
        ]
    })?;
    let mut problems = Vec::new();
    let at = Position::new(1, 1);
    if !(config.url_de_base.starts_with("https://") || config.url_de_base.starts_with("http://")) {
        problems.push(
            Diagnostic::error(
                file,
                at,
                "configuration",
                format!("url_de_base « {} » n'est pas une adresse web", config.url_de_base),
            )
            .with_hint("écrivez l'adresse complète du site publié, par exemple https://www.exemple.fr/annuaire/"),
        );
    }
    if config.departements.is_empty() {
        problems.push(
            Diagnostic::error(file, at, "configuration", "aucun département n'est indiqué")
                .with_hint("ajoutez par exemple « departements: [\"64\"] »"),
        );
    }
    let territories = crate::territories::Territories::embedded();
    for code in &config.departements {
        if territories.departement(code).is_none() {
            problems.push(
                Diagnostic::error(
                    file,
                    at,
                    "configuration",
                    format!("le département « {code} » n'existe pas"),
                )
                .with_hint(
                    "utilisez le code officiel sur deux ou trois caractères, par exemple \"64\", \"2A\" ou \"974\"",
                ),
            );
        }
    }
    for (name, value, minimum) in [
        ("couleurs.principale", &config.couleurs.principale, 4.5),
        ("couleurs.accent", &config.couleurs.accent, 3.0),
    ] {
        match crate::colour::parse_hex(value) {
            None => problems.push(
                Diagnostic::error(
                    file,
                    at,
                    "configuration",
                    format!("{name} « {value} » n'est pas une couleur"),
                )
                .with_hint("écrivez une couleur hexadécimale, par exemple #1d4f91"),
            ),
            Some(rgb) => {
                let ratio = crate::colour::contrast_ratio(rgb, (255, 255, 255));
                if ratio < minimum {
                    problems.push(
                        Diagnostic::error(
                            file,
                            at,
                            "configuration",
                            format!("{name} « {value} » n'est pas assez contrastée sur fond blanc ({ratio:.1}:1, il faut au moins {minimum}:1)"),
                        )
                        .with_hint("choisissez une teinte plus foncée, pour que tout le monde puisse lire"),
                    )
                }
            }
        }
    }
    if !matches!(
        config.accessibilite.as_str(),
        "totalement conforme" | "partiellement conforme" | "non conforme"
    ) {
        problems.push(
            Diagnostic::error(
                file,
                at,
                "configuration",
                format!("accessibilite « {} » n'est pas un statut RGAA", config.accessibilite),
            )
            .with_hint("écrivez « totalement conforme », « partiellement conforme » ou « non conforme »"),
        );
    }
    if let Some(template) = &config.lien_modification
        && !template.contains("{chemin}")
    {
        problems.push(
            Diagnostic::error(
                file,
                at,
                "configuration",
                "lien_modification ne contient pas « {chemin} »",
            )
            .with_hint("par exemple https://github.com/organisation/annuaire/edit/main/{chemin}"),
        );
    }
    if problems.is_empty() { Ok(config) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "titre: Annuaire\nediteur: Département\nurl_de_base: https://exemple.fr/annuaire\ndepartements: [\"64\"]\ncontact:\n  nom: Service\n  courriel: contact@exemple.fr\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse(MINIMAL, Path::new("annuaire.yaml")).unwrap();
        assert_eq!(c.theme, "default");
        assert_eq!(c.base_path(), "/annuaire/");
        assert_eq!(c.base_url(), "https://exemple.fr/annuaire/");
        assert_eq!(c.lieux_proches, 5);
    }

    #[test]
    fn base_path_handles_roots_and_subpaths() {
        assert_eq!(base_path_of("https://exemple.fr"), "/");
        assert_eq!(base_path_of("https://exemple.fr/"), "/");
        assert_eq!(base_path_of("http://127.0.0.1:1111/a/b/"), "/a/b/");
        assert_eq!(base_path_of("/sous-dossier"), "/sous-dossier/");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported() {
        let err = parse(&format!("{MINIMAL}couleur: rouge\n"), Path::new("annuaire.yaml")).unwrap_err();
        assert!(err[0].message.contains("configuration illisible"), "{err:?}");
        let text = MINIMAL.replace("\"64\"", "\"99\"") + "couleurs:\n  principale: \"#ffff00\"\n";
        let err = parse(&text, Path::new("annuaire.yaml")).unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
    }
}
