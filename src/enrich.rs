//! Enrichment: validated places + the territory reference → the site model.
//!
//! Each place is resolved to its commune, EPCI and département; every
//! commune of the site's départements gets its places, or else its nearest
//! ones; descriptions are rendered and hours tabulated once, here, so that
//! rendering only formats.

use crate::config::Config;
use crate::hours::{self, HolidayCalendar, WeeklyTable};
use crate::model::{Lieu, SourceFile};
use crate::nearest::PointIndex;
use crate::orientation::{self, NEEDS};
use crate::territories::{LatLon, Territories};
use crate::text;
use crate::validate::{Page, ValidPlace};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

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
    /// Shared between places with the same `horaires` text.
    pub weekly_hours: Option<Arc<WeeklyTable>>,
    /// For "open now" in the browser: the coming year from the build date.
    pub browser_hours: Option<Arc<hours::BrowserSchedule>>,
    /// `browser_hours` as JSON, serialised once.
    pub browser_hours_json: Option<Arc<str>>,
    pub stale: bool,
    /// The name folded for sorting, computed once.
    pub sort_key: String,
    /// Bit `i` set when the place says it is suited to
    /// [`crate::orientation::SITUATIONS`]`[i]`: the guided path's pages
    /// ask it of every place they list, once per situation.
    pub situations: u16,
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
    /// The name folded for sorting, computed once.
    pub sort_key: String,
    /// Indices into `Site::places`, sorted by place name.
    pub places: Vec<usize>,
    /// For communes without a place: the nearest places and their distance in km.
    pub nearest: Vec<(usize, f64)>,
}

impl CommuneEntry {
    /// The order of every list of communes: by name as people read it
    /// (accents and case aside), then by code for namesakes.
    pub fn alphabetical(&self, other: &CommuneEntry) -> std::cmp::Ordering {
        (&self.sort_key, &self.code).cmp(&(&other.sort_key, &other.code))
    }
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
    /// Mean of its communes' reference points: where the guided path
    /// measures from when no place of the EPCI offers a need.
    pub centre: Option<LatLon>,
    /// One entry per [`orientation::NEEDS`], in that order.
    pub needs: Vec<NeedPlaces>,
}

