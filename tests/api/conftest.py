from __future__ import annotations

import pytest

from volia.registry.models import Facility, Organization

from . import known as known_data


@pytest.fixture
def known(make_person, db) -> dict[str, int]:
    ngo = Organization.objects.get_or_create(code="test-ngo", defaults={"name_en": "Test Rights Centre"})[0]
    facility = Facility.objects.get_or_create(code="test-sizo-1", defaults={
        "kind": "sizo", "name_en": "Test SIZO No. 1", "region": "minsk_city"})[0]
    return known_data.build(make_person, ngo, facility)


@pytest.fixture
def volunteer(db, django_user_model):
    return django_user_model.objects.create_user("volunteer", password="x-long-test-password")
