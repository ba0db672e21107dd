"""Submission timestamps from APIs, CSV exports and spreadsheets, as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rollcall.transforms.text import clean
from rollcall.transforms.values import InvalidValue

# A fixed list rather than dateutil: "08/10/2022" is 8 October in France, and a parser that
# guesses month-first on some rows would silently reorder sign-ups. Day first, always.
_DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")

# Spreadsheet serial dates count days from 1899-12-30. Only 1970..2100 is accepted, so a
# stray number (a phone, a postcode) is not read as a date.
_SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (25569.0, 73051.0)


def parse_submitted_at(raw: str | None, tz: str = "Europe/Paris") -> datetime | InvalidValue | None:
    """Return an aware UTC datetime, an InvalidValue, or None when empty.

    Accepts ISO 8601 with "Z" or an offset (any number of fractional digits), ISO without
    offset, "dd/mm/yyyy[ HH:MM[:SS]]", and spreadsheet serials ("44835.5"). Times without an
    offset are wall-clock times in ``tz``, where the sign-ups happen.
    """
    text = clean(raw)
    if not text:
        return None
    parsed = _from_serial(text) or _from_iso(text) or _from_day_first(text)
    if parsed is None:
        return InvalidValue("not a recognised date")
    try:
        aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))
        return aware.astimezone(UTC)
    except (OverflowError, ValueError):
        return InvalidValue("date out of range")


def _from_serial(text: str) -> datetime | None:
    """Read a spreadsheet serial number ("44835.5", "44835,5") as a naive local datetime."""
    try:
        days = float(text.replace(",", ".", 1))
    except ValueError:
        return None
    if not _SERIAL_RANGE[0] <= days <= _SERIAL_RANGE[1]:
        return None
    return _SERIAL_EPOCH + timedelta(seconds=round(days * 86400))


def _from_iso(text: str) -> datetime | None:
    """Read ISO 8601, including "Z" and 7-digit fractions (Python 3.11 fromisoformat)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_day_first(text: str) -> datetime | None:
    """Read the French day-first formats."""
    for pattern in _DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
