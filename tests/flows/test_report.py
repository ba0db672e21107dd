"""The run report's content, without Prefect: counts only, a missed night said loudly."""

from datetime import UTC, datetime, timedelta

from rollcall.flows.report import _missed_night, markdown, source_rows

T = datetime(2022, 10, 1, 3, 30, tzinfo=UTC)

SUMMARY = {
    "run_id": 7,
    "campaign": "je-2022",
    "goal": 1200,
    "people": 900,
    "registered": 880,
    "previous_completed_at": "2022-09-29T03:31+00:00",
    "missed_night": True,
    "sources": {
        "tally": {
            "current": 500,
            "quarantined": 3,
            "this_run": {"received": 20, "new": 5, "new_versions": 1, "requests": 2},
            "error": None,
        },
        "typeform": {"this_run": {"skipped": "TYPEFORM_TOKEN is not set"}, "error": None},
        "helloasso": {"this_run": None, "error": "token for source helloasso rejected (HTTP 401)"},
    },
    "sites": {
        "PAR": {
            "registered": 300,
            "new_this_run": 4,
            "cancelled": 1,
            "no_consent": 2,
            "capacity": 320,
            "roster": "var/rosters/PAR Paris.xlsx",
        }
    },
    "quarantine": [{"source": "tally", "reason": "unknown_site", "records": 3}],
}


def test_a_night_is_missed_after_26_hours_only() -> None:
    assert not _missed_night(None, T)
    assert not _missed_night(T - timedelta(hours=25), T)
    assert _missed_night(T - timedelta(hours=49), T)


def test_sources_say_ok_skipped_or_failed_with_what_to_do() -> None:
    rows = {r["source"]: r for r in source_rows(SUMMARY)}
    assert (rows["tally"]["status"], rows["tally"]["new"], rows["tally"]["updated"], rows["tally"]["requests"]) == (
        "ok",
        5,
        1,
        2,
    )
    assert rows["typeform"]["status"] == "skipped" and "TYPEFORM_TOKEN" in rows["typeform"]["note"]
    assert rows["helloasso"]["status"] == "failed" and "rejected" in rows["helloasso"]["note"]


def test_markdown_warns_of_a_missed_night_and_shows_progress() -> None:
    text = markdown(SUMMARY)
    assert "at least one night was missed" in text
    assert "**880** new volunteers of the goal of **1200** (73%)" in text
    assert "| PAR | 300 | 0 | 0 | 4 | 1 | 2 | 0 | 0 | 320 | 94% | PAR Paris.xlsx |" in text


def test_a_retried_runs_report_says_its_attempt() -> None:
    assert "## Sync run 7 — je-2022" in markdown(SUMMARY)
    assert markdown({**SUMMARY, "attempt": 2}).startswith("## Sync run 7, attempt 2 — je-2022")
