"""One HTTP layer for every web-form connector: session, timeouts, retries, and what a
status code means, decided in one place.

Transient trouble (429, 5xx, timeouts, dropped connections) is retried by urllib3's
``Retry`` with exponential backoff and jitter, honouring ``Retry-After``. A body cut short
or that is not JSON (a proxy's error page, a truncated page) is asked again here, up to
``body_retries`` times with the same backoff, since urllib3 never sees it. What is left after
the retries, and every other failure, becomes one of the exceptions below, whose messages
name the source and say what to fix, and never contain a token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from rollcall.models.errors import CONFIGURATION, TRANSIENT, RollcallError

#: (connect, read) seconds. A provider slower than this is down for our purposes.
TIMEOUT = (10, 60)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger(__name__)


class SourceError(RollcallError):
    """A source could not be pulled. The message names the source and says what to do.
    ``status`` is the HTTP status behind it, if any; ``detail`` the provider's short error
    code (OAuth's ``error``, e.g. ``invalid_client``), if it gave one."""

    status: int | None = None
    detail: str | None = None


class SourceAuthError(SourceError):
    """401/403: the token is wrong, expired or lacks a scope. Retrying will not help."""

    kind = CONFIGURATION


class SourceNotFound(SourceError):
    """404: the form (or account) id in the configuration does not exist for this token."""

    kind = CONFIGURATION


class SourceUnavailable(SourceError):
    """Still failing after the retries (429, 5xx, timeouts): try again later."""

    kind = TRANSIENT


class SourceResponseError(SourceError):
    """The provider answered something we cannot read; the cursor is not advanced."""


class SourceConfigError(SourceError):
    """A setting of the source is wrong (a host, a region); the message names the fix."""

    kind = CONFIGURATION


class SourceMappingError(SourceError):
    """The field mapping names a question the form does not have."""

    kind = CONFIGURATION


class CountingSession(requests.Session):
    """A session that counts the responses it received, for the run report's "requests used"
    (retries inside urllib3 are not counted: each logical request counts once)."""

    def __init__(self, *, body_retries: int = 3, body_backoff: float = 0.5) -> None:
        super().__init__()
        self.requests_made = 0
        #: Where the credentials came from, in words ("token in environment variable X"),
        #: for the messages of refusals; never a secret.
        self.credential_origin = ""
        self.body_retries = body_retries
        self.body_backoff = body_backoff
        self.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests_made += 1


def make_session(
    *, retries: int = 5, backoff_factor: float = 0.5, backoff_max: float = 60, backoff_jitter: float = 0.5
) -> CountingSession:
    """A session that retries transient failures with backoff, for GET and token POSTs.

    Waits grow as ``backoff_factor * 2**n`` (capped at ``backoff_max``) plus up to
    ``backoff_jitter`` seconds; a ``Retry-After`` header, when given, is waited instead.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        backoff_jitter=backoff_jitter,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = CountingSession(body_retries=min(retries, 3), body_backoff=backoff_factor)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "rollcall (volunteer registrations sync)"
    return session


def request_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    source: str,
    what: str,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
) -> Any:
    """Send one request (retried by the session) and return its JSON body, or raise a
    SourceError that says what went wrong for ``what`` ("form abc123") of ``source``.

    A body that is cut short or is not JSON is transient: the request is sent again (up to the
    session's ``body_retries``, with backoff); after that the source fails, saving nothing."""
    attempts = 1 + max(0, getattr(session, "body_retries", 0))
    backoff = getattr(session, "body_backoff", 0.0)
    for attempt in range(1, attempts + 1):
        try:
            return _request_json_once(
                session, method, url, source=source, what=what, params=params, headers=headers, data=data
            )
        except _UnreadableBody as exc:
            problem = exc.problem
            log.warning("source %s: %s: %s (attempt %d of %d)", source, what, problem, attempt, attempts)
            if attempt < attempts and backoff:
                time.sleep(backoff * 2 ** (attempt - 1))
    raise SourceResponseError(
        f"source {source}: {what}: {problem}, {attempts} times in a row; "
        "nothing from it was saved and the cursor was not advanced; "
        "the next sync asks again"
    ) from None


class _UnreadableBody(Exception):
    """A 2xx answer whose body could not be read whole as JSON (retried by request_json)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _request_json_once(
    session: requests.Session,
    method: str,
    url: str,
    *,
    source: str,
    what: str,
    params: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
    data: Mapping[str, str] | None,
) -> Any:
    try:
        response = session.request(method, url, params=params, headers=headers, data=data, timeout=TIMEOUT)
    except requests.exceptions.RetryError:
        raise SourceUnavailable(
            f"source {source}: {what} still failing after retries; "
            "the provider is limiting or failing requests, try later"
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise _UnreadableBody("the answer was cut off before its end") from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SourceUnavailable(
            f"source {source}: cannot reach the provider for {what} ({type(exc).__name__}); try later"
        ) from None
    raise_for_status(response, source=source, what=what, origin=getattr(session, "credential_origin", ""))
    try:
        return response.json()
    except ValueError:
        raise _UnreadableBody("the provider's answer is not complete JSON (truncated or malformed)") from None


def raise_for_status(response: requests.Response, *, source: str, what: str, origin: str = "") -> None:
    """Map an HTTP status to the error a person can act on (the one place that does).
    ``origin`` says where the credentials came from, for a refusal's message."""
    status = response.status_code
    if status < 400:
        return
    error = _error_for(status, source, what, origin)
    error.status, error.detail = status, _oauth_code(response)
    raise error


def _error_for(status: int, source: str, what: str, origin: str) -> SourceError:
    if status in (401, 403):
        check = f"check {origin}" if origin else "check the token"
        return SourceAuthError(
            f"token for source {source} rejected (HTTP {status}) for {what}: "
            f"{check}: is it current, for the right account, with read access "
            "to this form?"
        )
    if status == 404:
        return SourceNotFound(f"source {source}: {what} not found (HTTP 404): check its id in the configuration")
    if status in RETRY_STATUSES:
        return SourceUnavailable(f"source {source}: {what} still failing after retries (HTTP {status}); try later")
    return SourceResponseError(f"source {source}: {what} refused (HTTP {status}): check the source's settings")


def _oauth_code(response: requests.Response) -> str | None:
    """OAuth's short ``error`` code (``invalid_client``...), if the body has one: never the
    description, which may echo what was sent."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code.isidentifier() and len(code) < 40 else None
