"""Land each source's records raw, before anything else reads them. Prefect-free: the task
``flows.steps.land_source`` calls ``land``; the CLI and tests call these functions directly.

A file or sheet is landed in one transaction with its cursor (an export that only grew, its
new rows alone: ``land_file``); a web form page by page, each page with the cursor it
allows. What a source no longer holds stops being current.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rollcall.connectors import privacy, store
from rollcall.connectors.database import session_scope
from rollcall.connectors.files import FileFormatError, ReadPoint, TableFile, file_fingerprints, open_table
from rollcall.connectors.forms import FormConnector
from rollcall.connectors.google_sheets import SheetsError, read_source_tab
from rollcall.connectors.http import SourceError, SourceMappingError
from rollcall.flows.secrets import MissingSecret
from rollcall.flows.sources import build_connector, google_sheets
from rollcall.models.campaign import Campaign, FileSource, FormSource, SheetSource, SourceBase
from rollcall.models.errors import RollcallError
from rollcall.models.records import RawRow
from rollcall.transforms.answers import available_keys
from rollcall.transforms.raw import RecordKeys, identify_rows, iter_identified

log = logging.getLogger(__name__)

#: Rows landed per database round trip: bounded memory for a 200 MB export.
LANDING_CHUNK = 2000


def land(
    campaign: Campaign, source: SourceBase, run_id: int, since: str | None = None, full_read: bool = False
) -> dict[str, Any]:
    """Pull one source and store what it holds raw; return counts (never records).

    ``since`` (ISO date) re-reads a web form from that date instead of its cursor: a backfill.
    ``full_read`` reads a web form whole even when its ``full_read`` setting is off.
    """
    if isinstance(source, FormSource):
        try:
            connector = build_connector(source)
        except MissingSecret as exc:
            if source.enabled == "if-credentials":
                return {"skipped": str(exc)}
            raise _of_source(source, exc) from None
        counts = land_form(campaign, source, connector, run_id, since, full_read=full_read)
        counts["requests"] = getattr(getattr(connector, "session", None), "requests_made", None)
        return counts
    if isinstance(source, SheetSource):
        return land_sheet(campaign, source, run_id)
    if isinstance(source, FileSource):
        return land_file(campaign, source, run_id)
    # the volunteer base is read by each sync, never landed (flows.volunteer_base)
    raise ValueError(f"source {source.name}: a {source.kind} source is not landed")


@dataclass(frozen=True)
class FileCursor:
    """A file source's cursor: the SHA-256 of the file landed and, when its reading ended
    with nothing left open (``connectors.files.ReadPoint``), where it ended and how the file
    was read (``layout``). Stored as text: ``sha256:<hex>``, then that point as JSON."""

    digest: str
    end: ReadPoint | None = None
    layout: str | None = None

    def text(self) -> str:
        if self.end is None or self.layout is None:
            return f"sha256:{self.digest}"
        return f"sha256:{self.digest} " + json.dumps({**asdict(self.end), "layout": self.layout}, sort_keys=True)

    @classmethod
    def parse(cls, text: str | None) -> FileCursor | None:
        if not text or not text.startswith("sha256:"):
            return None
        digest, _, rest = text.removeprefix("sha256:").partition(" ")
        try:
            point = json.loads(rest) if rest else None
            layout = point.pop("layout") if point else None
            return cls(digest, ReadPoint(**point) if point else None, layout)
        except (ValueError, TypeError, KeyError, AttributeError):  # an older or damaged cursor: read whole
            return cls(digest)


def file_layout(table: TableFile, id_column: str | None) -> str:
    """How an export is read and keyed: its encoding, delimiter and columns, and the column
    holding the record ids. Rows appended to a file are read alone only when the longer
    file reads the same way (detection looks at the whole file, and could change its mind)."""
    text = json.dumps([table.encoding, table.delimiter, table.headers, id_column])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _NotAppendOnly(Exception):
    """Rows appended to an export cannot be landed alone as the whole file would land them."""


def land_file(campaign: Campaign, source: FileSource, run_id: int) -> dict[str, Any]:
    """A file export, landed in one transaction with its cursor (``FileCursor``); skipped when
    the file has not changed since.

    A file that only grew (it begins with the very bytes landed last time, and reads the
    same way) has only its new rows read and landed (``_land_appended``): the same rows,
    numbers and records as a reading of the whole file, at a fraction of the cost (a night
    with 1,000 more rows in a 100,000-row export). Anything else is read whole."""
    path = campaign.source_path(source)
    if not path.exists():
        raise SourceError(f"source {source.name}: file not found: {path}")
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        previous = FileCursor.parse(store.get_cursor(session, code, source.name))
    try:  # refuses at once a folder, /dev/zero or a pipe, before the sync reads on for ever
        seen = file_fingerprints(path, previous.end.offset if previous and previous.end else None)
    except FileFormatError as exc:
        raise _of_source(source, exc) from None
    if previous is not None and previous.digest == seen.whole:
        return {"received": 0, "new": 0, "file_unchanged": True}
    id_column = source.mapping.get("external_id", (None,))[0]
    table = _open_export(source, path)
    layout = file_layout(table, id_column)

    def cursor() -> str:
        """The file's digest, and where its reading ended if it was read as fingerprinted."""
        end = table.end if table.end is not None and table.end.offset == seen.size and seen.still(path) else None
        return FileCursor(seen.whole, end, layout).text()

    def appended_cursor() -> str:
        if not seen.still(path):  # its new rows may not follow the bytes checked: read it whole
            raise _NotAppendOnly("the file changed while it was read")
        return cursor()

    if previous is not None and previous.end is not None and previous.digest == seen.head:
        if previous.layout == layout and id_column is not None:
            try:
                return _land_appended(campaign, source, table, previous.end, id_column, run_id, appended_cursor)
            except _NotAppendOnly as exc:
                log.info("source %s: %s; reading the whole file", source.name, exc)
    rows = iter_identified(_streamed_rows(source, table), id_column)
    return _land_rows(campaign, source, rows, run_id, cursor)


