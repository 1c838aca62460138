"""Capture tables built from the registry's recognitions, and the `estimate` command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from volia.registry import services
from volia.registry.models import Event, Organization
from volia.stats.registry_systems import capture_tables

DATA = Path(__file__).parent / "data"


@pytest.fixture
def orgs(db) -> dict[str, Organization]:
    return {code: Organization.objects.get_or_create(code=code, defaults={"name_en": code})[0]
            for code in ("org-a", "org-b", "org-c")}


@pytest.fixture
def recognitions(orgs, actor):
    """Seven people recognised by one, two or three organisations at various dates."""
    a, b, c = orgs["org-a"], orgs["org-b"], orgs["org-c"]
    people = {
        "p1": ("minsk", "m", [(a, "2021-01-10"), (b, "2021-02-01")]),
        "p2": ("minsk", "f", [(a, "2021-03"), (b, "2021-06-01"), (c, "2022-01-01")]),
        "p3": ("brest", "m", [(a, "2021-05-05")]),
        "p4": ("brest", "f", [(b, "2021-05-05")]),
        "p5": ("", "m", [(c, "2021-07-07"), (a, "2023-01-01")]),
        "p6": ("minsk", "m", [(a, "2021-08-08")]),  # withdrawn below
        "p7": ("brest", "f", [(b, "2021-09-09")]),  # corrected to org-c below
    }
    made = {}
    for key, (region, sex, recs) in people.items():
        person = services.create_person(key, f"Person {key}", actor=actor, region=region, sex=sex)
        for org, date in recs:
            services.record_event(person, "recognized", date, organization=org, actor=actor)
        made[key] = person
    services.record_event(made["p6"], "recognition_withdrawn", "2022-06-01", organization=a, actor=actor)
    event = Event.objects.get(person=made["p7"], type="recognized")
    services.correct_event(event, organization=c, actor=actor, reason="it was org-c's list")
    return made


def patterns(table) -> dict[str, int]:
    return {"".join(map(str, p)): n for p, n in table.rows() if n}


def test_capture_table_on_a_date(recognitions):
    systems = capture_tables(on=dt.date(2022, 12, 31))
    assert systems.lists == ("org-a", "org-b", "org-c")
    table = systems.tables["all"]
    # p1 AB, p2 ABC, p3 A, p4 B, p5 C (A only from 2023), p6 withdrawn by A, p7 C after the correction
    assert patterns(table) == {"111": 1, "110": 1, "100": 1, "010": 1, "001": 2}
    assert systems.people == 6


def test_a_withdrawal_counts_only_after_its_date(recognitions):
    table = capture_tables(on=dt.date(2022, 5, 31)).tables["all"]
    assert patterns(table)["100"] == 2  # p3 and p6, not yet withdrawn


def test_partial_dates_count_from_their_earliest_day(recognitions):
    systems = capture_tables(on=dt.date(2021, 3, 1))
    assert systems.lists == ("org-a", "org-b")  # org-c has recognised nobody yet: no list
    assert patterns(systems.tables["all"]) == {"11": 1, "10": 1}  # p1 A+B; p2's "2021-03" counts on 1 March


def test_period_and_strata(recognitions):
    systems = capture_tables(start=dt.date(2021, 5, 1), end=dt.date(2021, 12, 31), by="region")
    assert systems.window == {"on": None, "from": "2021-05-01", "to": "2021-12-31"}
    assert set(systems.tables) == {"minsk", "brest", "unknown"}
    # minsk: p2 (B in June; A in March is outside), p6 A; brest: p3 A, p4 B, p7 C; unknown: p5 C
    assert patterns(systems.tables["minsk"]) == {"010": 1, "100": 1}
    assert patterns(systems.tables["brest"]) == {"100": 1, "010": 1, "001": 1}
    assert patterns(systems.tables["unknown"]) == {"001": 1}
    assert sum(t.observed for t in capture_tables(on=dt.date(2030, 1, 1), by="sex").tables.values()) == 6


def test_bad_arguments(db):
    with pytest.raises(ValueError, match="not both"):
        capture_tables(on=dt.date(2022, 1, 1), start=dt.date(2021, 1, 1))
    with pytest.raises(ValueError, match="cannot stratify"):
        capture_tables(by="age")


def run(*args) -> str:
    out = io.StringIO()
    call_command("estimate", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_command_from_file_json():
    d = json.loads(run(str(DATA / "kosovo1999.tsv"), "--json", "--max-order", "3", "--alternatives", "3"))
    assert round(d["estimate"]) in (10356, 10357)
    assert {"estimate", "lower", "upper", "model", "observed", "alternatives", "warnings", "assumptions"} <= set(d)
    assert len(d["alternatives"]) == 4  # three best and the independence model
    assert sum(a["chosen"] for a in d["alternatives"]) == 1


@pytest.mark.django_db
def test_command_text_report_shows_model_alternatives_and_assumptions():
    text = run(str(DATA / "darroch1993.tsv"), "--model", "c1:c2, c2:c3")
    assert "estimate: 850 in all (95% interval 604 – 1,456, profile likelihood)" in text
    assert "c1:c2 + c2:c3" in text and "independence" in text
    assert "Closed population" in text and "Perfect linkage" in text


@pytest.mark.django_db
def test_command_rejects_a_bad_file_naming_the_cell(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("A\tB\tcount\n1\t0\t5\n1\tyes\t3\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.tsv:3: B='yes': expected 0 or 1"):
        run(str(bad))
    with pytest.raises(CommandError, match="one of them"):
        run(str(bad), "--registry")
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.tsv"))


def test_command_from_registry(recognitions):
    d = json.loads(run("--registry", "--on", "2022-12-31", "--json"))
    assert d["source"] == "registry" and d["lists"] == ["org-a", "org-b", "org-c"] and d["observed"] == 6
    assert "estimate" in d and "warnings" in d
    strata = json.loads(run("--registry", "--from", "2021-01-01", "--to", "2022-12-31", "--by", "sex", "--json"))
    assert [s["stratum"] for s in strata["strata"]] == ["f", "m"]
    assert strata["total"]["observed"] == sum(s["observed"] for s in strata["strata"])
    text = run("--registry", "--by", "region")
    assert "region: minsk" in text and "Total over the strata" in text
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--registry", "--on", "31.12.2022")


def test_a_same_day_withdrawal_wins_as_in_the_statistics(orgs, actor):
    # recorded in the "wrong" order: the withdrawal first, the recognition of the same day after it
    person = services.create_person("s1", "Person s1", actor=actor)
    services.record_event(person, "recognized", "2021-01-01", organization=orgs["org-a"], actor=actor)
    services.record_event(person, "recognition_withdrawn", "2022-06-01", organization=orgs["org-a"], actor=actor)
    services.record_event(person, "recognized", "2022-06-01", organization=orgs["org-a"], actor=actor)
    assert capture_tables(on=dt.date(2022, 6, 1)).people == 0
    assert capture_tables(on=dt.date(2022, 5, 31)).people == 1
