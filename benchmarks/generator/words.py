"""The words the synthetic ecosystem is written in: label and description templates in
English and French, the word lists names are made of, and how labels become slugs and
running text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reference_data import Named


# Real organisations of the registry in docs/authoring.md, with their labels exactly as there.
REAL_ORGS = {
    "luxinnovation": ("Luxinnovation", "Luxinnovation"),
    "ministry-of-the-economy": ("Ministry of the Economy", "Ministère de l'Économie"),
}

# fmt: off
# Label and description templates of each kind of entity: label en, label fr, about en, about fr.
TEXTS: dict[str, tuple[str, str, str, str]] = {
    "org": ("{label_en}", "{label_fr}",
            "{kind_en} of the synthetic ecosystem, {since_en}. Fields: {fields_en}. "
            "Technologies: {techs_en}.",
            "{kind_fr} de l'écosystème fictif ; {since_fr}. Domaines : {fields_fr}. "
            "Technologies : {techs_fr}."),
    "town": ("{name}", "{name}", "Synthetic town in {parent_en}, generated for load tests.",
             "Ville fictive ({parent_fr}), générée pour les tests de charge."),
    "facility": ("{label_en}", "{label_fr}",
                 "Synthetic building in {town}, opened in {opened}, hosting {residents} companies.",
                 "Bâtiment fictif à {town}, inauguré en {opened}, qui héberge {residents} "
                 "entreprises."),
    "person": ("{name}", "{name}", "Synthetic person, {role_en} at {org_en}.",
               "Personne fictive : {role_fr} ({org_fr})."),
    "position": ("{name}, {role_en}, {org_en}", "{name} – {role_fr}, {org_fr}",
                 "{name} is {role_en} at {org_en} {when_en} (synthetic data).",
                 "{name} occupe la fonction « {role_fr} » ({org_fr}) {when_fr} "
                 "(données fictives)."),
    "product": ("{brand} {noun_en}", "{noun_fr} {brand}",
                "{what_en} of the synthetic ecosystem, a {noun_en} made by {org_en}; "
                "technologies: {techs_en}.",
                "{what_fr} de l'écosystème fictif, fabriqué par {org_fr} ({noun_fr}) ; "
                "technologies : {techs_fr}."),
    "programme": ("{label_en}", "{label_fr}",
                  "Synthetic support programme started in {start} and financed by {funder_en}.",
                  "Programme d'aide fictif lancé en {start} et financé par {funder_fr}."),
    "edition": ("{label_en} #{number}", "{label_fr} n° {number}",
                "Edition {number} of the synthetic {label_en}, in {year}.",
                "Édition {number} du programme fictif {label_fr}, en {year}."),
    "award": ("{label_en} Award", "Prix {label_fr}",
              "Synthetic award given to the best participants of the {label_en}.",
              "Prix fictif remis aux meilleurs participants du programme {label_fr}."),
    "participation": ("{org_en} in {prog_en} ({year})", "{org_fr} dans {prog_fr} ({year})",
                      "{org_en} took part in edition {number} of the {prog_en} in {year}{won_en}.",
                      "{org_fr} a participé à l'édition {number} du programme {prog_fr} en "
                      "{year}{won_fr}."),
    "project": ("{acronym}", "{acronym}", "Synthetic {what_en} on {area_en}, started in {start}.",
                "{what_fr} (données fictives) : {area_fr} ; début en {start}."),
    "founding": ("Founding of {org_en} ({year})", "Création : {org_fr} ({year})",
                 "{org_en} was set up in {town} in {year} (synthetic data).",
                 "{org_fr} a vu le jour à {town} en {year} (données fictives)."),
    "milestone": ("{org_en}: {what_en} ({year})", "{org_fr} : {what_fr} ({year})",
                  "Synthetic step in the timeline of {org_en}: {what_en} in {year}.",
                  "Étape fictive dans la chronologie ({org_fr}) : {what_fr} en {year}."),
    "event": ("{town} {theme_en} {year}", "{theme_fr} {year}, {town}",
              "Synthetic gathering in {town} organised by {org_en}; about {attendees} people "
              "attended.",
              "Rencontre fictive à {town} organisée par {org_fr} ; environ {attendees} "
              "participants."),
    "sector": ("{label_en}", "{label_fr}",
               "Synthetic sector: the organisations of {town} active in {field_en}.",
               "Secteur fictif : les organisations de {town} actives dans le domaine "
               "« {field_fr} »."),
    "mapping": ("Mapping of the {sector_en}, {year}", "Cartographie — {sector_fr}, {year}",
                "Synthetic mapping of the {sector_en} carried out by {author_en} in {year}.",
                "Cartographie fictive ({sector_fr}) réalisée par {author_fr} en {year}."),
    "observation": ("{sector_en}: {measure_en}, {year}", "{sector_fr} : {measure_fr}, {year}",
                    "Synthetic figure for {year}: {value} {unit}.",
                    "Chiffre fictif pour {year} : {value} ({unit})."),
}

# Word lists the names are made of.
BRAND_HEADS = ("Nova Vita Lumi Medi Cura Sana Aura Geno Cardio Neuro Ocu Pulmo Derma Opti Vero "
               "Alto Bello Syra Sauro Kelo Mira Tera Zeno Onko Hema Immu Dyna Rena Osteo").split()
BRAND_TAILS = "tek med gen ix ova lytics care sense path cyte scan logic bit wave form vox".split()
COMPANY_WORDS = ("", "", "Diagnostics", "Health", "Medical", "Labs", "Therapeutics", "Analytics")
TOWN_HEADS = ("Bet Dal Fen Gos Hes Kap Lint Mer Nied Ober Rol Sand Stein Wal Ber Bisch Kops "
              "Mond Scheff Tet Zolv Lar Pet Mam Stras Hosch Junk").split()
TOWN_TAILS = "ange dange bourg scheid weiler feld ingen bach court hoven dorf".split()
FIRST_NAMES = ("Anne Luc Marie Paul Sophie Jean Claire Marc Laura Tom Nathalie Yves Carla "
               "Pedro Ana Lena Max Elena Hugo Julie Ben Sara Luca Mia Hélène Théo Zoé Joël").split()
LAST_NAMES = ("Schmit,Muller,Weber,Hoffmann,Wagner,Klein,Thill,Kremer,Faber,Reuter,Schiltz,"
              "Hansen,Lentz,Bernard,Dupont,Martin,Rodrigues,Ferreira,Meyer,Becker,Majerus,Wirtz,"
              "Kieffer,Pereira,Lefèvre,Gomes,Brücher,Da Costa").split(",")
ROLES = (
    ("chief executive officer", "direction générale"),
    ("chief technology officer", "direction technique"),
    ("chief medical officer", "direction médicale"),
    ("head of research", "responsable de la recherche"),
    ("head of regulatory affairs", "responsable des affaires réglementaires"),
    ("business development lead", "responsable du développement commercial"),
    ("board member", "membre du conseil d'administration"),
)
PRODUCT_NOUNS = (
    ("monitoring platform", "plateforme de suivi"), ("diagnostic kit", "kit de diagnostic"),
    ("infusion pump", "pompe à perfusion"), ("imaging software", "logiciel d'imagerie"),
    ("patient app", "application pour patients"), ("wearable sensor", "capteur portable"),
    ("decision-support tool", "outil d'aide à la décision"),
    ("data platform", "plateforme de données"),
)
MILESTONE_KINDS = (
    ("funding round", "levée de fonds"), ("first hospital contract", "premier contrat hospitalier"),
    ("CE marking", "marquage CE"), ("international expansion", "expansion internationale"),
    ("new laboratory", "nouveau laboratoire"),
)
FACILITY_KINDS = (("HealthTech Hub", "Pôle HealthTech"), ("BioPark", "BioParc"),
                  ("Innovation Campus", "Campus d'innovation"), ("Incubator", "Incubateur"))
PROGRAMME_KINDS = (("Accelerator", "Accélérateur"), ("Seed Grant", "Subvention d'amorçage"),
                   ("Proof of Concept Call", "Appel preuve de concept"),
                   ("Digital Health Track", "Volet santé digitale"))
EVENT_THEMES = (("Digital Health Day", "Journée de la santé digitale"),
                ("MedTech Forum", "Forum MedTech"),
                ("Health Data Summit", "Sommet des données de santé"),
                ("BioHealth Meetup", "Rencontre BioHealth"))
# The real places the synthetic towns lie in, with weights; the markets organisations target.
TOWN_PARENTS = (("luxembourg", 55), ("esch-sur-alzette", 5), ("germany", 15),
                ("united-kingdom", 5), ("europe", 15), ("japan", 3), ("asia", 2))
MARKETS = ("luxembourg", "germany", "united-kingdom", "europe", "japan", "asia")
# fmt: on


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-' (accents dropped, punctuation a word break)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def _join(items: Iterable[str], conjunction: str) -> str:
    *rest, last = items
    return f"{', '.join(rest)} {conjunction} {last}" if rest else last


def lists(name: str, items: Sequence[Named]) -> dict[str, str]:
    """Template values ``{name}_en`` and ``{name}_fr``: the items' labels as running text."""
    return {
        f"{name}_en": _join((i.en for i in items), "and"),
        f"{name}_fr": _join((i.fr for i in items), "et"),
    }
