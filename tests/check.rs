//! `annuaire check`: every problem of every file in one run, at the exact
//! line and column, in the three output formats; exit codes.

mod common;

use common::*;
use serde_json::Value;

const EXPECTED: &str = "tests/fixtures/broken.expected.txt";

fn expected_human() -> String {
    normalize_newlines(&read_text(&repo_root().join(EXPECTED)))
}

fn broken_json() -> Value {
    let run = check(&fixture("broken"), Some("json"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check --format json is not JSON ({e}):\n{}", run.stdout))
}

#[test]
fn broken_site_lists_every_error_at_its_exact_position() {
    let run = check(&fixture("broken"), None);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(repo_root().join(EXPECTED), &run.stdout).unwrap();
    }
    assert_eq!(run.code, 1, "content errors exit with 1\n{}{}", run.stdout, run.stderr);
    let expected = expected_human();
    // Line by line first, for a readable failure.
    for (i, (got, want)) in run.stdout.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "line {} of the output differs from {EXPECTED}", i + 1);
    }
    assert_eq!(run.stdout, expected, "the whole output must equal {EXPECTED}");
}

#[test]
fn golden_file_covers_every_kind_of_mistake() {
    // Guards the golden file itself: each mistake planted in the fixture is
    // reported with the position counted by hand in the fixture files.
    let expected = expected_human();
    let diagnostics: Vec<&str> = expected.lines().filter(|l| !l.starts_with("  aide : ")).collect();
    let planted = [
        // Duplicate key: the second `nom`, line 10 column 1.
        "content/lieux/cle-en-double.md:10:1: erreur: le champ « nom » est écrit deux fois (lignes 2 et 10)",
        // List item `  - contact@tiers-lieu`: the value starts at column 5.
        "content/lieux/cle-en-double.md:12:5: erreur: l'adresse de courriel « contact@tiers-lieu » n'est pas valide",
        "content/lieux/cle-en-double.md:13:1: erreur: champ inconnu « publics_accueillis »",
        // `code_postal: "64100"`: value at column 14.
        "content/lieux/fautes-de-frappe.md:6:14: erreur: le code postal 64100 n'est pas celui de Pau (64445)",
        "content/lieux/fautes-de-frappe.md:11:1: erreur: champ inconnu « telephon »",
        // `telephone: 05 59 12`: value at column 12.
        "content/lieux/fautes-de-frappe.md:12:12: erreur: le numéro de téléphone « 05 59 12 » n'est pas reconnu",
        "content/lieux/fautes-de-frappe.md:14:5: erreur: « Aide aux demarches administrative » n'est pas une valeur permise pour « services »",
        "content/lieux/fautes-de-frappe.md:17:5: erreur: « Gratuite » n'est pas une valeur permise pour « frais_a_charge »",
        // `date_maj: 2027-01-15`: value at column 11; today is 2026-11-18.
        "content/lieux/fautes-de-frappe.md:18:11: erreur: la date de mise à jour 2027-01-15 est dans le futur",
        // Body line 20, `<b>` after « Un espace pour » (15 characters).
        "content/lieux/fautes-de-frappe.md:20:16: avertissement: le HTML n'est pas permis dans la présentation : il sera retiré",
        "content/lieux/hors-departement.md:1:1: erreur: le champ obligatoire « adresse » (adresse) manque",
        "content/lieux/hors-departement.md:1:1: erreur: le champ obligatoire « pivot » (siret ou rna ou ridet) manque",
        "content/lieux/hors-departement.md:2:5: erreur: l'identifiant « lieu-des-landes » ne correspond pas au nom du fichier « hors-departement.md »",
        // `code_insee: "40192"`: value at column 13.
        "content/lieux/hors-departement.md:6:13: erreur: Mont-de-Marsan (40192) est dans le département 40, pas dans celui de ce site (64)",
        "content/lieux/tabulation.md:4:1: erreur: une tabulation sert d'indentation, ce que le YAML interdit",
        // `horaires: Lundi: 9h-12h`: the second colon is column 16.
        "content/lieux/yaml-invalide.md:4:16: erreur: deux-points inattendus dans une valeur",
        "content/pages/aide.md:1:1: erreur: la page n'a pas de titre",
        "content/pages/aide.md:2:1: erreur: champ inconnu « titr »",
        "content/pages/aide.md:3:8: erreur: ordre « premier » n'est pas un nombre entier",
    ];
    for line in planted {
        assert!(diagnostics.contains(&line), "{EXPECTED} lacks:\n{line}");
    }
    // Near misses come with a suggestion.
    for hint in [
        "  aide : vouliez-vous dire « telephone » ?",
        "  aide : vouliez-vous dire « Aide aux démarches administratives » ? Les valeurs doivent être écrites exactement ainsi",
        "  aide : vouliez-vous dire « Gratuit » ? Les valeurs doivent être écrites exactement ainsi",
        "  aide : codes postaux de Pau : 64000",
        "  aide : « publics_accueillis » vient de l'ancien schéma v0.1 : utilisez « publics_specifiquement_adresses »",
    ] {
        assert!(
            expected.lines().any(|l| l == hint),
            "{EXPECTED} lacks the hint:\n{hint}"
        );
    }
    assert!(expected.ends_with("18 erreurs, 2 avertissements.\n"), "{expected}");
}

