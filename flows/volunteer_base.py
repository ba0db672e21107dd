"""Mark each registrant "Nouveau" or "Déjà bénévole" from the campaign's volunteer base.

Runs after people are resolved and before rosters are written (the roster shows the flag).
Every sync recomputes every flag from the current base and sign-ups, so removing a person
from the base, or the base from the campaign file, makes them new again at the next sync.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from rollcall.connectors import matching_store, store
from rollcall.connectors.database import session_scope
from rollcall.connectors.volunteer_base import VolunteerBaseError, read_volunteer_base
from rollcall.connectors.volunteer_flags import set_already_volunteer
from rollcall.models.campaign import VolunteerBaseSource, load_campaign
from rollcall.transforms.matching import MatchRecord
from rollcall.transforms.returning import returning_people
from rollcall.transforms.sites import SiteCatalog


@task(cache_policy=NO_CACHE)  # reads the database and the base as they are now
def mark_returning(config_path: str) -> dict[str, Any]:
    """Counts only: base rows read, people found in it. A base that cannot be read leaves
    every flag as the last sync set it and returns ``error`` (the sync then ends Failed
    naming it): flagging everyone "Nouveau" would inflate the count toward the goal."""
    campaign = load_campaign(config_path)
    bases = [s for s in campaign.sources if isinstance(s, VolunteerBaseSource) and s.enabled is not False]
    rows, errors = [], []
    for base in bases:
        try:
            rows += read_volunteer_base(base, campaign.source_path(base))
        except VolunteerBaseError as exc:
            errors.append(str(exc))
    if errors:
        return {"bases": [b.name for b in bases], "error": "; ".join(errors)}
    code = campaign.campaign.code
    if not rows:  # no base, or an empty one: nobody is in it, and no sign-up need be read
        with session_scope(campaign.database_url) as session:
            changed = set_already_volunteer(session, code, set())
        return {"bases": [b.name for b in bases], "base_rows": 0, "returning_people": 0, "flags_changed": changed}
    with session_scope(campaign.database_url) as session:
        names = matching_store.site_names(session, code)
        signups = [s for s in store.current_signups(session, code) if s.person_id is not None]
        records = [
            MatchRecord(
                record_id=_record_id(s),
                first_name=s.first_name,
                last_name=s.last_name,
                email=s.email,
                phone=s.phone,
                site=names.get(s.event_id),
                source=s.source,
                submitted_at=s.submitted_at.isoformat() if s.submitted_at else None,
            )
            for s in signups
        ]
        catalog = SiteCatalog(site.to_site() for site in campaign.sites)
        person_of = {_record_id(s): s.person_id for s in signups if s.person_id is not None}
        returning = returning_people(records, person_of, rows, catalog)
        changed = set_already_volunteer(session, code, returning)
    return {
        "bases": [b.name for b in bases],
        "base_rows": len(rows),
        "returning_people": len(returning),
        "flags_changed": changed,
    }


def _record_id(signup: store.CurrentSignup) -> str:
    """Named by its source record, not its row id: the same data gives the same ids, and so
    the same answer, whatever order it arrived in."""
    return f"S{signup.source}/{signup.external_id}"
