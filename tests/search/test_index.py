"""The search index follows every write: services, imports, merges; rebuild and check."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from volia.registry import services
from volia.registry.models import Person
from volia.search import index
from volia.search.models import SearchTerm
from volia.search.service import search

pytestmark = pytest.mark.django_db


def found(query: str, **kw) -> list[str]:
    keys = dict(Person.objects.values_list("id", "key"))
    return [keys[h.person_id] for h in search(query, **kw)]


def test_create_person_and_add_name_index_the_names(actor):
    p = services.create_person("p1", "Ігар Лосік", actor=actor)
    assert found("Ihar Losik") == ["p1"]
    assert set(SearchTerm.objects.filter(person=p).values_list("term", flat=True)) == {
        t for t in index.terms_for("Ігар Лосік", "be")}
    # a name that shares nothing with the others becomes findable once added
    assert found("Pryvalau") == []
    services.add_name(p, "Ihar Pryvalau", "en", "press", actor=actor)
    assert found("Pryvalau") == ["p1"]
    assert index.check() == []


def test_a_failed_write_leaves_the_index_as_it_was(actor):
    p = services.create_person("p1", "Ігар Лосік", actor=actor)
    before = set(SearchTerm.objects.values_list("person_id", "name_id", "term"))
    with pytest.raises(services.ValidationError):
        services.add_name(p, "Ігар Лосік", "be", "alias", actor=actor)  # the same name twice
    with pytest.raises(services.ValidationError):
        services.create_person("p1", "Другі Чалавек", actor=actor)  # a key that exists
    assert set(SearchTerm.objects.values_list("person_id", "name_id", "term")) == before


def test_merged_people_leave_the_index(actor):
    survivor = services.create_person("a", "Марыя Калеснікава", actor=actor)
    gone = services.create_person("b", "Мария Колесникова", actor=actor)
    Person.objects.filter(pk=gone.pk).update(merged_into=survivor)
    index.refresh([gone.pk])
    assert not SearchTerm.objects.filter(person=gone).exists()
    assert found("Maria Kalesnikava") == ["a"]
    assert index.check() == []


def run_import(tmp_path, text: str) -> dict:
    path = tmp_path / "import.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("import_events", str(path), "--json", stdout=out, stderr=io.StringIO())
    except SystemExit as exc:  # the command exits 1 when it refuses the file
        assert exc.code == 1
    return json.loads(out.getvalue())


HEADER = "person,name,name_lang,name_ru,name_latn,event,date,source\n"


def test_imports_index_new_people_and_new_names(tmp_path, actor):
    services.create_person("known", "Віктар Бабарыка", actor=actor)
    report = run_import(tmp_path, HEADER + (
        "new-1,Алесь Бяляцкі,be,Алесь Беляцкий,Ales Bialiatski,detained,2021-07-14,List A\n"
        "known,Viktar Babaryka,,Виктор Бабарико,,detained,2020-06-18,List A\n"))
    assert report["errors"] == []
    assert found("Bialiatski")[0] == "new-1"
    assert found("Беляцкий Алесь")[0] == "new-1"
    hit = search("Виктор Бабарико")[0]
    assert (Person.objects.get(pk=hit.person_id).key, hit.matched) == ("known", "Виктор Бабарико")
    assert index.check() == []


def test_a_refused_import_adds_nothing_to_the_index(tmp_path):
    report = run_import(tmp_path, HEADER + "new-1,Алесь Бяляцкі,be,,,no_such_event,2021-07-14,List A\n")
    assert report["errors"]
    assert SearchTerm.objects.count() == 0
    assert search("Bialiatski") == []


def test_check_reports_a_stale_index_and_rebuild_repairs_it(actor):
    a = services.create_person("a", "Ігар Лосік", actor=actor)
    b = services.create_person("b", "Віктар Бабарыка", actor=actor)
    SearchTerm.objects.filter(person=a).delete()  # as if written around the services
    SearchTerm.objects.filter(person=b).update(term="zzz")
    problems = index.check()
    assert len(problems) == 2
    assert problems[0].startswith(f"person #{a.pk}: search index is stale (missing")
    assert "not expected ['zzz']" in problems[1]
    with pytest.raises(Exception, match="2 problem"):
        call_command("search_index", "check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("search_index", "rebuild", "--no-progress", stdout=out)
    assert "for 2 people" in out.getvalue()
    assert index.check() == []
    assert found("Ihar Losik") == ["a"] and found("Viktar Babaryka") == ["b"]
    assert found("zzz") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_fts_table_follows_deletes_and_updates(actor):
    services.create_person("a", "Ігар Лосік", actor=actor)
    SearchTerm.objects.update(term="qwerty")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM search_term_fts WHERE search_term_fts MATCH '\"wer\"'")
        assert cur.fetchone()[0] == SearchTerm.objects.count()
        SearchTerm.objects.all().delete()
        cur.execute("SELECT count(*) FROM search_term_fts WHERE search_term_fts MATCH '\"wer\"'")
        assert cur.fetchone()[0] == 0
    assert index.check() != []  # the rows are missing, and check says so
