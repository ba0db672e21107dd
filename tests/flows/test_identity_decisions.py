"""Ops correct the matcher: a wrong merge split with `rollcall unmerge`, a review pair decided.
Later syncs keep what people decided."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from connectors.database import session_scope
from models.campaign import DATABASE_URL_ENV
from models.tables import MatchDecision, MatchLink, Registration, ReviewPair, Signup

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
def synced(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str,
           prefect_harness: None) -> str:
    from flows.nightly import nightly_sync

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
    from flows.nightly import nightly_sync

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


def test_review_pairs_are_listed_and_decided(synced: str, config: Path) -> None:
    with session_scope(synced) as session:
        pair = session.scalar(select(ReviewPair).where(ReviewPair.status == "open").limit(1))
    assert pair is not None, "the sample holds grey-zone pairs: the matcher should queue one"
    listed = runner.invoke(app, ["review", "--config", str(config)])
    assert listed.exit_code == 0 and str(pair.id) in listed.output
    decided = runner.invoke(app, ["review", "--config", str(config), "decide", str(pair.id), "--same"])
    assert decided.exit_code == 0, decided.output
    with session_scope(synced) as session:
        a, b = session.get_one(Signup, pair.signup_a), session.get_one(Signup, pair.signup_b)
        assert a.person_id == b.person_id
        assert session.get_one(ReviewPair, pair.id).status == "decided"
