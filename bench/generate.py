"""Seeded generator of messy French sign-ups with ground truth, for the matching benchmark.

    python -m bench.generate --records 100000 --seed 7 --out /tmp/signups.csv

Writes ``signups.csv`` (record_id, source, first_name, last_name, email, phone, city, site,
submitted_at) and ``<name>.truth.csv`` (record_id, person_id). Every person is fictional.

What it puts in, on purpose: the site traps of campaign.md ("St Denis", "paris 11e", "93200",
"Brunoy 91", "Reims (51)", Lille/Roubaix sharing 59); case, accents, swapped first/last
names, compound names with and without hyphens, particles, typos, nicknames, married names,
mojibake; every French phone format, lost leading zeros, mistyped digits, foreign numbers;
email case, spaces, Gmail dots and +tags, domain typos, second addresses; households
sharing an email or a phone; namesakes at one site with other contacts; one person at two
sites.
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

FIRST_F = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Christine",
    "Sophie",
    "Camille",
    "Léa",
    "Manon",
    "Emma",
    "Chloé",
    "Sarah",
    "Laura",
    "Julie",
    "Sandrine",
    "Valérie",
    "Anne",
    "Martine",
    "Monique",
    "Claire",
    "Nadia",
    "Fatima",
    "Inès",
    "Yasmine",
    "Hélène",
    "Céline",
    "Aurélie",
    "Émilie",
    "Stéphanie",
    "Élodie",
    "Caroline",
    "Virginie",
    "Véronique",
    "Agnès",
    "Ségolène",
    "Bérénice",
    "Maëlle",
    "Noémie",
    "Océane",
    "Zoé",
    "Louise",
    "Jeanne",
    "Alice",
    "Lucie",
    "Amandine",
    "Mélanie",
    "Aïcha",
    "Khadija",
    "Mariam",
    "Awa",
    "Aminata",
    "Thi",
    "Linh",
    "Marie-Claire",
    "Anne-Sophie",
    "Marie-Hélène",
    "Marie-Laure",
    "Anne-Marie",
    "Anne-Laure",
    "Marie-Christine",
    "Marie-Pierre",
    "Margot",
    "Erwana",
    "Rose",
    "Gisèle",
    "Odile",
    "Brigitte",
    "Dominique",
    "Florence",
    "Danielle",
    "Michèle",
    "Pascale",
    "Denise",
    "Josiane",
    "Ginette",
    "Élisabeth",
]
FIRST_M = [
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Nicolas",
    "Christophe",
    "Patrick",
    "Julien",
    "Thomas",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Mohamed",
    "Stéphane",
    "David",
    "Éric",
    "Laurent",
    "Frédéric",
    "Sébastien",
    "Daniel",
    "Jacques",
    "André",
    "Bernard",
    "Paul",
    "Karim",
    "Ahmed",
    "Mamadou",
    "Moussa",
    "Youssef",
    "Rachid",
    "Olivier",
    "Vincent",
    "François",
    "Antoine",
    "Guillaume",
    "Maxime",
    "Alexandre",
    "Emmanuel",
    "Benjamin",
    "Grégory",
    "Matthieu",
    "Jérôme",
    "Cédric",
    "Yann",
    "Loïc",
    "Gaël",
    "Joël",
    "Noël",
    "Raphaël",
    "Théo",
    "Arthur",
    "Gabriel",
    "Léo",
    "Adam",
    "Enzo",
    "Quentin",
    "Romain",
    "Florian",
    "Kevin",
    "Jean-Pierre",
    "Jean-Luc",
    "Jean-Marc",
    "Jean-François",
    "Pierre-Yves",
    "Jean-Baptiste",
    "Marc-Antoine",
    "Paul-Henri",
    "Jean-Michel",
    "Louis-Marie",
    "Erwan",
    "Moussa-Ali",
    "Yanis",
    "Robert",
    "Joseph",
    "Dominique",
    "Pascal",
    "Denis",
    "Michaël",
    "Aurélien",
    "Édouard",
    "Théodore",
]
COMMON_LAST = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèbvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Müller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Nguyen",
    "Martinez",
    "Lopez",
    "Rodriguez",
    "Benali",
    "Dumont",
    "Traoré",
    "Diallo",
    "Haddad",
    "Kergoat",
    "Le",
    "Gall",
    "Le",
    "Goff",
    "Le",
    "Roux",
    "Dupuis",
    "Lemaire",
    "Brun",
    "Caron",
    "Meunier",
    "Renaud",
    "Barbier",
    "Arnaud",
]
PARTICLE_LAST = ("de la Fontaine", "d'Artagnan", "de Villiers", "Le Bihan", "du Pont", "de Saint-Exupéry")
SYLLABLES = [
    "ber",
    "ker",
    "gal",
    "mor",
    "van",
    "dou",
    "lan",
    "vil",
    "mar",
    "tin",
    "ro",
    "che",
    "bon",
    "net",
    "fau",
    "du",
    "cha",
    "pel",
    "lec",
    "ri",
    "gau",
    "tier",
    "lou",
    "vet",
    "mas",
    "son",
    "bre",
    "ton",
    "gui",
    "mard",
    "roc",
    "que",
    "fer",
    "ra",
    "nol",
    "len",
    "bas",
    "tide",
    "rey",
    "nau",
    "quin",
    "gat",
]
ACCENTED = dict(zip("éèêëàâäîïôöûüùçÉÈÊÀÂÎÔÛÇœ", "eeeeaaaiioouuucEEEAAIOUCo"))
NICKNAMES = {
    "Frédéric": "Fred", "Nicolas": "Nico", "Sébastien": "Seb", "Stéphane": "Steph",
    "Emmanuel": "Manu", "Catherine": "Cathy", "Isabelle": "Isa", "Florence": "Flo",
    "Maxime": "Max", "Valérie": "Val", "Alexandre": "Alex", "Christophe": "Chris",
    "Grégory": "Greg", "Thomas": "Tom", "Benjamin": "Ben", "Véronique": "Véro",
    "Caroline": "Caro", "Nathalie": "Nath", "Élisabeth": "Babeth", "Julien": "Juju",
}  # fmt: skip
DOMAINS = (
    ("gmail.com", 40),
    ("hotmail.fr", 14),
    ("yahoo.fr", 8),
    ("orange.fr", 8),
    ("free.fr", 6),
    ("outlook.fr", 5),
    ("laposte.net", 4),
    ("wanadoo.fr", 3),
    ("sfr.fr", 3),
    ("icloud.com", 3),
    ("hotmail.com", 3),
    ("live.fr", 2),
    ("protonmail.com", 1),
)
DOMAIN_TYPOS = {
    "gmail.com": "gmial.com",
    "hotmail.fr": "hotmial.fr",
    "yahoo.fr": "yahou.fr",
    "outlook.fr": "outlok.fr",
    "laposte.net": "laposte.nte",
    "orange.fr": "orange.ff",
}
SITES = {
    "PAR": ("Paris", ["Paris", "paris", "PARIS", "Paris 11e", "paris 18e", "75011", "Paris (75)", "75"]),
    "MRS": ("Marseille", ["Marseille", "marseille", "13001", "Marseille 13"]),
    "LYS": ("Lyon", ["Lyon", "LYON", "69003", "Lyon 3e"]),
    "RMS": ("Reims", ["Reims", "Reims (51)", "reims", "51100"]),
    "CRT": ("Créteil", ["Créteil", "Creteil", "94000", "créteil"]),
    "RBX": ("Roubaix", ["Roubaix", "roubaix", "59100"]),
    "LIL": ("Lille", ["Lille", "LILLE", "59000", "Lille (59)"]),
    "SXB": ("Strasbourg", ["Strasbourg", "strasbourg", "67000"]),
    "BOD": ("Bordeaux", ["Bordeaux", "bordeaux", "33000"]),
    "STD": ("Saint-Denis", ["Saint-Denis", "St Denis", "st-denis", "93200", "Saint Denis (93)"]),
    "GNB": ("Grenoble", ["Grenoble", "grenoble", "38000"]),
    "BRY": ("Brunoy", ["Brunoy", "Brunoy 91", "brunoy", "91800"]),
}
SITE_WEIGHTS = {
    "PAR": 22,
    "MRS": 10,
    "LYS": 10,
    "RMS": 5,
    "CRT": 6,
    "RBX": 5,
    "LIL": 8,
    "SXB": 7,
    "BOD": 8,
    "STD": 8,
    "GNB": 6,
    "BRY": 5,
}
SOURCES = ("tally", "typeform", "helloasso", "google_forms", "sheet_walk_ins", "partner_csv")
STAFF_SOURCES = ("sheet_walk_ins", "staff_export")
EMAIL_PLACEHOLDERS = ("pas de mail", "NC", "n/a", "N/A", "nc", "-", "aucun", "pas d'email", "X")
PHONE_PLACEHOLDERS = ("0000000000", "NC", "n/a", "00 00 00 00 00", "-", "pas de tel", "0")
KEYBOARD = dict(
    zip(
        "azertyuiopqsdfghjklmwxcvbn",
        [
            "qze",
            "zsq",
            "rde",
            "tfr",
            "ygt",
            "uhy",
            "ijy",
            "oki",
            "plo",
            "mp",
            "asw",
            "qzd",
            "sef",
            "drg",
            "fth",
            "gyj",
            "huk",
            "jil",
            "kom",
            "lp",
            "xsq",
            "wcd",
            "xvf",
            "cbg",
            "vnh",
            "bj",
        ],
    )
)
#: Shares of later copies carrying each held-out kind of mess (see the module docstring).
STAFF_REENTRY, HEAVY_TYPO, WRONG_FIELD, CONTACT_TYPO = 0.11, 0.04, 0.02, 0.03
FORM_WITHOUT_PHONE = 0.15
SAME_DAY_REENTRY = 0.6
START = datetime(2022, 9, 1)
#: Bumped whenever the output for a given seed changes (cached benchmark files carry it).
GENERATOR_VERSION = 3


@dataclass
class Person:
    pid: int
    female: bool
    first: str
    last: str
    email: str
    phone: str  # 9 national digits, or "+32..." for a foreign number
    site: str
    form_phone: bool = True  # False: the forms this person used did not ask for a phone
    first_at: datetime | None = None  # when their first sign-up came


class Generator:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.household: dict[int, set[str]] = {}
        self.f_weights = [1 / (i + 1) ** 0.8 for i in range(len(FIRST_F))]
        self.m_weights = [1 / (i + 1) ** 0.8 for i in range(len(FIRST_M))]
        self.l_weights = [1 / (i + 1) ** 0.9 for i in range(len(COMMON_LAST))]
        self.site_codes, self.site_w = list(SITE_WEIGHTS), list(SITE_WEIGHTS.values())

    # --- people ---------------------------------------------------------------------------
    def first_name(self, female: bool) -> str:
        pool, weights = (FIRST_F, self.f_weights) if female else (FIRST_M, self.m_weights)
        return self.r.choices(pool, weights)[0]

    def last_name(self) -> str:
        x = self.r.random()
        if x < 0.35:
            return self.r.choices(COMMON_LAST, self.l_weights)[0]
        if x < 0.37:
            return self.r.choice(PARTICLE_LAST)
        name = "".join(self.r.choice(SYLLABLES) for _ in range(self.r.choice((2, 2, 3)))).capitalize()
        if x > 0.96:
            name += "-" + "".join(self.r.choice(SYLLABLES) for _ in range(2)).capitalize()
        return name

    def email(self, first: str, last: str) -> str:
        f, s = _ascii(first).lower().replace(" ", ""), _ascii(last).lower().replace(" ", "").replace("'", "")
        domain = self.r.choices([d for d, _ in DOMAINS], [w for _, w in DOMAINS])[0]
        patterns = (f"{f}.{s}", f"{f}{s}", f"{f[0]}{s}", f"{s}.{f}", f"{f}_{s}", f"{f}{self.r.randint(1, 99)}")
        local = self.r.choice(patterns)
        address = f"{local}@{domain}"
        while _account(address) in self.used_emails:
            address = f"{local}{self.r.randint(1, 9999)}@{domain}"
        self.used_emails.add(_account(address))
        return address

    def phone(self) -> str:
        if self.r.random() < 0.02:
            return self.r.choice(("+32 470 ", "+41 79 ", "+44 7700 ")) + f"{self.r.randint(0, 999999):06d}"
        while True:
            head = self.r.choices("67123459", (45, 25, 6, 4, 4, 4, 4, 8))[0]
            number = head + f"{self.r.randint(0, 99999999):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self, pid: int) -> Person:
        female = self.r.random() < 0.55
        first, last = self.first_name(female), self.last_name()
        site = self.r.choices(self.site_codes, self.site_w)[0]
        return Person(
            pid, female, first, last, self.email(first, last), self.phone(), site, self.r.random() >= FORM_WITHOUT_PHONE
        )

    def relative(self, pid: int, of: Person) -> Person:
        """A household member: same last name (mostly), another first name, a shared contact."""
        female = self.r.random() < 0.5
        first = self.first_name(female)
        taken = self.household.setdefault(of.pid, {_ascii(of.first).lower()[:3]})
        if self.r.random() < 0.1:  # now and then a close name: Louis / Louise, Jean / Jeanne
            while first == of.first:
                first = self.first_name(female)
        else:
            while _ascii(first).lower()[:3] in taken:
                first = self.first_name(female)
        taken.add(_ascii(first).lower()[:3])
        last = of.last if self.r.random() < 0.85 else self.last_name()
        shared = self.r.random()
        email = of.email if shared < 0.5 or shared > 0.85 else self.email(first, last)
        phone = of.phone if shared >= 0.5 else self.phone()
        site = of.site if self.r.random() < 0.9 else self.r.choices(self.site_codes, self.site_w)[0]
        return Person(pid, female, first, last, email, phone, site, self.r.random() >= FORM_WITHOUT_PHONE)

    def namesake(self, pid: int, of: Person) -> Person:
        """Same name, same site, other contacts: another person."""
        return Person(
            pid,
            of.female,
            of.first,
            of.last,
            self.email(of.first, of.last),
            self.phone(),
            of.site,
            self.r.random() >= FORM_WITHOUT_PHONE,
        )

    # --- records --------------------------------------------------------------------------
    def record(self, p: Person, copy: int) -> dict[str, str]:
        r = self.r
        first, last = p.first, p.last
        kind = r.random() if copy else 1.0
        staff = kind < STAFF_REENTRY
        if copy:
            first, last = self.mess_names(p, first, last)
            if "-" in p.first and r.random() < 0.5:
                first = self.shorten_compound(first)
            if STAFF_REENTRY <= kind < STAFF_REENTRY + HEAVY_TYPO:
                first, last = self.heavy_typo(first, last)
            elif STAFF_REENTRY + HEAVY_TYPO <= kind < STAFF_REENTRY + HEAVY_TYPO + WRONG_FIELD:
                first, last = self.wrong_field(first, last)
        if staff:
            email, phone = self.staff_contacts(p)
        else:
            email = self.mess_email(p.email, copy)
            phone = self.mess_phone(p.phone, copy) if p.form_phone or copy else ""
            if not email and not phone:
                phone = self.format_phone(p.phone)
            if copy and kind >= 1 - CONTACT_TYPO:
                email, phone = self.contact_typo(email, phone)
                if r.random() < 0.5:
                    first = _typo(r, first)
        site = p.site if not copy or staff or r.random() < 0.88 else r.choices(self.site_codes, self.site_w)[0]
        variants = SITES[site][1]
        mess = (
            ""
            if not copy
            else "staff"
            if staff
            else "heavy_typo"
            if kind < STAFF_REENTRY + HEAVY_TYPO
            else "wrong_field"
            if kind < STAFF_REENTRY + HEAVY_TYPO + WRONG_FIELD
            else "contact_typo"
            if kind >= 1 - CONTACT_TYPO
            else "copy"
        )
        return {
            "mess": mess, "source": r.choice(STAFF_SOURCES if staff else SOURCES), "first_name": first,
            "last_name": last, "email": email, "phone": phone,
            "city": r.choice(variants) if r.random() < 0.5 else "",
            "site": r.choice(variants) if r.random() < 0.97 else "",
            "submitted_at": self.when(p, copy, staff).isoformat(),
        }  # fmt: skip

    def when(self, p: Person, copy: int, staff: bool) -> datetime:
        """A time in the campaign's 40 days; a staff re-entry is mostly typed the day of the
        person's first sign-up (the walk-in sheet of that day)."""
        r = self.r
        at = START + timedelta(minutes=r.randint(0, 60 * 24 * 40))
        if not copy:
            p.first_at = at
        elif staff and p.first_at is not None and r.random() < SAME_DAY_REENTRY:
            at = p.first_at.replace(hour=r.randint(8, 19), minute=r.randint(0, 59))
        return at

    # --- held-out kinds of mess -----------------------------------------------------------
    def staff_contacts(self, p: Person) -> tuple[str, str]:
        """A staff re-entry: a phone only, an email only, or placeholders."""
        r = self.r
        x = r.random()
        if x < 0.4:
            return r.choice(EMAIL_PLACEHOLDERS + ("",)), self.format_phone(p.phone)
        if x < 0.6:
            return p.email, r.choice(PHONE_PLACEHOLDERS + ("",))
        return r.choice(EMAIL_PLACEHOLDERS), r.choice(PHONE_PLACEHOLDERS)

    def shorten_compound(self, first: str) -> str:
        """ "Marie-Laure" -> "Marie", "Marielaure", "Marie Laure", "MARIE-LAURE"."""
        parts = first.replace(" ", "-").split("-")
        x = self.r.random()
        if x < 0.5 or len(parts) < 2:
            return parts[0]
        if x < 0.75:
            return "".join(parts[:1] + [q.lower() for q in parts[1:]])
        return " ".join(parts)

    def heavy_typo(self, first: str, last: str) -> tuple[str, str]:
        """Two slips at once on one name: "MMOUSSSA", "Erwzn", "Nicloas" with a letter doubled."""
        r = self.r
        if r.random() < 0.7:
            first = _heavy(r, first)
        else:
            last = _heavy(r, last)
        if r.random() < 0.3:
            first, last = first.upper(), last.upper()
        return first, last

    def wrong_field(self, first: str, last: str) -> tuple[str, str]:
        """The full name in one field, or "NOM Prénom"."""
        x = self.r.random()
        if x < 0.4:
            return f"{first} {last}", ""
        if x < 0.6:
            return "", f"{first} {last}"
        if x < 0.85:
            return f"{last.upper()} {first}", ""
        return last.upper(), first

    def contact_typo(self, email: str, phone: str) -> tuple[str, str]:
        """A digit off, ".con", "gmial", a local part written otherwise."""
        r = self.r
        x = r.random()
        if phone and (x < 0.4 or not email):
            digits = [i for i, c in enumerate(phone) if c.isdigit()]
            if len(digits) > 3:
                i = r.choice(digits[2:])
                phone = phone[:i] + str((int(phone[i]) + r.randint(1, 9)) % 10) + phone[i + 1 :]
            return email, phone
        if not email or "@" not in email:
            return email, phone
        local, domain = email.strip().split("@", 1)
        y = r.random()
        if y < 0.25:
            domain = domain.rsplit(".", 1)[0] + ".con" if domain.endswith(".com") else domain + "m"
        elif y < 0.45:
            domain = DOMAIN_TYPOS.get(domain, domain[:1] + domain[2] + domain[1] + domain[3:])
        elif y < 0.7:
            local = local.replace(".", "") if "." in local else local[:1] + "." + local[1:]
        elif y < 0.85:
            local += str(r.randint(1, 99))
        else:
            local = _typo(r, local) if len(local) >= 5 else local + local[-1]
        return f"{local}@{domain}", phone

    def mess_names(self, p: Person, first: str, last: str) -> tuple[str, str]:
        r = self.r
        if r.random() < 0.03 and first in NICKNAMES:
            first = NICKNAMES[first]
        if p.female and r.random() < 0.02:
            last = self.last_name() if r.random() < 0.7 else f"{last}-{self.last_name()}"
        if r.random() < 0.05:
            last = _typo(r, last)
        if r.random() < 0.03:
            first = _typo(r, first)
        if "-" in first and r.random() < 0.5:
            first = first.replace("-", r.choice((" ", "")))
        if r.random() < 0.2:
            first, last = _ascii(first), _ascii(last)
        x = r.random()
        if x < 0.25:
            last = last.upper()
        elif x < 0.35:
            first, last = first.lower(), last.lower()
        elif x < 0.4:
            first, last = first.upper(), last.upper()
        if r.random() < 0.02:
            first, last = _mojibake(first), _mojibake(last)
        if r.random() < 0.05:
            first, last = last, first
        return first, last

    def mess_email(self, email: str, copy: int) -> str:
        r = self.r
        if not copy:
            return email if r.random() > 0.03 else ""
        x = r.random()
        if x < 0.06:
            return ""
        if x < 0.12:
            return self.second_address(email)
        local, domain = email.split("@")
        if domain == "gmail.com" and r.random() < 0.15:
            local = (local[:2] + "." + local[2:]) if r.random() < 0.5 else local.replace(".", "")
            if r.random() < 0.5:
                local += "+" + r.choice(("benevolat", "asso", "emmaus"))
        if domain in DOMAIN_TYPOS and r.random() < 0.03:
            domain = DOMAIN_TYPOS[domain]
        email = f"{local}@{domain}"
        if r.random() < 0.2:
            email = email.capitalize() if r.random() < 0.5 else email.upper()
        if r.random() < 0.03:
            email = email.replace("@", " @ ") if r.random() < 0.5 else " " + email + " "
        return email

    def second_address(self, email: str) -> str:
        """Another address of the same person, never someone else's."""
        local = email.split("@")[0]
        while True:
            domain = self.r.choice(("gmail.com", "yahoo.fr", "free.fr", "orange.fr"))
            address = f"{local}{self.r.randint(1, 999)}@{domain}"
            if _account(address) not in self.used_emails:
                self.used_emails.add(_account(address))
                return address

    def mess_phone(self, national: str, copy: int) -> str:
        r = self.r
        x = r.random()
        if x < (0.06 if copy else 0.05):
            return ""
        if copy and x < 0.10:
            return self.format_phone(self.phone())
        if copy and x < 0.13 and not national.startswith("+"):
            i = r.randrange(1, 9)
            national = national[:i] + str((int(national[i]) + r.randint(1, 9)) % 10) + national[i + 1 :]
        return self.format_phone(national)

    def format_phone(self, n: str) -> str:
        if n.startswith("+"):
            return n
        pairs = " ".join(n[i : i + 2] for i in range(1, 9, 2))
        return self.r.choice((
            f"0{n[0]} {pairs}", f"0{n}", f"0{n[0]}.{pairs.replace(' ', '.')}",
            f"0{n[0]}-{pairs.replace(' ', '-')}", f"+33 {n[0]} {pairs}", f"+33{n}",
            f"0033 {n[0]} {pairs}", f"+33 (0){n[0]} {pairs}", n, f"0{n[0]}{pairs.replace(' ', '')}",
        ))  # fmt: skip


