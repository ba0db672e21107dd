"""The nightly sync's steps as Prefect tasks: one task per source, stage or batch, never per row.

Tasks take and return only paths, ids and counts. Personal data stays in the database,
never in Prefect's task results, parameters or logs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from sqlalchemy.orm import Session

from connectors import matching_store, privacy, store
from connectors.database import session_scope
from connectors.files import FileFormatError, file_fingerprint, open_table
from connectors.forms import FormConnector
from connectors.http import SourceError, SourceMappingError
from models.campaign import Campaign, SourceConfig, load_campaign
from flows.secrets import MissingSecret
from flows.privacy import erasure_salt
from connectors.google_sheets import SheetsError, read_source_tab
from flows.sources import build_connector, google_sheets
from models.records import NormalisedSignup, RawRow
from transforms.answers import flatten_payload
from transforms.normalise import normalise_signup
from transforms.privacy import payload_contacts
from transforms.raw import identify_rows, iter_identified
from transforms.matching import Decision, MatchRecord, PeopleIndex, Resolution
from transforms.roster import registration_facts
from transforms.sites import SiteCatalog


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

#: ``signups.match_rule`` besides the matcher's rule codes: a new person, or a new version of
#: a record already matched (an edited submission keeps its person whatever was edited).
NEW, SAME_RECORD = "new", "same_record"


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


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=30),
      retry_jitter_factor=0.5, retry_condition_fn=retry_if_transient)
def land_source(
    config_path: str, source_name: str, run_id: int, since: str | None = None
) -> dict[str, Any]:
    """Pull one source and store what it holds raw; return counts (never records).

    ``since`` (ISO date) re-reads a web form from that date instead of its cursor: a backfill.
    """
    campaign = load_campaign(config_path)
    source = next(s for s in campaign.sources if s.name == source_name)
    if source.is_form:
        try:
            connector = build_connector(source)
        except MissingSecret as exc:
            if source.enabled == "if-credentials":
                return {"skipped": str(exc)}
            raise SourceError(f"source {source.name}: {exc}") from None
        counts = _land_form(campaign, source, connector, run_id, since)
        counts["requests"] = getattr(getattr(connector, "session", None), "requests_made", None)
    elif source.kind == "google_sheet":
        counts = _land_sheet(campaign, source, run_id)
    else:
        counts = _land_file(campaign, source, run_id)
    get_run_logger().info("source %s: %s", source.name, counts)
    return counts


def _land_file(campaign: Campaign, source: SourceConfig, run_id: int) -> dict[str, Any]:
    """A file export, landed whole in one transaction with its cursor (the file's
    fingerprint); skipped when the file has not changed since."""
    path = campaign.source_path(source)
    if not path.exists():
        raise SourceError(f"source {source.name}: file not found: {path}")
    cursor = f"sha256:{file_fingerprint(path)}"
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        if store.get_cursor(session, code, source.name) == cursor:
            return {"received": 0, "new": 0, "file_unchanged": True}
    id_column = source.mapping.get("external_id", (None,))[0]
    return _land_rows(campaign, source, iter_identified(_read_rows(source, path), id_column), run_id, cursor)


def _land_sheet(campaign: Campaign, source: SourceConfig, run_id: int) -> dict[str, Any]:
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
        raise SourceMappingError(f"source {source.name}: column(s) {missing} named in its field mapping "
                                 f"are not in tab {source.sheet!r}; its columns are {sorted(headers)}")
    id_column = source.mapping.get("external_id", (None,))[0]
    identified = identify_rows([(f"row {n}", values) for n, values in rows], id_column)
    return _land_rows(campaign, source, identified, run_id, cursor=None)


def _land_rows(
    campaign: Campaign, source: SourceConfig, rows: Iterable[RawRow], run_id: int, cursor: str | None
) -> dict[str, Any]:
    """Land a whole export or sheet in one transaction with its cursor, streamed in chunks so
    a large export uses bounded memory; for a snapshot source, what it no longer holds stops
    being current."""
    code = campaign.campaign.code
    totals = {"received": 0, "new": 0, "new_versions": 0, "removed": 0}
    present: set[tuple[str, str]] = set()
    with session_scope(campaign.database_url) as session:
        for chunk in _chunks(rows, LANDING_CHUNK):
            counts = store.land_raw_rows(session, code, source.name, chunk, run_id)
            totals["received"] += counts.received
            totals["new"] += counts.new
            totals["new_versions"] += counts.new_versions
            if source.is_snapshot:
                present.update((r.external_id, r.content_hash) for r in chunk)
        if source.is_snapshot:
            totals["removed"] = store.match_snapshot(session, code, source.name, present)
        if cursor is not None:
            store.set_cursor(session, code, source.name, cursor)
    return totals


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    """``itertools.batched`` arrives in Python 3.12; rollcall supports 3.11."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _read_rows(source: SourceConfig, path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``(locator, row)`` pairs of an export, streamed, after checking (at once, before any
    row is landed) that every mapped column exists."""
    try:
        table = open_table(path, encoding=source.encoding, delimiter=source.delimiter,
                           sheet=source.sheet)
    except FileFormatError as exc:
        raise SourceError(f"source {source.name}: {exc}") from None
    missing = sorted(source.columns - set(table.headers))
    if missing:
        raise SourceMappingError(
            f"source {source.name}: column(s) {missing} named in its field mapping are not "
            f"in {path.name}; its columns are {table.headers}"
        )
    return _streamed_rows(source, table)


def _streamed_rows(source: SourceConfig, table: Any) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        for row in table.rows():
            yield f"row {row.number}", row.values
    except FileFormatError as exc:  # a byte that does not decode, deep in the file
        raise SourceError(f"source {source.name}: {exc}") from None


def _land_form(
    campaign: Campaign, source: SourceConfig, connector: FormConnector, run_id: int,
    since: str | None = None,
) -> dict[str, Any]:
    """A web form, page by page: each page's records and the cursor it allows are committed
    together, so a crash re-reads from the last committed cursor and loses nothing."""
    missing = sorted(source.columns - connector.available_keys())
    if missing:
        raise SourceMappingError(
            f"source {source.name}: the field mapping names {missing}, which form "
            f"{source.form_id} does not have: fix `fields` in the campaign file"
        )
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        cursor = since or store.get_cursor(session, code, source.name)
    totals = {"received": 0, "new": 0, "new_versions": 0, "pages": 0}
    for page in connector.iter_pages(cursor):
        with session_scope(campaign.database_url) as session:
            counts = store.land_raw_rows(session, code, source.name, page.records, run_id)
            if page.cursor is not None:
                store.set_cursor(session, code, source.name, page.cursor)
        totals["pages"] += 1
        totals["received"] += counts.received
        totals["new"] += counts.new
        totals["new_versions"] += counts.new_versions
    return totals


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
            for record in page:
                source = sources.get(record.source)
                if source is None:  # its source was removed from the configuration
                    counts["waiting_for_source"] += 1
                    continue
                flat = flatten_payload(source.kind, record.payload)
                outcome = normalise_signup(source.extract(flat), catalog,
                                           tz=source.timezone or campaign.campaign.timezone)
                if erased and _of_erased_person(erased, outcome, record.payload):
                    privacy.refuse_record(session, record.id)
                    counts["refused_erased"] += 1
                elif isinstance(outcome, NormalisedSignup):
                    store.save_signup(session, record, outcome, events[outcome.site_code])
                    counts["signups"] += 1
                else:
                    store.save_quarantine(session, record, outcome, run_id)
                    counts["quarantined"] += 1
        if len(page) < LANDING_CHUNK:
            return counts
        after_id = page[-1].id


def _of_erased_person(erased: privacy.ErasedCheck, outcome: Any, payload: dict[str, Any]) -> bool:
    """A record of someone erased (RGPD): by its normalised contacts, or, for a record that
    would be quarantined, by any contact found in its raw payload."""
    if isinstance(outcome, NormalisedSignup):
        return erased(outcome.email_key, outcome.phone)
    emails, phones = payload_contacts(payload)
    return any(erased(e, None) for e in emails) or any(erased(None, p) for p in phones)


@task(cache_policy=DERIVED)
def resolve_people(config_path: str) -> dict[str, Any]:
    """Match new sign-ups to people (``transforms.matching``), keep why, queue the doubtful
    pairs for review, then bring every registration's status up to date."""
    campaign = load_campaign(config_path)
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        signups = store.unassigned_signups(session, code)
        earlier = store.people_of_earlier_versions(session, code, signups)
        for signup in signups:
            if signup.id in earlier:
                store.assign_signup(signup, store.get_person(session, earlier[signup.id]), SAME_RECORD)
        batch = [s for s in signups if s.id not in earlier]
        resolution = _match(session, campaign, batch) if batch else None
        new_people = _assign(session, batch, resolution) if resolution else 0
        review = _remember_evidence(session, resolution) if resolution else 0
        session.flush()
        changed = refresh_registrations(session, campaign)
    return {
        "assigned": len(signups),
        "matched_existing": sum(1 for s in signups if s.match_rule != NEW),
        "new_versions": len(earlier),
        "new_people": new_people,
        "new_review_pairs": review,
        "registrations_changed": changed,
    }