def _land_appended(
    campaign: Campaign,
    source: FileSource,
    table: TableFile,
    after: ReadPoint,
    id_column: str,
    run_id: int,
    cursor: Callable[[], str],
) -> dict[str, Any]:
    """The rows after ``after`` landed, when that is what landing the whole file would do:
    each holds an id of its own, seen in no earlier row (else ``_NotAppendOnly``, and
    nothing is stored). The rows before it need nothing then: they were landed as they are,
    and the records a snapshot holds stayed current since (only a landing of this file, an
    erasure or a purge change which are; the last two take rows out for good)."""
    fresh: set[str] = set()

    def checked(session: Session, chunk: list[RawRow]) -> None:
        ids = {row.external_id for row in chunk}
        if len(ids) < len(chunk) or not ids.isdisjoint(fresh):
            raise _NotAppendOnly("a new row repeats the id of another")
        if any(not (row.payload.get(id_column) or "").strip() for row in chunk):
            raise _NotAppendOnly("a new row has no id")
        if store.stored_keys(session, campaign.campaign.code, source.name, ids):
            raise _NotAppendOnly("a new row holds the id of an earlier one")
        fresh.update(ids)

    rows = iter_identified(_streamed_rows(source, table, after), id_column)
    counts = _land_rows(campaign, source, rows, run_id, cursor, before_chunk=checked)
    return {**counts, "appended": True}


