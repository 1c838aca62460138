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


RHO_MAX = 0.9  # the largest share of a list's records assumed to be in the other list (one_to_one_probabilities)


def likelihood_ratios(levels: np.ndarray, params: Params) -> np.ndarray:
    """Each pair's Bayes factor m/u over its comparison levels (the match weight without the prior), as 2^w."""
    w = match_weights(levels, params) - math.log2(params.prior / (1 - params.prior))
    return np.exp2(np.clip(w, -60, 60))


def _one_side(idx: np.ndarray, n: int, bf: np.ndarray, rho: float) -> np.ndarray:
    k = np.bincount(idx, minlength=n).astype(np.float64)[idx]
    total = np.bincount(idx, weights=bf, minlength=n)[idx]
    return (rho / k) * bf / ((1 - rho) + (rho / k) * total)


def one_to_one_probabilities(left: np.ndarray, right: np.ndarray, levels: np.ndarray, params: Params,
                             n_left: int, n_right: int, *, iterations: int = 20) -> tuple[np.ndarray, float, float]:
    """Match probabilities of candidate pairs between two lists in which each person appears at most once.

    The pairwise model gives every candidate pair the same prior (lambda, the share of candidate pairs that
    match), whatever else its records were paired with. Between two lists, a record is at most one record of
    the other list: with probability rho it is one of its k candidates, a priori any of them, so that
    P(pair i-j) = (rho/k_i) BF_ij / ((1 - rho) + (rho/k_i) sum_j' BF_ij'), BF being the pair's m/u ratio.
    A record whose only candidate fits gets more than lambda, a record with several namesakes less. Computed
    from both sides (rho of each list by EM: the mean over its records of the summed probabilities, at
    most RHO_MAX) and combined by their geometric mean. Returns (probabilities, rho_left, rho_right).
    """
    if len(left) == 0:
        return np.zeros(0), 0.0, 0.0
    bf = likelihood_ratios(levels, params)
    start = float(probabilities(levels, params).sum())
    rho_l, rho_r = min(RHO_MAX, start / max(n_left, 1)), min(RHO_MAX, start / max(n_right, 1))
    for _ in range(iterations):
        pl, pr = _one_side(left, n_left, bf, rho_l), _one_side(right, n_right, bf, rho_r)
        new_l = float(np.clip(pl.sum() / n_left, 1e-6, RHO_MAX))
        new_r = float(np.clip(pr.sum() / n_right, 1e-6, RHO_MAX))
        done = abs(new_l - rho_l) < 1e-5 and abs(new_r - rho_r) < 1e-5
        rho_l, rho_r = new_l, new_r
        if done:
            break
    pl, pr = _one_side(left, n_left, bf, rho_l), _one_side(right, n_right, bf, rho_r)
    return np.sqrt(pl * pr), rho_l, rho_r


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


# The levels of a disagreement, whose m the generated lists understate (`tempered`): names below 0.6, a birth
# conflict, another sex, first detentions more than LATE days apart (the generator dates none further).
DISAGREEMENTS = {"name": (4,), "birth": (4,), "sex": (1,), "detained": (3, 4, 5)}


def tempered(params: Params, floor: float = 0.02) -> Params:
    """`params` with the m of each disagreement level (DISAGREEMENTS) at least `floor`, rows renormalised."""
    m = []
    for name, row in zip(params.names, params.m, strict=True):
        raised = np.array([max(x, floor) if lv in DISAGREEMENTS.get(name, ()) else x for lv, x in enumerate(row)])
        m.append(_normalise(raised))
    return Params(m=m, u=[list(r) for r in params.u], prior=params.prior, iterations=params.iterations,
                  names=list(params.names))


# EM's estimate on the generated lists (`python bench/linkage_bench.py --train`: 20,000 x 20,000, seed 1,
# order as VOLIA_COMPARISONS), then `tempered`: the generator's error rates are a guess, and a real
# list mistypes a sex or dates another detention more often than it does (docs/linkage.md).
DEFAULT = Params(
    names=[c.name for c in VOLIA_COMPARISONS],
    prior=0.03898,
    m=[[0.72895, 0.09983, 0.1204, 0.03097, 0.01985], [0.39041, 0.24958, 0.30416, 0.03603, 0.01983],
       [0.94545, 0.05455], [0.98039, 0.01961], [0.2515, 0.45571, 0.23614, 0.01888, 0.01888, 0.01888],
       [0.93422, 0.04216, 0.02362]],
    u=[[0.01467, 0.00412, 0.02549, 0.11898, 0.83673], [0.03293, 0.00768, 0.11887, 0.10766, 0.73286],
       [0.17458, 0.82542], [0.74967, 0.25033], [0.00358, 0.11559, 0.1711, 0.19438, 0.2402, 0.27516],
       [0.16668, 0.10775, 0.72557]],
)
