"""Credential errors name the source, where the credential came from, and what to check;
never its value. Tally is served by its local fake on a real socket."""

from __future__ import annotations

import pytest

from rollcall.connectors.http import SourceAuthError
from rollcall.flows.secrets import BadSecret, MissingSecret, load_json_secret
from rollcall.flows.sources import build_connector
from rollcall.models.campaign import GoogleFormsSource, TallySource

from fakes.http_server import FakeServer
from fakes.tally import FORM_ID, generate_submissions, serve_tally

FIELDS = {"first_name": "Prénom", "email": "Email"}


def google_forms_source() -> GoogleFormsSource:
    return GoogleFormsSource(
        name="gforms-lille",
        kind="google_forms",
        form_id="1FAIpQLSf-fictif",
        credentials={"service_account": "env:ROLLCALL_TEST_GF_KEY"},
        fields=FIELDS,
    )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty_after_strip"),
        pytest.param("{'type': 'service_account'}", id="python_repr_not_json"),
        pytest.param("/etc/rollcall/key.json", id="path_instead_of_content"),
        pytest.param('{"type": "service_account", "private_key": "-----BEGIN', id="truncated_paste"),
    ],
)
def test_service_account_key_not_json_names_source_and_variable(
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("ROLLCALL_TEST_GF_KEY", value or " ")
    with pytest.raises(SourceAuthError) as raised:
        build_connector(google_forms_source())
    message = str(raised.value)
    assert "gforms-lille" in message and "environment variable ROLLCALL_TEST_GF_KEY" in message
    assert "not valid JSON" in message and "whole content of the JSON key file" in message
    if value.startswith("/"):
        assert "looks like a file path" in message
    if "BEGIN" in value:
        assert "BEGIN" not in message


def test_json_secret_that_is_not_an_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_TEST_GF_KEY", '"just a string"')
    with pytest.raises(BadSecret, match="ROLLCALL_TEST_GF_KEY.*not an object"):
        load_json_secret("env:ROLLCALL_TEST_GF_KEY", "the key")


def test_missing_variable_says_where_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLLCALL_TEST_GF_KEY", raising=False)
    with pytest.raises(MissingSecret, match="ROLLCALL_TEST_GF_KEY is not set"):
        build_connector(google_forms_source())


def test_rejected_tally_token_names_source_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "tly-wrong-token-must-not-leak"
    monkeypatch.setenv("ROLLCALL_TEST_TALLY", wrong)
    with FakeServer() as server:
        serve_tally(server, generate_submissions(3, seed=2))
        source = TallySource(
            name="tally-paris",
            kind="tally",
            form_id=FORM_ID,
            base_url=server.url,
            credentials={"token": "env:ROLLCALL_TEST_TALLY"},
            fields=FIELDS,
        )
        with pytest.raises(SourceAuthError) as raised:
            list(build_connector(source).iter_pages(None))
    message = str(raised.value)
    assert "tally-paris" in message and "token in environment variable ROLLCALL_TEST_TALLY" in message
    assert "HTTP 401" in message and wrong not in message
