//! The site configuration, `annuaire.yaml` at the site root.
//!
//! Keys are in French: the département's team edits this file.

use crate::diagnostics::{Diagnostic, Position};
use crate::frontmatter::{RawEntry, RawValue};
use crate::text;
use std::path::Path;

pub const CONFIG_FILE: &str = "annuaire.yaml";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Site title, e.g. « Lieux de médiation numérique des Pyrénées-Atlantiques ».
    pub titre: String,
    /// Short name of the publisher, e.g. « Département des Pyrénées-Atlantiques ».
    pub editeur: String,
    /// Absolute URL where the site is published, e.g. `https://www.le64.fr/annuaire/`.
    pub url_de_base: String,
    /// Codes of the département(s) the directory covers.
    pub departements: Vec<String>,
    pub theme: String,
    pub contact: Contact,
    /// URL template of the web editor of a place file; `{chemin}` is replaced
    /// by the file's path from the site root, e.g.
    /// `https://github.com/org/annuaire/edit/main/{chemin}`.
    pub lien_modification: Option<String>,
    pub couleurs: Colours,
    /// Path of the logo, relative to the site's `static/` folder.
    pub logo: Option<String>,
    /// Text alternative of the logo; empty when the logo is decorative.
    pub logo_alt: Option<String>,
    /// RGAA compliance status shown on every page: « totalement conforme »,
    /// « partiellement conforme » or « non conforme ».
    pub accessibilite: String,
    /// How many nearest places a commune without a place lists.
    pub lieux_proches: usize,
    /// Months after which a listing is reported as stale.
    pub fraicheur_mois: u32,
    /// Distance (km) beyond which a commune with no place offering
    /// « Aide aux démarches administratives » is a white zone of the network.
    pub zone_blanche_km: u32,
    pub carte: MapConfig,
}

/// The map's background tiles. The default, IGN's « Plan IGN v2 » from the
/// Géoplateforme, needs no key and is under Licence Ouverte.
#[derive(Debug, Clone, PartialEq)]
pub struct MapConfig {
    /// URL template with `{z}`, `{x}` and `{y}`.
    pub tuiles: String,
    pub attribution: String,
    pub zoom_max: u32,
}

pub const DEFAULT_TILES: &str = "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}";
pub const DEFAULT_TILES_ATTRIBUTION: &str = "© IGN – Plan IGN v2";

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            tuiles: DEFAULT_TILES.into(),
            attribution: DEFAULT_TILES_ATTRIBUTION.into(),
            zoom_max: 18,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub nom: String,
    pub courriel: String,
    pub telephone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Colours {
    /// Header background and links; must reach 4.5:1 against white.
    pub principale: String,
    /// Highlights (focus ring, badges); must reach 3:1 against white.
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
pub const DEFAULT_WHITE_ZONE_KM: u32 = 15;
/// Beyond this, every commune of a département is "covered": the figure would
/// mean nothing, and is most likely a typo (150 for 15).
const MAX_WHITE_ZONE_KM: u32 = 100;

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

/// Tiles come over https, or plain http from this very machine (tests,
/// local mirrors): the host is compared whole, not as a prefix.
fn is_allowed_tile_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost")
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

/// Keys of `annuaire.yaml`, for unknown-key suggestions.
const KEYS: &[&str] = &[
    "titre",
    "editeur",
    "url_de_base",
    "departements",
    "theme",
    "contact",
    "lien_modification",
    "couleurs",
    "logo",
    "logo_alt",
    "accessibilite",
    "lieux_proches",
    "fraicheur_mois",
    "zone_blanche_km",
    "carte",
];
const CONTACT_KEYS: &[&str] = &["nom", "courriel", "telephone"];
const COLOUR_KEYS: &[&str] = &["principale", "accent"];
const MAP_KEYS: &[&str] = &["tuiles", "attribution", "zoom_max"];

/// Reads the entries of one mapping, reporting unknown and repeated keys.
struct Section<'a> {
    file: &'a Path,
    entries: &'a [RawEntry],
    problems: &'a mut Vec<Diagnostic>,
    /// Where a missing key is reported.
    at: Position,
    prefix: &'static str,
}

