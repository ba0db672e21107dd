"""A small campaign on local fakes for the convergence oracle: three sites, a CSV export, a Tally
form and a HelloAsso form, volunteers who sign up more than once under other spellings, and
the humans around them (reviewers, coordinators).

``World`` holds the sources' current data (the fakes' state and the export's rows) and the
ground truth (which volunteer each record is). Everything random comes from the ``rng`` it is
given, so a seed replays the same history. ``HumanInput`` records, on natural keys, what
people did between nights, so a clean replay can be given the same input.
"""

from __future__ import annotations

import csv
import itertools
import logging
import os
import signal
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from form_campaigns import helloasso_source, tally_source
from sqlalchemy import func, select

from convergence.snapshot import RecordKey
from rollcall.connectors.database import session_scope
from rollcall.models.tables import RawRecord, ReviewPair, Signup, SyncRun

from fakes.helloasso import HelloAssoFake, helloasso_date
from fakes.http_server import FakeServer, Request, Response
from fakes.tally import (
    CONSENT_OPTIONS,
    FORM_ID,
    Q_CONSENT,
    Q_EMAIL,
    Q_FIRST_NAME,
    Q_LAST_NAME,
    Q_PHONE,
    Q_SITE,
    SITE_OPTIONS,
    TallyFake,
    format_time,
    serve_tally,
)

ROOT = Path(__file__).parents[2]
log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")
SITES = {"PAR": "Paris", "LYS": "Lyon", "MRS": "Marseille"}
CSV, TALLY, HELLOASSO = "export", "tally-form", "helloasso-api"
SOURCES = (CSV, TALLY, HELLOASSO)
CSV_HEADERS = ("ID", "Prénom", "Nom", "Email", "Téléphone", "Ville", "Date", "Consentement", "Statut")
TALLY_SITE = {label: option for option, label in SITE_OPTIONS.items()}
FIRST_DAY = datetime(2022, 9, 1, tzinfo=PARIS)

FIRST_NAMES = (
    "Hélène",
    "Zoé",
    "François",
    "Anaïs",
    "Jérôme",
    "Maëlle",
    "Karim",
    "Fatou",
    "Lucas",
    "Inès",
    "Thibault",
    "Mei",
    "Yanis",
    "Océane",
    "Moussa",
    "Chloé",
    "Jean-Pierre",
    "Marie-Claire",
    "Noé",
    "Aïcha",
    "Bastien",
    "Léa",
    "Hugo",
    "Camille",
    "Louis",
    "Louise",
    "Jean",
    "Marie",
)
#: First names a household may share a phone with, close enough to be reviewed, never merged.
CLOSE_FIRST = {
    "Louis": "Louise",
    "Louise": "Louis",
    "Jean": "Jean-Pierre",
    "Jean-Pierre": "Jean",
    "Marie": "Marie-Claire",
    "Marie-Claire": "Marie",
}
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "N'Diaye",
    "Le Goff",
    "Nguyen",
    "Lefèvre",
    "Haddad",
    "Morel",
    "Da Silva",
    "Rousseau",
    "Benali",
    "Faure",
    "Lambert",
    "Diallo",
    "Girard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Roux",
    "Fournier",
    "Mercier",
    "Garnier",
)


# ---------------------------------------------------------------- the campaign file


