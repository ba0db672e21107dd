"""Google Sheets through gspread: coordinators' roster spreadsheets out, staff sheets in.

I/O only; what to write is decided by ``transforms.sheet_roster``, how each tab looks by
``transforms.roster_layout`` (a ``TabLayout`` per tab, passed in). What this module promises:

- **One write per spreadsheet**: tabs, row count, values and formatting go in a single
  ``spreadsheets.batchUpdate``, which Google applies atomically, so a failure never leaves a
  blank or half-written roster; nothing is sent when the content is unchanged.
- **Values are typed, never formulas**: ``stringValue``/``numberValue``/``boolValue`` in
  ``updateCells``; a registrant called ``=IMPORTXML(...)`` stays text, "01000" keeps its zero.
- **Reads are unformatted**: ``UNFORMATTED_VALUE`` + ``SERIAL_NUMBER``, so a fr_FR sheet gives
  serial dates and raw numbers, not ``01/10/2022`` or a phone without its leading 0.
- **Quota**: the service account is one user (60 reads, 60 writes per minute). Spreadsheet
  metadata (tab ids and sizes) is cached (``RosterSheets.layouts``, storable between runs), so a
  site costs one read and at most one write; a shared ``RateLimiter`` paces every request, and
  429, 5xx, Drive's 403 ``userRateLimitExceeded``/``rateLimitExceeded`` and dropped connections
  are retried with truncated exponential backoff, as Google documents.
- **An unchanged spreadsheet is not read**: ``RosterSheets.modified_times`` lists every
  spreadsheet's Drive ``modifiedTime`` in one ``files.list`` (a page per 1,000 files), so the
  flow reads only the ones that moved since its last push.
- **Failures by cause** (``SheetsError.cause``): access removed, spreadsheet deleted, request
  refused, credentials refused, Google unavailable; each message says what to do, in one line.

gspread is used through its own extension point, a ``gspread.http_client.HTTPClient``
subclass: it re-bases Google's URLs onto ``base_url`` (a local fake in tests), paces and retries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import gspread
import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType
from gspread.urls import DRIVE_FILES_API_V3_URL

from rollcall.models.cells import Cell, same_cell
from rollcall.models.errors import CONFIGURATION, DATA, TRANSIENT, ErrorKind, RollcallError
from rollcall.models.roster_tabs import (
    CHANGES_TAB,
    ROSTER_TAB,
    SIGN_IN_TAB,
    SUMMARY_TAB,
    TABS,
    TO_COMPLETE_TAB,
)
from rollcall.models.tab_layout import GreyedRule, TabLayout

log = logging.getLogger(__name__)

#: Tabs added after rosters were in use: a coordinator may have made a tab of that name
#: themselves. One is taken for ours only when its header is ours (``RosterSheets._adopt``);
#: otherwise ours is made beside it ("Émargement (2)"), theirs untouched.
CHECKED_TABS = (SIGN_IN_TAB, TO_COMPLETE_TAB)
#: A character of a 10 pt Arial cell, in pixels, and a cell's margins: column widths.
PIXELS_PER_CHAR, PIXEL_MARGIN = 7, 14
SIGN_IN_ROW_PIXELS = 36
PERCENT_PATTERN = "0 %"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.file")
DATE_PATTERN = "dd/mm/yyyy hh:mm"
READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
_DRIVE_V3 = DRIVE_FILES_API_V3_URL.rsplit("/", 1)[0]
_GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
#: Drive answers its rate limits with a 403 (sometimes a 429) and one of these reasons.
RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})
#: 403 reasons that are about the credentials or the project, not about one spreadsheet.
_ACCOUNT_REASONS = frozenset(
    {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "SERVICE_DISABLED", "accessNotConfigured"}
)

Grid = Sequence[Sequence[Cell]]


class SheetsError(RollcallError):
    """A spreadsheet could not be read or written; the message says which, why and what to do.

    ``cause``: ``permission`` (the account lost access), ``deleted`` (no such spreadsheet),
    ``rejected`` (Google refused the request as such: retrying would not help),
    ``credentials`` (the account's key, scopes or API access), ``unavailable`` (still failing
    after the retries: the next run tries again)."""

    def __init__(self, message: str, cause: str = "rejected", key: str | None = None) -> None:
        super().__init__(message)
        self.cause, self.key = cause, key
        self.kind = _SHEETS_ERROR_KINDS.get(cause, CONFIGURATION)


#: What each cause asks of people (``models.errors``): the next run retries an unavailable
#: Google; a refused request is the sheet's content; the rest is access or credentials.
_SHEETS_ERROR_KINDS: dict[str, ErrorKind] = {"unavailable": TRANSIENT, "rejected": DATA}


def _reasons(exc: APIError) -> set[str]:
    """The machine-readable reasons of a Google error: Drive's ``errors[].reason`` (v1 format),
    Sheets' ``details[].reason`` (v2 format)."""
    error = exc.error if isinstance(exc.error, Mapping) else {}
    found = {e.get("reason") for e in error.get("errors", []) if isinstance(e, Mapping)}
    found |= {d.get("reason") for d in error.get("details", []) if isinstance(d, Mapping)}
    return {r for r in found if r}


def is_transient(exc: APIError) -> bool:
    """Worth retrying: 408, 429, 5xx, and a 403 that is a rate limit (Drive's usageLimits)."""
    status = exc.response.status_code
    return status in _TRANSIENT or (status == 403 and bool(_reasons(exc) & RATE_LIMIT_REASONS))


#: Google's documented per-user quotas (requests per minute), and the burst we allow.
SHEETS_PER_MINUTE, DRIVE_PER_MINUTE, BURST = 60, 300, 10


