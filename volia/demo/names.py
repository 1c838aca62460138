"""Name parts for synthetic demo people: common Belarusian given names, patronymics and
surnames, each with its Russian form, and their Latin spelling.

Combining these at random gives names that sound ordinary and belong to nobody in
particular. Surnames that are strongly associated with well-known political prisoners have
been left out on purpose, so that a demo record is never mistaken for a real person.

Latin spellings follow the Belarusian passport romanisation (the Ministry of Internal
Affairs' instruction of 2010, ICAO Doc 9303 compatible), which is the spelling the press
and human-rights lists use for Belarusian names ("Aliaksandr Kavalchuk", "Siarhei",
"Sviatlana"): no diacritics, я → ia, ў → u, г → h, х → kh.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FEMALE_GIVEN",
    "MALE_GIVEN",
    "PATRONYMICS",
    "SURNAMES",
    "FullName",
    "NameForms",
    "Patronymic",
    "Surname",
    "full_name",
    "latin",
]

# --- romanisation -------------------------------------------------------------------------

_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "ж": "zh", "з": "z",
    "і": "i", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "ы": "y", "э": "e", "ь": "", "'": "", "’": "",
    "ё": "io", "ю": "iu", "я": "ia",
}
_VOWELS = frozenset("аеёіиоуыэюя")


def latin(text: str) -> str:
    """Romanise Belarusian Cyrillic with the passport system (``Кавальчук`` → ``Kavalchuk``).

    ``е`` is ``ie`` at the start of a word and after a vowel, soft sign or apostrophe
    (``Юр'евіч`` → ``Iurievich``), ``e`` after a consonant (``Севярынец`` → ``Seviarynets``);
    a final ``ый`` is ``y`` (``Дзмітрый`` → ``Dzmitry``), as in passports.
    """
    out: list[str] = []
    prev = " "
    n = len(text)
    for i, ch in enumerate(text):
        low = ch.lower()
        nxt = text[i + 1] if i + 1 < n else " "
        if low == "е":
            lat = "ie" if (prev in _VOWELS or prev in " -ь'’") else "e"
        elif low == "й" and prev == "ы" and not nxt.isalpha():
            lat = ""
        elif low in _LATIN:
            lat = _LATIN[low]
        else:
            lat = ch
        if ch != low and lat:
            # a capital in an all-capitals word stays all capitals: СВЯТЛАНА → SVIATLANA
            lat = lat.upper() if (nxt.isupper() or text[i - 1:i].isupper()) else lat[0].upper() + lat[1:]
        out.append(lat)
        prev = low
    return "".join(out)


# --- name tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class NameForms:
    """One name part in Belarusian and Russian, with the Latin spelling of the Belarusian."""

    be: str
    ru: str
    latn: str


def _forms(pairs: str) -> tuple[NameForms, ...]:
    """Parse ``"be/ru be/ru ..."`` into name forms."""
    out = []
    for pair in pairs.split():
        be, ru = pair.split("/")
        out.append(NameForms(be, ru, latin(be)))
    return tuple(out)


MALE_GIVEN: tuple[NameForms, ...] = _forms(
    "Аляксандр/Александр Сяргей/Сергей Андрэй/Андрей Дзмітрый/Дмитрий Аляксей/Алексей "
    "Павел/Павел Мікалай/Николай Уладзімір/Владимир Віктар/Виктор Ігар/Игорь Юрый/Юрий "
    "Максім/Максим Ягор/Егор Раман/Роман Артур/Артур Вадзім/Вадим Віталь/Виталий "
    "Яўген/Евгений Алег/Олег Васіль/Василий Іван/Иван Міхаіл/Михаил Пётр/Пётр Антон/Антон "
    "Кірыл/Кирилл Станіслаў/Станислав Дзяніс/Денис Уладзіслаў/Владислав Генадзь/Геннадий "
    "Валянцін/Валентин Анатоль/Анатолий Леанід/Леонид Мікіта/Никита Ілья/Илья Арцём/Артём "
    "Канстанцін/Константин Валерый/Валерий Рыгор/Григорий Эдуард/Эдуард Тарас/Тарас "
    "Барыс/Борис Сцяпан/Степан Глеб/Глеб Францішак/Франтишек Алесь/Алесь"
)

FEMALE_GIVEN: tuple[NameForms, ...] = _forms(
    "Вольга/Ольга Тацяна/Татьяна Святлана/Светлана Алена/Елена Наталля/Наталья Ірына/Ирина "
    "Марыя/Мария Ганна/Анна Юлія/Юлия Кацярына/Екатерина Вікторыя/Виктория Дар'я/Дарья "
    "Анастасія/Анастасия Ксенія/Ксения Людміла/Людмила Валянціна/Валентина Галіна/Галина "
    "Надзея/Надежда Марына/Марина Алеся/Олеся Вераніка/Вероника Ала/Алла Жанна/Жанна "
    "Лізавета/Елизавета Крысціна/Кристина Паліна/Полина Аксана/Оксана Лідзія/Лидия "
    "Інга/Инга Яна/Яна Зоя/Зоя Ніна/Нина"
)


@dataclass(frozen=True)
class Patronymic:
    """A patronymic in its masculine and feminine forms."""

    male: NameForms
    female: NameForms


def _patronymics(rows: str) -> tuple[Patronymic, ...]:
    """Parse lines ``be_m be_f ru_m ru_f``."""
    out = []
    for line in rows.strip().splitlines():
        be_m, be_f, ru_m, ru_f = line.split()
        out.append(Patronymic(NameForms(be_m, ru_m, latin(be_m)),
                              NameForms(be_f, ru_f, latin(be_f))))
    return tuple(out)


PATRONYMICS: tuple[Patronymic, ...] = _patronymics("""
Аляксандравіч Аляксандраўна Александрович Александровна
Сяргеевіч Сяргееўна Сергеевич Сергеевна
Андрэевіч Андрэеўна Андреевич Андреевна
Дзмітрыевіч Дзмітрыеўна Дмитриевич Дмитриевна
Аляксеевіч Аляксееўна Алексеевич Алексеевна
Мікалаевіч Мікалаеўна Николаевич Николаевна
Уладзіміравіч Уладзіміраўна Владимирович Владимировна
Віктаравіч Віктараўна Викторович Викторовна
Ігаравіч Ігараўна Игоревич Игоревна
Юр'евіч Юр'еўна Юрьевич Юрьевна
Іванавіч Іванаўна Иванович Ивановна
Міхайлавіч Міхайлаўна Михайлович Михайловна
Пятровіч Пятроўна Петрович Петровна
Васільевіч Васільеўна Васильевич Васильевна
Анатольевіч Анатольеўна Анатольевич Анатольевна
Генадзевіч Генадзеўна Геннадьевич Геннадьевна
Леанідавіч Леанідаўна Леонидович Леонидовна
Валер'евіч Валер'еўна Валерьевич Валерьевна
Яўгенавіч Яўгенаўна Евгеньевич Евгеньевна
Алегавіч Алегаўна Олегович Олеговна
Паўлавіч Паўлаўна Павлович Павловна
Віталевіч Віталеўна Витальевич Витальевна
Рыгоравіч Рыгораўна Григорьевич Григорьевна
Канстанцінавіч Канстанцінаўна Константинович Константиновна
Антонавіч Антонаўна Антонович Антоновна
Барысавіч Барысаўна Борисович Борисовна
""")


@dataclass(frozen=True)
class Surname:
    """A surname in its masculine and feminine forms."""

    male: NameForms
    female: NameForms


def _female(be: str, ru: str, kind: str) -> tuple[str, str]:
    """The feminine forms of a surname of the given declension kind."""
    if kind == "ski":  # Жукоўскі/Жуковский → Жукоўская/Жуковская
        return be[:-1] + "ая", ru[:-2] + "ая"
    if kind == "ov":  # Іваноў/Иванов → Іванова/Иванова; Кісялёў/Киселёв → Кісялёва/Киселёва
        return be[:-1] + "ва", ru + "а"
    if kind == "in":  # Бародзін/Бородин → Бародзіна/Бородина
        return be + "а", ru + "а"
    if kind == "adj":  # Чорны/Чёрный → Чорная/Чёрная
        return be[:-1] + "ая", ru[:-2] + "ая"
    return be, ru  # -ук, -ка, -іч, -ёнак, -ак...: the same for women


def _surnames(kind: str, pairs: str) -> list[Surname]:
    out = []
    for pair in pairs.split():
        be, ru = pair.split("/")
        fbe, fru = _female(be, ru, kind)
        out.append(Surname(NameForms(be, ru, latin(be)), NameForms(fbe, fru, latin(fbe))))
    return out


SURNAMES: tuple[Surname, ...] = tuple(
    _surnames("same",
              "Кавальчук/Ковальчук Ткачук/Ткачук Паўлючук/Павлючук Мельнік/Мельник "
              "Каваленка/Коваленко Марчанка/Марченко Лысенка/Лысенко Шаўчэнка/Шевченко "
              "Юркевіч/Юркевич Мацкевіч/Мацкевич Дашкевіч/Дашкевич Станкевіч/Станкевич "
              "Шымановіч/Шиманович Карповіч/Карпович Грыцкевіч/Грицкевич Васілёнак/Василёнок "
              "Сідарук/Сидорук Бурак/Бурак Кароль/Король Жук/Жук Грыб/Гриб Лукашук/Лукашук "
              "Дубовік/Дубовик Пашкевіч/Пашкевич Міхневіч/Михневич Шчэрба/Щерба "
              "Сянкевіч/Сенкевич Радзюк/Радюк Саковіч/Сакович Лукашэвіч/Лукашевич "
              "Кот/Кот Зайчык/Зайчик Гапановіч/Гапонович Мароз/Мороз Ярошык/Ярошик "
              "Казак/Казак Клімовіч/Климович Русакевіч/Русакевич Цвірка/Цвирко")
    + _surnames("ski",
                "Жукоўскі/Жуковский Навіцкі/Новицкий Савіцкі/Савицкий Дамброўскі/Домбровский "
                "Каменскі/Каменский Ясінскі/Ясинский Варанецкі/Воронецкий Кучынскі/Кучинский "
                "Вішнеўскі/Вишневский Казлоўскі/Козловский Левіцкі/Левицкий "
                "Шыдлоўскі/Шидловский Сакалоўскі/Соколовский Гарэцкі/Горецкий "
                "Маркоўскі/Марковский Ліпскі/Липский")
    + _surnames("ov",
                "Іваноў/Иванов Казлоў/Козлов Новікаў/Новиков Міхайлаў/Михайлов "
                "Кузняцоў/Кузнецов Сямёнаў/Семёнов Папоў/Попов Васільеў/Васильев "
                "Сцяпанаў/Степанов Мікалаеў/Николаев Волкаў/Волков Лебедзеў/Лебедев "
                "Кісялёў/Киселёв Арлоў/Орлов Макараў/Макаров Паўлаў/Павлов Фёдараў/Фёдоров "
                "Андрэеў/Андреев Барысаў/Борисов Герасімаў/Герасимов Зайцаў/Зайцев "
                "Кавалёў/Ковалёв")
    + _surnames("in", "Бародзін/Бородин Ільін/Ильин Шышкін/Шишкин Лапін/Лапин Галкін/Галкин")
    + _surnames("adj", "Чорны/Чёрный Белы/Белый")
)


@dataclass(frozen=True)
class FullName:
    be: str
    ru: str
    latn: str


def full_name(given: NameForms, surname: NameForms, patronymic: NameForms | None) -> FullName:
    """Given name, optional patronymic, surname, in each of the three forms."""
    if patronymic is None:
        return FullName(f"{given.be} {surname.be}", f"{given.ru} {surname.ru}",
                        f"{given.latn} {surname.latn}")
    return FullName(f"{given.be} {patronymic.be} {surname.be}",
                    f"{given.ru} {patronymic.ru} {surname.ru}",
                    f"{given.latn} {patronymic.latn} {surname.latn}")
