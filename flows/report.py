"""The run report: counts from the database, stored on the run and shown as Prefect artifacts.

Counts only: artifacts are visible to everyone who can open the Prefect UI, so they carry
no name, email or phone, nothing a site's coordinator would not see.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from rollcall.connectors import matching_store, report_store, store
from rollcall.connectors.database import session_scope
from rollcall.flows.dashboard import dashboard_path
from rollcall.models.campaign import load_campaign

#: A nightly schedule: more than this since the last completed sync means a night was missed.
MISSED_NIGHT = timedelta(hours=26)


def summarise(
    config: str,
    run_id: int,
    pulled: dict[str, Any],
    failures: dict[str, str],
    normalised: dict[str, Any],
    resolved: dict[str, Any],
    rosters: dict[str, Any],
    returning: dict[str, Any] | None = None,
    attempt: int = 1,
    review: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Build the run's summary from the database, store it on the run and publish it.

    The goal counts **new** volunteers: people with a live registration who are not in the
    campaign's volunteer base (``flows.volunteer_base``); without a base, every one is new.
    ``attempt`` is the flow run's attempt (2 after a Retry from the UI): the artifacts say it,
    so the Artifacts tab tells the current report from the failed attempt's."""
    returning = returning or {}
    campaign = load_campaign(config)
    code = campaign.campaign.code
    with session_scope(campaign.database_url) as session:
        run = store.get_run(session, run_id)
        previous = report_store.previous_completed_run(session, code, run_id)
        sources = report_store.counts_by_source(session, code)
        sites = report_store.counts_by_site(session, code)
        new = report_store.new_registrations_by_site(session, code, run.started_at)
        volunteers = report_store.volunteers(session, code)
        split = report_store.volunteers_by_site(session, code)
        pulled_sources = [s.name for s in campaign.sources if not s.is_volunteer_base]
        summary = {
            "run_id": run_id,
            "campaign": code,
            "goal": campaign.campaign.goal,
            "people": report_store.count_people(session, code),
            "registered": sum(s["registered"] for s in sites.values()),
            "new_volunteers": volunteers["new"],
            "returning_volunteers": volunteers["returning"],
            "volunteer_base": returning,
            "dashboard": str(dashboard_path(campaign)),  # written next (flows.dashboard)
            "previous_completed_at": _iso(previous.finished_at) if previous else None,
            "missed_night": _missed_night(previous.finished_at if previous else None, run.started_at),
            "attempt": attempt,
            "sources": {  # only those this run pulled or tried: `pull-source` reports one
                name: {**sources.get(name, {}), "this_run": pulled.get(name), "error": failures.get(name)}
                for name in pulled_sources
                if name in pulled or name in failures
            },
            "sites": {
                site: {
                    **counts,
                    **split.get(site, {"new": 0, "returning": 0}),
                    "new_this_run": new.get(site, 0),
                    "conflicts": rosters[site]["conflicts"],
                    "left_roster": rosters[site].get("removed", 0) + rosters[site].get("withdrawn", 0),
                    "roster": rosters[site]["location"],
                    "roster_written": bool(rosters[site].get("written")),
                    "roster_error": rosters[site].get("error"),
                }
                for site, counts in sites.items()
            },
            "quarantine": [
                {"source": source, "reason": reason, "records": n}
                for (source, reason), n in sorted(report_store.quarantine_by_reason(session, code).items())
            ],
            "review_pairs_open": matching_store.count_open_review_pairs(session),
            "review_workbook": review,
            "this_run": {"normalised": normalised, "resolved": resolved, "seconds": timings or {}},
        }
        failed = failures or any(r.get("error") for r in rosters.values()) or returning.get("error")
        store.finish_run(session, run_id, "failed" if failed else "completed", summary)
    publish(summary)
    get_run_logger().info(
        "sync run %d: %d new volunteers of goal %d (%d already volunteer), %d sources failed",
        run_id,
        summary["new_volunteers"],
        summary["goal"],
        summary["returning_volunteers"],
        len(failures),
    )
    return summary


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


def _missed_night(previous: datetime | None, started: datetime) -> bool:
    return previous is not None and started - previous > MISSED_NIGHT


def publish(summary: dict[str, Any]) -> None:
    """Three artifacts: the run in markdown, sources and sites as tables, each saying which
    attempt of the run it belongs to."""
    which = _attempt_label(summary)
    create_table_artifact(key="rollcall-sites", table=site_rows(summary), description=f"Per site{which}")
    create_table_artifact(key="rollcall-sources", table=source_rows(summary), description=f"Per source{which}")
    create_markdown_artifact(key="rollcall-summary", markdown=markdown(summary), description=f"Sync run report{which}")


