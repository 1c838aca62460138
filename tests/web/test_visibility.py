"""Do no harm: people who are not public never reach an anonymous visitor, not even as a count.

An internal and a restricted person are planted with marker names (in the primary name, an
alias and the key); every anonymous response is searched for the markers.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from volia.registry import services

pytestmark = pytest.mark.django_db

MARKERS = ("ZZMARKER", "Зязюля", "hidden-key")
LIST = reverse("web:people")


@pytest.fixture
def planted(make_person, facility, family_source):
    actor = services.Actor("test")
    make_person("public-1", "Публічная Асоба", visibility="public",
                events=[("detained", "2021-01-01", {"facility": facility})])
    for visibility in ("internal", "restricted"):
        p = make_person(f"hidden-key-{visibility}", f"Зязюля {visibility} ZZMARKER", visibility=visibility,
                        region="vitebsk",
                        events=[("detained", "2021-02-02", {"facility": facility, "sources": [family_source]})])
        services.add_name(p, f"ZZMARKER alias {visibility}", "en", actor=actor)
    return ["hidden-key-internal", "hidden-key-restricted"]


def assert_clean(html: str, echoed: str = "") -> None:
    """No marker in the page, except inside the visitor's own query echoed back to them."""
    for marker in MARKERS:
        if marker.casefold() not in echoed.casefold():
            assert marker.casefold() not in html.casefold(), marker


def anonymous_pages(client, keys):
    """(response, the query it echoes) for every page an anonymous visitor could ask for."""
    yield client.get(LIST), ""
    for q in ("ZZMARKER", "zzmarker", "Зязюля", "alias", "hidden", "internal", "restricted", "а", "z"):
        yield client.get(LIST, {"q": q}), q
    yield client.get(LIST, {"page": "2"}), ""
    for key in keys:
        yield client.get(reverse("web:person", args=[key])), ""


def test_anonymous_never_sees_hidden_people(client, planted):
    for r, q in anonymous_pages(client, planted):
        assert_clean(r.content.decode(), q)
    html = client.get(LIST).content.decode()
    assert "Публічная Асоба" in html
    assert "1 person" in html  # the hidden people are not counted either


def test_hidden_person_page_is_the_same_404_as_a_missing_one(client, planted):
    missing = client.get(reverse("web:person", args=["no-such-person"]))
    assert missing.status_code == 404
    for key in planted:
        r = client.get(reverse("web:person", args=[key]))
        assert r.status_code == 404
        assert r.content == missing.content


def test_search_for_a_hidden_name_finds_nothing(client, planted):
    for q in ("ZZMARKER", "Зязюля", "alias internal"):
        html = client.get(LIST, {"q": q}).content.decode()
        assert "0 people found" in html and "<tbody>" not in html


def test_logged_in_non_staff_user_is_treated_as_public(client, django_user_model, planted):
    user = django_user_model.objects.create_user("volunteer", password="x-long-test-password")
    client.force_login(user)
    for r, q in anonymous_pages(client, planted):
        assert_clean(r.content.decode(), q)


def test_staff_see_everyone(client, staff_user, planted):
    client.force_login(staff_user)
    html = client.get(LIST).content.decode()
    assert "3 people" in html
    assert "Зязюля internal ZZMARKER" in html and "Зязюля restricted ZZMARKER" in html
    assert "Internal" in html and "Restricted" in html  # badges
    html = client.get(LIST, {"q": "zzmarker alias"}).content.decode()
    assert "2 people found" in html
    for key in planted:
        r = client.get(reverse("web:person", args=[key]))
        assert r.status_code == 200
        assert "this page is not shown to the public" in r.content.decode()
        assert "no-store" in r["Cache-Control"]


def test_hidden_people_do_not_change_public_pagination(client, make_person):
    for i in range(50):
        make_person(f"pub-{i:02d}", f"Асоба {i:02d}", visibility="public")
    make_person("hidden-key-x", "Асоба ZZMARKER", visibility="restricted")
    html = client.get(LIST).content.decode()
    assert "50 people." in html and "page 1 of" not in html and 'rel="next"' not in html
