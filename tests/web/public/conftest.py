"""Fixtures for the public portal: a small registry with public, internal and restricted people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from volia.registry import services
from volia.registry.models import Facility, Organization, Source


@pytest.fixture(autouse=True)
def fresh_cache(settings, tmp_path):
    """Each test its own page cache, so that no test sees another's pages."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": str(tmp_path)}}
    cache.clear()
    _forget_in_process()
    yield
    cache.clear()
    _forget_in_process()


def _forget_in_process() -> None:
    from volia.web.public import cache as public_cache
    from volia.web.public import fastpath

    fastpath.memory.clear()
    public_cache._values.clear()


@pytest.fixture
def prison(db) -> Facility:
    return Facility.objects.create(
        code="test-ik-9", kind="colony", regime="strict", name_en="Test Colony No. 9", name_ru="ИК-9 (тест)",
        name_be="ПК-9 (тэст)", region="grodno", postal_address_ru="231000, г. Тестоград, ул. Тестовая, 1, ИК-9",
        postal_address_be="231000, г. Тэстаград, вул. Тэставая, 1, ПК-9")


@pytest.fixture
def rights_group(db) -> Organization:
    return Organization.objects.create(code="test-rights", name_en="Test Rights Centre")


@pytest.fixture
def public_source(db) -> Source:
    return Source.objects.create(title="Public news item", kind="news", url="https://news.example/p/1",
                                 visibility="public")


def _soon(today: dt.date) -> dt.date:
    """A day 5 to 8 days ahead whose day of the month exists in every month and year (1 to 28)."""
    day = today + dt.timedelta(days=5)
    while day.day > 28:
        day += dt.timedelta(days=1)
    return day


def _born_60_years_before(day: dt.date) -> str:
    return day.replace(year=day.year - 60).isoformat()


@pytest.fixture
def registry(make_person, prison, rights_group, public_source):
    """Five held people (two public, one internal, one restricted, one public born today), one released."""
    today = dt.date.today()
    held = [("detained", "2021-03-01", {"facility": prison, "sources": [public_source]}),
            ("recognized", "2021-03-10", {"organization": rights_group, "sources": [public_source]}),
            ("sentenced", "2022-01-10", {"details": {"articles": ["342:1"], "sentence_kind": "colony_strict",
                                                     "sentence_months": 60}, "sources": [public_source]})]
    actor = services.Actor("test:editor")
    people = {
        "ales": make_person("pub-ales", "Алесь Бяляцкі", language="be", visibility="public", region="minsk_city",
                            groups=["hrd"], birth_date=_born_60_years_before(_soon(today)), events=held),
        "maria": make_person("pub-maria", "Марыя Калеснікава", language="be", visibility="public",
                             region="minsk_city", events=held),
        "hidden": make_person("int-ivan", "Іван Схаваны", language="be", visibility="internal", events=held),
        "secret": make_person("res-olga", "Вольга Сакрэтная", language="be", visibility="restricted", events=held),
        "freed": make_person("pub-freed", "Пятро Вольны", language="be", visibility="public", events=[
            *held, ("released", "2024-05-05", {"details": {"release_kind": "pardon"}, "sources": [public_source]})]),
    }
    services.add_name(people["ales"], "Алесь Беляцкий", "ru", kind="official", actor=actor)
    services.add_name(people["ales"], "Ales Bialiatski", "en", kind="transliteration", actor=actor)
    return people
