"""The dashboard's counts and warnings, as pure functions, and the page they make."""

from collections import Counter
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.sample import ATTENDANCE, LABELS, RECEIVED, SITES, TODAY, sample_data, utc
from rollcall.transforms.dashboard import (
    CHART_IDS,
    LOW,
    OVER,
    attendance_by_site,
    cumulative_by_day,
    dashboard_html,
    hours_within_days,
    signups_per_day,
    site_warnings,
)


def test_signups_are_counted_per_local_day_and_channel() -> None:
    # 23:00 UTC on 1/9 is 2/9 in Paris; a sign-up without a date is kept apart, not lost
    assert signups_per_day(RECEIVED, "Europe/Paris", LABELS) == {
        "JeVeuxAider": {date(2022, 9, 2): 1},
        "Sur place": {None: 1},
        "Tally": {date(2022, 9, 1): 1, date(2022, 9, 2): 1},
    }


def test_progress_is_cumulative_and_counts_undated_people_from_the_start() -> None:
    assert cumulative_by_day([(utc(3, 8), 1), (utc(1, 10), 1), (None, 1), (utc(1, 11), 1)], "Europe/Paris") == (
        (date(2022, 9, 1), 3),
        (date(2022, 9, 3), 4),
    )
    # counted per hour by the database: each hour counts as many
    assert cumulative_by_day([(utc(1, 10), 2), (utc(3, 8), 1), (None, 1)], "Europe/Paris") == (
        (date(2022, 9, 1), 3),
        (date(2022, 9, 3), 4),
    )


@settings(max_examples=200, deadline=None)
@given(
    moments=st.lists(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)), max_size=40),
    tz=st.sampled_from(["Europe/Paris", "America/Cayenne", "Pacific/Tahiti", "Pacific/Marquesas", "Asia/Kolkata"]),
)
def test_counts_per_utc_hour_give_the_days_of_the_moments_wherever_hours_fall_within_days(
    moments: list[datetime], tz: str
) -> None:
    """The dashboard counts per UTC hour in the database (``report_store.utc_hour``) when
    every hour lies within one local day: the same days as counting each moment."""
    hours = Counter(m.replace(minute=0, second=0, microsecond=0) for m in moments)
    if hours_within_days(hours, tz):
        by_hour = [(hour, "tally", n) for hour, n in hours.items()]
        assert signups_per_day(by_hour, tz) == signups_per_day([(m, "tally", 1) for m in moments], tz)
        assert cumulative_by_day(list(hours.items()), tz) == cumulative_by_day([(m, 1) for m in moments], tz)


def test_hours_fall_within_days_where_the_offset_is_whole_hours() -> None:
    hours = [datetime(2022, 9, 1, h, tzinfo=UTC) for h in range(24)] + [datetime(2022, 3, 27, 1, tzinfo=UTC), None]
    assert hours_within_days(hours, "Europe/Paris")  # a summer-time change included
    assert hours_within_days(hours, "Pacific/Tahiti")
    assert not hours_within_days(hours, "Pacific/Marquesas")  # UTC-9:30: a day starts at 9:30 UTC
    assert not hours_within_days(hours, "Asia/Kolkata")


def test_warnings_over_capacity_and_under_half_ten_days_before() -> None:
    warnings = {w.site: w for w in site_warnings(SITES, TODAY)}
    assert {code: w.kind for code, w in warnings.items()} == {"LIL": OVER, "GNB": LOW}
    assert warnings["LIL"].message.startswith("Lille : 150 inscrits pour 130 places (115\u202f%)")
    assert "dans 5 jours" in warnings["GNB"].message and "Relancer" in warnings["GNB"].message
    # eleven days before, a low fill is not yet a warning; once the day is past, nothing is
    assert {w.site for w in site_warnings(SITES, date(2022, 10, 4))} == {"LIL"}
    assert site_warnings(SITES, date(2022, 10, 16)) == ()


def test_attendance_only_for_sites_whose_day_has_come_per_channel() -> None:
    (paris,) = attendance_by_site(ATTENDANCE, SITES, TODAY, LABELS)
    assert (paris.site, paris.present, paris.registered) == ("PAR", 2, 3)  # one registration, two channels
    assert paris.by_channel == {"(inconnu)": (1, 1), "HelloAsso": (0, 1), "Tally": (1, 2)}
    assert attendance_by_site(ATTENDANCE, SITES, date(2022, 10, 7), LABELS) == ()
    # rows come counted (one per site, channels and tick): each counts as many registrations
    (grouped,) = attendance_by_site([("PAR", ("tally",), True, 5), ("PAR", ("tally",), False, 2)], SITES, TODAY, LABELS)
    assert (grouped.present, grouped.registered, grouped.by_channel) == (5, 7, {"Tally": (5, 7)})
    assert [a.site for a in attendance_by_site(ATTENDANCE, SITES, date(2022, 10, 15), LABELS)] == [
        "PAR",
        "LIL",
        "GNB",
        "BOD",
    ]


def test_the_page_is_self_contained_french_and_holds_every_chart() -> None:
    page = dashboard_html(sample_data())
    assert "<script src=" not in page  # plotly.js is embedded, nothing is fetched
    assert len(page) > 3_000_000  # the whole of plotly.js
    for div_id in CHART_IDS:
        assert f'id="{div_id}"' in page
    assert "500</strong> nouveaux bénévoles inscrits sur l'objectif de\n<strong>1\u202f200</strong> (42\u202f%)" in page
    assert "Lille : 150 inscrits pour 130 places" in page and 'lang="fr"' in page


def test_before_the_first_day_the_page_says_when_attendance_will_show() -> None:
    page = dashboard_html(sample_data(date(2022, 10, 1)))
    assert 'id="presences"' not in page and "Les présences s'afficheront" in page


def test_the_same_counts_give_the_same_page() -> None:
    assert dashboard_html(sample_data()) == dashboard_html(sample_data())