class RateLimiter:
    """Token buckets shared by every site of a run: Sheets reads, Sheets writes, Drive calls.

    A bucket of ``limit`` requests per minute holds at most ``burst`` tokens and refills at
    ``(limit - burst) / 60`` per second, so no 60-second window ever holds more than ``limit``
    requests, however the server cuts its minutes. Sheets allows 60 reads and 60 writes per
    minute per user (a service account is one user); Drive's per-user quota is far higher.

    ``shared``: called with the kind after each local token, to wait also for a quota shared
    with other processes (``flows.quota``: Prefect's global rate limits), so several workers
    pushing for one Google account stay under its per-minute quota together.
    """

    def __init__(
        self,
        per_minute: int = SHEETS_PER_MINUTE,
        burst: int = BURST,
        drive_per_minute: int = DRIVE_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shared: Callable[[str], None] | None = None,
    ) -> None:
        if not 0 < burst < min(per_minute, drive_per_minute):
            raise ValueError("burst must be at least 1 and below every per-minute limit")
        self.limits = {"read": per_minute, "write": per_minute, "drive": drive_per_minute}
        self.burst, self.clock, self.sleep, self.shared = burst, clock, sleep, shared
        self._tokens: dict[str, tuple[float, float]] = {}  # kind -> (tokens, at)
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self, kind: str) -> None:
        """Take one token of ``kind`` ("read", "write" or "drive"), waiting for it if needed."""
        rate = (self.limits[kind] - self.burst) / 60
        with self._lock:
            now = self.clock()
            tokens, at = self._tokens.get(kind, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            if tokens < 1:
                wait = (1 - tokens) / rate
                self.sleep(wait)
                self.waited += wait
                now, tokens = self.clock(), 1.0
            self._tokens[kind] = (tokens - 1, now)
        if self.shared is not None:  # outside the lock: the wait is for other processes
            self.shared(kind)


class RollcallHTTPClient(HTTPClient):
    """gspread's HTTP client, re-based onto ``base_url``, paced by a ``RateLimiter`` and retrying
    transient failures (408, 429, 5xx, Drive's 403 rate limits, dropped connections) with
    truncated exponential backoff: ``min(2**n + random, backoff_max)`` seconds, or longer when
    the answer says ``Retry-After``."""

    def __init__(
        self,
        auth: Credentials | None,
        session: requests.Session | None = None,
        *,
        base_url: str | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 6,
        backoff_max: float = 64,
        timeout: float | tuple[float, float] = (10, 60),
    ) -> None:
        super().__init__(auth, session)  # type: ignore[arg-type]
        self.base_url = base_url.rstrip("/") if base_url else None
        self.limiter = limiter or RateLimiter(sleep=sleep)
        self.sleep, self.retries, self.backoff_max = sleep, retries, backoff_max
        self.timeout = timeout
        self.sent: list[tuple[str, str]] = []  # (kind, method) of each attempt
        self.retried: list[int] = []  # status of each retried failure (0: connection dropped)

    def request(
        self, method: str, endpoint: str, *args: Any, idempotent: bool = True, **kwargs: Any
    ) -> requests.Response:
        """``idempotent=False``: a dropped connection is not retried (the request may have been
        applied); the caller checks what happened instead."""
        url = self._rebase(endpoint)
        kind = _kind(method, endpoint)
        for attempt in range(self.retries + 1):
            self.limiter.acquire(kind)
            self.sent.append((kind, method.upper()))
            try:
                return super().request(method, url, *args, **kwargs)
            except APIError as exc:
                if not is_transient(exc) or attempt == self.retries:
                    raise
                self._back_off(attempt, exc.response.status_code, exc.response.headers.get("Retry-After"))
            except (requests.ConnectionError, requests.Timeout):
                if attempt == self.retries or not idempotent:
                    raise
                self._back_off(attempt, 0, None)
        raise AssertionError("unreachable")

    def _back_off(self, attempt: int, status: int, retry_after: str | None) -> None:
        self.retried.append(status)
        wait = min(2**attempt + random.random(), self.backoff_max)
        if retry_after and retry_after.isdigit():
            wait = max(wait, float(retry_after))
        log.warning("Google API answered %s; retrying in %.1f s", status or "a dropped connection", wait)
        self.sleep(wait)

    def _rebase(self, endpoint: str) -> str:
        if self.base_url:
            for host in _GOOGLE_HOSTS:
                if endpoint.startswith(host):
                    return self.base_url + endpoint[len(host) :]
        return endpoint


def _kind(method: str, endpoint: str) -> str:
    if "/drive/" in endpoint:
        return "drive"
    return "read" if method.upper() == "GET" else "write"


def connect(
    credentials: Credentials,
    *,
    base_url: str | None = None,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> gspread.Client:
    """A gspread client for ``credentials`` (e.g. a service account's, with ``SCOPES``)."""
    session = AuthorizedSession(credentials)
    session.headers["User-Agent"] = "rollcall (volunteer registrations sync)"
    factory = functools.partial(RollcallHTTPClient, base_url=base_url, limiter=limiter, sleep=sleep)
    return gspread.Client(None, session=session, http_client=factory)  # type: ignore[arg-type]


@dataclass
class Tab:
    """One tab's id and grid size, as spreadsheets.get reports them."""

    sheet_id: int
    rows: int
    cols: int


@dataclass
class Layout:
    """What is known of a spreadsheet's tabs: cached so a site costs no metadata read.

    ``tabs`` are by title; ``roles`` maps each of our tabs (``ROSTER_TAB``, ...) to its
    ``sheetId``, which survives a rename and a move: a coordinator who renames "Inscrits" to
    "Inscrits Paris" still has one roster tab, the one they renamed."""

    tabs: dict[str, Tab] = field(default_factory=dict)
    disposable: int | None = None  # the default tab of a spreadsheet we created, removed on first write
    roles: dict[str, int] = field(default_factory=dict)
    #: Locale and time zone of a spreadsheet we created, set by its first write (Drive creates
    #: it in the service account's en_US and GMT).
    settings: dict[str, str] | None = None
    #: What was last written: a digest of each owned tab's values, the roster's column widths
    #: (pixels), and the sheetId the greyed-rows rule was added to. Sent again only on change.
    digests: dict[str, str] = field(default_factory=dict)
    widths: list[int] = field(default_factory=list)
    styled: int | None = None

    def find(self, role: str) -> tuple[str, Tab] | None:
        """(title, tab) of one of our tabs: by its sheetId, else (first sight, or deleted and
        made again by hand) by its title; None when it is not there."""
        sheet_id = self.roles.get(role)
        for title, tab in self.tabs.items():
            if sheet_id is not None and tab.sheet_id == sheet_id:
                return title, tab
        owned = set(self.roles.values())
        by_title = self.tabs.get(role)
        if role in CHECKED_TABS:
            return None
        return (role, by_title) if by_title is not None and by_title.sheet_id not in owned else None

    def to_json(self) -> dict[str, Any]:
        found = {
            "tabs": {t: [v.sheet_id, v.rows, v.cols] for t, v in self.tabs.items()},
            "disposable": self.disposable,
            "roles": dict(self.roles),
            "digests": dict(self.digests),
            "widths": list(self.widths),
            "styled": self.styled,
        }
        return found | ({"settings": dict(self.settings)} if self.settings else {})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Layout:
        return cls(
            {t: Tab(*v) for t, v in data.get("tabs", {}).items()},
            data.get("disposable"),
            dict(data.get("roles", {})),
            data.get("settings"),
            dict(data.get("digests", {})),
            list(data.get("widths", [])),
            data.get("styled"),
        )

    def remembered(self, old: Layout | None) -> Layout:
        """This layout with what ``old`` knew was written, for the tabs still there."""
        if old is None:
            return self
        ids = {t.sheet_id for t in self.tabs.values()}
        self.digests = {role: d for role, d in old.digests.items() if old.roles.get(role) in ids}
        roster = old.roles.get(ROSTER_TAB)
        self.widths = list(old.widths) if roster in ids else []
        self.styled = old.styled if old.styled in ids else None
        return self


@dataclass(frozen=True)
class Modified:
    """A spreadsheet's last modification as Drive lists it: ``time`` (RFC 3339, as Drive
    writes it: compared as text) and whether someone other than this account made it."""

    time: str
    by_other: bool = False


@dataclass(frozen=True)
class WriteResult:
    """What one ``write_roster`` did: whether a batchUpdate was sent, and how big it was."""

    written: bool
    requests: int  # batchUpdate sub-requests sent
    rows: int


class RosterSheets:
    """The roster spreadsheets of one run: one gspread client, cached layouts, one limiter."""

    def __init__(self, client: gspread.Client, layouts: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.client = client
        # RollcallHTTPClient (``connect``): its ``request`` knows which requests may be retried.
        self.http: RollcallHTTPClient = cast(RollcallHTTPClient, client.http_client)
        self._layouts = {key: Layout.from_json(v) for key, v in (layouts or {}).items()}
        self._account: str | None = None

    def account_email(self) -> str:
        """The address coordinators must share their sheet with: the service account's, or
        what Drive's ``about.get`` says of the token's user (one Drive call, once)."""
        if self._account is None:
            credentials = getattr(getattr(self.http, "session", None), "credentials", None)
            email = getattr(credentials, "service_account_email", None)
            if not email:
                try:
                    response = self.http.request("get", f"{_DRIVE_V3}/about", params={"fields": "user(emailAddress)"})
                    email = response.json().get("user", {}).get("emailAddress")
                except (APIError, requests.RequestException):
                    email = None
            self._account = email or "the service account rollcall uses"
        return self._account

    def failure(self, exc: Exception, key: str | None, doing: str) -> SheetsError:
        """One line by cause, with what to do; never "try again later" for what a retry
        cannot fix. ``doing``: what failed ("reading the roster tab")."""
        where = f"spreadsheet {key}" if key else "Google Drive"
        if isinstance(exc, SheetsError):
            return exc
        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return SheetsError(
                f"{where}: {doing} failed, Google could not be reached ({type(exc).__name__}) "
                "after retries; nothing was changed, the next run tries again",
                "unavailable",
                key,
            )
        if not isinstance(exc, APIError):
            return SheetsError(f"{where}: {doing} failed ({type(exc).__name__}); nothing was changed", "rejected", key)
        status, reasons = exc.response.status_code, _reasons(exc)
        if is_transient(exc):
            return SheetsError(
                f"{where}: {doing} failed, Google still answered HTTP {status} after retries "
                "(rate limit or outage); nothing was changed, the next run tries again",
                "unavailable",
                key,
            )
        if status == 401 or (status == 403 and reasons & _ACCOUNT_REASONS):
            return SheetsError(
                f"{where}: {doing} failed, Google refused rollcall's credentials ({_message(exc)}): "
                "check [google] credentials, their scopes and that the Sheets and Drive APIs "
                "are enabled for the project",
                "credentials",
                key,
            )
        if status == 403:
            return SheetsError(
                f"{where}: the sheet is no longer shared with {self.account_email()}: share it "
                f"as Editor ({doing} was refused: {_message(exc)})",
                "permission",
                key,
            )
        if status == 404 and key:
            return SheetsError(
                f"{where} no longer exists (deleted, or a wrong key): set a new key or remove it to have one created",
                "deleted",
                key,
            )
        return SheetsError(
            f"{where}: {doing} was refused ({_message(exc)}); a retry would be refused "
            "too and nothing was changed: check the spreadsheet, or report this message",
            "rejected",
            key,
        )

    def layouts(self) -> dict[str, dict[str, Any]]:
        """The cached layouts, as JSON, to store and pass back next run (saves a read per site)."""
        return {key: layout.to_json() for key, layout in self._layouts.items()}

    # ---- creation and sharing (Drive)

    def create_spreadsheet(
        self,
        title: str,
        coordinators: Sequence[str] = (),
        folder_id: str | None = None,
        locale: str = "fr_FR",
        time_zone: str = "Europe/Paris",
    ) -> str:
        """Create a spreadsheet through Drive, share it with ``coordinators``; return its key.
        Its ``locale`` and ``time_zone`` (Drive cannot set them) go in its first write, the
        batchUpdate that makes its tabs: no request more.

        Drive's create is not idempotent: it is not retried blindly. The spreadsheet is looked
        up by its title first, and again when the reply to the create was lost, so a dropped
        connection never leaves a second, orphan spreadsheet."""
        try:
            key = self.find_spreadsheet(title)
            if key is None:
                body: dict[str, Any] = {"name": title, "mimeType": SPREADSHEET_MIME}
                if folder_id:
                    body["parents"] = [folder_id]
                try:
                    response = self.http.request(
                        "post",
                        DRIVE_FILES_API_V3_URL,
                        json=body,
                        params={"supportsAllDrives": "true"},
                        idempotent=False,
                    )
                    key = response.json()["id"]
                except (requests.ConnectionError, requests.Timeout):
                    key = self.find_spreadsheet(title)
                    if key is None:
                        raise
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, None, "creating the roster spreadsheet") from None
        layout = self._refresh(key)
        layout.disposable = next(iter(layout.tabs.values())).sheet_id if len(layout.tabs) == 1 else None
        layout.settings = {"locale": locale, "timeZone": time_zone}
        self.share(key, coordinators)
        return key

    def find_spreadsheet(self, title: str) -> str | None:
        """The key of a spreadsheet with this exact title that the account can see, if any."""
        escaped = title.replace("\\", "\\\\").replace("'", "\\'")
        response = self.http.request(
            "get",
            DRIVE_FILES_API_V3_URL,
            params={
                "q": f"name = '{escaped}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false",
                "fields": "files(id,name)",
                "pageSize": "10",
                "supportsAllDrives": "true",
                "includeItemsFromAllDrives": "true",
            },
        )
        files = response.json().get("files", [])
        return files[0]["id"] if files else None

    def modified_times(self, since: str | None = None) -> dict[str, Modified]:
        """Drive's ``modifiedTime`` of every spreadsheet the account sees, modified at or after
        ``since`` (RFC 3339) when given: one ``files.list`` (a page per 1,000 files), paced as
        a Drive call, whatever the number of sites. What tells an unchanged spreadsheet from
        one a coordinator edited without reading either (``flows.rosters``).

        ``Modified.by_other``: Drive names the last modifier and it is not this account (a
        coordinator edited after our write). Raises ``SheetsError`` when Drive cannot answer."""
        terms = [f"mimeType = '{SPREADSHEET_MIME}'", "trashed = false"]
        if since:
            terms.append(f"modifiedTime >= '{since}'")
        params: ParamsType = {
            "q": " and ".join(terms),
            "pageSize": "1000",
            "supportsAllDrives": "true",
            "includeItemsFromAllDrives": "true",
            "fields": "nextPageToken,files(id,modifiedTime,lastModifyingUser(me))",
        }
        found: dict[str, Modified] = {}
        try:
            while True:
                answer = self.http.request("get", DRIVE_FILES_API_V3_URL, params=params).json()
                for file in answer.get("files", []):
                    user = file.get("lastModifyingUser")
                    if file.get("id") and file.get("modifiedTime"):
                        found[file["id"]] = Modified(
                            file["modifiedTime"], user is not None and not user.get("me", False)
                        )
                if not answer.get("nextPageToken"):
                    return found
                params["pageToken"] = answer["nextPageToken"]
        except (APIError, requests.RequestException, ValueError) as exc:
            raise self.failure(exc, None, "listing the spreadsheets' modification times") from None

    def share(self, key: str, emails: Sequence[str], role: str = "writer") -> list[str]:
        """Give each e-mail ``role`` on the spreadsheet, without notification e-mails; skip those
        who already have access. Returns the e-mails newly shared with.

        gspread's ``Spreadsheet.share`` sends ``withLink``, a Drive v2 field that v3's Permission
        does not have, so the v3 request is sent as documented through gspread's HTTP client.
        """
        if not emails:
            return []
        try:
            have = {str(p.get("emailAddress", "")).lower() for p in self.http.list_permissions(key)}
            added = []
            for email in emails:
                if email.lower() in have:
                    continue
                self.http.request(
                    "post",
                    f"{DRIVE_FILES_API_V3_URL}/{key}/permissions",
                    json={"type": "user", "role": role, "emailAddress": email},
                    params={"supportsAllDrives": "true", "sendNotificationEmail": "false"},
                )
                added.append(email)
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, key, "sharing it with the site's coordinators") from None
        return added

    # ---- the roster tab

    def read_roster(self, key: str) -> list[list[Cell]]:
        """The ``Inscrits`` grid as stored (ragged, header first; [] when there is no tab)."""
        try:
            found = self._layout(key).find(ROSTER_TAB)
            try:
                return self._roster_values(key, found)
            except APIError as exc:
                if exc.response.status_code != 400:
                    raise
                # renamed or deleted since we cached it: found again by its sheetId
                return self._roster_values(key, self._refresh(key).find(ROSTER_TAB))
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, key, "reading the roster tab") from None

    def read_tabs(self, key: str) -> dict[str, list[list[Cell]]]:
        """Every tab's values, by title (two reads: the tabs as they are now, then their values
        in one ``values.batchGet``). For erasure and purge, which must reach every copy."""
        try:
            titles = list(self._refresh(key).tabs)
            answer = self.http.values_batch_get(key, [_a1(t) for t in titles], params=dict(READ_OPTIONS))
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, key, "reading its tabs") from None
        return {t: r.get("values", []) for t, r in zip(titles, answer.get("valueRanges", []))}

    def tab_title(self, key: str, role: str) -> str | None:
        """The title our tab ``role`` (``ROSTER_TAB``...) has now, found by its sheetId."""
        found = self._layout(key).find(role)
        return found[0] if found else None

    def write_roster(
        self,
        key: str,
        grid: Grid,
        current: Grid,
        *,
        layouts: Mapping[str, TabLayout],
        changes: Grid | None = None,
        summary: Grid | None = None,
        delete_rows: Mapping[str, Sequence[int]] | None = None,
        sign_in: Grid | None = None,
        to_complete: Grid | None = None,
        column_order: Sequence[int | None] | None = None,
    ) -> WriteResult:
        """Write the merged roster (and the other tabs) in one atomic batchUpdate.

        Only the roster rows that differ from ``current`` (the grid just read) are sent, so a
        coordinator typing meanwhile elsewhere loses nothing. A ``grid`` with fewer rows than
        ``current`` (rows removed) blanks the rows left below it, checkboxes included. Retried once on a 400 after
        refreshing a stale layout (a tab resized or removed by hand). ``delete_rows``: rows
        (0-based) of other tabs, by title, deleted in the same batchUpdate (an erasure reaching
        a coordinator's copy of the roster). ``sign_in``, ``to_complete`` and ``summary`` are
        sent only when they differ from what was last written. ``column_order``: for each
        column of ``grid``, the column of ``current`` it holds (None: a new one), as the merge
        laid it out; columns that moved are moved in the sheet (``moveDimension``), so their
        formats, checkboxes and anything a coordinator set on them move too. ``layouts``: each
        tab's layout by tab name (``ROSTER_TAB``...), for the roster and every tab given.
        """
        owned = {SIGN_IN_TAB: sign_in, TO_COMPLETE_TAB: to_complete, SUMMARY_TAB: summary}
        try:
            self._adopt(key, owned)
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, key, "reading a tab's header") from None
        for attempt in (0, 1):
            requests_, after = _plan(
                self._layout(key), grid, current, changes, owned, delete_rows or {}, column_order, layouts=layouts
            )
            if not requests_:
                return WriteResult(False, 0, len(grid))
            try:
                self.http.batch_update(key, {"requests": requests_})
            except (APIError, requests.RequestException) as exc:
                if not isinstance(exc, APIError) or exc.response.status_code != 400 or attempt == 1:
                    failure = self.failure(exc, key, "writing the roster")
                    raise SheetsError(
                        f"{failure} (a batchUpdate is all or nothing: the spreadsheet was left "
                        "as it was, or after a timeout fully written)",
                        failure.cause,
                        key,
                    ) from None
                self._refresh(key)
                continue
            self._layouts[key] = after
            return WriteResult(True, len(requests_), len(grid))
        raise AssertionError("unreachable")

    # ---- internals

    def _adopt(self, key: str, owned: Mapping[str, Grid | None]) -> None:
        """A tab named like one of ``CHECKED_TABS`` ("Émargement", "Émargement (2)"...) whose
        role is not known yet (our layout was lost, or the coordinator made it) is ours when
        its header row is ours: one read of their headers, only then."""
        layout = self._layout(key)
        taken = set(layout.roles.values())
        wanted = {role: values[0] for role in CHECKED_TABS if role not in layout.roles and (values := owned.get(role))}
        candidates = [
            (role, title)
            for role in wanted
            for title, tab in layout.tabs.items()
            if tab.sheet_id not in taken and (title == role or _numbered(title, role))
        ]
        if not candidates:
            return
        answer = self.http.values_batch_get(
            key, [f"{_a1(title)}!1:1" for _, title in candidates], params=dict(READ_OPTIONS)
        )
        for (role, title), found in zip(candidates, answer.get("valueRanges", [])):
            header = (found.get("values") or [[]])[0]
            if role not in layout.roles and [_text(v).strip() for v in header] == [
                _text(v).strip() for v in wanted[role]
            ]:
                layout.roles[role] = layout.tabs[title].sheet_id

    def _roster_values(self, key: str, found: tuple[str, Tab] | None) -> list[list[Cell]]:
        if found is None:
            return []
        self._layouts[key].roles[ROSTER_TAB] = found[1].sheet_id
        return self._values(key, found[0])

    def _values(self, key: str, tab: str) -> list[list[Cell]]:
        answer = self.http.values_get(key, _a1(tab), params=dict(READ_OPTIONS))
        return answer.get("values", [])

    def _layout(self, key: str) -> Layout:
        return self._layouts.get(key) or self._refresh(key)

    def _refresh(self, key: str) -> Layout:
        """Re-read the tabs of ``key`` (one read), keeping a pending default tab to remove."""
        try:
            meta = self.http.fetch_sheet_metadata(key)
        except (APIError, requests.RequestException) as exc:
            raise self.failure(exc, key, "opening it") from None
        old = self._layouts.get(key)
        tabs = {
            s["properties"]["title"]: Tab(
                s["properties"]["sheetId"],
                s["properties"]["gridProperties"]["rowCount"],
                s["properties"]["gridProperties"]["columnCount"],
            )
            for s in meta.get("sheets", [])
        }
        ids = {t.sheet_id for t in tabs.values()}
        disposable = old.disposable if old and old.disposable in ids else None
        roles = {role: i for role, i in (old.roles if old else {}).items() if i in ids}
        self._layouts[key] = Layout(tabs, disposable, roles, old.settings if old else None).remembered(old)
        return self._layouts[key]


