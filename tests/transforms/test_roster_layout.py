"""How each tab of a roster is laid out, decided before any connector sees it: the
``TabLayout`` of a Google roster's tabs and of a workbook's."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.models.roster_tabs import CHANGES_TAB, ROSTER_TAB, SIGN_IN_TAB, SUMMARY_TAB, TO_COMPLETE_TAB
from rollcall.models.tab_layout import GreyedRule, TabLayout
from rollcall.transforms.roster_layout import (
    DATE_WIDTH,
    SIGNATURE_WIDTH,
    _longest,
    _shown_length,
    sheet_layout,
    sheet_layouts,
    workbook_layout,
    workbook_layouts,
)
from rollcall.transforms.sheet_roster import SheetEntry, merge_roster, sign_in_grid, summary_grid

DAY = datetime(2022, 9, 1, 10, 5)
LONG_EMAIL = "marie-charlotte.delafontaine-dubois@example.org"
ENTRIES = [
    SheetEntry("R00001", "Marie", "Dubois", LONG_EMAIL, "06 12 34 56 78", ("Tally",), DAY, REGISTERED),
    SheetEntry("R00002", "Awa", "Diallo", "", "", ("Tally",), DAY, CANCELLED),
]
GRID = merge_roster(ENTRIES, [], {}).grid
HEADER = GRID[0]
COLUMN = {name: i for i, name in enumerate(HEADER)}


def test_a_google_roster_keeps_names_on_screen_formats_its_columns_and_greys_by_rule() -> None:
    layout = sheet_layout(ROSTER_TAB, GRID)
    assert layout.frozen_columns == 3  # Réf. inscription, Nom, Prénom
    assert layout.date_columns == {COLUMN["Inscrit le"]}
    assert layout.text_columns == {COLUMN["Appelé"], COLUMN["Notes"]}
    assert layout.wrapped_columns == {COLUMN["Notes"], COLUMN["Remarques"], COLUMN["À vérifier"]}
    assert layout.checkbox_column == COLUMN["Présent"]
    # every column but what the coordinator fills at the door
    assert layout.protected_columns == {i for name, i in COLUMN.items() if name not in ("Présent", "Appelé", "Notes")}
    assert layout.greyed_rule == GreyedRule(COLUMN["Statut"], ("Annulé", "Retiré"))
    assert layout.greyed_rows == frozenset()  # the rule greys rows as they change
    assert layout.widths[COLUMN["Email"]] > len(LONG_EMAIL)
    assert layout.widths[COLUMN["Inscrit le"]] == DATE_WIDTH + 1


def test_a_workbook_roster_greys_the_rows_as_they_are() -> None:
    layout = workbook_layout(ROSTER_TAB, GRID)
    cancelled = next(r for r, row in enumerate(GRID) if row[0] == "R00002")
    assert layout.greyed_rows == {cancelled} and layout.greyed_rule is None
    assert layout.frozen_columns == 3 and layout.checkbox_column == COLUMN["Présent"]
    assert layout.date_columns == {COLUMN["Inscrit le"]}
    assert layout.wrapped_columns == {COLUMN["Notes"], COLUMN["Remarques"], COLUMN["À vérifier"]}
    assert layout.text_columns == frozenset() and layout.protected_columns == frozenset()
    assert layout.widths == sheet_layout(ROSTER_TAB, GRID).widths


def test_the_other_tabs_sign_in_boxes_the_fill_rate_and_no_frozen_names() -> None:
    sign_in, summary = sign_in_grid(ENTRIES), summary_grid("Lyon", ENTRIES, 4)
    rate = next(r for r, row in enumerate(summary) if row[0] == "Taux de remplissage")
    for layout_of in (sheet_layout, workbook_layout):
        boxes = layout_of(SIGN_IN_TAB, sign_in)
        assert boxes.boxed and boxes.widths[sign_in[0].index("Signature")] == SIGNATURE_WIDTH
        assert layout_of(SUMMARY_TAB, summary).percent_cell == (rate, 1)
        changes = layout_of(CHANGES_TAB, [["Date", "Détail"], [DAY.strftime("%d/%m/%Y %H:%M"), "x"]])
        assert (changes.frozen_columns, changes.date_columns, changes.checkbox_column) == (0, frozenset(), None)
        assert not changes.boxed and changes.percent_cell is None
    to_complete = [["Source", "Ce qui manque"], ["Tally", "l'email"]]
    assert workbook_layout(TO_COMPLETE_TAB, to_complete).wrapped_columns == {1}
    assert sheet_layout(TO_COMPLETE_TAB, to_complete).wrapped_columns == frozenset()  # as Google ever showed it


def test_the_targets_find_a_header_typed_with_spaces_as_they_always_did() -> None:
    """A Google roster finds its columns by the exact header cell, a workbook by the stripped
    name (as the merge reads it): "Présent " is a checkbox column in the workbook only."""
    grid = [[("Présent " if name == "Présent" else name) for name in HEADER], *GRID[1:]]
    assert sheet_layout(ROSTER_TAB, grid).checkbox_column is None
    assert workbook_layout(ROSTER_TAB, grid).checkbox_column == COLUMN["Présent"]


def test_one_layout_per_tab_given() -> None:
    tabs = {ROSTER_TAB: GRID, CHANGES_TAB: None, SUMMARY_TAB: [["Site", "Lyon"]]}
    for layouts in (sheet_layouts(tabs), workbook_layouts(tabs)):
        assert set(layouts) == {ROSTER_TAB, SUMMARY_TAB}
        assert all(isinstance(layout, TabLayout) for layout in layouts.values())
    assert sheet_layout(ROSTER_TAB, []) == TabLayout() == workbook_layout(ROSTER_TAB, [])


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**6), 10**6),
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.text(alphabet=st.sampled_from("ab é\t\n\r\x0b\u2028\x85-"), max_size=12),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_a_columns_longest_cell_is_the_longest_shown_length(cells, is_date) -> None:
    expected = max((_shown_length(v, is_date) for v in cells), default=0)
    assert _longest(cells, is_date) == expected
