"""A faithful fake of the HelloAsso API v5 for one organisation's form, on a FakeServer.

What it serves, as documented (``shared/specs/helloasso.v5.openapi.json``, dev.helloasso.com):

- ``POST /oauth2/token``, form-encoded: ``client_credentials`` (client_id + client_secret) and
  ``refresh_token`` (client_id + refresh_token) grants, answering ``{access_token,
  refresh_token, token_type: "bearer", expires_in}``. Access tokens expire after
  ``token_lifetime`` seconds of ``clock`` (share a ``FakeClock`` with the connector), or at once
  with ``expire_access_tokens()``; the API then answers 401. Bad client credentials: 401.
- ``GET /v5/organizations/{org}/forms/{formType}/{formSlug}/items``: the spec's query
  parameters only (any other: 400), typed and checked against its enums; ``withDetails`` other
  than true drops ``customFields`` and ``options``; an ``Accept`` without application/json gets
  CSV, as the real endpoint can. Pages chain by ``pagination.continuationToken``; totals are -1
  and the final page is an empty ``data`` that still carries a token.
- ``GET .../{formSlug}/public``: the form with its tiers' custom fields (FormPublicModel).
- Unknown organisation or form: 404.

Assumption (the spec does not say): ``from``/``to`` filter on the date the items are sorted on
(``sortField``: ``Date`` = order date, ``UpdateDate`` = ``order.meta.updatedAt``,
``CreationDate`` = ``order.meta.createdAt``). ``from_field="Date"`` serves the other reading
(``from``/``to`` always on the order date), under which an incremental pull never sees the
cancellation of an older order. Also assumed: the continuation token is a key-set position
(the last item served), so a deletion or insertion between two page requests shifts nothing.
Every item served is checked against ``SCHEMAS``, an extract of the spec that the tests
compare with the spec file.

``fictional_items(n, seed=...)`` makes a reproducible event's worth of fictional registrations
(group orders, cancellations), for tests and for the benchmark (50,000 serve fine).
"""

from __future__ import annotations

import bisect
import itertools
import random
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fakes.http_server import FakeServer, Request, Response

