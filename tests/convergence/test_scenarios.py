"""Written histories through the nightly flow and the CLI, each ending in the state of one clean
sync of the final data (``convergence.snapshot``): an export hidden for a night, corrected
submissions, HelloAsso connected a night late, consent withdrawn, a provider down for a night,
a submission deleted at the provider, a review decision merging two registrations.

The cast signs up more than once under other spellings, so the order records arrive in has
every chance to matter. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from convergence.snapshot import (
    RecordKey,
    Snapshot,
    assert_converged,
    rows_without_registration,
    set_aside_moved_times,
    snapshot,
)
from convergence.world import (
    CSV,
    HELLOASSO,
    PARIS,
    SOURCES,
    TALLY,
    Entry,
    World,
    decide,
    open_pairs,
    reapply,
    stored_decisions,
    sync,
)
from rollcall.connectors import report_store
from rollcall.connectors.database import session_scope
from rollcall.connectors.roster_files import read_tabs
from rollcall.transforms.phones import format_national, normalise_phone

pytestmark = [pytest.mark.convergence, pytest.mark.flow]


@pytest.fixture
def world(tmp_path: Path, environment: pytest.MonkeyPatch) -> Iterator[World]:
    with World(tmp_path, random.Random(20221008)) as w:
        yield w


def cast(world: World) -> dict[str, Entry]:
    """Eleven sign-ups of eight people: four signed up twice, spelled another way."""
    helene, karim = world.volunteer("Hélène", "Martin", "PAR"), world.volunteer("Karim", "Haddad", "LYS")
    zoe, jp = world.volunteer("Zoé", "Dubois", "MRS"), world.volunteer("Jean-Pierre", "Le Goff", "PAR")
    lea = world.volunteer("Léa", "Dubois", "MRS")  # Zoé's sister: same phone, never the same person
    fatou, mei, lucas = (
        world.volunteer("Fatou", "Diallo", "LYS"),
        world.volunteer("Mei", "Nguyen", "MRS"),
        world.volunteer("Lucas", "Faure", "PAR"),
    )
    return {
        "helene_tally": world.sign_up_as(helene, TALLY),
        "helene_csv": world.sign_up_as(helene, CSV, first="Helene", email="hmartin@example.net"),  # accent lost
        "karim_helloasso": world.sign_up_as(karim, HELLOASSO, last="HADDAD"),
        "karim_csv": world.sign_up_as(karim, CSV, first="Haddad", last="Karim"),  # names swapped
        "zoe_csv": world.sign_up_as(zoe, CSV),
        "lea_tally": world.sign_up_as(lea, TALLY, phone=zoe.phone),
        "jp_csv": world.sign_up_as(jp, CSV, phone=""),
        "jp_helloasso": world.sign_up_as(jp, HELLOASSO, first="Jean Pierre"),
        "fatou_helloasso": world.sign_up_as(fatou, HELLOASSO),
        "mei_tally": world.sign_up_as(mei, TALLY),
        "lucas_csv": world.sign_up_as(lucas, CSV),
    }


def night(world: World, config: Path, expect: str = "ok") -> None:
    """The night's sync, the export written first; ``expect`` is "ok" or a failure's words."""
    world.write_csv()
    outcome = sync(config)
    assert (outcome == "ok") if expect == "ok" else (expect in outcome), outcome
    world.night += 1


def clean_replay(
    world: World, tmp_path: Path, replay_url: str, decisions: list[tuple[RecordKey, RecordKey, bool]]
) -> Snapshot:
    """One sync of the final data into a fresh database and roster folder; then the same
    review decisions, and one more sync."""
    world.all_up()
    config = world.campaign(tmp_path / "replay", replay_url)
    assert sync(config) == "ok"
    if decisions:
        notes = reapply(decisions, config, replay_url)
        assert notes == [], notes
        assert sync(config) == "ok"
    return snapshot(replay_url, tmp_path / "replay/rosters")


def assert_like_clean(world: World, tmp_path: Path, url: str, replay_url: str, context: str) -> Snapshot:
    path = snapshot(url, tmp_path / "path/rosters")
    replay = clean_replay(world, tmp_path, replay_url, stored_decisions(url))
    problems = set_aside_moved_times(path, replay, world.time_moved)
    problems += [
        f"{side}: {row}"
        for side, snap in (("path run", path), ("replay", replay))
        for row in rows_without_registration(snap)
    ]
    assert_converged(
        path, replay, f"({context}, {url.split(':')[0]})", problems, details=["history:", *world.history()]
    )
    return path


def test_export_hidden_for_one_sync_then_back(world: World, tmp_path: Path, database_url: str, replay_url: str) -> None:
    """The first night, the export has been moved away: the web forms' people are resolved
    without it; the next night it is back, and must end as if it had always been there."""
    config = world.campaign(tmp_path / "path", database_url)
    cast(world)
    world.set_down(CSV, True)
    night(world, config, expect="source export: file not found")
    world.set_down(CSV, False)
    night(world, config)
    assert_like_clean(world, tmp_path, database_url, replay_url, "export hidden for one sync")


def test_corrected_submissions_show_on_the_roster_and_keep_their_time(
    world: World, tmp_path: Path, database_url: str, replay_url: str
) -> None:
    """A Tally submission corrected (name, email) and a HelloAsso item corrected (phone): the
    roster shows the corrections; Tally moved the submission's time, "Inscrit le" did not."""
    config = world.campaign(tmp_path / "path", database_url)
    helene, karim = world.volunteer("Hélène", "Martin", "PAR"), world.volunteer("Karim", "Haddad", "LYS")
    first_time = world.moment(10, 11)
    tally = world.sign_up_as(helene, TALLY, first="Heleen", email="helene.martin@exmaple.org", at=first_time)
    helloasso = world.sign_up_as(karim, HELLOASSO, phone="06 12 00 99 99")
    night(world, config)
    world.change(tally, first="Hélène", email=helene.email)
    world.change(helloasso, phone=karim.phone)
    night(world, config)

    path = assert_like_clean(world, tmp_path, database_url, replay_url, "corrected submissions")
    rows = path.sections["roster_rows"]
    shown = rows[("PAR", frozenset({tally.record_key}))]
    assert (shown["Prénom"], shown["Email"]) == ("Hélène", helene.email)
    assert rows[("LYS", frozenset({helloasso.record_key}))]["Téléphone"] == karim.phone


