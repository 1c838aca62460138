"""Durations: the engine's Kaplan-Meier and Aalen-Johansen estimates against lifelines.

lifelines is a test-only dependency. Its conventions are matched explicitly: an episode enters
the risk set just before its entry day (entry - 0.5, so that an exit on the records-start day is
observed, as in the engine), and a censored episode leaves just after its last day (+ 0.5, so
that it is at risk on that day even after lifelines jitters tied exits of different kinds).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from volia.stats import engine
from volia.stats.engine import OPEN, Dataset

lifelines = pytest.importorskip("lifelines")

CAUSES = list(engine.COMPETING)
KIND_OF_CAUSE = {"sentence_served": ("sentence_served",), "early_release": ("pardon", "amnesty", "exchange"),
                 "other_release": ("acquitted", "noncustodial", "other", "house_arrest"),
                 "died_in_custody": ("died_in_custody",)}
CAUSE_OF_KIND = {k: c for c, kinds in KIND_OF_CAUSE.items() for k in kinds}


def lifelines_inputs(duration: np.ndarray, cause: list[str], entry: np.ndarray):
    observed = np.array([c != "" for c in cause])
    return duration + np.where(observed, 0.0, 0.5), observed, entry - 0.5


def check_km(group: dict, duration: np.ndarray, cause: list[str], entry: np.ndarray) -> None:
    """One group of `engine.durations` against lifelines' KaplanMeierFitter on the same episodes."""
    t, observed, e = lifelines_inputs(duration, cause, entry)
    kmf = lifelines.KaplanMeierFitter().fit(t, observed, entry=e)
    assert group["n"] == len(t) and group["events"] == int(observed.sum())
    days = np.array([c["day"] for c in group["curve"]], dtype=float)
    assert days.tolist() == sorted(set(duration[observed].tolist()))
    want = kmf.survival_function_at_times(days).to_numpy()
    assert np.array([c["survival"] for c in group["curve"]]) == pytest.approx(want, abs=2e-6)
    ci = kmf.confidence_interval_.reindex(days)
    for c, (lo, hi) in zip(group["curve"], ci.to_numpy(), strict=True):
        if c["lower"] is not None:
            assert (c["lower"], c["upper"]) == pytest.approx((lo, hi), abs=2e-6)
    survival = dict(zip(days.tolist(), want.tolist(), strict=True))

    def same_time(mine, theirs, curve) -> bool:
        theirs = None if np.isinf(theirs) else int(theirs)
        if mine == theirs:
            return True
        # a value within rounding of 0.5 may be read on either side of it
        return mine is not None and abs(curve[float(mine)] - 0.5) < 1e-9

    assert same_time(group["median_days"], kmf.median_survival_time_, survival)
    limits = lifelines.utils.median_survival_times(kmf.confidence_interval_)
    lo, hi = limits.iloc[0, 0], limits.iloc[0, 1]
    lower = dict(zip(days.tolist(), ci.iloc[:, 0].tolist(), strict=True))
    upper = dict(zip(days.tolist(), ci.iloc[:, 1].tolist(), strict=True))
    assert same_time(group["median_ci"][0], lo, lower)
    assert same_time(group["median_ci"][1], hi, upper)


def check_cif(curves: dict, duration: np.ndarray, cause: list[str], entry: np.ndarray) -> None:
    """The engine's cumulative incidences against lifelines' AalenJohansenFitter."""
    t, _observed, e = lifelines_inputs(duration, cause, entry)
    code = np.array([CAUSES.index(c) + 1 if c else 0 for c in cause])
    for k, c in enumerate(CAUSES, start=1):
        if not (code == k).any():
            assert curves[c] == []
            continue
        aj = lifelines.AalenJohansenFitter(seed=k, calculate_variance=False).fit(t, code, event_of_interest=k,
                                                                                entry=e)
        cdf = aj.cumulative_density_.iloc[:, 0]
        points = curves[c]
        assert [p["day"] for p in points] == sorted(set(duration[code == k].tolist()))
        # lifelines jitters tied exits by up to 1e-4 of a day: read it a quarter of a day later
        want = [float(cdf.loc[:p["day"] + 0.25].iloc[-1]) for p in points]
        assert [p["cif"] for p in points] == pytest.approx(want, abs=2e-6)


