"""Flatten a web form's stored submission into ``{key: text}`` for the field mapping.

One module per provider, each with ``flatten(payload) -> dict[str, str]``. Keys are every
name a mapping may use for a question (its id, its ref, its title) and the provider's fixed
fields. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any


def flatten_payload(kind: str, payload: dict[str, Any]) -> dict[str, str]:
    """The flat ``{key: text}`` view of a stored record of a source of ``kind``.

    File rows are flat already; a web form's stored submission is read by its provider's
    module (``transforms.answers.tally`` for kind ``tally``...).
    """
    if kind in ("csv", "xlsx", "google_sheet"):
        return payload
    return import_module(f"{__name__}.{kind}").flatten(payload)


def available_keys(kind: str, definition: dict[str, Any], wanted: Iterable[str] = ()) -> set[str]:
    """Every key a field mapping may name for a web form of ``kind``, from the form's
    definition as its connector read it (``FormConnector.form_definition``): exactly the keys
    that provider's ``flatten`` can emit, so a mapping checked here finds its answers.
    ``wanted`` (the mapping's keys) matters where a definition can be partial (HelloAsso)."""
    return import_module(f"{__name__}.{kind}").available_keys(definition, wanted)


def as_mapping(value: Any) -> dict[Any, Any]:
    """A provider's JSON object, or an empty one when it sent something else."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str:
    """Strings as they are, numbers as ``number_text``, booleans as JSON writes them, anything else blank."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    return ""


def number_text(value: int | float) -> str:
    """42 -> "42", 4.5 -> "4.5", 3.0 -> "3": JSON does not tell 3 from 3.0, so every provider's
    number reads the same whatever its serialiser wrote."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
