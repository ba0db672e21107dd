"""Secrets are resolved here, at the edge, and nowhere else.

The campaign file names where a secret lives, never its value: ``"env:TALLY_API_KEY"`` (an
environment variable of the process running the flow) or ``"block:tally-api-key"`` (a
Prefect Secret block, encrypted in the Prefect database and masked in the UI; store a
service-account JSON as a string in it, since dict values are not masked).
"""

from __future__ import annotations

import json
import os
from typing import Any, cast

from rollcall.models.errors import CONFIGURATION, RollcallError


class MissingSecret(RollcallError):
    """A secret the configuration points to is not set; the message says where to set it."""

    kind = CONFIGURATION


class BadSecret(MissingSecret, ValueError):
    """A secret is set but unusable (a key that is not JSON); the message says where it is."""


def describe(ref: str) -> str:
    """Where a secret lives, in words (never its value): for error messages."""
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        return f"environment variable {name}"
    if scheme == "block":
        return f"Prefect Secret block {name!r}"
    return repr(ref)


def load_json_secret(ref: str, what: str) -> dict[str, Any]:
    """A secret holding a JSON object (a service-account key), parsed; BadSecret naming
    ``what`` and where it lives if it is not one. The value is never shown."""
    text = resolve_secret(ref)
    try:
        value = json.loads(text)
    except ValueError as exc:
        hint = " (it looks like a file path)" if text.strip().endswith(".json") else ""
        raise BadSecret(
            f"{what} in {describe(ref)} is not valid JSON{hint}: "
            f"{getattr(exc, 'msg', 'unreadable')} at character {getattr(exc, 'pos', '?')}; "
            "put the whole content of the JSON key file there"
        ) from None
    if not isinstance(value, dict):
        raise BadSecret(
            f"{what} in {describe(ref)} is JSON but not an object; put the whole content of the JSON key file there"
        )
    return value


def resolve_secret(ref: str) -> str:
    """The secret's value, or MissingSecret naming the variable or block (never a value)."""
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(name, "")
        if not value:
            raise MissingSecret(f"{name} is not set")
        return value
    if scheme == "block":
        from prefect.blocks.system import Secret

        try:
            # Called from sync code, Block.load returns the block (its typing also allows a coroutine).
            value = cast(Secret, Secret.load(name)).get()
        except ValueError:
            raise MissingSecret(
                f"Prefect Secret block {name!r} does not exist: create it (or fix its name in the campaign file)"
            ) from None
        # Prefect parses a JSON string into a dict on load: give it back as JSON text
        return value if isinstance(value, str) else json.dumps(value)
    raise MissingSecret(f"unknown secret reference scheme {scheme!r} (use env: or block:)")
