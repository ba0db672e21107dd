"""A large backlog is normalised by worker processes (``flows.record_normaliser``): the
sign-ups and quarantine entries stored are those of normalising in this process, whatever
the pages, and a worker that dies costs time, never a record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select
from worker_pools import PipeClosedPool

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.flows import normalising
from rollcall.flows.landing import land_file
from rollcall.flows.record_normaliser import PageNormaliser, RecordNormaliser
from rollcall.models.campaign import DATABASE_URL_ENV, Campaign, FileSource, load_campaign
from rollcall.models.tables import QuarantineEntry, RawRecord, Signup

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"


def landed_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> tuple[Campaign, int]:
    """The sample campaign's exports landed raw by a sync run, nothing normalised yet."""
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    campaign = load_campaign(config)
    with session_scope(url) as session:
        run_id = store.start_run(session, campaign.campaign.code, None)
    for source in campaign.sources:
        if isinstance(source, FileSource):
            land_file(campaign, source, run_id)
    return campaign, run_id


def stored(url: str) -> tuple[list[tuple], list[tuple]]:
    """Every sign-up and quarantine entry as stored, ids and times aside."""
    with session_scope(url) as session:
        signups = [
            (
                s.raw_record_id, s.source, s.event_id, s.first_name, s.last_name, s.email, s.email_key, s.phone,
                s.submitted_at, s.consent, s.cancelled, tuple(s.warnings), s.time_slot, s.remarks, s.minor,
            )
            for s in session.scalars(select(Signup).order_by(Signup.raw_record_id))
        ]  # fmt: skip
        quarantined = [
            (q.raw_record_id, q.source, q.reason_code, q.field, q.reason_fr, q.reason_en)
            for q in session.scalars(select(QuarantineEntry).order_by(QuarantineEntry.raw_record_id))
        ]
    return signups, quarantined


def forget_outcomes(url: str) -> None:
    with session_scope(url) as session:
        session.execute(delete(Signup))
        session.execute(delete(QuarantineEntry))


def test_workers_store_what_this_process_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str
) -> None:
    campaign, run_id = landed_sample(tmp_path, monkeypatch, migrated_url)
    monkeypatch.setattr(normalising, "PAGE_SIZE", 7)  # many pages, several in the workers at once
    in_workers = normalising.normalise_pending_records(campaign, run_id, parallel_from=1)
    by_workers = stored(migrated_url)
    forget_outcomes(migrated_url)
    here = normalising.normalise_pending_records(campaign, run_id, parallel_from=10**9)

    assert here == in_workers
    assert stored(migrated_url) == by_workers
    signups, quarantined = by_workers
    assert signups and quarantined  # the sample holds both
    assert here["signups"] == len(signups) and here["quarantined"] == len(quarantined)


def test_a_backlog_under_the_threshold_starts_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str
) -> None:
    campaign, run_id = landed_sample(tmp_path, monkeypatch, migrated_url)
    started: list[int] = []
    real_enter = PageNormaliser.__enter__

    def enter(self: PageNormaliser) -> PageNormaliser:
        started.append(self.processes)
        return real_enter(self)

    monkeypatch.setattr(PageNormaliser, "__enter__", enter)
    with session_scope(migrated_url) as session:
        backlog = len(session.scalars(select(RawRecord.id).where(RawRecord.is_current.is_(True))).all())
    normalising.normalise_pending_records(campaign, run_id, parallel_from=backlog + 1)
    forget_outcomes(migrated_url)
    normalising.normalise_pending_records(campaign, run_id, parallel_from=backlog)
    assert started[0] == 0 and started[1] >= 1


class Pending:
    """A pending record as ``store`` hands it: its source's name and its payload."""

    def __init__(self, source: str, payload: dict[str, str]) -> None:
        self.source, self.payload = source, payload


def pages_of_the_sample_source(campaign: Campaign) -> list[list[Pending]]:
    """Eight pages of five records of the sample's first source (JeVeuxAider), half usable."""
    source = campaign.sources[0].name
    payloads = [
        {"benevole_prenom": f"Zoé{i}", "benevole_nom": "Martin", "benevole_email": f"z{i}@example.org",
         "mission_nom": "Paris" if i % 2 else "nulle part"}
        for i in range(40)
    ]  # fmt: skip
    return [[Pending(source, p) for p in payloads[i : i + 5]] for i in range(0, len(payloads), 5)]


def normalised_here(campaign: Campaign, pages: list[list[Pending]]) -> list[list[object]]:
    normaliser = RecordNormaliser.of(campaign)
    return [normaliser.outcomes([(r.source, r.payload) for r in page]) for page in pages]


def test_a_dead_worker_costs_time_not_records(caplog: pytest.LogCaptureFixture) -> None:
    campaign = load_campaign(EXAMPLE)
    pages = pages_of_the_sample_source(campaign)
    with PageNormaliser(campaign, processes=2) as workers:

        def killing_after_the_first() -> object:
            yield pages[0]
            assert workers._pool is not None
            for process in list(workers._pool._processes.values()):  # the workers die mid-run
                process.kill()
            yield from pages[1:]

        results = list(workers.normalised(killing_after_the_first()))
    expected = normalised_here(campaign, pages)
    assert [outcomes for _, outcomes in results] == expected
    assert {type(o).__name__ for page in expected for o in page} == {"NormalisedSignup", "Rejection"}
    assert "normalising in this process" in caplog.text


def test_a_pool_refusing_work_as_its_worker_dies_costs_time_not_records() -> None:
    campaign = load_campaign(EXAMPLE)
    pages = pages_of_the_sample_source(campaign)
    with PageNormaliser(campaign, processes=2) as workers:
        assert workers._pool is not None
        workers._pool.shutdown()
        workers._pool = PipeClosedPool(max_workers=1)
        results = list(workers.normalised(pages))
        assert workers._pool is None  # the rest normalised here
    assert [outcomes for _, outcomes in results] == normalised_here(campaign, pages)
