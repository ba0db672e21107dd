import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.phones import _plain_french, format_national, normalise_phone
from rollcall.transforms.values import InvalidValue

MOBILE = "+33612345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("06 12 34 56 78", MOBILE, id="spaced"),
        pytest.param("06.12.34.56.78", MOBILE, id="dotted"),
        pytest.param("06-12-34-56-78", MOBILE, id="dashed"),
        pytest.param("0612345678", MOBILE, id="compact"),
        pytest.param("+33 6 12 34 56 78", MOBILE, id="international"),
        pytest.param("+33 (0)6 12 34 56 78", MOBILE, id="international_with_bracketed_zero"),
        pytest.param("0033612345678", MOBILE, id="international_double_zero"),
        pytest.param("33612345678", MOBILE, id="international_plus_lost"),
        pytest.param("612345678", MOBILE, id="phone_stored_as_number"),
        pytest.param("612345678.0", MOBILE, id="phone_stored_as_float"),
        pytest.param("6.12345678E8", MOBILE, id="phone_stored_as_scientific"),
        pytest.param("'0612345678", MOBILE, id="sheet_text_prefix"),
        pytest.param("06 12 34 56 78 (mobile)", MOBILE, id="text_after_number"),
        pytest.param("06 12 34 56 78 / 07 81 23 45 67", MOBILE, id="two_numbers_first_kept"),
        pytest.param("01 45 67 89 10", "+33145678910", id="landline"),
        pytest.param("07 81 23 45 67", "+33781234567", id="mobile_07"),
        pytest.param("+32 470 12 34 56", "+32470123456", id="belgian_mobile_stays_belgian"),
        pytest.param("+262 692 12 34 56", "+262692123456", id="reunion_mobile"),
    ],
)
def test_normalise_phone_to_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("123", id="too_short"),
        pytest.param("06 12", id="truncated"),
        pytest.param("n/a", id="not_applicable"),
        pytest.param("pas de tel", id="sentence"),
        pytest.param("0612345678" * 30, id="huge"),
        pytest.param("06.12", id="decimal_number"),
    ],
)
def test_invalid_phone(raw: str) -> None:
    assert isinstance(normalise_phone(raw), InvalidValue)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—"])
def test_empty_phone_is_none(raw: str | None) -> None:
    assert normalise_phone(raw) is None


def test_national_number_read_in_given_region() -> None:
    assert normalise_phone("0470 12 34 56", region="BE") == "+32470123456"


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        pytest.param(MOBILE, "06 12 34 56 78", id="french_mobile"),
        pytest.param("+33145678910", "01 45 67 89 10", id="french_landline"),
        pytest.param("+32470123456", "+32 470 12 34 56", id="foreign_stays_international"),
        pytest.param("not a number", "not a number", id="garbage_returned_unchanged"),
    ],
)
def test_format_national(e164: str, expected: str) -> None:
    assert format_national(e164) == expected


@given(st.from_regex(r"\+33[1-9][0-9]{8}", fullmatch=True))
def test_french_numbers_read_as_phonenumbers_formats_them(e164: str) -> None:
    """``format_national`` writes most French numbers itself, faster: the same text as
    phonenumbers, 08 numbers included (which it leaves to phonenumbers)."""
    number = phonenumbers.parse(e164, None)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if phonenumbers.region_code_for_number(number) != "FR":
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert format_national(e164) == expected


@settings(max_examples=3000, deadline=None)
@given(
    prefix=st.sampled_from(["", "0", "+33", "+33 ", "0033", "+33 (0)", "+33(0) ", "00 33 ", "+32 ", "+330", "1"]),
    national=st.from_regex(r"[0-9][0-9]{7,9}", fullmatch=True) | st.from_regex(r"[1-9][0-9]{8}", fullmatch=True),
    separator=st.sampled_from(["", " ", ".", "-", "  ", "/"]),
)
def test_the_plain_french_shortcut_gives_libphonenumbers_number(prefix: str, national: str, separator: str) -> None:
    """Where ``_plain_french`` answers, libphonenumber's parse gives the same valid number."""
    text = prefix + national[0] + separator + separator.join(national[i : i + 2] for i in range(1, len(national), 2))
    e164 = _plain_french(text)
    if e164 is not None:
        parsed = phonenumbers.parse(text, "FR")
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
