"""Phone numbers: parse whatever people and spreadsheets write into E.164."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberMatcher

from rollcall.transforms.text import clean
from rollcall.transforms.values import InvalidValue

# Beyond this a cell is prose, not a number; scanning it for numbers is not worth the time.
_MAX_SCANNED_LENGTH = 100


def normalise_phone(raw: str | None, region: str = "FR") -> str | InvalidValue | None:
    """Return the number in E.164 ("+33612345678"), an InvalidValue, or None when empty.

    National numbers are read in ``region``; "+32 470 12 34 56" stays Belgian. A number a
    spreadsheet stored as a number ("612345678", "612345678.0") lost its leading zero;
    libphonenumber reads it back. Text around a number ("06 12 34 56 78 (mobile)") is
    ignored, and of two numbers the first is kept. A cell without any letter or digit
    ("-") counts as empty.
    """
    text = clean(raw)
    if not any(char.isalnum() for char in text):
        return None
    digits = _undo_float(text)
    if region == "FR" and (e164 := _plain_french(digits)):
        return e164
    number = _parse_valid(digits, region) or _find_in_text(text, region)
    if number is None:
        return InvalidValue("not a valid phone number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


#: A French number shown in pairs, "0X XX XX XX XX": geographic, mobile and 09 numbers.
_FRENCH_PAIRS = re.compile(r"\+33[1-79][0-9]{8}")


def format_national(e164: str) -> str:
    """Format for a French coordinator: "06 12 34 56 78" at home, "+32 470 12 34 56" abroad.

    A value that is not a number is returned unchanged, so a roster never fails on it.
    """
    if _FRENCH_PAIRS.fullmatch(e164):
        # Written here rather than by phonenumbers, which gives the same text 30 times slower
        # (parse, then format): 3 s a night at 100,000 registrants. 08 numbers ("0 800 ...")
        # are grouped otherwise and go through phonenumbers (tests/transforms/test_phones.py).
        digits = e164[3:]
        return f"0{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:9]}"
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == "FR":
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


#: A French number written plainly: "06 12 34 56 78", "+33 (0)6.12.34.56.78", "0033612345678",
#: or the 9 digits a spreadsheet left of it ("612345678").
_PLAIN_FRENCH = re.compile(r"(?:(?:\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?|0)?([1-9](?:[ .\-]?[0-9]){8})")


def _plain_french(text: str) -> str | None:
    """The E.164 form of a plainly written valid French number, or None (the caller then
    asks libphonenumber). libphonenumber's parse costs ~40 µs a number, 4 s of a 100,000-row
    first sync; validity is still its own (``is_valid_number`` on the national digits), and
    ``tests/transforms/test_phones.py`` checks both ways give the same number."""
    found = _PLAIN_FRENCH.fullmatch(text)
    if found is None:
        return None
    national = found.group(1).replace(" ", "").replace(".", "").replace("-", "")
    number = phonenumbers.PhoneNumber(country_code=33, national_number=int(national))
    return "+33" + national if phonenumbers.is_valid_number(number) else None


def _undo_float(text: str) -> str:
    """Turn "612345678.0" or "6.12345678E8" (a number cell exported as a float) into digits."""
    if "." not in text and "e" not in text.lower():
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and 0 < value < 1e16 else text


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """Parse ``text`` as one number; None unless libphonenumber deems it valid."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _find_in_text(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """Return the first valid number written inside some text, if any."""
    if len(text) > _MAX_SCANNED_LENGTH:
        return None
    return next((match.number for match in PhoneNumberMatcher(text, region)), None)


def is_placeholder_phone(e164: str) -> bool:
    """A French number no one owns, typed to fill a required cell: "06 00 00 00 00",
    "01 23 45 67 89" (``0000000000`` is no valid number at all)."""
    return e164.startswith("+33") and is_placeholder_national(e164[3:])


def is_placeholder_national(national: str) -> bool:
    """9 national digits that no one owns: zeros after the first (6 00 00 00 00), or a run
    (1 23 45 67 89)."""
    return national[1:] == "00000000" or national in ("123456789", "987654321")
