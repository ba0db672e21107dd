"""Matching keys: what a sign-up is compared on, computed once per distinct value.

At a million rows most values repeat (first names, sites, domains), so every derivation runs
once per distinct raw value and the rows only carry integer codes into shared vocabularies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from rollcall.models.records import Site
from rollcall.transforms.emails import (
    SUSPICIOUS_DOMAINS,
    EmailResult,
    address_key,
    is_placeholder_key,
    normalise_email,
)
from rollcall.transforms.names import name_key
from rollcall.transforms.phones import is_placeholder_national, normalise_phone
from rollcall.transforms.sites import SiteCatalog
from rollcall.transforms.text import fold

MISSING = 0  # code of the empty value in every vocabulary

_SIMPLE_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}")
_PHONE_CHARS = frozenset("0123456789 +.-()/\u00a0")
_NOT_LETTERS = re.compile(r"[^a-z]")
_NOT_DIGITS = re.compile(r"[^0-9]")
_MOJIBAKE_MARKS = ("Ã", "Â", "Å")


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One sign-up as the matcher sees it: raw text as typed, identified by ``record_id``."""

    record_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    site: str | None = None
    city: str | None = None
    submitted_at: str | None = None
    source: str | None = None


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(MatchRecord))


def records_to_columns(records: Iterable[MatchRecord]) -> dict[str, list[str | None]]:
    """Column-wise view of records, the shape every matching function takes."""
    rows = list(records)
    return {name: [getattr(r, name) for r in rows] for name in COLUMNS}


class Vocabulary:
    """Distinct strings and their codes; code 0 is the empty value. Shared by index and batches."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": MISSING}
        self.values: list[str] = [""]

    def encode(self, values: Sequence[str]) -> np.ndarray:
        codes, table, out = self.codes, self.values, np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            code = codes.get(value)
            if code is None:
                code = codes[value] = len(table)
                table.append(value)
            out[i] = code
        return out

    def __len__(self) -> int:
        return len(self.values)


def factorize(values: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """Codes of ``values`` into their distinct values; anything not a string counts as "".

    One dict lookup a value, the type looked at once per distinct value (not per row).
    """
    table: dict[object, int] = {}
    setdefault = table.setdefault
    codes = np.fromiter((setdefault(v, len(table)) for v in values), dtype=np.int64, count=len(values))
    uniques = list(table)
    if all(isinstance(u, str) for u in uniques):
        return codes, uniques  # type: ignore[return-value]
    strings = [u if isinstance(u, str) else None for u in uniques]
    if "" not in strings:
        strings.append("")
    empty = strings.index("")
    remap = np.array([empty if u is None else i for i, u in enumerate(strings)], np.int64)
    return remap[codes], [u if u is not None else "\x00unused" for u in strings]


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1/CP1252 ("HÃ©lÃ¨ne" -> "Hélène"); other text is unchanged."""
    if not any(mark in text for mark in _MOJIBAKE_MARKS):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


#: Civilities typed into name fields; never part of the name ("Mme Marie Dupont").
CIVILITIES = frozenset({"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle", "dr"})


def match_name(raw: str) -> str:
    """Folded name for matching ("HÃ©lÃ¨ne  MÜLLER" -> "helene muller", "Mme Dupont" -> "dupont")."""
    words = name_key(repair_mojibake(raw)).split()
    while len(words) > 1 and words[0] in CIVILITIES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class EmailKeys:
    """``key`` compares addresses (Gmail dots and +tags dropped); ``local`` (dots dropped, as
    "gmial.com" is not known to ignore them) and ``domain`` let a domain typo be seen, never
    rewritten; ``suspicious`` flags a known typo domain."""

    key: str
    local: str
    domain: str
    suspicious: bool
    letters: str = ""  # the local part's letters only: "jean.dupont2" -> "jeandupont"


NO_EMAIL = EmailKeys("", "", "", False)


def email_keys(raw: str) -> EmailKeys:
    """ "Jean.Dupont+JE@GMail.com " -> key "jeandupont@gmail.com".

    Fast path: a plain address after removing spaces and lower-casing is taken as is;
    email-validator costs ~30 µs an address, which is 30 s at a million distinct addresses.
    Anything unusual (quotes, "mailto:", "Name <addr>", Unicode) goes through normalise_email.
    """
    text = "".join(raw.split()).lower()
    if not _SIMPLE_EMAIL.fullmatch(text):
        result = normalise_email(raw)
        if not isinstance(result, EmailResult):
            return NO_EMAIL
        text = result.email
    key = address_key(text)
    if is_placeholder_key(key):
        return NO_EMAIL
    local, _, domain = key.rpartition("@")
    letters = _NOT_LETTERS.sub("", local)
    return EmailKeys(
        key,
        local.replace(".", ""),
        domain,
        domain in SUSPICIOUS_DOMAINS,
        letters if len(letters) >= 5 else "",
    )


def phone_key(raw: str) -> str:
    """E.164 phone ("06 12 34 56 78", "+33 (0)6 12 34 56 78", "0033612345678" -> "+33612345678").

    Placeholders are no phone: "0000000000", "NC", "0600000000", "0123456789" (a staff sheet
    filling a required cell), so two of them are never "the same phone". ("06 11 11 11 11"
    may be someone's: kept.)

    Fast path for French numbers written with digits, spaces, dots, dashes or brackets:
    libphonenumber costs ~20 µs a number. Anything else (letters, other countries, floats
    from spreadsheets) goes through normalise_phone; an invalid number is "".
    """
    if raw and set(raw) <= _PHONE_CHARS:
        digits = _NOT_DIGITS.sub("", raw)
        plus = raw.lstrip().startswith("+")
        national = _french_national(digits, plus=plus)
        if national:
            return "" if is_placeholder_national(national) else "+33" + national
        if not digits.strip("0"):
            return ""
        if plus and not digits.startswith("33") and 8 <= len(digits) <= 15 and "(" not in raw:
            return "+" + digits  # another country, written plainly: "+32 470 12 34 56"
    result = normalise_phone(raw)
    if not isinstance(result, str):
        return ""
    return "" if result.startswith("+33") and is_placeholder_national(result[3:]) else result


