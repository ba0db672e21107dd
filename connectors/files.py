"""Read spreadsheet exports (CSV, TSV, Excel "Unicode text", XLSX) as rows of text.

I/O only: every cell comes back as the text a person would see, keyed by its header; what a
cell means is for ``transforms``. A file we cannot read at all raises ``FileFormatError``
naming the file and saying what to do; a *row* we cannot read with confidence comes back as
a bad row (``TableRow.problem``, see ``transforms.raw.UNREADABLE``): it is landed raw and
quarantined with its reason, and the rest of the export lands. One cell never blocks a source.

Encoding is decided per file and checked per line. When the config does not set one:
  1. a byte-order mark decides (UTF-8, UTF-16, UTF-32);
  2. else a file holding UTF-8 sequences ("é" as C3 A9) is UTF-8: a line that is not UTF-8
     is read as cp1252 (a row pasted from a Windows file) only when it holds no UTF-8
     sequence and reads as Western European text (no run of three non-ASCII letters, which
     is Cyrillic or Greek read as cp1252); otherwise that row is quarantined;
  3. else a file that is not UTF-8 is cp1252 (what Windows Excel writes in France) only if
     charset_normalizer finds a Western encoding (cp1252, latin_1, iso8859_15) plausible
     for the megabyte around the first non-UTF-8 byte and that text shows no such run.
  Anything else raises, and never suggests a codec: only UTF and Western European encodings
  are accepted (``models.campaign.TEXT_ENCODINGS``), as a wrong 8-bit codec turns "Hélène"
  into "HÃĐlÃĻne" without an error. Every row is also checked for such mojibake
  ("Ã©", "Ã¨", "ÃĐ", "â€™"): a row that holds it is quarantined, never landed garbled.
  charset_normalizer's ranking is not used: on real French exports its first guess is often
  cp1250, cp775 or iso8859_13. Known blind spot: Polish (cp1250) or Turkish (cp1254) text
  can pass as cp1252.

A bad row is one that holds a NUL byte, a line break csv cannot place (a bare carriage return),
a cell longer than ``MAX_CELL_CHARS``, a quote left
open (the record would run on past ``MAX_RECORD_CHARS`` or to the end of the file: only its
first line is bad, and reading resumes on the next line), text that does not decode, or
mojibake. A file over ``MAX_ROWS`` rows or a workbook that unpacks to more than
``MAX_XLSX_UNPACKED_BYTES`` is refused before it is read (split it, or export it as CSV).
Paths that are not regular files (a folder, ``/dev/zero``, a pipe) are refused at once.

Delimiter, when the config does not set one: the candidates ``; , TAB |`` are counted outside
quotes in the header line. The most frequent one wins if it is the only one or ``csv.Sniffer``
agrees; otherwise the one that splits every sampled row into as many fields as the header does
(the most frequent in the header if several do); otherwise the file is refused. None present
means a single column.

Row numbers: XLSX rows carry the worksheet row number. CSV rows carry the csv record number
(header record = 1), which is the row Excel shows when it opens the file, even when a quoted
cell spans several lines; a bad row also carries its physical line number.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import os
import re
import stat
import zipfile
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zipfile import BadZipFile

import openpyxl
from charset_normalizer import from_bytes

from rollcall.models.campaign import TEXT_ENCODINGS, plausible_encoding
from rollcall.models.errors import RollcallError
from rollcall.models.records import UNREADABLE

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

log = logging.getLogger(__name__)

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
DELIMITERS = (";", ",", "\t", "|")

#: A cell longer than this makes its row bad (Python's csv default; Excel holds 32,767).
MAX_CELL_CHARS = 131_072
#: A record (a row with the line breaks of its quoted cells) longer than this is a quote left
#: open: its first line is a bad row and reading resumes on the next line.
MAX_RECORD_CHARS = 1 << 20
#: More data rows than this fail the source (a 200 MB export holds about 1.7 million).
MAX_ROWS = 5_000_000
#: A workbook whose parts unpack to more than this is refused before openpyxl opens it (a
#: 600 KB "zip bomb" unpacks to gigabytes; openpyxl keeps shared strings in memory).
MAX_XLSX_UNPACKED_BYTES = 256 << 20

_CHUNK_BYTES = 1 << 20
_DETECT_BYTES = 1 << 20
_SAMPLE_CHARS = 1 << 16
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_15"})
#: Three letters in a row outside ASCII: Cyrillic, Greek or Asian text decoded as cp1252.
_FOREIGN_LETTERS = re.compile(r"[^\W\d_A-Za-z]{3}")
#: UTF-8 encodings of "é", "«", "’"...: a file (or line) that holds UTF-8.
_UTF8_SEQUENCE = re.compile(rb"[\xc3\xc5][\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x80[\x90-\xbf]")
#: UTF-8 read as an 8-bit codec: "é" as "Ã©" (cp1252, latin-1), "ÃĐ" (iso8859_10), "Ă©"
#: (cp1250); "É" as "Ã‰"; "’" as "â€™"; "œ" as "Å“". "Ã" before a letter ("JOÃO") is not.
MOJIBAKE = re.compile(
    "[ÂÃ][\u0080-\u00bf\u0100-\u017f\u2013-\u203a\u20ac\u2122\u02c6\u02dc\u0192]|[ĂÅ][\u0080-\u00bf\u2018-\u201e]|â€"
)
#: Where the header line starts: the first character that is not blank, a quote or a delimiter.
_CONTENT = re.compile(r"[^\s\"\ufeff;,\t|]")

# csv cells up to a whole record: a longer cell is found by ``_row_problem``, row by row,
# instead of csv.Error stopping the file (the limit is process-wide; raising it harms nobody).
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS + 1))

#: Why a row is bad (reason codes in ``transforms.reasons``).
NUL_BYTE, CELL_TOO_LONG, OPEN_QUOTE = "nul_byte", "cell_too_long", "unclosed_quote"
UNDECODABLE, GARBLED, BROKEN = "undecodable_text", "garbled_text", "broken_row"


class FileFormatError(RollcallError):
    """A file we cannot read at all; the message names the file and says what to do."""


@dataclass(frozen=True)
class TableRow:
    """One non-blank data row: ``number`` as a person finds it in the file, cells verbatim.

    A bad row has a ``problem`` (a reason code) and, for CSV, its physical ``line``; its
    ``values`` are the cells as far as they could be read, with ``UNREADABLE`` set to the
    problem, so it lands raw and is quarantined with that reason."""

    number: int
    values: dict[str, str]
    problem: str | None = None
    line: int | None = None

    @property
    def locator(self) -> str:
        return f"row {self.number}" + (f" (line {self.line})" if self.line else "")


@dataclass(frozen=True)
class _Record:
    """A csv record or worksheet row: its cells, and why it cannot be trusted, if so."""

    number: int
    cells: list[str]
    problem: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ReadPoint:
    """Where a read of a text export ended: after its last byte (``offset``), a line break
    that ends a record, with ``records`` csv records, ``lines`` physical lines and ``rows``
    data rows before it. Rows appended to that very file later read from here
    (``TableFile.rows(after=...)``) exactly as a read of the whole longer file reads them:
    numbered on, and with nothing before them read differently.

    Only a read that leaves nothing open gives one (``_Tally.read_point``): the file ends
    with a line feed, and no record was a quote left open (such a record swallows the lines
    after it, so lines appended later could change where it ends)."""

    offset: int
    records: int
    lines: int
    rows: int


@dataclass
class _Tally:
    """How far a text export has been read, kept up to date by its readers."""

    offset: int = 0
    records: int = 0
    lines: int = 0
    rows: int = 0
    ends_with_line_feed: bool = False
    run_on: bool = False  # a quote was left open somewhere
    at_end: bool = False

    @classmethod
    def at(cls, point: ReadPoint | None) -> _Tally:
        if point is None:
            return cls()
        return cls(point.offset, point.records, point.lines, point.rows, ends_with_line_feed=True)

    def read_point(self) -> ReadPoint | None:
        if not self.at_end or self.run_on or not self.ends_with_line_feed:
            return None
        return ReadPoint(self.offset, self.records, self.lines, self.rows)


@dataclass
class TableFile:
    """An opened export: its columns and how it is read. ``rows()`` re-reads it on each call.
    ``end``: where the last ``rows()`` of a text export that read to the end stopped, when
    rows appended later can be read from there alone (``ReadPoint``)."""

    path: Path
    headers: list[str]
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    end: ReadPoint | None = None

    def rows(self, after: ReadPoint | None = None) -> Iterator[TableRow]:
        """Stream the data rows; blank rows are skipped, ``number`` still counts them.
        ``after``: a text export's rows after that point only (the ``end`` of an earlier
        read of the file when it was shorter), numbered as in a read of the whole file."""
        try:
            yield from self._rows(after)
        except OSError as error:  # the file went away or the disk failed while it was read
            raise _os_error(self.path, error) from None

    def _rows(self, after: ReadPoint | None) -> Iterator[TableRow]:
        self.end = None
        if self.path.suffix.lower() in XLSX_SUFFIXES:
            if after is not None:
                raise ValueError("a workbook is read whole")
            with _open_sheet(self.path, self.sheet) as worksheet:
                yield from _table_rows(self.path, _sheet_records(self.path, worksheet), self.headers)
            return
        assert self.encoding is not None and self.delimiter is not None
        if after is not None and not _ascii_compatible(self.encoding):
            raise ValueError("a UTF-16 or UTF-32 export is read whole")
        tally = _Tally.at(after)
        records = _csv_records(self.path, self.encoding, self.delimiter, width=len(self.headers), tally=tally)
        yield from _table_rows(self.path, records, self.headers, tally)
        self.end = tally.read_point()


def open_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> TableFile:
    """Open a CSV/TSV/TXT or XLSX export and read its header.

    ``encoding`` and ``delimiter`` apply to text files and skip detection; ``sheet`` applies to
    workbooks (default: the first worksheet). Options that do not apply are ignored.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in XLSX_SUFFIXES | CSV_SUFFIXES:
        known = ", ".join(sorted(CSV_SUFFIXES | XLSX_SUFFIXES))
        what = f"{suffix!r} files" if suffix else "files without a suffix"
        raise FileFormatError(f"{path}: cannot read {what}; export it as one of {known}")
    check_regular_file(path)
    try:
        if suffix in XLSX_SUFFIXES:
            return _open_xlsx(path, sheet)
        return _open_csv(path, encoding, delimiter)
    except OSError as error:
        raise _os_error(path, error) from None


