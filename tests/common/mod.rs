//! Helpers shared by the integration tests: running the binary with a fixed
//! date, fixture paths, copying sites, reading output trees, and a small
//! HTML attribute scanner that copes with minified (unquoted) attributes.

#![allow(dead_code)]

use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{LazyLock, OnceLock};

/// 2026-11-18 11:06:40 UTC: builds and checks never depend on the clock.
pub const SOURCE_DATE_EPOCH: &str = "1795000000";

/// The base URL the build tests publish under (a sub-folder on purpose).
pub const BASE_URL: &str = "https://exemple.fr/annuaire/";
pub const BASE_PATH: &str = "/annuaire/";

/// Every commune of Pyrénées-Atlantiques in the embedded reference (COG 2026).
pub const COMMUNES_64: usize = 545;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests").join("fixtures").join(name)
}

/// The result of one run of the binary, with text already decoded.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code().expect("the binary was killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Runs `annuaire <args>` with `SOURCE_DATE_EPOCH` set, from a neutral
/// working directory so that no test depends on the current folder.
pub fn annuaire(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env_remove("NO_COLOR")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the annuaire binary runs");
    Run::from_output(output)
}

pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// `annuaire check --root <root> [--format <format>]`.
pub fn check(root: &Path, format: Option<&str>) -> Run {
    let mut args = vec!["check", "--root", path_arg(root)];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    annuaire(&args)
}

/// `annuaire build --root <root> --output <output> --base-url https://exemple.fr/annuaire/`.
pub fn build(root: &Path, output: &Path) -> Run {
    annuaire(&[
        "build",
        "--root",
        path_arg(root),
        "--output",
        path_arg(output),
        "--base-url",
        BASE_URL,
    ])
}

/// Builds the minimal fixture into `<dir>/public` and returns that path.
pub fn build_minimal(dir: &Path) -> PathBuf {
    build_into(&fixture("minimal"), dir)
}

/// Builds the site at `root` into `<dir>/public`, which must succeed, and
/// returns that path.
pub fn build_into(root: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("public");
    let run = build(root, &out);
    assert_eq!(run.code, 0, "{} must build:\n{}", root.display(), run.stderr);
    out
}

/// The minimal fixture built once per test binary (into a temporary folder
/// removed right after), kept in memory: `(the build's run, path → bytes)`.
pub fn minimal_site() -> &'static (Run, BTreeMap<String, Vec<u8>>) {
    static SITE: OnceLock<(Run, BTreeMap<String, Vec<u8>>)> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("public");
        let run = build(&fixture("minimal"), &out);
        assert_eq!(run.code, 0, "the minimal fixture must build:\n{}", run.stderr);
        let tree = read_tree(&out);
        (run, tree)
    })
}

/// The files of the built minimal fixture.
pub fn minimal_tree() -> &'static BTreeMap<String, Vec<u8>> {
    &minimal_site().1
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("annuaire-test-")
        .tempdir()
        .expect("temporary folder")
}

/// Copies a folder recursively (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of a fixture site in a fresh temporary folder: `(guard, site root)`.
pub fn site_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let root = dir.path().join("site");
    copy_dir(&fixture(name), &root);
    (dir, root)
}

/// Every file under `dir`, by `/`-separated relative path, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// 64-bit FNV-1a: a stable fingerprint of a file's bytes.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Relative path → (size, FNV-1a hash) for every file under `dir`.
pub fn tree_fingerprint(dir: &Path) -> BTreeMap<String, (usize, u64)> {
    read_tree(dir)
        .into_iter()
        .map(|(path, bytes)| (path, (bytes.len(), fnv1a64(&bytes))))
        .collect()
}

/// The HTML files of an output tree, as text.
pub fn html_files(tree: &BTreeMap<String, Vec<u8>>) -> Vec<(&str, String)> {
    tree.iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            (
                path.as_str(),
                String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path} is UTF-8")),
            )
        })
        .collect()
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Values of the given attributes in every tag of `html`, whether quoted
/// with `"`, with `'`, or not at all (the minifier drops needless quotes).
/// Character references `&amp;`, `&quot;`, `&#…;` are decoded.
pub fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    // The attributes of a start tag, after its name; attributes are read
    // one after the other so that text inside a quoted value is never
    // mistaken for an attribute.
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[a-zA-Z][a-zA-Z0-9-]*([^>]*)>").unwrap());
    static ATTR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#).unwrap());
    let mut out = Vec::new();
    for tag in TAG.captures_iter(html) {
        for caps in ATTR.captures_iter(&tag[1]) {
            if !names.iter().any(|n| caps[1].eq_ignore_ascii_case(n)) {
                continue;
            }
            if let Some(value) = caps.get(2).or(caps.get(3)).or(caps.get(4)) {
                out.push(decode_entities(value.as_str()));
            }
        }
    }
    out
}

/// Every `id` attribute of a page.
pub fn ids(html: &str) -> std::collections::HashSet<String> {
    attribute_values(html, &["id"]).into_iter().collect()
}

/// Decodes the character references a serializer may emit.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    static REFERENCE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);").unwrap());
    REFERENCE
        .replace_all(s, |caps: &regex::Captures<'_>| {
            let name = &caps[1];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    char::from_u32(u32::from_str_radix(&name[2..], 16).unwrap()).unwrap()
                }
                _ => char::from_u32(name[1..].parse().unwrap()).unwrap(),
            };
            c.to_string()
        })
        .into_owned()
}

/// The output file a site URL path (under the base path) is served from:
/// `/annuaire/lieux/x/` → `lieux/x/index.html`. `None` when outside the base.
pub fn file_for_url_path(url_path: &str) -> Option<String> {
    let rel = url_path.strip_prefix(BASE_PATH)?;
    Some(if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    })
}

/// Lines of a text file with Windows line endings tolerated.
pub fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// A place of the Communauté d'agglomération Pays Basque helping with
/// online paperwork, in `commune`.
pub fn paperwork_place(n: usize, commune: (&str, &str, &str), senior: bool) -> String {
    let (insee, nom, postcode) = commune;
    let publics = if senior {
        "publics_specifiquement_adresses:\n  - Seniors\n"
    } else {
        ""
    };
    format!(
        "---\nid: aide-{n}\npivot: \"26640024100015\"\nnom: Point d'aide numéro {n}\nadresse: {n} rue du Port\ncode_postal: \"{postcode}\"\n\
         commune: {nom}\ncode_insee: \"{insee}\"\nservices:\n  - Aide aux démarches administratives\n{publics}\
         date_maj: 2026-11-02\n---\nAide aux démarches.\n"
    )
}

/// Three communes of the Communauté d'agglomération Pays Basque (INSEE, name, postcode).
pub const PAYS_BASQUE_COMMUNES: [(&str, &str, &str); 3] = [
    ("64024", "Anglet", "64600"),
    ("64102", "Bayonne", "64100"),
    ("64122", "Biarritz", "64200"),
];

/// `count` places `aide-N` helping with paperwork, spread over
/// [`PAYS_BASQUE_COMMUNES`], one in ten for seniors.
pub fn add_paperwork_places(root: &Path, count: usize) {
    for n in 0..count {
        let place = paperwork_place(n, PAYS_BASQUE_COMMUNES[n % 3], n % 10 == 0);
        std::fs::write(root.join(format!("content/lieux/aide-{n}.md")), place).unwrap();
    }
}
