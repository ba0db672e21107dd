"""The small privacy campaign (``privacy_fixtures``) as a fixture for this folder's tests."""

from privacy_fixtures import campaign_db  # noqa: F401 - a fixture