def write_campaign(
    path: Path,
    *,
    database_url: str,
    roster_dir: Path,
    csv_path: Path,
    tally_url: str,
    helloasso_url: str,
    sources: tuple[str, ...] = SOURCES,
) -> Path:
    """Three sites of the example campaign's first Saturday and the ``sources`` named."""
    sites = "".join(
        f"""
[[sites]]
code = "{code}"
name = "{name}"
city = "{name}"
date = 2022-10-08
capacity = 60
coordinators = ["coordination.{name.lower()}@example.org"]
"""
        for code, name in SITES.items()
    )
    blocks = {
        CSV: f"""
[[sources]]
name = "{CSV}"
label = "Export"
kind = "csv"
path = "{csv_path}"
snapshot = true

[sources.fields]
external_id = "ID"
first_name = "Prénom"
last_name = "Nom"
email = "Email"
phone = "Téléphone"
site = "Ville"
submitted_at = "Date"
consent = "Consentement"
status = "Statut"
""",
        TALLY: tally_source(tally_url, name=TALLY, label="Tally"),
        HELLOASSO: helloasso_source(helloasso_url, name=HELLOASSO, label="HelloAsso"),
    }
    path.write_text(
        f"""[campaign]
code = "convergence"
name = "Convergence"
goal = 300
timezone = "Europe/Paris"

[database]
url = "{database_url}"

[rosters]
directory = "{roster_dir}"
{sites}
# --- Sources
{"".join(blocks[name] for name in sources)}""",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- people and their sign-ups


@dataclass
class Volunteer:
    number: int
    first: str
    last: str
    email: str
    phone: str  # national, "06 39 98 01 02"
    site: str


@dataclass
class Entry:
    """One sign-up as its source holds it now."""

    source: str
    key: str
    volunteer: int
    first: str
    last: str
    email: str
    phone: str
    site: str
    at: datetime  # when it was (last) submitted, as the source says
    consent: bool = True
    cancelled: bool = False

    @property
    def record_key(self) -> RecordKey:
        return (self.source, self.key)


def ascii_name(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if c.isascii() and c.isalnum())


class Outage:
    """A provider down for the night: every request answered 503 (``Retry-After: 0``, so the
    connector's retries are immediate), until ``down`` is false again."""

    def __init__(self, server: FakeServer) -> None:
        self.down = False
        self._original = server.dispatch
        server.dispatch = self._dispatch  # type: ignore[method-assign]

    def _dispatch(self, request: Request) -> Response | None:
        if self.down:
            return Response(503, {"error": {"code": 503, "message": "down for the night"}}, {"Retry-After": "0"})
        return self._original(request)


class World:
    """The sources' current data and who is who. Use as a context manager (it serves the fakes)."""

    def __init__(self, directory: Path, rng: Any) -> None:
        self.rng = rng
        self.directory = directory
        self.csv_path = directory / "export.csv"
        self.volunteers: list[Volunteer] = []
        self.entries: dict[RecordKey, Entry] = {}
        self.truth: dict[RecordKey, int] = {}  # every record ever: its volunteer
        self.time_moved: dict[RecordKey, datetime] = {}  # Tally records edited: first submission time
        self.csv_rows: dict[str, dict[str, str]] = {}
        self.csv_hidden = False
        self.night = 0
        self.log: list[str] = []
        self._ids = itertools.count(1)
        self._servers: list[FakeServer] = []

    def __enter__(self) -> World:
        self._tally_server, self._helloasso_server = FakeServer().__enter__(), FakeServer().__enter__()
        self._servers = [self._tally_server, self._helloasso_server]
        self.tally: TallyFake = serve_tally(self._tally_server, [])
        self.helloasso = HelloAssoFake().register(self._helloasso_server)
        self.outages = {TALLY: Outage(self._tally_server), HELLOASSO: Outage(self._helloasso_server)}
        self.write_csv()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.__exit__(*exc)

    @property
    def tally_url(self) -> str:
        return self._tally_server.url

    @property
    def helloasso_url(self) -> str:
        return self._helloasso_server.url

    def history(self) -> list[str]:
        """The log, one line per night: new sign-ups counted, everything else named."""
        nights: dict[str, list[str]] = {}
        for line in self.log:
            when, _, what = line.partition(": ")
            nights.setdefault(when, []).append(what)
        lines = []
        for when, events in nights.items():
            new = sum(e.startswith("new ") for e in events)
            rest = [e for e in events if not e.startswith("new ")]
            lines.append(f"{when}: " + "; ".join(([f"{new} new sign-ups"] if new else []) + rest))
        return lines

    def who_is_who(self) -> str:
        """The ground truth in one line: records of one volunteer, ``T00008=T00031=3000051``."""
        by_volunteer: dict[int, list[str]] = {}
        for (_, key), number in sorted(self.truth.items()):
            by_volunteer.setdefault(number, []).append(key)
        return "same volunteer: " + "; ".join("=".join(keys) for keys in by_volunteer.values() if len(keys) > 1)

    def campaign(self, directory: Path, database_url: str, sources: tuple[str, ...] = SOURCES) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        return write_campaign(
            directory / "campaign.toml",
            database_url=database_url,
            roster_dir=directory / "rosters",
            csv_path=self.csv_path,
            tally_url=self.tally_url,
            helloasso_url=self.helloasso_url,
            sources=sources,
        )

    # --- time

    def moment(self, start_hour: int, end_hour: int) -> datetime:
        """A time of the current night's day (sign-ups before 16:00, edits after)."""
        day = FIRST_DAY + timedelta(days=self.night)
        return day.replace(hour=start_hour) + timedelta(seconds=self.rng.randrange((end_hour - start_hour) * 3600))

    # --- volunteers

    def new_volunteer(self) -> Volunteer:
        """Someone new; now and then of a household that shares a phone (and a name) with
        someone already signed up, who must never be merged with them."""
        number = len(self.volunteers) + 1
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email = f"{ascii_name(first)}.{ascii_name(last)}{number}@example.org"
        phone = f"06 12 00 {number // 100:02d} {number % 100:02d}"
        site = self.rng.choice(list(SITES))
        if self.volunteers and self.rng.random() < 0.12:
            kin = self.rng.choice(self.volunteers)
            first = (
                CLOSE_FIRST.get(kin.first)
                if kin.first in CLOSE_FIRST and self.rng.random() < 0.7
                else self.rng.choice([n for n in FIRST_NAMES if n != kin.first])
            )
            last, phone, site = kin.last, kin.phone, kin.site
            if self.rng.random() < 0.3:
                email = kin.email
        volunteer = Volunteer(number, first, last, email, phone, site)
        self.volunteers.append(volunteer)
        return volunteer

    def spelling(self, v: Volunteer) -> dict[str, str]:
        """How this volunteer fills one form: mostly as themselves, sometimes with a typo, names
        swapped, another address, a phone typed another way, or a contact left out."""
        first, last, email, phone = v.first, v.last, v.email, v.phone
        for _ in range(self.rng.choice((1, 1, 2))):  # now and then two slips at once
            roll = self.rng.random()
            if roll < 0.12:
                first = _typo(self.rng, first)
            elif roll < 0.20:
                first, last = last, first
            elif roll < 0.32:
                email = f"{ascii_name(v.first)[:1]}{ascii_name(v.last)}.{v.number}@example.net"
            elif roll < 0.38:
                last = last.upper()
            elif roll < 0.44 and email:
                phone = ""
            elif roll < 0.48 and phone:
                email = ""
            elif roll < 0.54:  # "Jean" for "Jean-Pierre", "Louis" for "Louise"
                first = first.split("-")[0] if "-" in first else first[:-1] if len(first) > 4 else first
            elif roll < 0.58 and phone:  # one digit off, and a name typed in a hurry
                phone, first = phone[:-1] + str((int(phone[-1]) + 1) % 10), _typo(self.rng, first)
        if phone and self.rng.random() < 0.4:
            digits = phone.replace(" ", "")
            phone = self.rng.choice(
                [
                    f"+33 {digits[1]} {digits[2:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}",
                    ".".join(phone.split()),
                    digits,
                ]
            )
        return {"first": first, "last": last, "email": email, "phone": phone}

    # --- source changes

    def volunteer(self, first: str, last: str, site: str = "PAR") -> Volunteer:
        """A volunteer with these names and their own email and phone (for written scenarios)."""
        number = len(self.volunteers) + 1
        v = Volunteer(
            number,
            first,
            last,
            f"{ascii_name(first)}.{ascii_name(last)}{number}@example.org",
            f"06 12 00 {number // 100:02d} {number % 100:02d}",
            site,
        )
        self.volunteers.append(v)
        return v

    def sign_up(self, volunteer: Volunteer | None = None, source: str | None = None) -> Entry:
        """A new sign-up of ``volunteer`` (someone new by default) through ``source``, spelled
        their way (``spelling``)."""
        v = volunteer or self.new_volunteer()
        source = source or self.rng.choice(SOURCES)
        site = v.site if self.rng.random() > 0.05 else self.rng.choice(list(SITES))
        return self.sign_up_as(v, source, site=site, **self.spelling(v))

    def sign_up_as(self, v: Volunteer, source: str, *, at: datetime | None = None, **fields: Any) -> Entry:
        """A new sign-up of ``v`` through ``source``; ``fields`` (first, last, email, phone,
        site, consent, cancelled) override the volunteer's own."""
        n = next(self._ids)
        key = {CSV: f"C{n:04d}", TALLY: f"T{n:05d}", HELLOASSO: str(3_000_000 + n)}[source]
        values = {"first": v.first, "last": v.last, "email": v.email, "phone": v.phone, "site": v.site, **fields}
        entry = Entry(source, key, v.number, at=at or self.moment(8, 16), **values)
        self.entries[entry.record_key] = entry
        self.truth[entry.record_key] = v.number
        self._publish(entry, new=True)
        self.log.append(f"night {self.night}: new {source}:{key} (volunteer {v.number})")
        return entry

    def change(self, entry: Entry, **fields: Any) -> Entry:
        """An edit of ``entry`` at its source (Tally moves its submission time)."""
        for name, value in fields.items():
            setattr(entry, name, value)
        self._publish(entry)
        self.log.append(f"night {self.night}: change {', '.join(sorted(fields))} of {entry.key}")
        return entry

    def sign_up_again(self) -> Entry | None:
        """Someone already signed up signs up once more, through another source (or the same)."""
        if not self.volunteers:
            return None
        return self.sign_up(self.rng.choice(self.volunteers))

    def live(self, sources: tuple[str, ...] = SOURCES) -> list[Entry]:
        return [e for e in self.entries.values() if e.source in sources and not e.cancelled]

    def edit(self) -> Entry | None:
        """A correction: the name as it should be, the volunteer's own email, or their phone."""
        candidates = self.live()
        if not candidates:
            return None
        entry = self.rng.choice(candidates)
        v = self.volunteers[entry.volunteer - 1]
        what = self.rng.choice(("name", "email", "phone"))
        if what == "name":
            entry.first, entry.last = v.first, v.last
        elif what == "email":
            entry.email = v.email if entry.email != v.email else f"{ascii_name(v.first)}{v.number}@example.com"
        else:
            entry.phone = v.phone if entry.phone != v.phone else f"07 56 00 {v.number // 100:02d} {v.number % 100:02d}"
        self._publish(entry)
        self.log.append(f"night {self.night}: edit {what} of {entry.key}")
        return entry

    def cancel(self) -> Entry | None:
        """A cancellation: HelloAsso's item Canceled, or the export's Statut "Annulé"."""
        candidates = self.live((CSV, HELLOASSO))
        if not candidates:
            return None
        entry = self.rng.choice(candidates)
        entry.cancelled = True
        self._publish(entry)
        self.log.append(f"night {self.night}: cancel {entry.key}")
        return entry

    def withdraw_consent(self) -> Entry | None:
        """Consent withdrawn by an edit: Tally's box unticked, or the export's column "Non"."""
        candidates = [e for e in self.live((CSV, TALLY)) if e.consent]
        if not candidates:
            return None
        entry = self.rng.choice(candidates)
        entry.consent = False
        self._publish(entry)
        self.log.append(f"night {self.night}: consent withdrawn on {entry.key}")
        return entry

    def delete(self) -> Entry | None:
        """Deleted at the source: the export's row removed, the submission or item deleted."""
        if not self.entries:
            return None
        return self.delete_entry(self.rng.choice(list(self.entries.values())))

    def delete_entry(self, entry: Entry) -> Entry:
        del self.entries[entry.record_key]
        if entry.source == CSV:
            del self.csv_rows[entry.key]
        elif entry.source == TALLY:
            self.tally.delete(entry.key)
        else:
            self.helloasso.delete_item(int(entry.key))
        self.log.append(f"night {self.night}: delete {entry.key}")
        return entry

    def _publish(self, entry: Entry, new: bool = False) -> None:
        if entry.source == CSV:
            self.csv_rows[entry.key] = _csv_row(entry)
        elif entry.source == TALLY:
            if not new:  # Tally moves submittedAt to the edit's time; the first one is kept apart
                self.time_moved.setdefault(entry.record_key, entry.at)
                entry.at = self.moment(16, 23)
            self.tally.upsert(_tally_submission(entry))
        elif new:
            self.helloasso.add_items([_helloasso_item(entry)])
        else:
            item = _helloasso_item(entry)
            self.helloasso.edit_item(
                int(entry.key),
                user=item["user"],
                customFields=item["customFields"],
                state=item["state"],
                payer=item["payer"],
            )

    # --- the export file

    def write_csv(self) -> None:
        """The export as it stands, where it is now (beside the campaign, or hidden away)."""
        path = self.csv_path.with_name("export.csv.hidden") if self.csv_hidden else self.csv_path
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, CSV_HEADERS, delimiter=";")
            writer.writeheader()
            writer.writerows(self.csv_rows[k] for k in sorted(self.csv_rows))

    def hide_csv(self, hidden: bool) -> None:
        """The export moved away (the source fails: file not found), or put back."""
        if hidden != self.csv_hidden:
            hidden_path = self.csv_path.with_name("export.csv.hidden")
            (self.csv_path.rename(hidden_path) if hidden else hidden_path.rename(self.csv_path))
            self.csv_hidden = hidden

    def set_down(self, source: str, down: bool) -> None:
        if source == CSV:
            self.hide_csv(down)
        else:
            self.outages[source].down = down

    def all_up(self) -> None:
        for source in SOURCES:
            self.set_down(source, False)
        self.write_csv()


