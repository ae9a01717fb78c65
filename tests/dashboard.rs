//! The network dashboard on a small fixture département (Territoire de
//! Belfort, 90, 101 communes) whose places stand on their commune's reference
//! point: coverage figures (golden CSV files, and every distance recomputed
//! here from the reference data), white zones, freshness and completeness,
//! SVG charts, temporary closures, partner links and the contribution guide.

mod common;

use common::*;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{LazyLock, OnceLock};

const FIXTURE: &str = "tableau-de-bord";
/// `zone_blanche_km` in the fixture's configuration.
const THRESHOLD_KM: f64 = 12.0;
const DEMARCHES: &str = "Aide aux démarches administratives";

fn site() -> &'static BTreeMap<String, Vec<u8>> {
    static SITE: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("public");
        let run = build(&fixture(FIXTURE), &out);
        assert_eq!(run.code, 0, "the dashboard fixture must build:\n{}", run.stderr);
        read_tree(&out)
    })
}

fn file(path: &str) -> String {
    String::from_utf8(site().get(path).unwrap_or_else(|| panic!("{path} is missing")).clone()).unwrap()
}

fn text_of(html: &str) -> String {
    static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());
    let text = decode_entities(&TAGS.replace_all(html, " "));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The part of a page from the element with `id` to the next `<h2`.
fn section(html: &str, id: &str) -> String {
    let start = Regex::new(&format!(r#"id="?{id}"?[\s>]"#))
        .unwrap()
        .find(html)
        .unwrap_or_else(|| panic!("no id {id}"))
        .start();
    let rest = &html[start..];
    let end = rest[1..].find("<h2").map(|i| i + 1).unwrap_or(rest.len());
    rest[..end].to_string()
}

/// Great-circle distance, written again here so that the test does not
/// check the code against itself.
fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6371.0088;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// Communes of département 90 from the reference: code → (name, population, point).
fn communes_90() -> BTreeMap<String, (String, u64, (f64, f64))> {
    let mut reader = csv::Reader::from_path(repo_root().join("data/territoires/communes.csv")).unwrap();
    reader
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| r.unwrap())
        .filter(|r| r["departement"] == "90")
        .map(|r| {
            (
                r["code_insee"].clone(),
                (
                    r["nom"].clone(),
                    r["population"].parse().unwrap(),
                    (r["latitude"].parse().unwrap(), r["longitude"].parse().unwrap()),
                ),
            )
        })
        .collect()
}

/// The fixture's places: (code INSEE of their commune, services).
fn places() -> Vec<(String, Vec<String>)> {
    let dir = fixture(FIXTURE).join("content/lieux");
    let mut out = Vec::new();
    let code_insee = Regex::new(r#"code_insee: "(\d+)""#).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let code = code_insee.captures(&text).unwrap()[1].to_string();
        let services = text
            .split("services:\n")
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| l.starts_with("  - "))
            .map(|l| l[4..].to_string())
            .collect();
        out.push((code, services));
    }
    out
}

fn bless_or_compare(produced: &str, golden: &str) {
    let path = fixture(golden);
    if std::env::var_os("ANNUAIRE_BLESS").is_some() {
        std::fs::write(&path, produced).unwrap();
        return;
    }
    let expected = normalize_newlines(&read_text(&path));
    assert_eq!(
        produced, expected,
        "{golden} differs; after checking the change, run ANNUAIRE_BLESS=1 cargo test --test dashboard"
    );
}

#[test]
fn coverage_figures_match_the_golden_files() {
    for (path, golden) in [
        (
            "donnees/tableau-de-bord-communes.csv",
            "tableau-de-bord.communes.attendu.csv",
        ),
        (
            "donnees/tableau-de-bord-intercommunalites.csv",
            "tableau-de-bord.intercommunalites.attendu.csv",
        ),
        ("donnees/tableau-de-bord-lieux.csv", "tableau-de-bord.lieux.attendu.csv"),
    ] {
        bless_or_compare(&file(path), golden);
    }
}

