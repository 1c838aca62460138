"""A person's page: identity, custody, the timeline of current events and its sources."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volia.registry import services
from volia.registry.models import Event, Source

pytestmark = pytest.mark.django_db


def page(client, key: str) -> str:
    r = client.get(reverse("web:person", args=[key]))
    assert r.status_code == 200
    return r.content.decode()


def timeline_of(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip()
            for h in re.findall(r"<h3>(.*?)</h3>", html, re.S)]


def test_identity(client, full_history):
    html = page(client, "p-full")
    assert '<h1 lang="be">Алесь Тэставы</h1>' in html
    assert ('<th scope="row" lang="ru">Алесь Тестовый</th><td data-label="Language">Russian</td>'
            '<td data-label="Kind">Official (documents)</td>') in html
    assert ('<th scope="row" lang="en">Ales Testavy</th><td data-label="Language">English</td>'
            '<td data-label="Kind">Transliteration</td>') in html
    assert "Male" in html and '<time datetime="1962-08">1962-08</time>' in html
    assert "Minsk (city)" in html
    assert "Journalist or media worker, Human-rights defender" in html
    assert "status-exile" in html and "In exile" in html


def test_custody_episodes(client, full_history):
    html = page(client, "p-full")
    episodes = html[html.index("<h2>Custody</h2>"):html.index("<h2>Timeline</h2>")]
    assert "2021-07-14" in episodes and "2025-09-11" in episodes
    assert "Pardon, deported" in episodes and "Criminal" in episodes


def test_timeline_in_order_with_readable_details(client, full_history):
    html = page(client, "p-full")
    assert timeline_of(html) == [
        "2021-07-14 Detained",
        "2021-07-20 Recognised as a political prisoner",
        "2023-03-03 Sentenced",
        "2023-05 Transferred Reported",
        "2025-09-11 Released",
    ]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Articles art. 342 part 1 (" in text and "art. 361-1" in text
    assert "Sentence Penal colony, enhanced (strengthened) regime" in text
    assert "Term 10 years" in text
    assert "Release Pardon" in text and "Deported yes" in text
    assert "Organisation Test Rights Centre" in text
    assert "Facility Test SIZO No. 1" in text and "Facility Test Penal Colony No. 3" in text
    assert "Confidence Reported" in text


def test_sources_are_listed_and_linked(client, full_history):
    html = page(client, "p-full")
    assert '<a href="https://news.example/a/1" rel="noopener noreferrer nofollow external">' \
           'Test News 2021-07-15</a>' in html
    assert "<li>Verdict of the test court</li>" in html


def test_a_source_url_that_is_not_a_web_link_is_never_linked(client, make_person):
    bad = Source.objects.create(title="Odd source", url="javascript:alert(1)", kind="news", visibility="public")
    make_person("p-js", "Асоба", visibility="public",
                events=[("detained", "2021-01-01", {"sources": [bad]})])
    html = page(client, "p-js")
    assert "javascript:" not in html and "<li>Odd source</li>" in html


def test_family_sources_and_notes_are_withheld_from_the_public(client, staff_user, full_history):
    html = page(client, "p-full")
    assert "Iryna" not in html and "private.example" not in html
    assert "Family (details withheld)" in html
    assert "STAFF-ONLY-NOTE" not in html and "test:editor" not in html
    client.force_login(staff_user)
    html = page(client, "p-full")
    assert "Told by his wife Iryna Testava" in html and "STAFF-ONLY-NOTE" in html


def test_corrections_replace_the_old_version_and_are_counted(client, full_history):
    sentenced = Event.objects.get(person=full_history, type="sentenced")
    services.correct_event(sentenced, actor=services.Actor("test"), reason="appeal text",
                           details={"articles": ["342:1"], "sentence_kind": "colony_enhanced",
                                    "sentence_months": 96})
    recognized = Event.objects.get(person=full_history, type="recognized")
    services.retract_event(recognized, actor=services.Actor("test"), reason="wrong person")
    html = page(client, "p-full")
    assert "Term 8 years" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "10 years" not in html
    assert "Recognised" not in html
    assert len(timeline_of(html)) == 4
    assert "2 corrections recorded" in html


def test_unknown_key_is_404(client, full_history):
    r = client.get(reverse("web:person", args=["no-such-key"]))
    assert r.status_code == 404
    assert "Not found" in r.content.decode()


def test_person_without_anything(client, make_person):
    make_person("p-bare", "Голае Імя", visibility="public")
    html = page(client, "p-bare")
    assert "No custody recorded." in html and "No events recorded." in html
    assert "status-unknown" in html and "corrections" not in html


def _queries(client, key: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page(client, key)
    return len(ctx.captured_queries)


def test_person_page_query_count_does_not_grow_with_events(client, make_person, facility, news, verdict):
    few = make_person("p-few", "Мала Падзей", visibility="public",
                      events=[("detained", "2021-01-01", {"facility": facility, "sources": [news]}),
                              ("charged", "2021-01-02", {"details": {"articles": ["342"]}}),
                              ("released", "2021-01-15", {"details": {"release_kind": "other"}})])
    events = []
    for year in range(2010, 2016):
        events += [(("detained", f"{year}-01-01", {"facility": facility, "sources": [news, verdict]})),
                   ("charged", f"{year}-01-05", {"details": {"articles": ["342", "130:3"]}}),
                   ("released", f"{year}-02-01", {"details": {"release_kind": "sentence_served"},
                                                  "sources": [verdict]})]
    many = make_person("p-many", "Шмат Падзей", visibility="public", events=events)
    assert _queries(client, few.key) == _queries(client, many.key) <= 12
