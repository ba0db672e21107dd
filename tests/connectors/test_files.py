"""The file-export reader, on real files written into tmp_path: each case is named after what
it breaks (an encoding, a delimiter, a header, a row shape)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.connectors.files import MOJIBAKE, FileFormatError, TableRow, file_fingerprints, open_table

RUSSIAN = "Имя;Фамилия;Город\r\nИван;Петров;Москва\r\nОльга;Смирнова;Санкт-Петербург\r\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **options: str) -> list[TableRow]:
    return list(open_table(path, **options).rows())


# --- encodings --------------------------------------------------------------------------------


def test_semicolon_cp1252_with_accents(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", "Prénom;Nom;Téléphone\r\nHélène;Müller;06 12 34 56 78".encode("cp1252"))
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.sheet) == ("cp1252", ";", None)
    assert table.headers == ["Prénom", "Nom", "Téléphone"]
    assert list(table.rows()) == [
        TableRow(2, {"Prénom": "Hélène", "Nom": "Müller", "Téléphone": "06 12 34 56 78"}),
    ]


def test_cp1252_with_euro_and_typographic_apostrophe(tmp_path: Path) -> None:
    """Bytes 0x80 and 0x92 are where cp1252 and latin_1 differ: Windows means € and ’."""
    lines = ["Prénom;Nom;Ville;Don"] + [f"Zoé;D’Artagnan;Besançon;{n} €" for n in range(30)]
    path = write(tmp_path, "dons.csv", "\r\n".join(lines).encode("cp1252"))
    table = open_table(path)
    assert table.encoding == "cp1252"
    assert next(table.rows()).values == {"Prénom": "Zoé", "Nom": "D’Artagnan", "Ville": "Besançon", "Don": "0 €"}


def test_utf8_bom_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", "\ufeffEmail,Nom\r\nzoe@example.fr,Zoé\r\n".encode("utf-8"))
    table = open_table(path)
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.headers == ["Email", "Nom"]
    assert read(path) == [TableRow(2, {"Email": "zoe@example.fr", "Nom": "Zoé"})]


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", "Prénom\tNom\r\nLéa\tO'Neil, Jr\r\n".encode("utf-16"))
    table = open_table(path)
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert read(path) == [TableRow(2, {"Prénom": "Léa", "Nom": "O'Neil, Jr"})]


def test_cp1252_byte_far_down(tmp_path: Path) -> None:
    lines = (
        ["id;nom;ville"] + [f"{n};Dupont;Paris" for n in range(2, 5000)] + ["5000;Clément;Lyon", "5001;Martin;Nantes"]
    )
    path = write(tmp_path, "export.csv", "\r\n".join(lines).encode("cp1252"))
    table = open_table(path)
    assert table.encoding == "cp1252"
    rows = list(table.rows())
    assert len(rows) == 5000
    assert rows[-2] == TableRow(5000, {"id": "5000", "nom": "Clément", "ville": "Lyon"})


@pytest.mark.parametrize(
    ("data", "advice"),
    [
        pytest.param(RUSSIAN.encode("koi8_r"), "CSV UTF-8", id="koi8_r_decodes_in_cp1252_but_is_cyrillic"),
        pytest.param(RUSSIAN.encode("cp1251"), "CSV UTF-8", id="cp1251_cyrillic"),
        pytest.param("名前;都市\r\n太郎;東京\r\n花子;大阪\r\n".encode("shift_jis"), "CSV UTF-8", id="shift_jis"),
        pytest.param(
            b"id;nom\r\n"
            + "".join(f"{n};Dupont\r\n" for n in range(2000)).encode()
            + "Ольга;Смирнова\r\n".encode("cp1251"),
            "CSV UTF-8",
            id="one_cyrillic_name_far_down",
        ),
        pytest.param(
            "Nom;Ville\r\nLéa;Évry\r\n".encode("utf-16-le"), '`encoding = "utf-16-le"`', id="utf16_without_bom"
        ),
    ],
)
def test_undecidable_encoding(tmp_path: Path, data: bytes, advice: str) -> None:
    """Refused whole, and the advice is never a guessed 8-bit codec (following one garbles names)."""
    path = write(tmp_path, "export.csv", data)
    with pytest.raises(FileFormatError, match=r"export\.csv: cannot tell its text encoding") as raised:
        open_table(path)
    assert advice in str(raised.value)
    assert not any(
        codec in str(raised.value).split(": ", 1)[1] for codec in ("iso8859", "cp874", "cp932", "koi8", "cp125")
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            "Nom;Ville\r\nHélène;Orléans\r\n".encode() + "Zoé;Nîmes\r\n".encode("cp1252"), id="utf8_then_cp1252_pasted"
        ),
        pytest.param(
            codecs.BOM_UTF8 + "Nom;Ville\r\nHélène;Orléans\r\n".encode() + "Zoé;Nîmes\r\n".encode("cp1252"),
            id="utf8_bom_then_cp1252",
        ),
    ],
)
def test_cp1252_row_in_a_utf8_file_is_read_as_cp1252(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "export.csv", data)
    assert read(path) == [
        TableRow(2, {"Nom": "Hélène", "Ville": "Orléans"}),
        TableRow(3, {"Nom": "Zoé", "Ville": "Nîmes"}),
    ]


def test_explicit_encoding_and_delimiter(tmp_path: Path) -> None:
    """What detection refuses, the source config can state, among UTF and Western encodings."""
    path = write(tmp_path, "export.csv", "Nom|Ville\r\nJosé|Nîmes\r\n".encode("latin-1"))
    table = open_table(path, encoding="latin-1", delimiter="|")
    assert (table.encoding, table.delimiter) == ("latin-1", "|")
    assert next(table.rows()).values == {"Nom": "José", "Ville": "Nîmes"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"encoding": "klingon"}, "not one rollcall reads", id="unknown_encoding_name"),
        pytest.param({"encoding": "rot13"}, "not one rollcall reads", id="not_a_text_encoding"),
        pytest.param({"encoding": "iso8859_10"}, "not one rollcall reads", id="implausible_8_bit_codec"),
        pytest.param({"encoding": "koi8_r"}, "not one rollcall reads", id="cyrillic_codec"),
        pytest.param({"delimiter": ";;"}, "one character", id="two_character_delimiter"),
    ],
)
def test_bad_explicit_options(tmp_path: Path, options: dict[str, str], message: str) -> None:
    path = write(tmp_path, "export.csv", b"Nom;Email\r\nA;a@example.fr\r\n")
    with pytest.raises(FileFormatError, match=message):
        open_table(path, **options)


def test_explicit_encoding_row_that_does_not_decode_is_one_bad_row(tmp_path: Path) -> None:
    """A byte the stated encoding cannot decode costs its row (quarantined), not the file."""
    far = write(tmp_path, "far.csv", b"Nom\r\n" + b"A\r\n" * 20_000 + b"Z\x81o\r\nB\r\n")
    rows = list(open_table(far, encoding="cp1252", delimiter=";").rows())
    assert len(rows) == 20_002 and rows[-1] == TableRow(20_003, {"Nom": "B"})
    assert (rows[-2].problem, rows[-2].line, rows[-2].values["Nom"]) == ("undecodable_text", 20_002, "Z\ufffdo")


# --- delimiters and quoting ----------------------------------------------------------------------


def test_quoted_newline_and_semicolon(tmp_path: Path) -> None:
    text = 'Nom;Commentaire\r\nDupont;"ligne 1\r\nligne 2; avec ""guillemets"""\r\nMartin;ok\r\n'
    path = write(tmp_path, "export.csv", text.encode())
    assert read(path) == [
        TableRow(2, {"Nom": "Dupont", "Commentaire": 'ligne 1\r\nligne 2; avec "guillemets"'}),
        TableRow(3, {"Nom": "Martin", "Commentaire": "ok"}),
    ]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        pytest.param('"Nom, prénom";Email\r\n"Dupont, Jean";a@x.fr\r\n', ";", id="comma_inside_quoted_header"),
        pytest.param(
            "Nom, prénom;Email;Ville\r\nDupont, Jean;a@x.fr;Lyon\r\n", ";", id="comma_in_unquoted_header_outnumbered"
        ),
        pytest.param("Nom|Email\r\nDupont; Jean|a@x.fr\r\n", "|", id="pipe"),
        pytest.param("\r\n\r\nNom,Email\r\nA,a@x.fr\r\n", ",", id="blank_lines_before_header"),
        pytest.param("Nom;Email,Ville\r\nA;a@x.fr\r\nB;b@x.fr\r\n", ";", id="tied_header_rows_decide"),
    ],
)
def test_delimiter_detection(tmp_path: Path, text: str, delimiter: str) -> None:
    assert open_table(write(tmp_path, "export.csv", text.encode())).delimiter == delimiter


