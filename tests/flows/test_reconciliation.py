"""A form read only incrementally (``full_read = false``) is still read whole once a week and
whenever asked: a submission deleted at the provider leaves within one reconciliation.

No Prefect: ``land_form`` is the plain function the pull task runs, on both databases,
against Tally's local fake on a real socket.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from form_campaigns import campaign_with_tally
from sqlalchemy import select

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.flows.landing import land_form
from rollcall.flows.sources import build_connector
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign
from rollcall.models.tables import RawRecord

from fakes.http_server import FakeServer
from fakes.tally import TOKEN, generate_submissions, serve_tally

T0 = datetime(2022, 9, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def incremental(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str):
    """A Tally form set to ``full_read = false``, and a function pulling it at a given time."""
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    monkeypatch.setenv("ROLLCALL_TEST_TALLY_TOKEN", TOKEN)
    with FakeServer() as server:
        fake = serve_tally(server, generate_submissions(45, seed=5))
        config = campaign_with_tally(tmp_path, server.url)
        config.write_text(
            config.read_text(encoding="utf-8").replace("page_size = 20\n", "page_size = 20\nfull_read = false\n"),
            encoding="utf-8",
        )
        campaign = load_campaign(config)
        source = campaign.sources[0]
        with session_scope(migrated_url) as session:
            run_id = store.start_run(session, campaign.campaign.code, None)

        def pull(at: datetime, full_read: bool = False) -> dict:
            return land_form(campaign, source, build_connector(source), run_id, full_read=full_read, now=at)

        yield fake, pull


def current(url: str) -> set[str]:
    with session_scope(url) as session:
        return set(session.scalars(select(RawRecord.external_id).where(RawRecord.is_current.is_(True))))


def test_deleted_at_the_provider_leaves_at_the_weekly_reconciliation(incremental, migrated_url: str) -> None:
    fake, pull = incremental
    assert pull(T0)["full_read"]  # never read whole: the first pull is
    held = {s["id"] for s in fake.submissions}
    assert current(migrated_url) == held
    gone = fake.submissions[7]["id"]
    fake.delete(gone)
    for day in range(1, 7):  # incremental nights: the deletion is not seen
        assert not pull(T0 + timedelta(days=day))["full_read"]
        assert current(migrated_url) == held
    reconciled = pull(T0 + timedelta(days=7))
    assert reconciled["full_read"] and reconciled["removed"] == 1
    assert current(migrated_url) == held - {gone}
    assert not pull(T0 + timedelta(days=8))["full_read"]  # the week starts again


def test_a_full_read_on_demand_reconciles_at_once(incremental, migrated_url: str) -> None:
    fake, pull = incremental
    pull(T0)
    gone = fake.submissions[0]["id"]
    fake.delete(gone)
    assert not pull(T0 + timedelta(hours=1))["full_read"]
    asked = pull(T0 + timedelta(hours=2), full_read=True)
    assert asked["full_read"] and asked["removed"] == 1
    assert current(migrated_url) == {s["id"] for s in fake.submissions}