def _account(address: str) -> str:
    """Gmail ignores dots: two addresses differing only by dots are one account."""
    local, _, domain = address.partition("@")
    return (local.replace(".", "") if domain == "gmail.com" else local) + "@" + domain


def _ascii(text: str) -> str:
    return "".join(ACCENTED.get(c, c) for c in unicodedata.normalize("NFC", text))


def _typo(r: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = r.randrange(1, len(text) - 1)
    kind = r.random()
    if kind < 0.3:
        return text[:i] + text[i + 1 :]
    if kind < 0.6:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind < 0.8:
        return text[:i] + text[i] + text[i:]
    return text[:i] + r.choice("aeiourstnl") + text[i + 1 :]


def _heavy(r: random.Random, text: str) -> str:
    """Two slips: a doubled letter, a neighbouring key, a dropped or swapped letter."""
    if len(text) < 3:
        return text + text[-1:]
    for _ in range(2):
        i = r.randrange(0, len(text))
        c = text[i]
        kind = r.random()
        if kind < 0.35:
            text = text[:i] + c + text[i:]
        elif kind < 0.6 and c.lower() in KEYBOARD:
            text = text[:i] + r.choice(KEYBOARD[c.lower()]) + text[i + 1 :]
        elif kind < 0.8 and i < len(text) - 1:
            text = text[:i] + text[i + 1] + c + text[i + 2 :]
        elif len(text) > 4:
            text = text[:i] + text[i + 1 :]
    return text


def _mojibake(text: str) -> str:
    try:
        return text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return text.encode("utf-8").decode("latin-1")


COPIES = (1, 2, 3, 4, 5)
COPY_WEIGHTS = (62, 26, 8, 3, 1)


def generate(
    records: int, seed: int, households: float = 0.10, namesakes: float = 0.02
) -> tuple[list[dict[str, str]], list[int]]:
    """Rows and, for each row, its true person id. ``households`` and ``namesakes`` are the
    shares of people who are a relative sharing a contact, or a namesake, of someone."""
    g = Generator(seed)
    rows: list[dict[str, str]] = []
    truth: list[int] = []
    people: list[Person] = []
    heads: list[Person] = []  # people who are not someone's relative or namesake
    while len(rows) < records:
        pid = len(people)
        x = g.r.random()
        if heads and x < households:
            p = g.relative(pid, g.r.choice(heads[-200:]))
        elif heads and x < households + namesakes:
            # a namesake mostly carries a common last name: a rare name twice at one site is
            # one person far more often than two
            common = [h for h in heads[-200:] if h.last in COMMON_LAST]
            p = g.namesake(pid, g.r.choice(common if common and g.r.random() < 0.9 else heads[-200:]))
        else:
            p = g.person(pid)
            heads.append(p)
        people.append(p)
        for copy in range(g.r.choices(COPIES, COPY_WEIGHTS)[0]):
            rows.append(g.record(p, copy))
            truth.append(pid)
    rows, truth = rows[:records], truth[:records]
    order = list(range(len(rows)))
    g.r.shuffle(order)
    return [rows[i] for i in order], [truth[i] for i in order]


def write(records: int, seed: int, out: Path, **shares: float) -> tuple[Path, Path]:
    """Write the sign-ups and the truth file next to each other; return both paths."""
    rows, truth = generate(records, seed, **shares)
    out.parent.mkdir(parents=True, exist_ok=True)
    truth_path = out.with_suffix(".truth.csv")
    fields = ["record_id", "source", "first_name", "last_name", "email", "phone", "city", "site", "submitted_at"]
    with out.open("w", newline="", encoding="utf-8") as f, truth_path.open("w", newline="") as t:
        w, tw = csv.writer(f), csv.writer(t)
        w.writerow(fields)
        tw.writerow(["record_id", "person_id", "mess"])
        for i, (row, pid) in enumerate(zip(rows, truth)):
            rid = f"r{i:07d}"
            w.writerow([rid, *(row[k] for k in fields[1:])])
            tw.writerow([rid, f"p{pid}", row["mess"]])
    return out, truth_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--households", type=float, default=0.10)
    parser.add_argument("--namesakes", type=float, default=0.02)
    parser.add_argument("--out", type=Path, default=Path("/tmp/rollcall-bench/signups.csv"))
    args = parser.parse_args()
    print(*write(args.records, args.seed, args.out, households=args.households, namesakes=args.namesakes))


if __name__ == "__main__":
    main()
