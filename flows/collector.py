"""Python's cyclic garbage collector, paced for a process that holds a whole campaign.

CPython runs a full collection after about 700 × 10 × 10 allocations, and a full collection
walks every object alive. A sync of 100,000 sign-ups keeps millions alive (sign-ups,
people, registrations, a roster's rows): each full collection took 0.3 s and a +1,000
night ran 19 of them, 4.9 s of its 34 s. The pipeline's data holds no reference cycles
that need collecting promptly (rows, tuples, dicts), so during a sync collections run a
hundred times less often; what cycles the sync leaves are collected once it has ended,
when the usual pace resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations before a young collection, and young (then middle) collections before the next
#: older one: CPython's defaults are (700, 10, 10).
SYNC_THRESHOLDS = (100_000, 50, 100)

_lock = threading.Lock()
_holders = 0
_usual: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """``SYNC_THRESHOLDS`` while the block runs; the thresholds before it once the last of
    several blocks running at once (flow runs in threads of one process) has ended."""
    global _holders, _usual  # noqa: PLW0603 - the collector's pace is one per process
    with _lock:
        if _holders == 0:
            _usual = gc.get_threshold()
            gc.set_threshold(*SYNC_THRESHOLDS)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _usual is not None:
                gc.set_threshold(*_usual)
