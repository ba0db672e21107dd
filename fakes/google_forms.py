"""A faithful fake of the Google Forms API v1 for one form, on a FakeServer.

What it serves, as documented (``shared/specs/forms.v1.json``, rev 20220908, and the
responses.list reference page):

- ``GET /v1/forms/{formId}`` (forms.get): the ``Form``.
- ``GET /v1/forms/{formId}/responses`` (responses.list): ``filter`` (only ``timestamp > T`` and
  ``timestamp >= T``, T in RFC 3339 UTC "Zulu", compared with ``lastSubmittedTime``),
  ``pageSize`` (unset or 0: 5000), ``pageToken`` (refused with another filter than the one it
  came from). ``formId`` is left out of listed responses; ``nextPageToken`` is absent on the
  last page and ``responses`` is absent when there are none. Responses come in responseId
  order, which is not the submission order: the API documents none.
  Assumptions, since the API documents neither: ``timestamp`` compares with
  ``lastSubmittedTime`` (``timestamp_field="createTime"`` serves the other reading, under
  which an incremental pull never sees an edit), and a page token is an offset into the
  listing, so a response deleted between two page requests shifts the later pages (one
  response may be missing from that listing).
- ``GET /v1/forms/{formId}/responses/{responseId}`` (responses.get).
- Auth: ``Authorization: Bearer <access_token>`` (or the ``access_token`` query parameter),
  else 401 UNAUTHENTICATED. An unknown form: 404 NOT_FOUND. Unknown query parameters and bad
  values: 400 INVALID_ARGUMENT. Errors use Google's v2 format ``{"error": {code, message,
  status}}``.
- ``POST /token``: a service account's ``token_uri``. Checks the RS256-signed JWT bearer
  assertion against the public keys in ``service_accounts`` and answers the access token.

Every response and form served is checked against ``SCHEMAS``, an extract of the discovery
document that the tests compare with the spec file.

``fictional_form()`` and ``fictional_responses(n, seed=...)`` make a reproducible sign-up form
and its responses, for tests and for the benchmark (50,000 serve fine).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.http_server import FakeServer, Request, Response

#: Extract of the discovery document's ``schemas``: property -> type; ``[X]`` = array of X,
#: ``{X}`` = map of X, ``enum:A|B`` = enum, capitalised = another schema. Each must match the spec.
SCHEMAS: dict[str, dict[str, str]] = {
    "ListFormResponsesResponse": {"nextPageToken": "string", "responses": "[FormResponse]"},
    "FormResponse": {
        "answers": "{Answer}",
        "createTime": "string:google-datetime",
        "formId": "string",
        "lastSubmittedTime": "string:google-datetime",
        "respondentEmail": "string",
        "responseId": "string",
        "totalScore": "number:double",
    },
    "Answer": {"fileUploadAnswers": "FileUploadAnswers", "questionId": "string", "textAnswers": "TextAnswers"},
    "TextAnswers": {"answers": "[TextAnswer]"},
    "TextAnswer": {"value": "string"},
    "FileUploadAnswers": {"answers": "[FileUploadAnswer]"},
    "FileUploadAnswer": {"fileId": "string", "fileName": "string", "mimeType": "string"},
    "Form": {
        "formId": "string",
        "info": "Info",
        "items": "[Item]",
        "linkedSheetId": "string",
        "responderUri": "string",
        "revisionId": "string",
    },
    "Info": {"description": "string", "documentTitle": "string", "title": "string"},
    "Item": {
        "description": "string",
        "itemId": "string",
        "pageBreakItem": "PageBreakItem",
        "questionGroupItem": "QuestionGroupItem",
        "questionItem": "QuestionItem",
        "textItem": "TextItem",
        "title": "string",
    },
    "QuestionItem": {"question": "Question"},
    "Question": {
        "choiceQuestion": "ChoiceQuestion",
        "dateQuestion": "DateQuestion",
        "fileUploadQuestion": "FileUploadQuestion",
        "questionId": "string",
        "required": "boolean",
        "rowQuestion": "RowQuestion",
        "textQuestion": "TextQuestion",
        "timeQuestion": "TimeQuestion",
    },
    "ChoiceQuestion": {
        "options": "[Option]",
        "shuffle": "boolean",
        "type": "enum:CHOICE_TYPE_UNSPECIFIED|RADIO|CHECKBOX|DROP_DOWN",
    },
    "Option": {"isOther": "boolean", "value": "string"},
    "TextQuestion": {"paragraph": "boolean"},
    "DateQuestion": {"includeTime": "boolean", "includeYear": "boolean"},
    "TimeQuestion": {"duration": "boolean"},
    "FileUploadQuestion": {
        "folderId": "string",
        "maxFiles": "integer:int32",
        "types": "[enum:FILE_TYPE_UNSPECIFIED|ANY|DOCUMENT|PRESENTATION|SPREADSHEET|DRAWING|PDF|IMAGE|VIDEO|AUDIO]",
    },
    "QuestionGroupItem": {"grid": "Grid", "questions": "[Question]"},
    "Grid": {"columns": "ChoiceQuestion", "shuffleQuestions": "boolean"},
    "RowQuestion": {"title": "string"},
    "PageBreakItem": {},
    "TextItem": {},
}
#: responses.list's own query parameters, then the discovery document's global ones.
LIST_QUERY = frozenset({"filter", "pageSize", "pageToken"})
GLOBAL_QUERY = frozenset(
    {
        "$.xgafv",
        "access_token",
        "alt",
        "callback",
        "fields",
        "key",
        "oauth_token",
        "prettyPrint",
        "quotaUser",
        "uploadType",
        "upload_protocol",
    }
)
FORM_PATH = r"/v1/forms/(?P<form_id>[^/]+)"
TOKEN_PATH = r"/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

_ZULU = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")
_FILTER = re.compile(r"^\s*timestamp\s*(>=|>)\s*(\S+)\s*$")


class SpecViolation(AssertionError):
    """The fake was asked to serve something the spec does not allow: a bug in the test data."""


def check_schema(value: Any, kind: str, where: str = "$") -> None:
    """Raise SpecViolation unless ``value`` fits ``kind`` (a SCHEMAS type string)."""
    if kind.startswith("["):
        if not isinstance(value, list):
            raise SpecViolation(f"{where}: expected an array")
        for i, element in enumerate(value):
            check_schema(element, kind[1:-1], f"{where}[{i}]")
    elif kind.startswith("{"):
        if not isinstance(value, dict):
            raise SpecViolation(f"{where}: expected a map")
        for key, element in value.items():
            check_schema(element, kind[1:-1], f"{where}.{key}")
    elif kind in SCHEMAS:
        if not isinstance(value, dict):
            raise SpecViolation(f"{where}: expected a {kind} object")
        for name, element in value.items():
            if name not in SCHEMAS[kind]:
                raise SpecViolation(f"{where}.{name}: not a property of {kind}")
            check_schema(element, SCHEMAS[kind][name], f"{where}.{name}")
    elif kind.startswith("enum:"):
        if value not in kind[5:].split("|"):
            raise SpecViolation(f"{where}: {value!r} is not one of {kind[5:]}")
    elif not _fits_scalar(value, kind):
        raise SpecViolation(f"{where}: {value!r} is not a {kind}")


def _fits_scalar(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "string:google-datetime":
        return isinstance(value, str) and parse_zulu(value) is not None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer:int32":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number:double":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise SpecViolation(f"unknown type {kind}")


def parse_zulu(text: str) -> datetime | None:
    """An RFC 3339 UTC "Zulu" timestamp (up to nanoseconds, kept to microseconds), else None."""
    match = _ZULU.match(text)
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(match[1]).replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment + timedelta(microseconds=int((match[2] or "0").ljust(9, "0")[:6]))


def google_error(status: int, message: str) -> Response:
    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
    return Response(status, {"error": {"code": status, "message": message, "status": names[status]}})


@dataclass
class GoogleFormsFake:
    """One form and its responses, readable with ``access_token``. ``register(server)`` serves it."""

    form: dict[str, Any] = field(repr=False)
    access_token: str = field(default="ya29.fake-access-token-do-not-log", repr=False)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    service_accounts: dict[str, Any] = field(default_factory=dict)  # client_email -> RSA public key
    assertions: list[dict[str, Any]] = field(default_factory=list)  # claims of each JWT accepted
    corrupt_pages: dict[int, Any] = field(default_factory=dict)  # list request number -> body
    list_requests: int = 0
    #: What ``filter=timestamp ...`` compares with: ``lastSubmittedTime`` or ``createTime``.
    timestamp_field: str = "lastSubmittedTime"
    #: Called as ``before_page(n)`` when the n-th responses.list request arrives, before its
    #: page is cut: what it changes (``delete_response``, ``add_responses``,
    #: ``edit_response``) happens between two page requests of a pull.
    before_page: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_schema(self.form, "Form", "form")

    @property
    def form_id(self) -> str:
        return self.form["formId"]

    def register(self, server: FakeServer) -> GoogleFormsFake:
        server.route("GET", FORM_PATH, self._get_form)
        server.route("GET", FORM_PATH + r"/responses", self._list)
        server.route("GET", FORM_PATH + r"/responses/(?P<response_id>[^/]+)", self._get_response)
        server.route("POST", TOKEN_PATH, self._token)
        return self

    def add_responses(self, responses: Iterable[dict[str, Any]]) -> None:
        for response in responses:
            check_schema(response, "FormResponse", f"response {response.get('responseId')}")
            self.responses[response["responseId"]] = response

    def corrupt_page(self, number: int, body: Any) -> None:
        """Serve ``body`` to the ``number``-th responses.list request that passes the auth and
        query checks, counting from 1 for this fake."""
        self.corrupt_pages[number] = body

    def edit_response(self, response_id: str, answers: dict[str, Any], at: datetime) -> dict[str, Any]:
        """The respondent edits their response: new answers, ``lastSubmittedTime`` moves,
        ``responseId`` and ``createTime`` stay."""
        response = {**self.responses[response_id], "answers": answers, "lastSubmittedTime": zulu_micros(at)}
        self.add_responses([response])
        return response

    def delete_response(self, response_id: str) -> None:
        """The form's owner deletes a response (in the Responses tab): later listings no
        longer hold it (the API has no delete route)."""
        del self.responses[response_id]

    # --- routes --------------------------------------------------------------------------------

    def _refused(self, request: Request, allowed: frozenset[str]) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        bearer_ok = scheme == "Bearer" and token == self.access_token
        if not bearer_ok and request.arg("access_token") != self.access_token:
            return google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        for name in request.query:
            if name not in allowed | GLOBAL_QUERY:
                return google_error(
                    400,
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind '
                    f"query parameter. Field '{name}' could not be found in request message.",
                )
        if request.params["form_id"] != self.form_id:
            return google_error(404, "Requested entity was not found.")
        return None

    def _get_form(self, request: Request) -> Response:
        return self._refused(request, frozenset()) or Response(200, self.form)

    def _get_response(self, request: Request) -> Response:
        refused = self._refused(request, frozenset())
        if refused:
            return refused
        response = self.responses.get(request.params["response_id"])
        if response is None:
            return google_error(404, "Requested entity was not found.")
        return Response(200, {**response, "formId": self.form_id})

    def _list(self, request: Request) -> Response:
        refused = self._refused(request, LIST_QUERY)
        if refused:
            return refused
        filter_text = request.arg("filter") or ""
        keep = _filter(filter_text, self.timestamp_field)
        if keep is None:
            return google_error(400, f"Invalid filter: {filter_text!r}")
        try:
            size = int(request.arg("pageSize") or 0) or 5000
            offset = _read_page_token(request.arg("pageToken"), filter_text)
        except ValueError as exc:
            return google_error(400, str(exc))
        if size < 0:
            return google_error(400, "pageSize must not be negative")
        self.list_requests += 1
        if self.before_page:
            self.before_page(self.list_requests)
        if self.list_requests in self.corrupt_pages:
            return Response(200, self.corrupt_pages.pop(self.list_requests))
        matching = [self.responses[rid] for rid in sorted(self.responses) if keep(self.responses[rid])]
        page = matching[offset : offset + min(size, 5000)]
        body: dict[str, Any] = {}
        if page:
            body["responses"] = page
        if offset + len(page) < len(matching):
            body["nextPageToken"] = _page_token(offset + len(page), filter_text)
        check_schema(body, "ListFormResponsesResponse", "page")
        return Response(200, body)

    def _token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") != JWT_BEARER or "assertion" not in form:
            return Response(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        claims = _verified_claims(form["assertion"], self.service_accounts)
        if claims is None:
            return Response(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        self.assertions.append(claims)
        return Response(200, {"access_token": self.access_token, "expires_in": 3599, "token_type": "Bearer"})


def _filter(text: str, stamp: str = "lastSubmittedTime") -> Any:
    """A predicate on responses for a responses.list filter (comparing ``stamp``); None if the
    API would refuse it."""
    if not text:
        return lambda response: True
    match = _FILTER.match(text)
    since = parse_zulu(match[2]) if match else None
    if since is None:
        return None
    if match[1] == ">":
        return lambda response: parse_zulu(response[stamp]) > since
    return lambda response: parse_zulu(response[stamp]) >= since


def _page_token(offset: int, filter_text: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, filter_text]).encode()).decode()


def _read_page_token(token: str | None, filter_text: str) -> int:
    if not token:
        return 0
    try:
        offset, token_filter = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise ValueError("Invalid page token.") from None
    if token_filter != filter_text:
        raise ValueError("The filter must be the same as in the request that returned the page token.")
    return int(offset)


def _verified_claims(assertion: str, keys: dict[str, Any]) -> dict[str, Any] | None:
    """The JWT's claims if it is RS256-signed by the key of its issuer, else None."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        header, claims, signature = assertion.split(".")
        payload = json.loads(_b64(claims))
        signed = f"{header}.{claims}".encode()
        keys[payload["iss"]].verify(_b64(signature), signed, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, KeyError, InvalidSignature):
        return None
    return payload


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- fictional data --------------------------------------------------------------------------

