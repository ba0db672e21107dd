"""An id-free snapshot of what syncs produced, on CURRENT data only, and a readable diff.

The convergence rule: after a successful sync, the database and every roster's pipeline-owned
content equal what ONE clean sync of the same current source data would produce, given the
same stored human input. Ids (person and registration ids, roster references ``R00042``)
may differ; everything else is a function of the data, not of the order it arrived in.

So the snapshot names everything by natural keys: a record by ``(source, external id)``, a
person by the frozenset of the record keys of their current sign-ups, a registration by its
person's key and site, a roster row by the registration it shows. Left out, because they are
path-dependent by nature: non-current raw versions and their sign-ups, sync runs, cursors,
match links, decided review pairs, timestamps of our own (created_at, updated_at), people
without any current sign-up, registrations with status ``removed`` (none of their sign-ups is
current: a clean sync would not have them), the ``Nouveautés`` tab, and roster rows whose
Statut is "Retiré" (kept only for what a coordinator typed in them: they are listed apart, and
must hold no email or phone).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.connectors.roster_files import read_tabs
from rollcall.models.cells import from_serial
from rollcall.models.tables import (
    Event,
    Person,
    QuarantineEntry,
    RawRecord,
    Registration,
    ReviewPair,
    RosterTarget,
    Signup,
)
from rollcall.transforms.sheet_roster import (
    COORDINATOR_HEADERS,
    DATE_HEADER,
    ID_HEADER,
    PIPELINE_HEADERS,
    STATUS_HEADER,
)

RecordKey = tuple[str, str]
PersonKey = frozenset[RecordKey]

REMOVED = "removed"  # models.records.REMOVED: a registration none of whose sign-ups is current
RETIRED = "Retiré"  # Statut of a row kept only for a coordinator's input
ROSTER_TAB, SUMMARY_TAB = "Inscrits", "Résumé"
#: Tabs rollcall rewrites whole from the database, compared as they are (no reference in them).
WHOLE_TABS = {"roster_summaries": SUMMARY_TAB, "roster_sign_in": "Émargement", "roster_to_complete": "À compléter"}
#: What a roster row is compared on: the pipeline's columns but the (autoincrement) reference.
ROW_COLUMNS: tuple[str, ...] = tuple(h for h in PIPELINE_HEADERS if h != ID_HEADER)
SIGNUP_FIELDS = (
    "site",
    "first_name",
    "last_name",
    "email",
    "email_key",
    "phone",
    "submitted_at",
    "consent",
    "cancelled",
    "warnings",
)
#: Sections in the order a diff lists them: causes (records, people) before consequences.
SECTIONS = (
    "raw_records",
    "signups",
    "quarantine",
    "people",
    "registrations",
    "review_pairs",
    "roster_rows",
    "roster_summaries",
    "roster_sign_in",
    "roster_to_complete",
)


@dataclass
class Snapshot:
    """``sections[name]`` maps a natural key to a value; ``retired`` and ``coordinator`` are
    kept beside, for their own checks, never compared with a replay."""

    sections: dict[str, dict[Any, Any]]
    retired: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # site -> "Retiré" rows
    coordinator: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # site -> ref -> cells


def snapshot(url: str, roster_dir: Path | None = None, sheets: Any = None) -> Snapshot:
    """The database at ``url`` and its rosters: local workbooks under ``roster_dir`` and, when
    ``sheets`` (a ``FakeGoogleSheets``) is given, the Google sheets its roster targets name."""
    with session_scope(url) as session:
        db = _database(session)
        grids = _roster_grids(session, roster_dir, sheets)
    snap = Snapshot(sections=db.sections)
    snap.sections["roster_rows"] = {}
    for section in WHOLE_TABS:
        snap.sections[section] = {}
    for site, tabs in sorted(grids.items()):
        _add_roster(snap, site, tabs[ROSTER_TAB], db.registration_of)
        for section, title in WHOLE_TABS.items():
            snap.sections[section][site] = tuple(tuple(_cell(v) for v in row) for row in tabs[title] if row)
    return snap


# ---------------------------------------------------------------- database


@dataclass
class _Database:
    sections: dict[str, dict[Any, Any]]
    registration_of: dict[int, tuple[PersonKey, str, str]]  # registration id -> (person, site, status)


def _database(session: Any) -> _Database:
    records = {r.id: r for r in session.scalars(select(RawRecord))}
    key = {rid: (r.source, r.external_id) for rid, r in records.items()}
    current = {rid for rid, r in records.items() if r.is_current}
    sites = {e.id: e.site_code for e in session.scalars(select(Event))}
    signups = list(session.scalars(select(Signup)))
    members: dict[int, set[RecordKey]] = defaultdict(set)
    for s in signups:
        if s.person_id is not None and s.raw_record_id in current:
            members[s.person_id].add(key[s.raw_record_id])
    person_key: dict[int, PersonKey] = {pid: frozenset(keys) for pid, keys in members.items()}
    of_signup = {s.id: key[s.raw_record_id] for s in signups}

    sections: dict[str, dict[Any, Any]] = {name: {} for name in SECTIONS}
    for rid in sorted(current):  # two current versions of one record would both show
        _put(sections["raw_records"], key[rid], json.dumps(records[rid].payload, sort_keys=True, ensure_ascii=False))
    for s in signups:
        if s.raw_record_id in current:
            _put(
                sections["signups"],
                key[s.raw_record_id],
                {
                    "site": sites[s.event_id],
                    "first_name": s.first_name,
                    "last_name": s.last_name,
                    "email": s.email,
                    "email_key": s.email_key,
                    "phone": s.phone,
                    "submitted_at": _moment(s.submitted_at),
                    "consent": s.consent,
                    "cancelled": s.cancelled,
                    "warnings": tuple(sorted(s.warnings or ())),
                    "time_slot": s.time_slot,
                    "remarks": s.remarks,
                    "minor": s.minor,
                },
            )
    for q in session.scalars(select(QuarantineEntry)):
        if q.raw_record_id in current:
            _put(sections["quarantine"], key[q.raw_record_id], q.reason_code)
    for p in session.scalars(select(Person)):
        if p.id in person_key:
            sections["people"][person_key[p.id]] = {
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": p.email,
                "phone": p.phone,
            }
    registration_of: dict[int, tuple[PersonKey, str, str]] = {}
    for r in session.scalars(select(Registration)):
        who = person_key.get(r.person_id, frozenset())
        registration_of[r.id] = (who, sites[r.event_id], r.status)
        if r.status != REMOVED:
            _put(
                sections["registrations"],
                (who, sites[r.event_id]),
                {"status": r.status, "registered_at": _moment(r.registered_at), "sources": tuple(r.sources)},
            )
    for pair in session.scalars(select(ReviewPair).where(ReviewPair.status == "open")):
        _put(sections["review_pairs"], frozenset((of_signup[pair.signup_a], of_signup[pair.signup_b])), "open")
    return _Database(sections, registration_of)


def _put(section: dict[Any, Any], k: Any, value: Any) -> None:
    """Two values under one natural key (two registrations of people with no current sign-up,
    say) are both kept, numbered, so neither hides the other."""
    n, final = 1, k
    while final in section:
        n += 1
        final = (k, f"#{n}")
    section[final] = value


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- rosters


def _roster_grids(session: Any, roster_dir: Path | None, sheets: Any) -> dict[str, dict[str, list[list[Any]]]]:
    """site -> tab title -> grid (Inscrits and the ``WHOLE_TABS``), from each local workbook
    and Google sheet."""
    titles = (ROSTER_TAB, *WHOLE_TABS.values())
    grids: dict[str, dict[str, list[list[Any]]]] = {}
    if roster_dir is not None and roster_dir.exists():
        for path in sorted(roster_dir.glob("[!.]*.xlsx")):
            tabs = read_tabs(path)  # a half-written file raises here: that is a finding too
            grids[path.name.split(" ")[0]] = {title: tabs.get(title, []) for title in titles}
    if sheets is not None:
        for target in session.scalars(select(RosterTarget).where(RosterTarget.kind == "google_sheet")):
            book = sheets.spreadsheets[target.location]
            present = {s.title for s in book.sheets}
            grids[target.site_code] = {
                title: sheets.grid(target.location, title) if title in present else [] for title in titles
            }
    return grids


def _add_roster(
    snap: Snapshot, site: str, grid: list[list[Any]], registration_of: Mapping[int, tuple[PersonKey, str, str]]
) -> None:
    """Rows keyed by the registration they show, ``(site, person key)``; a row whose reference
    names no registration is keyed by its content (``(site, "no registration", row)``)."""
    if not grid:
        return
    names = [str(h).strip() if h is not None else "" for h in grid[0]]
    col = {name: i for i, name in reversed(list(enumerate(names)))}
    rows, retired, cells = snap.sections["roster_rows"], [], {}
    for raw in grid[1:]:
        row = {
            name: _cell(raw[col[name]] if col.get(name) is not None and col[name] < len(raw) else None, name)
            for name in (ID_HEADER, *ROW_COLUMNS, *COORDINATOR_HEADERS)
        }
        reference = row[ID_HEADER]
        if reference == "":
            continue  # a coordinator's own line
        cells[str(reference)] = {h: row[h] for h in COORDINATOR_HEADERS}
        shown = {h: row[h] for h in ROW_COLUMNS}
        if row[STATUS_HEADER] == RETIRED:
            retired.append({ID_HEADER: reference, **shown})
            continue
        registration = registration_of.get(_reference_id(reference))
        if registration is None or registration[1] != site:
            _put(rows, (site, "no registration", tuple(shown.values())), shown)
        else:
            _put(rows, (site, registration[0]), shown)
    snap.retired[site], snap.coordinator[site] = retired, cells


def _reference_id(reference: Any) -> int:
    text = str(reference).strip().lstrip("Rr")
    return int(text) if text.isdigit() else -1


def _cell(value: Any, header: str | None = None) -> Any:
    """A cell as a coordinator reads it: blanks alike, dates as local minutes."""
    if value is None or value == "":
        return ""
    if header == DATE_HEADER and isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_serial(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------- checks and diffs


def retired_with_contacts(snap: Snapshot) -> list[str]:
    """ "Retiré" rows that still show an email or a phone: there should be none."""
    return [
        f"{site} {row[ID_HEADER]}: Statut Retiré but Email {row['Email']!r}, Téléphone {row['Téléphone']!r}"
        for site, rows in sorted(snap.retired.items())
        for row in rows
        if row["Email"] or row["Téléphone"]
    ]


def rows_without_registration(snap: Snapshot) -> list[str]:
    """Rows (not "Retiré") whose reference is no registration of their site: where nobody
    pasted rows or typed references, the pipeline left them (a registration deleted by a
    merge, say), and they may still show someone's contacts."""
    found = []
    for key, row in sorted(snap.sections["roster_rows"].items(), key=lambda kv: show_key(kv[0])):
        if isinstance(key[0], tuple):  # numbered: (key, "#2")
            key = key[0]
        if key[1] == "no registration":
            found.append(
                f"{key[0]}: a row shows {row['Prénom']} {row['Nom']} (Statut {row['Statut']!r}, "
                f"email {row['Email']!r}) under a reference that is no registration of this site"
            )
    return found


