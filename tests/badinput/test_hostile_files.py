"""Hostile files as site staff really produce them, through the real landing, normalising and
roster steps on SQLite and PostgreSQL. Each case asserts: whether the source failed, with one
line naming the source and saying what to do; which rows landed as sign-ups; which were
quarantined, with their reason and row/line; and that no roster holds garbled text.

A bad cell is a bad row: a NUL byte, a 200 KB cell, a quote never closed or a line that does
not decode costs that row (kept raw, quarantined), never the export. Configuration that would
fail every night (a time zone typo, a codec that garbles, a folder or /dev/zero as a path) is
refused at load; a site's name never becomes a path.
"""

from __future__ import annotations

import json
import os
import stat
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from faults.report import report
from sqlalchemy import select

from badinput.pipeline import COLUMNS, Outcome, outcomes, sync_file, unaccounted, write_campaign
from rollcall.connectors.database import session_scope
from rollcall.connectors.files import MOJIBAKE, FileFormatError, open_table
from rollcall.models.campaign import DATABASE_URL_ENV, ConfigError, load_campaign
from rollcall.models.records import content_hash
from rollcall.models.tables import RawRecord

pytestmark = pytest.mark.badinput

SECTION = "bad input: hostile files"
HEADER = list(COLUMNS.values())
#: Accented names of the campaign's volunteers: the text that must never come out garbled.
NAMES = [
    ("Hélène", "Lefèvre"),
    ("Françoise", "Benoît"),
    ("Zoé", "Müller"),
    ("Gaëlle", "Lœuvre"),
    ("Jérôme", "Désiré"),
    ("Anaïs", "Côté"),
    ("Noël", "Crépin"),
    ("Agnès", "Thérèse"),
]


ASCII_COLUMNS = {k: v.replace("é", "e") for k, v in COLUMNS.items()}


def row(n: int, first: str = "Hélène", last: str = "Lefèvre", site: str = "Paris", **cells: str) -> list[str]:
    values = {
        "Submission ID": f"S{n:03d}",
        "Prénom": first,
        "Nom": last,
        "Email": f"v{n}@example.org",
        "Téléphone": "",
        "Lieu": site,
        "Date": "2022-09-30 10:00",
        "Consentement": "Oui",
        **cells,
    }
    return [values[h] for h in HEADER] + [values[k] for k in cells if k not in HEADER]


def line(cells: list[str], encoding: str = "utf-8") -> bytes:
    return (";".join(cells) + "\r\n").encode(encoding)


def export(rows: list[bytes], header: list[str] = HEADER) -> bytes:
    return line(header) + b"".join(rows)


@pytest.fixture
def url(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    return migrated_url


def sync(
    tmp_path: Path,
    data: bytes,
    *,
    name: str = "export.csv",
    extra: str = "",
    kind: str = "csv",
    columns: dict[str, str] = COLUMNS,
) -> str | None:
    path = tmp_path / name
    path.write_bytes(data)
    return sync_file(write_campaign(tmp_path, path, extra=extra, kind=kind, columns=columns), rosters=True)


def roster_texts(tmp_path: Path) -> list[str]:
    texts = []
    for path in sorted((tmp_path / "rosters").glob("*.xlsx")):
        for sheet in openpyxl.load_workbook(path, read_only=True):
            texts += [v for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, str)]
    return texts


def check(tmp_path: Path, url: str, case: str, error: str | None) -> dict[str, Outcome]:
    """What every case asserts: nothing unaccounted for, no garbled text on any roster."""
    found = outcomes(url)
    assert unaccounted(found) == []
    garbled = [t for t in roster_texts(tmp_path) if MOJIBAKE.search(t)]
    assert garbled == []
    held = sorted(f"{k} {o.reason_code} ({o.locator})" for k, o in found.items() if o.reason_code)
    report(
        SECTION,
        f"{case} on {url.split(':')[0]}: {sum(o.signup for o in found.values())} signed up, "
        f"quarantined {held or 'none'}" + (f"; source failed: {error[:140]}" if error else ""),
    )
    return found


def signed(found: dict[str, Outcome]) -> dict[str, tuple[str, str]]:
    return {k: (o.payload["Prénom"], o.payload["Nom"]) for k, o in found.items() if o.signup}


def held(found: dict[str, Outcome]) -> dict[str, tuple[str | None, str | None]]:
    return {k: (o.reason_code, o.locator) for k, o in found.items() if o.reason_code}


