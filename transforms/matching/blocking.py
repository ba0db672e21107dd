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
- ``typo_name_site`` (sign-ups whose name is rare at their site, or at their site that day):
  at the same site, the same last name and a first name with the same first two or last two
  letters (one typo keeps one end): "Nathalie Lecmor" / "Nathaliie LECMOR", "Aïcha Dupuis" /
  "Aicah Dupuis", "Moussa-Ali" / "Moussaali". A staff re-entry with a mistyped first name and
  no contact meets its form sign-up only here (its name block differs).
"""

from __future__ import annotations

import numpy as np

WINDOW = 10
MAX_NAME_BLOCK = 30
#: Numbers met per number in one blanked-digit key (at most 10 share one: the 10 digits).
PHONE_WINDOW = 9
#: Sign-ups sharing one key of ``typo_name_site`` above which the key is skipped.
MAX_TYPO_BLOCK = 30
CONTACT_FIELDS = ("email", "phone")
CAPPED_FIELDS = ("name_block", "email_local", "email_letters")
FIELDS = CONTACT_FIELDS + CAPPED_FIELDS


def unique_ints(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for integers, by a sort. numpy 2.4's ``np.unique`` without
    ``return_inverse`` takes a hash path that is some fifty times slower on the millions of
    candidate pair keys of a large campaign (6 s against 0.1 s for 7 million)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


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
    On an add (``start`` > 0) only the keys of the new records' numbers are grouped: a key
    group is whole either way, so the pairs are those a resolution from scratch would find.
    """
    used = unique_ints(codes[codes > 0])
    texts = [phones[c] for c in used.tolist()]
    french = np.fromiter((len(t) == 12 and t.startswith("+33") for t in texts), bool, len(texts))
    used = used[french]
    if len(used) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    text = "".join(phones[c][3:] for c in used.tolist()).encode()
    digits = np.frombuffer(text, np.uint8).reshape(-1, 9).astype(np.int64) - ord("0")
    weights = 10 ** np.arange(8, -1, -1, dtype=np.int64)
    value = digits @ weights
    is_new = np.isin(used, codes[start:]) if start else np.ones(len(used), bool)
    found = []
    for i in range(9):
        blanked = [value - digits[:, i] * weights[i]]  # digit i blanked out
        if i < 8:  # digits i and i + 1 swapped: blank both, add their sorted pair
            low, high = np.minimum(digits[:, i], digits[:, i + 1]), np.maximum(digits[:, i], digits[:, i + 1])
            blanked.append(
                (value - digits[:, i] * weights[i] - digits[:, i + 1] * weights[i + 1]) * 100 + low * 10 + high
            )
        for key in blanked:
            # on an add, only the numbers sharing this key with a new record's number
            members = np.nonzero(np.isin(key, key[is_new]))[0] if start else np.arange(len(key))
            order = members[np.argsort(key[members], kind="stable")]
            ranked = key[order]
            for step in range(1, min(PHONE_WINDOW, len(order) - 1) + 1):
                same = ranked[step:] == ranked[:-step]
                found.append(np.stack([used[order[:-step][same]], used[order[step:][same]]], axis=1))
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    both = np.concatenate(found)
    lo, hi = np.minimum(both[:, 0], both[:, 1]), np.maximum(both[:, 0], both[:, 1])
    keys = unique_ints(lo * (1 << 32) + hi)
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


def _affixes(names: list[str], used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per name code in ``used``: codes of its first two and of its last two letters
    (spaces and hyphens dropped), so a typo in the middle or at one end keeps one of them."""
    table: dict[str, int] = {}
    heads = np.zeros(int(used.max(initial=0)) + 1, np.int64)
    tails = heads.copy()
    for c in used.tolist():
        text = names[c].replace(" ", "").replace("-", "")
        heads[c] = table.setdefault("^" + text[:2], len(table) + 1)
        tails[c] = table.setdefault(text[-2:] + "$", len(table) + 1)
    return heads, tails


def typo_name_site(
    first: np.ndarray,
    last: np.ndarray,
    site: np.ndarray,
    names: list[str],
    eligible: np.ndarray,
    start: int = 0,
    *,
    window: int = WINDOW,
    max_block: int = MAX_TYPO_BLOCK,
):
    """Pairs (a, b) of ``eligible`` records at one site with the same last name and first
    names not equal but sharing their first or last two letters, at least one of the two at
    or after ``start``. One typo keeps one end of the name: "francoise" / "franoise" ("fr"),
    "nathaliie" / "nathalie", "aicah" / "aicha" ("ai").

    Records sharing a key meet as in ``within`` (the next ``window`` records); keys held by
    more than ``max_block`` records are skipped.
    """
    idx = np.nonzero(eligible & (first > 0) & (last > 0) & (site > 0))[0]
    if len(idx) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    place = site[idx] * (int(last.max(initial=0)) + 1) + last[idx]  # (site, last name)
    if start:  # an incremental batch: only the known records sharing a place with a new one
        wanted = np.isin(place, place[idx >= start])
        idx, place = idx[wanted], place[wanted]
        if len(idx) < 2:
            return np.empty(0, np.int64), np.empty(0, np.int64)
    heads, tails = _affixes(names, unique_ints(first[idx]))
    found_a, found_b = [], []
    for affix in (heads, tails):  # one key per end of the first name
        end = affix[first[idx]]
        key = place * (int(end.max(initial=0)) + 1) + end
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        bounds = np.flatnonzero(np.diff(ranked)) + 1
        sizes = np.diff(np.concatenate([[0], bounds, [len(ranked)]]))
        small = np.repeat((sizes <= max_block) & (sizes > 1), sizes)
        order, ranked = order[small], ranked[small]
        for step in range(1, min(window, len(order) - 1) + 1):
            same = ranked[step:] == ranked[:-step]
            found_a.append(idx[order[:-step][same]])
            found_b.append(idx[order[step:][same]])
    if not found_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    a, b = np.concatenate(found_a), np.concatenate(found_b)
    keep = ((a >= start) | (b >= start)) & (first[a] != first[b])
    return a[keep], b[keep]