def read_source_tab(client: gspread.Client, key: str, tab: str) -> list[tuple[int, dict[str, str]]]:
    """A staff sheet's rows as ``(row number, {header: text})``, blank rows skipped.

    Values are read unformatted: a phone typed as a number comes back as "639980003" (the phone
    normaliser restores the 0) and a date as a serial "44835.5" (the date parser reads it),
    whatever the sheet's locale. Repeated headers get " (2)", " (3)"; untitled columns are dropped.
    """
    try:
        answer = client.http_client.values_get(key, _a1(tab), params=dict(READ_OPTIONS))
    except APIError as exc:
        raise SheetsError(
            f"staff sheet {key}, tab {tab!r} cannot be read ({_message(exc)}): check the "
            "key and tab name in the configuration and that the sheet is shared with "
            "the service account"
        ) from exc
    values = answer.get("values", [])
    if not values:
        return []
    headers = _unique_headers(values[0])
    rows = []
    for number, row in enumerate(values[1:], start=2):
        record = {h: _text(row[i]) if i < len(row) else "" for i, h in enumerate(headers) if h}
        if any(v.strip() for v in record.values()):
            rows.append((number, record))
    return rows


def _unique_headers(cells: Sequence[Cell]) -> list[str]:
    seen: dict[str, int] = {}
    headers = []
    for cell in cells:
        name = _text(cell).strip()
        if name:
            seen[name] = seen.get(name, 0) + 1
            name = name if seen[name] == 1 else f"{name} ({seen[name]})"
        headers.append(name)
    return headers


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _a1(tab: str) -> str:
    return "'" + tab.replace("'", "''") + "'"


