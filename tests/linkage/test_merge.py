"""Merging two records of one person, and undoing it exactly."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from volia.interchange import exporter
from volia.linkage import services as linkage
from volia.linkage.models import Merge
from volia.registry import services
from volia.registry.models import AuditEntry, Charge, Event, EventSource, Person, PersonName, Source, StatusPeriod


def export_rows() -> list[dict]:
    return list(exporter.iter_rows())


def state() -> dict:
    """Everything a merge touches, as plain values."""
    return {
        "people": sorted(Person.objects.values_list("id", "key", "sex", "region", "birth_precision", "birth_earliest",
                                                    "merged_into_id")),
        "names": sorted(PersonName.objects.values_list("id", "person_id", "text", "language", "is_primary")),
        "events": sorted(Event.objects.values_list("id", "person_id", "is_current")),
        "charges": sorted(Charge.objects.values_list("id", "person_id", "event_id")),
        "links": sorted(EventSource.objects.values_list("event_id", "source_id")),
        "periods": sorted(StatusPeriod.objects.values_list("person_id", "status", "start", "end")),
    }


@pytest.fixture
def pair(make_person, actor):
    """Two records of one man: one from a Belarusian list, one from a Russian-language one."""
    a = make_person("a-1", "Сяргей Іваноў", sex="m", region="brest", groups=["journalist"],
                    events=[("detained", "2021-03-02", {"note": "List A"})])
    src_b = Source.objects.create(title="List B")
    b = make_person("b-7", "Сергей Иванов", birth_date="1984-05", events=[
        ("detained", "2021-03-02", {"note": "List A", "sources": [src_b]}),
        ("charged", "2021-04", {"details": {"articles": ["342:1"]}}),
        ("sentenced", "2021-09-20", {"details": {"articles": ["342:1"], "sentence_kind": "colony_general",
                                                 "sentence_months": 24}}),
    ])
    services.add_name(b, "Siarhei Ivanou", "be", "transliteration", actor=actor)
    return a, b


@pytest.mark.django_db
def test_merge_moves_names_events_and_fills_blanks(pair, actor):
    a, b = pair
    merge = linkage.merge_people(a, b, actor=actor, reason="same birth, same case")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert set(a.names.values_list("text", flat=True)) == {"Сяргей Іваноў", "Сергей Иванов", "Siarhei Ivanou"}
    assert a.names.filter(is_primary=True).get().text == "Сяргей Іваноў"
    # the detention both recorded stays on b, its source is linked to a's copy; the others moved
    assert set(a.events.filter(is_current=True).values_list("type", flat=True)) == {"detained", "charged",
                                                                                   "sentenced"}
    assert a.events.get(type="detained").sources.filter(title="List B").exists()
    assert list(b.events.values_list("type", flat=True)) == ["detained"]
    assert Charge.objects.filter(person=b).count() == 0 and Charge.objects.filter(person=a).count() == 2
    assert str(a.birth_date) == "1984-05" and a.sex == "m" and a.region == "brest"
    assert a.sentences.count() == 1
    assert services.check_projections() == []
    assert AuditEntry.objects.filter(action="merge_person", person=a).exists()
    assert AuditEntry.objects.filter(action="merged_into", person=b).exists()
    assert merge.moved["duplicate_events"]


@pytest.mark.django_db
def test_unmerge_restores_exactly_the_state_before(pair, actor):
    a, b = pair
    before_export, before = export_rows(), state()
    merge = linkage.merge_people(a, b, actor=actor, reason="looked alike")
    assert export_rows() != before_export
    linkage.unmerge(merge, actor=actor, reason="different fathers' names in the court record")
    assert export_rows() == before_export
    assert state() == before
    assert services.check_projections() == []
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == actor.label
    with pytest.raises(ValidationError, match="already undone"):
        linkage.unmerge(merge, actor=actor, reason="again")


@pytest.mark.django_db
def test_unmerge_takes_back_corrections_made_after_the_merge(pair, actor):
    a, b = pair
    merge = linkage.merge_people(a, b, actor=actor, reason="same")
    charged = a.events.get(type="charged", is_current=True)
    services.correct_event(charged, actor=actor, reason="court record", date="2021-04-12")
    linkage.unmerge(merge, actor=actor, reason="not the same")
    b.refresh_from_db()
    assert b.events.get(type="charged", is_current=True).date_earliest.isoformat() == "2021-04-12"
    assert not a.events.filter(type="charged").exists()
    assert services.check_projections() == []


@pytest.mark.django_db
def test_refusals(pair, make_person, actor):
    a, b = pair
    with pytest.raises(ValidationError, match="into itself"):
        linkage.merge_people(a, a, actor=actor, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        linkage.merge_people(a, b, actor=actor, reason=" ")
    c = make_person("c-1", "Іван Казлоў")
    linkage.merge_people(a, b, actor=actor, reason="same")
    with pytest.raises(ValidationError, match="already merged"):
        linkage.merge_people(c, b, actor=actor, reason="x")
    with pytest.raises(ValidationError, match="was merged into"):
        linkage.merge_people(b, c, actor=actor, reason="x")
    assert Merge.objects.count() == 1


@pytest.mark.django_db
def test_merge_that_makes_an_impossible_history_is_refused_whole(make_person, actor):
    a = make_person("a", "Павел Лапін", events=[("detained", "2021-01-10"), ("released", "2021-02-01",
                                                                              {"details": {"release_kind":
                                                                                           "sentence_served"}})])
    b = make_person("b", "Павел Лапин", events=[("detained", "2021-01-20"), ("died_in_custody", "2021-01-25")])
    before = state()
    with pytest.raises(ValidationError):
        linkage.merge_people(a, b, actor=actor, reason="same")
    assert state() == before
    assert not Merge.objects.exists()