def check_regular_file(path: Path) -> None:
    """Refuse at once what is not a regular file: reading ``/dev/zero`` or a pipe never ends,
    and would hold the campaign's sync lock meanwhile."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise _os_error(path, error) from None
    if stat.S_ISDIR(mode):
        raise FileFormatError(
            f"{path} is a folder, not a file; set `path` in the source config to the export file itself"
        )
    if not stat.S_ISREG(mode):
        raise FileFormatError(
            f"{path} is not a regular file (a device, a pipe or a socket); set `path` "
            "in the source config to a saved export file"
        )


def _os_error(path: Path, error: OSError) -> FileFormatError:
    """An OS error as a sentence that names the file and what to do."""
    if isinstance(error, FileNotFoundError):
        return FileFormatError(f"{path}: file not found; put the export there or fix `path` in the source config")
    if isinstance(error, PermissionError):
        return FileFormatError(f"{path}: permission denied; let the user running rollcall read it")
    if isinstance(error, IsADirectoryError):
        return FileFormatError(f"{path} is a folder, not a file; set `path` to the export file itself")
    return FileFormatError(f"{path}: cannot be read ({error.strerror or error}); check the file and the disk")


@dataclass(frozen=True)
class Fingerprints:
    """A file's SHA-256 and size, and the SHA-256 of its first ``head_size`` bytes (None when
    it is shorter): whether it begins with a file seen before, whose size that was.
    ``identity``: the file's inode, size and modification time before it was read."""

    whole: str
    size: int
    head: str | None = None
    identity: tuple[int, int, int] = (0, 0, 0)

    def still(self, path: Path) -> bool:
        """Whether the file is still the one fingerprinted: not replaced, written or grown
        since (a staff member saving a new export while the sync reads it)."""
        try:
            return _identity(path) == self.identity
        except OSError:
            return False


