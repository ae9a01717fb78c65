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
    let place = &site.places[i];
    let values: Vec<String> = schema::schema()
        .field_names()
        .map(|name| place.lieu.export_value(name))
        .collect();
    let csv = csv_line(&values)?;
    let row = JsonRow {
        lieu: &place.lieu,
        values: &values,
    };
    // Strings never hold a raw line break in JSON: indenting each line is
    // exactly what pretty-printing the whole array would do.
    let pretty = serde_json::to_string_pretty(&row).map_err(|e| Error::Internal(e.to_string()))?;
    let json = format!("  {}", pretty.replace('\n', "\n  "));

    let feature = feature(site, i)
        .map(|f| serde_json::to_string(&f).map_err(|e| Error::Internal(e.to_string())))
        .transpose()?;
    Ok(PlaceRows { csv, json, feature })
}

/// A place's object in `lieux.json`: its non-empty fields, by name in
/// alphabetical order, coordinates as numbers. Written straight from the
/// CSV's values, without building a map of JSON values first.
struct JsonRow<'a> {
    lieu: &'a crate::model::Lieu,
    /// The CSV's values, in the schema's order.
    values: &'a [String],
}

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for &(name, index) in fields_by_name() {
            match name {
                "latitude" => {
                    if let Some(latitude) = self.lieu.latitude {
                        map.serialize_entry(name, &latitude)?;
                    }
                }
                "longitude" => {
                    if let Some(longitude) = self.lieu.longitude {
                        map.serialize_entry(name, &longitude)?;
                    }
                }
                _ => {
                    let value = &self.values[index];
                    if !value.is_empty() {
                        map.serialize_entry(name, value)?;
                    }
                }
            }
        }
        map.end()
    }
}

/// The schema's field names in alphabetical order, each with its place in
/// the schema's order.
fn fields_by_name() -> &'static [(&'static str, usize)] {
    static FIELDS: std::sync::OnceLock<Vec<(&'static str, usize)>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut fields: Vec<(&'static str, usize)> = schema::schema()
            .field_names()
            .enumerate()
            .map(|(index, name)| (name, index))
            .collect();
        fields.sort_unstable();
        fields
    })
}

/// One line of `lieux.csv`: every field quoted, as the national examples are.
fn csv_line<T: AsRef<[u8]>>(fields: impl IntoIterator<Item = T>) -> Result<Vec<u8>, Error> {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(fields)
        .map_err(|e| Error::Internal(e.to_string()))?;
    writer.into_inner().map_err(|e| Error::Internal(e.to_string()))
}

/// `public/donnees/lieux.csv` of a site.
pub fn csv(site: &Site) -> Result<Vec<u8>, Error> {
    Ok(Layout::Csv.whole_file(&place_rows(site)?)?.pieces.concat())
}

/// The three open data files, in the order of [`Layout::ALL`].
pub fn open_data_files(rows: &[PlaceRows]) -> Result<[OpenDataFile<'_>; 3], Error> {
    let [csv, json, geojson] = Layout::ALL;
    Ok([csv.whole_file(rows)?, json.whole_file(rows)?, geojson.whole_file(rows)?])
}

/// How many places a streamed build serialises at once: enough to keep
/// both cores busy, few enough that a national site's rows (300 MB at
/// 50,000 places) are never all in memory.
const STREAM_CHUNK: usize = 1024;

