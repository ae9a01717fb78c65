//! `annuaire diff REF`: a fixture git repository, made by the test in a
//! temporary folder, where places are added, changed (validly or not) and
//! deleted; the three formats are compared with golden files
//! (`ANNUAIRE_BLESS=1 cargo test --test diff` rewrites them).

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // The machine's own git configuration must not matter.
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Essai")
        .env("GIT_AUTHOR_EMAIL", "essai@exemple.fr")
        .env("GIT_COMMITTER_NAME", "Essai")
        .env("GIT_COMMITTER_EMAIL", "essai@exemple.fr")
        .env("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T10:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const NEW_PLACE: &str = "---\npivot: \"21640445100012\"\nnom: Tiers-lieu [Le Hangar]\nadresse: 2 rue du Port\ncode_postal: \"64100\"\ncommune: Bayonne\ncode_insee: \"64102\"\nservices:\n  - Accès internet et matériel informatique\ndate_maj: 2026-11-10\n---\nAteliers le samedi.\n";

/// A repository whose site lives in `site/` (not at the repository's root,
/// as in a département's fork with other folders), with one commit of the
/// minimal fixture, then uncommitted changes: one place added, one changed,
/// one broken, one deleted.
fn fixture_repository() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempdir();
    let repo = dir.path().join("depot");
    let site = repo.join("site");
    copy_dir(&fixture("minimal"), &site);
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "Lieux de départ"]);

    let lieux = site.join("content/lieux");
    let media = lieux.join("mediatheque-andre-labarrere-pau.md");
    let text = read_text(&media);
    let old_hours = "horaires: \"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off\"";
    assert!(
        text.contains(old_hours),
        "the fixture's hours changed: update this test"
    );
    let changed = text
        .replace(old_hours, "horaires: \"Tu-Sa 10:00-18:00; PH off\"")
        .replace("date_maj: 2026-09-15", "date_maj: 2026-11-15");
    std::fs::write(&media, changed).unwrap();
    let cyber = lieux.join("cyberbase-bayonne.md");
    let broken = read_text(&cyber)
        .replace("telephone: 05.59.15.10.91", "telephone: 05 59")
        .replace("  - Jeunes\n", "  - Jeunes\n  - Famille\n");
    std::fs::write(&cyber, broken).unwrap();
    std::fs::remove_file(lieux.join("ccas-anglet.md")).unwrap();
    std::fs::write(lieux.join("tiers-lieu-le-hangar.md"), NEW_PLACE).unwrap();
    // Not a place file: ignored on both sides.
    std::fs::write(lieux.join("notes.txt"), "à faire").unwrap();
    (dir, site)
}

fn diff(site: &Path, reference: &str, format: &str) -> Run {
    annuaire(&["diff", reference, "--root", path_arg(site), "--format", format])
}

fn golden(name: &str, got: &str) {
    let path = repo_root().join("tests/fixtures/diff").join(name);
    if std::env::var_os("ANNUAIRE_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = normalize_newlines(&read_text(&path));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} differs from tests/fixtures/diff/{name}", i + 1);
    }
    assert_eq!(got, want, "the whole output must equal tests/fixtures/diff/{name}");
}

#[test]
fn text_markdown_and_json_goldens() {
    let (_guard, site) = fixture_repository();
    for (format, file) in [
        ("text", "attendu.txt"),
        ("markdown", "attendu.md"),
        ("json", "attendu.json"),
    ] {
        let run = diff(&site, "HEAD", format);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        golden(file, &run.stdout);
    }
}

#[test]
fn the_summary_reads_like_the_issue_asks() {
    let (_guard, site) = fixture_repository();
    let run = diff(&site, "HEAD", "text");
    let out = &run.stdout;
    assert!(
        out.starts_with("Par rapport à HEAD : 1 lieu ajouté, 2 lieux modifiés, 1 lieu retiré.\n"),
        "{out}"
    );
    assert!(
        out.contains("Médiathèque André-Labarrère : horaires changés de « Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off » à « Tu-Sa 10:00-18:00; PH off »"),
        "{out}"
    );
    assert!(
        out.contains("date de mise à jour changée de « 2026-09-15 » à « 2026-11-15 »"),
        "{out}"
    );
    // The broken file is still compared field by field, on the values as typed.
    assert!(
        out.contains("Cyberbase de Bayonne : téléphone changé de « 05.59.15.10.91 » à « 05 59 »"),
        "{out}"
    );
    assert!(
        out.contains("publics spécifiquement adressés : ajouté « Famille »"),
        "{out}"
    );
    assert!(out.contains("! la fiche a maintenant 2 erreurs"), "{out}");
    assert!(
        out.contains("+ Tiers-lieu [Le Hangar], Bayonne (content/lieux/tiers-lieu-le-hangar.md)"),
        "{out}"
    );
    assert!(
        out.contains("- CCAS d'Anglet, Anglet (content/lieux/ccas-anglet.md)"),
        "{out}"
    );
    assert!(!out.contains("notes.txt"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&diff(&site, "HEAD", "json").stdout).unwrap();
    assert_eq!(json["added"][0]["id"], "tiers-lieu-le-hangar");
    assert_eq!(json["removed"][0]["id"], "ccas-anglet");
    assert_eq!(json["changed"].as_array().unwrap().len(), 2);
    let md = diff(&site, "HEAD", "markdown").stdout;
    assert!(
        md.contains("**Tiers\\-lieu \\[Le Hangar\\], Bayonne**"),
        "partner text is escaped: {md}"
    );
}

#[test]
fn committed_changes_compare_the_same_way() {
    // In CI the change is committed and compared with the base branch.
    let (_guard, site) = fixture_repository();
    let before = diff(&site, "HEAD", "json").stdout;
    let repo = site.parent().unwrap();
    git(repo, &["checkout", "--quiet", "-b", "proposition"]);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "--quiet", "-m", "Proposition"]);
    let after = diff(&site, "main", "json");
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(after.stdout, before.replace("\"base\": \"HEAD\"", "\"base\": \"main\""));
    let none = diff(&site, "HEAD", "text");
    assert_eq!(
        none.stdout,
        "Aucun lieu ajouté, modifié ou retiré par rapport à HEAD.\n"
    );
}

#[test]
fn unknown_reference_and_missing_repository_are_clear_errors() {
    let (_guard, site) = fixture_repository();
    let run = diff(&site, "origin/nexiste-pas", "text");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("la référence « origin/nexiste-pas » est introuvable"),
        "{}",
        run.stderr
    );
    let run = diff(&site, "--upload-pack=x", "text");
    assert_ne!(run.code, 0);
    let run = annuaire(&["diff", "--root", path_arg(&site), "--", "-x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("n'est pas une référence git"), "{}", run.stderr);

    let (_guard2, copy) = site_copy("minimal");
    let run = diff(&copy, "HEAD", "text");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("n'est pas dans un dépôt git"), "{}", run.stderr);
}

#[test]
fn without_git_the_message_says_so() {
    let (_guard, site) = fixture_repository();
    let empty = tempdir();
    let output = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args(["diff", "HEAD", "--root", path_arg(&site)])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("erreur : git : la commande git est introuvable : installez git"),
        "{stderr}"
    );
}
