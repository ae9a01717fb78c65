//! `annuaire build` on the minimal fixture, published under a sub-folder
//! (`https://exemple.fr/annuaire/`): expected files, key page fragments,
//! links, sitemap, no inline script or style; atomic writes; determinism.

mod common;

use common::*;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

const PLACES: [&str; 4] = [
    "ccas-anglet",
    "cyberbase-bayonne",
    "france-services-pau",
    "mediatheque-andre-labarrere-pau",
];

/// Codes INSEE and EPCI of every commune of département 64, from the reference data.
fn communes_64() -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(repo_root().join("data/territoires/communes.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code, nom, dep, epci) = (col("code_insee"), col("nom"), col("departement"), col("epci_siren"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[dep] == "64")
        .map(|r| (r[code].to_string(), r[nom].to_string(), r[epci].to_string()))
        .collect()
}

fn page(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(tree.get(path).unwrap_or_else(|| panic!("{path} is missing")).clone()).unwrap()
}

/// From the element with this id (a section's heading) to the end of its
/// section, the id quoted or not (the minifier drops quotes it can).
fn section_from<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .or_else(|| html.find(&format!("id={id}>")))
        .unwrap_or_else(|| panic!("no element #{id}"));
    html[start..].split("</section>").next().unwrap_or_default()
}

