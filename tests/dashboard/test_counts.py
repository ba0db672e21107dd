"""The counts the goal, the status and the dashboard read, on SQLite and PostgreSQL: new
volunteers only toward the goal, Présent ticks read back from rosters, flags set exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from rollcall.connectors import report_store
from rollcall.connectors.database import session_scope
from rollcall.connectors.volunteer_flags import set_already_volunteer
from rollcall.models.tables import Event, Person, RawRecord, Registration, RosterState, Signup

CAMPAIGN = "je-test"
T = datetime(2022, 9, 3, 8, tzinfo=UTC)


def _person(session, name: str, returning: bool = False) -> Person:
    person = Person(first_name=name, last_name="X", already_volunteer=returning)
    session.add(person)
    return person


@pytest.fixture
def world(migrated_url: str) -> str:
    """Paris and Lille; Alice (new) at both, Bruno (returning) at Paris, Chloé (new) cancelled,
    Dan (new) removed. Alice ticked present at Paris."""
    with session_scope(migrated_url) as session:
        paris = Event(
            campaign=CAMPAIGN, site_code="PAR", name="Paris", city="Paris", date=date(2022, 10, 8), capacity=10
        )
        lille = Event(
            campaign=CAMPAIGN, site_code="LIL", name="Lille", city="Lille", date=date(2022, 10, 15), capacity=10
        )
        other = Event(
            campaign="another", site_code="PAR", name="Paris", city="Paris", date=date(2022, 10, 8), capacity=10
        )
        alice, bruno, chloe, dan, eve = (
            _person(session, n, r)
            for n, r in (("Alice", False), ("Bruno", True), ("Chloe", False), ("Dan", False), ("Eve", False))
        )
        session.add_all([paris, lille, other])
        session.flush()
        at_paris = Registration(
            person_id=alice.id, event_id=paris.id, status="registered", registered_at=T, sources=["tally", "helloasso"]
        )
        session.add_all(
            [
                at_paris,
                Registration(
                    person_id=alice.id,
                    event_id=lille.id,
                    status="registered",
                    registered_at=T.replace(day=5),
                    sources=["tally"],
                ),
                Registration(
                    person_id=bruno.id, event_id=paris.id, status="registered", registered_at=T, sources=["tally"]
                ),
                Registration(
                    person_id=chloe.id, event_id=paris.id, status="cancelled", registered_at=T, sources=["tally"]
                ),
                Registration(person_id=dan.id, event_id=lille.id, status="removed", registered_at=T, sources=["tally"]),
                Registration(
                    person_id=eve.id, event_id=other.id, status="registered", registered_at=T, sources=["tally"]
                ),
            ]
        )
        session.flush()
        session.add(RosterState(registration_id=at_paris.id, pushed={}, present=True))
        for i, (current, moment) in enumerate(((True, T), (True, None), (False, T))):
            raw = RawRecord(
                campaign=CAMPAIGN,
                source="tally",
                external_id=f"r{i}",
                content_hash=str(i),
                payload={},
                is_current=current,
            )
            session.add(raw)
            session.flush()
            session.add(
                Signup(
                    raw_record_id=raw.id,
                    source="tally",
                    event_id=paris.id,
                    first_name="A",
                    last_name="B",
                    submitted_at=moment,
                )
            )
    return migrated_url


def test_the_goal_counts_new_people_with_a_live_registration_once(world: str) -> None:
    with session_scope(world) as session:
        assert report_store.volunteers(session, CAMPAIGN) == {"new": 1, "returning": 1}
        assert report_store.volunteers_by_site(session, CAMPAIGN) == {
            "PAR": {"new": 1, "returning": 1},
            "LIL": {"new": 1, "returning": 0},
        }
        assert sorted(report_store.new_volunteer_first_registrations(session, CAMPAIGN)) == [T]


def test_presence_ticks_and_sign_ups_are_read_for_the_dashboard(world: str) -> None:
    with session_scope(world) as session:
        assert sorted(report_store.attendance(session, CAMPAIGN)) == [
            ("LIL", ("tally",), False, 1),
            ("PAR", ("tally",), False, 1),
            ("PAR", ("tally", "helloasso"), True, 1),
        ]
        assert sorted(report_store.signups_received(session, CAMPAIGN), key=str) == [(None, "tally"), (T, "tally")]


def test_the_database_counts_sign_ups_and_new_volunteers_per_utc_hour(world: str) -> None:
    """What the dashboard reads on most nights: counts per UTC hour and source, the same on
    PostgreSQL whatever the session's time zone (its times are turned to UTC first)."""
    with session_scope(world) as session:
        raw = RawRecord(campaign=CAMPAIGN, source="tally", external_id="r9", content_hash="9", payload={})
        session.add(raw)
        session.flush()
        event_id = session.scalars(select(Event.id).where(Event.campaign == CAMPAIGN)).first()
        late = T + timedelta(minutes=59, seconds=59)  # the same hour as T
        session.add(
            Signup(
                raw_record_id=raw.id,
                source="tally",
                event_id=event_id,
                first_name="C",
                last_name="D",
                submitted_at=late,
            )
        )
        session.flush()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
        assert sorted(report_store.signups_received_by_hour(session, CAMPAIGN), key=str) == [
            (None, "tally", 1),
            (T, "tally", 2),
        ]
        assert report_store.new_volunteers_by_hour(session, CAMPAIGN) == [(T, 1)]


def test_flags_are_set_to_exactly_the_people_found(world: str) -> None:
    with session_scope(world) as session:
        ids = {p.first_name: p.id for p in session.query(Person)}
        assert set_already_volunteer(session, CAMPAIGN, {ids["Alice"], ids["Eve"]}) == 2  # Alice on, Bruno off
    with session_scope(world) as session:
        flags = {p.first_name: p.already_volunteer for p in session.query(Person)}
        assert set_already_volunteer(session, CAMPAIGN, {ids["Alice"]}) == 0  # a rerun changes nothing
    # Eve is only in another campaign: this campaign's base does not touch her
    assert flags == {"Alice": True, "Bruno": False, "Chloe": False, "Dan": False, "Eve": False}
