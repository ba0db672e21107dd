"""A local roster workbook's push past the database: read it back, merge, lay out, write.

``flows.rosters`` reads what a site's roster is built from (its registrations, their row
states, the waiting sign-ups) and hands the rest to ``push_workbook`` as a ``WorkbookJob``:
the same function runs in this process or in a worker process (``flows.workbook_writer``),
so a push gives the same workbook and the same outcome wherever it ran. None of it touches
the database: the outcome (``WorkbookOutcome``: the merge, whether the workbook was written)
is stored by ``flows.rosters.complete_site`` once the job is done.

Why all of it in the worker, not the write alone: on a night with new sign-ups every site
changes, and reading back, merging and building the tabs kept this process busy while the
workers waited for the next write. A +1,000 night at 100k costs 25.9 s of rosters in one
process (XlsxWriter about 10 s of it); with the whole push in the workers, both cores share
it (13.7 s, against 15.4 s with the writes alone in the workers).
A workbook read back ahead of its push, while the sign-ups were resolved
(``flows.workbook_read_ahead``), is kept as a ``ReadBack``: the push uses it only if the
workbook still holds the bytes it was read from.

Imports no database or Prefect module: a worker starts with only what it runs.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from rollcall.connectors import roster_files
from rollcall.models.cells import Cell, Grid, is_number
from rollcall.models.ids import registration_number, registration_ref
from rollcall.models.roster_states import (
    RosterStateValues,
    StateWrites,
    StoredRow,
    decoded_states,
    roster_state,
    state_writes,
)
from rollcall.models.roster_tabs import (
    CHANGES_TAB,
    OWNED_TABS,
    ROSTER_TAB,
    SIGN_IN_TAB,
    SUMMARY_TAB,
    TO_COMPLETE_TAB,
)
from rollcall.transforms.privacy import drop_registrations
from rollcall.transforms.roster_layout import PROTECTED_HEADERS, workbook_layouts
from rollcall.transforms.sheet_roster import (
    COORDINATOR_HEADERS,
    CoordinatorValues,
    RosterMerge,
    SheetEntry,
    changes_grid,
    merge_roster,
    purged_rows,
    rows_holding,
    same_grid,
    sign_in_grid,
    summary_grid,
)
from rollcall.transforms.to_complete import QuarantinedSignup, to_complete_tab


def is_reference(text: str) -> bool:
    """A reference rollcall wrote ("R00042"), not a coordinator's own text in that column."""
    return registration_number(text) is not None


@dataclass(frozen=True)
class RosterTabs:
    """What a push reads: the roster tab, ``Nouveautés``, and rows of other tabs to delete."""

    roster: list
    news: list = field(default_factory=list)
    elsewhere: dict[str, list[int]] = field(default_factory=dict)
    owned: dict[str, list] = field(default_factory=dict)  # a workbook's Émargement, À compléter, Résumé
    kept: list[roster_files.CoordinatorTab] = field(default_factory=list)  # a workbook's other tabs
    #: a workbook's roster tab: the number format of each column (by header) whose cells held
    #: a date, a time or a duration, or a coordinator's column of numbers in a format of
    #: theirs (a currency, a percentage), to show them so once written back
    formats: dict[str, str] = field(default_factory=dict)


