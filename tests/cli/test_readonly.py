"""Paths follow the campaign file, and commands that look never create, write or migrate:
a missing database or an older schema is said in one line with what to run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from typer.testing import CliRunner

from rollcall.cli.main import app
from rollcall.connectors.database import get_engine, upgrade
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign

runner = CliRunner()

READ_ONLY = [
    pytest.param(["status"], id="status"),
    pytest.param(["review"], id="review"),
    pytest.param(["explain", "R00001"], id="explain"),
    pytest.param(["quarantine"], id="quarantine"),
    pytest.param(["quarantine", "--requeue"], id="quarantine-requeue"),
]


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def first_line(output: str) -> str:
    return output.strip().splitlines()[0]


def invoke(campaign_file: Path, *args: str):
    if args[0] == "review":  # the group's options come before its subcommand
        return runner.invoke(app, ["review", "--config", str(campaign_file), *args[1:]])
    return runner.invoke(app, [*args, "--config", str(campaign_file)])


def test_database_and_rosters_are_beside_the_campaign_file(campaign_file: Path) -> None:
    campaign = load_campaign(campaign_file)
    folder = campaign_file.parent.resolve()
    assert campaign.database_url == f"sqlite:///{folder}/var/rollcall.db"
    assert campaign.rosters.directory == folder / "var/rosters"


@pytest.mark.parametrize(
    ("url", "directory"),
    [
        pytest.param("sqlite:////srv/rollcall/r.db", "/srv/rollcall/rosters", id="absolute"),
        pytest.param("postgresql+psycopg://ops@db/rollcall", "/srv/rosters", id="postgresql"),
    ],
)
def test_absolute_paths_and_server_urls_are_kept(tmp_path: Path, campaign_file: Path, url: str, directory: str) -> None:
    text = campaign_file.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/rollcall.db"', f'url = "{url}"')
    campaign_file.write_text(text.replace('directory = "var/rosters"', f'directory = "{directory}"'), encoding="utf-8")
    campaign = load_campaign(campaign_file)
    assert (campaign.database_url, campaign.rosters.directory) == (url, Path(directory))


def test_the_environment_url_is_taken_as_given(campaign_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:///elsewhere.db")
    assert load_campaign(campaign_file).database_url == "sqlite:///elsewhere.db"


@pytest.mark.parametrize("args", READ_ONLY)
def test_no_database_is_said_and_nothing_is_created(campaign_file: Path, tmp_path: Path, args: list[str]) -> None:
    before = files_under(tmp_path)
    result = invoke(campaign_file, *args)
    database = campaign_file.parent.resolve() / "var/rollcall.db"
    assert result.exit_code == 3, result.output
    assert first_line(result.output) == f"No database at {database}: no sync has run for this campaign yet."
    assert result.output.strip().splitlines()[1] == (
        f"Run `rollcall sync --config {campaign_file}` to create it from the sources."
    )
    assert "Traceback" not in result.output
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("args", READ_ONLY)
def test_an_older_schema_is_said_and_not_migrated(campaign_file: Path, args: list[str]) -> None:
    url = load_campaign(campaign_file).database_url
    upgrade(url, revision="0003")
    result = invoke(campaign_file, *args)
    assert result.exit_code == 3, result.output
    assert first_line(result.output) == f"Database {url} is at an older schema (0003)."
    assert result.output.strip().splitlines()[1] == (
        f"Run `rollcall db upgrade --config {campaign_file}`, then this command again."
    )
    with get_engine(url).connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == ("0003",)


def test_a_database_without_our_schema_is_said(campaign_file: Path) -> None:
    path = campaign_file.parent / "var/rollcall.db"
    path.parent.mkdir()
    sqlite3.connect(path).close()
    result = invoke(campaign_file, "status")
    assert result.exit_code == 3
    assert first_line(result.output) == f"Database sqlite:///{path.resolve()} holds no rollcall schema."


def test_db_upgrade_creates_the_database_beside_the_campaign_file(campaign_file: Path) -> None:
    result = invoke(campaign_file, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (campaign_file.parent / "var/rollcall.db").is_file()
    assert not (Path.cwd() / "var").exists()
    status = invoke(campaign_file, "status")
    assert status.exit_code == 0 and "0 new volunteers of the goal of 1200" in status.output


def test_a_missing_campaign_file_says_how_to_give_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert first_line(result.output) == f"Campaign file not found: {tmp_path / 'nope.toml'}"
    assert result.output.strip().splitlines()[1] == "Give it with --config FILE (or set ROLLCALL_CONFIG)."
