"""``insert_many`` and ``update_many`` store what SQLAlchemy's executemany stores: on SQLite
(where they hand the driver its values themselves) every column's stored type and text are
the same; on PostgreSQL SQLAlchemy executes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from rollcall.connectors.database import _driver_rows, get_engine, insert_many, update_many
from rollcall.models.tables import UTCDateTime, utcnow


def tables() -> tuple[Table, Table]:
    metadata = MetaData()
    made = tuple(
        Table(
            name,
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(40)),
            Column("at", UTCDateTime()),
            Column("flag", Boolean, default=False),
            Column("tags", JSON, default=list),
            Column("score", Integer, default=0),
            Column("note", Text),
            Column("created_at", UTCDateTime(), default=utcnow),
        )
        for name in ("by_sqlalchemy", "by_driver")
    )
    return made  # type: ignore[return-value]


ROWS: list[dict[str, Any]] = [
    {"name": "Awa", "at": datetime(2022, 10, 8, 9, 30, tzinfo=UTC), "tags": ["tally", "é"], "note": None},
    {"name": "Léo 🙂", "at": datetime(2022, 10, 8, 11, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))), "tags": []},
    {"name": "", "at": None, "tags": {"a": [1, 2.5, None, True]}, "note": "x'\"; DROP"},
]
ROWS = [{"note": "", **row} for row in ROWS]  # every row with the same keys


def stored(session: Session, table: Table) -> list[tuple]:
    """Every column as the database holds it: its type and its text."""
    columns = [c for c in table.c if c.name != "created_at"]
    types = [func.typeof(c) for c in columns] if session.get_bind().dialect.name == "sqlite" else []
    found = session.execute(select(*types, *[cast(c, Text) for c in columns]).order_by(table.c.id))
    return [tuple(row) for row in found]


def test_rows_stored_and_updated_hold_what_sqlalchemy_stores(database_url: str) -> None:
    by_sqlalchemy, by_driver = tables()
    engine = get_engine(database_url)
    by_sqlalchemy.metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(by_sqlalchemy), ROWS)
        insert_many(session, by_driver, ROWS)
        assert stored(session, by_driver) == stored(session, by_sqlalchemy)
        created = session.execute(select(by_driver.c.created_at)).scalars().all()
        assert all(abs(at - datetime.now(UTC)) < timedelta(minutes=1) for at in created)

        changes = [
            {"id": 1, "name": "Awa D.", "at": datetime(2023, 1, 1, tzinfo=UTC), "tags": None, "flag": True},
            {"id": 3, "name": None, "at": None, "tags": ["x"], "flag": False},
        ]
        session.execute(
            update(by_sqlalchemy)
            .where(by_sqlalchemy.c.id == bindparam("_key"))
            .values({k: bindparam(f"_v_{k}") for k in changes[0] if k != "id"}),
            [{"_key": c["id"], **{f"_v_{k}": v for k, v in c.items() if k != "id"}} for c in changes],
        )
        update_many(session, by_driver, changes)
        assert stored(session, by_driver) == stored(session, by_sqlalchemy)
        assert session.execute(select(by_driver.c.name).order_by(by_driver.c.id)).scalars().all() == [
            "Awa D.",
            "Léo 🙂",
            None,
        ]
        session.rollback()
    by_sqlalchemy.metadata.drop_all(engine)


def test_on_sqlite_the_driver_is_given_the_rows(tmp_path) -> None:
    """The comparison above is of the fast path: SQLite takes it for these rows."""
    _, table = tables()
    engine = get_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        sql, rows = _driver_rows(connection, table, list(ROWS[0]), ROWS, key=None)
    assert sql == "INSERT INTO by_driver (note, name, at, tags, flag, score, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    assert rows[0][:4] == (None, "Awa", "2022-10-08 09:30:00.000000", '["tally", "\\u00e9"]')
