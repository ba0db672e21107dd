"""The campaign configuration: one human-edited TOML file, validated with pydantic.

Why TOML: it is readable by non-developers, needs no extra parser (``tomllib`` is in the
standard library) and keeps dates as dates. Errors name the bad key with its path, e.g.
``sites.3.date: Input should be a valid date``, so a person editing the file finds it.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import os
import re
import stat
import tomllib
import unicodedata
import zoneinfo
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url

from rollcall.models.errors import CONFIGURATION, RollcallError
from rollcall.models.records import SIGNUP_FIELDS, Site

#: The campaign file used when none is given (relative to the working directory).
DEFAULT_CONFIG = "examples/journees-engagees-2022/campaign.toml"

#: Environment variable that overrides ``[database] url`` (production points it at PostgreSQL).
DATABASE_URL_ENV = "ROLLCALL_DATABASE_URL"

#: Known mappings. The JeVeuxAider one uses the real column names of its participations export
#: (``app/Exports/ParticipationsExport.php`` in betagouv/jeveuxaider-back). The volunteer's own
#: postcode (``benevole_code_postal``) is where they live, not where they go: it is kept raw
#: but not mapped to the site.
PRESETS: dict[str, dict[str, str]] = {
    # Each web form kind's fixed keys (see transforms/answers/); questions are mapped per form.
    "tally": {"external_id": "id", "submitted_at": "submittedAt"},
    "typeform": {"external_id": "response_id", "submitted_at": "submitted_at"},
    "helloasso": {
        "external_id": "id",
        "first_name": "user.firstName",
        "last_name": "user.lastName",
        "submitted_at": "order.date",
        "status": "state",
    },
    # createTime, not lastSubmittedTime: an edit must not move the registration date
    "google_forms": {"external_id": "responseId", "submitted_at": "createTime"},
    "jeveuxaider": {
        "external_id": "id",
        "first_name": "benevole_prenom",
        "last_name": "benevole_nom",
        "email": "benevole_email",
        "phone": "benevole_mobile",
        "site": "mission_nom",
        "submitted_at": "date_creation",
        "status": "statut",
        "time_slot": "créneaux_bénévole",
        # read for the minor flag only: the birth date itself is not stored
        "age": "benevole_date_anniversaire",
    },
}

#: Preset fields read when the export has their column, not required: older JeVeuxAider
#: exports have no time slots. A field set in ``fields`` is required as usual.
PRESET_OPTIONAL: dict[str, frozenset[str]] = {"jeveuxaider": frozenset({"time_slot", "age"})}


#: The encodings a text export may be read in: UTF, and the Western European 8-bit ones a
#: French export really uses. Any other 8-bit codec (iso8859_10, cp874, cp932...) decodes
#: "Hélène" written in UTF-8 without an error, as "HÃĐlÃĻne": it is refused, not tried.
TEXT_ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
    "cp1252",
    "latin-1",
    "iso8859-15",
    "cp850",
    "mac-roman",
)
_TEXT_CODECS = frozenset(codecs.lookup(name).name for name in TEXT_ENCODINGS)

#: What a file name must not hold (separators, Windows' reserved characters, controls).
_UNSAFE_IN_FILE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_FILE_NAME_CHARS = 100


def plausible_encoding(name: str) -> str | None:
    """The codec's canonical name ("utf-8", "cp1252"...) when ``name`` is one of
    ``TEXT_ENCODINGS`` (any spelling Python accepts), else None (unknown, or not text)."""
    try:
        codec = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        return None
    return codec.name if codec.name in _TEXT_CODECS else None


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def checked_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, exactly spelt ("Europe/Paris"); a typo fails at
    load with the nearest zone, not every night in normalisation."""
    zones = _time_zones()
    if name in zones:
        return name
    if not zones:  # no time zone list on this system: ask zoneinfo itself
        try:
            zoneinfo.ZoneInfo(name)
            return name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    same = [zone for zone in zones if zone.lower() == name.strip().lower()]
    near = same or difflib.get_close_matches(name, sorted(zones), n=1)
    hint = f'; did you mean "{near[0]}"?' if near else ' such as "Europe/Paris"'
    raise ValueError(f"unknown time zone {name!r}: give an IANA time zone name{hint}")