/// Produces the three open data files of `site` a few places at a time:
/// `write(file, pieces)` receives, in order, every piece of file `file` (an
/// index into [`Layout::ALL`]), and may drop them once written. The bytes
/// are those of [`open_data_files`].
pub fn stream_open_data(
    site: &Site,
    write: impl FnMut(usize, &[Cow<'_, [u8]>]) -> Result<(), Error>,
) -> Result<(), Error> {
    use rayon::prelude::*;
    let rows_of_chunk = |chunk: std::ops::Range<usize>| chunk.into_par_iter().map(|i| rows_of(site, i)).collect();
    stream_in_chunks(site.places.len(), STREAM_CHUNK, rows_of_chunk, write)
}

/// [`stream_open_data`] of `total` rows made `chunk` at a time by `rows_of_chunk`.
fn stream_in_chunks(
    total: usize,
    chunk: usize,
    rows_of_chunk: impl Fn(std::ops::Range<usize>) -> Result<Vec<PlaceRows>, Error>,
    mut write: impl FnMut(usize, &[Cow<'_, [u8]>]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut written = [0usize; 3];
    for (file, layout) in Layout::ALL.iter().enumerate() {
        write(file, &[Cow::Owned(layout.head(total)?)])?;
    }
    for first in (0..total).step_by(chunk.max(1)) {
        let rows = rows_of_chunk(first..(first + chunk).min(total))?;
        for (file, layout) in Layout::ALL.iter().enumerate() {
            let mut pieces = Vec::with_capacity(2 * rows.len());
            for row in &rows {
                layout.push_row(row, &mut written[file], &mut pieces);
            }
            write(file, &pieces)?;
        }
    }
    for (file, layout) in Layout::ALL.iter().enumerate() {
        write(file, &[Cow::Owned(layout.tail(total)?)])?;
    }
    Ok(())
}

/// One of the three open data files: what comes before the rows, each
/// row with its separator, what comes after.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layout {
    /// `public/donnees/lieux.csv`: schema header order, `|` between list
    /// items, every field quoted as the national examples are.
    Csv,
    /// `public/donnees/lieux.json`: an array of objects with the same fields
    /// and values as the CSV (strings; empty fields omitted; latitude and
    /// longitude as numbers).
    Json,
    /// `public/donnees/lieux.geojson`: RFC 7946, [lon, lat], one feature per
    /// place that has its own coordinates.
    GeoJson,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::Csv, Layout::Json, Layout::GeoJson];

    pub fn path(self) -> &'static str {
        match self {
            Layout::Csv => CSV_PATH,
            Layout::Json => "donnees/lieux.json",
            Layout::GeoJson => "donnees/lieux.geojson",
        }
    }

    /// The whole file, keeping where each row begins.
    fn whole_file(self, rows: &[PlaceRows]) -> Result<OpenDataFile<'_>, Error> {
        let mut file = OpenDataFile::new(self.path(), rows.len());
        file.pieces.push(Cow::Owned(self.head(rows.len())?));
        let mut written = 0;
        for row in rows {
            file.start_row();
            self.push_row(row, &mut written, &mut file.pieces);
        }
        file.pieces.push(Cow::Owned(self.tail(rows.len())?));
        Ok(file)
    }

    /// What comes before the rows of a file of `total` places.
    fn head(self, total: usize) -> Result<Vec<u8>, Error> {
        Ok(match self {
            Layout::Csv => csv_line(schema::schema().field_names())?,
            Layout::Json if total == 0 => b"[]\n".to_vec(),
            Layout::Json => b"[\n".to_vec(),
            Layout::GeoJson => format!("{}[", geojson_shell()?.0).into_bytes(),
        })
    }

    /// Appends `row`'s part (its separator included) to `pieces`;
    /// `written` counts the rows that put something in this file so far.
    fn push_row<'a>(self, row: &'a PlaceRows, written: &mut usize, pieces: &mut Vec<Cow<'a, [u8]>>) {
        let part: &'a [u8] = match self {
            Layout::Csv => &row.csv,
            Layout::Json => row.json.as_bytes(),
            Layout::GeoJson => match &row.feature {
                Some(feature) => feature.as_bytes(),
                None => return,
            },
        };
        if *written > 0 {
            match self {
                Layout::Csv => {}
                Layout::Json => pieces.push(Cow::Borrowed(&b",\n"[..])),
                Layout::GeoJson => pieces.push(Cow::Borrowed(&b","[..])),
            }
        }
        *written += 1;
        pieces.push(Cow::Borrowed(part));
    }

    /// What comes after the rows of a file of `total` places.
    fn tail(self, total: usize) -> Result<Vec<u8>, Error> {
        Ok(match self {
            Layout::Csv => Vec::new(),
            Layout::Json if total == 0 => Vec::new(),
            Layout::Json => b"\n]\n".to_vec(),
            Layout::GeoJson => format!("]{}\n", geojson_shell()?.1).into_bytes(),
        })
    }
}

/// An empty FeatureCollection as serialised, split where the features go.
fn geojson_shell() -> Result<(String, String), Error> {
    let empty = geojson::FeatureCollection {
        bbox: None,
        features: Vec::new(),
        foreign_members: None,
    };
    let shell = serde_json::to_string(&empty).map_err(|e| Error::Internal(e.to_string()))?;
    let (head, tail) = shell
        .split_once("[]")
        .ok_or_else(|| Error::Internal("FeatureCollection sans tableau".into()))?;
    Ok((head.to_string(), tail.to_string()))
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

/// An open data file as the pieces it is made of, in order, without
/// joining them in memory; and where each place's part of it begins, so
/// that `serve` rewrites a file only from the first place that changed.
pub struct OpenDataFile<'a> {
    pub path: &'static str,
    pub pieces: Vec<Cow<'a, [u8]>>,
    /// For each row, the index of its first piece (its separator included).
    row_starts: Vec<usize>,
}

