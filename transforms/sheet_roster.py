"""The coordinator's roster tab, merged: what the pipeline wants to show with what is there now.

Pure: the connector reads the tab's grid and writes back the grid this module returns.

The rule behind all the others: after a push, the tab's pipeline-owned content is what one
clean push of the current registrations would write, given what the coordinators typed.
The rules, in the order they apply:

1. Rows are matched by the registration id column (``Réf. inscription``), never by row
   number: a coordinator may sort, filter, insert rows or blank lines, add or move columns.
2. The coordinator's row order is kept; registrations not yet on the tab are appended.
   Rows without an id (a coordinator's own lines, blank lines), and rows whose id is not one
   of the pipeline's references (``is_reference``), stay where they are, untouched.
3. Coordinator-owned cells (Appelé, Présent, Notes, and any column the pipeline does not own)
   are kept cell for cell and returned, so the database can store attendance and notes.
4. Pipeline-owned cells take the pipeline's value unless the coordinator changed them since
   the last push (the sheet differs from what was pushed): then their value is kept and the
   row is flagged in ``À vérifier``. Clearing such a cell gives the pipeline's value back.
   A row with no record of the last push takes the pipeline's values (``_merge_row``). A
   push stopped after it stored what it writes and before the roster held it leaves the
   earlier values in the sheet: those (``previous``) are ours too, never an edit.
5. A cancelled registration stays, with Statut "Annulé", its names and reference, so its
   notes survive; its email and phone are not shown (``sheet_entry``).
6. Leaving the roster is a state change. A row whose id the pipeline no longer sends
   (consent withdrawn, deleted at the source, merged into another person, unmerged away)
   is removed when the coordinator typed nothing in it (Appelé, Notes and added
   columns blank, Présent blank or unticked): R00042 with only our cells -> gone. Otherwise
   it stays for their input: every pipeline cell but the id is blanked, Statut "Retiré" and
   ``À vérifier`` says why (R00042 ticked Présent -> "Retiré", no email, no phone, still
   ticked). Either way the ``Nouveautés`` tab says "Retirée", without names or contacts.
7. A "Retiré" row whose registration is sent again is filled again as if its blank cells had
   been pushed last time: its coordinator cells are kept, a cell they typed meanwhile in one
   of our columns is kept and flagged (rule 4).
8. A push never wipes what a coordinator typed. A registration pushed before whose row is not
   on the tab (the row or the whole tab deleted) comes back with the coordinator's values
   stored in the database (``stored``: Appelé, Présent, Notes, added columns, the columns
   made again when the tab was), announced as "Rétablie", not as a new registration:
   R00042 ticked Présent, tab deleted -> a new tab where R00042 is still ticked.
9. A row is read for one registration of this site only. A reference of no registration of
   this site (``site_references``: pasted from another site's roster, or another site's
   workbook saved over this one) is not this site's registrant: its row is kept as typed but
   marked Statut "Autre site" and flagged, never counted, never read back as attendance,
   never removed as "leaving". The same reference on several rows: the first row is the
   registration's (and flagged), every later copy is marked "Doublon", flagged, not read.
10. Retention empties a row, it does not leave it to be read back. A purged registration's
   row keeps only what is no one's name or contact (reference, Source(s), Inscrit le,
   Statut, Appelé, Présent); its names, contacts, Notes, added columns and note are blanked
   before the merge (``purged_rows``), so the old values are never taken for a
   coordinator's edit: R00042 "Jean", "Rappeler jeudi", ticked -> R00042, no name, ticked.
11. Columns keep their place, and the pipeline's layout keeps its own. A tab written by an
   earlier version (``PAST_LAYOUTS``: Appelé, Présent, Notes after Statut) is put in the
   current one (``ROSTER_COLUMNS``: names, then Présent, Appelé, Notes), every cell moving
   with its row and column; a column the coordinator added moves with the roster column on
   its left. A tab whose roster columns the coordinator rearranged is left in their order.

Values keep their type: text stays text ("06 12 34 56 78", "01000", "=IMPORTXML(...)"),
dates are spreadsheet serial numbers (days since 1899-12-30), Présent is a boolean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import zip_longest
from zoneinfo import ZoneInfo

from rollcall.models.cells import Cell, Grid, from_serial, is_number, same_cell, to_serial
from rollcall.models.errors import RollcallError
from rollcall.models.records import CANCELLED, REGISTERED, RosterEntry
from rollcall.transforms.names import name_key
from rollcall.transforms.phones import format_national
from rollcall.transforms.returning import volunteer_label

ID_HEADER = "Réf. inscription"
DATE_HEADER = "Inscrit le"
STATUS_HEADER = "Statut"
SLOT_HEADER, REMARKS_HEADER, MINOR_HEADER = "Créneau", "Remarques", "Mineur"
#: "Nouveau" or "Déjà bénévole" (``transforms.returning``): the campaign counts new volunteers.
VOLUNTEER_HEADER = "Bénévole"
#: The columns that say who a row is: frozen on screen, left of the coordinator's columns.
NAME_HEADERS: tuple[str, ...] = (ID_HEADER, "Nom", "Prénom")
#: What the pipeline shows after the coordinator's columns. A new pipeline column goes here
#: (and in ``pipeline_values``): an existing roster in a known layout takes it in place.
DETAIL_HEADERS: tuple[str, ...] = (
    SLOT_HEADER,
    MINOR_HEADER,
    VOLUNTEER_HEADER,
    REMARKS_HEADER,
    "Téléphone",
    "Email",
    "Source(s)",
    DATE_HEADER,
    STATUS_HEADER,
)
PIPELINE_HEADERS: tuple[str, ...] = (*NAME_HEADERS, *DETAIL_HEADERS)
CALLED_HEADER, PRESENT_HEADER, NOTES_HEADER = "Appelé", "Présent", "Notes"
COORDINATOR_HEADERS: tuple[str, ...] = (CALLED_HEADER, PRESENT_HEADER, NOTES_HEADER)
CONFLICT_HEADER = "À vérifier"
#: The layout of a roster: names, then what the coordinator fills at the door, then the rest.
ROSTER_COLUMNS: tuple[str, ...] = (
    *NAME_HEADERS,
    PRESENT_HEADER,
    CALLED_HEADER,
    NOTES_HEADER,
    *DETAIL_HEADERS,
    CONFLICT_HEADER,
)
#: Layouts earlier versions wrote. A tab whose roster columns are in the order of one of
#: these (or of ``ROSTER_COLUMNS``) is put in ``ROSTER_COLUMNS`` order (``_header``).
PAST_LAYOUTS: tuple[tuple[str, ...], ...] = (
    (
        ID_HEADER,
        "Prénom",
        "Nom",
        "Email",
        "Téléphone",
        "Source(s)",
        DATE_HEADER,
        STATUS_HEADER,
        CALLED_HEADER,
        PRESENT_HEADER,
        NOTES_HEADER,
        CONFLICT_HEADER,
    ),
)
#: Columns the pipeline writes; every other column belongs to the coordinator.
PIPELINE_OWNED = frozenset((*PIPELINE_HEADERS, CONFLICT_HEADER))

STATUS_LABELS = {REGISTERED: "Inscrit", CANCELLED: "Annulé"}
#: Statut of a row kept only for what the coordinator typed in it (rule 6).
WITHDRAWN_LABEL = "Retiré"
#: Statut of a row whose reference is not this site's, and of a later copy of a row (rule 9).
FOREIGN_LABEL, DUPLICATE_LABEL = "Autre site", "Doublon"
FOREIGN_NOTE = (
    "Référence d'une inscription d'un autre site (ligne collée ou fichier d'un autre site ?) : "
    "ligne ni comptée ni lue ; supprimez-la ou signalez-la."
)
DUPLICATE_NOTE = "Copie d'une ligne de la même référence : ni comptée ni lue ; supprimez-la."
DUPLICATED_NOTE = "Référence présente sur plusieurs lignes : seule celle-ci est lue."
WITHDRAWN_NOTE = (
    "Ne figure plus parmi les inscrits (inscription supprimée, retrait du consentement ou "
    "doublon fusionné) : coordonnées retirées. Vous pouvez supprimer cette ligne."
)
CHANGES_HEADERS: tuple[str, ...] = ("Date", "Type", ID_HEADER, "Prénom", "Nom", "Détail")
NEW, UPDATED, CANCELLED_CHANGE = "Nouvelle inscription", "Modifiée", "Annulée"
RESTORED = "Rétablie"
RESTORED_DETAIL = "ligne absente de la feuille : remise avec vos saisies enregistrées"
WITHDRAWN_CHANGE = "Retirée"
ROW_REMOVED_DETAIL = "ne figure plus parmi les inscrits : ligne supprimée"
ROW_KEPT_DETAIL = "ne figure plus parmi les inscrits : coordonnées retirées, ligne gardée pour vos saisies"
BACK_DETAIL = "de retour parmi les inscrits"

_TRUE_WORDS = frozenset({"true", "vrai", "oui", "x", "1", "yes"})


class RosterLayoutError(RollcallError, ValueError):
    """The tab cannot be merged as it is (e.g. its reference column is gone); says what to fix."""


@dataclass(frozen=True)
class SheetEntry:
    """A registration as the roster tab shows it; ``registered_at`` is local, naive time."""

    registration_id: str
    first_name: str
    last_name: str
    email: str
    phone: str  # national format, "06 12 34 56 78"
    sources: tuple[str, ...]
    registered_at: datetime | None
    status: str  # REGISTERED or CANCELLED
    time_slot: str = ""  # "Samedi 15 octobre 2022 (10h00 - 13h00)", as the source gave it
    remarks: str = ""  # what the person or the staff wrote ("vient le matin seulement")
    minor: bool | None = None  # None: no source said
    already_volunteer: bool = False  # in the campaign's volunteer base


@dataclass(frozen=True)
class CoordinatorValues:
    """What a coordinator typed for one registration: the source of truth for who came."""

    called: Cell
    present: bool | None
    notes: str
    extras: dict[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Conflict:
    """A pipeline-owned cell the coordinator changed since the last push; their value is kept."""

    registration_id: str
    column: str
    pushed: Cell
    sheet: Cell
    pipeline: Cell


@dataclass(frozen=True)
class Change:
    """One line of the ``Nouveautés`` tab."""

    kind: str  # NEW, UPDATED, CANCELLED_CHANGE, WITHDRAWN_CHANGE or RESTORED
    registration_id: str
    first_name: str
    last_name: str
    columns: tuple[str, ...] = ()
    detail: str = ""  # shown instead of the columns when set


@dataclass(frozen=True)
class RosterMerge:
    """The new ``Inscrits`` grid and everything the caller stores or reports."""

    grid: Grid
    pushed: dict[str, dict[str, Cell]]  # per id: pipeline-owned values now in the sheet's baseline
    coordinator: dict[str, CoordinatorValues]
    conflicts: list[Conflict]
    changes: list[Change]
    unknown_ids: list[str]  # ids on the tab the pipeline did not send (removed, withdrawn or foreign)
    content_unchanged: bool
    removed_ids: list[str] = field(default_factory=list)  # rows dropped by this merge (rule 6)
    withdrawn_ids: list[str] = field(default_factory=list)  # rows now shown "Retiré" (rule 6)
    foreign_ids: list[str] = field(default_factory=list)  # references not of this site (rule 9)
    duplicate_ids: list[str] = field(default_factory=list)  # references on several rows (rule 9)
    #: For each column of ``grid``, the index of the column of ``current`` it holds, or None
    #: for a column added by this merge: what a Google write moves (rule 11).
    column_order: list[int | None] = field(default_factory=list)
    #: per id, where it differs from ``pushed``: the pipeline-owned values the tab held as ours
    #: when read (rule 4), kept beside ``pushed`` as its ``previous`` values
    held: dict[str, dict[str, Cell]] = field(default_factory=dict)


def sheet_entry(
    registration_id: str | int,
    entry: RosterEntry,
    tz: str | ZoneInfo = "Europe/Paris",
    sources: tuple[str, ...] | None = None,
    details: tuple[str, str, bool | None] | None = None,
) -> SheetEntry:
    """A ``RosterEntry`` as the tab shows it: national phone, local sign-up time to the minute.

    A cancelled registration keeps its names and reference (the coordinator's notes about it
    still make sense) but shows no email or phone: nobody is to be called about a day they
    cancelled, and the roster holds no contact it does not need.

    ``sources`` (as labelled for the roster) and ``details`` (time slot, remarks, minor:
    ``transforms.roster.registration_details``), when given, are shown instead of the
    entry's own: a night's pushes make some 70,000 entries, each then without a copy of
    its ``RosterEntry`` made only to change four fields."""
    moment = entry.registered_at
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)).replace(tzinfo=None)
    contacts = entry.status != CANCELLED
    time_slot, remarks, minor = details if details is not None else (entry.time_slot, entry.remarks, entry.minor)
    return SheetEntry(
        registration_id=str(registration_id),
        first_name=entry.first_name,
        last_name=entry.last_name,
        email=(entry.email or "") if contacts else "",
        phone=format_national(entry.phone) if contacts and entry.phone else "",
        sources=tuple(entry.sources) if sources is None else sources,
        registered_at=moment.replace(second=0, microsecond=0) if moment else None,
        status=entry.status,
        time_slot=time_slot,
        remarks=remarks,
        minor=minor,
        already_volunteer=entry.already_volunteer,
    )


def pipeline_values(entry: SheetEntry) -> dict[str, Cell]:
    """The pipeline-owned cells of one registration, typed as they are written."""
    return {
        ID_HEADER: entry.registration_id,
        "Nom": entry.last_name,
        "Prénom": entry.first_name,
        SLOT_HEADER: entry.time_slot,
        MINOR_HEADER: "Oui" if entry.minor else "",
        # a row emptied by a retention purge (no name left) says nothing of the person either
        VOLUNTEER_HEADER: volunteer_label(entry.already_volunteer) if entry.first_name or entry.last_name else "",
        REMARKS_HEADER: entry.remarks,
        "Téléphone": entry.phone,
        "Email": entry.email,
        "Source(s)": ", ".join(entry.sources),
        DATE_HEADER: to_serial(entry.registered_at) if entry.registered_at else "",
        STATUS_HEADER: STATUS_LABELS.get(entry.status, entry.status),
    }


def merge_roster(
    entries: Iterable[SheetEntry],
    current: Sequence[Sequence[Cell]],
    last_pushed: Mapping[str, Mapping[str, Cell]],
    is_reference: Callable[[str], bool] | None = None,
    stored: Mapping[str, CoordinatorValues] | None = None,
    site_references: Container[str] | None = None,
    previous: Mapping[str, Mapping[str, Cell]] | None = None,
) -> RosterMerge:
    """Merge the pipeline's registrations into the tab's current grid (see the module rules).

    ``current`` is the grid as read (ragged, header first, maybe empty); ``last_pushed`` maps a
    registration id to the pipeline-owned values pushed last time (``RosterMerge.pushed``);
    ``previous``, where a row has them, the values the tab held as ours before that push
    (``RosterMerge.held``): the push may have been stored and not written (rule 4).
    ``is_reference`` tells the pipeline's ids ("R00042") from other text a coordinator may type
    in the id column; without it, every id is the pipeline's. ``stored``: the coordinator's
    values kept in the database, put back on a row that is missing from the tab (rule 8).
    ``site_references``: every reference of this site's registrations, whatever their status;
    another reference is foreign (rule 9). Without it, none is.
    """
    wanted = {e.registration_id: e for e in entries}
    stored = stored or {}
    header, names, col, rows, order = _layout(current)
    on_tab = {_id_key(row[col[ID_HEADER]]) for row in rows}
    returning = [stored[rid] for rid in wanted if rid not in on_tab and rid in stored]
    header, names, col, rows = _with_columns(header, names, rows, returning)
    merge = RosterMerge(
        grid=[], pushed={}, coordinator={}, conflicts=[], changes=[], unknown_ids=[], content_unchanged=False
    )  # filled row by row, then completed
    order = order + [None] * (len(header) - len(order))  # columns ``_with_columns`` added
    seen: set[str] = set()
    kept: list[list[Cell]] = []
    copies = Counter(_id_key(row[col[ID_HEADER]]) for row in rows)
    for grid_row in rows:
        row: list[Cell] | None = grid_row
        rid = _id_key(grid_row[col[ID_HEADER]])
        ours = rid is not None and (is_reference is None or is_reference(rid))
        elsewhere = site_references is not None and rid not in site_references
        if ours and rid is not None and rid not in wanted and elsewhere:
            _add_once(merge.unknown_ids, rid)
            _add_once(merge.foreign_ids, rid)
            _mark(grid_row, col, FOREIGN_LABEL, FOREIGN_NOTE)
        elif rid is not None and rid not in wanted:
            _add_once(merge.unknown_ids, rid)
            if ours:  # every copy of a leaving row leaves (rule 6)
                row = _leaving_row(merge, grid_row, col, rid)
        elif rid is not None and rid in seen:
            _add_once(merge.duplicate_ids, rid)
            _mark(grid_row, col, DUPLICATE_LABEL, DUPLICATE_NOTE)
        elif rid is not None:
            seen.add(rid)
            _merge_known(merge, grid_row, names, col, wanted[rid], last_pushed.get(rid), (previous or {}).get(rid))
            if copies[rid] > 1:
                note = filter(None, [_text(grid_row[col[CONFLICT_HEADER]]), DUPLICATED_NOTE])
                grid_row[col[CONFLICT_HEADER]] = "; ".join(note)
        if row is not None:
            kept.append(row)
    for rid, entry in wanted.items():
        if rid not in seen:
            row = _new_row(entry, col, len(header))
            if rid in stored:
                _put_coordinator_values(row, col, stored[rid])
            kept.append(row)
            merge.pushed[rid] = pipeline_values(entry)
            merge.coordinator[rid] = _coordinator_values(row, names, col)
            restored = rid in last_pushed or rid in stored
            merge.changes.append(
                Change(RESTORED, rid, entry.first_name, entry.last_name, detail=RESTORED_DETAIL)
                if restored
                else Change(NEW, rid, entry.first_name, entry.last_name)
            )
    grid = [header, *kept]
    return replace(merge, grid=grid, content_unchanged=same_grid(grid, current), column_order=order)


def _layout(current: Sequence[Sequence[Cell]]) -> tuple[list[Cell], list[str], dict[str, int], Grid, list[int | None]]:
    """The header in roster order (rule 11), its stripped names, their first index, the rows
    moved the same way, all padded to one width, and where each column came from."""
    if len(current) > 1 and not _holds_id_header(current[0]):
        below = next((r for r, row in enumerate(current[1:HEADER_SEARCH_ROWS], start=1) if _holds_id_header(row)), None)
        if below is not None:
            raise RosterLayoutError(
                f"the header row (the one with {ID_HEADER!r}) is row {below + 1}, not row 1: rows were "
                "added above it, so rows cannot be matched and nothing is written; delete the rows above "
                "the header (a title can go in a tab of its own)"
            )
        raise RosterLayoutError(
            f"the tab has rows but no {ID_HEADER!r} column (renamed or deleted?): "
            "rows cannot be matched, so nothing is written; restore the column header"
        )
    header = _header(current)
    rows = [_padded(row, len(header)) for row in current[1:]]
    width = max([len(header), *(len(r) for r in rows)])
    header += [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    order = column_order([_text(h).strip() for h in header])
    header = [header[i] if isinstance(i, int) else i for i in order]
    rows = [[row[i] if isinstance(i, int) else "" for i in order] for row in rows]
    names = [_text(h).strip() for h in header]
    col = {name: i for i, name in reversed(list(enumerate(names)))}
    return header, names, col, rows, [i if isinstance(i, int) else None for i in order]


#: How far down a header pushed below row 1 is looked for, to say so rather than "no column".
HEADER_SEARCH_ROWS = 20


def _holds_id_header(row: Sequence[Cell]) -> bool:
    return ID_HEADER in [_text(v).strip() for v in row]


def column_order(names: Sequence[str]) -> list[int | str]:
    """Rule 11: where each column of the tab goes. An index keeps a column of the tab; a name
    is a roster column the tab lacks.

    A tab whose roster columns are in the order of a layout rollcall wrote (``ROSTER_COLUMNS``
    or one of ``PAST_LAYOUTS``, some columns possibly deleted) is put in the current layout,
    missing columns made in place; a column of the coordinator's moves with the roster column
    on its left, so what they placed beside Notes stays beside Notes. A tab whose roster
    columns the coordinator rearranged keeps their order, missing columns appended."""
    first = {name: i for i, name in reversed(list(enumerate(names))) if name in ROSTER_COLUMNS}
    ours = sorted(first, key=first.__getitem__)
    if not any(_in_order(ours, layout) for layout in (ROSTER_COLUMNS, *PAST_LAYOUTS)):
        return [*range(len(names)), *(name for name in ROSTER_COLUMNS if name not in first)]
    beside: dict[str | None, list[int]] = {None: []}
    anchor: str | None = None
    for i, name in enumerate(names):
        if first.get(name) == i:
            anchor = name
            beside[name] = []
        else:
            beside[anchor].append(i)
    order: list[int | str] = list(beside[None])
    for name in ROSTER_COLUMNS:
        order += [first[name], *beside[name]] if name in first else [name]
    return order


def _in_order(names: Sequence[str], layout: Sequence[str]) -> bool:
    """Whether ``names`` appear in ``layout`` in this order (others of ``layout`` between)."""
    rest = iter(layout)
    return all(name in rest for name in names)


def _mark(row: list[Cell], col: Mapping[str, int], status: str, note: str) -> None:
    """A row that is not read (rule 9): its cells as typed, our Statut and note on it."""
    row[col[STATUS_HEADER]], row[col[CONFLICT_HEADER]] = status, note


def _with_columns(
    header: list[Cell], names: list[str], rows: Grid, returning: Sequence[CoordinatorValues]
) -> tuple[list[Cell], list[str], dict[str, int], Grid]:
    """The layout with the coordinator's added columns that returning rows need (a column
    deleted with its tab, or by hand, comes back after the others)."""
    added = [name for values in returning for name in values.extras if name not in names]
    added = list(dict.fromkeys(added))
    if added:
        header, names = [*header, *added], names + added
        rows = [r + [""] * len(added) for r in rows]
    col = {name: i for i, name in reversed(list(enumerate(names)))}
    return header, names, col, rows


def _put_coordinator_values(row: list[Cell], col: Mapping[str, int], values: CoordinatorValues) -> None:
    row[col[CALLED_HEADER]] = "" if values.called is None else values.called
    if values.present is not None:
        row[col[PRESENT_HEADER]] = values.present
    row[col[NOTES_HEADER]] = values.notes
    for name, value in values.extras.items():
        row[col[name]] = value


def _merge_known(
    merge: RosterMerge,
    row: list[Cell],
    names: Sequence[str],
    col: Mapping[str, int],
    entry: SheetEntry,
    baseline: Mapping[str, Cell] | None,
    previous: Mapping[str, Cell] | None = None,
) -> None:
    """Rules 3, 4 and 7 for a row of a registration the pipeline sends."""
    rid = entry.registration_id
    back = same_cell(row[col[STATUS_HEADER]], WITHDRAWN_LABEL)
    if back:
        baseline, previous = withdrawn_values(rid), None
    values = pipeline_values(entry)
    found, merge.pushed[rid], held = _merge_row(row, col, entry, values, baseline, previous)
    if held != merge.pushed[rid]:
        merge.held[rid] = held
    merge.conflicts.extend(found)
    merge.coordinator[rid] = _coordinator_values(row, names, col)
    if back:
        merge.changes.append(Change(NEW, rid, entry.first_name, entry.last_name, detail=BACK_DETAIL))
    else:
        merge.changes.extend(_row_changes(entry, values, baseline))


def _leaving_row(merge: RosterMerge, row: list[Cell], col: Mapping[str, int], rid: str) -> list[Cell] | None:
    """Rule 6 for a row of a registration the pipeline no longer sends: ``None`` when it goes,
    else the row with our cells blanked and its coordinator's cells as they are."""
    if not _typed_by_coordinator(row, col):
        if _add_once(merge.removed_ids, rid):
            merge.changes.append(Change(WITHDRAWN_CHANGE, rid, "", "", detail=ROW_REMOVED_DETAIL))
        return None
    kept = list(row)
    for name, value in withdrawn_values(rid).items():
        kept[col[name]] = value
    kept[col[CONFLICT_HEADER]] = WITHDRAWN_NOTE
    first = _add_once(merge.withdrawn_ids, rid)
    if first and not all(same_cell(a, b) for a, b in zip(kept, row)):
        merge.changes.append(Change(WITHDRAWN_CHANGE, rid, "", "", detail=ROW_KEPT_DETAIL))
    return kept


