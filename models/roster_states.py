"""A roster row's stored state, as read from the database and as a push leaves it.

Plain values, no database: a worker process (``flows.workbook_push``) decodes a site's
stored states, merges with them and hands back only the states that changed, so the
process that feeds the workers neither decodes nor compares the rows of every site.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple


class RosterStateValues(NamedTuple):
    """A roster row's stored state (``RosterState``'s columns): what a push compares and
    writes. Plain values, many times faster to read and write at 8,000 rows a site than ORM
    objects."""

    registration_id: int
    pushed: dict[str, Any]
    called: str | None
    present: bool | None
    notes: str | None
    extras: dict[str, Any] | None
    conflicts: int
    previous: dict[str, Any] | None = None


#: A row state as read (``connectors.store.roster_state_rows``): its JSON columns (pushed,
#: extras, previous) still text; ``decoded_states`` makes them values.
StoredRow = tuple[int, str, str | None, bool | None, str | None, str | None, int, str | None]


def decoded_states(rows: Iterable[StoredRow]) -> dict[int, RosterStateValues]:
    """Registration id -> its state, the JSON text of each row decoded (SQL NULL and JSON
    null both None)."""
    return {
        rid: RosterStateValues(
            rid, json.loads(pushed), called, present, notes, _value(extras), conflicts, _value(previous)
        )
        for rid, pushed, called, present, notes, extras, conflicts, previous in rows
    }


def _value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def roster_state(
    registration_id: int,
    pushed: dict[str, Any],
    called: Any,
    present: bool | None,
    notes: str | None,
    extras: dict[str, Any],
    conflicts: int,
    previous: dict[str, Any] | None = None,
) -> RosterStateValues:
    """A row's state as it is stored (and read back): ``called`` as text, blanks as None."""
    return RosterStateValues(
        registration_id,
        pushed,
        None if called is None else str(called),
        present,
        notes or None,
        extras or None,
        conflicts,
        previous or None,
    )


class StateWrites(NamedTuple):
    """What storing a push's row states writes: rows without a state yet, rows whose state
    changed. An unchanged row is in neither."""

    new: Sequence[RosterStateValues]
    changed: Sequence[RosterStateValues]


def state_writes(stored: Mapping[int, RosterStateValues], states: Iterable[RosterStateValues]) -> StateWrites:
    new, changed = [], []
    for state in states:
        before = stored.get(state.registration_id)
        if before is None:
            new.append(state)
        elif before != state:
            changed.append(state)
    return StateWrites(new, changed)
