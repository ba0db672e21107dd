"""Reading a stored Google Forms response: answers under their question id and title,
checkboxes joined, skipped questions blank, odd payloads never an error."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.answers.google_forms import FIXED_KEYS, available_keys, flatten

QUESTIONS = {
    "1a2b3c4d": {"title": "Prénom", "options": []},
    "2b3c4d5e": {"title": "Nom", "options": []},
    "5e6f7081": {"title": "Site", "options": ["Paris", "Lyon"]},
    "6f708192": {"title": "Créneaux", "options": ["Matin", "Après-midi"]},
    "708192a3": {"title": "Téléphone", "options": []},
}


def text(question_id: str, *values: str) -> dict[str, Any]:
    return {"questionId": question_id, "textAnswers": {"answers": [{"value": v} for v in values]}}


def response(**answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "responseId": "ACYDBNj1",
        "createTime": "2022-10-01T09:14:09.055Z",
        "lastSubmittedTime": "2022-10-01T09:14:09.055199Z",
        "answers": answers,
    }


def stored(item: Any, questions: Any = QUESTIONS) -> dict[str, Any]:
    return {"item": item, "form": {"questions": questions}}


def test_answers_by_id_and_title_with_checkbox_joined() -> None:
    item = response(**{"1a2b3c4d": text("1a2b3c4d", "Camille"), "6f708192": text("6f708192", "Matin", "Après-midi")})
    flat = flatten(stored(item))
    assert flat["1a2b3c4d"] == flat["Prénom"] == "Camille"
    assert flat["6f708192"] == flat["Créneaux"] == "Matin, Après-midi"
    assert (flat["responseId"], flat["createTime"], flat["lastSubmittedTime"]) == (
        "ACYDBNj1",
        "2022-10-01T09:14:09.055Z",
        "2022-10-01T09:14:09.055199Z",
    )


def test_skipped_question_is_blank_and_no_respondent_email_is_blank() -> None:
    flat = flatten(stored(response()))
    assert flat["Téléphone"] == flat["708192a3"] == "" and flat["respondentEmail"] == ""


def test_title_two_questions_share_is_left_out() -> None:
    questions = {**QUESTIONS, "aaaa0001": {"title": "Nom", "options": []}}
    flat = flatten(stored(response(**{"2b3c4d5e": text("2b3c4d5e", "Roux")}), questions))
    assert "Nom" not in flat and flat["2b3c4d5e"] == "Roux"
    assert "Nom" not in available_keys({"questions": questions})


def test_answer_to_a_question_the_form_no_longer_has_is_kept_by_id() -> None:
    flat = flatten(stored(response(**{"deadbeef": text("deadbeef", "ancienne réponse")})))
    assert flat["deadbeef"] == "ancienne réponse"


def test_uploaded_files_give_their_names() -> None:
    upload = {
        "questionId": "f1",
        "fileUploadAnswers": {
            "answers": [
                {"fileId": "x", "fileName": "attestation.pdf", "mimeType": "application/pdf"},
                {"fileId": "y", "fileName": "photo.jpg", "mimeType": "image/jpeg"},
            ]
        },
    }
    assert flatten(stored(response(f1=upload)))["f1"] == "attestation.pdf, photo.jpg"


def test_title_equal_to_a_fixed_key_does_not_replace_it() -> None:
    questions = {"q1": {"title": "responseId", "options": []}}
    flat = flatten(stored(response(q1=text("q1", "oops")), questions))
    assert flat["responseId"] == "ACYDBNj1" and flat["q1"] == "oops"


def test_available_keys_cover_what_flatten_emits() -> None:
    flat = flatten(stored(response(**{"5e6f7081": text("5e6f7081", "Lyon")})))
    assert set(flat) == available_keys({"questions": QUESTIONS})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
ANSWER = st.fixed_dictionaries(
    {},
    optional={
        "questionId": JSON,
        "textAnswers": st.fixed_dictionaries(
            {"answers": st.lists(st.dictionaries(st.just("value"), JSON), max_size=3) | JSON}
        )
        | JSON,
        "fileUploadAnswers": JSON,
    },
)
RESPONSE = st.fixed_dictionaries(
    {},
    optional={
        "responseId": JSON,
        "lastSubmittedTime": JSON,
        "respondentEmail": JSON,
        "answers": st.dictionaries(st.text(max_size=8), ANSWER | JSON, max_size=4) | JSON,
    },
)
QUESTIONS_ANY = st.dictionaries(
    st.text(max_size=8), st.fixed_dictionaries({}, optional={"title": JSON}) | JSON, max_size=4
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"item": RESPONSE | JSON, "form": st.fixed_dictionaries({"questions": QUESTIONS_ANY | JSON}) | JSON}
        ),
    )
)
def test_flatten_never_raises_and_gives_text(payload: Any) -> None:
    flat = flatten(payload)
    assert FIXED_KEYS <= set(flat)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in flat.items())
