"""Who may open and who may post each staff page (volia.security.policy decides; these pin the result)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

pytestmark = pytest.mark.django_db


def read_pages(key: str, event_id: int) -> list[str]:
    return [reverse("staff:dashboard"), reverse("staff:people"), reverse("staff:people") + "?q=Ales",
            reverse("staff:person", args=[key]), reverse("staff:add_event", args=[key]),
            reverse("staff:correct_event", args=[key, event_id]), reverse("staff:retract_event", args=[key, event_id]),
            reverse("staff:add_name", args=[key])]


def editor_pages() -> list[str]:
    return [reverse("staff:import"), reverse("staff:review")]


def write_posts(key: str, event_id: int) -> list[str]:
    return [reverse("staff:add_event", args=[key]), reverse("staff:correct_event", args=[key, event_id]),
            reverse("staff:retract_event", args=[key, event_id]), reverse("staff:add_name", args=[key]),
            reverse("staff:import"), reverse("staff:import_confirm"), reverse("staff:import_cancel"),
            reverse("staff:review_decide", args=[1]), reverse("staff:review_unmerge", args=[1])]


def test_every_page_renders_for_an_editor(editor, held):
    event = held.events.first()
    for url in read_pages(held.key, event.pk) + editor_pages():
        r = editor.get(url)
        assert r.status_code == 200, url
        assert r["Cache-Control"].count("no-store") == 1 and "private" in r["Cache-Control"], url
        assert "script-src" not in r["Content-Security-Policy"] and "default-src 'none'" in r[
            "Content-Security-Policy"], url
        assert b"<script" not in r.content, url


def test_an_administrator_sees_the_same(client_for, admin_user, held):
    client = client_for(admin_user)
    for url in read_pages(held.key, held.events.first().pk) + editor_pages():
        assert client.get(url).status_code == 200, url


def test_a_researcher_reads_but_cannot_write(researcher, held):
    event = held.events.first()
    for url in read_pages(held.key, event.pk):
        assert researcher.get(url).status_code == 200, url
    form = researcher.get(reverse("staff:add_event", args=[held.key])).content.decode()
    assert "You may read this form but not save it" in form and "disabled" in form
    page = researcher.get(reverse("staff:person", args=[held.key])).content.decode()
    assert "Add an event" not in page and ">Correct</a>" not in page
    for url in write_posts(held.key, event.pk):
        assert researcher.post(url, {"reason": "x", "expected_version": held.version}).status_code == 403, url
    # importing and reviewing duplicates are editors' work: not even shown
    for url in editor_pages():
        assert researcher.get(url).status_code == 403, url
    assert held.events.count() == 2


@pytest.mark.parametrize("persona", ["volunteer_user", "outsider_user"])
def test_volunteers_and_outsiders_are_refused(request, client_for, persona, held):
    client = client_for(request.getfixturevalue(persona))
    event = held.events.first()
    for url in read_pages(held.key, event.pk) + editor_pages():
        assert client.get(url).status_code == 403, url
    for url in write_posts(held.key, event.pk):
        assert client.post(url, {"reason": "x"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login(client, held):
    event = held.events.first()
    for url in read_pages(held.key, event.pk) + editor_pages():
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(resolve_url(settings.LOGIN_URL)), url
    for url in write_posts(held.key, event.pk):
        r = client.post(url, {"reason": "x"})
        assert r.status_code in (302, 405) and held.events.count() == 2, url


def test_a_researcher_never_learns_of_restricted_people(researcher, editor, make_person):
    make_person("st-secret", "Тайная Асоба", visibility="restricted")
    assert researcher.get(reverse("staff:person", args=["st-secret"])).status_code == 404
    assert "st-secret" not in researcher.get(reverse("staff:people")).content.decode()
    assert editor.get(reverse("staff:person", args=["st-secret"])).status_code == 200


def test_a_researcher_sees_no_health_details_nor_restricted_sources_even_in_forms(researcher, editor, held):
    from volia.registry import services
    from volia.registry.models import Source

    secret = Source.objects.create(title="Told by his sister Ala", kind="family", visibility="restricted")
    event = services.record_event(held, "health_reported", "2024-01-05", details={"condition": "serious_illness"},
                                  sources=[secret], actor=services.Actor("test:editor"))
    for url in (reverse("staff:person", args=[held.key]), reverse("staff:add_event", args=[held.key]),
                reverse("staff:correct_event", args=[held.key, event.pk])):
        html = researcher.get(url).content.decode()
        assert "Told by his sister Ala" not in html, url
        assert 'value="serious_illness" selected' not in html and "Serious illness</dd>" not in html, url
    html = editor.get(reverse("staff:correct_event", args=[held.key, event.pk])).content.decode()
    assert "Told by his sister Ala" in html and 'value="serious_illness" selected' in html


def test_the_navigation_offers_only_what_the_viewer_may_open(researcher, editor):
    nav = researcher.get(reverse("staff:dashboard")).content.decode().split('class="staff-nav"')[1].split("</nav>")[0]
    assert reverse("staff:people") in nav and reverse("staff:import") not in nav and reverse("staff:review") not in nav
    nav = editor.get(reverse("staff:dashboard")).content.decode().split('class="staff-nav"')[1].split("</nav>")[0]
    assert reverse("staff:import") in nav and reverse("staff:review") in nav and reverse("web:stats") in nav
