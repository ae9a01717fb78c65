//! Problems found in content, with their exact place in the source file.
//!
//! Every stage that reads partner content reports problems as [`Diagnostic`]s
//! instead of failing on the first one, so that `annuaire check` can list them
//! all in one run. Messages and hints are in French: partners read them.

use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn label_fr(self) -> &'static str {
        match self {
            Severity::Error => "erreur",
            Severity::Warning => "avertissement",
        }
    }
}

/// A 1-based line and column (in characters) within a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators, as partners see it in their repository.
    pub file: PathBuf,
    pub position: Position,
    /// A short stable code, used by CI integrations to group problems.
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, position: Position, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            position,
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(
        file: impl Into<PathBuf>,
        position: Position,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, position, code, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn file_display(&self) -> String {
        self.file.to_string_lossy().replace('\\', "/")
    }
}

/// Sorts diagnostics by file, then position, so that output is stable whatever the load order.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.position, a.severity, a.code, &a.message)
            .cmp(&(&b.file, b.position, b.severity, b.code, &b.message))
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Github,
    Json,
    /// GitLab Code Quality report, read by the merge-request widget.
    Gitlab,
}

pub fn render(diagnostics: &[Diagnostic], format: Format) -> String {
    match format {
        Format::Human => render_human(diagnostics),
        Format::Github => render_github(diagnostics),
        Format::Json => render_json(diagnostics),
        Format::Gitlab => render_gitlab(diagnostics),
    }
}

/// `chemin:ligne:colonne: erreur: message`, then an indented hint line.
pub fn render_human(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            d.file_display(),
            d.position.line,
            d.position.column,
            d.severity.label_fr(),
            d.message
        );
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  aide : {hint}");
        }
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// A French one-line count of errors and warnings.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if diagnostics.is_empty() {
        return "Aucun problème trouvé.".to_string();
    }
    format!(
        "{} erreur{}, {} avertissement{}.",
        errors,
        if errors > 1 { "s" } else { "" },
        warnings,
        if warnings > 1 { "s" } else { "" }
    )
}

/// GitHub Actions workflow commands, one per line, so that each problem is
/// annotated on the partner's pull request.
pub fn render_github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nAide : ");
            message.push_str(hint);
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_github_property(&d.file_display()),
            d.position.line,
            d.position.column,
            escape_github_property(&format!("annuaire {}", d.code)),
            escape_github_data(&message)
        );
    }
    out
}

