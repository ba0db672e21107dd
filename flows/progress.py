"""How far a running sync is, for whoever watches it in the same process (the CLI's progress
display). The flow says which step it is in; it never waits on a listener, and with nobody
listening (a deployment, a worker) saying so costs nothing.

Steps are announced by name with ``done`` of ``total`` units (sources pulled so far, say):
counts only, never a person.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: ``(step, done, total)``: e.g. ``("Pulling tally-form", 2, 8)``.
Listener = Callable[[str, int, int], None]

_listeners: list[Listener] = []


def announce(step: str, done: int = 0, total: int = 1) -> None:
    """Tell the listeners the sync is at ``step``; a failing listener never fails the sync."""
    for listener in list(_listeners):
        try:
            listener(step, done, total)
        except Exception:  # noqa: BLE001, S110 - a display must not break the night's sync
            pass


@contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """Call ``listener`` for every step announced while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


class StepClock:
    """Seconds spent in each step of a run, for the run's report and the benchmarks:
    ``with clock("resolve"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = round(self.seconds.get(step, 0.0) + time.perf_counter() - started, 3)
