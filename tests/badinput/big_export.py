"""Land a large CSV export through the real file path and print the peak memory, as JSON.

The export is poisoned half-way: a row with a NUL byte, one with a 200 KB cell, one with a
quote never closed and one pasted from a cp1252 file. Each costs its row only (landed raw,
marked unreadable) and every other row lands; ``poisoned`` counts the rows landed unreadable.

Run as a script (``python tests/badinput/big_export.py DIR MEGABYTES``) so the figure is this
process's own peak resident size, not pytest's. It writes the export, a campaign naming it,
migrates a SQLite database, then calls the step that lands a file source.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

HEADER = "Submission ID;Prénom;Nom;Email;Téléphone;Lieu;Commentaire\n"
SITES = ("Paris", "St Denis", "93200", "Lyon", "Brunoy 91", "Reims (51)", "nulle part")


POISON = [
    "P000000001;Zo\x00é;Martin;p1@example.org;06 39 98 00 01;Paris;nul\n".encode(),
    ("P000000002;Zoé;Martin;p2@example.org;06 39 98 00 02;Paris;" + "x" * 200_000 + "\n").encode(),
    'P000000003;"Zoé;Martin;p3@example.org;06 39 98 00 03;Paris;open quote\n'.encode(),
    "P000000004;Hélène;Lefèvre;p4@example.org;06 39 98 00 04;Paris;cp1252\n".encode("cp1252"),
]


def write_export(path: Path, megabytes: int) -> int:
    """A ~``megabytes`` MB export in 8 MB writes, poisoned half-way; returns its row count."""
    rng, rows, target = random.Random(5), 0, megabytes << 20
    poisoned = False
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        written = len(HEADER)
        while written < target:
            if not poisoned and written >= target // 2:
                out.flush()
                out.buffer.write(b"".join(POISON))
                rows += len(POISON)
                poisoned = True
            chunk = []
            for _ in range(20_000):
                rows += 1
                chunk.append(
                    f"S{rows:09d};Zoé{rows % 977};Nguyễn-{rows % 313};z{rows}@example.org;"
                    f"06 39 98 {rows % 100:02d} {rng.randint(0, 99):02d};{SITES[rows % len(SITES)]};"
                    f"{'x' * rng.randint(0, 120)}\n"
                )
            text = "".join(chunk)
            out.write(text)
            written += len(text.encode())
    return rows


def main(directory: Path, megabytes: int) -> None:
    export = directory / "export.csv"
    rows = write_export(export, megabytes)

    from rollcall.connectors.database import upgrade
    from rollcall.flows.landing import land_file
    from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign

    sites = (
        (ROOT / "examples/journees-engagees-2022/campaign.toml").read_text(encoding="utf-8").split("# --- Sources")[0]
    )
    config = directory / "campaign.toml"
    config.write_text(
        sites
        + f"""
[[sources]]
name = "big"
kind = "csv"
path = "{export}"

[sources.fields]
external_id = "Submission ID"
first_name = "Prénom"
last_name = "Nom"
email = "Email"
phone = "Téléphone"
site = "Lieu"
""",
        encoding="utf-8",
    )
    url = f"sqlite:///{directory / 'rollcall.db'}"
    os.environ[DATABASE_URL_ENV] = url
    upgrade(url)
    campaign = load_campaign(str(config))
    campaign_source = campaign.sources[0]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    counts = land_file(campaign, campaign_source, run_id=None)  # type: ignore[arg-type]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = round(time.monotonic() - started, 1)
    from sqlalchemy import select

    from rollcall.connectors.database import session_scope
    from rollcall.models.tables import RawRecord
    from rollcall.transforms.raw import unreadable_reason

    with session_scope(url) as session:
        query = select(RawRecord.external_id, RawRecord.payload).where(RawRecord.external_id.like("P0%"))
        poisoned = {key: unreadable_reason(payload) for key, payload in session.execute(query)}
    print(
        json.dumps(
            {
                "megabytes": export.stat().st_size / 2**20,
                "rows": rows,
                "landed": counts,
                "seconds": seconds,
                "poisoned": poisoned,
                "peak_mb": round(peak / 1024),
                "before_mb": round(before / 1024),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