def _identity(path: Path) -> tuple[int, int, int]:
    found = os.stat(path)
    return found.st_ino, found.st_size, found.st_mtime_ns


def file_fingerprints(path: Path, head_size: int | None = None) -> Fingerprints:
    """``Fingerprints`` of the file, in one reading of it."""
    path = Path(path)
    check_regular_file(path)
    digest, head, size = hashlib.sha256(), None, 0
    try:
        identity = _identity(path)
        for offset, chunk in _chunks(path):
            if head_size is not None and head is None and offset < head_size <= offset + len(chunk):
                partial = digest.copy()
                partial.update(chunk[: head_size - offset])
                head = partial.hexdigest()
            digest.update(chunk)
            size = offset + len(chunk)
    except OSError as error:
        raise _os_error(path, error) from None
    return Fingerprints(digest.hexdigest(), size, head, identity)


# --- rows shared by both formats -------------------------------------------------------------


def _is_blank(cells: list[str]) -> bool:
    if cells and cells[0].strip():  # nearly every row: answered without a generator
        return False
    return all(not cell.strip() for cell in cells)


def _name_columns(raw: list[str]) -> list[str]:
    """Strip names, name blanks ``column_<n>`` and number repeats: Email, Email (2), Email (3)."""
    names: list[str] = []
    for position, cell in enumerate(raw, start=1):
        base = cell.strip().strip("\ufeff").strip() or f"column_{position}"
        name, repeat = base, 1
        while name in names:
            repeat += 1
            name = f"{base} ({repeat})"
        names.append(name)
    return names


