//! Malformed and hostile files (traversal ids, YAML bombs, duplicate keys,
//! bad encodings, huge and deeply nested files, typographic quotes, tabs):
//! each gets its exact French diagnostic, in one run, and nothing is built.
//!
//! `ANNUAIRE_BLESS=1 cargo test --test hostile` rewrites the expected
//! output; read the diff before committing it.

mod common;

use common::*;

#[test]
fn every_hostile_file_gets_its_exact_diagnostic() {
    let run = check(&fixture("hostile"), None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected_path = fixture("hostile.expected.txt");
    if std::env::var_os("ANNUAIRE_BLESS").is_some() {
        std::fs::write(&expected_path, &run.stdout).unwrap();
    }
    assert_eq!(
        normalize_newlines(&run.stdout),
        normalize_newlines(&read_text(&expected_path))
    );
    // The file with a BOM is accepted: nothing is said about it.
    assert!(!run.stdout.contains("avec-bom.md"), "{}", run.stdout);
}

#[test]
fn a_hostile_site_is_not_built() {
    let dir = tempdir();
    let out = dir.path().join("public");
    let run = build(&fixture("hostile"), &out);
    assert_eq!(run.code, 1);
    assert!(!out.exists());
}
