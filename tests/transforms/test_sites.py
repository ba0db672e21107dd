from datetime import date

import pytest

from rollcall.models.records import Rejection, Site
from rollcall.transforms.sites import SiteCatalog


def _code(result: Site | Rejection | None) -> str | None:
    """The site code, or the rejection code: one value to compare."""
    return None if result is None else result.code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("Paris", "PAR", id="city_name"),
        pytest.param("paris 11e", "PAR", id="arrondissement_lower_case"),
        pytest.param("PARIS 11EME", "PAR", id="arrondissement_upper_case"),
        pytest.param("Paris 11", "PAR", id="arrondissement_bare_number_is_not_a_departement"),
        pytest.param("75011", "PAR", id="paris_postcode"),
        pytest.param("Paris (75)", "PAR", id="departement_in_brackets_agrees"),
        pytest.param("St Denis", "STD", id="saint_abbreviated"),
        pytest.param("St-Denis", "STD", id="saint_abbreviated_hyphen"),
        pytest.param("ST. DENIS", "STD", id="saint_abbreviated_dot"),
        pytest.param("Saint Denis 93", "STD", id="saint_denis_with_departement"),
        pytest.param("93200", "STD", id="saint_denis_postcode"),
        pytest.param("Brunoy 91", "BRY", id="brunoy_with_departement"),
        pytest.param("Brunoy (Essonne)", "BRY", id="brunoy_as_named"),
        pytest.param("Reims (51)", "RMS", id="reims_with_departement"),
        pytest.param("Reims (Marne)", "RMS", id="reims_as_named"),
        pytest.param("Créteil", "CRT", id="accented_city"),
        pytest.param("creteil", "CRT", id="accent_dropped"),
        pytest.param("94000", "CRT", id="creteil_postcode"),
        pytest.param("Lille", "LIL", id="lille"),
        pytest.param("Lille (59)", "LIL", id="lille_with_shared_departement"),
        pytest.param("59000", "LIL", id="listed_postcode_lille"),
        pytest.param("59100", "RBX", id="listed_postcode_roubaix"),
        pytest.param("Journée Engagée – Emmaüs Connect Lille", "LIL", id="event_title_lille"),
        pytest.param("Journée Engagée Marseille - 8 octobre", "MRS", id="event_title_with_date"),
        pytest.param("Journée Engagée Paris - 08 octobre", "PAR", id="day_of_month_is_not_a_departement"),
        pytest.param("  LYON\u200b ", "LYS", id="zero_width_space"),
        pytest.param("(93)", "STD", id="departement_alone_in_brackets"),
    ],
)
def test_resolves_to_one_site(catalog: SiteCatalog, text: str, code: str) -> None:
    site = catalog.resolve(text)
    assert isinstance(site, Site), site
    assert site.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("59", "ambiguous_site", id="departement_shared_by_lille_and_roubaix"),
        pytest.param("59650", "ambiguous_site", id="unlisted_postcode_in_shared_departement"),
        pytest.param("Paris 93200", "ambiguous_site", id="city_and_postcode_disagree"),
        pytest.param("Paris (93)", "ambiguous_site", id="city_and_departement_disagree"),
        pytest.param("Paris ou Saint-Denis", "ambiguous_site", id="two_sites_named"),
        pytest.param("Toulouse", "unknown_site", id="city_without_site"),
        pytest.param("31000", "unknown_site", id="postcode_without_site"),
        pytest.param("97400", "unknown_site", id="reunion_postcode_is_not_93"),
        pytest.param("Saint-Denis (97400)", "unknown_site", id="saint_denis_reunion_is_not_93"),
        pytest.param("Saint-Denis (974)", "unknown_site", id="saint_denis_reunion_departement"),
        pytest.param("St Denis 974", "unknown_site", id="overseas_departement_without_brackets"),
        pytest.param("20000", "unknown_site", id="corsica_postcode"),
        pytest.param("Marne", "unknown_site", id="part_of_a_name_is_not_a_match"),
        pytest.param('=HYPERLINK("x")', "unknown_site", id="formula_is_text"),
    ],
)
def test_rejects_unclear_place(catalog: SiteCatalog, text: str, code: str) -> None:
    result = catalog.resolve(text)
    assert isinstance(result, Rejection)
    assert result.code == code


@pytest.mark.parametrize("text", [None, "", "   ", "-", "\u200b"])
def test_empty_place_is_none(catalog: SiteCatalog, text: str | None) -> None:
    assert catalog.resolve(text) is None


def test_saint_denis_never_resolves_to_paris(catalog: SiteCatalog) -> None:
    for text in ("Saint-Denis", "saint denis", "St Denis", "SAINT-DENIS 93200"):
        assert _code(catalog.resolve(text)) == "STD"
    for text in ("Paris", "paris 75", "PARIS 11E"):
        assert _code(catalog.resolve(text)) == "PAR"


def test_longer_name_wins_over_the_name_it_contains() -> None:
    day = date(2022, 10, 8)
    catalog = SiteCatalog(
        [
            Site("MRS", "Marseille", "Marseille", day, "13"),
            Site("MRN", "Marseille Nord", "Marseille", day, "13"),
        ]
    )
    assert _code(catalog.resolve("Marseille Nord (13)")) == "MRN"
    # Both sites have the city Marseille: the city alone cannot choose.
    assert _code(catalog.resolve("Marseille")) == "ambiguous_site"


def test_alias_and_two_letter_corsica_departement() -> None:
    day = date(2022, 10, 8)
    catalog = SiteCatalog([Site("AJA", "Ajaccio", "Ajaccio", day, "2a", aliases=("Aiacciu",))])
    assert _code(catalog.resolve("Aiacciu")) == "AJA"
    assert _code(catalog.resolve("2A")) == "AJA"
    assert _code(catalog.resolve("20000")) == "AJA"


def test_huge_repetitive_text_stays_fast(catalog: SiteCatalog) -> None:
    assert _code(catalog.resolve("paris " * 50_000)) == "PAR"
