"""Masks and salted hashes of personal identifiers: pure, no database."""

from __future__ import annotations

import pytest

from rollcall.transforms.privacy import (
    ErasedCheck,
    NothingToErase,
    drop_registrations,
    erased_identifier_hashes,
    erasure_identifiers,
    holds_contact,
    mask_email,
    mask_phone,
    payload_contacts,
)

SALT = b"test-salt"


@pytest.mark.parametrize(
    "email, masked",
    [
        pytest.param("jean.dupont@gmail.com", "j***@gmail.com", id="plain"),
        pytest.param("a@free.fr", "a***@free.fr", id="one_letter_local_part"),
        pytest.param("not an address", "***", id="no_at_sign"),
        pytest.param("@gmail.com", "***", id="empty_local_part"),
        pytest.param(None, "***", id="none"),
    ],
)
def test_mask_email(email: str | None, masked: str) -> None:
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    "phone, masked",
    [
        pytest.param("+33612345678", "06 ** ** ** 78", id="e164"),
        pytest.param("06.12.34.56.78", "06 ** ** ** 78", id="dotted_national"),
        pytest.param("+32 470 12 34 56", "+32 *** ** ** 56", id="belgian_keeps_country_code"),
        pytest.param("12", "***", id="too_short"),
        pytest.param("", "***", id="blank"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_masks_hide_the_identifying_part() -> None:
    assert "dupont" not in mask_email("jean.dupont@gmail.com")
    assert "123456" not in mask_phone("+33612345678").replace(" ", "")


def test_erasure_identifiers_of_spellings_of_one_identifier_are_equal() -> None:
    assert erasure_identifiers("Jean.Dupont@Gmail.com ", "06 12 34 56 78") == erasure_identifiers(
        "mailto:jeandupont+x@googlemail.com", "+33612345678"
    )


@pytest.mark.parametrize(
    "email, phone, expected",
    [
        pytest.param("jean@gmail.com", None, ("jean@gmail.com", None), id="email_only"),
        pytest.param(None, "0612345678", (None, "+33612345678"), id="phone_only"),
        pytest.param("nc@nc.fr", "0612345678", (None, "+33612345678"), id="placeholder_email_dropped"),
    ],
)
def test_erasure_identifiers(email: str | None, phone: str | None, expected: tuple) -> None:
    assert erasure_identifiers(email, phone) == expected


@pytest.mark.parametrize(
    "email, phone",
    [
        pytest.param("not valid", "123", id="both_invalid"),
        pytest.param(None, None, id="nothing"),
        pytest.param("pasdemail@gmail.com", "06 00 00 00 00", id="placeholders"),
    ],
)
def test_nothing_to_erase(email: str | None, phone: str | None) -> None:
    with pytest.raises(NothingToErase):
        erasure_identifiers(email, phone)


def test_hashes_depend_on_the_salt_and_hold_no_identifier() -> None:
    one = erased_identifier_hashes({"jeandupont@gmail.com"}, {"+33612345678"}, SALT)
    other = erased_identifier_hashes({"jeandupont@gmail.com"}, {"+33612345678"}, b"another salt")
    assert len(one) == 2 and not one & other
    assert all(len(h) == 64 and "dupont" not in h and "612345678" not in h for h in one)


def test_placeholders_are_never_kept_hashed() -> None:
    assert erased_identifier_hashes({"nc@nc.fr", "x@x.fr"}, {"+33600000000", "+33123456789"}, SALT) == set()


def test_erased_check_by_payload_finds_any_spelling() -> None:
    check = ErasedCheck(erased_identifier_hashes({"jeandupont@gmail.com"}, set(), SALT), SALT)
    assert check.of_payload({"mail": "Jean.Dupont+je@gmail.com", "n": 1})
    assert not check.of_payload({"mail": "marie@orange.fr"})
    assert not ErasedCheck(set(), SALT)


def test_holds_contact_ignores_placeholders() -> None:
    payload = {"Email": "nc@nc.fr", "Tel": "06 00 00 00 00"}
    assert not holds_contact(payload, {"nc@nc.fr"}, {"+33600000000"})
    assert holds_contact({"Email": "Jean.Dupont@gmail.com"}, {"jeandupont@gmail.com"}, set())


def test_contacts_found_anywhere_in_a_payload() -> None:
    payload = {"Email": "Jean@Gmail.com", "answers": [{"value": "06 12 34 56 78"}], "Ville": "Paris", "n": 3}
    emails, phones = payload_contacts(payload)
    assert {e.email for e in emails} == {"jean@gmail.com"} and phones == {"+33612345678"}


def test_drop_registrations_keeps_other_rows_and_coordinator_lines() -> None:
    grid = [
        ["Prénom", "Réf. inscription", "Notes"],
        ["Jean", "R00001", "rappeler"],
        ["", "", "ligne du coordinateur"],
        ["Marie", "R00002", ""],
        ["Paul", "R00003"],
    ]
    kept, removed = drop_registrations(grid, {"R00002"})
    assert removed == 1
    assert kept == [grid[0], grid[1], grid[2], grid[4]]


def test_drop_registrations_leaves_a_tab_without_reference_column_alone() -> None:
    grid = [["Site", "Inscrits"], ["Paris", 12]]
    assert drop_registrations(grid, {"R00001"}) == (grid, 0)
    assert drop_registrations([], {"R00001"}) == ([], 0)