def withdrawn_values(registration_id: str) -> dict[str, Cell]:
    """The pipeline-owned cells of a "Retiré" row: its reference and status, nothing else."""
    values: dict[str, Cell] = dict.fromkeys(PIPELINE_HEADERS, "")
    values[ID_HEADER], values[STATUS_HEADER] = registration_id, WITHDRAWN_LABEL
    return values


def _typed_by_coordinator(row: Sequence[Cell], col: Mapping[str, int]) -> bool:
    """Whether a coordinator typed anything in this row: a cell outside the pipeline's columns,
    an unticked Présent (blank, FALSE, "non") aside."""
    ours = {col[name] for name in PIPELINE_OWNED}
    present = col[PRESENT_HEADER]
    return any(
        not _blank(value) and i not in ours and not (i == present and _as_bool(value) is False)
        for i, value in enumerate(row)
    )


def _add_once(ids: list[str], rid: str) -> bool:
    """Append ``rid`` unless it is there already; True when it was not."""
    if rid in ids:
        return False
    ids.append(rid)
    return True


def _header(current: Sequence[Sequence[Cell]]) -> list[Cell]:
    """The tab's header cells as they are, trailing blanks dropped. Names are compared
    stripped ("Notes " is Notes); the cells are not rewritten."""
    header: list[Cell] = ["" if v is None else v for v in current[0]] if current else []
    while header and _blank(header[-1]):
        header.pop()
    return header


