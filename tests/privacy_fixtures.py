"""A small campaign in the database, built row by row: two people, one of them twice, and
quarantined records, for the erasure, retention and quarantine tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rollcall.connectors.database import session_scope
from rollcall.models.tables import (
    Event,
    MatchLink,
    Person,
    QuarantineEntry,
    RawRecord,
    Registration,
    ReviewPair,
    RosterState,
    Signup,
)
from rollcall.transforms.emails import address_key

SALT = b"test-salt"
CAMPAIGN = "journees-engagees-2022"  # the example campaign's code, for the CLI tests
JEAN_EMAIL, JEAN_OTHER_EMAIL, JEAN_PHONE = "jean.dupont@gmail.com", "jd@free.fr", "+33612345678"
MARIE_EMAIL = "marie@orange.fr"


def add_raw(session, external_id: str, payload: dict, current: bool = True) -> RawRecord:
    raw = RawRecord(
        campaign=CAMPAIGN,
        source="tally",
        external_id=external_id,
        content_hash=f"{external_id}{len(payload)}{current}",
        payload=payload,
        locator=f"row {external_id}",
        is_current=current,
    )
    session.add(raw)
    session.flush()
    return raw


def _signup(session, raw: RawRecord, event: Event, person: Person, email: str | None, phone: str | None) -> Signup:
    signup = Signup(
        raw_record_id=raw.id,
        source="tally",
        event_id=event.id,
        first_name=person.first_name,
        last_name=person.last_name,
        email=email,
        email_key=address_key(email) if email else None,  # as normalising stores it
        phone=phone,
        person_id=person.id,
        submitted_at=datetime(2022, 9, 1, tzinfo=UTC),
        consent=True,
    )
    session.add(signup)
    session.flush()
    return signup


@pytest.fixture
def campaign_db(migrated_url: str) -> str:
    """Jean signed up twice (two emails, one phone; one record edited), Marie once, at PAR
    (8 Oct) and LYS (15 Oct); one quarantined record holds Jean's phone, another nobody's."""
    with session_scope(migrated_url) as s:
        par = Event(campaign=CAMPAIGN, site_code="PAR", name="Paris", city="Paris", date=date(2022, 10, 8), capacity=10)
        lys = Event(campaign=CAMPAIGN, site_code="LYS", name="Lyon", city="Lyon", date=date(2022, 10, 15), capacity=10)
        jean = Person(
            first_name="Jean",
            last_name="Dupont",
            email=JEAN_EMAIL,
            phone=JEAN_PHONE,
        )
        marie = Person(first_name="Marie", last_name="Curie", email=MARIE_EMAIL)
        s.add_all([par, lys, jean, marie])
        s.flush()
        add_raw(s, "a", {"Email": JEAN_EMAIL, "Tel": "06 12 34 56 78", "Prénom": "Jean"}, current=False)
        a = _signup(
            s,
            add_raw(s, "a", {"Email": JEAN_EMAIL, "Tel": "06 12 34 56 78", "Prénom": "Jean D."}),
            par,
            jean,
            JEAN_EMAIL,
            JEAN_PHONE,
        )
        b = _signup(
            s, add_raw(s, "b", {"Email": JEAN_OTHER_EMAIL, "Prénom": "Jean"}), lys, jean, JEAN_OTHER_EMAIL, None
        )
        m = _signup(s, add_raw(s, "m", {"Email": MARIE_EMAIL, "Prénom": "Marie"}), par, marie, MARIE_EMAIL, None)
        for raw_id, code in (
            (add_raw(s, "q1", {"Tel": "0612345678", "Ville": "?"}).id, "unknown_site"),
            (add_raw(s, "q2", {"Tel": "0699999999", "Ville": "?"}).id, "unknown_site"),
        ):
            s.add(
                QuarantineEntry(
                    raw_record_id=raw_id,
                    source="tally",
                    reason_code=code,
                    field="site",
                    reason_fr="site inconnu",
                    reason_en="unknown site",
                )
            )
        s.add_all(
            [
                MatchLink(signup_a=a.id, signup_b=b.id, rule="phone", score=0.9, evidence=["phone"]),
                ReviewPair(signup_a=a.id, signup_b=m.id, rule="x", score=0.5, evidence=[], explanation_fr="?"),
            ]
        )
        regs = [
            Registration(person_id=p.id, event_id=e.id, status="registered", sources=["tally"])
            for p, e in ((jean, par), (jean, lys), (marie, par))
        ]
        s.add_all(regs)
        s.flush()
        s.add_all(RosterState(registration_id=r.id, pushed={"Email": "x"}, notes="rappeler") for r in regs)
    return migrated_url
