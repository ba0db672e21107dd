"""Reading a stored HelloAsso item: the participant, not the payer; cancellations kept; odd
payloads give blanks, never an error."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.answers.helloasso import FIXED_KEYS, available_keys, flatten

ORDER = {
    "id": 20499,
    "date": "2024-06-07T14:11:15.7442115+02:00",
    "formSlug": "journees-engagees",
    "formType": "Event",
    "meta": {"createdAt": "2024-06-07T14:10:49.3535024+02:00", "updatedAt": "2024-06-07T14:11:15.7462648+02:00"},
}
PAYER = {"email": "nadia.benali@example.org", "firstName": "Nadia", "lastName": "Benali", "country": "FRA"}


def item(item_id: int, first: str, last: str, **extra: Any) -> dict[str, Any]:
    return {
        "order": ORDER,
        "payer": PAYER,
        "name": "Bénévole",
        "user": {"firstName": first, "lastName": last},
        "priceCategory": "Free",
        "id": item_id,
        "amount": 0,
        "type": "Registration",
        "state": "Processed",
        **extra,
    }


def stored(value: Any) -> dict[str, Any]:
    return {"item": value, "form": {}}


def test_fixed_keys_read_the_item_its_order_and_payer() -> None:
    flat = flatten(stored(item(20500, "Yanis", "BENALI")))
    assert flat == {
        "id": "20500",
        "state": "Processed",
        "date": ORDER["date"],
        "order.id": "20499",
        "order.date": ORDER["date"],
        "user.firstName": "Yanis",
        "user.lastName": "BENALI",
        "payer.email": "nadia.benali@example.org",
        "payer.firstName": "Nadia",
        "payer.lastName": "Benali",
        "name": "Bénévole",
    }


def test_group_order_each_participant_has_own_names_and_custom_fields() -> None:
    yanis = item(
        20500,
        "Yanis",
        "BENALI",
        customFields=[
            {"id": 1, "name": "Email", "type": "TextInput", "answer": "yanis.b@example.org"},
            {"id": 2, "name": "Téléphone", "type": "Phone", "answer": "06 39 98 00 01"},
        ],
    )
    ines = item(
        20501,
        "Inès",
        "BENALI",
        customFields=[{"id": 1, "name": "Email", "type": "TextInput", "answer": "ines.b@example.org"}],
    )
    first, second = flatten(stored(yanis)), flatten(stored(ines))
    assert (first["user.firstName"], first["customFields.Email"], first["customFields.Téléphone"]) == (
        "Yanis",
        "yanis.b@example.org",
        "06 39 98 00 01",
    )
    assert (second["user.firstName"], second["customFields.Email"]) == ("Inès", "ines.b@example.org")
    assert "customFields.Téléphone" not in second  # not asked of her: no key, the mapping falls back
    assert first["payer.email"] == second["payer.email"] == "nadia.benali@example.org"


def test_canceled_item_keeps_its_state() -> None:
    assert flatten(stored(item(20502, "Léa", "Roux", state="Canceled")))["state"] == "Canceled"


def test_null_answers_and_missing_parts_are_blank() -> None:
    odd = {
        "id": 7,
        "user": None,
        "payer": {"email": None},
        "order": "not an order",
        "customFields": [{"name": "Email", "answer": None}, {"name": None, "answer": "x"}, "junk"],
    }
    flat = flatten(stored(odd))
    assert flat["id"] == "7" and flat["user.firstName"] == flat["payer.email"] == flat["order.date"] == ""
    assert flat["customFields.Email"] == ""


def test_repeated_custom_field_name_first_non_blank_wins() -> None:
    fields = [
        {"name": "Email", "answer": ""},
        {"name": "Email", "answer": "a@example.org"},
        {"name": "Email", "answer": "b@example.org"},
    ]
    assert flatten(stored(item(1, "A", "B", customFields=fields)))["customFields.Email"] == "a@example.org"


def test_available_keys_cover_what_flatten_emits() -> None:
    flat = flatten(stored(item(1, "A", "B", customFields=[{"name": "Site", "answer": "Lyon"}])))
    assert set(flat) <= available_keys({"custom_fields": ["Site", "Email"], "complete": True})
    assert available_keys({"custom_fields": []}) == set(FIXED_KEYS)


def test_a_mapped_custom_field_is_assumed_only_when_the_fields_came_from_items() -> None:
    wanted = {"customFields.Allergies", "user.prenom"}
    from_items = available_keys({"custom_fields": ["Site"], "complete": False}, wanted)
    assert "customFields.Allergies" in from_items and "user.prenom" not in from_items
    assert "customFields.Allergies" not in available_keys({"custom_fields": ["Site"], "complete": True}, wanted)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)
ITEMISH = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "state": JSON,
        "user": JSON,
        "payer": JSON,
        "order": JSON,
        "name": JSON,
        "customFields": st.lists(st.dictionaries(st.sampled_from(["name", "answer", "type"]), JSON), max_size=4) | JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, st.fixed_dictionaries({"item": ITEMISH | JSON, "form": JSON})))
def test_flatten_never_raises_and_gives_text(payload: Any) -> None:
    flat = flatten(payload)
    assert FIXED_KEYS <= set(flat)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in flat.items())
