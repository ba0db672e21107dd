"""A local Typeform API serving fictional sign-ups, faithful to what Typeform documents.

Routes (Typeform "Retrieve responses" reference, Typeform/js-api-client types):

- ``GET /forms/{id}`` -> the form definition ``{id, title, fields[{id, ref, title, type,
  properties}], hidden[], _links}``; a group's questions sit in ``properties.fields``.
- ``GET /forms/{id}/responses?page_size=&since=&until=&before=&after=&response_type=&sort=``
  -> ``{total_items, page_count, items[]}``, newest first. ``page_size`` defaults to 25 and is
  refused above 1000; ``since``/``until`` are inclusive and must be epoch seconds or ISO 8601
  UTC to the second without offset (``2020-03-20T14:00:59``); ``before``/``after`` take a
  response token, are exclusive and cannot be combined with ``sort``; ``response_type``
  defaults to ``completed`` and picks the timestamp ``since`` filters on. ``total_items`` and
  ``page_count`` count what is left from the cursor on, as tap-typeform's loop assumes.
- Errors have Typeform's body ``{code, description}``: 401 ``AUTHENTICATION_FAILED`` for a
  wrong Bearer token, 404 ``FORM_NOT_FOUND``, 400 ``VALIDATION_ERROR``. The exact wording of
  the descriptions is not documented.

Usage::

    with FakeServer() as server:
        fake = serve_typeform(server, generate_responses(2500, seed=7))
        connector = TypeformForm(session, source="typeform", form_id=FORM_ID, token=TOKEN,
                                 base_url=server.url)
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.http_server import FakeServer, Request, Response

FORM_ID = "Xk29PqLm"
TOKEN = "tfp_fake_4mQ8s1ZrT6yV2bN0"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 25
NOT_SUBMITTED = "0001-01-01T00:00:00Z"

F_FIRST_NAME, F_LAST_NAME, F_EMAIL, F_PHONE = "dK3fG7hJ", "pL9oI8uY", "Qw2Er4Ty", "zX5cV6bN"
F_SITE, F_SLOTS, F_POSTCODE, F_CONSENT, F_BIRTH_DATE, F_AGE = (
    "mN1bV2cX",
    "aS3dF4gH",
    "jK5lZ6xC",
    "vB7nM8qW",
    "eR9tY0uI",
    "oP1aS2dF",
)
F_DETAILS = "gH3jK4lZ"  # a group holding the postcode question

SITES = ("Paris", "Lyon", "Marseille", "Lille", "Saint-Denis", "Bordeaux")
SLOTS = ("Matin (9h-13h)", "Après-midi (13h-18h)")


def _choices(labels: Iterable[str]) -> list[dict[str, str]]:
    return [{"id": f"c{n:07d}", "ref": f"choice-{n}", "label": label} for n, label in enumerate(labels)]


FIELDS: list[dict[str, Any]] = [
    {"id": F_FIRST_NAME, "ref": "first_name", "title": "Prénom", "type": "short_text", "properties": {}},
    {"id": F_LAST_NAME, "ref": "last_name", "title": "Nom", "type": "short_text", "properties": {}},
    {"id": F_EMAIL, "ref": "email", "title": "Adresse e-mail", "type": "email", "properties": {}},
    {"id": F_PHONE, "ref": "phone", "title": "Téléphone", "type": "phone_number", "properties": {}},
    {
        "id": F_SITE,
        "ref": "site",
        "title": "Sur quel site voulez-vous aider ?",
        "type": "multiple_choice",
        "properties": {"allow_multiple_selection": False, "allow_other_choice": True, "choices": _choices(SITES)},
    },
    {
        "id": F_SLOTS,
        "title": "Quels créneaux ?",
        "type": "multiple_choice",
        "properties": {"allow_multiple_selection": True, "choices": _choices(SLOTS)},
    },
    {
        "id": F_DETAILS,
        "ref": "details",
        "title": "Où habitez-vous ?",
        "type": "group",
        "properties": {
            "fields": [
                {"id": F_POSTCODE, "ref": "postcode", "title": "Code postal", "type": "short_text", "properties": {}},
            ]
        },
    },
    {"id": F_AGE, "ref": "age", "title": "Âge", "type": "number", "properties": {}},
    {"id": F_BIRTH_DATE, "ref": "birth_date", "title": "Date de naissance", "type": "date", "properties": {}},
    {
        "id": F_CONSENT,
        "ref": "consent",
        "title": "J'accepte que mes données servent à organiser la journée",
        "type": "legal",
        "properties": {},
    },
]
HIDDEN = ["utm_source", "site_code"]

FIRST_NAMES = (
    "Hélène",
    "Zoé",
    "François",
    "Anaïs",
    "Jérôme",
    "Maëlle",
    "Karim",
    "Fatou",
    "Lucas",
    "Inès",
    "Thibault",
    "Mei",
    "Yanis",
    "Océane",
    "Moussa",
    "Chloé",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "N'Diaye",
    "Le Goff",
    "Nguyen",
    "Lefèvre",
    "Haddad",
    "Morel",
    "Da Silva",
    "Rousseau",
    "Benali",
    "Faure",
    "Lambert",
    "Diallo",
    "Girard",
)
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def form_definition(form_id: str = FORM_ID, base_url: str = "https://api.typeform.com") -> dict[str, Any]:
    """The form as ``GET /forms/{id}`` describes it."""
    return {
        "id": form_id, "title": "Journée engagée : inscription bénévole", "type": "form",
        "fields": FIELDS, "hidden": HIDDEN,
        "_links": {"display": f"https://example.typeform.com/to/{form_id}",
                   "responses": f"{base_url}/forms/{form_id}/responses"},
    }  # fmt: skip


def generate_responses(
    count: int, *, seed: int = 0, start: datetime = datetime(2024, 9, 2, 7, tzinfo=UTC), unfinished: int = 0
) -> list[dict[str, Any]]:
    """``count`` fictional completed responses, oldest first, seconds to minutes apart, plus
    ``unfinished`` landings that were never submitted (no answers, ``submitted_at`` at year
    1, as in Typeform's docs); the same seed gives the same responses."""
    rng = random.Random(seed)
    used: set[str] = set()
    never_submitted = set(rng.sample(range(count + unfinished), unfinished))
    responses = []
    moment = start
    for number in range(count + unfinished):
        moment += timedelta(seconds=rng.randint(1, 240))
        response = _response(rng, number, moment, used)
        if number in never_submitted:
            response.update(submitted_at=NOT_SUBMITTED, answers=None, hidden={}, calculated={"score": 0})
        responses.append(response)
    return responses


def _response(rng: random.Random, number: int, submitted: datetime, used: set[str]) -> dict[str, Any]:
    token = _unique_token(rng, used)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    answers = [
        _answer(F_FIRST_NAME, "short_text", "text", first, "first_name"),
        _answer(F_LAST_NAME, "short_text", "text", last, "last_name"),
        _answer(F_EMAIL, "email", "email", f"{_ascii(first)}.{_ascii(last)}{number}@example.org", "email"),
    ]
    if rng.random() < 0.8:
        answers.append(
            _answer(F_PHONE, "phone_number", "phone_number", f"+336{rng.randint(0, 99_999_999):08d}", "phone")
        )
    site = {"other": "Villeurbanne"} if rng.random() < 0.02 else {"label": rng.choice(SITES)}
    answers += [
        _answer(F_SITE, "multiple_choice", "choice", site, "site"),
        _answer(F_SLOTS, "multiple_choice", "choices", {"labels": rng.sample(SLOTS, rng.randint(1, 2))}),
        _answer(
            F_POSTCODE,
            "short_text",
            "text",
            f"{rng.choice((75, 69, 13, 59, 93, 33))}{rng.randint(0, 999):03d}",
            "postcode",
        ),
        _answer(F_AGE, "number", "number", rng.randint(16, 80), "age"),
        _answer(
            F_BIRTH_DATE,
            "date",
            "date",
            f"{rng.randint(1944, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z",
            "birth_date",
        ),
        _answer(F_CONSENT, "legal", "boolean", True, "consent"),
    ]
    landed = submitted - timedelta(seconds=rng.randint(30, 900))
    return {
        "landing_id": token, "token": token, "response_id": token,
        "landed_at": format_time(landed), "submitted_at": format_time(submitted),
        "metadata": {"user_agent": "Mozilla/5.0", "platform": rng.choice(("mobile", "other")),
                     "referer": f"https://example.typeform.com/to/{FORM_ID}", "network_id": "f3a1b2c4d5",
                     "browser": "default"},
        "hidden": {"utm_source": rng.choice(("newsletter", "instagram", "")), "site_code": ""},
        "calculated": {"score": 0},
        "answers": answers,
    }  # fmt: skip


def _answer(field_id: str, field_type: str, kind: str, value: Any, ref: str | None = None) -> dict[str, Any]:
    field = {"id": field_id, "type": field_type, **({"ref": ref} if ref else {})}
    return {"field": field, "type": kind, kind: value}


def format_time(moment: datetime) -> str:
    """Typeform's timestamp format: ``2024-09-02T07:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unique_token(rng: random.Random, used: set[str]) -> str:
    """A Typeform-looking token: 32 lowercase hex digits."""
    while (candidate := f"{rng.getrandbits(128):032x}") in used:
        pass
    used.add(candidate)
    return candidate


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


class TypeformFake:
    """The state behind the routes: one form's definition and responses.

    ``tamper``, when set, is called as ``tamper(n, body)`` for the n-th responses request
    served (1-based) and returns the body to send instead, to serve a malformed page.
    ``before_page``, when set, is called as ``before_page(n)`` when the n-th responses
    request arrives, before its page is cut: what it changes (``delete``, ``upsert``) happens
    between two page requests of a pull.
    """

    def __init__(
        self, responses: Iterable[dict[str, Any]], *, form_id: str, token: str, definition: dict[str, Any]
    ) -> None:
        self.form_id = form_id
        self.token = token
        self.definition = definition
        self.responses = list(responses)
        self.tamper: Callable[[int, dict[str, Any]], Any] | None = None
        self.before_page: Callable[[int], None] | None = None
        self.served = 0
        self.requested = 0
        self._index: dict[str, tuple[list[dict[str, Any]], list[float]]] = {}

    def upsert(self, response: dict[str, Any]) -> None:
        """Add a response, or replace the one with the same token."""
        self.responses = [r for r in self.responses if r["token"] != response["token"]] + [response]
        self._index = {}

    def delete(self, token: str) -> None:
        """Delete a response, as the form's owner can in Typeform's results panel (or through
        ``DELETE /forms/{id}/responses?included_response_ids=``): later listings no longer
        hold it. A ``before``/``after`` cursor naming it is then refused like any unknown
        token (what Typeform does then is not documented)."""
        kept = [r for r in self.responses if r["token"] != token]
        if len(kept) == len(self.responses):
            raise KeyError(token)
        self.responses = kept
        self._index = {}

    def handle_form(self, request: Request) -> Response:
        return self._refuse(request) or Response(200, self.definition)

    def handle_responses(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        try:
            page_size = int(request.arg("page_size", str(DEFAULT_PAGE_SIZE)))
            since, until = _bound(request.arg("since")), _bound(request.arg("until"))
        except ValueError as exc:
            return _error(400, "VALIDATION_ERROR", str(exc))
        before, after = request.arg("before"), request.arg("after")
        kinds = (request.arg("response_type") or "completed").split(",")
        if not 1 <= page_size <= MAX_PAGE_SIZE or not set(kinds) <= {"started", "partial", "completed"}:
            return _error(400, "VALIDATION_ERROR", "The request is invalid.")
        if (before or after) and request.arg("sort"):
            return _error(400, "VALIDATION_ERROR", "before/after cannot be combined with sort.")
        self.requested += 1
        if self.before_page:
            self.before_page(self.requested)
        matching = self._window(kinds[0], since, until)
        if len(kinds) > 1:  # newest first by each type's own timestamp, ties by token
            merged = {r["token"]: r for kind in kinds for r in self._window(kind, since, until)}
            matching = sorted(
                sorted(merged.values(), key=lambda r: r["token"]),
                reverse=True,
                key=lambda r: r["landed_at"] if r["submitted_at"] == NOT_SUBMITTED else r["submitted_at"],
            )
        for token, keep_older in ((before, True), (after, False)):
            if token:
                position = next((n for n, r in enumerate(matching) if r["token"] == token), None)
                if position is None:
                    return _error(400, "VALIDATION_ERROR", "Invalid response token.")
                matching = matching[position + 1 :] if keep_older else matching[:position]
        body = {
            "total_items": len(matching),
            "page_count": -(-len(matching) // page_size),
            "items": matching[:page_size],
        }
        self.served += 1
        return Response(200, self.tamper(self.served, body) if self.tamper else body)

    def _refuse(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "AUTHENTICATION_FAILED", "Authentication credentials not found on the Request Headers")
        if request.params.get("form_id") != self.form_id:
            return _error(404, "FORM_NOT_FOUND", f"Non existing form with uid {request.params.get('form_id')}")
        return None

    def _window(self, kind: str, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        """Responses of one type whose timestamp for that type is within the inclusive bounds,
        newest first (completed: submitted_at; started and partial: landed_at)."""
        ordered, keys = self._ordered(kind)
        low = bisect.bisect_left(keys, -until.timestamp()) if until else 0
        high = bisect.bisect_right(keys, -since.timestamp()) if since else len(keys)
        return ordered[low:high]

    def _ordered(self, kind: str) -> tuple[list[dict[str, Any]], list[float]]:
        if kind not in self._index:
            submitted = kind == "completed"
            chosen = [
                r for r in self.responses if (r["submitted_at"] != NOT_SUBMITTED) == submitted or kind == "started"
            ]
            stamp = "submitted_at" if submitted else "landed_at"
            timed = sorted(
                ((_parse(r[stamp]).timestamp(), r) for r in chosen), key=lambda pair: (-pair[0], pair[1]["token"])
            )
            self._index[kind] = ([r for _, r in timed], [-t for t, _ in timed])
        return self._index[kind]


def serve_typeform(
    server: FakeServer,
    responses: Iterable[dict[str, Any]],
    *,
    form_id: str = FORM_ID,
    token: str = TOKEN,
    definition: dict[str, Any] | None = None,
) -> TypeformFake:
    """Register Typeform's routes on ``server`` for one form holding ``responses``."""
    fake = TypeformFake(
        responses, form_id=form_id, token=token, definition=definition or form_definition(form_id, server.url)
    )
    server.route("GET", r"/forms/(?P<form_id>[^/]+)/responses", fake.handle_responses)
    server.route("GET", r"/forms/(?P<form_id>[^/]+)", fake.handle_form)
    return fake


def _error(status: int, code: str, description: str) -> Response:
    return Response(status, {"code": code, "description": description})


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _bound(value: str | None) -> datetime | None:
    """``since``/``until``: epoch seconds, or ISO 8601 UTC to the second with no offset."""
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    if not _SECONDS.fullmatch(value):
        raise ValueError("since/until must be epoch seconds or YYYY-MM-DDTHH:MM:SS (UTC, no offset)")
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
