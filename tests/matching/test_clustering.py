"""Clustering, review and decisions: no household chaining, reversible by a person's decision."""

from __future__ import annotations

import numpy as np

from rollcall.transforms.matching import Decision, MatchRecord, resolve
from rollcall.transforms.matching.clustering import components


def row(rid: str, first: str, last: str, email: str = "", phone: str = "", site: str = "Lyon") -> MatchRecord:
    return MatchRecord(rid, first, last, email, phone, site, submitted_at=f"2022-09-0{rid[-1]}")


def test_household_is_not_chained_through_a_shared_contact(catalog) -> None:
    rows = [
        row("r1", "Marie", "Dupont", "dupont.famille@free.fr", "0611111111"),
        # r1's email, Marie again with a typo: r1
        row("r2", "Maire", "Dupont", "dupont.famille@free.fr", "0622222222"),
        # r2's phone, but "Jean": never with r1 and r2
        row("r3", "Jean", "Dupont", "", "0622222222"),
    ]
    person = resolve(rows, catalog=catalog).person_of
    assert person["r1"] == person["r2"] != person["r3"]


def test_chain_through_a_mistaken_record_is_refused_and_sent_to_review(catalog) -> None:
    rows = [
        row("s1", "Marie", "Dupont", "m.dupont@free.fr", "0611111111"),
        # s1's email and s3's phone, first name missing: matches each side weakly (review)
        row("s2", "", "Dupont", "m.dupont@free.fr", "0633333333"),
        row("s3", "Jean", "Dupont", "", "0633333333"),  # s2's phone, other first name: alone
    ]
    resolution = resolve(rows, catalog=catalog)
    assert len(set(resolution.person_of.values())) == 3
    assert {(r.record_a, r.record_b) for r in resolution.review} == {("s1", "s2"), ("s2", "s3")}


def test_review_explains_in_french(catalog) -> None:
    rows = [
        row("t1", "Jean-Pierre", "Morel", "jpmorel@free.fr", "06 12 34 56 78"),
        # one phone, two emails: father and son? review, not merged
        row("t2", "Jean", "Morel", "jean.morel@orange.fr", "0612345678"),
    ]
    resolution = resolve(rows, catalog=catalog)
    (pair,) = resolution.review
    assert resolution.person_of["t1"] != resolution.person_of["t2"]
    assert pair.rule == "same_contact_similar_name"
    assert pair.explanation.startswith(
        "emails différents, même téléphone, prénom composé abrégé : Jean-Pierre / Jean, même nom"
    )


def test_every_link_carries_its_evidence(catalog) -> None:
    rows = [
        row("u1", "Hugo", "Tessier", "hugo.tessier@gmail.com", "0699999999"),
        row("u2", "TESSIER", "Hugo", "hugotessier@gmail.com", ""),  # swapped, gmail dots: u1
    ]
    (link,) = resolve(rows, catalog=catalog).links
    assert (link.record_a, link.record_b, link.rule) == ("u1", "u2", "same_contact_same_name")
    assert {"email:equal", "first:exact", "last:exact", "swapped"} <= set(link.evidence)


def test_decisions_win_over_rules(catalog) -> None:
    rows = [
        row("v1", "Jean", "Morel", "", "0612345678"),
        row("v2", "Jean", "Morel", "jmorel@free.fr", "0612345678"),  # rule: v1, decision: apart
        row("v3", "Jean-Pierre", "Morel", "jpm@free.fr", ""),  # rule: nothing, decision: v2
    ]
    decisions = [Decision("v1", "v2", same=False), Decision("v3", "v2", same=True)]
    person = resolve(rows, decisions, catalog=catalog).person_of
    assert person["v2"] == person["v3"] != person["v1"]


def test_person_key_is_the_earliest_sign_up(catalog) -> None:
    rows = [
        MatchRecord("late", "Inès", "Barre", "ines.barre@free.fr", submitted_at="2022-10-01"),
        MatchRecord("early", "Ines", "BARRE", "ines.barre@free.fr", submitted_at="2022-09-01"),
    ]
    assert set(resolve(rows, catalog=catalog).person_of.values()) == {"early"}


def test_components_label_by_smallest_node() -> None:
    labels = components(5, np.array([3, 1]), np.array([4, 3]))
    assert labels.tolist() == [0, 1, 2, 1, 1]


def test_resolving_twice_gives_the_same_people(catalog) -> None:
    rows = [
        row("w1", "Yann", "Le Goff", "yann.legoff@gmail.com", "0612121212"),
        row("w2", "YANN", "LE GOFF", "yannlegoff@gmail.com", ""),  # gmail dots: w1
        row("w3", "Anne", "Le Goff", "", "06 12 12 12 12"),  # household phone: alone
    ]
    first, second = resolve(rows, catalog=catalog), resolve(rows, catalog=catalog)
    assert first.person_of == second.person_of == {"w1": "w1", "w2": "w1", "w3": "w3"}
