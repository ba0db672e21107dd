from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollcall.models.records import SIGNUP_FIELDS, NormalisedSignup, Rejection
from rollcall.transforms.normalise import normalise_signup
from rollcall.transforms.sites import SiteCatalog

MARIE = {
    "first_name": "marie",
    "last_name": "DUPONT",
    "email": "Marie.Dupont@Gmail.com",
    "phone": "06 12 34 56 78",
    "site": "St Denis",
    "submitted_at": "08/10/2022 12:30",
}


def _signup(catalog: SiteCatalog, **changes: str | None) -> NormalisedSignup:
    result = normalise_signup({**MARIE, **changes}, catalog)
    assert isinstance(result, NormalisedSignup), result
    return result


def _rejection(catalog: SiteCatalog, fields: dict[str, str | None]) -> Rejection:
    result = normalise_signup(fields, catalog)
    assert isinstance(result, Rejection), result
    return result


def test_complete_signup(catalog: SiteCatalog) -> None:
    assert normalise_signup(MARIE, catalog) == NormalisedSignup(
        first_name="Marie",
        last_name="Dupont",
        site_code="STD",
        email="marie.dupont@gmail.com",
        email_key="mariedupont@gmail.com",
        phone="+33612345678",
        submitted_at=datetime(2022, 10, 8, 10, 30, tzinfo=UTC),
        consent=None,
        cancelled=False,
        warnings=(),
    )


def test_full_name_column_is_split(catalog: SiteCatalog) -> None:
    signup = _signup(catalog, first_name=None, last_name="", full_name="Jéan-Pierre DE LA FONTAINE")
    assert (signup.first_name, signup.last_name) == ("Jéan-Pierre", "De la Fontaine")


def test_one_name_is_enough(catalog: SiteCatalog) -> None:
    signup = _signup(catalog, last_name="-")
    assert (signup.first_name, signup.last_name) == ("Marie", "")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"first_name": " ", "last_name": None}, "missing_name", None, id="no_name"),
        pytest.param({"first_name": "-", "last_name": "?"}, "missing_name", None, id="punctuation_is_no_name"),
        pytest.param({"email": None, "phone": None}, "no_contact", None, id="no_contact_at_all"),
        pytest.param({"email": "marie@", "phone": "123"}, "no_contact", None, id="both_contacts_invalid"),
        pytest.param({"email": "marie@", "phone": None}, "invalid_email_no_phone", "email", id="bad_email_no_phone"),
        pytest.param({"site": "Toulouse"}, "unknown_site", "site", id="site_without_campaign"),
        pytest.param({"site": "59"}, "ambiguous_site", "site", id="lille_or_roubaix"),
        pytest.param({"site": "Toulouse", "city": "Paris"}, "unknown_site", "site", id="site_rejection_wins"),
        pytest.param({"site": None}, "missing_site", None, id="no_place"),
        pytest.param({"site": "", "city": "Paris", "postcode": "93200"}, "ambiguous_site", "city", id="city_postcode_disagree"),
        pytest.param({"site": "", "postcode": "97400"}, "unknown_site", "postcode", id="reunion_postcode_only"),
    ],
)  # fmt: skip
def test_rejected(catalog: SiteCatalog, changes: dict[str, str | None], code: str, field: str | None) -> None:
    rejection = _rejection(catalog, {**MARIE, **changes})
    assert (rejection.code, rejection.field) == (code, field)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="no_fields"),
        pytest.param({key: None for key in SIGNUP_FIELDS}, id="all_none"),
        pytest.param({key: " \u200b -" for key in SIGNUP_FIELDS}, id="all_blank_or_dash"),
    ],
)
def test_bad_row(catalog: SiteCatalog, fields: dict[str, str | None]) -> None:
    assert _rejection(catalog, fields).code == "bad_row"


@pytest.mark.parametrize(
    ("changes", "warnings"),
    [
        pytest.param({"email": "marie@gmail"}, ("invalid_email",), id="bad_email_phone_kept"),
        pytest.param({"phone": "06 12"}, ("invalid_phone",), id="bad_phone_email_kept"),
        pytest.param({"email": "marie@gmial.com"}, ("suspicious_email_domain",), id="gmial_typo"),
        pytest.param({"submitted_at": "hier"}, ("unparsed_date",), id="unreadable_date"),
    ],
)
def test_warnings(catalog: SiteCatalog, changes: dict[str, str], warnings: tuple[str, ...]) -> None:
    assert _signup(catalog, **changes).warnings == warnings


def test_invalid_values_are_dropped(catalog: SiteCatalog) -> None:
    signup = _signup(catalog, email="marie@gmail", submitted_at="hier")
    assert (signup.email, signup.email_key, signup.submitted_at) == (None, None, None)
    assert _signup(catalog, phone="06 12").phone is None


def test_suspicious_email_kept_as_typed(catalog: SiteCatalog) -> None:
    assert _signup(catalog, email="marie@gmial.com").email == "marie@gmial.com"


