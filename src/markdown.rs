//! Markdown → safe HTML.
//!
//! Content comes from anyone who can open a pull request. Rather than render
//! everything and clean the result afterwards, the renderer only lets through
//! what it knows to be safe: raw HTML and images are dropped, links keep only
//! `https:`, `mailto:`, `tel:` and site-relative addresses, and nothing
//! pulldown-cmark could write as an attribute (classes, titles, styles, list
//! starts) reaches the page. Every remaining piece of text is escaped by
//! pulldown-cmark. The tests check the result against an allow-list
//! sanitizer (ammonia): it must find nothing to remove. Sanitising every
//! place's description afterwards cost a second at national scale.

use crate::diagnostics::{Diagnostic, Position};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::path::Path;

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Renders Markdown. Headings are shifted so that the body's `#` becomes
/// `heading_base` (the page already has its own `h1`). Site-relative links
/// (`/donnees/lieux.csv`) are rewritten under `base_path`, so that they work
/// when the site is published in a sub-folder.
pub fn render(markdown: &str, heading_base: u8, base_path: &str) -> String {
    let mut sanitizer = Sanitizer::new(heading_base, base_path);
    to_html(
        markdown.len(),
        Parser::new_ext(markdown, options()).filter_map(|event| sanitizer.keep(event)),
    )
}

/// The heading level of a place description's `#`: the description sits
/// under the `h2` sections of the place's page.
pub const DESCRIPTION_HEADING: u8 = 3;

/// How a body is rendered: see [`render`].
#[derive(Debug, Clone, Copy)]
pub struct Rendering<'a> {
    pub heading_base: u8,
    pub base_path: &'a str,
}

/// [`lint`] and, with `rendering`, [`render`] in the same parse: a
/// national build reads 50,000 descriptions, and parsing each twice cost
/// more than writing its HTML.
///
/// `part` is the range of `body` that is linted and rendered (a place's
/// description is its body trimmed); positions are counted in `body`, which
/// starts at line `first_line` of `file`. No HTML when an error stopped the
/// reading.
pub fn lint_and_render(
    body: &str,
    part: std::ops::Range<usize>,
    first_line: u32,
    file: &Path,
    rendering: Option<Rendering<'_>>,
) -> (Vec<Diagnostic>, Option<String>) {
    let markdown = &body[part.clone()];
    let mut linter = Linter::new(body, part.start, first_line, file);
    let events = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .map_while(|(event, range)| linter.observe(&event, range).then_some(event));
    let html = match rendering {
        Some(r) => {
            let mut sanitizer = Sanitizer::new(r.heading_base, r.base_path);
            let html = to_html(markdown.len(), events.filter_map(|event| sanitizer.keep(event)));
            (!linter.stopped).then_some(html)
        }
        None => {
            events.for_each(drop);
            None
        }
    };
    (linter.out, html)
}

fn to_html<'a>(source_len: usize, events: impl Iterator<Item = Event<'a>>) -> String {
    let mut html = String::with_capacity(source_len * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    // Every place keeps its description until the end of the build.
    html.shrink_to_fit();
    html
}

/// Decides what of each event reaches the page.
struct Sanitizer<'a> {
    shift: u8,
    base_path: &'a str,
    /// Links can nest (a link inside an image inside a link): whether each
    /// open link was kept decides whether its end is written.
    kept_links: Vec<bool>,
}

impl<'a> Sanitizer<'a> {
    fn new(heading_base: u8, base_path: &'a str) -> Sanitizer<'a> {
        Sanitizer {
            shift: heading_base.saturating_sub(1),
            base_path,
            kept_links: Vec::new(),
        }
    }

    fn keep<'e>(&mut self, event: Event<'e>) -> Option<Event<'e>> {
        let shift = self.shift;
        match event {
            Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
                level: shift_heading(level, shift),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(shift_heading(level, shift)))),
            Event::Start(Tag::Link {
                link_type,
                mut dest_url,
                ..
            }) => {
                if link_type == pulldown_cmark::LinkType::Email {
                    dest_url = format!("mailto:{dest_url}").into();
                }
                let kept = is_allowed_link(&dest_url);
                self.kept_links.push(kept);
                kept.then(|| Event::InlineHtml(link_start(&dest_url, self.base_path).into()))
            }
            Event::End(TagEnd::Link) => self
                .kept_links
                .pop()
                .unwrap_or(false)
                .then_some(Event::End(TagEnd::Link)),
            // A code block's language would become a class, a list's first
            // number a `start` attribute, a table's alignments `style`
            // attributes: none is on the allow-list.
            Event::Start(Tag::CodeBlock(_)) => Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Indented))),
            Event::Start(Tag::List(Some(_))) => Some(Event::Start(Tag::List(Some(1)))),
            Event::Start(Tag::Table(alignments)) => Some(Event::Start(Tag::Table(
                alignments.iter().map(|_| pulldown_cmark::Alignment::None).collect(),
            ))),
            Event::Start(Tag::BlockQuote(_)) => Some(Event::Start(Tag::BlockQuote(None))),
            Event::Start(
                Tag::Paragraph
                | Tag::List(None)
                | Tag::Item
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::TableHead
                | Tag::TableRow
                | Tag::TableCell,
            ) => Some(event),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Table
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::TableCell,
            ) => Some(event),
            // Text is escaped by pulldown-cmark.
            Event::Text(_) | Event::Code(_) | Event::SoftBreak | Event::HardBreak | Event::Rule => Some(event),
            // Everything else is dropped, whatever a later option may produce:
            // raw HTML; images (remote images would leak readers' addresses and
            // weigh on their data plan), whose description stays as text; and
            // anything not enabled today (footnotes, task lists, maths,
            // metadata, definition lists…), which could carry ids or classes.
            _ => None,
        }
    }
}

