"""Fellegi-Sunter scoring with m/u probabilities, and their estimation by EM (numpy only).

For each comparison k and level l, m[k][l] is the chance of that level when the two records
are one person, u[k][l] when they are two people. Assuming comparisons independent given the
truth, a pair's match weight is log2(lambda/(1-lambda)) + sum_k log2(m[k][l_k]/u[k][l_k]),
and its match probability is 2^w / (1 + 2^w). A missing comparison (`MISSING`) adds nothing.

Training (`fit`): expectation-maximisation over the blocked candidate pairs, estimating m,
u and lambda together (the classic Fellegi-Sunter EM, Winkler 1988), started from `DEFAULT`.
u is not taken from random pairs, as splink does: blocking on the name makes the non-matches
among candidate pairs far more alike in name than random pairs, and with u from random pairs
EM drifts to "every candidate pair matches". `DEFAULT` holds the parameters EM estimated on
the generated lists of `volia.linkage.synthetic` (20,000 x 20,000, seed 1:
`python bench/linkage_bench.py --train`); the registry uses them unless a run is large
enough to train its own (docs/linkage.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from volia.linkage.features import MISSING, VOLIA_COMPARISONS, Comparison

SMOOTH = 1.0  # Laplace smoothing (pseudo-count per level)
FLOOR = 1e-4


@dataclass
class Params:
    m: list[list[float]]
    u: list[list[float]]
    prior: float  # lambda: the share of candidate pairs that are matches
    iterations: int = 0
    names: list[str] = field(default_factory=list)

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per comparison and level."""
        return [np.log2(np.maximum(np.asarray(m), FLOOR) / np.maximum(np.asarray(u), FLOOR))
                for m, u in zip(self.m, self.u, strict=True)]

    def as_dict(self) -> dict:
        return {"names": self.names, "prior": self.prior, "iterations": self.iterations,
                "m": [[round(x, 5) for x in row] for row in self.m],
                "u": [[round(x, 5) for x in row] for row in self.u]}


def _normalise(row: np.ndarray) -> list[float]:
    return [float(x) for x in row / row.sum()]


def level_frequencies(levels: np.ndarray, k: int, n_levels: int, weights: np.ndarray | None = None) -> np.ndarray:
    col = levels[:, k]
    present = col != MISSING
    w = np.ones(len(col)) if weights is None else weights
    return np.bincount(col[present].astype(np.int64), weights=w[present], minlength=n_levels) + SMOOTH


def fit(levels: np.ndarray, u: list[list[float]], *, comparisons: Sequence[Comparison] = VOLIA_COMPARISONS,
        start: Params | None = None, max_iter: int = 100, tol: float = 1e-5) -> Params:
    """m, u and lambda by EM over candidate pairs' levels, starting from `u` (random pairs) and `start`."""
    if start is None:
        m = [_normalise(np.array([2.0 ** -(3 * lv) for lv in range(len(c.levels))])) for c in comparisons]
        prior = 0.1
    else:
        m, prior = [list(r) for r in start.m], start.prior
    params = Params(m=m, u=u, prior=prior, names=[c.name for c in comparisons])
    if len(levels) == 0:
        return params
    for it in range(1, max_iter + 1):
        g = probabilities(levels, params)
        new_m = [_normalise(level_frequencies(levels, k, len(c.levels), g)) for k, c in enumerate(comparisons)]
        u = [_normalise(level_frequencies(levels, k, len(c.levels), 1 - g)) for k, c in enumerate(comparisons)]
        new_prior = float(np.clip(g.mean(), 1e-6, 1 - 1e-6))
        delta = max(abs(a - b) for old, new in zip(params.m, new_m, strict=True)
                    for a, b in zip(old, new, strict=True))
        params = Params(m=new_m, u=u, prior=new_prior, iterations=it, names=params.names)
        if delta < tol:
            break
    return params


def match_weights(levels: np.ndarray, params: Params) -> np.ndarray:
    total = np.full(len(levels), math.log2(params.prior / (1 - params.prior)))
    for k, w in enumerate(params.weights()):
        col = levels[:, k]
        present = col != MISSING
        total[present] += w[col[present].astype(np.int64)]
    return total


def probabilities(levels: np.ndarray, params: Params) -> np.ndarray:
    w = np.clip(match_weights(levels, params), -60, 60)
    return 1.0 / (1.0 + np.exp2(-w))


def one_to_one(left: np.ndarray, right: np.ndarray, prob: np.ndarray, threshold: float) -> np.ndarray:
    """Mask of the pairs kept when each record may link at most once: greedily, most probable first."""
    keep = np.zeros(len(prob), dtype=bool)
    used_l: set[int] = set()
    used_r: set[int] = set()
    for i in np.argsort(-prob, kind="stable"):
        if prob[i] < threshold:
            break
        a, b = int(left[i]), int(right[i])
        if a in used_l or b in used_r:
            continue
        used_l.add(a)
        used_r.add(b)
        keep[i] = True
    return keep


# EM's estimate on the generated lists (`python bench/linkage_bench.py --train`: 20,000 x 20,000, seed 1,
# 24 iterations), order as VOLIA_COMPARISONS; then tempered: the m of a disagreement (name < 0.75, birth
# conflict, different sex, first detentions more than a month apart) is at least 0.02 and each row renormalised,
# because the generator's error rates are a guess and a real list mistypes a sex or dates another detention more
# often than it does (docs/linkage.md).
DEFAULT = Params(
    names=[c.name for c in VOLIA_COMPARISONS],
    prior=0.09621,
    m=[[0.79229, 0.13334, 0.0546, 0.01977], [0.39765, 0.54412, 0.03836, 0.01987], [0.94283, 0.05717],
       [0.98039, 0.01961], [0.716, 0.24543, 0.01929, 0.01929], [0.9401, 0.03866, 0.02124]],
    u=[[0.02291, 0.0125, 0.1362, 0.82839], [0.02069, 0.09094, 0.07067, 0.81771], [0.25337, 0.74663],
       [0.79938, 0.20062], [0.12259, 0.46869, 0.2748, 0.13391], [0.16802, 0.10552, 0.72645]],
)
