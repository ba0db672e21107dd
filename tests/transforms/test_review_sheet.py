"""The "Doublons à vérifier" workbook as data: what a typed decision means, rows read back by
header whatever the column order, a decision not understood kept with a remark."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rollcall.transforms.review_sheet import (
    HEADERS,
    NOT_UNDERSTOOD,
    PairView,
    TypedDecision,
    meaning,
    rows,
    typed_decisions,
)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Même personne", True),
        ("meme personne", True),
        ("  OUI ", True),
        ("même", True),
        ("Personnes différentes", False),
        ("personnes differentes", False),
        ("Non", False),
        ("différentes", False),
        ("", None),
        (None, None),
        ("peut-être", None),
        ("?", None),
    ],
)
def test_what_a_typed_decision_means(typed: str | None, expected: bool | None) -> None:
    assert meaning(typed) is expected


def test_rows_are_read_back_by_header_whatever_the_order() -> None:
    headers = ["Notes", "Inscription B", "Décision", "Inscription A"]
    values = [
        ["x", "S12", "Même personne", "S7"],
        ["", "S3", None, "S4"],
        ["", "R00042", "oui", "S1"],
        ["", "", "", ""],
    ]
    assert typed_decisions(headers, values) == [TypedDecision(7, 12, "Même personne"), TypedDecision(4, 3, None)]
    assert TypedDecision(7, 12, "x").key == TypedDecision(12, 7, "x").key == (7, 12)


def test_a_workbook_without_the_id_columns_decides_nothing() -> None:
    assert typed_decisions(["Prénom", "Décision"], [["Ana", "oui"]]) == []


def test_rows_show_both_sides_and_keep_a_decision_not_understood() -> None:
    def signup(first: str, email: str | None, phone: str | None) -> SimpleNamespace:
        return SimpleNamespace(first_name=first, last_name="Martin", email=email, phone=phone)

    sides = {
        1: (signup("Ana", "ana@example.org", None), "Paris (08/10/2022)", "Tally", "01/10/2022 09:30", 42),
        2: (signup("Anna", None, "+33612345678"), "Paris (08/10/2022)", "Sur place", "", None),
    }
    pair = PairView(5, 1, 2, "même nom, prénom proche : Ana / Anna")
    previous = {(1, 2): TypedDecision(2, 1, "peut-être")}
    [row] = rows([pair], sides, lambda phone: "06 12 34 56 78", previous)
    cells = dict(zip(HEADERS, row, strict=True))
    assert (cells["Doublon"], cells["Décision"], cells["Remarque"]) == ("D5", "peut-être", NOT_UNDERSTOOD)
    assert (cells["Prénom A"], cells["Email A"], cells["Réf. inscription A"]) == ("Ana", "ana@example.org", "R00042")
    assert (cells["Prénom B"], cells["Téléphone B"], cells["Email B"]) == ("Anna", "06 12 34 56 78", "")
    assert (cells["Inscription A"], cells["Inscription B"]) == ("S1", "S2")
    [fresh] = rows([pair], sides, str, {})
    assert dict(zip(HEADERS, fresh, strict=True))["Remarque"] == ""
