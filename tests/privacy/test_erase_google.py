"""Erasure removes the person's rows from a Google sheet roster too (local Sheets fake).

The roster path does not depend on the database backend, so this runs on SQLite only."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.tables import Event, Person, Registration, Signup
from rollcall.transforms.emails import address_key

from fakes.google_sheets import FakeGoogleSheets

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

TITLES = ("Inscrits", "Nouveautés", "Résumé")

pytestmark = pytest.mark.flow


def google_campaign(tmp_path: Path, base_url: str) -> Path:
    """The example campaign with Grenoble's roster in a Google sheet."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    text = text.replace('code = "GNB"', 'code = "GNB"\nroster = { kind = "google_sheet" }')
    text = text.replace(
        "[rosters]",
        f'[google]\nbase_url = "{base_url}"\n'
        'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
    )
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_erasure_removes_the_rows_from_the_google_sheet(tmp_path: Path, sqlite_with_google: str) -> None:
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import erase

    url = sqlite_with_google
    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        summary = nightly_sync(config=str(config))
        key = summary["sites"]["GNB"]["roster"]
        with session_scope(url) as session:  # someone whose address is theirs alone (not a payer's)
            shared = {e for e, n in Counter(session.scalars(select(Signup.email_key))).items() if n > 1}
            registration_id, email = next(
                (rid, email)
                for rid, email in session.execute(
                    select(Registration.id, Person.email)
                    .join(Person)
                    .join(Event)
                    .where(Event.site_code == "GNB", Registration.status == "registered", Person.email.is_not(None))
                    .order_by(Registration.id)
                )
                if address_key(email) not in shared
            )
        ref = f"R{registration_id:05d}"
        before = fake.grid(key, "Inscrits")
        assert any(ref in row for row in before) and any(ref in row for row in fake.grid(key, "Nouveautés"))

        counts = erase(str(config), email=email)

        after = fake.grid(key, "Inscrits")
        assert counts["roster_rows_removed"] == 1
        assert len(after) == len(before) - 1 and after[0] == before[0]
        assert not any(ref in row or email in row for row in after)
        assert not any(ref in row for row in fake.grid(key, "Nouveautés"))
        assert [row for row in before if ref not in row] == after  # the others, in their order
        assert fake.formula_cells() == []


def test_erasure_reads_only_the_rosters_that_hold_the_person(tmp_path: Path, sqlite_with_google: str) -> None:
    """Three sites in Google sheets: erasing someone registered at Grenoble reads and writes
    Grenoble's spreadsheet only (two reads, one write), its Résumé is counted again without
    them (and a household member sharing their phone, erased with them), and the next sync writes nothing
    anywhere: the erasure left what a clean push writes."""
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import erase

    url = sqlite_with_google
    with FakeGoogleSheets() as fake:
        config = google_campaign(tmp_path, fake.url)
        text = config.read_text(encoding="utf-8")
        for code in ("PAR", "LIL"):
            text = text.replace(f'code = "{code}"', f'code = "{code}"\nroster = {{ kind = "google_sheet" }}')
        config.write_text(text, encoding="utf-8")
        sites = nightly_sync(config=str(config))["sites"]
        keys = {code: sites[code]["roster"] for code in ("PAR", "LIL", "GNB")}
        with session_scope(url) as session:
            held: dict[tuple[int, str], list[tuple[str, str]]] = {}
            for person_id, email, site, status in session.execute(
                select(Person.id, Person.email, Event.site_code, Registration.status)
                .join(Registration, Registration.person_id == Person.id)
                .join(Event)
                .where(Person.email.is_not(None))
            ):
                held.setdefault((person_id, email), []).append((site, status))
        email = min((key for key, regs in held.items() if regs == [("GNB", "registered")]))[1]
        summary = fake.grid(keys["GNB"], "Résumé")
        calls = {code: (fake.count("read", key), fake.count("write", key)) for code, key in keys.items()}

        counts = erase(str(config), email=email)

        assert fake.count("read", keys["GNB"]) - calls["GNB"][0] == 2
        assert fake.count("write", keys["GNB"]) - calls["GNB"][1] == 1
        for code in ("PAR", "LIL"):
            assert (fake.count("read", keys[code]), fake.count("write", keys[code])) == calls[code], code
        assert fake.grid(keys["GNB"], "Résumé")[1] == ["Inscrits", summary[1][1] - counts["roster_rows_removed"]]
        every = {(code, title): fake.grid(key, title) for code, key in keys.items() for title in TITLES}
        writes = fake.count("write")

        nightly_sync(config=str(config))

        assert fake.count("write") == writes
        assert {(code, title): fake.grid(key, title) for code, key in keys.items() for title in TITLES} == every