def _merge_row(
    row: list[Cell],
    col: Mapping[str, int],
    entry: SheetEntry,
    values: Mapping[str, Cell],
    baseline: Mapping[str, Cell] | None,
    previous: Mapping[str, Cell] | None = None,
) -> tuple[list[Conflict], dict[str, Cell], dict[str, Cell]]:
    """Write the pipeline's ``values`` into ``row`` where the coordinator did not edit them;
    return the conflicts, the row's new baseline and the values of ours it held.

    An edit is a cell that differs from what was pushed last (``baseline``) and from what
    the tab held as ours before that push (``previous``): a push stores what it writes
    before the roster holds it (``flows.rosters``), so a push stopped in between leaves the
    tab as it was, with ``previous``. A row of ours with no record of a push (a database
    restored from an older copy, or a push stored before this rule) cannot be told from
    what we wrote: it takes the pipeline's values, as one clean push would write them."""
    conflicts: list[Conflict] = []
    new_baseline: dict[str, Cell] = {}
    base = baseline or {}
    held: dict[str, Cell] = dict(base) if previous is None else {}  # most rows: no previous
    for name, value in values.items():
        i = col[name]
        sheet, before = row[i], base.get(name)
        earlier = before
        if previous is not None:
            earlier = previous.get(name, before)
            held[name] = earlier if not same_cell(sheet, before) and same_cell(sheet, earlier) else before
        edited = (
            baseline is not None
            and not _blank(sheet)
            and not same_cell(sheet, value)
            and not same_cell(sheet, before)
            and (earlier is before or not same_cell(sheet, earlier))
        )
        if edited and name != ID_HEADER:
            conflicts.append(Conflict(entry.registration_id, name, before, sheet, value))
            new_baseline[name] = before
        else:
            row[i] = value
            new_baseline[name] = value
    row[col[CONFLICT_HEADER]] = _conflict_note(conflicts)
    return conflicts, new_baseline, held if baseline is not None else new_baseline


