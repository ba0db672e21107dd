"""The walk through pages that the four form connectors share, fed a scripted ``read_page``
(no provider, no network): what it asks, in which order, and where the cursor goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rollcall.connectors.forms import zulu
from rollcall.connectors.pagination import Step, walk_pages
from rollcall.models.records import RawRow

T0 = datetime(2024, 9, 2, 7, tzinfo=UTC)


def row(external_id: str) -> RawRow:
    return RawRow(external_id=external_id, content_hash=f"hash-{external_id}", payload={"item": external_id})


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


Script = dict[str, Step[str]]


def scripted(script: Script, asked: list[tuple[str, int]]) -> Callable[[str, int], Step[str]]:
    """A ``read_page`` that answers each request from ``script`` and notes what was asked."""

    def read_page(request: str, number: int) -> Step[str]:
        asked.append((request, number))
        return script[request]

    return read_page


def test_walks_from_the_first_request_until_a_page_names_no_next_one() -> None:
    script = {
        "a": Step([row("1"), row("2")], [at(1), at(2)], "b"),
        "b": Step([row("3")], [at(3)], "c"),
        "c": Step([row("4")], [at(4)]),
        "d": Step([row("never")], [at(9)]),
    }
    asked: list[tuple[str, int]] = []
    pages = list(walk_pages("a", scripted(script, asked), None))
    assert asked == [("a", 1), ("b", 2), ("c", 3)]
    assert [[r.external_id for r in p.records] for p in pages] == [["1", "2"], ["3"], ["4"]]


def test_only_the_last_page_carries_the_cursor_the_latest_time_read() -> None:
    script = {
        "a": Step([row("1")], [at(5)], "b"),  # the latest is on the first page: order is not trusted
        "b": Step([row("2")], [at(1)], "c"),
        "c": Step([row("3")], [at(3)]),
    }
    pages = list(walk_pages("a", scripted(script, []), None))
    assert [p.cursor for p in pages] == [None, None, zulu(at(5))]


def test_cursor_keeps_the_saved_one_when_nothing_newer_is_read() -> None:
    script = {"a": Step([row("1")], [at(1)], "b"), "b": Step([])}
    pages = list(walk_pages("a", scripted(script, []), at(10)))
    assert [p.cursor for p in pages] == [None, zulu(at(10))]
    assert pages[-1].records == []


def test_unknown_times_do_not_move_the_cursor() -> None:
    script = {"a": Step([row("1"), row("2")], [None, at(2)], "b"), "b": Step([row("3")], [None])}
    assert [p.cursor for p in walk_pages("a", scripted(script, []), None)] == [None, zulu(at(2))]


def test_nothing_read_and_no_saved_cursor_gives_one_empty_page_without_a_cursor() -> None:
    pages = list(walk_pages("a", scripted({"a": Step([])}, []), None))
    assert len(pages) == 1 and pages[0].records == [] and pages[0].cursor is None


def test_cursor_is_written_in_utc() -> None:
    paris = datetime(2024, 9, 2, 11, tzinfo=timezone(timedelta(hours=2)))
    pages = list(walk_pages("a", scripted({"a": Step([row("1")], [paris])}, []), None))
    assert pages[0].cursor == "2024-09-02T09:00:00.000000Z"


def test_the_next_page_is_asked_only_once_the_previous_one_is_handed_on() -> None:
    """A generator: the caller commits a page before the walk asks the next one, so what the
    caller does in between (a crash, a token expiring) comes before the next request."""
    script = {"a": Step([row("1")], [at(1)], "b"), "b": Step([row("2")], [at(2)])}
    asked: list[tuple[str, int]] = []
    pages = walk_pages("a", scripted(script, asked), None)
    assert asked == []
    next(pages)
    assert asked == [("a", 1)]
    next(pages)
    assert asked == [("a", 1), ("b", 2)]


def test_a_page_may_send_the_walk_back_to_an_earlier_request() -> None:
    """Tally's step back: the next request is an earlier page, read again; numbers keep
    counting the pages read."""
    answers = iter(
        [
            Step([row("1")], [at(1)], 2),
            Step([row("2")], [at(2)], 1),  # something was deleted above: page 1 again
            Step([row("1"), row("2")], [at(1), at(2)], 2),
            Step([row("3")], [at(3)]),
        ]
    )
    asked: list[tuple[int, int]] = []

    def read_page(page: int, number: int) -> Step[int]:
        asked.append((page, number))
        return next(answers)

    pages = list(walk_pages(1, read_page, None))
    assert asked == [(1, 1), (2, 2), (1, 3), (2, 4)]
    assert [p.cursor for p in pages] == [None, None, None, zulu(at(3))]


def test_an_error_reading_a_page_ends_the_walk_after_the_pages_already_handed_on() -> None:
    class Refused(Exception):
        pass

    def read_page(request: str, number: int) -> Step[str]:
        if number == 2:
            raise Refused(f"page {number}")
        return Step([row("1")], [at(1)], "more")

    seen = []
    with pytest.raises(Refused, match="page 2"):
        for page in walk_pages("a", read_page, None):
            seen.append(page)
    assert len(seen) == 1 and seen[0].cursor is None
