"""People's names: tidy for display, fold for matching, split a single "Nom complet" column."""

from __future__ import annotations

from rollcall.transforms.text import clean, fold

#: Name particles written in lower case inside a name ("Jean de la Fontaine").
PARTICLES = frozenset({"de", "du", "des", "d", "le", "la", "van", "von", "der", "den", "da", "das", "dos", "del"})
_APOSTROPHES = "'’ʼ"
_SEPARATORS = frozenset("-‐‑ " + _APOSTROPHES)


def tidy_name(raw: str | None) -> str:
    """Return a name for display on a roster.

    The text is cleaned (NFC, one line, no invisible characters). It is re-cased only when
    typed all upper or all lower case ("MARTIN" -> "Martin", "jean-pierre" -> "Jean-Pierre",
    "jean de la fontaine" -> "Jean de la Fontaine", "d'ARTAGNAN" -> "d'Artagnan"): someone who
    typed mixed case ("McDonald", "de Villepin") meant it, and accents are always kept.
    """
    text = clean(raw)
    parts = _parts(text)
    flags = [_is_particle(parts, i) for i in range(len(parts))]
    letters = "".join(part for (part, _), particle in zip(parts, flags) if not particle)
    if not _single_case(letters):
        return text
    return "".join(
        _recase(part, particle, first=i == 0, upper_rest=letters.isupper()) + separator
        for i, ((part, separator), particle) in enumerate(zip(parts, flags))
    )


def name_key(raw: str | None) -> str:
    """Return a name folded for matching: "Jean-Pierre", "JEAN PIERRE" -> "jean pierre".

    Accents, case, hyphens, apostrophes and dots vary between two sign-ups of the same person.
    """
    return fold(raw)


def split_full_name(raw: str | None) -> tuple[str, str]:
    """Split a single "Nom complet" value into (first name, last name), tokens as typed.

    French forms write the family name in capitals, in either order: the capitalised run of
    words (with its particles) is the last name ("Marie DUPONT", "DUPONT Marie"). "Dupont,
    Marie" puts the last name first. Otherwise the first word is the first name.
    """
    text = clean(raw)
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split()
    if len(words) <= 1:
        return ("", text) if _is_capitalised(text) else (text, "")
    run = _capitalised_run(words)
    if run is None:
        return words[0], " ".join(words[1:])
    start, end = run
    return " ".join(words[:start] + words[end:]), " ".join(words[start:end])


def _parts(text: str) -> list[tuple[str, str]]:
    """Split into (part, following separator) on spaces, hyphens and apostrophes."""
    parts: list[tuple[str, str]] = []
    current = ""
    for char in text:
        if char in _SEPARATORS:
            parts.append((current, char))
            current = ""
        else:
            current += char
    return [*parts, (current, "")] if current or not parts else parts


def _is_particle(parts: list[tuple[str, str]], index: int) -> bool:
    """A particle precedes the name it belongs to, so the last part never is one ("LE" alone is
    a name); "d" is a particle only before an apostrophe."""
    part, separator = parts[index]
    word = part.lower()
    if word not in PARTICLES or index == len(parts) - 1:
        return False
    return word != "d" or separator in _APOSTROPHES


def _single_case(letters: str) -> bool:
    """True when cased letters are all upper or all lower; caseless scripts stay as typed."""
    return letters.isupper() or letters.islower()


def _recase(part: str, particle: bool, *, first: bool, upper_rest: bool) -> str:
    """Capitalise a part; particles stay lower case except at the start of the name.

    A leading particle typed in lower case before a capitalised name ("d'ARTAGNAN") is kept
    lower case: that is how the person writes it.
    """
    if particle and not first:
        return part.lower()
    if particle and upper_rest and part.islower():
        return part
    lower = part.lower()
    initial = next((i for i, char in enumerate(lower) if char.isalpha()), 0)
    return lower[:initial] + lower[initial : initial + 1].upper() + lower[initial + 1 :]


def _is_capitalised(word: str) -> bool:
    """True for "DUPONT", "D'ARTAGNAN", "d'ARTAGNAN"; false for initials like "J."."""
    if word[:2].lower() in ("d'", "d’", "l'", "l’"):
        word = word[2:]
    cased = [char for char in word if char.isupper() or char.islower()]
    return len(cased) >= 2 and all(char.isupper() for char in cased)


def _capitalised_run(words: list[str]) -> tuple[int, int] | None:
    """Return [start, end) of the one run of capitalised words, widened to particles before it."""
    capitalised = [i for i, word in enumerate(words) if _is_capitalised(word)]
    if not capitalised or len(capitalised) == len(words):
        return None
    start, end = capitalised[0], capitalised[-1] + 1
    if end - start != len(capitalised):
        return None
    while start > 0 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return (start, end) if start > 0 or end < len(words) else None
