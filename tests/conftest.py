"""Shared fixtures: a migrated central database on SQLite *and* PostgreSQL, and one Prefect
test harness per session (it costs ~20 s to start, so only flow tests ask for it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sites_fixtures import catalog  # noqa: F401 - the 12 campaign sites, for pure-logic tests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from rollcall.connectors.database import get_engine, upgrade

#: The server CI provides; any database on it will do, we create our own beside it.
POSTGRES_ADMIN_URL = os.environ.get("ROLLCALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: Set by .ci/run: PostgreSQL tests must run, so an unreachable server fails the suite.
REQUIRE_POSTGRES = os.environ.get("ROLLCALL_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"rollcall_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        admin.dispose()
        message = f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL).render_as_string()} unusable: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    with get_engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, on both backends; not yet migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rollcall.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database at the latest schema, created by the migrations as in production."""
    upgrade(database_url)
    return database_url


@pytest.fixture
def sqlite_with_google(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> str:
    """A migrated SQLite database (its URL), the working directory in ``tmp_path`` and the
    Sheets fake's token set: flow tests of Google rosters, whose path does not depend on the
    database backend."""
    from rollcall.models.campaign import DATABASE_URL_ENV

    from fakes.google_sheets import TOKEN

    url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    upgrade(url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    monkeypatch.setenv("ROLLCALL_TEST_GOOGLE_TOKEN", TOKEN)
    return url


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One throwaway Prefect server for the whole session. Heartbeats off: they add ~1 s
    to every sync flow call and only serve to detect crashed deployed runs."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the fault and bad-input suites tried, and that nothing was lost, printed at the end."""
    from faults.report import LINES

    sections: dict[str, list[str]] = {}
    for section, line in LINES:
        sections.setdefault(section, []).append(line)
    for section, lines in sections.items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)
    LINES.clear()
