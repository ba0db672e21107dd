"""``rollcall``: run the sync, migrate the database, see the campaign's progress.

Ops and developers use it; coordinators never need it. Output shows counts, never people.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rollcall.cli import errors, people, privacy, review
from rollcall.cli.errors import CliError, ExitCode, RollcallGroup
from rollcall.cli.match import match
from rollcall.cli.readonly import DEFAULT_CONFIG_PATH, ConfigOption, load, local_time, readable
from rollcall.connectors import matching_store, report_store
from rollcall.connectors.database import safe_url, session_scope, upgrade
from rollcall.models.campaign import Campaign

#: Prefect's logging setting for its console handler (read when Prefect sets up logging).
CONSOLE_LEVEL_ENV = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
#: A first ephemeral Prefect start migrates its own database: slow on a loaded 2-core machine.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

app = typer.Typer(
    cls=RollcallGroup,
    help="Volunteer registrations, in sync. Add --verbose anywhere for Prefect's logs and tracebacks.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="The central database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.command("match")(match)
console = Console()


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout (shape: README).")]


@app.command()
def sync(
    config: ConfigOption = DEFAULT_CONFIG_PATH,
    as_json: JsonOption = False,
    full_read: Annotated[
        bool,
        typer.Option(
            "--full-read",
            help="Read every web form whole now (sources set to full_read = false "
            "too): what the provider deleted leaves the rosters.",
        ),
    ] = False,
) -> None:
    """Pull every source, deduplicate, and write each site's roster."""
    campaign = load(config)
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from rollcall.flows.nightly import SyncFailed, nightly_sync  # Prefect is slow to import

    try:
        with _prefect_console_quiet(not errors.verbose), _progress_display(enabled=not as_json):
            summary = nightly_sync(config=str(config), full_read=full_read)
        assert isinstance(summary, dict)  # a run refused by the lock raises CancelledRun instead
    except SyncFailed as exc:
        if as_json:  # the failed run's summary on stdout; the error below on stderr
            typer.echo(json.dumps(_last_summary(campaign), ensure_ascii=False))
        else:
            _print_sources(campaign)
            _print_progress(campaign)
        if "No space left on device" in str(exc):
            raise CliError(
                f"Sync incomplete: no space left on the disk of {campaign.rosters.directory}; rosters not written.",
                ExitCode.FAILED,
                "Free some space there, then run `rollcall sync` again (no roster is left half-written).",
            ) from None
        raise CliError(
            f"Sync incomplete: {exc}", ExitCode.FAILED, "Fix what the message names, then run `rollcall sync` again."
        ) from None
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    _print_sources(campaign)
    _print_progress(campaign)
    if summary.get("dashboard"):
        console.print(f"Campaign dashboard (open it in a browser): [bold]{Path(summary['dashboard']).resolve()}[/bold]")
    console.print(_rosters_line(campaign, summary))


def _last_summary(campaign: Campaign) -> dict[str, Any] | None:
    """The summary a failed sync stored on its run (counts only), for ``sync --json``."""
    with session_scope(campaign.database_url) as session:
        run = report_store.last_run(session, campaign.campaign.code)
        return run.summary if run is not None else None


@contextmanager
def _progress_display(enabled: bool) -> Iterator[None]:
    """A Rich progress line on a terminal while the sync runs ("Pulling tally-form 3/8"),
    gone when it ends; nothing when the output is a file, a pipe or ``--json``."""
    if not (enabled and console.is_terminal):
        yield
        return
    from rollcall.flows.progress import watching

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("Starting Prefect", total=None)

        def show(step: str, done: int, total: int) -> None:
            progress.update(bar, description=step, completed=done, total=total)

        with watching(show):
            yield


def _rosters_line(campaign, summary: dict) -> str:
    """What the push changed, in one line: "3 rosters changed of 12" or "nothing changed"."""
    sites = summary.get("sites", {})
    written = sum(1 for s in sites.values() if s.get("roster_written"))
    what = (
        f"{written} roster{'s' if written != 1 else ''} changed of {len(sites)}"
        if written
        else f"Nothing changed: the {len(sites)} rosters are up to date"
    )
    if any(site.roster.kind != "google_sheet" for site in campaign.sites):
        what += f"; local rosters in [bold]{campaign.rosters.directory.resolve()}[/bold]"
    return what + "."


