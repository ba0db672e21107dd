"""Pull a Typeform form's completed responses through the shared HTTP layer.

API: ``GET /forms/{id}/responses?page_size=&response_type=completed&since=&before=`` answers
``{total_items, page_count, items[]}``, newest first. Pages are walked with
``before=<token of the last item>`` until a page holds fewer than ``page_size`` items (so a
form whose count is an exact multiple of the page size costs one empty page more). By
default (``full_read``) every sync reads the whole form with no ``since``.

Typeform warns that very recent responses (within about 30 minutes) may not be returned yet,
so an incremental ``since`` is the cursor minus an ``overlap`` window: what arrived late is
read on a later run, and what is read twice is dropped on landing. Newest first means a cursor
is safe to save only after the last page, so only the last page carries one.

Answers carry ``field{id, type, ref}`` but no title, so every pull first reads the form
definition (``GET /forms/{id}``), once per connector (the mapping check and the pull share it:
a second read within the second trips Typeform's 2 requests/s), and each record stores the
field context flatten needs. EU-data-center accounts must set ``base_url`` to
https://api.eu.typeform.com: the wrong region answers with no responses rather than an error,
so the host the definition's ``_links.responses`` names is compared with ``base_url`` and a
mismatch stops the source with the right ``base_url`` in the message.

Verified in Typeform's documentation ("Retrieve responses" reference, "Responses data center"
page; see shared/notes/external-apis.md §3): the route and Bearer token, ``page_size`` up to
1000, ``since``/``until`` inclusive and to the second, ``before``/``after`` exclusive response
tokens, newest first by default (``sort=submitted_at,desc``), ``response_type=completed``
filtering on ``submitted_at``, the 30-minute delay, the EU host and its empty answers through
the wrong host. 2 requests a second is quoted from Typeform's "get started" page by
third-party integrations.

Assumptions (not documented), and what covers them:

- *``before`` is a position, not an offset*: a response added or deleted between two page
  requests shifts nothing. If it were an offset, the double listing of
  ``flows.landing.land_form`` and the next full read (every sync by default) would catch what
  one listing skipped, as for Tally.
- *A ``before`` token naming a response deleted since its page was read is refused* (the
  local fake answers HTTP 400): the pull then asks from the response before it on that page,
  so the deletion costs one request and fails nothing.
- *A deleted response simply disappears from listings*: the full read notices it missing and
  the record stops being current.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from rollcall.connectors.forms import Page, parse_cursor, parse_time
from rollcall.connectors.http import SourceConfigError, SourceResponseError, request_json
from rollcall.connectors.pagination import Step, walk_pages
from rollcall.models.records import RawRow, content_hash

log = logging.getLogger(__name__)

#: Typeform's largest page.
MAX_PAGE_SIZE = 1000
#: A page's cursor refused (its response deleted meanwhile): how many of the responses before
#: it to try instead, nearest first, before the pull fails (a 400 for another reason would
#: otherwise be asked again once per response of the page).
FALLBACK_CURSORS = 5
#: What a page is asked ``before``, in page order: the previous page's last response token,
#: after up to ``FALLBACK_CURSORS`` of the ones just above it, tried nearest first if Typeform
#: refuses it; empty for the first page.
Before = tuple[str, ...]
#: Typeform: "very recent responses (say within the last 30 minutes) may not be returned".
DEFAULT_OVERLAP = timedelta(minutes=30)


class TypeformForm:
    """One Typeform form's completed responses, as a ``FormConnector``.

    Declared as data: the record key is ``response_id`` (unique per form) and the cursor
    field is ``submitted_at``; the field mapping may name any key ``transforms.answers`` finds
    in ``form_definition()``.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        source: str,
        form_id: str,
        token: str,
        base_url: str = "https://api.typeform.com",
        page_size: int = MAX_PAGE_SIZE,
        overlap: timedelta = DEFAULT_OVERLAP,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"source {source}: page_size must be 1 to {MAX_PAGE_SIZE}")
        if overlap < timedelta(0):
            raise ValueError(f"source {source}: overlap cannot be negative")
        self.session = session
        self.source = source
        self.form_id = form_id
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.overlap = overlap
        self._token = token
        self._definition_read: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"TypeformForm(source={self.source!r}, form_id={self.form_id!r}, base_url={self.base_url!r})"

    def form_definition(self) -> dict[str, Any]:
        """``{"questions": [{id, ref, title, type}], "hidden": [names]}`` (``_definition``)."""
        return self._definition()

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of completed responses submitted since ``cursor`` minus the overlap; the last
        one carries the new cursor (the latest ``submitted_at`` seen, ISO 8601 UTC)."""
        since = parse_cursor(cursor, self.source)
        form = {"questions": self._definition()["questions"]}
        params: dict[str, Any] = {"page_size": self.page_size, "response_type": "completed"}
        if since is not None:
            params["since"] = (since - self.overlap).strftime("%Y-%m-%dT%H:%M:%S")
        newest_page: Before = ()
        yield from walk_pages(newest_page, partial(self._step, params, form), since)

    def _step(self, params: Mapping[str, Any], form: dict[str, Any], tokens: Before, number: int) -> Step[Before]:
        """One page, asked before the last of ``tokens`` (none: the newest page); the next is
        asked before this page's last response, with the ones just before it to fall back on."""
        items, before = self._read_page_before(params, tokens, number)
        records = [_record(item, form) for item, _ in items]
        times = [at for _, at in items]
        if len(items) < self.page_size:
            log.info("source %s: form %s: %d page(s) read", self.source, self.form_id, number)
            return Step(records, times)
        if items[-1][0]["token"] == before:
            raise self._bad_answer(f"page {number} does not move past the previous one")
        return Step(records, times, tuple(item["token"] for item, _ in items[-1 - FALLBACK_CURSORS :]))

    def _read_page_before(
        self, params: Mapping[str, Any], tokens: Before, number: int
    ) -> tuple[list[tuple[dict[str, Any], datetime]], str | None]:
        """The page before the last of ``tokens``, and the token it was asked before. A token
        naming a response deleted since its page was read is refused (HTTP 400): the page is
        then asked from the response before it, and so on down ``tokens``; what is read twice
        is dropped on landing."""
        fallbacks = list(tokens)
        while True:
            before = fallbacks.pop() if fallbacks else None
            try:
                return self._read_page({**params, **({"before": before} if before else {})}, number), before
            except SourceResponseError as exc:
                if exc.status != 400 or not fallbacks:
                    raise
                log.info(
                    "source %s: form %s: page %d's cursor was refused (deleted meanwhile?); "
                    "asking from the response before it",
                    self.source,
                    self.form_id,
                    number,
                )

    def _read_page(self, params: Mapping[str, Any], page: int) -> list[tuple[dict[str, Any], datetime]]:
        """One page's items with their submission times, checked whole before any is used."""
        body = self._get(f"forms/{quote(self.form_id, safe='')}/responses", params)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self._bad_answer(f"page {page} has no 'items' list")
        return [(item, self._submitted_at(item, page)) for item in items]

    def _submitted_at(self, item: Any, page: int) -> datetime:
        """The response's time, once its token and answers are known to be usable."""
        if not isinstance(item, dict) or not isinstance(item.get("token"), str) or not item["token"]:
            raise self._bad_answer(f"page {page} has a response without a token")
        if not isinstance(item.get("response_id", ""), str):
            raise self._bad_answer(f"page {page}: response {item['token']} has a bad 'response_id'")
        if not isinstance(item.get("answers") or [], list) or not isinstance(item.get("hidden") or {}, dict):
            raise self._bad_answer(f"page {page}: response {item['token']} has malformed answers")
        try:
            return parse_time(item.get("submitted_at"))
        except ValueError:
            raise self._bad_answer(f"page {page}: response {item['token']} has no valid 'submitted_at'") from None

    def _definition(self) -> dict[str, Any]:
        """``{"questions": [{id, ref, title, type}], "hidden": [names]}`` from GET /forms/{id},
        fields inside groups included; read once, after checking the form's region."""
        if self._definition_read is not None:
            return self._definition_read
        body = self._get(f"forms/{quote(self.form_id, safe='')}", None)
        fields = body.get("fields", []) if isinstance(body, dict) else None
        hidden = body.get("hidden", []) if isinstance(body, dict) else None
        if not isinstance(fields, list) or not isinstance(hidden, list):
            raise self._bad_answer("the form definition has no 'fields' list")
        self._check_region(body.get("_links"))
        self._definition_read = {
            "questions": list(_walk_fields(fields)),
            "hidden": [name for name in hidden if isinstance(name, str)],
        }
        return self._definition_read

    def _check_region(self, links: Any) -> None:
        """The definition's ``_links.responses`` names the API host that holds the form's
        responses; read through another host (the wrong data center) they come back empty."""
        href = links.get("responses") if isinstance(links, dict) else None
        if not isinstance(href, str):
            log.warning(
                "source %s: form %s: the definition names no responses host; region not checked",
                self.source,
                self.form_id,
            )
            return
        host = urlsplit(href)
        right = f"{host.scheme}://{host.netloc}"
        if host.netloc and host.netloc.lower() != urlsplit(self.base_url).netloc.lower():
            raise SourceConfigError(
                f"source {self.source}: form {self.form_id} is served by {right}, but the source "
                f"reads {self.base_url}, where its responses would come back empty: set "
                f'base_url = "{right}" on the source in the campaign file'
            )

    def _get(self, path: str, params: Mapping[str, Any] | None) -> Any:
        return request_json(
            self.session,
            "GET",
            f"{self.base_url}/{path}",
            source=self.source,
            what=f"form {self.form_id}",
            params=params,
            headers={"Authorization": f"Bearer {self._token}"},
        )

    def _bad_answer(self, problem: str) -> SourceResponseError:
        return SourceResponseError(
            f"source {self.source}: form {self.form_id}: Typeform's answer is "
            f"unreadable ({problem}); nothing from it was kept and the "
            "cursor was not advanced"
        )


def _walk_fields(fields: list[Any]) -> Iterator[dict[str, Any]]:
    """Each field's id, ref, title and type, descending into groups' ``properties.fields``."""
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("id"), str):
            continue
        ref, title = field.get("ref"), field.get("title")
        yield {
            "id": field["id"],
            "ref": ref if isinstance(ref, str) else None,
            "title": title if isinstance(title, str) else None,  # trimmed when read (transforms)
            "type": field.get("type"),
        }
        properties = field.get("properties")
        nested = properties.get("fields") if isinstance(properties, dict) else None
        if isinstance(nested, list):
            yield from _walk_fields(nested)


def _record(item: dict[str, Any], form: dict[str, Any]) -> RawRow:
    """The response verbatim, keyed by its response_id (its token when absent)."""
    return RawRow(
        external_id=item.get("response_id") or item["token"],
        content_hash=content_hash(item),
        payload={"item": item, "form": form},
        locator=None,
    )
