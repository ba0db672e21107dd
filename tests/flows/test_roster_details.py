"""The sample campaign end to end: JeVeuxAider's time slots and the staff sheet's remarks reach
the rosters, each À compléter tab holds only its site's quarantined sign-ups, sign-ups stored
before those fields existed are read again once, and a second sync writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from rollcall.connectors import roster_files
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import load_campaign
from rollcall.models.tables import QuarantineEntry, Signup
from rollcall.transforms.to_complete import NOTHING_TO_COMPLETE

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

pytestmark = pytest.mark.flow


def details(url: str) -> dict[int, tuple]:
    with session_scope(url) as session:
        return {
            s.id: (s.time_slot, s.remarks, s.minor, tuple(s.warnings), s.details_read)
            for s in session.scalars(select(Signup))
        }


def test_sample_details_reach_the_rosters_and_old_sign_ups_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import nightly_sync
    from rollcall.flows.normalising import backfill_details
    from rollcall.flows.record_normaliser import RecordNormaliser
    from rollcall.models.campaign import DATABASE_URL_ENV

    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    nightly_sync(config=str(config))

    books = {p.name.split(" ")[0]: roster_files.read_tabs(p) for p in (tmp_path / "var/rosters").glob("*.xlsx")}
    rows = [dict(zip(tabs["Inscrits"][0], r)) for tabs in books.values() for r in tabs["Inscrits"][1:]]
    assert sum(1 for r in rows if r["Créneau"] and "octobre 2022" in r["Créneau"]) > 100  # JeVeuxAider's
    assert sum(1 for r in rows if r["Remarques"]) > 50  # the staff sheet's "Remarques"
    for code, tabs in books.items():
        signed = {(r[0], r[1]) for r in tabs["Émargement"][1:]}
        live = {
            (r["Nom"], r["Prénom"])
            for r in (dict(zip(tabs["Inscrits"][0], x)) for x in tabs["Inscrits"][1:])
            if r["Statut"] == "Inscrit"
        }
        assert signed == live, code

    waiting = [
        (code, tuple(r)) for code, tabs in books.items() for r in tabs["À compléter"][1:] if r[0] != NOTHING_TO_COMPLETE
    ]
    with session_scope(migrated_url) as session:
        quarantined = session.scalar(select(QuarantineEntry.id).limit(1)) is not None
    assert quarantined and waiting  # some sites' people wait for a phone or a name
    assert len({r for _, r in waiting}) == len(waiting)  # nobody in two sites' tabs
    assert all("@" not in str(r[4] or "") or "***" in str(r[4]) for _, r in waiting)  # contacts masked

    before = details(migrated_url)
    with session_scope(migrated_url) as session:  # as migration 0005 leaves a database
        session.execute(update(Signup).values(time_slot=None, remarks=None, minor=None, details_read=False))
    campaign = load_campaign(config)
    assert backfill_details(campaign, RecordNormaliser.of(campaign)) == len(before)
    assert details(migrated_url) == before
    assert backfill_details(campaign, RecordNormaliser.of(campaign)) == 0

    second = nightly_sync(config=str(config))
    assert not any(site["roster_written"] for site in second["sites"].values())
