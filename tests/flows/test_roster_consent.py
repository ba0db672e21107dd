"""Consent is per sign-up, end to end, on the rosters (RGPD).

Jeanne answered "Non" to consent on the web form and was also entered by staff on site (a
source without a consent question): the Paris roster shows her staff entry, never the form's
email. Marc refused on the Lille form and signed up at Paris on site: the Paris roster does
not show his Lille-form email or phone, and Lille shows no row of his. Alice, who said "Oui",
shows her form's contacts. Checked on cell values, after a sync and after a second one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rollcall.connectors import roster_files
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Signup

pytestmark = pytest.mark.flow

CAMPAIGN = """
[campaign]
code = "consent"
name = "Consent"
goal = 10
timezone = "Europe/Paris"

[rosters]
directory = "rosters"

[[sites]]
code = "PAR"
name = "Paris"
city = "Paris"
departement = "75"
date = 2022-10-08
capacity = 10

[[sites]]
code = "LIL"
name = "Lille"
city = "Lille"
departement = "59"
date = 2022-10-15
capacity = 10

[[sources]]
name = "formulaire"
label = "Formulaire"
kind = "csv"
path = "formulaire.csv"
timezone = "UTC"

[sources.fields]
external_id = "ID"
submitted_at = "Date"
first_name = "Prénom"
last_name = "Nom"
email = "Email"
phone = "Téléphone"
site = "Ville"
consent = "J'accepte que mes données soient utilisées"

[[sources]]
name = "sur-place"
label = "Sur place"
kind = "csv"
path = "sur-place.csv"

[sources.fields]
first_name = "Prénom"
last_name = "Nom"
phone = "Tél"
email = "Mail"
site = "Lieu"
submitted_at = "Date inscription"
"""

FORM = """ID,Date,Prénom,Nom,Email,Téléphone,Ville,J'accepte que mes données soient utilisées
f1,2022-09-10 10:00:00,Jeanne,Martin,jeanne.martin@gmail.com,06 11 22 33 44,Paris,Non
f2,2022-09-12 11:00:00,Marc,Petit,marc.petit@gmail.com,06 55 66 77 88,Lille,Non
f3,2022-09-13 12:00:00,Alice,Durand,alice.durand@example.org,06 99 88 77 66,Paris,Oui
"""

STAFF = """Nom,Prénom,Tél,Mail,Lieu,Date inscription
Martin,Jeanne,06 11 22 33 44,,Paris,01/10/2022 09:30
Petit,Marc,,marcpetit@gmail.com,Paris,01/10/2022 09:45
"""

REFUSED = {"jeanne.martin@gmail.com", "marc.petit@gmail.com", "06 55 66 77 88"}


def rows(path: Path) -> dict[str, dict[str, Any]]:
    """The roster's rows by first name: {column: value}."""
    grid = roster_files.read_tabs(path)["Inscrits"]
    header = [str(h) for h in grid[0]]
    first = header.index("Prénom")
    return {str(r[first]): {h: ("" if v is None else v) for h, v in zip(header, r)} for r in grid[1:]}


def every_cell(directory: Path) -> set[str]:
    return {
        str(v)
        for path in directory.glob("*.xlsx")
        for grid in roster_files.read_tabs(path).values()
        for row in grid
        for v in row
        if v is not None
    }


def test_a_refused_sign_up_gives_nothing_to_any_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    (tmp_path / "formulaire.csv").write_text(FORM, encoding="utf-8")
    (tmp_path / "sur-place.csv").write_text(STAFF, encoding="utf-8")
    config = tmp_path / "campaign.toml"
    config.write_text(CAMPAIGN, encoding="utf-8")

    for night in (1, 2):
        nightly_sync(config=str(config))
        paris = rows(tmp_path / "rosters/PAR Paris.xlsx")
        assert set(paris) == {"Jeanne", "Marc", "Alice"}, night
        assert (paris["Jeanne"]["Email"], paris["Jeanne"]["Téléphone"]) == ("", "06 11 22 33 44")
        assert (paris["Marc"]["Email"], paris["Marc"]["Téléphone"]) == ("marcpetit@gmail.com", "")
        assert (paris["Alice"]["Email"], paris["Alice"]["Téléphone"]) == ("alice.durand@example.org", "06 99 88 77 66")
        assert rows(tmp_path / "rosters/LIL Lille.xlsx") == {}
        assert not every_cell(tmp_path / "rosters") & REFUSED

    with session_scope(migrated_url) as session:  # each refused sign-up is in the same person as the staff entry
        people = {(s.first_name, s.consent): s.person_id for s in session.scalars(select(Signup))}
    assert people[("Jeanne", False)] == people[("Jeanne", None)]
    assert people[("Marc", False)] == people[("Marc", None)]
