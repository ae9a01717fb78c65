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
fn embedded_views_are_light_and_open_links_outside_the_frame() {
    for path in [
        "integrer/recherche/index.html",
        "integrer/carte/index.html",
        "integrer/communes/64445-pau/index.html",
    ] {
        let html = page(path);
        assert!(html.contains("<base target=_blank>"), "{path}: links leave the frame");
        assert!(
            html.contains("<meta name=robots content=noindex>"),
            "{path}: search engines index the full pages instead"
        );
        assert!(!html.contains("class=menu"), "{path}: no site menu inside a frame");
        assert!(!html.contains("hors-ligne.js"), "{path}: no service worker from a frame");
        assert!(
            html.contains(&format!("<script src={BASE_PATH}static/js/integrer.js defer>")),
            "{path}: the height script"
        );
        // The skip link stays in the frame.
        assert!(html.contains("href=#contenu target=_self"), "{path}");
        assert!(html.contains("<h1>"), "{path}");
    }
    let search = page("integrer/recherche/index.html");
    assert!(
        search.contains(&format!("action={BASE_PATH}integrer/recherche/ target=_self")),
        "the search stays in the frame: {search}"
    );
    assert!(search.contains(&format!("href={BASE_PATH}recherche/>")), "a link for readers without JavaScript");
    let map = page("integrer/carte/index.html");
    assert!(map.contains("data-geojson="), "{map}");
    assert!(map.contains("static/js/carte.js"));
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
            .map(|c| (c[1].to_string(), c.get(2).map(|m| m.as_str().to_string()).unwrap_or_default()))
            .collect();
        let src = &attrs["src"];
        assert!(src.starts_with(&format!("{BASE_URL}integrer/")), "{code}");
        let file = file_for_url_path(&src["https://exemple.fr".len()..]).unwrap();
        assert!(minimal_tree().contains_key(&file), "{src} is not built");
        assert!(attrs["title"].len() > 10, "a title says what the frame holds: {code}");
        assert!(attrs.contains_key("data-annuaire"), "{code}");
        assert!(code.ends_with("></iframe>"), "{code}");
    }
    assert!(iframes[2].contains("integrer/communes/64445-pau/"), "the example is the commune with most places");
    // The host's script trusts only the directory's origin.
    let host = blocks.iter().find(|b| b.starts_with("<script>")).expect("the host script");
    assert!(host.contains("e.origin !== \"https://exemple.fr\""), "{host}");
    assert!(host.contains("e.data.annuaire !== \"hauteur\""), "{host}");
    assert!(host.contains("iframe[data-annuaire]"), "{host}");
    // The builder form: every commune, shown by the script only.
    assert!(html.contains("<form id=integrer-generateur class=recherche hidden>"), "{html}");
    assert_eq!(html.matches("<option value=").count(), COMMUNES_64 + 3);
    // Reachable from every page.
    assert!(page("index.html").contains(&format!("href={BASE_PATH}integrer/>")));
}
