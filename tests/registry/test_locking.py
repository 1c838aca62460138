"""Optimistic locking: an edit based on an old version of a person is refused, never applied silently."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from volia.interchange.importer import Importer
from volia.registry import services
from volia.registry.models import AuditEntry, Event, Person, PersonName


def stored_version(person) -> int:
    return Person.objects.values_list("version", flat=True).get(pk=person.pk)


def test_every_change_raises_the_version(make_person, actor):
    p = make_person("lock-1", "Алесь Замок")
    assert stored_version(p) == 1
    e = services.record_event(p, "detained", "2021-01-05", actor=actor, expected_version=1)
    assert p.version == stored_version(p) == 2
    services.add_name(p, "Ales Zamok", actor=actor, expected_version=2)
    e = services.correct_event(e, actor=actor, reason="typo in the date", date="2021-01-06", expected_version=3)
    services.retract_event(e, actor=actor, reason="wrong person", expected_version=4)
    services.update_person(p, {"region": "minsk_city"}, actor=actor, expected_version=5)
    assert p.version == stored_version(p) == 6


def test_an_edit_from_an_old_version_is_refused_and_names_who_changed_it(make_person, actor):
    p = make_person("lock-2", "Алесь Замок")
    opened = p.version
    services.update_person(p, {"sex": "m"}, actor=services.Actor("test:first"), reason="from the court list")
    with pytest.raises(services.ConflictError) as err:
        services.update_person(p, {"sex": "f"}, actor=services.Actor("test:second"), expected_version=opened)
    assert "lock-2 was changed by test:first at " in str(err.value) and "reload" in str(err.value)
    assert Person.objects.get(pk=p.pk).sex == "m"
    with pytest.raises(services.ConflictError):
        services.record_event(p, "detained", "2021-01-05", actor=actor, expected_version=opened)
    with pytest.raises(services.ConflictError):
        services.add_name(p, "Ales", actor=actor, expected_version=opened)
    assert not Event.objects.filter(person=p).exists()
    assert not PersonName.objects.filter(person=p, text="Ales").exists()


def test_a_refused_or_invalid_change_leaves_the_version_and_the_instance_alone(make_person, actor):
    p = make_person("lock-3", "Алесь Замок")
    with pytest.raises(ValidationError):
        services.record_event(p, "released", "2021-01-05", actor=actor, details={"release_kind": "nonsense"})
    with pytest.raises(ValidationError):
        services.update_person(p, {"region": "atlantis"}, actor=actor)
    assert p.version == stored_version(p) == 1


def test_an_update_that_changes_nothing_is_not_a_change(make_person, actor):
    p = make_person("lock-4", "Алесь Замок", sex="m")
    services.update_person(p, {"sex": "m"}, actor=actor, expected_version=1)
    assert stored_version(p) == 1
    assert not AuditEntry.objects.filter(action="update_person").exists()


def test_update_person_never_writes_restricted_values_into_the_audit(make_person, actor):
    p = make_person("lock-5", "Алесь Замок")
    services.update_person(p, {"notes": "mother's phone +375 29 111 22 33", "birth_date": "1990-05"},
                           actor=actor, reason="from the family")
    entry = AuditEntry.objects.get(action="update_person")
    assert entry.changes["notes"] == {"before": "(restricted)", "after": "(restricted)"}
    assert entry.changes["birth_date"] == {"before": "", "after": "1990-05"}
    assert "+375" not in str(entry.changes)
    assert Person.objects.get(pk=p.pk).notes == "mother's phone +375 29 111 22 33"


def test_update_person_refuses_unknown_fields(make_person, actor):
    p = make_person("lock-6", "Алесь Замок")
    with pytest.raises(ValidationError, match="cannot change key"):
        services.update_person(p, {"key": "other"}, actor=actor)


def test_an_import_raises_the_version_of_the_people_it_changes(make_person, actor):
    p = make_person("lock-7", "Алесь Замок")
    q = make_person("lock-8", "Алесь Спакойны")
    rows = [(2, {"person": "lock-7", "name": "Алесь Замок", "event": "detained", "date": "2021-03-01"}),
            (3, {"person": "lock-9", "name": "Новы Чалавек", "event": "detained", "date": "2021-03-01"})]
    assert Importer("inline.csv", actor=actor).run(rows, []).ok
    assert stored_version(p) == 2 and stored_version(q) == 1
    assert Person.objects.get(key="lock-9").version == 1
    with pytest.raises(services.ConflictError, match="changed by test:editor"):
        services.update_person(p, {"sex": "m"}, actor=actor, expected_version=1)


@pytest.mark.django_db(transaction=True)
def test_two_editors_submit_from_the_same_version_one_wins_the_other_is_refused(make_person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; this race needs PostgreSQL")
    person = make_person("race-lock", "Алесь Гонка", events=[("detained", "2021-01-01")])
    opened = Person.objects.get(pk=person.pk).version
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(who: str, etype: str, date: str, details: dict) -> None:
        try:
            mine = Person.objects.get(pk=person.pk)  # each editor loaded the page at version `opened`
            barrier.wait()
            services.record_event(mine, etype, date, actor=services.Actor(f"test:{who}"), details=details,
                                  reason=f"{who}'s edit", expected_version=opened)
            outcomes[who] = "saved"
        except BaseException as exc:
            outcomes[who] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=("anna", "released", "2022-01-01", {"release_kind": "pardon"})),
               threading.Thread(target=edit, args=("boris", "released", "2022-02-01", {"release_kind": "amnesty"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [w for w, o in outcomes.items() if o == "saved"]
    refused = [o for o in outcomes.values() if isinstance(o, services.ConflictError)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    winner = saved[0]
    assert f"changed by test:{winner}" in str(refused[0])
    # nothing silently lost: exactly the winner's release is stored, and the loser was told
    releases = Event.objects.filter(person=person, type="released")
    assert releases.count() == 1
    assert AuditEntry.objects.filter(person=person, action="record_event", actor=f"test:{winner}").count() == 1
    assert Person.objects.get(pk=person.pk).version == opened + 1
    assert services.check_projections() == []
