"""The central database: engines, sessions and schema migrations.

SQLite by default (a file, nothing to install), PostgreSQL in production by URL. The schema
is only ever created by Alembic (``upgrade``), so production and tests run the same DDL.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    insert,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.selectable import TypedReturnsRows

from rollcall.models.tables import Base

T = TypeVar("T")
_Ts = TypeVarTuple("_Ts")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

logger = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message names it (without its password)."""


class UnversionedDatabase(DatabaseUnavailable):
    """Rollcall tables holding data but no schema version: rollcall will not guess the schema."""


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
        owner_only_sqlite_file(sa_url.database)
        engine = create_engine(sa_url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(sa_url, pool_pre_ping=True, hide_parameters=True)


def owner_only_sqlite_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it, and
    take group and other rights off one created earlier: it holds every volunteer's
    contacts. SQLite gives its -wal and -shm files the database file's permissions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
    except OSError:  # not ours to create (read-only place): SQLite reports it when opening
        return
    for part in (path, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            info = part.stat()
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
                part.chmod(stat.S_IMODE(info.st_mode) & 0o700)
        except OSError:
            continue


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys are off by default in SQLite; WAL lets `rollcall status` read during a sync.

    ``synchronous=NORMAL``, SQLite's advice for WAL: a commit is written to the WAL file at
    once (a killed process loses nothing) but synced to the disk at checkpoints, not at every
    commit; the database cannot be corrupted. A +1,000 night on 100,000 sign-ups took 2 s
    less. The one commit that must outlive a power loss before something outside the database
    depends on it (a roster replaced) is synced by ``commit_durably``."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session committed on success and rolled back on error. Its block may commit too,
    to make part of its work durable before an outside effect (``flows.rosters``)."""
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def commit_durably(session: Session) -> None:
    """Commit, and return once the commit would survive a power loss, not only a crash of
    this process: before an outside effect that relies on it (``flows.rosters``: a roster is
    replaced once the states of its rows are stored). On SQLite (``synchronous=NORMAL``,
    ``_sqlite_pragmas``) the WAL file holding the commit is synced, as ``synchronous=FULL``
    would at every commit; a PostgreSQL commit is durable already."""
    session.commit()
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return
    for path in (f"{url.database}-wal", url.database):  # no WAL file: the commit is in the database file
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
        return


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT the rows, each with the same keys, in one executemany (``_driver_rows``)."""
    if rows:
        _execute_many(session, table, rows, key=None)


def update_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], key: str = "id") -> None:
    """UPDATE the row of each ``rows[i][key]`` (its primary key) to the other values given,
    each row with the same keys, in one executemany (``_driver_rows``)."""
    if rows:
        _execute_many(session, table, rows, key=key)


def _execute_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], key: str | None) -> None:
    session.flush()
    connection = session.connection()
    fast = _driver_rows(connection, table, list(rows[0]), rows, key)
    if fast is not None:
        connection.exec_driver_sql(*fast)
    elif key is None:
        connection.execute(insert(table), list(rows))
    else:  # bound parameters may not take the names of the columns they set
        keys = [k for k in rows[0] if k != key]
        statement = (
            update(table).where(table.c[key] == bindparam("_key")).values({k: bindparam(f"_v_{k}") for k in keys})
        )
        connection.execute(statement, [{"_key": row[key], **{f"_v_{k}": row[k] for k in keys}} for row in rows])


def _driver_rows(
    connection: Connection, table: Table, keys: list[str], rows: Sequence[Mapping[str, Any]], key: str | None
) -> tuple[str, list[tuple[Any, ...]]] | None:
    """On SQLite, the SQL and each row's values as the driver takes them: the statement
    written once, each value made by its column type's own bind processor (the text
    SQLAlchemy would store), a column left out taking its Python default once for the
    batch. SQLAlchemy's executemany builds and processes each row's parameters on its own
    (``construct_params``): 100,000 rows took 2.1 s through it, 0.85 s so.

    None (SQLAlchemy executes it then): on PostgreSQL, where SQLAlchemy already sends
    inserts a thousand rows a statement; when rows differ in their keys; when a column left
    out has a default that is not a plain value or function (a SQL expression)."""
    if connection.dialect.name != "sqlite" or any(row.keys() != rows[0].keys() for row in rows):
        return None
    dialect, quote = connection.dialect, connection.dialect.identifier_preparer.quote
    given = [k for k in keys if k != key]
    left_out = [c for c in table.c if c.key not in given and c.key != key]
    if key is not None and any(c.onupdate is not None for c in left_out):
        return None
    defaults: dict[str, Any] = {}
    for column in left_out if key is None else ():  # an insert: the Python defaults of the columns left out
        default = column.default
        if default is None:
            continue
        if not (default.is_scalar or default.is_callable):
            return None
        defaults[column.key] = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]

    def processor(name: str) -> Any:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    constant = tuple((p(v) if (p := processor(k)) else v) for k, v in defaults.items())
    if key is None:
        names = ", ".join(quote(table.c[k].name) for k in [*given, *defaults])
        sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * (len(given) + len(defaults)))})"
        order = given
    else:
        assignments = ", ".join(f"{quote(table.c[k].name)} = ?" for k in given)
        sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(table.c[key].name)} = ?"
        order = [*given, key]
    processors = [(k, processor(k)) for k in order]
    return sql, [(*(p(row[k]) if p else row[k] for k, p in processors), *constant) for row in rows]