def _headers(path: Path, records: Generator[_Record], where: str = "") -> list[str]:
    """The header is the first non-blank row; blank cells at its end are dropped."""
    with closing(records):
        for record in records:
            cells = record.cells
            if not _is_blank(cells) or record.problem:
                if record.problem:
                    raise FileFormatError(
                        f"{path}{where}: its header row cannot be read "
                        f"({_PROBLEM_TEXT[record.problem]}); fix the first line of the file"
                    )
                while not cells[-1].strip():
                    cells = cells[:-1]
                if any(MOJIBAKE.search(cell) for cell in cells):
                    raise FileFormatError(
                        f"{path}{where}: its header is garbled ({', '.join(cells)[:120]}): the "
                        "file is read in the wrong encoding; remove `encoding` from the source "
                        'config, or save the file again as "CSV UTF-8"'
                    )
                return _name_columns(cells)
    raise FileFormatError(f"{path}{where} is empty (no header row)")


_PROBLEM_TEXT = {
    NUL_BYTE: "it holds a NUL byte",
    CELL_TOO_LONG: f"a cell is longer than {MAX_CELL_CHARS:,} characters",
    OPEN_QUOTE: "a quote is left open",
    UNDECODABLE: "its text does not decode",
    BROKEN: "it cannot be split into cells",
    GARBLED: 'its text is garbled (mojibake such as "Ã©")',
}


def _row_problem(cells: list[str]) -> str | None:
    """Why a row read without error still cannot be trusted (one pass over the joined cells:
    the separator is in no pattern, so nothing matches across two cells)."""
    joined = "\x1f".join(cells)
    if "\x00" in joined:
        return NUL_BYTE
    if len(joined) > MAX_CELL_CHARS and any(len(cell) > MAX_CELL_CHARS for cell in cells):
        return CELL_TOO_LONG
    if MOJIBAKE.search(joined):
        return GARBLED
    return None


def _table_rows(
    path: Path, records: Generator[_Record], headers: list[str], tally: _Tally | None = None
) -> Iterator[TableRow]:
    """Pair the cells of each non-blank row after the header with the header names.
    With a ``tally`` that does not start the file, ``records`` start after the header.

    Missing cells are ""; cells beyond the header go to ``column_<n>`` unless blank (trailing
    separators and formatted empty cells are common and carry nothing). A bad row keeps what
    could be read of it (NUL bytes, which no database stores, as U+FFFD) and says why.
    """
    width = len(headers)
    extra_names: list[str] = []
    rows = tally.rows if tally is not None else 0
    after_header = tally is not None and tally.offset > 0  # read on from a ReadPoint
    with closing(records):
        data = (record for record in records if record.problem or not _is_blank(record.cells))
        if not after_header:
            next(data, None)  # the header
        for record in data:
            rows += 1
            if tally is not None:
                tally.rows = rows
            if rows > MAX_ROWS:
                raise FileFormatError(
                    f"{path}: more than {MAX_ROWS:,} rows, over rollcall's limit; "
                    "split the export into smaller files (one source each)"
                )
            cells = record.cells
            problem = record.problem or _row_problem(cells)
            if problem:
                cells = [cell.replace("\x00", "\ufffd") for cell in cells]
            values = dict(zip(headers, cells + [""] * (width - len(cells))))
            if len(cells) > width:  # cells past the header are rare: most rows skip this
                if len(cells) > width + len(extra_names):
                    extra_names = _name_columns(headers + [""] * (len(cells) - width))[width:]
                values.update((name, cell) for name, cell in zip(extra_names, cells[width:]) if cell.strip())
            if problem:
                values[UNREADABLE] = problem
            yield TableRow(record.number, values, problem, record.line if problem else None)


# --- CSV ------------------------------------------------------------------------------------------


