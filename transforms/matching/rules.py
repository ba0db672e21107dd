"""Pair rules: is this pair of sign-ups one person, maybe one person, or two people?

Each candidate pair is described by comparisons (below), then the first rule that applies
decides. Rules, in order:

0. ``decision_same`` / ``decision_different``: a person's decision on the pair, stored by
   the caller and passed back on every run, wins over everything below.

1. ``same_contact_same_name`` -> MATCH. Same email or phone, and names equal up to spelling,
   typos, nicknames, a swap or the full name typed in one field: "Hélène Müller,
   h.muller@gmail.com" / "MULLER Helene, hmuller+asso@gmail.com"; "Frédéric Roux, 06 12 34 56
   78" / "Fred Roux, +33612345678"; "Margot Louis" / "" and "Margot" / "Louis", one phone.
1a. ``same_contact_short_first_name`` -> MATCH. Same email or phone, the other contact not
   different, same last name, a compound first name and its first part: "Marie-Laure Petit" /
   "Marie Petit" / "Marielaure Petit". (A father Jean and his son Jean-Pierre on one phone
   with two emails is not merged: the other contact differs, rule 3 sends it to review.)
1b. ``same_contacts_mistyped_name`` -> MATCH. Same email and same phone, names a heavy typo
   apart or merely dissimilar: "MMOUSSSA Diallo" / "Moussa Diallo", "Erwzn" / "Erwqan",
   "arogt" / "Margot". A household sharing both
   contacts has clearly different first names ("Marie" / "Jean", or two frequent names such
   as "Lucas" / "Lucie"), never a merely dissimilar string.
1c. ``same_contact_mistyped_name`` -> MATCH. One contact equal, the other not different, one
   name equal (up to spelling) and the other a heavy typo: "Caheerine Fontaine" / "Catherine
   Fontaine", "Michel Rocgaugat" / "Michel Rcogaugta". A mistyped first name with the same
   last name also merges beside a second address ("LAAAURA Bernard" / "Laura Bernard", one
   phone, two emails): two spellings this close are never both frequent names (those count as
   different, a household).
2. ``same_contact_married_name`` -> MATCH. Same email or phone, the other contact not
   different, same first name, last name different (a married or birth name), names not
   swapped: "Claire Dupont" / "Claire Lefort", one email. Otherwise it falls to rule 3.
3. ``same_contact_similar_name`` -> REVIEW. Same contact, same first name but another last
   name and another contact; or first names only partly agree:
   "Jean Martin" / "Jean-Pierre Martin" (father and son?), "Louis" / "Louise", first name
   missing on one side.
4. ``household`` -> NO, and never chained. Same contact, first names differ: "Marie Dupont" /
   "Jean Dupont" on one family phone.
5. ``near_contact_same_name`` -> MATCH. A near contact (one digit off in the phone; the same
   address with a mistyped domain, "gmial.com", ".con", flagged, not rewritten; a local part
   written otherwise, "jean.dupont" / "jeandupont" / "jean.dupont2" / "jean.dupnot"), the
   other contact not different, names equal up to spelling or one typo each, and either a rare
   name or the same site: "Ségolène Vasseur 06 12 34 56 78" / "... 06 12 34 56 79";
   "Sophie Lentin, sophie_lentin@sfr.fr" / "Sopie Lentin, sophie_lentin@sfr.frm", Lyon. The
   very same address with a mistyped domain and the very same name need neither:
   "Théo Barbier, theo_barbier6830@hotmial.fr" / "... @hotmail.fr", another site.
6. ``near_contact_close_name`` -> REVIEW. Near contact, names close or a heavy typo, the rest
   not enough: "Nicolas Petit 06 12 34 56 78" / "Nicloas Petit 06 12 34 56 79" at two sites.
7. ``rare_name_no_conflict`` -> MATCH. No shared contact but none contradicts (each sign-up
   gave a different kind, or a staff re-entry left placeholders: "pas de mail", "NC",
   "0000000000" count as no contact), a name equal up to spelling that is rare, either in the
   whole campaign and not at two different sites, or at the very site both sign-ups name:
   "Ségolène Vasseur-Kergoat, Reims, email" / "VASSEUR-KERGOAT Ségolène, Reims, NC".
   "Marie Martin" in Paris is never rare; "Moussa Traoré" may be, in Brunoy; and a name
   may be rare among the sign-ups of one site on one day (a walk-in sheet typed the day of
   the form sign-up): the expected namesakes count that day's sign-ups at the site only
   (``RARE_DAY_EXPECTED``: "Jean Kerbo" twice at Brunoy on 12 September, one with "NC" for
   both contacts). A name rare at
   the campaign also merges at one site with one contact different and the other given on one
   side only (a
   second address: "marie.lenro801@orange.fr" / "marie.lenro149@orange.fr" and a phone).
   When that second address has the letters of the first before the @ (the same handle, other
   digits or domain) and the phone is given on one side only, a name merely fairly rare in
   the campaign is enough (``FAIRLY_RARE_EXPECTED``): "Awa Kerbrat, awa.kerbrat@free.fr,
   Reims" / "Awa Kerbrat, awa.kerbrat77@orange.fr, 06 12 34 56 78, Reims". A namesake's own
   address mostly has other letters ("akerbrat@orange.fr": NO), and at two sites it is NO.
7a. ``rare_name_typo_same_site`` -> MATCH. As rule 7 at one site, but the first name one
   typo off (``CLOSE``: a letter dropped, added, changed, or two swapped) and the last name
   equal (up to spelling), the name rare at the site (or at the site that day) on both sides,
   no contact contradicting: a staff re-entry typed from a walk-in sheet, "Nathalie Lecmor,
   nathalielecmor@yahoo.fr, Saint-Denis" / "Nathaliie LECMOR, N/A, NC, Saint-Denis";
   "Aïcha Dupuis, NC, Strasbourg" / "Aicah Dupuis, aicha.dupuis1168@gmail.com, Strasbourg".
   Never two first names that are both names of their own ("Jan" / "Jean" Kerbo on one
   sheet: a household; "Louis" / "Louise" is no typo either, ``PARTIAL``), nor a name common
   there, nor at two sites, nor beside another email or phone (a namesake's contacts). A
   mistyped last name is left out: at a million sign-ups, generated last names one letter
   apart were other people about as often as not ("Emma Gauber" / "Emma Nauber"). Pairs
   meet in ``blocking.typo_name_site``.
8. ``rare_name_other_contacts`` -> REVIEW. Same site, a rare name with one contact different
   and the other not given (a second address, or a namesake); or a name fairly rare at the
   site with no contact to compare (``SITE_REVIEW_EXPECTED``). Both email and phone
   different is a namesake (rule 9).
9. Otherwise NO: namesakes with different contacts ("Marie Martin" twice in Paris), the same
   name at two sites with no shared contact.

Frequency: a name is rare when fewer than 0.05 other sign-ups are expected to carry it by
chance: records x P(first name) x P(last name), counts leaving out the sign-ups with this
very full name (a person's own duplicates), with a floor for very common French names
(``COMMON_FIRST``, ``COMMON_LAST``). "Rare at the site" puts the site's sign-ups in place of
all records, and "that day at the site" the site's sign-ups of that day, each leaving out
the other sign-ups with this very full name there (that day), not in the whole campaign: a
common name's campaign count would otherwise leave a site's day "empty" and "Jean Martin"
rare at Marseille. Name counts also tell a typo from a name: two spellings both frequent in
the campaign ("lucas" / "lucie") are two names, so ``FAR`` between them is ``DIFFERENT``.
Frequent means 3 sign-ups, and 3 per 100,000 sign-ups (``established_count``): among a
million sign-ups one slip of a frequent name recurs ("daid" 5 times and "davdi" 4 for
"david"), and two such slips on one email and one phone are one person, not a household.
Common names are never matched on the name alone,
however equal; and a rule-7 link never joins two groups whose emails or phones contradict
(see ``clustering``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA, Indel

from rollcall.transforms.matching.keys import KeyMaker
from rollcall.transforms.matching.names import (
    CLOSE,
    DIFFERENT,
    DISSIMILAR,
    EXACT,
    FAR,
    MISSING,
    PARTIAL,
    SAME,
    SHORT,
    RelationMemo,
    relate_first,
    relate_last,
    squash,
)

NO, REVIEW, MATCH = 0, 1, 2
ABSENT, CONFLICT, NEAR, EQUAL = 0, 1, 2, 3  # how a contact or the site compares
CONTACT_NAMES = ("absent", "different", "near", "equal")
RARE_EXPECTED = 0.05
#: Expected namesakes at the site on the day below which a same-site, same-day name is rare
#: enough to merge on (stricter than at the site: many more pairs are weighed at this grain;
#: 0.15 before the namesakes there were counted at the site that day, issue 14).
RARE_DAY_EXPECTED = 0.4
#: Expected namesakes in the campaign below which a same-site name with a second address of
#: the same letters ("marie.lenro801@" / "marie.lenro149@", no phone on one side) merges.
FAIRLY_RARE_EXPECTED = 0.3
#: Expected namesakes at the site below which a same-site name is rare enough to merge on.
RARE_SITE_EXPECTED = 0.7
#: Expected namesakes at the site below which a same-site name with no contact to compare is
#: sent to review rather than dropped.
SITE_REVIEW_EXPECTED = 1.5
#: A spelling seen at least this often, and at least ``ESTABLISHED_SHARE`` as often as the
#: other, is a name of its own, not a typo of the other.
ESTABLISHED_COUNT, ESTABLISHED_SHARE = 3, 0.01
#: ... and at least this often per sign-up in big campaigns: among a million sign-ups the same
#: slip of a frequent name recurs ("daid" for "david" 5 times, "davdi" 4), which is no name.
ESTABLISHED_RATE = 3e-5


def established_count(records: int) -> int:
    """Sign-ups a spelling needs to be a name of its own: 3, and 3 per 100,000 sign-ups."""
    return max(ESTABLISHED_COUNT, int(np.ceil(ESTABLISHED_RATE * records)))


@dataclass(frozen=True)
class Rule:
    """One row of the ordered rule list; ``code`` is what links and review pairs store."""

    code: str
    outcome: int


RULES: tuple[Rule, ...] = (
    Rule("decision_same", MATCH),
    Rule("decision_different", NO),
    Rule("same_contact_same_name", MATCH),
    Rule("same_contact_short_first_name", MATCH),
    Rule("same_contacts_mistyped_name", MATCH),
    Rule("same_contact_mistyped_name", MATCH),
    Rule("same_contact_married_name", MATCH),
    Rule("same_contact_similar_name", REVIEW),
    Rule("household", NO),
    Rule("near_contact_same_name", MATCH),
    Rule("near_contact_close_name", REVIEW),
    Rule("rare_name_no_conflict", MATCH),
    Rule("rare_name_typo_same_site", MATCH),
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
    rare_site: np.ndarray | None = None  # rare at its own site (expected < RARE_EXPECTED)
    review_site: np.ndarray | None = None  # fairly rare at its site (< SITE_REVIEW_EXPECTED)
    name_count: np.ndarray | None = None  # per name code: sign-ups carrying it (first or last)
    common: np.ndarray | None = None  # per name code: in COMMON_FIRST or COMMON_LAST
    day: np.ndarray | None = None  # submission date code, 0 when unknown
    rare_day: np.ndarray | None = None  # rare at its site on its day (< RARE_DAY_EXPECTED)
    email_letters: np.ndarray | None = None  # the letters before @, coded
    fairly_rare: np.ndarray | None = None  # in the campaign (< FAIRLY_RARE_EXPECTED)
    min_count: int = ESTABLISHED_COUNT  # sign-ups a spelling needs to be a name (established_count)


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
    one_field: np.ndarray | None = None  # a full name typed in one field, split to compare

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


def compare(cols: Columns, a: np.ndarray, b: np.ndarray, memo: RelationMemo, keys: KeyMaker) -> PairFeatures:
    """Compare pairs on names (either order), email, phone and site, then apply the rules."""
    first, last, swapped, one_field = _names(cols, a, b, memo)
    named = (first >= FAR) & (last >= FAR)
    email, loose = _email(cols, a, b, keys.locals.values, keys.domains.values, named)
    phone = _states(cols.phone, a, b)
    maybe_near = (phone == CONFLICT) & (first >= FAR) & (first != MISSING) & (last >= FAR)
    phone[maybe_near] = _phone_near(cols.phone[a[maybe_near]], cols.phone[b[maybe_near]], keys.phones.values)
    if cols.name_count is not None:
        _typo_of_a_name(cols, a, b, first, swapped, memo, (email == EQUAL) & (phone == EQUAL))
    site = _states(cols.site, a, b)
    rare = cols.rare[a] & cols.rare[b]
    rare |= one_field & (cols.rare[a] | cols.rare[b])
    same_site = site == EQUAL
    rare_site = np.zeros(len(a), dtype=bool)
    review_site = np.zeros(len(a), dtype=bool)
    if cols.rare_site is not None and cols.review_site is not None:
        rare_site = same_site & _rare_pair(cols.rare_site, a, b, one_field)
        review_site = same_site & _rare_pair(cols.review_site, a, b, one_field)
    rare_day = np.zeros(len(a), dtype=bool)
    if cols.rare_day is not None and cols.day is not None:
        same_day = same_site & (cols.day[a] == cols.day[b]) & (cols.day[a] > 0)
        rare_day = same_day & _rare_pair(cols.rare_day, a, b, one_field)
        rare_site |= rare_day
    handle = np.zeros(len(a), dtype=bool)
    if cols.email_letters is not None and cols.fairly_rare is not None:
        letters = cols.email_letters
        handle = (letters[a] == letters[b]) & (letters[a] > 0) & cols.fairly_rare[a] & cols.fairly_rare[b]
    two_first_names = np.zeros(len(a), dtype=bool)
    if cols.name_count is not None:
        other_first = np.where(swapped, cols.last[b], cols.first[b])
        two_first_names = established(cols.name_count, cols.first[a], other_first, cols.common, cols.min_count)
    typo_site = ~one_field & (first == CLOSE) & (last >= SAME) & ~two_first_names & rare_site
    rule = _rules(first, last, swapped, email, phone, site, rare, rare_site, review_site, loose, handle, typo_site)
    score = (
        np.where(email == EQUAL, 4, np.where(email == NEAR, 2, 0))
        + np.where(phone == EQUAL, 4, np.where(phone == NEAR, 2, 0))
        + first
        + last
        + (site == EQUAL)
        - (site == CONFLICT)
        + (rare | rare_site)
    ).astype(np.float32)
    return PairFeatures(a, b, first, last, swapped, email, phone, site, rare | rare_site, rule, score, one_field)


def _names(cols: Columns, a, b, memo: RelationMemo):
    """First and last name levels, in the order (as typed, swapped, or split out of one field)
    that agrees best; heavy typos between two established names count as different."""
    fa, fb, la, lb = cols.first[a], cols.first[b], cols.last[a], cols.last[b]
    first = relate_pairs(memo, fa, fb, first=True)
    last = relate_pairs(memo, la, lb, first=False)
    swapped = np.zeros(len(a), dtype=bool)
    weak = np.nonzero(((first < SAME) | (last < SAME)) & (fa > 0) & (la > 0) & (fb > 0) & (lb > 0))[0]
    if len(weak):
        # b typed swapped: its last-name field holds the first name, and the other way round
        fs = relate_pairs(memo, fa[weak], lb[weak], first=True)
        ls = relate_pairs(memo, la[weak], fb[weak], first=False)
        now_min, swap_min = np.minimum(first[weak], last[weak]), np.minimum(fs, ls)
        better = (swap_min > now_min) | (
            (swap_min == now_min) & (fs.astype(int) + ls > first[weak].astype(int) + last[weak])
        )
        pick = weak[better]
        first[pick], last[pick], swapped[pick] = fs[better], ls[better], True
    if cols.name_count is not None:
        yf, yl = np.where(swapped, lb, fb), np.where(swapped, fb, lb)
        for level, x, y in ((first, fa, yf), (last, la, yl)):
            far = np.nonzero((level == FAR) | (level == DISSIMILAR))[0]
            if len(far):
                level[far[established(cols.name_count, x[far], y[far], cols.common, cols.min_count)]] = DIFFERENT
    one_field = _one_field(memo, fa, fb, la, lb, first, last)
    return first, last, swapped, one_field


def _rare_pair(rare: np.ndarray, a: np.ndarray, b: np.ndarray, one_field: np.ndarray) -> np.ndarray:
    """Both sides rare, or one side rare when only one name field is filled."""
    return (rare[a] & rare[b]) | (one_field & (rare[a] | rare[b]))


def _typo_of_a_name(cols: Columns, a, b, first, swapped, memo: RelationMemo, both: np.ndarray) -> None:
    """With the same email and the same phone, a first name seen once or twice against a
    frequent one it shares letters with is that name mistyped ("EbOZ" / "Enzo", "Jzen" /
    "Jean"), not a household member: a household's names are both established names."""
    todo = np.nonzero(both & (first == DIFFERENT))[0]
    if not len(todo):
        return
    counts, names = cols.name_count, memo.names
    if counts is None:
        return
    x = cols.first[a[todo]]
    y = np.where(swapped[todo], cols.last[b[todo]], cols.first[b[todo]])
    for k, p, q in zip(todo.tolist(), x.tolist(), y.tolist()):
        if not p or not q:
            continue
        low, high = sorted((int(counts[p]), int(counts[q])))
        if low < cols.min_count <= high:
            if Indel.normalized_similarity(squash(names[p]), squash(names[q])) >= TYPO_OF_A_NAME:
                first[k] = DISSIMILAR