def _conflict_note(conflicts: Sequence[Conflict]) -> str:
    if not conflicts:
        return ""
    parts = [f"{c.column} (pipeline : {_display(c.pipeline, c.column)})" for c in conflicts]
    return "Modifié dans la feuille, valeur gardée : " + "; ".join(parts)


def _row_changes(entry: SheetEntry, now: Mapping[str, Cell], baseline: Mapping[str, Cell] | None) -> list[Change]:
    if baseline is None:
        return []
    changed = tuple(n for n in PIPELINE_HEADERS if not same_cell(baseline.get(n), now[n]))
    if not changed:
        return []
    kind = CANCELLED_CHANGE if STATUS_HEADER in changed and entry.status == CANCELLED else UPDATED
    return [Change(kind, entry.registration_id, entry.first_name, entry.last_name, changed)]


def _new_row(entry: SheetEntry, col: Mapping[str, int], width: int) -> list[Cell]:
    row: list[Cell] = [""] * width
    for name, value in pipeline_values(entry).items():
        row[col[name]] = value
    row[col[PRESENT_HEADER]] = False
    return row


def _coordinator_values(row: Sequence[Cell], names: Sequence[str], col: Mapping[str, int]) -> CoordinatorValues:
    extras = {
        name: row[i]
        for i, name in enumerate(names)
        if name and name not in PIPELINE_OWNED and name not in COORDINATOR_HEADERS and not _blank(row[i])
    }
    notes = row[col[NOTES_HEADER]]
    return CoordinatorValues(
        called=None if _blank(row[col[CALLED_HEADER]]) else row[col[CALLED_HEADER]],
        present=_as_bool(row[col[PRESENT_HEADER]]),
        notes="" if _blank(notes) else _text(notes),
        extras=extras,
    )


