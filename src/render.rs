//! Rendering: the site model → the bytes of each page.
//!
//! Rust builds small view structs (plain data, already formatted in French);
//! the theme's Tera templates turn them into HTML. Territory and list pages
//! get short place summaries, never whole place objects, so that a page's
//! cost does not grow with what it links to. Each page is rendered on its
//! own from its [`PageKey`], so pages render in parallel, and `serve`
//! re-renders only those whose [`Reads`] an edit touched.

use crate::enrich::{Place, Site};
use crate::error::{Error, from_tera};
use crate::schema;
use crate::text;
use crate::theme::Theme;
use crate::urls;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// A template value made once and shared by every page that shows it:
/// put into a page's context, it is a copy of a handle, not of the value.
#[derive(Clone)]
pub struct Shared(tera::Value);

impl Serialize for Shared {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Tera passes its own values through instead of serialising them.
        self.0.serialize(serializer)
    }
}

/// A [`Link`]. A territory's link is on thousands of pages (breadcrumbs,
/// a place's commune): made once, each page shares it.
type SharedLink = Shared;

impl From<Link> for Shared {
    fn from(link: Link) -> Shared {
        Shared(tera::Value::from_serializable(&link))
    }
}

/// Links made on first use, one per territory or service.
struct SharedLinks {
    communes: Vec<std::sync::OnceLock<SharedLink>>,
    epcis: Vec<std::sync::OnceLock<SharedLink>>,
    departements: Vec<std::sync::OnceLock<SharedLink>>,
    services: Vec<std::sync::OnceLock<SharedLink>>,
    home: SharedLink,
}

fn once_locks<T>(n: usize) -> Vec<std::sync::OnceLock<T>> {
    (0..n).map(|_| std::sync::OnceLock::new()).collect()
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
    nb_departements: usize,
    footer_pages: Vec<Link>,
    live_reload: bool,
    nb_lieux: usize,
    attribution_territoires: &'static str,
}

/// What the theme's `carte-lieu.html` shows of a place (as `p`).
/// Borrowed from the place: it is only copied into the fragment's context.
#[derive(Serialize, Clone)]
pub struct PlaceSummary<'a> {
    pub id: &'a str,
    pub nom: &'a str,
    pub url: String,
    pub adresse: &'a str,
    pub commune: &'a str,
    pub typologie: Vec<&'a str>,
    pub services: &'a [String],
    pub telephone: Option<Phone>,
    pub stale: bool,
    /// « Fermé temporairement jusqu'au … », while a `fermeture_temporaire` applies.
    pub fermeture: Option<String>,
}

/// A place on a list, as templates see it: its card, rendered once per
/// build (a place sits on its commune's, its intercommunalité's and the
/// guided path's lists, and on its neighbours' lists of nearest places),
/// and what the list adds.
#[derive(Serialize)]
struct CardFields {
    /// A safe string: shared, not copied, by every page that lists it,
    /// and printed as it is.
    carte: tera::Value,
    /// « 3,2 km », for nearest-place lists.
    distance: Option<String>,
}

/// A place on a plain list, as templates see it: its line, rendered once
/// per build by the theme's `ligne-lieu.html` (a city's places are listed
/// again on the guided path's pages of every need and situation).
#[derive(Serialize)]
struct LineFields {
    /// A safe string, like [`CardFields::carte`].
    ligne: tera::Value,
}

/// [`CardFields`]: without a distance, the same value on every list of
/// the build.
pub type PlaceCard = Shared;

/// [`LineFields`], the same on every list.
pub type PlaceLine = Shared;

/// A place named on a département's page.
#[derive(Serialize)]
struct PlaceName<'a> {
    nom: &'a str,
    url: String,
    commune: &'a str,
}

/// The heading level of the cards on a list: their page's own structure.
#[derive(Clone, Copy)]
enum Heading {
    H2,
    H3,
}

/// Whether a list's lines name each place's commune (lists that mix
/// communes) or not (lists of one commune's places).
#[derive(Clone, Copy)]
enum LineCommune {
    Hidden,
    Shown,
}

/// The pieces of a place rendered once per build, each with its template.
#[derive(Clone, Copy)]
enum Fragment {
    Card(Heading),
    Line(LineCommune),
}

impl Fragment {
    /// Its slot in [`Cards`].
    fn slot(self) -> usize {
        match self {
            Fragment::Card(Heading::H2) => 0,
            Fragment::Card(Heading::H3) => 1,
            Fragment::Line(LineCommune::Hidden) => 2,
            Fragment::Line(LineCommune::Shown) => 3,
        }
    }
}

#[derive(Serialize)]
/// A place's page. Borrows what the place already holds: each value is
/// copied once, into the page's context, not twice.
struct PlaceView<'a> {
    id: &'a str,
    nom: &'a str,
    url: String,
    typologie: Vec<&'a str>,
    adresse: &'a str,
    complement_adresse: Option<&'a str>,
    code_postal: &'a str,
    commune: SharedLink,
    epci: Option<SharedLink>,
    departement: Option<SharedLink>,
    telephone: Option<Phone>,
    courriels: &'a [String],
    sites: Vec<Link>,
    services: Vec<SharedLink>,
    publics: &'a [String],
    prise_en_charge: &'a [String],
    frais: &'a [String],
    itinerance: &'a [String],
    modalites_acces: &'a [String],
    modalites_accompagnement: &'a [String],
    dispositifs: &'a [String],
    labels: Vec<&'a str>,
    structure_parente: Option<&'a str>,
    source: Option<&'a str>,
    fiche_acces_libre: Option<&'a str>,
    prise_rdv: Option<&'a str>,
    resume: Option<&'a str>,
    description_html: Option<&'a str>,
    horaires_texte: Option<&'a str>,
    horaires: Option<tera::Value>,
    /// JSON for the "open now" script, in a data attribute (escaped by the template).
    horaires_data: Option<std::sync::Arc<str>>,
    date_maj_iso: String,
    date_maj: String,
    stale: bool,
    fermeture: Option<crate::fermeture::FermetureView>,
    edit_url: Option<String>,
    report_mailto: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    osm_url: Option<String>,
    same_commune: Vec<PlaceLine>,
    /// How many other places the commune has (listed or not).
    nb_autres_commune: usize,
}

#[derive(Serialize, Clone)]
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
struct CommuneGroup<T> {
    commune: SharedLink,
    places: Vec<T>,
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

fn phone(normalized: &str) -> Phone {
    Phone {
        href: format!("tel:{normalized}"),
        display: text::display_phone(normalized),
    }
}

/// Every page of the site, as a key: what it shows is computed only when
/// it is rendered, so pages can be rendered in any order, in parallel, or
/// one at a time when `serve` knows only a few changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageKey {
    Home,
    AllPlaces,
    Place(usize),
    /// Index into the `services` vocabulary.
    Service(usize),
    Departement(usize),
    Epci(usize),
    Commune(usize),
    FreePage(usize),
    Search,
    Map,
    OrientationStart,
    /// Index into [`crate::orientation::NEEDS`].
    OrientationNeed(usize),
    /// Need, département: the intercommunalités of one département, when
    /// the site covers several.
    OrientationDepartement(usize, usize),
    /// Need, EPCI.
    OrientationResults(usize, usize),
    NotFound,
    Offline,
    Sitemap,
    Robots,
    Colours,
    /// `integrer/`: the page that writes the `<iframe>` code.
    EmbedBuilder,
    EmbedSearch,
    EmbedMap,
    EmbedCommune(usize),
    /// `tableau-de-bord/`: the network's coverage, freshness, who does what.
    Dashboard,
    DashboardCommunes,
    /// One of the dashboard's SVG charts, by position.
    DashboardChart(usize),
}

/// A list of the site model a page shows, whose content can change when a
/// place changes (see [`Reads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum List {
    CommunePlaces(usize),
    CommuneNearest(usize),
    EpciPlaces(usize),
    /// EPCI, need.
    EpciNeed(usize, usize),
    DepartementPlaces(usize),
}

/// What a page read from the site model, recorded while it is rendered:
/// the dependency graph `serve` uses to re-render only what an edit
/// changes. Recording is off for full builds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    pub record: bool,
    /// Places shown as a summary (name, address, services, publics…).
    pub summaries: Vec<usize>,
    pub lists: Vec<List>,
    /// Lists over every place's summary.
    pub everything: bool,
    /// Totals over every place: how many places each territory, service or
    /// need has ([`Renderer::same_counts`] says what they depend on).
    pub counts: bool,
    /// Any field of any place (the dashboard: completeness, freshness).
    pub all_fields: bool,
}