def workbook_tabs(path: Path, leaving: frozenset[str]) -> RosterTabs:
    """A workbook's tabs: ours, and those a coordinator added, written back after ours (their
    rows holding a reference that must leave, ``leaving``, deleted: ``elsewhere``)."""
    ours = {title.casefold(): title for title in (ROSTER_TAB, CHANGES_TAB, *OWNED_TABS)}
    read, kinds = roster_files.read_tabs_with_formats(path)
    # Excel's tab names ignore letter case: "INSCRITS" is our roster tab, renamed so
    tabs = {ours.get(title.casefold(), title): grid for title, grid in read.items()}
    roster = tabs.get(ROSTER_TAB, [])
    header = roster[0] if roster else []
    title = next((title for title in read if ours.get(title.casefold()) == ROSTER_TAB), None)
    read_as = kinds[title] if title is not None else {}
    if title is not None and (numbers := _own_number_columns(roster, read_as)):
        read_as = {**roster_files.number_formats(path, title, numbers), **read_as}
    formats = {str(header[c]).strip(): fmt for c, fmt in read_as.items() if c < len(header) and header[c]}
    owned = {title: tabs.get(title, []) for title in OWNED_TABS}
    theirs = [title for title in read if title.casefold() not in ours]
    kept = roster_files.read_coordinator_tabs(path, theirs) if theirs else []
    elsewhere = {tab.title: rows for tab in kept if leaving and (rows := rows_holding(tab.grid, set(leaving)))}
    kept = [tab.without_rows(elsewhere.get(tab.title, ())) for tab in kept]
    return RosterTabs(roster, tabs.get(CHANGES_TAB, []), elsewhere, owned=owned, kept=kept, formats=formats)


@dataclass(frozen=True)
class ReadBack:
    """A workbook's tabs as read back (``workbook_tabs``, no reference leaving), pickled in
    ``saved``, and the SHA-256 of the bytes they were read from."""

    path: Path
    digest: str
    saved: Path


def read_back(path: Path, folder: Path) -> ReadBack | None:
    """Read ``path`` back and keep its tabs in ``folder``; None when it cannot be read
    (its push then reads it, and reports why) or changed while it was read."""
    try:
        before = _digest(path)
        tabs = workbook_tabs(path, frozenset())
        if _digest(path) != before:  # saved while read: what was read may be neither version
            return None
        saved = folder / f"{before}.pickle"
        saved.write_bytes(pickle.dumps(tabs, protocol=pickle.HIGHEST_PROTOCOL))
        return ReadBack(path, before, saved)
    except Exception:  # noqa: BLE001 - a read ahead only saves time: the push reads it again
        return None


def tabs_read_back(read: ReadBack) -> RosterTabs | None:
    """The tabs read ahead, if the workbook still holds the bytes they were read from; None
    otherwise (a coordinator saved it since, or the read is gone): read it again."""
    try:
        if _digest(read.path) != read.digest:
            return None
        tabs = pickle.loads(read.saved.read_bytes())  # noqa: S301 - written by our worker, in our 700 folder
    except Exception:  # noqa: BLE001 - the push reads the workbook itself
        return None
    return tabs if isinstance(tabs, RosterTabs) else None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _own_number_columns(roster: Grid, dated: Mapping[int, str]) -> list[int]:
    """The roster tab's columns a coordinator added that hold a number below the header and
    no date, time or duration (``dated``): their number format (a currency, a percentage) is
    read apart (``roster_files.number_formats``) to be kept. Not rollcall's columns, nor
    Présent, Appelé and Notes: a 1 typed there is a tick or a word, and would cost every push
    a second reading of the workbook for a format no one chose."""
    if not roster:
        return []
    header = [str(h).strip() if h is not None else "" for h in roster[0]]
    skipped = {*PROTECTED_HEADERS, *COORDINATOR_HEADERS}
    own = [c for c, name in enumerate(header) if name and name not in skipped and c not in dated]
    return [c for c in own if any(c < len(row) and is_number(row[c]) for row in roster[1:])]


def owned_tabs(
    site_name: str, capacity: int | None, entries: list[SheetEntry], waiting: list[QuarantinedSignup], timezone: str
) -> dict[str, Grid]:
    """The tabs rewritten whole from the database, by title: Résumé, Émargement, À compléter."""
    return {
        SUMMARY_TAB: summary_grid(site_name, entries, capacity),
        SIGN_IN_TAB: sign_in_grid(entries),
        TO_COMPLETE_TAB: to_complete_tab(waiting, timezone),
    }


