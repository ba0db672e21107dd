"""Resolve what people write for a place ("St Denis", "paris 11e", "93200") to one campaign site.

Everything known about places comes from the Site records (name, city, aliases, département,
postcodes), so a campaign of hundreds of sites needs configuration, not code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from unidecode import unidecode

from rollcall.models.records import Rejection, Site
from rollcall.transforms.reasons import rejection
from rollcall.transforms.text import clean

_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_OPENING, _CLOSING = "([", ")]"
#: Distinct texts a catalogue remembers the site of (bounded: a source of free text).
_REMEMBERED_TEXTS = 10_000


@dataclass(frozen=True)
class _Token:
    """A folded word of the input, and whether it was written in brackets ("Reims (51)")."""

    word: str
    bracketed: bool


class SiteCatalog:
    """The campaign's sites, indexed by the words, postcodes and départements that name them."""

    def __init__(self, sites: Iterable[Site]) -> None:
        self._sites: dict[str, Site] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self._postcodes: dict[str, set[str]] = defaultdict(set)
        self._departements: dict[str, set[str]] = defaultdict(set)
        self._longest_phrase = 0
        #: What each text resolved to: a campaign's sign-ups write a few hundred places, a
        #: hundred thousand times (a catalogue never changes once built).
        self._resolved: dict[str | None, Site | Rejection | None] = {}
        for site in sites:
            self._add(site)

    def resolve(self, text: str | None) -> Site | Rejection | None:
        """Return the one site ``text`` names, a Rejection, or None when ``text`` is empty.

        Rules, in order:
        1. Names, cities and aliases match as whole word sequences after folding accents,
           case and punctuation, with "st"/"ste" read as "saint"/"sainte" ("St-Denis" ->
           Saint-Denis). A match inside a longer match is dropped.
        2. A 5-digit postcode names the sites that list it; failing that, the sites of its
           département (first 2 digits, 3 for 97x/98x: "97400" is La Réunion, not 93).
        3. A département ("59", "2A") counts only alone or in brackets ("Paris (75)"), so an
           arrondissement ("Paris 11") or a date ("8 octobre") is not one. An overseas one
           ("974") counts anywhere: no arrondissement or day reaches 970 ("St Denis 974").
        4. A number pointing to no site -> unknown_site ("Saint-Denis (97400)"). Otherwise
           names and numbers must agree on exactly one site: "Lille (59)" -> Lille; "59" ->
           ambiguous_site (Lille or Roubaix); "Paris 93200" -> ambiguous_site; nothing
           recognised ("Toulouse") -> unknown_site.
        """
        if text in self._resolved:
            return self._resolved[text]
        tokens = _tokenise(text)
        if not tokens:
            return None
        named = self._match_phrases([token.word for token in tokens])
        numbered = [self._number_sites(token, alone=len(tokens) == 1) for token in tokens]
        found = self._decide(named, [codes for codes in numbered if codes is not None])
        if len(self._resolved) < _REMEMBERED_TEXTS:
            self._resolved[text] = found
        return found

    def _add(self, site: Site) -> None:
        """Index one site under its phrases, postcodes and département."""
        self._sites[site.code] = site
        for label in (site.name, site.city, *site.aliases):
            phrase = tuple(token.word for token in _tokenise(label))
            if phrase and (phrase, site.code) not in self._phrases[phrase[0]]:
                self._phrases[phrase[0]].append((phrase, site.code))
                self._longest_phrase = max(self._longest_phrase, len(phrase))
        for postcode in site.postcodes:
            self._postcodes[postcode.strip()].add(site.code)
        if site.departement:
            self._departements[_departement_key(site.departement)].add(site.code)

    def _match_phrases(self, words: list[str]) -> set[str]:
        """Return the codes of sites whose phrases occur in ``words``, dropping a match that
        lies inside a longer one (a site "Marseille" inside "Marseille Nord")."""
        spans: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for start, word in enumerate(words):
            for phrase, code in self._phrases.get(word, ()):
                if tuple(words[start : start + len(phrase)]) == phrase:
                    spans[start].append((start + len(phrase), code))
        return {
            code for start, ends in spans.items() for end, code in ends if not self._inside_longer(spans, start, end)
        }

    def _inside_longer(self, spans: dict[int, list[tuple[int, str]]], start: int, end: int) -> bool:
        """True when another match covers [start, end) and is longer."""
        return any(
            e >= end and e - s > end - start
            for s in range(max(0, start - self._longest_phrase), start + 1)
            for e, _ in spans.get(s, ())
        )

    def _number_sites(self, token: _Token, *, alone: bool) -> set[str] | None:
        """Return the codes a postcode or département token points to; None if it is neither."""
        word = token.word
        if len(word) == 5 and word.isdigit():
            listed = self._postcodes.get(word)
            return set(listed) if listed else self._departement_sites(_postcode_departement(word))
        if (alone or token.bracketed or _is_overseas(word)) and _looks_like_departement(word):
            return self._departement_sites(_departement_key(word))
        return None

    def _departement_sites(self, departement: str) -> set[str]:
        """Sites of a département; "20" (Corsica, as in its postcodes) covers 2A and 2B."""
        if departement == "20":
            return self._departements.get("2A", set()) | self._departements.get("2B", set())
        return set(self._departements.get(departement, set()))

    def _decide(self, named: set[str], numbered: list[set[str]]) -> Site | Rejection:
        """Combine name and number evidence into one site or a reason (rule 4)."""
        if any(not codes for codes in numbered):
            return rejection("unknown_site")
        if not named and not numbered:
            return rejection("unknown_site")
        candidates = set(named) if named else set(numbered[0])
        for codes in numbered:
            candidates &= codes
        if len(candidates) == 1:
            return self._sites[candidates.pop()]
        return rejection("ambiguous_site")


def _tokenise(text: str | None) -> list[_Token]:
    """Fold ``text`` to ASCII lower-case words, remembering which ones were in brackets."""
    tokens: list[_Token] = []
    word, depth = "", 0
    for char in unidecode(clean(text)).lower() + " ":
        if char.isalnum():
            word += char
            continue
        if word:
            tokens.append(_Token(_ABBREVIATIONS.get(word, word), depth > 0))
            word = ""
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING and depth:
            depth -= 1
    return tokens


def _looks_like_departement(word: str) -> bool:
    """ "75", "2a", "974": two digits, Corsica's letters, or an overseas three-digit number."""
    if word in ("2a", "2b"):
        return True
    return word.isdigit() and (len(word) == 2 or _is_overseas(word))


def _is_overseas(word: str) -> bool:
    return len(word) == 3 and word.isdigit() and word[:2] in ("97", "98")


def _postcode_departement(postcode: str) -> str:
    """Département of a postcode: 3 digits overseas (97x, 98x), else 2."""
    return postcode[:3] if postcode[:2] in ("97", "98") else postcode[:2]


def _departement_key(departement: str) -> str:
    """Canonical département: "1" -> "01", "2a" -> "2A"."""
    key = departement.strip().upper()
    return key.zfill(2) if key.isdigit() else key