def read_rows(session: Session, query: TypedReturnsRows[*_Ts]) -> CursorResult[*_Ts]:
    """A query of columns (not of mapped objects) run as Core, after flushing what the
    session holds: the rows ``session.execute`` gives, without the ORM's result handling,
    which costs up to half of reading 100,000 rows (registrations: 1.5 s -> 0.6 s)."""
    session.flush()
    return session.connection().execute(query)


def json_text(column: Any) -> Any:
    """A JSON column read as the text stored, for ``json_strings`` to decode."""
    return cast(column, Text)


def json_strings(text: str | None) -> list[str]:
    """A JSON list of strings read as text (``json_text``), as a new list.

    Decoded once per distinct text: a campaign's sign-up warnings and registration sources
    are a few texts (``[]``, ``["export"]``) repeated 100,000 times, which the JSON column
    type would parse 100,000 times (about a second of resolving a 100,000-sign-up night)."""
    return [] if text is None else list(_decoded_strings(text))


def json_value(text: str | None) -> Any:
    """A JSON column read as text (``json_text``), decoded: SQL NULL and JSON null are None."""
    return None if text is None else json.loads(text)


@functools.lru_cache(maxsize=1 << 14)
def _decoded_strings(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())  # JSON null: none


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
    """Bring the schema to ``revision``; a no-op when it is already there.

    All of it in one transaction, SQLite included (see ``sqlite_transactional_ddl``): a
    migration killed half-way leaves the database as it was, never half-created. A database
    half-created by an older rollcall is cleared first (``_clear_interrupted_first_migration``).
    """
    check_connection(url)
    config = alembic_config(url)
    if revision == "head" and _at_head(url, config):
        return  # the usual case: no write lock taken, so `status` never waits for a sync
    with _migration_engine(url).begin() as connection:
        _clear_interrupted_first_migration(connection, url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _at_head(url: str, config: Config) -> bool:
    with get_engine(url).connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(ScriptDirectory.from_config(config).get_heads())


@functools.cache
def _migration_engine(url: str) -> Engine:
    """The engine migrations run on: for a SQLite file, one whose transactions cover DDL and
    start with ``BEGIN IMMEDIATE``, so two first syncs started together migrate one after
    the other instead of colliding."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite" or sa_url.database in (None, "", ":memory:"):
        return get_engine(url)  # PostgreSQL's DDL is transactional already
    owner_only_sqlite_file(sa_url.database)
    engine = create_engine(sa_url, connect_args={"timeout": 30}, hide_parameters=True, poolclass=NullPool)
    event.listen(engine, "connect", _sqlite_pragmas)
    sqlite_transactional_ddl(engine, begin="BEGIN IMMEDIATE")
    return engine


def sqlite_transactional_ddl(engine: Engine, begin: str = "BEGIN") -> None:
    """SQLAlchemy's pysqlite recipe: the driver's own transaction handling commits each
    ``CREATE TABLE`` on its own, so hand transactions to SQLAlchemy, which emits ``begin``."""

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def _clear_interrupted_first_migration(connection: Connection, url: str) -> None:
    """Drop rollcall's tables when they exist without a schema version and are all empty.

    Before migrations were transactional on SQLite, a first sync killed while migrating left
    some tables created and no version stamped: every later upgrade then failed with
    ``table events already exists``. Empty, such tables hold nothing to lose. With data in
    them the schema is unknown, and rollcall stops with a message instead of guessing.
    """
    if MigrationContext.configure(connection).get_current_heads():
        return
    present = set(inspect(connection).get_table_names())
    leftovers = [table for table in Base.metadata.sorted_tables if table.name in present]
    if not leftovers:
        return
    filled = [t.name for t in leftovers if connection.scalar(select(literal(1)).select_from(t).limit(1))]
    if filled:
        raise UnversionedDatabase(
            f"database {safe_url(url)} holds rollcall data ({', '.join(filled)}) but no schema version "
            f"(alembic_version is missing or empty), so rollcall will not migrate it: keep a copy, then "
            f"restore a backup, or move it aside and run `rollcall sync` to rebuild it from the sources"
        )
    Base.metadata.drop_all(connection, tables=leftovers)
    logger.warning(
        "database %s: dropped %d empty tables left by an interrupted first migration "
        "(no schema version); migrating from scratch",
        safe_url(url),
        len(leftovers),
    )


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
    with open(os.open(path, os.O_CREAT | os.O_RDWR | os.O_APPEND, 0o600), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncAlreadyRunning(f"a sync of this campaign is already running ({path.name} is locked)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: Values per ``IN (...)`` list: under every backend's bound-parameter limit (SQLite's is
#: 32,766 since 3.32, older builds 999; PostgreSQL's 65,535), with a few columns to spare.
IN_LIST_SIZE = 500


def batches(values: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``, for ``IN (...)`` lists and
    executemany. (``itertools.batched`` does this from Python 3.12; rollcall supports 3.11.)"""
    for start in range(0, len(values), size):
        yield values[start : start + size]
