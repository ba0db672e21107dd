"""The Google Forms connector against the fake API on a real socket: each test is named after
what it breaks (pagination, unordered responses, a bad token, an edited response...)."""

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
from rollcall.connectors.google_forms import GoogleFormsForm, access_token_from_service_account, questions_of
from rollcall.connectors.http import SourceAuthError, SourceNotFound, SourceResponseError, make_session
from rollcall.models.records import content_hash
from rollcall.transforms.answers import available_keys
from rollcall.transforms.answers.google_forms import flatten

from fakes.google_forms import (
    LIST_QUERY,
    SCHEMAS,
    GoogleFormsFake,
    fictional_form,
    fictional_responses,
    zulu_micros,
)
from fakes.http_server import FakeServer

SPECS = Path(os.environ.get("ROLLCALL_SPECS_DIR", Path(__file__).parents[2] / "fakes" / "specs"))
SPEC = SPECS / "forms.v1.json"
LIST = r"/responses$"
SOURCE = "gform-lyon"


@pytest.fixture
def fake(server: FakeServer) -> GoogleFormsFake:
    fake = GoogleFormsFake(fictional_form()).register(server)
    fake.add_responses(fictional_responses(120, seed=11))
    return fake


def connect(fake: GoogleFormsFake, server: FakeServer, **options: Any) -> GoogleFormsForm:
    settings = {"form_id": fake.form_id, "access_token": fake.access_token, "page_size": 50, **options}
    return GoogleFormsForm(
        make_session(backoff_factor=0, backoff_jitter=0), source=SOURCE, base_url=server.url, **settings
    )


def pull(connector: GoogleFormsForm, cursor: str | None = None) -> list[Page]:
    return list(connector.iter_pages(cursor))


def ids(pages: list[Page]) -> list[str]:
    return [record.external_id for page in pages for record in page.records]


def newest(fake: GoogleFormsFake) -> str:
    return max(r["lastSubmittedTime"] for r in fake.responses.values())


# --- pagination ------------------------------------------------------------------------------


def test_three_pages_until_next_page_token_is_absent(fake: GoogleFormsFake, server: FakeServer) -> None:
    pages = pull(connect(fake, server))
    assert [len(p.records) for p in pages] == [50, 50, 20]
    assert sorted(ids(pages)) == sorted(fake.responses)
    assert server.count("GET", LIST) == 3 and server.count("GET") == 4  # + one forms.get


def test_cursor_only_on_last_page_and_is_the_newest_though_unordered(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    pages = pull(connect(fake, server))
    assert [p.cursor for p in pages[:-1]] == [None, None]
    assert pages[-1].cursor == newest(fake)
    last_submitted = [r.payload["item"]["lastSubmittedTime"] for p in pages for r in p.records]
    assert last_submitted != sorted(last_submitted)  # the fake does not serve them in time order


def test_default_page_size_is_left_to_the_api(fake: GoogleFormsFake, server: FakeServer) -> None:
    pages = pull(connect(fake, server, page_size=None))
    assert len(pages) == 1 and len(pages[0].records) == 120
    assert "pageSize" not in server.log[-1].query


def test_records_hold_the_response_verbatim_and_the_questions(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    record = pull(connect(fake, server))[0].records[0]
    response = fake.responses[record.external_id]
    assert record.payload["item"] == response and record.content_hash == content_hash(response)
    assert record.payload["form"]["questions"]["5e6f7081"] == {
        "title": "Site",
        "options": ["Paris", "Lyon", "Marseille", "Lille", "Bordeaux", "Strasbourg"],
    }


def test_form_without_responses_gives_one_empty_page(server: FakeServer) -> None:
    fake = GoogleFormsFake(fictional_form()).register(server)
    assert pull(connect(fake, server)) == [Page([], None)]
    assert pull(connect(fake, server), "2024-09-02T08:00:00Z") == [Page([], "2024-09-02T08:00:00.000000Z")]


# --- transient failures and malformed pages ---------------------------------------------------


@pytest.mark.parametrize(
    "fault", [pytest.param("429", id="rate_limited_retry_after"), pytest.param("500", id="server_error")]
)
def test_transient_fault_is_retried_then_pull_completes(
    fake: GoogleFormsFake,
    server: FakeServer,
    fault: str,
) -> None:
    server.inject(fault, path=LIST, retry_after=0 if fault == "429" else None)
    pages = pull(connect(fake, server))
    assert sorted(ids(pages)) == sorted(fake.responses)
    assert server.count("GET", LIST) == 3 + 1


def test_truncated_page_is_asked_again_and_the_pull_completes(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    fake.corrupt_page(2, b'{"responses": [ {"truncated')
    pages = pull(connect(fake, server))
    assert sorted(ids(pages)) == sorted(fake.responses) and pages[-1].cursor


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"responses": {"responseId": "x"}}, id="responses_not_a_list"),
        pytest.param({"responses": [{"answers": {}}]}, id="response_without_id"),
        pytest.param(["responses"], id="body_not_an_object"),
    ],
)
def test_malformed_second_page_stops_the_pull_without_cursor(
    fake: GoogleFormsFake,
    server: FakeServer,
    body: Any,
) -> None:
    fake.corrupt_page(2, body)
    seen: list[Page] = []
    with pytest.raises(SourceResponseError, match=SOURCE):
        for page in connect(fake, server).iter_pages(None):
            seen.append(page)
    assert len(seen) == 1 and seen[0].cursor is None


