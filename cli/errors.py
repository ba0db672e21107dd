"""What ``rollcall`` does when something anticipated goes wrong: one or two lines saying what
happened and what to do, and an exit code from one table (README, *Command line*).

A traceback is for the unexpected; ``--verbose`` (anywhere on the line) adds it to the
anticipated ones too.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from enum import IntEnum
from typing import Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import TyperException

from rollcall.connectors.database import DatabaseUnavailable, SyncAlreadyRunning
from rollcall.models.campaign import ConfigError

errors = Console(stderr=True, soft_wrap=True)


class ExitCode(IntEnum):
    """The exit codes of every command; documented in the README."""

    OK = 0
    FAILED = 1  # the work was not (all) done: a source not synced, database unreachable, disk full
    USAGE = 2  # a bad option, argument or id; an invalid campaign file; an unreadable input file
    NO_DATABASE = 3  # no database yet, or one at another schema version: nothing was read or written
    NOT_FOUND = 4  # no registration, sign-up or pair with that id
    ALREADY_RUNNING = 5  # another sync of the campaign holds its lock: this one did nothing


class CliError(Exception):
    """An anticipated failure: ``message`` says what, ``hint`` what to do."""

    def __init__(self, message: str, code: ExitCode, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.hint = message, code, hint


#: Set by ``--verbose``: show Prefect's logs and the traceback of anticipated errors.
verbose = False
#: The process is the ``rollcall`` command itself: settings made for it may last until it exits.
as_program = False


def fail(error: CliError) -> NoReturn:
    """Print the error (and with ``--verbose`` its traceback) and exit with its code."""
    if verbose and sys.exc_info()[0] is not None:
        errors.print_exception()
    errors.print(f"[red]{error.message}[/red]", markup=True, highlight=False)
    if error.hint:
        errors.print(error.hint, markup=False, highlight=False)
    raise typer.Exit(int(error.code))


def classify(exc: BaseException) -> CliError | None:
    """The CLI error of an exception raised below the CLI, or None when it is unexpected."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, ConfigError):
        return CliError(str(exc), ExitCode.USAGE)
    if isinstance(exc, SyncAlreadyRunning):
        return CliError(
            f"Nothing done: {exc}.",
            ExitCode.ALREADY_RUNNING,
            "Wait for it to finish (`rollcall status` shows the last run), then run again if needed.",
        )
    if type(exc).__name__ == "CancelledRun":  # a flow refused by the lock (Prefect is slow to import)
        first = str(exc).split(". Wait", 1)[0]
        return CliError(
            f"{first}.",
            ExitCode.ALREADY_RUNNING,
            "Wait for it to finish (`rollcall status` shows the last run), then run again if needed.",
        )
    if isinstance(exc, DatabaseUnavailable):
        return CliError(str(exc), ExitCode.FAILED)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" writing {exc.filename}" if exc.filename else ""
        return CliError(
            f"No space left on the disk{where}.",
            ExitCode.FAILED,
            "Free some space, then run the same command again: nothing half-written is kept.",
        )
    return None


class RollcallGroup(TyperGroup):
    """The top-level command: takes ``--verbose`` anywhere and turns anticipated errors into
    one or two lines and an exit code."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        global verbose, as_program
        as_program = args is None  # run from the shell, not called by a test runner
        args = list(sys.argv[1:] if args is None else args)
        verbose = "--verbose" in args
        args = [a for a in args if a != "--verbose"]
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:
            error = classify(exc)
            if error is None:
                raise
            fail(error)