# --- encodings: decided per file, checked per row, never garbled ------------------------------


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param(COLUMNS, id="french_headers"),
        pytest.param(ASCII_COLUMNS, id="ascii_headers"),
    ],
)
def test_cp1252_rows_pasted_into_a_utf8_export_land_correctly(
    tmp_path: Path, url: str, columns: dict[str, str]
) -> None:
    """The red team's file: a UTF-8 export with rows pasted from a cp1252 one. Those rows are
    read as cp1252 (the rest as UTF-8): every name lands as typed, none as "HÃĐlÃĻne"."""
    header = list(columns.values())
    rows = [line(row(n, *NAMES[n % len(NAMES)]), "cp1252" if n in (7, 19, 33) else "utf-8") for n in range(1, 42)]
    error = sync(tmp_path, export(rows, header), columns=columns)
    found = check(tmp_path, url, f"utf-8 export with 3 cp1252 rows ({len(rows)} rows)", error)
    assert error is None
    key = columns["first_name"], columns["last_name"]
    assert {k: (o.payload[key[0]], o.payload[key[1]]) for k, o in found.items() if o.signup} == {
        f"S{n:03d}": NAMES[n % len(NAMES)] for n in range(1, 42)
    }


def test_a_line_mixing_utf8_and_cp1252_is_quarantined_not_garbled(tmp_path: Path, url: str) -> None:
    mixed = "S002;Hélène;".encode() + "Lefèvre;v2@example.org;;Paris;;Oui\r\n".encode("cp1252")
    error = sync(tmp_path, export([line(row(1)), mixed, line(row(3, "Zoé", "Müller"))]))
    found = check(tmp_path, url, "one line half UTF-8, half cp1252", error)
    assert error is None
    assert signed(found) == {"S001": ("Hélène", "Lefèvre"), "S003": ("Zoé", "Müller")}
    assert held(found) == {"S002": ("undecodable_text", "row 3 (line 3)")}


@pytest.mark.parametrize(
    ("case", "data", "extra"),
    [
        pytest.param(
            "garbled in the export itself",
            export([line(row(1, "HÃ©lÃ¨ne", "LefÃ¨vre")), line(row(2, "Zoe", "Martin"))]),
            "",
            id="mojibake_in_the_file",
        ),
        pytest.param(
            "UTF-8 read as latin-1 (stated in config)",
            export([line(row(1)), line(row(2, "Zoe", "Martin"))]),
            'encoding = "latin-1"',
            id="utf8_file_declared_latin1",
        ),
        pytest.param(
            "iso8859_10 mojibake typed in",
            export([line(row(1, "HÃĐlÃĻne", "Martin")), line(row(2, "Zoe", "Martin"))]),
            "",
            id="mojibake_iso8859_10",
        ),
    ],
)
def test_mojibake_is_quarantined_never_landed(tmp_path: Path, url: str, case: str, data: bytes, extra: str) -> None:
    """With ASCII headers (the JeVeuxAider preset's), nothing but the rows shows the damage."""
    data = data.replace(line(HEADER), line(list(ASCII_COLUMNS.values())), 1)
    error = sync(tmp_path, data, extra=extra, columns=ASCII_COLUMNS)
    found = check(tmp_path, url, case, error)
    assert error is None
    assert {k: (o.payload["Prenom"], o.payload["Nom"]) for k, o in found.items() if o.signup} == {
        "S002": ("Zoe", "Martin")
    }
    assert held(found) == {"S001": ("garbled_text", "row 2 (line 2)")}


def test_a_garbled_header_fails_the_source_and_says_why(tmp_path: Path, url: str) -> None:
    error = sync(tmp_path, export([line(row(1))]), extra='encoding = "latin-1"')
    check(tmp_path, url, "UTF-8 export stated latin-1, French headers", error)
    assert error is not None and error.startswith("source export: ") and "header is garbled" in error
    assert "remove `encoding`" in error


def test_implausible_codecs_are_refused_at_load(tmp_path: Path) -> None:
    """Never an 8-bit codec outside Western Europe, never a text transform: the advice that
    garbled 41 names ("iso8859_10") cannot even be followed."""
    path = tmp_path / "export.csv"
    path.write_bytes(export([line(row(1))]))
    for codec in ("iso8859_10", "cp874", "cp932", "rot13", "klingon"):
        with pytest.raises(ConfigError, match=rf"encoding '{codec}' is not one rollcall reads"):
            load_campaign(write_campaign(tmp_path, path, extra=f'encoding = "{codec}"'))


