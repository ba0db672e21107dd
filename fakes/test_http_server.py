"""The fake server itself: faults come in order, then normal answers; drops are real."""

import pytest
import requests

from fakes.http_server import FakeServer, Response


def test_routes_faults_and_log() -> None:
    with FakeServer() as server:
        server.route(
            "GET", r"/items/(?P<item>\w+)", lambda r: Response(200, {"item": r.params["item"], "q": r.arg("q")})
        )
        server.inject("503", path="/items", retry_after=0)
        assert requests.get(f"{server.url}/items/a", timeout=5).status_code == 503
        assert requests.get(f"{server.url}/items/a?q=1", timeout=5).json() == {"item": "a", "q": "1"}
        server.inject("drop", path="/items")
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/items/b", timeout=5)
        assert server.count("GET", "/items") == 3
