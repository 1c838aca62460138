"""The pure linkage core: comparisons, blocking, Fellegi-Sunter with EM, on generated lists (no database)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from volia.linkage import blocking, engine, model, synthetic
from volia.linkage.features import (
    MISSING,
    VOLIA_COMPARISONS,
    Rec,
    birth_level,
    detained_level,
    encode,
    fast_levels,
    levels,
)


def rec(**kw) -> Rec:
    return Rec.of(kw.pop("id", 0), kw.pop("names", ["Алесь Бяляцкі"]), **kw)


@pytest.mark.parametrize(("a", "b", "level"), [
    ("1962-08-25", "1962-08-25", 0),
    ("1962-08", "1962-08-25", 1),
    ("1962", "1962-08-25", 1),
    ("1962-08-25", "1962-08-26", 2),  # one field mistyped
    ("1962-08-05", "1962-05-08", 2),  # day and month swapped
    ("1962-08-25", "1963-08-25", 2),
    ("1962-08", "1962-10", 2),
    ("1962-08-25", "1971-01-03", 3),
    ("1962", "1965", 3),
    ("", "1962", MISSING),
])
def test_birth_levels(a, b, level):
    assert birth_level(rec(birth=a), rec(birth=b)) == level


@pytest.mark.parametrize(("a", "b", "level"), [
    ("2021-03-02", "2021-03", 0), ("2021-03-02", "2021-03-12", 1), ("2021-03-02", "2021-11-30", 2),
    ("2020-08-10", "2024-02", 3), ("", "2021", MISSING),
])
def test_detention_levels(a, b, level):
    assert detained_level(rec(detained=a), rec(detained=b)) == level


def test_vectorised_levels_equal_the_per_pair_functions():
    left, right, _ = synthetic.lists(600, seed=7)
    rng = random.Random(3)
    ia = np.array([rng.randrange(len(left)) for _ in range(3000)])
    ib = np.array([rng.randrange(len(right)) for _ in range(3000)])
    codes: dict[str, int] = {}
    fast = fast_levels(encode(left, codes), encode(right, codes), ia, ib)
    slow = levels([(left[i], right[j]) for i, j in zip(ia, ib, strict=True)])
    assert (fast[:, 1:] == slow[:, 1:]).all()
    assert (fast[:, 0] == MISSING).all()  # names are compared separately


def test_spellings_of_one_name_share_a_blocking_key():
    a = rec(names=["Аляксандр Кавалёў"], birth="1980-02-03")
    b = rec(names=["Александр Ковалёв"], birth="1980")
    c = rec(names=["Aliaksandr Kavaliou"], birth="1980-02")
    ka, kb, kc = (blocking.record_keys(r) for r in (a, b, c))
    assert ka & kb and ka & kc


def test_within_pairs_are_ordered_and_unique():
    recs, _, _ = synthetic.lists(400, seed=2)
    block = blocking.pairs_within(recs + recs[:50])  # the first 50 twice: each must pair with its copy
    assert (block.left < block.right).all()
    codes = block.left * 10_000 + block.right
    assert len(np.unique(codes)) == len(codes)
    assert {(i, i + 400) for i in range(50)} <= set(zip(block.left.tolist(), block.right.tolist(), strict=True))


def test_one_to_one_keeps_the_most_probable_link_of_each_record():
    keep = model.one_to_one(np.array([0, 0, 1, 2]), np.array([5, 6, 5, 7]), np.array([0.9, 0.8, 0.95, 0.4]), 0.5)
    assert keep.tolist() == [False, True, True, False]


def test_em_learns_and_links_generated_lists():
    left, right, truth = synthetic.lists(1500, seed=11)
    res = engine.link(left, right, train=True)
    assert res.trained
    p = res.params
    assert 0 < p.prior < 1
    for k in range(len(VOLIA_COMPARISONS)):  # the strongest agreement is likelier among matches
        assert p.m[k][0] > p.u[k][0], VOLIA_COMPARISONS[k].name
    found = {(i, j) for i, j, _ in res.matches(0.5, one_to_one=True)}
    tp = len(found & truth)
    precision, recall = tp / len(found), tp / len(truth)
    assert precision > 0.97 and recall > 0.9, (precision, recall)


def test_pruning_names_changes_no_decision_above_the_threshold():
    left, right, _ = synthetic.lists(800, seed=5)
    full = engine.link(left, right, params=model.DEFAULT)
    fast = engine.link(left, right, params=model.DEFAULT, min_probability=0.5)
    assert fast.pruned > 0 and full.pruned == 0
    assert list(full.matches(0.5)) == list(fast.matches(0.5))


def test_default_parameters_score_an_obvious_pair_high_and_a_stranger_low():
    a = rec(names=["Сяргей Іваноў"], sex="m", birth="1984-05-02", region="brest", detained="2021-03-02")
    b = rec(id=1, names=["Sergei Ivanov"], sex="m", birth="1984-05-02", region="brest", detained="2021-03-02")
    c = rec(id=2, names=["Вольга Новік"], sex="f", birth="1990-11-20", region="grodno", detained="2022-06-01")
    lv = levels([(a, b), (a, c)])
    prob = model.probabilities(lv, model.DEFAULT)
    assert prob[0] > 0.99 and prob[1] < 0.01
