//! annuaire: a static site generator for a département's directory of
//! digital-inclusion places (lieux de médiation numérique).
//!
//! The pipeline is a chain of plain stages, each in its own module:
//! [`load`] → [`validate`] → [`enrich`] → [`render`] (and [`export`]) →
//! [`write`], orchestrated by [`pipeline`]. The binary is a thin layer over it.

pub mod colour;
pub mod config;
pub mod contribuer;
pub mod dashboard;
pub mod diagnostics;
pub mod diff;
pub mod embed;
pub mod enrich;
pub mod error;
pub mod export;
pub mod fermeture;
pub mod frontmatter;
pub mod git;
pub mod hours;
pub mod import;
pub mod incremental;
pub mod legacy;
pub mod load;
pub mod markdown;
pub mod model;
pub mod nearest;
pub mod orientation;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod territories;
pub mod text;
pub mod theme;
pub mod urls;
pub mod validate;
pub mod write;

pub use error::Error;
