"""Link two lists of records, or find duplicates within one: block, compare, score. No Django.

    result = link(left, right)            # or dedupe(records)
    for i, j, p in result.matches(0.9):   # indexes into the lists, match probability
        ...
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from volia.linkage import blocking, model
from volia.linkage.features import VOLIA_COMPARISONS, Comparison, Rec, levels

MIN_TRAINING_PAIRS = 2000  # fewer candidate pairs than this: use model.DEFAULT, EM would overfit
RANDOM_PAIRS = 50_000


@dataclass
class LinkResult:
    left: np.ndarray
    right: np.ndarray
    levels: np.ndarray
    prob: np.ndarray
    params: model.Params
    skipped_blocks: int
    trained: bool

    def __len__(self) -> int:
        return len(self.prob)

    def matches(self, threshold: float, *, one_to_one: bool = False) -> Iterator[tuple[int, int, float]]:
        """(i, j, probability) of the pairs at or above `threshold`, most probable first."""
        mask = model.one_to_one(self.left, self.right, self.prob, threshold) if one_to_one else self.prob >= threshold
        idx = np.flatnonzero(mask)
        for k in idx[np.argsort(-self.prob[idx], kind="stable")]:
            yield int(self.left[k]), int(self.right[k]), float(self.prob[k])


def _random_levels(left: Sequence[Rec], right: Sequence[Rec], n: int, seed: int,
                   comparisons: Sequence[Comparison]) -> np.ndarray:
    rng = random.Random(seed)
    pairs = [(left[rng.randrange(len(left))], right[rng.randrange(len(right))]) for _ in range(n)]
    pairs = [(a, b) for a, b in pairs if a is not b]
    return levels(pairs, comparisons)


def score_blocked(left: Sequence[Rec], right: Sequence[Rec], block: blocking.Blocking, *, train: bool | None,
           params: model.Params | None, seed: int) -> LinkResult:
    pairs = [(left[i], right[j]) for i, j in zip(block.left.tolist(), block.right.tolist(), strict=True)]
    lv = levels(pairs, VOLIA_COMPARISONS)
    if params is None:
        do_train = train if train is not None else len(lv) >= MIN_TRAINING_PAIRS
        if do_train:
            u = model.estimate_u(_random_levels(left, right, min(RANDOM_PAIRS, 10 * len(left) * len(right)), seed,
                                                VOLIA_COMPARISONS))
            params = model.fit(lv, u, start=model.DEFAULT)
        else:
            params = model.DEFAULT
    else:
        do_train = False
    return LinkResult(block.left, block.right, lv, model.probabilities(lv, params), params,
                      block.skipped_blocks, do_train)


def link(left: Sequence[Rec], right: Sequence[Rec], *, train: bool | None = None, params: model.Params | None = None,
         max_block: int = blocking.MAX_BLOCK, seed: int = 0) -> LinkResult:
    """Candidate pairs between two lists, scored. `train=None`: train when there are enough pairs."""
    block = blocking.pairs_between(left, right, max_block=max_block)
    return score_blocked(left, right, block, train=train, params=params, seed=seed)


def dedupe(records: Sequence[Rec], *, train: bool | None = None, params: model.Params | None = None,
           max_block: int = blocking.MAX_BLOCK, seed: int = 0) -> LinkResult:
    """Candidate pairs (i < j) within one list, scored."""
    block = blocking.pairs_within(records, max_block=max_block)
    return score_blocked(records, records, block, train=train, params=params, seed=seed)
