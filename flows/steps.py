"""The nightly sync's steps as Prefect tasks: one task per source, stage or batch, never per row.

Tasks take and return only paths, ids and counts. Personal data stays in the database,
never in Prefect's task results, parameters or logs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from sqlalchemy.orm import Session

from rollcall.connectors import matching_store, privacy, store
from rollcall.connectors.database import session_scope
from rollcall.connectors.files import FileFormatError, file_fingerprint, open_table
from rollcall.connectors.forms import FormConnector
from rollcall.connectors.google_sheets import SheetsError, read_source_tab
from rollcall.connectors.http import SourceError, SourceMappingError
from rollcall.flows.privacy import erasure_salt
from rollcall.flows.secrets import MissingSecret
from rollcall.flows.sources import build_connector, google_sheets
from rollcall.models.campaign import (
    Campaign,
    FileSource,
    FormSource,
    SheetSource,
    SourceBase,
    load_campaign,
)
from rollcall.models.records import NormalisedSignup, PersonDisplay, RawRow, SignupFacts
from rollcall.transforms.answers import flatten_payload
from rollcall.transforms.matching import Decision, MatchRecord, Resolution, resolve
from rollcall.transforms.normalise import normalise_signup
from rollcall.transforms.privacy import payload_contacts
from rollcall.transforms.raw import RecordKeys, identify_rows, iter_identified, unreadable_reason
from rollcall.transforms.reasons import rejection
from rollcall.transforms.roster import registration_facts
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.stable_ids import assign_people, moved_registrations
from rollcall.transforms.survivorship import display_fields

#: Caching on a UI "Retry" (same flow run id, so the default policy's keys repeat):
#:
#: - ``prepare_run`` and a completed ``land_source`` are reused: the run row is the same sync
#:   run, and a source's pull is durable in the database (records and cursor committed
#:   together), so what a completed pull stored is still valid and is not fetched again.
#: - Every step downstream of the data (normalise, resolve, rosters) is ``NO_CACHE``: it
#:   reads the database as it is *now*, so a source re-pulled by the retry reaches the
#:   people and the rosters. A cached result of the failed attempt would describe data that
#:   has since changed. These steps are idempotent and cheap when nothing is new (nothing
#:   pending to normalise; an unchanged roster costs no write).
DERIVED = NO_CACHE


@task
def prepare_run(config_path: str, flow_run_id: str | None) -> int:
    """Record the run and bring the events in line with the configured sites."""
    campaign = load_campaign(config_path)
    with session_scope(campaign.database_url) as session:
        store.sync_events(session, campaign)
        return store.start_run(session, campaign.campaign.code, flow_run_id)


#: Rows landed per database round trip: bounded memory for a 200 MB export.
LANDING_CHUNK = 2000

#: ``signups.match_rule`` besides the matcher's rule codes: the only sign-up of its person.
NEW = "new"


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a pull only when the provider was unavailable; a bad token, a wrong form id or a
    bad mapping fails at once, because waiting will not fix them."""
    try:
        state.result()
    except SourceError as exc:
        return exc.transient
    except Exception:  # noqa: BLE001 - anything else is a bug or bad data: do not retry
        return False
    return False


@task(
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=30),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_if_transient,
    task_run_name="land_source[{source_name}]",
)  # the run graph names the source that failed
def land_source(
    config_path: str, source_name: str, run_id: int, since: str | None = None, full_read: bool = False
) -> dict[str, Any]:
    """Pull one source and store what it holds raw; return counts (never records).

    ``since`` (ISO date) re-reads a web form from that date instead of its cursor: a backfill.
    ``full_read`` reads a web form whole even when its ``full_read`` setting is off.
    """
    campaign = load_campaign(config_path)
    source = next(s for s in campaign.sources if s.name == source_name)
    if isinstance(source, FormSource):
        try:
            connector = build_connector(source)
        except MissingSecret as exc:
            if source.enabled == "if-credentials":
                return {"skipped": str(exc)}
            raise SourceError(f"source {source.name}: {exc}") from None
        counts = _land_form(campaign, source, connector, run_id, since, full_read=full_read)
        counts["requests"] = getattr(getattr(connector, "session", None), "requests_made", None)
    elif isinstance(source, SheetSource):
        counts = _land_sheet(campaign, source, run_id)
    elif isinstance(source, FileSource):
        counts = _land_file(campaign, source, run_id)
    else:  # the volunteer base is read by each sync, never landed (flows.volunteer_base)
        raise ValueError(f"source {source.name}: a {source.kind} source is not landed")
    get_run_logger().info("source %s: %s", source.name, counts)
    return counts


