"""Ids as people read and type them: a letter for what they name, then the number.

``R00042`` a registration (the roster's *Réf. inscription*), ``S381`` a sign-up, ``D12`` a
pair of sign-ups to review (*doublon*). A bare number is refused: ``42`` could be any of them.
"""

from __future__ import annotations

import re

from cli.errors import CliError, ExitCode

KINDS = {"R": "registration", "S": "sign-up", "D": "review pair"}
EXAMPLES = {"R": "R00042", "S": "S381", "D": "D12"}
_ID = re.compile(r"^\s*([A-Za-z]?)\s*0*(\d+)\s*$")


def registration_ref(number: int) -> str:
    return f"R{number:05d}"


def signup_ref(number: int) -> str:
    return f"S{number}"


def pair_ref(number: int) -> str:
    return f"D{number}"


def parse(text: str, letter: str) -> int:
    """The number of ``text`` when it names a ``letter`` id (any case, leading zeros allowed)."""
    kind, example = KINDS[letter], EXAMPLES[letter]
    match = _ID.match(text)
    if match is None:
        raise CliError(f"{text!r} is not a {kind} id.", ExitCode.USAGE, f"A {kind} id looks like {example}.")
    given, number = match.group(1).upper(), int(match.group(2))
    if not given:
        raise CliError(f"{text} is a bare number: say what it names, e.g. {letter}{text.strip()}.",
                       ExitCode.USAGE, "Ids carry their letter: R00042 a registration (Réf. inscription), "
                                       "S381 a sign-up, D12 a pair to review.")
    if given != letter:
        raise CliError(f"{text} is a {KINDS.get(given, 'unknown')} id; this needs a {kind} id, like {example}.",
                       ExitCode.USAGE)
    return number
