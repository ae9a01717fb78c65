//! Properties of the front-matter parser and the renderer on arbitrary
//! input: they never panic, and a rendered page never holds a forbidden
//! tag, an event handler, a style attribute or a forbidden URL scheme.

use annuaire::pipeline::place_page_from_bytes;
use proptest::prelude::*;
use regex::Regex;
use std::sync::LazyLock;

const VALID_HEAD: &str = "---\nid: essai\npivot: \"12345678900012\"\nnom: Essai\nadresse: 1 rue\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\ndate_maj: 2026-01-01\n";

/// Checks a rendered page, reading start tags with quoted values as a whole.
fn assert_safe(html: &str) {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?s)<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>"#).unwrap());
    static ATTR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#).unwrap());
    static TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<title>.*?</title>").unwrap());
    let html = TITLE.replace(html, "<title></title>");
    for tag in TAG.captures_iter(&html) {
        let name = tag[1].to_ascii_lowercase();
        assert!(
            ![
                "iframe", "object", "embed", "svg", "math", "style", "form", "img", "input"
            ]
            .contains(&name.as_str()),
            "<{name}> in {html}"
        );
        for attr in ATTR.captures_iter(&tag[2]) {
            let key = attr[1].to_ascii_lowercase();
            assert!(!key.starts_with("on") && key != "style", "<{name} {key}> in page");
            let value = attr
                .get(2)
                .or(attr.get(3))
                .or(attr.get(4))
                .map(|v| v.as_str().to_ascii_lowercase());
            if key == "href" || key == "src" {
                let value = value.unwrap_or_default();
                let value = value.trim();
                if let Some((scheme, _)) = value.split_once(':')
                    && !scheme.contains(['/', '?', '#'])
                {
                    assert!(["https", "mailto", "tel"].contains(&scheme), "{key}={value}");
                }
                assert!(!value.starts_with("//"), "{key}={value}");
            }
        }
        if name == "script" {
            assert!(tag[2].contains("src="), "inline script");
        }
    }
}

fn markdown_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x]( JaVaScRiPt:alert(1))".to_string()),
        Just("[x](//evil.fr)".to_string()),
        Just("[x](data:text/html,<script>)".to_string()),
        Just("<a href=\"https://a.fr\" onclick=\"x\">a</a>".to_string()),
        Just("<svg><g onload=alert(1)>".to_string()),
        Just("<style>*{}</style>".to_string()),
        Just("> ".to_string()),
        Just("- ".to_string()),
        Just("**".to_string()),
        Just("`".to_string()),
        Just("\n\n".to_string()),
        Just("](".to_string()),
        Just("<!-- -->".to_string()),
        "[ -~éà<>\"'&\n]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any bytes: a page or diagnostics, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = place_page_from_bytes(&bytes);
    }

    /// Front matter made of plausible YAML pieces: never a panic.
    #[test]
    fn yaml_like_input_never_panics(lines in proptest::collection::vec(
        prop_oneof![
            Just("nom: x".to_string()), Just("- a".to_string()), Just("  - b".to_string()), Just("a: &x [1]".to_string()),
            Just("b: *x".to_string()), Just("c: {d: e}".to_string()), Just("\t- tab".to_string()), Just("? k".to_string()),
            Just("services: [".to_string()), Just("\"".to_string()), Just("horaires: Mo-Fr 09:00-12:00".to_string()),
            Just("latitude: 1e999".to_string()), Just("---".to_string()), "[ -~]{0,30}",
        ], 0..20)) {
        let text = format!("---\n{}\n---\n", lines.join("\n"));
        let _ = place_page_from_bytes(text.as_bytes());
    }

    /// A valid place with hostile Markdown and names renders safely.
    #[test]
    fn rendered_pages_never_hold_forbidden_markup(
        pieces in proptest::collection::vec(markdown_piece(), 0..30),
        name in "[<>\"'&a-z /=]{1,40}",
    ) {
        let file = format!("{}nom_affiche: ignore\n---\n{}\n", VALID_HEAD, pieces.concat())
            .replace("nom_affiche: ignore\n", "")
            .replace("nom: Essai", &format!("nom: \"{}\"", name.replace('\\', "").replace('"', "\\\"")));
        if let Ok(html) = place_page_from_bytes(file.as_bytes()) {
            assert_safe(&html);
        }
    }
}

#[test]
fn the_valid_head_renders() {
    let html = place_page_from_bytes(format!("{VALID_HEAD}---\nTexte.\n").as_bytes()).unwrap();
    assert!(html.contains("<h1>Essai</h1>"));
    assert_safe(&html);
}

#[test]
fn the_checker_catches_unsafe_markup() {
    for bad in [
        "<p onclick=x>",
        "<a href=javascript:x>",
        "<script>x</script>",
        "<div style=\"x\">",
        "<a href=\"//e.fr\">",
    ] {
        assert!(std::panic::catch_unwind(|| assert_safe(bad)).is_err(), "{bad}");
    }
}
