"""Submissions deleted, added and edited at the provider *while* a web form is being read,
page by page: no other submission may be lost or taken for deleted, and one more clean pull
leaves exactly what the provider holds.

No Prefect: ``flows.landing.land_form`` (a plain function) lands each pull into a real migrated
database (SQLite and PostgreSQL), with each connector talking HTTP to its local fake. The fakes
call ``before_page(n)`` when the n-th page request arrives; the changes made there happen
between two page requests of the pull, as they would at the provider. Records are compared by
content: ``(external id, content hash)`` pairs, never counts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rollcall.connectors import store
from rollcall.connectors.database import session_scope
from rollcall.connectors.forms import FormConnector
from rollcall.connectors.google_forms import GoogleFormsForm
from rollcall.connectors.helloasso import HelloAssoForm
from rollcall.connectors.http import make_session
from rollcall.connectors.tally import TallyForm
from rollcall.connectors.typeform import TypeformForm
from rollcall.flows.landing import land_form
from rollcall.models.campaign import DATABASE_URL_ENV, Campaign, load_campaign
from rollcall.models.records import content_hash
from rollcall.models.tables import RawRecord

from fakes import google_forms, helloasso, tally, typeform
from fakes.http_server import FakeServer

pytestmark = pytest.mark.faults

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
SEEDS = (2, 6)
START_ITEMS = 20
PAGE_SIZE = 5

#: (id, content hash): a record as the provider serves it, or as it is current in the database.
Held = set[tuple[str, str]]

# --- each provider's fake, seen the same way -------------------------------------------------


@dataclass
class Form:
    """One provider's fake for one form, and what the test needs of it."""

    kind: str
    fields: str  # the [sources.fields] block: keys this form really has
    credentials: str
    server: FakeServer
    fake: Any
    connect: Callable[[], FormConnector]
    held: Callable[[], Held]
    ids: Callable[[], list[str]]
    delete: Callable[[str], None]
    insert: Callable[[random.Random], str]
    edit: Callable[[str], None]
    hook: Callable[[Callable[[int], None] | None], None]


def _session() -> Any:
    return make_session(backoff_factor=0, backoff_jitter=0)


def tally_form(server: FakeServer, seed: int) -> Form:
    fake = tally.serve_tally(server, tally.generate_submissions(START_ITEMS, seed=seed))

    def insert(rng: random.Random) -> str:
        latest = max(datetime.fromisoformat(s["submittedAt"]) for s in fake.submissions)
        new = tally.generate_submissions(1, seed=rng.getrandbits(32), start=latest)[0]
        if any(s["id"] == new["id"] for s in fake.submissions):
            return insert(rng)
        fake.upsert(new)
        return new["id"]

    return Form(
        kind="tally",
        fields='email = "Adresse e-mail"',
        credentials='{ token = "env:T_TOKEN" }',
        server=server,
        fake=fake,
        connect=lambda: TallyForm(
            _session(),
            source="x",
            form_id=tally.FORM_ID,
            token=tally.TOKEN,
            base_url=server.url,
            page_size=PAGE_SIZE,
            rate_limit_pauses=(),
        ),
        held=lambda: {(s["id"], content_hash(s)) for s in fake.submissions},
        ids=lambda: [s["id"] for s in fake.submissions],
        delete=fake.delete,
        insert=insert,
        hook=lambda fn: setattr(fake, "before_page", fn),
        edit=lambda sid: fake.upsert(_edited(next(s for s in fake.submissions if s["id"] == sid))),
    )


def _edited(submission: dict[str, Any]) -> dict[str, Any]:
    """The respondent's first answer changed (Tally lets a form's owner edit a submission)."""
    first, *rest = submission["responses"]
    return {**submission, "responses": [{**first, "answer": f"{first['answer']} (modifié)"}, *rest]}


