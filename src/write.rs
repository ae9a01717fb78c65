//! Writing: output files → the output folder, all or nothing.
//!
//! Files are written to a fresh folder beside the output, which replaces
//! the output only once everything is on disk. A build that fails or is
//! killed midway leaves the previous site as it was; its leftovers are
//! removed by the next run.

use crate::error::Error;
use crate::render::OutputFile;
use std::borrow::Cow;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

const STAGING_PREFIX: &str = ".annuaire-construction-";
const OLD_PREFIX: &str = ".annuaire-ancien-";

/// Writes `files` as the new content of `output`.
pub fn write_site(output: &Path, files: &[OutputFile]) -> Result<(), Error> {
    let staging = Staging::create(output)?;
    for file in files {
        staging.put(&file.path, &file.bytes)?;
    }
    staging.commit()
}

/// A new site being written beside the output, file by file, as pages are
/// rendered (from several threads at once): the whole site is never held
/// in memory. [`Staging::commit`] swaps it in; dropping it uncommitted
/// removes it and leaves the output as it was.
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    parent: PathBuf,
    name: String,
    committed: bool,
}

impl Staging {
    pub fn create(output: &Path) -> Result<Staging, Error> {
        let parent = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        remove_leftovers(&parent, &name);
        let dir = parent.join(format!("{STAGING_PREFIX}{name}-{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            dir,
            output: output.to_path_buf(),
            parent,
            name,
            committed: false,
        })
    }

    /// Writes one file; a later `put` of the same path replaces it.
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        self.put_pieces(path, &[Cow::Borrowed(bytes)])
    }

    /// [`Staging::put`] of a file given as pieces, written in order without
    /// being joined in memory first.
    pub fn put_pieces(&self, path: &str, pieces: &[Cow<'_, [u8]>]) -> Result<(), Error> {
        self.open(path)?.write(pieces)
    }

    /// A file to be written in several calls, as its parts are produced.
    pub fn open(&self, path: &str) -> Result<FileInParts, Error> {
        let rel = safe_relative(path).ok_or_else(|| Error::Internal(format!("chemin de sortie refusé : {path}")))?;
        let full = self.dir.join(&rel);
        if let Some(parent) = full.parent() {
            make_folder(parent)?;
        }
        let file = std::fs::File::create(&full).map_err(|e| Error::io(&full, e))?;
        Ok(FileInParts { file, path: full })
    }

    pub fn commit(mut self) -> Result<(), Error> {
        pause_for_tests();
        swap_in(&self.dir, &self.output, &self.parent, &self.name)?;
        self.committed = true;
        Ok(())
    }
}

/// Replaces the file at `path` with new content, atomically: a reader sees
/// the old file or the new one, never half of it (`serve` writes into the
/// folder being served).
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    replace_file_with_pieces(path, &[Cow::Borrowed(bytes)])
}

/// [`replace_file`] with content given as pieces, written in order without
/// being joined in memory first (the open data of a large site).
pub fn replace_file_with_pieces(path: &Path, pieces: &[Cow<'_, [u8]>]) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        make_folder(parent)?;
    }
    // Beside the file, named after all of it: `lieux.csv` and `lieux.json`
    // may be replaced at the same time.
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".annuaire-tmp");
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        write_all_vectored(&mut file, pieces)
    };
    write().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Rewrites the file at `path` from byte `offset` on with `tail`, in place,
/// if it is still `expected_len` bytes long; otherwise writes nothing and
/// returns `false` (the caller then replaces the whole file).
///
/// Unlike [`replace_file`], a reader could see the file half rewritten:
/// `serve` reads under [`crate::incremental::OUTPUT_LOCK`] for that. It is
/// worth it for the open data of a large site, tens of megabytes: copying
/// only the end, into pages the file already has, is several times faster.
pub fn patch_file_tail(path: &Path, expected_len: u64, offset: u64, tail: &[Cow<'_, [u8]>]) -> Result<bool, Error> {
    use std::io::Seek;
    let patch = || -> std::io::Result<bool> {
        let mut file = match std::fs::OpenOptions::new().write(true).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if file.metadata()?.len() != expected_len || offset > expected_len {
            return Ok(false);
        }
        file.seek(std::io::SeekFrom::Start(offset))?;
        write_all_vectored(&mut file, tail)?;
        file.set_len(offset + tail.iter().map(|p| p.len() as u64).sum::<u64>())?;
        Ok(true)
    };
    patch().map_err(|e| Error::io(path, e))
}

/// Makes `folder` if it does not exist yet. Nearly every page is
/// `<folder>/index.html` in a folder of its own: one `mkdir` first is cheaper
/// than a failed open followed by `mkdir -p`.
fn make_folder(folder: &Path) -> Result<(), Error> {
    match std::fs::create_dir(folder) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // Its parent is missing too.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))
        }
        Err(e) => Err(Error::io(folder, e)),
    }
}

