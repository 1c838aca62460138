"""`volia publish`: a static copy of the public site with relative links, and open data, public only."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from volia.web.public.publish import page_file, relative


@pytest.mark.parametrize(("url", "file"), [
    ("/be/", "be/index.html"),
    ("/be/people/pub-ales/", "be/people/pub-ales/index.html"),
    ("/en/people/?page=2", "en/people/_page-2/index.html"),
    ("/en/people/?page=2&figure=held", "en/people/_figure-held_page-2/index.html"),
    ("/static/web/volia.css", "static/web/volia.css"),
])
def test_page_file(url, file):
    assert page_file(url) == file


def test_relative_links():
    assert relative("be/people/x/index.html", "/be/facilities/ik-1/") == "../../facilities/ik-1/index.html"
    assert relative("be/index.html", "/static/web/volia.css") == "../static/web/volia.css"
    assert relative("be/statistics/index.html", "/be/people/?figure=held#top") == \
        "../people/_figure-held/index.html#top"


def _published(tmp_path: Path, *langs: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "site"
    args = [str(out), "--no-progress"] + [f"--lang={lang}" for lang in langs]
    call_command("publish", *args)
    return out


def test_publish_writes_a_self_contained_site(registry, tmp_path):
    out = _published(tmp_path)
    pages = list(out.rglob("*.html"))
    assert (out / "be/index.html").is_file() and (out / "ru/people/pub-ales/index.html").is_file()
    assert (out / "en/facilities/test-ik-9/index.html").is_file() and (out / "static/web/volia.css").is_file()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'\s(?:href|src)="([^"]*)"', html):
            if link.startswith(("#", "https://news.example/")):
                continue
            assert not link.startswith(("/", "http:", "https:")), (page, link)  # relative: works from any path
            target = (page.parent / link.partition("#")[0]).resolve()
            assert target.is_file(), (page, link)
        assert "<form" not in html  # search and filters need a server
    assert '<html lang="ru">' in (out / "ru/people/pub-ales/index.html").read_text(encoding="utf-8")


def test_publish_shows_only_what_the_public_may_see(registry, tmp_path):
    out = _published(tmp_path)
    everything = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    for hidden in ("Іван Схаваны", "int-ivan", "Вольга Сакрэтная", "res-olga"):
        assert hidden not in everything, hidden
    assert not (out / "be/people/int-ivan").exists()


def test_open_data_and_datapackage(registry, tmp_path):
    out = _published(tmp_path, "en")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["sources"]
    for resource in package["resources"]:
        path = out / resource["path"]
        assert path.is_file(), resource["path"]
        if resource["format"] == "csv":
            with path.open(encoding="utf-8") as f:
                header = next(csv.reader(f))
            assert header == [field["name"] for field in resource["schema"]["fields"]]
    with (out / "data/people.csv").open(encoding="utf-8") as f:
        people = {row["key"]: row for row in csv.DictReader(f)}
    assert set(people) == {"pub-ales", "pub-maria", "pub-freed"}
    assert people["pub-ales"]["name_latin"] == "Ales Bialiatski" and people["pub-ales"]["status"] == "held"
    assert people["pub-ales"]["facility"] == "test-ik-9"
    events = json.loads((out / "data/events.json").read_text(encoding="utf-8"))
    assert {e["person"] for e in events} == set(people)
    assert any(e["articles"] == "342:1" and e["sentence_months"] == 60 for e in events)
    assert (out / "data/daily.csv").read_text(encoding="utf-8").startswith("date,held\n2020-08-09,")
    assert not (out / "be").exists()  # only the languages asked for


def test_publish_replaces_an_old_copy_and_refuses_bad_targets(registry, tmp_path):
    out = _published(tmp_path, "en")
    (out / "stale.html").write_text("old", encoding="utf-8")
    _published(tmp_path, "en")
    assert not (out / "stale.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary directory left behind
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="exists and is not a directory"):
        call_command("publish", str(tmp_path / "file"), "--no-progress")
    with pytest.raises(CommandError, match="no such directory"):
        call_command("publish", str(tmp_path / "missing" / "site"), "--no-progress")


def test_person_pages_read_together_equal_the_pages_the_view_renders(registry):
    """`volia publish` renders person pages from facts read for many people at once: each page is the one
    the person view renders alone, in every language; a person the public may not see is an error."""
    from volia.web.public.publish import PublishError, _Site

    site = _Site(("be", "ru", "en"))
    urls = [f"/{lang}/people/{key}/" for lang in ("be", "ru", "en") for key in ("pub-ales", "pub-maria", "pub-freed")]
    together = dict(site.render_people(urls))
    assert list(together) == urls
    for url in urls:
        assert together[url] == site.render(url), url
    assert "Алесь Бяляцкі" in together["/be/people/pub-ales/"] and "Ales Bialiatski" in together["/en/people/pub-ales/"]
    with pytest.raises(PublishError, match="int-ivan"):
        list(site.render_people(["/be/people/pub-ales/", "/be/people/int-ivan/"]))


def test_person_facts_need_the_same_queries_for_one_or_many_people(registry, make_person, prison, rights_group,
                                                                   django_assert_max_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from volia.registry.models import Person
    from volia.web.public import views

    for i in range(20):
        make_person(f"pub-more-{i}", f"Асоба {i}", visibility="public",
                    events=[("detained", "2021-03-01", {"facility": prison}),
                            ("recognized", "2021-03-10", {"organization": rights_group})])
    people = list(Person.objects.filter(key__startswith="pub-").prefetch_related(views.PERSON_NAMES,
                                                                                 views.PERSON_GROUPS))
    with django_assert_max_num_queries(4):  # events, their sources, status, custody episodes
        many = views.person_facts(people, AnonymousUser())
    one_by_one = [views.person_facts([p], AnonymousUser())[0] for p in people]
    assert len(many) == len(people) == 23
    for a, b in zip(many, one_by_one, strict=True):
        assert [e.pk for e in a.events] == [e.pk for e in b.events]
        assert a.status_code == b.status_code and [e.pk for e in a.episodes] == [e.pk for e in b.episodes]
    ales = next(f for f in many if f.person.key == "pub-ales")
    assert [e.type for e in ales.events] == ["detained", "recognized", "sentenced"] and ales.status_code == "held"


@pytest.mark.django_db(transaction=True)  # the worker processes read what the test wrote
def test_publish_in_two_processes_writes_the_same_site(registry, tmp_path, monkeypatch):
    from volia.web.public import publish

    monkeypatch.setattr(publish, "BATCH_PAGES", 2)  # several batches, shared by the two processes
    one = _published(tmp_path / "one")
    two = tmp_path / "two"
    in_this_process: list[str] = []
    render_people = publish._Site.render_people

    def counted(site, urls):
        in_this_process.extend(urls)  # the worker processes count in their own memory
        return render_people(site, urls)

    monkeypatch.setattr(publish._Site, "render_people", counted)
    call_command("publish", str(two), "--no-progress", "--jobs", "2")
    assert in_this_process == []  # every person page came from the worker processes
    files = sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(two)) for p in two.rglob("*") if p.is_file())
    assert "be/people/pub-ales/index.html" in files and "en/people/pub-freed/index.html" in files
    for name in files:
        if name != "datapackage.json":  # it says when it was made
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    with pytest.raises(CommandError, match="--jobs"):
        call_command("publish", str(tmp_path / "three"), "--no-progress", "--jobs", "0")
