"""Ops correct the matcher: a wrong merge split with `rollcall unmerge`, a review pair decided.
Later syncs keep what people decided."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from rollcall.cli.main import app
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import MatchDecision, MatchLink, Person, Registration, ReviewPair, Signup

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
runner = CliRunner()

pytestmark = pytest.mark.flow


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The example campaign, its rosters in tmp_path/var/rosters."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    (tmp_path / "campaign.toml").write_text(text, encoding="utf-8")
    return tmp_path / "campaign.toml"


@pytest.fixture
def synced(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> str:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    nightly_sync(config=str(config))
    return migrated_url


def test_every_merge_is_explained(synced: str) -> None:
    with session_scope(synced) as session:
        merged = session.scalar(select(func.count()).where(Signup.match_rule.not_in(["new", "same_record"])))
        links = session.scalar(select(func.count()).select_from(MatchLink))
    assert merged > 300 and links >= merged


def test_unmerge_splits_and_later_syncs_keep_the_split(synced: str, config: Path) -> None:
    from rollcall.flows.nightly import nightly_sync

    with session_scope(synced) as session:
        signup_id, person_id = session.execute(
            select(Signup.id, Signup.person_id).where(Signup.match_rule.not_in(["new", "same_record"])).limit(1)
        ).one()
        registrations = session.scalar(select(func.count()).select_from(Registration))
    result = runner.invoke(app, ["unmerge", f"S{signup_id}", "--config", str(config)])
    assert result.exit_code == 0, result.output
    nightly_sync(config=str(config))
    with session_scope(synced) as session:
        assert session.get_one(Signup, signup_id).person_id != person_id
        assert session.scalar(select(func.count()).select_from(MatchDecision).where(MatchDecision.same.is_(False))) >= 1
        assert session.scalar(select(func.count()).select_from(Registration)) == registrations + 1


def merged_signup(url: str) -> tuple[int, int]:
    """A sign-up merged with others (sign-up id, person id)."""
    with session_scope(url) as session:
        return session.execute(
            select(Signup.id, Signup.person_id)
            .where(Signup.match_rule.not_in(["new", "same_record", "unmerged"]))
            .order_by(Signup.id)
            .limit(1)
        ).one()


def identity_state(url: str) -> dict[str, object]:
    with session_scope(url) as session:
        return {
            "people": session.scalar(select(func.count()).select_from(Person)),
            "registrations": sorted(
                session.execute(
                    select(Registration.id, Registration.person_id, Registration.event_id, Registration.status)
                ).all()
            ),
            "decisions": session.scalar(select(func.count()).select_from(MatchDecision)),
        }


def test_unmerge_twice_changes_nothing_the_second_time(synced: str, config: Path) -> None:
    from rollcall.flows.nightly import nightly_sync

    signup_id, person_id = merged_signup(synced)
    with session_scope(synced) as session:
        kept = {
            (r.id, r.event_id) for r in session.scalars(select(Registration).where(Registration.person_id == person_id))
        }
    first = runner.invoke(app, ["unmerge", f"S{signup_id}", "--config", str(config)])
    assert first.exit_code == 0, first.output
    after_first = identity_state(synced)
    second = runner.invoke(app, ["unmerge", f"s{signup_id}", "--config", str(config)])
    assert second.exit_code == 0, second.output
    assert second.output.strip().splitlines()[0] == f"S{signup_id} is already alone in its person: nothing changed."
    assert identity_state(synced) == after_first
    with session_scope(synced) as session:  # the part that stays keeps its person and references
        assert {
            (r.id, r.event_id) for r in session.scalars(select(Registration).where(Registration.person_id == person_id))
        } == kept
        assert session.scalar(select(func.count()).where(Registration.status == "removed")) == 0
    nightly_sync(config=str(config))
    after_sync = identity_state(synced)
    assert after_sync == after_first  # the night re-resolves to the same people and rows: no ghost


def test_unmerge_of_a_signup_already_alone_changes_nothing(synced: str, config: Path) -> None:
    with session_scope(synced) as session:
        alone = session.scalar(
            select(Signup.id)
            .where(
                Signup.match_rule == "new",
                Signup.person_id.not_in(select(Signup.person_id).where(Signup.match_rule != "new")),
            )
            .order_by(Signup.id)
            .limit(1)
        )
    before = identity_state(synced)
    result = runner.invoke(app, ["unmerge", f"S{alone}", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[0] == f"S{alone} is already alone in its person: nothing changed."
    assert identity_state(synced) == before


def test_a_pair_is_reviewed_decided_listed_and_changed_in_french(synced: str, config: Path) -> None:
    from rollcall.flows.nightly import nightly_sync

    with session_scope(synced) as session:
        pair = session.scalar(select(ReviewPair).where(ReviewPair.status == "open").order_by(ReviewPair.id).limit(1))
        open_pairs = session.scalar(select(func.count()).where(ReviewPair.status == "open"))
    assert pair is not None, "the sample holds grey-zone pairs: the matcher should queue one"
    ref, a, b = f"D{pair.id}", f"S{pair.signup_a}", f"S{pair.signup_b}"

    listed = runner.invoke(app, ["review", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    text = " ".join(listed.output.split())
    assert listed.output.splitlines()[0] == (
        f"{open_pairs} doublon(s) à vérifier : deux inscriptions qui sont peut-être la même personne."
    )
    assert f"Doublon {ref} (à vérifier) : {' '.join(pair.explanation_fr.split())}" in text
    for label in (
        f"Inscription {a}",
        f"Inscription {b}",
        "Prénom",
        "Email",
        "Téléphone",
        "Site",
        "Source",
        "Inscrit le",
        "Réf. inscription",
    ):
        assert label in text, label
    assert pair.rule not in text  # reasons in French, no internal rule code

    def decide(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["review", "decide", *args, "--config", str(config)])
        return result.exit_code, result.output.strip().splitlines()[0]

    assert decide(str(pair.id), "--same") == (2, f"{pair.id} is a bare number: say what it names, e.g. D{pair.id}.")
    assert decide("D999999", "--same") == (4, "Aucun doublon D999999 dans cette campagne.")
    code, line = decide(ref, "--same")
    assert code == 0 and line.startswith(f"{ref} : décision enregistrée, même personne. ")
    assert decide(ref.lower(), "--same") == (0, f"{ref} : déjà décidé (même personne). Rien ne change.")

    decisions = runner.invoke(app, ["review", "decisions", "--config", str(config)])
    assert decisions.exit_code == 0 and ref in decisions.output and "même personne" in decisions.output

    code, line = decide(ref, "--different")  # changed
    assert code == 0 and line.startswith(
        f"{ref} : décision enregistrée, personnes différentes (avant : même personne). "
    )
    still_open = runner.invoke(app, ["review", "--config", str(config)])
    assert f"Doublon {ref} " not in still_open.output
    everything = runner.invoke(app, ["review", "--all", "--config", str(config)])
    assert f"Doublon {ref} (décidé)" in " ".join(everything.output.split())

    nightly_sync(config=str(config))
    with session_scope(synced) as session:
        first, second = session.get_one(Signup, pair.signup_a), session.get_one(Signup, pair.signup_b)
        assert first.person_id != second.person_id
        assert session.get_one(ReviewPair, pair.id).status == "decided"


def test_a_pair_decided_different_leaves_the_other_decisions_on_its_sign_up_standing(synced: str) -> None:
    """A reviewer said A is B; deciding later that B is not C splits B out of their person,
    and A is B still holds (it used to be turned into "different", so the next sync ended
    otherwise than one clean sync given the same decisions). ``rollcall unmerge`` B, which
    says B is none of them, overrules it."""
    from rollcall.connectors import matching_store
    from rollcall.models.tables import RawRecord

    def decided(session, x: int, y: int) -> bool | None:
        decision = matching_store.decision_on(session, x, y)
        return None if decision is None else decision.same

    current = select(Signup.id).join(RawRecord, Signup.raw_record_id == RawRecord.id).where(RawRecord.is_current)
    with session_scope(synced) as session:
        person = session.scalar(
            select(Signup.person_id)
            .where(Signup.id.in_(current))
            .group_by(Signup.person_id)
            .having(func.count() >= 3)
            .order_by(Signup.person_id)
            .limit(1)
        )
        assert person is not None, "the sample holds people of three sign-ups"
        a, b, c, *others = session.scalars(current.where(Signup.person_id == person).order_by(Signup.id)).all()
        matching_store.record_decision(session, a, b, True, decided_by="test")
        matching_store.record_decision(session, b, c, False, decided_by="test")  # as `review decide` does
        assert matching_store.split_signup(session, b, decided_by="test", overrule=False) is not None
        assert [decided(session, b, x) for x in (a, c, *others)] == [True, False, *[False] * len(others)]
        session.rollback()
    with session_scope(synced) as session:
        matching_store.record_decision(session, a, b, True, decided_by="test")
        assert matching_store.split_signup(session, b, decided_by="test") is not None  # rollcall unmerge
        assert [decided(session, b, x) for x in (a, c, *others)] == [False] * (2 + len(others))
