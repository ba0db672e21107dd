"""Ops decide pairs in the "Doublons à vérifier" workbook: the next sync applies what they
typed, keeps what it did not understand with a remark, and lists only the pairs still open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.flows.review import WORKBOOK_REVIEWER
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import MatchDecision, Signup

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def workbook_rows(path: Path) -> list[dict[str, object]]:
    workbook = load_workbook(path)
    sheet = workbook["Doublons à vérifier"]
    values = list(sheet.iter_rows(values_only=True))
    workbook.close()
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_decisions_typed_in_the_workbook_are_applied_by_the_next_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync

    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    first = nightly_sync(config=str(config))
    path = tmp_path / "var/Doublons à vérifier.xlsx"
    rows = workbook_rows(path)
    assert len(rows) == first["review_pairs_open"] >= 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    pair = rows[0]

    type_decision(path, pair["Doublon"], "je ne sais pas", insert_column=True)  # rows are read by header
    second = nightly_sync(config=str(config))
    assert second["review_workbook"]["decisions_read"]["not_understood"] == 1
    assert second["review_workbook"]["decisions_read"]["applied"] == 0
    kept = next(row for row in workbook_rows(path) if row["Doublon"] == pair["Doublon"])
    assert kept["Décision"] == "je ne sais pas" and kept["Remarque"].startswith("Décision non comprise")

    type_decision(path, pair["Doublon"], "Même personne")
    third = nightly_sync(config=str(config))
    assert third["review_workbook"]["decisions_read"]["applied"] == 1
    a, b = sorted(int(str(pair[k])[1:]) for k in ("Inscription A", "Inscription B"))
    with session_scope(migrated_url) as session:
        decided = [(d.signup_a, d.signup_b, d.same, d.decided_by) for d in session.scalars(select(MatchDecision))]
        people = {s.id: s.person_id for s in session.scalars(select(Signup).where(Signup.id.in_([a, b])))}
    assert decided == [(a, b, True, WORKBOOK_REVIEWER)]
    assert people[a] == people[b]
    after = workbook_rows(path)
    assert len(after) == third["review_pairs_open"] == len(rows) - 1
    assert pair["Doublon"] not in {row["Doublon"] for row in after}


def type_decision(path: Path, pair: str, typed: str, insert_column: bool = False) -> None:
    """What a reviewer does in the spreadsheet program: type in the pair's Décision cell."""
    workbook = load_workbook(path)
    sheet = workbook["Doublons à vérifier"]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, headers.index("Doublon") + 1).value == pair)
    sheet.cell(row, headers.index("Décision") + 1, typed)
    if insert_column:
        sheet.insert_cols(1)
    workbook.save(path)