def test_semicolon_and_comma_tied_and_rows_agree_with_both(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"a;b,c\r\n1;2,3\r\n4;5,6\r\n")
    with pytest.raises(FileFormatError, match="`delimiter = "):
        open_table(path)


def test_single_column_with_commas_in_values(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"Email\r\na@x.fr\r\nb@y.fr, c@z.fr\r\n")
    table = open_table(path)
    assert table.headers == ["Email"]
    assert [row.values for row in table.rows()] == [{"Email": "a@x.fr"}, {"Email": "b@y.fr, c@z.fr"}]


# --- headers and row shapes --------------------------------------------------------------------


def test_duplicated_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"Email;Nom;Email;Email\r\na;N;b;c\r\n")
    table = open_table(path)
    assert table.headers == ["Email", "Nom", "Email (2)", "Email (3)"]
    assert next(table.rows()).values == {"Email": "a", "Nom": "N", "Email (2)": "b", "Email (3)": "c"}


def test_blank_header(tmp_path: Path) -> None:
    """Header names are stripped, cell values are not; trailing blank header cells are dropped."""
    path = write(tmp_path, "export.csv", b" Nom ;;Email;;\r\n Dupont ;x;a@x.fr;;\r\n")
    table = open_table(path)
    assert table.headers == ["Nom", "column_2", "Email"]
    assert next(table.rows()).values == {"Nom": " Dupont ", "column_2": "x", "Email": "a@x.fr"}


