"""Read spreadsheet exports (CSV, TSV, Excel "Unicode text", XLSX) as rows of text.

I/O only: every cell comes back as the text a person would see, keyed by its header; what a
cell means is for ``transforms``. A file we cannot read with confidence raises
``FileFormatError`` naming the file and the setting to add to the source config: a wrong guess
would turn "Hélène" into "HÃ©lÃ¨ne" or merge two columns without anyone noticing.

Encoding, when the config does not set one:
  1. a byte-order mark decides (UTF-8, UTF-16, UTF-32) and the whole file must then decode;
  2. else the whole file, streamed, must be strict UTF-8;
  3. else it is read as cp1252 (what Windows Excel writes in France) only if charset_normalizer
     finds a Western encoding (cp1252, latin_1, iso8859_15) plausible for the megabyte around
     the first non-UTF-8 byte, that text shows no run of three non-ASCII letters (Cyrillic or
     Greek read as cp1252), the whole file decodes in cp1252 and it holds no UTF-8 sequences
     (two exports pasted together).
  Anything else raises. charset_normalizer's ranking is not used: on real French exports its
  first guess is often cp1250, cp775 or iso8859_13, whose letters differ from cp1252's. Known
  blind spot: Polish (cp1250) or Turkish (cp1254) text can pass as cp1252.

Delimiter, when the config does not set one: the candidates ``; , TAB |`` are counted outside
quotes in the header line. The most frequent one wins if it is the only one or ``csv.Sniffer``
agrees; otherwise the one that splits every sampled row into as many fields as the header does
(the most frequent in the header if several do); otherwise the file is refused. None present
means a single column.

Row numbers: XLSX rows carry the worksheet row number. CSV rows carry the csv record number
(header record = 1), which is the row Excel shows when it opens the file, even when a quoted
cell spans several lines.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zipfile import BadZipFile

import openpyxl
from charset_normalizer import from_bytes
from openpyxl.utils.exceptions import InvalidFileException

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

log = logging.getLogger(__name__)

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
DELIMITERS = (";", ",", "\t", "|")

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
#: UTF-8 encodings of "é", "«", "’"...: a file that mixes UTF-8 with cp1252.
_UTF8_SEQUENCE = re.compile(rb"\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x80[\x90-\xbf]")
#: Where the header line starts: the first character that is not blank, a quote or a delimiter.
_CONTENT = re.compile(r"[^\s\"\ufeff;,\t|]")

Record = tuple[int, list[str]]


class FileFormatError(Exception):
    """A file we cannot read with confidence; the message names the file and says what to set in config."""


@dataclass(frozen=True)
class TableRow:
    """One non-blank data row: ``number`` as a person finds it in the file, cells verbatim."""

    number: int
    values: dict[str, str]


@dataclass
class TableFile:
    """An opened export: its columns and how it is read. ``rows()`` re-reads it on each call."""

    path: Path
    headers: list[str]
    encoding: str | None
    delimiter: str | None
    sheet: str | None

    def rows(self) -> Iterator[TableRow]:
        """Stream the data rows; blank rows are skipped, ``number`` still counts them."""
        if self.path.suffix.lower() in XLSX_SUFFIXES:
            with _open_sheet(self.path, self.sheet) as worksheet:
                yield from _table_rows(_sheet_records(worksheet), self.headers)
        else:
            assert self.encoding is not None and self.delimiter is not None
            yield from _table_rows(_csv_records(self.path, self.encoding, self.delimiter), self.headers)


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
    if suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, sheet)
    if suffix in CSV_SUFFIXES:
        return _open_csv(path, encoding, delimiter)
    known = ", ".join(sorted(CSV_SUFFIXES | XLSX_SUFFIXES))
    what = f"{suffix!r} files" if suffix else "files without a suffix"
    raise FileFormatError(f"{path}: cannot read {what}; export it as one of {known}")


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes, read in chunks: the same export imported twice is seen as such."""
    digest = hashlib.sha256()
    for _, chunk in _chunks(Path(path)):
        digest.update(chunk)
    return digest.hexdigest()


# --- rows shared by both formats -------------------------------------------------------------


def _is_blank(cells: list[str]) -> bool:
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


