import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from volia.registry import services
from volia.registry.models import AuditEntry, CustodyEpisode, Event, Facility, Organization, StatusPeriod


@pytest.fixture
def viasna(db):
    return Organization.objects.get_or_create(code="viasna", defaults={"name_en": "Viasna"})[0]


def test_recording_events_keeps_projections_current(make_person, viasna):
    p = make_person(events=[("detained", "2021-07-14"), ("recognized", "2021-07-20", {"organization": viasna})])
    assert services.status_on(p, dt.date(2021, 7, 13)) == "unknown"
    assert services.status_on(p, dt.date(2021, 7, 14)) == "held"
    assert CustodyEpisode.objects.get(person=p).end_event is None
    actor = services.Actor("test")
    services.record_event(p, "released", "2025-09-11", actor=actor,
                          details={"release_kind": "pardon", "deported": True})
    assert services.status_on(p, dt.date(2025, 9, 10)) == "held"
    assert services.status_on(p, dt.date(2025, 9, 11)) == "exile"
    assert CustodyEpisode.objects.get(person=p).end_kind == "pardon"
    assert services.check_projections() == []


def test_impossible_event_is_rejected_and_nothing_is_written(make_person, actor):
    p = make_person(events=[("detained", "2021-07-14")])
    before = (Event.objects.count(), AuditEntry.objects.count(), list(StatusPeriod.objects.values_list()))
    with pytest.raises(ValidationError, match="not in custody"):
        services.record_event(p, "released", "2021-07-01", actor=actor, details={"release_kind": "pardon"})
    assert (Event.objects.count(), AuditEntry.objects.count(), list(StatusPeriod.objects.values_list())) == before


@pytest.mark.parametrize(("etype", "date", "kwargs", "field"), [
    ("released", "2021-08-01", {"details": {}}, "release_kind"),
    ("released", "2021-08-01", {"details": {"release_kind": "freed"}}, "release_kind"),
    ("detained", "2021-02-30", {}, "date"),
    ("detained", "2999-01-01", {}, "date"),
    ("detained", "2021-08-01", {"details": {"release_kind": "pardon"}}, "release_kind"),
    ("transferred", "2021-08-01", {}, "facility"),
    ("sentenced", "2021-08-01", {"details": {"sentence_kind": "prison", "sentence_months": "ten"}},
     "sentence_months"),
])
def test_validation_names_the_field(make_person, actor, etype, date, kwargs, field):
    p = make_person(events=[("detained", "2021-07-14")])
    with pytest.raises(ValidationError) as exc:
        services.record_event(p, etype, date, actor=actor, **kwargs)
    assert field in exc.value.message_dict


def test_correction_supersedes_and_keeps_history(make_person, actor):
    p = make_person(events=[("detained", "2021-07-14")])
    old = Event.objects.get(person=p)
    new = services.correct_event(old, actor=actor, reason="court record gives the 12th", date="2021-07-12")
    old.refresh_from_db()
    assert not old.is_current and new.is_current and new.supersedes == old
    assert services.status_on(p, dt.date(2021, 7, 12)) == "held"
    actions = [e.action for e in services.history(p)]
    assert actions == ["create_person", "record_event", "correct_event"]
    entry = services.history(new)[-1]
    assert entry.changes["before"]["date"] == "2021-07-14" and entry.changes["after"]["date"] == "2021-07-12"
    assert entry.reason == "court record gives the 12th"
    with pytest.raises(ValidationError):
        services.correct_event(old, actor=actor, reason="again", date="2021-07-13")
    assert services.check_projections() == []


def test_correction_that_breaks_the_history_is_refused(make_person, actor):
    p = make_person(events=[("detained", "2021-07-14"),
                            ("released", "2022-01-01", {"details": {"release_kind": "sentence_served"}})])
    det = Event.objects.get(person=p, type="detained")
    with pytest.raises(ValidationError, match="not in custody"):
        services.correct_event(det, actor=actor, reason="typo", date="2022-07-14")
    det.refresh_from_db()
    assert det.is_current and Event.objects.filter(person=p).count() == 2


def test_retraction(make_person, actor):
    p = make_person(events=[("detained", "2021-07-14")])
    ev = Event.objects.get(person=p)
    tomb = services.retract_event(ev, actor=actor, reason="wrong person")
    assert tomb.is_retraction and not tomb.is_current
    assert services.status_on(p, dt.date(2022, 1, 1)) == "unknown"
    assert Event.objects.filter(person=p).count() == 2  # nothing deleted
    assert services.check_projections() == []


def test_names_and_people(make_person, actor):
    p = make_person("k1", "Алесь Бяляцкі", sex="m", birth_date="1962-09", region="minsk_city", groups=["hrd"])
    assert p.names.get().language == "be" and p.birth_date is not None and str(p.birth_date) == "1962-09"
    services.add_name(p, "Алесь Беляцкий", actor=actor)
    services.add_name(p, "Ales Bialiatski", "en", kind="transliteration", actor=actor)
    assert sorted(p.names.values_list("language", flat=True)) == ["be", "en", "ru"]
    with pytest.raises(ValidationError):
        services.add_name(p, "Ales Bialiatski", "en", actor=actor)
    with pytest.raises(ValidationError, match="exists already"):
        services.create_person("k1", "Someone", actor=actor)
    with pytest.raises(ValidationError):
        services.create_person("k2", "Someone", actor=actor, birth_date="1962-02-30")


def test_check_detects_tampering_and_rebuild_repairs_it(make_person):
    p = make_person(events=[("detained", "2021-07-14")])
    CustodyEpisode.objects.filter(person=p).update(start_earliest=dt.date(2020, 1, 1))
    StatusPeriod.objects.filter(person=p).delete()
    problems = services.check_projections()
    assert len(problems) == 1 and f"person #{p.id}" in problems[0]
    assert services.rebuild_projections() == 1
    assert services.check_projections() == []


def test_transfer_uses_facility(make_person, actor):
    f = Facility.objects.create(code="ik-test", kind="colony", name_en="Test colony")
    p = make_person(events=[("detained", "2021-07-14")])
    ev = services.record_event(p, "transferred", "2022-01-01", actor=actor, facility=f)
    assert ev.facility == f
