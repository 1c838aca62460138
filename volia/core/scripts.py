"""Which script a name is written in, and a first guess at its language."""

from __future__ import annotations

import re

_BELARUSIAN_ONLY = set("іІўЎ")
_RUSSIAN_ONLY = set("иИщЩъЪ")


_SCRIPTS = [
    ("Cyrl", re.compile(r"[\u0400-\u052F\u1C80-\u1C8F\u2DE0-\u2DFF\uA640-\uA69F]")),
    ("Latn", re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")),
    ("Hani", re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")),
]


def script_of(text: str) -> str:
    """ISO 15924 code of the dominant script: Cyrl, Latn, Hani, or Zyyy when none of them."""
    best, best_n = "Zyyy", 0
    for code, pattern in _SCRIPTS:
        n = len(pattern.findall(text))
        if n > best_n:
            best, best_n = code, n
    return best


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
