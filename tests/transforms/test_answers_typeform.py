"""Flattening a stored Typeform response: every answer under its field id, ref and title,
hidden fields and fixed keys, each answer type rendered as text, odd payloads never raising."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.answers.typeform import flatten

FORM = {"questions": [
    {"id": "fFirst", "ref": "first_name", "title": "Prénom", "type": "short_text"},
    {"id": "fEmail", "ref": "email", "title": "Adresse e-mail", "type": "email"},
    {"id": "fPhone", "ref": "phone", "title": "Téléphone", "type": "phone_number"},
    {"id": "fSite", "ref": "site", "title": "Sur quel site ?", "type": "multiple_choice"},
    {"id": "fSlots", "ref": None, "title": "Créneaux", "type": "multiple_choice"},
    {"id": "fConsent", "ref": "consent", "title": "J'accepte", "type": "legal"},
    {"id": "fAge", "ref": "age", "title": "Âge", "type": "number"},
    {"id": "fBirth", "ref": "birth_date", "title": "Date de naissance", "type": "date"},
]}  # fmt: skip


def answer(field_id: str, kind: str, value: Any, field_type: str = "short_text", ref: str | None = None) -> dict:
    return {"field": {"id": field_id, "type": field_type, **({"ref": ref} if ref else {})}, "type": kind, kind: value}


def payload(*answers: dict, form: dict[str, Any] = FORM, **item: Any) -> dict[str, Any]:
    response = {
        "landing_id": "21085286190ffad1248d17c4135ee56f",
        "token": "21085286190ffad1248d17c4135ee56f",
        "response_id": "21085286190ffad1248d17c4135ee56f",
        "landed_at": "2024-09-02T07:00:00Z",
        "submitted_at": "2024-09-02T07:03:12Z",
        "metadata": {"platform": "other"},
        "hidden": {"utm_source": "newsletter", "site_code": ""},
        "calculated": {"score": 0},
        "answers": list(answers),
    }
    return {"item": {**response, **item}, "form": form}


def test_each_answer_under_its_id_ref_and_title_with_fixed_and_hidden_keys() -> None:
    flat = flatten(
        payload(
            answer("fFirst", "text", "Hélène", ref="first_name"),
            answer("fEmail", "email", "helene@example.org", "email", "email"),
        )
    )
    assert flat == {
        "response_id": "21085286190ffad1248d17c4135ee56f", "token": "21085286190ffad1248d17c4135ee56f",
        "submitted_at": "2024-09-02T07:03:12Z", "landed_at": "2024-09-02T07:00:00Z",
        "hidden.utm_source": "newsletter", "hidden.site_code": "",
        "fFirst": "Hélène", "first_name": "Hélène", "Prénom": "Hélène",
        "fEmail": "helene@example.org", "email": "helene@example.org", "Adresse e-mail": "helene@example.org",
    }  # fmt: skip


@pytest.mark.parametrize(("given_answer", "text"), [
    pytest.param(answer("fPhone", "phone_number", "+33612345678", "phone_number"), "+33612345678", id="phone_e164"),
    pytest.param(answer("fSite", "choice", {"label": "Lyon"}, "multiple_choice"), "Lyon", id="choice_label"),
    pytest.param(answer("fSite", "choice", {"id": "c1", "ref": "lyon", "label": "Lyon"}, "multiple_choice"), "Lyon",
                 id="choice_with_id_and_ref"),
    pytest.param(answer("fSite", "choice", {"other": "Villeurbanne"}, "multiple_choice"), "Villeurbanne",
                 id="choice_other"),
    pytest.param(answer("fSite", "choices", {"labels": ["Matin", "Après-midi"]}, "multiple_choice"),
                 "Matin, Après-midi", id="choices_joined"),
    pytest.param(answer("fSite", "choices", {"labels": ["Matin"], "other": "Soir"}, "multiple_choice"),
                 "Matin, Soir", id="choices_with_other"),
    pytest.param(answer("fConsent", "boolean", True, "legal"), "true", id="legal_accepted"),
    pytest.param(answer("fConsent", "boolean", False, "yes_no"), "false", id="yes_no_refused"),
    pytest.param(answer("fAge", "number", 42, "number"), "42", id="number"),
    pytest.param(answer("fAge", "number", 7.5, "opinion_scale"), "7.5", id="decimal"),
    pytest.param(answer("fBirth", "date", "2012-03-20T00:00:00Z", "date"), "2012-03-20T00:00:00Z",
                 id="date_as_given"),
    pytest.param(answer("fFirst", "url", "https://example.org", "website"), "https://example.org", id="url"),
    pytest.param(answer("fFirst", "file_url", "https://api.typeform.com/f/cv.pdf", "file_upload"),
                 "https://api.typeform.com/f/cv.pdf", id="file_url"),
    pytest.param(answer("fFirst", "payment", {"amount": "10.00", "last4": "4242", "name": "Z"}, "payment"),
                 "10.00", id="payment_amount"),
])  # fmt: skip
def test_answer_types_render_as_text(given_answer: dict, text: str) -> None:
    field_id = given_answer["field"]["id"]
    assert flatten(payload(given_answer))[field_id] == text


def test_answer_without_type_is_read_from_its_value_key() -> None:
    assert flatten(payload({"field": {"id": "fFirst"}, "text": "Zoé"}))["Prénom"] == "Zoé"


@pytest.mark.parametrize("value", [
    pytest.param(None, id="null"),
    pytest.param("", id="empty_text"),
    pytest.param({"labels": []}, id="no_choices"),
])  # fmt: skip
def test_empty_answer_has_no_key(value: Any) -> None:
    flat = flatten(payload(answer("fFirst", "text", value), answer("fAge", "number", 3)))
    assert "fFirst" not in flat and "Prénom" not in flat and flat["age"] == "3"


def test_unanswered_fields_have_no_key() -> None:
    flat = flatten(payload(answer("fFirst", "text", "Zoé")))
    assert not {"fPhone", "phone", "Téléphone", "fSlots", "Créneaux"} & flat.keys()


def test_field_without_ref_is_keyed_by_id_and_title() -> None:
    flat = flatten(payload(answer("fSlots", "choices", {"labels": ["Matin"]}, "multiple_choice")))
    assert flat["fSlots"] == flat["Créneaux"] == "Matin"


def test_field_missing_from_the_form_uses_the_answers_own_ref() -> None:
    flat = flatten(payload(answer("fNew", "text", "Bénévole", ref="role"), form={"questions": []}))
    assert flat["fNew"] == flat["role"] == "Bénévole"


def test_same_title_twice_keeps_the_first_and_ids_win_over_refs_and_titles() -> None:
    form = {"questions": [{"id": "a", "ref": "b", "title": "Ville"}, {"id": "b", "ref": "c", "title": "Ville"}]}
    flat = flatten(payload(answer("a", "text", "Lyon"), answer("b", "text", "Lille"), form=form))
    assert (flat["a"], flat["b"], flat["c"], flat["Ville"]) == ("Lyon", "Lille", "Lille", "Lyon")


def test_unsubmitted_landing_has_only_its_fixed_keys() -> None:
    data = payload(submitted_at="0001-01-01T00:00:00Z", answers=None, hidden={})
    assert set(flatten(data)) == {"response_id", "token", "submitted_at", "landed_at"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "answers",
        "field",
        "id",
        "ref",
        "title",
        "type",
        "text",
        "choice",
        "choices",
        "label",
        "labels",
        "other",
        "hidden",
        "questions",
        "token",
        "boolean",
        "number",
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
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "field": st.fixed_dictionaries({"id": st.sampled_from(["fSite", "fX"])}),
                "type": st.sampled_from(["text", "choice", "choices", "number", "x"]),
            },
            optional={"text": json_values, "choice": json_values, "choices": json_values, "number": json_values},
        ),
        max_size=4,
    )
)
def test_flatten_never_raises_on_odd_answers(answers: list[dict]) -> None:
    assert all(isinstance(v, str) for v in flatten(payload(*answers)).values())
