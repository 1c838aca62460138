"""The person workspace: the full history, and adding, correcting and retracting events through it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.web.conftest import form_data
from volia.registry import services
from volia.registry.models import AccessLog, AuditEntry, Event, Person, Source

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def add_url(person) -> str:
    return reverse("staff:add_event", args=[person.key])


def base_post(person, **fields) -> dict:
    data = {"type": "contact", "date": "2024-02-03", "confidence": "confirmed", "expected_version": person.version,
            "contact_kind": "letter", "new-TOTAL_FORMS": "2", "new-INITIAL_FORMS": "0", "new-MIN_NUM_FORMS": "0",
            "new-MAX_NUM_FORMS": "5", "new-0-kind": "news", "new-0-visibility": "internal", "new-1-kind": "news",
            "new-1-visibility": "internal"}
    data.update(fields)
    return data


def test_the_workspace_shows_names_status_and_the_sourced_timeline(editor, held):
    html = editor.get(reverse("staff:person", args=[held.key])).content.decode()
    t = text(html)
    assert "Алесь Працоўны" in t and "Ales Pracouny" in t and "Transliteration" in t
    assert "status-held" in html and "version " + str(held.version) in t
    assert "Detained" in t and "Staff SIZO 1" in t and "Reported" in t
    assert '<a href="https://news.example/s/1" rel="noopener noreferrer nofollow external">Staff News 2021-07-15</a>' \
           in html
    assert "by test:editor" in t
    assert html.count(">Correct</a>") == 2 and html.count(">Retract</a>") == 2


def test_add_an_event_with_existing_and_new_sources_in_one_form(editor, held, news):
    other = Source.objects.create(title="Court press release 12", kind="court")
    form = editor.get(add_url(held)).content.decode()
    assert f'value="{held.version}"' in form and 'name="expected_version"' in form
    assert news.title in form  # the person's sources are offered as ticks
    r = editor.post(add_url(held), base_post(
        held, sources=[news.pk], other_sources="Court press release 12\n", reason="letter to his mother",
        **{"new-0-title": "Letter seen by Viasna", "new-0-url": "https://spring96.example/l/1",
           "new-0-kind": "family", "new-0-visibility": "restricted"}))
    assert r.status_code == 302
    event = Event.objects.get(person=held, type="contact")
    assert r["Location"].endswith(f"#event-{event.pk}")
    assert event.details == {"contact_kind": "letter"} and str(event.date) == "2024-02-03"
    assert sorted(s.title for s in event.sources.all()) == sorted([news.title, other.title, "Letter seen by Viasna"])
    created = Source.objects.get(title="Letter seen by Viasna")
    assert (created.kind, created.visibility, created.url) == ("family", "restricted", "https://spring96.example/l/1")
    assert AuditEntry.objects.filter(action="create_source", object_id=created.pk).exists()
    entry = AuditEntry.objects.get(action="record_event", object_id=event.pk)
    assert entry.actor == "editor-persona" and entry.reason == "letter to his mother"
    held.refresh_from_db()
    page = editor.get(reverse("staff:person", args=[held.key])).content.decode()
    assert f"Recorded event #{event.pk}" in page and "Letter received from the person" in page


def test_service_errors_are_shown_next_to_their_fields_and_nothing_is_written(editor, held):
    sources_before = Source.objects.count()
    r = editor.post(add_url(held), base_post(held, type="sentenced", date="2023-13-01", days="5",
                                             **{"new-0-title": "Would-be source"}))
    assert r.status_code == 200
    html = r.content.decode()
    date_field = html[html.index('id="id_date"'):html.index('id="id_facility"')]
    assert "not a date" in date_field or "2023-13-01" in date_field
    r = editor.post(add_url(held), base_post(held, type="sentenced", date="2023-03-01", days="5",
                                             contact_kind="", **{"new-0-title": "Would-be source"}))
    html = r.content.decode()
    sentence_kind = html[html.index('for="id_sentence_kind"'):html.index('for="id_sentence_months"')]
    assert "required for &#x27;sentenced&#x27; events" in sentence_kind
    days = html[html.index('for="id_days"'):html.index('for="id_place"')]
    assert "&#x27;sentenced&#x27; events do not take days" in days
    # screen readers hear the error with the field
    assert 'aria-invalid="true" aria-describedby="id_days_helptext id_days_error"' in days
    assert '<ul class="errorlist" id="id_days_error">' in days
    assert Event.objects.filter(person=held, type="sentenced").count() == 0
    assert Source.objects.count() == sources_before  # the new source went with the refused event
    # what the editor typed is kept
    assert form_data(html)["new-0-title"] == "Would-be source" and form_data(html)["days"] == "5"


def test_an_impossible_history_is_refused_with_the_reason(editor, held):
    r = editor.post(add_url(held), base_post(held, type="released", date="2021-01-01", contact_kind="",
                                             release_kind="pardon"))
    assert r.status_code == 200 and "form-errors" in r.content.decode()
    assert not Event.objects.filter(person=held, type="released").exists()


def test_a_correction_keeps_the_old_event_superseded_and_greyed(editor, held):
    detained = Event.objects.get(person=held, type="detained")
    url = reverse("staff:correct_event", args=[held.key, detained.pk])
    data = form_data(editor.get(url).content.decode())
    assert data["date"] == "2021-07-14" and data["type"] == "detained" and data["expected_version"] == str(held.version)
    data.update({"date": "2021-07-13", "place": "Minsk, at home", "new-TOTAL_FORMS": "2"})
    r = editor.post(url, data)  # without a reason
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required." in html[html.index('for="id_reason"'):]
    assert Event.objects.get(pk=detained.pk).is_current
    data["reason"] = "the verdict gives the 13th"
    r = editor.post(url, data)
    assert r.status_code == 302
    old = Event.objects.get(pk=detained.pk)
    new = old.superseded_by
    assert not old.is_current and new.is_current and str(new.date) == "2021-07-13"
    assert new.details == {"place": "Minsk, at home"}
    assert [s.title for s in new.sources.all()] == [s.title for s in old.sources.all()]
    html = editor.get(reverse("staff:person", args=[held.key])).content.decode()
    old_entry = html[html.index(f'id="event-{old.pk}"'):]
    assert old_entry.startswith(f'id="event-{old.pk}" class="ev-superseded"')
    assert f"superseded by <a href=\"#event-{new.pk}\">#{new.pk}</a>" in old_entry
    assert "the verdict gives the 13th" in html
    assert f'id="event-{new.pk}" class="ev-current"' in html


def test_a_stale_version_is_a_clear_conflict_and_nothing_is_saved(editor, held):
    stale = held.version
    services.record_event(held, "contact", "2024-01-01", details={"contact_kind": "call"},
                          actor=services.Actor("test:colleague"))  # somebody else, meanwhile
    held.refresh_from_db()
    assert held.version > stale
    r = editor.post(add_url(held), base_post(held, expected_version=stale))
    html = r.content.decode()
    assert r.status_code == 200 and "Nothing was saved" in html and "test:colleague" in html
    assert Event.objects.filter(person=held, type="contact").count() == 1
    # the form now carries the current version: submitting again is a deliberate choice
    assert form_data(html)["expected_version"] == str(held.version)
    r = editor.post(add_url(held), form_data(html) | {"new-TOTAL_FORMS": "2", "new-INITIAL_FORMS": "0"})
    assert r.status_code == 302 and Event.objects.filter(person=held, type="contact").count() == 2


def test_a_stale_correction_and_retraction_are_refused_too(editor, held):
    event = Event.objects.get(person=held, type="recognized")
    stale = held.version
    services.add_name(held, "Алесь Рабочий", "ru", actor=services.Actor("test:colleague"))
    r = editor.post(reverse("staff:retract_event", args=[held.key, event.pk]),
                    {"reason": "duplicate", "expected_version": stale})
    assert r.status_code == 200 and "Nothing was saved" in r.content.decode()
    data = form_data(editor.get(reverse("staff:correct_event", args=[held.key, event.pk])).content.decode())
    data.update({"expected_version": str(stale), "reason": "typo", "new-TOTAL_FORMS": "2"})
    r = editor.post(reverse("staff:correct_event", args=[held.key, event.pk]), data)
    assert r.status_code == 200 and "Nothing was saved" in r.content.decode()
    assert Event.objects.get(pk=event.pk).is_current


def test_retract_needs_a_reason_and_keeps_the_event_in_the_history(editor, held):
    event = Event.objects.get(person=held, type="recognized")
    url = reverse("staff:retract_event", args=[held.key, event.pk])
    r = editor.post(url, {"reason": "  ", "expected_version": held.version})
    assert r.status_code == 200 and "required" in r.content.decode()
    assert Event.objects.get(pk=event.pk).is_current
    r = editor.post(url, {"reason": "confused with his brother", "expected_version": held.version})
    assert r.status_code == 302
    event.refresh_from_db()
    assert not event.is_current and event.superseded_by.is_retraction
    html = editor.get(reverse("staff:person", args=[held.key])).content.decode()
    assert f'id="event-{event.pk}" class="ev-retracted"' in html and "confused with his brother" in html
    assert "1 retraction" in text(html)
    # a retracted event can be neither corrected nor retracted again
    r = editor.post(url, {"reason": "again", "expected_version": Person.objects.get(pk=held.pk).version})
    assert r.status_code == 200 and "only a current event" in r.content.decode()


def test_add_a_name(editor, held):
    r = editor.post(reverse("staff:add_name", args=[held.key]),
                    {"text": "Алесь Рабочы", "language": "be", "kind": "alias", "reason": "press",
                     "expected_version": held.version})
    assert r.status_code == 302
    assert held.names.filter(text="Алесь Рабочы", kind="alias").exists()
    r = editor.post(reverse("staff:add_name", args=[held.key]),
                    {"text": "Алесь Рабочы", "language": "be", "kind": "alias",
                     "expected_version": Person.objects.get(pk=held.pk).version})
    assert r.status_code == 200 and "already has the name" in r.content.decode()


def test_the_workspace_makes_no_query_per_event(editor, held, news, sizo):
    url = reverse("staff:person", args=[held.key])
    editor.get(url)
    with CaptureQueriesContext(connection) as small:
        assert editor.get(url).status_code == 200
    actor = services.Actor("test:editor")
    for day in range(1, 13):
        e = services.record_event(held, "contact", f"2024-03-{day:02d}", details={"contact_kind": "letter"},
                                  sources=[news], actor=actor)
        if day % 3 == 0:
            services.correct_event(e, actor=actor, reason="day", date=f"2024-04-{day:02d}")
        if day % 4 == 0:
            services.retract_event(e if day % 3 else e.superseded_by, actor=actor, reason="no")
    with CaptureQueriesContext(connection) as big:
        html = editor.get(url).content.decode()
    assert html.count("ev-superseded") >= 4 and html.count("ev-retracted") >= 3
    assert len(big) == len(small), "\n".join(q["sql"][:200] for q in big.captured_queries)
    assert len(small) <= 16


def test_a_merged_key_leads_to_its_survivor(editor, make_person):
    from volia.linkage import services as linkage

    a = make_person("st-a", "Сяргей Іваноў")
    b = make_person("st-b", "Сергей Иванов")
    linkage.merge_people(a, b, actor=services.Actor("test:editor"), reason="same man")
    r = editor.get(reverse("staff:person", args=["st-b"]))
    assert r.status_code == 302 and r["Location"] == reverse("staff:person", args=["st-a"])


def test_reading_a_restricted_person_is_logged(editor, make_person):
    make_person("st-r", "Схаваная Асоба", visibility="restricted")
    editor.get(reverse("staff:person", args=["st-r"]))
    log = AccessLog.objects.get(action="person.view")
    assert log.actor == "editor-persona" and log.detail["person"] == "st-r"


def test_custody_keeps_partial_dates_and_readable_endings(editor, make_person):
    make_person("st-p", "Частковая Дата", events=[
        ("detained", "2021-03"), ("released", "2022", {"details": {"release_kind": "pardon", "deported": True}})])
    html = text(editor.get(reverse("staff:person", args=["st-p"])).content.decode())
    assert "Criminal: 2021-03 – 2022 (Pardon), deported" in html