def typeform_form(server: FakeServer, seed: int) -> Form:
    fake = typeform.serve_typeform(server, typeform.generate_responses(START_ITEMS, seed=seed))

    def insert(rng: random.Random) -> str:
        latest = max(datetime.fromisoformat(r["submitted_at"]) for r in fake.responses)
        new = typeform.generate_responses(1, seed=rng.getrandbits(32), start=latest)[0]
        fake.upsert(new)
        return new["response_id"]

    return Form(
        kind="typeform",
        fields='email = "email"',
        credentials='{ token = "env:T_TOKEN" }',
        server=server,
        fake=fake,
        connect=lambda: TypeformForm(
            _session(),
            source="x",
            form_id=typeform.FORM_ID,
            token=typeform.TOKEN,
            base_url=server.url,
            page_size=PAGE_SIZE,
        ),
        held=lambda: {(r["response_id"], content_hash(r)) for r in fake.responses},
        ids=lambda: [r["response_id"] for r in fake.responses],
        delete=fake.delete,
        insert=insert,
        hook=lambda fn: setattr(fake, "before_page", fn),
        edit=lambda token: fake.upsert(
            {
                **next(r for r in fake.responses if r["token"] == token),
                "hidden": {"utm_source": "modifié", "site_code": ""},
            }
        ),
    )


def helloasso_form(server: FakeServer, seed: int, **options: Any) -> Form:
    fake = helloasso.HelloAssoFake(**options).register(server)
    fake.add_items(helloasso.fictional_items(START_ITEMS, seed=seed, cancel_share=0.1))
    counter = iter(range(5_000_000, 6_000_000))

    def insert(rng: random.Random) -> str:
        latest = max(datetime.fromisoformat(i["order"]["date"]) for i in fake.items.values())
        item = helloasso.fictional_items(1, seed=rng.getrandbits(32), start=latest, cancel_share=0)[0]
        number = next(counter)
        fake.add_items([{**item, "id": number, "order": {**item["order"], "id": number}}])
        return str(number)

    return Form(
        kind="helloasso",
        fields='email = ["customFields.Email", "payer.email"]\nsite = "customFields.Site"',
        credentials='{ client_id = "env:T_ID", client_secret = "env:T_SECRET" }',
        server=server,
        fake=fake,
        connect=lambda: HelloAssoForm(
            _session(),
            source="x",
            organization_slug=fake.organization_slug,
            form_slug=fake.form_slug,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            base_url=server.url,
            page_size=PAGE_SIZE,
        ),
        held=lambda: {(str(i), content_hash(item)) for i, item in fake.items.items()},
        ids=lambda: [str(i) for i in fake.items],
        delete=lambda item_id: fake.delete_item(int(item_id)),
        insert=insert,
        hook=lambda fn: setattr(fake, "before_page", fn),
        edit=lambda item_id: fake.edit_item(int(item_id), state="Canceled"),
    )


def google_form(server: FakeServer, seed: int, **options: Any) -> Form:
    fake = google_forms.GoogleFormsFake(google_forms.fictional_form(), **options).register(server)
    fake.add_responses(google_forms.fictional_responses(START_ITEMS, seed=seed))

    def insert(rng: random.Random) -> str:
        latest = max(google_forms.parse_zulu(r["lastSubmittedTime"]) for r in fake.responses.values())
        new = google_forms.fictional_responses(1, seed=rng.getrandbits(32), start=latest)[0]
        fake.add_responses([new])
        return new["responseId"]

    return Form(
        kind="google_forms",
        fields='email = "Adresse e-mail"',
        credentials='{ service_account = "env:T_KEY" }',
        server=server,
        fake=fake,
        connect=lambda: GoogleFormsForm(
            _session(),
            source="x",
            form_id=fake.form_id,
            access_token=fake.access_token,
            base_url=server.url,
            page_size=PAGE_SIZE,
        ),
        held=lambda: {(rid, content_hash(r)) for rid, r in fake.responses.items()},
        ids=lambda: list(fake.responses),
        delete=fake.delete_response,
        insert=insert,
        hook=lambda fn: setattr(fake, "before_page", fn),
        edit=lambda rid: fake.edit_response(  # the respondent takes their phone number back
            rid, {q: a for q, a in fake.responses[rid]["answers"].items() if q != "4d5e6f70"}, at=datetime.now(UTC)
        ),
    )


