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
        tera.autoescape_on(vec![".html", ".xml", ".svg"]);
        Ok(tera)
    }
}
