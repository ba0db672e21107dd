"""Build each web form's connector from its configuration, secrets resolved at the edge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rollcall.connectors.forms import FormConnector
from rollcall.connectors.google_sheets import SCOPES as SHEETS_SCOPES
from rollcall.connectors.google_sheets import RateLimiter, RosterSheets, connect
from rollcall.connectors.http import SourceAuthError, make_session
from rollcall.flows.quota import shared_google_quota
from rollcall.flows.secrets import BadSecret, describe, load_json_secret, resolve_secret
from rollcall.models.campaign import (
    Campaign,
    FormSource,
    GoogleFormsSource,
    HelloAssoSource,
    TallySource,
    TypeformSource,
)

#: What each form connector is built with: its source, the HTTP session and the source's
#: secrets, resolved (the Google service-account key is turned into a token by its builder).
ConnectorBuilder = Callable[[Any, Any, dict[str, str], dict[str, Any]], FormConnector]


def build_connector(source: FormSource) -> FormConnector:
    """The connector for a web-form source. Raises MissingSecret when a credential is unset."""
    secrets = {name: resolve_secret(ref) for name, ref in source.credentials.items() if name != "service_account"}
    session = make_session()
    session.credential_origin = " and ".join(
        f"{name} in {describe(ref)}" for name, ref in sorted(source.credentials.items())
    )
    base: dict[str, Any] = {"base_url": source.base_url} if source.base_url else {}
    if source.page_size:
        base["page_size"] = source.page_size
    builder = FORM_CONNECTORS.get(source.kind)
    if builder is None:
        raise ValueError(f"source {source.name}: {source.kind} is not a web form")
    return builder(source, session, secrets, base)


# Each builder imports its connector when called: a campaign pays only for the providers it uses.


def _tally(source: TallySource, session: Any, secrets: dict[str, str], base: dict[str, Any]) -> FormConnector:
    from rollcall.connectors.tally import TallyForm

    return TallyForm(session, source=source.name, form_id=source.form_id, token=secrets["token"], **base)


def _typeform(source: TypeformSource, session: Any, secrets: dict[str, str], base: dict[str, Any]) -> FormConnector:
    from rollcall.connectors.typeform import TypeformForm

    return TypeformForm(session, source=source.name, form_id=source.form_id, token=secrets["token"], **base)


def _helloasso(source: HelloAssoSource, session: Any, secrets: dict[str, str], base: dict[str, Any]) -> FormConnector:
    from rollcall.connectors.helloasso import HelloAssoForm

    return HelloAssoForm(
        session,
        source=source.name,
        organization_slug=source.organization,
        form_type=source.form_type,
        form_slug=source.form_id,
        client_id=secrets["client_id"],
        client_secret=secrets["client_secret"],
        **base,
    )


def _google_forms(
    source: GoogleFormsSource, session: Any, secrets: dict[str, str], base: dict[str, Any]
) -> FormConnector:
    from rollcall.connectors.google_forms import GoogleFormsForm, access_token_from_service_account

    ref = source.credentials["service_account"]
    try:
        info = load_json_secret(ref, "the service-account key (credentials.service_account)")
    except BadSecret as exc:
        raise SourceAuthError(f"source {source.name}: {exc}") from None
    token = access_token_from_service_account(info, session=session, source=source.name, origin=describe(ref))
    return GoogleFormsForm(session, source=source.name, form_id=source.form_id, access_token=token, **base)


#: The registry: a web form's ``kind`` -> how its connector is built. A new provider is a
#: model in ``models.campaign``, a connector, its answer reader in ``transforms.answers`` and
#: one line here (``tests/flows/test_sources.py`` fails on a form kind without one).
FORM_CONNECTORS: dict[str, ConnectorBuilder] = {
    "tally": _tally,
    "typeform": _typeform,
    "helloasso": _helloasso,
    "google_forms": _google_forms,
}


def google_sheets(campaign: Campaign, layouts: dict[str, Any]) -> RosterSheets:
    """One Sheets client and rate limiter for the whole run, shared by every site."""
    from google.oauth2.credentials import Credentials as TokenCredentials
    from google.oauth2.service_account import Credentials as ServiceAccountCredentials

    refs = campaign.google.credentials
    if "service_account" in refs:
        info = load_json_secret(
            refs["service_account"], "the Google service-account key (google.credentials.service_account)"
        )
        credentials = ServiceAccountCredentials.from_service_account_info(info, scopes=SHEETS_SCOPES)
    else:
        credentials = TokenCredentials(token=resolve_secret(refs["access_token"]))
    limiter = RateLimiter(shared=shared_google_quota())  # shared with other workers, when set up
    client = connect(credentials, base_url=campaign.google.base_url, limiter=limiter)
    return RosterSheets(client, layouts=layouts)
