"""Fixtures for the search tests: a few people with the names a registry really holds."""

from __future__ import annotations

import pytest

from volia.registry import services

# (key, primary name, other names (text, language)), visibility
PEOPLE = [
    ("bialiatski", "Алесь Бяляцкі", [("Алесь Беляцкий", "ru"), ("Ales Bialiatski", "")], "public"),
    ("bialou", "Алег Бялоў", [("Олег Белов", "ru")], "public"),
    ("bialiauski", "Аляксей Бяляўскі", [("Алексей Беляевский", "ru")], "public"),
    ("kavalchuk", "Аляксандр Кавальчук", [("Александр Ковальчук", "ru"), ("Aliaksandr Kavalchuk", "")],
     "public"),
    ("kalesnikava", "Марыя Калеснікава", [("Мария Колесникова", "ru"), ("Maria Kalesnikava", "")], "public"),
    ("losik", "Ігар Лосік", [("Игорь Лосик", "ru"), ("Ihar Losik", "")], "internal"),
    ("babaryka", "Віктар Бабарыка", [("Виктор Бабарико", "ru"), ("Viktar Babaryka", "")], "internal"),
    ("secret", "Алесь Беляцкін", [("Alies Bieliackin", "")], "restricted"),
]


@pytest.fixture
def registry(db, actor):
    """The people above, created through the services (which keep the search index up to date)."""
    out = {}
    for key, primary, others, visibility in PEOPLE:
        p = services.create_person(key, primary, actor=actor, visibility=visibility)
        for text, lang in others:
            services.add_name(p, text, lang, "alias" if lang else "transliteration", actor=actor)
        out[key] = p
    return out