impl Reads {
    pub fn recording() -> Reads {
        Reads {
            record: true,
            ..Reads::default()
        }
    }

    fn summary(&mut self, place: usize) {
        if self.record {
            self.summaries.push(place);
        }
    }

    fn list(&mut self, list: List) {
        if self.record {
            self.lists.push(list);
        }
    }

    fn everything(&mut self) {
        self.everything = true;
    }

    fn counts(&mut self) {
        self.counts = true;
    }

    fn all_fields(&mut self) {
        self.everything = true;
        self.all_fields = true;
    }
}

/// Lists longer than this are not put on one page: a national site gets a
/// list of départements instead of 50,000 places.
pub const LONG_LIST: usize = 1500;

/// The theme's template of a place's card on lists.
const CARD_TEMPLATE: &str = "carte-lieu.html";
const LINE_TEMPLATE: &str = "ligne-lieu.html";

impl PageKey {
    /// Whether the page is one of the network dashboard's, the only ones
    /// that read it.
    pub fn reads_dashboard(self) -> bool {
        matches!(
            self,
            PageKey::Dashboard | PageKey::DashboardCommunes | PageKey::DashboardChart(_)
        )
    }
}

/// Every page of the site, in a fixed order; `charts` is the number of
/// the dashboard's charts.
pub fn page_keys(site: &Site, charts: usize) -> Vec<PageKey> {
    use crate::orientation::NEEDS;
    let mut keys = vec![PageKey::Home, PageKey::AllPlaces];
    keys.extend((0..site.places.len()).map(PageKey::Place));
    let services = services_vocabulary();
    keys.extend(
        (0..services.len())
            .filter(|&s| site.places.iter().any(|p| p.lieu.services.contains(&services[s].value)))
            .map(PageKey::Service),
    );
    keys.extend((0..site.departements.len()).map(PageKey::Departement));
    keys.extend((0..site.epcis.len()).map(PageKey::Epci));
    keys.extend((0..site.communes.len()).map(PageKey::Commune));
    keys.extend((0..site.pages.len()).map(PageKey::FreePage));
    keys.extend([PageKey::Search, PageKey::Map, PageKey::OrientationStart]);
    for (n, need) in NEEDS.iter().enumerate() {
        if !site.places.iter().any(|p| crate::orientation::offers(p, need)) {
            continue;
        }
        keys.push(PageKey::OrientationNeed(n));
        if site.departements.len() > 1 {
            keys.extend((0..site.departements.len()).map(|d| PageKey::OrientationDepartement(n, d)));
        }
        keys.extend((0..site.epcis.len()).map(|e| PageKey::OrientationResults(n, e)));
    }
    keys.extend([
        PageKey::NotFound,
        PageKey::Offline,
        PageKey::Sitemap,
        PageKey::Robots,
        PageKey::Colours,
        PageKey::EmbedBuilder,
        PageKey::EmbedSearch,
        PageKey::EmbedMap,
    ]);
    keys.extend((0..site.communes.len()).map(PageKey::EmbedCommune));
    keys.extend([PageKey::Dashboard, PageKey::DashboardCommunes]);
    keys.extend((0..charts).map(PageKey::DashboardChart));
    keys
}

fn services_vocabulary() -> &'static [schema::VocabularyValue] {
    schema::vocabulary("services")
        .map(|v| v.values.as_slice())
        .unwrap_or(&[])
}

/// Where a page is written, relative to the output root (`charts` gives
/// the dashboard's chart files).
fn output_path(site: &Site, key: PageKey, charts: &[crate::dashboard::ChartFile]) -> String {
    urls::index_file(&match key {
        PageKey::DashboardChart(i) => return charts.get(i).map(|c| c.path.clone()).unwrap_or_default(),
        PageKey::NotFound => return "404.html".into(),
        PageKey::Sitemap => return "sitemap.xml".into(),
        PageKey::Robots => return "robots.txt".into(),
        PageKey::Colours => return "static/couleurs.css".into(),
        other => page_url(site, other),
    })
}

/// The page's URL path under the base path (`lieux/x/`).
fn page_url(site: &Site, key: PageKey) -> String {
    use crate::orientation::NEEDS;
    match key {
        PageKey::Home => String::new(),
        PageKey::AllPlaces => "lieux/".into(),
        PageKey::Place(i) => urls::place(&site.places[i].lieu.id),
        PageKey::Service(s) => urls::service(&services_vocabulary()[s].value),
        PageKey::Departement(d) => urls::departement(&site.departements[d].code),
        PageKey::Epci(e) => urls::epci(&site.epcis[e].siren),
        PageKey::Commune(c) => urls::commune(&site.communes[c].slug),
        PageKey::FreePage(p) => urls::page(&site.pages[p].page.slug),
        PageKey::Search => "recherche/".into(),
        PageKey::Map => "carte/".into(),
        PageKey::OrientationStart => "orientation/".into(),
        PageKey::OrientationNeed(n) => format!("orientation/{}/", NEEDS[n].slug),
        PageKey::OrientationDepartement(n, d) => format!(
            "orientation/{}/{}/",
            NEEDS[n].slug,
            site.departements[d].code.to_lowercase()
        ),
        PageKey::OrientationResults(n, e) => format!("orientation/{}/{}/", NEEDS[n].slug, site.epcis[e].siren),
        PageKey::Offline => "hors-ligne/".into(),
        PageKey::EmbedBuilder => crate::embed::DIR.into(),
        PageKey::EmbedSearch => format!("{}recherche/", crate::embed::DIR),
        PageKey::EmbedMap => format!("{}carte/", crate::embed::DIR),
        PageKey::EmbedCommune(c) => crate::embed::commune_path(&site.communes[c]),
        PageKey::Dashboard => crate::dashboard::URL.into(),
        PageKey::DashboardCommunes => crate::dashboard::COMMUNES_URL.into(),
        PageKey::NotFound | PageKey::Sitemap | PageKey::Robots | PageKey::Colours | PageKey::DashboardChart(_) => {
            String::new()
        }
    }
}

/// Whether the page belongs in the sitemap: embedded views are copies of
/// pages search engines already know.
fn in_sitemap(key: PageKey) -> bool {
    !matches!(
        key,
        PageKey::NotFound
            | PageKey::Offline
            | PageKey::Sitemap
            | PageKey::Robots
            | PageKey::Colours
            | PageKey::EmbedBuilder
            | PageKey::EmbedSearch
            | PageKey::EmbedMap
            | PageKey::EmbedCommune(_)
            | PageKey::DashboardChart(_)
    )
}

pub struct Renderer<'a> {
    site: &'a Site,
    tera: std::sync::Arc<tera::Tera>,
    /// Some template could not be minified as a template: minify pages.
    minify_pages: bool,
    base: String,
    /// What every page gets unless it sets it itself: `site`, and an empty
    /// `section` and `breadcrumbs`.
    site_context: Vec<(&'static str, tera::Value)>,
    typologie: &'static schema::Vocabulary,
    /// Computed once, on first use, by whichever thread needs it first.
    dashboard: std::sync::OnceLock<crate::dashboard::Dashboard>,
    cards: std::sync::Arc<Cards>,
    /// Weekly tables as template values, by table: places with the same
    /// hours share one table, converted once instead of once per place.
    weekly_tables: std::sync::Mutex<ahash::AHashMap<usize, tera::Value>>,
    chrome: Chrome,
    links: SharedLinks,
}

