import pytest

from rollcall.transforms.emails import EmailResult, normalise_email
from rollcall.transforms.values import InvalidValue


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("jean.dupont@gmail.com", "jean.dupont@gmail.com", id="plain"),
        pytest.param("Jean.Dupont@GMAIL.com", "jean.dupont@gmail.com", id="email_uppercase"),
        pytest.param("jean .dupont @gmail.com", "jean.dupont@gmail.com", id="inner_spaces"),
        pytest.param(" mailto:jean@orange.fr ", "jean@orange.fr", id="mailto_prefix"),
        pytest.param("Jean Dupont <jean@orange.fr>", "jean@orange.fr", id="display_name_wrapper"),
        pytest.param("jean@orange.fr.", "jean@orange.fr", id="trailing_full_stop"),
        pytest.param("jean\u200b@free.fr", "jean@free.fr", id="zero_width_space"),
        pytest.param("jean+rollcall@gmail.com", "jean+rollcall@gmail.com", id="plus_tag_kept"),
        pytest.param("élodie@laposte.net", "élodie@laposte.net", id="accented_local_part"),
    ],
)
def test_valid_address_is_lower_cased(raw: str, expected: str) -> None:
    expected_result = EmailResult(email=expected, key=expected, suspicious_domain=False)
    assert normalise_email(raw) == expected_result


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("jean.dupont", id="no_at_sign"),
        pytest.param("jean@gmail", id="no_dot_in_domain"),
        pytest.param("jean@@gmail.com", id="double_at_sign"),
        pytest.param("a@b.fr; c@d.fr", id="two_addresses"),
        pytest.param("pas d'email", id="sentence"),
        pytest.param("x" * 10_000 + "@gmail.com", id="huge"),
    ],
)
def test_invalid_address(raw: str) -> None:
    result = normalise_email(raw)
    assert isinstance(result, InvalidValue)
    assert raw not in result.reason


@pytest.mark.parametrize("raw", [None, "", "   ", "-", "\u200b"])
def test_empty_address_is_none(raw: str | None) -> None:
    assert normalise_email(raw) is None


@pytest.mark.parametrize(
    "domain",
    [
        "gmial.com", "gmal.com", "gamil.com", "gmail.con", "gmail.co", "hotmial.fr",
        "hotmial.com", "hotmal.fr", "yahou.fr", "yaho.fr", "outlok.fr", "orange.ff",
        "wanadoo.ff", "laposte.nte", "free.ff",
    ],
)  # fmt: skip
def test_domain_typo_flagged_never_rewritten(domain: str) -> None:
    result = normalise_email(f"Jean@{domain.upper()}")
    address = f"jean@{domain}"
    assert result == EmailResult(email=address, key=address, suspicious_domain=True)


@pytest.mark.parametrize("domain", ["gmail.fr", "gmail.com", "hotmail.fr", "mail.com", "orange.fr"])
def test_real_domain_not_flagged(domain: str) -> None:
    result = normalise_email(f"jean@{domain}")
    assert isinstance(result, EmailResult) and not result.suspicious_domain
