"""Push coordinator rosters to the local Sheets + Drive fake and count the API requests.

Two campaigns: 12 sites x 1,000 registrations and 300 sites x 50. Each runs three nights:
``first`` (spreadsheets created through Drive, shared, tabs added, every row written),
``unchanged`` (same registrations: one read, no write per site) and ``changed`` (2 % of the
registrations changed or new, one read and one write per site). Then two nights with the
nightly's Drive check (``RosterSheets.modified_times``, the rule of ``flows.rosters.push_site``:
a site is read only when its spreadsheet's modifiedTime moved since our last push or its
registrations changed): ``unchanged+drive`` (nothing to read) and ``10 changed+drive`` (5 sites
with a new registration, 5 where a coordinator typed a note). Every request is paced by one
shared rate limiter against the fake's quota of 60 reads and 60 writes per minute, on a simulated
clock, so the figures include the minutes the night would really take.

    .venv/bin/python -m bench.push_sheets

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from google.oauth2.credentials import Credentials  # noqa: E402

from rollcall.connectors.google_sheets import RateLimiter, RosterSheets, WriteResult, connect  # noqa: E402
from rollcall.models.records import CANCELLED, REGISTERED  # noqa: E402
from rollcall.models.roster_tabs import CHANGES_TAB, ROSTER_TAB, SUMMARY_TAB  # noqa: E402
from rollcall.transforms.roster_layout import sheet_layouts  # noqa: E402
from rollcall.transforms.sheet_roster import (  # noqa: E402
    RosterMerge,
    SheetEntry,
    changes_grid,
    merge_roster,
    summary_grid,
)

from fakes.google_sheets import TOKEN, FakeClock, FakeGoogleSheets  # noqa: E402

CAMPAIGNS = (("12x1000", 12, 1000), ("300x50", 300, 50))
START = datetime(2026, 9, 1, 8, 0)


def registrations(site: int, count: int) -> list[SheetEntry]:
    return [
        SheetEntry(
            f"{site}-{n}",
            f"Prénom{n}",
            f"Nom{n}",
            f"p{site}.{n}@exemple.fr",
            f"06 {n // 100 % 100:02d} {n % 100:02d} 00 00",
            ("Tally", "HelloAsso")[n % 2 : n % 2 + 1],
            START + timedelta(minutes=37 * n),
            REGISTERED,
        )
        for n in range(count)
    ]


def changed(entries: list[SheetEntry], site: int) -> list[SheetEntry]:
    """2 % of the roster moves: half cancelled, half new."""
    step = max(1, len(entries) // max(1, len(entries) // 100))
    out = [replace(e, status=CANCELLED) if i % step == 0 else e for i, e in enumerate(entries)]
    return out + registrations(site + 10_000, max(1, len(entries) // 100))


def write(sheets: RosterSheets, site: dict[str, Any], merged: RosterMerge, current: list) -> WriteResult:
    """The roster, its Nouveautés and Résumé, laid out as the flow lays them out."""
    changes = changes_grid(merged.changes, START) if merged.changes else None
    summary = summary_grid(site["name"], site["entries"], 1200)
    layouts = sheet_layouts({ROSTER_TAB: merged.grid, CHANGES_TAB: changes, SUMMARY_TAB: summary})
    return sheets.write_roster(site["key"], merged.grid, current, layouts=layouts, changes=changes, summary=summary)


def night(
    fake: FakeGoogleSheets, sheets: RosterSheets, sites: list[dict[str, Any]], label: str, clock: FakeClock
) -> dict[str, Any]:
    before, throttled = len(fake.calls), len(fake.throttled)
    started, wall = clock.time(), time.perf_counter()
    for site in sites:
        if site["key"] is None:
            site["key"] = sheets.create_spreadsheet(site["name"], site["coordinators"])
        current = sheets.read_roster(site["key"])
        merged = merge_roster(site["entries"], current, site["pushed"])
        if not merged.content_unchanged:
            write(sheets, site, merged, current)
        site["pushed"] = merged.pushed
    kinds = Counter(kind for kind, _, _ in fake.calls[before:])
    figures = {
        "night": label,
        "sites": len(sites),
        "reads_per_site": round(kinds["read"] / len(sites), 2),
        "writes_per_site": round(kinds["write"] / len(sites), 2),
        "drive_per_site": round(kinds["drive"] / len(sites), 2),
        "http_429": len(fake.throttled) - throttled,
        "retries": len(sheets.http.retried),
        "simulated_minutes": round((clock.time() - started) / 60, 1),
        "wall_seconds": round(time.perf_counter() - wall, 2),
    }
    print(
        f"  {label:9} reads/site {figures['reads_per_site']:5}  writes/site {figures['writes_per_site']:5}  "
        f"drive/site {figures['drive_per_site']:4}  429s {figures['http_429']}  "
        f"{figures['simulated_minutes']} min simulated, {figures['wall_seconds']} s wall"
    )
    return figures


def record_written(sheets: RosterSheets, sites: list[dict[str, Any]], started: datetime) -> int:
    """As the flow after its writes: one Drive listing, each written spreadsheet keeps the
    modifiedTime of our write (none when someone else modified it since)."""
    after = sheets.modified_times(since=(started - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for site in sites:
        seen = after.get(site["key"])
        site["modified"] = seen.time if seen is not None and not seen.by_other else None
    return len(after)


def checked_night(
    fake: FakeGoogleSheets, sheets: RosterSheets, sites: list[dict[str, Any]], label: str, clock: FakeClock
) -> dict[str, Any]:
    """A night with the Drive check: one listing, then only the sites whose spreadsheet moved
    or whose registrations changed are read (and written when their roster changed)."""
    before, throttled = len(fake.calls), len(fake.throttled)
    started, wall, now = clock.time(), time.perf_counter(), datetime.now(UTC)
    recorded = [site["modified"] for site in sites]
    listed = sheets.modified_times(since=min(recorded) if all(recorded) else None)
    written = []
    for site in sites:
        seen = listed.get(site["key"])
        if not site["dirty"] and seen is not None and seen.time == site["modified"]:
            continue
        current = sheets.read_roster(site["key"])
        merged = merge_roster(site["entries"], current, site["pushed"])
        site["modified"] = seen.time if seen is not None else None
        if not merged.content_unchanged and write(sheets, site, merged, current).written:
            written.append(site)
        site["pushed"], site["dirty"] = merged.pushed, False
    if written:
        record_written(sheets, written, now)
    kinds = Counter(kind for kind, _, _ in fake.calls[before:])
    figures = {
        "night": label,
        "sites": len(sites),
        "reads": kinds["read"],
        "writes": kinds["write"],
        "drive": kinds["drive"],
        "sheets_requests": kinds["read"] + kinds["write"],
        "http_429": len(fake.throttled) - throttled,
        "retries": len(sheets.http.retried),
        "simulated_minutes": round((clock.time() - started) / 60, 2),
        "wall_seconds": round(time.perf_counter() - wall, 2),
    }
    print(
        f"  {label:16} reads {figures['reads']:3}  writes {figures['writes']:3}  drive {figures['drive']}  "
        f"429s {figures['http_429']}  {figures['simulated_minutes']} min simulated, "
        f"{figures['wall_seconds']} s wall"
    )
    return figures


def campaign(label: str, site_count: int, per_site: int) -> dict[str, Any]:
    clock = FakeClock()
    with FakeGoogleSheets(clock=clock.time) as fake:
        limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
        sheets = RosterSheets(connect(Credentials(token=TOKEN), base_url=fake.url, limiter=limiter, sleep=clock.sleep))
        sites = [
            {
                "name": f"Site {i:03d}",
                "key": None,
                "pushed": {},
                "entries": registrations(i, per_site),
                "modified": None,
                "dirty": False,
                "coordinators": [f"coord{i}@exemple.fr", f"adjoint{i}@exemple.fr"],
            }
            for i in range(site_count)
        ]
        print(f"{label}: {site_count} sites x {per_site} registrations")
        nights = [night(fake, sheets, sites, "first", clock)]
        # next run: a new process, layouts passed back from storage
        sheets = RosterSheets(sheets.client, layouts=sheets.layouts())
        nights.append(night(fake, sheets, sites, "unchanged", clock))
        for i, site in enumerate(sites):
            site["entries"] = changed(site["entries"], i)
        now = datetime.now(UTC)
        nights.append(night(fake, sheets, sites, "changed", clock))
        record_written(sheets, sites, now)  # every site was written: the times of our writes
        nights.append(checked_night(fake, sheets, sites, "unchanged+drive", clock))
        for i, site in enumerate(sites[:10]):
            if i % 2:
                notes = fake.grid(site["key"], "Inscrits")[0].index("Notes")
                fake.type_in(site["key"], "Inscrits", 1, notes, "à rappeler")  # a coordinator's note
            else:
                site["entries"] = site["entries"] + registrations(i + 20_000, 1)
                site["dirty"] = True  # what the flow's fingerprint sees: new registrations
        nights.append(checked_night(fake, sheets, sites, "10 changed+drive", clock))
        largest = max((len(r.body) for r in fake.server.log if r.path.endswith(":batchUpdate")), default=0)
        print(f"  largest batchUpdate body: {largest / 1024:.0f} KiB; formulas stored: {len(fake.formula_cells())}")
        return {
            "campaign": label,
            "nights": nights,
            "largest_batch_update_bytes": largest,
            "formula_cells": len(fake.formula_cells()),
        }


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help: what it runs
    results = [campaign(*spec) for spec in CAMPAIGNS]
    total_429 = sum(n["http_429"] for r in results for n in r["nights"])
    print(f"429 responses seen: {total_429}")
    print(json.dumps({"campaigns": results, "http_429_total": total_429}, ensure_ascii=False))


if __name__ == "__main__":
    main()
