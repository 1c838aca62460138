"""`volia import --link off|propose|auto`: no silent duplicates, auto-linking only when asked, idempotent."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from volia.linkage import services as linkage
from volia.linkage.models import Candidate, KeyAlias
from volia.registry.models import Event, Person

HEADER = "person,name,name_lang,sex,birth_date,region,event,date,articles,source\n"
REGISTRY = HEADER + (
    "reg-1,Сяргей Іваноў,be,m,1984-05-02,brest,detained,2021-03-02,,List A\n"
    "reg-2,Вольга Новік,be,f,1990-11-20,grodno,detained,2022-06-01,,List A\n"
)
INCOMING = HEADER + (
    "list-b-17,Сергей Иванов,ru,m,1984-05-02,brest,detained,2021-03-02,,List B\n"
    "list-b-17,,,,,,charged,2021-04-10,342:1,List B\n"
    "list-b-18,Павел Шышкін,be,m,1975-01-09,vitebsk,detained,2023-02-14,,List B\n"
)


def run(tmp_path, text, *args, name="incoming.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("import_events", str(path), "--json", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        assert exc.code == 0, out.getvalue()
    return json.loads(out.getvalue())


@pytest.fixture
def registry(tmp_path, db):
    report = run(tmp_path, REGISTRY, "--link", "off", name="registry.csv")
    assert report["people_created"] == 2
    return report


@pytest.mark.django_db
def test_propose_is_the_default_and_files_a_candidate(tmp_path, registry):
    report = run(tmp_path, INCOMING)
    assert report["people_created"] == 2
    assert report["linkage"]["mode"] == "propose" and report["linkage"]["candidates_filed"] == 1
    c = Candidate.objects.get()
    assert (c.left.key, c.right.key, c.status, c.origin) == ("reg-1", "list-b-17", "proposed", "import")
    assert c.score >= linkage.REVIEW_THRESHOLD
    assert c.features["levels"]["birth"] == "same day"
    assert c.import_batch_id == report["import_batch"]
    # importing the same file again proposes nothing new
    again = run(tmp_path, INCOMING)
    assert again["events_created"] == 0 and again["people_created"] == 0
    assert Candidate.objects.count() == 1


@pytest.mark.django_db
def test_off_keeps_the_old_behaviour(tmp_path, registry):
    report = run(tmp_path, INCOMING, "--link", "off")
    assert report["people_created"] == 2 and report["linkage"] == {}
    assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_auto_attaches_only_with_the_flag_and_stays_idempotent(tmp_path, registry):
    report = run(tmp_path, INCOMING, "--link", "auto")
    assert report["people_created"] == 1  # only list-b-18
    assert report["linkage"]["auto_linked"]["list-b-17"]["person"] == "reg-1"
    reg1 = Person.objects.get(key="reg-1")
    assert not Person.objects.filter(key="list-b-17").exists()
    assert KeyAlias.objects.get(key="list-b-17").person == reg1
    assert set(reg1.events.values_list("type", flat=True)) == {"detained", "charged"}
    assert reg1.names.filter(text="Сергей Иванов").exists()
    assert not Candidate.objects.exists()
    events = Event.objects.count()
    for mode in ("auto", "propose", "off"):  # the alias is found whatever the mode
        again = run(tmp_path, INCOMING, "--link", mode)
        assert (again["events_created"], again["people_created"]) == (0, 0), mode
    assert Event.objects.count() == events
    assert Person.objects.count() == 3


@pytest.mark.django_db
def test_auto_below_the_threshold_only_proposes(tmp_path, registry):
    report = run(tmp_path, INCOMING, "--link", "auto", "--auto-threshold", "1.01")
    assert report["linkage"]["auto_linked"] == {}
    assert report["people_created"] == 2 and Candidate.objects.count() == 1


@pytest.mark.django_db
def test_rows_about_a_merged_person_land_on_the_survivor(tmp_path, registry, actor):
    run(tmp_path, INCOMING, "--link", "off")
    survivor, merged = Person.objects.get(key="reg-1"), Person.objects.get(key="list-b-17")
    linkage.merge_people(survivor, merged, actor=actor, reason="same man")
    more = INCOMING + "list-b-17,,,,,,trial_started,2021-09-01,,List B\n"
    report = run(tmp_path, more, "--link", "off", name="more.csv")
    assert report["events_created"] == 1 and report["people_created"] == 0
    assert survivor.events.filter(type="trial_started").exists()
    assert not merged.events.filter(type="trial_started").exists()


@pytest.mark.django_db
def test_dry_run_files_nothing(tmp_path, registry):
    run(tmp_path, INCOMING, "--link", "auto", "--dry-run")
    assert not Candidate.objects.exists() and not KeyAlias.objects.exists()
