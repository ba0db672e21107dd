"""Google Forms API v1: one form's responses.

``forms.get`` (``GET /v1/forms/{formId}``) gives the questions, so each stored response carries
its questions' titles and options; ``responses.list`` (``GET /v1/forms/{formId}/responses``)
is paged with ``pageToken`` until ``nextPageToken`` is absent. By default (``full_read``)
every sync lists every response, with no filter; an incremental pull asks every page with the
same ``filter=timestamp >= <RFC 3339 Zulu>`` (the API refuses a token with another filter).

The API does not document the order of responses, so the cursor (the newest
``lastSubmittedTime``, in UTC) comes with the last page only. ``overlap`` re-reads a margin
before it: a response edited or landing while a pull runs is not lost (re-reads are dropped
at landing, on responseId + content hash).

Auth: a bearer access token, obtained by the flow (``access_token_from_service_account``); it
lasts an hour and is not renewed here.

Verified in the discovery document (shared/specs/forms.v1.json) and the responses.list
reference (see shared/notes/external-apis.md §2): the routes, scopes, ``filter`` accepting
only ``timestamp > N`` / ``timestamp >= N`` in Zulu, ``pageSize`` (5000 when unset, the server
may return fewer), ``pageToken`` valid only with the same filter, ``nextPageToken`` absent on
the last page, and ``lastSubmittedTime`` ("the most recent time the response was submitted")
moving on an edit while ``responseId`` and ``createTime`` stay.

Assumptions (not documented), and what covers them:

- *``timestamp`` compares with ``lastSubmittedTime``*: the spec says "submitted after", which
  could as well be ``createTime``; then an incremental pull would never see an edit of an
  older response. The full read (every sync by default) sends no filter, so it reads every
  response as it is now, edits included.
- *The order of responses and what a page token holds*: if a token is an offset, a response
  deleted between two page requests shifts the later pages and one response is missing from
  that listing. ``flows.landing.land_form`` lists the form again whenever a listing misses a
  stored record, and removes only what both miss; a response not stored yet that is skipped
  this way lands at the next full read (the next sync by default), and a stored one that
  deletions during *both* listings skip is taken for deleted until then. No page says how
  many responses match, so unlike Tally the connector cannot notice a shift itself. Only
  forms needing more than one page (5000 responses by default) are exposed.
- *A deleted response simply disappears from listings* (the API has no deletion feed): the
  full read notices it missing and the record stops being current.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

import requests

from rollcall.connectors.forms import Page, parse_aware, parse_cursor, zulu
from rollcall.connectors.http import (
    SourceAuthError,
    SourceNotFound,
    SourceResponseError,
    SourceUnavailable,
    request_json,
)
from rollcall.connectors.pagination import Step, walk_pages
from rollcall.models.records import RawRow, content_hash

SCOPES = (
    "https://www.googleapis.com/auth/forms.responses.readonly",
    "https://www.googleapis.com/auth/forms.body.readonly",
)


class GoogleFormsForm:
    """The responses of one Google Form."""

    def __init__(
        self,
        session: requests.Session,
        *,
        source: str,
        form_id: str,
        access_token: str,
        base_url: str = "https://forms.googleapis.com",
        page_size: int | None = None,
        overlap: timedelta = timedelta(minutes=10),
    ) -> None:
        self.session = session
        self.source = source
        self.page_size = page_size  # None: the API's default, 5000
        self.overlap = overlap
        self.what = f"Google form {form_id}"
        self._form_url = f"{base_url.rstrip('/')}/v1/forms/{quote(form_id, safe='')}"
        self._headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        self._context: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"GoogleFormsForm(source={self.source!r}, form={self.what!r})"

    def form_definition(self) -> dict[str, Any]:
        """The form context (``form_context``): what its records carry too."""
        return self.form_context()

    def form_context(self) -> dict[str, Any]:
        """``{"questions": {questionId: {"title", "options"}}}`` from forms.get (read once)."""
        if self._context is None:
            form = self._get(self._form_url, {})
            items = form.get("items", []) if isinstance(form, dict) else None
            if not isinstance(items, list):
                raise SourceResponseError(
                    f"source {self.source}: {self.what}: the form has no list of items; check the form id"
                )
            self._context = {"questions": dict(questions_of(items))}
        return self._context

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of responses submitted since ``cursor`` (all when None); the last one
        carries the new cursor."""
        context = self.form_context()
        since = parse_cursor(cursor, self.source)
        params = {"pageSize": str(self.page_size)} if self.page_size else {}
        if since is not None:
            params["filter"] = f"timestamp >= {zulu(since - self.overlap)}"
        yield from walk_pages("", partial(self._step, params, context), since)

    def _step(self, params: dict[str, str], context: dict[str, Any], token: str, number: int) -> Step[str]:
        """One page of responses, asked with ``token`` ("": the first page); the next is asked
        with the ``nextPageToken`` it gave, until a page gives none. A token given back
        unchanged would ask the same page for ever: the pull stops, its pages kept."""
        responses, next_token = self._page({**params, "pageToken": token} if token else params, number)
        if next_token is not None and next_token == token:
            raise SourceResponseError(
                f"source {self.source}: {self.what}: page {number} gave back the same nextPageToken; "
                "stopping the pull (the pages before it are saved); run it again later"
            )
        records = [self._row(response, context) for response in responses]
        return Step(records, [submitted_at(response) for response in responses], next_token)

    def still_held(self, response_ids: Iterable[str]) -> set[str]:
        """Which of ``response_ids`` the form still holds, asked one by one
        (``forms.responses.get``: 404 once a response is deleted).

        Page tokens are opaque: if one is an offset, a deletion during a listing shifts the
        pages and skips a response that is still there, and two listings can both skip it.
        The flow asks this before taking what both missed for deleted."""
        held = set()
        for response_id in response_ids:
            try:
                self._get(f"{self._form_url}/responses/{quote(response_id, safe='')}", {})
            except SourceNotFound:
                continue
            held.add(response_id)
        return held

    def _page(self, query: dict[str, str], number: int) -> tuple[list[dict[str, Any]], str | None]:
        body = self._get(f"{self._form_url}/responses", query)
        responses = body.get("responses", []) if isinstance(body, dict) else None
        if not isinstance(responses, list) or not all(_is_response(r) for r in responses):
            raise SourceResponseError(
                f"source {self.source}: {self.what}: page {number} has no `responses` list; nothing from it was saved"
            )
        token = body.get("nextPageToken")
        return responses, token if isinstance(token, str) and token else None

    def _get(self, url: str, params: dict[str, str]) -> Any:
        return request_json(
            self.session, "GET", url, source=self.source, what=self.what, params=params, headers=self._headers
        )

    @staticmethod
    def _row(response: dict[str, Any], context: dict[str, Any]) -> RawRow:
        return RawRow(
            external_id=response["responseId"],
            content_hash=content_hash(response),
            payload={"item": response, "form": context},
        )


