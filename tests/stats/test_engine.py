"""The statistics engine on small hand-built datasets: conventions, edge cases, errors, output shape."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from volia.stats import engine
from volia.stats.engine import OPEN, Dataset, Filters

D = dt.date


def o(day: str) -> int:
    return D.fromisoformat(day).toordinal()


def build(episodes: list[dict], *, people: int = 4, recognitions=(), births=None, facility_events=(), contacts=(),
          health=(), charges=(), sentences=(), end="2025-12-31", **person) -> Dataset:
    """episodes: {person, start, end (None = open), start_exact, end_exact, end_kind, seq, criminal, deported}."""
    ep = {k: [] for k in ("person", "seq", "criminal", "start", "end", "start_exact", "end_exact", "end_kind",
                          "deported")}
    for e in episodes:
        ep["person"].append(e["person"])
        ep["seq"].append(e.get("seq", 1))
        ep["criminal"].append(e.get("criminal", True))
        ep["start"].append(o(e["start"]))
        ep["end"].append(o(e["end"]) if e.get("end") else OPEN)
        ep["start_exact"].append(e.get("start_exact", True))
        ep["end_exact"].append(e.get("end_exact", True))
        ep["end_kind"].append(e.get("end_kind", "sentence_served" if e.get("end") else ""))
        ep["deported"].append(e.get("deported", False))
    orgs = ("org-a", "org-b")
    rec = {"person": [r[0] for r in recognitions], "org": [orgs.index(r[1]) for r in recognitions],
           "day": [o(r[2]) for r in recognitions], "withdrawn": [r[3] == "withdrawn" for r in recognitions],
           "order": [14 + (r[3] == "withdrawn") for r in recognitions]}
    facilities = ("sizo-1-minsk", "ik-2-bobruisk")
    fac = {"person": [f[0] for f in facility_events], "day": [o(f[1]) for f in facility_events],
           "facility": [facilities.index(f[2]) for f in facility_events], "order": list(range(len(facility_events)))}
    return Dataset.build(
        person_id=list(range(1, people + 1)), end=D.fromisoformat(end),
        birth=[o(b) if b else 0 for b in (births or [None] * people)], episodes=ep, recognitions=rec,
        organizations=orgs, facility_events=fac, facilities=facilities, facility_kinds=("sizo", "colony"),
        contacts={"person": [c[0] for c in contacts], "day": [o(c[1]) for c in contacts]},
        health={"person": [h[0] for h in health], "day": [o(h[1]) for h in health],
                "condition": [h[2] for h in health]},
        charges={"person": [c[0] for c in charges], "article": [0 for _c in charges]}, articles=("342",),
        sentences={k: [s[k] for s in sentences] for k in ("person", "day", "type", "months", "credited", "order")}
        if sentences else None, **person)


def held(ds, day, filters: Filters | None = None, **kw) -> int:
    return engine.held_on(ds, D.fromisoformat(day), filters or Filters(), **kw)["held"]


def test_held_at_the_end_of_the_day():
    ds = build([{"person": 1, "start": "2021-03-10", "end": "2021-03-20"},
                {"person": 2, "start": "2021-03-15", "end": "2021-03-15"},  # detained and released the same day
                {"person": 3, "start": "2021-03-01", "start_exact": False, "end": None}])
    none = {"recognition": "none"}
    assert held(ds, "2021-03-09", **none) == 1  # person 3, from "March 2021"
    assert held(ds, "2021-03-10", **none) == 2  # detained on the day counts
    assert held(ds, "2021-03-15", **none) == 2  # a same-day release is held on no day
    assert held(ds, "2021-03-19", **none) == 2
    assert held(ds, "2021-03-20", **none) == 1  # released on the day does not count
    result = engine.held_on(ds, D(2021, 3, 12), **none)
    assert result["uncertain_dates"] == 1
    assert engine.held_people(ds, D(2021, 3, 12), **none) == [1, 3]
    assert held(ds, "2021-03-12") == 0  # nobody is recognised: the default is "prior"


def test_prior_recognition_starts_the_count_and_withdrawal_stops_it():
    ds = build([{"person": 1, "start": "2021-01-01", "end": None},
                {"person": 2, "start": "2021-01-01", "end": "2021-06-01"},
                {"person": 3, "start": "2021-01-01", "end": None}],
               recognitions=[(1, "org-a", "2021-02-01", "recognized"),
                             (1, "org-a", "2021-04-01", "withdrawn"),
                             (1, "org-b", "2021-05-01", "recognized"),
                             (2, "org-b", "2021-07-01", "recognized"),  # after release
                             (3, "org-a", "2021-03-01", "recognized"),
                             (3, "org-a", "2021-03-01", "withdrawn")])  # the same day: withdrawn
    assert held(ds, "2021-01-31") == 0
    assert held(ds, "2021-02-01") == 1
    assert held(ds, "2021-03-31") == 1
    assert held(ds, "2021-04-01") == 0  # withdrawn on the day
    assert held(ds, "2021-05-01") == 1
    assert held(ds, "2021-05-01", organization="org-a") == 0
    assert held(ds, "2021-03-01", organization="org-a") == 1
    assert held(ds, "2021-03-01", recognition="retroactive") == 3  # even recognised later, even withdrawn
    assert held(ds, "2021-03-01", recognition="retroactive", organization="org-b") == 2
    s = engine.series(ds, D(2021, 1, 30), D(2021, 5, 2))
    assert s["held"][0] == 0 and s["held"][-1] == 1 and len(s["dates"]) == 93
    flows = engine.flows(ds, D(2021, 1, 1), D(2021, 7, 31), "month")
    assert [f["recognized"] for f in flows] == [0, 1, 1, 0, 0, 0, 1]  # first recognitions only


def test_age_on_the_date_and_29_february():
    ds = build([{"person": 1, "start": "2020-01-01", "end": None},
                {"person": 2, "start": "2020-01-01", "end": None},
                {"person": 3, "start": "2020-01-01", "end": None}],
               people=3, births=["1960-02-29", "1961-03-01", None])
    f61 = Filters(age_min=61)
    none = {"recognition": "none"}
    # born 29 February 1960: 61 on 1 March 2021 (2021 has no 29 February)
    assert held(ds, "2021-02-28", f61, **none) == 0
    assert held(ds, "2021-03-01", f61, **none) == 1
    assert held(ds, "2021-02-28", Filters(age_max=60), **none) == 2  # nobody without a birth date
    assert held(ds, "2021-03-01", Filters(age_max=60), **none) == 1
    assert held(ds, "2020-02-29", Filters(age_min=60, age_max=60), **none) == 1  # a real birthday in 2020
    assert held(ds, "2020-02-28", Filters(age_min=60, age_max=60), **none) == 0


def test_facility_on_the_date_and_vulnerability():
    ds = build([{"person": 1, "start": "2021-01-01", "end": "2022-01-01"},
                {"person": 2, "start": "2021-01-01", "end": None}],
               people=2, births=["2004-06-01", "1950-01-01"],
               facility_events=[(1, "2021-01-01", "sizo-1-minsk"), (1, "2021-06-01", "ik-2-bobruisk"),
                                (1, "2021-06-01", "sizo-1-minsk"),  # the later of two same-day events wins
                                (2, "2021-01-01", "sizo-1-minsk"), (2, "2021-03-01", "ik-2-bobruisk")],
               health=[(2, "2021-05-01", "serious_illness")])
    none = {"recognition": "none"}
    assert held(ds, "2021-07-01", Filters(facility="sizo-1-minsk"), **none) == 1
    assert held(ds, "2021-07-01", Filters(facility_kind="colony"), **none) == 1
    assert held(ds, "2021-02-01", Filters(facility_kind="colony"), **none) == 0
    v = engine.vulnerability(ds, D(2021, 7, 1), **none)
    assert v["counts"] == {"elderly": 1, "minor_at_detention": 1, "serious_illness": 1, "disability": 0, "any": 2}
    assert "parents_of_minor_children" in v["not_available"]
    assert set(v["definitions"]) >= set(engine.VULNERABILITY)
    assert held(ds, "2021-04-30", Filters(vulnerable="serious_illness"), **none) == 0
    assert held(ds, "2021-05-01", Filters(vulnerable="serious_illness"), **none) == 1
    # the release of somebody detained as a minor is a release of a minor
    flows = engine.flows(ds, D(2022, 1, 1), D(2022, 1, 31), "month", Filters(vulnerable="minor_at_detention"))
    assert flows[0]["released_total"] == 1


def test_remitted_sentence_convention():
    # detained 2021-01-10, sentenced 2021-06-10 to 24 months crediting 151 days: the term runs from
    # 2021-01-10 to 2023-01-10; pardoned 2022-12-01 → 40 days left
    sentences = [
        {"person": 1, "day": o("2021-06-10"), "type": "sentenced", "months": 24, "credited": 151, "order": 1},
        {"person": 2, "day": o("2021-06-10"), "type": "sentenced", "months": 24, "credited": -1, "order": 2},
        {"person": 2, "day": o("2021-09-01"), "type": "appeal_decided", "months": 18, "credited": -1, "order": 3},
        {"person": 3, "day": o("2019-01-01"), "type": "sentenced", "months": 12, "credited": -1, "order": 4},
    ]
    ds = build([{"person": 1, "start": "2021-01-10", "end": "2022-12-01", "end_kind": "pardon"},
                {"person": 2, "start": "2021-01-31", "end": "2022-06-30", "end_kind": "exchange", "deported": True},
                {"person": 3, "start": "2021-01-01", "end": "2021-05-01", "end_kind": "amnesty"},
                {"person": 4, "start": "2021-01-01", "end": "2021-05-01", "end_kind": "sentence_served"}],
               sentences=sentences)
    r = engine.remitted(ds)
    left = {i["person_id"]: i["days_left"] for i in r["people_days_left"]}
    # person 2: no credited days, the term runs from the detention; the appeal's 18 months count;
    # 31 January + 18 months = 31 July 2022 (a shorter month would clamp)
    assert left == {1: 40, 2: (D(2022, 7, 31) - D(2022, 6, 30)).days, 3: None}
    assert r["releases"] == 3 and r["with_sentence"] == 2 and r["by_kind"] == {"amnesty": 1, "exchange": 1,
                                                                                 "pardon": 1}
    assert r["share_under"] == {"30": 0.0, "90": 1.0, "180": 1.0}
    assert engine.remitted(ds, D(2022, 7, 1), None)["releases"] == 1
    assert engine.add_months(D(2021, 1, 31), 1) == D(2021, 2, 28)
    assert engine.add_months(D(2020, 1, 31), 1) == D(2020, 2, 29)
    assert engine.add_months(D(2021, 11, 30), 14) == D(2023, 1, 30)


def test_incommunicado_counts_contacts_of_the_current_episode():
    ds = build([{"person": 1, "start": "2020-01-01", "end": "2020-06-01"},
                {"person": 1, "start": "2021-01-01", "end": None, "seq": 2},
                {"person": 2, "start": "2021-01-01", "end": None}],
               people=2, contacts=[(1, "2020-03-01"), (2, "2021-02-01"), (2, "2021-08-01")])
    r = engine.incommunicado(ds, D(2021, 6, 1), recognition="none")
    # person 1's only contact was in an earlier custody: "never" since this detention (151 days ago)
    assert r["people"] == [
        {"person_id": 1, "days_since_contact": None, "last_contact": None, "days_held": 151},
        {"person_id": 2, "days_since_contact": 120, "last_contact": "2021-02-01", "days_held": 151}]
    assert r["never"] == 1 and r["no_contact_over"] == {"30": 2, "90": 2, "180": 0, "365": 0}


def test_periods():
    weeks = engine.periods(D(2025, 9, 3), D(2025, 9, 30), "week")
    assert weeks[0] == ("2025-W36", D(2025, 9, 3), D(2025, 9, 7))
    assert weeks[-1] == ("2025-W40", D(2025, 9, 29), D(2025, 9, 30))
    assert engine.periods(D(2024, 12, 30), D(2025, 1, 2), "week") == [("2025-W01", D(2024, 12, 30), D(2025, 1, 2))]
    assert [p[0] for p in engine.periods(D(2024, 11, 15), D(2025, 2, 1), "month")] == [
        "2024-11", "2024-12", "2025-01", "2025-02"]
    assert engine.periods(D(2024, 6, 1), D(2025, 2, 1), "year")[1] == ("2025", D(2025, 1, 1), D(2025, 2, 1))
    assert len(engine.periods(D(2024, 2, 1), D(2024, 3, 1), "day")) == 30


def test_filters_from_params():
    f = Filters.from_params({"age-min": "18", "age_max": "30", "sex": "f", "vulnerable": "any", "region": "",
                             "from": "2021-01-01"})
    assert f == Filters(sex="f", age_min=18, age_max=30, vulnerable="any")
    assert f.as_dict() == {"sex": "f", "age_min": 18, "age_max": 30, "vulnerable": "any"}
    for params, name in [({"sex": "q"}, "sex"), ({"age_min": "old"}, "age_min"), ({"age_max": "-1"}, "age_max"),
                         ({"region": "mars"}, "region"), ({"group": "x"}, "group"),
                         ({"facility_kind": "hotel"}, "facility_kind"), ({"vulnerable": "tall"}, "vulnerable"),
                         ({"age_min": "40", "age_max": "30"}, "age_min")]:
        with pytest.raises(ValueError, match=f"^{name}: "):
            Filters.from_params(params)


def test_bad_arguments_name_the_parameter():
    ds = build([{"person": 1, "start": "2021-01-01", "end": None}])
    for call, name in [(lambda: engine.held_on(ds, D(2021, 1, 1), organization="nobody"), "organization"),
                       (lambda: engine.held_on(ds, D(2021, 1, 1), recognition="sometimes"), "recognition"),
                       (lambda: engine.series(ds, D(2021, 2, 1), D(2021, 1, 1)), "to"),
                       (lambda: engine.flows(ds, D(2021, 1, 1), D(2021, 2, 1), "fortnight"), "by"),
                       (lambda: engine.durations(ds, by="colour"), "by"),
                       (lambda: engine.durations(ds, recognition="prior"), "recognition"),
                       (lambda: engine.held_on(ds, D(2021, 1, 1), custody="house"), "custody"),
                       (lambda: engine.projection(ds, D(2021, 1, 1), horizon_days=0), "horizon")]:
        with pytest.raises(ValueError, match=f"^{name}: "):
            call()


def test_every_result_is_json_and_states_its_definition():
    ds = build([{"person": 1, "start": "2021-01-01", "end": "2022-01-01", "end_kind": "pardon"},
                {"person": 2, "start": "2021-02-01", "end": None},
                {"person": 3, "start": "2021-03-01", "end": "2021-09-01", "end_kind": "died_in_custody"}],
               recognitions=[(1, "org-a", "2021-01-05", "recognized"), (2, "org-b", "2021-02-05", "recognized")],
               births=["1950-01-01", "1990-01-01", None, None])
    day = D(2021, 6, 1)
    results = [engine.held_on(ds, day), engine.series(ds, day, D(2021, 7, 1)), engine.remitted(ds),
               engine.durations(ds), engine.durations(ds, by="detention_year"), engine.durations(ds, by="article"),
               engine.incommunicado(ds, day), engine.vulnerability(ds, day), engine.projection(ds, day)]
    for r in results:
        json.dumps(r, allow_nan=False)
        assert len(r["definition"]) > 80
    assert "assumes" in results[-1]["assumption"]
    json.dumps(engine.flows(ds, D(2021, 1, 1), D(2021, 12, 31), "week"), allow_nan=False)
    assert "net_change" in engine.flows_definition()


def test_projection_arithmetic():
    # 20 people detained one per 10 days over 200 days, 10 released: +50 per 100 days net
    eps = [{"person": i + 1, "start": (D(2021, 1, 1) + dt.timedelta(days=10 * i)).isoformat(),
            "end": (D(2021, 1, 5) + dt.timedelta(days=20 * i)).isoformat() if i < 10 else None} for i in range(20)]
    ds = build(eps, people=20)
    r = engine.projection(ds, D(2021, 7, 19), horizon_days=100, window_days=200, recognition="none")
    assert (r["held_now"], r["inflow"], r["outflow"]) == (10, 20, 10)
    assert r["expected"] == 15.0
    sd = ((20 + 10) / 200 * 100 + 30 * (100 / 200) ** 2) ** 0.5
    assert r["lower"] == round(15 - 1.959963984540054 * sd, 1) and r["upper"] == round(15 + 1.959963984540054 * sd, 1)


def test_kaplan_meier_by_hand():
    # durations 1, 2+, 3, 3, 4+ (+ = censored), no truncation: S(1)=4/5, S(3)=4/5*(1-2/3)=4/15
    km = engine.kaplan_meier(np.array([1, 2, 3, 3, 4]), np.array([True, False, True, True, False]),
                             np.zeros(5, dtype=np.int64))
    assert km.times.tolist() == [1, 3] and km.at_risk.tolist() == [5, 3] and km.events.tolist() == [1, 2]
    assert km.survival == pytest.approx([0.8, 4 / 15])
    # left truncation: an episode entering at 2 is not at risk at 1
    km = engine.kaplan_meier(np.array([1, 3, 3]), np.array([True, True, False]), np.array([0, 2, 0]))
    assert km.at_risk.tolist() == [2, 2] and km.survival == pytest.approx([0.5, 0.25])


def test_dataset_build_checks_ids():
    with pytest.raises(ValueError, match="person id"):
        Dataset.build(person_id=[1, 2], end=D(2025, 1, 1), episodes={"person": [3], "start": [1], "end": [2]})
