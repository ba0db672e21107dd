"""Campaign files with a web form as the only source, for tests that pull one."""

from __future__ import annotations

from pathlib import Path

from fakes.tally import FORM_ID

EXAMPLE = Path(__file__).parents[1] / "examples/journees-engagees-2022/campaign.toml"


def campaign_with_tally(directory: Path, base_url: str, enabled: str = "true") -> Path:
    """The example's sites, and one Tally form as the only source."""
    sites = EXAMPLE.read_text(encoding="utf-8").split("# --- Sources")[0]
    path = directory / "campaign.toml"
    path.write_text(
        sites
        + f"""
[[sources]]
name = "tally-form"
kind = "tally"
form_id = "{FORM_ID}"
base_url = "{base_url}"
page_size = 20
enabled = {enabled}
credentials = {{ token = "env:ROLLCALL_TEST_TALLY_TOKEN" }}

[sources.fields]
first_name = "Prénom"
last_name = "Nom"
email = "Adresse e-mail"
phone = "Téléphone"
site = "Sur quel site voulez-vous aider ?"
consent = "J'accepte que mes données servent à organiser la journée"
""",
        encoding="utf-8",
    )
    return path
