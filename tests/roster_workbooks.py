"""Reading the roster workbooks a sync wrote, as a coordinator would see them."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook


def roster_rows(directory: Path) -> dict[str, list[dict]]:
    """Each workbook's roster rows, by header."""
    rosters = {}
    for path in sorted(directory.glob("*.xlsx")):
        workbook = load_workbook(path, read_only=True)
        header, *rows = workbook["Inscrits"].iter_rows(values_only=True)
        rosters[path.name] = [dict(zip(header, row)) for row in rows]
        workbook.close()
    return rosters
