"""The 12 sites of Journées Engagées 2022, as test data for site resolution and normalisation."""

from datetime import date

import pytest

from rollcall.models.records import Site
from rollcall.transforms.sites import SiteCatalog

FIRST_SATURDAY, SECOND_SATURDAY = date(2022, 10, 8), date(2022, 10, 15)

CAMPAIGN_SITES = (
    Site("PAR", "Paris", "Paris", FIRST_SATURDAY, "75"),
    Site("MRS", "Marseille", "Marseille", FIRST_SATURDAY, "13"),
    Site("LYS", "Lyon", "Lyon", FIRST_SATURDAY, "69"),
    Site("RMS", "Reims (Marne)", "Reims", FIRST_SATURDAY, "51"),
    Site("CRT", "Créteil", "Créteil", FIRST_SATURDAY, "94"),
    Site("RBX", "Roubaix", "Roubaix", FIRST_SATURDAY, "59", postcodes=("59100",)),
    Site(
        "LIL", "Lille", "Lille", SECOND_SATURDAY, "59",
        postcodes=("59000", "59800", "59160", "59260", "59777"),
    ),
    Site("SXB", "Strasbourg", "Strasbourg", SECOND_SATURDAY, "67"),
    Site("BOD", "Bordeaux", "Bordeaux", SECOND_SATURDAY, "33"),
    Site("STD", "Saint-Denis", "Saint-Denis", SECOND_SATURDAY, "93"),
    Site("GNB", "Grenoble", "Grenoble", SECOND_SATURDAY, "38"),
    Site("BRY", "Brunoy (Essonne)", "Brunoy", SECOND_SATURDAY, "91"),
)  # fmt: skip


@pytest.fixture(scope="session")
def catalog() -> SiteCatalog:
    """A catalogue of the 12 campaign sites."""
    return SiteCatalog(CAMPAIGN_SITES)