def _attempt_label(summary: dict[str, Any]) -> str:
    attempt = summary.get("attempt", 1)
    return f" (attempt {attempt}: replaces the earlier attempts' reports)" if attempt > 1 else ""


def site_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "site": code,
            "registered": s["registered"],
            "new volunteers": s.get("new", 0),
            "already volunteer": s.get("returning", 0),
            "new this run": s["new_this_run"],
            "cancelled": s["cancelled"],
            "without consent": s["no_consent"],
            "conflicts": s.get("conflicts", 0),
            "left roster this run": s.get("left_roster", 0),
            "capacity": s["capacity"],
            "fill": f"{s['registered'] / s['capacity']:.0%}",
            "roster": Path(s["roster"]).name,
        }
        for code, s in summary["sites"].items()
    ]


def source_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, s in summary["sources"].items():
        this_run = s.get("this_run") or {}
        status = "failed" if s.get("error") else ("skipped" if "skipped" in this_run else "ok")
        rows.append(
            {
                "source": name,
                "status": status,
                "fetched": this_run.get("received", 0),
                "new": this_run.get("new", 0),
                "updated": this_run.get("new_versions", 0),
                "requests": this_run.get("requests") or 0,
                "records": s.get("current", 0),
                "quarantined": s.get("quarantined", 0),
                "note": s.get("error") or this_run.get("skipped") or "",
            }
        )
    return rows


def markdown(summary: dict[str, Any]) -> str:
    goal, new = summary["goal"], summary.get("new_volunteers", summary["registered"])
    attempt = f", attempt {summary['attempt']}" if summary.get("attempt", 1) > 1 else ""
    lines = [f"## Sync run {summary['run_id']}{attempt} — {summary['campaign']}", ""]
    if summary["missed_night"]:
        lines += [
            f"**Warning: the previous completed sync was at {summary['previous_completed_at']} "
            "UTC: at least one night was missed.**",
            "",
        ]
    lines += [
        f"**{new}** new volunteers of the goal of **{goal}** ({new / goal:.0%}); "
        f"{summary.get('returning_volunteers', 0)} registrants already volunteer (not counted); "
        f"{summary['registered']} registrations, {summary['people']} people.",
        "",
    ]
    base = summary.get("volunteer_base") or {}
    if base.get("error"):
        lines += [
            f"**Volunteer base not read**: {base['error']}. Registrants keep the previous Nouveau / Déjà bénévole.",
            "",
        ]
    elif base.get("bases"):
        lines += [f"Volunteer base: {base['base_rows']} rows, {base['returning_people']} registrants found in it.", ""]
    if summary.get("dashboard"):
        lines += [f"Campaign dashboard (charts, opens offline): `{summary['dashboard']}`", ""]
    lines += _review_lines(summary)
    lines += _table(source_rows(summary))
    lines += [""] + _table(site_rows(summary))
    unpushed = {code: s["roster_error"] for code, s in summary["sites"].items() if s.get("roster_error")}
    if unpushed:
        lines += ["", "**Rosters not pushed** (the other sites' were):", ""]
        lines += [f"- {code}: {error}" for code, error in unpushed.items()]
    if summary["quarantine"]:
        lines += ["", "Quarantine (kept raw; `rollcall status` and the database hold the reasons in French):", ""]
        lines += _table(summary["quarantine"])
    return "\n".join(lines)


def _review_lines(summary: dict[str, Any]) -> list[str]:
    """Pairs waiting for a decision, where to decide them, and what the workbook told us."""
    workbook = summary.get("review_workbook") or {}
    read = workbook.get("decisions_read") or {}
    lines = []
    if read.get("applied"):
        lines.append(f"{read['applied']} decision(s) read from the workbook *{workbook.get('workbook')}* and applied.")
    if read.get("not_understood"):
        lines.append(
            f"{read['not_understood']} decision(s) in the workbook not understood: its *Remarque* column "
            "says why; nothing was applied for them."
        )
    if read.get("already_decided"):
        lines.append(
            f"{read['already_decided']} workbook decision(s) contradict one already stored and were not "
            "applied (`rollcall review decisions`; change one with `rollcall review decide`)."
        )
    for error in {workbook.get("error"), read.get("error")} - {None}:
        lines.append(f"**Review workbook:** {error}.")
    if summary.get("review_pairs_open"):
        where = f" or the workbook *{workbook['workbook']}*" if workbook.get("workbook") else ""
        lines.append(
            f"{summary['review_pairs_open']} pairs of sign-ups may be one person and wait for a "
            f"decision: `rollcall review`{where}."
        )
    return [line for entry in lines for line in (entry, "")]


def _table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    headers = list(rows[0])
    return ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)] + [
        "| " + " | ".join(str(row[h]).replace("|", "/") for h in headers) + " |" for row in rows
    ]
