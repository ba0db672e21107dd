"""One campaign for the fault suite: the example's sites and files, a Tally form and a HelloAsso
form on their local fakes, and two sites whose rosters go to the Google Sheets fake.

``snapshot`` reads back everything a sync produces on natural keys (source and external id,
never autoincrement ids), so a run under faults can be compared with a clean one.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from form_campaigns import helloasso_source, tally_source
from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.models.tables import (
    Event,
    Person,
    QuarantineEntry,
    RawRecord,
    Registration,
    RosterTarget,
    Signup,
    SourceCursor,
)

from fakes.google_sheets import TOKEN as SHEETS_TOKEN
from fakes.google_sheets import FakeGoogleSheets
from fakes.helloasso import HelloAssoFake, fictional_items
from fakes.http_server import FakeServer, Request, Response
from fakes.tally import TOKEN as TALLY_TOKEN
from fakes.tally import generate_submissions, serve_tally

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"
GOOGLE_SITES = ("PAR", "LYS")
ENV = {
    "ROLLCALL_TEST_TALLY_TOKEN": TALLY_TOKEN,
    "ROLLCALL_TEST_HA_ID": "fake-client-id",
    "ROLLCALL_TEST_HA_SECRET": "fake-client-secret-do-not-log",
    "ROLLCALL_TEST_GOOGLE_TOKEN": SHEETS_TOKEN,
}


def write_campaign(
    directory: Path, *, tally_url: str, helloasso_url: str, sheets_url: str | None, files: bool = True
) -> Path:
    """The example campaign with both web forms on fakes; PAR and LYS rosters in Google Sheets
    when ``sheets_url`` is given, every other roster a local workbook under ``directory``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    sites, sources = text.split("# --- Sources")
    if sheets_url:
        for code in GOOGLE_SITES:
            sites = sites.replace(f'code = "{code}"', f'code = "{code}"\nroster = {{ kind = "google_sheet" }}')
        sites = sites.replace(
            "[rosters]",
            f'[google]\nbase_url = "{sheets_url}"\n'
            'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
        )
    file_sources = sources.split("# --- Web forms")[0].replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    path = directory / "campaign.toml"
    path.write_text(
        sites
        + "# --- Sources"
        + (file_sources if files else "\n")
        + tally_source(tally_url, label="Tally (formulaire)")
        + helloasso_source(helloasso_url, label="HelloAsso (API)"),
        encoding="utf-8",
    )
    return path


@dataclass
class Providers:
    tally: FakeServer
    helloasso: FakeServer
    sheets: FakeGoogleSheets | None

    def servers(self) -> list[FakeServer]:
        return [self.tally, self.helloasso] + ([self.sheets.server] if self.sheets else [])


@contextmanager
def providers(*, sheets: bool = True, tally_count: int = 60, helloasso_count: int = 40) -> Iterator[Providers]:
    """The fakes, each on its own socket, with fixed fictional data."""
    with FakeServer() as tally, FakeServer() as helloasso:
        serve_tally(tally, generate_submissions(tally_count, seed=11))
        fake = HelloAssoFake().register(helloasso)
        fake.add_items(fictional_items(helloasso_count, seed=12))
        if sheets:
            with FakeGoogleSheets() as google:
                yield Providers(tally, helloasso, google)
        else:
            yield Providers(tally, helloasso, None)


# ---------------------------------------------------------------- faults


@dataclass
class FaultPlan:
    """Answers a share of requests with a fault, chosen by a seeded generator.

    Kinds: ``500``, ``503``, ``429`` (Retry-After: 0), ``drop`` (connection closed before any
    answer) and, for writes, ``lost-reply`` (the request is applied, then the connection is
    closed: the client never hears that it worked)."""

    rate: float = 0.3
    seed: int = 0
    tried: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def wrap(self, server: FakeServer, name: str) -> Callable[[], None]:
        """Fault ``server``'s requests; returns a function that stops faulting."""
        original = server.dispatch

        def faulty(request: Request) -> Response | None:
            self.requests += 1
            if self.rng.random() >= self.rate:
                return original(request)
            write = request.method in ("POST", "PUT", "PATCH", "DELETE")
            kinds = ["500", "503", "429", "drop"] + (["lost-reply"] * 2 if write else [])
            kind = self.rng.choice(kinds)
            self.tried[f"{name} {kind}"] += 1
            if kind == "drop":
                return None
            if kind == "lost-reply":
                original(request)
                return None
            headers = {"Retry-After": "0"} if kind == "429" else {}
            return Response(int(kind), {"error": {"code": int(kind), "message": "injected fault"}}, headers)

        server.dispatch = faulty  # type: ignore[method-assign]
        return lambda: setattr(server, "dispatch", original)


