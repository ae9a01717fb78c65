//! The search index read by the search page and the map: one compact JSON
//! file per département (`donnees/recherche/<code>.json`), so that a
//! national site only loads the départements a resident looks at, plus a
//! small catalogue (`donnees/recherche/index.json`) of départements,
//! communes and facet values.
//!
//! Places are arrays, not objects, and facet values are bit masks over the
//! catalogue's lists: keys repeated 50,000 times would weigh more than the
//! data. Entries are sorted by id; everything is deterministic.

use crate::enrich::Site;
use crate::error::Error;
use crate::render::OutputFile;
use crate::schema;
use crate::text;
use crate::urls;
use serde::Serialize;

/// Bumped when the layout of an entry changes, so that a cached old index
/// is never read with new code.
pub const FORMAT_VERSION: u32 = 1;

/// The facets and their values, in vocabulary order; a place's mask for a
/// facet has bit `i` set when it has value `i`.
#[derive(Serialize)]
pub struct Facet {
    pub cle: &'static str,
    pub titre: &'static str,
    pub valeurs: Vec<String>,
}

#[derive(Serialize)]
struct Catalogue<'a> {
    version: u32,
    /// Column names of a place entry, for readers of the file.
    colonnes: &'static [&'static str],
    facettes: &'a [Facet],
    /// `[code, nom, url of its file]`.
    departements: Vec<(String, String, String)>,
    communes: Vec<CommuneEntry>,
}

/// A commune in the catalogue, written as an array to keep the file small:
/// `[code INSEE, nom, postcodes joined by spaces, lat, lon, département, url of its page]`.
type CommuneEntry = (String, String, String, Option<f64>, Option<f64>, String, String);

pub const COLUMNS: &[&str] = &[
    "id",
    "nom",
    "url",
    "code_insee",
    "adresse",
    "latitude",
    "longitude",
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "accompagnement",
    "dispositifs",
    "drapeaux",
    "texte",
    "horaires",
    "fermeture",
];

/// `drapeaux` bits.
pub const FLAG_ONLINE_BOOKING: u32 = 1;
pub const FLAG_ACCES_LIBRE: u32 = 2;
pub const FLAG_OPEN_SATURDAY: u32 = 4;
pub const FLAG_STALE: u32 = 8;

/// Longest searchable text kept per place: names, types and the start of
/// the description are what people search; the rest would only weigh.
const MAX_TEXT_CHARS: usize = 240;

pub fn facets() -> Vec<Facet> {
    let values = |field: &str| -> Vec<String> {
        schema::vocabulary(field)
            .map(|v| v.values.iter().map(|x| x.value.clone()).collect())
            .unwrap_or_default()
    };
    let mut dispositifs = values("dispositif_programmes_nationaux");
    dispositifs.extend(values("formations_labels"));
    vec![
        Facet {
            cle: "services",
            titre: "Services",
            valeurs: values("services"),
        },
        Facet {
            cle: "publics",
            titre: "Publics",
            valeurs: values("publics_specifiquement_adresses"),
        },
        Facet {
            cle: "prise_en_charge",
            titre: "Accompagnement adapté",
            valeurs: values("prise_en_charge_specifique"),
        },
        Facet {
            cle: "frais",
            titre: "Tarif",
            valeurs: values("frais_a_charge"),
        },
        Facet {
            cle: "accompagnement",
            titre: "Façon d'être accompagné",
            valeurs: values("modalites_accompagnement"),
        },
        Facet {
            cle: "dispositifs",
            titre: "Dispositifs et labels",
            valeurs: dispositifs,
        },
    ]
}

fn mask(values: &[String], vocabulary: &[String]) -> u64 {
    values
        .iter()
        .filter_map(|v| vocabulary.iter().position(|x| x == v))
        .fold(0u64, |m, i| m | (1u64 << i))
}

/// Words a resident may type, accent- and case-free, each once.
fn search_text(parts: &[&str]) -> String {
    let mut words = Words {
        text: String::from(" "),
        word: String::from(" "),
        word_chars: 0,
        length: 0,
        full: false,
    };
    for part in parts {
        // Folding as we go: a long description usually fills the text long
        // before its end, and folding the rest would be wasted.
        for c in part.chars() {
            text::fold_char(c, |f| words.push(f));
            if words.full {
                return words.finish();
            }
        }
        words.end_word();
        if words.full {
            return words.finish();
        }
    }
    words.finish()
}

/// The words of [`search_text`] being gathered, from folded characters.
struct Words {
    /// The words kept, each followed by a space, after a leading space: a
    /// word is already there exactly when " word " is. At most
    /// MAX_TEXT_CHARS long, so searching it costs less than a set would,
    /// and no word is allocated on its own.
    text: String,
    /// A space, then the word being read.
    word: String,
    word_chars: usize,
    /// What the text would weigh with a space after each word kept, plus the
    /// word that did not fit.
    length: usize,
    full: bool,
}

impl Words {
    fn push(&mut self, c: char) {
        if self.full {
            return;
        }
        if c.is_alphanumeric() {
            self.word.push(c);
            self.word_chars += 1;
        } else {
            self.end_word();
        }
    }

