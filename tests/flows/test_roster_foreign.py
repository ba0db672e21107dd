"""Site isolation by content: rows pasted from another site's roster, and copied rows.

The Paris coordinator pastes Lille's rows into the Paris workbook (ticking one) and copies one
of their own rows, ticking the copy: after the sync those rows are flagged, not counted in the
Résumé, and nobody's attendance in the database comes from them. Checked on cell values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from roster_workbooks import save_roster
from sqlalchemy import select

from rollcall.connectors import roster_files
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import RosterState
from rollcall.transforms.sheet_roster import DUPLICATE_LABEL, FOREIGN_LABEL, FOREIGN_NOTE

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def workbook(root: Path, code: str) -> Path:
    return next((root / "var/rosters").glob(f"{code} *.xlsx"))


def padded(grid: list[list[Any]]) -> list[list[Any]]:
    return [["" if v is None else v for v in r] + [""] * (len(grid[0]) - len(r)) for r in grid]


def test_pasted_and_copied_rows_are_flagged_not_counted_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    nightly_sync(config=str(config))
    paris, lille = workbook(tmp_path, "PAR"), workbook(tmp_path, "LIL")
    tabs = roster_files.read_tabs(paris)
    summary_before = tabs["Résumé"]
    grid = padded(tabs["Inscrits"])
    header = grid[0]
    pasted = padded(roster_files.read_tabs(lille)["Inscrits"])[1:4]
    pasted[0][header.index("Présent")] = True
    copy = list(grid[1])
    copy[header.index("Présent")] = True
    save_roster(paris, [*grid, *pasted, copy], changes=tabs["Nouveautés"], summary=summary_before)

    result = nightly_sync(config=str(config))

    after = padded(roster_files.read_tabs(paris)["Inscrits"])
    status, note = header.index("Statut"), header.index("À vérifier")
    for row in pasted:
        kept = [r for r in after if r[0] == row[0]]
        assert len(kept) == 1 and kept[0][status] == FOREIGN_LABEL and kept[0][note] == FOREIGN_NOTE
    copies = [r for r in after if r[0] == grid[1][0]]
    assert [r[status] for r in copies] == ["Inscrit", DUPLICATE_LABEL]
    assert roster_files.read_tabs(paris)["Résumé"] == summary_before  # counts unchanged
    assert result["sites"]["PAR"]["registered"] == sum(1 for r in grid[1:] if r[status] == "Inscrit")
    with session_scope(migrated_url) as session:
        ticked = {s.registration_id for s in session.scalars(select(RosterState).where(RosterState.present.is_(True)))}
    assert ticked == set()  # neither the pasted Lille row's tick nor the copy's was read
    assert (
        padded(roster_files.read_tabs(lille)["Inscrits"])[1:4]
        == [[*r[: header.index("Présent")], False, *r[header.index("Présent") + 1 :]] for r in pasted[:1]] + pasted[1:]
    )
