"""What a coordinator reads in the sheet: conflict notes show values as the sheet shows them."""

from __future__ import annotations

from datetime import datetime

from rollcall.models.cells import to_serial
from rollcall.transforms.sheet_roster import ROSTER_COLUMNS, SheetEntry, merge_roster, pipeline_values

ENTRY = SheetEntry(
    "R00001",
    "Jean",
    "Dupont",
    "jean@example.org",
    "06 12 34 56 78",
    ("Tally",),
    datetime(2022, 10, 2, 8, 7),
    "registered",
)


def test_a_date_conflict_shows_the_date_not_a_serial() -> None:
    """The coordinator corrected "Inscrit le"; the note gives ours as 02/10/2022 08:07."""
    pushed = pipeline_values(ENTRY)
    row = [{**pushed, "Présent": False}.get(name, "") for name in ROSTER_COLUMNS]
    row[ROSTER_COLUMNS.index("Inscrit le")] = to_serial(datetime(2022, 10, 1, 9, 0))
    merged = merge_roster([ENTRY], [list(ROSTER_COLUMNS), row], {"R00001": pushed})
    note = merged.grid[1][ROSTER_COLUMNS.index("À vérifier")]
    assert note == "Modifié dans la feuille, valeur gardée : Inscrit le (pipeline : 02/10/2022 08:07)"