@pytest.mark.parametrize(
    ("changes", "site_code"),
    [
        pytest.param({"site": None, "city": "Brunoy 91"}, "BRY", id="city_when_no_site"),
        pytest.param({"site": "", "city": "93200"}, "STD", id="postcode_typed_in_city"),
        pytest.param({"site": None, "postcode": "59100"}, "RBX", id="postcode_only"),
        pytest.param({"site": None, "city": "Vincennes", "postcode": "94300"}, "CRT", id="unknown_city_known_departement"),
        pytest.param({"site": None, "city": "Lille", "postcode": "59"}, "LIL", id="city_settles_shared_departement"),
        pytest.param({"site": "-", "city": "Reims"}, "RMS", id="dash_site_is_empty"),
    ],
)  # fmt: skip
def test_site_falls_back_to_city_and_postcode(
    catalog: SiteCatalog, changes: dict[str, str | None], site_code: str
) -> None:
    assert _signup(catalog, **changes).site_code == site_code


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        *(
            pytest.param(text, True, id=f"consent_{label}")
            for label, text in [
                ("oui", "Oui"), ("yes", "YES"), ("true", "TRUE"), ("one", "1"), ("x", "x"),
                ("vrai", "vrai"), ("tick", "✓"), ("checked", "checked"), ("float_one", "1.0"),
                ("j_accepte", "J'accepte que mes données soient utilisées"),
                ("oui_sentence", "Oui, je suis d’accord"),
            ]
        ),
        *(
            pytest.param(text, False, id=f"no_consent_{label}")
            for label, text in [
                ("empty", ""), ("none", None), ("non", "non"), ("false", "FALSE"), ("zero", "0"),
                ("refusal", "Je n'accepte pas"), ("unclear", "peut-être"),
            ]
        ),
    ],
)  # fmt: skip
def test_consent(catalog: SiteCatalog, consent: str | None, expected: bool) -> None:
    assert _signup(catalog, consent=consent).consent is expected


def test_consent_absent_when_source_does_not_ask(catalog: SiteCatalog) -> None:
    assert _signup(catalog).consent is None


@pytest.mark.parametrize(
    ("status", "cancelled"),
    [
        pytest.param("Annulé", True, id="annule"),
        pytest.param("ANNULEE", True, id="annulee_caps"),
        pytest.param("annulée", True, id="annulee"),
        pytest.param("Canceled", True, id="canceled_us"),
        pytest.param("cancelled", True, id="cancelled_uk"),
        pytest.param("Refunded", True, id="refunded"),
        pytest.param("Remboursé", True, id="rembourse"),
        pytest.param("remboursée", True, id="remboursee"),
        pytest.param("Supprimé", True, id="supprime"),
        pytest.param("Processed", False, id="helloasso_processed"),
        pytest.param("Registered", False, id="helloasso_registered_by_the_organisation"),
        pytest.param("Waiting", False, id="helloasso_payment_pending_still_coming"),
        pytest.param("Refused", True, id="helloasso_refused"),
        pytest.param("Abandoned", True, id="helloasso_abandoned"),
        pytest.param("Deleted", True, id="helloasso_deleted"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="none"),
    ],
)
def test_cancelled_status(catalog: SiteCatalog, status: str | None, cancelled: bool) -> None:
    assert _signup(catalog, status=status).cancelled is cancelled


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("=cmd()", id="formula"),
        pytest.param("😀" * 500, id="emoji"),
        pytest.param("\u202e\u200f\u200b", id="bidi_and_zero_width_only"),
        pytest.param("\x00\x1b[31m", id="control_characters"),
        pytest.param("a" * 100_000, id="huge"),
        pytest.param("\ud800", id="lone_surrogate"),
    ],
)
def test_hostile_text_never_raises(catalog: SiteCatalog, text: str) -> None:
    result = normalise_signup({key: text for key in SIGNUP_FIELDS}, catalog)
    assert isinstance(result, NormalisedSignup | Rejection)


_FIELD_VALUES = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(["06 12 34 56 78", "marie@gmail.com", "Saint-Denis", "59", "97400", "44835.5", "oui"]),
)


@settings(max_examples=300, deadline=None, database=None)
@given(fields=st.dictionaries(st.sampled_from(SIGNUP_FIELDS), _FIELD_VALUES))
def test_never_raises_on_arbitrary_text(catalog: SiteCatalog, fields: dict[str, str | None]) -> None:
    result = normalise_signup(fields, catalog)
    assert isinstance(result, NormalisedSignup | Rejection)


def test_a_name_that_is_not_a_name_is_quarantined(catalog: SiteCatalog) -> None:
    result = normalise_signup(
        {"first_name": "A" * 300, "last_name": "Dupont", "email": "a@example.org", "site": "Lyon"}, catalog
    )
    assert isinstance(result, Rejection) and (result.code, result.field) == ("name_too_long", "first_name")