QUESTIONS = (  # (questionId, title, kind, options)
    ("1a2b3c4d", "Prénom", "text", ()),
    ("2b3c4d5e", "Nom", "text", ()),
    ("3c4d5e6f", "Adresse e-mail", "text", ()),
    ("4d5e6f70", "Téléphone", "text", ()),
    ("5e6f7081", "Site", "RADIO", ("Paris", "Lyon", "Marseille", "Lille", "Bordeaux", "Strasbourg")),
    ("6f708192", "Créneaux", "CHECKBOX", ("Matin", "Après-midi")),
    ("708192a3", "J'accepte d'être recontacté·e", "CHECKBOX", ("Oui",)),
)
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


def fictional_form(
    form_id: str = "1FAIpQLSfictionalSignupForm0000000000000000",
    *,
    questions: tuple[tuple[str, str, str, tuple[str, ...]], ...] = QUESTIONS,
) -> dict[str, Any]:
    """A sign-up ``Form``: a text intro, then the questions (text, RADIO or CHECKBOX)."""
    items: list[dict[str, Any]] = [{"itemId": "0a0a0a0a", "title": "Journées Engagées", "textItem": {}}]
    for question_id, title, kind, options in questions:
        question: dict[str, Any] = {"questionId": question_id, "required": kind == "text"}
        if kind == "text":
            question["textQuestion"] = {}
        else:
            question["choiceQuestion"] = {"type": kind, "options": [{"value": o} for o in options]}
        items.append({"itemId": f"i{question_id}", "title": title, "questionItem": {"question": question}})
    return {
        "formId": form_id,
        "info": {"title": "Inscription bénévoles", "documentTitle": "Inscription bénévoles"},
        "revisionId": "00000042",
        "responderUri": f"https://docs.google.com/forms/d/e/{form_id}/viewform",
        "items": items,
    }


