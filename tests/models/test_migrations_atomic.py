"""Migrations are all or nothing, SQLite included: a first sync killed while it creates the
schema leaves an empty database that the next sync migrates, and a database half-created by
an older rollcall (tables, no schema version) is cleared when empty and refused when not."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from rollcall.connectors.database import UnversionedDatabase, get_engine, upgrade
from rollcall.models.tables import Base

ROOT = Path(__file__).parents[2]

#: Run in a subprocess: migrate a fresh database and SIGKILL the process as it sends its
#: Nth CREATE statement (the statement itself never reaches SQLite).
KILL_AT_NTH_CREATE = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from rollcall.connectors.database import upgrade

    url, nth = sys.argv[1], int(sys.argv[2])
    creates = 0

    @event.listens_for(Engine, "before_cursor_execute")
    def kill_at_nth_create(conn, cursor, statement, parameters, context, executemany):
        global creates
        if statement.lstrip().upper().startswith("CREATE"):
            creates += 1
            if creates == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    upgrade(url)
""")


def schema(url: str) -> dict[str, Any]:
    """Tables with their columns, keys and indexes, and the stamped version: what a migration made."""
    with get_engine(url).connect() as connection:
        inspector = inspect(connection)
        tables = {
            name: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                "foreign_keys": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in inspector.get_foreign_keys(name)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)
                ),
            }
            for name in inspector.get_table_names()
        }
        version = (
            connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
            if "alembic_version" in tables
            else None
        )
    return {"tables": tables, "version": version}


@pytest.fixture(scope="module")
def clean_sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'rollcall.db'}"
    upgrade(url)
    return schema(url)


def kill_first_migration_at(url: str, nth_create: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILL_AT_NTH_CREATE, url, str(nth_create)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, f"not killed at CREATE #{nth_create}: {done.stderr[-2000:]}"


@pytest.mark.parametrize(
    "nth_create",
    [
        pytest.param(1, id="version_table"),
        pytest.param(2, id="first_table"),
        pytest.param(9, id="mid_first_revision"),
        pytest.param(19, id="second_revision"),
        pytest.param(32, id="last_table"),
    ],
)
def test_first_migration_killed_at_any_ddl_leaves_an_empty_database_that_migrates(
    tmp_path: Path, nth_create: int, clean_sqlite_schema: dict[str, Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    kill_first_migration_at(url, nth_create)
    assert schema(url) == {"tables": {}, "version": None}
    upgrade(url)
    assert schema(url) == clean_sqlite_schema


def wedge(url: str, *, version_table: bool) -> None:
    """What a first migration killed under an older rollcall left: some tables, no version."""
    engine = get_engine(url)
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[n] for n in ("events", "people", "sync_runs")])
    if version_table:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )


@pytest.mark.parametrize(
    "version_table", [pytest.param(False, id="no_version_table"), pytest.param(True, id="empty_version_table")]
)
def test_empty_tables_left_without_a_version_are_dropped_and_migrated_from_scratch(
    database_url: str, version_table: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clean = f"sqlite:///{tmp_path / 'clean.db'}" if database_url.startswith("sqlite") else None
    wedge(database_url, version_table=version_table)
    with caplog.at_level(logging.WARNING, logger="rollcall.connectors.database"):
        upgrade(database_url)
    assert [r.getMessage() for r in caplog.records if "interrupted first migration" in r.getMessage()]
    after = schema(database_url)
    assert set(after["tables"]) == set(Base.metadata.tables) | {"alembic_version"}
    if clean:
        upgrade(clean)
        assert after == schema(clean)
    upgrade(database_url)  # and from then on, a no-op


def test_tables_holding_data_without_a_version_are_refused_in_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rollcall.cli.main import app
    from rollcall.models.campaign import DATABASE_URL_ENV

    wedge(database_url, version_table=False)
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sync_runs (campaign, started_at, status) "
                "VALUES ('je-2022', CURRENT_TIMESTAMP, 'completed')"
            )
        )
    with pytest.raises(UnversionedDatabase, match="holds rollcall data .sync_runs. but no schema version"):
        upgrade(database_url)

    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    result = CliRunner().invoke(
        app, ["db", "upgrade", "--config", str(ROOT / "examples/journees-engagees-2022/campaign.toml")]
    )
    assert result.exit_code == 1
    assert "no schema version" in " ".join(result.output.split()) and "Traceback" not in result.output
    with get_engine(database_url).connect() as connection:  # left as it was
        assert connection.exec_driver_sql("SELECT count(*) FROM sync_runs").scalar() == 1
