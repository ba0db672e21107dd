"""Turn one source record's canonical fields into a NormalisedSignup, or say why not."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from rollcall.models.records import NormalisedSignup, Rejection, Site
from rollcall.transforms.dates import parse_submitted_at
from rollcall.transforms.emails import EmailResult, normalise_email
from rollcall.transforms.names import name_key, split_full_name, tidy_name
from rollcall.transforms.phones import normalise_phone
from rollcall.transforms.reasons import rejection
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.text import clean, fold
from rollcall.transforms.values import InvalidValue

#: Longer is not a name (a pasted paragraph, an attack): the database and rosters expect less.
MAX_NAME_LENGTH = 255
#: A time slot or a remark longer than this is cut (with "…"): a roster cell, not a letter.
MAX_NOTE_LENGTH = 500
ADULT_AGE = 18
_NO_WORDS = frozenset({"non", "n", "no", "false", "faux", "0"})
#: Longer is no field's value (the longest, an email, is 320): checked on the raw text *before*
#: cleaning and folding, whose cost grows with the length (10 MB took 10-50 s of CPU).
MAX_INPUT_LENGTH = 4096
#: Free text a coordinator reads: cut (never refused) when over-long, before it is cleaned.
NOTE_FIELDS = frozenset({"time_slot", "remarks"})

_CONSENT_WORDS = frozenset(
    {"oui", "o", "yes", "y", "true", "vrai", "1", "1 0", "x", "ok", "on", "checked",
     "accepte", "accepted", "d accord", "agree"}
)  # fmt: skip
_CONSENT_PREFIXES = ("oui ", "yes ", "j accepte", "i accept", "i agree", "je suis d accord")
_CONSENT_MARKS = frozenset("✓✔☑✅")
_CANCELLED_STATUSES = frozenset(
    {"annule", "annulee", "canceled", "cancelled", "refunded", "rembourse", "remboursee",
     "supprime", "supprimee",
     # HelloAsso item states that mean the person is not coming (its "Waiting" is a payment
     # still pending, not a withdrawal, and stays registered)
     "deleted", "refused", "abandoned"}
)  # fmt: skip


def normalise_signup(
    fields: Mapping[str, str | None], sites: SiteCatalog, *, tz: str = "Europe/Paris"
) -> NormalisedSignup | Rejection:
    """Normalise one record keyed by SIGNUP_FIELDS; any key may be missing. Never raises on values.

    Rules, in order:
    0. A value over MAX_INPUT_LENGTH characters -> name_too_long (a name field) or
       value_too_long, before any cleaning (whose cost grows with the length).
    1. No field holds a letter or digit -> bad_row.
    2. Names from first_name/last_name; if both are empty, split full_name ("Marie DUPONT").
       Both still empty -> missing_name; over 255 characters -> name_too_long. Names are
       tidied for display, folded for keys.
    3. Email and phone: neither usable -> invalid_email_no_phone when an email was typed but
       is invalid and no phone was typed, else no_contact. One invalid and the other valid ->
       accepted with warning invalid_email / invalid_phone. A typo-looking email domain ->
       warning suspicious_email_domain (address kept as typed).
    4. Site: ``site`` decides when given (its rejection is returned); else ``city`` and
       ``postcode`` are read together, so "Vincennes" + "94300" gives Créteil and "Paris" +
       "93200" is ambiguous_site. Nothing given -> missing_site.
    5. submitted_at: unreadable -> warning unparsed_date and None.
    6. consent: None when the source has no consent key; else True only for a clear yes
       ("oui", "x", "✓", "J'accepte...").
    7. cancelled: status is annulé(e), cancelled, refunded, remboursé(e) or supprimé(e), or
       HelloAsso's Deleted, Refused or Abandoned.
    8. time_slot and remarks: kept as typed, on one line, cut at 500 characters.
    9. minor: from ``age`` (a number of years, or a birth date read like submitted_at, the
       age taken on the site's day) when readable, else from a yes/no ``minor`` answer; None
       when neither says. Only the flag is kept, never the birth date. Unreadable -> warning
       unparsed_age.
    """
    too_long = _too_long(fields)
    if too_long is not None:
        return too_long
    values = {key: clean(None if value is None else str(value)[:MAX_INPUT_LENGTH]) for key, value in fields.items()}
    if not any(fold(value) for value in values.values()):
        return rejection("bad_row")
    first_name, last_name = _names(values)
    if not first_name and not last_name:
        return rejection("missing_name")
    if max(len(first_name), len(last_name)) > MAX_NAME_LENGTH:
        return rejection("name_too_long", "first_name" if len(first_name) > MAX_NAME_LENGTH else "last_name")
    contact = _contact(values.get("email"), values.get("phone"))
    if isinstance(contact, Rejection):
        return contact
    site = _site(values, sites)
    if isinstance(site, Rejection):
        return site
    email, phone, warnings = contact
    submitted_at = parse_submitted_at(values.get("submitted_at"), tz)
    if isinstance(submitted_at, InvalidValue):
        warnings, submitted_at = (*warnings, "unparsed_date"), None
    minor = _minor(values.get("age"), values.get("minor"), site.date, tz)
    if isinstance(minor, InvalidValue):
        warnings, minor = (*warnings, "unparsed_age"), None
    return NormalisedSignup(
        first_name=first_name,
        last_name=last_name,
        site_code=site.code,
        email=email.email if email else None,
        email_key=email.key if email else None,
        phone=phone,
        submitted_at=submitted_at,
        consent=_consent(values["consent"]) if "consent" in values else None,
        cancelled=fold(values.get("status")) in _CANCELLED_STATUSES,
        warnings=warnings,
        time_slot=_note(values.get("time_slot")),
        remarks=_note(values.get("remarks")),
        minor=minor,
    )


def _too_long(fields: Mapping[str, str | None]) -> Rejection | None:
    """The input-length check, before any expensive work: an over-long name is
    name_too_long (as after cleaning), any other over-long value value_too_long."""
    for key, value in fields.items():
        if key not in NOTE_FIELDS and value is not None and len(str(value)) > MAX_INPUT_LENGTH:
            names = ("first_name", "last_name", "full_name")
            return rejection("name_too_long" if key in names else "value_too_long", key)
    return None


def _names(values: Mapping[str, str]) -> tuple[str, str]:
    """Tidied (first, last): the separate columns win; a single full-name column is split.

    A name without any letter or digit ("-", "?") counts as empty.
    """
    first, last = _usable_name(values.get("first_name")), _usable_name(values.get("last_name"))
    if first or last:
        return first, last
    split_first, split_last = split_full_name(values.get("full_name"))
    return _usable_name(split_first), _usable_name(split_last)


def _usable_name(raw: str | None) -> str:
    """The tidied name, or "" when it has nothing to match on."""
    name = tidy_name(raw)
    return name if name_key(name) else ""


def _contact(
    raw_email: str | None, raw_phone: str | None
) -> tuple[EmailResult | None, str | None, tuple[str, ...]] | Rejection:
    """Return (email, phone, warnings), or the rejection when nobody could be contacted."""
    email, phone = normalise_email(raw_email), normalise_phone(raw_phone)
    valid_email = email if isinstance(email, EmailResult) else None
    valid_phone = phone if isinstance(phone, str) else None
    if valid_email is None and valid_phone is None:
        if isinstance(email, InvalidValue) and phone is None:
            return rejection("invalid_email_no_phone", "email")
        return rejection("no_contact")
    warnings: list[str] = []
    if isinstance(email, InvalidValue):
        warnings.append("invalid_email")
    if isinstance(phone, InvalidValue):
        warnings.append("invalid_phone")
    if valid_email and valid_email.suspicious_domain:
        warnings.append("suspicious_email_domain")
    return valid_email, valid_phone, tuple(warnings)


def resolve_site(fields: Mapping[str, str | None], sites: SiteCatalog) -> Site | Rejection:
    """The site a record's fields name (rule 4), as ``normalise_signup`` reads it."""
    return _site({key: clean(value) for key, value in fields.items()}, sites)


def _site(values: Mapping[str, str], sites: SiteCatalog) -> Site | Rejection:
    """Resolve the site column, else city and postcode together (rule 4)."""
    site = sites.resolve(values.get("site"))
    if site is not None:
        return site if isinstance(site, Site) else rejection(site.code, "site")
    city, postcode = values.get("city", ""), values.get("postcode", "")
    place = sites.resolve(f"{city} ({postcode})" if postcode else city)
    if place is None:
        return rejection("missing_site")
    if isinstance(place, Site):
        return place
    return rejection(place.code, "city" if city else "postcode")


def _consent(raw: str) -> bool:
    """True only for a clear yes: an unticked or unclear answer is not consent (RGPD)."""
    if raw in _CONSENT_MARKS:
        return True
    answer = fold(raw)
    return answer in _CONSENT_WORDS or answer.startswith(_CONSENT_PREFIXES)


def _note(raw: str | None) -> str | None:
    """A time slot or remark for the roster (rule 8); None when there is nothing to read."""
    if not raw or not fold(raw):
        return None
    return raw if len(raw) <= MAX_NOTE_LENGTH else raw[: MAX_NOTE_LENGTH - 1] + "…"


def _minor(age: str | None, answer: str | None, day: date, tz: str) -> bool | InvalidValue | None:
    """Rule 9: "16" -> True; "2008-03-12" for a day on 2022-10-08 -> True (14); "oui" -> True."""
    if age:
        text = age.strip()
        if text.isdigit() and len(text) <= 3:
            return int(text) < ADULT_AGE
        born = parse_submitted_at(text, tz)
        if isinstance(born, InvalidValue) or born is None:
            return InvalidValue("unparsed age") if answer is None else _yes_no(answer)
        birth = born.astimezone(ZoneInfo(tz)).date()
        years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        return years < ADULT_AGE
    return _yes_no(answer) if answer else None


def _yes_no(answer: str) -> bool | InvalidValue | None:
    folded = fold(answer)
    if not folded:
        return None
    if folded in _NO_WORDS:
        return False
    return True if _consent(answer) else InvalidValue("unparsed minor answer")


def gives_consent(raw: str | None) -> bool:
    """Rule 6 on a raw answer: a clear yes only."""
    return _consent(clean(raw))


def says_cancelled(raw: str | None) -> bool:
    """Rule 7 on a raw provider status."""
    return fold(clean(raw)) in _CANCELLED_STATUSES