impl<'a> OpenDataFile<'a> {
    fn new(path: &'static str, rows: usize) -> Self {
        OpenDataFile {
            path,
            pieces: Vec::with_capacity(2 * rows + 2),
            row_starts: Vec::with_capacity(rows),
        }
    }

    /// Marks the next piece as the beginning of the next row's part.
    fn start_row(&mut self) {
        self.row_starts.push(self.pieces.len());
    }

    /// Size of the whole file, in bytes.
    pub fn byte_len(&self) -> u64 {
        self.pieces.iter().map(|p| p.len() as u64).sum()
    }

    /// Where the part of row `row` begins (in bytes) and the pieces from
    /// there to the end: everything before is the same as long as rows
    /// `..row` are.
    pub fn tail_from_row(&self, row: usize) -> (u64, &[Cow<'a, [u8]>]) {
        let start = self.row_starts.get(row).copied().unwrap_or(self.pieces.len());
        let offset = self.pieces[..start].iter().map(|p| p.len() as u64).sum();
        (offset, &self.pieces[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize, text: &str, feature: bool) -> PlaceRows {
        PlaceRows {
            csv: format!("\"{n}\",\"{text}\"\n").into_bytes(),
            json: format!("  {{ \"id\": \"{n}\", \"nom\": \"{text}\" }}"),
            feature: feature.then(|| format!("{{\"id\":\"{n}\",\"nom\":\"{text}\"}}")),
        }
    }

    /// What `serve` relies on to rewrite only the end of a file: whatever
    /// row `r` becomes (longer, shorter, with or without a feature), the
    /// bytes before its offset stay the same, and the tail completes them.
    #[test]
    fn a_file_is_the_same_before_the_part_of_a_changed_row() {
        let before: Vec<PlaceRows> = (0..6).map(|n| row(n, "lieu", n % 2 == 0)).collect();
        for r in 0..before.len() {
            for (text, feature) in [("nom bien plus long", true), ("", false), ("x", true)] {
                let mut after = before.clone();
                after[r] = row(r, text, feature);
                let old = open_data_files(&before).unwrap();
                let new = open_data_files(&after).unwrap();
                for (old, new) in old.iter().zip(&new) {
                    let (old_offset, _) = old.tail_from_row(r);
                    let (offset, tail) = new.tail_from_row(r);
                    assert_eq!(old_offset, offset, "{} row {r}", new.path);
                    let (old_bytes, new_bytes) = (old.pieces.concat(), new.pieces.concat());
                    let cut = offset as usize;
                    assert_eq!(old_bytes[..cut], new_bytes[..cut], "{} row {r}", new.path);
                    assert_eq!(tail.concat(), new_bytes[cut..], "{} row {r}", new.path);
                    assert_eq!(new.byte_len(), new_bytes.len() as u64);
                }
            }
        }
    }

    /// A build streams the files a few places at a time; `serve` keeps
    /// them whole: both must give the same bytes, whatever the chunk size
    /// and wherever the places without coordinates fall.
    #[test]
    fn streamed_files_are_the_whole_files() {
        for total in [0, 1, 2, 5, 7] {
            let rows: Vec<PlaceRows> = (0..total).map(|n| row(n, "lieu", n % 3 != 0)).collect();
            let whole: Vec<Vec<u8>> = open_data_files(&rows)
                .unwrap()
                .iter()
                .map(|f| f.pieces.concat())
                .collect();
            for chunk in [1, 2, 3, 10] {
                let mut streamed: Vec<Vec<u8>> = vec![Vec::new(); 3];
                stream_in_chunks(
                    total,
                    chunk,
                    |range| Ok(rows[range].to_vec()),
                    |file, pieces| {
                        streamed[file].extend(pieces.iter().flat_map(|p| p.iter()));
                        Ok(())
                    },
                )
                .unwrap();
                assert_eq!(streamed, whole, "{total} lieux par paquets de {chunk}");
            }
        }
    }

    #[test]
    fn the_first_row_starts_after_the_header_and_the_tail_of_the_last_is_its_part() {
        let rows: Vec<PlaceRows> = (0..3).map(|n| row(n, "lieu", true)).collect();
        let [csv, json, geojson] = open_data_files(&rows).unwrap();
        assert_eq!(csv.tail_from_row(0).0, csv.pieces[0].len() as u64);
        assert_eq!(
            json.tail_from_row(2).1.concat(),
            format!(",\n{}\n]\n", rows[2].json).into_bytes()
        );
        let feature = rows[2].feature.as_deref().unwrap();
        assert!(
            geojson
                .tail_from_row(2)
                .1
                .concat()
                .starts_with(format!(",{feature}]").as_bytes())
        );
    }
}
