"""Flatten a stored Typeform response into ``{key: text}``.

The payload is what ``connectors.typeform`` lands: ``{"item": <response verbatim>, "form":
{"questions": [{"id", "ref", "title", "type"}]}}``, the questions read from the form
definition because answers carry only ``field{id, type, ref}``. Each answer's text is
emitted under the field's id, ref and title, beside the fixed keys ``response_id``,
``token``, ``submitted_at`` and ``landed_at`` and the hidden fields as ``hidden.<name>``.
When two names collide, fixed and hidden keys win over ids, ids over refs, refs over titles,
and an earlier answer over a later one.

Values: text, email, url, file_url and date as given; phone_number as its E.164 string;
choice as its label (or the "other" text); choices as labels joined with ", "; boolean as
"true"/"false"; number as digits. Odd payloads give fewer keys, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rollcall.transforms.answers import number_text

FIXED_KEYS: tuple[str, ...] = ("response_id", "token", "submitted_at", "landed_at")
HIDDEN_PREFIX = "hidden."

#: Where each answer type keeps its value (the key is named after the type).
VALUE_KEYS: tuple[str, ...] = (
    "text", "email", "phone_number", "url", "file_url", "date", "number", "boolean",
    "choice", "choices", "payment",
)  # fmt: skip


def flatten(payload: dict[str, Any]) -> dict[str, str]:
    """Every answered field's text under its id, ref and title, plus fixed and hidden keys."""
    item = _mapping(_mapping(payload).get("item"))
    fields = _fields(_mapping(_mapping(payload).get("form")))
    flat = {key: value for key in FIXED_KEYS if isinstance(value := item.get(key), str)}
    for name, value in _mapping(item.get("hidden")).items():
        text = value if isinstance(value, str) else _render(value)
        if isinstance(name, str) and text is not None:
            flat[HIDDEN_PREFIX + name] = text
    answered: list[tuple[list[str | None], str]] = []
    answers = item.get("answers")
    for answer in answers if isinstance(answers, list) else []:
        answer = _mapping(answer)
        field = _mapping(answer.get("field"))
        field_id = field.get("id")
        text = _render(_value(answer))
        if not isinstance(field_id, str) or not field_id or text is None:
            continue
        known = fields.get(field_id, {})
        ref = known.get("ref") or _text(field.get("ref"))
        title = known.get("title") or field_title(field)
        answered.append(([field_id, ref, title], text))
    for position in range(3):
        for names, text in answered:
            if question := names[position]:
                flat.setdefault(question, text)
    return flat


def available_keys(definition: Mapping[str, Any], wanted: Iterable[str] = ()) -> set[str]:
    """Every key ``flatten`` can emit for a form whose definition is ``{"questions": [{id,
    ref, title, type}], "hidden": [names]}``: fixed keys, hidden fields, field ids, refs and
    titles."""
    hidden = definition.get("hidden")
    keys = set(FIXED_KEYS) | {HIDDEN_PREFIX + name for name in (hidden if isinstance(hidden, list) else []) if name}
    for field_id, names in _fields(definition).items():
        keys |= {name for name in (field_id, names["ref"], names["title"]) if name}
    return keys


def field_title(field: Mapping[str, Any]) -> str | None:
    """The name a field mapping uses for a question: its title, trimmed (None if blank)."""
    return _text(field.get("title"))


def _fields(form: Mapping[str, Any]) -> dict[str, dict[str, str | None]]:
    """Field id -> {"ref", "title"} from the stored form context."""
    found: dict[str, dict[str, str | None]] = {}
    questions = form.get("questions")
    for question in questions if isinstance(questions, list) else []:
        question = _mapping(question)
        field_id = question.get("id")
        if isinstance(field_id, str) and field_id not in found:
            found[field_id] = {"ref": _text(question.get("ref")), "title": field_title(question)}
    return found


def _value(answer: Mapping[str, Any]) -> Any:
    """The answer's value: under the key its ``type`` names, else the first value key."""
    kind = answer.get("type")
    if isinstance(kind, str) and kind in answer:
        return answer[kind]
    return next((answer[key] for key in VALUE_KEYS if key in answer), None)


def _render(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return value or None
    if isinstance(value, list):
        return ", ".join(text for part in value if (text := _render(part))) or None
    if isinstance(value, dict):
        return _render_object(value)
    return None


def _render_object(value: Mapping[str, Any]) -> str | None:
    """choice ``{label | other}``, choices ``{labels, other}``, payment ``{amount}``."""
    if "labels" in value or ("other" in value and "label" not in value):
        labels = value.get("labels")
        parts = [*(labels if isinstance(labels, list) else []), value.get("other")]
        return _render([part for part in parts if isinstance(part, str)])
    for key in ("label", "other", "amount"):
        text = _render(value.get(key)) if not isinstance(value.get(key), (dict, list)) else None
        if text:
            return text
    return None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
