"""Raw row identity: what makes landing twice store once."""

import hashlib

from rollcall.transforms.raw import content_hash, identify_rows


def test_hash_ignores_key_order_and_sees_any_change() -> None:
    assert content_hash({"a": "1", "b": "2"}) == content_hash({"b": "2", "a": "1"})
    assert content_hash({"a": "1"}) != content_hash({"a": "1 "})


def test_provider_id_is_the_key_and_edits_are_versions() -> None:
    first, edited = identify_rows(
        [("row 2", {"id": "42", "nom": "Roux"}), ("row 3", {"id": "42", "nom": "Rous"})], "id"
    )
    assert first.external_id == edited.external_id == "42"
    assert first.content_hash != edited.content_hash


def test_identical_rows_without_id_stay_two_records() -> None:
    rows = identify_rows([("row 2", {"nom": "Roux"}), ("row 3", {"nom": "Roux"})], None)
    assert rows[0].external_id != rows[1].external_id
    assert rows[0].external_id.endswith("#1") and rows[1].external_id.endswith("#2")


def test_keys_do_not_depend_on_row_numbers() -> None:
    once = identify_rows([("row 2", {"nom": "A"}), ("row 3", {"nom": "B"})], None)
    sorted_differently = identify_rows([("row 2", {"nom": "B"}), ("row 3", {"nom": "A"})], None)
    assert {r.external_id for r in once} == {r.external_id for r in sorted_differently}


def test_blank_id_falls_back_to_content() -> None:
    (row,) = identify_rows([("row 2", {"id": " ", "nom": "A"})], "id")
    assert row.external_id.startswith("sha256:")


def test_content_hash_is_that_of_the_canonical_json_already_stored() -> None:
    """Databases hold hashes of this exact text: keys sorted, no spaces, accents as typed."""
    payload = {"emoji": "🙂", "a": "1", "Prénom": "Hélène"}
    canonical = '{"Prénom":"Hélène","a":"1","emoji":"🙂"}'
    assert content_hash(payload) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