/// The site header (per section) and footer, rendered once: they are the
/// same on every page of a section. Safe strings, like cards: each page
/// shares them instead of copying them.
struct Chrome {
    headers: Vec<(&'static str, tera::Value)>,
    footer: tera::Value,
}

/// Every `section` a page sets (see [`Renderer::page`]).
const SECTIONS: [&str; 6] = ["", "lieux", "territoires", "recherche", "carte", "orientation"];

/// Each place's cards (per heading level) and lines (with or without its
/// commune), rendered on first use. `serve` keeps them from one edit to
/// the next, forgetting those of the places whose summary changed.
pub struct Cards([Vec<std::sync::OnceLock<tera::Value>>; 4]);

/// `page` with each of `defaults` it does not set itself. The values are
/// shared, not copied: adding them to each page's context costs less than
/// copying a site-wide context and adding the page's values to it.
fn with_defaults(mut page: tera::Context, defaults: &[(&'static str, tera::Value)]) -> tera::Context {
    for (key, value) in defaults {
        if !page.contains_key(key) {
            page.insert_value(*key, value.clone());
        }
    }
    page
}

impl Chrome {
    fn render(tera: &tera::Tera, site_context: &tera::Context) -> Result<Chrome, Error> {
        let mut headers = Vec::with_capacity(SECTIONS.len());
        let mut context = site_context.clone();
        for section in SECTIONS {
            context.insert("section", section);
            headers.push((section, Chrome::part(tera, "entete.html", &context)?));
        }
        Ok(Chrome {
            headers,
            footer: Chrome::part(tera, "pied.html", site_context)?,
        })
    }

    fn part(tera: &tera::Tera, template: &str, context: &tera::Context) -> Result<tera::Value, Error> {
        let html = tera.render(template, context).map_err(|e| from_tera(template, &e))?;
        // Safe: the template escaped what it printed.
        Ok(tera::Value::safe_string(&html))
    }
}

impl Cards {
    pub fn new(places: usize) -> Cards {
        Cards(std::array::from_fn(|_| once_locks(places)))
    }

    pub fn forget(&mut self, place: usize) {
        for level in &mut self.0 {
            if let Some(card) = level.get_mut(place) {
                card.take();
            }
        }
    }

    fn len(&self) -> usize {
        self.0[0].len()
    }
}

impl<'a> Renderer<'a> {
    /// With the theme's templates compiled beforehand, once per build (and
    /// once for all of `serve`'s edits); what every page shares.
    pub fn with_templates(
        site: &'a Site,
        tera: std::sync::Arc<tera::Tera>,
        preminified: bool,
        options: &RenderOptions,
    ) -> Result<Renderer<'a>, Error> {
        let config = &site.config;
        let base = config.base_path();
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
            // Every page's menu links to each département; beyond a few,
            // one link to the list of départements replaces them.
            departements: if site.departements.len() <= MENU_DEPARTEMENTS {
                site.departements
                    .iter()
                    .map(|d| Link {
                        label: d.nom.clone(),
                        url: url(&urls::departement(&d.code)),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            nb_departements: site.departements.len(),
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
        let site_context = vec![
            ("site", tera::Value::from_serializable(&site_view)),
            ("section", tera::Value::from("")),
            ("breadcrumbs", tera::Value::from(Vec::<tera::Value>::new())),
        ];
        let chrome = Chrome::render(&tera, &with_defaults(tera::Context::new(), &site_context))?;
        let home_link = Link {
            label: "Accueil".into(),
            url: base.clone(),
        }
        .into();
        Ok(Renderer {
            site,
            tera,
            minify_pages: !preminified,
            base,
            site_context,
            weekly_tables: Default::default(),
            typologie: schema::vocabulary("typologie")
                .ok_or_else(|| Error::Internal("vocabulaire typologie absent".into()))?,
            dashboard: std::sync::OnceLock::new(),
            cards: std::sync::Arc::new(Cards::new(site.places.len())),
            chrome,
            links: SharedLinks {
                communes: once_locks(site.communes.len()),
                epcis: once_locks(site.epcis.len()),
                departements: once_locks(site.departements.len()),
                services: once_locks(services_vocabulary().len()),
                home: home_link,
            },
        })
    }

    /// Reuses the cards of an earlier renderer of the same site and theme.
    pub fn with_cards(mut self, cards: std::sync::Arc<Cards>) -> Renderer<'a> {
        if cards.len() == self.site.places.len() {
            self.cards = cards;
        }
        self
    }

    /// The cards rendered so far, to hand to the next renderer.
    pub fn card_cache(&self) -> std::sync::Arc<Cards> {
        self.cards.clone()
    }

    /// All the renderer holds but the site it borrows, for the caller to
    /// free where it costs nothing: nationally, its cards, links and
    /// dashboard are half a million values, 0.17 s to free on one core.
    pub fn into_caches(self) -> impl Send + 'static {
        let Renderer {
            tera,
            dashboard,
            cards,
            weekly_tables,
            chrome,
            links,
            ..
        } = self;
        (tera, dashboard, cards, weekly_tables, chrome, links)
    }

    /// Computes the network dashboard outside of its cell, then keeps it.
    /// A build computes it in parallel with pages: computed inside the cell
    /// (as [`Renderer::dashboard`] would), a thread waiting for its parallel
    /// parts could pick up a page that asks for it too, and wait for itself.
    pub fn compute_dashboard(&self) -> &crate::dashboard::Dashboard {
        if self.dashboard.get().is_none() {
            // Set by another thread meanwhile: theirs is the same, keep it.
            let _ = self.dashboard.set(crate::dashboard::dashboard(self.site));
        }
        self.dashboard()
    }

    /// The network dashboard, computed on first use.
    pub fn dashboard(&self) -> &crate::dashboard::Dashboard {
        self.dashboard.get_or_init(|| crate::dashboard::dashboard(self.site))
    }

    /// How many charts the dashboard has (one per département and one
    /// for services: fixed by the territories, not by the places).
    pub fn chart_count(&self) -> usize {
        self.dashboard().charts.len()
    }

    /// Every page of the site, in a fixed order.
    pub fn page_keys(&self) -> Vec<PageKey> {
        page_keys(self.site, self.dashboard().charts.len())
    }

    /// Where a page is written, relative to the output root.
    pub fn output_path(&self, key: PageKey) -> String {
        match key {
            PageKey::DashboardChart(_) => output_path(self.site, key, &self.dashboard().charts),
            _ => output_path(self.site, key, &[]),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn template(&self, template: &str, page: tera::Context) -> Result<Vec<u8>, Error> {
        let mut context = with_defaults(page, &self.site_context);
        let section = context.get("section").and_then(|v| v.as_str()).unwrap_or("");
        match self.chrome.headers.iter().find(|(s, _)| *s == section) {
            Some((_, header)) => context.insert_value("entete", header.clone()),
            None => {
                let header = Chrome::part(&self.tera, "entete.html", &context)?;
                context.insert_value("entete", header);
            }
        }
        context.insert_value("pied", self.chrome.footer.clone());
        // Into bytes directly: `render` would check the whole page is UTF-8
        // again, and the page is written as bytes anyway.
        let mut body = Vec::with_capacity(16 * 1024);
        self.tera
            .render_to(template, &context, &mut body)
            .map_err(|e| from_tera(template, &e))?;
        Ok(body)
    }

    /// Home, then `trail`.
    fn crumbs<T: Into<SharedLink>>(&self, trail: Vec<T>) -> Vec<SharedLink> {
        let mut items = Vec::with_capacity(trail.len() + 1);
        items.push(self.links.home.clone());
        items.extend(trail.into_iter().map(Into::into));
        items
    }

    /// The link in `cell`, made from `label` and `path` the first time.
    fn shared_link(
        &self,
        cell: &std::sync::OnceLock<SharedLink>,
        label: &str,
        path: impl FnOnce() -> String,
    ) -> SharedLink {
        cell.get_or_init(|| {
            Link {
                label: label.to_string(),
                url: self.url(&path()),
            }
            .into()
        })
        .clone()
    }

    fn commune_link(&self, commune: usize) -> SharedLink {
        let c = &self.site.communes[commune];
        self.shared_link(&self.links.communes[commune], &c.nom, || urls::commune(&c.slug))
    }

    fn departement_link(&self, code: &str) -> Option<SharedLink> {
        let i = self.site.departement_index(code)?;
        let d = &self.site.departements[i];
        Some(self.shared_link(&self.links.departements[i], &d.nom, || urls::departement(&d.code)))
    }

    fn epci_link(&self, siren: Option<&str>) -> Option<SharedLink> {
        let i = self.site.epci_index(siren?)?;
        let e = &self.site.epcis[i];
        Some(self.shared_link(&self.links.epcis[i], &e.nom, || urls::epci(&e.siren)))
    }

    /// A service's page: shared for a service of the vocabulary (validation
    /// lets no other through), made for this page otherwise.
    fn service_link(&self, service: &str) -> SharedLink {
        match services_vocabulary().iter().position(|v| v.value == service) {
            Some(i) => self.shared_link(&self.links.services[i], service, || urls::service(service)),
            None => Link {
                label: service.to_string(),
                url: self.url(&urls::service(service)),
            }
            .into(),
        }
    }

    fn typologie_labels(&self, place: &'a Place) -> Vec<&'a str> {
        place
            .lieu
            .typologie
            .iter()
            .map(|t| self.typologie.label(t).unwrap_or(t))
            .collect()
    }

    /// A place's card on a list; `distance` for lists of nearest places.
    fn card(
        &self,
        index: usize,
        heading: Heading,
        distance: Option<f64>,
        reads: &mut Reads,
    ) -> Result<PlaceCard, Error> {
        let card = self.fragment(index, Fragment::Card(heading), reads)?;
        let Some(km) = distance else {
            return Ok(Shared(card));
        };
        let carte = card
            .get_from_path("carte")
            .cloned()
            .ok_or_else(|| Error::Internal("carte sans « carte »".into()))?;
        Ok(Shared(tera::Value::from_serializable(&CardFields {
            carte,
            distance: Some(text::french_km(km)),
        })))
    }

    /// `table` as a template value, converted on first use.
    fn weekly_table(&self, table: &std::sync::Arc<crate::hours::WeeklyTable>) -> tera::Value {
        // Keyed by address: the site, which holds the tables, outlives the
        // renderer.
        let key = std::sync::Arc::as_ptr(table) as usize;
        let lock = || self.weekly_tables.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = lock().get(&key) {
            return value.clone();
        }
        let value = tera::Value::from_serializable(&**table);
        lock().insert(key, value.clone());
        value
    }

    /// A place's card or line, rendered on first use: [`CardFields`]
    /// without a distance, or [`LineFields`].
    fn fragment(&self, index: usize, fragment: Fragment, reads: &mut Reads) -> Result<tera::Value, Error> {
        reads.summary(index);
        let cache = &self.cards.0[fragment.slot()][index];
        if let Some(html) = cache.get() {
            return Ok(html.clone());
        }
        let mut context = tera::Context::new();
        context.insert("p", &self.summary(index));
        let template = match fragment {
            Fragment::Card(heading) => {
                let level = match heading {
                    Heading::H2 => "h2",
                    Heading::H3 => "h3",
                };
                context.insert("titre", level);
                CARD_TEMPLATE
            }
            Fragment::Line(commune) => {
                context.insert("avec_commune", &matches!(commune, LineCommune::Shown));
                LINE_TEMPLATE
            }
        };
        // A fragment has no header or footer: of the site's context, it
        // only gets `site`.
        if let Some((_, site)) = self.site_context.iter().find(|(key, _)| *key == "site") {
            context.insert_value("site", site.clone());
        }
        let mut html = Vec::with_capacity(1024);
        self.tera
            .render_to(template, &context, &mut html)
            .map_err(|e| from_tera(template, &e))?;
        // The whitespace around a fragment belongs to its list.
        let html = String::from_utf8(html).map_err(|e| Error::Internal(format!("{template} : {e}")))?;
        // Safe: the template escaped what it printed.
        let html = tera::Value::safe_string(html.trim());
        let fields = match fragment {
            Fragment::Card(_) => tera::Value::from_serializable(&CardFields {
                carte: html,
                distance: None,
            }),
            Fragment::Line(_) => tera::Value::from_serializable(&LineFields { ligne: html }),
        };
        Ok(cache.get_or_init(|| fields).clone())
    }

    fn cards(&self, indices: &[usize], heading: Heading, reads: &mut Reads) -> Result<Vec<PlaceCard>, Error> {
        indices.iter().map(|&i| self.card(i, heading, None, reads)).collect()
    }

    /// `places` as lines, grouped by commune in alphabetical order.
    fn line_groups(&self, places: &[usize], reads: &mut Reads) -> Result<Vec<CommuneGroup<PlaceLine>>, Error> {
        let mut by_commune: BTreeMap<(std::borrow::Cow<str>, &str), Vec<usize>> = BTreeMap::new();
        for &p in places {
            let place = &self.site.places[p];
            let name = match self.site.commune_index(&place.commune_code) {
                Some(i) => std::borrow::Cow::Borrowed(self.site.communes[i].sort_key.as_str()),
                None => std::borrow::Cow::Owned(text::fold(&place.lieu.commune)),
            };
            by_commune
                .entry((name, place.commune_code.as_str()))
                .or_default()
                .push(p);
        }
        by_commune
            .into_values()
            .map(|group| {
                Ok(CommuneGroup {
                    commune: self.place_commune_link(&self.site.places[group[0]]),
                    places: self.lines(&group, LineCommune::Hidden, reads)?,
                })
            })
            .collect()
    }

    fn nearest_cards(&self, nearest: &[(usize, f64)], reads: &mut Reads) -> Result<Vec<PlaceCard>, Error> {
        nearest
            .iter()
            .map(|&(i, km)| self.card(i, Heading::H3, Some(km), reads))
            .collect()
    }

    /// The page of the place's commune, or the home page for a commune the
    /// reference does not know.
    fn place_commune_link(&self, place: &Place) -> SharedLink {
        match self.site.commune_index(&place.commune_code) {
            Some(i) => self.commune_link(i),
            None => Link {
                label: place.lieu.commune.clone(),
                url: self.url(""),
            }
            .into(),
        }
    }

    fn commune_name(&self, place: &'a Place) -> &'a str {
        match self.site.commune_index(&place.commune_code) {
            Some(i) => &self.site.communes[i].nom,
            None => &place.lieu.commune,
        }
    }

    /// A place on a plain list of links.
    fn line(&self, index: usize, commune: LineCommune, reads: &mut Reads) -> Result<PlaceLine, Error> {
        Ok(Shared(self.fragment(index, Fragment::Line(commune), reads)?))
    }

    fn lines(&self, indices: &[usize], commune: LineCommune, reads: &mut Reads) -> Result<Vec<PlaceLine>, Error> {
        indices.iter().map(|&i| self.line(i, commune, reads)).collect()
    }

    fn summary(&self, index: usize) -> PlaceSummary<'a> {
        let place = &self.site.places[index];
        PlaceSummary {
            id: &place.lieu.id,
            nom: &place.lieu.nom,
            url: self.url(&urls::place(&place.lieu.id)),
            adresse: &place.lieu.adresse,
            commune: self.commune_name(place),
            typologie: self.typologie_labels(place),
            services: &place.lieu.services,
            telephone: place.lieu.telephone.as_deref().map(phone),
            stale: place.stale,
            fermeture: crate::fermeture::summary(place.lieu.fermeture_temporaire.as_ref(), self.site.today),
        }
    }

    /// Whether two versions of a place look the same wherever the place is
    /// summed up or counted: in lists, counts by service, the guided path's
    /// situations. If so, an edit only changes the place's own page.
    pub fn same_summary(a: &Place, b: &Place, today: chrono::NaiveDate) -> bool {
        let (x, y) = (&a.lieu, &b.lieu);
        x.id == y.id
            && x.nom == y.nom
            && x.adresse == y.adresse
            && a.commune_code == b.commune_code
            && x.commune == y.commune
            && x.typologie == y.typologie
            && x.services == y.services
            && x.telephone == y.telephone
            && a.stale == b.stale
            && x.publics_specifiquement_adresses == y.publics_specifiquement_adresses
            && x.prise_en_charge_specifique == y.prise_en_charge_specifique
            && a.has_own_coordinates == b.has_own_coordinates
            && crate::fermeture::summary(x.fermeture_temporaire.as_ref(), today)
                == crate::fermeture::summary(y.fermeture_temporaire.as_ref(), today)
    }

    /// Whether two versions of a place count the same in every total:
    /// same commune (hence EPCI and département) and same services (hence
    /// needs of the guided path). Pages that only count places
    /// ([`Reads::counts`]) stay as they are otherwise.
    pub fn same_counts(a: &Place, b: &Place) -> bool {
        a.commune_code == b.commune_code && a.lieu.services == b.lieu.services
    }

    fn place_view(&self, index: usize, reads: &mut Reads) -> Result<PlaceView<'a>, Error> {
        let place = &self.site.places[index];
        let lieu = &place.lieu;
        let config = &self.site.config;
        let commune_index = self.site.commune_index(&place.commune_code);
        let commune = commune_index.map(|i| &self.site.communes[i]);
        let commune_link = self.place_commune_link(place);
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
        // A city's places would each list hundreds of others: past a few,
        // the commune's page lists them instead.
        let same_commune = match (commune_index, commune) {
            (Some(ci), Some(c)) if c.places.len() <= SAME_COMMUNE_MAX + 1 => {
                reads.list(List::CommunePlaces(ci));
                c.places
                    .iter()
                    .filter(|&&i| i != index)
                    .map(|&i| self.line(i, LineCommune::Hidden, reads))
                    .collect::<Result<_, Error>>()?
            }
            (Some(ci), Some(_)) => {
                reads.list(List::CommunePlaces(ci));
                Vec::new()
            }
            _ => Vec::new(),
        };
        let nb_commune = commune.map_or(0, |c| c.places.len());
        let labels = lieu
            .formations_labels
            .iter()
            .chain(&lieu.autres_formations_labels)
            .map(String::as_str)
            .collect();
        Ok(PlaceView {
            id: &lieu.id,
            nom: &lieu.nom,
            url: self.url(&urls::place(&lieu.id)),
            typologie: self.typologie_labels(place),
            adresse: &lieu.adresse,
            complement_adresse: lieu.complement_adresse.as_deref(),
            code_postal: &lieu.code_postal,
            commune: commune_link,
            epci: self.epci_link(place.epci_siren.as_deref()),
            departement: self.departement_link(&place.departement),
            telephone: lieu.telephone.as_deref().map(phone),
            courriels: &lieu.courriels,
            sites: lieu
                .site_web
                .iter()
                .map(|u| Link {
                    label: display_url(u),
                    url: u.clone(),
                })
                .collect(),
            services: lieu.services.iter().map(|s| self.service_link(s)).collect(),
            publics: &lieu.publics_specifiquement_adresses,
            prise_en_charge: &lieu.prise_en_charge_specifique,
            frais: &lieu.frais_a_charge,
            itinerance: &lieu.itinerance,
            modalites_acces: &lieu.modalites_acces,
            modalites_accompagnement: &lieu.modalites_accompagnement,
            dispositifs: &lieu.dispositif_programmes_nationaux,
            labels,
            structure_parente: lieu.structure_parente.as_deref(),
            source: lieu.source.as_deref(),
            fiche_acces_libre: lieu.fiche_acces_libre.as_deref(),
            prise_rdv: lieu.prise_rdv.as_deref(),
            resume: lieu.presentation_resume.as_deref(),
            description_html: place.description_html.as_deref(),
            horaires_texte: lieu.horaires.as_deref(),
            horaires: place.weekly_hours.as_ref().map(|table| self.weekly_table(table)),
            horaires_data: place.browser_hours_json.clone(),
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
            nb_autres_commune: nb_commune.saturating_sub(1),
        })
    }

    fn commune_rows(&self, indices: &[usize], reads: &mut Reads) -> Vec<CommuneRow> {
        indices
            .iter()
            .map(|&i| {
                reads.list(List::CommunePlaces(i));
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

    /// How many of `places` offer each service (the caller records what
    /// list `places` is).
    fn service_rows(&self, places: &[usize], reads: &mut Reads) -> Vec<ServiceRow> {
        for &p in places {
            reads.summary(p);
        }
        services_vocabulary()
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

    fn all_service_rows(&self, reads: &mut Reads) -> Vec<ServiceRow> {
        reads.counts();
        let all: Vec<usize> = (0..self.site.places.len()).collect();
        self.service_rows(&all, &mut Reads::default())
    }

    /// Places of the whole site by commune (each place as `show` makes
    /// it), or by département when that would make too long a page.
    fn place_groups<T>(
        &self,
        reads: &mut Reads,
        show: impl Fn(usize) -> Result<T, Error>,
    ) -> Result<(Vec<CommuneGroup<T>>, Vec<DepartementRow>), Error> {
        let site = self.site;
        if site.places.len() > LONG_LIST {
            reads.counts();
            let rows = site
                .departements
                .iter()
                .map(|d| DepartementRow {
                    nom: d.nom.clone(),
                    url: self.url(&urls::departement(&d.code)),
                    count: d.places.len(),
                })
                .collect();
            return Ok((Vec::new(), rows));
        }
        reads.everything();
        let mut groups: Vec<usize> = (0..site.communes.len())
            .filter(|&c| !site.communes[c].places.is_empty())
            .collect();
        groups.sort_by(|&a, &b| site.communes[a].alphabetical(&site.communes[b]));
        let groups = groups
            .into_iter()
            .map(|ci| {
                let c = &site.communes[ci];
                Ok(CommuneGroup {
                    commune: self.commune_link(ci),
                    places: c.places.iter().map(|&i| show(i)).collect::<Result<_, Error>>()?,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok((groups, Vec::new()))
    }

    /// Renders one page. `reads` gets what it read, if recording.
    pub fn render(&self, key: PageKey, reads: &mut Reads) -> Result<Vec<u8>, Error> {
        let (template, context) = self.page(key, reads)?;
        let body = self.template(template, context)?;
        Ok(if self.minify_pages && template.ends_with(".html") {
            crate::theme::minify_page(&body)
        } else {
            body
        })
    }

    /// The template of a page and what it shows.
    fn page(&self, key: PageKey, reads: &mut Reads) -> Result<(&'static str, tera::Context), Error> {
        let site = self.site;
        let mut c = tera::Context::new();
        let template = match key {
            PageKey::Home => {
                reads.counts();
                c.insert("nb_communes", &site.communes.len());
                c.insert(
                    "nb_communes_avec_lieu",
                    &site.communes.iter().filter(|c| !c.places.is_empty()).count(),
                );
                c.insert("nb_epcis", &site.epcis.len());
                c.insert("services", &self.all_service_rows(reads));
                c.insert("departements_liste", &self.departement_rows());
                "index.html"
            }
            PageKey::AllPlaces => {
                let (groups, by_departement) =
                    self.place_groups(reads, |i| self.card(i, Heading::H3, None, &mut Reads::default()))?;
                c.insert("groups", &groups);
                c.insert("par_departement", &by_departement);
                c.insert("services", &self.all_service_rows(reads));
                c.insert("section", "lieux");
                c.insert("breadcrumbs", &self.crumbs(vec![self.link("Tous les lieux", "lieux/")]));
                "lieux.html"
            }
            PageKey::Place(i) => {
                let view = self.place_view(i, reads)?;
                let trail: Vec<SharedLink> = [view.departement.clone(), view.epci.clone(), Some(view.commune.clone())]
                    .into_iter()
                    .flatten()
                    .chain([Link {
                        label: view.nom.to_string(),
                        url: view.url.clone(),
                    }
                    .into()])
                    .collect();
                c.insert("breadcrumbs", &self.crumbs(trail));
                c.insert("lieu", &view);
                "lieu.html"
            }
            PageKey::Service(s) => {
                // Which places offer it; their cards record their summaries.
                reads.counts();
                let label = &services_vocabulary()[s].value;
                let offering: Vec<usize> = site
                    .departements
                    .iter()
                    .flat_map(|d| d.places.iter().copied())
                    .filter(|&i| site.places[i].lieu.services.contains(label))
                    .collect();
                let service = ServiceRow {
                    label: label.clone(),
                    url: self.url(&urls::service(label)),
                    count: offering.len(),
                };
                if offering.len() > LONG_LIST {
                    let rows: Vec<DepartementRow> = site
                        .departements
                        .iter()
                        .map(|d| DepartementRow {
                            nom: d.nom.clone(),
                            url: self.url(&format!("{}#besoins-dep", urls::departement(&d.code))),
                            count: d
                                .places
                                .iter()
                                .filter(|&&i| site.places[i].lieu.services.contains(label))
                                .count(),
                        })
                        .collect();
                    c.insert("places", &Vec::<PlaceCard>::new());
                    c.insert("par_departement", &rows);
                } else {
                    c.insert("places", &self.cards(&offering, Heading::H2, reads)?);
                    c.insert("par_departement", &Vec::<DepartementRow>::new());
                }
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![Link {
                        label: label.clone(),
                        url: service.url.clone(),
                    }]),
                );
                c.insert("service", &service);
                "service.html"
            }
            PageKey::Departement(di) => {
                let d = &site.departements[di];
                reads.list(List::DepartementPlaces(di));
                let epcis: Vec<EpciRow> = d
                    .epcis
                    .iter()
                    .map(|&i| {
                        reads.list(List::EpciPlaces(i));
                        let e = &site.epcis[i];
                        EpciRow {
                            nom: e.nom.clone(),
                            url: self.url(&urls::epci(&e.siren)),
                            communes: e.communes.len(),
                            count: e.places.len(),
                        }
                    })
                    .collect();
                let communes = self.commune_rows(&d.communes, reads);
                let view = DepartementView {
                    code: &d.code,
                    nom: &d.nom,
                    region: &d.region,
                    nb_communes: d.communes.len(),
                    nb_lieux: d.places.len(),
                    nb_communes_avec_lieu: communes.iter().filter(|c| c.count > 0).count(),
                };
                c.insert("section", "territoires");
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![Link {
                        label: d.nom.clone(),
                        url: self.url(&urls::departement(&d.code)),
                    }]),
                );
                c.insert("departement", &view);
                c.insert("epcis", &epcis);
                c.insert("lettres", &by_initial(communes));
                let places: Vec<PlaceName> = d
                    .places
                    .iter()
                    .map(|&i| {
                        reads.summary(i);
                        let place = &site.places[i];
                        PlaceName {
                            nom: &place.lieu.nom,
                            url: self.url(&urls::place(&place.lieu.id)),
                            commune: self.commune_name(place),
                        }
                    })
                    .collect();
                c.insert("places", &places);
                c.insert("services", &self.service_rows(&d.places, reads));
                "departement.html"
            }
            PageKey::Epci(ei) => {
                let e = &site.epcis[ei];
                reads.list(List::EpciPlaces(ei));
                let departements: Vec<SharedLink> = {
                    let mut codes: Vec<&str> = e
                        .communes
                        .iter()
                        .map(|&c| site.communes[c].departement.as_str())
                        .collect();
                    codes.sort_unstable();
                    codes.dedup();
                    codes.into_iter().filter_map(|c| self.departement_link(c)).collect()
                };
                let view = EpciView {
                    siren: &e.siren,
                    nom: &e.nom,
                    kind: epci_kind_label(&e.kind),
                    population: format_thousands(e.population),
                    nb_communes: e.communes.len(),
                    nb_lieux: e.places.len(),
                };
                let trail = departements
                    .iter()
                    .cloned()
                    .chain(self.epci_link(Some(&e.siren)))
                    .collect();
                c.insert("section", "territoires");
                c.insert("breadcrumbs", &self.crumbs(trail));
                c.insert("epci", &view);
                c.insert("departements", &departements);
                c.insert("communes", &self.commune_rows(&e.communes, reads));
                c.insert("places", &self.cards(&e.places, Heading::H3, reads)?);
                c.insert("services", &self.service_rows(&e.places, reads));
                "epci.html"
            }
            PageKey::Commune(ci) => {
                let commune = &site.communes[ci];
                reads.list(List::CommunePlaces(ci));
                reads.list(List::CommuneNearest(ci));
                let epci = self.epci_link(commune.epci_siren.as_deref());
                let departement = self.departement_link(&commune.departement);
                let nearest = self.nearest_cards(&commune.nearest, reads)?;
                let view = CommuneView {
                    code: &commune.code,
                    nom: &commune.nom,
                    codes_postaux: commune.codes_postaux.join(", "),
                    population: format_thousands(commune.population),
                    nb_lieux: commune.places.len(),
                };
                let trail = [departement.clone(), epci.clone(), Some(self.commune_link(ci))]
                    .into_iter()
                    .flatten()
                    .collect();
                c.insert("section", "territoires");
                c.insert("breadcrumbs", &self.crumbs(trail));
                c.insert("commune", &view);
                c.insert("epci", &epci);
                c.insert("departement", &departement);
                c.insert("places", &self.cards(&commune.places, Heading::H3, reads)?);
                c.insert("nearest", &nearest);
                "commune.html"
            }
            PageKey::FreePage(pi) => {
                let p = &site.pages[pi];
                let view = FreePageView {
                    titre: &p.page.titre,
                    description: p.page.description.as_deref(),
                    html: &p.html,
                    slug: &p.page.slug,
                };
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![Link {
                        label: p.page.titre.clone(),
                        url: self.url(&urls::page(&p.page.slug)),
                    }]),
                );
                c.insert("page", &view);
                // A page may ask for generated content: the contribution guide.
                crate::contribuer::extend_page(&p.page, &mut c)
            }
            PageKey::Search => {
                // The form is shown by recherche.js; without it, the page
                // lists places by service and by commune.
                let (groups, by_departement) =
                    self.place_groups(reads, |i| self.line(i, LineCommune::Hidden, &mut Reads::default()))?;
                c.insert("section", "recherche");
                c.insert("breadcrumbs", &self.crumbs(vec![self.link("Chercher", "recherche/")]));
                c.insert("facettes", &crate::search::facets());
                c.insert("catalogue", &self.url("donnees/recherche/index.json"));
                c.insert("services", &self.all_service_rows(reads));
                c.insert("groups", &groups);
                c.insert("par_departement", &by_departement);
                "recherche.html"
            }
            PageKey::Map => {
                // Leaflet draws donnees/lieux.geojson; the same places are listed as text.
                let (groups, by_departement) =
                    self.place_groups(reads, |i| self.line(i, LineCommune::Hidden, &mut Reads::default()))?;
                self.map_context(&mut c);
                c.insert("section", "carte");
                c.insert("breadcrumbs", &self.crumbs(vec![self.link("Carte", "carte/")]));
                c.insert("groups", &groups);
                c.insert("par_departement", &by_departement);
                "carte.html"
            }
            PageKey::OrientationStart => {
                reads.counts();
                let needs: Vec<Choice> = crate::orientation::NEEDS
                    .iter()
                    .enumerate()
                    .map(|(n, need)| Choice {
                        label: need.label.into(),
                        detail: need.example.into(),
                        url: self.url(&page_url(site, PageKey::OrientationNeed(n))),
                        count: site
                            .places
                            .iter()
                            .filter(|p| crate::orientation::offers(p, need))
                            .count(),
                    })
                    .filter(|c| c.count > 0)
                    .collect();
                c.insert("section", "orientation");
                c.insert("breadcrumbs", &self.crumbs(vec![self.orientation_start()]));
                c.insert("choix", &needs);
                "orientation.html"
            }
            PageKey::OrientationNeed(n) => {
                let choices = if site.departements.len() > 1 {
                    reads.counts();
                    (0..site.departements.len())
                        .map(|d| {
                            let dep = &site.departements[d];
                            Choice {
                                label: format!("{} ({})", dep.nom, dep.code),
                                detail: String::new(),
                                url: self.url(&page_url(site, PageKey::OrientationDepartement(n, d))),
                                count: dep.epcis.iter().map(|&e| site.epcis[e].needs[n].inside.len()).sum(),
                            }
                        })
                        .collect()
                } else {
                    let epcis: Vec<usize> = site.departements.iter().flat_map(|d| d.epcis.iter().copied()).collect();
                    self.epci_choices(n, &epcis, reads)
                };
                c.insert("section", "orientation");
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![self.orientation_start(), self.need_link(n)]),
                );
                c.insert("besoin", crate::orientation::NEEDS[n].label);
                c.insert("par_departement", &(site.departements.len() > 1));
                c.insert("choix", &choices);
                "orientation-territoire.html"
            }
            PageKey::OrientationDepartement(n, d) => {
                let dep = &site.departements[d];
                let choices = self.epci_choices(n, &dep.epcis, reads);
                c.insert("section", "orientation");
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![
                        self.orientation_start(),
                        self.need_link(n),
                        Link {
                            label: dep.nom.clone(),
                            url: self.url(&page_url(site, key)),
                        },
                    ]),
                );
                c.insert("besoin", crate::orientation::NEEDS[n].label);
                c.insert("par_departement", &false);
                c.insert("choix", &choices);
                "orientation-territoire.html"
            }
            PageKey::OrientationResults(n, e) => {
                use crate::orientation::SITUATIONS;
                reads.list(List::EpciNeed(e, n));
                let epci = &site.epcis[e];
                let found = &epci.needs[n];
                // Past a few dozen places (a city's intercommunalité), cards
                // would make a page of megabytes: a list by commune instead.
                let by_commune = found.inside.len() > ORIENTATION_CARDS_MAX;
                let (inside, groups) = if by_commune {
                    (Vec::new(), self.line_groups(&found.inside, reads)?)
                } else {
                    (self.cards(&found.inside, Heading::H3, reads)?, Vec::new())
                };
                let nearby = self.nearest_cards(&found.nearby, reads)?;
                // Places listed on this page, then, per situation, those
                // that say they are adapted to it.
                let nearby_places: Vec<usize>;
                let shown: &[usize] = if found.inside.is_empty() {
                    nearby_places = found.nearby.iter().map(|&(p, _)| p).collect();
                    &nearby_places
                } else {
                    &found.inside
                };
                let mut situations = Vec::new();
                for (bit, s) in SITUATIONS.iter().enumerate().filter(|(_, s)| !s.values.is_empty()) {
                    let lignes: Vec<PlaceLine> = shown
                        .iter()
                        .filter(|&&p| site.places[p].situations & (1 << bit) != 0)
                        .map(|&p| self.line(p, LineCommune::Shown, reads))
                        .collect::<Result<_, Error>>()?;
                    if lignes.is_empty() {
                        continue;
                    }
                    situations.push(SituationGroup {
                        slug: s.slug,
                        label: s.label,
                        nombre: lignes.len(),
                        lignes,
                    });
                }
                let mut trail = vec![self.orientation_start(), self.need_link(n)];
                if site.departements.len() > 1
                    && let Some(d) = epci
                        .communes
                        .first()
                        .and_then(|&c| site.departement_index(&site.communes[c].departement))
                {
                    trail.push(Link {
                        label: site.departements[d].nom.clone(),
                        url: self.url(&page_url(site, PageKey::OrientationDepartement(n, d))),
                    });
                }
                trail.push(Link {
                    label: epci.nom.clone(),
                    url: self.url(&page_url(site, key)),
                });
                c.insert("section", "orientation");
                c.insert("breadcrumbs", &self.crumbs(trail));
                c.insert("besoin", crate::orientation::NEEDS[n].label);
                c.insert(
                    "territoire",
                    &Link {
                        label: epci.nom.clone(),
                        url: self.url(&urls::epci(&epci.siren)),
                    },
                );
                c.insert("lieux", &inside);
                c.insert("par_commune", &groups);
                c.insert("nb_lieux", &found.inside.len());
                c.insert("proches", &nearby);
                c.insert("situations", &situations);
                "orientation-resultats.html"
            }
            PageKey::NotFound => "404.html",
            PageKey::Offline => "hors-ligne.html",
            PageKey::Sitemap => {
                // Without the dashboard's charts (not in the sitemap): only
                // the dashboard's own pages may wait for the dashboard.
                let mut urls: Vec<String> = page_keys(site, 0)
                    .into_iter()
                    .filter(|&k| in_sitemap(k))
                    .map(|k| format!("{}{}", site.config.base_url(), page_url(site, k)))
                    .collect();
                urls.sort();
                c.insert("urls", &urls);
                "sitemap.xml"
            }
            PageKey::Robots => "robots.txt",
            PageKey::Dashboard => {
                reads.all_fields();
                c.insert("breadcrumbs", &self.crumbs(vec![self.dashboard_link()]));
                c.insert("tableau", &self.dashboard().view);
                "tableau-de-bord.html"
            }
            PageKey::DashboardCommunes => {
                reads.all_fields();
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![
                        self.dashboard_link(),
                        self.link("Couverture par commune", crate::dashboard::COMMUNES_URL),
                    ]),
                );
                c.insert("tableau", &self.dashboard().communes);
                "tableau-de-bord-communes.html"
            }
            PageKey::DashboardChart(i) => {
                reads.all_fields();
                let chart = self
                    .dashboard()
                    .charts
                    .get(i)
                    .ok_or_else(|| Error::Internal(format!("graphique {i} absent")))?;
                c.insert("graphique", &chart.chart);
                chart.template
            }
            PageKey::EmbedBuilder => {
                c.insert(
                    "breadcrumbs",
                    &self.crumbs(vec![self.link("Intégrer l'annuaire", crate::embed::DIR)]),
                );
                c.insert("recherche", &crate::embed::search_target(site));
                c.insert("carte", &crate::embed::map_target(site));
                c.extend(
                    tera::Context::from_serialize(&crate::embed::builder(site))
                        .map_err(|e| from_tera("integrer.html", &e))?,
                );
                "integrer.html"
            }
            PageKey::EmbedSearch => {
                c.insert("vue", &crate::embed::search_target(site));
                c.insert("facettes", &crate::search::facets());
                c.insert("catalogue", &self.url("donnees/recherche/index.json"));
                c.insert("recherche_action", &self.url(&page_url(site, key)));
                "integrer-recherche.html"
            }
            PageKey::EmbedMap => {
                let (groups, by_departement) =
                    self.place_groups(reads, |i| self.line(i, LineCommune::Hidden, &mut Reads::default()))?;
                self.map_context(&mut c);
                c.insert("vue", &crate::embed::map_target(site));
                c.insert("groups", &groups);
                c.insert("par_departement", &by_departement);
                "integrer-carte.html"
            }
            PageKey::EmbedCommune(ci) => {
                let commune = &site.communes[ci];
                reads.list(List::CommunePlaces(ci));
                reads.list(List::CommuneNearest(ci));
                let nearest = self.nearest_cards(&commune.nearest, reads)?;
                c.insert("vue", &crate::embed::commune_view_target(site, commune));
                c.insert(
                    "commune",
                    &EmbedCommuneView {
                        nom: &commune.nom,
                        codes_postaux: commune.codes_postaux.join(", "),
                        url: self.url(&urls::commune(&commune.slug)),
                    },
                );
                c.insert("places", &self.cards(&commune.places, Heading::H3, reads)?);
                c.insert("nearest", &nearest);
                "integrer-commune.html"
            }
            PageKey::Colours => {
                c.insert("principale", &css_colour(&site.config.couleurs.principale));
                c.insert("accent", &css_colour(&site.config.couleurs.accent));
                "couleurs.css"
            }
        };
        Ok((template, c))
    }

    /// What the map needs, on the map page and its embeddable copy.
    fn map_context(&self, c: &mut tera::Context) {
        let site = self.site;
        let config = &site.config;
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
        c.insert("geojson", &self.url("donnees/lieux.geojson"));
        c.insert("tuiles", &config.carte.tuiles);
        c.insert("attribution", &config.carte.attribution);
        c.insert("zoom_max", &config.carte.zoom_max);
        c.insert(
            "limites",
            &bounds
                .map(|b| serde_json::to_string(&b).unwrap_or_default())
                .unwrap_or_default(),
        );
        c.insert(
            "nb_sans_coordonnees",
            &site.places.iter().filter(|p| !p.has_own_coordinates).count(),
        );
    }

    fn dashboard_link(&self) -> Link {
        self.link("Tableau de bord", crate::dashboard::URL)
    }

    fn link(&self, label: &str, path: &str) -> Link {
        Link {
            label: label.into(),
            url: self.url(path),
        }
    }

    fn orientation_start(&self) -> Link {
        self.link("De quoi avez-vous besoin ?", "orientation/")
    }

    fn need_link(&self, n: usize) -> Link {
        Link {
            label: crate::orientation::NEEDS[n].label.into(),
            url: self.url(&page_url(self.site, PageKey::OrientationNeed(n))),
        }
    }

    fn epci_choices(&self, n: usize, epcis: &[usize], reads: &mut Reads) -> Vec<Choice> {
        let site = self.site;
        epcis
            .iter()
            .map(|&e| {
                reads.list(List::EpciNeed(e, n));
                let epci = &site.epcis[e];
                let mut communes: Vec<&str> = epci.communes.iter().map(|&c| site.communes[c].nom.as_str()).collect();
                communes.dedup();
                Choice {
                    label: epci.nom.clone(),
                    detail: communes.join(", "),
                    url: self.url(&page_url(site, PageKey::OrientationResults(n, e))),
                    count: epci.needs[n].inside.len(),
                }
            })
            .collect()
    }

    fn departement_rows(&self) -> Vec<DepartementRow> {
        self.site
            .departements
            .iter()
            .map(|d| DepartementRow {
                nom: d.nom.clone(),
                url: self.url(&urls::departement(&d.code)),
                count: d.places.len(),
            })
            .collect()
    }
}

/// Other places of the commune listed on a place's page, at most.
const SAME_COMMUNE_MAX: usize = 10;
/// The most places a guided-path result page shows as cards.
pub const ORIENTATION_CARDS_MAX: usize = 60;

/// Beyond this many départements, the menu links to the list of them.
const MENU_DEPARTEMENTS: usize = 3;

#[derive(Serialize)]
struct DepartementRow {
    nom: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct DepartementView<'a> {
    code: &'a str,
    nom: &'a str,
    region: &'a str,
    nb_communes: usize,
    nb_lieux: usize,
    nb_communes_avec_lieu: usize,
}

#[derive(Serialize)]
struct EpciView<'a> {
    siren: &'a str,
    nom: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    population: String,
    nb_communes: usize,
    nb_lieux: usize,
}

