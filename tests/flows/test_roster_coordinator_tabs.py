"""A tab a coordinator adds to their roster workbook stays there, push after push.

rollcall writes its own tabs from scratch; a coordinator's "Mes notes" is written back after
them with its values and formulas (a text that begins with "=" stays text). An erasure
deletes the rows of it that hold the erased person's reference, nothing else. Checked on
cell values and types, read with openpyxl as a spreadsheet program would.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Person, Registration

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"
OUR_TABS = ["Inscrits", "Émargement", "À compléter", "Nouveautés", "Résumé"]

pytestmark = pytest.mark.flow


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None) -> Path:
    shutil.copytree(EXAMPLE_DIR, tmp_path / "campaign", ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(tmp_path / "campaign")
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    return tmp_path / "campaign/campaign.toml"


def add_notes_tab(path: Path, first: str, second: str) -> None:
    """What a coordinator might keep beside the roster: references, text, dates, a number,
    a formula, and a registrant's name pasted as text that looks like a formula."""
    workbook = load_workbook(path)
    sheet = workbook.create_sheet("Mes notes")
    sheet.append(["Réf.", "Note", "Quand", "Places"])
    sheet.append([first, "Rappeler jeudi", datetime(2022, 10, 6), 3])
    sheet.append([second, None, datetime(2022, 10, 6, 14, 30), 2.5])
    sheet.append([None, "Total", None, "=SUM(D2:D3)"])
    sheet.cell(row=3, column=2).value = '=IMPORTXML("http://x")'
    sheet.cell(row=3, column=2).data_type = "s"  # typed as text, not a formula
    workbook.save(path)


def notes(path: Path) -> list[list[tuple[object, str]]]:
    """The tab's cells as (value, type): "f" formula, "s" text, "n" number, "d" date."""
    sheet = load_workbook(path)["Mes notes"]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def test_a_coordinators_tab_is_kept_by_a_push_and_loses_only_an_erased_persons_row(
    campaign: Path, migrated_url: str
) -> None:
    from prefect.blocks.system import Secret

    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import erase_person_flow

    nightly_sync(config=str(campaign))
    path = campaign.parent / "var/rosters/GNB Grenoble.xlsx"
    roster = [[c.value for c in row] for row in load_workbook(path)["Inscrits"].iter_rows()]
    col = {name: i for i, name in enumerate(roster[0])}
    with_email = [row for row in roster[1:] if row[col["Email"]]]
    first, second = with_email[0][col["Réf. inscription"]], with_email[1][col["Réf. inscription"]]
    add_notes_tab(path, first, second)
    before = notes(path)

    (campaign.parent / "data/tally-inscriptions.csv").open("a", encoding="utf-8").write(
        "zzNEW1,r1,2022-10-02 10:00:00,Nouvelle,Bénévole,nouvelle.benevole@example.org,06 11 22 33 44,Grenoble,Site web,Oui\n"
    )
    nightly_sync(config=str(campaign))
    workbook = load_workbook(path)
    assert "Nouvelle" in [c.value for c in workbook["Inscrits"]["B"]] + [c.value for c in workbook["Inscrits"]["C"]]
    assert [s.title for s in workbook.worksheets] == [*OUR_TABS, "Mes notes"]
    assert notes(path) == before
    assert before[2][1] == ('=IMPORTXML("http://x")', "s") and before[3][3] == ("=SUM(D2:D3)", "f")
    assert before[1][2] == (datetime(2022, 10, 6), "d") and before[2][3] == (2.5, "n")

    with session_scope(migrated_url) as session:
        registration = session.get(Registration, int(first[1:]))
        email = session.get(Person, registration.person_id).email
    Secret(value=email).save("erase-request-test", overwrite=True)
    erase_person_flow(request_block="erase-request-test", config=str(campaign))

    after = notes(path)
    assert after == [before[0], *before[2:]]  # their row gone, the rest moved up as typed
    assert not any(first == value for row in after for value, _ in row)
    nightly_sync(config=str(campaign))
    assert notes(path) == after
