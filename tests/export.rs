//! Open data: `donnees/lieux.csv` passes the national schema's own
//! constraints (read from the schema file, not from the crate), and
//! `donnees/lieux.json` / `donnees/lieux.geojson` are well formed.

mod common;

use common::*;
use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMA: &str = "data/reference/schema-lieux-mediation-numerique-v1.0.2.json";

struct FieldRule {
    name: String,
    kind: String,
    required: bool,
    unique: bool,
    pattern: Option<Regex>,
    max_length: Option<usize>,
}

fn schema_rules() -> Vec<FieldRule> {
    let schema: Value = serde_json::from_str(&read_text(&repo_root().join(SCHEMA))).unwrap();
    schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["constraints"];
            FieldRule {
                name: f["name"].as_str().unwrap().to_string(),
                kind: f["type"].as_str().unwrap_or("string").to_string(),
                required: c["required"].as_bool().unwrap_or(false),
                unique: c["unique"].as_bool().unwrap_or(false),
                // Table Schema: a pattern matches the whole value.
                pattern: c["pattern"]
                    .as_str()
                    .map(|p| Regex::new(&format!("^(?:{p})$")).unwrap()),
                max_length: c["maxLength"].as_u64().map(|n| n as usize),
            }
        })
        .collect()
}

#[test]
fn csv_export_passes_the_national_schema() {
    let tree = minimal_tree();
    let rules = schema_rules();
    assert_eq!(rules.len(), 32);
    let bytes = tree.get("donnees/lieux.csv").expect("donnees/lieux.csv");
    let text = std::str::from_utf8(bytes).expect("the CSV is UTF-8");
    assert!(!text.starts_with('\u{feff}'), "no byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let names: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
    assert_eq!(header, names, "the header is the schema's field names, in order");

    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a well-formed CSV row")).collect();
    assert_eq!(rows.len(), 4, "one row per place");
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), rules.len(), "row {} has {} fields", n + 1, row.len());
        let id = &row[0];
        for (rule, value) in rules.iter().zip(row.iter()) {
            let at = format!("row {} ({id}), {}", n + 1, rule.name);
            if value.is_empty() {
                if rule.required {
                    problems.push(format!("{at}: required but empty"));
                }
                continue;
            }
            if value.trim() != value {
                problems.push(format!("{at}: surrounding spaces in «{value}»"));
            }
            if let Some(pattern) = &rule.pattern
                && !pattern.is_match(value)
            {
                problems.push(format!("{at}: «{value}» does not match the schema's pattern"));
            }
            if let Some(max) = rule.max_length
                && value.chars().count() > max
            {
                problems.push(format!("{at}: longer than {max} characters"));
            }
            let well_typed = match rule.kind.as_str() {
                "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
                "date" => value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
                _ => true,
            };
            if !well_typed {
                problems.push(format!("{at}: «{value}» is not a valid {}", rule.kind));
            }
            if rule.unique && !seen.entry(rule.name.as_str()).or_default().insert(value.to_string()) {
                problems.push(format!("{at}: «{value}» is not unique"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the CSV breaks the national schema:\n{}",
        problems.join("\n")
    );

    // Values as expected for a few fields, rows sorted by id.
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ids,
        [
            "ccas-anglet",
            "cyberbase-bayonne",
            "france-services-pau",
            "mediatheque-andre-labarrere-pau"
        ]
    );
    let column = |name: &str| names.iter().position(|n| n == name).unwrap();
    let mediatheque = &rows[3];
    assert_eq!(
        &mediatheque[column("telephone")],
        "+33559271572",
        "phones in the schema's international form"
    );
    assert_eq!(
        &mediatheque[column("horaires")],
        "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off"
    );
    assert_eq!(
        &mediatheque[column("services")],
        "Accès internet et matériel informatique|Maîtrise des outils numériques du quotidien",
        "list items joined with |"
    );
    assert_eq!(&mediatheque[column("latitude")], "43.2951");
    assert_eq!(&mediatheque[column("longitude")], "-0.3708");
    assert_eq!(&mediatheque[column("typologie")], "BIB");
    assert_eq!(&mediatheque[column("date_maj")], "2026-09-15");
    assert!(
        mediatheque[column("presentation_detail")].contains("**ateliers collectifs**"),
        "the Markdown body"
    );
    let bayonne = &rows[1];
    assert_eq!(&bayonne[column("latitude")], "", "no invented coordinates");
    assert_eq!(&bayonne[column("code_insee")], "64102");
    assert_eq!(&bayonne[column("telephone")], "+33559151091");
}

#[test]
fn json_export_has_the_same_places_and_values() {
    let tree = minimal_tree();
    let rows: Vec<Value> = serde_json::from_slice(tree.get("donnees/lieux.json").unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(tree.get("donnees/lieux.csv").unwrap().as_slice());
    let header = reader.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len());
    for (row, record) in rows.iter().zip(&records) {
        let object = row.as_object().expect("each place is an object");
        for (name, value) in header.iter().zip(record.iter()) {
            match object.get(name) {
                None => assert!(
                    value.is_empty(),
                    "{name} missing from the JSON but «{value}» in the CSV"
                ),
                Some(Value::Number(n)) => {
                    assert!(name == "latitude" || name == "longitude", "{name} is a number");
                    assert_eq!(n.as_f64().unwrap(), value.parse::<f64>().unwrap(), "{name}");
                }
                Some(Value::String(s)) => assert_eq!(s, value, "{name}"),
                Some(other) => panic!("{name}: unexpected {other}"),
            }
        }
        assert!(
            object.keys().all(|k| header.iter().any(|h| h == k)),
            "only schema fields: {object:?}"
        );
    }
}

#[test]
fn geojson_export_is_a_valid_feature_collection() {
    let tree = minimal_tree();
    let collection: Value = serde_json::from_slice(tree.get("donnees/lieux.geojson").unwrap()).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    let ids: Vec<&str> = features
        .iter()
        .map(|f| f["id"].as_str().expect("each feature has a string id"))
        .collect();
    // Places without their own coordinates are not on the map.
    assert_eq!(
        ids,
        ["ccas-anglet", "france-services-pau", "mediatheque-andre-labarrere-pau"]
    );
    for feature in features {
        let id = feature["id"].as_str().unwrap();
        assert_eq!(feature["type"], "Feature", "{id}");
        assert_eq!(feature["geometry"]["type"], "Point", "{id}");
        let coordinates = feature["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(coordinates.len(), 2, "{id}");
        let (lon, lat) = (coordinates[0].as_f64().unwrap(), coordinates[1].as_f64().unwrap());
        assert!(
            (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
            "{id}: [{lon}, {lat}]"
        );
        // [longitude, latitude] order (RFC 7946): Pyrénées-Atlantiques is at
        // about 43° N, 1° W.
        assert!(
            (42.7..=43.7).contains(&lat) && (-1.9..=0.1).contains(&lon),
            "{id}: [{lon}, {lat}] is not in the 64"
        );
        let properties = &feature["properties"];
        assert!(properties["nom"].as_str().is_some_and(|s| !s.is_empty()), "{id}");
        assert!(properties["commune"].as_str().is_some_and(|s| !s.is_empty()), "{id}");
        assert!(properties["services"].is_array(), "{id}");
        let url = properties["url"].as_str().expect("a url property");
        // Absolute or under the base path, it leads to the place's page.
        let path = url.strip_prefix("https://exemple.fr").unwrap_or(url);
        assert_eq!(
            file_for_url_path(path).as_deref(),
            Some(format!("lieux/{id}/index.html").as_str()),
            "{id}: {url}"
        );
    }
    let mediatheque = &features[2];
    assert_eq!(
        mediatheque["geometry"]["coordinates"],
        serde_json::json!([-0.3708, 43.2951])
    );
    assert_eq!(mediatheque["properties"]["nom"], "Médiathèque André-Labarrère");
    assert_eq!(mediatheque["properties"]["commune"], "Pau");
    assert_eq!(
        mediatheque["properties"]["services"],
        serde_json::json!([
            "Accès internet et matériel informatique",
            "Maîtrise des outils numériques du quotidien"
        ])
    );
}
