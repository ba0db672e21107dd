"""``rollcall match`` finds the campaign's sites wherever it is run from, and says when it has none."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rollcall.cli import match
from rollcall.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

#: One rare name, no contact in common, the site written two ways: one person only when
#: "St Denis" and "93200" are known to be the same site (the campaign's catalogue).
EXPORT = (
    "id,Prénom,Nom,Mail,Tél,Ville\n"
    "a,Ségolène,Vasseur-Kergoat,sego.vk@example.org,,St Denis\n"
    "b,SEGOLENE,VASSEUR-KERGOAT,pas de mail,06 44 44 44 44,93200\n"
)
COLUMNS = [
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
    "site=Ville",
]


def run_match(tmp_path: Path, *extra: str) -> tuple[dict[str, str], str]:
    source, out = tmp_path / "export.csv", tmp_path / "people.csv"
    source.write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(app, ["match", str(source), "--out", str(out), *COLUMNS, *extra])
    assert result.exit_code == 0, result.output
    people = dict(line.split(",") for line in out.read_text(encoding="utf-8").split()[1:])
    return people, result.output


def test_match_from_another_directory_still_uses_the_campaign_sites(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ROLLCALL_CONFIG", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    people, output = run_match(tmp_path)
    assert people["a"] == people["b"]
    assert "Sites:" in output and "No campaign file" not in output


def test_match_reads_the_campaign_from_rollcall_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ROLLCALL_CONFIG", str(EXAMPLE))
    monkeypatch.chdir(tmp_path)
    people, output = run_match(tmp_path)
    assert people["a"] == people["b"]
    assert str(EXAMPLE) in output.replace("\n", "")


def test_match_without_any_campaign_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ROLLCALL_CONFIG", raising=False)
    monkeypatch.setattr(match, "REPOSITORY", tmp_path)  # an installed tree without examples
    monkeypatch.chdir(tmp_path)
    people, output = run_match(tmp_path)
    assert "No campaign file" in output
    assert people["a"] != people["b"]  # "St Denis" / "93200" read as two places


@pytest.mark.parametrize("directory", ["repository", "elsewhere"])
def test_match_gives_the_same_people_wherever_it_runs(tmp_path: Path, monkeypatch, directory: str) -> None:
    monkeypatch.delenv("ROLLCALL_CONFIG", raising=False)
    monkeypatch.chdir(EXAMPLE.parents[2] if directory == "repository" else tmp_path)
    people, _ = run_match(tmp_path)
    assert people == {"a": "a", "b": "a"}
