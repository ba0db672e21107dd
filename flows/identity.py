"""Who is who: resolve every current sign-up into people, keep people's ids and roster
references stable, and bring registrations in line. Prefect-free: the task
``flows.steps.resolve_people`` calls ``resolve_campaign``; the CLI's review and people
commands call ``refresh_registrations``, the same rule as the nightly sync.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rollcall.connectors import matching_store, store
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import Campaign
from rollcall.models.ids import signup_number, signup_ref
from rollcall.models.records import PersonDisplay, SignupFacts, SignupState
from rollcall.transforms.matching import Decision, MatchRecord, Resolution, resolve
from rollcall.transforms.roster import registration_facts
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.stable_ids import assign_people, moved_registrations
from rollcall.transforms.survivorship import display_fields

#: ``signups.match_rule`` besides the matcher's rule codes: the only sign-up of its person.
NEW = "new"


def resolve_campaign(campaign: Campaign, resolving: Callable[[], object] | None = None) -> dict[str, Any]:
    """Resolve every current sign-up into people from scratch, under every stored decision,
    and map the result onto the people who already exist (``transforms.stable_ids``).

    Resolving the whole campaign each night, rather than matching only the new sign-ups
    against people fixed earlier, makes who is merged with whom a function of the data and
    the decisions alone: a source that arrives a night late, a retry or an edit ends where one
    clean sync would. The matcher resolves a million sign-ups in well under a minute.

    ``resolving``: called once the inputs are known to have changed, before resolving (the
    nightly sync starts reading the rosters back meanwhile, ``flows.rosters.read_ahead``).
    """
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        store.sync_events(session, campaign)
        inputs = store.resolution_inputs(session, code)
        if store.last_resolution_inputs(session, code) == _fingerprint(inputs, campaign):
            return {"unchanged": True, **dict.fromkeys(RESOLUTION_CHANGES, 0)}
        if resolving is not None:
            resolving()
        signups = store.current_signups(session, code)
        resolution = _match(session, campaign, signups)
        groups: dict[str, list[int]] = defaultdict(list)
        for signup in signups:
            groups[resolution.person_of[_record_id(signup.id)]].append(signup.id)
        # each sign-up's person before this run, or, for a new version, its record's
        earlier = store.people_of_earlier_versions(session, code) if any(s.person_id is None for s in signups) else {}
        prior = {s.id: s.person_id or earlier.get(s.record_key) for s in signups}
        person_of_signup, created = _stable_people(session, signups, groups, prior)
        rules = _rules(resolution, signups)
        person_of_record = {s.record_key: person_of_signup[s.id] for s in signups}
        moved = store.assign_records(session, code, person_of_record, rules, signups)
        displayed = store.update_people(session, _displays(signups, person_of_signup, skip=created))
        review = _remember_evidence(session, signups, resolution)
        session.flush()
        _keep_registration_rows(session, campaign, signups, person_of_signup, prior)
        assigned = {s.id: person_of_record[s.record_key] for s in signups}  # as just stored
        changed = refresh_registrations(session, campaign, (signups, assigned))
        session.flush()
        # the inputs as now stored: read at the start, each sign-up with the person just given
        store.remember_resolution_inputs(session, code, _fingerprint(inputs.with_people(assigned), campaign))
    return {
        "signups": len(signups),
        "people": len(groups),
        "new_people": len(created),
        "signups_moved": moved,
        "people_display_changed": displayed,
        "new_review_pairs": review,
        "registrations_changed": changed,
    }


#: What a resolution changed, counted in its result (all 0 when its inputs had not changed).
RESOLUTION_CHANGES = (
    "new_people",
    "signups_moved",
    "people_display_changed",
    "new_review_pairs",
    "registrations_changed",
)


def _fingerprint(inputs: store.ResolutionInputs, campaign: Campaign) -> str:
    """The fingerprint of everything ``resolve_campaign`` reads: current sign-ups and their
    people, decisions (``inputs``), the sites, and the code that resolves. Equal to the last
    resolution's, a night skips resolving: the result would be what is already stored."""
    sites = json.dumps([site.model_dump(mode="json") for site in campaign.sites], sort_keys=True)
    return inputs.digest(sites, _resolving_code())


