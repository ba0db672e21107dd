"""``rollcall review``: the pairs of sign-ups that may be one person, for a reviewer who reads
French. Each pair is shown side by side with the reasons; a decision is made, listed and
changed with ``review decide D12 --same | --different`` and ``review decisions``.

Names and contacts are shown at the reviewer's terminal, as the roster shows them to a
coordinator; nothing of it goes to logs.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rollcall.cli import ids
from rollcall.cli.errors import CliError, ExitCode
from rollcall.cli.readonly import DEFAULT_CONFIG_PATH, ConfigOption, local_time, readable
from rollcall.connectors import matching_store
from rollcall.connectors.database import campaign_lock, session_scope
from rollcall.models.campaign import Campaign
from rollcall.models.tables import Event, ReviewPair, Signup
from rollcall.transforms.phones import format_national

console = Console(soft_wrap=True)  # a message is one line, whatever the terminal width
SAME = {True: "même personne", False: "personnes différentes"}


def _local(moment: datetime | None, campaign: Campaign) -> str:
    """A stored UTC time as the campaign's local time, ``08/10/2022 09:30``."""
    return local_time(moment, campaign).strftime("%d/%m/%Y %H:%M") if moment else "—"


def _pair_table(campaign: Campaign, pair: ReviewPair, details: dict[int, tuple[Signup, Event, int | None]]) -> Table:
    """Both sign-ups of a pair, field by field, under its id and reasons."""
    labels = {s.name: s.display_name for s in campaign.sources}
    status = "à vérifier" if pair.status == "open" else "décidé"
    table = Table(
        title=f"Doublon {ids.pair_ref(pair.id)} ({status}) : {pair.explanation_fr}",
        title_justify="left",
        show_lines=False,
    )
    table.add_column("")
    sides = [details[pair.signup_a], details[pair.signup_b]]
    for signup, _, _ in sides:
        table.add_column(f"Inscription {ids.signup_ref(signup.id)}", overflow="fold")
    rows = {
        "Prénom": lambda s, e, r: s.first_name,
        "Nom": lambda s, e, r: s.last_name,
        "Email": lambda s, e, r: s.email or "—",
        "Téléphone": lambda s, e, r: format_national(s.phone) if s.phone else "—",
        "Site": lambda s, e, r: f"{e.name} ({e.date:%d/%m/%Y})",
        "Source": lambda s, e, r: labels.get(s.source, s.source),
        "Inscrit le": lambda s, e, r: _local(s.submitted_at, campaign),
        "Réf. inscription": lambda s, e, r: ids.registration_ref(r) if r else "—",
    }
    for label, value in rows.items():
        table.add_row(label, *(value(*side) for side in sides))
    return table


def _pair_json(
    campaign: Campaign, pair: ReviewPair, details: dict[int, tuple[Signup, Event, int | None]]
) -> dict[str, object]:
    labels = {s.name: s.display_name for s in campaign.sources}
    return {
        "id": ids.pair_ref(pair.id),
        "status": pair.status,
        "reasons": pair.explanation_fr,
        "signups": [
            {
                "id": ids.signup_ref(signup.id),
                "first_name": signup.first_name,
                "last_name": signup.last_name,
                "email": signup.email,
                "phone": signup.phone,
                "site": event.site_code,
                "date": event.date.isoformat(),
                "source": labels.get(signup.source, signup.source),
                "submitted_at": local_time(signup.submitted_at, campaign).isoformat() if signup.submitted_at else None,
                "registration": ids.registration_ref(registration) if registration else None,
            }
            for signup, event, registration in (details[pair.signup_a], details[pair.signup_b])
        ],
    }


def review_list(campaign: Campaign, everything: bool, as_json: bool = False) -> None:
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        pairs = matching_store.review_pairs(session, code, None if everything else "open")
        details = matching_store.signups_for_review(session, [s for p in pairs for s in (p.signup_a, p.signup_b)])
    if as_json:
        typer.echo(json.dumps({"pairs": [_pair_json(campaign, p, details) for p in pairs]}, ensure_ascii=False))
        return
    if not pairs:
        console.print("Aucun doublon à vérifier.")
        return
    console.print(
        f"{len(pairs)} doublon(s) {'' if everything else 'à vérifier '}: deux inscriptions "
        "qui sont peut-être la même personne."
    )
    for pair in pairs:
        console.print(_pair_table(campaign, pair, details))
    console.print(
        f"Décider : rollcall review decide {ids.pair_ref(pairs[0].id)} --same (même personne) ou --different "
        "(personnes différentes). Une décision peut être changée de la même façon."
    )


