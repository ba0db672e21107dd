"""Clustering matched pairs into people without chaining households.

Tie-break, stated: links are applied strongest first: a decision "same person", then links
on a shared or near contact, then links on a rare name alone; within each, higher score, then
the pair holding the earliest sign-up. A link is refused when the two
groups it would join contain two sign-ups whose names clearly differ or that a decision
says are different people, or when both groups are already known people. So if A-B share
an email and B-C a phone but A ("Marie Dupont") and C ("Jean Dupont") clearly differ, B
joins whichever link is stronger and the other link is refused (and sent to review).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

NO_CONFLICT, NAMES_DIFFER, DECIDED_DIFFERENT = 0, 1, 2


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (the smallest node) of nodes 0..n-1 under edges (a, b)."""
    label = np.arange(n)
    while True:
        la, lb = label[a], label[b]
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label[a], label[b]):
            return label


class GuardedUnion:
    """Union-find whose groups remember their sign-ups, refusing merges the guard forbids."""

    def __init__(
        self,
        members: dict[int, list[int]],
        fixed: set[int],
        conflict: Callable[[int, int], int],
        contacts_differ: Callable[[int, int], bool],
    ) -> None:
        self.parent: dict[int, int] = {}
        self.members = members
        self.fixed = fixed
        self.conflict = conflict
        self.contacts_differ = contacts_differ

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while node != root:
            parent[node], node = root, parent.get(node, node)
        return root

    def union(self, x: int, y: int, *, forced: bool = False, by_name: bool = False) -> str | None:
        """Merge the groups of x and y; return why not ("same", "known", "conflict") or None.

        A link made on a rare name alone (``by_name``) also needs every cross pair to have no
        contradicting email or phone, so it cannot bridge two people who each share contacts.
        """
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return "same"
        if rx in self.fixed and ry in self.fixed:
            return "known"
        mx, my = self.members.get(rx, [rx]), self.members.get(ry, [ry])
        worst = max((self.conflict(p, q) for p in mx for q in my), default=NO_CONFLICT)
        if worst == DECIDED_DIFFERENT or (worst == NAMES_DIFFER and not forced):
            return "conflict"
        if by_name and any(self.contacts_differ(p, q) for p in mx for q in my):
            return "conflict"
        if ry in self.fixed or (rx not in self.fixed and ry < rx):
            rx, ry, mx, my = ry, rx, my, mx
        self.parent[ry] = rx
        self.members[rx] = mx + my
        self.members.pop(ry, None)
        return None
