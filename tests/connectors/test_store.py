"""The central database on SQLite and PostgreSQL: migrations, raw landing, cursors."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from rollcall.connectors import store
from rollcall.connectors.database import get_engine, json_strings, json_text, json_value, session_scope, upgrade
from rollcall.models.records import RawRow
from rollcall.models.tables import Base, RawRecord, SyncRun
from rollcall.transforms.raw import identify_rows


def test_migration_creates_the_model_schema(migrated_url: str) -> None:
    inspector = inspect(get_engine(migrated_url))
    assert set(Base.metadata.tables) <= set(inspector.get_table_names())
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys()), name


def test_upgrade_twice_is_a_no_op(migrated_url: str) -> None:
    from alembic.script import ScriptDirectory

    from rollcall.connectors.database import alembic_config

    upgrade(migrated_url)
    head = ScriptDirectory.from_config(alembic_config(migrated_url)).get_current_head()
    with get_engine(migrated_url).connect() as connection:
        assert connection.exec_driver_sql("select version_num from alembic_version").scalar() == head


def _land(url: str, rows: list[RawRow]) -> store.LandingCounts:
    with session_scope(url) as session:
        run_id = store.start_run(session, "c", None)
        return store.land_raw_rows(session, "c", "tally", rows, run_id)


def test_landing_twice_stores_once(migrated_url: str) -> None:
    rows = identify_rows([("row 2", {"id": "1", "Prénom": "Hélène"}), ("row 3", {"id": "2", "Prénom": "Zoé"})], "id")
    assert _land(migrated_url, rows).new == 2
    again = _land(migrated_url, rows)
    assert (again.new, again.unchanged) == (0, 2)
    with session_scope(migrated_url) as session:
        assert session.scalar(select(func.count()).select_from(RawRecord)) == 2


def test_payload_kept_verbatim(migrated_url: str) -> None:
    payload = {"Prénom": "  Hélène ", "Nom": '=HYPERLINK("x")', "emoji": "🙂\u202e", "empty": ""}
    _land(migrated_url, identify_rows([("row 2", payload)], None))
    with session_scope(migrated_url) as session:
        assert session.scalar(select(RawRecord.payload)) == payload


def test_edited_record_is_a_new_current_version(migrated_url: str) -> None:
    _land(migrated_url, identify_rows([("row 2", {"id": "1", "Nom": "Rous"})], "id"))
    counts = _land(migrated_url, identify_rows([("row 2", {"id": "1", "Nom": "Roux"})], "id"))
    assert (counts.new, counts.new_versions) == (1, 1)
    with session_scope(migrated_url) as session:
        versions = session.execute(select(RawRecord.payload, RawRecord.is_current).order_by(RawRecord.id)).all()
    assert versions == [({"id": "1", "Nom": "Rous"}, False), ({"id": "1", "Nom": "Roux"}, True)]


def test_an_edit_undone_makes_the_earlier_version_current_again(migrated_url: str) -> None:
    """Consent withdrawn by an edit, then the answer put back exactly as it was."""
    first, edited = {"id": "1", "Consentement": "Oui"}, {"id": "1", "Consentement": "Non"}
    for payload in (first, edited, first):
        counts = _land(migrated_url, identify_rows([("row 2", payload)], "id"))
    assert (counts.new, counts.new_versions) == (0, 1)
    with session_scope(migrated_url) as session:
        versions = session.execute(select(RawRecord.payload, RawRecord.is_current).order_by(RawRecord.id)).all()
    assert versions == [(first, True), (edited, False)]


def test_an_id_held_three_times_keeps_its_last_rows_version(migrated_url: str) -> None:
    """Rows A, B, A of one id in one export: the last row's version (A) is current."""
    first, edited = {"id": "1", "Nom": "Rous"}, {"id": "1", "Nom": "Roux"}
    _land(migrated_url, identify_rows([("row 2", first), ("row 3", edited), ("row 4", first)], "id"))
    with session_scope(migrated_url) as session:
        versions = session.execute(select(RawRecord.payload, RawRecord.is_current, RawRecord.locator)).all()
    assert versions == [(first, True, "row 4")]


def test_cursor_round_trip(migrated_url: str) -> None:
    with session_scope(migrated_url) as session:
        assert store.get_cursor(session, "c", "tally") is None
        store.set_cursor(session, "c", "tally", "sha256:1")
    with session_scope(migrated_url) as session:
        store.set_cursor(session, "c", "tally", "sha256:2")
    with session_scope(migrated_url) as session:
        assert store.get_cursor(session, "c", "tally") == "sha256:2"


def test_failed_step_rolls_back_its_writes(migrated_url: str) -> None:
    rows = identify_rows([("row 2", {"Nom": "A"})], None)
    try:
        with session_scope(migrated_url) as session:
            run_id = store.start_run(session, "c", None)
            store.land_raw_rows(session, "c", "tally", rows, run_id)
            store.set_cursor(session, "c", "tally", "sha256:x")
            raise RuntimeError("crash after landing, before commit")
    except RuntimeError:
        pass
    with session_scope(migrated_url) as session:
        assert session.scalar(select(func.count()).select_from(RawRecord)) == 0
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 0
        assert store.get_cursor(session, "c", "tally") is None


