"""PeopleIndex: known sign-ups grouped into people, matched against new batches incrementally."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rollcall.transforms.matching import blocking
from rollcall.transforms.matching.clustering import (
    DECIDED_DIFFERENT,
    NAMES_DIFFER,
    NO_CONFLICT,
    GuardedUnion,
    components,
)  # fmt: skip
from rollcall.transforms.matching.explain import evidence_codes, explain_fr
from rollcall.transforms.matching.keys import (
    KeyMaker,
    MatchRecord,
    PreparedKeys,
    records_to_columns,
)
from rollcall.transforms.matching.names import COMMON_FIRST, COMMON_LAST, RelationMemo
from rollcall.transforms.matching.rules import (
    FAIRLY_RARE_EXPECTED,
    MATCH,
    OUTCOMES,
    RARE_DAY_EXPECTED,
    RARE_EXPECTED,
    RARE_SITE_EXPECTED,
    REVIEW,
    RULE_INDEX,
    RULES,
    SITE_REVIEW_EXPECTED,
    Columns,
    PairFeatures,
    clearly_differ,
    compare,
    established_count,
)  # fmt: skip
from rollcall.transforms.sites import SiteCatalog

_CODED = ("first", "last", "email", "email_local", "email_letters", "domain", "phone", "site", "name_block")
_COMMON_FIRST_P, _COMMON_LAST_P, _MIN_POPULATION = 0.005, 0.003, 10_000


@dataclass(frozen=True)
class Decision:
    """A person's answer on a pair of sign-ups: the same person (``same``) or not."""

    record_a: str
    record_b: str
    same: bool


@dataclass(frozen=True, slots=True)
class Link:
    """Why two sign-ups were put in one person: the rule, its score and the evidence codes."""

    record_a: str
    record_b: str
    rule: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewPair:
    """A pair not merged, for a person to decide; ``explanation`` is French for coordinators."""

    record_a: str
    record_b: str
    rule: str
    score: float
    evidence: tuple[str, ...]
    explanation: str


@dataclass
class Resolution:
    """Result of matching a batch.

    ``person_of`` maps every record id of the batch to its person key: a known person's key,
    or for a new person the record id of its earliest sign-up. ``links`` explains every merge
    (built on first access: a million links take a second). ``review`` lists grey-zone pairs
    and refused links, never merged.
    """

    person_of: dict[str, str]
    review: list[ReviewPair]
    pairs_compared: int
    _features: PairFeatures | None = field(default=None, repr=False)
    _record_ids: list[str] = field(default_factory=list, repr=False)
    _linked: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def links(self) -> list[Link]:
        f, ids = self._features, self._record_ids
        if f is None or self._linked is None:
            return []
        out = []
        for k in np.nonzero(self._linked)[0].tolist():
            out.append(Link(ids[f.a[k]], ids[f.b[k]], RULES[f.rule[k]].code, float(f.score[k]), _evidence(f, k)))
        return out


def _evidence(f: PairFeatures, k: int) -> tuple[str, ...]:
    one_field = f.one_field is not None and bool(f.one_field[k])
    return evidence_codes(
        int(f.email[k]),
        int(f.phone[k]),
        int(f.first[k]),
        int(f.last[k]),
        int(f.site[k]),
        bool(f.swapped[k]),
        bool(f.rare[k]),
        one_field,
    )