#[derive(Serialize)]
struct CommuneView<'a> {
    code: &'a str,
    nom: &'a str,
    codes_postaux: String,
    population: String,
    nb_lieux: usize,
}

#[derive(Serialize)]
struct FreePageView<'a> {
    titre: &'a str,
    description: Option<&'a str>,
    html: &'a str,
    slug: &'a str,
}

#[derive(Serialize)]
struct EmbedCommuneView<'a> {
    nom: &'a str,
    codes_postaux: String,
    url: String,
}

#[derive(Serialize)]
struct SituationGroup {
    slug: &'static str,
    label: &'static str,
    nombre: usize,
    /// As lines: their cards are already on the page, and repeating them
    /// for each situation made pages twice as long to read or listen to.
    lignes: Vec<PlaceLine>,
}

/// One place page alone, with the default theme compiled once per process
/// (for fuzzing and property tests, which render thousands of them).
pub fn render_place_default_theme(site: &Site, index: usize) -> Result<String, Error> {
    static COMPILED: std::sync::OnceLock<Result<(std::sync::Arc<tera::Tera>, bool), String>> =
        std::sync::OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        Theme::embedded_default()
            .compile()
            .map(|c| (std::sync::Arc::new(c.tera), c.preminified))
            .map_err(|e| e.to_string())
    });
    let (tera, preminified) = compiled.as_ref().map_err(|e| Error::Internal(e.clone()))?;
    let renderer = Renderer::with_templates(site, tera.clone(), *preminified, &RenderOptions::default())?;
    let bytes = renderer.render(PageKey::Place(index), &mut Reads::default())?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

