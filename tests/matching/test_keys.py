"""Matching keys: names, emails, phones and sites as the matcher compares them."""

from __future__ import annotations

import pytest

from rollcall.transforms.matching.keys import email_keys, match_name, phone_key, site_key


@pytest.mark.parametrize(
    "raw, key",
    [
        pytest.param("Jean.Dupont@GMAIL.com", "jeandupont@gmail.com", id="gmail_dots_and_case"),
        pytest.param("jeandupont+benevolat@gmail.com", "jeandupont@gmail.com", id="gmail_plus_tag"),
        pytest.param("j.dupont@googlemail.com", "jdupont@gmail.com", id="googlemail_is_gmail"),
        pytest.param(" jean.dupont @ orange.fr ", "jean.dupont@orange.fr", id="spaces_other_domain_keeps_dots"),
        pytest.param("mailto:Marie@Free.fr", "marie@free.fr", id="mailto_through_the_library"),
        pytest.param("pas une adresse", "", id="invalid_is_empty"),
    ],
)
def test_email_key(raw: str, key: str) -> None:
    assert email_keys(raw).key == key


def test_domain_typo_is_flagged_not_rewritten() -> None:
    keys = email_keys("jean.dupont@gmial.com")
    assert (keys.key, keys.suspicious) == ("jean.dupont@gmial.com", True)


@pytest.mark.parametrize(
    "raw, e164",
    [
        pytest.param("06 12 34 56 78", "+33612345678", id="spaced_pairs"),
        pytest.param("06.12.34.56.78", "+33612345678", id="dots"),
        pytest.param("+33 (0)6 12 34 56 78", "+33612345678", id="plus33_bracket_zero"),
        pytest.param("0033 6 12 34 56 78", "+33612345678", id="double_zero_33"),
        pytest.param("612345678", "+33612345678", id="sheet_dropped_leading_zero"),
        pytest.param("612345678.0", "+33612345678", id="sheet_float_through_the_library"),
        pytest.param("01 44 55 66 77", "+33144556677", id="paris_landline"),
        pytest.param("+32 470 12 34 56", "+32470123456", id="belgian_mobile_stays_belgian"),
        pytest.param("06 12", "", id="too_short_is_empty"),
    ],
)
def test_phone_key(raw: str, e164: str) -> None:
    assert phone_key(raw) == e164


@pytest.mark.parametrize(
    "raw, key",
    [
        pytest.param("Jean-Pierre", "jean pierre", id="hyphen"),
        pytest.param("HÃ©lÃ¨ne", "helene", id="mojibake_repaired"),
        pytest.param("d'Artagnan", "d artagnan", id="apostrophe"),
    ],
)
def test_match_name(raw: str, key: str) -> None:
    assert match_name(raw) == key


@pytest.mark.parametrize(
    "raw, code",
    [
        pytest.param("St Denis", "STD", id="saint_denis_abbreviated"),
        pytest.param("93200", "STD", id="saint_denis_postcode"),
        pytest.param("paris 11e", "PAR", id="paris_arrondissement"),
        pytest.param("59", "", id="lille_or_roubaix_is_no_evidence"),
    ],
)
def test_site_key(catalog, raw: str, code: str) -> None:
    assert site_key(raw, catalog) == code


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0000000000", id="zeros"),
        pytest.param("00 00 00 00 00", id="spaced_zeros"),
        pytest.param("0600000000", id="mobile_prefix_then_zeros"),
        pytest.param("0123456789", id="a_run"),
        pytest.param("NC", id="nc"),
        pytest.param("n/a", id="n_a"),
        pytest.param("0", id="a_zero"),
    ],
)
def test_phone_placeholders_are_no_phone(raw: str) -> None:
    assert phone_key(raw) == ""


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("pas de mail", id="pas_de_mail"),
        pytest.param("NC", id="nc"),
        pytest.param("n/a", id="n_a"),
        pytest.param("nc@nc.fr", id="valid_looking_nc"),
        pytest.param("pasdemail@gmail.com", id="valid_looking_pas_de_mail"),
        pytest.param("aucun@aucun.fr", id="valid_looking_aucun"),
    ],
)
def test_email_placeholders_are_no_email(raw: str) -> None:
    assert email_keys(raw).key == ""


def test_a_real_phone_with_repeated_digits_is_kept() -> None:
    assert phone_key("06 11 11 11 11") == "+33611111111"
