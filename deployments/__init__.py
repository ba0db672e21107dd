"""How flows run on a schedule and are rerun from the Prefect UI."""
