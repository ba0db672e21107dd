"""The roster tab merge: coordinator edits survive sorting, inserted rows and new columns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from rollcall.models.records import CANCELLED, REGISTERED, RosterEntry
from rollcall.transforms.sheet_roster import (
    CANCELLED_CHANGE,
    CONFLICT_HEADER,
    ID_HEADER,
    NEW,
    PIPELINE_HEADERS,
    ROSTER_COLUMNS,
    UPDATED,
    WITHDRAWN_CHANGE,
    WITHDRAWN_LABEL,
    WITHDRAWN_NOTE,
    SheetEntry,
    changes_grid,
    merge_roster,
    same_grid,
    sheet_entry,
    summary_grid,
    trimmed,
)

DAY = datetime(2026, 10, 1, 9, 14)


def entry(rid: str, first: str, last: str, **kw: object) -> SheetEntry:
    values = dict(
        registration_id=rid,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@exemple.fr",
        phone="06 12 34 56 78",
        sources=("Tally",),
        registered_at=DAY,
        status=REGISTERED,
    )
    values.update(kw)
    return SheetEntry(**values)  # type: ignore[arg-type]


ENTRIES = [
    entry("1", "Awa", "Diallo"),
    entry("2", "Bruno", "Martin", phone="01000"),
    entry("3", "Chloé", "Petit", sources=("Tally", "HelloAsso")),
    entry("4", "Driss", "Benali"),
    entry("5", '=IMPORTXML("http://x","//a")', "Zed"),
]


def column(grid: list[list[object]], name: str) -> int:
    return grid[0].index(name)


def row_of(grid: list[list[object]], rid: str) -> list[object]:
    matches = [r for r in grid[1:] if r[column(grid, ID_HEADER)] == rid]
    assert len(matches) == 1, f"{rid} appears {len(matches)} times"
    return matches[0]


def typed_row(header: list[object], cells: dict[str, object]) -> list[object]:
    """A row a coordinator typed, cell by column name, blank elsewhere."""
    return [cells.get(str(name), "") for name in header]


def as_read(grid: list[list[object]]) -> list[list[object]]:
    """What values.get would return for this grid."""
    return trimmed(grid)


@pytest.fixture
def first_push():
    return merge_roster(ENTRIES, [], {})


def test_first_push_on_an_empty_tab_writes_header_and_rows(first_push) -> None:
    grid = first_push.grid
    assert tuple(grid[0]) == ROSTER_COLUMNS
    assert [r[0] for r in grid[1:]] == ["1", "2", "3", "4", "5"]
    assert row_of(grid, "2")[column(grid, "Téléphone")] == "01000"
    assert row_of(grid, "5")[column(grid, "Prénom")] == '=IMPORTXML("http://x","//a")'
    assert row_of(grid, "1")[column(grid, "Présent")] is False
    assert [c.kind for c in first_push.changes] == [NEW] * 5
    assert not first_push.content_unchanged


@pytest.mark.parametrize(
    "current",
    [
        pytest.param([], id="empty_tab"),
        pytest.param([list(ROSTER_COLUMNS)], id="header_only"),
        pytest.param([["Réf. inscription", "Prénom"]], id="partial_header"),
    ],
)
def test_header_only_or_empty_tab_gets_every_registration(current) -> None:
    merged = merge_roster(ENTRIES, current, {})
    assert len(merged.grid) == 1 + len(ENTRIES)
    assert set(ROSTER_COLUMNS) <= set(merged.grid[0])


def coordinator_edits(grid: list[list[object]]) -> list[list[object]]:
    """Sort by Nom descending, tick Présent, write notes, insert a row, add a column, blank row,
    and change one pipeline-owned cell (Awa's email)."""
    header, rows = list(grid[0]), [list(r) for r in grid[1:]]
    rows.sort(key=lambda r: r[column(grid, "Nom")], reverse=True)
    header.append("Covoiturage")
    for r in rows:
        rid = r[0]
        if rid == "2":
            r[column(grid, "Présent")] = True
        if rid == "3":
            r[column(grid, "Notes")] = "Rappeler jeudi"
        if rid == "5":
            r[column(grid, "Notes")] = "A annulé par téléphone"
        if rid == "1":
            r[column(grid, "Email")] = "awa.diallo@perso.fr"
        r.append("oui" if rid == "4" else "")
    rows.insert(
        2, typed_row(grid[0], {"Prénom": "Sami", "Nom": "Invité", "Présent": True, "Notes": "venu sans inscription"})
    )
    rows.insert(1, [])
    return as_read([header, *rows])


def test_second_push_keeps_every_coordinator_value_where_it_belongs(first_push) -> None:
    current = coordinator_edits(first_push.grid)
    pipeline = [e for e in ENTRIES if e.registration_id != "5"]
    pipeline += [
        replace(ENTRIES[4], status=CANCELLED),
        entry("6", "Fanny", "Roux"),
        entry("7", "Gaël", "Aubert", phone=""),
    ]
    pipeline[1] = replace(pipeline[1], phone="07 00 00 00 01")

    merged = merge_roster(pipeline, current, first_push.pushed)
    grid = merged.grid

    old_order = [r[0] for r in current[1:] if r and r[0]]
    assert [r[0] for r in grid[1:] if r[0]][: len(old_order)] == old_order  # coordinator's order
    assert [r[0] for r in grid[-2:]] == ["6", "7"]  # new ones appended
    assert grid[2] == [""] * len(grid[0])  # the blank middle row stays
    inserted = [r for r in grid[1:] if r[column(grid, "Prénom")] == "Sami"]
    assert len(inserted) == 1 and inserted[0][column(grid, "Notes")] == "venu sans inscription"
    assert row_of(grid, "2")[column(grid, "Présent")] is True
    assert row_of(grid, "2")[column(grid, "Téléphone")] == "07 00 00 00 01"  # pipeline update
    assert row_of(grid, "3")[column(grid, "Notes")] == "Rappeler jeudi"
    assert row_of(grid, "4")[column(grid, "Covoiturage")] == "oui"
    assert row_of(grid, "5")[column(grid, "Statut")] == "Annulé"
    assert row_of(grid, "5")[column(grid, "Notes")] == "A annulé par téléphone"
    assert len(grid) == len(current) + 2

    assert merged.coordinator["2"].present is True
    assert merged.coordinator["3"].notes == "Rappeler jeudi"
    assert merged.coordinator["4"].extras == {"Covoiturage": "oui"}
    assert merged.coordinator["6"].present is False

    kinds = {(c.kind, c.registration_id) for c in merged.changes}
    assert kinds == {(UPDATED, "2"), (CANCELLED_CHANGE, "5"), (NEW, "6"), (NEW, "7")}


def test_coordinator_edit_of_a_pipeline_cell_is_kept_and_flagged(first_push) -> None:
    current = coordinator_edits(first_push.grid)
    changed = [replace(ENTRIES[0], email="awa@nouveau.fr"), *ENTRIES[1:]]
    merged = merge_roster(changed, current, first_push.pushed)
    awa = row_of(merged.grid, "1")
    assert awa[column(merged.grid, "Email")] == "awa.diallo@perso.fr"
    assert "Email" in awa[column(merged.grid, CONFLICT_HEADER)]
    assert [(c.registration_id, c.column, c.sheet, c.pipeline) for c in merged.conflicts] == [
        ("1", "Email", "awa.diallo@perso.fr", "awa@nouveau.fr")
    ]
    assert merged.pushed["1"]["Email"] == "awa@exemple.fr"  # baseline stays what was pushed

    again = merge_roster(changed, as_read(merged.grid), merged.pushed)
    assert again.content_unchanged and len(again.conflicts) == 1  # still flagged, no churn


def test_clearing_a_conflicting_cell_takes_the_pipeline_value_back(first_push) -> None:
    current = [list(r) for r in first_push.grid]
    current[1][column(current, "Email")] = ""
    merged = merge_roster(ENTRIES, as_read(current), first_push.pushed)
    assert row_of(merged.grid, "1")[column(merged.grid, "Email")] == "awa@exemple.fr"
    assert not merged.conflicts


def test_unchanged_content_needs_no_write(first_push) -> None:
    merged = merge_roster(ENTRIES, as_read(first_push.grid), first_push.pushed)
    assert merged.content_unchanged and not merged.changes and not merged.conflicts


def test_ids_read_back_as_numbers_still_match(first_push) -> None:
    current = as_read(first_push.grid)
    for r in current[1:]:
        r[0] = float(r[0])
    merged = merge_roster(ENTRIES, current, first_push.pushed)
    assert len(merged.grid) == len(current)


def test_duplicate_id_rows_are_not_multiplied(first_push) -> None:
    current = as_read(first_push.grid)
    current.append(list(current[1]))
    merged = merge_roster(ENTRIES, current, first_push.pushed)
    assert len(merged.grid) == len(current)


def test_sheet_entry_formats_for_the_coordinator() -> None:

    roster = RosterEntry(
        "Awa", "Diallo", None, "+33612345678", ("Tally",), datetime(2026, 10, 1, 7, 14, 33, tzinfo=UTC), REGISTERED
    )
    e = sheet_entry(12, roster)
    assert (e.registration_id, e.phone, e.email, e.registered_at) == (
        "12",
        "06 12 34 56 78",
        "",
        datetime(2026, 10, 1, 9, 14),
    )


def test_changes_and_summary_tabs() -> None:
    merged = merge_roster(ENTRIES, [], {})
    changes = changes_grid(merged.changes, datetime(2026, 10, 2, 8, 0))
    assert changes[1][:3] == ["02/10/2026 08:00", NEW, "1"]
    summary = summary_grid("Lyon", [*ENTRIES[:4], replace(ENTRIES[4], status=CANCELLED)], 8)
    assert ["Inscrits", 4] in summary and ["Annulés", 1] in summary
    assert ["Places restantes", 4] in summary and ["HelloAsso", 1] in summary
    assert ["Tally", 4] in summary and ["01/10/2026", 4] in summary
    assert same_grid(summary, trimmed(summary))


def test_a_tab_without_its_id_column_is_refused_not_duplicated(first_push) -> None:
    current = [["Prénom", "Nom"], ["Awa", "Diallo"]]
    with pytest.raises(ValueError, match="Réf. inscription"):
        merge_roster(ENTRIES, current, first_push.pushed)


def test_rows_no_push_was_recorded_for_take_the_pipelines_values(first_push) -> None:
    """A database restored from a copy older than the tab (or a push stored before
    ``previous`` existed): the next push finds our rows with no record of them. Their cells
    are ours as written, so a value that changed since (Chloé gained a source) is written,
    not kept as a coordinator's edit for ever; what the coordinator typed in their own
    columns is kept."""
    current = as_read(first_push.grid)
    row_of(current, "3")[column(current, "Notes")] = "rappeler"
    later = [*ENTRIES[:2], replace(ENTRIES[2], sources=("Tally", "HelloAsso", "Export")), *ENTRIES[3:]]
    merged = merge_roster(later, current, {})  # nothing stored of the killed push
    assert merged.conflicts == []
    assert row_of(merged.grid, "3")[column(merged.grid, "Source(s)")] == "Tally, HelloAsso, Export"
    assert row_of(merged.grid, "3")[column(merged.grid, "Notes")] == "rappeler"
    again = merge_roster(later, as_read(merged.grid), merged.pushed)
    assert again.conflicts == [] and same_grid(again.grid, merged.grid)


def test_a_push_stored_and_never_written_leaves_the_earlier_values_ours(first_push) -> None:
    """A push stores what it writes before the tab holds it; stopped in between, the tab
    still holds the push before. The next push reads those values as ours (``previous``,
    the values the stopped push found there): Chloé's sources, changed twice, end as one
    clean push writes them, while a coordinator's real edit is still kept and flagged."""

    def tab() -> list[list[object]]:  # the tab as the first push left it, an email typed over
        current = as_read(first_push.grid)
        row_of(current, "2")[column(current, "Email")] = "tapé@exemple.fr"
        return current

    chloe = ENTRIES[2]
    stopped = [*ENTRIES[:2], replace(chloe, sources=("HelloAsso",)), *ENTRIES[3:]]
    stored = merge_roster(stopped, tab(), first_push.pushed)  # stored, never written
    assert stored.held["3"]["Source(s)"] == "Tally, HelloAsso" and "1" not in stored.held
    later = [*ENTRIES[:2], replace(chloe, sources=("Tally", "HelloAsso", "Export")), *ENTRIES[3:]]
    merged = merge_roster(later, tab(), stored.pushed, previous=stored.held)
    clean = merge_roster(later, tab(), first_push.pushed)
    assert merged.grid == clean.grid and merged.conflicts == clean.conflicts
    assert [(c.registration_id, c.column) for c in merged.conflicts] == [("2", "Email")]
    assert row_of(merged.grid, "3")[column(merged.grid, "Source(s)")] == "Tally, HelloAsso, Export"
    without = merge_roster(later, tab(), stored.pushed)  # as it was: the earlier value an edit
    assert ("3", "Source(s)") in [(c.registration_id, c.column) for c in without.conflicts]


def test_a_title_row_added_above_the_header_is_named_in_the_refusal(first_push) -> None:
    """A coordinator who types a title above the header is told which row the header is on
    and what to do, not that the column is gone."""
    current = [["Liste de Lyon, 8 octobre"], [], *as_read(first_push.grid)]
    with pytest.raises(ValueError, match=r"'Réf. inscription'\) is row 3, not row 1: rows were added above it"):
        merge_roster(ENTRIES, current, first_push.pushed)


def test_header_cells_are_matched_stripped_and_left_as_typed(first_push) -> None:
    current = as_read(first_push.grid)
    current[0] = [f"{name} " if name == "Notes" else name for name in current[0]] + [2027]
    current[1] = current[1] + [""] * (len(current[0]) - 1 - len(current[1])) + ["x"]
    merged = merge_roster(ENTRIES, current, first_push.pushed)
    assert merged.content_unchanged
    assert merged.coordinator["1"].extras == {"2027": "x"}


# ---- leaving the roster is a state change (rules 5 to 7)


def cancelled(e: SheetEntry) -> SheetEntry:
    """What the flow sends for a cancelled registration: ``sheet_entry`` drops its contacts."""
    roster = RosterEntry(e.first_name, e.last_name, e.email, "+33612345678", e.sources, e.registered_at, CANCELLED)
    return sheet_entry(e.registration_id, roster)


def typed(grid: list[list[object]], rid: str, **cells: object) -> list[list[object]]:
    """The tab as read after a coordinator typed ``cells`` (column name -> value) in a row."""
    out = [list(r) + [""] * (len(grid[0]) - len(r)) for r in grid]
    for name, value in cells.items():
        if name not in out[0]:
            out[0].append(name)
            for r in out[1:]:
                r.append("")
        row_of(out, rid)[column(out, name)] = value
    return as_read(out)


def contacts(grid: list[list[object]]) -> set[object]:
    """Every email and phone cell of a grid, whatever the column they sit in."""
    return {v for r in grid for v in r if isinstance(v, str) and ("@" in v or v.startswith("06 "))}


def test_a_cancelled_registration_keeps_its_names_not_its_contacts() -> None:
    roster = RosterEntry("Awa", "Diallo", "awa@exemple.fr", "+33612345678", ("Tally",), DAY, CANCELLED)
    e = sheet_entry("R00001", roster)
    assert (e.first_name, e.last_name, e.email, e.phone, e.status) == ("Awa", "Diallo", "", "", CANCELLED)


def test_cancelling_a_pushed_row_clears_its_email_and_phone(first_push) -> None:
    current = typed(first_push.grid, "1", Notes="a prévenu")
    merged = merge_roster([cancelled(ENTRIES[0]), *ENTRIES[1:]], current, first_push.pushed)
    awa = row_of(merged.grid, "1")
    assert [awa[column(merged.grid, n)] for n in ("Prénom", "Email", "Téléphone", "Statut", "Notes")] == [
        "Awa",
        "",
        "",
        "Annulé",
        "a prévenu",
    ]
    assert not merged.conflicts
    assert [(c.kind, c.registration_id) for c in merged.changes] == [(CANCELLED_CHANGE, "1")]


def test_a_row_nobody_typed_in_is_removed_when_the_pipeline_stops_sending_it(first_push) -> None:
    merged = merge_roster(ENTRIES[:4], as_read(first_push.grid), first_push.pushed)
    assert [r[0] for r in merged.grid[1:]] == ["1", "2", "3", "4"]
    assert merged.removed_ids == ["5"] and merged.withdrawn_ids == [] and merged.unknown_ids == ["5"]
    assert [(c.kind, c.registration_id, c.first_name, c.last_name) for c in merged.changes] == [
        (WITHDRAWN_CHANGE, "5", "", "")
    ]  # the Nouveautés line names nobody
    assert not merged.content_unchanged and "5" not in merged.pushed

    again = merge_roster(ENTRIES[:4], as_read(merged.grid), merged.pushed)
    assert again.content_unchanged and not again.changes and not again.removed_ids


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param({"Présent": True}, id="present_ticked"),
        pytest.param({"Présent": "oui"}, id="present_typed_oui"),
        pytest.param({"Appelé": "lundi"}, id="called"),
        pytest.param({"Notes": "A appelé pour annuler"}, id="notes"),
        pytest.param({"Covoiturage": "oui"}, id="added_column"),
    ],
)
def test_a_row_with_the_coordinators_input_stays_blanked_and_marked_withdrawn(first_push, cells) -> None:
    current = typed(first_push.grid, "1", **cells)
    merged = merge_roster(ENTRIES[1:], current, first_push.pushed)
    grid = merged.grid
    awa = row_of(grid, "1")
    assert {n: awa[column(grid, n)] for n in PIPELINE_HEADERS} == {
        n: "1" if n == ID_HEADER else WITHDRAWN_LABEL if n == "Statut" else "" for n in PIPELINE_HEADERS
    }
    assert awa[column(grid, CONFLICT_HEADER)] == WITHDRAWN_NOTE
    assert {n: awa[column(grid, n)] for n in cells} == cells  # their cells, as they typed them
    assert "awa@exemple.fr" not in contacts(grid)
    assert merged.withdrawn_ids == ["1"] and merged.removed_ids == []
    assert [(c.kind, c.registration_id, c.first_name) for c in merged.changes] == [(WITHDRAWN_CHANGE, "1", "")]
    assert "1" not in merged.pushed and "1" not in merged.coordinator  # the database keeps its last state

    again = merge_roster(ENTRIES[1:], as_read(grid), merged.pushed)
    assert again.content_unchanged and not again.changes and again.withdrawn_ids == ["1"]


