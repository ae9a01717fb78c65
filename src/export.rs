//! Open data: the places in the national standard (CSV and JSON) and as a
//! GeoJSON layer for maps. Rows are sorted by id.

use crate::enrich::Site;
use crate::error::Error;
use crate::schema;
use crate::urls;
use std::borrow::Cow;

const CSV_PATH: &str = "donnees/lieux.csv";

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
    Ok(csv_pieces(&place_rows(site)?)?.concat())
}

/// `public/donnees/lieux.csv`: schema header order, `|` between list items,
/// every field quoted as the national examples are.
fn csv_pieces(rows: &[PlaceRows]) -> Result<Vec<Cow<'_, [u8]>>, Error> {
    let names: Vec<&str> = schema::schema().field_names().collect();
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(&names)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let header = writer.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    let mut pieces = Vec::with_capacity(rows.len() + 1);
    pieces.push(Cow::Owned(header));
    pieces.extend(rows.iter().map(|row| Cow::Borrowed(row.csv.as_slice())));
    Ok(pieces)
}

/// `public/donnees/lieux.json`: an array of objects with the same fields and
/// values as the CSV (strings; empty fields omitted; latitude and longitude as numbers).
fn json_pieces(rows: &[PlaceRows]) -> Vec<Cow<'_, [u8]>> {
    if rows.is_empty() {
        return vec![Cow::Borrowed(b"[]\n")];
    }
    let mut pieces = Vec::with_capacity(2 * rows.len() + 1);
    pieces.push(Cow::Borrowed(&b"[\n"[..]));
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            pieces.push(Cow::Borrowed(&b",\n"[..]));
        }
        pieces.push(Cow::Borrowed(row.json.as_bytes()));
    }
    pieces.push(Cow::Borrowed(&b"\n]\n"[..]));
    pieces
}

/// `public/donnees/lieux.geojson`: RFC 7946, [lon, lat], one feature per place
/// that has its own coordinates.
fn geojson_pieces(rows: &[PlaceRows]) -> Result<Vec<Cow<'_, [u8]>>, Error> {
    let empty = geojson::FeatureCollection {
        bbox: None,
        features: Vec::new(),
        foreign_members: None,
    };
    let shell = serde_json::to_string(&empty).map_err(|e| Error::Internal(e.to_string()))?;
    let (head, tail) = shell
        .split_once("[]")
        .ok_or_else(|| Error::Internal("FeatureCollection sans tableau".into()))?;
    let mut pieces = Vec::with_capacity(2 * rows.len() + 2);
    pieces.push(Cow::Owned(format!("{head}[").into_bytes()));
    let mut first = true;
    for feature in rows.iter().filter_map(|r| r.feature.as_ref()) {
        if !first {
            pieces.push(Cow::Borrowed(&b","[..]));
        }
        first = false;
        pieces.push(Cow::Borrowed(feature.as_bytes()));
    }
    pieces.push(Cow::Owned(format!("]{tail}\n").into_bytes()));
    Ok(pieces)
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

/// An output file as the pieces it is made of, in order.
pub type Pieces<'a> = (&'static str, Vec<Cow<'a, [u8]>>);

/// The three open data files.
pub fn open_data_pieces(rows: &[PlaceRows]) -> Result<[Pieces<'_>; 3], Error> {
    Ok([
        (CSV_PATH, csv_pieces(rows)?),
        ("donnees/lieux.json", json_pieces(rows)),
        ("donnees/lieux.geojson", geojson_pieces(rows)?),
    ])
}
