"""Transliteration: published vectors, the standards' own tables on names, context rules, properties."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volia.names.translit import SYSTEMS, transliterate

DATA = Path(__file__).parent / "data" / "translit_vectors.tsv"


def _unescape(field: str) -> str:
    return field.replace("\\n", "\n").replace('\\"', '"')


def _vectors() -> list[tuple[str, str, str, str, str]]:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        expected = row["expected"] if row["status"] == "deviation" else row["latin"]
        rows.append((row["system"], row["origin"], _unescape(row["cyrillic"]), _unescape(expected), row["status"]))
    return rows


VECTORS = _vectors()


def test_vector_file_covers_the_systems_with_published_vectors():
    systems = {row[0] for row in VECTORS}
    assert systems == {"be-2023", "be-2007", "be-bgn", "be-passport", "ru-bgn", "ru-iso9"}
    assert len(VECTORS) >= 240
    assert systems <= set(SYSTEMS)
    # a deviation is an exception, with its reason written down
    assert sum(row[4] == "deviation" for row in VECTORS) == 3


@pytest.mark.parametrize(("system", "origin", "cyrillic", "latin", "status"), VECTORS,
                         ids=[f"{r[0]}:{r[2][:20]}" for r in VECTORS])
def test_published_vectors(system, origin, cyrillic, latin, status):
    assert transliterate(cyrillic, system) == latin


# Names romanised by hand from each standard's table (the systems with no or few published vectors).
NAMES = [
    ("be-lacinka", "Аляксандр Бяляцкі", "Alaksandr Bialacki"),
    ("be-lacinka", "Лукашэнка", "Łukašenka"),
    ("be-lacinka", "Ціханоўская", "Cichanoŭskaja"),
    ("be-lacinka", "Алесь", "Aleś"),
    ("be-lacinka", "Вольга", "Volha"),
    ("be-lacinka", "Зміцер Дашкевіч", "Zmicier Daškievič"),
    ("be-lacinka", "Кастусь Каліноўскі", "Kastuś Kalinoŭski"),
    ("be-lacinka", "Вячаслаў", "Viačasłaŭ"),
    ("be-lacinka", "Мікола Статкевіч", "Mikoła Statkievič"),
    ("be-lacinka", "Юр'евіч", "Jurjevič"),
    ("be-2023", "Аляксандр Бяляцкі", "Aliaksandr Bialiacki"),
    ("be-2023", "Ігар Лосік", "Igar Losik"),
    ("be-2023", "Вольга Жук", "Volga Zhuk"),
    ("be-2023", "Паўлаў", "Pawlaw"),
    ("be-2007", "Алесь Бяляцкі", "Alieś Bialiacki"),
    ("be-2007", "Ціханоўская", "Cichanoŭskaja"),
    ("be-bgn", "Ціханоўская", "Tsikhanowskaya"),
    ("be-bgn", "Аляксандр", "Alyaksandr"),
    ("be-passport", "Ціханоўская Святлана", "Tsikhanouskaia Sviatlana"),
    ("be-passport", "Кацярына", "Katsiaryna"),
    ("be-passport", "Пётр", "Piotr"),
    ("be-passport", "Дзмітрый", "Dzmitryi"),
    ("ru-icao", "Ковалёв", "Kovalev"),
    ("ru-icao", "Наталья", "Natalia"),
    ("ru-icao", "Щерба Юрий", "Shcherba Iurii"),
    ("ru-icao", "Объедкова", "Obieedkova"),
    ("ru-gost-b", "Щукин", "Shhukin"),
    ("ru-gost-b", "Цыганов", "Czy'ganov"),
    ("ru-gost-b", "Цапля", "Caplya"),
    ("ru-gost-b", "Хрущёв", "Xrushhyov"),
    ("ru-gost-b", "Эрнст Ильич", "E`rnst Il`ich"),
    ("ru-gost-b", "Съезд", "S``ezd"),
    ("ru-iso9", "Хрущёв", "Hruŝëv"),
    ("ru-iso9", "Юлия", "Ûliâ"),
    ("ru-bgn", "Юрьевич", "Yur’yevich"),
    ("ru-bgn", "Тихановская", "Tikhanovskaya"),
    ("ru-bgn", "Алексеев", "Alekseyev"),
]


@pytest.mark.parametrize(("system", "cyrillic", "latin"), NAMES)
def test_names_by_the_standard_tables(system, cyrillic, latin):
    assert transliterate(cyrillic, system) == latin


@pytest.mark.parametrize(
    ("system", "cyrillic", "latin"),
    [
        ("be-passport", "ШУМСКІ", "SHUMSKI"),  # a word in capitals stays in capitals
        ("be-passport", "Шумскі", "Shumski"),  # a capitalised word: only the first letter
        ("be-passport", "Ш", "Sh"),
        ("be-2007", "ЛЮБАНЬ", "LIUBAŃ"),
        ("ru-bgn", "ЁЖ", "YËZH"),
        ("be-2007", "Ельск", "Jeĺsk"),  # iotated at the start of a word
        ("be-2007", "Бабаедава", "Babajedava"),  # ... after a vowel
        ("be-2007", "Iўе", "Iŭje"),  # ... after ў (and a Latin I in Cyrillic text is kept)
        ("be-2007", "Вераб'ёвічы", "Vierabjovičy"),  # ... after the apostrophe
        ("be-2007", "Цёмны", "Ciomny"),  # ... not after a consonant
    ],
)
def test_context_and_capitals(system, cyrillic, latin):
    assert transliterate(cyrillic, system) == latin


def test_non_cyrillic_text_is_left_alone():
    assert transliterate("Ales Bialiatski, 1962 (O'Neil)", "be-2023") == "Ales Bialiatski, 1962 (O'Neil)"
    assert transliterate("Алесь, 1962", "be-passport") == "Ales, 1962"


def test_unknown_system_is_named():
    with pytest.raises(ValueError, match="unknown transliteration system 'klingon'"):
        transliterate("Алесь", "klingon")


CYRILLIC = "абвгґдеёєжзиіїйклмнопрстуўфхцчшщъыьэюя"
NAME_TEXT = st.text(alphabet=CYRILLIC + CYRILLIC.upper() + " -'", max_size=40)


@settings(max_examples=300, deadline=None)
@given(NAME_TEXT, st.sampled_from(["be-2023", "be-passport", "ru-icao", "ru-gost-b"]))
def test_no_diacritic_systems_write_ascii(text, system):
    assert transliterate(text, system).isascii()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(sorted(SYSTEMS)))
def test_every_system_is_total_and_leaves_no_cyrillic(text, system):
    out = transliterate(text, system)
    for c in out:
        assert not ("\u0400" <= c <= "\u04ff" and c.lower() in CYRILLIC)
