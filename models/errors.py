"""The one base of the errors rollcall raises on purpose, and what each kind asks of people.

Every such error's message names what failed and says what to do, in a line or two. Its
``kind`` says who acts, so the flows treat every family (sources, Google Sheets, files, the
campaign file, secrets) the same way:

- ``transient``: the provider or the network was unavailable; the flow retries it, and the
  next night tries again. Nobody needs to act unless it lasts.
- ``configuration``: a setting, a credential or an access right is wrong or missing; retrying
  cannot help. Ops fix the campaign file, the secret or the sharing.
- ``data``: what a source or a sheet holds cannot be read as it is; retrying cannot help.
  Whoever keeps that file or sheet fixes it (the message names it).
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["transient", "configuration", "data"]
TRANSIENT: ErrorKind = "transient"
CONFIGURATION: ErrorKind = "configuration"
DATA: ErrorKind = "data"


class RollcallError(Exception):
    """An error rollcall raises on purpose; ``kind`` classifies it (see the module)."""

    kind: ErrorKind = DATA

    @property
    def transient(self) -> bool:
        """Worth retrying as it is: waiting may fix it."""
        return self.kind == TRANSIENT