def safe_file_stem(text: str) -> str:
    """``text`` as a file name part that stays in its folder: separators and characters
    Windows refuses become "-", blanks are collapsed, dots and dashes trimmed at the ends,
    at most ``MAX_FILE_NAME_CHARS`` characters ("Saint-Denis / Pleyel" -> "Saint-Denis - Pleyel",
    "../../x/Paris" -> "x-Paris")."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE_IN_FILE_NAME.sub("-", text)
    text = re.sub(r"\.{2,}", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"-+( ?-+)*", lambda m: " - " if " " in m.group(0) else "-", text)
    return text.strip(" .-")[:MAX_FILE_NAME_CHARS].strip(" .-")


def safe_title(text: str, limit: int = 100) -> str:
    """A spreadsheet title: one line, no control character, at most ``limit`` characters."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", unicodedata.normalize("NFC", text))
    return re.sub(r"\s+", " ", text).strip()[:limit].strip()


class ConfigError(RollcallError):
    """The campaign file is missing or invalid; the message names the file and the keys."""

    kind = CONFIGURATION


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo like ``capacty`` must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RosterTarget(StrictModel):
    """Where a site's roster goes. ``xlsx`` is the embedded default: a local workbook.
    ``google_sheet``: the spreadsheet ``spreadsheet`` (its key), or one created and shared
    with the site's coordinators on the first push when no key is given."""

    kind: Literal["xlsx", "google_sheet"] = "xlsx"
    spreadsheet: str | None = None


class SiteConfig(StrictModel):
    code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,8}$")]
    name: str
    city: str
    date: date
    departement: Annotated[str | None, Field(pattern=r"^(\d{2,3}|2A|2B)$")] = None
    postcodes: list[Annotated[str, Field(pattern=r"^\d{5}$")]] = []
    aliases: list[str] = []
    capacity: Annotated[int, Field(gt=0)]
    coordinators: list[str] = []
    roster: RosterTarget = RosterTarget()

    @property
    def roster_file_name(self) -> str:
        """The local roster workbook's file name, "STD Saint-Denis - Pleyel.xlsx": the code
        first (unique, so the names are), then the name made safe (``safe_file_stem``)."""
        stem = safe_file_stem(self.name)
        return f"{self.code} {stem}.xlsx" if stem else f"{self.code}.xlsx"

    @property
    def roster_title(self) -> str:
        """The site's name as a spreadsheet title (one line, bounded)."""
        return safe_title(self.name) or self.code

    def to_site(self) -> Site:
        return Site(
            code=self.code,
            name=self.name,
            city=self.city,
            date=self.date,
            departement=self.departement,
            postcodes=tuple(self.postcodes),
            aliases=tuple(self.aliases),
        )


FILE_KINDS = ("csv", "xlsx")
SHEET_KINDS = ("google_sheet",)
FORM_KINDS = ("tally", "typeform", "helloasso", "google_forms")
#: An export of the people who already volunteer at the association (CSV or XLSX): not
#: sign-ups, never landed nor put on a roster; each sync matches registrants against it to
#: tell new volunteers from returning ones (``flows.volunteer_base``).
BASE_KINDS = ("volunteer_base",)

SOURCE_KINDS = FILE_KINDS + SHEET_KINDS + FORM_KINDS + BASE_KINDS

#: The credentials each web form needs, by name. Each is given in the campaign file as a
#: reference, ``"env:VARIABLE"`` or ``"block:prefect-secret-block-name"``, never as a value.
FORM_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "tally": ("token",),
    "typeform": ("token",),
    "helloasso": ("client_id", "client_secret"),
    "google_forms": ("service_account",),
}

SecretRef = Annotated[str, Field(pattern=r"^(env|block):[A-Za-z0-9_.-]+$")]


