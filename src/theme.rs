//! Themes: Tera templates and static files.
//!
//! The default theme is embedded in the binary. A site may copy it to
//! `themes/<name>/` and change any file: files it has override the default
//! ones, files it lacks fall back to them (as in mdBook).

use crate::error::Error;
use std::collections::BTreeMap;
use std::path::Path;
use walkdir::WalkDir;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name (path under `templates/`) → source.
    pub templates: BTreeMap<String, String>,
    /// Path under `static/` → bytes, copied to the output root.
    pub static_files: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    pub fn embedded_default() -> Theme {
        let mut theme = Theme::default();
        for (path, bytes) in DEFAULT_THEME {
            theme.insert(path, bytes.to_vec());
        }
        theme
    }

    /// The default theme overlaid with the site's `themes/<name>/`, if present.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Error> {
        let mut theme = Theme::embedded_default();
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            if name != "default" {
                return Err(Error::io(
                    &dir,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "thème introuvable"),
                ));
            }
            return Ok(theme);
        }
        for entry in WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::io(&dir, std::io::Error::other(e.to_string())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&dir)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            theme.insert(&rel, bytes);
        }
        Ok(theme)
    }

    fn insert(&mut self, rel: &str, bytes: Vec<u8>) {
        if let Some(name) = rel.strip_prefix("templates/") {
            self.templates
                .insert(name.to_string(), String::from_utf8_lossy(&bytes).into_owned());
        } else if let Some(name) = rel.strip_prefix("static/") {
            self.static_files.insert(name.to_string(), bytes);
        }
    }

    /// Compiles every template once. HTML templates are minified here,
    /// once, rather than every page after rendering: on a national site that
    /// is the difference between minifying 30 templates and 100,000 pages.
    pub fn compile(&self) -> Result<CompiledTheme, Error> {
        let mut sources: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::with_capacity(self.templates.len());
        let mut preminified = true;
        for (name, source) in &self.templates {
            if name.ends_with(".html") {
                match minify_template(source) {
                    Some(small) => sources.push((name, small.into())),
                    None => {
                        preminified = false;
                        sources.push((name, source.as_str().into()));
                    }
                }
            } else {
                sources.push((name, source.as_str().into()));
            }
        }
        match preminified.then(|| configured_tera(sources.iter().map(|(k, v)| (*k, v.as_ref())))) {
            Some(Ok(tera)) => Ok(CompiledTheme {
                tera,
                preminified: true,
            }),
            // One template could not be minified safely: pages mix raw and
            // minified parts, so each page is minified after rendering instead.
            _ => Ok(CompiledTheme {
                tera: self.tera_unminified()?,
                preminified: false,
            }),
        }
    }

    /// The templates compiled as written, never minified: what
    /// [`Theme::compile`] falls back to, and what tests compare it with.
    pub fn tera_unminified(&self) -> Result<tera::Tera, Error> {
        configured_tera(self.templates.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| self.compile_error(&e))
    }

    /// A template error, with what to do when the theme was written for
    /// Tera 1 (a département's copy of an older default theme): its macros
    /// and imports no longer parse, and Tera's message alone does not say so.
    fn compile_error(&self, e: &tera::Error) -> Error {
        let error = crate::error::from_tera("thème", e);
        let tera1 = self
            .templates
            .iter()
            .find(|(_, source)| TERA1_TAGS.iter().any(|tag| source.contains(tag)));
        match (error, tera1) {
            (Error::Template { template, message }, Some((name, _))) => Error::Template {
                template,
                message: format!(
                    "{message}\n  aide : {name} semble écrit pour Tera 1 (macros, import) ; annuaire utilise Tera 2 : \
                     les macros deviennent des composants, appelés par {{{{ <nom argument={{valeur}}/> }}}} sans import \
                     (voir la section « Thème » du README et themes/default/templates/macros.html)"
                ),
            },
            (error, _) => error,
        }
    }
}

/// Tags that Tera 2 no longer knows.
const TERA1_TAGS: [&str; 4] = ["{% macro ", "{%- macro ", "{% import ", "{%- import "];

/// Templates parsed, with the escaping and filters every theme gets.
fn configured_tera<'t>(sources: impl IntoIterator<Item = (&'t str, &'t str)>) -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::new();
    // Filters first: templates are checked against them when added.
    tera.register_filter("xml", |value: &str, _: tera::Kwargs, _: &tera::State| xml_escape(value));
    tera.register_filter("json_encode", json_encode_filter);
    // HTML escaping turns `/` into `&#x2F;`: right for HTML, noise in
    // XML, which gets its own five-entity filter instead.
    tera.autoescape_on(vec![".html", ".svg"]);
    tera.set_escape_fn(write_escaped_html);
    tera.add_raw_templates(sources)?;
    Ok(tera)
}

/// Templates ready to render, and whether their HTML is already minified.
pub struct CompiledTheme {
    pub tera: tera::Tera,
    /// False when some template could not be minified as a template: then
    /// every rendered page goes through [`minify_page`].
    pub preminified: bool,
}

