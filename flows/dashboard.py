"""Write the campaign dashboard after each sync and link it from the run's artifacts.

The page sits next to the rosters (``<rosters directory>/../dashboard.html``; with the
example campaign ``var/dashboard.html``) and holds counts only (``transforms.dashboard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from rollcall.connectors import report_store
from rollcall.connectors.dashboard_file import write_dashboard
from rollcall.connectors.database import session_scope
from rollcall.models.campaign import Campaign, load_campaign
from rollcall.transforms.dashboard import (
    DashboardData,
    SiteFacts,
    attendance_by_site,
    cumulative_by_day,
    dashboard_html,
    hours_within_days,
    signups_per_day,
    site_warnings,
)

DASHBOARD_NAME = "dashboard.html"


def dashboard_path(campaign: Campaign) -> Path:
    return campaign.rosters.directory.parent / DASHBOARD_NAME


@dataclass(frozen=True)
class VolunteerCounts:
    """Counts the run's report has just read (``flows.report.summarise``) and the page shows
    too: per site code, ``registered``, ``new`` and ``returning``; in all, ``new`` and
    ``returning``. Handed on, the page says what the report says, read once."""

    by_site: dict[str, dict[str, int]]
    new: int
    returning: int

    @classmethod
    def read(cls, session: Session, code: str) -> VolunteerCounts:
        counts = report_store.counts_by_site(session, code)
        split = report_store.volunteers_by_site(session, code)
        totals = report_store.volunteers(session, code)
        by_site = {
            site: {"registered": facts["registered"], **split.get(site, {"new": 0, "returning": 0})}
            for site, facts in counts.items()
        }
        return cls(by_site, totals["new"], totals["returning"])

    @classmethod
    def of_summary(cls, summary: dict[str, Any]) -> VolunteerCounts:
        by_site = {
            site: {key: facts[key] for key in ("registered", "new", "returning")}
            for site, facts in summary["sites"].items()
        }
        return cls(by_site, summary["new_volunteers"], summary["returning_volunteers"])


def dashboard_data(
    session: Session, campaign: Campaign, today: date, now: datetime, counts: VolunteerCounts | None = None
) -> DashboardData:
    """Every count the page shows, from the database as it is now (``counts``: those the
    run's report read already). ``today`` (the campaign's local date) decides warnings and
    which sites' attendance is shown: tests set it."""
    code, tz = campaign.campaign.code, campaign.campaign.timezone
    labels = {s.name: s.display_name for s in campaign.sources}
    counts = counts or VolunteerCounts.read(session, code)
    sites = tuple(
        SiteFacts(
            code=s.code,
            name=s.name,
            date=s.date,
            capacity=s.capacity,
            registered=counts.by_site.get(s.code, {}).get("registered", 0),
            new=counts.by_site.get(s.code, {}).get("new", 0),
            returning=counts.by_site.get(s.code, {}).get("returning", 0),
        )
        for s in campaign.sites
    )
    return DashboardData(
        campaign=campaign.campaign.name,
        goal=campaign.campaign.goal,
        today=today,
        generated_at=now,
        new=counts.new,
        returning=counts.returning,
        sites=sites,
        signups_per_day=signups_per_day(_signups_received(session, code, tz), tz, labels),
        new_over_time=cumulative_by_day(_new_volunteers(session, code, tz), tz),
        warnings=site_warnings(sites, today),
        attendance=attendance_by_site(report_store.attendance(session, code), sites, today, labels),
    )


def _signups_received(session: Session, code: str, tz: str) -> list[tuple[datetime | None, str, int]]:
    """Sign-ups counted per UTC hour by the database, or one by one where a local day starts
    within an hour (``hours_within_days``)."""
    by_hour = report_store.signups_received_by_hour(session, code)
    if hours_within_days((hour for hour, _, _ in by_hour), tz):
        return by_hour
    return [(moment, source, 1) for moment, source in report_store.signups_received(session, code)]


def _new_volunteers(session: Session, code: str, tz: str) -> list[tuple[datetime | None, int]]:
    by_hour = report_store.new_volunteers_by_hour(session, code)
    if hours_within_days((hour for hour, _ in by_hour), tz):
        return by_hour
    return [(moment, 1) for moment in report_store.new_volunteer_first_registrations(session, code)]


@task(cache_policy=NO_CACHE)
def publish_dashboard(
    config_path: str, today: date | None = None, counts: VolunteerCounts | None = None
) -> dict[str, Any]:
    """Write the dashboard and link it from the run; returns its path, or ``error`` when the
    file cannot be written (the rosters are written all the same). ``counts``: those the
    run's report has just read (``VolunteerCounts.of_summary``), else read here."""
    campaign = load_campaign(config_path)
    now = datetime.now(ZoneInfo(campaign.campaign.timezone))
    with session_scope(campaign.database_url) as session:
        data = dashboard_data(session, campaign, today or now.date(), now.replace(tzinfo=None), counts)
    path = dashboard_path(campaign)
    try:
        write_dashboard(path, dashboard_html(data))
    except OSError as exc:
        return {"path": str(path), "error": f"dashboard not written to {path}: {exc.strerror or exc}"}
    create_link_artifact(
        key="rollcall-dashboard",
        link=path.resolve().as_uri(),
        link_text=f"Tableau de bord : {path.resolve()}",
        description="Campaign dashboard (one HTML file, opens offline; counts only)",
    )
    return {"path": str(path), "new": data.new, "returning": data.returning, "warnings": len(data.warnings)}
