//! Markdown → safe HTML.
//!
//! Content comes from anyone who can open a pull request, so raw HTML is
//! dropped before rendering, and the rendered HTML goes through an allow-list
//! sanitizer (ammonia) that keeps only plain text structure and links with
//! `https:`, `mailto:`, `tel:` or site-relative URLs.

use crate::diagnostics::{Diagnostic, Position};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Renders Markdown. Headings are shifted so that the body's `#` becomes
/// `heading_base` (the page already has its own `h1`). Site-relative links
/// (`/donnees/lieux.csv`) are rewritten under `base_path`, so that they work
/// when the site is published in a sub-folder.
pub fn render(markdown: &str, heading_base: u8, base_path: &str) -> String {
    let shift = heading_base.saturating_sub(1);
    let parser = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: shift_heading(level, shift),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(shift_heading(level, shift)))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = match dest_url.strip_prefix('/') {
                Some(rest) if !rest.starts_with('/') => format!("{base_path}{rest}").into(),
                _ => dest_url,
            };
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        // Remote images would leak readers' addresses and weigh on their data plan.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitizer().clean(&html).to_string()
}

fn shift_heading(level: HeadingLevel, shift: u8) -> HeadingLevel {
    let n = (level as u8 + shift).min(6);
    HeadingLevel::try_from(n as usize).unwrap_or(HeadingLevel::H6)
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "strong",
            "em",
            "del",
            "ul",
            "ol",
            "li",
            "a",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "code",
            "pre",
            "hr",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::empty();
        b.tags(tags)
            .add_tag_attributes("a", ["href"])
            .add_tag_attributes("th", ["align"])
            .add_tag_attributes("td", ["align"])
            .url_schemes(["https", "mailto", "tel"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            // Scheme-relative URLs (`//host/…`) would leave the site while
            // looking relative: only path-relative links pass.
            .attribute_filter(|_, attribute, value| {
                if attribute == "href" && (value.starts_with("//") || value.contains('\\')) {
                    None
                } else {
                    Some(value.into())
                }
            })
            .strip_comments(true);
        b
    })
}

/// Whether the sanitizer keeps a link: allowed scheme, or a path on the site.
/// The scheme is read as a browser would (case and surrounding spaces
/// ignored), not searched as a substring.
pub fn is_allowed_link(url: &str) -> bool {
    let url = url.trim();
    if url.starts_with("//") || url.contains('\\') {
        return false;
    }
    match url.find(':') {
        Some(colon) if !url[..colon].contains(['/', '?', '#']) => {
            matches!(url[..colon].to_ascii_lowercase().as_str(), "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

/// Warnings about Markdown the renderer will drop, with their line.
/// Deepest nesting of blocks and inline spans accepted. Real presentations
/// use two or three levels; deep nesting only serves to make the sanitizer
/// (whose cost grows with the square of the depth) slow.
pub const MAX_DEPTH: usize = 16;
/// Most list items in one presentation.
pub const MAX_LIST_ITEMS: usize = 500;

pub fn lint(markdown: &str, first_line: u32, file: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut reported_lines = HashSet::new();
    let mut depth = 0usize;
    let mut items = 0usize;
    let position = |offset: usize| {
        let before = &markdown[..offset];
        let line = first_line + before.matches('\n').count() as u32;
        let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
        Position::new(line, column)
    };
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match &event {
            Event::Start(tag) => {
                depth += 1;
                if matches!(tag, Tag::Item) {
                    items += 1;
                }
                if depth > MAX_DEPTH {
                    out.push(
                        Diagnostic::error(
                            file,
                            position(range.start),
                            "imbrication",
                            format!("la présentation est imbriquée sur plus de {MAX_DEPTH} niveaux"),
                        )
                        .with_hint("simplifiez la mise en forme : des paragraphes et des listes simples suffisent"),
                    );
                    return out;
                }
                if items > MAX_LIST_ITEMS {
                    out.push(
                        Diagnostic::error(
                            file,
                            position(range.start),
                            "liste",
                            format!("la présentation compte plus de {MAX_LIST_ITEMS} éléments de liste"),
                        )
                        .with_hint("gardez l'essentiel ; les détails peuvent aller sur le site du lieu"),
                    );
                    return out;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        let (code, message, hint) = match event {
            Event::Html(_) | Event::InlineHtml(_) => (
                "html",
                "le HTML n'est pas permis dans la présentation : il sera retiré",
                "utilisez la mise en forme Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…)",
            ),
            Event::Start(Tag::Link { ref dest_url, .. }) if !is_allowed_link(dest_url) => (
                "lien",
                "ce lien sera retiré : seules les adresses https://, mailto:, tel: et les pages du site sont permises",
                "écrivez l'adresse complète en https://, par exemple [notre site](https://www.exemple.fr/)",
            ),
            Event::Start(Tag::Image { .. }) => (
                "image",
                "les images ne sont pas affichées dans la présentation",
                "décrivez en texte ce que montrait l'image",
            ),
            _ => continue,
        };
        let at = position(range.start);
        if reported_lines.insert((at.line, code)) {
            out.push(Diagnostic::warning(file, at, code, message).with_hint(hint));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_dangerous_links_are_removed() {
        let html = render(
            "# Titre\n\n<script>alert(1)</script>\n\nTexte <b onclick=x>gras</b> [a](javascript:alert(1)) [b](https://ok.fr) [c](/lieux/x/) ![i](https://img.fr/x.png) [d](//evil.fr/)",
            2,
            "/sous-dossier/",
        );
        assert!(html.contains("<h2>Titre</h2>"), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("img"), "{html}");
        assert!(html.contains("href=\"https://ok.fr\""), "{html}");
        assert!(html.contains("href=\"/sous-dossier/lieux/x/\""), "{html}");
        assert!(!html.contains("evil.fr"), "{html}");
    }

    #[test]
    fn deep_nesting_and_huge_lists_are_errors_found_fast() {
        let deep = format!("{}texte\n", "> ".repeat(5000));
        let d = lint(&deep, 3, Path::new("f.md"));
        assert_eq!(d[0].code, "imbrication");
        assert_eq!(d[0].position.line, 3);
        let list = "- a\n".repeat(MAX_LIST_ITEMS + 1);
        assert_eq!(lint(&list, 1, Path::new("f.md"))[0].code, "liste");
        assert!(lint("- a\n  - b\n\n> c\n", 1, Path::new("f.md")).is_empty());
    }

    #[test]
    fn link_schemes_are_read_not_searched() {
        for ok in [
            "https://a.fr",
            "HTTPS://a.fr",
            "mailto:a@b.fr",
            "tel:+33",
            "/lieux/x/",
            "lieux/x/",
            "#haut",
            "page?x=javascript:1",
        ] {
            assert!(is_allowed_link(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            " JaVaScRiPt:x",
            "http://a.fr",
            "data:text/html,x",
            "vbscript:x",
            "//evil.fr",
            "\\\\evil",
        ] {
            assert!(!is_allowed_link(bad), "{bad}");
        }
    }

    #[test]
    fn lint_reports_html_with_its_line() {
        let d = lint("Bonjour\n\n<div>x</div>\n", 5, Path::new("f.md"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].position, Position::new(7, 1));
        assert_eq!(d[0].code, "html");
    }
}
