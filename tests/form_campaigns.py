"""Campaign-file blocks for the web forms on their local fakes, and a campaign with a Tally
form as its only source: one spelling of each form's mapping for every test that pulls one."""

from __future__ import annotations

from pathlib import Path

from fakes.tally import FORM_ID

EXAMPLE = Path(__file__).parents[1] / "examples/journees-engagees-2022/campaign.toml"


def tally_source(base_url: str, *, name: str = "tally-form", label: str | None = None, enabled: str = "true") -> str:
    """A ``[[sources]]`` block for the Tally fake's form (``fakes.tally``)."""
    return f"""
[[sources]]
name = "{name}"{_label(label)}
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
"""


def helloasso_source(base_url: str, *, name: str = "helloasso-api", label: str | None = None) -> str:
    """A ``[[sources]]`` block for the HelloAsso fake's event (``fakes.helloasso``)."""
    return f"""
[[sources]]
name = "{name}"{_label(label)}
kind = "helloasso"
organization = "emmaus-connect"
form_id = "journees-engagees"
form_type = "Event"
base_url = "{base_url}"
page_size = 20
credentials = {{ client_id = "env:ROLLCALL_TEST_HA_ID", client_secret = "env:ROLLCALL_TEST_HA_SECRET" }}

[sources.fields]
email = ["customFields.Email", "payer.email"]
phone = "customFields.Téléphone"
site = "customFields.Site"
"""


def _label(label: str | None) -> str:
    return f'\nlabel = "{label}"' if label else ""


def campaign_with_tally(directory: Path, base_url: str, enabled: str = "true") -> Path:
    """The example's sites, and one Tally form as the only source."""
    sites = EXAMPLE.read_text(encoding="utf-8").split("# --- Sources")[0]
    path = directory / "campaign.toml"
    path.write_text(sites + tally_source(base_url, enabled=enabled), encoding="utf-8")
    return path
