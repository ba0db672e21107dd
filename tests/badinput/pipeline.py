"""A file source through the real steps of a sync, without Prefect: the step functions the
nightly flow's tasks wrap (``prepare_run``, the file landing, ``normalise_pending``,
``resolve_people``, ``write_rosters``), on a SQLite or PostgreSQL database.

``outcomes`` reads back every current raw record with what became of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rollcall.connectors.database import session_scope
from rollcall.connectors.http import SourceError
from rollcall.models.tables import QuarantineEntry, RawRecord, Signup

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"

#: Our field -> the export's column header.
COLUMNS = {
    "external_id": "Submission ID",
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "Email",
    "phone": "Téléphone",
    "site": "Lieu",
    "submitted_at": "Date",
    "consent": "Consentement",
}


def write_campaign(
    directory: Path,
    export: Path,
    *,
    kind: str = "csv",
    extra: str = "",
    columns: dict[str, str] = COLUMNS,
    sheets_url: str | None = None,
) -> Path:
    """The example's sites and one file source reading ``export``; rosters under ``directory``,
    except Paris's, in a Google sheet when ``sheets_url`` (the Sheets fake) is given."""
    sites = EXAMPLE.read_text(encoding="utf-8").split("# --- Sources")[0]
    sites = sites.replace('directory = "var/rosters"', f'directory = "{directory / "rosters"}"')
    if sheets_url:
        sites = sites.replace('code = "PAR"', 'code = "PAR"\nroster = { kind = "google_sheet" }')
        sites = sites.replace(
            "[rosters]",
            f'[google]\nbase_url = "{sheets_url}"\n'
            'credentials = { access_token = "env:ROLLCALL_TEST_GOOGLE_TOKEN" }\n\n[rosters]',
        )
    fields = "\n".join(f'{name} = "{header}"' for name, header in columns.items())
    path = directory / "campaign.toml"
    path.write_text(
        sites
        + f"""
[[sources]]
name = "export"
label = "Export"
kind = "{kind}"
path = "{export}"
{extra}
[sources.fields]
{fields}
""",
        encoding="utf-8",
    )
    return path


def sync_file(config: Path, *, rosters: bool = False) -> str | None:
    """One sync of the campaign's file source; returns the source's error message, if any."""
    from rollcall.flows.landing import land_file
    from rollcall.flows.steps import normalise_pending, prepare_run, resolve_people, write_rosters
    from rollcall.models.campaign import load_campaign

    campaign = load_campaign(str(config))
    run_id = prepare_run.fn(str(config), None)
    error = None
    try:
        land_file(campaign, campaign.sources[0], run_id)
    except SourceError as exc:
        error = str(exc)
    normalise_pending.fn(str(config), run_id)
    resolve_people.fn(str(config))
    if rosters:
        write_rosters.fn(str(config))
    return error


@dataclass
class Outcome:
    external_id: str
    payload: dict[str, Any]
    signup: bool
    reason_code: str | None
    reason_fr: str | None
    reason_en: str | None
    locator: str | None = None


def outcomes(url: str) -> dict[str, Outcome]:
    """Every current raw record by external id, with its sign-up or quarantine entry."""
    with session_scope(url) as session:
        signed = set(session.scalars(select(Signup.raw_record_id)))
        held = {q.raw_record_id: q for q in session.scalars(select(QuarantineEntry))}
        result = {}
        for record in session.scalars(select(RawRecord).where(RawRecord.is_current.is_(True))):
            q = held.get(record.id)
            result[record.external_id] = Outcome(
                record.external_id,
                record.payload,
                record.id in signed,
                q.reason_code if q else None,
                q.reason_fr if q else None,
                q.reason_en if q else None,
                record.locator,
            )
    return result


def unaccounted(found: dict[str, Outcome]) -> list[str]:
    """Records that are neither a sign-up nor in quarantine with a readable reason (or both)."""
    bad = []
    for key, o in found.items():
        quarantined = o.reason_code is not None
        readable = bool(o.reason_fr and o.reason_fr.strip() and o.reason_en and o.reason_en.strip())
        if o.signup == quarantined or (quarantined and not readable):
            bad.append(f"{key}: signup={o.signup} reason={o.reason_code!r}")
    return bad