#: Letters in common from which a rare spelling beside a frequent name, on one email and one
#: phone, is that name mistyped: "eboz" / "enzo" .5, "jzen" / "jean" .5; "jean" / "marie" .22.
TYPO_OF_A_NAME = 0.45


def established(
    counts: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    common: np.ndarray | None = None,
    min_count: int = ESTABLISHED_COUNT,
) -> np.ndarray:
    """Both spellings are names of their own (frequent, and comparably so; or both in the
    built-in list of very common names, for small batches), not a typo of each other."""
    cx, cy = counts[x], counts[y]
    low, high = np.minimum(cx, cy), np.maximum(cx, cy)
    out = (low >= min_count) & (low >= ESTABLISHED_SHARE * high)
    if common is not None:
        out |= common[x] & common[y]
    return out


def _one_field(memo: RelationMemo, fa, fb, la, lb, first, last) -> np.ndarray:
    """Full names typed in one field: "Margot Louis" / "" or "" / "HARES Vincent" against
    "Margot" / "Louis". The field's words are split every way (first words as first name or
    as last name) and the split that agrees best replaces the levels when it is better.
    Updates ``first`` and ``last`` in place; returns which pairs were split."""
    names = memo.names
    lone_a, lone_b = (fa == 0) != (la == 0), (fb == 0) != (lb == 0)
    todo = np.nonzero((lone_a | lone_b) & (np.minimum(first, last) < SAME))[0]
    out = np.zeros(len(fa), dtype=bool)
    for k in todo.tolist():
        whole_a = (names[fa[k]] + " " + names[la[k]]).split()
        whole_b = (names[fb[k]] + " " + names[lb[k]]).split()
        if len(whole_a) < 2 or len(whole_b) < 2:
            continue
        if sorted(whole_a) == sorted(whole_b):
            best = (SAME, SAME)
        else:
            lone, other = (
                (whole_a, (names[fb[k]], names[lb[k]])) if lone_a[k] else (whole_b, (names[fa[k]], names[la[k]]))
            )
            if not other[0] or not other[1]:
                continue
            best = (DIFFERENT, DIFFERENT)
            for cut in range(1, len(lone)):
                head, tail = " ".join(lone[:cut]), " ".join(lone[cut:])
                for given, family in ((head, tail), (tail, head)):
                    levels = (relate_first(given, other[0]), relate_last(family, other[1]))
                    if min(levels) > min(best) or (min(levels) == min(best) and sum(levels) > sum(best)):
                        best = levels
        if min(best) > min(first[k], last[k]):
            first[k], last[k], out[k] = best[0], best[1], True
    return out


