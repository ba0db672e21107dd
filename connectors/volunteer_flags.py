"""Store which people of a campaign are in its volunteer base (``people.already_volunteer``)."""

from __future__ import annotations

from collections.abc import Set

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rollcall.connectors.database import batches
from rollcall.models.tables import Event, Person, Registration


def set_already_volunteer(session: Session, campaign: str, returning: Set[int]) -> int:
    """Mark exactly ``returning`` among the campaign's people (any registration of its
    events); every other of its people is new. Returns how many flags changed."""
    people = (
        select(Registration.person_id).join(Event, Registration.event_id == Event.id).where(Event.campaign == campaign)
    )
    current = dict(session.execute(select(Person.id, Person.already_volunteer).where(Person.id.in_(people))).all())
    to_true = [pid for pid, flag in current.items() if pid in returning and not flag]
    to_false = [pid for pid, flag in current.items() if pid not in returning and flag]
    for ids, value in ((to_true, True), (to_false, False)):
        for chunk in batches(ids):
            session.execute(update(Person).where(Person.id.in_(chunk)).values(already_volunteer=value))
    return len(to_true) + len(to_false)
