"""The nightly sync end to end, on the bundled sample data, on SQLite and PostgreSQL.

Runs under one Prefect test harness for the session. Each test checks a promise the README
makes: 12 rosters, nobody twice, every row accounted for, a second run changes nothing.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort
from roster_workbooks import roster_rows
from sqlalchemy import func, select

from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign
from rollcall.models.tables import Event, Person, QuarantineEntry, RawRecord, Registration, Signup, SyncRun
from rollcall.transforms.phones import format_national

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"
EXAMPLE = EXAMPLE_DIR / "campaign.toml"

pytestmark = pytest.mark.flow


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None) -> Path:
    """A copy of the example campaign (rosters land in its var/rosters), run from there
    against the test database."""
    shutil.copytree(EXAMPLE_DIR, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("var"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    return tmp_path


def table_counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (RawRecord, Signup, QuarantineEntry, Person, Registration)
        }


def test_sync_writes_twelve_rosters_and_a_summary_matching_the_database(workdir: Path, migrated_url: str) -> None:
    from rollcall.flows.nightly import nightly_sync

    summary = nightly_sync(config=str(workdir / "campaign.toml"))
    rosters = roster_rows(workdir / "var/rosters")
    assert len(rosters) == 12
    for name, rows in rosters.items():
        people = [(r["Nom"], r["Prénom"], r["Email"], r["Téléphone"]) for r in rows]
        assert len(people) == len(set(people)), f"{name} lists someone twice"
    with session_scope(migrated_url) as session:
        registered = session.scalar(select(func.count()).where(Registration.status == "registered"))
        shown = session.scalar(select(func.count()).where(Registration.status.in_(["registered", "cancelled"])))
        run = session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
    assert summary["registered"] == registered > 1000
    assert sum(len(rows) for rows in rosters.values()) == shown
    assert run.status == "completed" and run.summary == summary
    # the dashboard takes the counts the report has just read (``VolunteerCounts``): the same
    # as reading them again, so the page and the report agree
    from rollcall.flows.dashboard import VolunteerCounts, dashboard_data

    campaign, when = load_campaign(workdir / "campaign.toml"), (date(2022, 10, 1), datetime(2022, 10, 1, 6))
    reported = VolunteerCounts.of_summary(summary)
    with session_scope(migrated_url) as session:
        assert reported == VolunteerCounts.read(session, campaign.campaign.code) and reported.new > 0
        assert dashboard_data(session, campaign, *when, reported) == dashboard_data(session, campaign, *when)


def test_every_row_is_raw_and_either_a_signup_or_quarantined(workdir: Path, migrated_url: str) -> None:
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(workdir / "campaign.toml"))
    truth = load_truth()
    with session_scope(migrated_url) as session:
        raw = session.scalar(select(func.count()).select_from(RawRecord))
        signups = session.scalar(select(func.count()).select_from(Signup))
        quarantined = session.scalar(select(func.count()).select_from(QuarantineEntry))
        reasons = session.execute(select(QuarantineEntry.reason_fr, QuarantineEntry.reason_en)).all()
        outcomes = session.execute(
            select(RawRecord.source, RawRecord.locator, QuarantineEntry.id.is_not(None)).outerjoin(
                QuarantineEntry, QuarantineEntry.raw_record_id == RawRecord.id
            )
        ).all()
    data_rows = sum(1 for t in truth.values() if t["expected"] != "blank")
    assert raw == data_rows == signups + quarantined
    assert quarantined > 0 and all(fr and en for fr, en in reasons)
    campaign = load_campaign(workdir / "campaign.toml")
    file_of = {s.name: campaign.source_path(s).name for s in campaign.sources if not s.is_form}
    wrong = [
        (source, locator)
        for source, locator, in_quarantine in outcomes
        if in_quarantine != (truth[(file_of[source], locator)]["expected"] == "quarantine")
    ]
    assert wrong == []


def test_second_run_changes_nothing(workdir: Path, migrated_url: str) -> None:
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(workdir / "campaign.toml"))
    before_counts = table_counts(migrated_url)
    roster_dir = workdir / "var/rosters"
    before_files = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in roster_dir.glob("*.xlsx")}
    summary = nightly_sync(config=str(workdir / "campaign.toml"))
    assert table_counts(migrated_url) == before_counts
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in roster_dir.glob("*.xlsx")} == before_files
    assert summary["this_run"]["normalised"]["signups"] == 0
    assert summary["this_run"]["resolved"]["registrations_changed"] == 0
    assert summary["this_run"]["resolved"]["unchanged"]  # same inputs: not resolved again
    from rollcall.flows.steps import write_rosters

    pushes = write_rosters.fn(str(workdir / "campaign.toml"))  # nothing read changed: no workbook opened
    assert all(push["unchanged"] and not push["written"] for push in pushes.values())
    # one registrant changed: Paris alone is pushed. A push takes the digest of the site's
    # registrations once, before it, and adds the row states stored after it
    # (``store.registrations_digest``): the fingerprint it stores is the one the next push
    # takes whole, so that push skips every site
    with session_scope(migrated_url) as session:
        person = session.scalars(
            select(Person)
            .join(Registration, Registration.person_id == Person.id)
            .join(Event, Event.id == Registration.event_id)
            .where(Event.site_code == "PAR")
            .order_by(Person.id)
        ).first()
        assert person is not None
        person.first_name = "Zoé"
    pushed = write_rosters.fn(str(workdir / "campaign.toml"))
    assert [code for code, push in pushed.items() if push["written"]] == ["PAR"]
    again = write_rosters.fn(str(workdir / "campaign.toml"))
    assert all(push["unchanged"] and not push["written"] for push in again.values())


def load_truth() -> dict[tuple[str, str], dict[str, str]]:
    """Ground truth of the generated sample: (file, "row N") -> person, site, expected."""
    with open(EXAMPLE_DIR / "data/truth.csv", encoding="utf-8", newline="") as handle:
        return {(row["file"], f"row {row['row']}"): row for row in csv.DictReader(handle)}


def test_deduplication_against_the_sample_ground_truth(workdir: Path, migrated_url: str) -> None:
    """No false merge at all; at least 95% of true duplicates found (first version)."""
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(workdir / "campaign.toml"))
    campaign = load_campaign(workdir / "campaign.toml")
    file_of = {s.name: campaign.source_path(s).name for s in campaign.sources if not s.is_form}
    truth = load_truth()
    with session_scope(migrated_url) as session:
        linked = session.execute(
            select(RawRecord.source, RawRecord.locator, Signup.person_id).join(
                Signup, Signup.raw_record_id == RawRecord.id
            )
        ).all()
    persons_of_cluster: dict[int, set[str]] = defaultdict(set)
    clusters_of_person: dict[str, set[int]] = defaultdict(set)
    for source, locator, person_id in linked:
        true_person = truth[(file_of[source], locator)]["person_id"]
        persons_of_cluster[person_id].add(true_person)
        clusters_of_person[true_person].add(person_id)
    false_merges = [p for p in persons_of_cluster.values() if len(p) > 1]
    assert false_merges == []
    split = sum(len(c) - 1 for c in clusters_of_person.values())
    duplicates = len(linked) - len(clusters_of_person)
    assert split <= 0.05 * duplicates, f"{split} of {duplicates} duplicates missed"


def test_consent_and_site_traps_in_rosters(workdir: Path, migrated_url: str) -> None:
    """Everyone is registered at their true site only; nobody without consent is registered."""
    from rollcall.flows.nightly import nightly_sync

    nightly_sync(config=str(workdir / "campaign.toml"))
    campaign = load_campaign(workdir / "campaign.toml")
    file_of = {s.name: campaign.source_path(s).name for s in campaign.sources if not s.is_form}
    truth = load_truth()
    with session_scope(migrated_url) as session:
        rows = session.execute(
            select(RawRecord.source, RawRecord.locator, Registration.id, Registration.status, Event.site_code)
            .join(Signup, Signup.raw_record_id == RawRecord.id)
            .join(
                Registration, (Registration.person_id == Signup.person_id) & (Registration.event_id == Signup.event_id)
            )
            .join(Event, Event.id == Registration.event_id)
        ).all()
    expected_by_registration: dict[int, set[str]] = defaultdict(set)
    status_of: dict[int, str] = {}
    for source, locator, registration_id, status, site_code in rows:
        fact = truth[(file_of[source], locator)]
        assert site_code == fact["site_code"], (source, locator)
        expected_by_registration[registration_id].add(fact["expected"])
        status_of[registration_id] = status
    without_consent = [r for r, e in expected_by_registration.items() if e == {"no_consent"}]
    assert without_consent, "the sample should hold sign-ups without consent"
    assert {status_of[r] for r in without_consent} == {"no_consent"}
    cancelled = [r for r, e in expected_by_registration.items() if e == {"cancelled"}]
    assert cancelled and {status_of[r] for r in cancelled} == {"cancelled"}


def test_a_broken_source_fails_the_run_but_not_the_others(workdir: Path, migrated_url: str, tmp_path: Path) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    broken = tmp_path / "campaign.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("data/tally-inscriptions.csv", "data/missing.csv")
    broken.write_text(text.replace('path = "data/', f'path = "{EXAMPLE_DIR}/data/'), encoding="utf-8")
    with pytest.raises(SyncFailed, match="tally"):
        nightly_sync(config=str(broken))
    with session_scope(migrated_url) as session:
        sources = set(session.scalars(select(RawRecord.source).distinct()))
        run = session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
    assert sources == {"jeveuxaider", "helloasso", "sur-place"}
    assert run.status == "failed" and "missing.csv" in run.summary["sources"]["tally"]["error"]
    assert len(list((workdir / "var/rosters").glob("*.xlsx"))) == 12


def test_logs_and_summary_hold_no_personal_data(
    workdir: Path, migrated_url: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    import json
    import logging

    from rollcall.flows.nightly import nightly_sync

    with caplog.at_level(logging.DEBUG):
        summary = nightly_sync(config=str(workdir / "campaign.toml"))
    captured = capfd.readouterr()
    seen = caplog.text + captured.out + captured.err + json.dumps(summary, ensure_ascii=False)
    with session_scope(migrated_url) as session:
        contacts = session.execute(select(Signup.email, Signup.phone)).all()
    values = {email for email, _ in contacts if email}
    values |= {phone for _, phone in contacts if phone}
    values |= {format_national(phone) for _, phone in contacts if phone}
    assert len(values) > 1000
    assert [value for value in values if value in seen] == []


def test_a_second_sync_while_one_runs_is_refused_and_changes_nothing(workdir: Path, migrated_url: str) -> None:
    from prefect.exceptions import CancelledRun

    from rollcall.connectors.database import campaign_lock
    from rollcall.flows.nightly import nightly_sync

    code = load_campaign(workdir / "campaign.toml").campaign.code
    with campaign_lock(migrated_url, code):  # the nightly run, still going: this one ends Cancelled
        with pytest.raises(CancelledRun, match="^Nothing done: a sync of .* is already running"):
            nightly_sync(config=str(workdir / "campaign.toml"))
    assert table_counts(migrated_url)["raw_records"] == 0
    with get_client(sync_client=True) as client:  # the Prefect UI shows it Cancelled, not Failed
        latest = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)[0]
    assert latest.state.type == StateType.CANCELLED
    assert latest.state.message.startswith("Nothing done: a sync of ")


def test_pull_source_reports_only_the_source_it_pulled(workdir: Path) -> None:
    from rollcall.flows.nightly import pull_source

    summary = pull_source(source="sur-place", config=str(workdir / "campaign.toml"))
    assert list(summary["sources"]) == ["sur-place"]
    assert summary["sources"]["sur-place"]["this_run"]["received"] > 0
    assert summary["attempt"] == 1
    with get_client(sync_client=True) as client:  # the run graph names the source
        names = {task_run.name for task_run in client.read_task_runs()}
    assert "land_source[sur-place]" in names