def _open_csv(path: Path, encoding: str | None, delimiter: str | None) -> TableFile:
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty")
    encoding = _checked_encoding(path, encoding) if encoding else _detect_encoding(path)
    delimiter = _checked_delimiter(path, delimiter) if delimiter else _detect_delimiter(path, encoding)
    headers = _headers(path, _csv_records(path, encoding, delimiter, width=None))
    log.debug("%s: encoding %s, delimiter %r, %d columns", path, encoding, delimiter, len(headers))
    return TableFile(path, headers, encoding, delimiter, None)


class _RunOn(Exception):
    """A record runs past ``MAX_RECORD_CHARS``: a quote left open (or a line without end)."""


class _Lines:
    """Decoded physical lines for csv.reader, one record at a time, with the lines a bad
    record took handed back to be read again."""

    def __init__(self, lines: Iterator[tuple[str, str | None, bool]]) -> None:
        self._source = lines
        self._pending: deque[tuple[str, str | None, bool]] = deque()
        self.taken: list[tuple[str, str | None, bool]] = []
        self.exhausted = False
        self._size = 0

    def start(self) -> None:
        self.taken, self._size = [], 0

    def give_back(self, lines: list[tuple[str, str | None, bool]]) -> None:
        self._pending.extendleft(reversed(lines))

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            try:
                item = next(self._source)
            except StopIteration:
                self.exhausted = True
                raise
        self.taken.append(item)
        text, _, cut = item
        self._size += len(text)
        if cut or self._size > MAX_RECORD_CHARS:
            raise _RunOn
        return text


def _csv_records(
    path: Path, encoding: str, delimiter: str, width: int | None, tally: _Tally | None = None
) -> Generator[_Record]:
    """Stream csv records numbered from 1. A record that cannot be read is a bad record, and
    reading goes on: one line whose quote is never closed costs that line only. A ``tally``
    starts the reading where it says (``ReadPoint``), and follows it."""
    tally = tally if tally is not None else _Tally()
    lines = _Lines(_decoded_lines(path, encoding, tally))
    number, line = tally.records, tally.lines
    while True:
        lines.start()
        bad: str | None = None
        try:
            cells = next(csv.reader(lines, delimiter=delimiter))
        except StopIteration:
            tally.at_end = True
            return
        except _RunOn:
            bad = OPEN_QUOTE if len(lines.taken) > 1 else CELL_TOO_LONG
        except csv.Error:  # a bare carriage return in an unquoted cell, ...
            bad = OPEN_QUOTE if len(lines.taken) > 1 else BROKEN
        taken = lines.taken
        if bad is None and _runs_on(taken, cells, width, lines.exhausted, delimiter):
            bad = OPEN_QUOTE
        if bad is not None and len(taken) > 1:  # only the first line is lost; read the rest again
            lines.give_back(taken[1:])
            taken = taken[:1]
        if bad is not None:
            cells = _cells_of_line(taken[0][0], delimiter)
        number += 1
        problem = bad or next((p for _, p, _ in taken if p), None)
        tally.run_on = tally.run_on or bad == OPEN_QUOTE
        yield _Record(number, cells, problem, line + 1)
        line += len(taken)
        tally.records, tally.lines = number, line


def _runs_on(
    taken: list[tuple[str, str | None, bool]], cells: list[str], width: int | None, at_end: bool, delimiter: str
) -> bool:
    """A record that is really a quote left open: it swallowed the end of the file with an
    odd number of quotes, or took several lines and holds more cells than the header (rows
    merged) or quoting a spreadsheet never writes (strict csv refuses it)."""
    if at_end and sum(text.count('"') for text, _, _ in taken) % 2:
        return True
    if len(taken) == 1:
        return False
    if width is not None and len(cells) > width:
        return True
    try:  # the quote that ended it opened a cell: text follows it ("Max;"a ""b""")
        next(csv.reader(["".join(text for text, _, _ in taken)], delimiter=delimiter, strict=True))
    except csv.Error:
        return True
    return False


def _cells_of_line(text: str, delimiter: str) -> list[str]:
    """What can be read of one line on its own (a bad record's raw cells)."""
    try:
        return next(csv.reader([text[:MAX_RECORD_CHARS]], delimiter=delimiter), [])
    except csv.Error:  # a stray line break: split on the delimiter, keeping the cells raw
        return text[:MAX_RECORD_CHARS].rstrip("\r\n").split(delimiter)