def _message(exc: APIError) -> str:
    return (
        f"HTTP {exc.response.status_code}: {exc.error.get('message', '')}"
        if isinstance(exc.error, dict)
        else f"HTTP {exc.response.status_code}"
    )


# ---- the batchUpdate body


def _plan(
    layout: Layout,
    grid: Grid,
    current: Grid,
    changes: Grid | None,
    owned: Mapping[str, Grid | None],
    delete_rows: Mapping[str, Sequence[int]],
    column_order: Sequence[int | None] | None = None,
    *,
    layouts: Mapping[str, TabLayout],
) -> tuple[list[dict[str, Any]], Layout]:
    """Every request of one roster write, and the layout once it is applied.

    No request at all when no roster row differs, no column moves, no tab is missing, no row
    is to go, no owned tab changed and ``Nouveautés`` is not given (an erasure or purge may
    change only that tab)."""
    order = _full_order(column_order, grid, current)
    moved = order != list(range(len(order)))
    before = [[row[i] if i < len(row) else "" for i in order] for row in current] if moved else current
    blocks = _changed_blocks(grid, before)
    missing = [t for t in TABS if layout.find(t) is None]
    digests = {role: _digest(values) for role, values in owned.items() if values is not None}
    stale = [role for role, d in digests.items() if layout.digests.get(role) != d or role in missing]
    if not (blocks or moved or missing or any(delete_rows.values()) or changes is not None or layout.settings or stale):
        return [], layout
    after = Layout(
        {t: Tab(v.sheet_id, v.rows, v.cols) for t, v in layout.tabs.items() if v.sheet_id != layout.disposable}
    )
    for role in TABS:
        found = layout.find(role)
        if found is not None:
            after.roles[role] = found[1].sheet_id
    after.digests = {r: d for r, d in layout.digests.items() if r not in missing}
    after.widths = [] if ROSTER_TAB in missing else list(layout.widths)
    after.styled = None if ROSTER_TAB in missing else layout.styled
    out: list[dict[str, Any]] = []
    if layout.settings:
        out.append(
            {
                "updateSpreadsheetProperties": {
                    "properties": dict(layout.settings),
                    "fields": ",".join(sorted(layout.settings)),
                }
            }
        )
    width = max(map(len, [*grid, *current, order]), default=1)
    next_id = max([v.sheet_id for v in layout.tabs.values()] + [0]) + 1
    for offset, tab in enumerate(missing):
        size = (max(100, len(grid)), max(26, width)) if tab == ROSTER_TAB else (100, 26)
        title = _free_title(tab, after.tabs)
        after.tabs[title] = Tab(next_id + offset, *size)
        after.roles[tab] = next_id + offset
        out.append(
            {
                "addSheet": {
                    "properties": {
                        "sheetId": next_id + offset,
                        "title": title,
                        "index": TABS.index(tab),
                        "gridProperties": {"rowCount": size[0], "columnCount": size[1]},
                    }
                }
            }
        )
    if layout.disposable is not None:
        out.append({"deleteSheet": {"sheetId": layout.disposable}})
    roster = _role_tab(after, ROSTER_TAB)
    out += _grow_requests(roster, len(grid), width)
    if moved:
        out += _move_requests(roster.sheet_id, order)
        after.widths = []  # the columns moved: their widths are set again
    for start, rows in blocks:
        out.append(
            {
                "updateCells": {
                    "start": {"sheetId": roster.sheet_id, "rowIndex": start, "columnIndex": 0},
                    "rows": [_row_data(r, width) for r in rows],
                    "fields": "userEnteredValue",
                }
            }
        )
    laid_out = layouts[ROSTER_TAB]
    out += _roster_format(roster.sheet_id, grid, laid_out, created=ROSTER_TAB in missing)
    out += _width_requests(roster.sheet_id, _pixels(laid_out), after.widths)
    after.widths = _pixels(laid_out)
    if after.styled != roster.sheet_id and (rules := _greyed_rules(roster.sheet_id, laid_out.greyed_rule)):
        out += rules
        after.styled = roster.sheet_id
    out += _clear_below(roster.sheet_id, grid, laid_out, len(current))
    for tab in TABS[1:]:
        values = changes if tab == CHANGES_TAB else owned.get(tab)
        if (
            (tab == CHANGES_TAB and (values is not None or tab in missing))
            or tab in stale
            or (tab in missing and tab != CHANGES_TAB)
        ):
            target = _role_tab(after, tab)
            out += _owned_tab(target, values or [])
            if values:
                out += _owned_format(target, values, layouts[tab])
            if tab in digests:
                after.digests[tab] = digests[tab]
    for title, row_indexes in delete_rows.items():
        emptied = after.tabs[title]
        for row in sorted(set(row_indexes), reverse=True):  # bottom up: indexes above stay right
            span = {"sheetId": emptied.sheet_id, "dimension": "ROWS", "startIndex": row, "endIndex": row + 1}
            out.append({"deleteDimension": {"range": span}})
            emptied.rows -= 1
    return out, after


