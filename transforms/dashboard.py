"""The campaign dashboard: what the volunteer lead checks every morning, as one HTML file.

Pure: counts in, figures and an HTML string out (``connectors.dashboard_file`` writes it).
Counts only, never a name, email or phone: the file may be forwarded or left on a laptop.

Charts are made with plotly (a well-kept library whose figures are interactive and whose
JavaScript can be embedded whole, so the file opens without a network). The page holds
plotly.js once, then one ``<div>`` per chart with a fixed id (the same counts give the same
file, and tests find each chart by its id).
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from rollcall.transforms.returning import NEW_LABEL, RETURNING_LABEL

#: A site under this share of its capacity this many days before its date is warned about.
LOW_FILL, LOW_FILL_LEAD = 0.5, timedelta(days=10)

#: Each chart's ``<div>`` id, in page order.
CHART_IDS = ("inscriptions-par-jour", "objectif", "progression", "remplissage", "nouveaux-anciens", "presences")

UNKNOWN_CHANNEL = "(inconnu)"
NO_DATE = "sans date"

OVER, LOW = "over_capacity", "low_fill"
COLOURS = {
    "ok": "#2b6cb0",
    OVER: "#c53030",
    LOW: "#dd6b20",
    "capacity": "#1a202c",
    NEW_LABEL: "#2f855a",
    RETURNING_LABEL: "#a0aec0",
}


@dataclass(frozen=True)
class SiteFacts:
    """One site's counts: live registrations, of which new and returning volunteers."""

    code: str
    name: str
    date: date
    capacity: int
    registered: int
    new: int = 0
    returning: int = 0


@dataclass(frozen=True)
class SiteWarning:
    site: str
    kind: str  # OVER or LOW
    message: str  # French, one line: what is wrong and what to do


@dataclass(frozen=True)
class Attendance:
    """Présent ticks of one site whose day has come: in all, and per channel (a registration
    through two channels counts in each channel, once in all), as (present, registered)."""

    site: str
    name: str
    present: int
    registered: int
    by_channel: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class DashboardData:
    """Everything the page shows, already counted (see ``dashboard_data``)."""

    campaign: str
    goal: int
    today: date
    generated_at: datetime  # local time, for the page's header
    new: int
    returning: int
    sites: tuple[SiteFacts, ...]
    signups_per_day: dict[str, dict[date | None, int]]  # channel -> day (None: no date) -> sign-ups
    new_over_time: tuple[tuple[date, int], ...]  # (day, new volunteers registered by then)
    warnings: tuple[SiteWarning, ...]
    attendance: tuple[Attendance, ...] = field(default=())


# ---------------------------------------------------------------- data (tested directly)


def local_day(moment: datetime | None, tz: str) -> date | None:
    return moment.astimezone(ZoneInfo(tz)).date() if moment is not None else None


def signups_per_day(
    received: Iterable[tuple[datetime | None, str, int]], tz: str, labels: dict[str, str] | None = None
) -> dict[str, dict[date | None, int]]:
    """Channel label -> local day -> sign-ups received (``None``: the source gave no date),
    from (moment, source, how many): each sign-up, or each UTC hour's count when
    ``hours_within_days`` says the hours add up to days."""
    labels = labels or {}
    table: dict[str, Counter] = defaultdict(Counter)
    for moment, source, n in received:
        table[labels.get(source, source)][local_day(moment, tz)] += n
    return {channel: dict(days) for channel, days in sorted(table.items())}


def cumulative_by_day(moments: Iterable[tuple[datetime | None, int]], tz: str) -> tuple[tuple[date, int], ...]:
    """(day, how many by the end of that day), for each day something happened, from
    (moment, how many) as in ``signups_per_day``; undated ones count from the first day
    (they are in the total all the same)."""
    days: Counter[date | None] = Counter()
    for moment, n in moments:
        days[local_day(moment, tz)] += n
    running, points = days.pop(None, 0), []  # the undated ones
    dated: Counter[date] = Counter({day: n for day, n in days.items() if day is not None})
    for day in sorted(dated):
        running += dated[day]
        points.append((day, running))
    return tuple(points)


_LAST_INSTANT = timedelta(hours=1, microseconds=-1)


def hours_within_days(hours: Iterable[datetime | None], tz: str) -> bool:
    """Whether each of these UTC hours (their first instant) lies within one local day, so
    that counts per hour add up to counts per local day exactly. True wherever the offset
    from UTC is whole hours, as in mainland France and most of its overseas territories;
    false where a local day starts within an hour (Marquesas, UTC-9:30; India, UTC+5:30):
    there, each moment is counted on its own."""
    return all(h is None or local_day(h, tz) == local_day(h + _LAST_INSTANT, tz) for h in hours)


