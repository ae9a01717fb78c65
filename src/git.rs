//! The place files of a site as they were at a git reference, read with the
//! `git` command (always installed where a repository is), and the
//! comparison of that reference with the working tree for `annuaire diff`.

use crate::diff::{self, PlaceDiff, Snapshot};
use crate::error::Error;
use crate::load::{self, ContentFile, MAX_FILE_BYTES, PLACES_DIR};
use crate::territories::Territories;
use crate::validate::Context;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A place file at the reference: its text, or why it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefFile {
    Text(ContentFile),
    Unreadable { path: PathBuf, problem: String },
}

const NO_GIT: &str = "la commande git est introuvable";

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Git(format!("{NO_GIT} : installez git")),
            _ => Error::Git(format!("git ne peut pas être lancé : {e}")),
        })?;
    if !output.status.success() {
        return Err(Error::Git(String::from_utf8_lossy(&output.stderr).trim().to_string()));
    }
    Ok(output.stdout)
}

fn git_line(dir: &Path, args: &[&str]) -> Result<String, Error> {
    let out = git(dir, args)?;
    Ok(String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']).to_string())
}

/// Every `content/lieux/*.md` of the site at `root` as it is at `reference`
/// (a branch, tag or commit: `origin/main`, `HEAD~1`…), sorted by path.
pub fn place_files_at(root: &Path, reference: &str) -> Result<Vec<RefFile>, Error> {
    if reference.starts_with('-') || reference.is_empty() {
        return Err(Error::Git(format!(
            "« {reference} » n'est pas une référence git (une branche, une étiquette ou un commit)"
        )));
    }
    let toplevel = git_line(root, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
        // No git at all says so; any other failure here means no repository.
        Error::Git(m) if m.starts_with(NO_GIT) => Error::Git(m),
        _ => Error::Git(format!(
            "{} n'est pas dans un dépôt git : diff compare le dépôt avec une version précédente",
            root.display()
        )),
    })?;
    let toplevel = PathBuf::from(toplevel);
    let prefix = git_line(root, &["rev-parse", "--show-prefix"])?;
    let commit = git_line(
        root,
        &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{reference}^{{commit}}")],
    )
    .map_err(|_| {
        Error::Git(format!(
            "la référence « {reference} » est introuvable dans ce dépôt (pour une branche distante, lancez d'abord « git fetch origin »)"
        ))
    })?;
    let dir = format!("{prefix}{PLACES_DIR}/");
    let listing = git(&toplevel, &["ls-tree", "-r", "-z", "--full-tree", &commit, "--", &dir])?;
    let mut entries = Vec::new();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (mode, kind, oid) = (meta.next(), meta.next(), meta.next());
        // Symbolic links and submodules are not files the loader would read.
        if kind != Some("blob") || mode == Some("120000") {
            continue;
        }
        let Some(relative) = path.strip_prefix(&prefix) else {
            continue;
        };
        let name = relative.rsplit('/').next().unwrap_or("");
        if name.starts_with('.') || !name.ends_with(".md") {
            continue;
        }
        entries.push((PathBuf::from(relative), oid.unwrap_or_default().to_string()));
    }
    let blobs = read_blobs(&toplevel, entries.iter().map(|(_, oid)| oid.as_str()))?;
    let mut files: Vec<RefFile> = entries
        .into_iter()
        .zip(blobs)
        .map(|((path, _), bytes)| {
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return RefFile::Unreadable {
                    path,
                    problem: load::too_big(bytes.len() as u64),
                };
            }
            match String::from_utf8(bytes) {
                Ok(text) => RefFile::Text(ContentFile { path, text }),
                Err(_) => RefFile::Unreadable {
                    path,
                    problem: "le fichier n'est pas en UTF-8".into(),
                },
            }
        })
        .collect();
    files.sort_by(|a, b| path_of(a).cmp(path_of(b)));
    Ok(files)
}

fn path_of(file: &RefFile) -> &Path {
    match file {
        RefFile::Text(f) => &f.path,
        RefFile::Unreadable { path, .. } => path,
    }
}

/// Reads blobs with one `git cat-file --batch`, rather than one process per
/// file: a département has hundreds of places.
fn read_blobs<'a>(dir: &Path, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>, Error> {
    let input: String = oids.map(|o| format!("{o}\n")).collect();
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Git(format!("git ne peut pas être lancé : {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error::Git("entrée de git cat-file".into()))?;
    // Written from another thread: git answers while we write, and a full
    // pipe on both sides would block forever.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| Error::Git(format!("git cat-file : {e}")))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(Error::Git(String::from_utf8_lossy(&output.stderr).trim().to_string()));
    }
    let mut out = output.stdout.as_slice();
    let mut blobs = Vec::new();
    while !out.is_empty() {
        let end = out
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| Error::Git("réponse de git cat-file illisible".into()))?;
        let header = String::from_utf8_lossy(&out[..end]).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Git(format!("réponse de git cat-file illisible : {header}")))?;
        let body = out
            .get(end + 1..end + 1 + size)
            .ok_or_else(|| Error::Git("réponse de git cat-file tronquée".into()))?;
        blobs.push(body.to_vec());
        out = out.get(end + 2 + size..).unwrap_or(&[]);
    }
    Ok(blobs)
}

/// `annuaire diff REF`: the places at `reference` against the working tree
/// (committed or not), both read with the working tree's configuration.
pub fn diff_with_working_tree(root: &Path, reference: &str, today: chrono::NaiveDate) -> Result<PlaceDiff, Error> {
    let source = load::load_site(root)?;
    let ctx = Context {
        territories: Territories::embedded(),
        departements: &source.config.departements,
        today,
        stale_months: source.config.fraicheur_mois,
        descriptions_under: None,
    };
    let before: Vec<Snapshot> = place_files_at(root, reference)?
        .iter()
        .map(|f| match f {
            RefFile::Text(file) => diff::snapshot(file, &ctx),
            RefFile::Unreadable { path, problem } => diff::unreadable_snapshot(&path.to_string_lossy(), problem),
        })
        .collect();
    let mut after: Vec<Snapshot> = source.places.iter().map(|f| diff::snapshot(f, &ctx)).collect();
    // Files the loader could not read (size, encoding) are still places.
    for d in &source.diagnostics {
        let path = d.file.to_string_lossy().replace('\\', "/");
        if d.is_error() && path.starts_with(&format!("{PLACES_DIR}/")) && !after.iter().any(|s| s.path == path) {
            after.push(diff::unreadable_snapshot(&path, &d.message));
        }
    }
    Ok(diff::compare(reference, &before, &after))
}