PROVIDERS = {"tally": tally_form, "typeform": typeform_form, "helloasso": helloasso_form, "google_forms": google_form}


# --- the campaign, the database ----------------------------------------------------------------


def write_campaign(directory: Path, form: Form, name: str, full_read: bool = True) -> Campaign:
    """The example's sites and one source: ``form``, named ``name`` (the database is the
    test's, through the environment)."""
    sites = EXAMPLE.read_text(encoding="utf-8").split("# --- Sources")[0]
    path = directory / f"{name}-{'full' if full_read else 'incremental'}.toml"
    organization = 'organization = "emmaus-connect"' if form.kind == "helloasso" else ""
    path.write_text(
        sites
        + f"""
[[sources]]
name = "{name}"
kind = "{form.kind}"
form_id = "the-form"
{organization}
full_read = {str(full_read).lower()}
credentials = {form.credentials}

[sources.fields]
{form.fields}
""",
        encoding="utf-8",
    )
    return load_campaign(str(path))


def pull(campaign: Campaign, form: Form) -> dict[str, Any]:
    """One pull of the campaign's only source, as ``land_source`` does it, in a run of its own."""
    source = campaign.sources[0]
    connector = form.connect()
    connector.source = source.name
    with session_scope(campaign.database_url) as session:
        run_id = store.start_run(session, campaign.campaign.code, None)
    return land_form(campaign, source, connector, run_id)


def current(campaign: Campaign) -> Held:
    source = campaign.sources[0].name
    with session_scope(campaign.database_url) as session:
        rows = session.execute(
            select(RawRecord.external_id, RawRecord.content_hash).where(
                RawRecord.campaign == campaign.campaign.code, RawRecord.source == source, RawRecord.is_current.is_(True)
            )
        )
        return {(external_id, digest) for external_id, digest in rows}


