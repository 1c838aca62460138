"""The projection rules, and a day-by-day reference implementation to check them against."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from volia.core.dates import PartialDate
from volia.registry.projections import EventFact, project


def fact(i, etype, date, **kw):
    d = PartialDate.parse(date)
    return EventFact(id=i, type=etype, precision=d.precision.value, earliest=d.earliest, latest=d.latest, **kw)


def test_single_episode_with_pardon_and_deportation():
    p = project([fact(1, "detained", "2021-07-14"), fact(2, "sentenced", "2022-01-10", sentence_kind="colony_strict"),
                 fact(3, "released", "2025-09-11", release_kind="exchange", deported=True)])
    assert [(e.start.id, e.end.id if e.end else None, e.end_kind, e.deported) for e in p.episodes] == [
        (1, 3, "exchange", True)]
    assert [(x.status, str(x.start), str(x.end)) for x in p.periods] == [
        ("held", "2021-07-14", "2025-09-11"), ("exile", "2025-09-11", "None")]
    assert not p.anomalies


def test_re_arrest_makes_a_second_episode():
    p = project([fact(1, "detained", "2020-08-10"), fact(2, "released", "2020-08-20", release_kind="other"),
                 fact(3, "detained", "2023-01-05")])
    assert [e.seq for e in p.episodes] == [1, 2]
    assert p.episodes[1].end is None
    assert [x.status for x in p.periods] == ["held", "released", "held"]


def test_same_day_detention_and_release_is_an_empty_episode():
    p = project([fact(2, "released", "2021-05-01", release_kind="other"), fact(1, "detained", "2021-05-01")])
    assert len(p.episodes) == 1 and p.episodes[0].end is not None
    assert [(x.status, x.start) for x in p.periods] == [("released", dt.date(2021, 5, 1))]


def test_release_before_detention_is_an_error():
    p = project([fact(1, "released", "2021-01-01", release_kind="pardon"), fact(2, "detained", "2021-05-01")])
    assert [(a.event_id, a.severity) for a in p.anomalies] == [(1, "error")]


def test_partial_dates_order_by_earliest_day():
    # detained "in March", released on 10 March: possible, so no error
    p = project([fact(1, "detained", "2021-03"), fact(2, "released", "2021-03-10", release_kind="other")])
    assert not p.errors


def test_administrative_arrest_turning_into_criminal_case_is_one_episode():
    p = project([fact(1, "admin_detention", "2020-09-01"), fact(2, "detained", "2020-09-14"),
                 fact(3, "pretrial_custody", "2020-09-16")])
    assert len(p.episodes) == 1 and p.episodes[0].kind == "criminal"


def test_death_in_custody_ends_everything():
    p = project([fact(1, "detained", "2021-01-01"), fact(2, "died_in_custody", "2023-05-01"),
                 fact(3, "transferred", "2023-06-01")])
    assert p.episodes[0].end_kind == "died_in_custody"
    assert p.periods[-1].status == "deceased"
    assert [a.event_id for a in p.errors] == [3]


def test_custodial_sentence_of_someone_at_liberty_starts_custody():
    p = project([fact(1, "sentenced", "2022-02-02", sentence_kind="colony_general")])
    assert len(p.episodes) == 1
    p = project([fact(1, "sentenced", "2022-02-02", sentence_kind="restricted_freedom")])
    assert p.episodes == []


def test_transfer_without_custody_is_only_a_warning():
    p = project([fact(1, "transferred", "2022-02-02")])
    assert [a.severity for a in p.anomalies] == ["warning"]


# --- property: the projection agrees with a day-by-day simulation --------------------------

START, END = {"detained", "admin_detention", "pretrial_custody"}, {"released", "house_arrest", "died_in_custody"}


def held_by_brute_force(facts, day):
    """Replay the events day by day up to the end of `day`, as a human would: on each day, somebody
    held that morning is first released (and may be re-arrested), somebody free is first detained."""
    held = dead = False
    d = min((f.earliest for f in facts), default=day)
    while d <= day:
        todays = [f for f in facts if f.earliest == d]
        starts = [f for f in todays if f.type in START]
        ends = [f for f in todays if f.type in END]
        for phase in ((ends, starts) if held else (starts, ends)):
            for f in sorted(phase, key=lambda f: f.sort_key):
                if dead:
                    break
                if f.type in START:
                    held = True
                elif held:
                    held = False
                    dead = f.type == "died_in_custody"
        d += dt.timedelta(days=1)
    return held


event_strategy = st.tuples(
    st.sampled_from(["detained", "admin_detention", "pretrial_custody", "released", "house_arrest",
                     "died_in_custody", "contact", "recognized"]),
    st.integers(0, 60))


@settings(max_examples=300, deadline=None)
@given(st.lists(event_strategy, max_size=12))
def test_episodes_match_day_by_day_replay(events):
    base = dt.date(2021, 1, 1)
    facts = [EventFact(id=i, type=t, precision="day", earliest=base + dt.timedelta(days=o),
                       latest=base + dt.timedelta(days=o), release_kind="other" if t == "released" else "")
             for i, (t, o) in enumerate(events)]
    p = project(facts)
    for offset in range(0, 62):
        day = base + dt.timedelta(days=offset)
        by_episodes = any(e.start.earliest <= day and (e.end is None or day < e.end.earliest) for e in p.episodes)
        assert by_episodes == held_by_brute_force(facts, day), (offset, events)
        by_periods = [x.status for x in p.periods if x.start <= day and (x.end is None or day < x.end)]
        assert (by_periods == ["held"]) == by_episodes


def test_re_arrest_on_the_day_of_release_is_a_new_episode():
    p = project([fact(1, "detained", "2021-01-10"), fact(2, "released", "2024-03-01", release_kind="sentence_served"),
                 fact(3, "detained", "2024-03-01")])
    assert [(e.start.id, e.end.id if e.end else None) for e in p.episodes] == [(1, 2), (3, None)]
    assert [x.status for x in p.periods] == ["held"]  # never out for a night
    assert not p.anomalies


def test_sentenced_and_released_on_the_same_day_ends_custody():
    # credited pre-trial time covers the term: released from the courtroom
    p = project([fact(1, "detained", "2020-10-06"), fact(2, "sentenced", "2022-07-19", sentence_kind="colony_general"),
                 fact(3, "released", "2022-07-19", release_kind="sentence_served"), fact(4, "exiled", "2023-05-28")])
    assert [(e.start.id, e.end.id if e.end else None) for e in p.episodes] == [(1, 3)]
    assert [x.status for x in p.periods] == ["held", "released", "exile"] and not p.anomalies