impl Section<'_> {
    fn check_keys(&mut self, allowed: &[&str]) {
        let mut seen: Vec<(&str, u32)> = Vec::new();
        for e in self.entries {
            if let Some((_, line)) = seen.iter().find(|(k, _)| *k == e.key) {
                self.problems.push(
                    Diagnostic::error(
                        self.file,
                        e.key_position,
                        "configuration",
                        format!(
                            "la clé « {}{} » est écrite deux fois (lignes {line} et {})",
                            self.prefix, e.key, e.key_position.line
                        ),
                    )
                    .with_hint("gardez une seule de ces lignes"),
                );
            }
            seen.push((&e.key, e.key_position.line));
            if !allowed.contains(&e.key.as_str()) {
                let hint = match text::suggest(&e.key, allowed.iter().copied()) {
                    Some(s) => format!("vouliez-vous dire « {s} » ?"),
                    None => format!("clés permises ici : {}", allowed.join(", ")),
                };
                self.problems.push(
                    Diagnostic::error(
                        self.file,
                        e.key_position,
                        "configuration",
                        format!("clé inconnue « {}{} »", self.prefix, e.key),
                    )
                    .with_hint(hint),
                );
            }
        }
    }

    fn entry(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn text(&mut self, key: &str, required: bool) -> Option<(String, Position)> {
        match self.entry(key) {
            Some(RawEntry {
                value: RawValue::Scalar(s),
                value_position,
                ..
            }) if !s.trim().is_empty() => Some((s.trim().to_string(), *value_position)),
            Some(RawEntry {
                value: RawValue::Scalar(_) | RawValue::Null,
                ..
            })
            | None => {
                if required {
                    self.problems.push(
                        Diagnostic::error(
                            self.file,
                            self.at,
                            "configuration",
                            format!("la clé « {}{key} » manque ou est vide", self.prefix),
                        )
                        .with_hint(format!(
                            "ajoutez « {key}: … » ; voir l'exemple annuaire.yaml du site de démonstration"
                        )),
                    );
                }
                None
            }
            Some(e) => {
                self.problems.push(
                    Diagnostic::error(
                        self.file,
                        e.value_position,
                        "configuration",
                        format!("« {}{key} » attend une seule valeur", self.prefix),
                    )
                    .with_hint(format!("écrivez « {key}: valeur » sur une ligne")),
                );
                None
            }
        }
    }

    fn number(&mut self, key: &str, default: u32) -> u32 {
        match self.text(key, false) {
            None => default,
            Some((s, at)) => s.parse().unwrap_or_else(|_| {
                self.problems.push(
                    Diagnostic::error(
                        self.file,
                        at,
                        "configuration",
                        format!("« {key} » doit être un nombre entier, pas « {s} »"),
                    )
                    .with_hint(format!("par exemple « {key}: {default} »")),
                );
                default
            }),
        }
    }
}

/// Reads and checks the configuration. Every problem is reported, at its line.
pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<Diagnostic>> {
    parse_with(text, file, crate::territories::Territories::embedded())
}

