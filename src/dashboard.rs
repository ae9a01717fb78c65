//! The network's dashboard (`tableau-de-bord/`), for the steering committee
//! and the partners: coverage (distance from each commune to the nearest
//! place offering each service, white zones), who does what (services and
//! national programmes per territory), freshness and completeness of the
//! listings, and the same figures as CSV in `donnees/`.
//!
//! The figures are pure functions of the enriched [`Site`]. The views are
//! plain data, already in French, with chart geometry already computed
//! (projected points, bar lengths): the theme's templates only draw them.

use crate::enrich::Site;
use crate::error::Error;
use crate::nearest::ClassedIndex;
use crate::render::OutputFile;
use crate::territories::LatLon;
use crate::text::{self, Precision};
use crate::urls;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The service whose absence makes a white zone: the départements' schemes
/// promise every resident help with online procedures nearby.
pub const WHITE_ZONE_SERVICE: &str = "Aide aux démarches administratives";

/// Where the dashboard lives, relative to the base path.
pub const URL: &str = "tableau-de-bord/";
pub const COMMUNES_URL: &str = "tableau-de-bord/communes/";

/// The services of the national vocabulary, in its order.
pub fn services() -> Vec<&'static str> {
    crate::schema::vocabulary("services")
        .map(|v| v.values.iter().map(|x| x.value.as_str()).collect())
        .unwrap_or_default()
}

// ------------------------------------------------------------ figures

/// Distances from one commune's reference point.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneCoverage {
    /// Index into `Site::communes`.
    pub commune: usize,
    /// One entry per service of [`services`], in that order: the nearest
    /// place offering it and its distance in km; `None` when no place offers
    /// it or the commune has no reference point.
    pub nearest: Vec<Option<(usize, f64)>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub services: Vec<&'static str>,
    /// In the order of `Site::communes`.
    pub communes: Vec<CommuneCoverage>,
}

impl Coverage {
    fn service_index(&self, service: &str) -> Option<usize> {
        self.services.iter().position(|s| *s == service)
    }
}

pub fn coverage(site: &Site) -> Coverage {
    use rayon::prelude::*;
    let services = services();
    // One index of the places, each with the services it offers as bits
    // (by groups of 64, the most a mask holds; the vocabulary has 12): the
    // same grid as the nearest places of communes, exact, and one walk
    // around each commune for all services.
    let groups: Vec<ClassedIndex> = services
        .chunks(64)
        .map(|group| {
            let offered = site
                .places
                .iter()
                .map(|p| {
                    group
                        .iter()
                        .enumerate()
                        .filter(|(_, service)| p.lieu.services.iter().any(|s| s == *service))
                        .fold(0u64, |mask, (bit, _)| mask | (1 << bit))
                })
                .collect();
            ClassedIndex::new(site.places.iter().map(|p| p.point).collect(), offered)
        })
        .collect();
    let communes = site
        .communes
        .par_iter()
        .enumerate()
        .map(|(ci, c)| CommuneCoverage {
            commune: ci,
            nearest: services
                .chunks(64)
                .zip(&groups)
                .flat_map(|(group, index)| match c.point {
                    Some(origin) => index.nearest_of_each(origin, group.len()),
                    None => vec![None; group.len()],
                })
                .collect(),
        })
        .collect();
    Coverage { services, communes }
}

/// A commune farther than the threshold from any place offering
/// [`WHITE_ZONE_SERVICE`].
#[derive(Debug, Clone, PartialEq)]
pub struct WhiteZone {
    pub commune: usize,
    /// `None` when no place of the site offers the service at all.
    pub distance_km: Option<f64>,
}

/// The white zones, farthest first (then by code INSEE). Communes without a
/// reference point cannot be judged and are left out.
pub fn white_zones(site: &Site, coverage: &Coverage, threshold_km: f64) -> Vec<WhiteZone> {
    let Some(s) = coverage.service_index(WHITE_ZONE_SERVICE) else {
        return Vec::new();
    };
    let mut zones: Vec<WhiteZone> = coverage
        .communes
        .iter()
        .filter(|c| site.communes[c.commune].point.is_some())
        .filter_map(|c| match c.nearest[s] {
            None => Some(WhiteZone {
                commune: c.commune,
                distance_km: None,
            }),
            Some((_, d)) if d > threshold_km => Some(WhiteZone {
                commune: c.commune,
                distance_km: Some(d),
            }),
            Some(_) => None,
        })
        .collect();
    zones.sort_by(|a, b| {
        let far = |z: &WhiteZone| z.distance_km.unwrap_or(f64::INFINITY);
        far(b)
            .total_cmp(&far(a))
            .then_with(|| site.communes[a.commune].code.cmp(&site.communes[b.commune].code))
    });
    zones
}

/// Places whose `date_maj` is `fraicheur_mois` old or more, oldest first.
pub fn stale_places(site: &Site) -> Vec<usize> {
    let mut stale: Vec<usize> = (0..site.places.len()).filter(|&i| site.places[i].stale).collect();
    stale.sort_by(|&a, &b| {
        let (pa, pb) = (&site.places[a].lieu, &site.places[b].lieu);
        pa.date_maj.cmp(&pb.date_maj).then_with(|| pa.id.cmp(&pb.id))
    });
    stale
}

/// Whole months from `from` to `to` (0 when `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() { months - 1 } else { months };
    months.max(0) as u32
}

/// The fields a resident needs to find a place and know it suits them, and
/// how we name them to the coordinator.
pub const USEFUL_FIELDS: [&str; 5] = ["Horaires", "Téléphone", "Services", "Accessibilité", "Coordonnées"];

#[derive(Debug, Clone, PartialEq)]
pub struct Completeness {
    pub place: usize,
    /// Share of [`USEFUL_FIELDS`] filled, in percent.
    pub score: u32,
    pub missing: Vec<&'static str>,
}

pub fn completeness(site: &Site) -> Vec<Completeness> {
    site.places
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let filled = [
                p.lieu.horaires.is_some(),
                p.lieu.telephone.is_some(),
                !p.lieu.services.is_empty(),
                p.lieu.fiche_acces_libre.is_some(),
                p.has_own_coordinates,
            ];
            let missing: Vec<&'static str> = USEFUL_FIELDS
                .iter()
                .zip(filled)
                .filter(|(_, ok)| !ok)
                .map(|(name, _)| *name)
                .collect();
            let have = USEFUL_FIELDS.len() - missing.len();
            Completeness {
                place: i,
                score: (100 * have / USEFUL_FIELDS.len()) as u32,
                missing,
            }
        })
        .collect()
}

