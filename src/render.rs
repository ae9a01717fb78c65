//! Rendering: the site model → output files in memory.
//!
//! Rust builds small view structs (plain data, already formatted in French);
//! the theme's Tera templates turn them into HTML. Territory and list pages
//! get short place summaries, never whole place objects, so that a page's
//! cost does not grow with what it links to.

use crate::enrich::{CommuneEntry, Place, Site};
use crate::error::{Error, from_tera};
use crate::schema;
use crate::text;
use crate::theme::Theme;
use crate::urls;
use serde::Serialize;

/// A file of the built site, with its path relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Options that change the rendered pages but are not site content.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Adds the live-reload script (`annuaire serve` only).
    pub live_reload: bool,
}

#[derive(Serialize, Clone)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub struct Phone {
    pub href: String,
    pub display: String,
}

#[derive(Serialize)]
struct SiteView<'a> {
    titre: &'a str,
    editeur: &'a str,
    base: String,
    base_url: String,
    contact_nom: &'a str,
    contact_courriel: &'a str,
    contact_telephone: Option<Phone>,
    accessibilite: &'a str,
    accessibility_page: Option<String>,
    logo: Option<String>,
    logo_alt: &'a str,
    departements: Vec<Link>,
    footer_pages: Vec<Link>,
    live_reload: bool,
    nb_lieux: usize,
    attribution_territoires: &'static str,
}

#[derive(Serialize, Clone)]
pub struct PlaceSummary {
    pub id: String,
    pub nom: String,
    pub url: String,
    pub adresse: String,
    pub commune: String,
    pub typologie: Vec<String>,
    pub services: Vec<String>,
    pub telephone: Option<Phone>,
    /// « 3,2 km », for nearest-place lists.
    pub distance: Option<String>,
    pub stale: bool,
    /// « Fermé temporairement jusqu'au … », while a `fermeture_temporaire` applies.
    pub fermeture: Option<String>,
}

#[derive(Serialize)]
struct PlaceView {
    id: String,
    nom: String,
    url: String,
    typologie: Vec<String>,
    adresse: String,
    complement_adresse: Option<String>,
    code_postal: String,
    commune: Link,
    epci: Option<Link>,
    departement: Option<Link>,
    telephone: Option<Phone>,
    courriels: Vec<String>,
    sites: Vec<Link>,
    services: Vec<Link>,
    publics: Vec<String>,
    prise_en_charge: Vec<String>,
    frais: Vec<String>,
    itinerance: Vec<String>,
    modalites_acces: Vec<String>,
    modalites_accompagnement: Vec<String>,
    dispositifs: Vec<String>,
    labels: Vec<String>,
    structure_parente: Option<String>,
    source: Option<String>,
    fiche_acces_libre: Option<String>,
    prise_rdv: Option<String>,
    resume: Option<String>,
    description_html: Option<String>,
    horaires_texte: Option<String>,
    horaires: Option<crate::hours::WeeklyTable>,
    /// JSON for the "open now" script, in a data attribute (escaped by the template).
    horaires_data: Option<String>,
    date_maj_iso: String,
    date_maj: String,
    stale: bool,
    fermeture: Option<crate::fermeture::FermetureView>,
    edit_url: Option<String>,
    report_mailto: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    osm_url: Option<String>,
    same_commune: Vec<PlaceSummary>,
}

#[derive(Serialize)]
struct CommuneRow {
    nom: String,
    url: String,
    count: usize,
    codes_postaux: String,
}

#[derive(Serialize)]
struct EpciRow {
    nom: String,
    url: String,
    communes: usize,
    count: usize,
}

#[derive(Serialize)]
struct ServiceRow {
    label: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct CommuneGroup {
    commune: Link,
    places: Vec<PlaceSummary>,
}

pub fn french_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let day = if date.day() == 1 {
        "1er".to_string()
    } else {
        date.day().to_string()
    };
    format!("{} {} {}", day, text::MONTHS[date.month0() as usize], date.year())
}

fn french_km(km: f64) -> String {
    if km < 10.0 {
        format!("{:.1} km", km).replace('.', ",")
    } else {
        format!("{:.0} km", km)
    }
}

fn phone(normalized: &str) -> Phone {
    Phone {
        href: format!("tel:{normalized}"),
        display: text::display_phone(normalized),
    }
}

struct Renderer<'a> {
    site: &'a Site,
    tera: tera::Tera,
    base: String,
    site_context: tera::Context,
    typologie: &'static schema::Vocabulary,
}

