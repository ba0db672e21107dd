"""Matching benchmark: quality, wall time and peak memory at 10k, 100k and (``--full``) 1M.

    python -m bench.run_matching            # 10k and 100k, plus incremental 1k vs 100k
    python -m bench.run_matching --full     # adds 1M, and incremental 1k vs 1M

Each size runs in its own subprocess, so peak memory (ru_maxrss) is that size's alone;
generation runs in yet another process and is not timed. Wall time covers reading the CSV
and resolving. Each size is also scored for the baseline "exact email or phone" (the first
version's idea, without its name guard). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.score import pairwise
from transforms.matching import PeopleIndex, resolve
from transforms.matching.clustering import components
from transforms.matching.keys import factorize, phone_key
from transforms.sites import SiteCatalog

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples/journees-engagees-2022/campaign.toml"
NEW_RECORDS = 1_000
TARGETS = {"precision_100k": 0.995, "recall_100k": 0.97, "wall_1m_s": 60.0, "peak_1m_mb": 4096.0,
           "incremental_s": 3.0}  # fmt: skip


def dataset(records: int, seed: int, data_dir: Path) -> Path:
    """The generated CSV for ``records``, generating it (in a subprocess) the first time."""
    path = data_dir / f"signups-{records}-{seed}.csv"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "bench.generate", "--records", str(records),
                        "--seed", str(seed), "--out", str(path)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return path


def catalog() -> SiteCatalog:
    from models.campaign import load_campaign

    return SiteCatalog(site.to_site() for site in load_campaign(CONFIG).sites)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    truth = pd.read_csv(path.with_suffix(".truth.csv"), dtype=str)["person_id"].tolist()
    return frame, truth


def baseline(frame: pd.DataFrame) -> list[int]:
    """Exact email (lower-cased, spaces removed) or exact E.164 phone, transitively."""
    emails = ["".join(e.split()).lower() for e in frame["email"]]
    cache: dict[str, str] = {}
    phones = [cache.setdefault(p, phone_key(p)) if p else "" for p in frame["phone"]]
    firsts, seconds = [], []
    for values in (emails, phones):
        codes, uniques = factorize(values)
        empty = uniques.index("") if "" in uniques else -1
        order = np.argsort(codes, kind="stable")
        ranked = codes[order]
        same = (ranked[1:] == ranked[:-1]) & (ranked[1:] != empty)
        firsts.append(order[:-1][same])
        seconds.append(order[1:][same])
    return components(len(frame), np.concatenate(firsts), np.concatenate(seconds)).tolist()


def run_size(path: Path) -> dict[str, object]:
    """One size, in this process: read, resolve, score; baseline scored after timing."""
    started = time.perf_counter()
    frame, truth = read(path)
    read_s = time.perf_counter() - started
    sites = catalog()
    resolved_at = time.perf_counter()
    resolution = resolve(frame, catalog=sites)
    resolve_s = time.perf_counter() - resolved_at
    wall_s = time.perf_counter() - started
    peak = peak_mb()
    people = [resolution.person_of[rid] for rid in frame["record_id"]]
    score = pairwise(people, truth)
    return {
        "records": len(frame), "people": len(set(people)), "review_pairs": len(resolution.review),
        "pairs_compared": resolution.pairs_compared, "read_s": round(read_s, 2),
        "resolve_s": round(resolve_s, 2), "wall_s": round(wall_s, 2), "peak_mb": round(peak),
        **score.as_dict(), "baseline": pairwise(baseline(frame), truth).as_dict(),
    }  # fmt: skip


def run_incremental(path: Path) -> dict[str, object]:
    """Index all but the last NEW_RECORDS sign-ups, then time adding those."""
    frame, truth = read(path)
    old, new = frame.iloc[:-NEW_RECORDS], frame.iloc[-NEW_RECORDS:]
    started = time.perf_counter()
    index = PeopleIndex(catalog())
    index.add(old)
    index.warm()
    build_s = time.perf_counter() - started
    added_at = time.perf_counter()
    batch = index.add({c: new[c].tolist() for c in new.columns})
    add_s = time.perf_counter() - added_at
    people = [index.person_keys[p] for p in index.person.tolist()]
    return {
        "existing": len(old), "new": len(new), "build_s": round(build_s, 2), "add_s": round(add_s, 3),
        "new_joined_known": sum(1 for p in batch.person_of.values() if p not in set(new["record_id"])),
        "peak_mb": round(peak_mb()), **pairwise(people, truth).as_dict(),
    }  # fmt: skip


def child(args: list[str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "bench.run_matching", *args], check=True, cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    base = r.get("baseline", {})
    print(f"{label:>12}: P={r['precision']:.4f} R={r['recall']:.4f} F1={r['f1']:.4f} "
          f"wall={r.get('wall_s', r.get('add_s'))}s peak={r['peak_mb']}MB"
          + (f" | exact email-or-phone: P={base['precision']:.4f} R={base['recall']:.4f} "
             f"F1={base['f1']:.4f}" if base else ""), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description="Matching benchmark.")
    parser.add_argument("--full", action="store_true", help="also 1M records and 1k vs 1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/rollcall-bench"))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--incremental", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one or args.incremental:
        result = run_size(args.one) if args.one else run_incremental(args.incremental)
        print(json.dumps(result))
        return
    sizes = [10_000, 100_000] + ([1_000_000] if args.full else [])
    results: dict[str, object] = {}
    for size in sizes:
        results[str(size)] = r = child(["--one", str(dataset(size, args.seed, args.data_dir))])
        show(f"{size:,}", r)
    base = sizes[-1] + NEW_RECORDS
    inc = child(["--incremental", str(dataset(base, args.seed, args.data_dir))])
    show(f"+1k vs {sizes[-1] // 1000}k", inc)
    print(f"{'':>12}  index build {inc['build_s']}s (excluded), add {inc['add_s']}s")
    results["incremental"] = inc
    results["targets_met"] = targets_met(results, full=args.full)
    print(json.dumps(results))


def targets_met(results: dict, *, full: bool) -> dict[str, bool | None]:
    r100, r1m, inc = results["100000"], results.get("1000000"), results["incremental"]
    return {
        "precision_100k": r100["precision"] >= TARGETS["precision_100k"],
        "recall_100k": r100["recall"] >= TARGETS["recall_100k"],
        "wall_1m": r1m["wall_s"] <= TARGETS["wall_1m_s"] if r1m else None,
        "peak_1m": r1m["peak_mb"] <= TARGETS["peak_1m_mb"] if r1m else None,
        "incremental_1k_vs_1m": inc["add_s"] <= TARGETS["incremental_s"] if full else None,
    }


if __name__ == "__main__":
    main()
