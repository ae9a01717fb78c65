//! The whole pipeline: load → validate → enrich → render → write.
//!
//! `check` runs every stage but the last; `build` runs them all. Both
//! collect every content problem before stopping.

use crate::diagnostics::{self, Diagnostic};
use crate::enrich::{self, Site};
use crate::error::Error;
use crate::load::{self, SiteSource};
use crate::render::{self, OutputFile, RenderOptions};
use crate::territories::Territories;
use crate::theme::Theme;
use crate::validate::{self, Context};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    /// Overrides `url_de_base` from the configuration.
    pub base_url: Option<String>,
    pub render: RenderOptions,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a successful build or check reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// Warnings only: a report with errors is an `Error::Content`.
    pub diagnostics: Vec<Diagnostic>,
    pub places: usize,
    pub files: usize,
}

/// "Today" for freshness and future dates: `SOURCE_DATE_EPOCH` when set,
/// so that a rebuild of the same commit gives the same site.
pub fn today() -> NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|dt| dt.date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Loads and validates; returns the site model and every warning, or every error.
pub fn prepare(root: &Path, base_url: Option<&str>) -> Result<(Site, Vec<Diagnostic>), Error> {
    let SiteSource {
        config,
        places,
        pages,
        diagnostics: mut problems,
        ..
    } = load::load_site(root)?;
    let mut config = config;
    if let Some(url) = base_url {
        config.url_de_base = url.to_string();
    }
    let territories = Territories::embedded();
    let today = today();
    let ctx = Context {
        territories,
        departements: &config.departements,
        today,
        stale_months: config.fraicheur_mois,
    };
    let (valid_places, place_problems) = validate::validate_places(&places, &ctx);
    problems.extend(place_problems);
    let mut valid_pages = Vec::new();
    for file in &pages {
        let (page, page_problems) = validate::validate_page_file(file);
        problems.extend(page_problems);
        valid_pages.extend(page);
    }
    diagnostics::sort(&mut problems);
    if problems.iter().any(Diagnostic::is_error) {
        return Err(Error::Content(problems));
    }
    let site = enrich::enrich(config, valid_places, valid_pages, territories, today);
    Ok((site, problems))
}

/// Everything the output folder will hold, minified where it helps.
pub fn render_all(site: &Site, theme: &Theme, root: &Path, options: &RenderOptions) -> Result<Vec<OutputFile>, Error> {
    let mut files = render::render_site(site, theme, options)?;
    files.extend(crate::export::open_data_files(site)?);
    files.extend(crate::search::search_files(site)?);
    for file in &mut files {
        if file.path.ends_with(".html") {
            file.bytes = minify(&file.bytes);
        }
    }
    for (path, bytes) in &theme.static_files {
        files.push(OutputFile {
            path: format!("static/{path}"),
            bytes: bytes.clone(),
        });
    }
    files.extend(site_static_files(root)?);
    // Later entries win (the site's own static files over the theme's).
    let mut seen = std::collections::HashSet::new();
    files.reverse();
    files.retain(|f| seen.insert(f.path.clone()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if !options.live_reload {
        // A service worker in `serve` would keep stale pages across rebuilds.
        let sw = render::render_service_worker(site, theme, &content_version(&files))?;
        let at = files.partition_point(|f| f.path < sw.path);
        files.insert(at, sw);
    }
    Ok(files)
}

/// FNV-1a over every path and byte: the same content gives the same
/// version, whatever the machine or the order files were produced in.
pub fn content_version(files: &[OutputFile]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        for byte in file.path.as_bytes().iter().chain([0u8].iter()).chain(file.bytes.iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn minify(html: &[u8]) -> Vec<u8> {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_comments = false;
    minify_html::minify(html, &cfg)
}

/// The site's own `static/` folder (logo, documents), copied under `static/`.
fn site_static_files(root: &Path) -> Result<Vec<OutputFile>, Error> {
    let dir = root.join("static");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(&dir).sort_by_file_name().follow_links(false) {
        let entry = entry.map_err(|e| Error::io(&dir, std::io::Error::other(e.to_string())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = load::relative_path(&dir, entry.path());
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        files.push(OutputFile {
            path: format!("static/{}", rel.to_string_lossy()),
            bytes,
        });
    }
    Ok(files)
}

/// `annuaire check`: every stage but writing.
pub fn check(root: &Path) -> Result<Report, Error> {
    let (site, warnings) = prepare(root, None)?;
    let theme = Theme::load(root, &site.config.theme)?;
    let files = render_all(&site, &theme, root, &RenderOptions::default())?;
    Ok(Report {
        diagnostics: warnings,
        places: site.places.len(),
        files: files.len(),
    })
}

/// `annuaire build`.
pub fn build(options: &BuildOptions) -> Result<Report, Error> {
    let (site, warnings) = prepare(&options.root, options.base_url.as_deref())?;
    let theme = Theme::load(&options.root, &site.config.theme)?;
    let files = render_all(&site, &theme, &options.root, &options.render)?;
    crate::write::write_site(&options.output_dir(), &files)?;
    Ok(Report {
        diagnostics: warnings,
        places: site.places.len(),
        files: files.len(),
    })
}

/// One place file, from raw bytes to its rendered page, the way a build
/// would treat it, for a site covering département 64. Used by the fuzz
/// target and the property tests: whatever the bytes, this returns a page
/// or diagnostics, never panics.
pub fn place_page_from_bytes(bytes: &[u8]) -> Result<String, Vec<Diagnostic>> {
    use crate::diagnostics::Position;
    let path = std::path::PathBuf::from("content/lieux/essai.md");
    if bytes.len() as u64 > load::MAX_FILE_BYTES {
        return Err(vec![Diagnostic::error(
            &path,
            Position::new(1, 1),
            "taille",
            "fichier trop gros",
        )]);
    }
    let Ok(text) = String::from_utf8(bytes.to_vec()) else {
        return Err(vec![Diagnostic::error(
            &path,
            Position::new(1, 1),
            "encodage",
            "pas en UTF-8",
        )]);
    };
    let config = crate::config::parse(PREVIEW_CONFIG, Path::new("annuaire.yaml"))?;
    let territories = Territories::embedded();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let ctx = Context {
        territories,
        departements: &config.departements,
        today,
        stale_months: 12,
    };
    let file = load::ContentFile { path, text };
    let (place, diagnostics) = validate::validate_place_file(&file, &ctx);
    let place = match place {
        Some(p) if !diagnostics.iter().any(Diagnostic::is_error) => p,
        _ => return Err(diagnostics),
    };
    let site = enrich::enrich(config, vec![place], Vec::new(), territories, today);
    let theme = Theme::embedded_default();
    render::render_place(&site, &theme, 0).map_err(|e| {
        vec![Diagnostic::error(
            &file.path,
            Position::new(1, 1),
            "rendu",
            e.to_string(),
        )]
    })
}

const PREVIEW_CONFIG: &str = "titre: Essai\nediteur: Essai\nurl_de_base: https://exemple.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: Essai\n  courriel: essai@exemple.fr\n";