#[test]
fn every_reported_position_exists_in_its_file() {
    // Each line:column points inside the file (column counted in characters,
    // line counted from the front matter's first `---`), except 1:1 which
    // stands for the whole file.
    let root = fixture("broken");
    let line_re = regex::Regex::new(r"^(.+?):(\d+):(\d+): (erreur|avertissement): ").unwrap();
    for line in expected_human().lines().filter(|l| !l.starts_with("  ")) {
        let Some(caps) = line_re.captures(line) else { continue };
        let text = read_text(&root.join(&caps[1]));
        let (l, c): (usize, usize) = (caps[2].parse().unwrap(), caps[3].parse().unwrap());
        let file_line = text
            .lines()
            .nth(l - 1)
            .unwrap_or_else(|| panic!("{line}: the file has no line {l}"));
        assert!(
            c <= file_line.chars().count().max(1),
            "{line}: column {c} is past the end of «{file_line}»"
        );
        if (l, c) != (1, 1) {
            let at = file_line.chars().nth(c - 1).unwrap();
            assert!(
                !at.is_whitespace() || at == '\t',
                "{line}: column {c} points at a blank in «{file_line}»"
            );
        }
    }
}

#[test]
fn json_format_counts_and_matches_the_human_output() {
    let report = broken_json();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(report["errors"], 18);
    assert_eq!(report["warnings"], 2);
    assert_eq!(diagnostics.len(), 20);
    let errors = diagnostics.iter().filter(|d| d["severity"] == "error").count();
    let warnings = diagnostics.iter().filter(|d| d["severity"] == "warning").count();
    assert_eq!((errors, warnings), (18, 2));
    // Several files, several problems per file.
    let mut per_file = std::collections::BTreeMap::<&str, usize>::new();
    for d in diagnostics {
        *per_file.entry(d["file"].as_str().unwrap()).or_default() += 1;
        assert!(d["code"].as_str().is_some_and(|c| !c.is_empty()), "{d}");
        assert!(
            d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1,
            "{d}"
        );
    }
    assert_eq!(per_file.len(), 6, "{per_file:?}");
    assert!(per_file.values().filter(|&&n| n >= 3).count() >= 4, "{per_file:?}");
    // Same diagnostics, same order as the human format.
    let human: Vec<String> = expected_human()
        .lines()
        .filter(|l| !l.starts_with("  "))
        .map(str::to_string)
        .collect();
    let from_json: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let label = if d["severity"] == "error" {
                "erreur"
            } else {
                "avertissement"
            };
            format!(
                "{}:{}:{}: {label}: {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .chain(std::iter::once("18 erreurs, 2 avertissements.".to_string()))
        .collect();
    assert_eq!(from_json, human);
    let codes: std::collections::BTreeSet<&str> = diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect();
    for code in [
        "champ-inconnu",
        "vocabulaire",
        "telephone",
        "code-postal",
        "hors-departement",
        "champ-obligatoire",
        "cle-en-double",
        "yaml",
        "yaml-tabulation",
        "identifiant",
        "date",
    ] {
        assert!(codes.contains(code), "no « {code} » diagnostic in {codes:?}");
    }
}

/// GitHub's workflow-command escaping, written independently of the crate.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[test]
fn github_format_annotates_each_problem() {
    let run = check(&fixture("broken"), Some("github"));
    assert_eq!(run.code, 1);
    let report = broken_json();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        diagnostics.len(),
        "one line per problem, newlines escaped:\n{}",
        run.stdout
    );
    let line_re =
        regex::Regex::new(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+)(?:,title=([^,:]*))?::(.*)$").unwrap();
    for (line, d) in lines.iter().zip(diagnostics) {
        let caps = line_re
            .captures(line)
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        assert_eq!(&caps[1], d["severity"].as_str().unwrap(), "{line}");
        assert_eq!(&caps[2], gh_property(d["file"].as_str().unwrap()), "{line}");
        assert_eq!(caps[3].parse::<u64>().unwrap(), d["line"].as_u64().unwrap(), "{line}");
        assert_eq!(caps[4].parse::<u64>().unwrap(), d["column"].as_u64().unwrap(), "{line}");
        let data = &caps[6];
        assert!(data.starts_with(&gh_data(d["message"].as_str().unwrap())), "{line}");
        if let Some(hint) = d["hint"].as_str() {
            assert!(data.ends_with(&gh_data(hint)), "the hint follows the message: {line}");
            assert!(
                data.contains("%0A"),
                "the line break before the hint is escaped: {line}"
            );
        }
        assert!(!data.contains('\r'));
    }
}