    fn end_word(&mut self) {
        if self.word_chars > 1 && !self.full {
            self.word.push(' ');
            if !self.text.contains(self.word.as_str()) {
                self.length += self.word.len() - 1;
                if self.length > MAX_TEXT_CHARS {
                    self.full = true;
                } else {
                    self.text.push_str(&self.word[1..]);
                }
            }
        }
        self.word.truncate(1);
        self.word_chars = 0;
    }

    fn finish(mut self) -> String {
        self.text.pop();
        if !self.text.is_empty() {
            self.text.remove(0);
        }
        self.text
    }
}

fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

/// One place in a département's search index: an array, not an object,
/// since the index is downloaded by phones (see `recherche.js` for the
/// order). Written straight from the site, without building JSON values.
#[derive(Serialize)]
struct SearchEntry<'a>(
    &'a str,
    &'a str,
    String,
    &'a str,
    &'a str,
    Option<f64>,
    Option<f64>,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u32,
    String,
    Option<&'a crate::hours::BrowserSchedule>,
    Option<String>,
);

#[derive(Serialize)]
struct SearchFile<'a> {
    departement: &'a str,
    lieux: Vec<SearchEntry<'a>>,
    version: u32,
}

/// The search index of one département: every place of it, in id order.
pub fn departement_file(site: &Site, d: usize) -> Result<OutputFile, Error> {
    let facets = facets();
    let base = site.config.base_path();
    let typologie = schema::vocabulary("typologie");
    let departement = &site.departements[d];
    let mut entries = Vec::with_capacity(departement.places.len());
    let mut places = departement.places.clone();
    places.sort_by(|&a, &b| site.places[a].lieu.id.cmp(&site.places[b].lieu.id));
    for &i in &places {
        let place = &site.places[i];
        let l = &place.lieu;
        let mut labels = l.dispositif_programmes_nationaux.clone();
        labels.extend(l.formations_labels.iter().cloned());
        let mut flags = 0;
        if l.prise_rdv.is_some() || l.modalites_acces.iter().any(|m| m == "Prendre un RDV en ligne") {
            flags |= FLAG_ONLINE_BOOKING;
        }
        if l.fiche_acces_libre.is_some() {
            flags |= FLAG_ACCES_LIBRE;
        }
        if place
            .browser_hours
            .as_ref()
            .is_some_and(|h| h.week.get(5).is_some_and(|d| !d.is_empty()))
        {
            flags |= FLAG_OPEN_SATURDAY;
        }
        if place.stale {
            flags |= FLAG_STALE;
        }
        let types: Vec<&str> = l
            .typologie
            .iter()
            .map(|t| typologie.and_then(|v| v.label(t)).unwrap_or(t.as_str()))
            .collect();
        let mut parts: Vec<&str> = vec![&l.nom, &l.commune, &l.code_postal];
        parts.extend(types.iter().copied());
        parts.extend(l.services.iter().map(String::as_str));
        parts.extend(l.presentation_resume.as_deref());
        parts.extend(l.presentation_detail.as_deref());
        let (lat, lon) = match place.point {
            Some(p) => (Some(round5(p.lat)), Some(round5(p.lon))),
            None => (None, None),
        };
        entries.push(SearchEntry(
            &l.id,
            &l.nom,
            format!("{base}{}", urls::place(&l.id)),
            &place.commune_code,
            &l.adresse,
            lat,
            lon,
            mask(&l.services, &facets[0].valeurs),
            mask(&l.publics_specifiquement_adresses, &facets[1].valeurs),
            mask(&l.prise_en_charge_specifique, &facets[2].valeurs),
            mask(&l.frais_a_charge, &facets[3].valeurs),
            mask(&l.modalites_accompagnement, &facets[4].valeurs),
            mask(&labels, &facets[5].valeurs),
            flags,
            search_text(&parts),
            place.browser_hours.as_deref(),
            crate::fermeture::summary(l.fermeture_temporaire.as_ref(), site.today),
        ));
    }
    let body = SearchFile {
        departement: &departement.code,
        lieux: entries,
        version: FORMAT_VERSION,
    };
    Ok(OutputFile {
        path: format!("donnees/recherche/{}.json", departement.code.to_lowercase()),
        bytes: serde_json::to_vec(&body).map_err(|e| Error::Internal(e.to_string()))?,
    })
}