/// Workflow-command data escaping: `%`, CR and LF.
fn escape_github_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Property values also escape `:` and `,`, which delimit properties.
fn escape_github_property(s: &str) -> String {
    escape_github_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render_json(diagnostics: &[Diagnostic]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        errors: usize,
        warnings: usize,
        diagnostics: Vec<JsonDiagnostic<'a>>,
    }
    #[derive(Serialize)]
    struct JsonDiagnostic<'a> {
        severity: Severity,
        file: String,
        line: u32,
        column: u32,
        code: &'a str,
        message: &'a str,
        hint: Option<&'a str>,
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let report = Report {
        errors,
        warnings: diagnostics.len() - errors,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                file: d.file_display(),
                line: d.position.line,
                column: d.position.column,
                code: d.code,
                message: &d.message,
                hint: d.hint.as_deref(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

/// GitLab Code Quality report: a JSON array of issues, the subset of the
/// Code Climate format GitLab documents as required. GitLab matches issues
/// between the base and the merge request by fingerprint, so it is a hash
/// of what identifies a problem (never of its order in the output), with
/// an occurrence number when one file has the same problem twice on a line.
pub fn render_gitlab(diagnostics: &[Diagnostic]) -> String {
    #[derive(Serialize)]
    struct Issue {
        description: String,
        check_name: String,
        fingerprint: String,
        severity: &'static str,
        location: Location,
    }
    #[derive(Serialize)]
    struct Location {
        path: String,
        lines: Lines,
    }
    #[derive(Serialize)]
    struct Lines {
        begin: u32,
    }
    let mut seen = std::collections::HashMap::<String, u32>::new();
    let issues: Vec<Issue> = diagnostics
        .iter()
        .map(|d| {
            let path = d.file_display();
            let identity = format!("{path}\0{}\0{}\0{}", d.position.line, d.code, d.message);
            let occurrence = seen.entry(identity.clone()).or_insert(0);
            *occurrence += 1;
            let mut description = d.message.clone();
            if let Some(hint) = &d.hint {
                description.push_str(" Aide : ");
                description.push_str(hint);
            }
            Issue {
                description,
                check_name: format!("annuaire/{}", d.code),
                fingerprint: fingerprint(&format!("{identity}\0{occurrence}")),
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                location: Location {
                    path,
                    lines: Lines {
                        begin: d.position.line.max(1),
                    },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}

/// 128 bits from two FNV-1a passes with different offsets, as 32 hex
/// digits: stable across runs, machines and Rust versions (unlike the
/// standard library's hasher), and no extra dependency.
fn fingerprint(input: &str) -> String {
    let fnv = |offset: u64| {
        let mut hash = offset;
        for byte in input.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    };
    format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Diagnostic {
        Diagnostic::error(
            "content/lieux/a,b.md",
            Position::new(3, 7),
            "vocabulaire",
            "valeur inconnue : « x, y »\nsuite",
        )
        .with_hint("écrivez 100 %")
    }

    #[test]
    fn human_format_has_path_line_column_and_hint() {
        let out = render_human(&[sample()]);
        assert!(out.starts_with("content/lieux/a,b.md:3:7: erreur: valeur inconnue"));
        assert!(out.contains("  aide : écrivez 100 %"));
        assert!(out.ends_with("1 erreur, 0 avertissement.\n"));
    }

    #[test]
    fn github_format_escapes_properties_and_data() {
        let out = render_github(&[sample()]);
        assert_eq!(
            out,
            "::error file=content/lieux/a%2Cb.md,line=3,col=7,title=annuaire vocabulaire::valeur inconnue : « x, y »%0Asuite%0AAide : écrivez 100 %25\n"
        );
    }

    #[test]
    fn gitlab_format_has_the_code_quality_keys() {
        let mut w = sample();
        w.severity = Severity::Warning;
        w.position = Position::new(0, 0);
        let out = render_gitlab(&[sample(), w]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let issues = v.as_array().unwrap();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0]["severity"], "major");
        assert_eq!(issues[1]["severity"], "minor");
        assert_eq!(issues[0]["check_name"], "annuaire/vocabulaire");
        assert_eq!(issues[0]["location"]["path"], "content/lieux/a,b.md");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 3);
        // GitLab wants a line ≥ 1 even for a problem of the whole file.
        assert_eq!(issues[1]["location"]["lines"]["begin"], 1);
        assert_eq!(
            issues[0]["description"],
            "valeur inconnue : « x, y »\nsuite Aide : écrivez 100 %"
        );
        assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
    }

    #[test]
    fn gitlab_fingerprints_are_stable_and_unique_for_repeated_problems() {
        let twice = render_gitlab(&[sample(), sample()]);
        let v: serde_json::Value = serde_json::from_str(&twice).unwrap();
        let a = v[0]["fingerprint"].as_str().unwrap();
        let b = v[1]["fingerprint"].as_str().unwrap();
        assert_ne!(a, b, "two identical problems are two issues");
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        // The same problem keeps its fingerprint whatever comes before it.
        let mut other = sample();
        other.file = PathBuf::from("content/lieux/autre.md");
        let shifted = render_gitlab(&[other, sample()]);
        let w: serde_json::Value = serde_json::from_str(&shifted).unwrap();
        assert_eq!(w[1]["fingerprint"].as_str().unwrap(), a);
        // A known value: the hash must not change between releases, or
        // GitLab would show every problem as new after an upgrade.
        assert_eq!(fingerprint(""), "cbf29ce4842223256c62272e07bb0142");
    }

    #[test]
    fn json_format_counts() {
        let mut w = sample();
        w.severity = Severity::Warning;
        let out = render_json(&[sample(), w]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["errors"], 1);
        assert_eq!(v["warnings"], 1);
        assert_eq!(v["diagnostics"][0]["line"], 3);
    }
}
