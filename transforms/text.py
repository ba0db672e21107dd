"""Text clean-up shared by the normalisers, for what people paste into forms and sheets."""

from __future__ import annotations

import functools
import re
import unicodedata

from unidecode import unidecode

# Control, format (zero-width, bidi marks, soft hyphen), surrogate and private-use characters.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


def clean(raw: str | None) -> str:
    """Return ``raw`` as NFC text on one line, without invisible characters.

    Zero-width spaces, bidi marks and line breaks copied from web pages make equal names
    compare different and break sheet layouts: whitespace becomes a single space, the rest
    of the invisible characters are dropped.
    """
    if not raw:
        return ""
    # Fast path: printable text holds no control, format, surrogate or private-use character
    # (str.isprintable is False for each of them), which is nearly every cell.
    kept = raw if raw.isprintable() else "".join(char for char in raw if _visible(char))
    if not kept.isascii():
        kept = unicodedata.normalize("NFC", kept)
    return " ".join(kept.split())


def _visible(char: str) -> bool:
    """Whitespace counts as visible: it separates words."""
    return char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES


@functools.lru_cache(maxsize=1 << 17)
def fold(raw: str | None) -> str:
    """Return lower-case ASCII words for comparison only: "Jéan-Pierre" -> "jean pierre".

    Accents, case and punctuation are how the same word gets typed differently, so they are
    removed; the result is never shown to anyone. Cached: a night folds the same first and
    last names hundreds of thousands of times (sorting, matching, rosters).
    """
    ascii_text = unidecode(clean(raw)).lower()
    return " ".join(_NOT_ALNUM.sub(" ", ascii_text).split())


#: After unidecode and lower(): what is not a letter or a digit separates words.
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