def _digest(values: Grid) -> str:
    """What an owned tab holds, in 16 hex digits: compared with the last write's."""
    text = json.dumps([list(r) for r in values], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _full_order(column_order: Sequence[int | None] | None, grid: Grid, current: Grid) -> list[int]:
    """The merge's column order as a permutation: a new column takes the first blank column
    right of the tab's content, as ``_layout`` padded it."""
    if column_order is None:
        return list(range(max(map(len, [*grid, *current]), default=1)))
    taken = {i for i in column_order if i is not None}
    blank = iter(i for i in range(len(column_order)) if i not in taken)
    return [i if i is not None else next(blank) for i in column_order]


def _move_requests(sheet_id: int, order: Sequence[int]) -> list[dict[str, Any]]:
    """moveDimension requests that put column ``order[j]`` at ``j``, left to right: at most one
    per column, only when a layout changes (an older roster put in the current one)."""
    columns = list(range(len(order)))
    out = []
    for j, wanted in enumerate(order):
        at = columns.index(wanted)
        if at != j:  # j < at: columns left of j are placed already
            out.append(
                {
                    "moveDimension": {
                        "source": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + 1},
                        "destinationIndex": j,
                    }
                }
            )
            columns.insert(j, columns.pop(at))
    return out


def _pixels(layout: TabLayout) -> list[int]:
    return [w * PIXELS_PER_CHAR + PIXEL_MARGIN for w in layout.widths]


