"""Fixtures for the staff workspace: a person with a small sourced history, clients per persona."""

from __future__ import annotations

import pytest

from volia.registry import services
from volia.registry.models import Facility, Organization, Source


@pytest.fixture
def sizo(db) -> Facility:
    return Facility.objects.get_or_create(code="staff-sizo-1", defaults={"kind": "sizo", "name_en": "Staff SIZO 1"})[0]


@pytest.fixture
def ngo(db) -> Organization:
    return Organization.objects.get_or_create(code="staff-ngo", defaults={"name_en": "Staff Rights Centre"})[0]


@pytest.fixture
def news(db) -> Source:
    return Source.objects.create(title="Staff News 2021-07-15", kind="news", url="https://news.example/s/1",
                                 visibility="public")


@pytest.fixture
def held(make_person, sizo, ngo, news):
    """An internal person, detained and recognised, one report only 'reported'."""
    person = make_person("st-1", "Алесь Працоўны", language="be", sex="m", events=[
        ("detained", "2021-07-14", {"facility": sizo, "sources": [news]}),
        ("recognized", "2021-07-20", {"organization": ngo, "sources": [news], "confidence": "reported"}),
    ])
    services.add_name(person, "Ales Pracouny", "en", kind="transliteration", actor=services.Actor("test:editor"))
    person.refresh_from_db()
    return person


@pytest.fixture
def editor(client_for, editor_user):
    return client_for(editor_user)


@pytest.fixture
def researcher(client_for, researcher_user):
    return client_for(researcher_user)
