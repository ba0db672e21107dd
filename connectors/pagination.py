"""The walk through a web form's pages that every form connector shares.

Each provider pages its own way (Tally's page numbers, Typeform's ``before`` token,
HelloAsso's continuation token, Google's ``pageToken``), but the walk is the same: ask a page
with some request state, hand its records on, ask the next one, until the provider says there
is no more. A connector gives ``walk_pages`` the first request and a ``read_page(request,
number)`` that does the I/O and answers a ``Step``: the page's records, their times, and the
request for the page after it (None: that was the last). Whatever a provider needs to form
the next request, or to check the one before, travels in its own request type.

The cursor is the same for all: the latest time seen, starting from the saved one, written
``forms.zulu``. No provider's order lets it be saved before every page is in (newest first,
unordered, or only the order's update date to go by), so only the last page carries it; a
pull that fails midway is read again from the previous cursor, and landing drops re-reads.

Everything here is pure; the connector's ``read_page`` holds the I/O and raises its own
errors, in its own words. The checks of what a page says stay there too, because they are
not the same check from one provider to the next: an empty page that says more follow is an
error for Tally (unless deletions sent the walk back), while Google Forms goes on past one
(its server may answer fewer responses than asked; a token is what says more follow);
Typeform refuses a page that does not move on before handing it on, HelloAsso a repeated
continuation token after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from rollcall.connectors.forms import Page, latest, zulu
from rollcall.models.records import RawRow

#: A provider's request state: what it needs to ask one page.
R = TypeVar("R")


@dataclass(frozen=True)
class Step(Generic[R]):
    """One page read: its records, the times that move the cursor (None where unknown, as the
    provider gave them), and the request for the next page, or None when this one was the
    last."""

    records: list[RawRow]
    times: Sequence[datetime | None] = ()
    next: R | None = None


def walk_pages(first: R, read_page: Callable[[R, int], Step[R]], since: datetime | None) -> Iterator[Page]:
    """Pages read from ``first`` on, each handed on before the next is asked (a generator:
    the caller commits a page before the walk goes on); ``read_page`` gets the request and
    the page's number, counting from 1. The last page carries the cursor: the latest of
    ``since`` (the saved cursor, parsed) and every time read, or None if there is none."""
    newest, request, number = since, first, 0
    while True:
        number += 1
        step = read_page(request, number)
        newest = latest(newest, *step.times)
        if step.next is None:
            yield Page(step.records, zulu(newest) if newest else None)
            return
        yield Page(step.records)
        request = step.next