def _width_requests(sheet_id: int, pixels: Sequence[int], before: Sequence[int]) -> list[dict[str, Any]]:
    """One updateDimensionProperties per run of adjacent columns of one new width; none for
    a column whose width did not change since the last write."""
    out: list[dict[str, Any]] = []
    for c, size in enumerate(pixels):
        if c < len(before) and before[c] == size:
            continue
        last = out[-1]["updateDimensionProperties"] if out else None
        if last and last["range"]["endIndex"] == c and last["properties"]["pixelSize"] == size:
            last["range"]["endIndex"] = c + 1
            continue
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
                    "properties": {"pixelSize": size},
                    "fields": "pixelSize",
                }
            }
        )
    return out


def _greyed_rules(sheet_id: int, rule: GreyedRule | None) -> list[dict[str, Any]]:
    """Conditional formats for every row, now and to come: grey and struck when its cell in
    the rule's column (Statut) holds one of its statuses (Annulé, Retiré). One rule per
    status, each formula without an argument separator (``=$O2="Annulé"``): the API reads
    formulas in the spreadsheet's locale, and fr_FR separates arguments with ";" where en_US
    uses ",". Sheets moves the reference with the column when columns move. Added once per
    tab (``Layout.styled``)."""
    if rule is None:
        return []
    letter = _column_letters(rule.column)
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [{"sheetId": sheet_id, "startRowIndex": 1}],
                    "booleanRule": {
                        "condition": {
                            "type": "CUSTOM_FORMULA",
                            "values": [{"userEnteredValue": f'=${letter}2="{label}"'}],
                        },
                        "format": {
                            "textFormat": {
                                "strikethrough": True,
                                "foregroundColorStyle": {"rgbColor": {"red": 0.5, "green": 0.5, "blue": 0.5}},
                            }
                        },
                    },
                },
            }
        }
        for label in rule.statuses
    ]