@dataclass(frozen=True)
class RosterInputs:
    """Everything a roster's merge needs besides the roster itself, as read from the database
    (``flows.rosters.prepare_site``), for a workbook and a Google sheet alike. Picklable.

    ``entries``: the site's registrations as the roster shows them, in roster order;
    ``references``: every reference of the site's registrations, whatever their status;
    ``last_pushed`` and ``stored``: each row's last pushed values and coordinator values;
    ``previous``: where a row has them, the values its roster held as ours before that push;
    ``now``: local time, for ``Nouveautés``; ``purged``, ``erased``: references whose rows a
    retention purge empties or an erasure removes (``flows.rosters.push_site``)."""

    entries: list[SheetEntry]
    references: set[str]
    last_pushed: dict[str, dict[str, Cell]]
    stored: dict[str, CoordinatorValues]
    now: datetime
    site_name: str
    capacity: int | None
    waiting: list[QuarantinedSignup]
    timezone: str
    purged: frozenset[str] = frozenset()
    erased: frozenset[str] = frozenset()
    previous: dict[str, dict[str, Cell]] = field(default_factory=dict)


def with_stored_states(inputs: RosterInputs, states: Mapping[int, RosterStateValues]) -> RosterInputs:
    """``inputs`` with what the rows' stored ``states`` say: each row's last pushed values,
    the coordinator's values, and the values held before the last push where kept."""
    return replace(
        inputs,
        last_pushed={registration_ref(rid): state.pushed for rid, state in states.items()},
        stored=stored_coordinator_values(states),
        previous={registration_ref(rid): state.previous for rid, state in states.items() if state.previous},
    )


def stored_coordinator_values(states: Mapping[int, RosterStateValues]) -> dict[str, CoordinatorValues]:
    """What coordinators typed per registration, as stored: put back on a row missing from its
    tab (``transforms.sheet_roster`` rule 8)."""
    return {
        registration_ref(rid): CoordinatorValues(
            called=state.called, present=state.present, notes=state.notes or "", extras=dict(state.extras or {})
        )
        for rid, state in states.items()
        if state.called is not None or state.present is not None or state.notes or state.extras
    }


def states_of(merged: RosterMerge) -> list[RosterStateValues]:
    """What each row of the merged roster holds now, as stored: the pushed values, the
    coordinator's cells, its conflicts, and the values it held as ours before (``held``)."""
    conflicts: dict[str, int] = {}
    for conflict in merged.conflicts:
        conflicts[conflict.registration_id] = conflicts.get(conflict.registration_id, 0) + 1
    states: dict[int, RosterStateValues] = {}  # by registration: one state each
    for display, pushed in merged.pushed.items():
        registration_id = registration_number(display)
        if registration_id is None:
            continue
        coordinator = merged.coordinator.get(display)
        states[registration_id] = roster_state(
            registration_id,
            pushed,
            called=coordinator.called if coordinator else None,
            present=coordinator.present if coordinator else None,
            notes=coordinator.notes if coordinator else None,
            extras=dict(coordinator.extras) if coordinator else {},
            conflicts=conflicts.get(display, 0),
            previous=merged.held.get(display),
        )
    return list(states.values())


@dataclass(frozen=True)
class WorkbookJob:
    """A local roster's push: its workbook and what it is built from. It may run in a worker.
    ``staged``: the workbook is written beside its place and left there (``WorkbookOutcome``),
    for the caller to store what it holds before it replaces the roster.

    ``stored_rows``: the rows' stored states as read (``connectors.store.roster_state_rows``),
    their JSON still text: decoded, merged with (``with_stored_states``) and compared with
    what the push leaves here, so only the states that changed come back
    (``WorkbookOutcome.writes``). The process that feeds the workers then neither decodes
    nor compares every row of every site, and a worker's outcome is small. None: the states
    are in ``inputs`` already, and the caller stores them (a test's job)."""

    path: Path
    inputs: RosterInputs
    staged: bool = False
    stored_rows: list[StoredRow] | None = None
    #: the workbook's tabs read ahead (``flows.workbook_read_ahead``), used if it is unchanged
    read_back: ReadBack | None = None