#[test]
fn github_format_escapes_percent_newlines_and_property_separators() {
    // A file name with a comma and a value with a percent sign.
    let (_guard, root) = site_copy("minimal");
    std::fs::write(
        root.join("content/lieux/tarif,special.md"),
        "---\nid: tarif-special\npivot: \"21640445100012\"\nnom: Tarif spécial\nadresse: 1 rue de la Paix\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\nlatitude: 43.2951\nlongitude: -0.3708\nfrais_a_charge:\n  - Gratuit à 100 %\ndate_maj: 2026-10-01\n---\n",
    )
    .unwrap();
    let run = check(&root, Some("github"));
    assert_eq!(run.code, 1, "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains("Gratuit à 100"))
        .unwrap_or_else(|| panic!("no annotation for the bad value:\n{}", run.stdout));
    assert!(
        line.starts_with("::error file=content/lieux/tarif%2Cspecial.md,line=12,col=5,"),
        "{line}"
    );
    assert!(
        line.contains("::« Gratuit à 100 %25 » n'est pas une valeur permise pour « frais_a_charge »%0AAide : "),
        "{line}"
    );
    let properties = line.split("::").nth(1).unwrap();
    assert!(
        !properties.contains("tarif,special"),
        "a raw comma would split the properties: {line}"
    );
    // The id is taken from the `id` field, but the file name does not match it.
    assert!(
        run.stdout
            .contains("::error file=content/lieux/tarif%2Cspecial.md,line=2,col=5,"),
        "{}",
        run.stdout
    );
}

#[test]
fn minimal_site_passes_with_warnings_only() {
    let run = check(&fixture("minimal"), None);
    assert_eq!(run.code, 0, "warnings must not fail the check:\n{}", run.stdout);
    assert!(run.stdout.contains(": avertissement: "), "{}", run.stdout);
    assert!(!run.stdout.contains(": erreur: "), "{}", run.stdout);
    assert!(run.stdout.ends_with("0 erreur, 2 avertissements.\n"), "{}", run.stdout);
    let json = check(&fixture("minimal"), Some("json"));
    assert_eq!(json.code, 0);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(2))
    );
    let github = check(&fixture("minimal"), Some("github"));
    assert_eq!(github.code, 0);
    assert_eq!(github.stdout.lines().count(), 2);
    assert!(
        github
            .stdout
            .lines()
            .all(|l| l.starts_with("::warning file=content/lieux/cyberbase-bayonne.md,")),
        "{}",
        github.stdout
    );
}