# --- synthetic episodes, straight into a Dataset -----------------------------------------------------


def synthetic(n: int = 2500, seed: int = 5):
    rng = np.random.default_rng(seed)
    first = dt.date(2014, 1, 1).toordinal()
    start = first + rng.integers(0, 3650, n)
    length = np.where(rng.random(n) < 0.3, rng.integers(0, 30, n), rng.gamma(2.0, 300, n).astype(np.int64))
    end = start + length
    kinds = np.array(["sentence_served", "pardon", "exchange", "amnesty", "acquitted", "noncustodial", "other",
                      "house_arrest", "died_in_custody"])
    end_kind = kinds[rng.choice(len(kinds), n, p=[0.45, 0.15, 0.05, 0.02, 0.05, 0.1, 0.05, 0.1, 0.03])]
    still = rng.random(n) < 0.1  # never released
    end = np.where(still, OPEN, end)
    end_kind = np.where(still, "", end_kind)
    people = np.arange(1, n + 1)
    ds = Dataset.build(person_id=people, end=dt.date(2025, 6, 30), episodes={
        "person": people, "seq": np.ones(n), "criminal": rng.random(n) < 0.8, "start": start, "end": end,
        "start_exact": np.ones(n, bool), "end_exact": np.ones(n, bool), "end_kind": end_kind,
        "deported": np.zeros(n, bool)})
    return ds, start, end, end_kind


def expected_inputs(start, end, end_kind, cut: int, records_start: int, keep=None):
    """(duration, cause, entry) of the episodes the definition takes in, written out plainly."""
    duration, cause, entry = [], [], []
    for i in range(len(start)):
        if start[i] > cut or (keep is not None and not keep[i]):
            continue
        if end[i] <= cut:
            d, c = end[i] - start[i], CAUSE_OF_KIND[end_kind[i]]
        else:
            d, c = cut - start[i], ""
        e = max(records_start - start[i], 0)
        if d < e:
            continue  # over before the records start
        duration.append(d)
        cause.append(c)
        entry.append(e)
    return np.array(duration, dtype=np.int64), cause, np.array(entry, dtype=np.int64)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("custody", [None, "criminal"])
def test_km_and_cif_with_censoring_and_truncation(custody):
    ds, start, end, end_kind = synthetic()
    records_start, cut = dt.date(2017, 1, 1), dt.date(2022, 6, 30)
    got = engine.durations(ds, custody=custody, records_start=records_start, end=cut)
    keep = ds.ep_criminal if custody == "criminal" else None
    # Dataset.build keeps the episodes in (person, start) order: the same order as generated here
    duration, cause, entry = expected_inputs(start, end, end_kind, cut.toordinal(), records_start.toordinal(), keep)
    group = got["groups"][0]
    assert group["label"] == "all" and group["left_truncated"] == int((entry > 0).sum()) > 100
    assert group["censored"] == cause.count("") > 100
    check_km(group, duration, cause, entry)
    check_cif(got["competing"]["curves"], duration, cause, entry)
    assert got["competing"]["causes"] == CAUSES


@pytest.mark.filterwarnings("ignore")
def test_km_by_detention_year():
    ds, start, end, end_kind = synthetic(1500, seed=9)
    records_start, cut = dt.date(2016, 1, 1), dt.date(2023, 12, 31)
    got = engine.durations(ds, by="detention_year", custody=None, records_start=records_start, end=cut)
    years = np.array([dt.date.fromordinal(int(s)).year for s in start])
    labels = [g["label"] for g in got["groups"]]
    assert labels == [str(y) for y in sorted(set(years[(start <= cut.toordinal())
                                                         & (end >= records_start.toordinal())].tolist()))]
    for g in got["groups"]:
        duration, cause, entry = expected_inputs(start, end, end_kind, cut.toordinal(), records_start.toordinal(),
                                                 years == int(g["label"]))
        if (np.array(cause) != "").sum() < 5:
            continue
        check_km(g, duration, cause, entry)