def _decoded_lines(path: Path, encoding: str, tally: _Tally) -> Iterator[tuple[str, str | None, bool]]:
    """``(text, problem, cut)`` per physical line. UTF-16/32 files decode as a whole (a byte
    that does not decode fails the file); 8-bit and UTF-8 files line by line, so a line that
    does not decode is one bad row (UTF-8 lines may be cp1252, see the module docstring),
    and they can be read from a byte offset on (``tally``)."""
    if _ascii_compatible(encoding):
        yield from _byte_lines_decoded(path, encoding, tally)
        return
    with path.open(encoding=encoding, newline="") as handle:
        number = 0
        try:
            while text := handle.readline(MAX_RECORD_CHARS + 1):
                number += 1
                cut = len(text) > MAX_RECORD_CHARS
                if cut:
                    while (more := handle.readline(_CHUNK_BYTES)) and not more.endswith(("\n", "\r")):
                        pass
                yield text[:MAX_RECORD_CHARS], NUL_BYTE if "\x00" in text else None, cut
        except UnicodeDecodeError as error:
            raise _wrong_encoding(path, encoding, f"after line {number}", error) from error


def _ascii_compatible(encoding: str) -> bool:
    return not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _byte_lines_decoded(path: Path, encoding: str, tally: _Tally) -> Iterator[tuple[str, str | None, bool]]:
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    first = not tally.offset
    for raw, cut in _byte_lines(path, tally):
        if first and encoding == "utf-8-sig":
            raw = raw.removeprefix(codecs.BOM_UTF8)
        first = False
        text, problem = _decode_line(raw, encoding, utf8)
        yield text, problem, cut


def _decode_line(raw: bytes, encoding: str, utf8: bool) -> tuple[str, str | None]:
    """One line's text and its problem. A UTF-8 line that does not decode is read as cp1252
    when it plausibly is (no UTF-8 sequence in it, no run of foreign letters)."""
    try:
        text = raw.decode("utf-8" if utf8 else encoding)
    except UnicodeDecodeError:
        text = ""
        if utf8 and not _UTF8_SEQUENCE.search(raw):
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                text = ""
            if text and _FOREIGN_LETTERS.search(text):
                text = ""
        if not text:
            return raw.decode(encoding if not utf8 else "utf-8", errors="replace"), UNDECODABLE
    return text, NUL_BYTE if "\x00" in text else None


def _byte_lines(path: Path, tally: _Tally) -> Iterator[tuple[bytes, bool]]:
    """Physical lines as bytes with their line break, at most ``MAX_RECORD_CHARS`` bytes each
    (``cut``: the rest of a longer line is skipped), from ``tally.offset`` on, which they
    move on. Lines end at LF, or at CR in a file without any LF (old Mac Excel)."""
    with path.open("rb") as handle:
        head = handle.read(_DETECT_BYTES)
    newline = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
    limit = MAX_RECORD_CHARS
    pending = b""
    skipping = False
    for offset, chunk in _chunks(path, tally.offset):
        tally.offset = offset + len(chunk)
        tally.ends_with_line_feed = chunk.endswith(b"\n")
        parts = (pending + chunk).split(newline)
        pending = parts.pop()
        for part in parts:
            if skipping:
                skipping = False
                continue
            for line in _lone_cr_split(part + newline):
                yield (line[:limit], True) if len(line) > limit else (line, False)
        if len(pending) > limit:
            if not skipping:
                yield pending[:limit], True
            skipping, pending = True, b""
    if pending and not skipping:
        for line in _lone_cr_split(pending):
            yield (line[:limit], True) if len(line) > limit else (line, False)


_LONE_CR = re.compile(rb"(?<=\r)(?!\n)(?=.)", re.DOTALL)


def _lone_cr_split(line: bytes) -> list[bytes]:
    """A CR not followed by LF ends a line too, as in Python's universal newlines (and Excel):
    the same records as csv reading the file opened with ``newline=""``."""
    cr = line.find(b"\r")
    if cr == -1 or cr == len(line) - 1 or (cr == len(line) - 2 and line.endswith(b"\r\n")):
        return [line]
    return _LONE_CR.split(line)


def _wrong_encoding(path: Path, encoding: str, where: str, error: UnicodeDecodeError) -> FileFormatError:
    return FileFormatError(
        f"{path}: not valid {encoding} {where} ({error.reason}); "
        "remove `encoding` from the source config to let rollcall detect it, "
        'or save the file again as "CSV UTF-8"'
    )


def _checked_encoding(path: Path, encoding: str) -> str:
    codec = plausible_encoding(encoding)
    if codec is None:
        raise FileFormatError(
            f"{path}: encoding {encoding!r} is not one rollcall reads; set `encoding` "
            f"in the source config to one of {', '.join(TEXT_ENCODINGS)}, or remove it "
            "to let rollcall detect it"
        )
    return "utf-8-sig" if codec == "utf-8" else encoding


