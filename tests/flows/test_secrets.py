"""Secrets come from the environment or Prefect Secret blocks, and missing ones say where."""

from __future__ import annotations

import pytest

from rollcall.flows.secrets import MissingSecret, resolve_secret


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_TEST_SECRET", "tly-123")
    assert resolve_secret("env:ROLLCALL_TEST_SECRET") == "tly-123"
    monkeypatch.delenv("ROLLCALL_TEST_SECRET")
    with pytest.raises(MissingSecret, match="ROLLCALL_TEST_SECRET is not set"):
        resolve_secret("env:ROLLCALL_TEST_SECRET")


@pytest.mark.flow
def test_prefect_secret_block_is_read_and_masked(prefect_harness: None) -> None:
    from prefect import get_client
    from prefect.blocks.system import Secret

    Secret(value='{"type": "service_account", "private_key": "-----BEGIN"}').save("rollcall-test-key", overwrite=True)
    assert resolve_secret("block:rollcall-test-key").startswith('{"type": "service_account"')
    with get_client(sync_client=True) as client:
        stored = client.read_block_document_by_name(
            "rollcall-test-key", block_type_slug="secret", include_secrets=False
        )
    assert "BEGIN" not in str(stored.data)  # the API shows it masked
    with pytest.raises(MissingSecret, match="does not exist"):
        resolve_secret("block:no-such-block")
