"""Read the association's volunteer base: an export (CSV or XLSX) of the people who already
volunteer, through the same file readers as sign-up exports (``connectors.files``).

I/O only: which registrants are in it is ``transforms.returning``'s decision. The rows are
read at each sync and never stored: they are not registrants, and the database keeps only
the flag each registrant gets from them.
"""

from __future__ import annotations

from pathlib import Path

from rollcall.connectors.files import FileFormatError, open_table
from rollcall.connectors.http import SourceError
from rollcall.models.campaign import VolunteerBaseSource
from rollcall.models.records import BaseVolunteer

#: The fields a base row is matched on; a base needs at least one contact or both names.
MATCHED_FIELDS = ("first_name", "last_name", "email", "phone")


class VolunteerBaseError(SourceError):
    """The volunteer base could not be read; the message names the file and what to do."""


def read_volunteer_base(source: VolunteerBaseSource, path: Path) -> list[BaseVolunteer]:
    """Every non-blank row of the base, as its mapped fields (raw text)."""
    try:
        table = open_table(path, encoding=source.encoding, delimiter=source.delimiter, sheet=source.sheet)
        missing = sorted(source.columns - set(table.headers))
        if missing:
            raise VolunteerBaseError(
                f"volunteer base {source.name}: column(s) {missing} named in its field mapping are not in "
                f"{path.name}; its columns are {table.headers}: fix `fields` in the campaign file"
            )
        rows = []
        for row in table.rows():
            fields = source.extract(row.values)
            rows.append(BaseVolunteer(row=f"row {row.number}", **{f: fields.get(f) for f in MATCHED_FIELDS}))
        return rows
    except FileFormatError as exc:
        raise VolunteerBaseError(f"volunteer base {source.name}: {exc}") from None
    except FileNotFoundError:
        raise VolunteerBaseError(
            f"volunteer base {source.name}: file not found: {path}; export it again or fix `path` in the campaign file"
        ) from None