fn minify_config(template: bool) -> minify_html::Cfg {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_comments = false;
    cfg.preserve_brace_template_syntax = template;
    cfg
}

/// A rendered page, minified.
pub fn minify_page(html: &[u8]) -> Vec<u8> {
    minify_html::minify(html, &minify_config(false))
}

/// The template minified with its Tera tags kept verbatim, or `None` when
/// the minifier could not keep them: a tag inside an HTML tag
/// (`<a{% if x %} class="y"{% endif %}>`) or in a tag name reads as
/// attributes to it. Then the template is used as written.
pub fn minify_template(source: &str) -> Option<String> {
    let out = String::from_utf8(minify_html::minify(source.as_bytes(), &minify_config(true))).ok()?;
    // The minifier may reorder a tag's attributes, so tags are compared as a
    // multiset; a tag cut in two or merged would not match. The compiled
    // result is checked by `compile`, and pages of both forms are compared
    // in the tests.
    let mut before = template_tags(source);
    let mut after = template_tags(&out);
    before.sort_unstable();
    after.sort_unstable();
    (before == after).then_some(out)
}

/// Every `{{ … }}`, `{% … %}` and `{# … #}` of a template, in order.
fn template_tags(source: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut rest = source;
    let mut offset = 0;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let close = match after.as_bytes().first() {
            Some(b'{') => Some("}}"),
            Some(b'%') => Some("%}"),
            Some(b'#') => Some("#}"),
            _ => None,
        };
        let next = match close.and_then(|c| after[1..].find(c).map(|end| (c, end))) {
            Some((c, end)) => {
                let tag_end = start + 2 + end + c.len();
                tags.push(&source[offset + start..offset + tag_end]);
                tag_end
            }
            None => start + 1,
        };
        offset += next;
        rest = &rest[next..];
    }
    tags
}

/// The five characters that matter in HTML text and quoted attributes.
/// Tera's default also escapes `/`, which pages minified once as templates
/// would then carry as `&#x2F;` in every address.
pub fn escape_html(input: &str) -> String {
    escape(input, html_entity)
}

fn html_entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

/// [`escape_html`] written straight into the page being rendered: Tera's
/// escape function for every theme.
fn write_escaped_html(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    escape_runs(input, html_entity, |run| out.write_all(run.as_bytes()))
}

/// `input` with each byte that `entity` names replaced by its entity.
fn escape(input: &str, entity: impl Fn(u8) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    let pushed: Result<(), std::convert::Infallible> = escape_runs(input, entity, |run| {
        out.push_str(run);
        Ok(())
    });
    match pushed {
        Ok(()) => out,
    }
}

/// Gives `push` the runs of `input` between special characters, whole, and
/// each special character's entity: every value a page shows goes through
/// here. The special characters are ASCII, so byte indices are char
/// boundaries.
fn escape_runs<E>(
    input: &str,
    entity: impl Fn(u8) -> Option<&'static str>,
    mut push: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    // Most values have no special character at all: blocks of 32 bytes are
    // screened without a branch per byte, and only the blocks that have one
    // are read byte by byte (HTML escaping was 3 % of a national build).
    const SCREEN: usize = 32;
    let bytes = input.as_bytes();
    let mut copied = 0;
    for (b, block) in bytes.chunks(SCREEN).enumerate() {
        if !block.iter().fold(false, |found, &byte| found | entity(byte).is_some()) {
            continue;
        }
        for (i, &byte) in block.iter().enumerate() {
            if let Some(entity) = entity(byte) {
                let at = b * SCREEN + i;
                push(&input[copied..at])?;
                push(entity)?;
                copied = at + 1;
            }
        }
    }
    push(&input[copied..])
}

/// A value as JavaScript reads it (`sw.js`): Tera 2 left this filter to
/// an add-on crate, and themes written for Tera 1 use it.
fn json_encode_filter(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    serde_json::to_string(value).map_err(tera::Error::message)
}

