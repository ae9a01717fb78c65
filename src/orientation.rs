//! "De quoi avez-vous besoin ?": a guided path of static pages, in plain
//! words, from a need and a situation to the matching places of an
//! intercommunalité. Every step is a page of links: no JavaScript.
//!
//! Needs map to the standard's services; situations to its publics and
//! specific support. A situation is a preference, not a filter: the result
//! page lists every place offering the need, then, for each situation some
//! of them are adapted to, those places again under a heading of their own,
//! reached from a list of links at the top. A resident is never left with
//! an empty page when help exists nearby, and one page per need and
//! intercommunalité serves every situation (one per situation would be
//! 11 times as many pages: 124,000 nationally).

use crate::enrich::Place;

/// A need, in the words of residents, and the service it means.
pub struct Need {
    pub slug: &'static str,
    pub label: &'static str,
    pub example: &'static str,
    pub service: &'static str,
}

pub const NEEDS: &[Need] = &[
    Need {
        slug: "demarches",
        label: "Faire une démarche en ligne",
        example: "Impôts, CAF, retraite, santé, carte grise, France Travail…",
        service: "Aide aux démarches administratives",
    },
    Need {
        slug: "apprendre",
        label: "Apprendre à utiliser un téléphone, une tablette ou un ordinateur",
        example: "Envoyer un message, faire un appel vidéo, ranger ses photos…",
        service: "Maîtrise des outils numériques du quotidien",
    },
    Need {
        slug: "acces",
        label: "Utiliser un ordinateur ou internet sur place",
        example: "Imprimer un document, se connecter au wifi…",
        service: "Accès internet et matériel informatique",
    },
    Need {
        slug: "emploi",
        label: "Chercher un emploi ou une formation avec internet",
        example: "Faire son CV, répondre à une offre…",
        service: "Insertion professionnelle via le numérique",
    },
    Need {
        slug: "securite",
        label: "Se protéger des arnaques et des virus",
        example: "Reconnaître un faux message, choisir un mot de passe…",
        service: "Utilisation sécurisée du numérique",
    },
    Need {
        slug: "enfants",
        label: "Accompagner ses enfants avec le numérique",
        example: "Écrans, réseaux sociaux, espace numérique de l'école…",
        service: "Parentalité et éducation avec le numérique",
    },
    Need {
        slug: "equipement",
        label: "S'équiper d'un ordinateur à petit prix",
        example: "Ordinateur ou téléphone reconditionné…",
        service: "Acquisition de matériel informatique à prix solidaire",
    },
    Need {
        slug: "creer",
        label: "Créer et se divertir avec le numérique",
        example: "Photo, vidéo, musique, jeux…",
        service: "Loisirs et créations numériques",
    },
    Need {
        slug: "comprendre",
        label: "Comprendre le numérique",
        example: "Intelligence artificielle, données personnelles…",
        service: "Compréhension du monde numérique",
    },
];

/// A situation, in the words of residents, and the standard's values it means.
pub struct Situation {
    pub slug: &'static str,
    pub label: &'static str,
    /// Values of `publics_specifiquement_adresses` or `prise_en_charge_specifique`.
    pub values: &'static [&'static str],
}

pub const SITUATIONS: &[Situation] = &[
    Situation {
        slug: "tous",
        label: "Rien de particulier",
        values: &[],
    },
    Situation {
        slug: "seniors",
        label: "J'ai plus de 65 ans",
        values: &["Seniors"],
    },
    Situation {
        slug: "jeunes",
        label: "J'ai moins de 26 ans",
        values: &["Jeunes", "Étudiants"],
    },
    Situation {
        slug: "familles",
        label: "Je viens avec mes enfants",
        values: &["Familles et/ou enfants"],
    },
    Situation {
        slug: "lecture",
        label: "J'ai du mal à lire ou à écrire",
        values: &["Illettrisme"],
    },
    Situation {
        slug: "langues",
        label: "Je parle mal le français",
        values: &["Langues étrangères (anglais)", "Langues étrangères (autres)"],
    },
    Situation {
        slug: "surdite",
        label: "J'entends mal",
        values: &["Surdité"],
    },
    Situation {
        slug: "vue",
        label: "Je vois mal",
        values: &["Déficience visuelle"],
    },
    Situation {
        slug: "moteur",
        label: "Je me déplace difficilement",
        values: &["Handicaps moteurs"],
    },
    Situation {
        slug: "mental",
        label: "J'ai un handicap mental",
        values: &["Handicaps mentaux"],
    },
    Situation {
        slug: "femmes",
        label: "Je cherche un lieu réservé aux femmes",
        values: &["Femmes"],
    },
];

pub fn offers(place: &Place, need: &Need) -> bool {
    place.lieu.services.iter().any(|s| s == need.service)
}

// Each situation is a bit of `Place::situations`.
const _: () = assert!(SITUATIONS.len() <= 16);

/// The situations a place says it is suited to: bit `i` for `SITUATIONS[i]`.
pub fn situations_of(lieu: &crate::model::Lieu) -> u16 {
    SITUATIONS.iter().enumerate().fold(0, |bits, (i, situation)| {
        let suited = situation.values.iter().any(|v| {
            lieu.publics_specifiquement_adresses
                .iter()
                .chain(&lieu.prise_en_charge_specifique)
                .any(|x| x == v)
        });
        if suited { bits | 1 << i } else { bits }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;
    use crate::text;

    #[test]
    fn needs_and_situations_use_the_standard_vocabulary() {
        let services = schema::vocabulary("services").unwrap();
        for need in NEEDS {
            assert!(services.contains(need.service), "{}", need.service);
            assert!(text::is_valid_slug(need.slug));
        }
        assert_eq!(NEEDS.len(), services.values.len(), "every service is a need");
        let publics = schema::vocabulary("publics_specifiquement_adresses").unwrap();
        let support = schema::vocabulary("prise_en_charge_specifique").unwrap();
        for s in SITUATIONS {
            for v in s.values {
                assert!(publics.contains(v) || support.contains(v), "{v}");
            }
        }
        for v in publics.values.iter().chain(&support.values) {
            assert!(
                SITUATIONS.iter().any(|s| s.values.contains(&v.value.as_str())),
                "{} has no situation",
                v.value
            );
        }
    }
}
