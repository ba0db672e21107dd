"""Erasure, site isolation and quiet logs, end to end on the bundled sample (SQLite and
PostgreSQL), under the shared Prefect test harness."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import or_, select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import AuditEntry, Event, Person, RawRecord, Registration, Signup
from rollcall.transforms.phones import format_national
from rollcall.transforms.privacy import mask_email, mask_phone

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"

pytestmark = pytest.mark.flow


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None) -> Path:
    """A copy of the example campaign (its source files may be edited), run from its folder."""
    shutil.copytree(EXAMPLE_DIR, tmp_path / "campaign", ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(tmp_path / "campaign")  # rosters land in var/rosters beside the campaign file
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    return tmp_path / "campaign/campaign.toml"


def workbooks(directory: Path) -> dict[str, list[list]]:
    """Every roster workbook's tabs' rows, by file name."""
    found = {}
    for path in sorted(directory.glob("*.xlsx")):
        book = load_workbook(path, read_only=True)
        found[path.name] = {
            sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
        }
        book.close()
    return found


def cells(books: dict) -> set[str]:
    return {str(v) for tabs in books.values() for rows in tabs.values() for row in rows for v in row if v is not None}


def a_tally_registrant(url: str) -> tuple[str, str, int, list[str]]:
    """Email, phone and person id of a registrant who came through Tally, and their roster ids."""
    with session_scope(url) as session:
        signup = session.scalars(
            select(Signup)
            .where(
                Signup.source == "tally",
                Signup.email.is_not(None),
                Signup.phone.is_not(None),
                Signup.person_id.is_not(None),
            )
            .order_by(Signup.id)
        ).first()
        ids = session.scalars(
            select(Registration.id).where(
                Registration.person_id == signup.person_id, Registration.status.in_(["registered", "cancelled"])
            )
        )
        return signup.email, signup.phone, signup.person_id, [f"R{i:05d}" for i in ids]


def test_erased_person_leaves_db_and_rosters_and_does_not_come_back(
    campaign: Path, migrated_url: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Sync, check site isolation, erase one registrant, sync again from a source that still
    holds them (edited): gone from the database and the workbooks, redacted, audited without
    their data, not back; and no contact of anyone in the logs of it all."""
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.privacy import erase_person_flow

    with caplog.at_level(logging.DEBUG):
        nightly_sync(config=str(campaign))
        contacts = all_contacts(migrated_url)
        assert_sites_isolated(migrated_url, workbooks(Path("var/rosters")))
        email, phone, person_id, roster_ids = a_tally_registrant(migrated_url)
        assert roster_ids and set(roster_ids) <= cells(workbooks(Path("var/rosters")))

        from prefect.blocks.system import Secret

        Secret(value=email.upper()).save("erase-request-test", overwrite=True)
        state = erase_person_flow(request_block="erase-request-test", config=str(campaign), return_state=True)
        assert_erased(migrated_url, state, email, phone, person_id, roster_ids)
        with pytest.raises(ValueError):  # the request, with its identifier, is gone
            Secret.load("erase-request-test")

        tally = campaign.parent / "data/tally-inscriptions.csv"
        text = tally.read_text(encoding="utf-8")
        assert email in text
        tally.write_text(text.replace(email, email.upper()), encoding="utf-8")  # a new version of their row
        nightly_sync(config=str(campaign))
    with session_scope(migrated_url) as session:
        assert (
            session.scalars(select(Signup.id).where(or_(Signup.email_key == email, Signup.phone == phone))).all() == []
        )
        assert session.scalars(select(Person.id).where(or_(Person.email == email, Person.phone == phone))).all() == []
        payloads = json.dumps(session.scalars(select(RawRecord.payload)).all(), ensure_ascii=False)
    assert email.upper() not in payloads
    assert not {email, email.upper(), format_national(phone)} & cells(workbooks(Path("var/rosters")))

    captured = capfd.readouterr()
    seen = caplog.text + captured.out + captured.err
    assert len(contacts) > 1000
    assert sorted(v for v in contacts if v in seen) == []


def assert_erased(url: str, state, email: str, phone: str, person_id: int, roster_ids: list[str]) -> None:
    from prefect.client.orchestration import get_client

    counts = state.result()
    assert counts["people"] == 1 and counts["roster_rows_removed"] == len(roster_ids)
    assert email not in json.dumps(counts)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert email.upper() not in json.dumps(run.parameters) and run.name == "erase-person"
    assert not {email, format_national(phone), *roster_ids} & cells(workbooks(Path("var/rosters")))
    with session_scope(url) as session:
        assert session.get(Person, person_id) is None
        assert (
            session.scalars(select(Signup.id).where(or_(Signup.email_key == email, Signup.phone == phone))).all() == []
        )
        payloads = json.dumps(session.scalars(select(RawRecord.payload)).all(), ensure_ascii=False)
        audit = session.scalars(select(AuditEntry)).one()
    assert email not in payloads and phone not in payloads and '{"redacted": true}' in payloads
    assert audit.action == "erase" and email not in json.dumps(audit.counts) + (audit.reason or "")


def assert_sites_isolated(url: str, books: dict) -> None:
    """Every row of a site's workbook is a registration at that site, of someone registered there."""
    with session_scope(url) as session:
        site_of = dict(session.execute(select(Registration.id, Event.site_code).join(Event)).all())
        emails_by_site: dict[str, set[str]] = {}
        for site, person_email in session.execute(
            select(Event.site_code, Person.email).select_from(Registration).join(Event).join(Person)
        ):
            emails_by_site.setdefault(site, set()).add(person_email)
    assert len(books) == 12
    for name, tabs in books.items():
        code = name.split()[0]
        header, *rows = tabs["Inscrits"]
        ref, mail = header.index("Réf. inscription"), header.index("Email")
        assert rows, name
        assert {site_of[int(r[ref][1:])] for r in rows} == {code}, name
        assert {r[mail] for r in rows if r[mail]} <= emails_by_site[code], name


def all_contacts(url: str) -> set[str]:
    """Every email and phone of the sample as stored, as a roster shows it, and masked."""
    with session_scope(url) as session:
        rows = session.execute(select(Signup.email, Signup.phone)).all()
    emails = {e for e, _ in rows if e}
    phones = {p for _, p in rows if p}
    return (
        emails
        | phones
        | {format_national(p) for p in phones}
        | {mask_email(e) for e in emails}
        | {mask_phone(p) for p in phones}
    )
