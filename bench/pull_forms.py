"""Benchmark: pull 50,000 submissions per web form from local fakes and land them raw.

Each provider's fake (fakes/) serves its documented pages on a real socket; the real
connector pages through it and every page is landed in a fresh SQLite database with its
cursor, as the nightly sync does. Prints records per second and requests made against the
pages needed; the last line is one JSON object with the figures.

    .venv/bin/python -m bench.pull_forms [--records 50000]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Callable
from typing import Any

from rollcall.connectors import store  # noqa: E402
from rollcall.connectors.database import session_scope, upgrade  # noqa: E402
from rollcall.connectors.http import make_session  # noqa: E402

from fakes.http_server import FakeServer  # noqa: E402


def tally(server: FakeServer, n: int) -> tuple[Any, int]:
    from rollcall.connectors.tally import MAX_PAGE_SIZE, TallyForm

    from fakes import tally as fake

    fake.serve_tally(server, fake.generate_submissions(n, seed=1))
    connector = TallyForm(make_session(), source="tally", form_id=fake.FORM_ID, token=fake.TOKEN, base_url=server.url)
    return connector, math.ceil(n / MAX_PAGE_SIZE) + 1  # + the questions read


def typeform(server: FakeServer, n: int) -> tuple[Any, int]:
    from rollcall.connectors.typeform import TypeformForm

    from fakes import typeform as fake

    fake.serve_typeform(server, fake.generate_responses(n, seed=1))
    connector = TypeformForm(
        make_session(), source="typeform", form_id=fake.FORM_ID, token=fake.TOKEN, base_url=server.url
    )
    # pages of 1000, one more when n is a multiple of the page size, + the form definition
    # once (the connector keeps it for the pull)
    return connector, n // 1000 + 1 + 1


def helloasso(server: FakeServer, n: int) -> tuple[Any, int]:
    from rollcall.connectors.helloasso import HelloAssoForm

    from fakes.helloasso import HelloAssoFake, fictional_items

    fake = HelloAssoFake().register(server)
    fake.add_items(fictional_items(n, seed=1))
    connector = HelloAssoForm(
        make_session(),
        source="helloasso",
        organization_slug=fake.organization_slug,
        form_slug=fake.form_slug,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        base_url=server.url,
    )
    # pages of 100, then the empty page that ends the list; + one token, + the public form once
    return connector, n // 100 + 1 + 1 + 1


def google_forms(server: FakeServer, n: int) -> tuple[Any, int]:
    from rollcall.connectors.google_forms import GoogleFormsForm

    from fakes.google_forms import GoogleFormsFake, fictional_form, fictional_responses

    fake = GoogleFormsFake(fictional_form()).register(server)
    fake.add_responses(fictional_responses(n, seed=1))
    connector = GoogleFormsForm(
        make_session(), source="google_forms", form_id=fake.form_id, access_token=fake.access_token, base_url=server.url
    )
    # the default page of 5000 responses, + one forms.get (kept for the pull)
    return connector, math.ceil(n / 5000) + 1


PROVIDERS: dict[str, Callable[[FakeServer, int], tuple[Any, int]]] = {
    "tally": tally,
    "typeform": typeform,
    "helloasso": helloasso,
    "google_forms": google_forms,
}


def pull(name: str, n: int, url: str) -> dict[str, Any]:
    with FakeServer() as server:
        build = PROVIDERS[name]
        generated = time.perf_counter()
        connector, expected_requests = build(server, n)
        start = time.perf_counter()
        connector.form_definition()
        landed = 0
        with session_scope(url) as session:
            run_id = store.start_run(session, "bench", None)
        for page in connector.iter_pages(None):
            with session_scope(url) as session:
                landed += store.land_raw_rows(session, "bench", name, page.records, run_id).new
                if page.cursor:
                    store.set_cursor(session, "bench", name, page.cursor)
        seconds = time.perf_counter() - start
        requests_made = server.count()
    return {
        "provider": name,
        "records": landed,
        "seconds": round(seconds, 2),
        "records_per_second": round(landed / seconds),
        "requests": requests_made,
        "requests_needed": expected_requests,
        "setup_seconds": round(start - generated, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in PROVIDERS:
            url = f"sqlite:///{tmp}/{name}.db"
            upgrade(url)
            result = pull(name, args.records, url)
            print(
                f"{name:10} {result['records']:>7} records in {result['seconds']:>6}s "
                f"({result['records_per_second']}/s), {result['requests']} requests "
                f"(needed {result['requests_needed']})"
            )
            results.append(result)
    print(json.dumps({"benchmark": "pull_forms", "records_per_provider": args.records, "results": results}))


if __name__ == "__main__":
    main()
