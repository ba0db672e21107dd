"""A staff Google sheet as a source: read unformatted, landed raw, and a snapshot (a row
that disappears cancels its registration unless another record of the person remains)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Event, Person, Registration

from fakes.google_sheets import TOKEN, FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow

HEADER = ["Nom", "Prénom", "Tél", "Mail", "Lieu"]
ROWS = [
    ["ROUX", "Anne", 612345678, "anne.roux@example.org", "Grenoble"],  # a phone typed as a number
    ["Petit", "Louis", "07 81 22 33 44", "", "Grenoble"],
    ["Morel", "Inès", "", "ines.morel@example.org", "Brunoy 91"],
]


def campaign(tmp_path: Path, base_url: str, key: str) -> Path:
    sites = EXAMPLE.read_text(encoding="utf-8").split("# --- Sources")[0]
    sites = sites.replace(
        "[rosters]",
        f'[google]\nbase_url = "{base_url}"\n'
        'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
    )
    path = tmp_path / "campaign.toml"
    path.write_text(
        sites
        + f"""
[[sources]]
name = "accueil"
kind = "google_sheet"
spreadsheet = "{key}"
sheet = "Inscriptions"

[sources.fields]
last_name = "Nom"
first_name = "Prénom"
phone = "Tél"
email = "Mail"
site = "Lieu"
""",
        encoding="utf-8",
    )
    return path


def statuses(url: str) -> dict[str, str]:
    with session_scope(url) as session:
        rows = session.execute(
            select(Person.first_name, Event.site_code, Registration.status)
            .join(Registration, Registration.person_id == Person.id)
            .join(Event, Event.id == Registration.event_id)
        ).all()
    return {f"{name}@{site}": status for name, site, status in rows}


def test_staff_sheet_rows_come_and_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", TOKEN)
    with FakeGoogleSheets() as fake:
        book = fake.create_spreadsheet("Accueil Grenoble", tabs=("Inscriptions",))
        fake.set_grid(book.id, "Inscriptions", [HEADER, *ROWS])
        config = campaign(tmp_path, fake.url, book.id)
        nightly_sync(config=str(config))
        assert statuses(migrated_url) == {"Anne@GNB": "registered", "Louis@GNB": "registered", "Inès@BRY": "registered"}
        fake.set_grid(book.id, "Inscriptions", [HEADER, ROWS[0], ROWS[2]])  # Louis's row deleted
        summary = nightly_sync(config=str(config))
        assert summary["sources"]["accueil"]["this_run"]["removed"] == 1
        assert statuses(migrated_url)["Louis@GNB"] == "removed"  # as if never signed up; kept for its reference
        fake.set_grid(book.id, "Inscriptions", [HEADER, *ROWS])  # put back: registered again
        nightly_sync(config=str(config))
        assert statuses(migrated_url)["Louis@GNB"] == "registered"
