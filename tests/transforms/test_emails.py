import pytest
from email_validator import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.transforms.emails import EmailResult, _plainly_valid, is_placeholder_key, normalise_email
from rollcall.transforms.matching.keys import email_keys
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
    result = normalise_email(raw)
    assert isinstance(result, EmailResult)
    assert (result.email, result.suspicious_domain) == (expected, False)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        pytest.param("jean.dupont@gmail.com", "jeandupont@gmail.com", id="gmail_dots"),
        pytest.param("Jean.Dupont@GoogleMail.com", "jeandupont@gmail.com", id="googlemail"),
        pytest.param("jean+rollcall@gmail.com", "jean@gmail.com", id="plus_tag"),
        pytest.param("jean.dupont+asso@free.fr", "jean.dupont@free.fr", id="tag_elsewhere_dots_kept"),
        pytest.param("+asso@free.fr", "+asso@free.fr", id="nothing_before_the_tag"),
        pytest.param("jean@orange.fr", "jean@orange.fr", id="plain"),
    ],
)
def test_key_is_one_per_mailbox_and_the_address_shown_is_as_typed(raw: str, key: str) -> None:
    result = normalise_email(raw)
    assert isinstance(result, EmailResult)
    assert result.key == key
    assert result.email == raw.strip().lower()


def test_the_matcher_and_the_stored_key_agree() -> None:
    """Erasure finds sign-ups by their stored key, the matcher merges by its own: one key."""
    for raw in ("Jean.Dupont+JE@GMail.com", "jean@orange.fr", "élodie+x@laposte.net", "a.b@googlemail.com"):
        result = normalise_email(raw)
        assert isinstance(result, EmailResult)
        assert email_keys(raw).key == result.key


@pytest.mark.parametrize("key", ["nc@nc.fr", "pasdemail@gmail.com", "pas.de.mail@orange.fr", "jean@nc.com", "x@x.fr"])
def test_placeholder_addresses(key: str) -> None:
    assert is_placeholder_key(key)


@pytest.mark.parametrize("key", ["jean@orange.fr", "xavier@orange.fr", "nadia@free.fr"])
def test_real_addresses_are_no_placeholders(key: str) -> None:
    assert not is_placeholder_key(key)


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


_LOCAL_CHARS = "abcz09._%+-"
_DOMAIN_CHARS = "abz09.-"


@settings(max_examples=3000, deadline=None)
@given(
    local=st.text(_LOCAL_CHARS, min_size=0, max_size=70),
    domain=st.text(_DOMAIN_CHARS, min_size=0, max_size=30),
    tld=st.sampled_from(["fr", "com", "test", "local", "x", "f1", "museum", "onion", ""]),
)
def test_the_plain_address_shortcut_agrees_with_email_validator(local: str, domain: str, tld: str) -> None:
    """``_plainly_valid`` only says yes where email-validator accepts the address unchanged."""
    address = f"{local}@{domain}.{tld}" if tld else f"{local}@{domain}"
    if _plainly_valid(address):
        assert validate_email(address, check_deliverability=False).normalized.lower() == address


@pytest.mark.parametrize(
    "address",
    ["jean.dupont@gmail.com", "a_b%c+d-e@sous-domaine.orange.fr", "x1@free.fr", "marie@laposte.net"],
)
def test_plain_addresses_take_the_shortcut(address: str) -> None:
    assert _plainly_valid(address)


@pytest.mark.parametrize(
    "address",
    ["a..b@x.fr", ".a@x.fr", "a.@x.fr", "a@-x.fr", "a@x-.fr", "a@xn--abc.fr", "a@x.test", "a@x.f1", "é@x.fr"],
)
def test_unusual_addresses_go_through_email_validator(address: str) -> None:
    assert not _plainly_valid(address)