pub fn xml_escape(s: &str) -> String {
    escape(s, |byte| match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&apos;"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_theme_written_for_tera_1_is_told_how_to_move_to_tera_2() {
        let mut theme = Theme::embedded_default();
        theme.templates.insert(
            "commune.html".into(),
            "{% import \"macros.html\" as m %}{{ m::place_list(places=places) }}".into(),
        );
        let error = theme
            .compile()
            .err()
            .expect("a Tera 1 import does not compile")
            .to_string();
        assert!(error.contains("commune.html semble écrit pour Tera 1"), "{error}");
        assert!(error.contains("composants"), "{error}");
        // Any other template error keeps Tera's message alone.
        let mut theme = Theme::embedded_default();
        theme.templates.insert("commune.html".into(), "{% if %}".into());
        let error = theme
            .compile()
            .err()
            .expect("an empty condition does not compile")
            .to_string();
        assert!(!error.contains("Tera 1"), "{error}");
        assert!(Theme::embedded_default().compile().is_ok());
    }

    /// What the README's « Thème » section tells theme authors.
    #[test]
    fn absent_values_are_false_in_conditions_and_errors_when_shown() {
        let sources = [
            (
                "conditions.html",
                "{% if x %}x{% endif %}{% if lieu.x %}y{% endif %}|{{ z | default(value='repli') }}",
            ),
            ("shown.html", "{{ x }}"),
            ("inside_absent.html", "{% if a.x %}a{% endif %}"),
        ];
        let tera = configured_tera(sources).unwrap();
        let mut context = tera::Context::new();
        context.insert("lieu", &std::collections::BTreeMap::<String, String>::new());
        assert_eq!(tera.render("conditions.html", &context).unwrap(), "|repli");
        assert!(tera.render("shown.html", &context).is_err());
        assert!(tera.render("inside_absent.html", &context).is_err());
    }

    #[test]
    fn every_theme_gets_the_xml_and_json_encode_filters() {
        let sources = [
            ("sw.js", "var V = {{ v | json_encode() | safe }};"),
            ("plan.xml", "<loc>{{ u | xml }}</loc>"),
            ("page.html", "<p>{{ v }}</p>"),
        ];
        let tera = configured_tera(sources).unwrap();
        let mut context = tera::Context::new();
        context.insert("v", "l'\"été\" & <b>");
        context.insert("u", "https://exemple.fr/?a=1&b='2'");
        let render = |name: &str| tera.render(name, &context).unwrap();
        assert_eq!(render("sw.js"), r#"var V = "l'\"été\" & <b>";"#);
        assert_eq!(
            render("plan.xml"),
            "<loc>https://exemple.fr/?a=1&amp;b=&apos;2&apos;</loc>"
        );
        assert_eq!(render("page.html"), "<p>l&#39;&quot;été&quot; &amp; &lt;b&gt;</p>");
    }

    /// The plain definition `escape_html` must agree with.
    fn escape_html_by_char(input: &str) -> String {
        input
            .chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn escape_html_replaces_the_five_characters() {
        assert_eq!(
            escape_html("<a href=\"x\">l'été & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;l&#39;été &amp; co&lt;/a&gt;"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&"), "&amp;");
        // Blocks without a special character are skipped whole: around
        // their edges, and with characters of several bytes.
        for at in [0, 1, 30, 31, 32, 33, 63, 64, 65, 95, 96, 130] {
            for filler in ["a", "é", "😀"] {
                let mut input = filler.repeat(140 / filler.len());
                let cut = input
                    .char_indices()
                    .nth(at / filler.len())
                    .map_or(input.len(), |(i, _)| i);
                input.insert(cut, '<');
                assert_eq!(escape_html(&input), escape_html_by_char(&input), "{filler} {at}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn escape_html_agrees_with_the_per_char_definition(input in "[&<>\"'a-zé€😀 ]{0,100}") {
            prop_assert_eq!(escape_html(&input), escape_html_by_char(&input));
        }
    }

    #[test]
    fn xml_escape_covers_the_five_entities() {
        assert_eq!(
            xml_escape("https://a.fr/?a=1&b=<2>'\""),
            "https://a.fr/?a=1&amp;b=&lt;2&gt;&apos;&quot;"
        );
    }

    #[test]
    fn templates_are_minified_only_when_their_tags_survive() {
        let ok =
            minify_template("<ul>\n  {%- for p in places %}\n  <li class=\"a\">{{ p }}</li>\n{% endfor %}\n</ul>\n");
        assert_eq!(
            ok.as_deref(),
            Some("<ul>{%- for p in places %} <li class=a>{{ p }}</li>{% endfor %}</ul>")
        );
        assert_eq!(
            minify_template("<a href=\"x\"{% if y %} class=\"z\"{% endif %}>t</a>"),
            None
        );
        assert_eq!(
            minify_template("<a title=\"{% if a == \"b\" %}c{% endif %}\">t</a>"),
            None
        );
        assert_eq!(minify_template("<{{ h }} class=\"t\">x</{{ h }}>"), None);
        assert_eq!(
            template_tags("a {{ b }} {% c %}{# d #} { e }"),
            vec!["{{ b }}", "{% c %}", "{# d #}"]
        );
    }

    #[test]
    fn the_default_theme_is_minified_as_templates() {
        let theme = Theme::embedded_default();
        for (name, source) in &theme.templates {
            if name.ends_with(".html") {
                assert!(
                    minify_template(source).is_some(),
                    "{name} cannot be minified as a template"
                );
            }
        }
        assert!(theme.compile().unwrap().preminified);
    }

    #[test]
    fn a_site_theme_overrides_only_the_files_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("themes/default/templates");
        std::fs::create_dir_all(&templates).unwrap();
        std::fs::write(templates.join("404.html"), "perso").unwrap();
        let theme = Theme::load(dir.path(), "default").unwrap();
        assert_eq!(theme.templates["404.html"], "perso");
        assert!(theme.templates["lieu.html"].contains("{% extends"));
        assert!(Theme::load(dir.path(), "absent").is_err());
    }
}