def _checked_delimiter(path: Path, delimiter: str) -> str:
    if len(delimiter) != 1:
        raise FileFormatError(
            f"{path}: delimiter must be one character, not {delimiter!r}; "
            'set `delimiter = ";"` (or "," "\\t" "|") in the source config'
        )
    return delimiter


# --- encoding detection ------------------------------------------------------------------------


def _chunks(path: Path, start: int = 0) -> Iterator[tuple[int, bytes]]:
    offset = start
    with path.open("rb") as handle:
        handle.seek(start)
        while chunk := handle.read(_CHUNK_BYTES):
            yield offset, chunk
            offset += len(chunk)


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(_DETECT_BYTES)
    marked = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if marked:
        if marked != "utf-8-sig":
            bad = _first_undecodable(path, marked)
            if bad is not None:
                raise _encoding_error(path, f"starts with a {marked} byte-order mark but byte {bad} is not {marked}")
        return marked
    if head.count(0) > len(head) // 8:
        order = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        raise _encoding_error(
            path, "it is full of NUL bytes: UTF-16 without a byte-order mark, or not a text file", order
        )
    bad = _first_undecodable(path, "utf-8")
    if bad is None or _holds_utf8(path):
        return "utf-8"
    if not _western(path, bad):
        raise _encoding_error(path, f"not UTF-8 (byte {bad}) and not Western European text")
    return "cp1252"