def site_warnings(sites: Iterable[SiteFacts], today: date) -> tuple[SiteWarning, ...]:
    """Over capacity (always, until the day), or under half of it within ten days of the day."""
    warnings = []
    for site in sites:
        if today > site.date:
            continue
        fill = site.registered / site.capacity
        if site.registered > site.capacity:
            warnings.append(
                SiteWarning(
                    site.code,
                    OVER,
                    (
                        f"{site.name} : {site.registered} inscrits pour {site.capacity} places ({_pct(fill)}). "
                        "Prévenir la coordination du site ou relever la capacité."
                    ),
                )
            )
        elif fill < LOW_FILL and today >= site.date - LOW_FILL_LEAD:
            days = (site.date - today).days
            when = "aujourd'hui" if days == 0 else f"dans {days} jour{'s' if days > 1 else ''}"
            warnings.append(
                SiteWarning(
                    site.code,
                    LOW,
                    (
                        f"{site.name} : {site.registered} inscrits pour {site.capacity} places ({_pct(fill)}), "
                        f"journée {when}. Relancer la communication locale."
                    ),
                )
            )
    return tuple(warnings)


def attendance_by_site(
    rows: Iterable[tuple[str, Sequence[str], bool, int]],
    sites: Iterable[SiteFacts],
    today: date,
    labels: dict[str, str] | None = None,
) -> tuple[Attendance, ...]:
    """Per site whose day has come (today or before), per channel: (present, registered).
    ``rows``: (site code, channels, present, how many registrations so). A registration
    through two channels counts in each (as in ``rollcall status``)."""
    labels = labels or {}
    held = {s.code: s for s in sites if s.date <= today}
    counts: dict[str, dict[str, list[int]]] = {code: defaultdict(lambda: [0, 0]) for code in held}
    totals = {code: [0, 0] for code in held}
    for code, sources, present, n in rows:
        if code not in held:
            continue
        totals[code][0] += n if present else 0
        totals[code][1] += n
        for source in sources or (UNKNOWN_CHANNEL,):
            cell = counts[code][labels.get(source, source)]
            cell[0] += n if present else 0
            cell[1] += n
    return tuple(
        Attendance(
            code,
            held[code].name,
            present=totals[code][0],
            registered=totals[code][1],
            by_channel={ch: (p, r) for ch, (p, r) in sorted(counts[code].items())},
        )
        for code in held
    )


# ---------------------------------------------------------------- figures


def _layout(fig: go.Figure, title: str, **extra) -> go.Figure:
    """French number format (1 234,5), one look for every chart."""
    layout = {
        "title": title,
        "separators": ", ",
        "template": "plotly_white",
        "height": 380,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "legend_title_text": "",
    }
    fig.update_layout(**{**layout, **extra})
    return fig


def signups_figure(data: DashboardData) -> go.Figure:
    fig = go.Figure()
    for channel, days in data.signups_per_day.items():
        dated = sorted((d, n) for d, n in days.items() if d is not None)
        fig.add_bar(name=channel, x=[d.isoformat() for d, _ in dated], y=[n for _, n in dated])
    undated = sum(days.get(None, 0) for days in data.signups_per_day.values())
    note = f" ({undated} sans date, non affichées)" if undated else ""
    return _layout(
        fig,
        f"Inscriptions reçues par jour et par canal{note}",
        barmode="stack",
        xaxis={"type": "date", "tickformat": "%d/%m"},
        yaxis={"title": "inscriptions"},
    )


def goal_figure(data: DashboardData) -> go.Figure:
    fig = go.Figure(
        go.Indicator(
            mode="number+gauge",
            value=data.new,
            number={"suffix": f" / {_fr(data.goal)}", "valueformat": ",d"},
            gauge={
                "shape": "bullet",
                "axis": {"range": [0, max(data.goal, data.new)]},
                "bar": {"color": COLOURS[NEW_LABEL]},
                "threshold": {"value": data.goal, "line": {"color": "black"}},
            },
            domain={"x": [0.05, 1], "y": [0.2, 0.8]},
        )
    )
    return _layout(fig, f"Nouveaux bénévoles inscrits : objectif {_fr(data.goal)}", height=200)


def progress_figure(data: DashboardData) -> go.Figure:
    fig = go.Figure()
    days = [d.isoformat() for d, _ in data.new_over_time]
    fig.add_scatter(
        name="Nouveaux bénévoles (cumul)",
        x=days,
        y=[n for _, n in data.new_over_time],
        mode="lines+markers",
        line={"color": COLOURS[NEW_LABEL]},
    )
    fig.add_hline(y=data.goal, line_dash="dash", annotation_text=f"objectif : {_fr(data.goal)}")
    return _layout(
        fig,
        "Progression vers l'objectif de nouveaux bénévoles",
        xaxis={"type": "date", "tickformat": "%d/%m"},
        yaxis={"title": "nouveaux bénévoles", "rangemode": "tozero"},
    )