def _as_bool(value: Cell) -> bool | None:
    """A checkbox reads back as a boolean; a typed "oui"/"x" counts as ticked."""
    if isinstance(value, bool):
        return value
    if _blank(value):
        return None
    return _text(value).strip().lower() in _TRUE_WORDS


def _id_key(value: Cell) -> str | None:
    """The registration id of a cell; a number a sheet made of "123" reads back as 123.0."""
    if _blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value).strip() or None


def _padded(row: Sequence[Cell], width: int) -> list[Cell]:
    padded: list[Cell] = [("" if v is None else v) for v in row]
    return padded + [""] * max(0, width - len(row))


def _blank(value: Cell) -> bool:
    return value is None or value == ""


def _text(value: Cell) -> str:
    return "" if value is None else str(value)


def _display(value: Cell, column: str = "") -> str:
    """A value as a coordinator reads it: "Inscrit le" as 08/10/2022 14:05, not a serial."""
    if _blank(value):
        return "(vide)"
    if column == DATE_HEADER and is_number(value):
        return from_serial(value).strftime("%d/%m/%Y %H:%M")
    return str(value)


def trimmed(grid: Sequence[Sequence[Cell]]) -> list[list[Cell]]:
    """A grid as values.get returns it: trailing blank cells and rows dropped."""
    rows = []
    for row in grid:
        cells = list(row)
        while cells and _blank(cells[-1]):
            cells.pop()
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def same_grid(a: Sequence[Sequence[Cell]], b: Sequence[Sequence[Cell]]) -> bool:
    """True when two grids show the same cells (ignoring trailing blanks).

    Row by row: two rows equal as lists, cell types included, are the same without a look
    at each cell (``same_cell`` differs from ``==`` only across types: None and "", 1 and
    1.0, True and 1; a workbook or a sheet holds no NaN); any other pair is compared cell by
    cell. Pushing a 100,000-row campaign compares some four million cells."""
    for ra, rb in zip_longest(a, b, fillvalue=()):
        if ra == rb and list(map(type, ra)) == list(map(type, rb)):
            continue
        ta, tb = _trimmed_row(ra), _trimmed_row(rb)
        if len(ta) != len(tb) or not all(map(same_cell, ta, tb)):
            return False
    return True


