"""Names edited in the Django admin reach the search index in the same transaction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.conftest import form_data
from volia.registry import services
from volia.registry.models import Person
from volia.search import index
from volia.search.service import search

pytestmark = pytest.mark.django_db


def keys_found(query: str) -> list[str]:
    keys = dict(Person.objects.values_list("id", "key"))
    return [keys[h.person_id] for h in search(query)]


def test_admin_name_edits_refresh_the_index(admin_client, actor):
    person = services.create_person("p1", "Ігар Лосік", actor=actor)
    services.add_name(person, "Ihar Losik", "", "transliteration", actor=actor)
    change = reverse("admin:registry_person_change", args=[person.pk])
    data = form_data(admin_client.get(change).content.decode())
    n = int(data["names-TOTAL_FORMS"])
    texts = {data[f"names-{i}-text"]: i for i in range(n)}
    # rename the primary name, delete the Latin one, add a press spelling
    data[f"names-{texts['Ігар Лосік']}-text"] = "Ігар Прывалаў"
    data[f"names-{texts['Ihar Losik']}-DELETE"] = "on"
    data.update({f"names-{n}-text": "Igor Swietlakow", f"names-{n}-language": "pl",
                 f"names-{n}-kind": "press", "names-TOTAL_FORMS": str(n + 1)})
    r = admin_client.post(change, data)
    assert r.status_code == 302, r.context and [f.errors for f in r.context["inline_admin_formsets"]]
    assert sorted(person.names.values_list("text", flat=True)) == ["Igor Swietlakow", "Ігар Прывалаў"]
    assert keys_found("Ihar Pryvalau") == ["p1"]
    assert keys_found("Ihar Sviatlakou") == ["p1"]
    assert keys_found("Losik") == []
    assert index.check() == []
