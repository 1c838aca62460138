"""GET /api/v1/search: the caller finds only the people the visibility policy lets them see."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.urls import reverse

from volia.api import views
from volia.registry.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_with_role(django_user_model):
    def make(role: str):
        user = django_user_model.objects.create_user(f"{role}-search", password="x-long-test-password",
                                                     is_staff=True)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


def get(rf, user, **params) -> tuple[int, dict]:
    request = rf.get(reverse("api:search"), params)
    request.user = user
    response = views.search(request)
    return response.status_code, json.loads(response.content)


def keys(answer: tuple[int, dict]) -> list[str]:
    status, body = answer
    assert status == 200, body
    return [r["key"] for r in body["results"]]


def test_public_finds_public_records_only(rf, registry, client):
    assert keys(get(rf, AnonymousUser(), q="Ales Bialiatski"))[0] == "bialiatski"
    assert "secret" not in keys(get(rf, AnonymousUser(), q="Alies Bieliackin", limit="100"))
    assert keys(get(rf, AnonymousUser(), q="Ihar Losik")) == []  # internal record
    # through the whole stack too (middleware, URL): anybody may ask
    r = client.get(reverse("api:search"), {"q": "Бяляцкі"})
    assert r.status_code == 200 and r.json()["results"][0]["key"] == "bialiatski"


def test_staff_find_what_their_role_allows(rf, registry, user_with_role):
    researcher, editor = user_with_role("researcher"), user_with_role("editor")
    assert keys(get(rf, researcher, q="Ihar Losik")) == ["losik"]
    assert "secret" not in keys(get(rf, researcher, q="Alies Bieliackin"))
    assert not AccessLog.objects.exists()
    assert keys(get(rf, editor, q="Alies Bieliackin"))[0] == "secret"
    log = AccessLog.objects.get()  # a restricted record was read
    assert (log.action, log.actor, log.detail["restricted_people"]) == ("search", editor.username, ["secret"])


def test_result_shape_names_people_by_key(rf, registry):
    _, body = get(rf, AnonymousUser(), q="Bialiatski", limit="1")
    assert body["query"] == "Bialiatski" and body["limit"] == 1
    (hit,) = body["results"]
    assert set(hit) == {"key", "name", "matched", "score"}
    assert hit["name"] == "Алесь Бяляцкі" and 0 < hit["score"] <= 1


@pytest.mark.parametrize(("params", "parameter"), [
    ({}, "q"), ({"q": "  "}, "q"), ({"q": "x" * 201}, "q"), ({"q": "Ales", "limit": "many"}, "limit"),
    ({"q": "Ales", "limit": "0"}, "limit"), ({"q": "Ales", "limit": "101"}, "limit"),
    ({"q": "Ales", "qq": "1"}, "qq"),
])
def test_bad_parameters_are_400_naming_them(rf, registry, params, parameter):
    status, body = get(rf, AnonymousUser(), **params)
    assert status == 400
    assert body["parameter"] == parameter and body["error"]


def test_only_get(client, registry):
    r = client.post(reverse("api:search"), {"q": "Ales"})
    assert r.status_code in (403, 405)  # 403 when CSRF protection answers first
    if r.status_code == 405:
        assert r["Allow"] == "GET, HEAD"