@contextmanager
def _prefect_console_quiet(quiet: bool) -> Iterator[None]:
    """Prefect's console logs (a dozen INFO lines, and a traceback for an error the CLI says
    in one line) only with --verbose; the run's logs still reach the Prefect API."""
    previous = os.environ.get(CONSOLE_LEVEL_ENV)
    if quiet and previous is None:
        os.environ[CONSOLE_LEVEL_ENV] = "CRITICAL"
    handlers = [h for h in logging.getLogger().handlers if type(h).__name__ == "PrefectConsoleHandler"]
    levels = [h.level for h in handlers]
    for handler in handlers if quiet else []:  # logging set up already (tests, a second call)
        handler.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        if not errors.as_program:  # quiet until exit (the temporary server's goodbye), else restore
            for handler, level in zip(handlers, levels, strict=True):
                handler.setLevel(level)
            if quiet and previous is None:
                os.environ.pop(CONSOLE_LEVEL_ENV, None)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
    """Create or migrate the database schema to the latest version."""
    campaign = load(config)
    upgrade(campaign.database_url)
    console.print(f"Database {safe_url(campaign.database_url)} is up to date.")


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"rollcall {metadata.version('rollcall')}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Prefect's logs and tracebacks (anywhere on the line).")
    ] = False,
) -> None:
    """Volunteer registrations, in sync."""


@app.command()
def status(config: ConfigOption = DEFAULT_CONFIG_PATH, as_json: JsonOption = False) -> None:
    """Campaign progress: registrations per site and channel, against capacity and goal.
    Reads only: a missing database or an older schema is said, never created or migrated."""
    campaign = readable(config)
    if as_json:
        typer.echo(json.dumps(_progress(campaign), ensure_ascii=False))
        return
    _print_progress(campaign)


def _print_sources(campaign: Campaign) -> None:
    """What the last run did with each source: pulled, unchanged, skipped or failed."""
    with session_scope(campaign.database_url) as session:
        run = report_store.last_run(session, campaign.campaign.code)
    if run is None or not run.summary:
        return
    table = Table(title=f"Sources, run {run.id}")
    for header in ("source", "records", "sign-ups", "quarantined", "this run"):
        table.add_column(header, justify="left" if header in ("source", "this run") else "right")
    for name, s in run.summary["sources"].items():
        this_run = s.get("this_run") or {}
        if s.get("error"):
            note = f"[red]failed: {s['error']}[/red]"
        elif "skipped" in this_run:
            note = f"skipped ({this_run['skipped']})"
        elif this_run.get("file_unchanged"):
            note = "file unchanged"
        else:
            note = f"{this_run.get('new', 0)} new"
        table.add_row(name, str(s.get("current", 0)), str(s.get("signups", 0)), str(s.get("quarantined", 0)), note)
    console.print(table)


def _progress(campaign: Campaign) -> dict[str, Any]:
    """What `status` shows, as data (the --json shape, documented in the README)."""
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        sites = report_store.counts_by_site(session, code)
        channels = report_store.registrations_by_channel(session, code)
        quarantine = report_store.quarantine_by_reason(session, code)
        people = report_store.count_people(session, code)
        volunteers = report_store.volunteers(session, code)
        split = report_store.volunteers_by_site(session, code)
        review = len(matching_store.review_pairs(session, code))
        run = report_store.last_run(session, code)
    return {
        "campaign": code,
        "goal": campaign.campaign.goal,
        "registered": sum(s["registered"] for s in sites.values()),
        "new_volunteers": volunteers["new"],
        "returning_volunteers": volunteers["returning"],
        "people": people,
        "sites": [
            {
                "code": site.code,
                "name": site.name,
                "date": site.date.isoformat(),
                "capacity": site.capacity,
                "registered": sites.get(site.code, {}).get("registered", 0),
                "cancelled": sites.get(site.code, {}).get("cancelled", 0),
                "new_volunteers": split.get(site.code, {}).get("new", 0),
                "returning_volunteers": split.get(site.code, {}).get("returning", 0),
                "channels": channels.get(site.code, {}),
            }
            for site in campaign.sites
        ],
        "quarantine": [
            {"source": source, "reason": reason, "records": n} for (source, reason), n in sorted(quarantine.items())
        ],
        "review_pairs": review,
        "last_sync": None
        if run is None
        else {"run": run.id, "status": run.status, "started_at": local_time(run.started_at, campaign).isoformat()},
    }


