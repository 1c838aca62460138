"""Synthetic demo data: a Belarus-like history of political prisoners, as interchange rows.

Nobody in this data exists. Names are common Belarusian given names and surnames combined at
random (see ``names.py``); every person's first row says so in its source and note.

The dynamics imitate what human-rights lists have reported since August 2020: a wave of
detentions after the election and through 2021, a steady inflow afterwards, months of
pre-trial detention in a SIZO, sentences whose length depends on the article (12-36 months
for art. 342, ten years and more for 356/357/361-1), penal colonies, letters and lawyer
visits, prominent prisoners held incommunicado, punishment cells, sentences extended under
art. 411, releases when the term ends and, from July 2024, pardon and exchange waves on the
dates they happened, scaled to the population. With the default 6,000 people about
1,150-1,450 recognised political prisoners are held on any day of 2022-2025.

Pure Python: no Django. ``generate_rows`` streams person by person, so memory does not grow
with the number of people; the same ``seed`` and ``today`` give the same rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import log as _log
from operator import itemgetter
from typing import TypeVar

from volia.core.codes import EVENT_ORDER
from volia.core.dates import add_months
from volia.demo import KEY_PREFIX
from volia.demo import names as nm

__all__ = ["DEMO_COLUMNS", "RELEASE_WAVES", "ReleaseWave", "generate_rows"]

DEMO_COLUMNS: list[str] = [
    "person", "name", "name_lang", "name_be", "name_ru", "name_latn", "sex", "birth_date",
    "region", "groups", "event", "date", "facility", "place", "articles", "case", "court",
    "sentence_kind", "sentence_months", "credited_days", "fine", "appeal_outcome",
    "release_kind", "deported", "documents_confiscated", "contact_kind", "condition", "days",
    "organization", "source", "source_url", "confidence", "note",
]

# The people of this data set are counted from the day of the 2020 presidential election.
START = dt.date(2020, 8, 9)
# Calibration: the population and the release waves are sized for 6,000 people, whose
# criminal cases start between START and HORIZON (or `today`, when it is later).
REFERENCE_PEOPLE = 6000
HORIZON = dt.date(2026, 12, 31)

SYNTHETIC_SOURCE = "Synthetic demo list (not real people)"
SYNTHETIC_NOTE = "Synthetic demo data: this person does not exist."
SRC_LIST = "Synthetic demo: Viasna-style list"
SRC_COURT = "Synthetic demo: court report"
SRC_NEWS = "Synthetic demo: news report"
SRC_LETTER = "Synthetic demo: letter to supporters"
SRC_LAWYER = "Synthetic demo: lawyer's account"
SRC_FAMILY = "Synthetic demo: family report"
SRC_FORMER = "Synthetic demo: former prisoner's testimony"
SRC_OFFICIAL = "Synthetic demo: official list"

ORGANIZATION = "viasna"


@dataclass(frozen=True)
class ReleaseWave:
    """A day on which a group of prisoners was released early."""

    date: dt.date
    count: int  # how many at the scale of REFERENCE_PEOPLE
    kind: str  # release_kind
    deported: float  # share of those released who are deported
    favours: str  # who is picked first: "vulnerable" (ill, elderly) or "prominent"


# Dates and sizes as reported by human-rights groups and the press; those marked ~ are
# approximate stand-ins for the several smaller pardons of late 2024 and early 2025.
RELEASE_WAVES: tuple[ReleaseWave, ...] = (
    ReleaseWave(dt.date(2024, 7, 3), 18, "pardon", 0.0, "vulnerable"),
    ReleaseWave(dt.date(2024, 8, 16), 30, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2024, 9, 16), 30, "pardon", 0.0, "vulnerable"),
    ReleaseWave(dt.date(2024, 11, 6), 31, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2024, 11, 20), 32, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2024, 12, 10), 29, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2025, 1, 14), 20, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2025, 1, 28), 15, "pardon", 0.0, "vulnerable"),  # ~
    ReleaseWave(dt.date(2025, 6, 21), 14, "pardon", 0.8, "prominent"),
    ReleaseWave(dt.date(2025, 9, 11), 52, "exchange", 1.0, "prominent"),
    ReleaseWave(dt.date(2025, 9, 16), 25, "pardon", 0.0, "vulnerable"),
    ReleaseWave(dt.date(2025, 12, 13), 123, "exchange", 1.0, "prominent"),
)

# --- small helpers --------------------------------------------------------------------------

T = TypeVar("T")


def _expand(weighted: Sequence[tuple[T, int]]) -> tuple[T, ...]:
    """(value, integer weight) pairs → a flat tuple that a uniform index picks by weight."""
    return tuple(v for v, w in weighted for _ in range(w))


# The ordinal of the first day of every month from 1930 to 2099, for fast month arithmetic.
def _add_months(day: int, months: int) -> int:
    """The ordinal ``months`` calendar months after ordinal ``day`` (end of month clamps)."""
    return add_months(dt.date.fromordinal(day), months).toordinal()


def _ord(y: int, m: int, d: int) -> int:
    return dt.date(y, m, d).toordinal()


D2021_03 = _ord(2021, 3, 1)  # the end of the mass arrests of the 2020 protests
D2021_07 = _ord(2021, 7, 1)
D2022_01 = _ord(2022, 1, 1)
D2022_09 = _ord(2022, 9, 1)  # prominent prisoners cut off from contact from late 2022
D2023_06 = _ord(2023, 6, 1)
D2024_03 = _ord(2024, 3, 1)  # pardon petitions once the pardons began to be talked about


# --- vocabulary of the simulation -------------------------------------------------------------

REGION_PICK = _expand([("minsk_city", 38), ("minsk", 13), ("gomel", 12), ("brest", 10),
                       ("grodno", 9), ("vitebsk", 9), ("mogilev", 8), ("abroad", 1)])
GROUP_PICK = _expand([("student", 16), ("journalist", 10), ("blogger", 12), ("politician", 9),
                      ("trade_unionist", 8), ("medic", 8), ("cultural", 10), ("hrd", 5),
                      ("lawyer", 4), ("religious", 3), ("railway_partisan", 6)])
PROMINENT_GROUPS = frozenset({"politician", "journalist", "hrd", "lawyer", "cultural"})

# Where people are held before trial, by region.
REGIONAL_SIZO = {
    "brest": ("sizo-7-brest",), "vitebsk": ("sizo-2-vitebsk",), "gomel": ("sizo-3-gomel",),
    "grodno": ("prison-1-grodno",), "mogilev": ("prison-4-mogilev",),
    "minsk_city": ("sizo-1-minsk", "sizo-1-minsk", "prison-8-zhodino"),
    "minsk": ("sizo-1-minsk", "prison-8-zhodino", "prison-8-zhodino"),
    "abroad": ("sizo-1-minsk",),
}
COLONIES = {
    "colony_general": ("ik-17-shklov", "ik-15-mogilev", "ik-9-gorki", "ik-1-novopolotsk",
                       "ik-22-ivatsevichy"),
    "colony_enhanced": ("ik-2-bobruisk", "ik-3-vitba", "ik-10-novopolotsk", "ik-13-glubokoye",
                        "ik-22-ivatsevichy"),
    "colony_strict": ("ik-13-glubokoye", "ik-2-bobruisk"),
    "prison": ("prison-4-mogilev", "prison-4-mogilev", "prison-8-zhodino"),
}
WOMEN_COLONIES = ("ik-4-gomel",) * 5 + ("ik-24-zarechye",)
COURTS = {
    "minsk_city": ("Leninski District Court of Minsk", "Partyzanski District Court of Minsk",
                   "Maskouski District Court of Minsk", "Tsentralny District Court of Minsk",
                   "Frunzenski District Court of Minsk", "Savetski District Court of Minsk",
                   "Minsk City Court"),
    "minsk": ("Minsk Regional Court", "Barysau District Court", "Maladechna District Court",
              "Salihorsk District Court"),
    "brest": ("Brest Regional Court", "Leninski District Court of Brest", "Pinsk City Court",
              "Baranavichy District Court"),
    "vitebsk": ("Vitebsk Regional Court", "Kastrychnitski District Court of Vitebsk",
                "Orsha District Court", "Polatsk District Court"),
    "gomel": ("Gomel Regional Court", "Tsentralny District Court of Gomel",
              "Zhlobin District Court", "Mazyr District Court", "Rechytsa District Court"),
    "grodno": ("Grodno Regional Court", "Leninski District Court of Grodno",
               "Lida District Court", "Slonim District Court"),
    "mogilev": ("Mogilev Regional Court", "Leninski District Court of Mogilev",
                "Babruisk City Court", "Asipovichy District Court"),
}
COURTS["abroad"] = COURTS["minsk_city"]
APPEAL_COURTS = {"minsk_city": "Minsk City Court", "abroad": "Minsk City Court",
                 "minsk": "Minsk Regional Court", "brest": "Brest Regional Court",
                 "vitebsk": "Vitebsk Regional Court", "gomel": "Gomel Regional Court",
                 "grodno": "Grodno Regional Court", "mogilev": "Mogilev Regional Court"}
PLACES = ("at home", "at work", "in the street", "at a protest", "at the border",
          "at a railway station", "after a search")

# Criminal Code articles: the parts written in charges, and sentence lengths in months.
ARTICLE_PARTS = {
    "342": ("342:1",), "293": ("293:1", "293:2", "293:2"), "130": ("130:1", "130:3", "130:3"),
    "361-1": ("361-1:1", "361-1:2", "361-1:3"), "361-4": ("361-4",), "364": ("364",),
    "363": ("363:1", "363:2"), "368": ("368:1",), "369": ("369",), "367": ("367:2",),
    "370": ("370",), "356": ("356:1",), "357": ("357:1", "357:3"), "361": ("361:1", "361:3"),
    "191": ("191:1",), "411": ("411",),
}
MONTHS = {
    "342": _expand([(12, 3), (18, 3), (24, 4), (30, 2), (36, 2)]),
    "293": _expand([(36, 2), (48, 3), (60, 2), (72, 1), (96, 1)]),
    "364": _expand([(18, 2), (24, 3), (30, 2), (36, 2), (48, 1)]),
    "363": _expand([(18, 2), (24, 2), (36, 1)]),
    "368": _expand([(6, 1), (12, 2), (18, 2), (24, 2), (36, 1)]),
    "369": _expand([(6, 2), (12, 3), (18, 2), (24, 2)]),
    "367": _expand([(12, 1), (24, 2), (36, 1)]),
    "370": _expand([(6, 2), (12, 2), (18, 1)]),
    "130": _expand([(36, 3), (48, 3), (60, 2), (72, 1), (96, 1), (120, 1)]),
    "361": _expand([(24, 3), (36, 2), (48, 1)]),
    "361-1": _expand([(36, 3), (48, 3), (60, 2), (72, 2), (84, 1), (120, 1), (144, 1),
                      (180, 1)]),
    "361-4": _expand([(12, 1), (24, 3), (30, 2), (36, 3), (48, 2), (60, 1)]),
    "356": _expand([(96, 1), (120, 2), (144, 2), (156, 1), (180, 2), (240, 1)]),
    "357": _expand([(84, 1), (96, 1), (120, 2), (132, 1), (144, 1), (180, 1)]),
    "191": _expand([(24, 2), (36, 2), (48, 1)]),
}
# Main article by the period of the detention (the mix moved from protest charges in
# 2020-2021 to "extremism" charges for donations, comments and subscriptions later).
ARTICLES_2020 = _expand([("342", 36), ("364", 10), ("363", 5), ("368", 8), ("369", 11),
                         ("130", 5), ("293", 5), ("361", 3), ("361-1", 2), ("191", 3),
                         ("370", 2), ("367", 2), ("357", 1)])
ARTICLES_2021 = _expand([("342", 28), ("361-1", 9), ("130", 9), ("369", 12), ("368", 10),
                         ("364", 6), ("361", 5), ("293", 2), ("367", 3), ("370", 2),
                         ("357", 1), ("356", 1)])
ARTICLES_LATER = _expand([("361-4", 22), ("361-1", 10), ("342", 16), ("130", 8), ("369", 14),
                          ("368", 10), ("356", 3), ("361", 5), ("364", 4), ("367", 2),
                          ("370", 3), ("357", 1), ("363", 1)])
ARTICLES_BY_GROUP = {
    "politician": _expand([("357", 2), ("361-1", 3), ("130", 3), ("342", 2), ("191", 1)]),
    "journalist": _expand([("361-1", 3), ("130", 2), ("342", 2), ("361-4", 2), ("356", 1)]),
    "hrd": _expand([("361-1", 2), ("361-4", 2), ("342", 2), ("130", 1)]),
    "lawyer": _expand([("361-1", 2), ("361-4", 1), ("342", 1), ("130", 1)]),
    "railway_partisan": _expand([("356", 2), ("361-1", 3), ("361-4", 1)]),
}
SOFT_ARTICLES = frozenset({"342", "368", "369", "367", "370"})
LONG_CASE_ARTICLES = frozenset({"356", "357", "361-1", "293", "130"})
KGB_ARTICLES = frozenset({"356", "357"})
CONDITIONS = _expand([("serious_illness", 5), ("disability", 2), ("mental_health", 1),
                      ("injury", 1), ("other", 1)])
SIZO_CONTACTS = _expand([("lawyer_visit", 5), ("letter", 4), ("call", 1)])
COLONY_CONTACTS = _expand([("letter", 11), ("family_visit", 4), ("lawyer_visit", 3),
                           ("call", 2)])
CONTACT_SOURCES = {"letter": SRC_LETTER, "lawyer_visit": SRC_LAWYER, "family_visit": SRC_FAMILY,
                   "call": SRC_FAMILY, "court_appearance": SRC_COURT, "other": SRC_FAMILY}

_DAY = itemgetter(0, 1)


# --- time-dependent context, built once per `today` -------------------------------------------


# Relative rate of new political detentions by year, and months that stood out: the
# weeks after the election, the protests against the war in February-March 2022.
YEAR_RATES = {2020: 4.4, 2021: 3.4, 2022: 1.2, 2023: 1.15, 2024: 1.5, 2025: 1.6}
MONTH_RATES = {(2020, 8): 6.0, (2022, 2): 1.8, (2022, 3): 1.8}


def _intensity(year: int, month: int) -> float:
    return MONTH_RATES.get((year, month)) or YEAR_RATES.get(year, 1.0)


@dataclass(frozen=True)
class _Context:
    today: int  # ordinal
    base: int  # ordinal of iso[0]
    iso: tuple[str, ...]  # ISO text of every day from base to today
    arrival_cum: tuple[float, ...]  # cumulative arrival weight of each day from START
    arrival_today: float  # the cumulative weight up to today
    start: int
    waves: tuple[tuple[int, ReleaseWave, float], ...]  # (ordinal, wave, base probability)

    @property
    def wave_days(self) -> tuple[int, ...]:
        return tuple(day for day, _w, _p in self.waves)


_ISO_BASE = dt.date(1930, 1, 1).toordinal()


@functools.lru_cache(maxsize=8)
def _context(today: dt.date) -> _Context:
    t = today.toordinal()
    start = START.toordinal()
    if t < start:
        raise ValueError(f"today ({today}) is before the demo history starts ({START})")
    iso = tuple(dt.date.fromordinal(o).isoformat() for o in range(_ISO_BASE, t + 1))
    cum: list[float] = []
    total = 0.0
    for o in range(start, max(t, HORIZON.toordinal()) + 1):
        d = dt.date.fromordinal(o)
        total += _intensity(d.year, d.month)
        cum.append(total)
    ctx = _Context(t, _ISO_BASE, iso, tuple(cum), cum[t - start], start, ())
    return _Context(t, _ISO_BASE, iso, tuple(cum), cum[t - start], start, _calibrate_waves(ctx))


def _calibrate_waves(ctx: _Context, pilot: int = 20000) -> tuple[tuple[int, ReleaseWave, float], ...]:
    """Per-person release probabilities for each wave, so that the expected size of a wave is
    its reported size scaled to the population.

    Waves pick from the people held on their day, which depends on `today` and on every
    parameter above, so the probabilities are measured on a pilot population rather than
    written down: expected count = p · Σ weight · P(not released by an earlier wave).
    """
    waves = [(w.date.toordinal(), w) for w in RELEASE_WAVES if w.date.toordinal() <= ctx.today]
    if not waves:
        return ()
    life = _Life(random.Random(0x5EED), ctx)
    plans: list[tuple[_Plan, bool, bool]] = []
    life.plans = plans
    for _ in range(pilot):
        life.new_person()
        life.life()
    survive = [1.0] * len(plans)
    out = []
    for day, wave in waves:
        target = wave.count * pilot / REFERENCE_PEOPLE
        held = [(i, _wave_weight(wave, vulnerable, prominent))
                for i, (plan, vulnerable, prominent) in enumerate(plans) if plan.eligible(day)]
        total = sum(w * survive[i] for i, w in held)
        p = target / total if total else 0.0
        if held and p * max(w for _i, w in held) > 1.0:
            # the probability of a person of weight w is min(1, p·w): find p by bisection
            lo, hi = 0.0, 1.0
            for _ in range(30):
                p = (lo + hi) / 2
                if sum(min(1.0, p * w) * survive[i] for i, w in held) < target:
                    lo = p
                else:
                    hi = p
        for i, w in held:
            survive[i] *= 1.0 - min(1.0, p * w)
        out.append((day, wave, p))
    return tuple(out)


def _wave_weight(wave: ReleaseWave, vulnerable: bool, prominent: bool) -> float:
    if wave.favours == "prominent":
        return 8.0 if prominent else 1.0
    return (5.0 if vulnerable else 1.0) * (0.2 if prominent else 1.0)


# --- one person's life ---------------------------------------------------------------------------


@dataclass
class _Plan:
    """The key dates of one criminal custody episode, decided before its events are written."""

    t0: int
    ts: int  # sentencing day
    end: int  # release at the end of the term (after any extension)
    rec: int | None  # recognised as a political prisoner
    custodial: bool  # the sentence keeps the person in custody
    out_day: int | None  # left custody before trial (house arrest, measure changed, acquitted)
    out_kind: str
    death: int | None
    months: int
    kind: str
    articles: list[str]
    extension: tuple[int, int] | None  # (day, months) of a sentence_changed under art. 411
    pretrial_custody: bool
    appeal: int | None  # the day the appeal was decided
    appeal_change: int  # months taken off or added on appeal

    def eligible(self, day: int) -> bool:
        """Could a release wave on `day` pick this person (convicted, held, recognised)?"""
        return (self.custodial and self.ts < day < self.end
                and (self.death is None or day < self.death)
                and self.rec is not None and self.rec <= day)


class _Life:
    """Generates one person at a time into ``self.events`` as (day, order, row) tuples."""

    def __init__(self, rng: random.Random, ctx: _Context):
        self.rng = rng
        self.ctx = ctx
        self.r = rng.random
        self.events: list[tuple[int, int, dict[str, str]]] = []
        # the attributes of the current person, set by new_person()
        self.female = False
        self.birth = 0
        self.age = 0
        self.region = ""
        self.groups: list[str] = []
        self.prominent = False
        self.vulnerable = False
        self.ill = False
        self.admin_only = False
        self.t0 = 0
        self.case_no = 0
        self.wave_acc = [rng.random() for _ in ctx.waves]
        self.wave_days = ctx.wave_days
        self.plans: list[tuple[_Plan, bool, bool]] | None = None  # recorded for calibration

    # person ------------------------------------------------------------------------------

    def arrival(self) -> tuple[int, bool]:
        """The day of the first detention, and whether it was drawn after today.

        Cases are spread over START..HORIZON whatever `today` is, so that the figures of a
        given day do not depend on when the demo is generated; a person whose case would
        start after today becomes somebody with short administrative arrests instead.
        """
        ctx = self.ctx
        cum = ctx.arrival_cum
        i = bisect.bisect_left(cum, self.r() * cum[-1])
        if ctx.start + i <= ctx.today:
            return ctx.start + i, False
        return ctx.start + bisect.bisect_left(cum, self.r() * ctx.arrival_today), True

    def new_person(self) -> None:
        r = self.r
        self.events = []
        self.female = r() < 0.13
        self.t0, late = self.arrival()
        t0 = self.t0
        u = r()
        if u < 0.012:
            age = 16 + int(r() * 2)
        elif u < 0.085:
            age = 60 + int(r() * r() * 19)
        else:
            age = 18 + int(self.rng.triangular(0, 43, 12))
        self.age = age
        self.birth = t0 - age * 365 - int(r() * 364) - age // 4
        self.region = REGION_PICK[int(r() * len(REGION_PICK))]
        groups: list[str] = []
        if r() < 0.13:
            for _ in range(2 if r() < 0.12 else 1):
                g = GROUP_PICK[int(r() * len(GROUP_PICK))]
                if g == "railway_partisan" and not D2022_01 <= t0 < D2023_06:
                    g = "blogger"
                if g == "student" and age > 26:
                    g = "cultural"
                if g not in groups:
                    groups.append(g)
        self.groups = groups
        self.prominent = bool(PROMINENT_GROUPS.intersection(groups)) and r() < 0.3
        self.ill = r() < 0.05
        self.vulnerable = self.ill or age >= 60 or age < 18
        self.admin_only = late or r() < (0.27 if t0 < D2021_03 else 0.11)

    def person_rows(self, key: str, names: nm.FullName) -> dict[str, str]:
        """The person columns of the first row."""
        r = self.r
        iso = self.ctx.iso[self.birth - self.ctx.base]
        u = r()
        birth = iso if u < 0.72 else (iso[:7] if u < 0.86 else iso[:4])
        row = {"person": key, "name": names.be, "name_lang": "be", "name_ru": names.ru,
               "name_latn": names.latn, "sex": "f" if self.female else "m",
               "region": self.region, "note": SYNTHETIC_NOTE}
        if r() < 0.93:
            row["birth_date"] = birth
        if self.groups:
            row["groups"] = ";".join(self.groups)
        return row

    def name(self) -> nm.FullName:
        r = self.r
        if self.female:
            given = nm.FEMALE_GIVEN[int(r() * len(nm.FEMALE_GIVEN))]
            surname = nm.SURNAMES[int(r() * len(nm.SURNAMES))].female
            pat = nm.PATRONYMICS[int(r() * len(nm.PATRONYMICS))].female if r() < 0.5 else None
        else:
            given = nm.MALE_GIVEN[int(r() * len(nm.MALE_GIVEN))]
            surname = nm.SURNAMES[int(r() * len(nm.SURNAMES))].male
            pat = nm.PATRONYMICS[int(r() * len(nm.PATRONYMICS))].male if r() < 0.5 else None
        return nm.full_name(given, surname, pat)

    def add(self, day: int, code: str, source: str, confidence: str = "confirmed",
            **fields: str) -> None:
        fields["event"] = code
        fields["source"] = source
        fields["confidence"] = confidence
        self.events.append((day, EVENT_ORDER[code], fields))

    def life(self) -> None:
        """All the events of the current person (some may fall after today: cut later)."""
        r = self.r
        if self.admin_only:
            last = self.admin_episodes(self.t0, 1 + int(r() * r() * 4))
            if r() < 0.08:  # a criminal case follows
                t1 = last + 60 + int(r() * 600)
                if t1 <= self.ctx.today:
                    self.criminal_life(t1)
            return
        if r() < 0.08 and self.t0 - 40 > self.ctx.start:
            a = self.t0 - 30 - int(r() * min(400, self.t0 - self.ctx.start - 30))
            self.admin_episodes(a, 1, until=self.t0 - 1)
        self.criminal_life(self.t0)

    def admin_episodes(self, day: int, n: int, until: int | None = None) -> int:
        """Short arrests from `day` on, ending before `until`; return the last release day."""
        r = self.r
        end = day
        for _ in range(n):
            fac = {"facility": "okrestina-minsk"} if self.region in ("minsk_city", "minsk") else {}
            if r() < 0.1:
                # detained, questioned and let go on the same day
                self.add(day, "detained", SRC_LIST, **fac)
                self.add(day, "released", SRC_LIST, release_kind="other")
                end = day
            else:
                days = (3, 5, 7, 10, 10, 12, 13, 14, 15, 15, 15, 15)[int(r() * 12)]
                if until is not None and day + days > until:
                    return end
                end = day + days
                self.add(day, "admin_detention", SRC_LIST, days=str(days), **fac)
                self.add(end, "released", SRC_LIST, release_kind="sentence_served")
            # a "carousel" of back-to-back arrests, or a new arrest months later
            day = end + (1 if r() < 0.2 else 30 + int(r() * 400))
            if until is not None and day > until:
                return end
        return end

    def criminal_life(self, t0: int) -> None:
        r = self.r
        rearrest = False
        while True:
            plan = self.plan_episode(t0, rearrest)
            exit_day, outcome = self.write_episode(plan)
            if outcome == "died" or exit_day >= self.ctx.today:
                return
            if outcome == "refused_exile":
                t0 = exit_day + 1 + int(r() * 4)
            elif outcome == "deported":
                self.after_exile(exit_day)
                return
            elif r() < 0.05:
                d = exit_day + 20 + int(r() * 300)
                self.add(d, "exiled", SRC_NEWS)
                self.after_exile(d)
                return
            elif r() < 0.045:
                t0 = exit_day + 30 + int(r() * 900)
            else:
                return
            if t0 > self.ctx.today:
                return
            rearrest = True

    def after_exile(self, day: int) -> None:
        r = self.r
        if r() < 0.12:
            self.add(day + 100 + int(r() * 600), "tried_in_absentia", SRC_COURT,
                     articles=ARTICLE_PARTS["361-1"][int(r() * 3)],
                     sentence_months=str((36, 48, 60, 96)[int(r() * 4)]))

    # one criminal episode -----------------------------------------------------------------------

    def plan_episode(self, t0: int, rearrest: bool) -> _Plan:
        r = self.r
        # articles
        if self.groups and self.groups[0] in ARTICLES_BY_GROUP and r() < 0.7:
            pick = ARTICLES_BY_GROUP[self.groups[0]]
        elif t0 < D2021_07:
            pick = ARTICLES_2020
        elif t0 < D2022_01:
            pick = ARTICLES_2021
        else:
            pick = ARTICLES_LATER
        main = pick[int(r() * len(pick))]
        arts = [main]
        if r() < 0.3:
            extra = pick[int(r() * len(pick))]
            if extra != main:
                arts.append(extra)
        months_pick = MONTHS[main]
        months = months_pick[int(r() * len(months_pick))]
        if len(arts) > 1:
            months += (0, 0, 0, 6, 6, 12)[int(r() * 6)]
        if rearrest:
            months = max(12, months * 2 // 3)
        # sentence kind
        u = r()
        kind = ""
        if main in SOFT_ARTICLES and months <= 24 and len(arts) == 1:
            if u < 0.3:
                kind = "restricted_freedom_closed"
            elif u < 0.45:
                kind = "restricted_freedom"
            elif u < 0.52:
                kind, months = "fine", 0
            elif u < 0.57:
                kind, months = "arrest", 3 + int(r() * 4)
        elif months <= 24 and u < 0.2:
            kind = "restricted_freedom_closed"
        if not kind:
            u = r()
            if months >= 96:
                kind = ("colony_general" if u < 0.15 else "colony_enhanced" if u < 0.75
                        else "colony_strict" if u < 0.9 else "prison")
            elif months >= 48:
                kind = "colony_general" if u < 0.55 else "colony_enhanced" if u < 0.95 else "prison"
            else:
                kind = "colony_general" if u < 0.85 else "colony_enhanced"
            if rearrest and kind == "colony_general":
                kind = "colony_enhanced"
            if self.female and kind in ("colony_strict", "prison"):
                kind = "colony_enhanced"
        custodial = kind in ("colony_general", "colony_enhanced", "colony_strict", "prison", "arrest")
        if not self.prominent and months >= 120 and r() < 0.25:
            self.prominent = True
        # pre-trial: how long, and whether it is spent in custody
        if main in LONG_CASE_ARTICLES and months >= 72:
            pre = 120 + int(-220 * _log(1.0 - r()))
        else:
            pre = 35 + int(-120 * _log(1.0 - r()))
        ts = t0 + pre
        u = r()
        out_day: int | None = None
        out_kind = ""
        if u < 0.06:
            out_kind, out_day = "house_arrest", t0 + 3 + int(r() * 60)
        elif u < 0.1:
            out_kind, out_day = "noncustodial", t0 + 2 + int(r() * 90)
        elif u < 0.106:
            out_kind, out_day = "acquitted", t0 + 30 + int(r() * 300)
        if out_day is not None and out_day >= ts:
            ts = out_day + 10 + int(r() * 60)
        if out_kind == "acquitted":
            ts = out_day or ts
        # recognition as a political prisoner
        rec: int | None = None
        if r() < (0.5 if out_day is not None else 0.9):
            u = r()
            rec = t0 + (3 + int(r() * 30) if u < 0.6 else 30 + int(r() * 90) if u < 0.9
                        else 120 + int(r() * 300))
        # the appeal, which rarely changes anything
        appeal = ts + 40 + int(r() * 70) if custodial and r() < 0.65 else None
        change = 0
        if appeal is not None and months >= 24:
            u = r()
            change = -6 if u < 0.05 else 6 if u < 0.065 else 0
        # the term runs from the detention: pre-trial days in custody are credited
        start_of_term = t0 if out_day is None else ts - (out_day - t0)
        end = _add_months(start_of_term, months + change) if custodial else ts
        extension = None
        if custodial and end - ts > 500 and r() < 0.035:
            x = ts + 200 + int(r() * (end - ts - 300))
            added = (6, 9, 12, 12, 18, 24)[int(r() * 6)]
            extension = (x, added)
            end = _add_months(end, added)
        death = None
        p_death = 0.02 if self.age >= 60 else 0.01 if self.ill else 0.001
        held_from = t0 if out_day is None else ts
        if custodial and end - held_from > 60 and r() < p_death:
            death = held_from + 30 + int(r() * (end - held_from - 30))
        return _Plan(t0, ts, end, rec, custodial, out_day, out_kind, death, months, kind, arts,
                     extension, r() < 0.92, appeal, change)

    def write_episode(self, p: _Plan) -> tuple[int, str]:
        """Write the events of a planned episode; return its exit day and how it ended."""
        if self.plans is not None:
            self.plans.append((p, self.vulnerable, self.prominent))
        r = self.r
        add = self.add
        today = self.ctx.today
        t0 = p.t0
        region = self.region
        self.case_no += 1
        year = self.ctx.iso[t0 - self.ctx.base][:4]
        case = f"{year}{(t0 * 7919 + self.case_no * 104729) % 10**7:07d}"
        in_minsk = region in ("minsk_city", "minsk", "abroad")
        if p.articles[0] in KGB_ARTICLES or (self.prominent and r() < 0.5):
            sizo = "sizo-kgb-minsk"
        else:
            choices = REGIONAL_SIZO[region]
            sizo = choices[int(r() * len(choices))]
        det_fac = "okrestina-minsk" if in_minsk else (sizo if r() < 0.4 else "")
        place = PLACES[int(r() * len(PLACES))] if r() < 0.3 else ""
        fields = {}
        if det_fac:
            fields["facility"] = det_fac
        if place:
            fields["place"] = place
        add(t0, "detained", SRC_LIST, **fields)

        # how the episode ends
        # (for people out of custody before the trial: how the custody after the sentence ends)
        exit_day = p.end
        outcome = "served"
        if p.death is not None and p.death < exit_day:
            exit_day, outcome = p.death, "died"
        wave: ReleaseWave | None = None
        waves = self.ctx.waves
        if p.custodial and p.rec is not None and waves and waves[0][0] < exit_day:
            for k in range(bisect.bisect_right(self.wave_days, max(p.ts, p.rec - 1)), len(waves)):
                day, w, prob = waves[k]
                if day >= exit_day:
                    break
                if p.eligible(day):
                    # systematic sampling: pick whenever the running sum of probabilities
                    # crosses a whole number, so a wave's size hardly varies around its mean
                    acc = self.wave_acc[k] + min(1.0, prob * _wave_weight(w, self.vulnerable,
                                                                          self.prominent))
                    if acc >= 1.0:
                        self.wave_acc[k] = acc - 1.0
                        exit_day, outcome, wave = day, "wave", w
                        break
                    self.wave_acc[k] = acc
            if wave is None and outcome == "served" and r() < 0.03 and p.end - p.ts > 200:
                # released early on parole or with the rest replaced by restricted freedom
                exit_day, outcome = p.ts + (p.end - p.ts) // 2 + int(r() * (p.end - p.ts) // 3), "early"
        if not p.custodial:
            exit_day, outcome = p.ts + (0 if r() < 0.6 else 1 + int(r() * 4)), "noncustodial"
        elif p.end <= p.ts:
            exit_day, outcome = p.ts, "served"
        first_custody_end = p.out_day if p.out_day is not None else exit_day

        if p.pretrial_custody:
            # a remand on the day of release would reopen custody (the day's detentions come last),
            # so someone released that early was never remanded
            remand = t0 + (0 if r() < 0.5 else 1 + int(r() * 3))
            if remand < first_custody_end:
                add(remand, "pretrial_custody", SRC_LIST)
        charged = t0 + 1 + int(r() * 10)
        if charged < p.ts:
            add(charged, "charged", SRC_LIST, articles=self.articles_text(p.articles), case=case)
        if p.rec is not None:
            add(p.rec, "recognized", SRC_LIST, organization=ORGANIZATION)
        if det_fac != sizo:
            d = t0 + 1 + int(r() * 14)
            if d < first_custody_end:
                add(d, "transferred", SRC_LIST, facility=sizo)

        # out of custody before the trial
        if p.out_day is not None:
            if p.out_kind == "house_arrest":
                add(p.out_day, "house_arrest", SRC_LIST)
            else:
                add(p.out_day, "released", SRC_LIST, release_kind=p.out_kind)
            if p.out_kind == "acquitted":
                return p.out_day, "acquitted"

        # trial and sentence
        ts = p.ts
        if ts >= exit_day and outcome == "died":
            return self.death(exit_day, t0)
        court = COURTS[region][int(r() * len(COURTS[region]))]
        if p.articles[0] in KGB_ARTICLES and r() < 0.5:
            court = "Minsk City Court" if r() < 0.7 else "Supreme Court"
        if r() < 0.7:
            d = ts - 1 - int(r() * 40)
            if d > t0 + 14 and (p.out_day is None or d > p.out_day):
                add(d, "trial_started", SRC_COURT, court=court, case=case)
        if p.out_day is not None and p.custodial:
            # taken into custody in the courtroom
            add(ts, "detained", SRC_COURT, place="in the courtroom")
        credited = (ts if p.out_day is None else p.out_day) - t0
        sent = {"articles": self.articles_text(p.articles), "sentence_kind": p.kind,
                "court": court, "case": case}
        if p.months:
            sent["sentence_months"] = str(p.months)
        if credited:
            sent["credited_days"] = str(credited)
        if p.kind == "fine":
            sent["fine"] = str((50, 100, 150, 200, 300)[int(r() * 5)])
        add(ts, "sentenced", SRC_COURT, **sent)
        if p.out_day is not None and not p.custodial:
            return ts, "free"  # sentenced while already out of custody
        if not p.custodial:
            add(exit_day, "released", SRC_LIST, release_kind="noncustodial")
            return exit_day, "released"
        if exit_day <= ts:
            add(ts, "released", SRC_LIST, release_kind="sentence_served")
            return ts, "released"

        # after the sentence: appeal, colony, life inside
        stop = min(exit_day, today + 1)
        appeal = p.appeal
        if appeal is not None and appeal < stop:
            a = {"appeal_outcome": "upheld" if not p.appeal_change else
                 "reduced" if p.appeal_change < 0 else "increased",
                 "court": "Supreme Court" if court in ("Minsk City Court", "Supreme Court")
                 else APPEAL_COURTS[region]}
            if p.appeal_change:
                a["sentence_months"] = str(p.months + p.appeal_change)
            add(appeal, "appeal_decided", SRC_COURT, **a)
        colony_day = max(ts + 30 + int(r() * 60), (appeal or 0) + 7 + int(r() * 30))
        if p.kind == "arrest":
            colony_day = exit_day  # an arrest is served where the person is
        elif colony_day < stop:
            fac = (WOMEN_COLONIES if self.female else COLONIES[p.kind])
            add(colony_day, "transferred", SRC_LIST, facility=fac[int(r() * len(fac))])
            if r() < 0.05:
                d = colony_day + 200 + int(r() * 500)
                if d < stop:
                    add(d, "transferred", SRC_FORMER, facility="prison-4-mogilev"
                        if not self.female else "ik-24-zarechye")
        if p.extension is not None and p.extension[0] < stop:
            x, extra = p.extension
            add(x - 30 - int(r() * 60), "charged", SRC_LIST, articles="411", case=f"{case}-411")
            add(x, "sentence_changed", SRC_COURT, articles="411",
                sentence_months=str(p.months + p.appeal_change + extra), note=f"Term extended by {extra} months "
                "under art. 411 (synthetic demo)")
        self.life_inside(t0, ts, colony_day, stop, p.out_day)

        if outcome == "died":
            return self.death(exit_day, t0)
        if wave is not None:
            if wave.kind == "pardon" and r() < 0.6:
                d = max(ts + 1, wave.date.toordinal() - 20 - int(r() * 130))
                add(d, "pardon_petition", SRC_FAMILY)
            rel = {"release_kind": wave.kind}
            deported = r() < wave.deported
            if deported and wave.kind == "exchange" and r() < 0.02:
                rel["deported"] = "false"
                rel["note"] = "Refused to leave the country (synthetic demo)"
                add(exit_day, "released", SRC_NEWS, **rel)
                return exit_day, "refused_exile"
            if deported:
                rel["deported"] = "true"
                if r() < 0.4:
                    rel["documents_confiscated"] = "true"
            add(exit_day, "released", SRC_NEWS, **rel)
            return exit_day, "deported" if deported else "released"
        if ts < D2024_03 < stop and r() < 0.05:
            d = D2024_03 + int(r() * (stop - D2024_03))
            if d < stop:
                add(d, "pardon_petition", SRC_FAMILY)
        add(exit_day, "released", SRC_LIST,
            release_kind="other" if outcome == "early" else "sentence_served")
        if r() < 0.08:
            add(exit_day + 20 + int(r() * 400), "designated_extremist", SRC_OFFICIAL)
        return exit_day, "released" if exit_day <= today else "held"

    def articles_text(self, articles: list[str]) -> str:
        """``342:1;369``: each article with one of its parts."""
        r = self.r
        texts = [ARTICLE_PARTS[a][int(r() * len(ARTICLE_PARTS[a]))] for a in articles]
        return texts[0] if len(texts) == 1 else ";".join(texts)

    def death(self, day: int, t0: int) -> tuple[int, str]:
        if self.age >= 60 or self.ill or self.r() < 0.5:
            self.add(max(t0 + 1, day - 20 - int(self.r() * 200)), "health_reported", SRC_FAMILY,
                     condition="serious_illness", confidence="reported")
        self.add(day, "died_in_custody", SRC_NEWS)
        self.events = [e for e in self.events if e[0] <= day]
        return day, "died"

    def life_inside(self, t0: int, ts: int, colony_day: int, stop: int, out_day: int | None) -> None:
        """Contacts, incommunicado, punishment cells and health reports within [t0, stop),
        except between `out_day` and the sentence for somebody who waited for trial outside."""
        r = self.r
        add = self.add
        incom_from = incom_to = 0
        if self.prominent and stop - colony_day > 300:
            incom_from = max(colony_day + 30, D2022_09 + int(r() * 300))
            incom_to = incom_from + 500 + int(r() * 500) if r() < 0.5 else stop
            d = incom_from + 30 + int(r() * 60)
            while d < min(incom_to, stop):
                add(d, "incommunicado", SRC_FAMILY, confidence="reported" if r() < 0.5
                    else "confirmed", note="No letters or visits reported (synthetic demo)")
                d += 150 + int(r() * 150)
        if r() < 0.3 and ts < stop:
            add(ts, "contact", SRC_COURT, contact_kind="court_appearance")
        d = t0 + 20 + int(-170 * _log(1.0 - r()))
        while d < stop:
            if not incom_from <= d < incom_to and not (out_day is not None and out_day <= d < ts):
                pick = SIZO_CONTACTS if d < colony_day else COLONY_CONTACTS
                kind = pick[int(r() * len(pick))]
                add(d, "contact", CONTACT_SOURCES[kind], contact_kind=kind,
                    confidence="reported" if r() < 0.15 else "confirmed")
            d += 30 + int(-160 * _log(1.0 - r()))
        if colony_day < stop:
            years = (stop - colony_day) / 365
            p = (0.35 if self.prominent else 0.07) * years
            while r() < p:
                d = colony_day + int(r() * (stop - colony_day))
                add(d, "punishment_cell", SRC_FORMER, days=str((5, 7, 10, 10, 10, 15)[int(r() * 6)]),
                    confidence="reported")
                p -= 1.0
        if (self.vulnerable and r() < 0.5) or r() < 0.03:
            d = t0 + 30 + int(r() * (stop - t0))
            if d < stop:
                add(d, "health_reported", SRC_FAMILY,
                    condition=CONDITIONS[int(r() * len(CONDITIONS))], confidence="reported")


# --- the rows ----------------------------------------------------------------------------------


def generate_rows(people: int = 6000, seed: int = 2020,
                  today: dt.date | None = None) -> Iterator[dict[str, str]]:
    """Yield canonical interchange rows for `people` synthetic people, person by person.

    Each person's rows are consecutive and chronological; keys are ``demo-000001``...;
    the first row carries the person columns (Belarusian name, Russian and Latin forms, sex,
    birth date, region, groups) and marks the record as synthetic. Empty columns are left
    out of the dicts. No event is dated after `today` (default: the current date).
    """
    ctx = _context(today or dt.date.today())
    life = _Life(random.Random(seed), ctx)
    iso = ctx.iso
    base = ctx.base
    today_ord = ctx.today
    month_precision = frozenset({"contact", "health_reported", "punishment_cell"})
    for n in range(1, people + 1):
        key = f"{KEY_PREFIX}{n:06d}"
        life.new_person()
        names = life.name()
        life.life()
        events = [e for e in life.events if e[0] <= today_ord]
        events.sort(key=_DAY)
        first = True
        prev_day = 0
        last = len(events) - 1
        for i, (day, _order, row) in enumerate(events):
            text = iso[day - base]
            if row["event"] in month_precision and life.r() < 0.1:
                # "a letter in March": only when the whole month is free of other events
                lo = day - int(text[8:]) + 1
                hi = _add_months(lo, 1) - 1
                if prev_day < lo and (i == last or events[i + 1][0] > hi) and hi <= today_ord:
                    text = text[:7]
            prev_day = day
            row["date"] = text
            if first:
                first = False
                head = life.person_rows(key, names)
                row["source"] = f"{SYNTHETIC_SOURCE};{row['source']}"
                if "note" in row:
                    row["note"] = f"{SYNTHETIC_NOTE} {row['note']}"
                head.update(row)
                yield head
            else:
                row["person"] = key
                yield row
