//! Errors that stop a command. Content problems are a list of diagnostics
//! (exit code 1); everything else is an I/O or internal failure (exit code 2).

use crate::diagnostics::Diagnostic;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum Error {
    /// The content has errors; every one is listed.
    Content(Vec<Diagnostic>),
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: std::io::Error },
    /// A theme template is broken.
    Template { template: String, message: String },
    /// A `git` command failed (no repository, unknown reference): the message says what to do.
    Git(String),
    /// Anything else that is not the partner's fault.
    Internal(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Content(_) => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Content(d) => write!(f, "{}", crate::diagnostics::summary(d)),
            Error::Io { path, source } => write!(f, "{} : {}", path.display(), french_io(source)),
            Error::Template { template, message } => write!(f, "gabarit {template} : {message}"),
            Error::Git(message) => write!(f, "git : {message}"),
            Error::Internal(message) => write!(f, "erreur interne : {message}"),
        }
    }
}

impl std::error::Error for Error {}

fn french_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "fichier ou dossier introuvable".to_string(),
        PermissionDenied => "permission refusée".to_string(),
        AlreadyExists => "existe déjà".to_string(),
        _ => e.to_string(),
    }
}

/// Renders a Tera error with its whole cause chain: the first line alone
/// rarely says which variable or filter failed.
pub fn from_tera(template: &str, e: &tera::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(" : ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Template {
        template: template.to_string(),
        message,
    }
}
