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

    /// Compiles every template once.
    pub fn tera(&self) -> Result<tera::Tera, Error> {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(self.templates.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| crate::error::from_tera("thème", &e))?;
        // HTML escaping turns `/` into `&#x2F;`: right for HTML, noise in
        // XML, which gets its own five-entity filter instead.
        tera.autoescape_on(vec![".html", ".svg"]);
        tera.register_filter("xml", xml_filter);
        Ok(tera)
    }
}

fn xml_filter(value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = match value {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(xml_escape(&s)))
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_covers_the_five_entities() {
        assert_eq!(
            xml_escape("https://a.fr/?a=1&b=<2>'\""),
            "https://a.fr/?a=1&amp;b=&lt;2&gt;&apos;&quot;"
        );
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
