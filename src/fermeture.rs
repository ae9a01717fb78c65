//! `fermeture_temporaire`: a temporary closure (works, holidays, staff
//! away), this site's extension of the national schema.
//!
//! ```yaml
//! fermeture_temporaire:
//!   du: 2026-12-21
//!   au: 2027-01-04
//!   message: Travaux ; la permanence a lieu à la mairie.
//! ```
//!
//! It is read and checked here, shown on the place page and in lists while
//! it applies (judged at the build date), and never exported: the national
//! CSV, JSON and GeoJSON list the schema's fields only.

use crate::diagnostics::{Diagnostic, Position};
use crate::model::Fermeture;
use crate::validate::{InputField, InputValue};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;

pub const KEY: &str = "fermeture_temporaire";
const SUB_KEYS: [&str; 3] = ["du", "au", "message"];
/// As long as `presentation_resume`: the banner is read on a phone.
pub const MAX_MESSAGE_CHARS: usize = 280;
const EXAMPLE: &str = "fermeture_temporaire:\n  du: 2026-12-21\n  au: 2027-01-04\n  message: Fermé pour travaux";

/// Reads the block, with every problem at its position.
pub fn check(file: &Path, input: &InputField, today: NaiveDate) -> (Option<Fermeture>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let error = |at: Position, message: String, hint: &str| {
        Diagnostic::error(file, at, "fermeture", message).with_hint(hint.to_string())
    };
    let entries = match &input.value {
        InputValue::Map(entries) => entries,
        _ => {
            problems.push(error(
                input.value_position,
                format!("« {KEY} » attend trois lignes en retrait : du, au et message"),
                &format!("par exemple :\n{EXAMPLE}"),
            ));
            return (None, problems);
        }
    };
    let mut du: Option<(NaiveDate, Position)> = None;
    let mut au: Option<(NaiveDate, Position)> = None;
    let mut message: Option<String> = None;
    let mut seen: Vec<(&str, u32)> = Vec::new();
    let mut complete = true;
    for e in entries {
        if let Some((_, line)) = seen.iter().find(|(k, _)| *k == e.key) {
            problems.push(error(
                e.key_position,
                format!(
                    "« {KEY}.{} » est écrit deux fois (lignes {line} et {})",
                    e.key, e.key_position.line
                ),
                "gardez une seule de ces lignes",
            ));
            complete = false;
            continue;
        }
        seen.push((&e.key, e.key_position.line));
        let text = match &e.value {
            InputValue::Scalar(s) => s.trim(),
            InputValue::Null => "",
            _ => {
                problems.push(error(
                    e.value_position,
                    format!("« {KEY}.{} » attend une seule valeur", e.key),
                    &format!("écrivez « {}: valeur » sur une ligne", e.key),
                ));
                complete = false;
                continue;
            }
        };
        match e.key.as_str() {
            "du" | "au" => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) if text.len() == 10 => {
                    if e.key == "du" {
                        du = Some((d, e.value_position));
                    } else {
                        au = Some((d, e.value_position));
                    }
                }
                _ => {
                    problems.push(error(
                        e.value_position,
                        format!("{KEY}.{} « {text} » n'est pas une date au format AAAA-MM-JJ", e.key),
                        "par exemple 2026-12-21 pour le 21 décembre 2026",
                    ));
                    complete = false;
                }
            },
            "message" => {
                let len = text.chars().count();
                if len > MAX_MESSAGE_CHARS {
                    problems.push(error(
                        e.value_position,
                        format!("« {KEY}.message » fait {len} caractères, le maximum est {MAX_MESSAGE_CHARS}"),
                        "gardez l'essentiel : la raison, et où aller en attendant",
                    ));
                    complete = false;
                } else if !text.is_empty() {
                    message = Some(text.to_string());
                }
            }
            other => {
                let hint = match crate::text::suggest(other, SUB_KEYS) {
                    Some(s) => format!("vouliez-vous dire « {s} » ?"),
                    None => "les lignes permises sont du, au et message".to_string(),
                };
                problems.push(error(e.key_position, format!("champ inconnu « {KEY}.{other} »"), &hint));
                complete = false;
            }
        }
    }
    for (name, value, what) in [("du", &du, "le premier jour"), ("au", &au, "le dernier jour")] {
        if value.is_none() && !seen.iter().any(|(k, _)| *k == name) {
            problems.push(error(
                input.key_position,
                format!("« {KEY} » n'a pas de date « {name} » ({what} de la fermeture)"),
                &format!("par exemple :\n{EXAMPLE}"),
            ));
            complete = false;
        }
    }
    let (Some((du, _)), Some((au, au_at))) = (du, au) else {
        return (None, problems);
    };
    if au < du {
        problems.push(error(
            au_at,
            format!(
                "la fermeture se termine ({}) avant de commencer ({})",
                au.format("%Y-%m-%d"),
                du.format("%Y-%m-%d")
            ),
            "« du » est le premier jour de fermeture, « au » le dernier ; vérifiez l'ordre des dates",
        ));
        return (None, problems);
    }
    if au < today {
        problems.push(
            Diagnostic::warning(
                file,
                input.key_position,
                "fermeture",
                format!(
                    "la fermeture temporaire est terminée depuis le {}",
                    au.format("%d/%m/%Y")
                ),
            )
            .with_hint(format!("retirez le bloc « {KEY} » de la fiche")),
        );
    }
    let fermeture = complete.then_some(Fermeture { du, au, message });
    (fermeture, problems)
}

