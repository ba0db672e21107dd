"""An export is a snapshot: the database follows the file as it is now. A row deleted from
the export leaves the rosters; an export that suddenly holds no row fails its source and
removes nothing (a truncated download must not empty a site)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from roster_workbooks import roster_rows
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.tables import RawRecord

EXAMPLE_DIR = Path(__file__).parents[2] / "examples/journees-engagees-2022"

pytestmark = pytest.mark.flow


def campaign(directory: Path, url: str) -> Path:
    """The example campaign on a copy of its data, with this database and roster folder."""
    shutil.copytree(EXAMPLE_DIR / "data", directory / "data")
    text = (EXAMPLE_DIR / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/rollcall.db"', f'url = "{url}"')
    text = text.replace('directory = "var/rosters"', f'directory = "{directory / "rosters"}"')
    path = directory / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def current_keys(url: str, source: str) -> set[str]:
    with session_scope(url) as session:
        return set(
            session.scalars(
                select(RawRecord.external_id).where(RawRecord.source == source, RawRecord.is_current.is_(True))
            )
        )


def roster_emails(directory: Path) -> set[str]:
    return {str(row[3]) for rows in roster_rows(directory / "rosters").values() for row in rows if row[3]}


def test_a_row_deleted_from_an_export_leaves_and_an_empty_export_fails(
    tmp_path: Path, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    config = campaign(tmp_path, migrated_url)
    export = tmp_path / "data/tally-inscriptions.csv"
    nightly_sync(config=str(config))
    before = current_keys(migrated_url, "tally")
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    export.write_text("".join(lines[:-1]), encoding="utf-8")  # the last sign-up deleted at the source
    nightly_sync(config=str(config))
    assert len(current_keys(migrated_url, "tally")) == len(before) - 1

    export.write_text(lines[0], encoding="utf-8")  # a header and nothing else
    with pytest.raises(SyncFailed, match="holds no row now"):
        nightly_sync(config=str(config))
    assert len(current_keys(migrated_url, "tally")) == len(before) - 1
