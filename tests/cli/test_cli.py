"""The rollcall command as ops type it: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rollcall.cli.main import app
from rollcall.models.campaign import DATABASE_URL_ENV

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
runner = CliRunner()


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "campaign.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("capacity = 320", "capacity = -1"), encoding="utf-8")
    result = runner.invoke(app, ["status", "--config", str(bad)])
    assert result.exit_code == 2
    assert "sites.0.capacity" in result.output


def test_unreachable_database_is_named_without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://ops:s3cret@127.0.0.1:1/rollcall")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(EXAMPLE)])
    assert result.exit_code == 1
    assert "cannot reach database" in result.output and "127.0.0.1:1/rollcall" in result.output
    assert "s3cret" not in result.output


def test_db_upgrade_then_status_on_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'r.db'}")
    assert runner.invoke(app, ["db", "upgrade", "--config", str(EXAMPLE)]).exit_code == 0
    result = runner.invoke(app, ["status", "--config", str(EXAMPLE)])
    assert result.exit_code == 0 and "0 new volunteers of the goal of 1200" in result.output


@pytest.mark.flow
def test_sync_then_status_from_any_directory_show_the_same_numbers(
    campaign_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    result = runner.invoke(app, ["sync", "--config", str(campaign_file)])
    assert result.exit_code == 0, result.output
    assert "new volunteers of the goal of 1200" in result.output
    rosters = campaign_file.parent.resolve() / "var/rosters"
    assert str(rosters) in result.output.replace("\n", "")
    assert len(list(rosters.glob("*.xlsx"))) == 12
    assert not (tmp_path / "elsewhere/var").exists()
    seen = []
    for directory in (tmp_path / "elsewhere", campaign_file.parent, Path("/")):
        monkeypatch.chdir(directory)
        status = runner.invoke(app, ["status", "--config", str(campaign_file)])
        assert status.exit_code == 0, status.output
        seen.append(status.output)
    assert seen[0] == seen[1] == seen[2]
    assert " 0 new volunteers of the goal" not in seen[0]


def test_match_resolves_a_csv_into_people(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "id,Prénom,Nom,Mail,Tél,Ville\n"
        "a,Hélène,Müller,helene.muller@example.org,06 12 34 56 78,Lyon\n"
        "b,HELENE,MULLER,Helene.Muller@example.org ,,Lyon 3e\n"
        "c,Marc,Müller,helene.muller@example.org,,Lyon\n",
        encoding="utf-8",
    )
    out = tmp_path / "people.csv"
    result = runner.invoke(
        app,
        [
            "match",
            str(source),
            "--out",
            str(out),
            "--config",
            str(EXAMPLE),
            "--column",
            "record_id=id",
            "--column",
            "first_name=Prénom",
            "--column",
            "last_name=Nom",
            "--column",
            "email=Mail",
            "--column",
            "phone=Tél",
            "--column",
            "city=Ville",
        ],
    )
    assert result.exit_code == 0, result.output
    people = dict(line.split(",") for line in out.read_text(encoding="utf-8").split()[1:])
    assert people["a"] == people["b"]  # same person, spelled differently
    assert people["c"] != people["a"]  # a relative sharing the address


def test_pairwise_scores_from_contingency_counts() -> None:
    import itertools

    from bench.score import pairwise

    truth = {"r1": "A", "r2": "A", "r3": "A", "r4": "B", "r5": "B"}
    found = {"r1": 1, "r2": 1, "r3": 2, "r4": 2, "r5": 2}
    ids = sorted(truth)
    figures = pairwise([found[i] for i in ids], [truth[i] for i in ids]).as_dict()

    def pairs(labels: dict) -> set:
        return {(a, b) for a, b in itertools.combinations(sorted(labels), 2) if labels[a] == labels[b]}

    correct = len(pairs(truth) & pairs(found))
    assert figures["precision"] == round(correct / len(pairs(found)), 5)
    assert figures["recall"] == round(correct / len(pairs(truth)), 5)