def _states(codes: np.ndarray, a, b) -> np.ndarray:
    """EQUAL, CONFLICT (both given, different) or ABSENT for one coded field."""
    ca, cb = codes[a], codes[b]
    state = np.where((ca == 0) | (cb == 0), ABSENT, np.where(ca == cb, EQUAL, CONFLICT))
    return state.astype(np.int8)


def _email(
    cols: Columns, a, b, locals_: list[str], domains: list[str], named: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Email state, and which NEAR addresses differ before the @ (``loose``). NEAR is only
    looked for where ``named`` (names not different: no rule uses a near email otherwise).

    NEAR is one address typed two ways:

    - the part before @ equal (5+ characters, dots aside) and the domains one typo apart:
      "jean.dupont@gmial.com" / "jeandupont@gmail.com", "ffrancois@live.fr" / "...@live.frm";
    - ``loose``: the same domain and the parts before @ equal up to dots
      (outside Gmail, another account), "_" and "-", or one typo apart (6+ characters, same numbers):
      "jean.dupont@orange.fr" /
      "jean_dupont@orange.fr" / "jean.dupnot@orange.fr". Namesakes get such addresses too
      ("julie.leroy@" / "julie_leroy@"), so a loose NEAR needs a rare name (``rules``); an
      added number is another address: "sophie63@gmail.com" / "sophie@gmail.com".
    """
    state = _states(cols.email, a, b)
    loose = np.zeros(len(a), dtype=bool)
    la, lb = cols.email_local[a], cols.email_local[b]
    da, db = cols.domain[a], cols.domain[b]
    # a typo is in the domain (same local part) or in the local part (same domain), not both
    maybe = np.nonzero((state == CONFLICT) & named & ((la == lb) | (da == db)))[0]
    for k, x, y, dx, dy in zip(
        maybe.tolist(), la[maybe].tolist(), lb[maybe].tolist(), da[maybe].tolist(), db[maybe].tolist()
    ):
        lx, ly = locals_[x], locals_[y]
        if len(lx) < 5 or len(ly) < 5:
            continue
        if x == y:
            if dx != dy and OSA.distance(domains[dx], domains[dy], score_cutoff=1) <= 1:
                state[k] = NEAR
            elif dx == dy:
                state[k], loose[k] = NEAR, True
        elif _local_near(lx, ly):
            state[k], loose[k] = NEAR, True
    return state, loose


def _local_near(x: str, y: str) -> bool:
    """Two local parts (dots already dropped) of one address: equal but for "_" and "-", or
    one typo apart (6+ characters) with the same numbers."""
    sx, sy = x.replace("_", "").replace("-", ""), y.replace("_", "").replace("-", "")
    if sx == sy:
        return True
    if [c for c in sx if c.isdigit()] != [c for c in sy if c.isdigit()]:
        return False
    return min(len(sx), len(sy)) >= 6 and OSA.distance(sx, sy, score_cutoff=1) <= 1


def _phone_near(pa: np.ndarray, pb: np.ndarray, phones: list[str]) -> np.ndarray:
    """NEAR for numbers one mistyped or swapped digit apart, else CONFLICT."""
    out = np.full(len(pa), CONFLICT, dtype=np.int8)
    if not len(pa):
        return out
    sa = np.array([phones[x] for x in pa.tolist()], dtype="S16")
    sb = np.array([phones[x] for x in pb.tolist()], dtype="S16")
    same_length = np.char.str_len(sa) == np.char.str_len(sb)
    differ = (sa.view(np.uint8).reshape(-1, 16) != sb.view(np.uint8).reshape(-1, 16)).sum(axis=1)
    out[same_length & (differ == 1)] = NEAR
    for k in np.nonzero(same_length & (differ == 2))[0].tolist():  # a swap of two digits?
        if OSA.distance(phones[pa[k]], phones[pb[k]], score_cutoff=1) <= 1:
            out[k] = NEAR
    return out


def _rules(
    first, last, swapped, email, phone, site, rare, rare_site, review_site, loose, handle, typo_site
) -> np.ndarray:
    """Index into RULES of the first rule that applies to each pair; ``typo_site``: rule 7a's
    names (one typo off, rare at the site or there that day, not two first names)."""
    shared = (email == EQUAL) | (phone == EQUAL)
    both = (email == EQUAL) & (phone == EQUAL)
    conflict = (email == CONFLICT) | (phone == CONFLICT)
    near = ~shared & ((email == NEAR) | (phone == NEAR))
    strong = (first >= SAME) & (last >= SAME)
    close = ((first >= CLOSE) & (last >= CLOSE)) | ((first >= SAME) & (last == MISSING))
    short = (first == SHORT) & (last >= SAME)
    typo_first = (first >= CLOSE) | (first == FAR) | (first == DISSIMILAR) | (first == SHORT)
    typo_last = (last >= CLOSE) | (last == FAR) | (last == DISSIMILAR) | (last == MISSING)
    one_typo_name = ((first == FAR) & (last >= SAME)) | ((first >= CLOSE) & (last == FAR))
    married = (first >= SAME) & (last == DIFFERENT) & (~swapped | both) & (email != CONFLICT) & (phone != CONFLICT)
    similar = (
        ((first >= SAME) & (last == DIFFERENT))
        | (((first == PARTIAL) | (first == SHORT)) & (last >= CLOSE))
        | ((first == MISSING) & (last >= CLOSE))
        | ((first == CLOSE) & (last <= MISSING))
        | (first == FAR)
        | (last == FAR)
    )
    sites_ok = site != CONFLICT
    # one contact different, the other given on one side only: a second address or number
    second_address = ((email == CONFLICT) & (phone == ABSENT)) | ((phone == CONFLICT) & (email == ABSENT))
    # a digit off in the phone, or a mistyped domain: one contact, typed wrong (another email
    # beside a near phone is a second address); a local part written otherwise is weaker
    near_strong = near & ((phone == NEAR) | ((email == NEAR) & ~loose))
    near_loose = near & ~near_strong
    named = strong | close
    conditions = [
        shared & close,
        shared & short & ~conflict,
        both & typo_first & typo_last,
        shared & one_typo_name & (~conflict | ((first == FAR) & (last >= SAME) & sites_ok)),
        shared & married,
        shared & similar,
        shared,
        (near_strong & named & (rare | rare_site | (site == EQUAL)))
        | (near & (email == NEAR) & ~loose & strong & ~conflict)
        | (near_loose & named & ~conflict & (rare | rare_site)),
        (near_strong & (close | short | one_typo_name)) | (near_loose & strong & ~conflict & (site == EQUAL)),
        strong
        & (
            (((rare & sites_ok) | rare_site) & ~conflict)
            | (rare & (site == EQUAL) & second_address)
            | (handle & (site == EQUAL) & (email == CONFLICT) & (phone == ABSENT))
        ),
        typo_site & (site == EQUAL) & ~conflict,
        strong & (site == EQUAL) & ((rare & ~((email == CONFLICT) & (phone == CONFLICT))) | (review_site & ~conflict)),
    ]
    first_rule = RULE_INDEX["same_contact_same_name"]
    choice = np.select(conditions, np.arange(len(conditions)), default=len(conditions))
    return (choice + first_rule).astype(np.int8)


def clearly_differ(memo: RelationMemo, cols: Columns, p: int, q: int) -> bool:
    """Two sign-ups cannot be one person: their first names differ, whichever of them typed
    first and last name swapped. Missing first names never differ; a heavy typo ("Erwzn" /
    "Erwqan") does not differ unless both spellings are established names ("Lucas" / "Lucie").

    Used to keep clusters from chaining a household: "Marie Dupont" and "Jean Dupont" never
    end up together even if each shares a contact with some third sign-up.
    """
    rel = memo.relate
    fp, fq, lp, lq = (int(x) for x in (cols.first[p], cols.first[q], cols.last[p], cols.last[q]))
    if fp == fq or not fp or not fq:
        return False
    options = [(fp, fq)] + [(lp, fq)] * bool(lp) + [(fp, lq)] * bool(lq)
    counts, common = cols.name_count, cols.common

    def differ(x: int, y: int) -> bool:
        level = rel(x, y, first=True)
        if level in (FAR, DISSIMILAR) and counts is not None:
            cx, cy = int(counts[x]), int(counts[y])
            low = min(cx, cy)
            return (low >= cols.min_count and low >= ESTABLISHED_SHARE * max(cx, cy)) or (
                common is not None and bool(common[x]) and bool(common[y])
            )
        return level == DIFFERENT

    return all(differ(x, y) for x, y in options)
