"""An export that only grew is read from where its last reading ended, and lands as a reading
of the whole file would (``connectors.files.ReadPoint``, ``flows.landing.land_file``); an
export holding one id twice ends as one clean landing of it, whatever came before.

The reader: for any file and any text appended to it, the rows read after the first file's
end are the whole longer file's rows after the first file's, numbered the same, and the
reading ends at the same point. The landing: a night that finds rows appended lands, on
SQLite and PostgreSQL, the very records and cursor that reading the whole file lands, and a
file that did more than grow (an edited row, a reused id, a row without an id, a line left
without its line break, an encoding the new rows change) is read whole. An id held twice:
after a night that held its earlier row alone, or with its rows in two chunks of a landing,
the current records are one clean landing's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from badinput.pipeline import COLUMNS, write_campaign
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from rollcall.connectors.database import session_scope, upgrade
from rollcall.connectors.files import open_table
from rollcall.flows.landing import FileCursor, land_file
from rollcall.flows.steps import prepare_run
from rollcall.models.campaign import DATABASE_URL_ENV, load_campaign
from rollcall.models.tables import RawRecord, SourceCursor

HEADER = list(COLUMNS.values())

# --- the reader ----------------------------------------------------------------------------

#: Cells that exercise the reader: delimiters, quotes, line breaks inside quotes, blank
#: cells, accents, a stray quote (a quote left open), a bare carriage return.
CELL = st.sampled_from(["", "a", "Zoé", "x;y", 'dit "oui"', "deux\nlignes", "  ", "é\r\nè", '"', "\r", "1"])
ROW = st.lists(CELL, min_size=0, max_size=4)


def _csv_text(rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ';"\r\n') else text

    return "".join(";".join(map(cell, row)) + "\n" for row in rows)


def _raw_line(rows: list[list[str]]) -> str:
    """Rows joined as they are, unquoted: what a hand-edited file holds (open quotes too)."""
    return "".join(";".join(row) + "\n" for row in rows)


def _read(path: Path, after: Any = None) -> tuple[list[tuple[int, dict[str, str], str | None, int | None]], Any]:
    table = open_table(path)
    rows = [(r.number, r.values, r.problem, r.line) for r in table.rows(after)]
    return rows, table.end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.lists(ROW, max_size=6),
    then=st.lists(ROW, min_size=1, max_size=6),
    raw=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_rows_read_after_a_files_end_are_the_longer_files_rows(
    tmp_path: Path, first: list[list[str]], then: list[list[str]], raw: bool, newline: str
) -> None:
    text = _raw_line if raw else _csv_text
    head = "Nom;Prénom;Note\n" + text(first)
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    before.write_bytes(head.replace("\n", newline).encode())
    after.write_bytes((head + text(then)).replace("\n", newline).encode())
    old, new = open_table(before), open_table(after)
    if (old.encoding, old.delimiter, old.headers) != (new.encoding, new.delimiter, new.headers):
        return  # read whole (``file_layout``)
    rows_before, end = _read(before)
    whole, whole_end = _read(after)
    if end is None:
        return  # a quote left open, or no line break at the end: read whole
    appended, appended_end = _read(after, end)
    assert rows_before + appended == whole
    assert appended_end == whole_end


def test_a_quote_left_open_or_a_last_line_without_its_break_gives_no_read_point(tmp_path: Path) -> None:
    cases = {
        "open.csv": 'Nom;Note\nA;"ouvert\nB;b\n',
        "unended.csv": "Nom;Note\nA;a",
        "utf16.csv": None,
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes("Nom;Note\nA;a\n".encode("utf-16"))
        else:
            path.write_bytes(text.encode())
        _, end = _read(path)
        assert end is None, name
    fine = tmp_path / "fine.csv"
    fine.write_bytes("\ufeffNom;Note\nA;a\n\n".encode())
    rows, end = _read(fine)
    assert end is not None and end.offset == fine.stat().st_size and end.rows == 1 and end.records == 3
    fine.write_bytes(fine.read_bytes() + b"B;b\n")
    assert _read(fine, end)[0] == [(4, {"Nom": "B", "Note": "b"}, None, None)]


# --- the landing ---------------------------------------------------------------------------

ROWS = [
    ["A1", "Hélène", "Müller", "helene@example.org", "06 39 98 00 01", "Paris", "2022-09-30", "Oui"],
    ["A2", "François", "Lefèvre", "", "06 39 98 00 02", "St Denis", "30/09/2022", "x"],
    ["A3", "Zoé", "Nguyen", "zoe@example.org", "", "Lyon", "", "Oui"],
]
NEW = [
    ["A4", "Karim", "Haddad", "karim@example.org", "06 39 98 00 04", "Lyon", "2022-10-01", "Oui"],
    ["A5", "Mei", "Nguyen", "mei@example.org", "", "Marseille", "2022-10-02", "Oui"],
]


def _lines(rows: list[list[str]]) -> bytes:
    return "".join(";".join(r) + "\r\n" for r in rows).encode()


FIRST = _lines([HEADER, *ROWS])

#: name -> (the first night's file, the second night's file, read from the first's end?)
HISTORIES = {
    "grown": (FIRST, FIRST + _lines(NEW), True),
    "blank lines and a bad row appended": (FIRST, FIRST + b"\r\n" + _lines([NEW[0]]) + b"A9;\x00;x\r\n", True),
    "an edited row appended": (FIRST, FIRST + _lines([[*ROWS[1][:3], "f@example.org", *ROWS[1][4:]]]), False),
    "two new rows, one id": (FIRST, FIRST + _lines([NEW[0], [*NEW[0][:2], "Autre", *NEW[0][3:]]]), False),
    "a new row without an id": (FIRST, FIRST + _lines([["", *NEW[0][1:]]]), False),
    "a row edited above": (FIRST, FIRST.replace(b"Lyon", b"Lille") + _lines(NEW), False),
    "the first file's last line unended": (FIRST[:-2], FIRST + _lines(NEW), False),
    "a new row in cp1252 in a UTF-8 file": (
        FIRST,
        FIRST + ";".join(["A4", "Léa", "Dubois", "", "", "Lyon", "", "Oui"]).encode("cp1252") + b"\r\n",
        True,
    ),
    "a new row that makes a cp1252 file UTF-8": (
        FIRST.decode().encode("cp1252"),
        FIRST.decode().encode("cp1252") + ";".join(NEW[1]).replace("Mei", "Zoé").encode() + b"\r\n",
        False,
    ),
}


def _landed(tmp_path: Path, url: str, nights: list[bytes], forget_end: bool = False) -> tuple[Any, str, dict]:
    """The records and cursor after landing each night's file in turn; with ``forget_end``,
    the last night reads the whole file (its cursor stripped of the read point)."""
    tmp_path.mkdir()
    export = tmp_path / "export.csv"
    config = write_campaign(tmp_path, export)
    campaign = load_campaign(str(config))
    counts: dict = {}
    for n, data in enumerate(nights):
        export.write_bytes(data)
        if forget_end and n == len(nights) - 1:
            with session_scope(url) as session:
                cursor = FileCursor.parse(session.scalar(select(SourceCursor.cursor)))
                assert cursor is not None
                session.execute(update(SourceCursor).values(cursor=FileCursor(cursor.digest).text()))
        counts = land_file(campaign, campaign.sources[0], prepare_run.fn(str(config), None))
    with session_scope(url) as session:
        records = sorted(
            (r.external_id, r.content_hash, r.locator, r.is_current, sorted(r.payload.items()))
            for r in session.scalars(select(RawRecord))
        )
        cursor = session.scalar(select(SourceCursor.cursor))
    return records, cursor, counts


@pytest.mark.parametrize("name", list(HISTORIES))
def test_a_grown_export_lands_as_reading_it_whole_does(
    name: str, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, appended = HISTORIES[name]
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    upgrade(database_url)
    records, cursor, counts = _landed(tmp_path / "night", database_url, [first, second])
    with session_scope(database_url) as session:
        session.execute(RawRecord.__table__.delete())
        session.execute(SourceCursor.__table__.delete())
    whole = _landed(tmp_path / "whole", database_url, [first, second], forget_end=True)
    assert (records, cursor) == whole[:2]
    assert counts.get("appended", False) is appended
    if appended:
        assert counts["received"] < len(records)


def test_a_file_written_after_its_fingerprint_is_no_longer_the_one_fingerprinted(tmp_path: Path) -> None:
    """What keeps a reading of appended rows from landing bytes of another file: a file saved
    again while it was read is read whole the next night (``land_file``)."""
    from rollcall.connectors.files import file_fingerprints

    path = tmp_path / "export.csv"
    path.write_bytes(FIRST)
    seen = file_fingerprints(path, head_size=10)
    assert seen.still(path) and seen.size == len(FIRST) and seen.head is not None
    path.write_bytes(FIRST + _lines(NEW))
    assert not seen.still(path)
    replaced = tmp_path / "new.csv"
    replaced.write_bytes(FIRST)
    seen = file_fingerprints(path)
    replaced.replace(path)  # the same size, another file
    assert not seen.still(path)
    assert file_fingerprints(path, head_size=len(FIRST) + 1).head is None  # shorter than the head asked


def _current(records: list) -> list:
    return [(key, digest, payload) for key, digest, _, current, payload in records if current]


def test_an_id_held_twice_keeps_its_later_row_current_whatever_came_before(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later row of an id is the version an export holds (``store.match_snapshot`` makes
    nothing current): after a night that held only the earlier row, or with the two rows in
    two chunks of the landing, the earlier version is kept raw but not current, as in one
    clean landing."""
    from rollcall.flows.landing import LANDING_CHUNK

    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    upgrade(database_url)
    edited = [*ROWS[0][:3], "autre@example.org", *ROWS[0][4:]]
    filler = [[f"F{n}", "Awa", "Diallo", f"awa{n}@example.org", "", "Lyon", "", "Oui"] for n in range(LANDING_CHUNK)]
    histories = {
        "the earlier row alone the night before": ([_lines([HEADER, ROWS[0]])], _lines([HEADER, ROWS[0], edited])),
        "the two rows in two chunks": ([], _lines([HEADER, ROWS[0], *filler, edited])),
    }
    for n, (name, (before, last)) in enumerate(histories.items()):
        records, _, _ = _landed(tmp_path / f"history{n}", database_url, [*before, last])
        with session_scope(database_url) as session:
            session.execute(RawRecord.__table__.delete())
            session.execute(SourceCursor.__table__.delete())
        clean, _, _ = _landed(tmp_path / f"clean{n}", database_url, [last])
        with session_scope(database_url) as session:
            session.execute(RawRecord.__table__.delete())
            session.execute(SourceCursor.__table__.delete())
        assert _current(records) == _current(clean), name
        assert [r[0] for r in _current(records)].count("A1") == 1, name
        assert ("A1", "autre@example.org") in {(r[0], dict(r[2])["Email"]) for r in _current(records)}, name
