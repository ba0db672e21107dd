"""New or returning: which registrants already volunteer at the association. Pure: no I/O.

The campaign counts **new** volunteers. A registrant is "Déjà bénévole" when the same
matching engine that deduplicates sign-ups (``transforms.matching``, its rules unchanged)
puts one of their sign-ups in one person with a row of the volunteer base; otherwise
"Nouveau". The base's rows are matched, never stored as sign-ups: they are not registrants
and never reach a roster.

The answer is a function of the current sign-ups, their people and the current base alone
(the engine resolves a batch from scratch, in the records' own order), so a clean replay
gives the same flags whatever order the data arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rollcall.models.records import BaseVolunteer
from rollcall.transforms.matching import MatchRecord, resolve
from rollcall.transforms.sites import SiteCatalog

#: Labels shown to coordinators and in the dashboard.
NEW_LABEL, RETURNING_LABEL = "Nouveau", "Déjà bénévole"

#: Record ids of base rows: a prefix no sign-up id uses (sign-ups are "S<id>").
BASE_PREFIX = "B"


def volunteer_label(already_volunteer: bool) -> str:
    """The roster's and dashboard's word for it."""
    return RETURNING_LABEL if already_volunteer else NEW_LABEL


def returning_people(
    signups: Iterable[MatchRecord],
    person_of: Mapping[str, int],
    base: Iterable[BaseVolunteer],
    catalog: SiteCatalog | None = None,
) -> set[int]:
    """The people (ids) found in the volunteer base.

    ``signups``: every current sign-up as the matcher sees it (``record_id`` unique, never
    starting with ``BASE_PREFIX``); ``person_of``: record id -> its person. A base row has no
    site, so rules that need the same site never fire on it: only contacts and rare names
    link a registrant to the base, as the engine decides for any two sign-ups.
    """
    records = list(signups)
    base_records = [
        MatchRecord(
            record_id=f"{BASE_PREFIX}{i}:{v.row}",
            first_name=v.first_name,
            last_name=v.last_name,
            email=v.email,
            phone=v.phone,
            source="volunteer_base",
        )
        for i, v in enumerate(base)
    ]
    if not records or not base_records:
        return set()
    resolution = resolve(records + base_records, catalog=catalog)
    with_base = {resolution.person_of[r.record_id] for r in base_records}
    return {
        person_of[r.record_id]
        for r in records
        if resolution.person_of[r.record_id] in with_base and r.record_id in person_of
    }
