"""One conversion of an answer's number to text for every provider: JSON does not tell 3
from 3.0, so neither may rollcall (Tally's and Typeform's readers once disagreed)."""

from __future__ import annotations

import pytest

from rollcall.transforms.answers import as_text, helloasso, number_text, tally, typeform


@pytest.mark.parametrize("value, text", [(3, "3"), (3.0, "3"), (4.5, "4.5"), (-2.0, "-2"), (1e16, "1e+16")])
def test_a_number_reads_the_same_whatever_its_serialiser_wrote(value: float, text: str) -> None:
    assert number_text(value) == text == as_text(value)


def test_every_provider_reads_a_whole_float_as_an_integer() -> None:
    tally_flat = tally.flatten({"item": {"responses": [{"questionId": "q1", "answer": 3.0}]}, "form": {}})
    typeform_flat = typeform.flatten(
        {"item": {"answers": [{"field": {"id": "f1"}, "type": "number", "number": 3.0}]}, "form": {}}
    )
    helloasso_flat = helloasso.flatten({"item": {"customFields": [{"name": "Âge", "answer": 3.0}]}})
    assert tally_flat["q1"] == typeform_flat["f1"] == helloasso_flat["customFields.Âge"] == "3"
