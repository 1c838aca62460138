"""Measured accuracy of name_similarity on corrupted synthetic names (the figures of docs/names.md).

A brute-force search: every corrupted name against all 2000 originals; the right original
must come first in at least 98% of cases, and different people must rarely reach the match
threshold. ``name_similarities`` is ``name_similarity`` over a list (checked here), run in
bulk so that the 4 million comparisons take under a minute.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from volia.names.corrupt import name_pairs
from volia.names.keys import MATCH_THRESHOLD, blocking_keys, name_similarities, name_similarity

N = 2000
SEED = 20261122


@pytest.fixture(scope="module")
def measured():
    pairs = name_pairs(N, SEED)
    originals = [a for a, _ in pairs]
    top1 = 0
    true_scores = np.empty(N)
    false_matches = 0
    for i, (_, corrupted) in enumerate(pairs):
        scores = np.asarray(name_similarities(corrupted, originals))
        top1 += int(scores.argmax() == i)
        true_scores[i] = scores[i]
        false_matches += int((scores >= MATCH_THRESHOLD).sum()) - int(scores[i] >= MATCH_THRESHOLD)
    figures = {
        "top1": top1 / N,
        "recall_at_threshold": float((true_scores >= MATCH_THRESHOLD).mean()),
        "false_match_rate": false_matches / (N * (N - 1)),
    }
    print(f"\nnames accuracy (n={N}, seed={SEED}, threshold={MATCH_THRESHOLD}): {figures}")
    return pairs, figures


def test_top1_accuracy(measured):
    _, figures = measured
    assert figures["top1"] >= 0.98


def test_different_people_rarely_collide(measured):
    _, figures = measured
    # about one pair of different people in 10,000 or fewer reaches the threshold...
    assert figures["false_match_rate"] <= 1e-4
    # ... while most corrupted copies of one person still do
    assert figures["recall_at_threshold"] >= 0.9


def test_blocking_keys_keep_most_true_pairs(measured):
    pairs, _ = measured
    shared = sum(bool(blocking_keys(a) & blocking_keys(b)) for a, b in pairs) / len(pairs)
    index: dict[str, set[int]] = {}
    for i, (original, _) in enumerate(pairs):
        for key in blocking_keys(original):
            index.setdefault(key, set()).add(i)
    candidates = sum(len(set().union(*(index.get(k, set()) for k in blocking_keys(b)))) for _, b in pairs)
    print(f"\nblocking: {shared:.4f} of true pairs share a key; {candidates / len(pairs):.1f} candidates per name")
    assert shared >= 0.95
    assert candidates / len(pairs) < 0.02 * len(pairs)  # blocks stay small: under 2% of the people


def test_bulk_scores_are_name_similarity(measured):
    pairs, _ = measured
    rng = random.Random(1)
    originals = [a for a, _ in pairs]
    for _ in range(300):
        query = rng.choice(pairs)[1]
        candidates = [*rng.sample(originals, 8), query]
        assert name_similarities(query, candidates) == [name_similarity(query, c) for c in candidates]
    assert name_similarities("Алесь", []) == []
