"""A campaign folder of its own for each CLI test: the example's sites and sources (its data
files by absolute path), database and rosters left at their defaults, beside the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rollcall.models.campaign import DATABASE_URL_ENV

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"


@pytest.fixture
def campaign_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/campaign/campaign.toml``, run from another directory, ``tmp_path/elsewhere``,
    with no database URL in the environment."""
    folder = tmp_path / "campaign"
    folder.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    (folder / "campaign.toml").write_text(text, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    return folder / "campaign.toml"
