"""Pair rules: is this pair of sign-ups one person, maybe one person, or two people?

Each candidate pair is described by comparisons (below), then the first rule that applies
decides. Rules, in order:

0. ``decision_same`` / ``decision_different``: a person's decision on the pair, stored by
   the caller and passed back on every run, wins over everything below.

1. ``same_contact_same_name`` -> MATCH. Same email or phone, and names equal up to spelling,
   typos, nicknames or a swap: "Hélène Müller, h.muller@gmail.com" / "MULLER Helene,
   hmuller+asso@gmail.com"; "Frédéric Roux, 06 12 34 56 78" / "Fred Roux, +33612345678".
2. ``same_contact_married_name`` -> MATCH. Same email or phone, the other contact not
   different, same first name, last name different (a married or birth name), names not
   swapped: "Claire Dupont" / "Claire Lefort", one email. Otherwise it falls to rule 3.
3. ``same_contact_similar_name`` -> REVIEW. Same contact, same first name but another last
   name and another contact; or first names only partly agree:
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
8. ``rare_name_other_contacts`` -> REVIEW. Rare name, same site, one contact different and
   the other not given: a second address, or a namesake. Both email and phone different is
   a namesake (rule 9).
9. Otherwise NO: namesakes with different contacts ("Marie Martin" twice in Paris), the same
   name at two sites with no shared contact.

Frequency: a name is rare when fewer than 0.05 other sign-ups are expected to carry it by
chance: records x P(first name) x P(last name), counts leaving out the sign-ups with this
very full name (a person's own duplicates), with a floor for very common French names
(``COMMON_FIRST``, ``COMMON_LAST``). Common names are never matched on the name alone,
however equal; and a rule-7 link never joins two groups whose emails or phones contradict
(see ``clustering``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA

from transforms.matching.keys import KeyMaker
from transforms.matching.names import (
    CLOSE,
    DIFFERENT,
    EXACT,
    MISSING,
    PARTIAL,
    SAME,
    RelationMemo,
)

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
    email = _email(cols, a, b, keys.locals.values, keys.domains.values)
    phone = _states(cols.phone, a, b)
    maybe_near = (phone == CONFLICT) & (first >= SAME) & (last >= SAME)
    phone[maybe_near] = _phone_near(cols.phone[a[maybe_near]], cols.phone[b[maybe_near]],
                                    keys.phones.values)
    site = _states(cols.site, a, b)
    rare = cols.rare[a] & cols.rare[b]
    rule = _rules(first, last, swapped, email, phone, site, rare)
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
        fs = relate_pairs(memo, la[weak], fb[weak], first=True)
        ls = relate_pairs(memo, fa[weak], lb[weak], first=False)
        better = np.minimum(fs, ls) > np.minimum(first[weak], last[weak])
        pick = weak[better]
        first[pick], last[pick], swapped[pick] = fs[better], ls[better], True
    return first, last, swapped


def _states(codes: np.ndarray, a, b) -> np.ndarray:
    """EQUAL, CONFLICT (both given, different) or ABSENT for one coded field."""
    ca, cb = codes[a], codes[b]
    state = np.where((ca == 0) | (cb == 0), ABSENT, np.where(ca == cb, EQUAL, CONFLICT))
    return state.astype(np.int8)


def _email(cols: Columns, a, b, locals_: list[str], domains: list[str]) -> np.ndarray:
    """Email state; NEAR when the part before @ is equal (5+ characters) and the domains are one
    typo apart: "jean.dupont@gmial.com" / "jeandupont@gmail.com". The same domain with other
    dots is another account ("lucas.martin@yahoo.fr" / "lucasmartin@yahoo.fr")."""
    state = _states(cols.email, a, b)
    la, lb = cols.email_local[a], cols.email_local[b]
    maybe = np.nonzero((state == CONFLICT) & (la == lb))[0]
    for k in maybe:
        if len(locals_[la[k]]) < 5:
            continue
        da, db = int(cols.domain[a[k]]), int(cols.domain[b[k]])
        if da != db and OSA.distance(domains[da], domains[db], score_cutoff=1) <= 1:
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


def _rules(first, last, swapped, email, phone, site, rare) -> np.ndarray:
    """Index into RULES of the first rule that applies to each pair."""
    shared = (email == EQUAL) | (phone == EQUAL)
    near = ~shared & ((email == NEAR) | (phone == NEAR))
    strong = (first >= SAME) & (last >= SAME)
    close = ((first >= CLOSE) & (last >= CLOSE)) | ((first >= SAME) & (last == MISSING))
    married = (first >= SAME) & (last == DIFFERENT) & ~swapped & (email != CONFLICT) & (phone != CONFLICT)
    similar = ((first >= SAME) & (last == DIFFERENT)) | ((first == PARTIAL) & (last >= CLOSE)) | ((first == MISSING) & (last >= CLOSE)) | (
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
        strong & rare & (site == EQUAL) & ~((email == CONFLICT) & (phone == CONFLICT)),
    ]
    first_rule = RULE_INDEX["same_contact_same_name"]
    choice = np.select(conditions, np.arange(len(conditions)), default=len(conditions))
    return (choice + first_rule).astype(np.int8)


def clearly_differ(memo: RelationMemo, cols: Columns, p: int, q: int) -> bool:
    """Two sign-ups cannot be one person: their first names differ, whichever of them typed
    first and last name swapped. Missing first names never differ.

    Used to keep clusters from chaining a household: "Marie Dupont" and "Jean Dupont" never
    end up together even if each shares a contact with some third sign-up.
    """
    rel = memo.relate
    fp, fq, lp, lq = (int(x) for x in (cols.first[p], cols.first[q], cols.last[p], cols.last[q]))
    if fp == fq or not fp or not fq:
        return False
    options = [(fp, fq)] + [(lp, fq)] * bool(lp) + [(fp, lq)] * bool(lq)
    return all(rel(x, y, first=True) == DIFFERENT for x, y in options)
