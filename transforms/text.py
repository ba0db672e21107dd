"""Text clean-up shared by the normalisers, for what people paste into forms and sheets."""

from __future__ import annotations

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
    kept = "".join(char for char in raw if _visible(char))
    return " ".join(unicodedata.normalize("NFC", kept).split())


def _visible(char: str) -> bool:
    """Whitespace counts as visible: it separates words."""
    return char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def fold(raw: str | None) -> str:
    """Return lower-case ASCII words for comparison only: "Jéan-Pierre" -> "jean pierre".

    Accents, case and punctuation are how the same word gets typed differently, so they are
    removed; the result is never shown to anyone.
    """
    ascii_text = unidecode(clean(raw)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_text).split())
