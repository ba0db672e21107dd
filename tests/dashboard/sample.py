"""A dashboard's counts, made up: a campaign between its two Saturdays."""

from datetime import UTC, date, datetime

from rollcall.transforms.dashboard import (
    DashboardData,
    SiteFacts,
    attendance_by_site,
    cumulative_by_day,
    signups_per_day,
    site_warnings,
)

TODAY = date(2022, 10, 10)  # after the first Saturday (8/10), five days before the second (15/10)

SITES = (
    SiteFacts("PAR", "Paris", date(2022, 10, 8), 320, 300, new=250, returning=50),
    SiteFacts("LIL", "Lille", date(2022, 10, 15), 130, 150, new=140, returning=10),  # over capacity
    SiteFacts("GNB", "Grenoble", date(2022, 10, 15), 100, 30, new=30, returning=0),  # under half, 5 days before
    SiteFacts("BOD", "Bordeaux", date(2022, 10, 15), 120, 90, new=80, returning=10),
)


def utc(day: int, hour: int) -> datetime:
    return datetime(2022, 9, day, hour, tzinfo=UTC)


RECEIVED = [(utc(1, 10), "tally", 1), (utc(1, 23), "tally", 1), (utc(2, 9), "jeveuxaider", 1), (None, "sur-place", 1)]
ATTENDANCE = [
    ("PAR", ("tally",), True, 1),
    ("PAR", ("tally", "helloasso"), False, 1),
    ("PAR", (), True, 1),
    ("LIL", ("tally",), True, 1),
]
LABELS = {"tally": "Tally", "jeveuxaider": "JeVeuxAider", "helloasso": "HelloAsso", "sur-place": "Sur place"}


def sample_data(today: date = TODAY) -> DashboardData:
    return DashboardData(
        campaign="Journées Engagées 2022",
        goal=1200,
        today=today,
        generated_at=datetime(2022, 10, 10, 6, 0),
        new=500,
        returning=70,
        sites=SITES,
        signups_per_day=signups_per_day(RECEIVED, "Europe/Paris", LABELS),
        new_over_time=cumulative_by_day([(utc(1, 10), 1), (utc(1, 23), 1), (utc(3, 8), 1), (None, 1)], "Europe/Paris"),
        warnings=site_warnings(SITES, today),
        attendance=attendance_by_site(ATTENDANCE, SITES, today, LABELS),
    )