def _land_file(campaign: Campaign, source: FileSource, run_id: int) -> dict[str, Any]:
    """A file export, landed whole in one transaction with its cursor (the file's
    fingerprint); skipped when the file has not changed since."""
    path = campaign.source_path(source)
    if not path.exists():
        raise SourceError(f"source {source.name}: file not found: {path}")
    try:  # refuses at once a folder, /dev/zero or a pipe, before the sync reads on for ever
        cursor = f"sha256:{file_fingerprint(path)}"
    except FileFormatError as exc:
        raise SourceError(f"source {source.name}: {exc}") from None
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        if store.get_cursor(session, code, source.name) == cursor:
            return {"received": 0, "new": 0, "file_unchanged": True}
    id_column = source.mapping.get("external_id", (None,))[0]
    return _land_rows(campaign, source, iter_identified(_read_rows(source, path), id_column), run_id, cursor)


def _land_sheet(campaign: Campaign, source: SheetSource, run_id: int) -> dict[str, Any]:
    """A staff Google sheet: read whole each night (unformatted values), landed like an
    export; as a snapshot, a row that disappeared marks its record removed."""
    try:
        sheets = google_sheets(campaign, {})
        rows = read_source_tab(sheets.client, source.spreadsheet, source.sheet)
    except (MissingSecret, SheetsError) as exc:
        raise SourceError(f"source {source.name}: {exc}") from None
    headers = {header for _, row in rows for header in row}
    missing = sorted(source.columns - headers) if rows else []
    if missing:
        raise SourceMappingError(
            f"source {source.name}: column(s) {missing} named in its field mapping "
            f"are not in tab {source.sheet!r}; its columns are {sorted(headers)}"
        )
    id_column = source.mapping.get("external_id", (None,))[0]
    identified = identify_rows([(f"row {n}", values) for n, values in rows], id_column)
    return _land_rows(campaign, source, identified, run_id, cursor=None)


def _land_rows(
    campaign: Campaign, source: SourceBase, rows: Iterable[RawRow], run_id: int, cursor: str | None
) -> dict[str, Any]:
    """Land a whole export or sheet in one transaction with its cursor, streamed in chunks so
    a large export uses bounded memory; for a snapshot source, what it no longer holds stops
    being current."""
    code = campaign.campaign.code
    totals = {"received": 0, "new": 0, "new_versions": 0, "removed": 0}
    present = RecordKeys()  # compact: a 200 MB export's keys stay well under its size
    with session_scope(campaign.database_url) as session:
        salt = erasure_salt(session) if privacy.anyone_erased(session) else None
        for chunk in _chunks(rows, LANDING_CHUNK):
            if salt is not None:  # an erased person's rows, read again, stay erased
                chunk = privacy.without_erased(session, code, source.name, chunk, salt)
            counts = store.land_raw_rows(session, code, source.name, chunk, run_id)
            totals["received"] += counts.received
            totals["new"] += counts.new
            totals["new_versions"] += counts.new_versions
            if source.is_snapshot:
                for r in chunk:
                    present.add(r.external_id, r.content_hash)
        if source.is_snapshot:
            if not totals["received"] and store.has_current_records(session, code, source.name):
                raise SourceError(
                    f"source {source.name}: it holds no row now, while earlier syncs found some; "
                    "nothing was removed. Check the file or sheet; if it really is empty, "
                    "remove the source from the campaign file"
                )
            totals["removed"] = store.match_snapshot(session, code, source.name, present)
        if cursor is not None:
            store.set_cursor(session, code, source.name, cursor)
    return totals


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    """``itertools.batched`` arrives in Python 3.12; rollcall supports 3.11."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _read_rows(source: FileSource, path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``(locator, row)`` pairs of an export, streamed, after checking (at once, before any
    row is landed) that every mapped column exists."""
    try:
        table = open_table(path, encoding=source.encoding, delimiter=source.delimiter, sheet=source.sheet)
    except FileFormatError as exc:
        raise SourceError(f"source {source.name}: {exc}") from None
    missing = sorted(source.columns - set(table.headers))
    if missing:
        raise SourceMappingError(
            f"source {source.name}: column(s) {missing} named in its field mapping are not "
            f"in {path.name}; its columns are {table.headers}"
        )
    return _streamed_rows(source, table)


