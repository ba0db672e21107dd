"""The rollcall command as ops type it: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from models.campaign import DATABASE_URL_ENV

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
runner = CliRunner()


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "campaign.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("capacity = 320", "capacity = -1"), encoding="utf-8")
    result = runner.invoke(app, ["status", "--config", str(bad)])
    assert result.exit_code == 2
    assert "sites.0.capacity" in result.output


def test_unreachable_database_is_named_without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://ops:s3cret@127.0.0.1:1/rollcall")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(EXAMPLE)])
    assert result.exit_code == 1
    assert "cannot reach database" in result.output and "127.0.0.1:1/rollcall" in result.output
    assert "s3cret" not in result.output


def test_db_upgrade_then_status_on_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'r.db'}")
    assert runner.invoke(app, ["db", "upgrade", "--config", str(EXAMPLE)]).exit_code == 0
    result = runner.invoke(app, ["status", "--config", str(EXAMPLE)])
    assert result.exit_code == 0 and "0 registered of the goal of 1200" in result.output


@pytest.mark.flow
def test_sync_prints_progress_and_where_rosters_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'r.db'}")
    result = runner.invoke(app, ["sync", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "registered of the goal of 1200" in result.output
    assert str(tmp_path / "var" / "rosters") in result.output.replace("\n", "")
    assert len(list((tmp_path / "var/rosters").glob("*.xlsx"))) == 12
