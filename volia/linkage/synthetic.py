"""Two generated lists of people with a known truth, for the linkage benchmark and tests.

`lists(n, seed)` makes a population of fictional people (name parts from `volia.demo.names`,
so no record is mistaken for a real person) and two lists of `n` records each; about 60% of
the second list's people are also in the first (`overlap`). Each list writes its people the
way real lists differ:

- the name in Belarusian Cyrillic, Russian Cyrillic or Latin, with or without the
  patronymic, sometimes surname first, and 40% of names corrupted by
  `volia.names.corrupt.corrupt` (typos, press spellings, other transliterations);
- the birth date exact (55%), to the month (15%), to the year (15%) or missing (15%), and a
  mistyped day, month or year in 4% of the exact ones;
- the region missing in 20% of records and wrong in 3%; the sex missing in 40%;
- the first detention date exact (65%), to the month (30%) or missing (5%: lists of political
  prisoners nearly always date the detention), and in 30% of records up to ten days late
  (a detention is often dated by the day the news came);
- the articles of the charges, each dropped by a list with probability 0.2.

`truth` is the set of (index in first, index in second) pairs that are one person.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from volia.core.dates import PartialDate
from volia.demo import names as pool
from volia.linkage.features import Rec

REGIONS = ["minsk_city", "minsk", "brest", "vitebsk", "gomel", "grodno", "mogilev"]
REGION_WEIGHTS = [30, 12, 11, 11, 12, 11, 10]
ARTICLES = ["342", "369", "368", "130", "361-1", "361-4", "364", "363", "293", "411", "356", "367", "370"]
ARTICLE_WEIGHTS = [30, 12, 10, 8, 9, 8, 6, 4, 3, 3, 2, 2, 2]


@dataclass(frozen=True)
class Person:
    be: str
    ru: str
    latn: str
    be_short: str  # without the patronymic
    ru_short: str
    latn_short: str
    sex: str
    birth: dt.date
    region: str
    detained: dt.date
    articles: tuple[str, ...]


def _corrupt(name: str, rng: random.Random, language: str) -> str:
    from volia.names.corrupt import corrupt

    return corrupt(name, rng, language)


def population(size: int, rng: random.Random) -> list[Person]:
    out = []
    for _ in range(size):
        sex = "m" if rng.random() < 0.8 else "f"
        given = rng.choice(pool.MALE_GIVEN if sex == "m" else pool.FEMALE_GIVEN)
        sur = rng.choice(pool.SURNAMES)
        surname = sur.male if sex == "m" else sur.female
        pat = rng.choice(pool.PATRONYMICS)
        patronymic = pat.male if sex == "m" else pat.female
        full = pool.full_name(given, surname, patronymic)
        short = pool.full_name(given, surname, None)
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
        detained = dt.date(2020, 8, 1) + dt.timedelta(days=rng.randrange(365 * 5))
        arts = tuple(sorted(set(rng.choices(ARTICLES, ARTICLE_WEIGHTS, k=rng.choice((1, 1, 2, 3))))))
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        out.append(Person(full.be, full.ru, full.latn, short.be, short.ru, short.latn, sex, birth, region, detained,
                          arts))
    return out


def _partial(day: dt.date, rng: random.Random, p_day: float, p_month: float, p_year: float) -> PartialDate | None:
    x = rng.random()
    if x < p_day:
        return PartialDate.exact(day)
    if x < p_day + p_month:
        return PartialDate.from_parts(day.year, day.month)
    if x < p_day + p_month + p_year:
        return PartialDate.from_parts(day.year)
    return None


def _typo(day: dt.date, rng: random.Random) -> dt.date:
    kind = rng.randrange(3)
    try:
        if kind == 0:
            return day.replace(day=rng.randint(1, 28))
        if kind == 1:
            return day.replace(month=rng.randint(1, 12))
        return day.replace(year=day.year + rng.choice((-1, 1)))
    except ValueError:
        return day


def record(p: Person, rid: object, rng: random.Random, languages: tuple[str, ...]) -> Rec:
    lang = rng.choice(languages)
    short = rng.random() < 0.3
    name = {"be": p.be_short if short else p.be, "ru": p.ru_short if short else p.ru,
            "latn": p.latn_short if short else p.latn}[lang]
    if rng.random() < 0.15:  # surname first, as in court lists
        parts = name.split()
        name = " ".join([parts[-1], *parts[:-1]])
    if rng.random() < 0.4:
        name = _corrupt(name, rng, "ru" if lang == "ru" else "be")
    birth_day = _typo(p.birth, rng) if rng.random() < 0.04 else p.birth
    birth = _partial(birth_day, rng, 0.55, 0.15, 0.15)
    det_day = p.detained + dt.timedelta(days=rng.randint(0, 10) if rng.random() < 0.3 else 0)
    detained = _partial(det_day, rng, 0.65, 0.3, 0.0)
    x = rng.random()
    region = "" if x < 0.2 else rng.choice(REGIONS) if x < 0.23 else p.region
    arts = [a for a in p.articles if rng.random() >= 0.2]
    return Rec(id=rid, names=[name], sex="" if rng.random() < 0.4 else p.sex, birth=birth, region=region,
               detained=detained, articles=frozenset(arts))


def lists(n: int, seed: int, overlap: float = 0.6) -> tuple[list[Rec], list[Rec], set[tuple[int, int]]]:
    """Two lists of `n` records; `overlap` of the second's people are in the first; and the true pairs."""
    rng = random.Random(seed)
    shared = int(n * overlap)
    people = population(2 * n - shared, rng)
    first = people[:n]
    second = people[n - shared:]  # its first `shared` people are the last of the first list's
    rng.shuffle(second)
    where = {id(p): i for i, p in enumerate(first)}
    left = [record(p, f"a{i}", rng, ("be", "be", "ru", "latn")) for i, p in enumerate(first)]
    right = [record(p, f"b{j}", rng, ("ru", "ru", "be", "latn")) for j, p in enumerate(second)]
    truth = {(where[id(p)], j) for j, p in enumerate(second) if id(p) in where}
    return left, right, truth
