"""The admin: everything opens for staff; events, audit, imports and projections are view-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volia.registry import services
from volia.registry.models import (
    AuditEntry,
    Case,
    CriminalArticle,
    CustodyEpisode,
    Event,
    Facility,
    ImportBatch,
    Official,
    Organization,
    Person,
    PersonName,
    Source,
    StatusPeriod,
)

from .conftest import form_data

pytestmark = pytest.mark.django_db

EDITABLE = [Source, Facility, Organization, CriminalArticle, Official, Case]
VIEW_ONLY = [Event, AuditEntry, ImportBatch]


def url(model, action: str, *args) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_{action}", args=args)


def test_every_page_opens(admin_client, full_history):
    Official.objects.create(name="Judge Test", role="judge")
    Case.objects.create(number="TEST-1")
    ImportBatch.objects.create(file_name="f.csv", file_sha256="0" * 64, actor="test",
                               started_at=full_history.created_at)
    for model in [Person, *EDITABLE, *VIEW_ONLY]:
        assert admin_client.get(url(model, "changelist")).status_code == 200, model
        obj = model.objects.first()
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200, model
    for model in [Person, *EDITABLE]:
        assert admin_client.get(url(model, "add")).status_code == 200, model
    for q in ("Тэставы", "p-full", "Ales"):
        r = admin_client.get(url(Event, "changelist"), {"q": q})
        assert r.status_code == 200 and r.context["cl"].result_count == 5
    r = admin_client.get(url(Event, "changelist"), {"type__exact": "released", "is_current__exact": "1",
                                                    "confidence__exact": "confirmed"})
    assert r.context["cl"].result_count == 1


def test_view_only_models_refuse_changes(admin_client, full_history):
    event = Event.objects.filter(person=full_history).first()
    assert admin_client.get(url(Event, "add")).status_code == 403
    assert admin_client.post(url(Event, "change", event.pk), {"confidence": "disputed"}).status_code == 403
    assert admin_client.post(url(Event, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.confidence == "confirmed"
    html = admin_client.get(url(Event, "change", event.pk)).content.decode()
    assert "Test News 2021-07-15" in html  # the sources are shown
    request = admin_client.get("/admin/").wsgi_request
    for model in VIEW_ONLY:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.has_view_permission(request)


def test_projections_are_never_editable(admin_client, full_history):
    assert CustodyEpisode not in admin.site._registry
    assert StatusPeriod not in admin.site._registry
    request = admin_client.get("/admin/").wsgi_request
    for model_admin in admin.site._registry.values():
        for inline in model_admin.get_inline_instances(request, None):
            if inline.model in (CustodyEpisode, StatusPeriod, Event):
                assert not inline.has_add_permission(request, full_history)
                assert not inline.has_change_permission(request, full_history)
                assert not inline.has_delete_permission(request, full_history)


def test_person_page_shows_timeline_with_superseded_events(admin_client, full_history):
    sentenced = Event.objects.get(person=full_history, type="sentenced")
    services.correct_event(sentenced, actor=services.Actor("test"), reason="typo", details={
        "sentence_kind": "colony_enhanced", "sentence_months": 96})
    html = admin_client.get(url(Person, "change", full_history.pk)).content.decode()
    assert "still held" not in html  # the episode ended with the release
    events = html[html.index('id="events-heading"'):html.index('id="episodes-heading"')]
    assert events.index("2021-07-14") < events.index("2023-03-03") < events.index("2025-09-11")
    assert events.count("<p>superseded</p>") == 1 and events.count("<p>current</p>") == 5


def test_person_change_saves_names_and_refuses_two_primary_names(admin_client, full_history):
    change = url(Person, "change", full_history.pk)
    data = form_data(admin_client.get(change).content.decode())
    n = int(data["names-TOTAL_FORMS"])
    data.update({f"names-{n}-text": "Alies Testavy", f"names-{n}-language": "pl",
                 f"names-{n}-kind": "press", "names-TOTAL_FORMS": str(n + 1)})
    r = admin_client.post(change, data)
    assert r.status_code == 302, r.context and [f.errors for f in r.context["inline_admin_formsets"]]
    added = PersonName.objects.get(person=full_history, text="Alies Testavy")
    assert added.script == "Latn" and not added.is_primary

    data = form_data(admin_client.get(change).content.decode())
    n = int(data["names-TOTAL_FORMS"])
    data.update({f"names-{n}-text": "Second Primary", f"names-{n}-language": "en",
                 f"names-{n}-kind": "alias", f"names-{n}-is_primary": "on", "names-TOTAL_FORMS": str(n + 1)})
    r = admin_client.post(change, data)
    assert r.status_code == 200
    assert "at most one primary name" in r.content.decode()
    assert not PersonName.objects.filter(text="Second Primary").exists()


def test_people_cannot_be_deleted_in_admin(admin_client, full_history):
    assert admin_client.post(url(Person, "delete", full_history.pk), {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=full_history.pk).exists()


def test_event_list_query_count_does_not_grow(admin_client, make_person, facility):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url(Event, "changelist")).status_code == 200
        return len(ctx.captured_queries)

    make_person("a1", "Адзін", events=[("detained", "2021-01-01", {"facility": facility})])
    few = count()
    for i in range(10):
        make_person(f"b{i}", f"Асоба {i}", events=[("detained", "2021-01-01", {"facility": facility}),
                                                   ("released", "2021-02-01",
                                                    {"details": {"release_kind": "other"}})])
    assert count() == few


def test_staff_without_permissions_cannot_open_the_registry(client, staff_user, full_history):
    client.force_login(staff_user)
    assert client.get(url(Person, "changelist")).status_code == 403
    assert client.get(url(Event, "change", Event.objects.first().pk)).status_code == 403



def test_admin_edits_of_people_are_audited(admin_client, full_history):
    change = url(Person, "change", full_history.pk)
    data = form_data(admin_client.get(change).content.decode())
    data["visibility"] = "restricted"
    n = int(data["names-TOTAL_FORMS"])
    data.update({f"names-{n}-text": "Alies Audit", f"names-{n}-language": "pl",
                 f"names-{n}-kind": "press", "names-TOTAL_FORMS": str(n + 1)})
    r = admin_client.post(change, data)
    assert r.status_code == 302
    entries = {e.action: e for e in AuditEntry.objects.filter(person=full_history, action__startswith="admin_")}
    changed = AuditEntry.objects.get(person=full_history, action="update_person")
    assert changed.changes == {"visibility": {"before": "public", "after": "restricted"}}
    assert changed.actor == "admin"
    assert entries["admin_add"].object_type == "PersonName" and "Alies Audit" in entries["admin_add"].changes["value"]
