"""Make data/benevoles-actuels.csv: a fictional export of the association's volunteer base.

Some of its people also signed up to the campaign (taken from the Tally sample, written as a
volunteer database would: another phone format, a capitalised email, a missing contact), so
the demo shows registrants marked "Déjà bénévole"; the others are volunteers who did not sign
up. Everyone is fictional (see data/README.md): emails under reserved domains, phones in the
ARCEP ranges reserved for fiction. Deterministic: ``random.Random(2022)``, stdlib only.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
OUT = DATA / "benevoles-actuels.csv"
HEADERS = ["Nom", "Prénom", "E-mail", "Téléphone", "Antenne", "Bénévole depuis"]
ANTENNES = ["Paris", "Marseille", "Lyon", "Lille", "Bordeaux", "Strasbourg", "Grenoble", "Reims"]
FIRST = ["Claire", "Yanis", "Odile", "Bastien", "Nadia", "Gaspard", "Hélène", "Karim", "Solène", "Armand"]
LAST = ["Perrin", "Benali", "Lefort", "Marchal", "Texier", "Guillot", "Carpentier", "Rivière", "Delorme", "Vidal"]


def main() -> None:
    rng = random.Random(2022)
    with (DATA / "tally-inscriptions.csv").open(encoding="utf-8", newline="") as file:
        tally = list(csv.DictReader(file))
    seen, rows = set(), []
    for entry in tally[::9]:  # about one Tally sign-up in nine is someone who already volunteers
        email, phone = entry["Adresse e-mail"].strip(), entry["Numéro de téléphone"].strip()
        if not (email or phone) or email.lower() in seen:
            continue
        seen.add(email.lower())
        shape = rng.randrange(3) if email and phone else 1  # keep a contact to be found by
        rows.append(
            [
                entry["Nom"].strip().upper(),
                entry["Prénom"].strip(),
                "" if shape == 2 else email.upper() if shape == 1 else email,
                "" if shape == 0 and email else phone,
                rng.choice(ANTENNES),
                str(rng.randrange(2015, 2022)),
            ]
        )
    for i in range(60):  # volunteers who did not sign up to the campaign
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            [
                last.upper(),
                first,
                f"{first.lower()}.{last.lower()}{i}@example.org",
                f"01 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}",
                rng.choice(ANTENNES),
                str(rng.randrange(2015, 2022)),
            ]
        )
    rng.shuffle(rows)
    with OUT.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    print(f"{OUT.name}: {len(rows)} volunteers, {len(rows) - 60} of them signed up on Tally")


if __name__ == "__main__":
    main()
