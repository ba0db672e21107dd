"""The campaign file: the shipped example, and errors that name the bad key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rollcall.models.campaign import DATABASE_URL_ENV, ConfigError, load_campaign

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

MINIMAL = """
[campaign]
code = "demo"
name = "Demo"
goal = 10

[[sites]]
code = "PAR"
name = "Paris"
city = "Paris"
date = 2022-10-08
capacity = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_has_the_twelve_real_sites_and_dates() -> None:
    campaign = load_campaign(EXAMPLE)
    by_date: dict[date, set[str]] = {}
    for site in campaign.sites:
        by_date.setdefault(site.date, set()).add(site.name)
    assert by_date == {
        date(2022, 10, 8): {"Paris", "Marseille", "Lyon", "Reims", "Créteil", "Roubaix"},
        date(2022, 10, 15): {"Lille", "Strasbourg", "Bordeaux", "Saint-Denis", "Grenoble", "Brunoy"},
    }
    assert campaign.campaign.goal == 1200
    assert all(campaign.source_path(s).exists() for s in campaign.sources if not s.is_form)


def test_jeveuxaider_preset_uses_the_export_columns() -> None:
    source = next(s for s in load_campaign(EXAMPLE).sources if s.preset == "jeveuxaider")
    assert source.mapping["email"] == ("benevole_email",)
    assert source.mapping["site"] == ("mission_nom",)
    assert "benevole_code_postal" not in source.columns  # where they live, not where they go


@pytest.mark.parametrize(
    "extra, key",
    [
        pytest.param(
            '[[sites]]\ncode = "LYS"\nname = "Lyon"\ncity = "Lyon"\ndate = 2022-13-08\ncapacity = 5\n',
            None,
            id="bad_toml_date",
        ),
        pytest.param(
            '[[sites]]\ncode = "LYS"\nname = "Lyon"\ncity = "Lyon"\ndate = "samedi"\ncapacity = 5\n',
            "sites.1.date",
            id="date_not_a_date",
        ),
        pytest.param(
            '[[sites]]\ncode = "LYS"\nname = "Lyon"\ncity = "Lyon"\ndate = 2022-10-08\ncapacty = 5\n',
            "sites.1.capacty",
            id="typo_in_key",
        ),
        pytest.param(
            '[[sites]]\ncode = "PAR"\nname = "P"\ncity = "P"\ndate = 2022-10-08\ncapacity = 5\n',
            "duplicate site code",
            id="duplicate_site_code",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "csv"\npath = "t.csv"\n[sources.fields]\nprenom = "Prénom"\n',
            "sources.0.fields",
            id="unknown_field",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "csv"\npath = "t.csv"\n', "sources.0", id="source_without_mapping"
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "tally"\ncredentials = {token = "env:T"}\nfields = {email = "E"}\n',
            "sources.0.form_id: Field required",
            id="form_without_its_id",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "csv"\npath = "t.csv"\nform_id = "x"\nfields = {email = "E"}\n',
            "sources.0.form_id: not a setting of a csv source",
            id="another_kinds_key",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "helloasso"\nform_id = "f"\nfields = {email = "E"}\n'
            'credentials = {client_id = "env:I", client_secret = "env:S"}\n',
            "sources.0.organization: Field required",
            id="helloasso_without_organisation",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "typeform"\nform_id = "f"\nfields = {email = "E"}\n',
            "needs credentials ['token']",
            id="form_without_credentials",
        ),
        pytest.param(
            '[[sources]]\nname = "t"\nkind = "excel"\npath = "t.csv"\nfields = {email = "E"}\n',
            "sources.0: Input tag 'excel'",
            id="unknown_kind",
        ),
    ],
)
def test_errors_name_the_bad_key(tmp_path: Path, extra: str, key: str | None) -> None:
    with pytest.raises(ConfigError) as error:
        load_campaign(write(tmp_path, MINIMAL + extra))
    assert "campaign.toml" in str(error.value)
    if key:
        assert key in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_campaign(tmp_path / "nope.toml")


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = load_campaign(write(tmp_path, MINIMAL))
    assert campaign.database_url == f"sqlite:///{tmp_path.resolve()}/var/rollcall.db"  # beside the campaign file
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://db/prod")
    assert campaign.database_url == "postgresql+psycopg://db/prod"


def test_list_of_columns_first_non_blank_wins(tmp_path: Path) -> None:
    campaign = load_campaign(
        write(
            tmp_path,
            MINIMAL
            + '[[sources]]\nname = "h"\nkind = "csv"\npath = "h.csv"\n[sources.fields]\nemail = ["Email", "Email payeur"]\n',
        )
    )
    source = campaign.sources[0]
    assert source.extract({"Email": " ", "Email payeur": "payeur@example.org"}) == {"email": "payeur@example.org"}
    assert source.extract({"Email": "moi@example.org", "Email payeur": "p@example.org"}) == {"email": "moi@example.org"}
    assert source.extract({}) == {"email": None}