impl Renderer<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn render(&self, template: &str, page: tera::Context) -> Result<String, Error> {
        let mut context = self.site_context.clone();
        context.extend(page);
        self.tera
            .render(template, &context)
            .map_err(|e| from_tera(template, &e))
    }

    /// Home, then `trail`.
    fn crumbs(&self, trail: Vec<Link>) -> serde_json::Value {
        let mut items = vec![Link {
            label: "Accueil".into(),
            url: self.base.clone(),
        }];
        items.extend(trail);
        json(&items)
    }

    fn commune_link(&self, commune: &CommuneEntry) -> Link {
        Link {
            label: commune.nom.clone(),
            url: self.url(&urls::commune(&commune.slug)),
        }
    }

    fn typologie_labels(&self, place: &Place) -> Vec<String> {
        place
            .lieu
            .typologie
            .iter()
            .map(|t| self.typologie.label(t).unwrap_or(t).to_string())
            .collect()
    }

    fn summary(&self, index: usize, distance: Option<f64>) -> PlaceSummary {
        let place = &self.site.places[index];
        let commune = self
            .site
            .commune_index(&place.commune_code)
            .map(|i| self.site.communes[i].nom.clone())
            .unwrap_or_else(|| place.lieu.commune.clone());
        PlaceSummary {
            id: place.lieu.id.clone(),
            nom: place.lieu.nom.clone(),
            url: self.url(&urls::place(&place.lieu.id)),
            adresse: place.lieu.adresse.clone(),
            commune,
            typologie: self.typologie_labels(place),
            services: place.lieu.services.clone(),
            telephone: place.lieu.telephone.as_deref().map(phone),
            distance: distance.map(french_km),
            stale: place.stale,
            fermeture: crate::fermeture::summary(place.lieu.fermeture_temporaire.as_ref(), self.site.today),
        }
    }

    fn summaries(&self, indices: &[usize]) -> Vec<PlaceSummary> {
        indices.iter().map(|&i| self.summary(i, None)).collect()
    }

    fn place_view(&self, index: usize) -> PlaceView {
        let place = &self.site.places[index];
        let lieu = &place.lieu;
        let config = &self.site.config;
        let commune = self
            .site
            .commune_index(&place.commune_code)
            .map(|i| &self.site.communes[i]);
        let commune_link = commune.map(|c| self.commune_link(c)).unwrap_or_else(|| Link {
            label: lieu.commune.clone(),
            url: self.url(""),
        });
        let epci = place
            .epci_siren
            .as_deref()
            .and_then(|s| self.site.epci_index(s))
            .map(|i| &self.site.epcis[i])
            .map(|e| Link {
                label: e.nom.clone(),
                url: self.url(&urls::epci(&e.siren)),
            });
        let departement = self
            .site
            .departement_index(&place.departement)
            .map(|i| &self.site.departements[i])
            .map(|d| Link {
                label: d.nom.clone(),
                url: self.url(&urls::departement(&d.code)),
            });
        let page_url = format!("{}{}", config.base_url(), urls::place(&lieu.id));
        let subject = format!("Erreur sur la fiche « {} »", lieu.nom);
        let body = format!(
            "Bonjour,\n\nJe signale une erreur sur la fiche « {} » (identifiant {}) :\n{}\n\nCe qui est faux :\n\n",
            lieu.nom, lieu.id, page_url
        );
        let report_mailto = format!(
            "mailto:{}?subject={}&body={}",
            config.contact.courriel,
            text::percent_encode(&subject),
            text::percent_encode(&body)
        );
        let edit_url = config
            .lien_modification
            .as_ref()
            .map(|t| t.replace("{chemin}", &place.source.path.to_string_lossy().replace('\\', "/")));
        let same_commune = commune
            .map(|c| {
                c.places
                    .iter()
                    .filter(|&&i| i != index)
                    .map(|&i| self.summary(i, None))
                    .collect()
            })
            .unwrap_or_default();
        let mut labels = lieu.formations_labels.clone();
        labels.extend(lieu.autres_formations_labels.iter().cloned());
        PlaceView {
            id: lieu.id.clone(),
            nom: lieu.nom.clone(),
            url: self.url(&urls::place(&lieu.id)),
            typologie: self.typologie_labels(place),
            adresse: lieu.adresse.clone(),
            complement_adresse: lieu.complement_adresse.clone(),
            code_postal: lieu.code_postal.clone(),
            commune: commune_link,
            epci,
            departement,
            telephone: lieu.telephone.as_deref().map(phone),
            courriels: lieu.courriels.clone(),
            sites: lieu
                .site_web
                .iter()
                .map(|u| Link {
                    label: display_url(u),
                    url: u.clone(),
                })
                .collect(),
            services: lieu
                .services
                .iter()
                .map(|s| Link {
                    label: s.clone(),
                    url: self.url(&urls::service(s)),
                })
                .collect(),
            publics: lieu.publics_specifiquement_adresses.clone(),
            prise_en_charge: lieu.prise_en_charge_specifique.clone(),
            frais: lieu.frais_a_charge.clone(),
            itinerance: lieu.itinerance.clone(),
            modalites_acces: lieu.modalites_acces.clone(),
            modalites_accompagnement: lieu.modalites_accompagnement.clone(),
            dispositifs: lieu.dispositif_programmes_nationaux.clone(),
            labels,
            structure_parente: lieu.structure_parente.clone(),
            source: lieu.source.clone(),
            fiche_acces_libre: lieu.fiche_acces_libre.clone(),
            prise_rdv: lieu.prise_rdv.clone(),
            resume: lieu.presentation_resume.clone(),
            description_html: place.description_html.clone(),
            horaires_texte: lieu.horaires.clone(),
            horaires: place.weekly_hours.clone(),
            horaires_data: place.browser_hours.as_ref().and_then(|b| serde_json::to_string(b).ok()),
            date_maj_iso: lieu.date_maj.format("%Y-%m-%d").to_string(),
            date_maj: french_date(lieu.date_maj),
            stale: place.stale,
            fermeture: crate::fermeture::view(lieu.fermeture_temporaire.as_ref(), self.site.today),
            edit_url,
            report_mailto,
            latitude: lieu.latitude,
            longitude: lieu.longitude,
            osm_url: lieu
                .latitude
                .zip(lieu.longitude)
                .map(|(lat, lon)| format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")),
            same_commune,
        }
    }

    fn commune_rows(&self, indices: &[usize]) -> Vec<CommuneRow> {
        indices
            .iter()
            .map(|&i| {
                let c = &self.site.communes[i];
                CommuneRow {
                    nom: c.nom.clone(),
                    url: self.url(&urls::commune(&c.slug)),
                    count: c.places.len(),
                    codes_postaux: c.codes_postaux.join(", "),
                }
            })
            .collect()
    }

    fn service_rows(&self, places: &[usize]) -> Vec<ServiceRow> {
        let vocabulary = schema::vocabulary("services")
            .map(|v| v.values.as_slice())
            .unwrap_or(&[]);
        vocabulary
            .iter()
            .map(|v| ServiceRow {
                label: v.value.clone(),
                url: self.url(&urls::service(&v.value)),
                count: places
                    .iter()
                    .filter(|&&i| self.site.places[i].lieu.services.contains(&v.value))
                    .count(),
            })
            .collect()
    }
}

