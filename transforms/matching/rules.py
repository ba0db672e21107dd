"""Pair rules: is this pair of sign-ups one person, maybe one person, or two people?

Each candidate pair is described by comparisons (below), then the first rule that applies
decides. Rules, in order:

0. ``decision_same`` / ``decision_different``: a person's decision on the pair, stored by
   the caller and passed back on every run, wins over everything below.

1. ``same_contact_same_name`` -> MATCH. Same email or phone, and names equal up to spelling,
   typos, nicknames or a swap: "Hélène Müller, h.muller@gmail.com" / "MULLER Helene,
   hmuller+asso@gmail.com"; "Frédéric Roux, 06 12 34 56 78" / "Fred Roux, +33612345678".
2. ``same_contact_married_name`` -> MATCH. Same email or phone, same first name, last name
   different (a married or birth name): "Claire Dupont" / "Claire Lefort", one email.
3. ``same_contact_similar_name`` -> REVIEW. Same contact, first names only partly agree:
   "Jean Martin" / "Jean-Pierre Martin" (father and son?), "Louis" / "Louise", first name
   missing on one side.
4. ``household`` -> NO, and never chained. Same contact, first names differ: "Marie Dupont" /
   "Jean Dupont" on one family phone.
5. ``near_contact_same_name`` -> MATCH. One digit off in the phone, or the same address with
   a mistyped domain (gmial.com, flagged, not rewritten), and names equal up to spelling, and
   either a rare name or the same site: "Ségolène Vasseur 06 12 34 56 78" / "... 06 12 34 56 79".
6. ``near_contact_close_name`` -> REVIEW. Near contact, names close (a typo): "Nicolas Petit
   06 12 34 56 78" / "Nicloas Petit 06 12 34 56 79".
7. ``rare_name_no_conflict`` -> MATCH. No shared contact but none contradicts (each sign-up
   gave a different kind: one an email, the other a phone), a rare name equal up to spelling,
   not at two different sites: "Ségolène Vasseur-Kergoat, Reims, email" / "VASSEUR-KERGOAT
   Ségolène, Reims, phone".
8. ``rare_name_other_contacts`` -> REVIEW. Rare name, same site, but other email and phone:
   a second address, or a namesake.
9. Otherwise NO: namesakes with different contacts ("Marie Martin" twice in Paris), the same
   name at two sites with no shared contact.

Frequency: a name is rare when fewer than 0.05 other sign-ups are expected to carry it by
chance (first-name count x last-name count / records, with a floor for very common French
names). Common names are never matched on their own, however equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA

from transforms.matching.keys import KeyMaker
from transforms.matching.names import CLOSE, DIFFERENT, EXACT, MISSING, PARTIAL, SAME, RelationMemo

NO, REVIEW, MATCH = 0, 1, 2
ABSENT, CONFLICT, NEAR, EQUAL = 0, 1, 2, 3  # how a contact or the site compares
CONTACT_NAMES = ("absent", "different", "near", "equal")
RARE_EXPECTED = 0.05


@dataclass(frozen=True)
class Rule:
    """One row of the ordered rule list; ``code`` is what links and review pairs store."""

    code: str
    outcome: int


RULES: tuple[Rule, ...] = (
    Rule("decision_same", MATCH),
    Rule("decision_different", NO),
    Rule("same_contact_same_name", MATCH),
    Rule("same_contact_married_name", MATCH),
    Rule("same_contact_similar_name", REVIEW),
    Rule("household", NO),
    Rule("near_contact_same_name", MATCH),
    Rule("near_contact_close_name", REVIEW),
    Rule("rare_name_no_conflict", MATCH),
    Rule("rare_name_other_contacts", REVIEW),
    Rule("no_evidence", NO),
)
RULE_INDEX = {rule.code: i for i, rule in enumerate(RULES)}
OUTCOMES = np.array([rule.outcome for rule in RULES], dtype=np.int8)


@dataclass
class Columns:
    """The per-record codes the rules read (all records the index knows, by global position)."""

    first: np.ndarray
    last: np.ndarray
    email: np.ndarray
    email_local: np.ndarray
    domain: np.ndarray
    phone: np.ndarray
    site: np.ndarray
    rare: np.ndarray


@dataclass
class PairFeatures:
    """Comparisons of pairs (a[k], b[k]), one array entry per pair."""

    a: np.ndarray
    b: np.ndarray
    first: np.ndarray
    last: np.ndarray
    swapped: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    site: np.ndarray
    rare: np.ndarray
    rule: np.ndarray
    score: np.ndarray

    @property
    def outcome(self) -> np.ndarray:
        return OUTCOMES[self.rule]


def relate_pairs(memo: RelationMemo, ca: np.ndarray, cb: np.ndarray, *, first: bool) -> np.ndarray:
    """Name levels for code pairs; each distinct pair of names is compared once."""
    out = np.full(len(ca), EXACT, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    out[missing] = MISSING
    todo = np.nonzero((ca != cb) & ~missing)[0]
    if len(todo):
        lo, hi = np.minimum(ca[todo], cb[todo]), np.maximum(ca[todo], cb[todo])
        keys, inverse = np.unique(lo * (1 << 32) + hi, return_inverse=True)
        relate = memo.relate
        levels = np.fromiter(
            (relate(int(k >> 32), int(k & 0xFFFFFFFF), first=first) for k in keys),
            dtype=np.int8,
            count=len(keys),
        )
        out[todo] = levels[inverse]
    return out


def compare(cols: Columns, a: np.ndarray, b: np.ndarray, memo: RelationMemo,
            keys: KeyMaker) -> PairFeatures:
    """Compare pairs on names (either order), email, phone and site, then apply the rules."""
    first, last, swapped = _names(cols, a, b, memo)
    email = _email(cols, a, b, keys.locals.values, keys.domains.values, keys.suspicious_domains)
    phones = keys.phones.values
    phone = _states(cols.phone, a, b)
    maybe_near = (phone == CONFLICT) & (first >= SAME) & (last >= SAME)
    phone[maybe_near] = _phone_near(cols.phone[a[maybe_near]], cols.phone[b[maybe_near]], phones)
    site = _states(cols.site, a, b)
    rare = cols.rare[a] & cols.rare[b]
    rule = _rules(first, last, email, phone, site, rare)
    score = (
        np.where(email == EQUAL, 4, np.where(email == NEAR, 2, 0))
        + np.where(phone == EQUAL, 4, np.where(phone == NEAR, 2, 0))
        + first + last + (site == EQUAL) - (site == CONFLICT) + rare
    ).astype(np.float32)
    return PairFeatures(a, b, first, last, swapped, email, phone, site, rare, rule, score)


def _names(cols: Columns, a, b, memo: RelationMemo):
    """First and last name levels, in the order (as typed or swapped) that agrees best."""
    fa, fb, la, lb = cols.first[a], cols.first[b], cols.last[a], cols.last[b]
    first = relate_pairs(memo, fa, fb, first=True)
    last = relate_pairs(memo, la, lb, first=False)
    swapped = np.zeros(len(a), dtype=bool)
    weak = np.nonzero(((first < SAME) | (last < SAME)) & (fa > 0) & (la > 0) & (fb > 0) & (lb > 0))[0]
    if len(weak):
        fs = relate_pairs(memo, fa[weak], lb[weak], first=True)
        ls = relate_pairs(memo, la[weak], fb[weak], first=False)
        better = np.minimum(fs, ls) > np.minimum(first[weak], last[weak])
        pick = weak[better]
        first[pick], last[pick], swapped[pick] = fs[better], ls[better], True
    return first, last, swapped


def _states(codes: np.ndarray, a, b) -> np.ndarray:
    """EQUAL, CONFLICT (both given, different) or ABSENT for one coded field."""
    ca, cb = codes[a], codes[b]
    state = np.where((ca == 0) | (cb == 0), ABSENT, np.where(ca == cb, EQUAL, CONFLICT))
    return state.astype(np.int8)


def _email(cols: Columns, a, b, locals_: list[str], domains: list[str],
           suspicious: set[int]) -> np.ndarray:
    """Email state; NEAR when the part before @ is equal (5+ characters) and one domain is a
    known typo or one edit from the other: "jean.dupont@gmial.com" / "jeandupont@gmail.com"."""
    state = _states(cols.email, a, b)
    la, lb = cols.email_local[a], cols.email_local[b]
    maybe = np.nonzero((state == CONFLICT) & (la == lb))[0]
    for k in maybe:
        if len(locals_[la[k]]) < 5:
            continue
        da, db = int(cols.domain[a[k]]), int(cols.domain[b[k]])
        if da in suspicious or db in suspicious or OSA.distance(domains[da], domains[db]) <= 1:
            state[k] = NEAR
    return state


def _phone_near(pa: np.ndarray, pb: np.ndarray, phones: list[str]) -> np.ndarray:
    """NEAR for numbers one mistyped or swapped digit apart, else CONFLICT."""
    out = np.full(len(pa), CONFLICT, dtype=np.int8)
    for k, (x, y) in enumerate(zip(pa.tolist(), pb.tolist())):
        s, t = phones[x], phones[y]
        if len(s) == len(t) and OSA.distance(s, t, score_cutoff=1) <= 1:
            out[k] = NEAR
    return out


def _rules(first, last, email, phone, site, rare) -> np.ndarray:
    """Index into RULES of the first rule that applies to each pair."""
    shared = (email == EQUAL) | (phone == EQUAL)
    near = ~shared & ((email == NEAR) | (phone == NEAR))
    strong = (first >= SAME) & (last >= SAME)
    close = ((first >= CLOSE) & (last >= CLOSE)) | ((first >= SAME) & (last == MISSING))
    married = (first >= SAME) & (last == DIFFERENT)
    similar = ((first == PARTIAL) & (last >= CLOSE)) | ((first == MISSING) & (last >= CLOSE)) | (
        (first == CLOSE) & (last <= MISSING)
    )
    conflict = (email == CONFLICT) | (phone == CONFLICT)
    sites_ok = site != CONFLICT
    conditions = [
        shared & close,
        shared & married,
        shared & similar,
        shared,
        near & strong & (rare | (site == EQUAL)),
        near & close,
        strong & rare & sites_ok & ~conflict,
        strong & rare & (site == EQUAL),
    ]
    first_rule = RULE_INDEX["same_contact_same_name"]
    choice = np.select(conditions, np.arange(len(conditions)), default=len(conditions))
    return (choice + first_rule).astype(np.int8)


def clearly_differ(memo: RelationMemo, cols: Columns, p: int, q: int) -> bool:
    """Two sign-ups cannot be one person by their names: first names differ in either order.

    Used to keep clusters from chaining a household: "Marie Dupont" and "Jean Dupont" never
    end up together even if each shares a contact with some third sign-up.
    """
    rel = memo.relate
    fp, fq, lp, lq = (int(x) for x in (cols.first[p], cols.first[q], cols.last[p], cols.last[q]))
    if fp == fq or not fp or not fq:
        return False
    if rel(fp, fq, first=True) != DIFFERENT:
        return False
    return not (lp and lq and rel(fp, lq, first=True) >= CLOSE and rel(lp, fq, first=False) >= CLOSE)
