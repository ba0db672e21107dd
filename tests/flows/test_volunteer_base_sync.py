"""New or returning, end to end: a sync marks registrants found in the volunteer base, counts
only new ones toward the goal, never puts a base-only person on a roster, writes the
dashboard; and after the base changes, the flags equal those of a clean sync of the same
files (convergence)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs
from prefect.client.orchestration import get_client
from sqlalchemy import select

from rollcall.connectors import roster_files, store
from rollcall.connectors.database import session_scope, upgrade
from rollcall.models.campaign import DATABASE_URL_ENV
from rollcall.models.tables import Event, Person

pytestmark = pytest.mark.flow

CAMPAIGN = """
[campaign]
code = "retour"
name = "Retour"
goal = 10
timezone = "Europe/Paris"

[rosters]
directory = "var/rosters"

[[sites]]
code = "PAR"
name = "Paris"
city = "Paris"
departement = "75"
date = 2022-10-08
capacity = 10

[[sites]]
code = "LIL"
name = "Lille"
city = "Lille"
departement = "59"
date = 2022-10-15
capacity = 10

[[sources]]
name = "formulaire"
kind = "csv"
path = "formulaire.csv"
timezone = "UTC"

[sources.fields]
external_id = "ID"
submitted_at = "Date"
first_name = "Prénom"
last_name = "Nom"
email = "Email"
phone = "Téléphone"
site = "Ville"

[[sources]]
name = "benevoles"
label = "Base bénévoles"
kind = "volunteer_base"
path = "benevoles.csv"

[sources.fields]
last_name = "Nom"
first_name = "Prénom"
email = "Courriel"
phone = "Portable"
"""

FORM = """ID,Date,Prénom,Nom,Email,Téléphone,Ville
f1,2022-09-10 10:00:00,Jeanne,Martin,jeanne.martin@example.org,06 11 22 33 44,Paris
f2,2022-09-12 11:00:00,Marc,Petit,marc.petit@example.org,06 55 66 77 88,Lille
f3,2022-09-13 12:00:00,Alice,Durand,alice.durand@example.org,06 99 88 77 66,Paris
f4,2022-09-14 12:00:00,Alice,Durand,alice.durand@example.org,06 99 88 77 66,Lille
"""

BASE = """Nom,Prénom,Courriel,Portable
MARTIN,Jeanne,JEANNE.MARTIN@EXAMPLE.ORG,
Durand,Alice,,+33699887766
Blanc,Sophie,sophie.blanc@example.org,06 12 12 12 12
"""


def flags(url: str) -> dict[str, bool]:
    with session_scope(url) as session:
        return {p.email: p.already_volunteer for p in session.scalars(select(Person))}


def roster_cells(directory: Path) -> set[str]:
    return {
        str(v)
        for path in directory.glob("*.xlsx")
        for grid in roster_files.read_tabs(path).values()
        for row in grid
        for v in row
        if v is not None
    }


def sync(folder: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    from rollcall.flows.nightly import nightly_sync

    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return nightly_sync(config=str(folder / "campaign.toml"))


def test_registrants_in_the_base_are_returning_and_not_counted_toward_the_goal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    (tmp_path / "campaign.toml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "formulaire.csv").write_text(FORM, encoding="utf-8")
    (tmp_path / "benevoles.csv").write_text(BASE, encoding="utf-8")

    summary = sync(tmp_path, migrated_url, monkeypatch)
    assert flags(migrated_url) == {
        "jeanne.martin@example.org": True,
        "marc.petit@example.org": False,
        "alice.durand@example.org": True,
    }
    assert (summary["new_volunteers"], summary["returning_volunteers"], summary["registered"]) == (1, 2, 4)
    assert summary["volunteer_base"]["base_rows"] == 3
    assert {code: (s["new"], s["returning"]) for code, s in summary["sites"].items()} == {"PAR": (0, 2), "LIL": (1, 1)}
    with session_scope(migrated_url) as session:  # what the roster is built from carries the flag
        paris = session.scalar(select(Event.id).where(Event.campaign == "retour", Event.site_code == "PAR"))
        assert {e.first_name: e.already_volunteer for _, e in store.roster_entries(session, paris)} == {
            "Jeanne": True,
            "Alice": True,
        }
    cells = roster_cells(tmp_path / "var/rosters")
    assert "Sophie" not in cells and "sophie.blanc@example.org" not in cells  # only in the base

    page = (tmp_path / "var/dashboard.html").read_text(encoding="utf-8")
    assert "<strong>1</strong> nouveaux bénévoles inscrits sur l'objectif de\n<strong>10</strong>" in page
    ours = page.replace(get_plotlyjs(), "")  # the page without the library's own code
    assert not [v for v in ("Jeanne", "Martin", "jeanne", "06 11 22 33 44", "+33611223344", "Sophie") if v in ours]
    dashboard = (tmp_path / "var/dashboard.html").resolve()
    assert _artifact("rollcall-dashboard") == f"[Tableau de bord : {dashboard}]({dashboard.as_uri()})"

    # Alice leaves the base: the next sync makes her new, as a clean sync of these files would
    (tmp_path / "benevoles.csv").write_text(
        "\n".join(BASE.splitlines()[:2] + BASE.splitlines()[3:]) + "\n", encoding="utf-8"
    )
    summary = sync(tmp_path, migrated_url, monkeypatch)
    assert (summary["new_volunteers"], summary["returning_volunteers"]) == (2, 1)
    replay = f"sqlite:///{tmp_path / 'replay.db'}"
    upgrade(replay)
    clean = tmp_path / "clean"
    clean.mkdir()
    for name in ("campaign.toml", "formulaire.csv", "benevoles.csv"):
        (clean / name).write_bytes((tmp_path / name).read_bytes())
    sync(clean, replay, monkeypatch)
    assert (
        flags(migrated_url)
        == flags(replay)
        == {"jeanne.martin@example.org": True, "marc.petit@example.org": False, "alice.durand@example.org": False}
    )

    # a base that cannot be read fails the run naming it; nobody is turned "Nouveau" by it
    (tmp_path / "benevoles.csv").unlink()
    from rollcall.flows.nightly import SyncFailed

    with pytest.raises(SyncFailed, match="volunteer base not read.*benevoles.*file not found"):
        sync(tmp_path, migrated_url, monkeypatch)
    assert flags(migrated_url) == flags(replay)


def _artifact(key: str) -> str:
    import asyncio

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def latest() -> str:
        async with get_client() as client:
            artifacts = await client.read_latest_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            )
            return artifacts[0].data

    return asyncio.run(latest())