pub fn search_files(site: &Site) -> Result<Vec<OutputFile>, Error> {
    use rayon::prelude::*;
    let facets = facets();
    let base = site.config.base_path();
    let mut files: Vec<OutputFile> = (0..site.departements.len())
        .into_par_iter()
        .map(|d| departement_file(site, d))
        .collect::<Result<_, Error>>()?;
    let catalogue = Catalogue {
        version: FORMAT_VERSION,
        colonnes: COLUMNS,
        facettes: &facets,
        departements: site
            .departements
            .iter()
            .map(|d| {
                (
                    d.code.clone(),
                    d.nom.clone(),
                    format!("{base}donnees/recherche/{}.json", d.code.to_lowercase()),
                )
            })
            .collect(),
        communes: site
            .communes
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    c.nom.clone(),
                    c.codes_postaux.join(" "),
                    c.point.map(|p| round5(p.lat)),
                    c.point.map(|p| round5(p.lon)),
                    c.departement.clone(),
                    format!("{base}{}", urls::commune(&c.slug)),
                )
            })
            .collect(),
    };
    files.push(OutputFile {
        path: "donnees/recherche/index.json".into(),
        bytes: serde_json::to_vec(&catalogue).map_err(|e| Error::Internal(e.to_string()))?,
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_follow_vocabulary_order() {
        let vocabulary = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(mask(&["c".into(), "a".into(), "x".into()], &vocabulary), 0b101);
    }

    #[test]
    fn search_text_is_folded_unique_and_bounded() {
        assert_eq!(
            search_text(&["Médiathèque de Pau", "médiathèque", "64000"]),
            "mediatheque de pau 64000"
        );
        assert!(search_text(&[&"mot ".repeat(40), &"autre ".repeat(10), &"x".repeat(300)]).len() <= MAX_TEXT_CHARS);
        assert_eq!(search_text(&[]), "");
        assert_eq!(search_text(&["a", "- b -"]), "");
    }

    /// The former `search_text`, folding every part whole: the reference.
    fn search_text_folding_everything(parts: &[&str]) -> String {
        let mut words: Vec<String> = Vec::new();
        let mut length = 0;
        for part in parts {
            for word in text::fold(part)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() > 1)
            {
                if words.iter().any(|w| w == word) {
                    continue;
                }
                length += word.len() + 1;
                if length > MAX_TEXT_CHARS {
                    return words.join(" ");
                }
                words.push(word.to_string());
            }
        }
        words.join(" ")
    }

    #[test]
    fn search_text_is_the_one_of_folding_everything() {
        let detail = "L’Espace Public Numérique (EPN) de la Communauté de communes du Haut-Béarn accueille \
            tous les publics, débutants ou confirmés : ateliers d’initiation à l’ordinateur, à la tablette \
            et au smartphone, aide aux démarches administratives en ligne (CAF, ANTS, impots.gouv.fr, \
            Pôle emploi / France Travail, Ameli), accompagnement à la création d’une adresse e-mail, \
            à l’utilisation de FranceConnect et du cœur de la messagerie. Les médiateurs numériques \
            proposent aussi des ateliers « Œuvres et créations numériques » : retouche photo, montage \
            vidéo, impression 3D, découverte de la programmation avec les enfants (8-12 ans) le mercredi \
            après-midi. Accès libre et gratuit aux ordinateurs, au wifi et à l’imprimante (10 pages \
            gratuites), sur rendez-vous ou sans rendez-vous le samedi matin. Accessible aux personnes \
            à mobilité réduite ; boucle magnétique à l’accueil. L’équipe parle français, basque, \
            espagnol et anglais. Straße, Æsir, ŒUVRE, naïve, São Tomé, Ñandú, Kraków, İzmir : \
            des mots étrangers que l’index doit plier comme avant.";
        let cases: [&[&str]; 5] = [
            &[
                "Espace Public Numérique d'Oloron-Sainte-Marie",
                "Structure publique",
                "Oloron-Sainte-Marie",
                "64400",
                "Aide aux démarches administratives",
                "Maîtrise des outils numériques du quotidien",
                "Un lieu pour apprendre le numérique, près de chez vous.",
                detail,
            ],
            &["Médiathèque", "Structure publique", "Pau", "64000", detail, detail],
            &[
                "Cœur de Béarn",
                "Association",
                "Lescar",
                "64230",
                "Ateliers « œuvres » et cœur",
            ],
            &[&detail[..400], &detail[300..], "dernier mot"],
            &[
                "MÉDIATHÈQUE   intercommunale",
                "médiathèque",
                "Intercommunale",
                "é è ê",
                "x y z zz zz",
            ],
        ];
        for parts in cases {
            assert_eq!(search_text(parts), search_text_folding_everything(parts), "{parts:?}");
        }
        // Every way of cutting: the limit falls on each word in turn.
        let words: Vec<&str> = detail.split(' ').collect();
        for n in 1..words.len() {
            let head = words[..n].join(" ");
            let parts = ["Espace numérique", head.as_str(), "fin"];
            assert_eq!(search_text(&parts), search_text_folding_everything(&parts), "{n}");
        }
    }

    proptest::proptest! {
        #[test]
        fn search_text_matches_folding_everything(
            parts in proptest::collection::vec("[a-eA-Eéèœ’'ß -]{0,30}|\\PC{0,20}", 0..12),
        ) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(search_text(&parts), search_text_folding_everything(&parts));
        }
    }

    #[test]
    fn facets_fit_in_a_mask() {
        for f in facets() {
            assert!(f.valeurs.len() <= 53, "{}: JavaScript numbers hold 53 bits", f.cle);
        }
    }
}