def fill_figure(data: DashboardData) -> go.Figure:
    warned = {w.site: w.kind for w in data.warnings}
    names = [s.name for s in data.sites]
    fig = go.Figure()
    fig.add_bar(
        name="Inscrits",
        x=names,
        y=[s.registered for s in data.sites],
        marker_color=[COLOURS[warned.get(s.code, "ok")] for s in data.sites],
        text=[_pct(s.registered / s.capacity) for s in data.sites],
        textposition="inside",
        insidetextanchor="end",
        textfont_color="white",
    )
    fig.add_scatter(
        name="Capacité",
        x=names,
        y=[s.capacity for s in data.sites],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 3}, "color": COLOURS["capacity"]},
    )
    return _layout(
        fig,
        "Remplissage par site (rouge : au-delà de la capacité ; orange : moins de 50 % à J-10)",
        yaxis={"title": "inscrits"},
    )


def new_returning_figure(data: DashboardData) -> go.Figure:
    names = [s.name for s in data.sites]
    fig = go.Figure()
    fig.add_bar(name=NEW_LABEL, x=names, y=[s.new for s in data.sites], marker_color=COLOURS[NEW_LABEL])
    fig.add_bar(
        name=RETURNING_LABEL, x=names, y=[s.returning for s in data.sites], marker_color=COLOURS[RETURNING_LABEL]
    )
    return _layout(
        fig,
        f"Nouveaux et déjà bénévoles par site (total : {_fr(data.new)} nouveaux, {_fr(data.returning)} déjà bénévoles)",
        barmode="stack",
        yaxis={"title": "inscrits"},
    )


def attendance_figure(data: DashboardData) -> go.Figure:
    fig = go.Figure()
    channels = sorted({ch for a in data.attendance for ch in a.by_channel})
    names = [a.name for a in data.attendance]
    for channel in channels:
        fig.add_bar(name=channel, x=names, y=[a.by_channel.get(channel, (0, 0))[0] for a in data.attendance])
    fig.add_scatter(
        name="Inscrits",
        x=names,
        y=[a.registered for a in data.attendance],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 3}, "color": COLOURS["capacity"]},
        text=[
            f"{a.present} présents sur {a.registered} ({_pct(a.present / a.registered)})" if a.registered else ""
            for a in data.attendance
        ],
    )
    return _layout(
        fig, "Présences (cases « Présent » cochées) par site et par canal", barmode="stack", yaxis={"title": "présents"}
    )


# ---------------------------------------------------------------- the page


def dashboard_html(data: DashboardData) -> str:
    """The whole page: plotly.js embedded once, then each chart; opens offline."""
    figures = [
        ("inscriptions-par-jour", signups_figure(data)),
        ("objectif", goal_figure(data)),
        ("progression", progress_figure(data)),
        ("remplissage", fill_figure(data)),
        ("nouveaux-anciens", new_returning_figure(data)),
    ]
    if data.attendance:
        figures.append(("presences", attendance_figure(data)))
    charts = "\n".join(
        fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False, "responsive": True}
        )
        for div_id, fig in figures
    )
    share = data.new / data.goal
    warnings = "".join(f'<li class="{w.kind}">{html.escape(w.message)}</li>' for w in data.warnings)
    attendance_note = (
        ""
        if data.attendance
        else (
            "<p class='note'>Les présences s'afficheront après la première journée, "
            "dès que les coordinations auront coché « Présent » sur leurs listes.</p>"
        )
    )
    title = html.escape(f"{data.campaign} : tableau de bord")
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #1a202c; }}
.headline {{ font-size: 1.4rem; }}
li.{OVER} {{ color: #c53030; }} li.{LOW} {{ color: #c05621; }}
.note {{ color: #4a5568; font-style: italic; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>{title}</h1>
<p>Mis à jour le {data.generated_at:%d/%m/%Y à %H:%M} (chiffres seulement, aucune donnée personnelle).</p>
<p class="headline"><strong>{_fr(data.new)}</strong> nouveaux bénévoles inscrits sur l'objectif de
<strong>{_fr(data.goal)}</strong> ({_pct(share)}) ; {_fr(data.returning)} inscrits sont déjà bénévoles
(non comptés dans l'objectif).</p>
<h2>Alertes</h2>
{f"<ul>{warnings}</ul>" if warnings else "<p>Aucune alerte de remplissage.</p>"}
{charts}
{attendance_note}
</body>
</html>
"""


def _pct(share: float) -> str:
    """42 %, as French writes it."""
    return f"{share * 100:.0f}\u202f%"


def _fr(n: int) -> str:
    """1 200, as French writes it (a narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")