#[test]
fn missing_configuration_exits_with_2() {
    let dir = tempdir();
    let run = check(dir.path(), None);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("annuaire.yaml"),
        "the message names the missing file: {}",
        run.stderr
    );
    assert!(run.stderr.starts_with("erreur : "), "{}", run.stderr);
    let build = annuaire(&["build", "--root", path_arg(dir.path())]);
    assert_eq!(build.code, 2, "{}", build.stderr);
    assert!(!dir.path().join("public").exists());
}

#[test]
fn build_of_the_broken_site_fails_with_the_same_diagnostics() {
    let dir = tempdir();
    let out = dir.path().join("public");
    let run = build(&fixture("broken"), &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(normalize_newlines(&run.stderr), expected_human());
    assert!(!out.exists(), "nothing is written when the content has errors");
}

#[test]
fn demo_site_passes_check() {
    let run = check(&repo_root(), None);
    assert_eq!(
        run.code, 0,
        "the demo site must pass `annuaire check`:\n{}{}",
        run.stdout, run.stderr
    );
    assert!(!run.stdout.contains(": erreur: "), "{}", run.stdout);
}

/// A place of the minimal fixture with one field replaced by `line`.
fn place_with(line: &str) -> String {
    format!(
        "---\nid: essai\npivot: \"21640445100012\"\nnom: Essai\nadresse: 1 rue de la Paix\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\nlatitude: 43.2951\nlongitude: -0.3708\n{line}\ndate_maj: 2026-10-01\n---\n"
    )
}

#[test]
fn hours_error_points_at_the_problem_in_an_unquoted_value() {
    let (_guard, root) = site_copy("minimal");
    std::fs::write(
        root.join("content/lieux/essai.md"),
        place_with("horaires: Mo-Fr 09:00-12:00; Xx 10:00-12:00"),
    )
    .unwrap();
    let run = check(&root, None);
    assert_eq!(run.code, 1);
    // Line 11; « Xx » starts at column 30 of `horaires: Mo-Fr 09:00-12:00; Xx 10:00-12:00`.
    assert!(
        run.stdout
            .contains("content/lieux/essai.md:11:30: erreur: horaires illisibles"),
        "{}",
        run.stdout
    );
}

#[test]
fn hours_error_points_at_the_problem_in_a_quoted_value() {
    // The template of `annuaire new lieu` quotes horaires, so most files do.
    for line in [
        "horaires: \"Mo-Fr 09:00-12:00; Xx 10:00-12:00\"",
        "horaires: 'Mo-Fr 09:00-12:00; Xx 10:00-12:00'",
    ] {
        let (_guard, root) = site_copy("minimal");
        std::fs::write(root.join("content/lieux/essai.md"), place_with(line)).unwrap();
        let run = check(&root, None);
        assert_eq!(run.code, 1);
        // « Xx » starts at column 31, after `horaires: ` and the quote.
        assert_eq!(line.chars().position(|c| c == 'X'), Some(30));
        assert!(
            run.stdout
                .contains("content/lieux/essai.md:11:31: erreur: horaires illisibles"),
            "{line}\n{}",
            run.stdout
        );
    }
}

#[test]
fn configuration_errors_are_all_reported_in_french_at_their_line() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("annuaire.yaml"),
        "titre: Annuaire\nediteur: Département\nurl_de_base: exemple.fr/annuaire\ndepartements: [\"99\"]\ncontact:\n  nom: Service\n  courriel: contact@exemple.fr\n",
    )
    .unwrap();
    let run = check(dir.path(), None);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("annuaire.yaml:3:14: erreur: url_de_base « exemple.fr/annuaire » n'est pas une adresse web"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("annuaire.yaml:4:"),
        "the département error is on line 4:\n{}",
        run.stdout
    );

    std::fs::write(
        dir.path().join("annuaire.yaml"),
        "titre: Annuaire\nediteur: Département\nurl_de_base: https://exemple.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: Service\n  courriel: contact@exemple.fr\ncouleur: rouge\nlieux_proche: 3\n",
    )
    .unwrap();
    let run = check(dir.path(), None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("annuaire.yaml:8:1: erreur: "), "{}", run.stdout);
    assert!(
        run.stdout.contains("annuaire.yaml:9:1: erreur: "),
        "every unknown key is reported:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("« couleurs »") && run.stdout.contains("« lieux_proches »"),
        "near misses are suggested:\n{}",
        run.stdout
    );
    for english in ["unknown field", "expected one of", "at line"] {
        assert!(!run.stdout.contains(english), "partners read French:\n{}", run.stdout);
    }
}