def questions_of(items: list[Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(questionId, {"title", "options"}) for each question of the form's items; a grid's
    rows are titled ``"<question> [<row>]"`` and share the grid's columns as options."""
    for item in map(_mapping, items):
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        question = _mapping(_mapping(item.get("questionItem")).get("question"))
        if isinstance(question.get("questionId"), str):
            yield question["questionId"], {"title": title, "options": _options(question.get("choiceQuestion"))}
        group = _mapping(item.get("questionGroupItem"))
        columns = _options(_mapping(group.get("grid")).get("columns"))
        rows = found if isinstance(found := group.get("questions"), list) else []
        for row in map(_mapping, rows):
            if isinstance(row.get("questionId"), str):
                row_title = _mapping(row.get("rowQuestion")).get("title")
                row_title = row_title if isinstance(row_title, str) else ""
                yield row["questionId"], {"title": f"{title} [{row_title}]", "options": columns}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _options(choice: Any) -> list[str]:
    options = choice.get("options") if isinstance(choice, dict) else None
    if not isinstance(options, list):
        return []
    return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def submitted_at(response: dict[str, Any]) -> datetime | None:
    return parse_aware(response.get("lastSubmittedTime"))


def access_token_from_service_account(
    info: dict[str, Any],
    scopes: Iterable[str] = SCOPES,
    *,
    session: requests.Session | None = None,
    source: str = "google_forms",
    origin: str = "",
) -> str:
    """An OAuth access token for a service account key (the parsed JSON key file), from the
    key's ``token_uri``. Raises SourceAuthError naming the source, never showing the key."""
    from google.auth.exceptions import GoogleAuthError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2.service_account import Credentials

    try:
        credentials = Credentials.from_service_account_info(info, scopes=list(scopes))
        credentials.refresh(Request(session) if session is not None else Request())
    except TransportError:
        raise SourceUnavailable(f"source {source}: cannot reach Google's token endpoint; try later") from None
    except (GoogleAuthError, ValueError, KeyError):
        where = f" in {origin}" if origin else ""
        raise SourceAuthError(
            f"source {source}: Google refused the service-account key{where} (or "
            "it is not a service-account key): check it is a current key of the "
            "service account the form is shared with"
        ) from None
    return credentials.token


def _is_response(response: Any) -> bool:
    return isinstance(response, dict) and isinstance(response.get("responseId"), str) and response["responseId"] != ""
