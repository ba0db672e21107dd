import pytest

from rollcall.transforms.reasons import REJECTION_TEXTS, WARNING_TEXTS, rejection

REJECTION_CODES = (
    "missing_name", "no_contact", "invalid_email_no_phone", "unknown_site",
    "ambiguous_site", "missing_site", "bad_row", "name_too_long", "value_too_long",
    "nul_byte", "cell_too_long", "unclosed_quote", "undecodable_text", "garbled_text", "broken_row",
)  # fmt: skip
WARNING_CODES = ("invalid_email", "invalid_phone", "unparsed_date", "unparsed_age", "suspicious_email_domain")


@pytest.mark.parametrize("code", REJECTION_CODES)
def test_every_rejection_speaks_french_and_english(code: str) -> None:
    reason = rejection(code, "email")
    assert (reason.code, reason.field) == (code, "email")
    assert reason.fr and reason.en and reason.fr != reason.en


def test_missing_name_wording() -> None:
    reason = rejection("missing_name")
    assert (reason.fr, reason.en, reason.field) == (
        "Nom et prénom absents",
        "First and last name are missing",
        None,
    )


def test_catalogues_hold_exactly_the_known_codes() -> None:
    assert set(REJECTION_TEXTS) == set(REJECTION_CODES)
    assert set(WARNING_TEXTS) == set(WARNING_CODES)


@pytest.mark.parametrize("text", [*REJECTION_TEXTS.values(), *WARNING_TEXTS.values()])
def test_texts_are_fixed_sentences_without_placeholders(text: tuple[str, str]) -> None:
    for sentence in text:
        assert "{" not in sentence and "%s" not in sentence


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no_such_code"):
        rejection("no_such_code")
