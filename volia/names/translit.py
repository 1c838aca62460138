"""Belarusian and Russian Cyrillic to Latin, in the systems that names are actually met in.

``transliterate(text, system)`` romanises Cyrillic letters and leaves everything else
(Latin letters, digits, punctuation) as it is. ``SYSTEMS`` lists the codes:

Belarusian: ``be-2023`` (national system of 2023, no diacritics), ``be-2007`` (national
and UN system of 2007, Łacinka-based), ``be-bgn`` (BGN/PCGN 1979), ``be-passport`` (ICAO
Doc 9303 as applied in Belarusian passports, MVD instruction of 2010), ``be-lacinka``
(classical Łacinka). Russian: ``ru-bgn`` (BGN/PCGN 1947), ``ru-icao`` (ICAO Doc 9303,
Russian passports since 2013), ``ru-gost-b`` (GOST 7.79-2000 system B, ASCII),
``ru-iso9`` (ISO 9:1995 = GOST 7.79-2000 system A).

Every system accepts the letters of both languages (a Russian name may reach a
Belarusian-system call and the other way round); letters a standard does not cover get
the value the standard gives their nearest equivalent (documented in docs/names.md, where
the tables and their sources are written down).

Context rules: е, ё, ю, я (and є, ї) are "iotated" (je, ye, ie...) at the start of a word
and after a vowel, ь, ъ, ў or apostrophe, where a system distinguishes; the soft sign
becomes an acute accent on the consonant before it in the Łacinka-based systems
(Гомель → Homieĺ); Łacinka's л is ł unless a soft vowel or ь follows; a capital letter
that becomes a digraph is written "Sh" in a capitalised word and "SH" in a word in
capitals.

Pure Python; imports no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["SYSTEMS", "transliterate"]

_VOWELS = frozenset("аеёіиоуыэюяєї")
# after these (and at the start of a word) е, ё, ю, я are iotated: Ельск → Jeĺsk, Гаўя → Haŭja
_IOTATING = frozenset("аеёіиоуыэюяєїьъўй'’ʼ")
_APOSTROPHES = frozenset("'’ʼ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class _System:
    label: str
    letters: dict[str, str]
    # е, ё, ю, я, є, ї: (after a consonant, iotated)
    iotated: dict[str, tuple[str, str]]
    soft_sign: str = ""
    hard_sign: str = ""
    apostrophe: str = ""
    # soft sign merged into the consonant before it: {"z": "ź", ...}; ь after other letters → soft_sign
    acute: dict[str, str] = field(default_factory=dict)
    lacinka_l: bool = False
    bgn_dots: str = ""  # "be" or "ru": the BGN/PCGN middle-dot rules of that language
    gost_c: bool = False  # GOST 7.79 B: ц is cz before е, и, ы, й and c elsewhere


_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "з": "z", "і": "i", "и": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ы": "y", "э": "e",
}

_BE_2007_LETTERS = {**_COMMON, "г": "h", "ґ": "g", "ж": "ž", "й": "j", "ў": "ŭ", "х": "ch", "ц": "c", "ч": "č",
                    "ш": "š", "щ": "šč"}
_BE_2007_IOTATED = {"е": ("ie", "je"), "ё": ("io", "jo"), "ю": ("iu", "ju"), "я": ("ia", "ja"), "є": ("ie", "je"),
                    "ї": ("i", "ji")}
_ACUTE = {"z": "ź", "s": "ś", "c": "ć", "n": "ń", "l": "ĺ"}

SYSTEM_DEFS: dict[str, _System] = {
    "be-2023": _System(
        "Belarus national system 2023 (no diacritics)",
        {**_BE_2007_LETTERS, "г": "g", "ж": "zh", "ў": "w", "ч": "ch", "ш": "sh", "щ": "shch"},
        _BE_2007_IOTATED,
    ),
    "be-2007": _System(
        "Belarus national and UN system 2007 (Łacinka-based)",
        _BE_2007_LETTERS,
        _BE_2007_IOTATED,
        acute=_ACUTE,
    ),
    "be-bgn": _System(
        "BGN/PCGN 1979 (Belarusian)",
        {**_COMMON, "г": "h", "ґ": "g", "ж": "zh", "й": "y", "ў": "w", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
         "щ": "shch"},
        {"е": ("ye", "ye"), "ё": ("yo", "yo"), "ю": ("yu", "yu"), "я": ("ya", "ya"), "є": ("ye", "ye"),
         "ї": ("yi", "yi")},
        soft_sign="’", hard_sign="”", apostrophe="”", bgn_dots="be",
    ),
    "be-passport": _System(
        "ICAO Doc 9303 as in Belarusian passports (MVD 2010)",
        {**_COMMON, "г": "h", "ґ": "g", "ж": "zh", "й": "i", "ў": "u", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
         "щ": "shch"},
        {"е": ("e", "e"), "ё": ("io", "io"), "ю": ("iu", "iu"), "я": ("ia", "ia"), "є": ("ie", "ie"),
         "ї": ("i", "i")},
        hard_sign="ie",
    ),
    "be-lacinka": _System(
        "Classical Belarusian Łacinka",
        _BE_2007_LETTERS,
        _BE_2007_IOTATED,
        acute={**_ACUTE, "l": "l"},
        lacinka_l=True,
    ),
    "ru-bgn": _System(
        "BGN/PCGN 1947 (Russian)",
        {**_COMMON, "г": "g", "ґ": "g", "ж": "zh", "й": "y", "ў": "w", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
         "щ": "shch"},
        {"е": ("e", "ye"), "ё": ("ë", "yë"), "ю": ("yu", "yu"), "я": ("ya", "ya"), "є": ("e", "ye"),
         "ї": ("yi", "yi")},
        soft_sign="’", hard_sign="”", apostrophe="”", bgn_dots="ru",
    ),
    "ru-icao": _System(
        "ICAO Doc 9303 (Russian passports since 2013)",
        {**_COMMON, "г": "g", "ґ": "g", "ж": "zh", "й": "i", "ў": "u", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
         "щ": "shch"},
        {"е": ("e", "e"), "ё": ("e", "e"), "ю": ("iu", "iu"), "я": ("ia", "ia"), "є": ("ie", "ie"),
         "ї": ("i", "i")},
        hard_sign="ie",
    ),
    "ru-gost-b": _System(
        "GOST 7.79-2000 system B (ASCII)",
        {**_COMMON, "г": "g", "ґ": "g", "ж": "zh", "й": "j", "ў": "u`", "х": "x", "ц": "c", "ч": "ch", "ш": "sh",
         "щ": "shh", "ы": "y'", "э": "e`", "і": "i'"},
        {"е": ("e", "e"), "ё": ("yo", "yo"), "ю": ("yu", "yu"), "я": ("ya", "ya"), "є": ("ye", "ye"),
         "ї": ("yi", "yi")},
        soft_sign="`", hard_sign="``", apostrophe="'", gost_c=True,
    ),
    "ru-iso9": _System(
        "ISO 9:1995 (= GOST 7.79-2000 system A)",
        {**_COMMON, "г": "g", "ґ": "g̀", "ж": "ž", "й": "j", "ў": "ǔ", "х": "h", "ц": "c", "ч": "č", "ш": "š",
         "щ": "ŝ", "э": "è", "і": "ì"},
        {"е": ("e", "e"), "ё": ("ë", "ë"), "ю": ("û", "û"), "я": ("â", "â"), "є": ("ê", "ê"), "ї": ("ï", "ï")},
        soft_sign="ʹ", hard_sign="ʺ", apostrophe="’",
    ),
}

SYSTEMS: dict[str, str] = {code: spec.label for code, spec in SYSTEM_DEFS.items()}

# Łacinka: л is soft (l) before these, hard (ł) elsewhere; after a soft l the iotated vowels lose their i
_LACINKA_SOFT_AFTER_L = frozenset("еёюяєіїиь")


def _bgn_dot(spec: _System, prev: str, low: str, nxt: str) -> bool:
    """BGN/PCGN writes a middle dot where two letters would read as one digraph (Гезгалы → Hyez·haly)."""
    if spec.bgn_dots == "be":
        # zh, kh, sh, ts are ж, х, ш, ц: з·г, к·г, с·г, т·с are two letters
        return (prev, low) in {("з", "г"), ("к", "г"), ("с", "г"), ("т", "с")}
    if spec.bgn_dots == "ru":
        if (prev, low) in {("т", "с"), ("ш", "ч")}:
            return True
        if prev and prev in "йы" and low in "ауыэ":
            return True
        if low == "ы" and prev in _VOWELS:
            return True
        return low == "э" and bool(prev) and prev not in _VOWELS and prev not in "йъь" and prev.isalpha()
    return False


def _case(lat: str, ch: str, text: str, i: int) -> str:
    """Upper-case ``lat`` like ``ch``: all capitals inside a word in capitals (ШЧАРА → SHCHARA), else Title."""
    if not lat or ch == ch.lower():
        return lat
    nxt = text[i + 1] if i + 1 < len(text) else ""
    prev = text[i - 1] if i > 0 else ""
    in_capitals = (nxt.isalpha() and nxt.isupper()) or (
        prev.isalpha() and prev.isupper() and not (nxt.isalpha() and nxt.islower())
    )
    return lat.upper() if in_capitals else lat[0].upper() + lat[1:]


def transliterate(text: str, system: str) -> str:
    """Romanise the Cyrillic letters of ``text`` in ``system`` (a key of :data:`SYSTEMS`).

    Raises ``ValueError`` naming the system if it is unknown.
    """
    try:
        spec = SYSTEM_DEFS[system]
    except KeyError:
        raise ValueError(f"unknown transliteration system {system!r}; known: {', '.join(SYSTEMS)}") from None
    if not _CYRILLIC.search(text):
        return text
    out: list[str] = []
    n = len(text)
    prev = ""  # the previous character, lower-case, "" at the start of a word
    for i, ch in enumerate(text):
        low = ch.lower()
        nxt = text[i + 1].lower() if i + 1 < n else ""
        if low in _APOSTROPHES:
            # the Belarusian apostrophe between two Cyrillic letters; elsewhere leave the character alone
            if prev and _CYRILLIC.match(prev) and nxt and _CYRILLIC.match(nxt):
                out.append(spec.apostrophe)
                prev = "'"
            else:
                out.append(ch)
                prev = ""
            continue
        if not _CYRILLIC.match(low):
            out.append(ch)
            prev = low if low.isalpha() else ""
            continue
        lat: str
        if low in spec.iotated:
            after_consonant, iotated = spec.iotated[low]
            lat = iotated if (not prev or prev in _IOTATING) else after_consonant
            if spec.lacinka_l and prev == "л" and lat.startswith("i") and len(lat) > 1:
                lat = lat[1:]
        elif low == "ь":
            merged = spec.acute.get(out[-1][-1:].lower()) if out and prev and prev not in _VOWELS else None
            if merged is not None:
                last = out[-1]
                merged_cased = merged.upper() if last[-1].isupper() else merged
                out[-1] = last[:-1] + merged_cased
                prev = "ь"
                continue
            lat = spec.soft_sign
        elif low == "ъ":
            lat = spec.hard_sign
        elif low == "л" and spec.lacinka_l:
            lat = "l" if nxt in _LACINKA_SOFT_AFTER_L else "ł"
        elif low == "ц" and spec.gost_c:
            lat = "cz" if nxt in "еиыйіє" and nxt else "c"
        else:
            lat = spec.letters.get(low, low)
        cased = _case(lat, ch, text, i)
        if spec.bgn_dots and _bgn_dot(spec, prev, low, nxt):
            cased = "·" + cased
        out.append(cased)
        prev = low
    return "".join(out)
