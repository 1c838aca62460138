"""Corrupted names for benchmarks and tests: the ways one person's name differs between sources.

A political prisoner's name is copied from court lists, human-rights lists, the press and
letters; each copy may be in another script, another transliteration system, the other
language (Belarusian or Russian), with a typo, a diminutive, another word order, with or
without the patronymic, or in a Polish or German press spelling. :func:`corrupt` applies
one to three of these at random; :func:`name_pairs` pairs realistic synthetic names with
their corrupted copies; :func:`random_name` makes the synthetic names.

Everything is driven by the ``random.Random`` passed in, so a seed gives the same pairs on
every machine. Pure Python; imports no Django.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from volia.demo import names as demo
from volia.names import given_names
from volia.names.keys import fold, given_name_groups
from volia.names.translit import transliterate

__all__ = ["CORRUPTIONS", "PRESS_LANGUAGES", "corrupt", "name_pairs", "press_spelling", "random_name"]

# More surnames than the demo set (be/ru, masculine forms; the feminine is derived by kind),
# so that 10,000 distinct synthetic people can be drawn. Ordinary surnames, none chosen for
# its association with a known person.
_EXTRA_SURNAMES: dict[str, str] = {
    "same": (
        "Лагуновіч/Лагунович Мялешка/Мелешко Шаўчук/Шевчук Бандарэнка/Бондаренко Клімчук/Климчук "
        "Петрашэвіч/Петрашевич Рабцэвіч/Рабцевич Мельнічэнка/Мельниченко Кавалевіч/Ковалевич "
        "Пракаповіч/Прокопович Якімовіч/Якимович Стасевіч/Стасевич Паляшчук/Полещук Трафімчук/Трофимчук "
        "Гаўрылюк/Гаврилюк Раманюк/Романюк Марцінкевіч/Мартинкевич Несцярук/Нестерук Сцяпанюк/Степанюк "
        "Кулеш/Кулеш Асіпчык/Осипчик Мацюк/Матюк Хадасевіч/Ходасевич Грынкевіч/Гринкевич "
        "Кірэенка/Киреенко Ждановіч/Жданович Бабіч/Бабич Пятрэнка/Петренко Карачун/Карачун "
        "Шэўчык/Шевчик Малашэвіч/Малашевич Дзмітрук/Дмитрук Ярмоленка/Ярмоленко Гурыновіч/Гуринович "
        "Тарасевіч/Тарасевич Сямашка/Семашко Радзевіч/Радевич Бурак/Бурак "
        "Лазарчук/Лазарчук Новік/Новик Канановіч/Кононович Кухарчык/Кухарчик "
        "Дземчанка/Демченко Ляшчэня/Лещеня Бялько/Белько Зубовіч/Зубович Саўчук/Савчук "
        "Карпенка/Карпенко Жыгалка/Жигалко Бабко/Бабко Цыбулька/Цыбулько "
        "Жукевіч/Жукевич Волкавіч/Волкович Сідаровіч/Сидорович Міхалевіч/Михалевич Кандрацюк/Кондратюк "
        "Багдановіч/Богданович Гуцаловіч/Гуцалович Ярашэвіч/Ярошевич Юшкевіч/Юшкевич Харытончык/Харитончик "
        "Левановіч/Леванович Шлапак/Шлапак Ціток/Титок Булыга/Булыга Сінкевіч/Синкевич "
        "Ларчанка/Ларченко Гарбачэўскі/Горбачевский Кулікоўскі/Куликовский Пархімчык/Пархимчик "
        "Хведарук/Федорук Цімашэнка/Тимошенко Несцяровіч/Нестерович Бародка/Бородко Дайнека/Дайнеко"
    ),
    "ov": (
        "Жукаў/Жуков Краўцоў/Кравцов Баранаў/Баранов Мядзведзеў/Медведев Сарокін/Сорокин "
        "Шчарбакоў/Щербаков Гусеў/Гусев Раманаў/Романов Цімафееў/Тимофеев Ягораў/Егоров "
        "Нікіцін/Никитин Захараў/Захаров Мельнікаў/Мельников Бяляеў/Беляев Сяргееў/Сергеев"
    ),
    "ski": (
        "Ляўкоўскі/Левковский Антонаўскі/Антоновский Пашкоўскі/Пашковский Шыманскі/Шиманский "
        "Савіцкі/Савицкий Бялецкі/Белецкий Ракоўскі/Раковский Сасноўскі/Сосновский "
        "Малахоўскі/Малаховский Дзяркачэўскі/Деркачевский Заблоцкі/Заблоцкий Ваўжынскі/Вавжинский "
        "Кашэўскі/Кашевский Гарадзецкі/Городецкий Лісоўскі/Лисовский Хмяльніцкі/Хмельницкий"
    ),
}

# the letters of Belarusian and Russian Cyrillic, for typos that stay in the script
_BE_LETTERS = "абвгдеёжзійклмнопрстуўфхцчшыьэюя"
_RU_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщыьэюя"
_LATIN_LETTERS = "abcdefghijklmnoprstuvyz"

_BE_SYSTEMS = ("be-2023", "be-2007", "be-bgn", "be-passport", "be-passport", "be-passport", "be-lacinka")
_RU_SYSTEMS = ("ru-bgn", "ru-icao", "ru-icao", "ru-gost-b", "ru-iso9")
PRESS_LANGUAGES = ("pl", "de")


@dataclass(frozen=True)
class _Person:
    """One synthetic person: the parts of the name in Belarusian and Russian."""

    given_be: str
    given_ru: str
    surname_be: str
    surname_ru: str
    patronymic_be: str | None
    patronymic_ru: str | None


def _female(be: str, ru: str, kind: str) -> tuple[str, str]:
    if kind == "ski":
        return be[:-1] + "ая", ru[:-2] + "ая"
    if kind == "ov":
        return (be[:-1] + "ва", ru + "а") if be.endswith("ў") else (be + "а", ru + "а")
    return be, ru


@cache
def _surnames() -> tuple[list[tuple[str, str, str, str]], ...]:
    """(male be, male ru, female be, female ru) for every surname."""
    out = [(s.male.be, s.male.ru, s.female.be, s.female.ru) for s in demo.SURNAMES]
    seen = {row[0] for row in out}
    for kind, pairs in _EXTRA_SURNAMES.items():
        for pair in pairs.split():
            be, ru = pair.split("/")
            if be in seen:
                continue
            seen.add(be)
            fbe, fru = _female(be, ru, kind)
            out.append((be, ru, fbe, fru))
    return (out,)


@cache
def _be_ru() -> dict[str, str]:
    """Token translations between the Belarusian and Russian forms (both directions)."""
    pairs: list[tuple[str, str]] = []
    for g in (*demo.MALE_GIVEN, *demo.FEMALE_GIVEN):
        pairs.append((g.be, g.ru))
    for p in demo.PATRONYMICS:
        pairs += [(p.male.be, p.male.ru), (p.female.be, p.female.ru)]
    for mbe, mru, fbe, fru in _surnames()[0]:
        pairs += [(mbe, mru), (fbe, fru)]
    out: dict[str, str] = {}
    for be, ru in pairs:
        out.setdefault(be, ru)
        out.setdefault(ru, be)
    return out


@cache
def _given_variants() -> dict[str, list[str]]:
    """Every form of a given-name group (be, ru, Latin, diminutives), by each of its forms."""
    out: dict[str, list[str]] = {}
    for table in (given_names.MALE, given_names.FEMALE):
        for line in re.sub(r"\n\s+", " ", table).strip().splitlines():
            key, _, rest = line.partition(":")
            forms = list(dict.fromkeys([key, *rest.split()]))
            for form in forms:
                out.setdefault(form, []).extend(f for f in forms if f != form)
    return out


def _random_person(rng: random.Random) -> _Person:
    female = rng.random() < 0.4
    given = rng.choice(demo.FEMALE_GIVEN if female else demo.MALE_GIVEN)
    mbe, mru, fbe, fru = rng.choice(_surnames()[0])
    sbe, sru = (fbe, fru) if female else (mbe, mru)
    patronymic = rng.choice(demo.PATRONYMICS) if rng.random() < 0.7 else None
    pforms = (patronymic.female if female else patronymic.male) if patronymic else None
    return _Person(given.be, given.ru, sbe, sru, pforms.be if pforms else None, pforms.ru if pforms else None)


def _format(person: _Person, language: str, order: str) -> str:
    given, surname, patronymic = (
        (person.given_ru, person.surname_ru, person.patronymic_ru) if language == "ru"
        else (person.given_be, person.surname_be, person.patronymic_be)
    )
    parts = [surname, given, patronymic] if order == "official" else [given, patronymic, surname]
    return " ".join(p for p in parts if p)


def random_name(rng: random.Random, language: str = "be") -> str:
    """A realistic synthetic full name in Belarusian (``"be"``) or Russian (``"ru"``) Cyrillic.

    Surname first as in court and human-rights lists (``Кавальчук Аляксандр Віктаравіч``) or
    given name first (``Аляксандр Кавальчук``); a patronymic seven times in ten.
    """
    person = _random_person(rng)
    return _format(person, language, "official" if rng.random() < 0.6 else "natural")


# --- press spellings ----------------------------------------------------------------------

_POLISH = {
    "а": "a", "б": "b", "в": "w", "г": "h", "ґ": "g", "д": "d", "ж": "ż", "з": "z", "і": "i", "и": "i",
    "й": "j", "к": "k", "л": "ł", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ў": "w", "ф": "f", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ы": "y", "э": "e",
    "ъ": "", "ь": "",
}
_GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "g", "ґ": "g", "д": "d", "ж": "sh", "з": "s", "і": "i", "и": "i",
    "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ў": "w", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ы": "y",
    "э": "e", "ъ": "", "ь": "",
}
_SOFT_VOWELS = {"е": "e", "ё": "o", "ю": "u", "я": "a"}
_CYR_VOWELS = set("аеёіиоуыэюя")


def press_spelling(text: str, language: str) -> str:
    """How Polish (``"pl"``) or German (``"de"``) newspapers spell a Cyrillic name.

    Polish: ``Бяляцкі`` → ``Bialacki``-like forms with ł, cz, sz, w (``Статкевич`` → ``Statkiewicz``);
    German: sch, tsch, w, z for ц, j for й and the glides (``Тихановская`` → ``Tichanowskaja``).
    """
    table = _POLISH if language == "pl" else _GERMAN
    out: list[str] = []
    prev = ""
    lowered = text.lower()
    for i, ch in enumerate(lowered):
        nxt = lowered[i + 1] if i + 1 < len(lowered) else ""
        if ch in _SOFT_VOWELS:
            vowel = _SOFT_VOWELS[ch]
            if not prev or prev in _CYR_VOWELS or prev in "ьъў'’":
                lat = "j" + vowel
            elif language == "pl" and prev == "л":
                out[-1] = out[-1].replace("ł", "l")
                lat = vowel
            elif language == "pl":
                lat = "i" + vowel
            else:
                lat = vowel if ch == "е" else "j" + vowel
        elif language == "pl" and ch == "л" and nxt and nxt in "іиь":
            lat = "l"
        elif language == "pl" and ch == "ь" and prev and prev in "сзцн":
            lat = {"с": "ś", "з": "ź", "ц": "ć", "н": "ń"}[prev]
            out[-1] = ""
        elif language == "pl" and ch == "й" and prev and prev in "иы" and not nxt.isalpha():
            lat = ""  # Беляцкий → Bielacki
        elif language == "de" and ch == "с" and prev in _CYR_VOWELS and nxt in _CYR_VOWELS:
            lat = "ss"
        elif language == "de" and ch == "й" and prev and prev in "иы" and not nxt.isalpha():
            lat = ""  # Тихановский → Tichanowski
        else:
            lat = table.get(ch, ch)
        out.append(lat)
        prev = ch if ch.isalpha() or ch in "'’" else ""
    return _recase(text, "".join(out))


def _recase(source: str, latin: str) -> str:
    """Capitalise each word of ``latin`` like the matching word of ``source``."""
    words = latin.split(" ")
    src = source.split(" ")
    if len(words) != len(src):
        return latin.title()
    return " ".join(
        w.upper() if s.isupper() and len(s) > 1 else (w[:1].upper() + w[1:] if s[:1].isupper() else w)
        for w, s in zip(words, src, strict=True)
    )


# --- corruptions --------------------------------------------------------------------------


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in text)


def _script_switch(name: str, rng: random.Random, language: str) -> str:
    if not _is_cyrillic(name):
        return name
    systems = _RU_SYSTEMS if language == "ru" else _BE_SYSTEMS
    return transliterate(name, rng.choice(systems))


def _press(name: str, rng: random.Random, language: str) -> str:
    if not _is_cyrillic(name):
        return name
    return press_spelling(name, rng.choice(PRESS_LANGUAGES))


def _language_switch(name: str, rng: random.Random, language: str) -> str:
    table = _be_ru()
    return " ".join(table.get(t, t) for t in name.split())


def _typo(name: str, rng: random.Random, language: str) -> str:
    out = name
    for _ in range(rng.choice((1, 1, 2))):
        out = _one_edit(out, rng)
    return out


def _one_edit(name: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(name) if c.isalpha()]
    if len(positions) < 3:
        return name
    i = rng.choice(positions[1:])  # the first letter is the one people get right
    if _is_cyrillic(name):
        alphabet = _RU_LETTERS if "щ" in name.lower() or "и" in name.lower() else _BE_LETTERS
    else:
        alphabet = _LATIN_LETTERS
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    letter = rng.choice(alphabet)
    if name[i].isupper():
        letter = letter.upper()
    if kind == "substitute":
        return name[:i] + letter + name[i + 1:]
    if kind == "delete" and name[i - 1].isalpha() and i + 1 < len(name) and name[i + 1].isalpha():
        return name[:i] + name[i + 1:]
    if kind == "insert":
        return name[:i] + letter + name[i:]
    if i + 1 < len(name) and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + letter + name[i + 1:]


def _diminutive(name: str, rng: random.Random, language: str) -> str:
    variants = _given_variants()
    tokens = name.split()
    candidates = [i for i, t in enumerate(tokens) if t in variants]
    if not candidates:
        return name
    i = rng.choice(candidates)
    tokens[i] = rng.choice(variants[tokens[i]])
    return " ".join(tokens)


@cache
def _patronymic_forms() -> frozenset[str]:
    forms = set()
    for p in demo.PATRONYMICS:
        forms |= {p.male.be, p.male.ru, p.female.be, p.female.ru}
    return frozenset(forms)


def _patronymic_index(tokens: list[str]) -> int | None:
    """Where the patronymic is (a known patronymic after the first token), if there is one."""
    forms = _patronymic_forms()
    for i, t in enumerate(tokens):
        if i > 0 and t in forms:
            return i
    return None


def _order_swap(name: str, rng: random.Random, language: str) -> str:
    tokens = name.split()
    if len(tokens) < 2:
        return name
    p = _patronymic_index(tokens)
    if p is not None and len(tokens) == 3:
        # "Surname Given Patronymic" <-> "Given Patronymic Surname"
        return " ".join([*tokens[1:], tokens[0]]) if p == 2 else " ".join([tokens[2], *tokens[:2]])
    return " ".join([*tokens[1:], tokens[0]])


def _patronymic(name: str, rng: random.Random, language: str) -> str:
    tokens = name.split()
    p = _patronymic_index(tokens)
    if p is not None:
        del tokens[p]
        return " ".join(tokens)
    variants = _given_variants()
    given = [i for i, t in enumerate(tokens) if t in variants]
    if not given or not _is_cyrillic(name):
        return name
    i = given[0]
    female = _female_given(tokens[i])
    patronymic = rng.choice(demo.PATRONYMICS)
    forms = patronymic.female if female else patronymic.male
    tokens.insert(i + 1, forms.ru if language == "ru" else forms.be)
    return " ".join(tokens)


@cache
def _female_forms() -> frozenset[str]:
    return frozenset(g.be for g in demo.FEMALE_GIVEN) | frozenset(g.ru for g in demo.FEMALE_GIVEN)


def _female_given(token: str) -> bool:
    return token in _female_forms()


def _strip_diacritics(name: str, rng: random.Random, language: str) -> str:
    if _is_cyrillic(name):
        name = transliterate(name, rng.choice(("be-2007", "be-lacinka") if language == "be" else ("ru-iso9",)))
    name = name.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _capitals(name: str, rng: random.Random, language: str) -> str:
    tokens = name.split()
    if not tokens:
        return name
    tokens[0] = tokens[0].upper()  # court lists write the surname in capitals
    return " ".join(tokens) if rng.random() < 0.7 else name.upper()


CORRUPTIONS: dict[str, Callable[[str, random.Random, str], str]] = {
    "script": _script_switch,
    "press": _press,
    "language": _language_switch,
    "typo": _typo,
    "diminutive": _diminutive,
    "order": _order_swap,
    "patronymic": _patronymic,
    "diacritics": _strip_diacritics,
    "capitals": _capitals,
}
# Cyrillic-level corruptions come before the script changes, which end the chain
_STAGE = {"language": 0, "diminutive": 0, "patronymic": 0, "order": 1, "typo": 2, "script": 3, "press": 3,
          "diacritics": 3, "capitals": 4}
_WEIGHTS = {"script": 4, "press": 1, "language": 3, "typo": 3, "diminutive": 2, "order": 2, "patronymic": 2,
            "diacritics": 1, "capitals": 1}


def corrupt(name: str, rng: random.Random, language: str = "be") -> str:
    """``name`` as another source may have written it: one to three corruptions from :data:`CORRUPTIONS`.

    ``language`` is the language of ``name`` (``"be"`` or ``"ru"``); it picks the
    transliteration systems and the patronymic's form. The result differs from ``name``
    whenever some corruption applies to it.
    """
    kinds = list(_WEIGHTS)
    weights = [_WEIGHTS[k] for k in kinds]
    for _attempt in range(10):
        chosen: list[str] = []
        for _ in range(rng.choice((1, 2, 2, 3))):
            kind = rng.choices(kinds, weights)[0]
            if kind not in chosen and not (kind in ("script", "press", "diacritics") and
                                           chosen and any(_STAGE[c] == 3 for c in chosen)):
                chosen.append(kind)
        chosen.sort(key=_STAGE.__getitem__)
        out = name
        lang = language
        for kind in chosen:
            out = CORRUPTIONS[kind](out, rng, lang)
            if kind == "language":
                lang = "ru" if lang == "be" else "be"
        if out != name:
            return out
    return _typo(name, rng, language)


def name_pairs(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` pairs (original, corrupted) of distinct synthetic people, reproducible from ``seed``.

    Originals are in Belarusian Cyrillic three times in four and Russian otherwise; no two
    originals share both surname and given name (counting Алесь and Аляксандр as one), so
    every corrupted name has one right answer.
    """
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    pairs: list[tuple[str, str]] = []
    attempts = 0
    while len(pairs) < n:
        attempts += 1
        if attempts > n * 50:
            raise ValueError(f"cannot draw {n} distinct synthetic names (got {len(pairs)})")
        person = _random_person(rng)
        # Алесь Кавальчук and Аляксандр Кавальчук may be one person: one of them only
        groups = given_name_groups(person.given_be)
        key = (min(groups) if groups else fold(person.given_be), fold(person.surname_be))
        if key in seen:
            continue
        seen.add(key)
        language = "be" if rng.random() < 0.75 else "ru"
        original = _format(person, language, "official" if rng.random() < 0.6 else "natural")
        pairs.append((original, corrupt(original, rng, language)))
    return pairs