/// The national programmes and labels a place takes part in: the closed
/// lists of the standard, then the free labels (APTIC, Pass numérique…).
pub fn programmes_of(site: &Site, place: usize) -> Vec<&str> {
    let lieu = &site.places[place].lieu;
    lieu.dispositif_programmes_nationaux
        .iter()
        .chain(&lieu.formations_labels)
        .chain(&lieu.autres_formations_labels)
        .map(String::as_str)
        .collect()
}

/// Places per programme or label, among `places`; programmes by name.
pub fn programmes(site: &Site, places: &[usize]) -> BTreeMap<String, Vec<usize>> {
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &p in places {
        for programme in programmes_of(site, p) {
            match out.get_mut(programme) {
                // A place naming a programme twice is listed once. Only the
                // last entry can be this place: a national programme has
                // thousands of places, and searching them all was quadratic.
                Some(list) if list.last() == Some(&p) => {}
                Some(list) => list.push(p),
                None => {
                    out.insert(programme.to_string(), vec![p]);
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------ views

#[derive(Serialize, Clone, Debug)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Serialize, Debug)]
pub struct DashboardView {
    pub seuil_km: u32,
    pub fraicheur_mois: u32,
    pub service_zone_blanche: &'static str,
    pub nb_lieux: usize,
    pub nb_communes: usize,
    pub nb_communes_avec_lieu: usize,
    pub population: String,
    /// The plain-language sentence on white zones.
    pub phrase_zones_blanches: String,
    pub phrase_fraicheur: String,
    pub phrase_completude: String,
    pub phrase_qui_fait_quoi: String,
    pub graphique_services: ChartRef,
    pub cartes: Vec<ChartRef>,
    /// Per service: share of the population within the threshold (the bar chart's data).
    pub couverture_services: Vec<ServiceShare>,
    pub zones_blanches: Vec<WhiteZoneRow>,
    /// Services of the vocabulary; `url` is empty when no place offers one.
    pub services: Vec<Link>,
    pub intercommunalites: Vec<EpciRow>,
    pub programmes: Vec<EpciProgrammes>,
    pub fraicheur: Vec<StaleRow>,
    pub completude: Vec<CompletenessRow>,
    pub donnees: Vec<Link>,
    pub communes_url: String,
}

/// A chart file and its text alternative.
#[derive(Serialize, Debug, Clone)]
pub struct ChartRef {
    pub url: String,
    pub alt: String,
    /// The drawing's size in CSS pixels, so that the page does not jump as it loads.
    pub largeur: u32,
    pub hauteur: u32,
}

#[derive(Serialize, Debug)]
pub struct ServiceShare {
    pub service: String,
    pub part: String,
    pub nb_lieux: usize,
}

#[derive(Serialize, Debug)]
pub struct WhiteZoneRow {
    pub commune: Link,
    pub epci: Option<String>,
    pub population: String,
    /// « 18,4 km », or « aucun lieu ».
    pub distance: String,
}

#[derive(Serialize, Debug)]
pub struct EpciRow {
    pub epci: Link,
    pub nb_communes: usize,
    pub population: String,
    pub nb_lieux: usize,
    /// Places offering each service, in the order of `DashboardView::services`.
    pub services: Vec<usize>,
    pub nb_zones_blanches: usize,
    pub population_zones_blanches: String,
}

#[derive(Serialize, Debug)]
pub struct EpciProgrammes {
    pub epci: Link,
    pub programmes: Vec<ProgrammePlaces>,
}

#[derive(Serialize, Debug)]
pub struct ProgrammePlaces {
    pub programme: String,
    pub lieux: Vec<Link>,
}

#[derive(Serialize, Debug)]
pub struct StaleRow {
    pub lieu: Link,
    pub commune: String,
    pub date_maj: String,
    pub date_maj_iso: String,
    pub mois: u32,
    pub modifier: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct CompletenessRow {
    pub lieu: Link,
    pub commune: String,
    pub score: u32,
    pub manquants: Vec<&'static str>,
    pub modifier: Option<String>,
}

/// The per-commune table (`tableau-de-bord/communes/`).
#[derive(Serialize, Debug)]
pub struct CommunesView {
    pub seuil_km: u32,
    pub services: Vec<String>,
    pub intercommunalites: Vec<CommuneGroup>,
}

#[derive(Serialize, Debug)]
pub struct CommuneGroup {
    pub epci: Link,
    pub communes: Vec<CommuneRow>,
}

#[derive(Serialize, Debug)]
pub struct CommuneRow {
    pub commune: Link,
    pub population: String,
    pub nb_lieux: usize,
    /// Per service: « sur place », « 4,2 » (km) or « – ».
    pub distances: Vec<String>,
    pub zone_blanche: bool,
}

/// One chart to write: a file of the theme's template, and its data.
#[derive(Serialize, Debug)]
pub struct ChartFile {
    pub path: String,
    pub template: &'static str,
    pub chart: Chart,
}

#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum Chart {
    Bars(BarChart),
    Map(MapChart),
}

#[derive(Serialize, Debug)]
pub struct BarChart {
    pub titre: String,
    pub description: String,
    #[serde(serialize_with = "svg_number")]
    pub largeur: f64,
    #[serde(serialize_with = "svg_number")]
    pub hauteur: f64,
    pub couleur: String,
    pub barres: Vec<Bar>,
}

#[derive(Serialize, Debug)]
pub struct Bar {
    pub libelle: String,
    pub valeur: String,
    /// Baseline of the label, top of the bar, length of the bar, x of the value.
    #[serde(serialize_with = "svg_number")]
    pub y_libelle: f64,
    #[serde(serialize_with = "svg_number")]
    pub y_barre: f64,
    #[serde(serialize_with = "svg_number")]
    pub longueur: f64,
    #[serde(serialize_with = "svg_number")]
    pub x_valeur: f64,
    #[serde(serialize_with = "svg_number")]
    pub y_valeur: f64,
}

#[derive(Serialize, Debug)]
pub struct MapChart {
    pub titre: String,
    pub description: String,
    #[serde(serialize_with = "svg_number")]
    pub largeur: f64,
    #[serde(serialize_with = "svg_number")]
    pub hauteur: f64,
    pub couleur_lieux: String,
    pub couleur_zones: String,
    /// Outer rings of the outline, projected.
    pub contours: Vec<Vec<Point>>,
    pub lieux: Vec<Point>,
    pub zones_blanches: Vec<Point>,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
pub struct Point {
    #[serde(serialize_with = "svg_number")]
    pub x: f64,
    #[serde(serialize_with = "svg_number")]
    pub y: f64,
}

/// A coordinate as the charts write it: whole numbers without a decimal
/// point (`340`, not `340.0`), as Tera 1 printed them.
fn svg_number<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// Everything the dashboard renders: the two pages' views and the charts.
#[derive(Debug)]
pub struct Dashboard {
    /// Kept for the CSV figures: computing it is most of the dashboard's cost.
    pub coverage: Coverage,
    pub view: DashboardView,
    pub communes: CommunesView,
    pub charts: Vec<ChartFile>,
}

/// « 12,5 % ».
fn french_percent(part: u64, total: u64) -> String {
    if total == 0 {
        return "0 %".into();
    }
    let pct = 100.0 * part as f64 / total as f64;
    format!("{pct:.1}\u{a0}%").replace('.', ",")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", n, if n > 1 { many } else { one })
}

/// About a phone's width, so that the labels are read at their size there.
const BAR_CHART_WIDTH: f64 = 340.0;
const BAR_ROW_HEIGHT: f64 = 40.0;
const MAP_WIDTH: f64 = 400.0;
const MAP_PADDING: f64 = 8.0;

pub fn dashboard(site: &Site) -> Dashboard {
    let config = &site.config;
    let base = config.base_path();
    let url = |p: &str| format!("{base}{p}");
    let threshold = f64::from(config.zone_blanche_km);
    let cov = coverage(site);
    let zones = white_zones(site, &cov, threshold);
    let in_zone: std::collections::HashSet<usize> = zones.iter().map(|z| z.commune).collect();
    let total_population: u64 = site.communes.iter().map(|c| c.population).sum();
    let zone_population: u64 = zones.iter().map(|z| site.communes[z.commune].population).sum();
    let epci_name = |siren: &Option<String>| {
        siren
            .as_deref()
            .and_then(|s| site.epci_index(s))
            .map(|i| site.epcis[i].nom.clone())
    };
    let edit_url = |place: usize| {
        config.lien_modification.as_ref().map(|t| {
            t.replace(
                "{chemin}",
                &site.places[place].source.path.to_string_lossy().replace('\\', "/"),
            )
        })
    };
    let place_link = |place: usize| Link {
        label: site.places[place].lieu.nom.clone(),
        url: url(&urls::place(&site.places[place].lieu.id)),
    };
    let commune_name = |place: usize| {
        site.commune_index(&site.places[place].commune_code)
            .map(|c| site.communes[c].nom.clone())
            .unwrap_or_else(|| site.places[place].lieu.commune.clone())
    };

    let service_zone = WHITE_ZONE_SERVICE;
    let phrase_zones_blanches = if zones.is_empty() {
        format!(
            "Toutes les communes sont à {} km au plus d'un lieu qui propose « {service_zone} ».",
            config.zone_blanche_km
        )
    } else {
        format!(
            "{} habitant{} ({} de la population) vi{} dans {} à plus de {} km d'un lieu qui propose « {service_zone} ».",
            crate::render::format_thousands(zone_population),
            if zone_population > 1 { "s" } else { "" },
            french_percent(zone_population, total_population),
            if zone_population > 1 { "vent" } else { "t" },
            plural(zones.len(), "commune", "communes"),
            config.zone_blanche_km
        )
    };

    // Share of the population within the threshold, per service.
    let shares: Vec<(String, u64, usize)> = cov
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| {
            let near: u64 = cov
                .communes
                .iter()
                .filter(|c| matches!(c.nearest[s], Some((_, d)) if d <= threshold))
                .map(|c| site.communes[c.commune].population)
                .sum();
            let offering = site
                .places
                .iter()
                .filter(|p| p.lieu.services.iter().any(|x| x == service))
                .count();
            (service.to_string(), near, offering)
        })
        .collect();
    let couverture_services: Vec<ServiceShare> = shares
        .iter()
        .map(|(service, near, offering)| ServiceShare {
            service: service.clone(),
            part: french_percent(*near, total_population),
            nb_lieux: *offering,
        })
        .collect();
    let colour = |c: &str| {
        crate::colour::parse_hex(c)
            .map(crate::colour::to_css)
            .unwrap_or_else(|| "#1d4f91".into())
    };
    let bar_chart = bar_chart(
        format!(
            "Part de la population à moins de {} km d'un lieu, par service",
            config.zone_blanche_km
        ),
        &shares
            .iter()
            .map(|(s, near, _)| {
                let share = if total_population == 0 {
                    0.0
                } else {
                    *near as f64 / total_population as f64
                };
                (s.clone(), share, french_percent(*near, total_population))
            })
            .collect::<Vec<_>>(),
        colour(&config.couleurs.principale),
    );
    let bar_alt = format!(
        "Diagramme en barres : part de la population à moins de {} km d'un lieu, par service. {}",
        config.zone_blanche_km,
        couverture_services
            .iter()
            .map(|s| format!("{} : {}", s.service, s.part))
            .collect::<Vec<_>>()
            .join(" ; ")
    );
    let graphique_services = ChartRef {
        url: url(&format!("{URL}services.svg")),
        alt: format!(
            "Diagramme en barres : part de la population à moins de {} km d'un lieu, par service. Les chiffres sont dans le tableau qui suit.",
            config.zone_blanche_km
        ),
        largeur: BAR_CHART_WIDTH.round() as u32,
        hauteur: bar_chart.hauteur.round() as u32,
    };
    let mut charts = vec![ChartFile {
        path: format!("{URL}services.svg"),
        template: "graphique-barres.svg",
        chart: Chart::Bars(BarChart {
            description: bar_alt,
            ..bar_chart
        }),
    }];

    let mut cartes = Vec::new();
    for d in &site.departements {
        let places: Vec<LatLon> = d.places.iter().filter_map(|&p| site.places[p].point).collect();
        let zone_points: Vec<LatLon> = zones
            .iter()
            .filter(|z| site.communes[z.commune].departement == d.code)
            .filter_map(|z| site.communes[z.commune].point)
            .collect();
        let outline = crate::territories::Territories::embedded()
            .outline(&d.code)
            .cloned()
            .unwrap_or_default();
        let commune_points: Vec<LatLon> = d.communes.iter().filter_map(|&c| site.communes[c].point).collect();
        let titre = format!("Carte des lieux et des zones blanches : {}", d.nom);
        let description = format!(
            "Contour du département {} ({}) avec {} (ronds) et {} à plus de {} km d'un lieu qui propose « {service_zone} » (triangles). La liste des communes concernées suit la carte.",
            d.nom,
            d.code,
            plural(places.len(), "lieu", "lieux"),
            plural(zone_points.len(), "commune", "communes"),
            config.zone_blanche_km
        );
        let Some(map) = map_chart(&outline, &commune_points, &places, &zone_points) else {
            continue;
        };
        let path = format!("{URL}carte-{}.svg", d.code.to_lowercase());
        cartes.push(ChartRef {
            url: url(&path),
            alt: description.clone(),
            largeur: map.largeur.round() as u32,
            hauteur: map.hauteur.round() as u32,
        });
        charts.push(ChartFile {
            path,
            template: "graphique-carte.svg",
            chart: Chart::Map(MapChart {
                titre,
                description,
                couleur_lieux: colour(&config.couleurs.principale),
                couleur_zones: colour(&config.couleurs.accent),
                ..map
            }),
        });
    }

    let zones_blanches: Vec<WhiteZoneRow> = zones
        .iter()
        .map(|z| {
            let c = &site.communes[z.commune];
            WhiteZoneRow {
                commune: Link {
                    label: c.nom.clone(),
                    url: url(&urls::commune(&c.slug)),
                },
                epci: epci_name(&c.epci_siren),
                population: crate::render::format_thousands(c.population),
                distance: z
                    .distance_km
                    .map(text::french_km)
                    .unwrap_or_else(|| "aucun lieu".into()),
            }
        })
        .collect();

    let epci_order: Vec<usize> =
        site.departements
            .iter()
            .flat_map(|d| d.epcis.iter().copied())
            .fold(Vec::new(), |mut v, e| {
                if !v.contains(&e) {
                    v.push(e);
                }
                v
            });
    let epci_link = |e: usize| Link {
        label: site.epcis[e].nom.clone(),
        url: url(&urls::epci(&site.epcis[e].siren)),
    };
    let intercommunalites: Vec<EpciRow> = epci_order
        .iter()
        .map(|&e| {
            let epci = &site.epcis[e];
            let zone_communes: Vec<usize> = epci.communes.iter().copied().filter(|c| in_zone.contains(c)).collect();
            EpciRow {
                epci: epci_link(e),
                nb_communes: epci.communes.len(),
                population: crate::render::format_thousands(
                    epci.communes.iter().map(|&c| site.communes[c].population).sum(),
                ),
                nb_lieux: epci.places.len(),
                services: cov
                    .services
                    .iter()
                    .map(|s| {
                        epci.places
                            .iter()
                            .filter(|&&p| site.places[p].lieu.services.iter().any(|x| x == s))
                            .count()
                    })
                    .collect(),
                nb_zones_blanches: zone_communes.len(),
                population_zones_blanches: crate::render::format_thousands(
                    zone_communes.iter().map(|&c| site.communes[c].population).sum(),
                ),
            }
        })
        .collect();
    let missing_services: Vec<String> = shares
        .iter()
        .filter(|(_, _, offering)| *offering == 0)
        .map(|(s, _, _)| format!("« {s} »"))
        .collect();
    let zone_service = cov.service_index(WHITE_ZONE_SERVICE);
    let epcis_without: Vec<&str> = intercommunalites
        .iter()
        .filter(|e| zone_service.is_some_and(|s| e.services[s] == 0))
        .map(|e| e.epci.label.as_str())
        .collect();
    let mut phrase_qui_fait_quoi = match missing_services.len() {
        0 => "Chacun des services du standard est proposé par au moins un lieu.".to_string(),
        1 => format!("Aucun lieu ne propose {}.", missing_services[0]),
        n => format!(
            "{n} services du standard ne sont proposés par aucun lieu : {}.",
            missing_services.join(", ")
        ),
    };
    match epcis_without.len() {
        0 => {}
        1 => phrase_qui_fait_quoi.push_str(&format!(
            " L'intercommunalité {} n'a aucun lieu qui propose « {service_zone} ».",
            epcis_without[0]
        )),
        n => phrase_qui_fait_quoi.push_str(&format!(
            " {n} intercommunalités n'ont aucun lieu qui propose « {service_zone} » : {}.",
            epcis_without.join(", ")
        )),
    }
    let programmes_view: Vec<EpciProgrammes> = epci_order
        .iter()
        .map(|&e| EpciProgrammes {
            epci: epci_link(e),
            programmes: programmes(site, &site.epcis[e].places)
                .into_iter()
                .map(|(programme, places)| ProgrammePlaces {
                    programme,
                    lieux: places.into_iter().map(place_link).collect(),
                })
                .collect(),
        })
        .collect();

    let stale = stale_places(site);
    let fraicheur: Vec<StaleRow> = stale
        .iter()
        .map(|&p| {
            let date = site.places[p].lieu.date_maj;
            StaleRow {
                lieu: place_link(p),
                commune: commune_name(p),
                date_maj: crate::render::french_date(date),
                date_maj_iso: date.format("%Y-%m-%d").to_string(),
                mois: months_between(date, site.today),
                modifier: edit_url(p),
            }
        })
        .collect();
    let phrase_fraicheur = if stale.is_empty() {
        format!(
            "Toutes les fiches ont été mises à jour depuis moins de {} mois.",
            config.fraicheur_mois
        )
    } else {
        format!(
            "{} sur {} n'{} pas été mise{} à jour depuis {} mois ou plus.",
            plural(stale.len(), "fiche", "fiches"),
            site.places.len(),
            if stale.len() > 1 { "ont" } else { "a" },
            if stale.len() > 1 { "s" } else { "" },
            config.fraicheur_mois
        )
    };

    let mut complete = completeness(site);
    let average = if complete.is_empty() {
        100
    } else {
        complete.iter().map(|c| c.score as usize).sum::<usize>() / complete.len()
    };
    let nb_complete = complete.iter().filter(|c| c.missing.is_empty()).count();
    complete.retain(|c| !c.missing.is_empty());
    let keys: Vec<String> = site.places.iter().map(|p| text::fold(&p.lieu.nom)).collect();
    complete.sort_by(|a, b| {
        a.score
            .cmp(&b.score)
            .then_with(|| keys[a.place].cmp(&keys[b.place]))
            .then(a.place.cmp(&b.place))
    });
    let phrase_completude = format!(
        "Les fiches sont remplies à {average}\u{a0}% en moyenne (horaires, téléphone, services, accessibilité, coordonnées) ; {} sur {} sont complètes.",
        nb_complete,
        site.places.len()
    );
    let completude: Vec<CompletenessRow> = complete
        .iter()
        .map(|c| CompletenessRow {
            lieu: place_link(c.place),
            commune: commune_name(c.place),
            score: c.score,
            manquants: c.missing.clone(),
            modifier: edit_url(c.place),
        })
        .collect();

    let communes_view = CommunesView {
        seuil_km: config.zone_blanche_km,
        services: cov.services.iter().map(|s| s.to_string()).collect(),
        intercommunalites: commune_groups(site, &cov, &in_zone, &epci_order, &url),
    };

    let view = DashboardView {
        seuil_km: config.zone_blanche_km,
        fraicheur_mois: config.fraicheur_mois,
        service_zone_blanche: service_zone,
        nb_lieux: site.places.len(),
        nb_communes: site.communes.len(),
        nb_communes_avec_lieu: site.communes.iter().filter(|c| !c.places.is_empty()).count(),
        population: crate::render::format_thousands(total_population),
        phrase_zones_blanches,
        phrase_fraicheur,
        phrase_completude,
        phrase_qui_fait_quoi,
        graphique_services,
        cartes,
        couverture_services,
        zones_blanches,
        services: cov
            .services
            .iter()
            .zip(&shares)
            // A service nobody offers has no page to link to.
            .map(|(s, (_, _, offering))| Link {
                label: s.to_string(),
                url: if *offering > 0 {
                    url(&urls::service(s))
                } else {
                    String::new()
                },
            })
            .collect(),
        intercommunalites,
        programmes: programmes_view,
        fraicheur,
        completude,
        donnees: CSV_FILES
            .iter()
            .map(|(path, label)| Link {
                label: label.to_string(),
                url: url(path),
            })
            .collect(),
        communes_url: url(COMMUNES_URL),
    };
    Dashboard {
        coverage: cov,
        view,
        communes: communes_view,
        charts,
    }
}

/// Communes by intercommunalité (in the dashboard's order), then communes
/// with no intercommunalité.
fn commune_groups(
    site: &Site,
    cov: &Coverage,
    in_zone: &std::collections::HashSet<usize>,
    epci_order: &[usize],
    url: &dyn Fn(&str) -> String,
) -> Vec<CommuneGroup> {
    let row = |ci: usize| {
        let c = &site.communes[ci];
        let here: std::collections::HashSet<&str> = c
            .places
            .iter()
            .flat_map(|&p| site.places[p].lieu.services.iter().map(String::as_str))
            .collect();
        CommuneRow {
            commune: Link {
                label: c.nom.clone(),
                url: url(&urls::commune(&c.slug)),
            },
            population: crate::render::format_thousands(c.population),
            nb_lieux: c.places.len(),
            distances: cov
                .services
                .iter()
                .zip(&cov.communes[ci].nearest)
                .map(|(s, n)| {
                    if here.contains(s) {
                        "sur place".to_string()
                    } else {
                        match n {
                            Some((_, d)) => text::fixed_point(*d, Precision::Tenths, ','),
                            None => "–".to_string(),
                        }
                    }
                })
                .collect(),
            zone_blanche: in_zone.contains(&ci),
        }
    };
    let mut groups: Vec<CommuneGroup> = epci_order
        .iter()
        .map(|&e| CommuneGroup {
            epci: Link {
                label: site.epcis[e].nom.clone(),
                url: url(&urls::epci(&site.epcis[e].siren)),
            },
            communes: site.epcis[e].communes.iter().map(|&c| row(c)).collect(),
        })
        .collect();
    let mut alone: Vec<usize> = (0..site.communes.len())
        .filter(|&c| {
            site.communes[c]
                .epci_siren
                .as_deref()
                .and_then(|s| site.epci_index(s))
                .is_none()
        })
        .collect();
    if !alone.is_empty() {
        alone.sort_by(|&a, &b| site.communes[a].alphabetical(&site.communes[b]));
        groups.push(CommuneGroup {
            epci: Link {
                label: "Communes sans intercommunalité".into(),
                url: String::new(),
            },
            communes: alone.into_iter().map(row).collect(),
        });
    }
    groups
}

/// Bars with their label above: service names are too long to sit beside
/// a bar on a phone.
fn bar_chart(titre: String, bars: &[(String, f64, String)], couleur: String) -> BarChart {
    // Room on the right for « 100,0 % ».
    let max_length = BAR_CHART_WIDTH - 64.0;
    let barres = bars
        .iter()
        .enumerate()
        .map(|(i, (libelle, share, valeur))| {
            let top = i as f64 * BAR_ROW_HEIGHT;
            let longueur = round1(max_length * share.clamp(0.0, 1.0));
            Bar {
                libelle: libelle.clone(),
                valeur: valeur.clone(),
                y_libelle: top + 14.0,
                y_barre: top + 19.0,
                longueur,
                x_valeur: longueur + 6.0,
                y_valeur: top + 31.0,
            }
        })
        .collect();
    BarChart {
        titre,
        description: String::new(),
        largeur: BAR_CHART_WIDTH,
        hauteur: bars.len() as f64 * BAR_ROW_HEIGHT + 4.0,
        couleur,
        barres,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Projects the outline (lon, lat rings) and points into a box
/// `MAP_WIDTH` wide: an equirectangular projection centred on the
/// département, exact enough at this scale. `None` without anything to draw.
fn map_chart(outline: &[Vec<(f64, f64)>], extent: &[LatLon], places: &[LatLon], zones: &[LatLon]) -> Option<MapChart> {
    let all = outline
        .iter()
        .flatten()
        .map(|&(lon, lat)| LatLon { lat, lon })
        .chain(extent.iter().copied())
        .chain(places.iter().copied())
        .chain(zones.iter().copied());
    let (mut south, mut north, mut west, mut east) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut any = false;
    for p in all {
        any = true;
        south = south.min(p.lat);
        north = north.max(p.lat);
        west = west.min(p.lon);
        east = east.max(p.lon);
    }
    if !any {
        return None;
    }
    let squeeze = ((south + north) / 2.0).to_radians().cos();
    let span_x = ((east - west) * squeeze).max(1e-6);
    let span_y = (north - south).max(1e-6);
    let scale = (MAP_WIDTH - 2.0 * MAP_PADDING) / span_x;
    let height = round1(span_y * scale + 2.0 * MAP_PADDING);
    let project = |p: LatLon| Point {
        x: round1(MAP_PADDING + (p.lon - west) * squeeze * scale),
        y: round1(MAP_PADDING + (north - p.lat) * scale),
    };
    Some(MapChart {
        titre: String::new(),
        description: String::new(),
        largeur: MAP_WIDTH,
        hauteur: height,
        couleur_lieux: String::new(),
        couleur_zones: String::new(),
        contours: outline
            .iter()
            .map(|ring| ring.iter().map(|&(lon, lat)| project(LatLon { lat, lon })).collect())
            .collect(),
        lieux: places.iter().map(|&p| project(p)).collect(),
        zones_blanches: zones.iter().map(|&p| project(p)).collect(),
    })
}

// ------------------------------------------------------------ CSV

/// The dashboard's open data, for the département's own reports.
pub const CSV_FILES: [(&str, &str); 3] = [
    ("donnees/tableau-de-bord-communes.csv", "Couverture par commune (CSV)"),
    (
        "donnees/tableau-de-bord-intercommunalites.csv",
        "Services et programmes par intercommunalité (CSV)",
    ),
    (
        "donnees/tableau-de-bord-lieux.csv",
        "Fraîcheur et complétude des fiches (CSV)",
    ),
];

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("export CSV du tableau de bord : {e}"))
}

fn write_csv(rows: Vec<Vec<String>>) -> Result<Vec<u8>, Error> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row).map_err(csv_error)?;
    }
    writer.into_inner().map_err(csv_error)
}

/// Distances with a decimal point: the files are read by spreadsheets and
/// scripts, not by people.
fn km_field(km: Option<f64>) -> String {
    km.map(|d| text::fixed_point(d, Precision::Tenths, '.'))
        .unwrap_or_default()
}

pub fn csv_files(site: &Site, cov: &Coverage) -> Result<Vec<OutputFile>, Error> {
    let threshold = f64::from(site.config.zone_blanche_km);
    let zones = white_zones(site, cov, threshold);
    let in_zone: std::collections::HashSet<usize> = zones.iter().map(|z| z.commune).collect();
    let service_slugs: Vec<String> = cov
        .services
        .iter()
        .map(|s| text::slugify(s).replace('-', "_"))
        .collect();
    let epci_of = |siren: &Option<String>| {
        siren
            .as_deref()
            .and_then(|s| site.epci_index(s))
            .map(|i| (site.epcis[i].siren.clone(), site.epcis[i].nom.clone()))
            .unwrap_or_default()
    };

    let mut communes = vec![
        [
            "code_insee",
            "commune",
            "code_epci",
            "epci",
            "departement",
            "population",
            "nb_lieux",
            "services_sur_place",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(service_slugs.iter().map(|s| format!("distance_km_{s}")))
        .chain(["zone_blanche".to_string()])
        .collect::<Vec<_>>(),
    ];
    for cc in &cov.communes {
        let c = &site.communes[cc.commune];
        let (siren, epci) = epci_of(&c.epci_siren);
        let here: Vec<&str> = cov
            .services
            .iter()
            .copied()
            .filter(|s| {
                c.places
                    .iter()
                    .any(|&p| site.places[p].lieu.services.iter().any(|x| x == s))
            })
            .collect();
        let mut row = vec![
            c.code.clone(),
            c.nom.clone(),
            siren,
            epci,
            c.departement.clone(),
            c.population.to_string(),
            c.places.len().to_string(),
            here.join("|"),
        ];
        row.extend(cc.nearest.iter().map(|n| km_field(n.map(|(_, d)| d))));
        row.push(
            if c.point.is_none() {
                ""
            } else if in_zone.contains(&cc.commune) {
                "oui"
            } else {
                "non"
            }
            .to_string(),
        );
        communes.push(row);
    }

    let all_programmes: Vec<&str> = (0..site.places.len())
        .flat_map(|p| programmes_of(site, p))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut epcis = vec![
        ["code_epci", "epci", "nb_communes", "population", "nb_lieux"]
            .iter()
            .map(|s| s.to_string())
            .chain(service_slugs.iter().map(|s| format!("nb_lieux_{s}")))
            .chain(["nb_communes_zone_blanche".into(), "population_zone_blanche".into()])
            .chain(
                all_programmes
                    .iter()
                    .map(|p| format!("nb_lieux_{}", text::slugify(p).replace('-', "_"))),
            )
            .collect::<Vec<_>>(),
    ];
    for e in &site.epcis {
        let zone: Vec<usize> = e.communes.iter().copied().filter(|c| in_zone.contains(c)).collect();
        let by_programme = programmes(site, &e.places);
        let mut row = vec![
            e.siren.clone(),
            e.nom.clone(),
            e.communes.len().to_string(),
            e.communes
                .iter()
                .map(|&c| site.communes[c].population)
                .sum::<u64>()
                .to_string(),
            e.places.len().to_string(),
        ];
        row.extend(cov.services.iter().map(|s| {
            e.places
                .iter()
                .filter(|&&p| site.places[p].lieu.services.iter().any(|x| x == s))
                .count()
                .to_string()
        }));
        row.push(zone.len().to_string());
        row.push(
            zone.iter()
                .map(|&c| site.communes[c].population)
                .sum::<u64>()
                .to_string(),
        );
        row.extend(
            all_programmes
                .iter()
                .map(|p| by_programme.get(*p).map(Vec::len).unwrap_or(0).to_string()),
        );
        epcis.push(row);
    }

    let base_url = site.config.base_url();
    let complete = completeness(site);
    let mut places = vec![
        [
            "id",
            "nom",
            "code_insee",
            "commune",
            "date_maj",
            "mois_depuis_maj",
            "a_actualiser",
            "completude_pct",
            "champs_manquants",
            "url",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for (i, p) in site.places.iter().enumerate() {
        places.push(vec![
            p.lieu.id.clone(),
            p.lieu.nom.clone(),
            p.commune_code.clone(),
            p.lieu.commune.clone(),
            p.lieu.date_maj.format("%Y-%m-%d").to_string(),
            months_between(p.lieu.date_maj, site.today).to_string(),
            if p.stale { "oui" } else { "non" }.to_string(),
            complete[i].score.to_string(),
            complete[i].missing.join("|"),
            format!("{base_url}{}", urls::place(&p.lieu.id)),
        ]);
    }

    Ok(vec![
        OutputFile {
            path: CSV_FILES[0].0.into(),
            bytes: write_csv(communes)?,
        },
        OutputFile {
            path: CSV_FILES[1].0.into(),
            bytes: write_csv(epcis)?,
        },
        OutputFile {
            path: CSV_FILES[2].0.into(),
            bytes: write_csv(places)?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::ContentFile;
    use crate::nearest::PointIndex;
    use crate::territories::Territories;
    use crate::validate;
    use std::path::{Path, PathBuf};

    #[test]
    fn chart_coordinates_are_written_without_a_needless_decimal_point() {
        let json = |x: f64, y: f64| serde_json::to_string(&Point { x, y }).unwrap();
        assert_eq!(json(340.0, 12.5), r#"{"x":340,"y":12.5}"#);
        assert_eq!(json(0.0, -8.0), r#"{"x":0,"y":-8}"#);
        assert_eq!(json(1e20, 0.1), r#"{"x":1e+20,"y":0.1}"#);
        // And so in the theme's SVG, as Tera 1 printed them.
        let mut context = tera::Context::new();
        context.insert("p", &Point { x: 340.0, y: 242.3 });
        let svg = tera::Tera::one_off(r#"<rect x="{{ p.x }}" width="{{ p.y }}"/>"#, &context, false).unwrap();
        assert_eq!(svg, r#"<rect x="340" width="242.3"/>"#);
    }

    const BELFORT: LatLon = LatLon {
        lat: 47.64691,
        lon: 6.84503,
    };
    const DELLE: LatLon = LatLon {
        lat: 47.50843,
        lon: 6.99620,
    };

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// A place file of Territoire de Belfort (90), at a commune's reference point.
    fn place(id: &str, commune: (&str, &str, &str), at: LatLon, services: &[&str], extra: &str) -> (String, String) {
        let services: String = services.iter().map(|s| format!("  - {s}\n")).collect();
        let yaml = format!(
            "pivot: \"21900010100015\"\nnom: Lieu {id}\nadresse: 1 rue Haute\ncode_postal: \"{}\"\ncommune: {}\ncode_insee: \"{}\"\nlatitude: {}\nlongitude: {}\nservices:\n{services}{extra}",
            commune.1, commune.2, commune.0, at.lat, at.lon
        );
        (id.to_string(), yaml)
    }

    fn site(places: &[(String, String)]) -> Site {
        let config = crate::config::parse(
            "titre: T\nediteur: E\nurl_de_base: https://exemple.fr/annuaire/\ndepartements: [\"90\"]\ncontact:\n  nom: N\n  courriel: n@exemple.fr\nlien_modification: https://forge.exemple.fr/edit/{chemin}\n",
            Path::new("annuaire.yaml"),
        )
        .unwrap();
        let territories = Territories::embedded();
        let ctx = validate::Context {
            territories,
            departements: &config.departements,
            today: today(),
            stale_months: config.fraicheur_mois,
            descriptions_under: None,
        };
        let valid = places
            .iter()
            .map(|(id, yaml)| {
                let date = if yaml.contains("date_maj") {
                    ""
                } else {
                    "date_maj: 2026-10-01\n"
                };
                let file = ContentFile {
                    path: PathBuf::from(format!("content/lieux/{id}.md")),
                    text: format!("---\n{yaml}{date}---\n"),
                };
                let (place, diagnostics) = validate::validate_place_file(&file, &ctx);
                place.unwrap_or_else(|| panic!("{id}: {diagnostics:#?}"))
            })
            .collect();
        crate::enrich::enrich(config, valid, Vec::new(), territories, today())
    }

    const DEMARCHES: &str = "Aide aux démarches administratives";
    const OUTILS: &str = "Maîtrise des outils numériques du quotidien";

    fn two_places() -> Site {
        site(&[
            place(
                "belfort",
                ("90010", "90000", "Belfort"),
                BELFORT,
                &[DEMARCHES, "Accès internet et matériel informatique"],
                "telephone: 03 84 54 24 24\nhoraires: Mo-Fr 09:00-12:00\nfiche_acces_libre: https://acceslibre.beta.gouv.fr/x\ndispositif_programmes_nationaux:\n  - France Services\n  - Aidants Connect\n",
            ),
            place(
                "delle",
                ("90033", "90100", "Delle"),
                DELLE,
                &[OUTILS],
                "date_maj: 2025-06-30\nautres_formations_labels:\n  - APTIC\n",
            ),
        ])
    }

    /// A deterministic pseudo-random sequence in [0, 1).
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn the_grid_finds_what_brute_force_finds() {
        let mut seed = 7;
        for n in [0usize, 1, 5, 300] {
            let mut points: Vec<(LatLon, usize)> = (0..n)
                .map(|i| {
                    let p = LatLon {
                        lat: 41.0 + 10.0 * lcg(&mut seed),
                        lon: -5.0 + 14.0 * lcg(&mut seed),
                    };
                    (p, i)
                })
                .collect();
            if n > 1 {
                // Overseas points stretch the grid; a duplicate tests ties.
                points.push((LatLon { lat: -21.1, lon: 55.5 }, n));
                points.push((points[0].0, n + 1));
            }
            let mut slots = vec![None; n + 2];
            for &(p, i) in &points {
                slots[i] = Some(p);
            }
            let grid = PointIndex::new(slots);
            for _ in 0..200 {
                let q = LatLon {
                    lat: 40.0 + 12.0 * lcg(&mut seed),
                    lon: -6.0 + 16.0 * lcg(&mut seed),
                };
                let brute = points
                    .iter()
                    .map(|&(p, i)| (i, q.distance_km(p)))
                    .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                assert_eq!(
                    grid.nearest(q, 1, |_| true).first().copied(),
                    brute,
                    "n = {n}, query {q:?}"
                );
            }
        }
    }

    #[test]
    fn coverage_gives_the_distance_to_the_nearest_place_per_service() {
        let site = two_places();
        let cov = coverage(&site);
        let s = |name: &str| cov.services.iter().position(|x| *x == name).unwrap();
        let commune = |code: &str| &cov.communes[site.commune_index(code).unwrap()];
        // At the place itself.
        assert_eq!(commune("90010").nearest[s(DEMARCHES)].map(|(_, d)| d), Some(0.0));
        // Delle → Belfort, between the two reference points: 19.1 km.
        let (place, km) = commune("90033").nearest[s(DEMARCHES)].unwrap();
        assert_eq!(site.places[place].lieu.id, "belfort");
        assert!((km - 19.1).abs() < 0.05, "{km}");
        assert_eq!(km, DELLE.distance_km(BELFORT));
        assert_eq!(commune("90033").nearest[s(OUTILS)].map(|(_, d)| d), Some(0.0));
        // No place offers it: no distance anywhere.
        assert!(
            cov.communes
                .iter()
                .all(|c| c.nearest[s("Loisirs et créations numériques")].is_none())
        );
        assert_eq!(cov.communes.len(), site.communes.len());
    }

    #[test]
    fn white_zones_are_the_communes_beyond_the_threshold() {
        let site = two_places();
        let cov = coverage(&site);
        let zones = white_zones(&site, &cov, 15.0);
        let codes: Vec<&str> = zones.iter().map(|z| site.communes[z.commune].code.as_str()).collect();
        assert!(codes.contains(&"90033"), "Delle is 19 km from Belfort");
        assert!(!codes.contains(&"90010"));
        // Exactly the communes whose reference point is more than 15 km from Belfort's place.
        for (i, c) in site.communes.iter().enumerate() {
            let far = c.point.unwrap().distance_km(BELFORT) > 15.0;
            assert_eq!(far, zones.iter().any(|z| z.commune == i), "{} {}", c.code, c.nom);
        }
        // Farthest first.
        assert!(zones.windows(2).all(|w| w[0].distance_km >= w[1].distance_km));
        // A larger threshold leaves fewer.
        assert!(white_zones(&site, &cov, 25.0).len() < zones.len());
        // Without any place offering the service, every commune is a white zone.
        let none = site_without_demarches();
        let cov = coverage(&none);
        let zones = white_zones(&none, &cov, 15.0);
        assert_eq!(zones.len(), none.communes.len());
        assert!(zones.iter().all(|z| z.distance_km.is_none()));
    }

    fn site_without_demarches() -> Site {
        site(&[place("delle", ("90033", "90100", "Delle"), DELLE, &[OUTILS], "")])
    }

    #[test]
    fn old_listings_are_in_the_freshness_list() {
        let site = two_places();
        let stale = stale_places(&site);
        assert_eq!(stale.len(), 1);
        assert_eq!(site.places[stale[0]].lieu.id, "delle");
        let board = dashboard(&site);
        assert_eq!(board.view.fraicheur.len(), 1);
        assert_eq!(board.view.fraicheur[0].mois, 16);
        assert_eq!(board.view.fraicheur[0].date_maj, "30 juin 2025");
        assert_eq!(
            board.view.fraicheur[0].modifier.as_deref(),
            Some("https://forge.exemple.fr/edit/content/lieux/delle.md")
        );
        assert_eq!(
            board.view.phrase_fraicheur,
            "1 fiche sur 2 n'a pas été mise à jour depuis 12 mois ou plus."
        );
    }

    #[test]
    fn months_are_whole_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(months_between(d(2025, 11, 23), d(2026, 11, 23)), 12);
        assert_eq!(months_between(d(2025, 11, 24), d(2026, 11, 23)), 11);
        assert_eq!(months_between(d(2026, 12, 1), d(2026, 11, 23)), 0);
    }

    #[test]
    fn completeness_lists_what_is_missing() {
        let site = two_places();
        let scores = completeness(&site);
        let belfort = scores
            .iter()
            .find(|c| site.places[c.place].lieu.id == "belfort")
            .unwrap();
        assert_eq!((belfort.score, belfort.missing.clone()), (100, vec![]));
        let delle = scores.iter().find(|c| site.places[c.place].lieu.id == "delle").unwrap();
        assert_eq!(delle.score, 40);
        assert_eq!(delle.missing, ["Horaires", "Téléphone", "Accessibilité"]);
        let board = dashboard(&site);
        assert_eq!(
            board.view.completude.len(),
            1,
            "complete listings are not on the to-do list"
        );
        assert!(
            board.view.phrase_completude.contains("70\u{a0}% en moyenne"),
            "{}",
            board.view.phrase_completude
        );
    }

    #[test]
    fn who_does_what_names_the_gaps() {
        let board = dashboard(&two_places());
        assert_eq!(
            board.view.phrase_qui_fait_quoi,
            "6 services du standard ne sont proposés par aucun lieu : « Acquisition de matériel informatique à prix solidaire », « Insertion professionnelle via le numérique », « Utilisation sécurisée du numérique », « Parentalité et éducation avec le numérique », « Loisirs et créations numériques », « Compréhension du monde numérique ». 2 intercommunalités n'ont aucun lieu qui propose « Aide aux démarches administratives » : CC des Vosges du Sud, CC du Sud Territoire."
        );
    }

    #[test]
    fn programmes_are_grouped_per_territory() {
        let site = two_places();
        let all: Vec<usize> = (0..site.places.len()).collect();
        let by = programmes(&site, &all);
        let names: Vec<&str> = by.keys().map(String::as_str).collect();
        assert_eq!(names, ["APTIC", "Aidants Connect", "France Services"]);
        let board = dashboard(&site);
        let grand_belfort = board
            .view
            .programmes
            .iter()
            .find(|e| e.epci.label.contains("Grand Belfort"))
            .unwrap();
        assert_eq!(grand_belfort.programmes.len(), 2);
        assert_eq!(grand_belfort.programmes[0].lieux[0].url, "/annuaire/lieux/belfort/");
    }

    #[test]
    fn charts_are_drawn_inside_their_box() {
        let board = dashboard(&two_places());
        assert_eq!(board.charts.len(), 2, "the bar chart and one map per département");
        for chart in &board.charts {
            match &chart.chart {
                Chart::Bars(b) => {
                    assert_eq!(b.barres.len(), services().len());
                    for bar in &b.barres {
                        assert!(bar.longueur >= 0.0 && bar.x_valeur + 52.0 <= b.largeur, "{bar:?}");
                        assert!(bar.y_valeur <= b.hauteur);
                    }
                    assert!(b.description.contains(DEMARCHES));
                }
                Chart::Map(m) => {
                    assert!(!m.contours.is_empty());
                    assert_eq!(m.lieux.len(), 2);
                    let inside = |p: &Point| p.x >= 0.0 && p.x <= m.largeur && p.y >= 0.0 && p.y <= m.hauteur;
                    assert!(m.contours.iter().flatten().all(inside));
                    assert!(m.lieux.iter().chain(&m.zones_blanches).all(inside));
                    // North up, east right: Belfort is north-west of Delle.
                    assert!(
                        m.lieux[0].y < m.lieux[1].y && m.lieux[0].x < m.lieux[1].x,
                        "{:?}",
                        m.lieux
                    );
                    assert!(m.description.contains("2 lieux"), "{}", m.description);
                }
            }
        }
        let share = &board.view.couverture_services;
        assert_eq!(share.len(), services().len());
        // A full bar still leaves room for « 100,0 % » (about 50 units in bold).
        let full = bar_chart(String::new(), &[("A".into(), 1.0, "100,0 %".into())], String::new());
        assert!(full.barres[0].x_valeur + 52.0 <= full.largeur, "{:?}", full.barres[0]);
        assert!(full.barres[0].longueur > 0.75 * full.largeur);
    }

    #[test]
    fn the_white_zone_sentence_counts_inhabitants() {
        let site = two_places();
        let board = dashboard(&site);
        let cov = coverage(&site);
        let zones = white_zones(&site, &cov, 15.0);
        let people: u64 = zones.iter().map(|z| site.communes[z.commune].population).sum();
        assert!(
            board
                .view
                .phrase_zones_blanches
                .starts_with(&format!("{} habitants (", crate::render::format_thousands(people))),
            "{}",
            board.view.phrase_zones_blanches
        );
        assert!(
            board
                .view
                .phrase_zones_blanches
                .contains(&format!("dans {} communes à plus de 15 km", zones.len()))
        );
    }
}
