//! Open data: the places in the national standard (CSV and JSON) and as a
//! GeoJSON layer for maps. Rows are sorted by id.

use crate::enrich::Site;
use crate::error::Error;
use crate::render::OutputFile;
use crate::schema;
use crate::urls;

/// `public/donnees/lieux.csv`: schema header order, `|` between list items,
/// every field quoted as the national examples are.
pub fn csv(site: &Site) -> Result<Vec<u8>, Error> {
    let names: Vec<&str> = schema::schema().field_names().collect();
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(&names)
        .map_err(|e| Error::Internal(e.to_string()))?;
    for place in &site.places {
        writer
            .write_record(names.iter().map(|n| place.lieu.export_value(n)))
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    writer.into_inner().map_err(|e| Error::Internal(e.to_string()))
}

/// `public/donnees/lieux.json`: an array of objects with the same fields and
/// values as the CSV (strings; empty fields omitted; latitude and longitude as numbers).
pub fn json(site: &Site) -> Result<Vec<u8>, Error> {
    let names: Vec<&str> = schema::schema().field_names().collect();
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = site
        .places
        .iter()
        .map(|place| {
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
            row
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&rows).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `public/donnees/lieux.geojson`: RFC 7946, [lon, lat], one feature per place
/// that has its own coordinates.
pub fn geojson(site: &Site) -> Result<Vec<u8>, Error> {
    // Absolute: the layer is also downloaded and reused outside the site.
    let base = site.config.base_url();
    let features = site
        .places
        .iter()
        .filter_map(|place| {
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
        })
        .collect();
    let collection = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    let mut bytes = serde_json::to_vec(&collection).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// RFC 7946 recommends 6 decimals (about 10 cm): more is noise and weight.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub fn open_data_files(site: &Site) -> Result<Vec<OutputFile>, Error> {
    let files = vec![
        OutputFile {
            path: "donnees/lieux.csv".into(),
            bytes: csv(site)?,
        },
        OutputFile {
            path: "donnees/lieux.json".into(),
            bytes: json(site)?,
        },
        OutputFile {
            path: "donnees/lieux.geojson".into(),
            bytes: geojson(site)?,
        },
    ];
    Ok(files)
}
