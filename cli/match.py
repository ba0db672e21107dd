"""``rollcall match INPUT.csv --out PEOPLE.csv``: resolve a one-off CSV export into people.

Register with ``app.command("match")(match)``. Output shows counts, never people.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from rollcall.cli.errors import CliError, ExitCode
from rollcall.connectors.files import FileFormatError, open_table
from rollcall.flows.collector import fewer_collections
from rollcall.models.campaign import DEFAULT_CONFIG as DEFAULT_CAMPAIGN_FILE
from rollcall.models.campaign import load_campaign
from rollcall.transforms.matching import Resolution, resolve
from rollcall.transforms.matching.keys import COLUMNS
from rollcall.transforms.sites import SiteCatalog

#: The repository (or installed tree) this command belongs to: the default campaign file is
#: looked up here, never in the working directory, so ``match`` gives the same people
#: wherever it is run from.
REPOSITORY = Path(__file__).resolve().parents[1]
console = Console()
warnings = Console(stderr=True)


def match(
    input_csv: Annotated[
        Path, typer.Argument(help="Sign-ups, one per row (CSV or XLSX; encoding and delimiter detected).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write record_id,person_id.")],
    columns: Annotated[
        list[str],
        typer.Option("--column", help="Map a field to a header: --column first_name=Prénom."),
    ] = [],  # noqa: B006 (Typer reads the default; it is never mutated)
    review: Annotated[Path | None, typer.Option("--review", help="Also write the pairs to review (French).")] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", envvar="ROLLCALL_CONFIG", help="Campaign file whose sites resolve the site column."
        ),
    ] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="When detection refuses: cp1252, utf-8...")] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="When detection refuses: ';' ',' or a tab.")
    ] = None,
) -> None:
    """Resolve any CSV of sign-ups into people; print counts and timing."""
    started = time.perf_counter()
    with fewer_collections():  # as a sync's resolve runs (``flows.collector``)
        frame = _read(input_csv, _mapping(columns), encoding, delimiter)
        read_s = time.perf_counter() - started
        resolution = resolve(frame, catalog=_catalog(config or default_campaign_file()))
        resolve_s = time.perf_counter() - started - read_s
    people = [resolution.person_of[rid] for rid in frame["record_id"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"record_id": frame["record_id"], "person_id": people}).to_csv(out, index=False)
    if review is not None:
        _write_review(resolution, review)
    _report(len(frame), len(set(people)), len(resolution.review), read_s, resolve_s, time.perf_counter() - started)


def _mapping(columns: list[str]) -> dict[str, str]:
    """``["first_name=Prénom"]`` -> ``{"Prénom": "first_name"}``; unknown fields are an error."""
    mapping = {}
    for item in columns:
        name, sep, header = item.partition("=")
        if not sep or name.strip() not in COLUMNS:
            raise CliError(
                f"--column {item}: expected FIELD=HEADER.",
                ExitCode.USAGE,
                f"FIELD is one of {', '.join(COLUMNS)}; e.g. --column first_name=Prénom.",
            )
        mapping[header.strip()] = name.strip()
    return mapping


#: Without one of these, every row is its own person: a run would report "0 duplicates".
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone")


def _read(path: Path, mapping: dict[str, str], encoding: str | None, delimiter: str | None) -> pd.DataFrame:
    """The file's rows under our field names, read like ``sync`` reads an export."""
    if not path.is_file():
        raise CliError(f"File not found: {path}", ExitCode.USAGE)
    try:
        table = open_table(path, encoding=encoding, delimiter=delimiter)
        rows = [row.values for row in table.rows()]
    except FileFormatError as exc:
        raise CliError(
            f"Cannot read {path.name}: {exc}",
            ExitCode.USAGE,
            "Give --encoding (e.g. cp1252) or --delimiter (e.g. ';') to read it as you know it is.",
        ) from None
    frame = pd.DataFrame(rows, columns=table.headers, dtype=str).fillna("").rename(columns=mapping)
    if not set(IDENTITY_FIELDS) & set(frame.columns):
        raise CliError(
            f"No column of {path.name} is mapped to {', '.join(IDENTITY_FIELDS)}: nothing to match on.",
            ExitCode.USAGE,
            "Map them to its headers, e.g. --column first_name=Prénom --column email=Mail "
            f"(its headers: {', '.join(table.headers[:8])}{'…' if len(table.headers) > 8 else ''}).",
        )
    if "record_id" not in frame.columns:
        console.print("[yellow]No record_id column: using row numbers.[/yellow]")
        frame["record_id"] = [str(i + 1) for i in range(len(frame))]
    return frame


def default_campaign_file() -> Path | None:
    """The campaign file used without --config or ROLLCALL_CONFIG: the example campaign of
    this repository (found next to the package, whatever the working directory), or None."""
    path = REPOSITORY / DEFAULT_CAMPAIGN_FILE
    return path if path.is_file() else None


def _catalog(config: Path | None) -> SiteCatalog | None:
    """The campaign's sites, so "St Denis" and "93200" are one site; None compares folded text
    (and says so: without the sites, fewer duplicates are found)."""
    if config is None:
        warnings.print(
            '[yellow]No campaign file: sites are compared as typed ("St Denis" and '
            '"93200" differ), so fewer duplicates are found. Give --config or set '
            "ROLLCALL_CONFIG.[/yellow]"
        )
        return None
    campaign = load_campaign(config)  # a ConfigError is said by the command (exit 2)
    console.print(f"Sites: {len(campaign.sites)} from {config}")
    return SiteCatalog(site.to_site() for site in campaign.sites)


def _write_review(resolution: Resolution, path: Path) -> None:
    rows = [(r.record_a, r.record_b, r.rule, r.score, r.explanation) for r in resolution.review]
    pd.DataFrame(rows, columns=["record_a", "record_b", "rule", "score", "explication"]).to_csv(path, index=False)


def _report(records: int, people: int, review: int, read_s: float, resolve_s: float, total_s: float) -> None:
    table = Table(title="rollcall match", show_header=False)
    for label, value in (
        ("sign-ups", f"{records:,}"),
        ("people", f"{people:,}"),
        ("duplicates merged", f"{records - people:,}"),
        ("pairs to review", f"{review:,}"),
        ("read", f"{read_s:.1f} s"),
        ("resolve", f"{resolve_s:.1f} s"),
        ("total", f"{total_s:.1f} s"),
    ):
        table.add_row(label, value)
    console.print(table)
