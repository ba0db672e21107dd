"""A faithful fake of the Google Sheets API v4 and the Drive API v3 calls gspread makes, on a
FakeServer (real socket), for the roster sink and the staff-sheet source.

Every request is checked against the discovery documents in ``shared/specs/`` (``sheets.v4.json``
rev 20250616, ``drive.v3.json`` rev 20251019): the path must be a documented method, each query
parameter one of the method's or the global ones (enums and booleans checked), and the JSON body
must fit the request schema. An unknown field is a 400 like Google's (``Invalid JSON payload
received. Unknown name "x" at 'requests[0]': Cannot find field.``).

What it serves:

- ``spreadsheets.get`` (metadata; grid data is not served), ``spreadsheets.batchUpdate``
  (atomic: a failing request leaves the spreadsheet as it was) with addSheet, deleteSheet,
  updateSheetProperties, updateSpreadsheetProperties, updateCells (``start`` or ``range``; a
  range clears what the rows do not cover), appendDimension, insertDimension, deleteDimension,
  repeatCell, setDataValidation, updateDimensionProperties, addProtectedRange.
- ``values.get`` and ``values.batchGet`` (ROWS/COLUMNS for ``get``; FORMATTED_VALUE in fr_FR,
  UNFORMATTED_VALUE, FORMULA; trailing
  blanks omitted, ``[]`` for a blank middle row, no ``values`` key when empty) and
  ``values.update`` (RAW and USER_ENTERED), enough to seed a staff sheet the way a person would.
- Drive ``files.create`` (spreadsheet mime type only; the caller owns it; in en_US and GMT,
  a service account's defaults), ``files.list`` (``q`` terms ``name``, ``mimeType``, ``trashed``
  and ``modifiedTime`` with its comparison operators, joined by ``and``; ``pageSize``/``pageToken``;
  the ``fields`` selector applied to the answer, as Drive's partial responses),
  ``permissions.create`` / ``list``, ``about.get`` (who the token is).

Access is checked as Google does: the token is the service account ``SERVICE_ACCOUNT``; a
spreadsheet it neither owns nor is shared with answers Sheets' 403 ``PERMISSION_DENIED`` ("The
caller does not have permission") and Drive's 404 ``notFound``; shared as a reader, it can read
but every write is a 403. ``revoke`` and ``delete_spreadsheet`` are a coordinator's hands.
``fail_next`` queues Google's own error answers (e.g. Drive's 403 ``userRateLimitExceeded``).

Formulas are never evaluated: a ``formulaValue`` is stored as sent, so tests can assert none was.
Quotas: 60 reads and 60 writes per minute per user (bearer token), on a sliding 60 s window of
the injected clock (stricter than Google's per-minute refill); over it, HTTP 429 with the
recorded RESOURCE_EXHAUSTED body. 5xx faults come from ``FakeServer.inject``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fakes.http_server import FakeServer, Request, Response

SPECS = Path(os.environ.get("ROLLCALL_SPECS_DIR", Path(__file__).resolve().parent / "specs"))
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
TOKEN = "fake-sheets-token"
#: Who ``TOKEN`` is: what Drive's ``about.get`` answers and whom spreadsheets are shared with.
SERVICE_ACCOUNT = "sync-bot@rollcall-test.iam.gserviceaccount.com"
#: Drive's recorded rate-limit messages, by reason (domain ``usageLimits``).
DRIVE_RATE_LIMITS = {
    "userRateLimitExceeded": "User Rate Limit Exceeded. Rate of requests for user exceed configured project "
    "quota. You may consider re-evaluating expected per-user traffic to the API and "
    "adjust project quota limits accordingly.",
    "rateLimitExceeded": "Rate Limit Exceeded",
}
QUOTA_PER_MINUTE = 60
#: Who owns a spreadsheet a person made, and whose hands ``set_grid`` and ``type_in`` are.
COORDINATOR = "coordination@example.org"


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        status: str = "INVALID_ARGUMENT",
        reason: str = "badRequest",
        domain: str = "global",
    ):
        super().__init__(message)
        self.code, self.message, self.status, self.reason, self.domain = code, message, status, reason, domain


@dataclass
class QueuedError:
    """An error answer Google would give to the next request matching ``path``."""

    path: str
    error: ApiError


class FakeClock:
    """A clock whose ``sleep`` only moves time on: share it between the fake and the client."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)


# ---------------------------------------------------------------- discovery-document checks


@dataclass
class Method:
    api: str  # "sheets" or "drive"
    id: str
    http: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


