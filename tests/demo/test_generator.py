"""The synthetic demo generator: determinism, streaming, validity and realistic figures.

Pure: no database. The checks here restate the importer's rules independently, so that a
change to the generator that would make `volia import` reject the demo file fails here first.
"""

from __future__ import annotations

import datetime as dt
import types
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from operator import itemgetter

import pytest

from volia.core import codes
from volia.core.dates import PartialDate
from volia.demo.generator import DEMO_COLUMNS, RELEASE_WAVES, _add_months, generate_rows
from volia.demo.names import latin

TODAY = dt.date(2025, 12, 31)
PERSON_COLUMNS = {"person", "name", "name_lang", "name_be", "name_ru", "name_latn", "sex",
                  "birth_date", "region", "groups"}
ANY_ROW = PERSON_COLUMNS | {"event", "date", "facility", "organization", "case", "source",
                            "source_url", "confidence", "note"}
FACILITIES = {
    "okrestina-minsk", "sizo-kgb-minsk", "sizo-1-minsk", "prison-8-zhodino", "sizo-2-vitebsk",
    "sizo-3-gomel", "sizo-7-brest", "prison-1-grodno", "prison-4-mogilev", "ik-1-novopolotsk",
    "ik-2-bobruisk", "ik-3-vitba", "ik-4-gomel", "ik-9-gorki", "ik-10-novopolotsk",
    "ik-13-glubokoye", "ik-15-mogilev", "ik-17-shklov", "ik-22-ivatsevichy", "ik-24-zarechye",
}
ARTICLES = {"130", "191", "293", "342", "356", "357", "361", "361-1", "361-4", "363", "364",
            "367", "368", "369", "370", "411"}
STARTS = {code for code, t in codes.EVENT_TYPES.items() if t.custody == "start"}
ENDS = {code for code, t in codes.EVENT_TYPES.items() if t.custody == "end"}


@pytest.fixture(scope="module")
def rows6000() -> list[dict[str, str]]:
    return list(generate_rows(6000, seed=2020, today=TODAY))


