"""Push each site's roster to its target: a local workbook or the coordinator's Google sheet.

Both targets follow the same rules (``transforms.sheet_roster``): rows are matched by the
registration id, the coordinator's cells are kept and stored in the database, a pipeline
cell the coordinator changed since the last push is kept and flagged. Only that site's
registrants go into its roster, registered or cancelled; a row whose registration is no
longer among them is removed, or blanked and marked "Retiré" when the coordinator typed in it.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import re
import traceback
import zipfile
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from rollcall.connectors import roster_files, store
from rollcall.connectors.database import commit_durably, session_scope
from rollcall.connectors.google_sheets import Modified, RosterSheets, SheetsError
from rollcall.flows import workbook_read_ahead
from rollcall.flows.secrets import MissingSecret
from rollcall.flows.sources import google_sheets
from rollcall.flows.workbook_push import (
    RosterInputs,
    RosterTabs,
    WorkbookJob,
    WorkbookOutcome,
    merge_tabs,
    push_workbook,
    states_of,
    with_stored_states,
)
from rollcall.flows.workbook_writer import PARALLEL_FROM_ROWS, PendingWrite, WorkbookWriter
from rollcall.models.campaign import Campaign, SiteConfig
from rollcall.models.ids import registration_number, registration_ref
from rollcall.models.roster_states import StateWrites, decoded_states, state_writes
from rollcall.models.roster_tabs import (
    CHANGES_TAB,
    OWNED_TABS,
    ROSTER_TAB,
    SIGN_IN_TAB,
    SUMMARY_TAB,
    TO_COMPLETE_TAB,
)
from rollcall.transforms.answers import flatten_payload
from rollcall.transforms.roster_entries import SiteRows, site_entries
from rollcall.transforms.roster_layout import sheet_layouts
from rollcall.transforms.sheet_roster import (
    NEW,
    RosterLayoutError,
    RosterMerge,
    rows_holding,
)
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.to_complete import QuarantinedSignup, site_of, waiting_by_site

log = logging.getLogger(__name__)

#: Coordinators read French: dates as 08/10/2022, decimals with a comma, VRAI/FAUX.
ROSTER_LOCALE = "fr_FR"


def display_id(registration_id: int) -> str:
    """The stable reference a coordinator sees: "R00042" (``models.ids``)."""
    return registration_ref(registration_id)


def parse_display_id(text: str) -> int | None:
    return registration_number(text)


def push_rosters(campaign: Campaign, parallel_from_rows: int = PARALLEL_FROM_ROWS) -> dict[str, Any]:
    """Every site's roster, each holding only that site's registrants.

    Each site succeeds or fails on its own: a site whose roster cannot be pushed (access
    removed, spreadsheet deleted, a request Google refuses, a workbook that cannot be written)
    gets ``error`` (one line: the cause and what to do) in its result, and the next sites go
    on. ``failed_rosters`` lists them. What a site's push writes is stored and committed
    before its roster holds it (``_written_ahead``): a run stopped at any moment leaves each
    roster one its next push reads right.

    A local workbook of ``parallel_from_rows`` rows or more is read back, merged and written
    by a worker process (``flows.workbook_push``, ``flows.workbook_writer``) while the next
    sites are read from the database; its state is stored once its job has written it beside
    its place, and before it is renamed into place.

    Google sheets: one Drive listing first says which spreadsheets moved since our last push
    (``_drive_check``); one more after the writes records the ``modifiedTime`` of ours
    (``_record_written``). An unchanged night costs those two Drive calls, no Sheets request.

    Local workbooks the resolve step started reading back (``read_ahead``) are taken from
    that read when unchanged since (``flows.workbook_read_ahead``)."""
    results: dict[str, Any] = {}
    with (
        workbook_read_ahead.claimed(read_ahead_key(campaign)) as ahead,
        session_scope(campaign.database_url) as session,
        WorkbookWriter(parallel_from_rows, pool=ahead.handed_over()) as writer,
    ):
        events = store.sync_events(session, campaign)
        sheets = roster_sheets(session, campaign)
        started = datetime.now(UTC)
        modified = _drive_check(session, campaign, sheets)
        waiting = waiting_signups(session, campaign)  # read once: each site's tab keeps its own
        under_way: deque[tuple[SitePush, PendingWrite[WorkbookOutcome]]] = deque()  # local sites, in order
        for site in campaign.sites:
            try:
                with session.begin_nested():
                    prepared = prepare_site(
                        session, campaign, site, events[site.code], sheets, modified=modified, waiting=waiting
                    )
            except Exception as exc:  # noqa: BLE001 - one site's failure; the database's re-raised
                results[site.code] = _failed(session, campaign, site, _of_one_site(exc))
                continue
            if isinstance(prepared, dict):
                results[site.code] = prepared
                continue
            if prepared.job is None:  # a Google sheet, merged: one client, paced, in turn
                results[site.code] = _written_ahead(session, campaign, prepared, sheets, modified)
                continue
            # this site's workbook is read back (or its read ahead loaded), merged and written by
            # a worker while the next sites are read, and stored once done, in order
            # (flows.workbook_writer)
            prepared.job = replace(prepared.job, read_back=ahead.taken(prepared.job.path))
            under_way.append((prepared, writer.submit(prepared.rows, push_workbook, prepared.job)))
            while len(under_way) > writer.ahead:
                push, pending = under_way.popleft()
                results[push.site.code] = _written_ahead(session, campaign, push, sheets, modified, pending)
        for push, pending in under_way:
            results[push.site.code] = _written_ahead(session, campaign, push, sheets, modified, pending)
        _record_written(session, campaign, sheets, results, started)
    return {site.code: results[site.code] for site in campaign.sites}


#: What a site's push is known to fail with: its message says the cause and what to do.
ROSTER_ERRORS = (
    SheetsError,
    RosterLayoutError,
    OSError,
    zipfile.BadZipFile,
    InvalidFileException,
    roster_files.UnreadableWorkbook,
)


class UnexpectedRosterError(Exception):
    """A site's push failed in a way rollcall does not know (a workbook or an answer no test
    has seen, or a bug): that site alone fails, as for a known error, and the run ends Failed
    with this message, so the other sites still get their rosters and ops their report.

    Only the error's type and where it was raised are shown, never its text: an unknown
    error's text may quote a cell, that is a person's name or contact (RGPD)."""

    def __init__(self, error: BaseException) -> None:
        stack = code_stack(error)
        super().__init__(
            f"unexpected error {type(error).__name__} at {stack[-1] if stack else 'an unknown place'}; its "
            "roster was not updated, the other sites' were. Retry the run; if this site fails again, send "
            "this message and the run's log to the rollcall maintainers"
        )
        self.stack = stack


def code_stack(error: BaseException) -> list[str]:
    """Where ``error`` was raised, outermost first, as ``file:line in function``: the frames
    alone, no value or message. For an error raised in a worker process, the worker's frames
    (``concurrent.futures`` sends them as text, in the error's cause)."""
    remote = error.__cause__
    if remote is not None and type(remote).__name__ == "_RemoteTraceback":
        return [f"{Path(f).name}:{line} in {name}" for f, line, name in _REMOTE_FRAME.findall(str(remote))]
    return [f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in traceback.extract_tb(error.__traceback__)]


#: A frame of a traceback as text: ``File "/x/y.py", line 12, in name``.
_REMOTE_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def _of_one_site(exc: Exception) -> Exception:
    """The error a site's push failed with, as its result shows it; a database error is
    raised again: it is not one site's, and nothing after it could be stored."""
    if isinstance(exc, SQLAlchemyError):
        raise exc
    if isinstance(exc, ROSTER_ERRORS):
        return exc
    unexpected = UnexpectedRosterError(exc)
    log.error("a roster push failed with %s, raised through: %s", type(exc).__name__, " > ".join(unexpected.stack))
    return unexpected


def _written_ahead(
    session: Session,
    campaign: Campaign,
    push: SitePush,
    sheets,
    modified: Mapping[str, Modified] | None,
    pending: PendingWrite[WorkbookOutcome] | None = None,
) -> dict[str, Any]:
    """A site's push finished so that stopping the run at any moment leaves a roster its next
    push reads right: the rows' states, what the push writes, stored and committed first
    (with ``previous``, what the roster holds until then); then the roster replaced (the
    staged workbook renamed into place, the Google sheet written); then its target recorded.

    Stopped or failed before the commit, nothing of the push is stored and the roster is as
    it was. Between the commit and the write, the roster still holds the earlier values:
    ``previous`` tells them from a coordinator's edit (``transforms.sheet_roster`` rule 4).
    The other way round, a roster written and its states not stored, its cells that change
    again were kept for ever as a coordinator's edits. ``pending``: a local workbook's job."""
    try:
        if pending is not None:
            push = push.done(pending.wait())  # its read, merge or write failed: nothing stored
        with session.begin_nested():
            store.save_roster_states(session, push.state_writes)
        commit_durably(session)
        with session.begin_nested():
            return complete_site(session, campaign, publish_site(session, push), sheets, modified)
    except Exception as exc:  # noqa: BLE001 - one site's failure; the database's re-raised
        if push.staged is not None:
            roster_files.discard(push.staged)
        return _failed(session, campaign, push.site, _of_one_site(exc))


def _drive_check(session: Session, campaign: Campaign, sheets) -> dict[str, Modified] | None:
    """Drive's ``modifiedTime`` of the roster spreadsheets now, by key: one ``files.list``
    (``modifiedTime >=`` the oldest recorded, so an unchanged one is always listed). None when
    there is nothing to compare with yet or Drive cannot answer: every sheet is then read."""
    if not isinstance(sheets, RosterSheets):
        return None
    targets = [
        t
        for t in store.google_roster_targets(session, campaign.campaign.code)
        if t.site_code in {s.code for s in campaign.sites if s.roster.kind == "google_sheet"}
    ]
    if not targets:
        return None
    recorded = [t.modified_time for t in targets]
    since = min(recorded) if all(recorded) else None  # type: ignore[type-var]
    try:
        return sheets.modified_times(since=since)
    except SheetsError as exc:
        log.warning("Drive check failed, every roster spreadsheet is read this night: %s", exc)
        return None


def _record_written(session: Session, campaign: Campaign, sheets, results: dict[str, Any], started: datetime) -> None:
    """After the writes, one Drive listing: each spreadsheet written this night records the
    ``modifiedTime`` of our write, unless Drive names someone else as its last modifier (a
    coordinator typed after it: read again next night). Since an hour before the run started:
    clocks may differ; a time missed only costs a read next night."""
    written = {
        s.code for s in campaign.sites if s.roster.kind == "google_sheet" and results.get(s.code, {}).get("written")
    }
    if not written or not isinstance(sheets, RosterSheets):
        return
    since = (started - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        after = sheets.modified_times(since=since)
    except SheetsError as exc:
        log.warning("Drive check after the writes failed, those sheets are read next night: %s", exc)
        return
    for code in sorted(written):
        target = store.roster_target(session, campaign.campaign.code, code)
        seen = after.get(target.location) if target is not None else None
        if target is not None and seen is not None and not seen.by_other:
            target.modified_time = seen.time


def read_ahead_key(campaign: Campaign) -> tuple[str, str]:
    return (campaign.database_url, campaign.campaign.code)


def read_ahead(campaign: Campaign) -> None:
    """Start reading the campaign's local roster workbooks back on the core resolving leaves
    idle (``flows.workbook_read_ahead``): called once a night's sign-ups must be resolved,
    so its rosters will almost surely be pushed."""
    local = [campaign.roster_path(site) for site in campaign.sites if site.roster.kind != "google_sheet"]
    workbook_read_ahead.start(read_ahead_key(campaign), local)


def end_read_ahead(campaign: Campaign) -> None:
    """The read ahead ended if the rosters never took it (an earlier step failed)."""
    workbook_read_ahead.end(read_ahead_key(campaign))


def failed_rosters(results: dict[str, Any]) -> dict[str, str]:
    """Site code -> why its roster was not pushed, for the sites that failed."""
    return {code: r["error"] for code, r in results.items() if r.get("error")}


def _failed(session: Session, campaign: Campaign, site: SiteConfig, exc: Exception) -> dict[str, Any]:
    log.warning("site %s: roster not pushed: %s", site.code, exc)
    target = store.roster_target(session, campaign.campaign.code, site.code)
    location = site.roster.spreadsheet or (target.location if target else "") or ""
    return {
        "rows": 0,
        "written": False,
        "location": location,
        "conflicts": 0,
        "unknown_ids": 0,
        "new": 0,
        "removed": 0,
        "withdrawn": 0,
        "foreign": 0,
        "duplicates": 0,
        "error": f"{site.name}: {exc}",
    }


def roster_sheets(session: Session, campaign: Campaign) -> RosterSheets | SheetsError | None:
    """The run's Sheets client, or the error every Google site then fails with (a missing or
    malformed credential), so local workbooks are still written."""
    if not any(site.roster.kind == "google_sheet" for site in campaign.sites):
        return None
    layouts = {}
    for site in campaign.sites:
        target = store.roster_target(session, campaign.campaign.code, site.code)
        if target is not None and target.kind == "google_sheet" and target.layout:
            layouts[target.location] = target.layout
    try:
        return google_sheets(campaign, layouts)
    except (MissingSecret, ValueError) as exc:
        return SheetsError(f"Google credentials unusable ({exc}): fix [google] credentials", "credentials")


def _site_rows(session: Session, event_id: int) -> SiteRows:
    return SiteRows(store.roster_entries(session, event_id), store.signup_details(session, event_id))


def source_labels(campaign: Campaign) -> dict[str, str]:
    """Source name -> the name coordinators see on a roster."""
    return {s.name: s.display_name for s in campaign.sources}


def waiting_signups(session: Session, campaign: Campaign) -> dict[str, list[QuarantinedSignup]]:
    """Site code -> the quarantined records its ``À compléter`` tab shows, fields mapped
    (``transforms.to_complete``); read and sorted out once for every site."""
    catalog = SiteCatalog(s.to_site() for s in campaign.sites)
    return waiting_by_site((signup for _, signup in _quarantined(session, campaign)), catalog)


def quarantined_of_sites(session: Session, campaign: Campaign, site_codes: set[str]) -> set[int]:
    """Raw record ids of the quarantined records naming one of these sites: what a retention
    purge of their events redacts too (they would show in À compléter)."""
    catalog = SiteCatalog(s.to_site() for s in campaign.sites)
    return {rid for rid, signup in _quarantined(session, campaign) if site_of(signup.fields, catalog) in site_codes}


#: Rows a file could not give as text (mojibake, bytes that do not decode, a broken line):
#: what they hold would show garbled on a roster, and only ops can fix the file.
UNREADABLE_ROWS = ("garbled_text", "undecodable_text", "nul_byte", "cell_too_long", "unclosed_quote", "broken_row")


def _quarantined(session: Session, campaign: Campaign) -> list[tuple[int, QuarantinedSignup]]:
    sources = {s.name: s for s in campaign.sources}
    found = []
    for rid, name, payload, reason in store.quarantined_records(
        session, campaign.campaign.code, except_reasons=UNREADABLE_ROWS
    ):
        source = sources.get(name)
        if source is not None:
            fields = source.extract(flatten_payload(source.kind, payload))
            found.append(
                (
                    rid,
                    QuarantinedSignup(
                        source.display_name, fields, reason, source.timezone or campaign.campaign.timezone
                    ),
                )
            )
    return found


def push_site(
    session: Session,
    campaign: Campaign,
    site: SiteConfig,
    event_id: int,
    sheets,
    purged: frozenset[str] = frozenset(),
    erased: frozenset[str] = frozenset(),
    modified: Mapping[str, Modified] | None = None,
    waiting: Mapping[str, list[QuarantinedSignup]] | None = None,
) -> dict[str, Any]:
    """Merge and write one site's roster, and store what it holds now.

    ``purged``: references ("R00042") whose rows a retention purge empties first
    (``transforms.sheet_roster`` rule 10). ``erased``: references whose rows go whole, whatever
    a coordinator typed in them (an erasure leaves nothing; ``erased_rows`` counts them). The
    lines of both leave ``Nouveautés``, and in a Google spreadsheet every row of another tab
    (a coordinator's copy) holding one of them is deleted. Still one write at most.

    Skipped (nothing read, nothing written) when nothing it reads changed since the last push
    (``_push_fingerprint``): for a Google sheet, ``modified`` (Drive's listing of the night)
    must also give the ``modifiedTime`` recorded after that push. Purge and erasure never skip.
    ``waiting``: the campaign's quarantined sign-ups by site (``waiting_signups``), read here if
    not given."""
    prepared = prepare_site(session, campaign, site, event_id, sheets, purged, erased, modified, waiting)
    if isinstance(prepared, dict):
        return prepared
    if prepared.job is not None:
        prepared = prepared.done(push_workbook(prepared.job))
    try:
        store.save_roster_states(session, prepared.state_writes)
        published = publish_site(session, prepared)
    finally:
        if prepared.staged is not None:  # published, it is gone already
            roster_files.discard(prepared.staged)
    return complete_site(session, campaign, published, sheets, modified)


@dataclass
class SitePush:
    """A site's roster as read from the database, then what to store. A Google sheet is
    merged and written already; a local workbook's ``job`` (``flows.workbook_push``) is still
    to run, and its outcome completes this (``done``)."""

    site: SiteConfig
    event_id: int
    location: str
    merged: RosterMerge | None
    #: the rows' states to store (``models.roster_states``): a Google sheet's once merged, a
    #: local workbook's from its job's outcome (``done``)
    writes: StateWrites | None
    rows: int
    written: bool
    erased_rows: int
    waiting_here: list[QuarantinedSignup]
    #: ``store.registrations_digest`` of the event, when the skip check took it: the push
    #: leaves it as it is, so storing the fingerprint after it adds only the rows' states
    registrations: Any = None
    job: WorkbookJob | None = None
    #: A local workbook written beside its place, to publish once its states are stored
    staged: Path | None = None
    #: A Google sheet's write (one batchUpdate at most), to send once its states are
    #: stored; True when something was sent
    write: Callable[[], bool] | None = None

    @property
    def state_writes(self) -> StateWrites:
        assert self.writes is not None, "a local site's job runs before its states are stored (SitePush.done)"
        return self.writes

    def done(self, outcome: WorkbookOutcome) -> SitePush:
        """This push once its workbook's job has run."""
        return replace(
            self,
            merged=outcome.merged,
            written=outcome.written,
            erased_rows=outcome.erased_rows,
            job=None,
            staged=outcome.staged,
            writes=outcome.writes,
        )


def publish_site(session: Session, push: SitePush) -> SitePush:
    """The roster made to hold what the push merged (its staged workbook renamed into place,
    or its Google sheet written), then the rows' ``previous`` values, stored for the time
    in between, dropped."""
    merged = push.merged
    assert merged is not None, "a local site's job runs before it is published (SitePush.done)"
    if push.staged is not None:
        roster_files.publish(push.staged, Path(push.location))
        push = replace(push, staged=None)
    elif push.write is not None:
        push = replace(push, written=push.write(), write=None)
    store.forget_previous(session, filter(None, map(parse_display_id, merged.held)))
    return push


def prepare_site(
    session: Session,
    campaign: Campaign,
    site: SiteConfig,
    event_id: int,
    sheets,
    purged: frozenset[str] = frozenset(),
    erased: frozenset[str] = frozenset(),
    modified: Mapping[str, Modified] | None = None,
    waiting: Mapping[str, list[QuarantinedSignup]] | None = None,
) -> SitePush | dict[str, Any]:
    """``push_site`` up to the write: the result of a skipped site, or what its push is
    built from. A Google sheet is read and merged here (one client, paced), its write left to
    ``publish_site``; a local workbook's read, merge and staged write are left to its ``job``.
    Nothing is stored in the database yet."""
    if waiting is None:
        waiting = waiting_signups(session, campaign)
    waiting_here = waiting.get(site.code, [])
    local = site.roster.kind != "google_sheet"
    registrations = None  # the part of the fingerprint's inputs the push leaves as it is
    # a row never pushed (a new registration) makes the push needed: the fingerprint, a
    # digest of every row of the site, would only say so (most of a +1,000 night's sites)
    if not (purged or erased or store.has_unpushed_rows(session, event_id)):
        target = store.roster_target(session, campaign.campaign.code, site.code)
        content = _roster_content(campaign, site, target, modified)
        if target is not None and target.fingerprint is not None and content is not None:
            registrations = store.registrations_digest(session, event_id)
            inputs = store.roster_inputs(session, event_id, registrations)
            if target.fingerprint == _push_fingerprint(campaign, site, content, inputs, waiting_here):
                location = target.location if not local else str(campaign.roster_path(site))
                return _unchanged(location, store.shown_count(session, event_id), target.shown or {})
    rows = _site_rows(session, event_id)
    stored_rows = store.roster_state_rows(session, event_id, rows.shown_ids)
    entries, references = site_entries(rows, source_labels(campaign), campaign.campaign.timezone)
    now = datetime.now(ZoneInfo(campaign.campaign.timezone)).replace(tzinfo=None)
    built_from = RosterInputs(  # the rows' stored states are added where the merge runs
        entries,
        references,
        {},
        {},
        now,
        site.name,
        site.capacity,
        waiting_here,
        campaign.campaign.timezone,
        purged,
        erased,
    )
    if local:
        location = str(campaign.roster_path(site))  # a site name never becomes a path
        job = WorkbookJob(Path(location), built_from, staged=True, stored_rows=stored_rows)
        return SitePush(site, event_id, location, None, None, len(entries), False, 0, waiting_here, registrations, job)
    states = decoded_states(stored_rows)
    location, tabs = _google_tabs(session, campaign, site, sheets, purged | erased)
    done = merge_tabs(tabs, with_stored_states(built_from, states))
    merged, owned = done.merged, done.owned
    sent = done.changes if done.changed else None

    def write() -> bool:
        # always asked: it sends nothing when no tab changed (owned tabs by their digest)
        return sheets.write_roster(
            location,
            merged.grid,
            tabs.roster,
            layouts=sheet_layouts({ROSTER_TAB: merged.grid, CHANGES_TAB: sent, **owned}),
            changes=sent,
            summary=owned[SUMMARY_TAB],
            sign_in=owned[SIGN_IN_TAB],
            to_complete=owned[TO_COMPLETE_TAB],
            delete_rows=tabs.elsewhere,
            column_order=merged.column_order,
        ).written

    return SitePush(
        site,
        event_id,
        location,
        merged,
        state_writes(states, states_of(merged)),
        len(entries),
        False,
        done.erased_rows,
        waiting_here,
        registrations,
        write=write,
    )


def complete_site(
    session: Session, campaign: Campaign, push: SitePush, sheets, modified: Mapping[str, Modified] | None = None
) -> dict[str, Any]:
    """``push_site`` after the write (its rows' states stored by ``_remember``): the roster's
    fingerprint and target recorded; the site's result."""
    site, merged, location, written = push.site, push.merged, push.location, push.written
    assert merged is not None, "a local site's job runs before it is completed (SitePush.done)"
    local = site.roster.kind != "google_sheet"
    session.flush()
    content = _workbook_content(Path(location)) if local else _sheet_content(location)
    inputs = store.roster_inputs(session, push.event_id, push.registrations)  # states as stored now
    fingerprint = _push_fingerprint(campaign, site, content, inputs, push.waiting_here) if content else None
    # not written: the listing's time (taken before our read) vouches for what was read;
    # written: ``_record_written`` sets the time of our write once every site is pushed
    seen = (modified or {}).get(location) if not local and not written else None
    shown = {
        "conflicts": len(merged.conflicts),
        "unknown_ids": len(merged.unknown_ids),
        "withdrawn": len(merged.withdrawn_ids),
        "foreign": len(merged.foreign_ids),
        "duplicates": len(merged.duplicate_ids),
    }
    store.save_roster_target(
        session,
        campaign.campaign.code,
        site.code,
        site.roster.kind,
        location,
        sheets.layouts().get(location) if site.roster.kind == "google_sheet" else None,
        pushed=written,
        fingerprint=fingerprint,
        shown=shown,
        modified_time=seen.time if seen else None,
    )
    return {
        "rows": push.rows,
        "written": written,
        "location": location,
        **shown,
        "new": sum(1 for c in merged.changes if c.kind == NEW),
        "removed": len(merged.removed_ids),
        "erased_rows": push.erased_rows,
    }


def _roster_content(
    campaign: Campaign, site: SiteConfig, target, modified: Mapping[str, Modified] | None
) -> str | None:
    """What ``_push_fingerprint`` takes of the roster itself as it is now, or None when it
    cannot vouch for it (the push is then made): a workbook's bytes; a Google sheet's key,
    when Drive's ``modifiedTime`` of it is the one recorded after the last push."""
    if site.roster.kind != "google_sheet":
        return _workbook_content(campaign.roster_path(site))
    if target is None or target.kind != "google_sheet" or not target.modified_time:
        return None
    seen = (modified or {}).get(target.location)
    return _sheet_content(target.location) if seen is not None and seen.time == target.modified_time else None


def _workbook_content(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _sheet_content(key: str) -> str:
    """A spreadsheet stands for its content by key: its ``modifiedTime`` is compared apart."""
    return f"google_sheet:{key}"


def _push_fingerprint(
    campaign: Campaign,
    site: SiteConfig,
    content: str,
    inputs: str,
    waiting: list[QuarantinedSignup],
) -> str:
    """Everything a roster push is built from, as read: ``inputs``, the digest of the site's
    registrations, their sign-ups' details and the stored row states
    (``store.roster_inputs``); the site's quarantined sign-ups; the settings the entries and
    tabs are made with; the roster's ``content`` (``_roster_content``); and the code that
    builds and writes it. Taken of what is read rather than of the entries and tabs made
    from it: an unchanged night then builds nothing.

    Stored after a push; equal the next night, the push would read the roster, merge and
    write nothing (a second push changes nothing), so it is skipped: an unchanged night
    opens no workbook and sends no Sheets request. A coordinator's edit changes the
    workbook's bytes or the sheet's ``modifiedTime``; a new sign-up the registrations."""
    settings = {
        "site": site.model_dump(mode="json"),
        "timezone": campaign.campaign.timezone,
        "labels": source_labels(campaign),
    }
    digest = hashlib.sha256()
    for part in (_roster_code(), json.dumps(settings, sort_keys=True), content, inputs, repr(waiting)):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


@functools.cache
def _roster_code() -> str:
    """A digest of the code that builds, lays out and writes a roster (``roster_code_files``).
    The push fingerprint is taken of what a roster is built from, not of what is built: after
    an upgrade, every roster is pushed again once (nothing is written where nothing changed)."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in roster_code_files())).hexdigest()


def roster_code_files() -> list[Path]:
    """Every module of ``models`` and ``transforms`` (entries, tabs and layout are made there,
    through many helpers), the two roster writers (a workbook's rows by ``xlsx_rows``), a
    workbook's push (``flows.workbook_push``) and this module."""
    from rollcall import models, transforms
    from rollcall.connectors import google_sheets, xlsx_rows
    from rollcall.flows import workbook_push

    files = sorted(
        path for package in (models, transforms) for path in Path(inspect.getfile(package)).parent.rglob("*.py")
    )
    writers = (roster_files, xlsx_rows, google_sheets, workbook_push)
    return files + [Path(inspect.getfile(m)) for m in writers] + [Path(__file__)]


def _unchanged(location: str, rows: int, shown: dict[str, int]) -> dict[str, Any]:
    """The result of a push skipped because nothing it reads changed since the last one: what
    the roster shows (conflicts, rows flagged) as that push left it, nothing done now."""
    return {
        "rows": rows,
        "written": False,
        "unchanged": True,
        "location": location,
        "conflicts": 0,
        "unknown_ids": 0,
        "withdrawn": 0,
        "foreign": 0,
        "duplicates": 0,
        **shown,
        "new": 0,
        "removed": 0,
        "erased_rows": 0,
    }


def _google_tabs(session, campaign, site, sheets, leaving: frozenset[str]) -> tuple[str, RosterTabs]:
    """The spreadsheet's key (created on the first push) and its tabs: the roster tab alone in
    one read, or, when references must leave every tab, every tab in two."""
    if isinstance(sheets, SheetsError):
        raise sheets
    target = store.roster_target(session, campaign.campaign.code, site.code)
    key = site.roster.spreadsheet or (target.location if target and target.kind == "google_sheet" else None)
    if key is None:
        key = sheets.create_spreadsheet(
            f"{campaign.campaign.name} — {site.roster_title}",
            site.coordinators,
            folder_id=campaign.google.folder_id,
            locale=ROSTER_LOCALE,
            time_zone=campaign.campaign.timezone,
        )
    if not leaving:
        return key, RosterTabs(sheets.read_roster(key))
    tabs = sheets.read_tabs(key)
    roster, news = sheets.tab_title(key, ROSTER_TAB), sheets.tab_title(key, CHANGES_TAB)
    ours = {roster, news, *(sheets.tab_title(key, tab) for tab in OWNED_TABS)}
    elsewhere = {
        title: rows
        for title, values in tabs.items()
        if title not in ours
        if (rows := rows_holding(values, set(leaving)))
    }
    return key, RosterTabs(tabs.get(roster, []) if roster else [], tabs.get(news, []) if news else [], elsewhere)