def fictional_responses(
    n: int,
    *,
    seed: int = 0,
    start: datetime = datetime(2024, 9, 2, 8, 0, tzinfo=UTC),
    questions: tuple[tuple[str, str, str, tuple[str, ...]], ...] = QUESTIONS,
) -> list[dict[str, Any]]:
    """``n`` fictional ``FormResponse``s (as listed: no ``formId``), reproducible from ``seed``.

    Submission times rise with the index; ``responseId``s are random, so their order is not
    the submission order. Some respondents skip optional questions (no key in ``answers``).
    """
    rng = random.Random(seed)
    responses, moment = [], start
    for _ in range(n):
        moment += timedelta(seconds=rng.randint(5, 600), microseconds=rng.randint(0, 999_999))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}".lower().replace(" ", "-")
        email = unicodedata.normalize("NFKD", email).encode("ascii", "ignore").decode()
        texts = {
            "Prénom": first,
            "Nom": last,
            "Adresse e-mail": f"{email}{rng.randint(1, 99)}@example.org",
            "Téléphone": f"06 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
        }
        answers = {}
        for question_id, title, kind, options in questions:
            if kind == "text":
                values = [texts.get(title, "")]
            elif kind == "RADIO":
                values = [rng.choice(options)]
            else:
                values = [o for o in options if rng.random() < 0.6]
            if values and (kind == "text" or rng.random() < 0.95):
                text_answers = {"answers": [{"value": v} for v in values]}
                answers[question_id] = {"questionId": question_id, "textAnswers": text_answers}
        response_id = "ACYDBN" + "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=60))
        response = {
            "responseId": response_id,
            "createTime": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "lastSubmittedTime": zulu_micros(moment),
            "answers": answers,
        }
        if rng.random() < 0.5:
            response["respondentEmail"] = texts["Adresse e-mail"]
        responses.append(response)
    return responses


def zulu_micros(moment: datetime) -> str:
    """``lastSubmittedTime``'s format: microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
