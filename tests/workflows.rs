//! The CI files a département copies: `.github/workflows/*.yml` and
//! `.gitlab-ci.yml`. Both are parsed and their structure checked, and every
//! `annuaire …` command they run is run here, on a copy of the demo site in
//! a throwaway git repository: a workflow must never call a command or a
//! flag that does not exist, nor one that fails on a correct site.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn parse_yaml(path: &Path) -> Value {
    let text = read_text(path);
    // YAML 1.2 booleans only: GitHub's `on:` key must stay the text "on".
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(&text, options)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

fn github_workflows() -> BTreeMap<String, Value> {
    let dir = repo_root().join(".github/workflows");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.ends_with(".yml"), "{name}: workflows are .yml files here");
        out.insert(name, parse_yaml(&path));
    }
    for expected in ["proposition.yml", "publication.yml", "veille.yml"] {
        assert!(out.contains_key(expected), "missing workflow {expected}");
    }
    out
}

fn gitlab_ci() -> Value {
    parse_yaml(&repo_root().join(".gitlab-ci.yml"))
}

fn map(v: &Value) -> &serde_json::Map<String, Value> {
    v.as_object().unwrap_or_else(|| panic!("not a mapping: {v}"))
}

/// Strings of a GitLab `script` (a string or a list of strings).
fn lines_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .unwrap_or_else(|| panic!("a script line is not text: {i}"))
                    .to_string()
            })
            .collect(),
        Value::Null => Vec::new(),
        other => panic!("a script is text or a list of text: {other}"),
    }
}

// ------------------------------------------------------------------ structure

#[test]
fn github_workflows_are_well_formed() {
    let pinned = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@v\d+\.\d+\.\d+$").unwrap();
    for (name, wf) in github_workflows() {
        let wf = map(&wf);
        assert!(wf.get("name").and_then(Value::as_str).is_some(), "{name}: no name");
        assert!(wf.contains_key("on"), "{name}: no `on:` trigger");
        assert!(
            wf.get("permissions").is_some_and(Value::is_object),
            "{name}: permissions must be set explicitly (least privilege)"
        );
        let jobs = map(&wf["jobs"]);
        assert!(!jobs.is_empty(), "{name}: no job");
        for (job_name, job) in jobs {
            let job = map(job);
            assert!(
                job.get("runs-on").and_then(Value::as_str).is_some(),
                "{name}/{job_name}: runs-on"
            );
            if let Some(needs) = job.get("needs") {
                for need in lines_of(needs) {
                    assert!(jobs.contains_key(&need), "{name}/{job_name}: needs unknown job {need}");
                }
            }
            let steps = job["steps"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}/{job_name}: steps"));
            assert!(!steps.is_empty());
            for step in steps {
                let step = map(step);
                assert!(
                    step.get("name").and_then(Value::as_str).is_some(),
                    "{name}/{job_name}: a step has no name"
                );
                assert!(
                    step.contains_key("uses") != step.contains_key("run"),
                    "{name}/{job_name}: a step has `uses` or `run`, not both: {step:?}"
                );
                if let Some(uses) = step.get("uses").and_then(Value::as_str) {
                    assert!(
                        pinned.is_match(uses),
                        "{name}: action not pinned to an exact version: {uses}"
                    );
                }
            }
        }
    }
}

fn triggers(wf: &Value) -> Vec<String> {
    match &wf["on"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Value::Object(o) => o.keys().cloned().collect(),
        other => panic!("unexpected `on:` {other}"),
    }
}

fn all_steps(wf: &Value) -> Vec<&serde_json::Map<String, Value>> {
    map(&wf["jobs"])
        .values()
        .flat_map(|j| j["steps"].as_array().unwrap().iter().map(map))
        .collect()
}

fn uses(wf: &Value, action: &str) -> bool {
    all_steps(wf).iter().any(|s| {
        s.get("uses")
            .and_then(Value::as_str)
            .is_some_and(|u| u.starts_with(action))
    })
}

fn runs(wf: &Value, needle: &str) -> bool {
    all_steps(wf)
        .iter()
        .any(|s| s.get("run").and_then(Value::as_str).is_some_and(|r| r.contains(needle)))
}

