"""The statistics engine: every figure of issue 3 computed from custody episodes and events.

Pure Python and numpy; no Django (``volia.stats.dataset`` loads a `Dataset` from the registry).
Definitions are in docs/statistics.md, and every result states its own in a ``definition`` key.

How it is fast: days are integers (``date.toordinal()``). A population is a set of *spans*:
half-open day intervals [a, b) during which one person counts (a custody episode, cut to the
days on which the person was recognised and matched the date-dependent filters). The spans of
one person never overlap, so the number of people counted at the end of day d is the number of
spans with a <= d < b: two ``np.searchsorted`` over the sorted starts and ends, for one day or
for a whole daily series. Filters that depend on the date (age, facility, vulnerability) are
themselves per-person intervals and are intersected with the spans once, vectorised.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from volia.core import codes
from volia.core.dates import add_months

__all__ = [
    "BY", "CUSTODY", "DURATION_BY", "FLOWS", "RECOGNITION", "RECORDS_START", "VULNERABILITY", "Dataset", "Filters",
    "add_months", "durations", "flow_people", "flows", "flows_definition", "held_on", "held_people", "incommunicado",
    "kaplan_meier", "periods", "projection", "remitted", "series", "vulnerability",
]

RECOGNITION = ("prior", "retroactive", "none")  # default "prior"
CUSTODY = ("criminal", "administrative")  # an episode's kind; None = both
BY = ("day", "week", "month", "year")
DURATION_BY = ("detention_year", "article")
FLOWS = ("detained", "rearrested", "recognized", "released", "deported", "died_in_custody", "house_arrest")
RECORDS_START = dt.date(2020, 8, 9)  # the day of the 2020 presidential election: the lists start here

# a day number beyond any date (date.max.toordinal() is 3,652,059): the end of an open episode
OPEN = 10_000_000
_SCALE = OPEN + 1  # person * _SCALE + day orders (person, day) pairs in one int64
_EPOCH = dt.date(1970, 1, 1).toordinal()
_Z95 = 1.959963984540054  # standard normal quantile 0.975

GROUP_CODES = tuple(codes.GROUPS)
INCOMMUNICADO_DAYS = (30, 90, 180, 365)
REMITTED_UNDER = (30, 90, 180)
REMITTED_BINS = (0, 30, 90, 180, 365, 730, 1095, 1825, 3650)

VULNERABILITY = {
    "elderly": "60 years old or older on the date (age in whole years from the earliest possible birth day; "
               "people without a birth date are not counted)",
    "minor_at_detention": "younger than 18 on the day the current custody episode began (earliest possible "
                          "birth day)",
    "serious_illness": "a health report (health_reported) with condition serious_illness dated on or before "
                       "the date (the registry records no recovery, so a report counts from then on)",
    "disability": "a health report with condition disability dated on or before the date",
}
VULNERABILITY_NOT_AVAILABLE = {
    "parents_of_minor_children": "parents of minor children: the registry records no data about children yet, so "
                                 "this group cannot be counted",
}
COMPETING = {
    "sentence_served": "released at the end of the sentence (release kind sentence_served)",
    "early_release": "released early: pardon, amnesty or exchange",
    "other_release": "other exits from custody: acquitted or case closed, measure changed to non-custodial, "
                     "other releases, and house arrest",
    "died_in_custody": "died in custody",
}


# --- days ----------------------------------------------------------------------------------------


def _day(d: dt.date) -> int:
    return d.toordinal()


def _iso(o: int) -> str:
    return dt.date.fromordinal(int(o)).isoformat()


def _years(days: np.ndarray) -> np.ndarray:
    """The calendar year of each day (ordinals)."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    lo = int(days.min())
    table = np.arange(lo, int(days.max()) + 1, dtype=np.int64)
    years = (table - _EPOCH).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years[days - lo]


def _shift_years(days: np.ndarray, years: int) -> np.ndarray:
    d64 = (days - _EPOCH).astype("datetime64[D]")
    month = d64.astype("datetime64[M]")
    dom = (d64 - month.astype("datetime64[D]")).astype(np.int64)
    # month arithmetic keeps the month; day-of-month added afterwards rolls 29 Feb over to 1 March
    shifted = (month + np.timedelta64(12 * years, "M")).astype("datetime64[D]") + dom
    return shifted.astype(np.int64) + _EPOCH


def _anniversaries(birth: np.ndarray, years: int) -> np.ndarray:
    """The day each person turns `years` (birth: ordinals, 0 = unknown → OPEN). 29 February → 1 March."""
    out = np.full(len(birth), OPEN, dtype=np.int64)
    known = birth > 0
    if not known.any():
        return out
    b = birth[known]
    lo, hi = int(b.min()), int(b.max())
    if hi - lo < 200_000:
        # calendar arithmetic is slow per element: do it once per possible day and look it up
        out[known] = _shift_years(np.arange(lo, hi + 1, dtype=np.int64), years)[b - lo]
    else:
        out[known] = _shift_years(b, years)
    return out


# --- the data ------------------------------------------------------------------------------------


def _arr(values: Any, dtype: Any) -> np.ndarray:
    return np.asarray(values if values is not None else [], dtype=dtype)


