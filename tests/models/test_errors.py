"""Every family of rollcall's errors shares one base and one classification, which the
flows act on: only what waiting can fix is retried."""

from __future__ import annotations

import pytest

from rollcall.connectors.files import FileFormatError
from rollcall.connectors.google_sheets import SheetsError
from rollcall.connectors.http import (
    SourceAuthError,
    SourceMappingError,
    SourceNotFound,
    SourceResponseError,
    SourceUnavailable,
)
from rollcall.flows.secrets import MissingSecret
from rollcall.flows.steps import retry_if_transient
from rollcall.models.campaign import ConfigError
from rollcall.models.errors import RollcallError


@pytest.mark.parametrize(
    "error, kind",
    [
        (SourceUnavailable("Tally still answers 503 after the retries"), "transient"),
        (SheetsError("Google is unavailable", "unavailable"), "transient"),
        (SourceAuthError("token refused"), "configuration"),
        (SourceNotFound("no such form"), "configuration"),
        (SourceMappingError("no question Prénom"), "configuration"),
        (SheetsError("access removed", "permission"), "configuration"),
        (SheetsError("no such spreadsheet", "deleted"), "configuration"),
        (ConfigError("campaign.toml: sites.1.date"), "configuration"),
        (MissingSecret("TALLY_TOKEN is not set"), "configuration"),
        (SourceResponseError("unreadable page"), "data"),
        (SheetsError("request refused", "rejected"), "data"),
        (FileFormatError("export.csv: not a CSV"), "data"),
    ],
)
def test_each_error_says_who_acts(error: RollcallError, kind: str) -> None:
    assert isinstance(error, RollcallError) and error.kind == kind
    assert error.transient == (kind == "transient")


class FinishedState:
    """What Prefect hands a retry condition: a state whose result raises the task's error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def result(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    "error, retried",
    [
        (SourceUnavailable("503"), True),
        (SheetsError("Google unavailable", "unavailable"), True),
        (SourceAuthError("token refused"), False),
        (FileFormatError("not a CSV"), False),
        (KeyError("a bug"), False),
    ],
)
def test_a_pull_is_retried_only_when_waiting_can_fix_it(error: Exception, retried: bool) -> None:
    assert retry_if_transient(None, None, FinishedState(error)) is retried
