"""Blocking: which pairs are worth comparing at all, so cost grows with records, not records².

Blocks, each a coded field; records sharing a code are candidates:

- ``email`` (Gmail dots and +tags dropped), ``phone`` (E.164): the usual duplicates, and the
  households the rules must then tell apart. Sorted neighbourhood: within a block each record
  meets the next ``WINDOW`` records, so a generic address shared by hundreds stays cheap.
- ``name_block`` (name words sorted, so swapped names meet, and a full name typed in one
  field meets it split in two): duplicates whose contacts all changed or were mistyped.
  Blocks above ``MAX_NAME_BLOCK`` are skipped: a name that common
  is no evidence on its own (rules 5-8 need a rare name or the same site anyway).
- ``email_local`` (the part before @): a mistyped domain, "dupont.j@gmial.com".
- phones one digit apart, or with two neighbouring digits swapped (``phone_neighbours``):
  numbers equal once one digit is blanked out share a key (one key per position), so none is
  missed however many numbers the campaign holds (sorted neighbours missed a third of them
  at a million sign-ups).
- ``email_letters`` (the letters before @): the local part written otherwise,
  "jean.dupont2@orange.fr" / "jean_dupont@orange.fr".
"""

from __future__ import annotations

import numpy as np

WINDOW = 10
MAX_NAME_BLOCK = 30
#: Numbers met per number in one blanked-digit key (at most 10 share one: the 10 digits).
PHONE_WINDOW = 9
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


def phone_neighbours(codes: np.ndarray, phones: list[str], start: int = 0):
    """Pairs of records (a, b) whose French phones differ by one digit, or by two neighbouring
    digits swapped, at least one of them at or after ``start`` (the new batch):
    "+33612345678" / "+33612345679" / "+33612345687".

    Exact at any size: for each position, numbers equal once that digit is blanked out (or,
    for a swap, once that digit and the next are replaced by their sorted pair) share a key.
    """
    used = np.unique(codes[codes > 0])
    texts = [phones[c] for c in used.tolist()]
    french = np.fromiter((len(t) == 12 and t.startswith("+33") for t in texts), bool, len(texts))
    used = used[french]
    if len(used) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    text = "".join(phones[c][3:] for c in used.tolist()).encode()
    digits = np.frombuffer(text, np.uint8).reshape(-1, 9).astype(np.int64) - ord("0")
    weights = 10 ** np.arange(8, -1, -1, dtype=np.int64)
    value = digits @ weights
    found = []
    for i in range(9):
        blanked = [value - digits[:, i] * weights[i]]  # digit i blanked out
        if i < 8:  # digits i and i + 1 swapped: blank both, add their sorted pair
            low, high = np.minimum(digits[:, i], digits[:, i + 1]), np.maximum(digits[:, i], digits[:, i + 1])
            blanked.append(
                (value - digits[:, i] * weights[i] - digits[:, i + 1] * weights[i + 1]) * 100 + low * 10 + high
            )
        for key in blanked:
            order = np.argsort(key, kind="stable")
            ranked = key[order]
            for step in range(1, min(PHONE_WINDOW, len(order) - 1) + 1):
                same = ranked[step:] == ranked[:-step]
                found.append(np.stack([used[order[:-step][same]], used[order[step:][same]]], axis=1))
    both = np.concatenate(found)
    lo, hi = np.minimum(both[:, 0], both[:, 1]), np.maximum(both[:, 0], both[:, 1])
    keys = np.unique(lo * (1 << 32) + hi)
    pairs = np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)
    if not len(pairs):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    records = np.argsort(codes, kind="stable")
    ranked = codes[records]
    # the first and the last record of each phone stand for it (its other records share it)
    ends = [
        np.searchsorted(ranked, pairs[:, side], side=where) - (where == "right")
        for side in (0, 1)
        for where in ("left", "right")
    ]
    firsts = np.concatenate([records[ends[i]] for i in (0, 0, 1, 1)])
    seconds = np.concatenate([records[ends[j]] for j in (2, 3, 2, 3)])
    keep = (firsts >= start) | (seconds >= start)
    return firsts[keep], seconds[keep]
