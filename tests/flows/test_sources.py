"""The registry of web-form connectors covers every form kind a campaign file may name."""

from __future__ import annotations

import typing

from rollcall.flows.sources import FORM_CONNECTORS
from rollcall.models.campaign import FORM_KINDS, FormSource


def test_every_form_kind_has_a_connector_builder():
    assert set(FORM_CONNECTORS) == set(FORM_KINDS)


def test_every_form_model_is_a_registered_kind():
    kinds = {typing.get_args(model.model_fields["kind"].annotation)[0] for model in FormSource.__subclasses__()}
    assert kinds == set(FORM_CONNECTORS)
