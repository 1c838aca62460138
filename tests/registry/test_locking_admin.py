"""The admin edits people through update_person: a page opened before somebody else's change is refused."""

import pytest
from django.urls import reverse

from tests.web.conftest import form_data
from volia.registry import services
from volia.registry.models import AuditEntry, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model, settings):
    settings.VOLIA_REQUIRE_2FA = False  # the second factor has its own tests (tests/accounts)
    client.force_login(django_user_model.objects.create_superuser("admin", password="x-long-test-password"))
    return client


@pytest.fixture
def admin_page(admin_client, make_person):
    person = make_person("adm-lock", "Алесь Адмін", sex="m", birth_date="1980")
    change = reverse("admin:registry_person_change", args=[person.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    return person, change, form_data(response.content.decode())


def test_admin_change_goes_through_the_service(admin_client, admin_page):
    person, change, data = admin_page
    assert data["expected_version"] == "1" and data["birth_date"] == "1980"
    data.update({"region": "grodno", "birth_date": "1980-04", "notes": "restricted: lawyer says"})
    assert admin_client.post(change, data).status_code == 302
    stored = Person.objects.get(pk=person.pk)
    assert (stored.region, str(stored.birth_date), stored.notes, stored.version) == (
        "grodno", "1980-04", "restricted: lawyer says", 2)
    entry = AuditEntry.objects.get(person=person, action="update_person")
    assert entry.actor == "admin" and entry.changes["notes"] == {"before": "(restricted)", "after": "(restricted)"}
    assert set(entry.changes) == {"region", "birth_date", "notes"}


def test_admin_change_from_a_stale_page_is_refused(admin_client, admin_page, actor):
    person, change, data = admin_page
    services.update_person(person, {"region": "brest"}, actor=services.Actor("test:colleague"))
    data["region"] = "grodno"
    response = admin_client.post(change, data)
    assert response.status_code == 200  # the form again, with the error
    assert "changed by test:colleague" in response.content.decode()
    assert Person.objects.get(pk=person.pk).region == "brest"


def test_inline_name_edits_raise_the_version(admin_client, admin_page):
    person, change, data = admin_page
    n = int(data["names-TOTAL_FORMS"])
    data.update({f"names-{n}-text": "Ales Admin", f"names-{n}-language": "en", f"names-{n}-kind": "press",
                 "names-TOTAL_FORMS": str(n + 1)})
    assert admin_client.post(change, data).status_code == 302
    assert Person.objects.get(pk=person.pk).version == 2
    assert AuditEntry.objects.filter(person=person, action="admin_add").exists()


def test_person_page_shows_its_audit_trail(admin_client, admin_page):
    _, change, _ = admin_page
    html = admin_client.get(change).content.decode()
    assert "Latest changes" in html and "create_person" in html and "test:editor" in html
