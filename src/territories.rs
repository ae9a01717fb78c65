//! The French territory reference (communes, EPCI, départements, régions,
//! département outlines), embedded from `data/territoires/` so that the binary
//! works offline for any département.
//!
//! Sources: INSEE (COG 2026), DGCL, La Poste via @etalab/decoupage-administratif;
//! IGN Admin Express 2018 via france-geojson. Licence Ouverte / Etalab 2.0.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const COMMUNES_CSV: &str = include_str!("../data/territoires/communes.csv");
const EPCI_CSV: &str = include_str!("../data/territoires/epci.csv");
const DEPARTEMENTS_CSV: &str = include_str!("../data/territoires/departements.csv");
const REGIONS_CSV: &str = include_str!("../data/territoires/regions.csv");
const OUTLINES_GEOJSON: &str = include_str!("../data/territoires/departements-contours-simplifies.geojson");

pub const ATTRIBUTION: &str = "Sources : INSEE (COG 2026), DGCL, La Poste via @etalab/decoupage-administratif ; IGN Admin Express 2018 via france-geojson (Licence Ouverte / Etalab 2.0)";

#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code_insee: String,
    pub nom: String,
    pub departement: String,
    pub region: String,
    pub epci_siren: Option<String>,
    pub codes_postaux: Vec<String>,
    pub population: u64,
    /// A point inside the commune, when the reference has one.
    pub point: Option<LatLon>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Epci {
    pub siren: String,
    pub nom: String,
    pub kind: String,
    pub population: u64,
    pub communes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub region: String,
    pub chef_lieu: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

impl LatLon {
    /// Great-circle distance in kilometres.
    pub fn distance_km(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }

    /// A lower bound of [`LatLon::distance_km`] without trigonometry: the
    /// length of meridian between the two latitudes. Going from one point to
    /// the other covers at least that, so a point whose gap exceeds a radius
    /// is outside it (an edit in `serve` rules out most communes this way).
    pub fn latitude_gap_km(self, other: LatLon) -> f64 {
        EARTH_RADIUS_KM * (other.lat - self.lat).abs().to_radians()
    }
}

/// Outer rings of a département outline, as (lon, lat) pairs.
type Rings = Vec<Vec<(f64, f64)>>;

pub struct Territories {
    /// In code order: looked up by binary search (an index of 35,000
    /// copied codes took a tenth of the reference's parsing).
    pub communes: Vec<Commune>,
    pub epcis: Vec<Epci>,
    pub departements: Vec<Departement>,
    pub regions: HashMap<String, String>,
    epci_index: HashMap<String, usize>,
    departement_index: HashMap<String, usize>,
    outlines: HashMap<String, Rings>,
    /// Per département, the bounding box of its communes' points: what
    /// stands in for a missing outline. Computed on first need, in one pass
    /// over the communes instead of one pass per place.
    point_bounds: OnceLock<HashMap<String, Bounds>>,
}

/// How much wider than its communes' points a département without an
/// outline is taken to be.
const POINTS_BOX_MARGIN_KM: f64 = 15.0;

/// Latitudes then longitudes, each as (least, greatest).
type Bounds = ((f64, f64), (f64, f64));

impl Territories {
    /// The embedded reference, parsed once.
    pub fn embedded() -> &'static Territories {
        static REFERENCE: OnceLock<Territories> = OnceLock::new();
        REFERENCE.get_or_init(|| {
            Territories::parse(COMMUNES_CSV, EPCI_CSV, DEPARTEMENTS_CSV, REGIONS_CSV, OUTLINES_GEOJSON)
                .expect("embedded territory reference is valid")
        })
    }

    pub fn parse(
        communes: &str,
        epci: &str,
        departements: &str,
        regions: &str,
        outlines: &str,
    ) -> Result<Self, String> {
        let mut communes = read_communes(communes)?;
        // Already in order in the reference: a pass to check it.
        communes.sort_by(|a, b| a.code_insee.cmp(&b.code_insee));
        let epcis: Vec<Epci> = read_csv::<EpciRow>(epci)?.into_iter().map(Epci::from).collect();
        let departements: Vec<Departement> = read_csv::<DepartementRow>(departements)?
            .into_iter()
            .map(|r| Departement {
                code: r.code,
                nom: r.nom,
                region: r.region,
                chef_lieu: r.chef_lieu,
            })
            .collect();
        let regions = read_csv::<RegionRow>(regions)?
            .into_iter()
            .map(|r| (r.code, r.nom))
            .collect();
        let epci_index = epcis.iter().enumerate().map(|(i, e)| (e.siren.clone(), i)).collect();
        let departement_index = departements
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.clone(), i))
            .collect();
        Ok(Territories {
            communes,
            epcis,
            departements,
            regions,
            epci_index,
            departement_index,
            outlines: parse_outlines(outlines)?,
            point_bounds: OnceLock::new(),
        })
    }

    pub fn commune(&self, code_insee: &str) -> Option<&Commune> {
        self.communes
            .binary_search_by(|c| c.code_insee.as_str().cmp(code_insee))
            .ok()
            .map(|i| &self.communes[i])
    }

    pub fn epci(&self, siren: &str) -> Option<&Epci> {
        self.epci_index.get(siren).map(|&i| &self.epcis[i])
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departement_index.get(code).map(|&i| &self.departements[i])
    }

    pub fn region_name(&self, code: &str) -> Option<&str> {
        self.regions.get(code).map(String::as_str)
    }

    /// Communes having this postcode, in code order.
    pub fn communes_with_postcode<'a>(&'a self, postcode: &'a str) -> impl Iterator<Item = &'a Commune> + 'a {
        self.communes
            .iter()
            .filter(move |c| c.codes_postaux.iter().any(|p| p == postcode))
    }

    /// Whether a point lies in the département, with a tolerance for the
    /// simplified outline. Without an outline (overseas), falls back to the
    /// bounding box of its communes' points, widened by the same tolerance.
    pub fn contains_point(&self, departement: &str, point: LatLon, tolerance_km: f64) -> Option<bool> {
        if let Some(rings) = self.outlines.get(departement) {
            if rings.iter().any(|r| ring_contains(r, point)) {
                return Some(true);
            }
            let near = rings.iter().any(|r| distance_to_ring_km(r, point) <= tolerance_km);
            return Some(near);
        }
        let ((min_lat, max_lat), (min_lon, max_lon)) = *self.point_bounds().get(departement)?;
        // A commune's point is inside it, not on the coast or the border:
        // the box of the points is smaller than the territory by up to a
        // commune's width (Saint-Denis de La Réunion's port lies 5 km north
        // of the northernmost point). The check is there to catch swapped or
        // mistyped coordinates, hundreds of kilometres off.
        let margin = (tolerance_km + POINTS_BOX_MARGIN_KM) / 111.0;
        Some(
            point.lat >= min_lat - margin
                && point.lat <= max_lat + margin
                && point.lon >= min_lon - margin * 1.5
                && point.lon <= max_lon + margin * 1.5,
        )
    }

    fn point_bounds(&self) -> &HashMap<String, Bounds> {
        self.point_bounds.get_or_init(|| {
            let mut bounds: HashMap<String, Bounds> = HashMap::new();
            for c in self.communes.iter().filter(|c| !is_arrondissement(&c.code_insee)) {
                let Some(p) = c.point else { continue };
                let ((lat0, lat1), (lon0, lon1)) = bounds
                    .entry(c.departement.clone())
                    .or_insert(((p.lat, p.lat), (p.lon, p.lon)));
                *lat0 = lat0.min(p.lat);
                *lat1 = lat1.max(p.lat);
                *lon0 = lon0.min(p.lon);
                *lon1 = lon1.max(p.lon);
            }
            bounds
        })
    }

    /// Outline rings of a département, as (lon, lat).
    pub fn outline(&self, departement: &str) -> Option<&Rings> {
        self.outlines.get(departement)
    }
}

