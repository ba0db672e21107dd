"""The fault suite's report: what it tried and that nothing was lost, printed at the end."""

from __future__ import annotations

import pytest

from faults.report import LINES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    sections: dict[str, list[str]] = {}
    for section, line in LINES:
        sections.setdefault(section, []).append(line)
    for section, lines in sections.items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)
    LINES.clear()