#: Extract of the spec's schemas (``components.schemas``, by short name): property -> type,
#: ``?`` = nullable, ``[X]`` = array of X, a capitalised name = another schema or an enum.
#: Only the properties the fake serves are listed; each must match the spec.
SCHEMAS: dict[str, dict[str, str]] = {
    "ResultsWithPaginationModel_Item": {"data": "[Item]?", "pagination": "PaginationModel"},
    "PaginationModel": {
        "pageSize": "integer",
        "totalCount": "integer",
        "pageIndex": "integer",
        "totalPages": "integer",
        "continuationToken": "string?",
    },
    "Item": {
        "order": "OrderLight",
        "payer": "Payer",
        "name": "string?",
        "user": "User",
        "priceCategory": "PriceCategory",
        "customFields": "[ItemCustomField]?",
        "options": "[ItemOption]?",
        "ticketUrl": "string?",
        "qrCode": "string?",
        "tierDescription": "string?",
        "tierId": "integer?",
        "id": "integer",
        "amount": "integer",
        "type": "TierType",
        "initialAmount": "integer?",
        "state": "ItemState",
    },
    "OrderLight": {
        "id": "integer",
        "date": "date-time",
        "formSlug": "string?",
        "formType": "FormType",
        "organizationName": "string?",
        "organizationSlug": "string?",
        "organizationType": "OrganizationType",
        "organizationIsUnderColucheLaw": "boolean",
        "meta": "MetaModel",
    },
    "MetaModel": {"createdAt": "date-time", "updatedAt": "date-time"},
    "Payer": {"email": "string?", "country": "string?", "firstName": "string?", "lastName": "string?"},
    "User": {"firstName": "string?", "lastName": "string?"},
    "ItemCustomField": {"id": "integer", "name": "string?", "type": "FieldType", "answer": "string?"},
    "ItemOption": {
        "name": "string?",
        "amount": "integer",
        "priceCategory": "PriceCategory",
        "isRequired": "boolean",
        "customFields": "[ItemCustomField]?",
        "optionId": "integer",
    },
    "FormPublicModel": {
        "organizationName": "string?",
        "tiers": "[TierPublicModel]?",
        "state": "FormState",
        "title": "string?",
        "formSlug": "string?",
        "formType": "FormType",
        "organizationSlug": "string?",
    },
    "TierPublicModel": {
        "customFields": "[CustomFieldPublicModel]?",
        "id": "integer",
        "label": "string?",
        "tierType": "TierType",
        "price": "integer?",
    },
    "CustomFieldPublicModel": {
        "id": "integer",
        "values": "[string]?",
        "isRequired": "boolean",
        "type": "FieldType",
        "label": "string?",
    },
}
ENUMS: dict[str, tuple[str, ...]] = {
    "FieldType": ("Date", "TextInput", "FreeText", "ChoiceList", "File", "YesNo", "Phone", "Zipcode", "Number"),
    "FormType": ("CrowdFunding", "Membership", "Event", "Donation", "PaymentForm", "Checkout", "Shop"),
    "ItemState": ("Waiting", "Processed", "Registered", "Deleted", "Unknown", "Canceled", "Refused", "Abandoned"),
    "SortField": ("Date", "UpdateDate", "CreationDate"),
    "SortOrder": ("Asc", "Desc"),
    "TierType": (
        "Donation",
        "Payment",
        "Registration",
        "Membership",
        "MonthlyDonation",
        "MonthlyPayment",
        "OfflineDonation",
        "Contribution",
        "Bonus",
        "Product",
    ),
    "PriceCategory": ("Fixed", "Pwyw", "Free"),
    "FormState": ("Public", "Private", "Draft", "Deleted", "Disabled"),
    "OrganizationType": ("Association1901Rig", "Association1901Rup", "Association1901"),  # subset
}
#: The items route's query parameters, as in the spec (type, or enum for arrays and enums).
ITEMS_QUERY: dict[str, str] = {
    "from": "date-time",
    "to": "date-time",
    "userSearchKey": "string",
    "pageIndex": "integer",
    "pageSize": "integer",
    "continuationToken": "string",
    "tierTypes": "[TierType]",
    "itemStates": "[ItemState]",
    "tierName": "string",
    "withDetails": "boolean",
    "sortOrder": "SortOrder",
    "sortField": "SortField",
}
ITEMS_PATH = r"/v5/organizations/(?P<org>[^/]+)/forms/(?P<form_type>[^/]+)/(?P<form_slug>[^/]+)/items"
PUBLIC_PATH = r"/v5/organizations/(?P<org>[^/]+)/forms/(?P<form_type>[^/]+)/(?P<form_slug>[^/]+)/public"
TOKEN_PATH = r"/oauth2/token"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SORT_DATES = {"Date": ("date",), "UpdateDate": ("meta", "updatedAt"), "CreationDate": ("meta", "createdAt")}


class SpecViolation(AssertionError):
    """The fake was asked to serve something the spec does not allow: a bug in the test data."""


def check_schema(value: Any, kind: str, where: str = "$") -> None:
    """Raise SpecViolation unless ``value`` fits ``kind`` (a SCHEMAS type string)."""
    if kind.endswith("?"):
        if value is None:
            return
        kind = kind[:-1]
    if kind.startswith("["):
        if not isinstance(value, list):
            raise SpecViolation(f"{where}: expected an array")
        for i, element in enumerate(value):
            check_schema(element, kind[1:-1], f"{where}[{i}]")
    elif kind in SCHEMAS:
        if not isinstance(value, dict):
            raise SpecViolation(f"{where}: expected a {kind} object")
        for name, element in value.items():
            if name not in SCHEMAS[kind]:
                raise SpecViolation(f"{where}.{name}: not a property of {kind} (additionalProperties: false)")
            check_schema(element, SCHEMAS[kind][name], f"{where}.{name}")
    elif kind in ENUMS:
        if value not in ENUMS[kind]:
            raise SpecViolation(f"{where}: {value!r} is not a {kind}")
    elif not _fits_scalar(value, kind):
        raise SpecViolation(f"{where}: {value!r} is not a {kind}")


def _fits_scalar(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "date-time":
        return isinstance(value, str) and _parse_date(value) is not None
    raise SpecViolation(f"unknown type {kind}")


def helloasso_date(moment: datetime) -> str:
    """HelloAsso's way: Paris offset and 7 fractional digits, ``2024-10-21T17:04:55.3020839+02:00``."""
    local = moment.astimezone(timezone(timedelta(hours=2)))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}{local.microsecond % 7}" + "+02:00"


def _parse_date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