def _typo(rng: Any, name: str) -> str:
    """One slip of the keyboard: an accent lost, a letter doubled or dropped."""
    plain = unicodedata.normalize("NFKD", name)
    unaccented = "".join(c for c in plain if not unicodedata.combining(c))
    if unaccented != name and rng.random() < 0.5:
        return unaccented
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i] + name[i:] if rng.random() < 0.5 else name[:i] + name[i + 1 :]


def _csv_row(e: Entry) -> dict[str, str]:
    return {
        "ID": e.key,
        "Prénom": e.first,
        "Nom": e.last,
        "Email": e.email,
        "Téléphone": e.phone,
        "Ville": SITES[e.site],
        "Date": e.at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
        "Consentement": "Oui" if e.consent else "Non",
        "Statut": "Annulé" if e.cancelled else "Confirmé",
    }


def _tally_submission(e: Entry) -> dict[str, Any]:
    answers: list[tuple[str, Any]] = [(Q_FIRST_NAME, e.first), (Q_LAST_NAME, e.last)]
    if e.email:
        answers.append((Q_EMAIL, e.email))
    if e.phone:
        answers.append((Q_PHONE, e.phone))
    answers.append((Q_SITE, [TALLY_SITE[SITES[e.site]]]))
    answers.append((Q_CONSENT, list(CONSENT_OPTIONS) if e.consent else None))
    return {
        "id": e.key,
        "formId": FORM_ID,
        "respondentId": f"r{e.key}",
        "isCompleted": True,
        "submittedAt": format_time(e.at),
        "responses": [{"id": f"{e.key}{q}", "questionId": q, "answer": a} for q, a in answers],
    }


