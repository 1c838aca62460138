"""Which script a name is written in, and a first guess at its language."""

from __future__ import annotations

import unicodedata

_BELARUSIAN_ONLY = set("іІўЎ")
_RUSSIAN_ONLY = set("иИщЩъЪ")


def script_of(text: str) -> str:
    """ISO 15924 code of the dominant script: Cyrl, Latn, Hani or Zyyy."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        script = ("Cyrl" if name.startswith("CYRILLIC") else "Latn" if name.startswith("LATIN")
                  else "Hani" if name.startswith("CJK") else "Zyyy")
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "Zyyy"


def guess_language(text: str) -> str:
    """be for Cyrillic with і/ў, ru for other Cyrillic, zh for Han, und otherwise."""
    script = script_of(text)
    if script == "Cyrl":
        letters = set(text)
        if letters & _BELARUSIAN_ONLY and not letters & _RUSSIAN_ONLY:
            return "be"
        return "ru"
    if script == "Hani":
        return "zh"
    return "und"
