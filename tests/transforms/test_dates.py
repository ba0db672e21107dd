from datetime import UTC, datetime

import pytest

from rollcall.transforms.dates import parse_submitted_at
from rollcall.transforms.values import InvalidValue


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2022-10-08T10:00:00Z", _utc(2022, 10, 8, 10), id="iso_zulu"),
        pytest.param("2022-10-08T12:00:00+02:00", _utc(2022, 10, 8, 10), id="iso_offset"),
        pytest.param(
            "2024-10-21T17:04:55.3020839+02:00",
            _utc(2024, 10, 21, 15, 4, 55, 302083),
            id="iso_seven_fraction_digits",
        ),
        pytest.param("2022-10-08T12:00:00", _utc(2022, 10, 8, 10), id="iso_naive_is_paris_summer"),
        pytest.param("2022-12-08 12:00:00", _utc(2022, 12, 8, 11), id="iso_naive_is_paris_winter"),
        pytest.param("08/10/2022", _utc(2022, 10, 7, 22), id="day_first_date"),
        pytest.param("08/10/2022 12:30", _utc(2022, 10, 8, 10, 30), id="day_first_minutes"),
        pytest.param("08/10/2022 12:30:15", _utc(2022, 10, 8, 10, 30, 15), id="day_first_seconds"),
        pytest.param("13/10/2022", _utc(2022, 10, 12, 22), id="day_above_twelve"),
        pytest.param("44835.5", _utc(2022, 10, 1, 10), id="spreadsheet_serial"),
        pytest.param("44835", _utc(2022, 9, 30, 22), id="spreadsheet_serial_whole_day"),
    ],
)
def test_parse_submitted_at(raw: str, expected: datetime) -> None:
    result = parse_submitted_at(raw)
    assert result == expected
    assert isinstance(result, datetime) and result.tzinfo is UTC


def test_naive_time_read_in_given_zone() -> None:
    assert parse_submitted_at("08/10/2022 12:00", tz="America/Martinique") == _utc(2022, 10, 8, 16)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("10/13/2022", id="month_first_never_guessed"),
        pytest.param("8 octobre 2022", id="words"),
        pytest.param("hier", id="not_a_date"),
        pytest.param("0612345678", id="number_outside_serial_range"),
        pytest.param("31/02/2022", id="impossible_day"),
        pytest.param("9999-12-31T23:59:59-14:00", id="overflows_utc"),
    ],
)
def test_unparsed_date(raw: str) -> None:
    assert isinstance(parse_submitted_at(raw), InvalidValue)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_date_is_none(raw: str | None) -> None:
    assert parse_submitted_at(raw) is None