def test_corrected_tally_submission_keeps_its_registration_time(
    world: World, tmp_path: Path, database_url: str
) -> None:
    """Tally moves ``submittedAt`` when a submission is edited; "Inscrit le" stays the first
    submission's time (which only a run that saw it can know: the replay cannot)."""
    config = world.campaign(tmp_path / "path", database_url)
    helene = world.volunteer("Hélène", "Martin", "PAR")
    first_time = world.moment(10, 11)
    tally = world.sign_up_as(helene, TALLY, first="Heleen", at=first_time)
    night(world, config)
    world.change(tally, first="Hélène")
    night(world, config)
    shown = snapshot(database_url, tmp_path / "path/rosters").sections["roster_rows"][
        ("PAR", frozenset({tally.record_key}))
    ]
    assert (shown["Prénom"], shown["Inscrit le"]) == ("Hélène", first_time.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"))


def test_helloasso_connected_one_night_late(world: World, tmp_path: Path, database_url: str, replay_url: str) -> None:
    """The first night runs without the HelloAsso source (not yet configured); the second with
    it: same people, registrations and rows as a clean run, and no extra pair to review."""
    cast(world)
    night(world, world.campaign(tmp_path / "path", database_url, sources=(CSV, TALLY)))
    night(world, world.campaign(tmp_path / "path", database_url))
    assert_like_clean(world, tmp_path, database_url, replay_url, "HelloAsso one night late")


@pytest.mark.parametrize(
    ("source", "typed"),
    [
        pytest.param(TALLY, "Vient avec sa sœur", id="tally_box_unticked_after_a_note"),
        pytest.param(CSV, None, id="export_says_non_untouched_row"),
    ],
)
def test_consent_withdrawn_leaves_no_contact_on_any_roster(
    world: World, tmp_path: Path, database_url: str, replay_url: str, source: str, typed: str | None
) -> None:
    """Consent withdrawn by an edit: no roster tab shows that person's email or phone any more.
    A row the coordinator typed in stays for their note ("Retiré"); an untouched one goes."""
    import openpyxl

    config = world.campaign(tmp_path / "path", database_url)
    entries = cast(world)
    withdrawn = entries["mei_tally"] if source == TALLY else entries["lucas_csv"]
    night(world, config)
    workbook = tmp_path / "path/rosters" / ("MRS Marseille.xlsx" if source == TALLY else "PAR Paris.xlsx")
    if typed:
        book = openpyxl.load_workbook(workbook)
        sheet = book["Inscrits"]
        header = [c.value for c in sheet[1]]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Email")].value == withdrawn.email)
        row[header.index("Notes")].value = typed
        book.save(workbook)
    world.change(withdrawn, consent=False)
    night(world, config)

    phone = format_national(normalise_phone(withdrawn.phone))
    shown = [
        f"{path.name} {tab}"
        for path in (tmp_path / "path/rosters").glob("*.xlsx")
        for tab, grid in read_tabs(path).items()
        for row in grid
        if withdrawn.email in map(str, row) or phone in map(str, row)
    ]
    assert shown == [], "the contacts of someone who withdrew consent are still on a roster"
    path = assert_like_clean(world, tmp_path, database_url, replay_url, "consent withdrawn")
    notes = [cells["Notes"] for cells in path.coordinator[workbook.name.split(" ")[0]].values()]
    assert (typed in notes) if typed else True, "the coordinator's note was lost with the row"


@pytest.mark.parametrize("source", [TALLY, HELLOASSO])
def test_source_down_one_night_then_back(
    world: World, tmp_path: Path, database_url: str, replay_url: str, source: str
) -> None:
    """A provider answers 503 all night while new and edited sign-ups wait there; it is back the
    next night: the end is that of a clean run."""
    config = world.campaign(tmp_path / "path", database_url)
    entries = cast(world)
    night(world, config)
    inès = world.volunteer("Inès", "Benali", "LYS")
    world.sign_up_as(inès, source)
    world.sign_up_as(inès, CSV, first="Ines", phone="")
    world.change(
        entries["helene_tally"] if source == TALLY else entries["karim_helloasso"], email="nouvelle@example.org"
    )
    world.set_down(source, True)
    night(world, config, expect=f"source {source}")
    world.set_down(source, False)
    night(world, config)
    assert_like_clean(world, tmp_path, database_url, replay_url, f"{source} down one night")


@pytest.mark.parametrize("source", [TALLY, HELLOASSO])
def test_deleted_at_the_provider_is_gone_as_in_a_clean_run(
    world: World, tmp_path: Path, database_url: str, replay_url: str, source: str
) -> None:
    """A submission deleted in Tally, an item removed in HelloAsso's back office: later pulls
    simply no longer hold it. A clean sync would not know that person: neither may we."""
    config = world.campaign(tmp_path / "path", database_url)
    entries = cast(world)
    night(world, config)
    world.delete_entry(entries["mei_tally"] if source == TALLY else entries["fatou_helloasso"])
    night(world, config)
    assert_like_clean(world, tmp_path, database_url, replay_url, f"deleted at {source}")


def test_review_decision_merging_two_registrations_of_one_site(
    world: World, tmp_path: Path, database_url: str, replay_url: str
) -> None:
    """ "Jean" and "Jean-Pierre" Martin on one phone wait for review; a reviewer says they are one
    person (``rollcall review decide D.. --same``): one registration and one roster row stay."""
    config = world.campaign(tmp_path / "path", database_url)
    jp = world.volunteer("Jean-Pierre", "Martin", "PAR")
    tally = world.sign_up_as(jp, TALLY, first="Jean")
    export = world.sign_up_as(jp, CSV, email="jpmartin@example.net")
    night(world, config)
    pair = next(
        (pid for pid, a, b in open_pairs(database_url) if {a, b} == {tally.record_key, export.record_key}), None
    )
    assert pair is not None, f"the pair is not queued for review: {open_pairs(database_url)}"
    decide(config, pair, same=True)
    night(world, config)
    path = assert_like_clean(world, tmp_path, database_url, replay_url, "merged by a review decision")
    assert [k for k in path.sections["roster_rows"] if k[0] == "PAR"] == [
        ("PAR", frozenset({tally.record_key, export.record_key}))
    ]


def test_the_cast_alone_converges(world: World, tmp_path: Path, database_url: str, replay_url: str) -> None:
    """Control: two plain nights of the cast end like one clean sync (the oracle itself)."""
    config = world.campaign(tmp_path / "path", database_url)
    cast(world)
    night(world, config)
    night(world, config)
    path = assert_like_clean(world, tmp_path, database_url, replay_url, "control")
    assert {source for source, _ in path.sections["raw_records"]} == set(SOURCES)
    assert set(path.sections["roster_summaries"]) == {"PAR", "LYS", "MRS"}


def _export_pull(url: str) -> dict:
    """What the last run did with the export (its report's ``this_run``)."""
    with session_scope(url) as session:
        run = report_store.last_run(session, "convergence")
        assert run is not None and run.summary
        return run.summary["sources"][CSV]["this_run"]


def test_an_export_that_grows_lands_its_new_rows_alone_and_ends_as_a_clean_run(
    world: World, tmp_path: Path, database_url: str, replay_url: str
) -> None:
    """Nights where the export only grew (new rows at its end, one of them someone already
    on the roster, spelled otherwise) read those rows alone; a night that also edits a row
    above reads it whole. Either way the end is one clean sync's."""
    config = world.campaign(tmp_path / "path", database_url)
    people = cast(world)
    night(world, config)
    helene = world.volunteers[0]
    world.sign_up_as(helene, CSV, first="Hélène", last="MARTIN", phone="")  # on the roster already
    world.sign_up(source=CSV)
    night(world, config)
    assert _export_pull(database_url).get("appended") is True
    world.sign_up(source=CSV)
    world.change(people["zoe_csv"], email="zoe.dubois@example.net")
    night(world, config)
    assert "appended" not in _export_pull(database_url)
    assert_like_clean(world, tmp_path, database_url, replay_url, "an export that grows")
