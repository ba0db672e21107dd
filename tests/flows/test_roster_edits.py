"""A coordinator works in the local roster workbook between two syncs: nothing they typed is lost.

The embedded XLSX target follows the Google sheet's rules: rows keyed by registration id,
the coordinator's order, ticks, notes and columns kept (and stored in the database), a
pipeline cell they changed kept and flagged, new registrations appended once.
"""

from __future__ import annotations

import shutil
from datetime import datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import RosterState

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"

pytestmark = pytest.mark.flow


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None) -> Path:
    shutil.copytree(EXAMPLE_DIR, tmp_path / "campaign", ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    return tmp_path / "campaign/campaign.toml"


def test_coordinator_edits_survive_the_next_sync(campaign: Path, tmp_path: Path, migrated_url: str) -> None:
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(campaign))
    path = campaign.parent / "var/rosters/GNB Grenoble.xlsx"  # beside the campaign file
    workbook = load_workbook(path)
    sheet = workbook["Inscrits"]
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    rows.reverse()  # the coordinator sorts the tab their way
    ticked, noted, edited = rows[0][0], rows[1][0], rows[2][0]
    rows[0][col["Présent"]] = True
    rows[1][col["Notes"]] = "Vient avec sa sœur"
    rows[2][col["Téléphone"]] = "06 00 00 00 00"  # a pipeline cell corrected by hand
    header.append("Covoiturage")
    rows[3].append("oui")
    rows.insert(5, [None] * col["Notes"] + ["Appeler l'accueil avant 9h"])  # the coordinator's own line
    sheet.delete_rows(1, sheet.max_row)
    for row in [header, *rows]:
        sheet.append(row)
    workbook.save(path)

    (campaign.parent / "data/tally-inscriptions.csv").open("a", encoding="utf-8").write(
        "zzNEW1,r1,2022-10-02 10:00:00,Nouvelle,Bénévole,nouvelle.benevole@example.org,06 11 22 33 44,Grenoble,Site web,Oui\n"
    )
    summary = nightly_sync(config=str(campaign))

    workbook = load_workbook(path)
    sheet = workbook["Inscrits"]
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    after = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    by_id = {row[col["Réf. inscription"]]: row for row in after if row[col["Réf. inscription"]]}
    ids = [row[col["Réf. inscription"]] for row in after if row[col["Réf. inscription"]]]
    assert len(ids) == len(set(ids)) == len(rows) - 1 + 1  # nobody twice; the new one added
    assert ids[:3] == [ticked, noted, edited]  # the coordinator's order is kept
    assert by_id[ticked][col["Présent"]] is True
    assert by_id[noted][col["Notes"]] == "Vient avec sa sœur"
    assert by_id[edited][col["Téléphone"]] == "06 00 00 00 00" and by_id[edited][col["À vérifier"]]
    assert "Covoiturage" in header and by_id[rows[3][0]][col["Covoiturage"]] == "oui"
    assert after[5][col["Notes"]] == "Appeler l'accueil avant 9h"
    assert after[-1][col["Prénom"]] == "Nouvelle"
    assert summary["sites"]["GNB"]["conflicts"] == 1
    assert [r.title for r in workbook.worksheets] == ["Inscrits", "Émargement", "À compléter", "Nouveautés", "Résumé"]

    with session_scope(migrated_url) as session:
        states = {f"R{s.registration_id:05d}": s for s in session.scalars(select(RosterState))}
    assert states[ticked].present is True
    assert states[noted].notes == "Vient avec sa sœur"
    assert states[edited].conflicts == 1
    assert states[rows[3][0]].extras == {"Covoiturage": "oui"}


def test_a_coordinators_time_and_date_columns_survive_the_next_sync(
    campaign: Path, tmp_path: Path, migrated_url: str
) -> None:
    """An arrival time ("14:30") in a column of their own used to fail the site's push every
    night (a row's state is JSON); a date of theirs came back as 44837."""
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(campaign))
    path = campaign.parent / "var/rosters/GNB Grenoble.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["Inscrits"]
    first = sheet.max_column + 1
    reference = sheet.cell(row=2, column=1).value
    typed = {"Arrivée": (time(14, 30), "hh:mm"), "Rappel le": (datetime(2022, 10, 3), "dd/mm/yyyy")}
    for offset, (header, (value, number_format)) in enumerate(typed.items()):
        sheet.cell(row=1, column=first + offset).value = header
        sheet.cell(row=2, column=first + offset).value = value
        sheet.cell(row=2, column=first + offset).number_format = number_format
    workbook.save(path)
    (campaign.parent / "data/tally-inscriptions.csv").open("a", encoding="utf-8").write(
        "zzNEW1,r1,2022-10-02 10:00:00,Nouvelle,Bénévole,nouvelle.benevole@example.org,06 11 22 33 44,Grenoble,Site web,Oui\n"
    )  # so that Grenoble's workbook is rewritten

    summary = nightly_sync(config=str(campaign))

    assert summary["sites"]["GNB"]["roster_written"] and not summary["sites"]["GNB"]["roster_error"]
    sheet = load_workbook(path)["Inscrits"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == reference)
    for name, (value, number_format) in typed.items():
        assert (row[header.index(name)].value, row[header.index(name)].number_format) == (value, number_format)
    with session_scope(migrated_url) as session:
        state = session.get(RosterState, int(reference[1:]))
    assert state is not None and state.extras == {"Arrivée": 14.5 / 24, "Rappel le": 44837.0}