@dataclass(frozen=True)
class MergedTabs:
    """A roster merged (``transforms.sheet_roster``) with what its tabs now hold.

    ``changes``: ``Nouveautés`` to write, or None to keep it as read (``news``: as read, the
    rows of references that leave taken out); ``owned``: Résumé, Émargement, À compléter;
    ``changed``: the roster tab, ``Nouveautés`` or a coordinator's tab must be written (the
    owned tabs are compared by each writer); ``erased_rows``: rows an erasure takes out."""

    merged: RosterMerge
    changes: Grid | None
    news: Grid
    owned: dict[str, Grid]
    changed: bool
    erased_rows: int


def merge_tabs(tabs: RosterTabs, inputs: RosterInputs) -> MergedTabs:
    """The site's registrations merged into its roster as read, for either target."""
    leaving = inputs.purged | inputs.erased
    base, removed = drop_registrations(purged_rows(tabs.roster, inputs.purged), set(inputs.erased))
    news, dropped = drop_registrations(tabs.news, set(leaving))
    merged = merge_roster(
        inputs.entries,
        base,
        inputs.last_pushed,
        is_reference=is_reference,
        stored=inputs.stored,
        site_references=inputs.references,
        previous=inputs.previous,
    )
    return MergedTabs(
        merged,
        changes_grid(merged.changes, inputs.now) if merged.changes else (news if dropped else None),
        news,
        owned_tabs(inputs.site_name, inputs.capacity, inputs.entries, inputs.waiting, inputs.timezone),
        not same_grid(merged.grid, tabs.roster) or dropped > 0 or bool(tabs.elsewhere),
        removed + sum(map(len, tabs.elsewhere.values())),
    )


@dataclass(frozen=True)
class WorkbookOutcome:
    """A push's merge, whether the workbook was written, and the rows an erasure took out.
    The merge comes without its grid (``grid`` and ``column_order`` empty): the grid is in
    the workbook now, and a worker would send it back only for this process to unpickle it
    for nothing; what is stored and reported is the rest."""

    merged: RosterMerge
    written: bool
    erased_rows: int
    staged: Path | None = None  # the workbook written, still to publish (``WorkbookJob.staged``)
    #: with ``WorkbookJob.stored_rows``: the row states to store, and the merge comes without
    #: its rows' values (``pushed``, ``coordinator``), which are in these
    writes: StateWrites | None = None


def push_workbook(job: WorkbookJob) -> WorkbookOutcome:
    """Read the workbook back, merge the site's registrations into it (``merge_tabs``) and
    write it whole (``connectors.roster_files.write_roster``), unless every tab already holds
    what it would: an unchanged roster is not rewritten. A ``staged`` job leaves the workbook
    written beside its place (``WorkbookOutcome.staged``)."""
    stored = decoded_states(job.stored_rows) if job.stored_rows is not None else None
    inputs = job.inputs if stored is None else with_stored_states(job.inputs, stored)
    leaving = inputs.purged | inputs.erased
    tabs = tabs_read_back(job.read_back) if job.read_back is not None and not leaving else None
    if tabs is None:
        tabs = workbook_tabs(job.path, leaving)
    done = merge_tabs(tabs, inputs)
    owned, grid = done.owned, done.merged.grid
    written = done.changed or any(not same_grid(tab, tabs.owned.get(title, [])) for title, tab in owned.items())
    staged = None
    if written:
        kept = done.changes if done.changes is not None else done.news  # as read: not read again
        staged = roster_files.write_roster(
            job.path,
            grid,
            changes=kept,
            summary=owned[SUMMARY_TAB],
            layouts=workbook_layouts({ROSTER_TAB: grid, CHANGES_TAB: kept, **owned}, tabs.formats),
            sign_in=owned[SIGN_IN_TAB],
            to_complete=owned[TO_COMPLETE_TAB],
            kept=tabs.kept,
            staged=job.staged,
        )
    if stored is None:
        return WorkbookOutcome(replace(done.merged, grid=[], column_order=[]), written, done.erased_rows, staged)
    writes = state_writes(stored, states_of(done.merged))
    merged = replace(done.merged, grid=[], column_order=[], pushed={}, coordinator={})
    return WorkbookOutcome(merged, written, done.erased_rows, staged, writes)