# ---------------------------------------------------------------- what a sync produced


def snapshot(url: str, roster_dir: Path | None = None, sheets: FakeGoogleSheets | None = None) -> dict[str, Any]:
    """Database, workbooks and sheets on natural keys: a registration is its people's record
    keys and its site; a roster row is its content without the (autoincrement) reference."""
    with session_scope(url) as session:
        raw = Counter(
            (r.source, r.external_id, r.content_hash, r.is_current) for r in session.scalars(select(RawRecord))
        )
        record_key = {r.id: (r.source, r.external_id) for r in session.scalars(select(RawRecord))}
        signups = list(session.scalars(select(Signup)))
        members: dict[int, set[tuple[str, str]]] = {}
        for s in signups:
            if s.person_id is not None:
                members.setdefault(s.person_id, set()).add(record_key[s.raw_record_id])
        person_key = {pid: tuple(sorted(keys)) for pid, keys in members.items()}
        sites = {e.id: e.site_code for e in session.scalars(select(Event))}
        signup_rows = Counter(
            (
                record_key[s.raw_record_id],
                s.first_name,
                s.last_name,
                s.email,
                s.phone,
                sites[s.event_id],
                s.cancelled,
                s.consent,
                person_key.get(s.person_id),
            )
            for s in signups
        )
        registrations = Counter(
            (person_key.get(r.person_id), sites[r.event_id], r.status, tuple(r.sources))
            for r in session.scalars(select(Registration))
        )
        people = Counter(person_key.get(p.id) for p in session.scalars(select(Person)))
        quarantine = Counter(
            (record_key[q.raw_record_id], q.reason_code) for q in session.scalars(select(QuarantineEntry))
        )
        cursors = {(c.source, c.cursor) for c in session.scalars(select(SourceCursor))}
        targets = {t.site_code: (t.kind, t.location) for t in session.scalars(select(RosterTarget))}
    state: dict[str, Any] = {
        "raw_records": raw,
        "signups": signup_rows,
        "people": people,
        "registrations": registrations,
        "quarantine": quarantine,
        "cursors": cursors,
    }
    if roster_dir is not None:
        state["workbooks"] = {p.name: workbook_rows(p) for p in sorted(roster_dir.glob("[!.]*.xlsx"))}
    if sheets is not None:
        state["sheets"] = {
            code: (sorted_rows(sheets.grid(loc, "Inscrits")), sheets.grid(loc, "Résumé"))
            for code, (kind, loc) in targets.items()
            if kind == "google_sheet"
        }
    return state


def sorted_rows(grid: list[list[Any]]) -> list[tuple[Any, ...]]:
    """A roster's rows without the reference column (its first), header kept first."""
    if not grid:
        return []
    return [tuple(grid[0][1:])] + sorted(tuple(str(v) for v in row[1:]) for row in grid[1:])


def workbook_rows(path: Path) -> list[tuple[Any, ...]]:
    """A roster workbook's ``Inscrits`` rows (it must open: a half-written file fails here)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return sorted_rows([list(row) for row in book["Inscrits"].iter_rows(values_only=True)])
    finally:
        book.close()


def cursor_not_ahead(url: str) -> list[str]:
    """Sources whose cursor is newer than the newest record stored for them: should be none.
    Tally's cursor is the newest ``submittedAt`` it landed, HelloAsso's the newest update."""
    problems = []
    with session_scope(url) as session:
        for c in session.scalars(select(SourceCursor)):
            if c.cursor.startswith("sha256:"):
                continue
            stamps = [
                _stamp(c.source, r.payload)
                for r in session.scalars(select(RawRecord).where(RawRecord.source == c.source))
            ]
            newest = max((s for s in stamps if s), default=None)
            if newest is None or _norm(c.cursor) > _norm(newest):
                problems.append(f"{c.source}: cursor {c.cursor} ahead of newest record {newest}")
    return problems


def _stamp(source: str, payload: dict[str, Any]) -> str | None:
    item = payload.get("item") or {}
    if source == "tally-form":
        return item.get("submittedAt")
    return ((item.get("order") or {}).get("meta") or {}).get("updatedAt")


def _norm(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
