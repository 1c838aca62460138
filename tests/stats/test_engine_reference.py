"""Every figure of the statistics engine against an independent brute-force reference.

A small generator writes random histories (partial dates, re-arrests, same-day events, house
arrest, deaths, withdrawn recognitions, several organisations) as canonical interchange rows;
they are imported into the test database and loaded with `load_dataset`. The reference below
never looks at the engine, the stored projections or the Dataset: it replays each person's
events day by day with its own rules (docs/projections.md, docs/statistics.md) and counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pytest
from django.db import transaction

from volia.core import codes
from volia.interchange.importer import Importer
from volia.registry.models import Event, Facility
from volia.registry.services import Actor
from volia.stats import engine
from volia.stats.dataset import load_dataset
from volia.stats.engine import Filters

# the module's data are written once, outside the tests' transactions; the mark makes pytest-django
# create the test database before that
pytestmark = pytest.mark.django_db

ORGS = ("org-a", "org-b", "org-c")
NO_FILTERS = Filters()
FACILITIES = ("okrestina-minsk", "sizo-1-minsk", "prison-8-zhodino", "ik-2-bobruisk", "ik-4-gomel", "ik-9-gorki")
ARTICLES = ("342:1", "361-1:2", "130:3", "369", "342:2")
FIRST = dt.date(2020, 1, 1)
LAST = dt.date(2024, 12, 31)
PEOPLE = 90
SEED = 31
CUSTODY_STARTS = {"detained", "admin_detention", "pretrial_custody"}
RELEASE_PICK = ("sentence_served",) * 4 + ("pardon",) * 3 + ("exchange",) * 2 + (
    "amnesty", "acquitted", "noncustodial", "other")


# --- the generator ---------------------------------------------------------------------------------


@dataclass
class Ev:
    day: dt.date
    type: str
    cells: dict[str, str] = field(default_factory=dict)
    precision: str = "day"

    @property
    def text(self) -> str:
        iso = self.day.isoformat()
        return iso if self.precision == "day" else iso[:7] if self.precision == "month" else iso[:4]

    @property
    def earliest(self) -> dt.date:
        if self.precision == "day":
            return self.day
        return self.day.replace(day=1) if self.precision == "month" else self.day.replace(month=1, day=1)


def _valid(events: list[Ev]) -> bool:
    """Would the importer accept this history? (release only when held, nothing after death...)"""
    state = "none"
    for e in sorted(events, key=lambda e: (e.earliest, codes.EVENT_ORDER[e.type], events.index(e))):
        if state == "deceased" and e.type not in ("recognized", "recognition_withdrawn"):
            return False
        held = state == "held"
        if e.type in CUSTODY_STARTS or (e.type == "sentenced" and e.cells.get("sentence_kind") in
                                        codes.CUSTODIAL_SENTENCE_KINDS):
            state = "held"
        elif e.type == "released":
            if state not in ("held", "house_arrest"):
                return False
            state = "released"
        elif e.type == "house_arrest":
            state = "house_arrest"
        elif e.type == "died_in_custody":
            if not held:
                return False
            state = "deceased"
        elif e.type == "exiled" and held:
            return False
    return True


def _person_events(r: random.Random) -> list[Ev]:
    evs: list[Ev] = []
    t = FIRST + dt.timedelta(days=r.randrange(-300, (LAST - FIRST).days - 20))
    used: set[tuple[str, dt.date]] = set()

    def add(day: dt.date, etype: str, **cells: str) -> Ev:
        e = Ev(day, etype, {k: v for k, v in cells.items() if v})
        if (etype, day) in used and etype in ("contact", "transferred", "health_reported", "punishment_cell"):
            return e  # the importer would merge identical facts; keep one per day and type
        used.add((etype, day))
        evs.append(e)
        return e

    episodes = 1 + (r.random() < 0.35) + (r.random() < 0.12)
    for _ in range(episodes):
        if t > LAST:
            break
        opener = r.choices(("detained", "admin_detention", "pretrial_custody", "sentenced"), (55, 20, 10, 15))[0]
        months = r.choice((6, 12, 24, 36, 60, 120))
        start = t
        if opener == "sentenced":
            add(t, "sentenced", sentence_kind="colony_general", sentence_months=str(months),
                articles=r.choice(ARTICLES), credited_days=str(r.randrange(0, 90)) if r.random() < 0.5 else "")
        elif opener == "admin_detention":
            add(t, "admin_detention", days=str(r.randrange(3, 16)),
                facility=r.choice(FACILITIES[:2]) if r.random() < 0.6 else "")
        else:
            add(t, opener, facility=r.choice(FACILITIES[:3]) if r.random() < 0.7 else "")
        if r.random() < 0.25:
            add(t, "pretrial_custody")  # the same day: an administrative arrest becomes criminal
        if r.random() < 0.15:
            add(t, "recognized", organization=r.choice(ORGS))
        length = r.choice((0, r.randrange(1, 20), r.randrange(20, 400), r.randrange(400, 1800)))
        end = t + dt.timedelta(days=length)
        stop = min(end, LAST)
        inside = (stop - t).days
        sentenced = opener == "sentenced"
        if not sentenced and inside > 30 and r.random() < 0.7:
            sentenced = True
            day = t + dt.timedelta(days=r.randrange(20, inside))
            add(day, "sentenced", sentence_kind="colony_general", sentence_months=str(months),
                articles=r.choice(ARTICLES), credited_days=str((day - start).days) if r.random() < 0.7 else "")
        for _ in range(r.randrange(0, 9)):
            if inside < 1:
                break
            day = t + dt.timedelta(days=r.randrange(1, inside + 1))
            kind = r.random()
            if kind < 0.35:
                add(day, "contact", contact_kind=r.choice(tuple(codes.CONTACT_KINDS)))
            elif kind < 0.5:
                add(day, "transferred", facility=r.choice(FACILITIES))
            elif kind < 0.6:
                add(day, "charged", articles=r.choice(ARTICLES))
            elif kind < 0.72 and not sentenced:
                sentenced = True
                add(day, "sentenced", sentence_kind=r.choice(("colony_general", "prison", "restricted_freedom")),
                    sentence_months=str(months) if r.random() < 0.9 else "", articles=r.choice(ARTICLES),
                    credited_days=str((day - start).days) if r.random() < 0.7 else "")
            elif kind < 0.8 and sentenced:
                add(day, r.choice(("appeal_decided", "sentence_changed")),
                    sentence_months=str(months + r.choice((-6, 0, 6, 12))))
            elif kind < 0.9:
                add(day, "health_reported", condition=r.choice(("serious_illness", "disability", "injury")))
            else:
                add(day, "punishment_cell", days="10")
        if end > LAST or r.random() < 0.1:
            break  # still held
        u = r.random()
        if u < 0.04:
            add(end, "died_in_custody")
            break
        if u < 0.12:
            add(end, "house_arrest")
            if r.random() < 0.5 and end + dt.timedelta(days=30) <= LAST:
                end = end + dt.timedelta(days=r.randrange(1, 60))
                add(end, "released", release_kind="noncustodial")
        else:
            kind = r.choice(RELEASE_PICK)
            add(end, "released", release_kind=kind,
                deported="true" if kind == "exchange" and r.random() < 0.7 else "")
            if r.random() < 0.05:
                add(end + dt.timedelta(days=r.randrange(1, 40)), "exiled")
                break
        if r.random() < 0.1:
            add(end + dt.timedelta(days=r.randrange(1, 200)), "tried_in_absentia", sentence_months="36")
        t = end + dt.timedelta(days=r.choice((1, 2, r.randrange(3, 700))))
    # recognitions, by several organisations, sometimes withdrawn (even on the day), sometimes renewed
    if evs and r.random() < 0.8:
        first = min(e.day for e in evs)
        for org in r.sample(ORGS, r.choice((1, 1, 1, 2, 3))):
            day = first + dt.timedelta(days=r.randrange(-20, 500))
            add(day, "recognized", organization=org)
            if r.random() < 0.15:
                w = day + dt.timedelta(days=r.choice((0, r.randrange(1, 400))))
                add(w, "recognition_withdrawn", organization=org)
                if r.random() < 0.4:
                    add(w + dt.timedelta(days=r.randrange(0, 300)), "recognized", organization=org)
    evs = [e for e in evs if e.day <= LAST + dt.timedelta(days=300)]
    assert _valid(evs), evs
    # partial dates, where the history stays possible
    for e in evs:
        u = r.random() * (0.35 if e.type in ("released", "house_arrest", "died_in_custody") else 1.0)
        if u < 0.12:
            e.precision = "month" if u < 0.1 else "year"
            if not _valid(evs):
                e.precision = "day"
    # the importer keeps one event per fact (type, date, details): so does the generator
    seen: set[tuple] = set()
    unique = []
    for e in evs:
        fact = (e.type, e.text, tuple(sorted(e.cells.items())))
        if fact not in seen:
            seen.add(fact)
            unique.append(e)
    assert _valid(unique)
    return unique


def generate(seed: int = SEED, people: int = PEOPLE) -> dict[str, tuple[dict[str, str], list[Ev]]]:
    r = random.Random(seed)
    out = {}
    for n in range(people):
        birth = ""
        if r.random() < 0.9:
            b = dt.date(r.randrange(1940, 2009), r.randrange(1, 13), r.randrange(1, 29))
            if r.random() < 0.06:
                b = dt.date(r.choice((1956, 1960, 2004, 2008)), 2, 29)
            birth = b.isoformat()[:r.choice((10, 10, 10, 7, 4))]
        person = {"sex": r.choice(("m", "m", "f", "x", "")), "birth_date": birth,
                  "region": r.choice(("minsk_city", "brest", "gomel", "")),
                  "groups": ";".join(r.sample(("journalist", "student", "hrd"), r.choice((0, 0, 1, 2))))}
        out[f"ref-{n:03d}"] = (person, _person_events(r))
    return out


def rows_of(people: dict[str, tuple[dict[str, str], list[Ev]]]) -> list[tuple[int, dict]]:
    rows = []
    n = 2
    for key, (person, evs) in people.items():
        for i, e in enumerate(evs):
            row = {"person": key, "event": e.type, "date": e.text, **e.cells}
            if i == 0:
                row.update({"name": f"Тэст {key}", **{k: v for k, v in person.items() if v}})
            rows.append((n, row))
            n += 1
    return rows


# --- the reference ---------------------------------------------------------------------------------


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def plus_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class REv:
    id: int
    day: dt.date
    type: str
    precision: str
    cells: dict[str, str]


@dataclass
class REpisode:
    start: REv
    end: REv | None = None
    criminal: bool = True
    seq: int = 1

    def contains(self, day: dt.date, *, release_day: bool = False) -> bool:
        if day < self.start.day:
            return False
        return self.end is None or day < self.end.day or (release_day and day == self.end.day)


@dataclass
class RPerson:
    key: str
    pid: int
    sex: str
    region: str
    groups: set[str]
    birth: dt.date | None
    events: list[REv]
    articles: set[str] = field(default_factory=set)
    episodes: list[REpisode] = field(default_factory=list)


END_TYPES = ("released", "house_arrest", "died_in_custody")


def replay(events: list[REv]) -> tuple[list[REpisode], list[REv]]:
    """Custody episodes, by walking the events in their order with the rules of docs/projections.md
    (for somebody held at the start of a day, that day's detentions come last); also returns
    the events in the order walked."""
    episodes: list[REpisode] = []
    current: REpisode | None = None
    walked: list[REv] = []
    for day in sorted({e.day for e in events}):
        todays = [e for e in events if e.day == day]
        if current is not None:
            todays.sort(key=lambda e: e.type in CUSTODY_STARTS)  # detentions last; stable otherwise
        walked.extend(todays)
        current = _walk(todays, episodes, current)
    return episodes, walked


def _walk(events: list[REv], episodes: list[REpisode], current: REpisode | None) -> REpisode | None:
    for e in events:
        if e.type in CUSTODY_STARTS or (e.type == "sentenced" and e.cells.get("sentence_kind") in
                                        codes.CUSTODIAL_SENTENCE_KINDS and current is None):
            if current is None:
                current = REpisode(e, criminal=e.type != "admin_detention", seq=len(episodes) + 1)
                episodes.append(current)
            elif e.type != "admin_detention":
                current.criminal = True
        elif e.type in END_TYPES and current is not None:
            current.end = e
            current = None
    return current


class Reference:
    def __init__(self, generated: dict, ids: dict[str, int], event_ids: dict[tuple[str, int], int],
                 facility_kind: dict[str, str]):
        self.facility_kind = facility_kind
        self.people: list[RPerson] = []
        for key, (person, evs) in generated.items():
            revs = []
            for i, e in enumerate(evs):
                revs.append(REv(event_ids[(key, i)], e.earliest, e.type, e.precision, e.cells))
            revs.sort(key=lambda x: (x.day, codes.EVENT_ORDER[x.type], x.id))
            birth = None
            if person["birth_date"]:
                b = person["birth_date"]
                birth = dt.date(int(b[:4]), int(b[5:7]) if len(b) > 4 else 1, int(b[8:10]) if len(b) > 7 else 1)
            p = RPerson(key, ids[key], person["sex"], person["region"], set(filter(None, person["groups"].split(";"))),
                        birth, revs)
            p.articles = {a.split(":")[0] for e in revs for a in e.cells.get("articles", "").split(";") if a}
            p.episodes, p.events = replay(revs)
            self.people.append(p)
        self._states: dict[tuple[int, dt.date], dict] = {}

    def state(self, p: RPerson, day: dt.date) -> dict:
        key = (p.pid, day)
        if key not in self._states:
            self._states[key] = self._state(p, day)
        return self._states[key]

    # -- the state of a person at the end of a day, by walking the events up to it ------------------

    def _state(self, p: RPerson, day: dt.date) -> dict:
        held = False
        ep = 0
        orgs: dict[str, bool] = {}
        facility = None
        last_contact = None
        for e in p.events:
            if e.day > day:
                break
            if e.type in CUSTODY_STARTS or (e.type == "sentenced" and e.cells.get("sentence_kind") in
                                            codes.CUSTODIAL_SENTENCE_KINDS):
                if not held:
                    held = True
                    ep += 1
            elif e.type in ("released", "house_arrest", "died_in_custody"):
                held = False
            elif e.type == "recognized":
                orgs[e.cells["organization"]] = True
            elif e.type == "recognition_withdrawn":
                orgs[e.cells["organization"]] = False
            elif e.type == "contact":
                last_contact = e.day
            if e.cells.get("facility"):
                facility = e.cells["facility"]
        return {"held": held, "episode": p.episodes[ep - 1] if held else None, "orgs": orgs,
                "facility": facility, "last_contact": last_contact}

    def vulnerable(self, p: RPerson, day: dt.date, code: str) -> bool:
        if code == "any":
            return any(self.vulnerable(p, day, c) for c in engine.VULNERABILITY)
        if code == "elderly":
            return p.birth is not None and age_on(p.birth, day) >= 60
        if code == "minor_at_detention":
            return p.birth is not None and any(
                e.contains(day, release_day=True) and age_on(p.birth, e.start.day) < 18 for e in p.episodes)
        return any(e.type == "health_reported" and e.cells.get("condition") == code and e.day <= day
                   for e in p.events)

    def passes(self, p: RPerson, day: dt.date, f: Filters, st: dict) -> bool:
        if f.sex is not None and p.sex != f.sex:
            return False
        if f.region is not None and p.region != f.region:
            return False
        if f.group is not None and f.group not in p.groups:
            return False
        if f.article is not None and f.article not in p.articles:
            return False
        if f.age_min is not None and (p.birth is None or age_on(p.birth, day) < f.age_min):
            return False
        if f.age_max is not None and (p.birth is None or age_on(p.birth, day) > f.age_max):
            return False
        if f.facility is not None and st["facility"] != f.facility:
            return False
        if f.facility_kind is not None and self.facility_kind.get(st["facility"]) != f.facility_kind:
            return False
        return f.vulnerable is None or self.vulnerable(p, day, f.vulnerable)

    def recognised(self, p: RPerson, st: dict, recognition: str, org: str | None) -> bool:
        if recognition == "none":
            return True
        if recognition == "retroactive":
            return any(e.type == "recognized" and (org is None or e.cells["organization"] == org) for e in p.events)
        return any(v for o, v in st["orgs"].items() if org is None or o == org)

    def held(self, day: dt.date, f: Filters = NO_FILTERS, recognition: str = "prior", org: str | None = None,
             custody: str | None = None) -> tuple[set[int], int]:
        people, uncertain = set(), 0
        for p in self.people:
            st = self.state(p, day)
            ep = st["episode"]
            if ep is None or not self.recognised(p, st, recognition, org) or not self.passes(p, day, f, st):
                continue
            if custody is not None and ep.criminal != (custody == "criminal"):
                continue
            people.add(p.pid)
            if ep.start.precision != "day" or (ep.end is not None and ep.end.precision != "day"):
                uncertain += 1
        return people, uncertain

    def flows(self, start: dt.date, end: dt.date, f: Filters, recognition: str, org: str | None,
              custody: str | None) -> dict[str, dict[str, int]]:
        """Per month: every flow, from the episodes' transitions, filters and recognition on the day."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

        def count(p: RPerson, day: dt.date, name: str) -> None:
            if start <= day <= end:
                st = self.state(p, day)
                if self.recognised(p, st, recognition, org) and self.passes(p, day, f, st):
                    out[day.isoformat()[:7]][name] += 1

        for p in self.people:
            for ep in p.episodes:
                if custody is not None and ep.criminal != (custody == "criminal"):
                    continue
                count(p, ep.start.day, "detained")
                if ep.seq > 1:
                    count(p, ep.start.day, "rearrested")
                if ep.end is not None:
                    kind = ep.end.type if ep.end.type != "released" else ep.end.cells["release_kind"]
                    count(p, ep.end.day, kind)
                    if ep.end.type == "released" and ep.end.cells.get("deported") == "true":
                        count(p, ep.end.day, "deported")
            recs = [e.day for e in p.events
                    if e.type == "recognized" and (org is None or e.cells["organization"] == org)]
            if recs:
                day = min(recs)
                if start <= day <= end and self.passes(p, day, f, self.state(p, day)):
                    out[day.isoformat()[:7]]["recognized"] += 1
        return out

    def remitted(self, f: Filters = NO_FILTERS) -> dict[int, tuple[int, str, int | None]]:
        """(person id, release ordinal) → (release ordinal, kind, days left)."""
        out = {}
        for p in self.people:
            for ep in p.episodes:
                if ep.end is None or ep.end.cells.get("release_kind") not in codes.EARLY_RELEASE_KINDS:
                    continue
                release = ep.end.day
                if not self.passes(p, release, f, self.state(p, release)):
                    continue
                months = sentenced = credited = None
                for e in p.events:
                    if ep.start.day <= e.day <= release and e.type in ("sentenced", "appeal_decided",
                                                                        "sentence_changed"):
                        if e.cells.get("sentence_months"):
                            months = int(e.cells["sentence_months"])
                        if e.type == "sentenced":
                            sentenced = e.day
                            credited = int(e.cells["credited_days"]) if e.cells.get("credited_days") else None
                left = None
                if months is not None:
                    begin = sentenced - dt.timedelta(days=credited) if sentenced and credited is not None \
                        else ep.start.day
                    left = (plus_months(begin, months) - release).days
                out[(p.pid, release.toordinal())] = (release.toordinal(), ep.end.cells["release_kind"], left)
        return out

    def incommunicado(self, day: dt.date, f: Filters = NO_FILTERS) -> dict[int, int | None]:
        out = {}
        for p in self.people:
            st = self.state(p, day)
            ep = st["episode"]
            if ep is None or not self.recognised(p, st, "prior", None) or not self.passes(p, day, f, st):
                continue
            contacts = [e.day for e in p.events if e.type == "contact" and ep.start.day <= e.day <= day]
            out[p.pid] = (day - max(contacts)).days if contacts else None
        return out


# --- the fixture: import once per module, load, roll back --------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    generated = generate()
    with django_db_blocker.unblock(), transaction.atomic():
        report = Importer("reference.csv", actor=Actor("test:reference")).run(rows_of(generated), [])
        assert report.ok, report.errors[:5]
        rows = {}
        for key, (_person, evs) in generated.items():
            for i, _e in enumerate(evs):
                rows[len(rows) + 2] = (key, i)
        event_ids = {rows[row]: eid for eid, row in Event.objects.filter(import_batch_id=report.batch_id)
                     .values_list("id", "import_row")}
        ids = dict(Event.objects.filter(import_batch_id=report.batch_id).values_list("person__key", "person_id"))
        kinds = dict(Facility.objects.values_list("code", "kind"))
        ds = load_dataset()
        transaction.set_rollback(True)
    return ds, Reference(generated, ids, event_ids, kinds)


def days(start: dt.date, end: dt.date, step: int = 1) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


COMBOS = [
    (Filters(), "prior", None, None),
    (Filters(), "retroactive", None, None),
    (Filters(), "none", None, None),
    (Filters(), "prior", "org-b", None),
    (Filters(), "retroactive", "org-c", None),
    (Filters(), "none", None, "criminal"),
    (Filters(), "none", None, "administrative"),
    (Filters(sex="f"), "prior", None, None),
    (Filters(age_min=18, age_max=40), "none", None, None),
    (Filters(age_min=60), "none", None, None),
    (Filters(age_max=17), "none", None, None),
    (Filters(facility="sizo-1-minsk"), "none", None, None),
    (Filters(facility_kind="colony"), "prior", None, None),
    (Filters(vulnerable="any"), "none", None, None),
    (Filters(vulnerable="minor_at_detention"), "none", None, None),
    (Filters(vulnerable="serious_illness"), "retroactive", None, None),
    (Filters(article="342", region="minsk_city"), "none", None, None),
    (Filters(group="journalist"), "none", None, None),
    (Filters(sex="m", age_min=30, facility_kind="sizo", vulnerable="elderly"), "none", None, None),
]


@pytest.mark.parametrize(("filters", "recognition", "org", "custody"), COMBOS)
def test_held_series_every_day(world, filters, recognition, org, custody):
    ds, ref = world
    span = days(dt.date(2019, 12, 1), dt.date(2025, 1, 31), 4)
    s = engine.series(ds, span[0], span[-1], filters, recognition=recognition, organization=org, custody=custody)
    by_day = dict(zip(s["dates"], zip(s["held"], s["uncertain_dates"], strict=True), strict=True))
    want = {d.isoformat(): (len(p), u) for d in span for p, u in [ref.held(d, filters, recognition, org, custody)]}
    got = {d: by_day[d] for d in want}
    assert got == want
    assert max(h for h, _u in want.values()) > 0


@pytest.mark.parametrize(("filters", "recognition", "org", "custody"), COMBOS[:6] + COMBOS[12:15])
def test_held_on_and_people(world, filters, recognition, org, custody):
    ds, ref = world
    for day in days(dt.date(2020, 3, 1), dt.date(2024, 12, 1), 97):
        people, uncertain = ref.held(day, filters, recognition, org, custody)
        got = engine.held_on(ds, day, filters, recognition=recognition, organization=org, custody=custody)
        assert (got["held"], got["uncertain_dates"]) == (len(people), uncertain), day
        assert engine.held_people(ds, day, filters, recognition=recognition, organization=org,
                                  custody=custody) == sorted(people)


def test_the_data_exercise_the_cases(world):
    """The generated data contain what the comparisons are meant to catch."""
    ds, ref = world
    assert (~ds.ep_start_exact).sum() > 3 and (~ds.ep_end_exact).sum() > 3  # partial dates
    assert (ds.ep_seq > 1).sum() > 10  # re-arrests
    assert (ds.ep_start == ds.ep_end).sum() > 3  # detained and released on the same day
    assert ds.rec_withdrawn.sum() > 3
    assert (ds.ep_end_kind == "house_arrest").sum() > 3 and (ds.ep_end_kind == "died_in_custody").sum() > 0
    assert sum(1 for p in ref.people if p.birth and (p.birth.month, p.birth.day) == (2, 29)) > 0


@pytest.mark.parametrize(("filters", "recognition", "org", "custody"), [
    (Filters(), "none", None, None),
    (Filters(), "retroactive", None, None),
    (Filters(), "prior", None, None),
    (Filters(), "retroactive", "org-a", "criminal"),
    (Filters(vulnerable="any", sex="m"), "none", None, None),
    (Filters(facility_kind="colony"), "none", None, None),
    (Filters(age_max=17), "none", None, None),
])
def test_flows_per_month(world, filters, recognition, org, custody):
    ds, ref = world
    start, end = dt.date(2019, 11, 15), dt.date(2025, 2, 10)
    got = engine.flows(ds, start, end, "month", filters, recognition=recognition, organization=org, custody=custody)
    want = ref.flows(start, end, filters, recognition, org, custody)
    assert len(got) == 64
    previous = len(ref.held(start - dt.timedelta(days=1), filters, recognition, org, custody)[0])
    for period in got:
        w = want.get(period["period"], {})
        assert period["detained"] == w.get("detained", 0), period["period"]
        assert period["rearrested"] == w.get("rearrested", 0), period["period"]
        assert period["recognized"] == w.get("recognized", 0), period["period"]
        assert period["released"] == {k: w.get(k, 0) for k in codes.RELEASE_KINDS}, period["period"]
        assert period["released_total"] == sum(w.get(k, 0) for k in codes.RELEASE_KINDS)
        assert period["deported"] == w.get("deported", 0)
        assert period["died_in_custody"] == w.get("died_in_custody", 0)
        assert period["house_arrest"] == w.get("house_arrest", 0)
        held = len(ref.held(dt.date.fromisoformat(period["end"]), filters, recognition, org, custody)[0])
        assert period["net_change"] == held - previous, period["period"]
        previous = held
        outflow = period["released_total"] + period["died_in_custody"] + period["house_arrest"]
        assert period["inflow_outflow_ratio"] == (round(period["detained"] / outflow, 4) if outflow else None)
    assert sum(p["detained"] + p["released_total"] + p["recognized"] for p in got) > 0


def test_flows_identity_and_people(world):
    """Without date-dependent filters, the net change is the inflow minus every exit."""
    ds, ref = world
    for by in engine.BY:
        start, end = (dt.date(2021, 1, 1), dt.date(2021, 3, 31)) if by == "day" else (FIRST, LAST)
        got = engine.flows(ds, start, end, by, Filters(sex="m"))
        assert got[0]["start"] == start.isoformat() and got[-1]["end"] == end.isoformat()
        for p in got:
            assert p["net_change"] == p["detained"] - p["released_total"] - p["died_in_custody"] - p["house_arrest"]
    start, end = dt.date(2021, 1, 1), dt.date(2023, 6, 30)
    want = ref.flows(start, end, Filters(), "none", None, None)
    for flow in ("detained", "died_in_custody", "house_arrest"):
        ids = engine.flow_people(ds, start, end, flow)
        assert len(ids) <= sum(m.get(flow, 0) for m in want.values())
        assert ids == sorted(ids)
    pardoned = engine.flow_people(ds, start, end, "released", kind="pardon")
    assert {p.pid for p in ref.people for ep in p.episodes if ep.end is not None and start <= ep.end.day <= end
            and ep.end.cells.get("release_kind") == "pardon"} == set(pardoned)
    with pytest.raises(ValueError, match="flow"):
        engine.flow_people(ds, start, end, "escaped")
    with pytest.raises(ValueError, match="kind"):
        engine.flow_people(ds, start, end, "detained", kind="pardon")


@pytest.mark.parametrize("filters", [Filters(), Filters(sex="m"), Filters(age_min=40)])
def test_remitted(world, filters):
    ds, ref = world
    want = ref.remitted(filters)
    got = engine.remitted(ds, None, None, filters)
    items = {(i["person_id"], dt.date.fromisoformat(i["release_day"]).toordinal()): i for i in got["people_days_left"]}
    assert {k: (v[0], v[1], v[2]) for k, v in want.items()} == {
        k: (dt.date.fromisoformat(i["release_day"]).toordinal(), i["kind"], i["days_left"]) for k, i in items.items()}
    left = [v[2] for v in want.values() if v[2] is not None]
    assert got["releases"] == len(want) and got["with_sentence"] == len(left)
    assert len(left) > (10 if filters == Filters() else 2)
    q = statistics.quantiles(left, n=4, method="inclusive")
    assert got["days_left"] == {"median": statistics.median(left), "p25": pytest.approx(q[0]),
                                "p75": pytest.approx(q[2]), "min": min(left), "max": max(left)}
    for k in ("30", "90", "180"):
        assert got["share_under"][k] == round(sum(x < int(k) for x in left) / len(left), 4)
    assert sum(b["count"] for b in got["histogram"]) == len(left)
    assert got["people"] == sorted({pid for pid, _day in want})
    # a window
    start, end = dt.date(2022, 1, 1), dt.date(2023, 12, 31)
    windowed = engine.remitted(ds, start, end, filters)
    assert windowed["releases"] == sum(1 for _pid, day in want if start.toordinal() <= day <= end.toordinal())


def test_incommunicado(world):
    ds, ref = world
    for day in days(dt.date(2020, 6, 1), dt.date(2024, 12, 31), 151):
        for f in (Filters(), Filters(facility_kind="colony")):
            want = ref.incommunicado(day, f)
            got = engine.incommunicado(ds, day, f)
            assert {p["person_id"]: p["days_since_contact"] for p in got["people"]} == want
            assert got["held"] == len(want) and got["never"] == sum(v is None for v in want.values())
            held_days = {p["person_id"]: p["days_held"] for p in got["people"]}
            for k in engine.INCOMMUNICADO_DAYS:
                assert got["no_contact_over"][str(k)] == sum(
                    1 for pid, v in want.items() if (v if v is not None else held_days[pid]) > k)
            without = [p["days_since_contact"] if p["days_since_contact"] is not None else p["days_held"]
                       for p in got["people"]]
            assert without == sorted(without, reverse=True)


def test_vulnerability(world):
    ds, ref = world
    total = defaultdict(int)
    for day in days(dt.date(2020, 6, 1), dt.date(2024, 12, 31), 61):
        got = engine.vulnerability(ds, day)
        held, _u = ref.held(day)
        people = [p for p in ref.people if p.pid in held]
        assert got["held"] == len(held)
        for code in (*engine.VULNERABILITY, "any"):
            want = sum(ref.vulnerable(p, day, code) for p in people)
            assert got["counts"][code] == want, (day, code)
            total[code] += want
        assert "parents_of_minor_children" in got["not_available"]
    assert all(total[c] > 0 for c in ("elderly", "serious_illness", "any"))


def test_projection(world):
    ds, ref = world
    day = dt.date(2023, 6, 30)
    got = engine.projection(ds, day, horizon_days=60, window_days=90)
    held = [ref.held(day - dt.timedelta(days=i))[0] for i in range(91)]  # held[i]: i days before
    inflow = sum(len(held[i] - held[i + 1]) for i in range(90))
    outflow = sum(len(held[i + 1] - held[i]) for i in range(90))
    assert (got["held_now"], got["inflow"], got["outflow"]) == (len(held[0]), inflow, outflow)
    assert got["expected"] == round(len(held[0]) + (inflow - outflow) * 60 / 90, 1)
    assert got["lower"] <= got["expected"] <= got["upper"]
    assert "assumes" in got["assumption"]


@pytest.mark.filterwarnings("ignore")
def test_durations_against_lifelines(world):
    """Durations of the imported episodes (the reference's own replay) against lifelines."""
    from tests.stats.test_engine_survival import CAUSE_OF_KIND, check_cif, check_km

    ds, ref = world
    records_start, cut = dt.date(2021, 1, 1), dt.date(2023, 12, 31)
    got = engine.durations(ds, custody=None, records_start=records_start, end=cut, by="detention_year")
    every = engine.durations(ds, custody=None, records_start=records_start, end=cut)
    rows = []  # (year, duration, cause, entry)
    for p in ref.people:
        for ep in p.episodes:
            start = ep.start.day
            if start > cut:
                continue
            if ep.end is not None and ep.end.day <= cut:
                kind = ep.end.type if ep.end.type != "released" else ep.end.cells["release_kind"]
                duration, cause = (ep.end.day - start).days, CAUSE_OF_KIND[kind]
            else:
                duration, cause = (cut - start).days, ""
            entry = max((records_start - start).days, 0)
            if duration >= entry:
                rows.append((start.year, duration, cause, entry))
    assert sum(1 for r in rows if r[3] > 0) > 10 and sum(1 for r in rows if r[2] == "") > 10

    def arrays(sel):
        return (np.array([r[1] for r in sel]), [r[2] for r in sel], np.array([r[3] for r in sel]))

    check_km(every["groups"][0], *arrays(rows))
    check_cif(every["competing"]["curves"], *arrays(rows))
    assert [g["label"] for g in got["groups"]] == [str(y) for y in sorted({r[0] for r in rows})]
    for g in got["groups"]:
        sel = [r for r in rows if r[0] == int(g["label"])]
        if sum(1 for r in sel if r[2]) >= 5:
            check_km(g, *arrays(sel))