#[test]
fn every_distance_is_the_distance_between_reference_points() {
    let communes = communes_90();
    assert_eq!(communes.len(), 101);
    let places = places();
    let csv_text = file("donnees/tableau-de-bord-communes.csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let services: Vec<String> = annuaire::schema::vocabulary("services")
        .unwrap()
        .values
        .iter()
        .map(|v| v.value.clone())
        .collect();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let get = |name: &str| &record[headers.iter().position(|h| h == name).unwrap()];
        let (name, population, point) = &communes[get("code_insee")];
        assert_eq!(get("commune"), name);
        assert_eq!(get("population"), population.to_string());
        for service in &services {
            let column = format!("distance_km_{}", annuaire::text::slugify(service).replace('-', "_"));
            let expected = places
                .iter()
                .filter(|(_, s)| s.contains(service))
                .map(|(code, _)| haversine_km(*point, communes[code].2))
                .min_by(f64::total_cmp)
                .map(|d| format!("{d:.1}"))
                .unwrap_or_default();
            assert_eq!(get(&column), expected, "{name}, {service}");
        }
        rows += 1;
    }
    assert_eq!(rows, 101);
    // Hand-checked: Delle is 19.1 km from Belfort, 25 km from Giromagny.
    assert!(csv_text.contains("90033,Delle,"));
    let delle = csv_text.lines().find(|l| l.starts_with("90033,")).unwrap();
    assert!(delle.contains(",19.1,"), "{delle}");
}

#[test]
fn white_zones_are_listed_farthest_first() {
    let communes = communes_90();
    let demarches: Vec<(f64, f64)> = places()
        .iter()
        .filter(|(_, s)| s.iter().any(|x| x == DEMARCHES))
        .map(|(code, _)| communes[code].2)
        .collect();
    assert_eq!(demarches.len(), 2);
    let mut expected: Vec<(f64, &str)> = communes
        .values()
        .map(|(name, _, p)| {
            let d = demarches
                .iter()
                .map(|q| haversine_km(*p, *q))
                .fold(f64::INFINITY, f64::min);
            (d, name.as_str())
        })
        .filter(|(d, _)| *d > THRESHOLD_KM)
        .collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(expected.len() > 10 && expected.len() < 60, "{expected:?}");

    let html = file("tableau-de-bord/index.html");
    let table = section(&html, "zones-blanches");
    let rows = Regex::new(r"(?s)<tr><th scope=row><a [^>]*>([^<]*)</a></th>").unwrap();
    let listed: Vec<String> = rows.captures_iter(&table).map(|c| decode_entities(&c[1])).collect();
    let names: Vec<&str> = expected.iter().map(|(_, n)| *n).collect();
    assert_eq!(listed, names);

    // The sentence counts their inhabitants.
    let people: u64 = expected
        .iter()
        .map(|(_, n)| communes.values().find(|c| c.0 == *n).unwrap().1)
        .sum();
    let sentence = text_of(&section(&html, "couverture"));
    // The page's narrow no-break spaces are white space to `text_of`.
    let people = annuaire::render::format_thousands(people).replace('\u{202f}', " ");
    assert!(
        sentence.contains(&format!("{people} habitants ("))
            && sentence.contains(&format!(
                "dans {} communes à plus de 12 km d'un lieu qui propose « {DEMARCHES} »",
                expected.len()
            )),
        "{sentence}"
    );
    // The same communes in the CSV.
    let csv_text = file("donnees/tableau-de-bord-communes.csv");
    let in_csv: BTreeSet<String> = csv_text
        .lines()
        .filter(|l| l.ends_with(",oui"))
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(in_csv, names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>());
}

#[test]
fn old_listings_are_in_the_freshness_list_and_gaps_in_the_completeness_list() {
    let html = file("tableau-de-bord/index.html");
    let fresh = text_of(&section(&html, "fraicheur"));
    assert!(
        fresh.contains("1 fiche sur 4 n'a pas été mise à jour depuis 12 mois ou plus."),
        "{fresh}"
    );
    assert!(
        fresh.contains("Espace numérique de Delle Delle 1er mars 2025 20 mois"),
        "{fresh}"
    );
    for recent in [
        "France Services de Belfort",
        "Médiathèque de Giromagny",
        "CCAS de Beaucourt",
    ] {
        assert!(!fresh.contains(recent), "{recent} is recent: {fresh}");
    }
    let edit = "https://forge.example.org/annuaire/edit/main/content/lieux/espace-numerique-delle.md";
    assert!(section(&html, "fraicheur").contains(edit));

    let complete = text_of(&section(&html, "completude"));
    assert!(
        complete.contains("Espace numérique de Delle Delle 40 % Horaires, Téléphone, Accessibilité"),
        "{complete}"
    );
    assert!(
        complete.contains("CCAS de Beaucourt Beaucourt 40 % Horaires, Accessibilité, Coordonnées"),
        "{complete}"
    );
    assert!(!complete.contains("France Services de Belfort"), "complete: {complete}");
}

