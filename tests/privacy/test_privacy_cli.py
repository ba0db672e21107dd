"""``rollcall erase``, ``purge`` and ``quarantine`` as ops type them (on a small database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from privacy_fixtures import JEAN_EMAIL, JEAN_PHONE
from sqlalchemy import func, select
from typer.testing import CliRunner

from rollcall.cli.privacy import register
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import AuditEntry, Person, QuarantineEntry, Signup

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the example campaign file (its sources read in place), so the rosters an
    erasure or a purge pushes land in tmp_path, never beside the example."""
    copy = tmp_path / "campaign.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    copy.write_text(text, encoding="utf-8")
    return copy


@pytest.fixture
def rollcall(campaign_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The privacy commands on their own app, against the small database, run from tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, campaign_db)
    app = typer.Typer()
    register(app)
    return app


def people(url: str) -> list[str]:
    with session_scope(url) as session:
        return sorted(session.scalars(select(Person.first_name)))


def test_erase_asks_first_and_shows_the_identifier_masked_only(
    rollcall: typer.Typer, config: Path, campaign_db: str
) -> None:
    result = runner.invoke(rollcall, ["erase", "--email", JEAN_EMAIL, "--config", str(config)], input="n\n")
    assert result.exit_code == 1 and "j***@gmail.com" in result.output and "dupont" not in result.output
    assert people(campaign_db) == ["Jean", "Marie"]

    result = runner.invoke(
        rollcall, ["erase", "--phone", "06 12 34 56 78", "--yes", "--reason", "demande RGPD", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "06 ** ** ** 78" in result.output and "12 34 56" not in result.output and JEAN_PHONE not in result.output
    assert people(campaign_db) == ["Marie"]
    with session_scope(campaign_db) as session:
        assert session.scalars(select(AuditEntry.reason)).all() == ["demande RGPD"]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no_identifier"),
        pytest.param(["--email", "pas une adresse"], id="invalid_email"),
    ],
)
def test_erase_without_a_usable_identifier_is_refused(rollcall: typer.Typer, config: Path, args: list[str]) -> None:
    result = runner.invoke(rollcall, ["erase", *args, "--yes", "--config", str(config)])
    assert result.exit_code == 2


def test_purge_before_a_date(rollcall: typer.Typer, config: Path, campaign_db: str) -> None:
    result = runner.invoke(rollcall, ["purge", "--before", "2022-10-10", "--yes", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "raw records redacted" in result.output
    assert runner.invoke(rollcall, ["purge", "--before", "10/10/2022", "--yes", "--config", str(config)]).exit_code == 2


def test_quarantine_lists_reasons_and_raw_values_then_requeues(
    rollcall: typer.Typer, config: Path, campaign_db: str
) -> None:
    result = runner.invoke(rollcall, ["quarantine", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "site inconnu" in result.output and "unknown site" in result.output
    assert "0699999999" in result.output and "row q2" in result.output
    result = runner.invoke(rollcall, ["quarantine", "--requeue", "--config", str(config)])
    assert result.exit_code == 0 and "2 records" in result.output
    with session_scope(campaign_db) as session:
        assert session.scalar(select(func.count()).select_from(QuarantineEntry)) == 0
    assert "No record in quarantine" in runner.invoke(rollcall, ["quarantine", "--config", str(config)]).output


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_erase_reads_the_identifier_from_stdin_or_a_file(
    rollcall: typer.Typer, config: Path, campaign_db: str, tmp_path: Path, where: str
) -> None:
    """Out of ``ps`` and the shell history: the identifier is not an argument."""
    if where == "stdin":
        args, given = ["--from", "-"], f"{JEAN_EMAIL}\n"
    else:
        request = tmp_path / "request.txt"
        request.write_text(f"{JEAN_EMAIL}\n", encoding="utf-8")
        args, given = ["--from", str(request)], None
    result = runner.invoke(rollcall, ["erase", *args, "--yes", "--config", str(config)], input=given)
    assert result.exit_code == 0, result.output
    assert "j***@gmail.com" in result.output and JEAN_EMAIL not in result.output
    assert people(campaign_db) == ["Marie"]


def test_erase_from_an_empty_file_is_refused(rollcall: typer.Typer, config: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    result = runner.invoke(rollcall, ["erase", "--from", str(empty), "--yes", "--config", str(config)])
    assert result.exit_code == 2


def test_erase_dry_run_shows_who_and_how_many_and_erases_nothing(
    rollcall: typer.Typer, config: Path, campaign_db: str
) -> None:
    result = runner.invoke(rollcall, ["erase", "--email", JEAN_EMAIL, "--dry-run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Jean Dupont" in text and "PAR (registered)" in text and "LYS (registered)" in text
    assert "1 person, 2 registration(s) (2 roster row(s)), 2 sign-up(s)." in text
    assert text.endswith("Dry run: nothing was erased.")
    assert people(campaign_db) == ["Jean", "Marie"]


def test_erase_says_when_an_identifier_is_shared_by_several_people(
    rollcall: typer.Typer, config: Path, campaign_db: str
) -> None:
    """A household's shared phone finds two people: the operator sees both before confirming."""
    with session_scope(campaign_db) as session:
        marie = session.scalar(select(Signup).where(Signup.first_name == "Marie"))
        marie.phone = JEAN_PHONE
    result = runner.invoke(rollcall, ["erase", "--phone", JEAN_PHONE, "--config", str(config)], input="n\n")
    assert result.exit_code == 1  # declined
    text = " ".join(result.output.split())
    assert "Jean Dupont" in text and "Marie Curie" in text
    assert "2 people share this identifier (a household?): all of them would be erased." in text
    assert "Erase these 2 people from the database and every roster?" in text
    assert people(campaign_db) == ["Jean", "Marie"]
