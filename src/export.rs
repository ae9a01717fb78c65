//! Open data: the places in the national standard (CSV and JSON) and as a
//! GeoJSON layer for maps. Rows are sorted by id.

use crate::enrich::Site;
use crate::error::Error;
use crate::render::OutputFile;
use crate::schema;
use crate::urls;

/// One place in each open data file, serialised once: a build joins them,
/// and `serve` serialises again only the place a partner edited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceRows {
    /// Its CSV line.
    csv: Vec<u8>,
    /// Its JSON object, pretty-printed and indented as an array element.
    json: String,
    /// Its GeoJSON feature, if it has its own coordinates.
    feature: Option<String>,
}

/// The rows of every place, in the order of `Site::places` (by id).
pub fn place_rows(site: &Site) -> Result<Vec<PlaceRows>, Error> {
    use rayon::prelude::*;
    (0..site.places.len())
        .into_par_iter()
        .map(|i| rows_of(site, i))
        .collect()
}

/// The rows of place `i`.
pub fn rows_of(site: &Site, i: usize) -> Result<PlaceRows, Error> {
    let names: Vec<&str> = schema::schema().field_names().collect();
    let place = &site.places[i];
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(names.iter().map(|n| place.lieu.export_value(n)))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let csv = writer.into_inner().map_err(|e| Error::Internal(e.to_string()))?;

    let mut row = serde_json::Map::new();
    for name in &names {
        let value = match *name {
            "latitude" => place.lieu.latitude.map(serde_json::Value::from),
            "longitude" => place.lieu.longitude.map(serde_json::Value::from),
            _ => Some(place.lieu.export_value(name))
                .filter(|s| !s.is_empty())
                .map(serde_json::Value::from),
        };
        if let Some(value) = value {
            row.insert(name.to_string(), value);
        }
    }
    // Strings never hold a raw line break in JSON: indenting each line is
    // exactly what pretty-printing the whole array would do.
    let json = serde_json::to_string_pretty(&row)
        .map_err(|e| Error::Internal(e.to_string()))?
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n");

    let feature = feature(site, i)
        .map(|f| serde_json::to_string(&f).map_err(|e| Error::Internal(e.to_string())))
        .transpose()?;
    Ok(PlaceRows { csv, json, feature })
}

/// `public/donnees/lieux.csv` of a site.
pub fn csv(site: &Site) -> Result<Vec<u8>, Error> {
    csv_file(&place_rows(site)?)
}

/// `public/donnees/lieux.csv`: schema header order, `|` between list items,
/// every field quoted as the national examples are.
fn csv_file(rows: &[PlaceRows]) -> Result<Vec<u8>, Error> {
    let names: Vec<&str> = schema::schema().field_names().collect();
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(&names)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut bytes = writer.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    for row in rows {
        bytes.extend_from_slice(&row.csv);
    }
    Ok(bytes)
}

/// `public/donnees/lieux.json`: an array of objects with the same fields and
/// values as the CSV (strings; empty fields omitted; latitude and longitude as numbers).
fn json_file(rows: &[PlaceRows]) -> Vec<u8> {
    if rows.is_empty() {
        return b"[]\n".to_vec();
    }
    let mut bytes = Vec::with_capacity(rows.iter().map(|r| r.json.len() + 2).sum::<usize>() + 4);
    bytes.extend_from_slice(b"[\n");
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            bytes.extend_from_slice(b",\n");
        }
        bytes.extend_from_slice(row.json.as_bytes());
    }
    bytes.extend_from_slice(b"\n]\n");
    bytes
}

/// `public/donnees/lieux.geojson`: RFC 7946, [lon, lat], one feature per place
/// that has its own coordinates.
fn geojson_file(rows: &[PlaceRows]) -> Result<Vec<u8>, Error> {
    let empty = geojson::FeatureCollection {
        bbox: None,
        features: Vec::new(),
        foreign_members: None,
    };
    let shell = serde_json::to_string(&empty).map_err(|e| Error::Internal(e.to_string()))?;
    let (head, tail) = shell
        .split_once("[]")
        .ok_or_else(|| Error::Internal("FeatureCollection sans tableau".into()))?;
    let mut bytes = Vec::with_capacity(
        rows.iter()
            .map(|r| r.feature.as_ref().map_or(0, |f| f.len() + 1))
            .sum::<usize>()
            + shell.len()
            + 2,
    );
    bytes.extend_from_slice(head.as_bytes());
    bytes.push(b'[');
    let mut first = true;
    for feature in rows.iter().filter_map(|r| r.feature.as_ref()) {
        if !first {
            bytes.push(b',');
        }
        first = false;
        bytes.extend_from_slice(feature.as_bytes());
    }
    bytes.push(b']');
    bytes.extend_from_slice(tail.as_bytes());
    bytes.push(b'\n');
    Ok(bytes)
}

fn feature(site: &Site, i: usize) -> Option<geojson::Feature> {
    // Absolute: the layer is also downloaded and reused outside the site.
    let base = site.config.base_url();
    let place = &site.places[i];
    let (lat, lon) = place.lieu.latitude.zip(place.lieu.longitude)?;
    let mut properties = geojson::JsonObject::new();
    properties.insert("nom".into(), place.lieu.nom.clone().into());
    properties.insert("commune".into(), place.lieu.commune.clone().into());
    properties.insert("code_insee".into(), place.commune_code.clone().into());
    properties.insert("adresse".into(), place.lieu.adresse.clone().into());
    properties.insert("services".into(), place.lieu.services.clone().into());
    properties.insert(
        "publics_specifiquement_adresses".into(),
        place.lieu.publics_specifiquement_adresses.clone().into(),
    );
    properties.insert("frais_a_charge".into(), place.lieu.frais_a_charge.clone().into());
    properties.insert(
        "dispositif_programmes_nationaux".into(),
        place.lieu.dispositif_programmes_nationaux.clone().into(),
    );
    properties.insert("url".into(), format!("{base}{}", urls::place(&place.lieu.id)).into());
    Some(geojson::Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new_point([round6(lon), round6(lat)])),
        id: Some(geojson::feature::Id::String(place.lieu.id.clone())),
        properties: Some(properties),
        foreign_members: None,
    })
}

/// RFC 7946 recommends 6 decimals (about 10 cm): more is noise and weight.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub fn open_data_files(site: &Site) -> Result<Vec<OutputFile>, Error> {
    open_data_from_rows(&place_rows(site)?)
}

/// The three files, from every place's rows.
pub fn open_data_from_rows(rows: &[PlaceRows]) -> Result<Vec<OutputFile>, Error> {
    Ok(vec![
        OutputFile {
            path: "donnees/lieux.csv".into(),
            bytes: csv_file(rows)?,
        },
        OutputFile {
            path: "donnees/lieux.json".into(),
            bytes: json_file(rows),
        },
        OutputFile {
            path: "donnees/lieux.geojson".into(),
            bytes: geojson_file(rows)?,
        },
    ])
}