def _helloasso_item(e: Entry) -> dict[str, Any]:
    """One free-event registration in HelloAsso's ``Item`` shape; the participant pays for
    themselves. A blank answer is left out, as HelloAsso does."""
    answers = [
        (100, "Email", "TextInput", e.email),
        (101, "Téléphone", "Phone", e.phone),
        (102, "Site", "ChoiceList", SITES[e.site]),
    ]
    item_id, org, slug = int(e.key), "emmaus-connect", "journees-engagees"
    return {
        "order": {
            "id": item_id - 1_000_000,
            "date": helloasso_date(e.at),
            "formSlug": slug,
            "formType": "Event",
            "organizationName": "Emmaüs Connect (fictif)",
            "organizationSlug": org,
            "organizationType": "Association1901",
            "organizationIsUnderColucheLaw": False,
            "meta": {
                "createdAt": helloasso_date(e.at - timedelta(seconds=40)),
                "updatedAt": helloasso_date(e.at + timedelta(seconds=1)),
            },
        },
        "payer": {"email": e.email or None, "country": "FRA", "firstName": e.first, "lastName": e.last},
        "name": "Bénévole",
        "user": {"firstName": e.first, "lastName": e.last},
        "priceCategory": "Free",
        "customFields": [{"id": i, "name": n, "type": t, "answer": a} for i, n, t, a in answers if a],
        "options": [],
        "ticketUrl": f"https://www.helloasso.com/associations/{org}/evenements/{slug}/billets/{item_id}",
        "qrCode": f"{item_id}:FAKEQR",
        "tierDescription": "",
        "tierId": 1,
        "id": item_id,
        "amount": 0,
        "type": "Registration",
        "initialAmount": 0,
        "state": "Canceled" if e.cancelled else "Processed",
    }