def differences(path: Snapshot, replay: Snapshot, limit: int = 6, sections: Iterable[str] = SECTIONS) -> list[str]:
    """What differs, section by section, at most ``limit`` items each: readable lines such as
    ``people {export:C0003, tally-form:T00012}: email 'a@x' (path run) vs 'b@x' (replay)``."""
    lines: list[str] = []
    for name in sections:
        a, b = path.sections.get(name, {}), replay.sections.get(name, {})
        only_a = sorted((k for k in a if k not in b), key=_order)
        only_b = sorted((k for k in b if k not in a), key=_order)
        changed = sorted((k for k in a if k in b and a[k] != b[k]), key=_order)
        if not (only_a or only_b or changed):
            continue
        lines.append(f"{name}: {len(only_a)} only in path run, {len(only_b)} only in replay, {len(changed)} differ")
        for k in changed[:limit]:
            lines.append(f"  {show_key(k)}: {_changes(a[k], b[k])}")
        for side, keys, mine, other in (("path run", only_a, a, b), ("replay", only_b, b, a)):
            for k in keys[:limit]:
                lines.append(f"  only in {side}: {show_key(k)} = {_short(mine[k])}{_near(k, other)}")
    return lines


def assert_converged(
    path: Snapshot, replay: Snapshot, context: str = "", problems: Iterable[str] = (), details: Iterable[str] = ()
) -> None:
    """Fail with the first differences and ``problems`` found by other checks, then
    ``details`` (what happened, to replay it), never a dump of both snapshots."""
    lines = differences(path, replay)
    found = [
        *problems,
        *(f"path run: {p}" for p in retired_with_contacts(path)),
        *(f"replay: {p}" for p in retired_with_contacts(replay)),
    ]
    if lines or found:
        raise AssertionError(
            "\n".join([f"not what one clean sync of the final data gives {context}".rstrip(), *lines, *found, *details])
        )


