"""Read a stored HelloAsso form item (one registration) as ``{key: text}``.

The participant is the item's ``user`` (first and last name) and its ``customFields``, where
the participant's own email or phone are when the form asks for them. The ``payer`` is whoever
paid for the order: in a group order several items share one payer, so ``payer.*`` keys are a
fallback at best (``email = ["customFields.Email", "payer.email"]``), never the participant.

Keys: ``FIXED_KEYS`` below, plus ``customFields.<name>`` for each custom field the item carries
(options' own custom fields are not read). ``state`` is the item state verbatim: ``Canceled``
must reach the pipeline so the registration is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rollcall.transforms.answers import as_mapping, as_text

CUSTOM_FIELD_PREFIX = "customFields."

#: key -> path in the item. ``date`` is the order date: an item has no date of its own.
_PATHS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "state": ("state",),
    "date": ("order", "date"),
    "order.id": ("order", "id"),
    "order.date": ("order", "date"),
    "user.firstName": ("user", "firstName"),
    "user.lastName": ("user", "lastName"),
    "payer.email": ("payer", "email"),
    "payer.firstName": ("payer", "firstName"),
    "payer.lastName": ("payer", "lastName"),
    "name": ("name",),
}
FIXED_KEYS: frozenset[str] = frozenset(_PATHS)


def flatten(payload: dict[str, Any]) -> dict[str, str]:
    """``{"item": <HelloAsso Item>, "form": {...}}`` -> every fixed key (``""`` when absent)
    and ``customFields.<name>`` for each custom field; odd payloads give blanks, never errors."""
    item = as_mapping(payload.get("item")) if isinstance(payload, dict) else {}
    flat = {key: as_text(_dig(item, path)) for key, path in _PATHS.items()}
    for name, answer in _custom_fields(item.get("customFields")):
        key = CUSTOM_FIELD_PREFIX + name
        if not flat.get(key):  # a repeated name: the first non-blank answer wins
            flat[key] = answer
    return flat


def available_keys(definition: dict[str, Any], wanted: Iterable[str] = ()) -> set[str]:
    """Every key ``flatten`` can emit for a form whose tiers ask ``definition["custom_fields"]``.

    When those names were taken from items rather than the form (``"complete": false``: the
    API client lacks the privilege to read the form's description), a custom field the
    mapping ``wanted`` that no item answered is assumed to exist: it may be optional."""
    names = definition.get("custom_fields")
    keys = set(FIXED_KEYS) | {CUSTOM_FIELD_PREFIX + n for n in (names if isinstance(names, list) else []) if n}
    if definition.get("complete", True) is False:
        keys |= {key for key in wanted if key.startswith(CUSTOM_FIELD_PREFIX)}
    return keys


def _custom_fields(fields: Any) -> Iterable[tuple[str, str]]:
    if not isinstance(fields, list):
        return
    for field in fields:
        field = as_mapping(field)
        name = as_text(field.get("name")).strip()
        if name:
            yield name, as_text(field.get("answer"))


def _dig(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = item
    for step in path:
        value = as_mapping(value).get(step)
    return value