@dataclass(eq=False)
class Dataset:
    """Everything the figures need, as numpy arrays indexed by person *index* (position in `person_id`).

    Build it with `Dataset.build` (from person ids; it sorts and indexes). Episodes are sorted by
    (person, start); recognitions, facility events and sentences by (person, day, event order, id);
    contacts and health reports by (person, day). Days are ordinals; OPEN = still open.
    """

    person_id: np.ndarray
    sex: np.ndarray
    region: np.ndarray
    birth: np.ndarray  # earliest possible birth day; 0 = unknown
    groups: np.ndarray  # bit mask over GROUP_CODES

    ep_person: np.ndarray
    ep_seq: np.ndarray
    ep_criminal: np.ndarray
    ep_start: np.ndarray
    ep_end: np.ndarray  # OPEN while still held
    ep_start_exact: np.ndarray
    ep_end_exact: np.ndarray  # True for open episodes (no uncertain end)
    ep_end_kind: np.ndarray  # release kind, "house_arrest", "died_in_custody", "" while open
    ep_deported: np.ndarray

    rec_person: np.ndarray
    rec_org: np.ndarray  # index into organizations
    rec_day: np.ndarray
    rec_withdrawn: np.ndarray
    organizations: tuple[str, ...]

    fac_person: np.ndarray
    fac_day: np.ndarray
    fac_facility: np.ndarray  # index into facilities
    facilities: tuple[str, ...]
    facility_kinds: tuple[str, ...]  # kind of each facility

    contact_person: np.ndarray
    contact_day: np.ndarray
    health_person: np.ndarray
    health_day: np.ndarray
    health_condition: np.ndarray

    charge_person: np.ndarray
    charge_article: np.ndarray  # index into articles
    articles: tuple[str, ...]

    sentence_person: np.ndarray
    sentence_day: np.ndarray
    sentence_type: np.ndarray  # sentenced | appeal_decided | sentence_changed | tried_in_absentia
    sentence_months: np.ndarray  # -1 = not given
    sentence_credited: np.ndarray  # -1 = not given

    end: int  # the last day of the data: still-held episodes are censored here
    as_recorded_on: dt.date | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def people(self) -> int:
        return len(self.person_id)

    @property
    def end_date(self) -> dt.date:
        return dt.date.fromordinal(self.end)

    @classmethod
    def build(cls, *, person_id: Sequence[int] | np.ndarray, end: dt.date | int,
              sex: Sequence[str] | np.ndarray | None = None, region: Sequence[str] | np.ndarray | None = None,
              birth: Sequence[int] | np.ndarray | None = None, groups: Sequence[tuple[int, str]] = (),
              episodes: Mapping[str, Any] | None = None, recognitions: Mapping[str, Any] | None = None,
              organizations: Sequence[str] = (), facility_events: Mapping[str, Any] | None = None,
              facilities: Sequence[str] = (), facility_kinds: Sequence[str] = (),
              contacts: Mapping[str, Any] | None = None, health: Mapping[str, Any] | None = None,
              charges: Mapping[str, Any] | None = None, articles: Sequence[str] = (),
              sentences: Mapping[str, Any] | None = None, as_recorded_on: dt.date | None = None) -> Dataset:
        """Arrange arrays keyed by person *id* into a Dataset.

        Tables are mappings of equal-length arrays: episodes {person, seq, criminal, start, end (OPEN
        while open), start_exact, end_exact, end_kind, deported}; recognitions {person, org (index),
        day, withdrawn, order}; facility_events {person, day, facility (index), order}; contacts
        {person, day}; health {person, day, condition}; charges {person, article (index)};
        sentences {person, day, type, months, credited, order}. `order` breaks ties within a day
        (the projections' order: event type order, then id).
        """
        pid = _arr(person_id, np.int64)
        order = np.argsort(pid, kind="stable")
        pid = pid[order]
        n = len(pid)

        def person_col(values: Any, dtype: Any, default: Any) -> np.ndarray:
            if values is None:
                return np.full(n, default, dtype=dtype)
            return _arr(values, dtype)[order]

        def index(ids: Any) -> np.ndarray:
            ids = _arr(ids, np.int64)
            idx = np.searchsorted(pid, ids)
            if len(ids) and (idx.max(initial=0) >= n or not np.array_equal(pid[np.minimum(idx, n - 1)], ids)):
                raise ValueError("a table refers to a person id that is not in person_id")
            return idx.astype(np.int64)

        def table(t: Mapping[str, Any] | None, spec: dict[str, Any], sort: tuple[str, ...]) -> dict[str, np.ndarray]:
            t = t or {}
            out = {k: _arr(t.get(k), dt_) for k, dt_ in spec.items()}
            size = len(out["person"])
            for k, v in out.items():
                if len(v) != size:
                    if k in t:
                        raise ValueError(f"column {k!r} has {len(v)} rows, expected {size}")
                    out[k] = np.zeros(size, dtype=spec[k]) if spec[k] is not str else np.full(size, "", dtype=str)
            out["person"] = index(out["person"])
            if size:
                keys = tuple(out[k] for k in reversed(sort))
                perm = np.lexsort(keys)
                out = {k: v[perm] for k, v in out.items()}
            return out

        bits = np.zeros(n, dtype=np.int64)
        if groups:
            gp = index([g[0] for g in groups])
            gbit = np.array([1 << GROUP_CODES.index(g[1]) for g in groups], dtype=np.int64)
            np.bitwise_or.at(bits, gp, gbit)
        ep = table(episodes, {"person": np.int64, "seq": np.int64, "criminal": bool, "start": np.int64,
                              "end": np.int64, "start_exact": bool, "end_exact": bool, "end_kind": str,
                              "deported": bool}, ("person", "start", "seq"))
        rec = table(recognitions, {"person": np.int64, "org": np.int64, "day": np.int64, "withdrawn": bool,
                                   "order": np.int64}, ("person", "org", "day", "order"))
        fac = table(facility_events, {"person": np.int64, "day": np.int64, "facility": np.int64,
                                      "order": np.int64}, ("person", "day", "order"))
        con = table(contacts, {"person": np.int64, "day": np.int64}, ("person", "day"))
        hea = table(health, {"person": np.int64, "day": np.int64, "condition": str}, ("person", "day"))
        cha = table(charges, {"person": np.int64, "article": np.int64}, ("person", "article"))
        sen = table(sentences, {"person": np.int64, "day": np.int64, "type": str, "months": np.int64,
                                "credited": np.int64, "order": np.int64}, ("person", "day", "order"))
        return cls(
            person_id=pid, sex=person_col(sex, "<U1", ""), region=person_col(region, "<U16", ""),
            birth=person_col(birth, np.int64, 0), groups=bits,
            ep_person=ep["person"], ep_seq=ep["seq"], ep_criminal=ep["criminal"], ep_start=ep["start"],
            ep_end=ep["end"], ep_start_exact=ep["start_exact"], ep_end_exact=ep["end_exact"],
            ep_end_kind=ep["end_kind"], ep_deported=ep["deported"],
            rec_person=rec["person"], rec_org=rec["org"], rec_day=rec["day"], rec_withdrawn=rec["withdrawn"],
            organizations=tuple(organizations),
            fac_person=fac["person"], fac_day=fac["day"], fac_facility=fac["facility"],
            facilities=tuple(facilities), facility_kinds=tuple(facility_kinds),
            contact_person=con["person"], contact_day=con["day"],
            health_person=hea["person"], health_day=hea["day"], health_condition=hea["condition"],
            charge_person=cha["person"], charge_article=cha["article"], articles=tuple(articles),
            sentence_person=sen["person"], sentence_day=sen["day"], sentence_type=sen["type"],
            sentence_months=sen["months"], sentence_credited=sen["credited"],
            end=end if isinstance(end, int) else _day(end), as_recorded_on=as_recorded_on)

    def cached(self, key: tuple, make: Any) -> Any:
        """Memoise derived arrays (spans, intervals) on the dataset: it never changes once built."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    sex: str | None = None  # codes.SEX
    age_min: int | None = None  # age in whole years on the date of the figure (birth earliest day)
    age_max: int | None = None
    region: str | None = None  # codes.REGIONS
    article: str | None = None  # Criminal Code article number, e.g. "342" (any charge of the person)
    facility: str | None = None  # facility code: where the person was on the date (last event with a facility)
    facility_kind: str | None = None  # codes.FACILITY_KINDS
    group: str | None = None  # codes.GROUPS
    vulnerable: str | None = None  # a vulnerability code (see `vulnerability`), or "any"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Filters:
        """From CLI options or query strings (``age_min`` or ``age-min``); empty values mean "not given".

        Other keys are ignored. Raises ValueError naming the bad parameter and its value.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = params.get(f.name, params.get(f.name.replace("_", "-")))
            if raw is None or str(raw).strip() == "":
                continue
            values[f.name] = _clean_filter(f.name, str(raw).strip())
        if values.get("age_min") is not None and values.get("age_max") is not None \
                and values["age_min"] > values["age_max"]:
            raise ValueError(f"age_min: {values['age_min']} is greater than age_max ({values['age_max']})")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def describe(self) -> str:
        parts = []
        for name, value in self.as_dict().items():
            if name == "age_min":
                parts.append(f"aged {value} or older on the date")
            elif name == "age_max":
                parts.append(f"aged {value} or younger on the date")
            elif name == "facility":
                parts.append(f"in facility {value} on the date (last event with a facility)")
            elif name == "facility_kind":
                parts.append(f"in a facility of kind {value} on the date")
            elif name == "article":
                parts.append(f"charged under article {value} (any charge of the person)")
            elif name == "vulnerable":
                parts.append("vulnerable on the date (any of: " + ", ".join(VULNERABILITY) + ")"
                             if value == "any" else f"vulnerable on the date: {value}")
            else:
                parts.append(f"{name} {value}")
        return "; ".join(parts)


