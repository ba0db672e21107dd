"""How two folded names relate: exact, written differently, close, shortened, partial,
missing, far (a heavy typo), different.

Levels are ordered integers so pair rules can compare them (``first >= CLOSE``). ``FAR`` is
below ``MISSING`` on purpose: a heavily mistyped name is weaker evidence than no name, and
only counts where contacts vouch for the pair (see ``rules``); it is never a household's
"clearly different first name" either, unless both spellings are frequent names of their own
(``FAR`` is demoted to ``DIFFERENT`` by the name counts, in ``rules.compare``). ``DISSIMILAR``
is weaker still: most letters in common, in order ("arogt" / "margot", "yann" / "anne"); it
counts only when both email and phone are the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from rollcall.transforms.names import PARTICLES

DIFFERENT, DISSIMILAR, FAR, MISSING, PARTIAL, SHORT, CLOSE, SAME, EXACT = range(9)
LEVEL_NAMES = ("different", "dissimilar", "far", "missing", "partial", "short", "close", "same", "exact")

#: French diminutives written as first names. Jean-Pierre/JP (initials) is out of scope.
NICKNAMES: dict[str, str] = {
    "alex": "alexandre", "fred": "frederic", "nico": "nicolas", "seb": "sebastien",
    "steph": "stephane", "manu": "emmanuel", "cathy": "catherine", "kathy": "catherine",
    "isa": "isabelle", "flo": "florence", "max": "maxime", "val": "valerie",
    "chris": "christophe", "christ": "christophe", "domi": "dominique", "greg": "gregory",
    "matt": "matthieu", "tom": "thomas", "ben": "benjamin", "jo": "joseph", "bob": "robert",
    "dany": "daniel", "sandy": "sandrine", "babeth": "elisabeth", "zaza": "isabelle",
    "jeannot": "jean", "mimi": "michele", "pat": "patrick", "vince": "vincent",
    "fanfan": "francoise", "gigi": "ginette", "lolo": "laurent", "momo": "mohamed",
    "nath": "nathalie", "tony": "antoine", "toto": "thomas", "vero": "veronique",
    "caro": "caroline", "aurel": "aurelien", "juju": "julien", "doudou": "edouard",
    "mat": "mathieu", "theo": "theodore", "guigui": "guillaume", "guillou": "guillaume",
}  # fmt: skip


def _compact(name: str) -> str:
    """Words without particles, glued: "de la fontaine" and "delafontaine" -> "fontaine"/"delafontaine"."""
    words = name.split()
    kept = [w for w in words if w not in PARTICLES] or words
    return "".join(kept)


_VARIANT_SUFFIXES = frozenset({"e", "ne", "le", "te", "tte", "ette", "ine", "elle", "a", "ie", "ce"})
_VOWELS = frozenset("aeiouy")


def _ending_variant(a: str, b: str) -> bool:
    """Two first names that differ by a feminine or variant ending, usually two people:
    Louis/Louise, Jean/Jeanne, Daniel/Danielle, Marie/Maria, Anne/Anna, Marie/Marine.
    A doubled letter is a typo, not a variant: Pierre/Piere."""
    short, long = sorted((a, b), key=len)
    if long.startswith(short) and long[len(short) :] in _VARIANT_SUFFIXES:
        return not (len(long) == len(short) + 1 and long[-1] == short[-1])
    if len(short) == len(long) and short[:-1] == long[:-1]:
        return short[-1] in _VOWELS and long[-1] in _VOWELS
    if short.endswith("e") and long.endswith("e") and len(short) <= 5:
        stem_s, stem_l = short[:-1], long[:-1]
        added = stem_l[len(stem_s) :]
        return stem_l.startswith(stem_s) and len(added) == 1 and added != stem_s[-1:] and added not in _VOWELS
    return False


def _one_typo(a: str, b: str) -> bool:
    """One edit apart: any edit from 4 letters; a dropped or added letter at 3 ("jen" /
    "jean"), where a changed letter is too often another name ("tom" / "tim")."""
    shortest = min(len(a), len(b))
    if shortest < 3 or (shortest == 3 and len(a) == len(b)):
        return False
    return OSA.distance(a, b, score_cutoff=1) <= 1


@lru_cache(maxsize=1 << 18)
def squash(name: str) -> str:
    """Letters with runs collapsed and spaces dropped: "mmousssa" -> "mousa" = "moussa"."""
    return _RUNS.sub(r"\1", name.replace(" ", ""))


_RUNS = re.compile(r"(.)\1+")


def _compound_short(a: str, b: str) -> bool:
    """One first name is the first part of the other, a compound: "marie" / "marie laure",
    "marie" / "marielaure", "paul" / "paul henri". The rest must be a name (3+ letters)."""
    short, long = sorted((a, b), key=len)
    if " " in short:
        return long.startswith(short + " ")
    words = long.split()
    if len(words) > 1:
        return words[0] == short and len("".join(words[1:])) >= 3
    return long.startswith(short) and len(long) - len(short) >= 4 and len(short) >= 4


def heavy_typo(a: str, b: str) -> bool:
    """Two spellings one person could type for one name, slips beyond one edit:
    "mmousssa" / "moussa" (runs of letters), "erwzn" / "erwqan" (two edits in 5+ letters),
    "stephznee" / "stephane", "caheerine" / "catherine". The first letter or the last two must
    survive; frequent names this close ("lucas" / "lucie") are told apart by their counts
    (``rules``), not here."""
    sa, sb = squash(a), squash(b)
    if sa == sb:
        return len(sa) >= 3
    shortest = min(len(sa), len(sb))
    if shortest < 5:
        return False
    allowed = 2 if shortest < 9 else 3
    return OSA.distance(sa, sb, score_cutoff=allowed) <= allowed and (sa[0] == sb[0] or sa[-2:] == sb[-2:])


def dissimilar(a: str, b: str) -> bool:
    """Most letters in common, in order (2 x longest common subsequence / both lengths, from
    ``TYPO_SIMILARITY``): "arogt" / "margot" .73, "larq" / "laura" .67, "tih" / "thi" .67,
    but also "yann" / "anne" .75; "jean" / "marie" .22."""
    sa, sb = squash(a), squash(b)
    return (
        min(len(sa), len(sb)) >= 3
        and Indel.normalized_similarity(sa, sb, score_cutoff=TYPO_SIMILARITY) >= TYPO_SIMILARITY
    )


TYPO_SIMILARITY = 0.6


def relate_first(a: str, b: str) -> int:
    """Level of two folded first names.

    - EXACT: "marie" / "marie"
    - SAME: written differently: "jean pierre" / "jeanpierre"
    - CLOSE: one typo away (4+ letters), not a variant ending: "nicolas" / "nicloas", "helene" /
      "hlene"; letters doubled: "laurenttt" / "laurent", "emmaaa" / "emma"; or a known
      nickname: "fred" / "frederic"
    - SHORT: a compound first name and its first part: "marie laure" / "marie" / "marielaure",
      "paul henri" / "paul" (one person, or a father and son: rules need contacts too)
    - PARTIAL: one is a prefix of the other, or a variant ending: "alex" / "alexis",
      "louis" / "louise", "marie" / "maria"
    - MISSING: one is empty
    - FAR: a heavy typo: "mmousssa" / "moussa", "erwzn" / "erwqan"
    - DISSIMILAR: most letters in common: "arogt" / "margot" (or "yann" / "anne")
    - DIFFERENT otherwise: "marie" / "jean".
    """
    if a == b:
        return EXACT
    if not a or not b:
        return MISSING
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    if ca == cb:
        return SAME
    if NICKNAMES.get(ca, ca) == NICKNAMES.get(cb, cb) or (squash(ca) == squash(cb) and len(squash(ca)) >= 3):
        return CLOSE
    if _ending_variant(ca, cb):
        return PARTIAL
    if _one_typo(ca, cb):
        return CLOSE
    if _compound_short(a, b):
        return SHORT
    wa, wb = set(a.split()), set(b.split())
    if wa <= wb or wb <= wa or ca.startswith(cb) or cb.startswith(ca):
        return PARTIAL if min(len(ca), len(cb)) >= 3 else DIFFERENT
    if heavy_typo(a, b):
        return FAR
    if dissimilar(ca, cb):
        return DISSIMILAR
    return DIFFERENT


def relate_last(a: str, b: str) -> int:
    """Level of two folded last names.

    - EXACT: "dupont" / "dupont"
    - SAME: spaces or particles aside: "de la fontaine" / "delafontaine", "le gall" / "legall"
    - CLOSE: typos (1 edit from 4 letters, 2 from 8): "dupont" / "dupond", "vasseur kergoat" /
      "vaseur kergoat"; or one double name contains the other: "martin" / "martin dubois"
    - MISSING: one is empty
    - FAR: a heavy typo: "naulec" / "nauulecc"; DISSIMILAR: most letters in common
    - DIFFERENT otherwise (a married name: "dupont" / "durand").
    """
    if a == b:
        return EXACT
    if not a or not b:
        return MISSING
    ca, cb = _compact(a), _compact(b)
    if ca == cb or a.replace(" ", "") == b.replace(" ", ""):
        return SAME
    shortest = min(len(ca), len(cb))
    allowed = 2 if shortest >= 8 else 1 if shortest >= 4 else 0
    if allowed and OSA.distance(ca, cb, score_cutoff=allowed) <= allowed:
        return CLOSE
    wa, wb = set(a.split()) - PARTICLES, set(b.split()) - PARTICLES
    if wa and wb and (wa <= wb or wb <= wa):
        return CLOSE
    if heavy_typo(ca, cb):
        return FAR
    if dissimilar(ca, cb):
        return DISSIMILAR
    return DIFFERENT


class RelationMemo:
    """Relations between vocabulary codes, computed once per distinct pair of names."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._memo: dict[tuple[int, int, bool], int] = {}

    def relate(self, a: int, b: int, *, first: bool) -> int:
        key = (a, b, first) if a <= b else (b, a, first)
        level = self._memo.get(key)
        if level is None:
            relate = relate_first if first else relate_last
            level = self._memo[key] = relate(self.names[a], self.names[b])
        return level