/// The host alone: long paths mean nothing to residents and break lines.
fn display_url(url: &str) -> String {
    let s = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    s.split(['/', '?', '#']).next().unwrap_or(s).to_string()
}

fn context(pairs: Vec<(&str, serde_json::Value)>) -> tera::Context {
    let mut c = tera::Context::new();
    for (k, v) in pairs {
        c.insert(k, &v);
    }
    c
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Renders every page of the site.
/// Templates compiled once, and what every page shares.
fn renderer<'a>(site: &'a Site, theme: &Theme, options: &RenderOptions) -> Result<Renderer<'a>, Error> {
    let config = &site.config;
    let base = config.base_path();
    let tera = theme.tera()?;
    let url = |p: &str| format!("{base}{p}");
    let accessibility_page = site
        .pages
        .iter()
        .find(|p| p.page.slug == "accessibilite")
        .map(|p| url(&urls::page(&p.page.slug)));
    let site_view = SiteView {
        titre: &config.titre,
        editeur: &config.editeur,
        base: base.clone(),
        base_url: config.base_url(),
        contact_nom: &config.contact.nom,
        contact_courriel: &config.contact.courriel,
        contact_telephone: config
            .contact
            .telephone
            .as_deref()
            .and_then(text::normalize_phone)
            .map(|p| phone(&p)),
        accessibilite: &config.accessibilite,
        accessibility_page,
        logo: config
            .logo
            .as_ref()
            .map(|l| url(&format!("static/{}", l.trim_start_matches('/')))),
        logo_alt: config.logo_alt.as_deref().unwrap_or(""),
        departements: site
            .departements
            .iter()
            .map(|d| Link {
                label: d.nom.clone(),
                url: url(&urls::departement(&d.code)),
            })
            .collect(),
        footer_pages: site
            .pages
            .iter()
            .map(|p| Link {
                label: p.page.titre.clone(),
                url: url(&urls::page(&p.page.slug)),
            })
            .collect(),
        live_reload: options.live_reload,
        nb_lieux: site.places.len(),
        attribution_territoires: crate::territories::ATTRIBUTION,
    };
    let mut site_context = tera::Context::new();
    site_context.insert("site", &site_view);
    site_context.insert("section", "");
    site_context.insert("breadcrumbs", &Vec::<Link>::new());
    Ok(Renderer {
        site,
        tera,
        base: base.clone(),
        site_context,
        typologie: schema::vocabulary("typologie")
            .ok_or_else(|| Error::Internal("vocabulaire typologie absent".into()))?,
    })
}

