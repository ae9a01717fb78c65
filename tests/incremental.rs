//! `serve`'s incremental rebuilds: after each kind of edit, the served
//! folder is exactly what a full build of the same files gives.

mod common;

use annuaire::incremental::{LiveSite, Outcome};
use annuaire::pipeline::{self, BuildOptions};
use annuaire::render::RenderOptions;
use common::*;
use std::path::{Path, PathBuf};

fn options(root: &Path, output: PathBuf) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: Some(output),
        base_url: Some("http://127.0.0.1:1111/".into()),
        render: RenderOptions { live_reload: true },
        threads: None,
    }
}

/// Replaces the front-matter line starting with `key:`.
fn set_field(file: &Path, key: &str, value: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if !found && l.starts_with(&format!("{key}:")) {
                found = true;
                format!("{key}: {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "{key} in {}", file.display());
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// A named change to the site's files.
type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);

fn assert_same_as_full_build(live_output: &Path, root: &Path, scratch: &Path, what: &str) {
    let full = scratch.join(format!("complet-{}", what.replace(' ', "-")));
    pipeline::build(&options(root, full.clone())).unwrap();
    let a = read_tree(live_output);
    let b = read_tree(&full);
    let only_a: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_b: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "{what}: {only_a:?} / {only_b:?}"
    );
    for (path, bytes) in &a {
        assert!(&b[path] == bytes, "{what}: {path} differs from a full build");
    }
}

#[test]
fn every_kind_of_edit_gives_what_a_full_build_gives() {
    let Demo {
        dir,
        root,
        out,
        mut live,
    } = Demo::built();
    let place = root.join("content/lieux/ciapa-pau.md");
    let other = root.join("content/lieux/cyberbase-bayonne.md");

    let edits: Vec<Edit> = vec![
        (
            "presentation",
            Box::new(|| {
                append(&place, "Une phrase de plus.");
            }),
        ),
        (
            "telephone",
            Box::new(|| set_field(&place, "telephone", "\"+33559000000\"")),
        ),
        ("nom", Box::new(|| set_field(&place, "nom", "\"AAA Centre seniors\""))),
        ("date", Box::new(|| set_field(&place, "date_maj", "2026-11-01"))),
        (
            "coordonnees",
            Box::new(|| {
                set_field(&place, "latitude", "43.05");
                set_field(&place, "longitude", "-1.2");
            }),
        ),
        (
            "services",
            Box::new(|| {
                let text = std::fs::read_to_string(&place).unwrap();
                let text = text.replace(
                "services:\n  - \"Maîtrise des outils numériques du quotidien\"",
                "services:\n  - \"Maîtrise des outils numériques du quotidien\"\n  - \"Aide aux démarches administratives\"",
            );
                std::fs::write(&place, text).unwrap();
            }),
        ),
        (
            "commune",
            Box::new(|| {
                set_field(&other, "commune", "\"Anglet\"");
                set_field(&other, "code_insee", "\"64024\"");
                set_field(&other, "code_postal", "\"64600\"");
            }),
        ),
    ];
    let mut incremental = 0;
    for (what, edit) in &edits {
        edit();
        let changed = vec![place.clone(), other.clone()];
        let (outcome, _) = live.apply(&changed).unwrap_or_else(|e| panic!("{what}: {e}"));
        live.refresh_dashboard().unwrap();
        if let Outcome::Incremental { rendered, written } = outcome {
            incremental += 1;
            assert!(
                written >= 1 && rendered < 300,
                "{what}: {rendered} rendered, {written} written"
            );
        }
        assert_same_as_full_build(&out, &root, dir.path(), what);
    }
    assert!(incremental >= 5, "most edits are incremental ({incremental})");
}

#[test]
fn a_description_edit_renders_one_page() {
    let Demo {
        dir,
        root,
        out,
        mut live,
    } = Demo::built();
    let place = root.join("content/lieux/ciapa-pau.md");
    append(&place, "Autre phrase.");
    let (outcome, _) = live.apply(&[place]).unwrap();
    live.refresh_dashboard().unwrap();
    // Its page and the data files; the dashboard comes after.
    match outcome {
        Outcome::Incremental { rendered, written } => {
            assert_eq!(rendered, 1, "only the place's page is rendered");
            assert!(written >= 1, "the place's page is written");
        }
        other => panic!("an edit of one place is incremental: {other:?}"),
    }
    assert_same_as_full_build(&out, &root, dir.path(), "description seule");
}

/// An edit rewrites the open data files from the edited place on, in
/// place; a file that is no longer what `serve` wrote is replaced whole.
#[test]
fn open_data_files_changed_behind_serve_are_written_whole() {
    let Demo {
        dir,
        root,
        out,
        mut live,
    } = Demo::built();
    std::fs::write(out.join("donnees/lieux.csv"), "abîmé").unwrap();
    std::fs::remove_file(out.join("donnees/lieux.geojson")).unwrap();
    let place = root.join("content/lieux/ciapa-pau.md");
    set_field(&place, "telephone", "\"+33559000001\"");
    let (outcome, _) = live.apply(std::slice::from_ref(&place)).unwrap();
    live.refresh_dashboard().unwrap();
    assert!(matches!(outcome, Outcome::Incremental { .. }), "{outcome:?}");
    assert_same_as_full_build(&out, &root, dir.path(), "données ouvertes abîmées");
}

/// Editors leave swap files and short-lived test files beside the one
/// being saved: the build never reads them, so nothing is done; but a
/// folder of places moved away (one event, for the folder) is a full
/// rebuild.
#[test]
fn files_the_build_never_reads_change_nothing() {
    let Demo {
        dir,
        root,
        out,
        mut live,
    } = Demo::built();
    let before = tree_fingerprint(&out);
    let lieux = root.join("content/lieux");
    let swap = lieux.join(".ciapa-pau.md.swp");
    std::fs::write(&swap, "b0VIM").unwrap();
    let gone = lieux.join("4913");
    let (outcome, _) = live.apply(&[swap, gone]).unwrap();
    assert_eq!(outcome, Outcome::Unchanged);
    assert_eq!(tree_fingerprint(&out), before, "nothing written");

    let folder = lieux.join("pays-basque");
    std::fs::create_dir(&folder).unwrap();
    std::fs::rename(lieux.join("cyberbase-bayonne.md"), folder.join("cyberbase-bayonne.md")).unwrap();
    let (outcome, _) = live
        .apply(&[lieux.join("cyberbase-bayonne.md"), folder.join("cyberbase-bayonne.md")])
        .unwrap();
    assert_eq!(outcome, Outcome::Full, "a place in a new file");
    std::fs::rename(&folder, dir.path().join("pays-basque")).unwrap();
    let (outcome, _) = live.apply(std::slice::from_ref(&folder)).unwrap();
    assert_eq!(outcome, Outcome::Full, "the place went with its folder");
    assert_same_as_full_build(&out, &root, dir.path(), "dossier déplacé");
}

#[test]
fn an_invalid_edit_writes_nothing_and_a_new_place_rebuilds_everything() {
    let Demo {
        dir,
        root,
        out,
        mut live,
    } = Demo::built();
    let before = tree_fingerprint(&out);
    let place = root.join("content/lieux/ciapa-pau.md");
    set_field(&place, "code_postal", "\"6400\"");
    let err = live.apply(std::slice::from_ref(&place)).unwrap_err();
    assert!(err.to_string().contains("erreur"), "{err}");
    assert_eq!(tree_fingerprint(&out), before, "nothing written");

    set_field(&place, "code_postal", "\"64000\"");
    let copy = root.join("content/lieux/ciapa-pau-copie.md");
    let text = std::fs::read_to_string(&place)
        .unwrap()
        .replace("id: \"ciapa-pau\"", "id: \"ciapa-pau-copie\"");
    std::fs::write(&copy, text).unwrap();
    let (outcome, _) = live.apply(&[place, copy]).unwrap();
    assert_eq!(outcome, Outcome::Full);
    assert_eq!(
        live.refresh_dashboard().unwrap(),
        0,
        "a full build leaves nothing behind"
    );
    assert_same_as_full_build(&out, &root, dir.path(), "nouveau lieu");
}

#[test]
fn edits_on_a_guided_path_page_listed_by_commune_give_a_full_build() {
    let (dir, root) = site_copy_of_demo();
    // Enough places for the agglomération's "démarches" page to list them
    // by commune rather than as cards.
    add_paperwork_places(&root, 70);
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(&options(&root, out.clone())).unwrap();
    let page = read_text(&out.join("orientation/demarches/200067106/index.html"));
    assert!(page.contains("commune par commune"), "not listed by commune");
    let place = root.join("content/lieux/aide-4.md");
    let edits: Vec<Edit> = vec![
        ("nom", Box::new(|| set_field(&place, "nom", "\"AAA Point d'aide\""))),
        (
            "adresse",
            Box::new(|| set_field(&place, "adresse", "\"2 avenue de la Gare\"")),
        ),
        (
            "commune",
            Box::new(|| {
                set_field(&place, "commune", "\"Biarritz\"");
                set_field(&place, "code_insee", "\"64122\"");
                set_field(&place, "code_postal", "\"64200\"");
            }),
        ),
        (
            "seniors",
            Box::new(|| {
                let text = std::fs::read_to_string(&place).unwrap();
                let text = text.replace("date_maj:", "publics_specifiquement_adresses:\n  - Seniors\ndate_maj:");
                std::fs::write(&place, text).unwrap();
            }),
        ),
    ];
    for (what, edit) in &edits {
        edit();
        live.apply(std::slice::from_ref(&place))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        live.refresh_dashboard().unwrap();
        assert_same_as_full_build(&out, &root, dir.path(), what);
    }
}

/// The demo site copied and built once by `serve`'s machinery.
struct Demo {
    dir: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
    live: LiveSite,
}

impl Demo {
    fn built() -> Demo {
        let (dir, root) = site_copy_of_demo();
        let out = dir.path().join("public");
        let (live, _) = LiveSite::build(&options(&root, out.clone())).unwrap();
        Demo { dir, root, out, live }
    }
}

/// Adds a sentence at the end of a place's description.
fn append(file: &Path, sentence: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, format!("{text}\n{sentence}\n")).unwrap();
}

/// The demo site copied to a temporary folder (content, configuration, static).
fn site_copy_of_demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let root = dir.path().join("site");
    for part in ["content", "static"] {
        copy_dir(&repo_root().join(part), &root.join(part));
    }
    std::fs::copy(repo_root().join("annuaire.yaml"), root.join("annuaire.yaml")).unwrap();
    (dir, root)
}
