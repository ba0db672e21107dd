"""How two folded names relate: exact, written differently, close, partial, missing, different.

Levels are ordered integers so pair rules can compare them (``first >= CLOSE``).
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from transforms.names import PARTICLES

DIFFERENT, MISSING, PARTIAL, CLOSE, SAME, EXACT = range(6)
LEVEL_NAMES = ("different", "missing", "partial", "close", "same", "exact")

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
        return (stem_l.startswith(stem_s) and len(added) == 1 and added != stem_s[-1:]
                and added not in _VOWELS)
    return False


def _one_typo(a: str, b: str) -> bool:
    """One edit apart: any edit from 4 letters; a dropped or added letter at 3 ("jen" /
    "jean"), where a changed letter is too often another name ("tom" / "tim")."""
    shortest = min(len(a), len(b))
    if shortest < 3 or (shortest == 3 and len(a) == len(b)):
        return False
    return OSA.distance(a, b, score_cutoff=1) <= 1


def relate_first(a: str, b: str) -> int:
    """Level of two folded first names.

    - EXACT: "marie" / "marie"
    - SAME: written differently: "jean pierre" / "jeanpierre"
    - CLOSE: one typo away (4+ letters), not a variant ending: "nicolas" / "nicloas", "helene" /
      "hlene"; or a known nickname: "fred" / "frederic"
    - PARTIAL: one is a word or prefix of the other, or a variant ending: "jean" /
      "jean pierre", "alex" / "alexis", "louis" / "louise", "marie" / "maria"
    - MISSING: one is empty; DIFFERENT otherwise: "marie" / "jean".
    """
    if a == b:
        return EXACT
    if not a or not b:
        return MISSING
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    if ca == cb:
        return SAME
    if NICKNAMES.get(ca, ca) == NICKNAMES.get(cb, cb):
        return CLOSE
    if _ending_variant(ca, cb):
        return PARTIAL
    if _one_typo(ca, cb):
        return CLOSE
    wa, wb = set(a.split()), set(b.split())
    if wa <= wb or wb <= wa or ca.startswith(cb) or cb.startswith(ca):
        return PARTIAL if min(len(ca), len(cb)) >= 3 else DIFFERENT
    return DIFFERENT


def relate_last(a: str, b: str) -> int:
    """Level of two folded last names.

    - EXACT: "dupont" / "dupont"
    - SAME: spaces or particles aside: "de la fontaine" / "delafontaine", "le gall" / "legall"
    - CLOSE: typos (1 edit from 4 letters, 2 from 8): "dupont" / "dupond", "vasseur kergoat" /
      "vaseur kergoat"; or one double name contains the other: "martin" / "martin dubois"
    - MISSING: one is empty; DIFFERENT otherwise (a married name: "dupont" / "durand").
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
    ["marie", "jean", "pierre", "michel", "philippe", "nathalie", "isabelle", "sylvie", "catherine", "francoise", "alain", "nicolas", "christophe", "patrick", "christine", "sophie", "julien", "thomas", "camille", "lea", "manon", "emma", "chloe", "sarah", "laura", "julie", "lucas", "hugo", "louis", "nathan", "mohamed", "sandrine", "valerie", "stephane", "david", "eric", "laurent", "frederic", "sebastien", "daniel", "anne", "martine", "monique", "jacques", "andre", "bernard", "paul", "claire", "nadia", "karim", "fatima", "ahmed", "ines", "yasmine"]
)
COMMON_LAST = frozenset(
    ["martin", "bernard", "thomas", "petit", "robert", "richard", "durand", "dubois", "moreau", "laurent", "simon", "michel", "lefebvre", "leroy", "roux", "david", "bertrand", "morel", "fournier", "girard", "bonnet", "dupont", "lambert", "fontaine", "rousseau", "vincent", "muller", "lefevre", "faure", "andre", "mercier", "blanc", "guerin", "boyer", "garnier", "chevalier", "francois", "legrand", "gauthier", "garcia", "perrin", "robin", "clement", "morin", "nicolas", "henry", "roussel", "mathieu", "gautier", "masson", "nguyen", "martinez", "lopez", "rodriguez", "benali", "dumont"]
)
