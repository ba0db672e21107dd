"""The run report counts new volunteers toward the goal and says when the base was not read."""

from rollcall.flows.report import markdown, site_rows

SUMMARY = {
    "run_id": 3,
    "campaign": "je-2022",
    "goal": 1200,
    "people": 640,
    "registered": 610,
    "new_volunteers": 540,
    "returning_volunteers": 60,
    "missed_night": False,
    "previous_completed_at": None,
    "volunteer_base": {"bases": ["benevoles"], "base_rows": 152, "returning_people": 60},
    "dashboard": "var/dashboard.html",
    "sources": {},
    "quarantine": [],
    "sites": {
        "PAR": {
            "registered": 300,
            "new": 270,
            "returning": 30,
            "new_this_run": 4,
            "cancelled": 1,
            "no_consent": 0,
            "capacity": 320,
            "roster": "var/rosters/PAR Paris.xlsx",
        }
    },
}


def test_the_goal_is_counted_in_new_volunteers() -> None:
    text = markdown(SUMMARY)
    assert "**540** new volunteers of the goal of **1200** (45%); 60 registrants already volunteer" in text
    assert "Volunteer base: 152 rows, 60 registrants found in it." in text
    assert "`var/dashboard.html`" in text
    (paris,) = site_rows(SUMMARY)
    assert (paris["new volunteers"], paris["already volunteer"]) == (270, 30)


def test_an_unread_base_is_said_with_its_consequence() -> None:
    text = markdown(
        {**SUMMARY, "volunteer_base": {"bases": ["benevoles"], "error": "volunteer base benevoles: file not found"}}
    )
    assert (
        "**Volunteer base not read**: volunteer base benevoles: file not found. Registrants keep the previous" in text
    )
