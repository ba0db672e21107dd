#!/usr/bin/env python3
"""Generate the FAKE, deliberately messy sample exports for the "Journées Engagées 2022" demo.

Every person in the output is fictional: names are random combinations of common French
first and family names, e-mail addresses only use reserved domains (RFC 2606 / RFC 6761:
``example.org``, ``example.com``, ``example.net`` and the ``.example`` top-level domain),
landlines only use the ARCEP ranges reserved for fiction. Mobiles are random numbers in
ranges that libphonenumber accepts; never call or text them.

Output (in ``data/`` beside this script), byte-identical on every run:

* ``jeveuxaider-participations.csv``  JeVeuxAider.gouv.fr export (UTF-8 with BOM, ``,``, CRLF)
* ``tally-inscriptions.csv``          Tally form export (UTF-8, ``,``, LF)
* ``helloasso-billetterie.csv``       HelloAsso export re-saved by Excel (cp1252, ``;``, CRLF)
* ``inscriptions-sur-place.xlsx``     site staff spreadsheet (sheet "Inscriptions")
* ``truth.csv``                       ground truth: one line per data row of the four files

Usage: ``python generate_sample_data.py [OUTPUT_DIR]`` (stdlib + openpyxl only).
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

SEED = 2022
OUT_DIR = Path(__file__).resolve().parent / "data"
XLSX_TIMESTAMP = datetime(2022, 10, 3, 9, 0, 0)  # fixed, so the workbook is reproducible

JVA = "jeveuxaider-participations.csv"
TALLY = "tally-inscriptions.csv"
HA = "helloasso-billetterie.csv"
XLSX = "inscriptions-sur-place.xlsx"
FILES = (JVA, TALLY, HA, XLSX)
#: Data rows per file (blank rows included).
TARGETS = {JVA: 450, TALLY: 900, HA: 400, XLSX: 250}

START = datetime(2022, 9, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------
# Sites
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteDef:
    code: str
    name: str  # as in HelloAsso tariffs
    jva_name: str  # as in JeVeuxAider mission names
    day: date
    weight: int
    landline: str  # fiction range (ARCEP) for the region: 4 first digits + 2
    tally: tuple[str, ...]  # free text people type in Tally (repeats = weights)
    lieu: tuple[str, ...]  # what site staff type in the spreadsheet
    homes: tuple[tuple[str, str], ...]  # (postcode, city) where volunteers live


OCT8, OCT15 = date(2022, 10, 8), date(2022, 10, 15)
IDF, NE, SE, SW = "019900", "035301", "046571", "053649"

SITES: dict[str, SiteDef] = {
    s.code: s
    for s in (
        SiteDef(
            "PAR",
            "Paris",
            "Paris",
            OCT8,
            20,
            IDF,
            ("Paris",) * 8
            + (
                "paris",
                "PARIS",
                "Paris 11e",
                "paris 11e",
                "Paris 18ème",
                "PARIS 18EME",
                "75011",
                "75020",
                "Paris (75)",
                "Paris ",
                "Paris 20",
            ),
            ("Paris",) * 3 + ("Paris 20e", "Paris 20e", "PARIS", "paris 20e"),
            (
                ("75011", "Paris"),
                ("75018", "Paris"),
                ("75020", "Paris"),
                ("75015", "Paris"),
                ("75013", "Paris"),
                ("75019", "Paris"),
                ("75010", "Paris"),
                ("75012", "Paris"),
                ("75014", "Paris"),
                ("75017", "Paris"),
                ("92130", "Issy-les-Moulineaux"),
                ("92100", "Boulogne-Billancourt"),
                ("93100", "Montreuil"),
                ("93200", "Saint-Denis"),
                ("93500", "Pantin"),
                ("94200", "Ivry-sur-Seine"),
                ("94300", "Vincennes"),
                ("95100", "Argenteuil"),
                ("78000", "Versailles"),
                ("92700", "Colombes"),
                ("93300", "Aubervilliers"),
                ("77000", "Melun"),
            ),
        ),
        SiteDef(
            "MRS",
            "Marseille",
            "Marseille",
            OCT8,
            13,
            SE,
            ("Marseille",) * 8
            + (
                "marseille",
                "MARSEILLE",
                "marseille 13005",
                "Marseille 1er",
                "13001",
                "13003",
                "Marseille (13)",
                "Marseille 13e",
            ),
            ("Marseille",) * 4 + ("Marseille 3e", "MARSEILLE"),
            (
                ("13001", "Marseille"),
                ("13003", "Marseille"),
                ("13005", "Marseille"),
                ("13006", "Marseille"),
                ("13008", "Marseille"),
                ("13013", "Marseille"),
                ("13015", "Marseille"),
                ("13100", "Aix-en-Provence"),
                ("13400", "Aubagne"),
                ("13127", "Vitrolles"),
                ("83000", "Toulon"),
                ("13700", "Marignane"),
            ),
        ),
        SiteDef(
            "LYS",
            "Lyon",
            "Lyon",
            OCT8,
            12,
            SE,
            ("Lyon",) * 8 + ("lyon", "LYON", "Lyon 3e", "Lyon 7ème", "69003", "69007", "Lyon 3"),
            ("Lyon",) * 4 + ("Lyon 7e", "lyon"),
            (
                ("69001", "Lyon"),
                ("69003", "Lyon"),
                ("69007", "Lyon"),
                ("69008", "Lyon"),
                ("69100", "Villeurbanne"),
                ("69200", "Vénissieux"),
                ("69500", "Bron"),
                ("69300", "Caluire-et-Cuire"),
                ("38200", "Vienne"),
                ("01000", "Bourg-en-Bresse"),
                ("42000", "Saint-Étienne"),
            ),
        ),
        SiteDef(
            "RMS",
            "Reims",
            "Reims (Marne)",
            OCT8,
            4,
            NE,
            ("Reims",) * 7 + ("reims", "Reims (51)", "REIMS", "51100", "Reims 51"),
            ("Reims",) * 4 + ("REIMS",),
            (
                ("51100", "Reims"),
                ("51430", "Tinqueux"),
                ("51000", "Châlons-en-Champagne"),
                ("51200", "Épernay"),
                ("08000", "Charleville-Mézières"),
                ("02200", "Soissons"),
                ("51350", "Cormontreuil"),
            ),
        ),
        SiteDef(
            "CRT",
            "Créteil",
            "Créteil",
            OCT8,
            5,
            IDF,
            ("Créteil",) * 6 + ("creteil", "Creteil", "CRETEIL", "94000", "Créteil (94)"),
            ("Créteil",) * 3 + ("Creteil",),
            (
                ("94000", "Créteil"),
                ("94100", "Saint-Maur-des-Fossés"),
                ("94400", "Vitry-sur-Seine"),
                ("94200", "Ivry-sur-Seine"),
                ("94190", "Villeneuve-Saint-Georges"),
                ("94700", "Maisons-Alfort"),
                ("75012", "Paris"),
                ("75013", "Paris"),
                ("77340", "Pontault-Combault"),
                ("91800", "Brunoy"),
            ),
        ),
        SiteDef(
            "RBX",
            "Roubaix",
            "Roubaix",
            OCT8,
            5,
            NE,
            ("Roubaix",) * 7 + ("roubaix", "ROUBAIX", "59100", "Roubaix (59)"),
            ("Roubaix",) * 3 + ("ROUBAIX",),
            (
                ("59100", "Roubaix"),
                ("59200", "Tourcoing"),
                ("59170", "Croix"),
                ("59290", "Wasquehal"),
                ("59150", "Wattrelos"),
                ("59000", "Lille"),
                ("59650", "Villeneuve-d'Ascq"),
                ("59390", "Lys-lez-Lannoy"),
            ),
        ),
        SiteDef(
            "LIL",
            "Lille",
            "Lille",
            OCT15,
            9,
            NE,
            ("Lille",) * 8 + ("lille", "LILLE", "59000", "59800", "Lille (59)"),
            ("Lille",) * 3 + ("LILLE",),
            (
                ("59000", "Lille"),
                ("59800", "Lille"),
                ("59160", "Lomme"),
                ("59260", "Hellemmes"),
                ("59650", "Villeneuve-d'Ascq"),
                ("59700", "Marcq-en-Barœul"),
                ("59100", "Roubaix"),
                ("59130", "Lambersart"),
                ("62300", "Lens"),
                ("59120", "Loos"),
            ),
        ),
        SiteDef(
            "SXB",
            "Strasbourg",
            "Strasbourg",
            OCT15,
            7,
            NE,
            ("Strasbourg",) * 8 + ("strasbourg", "STRASBOURG", "67000", "Strasbourg (67)"),
            ("Strasbourg",) * 3 + ("STRASBOURG",),
            (
                ("67000", "Strasbourg"),
                ("67100", "Strasbourg"),
                ("67200", "Strasbourg"),
                ("67300", "Schiltigheim"),
                ("67400", "Illkirch-Graffenstaden"),
                ("67500", "Haguenau"),
                ("68100", "Mulhouse"),
                ("67380", "Lingolsheim"),
            ),
        ),
        SiteDef(
            "BOD",
            "Bordeaux",
            "Bordeaux",
            OCT15,
            8,
            SW,
            ("Bordeaux",) * 8 + ("bordeaux", "BORDEAUX", "33000", "33800"),
            ("Bordeaux",) * 3 + ("bordeaux",),
            (
                ("33000", "Bordeaux"),
                ("33100", "Bordeaux"),
                ("33300", "Bordeaux"),
                ("33800", "Bordeaux"),
                ("33400", "Talence"),
                ("33600", "Pessac"),
                ("33700", "Mérignac"),
                ("33130", "Bègles"),
                ("33150", "Cenon"),
                ("17000", "La Rochelle"),
            ),
        ),
        SiteDef(
            "STD",
            "Saint-Denis",
            "Saint-Denis (93)",
            OCT15,
            7,
            IDF,
            ("Saint-Denis",) * 5
            + (
                "St Denis",
                "st denis",
                "Saint Denis",
                "St-Denis",
                "93200",
                "Saint-Denis (93)",
                "SAINT DENIS 93",
                "St Denis 93",
            ),
            ("St-Denis", "St-Denis", "Saint-Denis", "St Denis", "ST DENIS"),
            (
                ("93200", "Saint-Denis"),
                ("93210", "Saint-Denis"),
                ("93300", "Aubervilliers"),
                ("93400", "Saint-Ouen-sur-Seine"),
                ("93800", "Épinay-sur-Seine"),
                ("93240", "Stains"),
                ("95200", "Sarcelles"),
                ("75018", "Paris"),
                ("75019", "Paris"),
                ("93100", "Montreuil"),
                ("92230", "Gennevilliers"),
            ),
        ),
        SiteDef(
            "GNB",
            "Grenoble",
            "Grenoble",
            OCT15,
            6,
            SE,
            ("Grenoble",) * 8 + ("grenoble", "GRENOBLE", "38000", "38100", "Grenoble (38)"),
            ("Grenoble",) * 3 + ("GRENOBLE",),
            (
                ("38000", "Grenoble"),
                ("38100", "Grenoble"),
                ("38400", "Saint-Martin-d'Hères"),
                ("38130", "Échirolles"),
                ("38600", "Fontaine"),
                ("38240", "Meylan"),
                ("73000", "Chambéry"),
                ("38500", "Voiron"),
            ),
        ),
        SiteDef(
            "BRY",
            "Brunoy",
            "Brunoy (Essonne)",
            OCT15,
            4,
            IDF,
            ("Brunoy",) * 6 + ("Brunoy 91", "brunoy", "91800", "BRUNOY (91)", "Brunoy (Essonne)"),
            ("Brunoy",) * 3 + ("BRUNOY",),
            (
                ("91800", "Brunoy"),
                ("91330", "Yerres"),
                ("91230", "Montgeron"),
                ("91560", "Crosne"),
                ("91000", "Évry-Courcouronnes"),
                ("94440", "Villecresnes"),
                ("77170", "Brie-Comte-Robert"),
                ("94000", "Créteil"),
            ),
        ),
    )
}
SITE_CODES = tuple(SITES)
SITE_WEIGHTS = tuple(SITES[c].weight for c in SITE_CODES)
#: Homes far from any site (a volunteer's postcode is NOT the site).
FAR_HOMES = (
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("35000", "Rennes"),
    ("97400", "Saint-Denis"),
    ("06000", "Nice"),
    ("29200", "Brest"),
)

JVA_MISSION_IDS = {c: 40218 + 7 * i for i, c in enumerate(SITE_CODES)}

# --------------------------------------------------------------------------------------
# Names (common French first and family names; every combination is fictional)
# --------------------------------------------------------------------------------------
FIRST_NAMES = (
    "Marie",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Laura",
    "Céline",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Hélène",
    "Ségolène",
    "Zoé",
    "Élodie",
    "Aurélie",
    "Émilie",
    "Anaïs",
    "Noémie",
    "Mélanie",
    "Françoise",
    "Geneviève",
    "Brigitte",
    "Sophie",
    "Claire",
    "Lucie",
    "Océane",
    "Maëlle",
    "Fatima",
    "Aïcha",
    "Yasmine",
    "Khadija",
    "Mariam",
    "Amandine",
    "Pauline",
    "Margaux",
    "Agnès",
    "Béatrice",
    "Valérie",
    "Sandrine",
    "Véronique",
    "Marie-Claire",
    "Anne-Sophie",
    "Marie-Hélène",
    "Anne-Laure",
    "Clémence",
    "Jeanne",
    "Louise",
    "Alice",
    "Salomé",
    "Thérèse",
    "Josiane",
    "Odile",
    "Mireille",
    "Nadia",
    "Samia",
    "Linh",
    "Rose",
    "Gaëlle",
    "Maïwenn",
    "Joëlle",
    "Noëlle",
    "Héloïse",
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Nicolas",
    "Julien",
    "Thomas",
    "Antoine",
    "Maxime",
    "Hugo",
    "Lucas",
    "Louis",
    "Gabriel",
    "Arthur",
    "Nathan",
    "Théo",
    "Mathéo",
    "Maël",
    "Noël",
    "François",
    "Loïc",
    "Jérôme",
    "Stéphane",
    "Sébastien",
    "Frédéric",
    "Benoît",
    "Cédric",
    "Grégoire",
    "Hervé",
    "Joël",
    "Raphaël",
    "Gaël",
    "Yannick",
    "Mohamed",
    "Karim",
    "Mamadou",
    "Moussa",
    "Youssef",
    "Mehdi",
    "Rachid",
    "Ibrahima",
    "Jean-Pierre",
    "Jean-Luc",
    "Jean-Marc",
    "Jean-François",
    "Pierre-Yves",
    "Paul-Henri",
    "Marc-Antoine",
    "Jean-Baptiste",
    "Minh",
    "Bruno",
    "Patrick",
    "Christophe",
    "David",
    "Éric",
    "Olivier",
    "Didier",
    "Thierry",
    "Rémi",
    "Bastien",
    "Adrien",
    "Valentin",
    "Quentin",
    "Romain",
    "Léo",
    "Timothée",
    "Aurélien",
    "Côme",
    "Anthony",
    "Kévin",
    "Baptiste",
    "Clément",
    "Samuel",
    "Yves",
    "Gérard",
    "Bernard",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Müller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Pérez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Rodriguez",
    "Da Silva",
    "Hubert",
    "Charles",
    "Guillot",
    "Rivière",
    "Le Gall",
    "Guillaume",
    "Adam",
    "Rey",
    "Moulin",
    "Gonzalez",
    "Berger",
    "Lecomte",
    "Ménard",
    "Fleury",
    "Deschamps",
    "Carpentier",
    "Maillard",
    "Marchal",
    "Aubry",
    "Vasseur",
    "Le Roux",
    "Renault",
    "Jacquet",
    "Collet",
    "Prévost",
    "Poirier",
    "Charpentier",
    "Royer",
    "Huet",
    "Baron",
    "Dupuy",
    "Pons",
    "Carré",
    "Breton",
    "Rémy",
    "Schneider",
    "Perrot",
    "Guyot",
    "Marty",
    "Cousin",
    "N'Diaye",
    "Diallo",
    "Traoré",
    "Diop",
    "Camara",
    "Benali",
    "Haddad",
    "Bouzid",
    "Cherif",
    "Mansouri",
    "Ferreira",
    "Pereira",
    "Dos Santos",
    "Rodrigues",
    "Tran",
    "Pham",
    "Le Goff",
    "Le Bihan",
    "Vasseur-Kergoat",
    "de La Fontaine",
    "Le Meur",
    "Lévêque",
    "Bénard",
    "Hoarau",
    "Wagner",
    "Klein",
    "Weber",
    "Hoffmann",
    "Martin-Lefèvre",
    "Duval-Ménard",
    "d'Almeida",
    "Saint-Martin",
    "De Oliveira",
    "Kieffer",
    "Lê",
    "Bouchard",
    "Pottier",
    "Tessier",
    "Besnard",
)

#: Reserved e-mail domains only (RFC 2606 / RFC 6761). ``*.example`` imitate free-mail hosts.
EMAIL_DOMAINS = (
    ("example.org", 28),
    ("example.com", 25),
    ("example.net", 20),
    ("gmail.example", 11),
    ("orange.example", 4),
    ("laposte.example", 3),
    ("free.example", 3),
    ("hotmail.example", 3),
    ("yahoo.example", 1),
    ("sfr.example", 1),
    ("wanadoo.example", 1),
)
RESERVED_DOMAIN = re.compile(r"(^|\.)example(\.(org|com|net))?$")
#: libphonenumber's French mobile and fixed-line patterns (national number, without the 0).
FR_MOBILE = re.compile(r"(?:6(?:[0-24-8]\d|3[0-8]|9[589])|7[3-9]\d)\d{6}")
FR_FIXED = re.compile(r"(?:26[013-9]|59[1-35-9])\d{6}|(?:[13]\d|2[0-57-9]|4[1-9]|5[0-8])\d{7}")

HEARD_OF = (
    ("Réseaux sociaux", 30),
    ("Bouche-à-oreille", 22),
    ("Site d'Emmaüs Connect", 15),
    ("JeVeuxAider.gouv.fr", 10),
    ("Newsletter", 8),
    ("Mon entreprise", 7),
    ("Autre", 5),
    ("", 3),
)
XLSX_REMARKS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "appel du {d}",
    "inscrit(e) au forum des assos",
    "rappeler la veille",
    "préfère l'après-midi",
    "vient le matin seulement",
    "déjà inscrit(e) sur internet ?",
    "a un ordinateur à donner",
    "ancien(ne) bénévole 2021",
    "besoin d'un accès PMR",
    "message laissé sur répondeur",
    "OK confirmé par tél",
    "étudiant(e) en service civique",
    "vu au stand du marché",
)


# --------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------
@dataclass(eq=False)
class Person:
    key: int
    first: str
    last: str
    site: str
    email: str
    phone: str  # national, 10 digits
    home: tuple[str, str]
    birth: date
    alt_email: str | None = None
    pid: str = ""
    rows: list[Row] = field(default_factory=list)


@dataclass(eq=False)
class Order:  # a HelloAsso order
    ts: datetime
    status: str
    payer_first: str
    payer_last: str
    payer_email: str
    ref: int = 0


@dataclass(eq=False)
class Row:
    file: str
    person: Person | None
    site: str | None  # true site code; None for quarantine and blank rows
    expected: str  # ok | no_consent | cancelled | quarantine | blank
    ts: datetime | None = None
    kind: str = "normal"  # normal, fixed (contacts already decided), blank, or a bad kind
    vars: list[str] = field(default_factory=list)
    first: str | None = None  # overrides of what is displayed
    last: str | None = None
    email: str | None = None  # e-mail as typed (None: empty)
    phone: str | None = None  # national number (None: empty)
    phone_raw: str | None = None  # literal phone text (invalid numbers)
    site_text: str | None = None  # literal site text (bad sites)
    consent: bool = True
    order: Order | None = None
    ha_email: str | None = None  # HelloAsso participant "Email" custom field
    remark: str = ""
    row_no: int = 0
    fixed_display: bool = False  # first/last already styled (HelloAsso single orders)
    ticket: Row | None = None  # the ticket a HelloAsso donation line belongs to
    shown: tuple[str, str] = ("", "")  # first and last name as written (HelloAsso)


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def slug(s: str, keep_hyphen: bool = True) -> str:
    s = strip_accents(s).lower().replace("œ", "oe").replace("æ", "ae")
    s = re.sub(r"[’' ]", "", s)
    return s if keep_hyphen else s.replace("-", "")


def name_key(first: str, last: str) -> tuple[str, str]:
    return slug(first, False), slug(last, False)


# --------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------
class Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.persons: list[Person] = []
        self.rows: list[Row] = []
        self.cap = dict(TARGETS)
        self.used_names: set[tuple[str, str]] = set()
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_ids: set[str] = set()

    # ---- small helpers ---------------------------------------------------------------
    def weighted(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def pick_site(self) -> str:
        return self.rng.choices(SITE_CODES, weights=SITE_WEIGHTS)[0]

    def new_phone(self, site: str, landline_share: float = 0.08) -> str:
        r = self.rng
        while True:
            if r.random() < landline_share:
                num = "0" + SITES[site].landline[1:] + f"{r.randrange(10000):04d}"
            elif r.random() < 0.62:
                num = "06" + r.choice("01245678") + f"{r.randrange(10**7):07d}"
            else:
                num = "07" + r.choice("5678") + f"{r.randrange(10**7):07d}"
            if num not in self.used_phones:
                self.used_phones.add(num)
                return num

    def new_email(self, first: str, last: str) -> str:
        r = self.rng
        f, ln = slug(first), slug(last)
        fc, lc = slug(first, False), slug(last, False)
        nn = f"{r.randrange(1, 99)}"
        yy = f"{r.randrange(55, 100) if r.random() < 0.6 else r.randrange(0, 5):02d}"
        patterns = (
            f"{f}.{ln}",
            f"{fc}{lc}",
            f"{fc[0]}.{lc}",
            f"{lc}.{fc}",
            f"{f}.{ln}{nn}",
            f"{fc}_{lc}",
            f"{fc}{lc}{yy}",
            f"{lc}{fc[0]}",
            f"{fc}.{lc[0]}{nn}",
            f"{fc}{yy}",
        )
        while True:
            i = r.choices(range(len(patterns)), weights=(30, 12, 10, 8, 12, 5, 10, 5, 4, 4))[0]
            local = patterns[i]
            email = f"{local}@{self.weighted(EMAIL_DOMAINS)}"
            if email in self.used_emails:
                local = f"{local}{r.randrange(2, 999)}"
                email = f"{local}@{self.weighted(EMAIL_DOMAINS)}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email

    def new_name(self, last: str | None = None, first: str | None = None, allow_taken: bool = False) -> tuple[str, str]:
        while True:
            f = first or self.rng.choice(FIRST_NAMES)
            ln = last or self.rng.choice(LAST_NAMES)
            k = name_key(f, ln)
            if allow_taken or k not in self.used_names:
                self.used_names.add(k)
                return f, ln

    def new_person(
        self,
        site: str | None = None,
        last: str | None = None,
        first: str | None = None,
        allow_taken: bool = False,
        home: tuple[str, str] | None = None,
    ) -> Person:
        r = self.rng
        site = site or self.pick_site()
        f, ln = self.new_name(last, first, allow_taken)
        if home is None:
            home = r.choice(FAR_HOMES) if r.random() < 0.03 else r.choice(SITES[site].homes)
        age = r.choices(
            (r.randrange(18, 26), r.randrange(26, 45), r.randrange(45, 62), r.randrange(62, 78)),
            weights=(25, 35, 22, 18),
        )[0]
        birth = date(2022 - age, r.randrange(1, 13), r.randrange(1, 29))
        p = Person(
            len(self.persons),
            f,
            ln,
            site,
            self.new_email(f, ln),
            self.new_phone(site, 0.15 if age >= 62 else 0.05),
            home,
            birth,
        )
        self.persons.append(p)
        return p

    def alt_email(self, p: Person) -> str:
        if p.alt_email is None:
            p.alt_email = self.new_email(p.first, p.last)
        return p.alt_email

    def deadline(self, site: str | None, file: str) -> datetime:
        day = SITES[site].day if site else OCT15
        if file == XLSX:
            return datetime.combine(day, datetime.min.time()) + timedelta(hours=10, minutes=30)
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=8)

    def draw_ts(self, site: str | None, file: str, lo: datetime = START) -> datetime:
        r = self.rng
        hi = self.deadline(site, file)
        span = (hi - lo).total_seconds()
        for _ in range(100):
            t = lo + timedelta(seconds=span * (r.random() ** 0.75))
            if file == XLSX:  # office hours; walk-ins on the morning of the day
                hour = r.randrange(9, 19)
            else:
                hour = r.choices(
                    range(24), weights=(2, 1, 1, 0, 0, 1, 2, 4, 6, 7, 8, 8, 9, 8, 7, 7, 7, 8, 9, 10, 11, 10, 7, 4)
                )[0]
            t = t.replace(hour=hour, minute=r.randrange(60), second=r.randrange(60), microsecond=0)
            if lo <= t <= hi:
                return t
        return lo + timedelta(seconds=span / 2)

    def take(self, file: str) -> None:
        self.cap[file] -= 1
        assert self.cap[file] >= 0, file

    def add(
        self, file: str, person: Person | None, site: str | None, expected: str, ts: datetime | None = None, **kw
    ) -> Row:
        self.take(file)
        if ts is None and expected != "blank":
            ts = self.draw_ts(site or (person.site if person else None), file)
        row = Row(file, person, site, expected, ts, **kw)
        self.rows.append(row)
        if person is not None:
            person.rows.append(row)
        return row

    def new_id(self) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        while True:
            s = "".join(self.rng.choice(alphabet) for _ in range(6))
            if s not in self.used_ids:
                self.used_ids.add(s)
                return s

    # ---- special populations ---------------------------------------------------------
    def make_blank_rows(self) -> None:
        for f in (TALLY, HA, XLSX):
            self.add(f, None, None, "blank", kind="blank")

    def make_bad_rows(self) -> None:
        r = self.rng
        plan = (
            (TALLY, "no_contact", 4),
            (TALLY, "invalid_email", 3),
            (TALLY, "name_missing", 3),
            (TALLY, "site_toulouse", 3),
            (TALLY, "site_59", 3),
            (TALLY, "site_974", 3),
            (TALLY, "site_empty", 2),
            (XLSX, "no_contact", 4),
            (XLSX, "invalid_email", 2),
            (XLSX, "name_missing", 2),
            (XLSX, "site_toulouse", 1),
            (XLSX, "site_59", 1),
            (XLSX, "site_974", 1),
            (JVA, "site_toulouse", 2),
        )
        toulouse = ("Toulouse", "toulouse", "Toulouse 31")
        nord = ("59", "Nord (59)", "59 ")
        reunion = ("97400", "Saint-Denis (974)", "St Denis 974", "Saint-Denis (974)")
        n_with_valid_row = 0
        for file, kind, n in plan:
            for i in range(n):
                site = self.pick_site()
                home = None
                if kind == "site_toulouse":
                    home = ("31000", "Toulouse")
                elif kind == "site_59":
                    site = r.choice(("LIL", "RBX"))
                elif kind == "site_974":
                    site, home = "STD", ("97400", "Saint-Denis")
                p = self.new_person(site, home=home)
                row = Row(file, p, None, "quarantine", kind=kind)
                row.email, row.phone = p.email, p.phone
                if kind == "no_contact":
                    row.email = row.phone = None
                    if file == TALLY and n_with_valid_row < 2:
                        # the same person also signed up properly, earlier, elsewhere
                        n_with_valid_row += 1
                        first = self.add((JVA, HA)[n_with_valid_row - 1], p, site, "ok")
                        row.ts = self.draw_ts(site, file, lo=first.ts)
                elif kind == "invalid_email":
                    local = p.email.split("@")[0]
                    row.email = (f"{local}@", f"{local}.example.org", f"{local}@@example.org", f"{local}@")[i % 4]
                    row.phone = None
                elif kind == "name_missing":
                    row.first = row.last = ""
                elif kind == "site_toulouse":
                    row.site_text = toulouse[i % 3]
                elif kind == "site_59":
                    row.site_text = nord[i % 3]
                elif kind == "site_974":
                    row.site_text = reunion[i % 4]
                elif kind == "site_empty":
                    row.site_text = ""
                self.take(file)
                row.ts = row.ts or self.draw_ts(site, file)
                self.rows.append(row)
                p.rows.append(row)

    def make_simple_specials(self) -> None:
        r = self.rng
        for _ in range(27):  # Tally without consent
            p = self.new_person()
            self.add(
                TALLY,
                p,
                p.site,
                "no_consent",
                kind="fixed",
                consent=False,
                email=p.email,
                phone=p.phone if r.random() < 0.9 else None,
            )
        for _ in range(7):  # HelloAsso cancelled single orders
            p = self.new_person()
            row = self.add(HA, p, p.site, "cancelled", kind="fixed", email=p.email, phone=p.phone)
            row.order = Order(row.ts, "Annulé", p.first, p.last, p.email)
            row.ha_email = p.email if r.random() < 0.6 else None
        # formula injection attempts: otherwise valid sign-ups
        payloads = (
            (TALLY, "last", '=HYPERLINK("https://example.com/cadeau","Cliquez ici")'),
            (TALLY, "last", "=2+5+cmd|' /C calc'!A0"),
            (JVA, "first", '=HYPERLINK("https://example.org/promo";"Offre")'),
        )
        for file, which, text in payloads:
            p = self.new_person()
            row = self.add(file, p, p.site, "ok", kind="fixed", email=p.email, phone=p.phone)
            setattr(row, which, text)
        # invalid phone but valid e-mail, invalid e-mail but valid phone: still ok
        for file, n in ((TALLY, 3), (XLSX, 1)):
            for i in range(n):
                p = self.new_person()
                d = p.phone
                raw = (
                    f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:8]} {d[8]}",
                    d + str(r.randrange(10)),
                    f"{d[:4]} {d[4:6]} {d[6:8]}",
                )[i % 3]
                row = self.add(file, p, p.site, "ok", kind="fixed", email=p.email)
                row.phone_raw = raw if file == TALLY else int(d[1:9])  # type: ignore[assignment]
        for file, n in ((TALLY, 2), (XLSX, 1)):
            for i in range(n):
                p = self.new_person()
                local = p.email.split("@")[0]
                self.add(
                    file,
                    p,
                    p.site,
                    "ok",
                    kind="fixed",
                    phone=p.phone,
                    email=(f"{local}@", f"{local}.gmail.example")[i % 2],
                )

    def make_families(self) -> None:
        r = self.rng
        modes = [HA] * 7 + [TALLY] * 4 + [XLSX] * 2 + ["mixed"]
        for i, mode in enumerate(modes):
            size = 3 if i % 4 == 0 else 2
            site = self.pick_site()
            last = r.choice(LAST_NAMES)
            home = r.choice(SITES[site].homes)
            members: list[Person] = []
            firsts: set[str] = set()
            while len(members) < size:
                f = r.choice(FIRST_NAMES)
                if f in firsts or name_key(f, last) in self.used_names:
                    continue
                firsts.add(f)
                members.append(self.new_person(site, last=last, first=f, home=home))
            share = self.weighted((("email", 6), ("phone", 3), ("both", 1)))
            if share in ("email", "both"):
                shared = (
                    f"famille.{slug(last, False)}@{self.weighted(EMAIL_DOMAINS)}"
                    if r.random() < 0.5
                    else members[0].email
                )
                self.used_emails.add(shared)
                for m in members:
                    m.email = shared
            if share in ("phone", "both"):
                shared_phone = self.new_phone(site, 1.0) if r.random() < 0.6 else members[0].phone
                for m in members:
                    m.phone = shared_phone
            if mode == HA:
                ts = self.draw_ts(site, HA)
                payer = members[0]
                order = Order(ts, "Validé", payer.first, payer.last, payer.email)
                for j, m in enumerate(members):
                    row = self.add(HA, m, site, "ok", ts=ts, kind="fixed", order=order, email=m.email, phone=m.phone)
                    row.ha_email = (
                        m.email if j == 0 or r.random() < 0.5 else (payer.email if r.random() < 0.5 else None)
                    )
                    if j and r.random() < 0.3:
                        row.phone = None
            else:
                ts = self.draw_ts(site, TALLY if mode == "mixed" else mode)
                for j, m in enumerate(members):
                    file = (JVA, TALLY)[j % 2] if mode == "mixed" else mode
                    t = min(ts + timedelta(minutes=r.randrange(2, 90) * j), self.deadline(site, file))
                    row = self.add(file, m, site, "ok", ts=t, kind="fixed", email=m.email, phone=m.phone)
                    if file == XLSX:
                        row.remark = r.choice(
                            ("en famille", "vient avec sa femme", "inscrit avec son fils", "même tél. que {o}")
                        )
                        row.remark = row.remark.replace("{o}", members[1 - min(j, 1)].first)
                        if j and r.random() < 0.5:
                            row.email = None

    def make_ha_groups(self) -> None:
        r = self.rng
        for g in range(24):
            site = self.pick_site()
            ts = self.draw_ts(site, HA)
            cancelled = g == 0
            payer_attends = r.random() < 0.75 or cancelled
            size = r.choice((2, 2, 3)) if not cancelled else 3
            people = [self.new_person(site) for _ in range(size)]
            if payer_attends:
                payer_first, payer_last = people[0].first, people[0].last
                payer_email, payer_phone = people[0].email, people[0].phone
            else:  # someone registering colleagues or neighbours, not coming: not a person
                payer_first, payer_last = self.new_name()
                payer_email = self.new_email(payer_first, payer_last)
                payer_phone = self.new_phone(site)
            order = Order(ts, "Annulé" if cancelled else "Validé", payer_first, payer_last, payer_email)
            for j, p in enumerate(people):
                row = self.add(HA, p, site, "cancelled" if cancelled else "ok", ts=ts, kind="fixed", order=order)
                if j == 0 and payer_attends:
                    row.ha_email = p.email if r.random() < 0.7 else None
                    row.email, row.phone = p.email, (p.phone if r.random() < 0.85 else None)
                    continue
                row.ha_email = self.weighted(((p.email, 45), (payer_email, 25), (None, 30)))
                row.email = row.ha_email
                row.phone = self.weighted(((p.phone, 50), (payer_phone, 15), (None, 35)))

    def make_namesakes(self) -> None:
        r = self.rng
        for _ in range(8):
            a = self.new_person()
            site = a.site if r.random() < 0.5 else self.pick_site()
            b = self.new_person(site, last=a.last, first=a.first, allow_taken=True)
            for p in (a, b):
                files = r.sample((JVA, TALLY, HA, XLSX), r.choice((1, 1, 1, 2)))
                for f in files:
                    if self.cap[f] > 0:
                        self.add(f, p, p.site, "ok")

    def make_second_site(self) -> None:
        r = self.rng
        for _ in range(15):
            p = self.new_person()
            other_day = [c for c in SITE_CODES if SITES[c].day != SITES[p.site].day]
            # a nearby site on the other date (Paris and Saint-Denis, Lille and Roubaix...)
            near = [c for c in other_day if SITES[c].landline == SITES[p.site].landline]
            other = r.choice(near or other_day)
            for site in (p.site, other):
                self.add(r.choice((JVA, TALLY, TALLY, HA, XLSX)), p, site, "ok")

    def fill_ordinary(self) -> None:
        r = self.rng
        while sum(self.cap.values()) > 0:
            p = self.new_person()
            k = r.choices((1, 2, 3), weights=(71, 18, 11))[0]
            used: list[str] = []
            for _ in range(k):
                weights = [self.cap[f] * (0.45 if f in used else 1.0) for f in FILES]
                if sum(weights) == 0:
                    break
                f = r.choices(FILES, weights=weights)[0]
                used.append(f)
                self.add(f, p, p.site, "ok")

    # ---- variations ------------------------------------------------------------------
    def finalise_person(self, p: Person) -> None:
        """Decide contacts and variations of normal rows (time order; the first is the anchor)."""
        r = self.rng
        rows = sorted(p.rows, key=lambda x: x.ts)
        multi = len(rows) > 1
        jva_seen: set[tuple[str, str]] = set()
        for i, row in enumerate(rows):
            if row.kind != "normal":
                continue
            row.email, row.phone = p.email, p.phone
            if i == 0:
                if not multi:
                    self.natural_gaps(row)
                if row.file == JVA:
                    jva_seen.add((row.site, row.email))
                continue
            forced: list[str] = []
            if row.file == JVA and (row.site, p.email) in jva_seen:
                forced.append("alt_email")  # a second JeVeuxAider account
            pool = self.variation_pool(row.file, p)
            n = 1 if r.random() < 0.7 else 2
            chosen = list(forced)
            for _ in range(20):
                if len(chosen) >= n:
                    break
                v = self.weighted(pool)
                if v in chosen or self.clash(v, chosen):
                    continue
                chosen.append(v)
            row.vars = chosen
            if "alt_email" in chosen:
                row.email = self.alt_email(p)
            if "missing_email" in chosen:
                row.email = None
            if "missing_phone" in chosen:
                row.phone = None
            if row.file == JVA:
                jva_seen.add((row.site, row.email))

    @staticmethod
    def clash(v: str, chosen: list[str]) -> bool:
        groups = (
            {"missing_email", "missing_phone", "alt_email"},
            {"swap", "typo"},
            {"case", "swap"},
            {"missing_email", "email_case"},
        )
        return any(v in g and any(c in g for c in chosen) for g in groups)

    def variation_pool(self, file: str, p: Person) -> list[tuple[str, int]]:
        pool = [("email_case", 14), ("case", 12), ("swap", 8), ("typo", 10), ("alt_email", 6)]
        if strip_accents(p.first + p.last) != p.first + p.last:
            pool.append(("accents", 14))
        if "-" in p.first or re.search(r"[- ']", p.last):
            pool.append(("compound", 12))
        if file in (TALLY, XLSX):
            pool += [("missing_email", 10), ("missing_phone", 10)]
        elif file == HA:
            pool.append(("missing_phone", 10))
        return pool

    def natural_gaps(self, row: Row) -> None:
        """Single sign-ups may leave one contact out (never both)."""
        r = self.rng
        if row.file == TALLY:
            if r.random() < 0.07:
                row.phone = None
            elif r.random() < 0.02:
                row.email = None
        elif row.file == XLSX:
            if r.random() < 0.3:
                row.email = None
            elif r.random() < 0.06:
                row.phone = None
        elif row.file == HA and r.random() < 0.12:
            row.phone = None

    # ---- rendering helpers -----------------------------------------------------------
    def typo(self, s: str) -> str:
        r = self.rng
        letters = [i for i, c in enumerate(s) if c.isalpha() and i > 0]
        if len(letters) < 4:
            return s
        i = r.choice(letters)
        op = r.choice(("sub", "del", "dup"))
        if op == "del":
            return s[:i] + s[i + 1 :]
        if op == "dup":
            return s[:i] + s[i] + s[i:]
        near = {
            "a": "e",
            "e": "a",
            "i": "y",
            "o": "a",
            "u": "i",
            "n": "m",
            "m": "n",
            "r": "t",
            "t": "r",
            "s": "z",
            "l": "k",
            "c": "x",
            "d": "s",
            "y": "i",
        }
        c = s[i].lower()
        rep = near.get(strip_accents(c), "e")
        rep = rep.upper() if s[i].isupper() else rep
        return s[:i] + rep + s[i + 1 :]

    def compound(self, first: str, last: str) -> tuple[str, str]:
        r = self.rng
        if "-" in first and (r.random() < 0.6 or not re.search(r"[- ']", last)):
            return first.replace("-", " "), last
        if "'" in last:
            return first, r.choice((last.replace("'", "’"), last.replace("'", ""), last.replace("'", "").capitalize()))
        if last.startswith(("de ", "Le ", "Da ", "Dos ", "De ")):
            return first, r.choice((last.replace(" ", ""), last.title(), last.lower().capitalize()))
        if "-" in last:
            return first, last.replace("-", " ")
        return first.replace("-", " "), last

    def display_name(self, row: Row) -> tuple[str, str]:
        """First and last name as typed in this row."""
        r = self.rng
        p = row.person
        first = p.first if row.first is None else row.first
        last = p.last if row.last is None else row.last
        if row.kind == "name_missing" or first.startswith("=") or last.startswith("="):
            return first, last
        for v in row.vars:
            if v == "accents":
                first, last = strip_accents(first), strip_accents(last)
            elif v == "compound":
                first, last = self.compound(first, last)
            elif v == "typo":
                last = self.typo(last)
            elif v == "swap":
                first, last = last, first
            elif v == "case":
                first, last = r.choice(
                    (
                        (first, last.upper()),
                        (first.lower(), last.lower()),
                        (first.upper(), last.upper()),
                        (first.lower(), last),
                    )
                )
        # base style of the channel, on every row
        style = r.random()
        if row.file == TALLY:
            if style < 0.08:
                first, last = first.lower(), last.lower()
            elif style < 0.16:
                last = last.upper()
            elif style < 0.19:
                first, last = first + " ", last
        elif row.file == JVA:
            if style < 0.06:
                first, last = first.lower(), last.lower()
            elif style < 0.1:
                last = last.upper()
        elif row.file == HA:
            if style < 0.6:
                last = last.upper()
        elif row.file == XLSX:
            if style < 0.45:
                last = last.upper()
            elif style < 0.52:
                first, last = first.upper(), last.upper()
            elif style < 0.6:
                first, last = first.lower(), last.lower()
        if "accents" not in row.vars and r.random() < 0.04:
            first, last = strip_accents(first), strip_accents(last)
        return first, last

    def display_email(self, row: Row, email: str | None) -> str:
        if not email:
            return ""
        if "email_case" in row.vars:
            r = self.rng
            local, _, dom = email.partition("@")
            style = r.random()
            if style < 0.5:
                local = ".".join(w[:1].upper() + w[1:] for w in local.split("."))
                dom = dom[:1].upper() + dom[1:]
            elif style < 0.7:
                local, dom = local.upper(), dom.upper()
            else:
                local = local[:1].upper() + local[1:]
            email = f"{local}@{dom}"
            email = email + " " if r.random() < 0.6 else " " + email
        return email

    def fmt_phone(self, num: str | None, file: str) -> str:
        if not num:
            return ""
        pairs = [num[i : i + 2] for i in range(0, 10, 2)]
        styles = {
            "space": " ".join(pairs),
            "compact": num,
            "dots": ".".join(pairs),
            "dash": "-".join(pairs),
            "intl_space": "+33 " + num[1] + " " + " ".join(pairs[1:]),
            "intl": "+33" + num[1:],
            "00": "0033 " + num[1] + " " + " ".join(pairs[1:]),
            "intl0": "+33 (0)" + num[1] + " " + " ".join(pairs[1:]),
            "excel0": num[1:],  # Excel dropped the leading zero
            "excel33": "33" + num[1:],  # Excel turned +33612345678 into a number
        }
        weights = {
            JVA: {"compact": 60, "space": 30, "intl": 10},
            TALLY: {
                "space": 30,
                "compact": 25,
                "dots": 8,
                "dash": 3,
                "intl_space": 12,
                "intl": 12,
                "00": 4,
                "intl0": 6,
            },
            HA: {"excel0": 42, "space": 25, "intl_space": 10, "excel33": 8, "dots": 5, "compact": 10},
            XLSX: {"space": 50, "compact": 20, "dots": 15, "intl_space": 10, "dash": 5},
        }[file]
        return styles[self.weighted(tuple(weights.items()))]

    def site_text(self, row: Row) -> str:
        if row.site_text is not None:
            return row.site_text
        site = row.site or row.person.site
        choices = SITES[site].tally if row.file == TALLY else SITES[site].lieu
        return self.rng.choice(choices)

    # ---- writers ---------------------------------------------------------------------
    def ordered(self, file: str) -> list[Row]:
        rows = [x for x in self.rows if x.file == file and x.expected != "blank"]
        if file == HA:  # rows of one order stay together, donation line last
            rows.sort(key=lambda x: (x.order.ts, x.order.ref, x.kind == "ha_don"))
        else:
            rows.sort(key=lambda x: x.ts)
        blanks = [x for x in self.rows if x.file == file and x.expected == "blank"]
        for b in blanks:  # in the middle, between two orders/submissions
            pos = len(rows) // 2 + self.rng.randrange(-40, 40)
            if file == HA:
                while 0 < pos < len(rows) and rows[pos].order is rows[pos - 1].order:
                    pos += 1
            rows.insert(pos, b)
        for n, x in enumerate(rows, start=2):
            x.row_no = n
        return rows

    def write_jva(self, out: Path) -> None:
        r = self.rng
        header = [
            "id",
            "statut",
            "mission_id",
            "mission_nom",
            "mission_date_debut",
            "mission_date_fin",
            "profile_id",
            "benevole_prenom",
            "benevole_nom",
            "benevole_mobile",
            "benevole_email",
            "benevole_code_postal",
            "benevole_date_anniversaire",
            "créneaux_bénévole",
            "date_creation",
            "date_modification",
        ]
        rows = self.ordered(JVA)
        profiles: dict[tuple[int, str], int] = {}
        used_profiles: set[int] = set()
        next_id = 1843201
        with open(out / JVA, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(header)
            for row in rows:
                p = row.person
                next_id += r.randrange(3, 400)
                if row.kind == "site_toulouse":
                    mission_id, mission, day = 40999, "Toulouse", OCT15
                else:
                    mission_id, mission = JVA_MISSION_IDS[row.site], SITES[row.site].jva_name
                    day = SITES[row.site].day
                email = row.email or ""
                pkey = (p.key, email.strip().lower())
                if pkey not in profiles:
                    while True:
                        pid = r.randrange(120000, 990000)
                        if pid not in used_profiles:
                            used_profiles.add(pid)
                            profiles[pkey] = pid
                            break
                statut = self.weighted(
                    (("Validée", 70), ("En attente de validation", 20), ("En cours de traitement", 10))
                )
                created = row.ts
                modified = created
                if statut != "En attente de validation":
                    modified = min(
                        created + timedelta(minutes=r.randrange(30, 6 * 24 * 60)),
                        datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
                    )
                d = f"{day.day} octobre 2022"
                slots = self.weighted(
                    (
                        (f"Samedi {d} (10h00 - 13h00)", 30),
                        (f"Samedi {d} (14h00 - 17h00)", 25),
                        (f"Samedi {d} (10h00 - 13h00), Samedi {d} (14h00 - 17h00)", 20),
                        ("", 25),
                    )
                )
                first, last = self.display_name(row)
                home = p.home[0]
                w.writerow(
                    [
                        next_id,
                        statut,
                        mission_id,
                        f"Journée Engagée Emmaüs Connect – {mission}",
                        f"{day.isoformat()} 10:00:00",
                        f"{day.isoformat()} 17:00:00",
                        profiles[pkey],
                        first,
                        last,
                        row.phone_raw or self.fmt_phone(row.phone, JVA),
                        self.display_email(row, row.email),
                        home,
                        p.birth.isoformat(),
                        slots,
                        created.strftime("%Y-%m-%d %H:%M:%S"),
                        modified.strftime("%Y-%m-%d %H:%M:%S"),
                    ]
                )

    def write_tally(self, out: Path) -> None:
        r = self.rng
        header = [
            "Submission ID",
            "Respondent ID",
            "Submitted at",
            "Prénom",
            "Nom",
            "Adresse e-mail",
            "Numéro de téléphone",
            "Ville de la Journée Engagée",
            "Comment avez-vous connu les Journées Engagées ?",
            "J'accepte que mes données soient utilisées pour organiser la journée",
        ]
        rows = self.ordered(TALLY)
        respondents: dict[int, str] = {}
        with open(out / TALLY, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(header)
            for row in rows:
                if row.expected == "blank":
                    fh.write("\n")  # a fully empty line
                    continue
                p = row.person
                if p.key in respondents and r.random() < 0.5:
                    resp = respondents[p.key]  # same browser: Tally keeps the respondent
                else:
                    resp = self.new_id()
                    respondents[p.key] = resp
                first, last = self.display_name(row)
                w.writerow(
                    [
                        self.new_id(),
                        resp,
                        row.ts.strftime("%Y-%m-%d %H:%M:%S"),
                        first,
                        last,
                        self.display_email(row, row.email),
                        row.phone_raw or self.fmt_phone(row.phone, TALLY),
                        self.site_text(row),
                        self.weighted(HEARD_OF),
                        "Oui" if row.consent else "",
                    ]
                )

    def write_helloasso(self, out: Path) -> None:
        r = self.rng
        header = [
            "Référence commande",
            "Date de la commande",
            "Statut de la commande",
            "Nom participant",
            "Prénom participant",
            "Nom payeur",
            "Prénom payeur",
            "Email payeur",
            "Tarif",
            "Email",
            "Téléphone",
            "Ville",
        ]
        orders: list[Order] = []
        for row in self.rows:
            if row.order is not None and row.order not in orders:
                orders.append(row.order)
        orders.sort(key=lambda o: o.ts)
        ref = 41230517
        for o in orders:
            ref += r.randrange(17, 900)
            o.ref = ref
        rows = self.ordered(HA)
        lines: list[list[str]] = []
        for row in rows:
            if row.expected == "blank":
                lines.append([""] * len(header))
                continue
            p, o = row.person, row.order
            if row.kind == "ha_don":  # same participant as on the ticket line
                first, last = row.ticket.shown
                payer_first, payer_last = o.payer_first, o.payer_last
            elif row.fixed_display:
                first, last = row.first, row.last
                if r.random() < 0.6:
                    last = last.upper()
                payer_first, payer_last = o.payer_first, o.payer_last
            else:
                first, last = self.display_name(row)
                payer_first, payer_last = o.payer_first, o.payer_last
                if r.random() < 0.5:
                    payer_last = payer_last.upper()
            row.shown = (first, last)
            if row.kind == "ha_don":
                tarif = "Don"
            else:
                s = SITES[row.site]
                tarif = f"Journée Engagée {s.name} - samedi {s.day.day} octobre"
            ville = ""
            if r.random() < 0.8 and row.kind != "ha_don":
                pc, city = p.home
                ville = self.weighted(
                    ((city, 55), (city.upper(), 15), (city.lower(), 10), (pc, 10), (f"{pc} {city}", 10))
                )
            lines.append(
                [
                    str(o.ref),
                    o.ts.strftime("%d/%m/%Y %H:%M"),
                    o.status,
                    last,
                    first,
                    payer_last,
                    payer_first,
                    o.payer_email,
                    tarif,
                    "" if row.kind == "ha_don" else self.display_email(row, row.ha_email),
                    "" if row.kind == "ha_don" else self.fmt_phone(row.phone, HA),
                    ville,
                ]
            )
        with open(out / HA, "w", encoding="cp1252", errors="strict", newline="") as fh:
            w = csv.writer(fh, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(header)
            w.writerows(lines)

    def write_xlsx(self, out: Path) -> None:
        r = self.rng
        rows = self.ordered(XLSX)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Inscriptions"
        header = ["Nom", "Prénom", "Tél", "Mail", "Lieu", "Date inscription", "Remarques"]
        for c, h in enumerate(header, start=1):
            ws.cell(row=1, column=c, value=h).font = Font(bold=True)
        for row in rows:
            n = row.row_no
            if row.expected == "blank":
                continue
            first, last = self.display_name(row)
            if isinstance(row.phone_raw, int):
                tel: object = row.phone_raw
            elif row.phone and r.random() < 0.5:
                tel = int(row.phone)  # typed as a number: the leading 0 is gone
            else:
                tel = self.fmt_phone(row.phone, XLSX) or None
            remark = row.remark or r.choice(XLSX_REMARKS)
            remark = remark.replace("{d}", row.ts.strftime("%d/%m"))
            if row.email is None and not remark and r.random() < 0.3:
                remark = "pas de mail"
            values = [
                last or None,
                first or None,
                tel,
                self.display_email(row, row.email) or None,
                self.site_text(row),
                row.ts,
                remark or None,
            ]
            for c, v in enumerate(values, start=1):
                cell = ws.cell(row=n, column=c, value=v)
                if c == 3 and isinstance(v, int) and r.random() < 0.4:
                    cell.number_format = "0# ## ## ## ##"
            date_cell = ws.cell(row=n, column=6)
            if r.random() < 0.35:
                date_cell.value = row.ts.replace(hour=0, minute=0, second=0)
                row.ts = date_cell.value
                date_cell.number_format = "dd/mm/yyyy"
            else:
                date_cell.value = row.ts.replace(second=0)
                date_cell.number_format = "dd/mm/yyyy hh:mm"
        for col, width in zip("ABCDEFG", (18, 16, 18, 32, 14, 18, 34), strict=True):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        wb.properties.creator = "Coordination Journées Engagées (fictif)"
        wb.properties.lastModifiedBy = "Coordination Journées Engagées (fictif)"
        wb.properties.title = "Inscriptions sur place et par téléphone (données fictives)"
        wb.properties.created = XLSX_TIMESTAMP
        wb.properties.modified = XLSX_TIMESTAMP
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(wb, archive).save()  # not save_workbook(): it stamps "modified" = now
        (out / XLSX).write_bytes(reproducible_zip(buf.getvalue()))

    def write_truth(self, out: Path) -> None:
        with open(out / "truth.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["file", "row", "person_id", "site_code", "expected"])
            for file in FILES:
                for row in sorted((x for x in self.rows if x.file == file), key=lambda x: x.row_no):
                    w.writerow([file, row.row_no, row.person.pid if row.person else "", row.site or "", row.expected])

    # ---- orchestration ---------------------------------------------------------------
    def run(self, out: Path) -> None:
        self.make_blank_rows()
        self.make_bad_rows()
        self.make_simple_specials()
        self.make_families()
        self.make_ha_groups()
        self.make_namesakes()
        self.make_second_site()
        self.cap[HA] -= 2  # reserved for the two donation lines below
        self.fill_ordinary()
        self.cap[HA] += 2
        # some HelloAsso buyers add a donation line to their order: not a sign-up
        for p in self.persons:
            self.finalise_person(p)
        singles = [
            x
            for x in self.rows
            if x.file == HA
            and x.order is None
            and x.kind == "normal"
            and x.expected == "ok"
            and x.email
            and len(x.person.rows) == 1
        ]
        for ticket in self.rng.sample(singles, 2):
            don = self.add(HA, ticket.person, None, "quarantine", ts=ticket.ts, kind="ha_don")
            don.email, don.phone = ticket.email, None
            don.ticket = ticket
        assert all(v == 0 for v in self.cap.values()), self.cap
        self.prepare_orders()
        out.mkdir(parents=True, exist_ok=True)
        self.write_jva(out)
        self.write_tally(out)
        self.write_helloasso(out)
        self.write_xlsx(out)
        # person ids in order of first appearance (files in FILES order)
        n = 0
        for file in FILES:
            for row in sorted((x for x in self.rows if x.file == file), key=lambda x: x.row_no):
                if row.person is not None and not row.person.pid:
                    n += 1
                    row.person.pid = f"P{n:04d}"
        self.write_truth(out)

    def prepare_orders(self) -> None:
        """One HelloAsso order per single sign-up (the buyer is the participant); a donation
        line joins its ticket's order. Group orders were built already."""
        r = self.rng
        for row in self.rows:
            if row.file == HA and row.order is None and row.expected != "blank" and row.kind != "ha_don":
                p = row.person
                pf, pl = self.display_name(row)
                row.order = Order(row.ts, "Validé", pf, pl, row.email or p.email)
                row.ha_email = row.email if (row.email and r.random() < 0.6) else None
                row.first, row.last = pf, pl
                row.fixed_display = True
        for don in self.rows:
            if don.kind == "ha_don":
                don.order, don.first, don.last = don.ticket.order, don.ticket.first, don.ticket.last
                don.fixed_display = True


