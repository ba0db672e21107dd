"""Email addresses: validate the syntax, lower-case, and flag obvious domain typos."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from rollcall.transforms.text import clean
from rollcall.transforms.values import InvalidValue

#: Domains that are clear typos of common French providers. Flagged for a coordinator to
#: check with the person, never rewritten: guessing someone's address is worse than asking.
SUSPICIOUS_DOMAINS = frozenset(
    {
        "gmial.com", "gmal.com", "gamil.com", "gmail.con", "gmail.co",
        "hotmial.fr", "hotmial.com", "hotmal.fr",
        "yahou.fr", "yaho.fr", "outlok.fr",
        "orange.ff", "wanadoo.ff", "laposte.nte", "free.ff",
    }
)  # fmt: skip


@dataclass(frozen=True)
class EmailResult:
    """A valid address: ``email`` to show, ``key`` to match on (equal today; the key may later
    drop Gmail dots and +tags while the display keeps them)."""

    email: str
    key: str
    suspicious_domain: bool = False


def normalise_email(raw: str | None) -> EmailResult | InvalidValue | None:
    """Return the address lower-cased, an InvalidValue, or None when nothing was typed.

    Spaces anywhere ("jean .dupont @gmail.com"), "mailto:" and "Name <address>" wrappers are
    what forms and copy-paste add around an address, so they are removed before validating.
    The whole address is lower-cased: nobody means case in an address. The syntax is checked
    by email-validator without DNS, so runs stay offline and deterministic.
    """
    text = _unwrap(raw)
    if not any(char.isalnum() for char in text):
        return None
    try:
        address = validate_email(text, check_deliverability=False).normalized.lower()
    except (EmailNotValidError, ValueError, UnicodeError):
        return InvalidValue("not a valid email address")
    domain = address.rpartition("@")[2]
    return EmailResult(email=address, key=address, suspicious_domain=domain in SUSPICIOUS_DOMAINS)


def _unwrap(raw: str | None) -> str:
    """Remove spaces, a "mailto:" prefix, "<...>" around the address and trailing punctuation."""
    text = "".join(clean(raw).split())
    if "<" in text and text.endswith(">"):
        text = text[text.rfind("<") + 1 : -1]
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip(".,;:")