class Discovery:
    """Method lookup and request validation from the two discovery documents."""

    def __init__(self) -> None:
        self.docs = {
            api: json.loads((SPECS / f"{name}.json").read_text(encoding="utf-8"))
            for api, name in (("sheets", "sheets.v4"), ("drive", "drive.v3"))
        }
        self.methods: list[Method] = []
        for api, doc in self.docs.items():
            prefix = "/" + doc["servicePath"]
            self._collect(api, prefix, doc["resources"])
        # literal paths ("values:batchGet", "files/generateIds") before templated ones
        self.methods.sort(key=lambda m: m.spec.get("flatPath", m.spec["path"]).count("{"))

    def _collect(self, api: str, prefix: str, resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for spec in resource.get("methods", {}).values():
                path = prefix + spec.get("flatPath", spec["path"])
                regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", re.escape(path))
                self.methods.append(Method(api, spec["id"], spec["httpMethod"], re.compile(regex + "$"), spec))
            self._collect(api, prefix, resource.get("resources", {}))

    def find(self, http: str, path: str) -> tuple[Method, dict[str, str]]:
        for method in self.methods:
            match = method.pattern.match(path)
            if match and method.http == http:
                return method, {k: unquote(v) for k, v in match.groupdict().items()}
        raise ApiError(404, f"Method not found: {http} {path}", "NOT_FOUND", "notFound")

    def check_query(self, method: Method, query: dict[str, list[str]]) -> None:
        declared = {**self.docs[method.api]["parameters"], **method.spec.get("parameters", {})}
        for name, values in query.items():
            spec = declared.get(name)
            if spec is None or spec.get("location") == "path":
                raise ApiError(
                    400,
                    f'Invalid JSON payload received. Unknown name "{name}": '
                    "Cannot bind query parameter. Field '" + name + "' could not be found in request message.",
                )
            if len(values) > 1 and not spec.get("repeated"):
                raise ApiError(400, f"Parameter {name} given {len(values)} times")
            for value in values:
                self._check_scalar(spec, value, name, query_string=True)

    def check_body(self, method: Method, body: Any) -> None:
        request = method.spec.get("request")
        if request is None:
            return
        self._check(self.docs[method.api], {"$ref": request["$ref"]}, body, "")

    def _check(self, doc: dict[str, Any], spec: dict[str, Any], value: Any, where: str) -> None:
        if value is None:  # JSON null: the field is not set (proto3 JSON mapping)
            return
        if "$ref" in spec:
            schema = doc["schemas"][spec["$ref"]]
            if not isinstance(value, dict):
                raise ApiError(400, f"Invalid value at '{where or 'body'}': expected an object")
            props = schema.get("properties", {})
            for key, item in value.items():
                if key not in props:
                    raise ApiError(
                        400,
                        f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
                        if where
                        else f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.',
                    )
                self._check(doc, props[key], item, f"{where}.{key}" if where else key)
            return
        kind = spec.get("type")
        if kind == "array":
            if not isinstance(value, list):
                raise ApiError(400, f"Invalid value at '{where}': expected a list")
            for i, item in enumerate(value):
                self._check(doc, spec["items"], item, f"{where}[{i}]")
        elif kind == "object":
            if not isinstance(value, dict):
                raise ApiError(400, f"Invalid value at '{where}': expected an object")
            inner = spec.get("additionalProperties")
            for key, item in value.items():
                if inner is not None:
                    self._check(doc, inner, item, f"{where}[{key}]")
        elif kind not in (None, "any"):
            self._check_scalar(spec, value, where, query_string=False)

    @staticmethod
    def _check_scalar(spec: dict[str, Any], value: Any, where: str, *, query_string: bool) -> None:
        kind, ok = spec.get("type"), True
        if kind == "boolean":
            ok = value.lower() in ("true", "false") if query_string else isinstance(value, bool)
        elif kind == "integer":
            text = value if isinstance(value, str) else None
            ok = (text is not None and re.fullmatch(r"-?\d+", text) is not None) or (
                isinstance(value, int) and not isinstance(value, bool)
            )
        elif kind == "number":
            ok = query_string or (isinstance(value, (int, float)) and not isinstance(value, bool))
        elif kind == "string":
            ok = isinstance(value, str)
        if ok and "enum" in spec:
            ok = value in spec["enum"]
        if not ok:
            raise ApiError(400, f"Invalid value at '{where}' ({kind}), {json.dumps(value)}")


# ---------------------------------------------------------------- the spreadsheet model


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    column_widths: dict[int, int] = field(default_factory=dict)
    frozen_cols: int = 0
    row_heights: dict[int, int] = field(default_factory=dict)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    borders: list[dict[str, Any]] = field(default_factory=list)  # updateBorders requests, as sent

    def properties(self) -> dict[str, Any]:
        grid = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }


@dataclass
class FakeSpreadsheet:
    id: str
    title: str
    sheets: list[FakeSheet]
    locale: str = "fr_FR"
    time_zone: str = "Europe/Paris"
    permissions: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    #: Drive's ``modifiedTime`` (RFC 3339, UTC, milliseconds) and who made that modification:
    #: moved by every write through the API and by a coordinator's hands (``set_grid``,
    #: ``type_in``, or any change a test makes to the model directly, seen by ``content``).
    modified_time: str = ""
    modified_by: str = ""
    content: str = ""  # what it held at ``modified_time``: a test's direct change is seen by its digest

    def digest(self) -> str:
        """Everything a person sees of it (not its sharing): what moves Drive's modifiedTime."""
        state = [(self.title, self.locale, self.time_zone, self.protected)] + [
            (
                s.sheet_id,
                s.title,
                s.index,
                s.rows,
                s.cols,
                s.frozen_rows,
                s.frozen_cols,
                sorted(s.cells.items()),
                sorted(s.column_widths.items()),
                sorted(s.row_heights.items()),
                s.conditional_formats,
                s.borders,
            )
            for s in sorted(self.sheets, key=lambda s: s.sheet_id)
        ]
        return hashlib.sha256(repr(state).encode()).hexdigest()

    def role_of(self, email: str) -> str | None:
        roles = [p["role"] for p in self.permissions if p.get("emailAddress", "").lower() == email.lower()]
        for role in ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"):
            if role in roles:
                return role
        return None

    def sheet(self, title: str) -> FakeSheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise KeyError(title)

    def by_id(self, sheet_id: Any) -> FakeSheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise ApiError(400, f"Invalid requests: No grid with id: {sheet_id}")

    def metadata(self, base: str) -> dict[str, Any]:
        return {
            "spreadsheetId": self.id,
            "properties": {
                "title": self.title,
                "locale": self.locale,
                "timeZone": self.time_zone,
                "autoRecalc": "ON_CHANGE",
                "defaultFormat": {},
            },
            "sheets": [{"properties": s.properties()} for s in sorted(self.sheets, key=lambda s: s.index)],
            "spreadsheetUrl": f"{base}/spreadsheets/d/{self.id}/edit",
        }


