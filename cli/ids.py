"""Ids typed at the command line (format: ``models.ids``). A bare number is refused: ``42``
could be any of them.
"""

from __future__ import annotations

from rollcall.cli.errors import CliError, ExitCode
from rollcall.models.ids import pair_ref, registration_ref, signup_ref, split_ref

__all__ = ["pair_ref", "parse", "registration_ref", "signup_ref"]

KINDS = {"R": "registration", "S": "sign-up", "D": "review pair"}
EXAMPLES = {"R": "R00042", "S": "S381", "D": "D12"}


def parse(text: str, letter: str) -> int:
    """The number of ``text`` when it names a ``letter`` id (any case, leading zeros allowed)."""
    kind, example = KINDS[letter], EXAMPLES[letter]
    found = split_ref(text)
    if found is None:
        raise CliError(f"{text!r} is not a {kind} id.", ExitCode.USAGE, f"A {kind} id looks like {example}.")
    given, number = found
    if not given:
        raise CliError(
            f"{text} is a bare number: say what it names, e.g. {letter}{text.strip()}.",
            ExitCode.USAGE,
            "Ids carry their letter: R00042 a registration (Réf. inscription), S381 a sign-up, D12 a pair to review.",
        )
    if given != letter:
        raise CliError(
            f"{text} is a {KINDS.get(given, 'unknown')} id; this needs a {kind} id, like {example}.", ExitCode.USAGE
        )
    return number