#[test]
fn who_does_what_lists_services_and_programmes_per_territory() {
    let html = file("tableau-de-bord/index.html");
    let programmes = text_of(&section(&html, "programmes"));
    assert!(programmes.contains("Grand Belfort"), "{programmes}");
    assert!(
        programmes.contains("France Services France Services de Belfort"),
        "{programmes}"
    );
    assert!(programmes.contains("APTIC Espace numérique de Delle"), "{programmes}");
    assert!(
        programmes.contains("Conseillers numériques Médiathèque de Giromagny"),
        "{programmes}"
    );
    assert!(section(&html, "programmes").contains("/annuaire/lieux/espace-numerique-delle/"));
    let matrix = section(&html, "qui-fait-quoi");
    assert!(matrix.contains(DEMARCHES));
    assert!(
        text_of(&matrix).contains(
            "L'intercommunalité CC du Sud Territoire n'a aucun lieu qui propose « Aide aux démarches administratives »."
        ),
        "{}",
        text_of(&matrix)
    );
    // One row per intercommunalité of the département.
    let epcis: BTreeSet<&str> = ["200069052", "200069060", "249000241"].into();
    for siren in &epcis {
        assert!(
            matrix.contains(&format!("/annuaire/intercommunalites/{siren}/")),
            "{siren}"
        );
    }
}

#[test]
fn charts_are_well_formed_svg_with_a_text_alternative() {
    let html = file("tableau-de-bord/index.html");
    let img = Regex::new(r"<img [^>]*>").unwrap();
    let mut charts = 0;
    for tag in img.find_iter(&html) {
        let src = attribute_values(tag.as_str(), &["src"]).pop().unwrap();
        let Some(path) = src.strip_prefix(BASE_PATH).filter(|p| p.ends_with(".svg")) else {
            continue;
        };
        charts += 1;
        let alt = attribute_values(tag.as_str(), &["alt"]).pop().unwrap_or_default();
        assert!(alt.len() > 40, "{path}: alt « {alt} »");
        let svg = file(path);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{path} is not well-formed: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
        assert_eq!(root.attribute("role"), Some("img"));
        let child_text = |name: &str| {
            root.children()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .unwrap_or_else(|| panic!("{path}: no <{name}>"))
                .to_string()
        };
        assert!(!child_text("title").trim().is_empty());
        assert!(child_text("desc").len() > 40);
        for id in root.attribute("aria-labelledby").unwrap().split_whitespace() {
            assert!(doc.descendants().any(|n| n.attribute("id") == Some(id)), "{path}: {id}");
        }
        assert!(!svg.contains("<script"), "{path}");
    }
    assert_eq!(charts, 2, "the bar chart and the map of the département");
    let map = file("tableau-de-bord/carte-90.svg");
    let doc = roxmltree::Document::parse(&map).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("circle")).count(), 4);
    let triangles = doc.descendants().filter(|n| n.has_tag_name("path")).count();
    let zones = file("donnees/tableau-de-bord-communes.csv")
        .lines()
        .filter(|l| l.ends_with(",oui"))
        .count();
    assert_eq!(triangles, zones, "one triangle per white-zone commune");
    let bars = file("tableau-de-bord/services.svg");
    assert!(bars.contains(DEMARCHES));
}

#[test]
fn the_per_commune_page_gives_every_commune_its_distances() {
    let html = file("tableau-de-bord/communes/index.html");
    let text = text_of(&html);
    for (name, ..) in communes_90().values() {
        assert!(text.contains(name.as_str()), "{name}");
    }
    assert!(text.contains("Delle zone blanche 5 623 1 – 19,1 sur place"), "{text}");
    assert_eq!(
        html.matches("zone blanche</span>").count(),
        file("donnees/tableau-de-bord-communes.csv")
            .lines()
            .filter(|l| l.ends_with(",oui"))
            .count()
    );
}