def reproducible_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------
# Self-checks and summary
# --------------------------------------------------------------------------------------
def check(gen: Generator, out: Path) -> None:
    for p in gen.persons:
        for e in (p.email, p.alt_email):
            if e:
                assert RESERVED_DOMAIN.search(e.split("@")[1]), e
        assert FR_MOBILE.fullmatch(p.phone[1:]) or FR_FIXED.fullmatch(p.phone[1:]), p.phone
        if not FR_MOBILE.fullmatch(p.phone[1:]):
            assert p.phone[:6] in {IDF, NE, SE, SW, "026191"}, p.phone  # fiction ranges only
    raw = (out / HA).read_bytes()
    raw.decode("cp1252")
    assert b"\r\n" in raw and not re.search(rb"[^\r]\n", raw)
    jva = (out / JVA).read_bytes()
    assert jva.startswith(b"\xef\xbb\xbf") and not re.search(rb"[^\r]\n", jva)
    assert b"\r" not in (out / TALLY).read_bytes()
    for file, enc, delim in ((JVA, "utf-8-sig", ","), (TALLY, "utf-8", ","), (HA, "cp1252", ";")):
        with open(out / file, encoding=enc, newline="") as fh:
            records = list(csv.reader(fh, delimiter=delim))
        assert len(records) - 1 == TARGETS[file], (file, len(records))
    wb = openpyxl.load_workbook(out / XLSX)
    assert wb["Inscriptions"].max_row - 1 == TARGETS[XLSX]


def summary(gen: Generator) -> None:
    rows = gen.rows
    print("rows per file:")
    for f in FILES:
        print(f"  {f:34s} {sum(1 for x in rows if x.file == f):5d}")
    print(f"  {'total':34s} {len(rows):5d}")
    persons = [p for p in gen.persons if p.rows]
    per = Counter(len(p.rows) for p in persons)
    print(
        f"distinct persons: {len(persons)}  (rows per person: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(per.items()))
        + ")"
    )
    multi = sum(v for k, v in per.items() if k > 1)
    print(f"persons with 2+ rows: {multi} ({100 * multi / len(persons):.1f}%)")
    print("rows per expected value:")
    for k, v in sorted(Counter(x.expected for x in rows).items()):
        print(f"  {k:12s} {v:5d}")
    ok_persons = Counter()
    for p in persons:
        for s in sorted({x.site for x in p.rows if x.expected == "ok"}):
            ok_persons[s] += 1
    print("persons expected per site roster: " + ", ".join(f"{c} {ok_persons[c]}" for c in SITE_CODES))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR
    gen = Generator()
    gen.run(out)
    check(gen, out)
    summary(gen)


if __name__ == "__main__":
    main()
