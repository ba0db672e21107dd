"""Blocking: which pairs are worth comparing at all, so cost grows with records, not records².

Blocks, each a coded field; records sharing a code are candidates:

- ``email`` (Gmail dots and +tags dropped), ``phone`` (E.164): the usual duplicates, and the
  households the rules must then tell apart. Sorted neighbourhood: within a block each record
  meets the next ``WINDOW`` records, so a generic address shared by hundreds stays cheap.
- ``name_block`` (name words sorted, so swapped names meet, and a full name typed in one
  field meets it split in two): duplicates whose contacts all changed or were mistyped. Blocks above ``MAX_NAME_BLOCK`` are skipped: a name that common
  is no evidence on its own (rules 5-8 need a rare name or the same site anyway).
- ``email_local`` (the part before @): a mistyped domain, "dupont.j@gmial.com".
- ``email_letters`` (the letters before @): the local part written otherwise,
  "jean.dupont2@orange.fr" / "jean_dupont@orange.fr".
"""

from __future__ import annotations

import numpy as np

WINDOW = 10
MAX_NAME_BLOCK = 30
CONTACT_FIELDS = ("email", "phone")
CAPPED_FIELDS = ("name_block", "email_local", "email_letters")
FIELDS = CONTACT_FIELDS + CAPPED_FIELDS


def within(codes: np.ndarray, *, window: int = WINDOW, max_block: int | None = None):
    """Candidate pairs (a, b) among records of one batch, positions into ``codes``."""
    valid = np.nonzero(codes > 0)[0]
    if max_block is not None and len(valid):
        sizes = np.bincount(codes[valid])
        valid = valid[sizes[codes[valid]] <= max_block]
    order = valid[np.argsort(codes[valid], kind="stable")]
    ranked = codes[order]
    firsts, seconds = [], []
    for step in range(1, min(window, len(order) - 1) + 1):
        same = ranked[step:] == ranked[:-step]
        firsts.append(order[:-step][same])
        seconds.append(order[step:][same])
    if not firsts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


class SortedField:
    """Known records' codes of one field, sorted for lookups by code."""

    def __init__(self, codes: np.ndarray) -> None:
        self.order = np.argsort(codes, kind="stable")
        self.sorted = codes[self.order]

    def lookup(self, probes: np.ndarray, *, cap: int, skip_larger: bool):
        """Pairs (probe position, known position) for known records sharing each probe's code.

        A block larger than ``cap`` is skipped when ``skip_larger``, else cut to its ``cap``
        most recent records.
        """
        valid = np.nonzero(probes > 0)[0]
        starts = np.searchsorted(self.sorted, probes[valid], side="left")
        ends = np.searchsorted(self.sorted, probes[valid], side="right")
        if skip_larger:
            ends = np.where(ends - starts > cap, starts, ends)
        starts = np.maximum(starts, ends - cap)
        lengths = ends - starts
        probe = np.repeat(valid, lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return probe, self.order[np.repeat(starts, lengths) + offsets]