def _headers(path: Path, records: Iterator[Record], where: str = "") -> list[str]:
    """The header is the first non-blank row; blank cells at its end are dropped."""
    with closing(records):
        for _, cells in records:
            if not _is_blank(cells):
                while not cells[-1].strip():
                    cells = cells[:-1]
                return _name_columns(cells)
    raise FileFormatError(f"{path}{where} is empty (no header row)")


def _table_rows(records: Iterator[Record], headers: list[str]) -> Iterator[TableRow]:
    """Pair the cells of each non-blank row after the header with the header names.

    Missing cells are ""; cells beyond the header go to ``column_<n>`` unless blank (trailing
    separators and formatted empty cells are common and carry nothing).
    """
    width = len(headers)
    extra_names: list[str] = []
    with closing(records):
        data = (record for record in records if not _is_blank(record[1]))
        next(data, None)  # the header
        for number, cells in data:
            values = dict(zip(headers, cells + [""] * (width - len(cells))))
            if len(cells) > width + len(extra_names):
                extra_names = _name_columns(headers + [""] * (len(cells) - width))[width:]
            values.update((name, cell) for name, cell in zip(extra_names, cells[width:]) if cell.strip())
            yield TableRow(number, values)


# --- CSV ------------------------------------------------------------------------------------------


def _open_csv(path: Path, encoding: str | None, delimiter: str | None) -> TableFile:
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty")
    encoding = _checked_encoding(path, encoding) if encoding else _detect_encoding(path)
    delimiter = _checked_delimiter(path, delimiter) if delimiter else _detect_delimiter(path, encoding)
    headers = _headers(path, _csv_records(path, encoding, delimiter))
    log.debug("%s: encoding %s, delimiter %r, %d columns", path, encoding, delimiter, len(headers))
    return TableFile(path, headers, encoding, delimiter, None)


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[Record]:
    """Stream csv records numbered from 1; decoding or quoting failures name the record."""
    number = 0
    with path.open(encoding=encoding, newline="") as handle:
        try:
            for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                yield number, cells
        except UnicodeDecodeError as error:
            raise _wrong_encoding(path, encoding, f"after record {number}", error) from error
        except csv.Error as error:
            raise FileFormatError(f"{path}: cannot parse record {number + 1} ({error}); "
                                  "look for an unclosed quote or a very long cell") from error


def _wrong_encoding(path: Path, encoding: str, where: str, error: UnicodeDecodeError) -> FileFormatError:
    return FileFormatError(f"{path}: not valid {encoding} {where} ({error.reason}); "
                           'set `encoding = "..."` in the source config to the right one')


