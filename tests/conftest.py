"""Shared fixtures: named personas and small builders for people and their histories."""

from __future__ import annotations

import pytest

from volia.registry import services


@pytest.fixture
def actor() -> services.Actor:
    return services.Actor("test:editor")


@pytest.fixture
def make_person(db, actor):
    """make_person("key", "Name", events=[("detained", "2021-03-01", {...}), ...])."""

    def make(key: str = "p1", name: str = "Алесь Тэставы", events=(), **attrs):
        person = services.create_person(key, name, actor=actor, **attrs)
        for ev in events:
            etype, date, *rest = ev
            kwargs = rest[0] if rest else {}
            services.record_event(person, etype, date, actor=actor, **kwargs)
        return person

    return make


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_user("editor", password="x-long-test-password", is_staff=True)