/// Paris, Lyon and Marseille arrondissements have their own codes in the reference.
pub fn is_arrondissement(code_insee: &str) -> bool {
    let Ok(n) = code_insee.parse::<u32>() else { return false };
    matches!(n, 75101..=75120 | 13201..=13216 | 69381..=69389)
}

fn read_csv<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| e.to_string())
}

/// The communes, read field by field into their final form: 35,000 rows
/// parsed on every run, on the critical path of reading a site (through
/// serde and an intermediate row, they took 30 ms).
fn read_communes(text: &str) -> Result<Vec<Commune>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    // Columns found by name, whatever their order in the file.
    let mut at = [0usize; 9];
    let names = [
        "code_insee",
        "nom",
        "departement",
        "region",
        "epci_siren",
        "codes_postaux",
        "population",
        "latitude",
        "longitude",
    ];
    for (column, name) in at.iter_mut().zip(names) {
        *column = headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("colonne « {name} » absente du référentiel des communes"))?;
    }
    let [
        code,
        nom,
        departement,
        region,
        epci,
        postcodes,
        population,
        latitude,
        longitude,
    ] = at;
    let mut record = csv::StringRecord::new();
    let mut communes = Vec::with_capacity(text.len() / 64);
    while reader.read_record(&mut record).map_err(|e| e.to_string())? {
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or("");
        let number = |i: usize| -> Result<Option<f64>, String> {
            match field(i) {
                "" => Ok(None),
                v => v
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("ligne {line} : « {v} » n'est pas un nombre")),
            }
        };
        let inhabitants = match field(population) {
            "" => 0,
            v => v
                .parse()
                .map_err(|_| format!("ligne {line} : « {v} » n'est pas une population"))?,
        };
        communes.push(Commune {
            code_insee: field(code).to_string(),
            nom: field(nom).to_string(),
            departement: field(departement).to_string(),
            region: field(region).to_string(),
            epci_siren: Some(field(epci)).filter(|s| !s.is_empty()).map(str::to_string),
            codes_postaux: split_list(field(postcodes)),
            population: inhabitants,
            point: number(latitude)?
                .zip(number(longitude)?)
                .map(|(lat, lon)| LatLon { lat, lon }),
        });
    }
    Ok(communes)
}

