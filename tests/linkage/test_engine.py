"""The pure linkage core: comparisons, blocking, Fellegi-Sunter with EM, on generated lists (no database)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from volia.linkage import blocking, engine, features, model, synthetic
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
    ("1962-08", "1962-08-25", 1),  # a date to the month contains the other
    ("1962-08", "1962-08", 1),
    ("1962", "1962-08-25", 2),  # a date to the year contains the other
    ("1962", "1962-08", 2),
    ("1962-08-25", "1962-08-26", 3),  # one field mistyped
    ("1962-08-05", "1962-05-08", 3),  # day and month swapped
    ("1962-08-25", "1963-08-25", 3),
    ("1962-08", "1962-10", 3),
    ("1962-08-25", "1971-01-03", 4),
    ("1962", "1965", 4),
    ("", "1962", MISSING),
])
def test_birth_levels(a, b, level):
    assert birth_level(rec(birth=a), rec(birth=b)) == level


@pytest.mark.parametrize(("a", "b", "level"), [
    ("2021-03-02", "2021-03-02", 0), ("2021-03-02", "2021-03", 1), ("2021-03-02", "2021-03-12", 2),
    ("2021-03-02", "2021-03-25", 3), ("2021-03-02", "2021-11-30", 4), ("2020-08-10", "2024-02", 5),
    ("", "2021", MISSING),
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


@pytest.mark.parametrize("one_to_one", [False, True])
def test_pruning_names_changes_no_decision_above_the_threshold(one_to_one):
    left, right, _ = synthetic.lists(800, seed=5)
    full = engine.link(left, right, params=model.DEFAULT, one_to_one=one_to_one)
    fast = engine.link(left, right, params=model.DEFAULT, min_probability=0.5, one_to_one=one_to_one)
    assert fast.pruned > 0 and full.pruned == 0
    decided = {(i, j): p for i, j, p in full.matches(0.5, one_to_one=one_to_one)}
    decided_fast = {(i, j): p for i, j, p in fast.matches(0.5, one_to_one=one_to_one)}
    assert decided.keys() == decided_fast.keys()
    # one to one, a pair not name-compared still counts (at the weakest name level) among its records' candidates
    assert max(abs(p - decided_fast[k]) for k, p in decided.items()) <= (1e-3 if one_to_one else 0)


def test_default_parameters_score_an_obvious_pair_high_and_a_stranger_low():
    a = rec(names=["Сяргей Іваноў"], sex="m", birth="1984-05-02", region="brest", detained="2021-03-02")
    b = rec(id=1, names=["Sergei Ivanov"], sex="m", birth="1984-05-02", region="brest", detained="2021-03-02")
    c = rec(id=2, names=["Вольга Новік"], sex="f", birth="1990-11-20", region="grodno", detained="2022-06-01")
    lv = levels([(a, b), (a, c)])
    prob = model.probabilities(lv, model.DEFAULT)
    assert prob[0] > 0.99 and prob[1] < 0.01


@pytest.mark.parametrize(("similarity", "level"), [(1.0, 0), (0.9, 1), (0.8, 2), (0.65, 3), (0.3, 4)])
def test_name_levels(monkeypatch, similarity, level):
    monkeypatch.setattr(features, "best_name_similarity", lambda a, b: similarity)
    assert features.name_level(rec(), rec(id=1)) == level
    assert features.name_level(rec(names=[]), rec(id=1)) == MISSING


def shared(a: Rec, b: Rec) -> set[str]:
    return blocking.record_keys(a) & blocking.record_keys(b) - {k for k in blocking.record_keys(a)
                                                                if k.startswith(blocking.ALL)}


def found(a: Rec, b: Rec) -> bool:
    block = blocking.pairs_between([a], [b])
    return (0, 0) in set(zip(block.left.tolist(), block.right.tolist(), strict=True))


def test_a_birth_year_mistyped_by_one_still_meets():
    a = rec(names=["Аляксандр Кавалёў"], birth="1960-05-02", detained="2021-03-02")
    b = rec(names=["Александр Ковалёв"], birth="1961-05-02", detained="2023-07-20")
    keys = shared(a, b)
    assert keys and all(k.endswith("|b1961") for k in keys)  # only the year+1 pass joins them
    assert found(a, b)


def test_a_record_without_dates_is_paired_with_every_namesake():
    bare = rec(names=["Аляксандр Кавалёў"], region="brest")
    full = rec(names=["Aliaksandr Kavaliou"], birth="1960-05-02", detained="2021-03-02", region="gomel")
    assert not shared(bare, full)  # no key in common: the probe join finds them
    assert found(bare, full) and found(full, bare)
    block = blocking.pairs_within([full, bare])
    assert (block.left.tolist(), block.right.tolist()) == ([0], [1])


def test_records_lacking_a_date_meet_on_the_name_alone():
    a = rec(names=["Аляксандр Кавалёў"], birth="1960-05-02")
    b = rec(names=["Aliaksandr Kavaliou"], detained="2021-03-02")
    assert {k.rpartition("|")[2] for k in shared(a, b)} == {"-"}
    assert found(a, b)


def test_an_exact_birth_date_joins_names_mangled_in_their_first_letters():
    a = rec(names=["Кірыл Дубовік"], birth="1980-02-03", detained="2021-03-02")
    b = rec(names=["Kiryl Iubovik"], birth="1980-02-03")
    assert not blocking.name_keys(a) & blocking.name_keys(b)
    assert shared(a, b) == {"=1980-02-03"}
    assert found(a, b)


def test_a_detention_window_with_the_birth_year_and_an_initial_joins_mangled_names():
    a = rec(names=["Кірыл Дубовік"], birth="1980", detained="2024-11-14")
    b = rec(names=["Kiryl Iubovik"], birth="1980-02", detained="2024-11-21")  # reported a week late
    assert not blocking.name_keys(a) & blocking.name_keys(b)
    keys = shared(a, b)
    assert keys and all(k.startswith("t") and k.endswith("|1980|k") for k in keys)
    assert found(a, b)


def test_block_caps_hold(monkeypatch):
    same = [rec(id=i, names=["Аляксандр Кавалёў"], birth="1960") for i in range(60)]
    block = blocking.pairs_within(same, max_block=50)  # every key of theirs is in a block of 60
    assert len(block) == 0 and block.skipped_blocks > 0
    assert len(blocking.pairs_within(same[:50], max_block=50)) == 50 * 49 // 2
    bare = rec(id=99, names=["Аляксандр Кавалёў"])
    assert len(blocking.pairs_between([bare], same, max_block=50)) == 60  # a probe may meet up to PROBE_BLOCK
    monkeypatch.setattr(blocking, "PROBE_BLOCK", 59)
    capped = blocking.pairs_between([bare], same, max_block=50)
    # its probe keys (joined with 60 records) and its `name|-` keys (60 on the other side) are all skipped
    assert len(capped) == 0 and capped.skipped_blocks == 2 * len(blocking.name_keys(bare))


def test_one_to_one_probabilities_favour_a_lone_candidate_and_split_namesakes():
    lv = np.array([[1, 1, -1, -1, 1, 0]] * 3, dtype=np.int8)  # three pairs with the same levels
    left, right = np.array([0, 1, 1]), np.array([0, 1, 2])  # record 1 has two candidates
    pairwise = model.probabilities(lv, model.DEFAULT)
    prob, rho_l, rho_r = model.one_to_one_probabilities(left, right, lv, model.DEFAULT, 2, 3)
    assert 0 < rho_l <= model.RHO_MAX and 0 < rho_r <= model.RHO_MAX
    assert prob[0] > pairwise[0] and prob[1] == pytest.approx(prob[2]) and prob[1] < prob[0]


def test_one_to_one_linking_finds_more_true_pairs_than_pairwise():
    left, right, truth = synthetic.lists(1500, seed=11)
    pairwise = engine.link(left, right, params=model.DEFAULT)
    linked = engine.link(left, right, params=model.DEFAULT, one_to_one=True)
    def f1(res):
        got = {(i, j) for i, j, _ in res.matches(0.5, one_to_one=True)}
        tp = len(got & truth)
        return 2 * tp / (len(got) + len(truth))
    assert linked.rho is not None and f1(linked) > f1(pairwise)
