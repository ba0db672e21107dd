"""A local workbook's push past the database (``flows.workbook_push``), on its own: what it
writes, what it hands back, and that the roster fingerprint covers its code."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import openpyxl

from rollcall.connectors import roster_files
from rollcall.flows import workbook_push
from rollcall.flows.rosters import roster_code_files
from rollcall.flows.workbook_push import RosterInputs, WorkbookJob, push_workbook, states_of, with_stored_states
from rollcall.models.records import REGISTERED, RosterEntry
from rollcall.models.roster_states import RosterStateValues, StoredRow, state_writes
from rollcall.models.roster_tabs import ROSTER_TAB, SIGN_IN_TAB
from rollcall.transforms.sheet_roster import DATE_HEADER, sheet_entry


def job(path: Path, last_pushed: dict | None = None) -> WorkbookJob:
    entries = [
        sheet_entry(
            f"R{n:05d}",
            RosterEntry(first, "Martin", f"{first.lower()}@example.org", "+33612345678", ("tally",),
                        datetime(2022, 9, n, 10, tzinfo=UTC), REGISTERED),
        )
        for n, first in ((1, "Amina"), (2, "Bruno"))
    ]  # fmt: skip
    return WorkbookJob(
        path,
        RosterInputs(
            entries=entries,
            references={"R00001", "R00002"},
            last_pushed=last_pushed or {},
            stored={},
            now=datetime(2022, 10, 1, 9, 30),
            site_name="Paris",
            capacity=100,
            waiting=[],
            timezone="Europe/Paris",
        ),
    )


def test_a_first_push_writes_the_workbook_and_hands_back_what_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    outcome = push_workbook(job(path))
    assert outcome.written and outcome.erased_rows == 0
    tabs = roster_files.read_tabs(path)
    assert [row[0] for row in tabs[ROSTER_TAB][1:]] == ["R00001", "R00002"]
    assert len(tabs[SIGN_IN_TAB]) == 3  # header and the two expected
    assert set(outcome.merged.pushed) == {"R00001", "R00002"}
    assert outcome.merged.grid == []  # written, not sent back (``WorkbookOutcome``)
    assert pickle.loads(pickle.dumps(outcome)) == outcome  # it may come from a worker


def test_a_second_push_of_the_same_state_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "PAR Paris.xlsx"
    first = push_workbook(job(path))
    before = path.read_bytes()
    again = push_workbook(job(path, last_pushed=first.merged.pushed))
    assert not again.written
    assert path.read_bytes() == before
    assert again.merged.conflicts == [] and again.merged.changes == []


def test_a_number_no_date_can_be_typed_in_the_date_column_is_kept_not_a_failure(tmp_path: Path) -> None:
    """A coordinator types 99999999 over "Inscrit le": the push keeps and flags it, as any
    pipeline cell they changed, and writes it back as typed (Excel shows ####); it used to
    fail every site's push, night after night, turning it into a date."""
    path = tmp_path / "PAR Paris.xlsx"
    first = push_workbook(job(path))
    book = openpyxl.load_workbook(path)
    sheet = book[ROSTER_TAB]
    column = [cell.value for cell in sheet[1]].index(DATE_HEADER) + 1
    sheet.cell(row=2, column=column).value = 99999999
    book.save(path)
    again = push_workbook(job(path, last_pushed=first.merged.pushed))
    assert again.written and [c.column for c in again.merged.conflicts] == [DATE_HEADER]
    assert roster_files.read_tabs(path)[ROSTER_TAB][1][column - 1] == 99999999


def test_the_roster_fingerprint_covers_the_workbook_push_code() -> None:
    """A change to how a workbook is read back, merged or written pushes every roster again
    the next night: its module is part of the code the fingerprint is taken of."""
    files = roster_code_files()
    assert Path(workbook_push.__file__) in files
    assert Path(roster_files.__file__) in files


def test_a_coordinators_dates_times_and_durations_stay_so_when_the_roster_is_rewritten(tmp_path: Path) -> None:
    """Columns a coordinator added: "Rappel le" (a date), "Arrivée" (a time of day), "Durée"
    (a duration). A rewrite used to show the date as 44837 and to fail the site's push,
    night after night, on the time (a row's state is stored as JSON)."""
    path = tmp_path / "PAR Paris.xlsx"
    first = push_workbook(job(path))
    book = openpyxl.load_workbook(path)
    sheet = book[ROSTER_TAB]
    typed = {
        "Rappel le": (datetime(2022, 10, 3), "dd/mm/yyyy"),
        "Arrivée": (time(14, 30), "hh:mm"),
        "Durée": (timedelta(hours=1, minutes=30), "[h]:mm"),
        "Rappelé à": (datetime(2022, 10, 3, 18, 15), "dd/mm/yyyy hh:mm"),
    }
    start = sheet.max_column + 1
    for offset, (header, (value, number_format)) in enumerate(typed.items()):
        sheet.cell(row=1, column=start + offset).value = header
        sheet.cell(row=2, column=start + offset).value = value
        sheet.cell(row=2, column=start + offset).number_format = number_format
    del book["Résumé"]  # so that the push rewrites the workbook
    book.save(path)

    again = push_workbook(job(path, last_pushed=first.merged.pushed))
    assert again.written and again.merged.conflicts == []
    stored = again.merged.coordinator["R00001"].extras
    assert json.loads(json.dumps(stored)) == stored  # what a row's state stores
    sheet = openpyxl.load_workbook(path)[ROSTER_TAB]
    headers = [cell.value for cell in sheet[1]]
    for header, (value, number_format) in typed.items():
        cell = sheet.cell(row=2, column=headers.index(header) + 1)
        assert (cell.value, cell.number_format) == (value, number_format), header
        width = sheet.column_dimensions[cell.column_letter].width
        assert width < 20, f"{header}: {width} wide, as its serial's digits"
    assert roster_files.read_tabs(path) == roster_files.read_tabs_with_openpyxl(path)


def test_a_coordinators_currency_and_percentage_keep_their_format_when_the_roster_is_rewritten(
    tmp_path: Path,
) -> None:
    """Columns a coordinator added with numbers in a format of theirs: "Cotisation" in euros,
    "Taux" as a percentage. A rewrite kept the values and lost the formats (12.5 for
    12,50 €, 0.5 for 50 %). A column of plain numbers stays plain."""
    path = tmp_path / "PAR Paris.xlsx"
    first = push_workbook(job(path))
    book = openpyxl.load_workbook(path)
    sheet = book[ROSTER_TAB]
    typed = {
        "Cotisation": (None, 12.5, '#,##0.00\\ "€"'),  # the first row left blank: the next row's format
        "Taux": (0.5, 0.25, "0%"),
        "Accompagnants": (2, 3, "General"),
    }
    start = sheet.max_column + 1
    for offset, (header, (one, two, number_format)) in enumerate(typed.items()):
        sheet.cell(row=1, column=start + offset).value = header
        for row, value in ((2, one), (3, two)):
            sheet.cell(row=row, column=start + offset).value = value
            sheet.cell(row=row, column=start + offset).number_format = number_format
    del book["Résumé"]  # so that the push rewrites the workbook
    book.save(path)

    again = push_workbook(job(path, last_pushed=first.merged.pushed))
    assert again.written and again.merged.conflicts == []
    sheet = openpyxl.load_workbook(path)[ROSTER_TAB]
    headers = [cell.value for cell in sheet[1]]
    for header, (one, two, number_format) in typed.items():
        column = headers.index(header) + 1
        cells = [sheet.cell(row=row, column=column) for row in (2, 3)]
        assert [c.value for c in cells] == [one, two], header
        assert cells[1].number_format == number_format, header
    again_and_again = push_workbook(job(path, last_pushed=again.merged.pushed))
    assert not again_and_again.written  # the formats read back as written: nothing to change


def test_only_a_coordinators_added_columns_of_numbers_have_their_format_read_apart() -> None:
    """A 1 typed in Présent, Appelé or Notes, or a number in one of rollcall's columns, does
    not make every push read the workbook a second time for its formats."""
    header = ["Réf. inscription", "Nom", "Présent", "Appelé", "Notes", "Cotisation", "Rappel le", "Commentaire"]
    rows = [["R00001", "Martin", 1, 1, 2, 12.5, 44837.0, "texte"], ["R00002", 7, True, None, None, None, None, 3]]
    assert workbook_push._own_number_columns([header, *rows], {6: "dd/mm/yyyy"}) == [5, 7]


def as_read(states: list[RosterStateValues]) -> list[StoredRow]:
    """States as ``connectors.store.roster_state_rows`` reads them: their JSON as text."""
    text = lambda value: None if value is None else json.dumps(value)  # noqa: E731
    return [(s.registration_id, json.dumps(s.pushed), s.called, s.present, s.notes, text(s.extras), s.conflicts,
             text(s.previous)) for s in states]  # fmt: skip


def test_a_job_given_the_stored_states_merges_with_them_and_hands_back_only_those_that_changed(
    tmp_path: Path,
) -> None:
    """With the rows' stored states as read (``WorkbookJob.stored_rows``), a worker's push
    ends as the push given the same states decoded: the same workbook, and back only the
    states to store, which are the states that push leaves minus those already stored."""
    decoded, by_rows = tmp_path / "decoded" / "PAR Paris.xlsx", tmp_path / "rows" / "PAR Paris.xlsx"
    first = push_workbook(job(decoded))
    push_workbook(job(by_rows))
    stored = {s.registration_id: s for s in states_of(first.merged)}
    for path in (decoded, by_rows):  # the coordinator calls Amina back and notes it
        book = openpyxl.load_workbook(path)
        sheet = book[ROSTER_TAB]
        headers = [cell.value for cell in sheet[1]]
        sheet.cell(row=2, column=headers.index("Notes") + 1).value = "Rappeler jeudi"
        book.save(path)

    reference = push_workbook(WorkbookJob(decoded, with_stored_states(job(decoded).inputs, stored)))
    outcome = push_workbook(replace(job(by_rows), stored_rows=as_read(list(stored.values()))))

    assert outcome.writes == state_writes(stored, states_of(reference.merged))
    assert outcome.writes.new == [] and [s.notes for s in outcome.writes.changed] == ["Rappeler jeudi"]
    assert roster_files.read_tabs(by_rows) == roster_files.read_tabs(decoded)
    assert outcome.merged.pushed == {} and outcome.merged.coordinator == {}  # they are in the writes
    assert outcome.merged == replace(reference.merged, pushed={}, coordinator={})
    assert pickle.loads(pickle.dumps(outcome)) == outcome  # it comes from a worker