class FakeClock:
    """A clock a test moves by hand; share it between the fake and the connector."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class _Grant:
    expires_at: float


@dataclass
class HelloAssoFake:
    """One organisation's form, its items and its OAuth2 client. ``register(server)`` serves it."""

    organization_slug: str = "emmaus-connect"
    form_type: str = "Event"
    form_slug: str = "journees-engagees"
    client_id: str = "fake-client-id"
    client_secret: str = field(default="fake-client-secret-do-not-log", repr=False)
    token_lifetime: int = 1800
    refresh_lifetime: int = 30 * 24 * 3600
    clock: Callable[[], float] = time.monotonic
    custom_fields: tuple[tuple[str, str], ...] = (
        ("Email", "TextInput"),
        ("Téléphone", "Phone"),
        ("Site", "ChoiceList"),
        ("J'accepte d'être recontacté·e", "YesNo"),
    )
    items: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    access_tokens: dict[str, _Grant] = field(default_factory=dict, repr=False)
    refresh_tokens: dict[str, _Grant] = field(default_factory=dict, repr=False)
    grants: list[str] = field(default_factory=list)  # grant_type of each token issued
    corrupt_pages: dict[int, Any] = field(default_factory=dict)  # items request number -> body
    items_requests: int = 0
    bad_secret_status: int = 400
    #: The client's privileges: without AccessPublicData, ``/public`` answers 403 (items need
    #: only AccessTransactions).
    privileges: frozenset[str] = frozenset({"AccessTransactions", "AccessPublicData"})
    #: None: ``from``/``to`` filter on the ``sortField`` date; a SortField name: on that one.
    from_field: str | None = None
    #: Called as ``before_page(n)`` when the n-th items request arrives, before its page is
    #: cut: what it changes (``delete_item``, ``edit_item``, ``add_items``) happens between two
    #: page requests of a pull.
    before_page: Callable[[int], None] | None = field(default=None, repr=False)
    _order: dict[str, list[tuple[int, int]]] = field(default_factory=dict, init=False, repr=False)
    _edits: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False)

    def register(self, server: FakeServer) -> HelloAssoFake:
        server.route("POST", TOKEN_PATH, self._token)
        server.route("GET", ITEMS_PATH, self._items)
        server.route("GET", PUBLIC_PATH, self._public)
        return self

    # --- data ----------------------------------------------------------------------------------

    def add_items(self, items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            check_schema(item, "Item", f"item {item.get('id')}")
            self.items[item["id"]] = item
        self._order.clear()

    def edit_item(self, item_id: int, **changes: Any) -> dict[str, Any]:
        """Change top-level fields of an item (``state="Canceled"``, ``user={...}``...) and
        move its order's ``meta.updatedAt`` to a later time, as an edit on HelloAsso does."""
        item = {**self.items[item_id], **changes}
        order = item["order"]
        updated = max(_parse_date(order["meta"]["updatedAt"]), self.latest_update())
        later = helloasso_date(updated + timedelta(seconds=next(self._edits)))
        order = {**order, "meta": {**order["meta"], "updatedAt": later}}
        self.add_items([{**item, "order": order}])
        return self.items[item_id]

    def delete_item(self, item_id: int) -> None:
        """An item removed in the back office (a test or duplicate registration the organiser
        deletes): the API has no route for it, and later listings simply no longer hold it."""
        del self.items[item_id]
        self._order.clear()

    def latest_update(self) -> datetime:
        dates = (_parse_date(i["order"]["meta"]["updatedAt"]) for i in self.items.values())
        return max(dates, default=datetime(2024, 1, 1, tzinfo=UTC))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired: the API answers 401 to them."""
        for grant in self.access_tokens.values():
            grant.expires_at = float("-inf")

    def corrupt_page(self, number: int, body: Any) -> None:
        """Serve ``body`` (anything JSON) to the ``number``-th items request that passes the
        auth and query checks, counting from 1 for this fake."""
        self.corrupt_pages[number] = body

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def form_public(self) -> dict[str, Any]:
        fields = [
            {
                "id": 100 + i,
                "label": name,
                "type": kind,
                "isRequired": i < 2,
                "values": ["Paris", "Lyon", "Marseille"] if kind == "ChoiceList" else [],
            }
            for i, (name, kind) in enumerate(self.custom_fields)
        ]
        tier = {"id": 1, "label": "Bénévole", "tierType": "Registration", "price": 0, "customFields": fields}
        body = {
            "organizationName": "Emmaüs Connect (fictif)",
            "state": "Public",
            "title": "Journées Engagées",
            "formSlug": self.form_slug,
            "formType": self.form_type,
            "organizationSlug": self.organization_slug,
            "tiers": [tier],
        }
        check_schema(body, "FormPublicModel", "form")
        return body

    # --- routes --------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "the body must be form-encoded")
        form = request.form()
        grant_type = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return _oauth_error(401, "invalid_client", "unknown client")
        if grant_type == "client_credentials":
            if form.get("client_secret") != self.client_secret:  # RFC 6749 5.2; seen as 400 live
                return _oauth_error(self.bad_secret_status, "invalid_client", "bad client credentials")
        elif grant_type == "refresh_token":
            grant = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if grant is None or grant.expires_at <= self.clock():
                return _oauth_error(400, "invalid_grant", "refresh token unknown or expired")
        else:
            return _oauth_error(400, "unsupported_grant_type", "use client_credentials or refresh_token")
        return Response(200, self._issue(grant_type))

    def _issue(self, grant_type: str) -> dict[str, Any]:
        access = f"eyJ.fake-access.{secrets.token_urlsafe(12)}"
        refresh = f"fake-refresh.{secrets.token_urlsafe(12)}"
        now = self.clock()
        self.access_tokens[access] = _Grant(now + self.token_lifetime)
        self.refresh_tokens[refresh] = _Grant(now + self.refresh_lifetime)
        self.grants.append(grant_type)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
        }

    def _authorised(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant = self.access_tokens.get(token) if scheme == "Bearer" else None
        if grant is None or grant.expires_at <= self.clock():
            return Response(401, {"message": "Authorization has been denied for this request."})
        return None

    def _form_exists(self, request: Request) -> Response | None:
        p = request.params
        if p["form_type"] not in ENUMS["FormType"]:
            return Response(400, {"errors": [{"code": "ArgumentInvalid", "message": "formType"}]})
        if (p["org"], p["form_type"], p["form_slug"]) != (self.organization_slug, self.form_type, self.form_slug):
            return Response(404, {"errors": [{"code": "NotFound", "message": "form not found"}]})
        return None

    def _public(self, request: Request) -> Response:
        refused = self._authorised(request) or self._form_exists(request)
        if refused:
            return refused
        if request.query:
            return Response(400, {"errors": [{"code": "ArgumentInvalid", "message": "no query parameters"}]})
        if "AccessPublicData" not in self.privileges:
            return Response(403, {"message": "Authorization has been denied for this request."})
        return Response(200, self.form_public())

    def _items(self, request: Request) -> Response:
        refused = self._authorised(request) or self._form_exists(request)
        if refused:
            return refused
        query, problem = _parse_query(request.query)
        if problem:
            return Response(400, {"errors": [{"code": "ArgumentInvalid", "message": problem}]})
        self.items_requests += 1
        if self.before_page:
            self.before_page(self.items_requests)
        if self.items_requests in self.corrupt_pages:
            return Response(200, self.corrupt_pages.pop(self.items_requests))
        page, token = self._select(query)
        if "application/json" not in request.headers.get("accept", ""):
            rows = (f"{i['id']};{i['user']['firstName']};{i['user']['lastName']}\n" for i in page)
            csv = "Numéro;Prénom;Nom\n" + "".join(rows)
            return Response(200, csv, {"Content-Type": "text/csv"})
        if query.get("withDetails") is not True:
            page = [{k: v for k, v in item.items() if k not in ("customFields", "options")} for item in page]
        size = query.get("pageSize", 20)
        pagination = {
            "pageSize": size,
            "totalCount": -1,
            "pageIndex": query.get("pageIndex", 1),
            "totalPages": -1,
            "continuationToken": token,
        }
        body = {"data": page, "pagination": pagination}
        check_schema(body, "ResultsWithPaginationModel_Item", "page")
        return Response(200, body)

    def _select(self, query: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        """One page in the asked order, after the continuation token (keyset, so edits during
        a pull move an item to the end instead of shifting pages)."""
        sort_field = query.get("sortField", "Date")
        keys = self._ordered(sort_field)
        bounds_on = self.from_field or sort_field
        lo, hi = 0, len(keys)
        if bounds_on == sort_field:  # the bounds cut the sorted keys
            lo = bisect.bisect_left(keys, (_micros(query["from"]), -1)) if "from" in query else 0
            hi = bisect.bisect_left(keys, (_micros(query["to"]), -1)) if "to" in query else len(keys)
        ascending = query.get("sortOrder", "Desc") == "Asc"
        after = _untoken(query.get("continuationToken"))
        if ascending:
            start = max(lo, bisect.bisect_right(keys, after)) if after else lo
            positions: Iterable[int] = range(start, hi)
        else:
            end = min(hi, bisect.bisect_left(keys, after)) if after else hi
            positions = range(end - 1, lo - 1, -1)
        size = query.get("pageSize", 20)
        skip = 0 if after else (query.get("pageIndex", 1) - 1) * size
        wanted = (
            self.items[keys[i][1]]
            for i in positions
            if _matches(self.items[keys[i][1]], query)
            and (bounds_on == sort_field or _within(self.items[keys[i][1]], bounds_on, query))
        )
        page = list(itertools.islice(wanted, skip, skip + size))
        if not page:  # the end: no data, yet a token, as the real API does
            return page, query.get("continuationToken") or _token_of((_micros(datetime.now(UTC)), 0))
        return page, _token_of((_item_key(page[-1], query.get("sortField", "Date")), page[-1]["id"]))

    def _ordered(self, sort_field: str) -> list[tuple[int, int]]:
        if sort_field not in self._order:
            keys = ((_item_key(item, sort_field), item_id) for item_id, item in self.items.items())
            self._order[sort_field] = sorted(keys)
        return self._order[sort_field]


def _item_key(item: dict[str, Any], sort_field: str) -> int:
    value: Any = item["order"]
    for step in _SORT_DATES[sort_field]:
        value = value[step]
    return _micros(_parse_date(value))


def _token_of(key: tuple[int, int]) -> str:
    moment = _EPOCH + timedelta(microseconds=key[0])
    return f"{moment:%Y%m%d%H%M%S%f}_{key[1]}"


def _untoken(token: str | None) -> tuple[int, int] | None:
    if not token:
        return None
    stamp, _, item_id = token.partition("_")
    moment = datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
    return _micros(moment), int(item_id)


def _within(item: dict[str, Any], date_field: str, query: dict[str, Any]) -> bool:
    """``from`` (inclusive) and ``to`` (exclusive) applied to the item's ``date_field`` date."""
    moment = _item_key(item, date_field)
    return not ("from" in query and moment < _micros(query["from"])) and not (
        "to" in query and moment >= _micros(query["to"])
    )


def _matches(item: dict[str, Any], query: dict[str, Any]) -> bool:
    if "itemStates" in query and item["state"] not in query["itemStates"]:
        return False
    if "tierTypes" in query and item["type"] not in query["tierTypes"]:
        return False
    if "tierName" in query and item.get("name") != query["tierName"]:
        return False
    if "userSearchKey" in query:
        people = (item.get("user") or {}, item.get("payer") or {})
        words = " ".join(str(p.get(k) or "") for p in people for k in ("firstName", "lastName", "email")).lower()
        return query["userSearchKey"].lower() in words
    return True


def _parse_query(raw: dict[str, list[str]]) -> tuple[dict[str, Any], str | None]:
    """The query, typed as the spec says; or the first problem found."""
    parsed: dict[str, Any] = {}
    for name, values in raw.items():
        kind = ITEMS_QUERY.get(name)
        if kind is None:
            return {}, f"unknown query parameter {name!r}"
        if not kind.startswith("[") and len(values) > 1:
            return {}, f"{name} given {len(values)} times"
        try:
            if kind.startswith("["):
                parsed[name] = [_parse_value(v, kind[1:-1]) for v in values]
            else:
                parsed[name] = _parse_value(values[0], kind)
        except ValueError:
            return {}, f"{name}={values[0]!r} is not a {kind}"
    if "continuationToken" in parsed:
        try:
            _untoken(parsed["continuationToken"])
        except ValueError:
            return {}, "invalid continuationToken"
    if parsed.get("pageSize", 1) < 1 or parsed.get("pageIndex", 1) < 1:
        return {}, "pageSize and pageIndex start at 1"
    return parsed, None


def _parse_value(text: str, kind: str) -> Any:
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    if kind == "date-time":
        moment = _parse_date(text)
        if moment is None:
            raise ValueError(text)
        return moment
    if kind in ENUMS:
        if text not in ENUMS[kind]:
            raise ValueError(text)
        return text
    return text


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


# --- fictional data --------------------------------------------------------------------------

FIRST_NAMES = (
    "Camille",
    "Léa",
    "Hugo",
    "Inès",
    "Louis",
    "Chloé",
    "Nathan",
    "Zoé",
    "Yanis",
    "Manon",
    "Éloïse",
    "Karim",
    "Awa",
    "Thomas",
    "Lucie",
    "Mehdi",
    "Jeanne",
    "Noé",
    "Aïcha",
    "Bastien",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Nguyen",
    "Diallo",
    "Lefèvre",
    "Roux",
    "Fournier",
    "Girard",
    "Benali",
    "Mercier",
    "Da Silva",
    "Garnier",
    "Faure",
)
SITES = ("Paris", "Lyon", "Marseille", "Lille", "Bordeaux", "Strasbourg")


def fictional_items(
    n: int,
    *,
    seed: int = 0,
    organization_slug: str = "emmaus-connect",
    form_type: str = "Event",
    form_slug: str = "journees-engagees",
    start: datetime = datetime(2024, 9, 2, 8, 0, tzinfo=UTC),
    group_share: float = 0.15,
    cancel_share: float = 0.05,
) -> list[dict[str, Any]]:
    """``n`` fictional free-event registrations in ``Item`` shape, reproducible from ``seed``.

    About ``group_share`` of orders register 2-3 people under one payer (who may not be one of
    them); ``cancel_share`` of items are ``Canceled``. Emails use example.org, phones the
    ARCEP fiction range 06 39 98 xx xx. Item and order ids, and dates, rise with the index.
    """
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    order_id, moment = 10_000, start
    while len(items) < n:
        order_id += 1
        moment += timedelta(seconds=rng.randint(20, 900), microseconds=rng.randint(0, 999_999))
        size = min(n - len(items), rng.choice((2, 2, 3)) if rng.random() < group_share else 1)
        payer = _person(rng)
        people = [payer if i == 0 and rng.random() < 0.7 else _person(rng) for i in range(size)]
        for person in people:
            items.append(
                _item(
                    rng,
                    len(items) + 1_000_001,
                    order_id,
                    moment,
                    payer,
                    person,
                    organization_slug,
                    form_type,
                    form_slug,
                    cancel_share,
                )
            )
    return items


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = _ascii(f"{first}.{last}".lower().replace(" ", "-")) + f"{rng.randint(1, 99)}@example.org"
    return {
        "firstName": first,
        "lastName": last.upper() if rng.random() < 0.6 else last,
        "email": email,
        "phone": f"06 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
    }


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _item(
    rng: random.Random,
    item_id: int,
    order_id: int,
    moment: datetime,
    payer: dict[str, str],
    person: dict[str, str],
    org: str,
    form_type: str,
    form_slug: str,
    cancel_share: float,
) -> dict[str, Any]:
    canceled = rng.random() < cancel_share
    updated = moment + (timedelta(days=rng.randint(1, 5)) if canceled else timedelta(seconds=1))
    answers = (person["email"], person["phone"], rng.choice(SITES), rng.choice(("Oui", "Non")))
    kinds = ("TextInput", "Phone", "ChoiceList", "YesNo")
    names = ("Email", "Téléphone", "Site", "J'accepte d'être recontacté·e")
    return {
        "order": {
            "id": order_id,
            "date": helloasso_date(moment),
            "formSlug": form_slug,
            "formType": form_type,
            "organizationName": "Emmaüs Connect (fictif)",
            "organizationSlug": org,
            "organizationType": "Association1901",
            "organizationIsUnderColucheLaw": False,
            "meta": {"createdAt": helloasso_date(moment - timedelta(seconds=40)), "updatedAt": helloasso_date(updated)},
        },
        "payer": {
            "email": payer["email"],
            "country": "FRA",
            "firstName": payer["firstName"],
            "lastName": payer["lastName"],
        },
        "name": "Bénévole",
        "user": {"firstName": person["firstName"], "lastName": person["lastName"]},
        "priceCategory": "Free",
        "customFields": [
            {"id": 100 + i, "name": name, "type": kind, "answer": answer}
            for i, (name, kind, answer) in enumerate(zip(names, kinds, answers))
        ],
        "options": [],
        "ticketUrl": f"https://www.helloasso.com/associations/{org}/evenements/{form_slug}/billets/{item_id}",
        "qrCode": f"{item_id}:FAKEQR",
        "tierDescription": "",
        "tierId": 1,
        "id": item_id,
        "amount": 0,
        "type": "Registration",
        "initialAmount": 0,
        "state": "Canceled" if canceled else "Processed",
    }
