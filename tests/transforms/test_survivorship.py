"""A person's displayed name and contacts: a rule of the data, not of processing order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from rollcall.models.records import SignupFacts
from rollcall.transforms.survivorship import display_fields

T1, T2, T3 = (datetime(2022, 9, d, 10, tzinfo=UTC) for d in (1, 2, 3))


def facts(
    key: str,
    first: str = "Bernard",
    last: str = "Morin",
    email: str | None = None,
    phone: str | None = None,
    at: datetime | None = T1,
    consent: bool | None = True,
    cancelled: bool = False,
    suspicious: bool = False,
) -> SignupFacts:
    return SignupFacts((key.split(":")[0], key), first, last, email, phone, at, consent, cancelled, suspicious)


def test_the_most_recent_sign_up_gives_the_name_whatever_the_order() -> None:
    typo = facts("csv:1", last="Mrin", at=T1)
    fixed = facts("tally:9", last="Morin", at=T2)
    for order in itertools.permutations([typo, fixed]):
        assert display_fields(order).last_name == "Morin"


def test_an_edit_with_a_corrected_email_wins() -> None:
    old = facts("tally:1", email="bernard@gmial.com", at=T1)
    new = facts("tally:2", email="bernard@gmail.com", at=T2)
    assert display_fields([old, new]).email == "bernard@gmail.com"


def test_a_contact_missing_from_the_latest_comes_from_an_older_sign_up() -> None:
    older = facts("csv:1", phone="+33612345678", at=T1)
    latest = facts("tally:1", email="b@example.org", at=T3)
    shown = display_fields([latest, older])
    assert (shown.email, shown.phone) == ("b@example.org", "+33612345678")


def test_a_refused_consent_never_gives_a_contact() -> None:
    refused = facts("tally:1", email="jeanne@example.org", at=T3, consent=False)
    staff = facts("staff:1", phone="+33611111111", at=T1, consent=None)
    shown = display_fields([refused, staff])
    assert (shown.email, shown.phone) == (None, "+33611111111")


def test_a_live_sign_up_ranks_before_a_more_recent_cancelled_one() -> None:
    live = facts("csv:1", first="Anne", at=T1)
    cancelled = facts("helloasso:1", first="Annie", at=T3, cancelled=True)
    assert display_fields([cancelled, live]).first_name == "Anne"


def test_a_suspicious_domain_comes_after_a_plain_address() -> None:
    plain = facts("csv:1", email="b@gmail.com", at=T1)
    typo = facts("tally:1", email="b@gmial.com", at=T2, suspicious=True)
    assert display_fields([typo, plain]).email == "b@gmail.com"


def test_equal_times_are_broken_by_the_record_not_the_order() -> None:
    a = facts("csv:1", first="Luc", at=T1)
    b = facts("tally:1", first="Lucas", at=T1)
    assert display_fields([a, b]) == display_fields([b, a])


def test_unknown_times_come_last() -> None:
    undated = facts("csv:1", first="Undated", at=None)
    dated = facts("tally:1", first="Dated", at=T1)
    assert display_fields([undated, dated]).first_name == "Dated"


def test_nobody_without_sign_ups() -> None:
    with pytest.raises(ValueError):
        display_fields([])