def _clean_filter(name: str, raw: str) -> Any:
    tables = {"sex": codes.SEX, "region": codes.REGIONS, "facility_kind": codes.FACILITY_KINDS,
              "group": codes.GROUPS, "vulnerable": {**VULNERABILITY, "any": ""}}
    if name in tables:
        if raw not in tables[name]:
            raise ValueError(f"{name}: unknown code {raw!r} (one of {', '.join(tables[name])})")
        return raw
    if name in ("age_min", "age_max"):
        try:
            age = int(raw)
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a whole number of years") from None
        if not 0 <= age <= 150:
            raise ValueError(f"{name}: {age} is not an age between 0 and 150")
        return age
    return raw  # article number, facility code: unknown values simply match nobody


# --- intervals and spans -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Intervals:
    """Per-person half-open day intervals, sorted by (person, start), never overlapping within a person."""

    person: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.person)

    def contains(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """For each (person, day): is the day inside one of the person's intervals?"""
        if not len(self) or not len(person):
            return np.zeros(len(person), dtype=bool)
        keys = self.person * _SCALE + self.start
        idx = np.searchsorted(keys, person * _SCALE + day, side="right") - 1
        found = idx >= 0
        idx = np.where(found, idx, 0)
        return found & (self.person[idx] == person) & (day < self.end[idx])


def _merge(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> _Intervals:
    """The union of intervals, per person (sorted, overlapping or touching ones merged)."""
    keep = start < end
    person, start, end = person[keep], start[keep], end[keep]
    if not len(person):
        return _Intervals(person, start, end)
    key = person * _SCALE + start
    if len(key) > 1 and not (key[1:] >= key[:-1]).all():  # usually sorted already
        perm = np.argsort(key, kind="stable")
        person, start, end = person[perm], start[perm], end[perm]
    running = np.maximum.accumulate(person * _SCALE + end)
    new = np.ones(len(person), dtype=bool)
    new[1:] = (person[1:] != person[:-1]) | (person[1:] * _SCALE + start[1:] > running[:-1])
    first = np.flatnonzero(new)
    return _Intervals(person[first], start[first], np.maximum.reduceat(end, first))


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with a[i] == b[j], for sorted person indexes a and b; i ascending, then j ascending."""
    size = int(max(a.max(initial=-1), b.max(initial=-1))) + 1
    per_person = np.bincount(b, minlength=size)
    first = np.cumsum(per_person) - per_person
    lo, n = first[a], per_person[a]
    ia = np.repeat(np.arange(len(a)), n)
    ib = lo[ia] + np.arange(len(ia)) - np.repeat(np.cumsum(n) - n, n)
    return ia, ib


class _Spans:
    """Days on which people count: [start, end) per person and episode, never overlapping within a person."""

    def __init__(self, person: np.ndarray, start: np.ndarray, end: np.ndarray, episode: np.ndarray):
        self.person, self.start, self.end, self.episode = person, start, end, episode
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._sorted_uncertain: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.person)

    def take(self, keep: np.ndarray) -> _Spans:
        return _Spans(self.person[keep], self.start[keep], self.end[keep], self.episode[keep])

    def intersect(self, iv: _Intervals) -> _Spans:
        ia, ib = _pairs(self.person, iv.person)
        a = np.maximum(self.start[ia], iv.start[ib])
        b = np.minimum(self.end[ia], iv.end[ib])
        keep = a < b
        ia = ia[keep]
        return _Spans(self.person[ia], a[keep], b[keep], self.episode[ia])

    def counts(self, days: np.ndarray) -> np.ndarray:
        """How many spans cover each day (= people, since one person's spans never overlap)."""
        if self._sorted is None:
            self._sorted = (np.sort(self.start), np.sort(self.end))
        starts, ends = self._sorted
        return np.searchsorted(starts, days, side="right") - np.searchsorted(ends, days, side="right")

    def uncertain_counts(self, ds: Dataset, days: np.ndarray) -> np.ndarray:
        if self._sorted_uncertain is None:
            e = self.episode
            unc = ~(ds.ep_start_exact[e] & ds.ep_end_exact[e])
            self._sorted_uncertain = (np.sort(self.start[unc]), np.sort(self.end[unc]))
        starts, ends = self._sorted_uncertain
        return np.searchsorted(starts, days, side="right") - np.searchsorted(ends, days, side="right")

    def covering(self, day: int) -> np.ndarray:
        return np.flatnonzero((self.start <= day) & (day < self.end))


# --- recognition ---------------------------------------------------------------------------------


def _org_index(ds: Dataset, organization: str | None) -> int | None:
    if organization is None:
        return None
    try:
        return ds.organizations.index(organization)
    except ValueError:
        raise ValueError(f"organization: unknown organisation code {organization!r}") from None


def _check_recognition(recognition: str, allowed: Sequence[str] = RECOGNITION) -> None:
    if recognition not in allowed:
        raise ValueError(f"recognition: {recognition!r} is not one of {', '.join(allowed)}")


def _check_custody(custody: str | None) -> None:
    if custody is not None and custody not in CUSTODY:
        raise ValueError(f"custody: {custody!r} is not one of {', '.join(CUSTODY)} (or none for both)")


def _recognition_intervals(ds: Dataset, org: int | None) -> _Intervals:
    """Days on which each person is recognised by some organisation (or by `org`).

    Per (person, organisation), events in order: a `recognized` starts recognition (if not
    already), a `recognition_withdrawn` ends it on its day. The union over organisations.
    """

    def make() -> _Intervals:
        sel = np.ones(len(ds.rec_person), dtype=bool) if org is None else ds.rec_org == org
        p, o, d = ds.rec_person[sel], ds.rec_org[sel], ds.rec_day[sel]
        state = ~ds.rec_withdrawn[sel]
        if not len(p):
            return _Intervals(p, d, d)
        first = np.ones(len(p), dtype=bool)
        first[1:] = (p[1:] != p[:-1]) | (o[1:] != o[:-1])
        prev = np.zeros(len(p), dtype=bool)
        prev[1:] = state[:-1]
        prev[first] = False
        changes = np.flatnonzero(state != prev)  # alternate within a group: start, end, start...
        is_start = state[changes]
        nxt = np.append(changes[1:], -1)
        same = np.zeros(len(changes), dtype=bool)
        same[:-1] = (p[changes[1:]] == p[changes[:-1]]) & (o[changes[1:]] == o[changes[:-1]])
        starts = changes[is_start]
        ends = np.where(same[is_start], d[nxt[is_start]], OPEN)
        return _merge(p[starts], d[starts], ends)

    return ds.cached(("recognition", org), make)


def _first_recognition(ds: Dataset, org: int | None) -> np.ndarray:
    """The day of each person's first `recognized` event (by `org`), OPEN if none."""

    def make() -> np.ndarray:
        sel = ~ds.rec_withdrawn if org is None else (~ds.rec_withdrawn & (ds.rec_org == org))
        first = np.full(ds.people, OPEN, dtype=np.int64)
        np.minimum.at(first, ds.rec_person[sel], ds.rec_day[sel])
        return first

    return ds.cached(("first_recognition", org), make)


# --- filters as intervals ------------------------------------------------------------------------


def _person_mask(ds: Dataset, f: Filters) -> np.ndarray | None:
    mask = None

    def both(m: np.ndarray) -> None:
        nonlocal mask
        mask = m if mask is None else (mask & m)

    if f.sex is not None:
        both(ds.sex == f.sex)
    if f.region is not None:
        both(ds.region == f.region)
    if f.group is not None:
        both((ds.groups & (1 << GROUP_CODES.index(f.group))) != 0)
    if f.article is not None:
        m = np.zeros(ds.people, dtype=bool)
        if f.article in ds.articles:
            m[ds.charge_person[ds.charge_article == ds.articles.index(f.article)]] = True
        both(m)
    return mask


def _age_intervals(ds: Dataset, age_min: int | None, age_max: int | None) -> _Intervals:
    """Days on which a person's age is within [age_min, age_max]: from one birthday to another."""

    def make() -> _Intervals:
        known = np.flatnonzero(ds.birth > 0)
        lo = _anniversaries(ds.birth, age_min)[known] if age_min is not None else np.full(len(known), -1)
        hi = _anniversaries(ds.birth, age_max + 1)[known] if age_max is not None else np.full(len(known), OPEN)
        keep = lo < hi
        return _Intervals(known[keep].astype(np.int64), lo[keep].astype(np.int64), hi[keep].astype(np.int64))

    return ds.cached(("age", age_min, age_max), make)


def _facility_intervals(ds: Dataset, facility: str | None, kind: str | None) -> _Intervals:
    """Days on which a person's last event with a facility names this facility (or a facility of this kind)."""

    def make() -> _Intervals:
        p, d = ds.fac_person, ds.fac_day
        nxt = np.full(len(p), OPEN, dtype=np.int64)
        if len(p) > 1:
            same = p[1:] == p[:-1]
            nxt[:-1] = np.where(same, d[1:], OPEN)
        if facility is not None:
            wanted = np.array([c == facility for c in ds.facilities], dtype=bool)
        else:
            wanted = np.array([k == kind for k in ds.facility_kinds], dtype=bool)
        sel = wanted[ds.fac_facility] if len(wanted) else np.zeros(len(p), dtype=bool)
        sel &= d < nxt  # the earlier of two same-day events lasts no day
        return _Intervals(p[sel], d[sel], nxt[sel])

    return ds.cached(("facility", facility, kind), make)


def _vulnerability_intervals(ds: Dataset, code: str) -> _Intervals:
    """Days on which a person is vulnerable in the sense of `code` (or of any code)."""

    def make() -> _Intervals:
        if code == "any":
            parts = [_vulnerability_intervals(ds, c) for c in VULNERABILITY]
            return _merge(np.concatenate([iv.person for iv in parts]), np.concatenate([iv.start for iv in parts]),
                          np.concatenate([iv.end for iv in parts]))
        if code == "elderly":
            known = np.flatnonzero(ds.birth > 0).astype(np.int64)
            start = _anniversaries(ds.birth, 60)[known]
            return _Intervals(known, start, np.full(len(known), OPEN, dtype=np.int64))
        if code == "minor_at_detention":
            adult = _anniversaries(ds.birth, 18)[ds.ep_person]
            sel = (ds.birth[ds.ep_person] > 0) & (ds.ep_start < adult)
            # the release day is included, so that a release of a minor counts in the flows
            end = np.where(ds.ep_end >= OPEN, OPEN, ds.ep_end + 1)
            return _merge(ds.ep_person[sel], ds.ep_start[sel], end[sel])
        condition = {"serious_illness": "serious_illness", "disability": "disability"}[code]
        sel = ds.health_condition == condition
        first = np.full(ds.people, OPEN, dtype=np.int64)
        np.minimum.at(first, ds.health_person[sel], ds.health_day[sel])
        who = np.flatnonzero(first < OPEN).astype(np.int64)
        return _Intervals(who, first[who], np.full(len(who), OPEN, dtype=np.int64))

    return ds.cached(("vulnerable", code), make)


def _filter_intervals(ds: Dataset, f: Filters) -> list[_Intervals]:
    out = []
    if f.age_min is not None or f.age_max is not None:
        out.append(_age_intervals(ds, f.age_min, f.age_max))
    if f.facility is not None:
        out.append(_facility_intervals(ds, f.facility, None))
    if f.facility_kind is not None:
        out.append(_facility_intervals(ds, None, f.facility_kind))
    if f.vulnerable is not None:
        out.append(_vulnerability_intervals(ds, f.vulnerable))
    return out


def _matches(ds: Dataset, f: Filters, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each (person, day): does the person pass the filters on that day?"""
    ok = np.ones(len(person), dtype=bool)
    mask = _person_mask(ds, f)
    if mask is not None:
        ok &= mask[person]
    for iv in _filter_intervals(ds, f):
        ok &= iv.contains(person, day)
    return ok


def _recognised(ds: Dataset, recognition: str, org: int | None, person: np.ndarray,
                day: np.ndarray) -> np.ndarray:
    """For each (person, day): does the person count under the recognition rule on that day?"""
    if recognition == "none":
        return np.ones(len(person), dtype=bool)
    if recognition == "retroactive":
        return _first_recognition(ds, org)[person] < OPEN
    return _recognition_intervals(ds, org).contains(person, day)


# --- populations ---------------------------------------------------------------------------------


def _episode_selection(ds: Dataset, custody: str | None) -> np.ndarray:
    if custody is None:
        return np.ones(len(ds.ep_person), dtype=bool)
    return ds.ep_criminal if custody == "criminal" else ~ds.ep_criminal


def _spans(ds: Dataset, filters: Filters, recognition: str, organization: str | None,
           custody: str | None = None) -> _Spans:
    """The spans of the people who count under these rules (cached per rule set)."""
    _check_recognition(recognition)
    _check_custody(custody)
    org = _org_index(ds, organization)

    def base() -> _Spans:
        sel = _episode_selection(ds, custody) & (ds.ep_start < ds.ep_end)
        idx = np.flatnonzero(sel)
        spans = _Spans(ds.ep_person[idx], ds.ep_start[idx], ds.ep_end[idx], idx)
        if recognition == "retroactive":
            spans = spans.take(_first_recognition(ds, org)[spans.person] < OPEN)
        elif recognition == "prior":
            # a person counts from max(detention, recognition): recognition is an effective start
            spans = spans.intersect(_recognition_intervals(ds, org))
        return spans

    def make() -> _Spans:
        if filters == Filters():
            return ds.cached(("spans", recognition, org, custody, Filters()), base)
        spans = _spans(ds, Filters(), recognition, organization, custody)
        mask = _person_mask(ds, filters)
        if mask is not None:
            spans = spans.take(mask[spans.person])
        for iv in _filter_intervals(ds, filters):
            spans = spans.intersect(iv)
        return spans

    if filters == Filters():
        return ds.cached(("spans", recognition, org, custody, Filters()), base)
    return ds.cached(("spans", recognition, org, custody, filters), make)


# --- definitions ---------------------------------------------------------------------------------

HELD_BASE = ("People in custody at the end of the day: in a custody episode (criminal or administrative) that "
             "began on or before the day and had not ended by it (detained on the day counts on it; released on "
             "the day does not). Partial dates count from their earliest possible day, as in the projections; "
             "'uncertain_dates' counts the people of the figure whose episode start or end is not known to "
             "the day.")
RECOGNITION_TEXT = {
    "prior": "Only people recognised as political prisoners on or before the day: a `recognized` event of "
             "{org} dated on or before the day and not withdrawn by a later `recognition_withdrawn` of the same "
             "organisation dated on or before the day. A person counts from the later of detention and "
             "recognition.",
    "retroactive": "Only people recognised as political prisoners by {org} at any time, even after the day "
                   "(a later withdrawal does not remove them).",
    "none": "Everybody in custody, recognised or not.",
}


def _org_text(organization: str | None) -> str:
    return f"organisation {organization}" if organization else "any organisation"


def _population_text(recognition: str, organization: str | None, custody: str | None, filters: Filters,
                     ds: Dataset) -> str:
    parts = [RECOGNITION_TEXT[recognition].format(org=_org_text(organization))]
    if custody:
        parts.append(f"Only {custody} custody episodes.")
    if filters.as_dict():
        parts.append("Filters, evaluated on the day: " + filters.describe() + ".")
    if ds.as_recorded_on:
        parts.append(f"As recorded on {ds.as_recorded_on.isoformat()}: only events recorded by the end of that "
                     "day, as they stood then.")
    return " ".join(parts)


def _held_definition(recognition: str, organization: str | None, custody: str | None, filters: Filters,
                     ds: Dataset) -> str:
    text = HELD_BASE
    if custody:
        text = text.replace("(criminal or administrative)", f"({custody})")
    return text + " " + _population_text(recognition, organization, None, filters, ds)


# --- held ----------------------------------------------------------------------------------------


def held_on(ds: Dataset, day: dt.date, filters: Filters = Filters(), *, recognition: str = "prior",
            organization: str | None = None, custody: str | None = None) -> dict:
    spans = _spans(ds, filters, recognition, organization, custody)
    d = np.array([_day(day)], dtype=np.int64)
    return {"date": day.isoformat(), "held": int(spans.counts(d)[0]),
            "uncertain_dates": int(spans.uncertain_counts(ds, d)[0]), "recognition": recognition,
            "organization": organization, "custody": custody,
            "as_recorded_on": ds.as_recorded_on.isoformat() if ds.as_recorded_on else None,
            "definition": _held_definition(recognition, organization, custody, filters, ds),
            "filters": filters.as_dict()}


def held_people(ds: Dataset, day: dt.date, filters: Filters = Filters(), *, recognition: str = "prior",
                organization: str | None = None, custody: str | None = None) -> list[int]:
    """The person ids behind `held_on` (ascending)."""
    spans = _spans(ds, filters, recognition, organization, custody)
    idx = spans.covering(_day(day))
    return [int(i) for i in np.unique(ds.person_id[spans.person[idx]])]


def series(ds: Dataset, start: dt.date, end: dt.date, filters: Filters = Filters(), *,
           recognition: str = "prior", organization: str | None = None, custody: str | None = None) -> dict:
    """`held_on` for every day from `start` to `end` (both included)."""
    if end < start:
        raise ValueError(f"to: {end.isoformat()} is before from ({start.isoformat()})")
    spans = _spans(ds, filters, recognition, organization, custody)
    days = np.arange(_day(start), _day(end) + 1, dtype=np.int64)
    dates = (days - _EPOCH).astype("datetime64[D]").astype(str).tolist()
    return {"from": start.isoformat(), "to": end.isoformat(), "dates": dates,
            "held": spans.counts(days).tolist(), "uncertain_dates": spans.uncertain_counts(ds, days).tolist(),
            "recognition": recognition, "organization": organization, "custody": custody,
            "definition": _held_definition(recognition, organization, custody, filters, ds),
            "filters": filters.as_dict()}


# --- flows ---------------------------------------------------------------------------------------


def periods(start: dt.date, end: dt.date, by: str) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day) of each period of `by` that meets [start, end], clipped to it."""
    if by not in BY:
        raise ValueError(f"by: {by!r} is not one of {', '.join(BY)}")
    if end < start:
        raise ValueError(f"to: {end.isoformat()} is before from ({start.isoformat()})")
    out = []
    d = start
    while d <= end:
        if by == "day":
            label, nxt = d.isoformat(), d + dt.timedelta(days=1)
        elif by == "week":
            y, w, wd = d.isocalendar()
            label, nxt = f"{y}-W{w:02d}", d + dt.timedelta(days=8 - wd)
        elif by == "month":
            label, nxt = f"{d.year:04d}-{d.month:02d}", add_months(d.replace(day=1), 1)
        else:
            label, nxt = f"{d.year:04d}", dt.date(d.year + 1, 1, 1)
        last = min(nxt - dt.timedelta(days=1), end)
        out.append((label, d, last))
        d = nxt
    return out


def _flow_events(ds: Dataset, flow: str, filters: Filters, recognition: str, org: int | None,
                 custody: str | None, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(person index, day) of every event of one flow that passes the rules, on its own day."""
    if flow == "recognized":
        first = _first_recognition(ds, org)
        person = np.flatnonzero(first < OPEN).astype(np.int64)
        day = first[person]
    else:
        sel = _episode_selection(ds, custody).copy()
        if flow in ("detained", "rearrested"):
            if flow == "rearrested":
                sel &= ds.ep_seq > 1
            day_all = ds.ep_start
        else:
            sel &= ds.ep_end < OPEN
            if flow == "released":
                sel &= np.isin(ds.ep_end_kind, list(codes.RELEASE_KINDS) if kind is None else [kind])
            elif flow == "deported":
                sel &= ds.ep_deported & np.isin(ds.ep_end_kind, list(codes.RELEASE_KINDS))
            elif flow in ("died_in_custody", "house_arrest"):
                sel &= ds.ep_end_kind == flow
            else:
                raise ValueError(f"flow: {flow!r} is not one of {', '.join(FLOWS)}")
            day_all = ds.ep_end
        idx = np.flatnonzero(sel)
        person, day = ds.ep_person[idx], day_all[idx]
        keep = _recognised(ds, recognition, org, person, day)
        person, day = person[keep], day[keep]
    keep = _matches(ds, filters, person, day)
    return person[keep], day[keep]


def flows_definition(recognition: str = "none", organization: str | None = None, custody: str | None = None,
                     filters: Filters = Filters(), ds: Dataset | None = None) -> str:
    """The definition of the figures `flows` returns (the same for every period)."""
    kinds = f"{custody} custody episodes" if custody else "custody episodes (criminal and administrative)"
    who = {"none": "of everybody in the registry",
           "retroactive": f"of people recognised as political prisoners by {_org_text(organization)} at any time",
           "prior": f"of people recognised by {_org_text(organization)} on the day of the event"}[recognition]
    text = (f"Events {who}, counted in the period that contains their day (earliest possible day of a partial "
            f"date). detained: {kinds} that began in the period; rearrested: those of them that were not the "
            "person's first episode; released: episodes that ended with a release, by release kind; deported: "
            "releases with deportation; died_in_custody, house_arrest: episodes that ended so; recognized: "
            f"people whose first recognition by {_org_text(organization)} is dated in the period. "
            "net_change: people held at the end of the period minus at the end of the previous period (held "
            "under the same recognition rule and filters; with no date-dependent filter it equals detained "
            "minus every exit); inflow_outflow_ratio: detained divided by every exit from custody (releases, "
            "deaths, house arrest), null if there was none.")
    if filters.as_dict():
        text += " Filters, evaluated on the day of each event: " + filters.describe() + "."
    if ds is not None and ds.as_recorded_on:
        text += f" As recorded on {ds.as_recorded_on.isoformat()}."
    return text


def flows(ds: Dataset, start: dt.date, end: dt.date, by: str = "month", filters: Filters = Filters(), *,
          recognition: str = "none", organization: str | None = None, custody: str | None = None) -> list[dict]:
    """Inflow and outflow per period (see `flows_definition`)."""
    _check_recognition(recognition)
    _check_custody(custody)
    org = _org_index(ds, organization)
    parts = periods(start, end, by)
    edges = np.array([_day(p[1]) for p in parts], dtype=np.int64)
    lo, hi = _day(start), _day(end)
    n = len(parts)

    def per_period(flow: str, kind: str | None = None) -> np.ndarray:
        _p, day = _flow_events(ds, flow, filters, recognition, org, custody, kind)
        day = day[(day >= lo) & (day <= hi)]
        return np.bincount(np.searchsorted(edges, day, side="right") - 1, minlength=n)

    detained = per_period("detained")
    rearrested = per_period("rearrested")
    recognized = per_period("recognized")
    released = {k: per_period("released", k) for k in codes.RELEASE_KINDS}
    deported = per_period("deported")
    died = per_period("died_in_custody")
    house = per_period("house_arrest")
    ends = np.array([_day(p[2]) for p in parts] + [lo - 1], dtype=np.int64)
    held = _spans(ds, filters, recognition, organization, custody).counts(ends)
    out = []
    for i, (label, first, last) in enumerate(parts):
        total = int(sum(int(v[i]) for v in released.values()))
        outflow = total + int(died[i]) + int(house[i])
        out.append({
            "period": label, "start": first.isoformat(), "end": last.isoformat(),
            "detained": int(detained[i]), "recognized": int(recognized[i]),
            "released": {k: int(v[i]) for k, v in released.items()}, "released_total": total,
            "deported": int(deported[i]), "died_in_custody": int(died[i]), "house_arrest": int(house[i]),
            "rearrested": int(rearrested[i]),
            "held_end": int(held[i]),
            "net_change": int(held[i] - held[i - 1]) if i else int(held[0] - held[-1]),
            "inflow_outflow_ratio": round(int(detained[i]) / outflow, 4) if outflow else None,
        })
    return out


def flow_people(ds: Dataset, start: dt.date, end: dt.date, flow: str, filters: Filters = Filters(), *,
                kind: str | None = None, recognition: str = "none", organization: str | None = None,
                custody: str | None = None) -> list[int]:
    """The person ids behind one cell of `flows` over [start, end] (`kind`: a release kind, for "released")."""
    if flow not in FLOWS:
        raise ValueError(f"flow: {flow!r} is not one of {', '.join(FLOWS)}")
    if kind is not None and (flow != "released" or kind not in codes.RELEASE_KINDS):
        raise ValueError(f"kind: {kind!r} is not a release kind of flow 'released'")
    _check_recognition(recognition)
    _check_custody(custody)
    person, day = _flow_events(ds, flow, filters, recognition, _org_index(ds, organization), custody, kind)
    sel = (day >= _day(start)) & (day <= _day(end))
    return [int(i) for i in np.unique(ds.person_id[person[sel]])]


# --- remitted sentence ---------------------------------------------------------------------------

REMITTED_DEFINITION = (
    "For each release of an early kind (pardon, amnesty, exchange) in the window, the days of the sentence "
    "that were left: the day the sentence would have ended minus the day of the release. The sentence is the "
    "last sentenced, appeal_decided or sentence_changed event that gives a term in months, dated within the "
    "custody episode on or before the release. The term runs from the day of the `sentenced` event minus the "
    "pre-trial days it credits (credited_days), or, when no credited days are recorded, from the start of the "
    "custody episode (all pre-trial custody of the episode credited): credited_days already counts the "
    "pre-trial detention, so it is not subtracted again from the detention day. End = term start plus the "
    "term in calendar months. Earliest possible days of partial dates. Negative values (released after the "
    "recorded term ended) are kept: they point to a missing extension or a data error.")


def _remitted_items(ds: Dataset, lo: int, hi: int, filters: Filters, recognition: str,
                    org: int | None) -> list[dict]:
    sel = np.isin(ds.ep_end_kind, list(codes.EARLY_RELEASE_KINDS)) & (ds.ep_end >= lo) & (ds.ep_end <= hi)
    idx = np.flatnonzero(sel)
    person, day = ds.ep_person[idx], ds.ep_end[idx]
    keep = _recognised(ds, recognition, org, person, day) & _matches(ds, filters, person, day)
    idx = idx[keep]
    s_lo = np.searchsorted(ds.sentence_person, ds.ep_person[idx], side="left")
    s_hi = np.searchsorted(ds.sentence_person, ds.ep_person[idx], side="right")
    items = []
    for e, a, b in zip(idx.tolist(), s_lo.tolist(), s_hi.tolist(), strict=True):
        start, release = int(ds.ep_start[e]), int(ds.ep_end[e])
        months = sentenced = credited = None
        for k in range(a, b):  # one person's sentence events, in order
            sday = int(ds.sentence_day[k])
            if sday < start or sday > release:
                continue
            if ds.sentence_type[k] == "tried_in_absentia":
                continue
            if ds.sentence_months[k] >= 0:
                months = int(ds.sentence_months[k])
            if ds.sentence_type[k] == "sentenced":
                sentenced = sday
                credited = int(ds.sentence_credited[k]) if ds.sentence_credited[k] >= 0 else None
        days_left = None
        term_end = None
        if months is not None:
            term_start = sentenced - credited if sentenced is not None and credited is not None else start
            term_end = _day(add_months(dt.date.fromordinal(term_start), months))
            days_left = term_end - release
        items.append({"person_id": int(ds.person_id[ds.ep_person[e]]), "release_day": _iso(release),
                      "kind": str(ds.ep_end_kind[e]), "days_left": days_left,
                      "term_end": _iso(term_end) if term_end is not None else None})
    return items


def remitted(ds: Dataset, start: dt.date | None = None, end: dt.date | None = None, filters: Filters = Filters(),
             *, recognition: str = "none", organization: str | None = None) -> dict:
    """How much of their sentences early releases (pardon, amnesty, exchange) remitted."""
    _check_recognition(recognition)
    org = _org_index(ds, organization)
    lo = _day(start) if start else 0
    hi = _day(end) if end else OPEN - 1
    items = _remitted_items(ds, lo, hi, filters, recognition, org)
    left = np.array([i["days_left"] for i in items if i["days_left"] is not None], dtype=np.int64)
    stats = dict.fromkeys(("median", "p25", "p75", "min", "max"))
    share: dict[str, float | None] = {str(k): None for k in REMITTED_UNDER}
    histogram = []
    if len(left):
        stats = {"median": float(np.median(left)), "p25": float(np.percentile(left, 25)),
                 "p75": float(np.percentile(left, 75)), "min": int(left.min()), "max": int(left.max())}
        share = {str(k): round(float((left < k).mean()), 4) for k in REMITTED_UNDER}
        below = int((left < 0).sum())
        if below:
            histogram.append({"from_days": None, "to_days": 0, "count": below})
        for i, lo_b in enumerate(REMITTED_BINS):
            hi_b = REMITTED_BINS[i + 1] if i + 1 < len(REMITTED_BINS) else None
            count = int(((left >= lo_b) & (left < hi_b if hi_b is not None else True)).sum())
            histogram.append({"from_days": lo_b, "to_days": hi_b, "count": count})
    by_kind = {k: sum(1 for i in items if i["kind"] == k) for k in sorted(codes.EARLY_RELEASE_KINDS)}
    definition = REMITTED_DEFINITION
    if recognition != "none":
        definition += " " + RECOGNITION_TEXT[recognition].format(org=_org_text(organization)).replace(
            "the day", "the day of the release")
    if filters.as_dict():
        definition += " Filters, evaluated on the day of the release: " + filters.describe() + "."
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            "releases": len(items), "with_sentence": len(left), "by_kind": by_kind, "days_left": stats,
            "share_under": share, "histogram": histogram,
            "people": sorted({i["person_id"] for i in items}),
            "people_days_left": sorted(items, key=lambda i: (i["release_day"], i["person_id"])),
            "definition": definition, "filters": filters.as_dict()}


# --- durations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanMeier:
    times: np.ndarray  # distinct exit times (days since detention)
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    lower: np.ndarray  # 95% pointwise, log(-log) transform (nan where undefined)
    upper: np.ndarray


def kaplan_meier(duration: np.ndarray, observed: np.ndarray, entry: np.ndarray) -> KaplanMeier:
    """Kaplan-Meier with right-censoring and left-truncation.

    An episode is at risk at time t when entry <= t <= duration (a censored one too, at its own
    time). Greenwood variance; confidence limits on the log(-log S) scale ("exponential Greenwood",
    as lifelines and R's conf.type="log-log").
    """
    times = np.unique(duration[observed])
    if not len(times):
        empty = np.zeros(0)
        return KaplanMeier(times, empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty)
    ev = np.sort(duration[observed])
    d = np.searchsorted(ev, times, side="right") - np.searchsorted(ev, times, side="left")
    n = (np.searchsorted(np.sort(entry), times, side="right")
         - np.searchsorted(np.sort(duration), times, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        var = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        v = np.log(surv)
        lower = np.exp(-np.exp(np.log(-v) - _Z95 * np.sqrt(var) / v))
        upper = np.exp(-np.exp(np.log(-v) + _Z95 * np.sqrt(var) / v))
    undefined = (surv <= 0) | (surv >= 1)
    lower[undefined] = np.nan
    upper[undefined] = np.nan
    return KaplanMeier(times, n, d, surv, lower, upper)


def _first_at_or_below(times: np.ndarray, values: np.ndarray, q: float = 0.5) -> int | None:
    hit = np.flatnonzero(values <= q + 1e-12)
    return int(times[hit[0]]) if len(hit) else None


def _cif(duration: np.ndarray, cause: np.ndarray, entry: np.ndarray, causes: Sequence[str]) -> dict:
    """Aalen-Johansen cumulative incidence of each cause (cause "" = censored)."""
    observed = cause != ""
    km = kaplan_meier(duration, observed, entry)
    prev = np.concatenate([[1.0], km.survival[:-1]])
    out: dict[str, list[dict]] = {}
    for c in causes:
        t = np.sort(duration[cause == c])
        dk = np.searchsorted(t, km.times, side="right") - np.searchsorted(t, km.times, side="left")
        cif = np.cumsum(prev * dk / km.at_risk) if len(km.times) else np.zeros(0)
        keep = dk > 0
        out[c] = [{"day": int(x), "cif": round(float(y), 6)} for x, y in zip(km.times[keep], cif[keep], strict=True)]
    return out


def _cause_of(end_kind: np.ndarray) -> np.ndarray:
    early = np.isin(end_kind, list(codes.EARLY_RELEASE_KINDS))
    return np.where(end_kind == "sentence_served", "sentence_served",
                    np.where(early, "early_release",
                             np.where(end_kind == "died_in_custody", "died_in_custody",
                                      np.where(end_kind == "", "", "other_release"))))


def durations(ds: Dataset, filters: Filters = Filters(), *, by: str | None = None, custody: str | None = "criminal",
              recognition: str = "none", organization: str | None = None,
              records_start: dt.date = RECORDS_START, end: dt.date | None = None) -> dict:
    """Time in custody: Kaplan-Meier survival of custody episodes, and competing exits (Aalen-Johansen)."""
    if by is not None and by not in DURATION_BY:
        raise ValueError(f"by: {by!r} is not one of {', '.join(DURATION_BY)}")
    _check_recognition(recognition, ("none", "retroactive"))
    _check_custody(custody)
    org = _org_index(ds, organization)
    cut = _day(end) if end else ds.end
    r0 = _day(records_start)
    sel = _episode_selection(ds, custody) & (ds.ep_start <= cut)
    idx = np.flatnonzero(sel)
    person, start = ds.ep_person[idx], ds.ep_start[idx]
    keep = _recognised(ds, recognition, org, person, start) & _matches(ds, filters, person, start)
    idx = idx[keep]
    start = ds.ep_start[idx]
    ended = ds.ep_end[idx] <= cut
    duration = np.where(ended, ds.ep_end[idx], cut) - start
    entry = np.maximum(r0 - start, 0)
    # an episode over before the records start was never observed
    seen = duration >= entry
    idx, start, ended, duration, entry = idx[seen], start[seen], ended[seen], duration[seen], entry[seen]
    cause = np.where(ended, _cause_of(ds.ep_end_kind[idx]), "")

    groups: list[tuple[str, np.ndarray]] = [("all", np.ones(len(idx), dtype=bool))]
    if by == "detention_year":
        years = _years(start)
        groups = [(str(y), years == y) for y in np.unique(years).tolist()]
    elif by == "article":
        groups = []
        for k, number in enumerate(ds.articles):
            has = np.zeros(ds.people, dtype=bool)
            has[ds.charge_person[ds.charge_article == k]] = True
            m = has[ds.ep_person[idx]]
            if m.any():
                groups.append((number, m))
        groups.sort(key=lambda g: (-int(g[1].sum()), g[0]))

    out_groups = []
    for label, m in groups:
        km = kaplan_meier(duration[m], ended[m], entry[m])
        median = _first_at_or_below(km.times, km.survival)
        lo = _first_at_or_below(km.times, np.where(np.isnan(km.lower), km.survival, km.lower))
        hi = _first_at_or_below(km.times, np.where(np.isnan(km.upper), km.survival, km.upper))
        curve = [{"day": int(t), "survival": round(float(s), 6),
                  "lower": None if math.isnan(a) else round(float(a), 6),
                  "upper": None if math.isnan(b) else round(float(b), 6)}
                 for t, s, a, b in zip(km.times, km.survival, km.lower, km.upper, strict=True)]
        out_groups.append({"label": label, "n": int(m.sum()), "events": int(ended[m].sum()),
                           "censored": int((~ended[m]).sum()), "left_truncated": int((entry[m] > 0).sum()),
                           "median_days": median, "median_ci": [lo, hi], "curve": curve})
    competing = {"causes": list(COMPETING), "definitions": dict(COMPETING),
                 "curves": _cif(duration, cause, entry, list(COMPETING))}
    who = {"none": "", "retroactive": f" of people recognised as political prisoners by {_org_text(organization)} "
           "at any time"}[recognition]
    definition = (
        f"Time in custody of {custody or 'all'} custody episodes{who}: days from the start of the episode to its "
        f"end (earliest possible days of partial dates). Episodes still open on {_iso(cut)} (the end of the "
        f"data) are right-censored there. Episodes that began before the records start ({_iso(r0)}) are "
        "left-truncated: they enter the risk set at the records start (at risk from that day, their exit on "
        "it observed) and those over before it are left out. Kaplan-Meier estimate of the share still held "
        "after each number of days, with a 95% pointwise interval (Greenwood variance, log(-log) transform); "
        "the median is the first day the estimate is at or below 0.5, with the Brookmeyer-Crowley interval "
        "(the days whose pointwise interval contains 0.5, on the same scale); null where not reached. "
        "Competing exits: Aalen-Johansen cumulative incidence of each kind of exit, over all groups.")
    if by == "article":
        definition += " By article: a person charged under several articles counts in each of them."
    if by == "detention_year":
        definition += " By the year the episode began."
    if filters.as_dict():
        definition += " Filters, evaluated on the day the episode began: " + filters.describe() + "."
    if ds.as_recorded_on:
        definition += f" As recorded on {ds.as_recorded_on.isoformat()}."
    return {"by": by, "custody": custody, "recognition": recognition, "organization": organization,
            "records_start": _iso(r0), "end": _iso(cut), "groups": out_groups, "competing": competing,
            "definition": definition, "filters": filters.as_dict()}


# --- incommunicado and vulnerability -------------------------------------------------------------


def _held_now(ds: Dataset, day: dt.date, filters: Filters, recognition: str,
              organization: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(person index, episode index) of everybody held at the end of `day`, one row per person."""
    spans = _spans(ds, filters, recognition, organization)
    idx = spans.covering(_day(day))
    return spans.person[idx], spans.episode[idx]


def incommunicado(ds: Dataset, day: dt.date, filters: Filters = Filters(), *, recognition: str = "prior",
                  organization: str | None = None) -> dict:
    """Days since the last proof of contact, for everybody held on `day`."""
    d = _day(day)
    person, episode = _held_now(ds, day, filters, recognition, organization)
    start = ds.ep_start[episode]
    last = np.full(len(person), -1, dtype=np.int64)
    if len(ds.contact_person) and len(person):
        keys = ds.cached(("contact_keys",), lambda: ds.contact_person * _SCALE + ds.contact_day)
        i = np.searchsorted(keys, person * _SCALE + d, side="right") - 1
        ok = i >= 0
        j = np.where(ok, i, 0)
        ok &= (ds.contact_person[j] == person) & (ds.contact_day[j] >= start)
        last = np.where(ok, ds.contact_day[j], -1)
    never = last < 0
    since = np.where(never, -1, d - last)
    held_days = d - start
    without = np.where(never, held_days, since)
    over = {str(k): int((without > k).sum()) for k in INCOMMUNICADO_DAYS}
    order = np.lexsort((ds.person_id[person], -without))
    people = [{"person_id": int(ds.person_id[person[i]]),
               "days_since_contact": None if never[i] else int(since[i]),
               "last_contact": None if never[i] else _iso(int(last[i])),
               "days_held": int(held_days[i])} for i in order.tolist()]
    definition = (
        "For each person held at the end of the day (see held): the days since the last proof of contact "
        "(a `contact` event: letter, lawyer or family visit, call, seen in court) dated within the current "
        "custody episode on or before the day (earliest possible day of a partial date). "
        "days_since_contact is null ('never') when no contact is recorded since the detention; no_contact_over[N] "
        "counts the people without proof of contact for more than N days: those whose last contact is older, "
        "and those with none since a detention more than N days ago. People are sorted by days without proof "
        "of contact (since the last contact, or since the detention), longest first. "
        + _population_text(recognition, organization, None, filters, ds))
    return {"date": day.isoformat(), "held": len(people), "no_contact_over": over, "never": int(never.sum()),
            "people": people, "definition": definition, "filters": filters.as_dict()}


def vulnerability(ds: Dataset, day: dt.date, filters: Filters = Filters(), *, recognition: str = "prior",
                  organization: str | None = None) -> dict:
    """How many of the people held on `day` are vulnerable, by kind of vulnerability."""
    d = _day(day)
    person, _episode = _held_now(ds, day, filters, recognition, organization)
    days = np.full(len(person), d, dtype=np.int64)
    counts = {code: int(_vulnerability_intervals(ds, code).contains(person, days).sum())
              for code in (*VULNERABILITY, "any")}
    return {"date": day.isoformat(), "held": len(person), "counts": counts,
            "definitions": {**VULNERABILITY, "any": "at least one of the above"},
            "not_available": dict(VULNERABILITY_NOT_AVAILABLE),
            "definition": "Among the people held at the end of the day (see held), how many are vulnerable in "
                          "each sense; a person can be in several. "
                          + _population_text(recognition, organization, None, filters, ds),
            "filters": filters.as_dict()}


# --- projection ----------------------------------------------------------------------------------


def projection(ds: Dataset, day: dt.date, horizon_days: int = 90, window_days: int = 180, *,
               filters: Filters = Filters(), recognition: str = "prior", organization: str | None = None) -> dict:
    """The held count `horizon_days` after `day`, if inflow and outflow keep their recent daily averages."""
    if horizon_days < 1:
        raise ValueError(f"horizon: {horizon_days} is not a positive number of days")
    if window_days < 1:
        raise ValueError(f"window: {window_days} is not a positive number of days")
    spans = _spans(ds, filters, recognition, organization)
    d = _day(day)
    first = d - window_days + 1
    inflow = int(((spans.start >= first) & (spans.start <= d)).sum())
    outflow = int(((spans.end >= first) & (spans.end <= d)).sum())
    now = int(spans.counts(np.array([d]))[0])
    rate_in, rate_out = inflow / window_days, outflow / window_days
    h = horizon_days
    expected = now + (rate_in - rate_out) * h
    # future counts Poisson with the observed rates, plus the uncertainty of the rates themselves
    sd = math.sqrt((rate_in + rate_out) * h + (inflow + outflow) * (h / window_days) ** 2)
    lower, upper = max(0.0, expected - _Z95 * sd), expected + _Z95 * sd
    assumption = (
        f"A projection, not a forecast: it assumes that over the next {h} days people enter and leave the count "
        f"at the same average daily rates as in the last {window_days} days ({rate_in:.2f} in, {rate_out:.2f} out "
        "per day), and treats the numbers entering and leaving as independent Poisson counts; the 95% interval "
        "reflects only that chance variation and the uncertainty of the two rates. Release waves (pardons, "
        "exchanges), new waves of arrests and late reporting are not predicted: any of them moves the figure "
        "beyond the interval.")
    return {"from": day.isoformat(), "to": (day + dt.timedelta(days=h)).isoformat(), "horizon_days": h,
            "window_days": window_days, "held_now": now, "inflow": inflow, "outflow": outflow,
            "inflow_per_day": round(rate_in, 4), "outflow_per_day": round(rate_out, 4),
            "expected": round(expected, 1), "lower": round(lower, 1), "upper": round(upper, 1),
            "assumption": assumption,
            "definition": "Held count as in held; inflow and outflow: people entering and leaving that count "
                          f"in the {window_days} days up to the date. "
                          + _population_text(recognition, organization, None, filters, ds),
            "filters": filters.as_dict()}