def show_key(k: Any) -> str:
    """``export:C0003``; a person ``{export:C0003, tally-form:T00012}``; a tuple of those."""
    if isinstance(k, frozenset):
        return "{" + ", ".join(sorted(show_key(r) for r in k)) + "}"
    if isinstance(k, tuple) and len(k) == 2 and all(isinstance(p, str) for p in k):
        return f"{k[0]}:{k[1]}"
    if isinstance(k, tuple):
        return " ".join(show_key(p) if isinstance(p, (frozenset, tuple)) else str(p) for p in k)
    return str(k)


def _order(k: Any) -> str:
    return show_key(k)


def _changes(a: Any, b: Any) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        return "; ".join(
            f"{f} {_short(a.get(f))} (path run) vs {_short(b.get(f))} (replay)"
            for f in sorted(a.keys() | b.keys(), key=str)
            if a.get(f) != b.get(f)
        )
    return f"{_short(a)} (path run) vs {_short(b)} (replay)"


def _short(value: Any, width: int = 160) -> str:
    text = (
        repr(value) if not isinstance(value, dict) else "{" + ", ".join(f"{k}: {v!r}" for k, v in value.items()) + "}"
    )
    return text if len(text) <= width else text[: width - 3] + "..."


def _near(k: Any, other: Mapping[Any, Any]) -> str:
    """For a person (or what is keyed by one) found on one side only: the other side's people
    sharing a record with it, so a split or a merge reads as such."""
    person = _person_of(k)
    if not person:
        return ""
    near = sorted({show_key(p) for p in map(_person_of, other) if p and p & person})
    return f"; the other side has {', '.join(near)}" if near else "; the other side has none of its records"


