//! Loading: the site's files from disk into memory, nothing more.
//!
//! Later stages never touch the disk, so they can be tested on strings and
//! run in parallel.

use crate::config::{self, CONFIG_FILE, Config};
use crate::diagnostics::{Diagnostic, Position};
use crate::error::Error;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Largest content file accepted, checked before any parsing.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

pub const PLACES_DIR: &str = "content/lieux";
pub const PAGES_DIR: &str = "content/pages";

/// A content file read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentFile {
    /// Path from the site root, with `/` separators.
    pub path: PathBuf,
    pub text: String,
}

impl ContentFile {
    /// The file name without `.md`.
    pub fn stem(&self) -> &str {
        self.path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct SiteSource {
    pub root: PathBuf,
    pub config: Config,
    pub places: Vec<ContentFile>,
    pub pages: Vec<ContentFile>,
    /// Problems met while reading (encoding, size): reported with the rest.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the configuration and every content file, sorted by path so that
/// the order on disk never shows in the output.
pub fn load_site(root: &Path) -> Result<SiteSource, Error> {
    let config_path = root.join(CONFIG_FILE);
    let config_text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
    // Checking the configuration needs the territory reference, which takes
    // a while to parse: meanwhile, the files are read.
    let (territories, read) = rayon::join(crate::territories::Territories::embedded, || {
        let mut diagnostics = Vec::new();
        let places = read_markdown_dir(root, PLACES_DIR, &mut diagnostics)?;
        let pages = read_markdown_dir(root, PAGES_DIR, &mut diagnostics)?;
        Ok::<_, Error>((places, pages, diagnostics))
    });
    let config = config::parse_with(&config_text, Path::new(CONFIG_FILE), territories).map_err(Error::Content)?;
    let (places, pages, diagnostics) = read?;
    Ok(SiteSource {
        root: root.to_path_buf(),
        config,
        places,
        pages,
        diagnostics,
    })
}

/// What is wrong with a content file of `size` bytes, above [`MAX_FILE_BYTES`].
pub fn too_big(size: u64) -> String {
    format!(
        "le fichier fait {} Kio, le maximum est {} Kio",
        size / 1024,
        MAX_FILE_BYTES / 1024
    )
}

/// A content file's text; a diagnostic if it is too big to be a place
/// (before reading it all) or not UTF-8.
fn read_content_file(path: &Path, relative: PathBuf) -> Result<Result<ContentFile, Diagnostic>, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size > MAX_FILE_BYTES {
        return Ok(Err(Diagnostic::error(
            &relative,
            Position::new(1, 1),
            "taille",
            too_big(size),
        )
        .with_hint(
            "raccourcissez la présentation ; une fiche tient en quelques paragraphes",
        )));
    }
    // One byte more than the size, so that reading the end of the file does
    // not grow the buffer. Through `take`: a `File`'s own `read_to_end` asks
    // the system for the size and position again, two calls more per file.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(utf8_file(bytes, relative))
}

/// The file's text, or where its first byte that is not UTF-8 is.
fn utf8_file(bytes: Vec<u8>, relative: PathBuf) -> Result<ContentFile, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(ContentFile { path: relative, text }),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or("");
            let line = valid.matches('\n').count() as u32 + 1;
            let column = valid.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
            Err(Diagnostic::error(
                &relative,
                Position::new(line, column),
                "encodage",
                "le fichier n'est pas en UTF-8",
            )
            .with_hint("enregistrez le fichier en UTF-8 (dans l'éditeur : « Enregistrer sous », encodage UTF-8)"))
        }
    }
}

fn read_markdown_dir(root: &Path, dir: &str, diagnostics: &mut Vec<Diagnostic>) -> Result<Vec<ContentFile>, Error> {
    let full = root.join(dir);
    if !full.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut to_read = Vec::new();
    for entry in WalkDir::new(&full).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| full.clone());
            Error::io(&path, std::io::Error::other(e.to_string()))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = relative_path(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if !name.ends_with(".md") {
            diagnostics.push(
                Diagnostic::warning(
                    &relative,
                    Position::new(1, 1),
                    "fichier-ignore",
                    "ce fichier n'est pas lu : seuls les fichiers .md le sont",
                )
                .with_hint("renommez-le en .md s'il décrit un lieu, ou déplacez-le"),
            );
            continue;
        }
        to_read.push((entry.into_path(), relative));
    }
    // Reading is mostly waiting on the file system: in parallel, in order.
    // The size is taken from the open file, on that thread too, rather than
    // by a separate `stat` during the walk, which runs on one core.
    use rayon::prelude::*;
    let read: Vec<Result<ContentFile, Diagnostic>> = to_read
        .into_par_iter()
        .map(|(path, relative)| read_content_file(&path, relative))
        .collect::<Result<_, Error>>()?;
    for file in read {
        match file {
            Ok(file) => files.push(file),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    Ok(files)
}

pub fn relative_path(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    PathBuf::from(rel.to_string_lossy().replace('\\', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_bad_encoding_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let lieux = dir.path().join(PLACES_DIR);
        std::fs::create_dir_all(&lieux).unwrap();
        std::fs::write(lieux.join("b.md"), b"---\nnom: caf\xe9\n---\n").unwrap();
        std::fs::write(lieux.join("a.md"), "---\nnom: A\n---\n").unwrap();
        std::fs::write(lieux.join("c.md"), "x".repeat(70 * 1024)).unwrap();
        std::fs::write(lieux.join("notes.txt"), "x").unwrap();
        let mut diags = Vec::new();
        let files = read_markdown_dir(dir.path(), PLACES_DIR, &mut diags).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, PathBuf::from("content/lieux/a.md"));
        // In any order: the pipeline sorts every diagnostic by file and line.
        let mut codes: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.position.line, d.position.column))
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            vec![("encodage", 2, 9), ("fichier-ignore", 1, 1), ("taille", 1, 1)]
        );
    }
}