class SourceBase(StrictModel):
    """What every source kind has: a place sign-ups come from, and how its columns or
    questions map to our fields. Each kind is its own model below (``SourceConfig``, a union
    told apart by ``kind``), so a field of another kind is refused by name at load.

    ``fields`` maps our field name (``first_name``, ``email``...) to the source's column
    header (files) or question id, ref or title (forms), or to a list of them where the
    first non-empty one wins (HelloAsso: the participant's own email, else the payer's).
    A ``preset`` and each form kind supply known mappings; ``fields`` overrides them.
    ``timezone`` is the zone of the source's timestamps when they carry none (the
    campaign's by default).
    """

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    kind: str
    label: str | None = None
    #: The source holds every current record (a staff sheet, a full export): a record missing
    #: from it is marked removed, so the database follows the source as it is now, and a
    #: registration with no record left is removed. Default: true for sheets and exports
    #: (an export replaced by a newer one is a full export); set false for a file that
    #: only ever holds the latest sign-ups, dropped in place of the previous one.
    snapshot: bool | None = None
    preset: Literal["jeveuxaider"] | None = None
    fields: dict[str, str | list[str]] = {}
    timezone: str | None = None
    #: "if-credentials": pulled only when its credentials are set (skipped, and said so,
    #: otherwise); true: missing credentials fail the source.
    enabled: bool | Literal["if-credentials"] = True

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(fields) - set(SIGNUP_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {list(SIGNUP_FIELDS)}")
        return fields

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, timezone: str | None) -> str | None:
        return None if timezone is None else checked_timezone(timezone)

    @model_validator(mode="after")
    def _mapped(self) -> Self:
        if not self.preset and not self.fields:
            raise ValueError("a source needs `fields` (our field = their column) or a `preset`")
        return self

    @property
    def is_volunteer_base(self) -> bool:
        return self.kind in BASE_KINDS

    @property
    def is_form(self) -> bool:
        return self.kind in FORM_KINDS

    @property
    def is_snapshot(self) -> bool:
        return self.snapshot if self.snapshot is not None else self.kind in SHEET_KINDS + FILE_KINDS

    @property
    def mapping(self) -> dict[str, tuple[str, ...]]:
        """The effective field mapping, field -> columns: the kind's and preset's defaults,
        overridden by ``fields``."""
        merged = {**PRESETS.get(self.kind, {}), **PRESETS.get(self.preset or "", {}), **self.fields}
        return {f: (c,) if isinstance(c, str) else tuple(c) for f, c in merged.items()}

    @property
    def columns(self) -> set[str]:
        """Every column the mapping reads: each must exist in the source (but a preset's
        optional ones, ``PRESET_OPTIONAL``)."""
        optional = PRESET_OPTIONAL.get(self.preset or "", frozenset()) - set(self.fields)
        return {column for field, columns in self.mapping.items() if field not in optional for column in columns}

    def extract(self, payload: dict[str, str]) -> dict[str, str | None]:
        """Our fields from a raw payload: the first non-blank mapped column of each."""
        return {
            field: next((payload[c] for c in columns if (payload.get(c) or "").strip()), None)
            for field, columns in self.mapping.items()
        }

    @property
    def display_name(self) -> str:
        return self.label or self.name


class _FileFields(SourceBase):
    """A file on disk, relative to the campaign file (``Campaign.source_path``). ``sheet``:
    the XLSX tab (the first by default); ``encoding``/``delimiter``: a CSV's, detected when
    not given."""

    path: Path
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    @field_validator("encoding")
    @classmethod
    def _text_encoding(cls, encoding: str | None) -> str | None:
        if encoding is not None and plausible_encoding(encoding) is None:
            raise ValueError(
                f"encoding {encoding!r} is not one rollcall reads; use one of "
                f"{', '.join(TEXT_ENCODINGS)}, or remove it to let rollcall detect it"
            )
        return encoding

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, delimiter: str | None) -> str | None:
        if delimiter is not None and len(delimiter) != 1:
            raise ValueError(f'delimiter must be one character, not {delimiter!r} (";" "," "\\t" "|")')
        return delimiter


class FileSource(_FileFields):
    """A CSV or XLSX export of sign-ups kept by site staff (JeVeuxAider, a hand-kept list)."""

    kind: Literal["csv", "xlsx"]


class VolunteerBaseSource(_FileFields):
    """An export of the people who already volunteer at the association (CSV or XLSX): not
    sign-ups, never landed nor put on a roster; each sync matches registrants against it to
    tell new volunteers from returning ones (``flows.volunteer_base``)."""

    kind: Literal["volunteer_base"]


class SheetSource(SourceBase):
    """A staff Google sheet: the spreadsheet ``spreadsheet`` (its key), tab ``sheet``."""

    kind: Literal["google_sheet"]
    spreadsheet: str
    sheet: str


