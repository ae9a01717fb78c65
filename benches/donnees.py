"""Jeu de données synthétique et déterministe pour le banc d'essai d'annuaire.

Une même graine donne un jeu identique à l'octet près : aucun appel à
l'horloge, aucun ordre de dictionnaire non maîtrisé, des flottants écrits
avec un nombre fixe de décimales. Seule la bibliothèque standard est utilisée.

Les valeurs viennent des référentiels du dépôt :
- data/reference/vocabulaires.json : vocabulaires fermés du standard national ;
- data/territoires/communes.csv : communes tirées au sort en proportion de leur
  population (code postal, code INSEE, point proche du point de référence) ;
- data/territoires/departements.csv : départements du site national ;
- data/territoires/departements-contours-simplifies.geojson : une commune dont le
  point de référence tombe hors du contour simplifié de son département (îles,
  littoral découpé) est écartée, pour que le générateur n'ait rien à refuser.

Utilisation seule : python3 benches/donnees.py --lieux 1000 --sortie /dev/shm/x
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import shutil
import unicodedata
from pathlib import Path

RACINE_DEPOT = Path(__file__).resolve().parent.parent
# Date de référence fixe : les dates de mise à jour sont tirées dans les
# 11 mois qui la précèdent ; le banc fixe SOURCE_DATE_EPOCH sur ce jour.
DATE_REFERENCE = dt.date(2026, 11, 1)
VERSION_GENERATEUR = "1"

# --- Référentiels ---------------------------------------------------------


def lire_vocabulaires() -> dict:
    with open(RACINE_DEPOT / "data/reference/vocabulaires.json", encoding="utf-8") as f:
        return json.load(f)


def lire_departements() -> list[dict]:
    with open(RACINE_DEPOT / "data/territoires/departements.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def lire_communes() -> list[dict]:
    with open(RACINE_DEPOT / "data/territoires/communes.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def lire_contours() -> dict[str, list[list[tuple[float, float]]]]:
    """Anneaux (lon, lat) de chaque département qui a un contour."""
    chemin = RACINE_DEPOT / "data/territoires/departements-contours-simplifies.geojson"
    with open(chemin, encoding="utf-8") as f:
        g = json.load(f)
    contours: dict[str, list] = {}
    for feat in g["features"]:
        code = feat["properties"]["code"]
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        anneaux = contours.setdefault(code, [])
        for poly in polys:
            for anneau in poly:
                anneaux.append([(float(p[0]), float(p[1])) for p in anneau])
    return contours


def dans_anneau(anneau: list[tuple[float, float]], lon: float, lat: float) -> bool:
    dedans = False
    j = len(anneau) - 1
    for i in range(len(anneau)):
        xi, yi = anneau[i]
        xj, yj = anneau[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            dedans = not dedans
        j = i
    return dedans


def communes_eligibles(departements: list[str] | None) -> tuple[list[dict], dict]:
    """Communes où placer des lieux : avec un point, une population, un code
    postal, et dont le point est dans le contour de son département."""
    contours = lire_contours()
    retenues, ecartees = [], {"sans_point": 0, "sans_population": 0, "sans_code_postal": 0, "hors_contour": 0}
    for c in lire_communes():
        if departements is not None and c["departement"] not in departements:
            continue
        if not c["latitude"] or not c["longitude"]:
            ecartees["sans_point"] += 1
            continue
        if not c["codes_postaux"]:
            ecartees["sans_code_postal"] += 1
            continue
        pop = int(c["population"] or 0)
        if pop <= 0:
            ecartees["sans_population"] += 1
            continue
        lat, lon = float(c["latitude"]), float(c["longitude"])
        anneaux = contours.get(c["departement"])
        if anneaux is not None and not any(dans_anneau(a, lon, lat) for a in anneaux):
            ecartees["hors_contour"] += 1
            continue
        retenues.append(c)
    retenues.sort(key=lambda c: c["code_insee"])
    return retenues, ecartees


# --- Texte ----------------------------------------------------------------


def slug(texte: str) -> str:
    t = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t


def de(commune: str) -> str:
    """« de Pau », « d'Anglet », « du Havre », « des Andelys »."""
    if commune.startswith("Le "):
        return "du " + commune[3:]
    if commune.startswith("Les "):
        return "des " + commune[4:]
    initiale = unicodedata.normalize("NFKD", commune[:1]).encode("ascii", "ignore").decode("ascii").lower()
    if initiale in "aeiouyh" and initiale:
        return "d'" + commune
    return "de " + commune


