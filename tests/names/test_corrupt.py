"""The corrupted-names generator: reproducible, realistic, and each corruption does what it says."""

from __future__ import annotations

import random

from rapidfuzz.distance import Levenshtein

from volia.names import corrupt as c
from volia.names.keys import fold, given_name_groups


def _cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def test_name_pairs_are_reproducible_and_distinct():
    pairs = c.name_pairs(300, seed=5)
    assert pairs == c.name_pairs(300, seed=5)
    assert pairs != c.name_pairs(300, seed=6)
    assert len(pairs) == 300
    originals = [a for a, _ in pairs]
    assert len(set(originals)) == 300
    assert all(a != b for a, b in pairs)
    assert all(_cyrillic(a) for a in originals)
    # the corruptions leave Cyrillic and reach Latin, in several systems
    assert sum(not _cyrillic(b) for _, b in pairs) > 100


def test_random_names_look_like_names():
    rng = random.Random(1)
    for _ in range(200):
        name = c.random_name(rng, "be")
        parts = name.split()
        assert 2 <= len(parts) <= 3
        assert all(p[0].isupper() and _cyrillic(p) for p in parts)
        assert not any(ch in name for ch in "ищъ")  # Belarusian, not Russian, letters
    assert all("і" not in c.random_name(rng, "ru").lower() for _ in range(200))


def test_script_switch_writes_latin():
    out = c.CORRUPTIONS["script"]("Кавальчук Аляксандр Віктаравіч", random.Random(3), "be")
    assert not _cyrillic(out)
    assert fold(out) == fold("Кавальчук Аляксандр Віктаравіч")


def test_language_switch_uses_the_other_form():
    out = c.CORRUPTIONS["language"]("Кавальчук Аляксандр Віктаравіч", random.Random(1), "be")
    assert out == "Ковальчук Александр Викторович"


def test_press_spellings():
    assert c.press_spelling("Статкевич", "pl") == "Statkiewicz"
    assert c.press_spelling("Колесникова", "pl") == "Kolesnikowa"
    assert c.press_spelling("Бяляцкі", "pl") == "Bialacki"
    assert c.press_spelling("Тихановская", "de") == "Tichanowskaja"
    assert c.press_spelling("Лукашэнка", "de") == "Lukaschenka"
    assert c.press_spelling("СВЯТЛАНА", "pl") == "SWIATŁANA"


def test_typo_is_one_or_two_edits():
    rng = random.Random(7)
    for _ in range(200):
        out = c.CORRUPTIONS["typo"]("Кавальчук Аляксандр", rng, "be")
        # a transposition is two Levenshtein edits
        assert 1 <= Levenshtein.distance(out, "Кавальчук Аляксандр") <= 4
        assert out[0] == "К"


def test_diminutive_stays_in_the_group():
    rng = random.Random(2)
    for _ in range(50):
        out = c.CORRUPTIONS["diminutive"]("Кавальчук Аляксандр", rng, "be")
        surname, given = out.split(" ", 1)
        assert surname == "Кавальчук"
        assert given_name_groups(given) & given_name_groups("Аляксандр")


def test_order_swap_and_patronymic():
    rng = random.Random(0)
    assert c.CORRUPTIONS["order"]("Кавальчук Аляксандр Віктаравіч", rng, "be") == "Аляксандр Віктаравіч Кавальчук"
    assert c.CORRUPTIONS["order"]("Аляксандр Віктаравіч Кавальчук", rng, "be") == "Кавальчук Аляксандр Віктаравіч"
    assert c.CORRUPTIONS["order"]("Аляксандр Кавальчук", rng, "be") == "Кавальчук Аляксандр"
    assert c.CORRUPTIONS["patronymic"]("Кавальчук Аляксандр Віктаравіч", rng, "be") == "Кавальчук Аляксандр"
    # a surname in -віч is not taken for a patronymic
    added = c.CORRUPTIONS["patronymic"]("Аляксандр Мацкевіч", rng, "be").split()
    assert len(added) == 3 and added[0] == "Аляксандр" and added[2] == "Мацкевіч"
    assert added[1].endswith("віч")
    # a woman's patronymic, in Russian for a Russian name
    assert c.CORRUPTIONS["patronymic"]("Ольга Ковальчук", rng, "ru").split()[1].endswith("вна")


def test_corrupt_changes_every_name_and_is_seeded():
    names = [c.random_name(random.Random(i)) for i in range(100)]
    first = [c.corrupt(n, random.Random(9)) for n in names]
    assert first == [c.corrupt(n, random.Random(9)) for n in names]
    assert all(a != b for a, b in zip(names, first, strict=True))
    assert c.corrupt("Іван", random.Random(1)) != "Іван"
    assert isinstance(c.corrupt("", random.Random(1)), str)
