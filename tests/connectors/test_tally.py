"""The Tally connector against a local Tally on a real socket: paging, retries, refusals,
malformed pages and incremental pulls, each case named after what it breaks."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pytest
import requests

from rollcall.connectors.forms import Page, zulu
from rollcall.connectors.http import (
    SourceAuthError,
    SourceError,
    SourceNotFound,
    SourceResponseError,
    SourceUnavailable,
    make_session,
)
from rollcall.connectors.tally import TallyForm
from rollcall.models.records import content_hash
from rollcall.transforms.answers import available_keys

from fakes.http_server import FakeServer
from fakes.tally import FORM_ID, Q_FIRST_NAME, Q_SITE, SITE_OPTIONS, TOKEN, TallyFake, generate_submissions, serve_tally

SUBMISSIONS = "/submissions"


def tally(server: FakeServer, session: requests.Session, **options: object) -> TallyForm:
    settings = {"source": "tally-paris", "form_id": FORM_ID, "token": TOKEN, "page_size": 4, **options}
    return TallyForm(session, base_url=server.url, **settings)  # type: ignore[arg-type]


def serve(server: FakeServer, count: int = 10, seed: int = 1) -> TallyFake:
    return serve_tally(server, generate_submissions(count, seed=seed))


def pull(connector: TallyForm, cursor: str | None = None) -> list[Page]:
    return list(connector.iter_pages(cursor))


def latest(fake: TallyFake) -> str:
    newest = max(datetime.fromisoformat(s["submittedAt"]) for s in fake.submissions)
    return zulu(newest)


def test_three_pages_hold_every_submission_once_and_only_the_last_carries_the_cursor(
    server: FakeServer, session: requests.Session
) -> None:
    fake = serve(server, count=10)
    pages = pull(tally(server, session))
    assert [len(page.records) for page in pages] == [4, 4, 2]
    assert [page.cursor for page in pages] == [None, None, latest(fake)]
    assert sorted(r.external_id for p in pages for r in p.records) == sorted(s["id"] for s in fake.submissions)
    assert server.count("GET", SUBMISSIONS) == 3
    assert [r.arg("page") for r in server.log] == ["1", "2", "3"]
    assert {(r.arg("limit"), r.arg("filter"), r.arg("startDate")) for r in server.log} == {("4", "completed", None)}


def test_record_is_the_submission_verbatim_with_its_question_context(
    server: FakeServer, session: requests.Session
) -> None:
    fake = serve(server, count=3)
    records = {r.external_id: r for page in pull(tally(server, session)) for r in page.records}
    for submission in fake.submissions:
        record = records[submission["id"]]
        assert record.payload["item"] == submission
        assert record.content_hash == content_hash(submission)
        assert record.locator is None
    questions = {q["id"]: q for q in record.payload["form"]["questions"]}
    assert questions[Q_SITE]["options"] == SITE_OPTIONS
    assert questions[Q_FIRST_NAME] == {"id": Q_FIRST_NAME, "title": "Prénom", "type": "INPUT_TEXT", "options": {}}


def test_empty_form_gives_one_empty_page_and_no_cursor(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=0)
    assert pull(tally(server, session)) == [Page([], None)]


@pytest.mark.parametrize(("fault", "retry_after"), [
    pytest.param("429", 0, id="rate_limited_with_retry_after"),
    pytest.param("429", 1, id="rate_limited_for_a_second"),
    pytest.param("500", None, id="server_error"),
    pytest.param("drop", None, id="connection_dropped"),
])  # fmt: skip
def test_transient_failure_is_retried_and_nothing_is_lost(
    server: FakeServer, session: requests.Session, fault: str, retry_after: int | None
) -> None:
    fake = serve(server, count=10)
    connector = tally(server, session)
    pages = connector.iter_pages(None)
    first = next(pages)
    server.inject(fault, path=SUBMISSIONS, retry_after=retry_after)
    started = time.monotonic()
    rest = list(pages)
    assert time.monotonic() - started >= (retry_after or 0)  # Retry-After is honoured
    ids = [r.external_id for page in [first, *rest] for r in page.records]
    assert sorted(ids) == sorted(s["id"] for s in fake.submissions)
    assert server.count("GET", SUBMISSIONS) == 4  # three pages and one retry


def test_still_failing_after_the_retries_is_unavailable(server: FakeServer) -> None:
    serve(server)
    server.inject("503", path=SUBMISSIONS, retry_after=0, times=3)
    connector = tally(server, make_session(retries=2, backoff_factor=0, backoff_jitter=0))
    with pytest.raises(SourceUnavailable, match="tally-paris"):
        pull(connector)


def _missing_submissions(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "submissions"}


@pytest.mark.parametrize("tamper", [
    pytest.param(_missing_submissions, id="no_submissions_key"),
    pytest.param(lambda body: {**body, "submissions": {"id": "x"}}, id="submissions_not_a_list"),
    pytest.param(lambda body: {**body, "hasMore": "yes"}, id="has_more_not_a_boolean"),
    pytest.param(lambda body: {**body, "questions": None}, id="questions_missing"),
    pytest.param(lambda body: {**body, "submissions": [*body["submissions"][:-1], {"responses": []}]},
                 id="submission_without_id"),
    pytest.param(lambda body: {**body, "submissions": [{**s, "submittedAt": "hier"} for s in body["submissions"]]},
                 id="submitted_at_not_a_date"),
    pytest.param(lambda body: {**body, "submissions": [{**s, "responses": None} for s in body["submissions"]]},
                 id="responses_not_a_list"),
    pytest.param(lambda body: [body], id="page_not_an_object"),
    pytest.param(lambda body: {**body, "submissions": []}, id="empty_page_claiming_more"),
])  # fmt: skip
def test_malformed_second_page_stops_the_pull_after_whole_pages_without_a_cursor(
    server: FakeServer, session: requests.Session, tamper
) -> None:
    fake = serve(server, count=10)
    fake.tamper = lambda n, body: tamper(body) if n == 2 else body
    pages = tally(server, session).iter_pages(None)
    first = next(pages)
    with pytest.raises(SourceResponseError, match="source tally-paris") as caught:
        next(pages)
    assert "cursor was not advanced" in str(caught.value)
    assert len(first.records) == 4 and first.cursor is None
    assert all(r.payload["item"]["responses"] for r in first.records)


@pytest.mark.parametrize(
    "fault", [pytest.param("malformed", id="malformed_json"), pytest.param("cut", id="truncated_in_transit")]
)
def test_page_that_is_not_whole_json_is_asked_again(server: FakeServer, session: requests.Session, fault: str) -> None:
    serve(server, count=10)
    server.inject(fault, path=SUBMISSIONS, times=2)
    pages = pull(tally(server, session))
    assert len({r.external_id for p in pages for r in p.records}) == 10 and pages[-1].cursor


def test_page_that_stays_unreadable_stops_the_pull(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=10)
    pages = tally(server, session).iter_pages(None)
    first = next(pages)
    server.inject("malformed", path=SUBMISSIONS, times=4)
    with pytest.raises(SourceResponseError, match="tally-paris.*4 times in a row"):
        next(pages)
    assert first.cursor is None


def test_wrong_token_is_an_auth_error_that_never_shows_the_token(
    server: FakeServer, session: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    serve(server)
    secret = "tly-wrong-SECRET-0123456789"
    connector = tally(server, session, token=secret)
    caplog.set_level(logging.DEBUG)
    for call in (lambda: pull(connector), connector.form_definition):
        with pytest.raises(SourceAuthError, match="tally-paris") as caught:
            call()
        assert secret not in str(caught.value) and secret not in repr(caught.value)
        assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert secret not in repr(connector) and secret not in caplog.text
    assert server.log[0].headers["authorization"] == f"Bearer {secret}"


def test_unknown_form_is_not_found(server: FakeServer, session: requests.Session) -> None:
    serve(server)
    connector = tally(server, session, form_id="nOpE42")
    with pytest.raises(SourceNotFound, match="nOpE42"):
        pull(connector)
    with pytest.raises(SourceNotFound, match="tally-paris"):
        connector.form_definition()


def test_edited_submission_keeps_its_id_and_changes_its_hash(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=5)
    connector = tally(server, session)
    before = {r.external_id: r.content_hash for p in pull(connector) for r in p.records}
    edited = fake.submissions[2]
    fake.upsert({**edited, "responses": [{**edited["responses"][0], "answer": "Héloïse"}, *edited["responses"][1:]]})
    after = {r.external_id: r.content_hash for p in pull(connector) for r in p.records}
    assert before.keys() == after.keys()
    assert after[edited["id"]] != before[edited["id"]]
    assert {k for k in before if before[k] != after[k]} == {edited["id"]}


def test_pulling_twice_gives_the_same_records(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=10)
    connector = tally(server, session)
    first, second = pull(connector), pull(connector)
    assert [(r.external_id, r.content_hash) for p in first for r in p.records] == [
        (r.external_id, r.content_hash) for p in second for r in p.records
    ]
    assert first[-1].cursor == second[-1].cursor


def test_cursor_asks_only_for_submissions_on_or_after_it(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server, count=10)
    connector = tally(server, session)
    cursor = pull(connector)[-1].cursor
    later = generate_submissions(3, seed=9, start=datetime.fromisoformat(cursor))
    for submission in later:
        fake.upsert(submission)
    server.log.clear()
    pages = pull(connector, cursor)
    # the saved cursor, to the second (rounded down): what Tally's filter takes
    asked = datetime.fromisoformat(cursor).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert [r.arg("startDate") for r in server.log] == [asked]
    got = {r.external_id for p in pages for r in p.records}
    assert {s["id"] for s in later} <= got
    assert len(got) == 4  # the new ones, and the newest one already read (startDate is inclusive)
    assert pages[-1].cursor == latest(fake)


def test_nothing_new_keeps_the_cursor(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=6)
    connector = tally(server, session)
    cursor = pull(connector)[-1].cursor
    again = pull(connector, cursor)
    assert again[-1].cursor == cursor
    assert len(again) == 1 and len(again[0].records) == 1  # the newest, read again


def test_request_count_is_the_pages_needed(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=1200)
    pages = pull(tally(server, session, page_size=500))
    assert [len(p.records) for p in pages] == [500, 500, 200]
    assert server.count("GET", SUBMISSIONS) == 3 and server.count() == 3


def test_available_keys_are_ids_titles_and_fixed_keys(server: FakeServer, session: requests.Session) -> None:
    fake = serve(server)
    keys = available_keys("tally", tally(server, session).form_definition())
    assert {"id", "submittedAt", "respondentId", Q_SITE, "Sur quel site voulez-vous aider ?", "Prénom"} <= keys
    assert keys == {"id", "submittedAt", "respondentId"} | {q["id"] for q in fake.questions} | {
        q["title"] for q in fake.questions
    }
    assert server.count("GET", "/questions") == 1 and server.count() == 1


def test_repr_and_bad_settings(server: FakeServer, session: requests.Session) -> None:
    connector = tally(server, session)
    assert repr(connector) == f"TallyForm(source='tally-paris', form_id='{FORM_ID}', base_url='{server.url}')"
    with pytest.raises(ValueError, match="page_size"):
        tally(server, session, page_size=501)
    with pytest.raises(SourceError, match="cursor .* clear it"):
        pull(connector, "last tuesday")


def test_rate_limit_outlasting_the_retries_resumes_at_the_refused_page(
    server: FakeServer, session: requests.Session
) -> None:
    serve(server, count=10)
    waits: list[float] = []
    connector = tally(server, session, sleep=waits.append)
    pages = connector.iter_pages(None)
    first = next(pages)
    server.inject("429", path=SUBMISSIONS, times=6 * 2)  # no Retry-After: two rounds of retries
    rest = list(pages)
    asked = [r.query["page"][0] for r in server.log if r.path.endswith(SUBMISSIONS)]
    assert asked[0] == "1" and set(asked[1:-1]) == {"2"} and asked[-1] == "3"  # never page 1 again
    assert waits == [60.0, 60.0]
    every = [r.external_id for p in [first, *rest] for r in p.records]
    assert len(every) == len(set(every)) == 10 and rest[-1].cursor


def test_rate_limit_that_never_lifts_fails_the_source(server: FakeServer, session: requests.Session) -> None:
    serve(server, count=10)
    waits: list[float] = []
    server.inject("429", path=SUBMISSIONS, times=6 * 3)
    with pytest.raises(SourceUnavailable, match="tally-paris"):
        pull(tally(server, session, sleep=waits.append, rate_limit_pauses=(1.0, 2.0)))
    assert waits == [1.0, 2.0]
