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


def registration_number(text: str) -> int | None:
    """42 for "R00042" exactly as ``registration_ref`` writes it, else None: a roster's
    reference column also holds what coordinators type, which is theirs, not ours."""
    return int(text[1:]) if text[:1] == "R" and text[1:].isdigit() else None


def signup_number(ref: str) -> int:
    """381 for "S381" as ``signup_ref`` wrote it (the matcher's record ids); ValueError else."""
    if ref[:1] != "S" or not ref[1:].isdigit():
        raise ValueError(f"not a sign-up id: {ref!r}")
    return int(ref[1:])
