"""Read a stored Google Forms response as ``{key: text}``.

A stored record is ``{"item": <FormResponse>, "form": {"questions": {questionId: {"title":
..., "options": [...]}}}}``: the response verbatim and the question titles read from forms.get
when it was pulled. Each answer is given under its question id and under its title; a title
that two questions share is left out (map such questions by id). A question the respondent
skipped has no answer in the response; it is given as ``""``. Several values (CHECKBOX, a
checkbox grid row, several uploaded files) are joined with ``", "``. Grid rows are titled
``"<question> [<row>]"``, as in the form's linked sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rollcall.transforms.answers import as_mapping, as_text

FIXED_KEYS: frozenset[str] = frozenset({"responseId", "createTime", "lastSubmittedTime", "respondentEmail"})
SEPARATOR = ", "


def flatten(payload: dict[str, Any]) -> dict[str, str]:
    """Fixed keys, then every known question by id and by unambiguous title; answers to
    questions the form context does not know are kept under their id. Never raises."""
    if not isinstance(payload, dict):
        return {key: "" for key in FIXED_KEYS}
    response = as_mapping(payload.get("item"))
    questions = _questions(payload.get("form"))
    flat = {key: as_text(response.get(key)) for key in FIXED_KEYS}
    answers = as_mapping(response.get("answers"))
    titles = unique_titles(questions)
    for question_id in {**questions, **answers}:
        if not isinstance(question_id, str) or question_id in FIXED_KEYS:
            continue
        text = answer_text(answers.get(question_id))
        flat[question_id] = text
        title = titles.get(question_id)
        if title and title not in flat:
            flat[title] = text
    return flat


def available_keys(definition: dict[str, Any], wanted: Iterable[str] = ()) -> set[str]:
    """Every key ``flatten`` can emit for a form whose context is ``definition``
    (``{"questions": {questionId: {"title", "options"}}}``)."""
    questions = _questions(definition)
    keys = set(FIXED_KEYS) | {qid for qid in questions if qid not in FIXED_KEYS}
    return keys | {title for title in unique_titles(questions).values() if title not in keys}


def unique_titles(questions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """questionId -> title, for titles no other question of the form has."""
    titles = {qid: as_text(q.get("title")).strip() for qid, q in questions.items()}
    counts = Counter(titles.values())
    return {qid: title for qid, title in titles.items() if title and counts[title] == 1}


def answer_text(answer: Any) -> str:
    """An Answer's values as one text: text answers, else uploaded file names."""
    answer = as_mapping(answer)
    texts = as_mapping(answer.get("textAnswers")).get("answers")
    if isinstance(texts, list) and texts:
        return SEPARATOR.join(as_text(as_mapping(a).get("value")) for a in texts)
    files = as_mapping(answer.get("fileUploadAnswers")).get("answers")
    if isinstance(files, list):
        return SEPARATOR.join(as_text(as_mapping(f).get("fileName")) for f in files)
    return ""


def _questions(form: Any) -> dict[str, dict[str, Any]]:
    questions = as_mapping(as_mapping(form).get("questions"))
    return {qid: as_mapping(q) for qid, q in questions.items() if isinstance(qid, str)}
