"""The list of people: columns, search, pagination, query count, banner, safety of the markup."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volia.registry import services

pytestmark = pytest.mark.django_db

URL = reverse("web:people")


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row">\s*<a href="[^"]*"[^>]*>([^<]*)</a>', html)


def test_list_shows_name_status_facility_region(client, full_history, make_person, facility):
    make_person("p-held", "Марыя Тэставая", visibility="public", region="brest",
                events=[("detained", "2024-01-10", {"facility": facility})])
    make_person("p-none", "Ян Нікому", visibility="public")
    r = client.get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert names_on(html) == ["Алесь Тэставы", "Марыя Тэставая", "Ян Нікому"]
    row = html[html.index("Алесь Тэставы"):html.index("Марыя Тэставая")]
    # released and deported: in exile; the last facility recorded is the colony he was moved to
    assert "In exile" in row and "Test Penal Colony No. 3" in row and "Minsk (city)" in row
    row = html[html.index("Марыя Тэставая"):html.index("Ян Нікому")]
    assert "Held" in row and "Test SIZO No. 1" in row and "Brest region" in row
    row = html[html.index("Ян Нікому"):]
    assert "Unknown" in row and "none recorded" in row
    assert "3 people" in html


@pytest.mark.parametrize("query", ["testavy", "TESTAVY", "Тэст", "тэставы", "АЛЕСЬ", "алесь тестовый"])
def test_search_is_case_insensitive_over_all_names(client, full_history, make_person, query):
    make_person("p-other", "Зміцер Іншы", visibility="public")
    html = client.get(URL, {"q": query}).content.decode()
    assert names_on(html) == ["Алесь Тэставы"]
    assert "1 person found" in html


def test_search_lists_a_person_once_and_shows_the_matching_alias(client, full_history):
    # "Алесь Т" matches the primary name and the Russian official one: still one row
    html = client.get(URL, {"q": "Алесь Т"}).content.decode()
    assert names_on(html) == ["Алесь Тэставы"]
    html = client.get(URL, {"q": "ales"}).content.decode()
    assert 'also <span lang="en">Ales Testavy</span>' in html


def test_search_without_match(client, full_history):
    html = client.get(URL, {"q": "nobody-by-this-name"}).content.decode()
    assert names_on(html) == [] and "Nobody found" in html


def test_pagination_keeps_the_query(client, make_person):
    for i in range(51):
        make_person(f"p-{i:03d}", f"Person {i:03d}", visibility="public")
    html = client.get(URL, {"q": "person"}).content.decode()
    assert len(names_on(html)) == 50
    assert "page 1 of 2" in html
    assert 'href="?q=person&amp;page=2"' in html
    html = client.get(URL, {"q": "person", "page": "2"}).content.decode()
    assert names_on(html) == ["Person 050"]
    # a page out of range shows the last page rather than an error
    assert client.get(URL, {"page": "999"}).status_code == 200


def _queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(URL)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def _people_with_history(make_person, facility, ngo, start: int, n: int) -> None:
    actor = services.Actor("test")
    for i in range(start, start + n):
        p = make_person(f"q-{i:03d}", f"Асоба {i:03d}", visibility="public", region="grodno",
                        events=[("detained", "2022-01-01", {"facility": facility}),
                                ("recognized", "2022-02", {"organization": ngo})])
        services.add_name(p, f"Person {i:03d}", "en", kind="transliteration", actor=actor)


def test_list_query_count_does_not_grow_with_people(client, make_person, facility, ngo):
    _people_with_history(make_person, facility, ngo, 0, 5)
    few = _queries_for_list(client)
    _people_with_history(make_person, facility, ngo, 5, 45)
    many = _queries_for_list(client)
    assert few == many
    assert many <= 6  # count, page, names, status and facility ids, facilities, demo check


def test_list_query_count_for_staff_and_search(client, staff_user, make_person, facility, ngo):
    client.force_login(staff_user)
    _people_with_history(make_person, facility, ngo, 0, 5)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"q": "асоба"})
    _people_with_history(make_person, facility, ngo, 5, 45)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"q": "асоба"})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_demo_banner(client, make_person):
    make_person("p-real", "Сапраўдная Асоба", visibility="public")
    banner = "Demo data: synthetic people, not real prisoners"
    assert banner not in client.get(URL).content.decode()
    # any demo key switches the banner on, whatever its visibility
    make_person("demo-0001", "Выдуманая Асоба", visibility="internal")
    assert banner in client.get(URL).content.decode()
    assert banner in client.get(reverse("web:person", args=["p-real"])).content.decode()


def test_page_loads_nothing_from_elsewhere(client, full_history):
    for url in (URL, reverse("web:person", args=["p-full"])):
        r = client.get(url)
        html = r.content.decode()
        assert '<html lang="en">' in html
        assert "<script" not in html.lower()
        assert "default-src 'none'" in r["Content-Security-Policy"]
        for attr in re.findall(r'\s(?:src|href|action)="([^"]*)"', html):
            # the only absolute links are to the sources, which the reader chooses to follow
            assert attr.startswith(("/", "?", "#")) or attr == "https://news.example/a/1", attr
        assert re.search(r"<link[^>]*href=\"/static/web/volia\.css\"", html)


def test_stylesheet_is_served(client):
    r = client.get("/static/web/volia.css")
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert b"@import" not in body and b"url(" not in body


def test_names_are_escaped(client, make_person):
    make_person("p-xss", '<script>alert("x")</script>', visibility="public")
    html = client.get(URL).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    html = client.get(URL, {"q": '"><script>'}).content.decode()
    assert "<script>" not in html
