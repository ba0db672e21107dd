"""A process pool caught as one of its workers dies, for the tests of the worker processes."""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor


class PipeClosedPool(ProcessPoolExecutor):
    """A pool caught replacing a dead worker: ``submit`` raises the ``OSError`` seen in CI
    ("handle is closed") before the pool knows it is broken."""

    def submit(self, *args: object, **kwargs: object) -> Future[object]:  # type: ignore[override]
        raise OSError("handle is closed")
