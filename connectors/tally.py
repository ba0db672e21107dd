"""Pull a Tally form's completed submissions through the shared HTTP layer.

API (public beta): ``GET /forms/{id}/submissions?page=&limit=&filter=completed&startDate=``
answers ``{page, limit, hasMore, questions[], submissions[]}``; pages are walked with
``page=1, 2, ...`` while ``hasMore``. By default (``full_read``) every sync reads the whole
form with no ``startDate``; an incremental pull asks only submissions on or after the cursor
(``startDate`` is inclusive, so the newest one of the last run is read again: landing drops
it). The order is taken to be newest first, so a cursor is safe to save only once the last
page is in: only the last page carries one.

Rate limit: 100 requests a minute. A 429 still there after the session's retries (Tally sends
no ``Retry-After``, and those retries wait seconds, not the minute) is waited out here, a
minute at a time up to ``rate_limit_pauses``, and the *same* page is asked again: the pull
goes on from the refused page instead of failing and starting again at page 1.

Each record holds the submission verbatim and the page's question context (titles, option
labels) that ``transforms.answers.tally.flatten`` needs.

Verified in Tally's documentation (developers.tally.so: introduction, "List submissions"
reference, "Fetching form submissions" guide; see shared/notes/external-apis.md §4): the
route, Bearer key, ``page``/``limit``/``filter``/``startDate`` (inclusive), ``hasMore``,
``totalNumberOfSubmissionsPerFilter``, 100 requests a minute, 429 when over it.

Assumptions (not documented), and what covers them:

- *Sort order, newest first* (as the guide's example happens to show). The cursor depends on
  it, and the full read (every sync by default) sends none; so does the shift check below
  (oldest first, a submission added at the end while one above is deleted would leave the
  count unchanged: the second listing of ``land_form`` and the next full read still
  catch what that skipped).
- *``page`` is an offset into the listing as it is at each request.* A submission deleted
  while pages are read shifts the later pages up, so one submission would be missing from
  that listing. Each page says how many submissions the filter matches now
  (``totalNumberOfSubmissionsPerFilter``, documented); when that count drops between two
  pages, the pages the shift may have moved a submission onto are read again (landing drops
  what is read twice). New submissions arrive newest, above every page, so the count drops
  by at least the shift. ``flows.landing.land_form`` also lists the form again whenever a
  listing misses a stored record, and removes only what both listings miss.
- *A deleted submission simply disappears from listings* (the API has no deletion feed): the
  full read notices it missing and the record stops being current.
- ``limit`` up to 500 (third-party clients; ``MAX_PAGE_SIZE``), and where a choice
  question's options are: read from ``options[{id, text}]`` on the question or its
  ``fields``, as in Tally's webhook payloads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import quote

import requests

from rollcall.connectors.forms import Page, parse_cursor, parse_time
from rollcall.connectors.http import SourceResponseError, SourceUnavailable, request_json
from rollcall.connectors.pagination import Step, walk_pages
from rollcall.models.records import RawRow, content_hash

log = logging.getLogger(__name__)

#: A submission and its ``submittedAt``, parsed.
Timed = tuple[dict[str, Any], datetime]

#: Times one pull reads shifted pages again at most: a count that kept going down and up
#: (not seen, but not excluded either) must not keep a pull going for ever; past it, the
#: second listing of ``flows.landing.land_form`` and the next full read still catch a skip.
MAX_STEPS_BACK = 20
#: Tally's largest page (its OpenAPI caps ``limit`` at 500 on list endpoints).
MAX_PAGE_SIZE = 500


class _Ask(NamedTuple):
    """A submissions request: the page to ask, the count of matching submissions the page
    before it gave (None: unknown, or none read yet), and how many times this pull has stepped
    back so far."""

    page: int
    total: int | None = None
    steps_back: int = 0


class TallyForm:
    """One Tally form's submissions, as a ``FormConnector``.

    Declared as data: the record key is the submission ``id`` and the cursor field is
    ``submittedAt``; the field mapping may name any key ``transforms.answers`` finds in
    ``form_definition()``.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        source: str,
        form_id: str,
        token: str,
        base_url: str = "https://api.tally.so",
        page_size: int = MAX_PAGE_SIZE,
        rate_limit_pauses: Sequence[float] = (60.0, 60.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"source {source}: page_size must be 1 to {MAX_PAGE_SIZE}")
        self.session = session
        self.source = source
        self.form_id = form_id
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.rate_limit_pauses = tuple(rate_limit_pauses)
        self._sleep = sleep
        self._token = token

    def __repr__(self) -> str:
        return f"TallyForm(source={self.source!r}, form_id={self.form_id!r}, base_url={self.base_url!r})"

    def form_definition(self) -> dict[str, Any]:
        """``{"questions": [...]}`` as ``GET /forms/{id}/questions`` lists them."""
        body = self._get("questions", params=None)
        questions = body.get("questions") if isinstance(body, dict) else None
        if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
            raise self._bad_answer("the question list has no 'questions' list of objects")
        return {"questions": questions}

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of completed submissions on or after ``cursor``; the last one carries the
        new cursor (the latest ``submittedAt`` seen, ``forms.zulu``); Tally's filter takes it to
        the second, rounded down."""
        since = parse_cursor(cursor, self.source)
        params: dict[str, Any] = {"limit": self.page_size, "filter": "completed"}
        if since is not None:
            params["startDate"] = since.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        yield from walk_pages(_Ask(page=1), partial(self._step, params), since)

    def _step(self, params: Mapping[str, Any], ask: _Ask, _number: int) -> Step[_Ask]:
        """One page, and which page to ask next: the following one while ``hasMore``, or an
        earlier one when submissions were deleted since the previous page was read."""
        submissions, form, has_more, now = self._read_page_patiently({**params, "page": ask.page})
        records = [_record(submission, form) for submission, _ in submissions]
        times = [at for _, at in submissions]
        back = self._pages_shifted(ask.total, now) if ask.steps_back < MAX_STEPS_BACK else 0
        if back:  # read again the pages the deletions may have pulled a submission into
            return Step(records, times, _Ask(max(1, ask.page - back), now, ask.steps_back + 1))
        if not has_more:
            log.info("source %s: form %s: %d page(s) read", self.source, self.form_id, ask.page)
            return Step(records, times)
        if not submissions:
            raise self._bad_answer(f"page {ask.page} is empty but says more follow")
        return Step(records, times, _Ask(ask.page + 1, now, ask.steps_back))

    def _pages_shifted(self, before: int | None, now: int | None) -> int:
        """How many pages to step back after a page whose count of submissions is lower than
        the previous page's: ``page`` is an offset, so submissions deleted meanwhile above
        the next page shift it up, and the submissions that moved onto pages already read
        would be skipped. New submissions arrive newest, above every page, so the count drops
        by at least the shift; stepping back that many submissions reads them again (landing
        drops what was read twice). Unknown counts: no step back."""
        if before is None or now is None or now >= before:
            return 0
        log.info(
            "source %s: form %s: %d submission(s) deleted while its pages were read; "
            "reading the previous page(s) again",
            self.source,
            self.form_id,
            before - now,
        )
        return -(-(before - now) // self.page_size)

    def _read_page_patiently(self, params: Mapping[str, Any]) -> tuple[list[Timed], dict[str, Any], bool, int | None]:
        """``_read_page``, waiting out a rate limit that outlasted the session's retries and
        asking the same page again."""
        for pause in (*self.rate_limit_pauses, None):
            try:
                return self._read_page(params)
            except SourceUnavailable as exc:
                if exc.status != 429 or pause is None:
                    raise
                log.warning(
                    "source %s: form %s: page %s still rate limited (HTTP 429); waiting "
                    "%.0f s, then asking that page again",
                    self.source,
                    self.form_id,
                    params["page"],
                    pause,
                )
                self._sleep(pause)
        raise AssertionError("unreachable")

    def _read_page(self, params: Mapping[str, Any]) -> tuple[list[Timed], dict[str, Any], bool, int | None]:
        """One page's submissions with their times, its question context, ``hasMore`` and the
        count of submissions the filter matches now (None if not given), checked whole before
        any of it is used."""
        page = params["page"]
        body = self._get("submissions", params=params)
        if not isinstance(body, dict):
            raise self._bad_answer(f"page {page} is not a JSON object")
        submissions, questions, has_more = body.get("submissions"), body.get("questions"), body.get("hasMore")
        if not isinstance(submissions, list) or not isinstance(questions, list):
            raise self._bad_answer(f"page {page} has no 'submissions' or 'questions' list")
        if not isinstance(has_more, bool):
            raise self._bad_answer(f"page {page} does not say whether more follow ('hasMore')")
        if not all(isinstance(question, dict) for question in questions):
            raise self._bad_answer(f"page {page} has a question that is not an object")
        checked = [(submission, self._submitted_at(submission, page)) for submission in submissions]
        counts = body.get("totalNumberOfSubmissionsPerFilter")
        total = counts.get(params.get("filter", "all")) if isinstance(counts, dict) else None
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        return checked, {"questions": [_question_context(q) for q in questions]}, has_more, total

    def _submitted_at(self, submission: Any, page: int) -> datetime:
        """The submission's time, once its id and responses are known to be there."""
        if not isinstance(submission, dict) or not isinstance(submission.get("id"), str) or not submission["id"]:
            raise self._bad_answer(f"page {page} has a submission without an id")
        if not isinstance(submission.get("responses"), list):
            raise self._bad_answer(f"page {page}: submission {submission['id']} has no 'responses' list")
        try:
            return parse_time(submission.get("submittedAt"))
        except ValueError:
            raise self._bad_answer(f"page {page}: submission {submission['id']} has no valid 'submittedAt'") from None

    def _get(self, resource: str, params: Mapping[str, Any] | None) -> Any:
        url = f"{self.base_url}/forms/{quote(self.form_id, safe='')}/{resource}"
        return request_json(
            self.session,
            "GET",
            url,
            source=self.source,
            what=f"form {self.form_id}",
            params=params,
            headers={"Authorization": f"Bearer {self._token}"},
        )

    def _bad_answer(self, problem: str) -> SourceResponseError:
        return SourceResponseError(
            f"source {self.source}: form {self.form_id}: Tally's answer is "
            f"unreadable ({problem}); nothing from it was kept and the "
            "cursor was not advanced"
        )


def _record(submission: dict[str, Any], form: dict[str, Any]) -> RawRow:
    """The submission verbatim, keyed by its id; the hash covers the submission only."""
    return RawRow(
        external_id=submission["id"],
        content_hash=content_hash(submission),
        payload={"item": submission, "form": form},
        locator=None,
    )


def _question_context(question: Mapping[str, Any]) -> dict[str, Any]:
    """What flatten needs of a question: id, title, type and ``{option id: label}``."""
    options: dict[str, str] = {}
    fields = question.get("fields")
    for holder in [question, *(fields if isinstance(fields, list) else [])]:
        listed = holder.get("options") if isinstance(holder, dict) else None
        for option in listed if isinstance(listed, list) else []:
            if not isinstance(option, dict):
                continue
            option_id = option.get("id", option.get("uuid"))
            label = next((option[k] for k in ("text", "label", "title") if isinstance(option.get(k), str)), None)
            if isinstance(option_id, str) and label is not None:
                options.setdefault(option_id, label)
    return {"id": question.get("id"), "title": question.get("title"), "type": question.get("type"), "options": options}
