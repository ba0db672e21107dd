"""HelloAsso API v5: the items (one per registered person) of one form.

Auth is OAuth2 client credentials (``POST /oauth2/token``, form-encoded). The access token
lives ``expires_in`` seconds (30 min): it is reused, renewed a minute before it expires with the
refresh_token grant (a new client_credentials request if that is refused), and renewed once
more if the API still answers 401/403 to a page, which is then asked again once.

Items come from ``GET /v5/organizations/{org}/forms/{formType}/{formSlug}/items`` with
``withDetails=true`` (without it there are no ``customFields``), sorted on ``UpdateDate``
ascending. By default (``full_read``) every sync reads every item, with no ``from``; an
incremental pull asks ``from=<cursor - overlap>``. Pages are chained with
``pagination.continuationToken``; the end is an **empty** ``data`` page (the token is still
there and ``totalCount``/``totalPages`` are -1).

The pull itself reads only items (privilege ``AccessTransactions``). The mapping check reads
the form description (``/public``) when the client may (``AccessPublicData``), else the custom
fields the items carry.

Cursor: an item has no update date of its own in the API's model, only its order's
(``order.meta.updatedAt``), so the order of pages cannot be checked against what we see. The
cursor (the newest ``order.meta.updatedAt``, else ``order.date``, in UTC) is therefore given only
on the final empty page, once every page has been read; a pull that fails midway is read again
from the previous cursor (re-reads are dropped at landing). ``overlap`` re-reads a margin
before the cursor, for items updated while a pull was running.

Verified in the OpenAPI spec (shared/specs/helloasso.v5.openapi.json) and dev.helloasso.com
(getting started, pagination; see shared/notes/external-apis.md §5): the token grants, the
items route and its parameters (``withDetails``, ``sortField`` Date|UpdateDate|CreationDate,
``sortOrder``, ``to`` exclusive, ``continuationToken``), the Item/OrderLight model
(``order.meta.updatedAt``, ``state`` Canceled...), the privileges (items: AccessTransactions;
``/public``: AccessPublicData), the empty-``data`` end signal and -1 totals.

Assumptions (not documented), and what covers them:

- *``from`` filters on the ``sortField`` date (``UpdateDate``)*; the spec says only "First
  Date Filter". If it filtered on the order date, an incremental pull would never see an
  older order cancelled later. The full read (every sync by default) sends no ``from``, so
  it reads that item as it is now, ``Canceled`` included.
- *A cancellation or edit moves the order's ``meta.updatedAt``*: the same full read covers an
  edit that would not.
- *``continuationToken`` is a position (the last item served)*, so an item added, edited or
  deleted between two page requests shifts nothing; were it an offset, the double listing of
  ``flows.landing.land_form`` and the next full read catch what one listing skipped.
- *An item deleted in the back office simply disappears from listings* (the API has no
  deletion feed): the full read notices it missing and the record stops being current.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, TypeGuard
from urllib.parse import quote

import requests

from rollcall.connectors.forms import Page, parse_aware, parse_cursor
from rollcall.connectors.http import SourceAuthError, SourceResponseError, request_json
from rollcall.connectors.pagination import Step, walk_pages
from rollcall.models.records import RawRow, content_hash

log = logging.getLogger(__name__)

#: Renew the access token this many seconds before HelloAsso says it expires.
REFRESH_MARGIN = 60.0
JSON = {"Accept": "application/json"}


class _Ask(NamedTuple):
    """An items request: the continuation token to send (None on the first page: none), and
    the one the page that gave it was asked with."""

    token: str | None
    asked_with: str | None = None


class HelloAssoForm:
    """The registrations of one HelloAsso form (an ``Event`` by default)."""

    def __init__(
        self,
        session: requests.Session,
        *,
        source: str,
        organization_slug: str,
        form_type: str = "Event",
        form_slug: str,
        client_id: str,
        client_secret: str,
        base_url: str = "https://api.helloasso.com",
        page_size: int = 100,
        overlap: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.source = source
        self.page_size = page_size
        self.overlap = overlap
        self._base = base_url.rstrip("/")
        self._form_path = (
            f"/v5/organizations/{quote(organization_slug, safe='')}/forms/"
            f"{quote(form_type, safe='')}/{quote(form_slug, safe='')}"
        )
        self.what = f"HelloAsso form {organization_slug}/{form_type}/{form_slug}"
        self._tokens = _TokenKeeper(
            session,
            source=source,
            what=f"an access token for {self.what}",
            url=f"{self._base}/oauth2/token",
            client_id=client_id,
            client_secret=client_secret,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"HelloAssoForm(source={self.source!r}, form={self.what!r})"

    def form_definition(self) -> dict[str, Any]:
        """``{"custom_fields": [labels], "complete": bool}``: the custom fields the form's tiers
        ask (``GET .../public``). Assumes a custom field's label there is the ``name`` its
        answers carry in items, as the two models suggest.

        ``/public`` needs the ``AccessPublicData`` privilege, which reading items does not: on
        its 403 the custom fields are those the first page of items carries, marked
        ``"complete": false`` (a mapped custom field none of them answers may be optional:
        ``transforms.answers.helloasso`` then accepts it)."""
        try:
            form = self._get_with(self._tokens.access_token(), f"{self._base}{self._form_path}/public", {})
        except SourceAuthError as exc:
            if exc.status != 403:
                raise
            return self._fields_from_items()
        if not isinstance(form, dict):
            raise SourceResponseError(f"source {self.source}: {self.what}: the form description is not an object")
        tiers = found if isinstance(found := form.get("tiers"), list) else []
        labels = [
            field.get("label")
            for tier in tiers
            if isinstance(tier, dict)
            for field in (tier.get("customFields") or [])
            if isinstance(field, dict)
        ]
        return {"custom_fields": [label for label in labels if isinstance(label, str)], "complete": True}

    def _fields_from_items(self) -> dict[str, Any]:
        """The custom fields answered in the first page of items."""
        query = {"withDetails": "true", "pageSize": str(self.page_size), "sortField": "UpdateDate", "sortOrder": "Asc"}
        items, _ = self._page(query, 1)
        names = sorted(
            {
                str(field.get("name"))
                for item in items
                for field in (item.get("customFields") or [])
                if isinstance(field, dict)
            }
        )
        log.warning(
            "source %s: %s: this client lacks HelloAsso's AccessPublicData privilege, so the "
            "form's custom fields were taken from %d item(s); a mapped one none answers is assumed to exist",
            self.source,
            self.what,
            len(items),
        )
        return {"custom_fields": names, "complete": False}

    def iter_pages(self, cursor: str | None) -> Iterator[Page]:
        """Pages of items updated since ``cursor`` (all when None), oldest update first; the
        new cursor comes with the final, empty, page."""
        since = parse_cursor(cursor, self.source)
        params = {"withDetails": "true", "pageSize": str(self.page_size), "sortField": "UpdateDate", "sortOrder": "Asc"}
        if since is not None:
            params["from"] = (since - self.overlap).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield from walk_pages(_Ask(None), partial(self._step, params), since)

    def _step(self, params: dict[str, str], ask: _Ask, number: int) -> Step[_Ask]:
        """One page of items; the next is asked with the continuation token it gave. The end is
        an empty page (the token is still there). The token a page gave is judged only once
        that page has been handed on: none ends the pull as an empty page would, the same one
        as before stops it."""
        if number > 1:
            if not ask.token:  # not the documented end signal, but nothing more can be asked
                log.warning(
                    "source %s: %s page %d has no continuation token; stopping there",
                    self.source,
                    self.what,
                    number - 1,
                )
                return Step([])
            if ask.token == ask.asked_with:
                raise SourceResponseError(
                    f"source {self.source}: {self.what}: page {number - 1} gives "
                    "back the same continuation token; stopping the pull"
                )
        items, next_token = self._page({**params, "continuationToken": ask.token} if ask.token else params, number)
        if not items:
            return Step([])
        rows = [self._row(item) for item in items]
        return Step(rows, [updated_at(item) for item in items], _Ask(next_token, ask.token))

    def _page(self, query: dict[str, str], number: int) -> tuple[list[dict[str, Any]], str | None]:
        body = self._get(f"{self._base}{self._form_path}/items", query)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not all(_is_item(item) for item in data):
            raise SourceResponseError(
                f"source {self.source}: {self.what}: page {number} has no "
                "`data` list of items; nothing from it was saved"
            )
        pagination = body.get("pagination")
        token = pagination.get("continuationToken") if isinstance(pagination, dict) else None
        return data, token if isinstance(token, str) and token else None

    def _get(self, url: str, params: dict[str, str]) -> Any:
        """GET with the bearer token; on 401/403, one new token and one more try."""
        token = self._tokens.access_token()
        try:
            return self._get_with(token, url, params)
        except SourceAuthError:
            log.info("source %s: access token rejected, asking a new one", self.source)
            self._tokens.renew()
            return self._get_with(self._tokens.access_token(), url, params)

    def _get_with(self, token: str, url: str, params: dict[str, str]) -> Any:
        headers = {**JSON, "Authorization": f"Bearer {token}"}
        return request_json(
            self.session, "GET", url, source=self.source, what=self.what, params=params, headers=headers
        )

    @staticmethod
    def _row(item: dict[str, Any]) -> RawRow:
        return RawRow(external_id=str(item["id"]), content_hash=content_hash(item), payload={"item": item, "form": {}})


class _TokenKeeper:
    """Gets, caches and renews the access token. Holds secrets: never shown in a repr."""

    def __init__(
        self,
        session: requests.Session,
        *,
        source: str,
        what: str,
        url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float],
    ) -> None:
        self._session, self._source, self._what, self._url = session, source, what, url
        self._client_id, self._client_secret, self._clock = client_id, client_secret, clock
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"_TokenKeeper(source={self._source!r})"

    def access_token(self) -> str:
        if self._access is None:
            self._grant({"grant_type": "client_credentials"})
        elif self._clock() >= self._expires_at - REFRESH_MARGIN:
            self.renew()
        assert self._access is not None
        return self._access

    def renew(self) -> None:
        """A new access token: by the refresh token if we hold one, else (or if it is
        refused) by the client credentials."""
        if self._refresh:
            try:
                self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh})
                return
            except (SourceAuthError, SourceResponseError):
                log.info("source %s: refresh token refused, asking a new token", self._source)
        self._grant({"grant_type": "client_credentials"})

    def _grant(self, form: dict[str, str]) -> None:
        data = {**form, "client_id": self._client_id}
        if form["grant_type"] == "client_credentials":
            data["client_secret"] = self._client_secret
        self._access = self._refresh = None
        started = self._clock()
        try:
            body = request_json(
                self._session, "POST", self._url, source=self._source, what=self._what, data=data, headers=JSON
            )
        except (SourceAuthError, SourceResponseError) as exc:
            refused = isinstance(exc, SourceAuthError) or exc.status in (400, 401, 403)
            if form["grant_type"] != "client_credentials" or not refused:
                raise
            origin = getattr(self._session, "credential_origin", "") or "client_id and client_secret"
            code = f", {exc.detail}" if exc.detail else ""
            raise SourceAuthError(
                f"source {self._source}: HelloAsso refused the client credentials "
                f"(HTTP {exc.status}{code}) when asked {self._what}: check {origin} "
                "(the API client's id and secret, from the HelloAsso back office, "
                "for the right environment: production or sandbox) and that this "
                "client may read the organisation"
            ) from None
        access = body.get("access_token") if isinstance(body, dict) else None
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access or not _is_number(lifetime):
            raise SourceResponseError(
                f"source {self._source}: {self._what}: the answer has no access_token or expires_in"
            )
        refresh = body.get("refresh_token")
        self._access, self._refresh = access, refresh if isinstance(refresh, str) and refresh else None
        self._expires_at = started + float(lifetime)


def updated_at(item: dict[str, Any]) -> datetime | None:
    """When the item last changed as far as we can see: its order's ``meta.updatedAt``, else
    the order date (HelloAsso writes ``0001-01-01`` for unknown dates: ignored)."""
    order = found if isinstance(found := item.get("order"), dict) else {}
    meta = found if isinstance(found := order.get("meta"), dict) else {}
    for value in (meta.get("updatedAt"), order.get("date")):
        moment = parse_aware(value)
        if moment is not None and moment.year > 1:
            return moment
    return None


def _is_item(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), int) and not isinstance(item.get("id"), bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