@functools.cache
def _resolving_code() -> str:
    """A digest of the modules whose code decides people and registrations: an upgrade of
    the matcher re-resolves the next night even when no data changed."""
    from rollcall.transforms import matching, roster, stable_ids, survivorship

    files = (
        sorted(Path(inspect.getfile(matching)).parent.glob("*.py"))
        + [Path(inspect.getfile(module)) for module in (roster, stable_ids, survivorship)]
        + [Path(__file__)]
    )
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()


def _record_id(signup_id: int) -> str:
    return signup_ref(signup_id)


def _match(session: Session, campaign: Campaign, signups: list[store.CurrentSignup]) -> Resolution:
    """Every current sign-up, resolved under every decision ever taken (a decision is about
    two source records, so it holds for their latest versions)."""
    names = matching_store.site_names(session, campaign.campaign.code)
    catalog = SiteCatalog(site.to_site() for site in campaign.sites)
    current = {s.record_key: _record_id(s.id) for s in signups}
    decisions = [
        Decision(current[a], current[b], same)
        for a, b, same in matching_store.decisions_by_record(session, campaign.campaign.code)
        if a in current and b in current
    ]
    return resolve([_match_record(s, names[s.event_id]) for s in signups], decisions, catalog)


def _match_record(signup: store.CurrentSignup, site_name: str) -> MatchRecord:
    return MatchRecord(
        record_id=_record_id(signup.id),
        first_name=signup.first_name,
        last_name=signup.last_name,
        email=signup.email,
        phone=signup.phone,
        site=site_name,
        source=signup.source,
        submitted_at=signup.submitted_at.isoformat() if signup.submitted_at else None,
    )


def _stable_people(
    session: Session, signups: list[store.CurrentSignup], groups: dict[str, list[int]], prior: dict[int, int | None]
) -> tuple[dict[int, int], set[int]]:
    """Sign-up id -> person id, existing ids kept where the person is the same (``prior``:
    each sign-up's person before this run, or its record's); returns the mapping and the
    people created (with their display fields already)."""
    chosen = assign_people(groups, prior)
    by_id = {s.id: s for s in signups}
    fresh = [group for group, person in chosen.items() if person is None]
    new_ids = store.create_people(session, [display_fields([_facts(by_id[i]) for i in groups[g]]) for g in fresh])
    people = {group: person for group, person in chosen.items() if person is not None}
    people.update(zip(fresh, new_ids))
    return {signup: people[group] for group, members in groups.items() for signup in members}, set(new_ids)


def _rules(resolution: Resolution, signups: list[store.CurrentSignup]) -> dict[int, str]:
    """Why each sign-up is in its person: "new" for the one the person is keyed by (its
    earliest), otherwise the strongest link that placed it."""
    rules: dict[str, str] = {}
    for link in resolution.links:
        rules.setdefault(link.record_a, link.rule)
        rules.setdefault(link.record_b, link.rule)
    person_of = resolution.person_of
    return {
        s.id: NEW if person_of[_record_id(s.id)] == _record_id(s.id) else rules.get(_record_id(s.id), NEW)
        for s in signups
    }


def _facts(signup: store.CurrentSignup) -> SignupFacts:
    return SignupFacts(
        record_key=signup.record_key,
        first_name=signup.first_name,
        last_name=signup.last_name,
        email=signup.email,
        phone=signup.phone,
        submitted_at=signup.submitted_at,
        consent=signup.consent,
        cancelled=signup.cancelled,
        suspicious_email="suspicious_email_domain" in (signup.warnings or ()),
    )


def _displays(
    signups: list[store.CurrentSignup], person_of: dict[int, int], skip: set[int]
) -> dict[int, PersonDisplay]:
    """What each person shows, from their sign-ups in order; ``skip``: people just created
    from the same sign-ups in the same order (``_stable_people``), so already shown so."""
    members: dict[int, list[SignupFacts]] = defaultdict(list)
    for signup in signups:
        person = person_of[signup.id]
        if person not in skip:
            members[person].append(_facts(signup))
    return {person: display_fields(facts) for person, facts in members.items()}


