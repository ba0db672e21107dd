"""Migration 0009 re-keys stored sign-ups one key per mailbox, and back, on both backends."""

from __future__ import annotations

from alembic import command
from privacy_fixtures import JEAN_EMAIL
from sqlalchemy import select

from rollcall.connectors.database import alembic_config, get_engine, session_scope, upgrade
from rollcall.models.tables import Signup


def keys(url: str) -> dict[str, str | None]:
    with session_scope(url) as s:
        return {email: key for email, key in s.execute(select(Signup.email, Signup.email_key)) if email}


def test_stored_keys_follow_the_address_both_ways(campaign_db: str) -> None:
    with session_scope(campaign_db) as s:
        s.scalars(select(Signup).where(Signup.email == JEAN_EMAIL)).first().email = "jean.dupont+je@googlemail.com"
    with get_engine(campaign_db).begin() as connection:
        config = alembic_config(campaign_db)
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    before = keys(campaign_db)
    assert before["jean.dupont+je@googlemail.com"] == "jean.dupont+je@googlemail.com"
    assert all(key == email for email, key in before.items())  # the address lower-cased, as 0008 stored it

    upgrade(campaign_db)
    after = keys(campaign_db)
    assert after["jean.dupont+je@googlemail.com"] == "jeandupont@gmail.com"
    assert after["jd@free.fr"] == "jd@free.fr" and after["marie@orange.fr"] == "marie@orange.fr"