def test_undecidable_file_advice_names_no_guessed_codec(tmp_path: Path, url: str) -> None:
    russian = "Имя;Фамилия\r\nИван;Петров\r\nОльга;Смирнова\r\n".encode("cp1251")
    error = sync(tmp_path, russian, columns={"first_name": "Имя", "last_name": "Фамилия"})
    check(tmp_path, url, "Cyrillic cp1251 export", error)
    assert error is not None and error.startswith("source export: ") and "export.csv" in error
    assert "CSV UTF-8" in error and not any(c in error for c in ("iso8859", "cp874", "cp932", "cp1251"))


# --- a bad cell is a bad row -------------------------------------------------------------------


BAD_ROWS = {
    "over_long_cell": (line(row(2, Commentaire="x" * 200_000)), "cell_too_long"),
    "nul_byte": (line(row(2, "Zo\x00é")), "nul_byte"),
    "unclosed_quote": (line(row(2, '"Zoé')), "unclosed_quote"),
    "line_of_two_megabytes": (line(row(2, Commentaire='"' + "y" * (2 << 20))), "cell_too_long"),
    "undefined_cp1252_byte": (b"S002;Zo\x81\xe9;Martin;v2@example.org;;Paris;;Oui\r\n", "undecodable_text"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
@pytest.mark.parametrize("where", ["middle", "last"])
def test_a_bad_cell_costs_its_row_only(tmp_path: Path, url: str, case: str, where: str) -> None:
    bad, reason = BAD_ROWS[case]
    header = HEADER + (["Commentaire"] if b"y" * 100 in bad or b"x" * 100 in bad else [])
    good = [line(row(n, *NAMES[n % len(NAMES)]) + ([""] if len(header) > len(HEADER) else [])) for n in (1, 3, 4)]
    rows = [good[0], bad, *good[1:]] if where == "middle" else [*good, bad]
    error = sync(tmp_path, export(rows, header))
    found = check(tmp_path, url, f"{case} ({where})", error)
    assert error is None, error
    assert signed(found) == {f"S{n:03d}": NAMES[n % len(NAMES)] for n in (1, 3, 4)}
    number = 3 if where == "middle" else 5
    assert held(found) == {"S002": (reason, f"row {number} (line {number})")}
    assert found["S002"].reason_fr and "\x00" not in json.dumps(found["S002"].payload)


def test_xlsx_bad_cells_cost_their_row_only(tmp_path: Path, url: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row(1))
    sheet.append(row(2, "FranÃ§oise"))
    sheet.append(row(3, "Zoé", "Müller"))
    path = tmp_path / "export.xlsx"
    book.save(path)
    error = sync_file(write_campaign(tmp_path, path, kind="xlsx"), rosters=True)
    found = check(tmp_path, url, "xlsx with a garbled cell", error)
    assert error is None
    assert signed(found) == {"S001": ("Hélène", "Lefèvre"), "S003": ("Zoé", "Müller")}
    assert held(found) == {"S002": ("garbled_text", "row 3")}


# --- every file error names the source and says what to do ------------------------------------


def xlsx_with_dtd(path: Path) -> Path:
    """A workbook whose sheet XML declares an entity (XXE / billion laughs attempts)."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(row(1))
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace("?>", '?><!DOCTYPE x [<!ENTITY boom SYSTEM "file:///etc/passwd">]>', 1)
                data = text.replace("<sheetData>", "<sheetData>&boom;", 1).encode()
            target.writestr(info, data)
    plain.unlink()
    return path


def zip_bomb(path: Path) -> Path:
    """A small workbook that unpacks to 300 MB (one shared-strings part of spaces)."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as bomb:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                bomb.write(chunk)
    plain.unlink()
    return path


@pytest.mark.parametrize(
    ("case", "make", "says"),
    [
        pytest.param("xlsx with a DTD", xlsx_with_dtd, "not a readable .xlsx workbook", id="xlsx_dtd"),
        pytest.param("zip bomb", zip_bomb, "over rollcall's 256 MB limit", id="zip_bomb"),
        pytest.param(
            "not a zip",
            lambda p: (p.write_bytes(b"PK\x03\x04 garbage"), p)[1],
            "not a readable .xlsx",
            id="truncated_zip",
        ),
    ],
)
def test_unreadable_workbook_fails_its_source_naming_it(tmp_path: Path, url: str, case: str, make, says: str) -> None:
    path = make(tmp_path / "export.xlsx")
    started = time.monotonic()
    error = sync_file(write_campaign(tmp_path, path, kind="xlsx"), rosters=True)
    check(tmp_path, url, case, error)
    assert error is not None and error.startswith("source export: ") and str(path) in error and says in error
    assert "\n" not in error and time.monotonic() - started < 30


def test_path_turned_into_a_folder_is_refused_naming_the_source(tmp_path: Path, url: str) -> None:
    """Checked at load (the whole configuration is), and again when the sync reads it."""
    from rollcall.flows.landing import land_file

    path = tmp_path / "export.csv"
    path.write_bytes(export([line(row(1))]))
    config = write_campaign(tmp_path, path)
    campaign = load_campaign(config)
    path.unlink()
    path.mkdir()
    with pytest.raises(ConfigError, match=r"source export: path '.*export\.csv' is a folder; set it to the export"):
        load_campaign(config)
    with pytest.raises(Exception, match=r"^source export: .*export\.csv is a folder, not a file; set `path`"):
        land_file(campaign, campaign.sources[0], None)  # type: ignore[arg-type]


# --- configuration validated completely at load ----------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            ('timezone = "Europe/Paris"', 'timezone = "Europe/paris"'),
            'did you mean "Europe/Paris"',
            id="campaign_timezone_typo",
        ),
        pytest.param(
            ("[sources.fields]", 'timezone = "Europe/Pariss"\n[sources.fields]'),
            'did you mean "Europe/Paris"',
            id="source_timezone_typo",
        ),
        pytest.param(("[sources.fields]", 'delimiter = ";;"\n[sources.fields]'), "one character", id="delimiter"),
        pytest.param(('path = "EXPORT"', 'path = "/dev/zero"'), "path '/dev/zero' should end with", id="dev_zero"),
        pytest.param(('path = "EXPORT"', 'path = "ZERO"'), "not a regular file", id="dev_zero_behind_a_link"),
        pytest.param(('path = "EXPORT"', 'path = "FOLDER"'), "is a folder", id="folder"),
        pytest.param(('path = "EXPORT"', 'path = "FIFO"'), "not a regular file", id="named_pipe"),
        pytest.param(('name = "Saint-Denis"', 'name = "Paris"'), None, id="same_site_name_is_fine"),
    ],
)
def test_configuration_that_would_fail_every_night_is_refused_at_load(
    tmp_path: Path, change: tuple[str, str], message: str | None
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(export([line(row(1))]))
    (tmp_path / "folder.csv").mkdir()
    os.mkfifo(tmp_path / "fifo.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    config = write_campaign(tmp_path, path)
    text = config.read_text(encoding="utf-8").replace(f'path = "{path}"', 'path = "EXPORT"')
    if "timezone" in change[0] and change[0] not in text:
        text = text.replace("[campaign]", '[campaign]\ntimezone = "Europe/Paris"')
    assert change[0] in text, change
    text = text.replace(*change).replace("EXPORT", str(path))
    text = text.replace("FOLDER", str(tmp_path / "folder.csv")).replace("FIFO", str(tmp_path / "fifo.csv"))
    text = text.replace("ZERO", str(tmp_path / "zero.csv"))
    config.write_text(text, encoding="utf-8")
    started = time.monotonic()
    if message is None:
        load_campaign(config)
        return
    with pytest.raises(ConfigError, match=message) as raised:
        load_campaign(config)
    assert time.monotonic() - started < 5
    report(SECTION, f"config refused at load: {str(raised.value).splitlines()[-1].strip()[:150]}")


def test_non_regular_files_are_refused_at_once(tmp_path: Path) -> None:
    """/dev/zero never ends: it must be refused before a byte is read (the sync holds the lock)."""
    from rollcall.connectors.files import file_fingerprints

    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "folder.csv").mkdir()
    for name in ("pipe.csv", "zero.csv", "folder.csv"):
        for read in (file_fingerprints, open_table):
            started = time.monotonic()
            with pytest.raises(FileFormatError, match=r"is not a regular file|is a folder") as raised:
                read(tmp_path / name)
            assert name in str(raised.value) and "set `path`" in str(raised.value)
            assert time.monotonic() - started < 1


def test_site_names_never_become_paths(tmp_path: Path, url: str) -> None:
    """ "Saint-Denis / Pleyel" is one workbook in the roster folder, not a folder; a name made
    to climb out ("../../../escaped/Paris") stays in the roster folder too."""
    path = tmp_path / "export.csv"
    path.write_bytes(export([line(row(1, site="Paris")), line(row(2, "Zoé", "Müller", site="St Denis"))]))
    config = write_campaign(tmp_path, path)
    text = config.read_text(encoding="utf-8")
    text = text.replace('name = "Saint-Denis"', 'name = "Saint-Denis / Pleyel"', 1)
    text = text.replace('name = "Paris"', 'name = "../../../escaped/Paris"', 1)
    config.write_text(text, encoding="utf-8")
    error = sync_file(config, rosters=True)
    check(tmp_path, url, "site names with / and ..", error)
    assert error is None
    rosters = tmp_path / "rosters"
    names = {p.name for p in rosters.iterdir() if not p.name.startswith(".")}
    assert {"STD Saint-Denis - Pleyel.xlsx", "PAR escaped-Paris.xlsx"} <= names
    assert all(p.is_file() for p in rosters.iterdir())
    assert not (tmp_path / "escaped").exists() and not (rosters / "PAR ..").exists()
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in rosters.glob("*.xlsx"))


