"""A sheet cell's dates: spreadsheet serial numbers, as the Sheets API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from rollcall.models.cells import from_serial, to_serial


def test_serial_dates_round_trip() -> None:
    assert to_serial(datetime(1900, 1, 1, 12)) == 2.5
    assert from_serial(to_serial(datetime(2026, 10, 1, 9, 14))) == datetime(2026, 10, 1, 9, 14)
