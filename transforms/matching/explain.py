"""Evidence of a pair, as codes for storage and as a French sentence for coordinators."""

from __future__ import annotations

from functools import lru_cache

from rollcall.transforms.matching.names import (
    CLOSE,
    DIFFERENT,
    DISSIMILAR,
    EXACT,
    FAR,
    LEVEL_NAMES,
    MISSING,
    PARTIAL,
    SAME,
    SHORT,
)
from rollcall.transforms.matching.rules import ABSENT, CONFLICT, CONTACT_NAMES, EQUAL, NEAR

_CONTACT_FR = {
    "email": {EQUAL: "même email", NEAR: "email presque identique (domaine mal tapé ?)",
              CONFLICT: "emails différents"},
    "phone": {EQUAL: "même téléphone", NEAR: "téléphone à un chiffre près",
              CONFLICT: "téléphones différents"},
}  # fmt: skip
_NAME_FR = {
    "first": ("prénom", "prénoms"),
    "last": ("nom", "noms"),
}


@lru_cache(maxsize=4096)
def evidence_codes(
    email: int, phone: int, first: int, last: int, site: int, swapped: bool, rare: bool, one_field: bool = False
) -> tuple[str, ...]:
    """("email:equal", "phone:absent", "first:close", "last:exact", "site:equal", "rare_name")."""
    codes = (
        f"email:{CONTACT_NAMES[email]}", f"phone:{CONTACT_NAMES[phone]}",
        f"first:{LEVEL_NAMES[first]}", f"last:{LEVEL_NAMES[last]}", f"site:{CONTACT_NAMES[site]}",
    )  # fmt: skip
    return (
        codes
        + (("swapped",) if swapped else ())
        + (("one_field",) if one_field else ())
        + (("rare_name",) if rare else ())
    )


def explain_fr(
    *,
    email: int,
    phone: int,
    first: int,
    last: int,
    site: int,
    swapped: bool,
    rare: bool,
    names: tuple[str, str, str, str],
    one_field: bool = False,
) -> str:
    """ "même téléphone, prénom proche : Jean-Pierre / Jean Pierre, même nom, même site".

    ``names`` is (first a, first b, last a, last b) as typed, already put in the compared order.
    """
    parts = [_CONTACT_FR[field][state] for field, state in (("email", email), ("phone", phone)) if state != ABSENT]
    if swapped:
        parts.append("prénom et nom inversés")
    if one_field:
        parts.append("nom complet dans un seul champ")
    parts.append(_name_fr("first", first, names[0], names[1]))
    parts.append(_name_fr("last", last, names[2], names[3]))
    if site == EQUAL:
        parts.append("même site")
    elif site == CONFLICT:
        parts.append("sites différents")
    parts.append("nom rare" if rare else "nom courant")
    return ", ".join(parts)


def _name_fr(field: str, level: int, a: str, b: str) -> str:
    one, many = _NAME_FR[field]
    if level == EXACT:
        return f"même {one}"
    if level in (SAME, CLOSE, PARTIAL):
        return f"{one} proche : {a} / {b}"
    if level == SHORT:
        return f"{one} composé abrégé : {a} / {b}"
    if level in (FAR, DISSIMILAR):
        return f"{one} mal tapé ? {a} / {b}"
    if level == MISSING:
        return f"{one} manquant"
    assert level == DIFFERENT
    return f"{many} différents : {a} / {b}"
