"""A roster workbook is saved beside itself then renamed, readable by its owner only, and a
save clears its own leftovers, never another workbook's save under way in another process
(two workers write sites' workbooks side by side: ``flows.workbook_writer``)."""

from __future__ import annotations

import multiprocessing
import os
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rollcall.connectors.roster_files import read_roster
from tests.roster_workbooks import save_roster

GRID = [["Réf. inscription", "Nom", "Prénom"], ["R00001", "Martin", "Zoé"], ["R00002", "Nguyễn", "Lan"]]


def save(path: Path, rows: int) -> None:
    save_roster(path, GRID[:1] + GRID[1:] * rows, changes=None, summary=[["Inscrits", rows]])


def test_a_save_clears_its_own_leftovers_and_no_other_workbooks(tmp_path: Path) -> None:
    paris, lyon = tmp_path / "PAR Paris.xlsx", tmp_path / "LYS Lyon [2].xlsx"
    crashed = tmp_path / ".PAR Paris.xlsx.4242.part"  # a save of Paris killed mid-way
    older = tmp_path / ".roster-k2j4h6.xlsx.part"  # as saves named their parts before
    under_way = tmp_path / f".{lyon.name}.4243.part"  # Lyon being written by another process
    for part in (crashed, older, under_way):
        part.write_bytes(b"PK half a zip")
    save(paris, 1)
    assert not crashed.exists() and not older.exists()
    assert under_way.exists()
    save(lyon, 1)
    assert not under_way.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [lyon.name, paris.name]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.iterdir())


def test_two_processes_save_workbooks_of_one_folder_at_once(tmp_path: Path) -> None:
    paths = [tmp_path / f"S{n:02d} Site.xlsx" for n in range(8)]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(save, paths, [2000] * len(paths)))
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths)  # no part left, none lost
    assert all(len(read_roster(p)) == 1 + 2 * 2000 for p in paths)
