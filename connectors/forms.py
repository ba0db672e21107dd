"""What every web-form connector provides, so the flow pulls them all the same way.

A connector does I/O only: it pages through the provider's API and hands back records
verbatim. Flattening answers into fields is pure logic in ``transforms.answers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from models.records import RawRow


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

    def available_keys(self) -> set[str]:
        """Every key a field mapping may name for this form (question ids, refs, titles,
        fixed keys such as ``submittedAt``), read from the provider's form definition."""
        ...

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of submissions newer than ``cursor`` (all of them when None), oldest
        re-reads allowed: landing drops what was already stored."""
        ...
