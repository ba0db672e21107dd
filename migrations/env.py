"""Alembic environment. The database URL comes from the caller (``rollcall db upgrade``)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from rollcall.connectors.database import sqlite_transactional_ddl
from rollcall.models.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """On the caller's connection (``connectors.database.upgrade``, already in a transaction),
    else on an engine of our own whose transactions cover DDL on SQLite too."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    if engine.dialect.name == "sqlite":
        sqlite_transactional_ddl(engine)
    with engine.connect() as connection:
        _run_with(connection)


def _run_with(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
