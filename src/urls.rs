//! Where each kind of page lives in the output, relative to the base path.
//! One place for URL shapes, so that links and files always agree.

use crate::text::slugify;

pub fn place(id: &str) -> String {
    format!("lieux/{id}/")
}

pub fn commune(slug: &str) -> String {
    format!("communes/{slug}/")
}

pub fn epci(siren: &str) -> String {
    format!("intercommunalites/{siren}/")
}

pub fn departement(code: &str) -> String {
    format!("departements/{}/", code.to_lowercase())
}

pub fn service(label: &str) -> String {
    format!("services/{}/", slugify(label))
}

pub fn page(slug: &str) -> String {
    format!("{slug}/")
}

/// The file that serves a directory URL.
pub fn index_file(url: &str) -> String {
    format!("{url}index.html")
}
