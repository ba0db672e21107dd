"""Flattening a stored Tally submission: every answered question under its id and title,
choice answers in every shape Tally has been seen to send, odd payloads never raising."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.answers.tally import flatten

SITE = {"opt-paris": "Paris", "opt-lyon": "Lyon"}
SLOTS = {"opt-am": "Matin", "opt-pm": "Après-midi"}
FORM = {"questions": [
    {"id": "qFirst", "title": "Prénom", "type": "INPUT_TEXT", "options": {}},
    {"id": "qEmail", "title": "Adresse e-mail", "type": "INPUT_EMAIL", "options": {}},
    {"id": "qPhone", "title": "Téléphone", "type": "INPUT_PHONE_NUMBER", "options": {}},
    {"id": "qSite", "title": "Site", "type": "MULTIPLE_CHOICE", "options": SITE},
    {"id": "qSlots", "title": "Créneaux", "type": "CHECKBOXES", "options": SLOTS},
    {"id": "qConsent", "title": "  J'accepte  ", "type": "CHECKBOX", "options": {}},
    {"id": "qAge", "title": "Âge", "type": "INPUT_NUMBER", "options": {}},
    {"id": "qBirth", "title": "Date de naissance", "type": "INPUT_DATE", "options": {}},
]}  # fmt: skip


def payload(*responses: tuple[str, Any], form: dict[str, Any] = FORM, **item: Any) -> dict[str, Any]:
    submission = {
        "id": "GG6z5L",
        "formId": "mexJoq",
        "respondentId": "jzQdR9",
        "isCompleted": True,
        "submittedAt": "2024-12-30T09:02:01.000Z",
        "responses": [{"id": f"r{n}", "questionId": q, "answer": a} for n, (q, a) in enumerate(responses)],
    }
    return {"item": {**submission, **item}, "form": form}


def test_each_answer_under_its_id_and_title_with_the_fixed_keys() -> None:
    flat = flatten(
        payload(
            ("qFirst", "Hélène"),
            ("qEmail", "Helene.Roux@Example.org "),
            ("qPhone", "+33612345678"),
            ("qSite", ["opt-lyon"]),
            ("qBirth", "1990-05-17"),
        )
    )
    assert flat == {
        "id": "GG6z5L", "submittedAt": "2024-12-30T09:02:01.000Z", "respondentId": "jzQdR9",
        "qFirst": "Hélène", "Prénom": "Hélène",
        "qEmail": "Helene.Roux@Example.org ", "Adresse e-mail": "Helene.Roux@Example.org ",
        "qPhone": "+33612345678", "Téléphone": "+33612345678",
        "qSite": "Lyon", "Site": "Lyon",
        "qBirth": "1990-05-17", "Date de naissance": "1990-05-17",
    }  # fmt: skip


@pytest.mark.parametrize("answer", [
    pytest.param(["opt-lyon"], id="list_of_option_ids"),
    pytest.param("opt-lyon", id="option_id_string"),
    pytest.param(["Lyon"], id="list_of_labels"),
    pytest.param("Lyon", id="label_string"),
    pytest.param([{"id": "opt-lyon", "text": "Lyon"}], id="list_of_id_text_objects"),
    pytest.param([{"id": "opt-lyon", "label": "Lyon"}], id="list_of_id_label_objects"),
    pytest.param([{"id": "opt-lyon"}], id="list_of_bare_id_objects"),
    pytest.param({"id": "opt-lyon", "text": "Lyon"}, id="one_object"),
])  # fmt: skip
def test_single_choice_in_any_shape_gives_the_label(answer: Any) -> None:
    assert flatten(payload(("qSite", answer)))["Site"] == "Lyon"


@pytest.mark.parametrize("answer", [
    pytest.param(["opt-am", "opt-pm"], id="option_ids"),
    pytest.param(["Matin", "Après-midi"], id="labels"),
    pytest.param([{"id": "opt-am", "text": "Matin"}, {"id": "opt-pm", "text": "Après-midi"}], id="objects"),
])  # fmt: skip
def test_several_choices_are_labels_joined_with_commas(answer: Any) -> None:
    assert flatten(payload(("qSlots", answer)))["qSlots"] == "Matin, Après-midi"


def test_option_unknown_to_the_form_stays_as_sent() -> None:
    """An option deleted from the form since: the id is all there is, kept rather than dropped."""
    assert flatten(payload(("qSite", ["opt-gone"])))["Site"] == "opt-gone"


@pytest.mark.parametrize(("answer", "text"), [
    pytest.param(True, "true", id="consent_ticked"),
    pytest.param(False, "false", id="consent_unticked"),
    pytest.param(42, "42", id="integer"),
    pytest.param(4.5, "4.5", id="decimal"),
    pytest.param(3.0, "3", id="integral_float"),
])  # fmt: skip
def test_booleans_and_numbers_as_text(answer: Any, text: str) -> None:
    flat = flatten(payload(("qConsent", answer), ("qAge", answer)))
    assert flat["J'accepte"] == flat["qConsent"] == flat["Âge"] == text


@pytest.mark.parametrize("answer", [
    pytest.param(None, id="null"),
    pytest.param("", id="empty_string"),
    pytest.param([], id="empty_list"),
    pytest.param({}, id="empty_object"),
])  # fmt: skip
def test_unanswered_question_has_no_key(answer: Any) -> None:
    flat = flatten(payload(("qFirst", "Zoé"), ("qPhone", answer)))
    assert "qPhone" not in flat and "Téléphone" not in flat and flat["Prénom"] == "Zoé"


def test_openapi_value_key_is_read_like_answer() -> None:
    data = payload()
    data["item"]["responses"] = [{"id": "r1", "questionId": "qFirst", "value": "Inès"}]
    assert flatten(data)["Prénom"] == "Inès"


def test_question_missing_from_the_form_is_keyed_by_its_id_only() -> None:
    flat = flatten(payload(("qNew", "Bénévole"), form={"questions": []}))
    assert flat["qNew"] == "Bénévole" and "Prénom" not in flat


def test_same_title_twice_keeps_the_first_answer_and_both_ids() -> None:
    form = {"questions": [{"id": "q1", "title": "Ville", "options": {}}, {"id": "q2", "title": "Ville", "options": {}}]}
    flat = flatten(payload(("q1", "Lyon"), ("q2", "Lille"), form=form))
    assert (flat["Ville"], flat["q1"], flat["q2"]) == ("Lyon", "Lyon", "Lille")


def test_title_cannot_hide_a_fixed_key_or_an_id() -> None:
    form = {"questions": [{"id": "q1", "title": "id", "options": {}}, {"id": "q2", "title": "q1", "options": {}}]}
    flat = flatten(payload(("q2", "deux"), ("q1", "un"), form=form))
    assert (flat["id"], flat["q1"], flat["q2"]) == ("GG6z5L", "un", "deux")


def test_file_upload_gives_its_url() -> None:
    files = [{"id": "f1", "name": "cv.pdf", "url": "https://storage.tally.so/f1/cv.pdf", "mimeType": "application/pdf"}]
    assert flatten(payload(("qFirst", files)))["qFirst"] == "https://storage.tally.so/f1/cv.pdf"


def test_matrix_answer_is_kept_readable() -> None:
    assert flatten(payload(("qFirst", {"row1": ["col2"]})))["qFirst"] == '{"row1":["col2"]}'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "id",
        "questionId",
        "answer",
        "value",
        "title",
        "options",
        "text",
        "label",
        "responses",
        "questions",
        "submittedAt",
        "url",
        "uuid",
        "qSite",
        "opt-lyon",
    ]
)
shaped = st.recursive(
    json_values,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["item", "form"]) | st.text(max_size=3), shaped, max_size=3))
def test_flatten_never_raises_on_odd_payloads(data: dict[str, Any]) -> None:
    flat = flatten(data)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in flat.items())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["qSite", "qSlots", "qFirst", "qX"]), json_values), max_size=5))
def test_flatten_never_raises_on_odd_answers(responses: list[tuple[str, Any]]) -> None:
    assert all(isinstance(v, str) for v in flatten(payload(*responses)).values())