class FormSource(SourceBase):
    """A web form read through its provider's API. ``form_id``: Tally's, Typeform's or
    Google's form id; HelloAsso's form slug. ``credentials``: the names its kind needs
    (``FORM_CREDENTIALS``), each an ``env:``/``block:`` reference, never a value."""

    form_id: Annotated[str, Field(min_length=1)]
    #: Each sync reads the whole form, so a submission deleted at the provider, or an edit or
    #: cancellation its date filter does not return, is seen (what it no longer lists stops
    #: being current). False: only what changed since the last pull (fewer requests on a very
    #: large form; deletions at the provider are then never seen).
    full_read: bool = True
    #: With ``full_read = false``: read the whole form all the same when the last full read
    #: is older than this many days (so a deletion at the provider leaves within a week), and
    #: whenever asked (``rollcall sync --full-read``; the flows' ``full_read`` parameter).
    reconcile_days: Annotated[int, Field(gt=0)] = 7
    base_url: str | None = None  # Typeform EU accounts: https://api.eu.typeform.com
    page_size: Annotated[int | None, Field(gt=0)] = None  # the provider's maximum by default
    credentials: dict[str, SecretRef] = {}

    @model_validator(mode="after")
    def _credentials_named(self) -> Self:
        missing = sorted(set(FORM_CREDENTIALS[self.kind]) - set(self.credentials))
        if missing:
            raise ValueError(
                f'a {self.kind} source needs credentials {missing}, each as "env:VARIABLE" or "block:secret-block-name"'
            )
        return self


class TallySource(FormSource):
    kind: Literal["tally"]


class TypeformSource(FormSource):
    kind: Literal["typeform"]


class GoogleFormsSource(FormSource):
    kind: Literal["google_forms"]


class HelloAssoSource(FormSource):
    """``organization``: the organisation's slug; ``form_type``: HelloAsso's (Event...)."""

    kind: Literal["helloasso"]
    organization: Annotated[str, Field(min_length=1)]
    form_type: str = "Event"


#: One source of the campaign file, its model chosen by ``kind``.
SourceConfig = Annotated[
    FileSource | VolunteerBaseSource | SheetSource | TallySource | TypeformSource | HelloAssoSource | GoogleFormsSource,
    Field(discriminator="kind"),
]
_SOURCE = TypeAdapter(SourceConfig)


def source_config(**fields: object) -> SourceConfig:
    """One source from its fields, as a ``[[sources]]`` table of the campaign file gives them
    (its kind's model, validated)."""
    return _SOURCE.validate_python(fields)


class CampaignInfo(StrictModel):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    goal: Annotated[int, Field(gt=0)]
    timezone: str = "Europe/Paris"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, timezone: str) -> str:
        return checked_timezone(timezone)

    #: Personal data of an event is redacted this many days after its date (`rollcall purge`).
    retention_days: Annotated[int, Field(gt=0)] = 365


class DatabaseConfig(StrictModel):
    #: A relative SQLite path is relative to the campaign file (see ``Campaign._beside_file``).
    url: str = "sqlite:///var/rollcall.db"


class RostersConfig(StrictModel):
    #: Relative to the campaign file, like sources' paths.
    directory: Path = Path("var/rosters")


class ReviewConfig(StrictModel):
    #: The "Doublons à vérifier" workbook each sync writes and the next reads back; relative to
    #: the campaign file. It holds every site's pairs: keep it where only ops can read it.
    workbook: Path = Path("var/Doublons à vérifier.xlsx")


class GoogleConfig(StrictModel):
    """The Google account that writes rosters (and reads staff sheets).

    ``credentials``: ``service_account`` (the JSON key, as text) or ``access_token`` (a
    short-lived OAuth token, e.g. for a one-off push), each as an ``env:``/``block:`` reference.
    """

    credentials: dict[Literal["service_account", "access_token"], SecretRef] = {}
    folder_id: str | None = None  # a Drive folder for the spreadsheets rollcall creates
    base_url: str | None = None  # tests point this at a local fake of the Sheets API


class NotificationsConfig(StrictModel):
    """``failure_webhook``: a chat webhook (Slack, Mattermost, Teams, Rocket.Chat: anything
    taking ``{"text": ...}``) told when a sync fails, as an ``env:``/``block:`` reference:
    webhook URLs are secrets."""

    failure_webhook: SecretRef | None = None


