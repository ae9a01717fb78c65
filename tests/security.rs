//! Hostile content: markup in every free field and in Markdown is shown as
//! text or removed, never run, on every page of the site.

mod common;

use common::*;
use regex::Regex;
use std::sync::LazyLock;

/// A tag's name and its attributes, each with its value if it has one.
type StartTag = (String, Vec<(String, Option<String>)>);

/// Start tags of a page: name and attributes (value decoded), read one
/// attribute after the other so that text inside a quoted value never
/// passes for an attribute.
fn start_tags(html: &str) -> Vec<StartTag> {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?s)<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>"#).unwrap());
    static ATTR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#).unwrap());
    TAG.captures_iter(html)
        .map(|t| {
            let attrs = ATTR
                .captures_iter(&t[2])
                .map(|a| {
                    let value = a.get(2).or(a.get(3)).or(a.get(4)).map(|v| decode_entities(v.as_str()));
                    (a[1].to_ascii_lowercase(), value)
                })
                .collect();
            (t[1].to_ascii_lowercase(), attrs)
        })
        .collect()
}

const FORBIDDEN_IN_CONTENT: &[&str] = &[
    "script", "iframe", "object", "embed", "svg", "math", "style", "form", "img", "input",
];

fn xss_site() -> &'static std::collections::BTreeMap<String, Vec<u8>> {
    static TREE: std::sync::OnceLock<std::collections::BTreeMap<String, Vec<u8>>> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("public");
        let run = build(&fixture("xss"), &out);
        assert_eq!(run.code, 0, "{}", run.stderr);
        read_tree(&out)
    })
}

#[test]
fn no_page_runs_or_loads_anything_from_content() {
    let scheme = Regex::new(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):").unwrap();
    // A title's content is text (RCDATA): only `</title>` ends it.
    let title = Regex::new(r"(?s)<title>(.*?)</title>").unwrap();
    for (path, html) in html_files(xss_site()) {
        let titles: Vec<&str> = title.captures_iter(&html).map(|c| c.get(1).unwrap().as_str()).collect();
        assert_eq!(titles.len(), 1, "{path}: one <title>, its end not forged");
        let html = title.replace(&html, "<title></title>").into_owned();
        for (tag, attrs) in start_tags(&html) {
            for (name, value) in &attrs {
                assert!(!name.starts_with("on"), "{path}: <{tag} {name}=…>");
                assert_ne!(name, "style", "{path}: <{tag} style=…>");
                if matches!(name.as_str(), "href" | "src" | "action" | "formaction" | "xlink:href") {
                    let value = value.clone().unwrap_or_default();
                    if let Some(s) = scheme.captures(&value) {
                        let s = s[1].to_ascii_lowercase();
                        assert!(
                            matches!(s.as_str(), "https" | "mailto" | "tel"),
                            "{path}: <{tag} {name}=\"{value}\">"
                        );
                    }
                    assert!(!value.starts_with("//"), "{path}: scheme-relative {value}");
                }
            }
            if tag == "script" {
                let src = attrs.iter().find(|(n, _)| n == "src").and_then(|(_, v)| v.clone());
                assert!(
                    src.as_deref().is_some_and(|s| s.starts_with("/annuaire/static/")),
                    "{path}: a script not from the site's static files: {src:?}"
                );
            }
            assert!(
                !matches!(tag.as_str(), "iframe" | "object" | "embed" | "svg" | "math" | "style"),
                "{path}: <{tag}>"
            );
        }
        // Every script element is empty: its code comes from a file.
        let scripts = start_tags(&html).iter().filter(|(t, _)| t == "script").count();
        assert_eq!(html.matches("></script>").count(), scripts, "{path}: inline script");
    }
}

#[test]
fn sanitized_markdown_keeps_only_safe_structure() {
    let tree = xss_site();
    let place = String::from_utf8(tree["lieux/xss-partout/index.html"].clone()).unwrap();
    let start = place
        .find("class=\"bloc presentation\"")
        .expect("the presentation is rendered");
    let section = &place[start..start + place[start..].find("</section>").unwrap()];
    for (tag, _) in start_tags(section) {
        assert!(
            !FORBIDDEN_IN_CONTENT.contains(&tag.as_str()),
            "<{tag}> in the presentation"
        );
    }
    let hrefs: Vec<String> = attribute_values(section, &["href"]);
    assert_eq!(
        hrefs,
        ["https://exemple.fr/", "mailto:a@exemple.fr", "tel:+33559000000"]
    );
    assert!(
        !section.contains("evil.example"),
        "remote image and scheme-relative link are dropped"
    );
}

#[test]
fn hostile_names_show_as_text_everywhere() {
    let tree = xss_site();
    let place = String::from_utf8(tree["lieux/xss-partout/index.html"].clone()).unwrap();
    assert!(
        place.contains(
            "<h1>&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;&quot; onmouseover=&quot;window.__xss=1</h1>"
        ),
        "{place}"
    );
    assert!(
        place.contains("<title>&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;&quot; onmouseover"),
        "a title is text"
    );
    // Template syntax in content is text, not template.
    assert!(place.contains("{{ site.titre }} {% raw %} ${x} &lt;b&gt;gras&lt;/b&gt;"));
    // Data files carry the name as data.
    let geojson: serde_json::Value = serde_json::from_slice(&tree["donnees/lieux.geojson"]).unwrap();
    assert_eq!(
        geojson["features"][0]["properties"]["nom"],
        "</script><script>window.__xss=1</script>\" onmouseover=\"window.__xss=1"
    );
    let page = String::from_utf8(tree["a-propos/index.html"].clone()).unwrap();
    assert!(page.contains("<h1>&lt;/title&gt;&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;</h1>"));
    assert!(
        page.contains("<title>&lt;/title&gt;&lt;/script&gt;&lt;script&gt;"),
        "a forged end of title stays escaped"
    );
}

#[test]
fn check_warns_about_dropped_markup_with_its_line() {
    let run = check(&fixture("xss"), None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for line in [25, 27, 28, 29, 30, 31, 33, 34, 35, 38, 40, 41] {
        assert!(
            run.stdout.contains(&format!("content/lieux/xss-partout.md:{line}:")),
            "no warning on line {line}:\n{}",
            run.stdout
        );
    }
}
