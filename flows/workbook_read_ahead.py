"""Local roster workbooks read back while the sign-ups are resolved, on the core resolving
leaves idle.

On a night with new sign-ups every local roster is pushed, and each push begins by reading
its workbook back (``flows.workbook_push.workbook_tabs``): 1.9 s of CPU for the twelve
workbooks of a 100,000-sign-up campaign, in the roster step, where both cores are busy.
Resolving runs on one core, and the workbooks do not depend on it. So once a night
re-resolves (``start``), a worker process reads each local workbook back, one at a time,
in site order, and keeps what it read, pickled, in a private temporary folder
(``flows.workbook_push.ReadBack``). That site's push loads it instead of reading the
workbook (a tenth of the time), but only if the workbook still holds the very bytes that
were read (their SHA-256, ``tabs_read_back``); otherwise, or when anything about the saved
read fails, the push reads the workbook as always. A read not finished when the rosters
start is not waited for. The workers are the roster step's own: started while resolving,
the first is ready when the first roster is.

The pickles hold what the rosters hold (people's names and contacts): the folder is the
user's alone (``mkdtemp``, mode 700) and removed once the rosters are pushed or the sync
ends (``end``). Nothing here writes a roster or the database: stopping a worker while it
reads loses nothing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType

from rollcall.flows.workbook_push import ReadBack, read_back
from rollcall.flows.worker_pool import spawned_pool, stop_broken, submitted, worker_processes

log = logging.getLogger(__name__)


class ReadAhead:
    """Workbooks read back one at a time by a worker process of ``pool`` (a feeding thread
    waits for each read before sending the next: resolving keeps the other core), until
    ``stop_reading``; ``taken(path)``: the read of that workbook, once done.

    ``pool`` is the roster step's own (``WorkbookWriter(pool=...)``, ``handed_over``):
    started while resolving, its first worker is ready when the first roster is. Ends
    (``end``, or leaving its ``with``) by stopping any worker still its own and removing
    what was kept."""

    def __init__(self, paths: list[Path]) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="rollcall-read-")) if paths else None
        self.pool: ProcessPoolExecutor | None = spawned_pool(worker_processes()) if paths else None
        self._reads: dict[Path, Future[ReadBack | None]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._feeder = threading.Thread(target=self._feed, args=(paths,), name="rollcall-read-ahead", daemon=True)
        if paths:
            self._feeder.start()

    def _feed(self, paths: list[Path]) -> None:
        pool, folder = self.pool, self._folder
        if pool is None or folder is None:
            return
        for path in paths:
            with self._lock:  # no read sent once the roster step has said stop
                if self._stop.is_set():
                    return
                future = submitted(pool, read_back, path, folder)
                if future is None:
                    return
                self._reads[path] = future
            try:
                future.result()  # one read at a time: resolving keeps the other core
            except Exception:  # noqa: BLE001 - a worker lost: no more reads, the pushes read
                return

    def taken(self, path: Path) -> ReadBack | None:
        """The read of ``path`` if it is done and worked; never waits."""
        future = self._reads.pop(path, None)
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return None
        return future.result()

    def stop_reading(self) -> None:
        """No read started after this one: the rosters are being pushed and need both cores.
        The read under way finishes, and may be taken."""
        with self._lock:
            self._stop.set()

    def handed_over(self) -> ProcessPoolExecutor | None:
        """The pool, for the roster step's writer to use and end."""
        pool, self.pool = self.pool, None
        return pool

    def end(self) -> None:
        """A pool still its own stopped at once (it only read) and the reads removed."""
        self._stop.set()
        pool, self.pool = self.pool, None
        if pool is not None:
            workers = list((getattr(pool, "_processes", None) or {}).values())
            stop_broken(pool)  # its workers killed: a read stopped loses nothing
            for process in workers:
                process.join(timeout=5)  # gone before its folder is
        if self._feeder.is_alive():
            self._feeder.join(timeout=5)
        self._reads.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.end()


#: The read ahead under way in this process, by campaign (database and campaign code): the
#: resolve step starts it, the roster step takes it; both run in the sync's process.
_UNDER_WAY: dict[tuple[str, str], ReadAhead] = {}


#: A workbook smaller than this (about 1,700 rows) is left to its push to read: starting a
#: worker costs more than reading it, and its push runs in this process anyway
#: (``flows.workbook_writer.PARALLEL_FROM_ROWS``). A test's or a small campaign's night
#: then starts no process.
READ_AHEAD_FROM_BYTES = 200_000


def start(key: tuple[str, str], paths: list[Path], from_bytes: int = READ_AHEAD_FROM_BYTES) -> None:
    """Start reading these workbooks back (those that exist, of ``from_bytes`` or more),
    ending any earlier read of the same campaign."""
    end(key)
    large = [path for path in paths if path.is_file() and path.stat().st_size >= from_bytes]
    if large:
        _UNDER_WAY[key] = ReadAhead(large)
        log.debug("reading %d roster workbooks back while resolving", len(large))


def claimed(key: tuple[str, str]) -> ReadAhead:
    """The campaign's read ahead, for the roster step to take reads from and end; an empty
    one when none is under way (a roster push run alone, a retry in a new process)."""
    ahead = _UNDER_WAY.pop(key, None) or ReadAhead([])
    ahead.stop_reading()
    return ahead


def end(key: tuple[str, str]) -> None:
    """End the campaign's read ahead if one is under way (the sync ended before its rosters)."""
    ahead = _UNDER_WAY.pop(key, None)
    if ahead is not None:
        ahead.end()