/// What a page says about a closure, at the build date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FermetureView {
    /// Closed today; otherwise the closure is still to come.
    pub en_cours: bool,
    pub texte: String,
    pub message: Option<String>,
}

/// `None` once the closure is over: the page then says nothing.
pub fn view(fermeture: Option<&Fermeture>, today: NaiveDate) -> Option<FermetureView> {
    let f = fermeture?;
    if f.au < today {
        return None;
    }
    let date = crate::render::french_date;
    let (en_cours, texte) = if f.du <= today {
        let texte = if f.au == today {
            "Fermé temporairement aujourd'hui.".to_string()
        } else {
            format!("Fermé temporairement jusqu'au {} inclus.", date(f.au))
        };
        (true, texte)
    } else if f.du == f.au {
        (false, format!("Fermeture temporaire le {}.", date(f.du)))
    } else {
        (
            false,
            format!("Fermeture temporaire du {} au {} inclus.", date(f.du), date(f.au)),
        )
    };
    Some(FermetureView {
        en_cours,
        texte,
        message: f.message.clone(),
    })
}

/// The short line of a list: only while the place is closed.
pub fn summary(fermeture: Option<&Fermeture>, today: NaiveDate) -> Option<String> {
    view(fermeture, today).filter(|v| v.en_cours).map(|v| v.texte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn field(key: &str, value: &str, line: u32) -> InputField {
        InputField {
            key: key.into(),
            key_position: Position::new(line, 3),
            value: InputValue::Scalar(value.into()),
            value_position: Position::new(line, 3 + key.len() as u32 + 2),
            quoted: false,
        }
    }

    fn block(entries: Vec<InputField>) -> InputField {
        InputField {
            key: KEY.into(),
            key_position: Position::new(10, 1),
            value: InputValue::Map(entries),
            value_position: Position::new(11, 3),
            quoted: false,
        }
    }

    fn run(entries: Vec<InputField>) -> (Option<Fermeture>, Vec<Diagnostic>) {
        check(Path::new("lieux/x.md"), &block(entries), d("2026-11-23"))
    }

    #[test]
    fn a_valid_closure_is_read() {
        let (f, problems) = run(vec![
            field("du", "2026-12-21", 11),
            field("au", "2027-01-04", 12),
            field("message", " Travaux ", 13),
        ]);
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(
            f,
            Some(Fermeture {
                du: d("2026-12-21"),
                au: d("2027-01-04"),
                message: Some("Travaux".into())
            })
        );
    }

    #[test]
    fn bad_dates_and_order_are_errors_at_their_position() {
        let (f, problems) = run(vec![field("du", "2026-12-32", 11), field("au", "2027-01-04", 12)]);
        assert!(f.is_none());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].message,
            "fermeture_temporaire.du « 2026-12-32 » n'est pas une date au format AAAA-MM-JJ"
        );
        assert_eq!(problems[0].position, Position::new(11, 7));

        let (f, problems) = run(vec![field("du", "2027-01-04", 11), field("au", "2026-12-21", 12)]);
        assert!(f.is_none());
        assert_eq!(
            problems[0].message,
            "la fermeture se termine (2026-12-21) avant de commencer (2027-01-04)"
        );
        assert_eq!(problems[0].position, Position::new(12, 7));
        assert!(problems[0].is_error());
    }

    #[test]
    fn missing_unknown_and_scalar_forms_are_explained() {
        let (f, problems) = run(vec![field("du", "2026-12-21", 11), field("jusqu_au", "2027-01-04", 12)]);
        assert!(f.is_none());
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "champ inconnu « fermeture_temporaire.jusqu_au »",
                "« fermeture_temporaire » n'a pas de date « au » (le dernier jour de la fermeture)",
            ]
        );
        let scalar = InputField {
            value: InputValue::Scalar("du 21 au 24 décembre".into()),
            ..block(Vec::new())
        };
        let (f, problems) = check(Path::new("x.md"), &scalar, d("2026-11-23"));
        assert!(f.is_none());
        assert_eq!(problems[0].position, Position::new(11, 3));
        assert!(problems[0].message.contains("du, au et message"));
    }

    #[test]
    fn a_finished_closure_is_a_warning_and_shows_nothing() {
        let (f, problems) = run(vec![field("du", "2026-10-01", 11), field("au", "2026-10-31", 12)]);
        assert!(f.is_some());
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].is_error());
        assert_eq!(
            problems[0].message,
            "la fermeture temporaire est terminée depuis le 31/10/2026"
        );
        assert_eq!(view(f.as_ref(), d("2026-11-23")), None);
    }

    #[test]
    fn the_banner_follows_the_build_date() {
        let f = Fermeture {
            du: d("2026-12-21"),
            au: d("2027-01-04"),
            message: None,
        };
        let before = view(Some(&f), d("2026-12-01")).unwrap();
        assert!(!before.en_cours);
        assert_eq!(
            before.texte,
            "Fermeture temporaire du 21 décembre 2026 au 4 janvier 2027 inclus."
        );
        assert_eq!(
            summary(Some(&f), d("2026-12-01")),
            None,
            "lists only show a closure under way"
        );
        let during = view(Some(&f), d("2026-12-21")).unwrap();
        assert!(during.en_cours);
        assert_eq!(during.texte, "Fermé temporairement jusqu'au 4 janvier 2027 inclus.");
        assert_eq!(
            summary(Some(&f), d("2027-01-04")).as_deref(),
            Some("Fermé temporairement aujourd'hui.")
        );
        assert_eq!(view(Some(&f), d("2027-01-05")), None);
    }
}