def people(rows: Iterable[dict[str, str]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    for key, group in groupby(rows, key=itemgetter("person")):
        yield key, list(group)


def episodes(history: list[dict[str, str]]) -> list[tuple[dt.date, dt.date | None]]:
    """Custody episodes [start, end) of one person, from exact-day events."""
    out: list[tuple[dt.date, dt.date | None]] = []
    start: dt.date | None = None
    for row in history:
        event = row["event"]
        if event in STARTS and start is None:
            start = dt.date.fromisoformat(row["date"])
        elif event in ENDS:
            assert start is not None
            out.append((start, dt.date.fromisoformat(row["date"])))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def held_counts(rows: Iterable[dict[str, str]], days: list[dt.date]) -> dict[dt.date, int]:
    """Political prisoners held on each day: in a custody episode on that day (detained on or
    before it, not yet released) and recognised by an organisation on or before it."""
    counts = dict.fromkeys(days, 0)
    for _key, history in people(rows):
        recognised = [dt.date.fromisoformat(r["date"]) for r in history if r["event"] == "recognized"]
        if not recognised:
            continue
        first = min(recognised)
        for start, end in episodes(history):
            for day in days:
                if first <= day and start <= day and (end is None or day < end):
                    counts[day] += 1
    return counts


def check_person(key: str, history: list[dict[str, str]], today: dt.date) -> None:
    """The importer's rules, restated: columns, codes, required details, custody, order."""
    first = history[0]
    assert first["name"] and first["name_lang"] == "be"
    assert first["name_ru"] and first["name_latn"]
    assert first["sex"] in codes.SEX and first["region"] in codes.REGIONS
    assert "Synthetic" in first["note"] and "not real people" in first["source"]
    if first.get("birth_date"):
        PartialDate.parse(first["birth_date"])
    for group in filter(None, first.get("groups", "").split(";")):
        assert group in codes.GROUPS
    in_custody = False
    dead = False
    previous: PartialDate | None = None
    for row in history:
        assert row["person"] == key
        assert not dead, f"{key}: an event after death"
        event = row["event"]
        etype = codes.EVENT_TYPES[event]
        allowed = ANY_ROW | set(etype.details) | set(etype.required)
        filled = {c for c, v in row.items() if v != ""}
        assert filled <= allowed, f"{key} {event}: {filled - allowed}"
        assert set(row) <= set(DEMO_COLUMNS)
        for column in etype.required:
            assert row.get(column), f"{key} {event}: {column} is required"
        date = PartialDate.parse(row["date"])
        assert date.latest <= today
        if previous is not None:
            assert previous.earliest <= date.earliest, f"{key}: {row['date']} out of order"
        previous = date
        assert row["source"].startswith("Synthetic demo")
        assert row["confidence"] in codes.CONFIDENCE
        if row.get("facility"):
            assert row["facility"] in FACILITIES
        if row.get("organization"):
            assert row["organization"] == "viasna"
        if row.get("articles"):
            for article in row["articles"].split(";"):
                assert article.split(":")[0] in ARTICLES, article
        for column, vocabulary in (("sentence_kind", codes.SENTENCE_KINDS),
                                   ("release_kind", codes.RELEASE_KINDS),
                                   ("contact_kind", codes.CONTACT_KINDS),
                                   ("condition", codes.HEALTH_CONDITIONS),
                                   ("appeal_outcome", codes.APPEAL_OUTCOMES)):
            if row.get(column):
                assert row[column] in vocabulary
        for column in ("sentence_months", "credited_days", "days", "fine"):
            if row.get(column):
                assert int(row[column]) >= 0
        if event in STARTS | ENDS:
            assert date.is_exact, f"{key}: custody events have exact dates"
        if event in ENDS:
            assert in_custody, f"{key}: {event} on {row['date']} while not in custody"
            in_custody = False
            dead = event == "died_in_custody"
        elif event in STARTS:
            # a new detention only when free; a remand right after a detention is fine
            assert not in_custody or event == "pretrial_custody", f"{key}: {event} in custody"
            in_custody = True


def test_streams_and_is_deterministic() -> None:
    rows = generate_rows(50, seed=7, today=TODAY)
    assert isinstance(rows, types.GeneratorType)
    assert next(generate_rows(10**9, seed=7, today=TODAY))["person"] == "demo-000001"
    first = list(islice(rows, 20))
    assert first == list(islice(generate_rows(50, seed=7, today=TODAY), 20))
    assert list(generate_rows(300, seed=7, today=TODAY)) == list(generate_rows(300, seed=7, today=TODAY))
    assert list(generate_rows(300, seed=8, today=TODAY)) != list(generate_rows(300, seed=7, today=TODAY))
    # a prefix of the people does not depend on how many are asked for
    small = list(generate_rows(100, seed=7, today=TODAY))
    assert small == list(islice(generate_rows(1000, seed=7, today=TODAY), len(small)))


def test_keys_are_consecutive_and_complete() -> None:
    keys = [key for key, _ in people(generate_rows(500, seed=3, today=TODAY))]
    assert keys == [f"demo-{n:06d}" for n in range(1, 501)]


def test_every_person_is_valid() -> None:
    n = 0
    for key, history in people(generate_rows(3000, seed=11, today=TODAY)):
        check_person(key, history, TODAY)
        n += 1
    assert n == 3000


def test_valid_with_an_earlier_today() -> None:
    today = dt.date(2023, 3, 15)
    for key, history in people(generate_rows(1000, seed=5, today=today)):
        check_person(key, history, today)


def test_names_are_synthetic_and_consistent(rows6000: list[dict[str, str]]) -> None:
    heads = [history[0] for _key, history in people(rows6000[:20000])]
    assert any(h["sex"] == "f" for h in heads)
    for h in heads:
        assert len(h["name"].split()) == len(h["name_ru"].split()) == len(h["name_latn"].split())
        assert h["name_latn"].isascii()
        surname_be, surname_ru = h["name"].split()[-1], h["name_ru"].split()[-1]
        if h["sex"] == "f":  # feminine forms: -ская, -ава/-ова, -іна; -іч and -ук unchanged
            assert not surname_be.endswith(("скі", "цкі", "ў", "ы")), h["name"]
            assert not surname_ru.endswith(("ский", "цкий", "ов", "ев", "ёв", "ин", "ый")), h["name_ru"]
        else:
            assert not surname_be.endswith(("ская", "цкая", "ава", "ова", "ёва")), h["name"]
    with_patronymic = sum(len(h["name"].split()) == 3 for h in heads) / len(heads)
    assert 0.35 < with_patronymic < 0.65


def test_latin_spelling_is_the_passport_romanisation() -> None:
    assert latin("Аляксандр Кавальчук") == "Aliaksandr Kavalchuk"
    assert latin("Бабрыковіч Аляксандр") == "Babrykovich Aliaksandr"  # ICAO Doc 9303 vectors
    assert latin("Міховіч Марыя") == "Mikhovich Maryia"
    assert latin("СВЯТЛАНА") == "SVIATLANA"
    assert latin("Ігар") == "Ihar"
    assert latin("Дзмітрый Юр'евіч") == "Dzmitry Iurievich"
    assert latin("Жукоўская") == "Zhukouskaia"


def test_month_arithmetic() -> None:
    for start, months, expected in ((dt.date(2021, 1, 31), 1, dt.date(2021, 2, 28)),
                                    (dt.date(2020, 2, 29), 12, dt.date(2021, 2, 28)),
                                    (dt.date(2020, 8, 9), 180, dt.date(2035, 8, 9)),
                                    (dt.date(2023, 12, 15), 1, dt.date(2024, 1, 15))):
        assert _add_months(start.toordinal(), months) == expected.toordinal()


def test_events_per_person(rows6000: list[dict[str, str]]) -> None:
    assert 8 <= len(rows6000) / 6000 <= 12
    kinds = Counter(r["event"] for r in rows6000)
    for event in ("detained", "pretrial_custody", "charged", "recognized", "transferred",
                  "trial_started", "sentenced", "appeal_decided", "contact", "incommunicado",
                  "health_reported", "punishment_cell", "sentence_changed", "pardon_petition",
                  "released", "admin_detention", "house_arrest", "died_in_custody", "exiled"):
        assert kinds[event] > 0, event
    assert 2 <= kinds["died_in_custody"] <= 30
    release_kinds = Counter(r["release_kind"] for r in rows6000 if r["event"] == "released")
    assert release_kinds["sentence_served"] > release_kinds["pardon"] > 0
    assert release_kinds["exchange"] > 0
    # re-arrests: a second criminal detention after a release
    rearrested = sum(
        1 for _key, history in people(rows6000)
        if len(episodes(history)) > 1
        and sum(r["event"] == "charged" for r in history) > 1)
    assert 30 < rearrested < 600
    women_colonies = {r["facility"] for _key, history in people(rows6000)
                      if history[0]["sex"] == "f"
                      for r in history if r.get("facility", "").startswith("ik-")}
    assert women_colonies == {"ik-4-gomel", "ik-24-zarechye"}


def test_held_counts_are_belarus_like(rows6000: list[dict[str, str]]) -> None:
    days = [dt.date(2022, 1, 1), dt.date(2022, 9, 1), dt.date(2023, 6, 1), dt.date(2024, 6, 1),
            dt.date(2025, 6, 1), dt.date(2025, 9, 18)]
    counts = held_counts(rows6000, days)
    for day, n in counts.items():
        assert 1100 <= n <= 1500, (day, n)
    assert held_counts(rows6000, [dt.date(2020, 8, 1)])[dt.date(2020, 8, 1)] == 0


def test_release_waves_have_scaled_sizes(rows6000: list[dict[str, str]]) -> None:
    released = Counter((r["date"], r["release_kind"]) for r in rows6000 if r["event"] == "released")
    deported = Counter(r["date"] for r in rows6000 if r.get("deported") == "true")
    for wave in RELEASE_WAVES:
        n = released[(wave.date.isoformat(), wave.kind)]
        assert abs(n - wave.count) <= max(6, 0.35 * wave.count), (wave.date, n, wave.count)
    assert deported["2025-09-11"] >= 0.9 * released[("2025-09-11", "exchange")]
    assert deported["2025-12-13"] >= 0.9 * released[("2025-12-13", "exchange")]
    assert deported["2025-09-16"] == 0


def test_waves_scale_with_people() -> None:
    rows = generate_rows(3000, seed=4, today=TODAY)
    n = sum(1 for r in rows if r["event"] == "released" and r["date"] == "2025-12-13")
    assert 40 <= n <= 85  # 123 / 2


def test_nothing_after_today() -> None:
    today = dt.date(2024, 7, 3)
    rows = list(generate_rows(2000, seed=9, today=today))
    assert max(r["date"] for r in rows) <= today.isoformat()
    assert any(r["date"] == "2024-07-03" and r["event"] == "released" for r in rows)


def test_every_history_passes_the_registry_projection_rules() -> None:
    """The importer rejects any history the projections call impossible; the demo must never be one."""
    import itertools

    from volia.core.dates import PartialDate
    from volia.registry.projections import EventFact, project

    for key, rows in itertools.groupby(generate_rows(people=3000, seed=2020, today=dt.date(2026, 11, 22)),
                                       key=lambda r: r["person"]):
        facts = []
        for i, r in enumerate(rows):
            d = PartialDate.parse(r["date"])
            facts.append(EventFact(i, r["event"], d.precision.value, d.earliest, d.latest, r.get("release_kind", ""),
                                   r.get("deported") == "true", r.get("sentence_kind", "")))
        assert project(facts).anomalies == [], key
