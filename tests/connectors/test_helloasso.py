"""The HelloAsso connector against the fake API on a real socket: each test is named after
what it breaks (pagination's end, rate limits, an expired token, a group order...)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from rollcall.connectors.forms import Page
from rollcall.connectors.helloasso import HelloAssoForm
from rollcall.connectors.http import SourceAuthError, SourceNotFound, SourceResponseError, make_session
from rollcall.models.records import content_hash
from rollcall.transforms.answers import available_keys
from rollcall.transforms.answers.helloasso import flatten

from fakes.helloasso import ENUMS, ITEMS_QUERY, SCHEMAS, FakeClock, HelloAssoFake, fictional_items
from fakes.http_server import FakeServer

SPECS = Path(os.environ.get("ROLLCALL_SPECS_DIR", Path(__file__).parents[2] / "fakes" / "specs"))
SPEC = SPECS / "helloasso.v5.openapi.json"
ITEMS = r"/items$"
SOURCE = "helloasso-paris"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(server: FakeServer, clock: FakeClock) -> HelloAssoFake:
    fake = HelloAssoFake(clock=clock).register(server)
    fake.add_items(fictional_items(250, seed=7))
    return fake


def connect(fake: HelloAssoFake, server: FakeServer, clock: FakeClock, **options: Any) -> HelloAssoForm:
    settings = {
        "organization_slug": fake.organization_slug,
        "form_slug": fake.form_slug,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        **options,
    }
    return HelloAssoForm(
        make_session(backoff_factor=0, backoff_jitter=0), source=SOURCE, base_url=server.url, clock=clock, **settings
    )


def pull(connector: HelloAssoForm, cursor: str | None = None) -> list[Page]:
    return list(connector.iter_pages(cursor))


def ids(pages: list[Page]) -> list[str]:
    return [record.external_id for page in pages for record in page.records]


def newest_update(fake: HelloAssoFake) -> str:
    return fake.latest_update().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- pagination ------------------------------------------------------------------------------


def test_three_pages_end_on_empty_page_though_token_still_present(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    pages = pull(connect(fake, server, clock))
    assert [len(p.records) for p in pages] == [100, 100, 50, 0]
    assert sorted(ids(pages)) == sorted(str(i) for i in fake.items)
    assert [p.cursor for p in pages] == [None, None, None, newest_update(fake)]
    item_requests = [r for r in server.log if r.path.endswith("/items")]
    assert len(item_requests) == 4 and server.count("POST", "/oauth2/token") == 1
    final = item_requests[-1]
    headers = {k: v for k, v in final.headers.items() if k in ("authorization", "accept")}
    last = requests.get(f"{server.url}{final.path}", params=final.query, headers=headers, timeout=5).json()
    assert last["data"] == [] and last["pagination"]["continuationToken"]
    assert last["pagination"]["totalCount"] == last["pagination"]["totalPages"] == -1


def test_records_hold_the_item_verbatim_and_hash_it_alone(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    record = pull(connect(fake, server, clock))[0].records[0]
    item = fake.items[int(record.external_id)]
    assert record.payload == {"item": item, "form": {}} and record.locator is None
    assert record.content_hash == content_hash(item)


def test_sends_accept_json_and_details_on_every_call(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    pull(connect(fake, server, clock))
    assert all(r.headers.get("accept") == "application/json" for r in server.log)
    assert all(r.query["withDetails"] == ["true"] for r in server.log if r.path.endswith("/items"))


def test_page_without_continuation_token_ends_the_pull_with_cursor(
    fake: HelloAssoFake, server: FakeServer, clock: FakeClock
) -> None:
    item = fake.items[1_000_001]
    fake.corrupt_page(
        1,
        {
            "data": [item],
            "pagination": {
                "pageSize": 100,
                "totalCount": -1,
                "pageIndex": 1,
                "totalPages": -1,
                "continuationToken": None,
            },
        },
    )
    pages = pull(connect(fake, server, clock))
    assert [len(p.records) for p in pages] == [1, 0] and pages[-1].cursor is not None
    assert server.count("GET", ITEMS) == 1


def test_continuation_token_that_does_not_move_stops_the_pull(
    fake: HelloAssoFake, server: FakeServer, clock: FakeClock
) -> None:
    pagination = {
        "pageSize": 100,
        "totalCount": -1,
        "pageIndex": 1,
        "totalPages": -1,
        "continuationToken": "20240902080000000000_1",
    }
    stuck = {"data": [fake.items[1_000_001]], "pagination": pagination}
    fake.corrupt_page(1, stuck)
    fake.corrupt_page(2, stuck)
    with pytest.raises(SourceResponseError, match="same continuation token"):
        pull(connect(fake, server, clock))


# --- transient failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [pytest.param("429", id="rate_limited_retry_after"), pytest.param("500", id="server_error")]
)
def test_transient_fault_is_retried_then_pull_completes(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
    fault: str,
) -> None:
    server.inject(fault, path=ITEMS, retry_after=0 if fault == "429" else None)
    pages = pull(connect(fake, server, clock))
    assert sorted(ids(pages)) == sorted(str(i) for i in fake.items)
    assert server.count("GET", ITEMS) == 4 + 1


def test_truncated_page_once_is_asked_again_and_the_pull_completes(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    fake.corrupt_page(2, b'{"data": [ {"truncated')
    pages = pull(connect(fake, server, clock))
    assert len(set(ids(pages))) == 250 and pages[-1].cursor


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="not_json"),
        pytest.param({"pagination": {"continuationToken": "x"}}, id="data_missing"),
        pytest.param({"data": None, "pagination": {}}, id="data_null"),
        pytest.param({"data": {"id": 1}, "pagination": {}}, id="data_not_a_list"),
        pytest.param({"data": [{"name": "Bénévole"}], "pagination": {}}, id="item_without_id"),
    ],
)
def test_malformed_second_page_stops_the_pull_without_cursor(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
    body: Any,
) -> None:
    if body is None:  # not JSON: asked again, so it must stay broken past the re-asks
        for number in range(2, 6):
            fake.corrupt_page(number, b'{"data": [ {"truncated')
    else:
        fake.corrupt_page(2, body)
    seen: list[Page] = []
    with pytest.raises(SourceResponseError, match=SOURCE):
        for page in connect(fake, server, clock).iter_pages(None):
            seen.append(page)
    assert len(seen) == 1 and all(page.cursor is None for page in seen)


# --- auth ------------------------------------------------------------------------------------


def test_token_expired_mid_pull_is_renewed_and_each_item_comes_once(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    pages = []
    for page in connect(fake, server, clock).iter_pages(None):
        pages.append(page)
        if len(pages) == 1:
            fake.expire_access_tokens()
    assert sorted(ids(pages)) == sorted(str(i) for i in fake.items)
    assert len(ids(pages)) == len(fake.items)
    assert fake.grants == ["client_credentials", "refresh_token"]
    assert server.count("GET", ITEMS) == 4 + 1  # the page refused with 401, asked again


def test_token_renewed_before_it_expires(fake: HelloAssoFake, server: FakeServer, clock: FakeClock) -> None:
    pages = []
    for page in connect(fake, server, clock).iter_pages(None):
        pages.append(page)
        clock.advance(1750)  # 50 s left of 1800: inside the refresh margin
    assert fake.grants == ["client_credentials", "refresh_token", "refresh_token", "refresh_token"]
    assert server.count("GET", ITEMS) == 4  # no request was refused
    assert len(ids(pages)) == len(fake.items)


def test_refused_refresh_token_falls_back_to_client_credentials(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    pages = []
    for page in connect(fake, server, clock).iter_pages(None):
        pages.append(page)
        if len(pages) == 1:
            fake.expire_access_tokens()
            fake.revoke_refresh_tokens()
    assert fake.grants == ["client_credentials", "client_credentials"]
    assert len(ids(pages)) == len(fake.items)


def test_token_request_is_form_encoded_client_credentials(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    pull(connect(fake, server, clock, page_size=500))
    (token_request,) = [r for r in server.log if r.path == "/oauth2/token"]
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.form() == {
        "grant_type": "client_credentials",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
    }


@pytest.mark.parametrize("status", [400, 401])
def test_wrong_client_secret_names_source_where_it_came_from_and_hides_secret(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    fake.bad_secret_status = status
    wrong_secret = "wrong-secret-that-must-not-leak"
    connector = connect(fake, server, clock, client_secret=wrong_secret)
    connector.session.credential_origin = "client_secret in environment variable HELLOASSO_SECRET"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceAuthError) as raised:
        pull(connector)
    message = str(raised.value)
    assert SOURCE in message and "HELLOASSO_SECRET" in message and f"HTTP {status}, invalid_client" in message
    for text in (message, repr(raised.value), repr(connector), caplog.text):
        assert wrong_secret not in text
    assert server.count("GET", ITEMS) == 0 and server.count("POST", "/oauth2/token") == 1


def test_no_secret_or_token_in_logs_or_repr(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    connector = connect(fake, server, clock)
    for _page in connector.iter_pages(None):
        fake.expire_access_tokens()
    issued = list(fake.access_tokens) + [fake.client_secret]
    for text in (caplog.text, repr(connector), repr(connector._tokens)):
        assert not any(secret in text for secret in issued)


def test_unknown_form_is_not_found(fake: HelloAssoFake, server: FakeServer, clock: FakeClock) -> None:
    with pytest.raises(SourceNotFound, match=SOURCE):
        pull(connect(fake, server, clock, form_slug="formulaire-inconnu"))


# --- incremental pulls, edits, cancellations ------------------------------------------------


def test_incremental_pull_sends_documented_filter(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    connector = connect(fake, server, clock, page_size=100)
    cursor = pull(connector)[-1].cursor
    server.log.clear()
    pull(connector, cursor)
    since = datetime.fromisoformat(cursor) - timedelta(minutes=10)
    first, *rest = [r.query for r in server.log if r.path.endswith("/items")]
    assert first == {
        "withDetails": ["true"],
        "pageSize": ["100"],
        "sortField": ["UpdateDate"],
        "sortOrder": ["Asc"],
        "from": [since.strftime("%Y-%m-%dT%H:%M:%SZ")],
    }
    assert all({k: v for k, v in q.items() if k != "continuationToken"} == first for q in rest)
    assert all(set(q) <= set(ITEMS_QUERY) for q in [first, *rest])


def test_nothing_new_keeps_the_cursor(fake: HelloAssoFake, server: FakeServer, clock: FakeClock) -> None:
    connector = connect(fake, server, clock)
    cursor = pull(connector)[-1].cursor
    again = pull(connector, cursor)
    assert again[-1].cursor == cursor


def test_edited_item_same_external_id_new_content_hash(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    connector = connect(fake, server, clock)
    first = pull(connector)
    before = {r.external_id: r.content_hash for p in first for r in p.records}
    fake.edit_item(1_000_010, user={"firstName": "Léa", "lastName": "MARTIN-ROUX"})
    later = {r.external_id: r.content_hash for p in pull(connector, first[-1].cursor) for r in p.records}
    assert "1000010" in later and later["1000010"] != before["1000010"]


def test_canceled_item_comes_through_and_flattens_canceled(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    connector = connect(fake, server, clock)
    cursor = pull(connector)[-1].cursor
    fake.edit_item(1_000_020, state="Canceled")
    (record,) = [r for p in pull(connector, cursor) for r in p.records if r.external_id == "1000020"]
    assert flatten(record.payload)["state"] == "Canceled"


def test_group_order_payer_is_not_the_participants(server: FakeServer, clock: FakeClock) -> None:
    fake = HelloAssoFake(clock=clock).register(server)
    first, second = fictional_items(2, seed=3, group_share=0)
    order = first["order"]
    payer = {"email": "parent.fictif@example.org", "country": "FRA", "firstName": "Nadia", "lastName": "BENALI"}
    fake.add_items(
        [
            {
                **first,
                "order": order,
                "payer": payer,
                "user": {"firstName": "Yanis", "lastName": "BENALI"},
                "customFields": [{"id": 100, "name": "Email", "type": "TextInput", "answer": "yanis.b@example.org"}],
            },
            {
                **second,
                "order": order,
                "payer": payer,
                "user": {"firstName": "Inès", "lastName": "BENALI"},
                "customFields": [{"id": 100, "name": "Email", "type": "TextInput", "answer": "ines.b@example.org"}],
            },
        ]
    )
    flat = [flatten(r.payload) for p in pull(connect(fake, server, clock)) for r in p.records]
    assert {(f["user.firstName"], f["customFields.Email"]) for f in flat} == {
        ("Yanis", "yanis.b@example.org"),
        ("Inès", "ines.b@example.org"),
    }
    assert {f["payer.email"] for f in flat} == {"parent.fictif@example.org"}
    assert len({f["order.id"] for f in flat}) == 1


def test_available_keys_are_fixed_keys_and_tier_custom_fields(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    keys = available_keys("helloasso", connect(fake, server, clock).form_definition())
    assert {"id", "state", "user.firstName", "payer.email", "customFields.Email", "customFields.Téléphone"} <= keys
    flat = flatten(pull(connect(fake, server, clock))[0].records[0].payload)
    assert set(flat) <= keys


def test_client_without_access_public_data_still_checks_mapping_and_pulls(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.privileges = frozenset({"AccessTransactions"})
    mapped = {"user.firstName", "customFields.Email", "customFields.Allergies"}
    connector = connect(fake, server, clock)
    keys = available_keys("helloasso", connector.form_definition(), mapped)
    assert {"customFields.Email", "customFields.Site", "user.lastName"} <= keys
    assert "customFields.Allergies" in keys and "AccessPublicData" in caplog.text  # optional: warned, not failed
    assert "user.prenom" not in keys  # a typo in a fixed key is still caught
    assert server.count("GET", r"/public$") == 1 and server.count("POST", "/oauth2/token") == 1
    assert len(ids(pull(connector))) == 250


def test_pull_never_asks_the_public_form_description(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    fake.privileges = frozenset({"AccessTransactions"})
    assert len(ids(pull(connect(fake, server, clock)))) == 250
    assert server.count("GET", r"/public$") == 0


# --- the fake itself -------------------------------------------------------------------------


def test_fake_refuses_unknown_query_parameters_and_serves_csv_without_accept(
    fake: HelloAssoFake,
    server: FakeServer,
    clock: FakeClock,
) -> None:
    token = requests.post(
        f"{server.url}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": fake.client_id, "client_secret": fake.client_secret},
        timeout=5,
    ).json()
    url = f"{server.url}/v5/organizations/{fake.organization_slug}/forms/Event/{fake.form_slug}/items"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    json_auth = {**auth, "Accept": "application/json"}
    assert requests.get(url, params={"updatedSince": "2024-01-01"}, headers=json_auth, timeout=5).status_code == 400
    assert requests.get(url, params={"sortField": "Updated"}, headers=json_auth, timeout=5).status_code == 400
    assert requests.get(url, headers=auth, timeout=5).headers["content-type"] == "text/csv"
    without_details = requests.get(url, params={"pageSize": 1}, headers=json_auth, timeout=5).json()["data"][0]
    assert "customFields" not in without_details
    assert requests.get(url, headers={"Accept": "application/json"}, timeout=5).status_code == 401


def _compact(prop: dict[str, Any]) -> str:
    null = "?" if prop.get("nullable") else ""
    if "$ref" in prop:
        return prop["$ref"].rsplit(".", 1)[-1] + null
    if prop.get("type") == "array":
        return f"[{_compact(prop['items'])}]{null}"
    if prop.get("format") == "date-time":
        return "date-time" + null
    return prop["type"] + null


def test_fake_extract_matches_the_official_spec() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schemas = {name.rsplit(".", 1)[-1]: schema for name, schema in spec["components"]["schemas"].items()}
    for name, properties in SCHEMAS.items():
        assert schemas[name].get("additionalProperties") is False, name
        official = {k: _compact(v) for k, v in schemas[name]["properties"].items()}
        assert {k: official.get(k) for k in properties} == properties, name
    for name, values in ENUMS.items():
        assert set(values) <= set(schemas[name]["enum"]), name
    route = spec["paths"]["/organizations/{organizationSlug}/forms/{formType}/{formSlug}/items"]["get"]
    query = {p["name"]: _compact(p["schema"]) for p in route["parameters"] if p["in"] == "query"}
    assert query == ITEMS_QUERY
    flows = spec["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"].endswith("/oauth2/token")