#[test]
fn a_temporary_closure_shows_while_it_applies_and_is_never_exported() {
    // The build date is 2026-11-18; Delle is closed from 1 November to 31 December.
    let place = text_of(&file("lieux/espace-numerique-delle/index.html"));
    assert!(
        place.contains(
            "Fermé temporairement jusqu'au 31 décembre 2026 inclus. Travaux dans la salle ; les ateliers reprennent en janvier."
        ),
        "{place}"
    );
    let commune = text_of(&file("communes/90033-delle/index.html"));
    assert!(
        commune.contains("Fermé temporairement jusqu'au 31 décembre 2026 inclus."),
        "{commune}"
    );
    let open = text_of(&file("lieux/ccas-beaucourt/index.html"));
    assert!(!open.contains("Fermé temporairement"));
    for path in ["donnees/lieux.csv", "donnees/lieux.json", "donnees/lieux.geojson"] {
        let data = file(path);
        assert!(
            !data.contains("fermeture") && !data.contains("Travaux dans la salle"),
            "{path}"
        );
    }
}

#[test]
fn closures_are_checked_with_positions() {
    let (_guard, root) = site_copy(FIXTURE);
    let path = root.join("content/lieux/espace-numerique-delle.md");
    let text = read_text(&path).replace("au: 2026-12-31", "au: 2026-10-31");
    std::fs::write(&path, text).unwrap();
    let run = check(&root, None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "content/lieux/espace-numerique-delle.md:16:7: erreur: la fermeture se termine (2026-10-31) avant de commencer (2026-11-01)"
        ),
        "{}",
        run.stdout
    );
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn partners_can_edit_a_listing_or_report_an_error() {
    let html = file("lieux/france-services-belfort/index.html");
    let hrefs = attribute_values(&html, &["href"]);
    assert!(hrefs.contains(
        &"https://forge.example.org/annuaire/edit/main/content/lieux/france-services-belfort.md".to_string()
    ));
    let mailto = hrefs
        .iter()
        .find(|h| h.starts_with("mailto:annuaire-test@example.org?"))
        .unwrap();
    let decoded = percent_decode(mailto);
    for part in [
        "France Services de Belfort",
        "france-services-belfort",
        "https://exemple.fr/annuaire/lieux/france-services-belfort/",
    ] {
        assert!(decoded.contains(part), "{part} missing from {decoded}");
    }
    assert!(text_of(&html).contains("Modifier cette fiche Signaler une erreur"));
}

#[test]
fn the_contribution_guide_lists_every_field_and_allowed_value() {
    let text = text_of(&file("contribuer/index.html"));
    assert!(text.contains("Proposez vos fiches par une pull request"), "{text}");
    for field in &annuaire::schema::schema().fields {
        assert!(
            text.contains(&format!("{} : {}", field.name, field.title)),
            "{}",
            field.name
        );
        if let Some(vocabulary) = field.vocabulary {
            for v in &vocabulary.values {
                assert!(text.contains(&v.value), "{}: {}", field.name, v.value);
                assert!(text.contains(&v.label), "{}: {}", field.name, v.label);
            }
        }
    }
    assert!(text.contains("fermeture_temporaire : Fermeture temporaire"));
}

#[test]
fn the_dashboard_is_linked_from_every_page_and_in_the_sitemap() {
    let sitemap = file("sitemap.xml");
    assert!(sitemap.contains("https://exemple.fr/annuaire/tableau-de-bord/</loc>"));
    assert!(sitemap.contains("https://exemple.fr/annuaire/tableau-de-bord/communes/</loc>"));
    assert!(file("index.html").contains("/annuaire/tableau-de-bord/"));
    let links = attribute_values(&file("tableau-de-bord/index.html"), &["href"]);
    for csv in [
        "donnees/tableau-de-bord-communes.csv",
        "donnees/tableau-de-bord-intercommunalites.csv",
        "donnees/tableau-de-bord-lieux.csv",
    ] {
        assert!(links.contains(&format!("{BASE_PATH}{csv}")), "{csv}");
        assert!(site().contains_key(csv));
    }
}