def _match(session: Session, campaign: Campaign, batch: list[Any]) -> Resolution:
    """The batch against every known sign-up, under every decision ever taken."""
    names = matching_store.site_names(session, campaign.campaign.code)
    known = matching_store.assigned_signups(session, campaign.campaign.code)
    catalog = SiteCatalog(site.to_site() for site in campaign.sites)
    index = PeopleIndex.from_people(
        [_match_record(signup, site) for signup, site in known],
        [f"P{signup.person_id}" for signup, _ in known], catalog,
    )
    decisions = [Decision(f"S{d.signup_a}", f"S{d.signup_b}", d.same) for d in matching_store.match_decisions(session)]
    return index.add([_match_record(s, names[s.event_id]) for s in batch], decisions)


def _match_record(signup: Any, site_name: str) -> MatchRecord:
    return MatchRecord(
        record_id=f"S{signup.id}", first_name=signup.first_name, last_name=signup.last_name,
        email=signup.email, phone=signup.phone, site=site_name, source=signup.source,
        submitted_at=signup.submitted_at.isoformat() if signup.submitted_at else None,
    )


def _assign(session: Session, batch: list[Any], resolution: Resolution) -> int:
    """Each sign-up to its person: a known one ("P12"), or a new one keyed by the record id
    of its earliest sign-up, created once. Returns how many people were created."""
    rules = {}
    for link in resolution.links:
        rules.setdefault(link.record_a, link.rule)
        rules.setdefault(link.record_b, link.rule)
    created: dict[str, Any] = {}
    by_record = {f"S{s.id}": s for s in batch}
    for signup in sorted(batch, key=lambda s: (s.submitted_at is None, s.submitted_at or 0, s.id)):
        key = resolution.person_of[f"S{signup.id}"]
        if key.startswith("P"):
            person = store.get_person(session, int(key[1:]))
        else:
            if key not in created:
                created[key] = store.create_person(session, by_record.get(key, signup))
            person = created[key]
        first_of_new_person = key == f"S{signup.id}"
        store.assign_signup(signup, person, NEW if first_of_new_person else rules.get(f"S{signup.id}", NEW))
    return len(created)


def _remember_evidence(session: Session, resolution: Resolution) -> int:
    """Links explain merges; review pairs wait for a decision. Returns new review pairs."""
    matching_store.save_links(session, [
        (int(link.record_a[1:]), int(link.record_b[1:]), link.rule, float(link.score), list(link.evidence))
        for link in resolution.links
    ])
    return matching_store.save_review_pairs(session, [
        (int(p.record_a[1:]), int(p.record_b[1:]), p.rule, float(p.score), list(p.evidence), p.explanation)
        for p in resolution.review
    ])


def refresh_registrations(session: Session, campaign: Campaign) -> int:
    """Create missing registrations and update those whose facts changed; count changes."""
    states = store.signup_states(session, campaign.campaign.code)
    events = store.sync_events(session, campaign)
    existing = store.campaign_registrations(session, events.values())
    changed = 0
    for key in states.keys() | existing.keys():
        status, registered_at, sources = registration_facts(states.get(key, []))
        changed += store.upsert_registration(
            session, existing.get(key), key, status, registered_at, sources
        )
    return changed