/// [`parse`], checking the départements against `territories`.
pub fn parse_with(
    text: &str,
    file: &Path,
    territories: &crate::territories::Territories,
) -> Result<Config, Vec<Diagnostic>> {
    let fm = crate::frontmatter::parse(text, 1, file).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    let start = Position::new(1, 1);
    let mut top = Section {
        file,
        entries: &fm.entries,
        problems: &mut problems,
        at: start,
        prefix: "",
    };
    top.check_keys(KEYS);
    let titre = top.text("titre", true);
    let editeur = top.text("editeur", true);
    let url = top.text("url_de_base", true);
    let theme = top.text("theme", false).map(|t| t.0).unwrap_or_else(default_theme);
    let lien_modification = top.text("lien_modification", false);
    let logo = top.text("logo", false).map(|l| l.0);
    let logo_alt = top.text("logo_alt", false).map(|l| l.0);
    let accessibilite = top.text("accessibilite", false);
    let lieux_proches = top.number("lieux_proches", default_nearest() as u32) as usize;
    let fraicheur_mois = top.number("fraicheur_mois", default_stale_months());
    let zone_blanche_km = top.number("zone_blanche_km", DEFAULT_WHITE_ZONE_KM);
    if let Some((_, at)) = top.text("zone_blanche_km", false)
        && !(1..=MAX_WHITE_ZONE_KM).contains(&zone_blanche_km)
    {
        problems.push(
            Diagnostic::error(
                file,
                at,
                "configuration",
                format!("zone_blanche_km vaut {zone_blanche_km} : la distance doit être comprise entre 1 et {MAX_WHITE_ZONE_KM} km"),
            )
            .with_hint(format!("par exemple « zone_blanche_km: {DEFAULT_WHITE_ZONE_KM} »")),
        );
    }
    let departements: Vec<(String, Position)> = match fm.get("departements") {
        Some(RawEntry {
            value: RawValue::List(items),
            ..
        }) => items
            .iter()
            .filter_map(|i| match &i.value {
                RawValue::Scalar(s) => Some((s.trim().to_string(), crate::frontmatter::list_item_position(i, 1))),
                _ => None,
            })
            .collect(),
        Some(RawEntry {
            value: RawValue::Scalar(s),
            value_position,
            ..
        }) => vec![(s.trim().to_string(), *value_position)],
        _ => Vec::new(),
    };
    let contact_entries: &[RawEntry] = match fm.get("contact") {
        Some(RawEntry {
            value: RawValue::Map(entries),
            ..
        }) => entries,
        _ => &[],
    };
    let contact_at = fm.get("contact").map(|e| e.key_position).unwrap_or(start);
    let mut contact = Section {
        file,
        entries: contact_entries,
        problems: &mut problems,
        at: contact_at,
        prefix: "contact.",
    };
    contact.check_keys(CONTACT_KEYS);
    let contact_nom = contact.text("nom", true);
    let contact_courriel = contact.text("courriel", true);
    let contact_telephone = contact.text("telephone", false);
    let colour_entries: &[RawEntry] = match fm.get("couleurs") {
        Some(RawEntry {
            value: RawValue::Map(entries),
            ..
        }) => entries,
        _ => &[],
    };
    let colours_at = fm.get("couleurs").map(|e| e.key_position).unwrap_or(start);
    let mut colours = Section {
        file,
        entries: colour_entries,
        problems: &mut problems,
        at: colours_at,
        prefix: "couleurs.",
    };
    colours.check_keys(COLOUR_KEYS);
    let principale = colours.text("principale", false);
    let accent = colours.text("accent", false);
    let map_entries: &[RawEntry] = match fm.get("carte") {
        Some(RawEntry {
            value: RawValue::Map(entries),
            ..
        }) => entries,
        _ => &[],
    };
    let map_at = fm.get("carte").map(|e| e.key_position).unwrap_or(start);
    let mut map = Section {
        file,
        entries: map_entries,
        problems: &mut problems,
        at: map_at,
        prefix: "carte.",
    };
    map.check_keys(MAP_KEYS);
    let tiles = map.text("tuiles", false);
    let tiles_attribution = map.text("attribution", false);
    let zoom_max = map.number("zoom_max", 18);
    if let Some((url, at)) = &tiles
        && (!is_allowed_tile_url(url) || !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)))
    {
        problems.push(
            Diagnostic::error(
                file,
                *at,
                "configuration",
                format!("carte.tuiles « {url} » n'est pas un modèle d'adresse de tuiles"),
            )
            .with_hint(
                "une adresse https:// contenant {z}, {x} et {y}, par exemple celle du Plan IGN (valeur par défaut)",
            ),
        );
    }
    if tiles.is_some() && tiles_attribution.is_none() {
        problems.push(
            Diagnostic::error(
                file,
                map_at,
                "configuration",
                "carte.attribution manque : le fournisseur des tuiles doit être cité",
            )
            .with_hint("par exemple « attribution: \"© contributeurs OpenStreetMap\" »"),
        );
    }

    if let Some((url, at)) = &url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        problems.push(
            Diagnostic::error(
                file,
                *at,
                "configuration",
                format!("url_de_base « {url} » n'est pas une adresse web"),
            )
            .with_hint("écrivez l'adresse complète du site publié, par exemple https://www.exemple.fr/annuaire/"),
        );
    }
    if departements.is_empty() {
        let at = fm.get("departements").map(|e| e.value_position).unwrap_or(start);
        problems.push(
            Diagnostic::error(file, at, "configuration", "aucun département n'est indiqué")
                .with_hint("ajoutez par exemple « departements: [\"64\"] »"),
        );
    }
    for (code, at) in &departements {
        if territories.departement(code).is_none() {
            problems.push(
                Diagnostic::error(file, *at, "configuration", format!("le département « {code} » n'existe pas"))
                    .with_hint("utilisez le code officiel sur deux ou trois caractères, entre guillemets, par exemple \"64\", \"2A\" ou \"974\""),
            );
        }
    }
    for (name, value, minimum) in [
        ("couleurs.principale", &principale, 4.5),
        ("couleurs.accent", &accent, 3.0),
    ] {
        let Some((value, at)) = value else { continue };
        match crate::colour::parse_hex(value) {
            None => problems.push(
                Diagnostic::error(
                    file,
                    *at,
                    "configuration",
                    format!("{name} « {value} » n'est pas une couleur"),
                )
                .with_hint("écrivez une couleur hexadécimale entre guillemets, par exemple \"#1d4f91\""),
            ),
            Some(rgb) => {
                let ratio = crate::colour::contrast_ratio(rgb, (255, 255, 255));
                if ratio < minimum {
                    problems.push(
                        Diagnostic::error(
                            file,
                            *at,
                            "configuration",
                            format!("{name} « {value} » n'est pas assez contrastée sur fond blanc ({ratio:.1}:1, il faut au moins {minimum}:1)"),
                        )
                        .with_hint("choisissez une teinte plus foncée, pour que tout le monde puisse lire"),
                    )
                }
            }
        }
    }
    if let Some((status, at)) = &accessibilite
        && !matches!(
            status.as_str(),
            "totalement conforme" | "partiellement conforme" | "non conforme"
        )
    {
        problems.push(
            Diagnostic::error(
                file,
                *at,
                "configuration",
                format!("accessibilite « {status} » n'est pas un statut RGAA"),
            )
            .with_hint("écrivez « totalement conforme », « partiellement conforme » ou « non conforme »"),
        );
    }
    if let Some((template, at)) = &lien_modification
        && !template.contains("{chemin}")
    {
        problems.push(
            Diagnostic::error(
                file,
                *at,
                "configuration",
                "lien_modification ne contient pas « {chemin} »",
            )
            .with_hint("par exemple https://github.com/organisation/annuaire/edit/main/{chemin}"),
        );
    }
    if !problems.is_empty() {
        crate::diagnostics::sort(&mut problems);
        return Err(problems);
    }
    let (Some(titre), Some(editeur), Some(url), Some(nom), Some(courriel)) =
        (titre, editeur, url, contact_nom, contact_courriel)
    else {
        return Err(vec![Diagnostic::error(
            file,
            start,
            "configuration",
            "configuration incomplète",
        )]);
    };
    Ok(Config {
        titre: titre.0,
        editeur: editeur.0,
        url_de_base: url.0,
        departements: departements.into_iter().map(|d| d.0).collect(),
        theme,
        contact: Contact {
            nom: nom.0,
            courriel: courriel.0,
            telephone: contact_telephone.map(|t| t.0),
        },
        lien_modification: lien_modification.map(|l| l.0),
        couleurs: Colours {
            principale: principale.map(|c| c.0).unwrap_or_else(default_primary),
            accent: accent.map(|c| c.0).unwrap_or_else(default_accent),
        },
        logo,
        logo_alt,
        accessibilite: accessibilite.map(|a| a.0).unwrap_or_else(default_accessibility),
        lieux_proches,
        fraicheur_mois,
        zone_blanche_km,
        carte: MapConfig {
            tuiles: tiles.map(|t| t.0).unwrap_or_else(|| DEFAULT_TILES.into()),
            attribution: tiles_attribution
                .map(|a| a.0)
                .unwrap_or_else(|| DEFAULT_TILES_ATTRIBUTION.into()),
            zoom_max,
        },
    })
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
        assert_eq!(c.fraicheur_mois, 12);
        assert_eq!(c.zone_blanche_km, 15);
    }

    #[test]
    fn white_zone_distance_is_read_and_checked() {
        let c = parse(&format!("{MINIMAL}zone_blanche_km: 10\n"), Path::new("annuaire.yaml")).unwrap();
        assert_eq!(c.zone_blanche_km, 10);
        let err = parse(&format!("{MINIMAL}zone_blanche_km: 0\n"), Path::new("annuaire.yaml")).unwrap_err();
        assert_eq!(
            err[0].message, "zone_blanche_km vaut 0 : la distance doit être comprise entre 1 et 100 km",
            "{err:?}"
        );
        assert_eq!(err[0].position, Position::new(8, 18));
        let err = parse(
            &format!("{MINIMAL}zone_blanche_km: quinze\n"),
            Path::new("annuaire.yaml"),
        )
        .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(
            err[0].message,
            "« zone_blanche_km » doit être un nombre entier, pas « quinze »"
        );
        assert_eq!(err[0].position, Position::new(8, 18));
    }

    #[test]
    fn local_tiles_are_recognised_by_host() {
        assert!(is_allowed_tile_url("https://data.geopf.fr/wmts?x={z}"));
        assert!(is_allowed_tile_url("http://127.0.0.1:8080/t/{z}/{x}/{y}.png"));
        assert!(is_allowed_tile_url("http://localhost/t/{z}/{x}/{y}.png"));
        assert!(!is_allowed_tile_url("http://127.0.0.1.evil.example/t/{z}"));
        assert!(!is_allowed_tile_url("http://localhost@evil.example/t"));
        assert!(!is_allowed_tile_url("http://tiles.example/{z}"));
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
        assert_eq!(err[0].message, "clé inconnue « couleur »", "{err:?}");
        assert_eq!(err[0].position, Position::new(8, 1));
        assert_eq!(err[0].hint.as_deref(), Some("vouliez-vous dire « couleurs » ?"));
        let text = MINIMAL.replace("\"64\"", "\"99\"") + "couleurs:\n  principale: \"#ffff00\"\n";
        let err = parse(&text, Path::new("annuaire.yaml")).unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
    }
}