#[derive(Deserialize)]
struct EpciRow {
    siren: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    population: Option<u64>,
    communes: String,
}

impl From<EpciRow> for Epci {
    fn from(r: EpciRow) -> Self {
        Epci {
            siren: r.siren,
            nom: r.nom,
            kind: r.kind,
            population: r.population.unwrap_or(0),
            communes: split_list(&r.communes),
        }
    }
}

#[derive(Deserialize)]
struct DepartementRow {
    code: String,
    nom: String,
    region: String,
    chef_lieu: String,
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    nom: String,
}

fn split_list(s: &str) -> Vec<String> {
    s.split('|').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

fn parse_outlines(geojson_text: &str) -> Result<HashMap<String, Rings>, String> {
    let collection: geojson::FeatureCollection = geojson_text.parse().map_err(|e: geojson::Error| e.to_string())?;
    let mut out = HashMap::new();
    for feature in collection.features {
        let Some(code) = feature.property("code").and_then(|c| c.as_str()).map(str::to_string) else {
            continue;
        };
        let Some(geometry) = feature.geometry else { continue };
        let polygons: Vec<geojson::PolygonType> = match geometry.value {
            geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
            geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
            _ => continue,
        };
        let rings = polygons
            .into_iter()
            .filter_map(|p| p.into_iter().next())
            .map(|ring| {
                ring.into_iter()
                    .filter(|c| c.as_slice().len() >= 2)
                    .map(|c| (c[0], c[1]))
                    .collect()
            })
            .collect();
        out.insert(code, rings);
    }
    Ok(out)
}

fn ring_contains(ring: &[(f64, f64)], p: LatLon) -> bool {
    let (x, y) = (p.lon, p.lat);
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if ((yi > y) != (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi) {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Distance from a point to the nearest edge of a ring, in km (equirectangular, fine at this scale).
fn distance_to_ring_km(ring: &[(f64, f64)], p: LatLon) -> f64 {
    let kx = 111.32 * p.lat.to_radians().cos();
    let ky = 110.57;
    let to_xy = |(lon, lat): (f64, f64)| ((lon - p.lon) * kx, (lat - p.lat) * ky);
    ring.windows(2)
        .map(|w| {
            let (ax, ay) = to_xy(w[0]);
            let (bx, by) = to_xy(w[1]);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 {
                0.0
            } else {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            };
            let (cx, cy) = (ax + t * dx, ay + t * dy);
            (cx * cx + cy * cy).sqrt()
        })
        .fold(f64::MAX, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The communes as serde reads their rows: the reference the field by
    /// field reader must match.
    #[derive(Deserialize)]
    struct CommuneRow {
        code_insee: String,
        nom: String,
        departement: String,
        region: String,
        epci_siren: String,
        codes_postaux: String,
        population: Option<u64>,
        latitude: Option<f64>,
        longitude: Option<f64>,
    }

    #[test]
    fn communes_read_field_by_field_are_those_serde_reads() {
        let expected: Vec<Commune> = read_csv::<CommuneRow>(COMMUNES_CSV)
            .unwrap()
            .into_iter()
            .map(|r| Commune {
                code_insee: r.code_insee,
                nom: r.nom,
                departement: r.departement,
                region: r.region,
                epci_siren: Some(r.epci_siren).filter(|s| !s.is_empty()),
                codes_postaux: split_list(&r.codes_postaux),
                population: r.population.unwrap_or(0),
                point: r.latitude.zip(r.longitude).map(|(lat, lon)| LatLon { lat, lon }),
            })
            .collect();
        assert_eq!(read_communes(COMMUNES_CSV).unwrap(), expected);
        // Columns found by name, whatever their order; quoted fields.
        let reordered = "nom,code_insee,latitude,longitude,population,codes_postaux,epci_siren,region,departement\n\
                         \"Saint-Denis, la ville\",97411,-20.9,55.4,,97400|97490,,04,974\n";
        let communes = read_communes(reordered).unwrap();
        assert_eq!(communes[0].nom, "Saint-Denis, la ville");
        assert_eq!(communes[0].code_insee, "97411");
        assert_eq!(communes[0].codes_postaux, ["97400", "97490"]);
        assert_eq!((communes[0].population, communes[0].epci_siren.clone()), (0, None));
        assert_eq!(communes[0].point, Some(LatLon { lat: -20.9, lon: 55.4 }));
    }

    #[test]
    fn every_commune_is_found_by_its_code_and_no_other() {
        let t = Territories::embedded();
        for c in &t.communes {
            assert_eq!(t.commune(&c.code_insee).map(|f| &f.code_insee), Some(&c.code_insee));
        }
        for missing in ["", "0", "00000", "2A", "99999", "ZZZZZ"] {
            assert!(t.commune(missing).is_none(), "{missing}");
        }
    }

    #[test]
    fn a_broken_commune_row_is_an_error_naming_its_line() {
        let head = "code_insee,nom,departement,region,epci_siren,codes_postaux,population,latitude,longitude\n";
        let ok = "01001,A,01,84,,01400,860,46.1,4.9\n";
        let error = read_communes(&format!("{head}{ok}01002,B,01,84,,01400,beaucoup,46.1,4.9\n")).unwrap_err();
        assert!(error.contains("ligne 3") && error.contains("beaucoup"), "{error}");
        let error = read_communes(&format!("{head}{ok}01002,B,01,84,,01400,1,nord,4.9\n")).unwrap_err();
        assert!(error.contains("ligne 3") && error.contains("nord"), "{error}");
        assert!(read_communes(&format!("{head}01002,B,01\n")).is_err(), "a short row");
        assert!(
            read_communes("code_insee,nom\n1,A\n")
                .unwrap_err()
                .contains("departement")
        );
    }

    #[test]
    fn reference_counts_match_the_published_figures() {
        let t = Territories::embedded();
        // Arrondissements municipaux are listed too, but are not communes.
        let communes_of = |d: &str| {
            t.communes
                .iter()
                .filter(|c| c.departement == d && !is_arrondissement(&c.code_insee))
                .count()
        };
        assert_eq!(communes_of("64"), 545);
        assert_eq!(communes_of("40"), 327);
        assert_eq!(communes_of("75"), 1, "Paris, not its 20 arrondissements");
        assert_eq!(t.epcis.len(), 1255);
        assert_eq!(t.departement("64").unwrap().nom, "Pyrénées-Atlantiques");
    }

    #[test]
    fn lookups_resolve_commune_epci_and_postcodes() {
        let t = Territories::embedded();
        let pau = t.commune("64445").unwrap();
        assert_eq!(pau.nom, "Pau");
        assert!(pau.codes_postaux.contains(&"64000".to_string()));
        let epci = t.epci(pau.epci_siren.as_deref().unwrap()).unwrap();
        assert!(epci.communes.contains(&"64445".to_string()));
        assert!(t.communes_with_postcode("64000").any(|c| c.code_insee == "64445"));
    }

    #[test]
    fn points_are_located_in_their_departement() {
        let t = Territories::embedded();
        let pau = LatLon {
            lat: 43.2951,
            lon: -0.3708,
        };
        let bordeaux = LatLon {
            lat: 44.8378,
            lon: -0.5792,
        };
        assert_eq!(t.contains_point("64", pau, 2.0), Some(true));
        assert_eq!(t.contains_point("64", bordeaux, 2.0), Some(false));
        assert_eq!(t.contains_point("33", bordeaux, 2.0), Some(true));
        // Overseas départements have no outline: the box of their
        // communes' points stands in for it.
        let entre_deux = LatLon {
            lat: -21.2042,
            lon: 55.4924,
        };
        assert!(t.outline("974").is_none());
        assert_eq!(t.contains_point("974", entre_deux, 2.0), Some(true));
        let saint_denis_port = LatLon {
            lat: -20.8617,
            lon: 55.4450,
        };
        assert_eq!(t.contains_point("974", saint_denis_port, 2.0), Some(true));
        assert_eq!(t.contains_point("974", pau, 2.0), Some(false));
        assert_eq!(t.contains_point("976", entre_deux, 2.0), Some(false), "Mayotte");
        assert_eq!(t.contains_point("00", pau, 2.0), None, "unknown département");
    }

    #[test]
    fn distance_is_in_kilometres() {
        let pau = LatLon {
            lat: 43.2951,
            lon: -0.3708,
        };
        let bayonne = LatLon {
            lat: 43.4929,
            lon: -1.4748,
        };
        let d = pau.distance_km(bayonne);
        assert!((d - 91.6).abs() < 2.0, "{d}");
    }

    proptest::proptest! {
        #[test]
        fn the_latitude_gap_never_exceeds_the_distance(
            a in -90.0f64..=90.0, b in -180.0f64..=180.0, c in -90.0f64..=90.0, d in -180.0f64..=180.0,
        ) {
            let (p, q) = (LatLon { lat: a, lon: b }, LatLon { lat: c, lon: d });
            let (gap, distance) = (p.latitude_gap_km(q), p.distance_km(q));
            proptest::prop_assert!(gap <= distance * (1.0 + 1e-9) + 1e-9, "{gap} > {distance}");
        }
    }

    #[test]
    fn arrondissements_are_recognised() {
        assert!(is_arrondissement("75112"));
        assert!(!is_arrondissement("75056"));
        assert!(!is_arrondissement("13055"));
    }
}