class Campaign(StrictModel):
    """The whole configuration file."""

    campaign: CampaignInfo
    database: DatabaseConfig = DatabaseConfig()
    rosters: RostersConfig = RostersConfig()
    review: ReviewConfig = ReviewConfig()
    google: GoogleConfig = GoogleConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    sites: list[SiteConfig]
    sources: list[SourceConfig] = []
    base_dir: Path = Path(".")

    @model_validator(mode="before")
    @classmethod
    def _beside_file(cls, data: object) -> object:
        """Relative paths (SQLite database, roster folder) are relative to the campaign file,
        like sources' paths: every command finds the same database from any directory."""
        if not isinstance(data, dict) or "base_dir" not in data:
            return data
        base = Path(data["base_dir"])
        database, rosters = dict(data.get("database") or {}), dict(data.get("rosters") or {})
        review = dict(data.get("review") or {})
        database["url"] = sqlite_beside(database.get("url", DatabaseConfig().url), base)
        directory = Path(rosters.get("directory", RostersConfig().directory))
        rosters["directory"] = directory if directory.is_absolute() else base / directory
        workbook = Path(review.get("workbook", ReviewConfig().workbook))
        review["workbook"] = workbook if workbook.is_absolute() else base / workbook
        return {**data, "database": database, "rosters": rosters, "review": review}

    @model_validator(mode="after")
    def _unique_codes(self) -> Campaign:
        for what, names in (
            ("site code", [s.code for s in self.sites]),
            ("source name", [s.name for s in self.sources]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"duplicate {what}(s): {dupes}")
        return self

    @model_validator(mode="after")
    def _roster_files_unique(self) -> Campaign:
        names = [s.roster_file_name.casefold() for s in self.sites]
        dupes = sorted({s.roster_file_name for s in self.sites if names.count(s.roster_file_name.casefold()) > 1})
        if dupes:
            raise ValueError(f"sites share a roster file name: {dupes}; give them different names")
        return self

    @model_validator(mode="after")
    def _source_files_are_files(self) -> Campaign:
        """A source path that exists must be a regular file: a folder, /dev/zero or a pipe is
        refused at load, not found out when a sync holding the lock tries to read it. A path
        not there yet is the sync's business (that source fails; the others sync)."""
        for source in self.sources:
            if not isinstance(source, FileSource):
                continue
            path = self.source_path(source)
            suffixes = (".csv", ".txt", ".tsv") if source.kind == "csv" else (".xlsx", ".xlsm")
            if path.suffix.lower() not in suffixes:
                raise ValueError(
                    f"source {source.name}: path {str(path)!r} should end with "
                    f"{' or '.join(suffixes)} for a {source.kind} source"
                )
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                continue
            except OSError as error:
                raise ValueError(
                    f"source {source.name}: path {str(path)!r} cannot be read ({error.strerror})"
                ) from None
            if not stat.S_ISREG(mode):
                what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device or a pipe)"
                raise ValueError(
                    f"source {source.name}: path {str(path)!r} is {what}; set it to the export file itself"
                )
        return self

    @model_validator(mode="after")
    def _google_credentials_for_sheets(self) -> Campaign:
        uses_google = any(s.roster.kind == "google_sheet" for s in self.sites) or any(
            s.kind in SHEET_KINDS for s in self.sources
        )
        if uses_google and not self.google.credentials:
            raise ValueError("google_sheet rosters and sources need [google] credentials")
        return self

    @property
    def database_url(self) -> str:
        return os.environ.get(DATABASE_URL_ENV) or self.database.url

    def site(self, code: str) -> SiteConfig:
        return next(s for s in self.sites if s.code == code)

    def roster_path(self, site: SiteConfig) -> Path:
        """The site's local roster workbook, always directly in the roster folder."""
        path = self.rosters.directory / site.roster_file_name
        assert path.parent == self.rosters.directory and os.sep not in site.roster_file_name
        return path

    def source_path(self, source: FileSource | VolunteerBaseSource) -> Path:
        """Source files are relative to the configuration file, so an example folder moves whole."""
        return source.path if source.path.is_absolute() else self.base_dir / source.path


def sqlite_beside(url: object, base: Path) -> object:
    """A SQLite URL whose file path is relative, made absolute under ``base``; any other URL
    (PostgreSQL, an absolute or in-memory SQLite) as it is."""
    if not isinstance(url, str) or not url.startswith("sqlite"):
        return url
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:") or Path(database).is_absolute():
        return url
    return parsed.set(database=str(base / database)).render_as_string(hide_password=False)


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file; raise ConfigError with every bad key named."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"campaign file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Campaign.model_validate({**data, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid campaign configuration\n{_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    """One line per error, ``sites.3.date: Input should be a valid date``."""
    lines = []
    for error in exc.errors():
        # A source's model is chosen by its kind, which pydantic adds to the path
        # (``sources.2.tally.form_id``): the file has no such level, so it is left out.
        loc = [part for part in error["loc"] if part not in SOURCE_KINDS]
        where = ".".join(str(part) for part in loc) or "(top level)"
        kind = next((part for part in error["loc"] if part in SOURCE_KINDS), None)
        if kind and error["type"] == "extra_forbidden":
            lines.append(f"  {where}: not a setting of a {kind} source; remove it (or check its spelling)")
            continue
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)
