"""Ops commands on personal data: erase a person, purge old campaigns, act on the quarantine.

``erase`` and ``purge`` print counts only and show the identifier masked. ``quarantine``
shows rejected records with their raw values: ops need them to fix a mapping, and this is
the operator's terminal, not a log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rollcall.cli.errors import CliError, ExitCode
from rollcall.cli.readonly import DEFAULT_CONFIG_PATH as DEFAULT_CONFIG
from rollcall.cli.readonly import ConfigOption, load, readable, require_database
from rollcall.connectors import privacy
from rollcall.connectors.database import DatabaseUnavailable, SyncAlreadyRunning, session_scope
from rollcall.connectors.google_sheets import SheetsError
from rollcall.flows.erasure import erasure_preview
from rollcall.models.campaign import Campaign
from rollcall.models.ids import registration_ref
from rollcall.models.records import CANCELLED, REGISTERED
from rollcall.transforms.privacy import NothingToErase, mask_email, mask_phone

console = Console()
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _counts_table(title: str, counts: Mapping[str, object]) -> Table:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), str(value))
    return table


def erase_command(
    campaign: Campaign,
    config: Path,
    email: str | None,
    phone: str | None,
    yes: bool,
    reason: str | None,
    dry_run: bool = False,
) -> None:
    if not email and not phone:
        raise typer.BadParameter("give --from FILE (or - for standard input), --email or --phone")
    who = " / ".join(m for m in (email and mask_email(email), phone and mask_phone(phone)) if m)
    try:
        found = _preview(campaign, config, email, phone)
    except NothingToErase as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    _show_preview(who, found)
    if dry_run:
        console.print("Dry run: nothing was erased.")
        return
    if not yes:
        people = f"these {len(found)} people" if len(found) > 1 else ("this person" if found else who)
        typer.confirm(f"Erase {people} from the database and every roster? This cannot be undone.", abort=True)
    from rollcall.flows.privacy import erase  # Prefect is slow to import

    try:
        counts = erase(str(config), email=email, phone=phone, reason=reason)
    except NothingToErase as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except (SyncAlreadyRunning, DatabaseUnavailable) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(_counts_table(f"Erased {who}", counts))
    if not counts["people"]:
        console.print("Nobody had this identifier; it is kept hashed so no later sync brings it in.")


def _preview(campaign: Campaign, config: Path, email: str | None, phone: str | None) -> list[privacy.PersonToErase]:
    """Who would be erased, read without writing anything (no database yet: nobody)."""
    try:
        require_database(campaign, config)
    except CliError as exc:
        if exc.code == ExitCode.NO_DATABASE and "No database at" in exc.message:
            return []
        raise
    with session_scope(campaign.database_url) as session:
        return erasure_preview(session, email=email, phone=phone)


def _show_preview(who: str, found: list[privacy.PersonToErase]) -> None:
    """Each person found, with their registrations (roster references) and sign-ups: the
    operator checks it is the right person, and only them, before confirming."""
    if not found:
        console.print(f"Nobody has {who} now; erasing keeps it hashed so no later sync brings it in.")
        return
    table = Table(title=f"Would be erased ({who})", title_justify="left")
    for header in ("person", "registrations (site, status)", "sign-ups"):
        table.add_column(header, overflow="fold")
    for person in found:
        table.add_row(
            f"{person.first_name} {person.last_name}",
            ", ".join(f"{registration_ref(rid)} {site} ({status})" for rid, site, status in person.registrations)
            or "—",
            str(person.signups),
        )
    console.print(table)
    registrations = [r for p in found for r in p.registrations]
    on_rosters = sum(1 for _, _, status in registrations if status in (REGISTERED, CANCELLED))
    console.print(
        f"{len(found)} {'people' if len(found) > 1 else 'person'}, {len(registrations)} registration(s) "
        f"({on_rosters} roster row(s)), {sum(p.signups for p in found)} sign-up(s)."
    )
    if len(found) > 1:
        console.print(
            f"[yellow]{len(found)} people share this identifier (a household?): all of them would be erased.[/yellow]"
        )


def identifier_from(source: str) -> tuple[str | None, str | None]:
    """(email, phone) read from a file, or from standard input with ``-`` (a hidden prompt at
    a terminal): an identifier on the command line is in ``ps`` and the shell history."""
    if source == "-":
        if sys.stdin.isatty():
            text = typer.prompt("Email or phone to erase", hide_input=True)
        else:
            text = sys.stdin.readline()
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.readline(1024)
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(
                f"--from {source}: cannot read it ({exc}); give a text file holding "
                "the email or phone on its first line, or - for standard input"
            ) from None
    identifier = text.strip()
    if not identifier:
        raise typer.BadParameter(f"--from {source}: no email or phone on its first line")
    return (identifier, None) if "@" in identifier else (None, identifier)


def purge_command(campaign: Campaign, config: Path, before: str | None, yes: bool) -> None:
    from rollcall.flows.privacy import purge, retention_cutoff

    try:
        cutoff = date.fromisoformat(before) if before else retention_cutoff(campaign)
    except ValueError:
        raise typer.BadParameter(f"--before {before!r}: expected a date, YYYY-MM-DD") from None
    if not yes:
        typer.confirm(
            f"Redact the personal data of {campaign.campaign.code} events before {cutoff}? This cannot be undone.",
            abort=True,
        )
    try:
        counts = purge(str(config), cutoff)
    except (SyncAlreadyRunning, DatabaseUnavailable, SheetsError, OSError) as exc:
        console.print(f"[red]{exc}[/red]")
        if isinstance(exc, (SheetsError, OSError)):
            console.print(
                "A roster of a purged event could not be rewritten: nothing was purged; "
                "fix it, then run the purge again."
            )
        raise typer.Exit(1) from None
    console.print(_counts_table(f"Purged {campaign.campaign.code}: events before {cutoff}", counts))


def quarantine_command(campaign: Campaign, source: str | None, requeue: bool, as_json: bool = False) -> None:
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        if requeue:
            n = privacy.requeue_quarantine(session, code, source)
            console.print(
                f"{n} records taken out of quarantine: `rollcall sync` normalises them again "
                "(those still wrong come back here)."
            )
            return
        entries = privacy.quarantine_entries(session, code, source)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "entries": [
                        {
                            "source": e.source,
                            "where": e.locator or e.external_id,
                            "reason_fr": e.reason_fr,
                            "reason_en": e.reason_en,
                            "values": {k: v for k, v in e.payload.items() if v not in (None, "")},
                        }
                        for e in entries
                    ]
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return
    if not entries:
        console.print("No record in quarantine.")
        return
    table = Table(title=f"{len(entries)} records in quarantine (after a mapping fix: rollcall quarantine --requeue)")
    for header in ("source", "where", "raison", "reason", "raw values"):
        table.add_column(header, overflow="fold")
    for entry in entries:
        values = "\n".join(f"{k}: {v}" for k, v in entry.payload.items() if v not in (None, ""))
        table.add_row(entry.source, entry.locator or entry.external_id, entry.reason_fr, entry.reason_en, values)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``erase``, ``purge`` and ``quarantine`` to the ``rollcall`` app."""

    @app.command("erase")
    def erase(
        email: Annotated[str | None, typer.Option("--email", help="An email address the person used.")] = None,
        phone: Annotated[str | None, typer.Option("--phone", help="A phone number the person used.")] = None,
        from_: Annotated[
            str | None,
            typer.Option(
                "--from",
                help="Read the email or phone from this file's first line, or from standard input with "
                "- (a hidden prompt at a terminal): unlike --email/--phone, it stays out of ps and "
                "the shell history.",
            ),
        ] = None,
        reason: Annotated[
            str | None, typer.Option("--reason", help="Why (kept in the audit; no personal data).")
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show who would be erased, erase nothing.")] = False,
        yes: YesOption = False,
        config: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """Erase a person (RGPD): database, raw records, every roster; a later sync will not bring them back.
        Shows who (people, registrations, roster rows) before asking."""
        if from_ is not None:
            if email or phone:
                raise typer.BadParameter("give --from, or --email/--phone, not both")
            email, phone = identifier_from(from_)
        erase_command(load(config), config, email, phone, yes, reason, dry_run)

    @app.command("purge")
    def purge(
        before: Annotated[
            str | None, typer.Option("--before", help="YYYY-MM-DD; default: today minus the retention.")
        ] = None,
        yes: YesOption = False,
        config: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """Redact personal data of events dated before a day (retention)."""
        purge_command(load(config), config, before, yes)

    @app.command("quarantine")
    def quarantine(
        source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
        requeue: Annotated[bool, typer.Option("--requeue", help="Re-process them on the next sync.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout (shape: README).")] = False,
        config: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """Rejected records with source, reason (French and English), place and raw values."""
        quarantine_command(readable(config), source, requeue, as_json)
