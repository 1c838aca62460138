"""Known totals are recovered from tables simulated with known capture probabilities and dependence."""

from __future__ import annotations

import numpy as np

from volia.stats import mse
from volia.stats.capture import CaptureTable


def simulate(rng: np.random.Generator, total: int, main: list[float], interactions: dict[tuple[int, ...], float],
             ) -> CaptureTable:
    """Draw `total` people into the 2**k cells of a log-linear model, then hide the people on no list."""
    k = len(main)
    h = np.arange(1 << k)
    bits = (h[:, None] >> np.arange(k)) & 1
    log_mu = bits @ np.array(main)
    for term, value in interactions.items():
        log_mu = log_mu + value * np.prod(bits[:, list(term)], axis=1)
    p = np.exp(log_mu) / np.exp(log_mu).sum()
    cells = rng.multinomial(total, p)
    cells[0] = 0
    return CaptureTable(tuple(f"L{j + 1}" for j in range(k)), tuple(int(c) for c in cells))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def coverage(tables: list[CaptureTable], model: tuple[tuple[int, ...], ...], total: int) -> tuple[int, list[float]]:
    hits, estimates = 0, []
    for t in tables:
        f = mse.fit_model(t, model)
        mse.profile_interval(t, f)
        assert f.estimate is not None and f.lower is not None and f.upper is not None
        estimates.append(f.estimate)
        hits += f.lower <= total <= f.upper
    return hits, estimates


def test_independent_lists_main_effects_recover_the_total():
    rng = np.random.default_rng(20250918)
    total = 1000
    main = [logit(p) for p in (0.3, 0.25, 0.2, 0.35)]
    tables = [simulate(rng, total, main, {}) for _ in range(40)]
    hits, estimates = coverage(tables, (), total)
    assert hits >= 34  # a 95% interval misses about 2 in 40; 6 misses would be very unlikely (p < 0.01)
    assert abs(np.mean(estimates) - total) < 0.03 * total


def test_dependent_lists_need_their_interaction():
    """Lists 1 and 2 share sources (odds ratio e): the independence model undercounts, the model
    with the interaction covers the total."""
    rng = np.random.default_rng(11092025)
    total = 1000
    main = [logit(p) for p in (0.25, 0.2, 0.3)]
    tables = [simulate(rng, total, main, {(0, 1): 1.0}) for _ in range(40)]
    hits, estimates = coverage(tables, ((0, 1),), total)
    assert hits >= 34
    assert abs(np.mean(estimates) - total) < 0.05 * total
    naive_hits, naive = coverage(tables, (), total)
    assert np.mean(naive) < 0.9 * total  # positive dependence hides people from the independence model
    assert naive_hits <= 10


def test_selection_finds_the_dependence_it_was_given():
    rng = np.random.default_rng(7)
    total = 2000
    main = [logit(p) for p in (0.25, 0.2, 0.3, 0.3)]
    chosen = []
    for _ in range(15):
        t = simulate(rng, total, main, {(0, 1): 1.0})
        chosen.append(mse.select_model(t, "bic").chosen.interactions)
    assert sum((0, 1) in c for c in chosen) >= 14
    assert sum(c == ((0, 1),) for c in chosen) >= 11  # and mostly nothing else


def test_stepwise_finds_the_dependence_too():
    rng = np.random.default_rng(8)
    main = [logit(p) for p in (0.25, 0.2, 0.3, 0.3, 0.15)]
    found = 0
    for _ in range(10):
        t = simulate(rng, 2000, main, {(1, 3): 1.0})
        found += (1, 3) in mse.select_model(t, "stepwise").chosen.interactions
    assert found >= 9


def test_bootstrap_interval_covers_and_is_reproducible():
    rng = np.random.default_rng(3)
    t = simulate(rng, 800, [logit(p) for p in (0.3, 0.3, 0.25)], {})
    a = mse.estimate(t, bootstrap=40, seed=1).as_dict()
    b = mse.estimate(t, bootstrap=40, seed=1).as_dict()
    assert a["lower"] == b["lower"] and a["upper"] == b["upper"]
    assert a["lower"] < a["estimate"] < a["upper"]
    assert a["interval"].startswith("parametric bootstrap")
    assert a["bootstrap"]["replicates"] == 40
    chosen = next(alt for alt in a["alternatives"] if alt["chosen"])
    assert chosen["lower"] != a["lower"]  # the table keeps the profile interval
