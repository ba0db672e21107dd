"""Pair rules, each on a few inline sign-ups with a comment per expected match."""

from __future__ import annotations

import pytest

from rollcall.transforms.matching import MatchRecord, resolve


def row(rid: str, first: str, last: str, email: str = "", phone: str = "", site: str = "Paris") -> MatchRecord:
    return MatchRecord(rid, first, last, email, phone, site, submitted_at=f"2022-09-0{rid[-1]}")


def people(rows: list[MatchRecord], catalog) -> set[frozenset[str]]:
    """The resolution as a set of groups of record ids."""
    by_person: dict[str, set[str]] = {}
    for rid, person in resolve(rows, catalog=catalog).person_of.items():
        by_person.setdefault(person, set()).add(rid)
    return {frozenset(g) for g in by_person.values()}


CASES = [
    pytest.param(
        [
            row("a1", "Hélène", "Müller", "helene.muller@gmail.com"),
            row("a2", "HELENE", "MULLER", "Helene.Muller+asso@GMAIL.com "),  # dots, tag, case: a1
            row("a3", "Hélène", "Müller", "hmuller@orange.fr", "06 12 34 56 78"),  # other email: review, apart
            row("a4", "Helene", "Muller", "", "+33 6 12 34 56 78"),  # a3's phone: a3
        ],
        [{"a1", "a2"}, {"a3", "a4"}],
        id="gmail_dots",
    ),
    pytest.param(
        [
            row("b1", "Sophie", "Vasseur", "svasseur@free.fr"),
            row("b2", "VASSEUR", "Sophie", "svasseur@free.fr"),  # swapped, same email: b1
            row("b3", "Vasseur", "Sophie", "", "0611223344"),  # swapped, rare name, no conflict: b1
        ],
        [{"b1", "b2", "b3"}],
        id="swapped_names",
    ),
    pytest.param(
        [
            row("c1", "Marie", "Dupont", "", "06 12 34 56 78"),
            row("c2", "Jean", "Dupont", "", "0612345678"),  # family phone, other first name: apart
            row("c3", "Lucas", "Dupont", "", "+33612345678"),  # a third member: apart
            row("c4", "Marie", "DUPONT", "marie.d@orange.fr", "06.12.34.56.78"),  # Marie again: c1
        ],
        [{"c1", "c4"}, {"c2"}, {"c3"}],
        id="family_shares_phone",
    ),
    pytest.param(
        [
            row("d1", "Paul", "Garnier", "famille.garnier@orange.fr", "0611111111"),
            row("d2", "Claire", "Garnier", "famille.garnier@orange.fr", "0622222222"),  # household: apart
        ],
        [{"d1"}, {"d2"}],
        id="family_shares_email",
    ),
    pytest.param(
        [
            row("e1", "Marie", "Martin", "marie.martin@gmail.com", "0611111111"),
            row("e2", "Marie", "Martin", "mmartin75@yahoo.fr", "0622222222"),  # namesake, other contacts
            row("e3", "Marie", "Martin", "", "0633333333", "paris 11e"),  # namesake, common name
        ],
        [{"e1"}, {"e2"}, {"e3"}],
        id="namesakes_paris",
    ),
    pytest.param(
        [
            row("f1", "Ségolène", "Kergoat-Vasseur", "sego@free.fr", "", "Lille"),
            row("f2", "Ségolène", "Kergoat-Vasseur", "", "0644444444", "St Denis"),  # two sites, no shared contact
        ],
        [{"f1"}, {"f2"}],
        id="same_rare_name_two_sites_no_contact",
    ),
    pytest.param(
        [
            row("g1", "Jean-Pierre", "Lefort", "", "0655555555", "Lyon"),
            row("g2", "Jean Pierre", "LEFORT", "jplefort@gmail.com", "06 55 55 55 55", "Lyon"),  # hyphen/space: g1
            row("g3", "Jeanpierre", "Lefort", "jplefort@gmail.com", "", "69003"),  # glued: g2
        ],
        [{"g1", "g2", "g3"}],
        id="compound_first_name",
    ),
    pytest.param(
        [
            row("h1", "Claire", "Dubreuil", "claire.dubreuil@gmail.com", "0666666666"),
            row("h2", "Claire", "Lambertin", "claire.dubreuil@gmail.com", "0666666666"),  # married name: h1
            row("h3", "Frédéric", "Roux", "", "0677777777"),
            row("h4", "Fred", "Roux", "", "+33677777777"),  # nickname, same phone: h3
        ],
        [{"h1", "h2"}, {"h3", "h4"}],
        id="married_name_and_nickname",
    ),
    pytest.param(
        [
            row("i1", "Gwenaëlle", "Kerbrat", "gwen.kerbrat@gmail.com", "0612345678", "Brest 29"),
            row("i2", "Gwenaelle", "KERBRAT", "", "0612345679", "Brest"),  # one digit off, rare: i1
            row("i3", "Gwenaëlle", "Kerbrat", "gwen.kerbrat@gmial.com", "", "Brest"),  # domain typo: i1
            row("i4", "GwenaÃ«lle", "Kerbrat", "gwen.kerbrat@gmail.com"),  # mojibake, same email: i1
        ],
        [{"i1", "i2", "i3", "i4"}],
        id="mistyped_digit_domain_typo_mojibake",
    ),
]


@pytest.mark.parametrize("rows, expected", CASES)
def test_rules(rows: list[MatchRecord], expected: list[set[str]], catalog) -> None:
    assert people(rows, catalog) == {frozenset(g) for g in expected}