def test_a_page_token_given_back_unchanged_stops_the_pull(fake: GoogleFormsFake, server: FakeServer) -> None:
    """A server answering the same ``nextPageToken`` again would have the pull ask the same
    page for ever: it stops, the pages before kept, no cursor saved."""
    first: list[Page] = []
    connector = connect(fake, server)
    pages = connector.iter_pages(None)
    first.append(next(pages))
    token = connector.session.get(  # what page 2 is asked with, as the fake gave it
        f"{server.url}/v1/forms/{fake.form_id}/responses",
        params={"pageSize": "50"},
        headers={"Authorization": f"Bearer {fake.access_token}"},
    ).json()["nextPageToken"]
    fake.corrupt_page(3, {"responses": [], "nextPageToken": token})  # the 3rd list request: page 2
    with pytest.raises(SourceResponseError, match="same nextPageToken"):
        list(pages)
    assert first and first[0].cursor is None


# --- auth and ids ----------------------------------------------------------------------------


def test_rejected_token_401_names_source_and_hides_token(
    fake: GoogleFormsFake,
    server: FakeServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad_token = "ya29.expired-token-that-must-not-leak"
    caplog.set_level(logging.DEBUG)
    connector = connect(fake, server, access_token=bad_token)
    with pytest.raises(SourceAuthError, match=SOURCE) as raised:
        pull(connector)
    for text in (str(raised.value), repr(raised.value), repr(connector), caplog.text):
        assert bad_token not in text


def test_sends_bearer_token(fake: GoogleFormsFake, server: FakeServer) -> None:
    pull(connect(fake, server))
    assert {r.headers["authorization"] for r in server.log} == {f"Bearer {fake.access_token}"}


def test_unknown_form_is_not_found(fake: GoogleFormsFake, server: FakeServer) -> None:
    with pytest.raises(SourceNotFound, match=SOURCE):
        pull(connect(fake, server, form_id="1FAIpQLSunknown"))


# --- incremental pulls and edits -------------------------------------------------------------


def test_incremental_pull_sends_documented_filter_on_every_page(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    cursor = pull(connect(fake, server))[-1].cursor
    connector = connect(fake, server, page_size=2)
    late = datetime.fromisoformat(cursor) + timedelta(minutes=1)
    fake.add_responses(fictional_responses(3, seed=12, start=late))
    server.log.clear()
    pages = pull(connector, cursor)
    since = (datetime.fromisoformat(cursor) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    queries = [r.query for r in server.log if r.path.endswith("/responses")]
    assert len(queries) >= 2 and all(q["filter"] == [f"timestamp >= {since}"] for q in queries)
    assert "pageToken" not in queries[0] and all("pageToken" in q for q in queries[1:])
    assert all(set(q) <= LIST_QUERY for q in queries)
    assert pages[-1].cursor == newest(fake) and len(ids(pages)) >= 3


def test_edited_response_same_external_id_new_content_hash(fake: GoogleFormsFake, server: FakeServer) -> None:
    connector = connect(fake, server)
    first = pull(connector)
    before = {r.external_id: r.content_hash for p in first for r in p.records}
    response_id = sorted(fake.responses)[5]
    answers = {
        **fake.responses[response_id]["answers"],
        "2b3c4d5e": {"questionId": "2b3c4d5e", "textAnswers": {"answers": [{"value": "Martin-Roux"}]}},
    }
    at = datetime.fromisoformat(first[-1].cursor) + timedelta(hours=1)
    edited = fake.edit_response(response_id, answers, at)
    later = {r.external_id: r for p in pull(connector, first[-1].cursor) for r in p.records}
    assert later[response_id].content_hash != before[response_id]
    assert later[response_id].payload["item"]["createTime"] == edited["createTime"]
    assert flatten(later[response_id].payload)["Nom"] == "Martin-Roux"


# --- questions -------------------------------------------------------------------------------


def test_available_keys_are_ids_titles_and_fixed_keys(fake: GoogleFormsFake, server: FakeServer) -> None:
    connector = connect(fake, server)
    keys = available_keys("google_forms", connector.form_definition())
    assert {"1a2b3c4d", "Prénom", "Créneaux", "responseId", "lastSubmittedTime", "respondentEmail"} <= keys
    assert "Journées Engagées" not in keys  # a text item, not a question
    for page in pull(connector):
        for record in page.records:
            assert set(flatten(record.payload)) <= keys
    assert server.count("GET", r"/forms/[^/]+$") == 1  # forms.get read once


def test_grid_rows_are_questions_titled_like_the_linked_sheet() -> None:
    grid = {
        "itemId": "g1",
        "title": "Disponibilités",
        "questionGroupItem": {
            "grid": {"columns": {"type": "CHECKBOX", "options": [{"value": "Matin"}, {"value": "Après-midi"}]}},
            "questions": [
                {"questionId": "r1", "rowQuestion": {"title": "Samedi"}},
                {"questionId": "r2", "rowQuestion": {"title": "Dimanche"}},
            ],
        },
    }
    assert dict(questions_of([grid, "odd", {"questionItem": None}])) == {
        "r1": {"title": "Disponibilités [Samedi]", "options": ["Matin", "Après-midi"]},
        "r2": {"title": "Disponibilités [Dimanche]", "options": ["Matin", "Après-midi"]},
    }


# --- service account token -------------------------------------------------------------------


def _service_account(server: FakeServer, fake: GoogleFormsFake) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "rollcall-sync@fictional-project.iam.gserviceaccount.com"
    fake.service_accounts[email] = key.public_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "fictional-project",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": f"{server.url}/token",
    }


def test_service_account_key_gives_an_access_token(fake: GoogleFormsFake, server: FakeServer) -> None:
    info = _service_account(server, fake)
    token = access_token_from_service_account(info, session=make_session(backoff_factor=0))
    assert token == fake.access_token
    (claims,) = fake.assertions
    assert claims["iss"] == info["client_email"] and "forms.responses.readonly" in claims["scope"]
    assert pull(connect(fake, server, access_token=token))


def test_refused_service_account_key_is_auth_error_without_the_key(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    info = _service_account(server, fake)
    fake.service_accounts.clear()  # Google no longer knows the key (deleted in the console)
    with pytest.raises(SourceAuthError, match=SOURCE) as raised:
        access_token_from_service_account(info, session=make_session(backoff_factor=0), source=SOURCE)
    assert "PRIVATE KEY" not in str(raised.value) and raised.value.__cause__ is None


# --- the fake itself -------------------------------------------------------------------------


def test_fake_refuses_unknown_parameters_bad_filters_and_changed_filters(
    fake: GoogleFormsFake,
    server: FakeServer,
) -> None:
    url = f"{server.url}/v1/forms/{fake.form_id}/responses"
    auth = {"Authorization": f"Bearer {fake.access_token}"}
    assert requests.get(url, params={"orderBy": "createTime"}, headers=auth, timeout=5).status_code == 400
    not_zulu = {"filter": "timestamp >= 2024-09-02 08:00"}
    assert requests.get(url, params=not_zulu, headers=auth, timeout=5).status_code == 400
    since = "timestamp > 2024-09-02T08:00:00Z"
    first = requests.get(url, params={"pageSize": 10, "filter": since}, headers=auth, timeout=5).json()
    token = first["nextPageToken"]
    assert "formId" not in first["responses"][0]
    assert requests.get(url, params={"pageToken": token}, headers=auth, timeout=5).status_code == 400
    assert requests.get(url, params={"pageToken": token, "filter": since}, headers=auth, timeout=5).status_code == 200
    assert requests.get(url, timeout=5).json()["error"]["status"] == "UNAUTHENTICATED"


def test_fake_filter_compares_last_submitted_time(fake: GoogleFormsFake, server: FakeServer) -> None:
    moments = sorted(r["lastSubmittedTime"] for r in fake.responses.values())
    url = f"{server.url}/v1/forms/{fake.form_id}/responses"
    auth = {"Authorization": f"Bearer {fake.access_token}"}

    def listed(filter_text: str) -> list[dict[str, Any]]:
        return requests.get(url, params={"filter": filter_text}, headers=auth, timeout=5).json()["responses"]

    inclusive, exclusive = listed(f"timestamp >= {moments[-3]}"), listed(f"timestamp > {moments[-3]}")
    assert (len(inclusive), len(exclusive)) == (3, 2)
    assert zulu_micros(datetime(2024, 9, 2, 8, 0, 1, 55199, tzinfo=UTC)) == "2024-09-02T08:00:01.055199Z"


def _compact(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"]
    if prop.get("type") == "array":
        return f"[{_compact(prop['items'])}]"
    if prop.get("type") == "object" and "additionalProperties" in prop:
        return "{" + _compact(prop["additionalProperties"]) + "}"
    if "enum" in prop:
        return "enum:" + "|".join(prop["enum"])
    if prop.get("format") in ("google-datetime", "int32", "double"):
        return f"{prop['type']}:{prop['format']}"
    return prop["type"]


def test_fake_extract_matches_the_official_spec() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    for name, properties in SCHEMAS.items():
        official = {k: _compact(v) for k, v in spec["schemas"][name].get("properties", {}).items()}
        assert {k: official.get(k) for k in properties} == properties, name
    forms = spec["resources"]["forms"]
    assert set(forms["resources"]["responses"]["methods"]["list"]["parameters"]) - {"formId"} == LIST_QUERY
    assert forms["methods"]["get"]["path"] == "v1/forms/{formId}"
    assert forms["resources"]["responses"]["methods"]["list"]["path"] == "v1/forms/{formId}/responses"