/// The places of an EPCI offering a need, by name; when there are none, the
/// nearest places offering it, from the EPCI's centre.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NeedPlaces {
    pub inside: Vec<usize>,
    pub nearby: Vec<(usize, f64)>,
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
    let hours_by_text = hours_by_text(&places, territories, today);
    let mut places: Vec<Place> = places
        .into_par_iter()
        .filter_map(|p| place(p, territories, &hours_by_text, today, stale_limit, &base_path))
        .collect();
    // Files are read in path order, so places usually come sorted already;
    // moving 50,000 places around to find that out costs a tenth of a second.
    if !places.is_sorted_by(|a, b| a.lieu.id <= b.lieu.id) {
        places.par_sort_by(|a, b| a.lieu.id.cmp(&b.lieu.id));
    }

    let wanted: HashSet<&str> = config.departements.iter().map(String::as_str).collect();
    let mut communes: Vec<CommuneEntry> = territories
        .communes
        .iter()
        .filter(|c| wanted.contains(c.departement.as_str()) && !crate::territories::is_arrondissement(&c.code_insee))
        .map(|c| CommuneEntry {
            code: c.code_insee.clone(),
            slug: format!("{}-{}", c.code_insee.to_lowercase(), text::slugify(&c.nom)),
            nom: c.nom.clone(),
            population: c.population,
            codes_postaux: c.codes_postaux.clone(),
            epci_siren: c.epci_siren.clone(),
            departement: c.departement.clone(),
            point: c.point,
            sort_key: text::fold(&c.nom),
            places: Vec::new(),
            nearest: Vec::new(),
        })
        .collect();
    communes.sort_by(|a, b| a.code.cmp(&b.code));

    let commune_pos: HashMap<&str, usize> = communes.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); communes.len()];
    for (i, place) in places.iter().enumerate() {
        if let Some(&ci) = commune_pos.get(place.commune_code.as_str()) {
            members[ci].push(i);
        }
    }
    drop(commune_pos);
    for (commune, list) in communes.iter_mut().zip(members) {
        commune.places = list;
        sort_by_name(&places, &mut commune.places);
    }
    let index = PointIndex::new(places.iter().map(|p| p.point).collect());
    let nearest: Vec<Vec<(usize, f64)>> = communes
        .par_iter()
        .map(|c| match c.point {
            Some(origin) if c.places.is_empty() => index.nearest(origin, config.lieux_proches, |_| true),
            _ => Vec::new(),
        })
        .collect();
    for (commune, list) in communes.iter_mut().zip(nearest) {
        commune.nearest = list;
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
            centre: None,
            needs: Vec::new(),
        });
        entry.communes.push(ci);
        entry.places.extend(commune.places.iter().copied());
    }
    let mut epcis: Vec<EpciEntry> = epci_map.into_values().collect();
    epcis.par_iter_mut().for_each(|epci| {
        epci.communes.sort_by(|&a, &b| communes[a].alphabetical(&communes[b]));
        sort_by_name(&places, &mut epci.places);
        epci.centre = centre(epci.communes.iter().filter_map(|&c| communes[c].point));
        epci.needs = (0..NEEDS.len())
            .map(|need| need_places(&places, &index, epci, need, config.lieux_proches))
            .collect();
    });

    let mut by_departement: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, c) in communes.iter().enumerate() {
        by_departement.entry(c.departement.as_str()).or_default().0.push(i);
    }
    for (i, p) in places.iter().enumerate() {
        by_departement.entry(p.departement.as_str()).or_default().1.push(i);
    }
    let mut epcis_by_departement: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in epcis.iter().enumerate() {
        let mut seen: Vec<&str> = e.communes.iter().map(|&c| communes[c].departement.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        for d in seen {
            epcis_by_departement.entry(d).or_default().push(i);
        }
    }
    let mut departements: Vec<DepartementEntry> = config
        .departements
        .iter()
        .filter_map(|code| territories.departement(code))
        .map(|d| {
            let (mut commune_list, mut place_list) = by_departement.remove(d.code.as_str()).unwrap_or_default();
            commune_list.sort_by(|&a, &b| communes[a].alphabetical(&communes[b]));
            let mut epci_list = epcis_by_departement.remove(d.code.as_str()).unwrap_or_default();
            epci_list.sort_by_cached_key(|&e| (text::fold(&epcis[e].nom), e));
            sort_by_name(&places, &mut place_list);
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
    drop(by_departement);

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

/// Computed hours by calendar, then by text.
type HoursByText =
    HashMap<HolidayCalendar, HashMap<String, Option<(Arc<WeeklyTable>, Arc<hours::BrowserSchedule>, Arc<str>)>>>;

/// Opening hours are computed once per distinct text (and calendar of
/// public holidays): a network's places often share the same hours, and a
/// year of days is costly to evaluate.
fn hours_by_text(places: &[ValidPlace], territories: &Territories, today: NaiveDate) -> HoursByText {
    let texts: HashSet<(HolidayCalendar, &str)> = places
        .par_iter()
        .filter_map(|p| Some((holiday_calendar(p, territories), p.lieu.horaires.as_deref()?)))
        .collect();
    let texts: Vec<(HolidayCalendar, &str)> = texts.into_iter().collect();
    let computed: Vec<_> = texts
        .par_iter()
        .map(|&(calendar, text)| {
            let computed = hours::parse_shared(text).ok().map(|h| {
                let h = match calendar {
                    HolidayCalendar::France => h,
                    _ => Arc::new(h.with_calendar(calendar)),
                };
                let browser = h.browser_schedule(today, BROWSER_HOURS_DAYS);
                let json: Arc<str> = serde_json::to_string(&browser).unwrap_or_default().into();
                (Arc::new(h.weekly_table(today)), Arc::new(browser), json)
            });
            (calendar, text, computed)
        })
        .collect();
    let mut by_calendar = HoursByText::new();
    for (calendar, text, computed) in computed {
        by_calendar
            .entry(calendar)
            .or_default()
            .insert(text.to_string(), computed);
    }
    by_calendar
}

/// The public holidays where a place is (those of its commune's département).
fn holiday_calendar(p: &ValidPlace, territories: &Territories) -> HolidayCalendar {
    p.lieu
        .code_insee
        .as_deref()
        .and_then(|code| territories.commune(code))
        .map(|commune| HolidayCalendar::of_departement(&commune.departement))
        .unwrap_or_default()
}

/// One place alone, as [`enrich`] would make it (for `serve`'s edits).
pub fn single_place(site: &Site, p: ValidPlace, territories: &Territories) -> Option<Place> {
    let stale_limit = site
        .today
        .checked_sub_months(chrono::Months::new(site.config.fraicheur_mois));
    let hours = hours_by_text(std::slice::from_ref(&p), territories, site.today);
    place(
        p,
        territories,
        &hours,
        site.today,
        stale_limit,
        &site.config.base_path(),
    )
}

/// A list of the site model that an edit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangedList {
    CommunePlaces(usize),
    CommuneNearest(usize),
    EpciPlaces(usize),
    /// EPCI, need.
    EpciNeed(usize, usize),
    DepartementPlaces(usize),
}

/// Replaces place `i` by `new` (same id), and updates every list that
/// depends on it the way [`enrich`] would compute it from scratch: the
/// lists of its old and new commune, EPCI and département, and the nearest
/// places of the communes and intercommunalités it could enter or leave.
/// Returns the lists whose content changed.
pub fn replace_place(site: &mut Site, i: usize, new: Place) -> Vec<ChangedList> {
    let old = &site.places[i];
    // A new name, telephone or presentation (most edits) keeps the same
    // points at the same distances, offering the same needs: no list of
    // nearest places can change, and going through them all is skipped
    // (3.5 of `serve`'s 5 ms of enrichment at 10,000 places).
    let settled = old.point == new.point
        && old.commune_code == new.commune_code
        && old.epci_siren == new.epci_siren
        && old.departement == new.departement
        && old.lieu.services == new.lieu.services;
    replace_place_with(site, i, new, settled)
}

/// [`replace_place`]; with `settled`, only the place's own territories'
/// lists are brought up to date (sorted by name, they may change order).
fn replace_place_with(site: &mut Site, i: usize, new: Place, settled: bool) -> Vec<ChangedList> {
    let old = std::mem::replace(&mut site.places[i], new);
    let k = site.config.lieux_proches;
    let mut changed = Vec::new();

    let communes: Vec<usize> = dedup([
        site.commune_index(&old.commune_code),
        site.commune_index(&site.places[i].commune_code),
    ]);
    for &c in &communes {
        let keep = site.commune_index(&site.places[i].commune_code) == Some(c);
        if update_members(&site.places, &mut site.communes[c].places, i, keep) {
            changed.push(ChangedList::CommunePlaces(c));
        }
    }
    let epcis: Vec<usize> = dedup([
        old.epci_siren.as_deref().and_then(|s| site.epci_index(s)),
        site.places[i].epci_siren.as_deref().and_then(|s| site.epci_index(s)),
    ]);
    for &e in &epcis {
        let keep = site.places[i].epci_siren.as_deref().and_then(|s| site.epci_index(s)) == Some(e)
            && site.commune_index(&site.places[i].commune_code).is_some();
        if update_members(&site.places, &mut site.epcis[e].places, i, keep) {
            changed.push(ChangedList::EpciPlaces(e));
        }
    }
    for d in dedup([
        site.departement_index(&old.departement),
        site.departement_index(&site.places[i].departement),
    ]) {
        let keep = site.departement_index(&site.places[i].departement) == Some(d);
        if update_members(&site.places, &mut site.departements[d].places, i, keep) {
            changed.push(ChangedList::DepartementPlaces(d));
        }
    }

    if settled {
        // Its intercommunalité's places offering each need: the same ones,
        // perhaps in a new order; the nearest outside, kept when there are
        // none, are the same too.
        for &e in &epcis {
            for n in 0..NEEDS.len() {
                let inside = need_inside(&site.places, &site.epcis[e], n);
                let need = &mut site.epcis[e].needs[n];
                if inside != need.inside {
                    need.inside = inside;
                    changed.push(ChangedList::EpciNeed(e, n));
                }
            }
        }
        return changed;
    }

    // Nearest places: only where the place was listed, or could now be.
    let index = PointIndex::new(site.places.iter().map(|p| p.point).collect());
    let new_point = site.places[i].point;
    let could_enter = |origin: Option<LatLon>, list: &[(usize, f64)]| match (origin, new_point) {
        (Some(o), Some(p)) => {
            list.len() < k
                || list.last().is_some_and(|last| {
                    // The gap test alone settles most of France's communes; its
                    // margin keeps rounding from ever ruling out a real entrant.
                    o.latitude_gap_km(p) <= last.1 * (1.0 + 1e-9) + 1e-9 && o.distance_km(p) <= last.1
                })
        }
        _ => false,
    };
    for c in 0..site.communes.len() {
        let commune = &site.communes[c];
        let affected = communes.contains(&c)
            || commune.nearest.iter().any(|&(p, _)| p == i)
            || (commune.places.is_empty() && could_enter(commune.point, &commune.nearest));
        if !affected {
            continue;
        }
        let fresh = match commune.point {
            Some(origin) if commune.places.is_empty() => index.nearest(origin, k, |_| true),
            _ => Vec::new(),
        };
        if fresh != commune.nearest {
            site.communes[c].nearest = fresh;
            changed.push(ChangedList::CommuneNearest(c));
        }
    }
    for e in 0..site.epcis.len() {
        for (n, need) in NEEDS.iter().enumerate() {
            let epci = &site.epcis[e];
            let offers_now = orientation::offers(&site.places[i], need);
            let need = &epci.needs[n];
            let affected = epcis.contains(&e)
                || need.nearby.iter().any(|&(p, _)| p == i)
                || (need.inside.is_empty() && offers_now && could_enter(epci.centre, &need.nearby));
            if !affected {
                continue;
            }
            let fresh = need_places(&site.places, &index, epci, n, k);
            if fresh != *need {
                site.epcis[e].needs[n] = fresh;
                changed.push(ChangedList::EpciNeed(e, n));
            }
        }
    }
    changed
}

fn dedup(items: [Option<usize>; 2]) -> Vec<usize> {
    let mut v: Vec<usize> = items.into_iter().flatten().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Removes `i` from a list sorted by name, puts it back if `keep`, and
/// says whether the list changed.
fn update_members(places: &[Place], list: &mut Vec<usize>, i: usize, keep: bool) -> bool {
    let before = list.clone();
    list.retain(|&p| p != i);
    if keep {
        list.push(i);
        sort_by_name(places, list);
    }
    *list != before
}

fn place(
    p: ValidPlace,
    territories: &Territories,
    hours_by_text: &HoursByText,
    today: NaiveDate,
    stale_limit: Option<NaiveDate>,
    base_path: &str,
) -> Option<Place> {
    let code = p.lieu.code_insee.clone()?;
    let commune = territories.commune(&code)?;
    let own = p
        .lieu
        .latitude
        .zip(p.lieu.longitude)
        .map(|(lat, lon)| LatLon { lat, lon });
    // Rendered by validation in a build and in `serve`, in the parse that
    // checks it; not when validation was not asked to (the preview).
    let description_html = p.description_html.or_else(|| {
        p.lieu
            .presentation_detail
            .as_deref()
            .map(|md| crate::markdown::render(md, crate::markdown::DESCRIPTION_HEADING, base_path))
    });
    let hours = p.lieu.horaires.as_deref().and_then(|h| {
        let calendar = HolidayCalendar::of_departement(&commune.departement);
        let (table, schedule, json) = hours_by_text.get(&calendar)?.get(h).cloned().flatten()?;
        // Closed days of a temporary closure: "open now" must say closed,
        // on the place's page as in the search.
        match &p.lieu.fermeture_temporaire {
            Some(closure) if closure.au >= today => {
                let schedule = schedule.closed_between(closure.du, closure.au, today);
                let json: Arc<str> = serde_json::to_string(&schedule).unwrap_or_default().into();
                Some((table, Arc::new(schedule), json))
            }
            _ => Some((table, schedule, json)),
        }
    });
    Some(Place {
        stale: stale_limit.is_some_and(|limit| p.lieu.date_maj <= limit),
        commune_code: code,
        epci_siren: commune.epci_siren.clone(),
        departement: commune.departement.clone(),
        point: own.or(commune.point),
        has_own_coordinates: own.is_some(),
        description_html,
        weekly_hours: hours.as_ref().map(|h| h.0.clone()),
        browser_hours: hours.as_ref().map(|h| h.1.clone()),
        browser_hours_json: hours.map(|h| h.2),
        sort_key: text::fold(&p.lieu.nom),
        situations: crate::orientation::situations_of(&p.lieu),
        lieu: p.lieu,
        source: p.source,
    })
}

/// By folded name, then id (the index order).
fn sort_by_name(places: &[Place], list: &mut [usize]) {
    list.sort_by(|&a, &b| places[a].sort_key.cmp(&places[b].sort_key).then(a.cmp(&b)));
}

fn centre(points: impl Iterator<Item = LatLon>) -> Option<LatLon> {
    let (mut lat, mut lon, mut n) = (0.0, 0.0, 0usize);
    for p in points {
        lat += p.lat;
        lon += p.lon;
        n += 1;
    }
    (n > 0).then(|| LatLon {
        lat: lat / n as f64,
        lon: lon / n as f64,
    })
}

fn need_places(places: &[Place], index: &PointIndex, epci: &EpciEntry, need: usize, k: usize) -> NeedPlaces {
    let inside = need_inside(places, epci, need);
    let offers = |p: usize| orientation::offers(&places[p], &NEEDS[need]);
    let nearby = match epci.centre {
        Some(centre) if inside.is_empty() => index.nearest(centre, k, offers),
        _ => Vec::new(),
    };
    NeedPlaces { inside, nearby }
}

/// The places of `epci` offering `need`, in the EPCI's order (by name).
fn need_inside(places: &[Place], epci: &EpciEntry, need: usize) -> Vec<usize> {
    epci.places
        .iter()
        .copied()
        .filter(|&p| orientation::offers(&places[p], &NEEDS[need]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists an edit can change, for comparing two sites.
    #[derive(PartialEq)]
    struct Lists {
        commune_places: Vec<Vec<usize>>,
        commune_nearest: Vec<Vec<(usize, f64)>>,
        epci_places: Vec<Vec<usize>>,
        epci_needs: Vec<Vec<NeedPlaces>>,
        departement_places: Vec<Vec<usize>>,
    }

    fn lists(site: &Site) -> Lists {
        Lists {
            commune_places: site.communes.iter().map(|c| c.places.clone()).collect(),
            commune_nearest: site.communes.iter().map(|c| c.nearest.clone()).collect(),
            epci_places: site.epcis.iter().map(|e| e.places.clone()).collect(),
            epci_needs: site.epcis.iter().map(|e| e.needs.clone()).collect(),
            departement_places: site.departements.iter().map(|d| d.places.clone()).collect(),
        }
    }

    #[test]
    fn a_renamed_place_changes_what_going_through_every_list_changes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (site, _) = crate::pipeline::prepare(root, None).expect("the demo builds");
        let mut reordered = 0;
        for i in 0..site.places.len() {
            // First, then last of every list sorted by name.
            for prefix in ["Aa", "Zz"] {
                let mut renamed = site.places[i].clone();
                renamed.lieu.nom = format!("{prefix} {}", renamed.lieu.nom);
                renamed.sort_key = text::fold(&renamed.lieu.nom);
                let (mut quick, mut everywhere) = (site.clone(), site.clone());
                let changed = replace_place(&mut quick, i, renamed.clone());
                assert_eq!(
                    changed,
                    replace_place_with(&mut everywhere, i, renamed, false),
                    "{}",
                    site.places[i].lieu.id
                );
                assert!(lists(&quick) == lists(&everywhere), "{}", site.places[i].lieu.id);
                reordered += changed
                    .iter()
                    .filter(|c| matches!(c, ChangedList::EpciNeed(..)))
                    .count();
            }
        }
        // The demo's intercommunalités list several places per need: a new
        // name moves places within them.
        assert!(reordered > 20, "{reordered} lists of needs reordered");
    }

    #[test]
    fn a_place_that_moves_or_changes_services_goes_through_every_list() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (site, _) = crate::pipeline::prepare(root, None).expect("the demo builds");
        let (mut nearest, mut needs) = (0, 0);
        for i in 0..site.places.len() {
            let mut moved = site.places[i].clone();
            moved.point = moved.point.map(|p| LatLon {
                lat: p.lat + 0.3,
                lon: p.lon,
            });
            let mut without_services = site.places[i].clone();
            without_services.lieu.services.clear();
            for new in [moved, without_services] {
                let (mut quick, mut everywhere) = (site.clone(), site.clone());
                let changed = replace_place(&mut quick, i, new.clone());
                assert_eq!(changed, replace_place_with(&mut everywhere, i, new, false));
                assert!(lists(&quick) == lists(&everywhere), "{}", site.places[i].lieu.id);
                nearest += changed
                    .iter()
                    .filter(|c| matches!(c, ChangedList::CommuneNearest(_)))
                    .count();
                needs += changed
                    .iter()
                    .filter(|c| matches!(c, ChangedList::EpciNeed(..)))
                    .count();
            }
        }
        // Lists of nearest places changed: taken for a settled place, the
        // quick path would have left them as they were.
        assert!(
            nearest > 20 && needs > 20,
            "{nearest} lists of nearest places, {needs} of needs"
        );
    }
}