def test_json_read_as_text_decodes_as_the_json_type_does(migrated_url: str) -> None:
    """Large reads take JSON columns as text and decode them (``json_text``): the same values
    as the column type gives, on both databases, accents and JSON null included."""
    summaries = [{"sources": ["Export", "Hélène’s form"], "seconds": {"pull": 1.5}}, None]
    with session_scope(migrated_url) as session:
        for summary in summaries:
            run_id = store.start_run(session, "c", None)
            store.finish_run(session, run_id, "completed", summary)  # type: ignore[arg-type]
        session.flush()
        typed = session.scalars(select(SyncRun.summary).order_by(SyncRun.id)).all()
        as_text = session.scalars(select(json_text(SyncRun.summary)).order_by(SyncRun.id)).all()
    assert [json_value(text) for text in as_text] == list(typed) == summaries


def test_json_strings_are_a_new_list_each_time() -> None:
    """Decoded once per distinct text (cached), yet a caller may change what it gets."""
    first = json_strings('["Export", "Tally"]')
    first.append("changed")
    assert json_strings('["Export", "Tally"]') == ["Export", "Tally"]
    assert json_strings(None) == json_strings("null") == json_strings("[]") == []


def test_models_and_migrations_agree(migrated_url: str) -> None:
    """A model changed without a migration would only show up in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with get_engine(migrated_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_second_sync_of_a_campaign_is_refused_while_the_first_holds_the_lock(migrated_url: str) -> None:
    import pytest

    from rollcall.connectors.database import SyncAlreadyRunning, campaign_lock

    with campaign_lock(migrated_url, "je-2022"):
        with pytest.raises(SyncAlreadyRunning, match="already running"):
            with campaign_lock(migrated_url, "je-2022"):
                pass
        with campaign_lock(migrated_url, "another-campaign"):
            pass
    with campaign_lock(migrated_url, "je-2022"):  # released
        pass


def test_a_killed_holder_does_not_keep_the_lock(migrated_url: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    from rollcall.connectors.database import campaign_lock

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom connectors.database import campaign_lock\n"
            "with campaign_lock(sys.argv[1], 'je-2022'):\n    print('held', flush=True)\n    time.sleep(60)",
            migrated_url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    deadline = time.monotonic() + 10
    while True:  # PostgreSQL notices the dropped connection within moments
        try:
            with campaign_lock(migrated_url, "je-2022"):
                break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_page_of_pending_records_is_one_range_search(migrated_url: str) -> None:
    """At a million records, each of normalise's 500 pages used to scan and sort the whole
    campaign on SQLite (12 minutes instead of about 5). PostgreSQL plans from statistics
    that a small test database does not have, so its plan is not asserted."""
    import pytest
    from sqlalchemy.dialects import sqlite

    if not migrated_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans from statistics; the plan is checked on SQLite")

    query = store.pending_query("je-2022", 4000, 2000)
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with get_engine(migrated_url).connect() as connection:
        plan = " / ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_raw_records_campaign_current_id (campaign=? AND is_current=? AND id>?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_roster_states_keep_what_was_pushed_through_migration_0011(database_url: str) -> None:
    """Migration 0011 adds ``previous`` to ``roster_states`` (SQLite rebuilds the table): the
    rows stored before keep their pushed values and coordinator cells, with no previous."""
    from datetime import date

    from sqlalchemy import text

    from rollcall.models.tables import Event, Person, Registration, RosterState

    upgrade(database_url, "0010")
    with session_scope(database_url) as session:
        event = Event(campaign="c", site_code="PAR", name="Paris", city="Paris", date=date(2026, 10, 8), capacity=9)
        person = Person(first_name="Awa", last_name="Diallo", email=None, phone=None)
        session.add_all([event, person])
        session.flush()
        registration = Registration(person_id=person.id, event_id=event.id, status="registered", sources=["tally"])
        session.add(registration)
        session.flush()
        session.execute(
            text(
                "INSERT INTO roster_states (registration_id, pushed, called, present, notes, conflicts, updated_at) "
                "VALUES (:id, :pushed, 'oui', true, 'rappeler', 0, CURRENT_TIMESTAMP)"
            ),
            {"id": registration.id, "pushed": '{"Nom": "Diallo"}'},
        )
        rid = registration.id
    upgrade(database_url)
    with session_scope(database_url) as session:
        state = session.get_one(RosterState, rid)
        assert (state.pushed, state.called, state.present, state.notes, state.previous) == (
            {"Nom": "Diallo"},
            "oui",
            True,
            "rappeler",
            None,
        )


def test_a_shown_registration_without_a_row_state_was_never_pushed(migrated_url: str) -> None:
    """``has_unpushed_rows``: what lets a roster push skip its fingerprint (it is needed);
    registrations the roster does not show do not count."""
    from datetime import date

    from rollcall.models.tables import Event, Person, Registration, RosterState

    with session_scope(migrated_url) as session:
        event = Event(campaign="c", site_code="PAR", name="Paris", city="Paris", date=date(2026, 10, 8), capacity=9)
        people = [Person(first_name=n, last_name="Diallo", email=None, phone=None) for n in ("Awa", "Binta", "Coumba")]
        session.add_all([event, *people])
        session.flush()
        shown, hidden, cancelled = (
            Registration(person_id=p.id, event_id=event.id, status=s, sources=["tally"])
            for p, s in zip(people, ("registered", "no_consent", "cancelled"), strict=True)
        )
        session.add_all([shown, hidden, cancelled])
        session.flush()
        assert store.has_unpushed_rows(session, event.id)
        session.add(RosterState(registration_id=shown.id, pushed={"Nom": "Diallo"}, conflicts=0))
        session.flush()
        assert store.has_unpushed_rows(session, event.id)  # the cancelled one is shown too
        session.add(RosterState(registration_id=cancelled.id, pushed={"Nom": "Diallo"}, conflicts=0))
        session.flush()
        assert not store.has_unpushed_rows(session, event.id)  # "no_consent" is not on the roster