def _column_letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _owned_format(tab: Tab, values: Grid, layout: TabLayout) -> list[dict[str, Any]]:
    """A tab's widths and frozen header; boxed rows (Émargement) tall and outlined; a percent
    cell (Résumé's fill rate) as a percentage."""
    out = _width_requests(tab.sheet_id, _pixels(layout), [])
    out.append(
        {
            "updateSheetProperties": {
                "properties": {"sheetId": tab.sheet_id, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount",
            }
        }
    )
    if layout.boxed and len(values) > 1:
        width = max(len(r) for r in values)
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": tab.sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": len(values)},
                    "properties": {"pixelSize": SIGN_IN_ROW_PIXELS},
                    "fields": "pixelSize",
                }
            }
        )
        line = {"style": "SOLID"}
        out.append(
            {
                "updateBorders": {
                    "range": {
                        "sheetId": tab.sheet_id,
                        "startRowIndex": 0,
                        "endRowIndex": len(values),
                        "startColumnIndex": 0,
                        "endColumnIndex": width,
                    },
                    "top": line,
                    "bottom": line,
                    "left": line,
                    "right": line,
                    "innerHorizontal": line,
                    "innerVertical": line,
                }
            }
        )
    if cell := layout.percent_cell:
        out.append(
            {
                "repeatCell": {
                    "range": {
                        "sheetId": tab.sheet_id,
                        "startRowIndex": cell[0],
                        "endRowIndex": cell[0] + 1,
                        "startColumnIndex": cell[1],
                        "endColumnIndex": cell[1] + 1,
                    },
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": PERCENT_PATTERN}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    return out


def _role_tab(layout: Layout, role: str) -> Tab:
    found = layout.find(role)
    assert found is not None, role
    return found[1]


def _numbered(title: str, base: str) -> bool:
    """``title`` is ``base`` numbered by ``_free_title``: "Émargement (2)"."""
    rest = title[len(base) :]
    return title.startswith(base) and rest.startswith(" (") and rest.endswith(")") and rest[2:-1].isdigit()


def _free_title(title: str, tabs: Mapping[str, Tab]) -> str:
    """``title``, or "title (2)" when a tab not ours already holds that name."""
    n, candidate = 1, title
    while candidate in tabs:
        n += 1
        candidate = f"{title} ({n})"
    return candidate


def _grow_requests(tab: Tab, rows: int, cols: int) -> list[dict[str, Any]]:
    """appendDimension requests so the tab holds ``rows`` x ``cols``; ``tab`` is updated."""
    out = []
    if rows > tab.rows:
        out.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "ROWS", "length": rows - tab.rows}})
        tab.rows = rows
    if cols > tab.cols:
        out.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS", "length": cols - tab.cols}})
        tab.cols = cols
    return out