def _remember_evidence(session: Session, signups: list[store.CurrentSignup], resolution: Resolution) -> int:
    """Links explain merges; review pairs wait for a decision. Both are exactly this
    resolution's between current sign-ups. Returns new review pairs."""
    current = {s.id for s in signups}
    matching_store.replace_links(
        session,
        current,
        [
            (
                signup_number(link.record_a),
                signup_number(link.record_b),
                link.rule,
                float(link.score),
                list(link.evidence),
            )
            for link in resolution.links
        ],
    )
    return matching_store.replace_review_pairs(
        session,
        current,
        [
            (
                signup_number(p.record_a),
                signup_number(p.record_b),
                p.rule,
                float(p.score),
                list(p.evidence),
                p.explanation,
            )
            for p in resolution.review
        ],
    )


def _keep_registration_rows(
    session: Session,
    campaign: Campaign,
    signups: list[store.CurrentSignup],
    person_of: dict[int, int],
    prior: dict[int, int | None],
) -> None:
    """A person who gained an event through a merge or a split takes over the registration
    row (and so the roster reference and the coordinator's cells) of those sign-ups."""
    events = store.sync_events(session, campaign)
    wanted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for signup in signups:
        wanted[(person_of[signup.id], signup.event_id)].append(signup.id)
    existing = store.registration_ids(session, events.values())
    store.move_registrations(session, moved_registrations(wanted, existing, prior))


def refresh_registrations(
    session: Session,
    campaign: Campaign,
    assigned: tuple[list[store.CurrentSignup], dict[int, int]] | None = None,
) -> int:
    """Create missing registrations and update those whose facts changed; count changes.

    ``assigned``: the current sign-ups and each one's person as a resolution has just stored
    them (``resolve_campaign``), so as not to read them again; read from the database
    otherwise (the CLI's review and people commands). Either way the same rule."""
    code = campaign.campaign.code
    if assigned is None:
        signups = store.current_signups(session, code)
        assigned = (signups, {s.id: s.person_id for s in signups if s.person_id is not None})
    states = registration_states(*assigned, store.earlier_submissions(session, code))
    events = store.sync_events(session, campaign)
    existing = store.campaign_registrations(session, events.values())
    new, changed = [], []
    for key in sorted(states.keys() | existing.keys()):  # new rows' ids in (person, event) order
        status, registered_at, sources = registration_facts(states.get(key, []))
        stored = existing.get(key)
        if stored is None:
            new.append(
                {
                    "person_id": key[0],
                    "event_id": key[1],
                    "status": status,
                    "registered_at": registered_at,
                    "sources": sources,
                }
            )
        elif (stored.status, stored.registered_at, stored.sources) != (status, registered_at, sources):
            changed.append({"id": stored.id, "status": status, "registered_at": registered_at, "sources": sources})
    store.save_registrations(session, new, changed)
    return len(new) + len(changed)


def registration_states(
    signups: list[store.CurrentSignup],
    person_of: dict[int, int],
    earlier: dict[tuple[str, str], datetime],
) -> dict[tuple[int, int], list[SignupState]]:
    """Current sign-ups with a person, grouped by (person, event). A sign-up's time is its
    record's first submission time (the earliest of its versions, ``earlier`` holding that
    of the versions before the current one), so an edit that moves the provider's submission
    time (Tally) does not move "Inscrit le"."""
    grouped: dict[tuple[int, int], list[SignupState]] = defaultdict(list)
    for signup in signups:
        person = person_of.get(signup.id)
        if person is None:
            continue
        times = [t for t in (signup.submitted_at, earlier.get(signup.record_key)) if t is not None]
        grouped[(person, signup.event_id)].append(
            SignupState(signup.cancelled, signup.consent, signup.source, min(times, default=None))
        )
    return grouped
