"""Fixtures for the web pages and the admin: reference rows and a person with a full history."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from volia.registry import services
from volia.registry.models import Facility, Organization, Source


@pytest.fixture
def facility(db) -> Facility:
    return Facility.objects.get_or_create(code="test-sizo-1", defaults={
        "kind": "sizo", "name_en": "Test SIZO No. 1", "region": "minsk_city"})[0]


@pytest.fixture
def colony(db) -> Facility:
    return Facility.objects.get_or_create(code="test-ik-3", defaults={
        "kind": "colony", "regime": "enhanced", "name_en": "Test Penal Colony No. 3"})[0]


@pytest.fixture
def ngo(db) -> Organization:
    return Organization.objects.get_or_create(code="test-ngo", defaults={"name_en": "Test Rights Centre"})[0]


@pytest.fixture
def news(db) -> Source:
    return Source.objects.create(title="Test News 2021-07-15", kind="news", url="https://news.example/a/1",
                                 visibility="public")


@pytest.fixture
def verdict(db) -> Source:
    return Source.objects.create(title="Verdict of the test court", kind="court", visibility="public")


@pytest.fixture
def family_source(db) -> Source:
    return Source.objects.create(title="Told by his wife Iryna Testava", kind="family",
                                 url="https://private.example/family")


@pytest.fixture
def full_history(make_person, facility, colony, ngo, news, verdict, family_source):
    """A public person with aliases and a detained → sentenced → transferred → released history."""
    person = make_person(
        "p-full", "Алесь Тэставы", language="be", sex="m", birth_date="1962-08", region="minsk_city",
        groups=["journalist", "hrd"], visibility="public",
        events=[
            ("detained", "2021-07-14", {"facility": facility, "sources": [news]}),
            ("recognized", "2021-07-20", {"organization": ngo, "sources": [news]}),
            ("sentenced", "2023-03-03", {"details": {"articles": ["342:1", "361-1"],
                                                     "sentence_kind": "colony_enhanced",
                                                     "sentence_months": 120},
                                         "sources": [verdict]}),
            ("transferred", "2023-05", {"facility": colony, "confidence": "reported",
                                        "sources": [family_source], "note": "STAFF-ONLY-NOTE"}),
            ("released", "2025-09-11", {"details": {"release_kind": "pardon", "deported": True},
                                        "sources": [news]}),
        ])
    actor = services.Actor("test:editor")
    services.add_name(person, "Алесь Тестовый", "ru", kind="official", actor=actor)
    services.add_name(person, "Ales Testavy", "en", kind="transliteration", actor=actor)
    return person


class FormFields(HTMLParser):
    """The values a browser would submit from the first form of a page (for admin POSTs)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "image", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            # Django renders a newline right after <textarea>, which browsers drop
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] else data


def form_data(html: str) -> dict[str, str]:
    form = re.search(r"<form[^>]*id=\"\w+_form\".*?</form>", html, re.S)
    parser = FormFields()
    parser.feed(form.group(0) if form else html)
    return parser.data
