"""A failed nightly run posts a short notice with a link to the run to the team's chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from rollcall.flows.notify import failure_message
from rollcall.models.campaign import DATABASE_URL_ENV

from fakes.http_server import FakeServer, Response

EXAMPLE = Path(__file__).parents[2] / "examples/journees-engagees-2022/campaign.toml"


def test_message_is_short_and_links_the_run() -> None:
    body = failure_message("nightly-sync", "je-2022", "x" * 2000, "http://prefect/runs/flow-run/1")
    assert body["text"].startswith("rollcall: nightly-sync failed for je-2022: xxx")
    assert len(body["text"]) < 700 and body["text"].endswith("http://prefect/runs/flow-run/1")


@pytest.mark.flow
def test_failed_sync_posts_to_the_webhook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_url: str, prefect_harness: None
) -> None:
    from rollcall.flows.nightly import SyncFailed, nightly_sync

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATABASE_URL_ENV, migrated_url)
    text = EXAMPLE.read_text(encoding="utf-8").replace('path = "data/', f'path = "{EXAMPLE.parent}/data/')
    text = text.replace("data/tally-inscriptions.csv", "data/missing.csv")
    text = text.replace("[rosters]", '[notifications]\nfailure_webhook = "env:ROLLCALL_TEST_WEBHOOK"\n\n[rosters]')
    config = tmp_path / "campaign.toml"
    config.write_text(text, encoding="utf-8")
    with FakeServer() as chat:
        posts = []
        chat.route(
            "POST", r"/hooks/rollcall", lambda request: posts.append(request.json()) or Response(200, {"ok": True})
        )
        monkeypatch.setenv("ROLLCALL_TEST_WEBHOOK", f"{chat.url}/hooks/rollcall")
        with pytest.raises(SyncFailed):
            nightly_sync(config=str(config))
    assert len(posts) == 1
    assert "nightly-sync failed for journees-engagees-2022" in posts[0]["text"]
    assert "missing.csv" in posts[0]["text"] and "/runs/flow-run/" in posts[0]["text"]