@pytest.mark.parametrize(
    "present", [pytest.param(False, id="unticked"), pytest.param("", id="blank"), pytest.param("non", id="typed_non")]
)
def test_an_unticked_present_box_is_not_input_to_keep(first_push, present) -> None:
    current = typed(first_push.grid, "1", Présent=present)
    assert merge_roster(ENTRIES[1:], current, first_push.pushed).removed_ids == ["1"]


def test_a_corrected_contact_is_not_kept_once_the_registration_leaves(first_push) -> None:
    current = typed(first_push.grid, "1", Email="awa.perso@exemple.fr", Présent=True)
    merged = merge_roster(ENTRIES[1:], current, first_push.pushed)
    assert row_of(merged.grid, "1")[column(merged.grid, "Email")] == ""
    assert "awa.perso@exemple.fr" not in contacts(merged.grid)


def test_a_withdrawn_row_is_filled_again_when_its_registration_comes_back(first_push) -> None:
    withdrawn = merge_roster(
        ENTRIES[1:], typed(first_push.grid, "1", Présent=True, Notes="à rappeler"), first_push.pushed
    )
    current = typed(withdrawn.grid, "1", Prénom="Awa D.")  # typed in one of our blanked cells meanwhile
    merged = merge_roster(ENTRIES, current, first_push.pushed)  # the database's baseline is still the old one
    grid, awa = merged.grid, row_of(merged.grid, "1")
    assert awa[column(grid, "Email")] == "awa@exemple.fr" and awa[column(grid, "Statut")] == "Inscrit"
    assert (awa[column(grid, "Présent")], awa[column(grid, "Notes")]) == (True, "à rappeler")
    assert awa[column(grid, "Prénom")] == "Awa D." and "Prénom" in awa[column(grid, CONFLICT_HEADER)]
    assert [(c.registration_id, c.column) for c in merged.conflicts] == [("1", "Prénom")]
    assert [(c.kind, c.registration_id) for c in merged.changes] == [(NEW, "1")]
    assert merged.coordinator["1"].present is True and merged.withdrawn_ids == []

    again = merge_roster(ENTRIES, as_read(grid), merged.pushed)
    assert again.content_unchanged and len(again.conflicts) == 1  # still flagged, no churn