def _trimmed_row(row: Sequence[Cell]) -> Sequence[Cell]:
    end = len(row)
    while end and _blank(row[end - 1]):
        end -= 1
    return row[:end]


def changes_grid(changes: Sequence[Change], now: datetime) -> Grid:
    """The ``Nouveautés`` tab: what this push changed, dated (local time, as text)."""
    stamp = now.strftime("%d/%m/%Y %H:%M")
    rows: Grid = [list(CHANGES_HEADERS)]
    for c in changes:
        rows.append([stamp, c.kind, c.registration_id, c.first_name, c.last_name, c.detail or ", ".join(c.columns)])
    return rows


def summary_grid(site_name: str, entries: Iterable[SheetEntry], capacity: int | None) -> Grid:
    """The ``Résumé`` tab: counts only, by channel and by day, against the site's capacity."""
    entries = list(entries)
    live = [e for e in entries if e.status == REGISTERED]
    by_channel = Counter(source for e in live for source in (e.sources or ("(inconnu)",)))
    by_day = Counter(e.registered_at.date() for e in live if e.registered_at is not None)
    grid: Grid = [
        ["Site", site_name],
        ["Inscrits", len(live)],
        ["Annulés", sum(1 for e in entries if e.status == CANCELLED)],
        ["Capacité", capacity if capacity is not None else ""],
        ["Places restantes", capacity - len(live) if capacity is not None else ""],
        ["Taux de remplissage", round(len(live) / capacity, 4) if capacity else ""],
        [],
        ["Par canal", "Inscrits"],
        *_two_columns(sorted(by_channel.items())),
        [],
        ["Par jour", "Inscrits"],
        *_two_columns((day.strftime("%d/%m/%Y"), n) for day, n in sorted(by_day.items())),
    ]
    return grid


