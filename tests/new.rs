//! `annuaire new lieu "Nom"`: a commented template, named after the place,
//! that passes `annuaire check` as is and is never overwritten.

mod common;

use common::*;

#[test]
fn new_place_creates_a_template_that_passes_check() {
    let (_guard, root) = site_copy("minimal");
    let created = root.join("content/lieux/mediatheque-d-oloron.md");
    let run = annuaire(&["new", "lieu", "Médiathèque d'Oloron", "--root", path_arg(&root)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(created.is_file(), "{}", run.stdout);
    assert!(run.stdout.contains("mediatheque-d-oloron.md"), "{}", run.stdout);
    let text = read_text(&created);
    assert!(text.starts_with("---\n"), "{text}");
    assert!(text.contains("\nid: mediatheque-d-oloron\n"), "{text}");
    assert!(text.contains("\nnom: \"Médiathèque d'Oloron\"\n"), "{text}");
    assert!(
        text.contains("\ndate_maj: 2026-11-18\n"),
        "today comes from SOURCE_DATE_EPOCH: {text}"
    );

    // As created, the file passes the check.
    let check_run = check(&root, Some("json"));
    let report: serde_json::Value = serde_json::from_str(&check_run.stdout).unwrap();
    let about_new: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "content/lieux/mediatheque-d-oloron.md")
        .collect();
    assert_eq!(
        check_run.code, 0,
        "the new file must pass `annuaire check`: {about_new:#?}"
    );
    assert!(
        about_new.is_empty(),
        "no warning either on a fresh template: {about_new:#?}"
    );

    // The commented closure example is valid once uncommented.
    let with_closure = text
        .replace("# fermeture_temporaire:", "fermeture_temporaire:")
        .replace("#   du: ", "  du: ")
        .replace("#   au: ", "  au: ")
        .replace("#   message: ", "  message: ");
    assert!(
        with_closure.contains("\nfermeture_temporaire:\n  du: 2026-12-18\n  au: 2027-01-01\n"),
        "{with_closure}"
    );
    std::fs::write(&created, &with_closure).unwrap();
    let closure_run = check(&root, None);
    assert_eq!(closure_run.code, 0, "{}", closure_run.stdout);
    assert!(
        !closure_run.stdout.contains("mediatheque-d-oloron.md"),
        "{}",
        closure_run.stdout
    );
    std::fs::write(&created, &text).unwrap();

    // A second time: refused, and the partner's edits are kept.
    std::fs::write(&created, format!("{text}Texte ajouté par le partenaire.\n")).unwrap();
    let again = annuaire(&["new", "lieu", "Médiathèque d'Oloron", "--root", path_arg(&root)]);
    assert_eq!(again.code, 2, "{}{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("existe déjà"), "{}", again.stderr);
    assert_eq!(
        read_text(&created),
        format!("{text}Texte ajouté par le partenaire.\n"),
        "never overwritten"
    );
}