# ---------------------------------------------------------------- syncs


def sync(config: Path) -> str:
    """The nightly flow in this process: "ok", or why it failed."""
    from rollcall.flows.nightly import nightly_sync

    started = time.monotonic()
    try:
        nightly_sync(config=str(config))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a night may fail; the next must repair it
        return f"failed ({type(exc).__name__}: {str(exc)[:120]})"
    finally:
        log.info("sync of %s took %.1f s", config, time.monotonic() - started)


def killed_sync(config: Path, url: str, env: dict[str, str], delay: float) -> str:
    """``nightly_sync`` in a fresh interpreter, sent SIGKILL ``delay`` seconds after its run is
    recorded (unless it ends first). Returns what happened."""
    from prefect.settings import PREFECT_API_URL

    before = _last_run(url)
    code = f"from rollcall.flows.nightly import nightly_sync; nightly_sync(config={str(config)!r})"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=config.parent,
        env={**os.environ, **env, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while process.poll() is None and _last_run(url) == before and time.monotonic() < deadline:
        time.sleep(0.02)  # watching for the run to start, not ordering anything
    try:
        process.wait(timeout=delay)
        return f"ended before the kill (exit {process.returncode})"
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return f"killed {delay:.2f} s into the run"


def _last_run(url: str) -> int:
    try:
        with session_scope(url) as session:
            return session.scalar(select(func.max(SyncRun.id))) or 0
    except Exception:  # noqa: BLE001 - the schema may not exist yet
        return 0


# ---------------------------------------------------------------- humans


@dataclass
class HumanInput:
    """What people did: review decisions and unmerges (on record keys; the database stores the
    decisions they lead to), and coordinators' cells."""

    actions: list[tuple[Any, ...]] = field(default_factory=list)  # ("decide", a, b, same) | ("unmerge", a)
    cells: dict[tuple[str, str, str], Any] = field(default_factory=dict)  # (site, reference, column) -> value


def record_keys(url: str) -> dict[int, RecordKey]:
    """Sign-up id -> its record's key."""
    with session_scope(url) as session:
        return {
            sid: (source, external_id)
            for sid, source, external_id in session.execute(
                select(Signup.id, RawRecord.source, RawRecord.external_id).join(
                    RawRecord, Signup.raw_record_id == RawRecord.id
                )
            )
        }


def current_signups(url: str) -> dict[RecordKey, tuple[int, int | None]]:
    """Record key -> (sign-up id, person id) of its current version."""
    with session_scope(url) as session:
        return {
            (source, external_id): (sid, person)
            for sid, person, source, external_id in session.execute(
                select(Signup.id, Signup.person_id, RawRecord.source, RawRecord.external_id)
                .join(RawRecord, Signup.raw_record_id == RawRecord.id)
                .where(RawRecord.is_current.is_(True))
            )
        }


def open_pairs(url: str) -> list[tuple[int, RecordKey, RecordKey]]:
    keys = record_keys(url)
    with session_scope(url) as session:
        return [
            (p.id, keys[p.signup_a], keys[p.signup_b])
            for p in session.scalars(select(ReviewPair).where(ReviewPair.status == "open").order_by(ReviewPair.id))
        ]


def cli(args: list[str]) -> str:
    """``rollcall ARGS`` through Typer's runner; returns the output, raises on a non-zero exit."""
    from typer.testing import CliRunner

    from rollcall.cli.main import app

    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        raise RuntimeError(f"rollcall {' '.join(args)} exited {result.exit_code}: {result.output[-500:]}")
    return result.output


def decide(config: Path, pair_id: int, same: bool) -> None:
    """``rollcall review decide D12 --same|--different``."""
    cli(["review", "decide", f"D{pair_id}", "--same" if same else "--different", "--config", str(config)])


def unmerge(config: Path, signup_id: int) -> None:
    """``rollcall unmerge S381``."""
    cli(["unmerge", f"S{signup_id}", "--config", str(config)])


def review_some(world: World, config: Path, url: str, human: HumanInput, most: int) -> None:
    """A reviewer decides up to ``most`` open pairs, rightly (they know who is who)."""
    pairs = open_pairs(url)
    for pair_id, a, b in world.rng.sample(pairs, min(most, len(pairs))):
        same = world.truth[a] == world.truth[b]
        decide(config, pair_id, same)
        human.actions.append(("decide", a, b, same))
        world.log.append(f"night {world.night}: review {a[1]} / {b[1]} -> {'same' if same else 'different'}")


def unmerge_one(world: World, config: Path, url: str, human: HumanInput, mistaken: float = 0.1) -> None:
    """Split a wrongly merged sign-up out of its person (the one whose volunteer is not the
    person's majority); now and then, by mistake, a rightly merged one."""
    people: dict[int, list[RecordKey]] = {}
    for record, (_, person) in current_signups(url).items():
        if person is not None:
            people.setdefault(person, []).append(record)
    wrong, right = [], []
    for records in people.values():
        if len(records) < 2:
            continue
        majority, _ = Counter(world.truth[r] for r in records).most_common(1)[0]
        strays = sorted(r for r in records if world.truth[r] != majority)
        (wrong if strays else right).append(strays[0] if strays else sorted(records)[-1])
    pool = sorted(wrong) or (sorted(right) if world.rng.random() < mistaken else [])
    if not pool:
        return
    record = world.rng.choice(pool)
    unmerge(config, current_signups(url)[record][0])
    human.actions.append(("unmerge", record))
    world.log.append(f"night {world.night}: unmerge {record[1]}{'' if wrong else ' (by mistake)'}")


def coordinator_types(world: World, roster_dir: Path, human: HumanInput, count: int) -> None:
    """A coordinator ticks Présent, or types a note or "Appelé", on a few rows of a workbook."""
    books = sorted(roster_dir.glob("[!.]*.xlsx"))
    for _ in range(count):
        if not books:
            return
        path = world.rng.choice(books)
        book = openpyxl.load_workbook(path)
        sheet = book["Inscrits"]
        header = [c.value for c in sheet[1]]
        rows = [r for r in sheet.iter_rows(min_row=2) if r[0].value and r[header.index("Statut")].value != "Retiré"]
        if not rows:
            book.close()
            continue
        row = world.rng.choice(rows)
        column, value = world.rng.choice(
            [("Présent", True), ("Notes", f"note {len(human.cells) + 1}"), ("Appelé", "oui")]
        )
        row[header.index(column)].value = value
        book.save(path)
        book.close()
        site = path.name.split(" ")[0]
        human.cells[(site, str(row[0].value), column)] = value
        world.log.append(f"night {world.night}: {site} coordinator sets {column} on {row[0].value}")


def coordinator_cells_lost(human: HumanInput, coordinator: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """What a coordinator typed that is no longer on a row still present (rows keep their
    reference, so a row still there is found by it)."""
    lost = []
    for (site, reference, column), value in sorted(human.cells.items()):
        row = coordinator.get(site, {}).get(reference)
        if row is not None and row.get(column) != value:
            lost.append(f"{site} {reference} {column}: typed {value!r}, now {row.get(column)!r}")
    return lost


def stored_decisions(url: str) -> list[tuple[RecordKey, RecordKey, bool]]:
    """The decisions a database holds (review decisions, and those an unmerge stores), on
    record keys, the latest per pair, in the order they were taken: the human input a clean
    replay is given."""
    from rollcall.connectors import matching_store

    with session_scope(url) as session:
        return matching_store.decisions_by_record(session, "convergence")


def reapply(decisions: list[tuple[RecordKey, RecordKey, bool]], config: Path, url: str) -> list[str]:
    """The same decisions on the replay's sign-ups (mapped by record key): through
    ``rollcall review decide`` where the replay queued the pair for review, else stored as the
    CLI stores them (the next sync resolves everyone under them). A decision on a record no
    longer current is skipped. Returns notes on what did not go through the CLI."""
    from rollcall.connectors import matching_store

    notes = []
    for a, b, same in decisions:
        now = current_signups(url)
        if a not in now or b not in now:
            continue
        pair = next((pid for pid, x, y in open_pairs(url) if {x, y} == {a, b}), None)
        if pair is not None:
            decide(config, pair, same)
            continue
        notes.append(
            f"decision {a[0]}:{a[1]} / {b[0]}:{b[1]} ({'same' if same else 'different'}) "
            "not queued for review in the replay: stored directly"
        )
        with session_scope(url) as session:
            matching_store.record_decision(session, now[a][0], now[b][0], same, decided_by="replay")
    return notes