#: Very frequent French first and last names (INSEE): a floor on how common they are, so a
#: small batch does not take "Marie Martin" for a rare name.
COMMON_FIRST = frozenset(
    [
        "marie",
        "jean",
        "pierre",
        "michel",
        "philippe",
        "nathalie",
        "isabelle",
        "sylvie",
        "catherine",
        "francoise",
        "alain",
        "nicolas",
        "christophe",
        "patrick",
        "christine",
        "sophie",
        "julien",
        "thomas",
        "camille",
        "lea",
        "manon",
        "emma",
        "chloe",
        "sarah",
        "laura",
        "julie",
        "lucas",
        "hugo",
        "louis",
        "nathan",
        "mohamed",
        "sandrine",
        "valerie",
        "stephane",
        "david",
        "eric",
        "laurent",
        "frederic",
        "sebastien",
        "daniel",
        "anne",
        "martine",
        "monique",
        "jacques",
        "andre",
        "bernard",
        "paul",
        "claire",
        "nadia",
        "karim",
        "fatima",
        "ahmed",
        "ines",
        "yasmine",
    ]
)
COMMON_LAST = frozenset(
    [
        "martin",
        "bernard",
        "thomas",
        "petit",
        "robert",
        "richard",
        "durand",
        "dubois",
        "moreau",
        "laurent",
        "simon",
        "michel",
        "lefebvre",
        "leroy",
        "roux",
        "david",
        "bertrand",
        "morel",
        "fournier",
        "girard",
        "bonnet",
        "dupont",
        "lambert",
        "fontaine",
        "rousseau",
        "vincent",
        "muller",
        "lefevre",
        "faure",
        "andre",
        "mercier",
        "blanc",
        "guerin",
        "boyer",
        "garnier",
        "chevalier",
        "francois",
        "legrand",
        "gauthier",
        "garcia",
        "perrin",
        "robin",
        "clement",
        "morin",
        "nicolas",
        "henry",
        "roussel",
        "mathieu",
        "gautier",
        "masson",
        "nguyen",
        "martinez",
        "lopez",
        "rodriguez",
        "benali",
        "dumont",
    ]
)
