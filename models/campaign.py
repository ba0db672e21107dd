"""The campaign configuration: one human-edited TOML file, validated with pydantic.

Why TOML: it is readable by non-developers, needs no extra parser (``tomllib`` is in the
standard library) and keeps dates as dates. Errors name the bad key with its path, e.g.
``sites.3.date: Input should be a valid date``, so a person editing the file finds it.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.records import SIGNUP_FIELDS, Site

#: Environment variable that overrides ``[database] url`` (production points it at PostgreSQL).
DATABASE_URL_ENV = "ROLLCALL_DATABASE_URL"

#: Real column names of JeVeuxAider.gouv.fr's participations export
#: (``app/Exports/ParticipationsExport.php`` in betagouv/jeveuxaider-back). The volunteer's own
#: postcode (``benevole_code_postal``) is where they live, not where they go: it is kept raw
#: but not mapped to the site.
PRESETS: dict[str, dict[str, str]] = {
    "jeveuxaider": {
        "external_id": "id",
        "first_name": "benevole_prenom",
        "last_name": "benevole_nom",
        "email": "benevole_email",
        "phone": "benevole_mobile",
        "site": "mission_nom",
        "submitted_at": "date_creation",
        "status": "statut",
    },
}


class ConfigError(Exception):
    """The campaign file is missing or invalid; the message names the file and the keys."""


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo like ``capacty`` must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RosterTarget(StrictModel):
    """Where a site's roster goes. ``xlsx`` is the embedded default: a local workbook."""

    kind: Literal["xlsx"] = "xlsx"


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


class SourceConfig(StrictModel):
    """A place sign-ups come from, and how its columns map to our fields.

    ``fields`` maps our field name (``first_name``, ``email``...) to the source's column
    header, or to a list of headers where the first non-empty one wins (HelloAsso: the
    participant's own email, else the payer's). A ``preset`` supplies a known mapping
    (``jeveuxaider``); ``fields`` overrides it. ``timezone`` is the zone of the source's
    timestamps when they carry none (the campaign's by default).
    """

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    kind: Literal["csv", "xlsx"]
    label: str | None = None
    path: Path
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    preset: Literal["jeveuxaider"] | None = None
    fields: dict[str, str | list[str]] = {}
    timezone: str | None = None
    enabled: bool = True

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(fields) - set(SIGNUP_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {list(SIGNUP_FIELDS)}")
        return fields

    @model_validator(mode="after")
    def _has_mapping(self) -> SourceConfig:
        if not self.preset and not self.fields:
            raise ValueError("a source needs `fields` (our field = their column) or a `preset`")
        return self

    @property
    def mapping(self) -> dict[str, tuple[str, ...]]:
        """The effective field mapping, field -> columns: the preset's, overridden by ``fields``."""
        merged = {**PRESETS.get(self.preset or "", {}), **self.fields}
        return {f: (c,) if isinstance(c, str) else tuple(c) for f, c in merged.items()}

    @property
    def columns(self) -> set[str]:
        """Every column the mapping reads: each must exist in the source."""
        return {column for columns in self.mapping.values() for column in columns}

    def extract(self, payload: dict[str, str]) -> dict[str, str | None]:
        """Our fields from a raw payload: the first non-blank mapped column of each."""
        return {
            field: next((payload[c] for c in columns if (payload.get(c) or "").strip()), None)
            for field, columns in self.mapping.items()
        }

    @property
    def display_name(self) -> str:
        return self.label or self.name


class CampaignInfo(StrictModel):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    goal: Annotated[int, Field(gt=0)]
    timezone: str = "Europe/Paris"


class DatabaseConfig(StrictModel):
    url: str = "sqlite:///var/rollcall.db"


class RostersConfig(StrictModel):
    directory: Path = Path("var/rosters")


class Campaign(StrictModel):
    """The whole configuration file."""

    campaign: CampaignInfo
    database: DatabaseConfig = DatabaseConfig()
    rosters: RostersConfig = RostersConfig()
    sites: list[SiteConfig]
    sources: list[SourceConfig] = []
    base_dir: Path = Path(".")

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

    @property
    def database_url(self) -> str:
        return os.environ.get(DATABASE_URL_ENV) or self.database.url

    def site(self, code: str) -> SiteConfig:
        return next(s for s in self.sites if s.code == code)

    def source_path(self, source: SourceConfig) -> Path:
        """Source files are relative to the configuration file, so an example folder moves whole."""
        return source.path if source.path.is_absolute() else self.base_dir / source.path


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
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)