def _french_national(digits: str, *, plus: bool) -> str:
    """The 9 national digits of a French number, or "" when the fast path cannot tell."""
    candidates = {
        10: ("0", 1), 11: ("33", 2), 12: ("330", 3), 13: ("0033", 4),
    }  # fmt: skip
    if len(digits) == 9 and not plus:
        national = digits  # a sheet dropped the leading zero: 612345678
    elif len(digits) in candidates and digits.startswith(candidates[len(digits)][0]):
        national = digits[candidates[len(digits)][1] :]
    else:
        return ""
    if len(digits) == 10 and plus:
        return ""
    return national if national[0] in "123456789" else ""


def site_key(raw: str, catalog: SiteCatalog | None) -> str:
    """The campaign site code ("St Denis" -> "STD"), or the folded text without a catalogue.

    Unknown or ambiguous places ("59": Lille or Roubaix?) give "": no evidence either way.
    """
    if catalog is None:
        return fold(raw)
    site = catalog.resolve(raw)
    return site.code if isinstance(site, Site) else ""


@dataclass
class PreparedKeys:
    """Codes of one batch of records into an index's vocabularies, plus what rows display."""

    record_id: list[str]
    first: np.ndarray
    last: np.ndarray
    email: np.ndarray
    email_local: np.ndarray
    email_letters: np.ndarray
    domain: np.ndarray
    phone: np.ndarray
    site: np.ndarray
    name_block: np.ndarray
    first_display: list[str]
    last_display: list[str]
    submitted_at: list[str]

    def __len__(self) -> int:
        return len(self.record_id)


class KeyMaker:
    """Derives matching keys with caches that outlive one batch (nightly runs repeat values)."""

    def __init__(self, catalog: SiteCatalog | None = None) -> None:
        self.catalog = catalog
        self.names, self.emails, self.locals, self.domains = (Vocabulary() for _ in range(4))
        self.phones, self.sites, self.blocks = Vocabulary(), Vocabulary(), Vocabulary()
        self.letters = Vocabulary()
        self._cache: dict[str, dict[str, object]] = {k: {} for k in ("name", "email", "phone", "site")}

    def prepare(self, columns: Mapping[str, Sequence[object]]) -> PreparedKeys:
        """Encode a column-wise batch (``MatchRecord`` field names; missing columns are empty)."""
        n = len(columns["record_id"])

        def column(name: str) -> list[object]:
            if name not in columns:
                return [""] * n
            values = columns[name]
            # a pandas column lists itself in C; iterating it boxes every value (seconds at 1M)
            return values.tolist() if hasattr(values, "tolist") else list(values)

        first = self._encode(column("first_name"), "name", match_name, self.names)
        last = self._encode(column("last_name"), "name", match_name, self.names)
        site_raw = [s if isinstance(s, str) and s.strip() else c for s, c in zip(column("site"), column("city"))]
        email_codes, emails = self._derive(column("email"), "email", email_keys, empty=NO_EMAIL)
        return PreparedKeys(
            record_id=[str(r) for r in column("record_id")],
            first=first,
            last=last,
            email=self.emails.encode([e.key for e in emails])[email_codes],
            email_local=self.locals.encode([e.local for e in emails])[email_codes],
            email_letters=self.letters.encode([e.letters for e in emails])[email_codes],
            domain=self.domains.encode([e.domain for e in emails])[email_codes],
            phone=self._encode(column("phone"), "phone", phone_key, self.phones),
            site=self._encode(site_raw, "site", self._site, self.sites),
            name_block=self._name_blocks(first, last),
            first_display=_texts(column("first_name")),
            last_display=_texts(column("last_name")),
            submitted_at=_texts(column("submitted_at")),
        )

    def _site(self, raw: str) -> str:
        return site_key(repair_mojibake(raw), self.catalog)

    def _derive(
        self, raw: list[object], kind: str, derive: Callable[[str], object], empty: object = ""
    ) -> tuple[np.ndarray, list]:
        """Codes of ``raw`` into its distinct values, and ``derive`` of each distinct value
        (cached across batches)."""
        codes, uniques = factorize(raw)
        cache = self._cache[kind]
        derived = []
        for value in uniques:
            if value not in cache:
                cache[value] = derive(value) if value.strip() else empty
            derived.append(cache[value])
        return codes, derived

    def _encode(self, raw: list[object], kind: str, derive: Callable[[str], str], vocabulary: Vocabulary) -> np.ndarray:
        codes, derived = self._derive(raw, kind, derive)
        return vocabulary.encode(derived)[codes]

    def _name_blocks(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Codes of the sorted name words of each record, derived once per (first, last)."""
        pairs, inverse = np.unique(first * len(self.names) + last, return_inverse=True)
        names = self.names.values
        blocks = [_block_key(names[p // len(self.names)], names[p % len(self.names)]) for p in pairs.tolist()]
        return self.blocks.encode(blocks)[inverse.reshape(-1)]


def _texts(values: list[object]) -> list[str]:
    return [v if isinstance(v, str) else "" for v in values]


def _block_key(first: str, last: str) -> str:
    """Name words sorted, so swapped names block together ("martin marie" == "marie martin"),
    and a full name typed in one field meets it typed in two ("margot louis" / "")."""
    words = (first + " " + last).split()
    return " ".join(sorted(words)) if len(words) >= 2 else ""