def test_ragged_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"Nom;Email;Ville\r\nA;a@x.fr\r\nB;b@x.fr;Lyon;extra;;more\r\n")
    assert [row.values for row in read(path)] == [
        {"Nom": "A", "Email": "a@x.fr", "Ville": ""},
        {"Nom": "B", "Email": "b@x.fr", "Ville": "Lyon", "column_4": "extra", "column_6": "more"},
    ]


def test_blank_middle_row(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"Nom;Email\r\nA;a@x.fr\r\n;\r\n\r\n  ;  \r\nB;b@x.fr\r\n")
    assert [(row.number, row.values["Nom"]) for row in read(path)] == [(2, "A"), (6, "B")]


def test_header_only(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "export.csv", b"Nom;Email\r\n"))
    assert table.headers == ["Nom", "Email"]
    assert list(table.rows()) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="zero_bytes"),
        pytest.param(b"  \r\n\r\n\t\r\n", id="whitespace_only"),
        pytest.param(codecs.BOM_UTF8, id="utf8_bom_only"),
        pytest.param(codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le"), id="utf16_bom_only"),
        pytest.param(b";;;\r\n;;\r\n", id="delimiters_only"),
    ],
)
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(FileFormatError, match=r"export\.csv is empty"):
        open_table(write(tmp_path, "export.csv", data))


@pytest.mark.parametrize(
    "name", [pytest.param("export.xls", id="xls_export"), pytest.param("export.ods", id="ods_export")]
)
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileFormatError, match="export it as one of"):
        open_table(write(tmp_path, name, b"Nom;Email\r\n"))


# --- XLSX ---------------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path


