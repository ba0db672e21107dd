"""Rule 11: a roster written in an earlier layout is put in the current one, and no cell a
coordinator typed is lost or lands on another row or column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.transforms.sheet_roster import (
    PAST_LAYOUTS,
    ROSTER_COLUMNS,
    SheetEntry,
    column_order,
    merge_roster,
    pipeline_values,
    trimmed,
)

DAY = datetime(2022, 9, 1, 10, 0)
OLD = list(PAST_LAYOUTS[0])


def entry(rid: str, first: str, last: str, status: str = REGISTERED, **kw: Any) -> SheetEntry:
    return SheetEntry(rid, first, last, f"{first.lower()}@exemple.fr", "06 12 34 56 78", ("Tally",), DAY, status, **kw)


ENTRIES = [
    entry("R00001", "Awa", "Diallo", time_slot="10h00 - 13h00"),
    entry("R00002", "Bruno", "Martin", remarks="vient le matin seulement"),
    entry("R00003", "Chloé", "Petit", CANCELLED),
]


def old_roster() -> tuple[list[list[Any]], dict[str, dict[str, Any]]]:
    """As the previous version wrote it, then typed in: Appelé, Présent, Notes after Statut, a
    coordinator's column "Tél. parent" inserted after Téléphone, "Covoiturage" at the end."""
    header = [*OLD[:5], "Tél. parent", *OLD[5:], "Covoiturage"]
    typed = {
        "R00001": {
            "Appelé": "oui 02/10",
            "Présent": True,
            "Notes": "allergie",
            "Tél. parent": "0601",
            "Covoiturage": "2 places",
        },
        "R00002": {"Présent": False, "Notes": "", "Covoiturage": "non"},
        "R00003": {"Notes": "a prévenu"},
    }
    old_entries = [
        SheetEntry(
            e.registration_id,
            e.first_name,
            e.last_name,
            e.email if e.status != CANCELLED else "",
            e.phone if e.status != CANCELLED else "",
            e.sources,
            e.registered_at,
            e.status,
        )
        for e in ENTRIES
    ]
    pushed, rows = {}, []
    for e in old_entries:
        values = {k: v for k, v in pipeline_values(e).items() if k in OLD}
        pushed[e.registration_id] = values
        rows.append([{**values, **typed[e.registration_id]}.get(name, "") for name in header])
    rows.insert(1, ["", "Sami", "Invité", "", "", "", "", "", "", "", True, "venu sans inscription"])
    return [header, *rows], pushed


def cells_by_reference(grid: list[list[Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    header = [str(h) for h in grid[0]]
    return {row[0]: {n: row[header.index(n)] for n in names} for row in grid[1:] if row and row[0]}


def test_an_old_layout_converges_to_the_new_one_with_every_coordinator_cell() -> None:
    current, pushed = old_roster()
    merged = merge_roster(ENTRIES, trimmed(current), pushed)
    header = merged.grid[0]
    assert header[: len(ROSTER_COLUMNS) + 2] == [
        "Réf. inscription",
        "Nom",
        "Prénom",
        "Présent",
        "Appelé",
        "Notes",
        "Créneau",
        "Mineur",
        "Bénévole",
        "Remarques",
        "Téléphone",
        "Tél. parent",
        "Email",
        "Source(s)",
        "Inscrit le",
        "Statut",
        "À vérifier",
        "Covoiturage",
    ]
    typed = ["Appelé", "Présent", "Notes", "Tél. parent", "Covoiturage"]
    before, after = cells_by_reference(current, typed), cells_by_reference(merged.grid, typed)
    assert {rid: {k: v for k, v in c.items() if v != ""} for rid, c in after.items()} == {
        rid: {k: v for k, v in c.items() if v != ""} for rid, c in before.items()
    }
    walk_in = next(r for r in merged.grid if "Sami" in r)
    assert (
        walk_in[header.index("Prénom")],
        walk_in[header.index("Nom")],
        walk_in[header.index("Présent")],
        walk_in[header.index("Notes")],
    ) == ("Sami", "Invité", True, "venu sans inscription")
    awa = merged.grid[1]
    assert (awa[header.index("Créneau")], awa[header.index("Email")]) == ("10h00 - 13h00", "awa@exemple.fr")
    assert merged.conflicts == []  # the move is not an edit
    assert merged.coordinator["R00001"].extras == {"Tél. parent": "0601", "Covoiturage": "2 places"}
    again = merge_roster(ENTRIES, trimmed(merged.grid), merged.pushed)
    assert again.content_unchanged and again.column_order == list(range(len(header)))


def test_the_merge_says_where_each_column_came_from() -> None:
    current, pushed = old_roster()
    merged = merge_roster(ENTRIES, trimmed(current), pushed)
    for j, i in enumerate(merged.column_order):
        if i is not None:
            assert merged.grid[0][j] == current[0][i]
        else:
            assert merged.grid[0][j] in ("Créneau", "Mineur", "Bénévole", "Remarques")


def test_a_layout_the_coordinator_rearranged_is_kept() -> None:
    """Notes moved before the names by hand: not a layout rollcall wrote, left as it is."""
    names = ["Notes", *[n for n in ROSTER_COLUMNS if n != "Notes"]]
    assert column_order(names) == list(range(len(names)))


def test_a_column_deleted_by_hand_comes_back_in_its_place() -> None:
    names = [n for n in ROSTER_COLUMNS if n != "Email"]
    order = column_order(names)
    assert [names[i] if isinstance(i, int) else i for i in order] == list(ROSTER_COLUMNS)