def _two_columns(pairs: Iterable[tuple[str, int]]) -> Grid:
    return [[label, n] for label, n in pairs]


#: What a purged registration's row keeps (rule 10); every other cell of it is blanked.
PURGE_KEPT = frozenset((ID_HEADER, "Source(s)", DATE_HEADER, STATUS_HEADER, CALLED_HEADER, PRESENT_HEADER))


def purged_rows(grid: Sequence[Sequence[Cell]], registration_ids: Container[str]) -> Grid:
    """The tab with the rows of these (purged) references emptied of names, contacts and
    the coordinator's notes and added columns (rule 10); other rows as they are."""
    if not grid:
        return []
    names = [_text(h).strip() for h in grid[0]]
    if ID_HEADER not in names or not registration_ids:
        return [list(r) for r in grid]
    id_col, keep = names.index(ID_HEADER), {i for i, name in enumerate(names) if name in PURGE_KEPT}
    out: Grid = [list(grid[0])]
    for row in grid[1:]:
        rid = _id_key(row[id_col]) if id_col < len(row) else None
        purged = rid is not None and rid in registration_ids
        out.append([v if not purged or i in keep else "" for i, v in enumerate(row)])
    return out


def rows_holding(grid: Sequence[Sequence[Cell]], registration_ids: set[str]) -> list[int]:
    """Rows (0-based, header included) of any tab holding one of these references in any cell:
    a coordinator's copy of the roster, or rows pasted in a tab of their own. An erasure
    deletes them whole."""
    return [i for i, row in enumerate(grid) if any(not _blank(v) and _text(v).strip() in registration_ids for v in row)]


SIGN_IN_HEADERS: tuple[str, ...] = ("Nom", "Prénom", SLOT_HEADER, "Signature")


def sign_in_grid(entries: Iterable[SheetEntry]) -> Grid:
    """The ``Émargement`` tab: who is expected (registered, not cancelled), by last then first
    name, accents and case ignored, with their time slot and an empty box to sign in.

    Names equal but for accents or case ("Léa" and "Lea" Roux) go by the row's own text
    before the reference: references depend on the order sign-ups arrived in, so the tab
    would otherwise not be the one a clean sync of the same data writes."""
    expected = sorted(
        (e for e in entries if e.status == REGISTERED),
        key=lambda e: (
            name_key(e.last_name),
            name_key(e.first_name),
            e.last_name,
            e.first_name,
            e.time_slot,
            e.registration_id,
        ),
    )
    rows: Grid = [[e.last_name, e.first_name, e.time_slot, ""] for e in expected]
    return [list(SIGN_IN_HEADERS), *rows]
