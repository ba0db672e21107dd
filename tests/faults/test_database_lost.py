"""The database unreachable at start, or lost in the middle of a run: a clear error naming the
database (never its password), and no roster written, locally or to Google Sheets, from a
partial state; once it is back, the next run ends as one clean sync would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from convergence.snapshot import Snapshot, assert_converged, snapshot
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from faults.report import report
from faults.scenario import ENV, providers, write_campaign
from rollcall.connectors.database import upgrade
from rollcall.models.campaign import DATABASE_URL_ENV

from fakes.http_server import Request, Response

pytestmark = [pytest.mark.faults, pytest.mark.flow]

ROOT = Path(__file__).parents[2]
SECTION = "faults: database unreachable or lost"


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_unreachable_database_at_start_is_named_and_nothing_is_pushed(
    tmp_path: Path, environment: pytest.MonkeyPatch
) -> None:
    from rollcall.connectors.database import DatabaseUnavailable
    from rollcall.flows.nightly import nightly_sync

    url = f"postgresql+psycopg://rollcall:s3cret-pw@127.0.0.1:{closed_port()}/rollcall_campaign"
    environment.setenv(DATABASE_URL_ENV, url)
    with providers() as fakes:
        config = write_campaign(
            tmp_path, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=fakes.sheets.url
        )
        with pytest.raises(DatabaseUnavailable) as failure:
            nightly_sync(config=str(config))
        requests = [server.count() for server in fakes.servers()]
    message = str(failure.value)
    report(SECTION, f"at start: {message}")
    assert "cannot reach database" in message and "rollcall_campaign" in message and "127.0.0.1" in message
    assert "s3cret-pw" not in message
    assert requests == [0, 0, 0], "a provider was called although the database is unreachable"
    assert not (tmp_path / "var/rosters").exists()


def test_rollcall_sync_command_says_which_database_is_unreachable(tmp_path: Path, prefect_harness: None) -> None:
    from prefect.settings import PREFECT_API_URL

    url = f"postgresql+psycopg://rollcall:s3cret-pw@127.0.0.1:{closed_port()}/rollcall_campaign"
    with providers(sheets=False) as fakes:
        config = write_campaign(tmp_path, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=None)
        env = {
            **os.environ,
            **ENV,
            DATABASE_URL_ENV: url,
            "PREFECT_API_URL": str(PREFECT_API_URL.value()),
            "COLUMNS": "200",
        }
        done = subprocess.run(
            [str(Path(sys.executable).parent / "rollcall"), "sync", "--config", str(config)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = done.stdout + done.stderr
    report(
        SECTION,
        f"`rollcall sync`: exit {done.returncode}, {[line for line in output.splitlines() if 'database' in line][:1]}",
    )
    assert done.returncode == 1
    assert "cannot reach database" in done.stderr and "rollcall_campaign" in done.stderr  # errors go to stderr
    assert "s3cret-pw" not in output
    assert not (tmp_path / "var/rosters").exists()


@pytest.mark.postgres
def test_database_lost_mid_run_fails_the_run_and_pushes_nothing(
    tmp_path: Path, environment: pytest.MonkeyPatch, postgres_url: str
) -> None:
    """PostgreSQL stops accepting connections (and drops the open ones) while HelloAsso, the last
    source, is being pulled: the run fails and no roster is written from what it had. Once the
    database is back, the next run ends as one clean sync would (``convergence.snapshot``)."""
    from rollcall.flows.nightly import nightly_sync

    with create_engine(postgres_url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(postgres_url)
    name = make_url(postgres_url).database
    admin_url = make_url(postgres_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    environment.setenv(DATABASE_URL_ENV, postgres_url)

    def allow_connections() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    try:
        with providers() as fakes:
            config = write_campaign(
                tmp_path, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=fakes.sheets.url
            )
            original, lost = fakes.helloasso.dispatch, []

            def lose_database(request: Request) -> Response | None:
                if not lost:
                    lost.append(request.path)
                    with admin.connect() as connection:
                        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                        connection.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"
                            ),
                            {"name": name},
                        )
                return original(request)

            fakes.helloasso.dispatch = lose_database  # type: ignore[method-assign]
            with pytest.raises(Exception) as failure:
                nightly_sync(config=str(config))
            sheets_requests = fakes.sheets.server.count()
            workbooks = list((tmp_path / "var/rosters").glob("*.xlsx"))
            allow_connections()
            nightly_sync(config=str(config))
            recovered = snapshot(postgres_url, tmp_path / "var/rosters", fakes.sheets)
    finally:
        allow_connections()
        admin.dispose()
    message = f"{type(failure.value).__name__}: {failure.value}"
    report(SECTION, f"mid-run (lost while pulling HelloAsso): {message[:300]}")
    assert lost, "the database was never taken away"
    assert sheets_requests == 0, "rosters were pushed to Google Sheets from a partial state"
    assert not workbooks, "workbooks written from a partial state"
    assert name in message, "the error does not name the database"
    assert_converged(
        recovered,
        clean_sync(tmp_path / "clean", environment),
        "(the run after the database came back, against a clean sync on SQLite)",
    )


def clean_sync(directory: Path, environment: pytest.MonkeyPatch) -> Snapshot:
    """One sync of the same data into a fresh SQLite database and fresh rosters."""
    from rollcall.flows.nightly import nightly_sync

    directory.mkdir()
    url = f"sqlite:///{directory / 'rollcall.db'}"
    environment.chdir(directory)
    environment.setenv(DATABASE_URL_ENV, url)
    with providers() as fakes:
        config = write_campaign(
            directory, tally_url=fakes.tally.url, helloasso_url=fakes.helloasso.url, sheets_url=fakes.sheets.url
        )
        nightly_sync(config=str(config))
        return snapshot(url, directory / "var/rosters", fakes.sheets)
