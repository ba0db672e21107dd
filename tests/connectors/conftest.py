"""Fixtures shared by the web-form connector tests: one local server per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from rollcall.connectors.http import make_session

from fakes.http_server import FakeServer


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def server(running_server: FakeServer) -> FakeServer:
    """The module's server with no routes, faults or log left from another test."""
    running_server.routes.clear()
    running_server.faults.clear()
    running_server.log.clear()
    return running_server


@pytest.fixture
def session() -> requests.Session:
    """A session that retries at once: the tests check behaviour, not waiting."""
    return make_session(backoff_factor=0, backoff_jitter=0)
