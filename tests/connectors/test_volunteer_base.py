"""Reading the volunteer base (CSV or XLSX) through the export readers; its configuration."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from rollcall.connectors.volunteer_base import VolunteerBaseError, read_volunteer_base
from rollcall.models.campaign import VolunteerBaseSource, source_config
from rollcall.models.records import BaseVolunteer

BASE = VolunteerBaseSource(
    name="benevoles",
    kind="volunteer_base",
    path=Path("base.csv"),
    fields={"last_name": "Nom", "first_name": "Prénom", "email": "E-mail", "phone": "Téléphone"},
)
ROWS = [
    ["Nom", "Prénom", "E-mail", "Téléphone", "Antenne"],
    ["MOREAU", "Jeanne", "JEANNE.MOREAU@EXAMPLE.ORG", "", "Paris"],
    ["", "", "", "", ""],
    ["Texier", "Odile", "", "07 99 88 77 66", "Reims"],
]
EXPECTED = [
    BaseVolunteer("row 2", "Jeanne", "MOREAU", "JEANNE.MOREAU@EXAMPLE.ORG", None),
    BaseVolunteer("row 4", "Odile", "Texier", None, "07 99 88 77 66"),
]


def test_a_csv_base_gives_its_mapped_fields_by_row(tmp_path: Path) -> None:
    path = tmp_path / "base.csv"
    path.write_text("\n".join(";".join(r) for r in ROWS) + "\n", encoding="cp1252")
    assert read_volunteer_base(BASE, path) == EXPECTED


def test_an_xlsx_base_reads_the_same(tmp_path: Path) -> None:
    book = Workbook()
    for row in ROWS:
        book.active.append(row)
    book.save(tmp_path / "base.xlsx")
    assert read_volunteer_base(BASE, tmp_path / "base.xlsx") == EXPECTED


def test_a_missing_column_or_file_says_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "base.csv"
    path.write_text("Nom,Prénom,Mail\nMoreau,Jeanne,j@example.org\n", encoding="utf-8")
    with pytest.raises(VolunteerBaseError, match=r"\['E-mail', 'Téléphone'\].*fix `fields`"):
        read_volunteer_base(BASE, path)
    with pytest.raises(VolunteerBaseError, match="benevoles.*absent.csv"):
        read_volunteer_base(BASE, tmp_path / "absent.csv")


def test_a_base_needs_a_file_and_is_not_a_sign_up_source() -> None:
    with pytest.raises(ValidationError, match=r"path\s+Field required"):
        source_config(name="b", kind="volunteer_base", fields={"email": "E-mail"})
    assert BASE.is_volunteer_base and not BASE.is_form
