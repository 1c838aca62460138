"""The search index follows every write: services, imports, merges, deletes; rebuild and check."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from volia.registry import services
from volia.registry.models import Person
from volia.search import index
from volia.search.models import SearchPosting, SearchWord, SearchWordKey
from volia.search.service import search

pytestmark = pytest.mark.django_db


def postings() -> set[tuple[int, str]]:
    return set(SearchPosting.objects.values_list("person_id", "word__word"))


def people_count(word: str) -> int:
    return SearchWord.objects.get(word=word).people


def found(query: str, **kw) -> list[str]:
    keys = dict(Person.objects.values_list("id", "key"))
    return [keys[h.person_id] for h in search(query, **kw)]


def test_create_person_and_add_name_index_the_names(actor):
    p = services.create_person("p1", "Ігар Лосік", actor=actor)
    assert found("Ihar Losik") == ["p1"]
    assert postings() == {(p.pk, w) for w in index.words_of("Ігар Лосік", "be")} == {(p.pk, "ihar"), (p.pk, "lasik")}
    assert people_count("lasik") == 1
    # every word is reachable through its typo keys
    assert SearchWordKey.objects.filter(word__word="lasik", key__in=["lasik", "asik", "lsik", "lask"]).count() == 4
    # a name that shares nothing with the others becomes findable once added
    assert found("Pryvalau") == []
    services.add_name(p, "Ihar Pryvalau", "en", "press", actor=actor)
    assert found("Pryvalau") == ["p1"]
    assert index.check() == []


def test_a_failed_write_leaves_the_index_as_it_was(actor):
    p = services.create_person("p1", "Ігар Лосік", actor=actor)
    before = postings(), set(SearchWord.objects.values_list("word", "people"))
    with pytest.raises(services.ValidationError):
        services.add_name(p, "Ігар Лосік", "be", "alias", actor=actor)  # the same name twice
    with pytest.raises(services.ValidationError):
        services.create_person("p1", "Другі Чалавек", actor=actor)  # a key that exists
    assert (postings(), set(SearchWord.objects.values_list("word", "people"))) == before


def test_merged_people_leave_the_index(actor):
    survivor = services.create_person("a", "Марыя Калеснікава", actor=actor)
    gone = services.create_person("b", "Мария Колесникова", actor=actor)
    Person.objects.filter(pk=gone.pk).update(merged_into=survivor)
    index.refresh([gone.pk])
    assert not SearchPosting.objects.filter(person=gone).exists()
    assert people_count("kalasnikava") == 1
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
    assert SearchPosting.objects.count() == 0
    assert search("Bialiatski") == []


def test_deleted_names_leave_the_index_and_word_counts_follow(actor):
    a = services.create_person("a", "Ігар Лосік", actor=actor)
    services.create_person("b", "Ігар Бабарыка", actor=actor)
    assert people_count("ihar") == 2
    services.add_name(a, "Ihar Losik", "", "transliteration", actor=actor)  # the same words: counted once
    services.add_name(a, "Ihar Pryvalau", "", "press", actor=actor)
    (pryvalau,) = [w for w in index.words_of("Pryvalau") if w != "ihar"]
    assert people_count("ihar") == 2 and people_count("lasik") == 1 and people_count(pryvalau) == 1
    assert found("Pryvalau") == ["a"]
    a.names.get(text="Ihar Pryvalau").delete()
    index.refresh([a.pk])
    assert found("Pryvalau") == []
    assert people_count(pryvalau) == 0 and people_count("ihar") == 2
    assert (a.pk, pryvalau) not in postings()
    assert index.check() == []


def test_check_reports_a_stale_index_and_rebuild_repairs_it(actor):
    a = services.create_person("a", "Ігар Лосік", actor=actor)
    b = services.create_person("b", "Віктар Бабарыка", actor=actor)
    SearchPosting.objects.filter(person=a).delete()  # as if written around the services
    zzz = SearchWord.objects.create(word="zzz", people=1)
    SearchPosting.objects.create(person=b, word=zzz)
    SearchWordKey.objects.filter(word__word="babarika", key="babarika").delete()
    problems = index.check()
    assert problems[0].startswith(f"person #{a.pk}: search index is stale (missing")
    assert f"person #{b.pk}: search index is stale (not expected ['zzz'])" in problems
    assert "word 'lasik': counted for 1 people, held by 0" in problems
    assert "word 'babarika': typo keys missing" in problems
    assert "word 'zzz': typo keys missing" in problems
    assert len(problems) == 6  # ihar is miscounted too
    with pytest.raises(Exception, match="6 problem"):
        call_command("search_index", "check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("search_index", "rebuild", "--no-progress", stdout=out)
    assert "for 2 people" in out.getvalue()
    assert index.check() == []
    assert found("Ihar Losik") == ["a"] and found("Viktar Babaryka") == ["b"]
    assert found("zzz") == []
    # the vocabulary is rebuilt, and later writes add to it
    services.create_person("c", "Алег Бялоў", actor=actor)
    assert found("Aleh Bialou") == ["c"]
    assert index.check() == []


def test_deletion_keys_cover_the_tolerated_edits():
    assert index.deletion_keys("abc") == {"abc"}  # under 4 letters: exact only
    assert index.deletion_keys("abcd") == {"abcd", "bcd", "acd", "abd", "abc"}
    keys7 = index.deletion_keys("balatki")
    assert {"balatki", "alatki", "latki", "balat"} <= keys7  # none, one or two letters gone
    assert min(len(k) for k in keys7) == 5
    assert index.deletion_keys("a" * 30) == {"a" * 30}  # very long words: exact and prefix only
    # two words within the tolerance share a key: a substitution, a transposition, a deletion each
    for typo in ("balatka", "ablatki", "baltki", "bahlatki", "balatkiu", "balatik", "bilatka", "blatk"):
        assert index.deletion_keys(typo) & keys7, typo


def test_query_words_reach_further_than_stored_keys_alone():
    assert index.query_edits(3) == 1 and index.query_edits(4) == 1 and index.query_edits(5) == index.query_edits(6) == 2
    assert min(len(k) for k in index.deletion_keys("vasava", index.query_edits(6))) == 4
    assert index.deletion_keys("vasava") == index.deletion_keys("vasava", 1)  # what the index stores
    # Важашова (vazasava, 8 letters, stored two deletions deep) typed Vaašova (vasava): two deletions
    assert index.deletion_keys("vasava", index.query_edits(6)) & index.deletion_keys("vazasava")
    # Нахылец typed Nchalyjec: nhalat / nahilat, one deletion on each side
    assert index.deletion_keys("nhalat", index.query_edits(6)) & index.deletion_keys("nahilat")
    # Ptr for Пётр: a three-letter query word one letter short of a four-letter word
    assert index.deletion_keys("ptr", index.query_edits(3)) & index.deletion_keys("patr")
