"""A roster spreadsheet rollcall creates speaks the coordinators' language (local Sheets/Drive
fake): Drive makes it in the service account's en_US and GMT; its first push, the one
batchUpdate that makes its tabs, sets fr_FR and the campaign's time zone, at no request more.
What a coordinator types in Appelé and Notes is kept as typed: "08/10" stays text, in the sheet
and in the database, where an unformatted fr_FR cell would have made it a date."""

from __future__ import annotations

from pathlib import Path

import pytest

from rollcall.connectors.database import session_scope
from rollcall.models.tables import RosterState

from fakes.google_sheets import FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def test_a_created_roster_is_in_french_and_the_campaigns_time_zone(tmp_path: Path, sqlite_with_google: str) -> None:
    from rollcall.flows.nightly import nightly_sync

    url = sqlite_with_google
    with FakeGoogleSheets() as fake:
        text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
        text = text.replace('code = "GNB"', 'code = "GNB"\nroster = { kind = "google_sheet" }')
        text = text.replace(
            "[rosters]",
            f'[google]\nbase_url = "{fake.url}"\n'
            'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
        )
        config = tmp_path / "campaign.toml"
        config.write_text(text, encoding="utf-8")

        key = nightly_sync(config=str(config))["sites"]["GNB"]["roster"]

        book = fake.spreadsheets[key]
        assert (book.locale, book.time_zone) == ("fr_FR", "Europe/Paris")
        assert fake.count("write", key) == 1  # tabs, values, formats and settings in one batchUpdate
        assert fake.grid(key, "Inscrits", "FORMATTED_VALUE")[0][0] == "Réf. inscription"
        header = fake.grid(key, "Inscrits")[0]
        fake.type_in(key, "Inscrits", 1, header.index("Appelé"), "08/10")
        fake.type_in(key, "Inscrits", 1, header.index("Notes"), "1/2 journée")
        fake.type_in(key, "Inscrits", 1, len(header), "08/10")  # a cell of no column of ours

        nightly_sync(config=str(config))

        assert fake.count("write", key) == 1  # nothing pending: the next push writes nothing
        row = fake.grid(key, "Inscrits")[1]
        assert row[header.index("Appelé")] == "08/10" and row[header.index("Notes")] == "1/2 journée"
        assert isinstance(row[len(header)], int)  # what Sheets does with "08/10" in a date-guessing cell
        with session_scope(url) as session:
            state = session.get_one(RosterState, int(row[0][1:]))
        assert (state.called, state.notes) == ("08/10", "1/2 journée")
