"""The "Doublons à vérifier" workbook, as data: one row per pair of sign-ups that may be one
person, both sides field by field, and a *Décision* column the reviewer fills in.

Ops decide where they already work (a spreadsheet) instead of the command line; the next
sync reads the decisions back and applies them like ``rollcall review decide``. Pure: the
flow reads and writes the file, this module says what goes in it and what a typed decision
means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from unidecode import unidecode

from rollcall.models.ids import pair_ref, registration_ref, signup_ref, split_ref

TITLE = "Doublons à vérifier"
SAME, DIFFERENT = "Même personne", "Personnes différentes"
#: The reviewer's choices (a drop-down in the workbook).
CHOICES = (SAME, DIFFERENT)

SIDE_FIELDS = ("Prénom", "Nom", "Email", "Téléphone", "Site", "Source", "Inscrit le", "Réf. inscription")
HEADERS = (
    "Doublon",
    "Raisons",
    "Décision",
    "Remarque",
    *(f"{field} {side}" for side in ("A", "B") for field in SIDE_FIELDS),
    "Inscription A",
    "Inscription B",
)
DECISION, REMARK = "Décision", "Remarque"

NOT_UNDERSTOOD = f"Décision non comprise : choisissez « {SAME} » ou « {DIFFERENT} »."
UNKNOWN_PAIR = "Ces inscriptions n'existent plus : rien n'a été appliqué."
ALREADY_DECIDED = "Déjà décidé autrement (rollcall review decisions) : la décision enregistrée est gardée."

#: What a reviewer may type for each choice, folded (no accents, lower case).
_MEANINGS = {
    True: {"meme personne", "meme", "oui", "o", "m", "same", "yes", "identique", "doublon", "fusionner"},
    False: {
        "personnes differentes",
        "differentes",
        "different",
        "differents",
        "non",
        "n",
        "d",
        "no",
        "pas la meme personne",
        "separer",
    },
}


class Side(Protocol):
    """What a row shows of one sign-up (the flow passes its database rows)."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class PairView:
    """A pair to review: its id, its two sign-ups, the reasons in French."""

    pair_id: int
    signup_a: int
    signup_b: int
    reasons: str


@dataclass(frozen=True)
class TypedDecision:
    """A row read back: the two sign-ups and what the reviewer typed (None: nothing)."""

    signup_a: int
    signup_b: int
    typed: str | None

    @property
    def key(self) -> tuple[int, int]:
        return (min(self.signup_a, self.signup_b), max(self.signup_a, self.signup_b))


def meaning(typed: str | None) -> bool | None:
    """True for "same person", False for "different people", None when blank or not
    understood (``understood`` tells the two apart)."""
    folded = " ".join(unidecode(typed or "").lower().replace("-", " ").split()).strip(" .!")
    for same, words in _MEANINGS.items():
        if folded in words:
            return same
    return None


def understood(typed: str | None) -> bool:
    return not (typed or "").strip() or meaning(typed) is not None


def rows(
    pairs: Iterable[PairView],
    sides: Mapping[int, tuple[Any, str, str, str, int | None]],
    phone_text: Any,
    previous: Mapping[tuple[int, int], TypedDecision],
) -> list[list[str]]:
    """One row per open pair, in ``HEADERS`` order. ``sides`` maps a sign-up id to (sign-up,
    site label, source label, "Inscrit le" text, registration id or None). A decision typed
    earlier that could not be applied (not understood) is kept in its cell with a remark
    saying why."""
    out = []
    for pair in pairs:
        key = (min(pair.signup_a, pair.signup_b), max(pair.signup_a, pair.signup_b))
        typed = previous[key].typed if key in previous else None
        remark = "" if understood(typed) else NOT_UNDERSTOOD
        cells = [pair_ref(pair.pair_id), pair.reasons, (typed or "").strip(), remark]
        for signup_id in (pair.signup_a, pair.signup_b):
            signup, site, source, when, registration = sides[signup_id]
            cells += [
                signup.first_name,
                signup.last_name,
                signup.email or "",
                phone_text(signup.phone) if signup.phone else "",
                site,
                source,
                when,
                registration_ref(registration) if registration else "",
            ]
        out.append(cells + [signup_ref(pair.signup_a), signup_ref(pair.signup_b)])
    return out


def typed_decisions(headers: list[str], values: Iterable[list[Any]]) -> list[TypedDecision]:
    """The rows of a workbook read back, by header name (a reviewer may move or add columns),
    skipping rows without both sign-up ids."""
    where = {str(h).strip(): i for i, h in enumerate(headers) if h is not None}
    needed = ("Inscription A", "Inscription B", DECISION)
    if any(name not in where for name in needed):
        return []
    found = []
    for row in values:
        cells = [row[where[name]] if where[name] < len(row) else None for name in needed]
        a, b = (_signup_number(cell) for cell in cells[:2])
        if a is None or b is None:
            continue
        typed = str(cells[2]).strip() if cells[2] is not None and str(cells[2]).strip() else None
        found.append(TypedDecision(a, b, typed))
    return found


def _signup_number(cell: Any) -> int | None:
    found = split_ref(str(cell)) if cell is not None else None
    return found[1] if found and found[0] == "S" else None
