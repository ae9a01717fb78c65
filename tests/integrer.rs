//! `integrer/`: the views a département puts in an `<iframe>` of its own
//! site, and the page that gives their code. Links, inline scripts and
//! styles of these pages are checked with every other page by build.rs.

mod common;

use common::*;

fn page(path: &str) -> String {
    let bytes = minimal_tree()
        .get(path)
        .unwrap_or_else(|| panic!("{path} is not built"));
    String::from_utf8(bytes.clone()).unwrap()
}

/// The text of a `<pre>` code block, as a person copies it.
fn code_blocks(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?s)<pre class=code><code>(.*?)</code></pre>").unwrap();
    re.captures_iter(html).map(|c| decode_entities(&c[1])).collect()
}

#[test]
fn every_commune_has_an_embeddable_view() {
    let tree = minimal_tree();
    let views: Vec<&String> = tree
        .keys()
        .filter(|p| p.starts_with("integrer/communes/") && p.ends_with("/index.html"))
        .collect();
    assert_eq!(views.len(), COMMUNES_64);
    for view in &views {
        let full = view.strip_prefix("integrer/").unwrap();
        assert!(tree.contains_key(full), "{view} has no matching {full}");
    }
    let pau = page("integrer/communes/64445-pau/index.html");
    assert!(pau.contains("France Services de Pau"), "{pau}");
    assert!(pau.contains("Médiathèque André-Labarrère"));
    // A commune without a place shows the nearest ones, with distances.
    let aast = page("integrer/communes/64001-aast/index.html");
    assert!(aast.contains("Les lieux les plus proches"), "{aast}");
    assert!(aast.contains(" km</span>"), "{aast}");
}

#[test]
fn embedded_views_are_light_and_keep_the_site_rules() {
    let meta = regex::Regex::new(r"<meta [^>]*>").unwrap();
    for path in [
        "integrer/recherche/index.html",
        "integrer/carte/index.html",
        "integrer/communes/64445-pau/index.html",
    ] {
        let html = page(path);
        assert!(
            meta.find_iter(&html)
                .any(|m| attribute_values(m.as_str(), &["name"]) == ["robots"]
                    && attribute_values(m.as_str(), &["content"]) == ["noindex"]),
            "{path}: search engines index the full pages instead"
        );
        assert!(!html.contains("class=menu"), "{path}: no site menu inside a frame");
        assert!(
            !html.contains("hors-ligne.js"),
            "{path}: no service worker from a frame"
        );
        let scripts = attribute_values(&html, &["src"]);
        assert!(
            scripts.contains(&format!("{BASE_PATH}static/js/integrer.js")),
            "{path}: the height script"
        );
        // No <base target>: the skip link and the search form stay in the frame.
        assert!(!html.contains("<base"), "{path}");
        assert!(html.contains("Aller au contenu"), "{path}");
        assert_eq!(html.matches("<h1>").count(), 1, "{path}");
        // The « new tab » note shows only when the script makes it true.
        assert!(html.contains("<span hidden id=integre-onglet>"), "{path}");
    }
    let search = page("integrer/recherche/index.html");
    let form = regex::Regex::new(r"<form [^>]*>")
        .unwrap()
        .find(&search)
        .unwrap()
        .as_str()
        .to_string();
    assert_eq!(
        attribute_values(&form, &["action"]),
        [format!("{BASE_PATH}integrer/recherche/")],
        "the search stays in the frame"
    );
    assert!(
        attribute_values(&search, &["href"]).contains(&format!("{BASE_PATH}recherche/")),
        "a link for readers without JavaScript"
    );
    let map = page("integrer/carte/index.html");
    assert_eq!(
        attribute_values(&map, &["data-geojson"]),
        [format!("{BASE_PATH}donnees/lieux.geojson")]
    );
    assert!(attribute_values(&map, &["src"]).contains(&format!("{BASE_PATH}static/js/carte.js")));
    // The full search page keeps its own action.
    let full = page("recherche/index.html");
    let form = regex::Regex::new(r"<form [^>]*>")
        .unwrap()
        .find(&full)
        .unwrap()
        .as_str()
        .to_string();
    assert_eq!(attribute_values(&form, &["action"]), [format!("{BASE_PATH}recherche/")]);
    // The sitemap lists the full pages only.
    assert!(!page("sitemap.xml").contains("integrer/"));
}

#[test]
fn builder_page_gives_iframe_code_with_a_title() {
    let html = page("integrer/index.html");
    let blocks = code_blocks(&html);
    let iframes: Vec<&String> = blocks.iter().filter(|b| b.starts_with("<iframe ")).collect();
    assert_eq!(iframes.len(), 3, "search, map and one commune: {blocks:#?}");
    let attr = regex::Regex::new(r#"(\w[\w-]*)(?:="([^"]*)")?"#).unwrap();
    for code in &iframes {
        let attrs: std::collections::BTreeMap<String, String> = attr
            .captures_iter(code.trim_start_matches("<iframe ").split('>').next().unwrap())
            .map(|c| {
                (
                    c[1].to_string(),
                    c.get(2).map(|m| m.as_str().to_string()).unwrap_or_default(),
                )
            })
            .collect();
        let src = &attrs["src"];
        assert!(src.starts_with(&format!("{BASE_URL}integrer/")), "{code}");
        let file = file_for_url_path(&src["https://exemple.fr".len()..]).unwrap();
        assert!(minimal_tree().contains_key(&file), "{src} is not built");
        assert!(attrs["title"].len() > 10, "a title says what the frame holds: {code}");
        assert!(attrs.contains_key("data-annuaire"), "{code}");
        assert!(code.ends_with("></iframe>"), "{code}");
    }
    assert!(
        iframes[2].contains("integrer/communes/64445-pau/"),
        "the example is the commune with most places"
    );
    // The host's script trusts only the directory's origin.
    let host = blocks
        .iter()
        .find(|b| b.starts_with("<script>"))
        .expect("the host script");
    assert!(host.contains("e.origin !== \"https://exemple.fr\""), "{host}");
    assert!(host.contains("e.data.annuaire !== \"hauteur\""), "{host}");
    assert!(host.contains("iframe[data-annuaire]"), "{host}");
    // The builder form: every commune, shown by the script only.
    let form = regex::Regex::new(r"<form [^>]*>")
        .unwrap()
        .find(&html)
        .unwrap()
        .as_str()
        .to_string();
    assert_eq!(attribute_values(&form, &["id"]), ["integrer-generateur"]);
    assert!(form.contains(" hidden"), "the builder form needs its script: {form}");
    assert_eq!(html.matches("<option ").count(), COMMUNES_64 + 3);
    // Reachable from every page.
    assert!(attribute_values(&page("index.html"), &["href"]).contains(&format!("{BASE_PATH}integrer/")));
}
