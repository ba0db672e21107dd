import pytest

from rollcall.transforms.names import name_key, split_full_name, tidy_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("MARTIN", "Martin", id="family_name_all_caps"),
        pytest.param("jean-pierre", "Jean-Pierre", id="compound_first_name_lower_case"),
        pytest.param("d'ARTAGNAN", "d'Artagnan", id="lower_particle_before_caps_kept"),
        pytest.param("D'ARTAGNAN", "D'Artagnan", id="particle_at_start_all_caps"),
        pytest.param("DE LA FONTAINE", "De la Fontaine", id="particles_after_start_lowered"),
        pytest.param("jean de la fontaine", "Jean de la Fontaine", id="particles_inside_full_name"),
        pytest.param("JEAN DE LA FONTAINE", "Jean de la Fontaine", id="particles_inside_all_caps"),
        pytest.param("LE GOFF", "Le Goff", id="le_as_last_word_is_a_name"),
        pytest.param("o'brien", "O'Brien", id="apostrophe_inside_name"),
        pytest.param("McDonald", "McDonald", id="mixed_case_kept"),
        pytest.param("de Villepin", "de Villepin", id="mixed_case_particle_kept"),
        pytest.param("ÉLODIE", "Élodie", id="accent_kept_when_recased"),
        pytest.param("  Jean   Pierre \n", "Jean Pierre", id="inner_whitespace_collapsed"),
        pytest.param("Zo\u200be\u200f", "Zoe", id="zero_width_and_bidi_marks"),
        pytest.param("Marie\x00\x07", "Marie", id="control_characters"),
        pytest.param("Jose\u0301", "José", id="decomposed_accent_composed"),
        pytest.param("=cmd()", "=Cmd()", id="formula_is_just_text"),
        pytest.param("李小龙", "李小龙", id="caseless_script_kept"),
        pytest.param(None, "", id="none"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_tidy_name(raw: str | None, expected: str) -> None:
    assert tidy_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Jean-Pierre", "jean pierre", id="hyphen"),
        pytest.param("JEAN PIERRE", "jean pierre", id="all_caps"),
        pytest.param("Jéan-Pierre", "jean pierre", id="accent_and_hyphen"),
        pytest.param("Ségolène", "segolene", id="accents"),
        pytest.param("d’Artagnan", "d artagnan", id="typographic_apostrophe"),
        pytest.param(" J.  P. ", "j p", id="dots_and_spaces"),
        pytest.param(None, "", id="none"),
    ],
)
def test_name_key(raw: str | None, expected: str) -> None:
    assert name_key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Marie DUPONT", ("Marie", "DUPONT"), id="family_name_all_caps"),
        pytest.param("DUPONT Marie", ("Marie", "DUPONT"), id="family_name_first"),
        pytest.param("Jean-Pierre DE LA FONTAINE", ("Jean-Pierre", "DE LA FONTAINE"), id="caps_particles"),
        pytest.param("Marie de la FONTAINE", ("Marie", "de la FONTAINE"), id="lower_particles_before_caps"),
        pytest.param("Marie d'ARTAGNAN", ("Marie", "d'ARTAGNAN"), id="elided_particle"),
        pytest.param("Jean de la Fontaine", ("Jean", "de la Fontaine"), id="no_caps_first_word_first"),
        pytest.param("JEAN DUPONT", ("JEAN", "DUPONT"), id="all_caps_first_word_first"),
        pytest.param("J. DUPONT", ("J.", "DUPONT"), id="initial_is_not_a_family_name"),
        pytest.param("Dupont, Marie", ("Marie", "Dupont"), id="comma_puts_last_name_first"),
        pytest.param("DUPONT", ("", "DUPONT"), id="single_caps_word"),
        pytest.param("Marie", ("Marie", ""), id="single_word"),
        pytest.param(None, ("", ""), id="none"),
    ],
)
def test_split_full_name(raw: str | None, expected: tuple[str, str]) -> None:
    assert split_full_name(raw) == expected
