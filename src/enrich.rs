//! Enrichment: validated places + the territory reference → the site model.
//!
//! Each place is resolved to its commune, EPCI and département; every
//! commune of the site's départements gets its places, or else its nearest
//! ones; descriptions are rendered and hours tabulated once, here, so that
//! rendering only formats.

use crate::config::Config;
use crate::hours::{self, WeeklyTable};
use crate::model::{Lieu, SourceFile};
use crate::territories::{LatLon, Territories};
use crate::text;
use crate::validate::{Page, ValidPlace};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct Place {
    pub lieu: Lieu,
    pub source: SourceFile,
    pub commune_code: String,
    pub epci_siren: Option<String>,
    pub departement: String,
    /// The place's own coordinates, or else its commune's reference point.
    pub point: Option<LatLon>,
    pub has_own_coordinates: bool,
    pub description_html: Option<String>,
    pub weekly_hours: Option<WeeklyTable>,
    /// For "open now" in the browser: the coming year from the build date.
    pub browser_hours: Option<hours::BrowserSchedule>,
    pub stale: bool,
}

#[derive(Debug, Clone)]
pub struct CommuneEntry {
    pub code: String,
    pub nom: String,
    /// `64445-pau`
    pub slug: String,
    pub population: u64,
    pub codes_postaux: Vec<String>,
    pub epci_siren: Option<String>,
    pub departement: String,
    pub point: Option<LatLon>,
    /// Indices into `Site::places`, sorted by place name.
    pub places: Vec<usize>,
    /// For communes without a place: the nearest places and their distance in km.
    pub nearest: Vec<(usize, f64)>,
}

#[derive(Debug, Clone)]
pub struct EpciEntry {
    pub siren: String,
    pub nom: String,
    pub kind: String,
    pub population: u64,
    /// Indices into `Site::communes` (only the site's communes), by name.
    pub communes: Vec<usize>,
    pub places: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct DepartementEntry {
    pub code: String,
    pub nom: String,
    pub region: String,
    pub communes: Vec<usize>,
    pub epcis: Vec<usize>,
    pub places: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct RenderedPage {
    pub page: Page,
    pub html: String,
}

/// Everything rendering needs, and nothing it has to compute.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    /// Sorted by id.
    pub places: Vec<Place>,
    /// Sorted by code INSEE.
    pub communes: Vec<CommuneEntry>,
    /// Sorted by SIREN.
    pub epcis: Vec<EpciEntry>,
    /// Sorted by code.
    pub departements: Vec<DepartementEntry>,
    /// Sorted by `ordre`, then slug.
    pub pages: Vec<RenderedPage>,
    pub today: NaiveDate,
}

impl Site {
    pub fn commune_index(&self, code: &str) -> Option<usize> {
        self.communes.binary_search_by(|c| c.code.as_str().cmp(code)).ok()
    }

    pub fn epci_index(&self, siren: &str) -> Option<usize> {
        self.epcis.binary_search_by(|e| e.siren.as_str().cmp(siren)).ok()
    }

