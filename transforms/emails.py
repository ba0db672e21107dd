"""Email addresses: validate the syntax, lower-case, and flag obvious domain typos."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

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


#: Gmail ignores dots in the local part, and googlemail.com is the same mailbox.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

#: Local parts that say "no email" in a valid-looking address ("nc@nc.fr",
#: "pasdemail@gmail.com"): shared by many people, they are no contact at all.
PLACEHOLDER_LOCALS = frozenset({
    "nc", "na", "nd", "non", "none", "no", "aucun", "aucune", "neant", "pasdemail", "pasdemel",
    "pasdadresse", "pasdemails", "nomail", "noemail", "sansmail", "sansemail", "inconnu",
    "test", "xxx", "xx", "x", "vide", "nope", "rien", "personne", "noreply", "nepasrepondre",
})  # fmt: skip
_NOT_LETTERS = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class EmailResult:
    """A valid address: ``email`` to show, as typed (lower-cased); ``key`` for "the same
    mailbox" (``address_key``), what matching, erasure and the erased check all compare."""

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
    address = text.lower()
    if not _plainly_valid(address):
        try:
            address = validate_email(text, check_deliverability=False).normalized.lower()
        except (EmailNotValidError, ValueError, UnicodeError):
            return InvalidValue("not a valid email address")
    domain = address.rpartition("@")[2]
    return EmailResult(email=address, key=address_key(address), suspicious_domain=domain in SUSPICIOUS_DOMAINS)


def address_key(address: str) -> str:
    """One key per mailbox, from a valid lower-cased address: a ``+tag`` is dropped
    ("jean+asso@free.fr" -> "jean@free.fr": the same mailbox at every provider that accepts
    tags, and a tag is never part of a real French address otherwise), and so are Gmail's dots
    ("jean.dupont@googlemail.com" -> "jeandupont@gmail.com")."""
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def is_placeholder_key(key: str) -> bool:
    """An address typed to fill a required field, nobody's ("nc@nc.fr", "pas.de.mail@gmail.com",
    "x@nc.com"): never "the same email" as another, never an erased person's."""
    local, _, domain = key.rpartition("@")
    letters = _NOT_LETTERS.sub("", local)
    return letters in PLACEHOLDER_LOCALS or domain.split(".", 1)[0] in PLACEHOLDER_LOCALS - {"x"}


#: An ASCII address whose validity is plain: dot-separated atoms before the @, host labels
#: that neither start nor end with a hyphen, a letters-only top-level domain.
_PLAIN_ADDRESS = re.compile(
    r"[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_SPECIAL_USE_NAMES = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _plainly_valid(address: str) -> bool:
    """Whether email-validator would accept this lower-case address unchanged, decided
    without it: it costs ~30 µs an address, 3 s of a 100,000-row first sync, and most
    addresses are plain. Anything else (Unicode, quotes, "xn--" labels it must decode,
    special-use names, lengths near the limits) goes through email-validator;
    ``tests/transforms/test_emails.py`` checks the two agree."""
    if len(address) > 254 or not _PLAIN_ADDRESS.fullmatch(address):
        return False
    local, _, domain = address.rpartition("@")
    return len(local) <= 64 and "--" not in domain and domain.rsplit(".", 1)[1] not in _SPECIAL_USE_NAMES


def _unwrap(raw: str | None) -> str:
    """Remove spaces, a "mailto:" prefix, "<...>" around the address and trailing punctuation."""
    text = "".join(clean(raw).split())
    if "<" in text and text.endswith(">"):
        text = text[text.rfind("<") + 1 : -1]
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip(".,;:")
