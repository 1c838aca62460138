"""Import and export of the canonical format, through the same command users run."""

import csv
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command

from volia.registry import services
from volia.registry.models import Event, EventSource, Facility, Person, PersonName, Source

HEADER = "person,name,name_lang,name_ru,name_latn,sex,birth_date,region,groups,event,date,facility,articles," \
         "sentence_kind,sentence_months,release_kind,deported,organization,source,note\n"
GOOD = HEADER + (
    "t-1,Алесь Міхайлавіч,be,Алесь Михайлович,Ales Michajlavic,m,1962-08,minsk_city,journalist;hrd,detained,"
    "2021-07-14,okrestina-minsk,,,,,,,List A,\n"
    "t-1,,,,,,,,,recognized,2021-07-20,,,,,,,viasna,List A,\n"
    "t-1,,,,,,,,,charged,2021-08,,342:1;361-1,,,,,,List A,\n"
    "t-1,,,,,,,,,sentenced,2022-03-03,,342:1;361-1,colony_enhanced,120,,,,Court,\n"
    "t-1,,,,,,,,,transferred,2022-05,New colony,,,,,,,List A,\n"
    "t-1,,,,,,,,,released,2025-09-11,,,,,exchange,true,,News;List A,\"pardoned, deported\"\n"
    "t-2,Вольга Тэст,be,,,f,1990,brest,,detained,2020-08-10,,,,,,,,List A,\n"
    "t-2,,,,,,,,,released,2020-08-20,,,,,sentence_served,,,List A,\n"
    "t-2,,,,,,,,,detained,2024-02,,,,,,,,List A,re-arrested\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_events", str(path), "--json", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


def export(fmt="csv"):
    out = io.StringIO()
    call_command("export", "--format", fmt, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot():
    """Row counts of every registry table: proof that nothing was written."""
    return {m.__name__: m.objects.count() for m in apps.get_app_config("registry").get_models()}


@pytest.mark.django_db
def test_import_creates_people_events_and_reference_rows(tmp_path):
    code, report = run_import(write(tmp_path, "good.csv", GOOD))
    assert code == 0, report["errors"]
    assert report["events_created"] == 9 and report["people_created"] == 2
    assert report["created"]["facilities"] == ["New colony"]
    assert set(report["created"]["sources"]) == {"List A", "Court", "News"}
    assert "viasna" not in report["created"]["organizations"]  # reference data
    p = Person.objects.get(key="t-1")
    assert p.sex == "m" and str(p.birth_date) == "1962-08" and p.region == "minsk_city"
    assert sorted(p.groups.values_list("group", flat=True)) == ["hrd", "journalist"]
    assert set(p.names.values_list("text", "language")) == {
        ("Алесь Міхайлавіч", "be"), ("Алесь Михайлович", "ru"), ("Ales Michajlavic", "und")}
    assert p.sentences.get().months == 120
    assert sorted(str(c) for c in p.charges.all()) == ["342:1", "342:1", "361-1", "361-1"]
    rel = Event.objects.get(person=p, type="released")
    assert rel.details == {"release_kind": "exchange", "deported": True}
    assert sorted(rel.sources.values_list("title", flat=True)) == ["List A", "News"]
    assert rel.import_row == 7
    t2 = Person.objects.get(key="t-2")
    assert t2.episodes.count() == 2
    assert services.check_projections() == []


@pytest.mark.django_db
def test_import_twice_creates_no_duplicates_and_links_new_sources(tmp_path):
    path = write(tmp_path, "good.csv", GOOD)
    run_import(path)
    before = snapshot()
    code, report = run_import(path)
    assert code == 0 and report["events_created"] == 0 and report["events_already_known"] == 9
    after = snapshot()
    assert {k: v for k, v in after.items() if k not in ("ImportBatch", "AuditEntry")} == {
        k: v for k, v in before.items() if k not in ("ImportBatch", "AuditEntry")}
    # the same fact from a new source adds the source, not a second event
    more = HEADER + "t-2,,,,,,,,,released,2020-08-20,,,,,sentence_served,,,Court,\n"
    code, report = run_import(write(tmp_path, "more.csv", more))
    assert code == 0 and report["events_created"] == 0 and report["sources_linked"] == 1
    ev = Event.objects.get(person__key="t-2", type="released")
    assert sorted(ev.sources.values_list("title", flat=True)) == ["Court", "List A"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_round_trip_keeps_every_event(tmp_path, fmt, django_db_blocker):
    run_import(write(tmp_path, "good.csv", GOOD))
    first = export(fmt)
    facts = sorted(Event.objects.filter(is_current=True).values_list(
        "person__key", "type", "date_precision", "date_earliest", "facility__code", "organization__code", "details"))
    sources = sorted(EventSource.objects.values_list("event__person__key", "event__type", "event__date_earliest",
                                                     "source__title"))
    names = sorted(PersonName.objects.values_list("person__key", "text", "is_primary"))
    # wipe the registry (as a second instance would be) and import the export
    for m in ("StatusPeriod", "CustodyEpisode", "Charge", "Sentence", "EventSource", "AuditEntry"):
        apps.get_model("registry", m).objects.all().delete()
    Event.objects.all().delete()
    Event.objects.all().delete()
    PersonName.objects.all().delete()
    Person.objects.all().delete()
    code, report = run_import(write(tmp_path, f"export.{fmt}", first))
    assert code == 0, report["errors"]
    assert sorted(Event.objects.filter(is_current=True).values_list(
        "person__key", "type", "date_precision", "date_earliest", "facility__code", "organization__code",
        "details")) == facts
    assert sorted(EventSource.objects.values_list("event__person__key", "event__type", "event__date_earliest",
                                                  "source__title")) == sources
    assert sorted(PersonName.objects.values_list("person__key", "text", "is_primary")) == names
    assert export(fmt) == first


BAD = HEADER + (
    "b-1,Іван Тэст,be,,,,,,,detained,2025-02-30,,,,,,,,,\n"  # row 2: impossible date
    "b-2,Пётр Тэст,be,,,,,,,released,2021-01-01,,,,,pardon,,,,\n"  # row 3: release before detention
    "b-2,,,,,,,,,detained,2021-05-01,,,,,,,,,\n"
    ",Nobody,,,,,,,,detained,2021-01-01,,,,,,,,,\n"  # row 5: no person key
    "b-3,Хтосьці,,,,,,,,arrested,2021-01-01,,,,,,,,,\n"  # row 6: unknown event
    "b-4,Y,,,,,,,,transferred,2021-01-01,,,,,,,,,\n"  # row 7: facility required
    "b-5,Z,,,,,,,,released,2021-01-01,,,,,,,,,\n"  # row 8: release kind required
    "b-6,Z,,,,,,,,detained,2021-01-01,,,,,pardon,,,,\n"  # row 9: detail not for this type
    "b-7,,,,,,,,,detained,2021-01-01,,,,,,,,,\n"  # row 10: new person without a name
    "b-8,Q,,,,x?,,,,detained,2021,,,,,,,,,\n"  # row 11: bad sex code
    "t-1,Алесь Міхайлавіч,be,,,,,,,detained,2021-07-14,okrestina-minsk,,,,,,,,\n"  # fine on its own
)


@pytest.mark.django_db
def test_bad_file_is_rejected_whole_with_every_row_named(tmp_path):
    run_import(write(tmp_path, "good.csv", GOOD))
    before = snapshot()
    code, report = run_import(write(tmp_path, "bad.csv", BAD))
    assert code == 1 and not report["written"]
    got = {(e["row"], e["column"]) for e in report["errors"]}
    assert got == {(2, "date"), (3, "event"), (5, "person"), (6, "event"), (7, "facility"), (8, "release_kind"),
                   (9, "release_kind"), (10, "name"), (11, "sex")}
    by_row = {e["row"]: e for e in report["errors"]}
    assert by_row[2]["value"] == "2025-02-30" and "28 days" in by_row[2]["reason"]
    assert "not in custody" in by_row[3]["reason"]
    assert by_row[6]["value"] == "arrested" and "unknown event code" in by_row[6]["reason"]
    assert all(e["file"] == "bad.csv" for e in report["errors"])
    assert snapshot() == before


@pytest.mark.django_db
def test_release_in_file_against_stored_history(tmp_path):
    run_import(write(tmp_path, "good.csv", GOOD))  # t-1 is released on 2025-09-11
    code, report = run_import(write(tmp_path, "again.csv", HEADER +
                                    "t-1,,,,,,,,,released,2025-10-01,,,,,pardon,,,,\n"))
    assert code == 1 and report["errors"][0]["row"] == 2 and "not in custody" in report["errors"][0]["reason"]


@pytest.mark.django_db
def test_dry_run_reports_without_writing(tmp_path):
    before = snapshot()
    code, report = run_import(write(tmp_path, "good.csv", GOOD), "--dry-run")
    assert code == 0 and report["dry_run"] and not report["written"] and report["events_created"] == 9
    assert snapshot() == before


@pytest.mark.django_db
def test_strict_refuses_unknown_reference_rows(tmp_path):
    code, report = run_import(write(tmp_path, "good.csv", GOOD), "--strict")
    assert code == 1
    assert {(e["column"], e["value"]) for e in report["errors"]} >= {("facility", "New colony"), ("source", "List A")}
    assert not Facility.objects.filter(code="new-colony").exists() and not Source.objects.exists()


@pytest.mark.django_db
def test_header_problems_are_reported(tmp_path):
    code, report = run_import(write(tmp_path, "h.csv", "person,name,when\nx,y,2021\n"))
    assert code == 1 and "event" in report["errors"][0]["reason"] and report["errors"][0]["row"] == 1
    code, report = run_import(write(tmp_path, "h2.csv", "person,name,event,date,colour\nx,y,detained,2021,red\n"))
    assert code == 1 and report["errors"][0]["column"] == "colour"


@pytest.mark.django_db
def test_jsonl_errors_name_the_line(tmp_path):
    text = ('{"person": "j-1", "name": "Ян", "event": "detained", "date": "2021-03"}\n'
            "{not json\n"
            '{"person": "j-1", "event": "released", "date": "2021-04-01", "release_kind": "other"}\n')
    code, report = run_import(write(tmp_path, "x.jsonl", text))
    assert code == 1 and [(e["row"], e["reason"][:14]) for e in report["errors"]] == [(2, "not valid JSON")]
    code, report = run_import(write(tmp_path, "y.jsonl", text.replace("{not json\n", "")))
    assert code == 0 and report["events_created"] == 2


@pytest.mark.django_db
def test_contradicting_person_attributes(tmp_path):
    text = HEADER + ("c-1,Ян,be,,,m,,,,detained,2021-03-01,,,,,,,,,\n"
                     "c-1,,,,,f,,,,recognized,2021-03-05,,,,,,,viasna,,\n")
    code, report = run_import(write(tmp_path, "c.csv", text))
    assert code == 1 and report["errors"][0]["row"] == 3 and report["errors"][0]["column"] == "sex"


@pytest.mark.django_db
def test_export_csv_is_valid_canonical_csv(tmp_path):
    run_import(write(tmp_path, "good.csv", GOOD))
    rows = list(csv.DictReader(io.StringIO(export("csv"))))
    assert len(rows) == 9 and rows[0]["name"] == "Алесь Міхайлавіч" and rows[0]["groups"] == "hrd;journalist"
    assert [r["event"] for r in rows if r["person"] == "t-2"] == ["detained", "released", "detained"]


@pytest.mark.django_db
def test_file_that_is_not_utf8_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "w-1,Łukasz Test,pl,,,,,,,detained,2021-01-01,,,,,,,,,\n".encode("cp1250"))
    before = snapshot()
    code, report = run_import(path)
    assert code == 1 and report["errors"][0]["row"] == 2 and "UTF-8" in report["errors"][0]["reason"]
    assert snapshot() == before


@pytest.mark.django_db
def test_export_to_an_unwritable_path_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot write"):
        call_command("export", "-o", str(tmp_path / "missing-dir" / "x.csv"), stderr=io.StringIO())


@pytest.mark.django_db
def test_import_of_a_missing_or_unknown_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("import_events", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="unknown file type"):
        call_command("import_events", str(write(tmp_path, "list.xlsx", "x")))
