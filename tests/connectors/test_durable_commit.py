"""SQLite commits are synced at checkpoints (``synchronous=NORMAL``), and one commit that
something outside the database relies on is synced on its own (``commit_durably``)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rollcall.connectors.database import commit_durably, session_scope
from rollcall.models.tables import SyncRun


def synced_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of each file ``os.fsync`` is called on from now on (it still syncs it)."""
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_a_durable_commit_is_synced_on_sqlite_and_plain_on_postgresql(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = synced_files(monkeypatch)
    sqlite = make_url(migrated_url).get_backend_name() == "sqlite"
    with session_scope(migrated_url) as session:
        if sqlite:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        session.add(SyncRun(campaign="durable", status="running"))
        commit_durably(session)
        assert synced == ([f"{make_url(migrated_url).database}-wal"] if sqlite else [])
    with session_scope(migrated_url) as session:
        assert session.query(SyncRun).filter_by(campaign="durable").count() == 1
