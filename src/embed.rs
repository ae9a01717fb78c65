//! Views for `integrer/`: pages made to sit in an `<iframe>` of a
//! département's own website (the search, the map, one commune's places),
//! and the page that writes the `<iframe>` code to copy.
//!
//! This module only prepares plain data; the theme's `integrer-*.html`
//! templates lay it out, and [`crate::render`] renders the pages with the
//! rest of the site. Embedded views are left out of the sitemap: they are
//! copies of pages search engines already know.

use crate::enrich::{CommuneEntry, Site};
use crate::render::Link;
use crate::urls;
use serde::Serialize;

/// Where the embedded views live, under the base path.
pub const DIR: &str = "integrer/";

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

/// The `<iframe>` targets of the builder page: the search, the map and an
/// example commune.
pub fn search_target(site: &Site) -> EmbedTarget {
    target(
        site,
        &format!("{DIR}recherche/"),
        format!("Chercher un lieu – {}", site.config.titre),
        900,
    )
}

pub fn map_target(site: &Site) -> EmbedTarget {
    target(
        site,
        &format!("{DIR}carte/"),
        format!("Carte des lieux – {}", site.config.titre),
        800,
    )
}

pub fn commune_view_target(site: &Site, commune: &CommuneEntry) -> EmbedTarget {
    commune_target(site, commune)
}

/// What the builder page shows, besides the targets.
#[derive(Serialize)]
pub struct Builder {
    exemple_commune: Option<EmbedTarget>,
    communes: Vec<CommuneOption>,
    departements_pages: Vec<Link>,
    origine: String,
    base_integrer: String,
}

pub fn builder(site: &Site) -> Builder {
    let config = &site.config;
    let mut communes: Vec<&CommuneEntry> = site.communes.iter().collect();
    communes.sort_by(|a, b| a.alphabetical(b));
    // The example: the commune with the most places, a real case.
    let example = site
        .communes
        .iter()
        .filter(|c| !c.places.is_empty())
        .max_by_key(|c| (c.places.len(), std::cmp::Reverse(c.code.clone())))
        .or(site.communes.first())
        .map(|c| commune_target(site, c));
    Builder {
        exemple_commune: example,
        communes: communes
            .iter()
            .map(|c| CommuneOption {
                slug: c.slug.clone(),
                label: format!("{} ({})", c.nom, c.codes_postaux.join(", ")),
            })
            .collect(),
        departements_pages: site
            .departements
            .iter()
            .map(|d| Link {
                label: d.nom.clone(),
                url: url(site, &urls::departement(&d.code)),
            })
            .collect(),
        origine: origin(&config.base_url()),
        base_integrer: format!("{}{DIR}", config.base_url()),
    }
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
}
