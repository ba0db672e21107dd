"""Pending records normalised by worker processes while the database work goes on.

Normalising a record (names, email, phone through phonenumbers, site) is pure CPU and most of
a first sync's normalise step: about 90 µs a record, 9 s for 100,000 on a 2-core machine;
reading pages and storing outcomes stays in this process. For a large backlog
(``normalise_pending_records``: ``PARALLEL_FROM`` pending records or more) pages are handed
to worker processes (``flows.worker_pool``: one per core) while this process reads the next
pages and stores each page's outcomes, in id order, one transaction a page as before. A
small backlog is normalised here: a worker costs about a second to start.

Outcomes do not depend on where they were computed: the worker runs the same function on
the same campaign. A worker that dies is replaced by normalising here: nothing is stored
until a page's outcomes are in, so computing them again is safe.

This module imports only models, transforms and ``flows.worker_pool``: a worker starts
without the database layer.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from rollcall.flows.worker_pool import OwnsWorkers, awaited, spawned_pool, stop_broken, submitted
from rollcall.models.campaign import Campaign, SourceBase
from rollcall.models.records import NormalisedSignup, Rejection
from rollcall.transforms.answers import flatten_payload
from rollcall.transforms.normalise import normalise_signup
from rollcall.transforms.raw import unreadable_reason
from rollcall.transforms.reasons import rejection
from rollcall.transforms.sites import SiteCatalog

log = logging.getLogger(__name__)

#: A record's outcome: a sign-up, a rejection, or None when its source is no longer configured.
Outcome = NormalisedSignup | Rejection | None
#: What a worker needs of a pending record: its source's name and its payload.
Payload = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RecordNormaliser:
    """One campaign's rule for turning a stored record into a sign-up or a rejection."""

    sources: Mapping[str, SourceBase]
    catalog: SiteCatalog
    timezone: str

    @classmethod
    def of(cls, campaign: Campaign) -> RecordNormaliser:
        return cls(
            {s.name: s for s in campaign.sources},
            SiteCatalog(site.to_site() for site in campaign.sites),
            campaign.campaign.timezone,
        )

    def outcome(self, source_name: str, payload: Mapping[str, Any]) -> Outcome:
        source = self.sources.get(source_name)
        if source is None:  # its source was removed from the configuration
            return None
        unreadable = unreadable_reason(payload)  # a row the file reader could not trust
        if unreadable:
            return rejection(unreadable)
        fields = source.extract(flatten_payload(source.kind, payload))  # type: ignore[arg-type]
        return normalise_signup(fields, self.catalog, tz=source.timezone or self.timezone)

    def outcomes(self, records: Sequence[Payload]) -> list[Outcome]:
        return [self.outcome(source, payload) for source, payload in records]


# --- in a worker process: the campaign's normaliser, built once when the worker starts ---

_worker: RecordNormaliser | None = None


def _start_worker(campaign: Campaign) -> None:
    global _worker  # noqa: PLW0603 - one normaliser per worker process, made at its start
    _worker = RecordNormaliser.of(campaign)


def _outcomes_in_worker(records: Sequence[Payload]) -> list[Outcome]:
    assert _worker is not None, "started by ProcessPoolExecutor's initializer"
    return _worker.outcomes(records)


class PageNormaliser(OwnsWorkers):
    """``normalised(pages)``: each page with its records' outcomes, in the pages' order.

    With ``processes``, up to ``processes + 1`` pages are in the workers at a time (reading
    ``pages`` ahead: the next pages are read while the first are normalised); with 0, each
    page is normalised here when it is reached."""

    def __init__(self, campaign: Campaign, processes: int = 0) -> None:
        self.campaign, self.processes = campaign, processes
        self.here = RecordNormaliser.of(campaign)

    def normalised(self, pages: Iterable[Sequence[Any]]) -> Iterator[tuple[Sequence[Any], list[Outcome]]]:
        """``pages`` of records with ``source`` and ``payload`` (``store.PendingRecord``)."""
        if not self.processes:
            for page in pages:
                yield page, self.here.outcomes(_payloads(page))
            return
        waiting: deque[tuple[Sequence[Any], Future[list[Outcome]] | None]] = deque()
        for page in pages:
            waiting.append((page, self._submit(page)))
            if len(waiting) > self.processes:
                yield self._result(*waiting.popleft())
        while waiting:
            yield self._result(*waiting.popleft())

    def _submit(self, page: Sequence[Any]) -> Future[list[Outcome]] | None:
        if self._pool is None:
            return None  # the workers stopped: normalised here when reached
        future = submitted(self._pool, _outcomes_in_worker, _payloads(page))
        if future is None:
            self._stopped()
        return future

    def _result(self, page: Sequence[Any], future: Future[list[Outcome]] | None) -> tuple[Sequence[Any], list[Outcome]]:
        """The page's outcomes from its job, or computed here when the workers stopped first
        (a job of a stopped pool that is not done may never be)."""
        try:
            if future is not None and self._pool is not None:
                return page, awaited(self._pool, future)
            if future is not None and future.done():
                return page, future.result()
        except (BrokenProcessPool, CancelledError):  # cancelled: by _stopped, the pool broken
            self._stopped()
        return page, self.here.outcomes(_payloads(page))

    def _stopped(self) -> None:
        if self._pool is not None:
            log.warning(
                "a normalising worker process stopped or could not start; "
                "normalising in this process (slower, nothing lost)"
            )
            stop_broken(self._pool)
            self._pool = None

    def __enter__(self) -> PageNormaliser:
        if self.processes:
            self._pool = spawned_pool(self.processes, initializer=_start_worker, initargs=(self.campaign,))
        return self


def _payloads(page: Sequence[Any]) -> list[Payload]:
    return [(record.source, record.payload) for record in page]
