"""Commands that look (``status``, ``review``, ``explain``, ``quarantine``) or decide
(``review decide``, ``unmerge``) need the campaign's database as a sync left it: they never
create a database nor migrate one, so a look cannot change production's schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from rollcall.cli.errors import CliError, ExitCode
from rollcall.connectors.database import DatabaseUnavailable, alembic_config, get_engine, safe_url
from rollcall.models.campaign import DEFAULT_CONFIG, Campaign, load_campaign

CONFIG_ENV = "ROLLCALL_CONFIG"
ConfigOption = Annotated[Path, typer.Option("--config", "-c", envvar=CONFIG_ENV, help="The campaign file (TOML).")]
DEFAULT_CONFIG_PATH = Path(DEFAULT_CONFIG)


def local_time(moment: datetime, campaign: Campaign) -> datetime:
    """A stored time (UTC, naive or not) in the campaign's time zone, as people read it."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(campaign.campaign.timezone))


def load(config: Path) -> Campaign:
    """The campaign file, validated; a missing one says how to name it."""
    if not Path(config).is_file():
        raise CliError(
            f"Campaign file not found: {config}", ExitCode.USAGE, f"Give it with --config FILE (or set {CONFIG_ENV})."
        )
    return load_campaign(config)


def readable(config: Path) -> Campaign:
    """The campaign, its database existing and at this rollcall's schema (nothing created)."""
    campaign = load(config)
    require_database(campaign, config)
    return campaign


def require_database(campaign: Campaign, config: Path) -> None:
    """Raise a CliError saying what to run unless the database exists at this rollcall's schema."""
    url = campaign.database_url
    sa_url = make_url(url)
    create = f"Run `rollcall sync --config {config}` to create it from the sources."
    if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
        if not Path(sa_url.database).is_file():
            raise CliError(
                f"No database at {sa_url.database}: no sync has run for this campaign yet.",
                ExitCode.NO_DATABASE,
                create,
            )
    try:
        with get_engine(url).connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach database {safe_url(url)}: {reason}") from None
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    if current == heads:
        return
    if not current:
        raise CliError(f"Database {safe_url(url)} holds no rollcall schema.", ExitCode.NO_DATABASE, create)
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        raise CliError(
            f"Database {safe_url(url)} was migrated by a newer rollcall (schema {', '.join(sorted(current))}).",
            ExitCode.NO_DATABASE,
            "Update rollcall to the version that runs the nightly sync.",
        )
    raise CliError(
        f"Database {safe_url(url)} is at an older schema ({', '.join(sorted(current))}).",
        ExitCode.NO_DATABASE,
        f"Run `rollcall db upgrade --config {config}`, then this command again.",
    )
