"""Anticipated errors are one or two lines, what and what to do, with the exit code of the
README's table; --verbose adds the traceback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rollcall.cli.main import app
from rollcall.connectors.database import campaign_lock, upgrade
from rollcall.models.campaign import load_campaign

from fakes.http_server import FakeServer, Response

runner = CliRunner()
HELLOASSO = Path(__file__).parents[2] / "examples/journees-engagees-2022/data/helloasso-billetterie.csv"


def lines(output: str) -> list[str]:
    return output.strip().splitlines()


@pytest.fixture
def migrated_campaign(campaign_file: Path) -> Path:
    upgrade(load_campaign(campaign_file).database_url)
    return campaign_file


@pytest.mark.parametrize(
    ("args", "code", "first", "second"),
    [
        pytest.param(
            ["explain", "R99999"],
            4,
            "No registration R99999 in this campaign's database.",
            "The reference is the roster's Réf. inscription column, e.g. R00042.",
            id="explain-unknown",
        ),
        pytest.param(
            ["explain", "abc"],
            2,
            "'abc' is not a registration id.",
            "A registration id looks like R00042.",
            id="explain-garbage",
        ),
        pytest.param(
            ["explain", "42"],
            2,
            "42 is a bare number: say what it names, e.g. R42.",
            "Ids carry their letter: R00042 a registration (Réf. inscription), S381 a sign-up, D12 a pair to review.",
            id="explain-bare-number",
        ),
        pytest.param(
            ["explain", "S12"],
            2,
            "S12 is a sign-up id; this needs a registration id, like R00042.",
            None,
            id="explain-wrong-letter",
        ),
        pytest.param(
            ["unmerge", "999999"],
            2,
            "999999 is a bare number: say what it names, e.g. S999999.",
            "Ids carry their letter: R00042 a registration (Réf. inscription), S381 a sign-up, D12 a pair to review.",
            id="unmerge-bare-number",
        ),
        pytest.param(
            ["unmerge", "S999999"],
            4,
            "No sign-up S999999 in this campaign's database.",
            "Sign-up ids are shown by `rollcall explain R00042` and `rollcall review`.",
            id="unmerge-unknown",
        ),
    ],
)
def test_ids_unknown_or_malformed(
    migrated_campaign: Path, args: list[str], code: int, first: str, second: str | None
) -> None:
    result = runner.invoke(app, [*args, "--config", str(migrated_campaign)])
    assert result.exit_code == code, result.output
    assert lines(result.output)[0] == first
    assert lines(result.output)[1:] == ([second] if second else [])


def test_verbose_adds_the_traceback(migrated_campaign: Path) -> None:
    quiet = runner.invoke(app, ["explain", "R99999", "--config", str(migrated_campaign)])
    loud = runner.invoke(app, ["explain", "R99999", "--config", str(migrated_campaign), "--verbose"])
    assert "Traceback" not in quiet.output and "Traceback" in loud.output
    assert loud.exit_code == quiet.exit_code == 4
    assert lines(loud.output)[-2] == "No registration R99999 in this campaign's database."


def test_match_reads_a_cp1252_export_like_sync(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "match",
            str(HELLOASSO),
            "--out",
            str(tmp_path / "people.csv"),
            "--column",
            "first_name=Prénom participant",
            "--column",
            "last_name=Nom participant",
            "--column",
            "email=Email",
            "--column",
            "phone=Téléphone",
            "--column",
            "city=Ville",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "people.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "record_id,person_id" and len(rows) > 100


def test_match_with_no_column_mapped_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["match", str(HELLOASSO), "--out", str(tmp_path / "people.csv")])
    assert result.exit_code == 2
    assert lines(result.output)[0] == (
        "No column of helloasso-billetterie.csv is mapped to first_name, last_name, email, phone: nothing to match on."
    )
    assert lines(result.output)[1].startswith("Map them to its headers, e.g. --column first_name=Prénom")
    assert not (tmp_path / "people.csv").exists()


def test_match_on_a_file_it_cannot_read_with_confidence(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.csv"
    # (a cp1252 row in a UTF-8 file is now read as cp1252: Cyrillic cp1251 is still refused)
    mixed.write_bytes("prenom;nom\n".encode("cp1251") + "Ольга;Смирнова\n".encode("cp1251"))
    result = runner.invoke(
        app, ["match", str(mixed), "--out", str(tmp_path / "p.csv"), "--column", "first_name=prenom"]
    )
    assert result.exit_code == 2, result.output
    assert lines(result.output)[0].startswith("Cannot read mixed.csv: ")
    assert (
        lines(result.output)[-1]
        == "Give --encoding (e.g. cp1252) or --delimiter (e.g. ';') to read it as you know it is."
    )


def test_match_bad_column_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["match", str(HELLOASSO), "--out", str(tmp_path / "p.csv"), "--column", "prenom=X"])
    assert result.exit_code == 2
    assert lines(result.output)[0] == "--column prenom=X: expected FIELD=HEADER."


@pytest.mark.flow
def test_a_refused_concurrent_sync_is_informational_and_pages_nobody(
    migrated_campaign: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    text = migrated_campaign.read_text(encoding="utf-8")
    migrated_campaign.write_text(
        text.replace("[rosters]", '[notifications]\nfailure_webhook = "env:ROLLCALL_TEST_WEBHOOK"\n\n[rosters]'),
        encoding="utf-8",
    )
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    campaign = load_campaign(migrated_campaign)
    with FakeServer() as chat, campaign_lock(campaign.database_url, campaign.campaign.code):
        posts: list[object] = []
        chat.route("POST", r"/hooks/rollcall", lambda request: posts.append(request.json()) or Response(200, {}))
        monkeypatch.setenv("ROLLCALL_TEST_WEBHOOK", f"{chat.url}/hooks/rollcall")
        result = runner.invoke(app, ["sync", "--config", str(migrated_campaign)])
    assert result.exit_code == 5, result.output
    assert lines(result.output) == [
        "Nothing done: a sync of this campaign is already running (rollcall.db.journees-engagees-2022.lock is locked).",
        "Wait for it to finish (`rollcall status` shows the last run), then run again if needed.",
    ]
    assert posts == []
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "120"


@pytest.mark.flow
def test_a_full_roster_disk_is_one_line(
    campaign_file: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    import xlsxwriter
    from openpyxl.workbook.workbook import Workbook

    def disk_full(self: object, filename: str = "") -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)

    # the disk, at the libraries' edge: XlsxWriter writes rosters, openpyxl the review workbook
    monkeypatch.setattr(xlsxwriter.Workbook, "close", disk_full)
    monkeypatch.setattr(Workbook, "save", disk_full)
    result = runner.invoke(app, ["sync", "--config", str(campaign_file)])
    rosters = campaign_file.parent.resolve() / "var/rosters"
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert lines(result.output)[-2:] == [
        f"Sync incomplete: no space left on the disk of {rosters}; rosters not written.",
        "Free some space there, then run `rollcall sync` again (no roster is left half-written).",
    ]
