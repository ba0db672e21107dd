"""The nightly deployment's schedule and overlap guard, checked on the object Prefect serves."""

from datetime import datetime
from zoneinfo import ZoneInfo

from deployments.serve import NIGHTLY_CRON, TIMEZONE, nightly_deployment


def test_nightly_runs_outside_the_daylight_saving_hours() -> None:
    deployment = nightly_deployment("campaign.toml")
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == NIGHTLY_CRON and schedule.schedule.timezone == TIMEZONE
    hour = int(NIGHTLY_CRON.split()[1])
    assert not 2 <= hour < 3
    # early enough to be done before coordinators open their sheet at 8
    assert datetime(2022, 10, 7, hour, tzinfo=ZoneInfo(TIMEZONE)).hour < 8


def test_one_run_at_a_time_and_parameters_hold_no_personal_data() -> None:
    deployment = nightly_deployment("campaign.toml")
    assert deployment.concurrency_limit == 1
    assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert deployment.parameters == {"config": "campaign.toml"}
