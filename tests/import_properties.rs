//! Property: for any valid rows, export(import(x)) is stable — importing the
//! export again and exporting gives the same bytes.

use annuaire::export;
use annuaire::import::{ImportOptions, import};
use annuaire::pipeline::prepare;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::path::Path;

const COMMUNES: &[(&str, &str, &str, f64, f64)] = &[
    ("Pau", "64445", "64000", 43.2951, -0.3708),
    ("Bayonne", "64102", "64100", 43.4929, -1.4748),
    ("Anglet", "64024", "64600", 43.4832, -1.5145),
    ("Oloron-Sainte-Marie", "64422", "64400", 43.1942, -0.6067),
    ("Lescar", "64335", "64230", 43.333, -0.435),
];

const SERVICES: &[&str] = &[
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Accès internet et matériel informatique",
];

const HOURS: &[&str] = &[
    "",
    "Mo-Fr 09:00-12:00",
    "Tu,Th 14:00-17:00; PH off",
    "24/7",
    "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
];

#[derive(Debug, Clone)]
struct Row {
    nom: String,
    commune: usize,
    services: Vec<usize>,
    phone: String,
    hours: usize,
    days_ago: u32,
    detail: String,
    own_coordinates: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        "[A-Za-zéèàçÉ'][A-Za-zéèàçÉ' -]{2,40}",
        0..COMMUNES.len(),
        proptest::collection::vec(0..SERVICES.len(), 0..4),
        ("0[1-59]", "[0-9]{8}", prop_oneof![Just(""), Just(" "), Just(".")]),
        0..HOURS.len(),
        0u32..2000,
        "[a-zA-Zéà ,.]{0,120}",
        any::<bool>(),
    )
        .prop_map(
            |(nom, commune, services, (a, b, sep), hours, days_ago, detail, own_coordinates)| {
                let digits = format!("{a}{b}");
                let phone = digits
                    .as_bytes()
                    .chunks(2)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect::<Vec<_>>()
                    .join(sep);
                Row {
                    nom,
                    commune,
                    services,
                    phone,
                    hours,
                    days_ago,
                    detail,
                    own_coordinates,
                }
            },
        )
}

fn write_csv(rows: &[Row], path: &Path, today: NaiveDate) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "id",
        "pivot",
        "nom",
        "commune",
        "code_postal",
        "code_insee",
        "adresse",
        "latitude",
        "longitude",
        "telephone",
        "horaires",
        "presentation_detail",
        "date_maj",
        "services",
    ])
    .unwrap();
    for (i, r) in rows.iter().enumerate() {
        let (commune, insee, cp, lat, lon) = COMMUNES[r.commune];
        let services: Vec<&str> = r.services.iter().map(|&s| SERVICES[s]).collect();
        let date = today - chrono::Days::new(u64::from(r.days_ago));
        let (lat, lon) = if r.own_coordinates {
            (lat.to_string(), lon.to_string())
        } else {
            (String::new(), String::new())
        };
        w.write_record([
            format!("source-{i}"),
            "12345678900012".to_string(),
            r.nom.clone(),
            commune.to_string(),
            cp.to_string(),
            insee.to_string(),
            "1 place de la Mairie".to_string(),
            lat,
            lon,
            r.phone.clone(),
            HOURS[r.hours].to_string(),
            r.detail.clone(),
            date.format("%Y-%m-%d").to_string(),
            services.join("|"),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn import_and_export(input: &Path, today: NaiveDate) -> (usize, Vec<u8>) {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("annuaire.yaml"),
        "titre: E\nediteur: E\nurl_de_base: https://e.fr/\ndepartements: [\"64\"]\ncontact:\n  nom: E\n  courriel: e@e.fr\n",
    )
    .unwrap();
    let options = ImportOptions {
        root: site.path().to_path_buf(),
        input: input.to_path_buf(),
        departements: vec![],
        dry_run: false,
        force: false,
        today,
    };
    let report = import(&options, &["64".to_string()]).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let (site_model, _) = prepare(site.path(), None).unwrap();
    (report.written.len(), export::csv(&site_model).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn export_of_import_is_stable(rows in proptest::collection::vec(row(), 1..6)) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("entree.csv");
        write_csv(&rows, &input, today);
        let (written, first) = import_and_export(&input, today);
        prop_assert_eq!(written, rows.len());
        let exported = dir.path().join("export.csv");
        std::fs::write(&exported, &first).unwrap();
        let (written_again, second) = import_and_export(&exported, today);
        prop_assert_eq!(written_again, rows.len());
        prop_assert_eq!(String::from_utf8(first).unwrap(), String::from_utf8(second).unwrap());
    }
}