def test_a_coordinators_own_rows_stay_untouched(first_push) -> None:
    current = as_read(first_push.grid)
    own = trimmed(
        [
            typed_row(
                current[0],
                {
                    "Prénom": "Sami",
                    "Nom": "Invité",
                    "Email": "sami@exemple.fr",
                    "Présent": True,
                    "Notes": "venu sans inscription",
                },
            )
        ]
    )[0]
    walk_in = ["sur place", "Léa", "Sans-Réf", "lea@exemple.fr"]
    current += [own, [], walk_in]
    merged = merge_roster(ENTRIES[1:], current, first_push.pushed, is_reference=lambda rid: rid.isdigit())
    assert merged.grid[-3][: len(own)] == own and merged.grid[-1][: len(walk_in)] == walk_in
    assert merged.removed_ids == ["1"] and merged.unknown_ids == ["1", "sur place"]


def test_every_copy_of_a_leaving_row_is_handled(first_push) -> None:
    current = as_read(first_push.grid)
    copy = list(first_push.grid[1])  # Awa's row, copied below by the coordinator, with a note
    copy[column(current, "Notes")] = "copie"
    current.append(copy)
    merged = merge_roster(ENTRIES[1:], current, first_push.pushed)
    assert "awa@exemple.fr" not in contacts(merged.grid)
    assert (merged.removed_ids, merged.withdrawn_ids) == (["1"], ["1"])
    assert [(c.kind, c.registration_id) for c in merged.changes] == [(WITHDRAWN_CHANGE, "1")] * 2


