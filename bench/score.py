"""Pairwise precision, recall and F1 of a clustering against the truth, from contingency counts.

Pairs are never enumerated: with n records in a cell, a cluster or a true person, there are
n(n-1)/2 pairs. True positives are the pairs inside each (predicted, true) cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class PairwiseScore:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 5) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def _codes(labels: Sequence[object]) -> np.ndarray:
    table: dict[object, int] = {}
    return np.fromiter((table.setdefault(x, len(table)) for x in labels), np.int64, len(labels))


def pairwise(predicted: Sequence[object], truth: Sequence[object]) -> PairwiseScore:
    """Score ``predicted`` cluster labels against ``truth`` labels, one of each per record."""
    p, t = _codes(predicted), _codes(truth)
    cells = np.unique(p * (int(t.max(initial=0)) + 1) + t, return_counts=True)[1]
    correct = _pairs(cells)
    predicted_pairs = _pairs(np.bincount(p))
    true_pairs = _pairs(np.bincount(t))
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScore(precision, recall, f1, true_pairs, predicted_pairs, correct)