def store_number_as_excel_does(path: Path, plain: str, scientific: str) -> None:
    """Excel may store 612345678 as "6.12345678E8", which openpyxl reads as a float."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(f"<v>{plain}</v>".encode(), f"<v>{scientific}</v>".encode())
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_xlsx_phone_as_number_and_dates(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "export.xlsx",
        {
            "Inscriptions": [
                [],
                [" Téléphone", "Fixe", "Né le", "Arrivée", "Heure", "Heures", "Majeur", None, "Nom"],
                [
                    612345678,
                    140000000,
                    date(1990, 5, 17),
                    datetime(2024, 3, 5, 14, 30),
                    time(9, 15),
                    3.5,
                    True,
                    None,
                    "Léa",
                ],
                [None, None, None, None, None, None, None, None, "   "],
                ["0612345678", None, None, None, None, 2, False, None, "Zoé", "note"],
            ],
            "Autre": [["x"]],
        },
    )
    store_number_as_excel_does(path, "612345678", "6.12345678E8")
    table = open_table(path)
    assert (table.sheet, table.encoding, table.delimiter) == ("Inscriptions", None, None)
    assert table.headers == ["Téléphone", "Fixe", "Né le", "Arrivée", "Heure", "Heures", "Majeur", "column_8", "Nom"]
    rows = list(table.rows())
    assert [row.number for row in rows] == [3, 5]
    assert rows[0].values == {
        "Téléphone": "612345678",
        "Fixe": "140000000",
        "Né le": "1990-05-17T00:00:00",
        "Arrivée": "2024-03-05T14:30:00",
        "Heure": "09:15:00",
        "Heures": "3.5",
        "Majeur": "true",
        "column_8": "",
        "Nom": "Léa",
    }
    assert rows[1].values["Téléphone"] == "0612345678"
    assert rows[1].values["column_10"] == "note"


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "export.xlsx", {"Inscriptions": [["a"], ["1"]], "Samedi": [["Nom"], ["Léa"]]})
    table = open_table(path, sheet="Samedi")
    assert table.sheet == "Samedi"
    assert read(path, sheet="Samedi") == [TableRow(2, {"Nom": "Léa"})]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "export.xlsx", {"Inscriptions": [["a"]], "Samedi": [["b"]]})
    with pytest.raises(FileFormatError, match=r"no sheet 'Dimanche'; its sheets are 'Inscriptions', 'Samedi'"):
        open_table(path, sheet="Dimanche")


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "export.xlsx", {"Inscriptions": [[], [None, "  "]]})
    with pytest.raises(FileFormatError, match="is empty"):
        open_table(path)


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="not a readable .xlsx"):
        open_table(write(tmp_path, "export.xlsx", b"Nom;Email\r\n"))


# --- re-reading and fingerprints --------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rows_iterable_twice(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"Nom;Email\r\nA;a@x.fr\r\nB;b@x.fr\r\n")
    else:
        write_workbook(path, {"Feuil1": [["Nom", "Email"], ["A", "a@x.fr"], ["B", "b@x.fr"]]})
    table = open_table(path)
    first = list(table.rows())
    assert len(first) == 2
    assert list(table.rows()) == first


def test_file_fingerprint_changes_with_content(tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", b"Nom;Email\r\nA;a@x.fr\r\n")
    before = file_fingerprints(path).whole
    assert before == hashlib.sha256(b"Nom;Email\r\nA;a@x.fr\r\n").hexdigest()
    assert file_fingerprints(path).whole == before
    path.write_bytes(b"Nom;Email\r\nA;b@x.fr\r\n")
    assert file_fingerprints(path).whole != before


# --- round trip -------------------------------------------------------------------------------

# Header names: stripped, non-blank, unique (what the reader would otherwise rename), and free of
# the other candidate delimiters (a header like "a,b;c,d" is the ambiguous case tested above).
# A header made only of quote marks, semicolons and spaces (";", written '";"') is read as a
# blank line, as a row of empty cells is (the reader looks for the first line with content);
# no export has one, so it is left out. The CSV is written with ";": the other delimiters are
# not generated at all.
HAS_CONTENT = re.compile(r'[^\s";]')
header_names = (
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff,\t|"), min_size=1)
    .map(str.strip)
    .filter(lambda name: HAS_CONTENT.search(name) and not MOJIBAKE.search(name))
)
#: Mojibake ("Ã©") is read as a garbled row on purpose (test_hostile_files), so not generated here.
cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")).filter(
    lambda text: not MOJIBAKE.search(text)
)


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    headers = draw(st.lists(header_names, min_size=1, max_size=5, unique=True))
    body = draw(st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers)), max_size=8))
    return [headers, *body]


@settings(max_examples=150, deadline=None, database=None)
@given(table=tables())
def test_csv_writer_output_reads_back_identically(
    tmp_path_factory: pytest.TempPathFactory, table: list[list[str]]
) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(table)
    path = tmp_path_factory.mktemp("roundtrip") / "export.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))

    headers, *body = table
    opened = open_table(path)
    assert opened.headers == headers
    expected = [
        TableRow(n, dict(zip(headers, row))) for n, row in enumerate(body, start=2) if any(c.strip() for c in row)
    ]
    assert list(opened.rows()) == expected


# --- bad rows ------------------------------------------------------------------------------------


def test_lone_carriage_returns_end_records_as_universal_newlines_do(tmp_path: Path) -> None:
    """Old Mac line breaks, alone or mixed with CRLF: the records csv reads from the file
    opened with newline="" (so an unchanged export reads the same as before)."""
    for data in (b"Nom;Ville\rZoe;Lyon\rAnna;Reims\r", b"Nom;Ville\r\nZoe;Lyon\rAnna;Reims\r\n"):
        path = write(tmp_path, "export.csv", data)
        assert read(path) == [
            TableRow(2, {"Nom": "Zoe", "Ville": "Lyon"}),
            TableRow(3, {"Nom": "Anna", "Ville": "Reims"}),
        ]


def test_quoted_line_breaks_stay_in_their_cell_and_an_open_quote_costs_one_line(tmp_path: Path) -> None:
    data = ('Nom;Note\r\nZoé;"deux\r\nlignes"\r\nAnna;"jamais fermé\r\nLéa;ok\r\nMax;"a ""b"""\r\n').encode()
    rows = read(write(tmp_path, "export.csv", data))
    assert [(r.number, r.values.get("Nom"), r.values.get("Note"), r.problem, r.line) for r in rows] == [
        (2, "Zoé", "deux\r\nlignes", None, None),
        (3, "Anna", "jamais fermé\r\n", "unclosed_quote", 4),
        (4, "Léa", "ok", None, None),
        (5, "Max", 'a "b"', None, None),
    ]


def test_too_many_rows_fail_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rollcall.connectors import files as files_module

    monkeypatch.setattr(files_module, "MAX_ROWS", 3)
    path = write(tmp_path, "export.csv", b"Nom\r\n" + b"A\r\n" * 4)
    with pytest.raises(FileFormatError, match=r"export\.csv: more than 3 rows.*split the export"):
        read(path)
