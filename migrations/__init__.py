"""Alembic migrations: the only way the central database schema is created or changed."""