/// One place page alone (for fuzzing and for quick previews).
pub fn render_place(site: &Site, theme: &Theme, index: usize) -> Result<String, Error> {
    let renderer = renderer(site, theme, &RenderOptions::default())?;
    let view = renderer.place_view(index);
    renderer.render("lieu.html", context(vec![("lieu", json(&view))]))
}

pub fn render_site(site: &Site, theme: &Theme, options: &RenderOptions) -> Result<Vec<OutputFile>, Error> {
    let config = &site.config;
    let base = config.base_path();
    let url = |p: &str| format!("{base}{p}");
    let renderer = renderer(site, theme, options)?;

    let mut out = Vec::new();
    let mut html = |path: String, body: String| {
        out.push(OutputFile {
            path,
            bytes: body.into_bytes(),
        })
    };

    // Home.
    let all: Vec<usize> = (0..site.places.len()).collect();
    let communes_with_place = site.communes.iter().filter(|c| !c.places.is_empty()).count();
    html(
        "index.html".into(),
        renderer.render(
            "index.html",
            context(vec![
                ("nb_communes", json(&site.communes.len())),
                ("nb_communes_avec_lieu", json(&communes_with_place)),
                ("nb_epcis", json(&site.epcis.len())),
                ("services", json(&renderer.service_rows(&all))),
            ]),
        )?,
    );

    // All places, grouped by commune.
    let mut groups: Vec<(&CommuneEntry, Vec<usize>)> = site
        .communes
        .iter()
        .filter(|c| !c.places.is_empty())
        .map(|c| (c, c.places.clone()))
        .collect();
    groups.sort_by_cached_key(|(c, _)| (text::fold(&c.nom), c.code.clone()));
    let groups: Vec<CommuneGroup> = groups
        .into_iter()
        .map(|(c, places)| CommuneGroup {
            commune: renderer.commune_link(c),
            places: renderer.summaries(&places),
        })
        .collect();
    html(
        urls::index_file("lieux/"),
        renderer.render(
            "lieux.html",
            context(vec![
                ("groups", json(&groups)),
                ("services", json(&renderer.service_rows(&all))),
                ("section", json(&"lieux")),
                (
                    "breadcrumbs",
                    renderer.crumbs(vec![Link {
                        label: "Tous les lieux".into(),
                        url: url("lieux/"),
                    }]),
                ),
            ]),
        )?,
    );

    // One page per place.
    for i in 0..site.places.len() {
        let view = renderer.place_view(i);
        let trail: Vec<Link> = [view.departement.clone(), view.epci.clone(), Some(view.commune.clone())]
            .into_iter()
            .flatten()
            .chain([Link {
                label: view.nom.clone(),
                url: view.url.clone(),
            }])
            .collect();
        let page = context(vec![("breadcrumbs", renderer.crumbs(trail)), ("lieu", json(&view))]);
        html(
            urls::index_file(&urls::place(&view.id)),
            renderer.render("lieu.html", page)?,
        );
    }

    // One page per service.
    // A service nobody offers gets no page: nothing would link to it.
    for service in renderer.service_rows(&all).into_iter().filter(|s| s.count > 0) {
        let label = service.label.clone();
        let places: Vec<usize> = site
            .departements
            .iter()
            .flat_map(|d| d.places.iter().copied())
            .filter(|&i| site.places[i].lieu.services.contains(&label))
            .collect();
        html(
            urls::index_file(&urls::service(&label)),
            renderer.render(
                "service.html",
                context(vec![
                    (
                        "breadcrumbs",
                        renderer.crumbs(vec![Link {
                            label: label.clone(),
                            url: service.url.clone(),
                        }]),
                    ),
                    ("service", json(&service)),
                    ("places", json(&renderer.summaries(&places))),
                ]),
            )?,
        );
    }

    // Territories.
    for d in &site.departements {
        let epcis: Vec<EpciRow> = d
            .epcis
            .iter()
            .map(|&i| {
                let e = &site.epcis[i];
                EpciRow {
                    nom: e.nom.clone(),
                    url: url(&urls::epci(&e.siren)),
                    communes: e.communes.len(),
                    count: e.places.len(),
                }
            })
            .collect();
        let view = json(&serde_json::json!({
            "code": d.code, "nom": d.nom, "region": d.region,
            "nb_communes": d.communes.len(), "nb_lieux": d.places.len(),
            "nb_communes_avec_lieu": d.communes.iter().filter(|&&c| !site.communes[c].places.is_empty()).count(),
        }));
        html(
            urls::index_file(&urls::departement(&d.code)),
            renderer.render(
                "departement.html",
                context(vec![
                    ("section", json(&"territoires")),
                    (
                        "breadcrumbs",
                        renderer.crumbs(vec![Link {
                            label: d.nom.clone(),
                            url: url(&urls::departement(&d.code)),
                        }]),
                    ),
                    ("departement", view),
                    ("epcis", json(&epcis)),
                    ("lettres", json(&by_initial(renderer.commune_rows(&d.communes)))),
                    ("places", json(&renderer.summaries(&d.places))),
                    ("services", json(&renderer.service_rows(&d.places))),
                ]),
            )?,
        );
    }
    for e in &site.epcis {
        let departements: Vec<Link> = {
            let mut codes: Vec<&str> = e
                .communes
                .iter()
                .map(|&c| site.communes[c].departement.as_str())
                .collect();
            codes.sort();
            codes.dedup();
            codes
                .into_iter()
                .filter_map(|c| site.departement_index(c))
                .map(|i| &site.departements[i])
                .map(|d| Link {
                    label: d.nom.clone(),
                    url: url(&urls::departement(&d.code)),
                })
                .collect()
        };
        let view = serde_json::json!({
            "siren": e.siren, "nom": e.nom, "type": epci_kind_label(&e.kind), "population": format_thousands(e.population),
            "nb_communes": e.communes.len(), "nb_lieux": e.places.len(),
        });
        html(
            urls::index_file(&urls::epci(&e.siren)),
            renderer.render(
                "epci.html",
                context(vec![
                    ("section", json(&"territoires")),
                    (
                        "breadcrumbs",
                        renderer.crumbs(
                            departements
                                .iter()
                                .cloned()
                                .chain([Link {
                                    label: e.nom.clone(),
                                    url: url(&urls::epci(&e.siren)),
                                }])
                                .collect(),
                        ),
                    ),
                    ("epci", view),
                    ("departements", json(&departements)),
                    ("communes", json(&renderer.commune_rows(&e.communes))),
                    ("places", json(&renderer.summaries(&e.places))),
                    ("services", json(&renderer.service_rows(&e.places))),
                ]),
            )?,
        );
    }
    for c in &site.communes {
        let epci = c
            .epci_siren
            .as_deref()
            .and_then(|s| site.epci_index(s))
            .map(|i| &site.epcis[i])
            .map(|e| Link {
                label: e.nom.clone(),
                url: url(&urls::epci(&e.siren)),
            });
        let departement = site
            .departement_index(&c.departement)
            .map(|i| &site.departements[i])
            .map(|d| Link {
                label: d.nom.clone(),
                url: url(&urls::departement(&d.code)),
            });
        let nearest: Vec<PlaceSummary> = c.nearest.iter().map(|&(i, km)| renderer.summary(i, Some(km))).collect();
        let view = serde_json::json!({
            "code": c.code, "nom": c.nom, "codes_postaux": c.codes_postaux.join(", "),
            "population": format_thousands(c.population), "nb_lieux": c.places.len(),
        });
        html(
            urls::index_file(&urls::commune(&c.slug)),
            renderer.render(
                "commune.html",
                context(vec![
                    ("section", json(&"territoires")),
                    (
                        "breadcrumbs",
                        renderer.crumbs(
                            [departement.clone(), epci.clone(), Some(renderer.commune_link(c))]
                                .into_iter()
                                .flatten()
                                .collect(),
                        ),
                    ),
                    ("commune", view),
                    ("epci", json(&epci)),
                    ("departement", json(&departement)),
                    ("places", json(&renderer.summaries(&c.places))),
                    ("nearest", json(&nearest)),
                ]),
            )?,
        );
    }

    // Free pages.
    for p in &site.pages {
        let view = serde_json::json!({ "titre": p.page.titre, "description": p.page.description, "html": p.html, "slug": p.page.slug });
        let trail = vec![Link {
            label: p.page.titre.clone(),
            url: url(&urls::page(&p.page.slug)),
        }];
        let mut page_context = context(vec![("breadcrumbs", renderer.crumbs(trail)), ("page", view)]);
        // A page may ask for generated content: the contribution guide.
        let template = crate::contribuer::extend_page(&p.page, &mut page_context);
        html(
            urls::index_file(&urls::page(&p.page.slug)),
            renderer.render(template, page_context)?,
        );
    }

    // Search: the form is shown by recherche.js; without it, the page lists
    // places by service and by commune.
    let facets = crate::search::facets();
    let groups_json = json(&groups);
    html(
        urls::index_file("recherche/"),
        renderer.render(
            "recherche.html",
            context(vec![
                ("section", json(&"recherche")),
                (
                    "breadcrumbs",
                    renderer.crumbs(vec![Link {
                        label: "Chercher".into(),
                        url: url("recherche/"),
                    }]),
                ),
                ("facettes", json(&facets)),
                ("catalogue", json(&url("donnees/recherche/index.json"))),
                ("services", json(&renderer.service_rows(&all))),
                ("groups", groups_json.clone()),
            ]),
        )?,
    );

    // Map: Leaflet draws donnees/lieux.geojson; the same places are listed as text.
    let points: Vec<crate::territories::LatLon> = site.communes.iter().filter_map(|c| c.point).collect();
    let bounds = points.iter().fold(None::<[f64; 4]>, |b, p| {
        Some(match b {
            None => [p.lon, p.lat, p.lon, p.lat],
            Some([w, s, e, n]) => [w.min(p.lon), s.min(p.lat), e.max(p.lon), n.max(p.lat)],
        })
    });
    html(
        urls::index_file("carte/"),
        renderer.render(
            "carte.html",
            context(vec![
                ("section", json(&"carte")),
                (
                    "breadcrumbs",
                    renderer.crumbs(vec![Link {
                        label: "Carte".into(),
                        url: url("carte/"),
                    }]),
                ),
                ("geojson", json(&url("donnees/lieux.geojson"))),
                ("tuiles", json(&config.carte.tuiles)),
                ("attribution", json(&config.carte.attribution)),
                ("zoom_max", json(&config.carte.zoom_max)),
                (
                    "limites",
                    json(&bounds.map(|b| serde_json::to_string(&b).unwrap_or_default())),
                ),
                ("groups", groups_json),
                (
                    "nb_sans_coordonnees",
                    json(&site.places.iter().filter(|p| !p.has_own_coordinates).count()),
                ),
            ]),
        )?,
    );

    // --- Network dashboard: figures and chart geometry from crate::dashboard,
    // drawn by the theme (pages and SVG charts).
    {
        let board = crate::dashboard::dashboard(site);
        let start = Link {
            label: "Tableau de bord".into(),
            url: url(crate::dashboard::URL),
        };
        html(
            urls::index_file(crate::dashboard::URL),
            renderer.render(
                "tableau-de-bord.html",
                context(vec![
                    ("breadcrumbs", renderer.crumbs(vec![start.clone()])),
                    ("tableau", json(&board.view)),
                ]),
            )?,
        );
        let communes = Link {
            label: "Couverture par commune".into(),
            url: url(crate::dashboard::COMMUNES_URL),
        };
        html(
            urls::index_file(crate::dashboard::COMMUNES_URL),
            renderer.render(
                "tableau-de-bord-communes.html",
                context(vec![
                    ("breadcrumbs", renderer.crumbs(vec![start, communes])),
                    ("tableau", json(&board.communes)),
                ]),
            )?,
        );
        for chart in &board.charts {
            html(
                chart.path.clone(),
                renderer.render(chart.template, context(vec![("graphique", json(&chart.chart))]))?,
            );
        }
    }
    // --- End of the network dashboard.

    render_orientation(&renderer, &mut html)?;

    html("404.html".into(), renderer.render("404.html", tera::Context::new())?);
    html(
        urls::index_file("hors-ligne/"),
        renderer.render("hors-ligne.html", tera::Context::new())?,
    );

    let page_urls: Vec<String> = {
        let mut v: Vec<String> = out
            .iter()
            // The offline page is for the service worker, not for search engines.
            .filter(|f| f.path.ends_with("index.html") && !f.path.starts_with("hors-ligne/"))
            .map(|f| format!("{}{}", config.base_url(), f.path.trim_end_matches("index.html")))
            .collect();
        v.sort();
        v
    };
    let mut tail = vec![
        OutputFile {
            path: "sitemap.xml".into(),
            bytes: renderer
                .render("sitemap.xml", context(vec![("urls", json(&page_urls))]))?
                .into_bytes(),
        },
        OutputFile {
            path: "robots.txt".into(),
            bytes: renderer.render("robots.txt", tera::Context::new())?.into_bytes(),
        },
        OutputFile {
            path: "static/couleurs.css".into(),
            bytes: renderer
                .render(
                    "couleurs.css",
                    context(vec![
                        ("principale", json(&css_colour(&config.couleurs.principale))),
                        ("accent", json(&css_colour(&config.couleurs.accent))),
                    ]),
                )?
                .into_bytes(),
        },
    ];
    out.append(&mut tail);
    Ok(out)
}

