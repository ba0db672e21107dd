"""Erasure, retention and quarantine in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from privacy_fixtures import (
    CAMPAIGN,
    JEAN_EMAIL,
    JEAN_OTHER_EMAIL,
    JEAN_PHONE,
    MARIE_EMAIL,
    SALT,
    add_raw,
)
from sqlalchemy import func, select

from rollcall.connectors import privacy
from rollcall.connectors.database import session_scope
from rollcall.flows.erasure import erase_person, erasure_preview, is_erased
from rollcall.models.erasure import email_hash
from rollcall.models.tables import (
    AuditEntry,
    ErasedIdentifier,
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
from rollcall.transforms.emails import EmailResult, address_key, normalise_email
from rollcall.transforms.privacy import NothingToErase


def count(session, table) -> int:
    return session.scalar(select(func.count()).select_from(table))


def test_erase_by_phone_removes_the_person_everywhere_and_keeps_only_hashes(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        jean_regs = set(s.scalars(select(Registration.id).join(Person).where(Person.first_name == "Jean")))
        result = erase_person(s, phone="06 12 34 56 78", salt=SALT, actor="ops")
    assert set(result.registration_ids) == jean_regs and len(jean_regs) == 2
    assert result.counts == {
        "people": 1,
        "registrations": 2,
        "signups": 2,
        "raw_records_redacted": 4,
        "quarantine_removed": 1,
        "identifiers_kept_hashed": 3,
    }
    with session_scope(campaign_db) as s:
        assert [p.first_name for p in s.scalars(select(Person))] == ["Marie"]
        assert (count(s, Signup), count(s, Registration), count(s, RosterState)) == (1, 1, 1)
        assert (count(s, MatchLink), count(s, ReviewPair), count(s, QuarantineEntry)) == (0, 0, 1)
        payloads = [json.dumps(p) for p in s.scalars(select(RawRecord.payload))]
        assert count(s, RawRecord) == 6  # redacted, not deleted
        assert not any(x in p for p in payloads for x in ("Jean", "jean", "12 34", "0612345678", "jd@free"))
        assert any("Marie" in p for p in payloads) and any("0699999999" in p for p in payloads)
        audit = s.scalars(select(AuditEntry)).one()
        assert (audit.action, audit.actor) == ("erase", "ops")
        assert "jean" not in json.dumps(audit.counts).lower() and "+336" not in json.dumps(audit.counts)
        assert count(s, ErasedIdentifier) == 3


def test_erasure_is_recognised_by_every_identifier_the_person_used(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        erase_person(s, email="Jean.Dupont@GMAIL.com", salt=SALT)
    with session_scope(campaign_db) as s:
        erased = is_erased(s, SALT)
        other_salt = is_erased(s, b"other")
    assert erased(JEAN_OTHER_EMAIL, None) and erased(None, JEAN_PHONE) and erased(address_key(JEAN_EMAIL), None)
    assert not erased(MARIE_EMAIL, None) and not erased(None, None)
    assert not other_salt(address_key(JEAN_EMAIL), JEAN_PHONE)


@pytest.mark.parametrize("asked", ["jeandupont@gmail.com", "Jean.Dupont+asso@googlemail.com", "JEAN.DUPONT@gmail.com"])
def test_any_spelling_of_the_same_mailbox_finds_the_person(campaign_db: str, asked: str) -> None:
    """Erasure and matching agree on "the same email": Gmail's dots and a +tag do not hide
    anyone from an erasure, nor bring them back afterwards."""
    with session_scope(campaign_db) as s:
        assert [p.first_name for p in erasure_preview(s, email=asked)] == ["Jean"]
        assert erase_person(s, email=asked, salt=SALT).counts["people"] == 1
    with session_scope(campaign_db) as s:
        erased = is_erased(s, SALT)
    for later in ("jean.dupont+je2022@gmail.com", "jeandupont@googlemail.com"):
        result = normalise_email(later)
        assert isinstance(result, EmailResult) and erased(result.key, None, result.email)


def test_a_placeholder_is_nobodys_identifier(campaign_db: str) -> None:
    """Erasing by "nc@nc.fr" would erase everyone who typed it: refused. A person erased
    with a placeholder among their contacts leaves no hash of it behind."""
    with pytest.raises(NothingToErase, match="placeholder"), session_scope(campaign_db) as s:
        erase_person(s, email="nc@nc.fr", phone="06 00 00 00 00", salt=SALT)
    with session_scope(campaign_db) as s:
        for signup in s.scalars(select(Signup).where(Signup.email == JEAN_OTHER_EMAIL)):
            signup.email_key, signup.phone = "nc@nc.fr", "+33600000000"
    with session_scope(campaign_db) as s:
        erase_person(s, email=JEAN_EMAIL, salt=SALT)
    with session_scope(campaign_db) as s:
        erased = is_erased(s, SALT)
    assert erased(address_key(JEAN_EMAIL), None)
    assert not erased("nc@nc.fr", None) and not erased(None, "+33600000000")


def test_erasures_kept_before_keys_were_per_mailbox_still_refuse_the_address(campaign_db: str) -> None:
    """An erasure made before migration 0009 kept the hash of the address as typed."""
    with session_scope(campaign_db) as s:
        s.add(ErasedIdentifier(identifier_hash=email_hash("paul.martin@gmail.com", SALT)))
    with session_scope(campaign_db) as s:
        erased = is_erased(s, SALT)
    assert erased("paulmartin@gmail.com", None, "paul.martin@gmail.com")
    assert not erased("paulmartin@gmail.com", None, "paulmartin@gmail.com")


def test_second_erasure_changes_nothing_but_is_audited(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        erase_person(s, email=JEAN_EMAIL, salt=SALT)
    with session_scope(campaign_db) as s:
        again = erase_person(s, email=JEAN_EMAIL, salt=SALT)
    assert again.registration_ids == [] and again.counts["people"] == again.counts["raw_records_redacted"] == 0
    with session_scope(campaign_db) as s:
        assert count(s, AuditEntry) == 2 and count(s, ErasedIdentifier) == 3


def test_erasure_needs_a_valid_identifier(campaign_db: str) -> None:
    with pytest.raises(NothingToErase), session_scope(campaign_db) as s:
        erase_person(s, email="not an address", phone="12", salt=SALT)


def test_refused_record_is_redacted_and_never_pending(campaign_db: str) -> None:
    from rollcall.connectors import store

    with session_scope(campaign_db) as s:
        raw = add_raw(s, "new", {"Email": JEAN_EMAIL})
        privacy.refuse_record(s, raw.id)
    with session_scope(campaign_db) as s:
        assert s.get_one(RawRecord, raw.id).payload == {"redacted": True}
        assert raw.id not in {r.id for r in store.pending_records(s, CAMPAIGN)}


def test_salt_is_created_once_and_kept(migrated_url: str) -> None:
    with session_scope(migrated_url) as s:
        first = privacy.stored_salt(s)
    with session_scope(migrated_url) as s:
        assert privacy.stored_salt(s) == first and len(first) == 32


def test_purge_redacts_old_events_only_and_twice_is_a_no_op(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        counts = privacy.purge_before(s, CAMPAIGN, date(2022, 10, 10))
    assert counts == {
        "events": 1,
        "raw_records_redacted": 2,
        "signups_redacted": 2,
        "review_pairs_removed": 1,
        "roster_states_cleared": 2,
        "registrations_unlinked": 1,
        "people_redacted": 1,
    }
    with session_scope(campaign_db) as s:
        people = {p.id: (p.first_name, p.email) for p in s.scalars(select(Person))}
        # Jean is also at LYS, later: he keeps his name there, his PAR registration goes to nobody
        assert sorted(people.values()) == [("", None), ("", None), ("Jean", JEAN_EMAIL)]
        par = s.scalars(select(Registration).join(Event).where(Event.site_code == "PAR")).all()
        assert {r.person.first_name for r in par} == {""}
        lys_signup = s.scalars(select(Signup).join(Event).where(Event.site_code == "LYS")).one()
        assert lys_signup.email == JEAN_OTHER_EMAIL
        assert s.scalars(select(AuditEntry.action)).all() == ["purge"]
    with session_scope(campaign_db) as s:
        again = privacy.purge_before(s, CAMPAIGN, date(2022, 10, 10))
    assert again == {
        "events": 1,
        "raw_records_redacted": 0,
        "signups_redacted": 0,
        "review_pairs_removed": 0,
        "roster_states_cleared": 0,
        "registrations_unlinked": 0,
        "people_redacted": 0,
    }


def test_purge_of_a_whole_campaign_redacts_every_raw_record(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        privacy.purge_before(s, CAMPAIGN, date(2023, 1, 1))
    with session_scope(campaign_db) as s:
        assert set(map(json.dumps, s.scalars(select(RawRecord.payload)))) == {'{"redacted": true}'}
        assert {(p.first_name, p.email, p.phone) for p in s.scalars(select(Person))} == {("", None, None)}
        assert count(s, Registration) == 3  # counts per site survive the purge


def test_quarantine_listed_with_raw_values_then_requeued(campaign_db: str) -> None:
    from rollcall.connectors import store

    with session_scope(campaign_db) as s:
        entries = privacy.quarantine_entries(s, CAMPAIGN)
    assert [(e.source, e.locator, e.reason_fr, e.reason_en) for e in entries] == [
        ("tally", "row q1", "site inconnu", "unknown site"),
        ("tally", "row q2", "site inconnu", "unknown site"),
    ]
    assert entries[0].payload == {"Tel": "0612345678", "Ville": "?"}
    with session_scope(campaign_db) as s:
        assert privacy.requeue_quarantine(s, CAMPAIGN, source="other") == 0
        assert privacy.requeue_quarantine(s, CAMPAIGN) == 2
    with session_scope(campaign_db) as s:
        assert privacy.quarantine_entries(s, CAMPAIGN) == []
        pending = {r.id for r in store.pending_records(s, CAMPAIGN)}
        assert pending == set(s.scalars(select(RawRecord.id).where(RawRecord.external_id.in_(["q1", "q2"]))))