/// The host alone: long paths mean nothing to residents and break lines.
fn display_url(url: &str) -> String {
    let s = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    s.split(['/', '?', '#']).next().unwrap_or(s).to_string()
}

#[derive(Serialize)]
struct Choice {
    label: String,
    detail: String,
    url: String,
    count: usize,
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
pub fn render_service_worker(renderer: &Renderer<'_>, version: &str) -> Result<OutputFile, Error> {
    let mut context = tera::Context::new();
    context.insert("version", version);
    context.insert("base", &renderer.site.config.base_path());
    let body = renderer
        .tera
        .render("sw.js", &context)
        .map_err(|e| from_tera("sw.js", &e))?;
    Ok(OutputFile {
        path: "sw.js".into(),
        bytes: body.into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Templates minified once give the same pages, once minified, as
    /// templates rendered as written: the minifier has nothing left to
    /// change in what they mean.
    #[test]
    fn minified_templates_give_the_same_pages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (site, _) = crate::pipeline::prepare(root, None).expect("the demo builds");
        let theme = Theme::embedded_default();
        let renderer = || {
            let compiled = theme.compile().unwrap();
            let tera = std::sync::Arc::new(compiled.tera);
            Renderer::with_templates(&site, tera, compiled.preminified, &RenderOptions::default()).unwrap()
        };
        let fast = renderer();
        assert!(!fast.minify_pages, "the default theme is minified as templates");
        let mut slow = renderer();
        slow.tera = std::sync::Arc::new(theme.tera_unminified().unwrap());
        slow.minify_pages = true;
        let mut compared = 0;
        for key in fast.page_keys() {
            if !fast.output_path(key).ends_with(".html") {
                continue;
            }
            let a = crate::theme::minify_page(&fast.render(key, &mut Reads::default()).unwrap());
            let b = slow.render(key, &mut Reads::default()).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b),
                "{}",
                fast.output_path(key)
            );
            compared += 1;
        }
        assert!(compared > 600, "{compared} pages compared");
    }

