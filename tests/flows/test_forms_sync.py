"""A web form through the whole nightly sync: pages, a crash mid-pull, an edit, no credentials.

Tally's local fake serves the API on a real socket; the flow builds the real connector
from the campaign file and the token from the environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from form_campaigns import EXAMPLE, campaign_with_tally
from sqlalchemy import func, select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Person, RawRecord, Registration, Signup, SourceCursor

from fakes.http_server import FakeServer
from fakes.tally import TOKEN, generate_submissions, serve_tally

pytestmark = pytest.mark.flow


@pytest.fixture
def tally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_TALLY_TOKEN", TOKEN)
    with FakeServer() as server:
        fake = serve_tally(server, generate_submissions(60, seed=3))
        yield server, fake, campaign_with_tally(tmp_path, server.url)


def counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (RawRecord, Signup, Person, Registration)
        }


def test_crash_mid_pull_then_rerun_adds_exactly_what_was_missing(tally, migrated_url: str) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    server, fake, config = tally
    # page 1 answers, page 2 is cut off mid-body: the source fails, page 1 stays landed
    first_page = 20
    calls = {"n": 0}
    original = server.dispatch

    def fail_second_page(request):
        if request.path.endswith("/submissions"):
            calls["n"] += 1
            if calls["n"] == 2:
                server.inject("malformed", path="/submissions", times=4)  # past the re-asks
        return original(request)

    server.dispatch = fail_second_page
    with pytest.raises(SyncFailed, match="tally-form"):
        nightly_sync(config=str(config))
    assert counts(migrated_url)["raw_records"] == first_page
    with session_scope(migrated_url) as session:
        assert session.scalar(select(SourceCursor.cursor)) is None  # not ahead of the data
    server.dispatch = original
    nightly_sync(config=str(config))
    after = counts(migrated_url)
    assert after["raw_records"] == after["signups"] == 60
    assert after["registrations"] == after["people"]
    nightly_sync(config=str(config))
    assert counts(migrated_url) == after


def test_edited_submission_is_a_new_version_not_a_new_person(tally, migrated_url: str) -> None:
    """Even a corrected first name: the same submission is the same person."""
    from rollcall.flows.nightly import nightly_sync

    server, fake, config = tally
    nightly_sync(config=str(config))
    before = counts(migrated_url)
    edited = dict(fake.submissions[-1])
    edited["responses"] = [
        {**r, "answer": "Hélène-Marie"} if r["questionId"] == "EKOE2N" else r for r in edited["responses"]
    ]
    fake.upsert(edited)
    nightly_sync(config=str(config))
    after = counts(migrated_url)
    assert after["raw_records"] == before["raw_records"] + 1
    assert (after["people"], after["registrations"]) == (before["people"], before["registrations"])
    with session_scope(migrated_url) as session:
        current = session.scalars(
            select(RawRecord.is_current).where(RawRecord.external_id == edited["id"]).order_by(RawRecord.id)
        ).all()
    assert current == [False, True]


@pytest.mark.parametrize("seed", range(3))
def test_a_deletion_during_a_pull_loses_no_other_submission(tally, migrated_url: str, seed: int) -> None:
    """Tally pages newest first: deleting a submission already served shifts the later pages,
    so one submission is missing from that listing. It must not be taken for deleted (nor
    skipped). The deleted one, listed before it went, leaves at the next sync."""
    import random

    from rollcall.flows.nightly import nightly_sync

    server, fake, config = tally
    nightly_sync(config=str(config))
    rng = random.Random(seed)
    served_page = rng.choice([1, 2])
    deleted: list[str] = []

    def delete_one_already_served(n: int, body: dict) -> dict:
        if n == served_page and not deleted:  # the first read of the next sync
            victim = rng.choice(body["submissions"])["id"]
            fake.delete(victim)
            deleted.append(victim)
        return body

    def current() -> set[str]:
        with session_scope(migrated_url) as session:
            return set(session.scalars(select(RawRecord.external_id).where(RawRecord.is_current.is_(True))))

    fake.served, fake.tamper = 0, delete_one_already_served
    nightly_sync(config=str(config))
    assert deleted and current() - set(deleted) == {s["id"] for s in fake.submissions}
    fake.tamper = None
    nightly_sync(config=str(config))
    assert current() == {s["id"] for s in fake.submissions}


def test_form_without_credentials_is_skipped_and_said(
    tally, migrated_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from rollcall.flows.nightly import nightly_sync

    server, _, _ = tally
    monkeypatch.delenv("ROLLCALL_TEST_TALLY_TOKEN")
    summary = nightly_sync(config=str(campaign_with_tally(tmp_path, server.url, enabled='"if-credentials"')))
    assert summary["sources"]["tally-form"]["this_run"] == {"skipped": "ROLLCALL_TEST_TALLY_TOKEN is not set"}
    assert server.count() == 0


def test_wrong_token_fails_the_source_without_leaking_it(
    tally, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    _, _, config = tally
    monkeypatch.setenv("ROLLCALL_TEST_TALLY_TOKEN", "tly-wrong-secret-value")
    with pytest.raises(SyncFailed) as failure:
        nightly_sync(config=str(config))
    assert "token for source tally-form rejected" in str(failure.value)
    assert "tly-wrong-secret-value" not in str(failure.value)


def test_mapping_to_a_question_the_form_lacks_fails_that_source_only(tally, migrated_url: str, tmp_path: Path) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    server, _, config = tally
    text = config.read_text(encoding="utf-8").replace('last_name = "Nom"', 'last_name = "Nom de famille"')
    text += (
        f'\n[[sources]]\nname = "sur-place"\nkind = "xlsx"\npath = "{EXAMPLE.parent}/data/inscriptions-sur-place.xlsx"\n'
        '[sources.fields]\nlast_name = "Nom"\nfirst_name = "Prénom"\nphone = "Tél"\nemail = "Mail"\nsite = "Lieu"\n'
    )
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SyncFailed, match=r"source tally-form: the field mapping names \['Nom de famille'\]"):
        nightly_sync(config=str(config))
    with session_scope(migrated_url) as session:
        assert set(session.scalars(select(RawRecord.source).distinct())) == {"sur-place"}
    assert server.count(path="/submissions") == 0
