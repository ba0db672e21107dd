"""Resolved groups mapped onto the people and registration rows that already exist."""

from __future__ import annotations

from rollcall.transforms.stable_ids import assign_people, moved_registrations


def test_unchanged_groups_keep_their_people() -> None:
    groups = {"S1": [1, 2], "S3": [3]}
    assert assign_people(groups, {1: 10, 2: 10, 3: 11}) == {"S1": 10, "S3": 11}


def test_a_merge_keeps_the_person_holding_more_sign_ups() -> None:
    groups = {"S1": [1, 2, 3]}
    assert assign_people(groups, {1: 11, 2: 10, 3: 10}) == {"S1": 10}


def test_a_merge_of_equals_keeps_the_older_id() -> None:
    assert assign_people({"S1": [1, 2]}, {1: 12, 2: 10}) == {"S1": 10}


def test_a_split_gives_the_id_to_the_larger_part_and_a_new_person_to_the_other() -> None:
    groups = {"S1": [1, 2], "S3": [3]}
    assert assign_people(groups, {1: 10, 2: 10, 3: 10}) == {"S1": 10, "S3": None}


def test_new_sign_ups_make_a_new_person() -> None:
    assert assign_people({"S7": [7]}, {7: None}) == {"S7": None}


def test_the_result_does_not_depend_on_the_order_of_groups() -> None:
    prior = {1: 10, 2: 11}
    assert assign_people({"S1": [1], "S2": [2]}, prior) == assign_people({"S2": [2], "S1": [1]}, prior)


def test_a_registration_row_follows_its_sign_ups_to_their_new_person() -> None:
    # person 11 merged into 10: 11's registration at event 5 now belongs to 10
    wanted = {(10, 4): [1], (10, 5): [2]}
    existing = {(10, 4): 100, (11, 5): 101}
    assert moved_registrations(wanted, existing, {1: 10, 2: 11}) == {101: (10, 5)}


def test_a_registration_that_still_exists_never_moves() -> None:
    wanted = {(10, 5): [1, 2]}
    existing = {(10, 5): 100, (11, 5): 101}
    assert moved_registrations(wanted, existing, {1: 10, 2: 11}) == {}


def test_a_registration_still_wanted_by_its_person_is_not_taken() -> None:
    # split: sign-up 2 leaves person 10 for new person 12, both still at event 5
    wanted = {(10, 5): [1], (12, 5): [2]}
    existing = {(10, 5): 100}
    assert moved_registrations(wanted, existing, {1: 10, 2: 10}) == {}