/// The opening tag of a link already known to be allowed: pulldown-cmark
/// has no way to add `rel`, and links leaving the site must not hand the
/// page to the site they open.
fn link_start(dest_url: &str, base_path: &str) -> String {
    let dest_url: CowStr = match dest_url.strip_prefix('/') {
        Some(rest) if !rest.starts_with('/') => format!("{base_path}{rest}").into(),
        _ => dest_url.into(),
    };
    let mut tag = String::with_capacity(dest_url.len() + 40);
    tag.push_str("<a href=\"");
    // Writing into a `String` cannot fail.
    let _ = pulldown_cmark_escape::escape_href(&mut tag, &dest_url);
    tag.push_str("\" rel=\"noopener noreferrer\">");
    tag
}

fn shift_heading(level: HeadingLevel, shift: u8) -> HeadingLevel {
    let n = (level as u8 + shift).min(6);
    HeadingLevel::try_from(n as usize).unwrap_or(HeadingLevel::H6)
}

/// Whether a link is kept: allowed scheme, or a path on the site.
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

/// Deepest nesting of blocks and inline spans accepted. Real presentations
/// use two or three levels; deep nesting only serves to make the sanitizer
/// (whose cost grows with the square of the depth) slow.
pub const MAX_DEPTH: usize = 16;
/// Most list items in one presentation.
pub const MAX_LIST_ITEMS: usize = 500;

/// Warnings about Markdown the renderer will drop, and errors about
/// Markdown too deep or too long to read, with their position.
pub fn lint(markdown: &str, first_line: u32, file: &Path) -> Vec<Diagnostic> {
    lint_and_render(markdown, 0..markdown.len(), first_line, file, None).0
}

/// Reads the events of a body one by one (see [`lint`]).
struct Linter<'a> {
    body: &'a str,
    /// Where the parsed text starts in `body`.
    offset: usize,
    first_line: u32,
    file: &'a Path,
    out: Vec<Diagnostic>,
    reported_lines: HashSet<(u32, &'static str)>,
    depth: usize,
    items: usize,
    /// An error ended the reading: the rest is not looked at.
    stopped: bool,
}