def _streamed_rows(source: SourceBase, table: Any) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        for row in table.rows():
            yield row.locator, row.values
    except FileFormatError as exc:  # a byte that does not decode, deep in the file
        raise SourceError(f"source {source.name}: {exc}") from None


def _land_form(
    campaign: Campaign,
    source: FormSource,
    connector: FormConnector,
    run_id: int,
    since: str | None = None,
    *,
    full_read: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A web form, page by page: each page's records and the cursor it allows are committed
    together, so a crash re-reads from the last committed cursor and loses nothing.

    With ``full_read`` (the default) every sync reads the whole form and, once every page is
    in, what the provider no longer lists stops being current: the database follows the form
    as it is now, deletions included, whatever its date filter returns. A backfill (``since``)
    reads from that date and removes nothing. A source set to ``full_read = false`` is read
    whole when asked (``full_read``) or when its last full read is ``reconcile_days`` old.

    A submission deleted while pages are read shifts the later pages (Tally pages newest
    first), so one submission can be missing from a listing without being deleted. So when a
    listing misses something, the form is listed once more and only what both listings miss
    is removed (one deleted between the two reads goes at the next sync); that second read
    costs requests only on a night something disappeared."""
    missing = sorted(source.columns - connector.available_keys())
    if missing:
        raise SourceMappingError(
            f"source {source.name}: the field mapping names {missing}, which form "
            f"{source.form_id} does not have: fix `fields` in the campaign file"
        )
    code = campaign.campaign.code
    now = now or datetime.now(UTC)
    with session_scope(campaign.database_url) as session:
        last_full = store.reconciled_at(session, code, source.name)
        full = since is None and (
            source.full_read
            or full_read
            or last_full is None
            or now - last_full >= timedelta(days=source.reconcile_days)
        )
        cursor = None if full else since or store.get_cursor(session, code, source.name)
    totals: dict[str, Any] = {"received": 0, "new": 0, "new_versions": 0, "pages": 0, "full_read": full}
    listed = _land_pages(campaign, source, connector, run_id, cursor, totals)
    if full:
        with session_scope(campaign.database_url) as session:
            unlisted = store.unlisted(session, code, source.name, listed)
        if unlisted:
            listed |= _land_pages(campaign, source, connector, run_id, None, totals)
            listed |= _still_held(campaign, source, connector, listed)
        with session_scope(campaign.database_url) as session:
            if unlisted:
                totals["removed"] = store.keep_listed(session, code, source.name, listed)
            store.mark_reconciled(session, code, source.name, now)
    return totals


#: At most this many records missed by both listings are asked about one by one.
MAX_ASKED_ONE_BY_ONE = 200


def _still_held(campaign: Campaign, source: FormSource, connector: FormConnector, listed: set[str]) -> set[str]:
    """Of the records both listings missed, those the provider says it still holds, for a
    connector that can ask one by one (``still_held``): a deletion during each listing could
    have skipped them twice. Beyond ``MAX_ASKED_ONE_BY_ONE`` (a mass deletion), none is asked."""
    ask = getattr(connector, "still_held", None)
    if ask is None:
        return set()
    with session_scope(campaign.database_url) as session:
        missed = store.unlisted(session, campaign.campaign.code, source.name, listed)
    return ask(missed) if 0 < len(missed) <= MAX_ASKED_ONE_BY_ONE else set()


def _land_pages(
    campaign: Campaign,
    source: FormSource,
    connector: FormConnector,
    run_id: int,
    cursor: str | None,
    totals: dict[str, Any],
) -> set[str]:
    """Land every page from ``cursor``, adding to ``totals``; return the ids listed."""
    code = campaign.campaign.code
    listed: set[str] = set()
    for page in connector.iter_pages(cursor):
        with session_scope(campaign.database_url) as session:
            records = page.records
            if privacy.anyone_erased(session):  # an erased person's submission stays erased
                records = privacy.without_erased(session, code, source.name, records, erasure_salt(session))
            counts = store.land_raw_rows(session, code, source.name, records, run_id)
            if page.cursor is not None:
                store.set_cursor(session, code, source.name, page.cursor)
        listed.update(record.external_id for record in page.records)
        totals["pages"] += 1
        totals["received"] += counts.received
        totals["new"] += counts.new
        totals["new_versions"] += counts.new_versions
    return listed


@task(cache_policy=DERIVED)
def normalise_pending(config_path: str, run_id: int) -> dict[str, Any]:
    """Turn every new raw record into a sign-up or a quarantine entry with a reason."""
    campaign = load_campaign(config_path)
    sources = {s.name: s for s in campaign.sources}
    catalog = SiteCatalog(site.to_site() for site in campaign.sites)
    counts = {"signups": 0, "quarantined": 0, "waiting_for_source": 0, "refused_erased": 0}
    with session_scope(campaign.database_url) as session:
        erased = privacy.is_erased(session, erasure_salt(session))
    after_id = 0
    while True:  # a page per transaction: bounded memory, and a crash keeps finished pages
        with session_scope(campaign.database_url) as session:
            events = store.sync_events(session, campaign)
            page = store.pending_records(session, campaign.campaign.code, after_id, LANDING_CHUNK)
            signups: list[tuple[Any, NormalisedSignup, int]] = []
            quarantined: list[tuple[Any, Any]] = []
            for record in page:
                source = sources.get(record.source)
                if source is None:  # its source was removed from the configuration
                    counts["waiting_for_source"] += 1
                    continue
                unreadable = unreadable_reason(record.payload)  # a row the file reader could not trust
                outcome = (
                    rejection(unreadable)
                    if unreadable
                    else normalise_signup(
                        source.extract(flatten_payload(source.kind, record.payload)),
                        catalog,
                        tz=source.timezone or campaign.campaign.timezone,
                    )
                )
                if erased and _of_erased_person(erased, outcome, record.payload):
                    privacy.refuse_record(session, record.id)
                    counts["refused_erased"] += 1
                elif isinstance(outcome, NormalisedSignup):
                    signups.append((record, outcome, events[outcome.site_code]))
                else:
                    quarantined.append((record, outcome))
            store.save_normalised(session, signups, quarantined, run_id)
            counts["signups"] += len(signups)
            counts["quarantined"] += len(quarantined)
        if len(page) < LANDING_CHUNK:
            counts["details_read_again"] = backfill_details(campaign, sources, catalog)
            return counts
        after_id = page[-1].id


def backfill_details(campaign: Campaign, sources: Mapping[str, SourceBase], catalog: SiteCatalog) -> int:
    """Time slot, remarks and minor flag of sign-ups stored before they were read (migration
    0005), read from their stored records as a clean sync would: once, a page per transaction."""
    done = 0
    while True:
        with session_scope(campaign.database_url) as session:
            page = store.signups_to_read_again(session, campaign.campaign.code, LANDING_CHUNK)
            for signup_id, name, payload in page:
                source = sources.get(name)
                outcome = (
                    None
                    if source is None
                    else normalise_signup(
                        source.extract(flatten_payload(source.kind, payload)),
                        catalog,
                        tz=source.timezone or campaign.campaign.timezone,
                    )
                )
                store.save_details(session, signup_id, outcome if isinstance(outcome, NormalisedSignup) else None)
            done += len(page)
        if len(page) < LANDING_CHUNK:
            return done


def _of_erased_person(erased: privacy.ErasedCheck, outcome: Any, payload: dict[str, Any]) -> bool:
    """A record of someone erased (RGPD): by its normalised contacts, or, for a record that
    would be quarantined, by any contact found in its raw payload."""
    if isinstance(outcome, NormalisedSignup):
        return erased(outcome.email_key, outcome.phone)
    emails, phones = payload_contacts(payload)
    return any(erased(e, None) for e in emails) or any(erased(None, p) for p in phones)


@task(cache_policy=DERIVED)
def resolve_people(config_path: str) -> dict[str, Any]:
    """Resolve every current sign-up into people from scratch, under every stored decision,
    and map the result onto the people who already exist (``transforms.stable_ids``).

    Resolving the whole campaign each night, rather than matching only the new sign-ups
    against people fixed earlier, makes who is merged with whom a function of the data and
    the decisions alone: a source that arrives a night late, a retry or an edit ends where one
    clean sync would. The matcher resolves a million sign-ups in well under a minute.
    """
    campaign = load_campaign(config_path)
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        store.sync_events(session, campaign)
        if store.last_resolution_inputs(session, code) == _resolution_inputs(session, campaign):
            return {"unchanged": True, **dict.fromkeys(RESOLUTION_CHANGES, 0)}
        signups = store.current_signups(session, code)
        resolution = _match(session, campaign, signups)
        groups: dict[str, list[int]] = defaultdict(list)
        for signup in signups:
            groups[resolution.person_of[_record_id(signup.id)]].append(signup.id)
        by_record = store.people_of_records(session, code)
        prior = {s.id: s.person_id or by_record.get(s.record_key) for s in signups}
        person_of_signup, created = _stable_people(session, signups, groups, prior)
        rules = _rules(resolution, signups)
        moved = store.assign_records(
            session, code, {s.record_key: person_of_signup[s.id] for s in signups}, rules, signups
        )
        displayed = store.update_people(session, _displays(signups, person_of_signup))
        review = _remember_evidence(session, signups, resolution)
        session.flush()
        _keep_registration_rows(session, campaign, signups, person_of_signup, prior)
        changed = refresh_registrations(session, campaign)
        session.flush()
        store.remember_resolution_inputs(session, code, _resolution_inputs(session, campaign))
    return {
        "signups": len(signups),
        "people": len(groups),
        "new_people": created,
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


def _resolution_inputs(session: Session, campaign: Campaign) -> str:
    """The fingerprint of everything ``resolve_people`` reads: current sign-ups and their
    people, decisions, the sites, and the code that resolves. Equal to the last resolution's,
    a night skips resolving: the result would be what is already stored."""
    sites = json.dumps([site.model_dump(mode="json") for site in campaign.sites], sort_keys=True)
    return store.resolution_inputs(session, campaign.campaign.code, sites, _resolving_code())


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
    return f"S{signup_id}"


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
) -> tuple[dict[int, int], int]:
    """Sign-up id -> person id, existing ids kept where the person is the same (``prior``:
    each sign-up's person before this run, or its record's); returns the mapping and how
    many people were created."""
    chosen = assign_people(groups, prior)
    by_id = {s.id: s for s in signups}
    fresh = [group for group, person in chosen.items() if person is None]
    new_ids = store.create_people(session, [display_fields([_facts(by_id[i]) for i in groups[g]]) for g in fresh])
    people = {group: person for group, person in chosen.items() if person is not None}
    people.update(zip(fresh, new_ids))
    return {signup: people[group] for group, members in groups.items() for signup in members}, len(fresh)


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


def _displays(signups: list[store.CurrentSignup], person_of: dict[int, int]) -> dict[int, PersonDisplay]:
    members: dict[int, list[SignupFacts]] = defaultdict(list)
    for signup in signups:
        members[person_of[signup.id]].append(_facts(signup))
    return {person: display_fields(facts) for person, facts in members.items()}


def _remember_evidence(session: Session, signups: list[store.CurrentSignup], resolution: Resolution) -> int:
    """Links explain merges; review pairs wait for a decision. Both are exactly this
    resolution's between current sign-ups. Returns new review pairs."""
    current = {s.id for s in signups}
    matching_store.replace_links(
        session,
        current,
        [
            (int(link.record_a[1:]), int(link.record_b[1:]), link.rule, float(link.score), list(link.evidence))
            for link in resolution.links
        ],
    )
    return matching_store.replace_review_pairs(
        session,
        current,
        [
            (int(p.record_a[1:]), int(p.record_b[1:]), p.rule, float(p.score), list(p.evidence), p.explanation)
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
    existing = {key: r.id for key, r in store.campaign_registrations(session, events.values()).items()}
    store.move_registrations(session, moved_registrations(wanted, existing, prior))


def refresh_registrations(session: Session, campaign: Campaign) -> int:
    """Create missing registrations and update those whose facts changed; count changes."""
    states = store.signup_states(session, campaign.campaign.code)
    events = store.sync_events(session, campaign)
    existing = store.campaign_registrations(session, events.values())
    changed = 0
    for key in states.keys() | existing.keys():
        status, registered_at, sources = registration_facts(states.get(key, []))
        changed += store.upsert_registration(session, existing.get(key), key, status, registered_at, sources)
    return changed