def _checked_encoding(path: Path, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise FileFormatError(f'{path}: unknown encoding {encoding!r}; set `encoding = "..."` in the '
                              'source config to a Python codec name such as "cp1252" or "utf-8"') from None
    return "utf-8-sig" if codec == "utf-8" else encoding


def _checked_delimiter(path: Path, delimiter: str) -> str:
    if len(delimiter) != 1:
        raise FileFormatError(f'{path}: delimiter must be one character, not {delimiter!r}; '
                              'set `delimiter = ";"` (or "," "\\t" "|") in the source config')
    return delimiter


# --- encoding detection ------------------------------------------------------------------------


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield offset, chunk
            offset += len(chunk)


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    marked = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if marked:
        bad = _first_undecodable(path, marked, text_bytes=False)
        if bad is not None:
            raise _encoding_error(path, f"starts with a {marked} byte-order mark but byte {bad} is not {marked}")
        return marked
    bad = _first_undecodable(path, "utf-8", text_bytes=True)
    if bad is None:
        return "utf-8"
    western, guess = _western_guess(path, bad)
    if not western:
        raise _encoding_error(path, f"not UTF-8 (byte {bad}) and not Western European text "
                                    f"(best guess: {guess or 'none'})", guess)
    if _first_undecodable(path, "cp1252", text_bytes=True) is not None or _mixes_utf8(path):
        raise _encoding_error(path, f"not UTF-8 (byte {bad}) and not cp1252 throughout "
                                    "(possibly two exports pasted together)")
    return "cp1252"


def _first_undecodable(path: Path, encoding: str, *, text_bytes: bool) -> int | None:
    """Byte offset of the first byte ``encoding`` rejects, or None when the whole file decodes.

    ``text_bytes``: NUL bytes are an error (UTF-16 without byte-order mark, or not text at all).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        for offset, chunk in _chunks(path):
            if text_bytes and b"\x00" in chunk:
                raise _encoding_error(path, "contains NUL bytes: UTF-16 without a byte-order mark, "
                                            "or not a text file", "utf-16-le")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return offset + error.start
    return None


def _western_guess(path: Path, bad: int) -> tuple[bool, str | None]:
    """Whether the megabyte around the first non-UTF-8 byte can be Western European text,
    and charset_normalizer's best guess for it (None if it has none)."""
    with path.open("rb") as handle:
        handle.seek(max(0, bad - _DETECT_BYTES // 2))
        sample = handle.read(_DETECT_BYTES)
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return False, None
    western = any(_WESTERN & {match.encoding, *match.could_be_from_charset} for match in matches)
    readable = not _FOREIGN_LETTERS.search(sample.decode("cp1252", errors="replace"))
    return western and readable, best.encoding


def _mixes_utf8(path: Path) -> bool:
    return any(_UTF8_SEQUENCE.search(chunk) for _, chunk in _chunks(path))


def _encoding_error(path: Path, problem: str, suggestion: str | None = None) -> FileFormatError:
    example = f'`encoding = "{suggestion}"`' if suggestion else '`encoding = "..."` (e.g. "cp1252")'
    return FileFormatError(f"{path}: cannot tell its text encoding: {problem}. "
                           f"Set {example} in the source config once you know the right one.")


# --- delimiter detection ----------------------------------------------------------------------


def _detect_delimiter(path: Path, encoding: str) -> str:
    text, truncated = _text_sample(path, encoding)
    found = _CONTENT.search(text)
    if found is None:
        raise FileFormatError(f"{path} is empty")
    text = text[max(text.rfind("\n", 0, found.start()), text.rfind("\r", 0, found.start())) + 1:]
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
    raise FileFormatError(f"{path}: cannot tell the delimiter (header has {counts}; "
                          f"csv.Sniffer says {sniffed!r}); set `delimiter = \";\"` (or the right one) "
                          "in the source config")


def _text_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The first characters of the file, and whether there are more."""
    with path.open(encoding=encoding, newline="") as handle:
        try:
            text = handle.read(_SAMPLE_CHARS)
            return text, bool(handle.read(1))
        except UnicodeDecodeError as error:
            raise _wrong_encoding(path, encoding, "near the start", error) from error


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
        raise FileFormatError(f"{path}: the header is a single column but the rows use every usual "
                              'delimiter; set `delimiter = ";"` (or the right one) in the source config')
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
        headers = _headers(path, _sheet_records(worksheet), f" (sheet {title!r})")
    log.debug("%s: sheet %r, %d columns", path, title, len(headers))
    return TableFile(path, headers, None, None, title)


@contextmanager
def _open_sheet(path: Path, sheet: str | None) -> Iterator[ReadOnlyWorksheet]:
    """Open the workbook read-only with cached formula values; always close it."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise FileFormatError(f"{path}: not a readable .xlsx workbook ({error}); password-protected, "
                              "or an .xls renamed? Save it again from Excel as .xlsx or CSV") from error
    try:
        worksheets = {worksheet.title: worksheet for worksheet in workbook.worksheets}
        if not worksheets:
            raise FileFormatError(f"{path} is empty (no worksheet)")
        if sheet is not None and sheet not in worksheets:
            titles = ", ".join(repr(title) for title in worksheets)
            raise FileFormatError(f"{path}: no sheet {sheet!r}; its sheets are {titles}. "
                                  "Set `sheet = \"...\"` in the source config to one of them")
        yield worksheets[sheet] if sheet is not None else workbook.worksheets[0]
    finally:
        workbook.close()


def _sheet_records(worksheet: ReadOnlyWorksheet) -> Iterator[Record]:
    """Rows as text, numbered as Excel numbers them. The stored sheet size is ignored because
    some exporters write a wrong one, which would cut columns off."""
    worksheet.reset_dimensions()
    for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        yield number, [_cell_text(value) for value in cells]


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

