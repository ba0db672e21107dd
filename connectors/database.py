"""The central database: engines, sessions and schema migrations.

SQLite by default (a file, nothing to install), PostgreSQL in production by URL. The schema
is only ever created by Alembic (``upgrade``), so production and tests run the same DDL.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message names it (without its password)."""


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


@functools.cache
def get_engine(url: str) -> Engine:
    """One engine per URL and process: engines hold the connection pool.

    ``hide_parameters``: a database error must not print a registrant's name or email
    into the logs, so bound values are left out of exception messages.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(sa_url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys are off by default in SQLite; WAL lets `rollcall status` read during a sync."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def check_connection(url: str) -> None:
    """Fail early with a message naming the database, not a driver traceback."""
    try:
        with get_engine(url).connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach database {safe_url(url)}: {reason}") from None


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    check_connection(url)
    with get_engine(url).begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


class SyncAlreadyRunning(Exception):
    """Another sync of the same campaign holds the lock."""


@contextmanager
def campaign_lock(url: str, campaign: str) -> Iterator[None]:
    """Hold the campaign's sync lock for the duration, or raise SyncAlreadyRunning at once.

    The lock dies with its holder, so a killed run never blocks the next night: on
    PostgreSQL a session advisory lock (released when the connection drops), on SQLite an
    exclusive ``flock`` on a file beside the database (released when the process exits).
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "postgresql":
        with _advisory_lock(url, campaign):
            yield
    else:
        with _file_lock(Path(f"{sa_url.database or 'memory'}.{campaign}.lock")):
            yield


@contextmanager
def _advisory_lock(url: str, campaign: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.sha256(f"rollcall:{campaign}".encode()).digest()[:8], "big", signed=True)
    with get_engine(url).connect() as connection:
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
            raise SyncAlreadyRunning(f"a sync of campaign {campaign} is already running")
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except DBAPIError:  # the connection died (with the lock): keep the real error
                pass


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncAlreadyRunning(f"a sync of this campaign is already running ({path.name} is locked)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
