"""Fixtures of the convergence suite: a second, empty database for the clean replay (on the
backend of ``database_url``), and the environment a sync of the fakes' campaign needs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from faults.scenario import ENV
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from rollcall.connectors.database import get_engine
from rollcall.models.campaign import DATABASE_URL_ENV


@pytest.fixture(scope="session")
def postgres_replay_url(postgres_url: str) -> Iterator[str]:
    """A second PostgreSQL database beside the session's, dropped at the end."""
    url = make_url(postgres_url)
    name = f"{url.database}_replay"
    # No pool: a test that cuts PostgreSQL connections (a database lost mid-run) must not
    # leave this fixture a dead connection for its teardown.
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    replay = url.set(database=name).render_as_string(hide_password=False)
    yield replay
    get_engine(replay).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def replay_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database for the clean replay, on the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'replay.db'}"
    url = request.getfixturevalue("postgres_replay_url")
    with get_engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return url


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, prefect_harness: None) -> pytest.MonkeyPatch:
    """The fakes' credentials; the database and rosters come from each campaign file. Failed
    requests and pulls are retried at once (same number of retries, no waiting): the tests
    check what a retry does, not how long it waits."""
    from rollcall.connectors.http import make_session
    from rollcall.flows import sources, steps

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv("ROLLCALL_CONFIG", raising=False)
    monkeypatch.setattr(steps.land_source, "retry_delay_seconds", [0])
    monkeypatch.setattr(sources, "make_session", partial(make_session, backoff_factor=0, backoff_jitter=0))
    return monkeypatch