def yaml_chaine(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Modèles de lieux -----------------------------------------------------

# (gabarit du nom, typologie, structure parente, services privilégiés)
MODELES = [
    ("Médiathèque {de}", ["BIB"], "Commune {de}", 14),
    ("Bibliothèque municipale {de}", ["BIB"], "Commune {de}", 6),
    ("France Services {de}", ["MSAP"], "Communauté de communes", 12),
    ("CCAS {de}", ["CCAS"], "Commune {de}", 8),
    ("Mairie {de}", ["MUNI"], "Commune {de}", 8),
    ("Espace public numérique {de}", ["EPN"], "Commune {de}", 8),
    ("Centre social {quartier}", ["CS"], "Caisse d'allocations familiales", 6),
    ("Maison de quartier {quartier}", ["MQ"], "Commune {de}", 4),
    ("Tiers-lieu {tiers}", ["TIERS_LIEUX"], "Association {tiers}", 5),
    ("Fablab {tiers}", ["FABLAB"], "Association {tiers}", 2),
    ("Association {asso}", ["ASSO"], "Association {asso}", 8),
    ("Mission locale {de}", ["ML"], "Mission locale", 4),
    ("Point information jeunesse {de}", ["PIJ_BIJ"], "Commune {de}", 3),
    ("Agence France Travail {de}", ["FT"], "France Travail", 3),
    ("MJC {de}", ["MJC"], "Fédération des MJC", 3),
    ("Maison des solidarités {de}", ["MDS", "CD"], "Conseil départemental", 4),
    ("Emmaüs Connect {de}", ["ASSO"], "Emmaüs Connect", 1),
    ("La Poste {de}", ["LA_POSTE"], "La Poste", 2),
]
POIDS_MODELES = [m[3] for m in MODELES]

QUARTIERS = [
    "du Centre", "des Coteaux", "de la Gare", "du Port", "des Tilleuls", "Saint-Jean", "du Moulin",
    "des Vignes", "Pasteur", "Jean-Jaurès", "Victor-Hugo", "des Acacias", "du Château", "de la Plaine",
]
TIERS = [
    "La Fabrique", "Le Hangar", "La Grange numérique", "L'Atelier", "La Ruche", "Le Quai", "La Passerelle",
    "Le Local", "La Bobine", "L'Établi", "Les Communs", "La Cordée",
]
ASSOS = [
    "Clic et Lien", "Numérique pour tous", "Les Connectés", "Entraide informatique", "Bien vivre le numérique",
    "Pas à pas numérique", "Écrans ouverts", "Bits et Bonheur", "Réseau d'entraide", "Les Petits Débrouillards",
]
VOIES = [
    ("rue", 30), ("avenue", 10), ("place", 8), ("boulevard", 5), ("chemin", 6), ("allée", 4), ("impasse", 3),
    ("route", 5), ("quai", 2), ("cours", 2),
]
NOMS_VOIES = [
    "de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "de la Mairie", "Pasteur",
    "de l'Église", "des Écoles", "du Marché", "de la Gare", "Gambetta", "Jules Ferry", "du 8 Mai 1945",
    "Voltaire", "Émile Zola", "de la Liberté", "des Lilas", "du Stade", "Carnot", "de Verdun", "Foch",
    "Anatole France", "Saint-Exupéry", "des Tanneurs", "du Moulin", "de la Fontaine", "Marcel Pagnol",
]
COMPLEMENTS = [
    "Rez-de-chaussée", "1er étage", "Bâtiment B", "Entrée par la cour", "Espace Simone Veil",
    "Hôtel de ville", "Salle multimédia", "Porte 3", "Centre commercial, local 12",
]
SOURCES = ["Hinaura", "Hubik", "Les Assembleurs", "Conseiller Numérique", "France Services", "La Mednum",
           "Cartographie nationale", "Data Inclusion"]
AUTRES_LABELS = ["Label Numérique Inclusif", "Pass numérique", "APTIC", "Campus connecté", "Point relais CAF"]

PHRASES_PRESENTATION = [
    "Nous accueillons toute personne qui souhaite gagner en autonomie avec l'ordinateur, la tablette ou le téléphone.",
    "Un conseiller numérique vous reçoit sur rendez-vous pour vos démarches en ligne : CAF, impôts, retraite, santé.",
    "Des postes informatiques sont en accès libre, avec une imprimante et un scanner.",
    "Les ateliers collectifs ont lieu chaque semaine, en petits groupes de six personnes au plus.",
    "L'accompagnement est gratuit et confidentiel ; pensez à apporter vos identifiants et vos justificatifs.",
    "Nous aidons aussi à créer une adresse de courriel, à sauvegarder ses photos et à repérer les arnaques.",
    "Le lieu est accessible aux personnes en fauteuil roulant ; une boucle magnétique est disponible à l'accueil.",
    "Les enfants sont les bienvenus pendant les ateliers parents-enfants du mercredi après-midi.",
    "Vous pouvez venir avec votre propre matériel : nous vous aidons à le configurer et à le mettre à jour.",
    "En dehors des horaires d'ouverture, laissez un message : nous vous rappelons sous deux jours ouvrés.",
    "Une permanence est tenue un samedi par mois pour les personnes qui travaillent en semaine.",
    "Nous orientons vers les partenaires du territoire quand la demande dépasse nos compétences.",
]
ATELIERS = [
    "Prendre en main un ordinateur", "Découvrir la tablette", "Utiliser son smartphone au quotidien",
    "Naviguer sur internet en sécurité", "Gérer ses courriels", "Faire ses démarches sur FranceConnect",
    "Ouvrir son espace Ameli", "Déclarer ses revenus en ligne", "Chercher un emploi sur internet",
    "Rédiger un CV", "Faire une visioconférence en famille", "Retoucher ses photos",
    "Initiation à l'impression 3D", "Comprendre l'intelligence artificielle", "Protéger ses données personnelles",
]
ACCES = [
    "Arrêt de bus « Mairie » à 200 m ; parking gratuit devant le bâtiment.",
    "Accès par le tramway, station « Centre », puis deux minutes à pied.",
    "Stationnement possible sur la place ; local de plain-pied.",
    "Ligne de car régionale, arrêt « Église » ; un ascenseur dessert l'étage.",
]


def indicatif(commune: dict) -> tuple[str, str]:
    """(préfixe national, forme) : « 05 », « 0590 »… ; forme « +508 » pour les COM."""
    dep, reg = commune["departement"], commune["region"]
    outre_mer = {"971": "0590", "972": "0596", "973": "0594", "974": "0262", "976": "0269",
                 "977": "0590", "978": "0590"}
    if dep in outre_mer:
        return outre_mer[dep], "national"
    com = {"975": "+50841", "986": "+68172", "987": "+68940", "988": "+68725", "984": "+26226"}
    if dep in com:
        return com[dep], "international"
    par_region = {"11": "01", "24": "02", "28": "02", "52": "02", "53": "02", "27": "03", "32": "03",
                  "44": "03", "75": "05", "84": "04", "93": "04", "94": "04"}
    if reg == "76":
        return ("04" if dep in ("11", "30", "34", "48", "66") else "05"), "national"
    return par_region.get(reg, "01"), "national"


def telephone(rng: random.Random, commune: dict) -> str:
    prefixe, forme = indicatif(commune)
    if forme == "international":
        return prefixe + "".join(str(rng.randrange(10)) for _ in range(4))
    if len(prefixe) == 2 and rng.random() < 0.25:
        prefixe = rng.choice(["06", "07"])
    chiffres = prefixe + "".join(str(rng.randrange(10)) for _ in range(10 - len(prefixe)))
    r = rng.random()
    if r < 0.3 and len(prefixe) == 2:
        return "+33" + chiffres[1:]
    if r < 0.8:
        return " ".join(chiffres[i:i + 2] for i in range(0, 10, 2))
    return ".".join(chiffres[i:i + 2] for i in range(0, 10, 2))


def luhn_ok(chiffres: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(chiffres)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def completer_luhn(debut: str) -> str:
    for d in range(10):
        if luhn_ok(debut + str(d)):
            return debut + str(d)
    raise AssertionError


def siret(rng: random.Random) -> str:
    siren = completer_luhn(str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(7)))
    return completer_luhn(siren + "000" + str(rng.randint(1, 9)))


def horaires(rng: random.Random) -> str:
    jours = rng.choice(["Mo-Fr", "Mo-Fr", "Mo-Fr", "Tu-Sa", "Mo-Th", "Mo,We,Fr", "Tu,Th", "Mo-We", "We-Sa"])
    matin = f"{rng.choice(['08:30', '09:00', '09:00', '09:30', '10:00'])}-{rng.choice(['12:00', '12:00', '12:30'])}"
    aprem = f"{rng.choice(['13:30', '14:00', '14:00', '13:00'])}-{rng.choice(['17:00', '17:30', '18:00', '16:30'])}"
    r = rng.random()
    if r < 0.55:
        plages = f"{matin},{aprem}"
    elif r < 0.7:
        plages = matin
    elif r < 0.85:
        plages = aprem
    else:
        plages = f"{matin[:5]}-{aprem[6:]}"
    regles = [f"{jours} {plages}"]
    if "Sa" not in jours and rng.random() < 0.35:
        regles.append(f"Sa {rng.choice(['09:00', '09:30', '10:00'])}-12:00")
    if rng.random() < 0.75:
        regles.append("PH off")
    return "; ".join(regles)


def echantillon(rng: random.Random, valeurs: list[str], mini: int, maxi: int) -> list[str]:
    k = rng.randint(mini, min(maxi, len(valeurs)))
    choisis = set(rng.sample(range(len(valeurs)), k))
    return [v for i, v in enumerate(valeurs) if i in choisis]


def corps_markdown(rng: random.Random, nom: str, commune: str, site: str) -> str:
    cible = 1200 + rng.randrange(200)
    phrases = rng.sample(PHRASES_PRESENTATION, len(PHRASES_PRESENTATION))
    blocs = [f"**{nom}** accueille les habitants {de(commune)} et des environs. " + phrases[0] + " " + phrases[1]]
    blocs.append("## Ateliers")
    blocs.append("\n".join("- " + a for a in echantillon(rng, ATELIERS, 3, 5)))
    blocs.append(phrases[2] + f" Le programme complet est sur [notre site]({site}).")
    blocs.append("## Venir")
    blocs.append(rng.choice(ACCES))
    i = 3
    texte = "\n\n".join(blocs)
    while len(texte.encode("utf-8")) < cible and i < len(phrases):
        blocs.insert(4, phrases[i])
        i += 1
        texte = "\n\n".join(blocs)
    return texte + "\n"


# --- Génération ---------------------------------------------------------------


class Tirage:
    """Tirage pondéré par la population."""

    def __init__(self, communes: list[dict]):
        self.communes = communes
        self.cumul = []
        total = 0
        for c in communes:
            total += int(c["population"])
            self.cumul.append(total)
        self.total = total

    def commune(self, rng: random.Random) -> dict:
        return self.communes[bisect.bisect_right(self.cumul, rng.randrange(self.total))]


def fiche(rng: random.Random, vocab: dict, commune: dict, ident: str, nom: str, modele: tuple,
          date_min: dt.date) -> str:
    gabarit, typologie, parente, _ = modele
    nom_commune = commune["nom"]
    domaine = slug(nom)[:40].strip("-") + ".fr"
    site = f"https://www.{domaine}/"
    # Point proche du point de référence : au plus 1,5 km (le contour toléré est de 3 km).
    lat0, lon0 = float(commune["latitude"]), float(commune["longitude"])
    rayon = 1.5 * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    lat = lat0 + rayon * math.cos(angle) / 111.2
    lon = lon0 + rayon * math.sin(angle) / (111.2 * max(0.2, math.cos(math.radians(lat0))))
    codes_postaux = commune["codes_postaux"].split("|")
    jours = (DATE_REFERENCE - date_min).days
    date_maj = DATE_REFERENCE - dt.timedelta(days=rng.randrange(jours))
    services = echantillon(rng, vocab["services"], 1, 5)
    libres = {"quartier": rng.choice(QUARTIERS), "tiers": rng.choice(TIERS), "asso": rng.choice(ASSOS),
              "de": de(nom_commune)}

    lignes = ["---", "# Jeu synthétique du banc d'essai (benches/donnees.py) : valeurs plausibles, lieu fictif."]

    def texte(cle: str, valeur: str) -> None:
        lignes.append(f"{cle}: {yaml_chaine(valeur)}")

    def liste(cle: str, valeurs: list[str]) -> None:
        if valeurs:
            lignes.append(f"{cle}:")
            lignes.extend(f"  - {yaml_chaine(v)}" for v in valeurs)

    def peut_etre(p: float) -> bool:
        return rng.random() < p

    texte("id", ident)
    texte("nom", nom)
    texte("pivot", siret(rng))
    voie, _ = rng.choices(VOIES, weights=[v[1] for v in VOIES])[0]
    numero = "" if voie == "place" else f"{rng.randint(1, 180)}{rng.choice(['', '', '', '', ' bis'])} "
    texte("adresse", f"{numero}{voie} {rng.choice(NOMS_VOIES)}")
    if peut_etre(0.6):
        texte("complement_adresse", rng.choice(COMPLEMENTS))
    texte("code_postal", rng.choice(codes_postaux))
    texte("commune", nom_commune)
    texte("code_insee", commune["code_insee"])
    lignes.append(f"latitude: {lat:.6f}")
    lignes.append(f"longitude: {lon:.6f}")
    liste("typologie", typologie)
    if peut_etre(0.95):
        texte("telephone", telephone(rng, commune))
    if peut_etre(0.9):
        liste("courriels", ["contact@" + domaine] + (["accueil@" + domaine] if peut_etre(0.2) else []))
    if peut_etre(0.85):
        liste("site_web", [site])
    if peut_etre(0.92):
        texte("horaires", horaires(rng))
    if peut_etre(0.9):
        resume = f"{nom} : {rng.choice(PHRASES_PRESENTATION)}"
        texte("presentation_resume", resume[:280])
    liste("services", services)
    if peut_etre(0.85):
        liste("publics_specifiquement_adresses", echantillon(rng, vocab["publics_specifiquement_adresses"], 1, 3))
    if peut_etre(0.75):
        liste("prise_en_charge_specifique", echantillon(rng, vocab["prise_en_charge_specifique"], 1, 3))
    liste("frais_a_charge", echantillon(rng, vocab["frais_a_charge"], 1, 2))
    liste("itinerance", ["Itinérant"] if peut_etre(0.1) else ["Fixe"])
    liste("modalites_acces", echantillon(rng, vocab["modalites_acces"][:5], 1, 3))
    liste("modalites_accompagnement", echantillon(rng, vocab["modalites_accompagnement"], 1, 3))
    if peut_etre(0.8):
        liste("dispositif_programmes_nationaux", echantillon(rng, vocab["dispositif_programmes_nationaux"], 1, 2))
    if peut_etre(0.75):
        liste("formations_labels", echantillon(rng, vocab["formations_labels"], 1, 2))
    if peut_etre(0.5):
        liste("autres_formations_labels", [rng.choice(AUTRES_LABELS)])
    if peut_etre(0.8):
        texte("fiche_acces_libre",
              f"https://acceslibre.beta.gouv.fr/app/{commune['departement'].lower()}-{slug(nom_commune)}/a/"
              f"espace-numerique/erp/{ident[:60]}/")
    if peut_etre(0.7):
        texte("prise_rdv", f"https://rdv.{domaine}/reserver")
    if peut_etre(0.9):
        texte("structure_parente", parente.format(**libres))
    texte("source", rng.choice(SOURCES))
    lignes.append(f"date_maj: {date_maj.isoformat()}")
    lignes.append("---")
    return "\n".join(lignes) + "\n" + corps_markdown(rng, nom, nom_commune, site)


PAGES = {
    "a-propos.md": "---\ntitre: \"À propos\"\ndescription: \"Ce site de banc d'essai\"\nordre: 1\n---\n"
                   "Site synthétique produit par `benches/run.py` pour mesurer le générateur.\n",
    "accessibilite.md": "---\ntitre: \"Déclaration d'accessibilité\"\nordre: 2\n---\n"
                        "Ce site de banc d'essai reprend le thème par défaut.\n",
    "contribuer.md": "---\ntitre: \"Contribuer\"\nordre: 3\n---\n"
                     "Les fiches de ce site sont fictives : ne les corrigez pas.\n",
}


def config_site(titre: str, departements: list[str]) -> str:
    codes = ", ".join(yaml_chaine(d) for d in departements)
    return (
        "# Site synthétique du banc d'essai (benches/run.py).\n"
        f"titre: {yaml_chaine(titre)}\n"
        "editeur: \"Banc d'essai annuaire\"\n"
        "url_de_base: \"https://banc.example.org/\"\n"
        f"departements: [{codes}]\n"
        "contact:\n"
        "  nom: \"L'équipe du banc d'essai\"\n"
        "  courriel: \"banc@example.org\"\n"
        "lien_modification: \"https://forge.example.org/banc/edit/main/{chemin}\"\n"
        "accessibilite: \"partiellement conforme\"\n"
    )


def generer(sortie: Path, lieux: int, graine: int, departement: str | None = None) -> dict:
    """Écrit un site complet dans `sortie` (effacé d'abord) ; rend un résumé
    avec l'empreinte SHA-256 du jeu (chemins et octets, dans l'ordre)."""
    vocab = lire_vocabulaires()
    tous = [d["code"] for d in lire_departements()]
    perimetre = [departement] if departement else None
    communes, ecartees = communes_eligibles(perimetre)
    if not communes:
        raise SystemExit(f"aucune commune utilisable pour le département {departement}")
    # Le site national couvre chaque département qui a des communes.
    avec_communes = {c["departement"] for c in lire_communes()}
    deps_site = [departement] if departement else [d for d in tous if d in avec_communes]
    rng = random.Random(f"annuaire-banc/{graine}/{lieux}/{departement or 'national'}")
    tirage = Tirage(communes)
    date_min = DATE_REFERENCE.replace(year=DATE_REFERENCE.year - 1, month=DATE_REFERENCE.month + 1) \
        if DATE_REFERENCE.month < 12 else DATE_REFERENCE.replace(month=1)

    if sortie.exists():
        shutil.rmtree(sortie)
    (sortie / "content/lieux").mkdir(parents=True)
    (sortie / "content/pages").mkdir(parents=True)
    fichiers: dict[str, bytes] = {}
    titre = (f"Banc d'essai : {lieux} lieux dans le département {departement}" if departement
             else f"Banc d'essai : {lieux} lieux dans toute la France")
    fichiers["annuaire.yaml"] = config_site(titre, deps_site).encode("utf-8")
    for nom_page, texte_page in PAGES.items():
        fichiers[f"content/pages/{nom_page}"] = texte_page.encode("utf-8")

    utilises: set[str] = set()
    communes_servies: set[str] = set()
    octets_corps = 0
    champs = 0
    for _ in range(lieux):
        commune = tirage.commune(rng)
        modele = rng.choices(MODELES, weights=POIDS_MODELES)[0]
        libres = {"quartier": rng.choice(QUARTIERS), "tiers": rng.choice(TIERS), "asso": rng.choice(ASSOS),
                  "de": de(commune["nom"])}
        nom = modele[0].format(**libres)
        if "{de}" not in modele[0]:
            nom = f"{nom} ({commune['nom']})"
        base = slug(nom)[:70].strip("-")
        communes_servies.add(commune["code_insee"])
        ident, n = base, 1
        while ident in utilises:
            n += 1
            ident = f"{base}-{n}"
        utilises.add(ident)
        texte = fiche(rng, vocab, commune, ident, nom, modele, date_min)
        entete, corps = texte.split("\n---\n", 1)
        octets_corps += len(corps.encode("utf-8"))
        champs += sum(1 for ligne in entete.split("\n")[2:] if re.match(r"^[a-z_]+:", ligne))
        fichiers[f"content/lieux/{ident}.md"] = texte.encode("utf-8")

    empreinte = hashlib.sha256()
    total = 0
    for chemin in sorted(fichiers):
        donnees = fichiers[chemin]
        (sortie / chemin).write_bytes(donnees)
        empreinte.update(chemin.encode("utf-8") + b"\0" + donnees + b"\0")
        total += len(donnees)
    return {
        "lieux": lieux,
        "departement": departement,
        "departements_du_site": len(deps_site),
        "communes_eligibles": len(communes),
        "communes_ecartees": ecartees,
        "communes_avec_lieu": len(communes_servies),
        "champs_par_fiche": round(champs / lieux, 2) if lieux else 0,
        "octets_corps_moyen": round(octets_corps / lieux) if lieux else 0,
        "octets": total,
        "sha256": empreinte.hexdigest(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description="Génère un site synthétique pour le banc d'essai.")
    p.add_argument("--lieux", type=int, default=1000)
    p.add_argument("--seed", "--graine", dest="graine", type=int, default=64)
    p.add_argument("--departement", default=None, help="un seul département (sinon toute la France)")
    p.add_argument("--sortie", type=Path, required=True)
    a = p.parse_args()
    print(json.dumps(generer(a.sortie, a.lieux, a.graine, a.departement), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    os.umask(0o022)
    main()
