"""``same_grid``'s row fast path agrees with the definition: trimmed grids, cell by cell."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rollcall.models.cells import same_cell
from rollcall.transforms.sheet_roster import same_grid, trimmed

CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "a", "R00001", "1", "Présent"]),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 1.5, 45000.25, 1.0000001]),
)
ROWS = st.lists(st.one_of(st.lists(CELLS, max_size=4), st.lists(CELLS, max_size=4).map(tuple)), max_size=4)


def by_definition(a, b) -> bool:
    ta, tb = trimmed(a), trimmed(b)
    return len(ta) == len(tb) and all(
        len(ra) == len(rb) and all(same_cell(x, y) for x, y in zip(ra, rb)) for ra, rb in zip(ta, tb)
    )


@given(ROWS, ROWS)
def test_same_grid_is_cell_by_cell_equality_of_trimmed_grids(a, b) -> None:
    assert same_grid(a, b) == by_definition(a, b)


@given(ROWS)
def test_a_grid_is_the_same_as_itself_padded_or_typed_otherwise(a) -> None:
    padded = [[*row, None, ""] for row in a] + [[], [None]]
    retyped = [[float(v) if type(v) is int else v for v in row] for row in a]
    assert same_grid(a, padded) and same_grid(padded, a) and same_grid(a, retyped)


def test_a_checkbox_is_not_a_number() -> None:
    assert not same_grid([[True, 1]], [[1, 1]]) and not same_grid([[0]], [[False]])
