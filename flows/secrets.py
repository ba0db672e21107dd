"""Secrets are resolved here, at the edge, and nowhere else.

The campaign file names where a secret lives, never its value: ``"env:TALLY_API_KEY"`` (an
environment variable of the process running the flow) or ``"block:tally-api-key"`` (a
Prefect Secret block, encrypted in the Prefect database and masked in the UI; store a
service-account JSON as a string in it, since dict values are not masked).
"""

from __future__ import annotations

import json
import os


class MissingSecret(Exception):
    """A secret the configuration points to is not set; the message says where to set it."""


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
            value = Secret.load(name).get()
        except ValueError:
            raise MissingSecret(f"Prefect Secret block {name!r} does not exist") from None
        # Prefect parses a JSON string into a dict on load: give it back as JSON text
        return value if isinstance(value, str) else json.dumps(value)
    raise MissingSecret(f"unknown secret reference scheme {scheme!r} (use env: or block:)")
