"""The Typeform connector against a local Typeform on a real socket: token paging, retries,
refusals, malformed pages, incremental pulls and the overlap window for late responses."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests

from rollcall.connectors.forms import Page, zulu
from rollcall.connectors.http import (
    SourceAuthError,
    SourceConfigError,
    SourceError,
    SourceNotFound,
    SourceResponseError,
    SourceUnavailable,
    make_session,
)
from rollcall.connectors.typeform import TypeformForm
from rollcall.models.records import content_hash
from rollcall.transforms.answers import available_keys

from fakes.http_server import FakeServer
from fakes.typeform import (
    F_DETAILS,
    F_POSTCODE,
    FORM_ID,
    HIDDEN,
    NOT_SUBMITTED,
    TOKEN,
    TypeformFake,
    form_definition,
    format_time,
    generate_responses,
    serve_typeform,
)

RESPONSES = "/responses"
DEFINITION = rf"/forms/{FORM_ID}$"


def typeform(server: FakeServer, session: requests.Session, **options: object) -> TypeformForm:
    settings = {"source": "typeform-lyon", "form_id": FORM_ID, "token": TOKEN, "page_size": 4, **options}
    return TypeformForm(session, base_url=server.url, **settings)  # type: ignore[arg-type]


def serve(server: FakeServer, count: int = 10, seed: int = 1, unfinished: int = 0) -> TypeformFake:
    return serve_typeform(server, generate_responses(count, seed=seed, unfinished=unfinished))


def pull(connector: TypeformForm, cursor: str | None = None) -> list[Page]:
    return list(connector.iter_pages(cursor))


def submitted(fake: TypeformFake) -> list[dict]:
    return [r for r in fake.responses if r["submitted_at"] != NOT_SUBMITTED]


def latest(fake: TypeformFake) -> str:
    return zulu(max(datetime.fromisoformat(r["submitted_at"]) for r in submitted(fake)))


def responses_requests(server: FakeServer) -> list:
    return [r for r in server.log if r.path.endswith(RESPONSES)]


def test_three_pages_by_token_hold_every_completed_response_once(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=10, unfinished=2)
    pages = pull(typeform(server, session))
    assert [len(page.records) for page in pages] == [4, 4, 2]
    assert [page.cursor for page in pages] == [None, None, latest(fake)]
    ids = [r.external_id for p in pages for r in p.records]
    assert sorted(ids) == sorted(r["response_id"] for r in submitted(fake))  # never the unsubmitted landings
    sent = responses_requests(server)
    assert [r.arg("before") for r in sent] == [None, pages[0].records[-1].external_id, pages[1].records[-1].external_id]
    assert {(r.arg("page_size"), r.arg("response_type"), r.arg("since"), r.arg("sort")) for r in sent} == {
        ("4", "completed", None, None)
    }
    assert server.count("GET", RESPONSES) == 3 and server.count("GET", DEFINITION) == 1


def test_exact_multiple_of_the_page_size_costs_one_empty_page(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=8)
    pages = pull(typeform(server, session))
    assert [len(page.records) for page in pages] == [4, 4, 0]
    assert pages[-1].cursor == latest(fake)
    assert server.count("GET", RESPONSES) == 3


def test_record_is_the_response_verbatim_with_its_field_context(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=3)
    records = {r.external_id: r for page in pull(typeform(server, session)) for r in page.records}
    for response in fake.responses:
        record = records[response["response_id"]]
        assert record.payload["item"] == response
        assert record.content_hash == content_hash(response)
        assert record.locator is None
    fields = {f["id"]: f for f in record.payload["form"]["questions"]}
    assert fields[F_POSTCODE] == {"id": F_POSTCODE, "ref": "postcode", "title": "Code postal", "type": "short_text"}
    assert fields[F_DETAILS]["type"] == "group"


def test_response_without_response_id_is_keyed_by_its_token(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=1)
    (response,) = fake.responses
    fake.upsert({k: v for k, v in response.items() if k != "response_id"})
    (page,) = pull(typeform(server, session))
    assert [r.external_id for r in page.records] == [response["token"]]


@pytest.mark.parametrize(("fault", "retry_after"), [
    pytest.param("429", 0, id="rate_limited_with_retry_after"),
    pytest.param("500", None, id="server_error"),
    pytest.param("drop", None, id="connection_dropped"),
])  # fmt: skip
def test_transient_failure_is_retried_and_nothing_is_lost(
    server: FakeServer, session: requests.Session, fault: str, retry_after: int | None
) -> None:
    fake = serve(server, count=10)
    pages = typeform(server, session).iter_pages(None)
    first = next(pages)
    server.inject(fault, path=RESPONSES, retry_after=retry_after)
    ids = [r.external_id for page in [first, *pages] for r in page.records]
    assert sorted(ids) == sorted(r["response_id"] for r in fake.responses)
    assert server.count("GET", RESPONSES) == 4  # three pages and one retry


def test_rate_limited_definition_is_retried(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=2)
    server.inject("429", path=DEFINITION, retry_after=0)
    assert len(available_keys("typeform", typeform(server, session).form_definition())) > 10
    assert server.count("GET", DEFINITION) == 2


def test_still_failing_after_the_retries_is_unavailable(server: FakeServer) -> None:
    serve(server)
    server.inject("500", path=RESPONSES, times=3)
    connector = typeform(server, make_session(retries=2, backoff_factor=0, backoff_jitter=0))
    with pytest.raises(SourceUnavailable, match="typeform-lyon"):
        pull(connector)


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda body: {k: v for k, v in body.items() if k != "items"}, id="no_items_key"),
    pytest.param(lambda body: {**body, "items": {"token": "x"}}, id="items_not_a_list"),
    pytest.param(lambda body: {**body, "items": [*body["items"][:-1], {"submitted_at": "2024-09-02T07:00:00Z"}]},
                 id="response_without_token"),
    pytest.param(lambda body: {**body, "items": [{**i, "submitted_at": None} for i in body["items"]]},
                 id="submitted_at_missing"),
    pytest.param(lambda body: {**body, "items": [{**i, "answers": "Lyon"} for i in body["items"]]},
                 id="answers_not_a_list"),
    pytest.param(lambda body: {**body, "items": [{**i, "hidden": ["x"]} for i in body["items"]]},
                 id="hidden_not_an_object"),
    pytest.param(lambda body: [body], id="page_not_an_object"),
])  # fmt: skip
def test_malformed_second_page_stops_the_pull_after_whole_pages_without_a_cursor(
    server: FakeServer, session: requests.Session, tamper
) -> None:
    fake = serve(server, count=10)
    fake.tamper = lambda n, body: tamper(body) if n == 2 else body
    pages = typeform(server, session).iter_pages(None)
    first = next(pages)
    with pytest.raises(SourceResponseError, match="source typeform-lyon") as caught:
        next(pages)
    assert "cursor was not advanced" in str(caught.value)
    assert len(first.records) == 4 and first.cursor is None
    assert all(r.payload["item"]["answers"] for r in first.records)


@pytest.mark.parametrize(
    "fault", [pytest.param("malformed", id="malformed_json"), pytest.param("cut", id="truncated_in_transit")]
)
def test_page_that_is_not_whole_json_is_asked_again(server: FakeServer, session: requests.Session, fault: str) -> None:
    serve(server, count=10)
    server.inject(fault, path=RESPONSES, times=2)
    pages = pull(typeform(server, session))
    assert len({r.external_id for p in pages for r in p.records}) == 10 and pages[-1].cursor


def test_page_that_stays_unreadable_stops_the_pull(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=10)
    pages = typeform(server, session).iter_pages(None)
    first = next(pages)
    server.inject("malformed", path=RESPONSES, times=4)
    with pytest.raises(SourceResponseError, match="typeform-lyon.*4 times in a row"):
        next(pages)
    assert first.cursor is None


def test_page_that_does_not_move_on_stops_the_pull(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=10)
    first_page: list = []
    fake.tamper = lambda n, body: first_page.append(body) or body if n == 1 else first_page[0]
    with pytest.raises(SourceResponseError, match="does not move past"):
        pull(typeform(server, session))
    assert server.count("GET", RESPONSES) == 2


def test_wrong_token_is_an_auth_error_that_never_shows_the_token(
    server: FakeServer, session: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    serve(server)
    secret = "tfp_wrong_SECRET_0123456789"
    connector = typeform(server, session, token=secret)
    caplog.set_level(logging.DEBUG)
    for call in (lambda: pull(connector), connector.form_definition):
        with pytest.raises(SourceAuthError, match="typeform-lyon") as caught:
            call()
        assert secret not in str(caught.value) and secret not in repr(caught.value)
        assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert secret not in repr(connector) and secret not in caplog.text


def test_unknown_form_is_not_found(server: FakeServer, session: requests.Session) -> None:
    serve(server)
    connector = typeform(server, session, form_id="nOpE4242")
    with pytest.raises(SourceNotFound, match="nOpE4242"):
        pull(connector)
    with pytest.raises(SourceNotFound, match="typeform-lyon"):
        connector.form_definition()


def test_edited_response_keeps_its_id_and_changes_its_hash(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=5)
    connector = typeform(server, session)
    before = {r.external_id: r.content_hash for p in pull(connector) for r in p.records}
    edited = fake.responses[2]
    answers = [{**edited["answers"][0], "text": "Héloïse"}, *edited["answers"][1:]]
    fake.upsert({**edited, "answers": answers})
    after = {r.external_id: r.content_hash for p in pull(connector) for r in p.records}
    assert before.keys() == after.keys()
    assert {k for k in before if before[k] != after[k]} == {edited["response_id"]}


def test_pulling_twice_gives_the_same_records(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=10)
    connector = typeform(server, session)
    first, second = pull(connector), pull(connector)
    assert [(r.external_id, r.content_hash) for p in first for r in p.records] == [
        (r.external_id, r.content_hash) for p in second for r in p.records
    ]
    assert first[-1].cursor == second[-1].cursor


def test_cursor_asks_for_responses_since_it_minus_the_overlap(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=40)  # about 80 minutes of sign-ups
    connector = typeform(server, session, page_size=10)
    cursor = pull(connector)[-1].cursor
    newer = generate_responses(5, seed=9, start=datetime.fromisoformat(cursor))
    for response in newer:
        fake.upsert(response)
    server.log.clear()
    pages = pull(connector, cursor)
    since = datetime.fromisoformat(cursor) - timedelta(minutes=30)
    assert {r.arg("since") for r in responses_requests(server)} == {since.strftime("%Y-%m-%dT%H:%M:%S")}
    got = {r.external_id for p in pages for r in p.records}
    in_window = {r["response_id"] for r in fake.responses if datetime.fromisoformat(r["submitted_at"]) >= since}
    assert got == in_window  # the new ones, and those in the overlap window read again
    assert {r["response_id"] for r in newer} <= got and len(got) < len(fake.responses)
    assert pages[-1].cursor == latest(fake) and all(p.cursor is None for p in pages[:-1])


@pytest.mark.parametrize(("overlap", "caught"), [
    pytest.param(timedelta(minutes=30), True, id="default_overlap_catches_the_late_response"),
    pytest.param(timedelta(0), False, id="no_overlap_misses_it"),
])  # fmt: skip
def test_response_that_shows_up_late_is_read_within_the_overlap(
    server: FakeServer, session: requests.Session, overlap: timedelta, caught: bool
) -> None:
    fake = serve(server, count=3)
    connector = typeform(server, session, overlap=overlap)
    cursor = pull(connector)[-1].cursor
    late = generate_responses(1, seed=5)[0]
    late_at = datetime.fromisoformat(cursor) - timedelta(minutes=10)  # submitted before the last pull, listed after
    late.update(submitted_at=format_time(late_at), landed_at=format_time(late_at - timedelta(minutes=2)))
    fake.upsert(late)
    got = {r.external_id for p in pull(connector, cursor) for r in p.records}
    assert (late["response_id"] in got) is caught


def test_request_count_is_the_pages_needed(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=2500)
    pages = pull(typeform(server, session, page_size=1000))
    assert [len(p.records) for p in pages] == [1000, 1000, 500]
    assert server.count("GET", RESPONSES) == 3 and server.count() == 4  # and the form definition


def test_available_keys_are_ids_refs_titles_hidden_and_fixed_keys(
    server: FakeServer, session: requests.Session
) -> None:
    serve(server)
    keys = available_keys("typeform", typeform(server, session).form_definition())
    fixed = {"response_id", "token", "submitted_at", "landed_at"}
    assert fixed | {f"hidden.{name}" for name in HIDDEN} <= keys
    assert {F_POSTCODE, "postcode", "Code postal"} <= keys  # a question inside a group
    assert {"site", "Sur quel site voulez-vous aider ?", "Quels créneaux ?"} <= keys
    assert server.count() == 1


def test_repr_and_bad_settings(server: FakeServer, session: requests.Session) -> None:
    connector = typeform(server, session)
    assert repr(connector) == f"TypeformForm(source='typeform-lyon', form_id='{FORM_ID}', base_url='{server.url}')"
    with pytest.raises(ValueError, match="page_size"):
        typeform(server, session, page_size=1001)
    with pytest.raises(ValueError, match="overlap"):
        typeform(server, session, overlap=timedelta(minutes=-1))
    with pytest.raises(SourceError, match="cursor .* clear it"):
        pull(connector, "yesterday")


def test_cursor_is_utc(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=2)
    cursor = pull(typeform(server, session), "2024-09-02T09:00:00+02:00")[-1].cursor
    assert cursor.endswith("Z") and datetime.fromisoformat(cursor) >= datetime(2024, 9, 2, 7, tzinfo=UTC)
    assert responses_requests(server)[0].arg("since") == "2024-09-02T06:30:00"


def test_mapping_check_and_pull_read_the_definition_once(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=6)
    connector = typeform(server, session)
    connector.form_definition()
    assert len([r for p in pull(connector) for r in p.records]) == 6
    assert server.count("GET", DEFINITION) == 1


def test_eu_form_read_through_the_us_host_fails_naming_the_right_base_url(
    server: FakeServer,
    session: requests.Session,
) -> None:
    eu = "https://api.eu.typeform.com"
    serve_typeform(server, generate_responses(5, seed=3), definition=form_definition(FORM_ID, eu))
    connector = typeform(server, session)
    with pytest.raises(SourceConfigError) as raised:
        pull(connector)
    message = str(raised.value)
    assert "typeform-lyon" in message and f'base_url = "{eu}"' in message and server.url in message
    assert server.count("GET", RESPONSES) == 0