impl<'a> Linter<'a> {
    fn new(body: &'a str, offset: usize, first_line: u32, file: &'a Path) -> Linter<'a> {
        Linter {
            body,
            offset,
            first_line,
            file,
            out: Vec::new(),
            reported_lines: HashSet::new(),
            depth: 0,
            items: 0,
            stopped: false,
        }
    }

    fn position(&self, offset: usize) -> Position {
        let before = &self.body[..self.offset + offset];
        let line = self.first_line + before.matches('\n').count() as u32;
        let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
        Position::new(line, column)
    }

    /// Looks at one event; false once an error ends the reading.
    fn observe(&mut self, event: &Event<'_>, range: std::ops::Range<usize>) -> bool {
        match event {
            Event::Start(tag) => {
                self.depth += 1;
                if matches!(tag, Tag::Item) {
                    self.items += 1;
                }
                if self.depth > MAX_DEPTH {
                    return self.stop(
                        range.start,
                        "imbrication",
                        format!("la présentation est imbriquée sur plus de {MAX_DEPTH} niveaux"),
                        "simplifiez la mise en forme : des paragraphes et des listes simples suffisent",
                    );
                }
                if self.items > MAX_LIST_ITEMS {
                    return self.stop(
                        range.start,
                        "liste",
                        format!("la présentation compte plus de {MAX_LIST_ITEMS} éléments de liste"),
                        "gardez l'essentiel ; les détails peuvent aller sur le site du lieu",
                    );
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        let (code, message, hint) = match event {
            Event::Html(_) | Event::InlineHtml(_) => (
                "html",
                "le HTML n'est pas permis dans la présentation : il sera retiré",
                "utilisez la mise en forme Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…)",
            ),
            Event::Start(Tag::Link { dest_url, .. }) if !is_allowed_link(dest_url) => (
                "lien",
                "ce lien sera retiré : seules les adresses https://, mailto:, tel: et les pages du site sont permises",
                "écrivez l'adresse complète en https://, par exemple [notre site](https://www.exemple.fr/)",
            ),
            Event::Start(Tag::Image { .. }) => (
                "image",
                "les images ne sont pas affichées dans la présentation",
                "décrivez en texte ce que montrait l'image",
            ),
            _ => return true,
        };
        let at = self.position(range.start);
        if self.reported_lines.insert((at.line, code)) {
            self.out
                .push(Diagnostic::warning(self.file, at, code, message).with_hint(hint));
        }
        true
    }

    /// Reports an error at `offset` that ends the reading; false.
    fn stop(&mut self, offset: usize, code: &'static str, message: String, hint: &str) -> bool {
        let error = Diagnostic::error(self.file, self.position(offset), code, message).with_hint(hint);
        self.out.push(error);
        self.stopped = true;
        false
    }
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

    /// The tags the renderer may write: the allow-list it used to run
    /// every description through.
    const ALLOWED_TAGS: &[&str] = &[
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
    ];

    /// The sanitizer the renderer's output must give nothing to remove.
    fn allow_list() -> ammonia::Builder<'static> {
        let mut b = ammonia::Builder::empty();
        b.tags(ALLOWED_TAGS.iter().copied().collect())
            .add_tag_attributes("a", ["href"])
            .url_schemes(["https", "mailto", "tel"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .attribute_filter(|_, attribute, value| {
                if attribute == "href" && (value.starts_with("//") || value.contains('\\')) {
                    None
                } else {
                    Some(value.into())
                }
            })
            .strip_comments(true);
        b
    }

    /// Serialises the same way but keeps everything pulldown-cmark can
    /// write, so that any difference is something the allow-list removed.
    fn keep_everything() -> ammonia::Builder<'static> {
        const MORE_TAGS: &[&str] = &[
            "h1", "img", "input", "sup", "div", "span", "section", "dl", "dt", "dd", "script", "b", "i", "iframe",
            "style",
        ];
        let mut b = ammonia::Builder::empty();
        b.tags(ALLOWED_TAGS.iter().chain(MORE_TAGS).copied().collect())
            .generic_attributes(
                [
                    "href", "rel", "id", "class", "style", "start", "title", "src", "alt", "type", "checked",
                    "disabled", "align", "onclick", "onerror",
                ]
                .into_iter()
                .collect(),
            )
            .url_schemes(
                [
                    "https",
                    "http",
                    "mailto",
                    "tel",
                    "javascript",
                    "data",
                    "vbscript",
                    "file",
                    "ftp",
                ]
                .into_iter()
                .collect(),
            )
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(None)
            .clean_content_tags(HashSet::new())
            .strip_comments(true);
        b
    }

    /// Markdown meant to get something past the renderer, then every
    /// description and page of the demo site and of the test fixtures.
    fn corpus() -> Vec<String> {
        let mut all: Vec<String> = [
            "<script>alert(1)</script>\n\nTexte <b onclick=x>gras</b>",
            "[a](javascript:alert(1)) [b]( JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1))",
            "[d](//evil.fr/) [e](\\\\evil) [f](http://a.fr) [g](data:text/html,x) [h](vbscript:x)",
            "<javascript:alert(1)> <https://ok.fr/a?b=1&c=\"2\"> <contact@exemple.fr>",
            "[titre](https://ok.fr \"un \\\" titre\") [rel](/lieux/x/ 'titre')",
            "[ref][r] et [r]\n\n[r]: javascript:alert(1)\n\n[ok][s]\n\n[s]: https://ok.fr",
            "![image](https://img.fr/x.png \"t\") ![a [lien](https://l.fr) dedans](x.png)",
            "[![a [b](javascript:x) c](img.png)](https://ok.fr) [![x](y.png)](javascript:z)",
            "3. trois\n4. quatre\n\n```html\n<script>alert(1)</script>\n```\n\n~~~js onload=x\ncode\n~~~",
            "| a | b | c |\n|:--|:-:|--:|\n| <i>x</i> | `<b>` | [l](javascript:y) |",
            "# un\n## deux\n###### six\n\nTitre\n=====\n\n> citation <img src=x onerror=y>\n\n---",
            "`<script>` &lt;b&gt; &amp; &#x3C;script&#x3E; &quot; ' \" < > &",
            "Ligne  \nsuivante\\\nencore ~~barré~~ **gras** *italique*",
            "<!-- commentaire --> <div onclick=\"x\">bloc</div>\n\n<style>p{}</style>",
            "[x](https://ok.fr/\"onmouseover=\"alert(1)) [y](<https://ok.fr/a b>) [z](https://ok.fr/<x>)",
            "[vide]() [espace](< >) [tel](tel:+33123456789) [courriel](mailto:a@b.fr)",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in [
            "content",
            "tests/fixtures/xss/content",
            "tests/fixtures/hostile/content",
        ] {
            for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                if entry.path().extension().is_some_and(|e| e == "md")
                    && let Ok(text) = std::fs::read_to_string(entry.path())
                {
                    all.push(text);
                }
            }
        }
        assert!(all.len() > 60, "the demo site's places are in the corpus");
        all
    }

    #[test]
    fn the_allow_list_finds_nothing_to_remove() {
        let (allow_list, keep_everything) = (allow_list(), keep_everything());
        for markdown in corpus() {
            // The site renders pages from `##` and places from `###`.
            for base in [2, 3] {
                let html = render(&markdown, base, "/sous-dossier/");
                assert_eq!(
                    allow_list.clean(&html).to_string(),
                    keep_everything.clean(&html).to_string(),
                    "the renderer let through what the allow-list removes.\nMarkdown: {markdown}\nHTML: {html}"
                );
            }
        }
    }

    #[test]
    fn kept_links_open_nothing_from_the_page_and_refused_links_leave_their_text() {
        let html = render("[a](https://ok.fr \"t\") [b](javascript:x) [c](/x/) <d@e.fr>", 1, "/s/");
        assert_eq!(
            html,
            "<p><a href=\"https://ok.fr\" rel=\"noopener noreferrer\">a</a> b \
             <a href=\"/s/x/\" rel=\"noopener noreferrer\">c</a> \
             <a href=\"mailto:d@e.fr\" rel=\"noopener noreferrer\">d@e.fr</a></p>\n"
        );
        let html = render(
            "[![i](x.png)](javascript:x) [![j [k](https://k.fr)](y.png)](https://l.fr)",
            1,
            "/",
        );
        assert_eq!(html.matches("<a ").count(), html.matches("</a>").count(), "{html}");
        assert!(!html.contains("javascript"), "{html}");
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

    /// One parse must give what the two separate passes give.
    #[test]
    fn linting_and_rendering_together_is_linting_then_rendering() {
        let file = Path::new("f.md");
        let rendering = Rendering {
            heading_base: 3,
            base_path: "/sous-dossier/",
        };
        for text in corpus() {
            let (warnings, html) = lint_and_render(&text, 0..text.len(), 4, file, Some(rendering));
            assert_eq!(warnings, lint(&text, 4, file), "{text}");
            let stopped = warnings.iter().any(Diagnostic::is_error);
            let expected = (!stopped).then(|| render(&text, 3, "/sous-dossier/"));
            assert_eq!(html, expected, "{text}");
            assert_eq!(lint_and_render(&text, 0..text.len(), 4, file, None), (warnings, None));
        }
    }

    #[test]
    fn a_part_of_a_body_is_read_with_positions_in_the_body() {
        let body = "\n\n  Bonjour <b>x</b>\n\n<div>y</div>\n\n";
        let part = body.find('B').unwrap()..body.rfind('>').unwrap() + 1;
        let rendering = Rendering {
            heading_base: 3,
            base_path: "/",
        };
        let (warnings, html) = lint_and_render(body, part.clone(), 10, Path::new("f.md"), Some(rendering));
        let at: Vec<Position> = warnings.iter().map(|w| w.position).collect();
        assert_eq!(at, [Position::new(12, 11), Position::new(14, 1)]);
        assert_eq!(html.unwrap(), render(&body[part], 3, "/"));
    }

    #[test]
    fn no_html_when_an_error_stops_the_reading() {
        let deep = format!("{}texte\n", "> ".repeat(50));
        let rendering = Rendering {
            heading_base: 3,
            base_path: "/",
        };
        let (errors, html) = lint_and_render(&deep, 0..deep.len(), 1, Path::new("f.md"), Some(rendering));
        assert_eq!(errors[0].code, "imbrication");
        assert_eq!(html, None);
    }

    #[test]
    fn lint_reports_html_with_its_line() {
        let d = lint("Bonjour\n\n<div>x</div>\n", 5, Path::new("f.md"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].position, Position::new(7, 1));
        assert_eq!(d[0].code, "html");
    }
}
