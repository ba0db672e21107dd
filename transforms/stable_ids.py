"""Keep people's ids and roster references stable when identity is resolved again. Pure.

Each night resolves every current sign-up from scratch (``transforms.matching.resolve``),
so who is merged with whom depends only on the data and the stored decisions, never on
which night a record arrived. The result is a set of groups of sign-ups; this module maps
them onto the ids people already have, so a coordinator's row (``R00042``) and everything
typed in it stay with the same human:

- A group takes the existing person that holds most of its sign-ups (ties: the lowest id).
  Each person id goes to one group at most; a group left without one is a new person.
  When two people turn out to be one, the one holding more sign-ups (then the older id)
  stays; when a person is split, the larger part keeps the id.
- A (person, event) registration keeps its row when it exists. When it does not (the person
  just gained that event through a merge or a split), the registration row of the sign-ups
  it now holds moves over, rather than a new row with a new reference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

GroupKey = TypeVar("GroupKey", bound=Hashable)
RegistrationKey = tuple[int, int]  # (person id, event id)


def assign_people(
    groups: Mapping[GroupKey, Sequence[int]], prior_person: Mapping[int, int | None]
) -> dict[GroupKey, int | None]:
    """Group -> existing person id, or None for a group that needs a new person.

    ``groups`` maps a group to its sign-up ids; ``prior_person`` a sign-up id to the person
    it (or an earlier version of its record) belonged to before this resolution.
    """
    candidates = []
    for group, signups in groups.items():
        votes = Counter(person for s in signups if (person := prior_person.get(s)) is not None)
        candidates += [(-n, person, _order(group), group) for person, n in votes.items()]
    chosen: dict[GroupKey, int | None] = {group: None for group in groups}
    taken: set[int] = set()
    for _, person, _, group in sorted(candidates, key=lambda c: c[:3]):
        if chosen[group] is None and person not in taken:
            chosen[group] = person
            taken.add(person)
    return chosen


def _order(group: Hashable) -> str:
    """A deterministic tie-break between groups (keys are record ids or tuples of them)."""
    return repr(group)


def moved_registrations(
    wanted: Mapping[RegistrationKey, Sequence[int]],
    existing: Mapping[RegistrationKey, int],
    prior_person: Mapping[int, int | None],
) -> dict[int, RegistrationKey]:
    """Registration id -> the (person, event) it moves to (see the module's second rule).

    ``wanted`` maps each (person, event) that must have a registration to its sign-ups;
    ``existing`` maps the (person, event) of each registration row to its id. A row moves
    only when its own key is no longer wanted, so no two rows ever share a key.
    """
    free = {key: rid for key, rid in existing.items() if key not in wanted}
    moves: dict[int, RegistrationKey] = {}
    for key in sorted(wanted):
        if key in existing:
            continue
        person, event = key
        votes = Counter((prior_person.get(s), event) for s in wanted[key])
        options = sorted((-n, free[old]) for old, n in votes.items() if old in free and free[old] not in moves)
        if options:
            moves[options[0][1]] = key
    return moves
