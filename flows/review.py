"""The "Doublons à vérifier" workbook in the sync: decisions typed there are read back before
people are resolved (so they count the same night), and the workbook is rewritten with the
pairs still open after.

A reviewer decides where they already work; the decision is stored like one made with
``rollcall review decide`` and every later sync keeps it. A decision already stored is never
overwritten from the workbook (a changed mind goes through ``review decide``). Trouble with
the file (open in a spreadsheet program, corrupt) never fails the sync: it is left as it
is and the run's report says what to do.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NO_CACHE

from rollcall.connectors import matching_store, review_workbook
from rollcall.connectors.database import session_scope
from rollcall.connectors.review_workbook import ReviewWorkbookError
from rollcall.models.campaign import Campaign, load_campaign
from rollcall.models.tables import Event
from rollcall.transforms import review_sheet
from rollcall.transforms.phones import format_national

log = logging.getLogger(__name__)

#: Who made a decision read from the workbook (``review decisions`` shows it).
WORKBOOK_REVIEWER = "classeur Doublons"

#: Column widths (characters) a reviewer reads without resizing.
WIDTHS = {
    "Doublon": 8,
    "Raisons": 40,
    "Décision": 22,
    "Remarque": 36,
    "Inscription A": 13,
    "Inscription B": 13,
    **{
        f"{field} {side}": width
        for side in "AB"
        for field, width in {
            "Prénom": 16,
            "Nom": 18,
            "Email": 30,
            "Téléphone": 16,
            "Site": 24,
            "Source": 18,
            "Inscrit le": 17,
            "Réf. inscription": 15,
        }.items()
    },
}


@task(cache_policy=NO_CACHE)  # reads the workbook and the database as they are now
def apply_review_workbook(config_path: str) -> dict[str, Any]:
    """Store the decisions typed in the workbook; counts only (what was typed stays out of
    Prefect's records)."""
    campaign = load_campaign(config_path)
    path = campaign.review.workbook
    counts = {"applied": 0, "not_understood": 0, "already_decided": 0, "unknown_pair": 0}
    try:
        found = review_workbook.read(path, review_sheet.TITLE)
    except ReviewWorkbookError as exc:
        log.warning("review workbook: %s", exc)
        return {**counts, "error": str(exc)}
    if found is None:
        return counts
    with session_scope(campaign.database_url) as session:
        for row in review_sheet.typed_decisions(*found):
            if row.typed is None:
                continue
            same = review_sheet.meaning(row.typed)
            if same is None:
                counts["not_understood"] += 1
                continue
            known = matching_store.signups_for_review(session, row.key)
            if len(known) != 2 or any(event.campaign != campaign.campaign.code for _, event, _ in known.values()):
                counts["unknown_pair"] += 1
                continue
            stored = matching_store.decision_on(session, *row.key)
            if stored is not None:
                counts["already_decided"] += stored.same != same
                continue
            matching_store.record_decision(session, *row.key, same=same, decided_by=WORKBOOK_REVIEWER)
            counts["applied"] += 1
    if counts["applied"]:
        log.info("review workbook: %d decision(s) stored", counts["applied"])
    return counts


@task(cache_policy=NO_CACHE)
def write_review_workbook(config_path: str) -> dict[str, Any]:
    """Rewrite the workbook with the pairs open now, keeping a decision that could not be
    understood in its cell with a remark."""
    campaign = load_campaign(config_path)
    path = campaign.review.workbook
    try:
        found = review_workbook.read(path, review_sheet.TITLE)
        previous = {row.key: row for row in review_sheet.typed_decisions(*found)} if found else {}
        with session_scope(campaign.database_url) as session:
            pairs = matching_store.review_pairs(session, campaign.campaign.code, "open")
            details = matching_store.signups_for_review(session, [s for p in pairs for s in (p.signup_a, p.signup_b)])
            views = [review_sheet.PairView(p.id, p.signup_a, p.signup_b, p.explanation_fr) for p in pairs]
            sides = {signup_id: _side(campaign, *detail) for signup_id, detail in details.items()}
            rows = review_sheet.rows(views, sides, format_national, previous)
        if not review_workbook.holds(found, review_sheet.HEADERS, rows):  # an unchanged night writes nothing
            review_workbook.write(
                path,
                review_sheet.TITLE,
                review_sheet.HEADERS,
                rows,
                review_sheet.CHOICES,
                review_sheet.DECISION,
                WIDTHS,
            )
    except ReviewWorkbookError as exc:
        log.warning("review workbook: %s", exc)
        return {"pairs": None, "workbook": path.name, "error": str(exc)}
    return {"pairs": len(rows), "workbook": path.name}


def _side(campaign: Campaign, signup: Any, event: Event, registration: int | None) -> tuple:
    labels = {s.name: s.display_name for s in campaign.sources}
    when = ""
    if signup.submitted_at is not None:
        moment = signup.submitted_at if signup.submitted_at.tzinfo else signup.submitted_at.replace(tzinfo=UTC)
        when = moment.astimezone(ZoneInfo(campaign.campaign.timezone)).strftime("%d/%m/%Y %H:%M")
    return (
        signup,
        f"{event.name} ({event.date:%d/%m/%Y})",
        labels.get(signup.source, signup.source),
        when,
        registration,
    )