def typed(value: Any) -> dict[str, Any]:
    """A Python value as a RAW ExtendedValue."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def user_entered(value: Any, number_format: dict[str, Any] | None = None) -> dict[str, Any]:
    """What Sheets makes of a value typed with USER_ENTERED (fr_FR): formulas, numbers, dates
    ("08/10" is the 8th of October this year, a serial number); in a cell formatted as plain
    text (``TEXT``), exactly what was typed."""
    if not isinstance(value, str):
        return typed(value)
    if (number_format or {}).get("type") == "TEXT":
        return {"stringValue": value}
    day = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?", value.strip())
    if day:
        from datetime import date

        try:
            moment = date(int(day[3] or date.today().year), int(day[2]), int(day[1]))
        except ValueError:
            return {"stringValue": value}
        return {"numberValue": float((moment - date(1899, 12, 30)).days)}
    if value.startswith("="):
        return {"formulaValue": value}
    if re.fullmatch(r"-?\d+([.,]\d+)?", value.strip()):
        return {"numberValue": float(value.strip().replace(",", "."))}
    if value.upper() in ("TRUE", "FALSE", "VRAI", "FAUX"):
        return {"boolValue": value.upper() in ("TRUE", "VRAI")}
    return {"stringValue": value}


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _quoted(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z0-9_]+", title) else "'" + title.replace("'", "''") + "'"


# ---------------------------------------------------------------- the fake service


class FakeGoogleSheets:
    """Sheets v4 + Drive v3 on a FakeServer; ``with FakeGoogleSheets() as fake: fake.url``."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        quota_per_minute: int = QUOTA_PER_MINUTE,
        server: FakeServer | None = None,
    ) -> None:
        self.server = server or FakeServer()
        self.clock = clock
        self.quota_per_minute = quota_per_minute
        self.discovery = Discovery()
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.calls: list[tuple[str, str, str]] = []  # (kind: read|write|drive, method id, file id)
        self.throttled: list[tuple[str, str]] = []  # (kind, method id) answered 429
        self.notifications: list[str] = []  # e-mails Drive would have sent
        self.queued: list[QueuedError] = []
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._ids = itertools.count(1)
        self._last_modified = datetime(2000, 1, 1, tzinfo=UTC)
        self._lock = threading.RLock()
        for verb in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            self.server.route(verb, r"/.*", self._handle)

    def __enter__(self) -> FakeGoogleSheets:
        self.server.__enter__()
        # FakeServer sends headers and body in two writes; with Nagle on, the client's delayed
        # ACK adds 40 ms to every request. Accepted sockets inherit the option on Linux.
        httpd = getattr(self.server, "_httpd", None)
        if httpd is not None:
            httpd.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    # ---- test helpers: the coordinator's hands and the test's eyes

    def create_spreadsheet(
        self, title: str, tabs: tuple[str, ...] = ("Feuille 1",), owner: str = COORDINATOR
    ) -> FakeSpreadsheet:
        """A spreadsheet a person made (``owner``) and shared with the service account as
        Editor; ``owner=SERVICE_ACCOUNT``: one the account created itself."""
        with self._lock:
            key = f"sheet{next(self._ids):04d}{'x' * 20}"
            book = FakeSpreadsheet(key, title, [FakeSheet(i, t, i) for i, t in enumerate(tabs)])
            book.permissions.append(self._permission(book, "owner", owner))
            if owner != SERVICE_ACCOUNT:
                book.permissions.append(self._permission(book, "writer", SERVICE_ACCOUNT))
            self.spreadsheets[key] = book
            self._touch(book, owner)
            return book

    def _touch(self, book: FakeSpreadsheet, by: str) -> None:
        """Drive's ``modifiedTime`` moves on: now (UTC, to the millisecond, as Drive writes it),
        always later than the fake's last one, so two edits in one millisecond still differ."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last_modified = max(now, self._last_modified + timedelta(milliseconds=1))
        book.modified_time = (
            self._last_modified.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self._last_modified.microsecond // 1000:03d}Z"
        )
        book.modified_by, book.content = by, book.digest()

    def _settle(self) -> None:
        """A spreadsheet a test changed by hand (its cells, tabs, sizes) without a helper was
        modified by a coordinator: its modifiedTime moves, as Drive's would have."""
        for book in self.spreadsheets.values():
            if book.digest() != book.content:
                self._touch(book, COORDINATOR)

    def revoke(self, key: str, email: str = SERVICE_ACCOUNT) -> None:
        """A coordinator removes someone's access (by default, the service account's)."""
        with self._lock:
            book = self.spreadsheets[key]
            book.permissions = [p for p in book.permissions if p.get("emailAddress", "").lower() != email.lower()]

    def set_role(self, key: str, role: str, email: str = SERVICE_ACCOUNT) -> None:
        """A coordinator changes someone's access, e.g. the service account to ``reader``."""
        self.revoke(key, email)
        with self._lock:
            book = self.spreadsheets[key]
            book.permissions.append(self._permission(book, role, email))

    def delete_spreadsheet(self, key: str) -> None:
        """Deleted for good (trash emptied): every call about it is a 404."""
        with self._lock:
            del self.spreadsheets[key]

    def fail_next(self, path: str, code: int, reason: str, *, times: int = 1, message: str | None = None) -> None:
        """The next ``times`` requests whose path matches ``path`` get Google's error answer:
        Drive's format for Drive paths (403 + ``userRateLimitExceeded`` is its rate limit)."""
        domain = "usageLimits" if reason in DRIVE_RATE_LIMITS else "global"
        text = message or DRIVE_RATE_LIMITS.get(reason, reason)
        status = {
            400: "INVALID_ARGUMENT",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
        }.get(code, "UNKNOWN")
        with self._lock:
            self.queued.extend(QueuedError(path, ApiError(code, text, status, reason, domain)) for _ in range(times))

    @staticmethod
    def _permission(book: FakeSpreadsheet, role: str, email: str) -> dict[str, Any]:
        return {
            "kind": "drive#permission",
            "id": f"perm{len(book.permissions) + 1}",
            "type": "user",
            "role": role,
            "emailAddress": email,
        }

    def set_grid(self, key: str, tab: str, grid: list[list[Any]], by: str = COORDINATOR) -> None:
        """Replace a tab's values as a person would type them (RAW typing, "" = empty)."""
        with self._lock:
            sheet = self.spreadsheets[key].sheet(tab)
            sheet.cells = {k: {n: v for n, v in c.items() if n != "userEnteredValue"} for k, c in sheet.cells.items()}
            for r, row in enumerate(grid):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        sheet.cells.setdefault((r, c), {})["userEnteredValue"] = typed(value)
            sheet.rows, sheet.cols = max(sheet.rows, len(grid)), max(sheet.cols, max(map(len, grid), default=0))
            self._touch(self.spreadsheets[key], by)

    def type_in(self, key: str, tab: str, row: int, col: int, text: str, by: str = COORDINATOR) -> None:
        """A coordinator types ``text`` in one cell (0-based): as Sheets takes typing, in fr_FR,
        the cell's number format honoured ("08/10" is a date, unless the cell is plain text)."""
        with self._lock:
            sheet = self.spreadsheets[key].sheet(tab)
            cell = sheet.cells.setdefault((row, col), {})
            cell["userEnteredValue"] = user_entered(text, cell.get("userEnteredFormat", {}).get("numberFormat"))
            self._touch(self.spreadsheets[key], by)

    def grid(self, key: str, tab: str, render: str = "UNFORMATTED_VALUE") -> list[list[Any]]:
        """A tab's values as values.get would return them."""
        with self._lock:
            book = self.spreadsheets[key]
            return self._values(book, book.sheet(tab), render)

    def cell(self, key: str, tab: str, row: int, col: int) -> dict[str, Any]:
        return self.spreadsheets[key].sheet(tab).cells.get((row, col), {})

    def formula_cells(self) -> list[tuple[str, str, int, int]]:
        return [
            (b.id, s.title, r, c)
            for b in self.spreadsheets.values()
            for s in b.sheets
            for (r, c), cell in s.cells.items()
            if "formulaValue" in cell.get("userEnteredValue", {})
        ]

    def count(self, kind: str | None = None, key: str | None = None, method: str | None = None) -> int:
        return sum(
            1
            for k, m, f in self.calls
            if (kind is None or k == kind) and (key is None or f == key) and (method is None or m == method)
        )

    # ---- HTTP

    def _handle(self, request: Request) -> Response:
        api = "drive" if request.path.startswith("/drive/") else "sheets"
        try:
            method, params = self.discovery.find(request.method, request.path)
            api = method.api
            self._authorise(request)
            self.discovery.check_query(method, request.query)
            body = json.loads(request.body) if request.body else None
            if request.body:
                self.discovery.check_body(method, body)
            with self._lock:
                self._queued(request.path)
                self._charge(method, params)
                self._check_access(method, params)
                handler = getattr(self, "_" + method.id.replace(".", "_"), None)
                if handler is None:
                    raise ApiError(501, f"{method.id} is not implemented by the fake", "UNIMPLEMENTED")
                return Response(200, handler(request, params, body))
        except ApiError as exc:
            return self._error(api, exc)
        except json.JSONDecodeError:
            return self._error(api, ApiError(400, "Invalid JSON payload received."))

    def _authorise(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            raise ApiError(
                401, "Request is missing required authentication credential.", "UNAUTHENTICATED", "authError"
            )

    def _queued(self, path: str) -> None:
        for i, queued in enumerate(self.queued):
            if re.search(queued.path, path):
                raise self.queued.pop(i).error

    def _check_access(self, method: Method, params: dict[str, str]) -> None:
        """Sheets: 403 without access (or writing as a reader), 404 for no such spreadsheet.
        Drive: 404 for a file the caller cannot see, 403 for a change a reader cannot make."""
        key = params.get("spreadsheetId") or params.get("fileId")
        if key is None:
            return
        book = self.spreadsheets.get(key)
        role = book.role_of(SERVICE_ACCOUNT) if book is not None else None
        if book is None or (role is None and method.api == "drive"):
            return  # the handler answers the documented 404
        writes = method.http != "GET"
        if role is None or (writes and role in ("reader", "commenter")):
            if method.api == "drive":
                raise ApiError(
                    403,
                    "The user does not have sufficient permissions for this file.",
                    "PERMISSION_DENIED",
                    "insufficientFilePermissions",
                )
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED", "forbidden")

    def _charge(self, method: Method, params: dict[str, str]) -> None:
        key = params.get("spreadsheetId") or params.get("fileId") or ""
        if method.api == "drive":
            self.calls.append(("drive", method.id, key))
            return
        kind = "read" if method.http == "GET" else "write"
        now = self.clock()
        window = self._windows.setdefault((TOKEN, kind), deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.quota_per_minute:
            self.throttled.append((kind, method.id))
            raise _quota_error(kind, self.quota_per_minute)
        window.append(now)
        self.calls.append((kind, method.id, key))

    @staticmethod
    def _error(api: str, exc: ApiError) -> Response:
        if exc.code == 429 and hasattr(exc, "body"):
            return Response(429, exc.body)
        if api == "drive":
            error = {
                "errors": [{"domain": exc.domain, "reason": exc.reason, "message": exc.message}],
                "code": exc.code,
                "message": exc.message,
            }
        else:
            error = {"code": exc.code, "message": exc.message, "status": exc.status}
        return Response(exc.code, {"error": error})

    def _book(self, key: str) -> FakeSpreadsheet:
        book = self.spreadsheets.get(key)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
        return book

    # ---- Sheets methods

    def _sheets_spreadsheets_get(self, request: Request, params: dict[str, str], body: Any) -> Any:
        return self._book(params["spreadsheetId"]).metadata(self.url)

    def _sheets_spreadsheets_values_get(self, request: Request, params: dict[str, str], body: Any) -> Any:
        book = self._book(params["spreadsheetId"])
        sheet, bounds, whole = self._parse_range(book, params["range"])
        render = request.arg("valueRenderOption", "FORMATTED_VALUE")
        values = self._values(book, sheet, render, bounds)
        if request.arg("majorDimension") == "COLUMNS":
            width = max(map(len, values), default=0)
            values = [[row[c] if c < len(row) else "" for row in values] for c in range(width)]
            values = [_trim_row(col) for col in values]
        r0, c0, r1, c1 = bounds
        answer: dict[str, Any] = {
            "range": f"{_quoted(sheet.title)}!{_column_letters(c0)}{r0 + 1}:{_column_letters(c1 - 1)}{r1}",
            "majorDimension": request.arg("majorDimension", "ROWS"),
        }
        if values:
            answer["values"] = values
        return answer

    def _sheets_spreadsheets_values_batchGet(self, request: Request, params: dict[str, str], body: Any) -> Any:
        book = self._book(params["spreadsheetId"])
        ranges = request.query.get("ranges", [])
        if not ranges:
            raise ApiError(400, "At least one range must be specified.")
        answers = []
        for text in ranges:
            sheet, bounds, _ = self._parse_range(book, text)
            values = self._values(book, sheet, request.arg("valueRenderOption", "FORMATTED_VALUE"), bounds)
            r0, c0, r1, c1 = bounds
            answer: dict[str, Any] = {
                "range": f"{_quoted(sheet.title)}!{_column_letters(c0)}{r0 + 1}:{_column_letters(c1 - 1)}{r1}",
                "majorDimension": "ROWS",
            }
            if values:
                answer["values"] = values
            answers.append(answer)
        return {"spreadsheetId": book.id, "valueRanges": answers}

    def _sheets_spreadsheets_values_update(self, request: Request, params: dict[str, str], body: Any) -> Any:
        book = self._book(params["spreadsheetId"])
        option = request.arg("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "'valueInputOption' is required but not specified")
        sheet, (r0, c0, _, _), _ = self._parse_range(book, params["range"])
        rows = (body or {}).get("values", [])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                self._in_grid(sheet, r0 + r, c0 + c)
                cell = sheet.cells.setdefault((r0 + r, c0 + c), {})
                if value == "":
                    cell.pop("userEnteredValue", None)
                elif option == "RAW":
                    cell["userEnteredValue"] = typed(value)
                else:
                    number_format = cell.get("userEnteredFormat", {}).get("numberFormat")
                    cell["userEnteredValue"] = user_entered(value, number_format)
        width = max(map(len, rows), default=0)
        self._touch(book, SERVICE_ACCOUNT)
        return {
            "spreadsheetId": book.id,
            "updatedRange": params["range"],
            "updatedRows": len(rows),
            "updatedColumns": width,
            "updatedCells": sum(map(len, rows)),
        }

    def _sheets_spreadsheets_batchUpdate(self, request: Request, params: dict[str, str], body: Any) -> Any:
        key = params["spreadsheetId"]
        book = copy.deepcopy(self._book(key))  # all or nothing: work on a copy
        replies = []
        for i, item in enumerate((body or {}).get("requests", [])):
            if len(item) != 1:
                raise ApiError(400, f"Invalid requests[{i}]: exactly one kind of request must be set")
            ((kind, payload),) = item.items()
            apply = getattr(self, "_req_" + kind, None)
            if apply is None:
                raise ApiError(501, f"requests[{i}].{kind} is not implemented by the fake", "UNIMPLEMENTED")
            try:
                replies.append(apply(book, payload) or {})
            except ApiError as exc:
                raise ApiError(exc.code, f"Invalid requests[{i}].{kind}: {exc.message}", exc.status) from None
        if replies:
            self._touch(book, SERVICE_ACCOUNT)
        self.spreadsheets[key] = book
        return {"spreadsheetId": key, "replies": replies}

    # ---- batchUpdate requests

    def _req_addSheet(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> dict[str, Any]:
        props = payload.get("properties", {})
        title = props.get("title") or f"Feuille {len(book.sheets) + 1}"
        if any(s.title == title for s in book.sheets):
            raise ApiError(400, f'A sheet with the name "{title}" already exists. Please enter another name.')
        sheet_id = props.get("sheetId", max((s.sheet_id for s in book.sheets), default=0) + 1)
        if any(s.sheet_id == sheet_id for s in book.sheets):
            raise ApiError(400, f"A sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties", {})
        index = props.get("index", len(book.sheets))
        for s in book.sheets:
            if s.index >= index:
                s.index += 1
        sheet = FakeSheet(
            sheet_id,
            title,
            index,
            grid.get("rowCount", 1000),
            grid.get("columnCount", 26),
            grid.get("frozenRowCount", 0),
        )
        book.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _req_deleteSheet(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        sheet = book.by_id(payload.get("sheetId"))
        if len(book.sheets) == 1:
            raise ApiError(400, "You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)

    def _req_updateSheetProperties(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        props = payload.get("properties", {})
        sheet = book.by_id(props.get("sheetId"))
        for path in _fields(payload):
            if path == "title":
                sheet.title = props["title"]
            elif path == "gridProperties.frozenRowCount":
                sheet.frozen_rows = props.get("gridProperties", {}).get("frozenRowCount", 0)
            elif path == "gridProperties.frozenColumnCount":
                sheet.frozen_cols = props.get("gridProperties", {}).get("frozenColumnCount", 0)
            elif path == "index":
                sheet.index = props["index"]
            else:
                raise ApiError(501, f"field {path} not implemented by the fake", "UNIMPLEMENTED")

    def _req_updateSpreadsheetProperties(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        props = payload.get("properties", {})
        book.title = props.get("title", book.title)
        book.locale = props.get("locale", book.locale)
        book.time_zone = props.get("timeZone", book.time_zone)

    def _req_updateCells(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        fields = _cell_fields(payload)
        rows = payload.get("rows", [])
        if "start" in payload:
            start = payload["start"]
            sheet, r0, c0 = book.by_id(start.get("sheetId")), start.get("rowIndex", 0), start.get("columnIndex", 0)
            covered = None
        elif "range" in payload:
            grid_range = payload["range"]
            sheet = book.by_id(grid_range.get("sheetId"))
            r0, c0, r1, c1 = _grid_bounds(sheet, grid_range)
            covered = (r0, c0, r1, c1)
        else:
            raise ApiError(400, "Either 'start' or 'range' must be set")
        written = set()
        for r, row in enumerate(rows):
            for c, cell in enumerate(row.get("values", [])):
                self._in_grid(sheet, r0 + r, c0 + c)
                _apply_cell(sheet, (r0 + r, c0 + c), cell, fields)
                written.add((r0 + r, c0 + c))
        if covered is not None:
            for position in [p for p in sheet.cells if _inside(p, covered) and p not in written]:
                _apply_cell(sheet, position, {}, fields)

    def _req_repeatCell(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        sheet = book.by_id(payload.get("range", {}).get("sheetId"))
        r0, c0, r1, c1 = _grid_bounds(sheet, payload.get("range", {}))
        for r in range(r0, r1):
            for c in range(c0, c1):
                _apply_cell(sheet, (r, c), payload.get("cell", {}), _cell_fields(payload))

    def _req_setDataValidation(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        sheet = book.by_id(payload.get("range", {}).get("sheetId"))
        r0, c0, r1, c1 = _grid_bounds(sheet, payload.get("range", {}))
        rule = payload.get("rule")
        for r in range(r0, r1):
            for c in range(c0, c1):
                _apply_cell(sheet, (r, c), {"dataValidation": rule} if rule else {}, ["dataValidation"])

    def _req_appendDimension(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        sheet = book.by_id(payload.get("sheetId"))
        if payload.get("length", 0) < 1:
            raise ApiError(400, "length must be at least 1")
        if payload.get("dimension") == "ROWS":
            sheet.rows += payload["length"]
        elif payload.get("dimension") == "COLUMNS":
            sheet.cols += payload["length"]
        else:
            raise ApiError(400, "dimension must be ROWS or COLUMNS")

    def _req_insertDimension(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        dim = payload.get("range", {})
        sheet = book.by_id(dim.get("sheetId"))
        start, end = dim.get("startIndex", 0), dim.get("endIndex", 0)
        axis = 0 if dim.get("dimension") == "ROWS" else 1
        sheet.cells = {_shift(p, axis, start, end - start): c for p, c in sheet.cells.items()}
        if axis == 0:
            sheet.rows += end - start
        else:
            sheet.cols += end - start

    def _req_deleteDimension(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        dim = payload.get("range", {})
        sheet = book.by_id(dim.get("sheetId"))
        axis = 0 if dim.get("dimension") == "ROWS" else 1
        size = sheet.rows if axis == 0 else sheet.cols
        start, end = dim.get("startIndex", 0), dim.get("endIndex", size)
        if not 0 <= start < end <= size:
            raise ApiError(400, f"Invalid dimension range {start}:{end} (size {size})")
        if end - start == size:
            raise ApiError(400, "You can't delete all the rows on the sheet.")
        kept = {p: c for p, c in sheet.cells.items() if not start <= p[axis] < end}
        sheet.cells = {_shift(p, axis, end, start - end): c for p, c in kept.items()}
        if axis == 0:
            sheet.rows -= end - start
        else:
            sheet.cols -= end - start

    def _req_updateDimensionProperties(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        dim = payload.get("range", {})
        sheet = book.by_id(dim.get("sheetId"))
        if dim.get("dimension") == "COLUMNS" and "pixelSize" in payload.get("properties", {}):
            for c in range(dim.get("startIndex", 0), dim.get("endIndex", sheet.cols)):
                sheet.column_widths[c] = payload["properties"]["pixelSize"]
        if dim.get("dimension") == "ROWS" and "pixelSize" in payload.get("properties", {}):
            for r in range(dim.get("startIndex", 0), dim.get("endIndex", sheet.rows)):
                sheet.row_heights[r] = payload["properties"]["pixelSize"]

    def _req_moveDimension(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        """Cells (values, formats, validation) and widths move with their columns or rows, as
        Google moves them; ``destinationIndex`` counts before the source is taken out."""
        dim = payload.get("source", {})
        sheet = book.by_id(dim.get("sheetId"))
        axis = 0 if dim.get("dimension") == "ROWS" else 1
        size = sheet.rows if axis == 0 else sheet.cols
        start, end, to = dim.get("startIndex", 0), dim.get("endIndex", size), payload.get("destinationIndex", 0)
        if not 0 <= start < end <= size or not 0 <= to <= size or start < to < end:
            raise ApiError(400, f"Invalid moveDimension {start}:{end} -> {to} (size {size})")
        order = list(range(size))
        moving = order[start:end]
        rest = order[:start] + order[end:]
        at = to if to <= start else to - (end - start)
        order = rest[:at] + moving + rest[at:]
        new_index = {old: new for new, old in enumerate(order)}

        def moved(p: tuple[int, int]) -> tuple[int, int]:
            return (new_index[p[0]], p[1]) if axis == 0 else (p[0], new_index[p[1]])

        sheet.cells = {moved(p): c for p, c in sheet.cells.items()}
        if axis == 1:
            sheet.column_widths = {new_index[c]: w for c, w in sheet.column_widths.items()}
        else:
            sheet.row_heights = {new_index[r]: h for r, h in sheet.row_heights.items()}

    def _req_addConditionalFormatRule(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        rule = payload.get("rule", {})
        if not rule.get("ranges"):
            raise ApiError(400, "A conditional format rule needs at least one range")
        sheets = {book.by_id(r.get("sheetId")).sheet_id for r in rule["ranges"]}
        if len(sheets) != 1:
            raise ApiError(400, "All ranges of a conditional format rule must be on one sheet")
        sheet = book.by_id(sheets.pop())
        sheet.conditional_formats.insert(payload.get("index", len(sheet.conditional_formats)), copy.deepcopy(rule))

    def _req_updateBorders(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> None:
        sheet = book.by_id(payload.get("range", {}).get("sheetId"))
        _grid_bounds(sheet, payload.get("range", {}))
        sheet.borders.append(copy.deepcopy(payload))

    def _req_addProtectedRange(self, book: FakeSpreadsheet, payload: dict[str, Any]) -> dict[str, Any]:
        protected = dict(payload.get("protectedRange", {}))
        book.by_id(protected.get("range", {}).get("sheetId"))
        protected["protectedRangeId"] = len(book.protected) + 1
        book.protected.append(protected)
        return {"addProtectedRange": {"protectedRange": protected}}

    # ---- Drive methods

    def _drive_files_create(self, request: Request, params: dict[str, str], body: Any) -> Any:
        body = body or {}
        if body.get("mimeType") != SPREADSHEET_MIME:
            raise ApiError(400, "The fake creates Google Sheets only.", reason="badRequest")
        book = self.create_spreadsheet(body.get("name", "Sans titre"), owner=SERVICE_ACCOUNT)
        book.locale, book.time_zone = "en_US", "Etc/GMT"  # a service account's defaults
        self._touch(book, SERVICE_ACCOUNT)
        return {"kind": "drive#file", "id": book.id, "name": book.title, "mimeType": SPREADSHEET_MIME}

    def _drive_files_list(self, request: Request, params: dict[str, str], body: Any) -> Any:
        """The spreadsheets the account can see that match ``q``, a page of ``pageSize``
        (default 100) at a time, projected on ``fields`` as Drive's partial responses are."""
        matches = _drive_query(request.arg("q") or "")
        fields = request.arg("fields")
        if "modifiedTime" in (request.arg("q") or "") or not fields or "modif" in fields.lower():
            self._settle()  # digests every spreadsheet: only when the answer depends on it
        size = int(request.arg("pageSize") or 100)
        start = int(request.arg("pageToken") or "0") if (request.arg("pageToken") or "0").isdigit() else -1
        if start < 0:
            raise ApiError(400, "Invalid Value", reason="invalid")
        files = [
            {
                "kind": "drive#file",
                "id": b.id,
                "name": b.title,
                "mimeType": SPREADSHEET_MIME,
                "modifiedTime": b.modified_time,
                "lastModifyingUser": {
                    "kind": "drive#user",
                    "emailAddress": b.modified_by,
                    "me": b.modified_by == SERVICE_ACCOUNT,
                },
            }
            for b in sorted(self.spreadsheets.values(), key=lambda b: b.id)
            if b.role_of(SERVICE_ACCOUNT) is not None and matches(b)
        ]
        answer: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": files[start : start + size],
        }
        if start + size < len(files):
            answer["nextPageToken"] = str(start + size)
        return _partial(answer, request.arg("fields"))

    def _drive_permissions_create(self, request: Request, params: dict[str, str], body: Any) -> Any:
        book = self._drive_file(params["fileId"])
        body = body or {}
        if body.get("type") not in ("user", "group", "domain", "anyone") or not body.get("role"):
            raise ApiError(400, "The permission type field is required.", reason="required")
        permission = {
            "kind": "drive#permission",
            "id": f"perm{len(book.permissions) + 1}",
            "type": body["type"],
            "role": body["role"],
        }
        if book.role_of(SERVICE_ACCOUNT) not in ("owner", "organizer", "fileOrganizer", "writer"):
            raise ApiError(
                403,
                "The user does not have sufficient permissions for this file.",
                "PERMISSION_DENIED",
                "insufficientFilePermissions",
            )
        if "emailAddress" in body:
            permission["emailAddress"] = body["emailAddress"]
        book.permissions.append(permission)
        if request.arg("sendNotificationEmail", "true").lower() == "true" and "emailAddress" in body:
            self.notifications.append(body["emailAddress"])
        return permission

    def _drive_permissions_list(self, request: Request, params: dict[str, str], body: Any) -> Any:
        return {"kind": "drive#permissionList", "permissions": list(self._drive_file(params["fileId"]).permissions)}

    def _drive_about_get(self, request: Request, params: dict[str, str], body: Any) -> Any:
        if not request.arg("fields"):
            raise ApiError(400, "The 'fields' parameter is required for this method.", reason="required")
        return {
            "kind": "drive#about",
            "user": {"kind": "drive#user", "displayName": "rollcall", "emailAddress": SERVICE_ACCOUNT, "me": True},
        }

    def _drive_file(self, key: str) -> FakeSpreadsheet:
        book = self.spreadsheets.get(key)
        if book is None or book.role_of(SERVICE_ACCOUNT) is None:
            raise ApiError(404, f"File not found: {key}.", "NOT_FOUND", "notFound")
        return book

    # ---- ranges and rendering

    def _parse_range(self, book: FakeSpreadsheet, text: str) -> tuple[FakeSheet, tuple[int, int, int, int], bool]:
        title, _, cells = text.rpartition("!") if "!" in text else (text, "", "")
        sheet = None
        if title.startswith("'") and title.endswith("'") and len(title) > 1:
            title = title[1:-1].replace("''", "'")
        try:
            sheet = book.sheet(title)
        except KeyError:
            if not cells and re.fullmatch(r"[A-Z]+\d*(:[A-Z]+\d*)?", title):
                sheet, cells = sorted(book.sheets, key=lambda s: s.index)[0], title
        if sheet is None:
            raise ApiError(400, f"Unable to parse range: {text}")
        if not cells:
            return sheet, (0, 0, sheet.rows, sheet.cols), True
        match = re.fullmatch(r"([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?", cells)
        if not match:
            raise ApiError(400, f"Unable to parse range: {text}")
        c0, r0, c1, r1 = match.groups()
        bounds = (
            int(r0) - 1 if r0 else 0,
            _column_index(c0) if c0 else 0,
            int(r1) if r1 else (int(r0) if r0 and c1 is None else sheet.rows),
            _column_index(c1) + 1 if c1 else (_column_index(c0) + 1 if c0 and c1 is None else sheet.cols),
        )
        return sheet, bounds, False

    def _values(
        self, book: FakeSpreadsheet, sheet: FakeSheet, render: str, bounds: tuple[int, int, int, int] | None = None
    ) -> list[list[Any]]:
        r0, c0, r1, c1 = bounds or (0, 0, sheet.rows, sheet.cols)
        filled = [
            (r, c)
            for (r, c), cell in sheet.cells.items()
            if "userEnteredValue" in cell and r0 <= r < r1 and c0 <= c < c1
        ]
        if not filled:
            return []
        last_row = max(r for r, _ in filled)
        rows = []
        for r in range(r0, last_row + 1):
            row = [_render(sheet.cells.get((r, c), {}), render) for c in range(c0, c1)]
            rows.append(_trim_row(row))
        return rows

    @staticmethod
    def _in_grid(sheet: FakeSheet, r: int, c: int) -> None:
        if r >= sheet.rows or c >= sheet.cols:
            raise ApiError(
                400,
                f"Range ({_quoted(sheet.title)}!{_column_letters(c)}{r + 1}) exceeds grid "
                f"limits. Max rows: {sheet.rows}, max columns: {sheet.cols}",
            )


_DRIVE_TERM = re.compile(
    r"\s*(name|mimeType|modifiedTime|trashed)\s*(<=|>=|!=|=|<|>)\s*"
    r"('(?:[^'\\]|\\.)*'|true|false)\s*"
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _drive_query(q: str) -> Callable[[FakeSpreadsheet], bool]:
    """Drive's search terms rollcall uses, joined by ``and``: ``name`` and ``mimeType`` with
    ``=``/``!=``, ``trashed = false`` (nothing is in the fake's trash) and ``modifiedTime`` with
    any comparison against an RFC 3339 date-time (UTC when no offset is given). Anything else
    is Drive's 400 "Invalid Value" on ``q``."""
    tests: list[Callable[[FakeSpreadsheet], bool]] = []
    terms, at = [], 0
    while q.strip() and at < len(q):
        match = _DRIVE_TERM.match(q, at)
        if match is None:
            raise ApiError(400, "Invalid Value", reason="invalid")
        terms.append(match.groups())
        at = match.end()
        if at < len(q):
            joined = re.compile(r"and\s+").match(q, at)
            if joined is None:
                raise ApiError(400, "Invalid Value", reason="invalid")
            at = joined.end()
    for name, op, literal in terms:
        compare = _OPERATORS[op]
        if name == "trashed":
            if literal not in ("true", "false") or op not in ("=", "!="):
                raise ApiError(400, "Invalid Value", reason="invalid")
            trashed = literal == "true"
            tests.append(lambda b, c=compare, t=trashed: c(False, t))
            continue
        if not literal.startswith("'"):
            raise ApiError(400, "Invalid Value", reason="invalid")
        text = re.sub(r"\\(.)", r"\1", literal[1:-1])
        if name == "modifiedTime":
            moment = _rfc3339(text)
            tests.append(lambda b, c=compare, m=moment: bool(b.modified_time) and c(_rfc3339(b.modified_time), m))
        elif op not in ("=", "!="):
            raise ApiError(400, "Invalid Value", reason="invalid")
        elif name == "name":
            tests.append(lambda b, c=compare, t=text: c(b.title, t))
        else:
            tests.append(lambda b, c=compare, t=text: c(SPREADSHEET_MIME, t))
    return lambda book: all(test(book) for test in tests)


def _rfc3339(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "Invalid Value", reason="invalid") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _partial(answer: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Drive's partial response: only what the ``fields`` selector names (``a,b(c,d(e))``)."""
    if not fields:
        return answer
    return _select(answer, _selector(fields))


def _selector(text: str) -> dict[str, Any]:
    """``"nextPageToken,files(id,lastModifyingUser(me))"`` as a tree of names."""
    tree: dict[str, Any] = {}
    stack, name = [tree], ""
    for ch in text + ",":
        if ch in ",()":
            if name.strip():
                stack[-1][name.strip()] = {}
            if ch == "(":
                if not name.strip():
                    raise ApiError(400, "Invalid field selection", reason="invalidParameter")
                stack.append(stack[-1][name.strip()])
            elif ch == ")":
                if len(stack) == 1:
                    raise ApiError(400, "Invalid field selection", reason="invalidParameter")
                stack.pop()
            name = ""
        else:
            name += ch
    if len(stack) != 1:
        raise ApiError(400, "Invalid field selection", reason="invalidParameter")
    return tree


def _select(value: Any, tree: dict[str, Any]) -> Any:
    if not tree:
        return value
    if isinstance(value, list):
        return [_select(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: _select(value[k], sub) for k, sub in tree.items() if k in value}


def _quota_error(kind: str, limit: int) -> ApiError:
    metric = "Read requests" if kind == "read" else "Write requests"
    error = ApiError(
        429,
        f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
        "RESOURCE_EXHAUSTED",
    )
    error.body = {
        "error": {  # type: ignore[attr-defined]
            "code": 429,
            "message": error.message,
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "quota_limit_value": str(limit),
                        "service": "sheets.googleapis.com",
                        "consumer": "projects/000000000000",
                        "quota_unit": "1/min/{project}/{user}",
                        "quota_location": "global",
                        "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                        "quota_limit": f"{kind.capitalize()}RequestsPerMinutePerUser",
                    },
                },
                {
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [
                        {
                            "description": "Request a higher quota limit.",
                            "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                        }
                    ],
                },
            ],
        }
    }
    return error


def _fields(payload: dict[str, Any]) -> list[str]:
    mask = payload.get("fields")
    if not mask:
        raise ApiError(400, "At least one field must be specified in 'fields'.")
    return [f.strip() for f in mask.split(",")]


def _cell_fields(payload: dict[str, Any]) -> list[str]:
    fields = _fields(payload)
    return ["userEnteredValue", "userEnteredFormat", "note", "dataValidation"] if fields == ["*"] else fields


def _apply_cell(sheet: FakeSheet, position: tuple[int, int], cell: dict[str, Any], fields: list[str]) -> None:
    """Field-mask semantics: each path is set from ``cell``, or cleared when ``cell`` lacks it."""
    current = sheet.cells.setdefault(position, {})
    for path in fields:
        _apply_path(current, cell, path.split("."))
    if not current:
        del sheet.cells[position]


def _apply_path(target: dict[str, Any], source: dict[str, Any], parts: list[str]) -> None:
    name, rest = parts[0], parts[1:]
    if not rest or not isinstance(source.get(name, {}), dict):
        if name in source:
            target[name] = copy.deepcopy(source[name])
        else:
            target.pop(name, None)
        return
    inner = target.setdefault(name, {})
    _apply_path(inner, source.get(name, {}), rest)
    if not inner:
        del target[name]


def _grid_bounds(sheet: FakeSheet, grid_range: dict[str, Any]) -> tuple[int, int, int, int]:
    bounds = (
        grid_range.get("startRowIndex", 0),
        grid_range.get("startColumnIndex", 0),
        grid_range.get("endRowIndex", sheet.rows),
        grid_range.get("endColumnIndex", sheet.cols),
    )
    if bounds[2] > sheet.rows or bounds[3] > sheet.cols:
        raise ApiError(400, f"Range exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}")
    return bounds


def _inside(position: tuple[int, int], bounds: tuple[int, int, int, int]) -> bool:
    return bounds[0] <= position[0] < bounds[2] and bounds[1] <= position[1] < bounds[3]


def _shift(position: tuple[int, int], axis: int, start: int, by: int) -> tuple[int, int]:
    if position[axis] < start:
        return position
    return (position[0] + by, position[1]) if axis == 0 else (position[0], position[1] + by)


def _trim_row(row: list[Any]) -> list[Any]:
    while row and row[-1] == "":
        row.pop()
    return row


def _render(cell: dict[str, Any], render: str) -> Any:
    value = cell.get("userEnteredValue")
    if not value:
        return ""
    if "formulaValue" in value:
        return value["formulaValue"]  # never evaluated
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        flag = value["boolValue"]
        return flag if render != "FORMATTED_VALUE" else ("VRAI" if flag else "FAUX")
    number = value.get("numberValue", 0)
    if render != "FORMATTED_VALUE":
        return int(number) if float(number).is_integer() else number
    return _formatted_number(number, cell.get("userEnteredFormat", {}).get("numberFormat", {}))


def _formatted_number(number: float, number_format: dict[str, Any]) -> str:
    """fr_FR display: a serial date as 01/10/2022, a number without its leading zero."""
    if number_format.get("type") in ("DATE", "DATE_TIME"):
        from datetime import datetime, timedelta

        moment = datetime(1899, 12, 30) + timedelta(seconds=round(number * 86400))
        pattern = number_format.get("pattern", "dd/mm/yyyy")
        return moment.strftime("%d/%m/%Y %H:%M" if "hh" in pattern else "%d/%m/%Y")
    if float(number).is_integer():
        return str(int(number))
    return str(number).replace(".", ",")
