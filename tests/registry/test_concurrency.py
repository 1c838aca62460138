"""Two writers on one person's history at the same moment (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections

from volia.registry import services
from volia.registry.models import Event


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_on_one_person_keep_projections_exact(make_person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; this race needs PostgreSQL")
    person = make_person("race-1", "Алесь Гонка", events=[("detained", "2021-01-01")])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(etype: str, date: str, details: dict) -> None:
        try:
            barrier.wait()
            services.record_event(person, etype, date, actor=services.Actor(f"test:{etype}"), details=details)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=("released", "2022-01-01", {"release_kind": "pardon"})),
               threading.Thread(target=write, args=("detained", "2023-05-01", {}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Event.objects.filter(person=person).count() == 3
    assert services.check_projections() == []
    assert person.episodes.count() == 2