#[test]
fn github_workflows_do_what_the_readme_says() {
    let wfs = github_workflows();
    let pr = &wfs["proposition.yml"];
    assert_eq!(triggers(pr), ["pull_request"]);
    assert!(runs(pr, "annuaire check --format github"));
    assert!(runs(pr, "annuaire build"));
    assert!(uses(pr, "actions/upload-artifact@"));
    assert!(runs(
        pr,
        "annuaire diff \"origin/$BASE_REF\" --format markdown >> \"$GITHUB_STEP_SUMMARY\""
    ));
    assert!(
        uses(pr, "Swatinem/rust-cache@") || uses(pr, "actions/cache@"),
        "no build cache"
    );
    // The diff needs the base branch: a shallow clone would not have it.
    let checkout = all_steps(pr)
        .into_iter()
        .find(|s| {
            s.get("uses")
                .and_then(Value::as_str)
                .is_some_and(|u| u.starts_with("actions/checkout@"))
        })
        .unwrap();
    assert_eq!(checkout["with"]["fetch-depth"], 0);
    assert_eq!(pr["permissions"]["contents"], "read", "a pull request only reads");

    let publication = &wfs["publication.yml"];
    assert!(triggers(publication).contains(&"push".to_string()));
    assert_eq!(publication["on"]["push"]["branches"], serde_json::json!(["main"]));
    assert!(uses(publication, "actions/configure-pages@"));
    assert!(uses(publication, "actions/upload-pages-artifact@"));
    assert!(uses(publication, "actions/deploy-pages@"));
    assert!(runs(publication, "annuaire build --base-url \"$BASE_URL/\""));
    assert_eq!(publication["permissions"]["pages"], "write");
    assert_eq!(publication["permissions"]["id-token"], "write");

    let nightly = &wfs["veille.yml"];
    let on = triggers(nightly);
    assert!(on.contains(&"schedule".to_string()));
    assert!(
        !on.iter().any(|t| t == "pull_request" || t == "push"),
        "the nightly job must never block a pull request: {on:?}"
    );
    assert!(runs(nightly, "select(.code == \"fraicheur\")"));
    assert!(uses(nightly, "lycheeverse/lychee-action@"));
}

const GITLAB_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

fn gitlab_jobs(ci: &Value) -> Vec<(&String, &serde_json::Map<String, Value>)> {
    map(ci)
        .iter()
        .filter(|(k, _)| !GITLAB_KEYWORDS.contains(&k.as_str()) && !k.starts_with('.'))
        .map(|(k, v)| (k, map(v)))
        .collect()
}

#[test]
fn gitlab_ci_is_well_formed() {
    let ci = gitlab_ci();
    let root = map(&ci);
    let stages: Vec<String> = lines_of(&ci["stages"]);
    assert!(!stages.is_empty());
    for (name, job) in gitlab_jobs(&ci) {
        let stage = job.get("stage").and_then(Value::as_str).unwrap_or("test");
        assert!(stages.iter().any(|s| s == stage), "{name}: unknown stage {stage}");
        let mut script = lines_of(job.get("script").unwrap_or(&Value::Null));
        if let Some(parent) = job.get("extends").and_then(Value::as_str) {
            let parent = root
                .get(parent)
                .unwrap_or_else(|| panic!("{name} extends unknown {parent}"));
            script.extend(lines_of(parent.get("before_script").unwrap_or(&Value::Null)));
        }
        assert!(!script.is_empty(), "{name}: no script");
        if let Some(needs) = job.get("needs") {
            for need in lines_of(needs) {
                assert!(root.contains_key(&need), "{name} needs unknown job {need}");
            }
        }
        for rule in job.get("rules").and_then(Value::as_array).into_iter().flatten() {
            assert!(
                rule.get("if").and_then(Value::as_str).is_some(),
                "{name}: a rule without `if`"
            );
        }
    }
    // Cargo cache keyed on the lock file.
    assert_eq!(ci["cache"]["key"]["files"], serde_json::json!(["Cargo.lock"]));
    assert!(lines_of(&ci["cache"]["paths"]).iter().any(|p| p.starts_with("target")));

    let jobs: BTreeMap<&String, &serde_json::Map<String, Value>> = gitlab_jobs(&ci).into_iter().collect();
    // Code Quality: the report file is the one `check --format gitlab` writes.
    let verifier = jobs.get(&"verifier".to_string()).expect("a verifier job");
    let report = verifier["artifacts"]["reports"]["codequality"]
        .as_str()
        .expect("codequality report");
    assert!(
        lines_of(&verifier["script"])
            .iter()
            .any(|l| l.starts_with(&format!("annuaire check --format gitlab > {report}"))),
        "{report} is written by check --format gitlab"
    );
    assert_eq!(
        verifier["artifacts"]["when"], "always",
        "the report must be kept when the check fails"
    );
    // Pages: the job named `pages`, publishing public/ at CI_PAGES_URL.
    let pages = jobs.get(&"pages".to_string()).expect("a pages job");
    assert!(
        lines_of(&pages["artifacts"]["paths"])
            .iter()
            .any(|p| p.trim_end_matches('/') == "public")
    );
    assert!(
        lines_of(&pages["script"])
            .iter()
            .any(|l| l.contains("--base-url \"$CI_PAGES_URL/\""))
    );
    assert!(pages["rules"][0]["if"].as_str().unwrap().contains("$CI_DEFAULT_BRANCH"));
    // The merge request summary and preview.
    let apercu = jobs.get(&"apercu".to_string()).expect("an apercu job");
    assert!(
        lines_of(&apercu["script"])
            .iter()
            .any(|l| l.contains("annuaire diff") && l.contains("--format markdown"))
    );
    // Nightly jobs: only on schedules, never blocking.
    for name in ["veille", "liens"] {
        let job = jobs.get(&name.to_string()).unwrap();
        assert_eq!(job["allow_failure"], true, "{name}");
        let rules = job["rules"].as_array().unwrap();
        assert!(
            rules.iter().all(|r| r["if"].as_str().unwrap().contains("\"schedule\"")),
            "{name}"
        );
    }
}

