//! Golden tests of `annuaire import` on small files of each format, with
//! broken rows: the report, and every file written.
//!
//! `ANNUAIRE_BLESS=1 cargo test --test import` rewrites the expected files;
//! read the diff before committing it.

use std::path::Path;
use std::process::Command;

fn run_import(fixture: &str) -> String {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("annuaire.yaml"),
        "titre: Essai\nediteur: Essai\nurl_de_base: https://exemple.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: Essai\n  courriel: essai@exemple.fr\n",
    )
    .unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(fixture);
    let output = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .arg("import")
        .arg(&input)
        .arg("--root")
        .arg(site.path())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .output()
        .unwrap();
    let mut transcript = format!("code de sortie : {}\n", output.status.code().unwrap());
    transcript.push_str(&String::from_utf8(output.stdout).unwrap());
    let dir = site.path().join("content/lieux");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names {
        transcript.push_str(&format!("\n===== {}\n", name.to_string_lossy()));
        transcript.push_str(&std::fs::read_to_string(dir.join(&name)).unwrap());
    }
    // Every file written passes check as it is.
    let check = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args(["check", "--root"])
        .arg(site.path())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // Importing the same file again changes nothing.
    let again = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .arg("import")
        .arg(&input)
        .arg("--root")
        .arg(site.path())
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .output()
        .unwrap();
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(again.contains("0 nouvelle, 0 mise à jour"), "{again}");
    transcript
}

fn golden(fixture: &str) {
    let actual = run_import(fixture);
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(format!("{fixture}.attendu.txt"));
    if std::env::var_os("ANNUAIRE_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(
        actual,
        expected,
        "import of {fixture} differs from {}",
        expected_path.display()
    );
}

#[test]
fn v1_csv() {
    golden("v1.csv");
}

#[test]
fn v1_json() {
    golden("v1.json");
}

#[test]
fn legacy_json() {
    golden("v01.json");
}

#[test]
fn legacy_csv() {
    golden("v01.csv");
}

#[test]
fn nothing_valid_means_a_failure() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("annuaire.yaml"), "titre: E\nediteur: E\nurl_de_base: https://e.fr/\ndepartements: [\"33\"]\ncontact:\n  nom: E\n  courriel: e@e.fr\n").unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/v01.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .arg("import")
        .arg(&input)
        .arg("--root")
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&status.stdout).contains("2 hors des départements demandés"));
}

#[test]
fn a_partner_edit_is_kept_unless_forced() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("annuaire.yaml"), "titre: E\nediteur: E\nurl_de_base: https://e.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: E\n  courriel: e@e.fr\n").unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/v1.json");
    let import = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_annuaire"))
            .arg("import")
            .arg(&input)
            .arg("--root")
            .arg(site.path())
            .args(extra)
            .env("SOURCE_DATE_EPOCH", "1795000000")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    import(&[]);
    let file = site.path().join("content/lieux/espace-numerique-d-anglet-anglet.md");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("2026-10-01", "2026-11-02")
        .replace("0559000001", "0559000009");
    let edited = edited.replace("+33559000001", "+33559000009");
    std::fs::write(&file, &edited).unwrap();
    let report = import(&[]);
    assert!(report.contains("1 conservée"), "{report}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    let dry = import(&["--force", "--dry-run"]);
    assert!(dry.contains("1 mise à jour"), "{dry}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        edited,
        "dry run writes nothing"
    );
    let forced = import(&["--force"]);
    assert!(forced.contains("1 mise à jour"), "{forced}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("+33559000001"));
}