def _print_progress(campaign: Campaign) -> None:
    """Counts per site and channel, the goal, and what is waiting in quarantine."""
    progress = _progress(campaign)
    sites = {s["code"]: s for s in progress["sites"]}
    console.print(_sites_table(campaign, sites))
    console.print(_channels_table(campaign, {code: s["channels"] for code, s in sites.items()}))
    new, goal = progress["new_volunteers"], progress["goal"]
    console.print(
        f"Total: [bold]{new}[/bold] new volunteers of the goal of {goal} ({new / goal:.0%}); "
        f"{progress['returning_volunteers']} registrants already volunteer (not counted toward the goal); "
        f"{progress['people']} people have a registration (registered, cancelled or without consent)."
    )
    if progress["quarantine"]:
        console.print(_quarantine_table({(q["source"], q["reason"]): q["records"] for q in progress["quarantine"]}))
    review = progress["review_pairs"]
    if review:
        pairs = "1 pair of sign-ups" if review == 1 else f"{review} pairs of sign-ups"
        console.print(
            f"{pairs} may be one person: decide with `rollcall review`, or in the workbook "
            f"{campaign.review.workbook.name} ({campaign.review.workbook.parent})."
        )
    if progress["last_sync"] is not None:
        run = progress["last_sync"]
        started = datetime.fromisoformat(run["started_at"])
        console.print(
            f"Last sync: run {run['run']}, {run['status']}, started {started:%d/%m/%Y %H:%M} "
            f"({campaign.campaign.timezone})."
        )


def _sites_table(campaign: Campaign, sites: dict[str, dict[str, int]]) -> Table:
    table = Table(title=f"{campaign.campaign.name}: registrations per site")
    for header in ("site", "date", "registered", "new", "already volunteer", "capacity", "fill", "cancelled"):
        table.add_column(header, justify="left" if header in ("site", "date") else "right")
    for site in campaign.sites:
        counts = sites.get(site.code, {"registered": 0, "cancelled": 0})
        table.add_row(
            f"{site.code} {site.name}",
            site.date.strftime("%d/%m/%Y"),
            str(counts["registered"]),
            str(counts.get("new_volunteers", 0)),
            str(counts.get("returning_volunteers", 0)),
            str(site.capacity),
            f"{counts['registered'] / site.capacity:.0%}",
            str(counts["cancelled"]),
        )
    return table


def _quarantine_table(quarantine: dict[tuple[str, str], int]) -> Table:
    table = Table(title="Records in quarantine (kept raw; reasons in French and English in the database)")
    for header in ("source", "reason", "records"):
        table.add_column(header, justify="right" if header == "records" else "left")
    for (source, reason), n in sorted(quarantine.items()):
        table.add_row(source, reason, str(n))
    return table


def _channels_table(campaign: Campaign, channels: dict[str, dict[str, int]]) -> Table:
    labels = {s.name: s.display_name for s in campaign.sources}
    names = sorted({name for by_source in channels.values() for name in by_source})
    table = Table(title="Registrations per site and channel (a person may come through several)")
    table.add_column("site")
    for name in names:
        table.add_column(labels.get(name, name), justify="right")
    for site in campaign.sites:
        by_source = channels.get(site.code, {})
        table.add_row(site.code, *(str(by_source.get(name, 0)) for name in names))
    return table


people.register(app)
review.register(app)
privacy.register(app)


if __name__ == "__main__":
    app()