    pub fn departement_index(&self, code: &str) -> Option<usize> {
        self.departements.binary_search_by(|d| d.code.as_str().cmp(code)).ok()
    }
}

/// How far ahead "open now" is exact (public holidays, seasons); beyond, the
/// browser falls back to the usual week.
const BROWSER_HOURS_DAYS: u32 = 366;

pub fn enrich(
    config: Config,
    places: Vec<ValidPlace>,
    pages: Vec<Page>,
    territories: &Territories,
    today: NaiveDate,
) -> Site {
    let base_path = config.base_path();
    let stale_limit = today.checked_sub_months(chrono::Months::new(config.fraicheur_mois));
    let mut places: Vec<Place> = places
        .into_iter()
        .filter_map(|p| {
            let code = p.lieu.code_insee.clone()?;
            let commune = territories.commune(&code)?;
            let own = p
                .lieu
                .latitude
                .zip(p.lieu.longitude)
                .map(|(lat, lon)| LatLon { lat, lon });
            let description_html = p
                .lieu
                .presentation_detail
                .as_deref()
                .map(|md| crate::markdown::render(md, 3, &base_path));
            let parsed = p.lieu.horaires.as_deref().and_then(|h| hours::parse(h).ok());
            let weekly_hours = parsed.as_ref().map(|h| h.weekly_table(today));
            let browser_hours = parsed.as_ref().map(|h| h.browser_schedule(today, BROWSER_HOURS_DAYS));
            Some(Place {
                stale: stale_limit.is_some_and(|limit| p.lieu.date_maj <= limit),
                commune_code: code,
                epci_siren: commune.epci_siren.clone(),
                departement: commune.departement.clone(),
                point: own.or(commune.point),
                has_own_coordinates: own.is_some(),
                description_html,
                weekly_hours,
                browser_hours,
                lieu: p.lieu,
                source: p.source,
            })
        })
        .collect();
    places.sort_by(|a, b| a.lieu.id.cmp(&b.lieu.id));

    let mut communes: Vec<CommuneEntry> = config
        .departements
        .iter()
        .flat_map(|d| territories.communes_of(d))
        .map(|c| CommuneEntry {
            code: c.code_insee.clone(),
            slug: format!("{}-{}", c.code_insee.to_lowercase(), text::slugify(&c.nom)),
            nom: c.nom.clone(),
            population: c.population,
            codes_postaux: c.codes_postaux.clone(),
            epci_siren: c.epci_siren.clone(),
            departement: c.departement.clone(),
            point: c.point,
            places: Vec::new(),
            nearest: Vec::new(),
        })
        .collect();
    communes.sort_by(|a, b| a.code.cmp(&b.code));

    // Folded once: sorting by name compares each name many times.
    let place_keys: Vec<String> = places.iter().map(|p| text::fold(&p.lieu.nom)).collect();
    let commune_keys: Vec<String> = communes.iter().map(|c| text::fold(&c.nom)).collect();
    let by_name = |places: &[Place], list: &mut Vec<usize>| {
        list.sort_by(|&a, &b| {
            place_keys[a]
                .cmp(&place_keys[b])
                .then(places[a].lieu.id.cmp(&places[b].lieu.id))
        })
    };

    let commune_pos: HashMap<String, usize> = communes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
    for (i, place) in places.iter().enumerate() {
        if let Some(&ci) = commune_pos.get(&place.commune_code) {
            communes[ci].places.push(i);
        }
    }
    for commune in &mut communes {
        by_name(&places, &mut commune.places);
        if commune.places.is_empty()
            && let Some(origin) = commune.point
        {
            commune.nearest = nearest_places(&places, origin, config.lieux_proches);
        }
    }

    let mut epci_map: BTreeMap<String, EpciEntry> = BTreeMap::new();
    for (ci, commune) in communes.iter().enumerate() {
        let Some(siren) = &commune.epci_siren else { continue };
        let Some(epci) = territories.epci(siren) else { continue };
        let entry = epci_map.entry(siren.clone()).or_insert_with(|| EpciEntry {
            siren: siren.clone(),
            nom: epci.nom.clone(),
            kind: epci.kind.clone(),
            population: epci.population,
            communes: Vec::new(),
            places: Vec::new(),
        });
        entry.communes.push(ci);
        entry.places.extend(commune.places.iter().copied());
    }
    let mut epcis: Vec<EpciEntry> = epci_map.into_values().collect();
    for epci in &mut epcis {
        epci.communes
            .sort_by(|&a, &b| commune_keys[a].cmp(&commune_keys[b]).then(a.cmp(&b)));
        by_name(&places, &mut epci.places);
    }

    let mut departements: Vec<DepartementEntry> = config
        .departements
        .iter()
        .filter_map(|code| territories.departement(code))
        .map(|d| {
            let mut commune_list: Vec<usize> = communes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.departement == d.code)
                .map(|(i, _)| i)
                .collect();
            commune_list.sort_by(|&a, &b| commune_keys[a].cmp(&commune_keys[b]).then(a.cmp(&b)));
            let mut epci_list: Vec<usize> = epcis
                .iter()
                .enumerate()
                .filter(|(_, e)| e.communes.iter().any(|&c| communes[c].departement == d.code))
                .map(|(i, _)| i)
                .collect();
            epci_list.sort_by_cached_key(|&e| text::fold(&epcis[e].nom));
            let mut place_list: Vec<usize> = places
                .iter()
                .enumerate()
                .filter(|(_, p)| p.departement == d.code)
                .map(|(i, _)| i)
                .collect();
            by_name(&places, &mut place_list);
            DepartementEntry {
                code: d.code.clone(),
                nom: d.nom.clone(),
                region: territories.region_name(&d.region).unwrap_or_default().to_string(),
                communes: commune_list,
                epcis: epci_list,
                places: place_list,
            }
        })
        .collect();
    departements.sort_by(|a, b| a.code.cmp(&b.code));

    let mut pages: Vec<RenderedPage> = pages
        .into_iter()
        .map(|page| RenderedPage {
            html: crate::markdown::render(&page.body, 2, &base_path),
            page,
        })
        .collect();
    pages.sort_by(|a, b| a.page.ordre.cmp(&b.page.ordre).then(a.page.slug.cmp(&b.page.slug)));

    Site {
        config,
        places,
        communes,
        epcis,
        departements,
        pages,
        today,
    }
}

/// The `k` nearest places to a point, nearest first; ties broken by id for a
/// stable output.
pub fn nearest_places(places: &[Place], origin: LatLon, k: usize) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = places
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.point.map(|pt| (i, origin.distance_km(pt))))
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(places[a.0].lieu.id.cmp(&places[b.0].lieu.id)));
    all.truncate(k);
    all
}