@pytest.fixture
def place(tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A directory for campaign files, and the migrated database they all use."""
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    yield tmp_path, migrated_url


# --- the randomised test ---------------------------------------------------------------------


class Meddler:
    """Deletes, edits and adds submissions at random page requests, and remembers which
    submissions stayed untouched through the whole pull."""

    def __init__(self, form: Form, rng: random.Random, budget: int) -> None:
        self.form, self.rng, self.budget = form, rng, budget
        self.untouched = form.held()
        self.ever = set(self.untouched)
        self.deleted: list[str] = []

    def __call__(self, request_number: int) -> None:
        while self.budget and self.rng.random() < 0.45:
            self.budget -= 1
            choice = self.rng.random()
            if choice < 0.75 and self.form.ids():
                victim = self.rng.choice(sorted(self.form.ids()))
                if choice < 0.55:
                    self.form.delete(victim)
                    self.deleted.append(victim)
                else:
                    self.form.edit(victim)
                self.untouched = {(i, h) for i, h in self.untouched if i != victim}
            else:
                self.form.insert(self.rng)
            self.ever |= self.form.held()


class SkippedByAShift(AssertionError):
    """A submission that stayed at the provider through the whole pull is not current after
    it: a page shifted by a deletion skipped it."""


#: Offset paging: a deletion between two page requests shifts the later pages, so a listing
#: misses a submission. Tally's pages say how many submissions match, so its connector reads
#: the shifted pages again when that count drops. Google Forms' pages say nothing of the
#: kind, and its page token is (as the fake serves it) an offset; ``land_form`` lists the
#: form again only when a listing misses a *stored* record, and asks by id about what both
#: listings miss before removing it. So a stored response is never taken for deleted, but a
#: *new* one skipped by a shift lands one sync late (the strict xfail below shows how); the
#: random tests check the rest for it (versions, convergence).
KNOWN_TO_SHIFT = {"google_forms"}
SHIFTED = pytest.mark.xfail(
    raises=SkippedByAShift,
    strict=True,
    reason="Google Forms page tokens as offsets: a response skipped by a deletion "
    "mid-pull is current again only after the next full read",
)


def meddled_pull(campaign: Campaign, form: Form, rng: random.Random, night: str) -> list[str]:
    """One pull with submissions deleted and added between its page requests; returns what
    went wrong for the submissions untouched through it (none, for a sound pull)."""
    stored = {i for i, _ in current(campaign)}
    meddler = Meddler(form, rng, budget=8)
    form.hook(meddler)
    try:
        pull(campaign, form)
    finally:
        form.hook(None)
    now = current(campaign)
    assert now <= meddler.ever, f"{night}: a record is current that the provider never held"
    missing = {i for i, _ in meddler.untouched} - {i for i, _ in now}
    stale = {i for i, _ in meddler.untouched - now} - missing
    assert not stale, f"{night}: {sorted(stale)} current in an older version"
    taken = sorted(missing & stored)
    late = sorted(missing - stored)
    return (
        [
            f"{night}: "
            + "; ".join(
                ([f"taken for deleted {taken}"] if taken else [])
                + ([f"not landed {late}"] if late else [])
                + [f"(deleted meanwhile: {meddler.deleted})"]
            )
        ]
        if missing
        else []
    )


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_changes_between_page_requests_lose_no_other_submission(provider: str, place: tuple[Path, str]) -> None:
    """Two nights, each with deletions and additions between page requests: every submission
    untouched through a pull is current after it, as served; one more clean pull leaves
    exactly what the provider holds."""
    directory, _ = place
    wrong: list[str] = []
    for seed in SEEDS:
        rng = random.Random(seed)
        with FakeServer() as server:
            form = PROVIDERS[provider](server, seed)
            campaign = write_campaign(directory, form, f"{provider.replace('_', '-')}-{seed}")
            pull(campaign, form)
            assert current(campaign) == form.held(), f"seed {seed}: a clean first pull"
            for night in range(2):
                wrong += meddled_pull(campaign, form, rng, f"seed {seed}, night {night}")
            pull(campaign, form)
            assert current(campaign) == form.held(), f"seed {seed}: one clean pull after"
    if wrong and provider not in KNOWN_TO_SHIFT:
        raise SkippedByAShift("\n".join(wrong))


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_first_pull_with_changes_between_page_requests(provider: str, place: tuple[Path, str]) -> None:
    """The same on an empty database (a new source's first sync, or more new submissions than
    a page since the last sync): a submission a shifted page skips is not stored yet, so
    ``land_form``'s second listing is not triggered by it."""
    directory, _ = place
    wrong: list[str] = []
    for seed in SEEDS:
        rng = random.Random(seed)
        with FakeServer() as server:
            form = PROVIDERS[provider](server, seed)
            campaign = write_campaign(directory, form, f"first-{provider.replace('_', '-')}-{seed}")
            wrong += meddled_pull(campaign, form, rng, f"seed {seed}")
            pull(campaign, form)
            assert current(campaign) == form.held(), f"seed {seed}: one clean pull after"
    if wrong and provider not in KNOWN_TO_SHIFT:
        raise SkippedByAShift("\n".join(wrong))


def _sorted_responses(form: Form) -> list[str]:
    """Response ids in the order the Google Forms fake lists them (responseId order)."""
    return sorted(form.fake.responses)


@SHIFTED
def test_google_forms_a_new_response_skipped_by_a_shift_is_late_by_one_sync(place: tuple[Path, str]) -> None:
    """Empty database: the first response is deleted once page 1 is served, so the 6th moves
    onto page 1 and page 2 starts after it. Nothing stored is missing, so no second listing:
    the 6th response lands only at the next sync."""
    directory, _ = place
    with FakeServer() as server:
        form = google_form(server, 3)
        campaign = write_campaign(directory, form, "gf-first")
        order = _sorted_responses(form)
        form.hook(lambda n: form.delete(order[0]) if n == 2 else None)
        pull(campaign, form)
        form.hook(None)
        late = order[PAGE_SIZE] not in {i for i, _ in current(campaign)}
        pull(campaign, form)
        assert current(campaign) == form.held()
        if late:
            raise SkippedByAShift(f"{order[PAGE_SIZE]} landed only at the second sync")


def test_google_forms_a_stored_response_skipped_by_both_listings_is_not_taken_for_deleted(
    place: tuple[Path, str],
) -> None:
    """Stored responses: a deletion during the first listing skips the 6th response, so the
    form is listed again; a response added and another deleted during that second listing
    skip it again. Missed by both, it is asked about by id (``responses.get``), still held,
    and stays current."""
    directory, _ = place
    with FakeServer() as server:
        form = google_form(server, 3)
        campaign = write_campaign(directory, form, "gf-twice")
        pull(campaign, form)
        form.fake.list_requests = 0  # count this sync's list requests from 1
        order = _sorted_responses(form)
        first_listing = -(-(START_ITEMS - 1) // PAGE_SIZE)
        newcomer = {**form.fake.responses[order[1]], "responseId": "ACYDBN-first-in-id-order"}

        def meddle(n: int) -> None:
            if n == 2:  # first listing, before page 2: the 6th moves onto the page served
                form.delete(order[0])
            elif n == first_listing + 1:  # second listing, before page 1: the 6th back on page 2
                form.fake.add_responses([newcomer])
            elif n == first_listing + 2:  # before page 2: on page 1 again, skipped again
                form.delete(order[1])

        form.hook(meddle)
        pull(campaign, form)
        form.hook(None)
        assert order[PAGE_SIZE] in {i for i, _ in current(campaign)}, "taken for deleted"
        pull(campaign, form)
        assert current(campaign) == form.held()


# --- what an incremental pull cannot see, and the full read does -------------------------------


def test_an_old_order_cancelled_long_after_is_seen_by_the_next_full_read(place: tuple[Path, str]) -> None:
    """HelloAsso's ``from`` is assumed to filter on the sort date (``UpdateDate``); served here
    under the other reading (the order date), an incremental pull misses the cancellation of
    an old order, and the full read, which sends no ``from``, sees it."""
    directory, url = place
    with FakeServer() as server:
        form = helloasso_form(server, 5, from_field="Date")
        full = write_campaign(directory, form, "ha-cancel")
        incremental = write_campaign(directory, form, "ha-cancel", full_read=False)
        pull(full, form)
        oldest = min(form.fake.items.values(), key=lambda i: i["order"]["date"])
        assert oldest["state"] != "Canceled"
        cancelled = form.fake.edit_item(oldest["id"], state="Canceled")
        assert cancelled["order"]["meta"]["updatedAt"] > cancelled["order"]["date"]
        pull(incremental, form)
        assert (str(oldest["id"]), content_hash(cancelled)) not in current(full)  # the reading that misses it
        pull(full, form)
        assert (str(oldest["id"]), content_hash(cancelled)) in current(full)
        assert current(full) == form.held()


def test_an_edit_of_an_old_google_forms_response_is_seen_by_the_next_full_read(place: tuple[Path, str]) -> None:
    """Google Forms' ``timestamp`` filter is assumed to compare ``lastSubmittedTime``; served
    here under the other reading (``createTime``), an incremental pull misses an edit of an old
    response, and the full read, which sends no filter, sees it."""
    directory, url = place
    with FakeServer() as server:
        form = google_form(server, 5, timestamp_field="createTime")
        full = write_campaign(directory, form, "gf-edit")
        incremental = write_campaign(directory, form, "gf-edit", full_read=False)
        pull(full, form)
        oldest = min(form.fake.responses.values(), key=lambda r: r["createTime"])
        answers = {
            **oldest["answers"],
            "5e6f7081": {"questionId": "5e6f7081", "textAnswers": {"answers": [{"value": "Bordeaux"}]}},
        }
        edited = form.fake.edit_response(oldest["responseId"], answers, at=datetime.now(UTC))
        pull(incremental, form)
        assert (oldest["responseId"], content_hash(edited)) not in current(full)  # the reading that misses it
        pull(full, form)
        assert (oldest["responseId"], content_hash(edited)) in current(full)
        assert current(full) == form.held()


def test_deleting_the_response_a_typeform_page_ends_with_does_not_fail_the_pull(place: tuple[Path, str]) -> None:
    """Typeform pages with ``before=<token of the page's last response>``; deleted meanwhile,
    that token is refused (HTTP 400, as the fake serves an unknown token): the connector asks
    from the response before it, and the pull goes on."""
    directory, _ = place
    with FakeServer() as server:
        form = typeform_form(server, 3)
        campaign = write_campaign(directory, form, "tf-cursor")
        newest_first = sorted(form.fake.responses, key=lambda r: r["submitted_at"], reverse=True)
        last_of_page_one = newest_first[PAGE_SIZE - 1]["token"]
        form.hook(lambda n: form.delete(last_of_page_one) if n == 2 else None)
        pull(campaign, form)
        assert current(campaign) - form.held() == {(last_of_page_one, content_hash(newest_first[PAGE_SIZE - 1]))}
        assert server.count("GET", r"/responses$") == -(-START_ITEMS // PAGE_SIZE) + 2  # + the refused one
        form.hook(None)
        pull(campaign, form)
        assert current(campaign) == form.held()


def test_a_tally_page_shifted_by_a_deletion_is_read_again(place: tuple[Path, str]) -> None:
    """Tally's ``page`` is an offset, newest first: a submission deleted from page 1 once it
    was served moves page 2's first submission onto page 1. The count of matching submissions
    that each page carries drops by one, so the connector reads pages 1 and 2 again (two
    requests more) and the moved submission is not skipped, on an empty database too."""
    directory, _ = place
    with FakeServer() as server:
        form = tally_form(server, 3)
        campaign = write_campaign(directory, form, "tally-shift")
        newest_first = sorted(form.fake.submissions, key=lambda s: s["submittedAt"], reverse=True)
        victim, moved = newest_first[0]["id"], newest_first[PAGE_SIZE]["id"]
        form.hook(lambda n: form.delete(victim) if n == 2 else None)
        pull(campaign, form)
        assert moved in {i for i, _ in current(campaign)}
        assert current(campaign) - form.held() == {(victim, content_hash(newest_first[0]))}
        assert server.count("GET", r"/submissions$") == -(-(START_ITEMS - 1) // PAGE_SIZE) + 2  # pages 1, 2 again
        form.hook(None)
        pull(campaign, form)
        assert current(campaign) == form.held()


# --- a partial form description ---------------------------------------------------------------


def test_helloasso_custom_fields_assumed_without_its_description_are_named(
    place: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A HelloAsso client without AccessPublicData cannot read the form's description: a
    mapped custom field no item answers is assumed to exist (it may be optional), and the
    pull says which, so a misspelt one is found when it stays empty."""
    with FakeServer() as server:
        form = helloasso_form(server, seed=2)
        form.fake.privileges = frozenset({"AccessTransactions"})
        form = replace(form, fields=form.fields + '\nremarks = "customFields.Allergies"')
        campaign = write_campaign(place[0], form, "helloasso-partial")
        with caplog.at_level(logging.WARNING):
            counts = pull(campaign, form)
    assert counts["new"] == START_ITEMS
    named = [r.getMessage() for r in caplog.records if "customFields.Allergies" in r.getMessage()]
    assert len(named) == 1 and "helloasso-partial" in named[0] and "spelling" in named[0]
    assert "customFields.Site" not in named[0]  # answered by the items: not assumed
