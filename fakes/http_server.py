"""A small threaded HTTP server for provider fakes: real sockets, routes, request log and
fault injection, so connectors run their real ``requests`` code paths.

A provider fake registers routes; a test queues faults that the next matching requests get:

    with FakeServer() as server:
        server.route("GET", r"/forms/(?P<form_id>\\w+)/submissions", handler)
        server.inject("429", path=r"/submissions", retry_after=0)   # next matching request
        ... connector pointed at server.url ...
        assert server.count("GET", r"/submissions") == 4
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str sent as is
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass
class Fault:
    kind: str  # "429", "500", "503", "malformed", "cut" (body ends before its Content-Length), "drop"
    path: str
    retry_after: int | None = None


class FakeServer:
    """Routes, a request log and queued faults; start it with ``with FakeServer() as s``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        #: Seconds each answer takes, as a real provider's does (0: at once).
        self.latency = 0.0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"$"), handler))

    def inject(self, kind: str, path: str = "", retry_after: int | None = None, times: int = 1) -> None:
        """The next ``times`` requests whose path matches ``path`` get this fault."""
        with self._lock:
            self.faults.extend(Fault(kind, path, retry_after) for _ in range(times))

    def count(self, method: str | None = None, path: str = "") -> int:
        return sum(1 for r in self.log if (method is None or r.method == method) and re.search(path, r.path))

    def __enter__(self) -> FakeServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # headers and body go out in two writes: without NODELAY each response waits ~40 ms
        self._httpd.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if re.search(fault.path, path):
                    return self.faults.pop(i)
        return None

    def dispatch(self, request: Request) -> Response | None:
        """The response for ``request``; None means: drop the connection."""
        with self._lock:
            self.log.append(request)
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(request.path)
        if fault is not None and fault.kind != "cut":
            return _fault_response(fault)
        response = self._route(request)
        if fault is not None and response is not None:  # the real answer, cut in transit
            response.headers["X-Fake-Cut"] = "1"
        return response

    def _route(self, request: Request) -> Response | None:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                request.params = match.groupdict()
                return handler(request)
        return Response(404, {"error": "not found"})


def _fault_response(fault: Fault) -> Response | None:
    if fault.kind == "drop":
        return None
    if fault.kind == "malformed":
        return Response(200, b'{"data": [ {"truncated', {"Content-Type": "application/json"})
    status = int(fault.kind)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return Response(status, {"error": {"code": status, "message": "injected fault"}}, headers)


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            response = server.dispatch(request)
            if response is None:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            body = response.body
            if isinstance(body, (dict, list)):
                payload = json.dumps(body).encode()
                response.headers.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                payload = body.encode()
            else:
                payload = body or b""
            self.send_response(response.status)
            cut = response.headers.pop("X-Fake-Cut", None) is not None
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if cut:  # half the body, then the connection closes: a page truncated in transit
                self.wfile.write(payload[: len(payload) // 2])
                self.close_connection = True
                return
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return _Handler