def _owned_tab(tab: Tab, values: Grid) -> list[dict[str, Any]]:
    """A tab the pipeline owns entirely: rewritten whole; the range clears what is left."""
    width = max([len(r) for r in values] + [1])
    sheet_id = tab.sheet_id
    out = _grow_requests(tab, len(values), width)
    out.append(
        {
            "updateCells": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "startColumnIndex": 0},
                "rows": [_row_data(r, len(r)) for r in values],
                "fields": "userEnteredValue",
            }
        }
    )
    if values:
        out.append(_bold_header(sheet_id, width))
    return out


def _roster_format(sheet_id: int, grid: Grid, layout: TabLayout, *, created: bool) -> list[dict[str, Any]]:
    header = [str(v) for v in grid[0]] if grid else []
    width, rows = max(len(header), 1), len(grid)
    frozen = layout.frozen_columns
    grid_properties: dict[str, int] = {"frozenRowCount": 1}
    if frozen:
        grid_properties["frozenColumnCount"] = frozen
    out = [
        _bold_header(sheet_id, width),
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": grid_properties},
                "fields": ",".join(f"gridProperties.{name}" for name in grid_properties),
            }
        },
    ]
    if layout.checkbox_column is not None and rows > 1:
        out.append(
            {
                "setDataValidation": {
                    "range": _column(sheet_id, layout.checkbox_column, rows),
                    "rule": {"condition": {"type": "BOOLEAN"}, "strict": True},
                }
            }
        )
    for index, cell_format in _column_formats(layout).items():
        if rows > 1:
            out.append(
                {
                    "repeatCell": {
                        "range": _column(sheet_id, index, rows),
                        "cell": {"userEnteredFormat": cell_format},
                        "fields": _FORMAT_FIELDS,
                    }
                }
            )
    if created:  # one warning-only range per run of adjacent pipeline columns
        runs: list[list[int]] = []
        for i in range(len(header)):
            if i in layout.protected_columns:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
        for run in runs:
            names = ", ".join(header[i] for i in run)
            out.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": sheet_id, "startColumnIndex": run[0], "endColumnIndex": run[-1] + 1},
                            "description": f"Colonnes remplies par rollcall : {names}",
                            "warningOnly": True,
                        }
                    }
                }
            )
    return out


#: What ``_column_formats`` sets, and ``_clear_below`` clears below the data.
_FORMAT_FIELDS = "userEnteredFormat.numberFormat,userEnteredFormat.wrapStrategy"


def _column_formats(layout: TabLayout) -> dict[int, dict[str, Any]]:
    """Per column of the roster, its format, left to right: dates shown as dates; text
    columns as plain text (what is typed stays as typed); wrapped columns wrapped."""
    formats: dict[int, dict[str, Any]] = {}
    for i in sorted(layout.date_columns | layout.text_columns | layout.wrapped_columns):
        cell_format: dict[str, Any] = {}
        if i in layout.date_columns:
            cell_format["numberFormat"] = {"type": "DATE_TIME", "pattern": DATE_PATTERN}
        if i in layout.text_columns:
            cell_format["numberFormat"] = {"type": "TEXT"}
        if i in layout.wrapped_columns:
            cell_format["wrapStrategy"] = "WRAP"
        formats[i] = cell_format
    return formats


def _bold_header(sheet_id: int, width: int) -> dict[str, Any]:
    return {
        "repeatCell": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": 0,
                "endRowIndex": 1,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            },
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold",
        }
    }


def _column(sheet_id: int, index: int, rows: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": rows,
        "startColumnIndex": index,
        "endColumnIndex": index + 1,
    }


def _clear_below(sheet_id: int, grid: Grid, layout: TabLayout, rows_before: int) -> list[dict[str, Any]]:
    """When the roster shrinks, what ``_roster_format`` gave the rows now below its last filled
    row (the date format, the Présent checkbox) goes too; their values are blanked by
    ``_changed_blocks``. Nothing of a removed row stays on the tab."""
    start = len(grid)
    while start > 1 and all(v is None or v == "" for v in grid[start - 1]):
        start -= 1
    end = max(rows_before, len(grid))
    if end <= start:
        return []

    def below(index: int) -> dict[str, int]:
        return {
            "sheetId": sheet_id,
            "startRowIndex": start,
            "endRowIndex": end,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }

    out: list[dict[str, Any]] = []
    for index in _column_formats(layout):
        out.append({"repeatCell": {"range": below(index), "cell": {}, "fields": _FORMAT_FIELDS}})
    if layout.checkbox_column is not None:
        out.append({"setDataValidation": {"range": below(layout.checkbox_column)}})
    return out


def _changed_blocks(grid: Grid, current: Grid) -> list[tuple[int, list[Sequence[Cell]]]]:
    """Runs of consecutive rows of ``grid`` that differ from ``current``: (first index, rows).

    A grid shorter than ``current`` (rows removed) ends with blank rows down to the last row
    read, so no stale cell is left below the data."""
    blocks: list[tuple[int, list[Sequence[Cell]]]] = []
    for i in range(max(len(grid), len(current))):
        row = grid[i] if i < len(grid) else []
        before = current[i] if i < len(current) else []
        if _same_row(row, before):
            continue
        if blocks and blocks[-1][0] + len(blocks[-1][1]) == i:
            blocks[-1][1].append(row)
        else:
            blocks.append((i, [row]))
    return blocks


def _same_row(a: Sequence[Cell], b: Sequence[Cell]) -> bool:
    width = max(len(a), len(b))
    pad_a, pad_b = list(a) + [""] * (width - len(a)), list(b) + [""] * (width - len(b))
    return all(same_cell(x, y) for x, y in zip(pad_a, pad_b))


def _row_data(row: Sequence[Cell], width: int) -> dict[str, Any]:
    cells = list(row) + [""] * (width - len(row))
    return {"values": [_cell_data(v) for v in cells]}


def _cell_data(value: Cell) -> dict[str, Any]:
    """A typed cell: text stays text (never ``formulaValue``); a blank clears the cell."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}
