"""Catalogue of quarantine reasons and warnings, in French for coordinators and English for ops.

Texts are fixed sentences: they never quote the row's values, because those are personal
data and the reasons are shown in logs and dashboards.
"""

from __future__ import annotations

from typing import NamedTuple

from rollcall.models.records import Rejection


class ReasonText(NamedTuple):
    """One message in the two languages rollcall speaks."""

    fr: str
    en: str


REJECTION_TEXTS: dict[str, ReasonText] = {
    "missing_name": ReasonText(
        "Nom et prénom absents",
        "First and last name are missing",
    ),
    "name_too_long": ReasonText(
        "Nom ou prénom anormalement long (plus de 255 caractères) : ce n'est sans doute pas "
        "un nom. Corrigez la ligne dans la source.",
        "First or last name is abnormally long (over 255 characters): probably not a name. Fix the row in the source.",
    ),
    "no_contact": ReasonText(
        "Ni e-mail ni téléphone utilisable : impossible de recontacter cette personne. "
        "Ajoutez une adresse e-mail ou un numéro de téléphone valide.",
        "No usable email address or phone number: this person cannot be contacted. "
        "Add a valid email address or phone number.",
    ),
    "invalid_email_no_phone": ReasonText(
        "L'adresse e-mail n'est pas valide et aucun téléphone n'est indiqué. "
        "Corrigez l'adresse e-mail ou ajoutez un numéro de téléphone.",
        "The email address is not valid and no phone number was given. Fix the email address or add a phone number.",
    ),
    "unknown_site": ReasonText(
        "Le lieu indiqué ne correspond à aucun site de la campagne. Corrigez le lieu dans "
        "la feuille ou le formulaire, ou ajoutez cette orthographe aux alias du site dans "
        "la configuration.",
        "The place given matches no site of the campaign. Fix the place in the sheet or "
        "form, or add this spelling to the site's aliases in the configuration.",
    ),
    "ambiguous_site": ReasonText(
        "Le lieu indiqué peut correspondre à plusieurs sites (par exemple un numéro de "
        "département commun à deux sites, ou une ville et un code postal qui ne vont pas "
        "ensemble). Indiquez la ville du site dans la feuille ou le formulaire.",
        "The place given could mean several sites (for example a département number shared "
        "by two sites, or a city and a postcode that do not agree). Give the site's city in "
        "the sheet or form.",
    ),
    "missing_site": ReasonText(
        "Aucun lieu indiqué : impossible de savoir à quelle journée cette personne "
        "s'inscrit. Ajoutez le site dans la feuille, ou associez une colonne « lieu » "
        "dans la configuration de la source.",
        "No place given: we cannot tell which day this person signed up for. Add the site "
        "in the sheet, or map a place column in the source's configuration.",
    ),
    # Rows a file reader could not read with confidence (connectors.files): kept raw, the
    # rest of the file lands. The row and line are in the record's locator.
    "nul_byte": ReasonText(
        "La ligne contient un caractère nul (octet 0), qui n'est pas du texte. Corrigez la "
        "ligne dans le fichier, ou exportez-le à nouveau.",
        "The row holds a NUL byte, which is not text. Fix the row in the file, or export it again.",
    ),
    "cell_too_long": ReasonText(
        "Une cellule de la ligne dépasse 131 072 caractères : ce n'est pas une réponse. "
        "Raccourcissez-la dans le fichier.",
        "A cell of the row is over 131,072 characters: not an answer. Shorten it in the file.",
    ),
    "unclosed_quote": ReasonText(
        "Un guillemet (\") ouvert dans la ligne n'est jamais fermé : la ligne ne peut pas être "
        "découpée en colonnes. Fermez ou retirez le guillemet dans le fichier.",
        'A quote (") opened in the row is never closed: the row cannot be split into columns. '
        "Close or remove the quote in the file.",
    ),
    "broken_row": ReasonText(
        "La ligne ne peut pas être découpée en colonnes (un retour à la ligne isolé au milieu "
        "d'une cellule ?). Corrigez la ligne dans le fichier.",
        "The row cannot be split into cells (a stray line break inside a cell?). Fix the row in the file.",
    ),
    "undecodable_text": ReasonText(
        "Le texte de la ligne n'est pas lisible dans l'encodage du fichier (une ligne collée "
        "depuis un autre fichier ?). Retapez la ligne, ou enregistrez le fichier en « CSV UTF-8 ».",
        "The row's text does not decode in the file's encoding (a row pasted from another file?). "
        'Retype the row, or save the file as "CSV UTF-8".',
    ),
    "garbled_text": ReasonText(
        "Le texte de la ligne est déformé (par exemple « Ã© » au lieu de « é ») : le fichier a été "
        "lu ou enregistré avec un mauvais encodage. Corrigez la ligne, ou retirez `encoding` de "
        "la configuration de la source.",
        'The row\'s text is garbled (e.g. "Ã©" for "é"): the file was read or saved with the '
        "wrong encoding. Fix the row, or remove `encoding` from the source's configuration.",
    ),
    "value_too_long": ReasonText(
        "Une valeur (e-mail, téléphone, lieu, date...) est anormalement longue (plus de 4 096 "
        "caractères) : corrigez la ligne dans la source.",
        "A value (email, phone, place, date...) is abnormally long (over 4,096 characters): fix the row in the source.",
    ),
    "bad_row": ReasonText(
        "Ligne vide ou inutilisable : elle ne contient aucune valeur exploitable.",
        "Empty or unusable row: it holds no usable value.",
    ),
}

WARNING_TEXTS: dict[str, ReasonText] = {
    "invalid_email": ReasonText(
        "Adresse e-mail non valide ignorée ; le numéro de téléphone est conservé.",
        "Invalid email address dropped; the phone number is kept.",
    ),
    "invalid_phone": ReasonText(
        "Numéro de téléphone non valide ignoré ; l'adresse e-mail est conservée.",
        "Invalid phone number dropped; the email address is kept.",
    ),
    "unparsed_date": ReasonText(
        "Date d'inscription illisible : elle est laissée vide.",
        "The sign-up date could not be read: it is left empty.",
    ),
    "unparsed_age": ReasonText(
        "Âge ou date de naissance illisible : on ne sait pas si la personne est mineure.",
        "The age or birth date could not be read: whether the person is a minor is unknown.",
    ),
    "suspicious_email_domain": ReasonText(
        "Le domaine de l'adresse e-mail ressemble à une faute de frappe (par exemple "
        "« gmial.com ») : vérifiez-la avec la personne. L'adresse n'a pas été modifiée.",
        'The email domain looks like a typo (for example "gmial.com"): check it with the '
        "person. The address was not changed.",
    ),
}


def rejection(code: str, field: str | None = None) -> Rejection:
    """Build the Rejection for ``code``, so every quarantine reason reads the same everywhere.

    An unknown code is a programming error, not bad data, hence the ValueError.
    """
    try:
        text = REJECTION_TEXTS[code]
    except KeyError:
        raise ValueError(f"unknown rejection code: {code!r}") from None
    return Rejection(code=code, field=field, fr=text.fr, en=text.en)