// ------------------------------------------------------------------ commands

/// Every `run:` of every GitHub step and every script line of GitLab jobs
/// (hidden templates included), with where it comes from.
fn all_scripts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, wf) in github_workflows() {
        for (job_name, job) in map(&wf["jobs"]) {
            for step in job["steps"].as_array().unwrap() {
                if let Some(run) = step.get("run").and_then(Value::as_str) {
                    out.push((format!("{name} / {job_name}"), run.to_string()));
                }
            }
        }
    }
    let ci = gitlab_ci();
    for (name, job) in map(&ci) {
        let Some(job) = job.as_object() else { continue };
        for key in ["before_script", "script", "after_script"] {
            for line in lines_of(job.get(key).unwrap_or(&Value::Null)) {
                out.push((format!(".gitlab-ci.yml / {name}"), line));
            }
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Operator(String),
}

/// A small POSIX shell word splitter: quotes, backslashes, `$VAR`,
/// `${VAR}`, `${VAR:-x}` and GitHub's `${{ … }}`, and the operators that end
/// a command. Enough for the one-line commands the workflows use; anything
/// else (command substitution) makes the test fail loudly.
fn shell_words(line: &str, var: &dyn Fn(&str) -> String) -> Vec<Token> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let expand = |i: &mut usize, word: &mut String| {
        // At a `$`.
        let rest: String = chars[*i + 1..].iter().collect();
        if rest.starts_with("{{") {
            let end = rest.find("}}").expect("unclosed ${{");
            word.push_str(&var(rest[2..end].trim()));
            *i += end + 3;
        } else if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').expect("unclosed ${");
            let name = inner[..end].split(":-").next().unwrap();
            word.push_str(&var(name));
            *i += end + 3;
        } else if rest.starts_with('(') {
            // Command substitution: a marker, which fails the test only if
            // it ends up in an `annuaire` command.
            let mut depth = 0;
            let mut end = 0;
            for (n, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = n;
                    break;
                }
            }
            word.push_str("\u{0}$(…)\u{0}");
            *i += rest[..=end].chars().count() + 1;
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(!name.is_empty(), "a lone $ in {line}");
            word.push_str(&var(&name));
            *i += name.len() + 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                i += 1;
            }
            // An unescaped line break ends a command, like `;`.
            '\n' => {
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                tokens.push(Token::Operator(";".into()));
                i += 1;
            }
            '\'' => {
                let end = chars[i + 1..].iter().position(|&c| c == '\'').expect("unclosed '") + i + 1;
                word.extend(&chars[i + 1..end]);
                in_word = true;
                i = end + 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while chars[i] != '"' {
                    match chars[i] {
                        '\\' => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' => expand(&mut i, &mut word),
                        c => {
                            word.push(c);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '\\' => {
                if chars.get(i + 1) != Some(&'\n') {
                    word.push(chars[i + 1]);
                    in_word = true;
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                expand(&mut i, &mut word);
            }
            '>' | '<' | '|' | '&' | ';' => {
                // `2>` is an operator too.
                if in_word && word.chars().all(|c| c.is_ascii_digit()) && c == '>' {
                    word.clear();
                    in_word = false;
                }
                if in_word {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                let mut op = c.to_string();
                if chars.get(i + 1) == Some(&c) {
                    op.push(c);
                }
                i += op.len();
                tokens.push(Token::Operator(op));
            }
            c => {
                word.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    if in_word {
        tokens.push(Token::Word(word));
    }
    tokens
}

/// Simple commands of a script whose program is `annuaire`, as arguments.
fn annuaire_commands(script: &str, var: &dyn Fn(&str) -> String) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut after_redirect = false;
    let flush = |current: &mut Vec<String>, commands: &mut Vec<Vec<String>>| {
        // Reserved words before a command: `then annuaire check`.
        let start = current
            .iter()
            .position(|w| !["then", "do", "else", "if", "while", "until", "!", "{", "("].contains(&w.as_str()))
            .unwrap_or(current.len());
        if current.get(start).map(String::as_str) == Some("annuaire") {
            commands.push(current[start + 1..].to_vec());
        }
        current.clear();
    };
    for token in shell_words(script, var) {
        match token {
            Token::Word(w) if after_redirect => {
                let _ = w;
                after_redirect = false;
            }
            Token::Word(w) => current.push(w),
            Token::Operator(op) if op.starts_with('>') || op.starts_with('<') => after_redirect = true,
            Token::Operator(_) => flush(&mut current, &mut commands),
        }
    }
    flush(&mut current, &mut commands);
    commands
}

#[test]
fn shell_word_splitting_of_this_test() {
    let var = |name: &str| format!("<{name}>");
    assert_eq!(
        annuaire_commands(
            "cargo build\nannuaire diff \"origin/$BASE_REF\" --format markdown >> \"$GITHUB_STEP_SUMMARY\"\necho x | annuaire check --format gitlab > r.json || true",
            &var
        ),
        [
            vec!["diff", "origin/<BASE_REF>", "--format", "markdown"],
            vec!["check", "--format", "gitlab"]
        ]
    );
    assert_eq!(
        annuaire_commands(
            "annuaire build --base-url ${{ steps.pages.outputs.base_url }}/ 2> err",
            &var
        ),
        [vec!["build", "--base-url", "<steps.pages.outputs.base_url>/"]]
    );
    assert_eq!(
        annuaire_commands("if x; then annuaire check; fi", &var),
        [vec!["check"]]
    );
    let substituted = annuaire_commands("n=$(gh list --json x)\nannuaire diff \"$(git rev-parse HEAD)\"", &var);
    assert_eq!(substituted.len(), 1);
    assert!(
        substituted[0][1].contains('\u{0}'),
        "a substitution is never taken for a value"
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Essai")
        .env("GIT_AUTHOR_EMAIL", "essai@exemple.fr")
        .env("GIT_COMMITTER_NAME", "Essai")
        .env("GIT_COMMITTER_EMAIL", "essai@exemple.fr")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The demo site in a fresh git repository, with `origin/main` pointing at
/// its only commit, as a CI checkout has it.
fn demo_repository(dir: &Path) -> (PathBuf, String) {
    let root = dir.join("depot");
    for sub in ["content", "static", "themes"] {
        copy_dir(&repo_root().join(sub), &root.join(sub));
    }
    std::fs::copy(repo_root().join("annuaire.yaml"), root.join("annuaire.yaml")).unwrap();
    git(&root, &["init", "--quiet", "--initial-branch=main"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "--quiet", "-m", "Démonstration"]);
    let head = git(&root, &["rev-parse", "HEAD"]);
    git(&root, &["update-ref", "refs/remotes/origin/main", &head]);
    (root, head)
}

#[test]
fn every_annuaire_command_of_the_workflows_runs_on_the_demo() {
    let dir = tempdir();
    let (root, head) = demo_repository(dir.path());
    // What the forges put in these variables, for a repository published
    // under a sub-path (the usual case for Pages of a project).
    let var = |name: &str| -> String {
        match name {
            "BASE_REF" => "main".into(),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA" => head.clone(),
            "BASE_URL" => "https://departement.github.io/annuaire".into(),
            "CI_PAGES_URL" => "https://departement.gitlab.io/annuaire".into(),
            other => format!("\u{0}{other}\u{0}"),
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut subcommands = std::collections::BTreeSet::new();
    for (origin, script) in all_scripts() {
        for args in annuaire_commands(&script, &var) {
            assert!(
                !args.iter().any(|a| a.contains('\u{0}')),
                "{origin}: `annuaire {}` uses a variable this test does not know: add it to the table",
                args.join(" ")
            );
            if !seen.insert(args.clone()) {
                continue;
            }
            subcommands.insert(args[0].clone());
            let output = Command::new(env!("CARGO_BIN_EXE_annuaire"))
                .args(&args)
                .current_dir(&root)
                .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{origin}: `annuaire {}` fails on the demo:\n{stderr}",
                args.join(" ")
            );
            if args[0] == "build"
                && let Some(at) = args.iter().position(|a| a == "--base-url")
            {
                let sitemap = read_text(&root.join("public/sitemap.xml"));
                let base = args[at + 1].trim_end_matches('/');
                assert!(
                    sitemap.contains(&format!("<loc>{base}/lieux/")),
                    "{origin}: pages are not published under {base}/"
                );
            }
        }
    }
    for expected in ["check", "build", "diff"] {
        assert!(subcommands.contains(expected), "no workflow runs `annuaire {expected}`");
    }
    // And the harness itself fails on a flag that does not exist.
    let output = Command::new(env!("CARGO_BIN_EXE_annuaire"))
        .args(["check", "--format", "gitlab-ci"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
}