MOVED = "(moved by an edit: compared apart)"


def set_aside_moved_times(path: Snapshot, replay: Snapshot, moved: Iterable[RecordKey]) -> list[str]:
    """Tally moves a submission's ``submittedAt`` when it is edited; "Inscrit le" keeps the
    first submission's time, which only a run that saw the first version can know. So for the
    ``moved`` records (in place, on both sides): their sign-up time, and the registration time
    and roster date of their people, are replaced by ``MOVED``, and the ``Par jour`` part of
    the summaries is dropped. What is checked instead, returned as problems: the path run's
    time is never later than the replay's (it may know an earlier version, never a later one)."""
    moved = set(moved)
    if not moved:
        return []
    problems = []
    for name, column in (("registrations", "registered_at"), ("roster_rows", "Inscrit le")):
        a, b = path.sections[name], replay.sections[name]
        for k in a.keys() | b.keys():
            person = _person_of(k)
            if not (person and person & moved):
                continue
            mine, theirs = (a.get(k) or {}).get(column), (b.get(k) or {}).get(column)
            if mine and theirs and mine > theirs:
                problems.append(
                    f"{name} {show_key(k)}: {column} {mine} in the path run, later than {theirs} in the replay"
                )
            for side in (a, b):
                if k in side:
                    side[k] = {**side[k], column: MOVED}
    for snap in (path, replay):
        for record in moved & snap.sections["signups"].keys():
            snap.sections["signups"][record] = {**snap.sections["signups"][record], "submitted_at": MOVED}
        for site, rows in snap.sections["roster_summaries"].items():
            cut = next((i for i, row in enumerate(rows) if row[:1] == ("Par jour",)), len(rows))
            snap.sections["roster_summaries"][site] = rows[:cut]
    return problems


def _person_of(k: Any) -> PersonKey | None:
    """The person in a key: ``(person, site)``, ``(site, person)`` or a numbered one of those."""
    if isinstance(k, frozenset):
        return k
    if isinstance(k, tuple):
        return next((p for p in map(_person_of, k) if p is not None), None)
    return None
