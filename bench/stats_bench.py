"""Statistics benchmark: the daily held series and a held-on-date figure, beside pandas and the numpy floor.

    python bench/stats_bench.py [--people 1000000] [--seed 1] [--repeat 5]

pandas comes with the `dev` extra (lifelines needs it) and is pinned in the `bench` extra
(`pip install -e '.[bench]'`).

Data: importing a million people with ten million events through the registry would take most
of an hour and measure the importer, not the statistics, so a vectorised numpy generator builds
the engine's `Dataset` arrays directly, with the shape of the demo data (volia/demo/generator.py):
about 1.15 custody episodes per person (re-arrests after a gap), administrative arrests of days
and criminal custody of months to years, 6% still held, detentions spread over 2009-2026 with the
2020-2021 wave, recognitions by one or two organisations (some withdrawn), contacts, facility
events, health reports, charges and sentences: about ten million events for a million people
(counting each episode's start and end as two events). `Dataset.build` sorts and indexes them
(timed, once).

Figures (default recognition rule: recognised on or before the day, "prior"), each beside:
- engine: `engine.series(ds, 2010-01-01, 2026-12-31)` (6,209 days: held and uncertain counts and
  the ISO dates) and `engine.held_on(ds, 2025-09-18)`. "first call" derives the population's spans
  (recognition intervals intersected with the episodes, then sorted) and caches them on the
  Dataset; later calls reuse them.
- pandas: the same numbers from DataFrames of the same episodes and recognition events: the
  recognition intervals with groupby/shift, the union over organisations, a merge with the
  episodes, then the daily counts (value_counts, reindex, cumsum) or a boolean mask for one day.
  "from spans" starts from the spans the engine derived, for the counting step alone.
- floor: plain numpy over the spans already in memory and already sorted:
  np.searchsorted(starts, days) - np.searchsorted(ends, days).
All three must give the same numbers (asserted). Times are the best of --repeat runs; peak
memory is the process's max RSS (resource.getrusage) after each stage (the engine stage builds
a second Dataset to time a first call from cold), beside the size of the Dataset's arrays. Results also go to
bench/out/stats.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from volia.stats import engine  # noqa: E402
from volia.stats.engine import OPEN, Dataset  # noqa: E402

FIRST = dt.date(2010, 1, 1)
LAST = dt.date(2026, 12, 31)
ON = dt.date(2025, 9, 18)
TODAY = dt.date(2026, 11, 1).toordinal()
KINDS = np.array(["sentence_served", "pardon", "exchange", "amnesty", "acquitted", "noncustodial", "other",
                  "house_arrest", "died_in_custody"])
KIND_P = [0.62, 0.08, 0.03, 0.01, 0.03, 0.1, 0.05, 0.07, 0.01]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


# --- data -------------------------------------------------------------------------------------------


def generate(people: int, seed: int) -> tuple[dict, int]:
    """Arrays for Dataset.build, and the number of events they stand for."""
    rng = np.random.default_rng(seed)
    pid = np.arange(1, people + 1, dtype=np.int64)
    # first detention: a background over 2009-2026 and the 2020-2021 wave
    first = np.where(rng.random(people) < 0.45,
                     dt.date(2020, 8, 9).toordinal() + rng.exponential(250, people).astype(np.int64),
                     dt.date(2009, 1, 1).toordinal() + rng.integers(0, 6500, people))
    n_eps = 1 + (rng.random(people) < 0.12) + (rng.random(people) < 0.03)
    person = np.repeat(np.arange(people), n_eps)
    e = len(person)
    group_start = np.repeat(np.cumsum(n_eps) - n_eps, n_eps)
    seq = np.arange(e) - group_start + 1
    criminal = rng.random(e) < 0.7
    length = np.where(criminal, rng.lognormal(6.2, 0.8, e), rng.integers(0, 16, e)).astype(np.int64)
    gap = 30 + rng.integers(0, 900, e)
    step = length + gap
    before = np.cumsum(step) - step  # days of earlier episodes and gaps, within the person
    start = first[person] + before - before[group_start]
    end = start + length
    keep = start <= TODAY
    person, seq, criminal, start, end = person[keep], seq[keep], criminal[keep], start[keep], end[keep]
    e = len(person)
    end_kind = KINDS[rng.choice(len(KINDS), e, p=KIND_P)]
    still = end > TODAY
    end = np.where(still, OPEN, end)
    end_kind = np.where(still, "", end_kind)
    episodes = {"person": pid[person], "seq": seq, "criminal": criminal, "start": start, "end": end,
                "start_exact": rng.random(e) > 0.03, "end_exact": still | (rng.random(e) > 0.02),
                "end_kind": end_kind, "deported": (end_kind == "exchange") & (rng.random(e) < 0.9)}

    recognised = rng.random(people) < 0.75
    r1 = np.flatnonzero(recognised)
    day1 = first[r1] + rng.integers(-10, 400, len(r1))
    r2 = r1[rng.random(len(r1)) < 0.2]
    day2 = first[r2] + rng.integers(0, 600, len(r2))
    rw = r1[rng.random(len(r1)) < 0.01]
    dayw = first[rw] + rng.integers(200, 900, len(rw))
    rec_person = np.concatenate([r1, r2, rw])
    recognitions = {"person": pid[rec_person], "org": np.concatenate([np.zeros(len(r1)), np.ones(len(r2)),
                                                                      np.zeros(len(rw))]).astype(np.int64),
                    "day": np.concatenate([day1, day2, dayw]),
                    "withdrawn": np.concatenate([np.zeros(len(r1) + len(r2), bool), np.ones(len(rw), bool)]),
                    "order": np.arange(len(rec_person))}

    n_contacts = rng.poisson(3.3, people)
    cp = np.repeat(np.arange(people), n_contacts)
    contacts = {"person": pid[cp], "day": first[cp] + rng.integers(0, 2500, len(cp))}
    fe = np.repeat(np.arange(e), 2)
    facility_events = {"person": episodes["person"][fe], "day": start[fe] + np.tile([0, 45], e),
                       "facility": rng.integers(0, 27, len(fe)), "order": np.arange(len(fe))}
    hp = np.flatnonzero(rng.random(people) < 0.05)
    health = {"person": pid[hp], "day": first[hp] + rng.integers(0, 900, len(hp)),
              "condition": np.where(rng.random(len(hp)) < 0.6, "serious_illness", "disability")}
    cp2 = np.flatnonzero(rng.random(people) < 0.9)
    charges = {"person": pid[cp2], "article": rng.integers(0, 16, len(cp2))}
    sp = np.flatnonzero(criminal & (rng.random(e) < 0.9))
    sentences = {"person": episodes["person"][sp], "day": start[sp] + 60, "type": np.full(len(sp), "sentenced"),
                 "months": rng.choice([12, 24, 36, 60, 120], len(sp)), "credited": np.full(len(sp), 60),
                 "order": np.arange(len(sp))}
    birth = np.where(rng.random(people) < 0.93, first - rng.integers(18 * 365, 70 * 365, people), 0)
    arrays = {"person_id": pid, "end": dt.date(2026, 11, 1), "birth": birth,
              "sex": np.where(rng.random(people) < 0.13, "f", "m"), "episodes": episodes,
              "recognitions": recognitions, "organizations": ("org-a", "org-b"), "facility_events": facility_events,
              "facilities": tuple(f"f{i}" for i in range(27)), "facility_kinds": ("sizo",) * 9 + ("colony",) * 18,
              "contacts": contacts, "health": health, "charges": charges,
              "articles": tuple(str(300 + i) for i in range(16)), "sentences": sentences}
    events = 2 * e + len(rec_person) + len(cp) + len(fe) + len(hp) + len(cp2) + len(sp)
    return arrays, events


# --- pandas -------------------------------------------------------------------------------------------


def pandas_spans(pd, episodes, recognitions):
    """Spans of prior recognition (episode ∩ union of recognition intervals), in pandas."""
    rec = recognitions.sort_values(["person", "org", "day", "order"])
    rec["state"] = ~rec["withdrawn"]
    rec["prev"] = rec.groupby(["person", "org"], sort=False)["state"].shift(fill_value=False)
    ch = rec[rec["state"] != rec["prev"]].copy()
    ch["next"] = ch.groupby(["person", "org"], sort=False)["day"].shift(-1, fill_value=OPEN)
    iv = ch[ch["state"]][["person", "day", "next"]].rename(columns={"day": "a", "next": "b"})
    iv = iv[iv["a"] < iv["b"]].sort_values(["person", "a"])
    run = iv.groupby("person", sort=False)["b"].cummax()
    prev = run.groupby(iv["person"], sort=False).shift()
    iv["g"] = (prev.isna() | (iv["a"] > prev)).cumsum()
    merged = iv.groupby("g", sort=False).agg(person=("person", "first"), a=("a", "min"), b=("b", "max"))
    ep = episodes[episodes["start"] < episodes["end"]]
    j = ep.merge(merged, on="person")
    a = np.maximum(j["start"].to_numpy(), j["a"].to_numpy())
    b = np.minimum(j["end"].to_numpy(), j["b"].to_numpy())
    keep = a < b
    return pd.DataFrame({"a": a[keep], "b": b[keep]})


def pandas_series(pd, spans, days: np.ndarray) -> np.ndarray:
    lo = int(min(spans["a"].min(), days[0]))
    hi = int(days[-1])
    index = pd.RangeIndex(lo, hi + 1)
    starts = spans["a"].value_counts().reindex(index, fill_value=0).cumsum()
    ends = spans["b"][spans["b"] <= hi].value_counts().reindex(index, fill_value=0).cumsum()
    return (starts - ends).loc[days[0]:hi].to_numpy()


def pandas_on(spans, day: int) -> int:
    return int(((spans["a"] <= day) & (spans["b"] > day)).sum())


# --- the run ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import pandas as pd

    report: dict = {"people": args.people, "series_days": (LAST - FIRST).days + 1, "memory_mb": {}}
    t = time.perf_counter()
    arrays, events = generate(args.people, args.seed)
    report["generate_s"] = time.perf_counter() - t
    report["memory_mb"]["generated"] = peak_mb()
    t = time.perf_counter()
    ds = Dataset.build(**arrays)
    report["build_s"] = time.perf_counter() - t
    report["memory_mb"]["dataset"] = peak_mb()
    report["events"] = events
    report["episodes"] = len(ds.ep_person)
    print(f"{args.people:,} people, {len(ds.ep_person):,} episodes, {events:,} events; generated in "
          f"{report['generate_s']:.1f} s, Dataset.build {report['build_s']:.1f} s")

    days = np.arange(FIRST.toordinal(), LAST.toordinal() + 1)
    on = ON.toordinal()

    # engine: first call (derives and caches the spans), then warm calls
    t = time.perf_counter()
    first_series = engine.series(ds, FIRST, LAST)
    engine_first = time.perf_counter() - t
    engine_series_s, series = best(lambda: engine.series(ds, FIRST, LAST), args.repeat)
    engine_on_s, held = best(lambda: engine.held_on(ds, ON), args.repeat * 4)
    fresh = Dataset.build(**arrays)
    t = time.perf_counter()
    engine.held_on(fresh, ON)
    engine_on_first = time.perf_counter() - t
    del fresh
    filters = engine.Filters(sex="f", age_min=18, age_max=40, facility_kind="colony")
    t = time.perf_counter()
    engine.series(ds, FIRST, LAST, filters)
    filtered_first = time.perf_counter() - t
    filtered_s, _f = best(lambda: engine.series(ds, FIRST, LAST, filters), args.repeat)
    report["memory_mb"]["engine"] = peak_mb()
    report["dataset_arrays_mb"] = sum(v.nbytes for v in vars(ds).values() if isinstance(v, np.ndarray)) / 2**20
    assert first_series["held"] == series["held"]  # type: ignore[index]

    # the floor: numpy over the spans already in memory, already sorted
    spans = engine._spans(ds, engine.Filters(), "prior", None)
    sa, sb = np.sort(spans.start), np.sort(spans.end)
    floor_series_s, floor_series = best(
        lambda: np.searchsorted(sa, days, side="right") - np.searchsorted(sb, days, side="right"), args.repeat)
    floor_on_s, floor_on = best(
        lambda: int(np.searchsorted(sa, on, side="right") - np.searchsorted(sb, on, side="right")), args.repeat * 4)

    # pandas: from DataFrames of the same episodes and recognitions
    ep = pd.DataFrame({"person": ds.ep_person, "start": ds.ep_start, "end": ds.ep_end})
    rec = pd.DataFrame({"person": ds.rec_person, "org": ds.rec_org, "day": ds.rec_day,
                        "withdrawn": ds.rec_withdrawn, "order": np.arange(len(ds.rec_person))})
    report["memory_mb"]["pandas_frames"] = peak_mb()
    pandas_full_s, pspans = best(lambda: pandas_spans(pd, ep, rec), max(1, args.repeat // 2))
    pandas_series_s, pseries = best(lambda: pandas_series(pd, pspans, days), args.repeat)
    span_frame = pd.DataFrame({"a": spans.start, "b": spans.end})
    pandas_on_s, pon = best(lambda: pandas_on(span_frame, on), args.repeat)
    report["memory_mb"]["pandas"] = peak_mb()

    # the same numbers, three ways
    want = np.asarray(series["held"])  # type: ignore[index]
    assert np.array_equal(want, floor_series), "engine and floor differ"
    assert np.array_equal(want, pseries), "engine and pandas differ"
    assert held["held"] == floor_on == pon == pandas_on(pd.DataFrame({"a": pspans["a"], "b": pspans["b"]}), on)  # type: ignore[index]
    assert len(pspans) == len(spans)

    rows = [
        ("series 2010-2026, engine first call (derives spans)", engine_first),
        ("series 2010-2026, engine", engine_series_s),
        ("series 2010-2026, pandas from episodes and recognitions", pandas_full_s + pandas_series_s),
        ("series 2010-2026, pandas from the spans", pandas_series_s),
        ("series 2010-2026, numpy floor (sorted spans in memory)", floor_series_s),
        ("series 2010-2026, women aged 18-40 in a colony, engine first call", filtered_first),
        ("series 2010-2026, women aged 18-40 in a colony, engine", filtered_s),
        ("held on 2025-09-18, engine first call (derives spans)", engine_on_first),
        ("held on 2025-09-18, engine", engine_on_s),
        ("held on 2025-09-18, pandas mask over the spans", pandas_on_s),
        ("held on 2025-09-18, numpy floor (sorted spans in memory)", floor_on_s),
    ]
    print(f"held on {ON}: {held['held']:,} (all three agree); series max {want.max():,}")  # type: ignore[index]
    print(f"{'figure':<68} {'time':>11} {'vs engine':>10}")
    for name, secs in rows:
        base = engine_series_s if name.startswith("series") else engine_on_s
        print(f"{name:<68} {secs * 1000:>8.2f} ms {secs / base:>9.2f}x")
    print("peak memory (max RSS, MB, after each stage): " + ", ".join(
        f"{k} {v:,.0f}" for k, v in report["memory_mb"].items())
          + f"; the Dataset's arrays: {report['dataset_arrays_mb']:,.0f} MB")
    report["times_s"] = dict(rows)
    report["held_on"] = held["held"]  # type: ignore[index]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "stats.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
