"""The OpenAPI document describes exactly the routes and parameters the API has."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, reverse

from volia.api import openapi, urls, views

pytestmark = pytest.mark.django_db


def routes() -> dict[str, URLPattern]:
    return {f"/api/v1/{p.pattern}": p for p in urls.urlpatterns if isinstance(p, URLPattern)}


def test_every_route_is_documented_and_every_documented_path_exists():
    doc = openapi.document()
    assert set(doc["paths"]) == set(routes())
    for path, pattern in routes().items():
        assert reverse(f"api:{pattern.name}") == path


def test_documented_parameters_are_the_ones_each_view_takes():
    doc = openapi.document()
    for path, pattern in routes().items():
        params = [p["name"] for p in doc["paths"][path]["get"].get("parameters", [])]
        assert len(params) == len(set(params)), path
        if pattern.name == "openapi":
            assert params == []
            continue
        assert set(params) == set(views.PARAMS[pattern.name.removeprefix("stats_")]), path


def test_document_is_valid_json_and_refs_resolve(client):
    doc = client.get(reverse("api:openapi")).json()
    assert doc["openapi"].startswith("3.1")
    text = json.dumps(doc)
    for ref in {r.split('"')[0] for r in text.split('"$ref": "')[1:]}:
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict)
    for path, item in doc["paths"].items():
        op = item["get"]
        assert op["operationId"] and op["summary"] and "200" in op["responses"], path
        for p in op.get("parameters", []):
            assert p["in"] == "query" and p["description"] and "schema" in p, (path, p["name"])


def test_unknown_parameter_is_refused_with_the_documented_list(client, staff_user):
    client.force_login(staff_user)
    r = client.get(reverse("api:stats_projection"), {"horizn": "30"})
    assert r.status_code == 400
    assert "horizon" in r.json()["error"] and r.json()["parameter"] == "horizn"
