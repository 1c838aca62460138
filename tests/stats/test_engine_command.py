"""`volia stats` and "as recorded on": a figure published earlier is reproduced after later changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from volia.interchange.importer import Importer
from volia.registry import services
from volia.registry.models import Event, Organization
from volia.stats import engine
from volia.stats.dataset import load_dataset

MINSK = zoneinfo.ZoneInfo("Europe/Minsk")
R = dt.date(2021, 2, 15)  # the day a figure was published
DAY = dt.date(2021, 1, 20)  # the day the figure is about


def at(day: str, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=MINSK)


def recorded(events, when: dt.datetime) -> None:
    Event.objects.filter(id__in=[e.id for e in events]).update(recorded_at=when)


@pytest.fixture
def history(db, make_person, actor):
    """The registry as it stood on R: recorded at dates before R (set by hand: the service records now)."""
    org = Organization.objects.create(code="org-a", name_en="Org A")
    p1 = make_person("p1", events=[("detained", "2021-01-10"), ("recognized", "2021-01-20", {"organization": org})])
    p2 = make_person("p2", events=[("detained", "2021-01-05")])
    p3 = make_person("p3", events=[
        ("detained", "2020-12-01"), ("recognized", "2020-12-05", {"organization": org}),
        ("sentenced", "2021-01-05", {"details": {"sentence_kind": "colony_general", "sentence_months": 12,
                                                 "credited_days": 35}}),
        ("released", "2021-01-15", {"details": {"release_kind": "pardon"}})])
    recorded(Event.objects.all(), at("2021-02-01"))
    # a correction recorded before R: the release was on 25 January
    release = Event.objects.get(person=p3, type="released")
    fixed = services.correct_event(release, date="2021-01-25", actor=actor, reason="the release was later")
    recorded([fixed], at("2021-02-10"))
    # recorded late on R (Minsk time) counts; just after midnight does not
    p5 = make_person("p5", events=[("detained", "2021-01-03")])
    recorded(Event.objects.filter(person=p5), at("2021-02-15", 23, 50))
    return {"org": org, "p1": p1, "p2": p2, "p3": p3, "p5": p5}


def later_changes(history, actor) -> None:
    """Corrections, a retraction, new events and an import, all recorded after R (now)."""
    org, p1, p2, p3 = history["org"], history["p1"], history["p2"], history["p3"]
    services.record_event(p2, "recognized", "2021-01-06", organization=org, actor=actor)
    detention = Event.objects.get(person=p1, type="detained")
    services.correct_event(detention, date="2021-01-25", actor=actor, reason="detained later than reported")
    services.retract_event(Event.objects.get(person=p3, type="recognized"), actor=actor, reason="not on the list")
    rows = [(2, {"person": "p4", "name": "Тэст Чацвёрты", "event": "detained", "date": "2021-01-01"}),
            (3, {"person": "p4", "event": "recognized", "date": "2021-01-02", "organization": "org-a"})]
    assert Importer("late.csv", actor=actor).run(rows, []).ok


def figures(ds) -> dict:
    return {"held": engine.held_on(ds, DAY)["held"], "people": engine.held_people(ds, DAY),
            "none": engine.held_people(ds, DAY, recognition="none"),
            "series": engine.series(ds, dt.date(2020, 11, 1), dt.date(2021, 3, 1))["held"],
            "flows": engine.flows(ds, dt.date(2020, 11, 1), dt.date(2021, 3, 1), "month"),
            "remitted": engine.remitted(ds)["people_days_left"]}


def test_as_recorded_on_reproduces_a_published_figure(history, actor, make_person):
    published = figures(load_dataset())  # computed on R (the events recorded after R were not there yet)
    ids = {k: history[k].id for k in ("p1", "p2", "p3", "p5")}
    assert published["people"] == sorted([ids["p1"], ids["p3"]])
    assert published["none"] == sorted(ids.values())
    assert published["remitted"][0]["days_left"] == (dt.date(2021, 12, 1) - dt.date(2021, 1, 25)).days

    later_changes(history, actor)
    p6 = make_person("p6", events=[("detained", "2021-01-04")])
    recorded(Event.objects.filter(person=p6), at("2021-02-16", 0, 10))  # just after midnight after R
    now = figures(load_dataset())
    assert now["people"] != published["people"]  # p2 and p4 now, p1 and p3 no longer
    assert p6.id in now["none"]
    as_of = load_dataset(as_recorded_on=R)
    assert figures(as_of) == published
    assert engine.held_on(as_of, DAY)["as_recorded_on"] == R.isoformat()
    assert "As recorded on 2021-02-15" in engine.held_on(as_of, DAY)["definition"]
    # before the correction of 10 February the release was on 15 January
    before = load_dataset(as_recorded_on=dt.date(2021, 2, 5))
    assert engine.held_people(before, DAY) == [ids["p1"]]
    assert engine.held_people(load_dataset(as_recorded_on=dt.date(2021, 1, 31)), DAY) == []


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("stats", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_prints_every_figure(history, actor):
    result = json.loads(run("held", "--on", "2021-01-20", "--json"))
    assert result["held"] == 2 and result["recognition"] == "prior" and "definition" in result
    assert json.loads(run("held", "--on", "2021-01-20", "--json", "--recognition", "none"))["held"] == 4
    assert json.loads(run("held", "--on", "2021-01-20", "--json", "--organization", "org-a", "--people"))[
        "people"] == sorted([history["p1"].id, history["p3"].id])
    assert "Held at the end of 2021-01-20: 2" in run("held", "--on", "2021-01-20")
    later_changes(history, actor)
    assert json.loads(run("held", "--on", "2021-01-20", "--json", "--as-recorded-on", "2021-02-15"))["held"] == 2

    rows = list(csv.reader(io.StringIO(run("series", "--from", "2021-01-01", "--to", "2021-01-31", "--csv"))))
    assert rows[0] == ["date", "held", "uncertain_dates"] and len(rows) == 32
    flows = json.loads(run("flows", "--from", "2020-12-01", "--to", "2021-02-28", "--by", "month", "--json"))
    assert [p["period"] for p in flows["periods"]] == ["2020-12", "2021-01", "2021-02"]
    assert flows["periods"][1]["released"]["pardon"] == 1 and "definition" in flows
    table = list(csv.reader(io.StringIO(run("flows", "--from", "2020-12-01", "--to", "2021-02-28", "--csv"))))
    assert table[0][:4] == ["period", "start", "end", "detained"] and len(table) == 4
    assert json.loads(run("remitted", "--json"))["releases"] == 1
    assert json.loads(run("durations", "--json", "--by", "detention_year"))["groups"]
    assert json.loads(run("incommunicado", "--on", "2021-01-20", "--json"))["held"] == 2
    assert json.loads(run("vulnerability", "--on", "2021-01-20", "--json"))["counts"]["any"] == 0
    assert json.loads(run("projection", "--on", "2021-01-20", "--json", "--horizon", "30"))["horizon_days"] == 30
    for figure, extra in [("series", ["--from", "2021-01-01", "--to", "2021-01-05"]), ("flows", [
            "--from", "2021-01-01", "--to", "2021-01-05", "--by", "day"]), ("remitted", []), ("durations", []),
            ("incommunicado", ["--on", "2021-01-20"]), ("vulnerability", ["--on", "2021-01-20"]),
            ("projection", ["--on", "2021-01-20"])]:
        assert "Definition:" in run(figure, *extra)
        assert run(figure, *extra, "--csv").count("\n") >= 2
        json.loads(run(figure, *extra, "--json", "--sex", "m", "--age-min", "18"))


@pytest.mark.parametrize(("args", "message"), [
    (["held", "--on", "2021-02-30"], "--on: '2021-02-30' is not a date"),
    (["held", "--on", "2021-01-20", "--sex", "q"], "--sex: unknown code 'q'"),
    (["held", "--on", "2021-01-20", "--age-min", "many"], "--age-min: 'many' is not a whole number"),
    (["held", "--on", "2021-01-20", "--organization", "nobody"], "--organization: unknown organisation code"),
    (["series", "--from", "2021-02-01", "--to", "2021-01-01"], "--to: 2021-01-01 is before from"),
    (["projection", "--on", "2021-01-20", "--horizon", "0"], "--horizon: 0 is not a positive"),
    (["held", "--on", "2021-01-20", "--as-recorded-on", "yesterday"], "--as-recorded-on: 'yesterday'"),
])
def test_bad_options_exit_with_status_2(db, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2
