"""Markers shared by the value normalisers (emails, phones, dates)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvalidValue:
    """A value was given but cannot be used.

    Returned instead of raised, so one bad cell becomes a warning or a quarantine reason
    rather than an exception that stops a run. ``reason`` is English and never quotes the
    value, because values are personal data.
    """

    reason: str
