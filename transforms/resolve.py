"""Deduplication, first version: which person is this sign-up?

Rules, in order (the first that applies wins). Before them, a new version of a record
already matched (an edited submission) keeps that record's person: it is the same sign-up.

1. **Same email** as a known person, and names that do not clearly differ -> that person.
   ``Hélène Müller <h.muller@example.org>`` and ``HELENE MULLER <H.Muller@example.org>``.
2. **Same phone** as a known person, and names that do not clearly differ -> that person.
   ``Jean-Pierre Martin 06 12 34 56 78`` and ``Jean Pierre MARTIN +33612345678``.
3. Otherwise -> a **new person**.

Families share an email or a phone: ``Marie Dupont`` and ``Jean Dupont`` with the same
address are two people, because their first names clearly differ. Namesakes with different
contacts are two people, because no contact is shared. Several candidates: the one sharing
the email wins over the phone, then the earliest known person (stable tie-break).

Known limits, left to the identity-resolution issue: a sign-up whose email points at one
person and phone at another does not merge them; no fuzzy matching without a shared contact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from models.records import Identity

SAME_RECORD = "same_record"  # a new version of a record keeps its person (decided before rules)
EMAIL = "email"
PHONE = "phone"
NEW = "new"


@dataclass(frozen=True)
class Assignment:
    """Sign-up ``signup_ref`` belongs to ``person_ref``.

    ``person_ref`` is a known person's id when positive; a negative number names a new
    person created in this batch (the same negative number for the same new person).
    """

    signup_ref: int
    person_ref: int
    rule: str


def _similar_token(a: str, b: str, *, min_len: int) -> bool:
    """Equal, or one edit apart when both are long enough for that to be a typo."""
    if a == b:
        return True
    return min(len(a), len(b)) >= min_len and Levenshtein.distance(a, b) <= 1


def _compatible(a: str, b: str, *, min_len: int) -> bool:
    """Two name keys could be the same name: one is empty, similar, or a whole-word prefix
    of the other (``jean`` / ``jean pierre``, ``vasseur`` / ``vasseur kergoat``)."""
    if not a or not b:
        return True
    if _similar_token(a, b, min_len=min_len):
        return True
    short, long = sorted((a, b), key=len)
    return long.startswith(short + " ")


def names_clearly_differ(a: Identity, b: Identity) -> bool:
    """True when two identities cannot be one person by their names.

    First names need to be near-identical (one typo from 6 letters: ``Helene``/``Helena``,
    but ``Louis``/``Louise`` and ``Jean``/``Jeanne`` differ); last names allow one typo from
    4 letters (``Dupont``/``Dupond``). Swapped first and last names are the same name.
    """
    same_order = _compatible(a.first_key, b.first_key, min_len=6) and _compatible(
        a.last_key, b.last_key, min_len=4
    )
    swapped = _compatible(a.first_key, b.last_key, min_len=6) and _compatible(
        a.last_key, b.first_key, min_len=4
    )
    return not (same_order or swapped)


class PeopleIndex:
    """Known people, looked up by contact. Grows as new people are assigned."""

    def __init__(self, people: Iterable[Identity] = ()) -> None:
        self._by_email: dict[str, list[Identity]] = defaultdict(list)
        self._by_phone: dict[str, list[Identity]] = defaultdict(list)
        for person in people:
            self.add(person)

    def add(self, person: Identity) -> None:
        """Index a person under a contact. A person with several contacts is added once per
        contact, each time with the same ``ref``."""
        if person.email_key:
            self._by_email[person.email_key].append(person)
        if person.phone:
            self._by_phone[person.phone].append(person)

    def find(self, signup: Identity) -> tuple[int, str] | None:
        """The person this sign-up belongs to, and the rule that said so, or None."""
        for rule, index, key in (
            (EMAIL, self._by_email, signup.email_key),
            (PHONE, self._by_phone, signup.phone),
        ):
            if not key:
                continue
            matches = [p for p in index.get(key, ()) if not names_clearly_differ(p, signup)]
            if matches:
                return _earliest(matches), rule
        return None


def _earliest(matches: Sequence[Identity]) -> int:
    """Known people (positive ids, oldest first) before new ones (-1, -2, ... in order)."""
    known = [m.ref for m in matches if m.ref > 0]
    return min(known) if known else max(m.ref for m in matches)


def assign_people(signups: Sequence[Identity], index: PeopleIndex) -> list[Assignment]:
    """Assign each sign-up, in the given order, to a known person or a new one.

    Sign-ups should come oldest first, so a person is named after their first sign-up.
    The index is updated as it goes, so two new sign-ups of one person in one batch
    become one new person.
    """
    assignments: list[Assignment] = []
    next_new = -1
    for signup in signups:
        found = index.find(signup)
        if found is None:
            person_ref, rule = next_new, NEW
            next_new -= 1
        else:
            person_ref, rule = found
        index.add(Identity(person_ref, signup.first_key, signup.last_key, signup.email_key, signup.phone))
        assignments.append(Assignment(signup.ref, person_ref, rule))
    return assignments
