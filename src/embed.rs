//! Views for `integrer/`: pages made to sit in an `<iframe>` of a
//! département's own website (the search, the map, one commune's places),
//! and the page that writes the `<iframe>` code to copy.
//!
//! This module only prepares plain data; the theme's `integrer-*.html`
//! templates lay it out, and [`crate::render`] renders the pages with the
//! rest of the site. Embedded views are left out of the sitemap: they are
//! copies of pages search engines already know.

use crate::enrich::{CommuneEntry, Site};
use crate::render::{Link, Phone, PlaceSummary};
use crate::text;
use crate::urls;
use serde::Serialize;
use serde_json::{Value, json};

/// Where the embedded views live, under the base path.
pub const DIR: &str = "integrer/";

/// One page to render: output path, template and its values.
pub struct EmbedPage {
    pub path: String,
    pub template: &'static str,
    pub values: Vec<(&'static str, Value)>,
}

/// An embeddable view, as the builder page offers it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct EmbedTarget {
    /// What the `<iframe>`'s `title` says (read by screen readers).
    pub titre: String,
    /// Absolute URL, for the code to copy.
    pub url: String,
    /// Path under the site, for links on this site.
    pub lien: String,
    /// Suggested height in pixels, before automatic resizing.
    pub hauteur: u32,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
struct CommuneOption {
    slug: String,
    label: String,
}

fn url(site: &Site, path: &str) -> String {
    format!("{}{path}", site.config.base_path())
}

/// The scheme, host and port of the published site: the host page's script
/// only trusts messages from there.
pub fn origin(base_url: &str) -> String {
    let (scheme, rest) = base_url.split_once("://").unwrap_or(("https", base_url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{host}")
}

fn target(site: &Site, path: &str, titre: String, hauteur: u32) -> EmbedTarget {
    EmbedTarget {
        titre,
        url: format!("{}{path}", site.config.base_url()),
        lien: url(site, path),
        hauteur,
    }
}

pub fn commune_path(commune: &CommuneEntry) -> String {
    format!("{DIR}{}", urls::commune(&commune.slug))
}

fn commune_target(site: &Site, commune: &CommuneEntry) -> EmbedTarget {
    target(
        site,
        &commune_path(commune),
        format!("Lieux d'aide au numérique à {} – {}", commune.nom, site.config.titre),
        700,
    )
}

fn french_km(km: f64) -> String {
    if km < 10.0 {
        format!("{km:.1} km").replace('.', ",")
    } else {
        format!("{km:.0} km")
    }
}

fn summary(site: &Site, index: usize, distance: Option<f64>) -> PlaceSummary {
    let place = &site.places[index];
    let typologie = crate::schema::vocabulary("typologie");
    PlaceSummary {
        id: place.lieu.id.clone(),
        nom: place.lieu.nom.clone(),
        url: url(site, &urls::place(&place.lieu.id)),
        adresse: place.lieu.adresse.clone(),
        commune: site
            .commune_index(&place.commune_code)
            .map(|i| site.communes[i].nom.clone())
            .unwrap_or_else(|| place.lieu.commune.clone()),
        typologie: place
            .lieu
            .typologie
            .iter()
            .map(|t| typologie.and_then(|v| v.label(t)).unwrap_or(t).to_string())
            .collect(),
        services: place.lieu.services.clone(),
        telephone: place.lieu.telephone.as_deref().map(|p| Phone {
            href: format!("tel:{p}"),
            display: text::display_phone(p),
        }),
        distance: distance.map(french_km),
        stale: place.stale,
    }
}

#[derive(Serialize)]
struct Group {
    commune: Link,
    places: Vec<PlaceSummary>,
}

/// Every page of `integrer/`, in a stable order.
pub fn pages(site: &Site) -> Vec<EmbedPage> {
    let config = &site.config;
    let recherche = target(
        site,
        &format!("{DIR}recherche/"),
        format!("Chercher un lieu – {}", config.titre),
        900,
    );
    let carte = target(
        site,
        &format!("{DIR}carte/"),
        format!("Carte des lieux – {}", config.titre),
        800,
    );
    let mut communes: Vec<&CommuneEntry> = site.communes.iter().collect();
    communes.sort_by_cached_key(|c| (text::fold(&c.nom), c.code.clone()));
    // The example: the commune with the most places, a real case.
    let example = site
        .communes
        .iter()
        .filter(|c| !c.places.is_empty())
        .max_by_key(|c| (c.places.len(), std::cmp::Reverse(c.code.clone())))
        .or(site.communes.first())
        .map(|c| commune_target(site, c));
    let options: Vec<CommuneOption> = communes
        .iter()
        .map(|c| CommuneOption {
            slug: c.slug.clone(),
            label: format!("{} ({})", c.nom, c.codes_postaux.join(", ")),
        })
        .collect();
    let departement_pages: Vec<Link> = site
        .departements
        .iter()
        .map(|d| Link {
            label: d.nom.clone(),
            url: url(site, &urls::departement(&d.code)),
        })
        .collect();

    let mut out = vec![EmbedPage {
        path: urls::index_file(DIR),
        template: "integrer.html",
        values: vec![
            ("section", json!("")),
            (
                "breadcrumbs",
                json!([
                    { "label": "Accueil", "url": url(site, "") },
                    { "label": "Intégrer l'annuaire", "url": url(site, DIR) },
                ]),
            ),
            ("recherche", json!(recherche)),
            ("carte", json!(carte)),
            ("exemple_commune", json!(example)),
            ("communes", json!(options)),
            ("departements_pages", json!(departement_pages)),
            ("origine", json!(origin(&config.base_url()))),
            ("base_integrer", json!(format!("{}{DIR}", config.base_url()))),
        ],
    }];

    out.push(EmbedPage {
        path: urls::index_file(&format!("{DIR}recherche/")),
        template: "integrer-recherche.html",
        values: vec![
            ("vue", json!(recherche)),
            ("facettes", json!(crate::search::facets())),
            ("catalogue", json!(url(site, "donnees/recherche/index.json"))),
            ("recherche_action", json!(url(site, &format!("{DIR}recherche/")))),
        ],
    });

    let bounds = site
        .communes
        .iter()
        .filter_map(|c| c.point)
        .fold(None::<[f64; 4]>, |b, p| {
            Some(match b {
                None => [p.lon, p.lat, p.lon, p.lat],
                Some([w, s, e, n]) => [w.min(p.lon), s.min(p.lat), e.max(p.lon), n.max(p.lat)],
            })
        });
    let groups: Vec<Group> = communes
        .iter()
        .filter(|c| !c.places.is_empty())
        .map(|c| Group {
            commune: Link {
                label: c.nom.clone(),
                url: url(site, &urls::commune(&c.slug)),
            },
            places: c.places.iter().map(|&i| summary(site, i, None)).collect(),
        })
        .collect();
    out.push(EmbedPage {
        path: urls::index_file(&format!("{DIR}carte/")),
        template: "integrer-carte.html",
        values: vec![
            ("vue", json!(carte)),
            ("geojson", json!(url(site, "donnees/lieux.geojson"))),
            ("tuiles", json!(config.carte.tuiles)),
            ("attribution", json!(config.carte.attribution)),
            ("zoom_max", json!(config.carte.zoom_max)),
            (
                "limites",
                json!(bounds.map(|b| serde_json::to_string(&b).unwrap_or_default())),
            ),
            ("groups", json!(groups)),
            (
                "nb_sans_coordonnees",
                json!(site.places.iter().filter(|p| !p.has_own_coordinates).count()),
            ),
        ],
    });

    for c in &site.communes {
        let places: Vec<PlaceSummary> = c.places.iter().map(|&i| summary(site, i, None)).collect();
        let nearest: Vec<PlaceSummary> = c.nearest.iter().map(|&(i, km)| summary(site, i, Some(km))).collect();
        out.push(EmbedPage {
            path: urls::index_file(&commune_path(c)),
            template: "integrer-commune.html",
            values: vec![
                ("vue", json!(commune_target(site, c))),
                (
                    "commune",
                    json!({
                        "nom": c.nom, "codes_postaux": c.codes_postaux.join(", "),
                        "url": url(site, &urls::commune(&c.slug)),
                    }),
                ),
                ("places", json!(places)),
                ("nearest", json!(nearest)),
            ],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_keeps_scheme_host_and_port_only() {
        assert_eq!(origin("https://www.exemple.fr/annuaire/"), "https://www.exemple.fr");
        assert_eq!(origin("http://127.0.0.1:8080/sous/dossier/"), "http://127.0.0.1:8080");
        assert_eq!(origin("https://exemple.fr"), "https://exemple.fr");
    }

    #[test]
    fn distances_in_french() {
        assert_eq!(french_km(3.25), "3,2 km");
        assert_eq!(french_km(12.6), "13 km");
    }
}