class PeopleIndex:
    """Every sign-up seen so far, with its person; ``add`` matches a new batch against it.

    Build it once from stored people (``from_people``), or start empty and ``add`` batches:
    ``resolve`` is ``PeopleIndex().add(records)``. Known people are never merged with each
    other by a batch: a sign-up matching two known people joins the stronger link and the
    other goes to review.
    """

    def __init__(self, catalog: SiteCatalog | None = None) -> None:
        self.keys = KeyMaker(catalog)
        self.memo = RelationMemo(self.keys.names.values)
        self.codes = {name: np.empty(0, np.int64) for name in _CODED}
        self.record_ids: list[str] = []
        self.first_display: list[str] = []
        self.last_display: list[str] = []
        self.submitted_at: list[str] = []
        self._day_codes: np.ndarray | None = None
        self._day_table: dict[str, int] = {}
        self._rare_cache: tuple[np.ndarray, ...] | None = None
        self.person = np.empty(0, np.int64)
        self.person_keys: list[str] = []
        self._sorted: dict[str, blocking.SortedField] = {}
        self._position: dict[str, int] | None = None
        self._members: tuple[np.ndarray, np.ndarray] | None = None
        self._common = (np.empty(0, bool), np.empty(0, bool))

    def __len__(self) -> int:
        return len(self.record_ids)

    @classmethod
    def from_people(
        cls,
        records: Mapping[str, Sequence] | Iterable[MatchRecord],
        person_keys: Sequence[str],
        catalog: SiteCatalog | None = None,
    ) -> PeopleIndex:
        """An index of sign-ups already resolved (e.g. loaded from the database), no matching."""
        index = cls(catalog)
        prepared = index.keys.prepare(_columns(records))
        people, codes = np.unique(np.asarray(list(person_keys), dtype=object), return_inverse=True)
        index._append(prepared)
        index.person = codes.astype(np.int64)
        index.person_keys = [str(p) for p in people]
        return index

    def warm(self) -> None:
        """Build the lookup structures now, so the first ``add`` is not charged for them."""
        for name in blocking.FIELDS:
            self._sorted_field(name)
        self._member_table()
        self.positions()

    def add(
        self, records: Mapping[str, Sequence] | Iterable[MatchRecord], decisions: Iterable[Decision] = ()
    ) -> Resolution:
        """Match a batch against the index and within itself, then add it to the index."""
        columns = _columns(records)
        known = self._known_ids(columns)
        if known:
            keep = [i for i, rid in enumerate(columns["record_id"]) if str(rid) not in known]
            columns = {k: [values[i] for i in keep] for k in columns for values in [list(columns[k])]}
        prepared = self.keys.prepare(columns)
        start = len(self)
        self._append(prepared)
        features = self._compare(self._candidates(start), list(decisions))
        person_of, linked, refused = self._cluster(start, features)
        resolution = Resolution(
            person_of={**known, **person_of},
            review=self._review(features, linked, refused),
            pairs_compared=len(features.a),
            _features=features,
            _record_ids=self.record_ids,
            _linked=linked,
        )
        return resolution

    def positions(self) -> dict[str, int]:
        """Record id -> position, extended as batches arrive."""
        if self._position is None:
            self._position = {}
        for i in range(len(self._position), len(self)):
            self._position[self.record_ids[i]] = i
        return self._position

    # --- building -------------------------------------------------------------------------

    def _known_ids(self, columns: Mapping[str, Sequence]) -> dict[str, str]:
        """Record ids already indexed, with their person: a rerun changes nothing."""
        if not len(self):
            return {}
        pos = self.positions()
        found = {}
        for rid in columns["record_id"]:
            i = pos.get(str(rid))
            if i is not None:
                found[str(rid)] = self.person_keys[self.person[i]]
        return found

    def _append(self, prepared: PreparedKeys) -> None:
        for name in _CODED:
            self.codes[name] = np.concatenate([self.codes[name], getattr(prepared, name)])
        self.record_ids.extend(prepared.record_id)
        self.first_display.extend(prepared.first_display)
        self.last_display.extend(prepared.last_display)
        self.submitted_at.extend(prepared.submitted_at)
        self.person = np.concatenate([self.person, np.full(len(prepared), -1, np.int64)])

    def _sorted_field(self, name: str, upto: int | None = None) -> blocking.SortedField:
        upto = len(self) if upto is None else upto
        cached = self._sorted.get(name)
        if cached is None or len(cached.sorted) != upto:
            cached = self._sorted[name] = blocking.SortedField(self.codes[name][:upto])
        return cached

    def _member_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Records of each known person: (order by person, start offsets)."""
        known = int((self.person >= 0).sum())
        if self._members is None or len(self._members[0]) != known:
            order = np.argsort(self.person, kind="stable")[len(self) - known :]
            starts = np.searchsorted(self.person[order], np.arange(len(self.person_keys) + 1))
            self._members = (order, starts)
        return self._members

    # --- matching -------------------------------------------------------------------------

    def _candidates(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (a < b) among the new records and between new and known records."""
        firsts, seconds = [], []
        for name in blocking.FIELDS:
            capped = name in blocking.CAPPED_FIELDS
            new = self.codes[name][start:]
            a, b = blocking.within(new, max_block=blocking.MAX_NAME_BLOCK if capped else None)
            firsts.append(a + start)
            seconds.append(b + start)
            if start:
                probe, known = self._sorted_field(name, start).lookup(
                    new,
                    cap=blocking.MAX_NAME_BLOCK if capped else blocking.WINDOW * 5,
                    skip_larger=capped,
                )
                firsts.append(known)
                seconds.append(probe + start)
        a, b = blocking.phone_neighbours(self.codes["phone"], self.keys.phones.values, start)
        firsts.append(a)
        seconds.append(b)
        a, b = self._same_name_site_day(start)
        firsts.append(a)
        seconds.append(b)
        rare_site, rare_day = self._rare()[1], self._rare()[4]
        a, b = blocking.typo_name_site(
            self.codes["first"], self.codes["last"], self.codes["site"], self.keys.names.values,
            rare_site | rare_day, start,
        )  # fmt: skip
        keep = self._typo_worth_comparing(a, b)
        firsts.append(a[keep])
        seconds.append(b[keep])
        a, b = np.concatenate(firsts), np.concatenate(seconds)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = blocking.unique_ints(lo * (1 << 31) + hi)
        return keys >> 31, keys & ((1 << 31) - 1)

    def _typo_worth_comparing(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Of the ``typo_name_site`` pairs (same last name and site), those rule 7a could
        merge: first names of near length, not both names of their own ("Jan" / "Jean")."""
        first, names = self.codes["first"], self.keys.names.values
        length = np.fromiter((len(n) for n in names), np.int64, len(names))
        count = np.bincount(first, minlength=len(names)) + np.bincount(self.codes["last"], minlength=len(names))
        named = count >= established_count(len(self))
        return ~(named[first[a]] & named[first[b]]) & (np.abs(length[first[a]] - length[first[b]]) <= 2)

    def _same_name_site_day(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs with the same name words at the same site on the same day, at least one new:
        a name too common campaign-wide for its name block (over MAX_NAME_BLOCK sign-ups) may
        still be rare that day at that site (a staff re-entry of a form sign-up).

        Only the (name, site, day) groups holding a new sign-up are blocked: the others can
        give no pair with a new one, and a group is whole either way, so an add finds the
        pairs a resolution from scratch would (the cost follows the batch, not the index).
        """
        block, site = self.codes["name_block"], self.codes["site"]
        day = self._days()
        wanted = (block > 0) & (site > 0) & (day > 0)
        triple = (block * (int(site.max(initial=0)) + 1) + site) * (int(day.max(initial=0)) + 1) + day
        if start:
            wanted &= np.isin(triple, triple[start:][wanted[start:]])
        members = np.nonzero(wanted)[0]
        codes = np.unique(triple[members], return_inverse=True)[1].reshape(-1) + 1
        a, b = blocking.within(codes, max_block=blocking.MAX_NAME_BLOCK)
        a, b = members[a], members[b]
        # only the pairs this block is for: both rare that day there (the name block has the rest)
        rare_day = self._rare()[4]
        keep = ((a >= start) | (b >= start)) & rare_day[a] & rare_day[b]
        return a[keep], b[keep]

    def _days(self) -> np.ndarray:
        """Submission date codes (0 when unknown), in order of first appearance; extended as
        batches arrive, so they are the codes a resolution from scratch would give."""
        known = np.empty(0, np.int64) if self._day_codes is None else self._day_codes
        if len(known) != len(self):
            table = self._day_table
            dates = [t[:10] for t in self.submitted_at[len(known) :]]
            setdefault = table.setdefault
            new = np.fromiter((setdefault(d, len(table) + 1) if d else 0 for d in dates), np.int64, len(dates))
            known = self._day_codes = np.concatenate([known, new])
        return known

    def _columns_view(self) -> Columns:
        c = self.codes
        rare, rare_site, review_site, day, rare_day, fairly_rare = self._rare()
        size = len(self.keys.names)
        name_count = np.bincount(c["first"], minlength=size) + np.bincount(c["last"], minlength=size)
        name_count[0] = 0
        common_first, common_last = self._common_flags(size)
        return Columns(
            c["first"],
            c["last"],
            c["email"],
            c["email_local"],
            c["domain"],
            c["phone"],
            c["site"],
            rare,
            rare_site,
            review_site,
            name_count,
            common_first | common_last,
            day,
            rare_day,
            c["email_letters"],
            fairly_rare,
            established_count(len(self)),
        )

    def _rare(self) -> tuple[np.ndarray, ...]:
        if self._rare_cache is None or len(self._rare_cache[0]) != len(self):
            self._rare_cache = self._compute_rare()
        return self._rare_cache

    def _compute_rare(self) -> tuple[np.ndarray, ...]:
        """Per record: is its name rare (fewer than RARE_EXPECTED namesakes by chance), rare
        at its own site, and fairly rare at its site (fewer than SITE_REVIEW_EXPECTED)? Also
        its day code (submission date) and whether its name is rare at its site on that day.

        Expected namesakes = records x P(first name) x P(last name), where each count leaves
        out the records carrying this very full name (a person's own duplicates are not
        evidence that the name is common), with a floor for very common French names. At the
        site, the site's sign-ups replace all records (the name shares stay campaign-wide: a
        site has too few sign-ups to estimate them), leaving out the records with this very
        name at that site (on the day: that day at that site), not in the whole campaign. A
        record without a site is never rare at its site. Also: is the name fairly rare in the
        campaign (FAIRLY_RARE_EXPECTED)?
        """
        first, last, block = self.codes["first"], self.codes["last"], self.codes["name_block"]
        size = len(self.keys.names)
        population = max(len(self), _MIN_POPULATION)
        same_name = np.bincount(block, minlength=len(self.keys.blocks))[block] - 1
        count_first = np.bincount(first, minlength=size)[first] - same_name
        count_last = np.bincount(last, minlength=size)[last] - same_name
        common_first, common_last = self._common_flags(size)
        p_first = np.maximum(count_first / population, common_first[first] * _COMMON_FIRST_P)
        p_last = np.maximum(count_last / population, common_last[last] * _COMMON_LAST_P)
        expected = population * p_first * p_last
        named = (first > 0) & (last > 0)
        site = self.codes["site"]
        at_site = np.bincount(site, minlength=len(self.keys.sites))[site] - _same_name_within(block, site)
        # a small batch stands for a campaign of _MIN_POPULATION: its sites scale up alike
        expected_site = np.maximum(at_site, 1) * (population / max(len(self), 1)) * p_first * p_last
        sited = named & (site > 0)
        if len(self) < _MIN_POPULATION:
            # too few sign-ups to count a site's names: "Marie Martin" is never rare there
            sited &= ~(common_first[first] & common_last[last])
        # the same at the site on the day: "a rare name at the same site and day"
        day = self._days()
        site_day = np.unique(site * (int(day.max(initial=0)) + 1) + day, return_inverse=True)[1].reshape(-1)
        at_day = np.bincount(site_day)[site_day] - _same_name_within(block, site_day)
        expected_day = np.maximum(at_day, 1) * (population / max(len(self), 1)) * p_first * p_last
        return (
            (expected < RARE_EXPECTED) & named,
            (expected_site < RARE_SITE_EXPECTED) & sited,
            (expected_site < SITE_REVIEW_EXPECTED) & sited,
            day,
            (expected_day < RARE_DAY_EXPECTED) & sited & (day > 0),
            (expected < FAIRLY_RARE_EXPECTED) & named,
        )

    def _common_flags(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Which name codes are in the built-in lists of very common names (grown as needed)."""
        names = self.keys.names.values
        known = len(self._common[0])
        if known < size:
            extra = names[known:size]
            self._common = (
                np.concatenate([self._common[0], np.fromiter((n in COMMON_FIRST for n in extra), bool)]),
                np.concatenate([self._common[1], np.fromiter((n in COMMON_LAST for n in extra), bool)]),
            )
        return self._common

    def _compare(self, pairs: tuple[np.ndarray, np.ndarray], decisions: list[Decision]) -> PairFeatures:
        """Features and rules of the candidate pairs, plus pairs decided "same"; decisions win."""
        a, b = pairs
        forced_same, forced_diff = self._decision_pairs(decisions)
        if forced_same:
            extra = np.array(sorted(forced_same), dtype=np.int64).reshape(-1, 2)
            keys = blocking.unique_ints(np.concatenate([a * (1 << 31) + b, extra[:, 0] * (1 << 31) + extra[:, 1]]))
            a, b = keys >> 31, keys & ((1 << 31) - 1)
        self._view = self._columns_view()
        features = compare(self._view, a, b, self.memo, self.keys)
        self._forced_diff = forced_diff
        keys = a * (1 << 31) + b
        for decided_pairs, rule in ((forced_same, "decision_same"), (forced_diff, "decision_different")):
            if decided_pairs:
                decided = np.array([i * (1 << 31) + j for i, j in decided_pairs], dtype=np.int64)
                features.rule[np.isin(keys, decided)] = RULE_INDEX[rule]
        return features

    def _decision_pairs(self, decisions: list[Decision]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """Decisions as (low, high) positions; decisions naming unknown records are ignored."""
        if not decisions:
            return set(), set()
        pos = self.positions()
        same: set[tuple[int, int]] = set()
        different: set[tuple[int, int]] = set()
        for d in decisions:
            i, j = pos.get(d.record_a), pos.get(d.record_b)
            if i is None or j is None or i == j:
                continue
            (same if d.same else different).add((min(i, j), max(i, j)))
        return same, different

    # --- clustering -----------------------------------------------------------------------

    def _node(self, positions: np.ndarray, start: int) -> np.ndarray:
        """New records are their own node; a known record stands for its person's first record."""
        order, starts = self._member_table()
        nodes = positions.copy()
        old = positions < start
        if old.any():
            nodes[old] = order[starts[self.person[positions[old]]]]
        return nodes

    def _cluster(self, start: int, f: PairFeatures):
        """Assign people to the new records; return (person_of, linked mask, refused mask).

        A component of two new records joined by one link needs no guard; every other
        component is merged link by link by a GuardedUnion, strongest link first.
        """
        matched = np.nonzero(OUTCOMES[f.rule] == MATCH)[0]
        na, nb = self._node(f.a[matched], start), self._node(f.b[matched], start)
        simple = self._simple(na, nb, start)
        root: dict[int, int] = {}
        for x, y in zip(na[simple].tolist(), nb[simple].tolist()):
            root[x] = root[y] = min(x, y)
        refused = np.zeros(len(f.a), dtype=bool)
        refused[matched[~simple]] = self._guarded_merge(start, f, matched[~simple], na[~simple], nb[~simple], root)
        person_of = self._assign(start, len(self) - start, root)
        same = self.person[f.a] == self.person[f.b]
        return person_of, (OUTCOMES[f.rule] == MATCH) & same & ~refused, refused

    @staticmethod
    def _simple(na: np.ndarray, nb: np.ndarray, start: int) -> np.ndarray:
        """Links that form a whole component on their own, between two new records."""
        if not len(na):
            return np.zeros(0, dtype=bool)
        nodes, inverse = np.unique(np.concatenate([na, nb]), return_inverse=True)
        ia, ib = inverse[: len(na)], inverse[len(na) :]
        label = components(len(nodes), ia, ib)
        size = np.bincount(label, minlength=len(nodes))
        return (size[label[ia]] == 2) & (na >= start) & (nb >= start)

    def _guarded_merge(
        self, start: int, f: PairFeatures, links: np.ndarray, na: np.ndarray, nb: np.ndarray, root: dict[int, int]
    ) -> np.ndarray:
        """Apply ``links`` in the stated order; fill ``root``; return which were refused."""
        union = self._guarded_union(start, np.concatenate([na, nb]))
        forced = f.rule[links] == RULE_INDEX["decision_same"]
        by_name = np.isin(f.rule[links], [RULE_INDEX["rare_name_no_conflict"], RULE_INDEX["rare_name_typo_same_site"]])
        tier = np.where(forced, 0, np.where(by_name, 2, 1))
        order = np.lexsort((np.minimum(f.a[links], f.b[links]), -f.score[links], tier))
        refused = np.zeros(len(links), dtype=bool)
        for k, x, y in zip(order.tolist(), na[order].tolist(), nb[order].tolist()):
            why = union.union(x, y, forced=bool(forced[k]), by_name=bool(by_name[k]))
            refused[k] = why in ("conflict", "known")
        for node in set(union.parent) | set(union.members):
            root[node] = union.find(node)
        return refused

    def _guarded_union(self, start: int, nodes: np.ndarray) -> GuardedUnion:
        order, starts = self._member_table()
        members, fixed = {}, set()
        for node in blocking.unique_ints(nodes).tolist():
            if node < start:
                p = self.person[node]
                members[node] = order[starts[p] : starts[p + 1]].tolist()
                fixed.add(node)
        cols, memo, forced_diff = self._view, self.memo, self._forced_diff

        def conflict(p: int, q: int) -> int:
            if (min(p, q), max(p, q)) in forced_diff:
                return DECIDED_DIFFERENT
            return NAMES_DIFFER if clearly_differ(memo, cols, p, q) else NO_CONFLICT

        email, phone = self.codes["email"], self.codes["phone"]

        def contacts_differ(p: int, q: int) -> bool:
            return bool(
                (email[p] and email[q] and email[p] != email[q]) or (phone[p] and phone[q] and phone[p] != phone[q])
            )

        return GuardedUnion(members, fixed, conflict, contacts_differ)

    def _assign(self, start: int, n_new: int, root: dict[int, int]) -> dict[str, str]:
        """Person codes for new records: a known person's, or a new person keyed by the
        record id of its earliest sign-up (submitted_at, then input order)."""
        roots = np.arange(start, start + n_new)
        if root:
            nodes = np.fromiter(root.keys(), np.int64, len(root))
            tops = np.fromiter(root.values(), np.int64, len(root))
            new = nodes >= start
            roots[nodes[new] - start] = tops[new]
        known_root = roots < start
        person = np.empty(n_new, dtype=np.int64)
        person[known_root] = self.person[roots[known_root]]
        fresh = np.nonzero(~known_root)[0]
        if len(fresh):
            stamps = np.asarray(self.submitted_at[start:], dtype=object)[fresh].astype(str)
            order = fresh[np.lexsort((fresh, stamps, roots[fresh]))]
            first_of_group = np.ones(len(order), dtype=bool)
            first_of_group[1:] = roots[order][1:] != roots[order][:-1]
            group = np.cumsum(first_of_group) - 1
            base = len(self.person_keys)
            self.person_keys.extend(self.record_ids[start + i] for i in order[first_of_group].tolist())
            person[order] = base + group
        self.person[start:] = person
        self._members = None
        ids = self.record_ids[start:]
        return dict(zip(ids, (self.person_keys[p] for p in person.tolist())))

    # --- review ---------------------------------------------------------------------------

    def _review(self, f: PairFeatures, linked: np.ndarray, refused: np.ndarray) -> list[ReviewPair]:
        apart = self.person[f.a] != self.person[f.b]
        wanted = np.nonzero(((OUTCOMES[f.rule] == REVIEW) | refused) & apart)[0]
        out = []
        for k in wanted.tolist():
            a, b = int(f.a[k]), int(f.b[k])
            fa, fb, la, lb = (self.first_display[a], self.first_display[b], self.last_display[a], self.last_display[b])
            if f.swapped[k]:
                fb, lb = lb, fb
            text = explain_fr(
                email=int(f.email[k]),
                phone=int(f.phone[k]),
                first=int(f.first[k]),
                last=int(f.last[k]),
                site=int(f.site[k]),
                swapped=bool(f.swapped[k]),
                rare=bool(f.rare[k]),
                names=(fa, fb, la, lb),
                one_field=f.one_field is not None and bool(f.one_field[k]),
            )
            rule = RULES[f.rule[k]].code
            if refused[k]:
                rule, text = "refused_link", "lien refusé (un autre membre du groupe diffère) : " + text
            out.append(
                ReviewPair(self.record_ids[a], self.record_ids[b], rule, float(f.score[k]), _evidence(f, k), text)
            )
        return out


def _same_name_within(block: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per record: the other records of its group (a site, a site on a day) carrying its very
    name words; a record without a name counts none."""
    pairs = np.unique(block * (int(group.max(initial=0)) + 1) + group, return_inverse=True)[1].reshape(-1)
    return np.where(block > 0, np.bincount(pairs)[pairs] - 1, 0)


def _columns(records: Mapping[str, Sequence] | Iterable[MatchRecord]) -> Mapping[str, Sequence]:
    if isinstance(records, Mapping) or hasattr(records, "columns"):
        return records  # type: ignore[return-value]
    return records_to_columns(records)


def resolve(
    records: Mapping[str, Sequence] | Iterable[MatchRecord],
    decisions: Iterable[Decision] = (),
    catalog: SiteCatalog | None = None,
) -> Resolution:
    """Resolve sign-ups into people from scratch (see the package docstring)."""
    return PeopleIndex(catalog).add(records, decisions)
