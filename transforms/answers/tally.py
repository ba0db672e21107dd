"""Flatten a stored Tally submission into ``{key: text}``.

The payload is what ``connectors.tally`` lands: ``{"item": <submission verbatim>, "form":
{"questions": [{"id", "title", "type", "options": {option_id: label}}]}}``. Each answered
question's text is emitted under its id and its title, beside the fixed keys ``id``,
``submittedAt`` and ``respondentId``. When two names collide, fixed keys win over ids, ids
over titles, and an earlier answer over a later one.

Tally does not document the answer shape of choice questions, so every shape seen in the
wild is read: option ids, labels, a single string, or ``{id, text|label}`` objects; ids are
resolved to labels through the question's options. Odd payloads give fewer keys, never an
exception: one strange submission must not stop a run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rollcall.transforms.answers import number_text

FIXED_KEYS: tuple[str, ...] = ("id", "submittedAt", "respondentId")

_LABEL_KEYS = ("label", "text", "title")


def flatten(payload: dict[str, Any]) -> dict[str, str]:
    """Every answered question's text under its id and title, plus the fixed keys."""
    item = _mapping(_mapping(payload).get("item"))
    questions = _questions(_mapping(_mapping(payload).get("form")))
    flat = {key: text for key in FIXED_KEYS if (text := _scalar(item.get(key))) is not None}
    answered: list[tuple[str, str | None, str]] = []
    responses = item.get("responses")
    for response in responses if isinstance(responses, list) else []:
        response = _mapping(response)
        question_id = response.get("questionId")
        if not isinstance(question_id, str) or not question_id:
            continue
        question = questions.get(question_id, {})
        raw = response["answer"] if "answer" in response else response.get("value")
        text = _render(raw, question.get("options", {}))
        if text is not None:
            answered.append((question_id, question.get("title"), text))
    for question_id, _, text in answered:
        flat.setdefault(question_id, text)
    for _, title, text in answered:
        if title:
            flat.setdefault(title, text)
    return flat


def available_keys(definition: Mapping[str, Any], wanted: Iterable[str] = ()) -> set[str]:
    """Every key ``flatten`` can emit for a form whose definition is ``{"questions": [...]}``
    (``GET /forms/{id}/questions``): the fixed keys, question ids and titles."""
    questions = definition.get("questions")
    keys = set(FIXED_KEYS)
    for question in questions if isinstance(questions, list) else []:
        question = _mapping(question)
        if isinstance(question.get("id"), str):
            keys.add(question["id"])
        if title := question_title(question):
            keys.add(title)
    return keys


def question_title(question: Mapping[str, Any]) -> str | None:
    """The name a field mapping uses for a question: its title, trimmed (None if blank)."""
    title = question.get("title")
    return (title.strip() or None) if isinstance(title, str) else None


def _questions(form: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id -> {"title", "options"}, skipping entries of the wrong shape."""
    found: dict[str, dict[str, Any]] = {}
    questions = form.get("questions")
    for question in questions if isinstance(questions, list) else []:
        question = _mapping(question)
        question_id = question.get("id")
        if isinstance(question_id, str) and question_id not in found:
            options = _mapping(question.get("options"))
            found[question_id] = {
                "title": question_title(question),
                "options": {k: v for k, v in options.items() if isinstance(v, str)},
            }
    return found


def _render(value: Any, options: Mapping[str, str]) -> str | None:
    """The text a person would read for an answer; None when nothing was answered."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return options.get(value, value) if value else None
    if isinstance(value, list):
        parts = [text for part in value if (text := _render(part, options))]
        return ", ".join(parts) or None
    if isinstance(value, dict):
        return _render_object(value, options)
    return None


def _render_object(value: Mapping[str, Any], options: Mapping[str, str]) -> str | None:
    """An option object ``{id, text|label}``, a file ``{url}``, or anything else as JSON."""
    for key in _LABEL_KEYS:
        label = value.get(key)
        if isinstance(label, str) and label:
            return label
    option_id = value.get("id", value.get("uuid"))
    if isinstance(option_id, str) and option_id in options:
        return options[option_id]
    url = value.get("url")
    if isinstance(url, str) and url:
        return url
    if not value:
        return None
    try:  # a matrix or an unknown object: kept readable rather than dropped
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return None


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
