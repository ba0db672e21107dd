"""Ids as people read and type them: a letter for what they name, then the number.

``R00042`` a registration (the roster's *Réf. inscription*), ``S381`` a sign-up, ``D12`` a
pair of sign-ups to review (*doublon*). One home for the format, so the CLI, the rosters and
the review workbook write and read the same ids.
"""

from __future__ import annotations

import re

_ID = re.compile(r"^\s*([A-Za-z]?)\s*0*(\d+)\s*$")


def registration_ref(number: int) -> str:
    return f"R{number:05d}"


def signup_ref(number: int) -> str:
    return f"S{number}"


def pair_ref(number: int) -> str:
    return f"D{number}"


def split_ref(text: str) -> tuple[str, int] | None:
    """``("S", 381)`` for ``"s0381 "``; ``("", 42)`` for a bare number; None when not an id."""
    match = _ID.match(text)
    return (match.group(1).upper(), int(match.group(2))) if match else None