def land_sheet(campaign: Campaign, source: SheetSource, run_id: int) -> dict[str, Any]:
    """A staff Google sheet: read whole each night (unformatted values), landed like an
    export; as a snapshot, a row that disappeared marks its record removed."""
    try:
        sheets = google_sheets(campaign, {})
        rows = read_source_tab(sheets.client, source.spreadsheet, source.sheet)
    except (MissingSecret, SheetsError) as exc:
        raise _of_source(source, exc) from None
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
    campaign: Campaign,
    source: SourceBase,
    rows: Iterable[RawRow],
    run_id: int,
    cursor: Callable[[], str] | None,
    before_chunk: Callable[[Session, list[RawRow]], None] | None = None,
) -> dict[str, Any]:
    """Land a whole export or sheet in one transaction with its cursor (``cursor()``, once
    every row is read), streamed in chunks so a large export uses bounded memory; for a
    snapshot source, what it no longer holds stops being current. With ``before_chunk``
    (``_land_appended``): the rows appended to an export landed before, each chunk checked
    by it first; what the file held before them is current already."""
    code = campaign.campaign.code
    totals = {"received": 0, "new": 0, "new_versions": 0, "removed": 0}
    present = RecordKeys()  # compact: a 200 MB export's keys stay well under its size
    with session_scope(campaign.database_url) as session:
        salt = privacy.erasure_salt(session) if privacy.anyone_erased(session) else None
        for chunk in _chunks(rows, LANDING_CHUNK):
            if before_chunk is not None:
                before_chunk(session, chunk)
            if salt is not None:  # an erased person's rows, read again, stay erased
                chunk = privacy.without_erased(session, code, source.name, chunk, salt)
            counts = store.land_raw_rows(session, code, source.name, chunk, run_id)
            totals["received"] += counts.received
            totals["new"] += counts.new
            totals["new_versions"] += counts.new_versions
            if source.is_snapshot and before_chunk is None:
                for r in chunk:
                    present.add(r.external_id, r.content_hash)
        if source.is_snapshot and before_chunk is None:
            if not totals["received"] and store.has_current_records(session, code, source.name):
                raise SourceError(
                    f"source {source.name}: it holds no row now, while earlier syncs found some; "
                    "nothing was removed. Check the file or sheet; if it really is empty, "
                    "remove the source from the campaign file"
                )
            totals["removed"] = store.match_snapshot(session, code, source.name, present)
        if cursor is not None:
            store.set_cursor(session, code, source.name, cursor())
    return totals


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    """``itertools.batched`` arrives in Python 3.12; rollcall supports 3.11."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _open_export(source: FileSource, path: Path) -> TableFile:
    """An export opened, after checking (at once, before any row is landed) that every
    mapped column exists."""
    try:
        table = open_table(path, encoding=source.encoding, delimiter=source.delimiter, sheet=source.sheet)
    except FileFormatError as exc:
        raise _of_source(source, exc) from None
    missing = sorted(source.columns - set(table.headers))
    if missing:
        raise SourceMappingError(
            f"source {source.name}: column(s) {missing} named in its field mapping are not "
            f"in {path.name}; its columns are {table.headers}"
        )
    return table


def _streamed_rows(
    source: SourceBase, table: TableFile, after: ReadPoint | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """``(locator, row)`` pairs of an export, streamed (after ``after`` only, if given)."""
    try:
        for row in table.rows(after):
            yield row.locator, row.values
    except FileFormatError as exc:  # a byte that does not decode, deep in the file
        raise _of_source(source, exc) from None


def land_form(
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
    definition = connector.form_definition()
    available = available_keys(source.kind, definition, source.columns)
    missing = sorted(source.columns - available)
    if missing:
        raise SourceMappingError(
            f"source {source.name}: the field mapping names {missing}, which form "
            f"{source.form_id} does not have: fix `fields` in the campaign file"
        )
    assumed = sorted(source.columns & (available - available_keys(source.kind, definition)))
    if assumed:  # a partial definition (HelloAsso without AccessPublicData): not seen, accepted
        log.warning(
            "source %s: the field mapping names %s, which no submission read answers and the form's "
            "description could not be read to confirm: if they stay empty, check their spelling",
            source.name,
            assumed,
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
                records = privacy.without_erased(session, code, source.name, records, privacy.erasure_salt(session))
            counts = store.land_raw_rows(session, code, source.name, records, run_id)
            if page.cursor is not None:
                store.set_cursor(session, code, source.name, page.cursor)
        listed.update(record.external_id for record in page.records)
        totals["pages"] += 1
        totals["received"] += counts.received
        totals["new"] += counts.new
        totals["new_versions"] += counts.new_versions
    return listed


def _of_source(source: SourceBase, exc: RollcallError) -> SourceError:
    """``exc`` said for this source, its kind kept: a Google outage while reading a staff
    sheet stays worth a retry; a missing secret or an unreadable file does not."""
    error = SourceError(f"source {source.name}: {exc}")
    error.kind = exc.kind
    return error