def _first_undecodable(path: Path, encoding: str) -> int | None:
    """Byte offset of the first byte ``encoding`` rejects, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        for _offset, chunk in _chunks(path):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return offset + error.start
    return None


def _western(path: Path, bad: int) -> bool:
    """Whether the megabyte around the first non-UTF-8 byte can be Western European text."""
    with path.open("rb") as handle:
        handle.seek(max(0, bad - _DETECT_BYTES // 2))
        sample = handle.read(_DETECT_BYTES)
    matches = from_bytes(sample)
    if matches.best() is None:
        return False
    western = any(_WESTERN & {match.encoding, *match.could_be_from_charset} for match in matches)
    return western and not _FOREIGN_LETTERS.search(sample.decode("cp1252", errors="replace"))


def _holds_utf8(path: Path) -> bool:
    return any(_UTF8_SEQUENCE.search(chunk) for _, chunk in _chunks(path))


def _encoding_error(path: Path, problem: str, suggestion: str | None = None) -> FileFormatError:
    """Never a guessed 8-bit codec as advice: following a wrong one garbles every name."""
    if suggestion:
        advice = (
            f'Set `encoding = "{suggestion}"` in the source config if it is UTF-16, or save it again as "CSV UTF-8"'
        )
    else:
        advice = 'Save it again from Excel as "CSV UTF-8" (rollcall reads UTF-8, UTF-16 and Western European text only)'
    return FileFormatError(f"{path}: cannot tell its text encoding: {problem}. {advice}.")


# --- delimiter detection ----------------------------------------------------------------------


def _detect_delimiter(path: Path, encoding: str) -> str:
    text, truncated = _text_sample(path, encoding)
    found = _CONTENT.search(text)
    if found is None:
        raise FileFormatError(f"{path} is empty")
    text = text[max(text.rfind("\n", 0, found.start()), text.rfind("\r", 0, found.start())) + 1 :]
    in_header = {d: n for d, n in _count_outside_quotes(text, first_record_only=True).items() if n}
    if not in_header:
        return _single_column_delimiter(path, text)
    sniffed = _sniff(text)
    leaders = [d for d, n in in_header.items() if n == max(in_header.values())]
    if len(leaders) == 1 and sniffed in (None, leaders[0]):
        return leaders[0]
    considered = set(in_header) | ({sniffed} if sniffed else set())
    agreeing = [d for d in DELIMITERS if d in considered and _splits_evenly(text, d, truncated)]
    if len(agreeing) > 1:
        agreeing = [d for d in agreeing if d in leaders]
    if len(agreeing) == 1:
        return agreeing[0]
    counts = ", ".join(f"{d!r} x{n}" for d, n in in_header.items())
    raise FileFormatError(
        f"{path}: cannot tell the delimiter (header has {counts}; "
        f'csv.Sniffer says {sniffed!r}); set `delimiter = ";"` (or the right one) '
        "in the source config"
    )


def _text_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The first characters of the file, and whether there are more."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:  # lines are checked later
        text = handle.read(_SAMPLE_CHARS)
        return text, bool(handle.read(1))


def _count_outside_quotes(text: str, *, first_record_only: bool) -> dict[str, int]:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in counts:
            counts[char] += 1
        elif char in "\r\n" and first_record_only:
            break
    return counts


def _single_column_delimiter(path: Path, text: str) -> str:
    """A header without candidates is one column: parse with a delimiter the rows never use."""
    counts = _count_outside_quotes(text, first_record_only=False)
    unused = next((d for d in DELIMITERS if not counts[d]), None)
    if unused is None:
        raise FileFormatError(
            f"{path}: the header is a single column but the rows use every usual "
            'delimiter; set `delimiter = ";"` (or the right one) in the source config'
        )
    return unused


def _sniff(text: str) -> str | None:
    try:
        return csv.Sniffer().sniff(text, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return None


def _splits_evenly(text: str, delimiter: str, truncated: bool) -> bool:
    """Whether ``delimiter`` splits the header into 2+ fields and every sampled row into as many."""
    records = [cells for cells in csv.reader(io.StringIO(text), delimiter=delimiter) if not _is_blank(cells)]
    if truncated:
        records = records[:-1]
    if not records or len(records[0]) < 2:
        return False
    return all(len(cells) == len(records[0]) for cells in records)


# --- XLSX -------------------------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | None) -> TableFile:
    with _open_sheet(path, sheet) as worksheet:
        title = worksheet.title
        headers = _headers(path, _sheet_records(path, worksheet), f" (sheet {title!r})")
    log.debug("%s: sheet %r, %d columns", path, title, len(headers))
    return TableFile(path, headers, None, None, title)


def _unreadable_workbook(path: Path, error: BaseException) -> FileFormatError:
    kind = type(error).__name__
    return FileFormatError(
        f"{path}: not a readable .xlsx workbook ({kind}: {str(error)[:200]}); "
        "password-protected, damaged, or an .xls renamed? Open it in Excel and save it "
        "again as .xlsx or as CSV UTF-8"
    )


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than ``MAX_XLSX_UNPACKED_BYTES`` before openpyxl
    reads it: zipfile stops at each part's declared size, so the declared sizes are the cost."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (BadZipFile, ValueError, EOFError) as error:
        raise _unreadable_workbook(path, error) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileFormatError(
            f"{path}: unpacks to {unpacked / 2**20:,.0f} MB, over rollcall's "
            f"{MAX_XLSX_UNPACKED_BYTES >> 20} MB limit for a workbook (damaged or hostile?); "
            "export it as CSV UTF-8 instead"
        )


@contextmanager
def _open_sheet(path: Path, sheet: str | None) -> Iterator[ReadOnlyWorksheet]:
    """Open the workbook read-only with cached formula values; always close it. Whatever
    goes wrong inside openpyxl (XML with a DTD, a missing part, a bad number) names the file."""
    _check_unpacked_size(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as error:
        raise _os_error(path, error) from None
    except Exception as error:  # openpyxl raises whatever its XML and zip readers raise
        raise _unreadable_workbook(path, error) from None
    try:
        worksheets = {worksheet.title: worksheet for worksheet in workbook.worksheets}
        if not worksheets:
            raise FileFormatError(f"{path} is empty (no worksheet)")
        if sheet is not None and sheet not in worksheets:
            titles = ", ".join(repr(title) for title in worksheets)
            raise FileFormatError(
                f"{path}: no sheet {sheet!r}; its sheets are {titles}. "
                'Set `sheet = "..."` in the source config to one of them'
            )
        yield worksheets[sheet] if sheet is not None else workbook.worksheets[0]
    finally:
        workbook.close()


def _sheet_records(path: Path, worksheet: ReadOnlyWorksheet) -> Generator[_Record]:
    """Rows as text, numbered as Excel numbers them. The stored sheet size is ignored because
    some exporters write a wrong one, which would cut columns off."""
    worksheet.reset_dimensions()
    # openpyxl's stubs type iter_rows for Worksheet only; ReadOnlyWorksheet has the same method.
    rows = worksheet.iter_rows(values_only=True)  # type: ignore[misc]
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except FileFormatError:
            raise
        except Exception as error:  # the sheet's XML, read as it streams
            raise _unreadable_workbook(path, error) from None
        number += 1
        yield _Record(number, [_cell_text(value) for value in cells])


def _cell_text(value: object) -> str:
    """A cell as text: phones typed as numbers lose the ".0", dates are ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, time)):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