# --- privacy at rest -------------------------------------------------------------------------


def test_database_file_is_owner_only(tmp_path: Path) -> None:
    from rollcall.connectors.database import upgrade

    old = os.umask(0o022)
    try:
        upgrade(f"sqlite:///{tmp_path / 'var/rollcall.db'}")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "var").iterdir()}
    assert modes and all(mode == 0o600 for mode in modes.values()), modes


def test_after_an_erasure_no_hash_of_the_persons_row_remains(tmp_path: Path, url: str) -> None:
    """Without an id column, rows are keyed by a hash of their content: after the erasure,
    anyone with the export could otherwise confirm the person was there. Read again (the
    export grew a row), the erased row is not landed again and nobody comes back."""
    from rollcall.flows.privacy import erase

    columns = {k: v for k, v in COLUMNS.items() if k != "external_id"}
    header = [h for h in HEADER if h != "Submission ID"]
    rows = [row(n, *NAMES[n % len(NAMES)])[1:] for n in (1, 2, 3)]
    path = tmp_path / "export.csv"
    path.write_bytes(export([line(r) for r in rows], header))
    config = write_campaign(tmp_path, path, columns=columns)
    assert sync_file(config, rosters=True) is None
    erased_row = dict(zip(header, rows[1]))
    digest = content_hash(erased_row)
    erase(str(config), email="v2@example.org")

    path.write_bytes(export([line(r) for r in rows + [row(4, "Anaïs", "Côté")[1:]]], header))
    assert sync_file(config, rosters=True) is None
    found = check(tmp_path, url, "erasure, then the same export again", None)
    with session_scope(url) as session:
        keys = session.execute(select(RawRecord.external_id, RawRecord.content_hash, RawRecord.payload)).all()
    assert digest not in {h for _, h, _ in keys} and not any(digest[:32] in k for k, _, _ in keys)
    assert sum(p == {"redacted": True} for _, _, p in keys) == 1
    assert sorted(o.payload["Prénom"] for o in found.values() if o.signup) == ["Anaïs", "Françoise", "Gaëlle"]
    assert "v2@example.org" not in json.dumps([p for _, _, p in keys])


def test_normalising_a_huge_value_is_refused_before_the_expensive_work() -> None:
    """10 MB in one field took 10-52 s of CPU when its length was checked after cleaning."""
    from rollcall.transforms.normalise import normalise_signup
    from rollcall.transforms.sites import SiteCatalog

    catalog = SiteCatalog(
        site.to_site()
        for site in load_campaign(Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml").sites
    )
    huge = "Zoé " * (10 << 18)  # 10 MB of text
    for field, code in (("first_name", "name_too_long"), ("site", "value_too_long"), ("email", "value_too_long")):
        started = time.process_time()
        result = normalise_signup(
            {"first_name": "Zoé", "last_name": "Martin", "email": "z@example.org", "site": "Paris", field: huge},
            catalog,
        )
        assert (result.code, result.field) == (code, field)
        assert time.process_time() - started < 0.5
