"""What the fault and bad-input suites tried, printed at the end of the session by their conftests
(``pytest_terminal_summary``), so it shows with or without ``-s``."""

from __future__ import annotations

#: (section, line): "tally-form 503 x4", "seed 3: killed after 2.1 s".
LINES: list[tuple[str, str]] = []


def report(section: str, line: str) -> None:
    LINES.append((section, line))