def decisions_list(campaign: Campaign) -> None:
    with session_scope(campaign.database_url) as session:
        found = matching_store.decisions(session, campaign.campaign.code)
    if not found:
        console.print("Aucune décision prise.")
        return
    table = Table(
        title="Décisions prises (changer : rollcall review decide D12 --same ou --different)", title_justify="left"
    )
    for header in ("doublon", "inscriptions", "décision", "par", "le"):
        table.add_column(header)
    for decision, pair_id in found:
        table.add_row(
            ids.pair_ref(pair_id) if pair_id else "séparation",
            f"{ids.signup_ref(decision.signup_a)} / {ids.signup_ref(decision.signup_b)}",
            SAME[decision.same],
            decision.decided_by,
            _local(decision.decided_at, campaign),
        )
    console.print(table)


def decide(campaign: Campaign, pair: str, same: bool) -> None:
    """Store (or change) the decision on a pair and apply it now: merge the two people, or
    split them apart. Every later sync keeps it."""
    pair_id = ids.parse(pair, "D")
    ref = ids.pair_ref(pair_id)
    user = getpass.getuser()
    with campaign_lock(campaign.database_url, campaign.campaign.code), session_scope(campaign.database_url) as session:
        row = next(
            (p for p in matching_store.review_pairs(session, campaign.campaign.code, None) if p.id == pair_id), None
        )
        if row is None:
            raise CliError(
                f"Aucun doublon {ref} dans cette campagne.",
                ExitCode.NOT_FOUND,
                "La liste des doublons : rollcall review (--all pour ceux déjà décidés).",
            )
        decision = matching_store.decision_on(session, row.signup_a, row.signup_b)
        previous = decision.same if decision is not None else None
        if previous == same:
            console.print(f"{ref} : déjà décidé ({SAME[same]}). Rien ne change.")
            return
        a, b = session.get_one(Signup, row.signup_a), session.get_one(Signup, row.signup_b)
        matching_store.record_decision(session, a.id, b.id, same, decided_by=user)
        if same and a.person_id != b.person_id and a.person_id is not None and b.person_id is not None:
            keep, gone = sorted((a.person_id, b.person_id))
            matching_store.merge_people(session, keep, gone)
        elif not same and a.person_id == b.person_id:
            matching_store.split_signup(session, b.id, decided_by=user, overrule=False)  # only this pair
        from rollcall.flows.identity import refresh_registrations  # the same rule as the nightly sync

        changed = refresh_registrations(session, campaign)
    before = f" (avant : {SAME[previous]})" if previous is not None else ""
    console.print(
        f"{ref} : décision enregistrée, {SAME[same]}{before}. {changed} inscription(s) mise(s) à jour ; "
        "les listes des sites suivent à la prochaine synchronisation."
    )


def register(app: typer.Typer) -> None:
    """Add ``review``, ``review decide`` and ``review decisions`` to the ``rollcall`` app."""
    review_app = typer.Typer(
        help="Doublons : deux inscriptions qui sont peut-être la même personne.", invoke_without_command=True
    )

    @review_app.callback()
    def review(
        ctx: typer.Context,
        config: ConfigOption = DEFAULT_CONFIG_PATH,
        everything: Annotated[bool, typer.Option("--all", help="Aussi les doublons déjà décidés.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout (shape: README).")] = False,
    ) -> None:
        """Les doublons à vérifier, chacun côte à côte avec ses raisons."""
        ctx.obj = config
        if ctx.invoked_subcommand is None:
            review_list(readable(config), everything, as_json)

    @review_app.command("decide")
    def review_decide(
        ctx: typer.Context,
        pair: Annotated[str, typer.Argument(help="Le doublon, par exemple D12.")],
        same: Annotated[bool, typer.Option("--same/--different", help="Même personne, ou pas.")],
        config: Annotated[Path | None, typer.Option("--config", "-c", help="The campaign file (TOML).")] = None,
    ) -> None:
        """Décider un doublon (ou changer sa décision) : --same les réunit, --different les sépare."""
        decide(readable(config or ctx.obj), pair, same)

    @review_app.command("decisions")
    def review_decisions(
        ctx: typer.Context,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="The campaign file (TOML).")] = None,
    ) -> None:
        """Les décisions prises, avec qui et quand."""
        decisions_list(readable(config or ctx.obj))

    app.add_typer(review_app, name="review")