/// Writes every piece in order, many per system call and without copying
/// them together first.
fn write_all_vectored(file: &mut std::fs::File, pieces: &[Cow<'_, [u8]>]) -> std::io::Result<()> {
    // Below the kernel's limit on slices per call (IOV_MAX, 1024 on Linux).
    const BATCH: usize = 512;
    for batch in pieces.chunks(BATCH) {
        let mut slices: Vec<std::io::IoSlice<'_>> = batch
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| std::io::IoSlice::new(p))
            .collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            let n = file.write_vectored(rest)?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            std::io::IoSlice::advance_slices(&mut rest, n);
        }
    }
    Ok(())
}

/// A file of the new site written in parts (see [`Staging::open`]).
pub struct FileInParts {
    file: std::fs::File,
    path: PathBuf,
}

impl FileInParts {
    pub fn write(&mut self, pieces: &[Cow<'_, [u8]>]) -> Result<(), Error> {
        write_all_vectored(&mut self.file, pieces).map_err(|e| Error::io(&self.path, e))
    }

    /// Closes the file (like [`Staging::put`], without waiting for the disk).
    pub fn finish(self) -> Result<(), Error> {
        drop(self.file);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Test hook: `ANNUAIRE_PAUSE_AVANT_ECHANGE=<ms>` waits with everything
/// written but not yet swapped in, so that a test can kill the build at the
/// worst moment.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("ANNUAIRE_PAUSE_AVANT_ECHANGE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Only plain relative paths may be written: no `..`, no root, no drive.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    if path.is_empty() || path.contains('\0') || path.contains('\\') {
        return None;
    }
    let p = Path::new(path);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| p.to_path_buf())
}

fn swap_in(staging: &Path, output: &Path, parent: &Path, name: &str) -> Result<(), Error> {
    if output.exists() {
        let old = parent.join(format!("{OLD_PREFIX}{name}-{}", std::process::id()));
        std::fs::rename(output, &old).map_err(|e| Error::io(output, e))?;
        if let Err(e) = std::fs::rename(staging, output) {
            // Put the previous site back: never leave the output missing.
            let _ = std::fs::rename(&old, output);
            return Err(Error::io(output, e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(staging, output).map_err(|e| Error::io(output, e))?;
    }
    Ok(())
}

/// Removes staging and old folders left by a killed build of this output.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let staging = file_name.strip_prefix(STAGING_PREFIX);
        let old = file_name.strip_prefix(OLD_PREFIX);
        if let Some(rest) = staging.or(old)
            && rest
                .rsplit_once('-')
                .is_some_and(|(n, pid)| n == name && pid.chars().all(|c| c.is_ascii_digit()))
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_file_written_in_pieces_is_their_concatenation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("donnees").join("lieux.csv");
        // More pieces than one system call takes, some empty, some large.
        let pieces: Vec<Cow<'_, [u8]>> = (0..2000u32)
            .map(|i| match i % 3 {
                0 => Cow::Owned(Vec::new()),
                1 => Cow::Owned(format!("ligne {i}\n").into_bytes()),
                _ => Cow::Owned(vec![b'a' + (i % 26) as u8; (i as usize * 37) % 5000]),
            })
            .collect();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "ancien contenu").unwrap();
        replace_file_with_pieces(&path, &pieces).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), pieces.concat());
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("lieux.csv")],
            "no temporary file left"
        );
    }

    #[test]
    fn a_patched_tail_gives_the_new_content_whether_shorter_or_longer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lieux.json");
        std::fs::write(&path, "[un,deux,trois]").unwrap();
        let tail = |s: &'static str| vec![Cow::Borrowed(s.as_bytes())];
        assert!(patch_file_tail(&path, 15, 4, &tail("DEUX-LONG,trois]")).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[un,DEUX-LONG,trois]");
        assert!(patch_file_tail(&path, 20, 1, &tail("x]")).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[x]");
    }

    #[test]
    fn a_file_of_unexpected_length_is_not_patched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lieux.csv");
        std::fs::write(&path, "abcdef").unwrap();
        let tail = [Cow::Borrowed(&b"XY"[..])];
        assert!(!patch_file_tail(&path, 7, 2, &tail).unwrap());
        assert!(!patch_file_tail(&path, 6, 9, &tail).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "abcdef");
        assert!(!patch_file_tail(&dir.path().join("absent.csv"), 6, 2, &tail).unwrap());
        assert!(!dir.path().join("absent.csv").exists());
    }

    #[test]
    fn replaces_the_output_and_leaves_no_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("a/index.html", "1"), file("old.txt", "x")]).unwrap();
        write_site(&out, &[file("a/index.html", "2")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "2");
        assert!(!out.join("old.txt").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("public")]);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[file("index.html", "avant")]).unwrap();
        let err = write_site(&out, &[file("index.html", "après"), file("../evasion.html", "x")]);
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "avant");
        assert!(!dir.path().join("evasion.html").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_a_killed_build_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir(dir.path().join(format!("{STAGING_PREFIX}public-12345"))).unwrap();
        write_site(&out, &[file("index.html", "x")]).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\b", "a\0b"] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
        assert!(safe_relative("lieux/a/index.html").is_some());
    }
}