/// `ANNUAIRE_BLESS=1` rewrites a golden file instead of comparing with it.
fn golden(name: &str, got: &str) {
    let path = repo_root().join("tests/fixtures").join(name);
    if std::env::var_os("ANNUAIRE_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = normalize_newlines(&read_text(&path));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} differs from tests/fixtures/{name}", i + 1);
    }
    assert_eq!(got, want, "the whole output must equal tests/fixtures/{name}");
}

#[test]
fn gitlab_format_is_a_code_quality_report() {
    let run = check(&fixture("broken"), Some("gitlab"));
    assert_eq!(run.code, 1, "errors still fail the job: {}", run.stderr);
    golden("broken.gitlab.json", &run.stdout);
    let issues: Value = serde_json::from_str(&run.stdout).expect("the report is JSON");
    let issues = issues.as_array().expect("GitLab reads a JSON array of issues");
    let report = broken_json();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(issues.len(), diagnostics.len());
    let mut fingerprints = std::collections::HashSet::new();
    for (issue, d) in issues.iter().zip(diagnostics) {
        // The keys GitLab documents as required, with their types.
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {issue}");
        }
        assert_eq!(issue["location"]["path"], d["file"], "{issue}");
        assert_eq!(issue["location"]["lines"]["begin"], d["line"], "{issue}");
        let severity = issue["severity"].as_str().unwrap();
        assert!(
            ["info", "minor", "major", "critical", "blocker"].contains(&severity),
            "{severity}"
        );
        assert_eq!(severity == "major", d["severity"] == "error", "{issue}");
        assert!(
            issue["description"]
                .as_str()
                .unwrap()
                .starts_with(d["message"].as_str().unwrap())
        );
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
    }
    // No problem: an empty array, which GitLab reads as "no new issue".
    let ok = check(&fixture("minimal"), Some("gitlab"));
    assert_eq!(ok.code, 0);
    let warnings: Value = serde_json::from_str(&ok.stdout).unwrap();
    assert!(warnings.as_array().unwrap().iter().all(|i| i["severity"] == "minor"));
}

#[test]
fn github_format_escaping_golden() {
    // A path with a comma and a colon, a value with a percent sign, CR and
    // LF, and a message with colons and commas (kept as they are in data).
    let (_guard, root) = site_copy("minimal");
    std::fs::write(
        root.join("content/lieux/a,b:c.md"),
        "---\nid: a-b-c\npivot: \"21640445100012\"\nnom: Essai\nadresse: 1 rue de la Paix\ncode_postal: \"64000\"\ncommune: Pau\ncode_insee: \"64445\"\nlatitude: 43.2951\nlongitude: -0.3708\nfrais_a_charge:\n  - \"Gratuit à 100 %\\r\\nsuite, fin: ici\"\ndate_maj: 2026-10-01\n---\n",
    )
    .unwrap();
    let run = check(&root, Some("github"));
    assert_eq!(run.code, 1, "{}", run.stdout);
    golden("echappement.github.txt", &run.stdout);
    for line in run.stdout.lines() {
        let (properties, data) = line.trim_start_matches("::").split_once("::").unwrap();
        if properties.contains("a%2Cb%3Ac.md") {
            assert!(!properties.contains("a,b") && !properties.contains("b:c"), "{line}");
        }
        assert!(!data.contains('\r'), "{line}");
    }
    assert!(
        run.stdout.contains("« Gratuit à 100 %25%0D%0Asuite, fin: ici »"),
        "{}",
        run.stdout
    );
}
