"""Link two lists of records, or find duplicates within one: block, compare, score. No Django.

    result = link(left, right)            # or dedupe(records)
    for i, j, p in result.matches(0.9):   # indexes into the lists, match probability
        ...
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from volia.linkage import blocking, model
from volia.linkage.features import MISSING, VOLIA_COMPARISONS, Rec, encode, fast_levels, name_levels

MIN_TRAINING_PAIRS = 2000  # fewer candidate pairs than this: use model.DEFAULT, EM would overfit
TRAINING_SAMPLE = 200_000  # EM runs on at most this many pairs (a random sample of the blocked ones)


@dataclass
class LinkResult:
    left: np.ndarray
    right: np.ndarray
    levels: np.ndarray
    prob: np.ndarray
    params: model.Params
    skipped_blocks: int
    trained: bool
    pruned: int = 0  # pairs not name-compared: below min_probability whatever the names
    rho: tuple[float, float] | None = None  # with one_to_one: the share of each list's records linked
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each phase

    def __len__(self) -> int:
        return len(self.prob)

    def matches(self, threshold: float, *, one_to_one: bool = False) -> Iterator[tuple[int, int, float]]:
        """(i, j, probability) of the pairs at or above `threshold`, most probable first."""
        mask = model.one_to_one(self.left, self.right, self.prob, threshold) if one_to_one else self.prob >= threshold
        idx = np.flatnonzero(mask)
        for k in idx[np.argsort(-self.prob[idx], kind="stable")]:
            yield int(self.left[k]), int(self.right[k]), float(self.prob[k])


_WORK: tuple = ()


def _name_chunk(bounds: tuple[int, int]):
    left, right, ia, ib = _WORK
    lo, hi = bounds
    return name_levels(left, right, ia[lo:hi], ib[lo:hi])


def _names(left: Sequence[Rec], right: Sequence[Rec], ia: np.ndarray, ib: np.ndarray, workers: int) -> np.ndarray:
    """Name levels of the pairs, in `workers` processes (fork) when there are many."""
    if workers <= 1 or len(ia) < 20_000 or "fork" not in mp.get_all_start_methods():
        return name_levels(left, right, ia, ib)
    global _WORK
    _WORK = (left, right, ia, ib)
    step = -(-len(ia) // (workers * 4))
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_name_chunk, [(i, min(i + step, len(ia))) for i in range(0, len(ia), step)])
    finally:
        _WORK = ()
    return np.concatenate(parts)


def score_blocked(left: Sequence[Rec], right: Sequence[Rec], block: blocking.Blocking, *, train: bool | None,
                  params: model.Params | None, seed: int = 0, min_probability: float = 0.0,
                  workers: int = 1, one_to_one: bool = False) -> LinkResult:
    """Compare and score blocked pairs.

    Names are compared last and only where they can matter: a pair whose other comparisons
    keep it below `min_probability` even with identical names is not name-compared (its name
    level is set to the weakest), which is exact for every decision at or above `min_probability`.
    With `train`, EM runs on (a sample of at most TRAINING_SAMPLE) fully compared pairs first.
    With `one_to_one` (two lists, each person in each at most once) the probabilities are
    `model.one_to_one_probabilities`; the bound then is the one of a record's only candidate
    with rho = RHO_MAX, and a pair not name-compared counts with the weakest name level
    among its records' other candidates.
    """
    codes: dict[str, int] = {}
    ia, ib = block.left, block.right
    lv = fast_levels(encode(left, codes), encode(right, codes), ia, ib)
    done = np.zeros(len(ia), dtype=bool)
    do_train = False
    if params is None:
        do_train = train if train is not None else len(lv) >= MIN_TRAINING_PAIRS
        params = model.DEFAULT
        if do_train and len(lv):
            rng = np.random.default_rng(seed)
            sample = np.arange(len(ia)) if len(ia) <= TRAINING_SAMPLE else np.sort(
                rng.choice(len(ia), TRAINING_SAMPLE, replace=False))
            lv[sample, 0] = _names(left, right, ia[sample], ib[sample], workers)
            done[sample] = True
            params = model.fit(lv[sample], [list(u) for u in model.DEFAULT.u], start=model.DEFAULT)
    need = ~done
    if min_probability > 0 and need.any():
        partial = lv.copy()
        partial[:, 0] = MISSING
        best = model.match_weights(partial, params) + float(params.weights()[0].max())
        if one_to_one:  # prior odds at most RHO_MAX / (k (1 - RHO_MAX)) for a record with k candidates
            k = np.minimum(np.bincount(ia, minlength=len(left))[ia], np.bincount(ib, minlength=len(right))[ib])
            best += math.log2(model.RHO_MAX / (1 - model.RHO_MAX)) - np.log2(k) - math.log2(
                params.prior / (1 - params.prior))
        need &= best >= math.log2(min_probability / (1 - min_probability))
    lv[need, 0] = _names(left, right, ia[need], ib[need], workers)
    pruned = ~done & ~need
    lv[pruned, 0] = len(VOLIA_COMPARISONS[0].levels) - 1
    rho = None
    if one_to_one:
        prob, rho_l, rho_r = model.one_to_one_probabilities(ia, ib, lv, params, len(left), len(right))
        rho = (rho_l, rho_r)
    else:
        prob = model.probabilities(lv, params)
    return LinkResult(ia, ib, lv, prob, params, block.skipped_blocks, do_train, int(pruned.sum()), rho=rho)


def link(left: Sequence[Rec], right: Sequence[Rec], *, train: bool | None = None, params: model.Params | None = None,
         max_block: int = blocking.MAX_BLOCK, seed: int = 0, min_probability: float = 0.0,
         workers: int = 1, one_to_one: bool = False) -> LinkResult:
    """Candidate pairs between two lists, scored. `train=None`: train when there are enough pairs.
    `one_to_one`: each list names a person at most once (see `score_blocked`)."""
    t = time.perf_counter()
    block = blocking.pairs_between(left, right, max_block=max_block, workers=workers)
    blocked = time.perf_counter()
    result = score_blocked(left, right, block, train=train, params=params, seed=seed,
                           min_probability=min_probability, workers=workers, one_to_one=one_to_one)
    result.seconds = {"blocking": round(blocked - t, 1), "scoring": round(time.perf_counter() - blocked, 1)}
    return result


def dedupe(records: Sequence[Rec], *, train: bool | None = None, params: model.Params | None = None,
           max_block: int = blocking.MAX_BLOCK, seed: int = 0, min_probability: float = 0.0,
           workers: int = 1) -> LinkResult:
    """Candidate pairs (i < j) within one list, scored."""
    block = blocking.pairs_within(records, max_block=max_block, workers=workers)
    return score_blocked(records, records, block, train=train, params=params, seed=seed,
                         min_probability=min_probability, workers=workers)
