"""How two folded names relate, the ladder every pair rule climbs."""

from __future__ import annotations

import pytest

from rollcall.transforms.matching.names import (
    CLOSE,
    DIFFERENT,
    EXACT,
    FAR,
    MISSING,
    PARTIAL,
    SAME,
    SHORT,
    relate_first,
    relate_last,
)  # fmt: skip


@pytest.mark.parametrize(
    "a, b, level",
    [
        pytest.param("marie", "marie", EXACT, id="identical"),
        pytest.param("jean pierre", "jeanpierre", SAME, id="compound_glued"),
        pytest.param("nicolas", "nicloas", CLOSE, id="transposed_letters"),
        pytest.param("pierre", "piere", CLOSE, id="doubled_letter_dropped"),
        pytest.param("frederic", "fred", CLOSE, id="nickname"),
        pytest.param("jean", "jean pierre", SHORT, id="compound_shortened_father_or_son"),
        pytest.param("marie", "marielaure", SHORT, id="compound_shortened_glued"),
        pytest.param("mmousssa", "moussa", CLOSE, id="letters_doubled"),
        pytest.param("stephznee", "stephane", FAR, id="heavy_typo_two_slips"),
        pytest.param("erwzn", "erwqan", FAR, id="heavy_typo_two_edits"),
        pytest.param("caheerine", "catherine", FAR, id="heavy_typo_long"),
        pytest.param("alex", "alexis", PARTIAL, id="prefix"),
        pytest.param("sophie", "sylvie", DIFFERENT, id="two_names_sharing_letters"),
        pytest.param("louis", "louise", PARTIAL, id="louis_louise_feminine_ending"),
        pytest.param("jean", "jeanne", PARTIAL, id="jean_jeanne_feminine_ending"),
        pytest.param("marie", "marine", PARTIAL, id="marie_marine_variant"),
        pytest.param("anne", "anna", PARTIAL, id="anne_anna_variant"),
        pytest.param("marie", "", MISSING, id="missing"),
        pytest.param("marie", "jean", DIFFERENT, id="household"),
    ],
)
def test_relate_first(a: str, b: str, level: int) -> None:
    assert relate_first(a, b) == level
    assert relate_first(b, a) == level


@pytest.mark.parametrize(
    "a, b, level",
    [
        pytest.param("dupont", "dupont", EXACT, id="identical"),
        pytest.param("de la fontaine", "delafontaine", SAME, id="particles_glued"),
        pytest.param("le gall", "legall", SAME, id="le_glued"),
        pytest.param("dupont", "dupond", CLOSE, id="one_typo"),
        pytest.param("vasseur kergoat", "vaseur kergot", CLOSE, id="two_typos_long_name"),
        pytest.param("martin", "martin dubois", CLOSE, id="double_name_shortened"),
        pytest.param("roux", "rous", CLOSE, id="one_typo_four_letters"),
        pytest.param("naulec", "nauulecc", FAR, id="heavy_typo"),
        pytest.param("dupont", "durand", DIFFERENT, id="married_or_other_family"),
    ],
)
def test_relate_last(a: str, b: str, level: int) -> None:
    assert relate_last(a, b) == level