    /// The header, the footer, cards and lines reach the templates as safe
    /// strings: a theme that still marks them `| safe`, as the default
    /// theme did, gives the same pages, and neither escapes them.
    #[test]
    fn pieces_rendered_once_print_the_same_with_or_without_safe() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (site, _) = crate::pipeline::prepare(root, None).expect("the demo builds");
        let current = Theme::embedded_default();
        let mut older = Theme::embedded_default();
        let macros = older.templates.get_mut("macros.html").unwrap();
        for value in ["p.carte", "p.ligne"] {
            let written = format!("{{{{ {value} }}}}");
            assert!(macros.contains(&written), "macros.html prints {value}");
            *macros = macros.replace(&written, &format!("{{{{ {value} | safe }}}}"));
        }
        let base = older.templates.get_mut("base.html").unwrap();
        for value in ["entete", "pied"] {
            let written = format!("{{{{- {value} -}}}}");
            assert!(base.contains(&written), "base.html prints {value}");
            *base = base.replace(&written, &format!("{{{{- {value} | safe -}}}}"));
        }
        let renderer = |theme: &Theme| {
            let compiled = theme.compile().unwrap();
            Renderer::with_templates(
                &site,
                std::sync::Arc::new(compiled.tera),
                compiled.preminified,
                &RenderOptions::default(),
            )
            .unwrap()
        };
        let (a, b) = (renderer(&current), renderer(&older));
        let (mut cards, mut lines) = (0, 0);
        for key in a.page_keys() {
            let page = a.render(key, &mut Reads::default()).unwrap();
            assert_eq!(
                page,
                b.render(key, &mut Reads::default()).unwrap(),
                "{}",
                a.output_path(key)
            );
            let page = String::from_utf8(page).unwrap();
            assert!(
                !page.contains("&lt;h3") && !page.contains("&lt;a ") && !page.contains("&lt;nav"),
                "{}: a piece rendered once was escaped",
                a.output_path(key)
            );
            cards += page.matches("<li class=carte><h").count();
            lines += page.matches("<ul class=liste-simple> <li><a href=").count();
        }
        assert!(cards > 100 && lines > 20, "{cards} cards, {lines} lists of lines");
    }

    /// A build renders the dashboard's pages beside the others while the
    /// dashboard is computed: any other page that asked for it could make
    /// a thread wait for itself (a build hung that way).
    #[test]
    fn only_the_dashboard_pages_read_the_dashboard() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (site, _) = crate::pipeline::prepare(root, None).expect("the demo builds");
        let compiled = Theme::embedded_default().compile().unwrap();
        let renderer = Renderer::with_templates(
            &site,
            std::sync::Arc::new(compiled.tera),
            compiled.preminified,
            &RenderOptions::default(),
        )
        .unwrap();
        let keys = page_keys(&site, 0);
        assert!(keys.iter().any(|k| k.reads_dashboard()));
        for key in keys.into_iter().filter(|k| !k.reads_dashboard()) {
            renderer.render(key, &mut Reads::default()).unwrap();
            renderer.output_path(key);
            assert!(renderer.dashboard.get().is_none(), "{key:?} read the dashboard");
        }
        renderer.render(PageKey::Dashboard, &mut Reads::default()).unwrap();
        assert!(renderer.dashboard.get().is_some());
    }

    #[test]
    fn french_formats() {
        assert_eq!(
            french_date(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            "1er mars 2026"
        );
        assert_eq!(text::french_km(3.24), "3,2 km");
        assert_eq!(text::french_km(12.6), "13 km");
        assert_eq!(text::french_km(9.96), "10,0 km");
        assert_eq!(text::french_km(0.0), "0,0 km");
        assert_eq!(format_thousands(77130), "77\u{202f}130");
        assert_eq!(display_url("https://www.exemple.fr/"), "exemple.fr");
        assert_eq!(
            display_url("https://www.bayonne.fr/numerique/cyber-bases?x=1"),
            "bayonne.fr"
        );
    }
}