/// The text of an HTML fragment without its tags, spaces collapsed.
fn text_of(html: &str) -> String {
    static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());
    let text = decode_entities(&TAGS.replace_all(html, " "));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn build_writes_every_expected_file() {
    let (run, tree) = minimal_site();
    assert!(run.stderr.contains("Site construit dans"), "{}", run.stderr);
    assert!(run.stderr.contains("4 lieux"), "{}", run.stderr);
    for path in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "lieux/index.html",
        "departements/64/index.html",
        "donnees/lieux.csv",
        "donnees/lieux.json",
        "donnees/lieux.geojson",
        "a-propos/index.html",
        "static/site.css",
        "static/couleurs.css",
        "communes/64445-pau/index.html",
        "communes/64102-bayonne/index.html",
        "communes/64024-anglet/index.html",
        "communes/64422-oloron-sainte-marie/index.html",
    ] {
        assert!(tree.contains_key(path), "{path} is missing");
    }
    for id in PLACES {
        assert!(
            tree.contains_key(&format!("lieux/{id}/index.html")),
            "no page for place {id}"
        );
    }
    let lieux_dirs: BTreeSet<&str> = tree
        .keys()
        .filter_map(|p| p.strip_prefix("lieux/"))
        .filter_map(|p| p.strip_suffix("/index.html"))
        .collect();
    assert_eq!(
        lieux_dirs,
        PLACES.into_iter().collect::<BTreeSet<&str>>(),
        "one page per place, no more"
    );

    // Every commune of the département has its page, named <code>-<slug>.
    let communes = communes_64();
    assert_eq!(communes.len(), COMMUNES_64);
    let commune_dirs: Vec<&str> = tree
        .keys()
        .filter_map(|p| p.strip_prefix("communes/"))
        .filter_map(|p| p.strip_suffix("/index.html"))
        .collect();
    assert_eq!(
        commune_dirs.len(),
        COMMUNES_64,
        "one page per commune of département 64"
    );
    let slug = Regex::new(r"^[0-9][0-9ab]\d{3}-[a-z0-9]+(-[a-z0-9]+)*$").unwrap();
    for (code, nom, _) in &communes {
        let matching: Vec<_> = commune_dirs
            .iter()
            .filter(|d| d.starts_with(&format!("{code}-")))
            .collect();
        assert_eq!(matching.len(), 1, "commune {code} {nom}: {matching:?}");
        assert!(
            slug.is_match(matching[0]),
            "commune page folder {} is not a clean slug",
            matching[0]
        );
    }
    // Every intercommunalité of these communes has its page.
    let sirens: BTreeSet<&str> = communes
        .iter()
        .map(|(_, _, e)| e.as_str())
        .filter(|e| !e.is_empty())
        .collect();
    assert!(sirens.contains("200067254"), "CA Pau Béarn Pyrénées");
    for siren in &sirens {
        assert!(
            tree.contains_key(&format!("intercommunalites/{siren}/index.html")),
            "no page for EPCI {siren}"
        );
    }
    // Every service offered by at least one place has its page, and only those.
    let services: BTreeSet<String> = tree
        .keys()
        .filter(|p| p.starts_with("services/") && p.ends_with("/index.html"))
        .cloned()
        .collect();
    let offered: BTreeSet<String> = std::fs::read_dir(fixture("minimal").join("content/lieux"))
        .unwrap()
        .flat_map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let services = text.split("services:\n").nth(1).unwrap_or("").to_string();
            services
                .lines()
                .take_while(|l| l.starts_with("  - "))
                .map(|l| {
                    format!(
                        "services/{}/index.html",
                        annuaire::text::slugify(l.trim_start_matches("  - ").trim_matches('"'))
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!offered.is_empty());
    assert_eq!(services, offered);
}

#[test]
fn place_page_shows_contact_hours_and_actions() {
    let tree = minimal_tree();
    let html = page(tree, "lieux/mediatheque-andre-labarrere-pau/index.html");
    assert!(
        Regex::new(r"<h1[^>]*>Médiathèque André-Labarrère</h1>")
            .unwrap()
            .is_match(&html),
        "{html}"
    );
    assert!(
        Regex::new(r"<title>Médiathèque André-Labarrère, Pau – ")
            .unwrap()
            .is_match(&html)
    );
    assert!(
        html.contains("Bibliothèque / Médiathèque"),
        "the typology code BIB is shown by its label"
    );

    // Phone: dialable link, displayed the French way.
    // No-break spaces keep the number on one line.
    let tel = Regex::new("<a [^>]*href=\"?tel:\\+33559271572\"?[^>]*>05\u{a0}59\u{a0}27\u{a0}15\u{a0}72</a>").unwrap();
    assert!(tel.is_match(&html), "tel: link displayed as 05 59 27 15 72:\n{html}");

    // The week, row by row: "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off".
    let row = Regex::new(r"(?s)<tr[^>]*>\s*<th[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*</tr>").unwrap();
    let rows: Vec<(String, String)> = row
        .captures_iter(&html)
        .map(|c| (text_of(&c[1]), text_of(&c[2])))
        .collect();
    let week = |s: &str| s.to_string();
    assert_eq!(
        rows,
        vec![
            (week("Lundi"), week("9 h – 12 h, 14 h – 17 h")),
            (week("Mardi"), week("9 h – 12 h, 14 h – 17 h")),
            (week("Mercredi"), week("9 h – 12 h, 14 h – 17 h")),
            (week("Jeudi"), week("9 h – 12 h, 14 h – 17 h")),
            (week("Vendredi"), week("9 h – 12 h, 14 h – 17 h")),
            (week("Samedi"), week("9 h – 12 h")),
            (week("Dimanche"), week("Fermé")),
        ]
    );
    assert!(text_of(&html).contains("Fermé les jours fériés."));

    // Update date in French, with its machine-readable form.
    let time = Regex::new(r#"<time [^>]*datetime="?2026-09-15"?[^>]*>15 septembre 2026</time>"#).unwrap();
    assert!(time.is_match(&html), "{html}");
    assert!(text_of(&html).contains("Fiche mise à jour le 15 septembre 2026"));
    let first_of_month = page(tree, "lieux/france-services-pau/index.html");
    assert!(
        text_of(&first_of_month).contains("Fiche mise à jour le 1er juin 2026"),
        "1er for the first day of the month"
    );

    // « Modifier cette fiche » goes to the web editor of this very file;
    // « Signaler une erreur » writes to the contact address about this place.
    let link = |label: &str| -> String {
        let re = Regex::new(&format!(r#"<a [^>]*href=("[^"]*"|'[^']*'|[^\s>]+)[^>]*>{label}</a>"#)).unwrap();
        let caps = re
            .captures(&html)
            .unwrap_or_else(|| panic!("no « {label} » link:\n{html}"));
        decode_entities(caps[1].trim_matches(|c| c == '"' || c == '\''))
    };
    assert_eq!(
        link("Modifier cette fiche"),
        "https://forge.example.org/annuaire/edit/main/content/lieux/mediatheque-andre-labarrere-pau.md"
    );
    let report = link("Signaler une erreur");
    assert!(
        report.starts_with("mailto:annuaire-test@example.org?subject="),
        "{report}"
    );
    assert!(
        report.contains("mediatheque-andre-labarrere-pau"),
        "the report names the place: {report}"
    );
    assert!(
        report.contains("https%3A%2F%2Fexemple.fr%2Fannuaire%2Flieux%2Fmediatheque-andre-labarrere-pau%2F"),
        "{report}"
    );
    assert!(!report.contains(' '), "the mailto URL is percent-encoded: {report}");

    // The Markdown body, rendered.
    assert!(html.contains("<strong>ateliers collectifs</strong>"), "{html}");
    // The other place of the same commune is listed.
    assert!(text_of(&html).contains("Autres lieux à Pau"));
    assert!(html.contains("/annuaire/lieux/france-services-pau/"));
}

#[test]
fn place_without_coordinates_or_hours_is_still_complete() {
    let tree = minimal_tree();
    let html = page(tree, "lieux/cyberbase-bayonne/index.html");
    let text = text_of(&html);
    assert!(text.contains("Cyberbase de Bayonne"));
    assert!(
        text.contains("05 59 15 10 91"),
        "a phone written 05.59.15.10.91 is displayed with spaces"
    );
    assert!(html.contains("tel:+33559151091"));
    assert!(
        text.contains("Horaires non renseignés : appelez avant de venir."),
        "{text}"
    );
    assert!(!html.contains("openstreetmap.org"), "no map link without coordinates");
    assert!(
        text.contains("n'a pas été mise à jour depuis le 10 mars 2025"),
        "stale listing warns residents: {text}"
    );
}

#[test]
fn commune_without_place_lists_the_nearest_with_distances() {
    let tree = minimal_tree();
    let html = page(tree, "communes/64422-oloron-sainte-marie/index.html");
    let text = text_of(&html);
    assert!(
        text.contains("Il n'y a pas encore de lieu à Oloron-Sainte-Marie."),
        "{text}"
    );
    assert!(text.contains("Les lieux les plus proches"));
    // Nearest first, distances from the commune's reference point, in French.
    let card = Regex::new(r#"(?s)<li class="?carte"?>.*?</li>"#).unwrap();
    let cards: Vec<String> = card.find_iter(&html).map(|m| text_of(m.as_str())).collect();
    let expected = [
        ("Médiathèque André-Labarrère", "à 24 km"),
        ("France Services de Pau", "à 25 km"),
        ("Cyberbase de Bayonne", "à 86 km"),
        ("CCAS d'Anglet", "à 89 km"),
    ];
    assert_eq!(cards.len(), expected.len(), "{cards:#?}");
    for (card, (name, distance)) in cards.iter().zip(expected) {
        assert!(
            card.starts_with(name) && card.contains(distance),
            "expected {name} {distance}, got: {card}"
        );
    }
    // A commune with places lists them instead.
    let pau = text_of(&page(tree, "communes/64445-pau/index.html"));
    assert!(pau.contains("2 lieux à Pau"), "{pau}");
    assert!(!pau.contains(" km"), "{pau}");
    // Distances under 10 km get a decimal comma.
    let lons = text_of(&page(tree, "communes/64348-lons/index.html"));
    assert!(Regex::new(r"à \d,\d km").unwrap().is_match(&lons), "{lons}");
}

/// Every internal link (`href`/`src`) of every HTML page of `tree` that
/// does not lead to an output file (folder URL → its `index.html`), or
/// whose `#fragment` names no `id` of the target page. Root-relative links
/// must stay under the base path. Returns the problems and the number of
/// links checked.
fn broken_internal_links(tree: &BTreeMap<String, Vec<u8>>) -> (BTreeSet<String>, usize) {
    let pages = html_files(tree);
    let ids_of: HashMap<&str, std::collections::HashSet<String>> = pages.iter().map(|(p, h)| (*p, ids(h))).collect();
    let mut checked = 0usize;
    let mut broken = BTreeSet::new();
    for (path, html) in &pages {
        for url in attribute_values(html, &["href", "src"]) {
            let lower = url.to_ascii_lowercase();
            if ["https://", "http://", "mailto:", "tel:"]
                .iter()
                .any(|scheme| lower.starts_with(scheme))
            {
                continue;
            }
            let (without_fragment, fragment) = match url.split_once('#') {
                Some((u, f)) => (u, Some(f)),
                None => (url.as_str(), None),
            };
            let without_query = without_fragment.split('?').next().unwrap();
            let target = if without_query.is_empty() {
                Some(path.to_string())
            } else if without_query.starts_with('/') {
                // Root-relative links must stay under the base path, or they
                // break when the site is published in a sub-folder.
                file_for_url_path(without_query)
            } else {
                // A relative link, resolved against the page's folder.
                let mut parts: Vec<&str> = path.split('/').collect();
                parts.pop();
                for segment in without_query.split('/') {
                    match segment {
                        "." | "" => {}
                        ".." => {
                            parts.pop();
                        }
                        other => parts.push(other),
                    }
                }
                let trailing = if without_query.ends_with('/') { "/" } else { "" };
                file_for_url_path(&format!("{BASE_PATH}{}{trailing}", parts.join("/")))
            };
            checked += 1;
            match target {
                Some(file) if tree.contains_key(&file) => {
                    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                        let known = ids_of.get(file.as_str()).is_some_and(|ids| ids.contains(fragment));
                        if !known {
                            broken.insert(format!("{path}: {url} (no id « {fragment} » in {file})"));
                        }
                    }
                }
                Some(file) => {
                    broken.insert(format!("{path}: {url} → {file} does not exist"));
                }
                None => {
                    broken.insert(format!("{path}: {url} is outside {BASE_PATH}"));
                }
            }
        }
    }
    (broken, checked)
}

fn report(broken: &BTreeSet<String>) -> String {
    format!(
        "{} broken internal links:\n{}",
        broken.len(),
        broken.iter().cloned().collect::<Vec<_>>().join("\n")
    )
}

#[test]
fn every_internal_link_resolves_to_a_file() {
    let tree = minimal_tree();
    assert!(html_files(tree).len() > COMMUNES_64);
    let (broken, checked) = broken_internal_links(tree);
    assert!(checked > 10 * COMMUNES_64, "only {checked} internal links checked");
    assert!(broken.is_empty(), "{}", report(&broken));
}

#[test]
fn the_link_checker_catches_broken_links() {
    // Guards the test above: a page whose Markdown links nowhere.
    let (guard, root) = site_copy("minimal");
    std::fs::write(
        root.join("content/pages/liens.md"),
        "---\ntitre: Liens\n---\n[a](/nulle-part/) [b](/donnees/lieux.csv) [c](../lieux/absent/) [d](../lieux/ccas-anglet/) [e](#absent) [f](/#besoins) [g](/lieux/#inconnu)\n",
    )
    .unwrap();
    let out = guard.path().join("public");
    assert_eq!(build(&root, &out).code, 0);
    let (broken, _) = broken_internal_links(&read_tree(&out));
    let on_page: Vec<&String> = broken.iter().filter(|b| b.starts_with("liens/index.html: ")).collect();
    assert_eq!(
        on_page,
        [
            "liens/index.html: #absent (no id « absent » in liens/index.html)",
            "liens/index.html: ../lieux/absent/ → lieux/absent/index.html does not exist",
            "liens/index.html: /annuaire/lieux/#inconnu (no id « inconnu » in lieux/index.html)",
            "liens/index.html: /annuaire/nulle-part/ → nulle-part/index.html does not exist",
        ],
        "{}",
        report(&broken)
    );
}

#[test]
fn demo_site_links_resolve_when_published_in_a_sub_folder() {
    // The demo's pages link to `/donnees/lieux.csv`: site-relative links in
    // Markdown must follow the base path.
    let dir = tempdir();
    let out = dir.path().join("public");
    let run = build(&repo_root(), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (broken, _) = broken_internal_links(&read_tree(&out));
    assert!(broken.is_empty(), "{}", report(&broken));
}

#[test]
fn sitemap_lists_every_page_under_the_base_url() {
    let tree = minimal_tree();
    let sitemap = page(tree, "sitemap.xml");
    assert!(
        sitemap.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let loc = Regex::new(r"<loc>([^<]*)</loc>").unwrap();
    // XML character references are decoded, as any XML reader does.
    let urls: Vec<String> = loc.captures_iter(&sitemap).map(|c| decode_entities(&c[1])).collect();
    let mut listed = BTreeSet::new();
    for url in &urls {
        assert!(url.starts_with(BASE_URL), "{url} is not under {BASE_URL}");
        let file = file_for_url_path(&format!("{BASE_PATH}{}", &url[BASE_URL.len()..])).unwrap();
        assert!(tree.contains_key(&file), "{url} → {file} does not exist");
        assert!(listed.insert(file), "{url} is listed twice");
    }
    // Every page but the offline page, which only the service worker shows,
    // and the embeddable views, copies of pages already listed.
    let pages: BTreeSet<String> = tree
        .keys()
        .filter(|p| p.ends_with("index.html") && !p.starts_with("hors-ligne/") && !p.starts_with("integrer/"))
        .cloned()
        .collect();
    let missing: Vec<_> = pages.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&pages).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not in the sitemap: {missing:?}; not a page: {extra:?}"
    );
    assert!(
        !urls.iter().any(|u| u.ends_with("404.html")),
        "the error page is not in the sitemap"
    );

    let robots = page(tree, "robots.txt");
    assert!(
        robots.lines().any(|l| l == format!("Sitemap: {BASE_URL}sitemap.xml")),
        "{robots}"
    );
}

#[test]
fn no_inline_script_or_style_attribute() {
    static SCRIPT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?is)<script\b([^>]*)>(.*?)</script\s*>").unwrap());
    let tree = minimal_tree();
    let lang = Regex::new(r#"^<html[^>]*\slang="?fr"?[\s>]"#).unwrap();
    let mut problems = Vec::new();
    for (path, html) in html_files(tree) {
        let lower = html.to_ascii_lowercase();
        // Scripts are progressive enhancements loaded from files (which the
        // link test checks), never inline: a strict CSP stays possible.
        for script in SCRIPT.captures_iter(&html) {
            let tag = format!("<script{}>", &script[1]);
            let src = attribute_values(&tag, &["src"]);
            let external = src.len() == 1 && src[0].starts_with(&format!("{BASE_PATH}static/"));
            // Structured data is not executed.
            let data = attribute_values(&tag, &["type"]).iter().any(|t| t.ends_with("ld+json"));
            if !(external || data) || (external && !script[2].trim().is_empty()) {
                problems.push(format!("{path}: inline <script{}>", &script[1]));
            }
        }
        if lower.matches("<script").count() != SCRIPT.find_iter(&html).count() {
            problems.push(format!("{path}: unclosed <script>"));
        }
        if !attribute_values(&html, &["style"]).is_empty() {
            problems.push(format!("{path}: style= attribute"));
        }
        let handlers = [
            "onclick",
            "onload",
            "onerror",
            "onsubmit",
            "onchange",
            "oninput",
            "onmouseover",
            "onfocus",
        ];
        if !attribute_values(&html, &handlers).is_empty() {
            problems.push(format!("{path}: on…= event handler"));
        }
        if !lower.starts_with("<!doctype html>") {
            problems.push(format!("{path}: no doctype"));
        }
        if !lang.is_match(&html["<!doctype html>".len().min(html.len())..]) {
            problems.push(format!("{path}: no lang=fr"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn home_and_territory_pages_have_their_content() {
    let tree = minimal_tree();
    let home = text_of(&page(tree, "index.html"));
    assert!(
        home.contains("Annuaire de test du numérique dans les Pyrénées-Atlantiques"),
        "{home}"
    );
    let departement = text_of(&page(tree, "departements/64/index.html"));
    assert!(departement.contains("Pyrénées-Atlantiques"), "{departement}");
    let epci = text_of(&page(tree, "intercommunalites/200067254/index.html"));
    assert!(
        epci.contains("Médiathèque André-Labarrère") && epci.contains("France Services de Pau"),
        "{epci}"
    );
    let lieux = text_of(&page(tree, "lieux/index.html"));
    for name in [
        "Médiathèque André-Labarrère",
        "France Services de Pau",
        "Cyberbase de Bayonne",
        "CCAS d'Anglet",
    ] {
        assert!(lieux.contains(name), "{name} missing from the list of places");
    }
    let not_found = page(tree, "404.html");
    assert!(text_of(&not_found).contains("Page introuvable"));
    // The 404 page is served from any depth: its links are root-relative.
    for url in attribute_values(&not_found, &["href", "src"]) {
        assert!(
            url.starts_with(BASE_PATH) || url.starts_with('#') || url.contains(':'),
            "404.html: {url}"
        );
    }
    let about = page(tree, "a-propos/index.html");
    assert!(
        Regex::new(r"<h1[^>]*>À propos</h1>").unwrap().is_match(&about),
        "{about}"
    );
}

#[test]
fn failed_build_leaves_the_previous_site_untouched() {
    let (guard, root) = site_copy("minimal");
    let parent = guard.path().join("sortie");
    let out = parent.join("public");
    let first = build(&root, &out);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = tree_fingerprint(&out);
    assert!(before.len() > COMMUNES_64);

    // Same site, same output folder, now with the broken files.
    copy_dir(&fixture("broken").join("content"), &root.join("content"));
    let second = build(&root, &out);
    assert_eq!(second.code, 1, "content errors fail the build:\n{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("content/lieux/fautes-de-frappe.md:11:1: erreur: champ inconnu « telephon »"),
        "{}",
        second.stderr
    );
    assert_eq!(
        tree_fingerprint(&out),
        before,
        "the previous site must be left byte for byte"
    );
    let beside: Vec<String> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["public"], "no temporary folder is left beside the output");
}

#[test]
fn two_builds_are_byte_identical() {
    // The shared build of the fixture, and a build of a copy of the site at
    // another path (to catch absolute paths leaking into the output).
    let ta = minimal_tree();
    let (guard, copy) = site_copy("minimal");
    let b = guard.path().join("public");
    assert_eq!(build(&copy, &b).code, 0);
    let tb = read_tree(&b);
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "same files"
    );
    let differing: Vec<&String> = ta
        .iter()
        .filter(|(p, bytes)| tb.get(*p) != Some(*bytes))
        .map(|(p, _)| p)
        .collect();
    assert!(differing.is_empty(), "files differ between two builds: {differing:?}");
}

/// Rendering in parallel must not show in the output: the demo built on
/// four threads and on one is the same, byte for byte.
#[test]
fn parallel_and_single_threaded_builds_are_identical() {
    let dir = tempdir();
    let root = repo_root();
    let mut trees = Vec::new();
    for jobs in ["1", "4"] {
        let out = dir.path().join(format!("public-{jobs}"));
        let run = annuaire(&[
            "build",
            "--root",
            path_arg(&root),
            "--output",
            path_arg(&out),
            "--jobs",
            jobs,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        trees.push(read_tree(&out));
    }
    assert!(trees[0].len() > 600);
    assert_eq!(trees[0].keys().collect::<Vec<_>>(), trees[1].keys().collect::<Vec<_>>());
    for (path, bytes) in &trees[0] {
        assert!(&trees[1][path] == bytes, "{path} differs");
    }
}

#[test]
fn a_guided_path_result_with_many_places_lists_them_by_commune() {
    let (_dir, root) = site_copy("minimal");
    let communes = PAYS_BASQUE_COMMUNES;
    // Past the number of cards a result page shows (60).
    let count = 70;
    add_paperwork_places(&root, count);
    let out = root.join("public");
    let run = build(&root, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tree = read_tree(&out);
    let html = page(&tree, "orientation/demarches/200067106/index.html");
    assert!(!html.contains("carte-titre"), "cards on a page of {count} places");
    let text = text_of(&html);
    // The minimal site has one place of its own in the agglomeration
    // offering this service: the CCAS d'Anglet.
    assert!(
        text.contains(&format!("{} lieux, commune par commune", count + 1)),
        "{text}"
    );
    assert!(text.contains("Anglet 25 Bayonne 23 Biarritz 23"), "{text}");
    for (k, (_, nom, _)) in communes.iter().enumerate() {
        let id = format!("commune-{}", k + 1);
        assert!(ids(&html).contains(&id), "no #{id}");
        assert!(html.contains(&format!("href=#{id}")) || html.contains(&format!("href=\"#{id}\"")));
        let section = section_from(&html, &id);
        let section = &section[section.find('>').unwrap() + 1..];
        assert!(text_of(section).starts_with(nom), "{id}: {}", text_of(section));
    }
    for n in 0..count {
        let link = format!("/lieux/aide-{n}/");
        let occurrences = html.matches(&link).count();
        // Once in its commune, and again among the places for seniors.
        let expected = if n % 10 == 0 { 2 } else { 1 };
        assert_eq!(occurrences, expected, "{link}");
    }
    assert!(text.contains("J'ai plus de 65 ans 7 lieux"), "{text}");
    assert!(
        text.contains("Point d'aide numéro 10 , 10 rue du Port, Bayonne"),
        "{text}"
    );
    let (broken, _) = broken_internal_links(&tree);
    assert!(broken.is_empty(), "{}", report(&broken));
}

/// Below the card limit, the places are cards, and each situation lists
/// those adapted to it as lines, not the same cards a second time.
#[test]
fn a_guided_path_result_lists_situations_as_lines_under_the_cards() {
    let (_dir, root) = site_copy("minimal");
    add_paperwork_places(&root, 12);
    let tree = read_tree(&build_into(&root, &root));
    let html = page(&tree, "orientation/demarches/200067106/index.html");
    let cards = html.split("carte-titre").count() - 1;
    // The twelve places, and the CCAS d'Anglet.
    assert_eq!(cards, 13, "{html}");
    let section = section_from(&html, "pour-seniors");
    assert!(!section.contains("carte"), "{section}");
    let text = text_of(section);
    // Places 0 and 10 say they welcome seniors.
    assert!(text.contains("Point d'aide numéro 0 , 0 rue du Port, Anglet"), "{text}");
    assert!(
        text.contains("Point d'aide numéro 10 , 10 rue du Port, Bayonne"),
        "{text}"
    );
    for n in 0..12 {
        let expected = if n % 10 == 0 { 2 } else { 1 };
        assert_eq!(html.matches(&format!("/lieux/aide-{n}/")).count(), expected, "aide-{n}");
    }
}

/// Moselle, Bas-Rhin and Haut-Rhin keep Good Friday and 26 December as
/// public holidays: the same hours with `PH off` close on those days in
/// Strasbourg, not in Anglet, in what the browser is given to say "open now".
#[test]
fn alsace_moselle_places_are_closed_on_their_own_public_holidays() {
    let (dir, root) = site_copy("minimal");
    let config =
        read_text(&root.join("annuaire.yaml")).replace(r#"departements: ["64"]"#, r#"departements: ["64", "67"]"#);
    std::fs::write(root.join("annuaire.yaml"), config).unwrap();
    write_place(
        &root,
        "epn-strasbourg",
        "EPN de Strasbourg",
        ("67000", "Strasbourg", "67482"),
        "",
    );
    write_place(&root, "epn-anglet", "EPN d'Anglet", ("64600", "Anglet", "64024"), "");
    let out = build_into(&root, dir.path());
    let (strasbourg, anglet) = (
        browser_schedule(&out, "epn-strasbourg"),
        browser_schedule(&out, "epn-anglet"),
    );
    for day in ["2027-03-26", "2026-12-26"] {
        assert_eq!(
            strasbourg["exceptions"][day],
            serde_json::json!([]),
            "Strasbourg, {day}"
        );
        assert!(
            anglet["exceptions"].get(day).is_none(),
            "Anglet, {day}: {}",
            anglet["exceptions"]
        );
    }
    // National holidays apply to both.
    for schedule in [&strasbourg, &anglet] {
        assert_eq!(schedule["exceptions"]["2026-12-25"], serde_json::json!([]));
    }
}

/// Writes a place open Monday to Saturday mornings (`PH off`) in the given
/// commune (postcode, name, code INSEE), with `extra` front matter.
fn write_place(
    root: &std::path::Path,
    id: &str,
    nom: &str,
    (postcode, commune, insee): (&str, &str, &str),
    extra: &str,
) {
    let text = format!(
        "---\nid: {id}\npivot: \"26640024100015\"\nnom: {nom}\nadresse: 1 rue de la Gare\ncode_postal: \"{postcode}\"\ncommune: {commune}\ncode_insee: \"{insee}\"\nhoraires: \"Mo-Sa 09:00-12:00; PH off\"\nservices:\n  - Aide aux démarches administratives\n{extra}date_maj: 2026-11-02\n---\nAccueil le matin.\n"
    );
    std::fs::write(root.join(format!("content/lieux/{id}.md")), text).unwrap();
}

/// What a place's page gives the browser to say "open now".
fn browser_schedule(out: &std::path::Path, id: &str) -> serde_json::Value {
    let html = read_text(&out.join(format!("lieux/{id}/index.html")));
    let values = attribute_values(&html, &["data-horaires"]);
    assert_eq!(values.len(), 1, "{id}: one schedule");
    serde_json::from_str(&values[0]).unwrap()
}

/// A place closed for a while (`fermeture_temporaire`) must not be called
/// open on those days: neither on its page nor in the search, where its
/// closure is said too.
#[test]
fn a_temporary_closure_closes_the_days_the_browser_is_given() {
    let (dir, root) = site_copy("minimal");
    // The build's date is 2026-11-18 (SOURCE_DATE_EPOCH).
    let closure = "fermeture_temporaire:\n  du: 2026-11-16\n  au: 2026-11-30\n  message: Travaux.\n";
    write_place(&root, "epn-ferme", "EPN fermé", ("64600", "Anglet", "64024"), closure);
    write_place(&root, "epn-ouvert", "EPN ouvert", ("64600", "Anglet", "64024"), "");
    let out = build_into(&root, dir.path());
    let (closed, open) = (
        browser_schedule(&out, "epn-ferme"),
        browser_schedule(&out, "epn-ouvert"),
    );
    for day in ["2026-11-18", "2026-11-24", "2026-11-30"] {
        assert_eq!(closed["exceptions"][day], serde_json::json!([]), "{day}");
        assert!(open["exceptions"].get(day).is_none(), "{day}");
    }
    for day in ["2026-11-17", "2026-12-01"] {
        assert!(
            closed["exceptions"].get(day).is_none(),
            "{day} is outside the closure or before the build"
        );
    }
    assert_eq!(closed["week"], open["week"], "the usual week stays");

    let index: serde_json::Value = serde_json::from_str(&read_text(&out.join("donnees/recherche/64.json"))).unwrap();
    let catalogue: serde_json::Value =
        serde_json::from_str(&read_text(&out.join("donnees/recherche/index.json"))).unwrap();
    let column = |name: &str| {
        catalogue["colonnes"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let row = |id: &str| {
        index["lieux"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row("epn-ferme")[column("horaires")], closed);
    assert_eq!(
        row("epn-ferme")[column("fermeture")],
        "Fermé temporairement jusqu'au 30 novembre 2026 inclus."
    );
    assert_eq!(row("epn-ouvert")[column("fermeture")], serde_json::Value::Null);
}