#[derive(Serialize)]
struct Choice {
    label: String,
    detail: String,
    url: String,
    count: usize,
}

/// The guided path: need → situation → intercommunalité → places.
fn render_orientation(renderer: &Renderer<'_>, html: &mut impl FnMut(String, String)) -> Result<(), Error> {
    use crate::orientation::{NEEDS, SITUATIONS, offers, results};
    let site = renderer.site;
    let url = |p: &str| renderer.url(p);
    let start = Link {
        label: "De quoi avez-vous besoin ?".into(),
        url: url("orientation/"),
    };
    let needs: Vec<Choice> = NEEDS
        .iter()
        .map(|n| Choice {
            label: n.label.into(),
            detail: n.example.into(),
            url: url(&format!("orientation/{}/", n.slug)),
            count: (0..site.places.len()).filter(|&p| offers(site, p, n)).count(),
        })
        .filter(|c| c.count > 0)
        .collect();
    html(
        "orientation/index.html".into(),
        renderer.render(
            "orientation.html",
            context(vec![
                ("section", json(&"orientation")),
                ("breadcrumbs", renderer.crumbs(vec![start.clone()])),
                ("choix", json(&needs)),
            ]),
        )?,
    );
    for need in NEEDS {
        let offering: Vec<usize> = (0..site.places.len()).filter(|&p| offers(site, p, need)).collect();
        if offering.is_empty() {
            continue;
        }
        let need_link = Link {
            label: need.label.into(),
            url: url(&format!("orientation/{}/", need.slug)),
        };
        let situations: Vec<Choice> = SITUATIONS
            .iter()
            .map(|s| Choice {
                label: s.label.into(),
                detail: String::new(),
                url: url(&format!("orientation/{}/{}/", need.slug, s.slug)),
                count: offering
                    .iter()
                    .filter(|&&p| crate::orientation::is_adapted(site, p, s))
                    .count(),
            })
            .collect();
        html(
            format!("orientation/{}/index.html", need.slug),
            renderer.render(
                "orientation-situation.html",
                context(vec![
                    ("section", json(&"orientation")),
                    ("breadcrumbs", renderer.crumbs(vec![start.clone(), need_link.clone()])),
                    ("besoin", json(&need.label)),
                    ("choix", json(&situations)),
                ]),
            )?,
        );
        for situation in SITUATIONS {
            let situation_url = format!("orientation/{}/{}/", need.slug, situation.slug);
            let situation_link = Link {
                label: situation.label.into(),
                url: url(&situation_url),
            };
            let epcis: Vec<Choice> = site
                .departements
                .iter()
                .flat_map(|d| d.epcis.iter().copied())
                .map(|e| {
                    let epci = &site.epcis[e];
                    let mut communes: Vec<&str> =
                        epci.communes.iter().map(|&c| site.communes[c].nom.as_str()).collect();
                    communes.dedup();
                    Choice {
                        label: epci.nom.clone(),
                        detail: communes.join(", "),
                        url: url(&format!("{situation_url}{}/", epci.siren)),
                        count: epci.places.iter().filter(|&&p| offers(site, p, need)).count(),
                    }
                })
                .collect();
            html(
                format!("{situation_url}index.html"),
                renderer.render(
                    "orientation-territoire.html",
                    context(vec![
                        ("section", json(&"orientation")),
                        (
                            "breadcrumbs",
                            renderer.crumbs(vec![start.clone(), need_link.clone(), situation_link.clone()]),
                        ),
                        ("besoin", json(&need.label)),
                        ("situation", json(&situation.label)),
                        ("choix", json(&epcis)),
                    ]),
                )?,
            );
            for d in &site.departements {
                for &e in &d.epcis {
                    let epci = &site.epcis[e];
                    let found = results(site, e, need, situation, site.config.lieux_proches);
                    let places: Vec<serde_json::Value> = found
                        .inside
                        .iter()
                        .map(|&p| {
                            serde_json::json!({
                                "lieu": renderer.summary(p, None),
                                "adapte": crate::orientation::is_adapted(site, p, situation),
                            })
                        })
                        .collect();
                    let nearby: Vec<PlaceSummary> = found
                        .nearby
                        .iter()
                        .map(|&(p, km)| renderer.summary(p, Some(km)))
                        .collect();
                    let page_url = format!("{situation_url}{}/", epci.siren);
                    html(
                        format!("{page_url}index.html"),
                        renderer.render(
                            "orientation-resultats.html",
                            context(vec![
                                ("section", json(&"orientation")),
                                (
                                    "breadcrumbs",
                                    renderer.crumbs(vec![
                                        start.clone(),
                                        need_link.clone(),
                                        situation_link.clone(),
                                        Link {
                                            label: epci.nom.clone(),
                                            url: url(&page_url),
                                        },
                                    ]),
                                ),
                                ("besoin", json(&need.label)),
                                ("situation", json(&situation.label)),
                                ("avec_situation", json(&!situation.values.is_empty())),
                                (
                                    "territoire",
                                    json(&Link {
                                        label: epci.nom.clone(),
                                        url: url(&urls::epci(&epci.siren)),
                                    }),
                                ),
                                ("lieux", json(&places)),
                                ("proches", json(&nearby)),
                            ]),
                        )?,
                    );
                }
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct LetterGroup {
    lettre: String,
    communes: Vec<CommuneRow>,
}

/// Communes under their initial (accents folded), for an A–Z index: a
/// département's 500 communes are too many to scroll through on a phone.
fn by_initial(rows: Vec<CommuneRow>) -> Vec<LetterGroup> {
    let mut groups: Vec<LetterGroup> = Vec::new();
    for row in rows {
        let letter = text::fold(&row.nom)
            .chars()
            .find(|c| c.is_alphanumeric())
            .unwrap_or('#')
            .to_ascii_uppercase();
        let letter = letter.to_string();
        match groups.last_mut() {
            Some(g) if g.lettre == letter => g.communes.push(row),
            _ => groups.push(LetterGroup {
                lettre: letter,
                communes: vec![row],
            }),
        }
    }
    groups
}

fn css_colour(value: &str) -> String {
    crate::colour::parse_hex(value)
        .map(crate::colour::to_css)
        .unwrap_or_else(|| "#1d4f91".to_string())
}

fn epci_kind_label(kind: &str) -> &'static str {
    match kind {
        "CC" => "Communauté de communes",
        "CA" => "Communauté d'agglomération",
        "CU" => "Communauté urbaine",
        "METRO" | "ME" | "MET69" => "Métropole",
        "EPT" => "Établissement public territorial",
        _ => "Intercommunalité",
    }
}

/// `12345` → `12 345`, with a narrow no-break space as French typography wants.
pub fn format_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The service worker, at the root of the site so that its scope is the
/// whole site. `version` identifies the build's content.
pub fn render_service_worker(site: &Site, theme: &Theme, version: &str) -> Result<OutputFile, Error> {
    let tera = theme.tera()?;
    let mut context = tera::Context::new();
    context.insert("version", version);
    context.insert("base", &site.config.base_path());
    let body = tera.render("sw.js", &context).map_err(|e| from_tera("sw.js", &e))?;
    Ok(OutputFile {
        path: "sw.js".into(),
        bytes: body.into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_formats() {
        assert_eq!(
            french_date(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            "1er mars 2026"
        );
        assert_eq!(french_km(3.24), "3,2 km");
        assert_eq!(french_km(12.6), "13 km");
        assert_eq!(format_thousands(77130), "77\u{202f}130");
        assert_eq!(display_url("https://www.exemple.fr/"), "exemple.fr");
        assert_eq!(
            display_url("https://www.bayonne.fr/numerique/cyber-bases?x=1"),
            "bayonne.fr"
        );
    }
}