def test_after_edits_and_departures_the_tab_equals_one_clean_push(first_push) -> None:
    """The project's rule: whatever happened before, our cells end as one clean push of the
    current registrations would write them, next to what the coordinators typed."""
    current = typed(first_push.grid, "3", Présent=True)
    current = typed(current, "2", Notes="vient à 10h")
    now = [cancelled(ENTRIES[1]), ENTRIES[3], entry("6", "Fanny", "Roux")]  # 1, 3, 5 leave; 2 cancels
    merged = merge_roster(now, current, first_push.pushed)
    clean = merge_roster(now, [], {})

    def ours(grid: list[list[object]]) -> dict[object, list[object]]:
        return {
            r[0]: [r[column(grid, n)] for n in PIPELINE_HEADERS]
            for r in grid[1:]
            if r[column(grid, "Statut")] != WITHDRAWN_LABEL
        }

    assert ours(merged.grid) == ours(clean.grid)
    assert [r[0] for r in merged.grid[1:] if r[column(merged.grid, "Statut")] == WITHDRAWN_LABEL] == ["3"]
    assert contacts(merged.grid) == contacts(clean.grid)
    statuses = [r[column(merged.grid, "Statut")] for r in merged.grid[1:]]
    summary = summary_grid("Lyon", now, 8)  # the Résumé: "Retiré" rows are not counted
    assert ["Inscrits", statuses.count("Inscrit")] in summary and ["Annulés", statuses.count("Annulé")] in summary


def test_the_summary_counts_registrations_not_withdrawn_rows() -> None:
    summary = summary_grid("Lyon", [*ENTRIES[:3], replace(ENTRIES[3], status=CANCELLED)], 8)
    assert ["Inscrits", 3] in summary and ["Annulés", 1] in summary


def test_the_changes_tab_says_a_row_left_without_naming_anyone(first_push) -> None:
    merged = merge_roster(ENTRIES[:4], as_read(first_push.grid), first_push.pushed)
    grid = changes_grid(merged.changes, datetime(2026, 10, 2, 8, 0))
    assert grid[1][1:] == [WITHDRAWN_CHANGE, "5", "", "", "ne figure plus parmi les inscrits : ligne supprimée"]
