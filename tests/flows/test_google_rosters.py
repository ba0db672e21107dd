"""Rosters pushed to Google Sheets through the nightly sync, against the local Sheets/Drive fake.

Two sites use a Google sheet (created and shared with their coordinators on the first push);
the fake validates every request against the discovery documents, counts reads and writes and
answers 429 past Google's quota.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.google_sheets import TOKEN, FakeGoogleSheets
from models.campaign import DATABASE_URL_ENV

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def google_campaign(tmp_path: Path, base_url: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    for code in ("GNB", "BRY"):
        text = text.replace(f'code = "{code}"', f'code = "{code}"\nroster = {{ kind = "google_sheet" }}')
    text = text.replace("[rosters]", f'[google]\nbase_url = "{base_url}"\n'
                        'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]')
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sheets_created_shared_filled_once_then_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from flows.nightly import nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", TOKEN)
    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        summary = nightly_sync(config=str(config))
        keys = {code: summary["sites"][code]["roster"] for code in ("GNB", "BRY")}
        assert len(fake.spreadsheets) == 2 and set(keys.values()) == set(fake.spreadsheets)
        grid = fake.grid(keys["GNB"], "Inscrits")
        assert grid[0][0] == "Réf. inscription" and len(grid) - 1 == summary["sites"]["GNB"]["registered"] + summary["sites"]["GNB"]["cancelled"]
        assert fake.notifications == [] and fake.formula_cells() == []
        shared = {p.get("emailAddress") for p in fake.spreadsheets[keys["GNB"]].permissions}
        assert "coordination.grenoble@example.org" in shared
        assert "coordination.brunoy@example.org" not in shared  # a site's sheet: its coordinators only
        assert len(list((tmp_path / "var/rosters").glob("*.xlsx"))) == 10  # the other sites
        writes_before = fake.count("write")

        nightly_sync(config=str(config))
        assert fake.count("write") == writes_before  # nothing changed: nothing written
        assert fake.throttled == []
        for key in keys.values():
            assert fake.count("read", key=key) <= 3
