"""Ops commands on identity: explain a person, split a wrong merge (review pairs: cli/review.py).

They show names and contacts to the operator at the terminal, as the roster does to a
coordinator; nothing of it goes to logs.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rollcall.cli import ids
from rollcall.cli.errors import CliError, ExitCode
from rollcall.cli.readonly import DEFAULT_CONFIG_PATH, ConfigOption, readable
from rollcall.connectors import matching_store
from rollcall.connectors.database import campaign_lock, session_scope
from rollcall.models.campaign import Campaign
from rollcall.models.tables import Signup

console = Console(soft_wrap=True)  # a message is one line, whatever the terminal width


def _refresh(session, campaign: Campaign) -> int:
    from rollcall.flows.identity import refresh_registrations  # the same rule as the nightly sync

    return refresh_registrations(session, campaign)


def explain(campaign: Campaign, registration: str) -> None:
    """Which sign-ups made the person of a roster row (``R00042``), and why they were merged."""
    registration_id = ids.parse(registration, "R")
    ref = ids.registration_ref(registration_id)
    with session_scope(campaign.database_url) as session:
        rows = matching_store.person_signups(session, registration_id)
        if rows is None:
            raise CliError(
                f"No registration {ref} in this campaign's database.",
                ExitCode.NOT_FOUND,
                "The reference is the roster's Réf. inscription column, e.g. R00042.",
            )
        links = matching_store.links_of(session, [s.id for s, _ in rows])
    table = Table(title=f"Sign-ups of the person of {ref}")
    for header in ("sign-up", "source", "where", "name", "email", "phone", "rule"):
        table.add_column(header)
    for signup, raw in rows:
        table.add_row(
            ids.signup_ref(signup.id),
            signup.source,
            raw.locator or raw.external_id[:20],
            f"{signup.first_name} {signup.last_name}",
            signup.email or "",
            signup.phone or "",
            signup.match_rule or "",
        )
    console.print(table)
    for link in links:
        console.print(
            f"  {ids.signup_ref(link.signup_a)} = {ids.signup_ref(link.signup_b)}: {link.rule} "
            f"(score {link.score:.2f}; {', '.join(link.evidence)})"
        )


def unmerge(campaign: Campaign, signup: str) -> None:
    """Take a sign-up out of its person; the split is kept by every later run."""
    signup_id = ids.parse(signup, "S")
    ref = ids.signup_ref(signup_id)
    with campaign_lock(campaign.database_url, campaign.campaign.code), session_scope(campaign.database_url) as session:
        if session.get(Signup, signup_id) is None:
            raise CliError(
                f"No sign-up {ref} in this campaign's database.",
                ExitCode.NOT_FOUND,
                "Sign-up ids are shown by `rollcall explain R00042` and `rollcall review`.",
            )
        person_id = matching_store.split_signup(session, signup_id, decided_by=getpass.getuser())
        changed = _refresh(session, campaign) if person_id is not None else 0
    if person_id is None:
        console.print(f"{ref} is already alone in its person: nothing changed.")
        return
    console.print(
        f"{ref} is now person {person_id}, kept apart from the others for good; "
        f"{changed} registrations updated. Rosters change on the next sync or push."
    )


def register(app: typer.Typer) -> None:
    """Add the commands to the ``rollcall`` app."""

    @app.command("unmerge")
    def unmerge_command(
        signup: Annotated[str, typer.Argument(help="The sign-up, e.g. S381.")],
        config: ConfigOption = DEFAULT_CONFIG_PATH,
    ) -> None:
        """Split a wrongly merged sign-up (S381) out of its person, for good."""
        unmerge(readable(config), signup)

    @app.command("explain")
    def explain_command(registration: str, config: ConfigOption = DEFAULT_CONFIG_PATH) -> None:
        """Show the sign-ups behind a roster row (its Réf. inscription, e.g. R00042) and why."""
        explain(readable(config), registration)
