"""What every web-form connector provides, so the flow pulls them all the same way.

A connector does I/O only: it pages through the provider's API and hands back records
verbatim, and the form's definition. Flattening answers into fields, and which keys a
mapping may name, is pure logic in ``transforms.answers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from rollcall.connectors.http import SourceError
from rollcall.models.records import RawRow


@dataclass(frozen=True)
class Page:
    """One page of submissions, and the cursor that may be saved once it is committed.

    ``records`` hold the provider's item verbatim under ``payload["item"]`` and the form
    context needed to read it (question titles, option labels) under ``payload["form"]``;
    ``content_hash`` covers the item only, so an edited submission is a new version and a
    re-read one is not. ``cursor`` is None while saving a cursor would not yet be safe (for
    providers that return newest first, only the last page carries it).
    """

    records: list[RawRow]
    cursor: str | None = None


class FormConnector(Protocol):
    """A web form's submissions, pulled incrementally."""

    def form_definition(self) -> dict[str, Any]:
        """The provider's description of the form's questions, as the provider gave it (only
        checked and shaped as far as reading it needs). Which keys a field mapping may name
        follows from it: ``transforms.answers.available_keys``."""
        ...

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of submissions newer than ``cursor`` (all of them when None), oldest
        re-reads allowed: landing drops what was already stored."""
        ...


# --- cursors: timestamps as the providers write them ---------------------------------------


def parse_aware(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with a zone, or None (a naive or malformed one is not trusted)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_time(value: Any) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime (naive means UTC); ValueError if not."""
    if not isinstance(value, str):
        raise ValueError("not an ISO 8601 timestamp")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def parse_cursor(cursor: str | None, source: str) -> datetime | None:
    """A saved cursor back to a UTC datetime; a corrupt one fails the source (``SourceError``),
    saying what to do, whichever provider it is for."""
    if not cursor:
        return None
    moment = parse_aware(cursor)
    if moment is None:
        raise SourceError(
            f"source {source}: saved cursor {cursor!r} is not an ISO 8601 timestamp "
            "with a time zone; clear it to pull everything again"
        )
    return moment.astimezone(UTC)


def zulu(moment: datetime) -> str:
    """RFC 3339 UTC "Zulu", to the microsecond: ``2022-10-01T09:14:09.055199Z``. Every form's
    saved cursor is written so (``parse_cursor`` reads it back); a provider whose filter takes
    seconds gets the cursor rounded down when it is asked, which re-reads at most a second."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
